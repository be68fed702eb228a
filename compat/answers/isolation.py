"""Which dependencies of a stack pip cannot build under its build isolation, from the compiled tables
(:mod:`compat.data.tables`, ``isolated_builds``: the matrix's ``[build.isolation]``): the one rule that
``install`` plans their separate steps with and that the exports (``constraints``) say they need.

chumpy, which every MMPose requires, has only an sdist whose ``setup.py`` imports pip: pip's isolated
build environment has none, so it must be built on its own, first, with ``--no-build-isolation`` and its
build requirements installed. Imports nothing.
"""

from __future__ import annotations

from ..data.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, List, Tuple

    from ..data.shapes import Tables

__all__ = ["SeparateBuild", "separate_builds"]


class SeparateBuild(Record):
    """A dependency built on its own, without build isolation: ``name`` ``version``, what its build needs
    in the environment (``needs``) and why isolation fails (``reason``)."""

    name: str
    version: str
    needs: Tuple[str, ...]
    reason: str


def separate_builds(tables: Tables, packages: Iterable[str], python: str) -> List[SeparateBuild]:
    """The dependencies of ``packages`` (the stack's) that cannot build under pip's build isolation and
    that the registry has no wheel of for CPython ``python``, in the matrix's order."""
    have = set(packages)
    found = []
    for name, entry in (tables.get("isolated_builds") or {}).items():
        version, needs, wheels, required_by, reason = entry[:5]
        if have & set(required_by) and python not in wheels:
            found.append(SeparateBuild(name, version, tuple(needs), reason))
    return found
