"""The ``mmcompat`` command line. The only place that prints, and the only place that exits.

Exit codes: 0 fine · 1 incompatible or no answer · 2 bad input or usage · 3 could not do the job.
``mmcompat resolve TARGET [--policy P]`` first tries the tables compiled beside the matrix
(:mod:`compat.data.compiled`), so that the everyday call costs little more than Python's own start;
everything else is imported lazily.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from argparse import ArgumentParser, Namespace
    from types import SimpleNamespace
    from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

    from .answers.stack import Stack, StackTarget
    from .data.models import Environment, Finding, Matrix
    from .install.plan import Step

    #: Parsed options: argparse's, or the same read by :mod:`compat.command_line` on an everyday command line.
    Options = Union[Namespace, SimpleNamespace]

__all__ = ["main"]

_PROG = "mmcompat"


def _fast_resolve(options: "Optional[Options]") -> "Optional[Tuple[str, Tuple[str, ...]]]":
    """``resolve TARGET [--policy P] [--debug]`` (options as :func:`compat.command_line.read` gives
    them) from the tables compiled into the wheel: (what stdout gets, the notes for stderr), or None to
    take the other paths (which say what is wrong, and answer every other spelling)."""
    if options is None or options.command != "resolve" or len(options.target) != 1 or _stack_mode(options):
        return None
    if options.json or options.matrix:
        return None
    from .answers.release import DEFAULT_PACKAGE, find, needs, pip_lines
    from .data.compiled import tables
    from .data.locate import locate

    compiled = tables(locate()[0], ("versions", "extras", "packages"))
    if compiled is None or DEFAULT_PACKAGE not in compiled["packages"]:
        return None
    release = find(compiled, DEFAULT_PACKAGE, options.target[0])
    found = None if release is None else needs(compiled, release, options.policy)
    if found is None or found.requirements is None:
        return None
    return pip_lines(found.requirements), found.notes


def _parser(only: "Optional[str]" = None) -> "ArgumentParser":
    """argparse's reading of the one declaration (:mod:`compat.command_line`)."""
    from . import __version__
    from .command_line import parser

    return parser(only, __version__)


def _load(path: "Optional[str]") -> "Matrix":
    """The matrix in effect, with any note about it (an ignored cache) on stderr."""
    from .data.matrix import load

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


def _dumps(data: object) -> str:
    import json

    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _json(data: object) -> None:
    _write(_dumps(data))


def _stack_mode(options: "Options", matrix: "Optional[Matrix]" = None) -> bool:
    single = options.target[0].strip().lower() if len(options.target) == 1 else ""
    # resolve's one-release answer is mmpose's (a version, a branch, mmpose==X); another codebase named
    # (mmdet, mmsegmentation, onedl-mmdetection...) is a stack of one: a guess from the name before the
    # matrix is read (the short path), a package table of the matrix after (else the resolver's message)
    name = single
    for stop, char in enumerate(single):  # the leading name, as a requirement starts: [a-z][a-z0-9_-]*
        if not (char.isascii() and (char.isalnum() or char in "_-")) or (stop == 0 and not char.isalpha()):
            name = single[:stop]
            break
    other = name if name.startswith(("mm", "onedl")) and name != "mmpose" else ""
    if other and matrix is not None:
        table = matrix.package(other) or matrix.package(other.replace("_", "-"))
        other = other if table is not None and table.name != "mmpose" else ""
    plain = single and not other
    return not plain or bool(options.torch or options.cuda or options.platform or options.allow_build
                             or options.python_version or options.provider != "openmmlab" or options.gpu)


def _solve(options: "Options", matrix: "Matrix", env: "Optional[Environment]" = None
           ) -> "Tuple[List[StackTarget], Stack]":
    """Targets and stack for the machine the options and the target environment describe."""
    from .install.plan import solve

    if env is None:
        from .environment.installed import inspect

        env = inspect(getattr(options, "python", None), cached=True)
    if getattr(options, "python", None):
        from .install.plan import check_platform

        check_platform(env, options.platform, options.python)
    return solve(matrix, options.target, env, platform=options.platform, cuda=options.cuda, torch=options.torch,
                 python_version=options.python_version, policy=options.policy, allow_build=options.allow_build,
                 provider=options.provider, gpu=getattr(options, "gpu", None))


def _short_stack(options: "Options") -> "Optional[Dict[str, Any]]":
    """The stack on the short path (:mod:`compat.answers.compiled_stack`), its notes said on stderr, when that path can
    read the question; None: take the full path."""
    if options.json or getattr(options, "python", None) or options.matrix or options.debug:
        return None
    from .answers.compiled_stack import stack_answer

    found = stack_answer(options.target, platform=options.platform, cuda=options.cuda, torch=options.torch,
                         python_version=options.python_version, policy=options.policy,
                         allow_build=options.allow_build, provider=options.provider, environ=os.environ,
                         gpu=getattr(options, "gpu", None))
    if found is None:
        return None
    from .answers.question import describe_platform, notes

    answer = found["answer"]
    line = answer["mmcv"]
    built = (line, answer["pins"][line], describe_platform(*answer["platform"])) if answer["source_build"] else None
    _say_notes((*notes(found["machine"]), *answer.get("notes", ()), *answer["warnings"]), built)
    return found


