"""The command line, declared once: every command, its options and its positional (:data:`COMMANDS`).

Two readers are made from this one declaration. :func:`parser` builds the argparse parser (help,
errors, every spelling argparse takes). :func:`read` is its fast branch for everyday command lines:
argparse costs about half of Python's own start on every run (its import, a gettext look-up per
message, regexes compiled per parser), more than the short paths' whole answer, so a command line
made only of a command's exact option names and plain values is read here into the same options
argparse would give (a :class:`types.SimpleNamespace` with every destination and default), in both
spellings ``--opt value`` and ``--opt=value``. Anything else (``--help``, ``--``, a separate value
that starts with ``-``, an unknown choice, a missing value, an option that appends or converts)
returns None, and argparse reads it, errors
included. Abbreviations are off in both (``allow_abbrev=False``): ``--python`` never silently
becomes ``--python-version``.
"""

from __future__ import annotations

from .data.record import Record
from .data.vocabulary import PLATFORMS, POLICIES, PROVIDERS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from argparse import ArgumentParser
    from types import SimpleNamespace
    from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

__all__ = ["COMMANDS", "EXIT_CODES", "PROG", "Command", "Option", "empty_value", "hoisted", "parser", "read"]

PROG = "mmcompat"
#: Said at the end of every command's ``--help``.
EXIT_CODES = ("exit codes: 0 fine, 1 incompatible, no answer or problems found, 2 bad input or usage,\n"
              "3 could not do the job (network, target interpreter, pip)")


class Option(Record):
    """One option: its spellings, where it is stored, and what it takes.

    ``takes`` is None for a flag (``store_true``), ``()`` for any one value, or the choices. ``action``
    is ``append`` for a repeatable option; ``nargs`` and ``type`` are argparse's; options of one
    ``group`` exclude each other.
    """

    flags: Tuple[str, ...]
    dest: str
    takes: Optional[Tuple[str, ...]]
    help: str
    default: Any = None
    metavar: Optional[Union[str, Tuple[str, ...]]] = None
    action: str = ""
    nargs: Optional[str] = None
    type: Optional[str] = None
    group: str = ""
    required: bool = False

    @property
    def plain(self) -> bool:
        """Read by :func:`read`: a flag or one value, stored as given."""
        return not (self.action or self.nargs or self.type)


class Command(Record):
    """A command: its summary, options, positional (destination, nargs, metavar, help) and an example."""

    name: str
    summary: str
    options: Tuple[Option, ...]
    positional: Optional[Tuple[str, str, str, str]]
    example: str


def _flag(flag: str, help: str) -> Option:
    return Option((flag,), flag.lstrip("-").replace("-", "_"), None, help)


def _value(flag: str, help: str, **extra: Any) -> Option:
    return Option((flag,), flag.lstrip("-").replace("-", "_"), (), help, **extra)


_MATRIX = _value("--matrix", "use this matrix file instead of the one in effect", metavar="FILE")
_JSON = _flag("--json", "print JSON")
_DEBUG = _flag("--debug", "show a traceback on errors")
_COMMON = (_MATRIX, _JSON, _DEBUG)
_POLICY = (Option(("--policy",), "policy", POLICIES,
                  "which source to answer from; safe (default) intersects documented, enforced and installer",
                  default="safe"),)
_STACK = (
    _value("--torch", "torch version (default: the environment's, read statically; none there: auto, the newest "
                      "torch that has every wheel the stack needs)", metavar="X.Y.Z|auto"),
    _value("--cuda", "CUDA version or cpu (default: the environment's torch build; none there: auto, the newest "
                     "CUDA the NVIDIA driver runs, else cpu)", metavar="11.3|cpu|auto"),
    Option(("--platform",), "platform", PLATFORMS, "default: this machine's"),
    _value("--gpu", "the GPU's compute capability, for a builder without it (default: MMCOMPAT_GPU_COMPUTE_CAP, else "
                    "nvidia-smi); no torch whose CUDA it cannot run is planned", metavar="12.0|none"),
    _value("--python-version", "the CPython the wheels must be for (default: the target interpreter's)",
           metavar="X.Y"),
    Option(("--provider",), "provider", PROVIDERS,
           "who makes the prebuilt mmcv: OpenMMLab (default), the onedl-mmcv fork (torch 2.5+, CUDA 12.4+), or any "
           "(OpenMMLab first)", default="openmmlab"),
    _flag("--allow-build", "accept an mmcv without a prebuilt wheel (install compiles it, with its ops)"),
)
_TARGET = (_value("--python", "inspect this interpreter's environment instead of this one", metavar="PATH"),)
_STRICT = _flag("--strict", "exit 1 on warnings too")

