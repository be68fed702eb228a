"""One release as ``resolve --json`` and ``matrix --json`` show it, from the compiled tables
(:mod:`compat.data.tables`): what was resolved, each policy's range of every dependency, and where each
source's range was read. The short path of ``resolve --json`` and the typed one (a matrix given with
``--matrix``, a spelling only the typed reader reads) render with these functions; nothing printed is
stored. Imports nothing heavier than :mod:`compat.data.ranks`.
"""

from __future__ import annotations

from ..data import ranks
from ..data.vocabulary import POLICIES, SOURCES

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, Optional, Sequence, Tuple

    from ..data.shapes import RangeData, ReleaseData, Tables

__all__ = ["release_dicts", "resolution_json"]


def _text(tables: Tables, r: Optional[RangeData]) -> Optional[str]:
    """A range for JSON: the specifier, ``""`` for any version, None when no source says anything."""
    return None if r is None else ranks.range_text(tables, r)


def _source(fact: Optional[Tuple[str, str]]) -> Any:
    """Where a source's range was read: its URL, with why it is uncertain when it is."""
    if fact is None:
        return None
    source, uncertain = fact
    return {"source": source, "uncertain": uncertain} if uncertain else source


def release_dicts(tables: Tables, release: ReleaseData) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    """(target, constraints, sources) of a compiled release: its name, version, branch, and the upstream ref
    and commit its facts were read at; each policy's range of every dependency; each source's provenance
    (the tables' ``provenance``)."""
    ref, commit, facts = tables["provenance"][release[0]][release[1]]
    target = {"name": release[0], "version": release[2], "branch": release[1] if release[5] else None,
              "ref": ref, "commit": commit or None}
    constraints: Dict[str, Any] = {}
    sources: Dict[str, Any] = {}
    for dependency, said in zip(release[4], facts):
        constraints[dependency[0]] = {policy: _text(tables, ranks.range_for(tables, dependency, policy))
                                      for policy in POLICIES}
        sources[dependency[0]] = {source: _source(fact) for source, fact in zip(SOURCES, said)}
    return target, constraints, sources


def resolution_json(tables: Tables, release: ReleaseData, policy: str, requirements: Sequence[str],
                    notes: Sequence[str], matrix: str, origin: str) -> Dict[str, Any]:
    """The ``resolve --json`` object of one release: its requirements and notes under ``policy``
    (:func:`compat.answers.release.needs`), the dependencies its metadata calls optional and it does not
    import, and its facts (:func:`release_dicts`); ``matrix`` and ``origin`` name the matrix file."""
    target, constraints, sources = release_dicts(tables, release)
    return {
        "target": target,
        "policy": policy,
        "requirements": list(requirements),
        "notes": list(notes),
        "optional": [d[0] for d in release[4] if d[1] and d[5] is None],
        "constraints": constraints,
        "sources": sources,
        "matrix": matrix,
        "matrix_origin": origin,
    }