def _short_resolve(options: "Options") -> bool:
    found = _short_stack(options)
    if found is None:
        return False
    from .answers.search import answer_requirements
    from .render.text import stack_text

    answer = found["answer"]
    torch = answer["torch"]
    _write(stack_text(None if torch is None else (torch["version"], torch["index_url"], torch["installed"]),
                      answer_requirements(found["tables"], answer), answer["find_links"], answer["mmcv"]))
    return True


def _cmd_resolve(options: "Options") -> int:
    if _stack_mode(options) and _short_resolve(options):
        return 0
    from .answers.resolver import pip_lines, resolve
    from .render.views import resolution_dict

    matrix = _load(options.matrix)
    if _stack_mode(options, matrix):
        import json

        from .render.views import stack_dict, stack_text

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
    sys.stdout.flush()
    _say_notes(resolution.notes, None)
    return 0


def _cmd_compatible(options: "Options") -> int:
    from .answers.accepts import accepting, describe
    from .render.views import compatible_dict, compatible_text

    matrix = _load(options.matrix)
    if options.package is None:  # every codebase, grouped
        from .answers.accepts import accepting_everywhere
        from .render.views import compatible_grouped_dict, compatible_grouped_text, describe_grouped

        found = accepting_everywhere(options.requirement, policy=options.policy, matrix=matrix)
        _write(_dumps(compatible_grouped_dict(found, matrix)) if options.json else compatible_grouped_text(found))
        sys.stderr.write(f"{_PROG}: {describe_grouped(found)}\n")
        return 0 if any(a.releases for a in found) else 1
    table = matrix.package(options.package)
    acceptance = accepting(options.requirement, policy=options.policy, matrix=matrix,
                           package=table.name if table is not None else options.package)
    if options.json:
        _json(compatible_dict(acceptance, matrix))
    else:
        _write(compatible_text(acceptance.releases))
    for line in describe(acceptance):
        sys.stderr.write(f"{_PROG}: {line}\n")
    return 0 if acceptance.releases else 1


def _cmd_wheels(options: "Options") -> int:
    from .answers.availability import wheel_question
    from .render.text import wheels_json_body, wheels_json_text

    short = not (options.matrix or options.debug)

    compiled = None
    if short:  # the tables and rows compiled into the wheel for the matrix in effect
        from .data.compiled import wheel_rows
        from .data.locate import locate

        where, origin = locate(None, os.environ)
        compiled = wheel_rows(where)
    if compiled is not None:
        tables, every = compiled
    else:
        from .data.tables import tables_for

        matrix = _load(options.matrix)
        tables, every, where, origin = tables_for(matrix), None, matrix.path, matrix.origin
    rows = wheel_question(tables, options.dist, platform=options.platform, cuda=options.cuda, torch=options.torch,
                          python_version=options.python_version, rows=every)
    if options.json:
        _write(wheels_json_text(wheels_json_body(rows), where, origin))
    elif _terminal():
        from .render.views import wheels_rich

        wheels_rich(rows, sys.stdout)
    else:
        from .render.text import wheels_text

        _write(wheels_text(rows))
    if not rows:
        sys.stderr.write(f"{_PROG}: no prebuilt wheel matches\n")
        return 1
    return 0


def _cmd_matrix(options: "Options") -> int:
    from .render.views import matrix_dict, matrix_rich, matrix_rows, matrix_text

    matrix = _load(options.matrix)
    if options.source:
        from .data.update import cache_age, describe_time

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
        package = table.name  # named by its import package: mmseg is mmsegmentation's table
        if key:
            release = key.strip()
            if release not in table.branches and not any(r.key == release for r in table.releases):
                from packaging.version import Version

                from .answers.resolver import nearest_releases

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
            extra: "Optional[Dict[str, Any]]" = None) -> int:
    import json

    from .render.views import findings_dict, findings_rich, findings_text

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
    return code


