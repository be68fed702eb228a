"""compat.command_line against the real argparse parser: the same options for every command line it
reads, and None for every one it leaves to argparse."""
from __future__ import annotations

import argparse
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compat.cli import _parser, _UsageError
from compat.command_line import COMMANDS, read


def _subparser(command: str) -> argparse.ArgumentParser:
    parser = _parser(command)
    subparsers = parser._subparsers
    assert subparsers is not None
    found = subparsers._group_actions[0].choices[command]  # type: ignore[index]
    assert isinstance(found, argparse.ArgumentParser)
    return found


def _argparse(args: List[str]) -> Optional[Dict[str, Any]]:
    try:
        return vars(_parser(args[0]).parse_args(args))
    except _UsageError:
        return None


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_tables_are_the_parsers(command: str) -> None:
    """Every option string, destination, kind, default and choice; the positional and its nargs."""
    options, defaults, positional, nargs = COMMANDS[command]
    seen: Dict[str, Tuple[str, Optional[Tuple[str, ...]]]] = {}
    found_defaults: Dict[str, Any] = {}
    positionals = []
    for action in _subparser(command)._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:
            positionals.append((action.dest, action.nargs))
            continue
        if isinstance(action, argparse._StoreTrueAction):
            kind: Optional[Tuple[str, ...]] = None
        else:
            assert type(action) is argparse._StoreAction and action.nargs is None and action.type is None
            kind = tuple(action.choices) if action.choices else ()
        for string in action.option_strings:
            seen[string] = (action.dest, kind)
        if action.default not in (None, False):
            found_defaults[action.dest] = action.default
    assert seen == options
    assert found_defaults == defaults
    assert positionals == ([(positional, nargs)] if positional else [])


_READ = [
    ["wheels"], ["wheels", "--json"], ["wheels", "mmcv==2.1.0", "--json"], ["wheels", "--json", "mmcv-full"],
    ["wheels", "--platform", "windows", "--cuda", "11.8", "--torch", "2.1", "--python-version", "3.11", "mmcv"],
    ["wheels", "--matrix", "m.toml", "--debug"], ["wheels", "--cuda", ""],
    ["constraints", "mmpose==1.3.2", "mmdet", "--format", "uv"], ["constraints", "-o", "c.txt", "0.28.0"],
    ["constraints", "mmpose", "--output", "x", "--python", "/usr/bin/python3", "--allow-build", "--provider", "any"],
    ["constraints", "mmpose", "--format", "pip", "--format", "requirements"],
    ["resolve", "mmpose==1.3.2", "mmdet"], ["resolve", "0.28.0", "--policy", "enforced", "--json"],
    ["resolve", "mmpose", "mmdet", "--torch", "2.1.2", "--cuda", "auto", "--platform", "linux"],
    ["doctor"], ["doctor", "--strict", "--json"], ["doctor", "--python", "/venv/bin/python", "--debug"],
]
_LEFT = [
    ["wheels", "--help"], ["wheels", "-h"], ["wheels", "--jso"], ["wheels", "--json=1"], ["wheels", "a", "b"],
    ["wheels", "--platform", "beos"], ["wheels", "--platform"], ["wheels", "--cuda", "-1"], ["wheels", "--", "x"],
    ["wheels", "--platform=linux"], ["constraints"], ["constraints", "--format", "conda", "mmpose"],
    ["constraints", "mmpose", "--strict"], ["resolve"], ["resolve", "-1"], ["doctor", "x"], ["doctor", "--python=py"],
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
    "--jso", "--format=uv", "-h", "bogus", "--strict",
])


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(COMMANDS)), st.lists(_TOKENS, max_size=7))
def test_never_other_than_argparse(command: str, rest: List[str]) -> None:
    """Whatever the command line: what read gives, argparse gives too (and it reads it without error)."""
    args = [command, *rest]
    found = read(args)
    if found is not None:
        assert vars(found) == _argparse(args)
