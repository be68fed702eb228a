"""Which binaries exist: prebuilt mmcv wheels per (platform, CUDA, torch, CPython), torch releases per
(platform, CPython, CUDA variant), and which CUDA variants an NVIDIA driver runs.

Everything here reads the matrix only; nothing is downloaded. A combination counts only when every
binary it needs exists: torch, torchvision and the mmcv wheel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from packaging.version import Version

from . import availability
from .driver import Driver
from .models import Matrix, TorchRelease
from .ranks import python_key
from .tables import tables_for

__all__ = [
    "driver_variants",
    "has_mmcv_wheel",
    "mmcv_wheel_pythons",
    "mmcv_wheel_versions",
    "python_key",
    "torch_for",
]


def _text(matrix: Matrix, line: str, version: Version) -> str:
    """The text the wheel tables spell ``version`` with (``1.7`` may be listed as ``1.7.0``)."""
    index = matrix.wheels.get(line)
    for build in index.builds if index is not None else ():
        for found in build.versions:
            if found == version:
                return str(found)
    return str(version)


def mmcv_wheel_pythons(matrix: Matrix, line: str, version: Version, platform: str, cuda: str, torch: str
                       ) -> Optional[Tuple[str, ...]]:
    """The CPython versions a prebuilt ``line`` wheel of ``version`` exists for on this platform, CUDA
    (``11.3``/``cpu``) and torch minor: observed files, plus what the line's rule gives where the version
    picker lists it. ``()``: no wheel at all; None: a wheel exists but for which CPython is unknown."""
    text = _text(matrix, line, version)
    return availability.mmcv_wheel_pythons(tables_for(matrix), line, text, platform, cuda, torch)


def has_mmcv_wheel(matrix: Matrix, line: str, version: Version, platform: str, cuda: str, torch: str,
                   python: str) -> bool:
    """A prebuilt wheel exists for exactly this combination (CPython unknown in the data: it counts)."""
    pythons = mmcv_wheel_pythons(matrix, line, version, platform, cuda, torch)
    return pythons is None or python in pythons


def mmcv_wheel_versions(matrix: Matrix, line: str, platform: str, cuda: str, torch: str, python: str
                        ) -> Tuple[Version, ...]:
    """Every version of ``line`` with a wheel for this combination, newest first."""
    found = availability.mmcv_wheel_versions(tables_for(matrix), line, platform, cuda, torch, python)
    return tuple(Version(v) for v in found)


def driver_variants(matrix: Matrix, variants: Tuple[str, ...], platform: str, driver: Optional[Driver]
                    ) -> Tuple[str, ...]:
    """The CUDA variants (newest first, ``cpu`` last) a machine with ``driver`` runs: those whose oldest
    driver (minor-version compatibility, else the toolkit's) the driver meets; none without a driver."""
    lean = None if driver is None else (driver.version, driver.where)
    return availability.driver_variants(tables_for(matrix), variants, platform, lean)


def torch_for(matrix: Matrix, minor: str, cuda: str, platform: str, python: str) -> Optional[TorchRelease]:
    """The newest torch release of ``minor`` with a wheel for ``platform`` and CPython ``python`` that the
    PyTorch index carries for ``cuda`` (``cpu``: every release)."""
    found = availability.torch_for(tables_for(matrix), minor, cuda, platform, python)
    return None if found is None or matrix.torch is None else matrix.torch.release(Version(found[0]))


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
    """Every known prebuilt wheel, newest release first, filtered by whatever is given
    (:func:`compat.availability.wheel_rows`)."""
    tables = tables_for(matrix)
    text = None
    if version is not None:  # the tables' spelling of it; a version no table lists has no wheel
        text = next((t for t in tables["versions"] if Version(t) == version), None)
        if text is None:
            return []
    rows = availability.wheel_rows(tables, distribution, text, platform=platform, cuda=cuda, torch=torch, python=python)
    return [WheelRow(r[0], Version(r[1]), *r[2:]) for r in rows]
