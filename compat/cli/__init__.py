"""The ``mmcompat`` command line: parse, call, print. The only place that prints, and the only place that exits.

Exit codes: 0 fine · 1 incompatible or no answer · 2 bad input or usage · 3 could not do the job.
Each command is run by a module of this package (:mod:`.resolve`, :mod:`.facts`, :mod:`.doctor`,
:mod:`.install`, :mod:`.update`), imported when it is run; all output goes through :mod:`.output`.
``mmcompat resolve TARGET [--policy P]`` first tries the tables compiled beside the matrix
(:mod:`compat.data.compiled`), so that the everyday call costs little more than Python's own start.
"""

from __future__ import annotations

import os
import sys

from .output import PROG, say_notes

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from argparse import ArgumentParser, Namespace
    from types import SimpleNamespace
    from typing import Callable, List, Optional, Sequence, Union

    #: Parsed options: argparse's, or the same read by :mod:`compat.command_line` on an everyday command line.
    Options = Union[Namespace, SimpleNamespace]

__all__ = ["main"]

def _parser(only: "Optional[str]" = None) -> "ArgumentParser":
    """argparse's reading of the one declaration (:mod:`compat.command_line`)."""
    from .. import __version__
    from ..command_line import parser

    return parser(only, __version__)


#: Each command and the module of this package that runs it (imported when the command is run).
_COMMANDS = {
    "resolve": "resolve",
    "compatible": "facts",
    "wheels": "facts",
    "matrix": "facts",
    "doctor": "doctor",
    "guard": "doctor",
    "update": "update",
    "harvest": "update",
    "install": "install",
    "constraints": "resolve",
    "build": "install",
}


def _command(name: str) -> "Callable[..., int]":
    """The function that runs command ``name`` (``cmd_<name>`` of its module)."""
    module = f"{__name__}.{_COMMANDS[name]}"
    __import__(module)  # the import statement's own function: importlib (and warnings) cost every start
    found: Callable[..., int] = getattr(sys.modules[module], f"cmd_{name}")
    return found


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())


def _run(args: List[str], quick: "Optional[Options]") -> int:
    """The command ``args`` names; ``quick`` is :func:`compat.command_line.read`'s reading of them."""
    from ..errors import CompatError, UsageError

    pip_args: List[str] = []
    if args[:1] == ["install"] and "--" in args:
        split = args.index("--")
        args, pip_args = args[:split], args[split + 1:]
    debug = "--debug" in args
    try:
        options = quick or _parser(args[0] if args and args[0] in _COMMANDS else None).parse_args(args)
        if options.command is None:
            sys.stderr.write(f"{PROG}: error: give a command: {', '.join(_COMMANDS)} (see '{PROG} --help')\n")
            return 2
        from ..command_line import empty_value

        empty = empty_value(options)
        if empty:
            raise UsageError(f"{empty} is given an empty value: give a value, or leave it out for the default")
        if getattr(options, "python", None):  # a path, an environment folder or a name on PATH
            from ..environment.interpreter import find_interpreter

            options.python = find_interpreter(options.python)
        if options.command == "install":
            return _command("install")(options, pip_args)
        return _command(options.command)(options)
    except CompatError as e:
        if debug and not isinstance(e, UsageError):
            raise
        see = f" (see '{PROG} --help')" if isinstance(e, UsageError) else ""
        sys.stderr.write(f"{PROG}: error: {_one_line(str(e))}{see}\n")
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        raise
    except Exception as e:  # the last line of defence: never a traceback without --debug
        if debug:
            raise
        if isinstance(e, ValueError) and "integer string conversion" in str(e):
            # packaging turns each part of a version into an int: past Python's digit limit that fails
            sys.stderr.write(f"{PROG}: error: a version in the arguments has more digits than Python converts to a "
                             f"number; give a real version (see '{PROG} --help')\n")
            return 2
        sys.stderr.write(f"{PROG}: internal error: {type(e).__name__}: {_one_line(str(e))} "
                         "(run with --debug for details)\n")
        return 3


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``mmcompat`` with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    from ..command_line import hoisted, read

    if args[:1] and args[0].startswith("--") and args[0] not in ("--help", "--version"):
        args = hoisted(args)  # mmcompat --matrix F resolve ...: the common options after the command
    try:

        quick = read(args)
        from .resolve import fast_resolve

        answer = fast_resolve(quick)
        if answer is not None:
            sys.stdout.write(answer[0])
            sys.stdout.flush()
            say_notes(answer[1], None)
            return 0
        code = _run(args, quick)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader went away (``| head``): not our error. Point stdout at devnull so the interpreter's
        # final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0

