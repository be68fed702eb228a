"""``install`` and ``build``: a plan's steps, run by :mod:`compat.install.runner` with progress said.
"""

from __future__ import annotations

import os
import sys

from .doctor import report
from .output import PROG, load_matrix, write

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional, Sequence

    from ..environment.records import Environment
    from ..install.plan import Step
    from . import Options

__all__ = ["cmd_build", "cmd_install", "run_steps"]


def cmd_install(options: "Options", pip_args: "Sequence[str]" = ()) -> int:
    import json

    from ..checks.diagnose import diagnose
    from ..environment.installed import inspect
    from ..errors import EXIT_INCOMPATIBLE
    from ..install.plan import plan_install
    from ..render.views import plan_dict

    python = options.python or sys.executable
    matrix = load_matrix(options.matrix)
    env = inspect(options.python, cached=True)  # read once: torch for the machine, pip, mmcv for conflicts
    plan = plan_install(matrix, options.target, env, python=python, platform=options.platform, cuda=options.cuda,
                        torch=options.torch, python_version=options.python_version, policy=options.policy,
                        provider=options.provider, gpu=options.gpu,
                        allow_build=options.allow_build, fix_conflicts=options.fix_conflicts,
                        offline=options.offline, pip_args=pip_args)
    for note in plan.notes:
        sys.stderr.write(f"{PROG}: {note}\n")
    for warning in plan.warnings:
        sys.stderr.write(f"{PROG}: warning: {warning}\n")
    if options.dry_run:
        if options.json:
            write(json.dumps(plan_dict(plan, matrix), indent=2) + "\n")
        else:
            write("".join(step.shell() + "\n" for step in plan.steps))
        return 0
    run_steps(plan.steps, python, env if plan.stack.source_build else None)
    options.strict = False
    after = inspect(options.python, cached=True)
    findings = diagnose(after, matrix)
    code = report(options, findings, after, "doctor")
    line = plan.stack.mmcv
    installed = after.get(line) if line else None
    if plan.stack.source_build and (installed is None or not installed.has_ext):
        sys.stderr.write(f"{PROG}: error: the build of {line} finished without compiled ops (mmcv/_ext): the "
                         "install is not usable; see the build output above\n")
        return EXIT_INCOMPATIBLE
    if plan.stack.source_build:
        from ..install.build import BROKEN, verify_ops

        check = verify_ops(python)
        if check.problem in BROKEN:
            sys.stderr.write(f"{PROG}: error: import mmcv.ops in {python} failed ({check.problem}): {check.detail}; "
                             f"{check.fix}\n")
            return EXIT_INCOMPATIBLE
        if check.problem:
            sys.stderr.write(f"{PROG}: warning: could not check mmcv.ops in {python} ({check.problem}): "
                             f"{check.detail}\n")
        else:
            sys.stderr.write(f"{PROG}: mmcv.ops loads in {python} and computes ({check.detail})\n")
    from ..environment.proof import api_modules, check_imports, failure_text

    pins = {name: str(version) for name, version in plan.stack.pins.items()}
    failures = check_imports(python, api_modules(plan.stack.releases))
    for failure in failures:
        sys.stderr.write(f"{PROG}: error: {failure_text(failure, python, pins)}\n")
    return EXIT_INCOMPATIBLE if failures else code


def run_steps(steps: "Sequence[Step]", python: str, before: "Optional[Environment]") -> None:
    """:func:`compat.install.runner.run_steps`, saying each step on stderr and drawing a build's progress
    there (rich on a terminal, a line per stage in a pipe)."""
    from .. import __version__
    from ..install.runner import run_steps
    from ..render.progress import build_reporter

    def say(line: str) -> None:
        sys.stderr.write(f"{PROG}: {line}\n")
        sys.stderr.flush()
        sys.stdout.flush()

    terminal = sys.stderr.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM", "") != "dumb"
    run_steps(steps, python, before, say=say, progress=lambda what: build_reporter(what, sys.stderr, terminal, PROG),
              built_by=f"mmcompat {__version__}")


def cmd_build(options: "Options") -> int:

    from ..environment.installed import inspect
    from ..install.plan import plan_build

    python = options.python or sys.executable
    plan = plan_build(load_matrix(options.matrix), options.target, inspect(options.python, cached=True), python=python,
                      output=options.output, platform=options.platform, cuda=options.cuda, torch=options.torch,
                      policy=options.policy, provider=options.provider, gpu=options.gpu)
    for line in (*plan.notes, *(f"warning: {w}" for w in plan.warnings)):
        sys.stderr.write(f"{PROG}: {line}\n")
    if options.dry_run:
        write("".join(step.shell() + "\n" for step in plan.steps))
        return 0
    os.makedirs(options.output, exist_ok=True)
    run_steps(plan.steps, python, None)
    sys.stderr.write(f"{PROG}: wrote the wheel into {options.output}\n")
    return 0