def _cmd_doctor(options: "Options") -> int:
    from .environment.diagnose import TABLES, MatrixFacts, diagnose
    from .environment.installed import inspect

    importing = options.import_check
    judged: "Union[Matrix, MatrixFacts, None]" = None
    if not options.matrix:  # the tables compiled with the matrix in effect, when this code compiled them
        from .data.compiled import tables
        from .data.locate import locate

        where = locate(None, os.environ)[0]
        compiled = tables(where, TABLES)
        if compiled is not None:
            judged = MatrixFacts(compiled, where, load=lambda: _load(None))
    env = inspect(options.python, cached=True)
    code = _report(options, diagnose(env, judged or _load(options.matrix)), env, "doctor")
    if not importing:
        return code
    from .environment.proof import environment_check
    from .errors import EXIT_INCOMPATIBLE

    failed = environment_check(env, options.python or sys.executable)
    for line in failed:
        sys.stderr.write(f"{_PROG}: error: {line}\n")
    return EXIT_INCOMPATIBLE if failed else code


def _cmd_guard(options: "Options") -> int:
    from .environment.guard import guard, marker_environment, read_plan
    from .environment.installed import inspect
    from .errors import UsageError

    requirements = [*options.requirements, *(f"-e {e}" for e in options.editables)]
    if not requirements and not options.files:
        raise UsageError("give the planned install: REQ ... and/or -r FILE")
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
        raise UsageError(f"no requirement in {', '.join(options.files) or 'the arguments'}: give the planned install")
    env = target()
    extra: "Dict[str, Any]" = {"plan": plan.shown()}
    if plan.references or plan.unnamed:
        extra["references"] = [r.to_dict() for r in (*plan.references.values(), *plan.unnamed)]
    return _report(options, guard(plan, env, matrix), env, "guard", extra)


def _cmd_update(options: "Options") -> int:
    from .data.update import reset, update
    from .errors import UsageError

    if options.reset:
        from .data.locate import cache_dir, locate

        given = [flag for flag, value in (("--url", options.url), ("--sha256", options.sha256),
                                          ("--timeout", options.timeout)) if value is not None]
        if given:
            raise UsageError(f"--reset downloads nothing: it takes no {', '.join(given)}")
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
    from . import harvest
    from .data.locate import embedded_path
    from .errors import UsageError

    registry_only = (harvest.plan.NUMPY_ABI, harvest.plan.TORCH)
    if options.package not in registry_only and not options.repo and not options.dist:
        raise UsageError("give --repo PATH or --dist FILE... (or --package numpy-abi or torch, which ask the "
                          "registry)")
    result = harvest.run(package=options.package, repo=options.repo, dists=options.dist or (), url=options.url,
                         branches=options.branches, faq_refs=options.faq_ref,
                         torch_docs=[(path, url) for path, url in options.doc])
    if options.json or not options.write:
        _json(result.shown)
        if not options.write:
            return 0
    from .harvest.write import merged_text

    target = options.matrix or embedded_path()
    old, text = merged_text(target, result.parts)
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
        from .render.text import source_build_warning

        sys.stderr.write(f"{_PROG}: {source_build_warning(*built)}\n")


