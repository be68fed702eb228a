"""``doctor`` and ``guard``: findings about an environment, and about a planned install in it.
"""

from __future__ import annotations

import os
import sys

from .output import PROG, load_matrix, terminal, write

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, Optional, Sequence, Union

    from ..checks.diagnose import MatrixFacts
    from ..data.models import Matrix
    from ..environment.records import Environment, Finding
    from . import Options

__all__ = ["cmd_doctor", "cmd_guard", "report"]


def report(options: "Options", findings: "Sequence[Finding]", env: "Environment", subject: str,
            extra: "Optional[Dict[str, Any]]" = None) -> int:
    code = 0
    severities = {f.severity for f in findings}
    if "error" in severities or (options.strict and "warning" in severities):
        code = 1
    if not options.json and terminal():
        from ..render.views import findings_rich

        findings_rich(findings, subject, sys.stdout)
        return code
    if options.json:
        import json

        from ..render.views import findings_dict

        text = json.dumps(findings_dict(findings, env, extra), indent=2) + "\n"
    else:
        from ..render.text import findings_text

        text = findings_text(findings, subject)
    write(text)
    return code


def cmd_doctor(options: "Options") -> int:
    from ..checks.diagnose import TABLES, MatrixFacts, diagnose
    from ..environment.installed import inspect

    importing = options.import_check
    judged: "Union[Matrix, MatrixFacts, None]" = None
    if not options.matrix:  # the tables compiled with the matrix in effect, when this code compiled them
        from ..data.compiled import tables
        from ..data.locate import locate

        where = locate(None, os.environ)[0]
        compiled = tables(where, TABLES)
        if compiled is not None:
            judged = MatrixFacts(compiled, where, load=lambda: load_matrix(None))
    env = inspect(options.python, cached=True)
    code = report(options, diagnose(env, judged or load_matrix(options.matrix)), env, "doctor")
    if not importing:
        return code
    from ..environment.proof import environment_check
    from ..errors import EXIT_INCOMPATIBLE

    failed = environment_check(env, options.python or sys.executable)
    for line in failed:
        sys.stderr.write(f"{PROG}: error: {line}\n")
    return EXIT_INCOMPATIBLE if failed else code


def cmd_guard(options: "Options") -> int:
    from ..checks.guard import guard, marker_environment, read_plan
    from ..environment.installed import inspect
    from ..errors import UsageError

    requirements = [*options.requirements, *(f"-e {e}" for e in options.editables)]
    if not requirements and not options.files:
        raise UsageError("give the planned install: REQ ... and/or -r FILE")
    matrix = load_matrix(options.matrix)
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
    return report(options, guard(plan, env, matrix), env, "guard", extra)
