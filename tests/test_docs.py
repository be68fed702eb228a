"""The docs run: every command example in README.md and docs/*.md that needs no prepared environment
is executed, and its output compared with what the page shows (paths normalised).

An example is a fenced block whose lines starting ``$ `` are commands and whose other lines are the
output, stdout then stderr. Examples that need an environment made for them (``--python``, ``/venv``,
``PYTHONPATH``, a server, files) are left to the tests that build one.
"""

from __future__ import annotations

import re
import shlex
from typing import List, Tuple

import pytest

from .conftest import ROOT, Run

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_NEEDS_SETUP = ("--python", "/venv", "PYTHONPATH", "example.org", "--matrix", "harvest", "update", "cat ",
                "doctor", "--source", "127.0.0.1", "/home/")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)


def _examples() -> List[Tuple[str, int, str, List[str]]]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in _FENCE.finditer(text):
            lines = block.group(1).splitlines()
            if not lines or not re.match(r"^\$ ([A-Z_]+=\S+ )*mmcompat ", lines[0]):
                continue
            line_no = text[:block.start()].count("\n") + 2
            command, output = None, []
            for line in [*lines, "$ "]:
                if line.startswith("$ "):
                    if command is not None and not any(marker in command for marker in _NEEDS_SETUP):
                        found.append((page.name, line_no, command, output))
                    command, output = line[2:], []
                else:
                    output.append(line)
    return found


EXAMPLES = _examples()


def test_there_are_examples_to_run() -> None:
    assert len(EXAMPLES) >= 8, [e[2] for e in EXAMPLES]


@pytest.mark.parametrize("page, line, command, expected", EXAMPLES,
                         ids=[f"{e[0]}:{e[1]}:{e[2][:40]}" for e in EXAMPLES])
def test_example_output_is_what_the_page_shows(run: Run, page: str, line: int, command: str,
                                               expected: List[str]) -> None:
    words = shlex.split(command.split(" | ")[0])
    env = {"MMCOMPAT_NO_CACHE": "1", "MMCOMPAT_CUDA_DRIVER_VERSION": "none"}
    while words and re.match(r"^[A-Z_]+=", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words[0] == "mmcompat"
    done = run(*words[1:], env=env)
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    if " | head -" in command:
        lines = done.stdout.splitlines()[: int(command.rsplit("-", 1)[1])]
    matrix = str(ROOT / "data" / "compat_matrix.toml")
    embedded = "/venv/lib/python3.11/site-packages/compat/data/compat_matrix.toml"
    shown = [text.replace(matrix, embedded) for text in lines]
    assert shown == expected, f"{page}:{line}: {command}"