#: Every command, in the order ``--help`` lists them.
COMMANDS: Dict[str, Command] = {c.name: c for c in (
    Command("resolve", "print the pip requirements an MMPose release needs", (*_COMMON, *_POLICY, *_STACK),
            ("target", "+", "TARGET", "0.28.0, v0.28.0, mmpose==0.28.0, master/0.x/main/1.x; several for a stack: "
                                      "mmpose==1.3.2 mmdet"),
            "mmcompat resolve 0.28.0"),
    Command("wheels", "list the prebuilt mmcv wheels: platform, CUDA, torch, CPython, provenance", (
        *_COMMON,
        Option(("--platform",), "platform", PLATFORMS, "only this platform"),
        _value("--cuda", "only this CUDA variant", metavar="11.3|cpu"),
        _value("--torch", "only this torch minor", metavar="X.Y"),
        _value("--python-version", "only wheels for this CPython", metavar="X.Y"),
    ), ("dist", "?", "DIST[==V]", "mmcv-full, mmcv, or e.g. mmcv==2.1.0"), "mmcompat wheels mmcv==2.2.0 --torch 2.4"),
    Command("compatible", "list each codebase's releases that accept NAME==VERSION", (
        *_COMMON, *_POLICY,
        _value("--package", "only this codebase's releases (mmpose, mmdet, mmsegmentation, ...), one version a line",
               metavar="NAME"),
    ),
            ("requirement", "", "NAME==VERSION", "e.g. mmcv-full==1.6.0"), "mmcompat compatible mmcv-full==1.6.0"),
    Command("matrix", "show the compatibility matrix (all of it, or a part)", (
        *_COMMON,
        _value("--dist", "only this distribution's rows (mmcv-full, mmcv, mmengine)", metavar="NAME"),
        _flag("--source", "say which matrix file is in effect (and whether a cached one is older than the embedded "
                          "one)"),
    ), ("select", "?", "PACKAGE[==V]",
        "only this package (mmpose, mmdet, mmsegmentation, ...) or release (mmpose==0.28.0)"),
        "mmcompat matrix mmpose==0.28.0"),
    # update only writes the user cache: no --matrix, which it would ignore
    Command("update", "fetch a newer matrix into the user cache (or remove it: --reset)", (
        _JSON, _DEBUG,
        _value("--url", "where to fetch it (default: MMCOMPAT_UPDATE_URL; one of them is needed)"),
        _value("--sha256", "refuse the download unless its sha256 is this", metavar="HEX"),
        _value("--timeout", "per connect and read (default 5); the whole download gets 12 times that",
               metavar="SECONDS", type="float"),
        _flag("--reset", "remove the cached matrix instead, so the embedded one is in effect again"),
    ), None, "mmcompat update --url https://example.org/compat_matrix.toml --sha256 HEX"),
    Command("harvest", "rebuild a package's rows from an upstream git clone (nothing is run)", (
        *_COMMON,
        _value("--repo", "a local git clone of the upstream repository (bare is fine)", metavar="PATH",
               group="source"),
        _value("--dist", "downloaded wheels or sdists instead of a clone", metavar="FILE", nargs="+", group="source"),
        _value("--package", "the import package to harvest (default mmpose); numpy-abi and torch read the registry",
               default="mmpose"),
        _value("--url", "the upstream repository URL for provenance (default github.com/open-mmlab/PACKAGE)"),
        _value("--branches", "branches to harvest too (default: those of master, 0.x, main, 1.x that exist)",
               metavar="BRANCH", nargs="*"),
        _value("--faq-ref", "a FAQ page with a compatibility table; earlier ones win (default, mmpose only: "
                            "master:docs/zh_cn/faq.md, then the newest tag's docs/en/faq.md)",
               metavar="REF:PATH", action="append", default=[]),
        _value("--doc", "a document and the URL it was read from (repeatable): for --package torch, PyTorch's "
                        "previous-versions page or RELEASE.md (the CUDA variants of each release); for a codebase, "
                        "a FAQ page with a compatibility table (read after --faq-ref)",
               metavar=("FILE", "URL"), action="append", nargs="2", default=[]),
        _flag("--write", "rewrite the matrix file (--matrix, else the embedded one) and print the diff"),
    ), None, "mmcompat harvest --repo mmpose.git --package mmpose"),
    Command("install", "resolve a stack and install it with the target's pip (arguments after -- go to pip)", (
        *_COMMON, *_POLICY, *_STACK, *_TARGET,
        _flag("--dry-run", "print the exact commands; change nothing"),
        _flag("--fix-conflicts", "first uninstall every other mmcv distribution (and say so)"),
        _flag("--offline", "do not fetch the find-links page to check it lists the pinned mmcv wheel"),
    ), ("target", "+", "TARGET", "e.g. mmpose==0.28.0 mmdet"), "mmcompat install mmpose==0.28.0 --dry-run"),
    Command("build", "compile the stack's mmcv against the installed torch into a folder; install nothing of the "
                     "stack", (
        *_COMMON, *_POLICY, *_STACK, *_TARGET,
        Option(("-o", "--output"), "output", (), "the folder the wheel is written to", metavar="DIR", required=True),
        _flag("--dry-run", "print the exact commands; change nothing"),
    ), ("target", "+", "TARGET", "e.g. mmpose==1.3.2"), "mmcompat build mmpose==1.3.2 -o wheels/"),
    Command("constraints", "write a pip constraints file for a stack (pip install -c FILE)", (
        *_COMMON, *_POLICY, *_STACK, *_TARGET,
        Option(("-o", "--output"), "output", (), "write it here (atomically) instead of stdout", metavar="FILE"),
        Option(("--format",), "format", ("pip", "requirements", "uv"),
               "pip: a constraints file (default); requirements: a file pip install -r runs as one command; uv: a "
               "pyproject.toml fragment for uv", default="pip"),
    ), ("target", "+", "TARGET", "e.g. mmpose==0.28.0 mmdet"), "mmcompat constraints mmpose==1.3.2 mmdet -o c.txt"),
    Command("doctor", "find conflicting, clobbered and out-of-range mmcv installs", (
        *_COMMON, *_TARGET, _STRICT,
        Option(("--import",), "import_check", None, "also import each installed codebase's API (mmpose.apis, ...) in "
                                                    "the target interpreter; exit 1 when one fails"),
    ), None, "mmcompat doctor --python /venv/bin/python"),
    Command("guard", "check a planned install before pip runs it (installs nothing)", (
        *_COMMON, *_TARGET,
        Option(("-r", "--requirement"), "files", (), "a pip requirements file (its -r/-c includes are followed)",
               metavar="FILE", action="append", default=[]),
        Option(("-c", "--constraint"), "constraints", (), "a pip constraints file", metavar="FILE", action="append",
               default=[]),
        Option(("-e", "--editable"), "editables", (),
               "a planned editable install, as pip takes it (-e . or -e git+URL@REF#egg=mmpose)",
               metavar="PATH_OR_URL", action="append", default=[]),
        _STRICT,
    ), ("requirements", "*", "REQ", "planned requirements, e.g. mmpose==0.28.0"),
        "mmcompat guard mmpose==0.28.0 mmcv-full==1.7.0 'numpy<2'"),
)}

