"""Running a build step with its whole output in a log file, and reading its progress and its first
real error from that output.

:func:`run_logged` runs one command (a ``pip wheel -v`` of an mmcv sdist), writes every line it prints
into a log file under mmcompat's cache, and tells a callback what stage the build is at: the units
compiled of the total, read from ninja's own ``[N/M]`` lines. It prints nothing (the CLI draws).
:func:`first_error` picks, from a failed build's output, the line a person needs: the compiler's first
``error:``, not pip's ``subprocess-exited-with-error`` that follows it.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from typing import Callable, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ..errors import CompatError

__all__ = ["BuildFailed", "BuildProgress", "BuildRun", "first_error", "log_path", "progress_of", "restore_commands",
           "run_logged"]

#: ninja's status line: ``[12/78] c++ -MMD ...`` (pip -v passes the backend's lines through as they are)
_NINJA = re.compile(r"^\s*\[(\d+)/(\d+)\]\s")
#: a compiler's diagnostic: ``mmcv/ops/csrc/x.cpp:12:3: error: ...``, ``x.cu(12): error: ...``, gcc's ``fatal error:``
_COMPILER = re.compile(r"^\s*\S+?(:\d+(:\d+)?:|\(\d+\):)\s*(fatal )?error\b.*", re.I)
_OTHER = (re.compile(r"^\s*(nvcc fatal|c\+\+: fatal error|g\+\+: fatal error|gcc: fatal error|ld: |collect2: error)"),
          re.compile(r"^\s*[A-Za-z_.]*(Error|Exception): \S"))  # a Python exception's last line
#: pip's own lines around a failed build: never the error a person needs
_PIP_NOISE = re.compile(r"subprocess-exited-with-error|Failed building wheel|Failed to build|legacy-install-failure|"
                        r"metadata-generation-failed|^\s*ERROR: |error: command .* failed with exit")


class BuildProgress(NamedTuple):
    """One thing a build said: ``stage`` is ``start`` (``line``: the log), ``compile`` (``done`` of
    ``total`` units), ``end`` or ``failed`` (``line``: the first real error); ``elapsed`` in seconds."""

    stage: str
    done: int
    total: int
    elapsed: float
    line: str


class BuildRun(NamedTuple):
    """What a logged run ended with: its exit code, the log, the units compiled and the first real error."""

    returncode: int
    log: str
    seconds: float
    compiled: int
    total: int
    error: str


class BuildFailed(CompatError):
    """A build step failed (exit 3): ``error`` is its first real compiler error, ``log`` the whole output."""

    def __init__(self, what: str, returncode: int, error: str, log: str) -> None:
        self.what, self.returncode, self.error, self.log = what, returncode, error, log
        said = f": {error}" if error else ""
        super().__init__(f"the build of {what} failed (exit {returncode}){said}; the whole build log: {log}")


def progress_of(line: str) -> Optional[BuildProgress]:
    """The units compiled of the total a ninja status line tells, or None."""
    found = _NINJA.match(line)
    if found is None:
        return None
    return BuildProgress("compile", int(found.group(1)), int(found.group(2)), 0.0, line.rstrip("\n"))


def first_error(lines: Iterable[str]) -> str:
    """The first compiler error in a build's output, else the first linker or Python error, else ""."""
    other = ""
    for line in lines:
        text = line.strip()
        if not text or _PIP_NOISE.search(text):
            continue
        if _COMPILER.match(text):
            return text[:500]
        if not other and any(pattern.match(text) for pattern in _OTHER):
            other = text[:500]
    return other


def log_path(name: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """Where the log of a build named ``name`` (a wheelhouse folder name) goes: ``build-logs`` in the cache."""
    from ..cache import cache_dir

    env = os.environ if environ is None else environ
    folder = os.path.join(cache_dir(env), "build-logs")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return os.path.join(folder, f"{name}-{stamp}.log")


def run_logged(argv: Sequence[str], env: Mapping[str, str], log: str,
               report: Optional[Callable[[BuildProgress], None]] = None) -> BuildRun:
    """Run ``argv`` with ``env``, its whole output (stdout and stderr) into ``log``; ``report`` hears of
    the start, each ninja unit and the end (or the failure)."""
    tell = report if report is not None else (lambda _: None)
    os.makedirs(os.path.dirname(log) or ".", exist_ok=True)
    start = time.monotonic()
    done = total = 0
    error = ""
    candidates: List[str] = []  # the lines a first error is picked from: the compiler's come before pip's summary
    try:
        with open(log, "w", encoding="utf-8", errors="replace") as out:
            out.write("$ " + " ".join(argv) + "\n")
            tell(BuildProgress("start", 0, 0, 0.0, log))
            with subprocess.Popen(list(argv), env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, errors="replace", bufsize=1) as process:
                assert process.stdout is not None
                for line in process.stdout:
                    out.write(line)
                    step = progress_of(line)
                    if step is not None:
                        done, total = step.done, step.total
                        tell(step._replace(elapsed=time.monotonic() - start))
                    elif not error and len(candidates) < 100_000:
                        candidates.append(line)
                        if _COMPILER.match(line.strip()) and not _PIP_NOISE.search(line):
                            error = line.strip()[:500]
                code = process.wait()
    except OSError as e:
        raise CompatError(f"cannot run {argv[0]} (log {log}): {e}") from e
    seconds = time.monotonic() - start
    if code != 0 and not error:
        error = first_error(candidates)
    tell(BuildProgress("end" if code == 0 else "failed", done, total, seconds, error))
    return BuildRun(code, log, seconds, done, total, error if code != 0 else "")


def restore_commands(python: str, before: Mapping[str, str], after: Mapping[str, str]) -> List[Tuple[str, ...]]:
    """The pip commands that put an environment back as ``before`` ({name: version}) after steps left it
    as ``after``: the distributions they added uninstalled, the ones they changed reinstalled at their
    old version (without dependencies: only what the steps touched)."""
    added = sorted(name for name in after if name not in before)
    changed = sorted(f"{name}=={before[name]}" for name in after if name in before and after[name] != before[name])
    commands: List[Tuple[str, ...]] = []
    if added:
        commands.append((python, "-m", "pip", "uninstall", "--yes", *added))
    if changed:
        commands.append((python, "-m", "pip", "install", "--no-deps", *changed))
    return commands
