"""Everyday command lines read without argparse, for the commands that have a short path.

argparse costs about half of Python's own start on every run (its import, a gettext look-up per
message, regexes compiled per parser): more than the short paths' whole answer. :func:`read` reads a
command line made only of a command's exact option names and plain values, and returns the same
options argparse would give (a :class:`types.SimpleNamespace` with every destination and default);
anything else (``--help``, abbreviations, ``--opt=value``, ``--``, a value that starts with ``-``,
an unknown choice, a missing value) returns None, and argparse reads it, errors included.

The option tables below are checked against the real parser by tests/test_lean_args.py: every option
string, destination, default and choice of each command here must equal argparse's.
"""

from __future__ import annotations

from .vocabulary import PLATFORMS, POLICIES, PROVIDERS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from types import SimpleNamespace
    from typing import Dict, List, Optional, Sequence, Tuple, Union

    #: An option's destination and what it takes: a flag (None), any value (()), or one of the choices.
    Option = Tuple[str, Optional[Tuple[str, ...]]]

__all__ = ["COMMANDS", "empty_value", "hoisted", "read"]

_COMMON: Dict[str, Option] = {"--matrix": ("matrix", ()), "--json": ("json", None), "--debug": ("debug", None)}
_POLICY: Dict[str, Option] = {"--policy": ("policy", POLICIES)}
_STACK: Dict[str, Option] = {
    "--torch": ("torch", ()), "--cuda": ("cuda", ()), "--platform": ("platform", PLATFORMS),
    "--python-version": ("python_version", ()), "--provider": ("provider", PROVIDERS),
    "--allow-build": ("allow_build", None),
}
_TARGET: Dict[str, Option] = {"--python": ("python", ())}
_STACK_DEFAULTS: Dict[str, Union[str, bool, None]] = {"policy": "safe", "provider": "openmmlab"}

#: command -> (options, defaults other than None/False, positional destination, its nargs; "" for none)
COMMANDS: Dict[str, Tuple[Dict[str, Option], Dict[str, Union[str, bool, None]], str, str]] = {
    "resolve": ({**_COMMON, **_POLICY, **_STACK}, _STACK_DEFAULTS, "target", "+"),
    "constraints": ({**_COMMON, **_POLICY, **_STACK, **_TARGET, "-o": ("output", ()), "--output": ("output", ()),
                     "--format": ("format", ("pip", "requirements", "uv"))},
                    {**_STACK_DEFAULTS, "format": "pip"}, "target", "+"),
    "wheels": ({**_COMMON, "--platform": ("platform", PLATFORMS), "--cuda": ("cuda", ()), "--torch": ("torch", ()),
                "--python-version": ("python_version", ())}, {}, "dist", "?"),
    "doctor": ({**_COMMON, **_TARGET, "--strict": ("strict", None)}, {}, "", ""),
}


def read(args: Sequence[str]) -> Optional[SimpleNamespace]:
    """The options of ``args`` (``COMMAND ...``) as argparse gives them, or None to let argparse read
    them."""
    if not args or args[0] not in COMMANDS:
        return None
    options, defaults, positional, nargs = COMMANDS[args[0]]
    values: Dict[str, Union[str, bool, List[str], None]] = {"command": args[0]}
    for dest, kind in options.values():
        values[dest] = False if kind is None else None
    values.update(defaults)
    given: List[str] = []
    index = last = 1
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("-"):
            if given and last != index - 1:
                return None  # positionals split by options: argparse takes only the first run
            given.append(arg)
            last = index
            continue
        option = options.get(arg)
        if option is None:
            return None  # --help, --opt=value, an abbreviation, '--', a negative number: argparse's
        dest, kind = option
        if kind is None:
            values[dest] = True
            continue
        if index >= len(args) or args[index].startswith("-") or (kind and args[index] not in kind):
            return None  # argparse says what is wrong
        values[dest] = args[index]
        index += 1
    if not positional:
        if given:
            return None
    elif nargs == "+":
        if not given:
            return None
        values[positional] = given
    elif len(given) > 1:
        return None
    else:
        values[positional] = given[0] if given else None
    from types import SimpleNamespace

    return SimpleNamespace(**values)


def empty_value(options: Union[SimpleNamespace, object]) -> str:
    """The option (``--cuda``) or argument (``TARGET``) given as an empty string, or "": an empty value
    is not "not given", and would silently mean the default."""
    for dest, value in vars(options).items():
        if value == "" or (isinstance(value, list) and any(v == "" for v in value)):
            if dest == "dist" and getattr(options, "command", "") == "wheels":
                return "DIST[==V]"  # wheels' positional; matrix and harvest have a --dist option
            return _POSITIONALS.get(dest) or "--" + dest.replace("_", "-")
    return ""


#: Destinations of positional arguments, as their help names them.
_POSITIONALS = {"target": "TARGET", "requirement": "NAME==VERSION", "select": "PACKAGE[==V]", "requirements": "REQ"}


def hoisted(args: Sequence[str]) -> List[str]:
    """``args`` with the common options given before the command (``--matrix F resolve ...``, as many tools
    take them) moved after it, where every command's parser reads them; anything else as it is."""
    front: List[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ("--json", "--debug") or arg.startswith("--matrix="):
            front.append(arg)
            index += 1
        elif arg == "--matrix" and index + 1 < len(args):
            front.extend(args[index:index + 2])
            index += 2
        else:
            break
    if not front or index >= len(args) or args[index].startswith("-"):
        return list(args)  # no command after them: argparse says what is wrong
    return [args[index], *front, *args[index + 1:]]
