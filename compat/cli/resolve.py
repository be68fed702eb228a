"""``resolve`` and ``constraints``: a release's requirements and a stack's, answered on the short path
(the tables compiled into the wheel) when it can read the question, else on the typed one.
"""

from __future__ import annotations

import os
import sys

from .output import PROG, dumps, load_matrix, say_notes, stack_notes, write, write_file, write_json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Optional, Tuple

    from ..answers.stack import Stack, StackTarget
    from ..data.models import Matrix
    from ..environment.records import Environment
    from . import Options

__all__ = ["cmd_constraints", "cmd_resolve", "fast_resolve", "short_json", "short_resolve", "short_stack", "solve_for",
           "stack_mode"]


def fast_resolve(options: "Optional[Options]") -> "Optional[Tuple[str, Tuple[str, ...]]]":
    """``resolve TARGET [--policy P] [--debug] [--json]`` (options as :func:`compat.command_line.read` gives
    them) from the tables compiled into the wheel: (what stdout gets, the notes for stderr), or None to
    take the other paths (which say what is wrong, and answer every other spelling)."""
    if options is None or options.command != "resolve" or len(options.target) != 1 or stack_mode(options):
        return None
    if options.matrix:
        return None
    from ..answers.release import DEFAULT_PACKAGE, find, needs, pip_lines
    from ..data.compiled import tables
    from ..data.locate import locate

    where, origin = locate()
    parts = ("versions", "extras", "packages", "provenance") if options.json else ("versions", "extras", "packages")
    compiled = tables(where, parts)
    if compiled is None or DEFAULT_PACKAGE not in compiled["packages"]:
        return None
    release = find(compiled, DEFAULT_PACKAGE, options.target[0])
    found = None if release is None else needs(compiled, release, options.policy)
    if release is None or found is None or found.requirements is None:
        return None
    if options.json:  # rendered as the typed path renders it (compat.render.views.resolution_dict)
        from ..render.release import resolution_json

        return dumps(resolution_json(compiled, release, options.policy, found.requirements, found.notes, where,
                                     origin)), found.notes
    return pip_lines(found.requirements), found.notes


def stack_mode(options: "Options", matrix: "Optional[Matrix]" = None) -> bool:
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


def solve_for(options: "Options", matrix: "Matrix", env: "Optional[Environment]" = None
           ) -> "Tuple[List[StackTarget], Stack]":
    """Targets and stack for the machine the options and the target environment describe."""
    from ..install.plan import solve

    if env is None:
        from ..environment.installed import inspect

        env = inspect(getattr(options, "python", None), cached=True)
    if getattr(options, "python", None):
        from ..install.plan import check_platform

        check_platform(env, options.platform, options.python)
    return solve(matrix, options.target, env, platform=options.platform, cuda=options.cuda, torch=options.torch,
                 python_version=options.python_version, policy=options.policy, allow_build=options.allow_build,
                 provider=options.provider, gpu=getattr(options, "gpu", None))


def short_stack(options: "Options") -> "Optional[Dict[str, Any]]":
    """The stack on the short path (:mod:`compat.answers.compiled_stack`), its notes said on stderr, when that path can
    read the question; None: take the full path."""
    if getattr(options, "python", None) or options.matrix or options.debug:
        return None
    from ..answers.compiled_stack import stack_answer

    found = stack_answer(options.target, platform=options.platform, cuda=options.cuda, torch=options.torch,
                         python_version=options.python_version, policy=options.policy,
                         allow_build=options.allow_build, provider=options.provider, environ=os.environ,
                         gpu=getattr(options, "gpu", None))
    if found is None:
        return None
    from ..answers.question import describe_platform, notes

    answer = found["answer"]
    line = answer["mmcv"]
    built = (line, answer["pins"][line], describe_platform(*answer["platform"])) if answer["source_build"] else None
    say_notes((*notes(found["machine"]), *answer.get("notes", ()), *answer["warnings"]), built)
    return found


def short_json(found: "Dict[str, Any]") -> str:
    """``--json`` of a stack answered on the short path (the full path's :func:`compat.render.views.stack_dict`
    renders with the same function)."""
    from ..answers.search import answer_requirements
    from ..render.text import stack_json

    answer = found["answer"]
    return dumps(stack_json([t[2] for t in found["targets"]], answer, answer_requirements(found["tables"], answer),
                             found["machine"]["driver"], found["path"], found["origin"]))


def short_resolve(options: "Options") -> bool:
    found = short_stack(options)
    if found is None:
        return False
    from ..answers.search import answer_requirements

    answer = found["answer"]
    torch = answer["torch"]
    if options.json:
        write(short_json(found))
        return True
    requirements = answer_requirements(found["tables"], answer)
    from ..render.text import stack_text

    write(stack_text(None if torch is None else (torch["version"], torch["index_url"], torch["installed"]),
                      requirements, answer["find_links"], answer["mmcv"]))
    return True


def cmd_resolve(options: "Options") -> int:
    if stack_mode(options) and short_resolve(options):
        return 0
    from ..answers.resolver import pip_lines, resolve
    from ..render.views import resolution_dict

    matrix = load_matrix(options.matrix)
    if stack_mode(options, matrix):
        import json

        from ..render.views import stack_dict, stack_text

        targets, stack = solve_for(options, matrix)
        stack_notes(stack)
        text = json.dumps(stack_dict(targets, stack, matrix), indent=2) + "\n" if options.json else stack_text(stack)
        write(text)
        return 0
    options.target = options.target[0]
    resolution = resolve(options.target, policy=options.policy, matrix=matrix)
    if options.json:
        from ..data.tables import tables_for

        write_json(resolution_dict(resolution, tables_for(matrix)))
    else:
        write(pip_lines(resolution.requirements))
    sys.stdout.flush()
    say_notes(resolution.notes, None)
    return 0


def cmd_constraints(options: "Options") -> int:
    import shlex

    from .. import __version__
    from ..answers.export import export_view

    if options.output and not os.path.isdir(os.path.dirname(os.path.abspath(options.output))):
        from ..errors import BadInput

        raise BadInput(f"no folder {os.path.dirname(options.output) or '.'!r} to write {options.output!r} in",
                       value=options.output)
    argv = sys.argv[2:] if sys.argv[1:2] == ["constraints"] else []
    produced_by = shlex.join(["mmcompat", "constraints", *argv])
    found = short_stack(options)
    if found is not None and options.json:
        write(short_json(found))
        return 0
    if found is not None:
        from ..answers.compiled_stack import export_view as lean_view
        from ..answers.search import numpy_reason

        numpy = numpy_reason(found["tables"], found["answer"]["pins"]) or ""
        view = lean_view(found)
    else:
        from ..answers.export import view_of
        from ..install.plan import numpy_pin
        from ..render.views import stack_dict

        matrix = load_matrix(options.matrix)
        targets, stack = solve_for(options, matrix)
        stack_notes(stack)
        if options.json:
            write_json(stack_dict(targets, stack, matrix))
            return 0
        numpy = numpy_pin(matrix, stack) or ""
        view = view_of(targets, stack, matrix)
    text = export_view(options.format, view, numpy=numpy, produced_by=produced_by, version=__version__)
    from ..answers.export import first_steps

    for step in first_steps(options.format, view, numpy):  # the file says it in a comment too
        sys.stderr.write(f"{PROG}: warning: {step}\n")
    if not options.output:
        write(text)
        return 0
    write_file(options.output, text)
    sys.stderr.write(f"{PROG}: wrote {options.output}\n")
    return 0
