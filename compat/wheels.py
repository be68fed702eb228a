"""Which binaries exist: prebuilt mmcv wheels per (platform, CUDA, torch, CPython), torch releases per
(platform, CPython, CUDA variant), and which CUDA variants an NVIDIA driver runs.

Everything here reads the matrix only; nothing is downloaded. A combination counts only when every
binary it needs exists: torch, torchvision and the mmcv wheel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from packaging.version import Version

from .driver import Driver, supports
from .models import Matrix, TorchRelease, WheelBuild, WheelIndex

__all__ = [
    "driver_variants",
    "has_mmcv_wheel",
    "mmcv_wheel_pythons",
    "mmcv_wheel_versions",
    "python_key",
    "torch_for",
]


def python_key(text: str) -> Tuple[int, ...]:
    """``3.10`` -> (3, 10), for ordering CPython versions."""
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def _rule_pythons(matrix: Matrix, index: WheelIndex, build: WheelBuild, version: Version) -> Optional[Tuple[str, ...]]:
    rule = index.python
    if rule is None or matrix.torch is None:
        return None
    found = []
    for python in matrix.torch.python_versions(build.torch, build.platform):
        if python_key(python) < python_key(rule.minimum):
            continue
        if rule.maximum and python_key(python) > python_key(rule.maximum):
            continue
        if any(gap.covers(version, python, build.platform, build.torch) for gap in rule.gaps):
            continue
        found.append(python)
    return tuple(found)


def mmcv_wheel_pythons(matrix: Matrix, line: str, version: Version, platform: str, cuda: str, torch: str
                       ) -> Optional[Tuple[str, ...]]:
    """The CPython versions a prebuilt ``line`` wheel of ``version`` exists for on this platform, CUDA
    (``11.3``/``cpu``) and torch minor: observed files, plus what the line's rule gives where the version
    picker lists it. ``()``: no wheel at all; None: a wheel exists but for which CPython is unknown."""
    index = matrix.wheels.get(line)
    if index is None:
        return ()
    found: List[str] = []
    unknown = False
    for build in index.builds_for(platform, cuda, torch):
        if version not in build.versions:
            continue
        if build.python:
            found.extend(p for p in build.python if p not in found)
            continue
        ruled = _rule_pythons(matrix, index, build, version)
        if ruled is None:
            unknown = True
        else:
            found.extend(p for p in ruled if p not in found)
    if unknown and not found:
        return None
    return tuple(sorted(found, key=python_key))


def has_mmcv_wheel(matrix: Matrix, line: str, version: Version, platform: str, cuda: str, torch: str,
                   python: str) -> bool:
    """A prebuilt wheel exists for exactly this combination (CPython unknown in the data: it counts)."""
    pythons = mmcv_wheel_pythons(matrix, line, version, platform, cuda, torch)
    return pythons is None or python in pythons


def mmcv_wheel_versions(matrix: Matrix, line: str, platform: str, cuda: str, torch: str, python: str
                        ) -> Tuple[Version, ...]:
    """Every version of ``line`` with a wheel for this combination, newest first."""
    index = matrix.wheels.get(line)
    if index is None:
        return ()
    return tuple(v for v in index.versions_for(platform, cuda, torch)
                 if has_mmcv_wheel(matrix, line, v, platform, cuda, torch, python))


def driver_variants(matrix: Matrix, variants: Tuple[str, ...], platform: str, driver: Optional[Driver]
                    ) -> Tuple[str, ...]:
    """The CUDA variants (newest first, ``cpu`` last) a machine with ``driver`` runs: those whose oldest
    driver (minor-version compatibility, else the toolkit's) the driver meets; none without a driver.
    Unknown minimum: not counted."""
    runnable: List[str] = []
    if driver is not None and platform != "macos" and matrix.nvidia is not None:
        for cuda in sorted(variants, key=python_key, reverse=True):
            minimum = matrix.nvidia.minimum(cuda, platform)
            if minimum is not None and supports(driver, minimum):
                runnable.append(cuda)
    return (*tuple(runnable), "cpu")


def torch_for(matrix: Matrix, minor: str, cuda: str, platform: str, python: str) -> Optional[TorchRelease]:
    """The newest torch release of ``minor`` with a wheel for ``platform`` and CPython ``python`` that the
    PyTorch index carries for ``cuda`` (``cpu``: every release)."""
    if matrix.torch is None:
        return None
    for release in matrix.torch.of_minor(minor):
        if not release.has_wheel(platform, python):
            continue
        if cuda not in ("cpu", "mps") and cuda not in release.cuda:
            continue
        return release
    return None


@dataclass(frozen=True)
class WheelRow:
    """Prebuilt wheels of one release of an mmcv line for one platform, CUDA variant and torch minor.

    ``python``: the CPython versions (empty: not known); ``evidence``: ``published`` (mmcv's version
    picker lists the build; CPython by the recorded rule, inferred) or ``observed`` (wheel files seen,
    not in the picker); ``source``: where it was read.
    """

    distribution: str
    version: Version
    platform: str
    cuda: str
    torch: str
    python: Tuple[str, ...]
    evidence: str
    source: str


def wheel_rows(matrix: Matrix, distribution: Optional[str] = None, version: Optional[Version] = None, *,
               platform: Optional[str] = None, cuda: Optional[str] = None, torch: Optional[str] = None,
               python: Optional[str] = None) -> List[WheelRow]:
    """Every known prebuilt wheel, newest release first, filtered by whatever is given."""
    rows: List[WheelRow] = []
    for line, index in matrix.wheels.items():
        if distribution is not None and line != distribution:
            continue
        for build in index.builds:
            if (platform and build.platform != platform) or (cuda and build.cuda != cuda) or (
                    torch and build.torch != torch):
                continue
            for found in build.versions:
                if version is not None and found != version:
                    continue
                if build.python:
                    pythons: Tuple[str, ...] = build.python
                    evidence, source = "observed", build.source
                else:
                    ruled = _rule_pythons(matrix, index, build, found)
                    pythons = ruled or ()
                    rule = index.python
                    evidence = "published"
                    source = index.source + (f"; CPython by the rule in {rule.source}" if rule is not None else "")
                if python is not None and pythons and python not in pythons:
                    continue
                rows.append(WheelRow(line, found, build.platform, build.cuda, build.torch,
                                     tuple(sorted(pythons, key=python_key)), evidence, source))
    rows.sort(key=lambda r: (r.distribution, r.version, r.platform, python_key(r.torch), python_key(r.cuda)),
              reverse=True)
    return rows
