"""Versions and ranges: the one range algebra, and versions ordered by the ranks compiled into the tables
(:mod:`compat.data.tables`), without ``packaging``.

A range is ``(lower, upper, extra)``: bounds ``(text, inclusive)`` as written upstream, and verbatim
specifiers (``!=1.5.0``). Each rule of ranges (the tighter bound, emptiness, equality, reaching past an
upper bound, the pinned version, the parts a range is written as, PEP 440 membership) is written once
here, parametrised by how versions are ordered: the ``range_*`` functions by the tables' ranks
(``packaging`` ordered the versions when the tables were compiled, and listed the members of each
verbatim specifier), the typed :class:`~compat.data.ranges.Range` by ``packaging``'s ``Version``, for
texts no table ranks.
"""

from __future__ import annotations

from .vocabulary import SOURCES

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

    from .shapes import Bound, DependencyData, Tables
    from .shapes import RangeData as Range

    B = TypeVar("B", bound=Bound)
    R = TypeVar("R")
    #: a range: (lower, upper, verbatim extra specifiers), bounds (text as written, inclusive) or a subclass
    Span = Tuple[Optional[B], Optional[B], Tuple[str, ...]]
    #: how versions are ordered: a version's text -> a key that sorts as packaging sorts the versions
    Order = Callable[[str], Any]

