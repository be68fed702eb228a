"""compat.command_line: the one declaration of the command line; argparse is built from it, and its fast
reader gives exactly argparse's options for every command line it reads, and None for every one it
leaves to argparse."""
from __future__ import annotations

import contextlib
import io
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compat.cli import _parser
from compat.command_line import COMMANDS, EXIT_CODES, read
from compat.errors import UsageError


def _argparse(args: List[str]) -> Optional[Dict[str, Any]]:
    try:
        return vars(_parser(args[0]).parse_args(args))
    except UsageError:
        return None


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_help_has_an_example_and_the_exit_codes(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        _parser(command).parse_args([command, "--help"])
    text = out.getvalue()
    assert f"example:\n  {COMMANDS[command].example}\n" in text and text.endswith(EXIT_CODES + "\n")
    assert COMMANDS[command].example.startswith(f"mmcompat {command} ")


@pytest.mark.parametrize(("args", "message"), [
    (["resolve", "0.28.0", "--pol", "enforced"], "unrecognized arguments: --pol enforced"),
    (["install", "mmpose", "--python-v", "3.11"], "unrecognized arguments: --python-v 3.11"),
    (["doctor", "--pyth", "/usr/bin/python3"], "unrecognized arguments: --pyth /usr/bin/python3"),
])
def test_no_abbreviations(args: List[str], message: str) -> None:
    """``--python PATH`` must never be read as ``--python-version PATH``: abbreviations are errors."""
    assert read(args) is None
    with pytest.raises(UsageError) as caught:
        _parser(args[0]).parse_args(args)
    assert str(caught.value) == message


_READ = [
    ["wheels"], ["wheels", "--json"], ["wheels", "mmcv==2.1.0", "--json"], ["wheels", "--json", "mmcv-full"],
    ["wheels", "--platform", "windows", "--cuda", "11.8", "--torch", "2.1", "--python-version", "3.11", "mmcv"],
    ["wheels", "--matrix", "m.toml", "--debug"],
    ["constraints", "mmpose==1.3.2", "mmdet", "--format", "uv"], ["constraints", "-o", "c.txt", "0.28.0"],
    ["constraints", "mmpose", "--output", "x", "--python", "/usr/bin/python3", "--allow-build", "--provider", "any"],
    ["constraints", "mmpose", "--format", "pip", "--format", "requirements"],
    ["resolve", "mmpose==1.3.2", "mmdet"], ["resolve", "0.28.0", "--policy", "enforced", "--json"],
    ["resolve", "mmpose", "mmdet", "--torch", "2.1.2", "--cuda", "auto", "--platform", "linux"],
    ["doctor"], ["doctor", "--strict", "--json"], ["doctor", "--python", "/venv/bin/python", "--debug"],
    ["wheels", "--platform=linux"], ["doctor", "--python=py"], ["resolve", "0.28.0", "--policy=enforced"],
    ["resolve", "mmpose==1.3.2", "mmdet", "--torch=2.1.0", "--cuda=11.8", "--json"], ["wheels", "--cuda=-1"],
    ["constraints", "--output=-x", "mmpose"],
]
_LEFT = [
    ["wheels", "--help"], ["wheels", "-h"], ["wheels", "--jso"], ["wheels", "--json=1"], ["wheels", "a", "b"],
    ["wheels", "--platform", "beos"], ["wheels", "--platform"], ["wheels", "--cuda", "-1"], ["wheels", "--", "x"],
    ["wheels", "--platform=beos"], ["wheels", "--json="], ["wheels", "--cuda", ""], ["wheels", "--cuda="],
    ["resolve", ""], ["resolve", "0.28.0", "--policy="], ["resolve", "0.28.0", "--policy=Safe"], ["constraints"],
    ["constraints", "--format", "conda", "mmpose"],
    ["constraints", "mmpose", "--strict"], ["resolve"], ["resolve", "-1"], ["doctor", "x"],
    ["install", "mmpose"],
    [], ["--version"], ["resolve", "mmpose", "--policy", "Safe"],
    ["resolve", "mmpose", "--torch", "2.1.2", "mmdet"], ["wheels", "mmcv", "--json", "mmcv"],
]


@pytest.mark.parametrize("args", _READ)
def test_read_as_argparse_reads(args: List[str]) -> None:
    found = read(args)
    assert found is not None
    assert vars(found) == _argparse(args)


@pytest.mark.parametrize("args", _LEFT)
def test_left_to_argparse(args: List[str]) -> None:
    assert read(args) is None


_TOKENS = st.sampled_from([
    "--json", "--debug", "--matrix", "--policy", "safe", "installer", "--torch", "2.1", "--cuda", "cpu",
    "--platform", "linux", "macos", "--python-version", "3.11", "--provider", "onedl", "--allow-build",
    "--python", "-o", "--output", "--format", "uv", "pip", "mmpose", "mmdet==3.2.0", "mmcv", "-x", "--", "",
    "--jso", "--format=uv", "-h", "bogus", "--strict", "--cuda=", "--json=1", "--torch=-2", "--platform=beos",
    "-o=x", "--policy=enforced",
])


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(COMMANDS)), st.lists(_TOKENS, max_size=7))
def test_never_other_than_argparse(command: str, rest: List[str]) -> None:
    """Whatever the command line: what read gives, argparse gives too (and it reads it without error)."""
    args = [command, *rest]
    found = read(args)
    if found is not None:
        assert vars(found) == _argparse(args)
