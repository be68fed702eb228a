"""The ``mmcompat`` command line. The only place that prints, and the only place that exits.

Exit codes: 0 fine · 1 incompatible or no answer · 2 bad input or usage · 3 could not do the job.
``mmcompat resolve TARGET [--policy P]`` first tries the answers compiled beside the matrix
(:mod:`compat.matrix_compiled`), so that the everyday call costs little more than Python's own start;
everything else is imported lazily.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from argparse import ArgumentParser, Namespace
    from types import SimpleNamespace
    from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

    from .models import Environment, Finding, Matrix
    from .stack import Stack, StackTarget

    #: Parsed options: argparse's, or the same read by :mod:`compat.lean_args` on an everyday command line.
    Options = Union[Namespace, SimpleNamespace]

__all__ = ["main"]

_PROG = "mmcompat"


def _fast_resolve(args: Sequence[str]) -> Optional[str]:
    """The stored answer for ``resolve TARGET [--policy P]``, or None to take the full path."""
    if not args or args[0] != "resolve" or len(args) not in (2, 3, 4) or args[1].startswith("-"):
        return None
    rest = list(args[2:])
    policy = "safe"
    if len(rest) == 1 and rest[0].startswith("--policy="):
        policy = rest[0][len("--policy="):]
    elif len(rest) == 2 and rest[0] == "--policy":
        policy = rest[1]
    elif rest:
        return None
    from .locate import locate
    from .matrix_compiled import answer

    return answer(locate()[0], policy, args[1])


#: One example per command, shown by its --help.
_EXAMPLES = {
    "resolve": "mmcompat resolve 0.28.0",
    "wheels": "mmcompat wheels mmcv==2.1.0 --cuda 12.1",
    "compatible": "mmcompat compatible mmcv-full==1.6.0",
    "matrix": "mmcompat matrix mmpose==0.28.0",
    "update": "mmcompat update --url https://example.org/compat_matrix.toml",
    "harvest": "mmcompat harvest --repo ../mmpose --write",
    "install": "mmcompat install mmpose==1.3.2 --dry-run",
    "constraints": "mmcompat constraints mmpose==1.3.2 -o constraints.txt",
    "doctor": "mmcompat doctor --python ~/venvs/pose/bin/python",
    "guard": "mmcompat guard -r requirements.txt",
}
_EXIT_CODES = ("exit codes: 0 fine, 1 incompatible, no answer or problems found, 2 bad input or usage,\n"
               "3 could not do the job (network, target interpreter, pip)")


class _UsageError(Exception):
    pass


def _columns() -> int:
    """The terminal's width as :func:`shutil.get_terminal_size` gives it: ``COLUMNS``, else stdout's
    terminal, else 80."""
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


def _parser(only: "Optional[str]" = None) -> "ArgumentParser":
    """The whole command line, or with ``only`` a known command's parser alone beside the top level
    (argparse's start-up costs per option: the everyday run builds what it reads)."""
    import argparse  # only the full path parses options

    from . import __version__
    from .vocabulary import PLATFORMS, POLICIES, PROVIDERS

    columns = _columns() - 2  # argparse makes a formatter per option: ask the terminal once

    class Formatter(argparse.RawDescriptionHelpFormatter):
        """argparse's formatter, told the terminal width as shutil would find it, without importing
        shutil (and its compression modules) on every run."""

        def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                     width: "Optional[int]" = None) -> None:
            super().__init__(prog, indent_increment, max_help_position, columns if width is None else width)

    class Parser(argparse.ArgumentParser):
        def __init__(self, *args: "Any", **kwargs: "Any") -> None:
            kwargs.setdefault("formatter_class", Formatter)
            kwargs.setdefault("allow_abbrev", False)  # --python must never be read as --python-version
            super().__init__(*args, **kwargs)

        def error(self, message: str) -> "None":  # type: ignore[override]  # raises instead of exiting
            raise _UsageError(message)

    def wanted(name: str) -> bool:
        return only is None or only == name

    def common(sub: "ArgumentParser") -> None:
        sub.add_argument("--matrix", metavar="FILE", help="use this matrix file instead of the one in effect")
        sub.add_argument("--json", action="store_true", help="print JSON")
        sub.add_argument("--debug", action="store_true", help="show a traceback on errors")

    def policy(sub: "ArgumentParser") -> None:
        sub.add_argument(
            "--policy",
            choices=POLICIES,
            default="safe",
            help="which source to answer from; safe (default) intersects documented, enforced and installer",
        )

    def stackopts(sub: "ArgumentParser") -> None:
        sub.add_argument("--torch", metavar="X.Y.Z|auto",
                         help="torch version (default: the environment's, read statically; none there: auto, "
                              "the newest torch that has every wheel the stack needs)")
        sub.add_argument("--cuda", metavar="11.3|cpu|auto",
                         help="CUDA version or cpu (default: the environment's torch build; none there: auto, "
                              "the newest CUDA the NVIDIA driver runs, else cpu)")
        sub.add_argument("--platform", choices=PLATFORMS, help="default: this machine's")
        sub.add_argument("--python-version", metavar="X.Y",
                         help="the CPython the wheels must be for (default: the target interpreter's)")
        sub.add_argument("--provider", choices=PROVIDERS, default="openmmlab",
                         help="who makes the prebuilt mmcv: OpenMMLab (default), the onedl-mmcv fork (torch 2.5+, "
                              "CUDA 12.4+), or any (OpenMMLab first)")
        sub.add_argument("--allow-build", action="store_true",
                         help="accept an mmcv without a prebuilt wheel (install compiles it, with its ops)")

    def target(sub: "ArgumentParser") -> None:
        sub.add_argument("--python", metavar="PATH",
                         help="inspect this interpreter's environment instead of this one")

    def command(name: str, summary: str, *options: "Callable[[ArgumentParser], None]") -> "ArgumentParser":
        sub = commands.add_parser(name, help=summary, description=summary[:1].upper() + summary[1:] + ".",
                                  epilog=f"example:\n  {_EXAMPLES[name]}\n\n{_EXIT_CODES}")
        for add in options:
            add(sub)
        return sub

    parser = Parser(prog=_PROG, description="The right mmcv for every MMPose release, with provenance.")
    parser.add_argument("--version", action="version", version=f"{_PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    if wanted("resolve"):
        resolve = command("resolve", "print the pip requirements an MMPose release needs", common, policy, stackopts)
        resolve.add_argument("target", metavar="TARGET", nargs="+",
                             help="0.28.0, v0.28.0, mmpose==0.28.0, master/0.x/main/1.x; several for a stack: "
                                  "mmpose==1.3.2 mmdet")
    if wanted("wheels"):
        wheels = command("wheels", "list the prebuilt mmcv wheels: platform, CUDA, torch, CPython, provenance", common)
        wheels.add_argument("dist", metavar="DIST[==V]", nargs="?", help="mmcv-full, mmcv, or e.g. mmcv==2.1.0")
        wheels.add_argument("--platform", choices=PLATFORMS, help="only this platform")
        wheels.add_argument("--cuda", metavar="11.3|cpu", help="only this CUDA variant")
        wheels.add_argument("--torch", metavar="X.Y", help="only this torch minor")
        wheels.add_argument("--python-version", metavar="X.Y", help="only wheels for this CPython")
    if wanted("compatible"):
        compatible = command("compatible", "list the MMPose releases that accept NAME==VERSION", common, policy)
        compatible.add_argument("requirement", metavar="NAME==VERSION", help="e.g. mmcv-full==1.6.0")
    if wanted("matrix"):
        matrix = command("matrix", "show the compatibility matrix (all of it, or a part)", common)
        matrix.add_argument("select", metavar="PACKAGE[==V]", nargs="?",
                            help="only this package (mmpose, mmdet, mmtrack) or release (mmpose==0.28.0)")
        matrix.add_argument("--dist", metavar="NAME", help="only this distribution's rows (mmcv-full, mmcv, mmengine)")
        matrix.add_argument("--source", action="store_true",
                            help="say which matrix file is in effect (and whether a cached one is older than the "
                                 "embedded one)")
    if wanted("update"):
        # update only writes the user cache: no --matrix, which it would ignore
        def update_common(sub: "ArgumentParser") -> None:
            sub.add_argument("--json", action="store_true", help="print JSON")
            sub.add_argument("--debug", action="store_true", help="show a traceback on errors")

        update = command("update", "fetch a newer matrix into the user cache (or remove it: --reset)", update_common)
        update.add_argument("--url", help="where to fetch it (default: MMCOMPAT_UPDATE_URL; one of them is needed)")
        update.add_argument("--sha256", metavar="HEX", help="refuse the download unless its sha256 is this")
        update.add_argument("--timeout", type=float, metavar="SECONDS",
                            help="per connect and read (default 5); the whole download gets 12 times that")
        update.add_argument("--reset", action="store_true",
                            help="remove the cached matrix instead, so the embedded one is in effect again")
    if wanted("harvest"):
        harvest = command("harvest", "rebuild a package's rows from an upstream git clone (nothing is run)", common)
        source = harvest.add_mutually_exclusive_group()
        source.add_argument("--repo", metavar="PATH",
                            help="a local git clone of the upstream repository (bare is fine)")
        source.add_argument("--dist", nargs="+", metavar="FILE", help="downloaded wheels or sdists instead of a clone")
        harvest.add_argument("--package", default="mmpose",
                             help="the import package to harvest (default mmpose); numpy-abi and torch read the "
                                  "registry")
        harvest.add_argument("--url",
                             help="the upstream repository URL for provenance (default github.com/open-mmlab/PACKAGE)")
        harvest.add_argument("--branches", nargs="*", metavar="BRANCH",
                             help="branches to harvest too (default: those of master, 0.x, main, 1.x that exist)")
        harvest.add_argument("--faq-ref", action="append", default=[], metavar="REF:PATH",
                             help="a FAQ page with a compatibility table; earlier ones win "
                                  "(default: master:docs/zh_cn/faq.md, then the newest tag's docs/en/faq.md)")
        harvest.add_argument("--doc", nargs=2, action="append", default=[], metavar=("FILE", "URL"),
                             help="--package torch: a copy of PyTorch's previous-versions page or RELEASE.md and "
                                  "the URL it was read from (repeatable; the CUDA variants of each release)")
        harvest.add_argument("--write", action="store_true",
                             help="rewrite the matrix file (--matrix, else the embedded one) and print the diff")
    if wanted("install"):
        install = command("install",
                          "resolve a stack and install it with the target's pip (arguments after -- go to pip)",
                          common, policy, stackopts, target)
        install.add_argument("target", metavar="TARGET", nargs="+", help="e.g. mmpose==0.28.0 mmdet")
        install.add_argument("--dry-run", action="store_true", help="print the exact commands; change nothing")
        install.add_argument("--fix-conflicts", action="store_true",
                             help="first uninstall every other mmcv distribution (and say so)")
        install.add_argument("--offline", action="store_true",
                             help="do not fetch the find-links page to check it lists the pinned mmcv wheel")
    if wanted("constraints"):
        constraints = command("constraints", "write a pip constraints file for a stack (pip install -c FILE)",
                              common, policy, stackopts, target)
        constraints.add_argument("target", metavar="TARGET", nargs="+", help="e.g. mmpose==0.28.0 mmdet")
        constraints.add_argument("-o", "--output", metavar="FILE", help="write it here (atomically) instead of stdout")
        constraints.add_argument("--format", choices=("pip", "requirements", "uv"), default="pip",
                                 help="pip: a constraints file (default); requirements: a file pip install -r runs as "
                                      "one command; uv: a pyproject.toml fragment for uv")
    if wanted("doctor"):
        doctor = command("doctor", "find conflicting, clobbered and out-of-range mmcv installs", common, target)
        doctor.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    if wanted("guard"):
        guard = command("guard", "check a planned install before pip runs it (installs nothing)", common, target)
        guard.add_argument("requirements", nargs="*", metavar="REQ", help="planned requirements, e.g. mmpose==0.28.0")
        guard.add_argument("-r", "--requirement", dest="files", action="append", default=[], metavar="FILE",
                           help="a pip requirements file (its -r/-c includes are followed)")
        guard.add_argument("-c", "--constraint", dest="constraints", action="append", default=[], metavar="FILE",
                           help="a pip constraints file")
        guard.add_argument("-e", "--editable", dest="editables", action="append", default=[], metavar="PATH_OR_URL",
                           help="a planned editable install, as pip takes it (-e . or -e git+URL@REF#egg=mmpose)")
        guard.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    return parser


def _load(path: "Optional[str]") -> "Matrix":
    """The matrix in effect, with any note about it (an ignored cache) on stderr."""
    from .matrix import load

    matrix = load(path, cache=True)
    for note in matrix.notes:
        sys.stderr.write(f"{_PROG}: warning: {note}\n")
    return matrix


def _write_file(path: str, text: str) -> None:
    """Write ``text`` to ``path`` (:func:`compat.cache.write_output`: atomically when it is a regular file, into
    a symlink's target, a FIFO or device as it is); exit 3 with one line when it cannot be written."""
    from .cache import write_output
    from .errors import BadInput, CompatError

    target = os.path.abspath(path)
    if not os.path.isdir(os.path.dirname(target)):
        raise BadInput(f"no folder {os.path.dirname(path) or '.'!r} to write {path!r} in", value=path)
    try:
        write_output(target, text.encode("utf-8"))  # the user's umask, as any new file
    except OSError as e:
        raise CompatError(f"cannot write {path}: {e.strerror or e}") from e


def _write(text: str) -> None:
    sys.stdout.write(text)


def _json(data: object) -> None:
    import json

    _write(json.dumps(data, indent=2, sort_keys=False) + "\n")


def _stack_mode(options: "Options") -> bool:
    single = options.target[0].strip().lower() if len(options.target) == 1 else ""
    plain = single and not single.startswith(("mmdet", "mmtrack"))
    return not plain or bool(options.torch or options.cuda or options.platform or options.allow_build
                             or options.python_version or options.provider != "openmmlab")


def _solve(options: "Options", matrix: "Matrix", env: "Optional[Environment]" = None
           ) -> "Tuple[List[StackTarget], Stack]":
    """Targets and stack for the machine the options and the target environment describe."""
    from .plan import solve

    if env is None:
        from .environment import inspect

        env = inspect(getattr(options, "python", None), cached=True)
    if getattr(options, "python", None):
        from .plan import check_platform

        check_platform(env, options.platform, options.python)
    return solve(matrix, options.target, env, platform=options.platform, cuda=options.cuda, torch=options.torch,
                 python_version=options.python_version, policy=options.policy, allow_build=options.allow_build,
                 provider=options.provider)


def _short_stack(options: "Options") -> "Optional[Dict[str, Any]]":
    """The stack on the short path (:mod:`compat.lean`), its notes said on stderr, when that path can
    read the question; None: take the full path."""
    if options.json or getattr(options, "python", None) or options.matrix or options.debug:
        return None
    from .lean import stack_answer

    found = stack_answer(options.target, platform=options.platform, cuda=options.cuda, torch=options.torch,
                         python_version=options.python_version, policy=options.policy,
                         allow_build=options.allow_build, provider=options.provider, environ=os.environ)
    if found is None:
        return None
    from .question import describe_platform, notes

    answer = found["answer"]
    line = answer["mmcv"]
    built = (line, answer["pins"][line], describe_platform(*answer["platform"])) if answer["source_build"] else None
    _say_notes(notes(found["machine"]), built)
    return found


def _short_resolve(options: "Options") -> bool:
    found = _short_stack(options)
    if found is None:
        return False
    from .render_lean import stack_text
    from .search import answer_requirements

    answer = found["answer"]
    torch = answer["torch"]
    _write(stack_text(None if torch is None else (torch["version"], torch["index_url"], torch["installed"]),
                      answer_requirements(found["tables"], answer), answer["find_links"], answer["mmcv"]))
    return True


def _cmd_resolve(options: "Options") -> int:
    if _stack_mode(options) and _short_resolve(options):
        return 0
    from .render import resolution_dict
    from .resolver import pip_lines, resolve

    matrix = _load(options.matrix)
    if _stack_mode(options):
        import json

        from .render import stack_dict, stack_text

        targets, stack = _solve(options, matrix)
        _stack_notes(stack)
        text = json.dumps(stack_dict(targets, stack, matrix), indent=2) + "\n" if options.json else stack_text(stack)
        _write(text)
        return 0
    options.target = options.target[0]
    resolution = resolve(options.target, policy=options.policy, matrix=matrix)
    if options.json:
        _json(resolution_dict(resolution))
    else:
        _write(pip_lines(resolution.requirements))
    return 0


def _cmd_compatible(options: "Options") -> int:
    from .accepts import accepting, describe
    from .render import compatible_dict, compatible_text

    matrix = _load(options.matrix)
    acceptance = accepting(options.requirement, policy=options.policy, matrix=matrix)
    if options.json:
        _json(compatible_dict(acceptance, matrix))
    else:
        _write(compatible_text(acceptance.releases))
    for line in describe(acceptance):
        sys.stderr.write(f"{_PROG}: {line}\n")
    return 0 if acceptance.releases else 1


def _cmd_wheels(options: "Options") -> int:
    from .render_lean import wheels_json_body, wheels_json_text

    short = not (options.matrix or options.debug)
    if short and options.json and not (options.dist or options.platform or options.cuda or options.torch
                                       or options.python_version):
        from .locate import locate
        from .matrix_compiled import wheels_json

        matrix_in_effect = locate(None, os.environ)
        body = wheels_json(matrix_in_effect[0])  # the whole table as the build rendered it, for this TOML and code
        if body is not None and body != "[]":
            _write(wheels_json_text(body, *matrix_in_effect))
            return 0
    found = None
    if short:  # the compiled tables, when they can read the question
        from .lean import wheel_rows

        found = wheel_rows(options.dist, platform=options.platform, cuda=options.cuda, torch=options.torch,
                           python_version=options.python_version, environ=os.environ)
    if found is None:
        found = _wheel_rows(options)
    rows, where, origin = found
    if options.json:
        _write(wheels_json_text(wheels_json_body(rows), where, origin))
    elif _terminal():
        from .render import wheels_rich

        wheels_rich(rows, sys.stdout)
    else:
        from .render_lean import wheels_text

        _write(wheels_text(rows))
    if not rows:
        sys.stderr.write(f"{_PROG}: no prebuilt wheel matches\n")
        return 1
    return 0


def _wheel_rows(options: "Options") -> "Tuple[List[Tuple[Any, ...]], str, str]":
    """``wheels`` on the full path: any matrix, any PEP 440 version or torch the options give."""
    from packaging.version import Version

    from .errors import BadInput, shown
    from .question import parse_python_version
    from .stack import parse_machine
    from .wheels import row_tuples

    matrix = _load(options.matrix)
    name, _, pinned = (options.dist or "").partition("==")
    name = name.strip().lower()
    if name and name not in matrix.wheels:
        raise BadInput(f"no wheel table for {shown(name)}; known: {', '.join(sorted(matrix.wheels))}", value=name)
    try:
        version = Version(pinned) if pinned else None
    except ValueError:
        raise BadInput(f"not a version: {shown(pinned)}", value=pinned) from None
    machine = parse_machine(options.platform or "linux", options.cuda, options.torch, None)
    rows = row_tuples(matrix, name or None, version, platform=options.platform, cuda=machine.cuda or None,
                      torch=machine.torch_minor or None,
                      python=parse_python_version(options.python_version) if options.python_version else None)
    return rows, matrix.path, matrix.origin


def _cmd_matrix(options: "Options") -> int:
    from .render import matrix_dict, matrix_rich, matrix_rows, matrix_text

    matrix = _load(options.matrix)
    if options.source:
        from .update import cache_age, describe_time

        # a cached matrix in effect hides the embedded one, which an upgrade of mmcompat may have renewed
        age = cache_age() if matrix.origin == "cache" else None
        if options.json:
            source: "Dict[str, Any]" = {"matrix": matrix.path, "matrix_origin": matrix.origin,
                                        "generated": matrix.generated}
            if age is not None:
                source.update(modified=describe_time(age.cached_modified), older_than_embedded=age.older,
                              embedded={"matrix": age.embedded_path, "generated": age.embedded_generated,
                                        "modified": describe_time(age.embedded_modified)})
            _json(source)
        else:
            _write(f"{matrix.path} ({matrix.origin})\n")
            if age is not None:
                advice = f"; '{_PROG} update --reset' removes the cached one" if age.older else ""
                _write(f"the cached matrix (generated {age.cached_generated!r}, file time "
                       f"{describe_time(age.cached_modified)}) is {'older' if age.older else 'not older'} than "
                       f"the embedded one {age.embedded_path} (generated {age.embedded_generated!r}, file time "
                       f"{describe_time(age.embedded_modified)}){advice}\n")
        return 0
    selection = _matrix_selection(options, matrix)
    rows = matrix_rows(matrix, *selection)
    if not rows:
        sys.stderr.write(f"{_PROG}: no row matches\n")
        return 1
    if options.json:
        _json(matrix_dict(matrix, *selection))
    elif _terminal():
        matrix_rich(matrix, rows, sys.stdout)
    else:
        _write(matrix_text(rows))
    return 0


def _matrix_selection(options: "Options", matrix: "Matrix") -> "Tuple[Optional[str], Optional[str], Optional[str]]":
    """(package, release key, distribution) chosen by ``matrix PACKAGE[==V] --dist NAME``."""
    from .errors import BadInput, UnknownRelease, shown

    package, release, dist = None, None, None
    if options.select:
        name, separator, key = options.select.strip().partition("==")
        package = name.strip().lower()
        if separator and not key.strip():
            raise BadInput(f"no release after '==' in {shown(options.select)}; give PACKAGE or PACKAGE==VERSION, "
                           "e.g. mmpose==0.28.0", value=options.select)
        table = matrix.package(package)
        if table is None:
            raise BadInput(f"the matrix has no package {shown(package)}; known: {', '.join(sorted(matrix.packages))}",
                           value=options.select)
        if key:
            release = key.strip()
            if release not in table.branches and not any(r.key == release for r in table.releases):
                from packaging.version import Version

                from .resolver import nearest_releases

                try:
                    near = nearest_releases(table, Version(release))
                except ValueError:
                    near = ()
                raise UnknownRelease(package, release, near)
    if options.dist:
        dist = options.dist.strip().lower()
        known = {d.name for t in matrix.packages.values() for r in t.releases for d in r.dependencies}
        if dist not in known:
            raise BadInput(f"no release records {shown(dist)}; known: {', '.join(sorted(known))}", value=dist)
    return package, release, dist


def _terminal() -> bool:
    """A person's terminal that takes rich's escape sequences: not a pipe, not NO_COLOR, not TERM=dumb."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM", "") != "dumb"


def _report(options: "Options", findings: "Sequence[Finding]", env: "Environment", subject: str,
            extra: "Optional[Dict[str, Any]]" = None, memo_key: str = "") -> int:
    import json

    from .render import findings_dict, findings_rich, findings_text

    code = 0
    severities = {f.severity for f in findings}
    if "error" in severities or (options.strict and "warning" in severities):
        code = 1
    if not options.json and _terminal():
        findings_rich(findings, subject, sys.stdout)
        return code
    if options.json:
        text = json.dumps(findings_dict(findings, env, extra), indent=2) + "\n"
    else:
        text = findings_text(findings, subject)
    _write(text)
    if memo_key:
        from . import cache

        cache.put(_DOCTOR_MEMO, memo_key, (text, code), limit=16)
    return code


#: doctor's judgement of an environment reading: (stdout, exit code) keyed by the reading, the matrix
#: bytes, the options and mmcompat's code (compat.cache.digest), so it never outlives any of them.
_DOCTOR_MEMO = "doctor-memo"
_prepared_doctor: "Optional[Tuple[Optional[str], Dict[str, Any], Tuple[Any, ...]]]" = None


def _doctor_prepare(args: "Sequence[str]") -> "Optional[Tuple[Optional[str], Dict[str, Any], Tuple[Any, ...]]]":
    """For ``doctor [--json] [--strict] [--python PY]`` printing to a pipe or as JSON: (the interpreter,
    the environment reading, what the memo's key is made of); None for anything else (the full path
    decides)."""
    from .lean_args import read

    found = read(args)
    if found is None or found.matrix or found.debug or found.python == "":
        return None  # argparse reads it, or the full path decides (an empty --python is refused there)
    options: "Dict[str, Any]" = {"json": found.json, "strict": found.strict, "python": found.python}
    if not options["json"] and _terminal():
        return None
    from . import cache

    if not cache.enabled():
        return None
    from . import probe
    from .environment import InspectFailed
    from .locate import locate

    try:
        python = None
        if options["python"]:
            from .interpreter import find_interpreter

            python = find_interpreter(options["python"])
        if python:  # its failure is the answer: the full path would only probe it again (a hang twice)
            from .environment import probe_data

            reading = probe_data(python, cached=True)
        else:
            reading = probe.scan(cache_dir=cache.reading_cache_folder())
        matrix_digest = cache.content_digest(probe.read_regular(locate()[0]))
    except InspectFailed:
        raise
    except Exception:  # anything else: the full path says what is wrong, inside the error handler
        return None
    return python, reading, (_DOCTOR_MEMO, matrix_digest, options["json"], options["strict"], reading)


def _doctor_memo_key(prepared: "Tuple[Optional[str], Dict[str, Any], Tuple[Any, ...]]") -> str:
    """The memo's key of a prepared doctor run (computed only to read or write the memo: it hashes the
    code and the whole reading)."""
    from . import cache

    return cache.digest(*prepared[2])


def _cmd_doctor(options: "Options") -> int:
    prepared, key = _prepared_doctor, ""
    reading = prepared[1] if prepared is not None and prepared[0] == options.python else None
    if not (options.json or options.matrix or options.debug or options.python or _terminal()):
        # the short path: an environment with nothing to report, proven from the compiled tables
        from .lean_doctor import TABLES, healthy
        from .locate import locate
        from .matrix_compiled import tables

        compiled = tables(locate(None, os.environ)[0], TABLES)
        if compiled is not None:
            if reading is None:
                from .environment import probe_data

                reading = probe_data(None, cached=True)
            found = healthy(reading, compiled)
            if found is not None:
                from .render_lean import findings_text

                _write(findings_text([(*f, ()) for f in found], "doctor"))
                return 0
    from .diagnose import diagnose
    from .environment import from_probe, inspect

    matrix = _load(options.matrix)
    if reading is not None and not options.matrix:
        env = from_probe(reading)
        if prepared is not None and not matrix.notes:  # a note (an ignored cache) goes to stderr: never skip it
            key = _doctor_memo_key(prepared)
    else:
        env = inspect(options.python, cached=True)
    return _report(options, diagnose(env, matrix), env, "doctor", memo_key=key)


def _cmd_guard(options: "Options") -> int:
    from .environment import inspect
    from .guard import guard, marker_environment, read_plan

    requirements = [*options.requirements, *(f"-e {e}" for e in options.editables)]
    if not requirements and not options.files:
        raise _UsageError("give the planned install: REQ ... and/or -r FILE")
    matrix = _load(options.matrix)
    inspected: "Dict[str, Environment]" = {}

    def target() -> "Environment":  # inspected once, when a marker needs it or for the judgement
        if "env" not in inspected:
            inspected["env"] = inspect(options.python, cached=True)
        return inspected["env"]

    def markers() -> "Dict[str, str]":  # the interpreter the probe ran in: --python resolved by inspect
        return marker_environment(target().python if options.python else None)

    plan = read_plan(requirements, options.files, options.constraints, matrix=matrix, markers=markers)
    if not plan.requirements and not plan.references and not plan.unnamed:
        raise _UsageError(f"no requirement in {', '.join(options.files) or 'the arguments'}: give the planned install")
    env = target()
    extra: "Dict[str, Any]" = {"plan": plan.shown()}
    if plan.references or plan.unnamed:
        extra["references"] = [r.to_dict() for r in (*plan.references.values(), *plan.unnamed)]
    return _report(options, guard(plan, env, matrix), env, "guard", extra)


def _cmd_update(options: "Options") -> int:
    from .update import reset, update

    if options.reset:
        from .locate import cache_dir, locate

        given = [flag for flag, value in (("--url", options.url), ("--sha256", options.sha256),
                                          ("--timeout", options.timeout)) if value is not None]
        if given:
            raise _UsageError(f"--reset downloads nothing: it takes no {', '.join(given)}")
        removed = reset()
        path, origin = locate()
        if options.json:
            _json({"removed": removed, "cache": cache_dir(), "matrix": path, "matrix_origin": origin})
        else:
            lines = [f"removed {p}" for p in removed] or [f"nothing to remove: no cached matrix in {cache_dir()}"]
            _write("\n".join([*lines, f"in effect: {path} ({origin})"]) + "\n")
        return 0
    progress = None
    if sys.stderr.isatty():
        def progress(done: int, total: "Optional[int]") -> None:
            shown = f"{done // 1024} KiB" + (f" of {total // 1024} KiB" if total else "")
            sys.stderr.write(f"\r{_PROG}: downloading {shown}")
            sys.stderr.flush()

    timeout = 5.0 if options.timeout is None else options.timeout
    try:
        result = update(options.url, sha256=options.sha256, timeout=timeout, progress=progress)
    finally:
        if progress is not None:
            sys.stderr.write("\n")
    if options.json:
        _json({"url": result.url, "matrix": result.path, "size": result.size, "sha256": result.sha256,
               "changed": result.changed, "generated": result.generated})
    else:
        state = "updated" if result.changed else "already current"
        _write(f"{state}: {result.path} ({result.size} bytes, sha256 {result.sha256}) from {result.url}\n")
    return 0


def _cmd_harvest(options: "Options") -> int:
    from . import harvest, toml_writer
    from .errors import CompatError
    from .locate import embedded_path

    registry_only = (harvest.plan.NUMPY_ABI, harvest.plan.TORCH)
    if options.package not in registry_only and not options.repo and not options.dist:
        raise _UsageError("give --repo PATH or --dist FILE... (or --package numpy-abi or torch, which ask the "
                          "registry)")
    result = harvest.run(package=options.package, repo=options.repo, dists=options.dist or (), url=options.url,
                         branches=options.branches, faq_refs=options.faq_ref,
                         torch_docs=[(path, url) for path, url in options.doc])
    if options.json or not options.write:
        _json(result.shown)
        if not options.write:
            return 0
    from .errors import BadMatrix
    from .matrix import from_dict, parse_toml

    target = options.matrix or embedded_path()
    try:
        from .probe import read_regular

        old = read_regular(target).decode("utf-8")  # a FIFO or device is no matrix to merge into
        old_data = parse_toml(old, path=target)
    except (OSError, UnicodeDecodeError, CompatError):
        old, old_data = "", {}
    try:  # the writer reads its text back: it is exactly this data
        text = toml_writer.dump(harvest.merge_matrix(old_data, result.parts), header=harvest.HEADER)
    except (TypeError, ValueError) as e:
        raise CompatError(f"cannot write the harvested matrix as TOML: {e}; {target} is unchanged") from e
    try:  # never replace a matrix with one that does not load
        from_dict(parse_toml(text, path=target), path=target, origin="harvest")
    except BadMatrix as e:
        raise BadMatrix(f"{target} as harvested", f"{e.problem}; the file is unchanged", key=e.key) from e
    if old == text:
        sys.stderr.write(f"{_PROG}: {target} is already what harvest produces\n")
        return 0
    import difflib

    diff = difflib.unified_diff(old.splitlines(True), text.splitlines(True), target, target + " (harvested)")
    sys.stderr.writelines(diff) if options.json else _write("".join(diff))
    _write_file(target, text)
    return 0


def _stack_notes(stack: "Stack") -> None:
    built = (stack.mmcv, str(stack.pins[stack.mmcv]), stack.platform.describe()) if stack.source_build else None
    _say_notes(stack.notes, built)


def _say_notes(notes: "Sequence[str]", built: "Optional[Tuple[str, str, str]]") -> None:
    """A stack's notes on stderr, and the warning for an mmcv compiled from source ((distribution,
    version, platform described))."""
    for note in notes:
        sys.stderr.write(f"{_PROG}: {note}\n")
    if built is not None:
        from .render_lean import source_build_warning

        sys.stderr.write(f"{_PROG}: {source_build_warning(*built)}\n")


def _cmd_install(options: "Options", pip_args: "Sequence[str]" = ()) -> int:
    import json
    import subprocess

    from .diagnose import diagnose
    from .environment import inspect
    from .errors import EXIT_INCOMPATIBLE, CompatError
    from .plan import plan_install
    from .render import plan_dict

    python = options.python or sys.executable
    matrix = _load(options.matrix)
    env = inspect(options.python, cached=True)  # read once: torch for the machine, pip, mmcv for conflicts
    plan = plan_install(matrix, options.target, env, python=python, platform=options.platform, cuda=options.cuda,
                        torch=options.torch, python_version=options.python_version, policy=options.policy,
                        provider=options.provider,
                        allow_build=options.allow_build, fix_conflicts=options.fix_conflicts,
                        offline=options.offline, pip_args=pip_args)
    for note in plan.notes:
        sys.stderr.write(f"{_PROG}: {note}\n")
    for warning in plan.warnings:
        sys.stderr.write(f"{_PROG}: warning: {warning}\n")
    if options.dry_run:
        if options.json:
            _write(json.dumps(plan_dict(plan, matrix), indent=2) + "\n")
        else:
            _write("".join(step.shell() + "\n" for step in plan.steps))
        return 0
    for index, step in enumerate(plan.steps, 1):
        sys.stderr.write(f"{_PROG}: [{index}/{len(plan.steps)}] {step.shell()}\n")
        sys.stderr.flush()
        sys.stdout.flush()
        try:
            done = subprocess.run(list(step.argv), check=False, env=dict(os.environ, **step.env))
        except OSError as e:
            raise CompatError(f"cannot run {step.argv[0]}: {e}") from e
        if done.returncode != 0:
            raise CompatError(f"{step.kind} step failed with exit {done.returncode}: {step.shell()}")
    options.strict = False
    after = inspect(options.python, cached=True)
    findings = diagnose(after, matrix)
    code = _report(options, findings, after, "doctor")
    line = plan.stack.mmcv
    installed = after.get(line) if line else None
    if plan.stack.source_build and (installed is None or not installed.has_ext):
        sys.stderr.write(f"{_PROG}: error: the build of {line} finished without compiled ops (mmcv/_ext): the "
                         "install is not usable; see the build output above\n")
        return EXIT_INCOMPATIBLE
    return code


def _cmd_constraints(options: "Options") -> int:
    import shlex

    from . import __version__
    from .export import export_view

    if options.output and not os.path.isdir(os.path.dirname(os.path.abspath(options.output))):
        from .errors import BadInput

        raise BadInput(f"no folder {os.path.dirname(options.output) or '.'!r} to write {options.output!r} in",
                       value=options.output)
    argv = sys.argv[2:] if sys.argv[1:2] == ["constraints"] else []
    produced_by = shlex.join(["mmcompat", "constraints", *argv])
    found = _short_stack(options)
    if found is not None:
        from .lean import export_view as lean_view
        from .search import numpy_reason

        numpy = numpy_reason(found["tables"], found["answer"]["pins"]) or ""
        view = lean_view(found)
    else:
        from .export import view_of
        from .plan import numpy_pin
        from .render import stack_dict

        matrix = _load(options.matrix)
        targets, stack = _solve(options, matrix)
        _stack_notes(stack)
        if options.json:
            _json(stack_dict(targets, stack, matrix))
            return 0
        numpy = numpy_pin(matrix, stack) or ""
        view = view_of(targets, stack, matrix)
    text = export_view(options.format, view, numpy=numpy, produced_by=produced_by, version=__version__)
    if not options.output:
        _write(text)
        return 0
    _write_file(options.output, text)
    sys.stderr.write(f"{_PROG}: wrote {options.output}\n")
    return 0


_COMMANDS = {
    "resolve": _cmd_resolve,
    "compatible": _cmd_compatible,
    "wheels": _cmd_wheels,
    "matrix": _cmd_matrix,
    "doctor": _cmd_doctor,
    "guard": _cmd_guard,
    "update": _cmd_update,
    "harvest": _cmd_harvest,
    "install": _cmd_install,
    "constraints": _cmd_constraints,
}


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())


def _run(args: List[str]) -> int:
    from .errors import CompatError

    pip_args: List[str] = []
    if args[:1] == ["install"] and "--" in args:
        split = args.index("--")
        args, pip_args = args[:split], args[split + 1:]
    debug = "--debug" in args
    try:
        try:
            from .lean_args import read

            options = read(args) or _parser(args[0] if args and args[0] in _COMMANDS else None).parse_args(args)
        except _UsageError as e:
            sys.stderr.write(f"{_PROG}: error: {_one_line(str(e))} (see '{_PROG} --help')\n")
            return 2
        if options.command is None:
            sys.stderr.write(f"{_PROG}: error: give a command: {', '.join(_COMMANDS)} (see '{_PROG} --help')\n")
            return 2
        from .lean_args import empty_value

        empty = empty_value(options)
        if empty:
            raise _UsageError(f"{empty} is given an empty value: give a value, or leave it out for the default")
        if getattr(options, "python", None):  # a path, an environment folder or a name on PATH
            from .interpreter import find_interpreter

            options.python = find_interpreter(options.python)
        if options.command == "install":
            return _cmd_install(options, pip_args)
        return _COMMANDS[options.command](options)
    except _UsageError as e:
        sys.stderr.write(f"{_PROG}: error: {_one_line(str(e))} (see '{_PROG} --help')\n")
        return 2
    except CompatError as e:
        if debug:
            raise
        sys.stderr.write(f"{_PROG}: error: {_one_line(str(e))}\n")
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"{_PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        raise
    except Exception as e:  # the last line of defence: never a traceback without --debug
        if debug:
            raise
        if isinstance(e, ValueError) and "integer string conversion" in str(e):
            # packaging turns each part of a version into an int: past Python's digit limit that fails
            sys.stderr.write(f"{_PROG}: error: a version in the arguments has more digits than Python converts to a "
                             f"number; give a real version (see '{_PROG} --help')\n")
            return 2
        sys.stderr.write(f"{_PROG}: internal error: {type(e).__name__}: {_one_line(str(e))} "
                         "(run with --debug for details)\n")
        return 3


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``mmcompat`` with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] and args[0].startswith("--") and args[0] not in ("--help", "--version"):
        from .lean_args import hoisted

        args = hoisted(args)  # mmcompat --matrix F resolve ...: the common options after the command
    try:
        answer = _fast_resolve(args)
        if answer is not None:
            sys.stdout.write(answer)
            sys.stdout.flush()
            return 0
        if args[:1] == ["doctor"]:
            global _prepared_doctor
            from .errors import CompatError

            try:
                _prepared_doctor = _doctor_prepare(args)
            except CompatError as e:  # the --python interpreter did not answer: probed once, said once
                sys.stderr.write(f"{_PROG}: error: {_one_line(str(e))}\n")
                return e.exit_code
            from . import cache

            if _prepared_doctor is not None and cache.has(_DOCTOR_MEMO):
                hit = cache.get(_DOCTOR_MEMO, _doctor_memo_key(_prepared_doctor))
                if type(hit) is tuple and len(hit) == 2 and type(hit[0]) is str and type(hit[1]) is int:
                    sys.stdout.write(hit[0])
                    sys.stdout.flush()
                    return hit[1]
        code = _run(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader went away (``| head``): not our error. Point stdout at devnull so the interpreter's
        # final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
