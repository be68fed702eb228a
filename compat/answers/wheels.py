"""Which prebuilt mmcv wheels exist, per (platform, CUDA, torch, CPython), for callers holding a typed
:class:`~compat.data.models.Matrix` and :class:`~packaging.version.Version` objects: the typed face of
:mod:`compat.answers.availability`, which answers from the matrix's compiled tables. Nothing is downloaded.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from packaging.version import Version

from ..data.models import Matrix
from ..data.ranks import python_key
from ..data.record import Record
from ..data.tables import tables_for
from . import availability

__all__ = [
    "has_mmcv_wheel",
    "mmcv_wheel_pythons",
    "mmcv_wheel_versions",
    "python_key",
    "row_tuples",
    "wheel_rows",
]


def _spelling(matrix: Matrix, version: Version, line: Optional[str] = None) -> Optional[str]:
    """How the wheel tables (of ``line``, else of any line) spell ``version`` (``1.7`` may be listed as
    ``1.7.0``): :func:`compat.answers.availability.wheel_spelling`; None: no table lists it."""
    return availability.wheel_spelling(tables_for(matrix), line or "", str(version))


def mmcv_wheel_pythons(matrix: Matrix, line: str, version: Version, platform: str, cuda: str, torch: str
                       ) -> Optional[Tuple[str, ...]]:
    """The CPython versions a prebuilt ``line`` wheel of ``version`` exists for on this platform, CUDA
    (``11.3``/``cpu``) and torch minor: observed files, plus what the line's rule gives where the version
    picker lists it. ``()``: no wheel at all; None: a wheel exists but for which CPython is unknown."""
    text = _spelling(matrix, version, line) or str(version)
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


class WheelRow(Record):
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


def row_tuples(matrix: Matrix, distribution: Optional[str] = None, version: Optional[Version] = None, *,
               platform: Optional[str] = None, cuda: Optional[str] = None, torch: Optional[str] = None,
               python: Optional[str] = None) -> List[Tuple[Any, ...]]:
    """:func:`compat.answers.availability.wheel_rows` of this matrix, filtered by whatever is given: rows as the
    short path and the renderers take them (``version`` a text)."""
    text = None
    if version is not None:  # the tables' spelling of it; a version no wheel table lists has no wheel
        text = _spelling(matrix, version, distribution)
        if text is None:
            return []
    return availability.wheel_rows(tables_for(matrix), distribution, text, platform=platform, cuda=cuda, torch=torch,
                                   python=python)


def wheel_rows(matrix: Matrix, distribution: Optional[str] = None, version: Optional[Version] = None, *,
               platform: Optional[str] = None, cuda: Optional[str] = None, torch: Optional[str] = None,
               python: Optional[str] = None) -> List[WheelRow]:
    """Every known prebuilt wheel, newest release first, filtered by whatever is given, as typed rows."""
    rows = row_tuples(matrix, distribution, version, platform=platform, cuda=cuda, torch=torch, python=python)
    return [WheelRow(r[0], Version(r[1]), *r[2:]) for r in rows]