def _cmd_install(options: "Options", pip_args: "Sequence[str]" = ()) -> int:
    import json

    from .environment.diagnose import diagnose
    from .environment.installed import inspect
    from .errors import EXIT_INCOMPATIBLE
    from .install.plan import plan_install
    from .render.views import plan_dict

    python = options.python or sys.executable
    matrix = _load(options.matrix)
    env = inspect(options.python, cached=True)  # read once: torch for the machine, pip, mmcv for conflicts
    plan = plan_install(matrix, options.target, env, python=python, platform=options.platform, cuda=options.cuda,
                        torch=options.torch, python_version=options.python_version, policy=options.policy,
                        provider=options.provider, gpu=options.gpu,
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
    _run_steps(plan.steps, python, env if plan.stack.source_build else None)
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
    if plan.stack.source_build:
        from .install.build import BROKEN, verify_ops

        check = verify_ops(python)
        if check.problem in BROKEN:
            sys.stderr.write(f"{_PROG}: error: import mmcv.ops in {python} failed ({check.problem}): {check.detail}; "
                             f"{check.fix}\n")
            return EXIT_INCOMPATIBLE
        if check.problem:
            sys.stderr.write(f"{_PROG}: warning: could not check mmcv.ops in {python} ({check.problem}): "
                             f"{check.detail}\n")
        else:
            sys.stderr.write(f"{_PROG}: mmcv.ops loads in {python} and computes ({check.detail})\n")
    from .environment.proof import api_modules, check_imports, failure_text

    pins = {name: str(version) for name, version in plan.stack.pins.items()}
    failures = check_imports(python, api_modules(plan.stack.releases))
    for failure in failures:
        sys.stderr.write(f"{_PROG}: error: {failure_text(failure, python, pins)}\n")
    return EXIT_INCOMPATIBLE if failures else code


def _run_steps(steps: "Sequence[Step]", python: str, before: "Optional[Environment]") -> None:
    """:func:`compat.install.runner.run_steps`, saying each step on stderr and drawing a build's progress
    there (rich on a terminal, a line per stage in a pipe)."""
    from .install.runner import run_steps
    from .render.progress import build_reporter

    def say(line: str) -> None:
        sys.stderr.write(f"{_PROG}: {line}\n")
        sys.stderr.flush()
        sys.stdout.flush()

    terminal = sys.stderr.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM", "") != "dumb"
    run_steps(steps, python, before, say=say,
              progress=lambda what: build_reporter(what, sys.stderr, terminal, _PROG))


def _cmd_constraints(options: "Options") -> int:
    import shlex

    from . import __version__
    from .answers.export import export_view

    if options.output and not os.path.isdir(os.path.dirname(os.path.abspath(options.output))):
        from .errors import BadInput

        raise BadInput(f"no folder {os.path.dirname(options.output) or '.'!r} to write {options.output!r} in",
                       value=options.output)
    argv = sys.argv[2:] if sys.argv[1:2] == ["constraints"] else []
    produced_by = shlex.join(["mmcompat", "constraints", *argv])
    found = _short_stack(options)
    if found is not None:
        from .answers.compiled_stack import export_view as lean_view
        from .answers.search import numpy_reason

        numpy = numpy_reason(found["tables"], found["answer"]["pins"]) or ""
        view = lean_view(found)
    else:
        from .answers.export import view_of
        from .install.plan import numpy_pin
        from .render.views import stack_dict

        matrix = _load(options.matrix)
        targets, stack = _solve(options, matrix)
        _stack_notes(stack)
        if options.json:
            _json(stack_dict(targets, stack, matrix))
            return 0
        numpy = numpy_pin(matrix, stack) or ""
        view = view_of(targets, stack, matrix)
    text = export_view(options.format, view, numpy=numpy, produced_by=produced_by, version=__version__)
    from .answers.export import first_steps

    for step in first_steps(options.format, view, numpy):  # the file says it in a comment too
        sys.stderr.write(f"{_PROG}: warning: {step}\n")
    if not options.output:
        _write(text)
        return 0
    _write_file(options.output, text)
    sys.stderr.write(f"{_PROG}: wrote {options.output}\n")
    return 0


def _cmd_build(options: "Options") -> int:

    from .environment.installed import inspect
    from .install.plan import plan_build

    python = options.python or sys.executable
    plan = plan_build(_load(options.matrix), options.target, inspect(options.python, cached=True), python=python,
                      output=options.output, platform=options.platform, cuda=options.cuda, torch=options.torch,
                      policy=options.policy, provider=options.provider, gpu=options.gpu)
    for line in (*plan.notes, *(f"warning: {w}" for w in plan.warnings)):
        sys.stderr.write(f"{_PROG}: {line}\n")
    if options.dry_run:
        _write("".join(step.shell() + "\n" for step in plan.steps))
        return 0
    os.makedirs(options.output, exist_ok=True)
    _run_steps(plan.steps, python, None)
    sys.stderr.write(f"{_PROG}: wrote the wheel into {options.output}\n")
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
    "build": _cmd_build,
}


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())


def _run(args: List[str], quick: "Optional[Options]") -> int:
    """The command ``args`` names; ``quick`` is :func:`compat.command_line.read`'s reading of them."""
    from .errors import CompatError, UsageError

    pip_args: List[str] = []
    if args[:1] == ["install"] and "--" in args:
        split = args.index("--")
        args, pip_args = args[:split], args[split + 1:]
    debug = "--debug" in args
    try:
        options = quick or _parser(args[0] if args and args[0] in _COMMANDS else None).parse_args(args)
        if options.command is None:
            sys.stderr.write(f"{_PROG}: error: give a command: {', '.join(_COMMANDS)} (see '{_PROG} --help')\n")
            return 2
        from .command_line import empty_value

        empty = empty_value(options)
        if empty:
            raise UsageError(f"{empty} is given an empty value: give a value, or leave it out for the default")
        if getattr(options, "python", None):  # a path, an environment folder or a name on PATH
            from .environment.interpreter import find_interpreter

            options.python = find_interpreter(options.python)
        if options.command == "install":
            return _cmd_install(options, pip_args)
        return _COMMANDS[options.command](options)
    except CompatError as e:
        if debug and not isinstance(e, UsageError):
            raise
        see = f" (see '{_PROG} --help')" if isinstance(e, UsageError) else ""
        sys.stderr.write(f"{_PROG}: error: {_one_line(str(e))}{see}\n")
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
    from .command_line import hoisted, read

    if args[:1] and args[0].startswith("--") and args[0] not in ("--help", "--version"):
        args = hoisted(args)  # mmcompat --matrix F resolve ...: the common options after the command
    try:

        quick = read(args)
        answer = _fast_resolve(quick)
        if answer is not None:
            sys.stdout.write(answer[0])
            sys.stdout.flush()
            _say_notes(answer[1], None)
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