#: The commands :func:`read` reads (the others always go to argparse: they start rarely).
_QUICK = ("resolve", "constraints", "wheels", "doctor")


def read(args: Sequence[str]) -> Optional[SimpleNamespace]:
    """The options of ``args`` (``COMMAND ...``) exactly as argparse gives them, or None to let argparse
    read them."""
    if not args or args[0] not in _QUICK:
        return None
    command = COMMANDS[args[0]]
    values: Dict[str, Any] = {"command": args[0]}
    by_flag: Dict[str, Option] = {}
    for option in command.options:
        values[option.dest] = (False if option.takes is None else None) if option.default is None else option.default
        for flag in option.flags:
            by_flag[flag] = option
    given: List[str] = []
    index = last = 1
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg:
            return None  # an empty positional: the full path says so
        if not arg.startswith("-"):
            if given and last != index - 1:
                return None  # positionals split by options: argparse takes only the first run
            given.append(arg)
            last = index
            continue
        flag, equals, attached = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        found = by_flag.get(flag)
        if found is None or not found.plain:
            return None  # --help, '--', a negative number, an appending option: argparse's
        if found.takes is None:
            if equals:
                return None  # --json=1: argparse says it takes no value
            values[found.dest] = True
            continue
        if equals:  # --opt=value: the value as attached, whatever it starts with
            value = attached
        elif index >= len(args) or args[index].startswith("-"):
            return None  # argparse says what is wrong
        else:
            value = args[index]
            index += 1
        if (found.takes and value not in found.takes) or not value:
            return None  # an empty value is not "not given": the full path says so
        values[found.dest] = value
    if command.positional is None:
        if given:
            return None
    else:
        dest, nargs = command.positional[0], command.positional[1]
        if nargs == "+":
            if not given:
                return None
            values[dest] = given
        elif len(given) > 1 or (nargs == "" and not given):
            return None
        else:
            values[dest] = given[0] if given else None
    from types import SimpleNamespace

    return SimpleNamespace(**values)


