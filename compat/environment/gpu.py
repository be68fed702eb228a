"""The NVIDIA GPU a plan is for, by compute capability (``12.0``), and which CUDA versions run on it.

In order: ``--gpu`` (given by the caller), ``MMCOMPAT_GPU_COMPUTE_CAP`` (for a builder without the GPU,
CI and tests; ``none`` says there is no GPU), then ``nvidia-smi --query-gpu=compute_cap,driver_version
--format=csv,noheader`` (an argument list, a timeout; the first GPU). No GPU: ``""``, and nothing is
ruled out. What a capability runs comes from the matrix's ``[nvidia.gpus]`` table, compiled into the
search's tables as ``gpus`` (capability -> (name, oldest CUDA, newest CUDA)).
"""

from __future__ import annotations

import os
import re

from ..errors import BadInput, shown

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Mapping, Optional, Tuple

    from ..data.shapes import Tables

__all__ = ["ENV_GPU", "cuda_limits", "detect", "parse_capability", "runs", "why_not"]

ENV_GPU = "MMCOMPAT_GPU_COMPUTE_CAP"
_CAPABILITY = re.compile(r"[0-9]{1,2}\.[0-9]")
_NONE = ("none", "")


def _key(text: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def parse_capability(text: str) -> str:
    """``12.0`` (also ``sm_120``, ``120``, ``12``) -> ``12.0``; ``none``/``""`` -> ``""``; BadInput otherwise."""
    raw = text.strip().lower()
    if raw in _NONE:
        return ""
    if raw.startswith("sm_"):
        raw = raw[3:]
    if raw.isdigit() and len(raw) in (2, 3):
        raw = raw[:-1] + "." + raw[-1]
    elif raw.isdigit() and len(raw) == 1:
        raw += ".0"
    if not _CAPABILITY.fullmatch(raw):
        raise BadInput(f"not a GPU compute capability: {shown(text)}; give e.g. 8.6, 12.0 or none", value=text)
    return raw


def _from_smi(timeout: float) -> Tuple[str, str]:
    import shutil
    import subprocess

    smi = shutil.which("nvidia-smi")
    if smi is None:
        return "", ""
    try:
        done = subprocess.run([smi, "--query-gpu=compute_cap,driver_version", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "", smi
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    first = lines[0].split(",")[0].strip() if lines else ""
    if done.returncode != 0 or not _CAPABILITY.fullmatch(first):
        return "", smi  # an old nvidia-smi does not know compute_cap: nothing is ruled out
    return first, smi


def detect(given: Optional[str] = None, environ: Optional[Mapping[str, str]] = None, *, probe: bool = True,
           timeout: float = 10.0) -> Tuple[str, str]:
    """(compute capability, where it was read), ``("", "")`` when there is no GPU or none was found.
    ``probe``: ask nvidia-smi when neither the option nor the variable says (off when the plan is for
    another machine: ``--cuda`` given, or the NVIDIA driver told by its variable, as a builder without a
    GPU does; ``MMCOMPAT_GPU_COMPUTE_CAP`` tells such a builder the GPU)."""
    if given is not None and given.strip():
        return parse_capability(given), "--gpu"
    env = os.environ if environ is None else environ
    value = env.get(ENV_GPU)
    if value is not None:
        found = parse_capability(value)
        return (found, ENV_GPU) if found else ("", "")
    from .driver import ENV_DRIVER

    if not probe or env.get(ENV_DRIVER, "").strip():
        return "", ""
    found, smi = _from_smi(timeout)
    return (found, f"{smi} --query-gpu=compute_cap") if found else ("", "")


def cuda_limits(tables: Tables, capability: str) -> Tuple[str, str, str]:
    """(name, oldest CUDA, newest CUDA) whose code runs on ``capability`` (``""``: no limit): the
    minimum of the nearest known capability at or below it, the maximum of the nearest at or above."""
    gpus = tables.get("gpus") or {}
    if not capability:
        return "", "", ""
    have = _key(capability)
    exact = gpus.get(capability)
    below = sorted((c for c in gpus if _key(c) <= have), key=_key)
    above = sorted((c for c in gpus if _key(c) >= have), key=_key)
    minimum = next((gpus[c][1] for c in reversed(below) if gpus[c][1]), "")
    maximum = next((gpus[c][2] for c in above if gpus[c][2]), "")
    return (exact[0] if exact else ""), minimum, maximum


def runs(tables: Tables, cuda: str, capability: str) -> bool:
    """Code built for CUDA ``cuda`` (``12.8``; ``cpu``) runs on a GPU of ``capability`` (``""``: unknown)."""
    return not why_not(tables, cuda, capability)


def why_not(tables: Tables, cuda: str, capability: str) -> str:
    """Why CUDA ``cuda`` cannot run on ``capability`` (``""``: it can)."""
    if not capability or cuda in ("", "cpu", "mps"):
        return ""
    name, minimum, maximum = cuda_limits(tables, capability)
    label = f"compute capability {capability}" + (f", {name}" if name else "")
    if minimum and _key(cuda) < _key(minimum):
        return f"CUDA {cuda} cannot run on the GPU ({label}: needs CUDA >= {minimum})"
    if maximum and _key(cuda) > _key(maximum):
        return f"CUDA {cuda} cannot run on the GPU ({label}: CUDA {maximum} is the newest for it)"
    return ""
