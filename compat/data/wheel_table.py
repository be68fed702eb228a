"""The wheel table: every known prebuilt mmcv wheel as a row, derived from the compiled tables
(:mod:`compat.data.tables`) and compiled beside them (:func:`compat.data.compiled.wheel_rows`), with the
CPython versions a wheel line's recorded rule gives a build. :mod:`compat.answers.availability` asks
them its questions. Imports nothing heavier than :mod:`compat.data.ranks`.
"""

from __future__ import annotations

from .ranks import python_key, rank

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Optional, Tuple

    from .shapes import Tables

__all__ = ["all_wheel_rows", "rule_pythons", "torch_pythons"]


def torch_pythons(tables: Tables, minor: str, platform: str) -> Tuple[str, ...]:
    """The CPython versions any release of ``minor`` has wheels for on ``platform``, ascending
    (compiled with the tables: :func:`compat.data.tables.compile_tables`)."""
    found: Tuple[str, ...] = tables["torch_pythons"].get((minor, platform), ())
    return found


def rule_pythons(tables: Tables, index: Any, build: Any, version: str) -> Optional[Tuple[str, ...]]:
    """The CPython versions the line's rule gives a build of ``version``; None: the line has no rule."""
    rule = index[2]
    if rule is None or tables["torch"] is None:
        return None
    minimum, maximum, gaps = rule
    found = []
    for python in torch_pythons(tables, build[2], build[0]):
        if python_key(python) < python_key(minimum):
            continue
        if maximum and python_key(python) > python_key(maximum):
            continue
        if any(version in g[0] and python in g[1] and g[2] in ("", build[0]) and (not g[3] or build[2] in g[3])
               for g in gaps):
            continue
        found.append(python)
    return tuple(found)


def all_wheel_rows(tables: Tables) -> List[Tuple[Any, ...]]:
    """Every known prebuilt wheel, newest release first: ``(distribution, version, platform, cuda, torch,
    CPython versions, evidence, source)``. ``evidence``: ``published`` (the version picker lists the
    build; CPython by the recorded rule, inferred) or ``observed`` (wheel files seen, not in the picker).
    Compiled beside the tables (:func:`compat.data.compiled.wheel_rows`);
    :func:`compat.answers.availability.wheel_rows` filters them."""
    rows: List[Tuple[Any, ...]] = []
    shared: Dict[Any, Any] = {}  # equal values as one object: marshal then stores each once
    for line, index in tables["wheels"].items():
        # One row per build (platform, CUDA, torch, version): one the version picker lists is published, also
        # where wheel files of it were seen; files seen of another build, per CPython, are one observed row.
        published = {(build[0], build[1], build[2], found) for build in index[1] if not build[4] for found in build[3]}
        observed: Dict[Tuple[Any, ...], Tuple[List[str], List[str]]] = {}
        for build in index[1]:
            for found in build[3]:
                key = (build[0], build[1], build[2], found)
                if build[4]:
                    if key not in published:
                        pythons_seen, sources = observed.setdefault(key, ([], []))
                        pythons_seen.extend(p for p in build[4] if p not in pythons_seen)
                        if build[5] not in sources:
                            sources.append(build[5])
                    continue
                pythons = tuple(sorted(rule_pythons(tables, index, build, found) or (), key=python_key))
                source = index[0] + (f"; CPython by the rule in {index[3]}" if index[2] is not None else "")
                rows.append((line, found, build[0], build[1], build[2], shared.setdefault(pythons, pythons),
                             "published", shared.setdefault(source, source)))
        for (platform, cuda, torch, found), (pythons_seen, sources) in observed.items():
            pythons = tuple(sorted(pythons_seen, key=python_key))
            source = "; ".join(sources)
            rows.append((line, found, platform, cuda, torch, shared.setdefault(pythons, pythons), "observed",
                         shared.setdefault(source, source)))
    rows.sort(key=lambda r: (r[0], rank(tables, r[1]), r[2], python_key(r[4]), python_key(r[3])), reverse=True)
    return rows
