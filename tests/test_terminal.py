"""What a person sees on a real terminal (a pty): rich's view, NO_COLOR and TERM=dumb, 80 columns."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from typing import Dict

import pytest

from .conftest import Run

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_a_terminal(run: Run, *args: str, env: Dict[str, str], columns: int = 80) -> str:
    """Run mmcompat with its stdout on a pty of ``columns`` columns; what the terminal got."""
    leader, follower = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    variables = run.env({"COLUMNS": str(columns), "LINES": "50", **env})
    process = subprocess.Popen([run.script, *args], stdout=follower, stderr=subprocess.DEVNULL, env=variables)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the follower closed: all was read
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


def test_matrix_at_80_columns_never_splits_a_range(run: Run) -> None:
    shown = ANSI.sub("", on_a_terminal(run, "matrix", env={"TERM": "xterm-256color"}))
    plain = run("matrix").stdout
    ranges = {token for line in plain.splitlines()[1:] for token in line.split() if token[:1] in "<>=!~"}
    assert ranges, "no ranges in the plain matrix"
    flat = shown.replace("\n", " ")
    for text in ranges:
        # every specifier of every range is on the screen whole (the narrow view breaks only after commas)
        for part in text.split(","):
            assert part in flat, part
    assert all(len(line) <= 80 for line in shown.splitlines())


@pytest.mark.parametrize("variables", [{"TERM": "xterm", "NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_no_escape_sequences_without_colour(run: Run, variables: Dict[str, str]) -> None:
    for args in (["matrix", "mmpose==0.28.0"], ["wheels", "mmcv==2.2.0", "--torch", "2.4"],
                 ["guard", "mmpose==0.28.0", "mmcv-full==1.7.0", "numpy<2"]):
        shown = on_a_terminal(run, *args, env=variables)
        assert "\x1b" not in shown, (args, shown[:200])
        assert shown.strip()


def test_findings_on_a_terminal_read_as_documented(run: Run) -> None:
    shown = ANSI.sub("", on_a_terminal(run, "guard", "mmpose==0.28.0", "mmcv-full==1.7.0", "numpy<2",
                                       env={"TERM": "xterm-256color"}, columns=200))
    assert "error[mmcv-outside-enforced]: import mmpose will fail: mmcv-full==1.7.0 (planned)" in shown


def test_a_wide_terminal_gets_the_rich_table_in_colour(run: Run) -> None:
    colour = re.compile(r"\x1b\[[0-9;]*?(3[0-7]|38;[0-9;]+|9[0-7])m")
    coloured = on_a_terminal(run, "matrix", env={"TERM": "xterm-256color"}, columns=200)
    assert "compatibility matrix" in coloured and "┃" in coloured and colour.search(coloured)