__all__ = [
    "admits",
    "empty",
    "intersection",
    "is_prerelease",
    "major",
    "newest_first",
    "parts",
    "pinned_bound",
    "placed",
    "policy_range",
    "python_key",
    "range_contains",
    "range_for",
    "range_intersect",
    "range_is_empty",
    "range_pinned",
    "range_reaches_past",
    "range_same",
    "range_text",
    "rank",
    "reaches_past",
    "release_key",
    "same",
    "simple_release",
    "written",
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
    entry = (position, position, False, False, release[0], position, position, position)
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


# The range algebra; ``order`` is a bound's text -> a key that sorts as packaging sorts the versions.


def _tighter(a: Optional[B], b: Optional[B], order: Order, lower: bool) -> Optional[B]:
    """The tighter of two lower (``lower``) or upper bounds: the higher lower, the lower upper, at the same
    version the exclusive one; either when the other is None."""
    if a is None or b is None:
        return a or b
    ka, kb = order(a[0]), order(b[0])
    if ka != kb:
        return a if (ka > kb) == lower else b
    return a if not a[1] else b


def intersection(a: Span[B], b: Span[B], order: Order) -> Span[B]:
    """The versions both ranges allow (bounds keep their upstream text; extra specifiers of both, once)."""
    extra = a[2] + tuple(e for e in b[2] if e not in a[2])
    return (_tighter(a[0], b[0], order, True), _tighter(a[1], b[1], order, False), extra)


def empty(r: Span[B], order: Order) -> bool:
    """True when the bounds leave no version at all (extra specifiers are not asked)."""
    lower, upper = r[0], r[1]
    if lower is None or upper is None:
        return False
    kl, ku = order(lower[0]), order(upper[0])
    if kl != ku:
        return bool(kl > ku)
    return not (lower[1] and upper[1])


def same(a: Span[B], b: Span[B], order: Order) -> bool:
    """Whether two ranges allow the same versions: bounds at equal versions (``1.3`` is ``1.3.0``), alike
    inclusive or alike absent, and the same extra specifiers."""
    return _same_bound(a[0], b[0], order) and _same_bound(a[1], b[1], order) and set(a[2]) == set(b[2])


def _same_bound(a: Optional[B], b: Optional[B], order: Order) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(order(a[0]) == order(b[0])) and a[1] == b[1]


def reaches_past(r: Span[B], rule: Span[B], order: Order) -> bool:
    """True when ``r`` allows versions above ``rule``'s upper bound: ``rule`` has one and ``r``'s is looser
    (none, at a higher version, or inclusive where ``rule``'s excludes the same version)."""
    candidate, upper = r[1], rule[1]
    if upper is None:
        return False
    if candidate is None:
        return True
    above, bound = order(candidate[0]), order(upper[0])
    if above != bound:
        return bool(above > bound)
    return candidate[1] and not upper[1]


def _closed(r: Span[B], order: Order) -> Optional[B]:
    """The lower bound when both bounds include the same version (the range is ``==`` it), else None."""
    lower, upper = r[0], r[1]
    if lower is not None and upper is not None and lower[1] and upper[1] and order(lower[0]) == order(upper[0]):
        return lower
    return None


def pinned_bound(r: Span[B], order: Order) -> Optional[B]:
    """The bound of the one version an ``==`` range allows (no extra specifiers), else None."""
    return None if r[2] else _closed(r, order)


def parts(r: Span[B], order: Order) -> List[Tuple[str, str]]:
    """The bounds as upstream writes them, ``(operator, text)``: ``==`` for a closed range of one version."""
    same = _closed(r, order)
    if same is not None:
        return [("==", same[0])]
    lower, upper = r[0], r[1]
    found = []
    if lower is not None:
        found.append((">=" if lower[1] else ">", lower[0]))
    if upper is not None:
        found.append(("<=" if upper[1] else "<", upper[0]))
    return found


def written(r: Span[B], order: Order) -> str:
    """``>=1.3.8,<=1.6.0``: the range as upstream writes it, its extra specifiers last."""
    return ",".join([op + text for op, text in parts(r, order)] + list(r[2]))


def admits(r: Span[B], order: Order, below: Order, version: Any, stem: Any, extra: Callable[[str], bool]) -> bool:
    """PEP 440 membership, pre-releases included (upstream's import checks accept release candidates), as
    packaging 26 decides it. ``version`` is the key of the public version asked (a local label is
    ignored), ``stem`` the key of its release and pre-release segment alone (``1.0rc1`` of
    ``1.0rc1.post2.dev3``), ``below`` a bound's text -> the key ``<V`` admits versions below: V when it is
    a pre- or dev-release, else ``V.dev0`` (``<V`` excludes V's own pre-releases); ``>V`` excludes the
    versions whose stem is V (its post-releases, unless V is one). ``extra`` says whether an extra
    specifier admits the version."""
    for op, text in parts(r, order):
        if op == "<":
            ok = version < below(text)
        else:
            other = order(text)
            if op == "==":
                ok = version == other
            elif op == ">=":
                ok = version >= other
            elif op == "<=":
                ok = version <= other
            else:
                ok = version > other and stem != other
        if not ok:
            return False
    return all(extra(spec) for spec in r[2])


def _ranked(tables: Tables) -> Order:
    versions = tables["versions"]
    return lambda text: versions[text][0]


def range_intersect(tables: Tables, a: Range, b: Range) -> Range:
    """The versions both ranges allow (bounds keep their upstream text)."""
    return intersection(a, b, _ranked(tables))


def range_is_empty(tables: Tables, r: Range) -> bool:
    """True when the bounds leave no version at all."""
    return empty(r, _ranked(tables))


def range_pinned(tables: Tables, r: Range) -> Optional[str]:
    """The one version text an ``==`` range allows, else None."""
    bound = pinned_bound(r, _ranked(tables))
    return None if bound is None else bound[0]


def range_same(tables: Tables, a: Range, b: Range) -> bool:
    """Whether two ranges allow the same versions (:func:`same`)."""
    return same(a, b, _ranked(tables))


def range_reaches_past(tables: Tables, r: Range, rule: Range) -> bool:
    """True when ``r`` allows versions above ``rule``'s upper bound (:func:`reaches_past`)."""
    return reaches_past(r, rule, _ranked(tables))


def range_text(tables: Tables, r: Range) -> str:
    """``>=1.3.8,<=1.6.0``: the range as upstream writes it."""
    return written(r, _ranked(tables))


def range_contains(tables: Tables, r: Range, version: str) -> bool:
    """PEP 440 membership (:func:`admits`) of a version the tables know."""
    versions = tables["versions"]
    entry = versions[version]
    admitted = tables["extras"]
    return admits(r, _ranked(tables), lambda text: versions[text][6], entry[5], entry[7],
                  lambda spec: version in admitted[spec])


def policy_range(policy: str, sources: Tuple[Optional[R], Optional[R], Optional[R]],
                 intersect: Callable[[R, R], R]) -> Optional[R]:
    """A dependency's range under ``policy`` from its (documented, enforced, installer) ranges, compiled or
    typed: the one the policy names; for ``safe`` the intersection of every source present. None when
    none, or not the one the policy names, has a range."""
    if policy != "safe":
        return sources[_SOURCES[policy]] if policy in _SOURCES else None
    found: Optional[R] = None
    for r in sources:
        if r is not None:
            found = r if found is None else intersect(found, r)
    return found


_SOURCES = {source: index for index, source in enumerate(SOURCES)}


def range_for(tables: Tables, dependency: DependencyData, policy: str) -> Optional[Range]:
    """A compiled dependency's range under ``policy`` (:func:`policy_range`)."""
    return policy_range(policy, (dependency[2], dependency[3], dependency[4]),
                        lambda a, b: range_intersect(tables, a, b))
