"""Running a plan's steps (:class:`compat.install.plan.Step`) in the target environment, one subprocess
each with an argument list. A build step's whole output goes to a log under the cache and its progress
to the caller's reporter; when a build fails, what the earlier steps installed is undone and
:class:`~compat.install.buildlog.BuildFailed` says the first real compiler error and the log.

Nothing here prints: the caller passes ``say`` (one line for a person) and ``progress`` (a reporter of
a build's :class:`~compat.install.buildlog.BuildProgress`, for what it builds).
"""

from __future__ import annotations

import os
import re
import subprocess
from typing import TYPE_CHECKING, Callable, Mapping, Optional, Sequence

from ..errors import CompatError

if TYPE_CHECKING:  # pragma: no cover
    from ..environment.records import Environment
    from .buildlog import BuildProgress
    from .plan import Step

__all__ = ["run_steps"]

Say = Callable[[str], None]
Progress = Callable[[str], Callable[["BuildProgress"], None]]


def run_steps(steps: Sequence[Step], python: str, before: Optional[Environment], *, say: Say,
              progress: Progress, built_by: str, environ: Optional[Mapping[str, str]] = None) -> None:
    """Run ``steps`` in order; raise :class:`~compat.errors.CompatError` (exit 3) at the first that fails.
    ``before``: the environment as it was, so that a failed build undoes the earlier steps; ``built_by``:
    what a build's record names as its builder (``mmcompat 0.1.0``)."""
    base = dict(os.environ if environ is None else environ)
    for index, step in enumerate(steps, 1):
        say(f"[{index}/{len(steps)}] {step.shell()}")
        if step.kind == "build":
            _run_build(step, python, before, base, say, progress, built_by)
            continue
        try:
            done = subprocess.run(list(step.argv), check=False, env=dict(base, **step.env))
        except OSError as e:
            raise CompatError(f"cannot run {step.argv[0]}: {e}") from e
        if done.returncode != 0:
            raise CompatError(f"{step.kind} step failed with exit {done.returncode}: {step.shell()}")


def _run_build(step: Step, python: str, before: Optional[Environment], base: Mapping[str, str], say: Say,
               progress: Progress, built_by: str) -> None:
    from .buildlog import BuildFailed, log_path, restore_commands, run_logged

    what = step.argv[-1].replace("==", " ")
    folder = next((step.argv[i + 1] for i, a in enumerate(step.argv[:-1]) if a == "-w"), what)
    log = log_path(re.sub(r"[^A-Za-z0-9._+-]", "_", os.path.basename(folder.rstrip("/"))) or "build", base)
    run = run_logged(step.argv, dict(base, **step.env), log, progress(what))
    if run.returncode == 0:
        if step.key is not None:  # what it was built against, inside the wheel: doctor reads it statically
            from .build import wheel_in
            from .buildrecord import stamp_wheel

            wheel = wheel_in(folder, step.key)
            if wheel is not None:
                stamp_wheel(wheel, step.key, built_by)
                say(f"recorded the build key in {os.path.basename(wheel)} (torch {step.key.torch})")
        return
    if before is not None:
        from ..environment.installed import inspect

        after = inspect(python)
        old = {d.name: d.version for d in before.distributions}
        for argv in restore_commands(python, old, {d.name: d.version for d in after.distributions}):
            say(f"undoing the earlier steps: {' '.join(argv)}")
            subprocess.run(list(argv), check=False, stdout=subprocess.DEVNULL)
    raise BuildFailed(what, run.returncode, run.error, run.log)
