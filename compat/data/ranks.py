"""Versions and ranges over the ranks compiled into the tables (:mod:`compat.data.tables`): comparisons and
PEP 440 membership without ``packaging``, each exactly as ``packaging`` decided when the tables were
compiled. A range is ``(lower, upper, extra)``: bounds ``(text, inclusive)`` as written upstream, and
verbatim specifiers (``!=1.5.0``) whose members the tables list.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Sequence, Tuple

    from .shapes import Bound, DependencyData, Tables
    from .shapes import RangeData as Range

__all__ = [
    "is_prerelease",
    "major",
    "newest_first",
    "placed",
    "python_key",
    "range_contains",
    "range_for",
    "range_intersect",
    "range_is_empty",
    "range_pinned",
    "range_text",
    "rank",
    "release_key",
    "simple_release",
]

_KEYS: Dict[str, Tuple[int, ...]] = {}


def python_key(text: str) -> Tuple[int, ...]:
    """``3.10`` -> (3, 10), for ordering CPython and CUDA versions (kept for the process: the same few
    texts are asked for thousands of times when a wheel table is listed)."""
    key = _KEYS.get(text)
    if key is None:
        key = _KEYS[text] = tuple(int(p) for p in text.split(".") if p.isdigit())
    return key


def simple_release(text: str) -> Optional[Tuple[int, ...]]:
    """``2.1.2`` -> (2, 1, 2): a version of dot-separated digits only (at most 4 parts, 6 digits each),
    which ``packaging`` would normalize the same way; None for anything else."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() and p.isascii() and len(p) <= 6 for p in parts):
        return None
    return tuple(int(p) for p in parts)


def release_key(release: Tuple[int, ...]) -> Tuple[int, ...]:
    """Release numbers without trailing zeros: equal releases (``1.3``, ``1.3.0``) have equal keys."""
    parts = list(release)
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def placed(tables: Tables, text: str) -> Optional[Tuple[Tables, str]]:
    """A simple release (``0.10.4``) as a version of the tables: ``(tables, their spelling)`` when they
    know it (``1.3`` for ``1.3.0``), else ``(tables with it ranked, text)``, ranked where packaging orders it:
    after every known version whose base release is below it, before the rest. Its rank is then a
    half-way number; verbatim specifiers (``extras``) do not list it. None when ``text`` is not simple."""
    release = simple_release(text)
    if release is None:
        return None
    versions = tables["versions"]
    normal = ".".join(str(p) for p in release)
    if normal in versions:  # its own spelling first (``0.28`` is ``0.28``, not ``0.28.0``, when both are known)
        return tables, normal
    wanted = release_key(release)
    below = None  # the rank of the highest known release below it
    for known, entry in versions.items():
        found = simple_release(known)
        if found is None:
            continue  # pre-, post-, dev- or local versions: their base release is listed too
        key = release_key(found)
        if key == wanted:
            return tables, known
        if key < wanted and (below is None or entry[0] > below):
            below = entry[0]
    # everything whose base is at most that release (its post-releases too) comes before
    position = max((e[0] for e in versions.values() if below is not None and e[1] <= below), default=-1) + 0.5
    entry = (position, position, False, False, release[0])
    return {**tables, "versions": {**versions, text: entry}}, text


def rank(tables: Tables, text: str) -> int:
    """The order of a version the tables know (equal versions share one)."""
    found: int = tables["versions"][text][0]
    return found


def is_prerelease(tables: Tables, text: str) -> bool:
    return bool(tables["versions"][text][2])


def major(tables: Tables, text: str) -> int:
    major: int = tables["versions"][text][4]
    return major


def newest_first(tables: Tables, texts: "Sequence[str]") -> List[str]:
    return sorted(texts, key=lambda t: rank(tables, t), reverse=True)


def _tighter(a: Optional[Bound], b: Optional[Bound], tables: Tables, lower: bool) -> Optional[Bound]:
    if a is None or b is None:
        return a or b
    ra, rb = rank(tables, a[0]), rank(tables, b[0])
    if ra != rb:
        return a if (ra > rb) == lower else b
    return a if not a[1] else b


def range_intersect(tables: Tables, a: Range, b: Range) -> Range:
    """The versions both ranges allow (bounds keep their upstream text)."""
    extra = a[2] + tuple(e for e in b[2] if e not in a[2])
    return (_tighter(a[0], b[0], tables, True), _tighter(a[1], b[1], tables, False), extra)


def range_is_empty(tables: Tables, r: Range) -> bool:
    lower, upper = r[0], r[1]
    if lower is None or upper is None:
        return False
    rl, ru = rank(tables, lower[0]), rank(tables, upper[0])
    if rl != ru:
        return rl > ru
    return not (lower[1] and upper[1])


def range_pinned(tables: Tables, r: Range) -> Optional[str]:
    """The one version text an ``==`` range allows, else None."""
    lower, upper = r[0], r[1]
    if (lower and upper and lower[1] and upper[1] and rank(tables, lower[0]) == rank(tables, upper[0])
            and not r[2]):
        return lower[0]
    return None


def _parts(tables: Tables, r: Range) -> List[Tuple[str, str]]:
    lower, upper = r[0], r[1]
    parts = []
    if lower and upper and lower[1] and upper[1] and rank(tables, lower[0]) == rank(tables, upper[0]):
        parts.append(("==", lower[0]))
    else:
        if lower:
            parts.append((">=" if lower[1] else ">", lower[0]))
        if upper:
            parts.append(("<=" if upper[1] else "<", upper[0]))
    return parts


def range_text(tables: Tables, r: Range) -> str:
    """``>=1.3.8,<=1.6.0``: the range as upstream writes it."""
    return ",".join([op + text for op, text in _parts(tables, r)] + list(r[2]))


def range_contains(tables: Tables, r: Range, version: str) -> bool:
    """PEP 440 membership of a version the tables know, pre-releases included (upstream's import checks
    accept release candidates): ``<V`` excludes V's pre-releases and ``>V`` its post-releases, as
    packaging does."""
    rank, base, pre, post, _ = tables["versions"][version]
    for op, text in _parts(tables, r):
        other, other_base, other_pre, other_post, _ = tables["versions"][text]
        if op == "==":
            ok = rank == other
        elif op == ">=":
            ok = rank >= other
        elif op == "<=":
            ok = rank <= other
        elif op == "<":
            ok = rank < other and not (pre and not other_pre and base == other_base)
        else:
            ok = rank > other and not (post and not other_post and base == other_base)
        if not ok:
            return False
    return all(version in tables["extras"][spec] for spec in r[2])


def range_for(tables: Tables, dependency: DependencyData, policy: str) -> Optional[Range]:
    """A compiled dependency's range under ``policy``; ``safe`` intersects every source present (None when
    none, or not the one the policy names, has a range)."""
    documented, enforced, installer = dependency[2], dependency[3], dependency[4]
    if policy != "safe":
        return {"documented": documented, "enforced": enforced, "installer": installer}.get(policy)
    found: Optional[Range] = None
    for r in (documented, enforced, installer):
        if r is not None:
            found = r if found is None else range_intersect(tables, found, r)
    return found