def empty_value(options: Any) -> str:
    """The option (``--cuda``) or argument (``TARGET``) of parsed ``options`` given as an empty string,
    named as the help names it; "" when none is: an empty value is not "not given", which would
    silently mean the default."""
    command = COMMANDS.get(getattr(options, "command", None) or "")
    if command is None:
        return ""
    names = {option.dest: option.flags[-1] for option in command.options}
    if command.positional is not None:
        names[command.positional[0]] = command.positional[2]
    for dest, value in vars(options).items():
        if dest in names and (value == "" or (isinstance(value, list) and "" in value)):
            return names[dest]
    return ""


def hoisted(args: Sequence[str]) -> List[str]:
    """``args`` with the options every command takes (``--matrix F``, ``--json``, ``--debug``) given before
    the command, as many tools take them, moved after it, where the command's parser reads them;
    anything else as it is (argparse then says what is wrong)."""
    common = {flag: option for option in _COMMON for flag in option.flags}
    front: List[str] = []
    index = 0
    while index < len(args):
        flag, equals, _ = args[index].partition("=")
        option = common.get(flag)
        if option is None or (equals and option.takes is None):
            break
        step = 1 if equals or option.takes is None else 2
        front.extend(args[index:index + step])
        index += step
    if not front or index >= len(args) or args[index] not in COMMANDS:
        return list(args)
    return [args[index], *front, *args[index + 1:]]


def _columns() -> int:
    """The terminal's width as :func:`shutil.get_terminal_size` gives it: ``COLUMNS``, else stdout's
    terminal, else 80 (without importing shutil and its compression modules)."""
    import os
    import sys

    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def parser(only: Optional[str] = None, version: str = "") -> ArgumentParser:
    """The whole command line as argparse reads it, or with ``only`` a known command's parser alone
    beside the top level (argparse's start-up costs per option: a run builds what it reads). Errors
    raise :class:`compat.errors.UsageError` instead of exiting."""
    import argparse  # only the full path parses options

    columns = _columns() - 2  # argparse makes a formatter per option: ask the terminal once

    class Formatter(argparse.RawDescriptionHelpFormatter):
        """argparse's formatter, told the terminal width as shutil would find it."""

        def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                     width: Optional[int] = None) -> None:
            super().__init__(prog, indent_increment, max_help_position, columns if width is None else width)

    class Parser(argparse.ArgumentParser):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("formatter_class", Formatter)
            kwargs.setdefault("allow_abbrev", False)
            super().__init__(*args, **kwargs)

        def error(self, message: str) -> None:  # type: ignore[override]  # raises instead of exiting
            from .errors import UsageError

            raise UsageError(message)

    top = Parser(prog=PROG, description="The right mmcv for every MMPose release, with provenance.",
                 epilog=EXIT_CODES)
    top.add_argument("--version", action="version", version=f"{PROG} {version}")
    subparsers = top.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS.values():
        if only is not None and only != command.name:
            continue
        sub = subparsers.add_parser(command.name, help=command.summary, description=command.summary,
                                    epilog=f"example:\n  {command.example}\n\n{EXIT_CODES}")
        groups: Dict[str, Any] = {}
        for option in command.options:
            where: Any = sub
            if option.group:
                where = groups.get(option.group) or groups.setdefault(option.group,
                                                                      sub.add_mutually_exclusive_group())
            keywords: Dict[str, Any] = {"dest": option.dest, "help": option.help}
            if option.takes is None:
                keywords["action"] = "store_true"
            else:
                if option.takes:
                    keywords["choices"] = option.takes
                if option.action:
                    keywords["action"] = option.action
                if option.nargs:
                    keywords["nargs"] = int(option.nargs) if option.nargs.isdigit() else option.nargs
                if option.type == "float":
                    keywords["type"] = float
                if option.metavar is not None:
                    keywords["metavar"] = option.metavar
                if option.default is not None:
                    keywords["default"] = option.default
                if option.required:
                    keywords["required"] = True
            where.add_argument(*option.flags, **keywords)
        if command.positional is not None:
            dest, nargs, metavar, help_text = command.positional
            extra: Dict[str, Any] = {"nargs": nargs} if nargs else {}
            sub.add_argument(dest, metavar=metavar, help=help_text, **extra)
    return top
