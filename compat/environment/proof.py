"""Proof that an environment works: its interpreter imports each codebase's API (``import mmpose.apis``,
``import mmpose.models``, ``import mmdet.apis``).

The imports run in the target interpreter, in a subprocess with a timeout (mmcompat's own process never
imports mmcv, mmpose, mmdet or torch); the probe prints one JSON line per module and imports nothing of
mmcompat. :func:`check_imports` returns what failed, :func:`failure_text` says it with the fix.
"""

from __future__ import annotations

import json
import subprocess
from typing import Iterable, List, Mapping, NamedTuple, Optional, Sequence

from ..errors import CompatError
from .records import Environment

__all__ = ["API_MODULES", "CODEBASES", "IMPORT_TIMEOUT", "ImportFailure", "api_modules", "check_imports",
           "environment_check", "failure_text"]

#: The modules of a codebase whose import is its public API (as :mod:`compat.harvest.imports` follows).
API_MODULES = ("apis", "models")
#: The codebases whose API the proof imports when they are installed.
CODEBASES = ("mmpose", "mmdet", "mmtrack")
#: Seconds the imports may take together (torch alone takes seconds on a cold disk).
IMPORT_TIMEOUT = 300.0

# Runs in the target interpreter: stdlib only, one JSON object per module, never a traceback.
_PROBE = """\
import importlib, json, sys
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
        found = {"module": name, "ok": True}
    except BaseException as e:
        found = {"module": name, "ok": False, "error": type(e).__name__, "message": str(e)[:500],
                 "missing": getattr(e, "name", None) if isinstance(e, ImportError) else None}
    sys.stdout.write(json.dumps(found) + "\\n")
    sys.stdout.flush()
"""


class ImportFailure(NamedTuple):
    """One module the target interpreter could not import."""

    module: str  # what was imported: ``mmpose.models``
    error: str  # the exception's type: ``ModuleNotFoundError``
    message: str  # ``No module named 'mmdet'``
    missing: str  # the module not found (``mmdet``), "" when it was another error


def api_modules(packages: Iterable[str]) -> List[str]:
    """The API modules of the OpenMMLab packages named (``mmpose`` -> ``mmpose.apis``, ``mmpose.models``)."""
    return [f"{package}.{part}" for package in packages for part in API_MODULES]


def check_imports(python: str, modules: Sequence[str], *, timeout: float = IMPORT_TIMEOUT,
                  environ: Optional[Mapping[str, str]] = None) -> List[ImportFailure]:
    """Import ``modules`` in the interpreter ``python``, each after the one before; the failures.

    Raises :class:`CompatError` (exit 3) when the interpreter cannot be run or does not answer in time.
    """
    if not modules:
        return []
    try:
        done = subprocess.run([python, "-c", _PROBE, *modules], capture_output=True, text=True, timeout=timeout,
                              check=False, env=None if environ is None else dict(environ))
    except subprocess.TimeoutExpired as e:
        raise CompatError(f"importing {', '.join(modules)} in {python} took longer than {timeout:.0f}s") from e
    except OSError as e:
        raise CompatError(f"cannot run {python}: {e}") from e
    answered = {}
    for line in done.stdout.splitlines():
        try:
            found = json.loads(line)
        except ValueError:
            continue  # a module printed something of its own
        if isinstance(found, dict) and found.get("module") in modules:
            answered[found["module"]] = found
    failures = []
    for module in modules:
        found = answered.get(module)
        if found is None:  # the interpreter died on the way (a crash in an extension module)
            tail = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1][:300]
            failures.append(ImportFailure(module, "crash", tail, ""))
        elif not found.get("ok"):
            failures.append(ImportFailure(module, str(found.get("error", "")), str(found.get("message", "")),
                                          str(found.get("missing") or "")))
    return failures


def other_torch_hint(failure: ImportFailure, fix: str = "") -> str:
    """What an import failure means when torchvision's compiled operators did not register (``operator
    torchvision::nms does not exist``): a torchvision built for another torch (a CUDA build's beside a CPU
    torch of the same version, or another release), then ``fix`` (the exact command, when the caller knows
    the index of the installed torch) or the general advice. ``""`` for any other failure."""
    if "operator torchvision::" not in failure.message or "does not exist" not in failure.message:
        return ""
    return ("the installed torchvision was built for another torch than the installed one (its compiled "
            "operators do not register); " + (fix or "install the torchvision built with this torch, from the "
                                              "index that served it (a CPU torch: --index-url "
                                              "https://download.pytorch.org/whl/cpu)"))


def failure_text(failure: ImportFailure, python: str, pins: Mapping[str, str], fix: str = "") -> str:
    """``import mmpose.models fails in PY: No module named 'mmdet'; install it: PY -m pip install
    mmdet==3.2.0`` (the stack's pin of the missing package when it has one); ``fix`` replaces that
    advice."""
    import shlex

    text = f"import {failure.module} fails in {python}: {failure.error}: {failure.message}"
    hint = other_torch_hint(failure, fix)
    if hint:
        text += f"; {hint}"
    elif fix:
        text += f"; {fix}"
    elif failure.missing:
        top = failure.missing.split(".", 1)[0]
        requirement = next((f"{name}=={version}" for name, version in pins.items()
                            if name.replace("-", "_") == top), top)
        text += f"; install it: {shlex.join([python, '-m', 'pip', 'install', requirement])}"
    return text


def environment_check(env: Environment, python: str, *, timeout: float = IMPORT_TIMEOUT) -> List[str]:
    """``doctor --import``: import the API of every codebase ``env`` has (:data:`CODEBASES`) in ``python``;
    a line per failure, whose fix is the ``mmcompat install`` that plans that release whole."""
    import shlex

    installed = [(name, found.version) for name, found in ((n, env.get(n)) for n in CODEBASES) if found is not None]
    lines = []
    for failure in check_imports(python, api_modules(name for name, _ in installed), timeout=timeout):
        name, version = next((n, v) for n, v in installed if failure.module.startswith(n + "."))
        fix = "fix: " + shlex.join(["mmcompat", "install", f"{name}=={version}", "--python", python])
        lines.append(failure_text(failure, python, {}, fix))
    return lines
