"""compat.data.ranks and the compiled tables against packaging: every range of the matrix admits exactly the
versions packaging admits, the range algebra ordered by the tables' ranks agrees with it ordered by packaging's
Version (the typed ranges), the tables survive marshal."""
from __future__ import annotations

import marshal
from typing import Any, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from compat.data import ranks
from compat.data.models import Matrix
from compat.data.ranges import Range
from compat.data.tables import compile_tables, lean_range, ranked, typed_range


@pytest.fixture(scope="module")
def tables(matrix: Matrix) -> Dict[str, Any]:
    return compile_tables(matrix)


def _ranges(matrix: Matrix) -> List[Range]:
    found: List[Range] = []
    for table in matrix.packages.values():
        for release in [*table.releases, *table.branches.values()]:
            for dependency in release.dependencies:
                for fact in (dependency.documented, dependency.enforced, dependency.installer):
                    if fact is not None and fact.range not in found:
                        found.append(fact.range)
    return found


def test_every_range_admits_exactly_what_packaging_admits(matrix: Matrix, tables: Dict[str, Any]) -> None:
    ranges = _ranges(matrix)
    assert len(ranges) > 50
    versions = list(tables["versions"])
    assert {"1.3.8", "2.0.0rc4", "1.6.0", "2.1.2"} <= set(versions)
    for r in ranges:
        lean = lean_range(r)
        assert lean is not None
        assert ranks.range_text(tables, lean) == str(r)
        assert ranks.range_is_empty(tables, lean) == r.is_empty
        specifier = SpecifierSet(str(r))
        for text in versions:
            admitted = specifier.contains(Version(text), prereleases=True)
            assert ranks.range_contains(tables, lean, text) == admitted == r.contains(Version(text)), (str(r), text)


def test_pre_and_post_releases_follow_pep_440(tables: Dict[str, Any]) -> None:
    """``<V`` excludes V's pre-releases, ``>V`` its post-releases, as packaging does."""
    below = ((None, ("2.0.0", False), ()))
    assert not ranks.range_contains(tables, below, "2.0.0rc4")
    assert ranks.range_contains(tables, below, "1.7.2")
    rc = ((None, ("2.0.0rc4", True), ()))
    assert ranks.range_contains(tables, rc, "2.0.0rc4")
    assert not ranks.range_contains(tables, rc, "2.0.0")


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_both_orderings_agree_with_packaging(matrix: Matrix, tables: Dict[str, Any], data: Any) -> None:
    """The one range algebra ordered by the tables' ranks and by packaging's Version: the same intersection,
    emptiness, pinned version and text, and the members packaging admits."""
    ranges = _ranges(matrix)
    a = data.draw(st.sampled_from(ranges))
    b = data.draw(st.sampled_from(ranges))
    typed = a.intersect(b)
    a_lean, b_lean = lean_range(a), lean_range(b)
    assert a_lean is not None and b_lean is not None
    lean = ranks.range_intersect(tables, a_lean, b_lean)
    assert ranks.range_text(tables, lean) == str(typed)
    assert ranks.range_is_empty(tables, lean) == typed.is_empty
    pinned = ranks.range_pinned(tables, lean)
    assert (Version(pinned) if pinned else None) == typed.pinned
    assert typed_range(lean) == typed
    version = data.draw(st.sampled_from(sorted(tables["versions"])))
    admitted = all(SpecifierSet(str(r)).contains(Version(version), prereleases=True) for r in (a, b))
    assert ranks.range_contains(tables, lean, version) == typed.contains(Version(version)) == admitted
    if typed.is_empty:
        assert not admitted


def _both_orderings(*texts: str) -> Any:
    """The ranges of ``texts`` as the tables hold them, tables that rank their bounds, and the typed ranges
    (ordered by packaging)."""
    typed = [Range.parse(text) for text in texts]
    lean = [lean_range(r) for r in typed]
    return lean, {"versions": ranked({b[0] for r in lean for b in r[:2] if b is not None})}, typed


@pytest.mark.parametrize(("a", "b", "same"), [
    (">=1.3,<2", ">=1.3.0,<2.0.0", True),
    ("", "", True),
    ("==1.5", ">=1.5.0,<=1.5", True),
    ("!=1.5.0,>=1", ">=1.0,!=1.5.0", True),
    (">=1.3", ">1.3", False),
    ("<2", "<=2", False),
    (">=1.3", ">=1.3,<2", False),
    ("<2", ">=1.3,<2", False),
    (">=1,!=1.5.0", ">=1", False),
    (">=1.3,<2", ">=1.3,<2.1", False),
])
def test_same_range(a: str, b: str, same: bool) -> None:
    """Two ranges allow the same versions when their bounds name equal versions alike inclusive (as packaging
    compares versions: ``1.3`` is ``1.3.0``) and their extra specifiers are the same."""
    lean, ranked_tables, typed = _both_orderings(a, b)
    assert ranks.range_same(ranked_tables, lean[0], lean[1]) is same
    assert ranks.same((typed[0].lower, typed[0].upper, typed[0].extra),
                      (typed[1].lower, typed[1].upper, typed[1].extra), Version) is same


@pytest.mark.parametrize(("r", "rule", "past"), [
    (">=1.3", "<2.0", True),
    ("", "<2", True),
    ("<=2.0", "<2", True),
    ("<2.1", "<2.0", True),
    ("==2.0.0", "<2", True),
    ("<2", "<2.0.0", False),
    ("<2.0", "<=2.0", False),
    ("<=2.0", "<=2", False),
    ("<1.9", "<2.0", False),
    ("<2.0", ">=1", False),
    ("", "", False),
])
def test_reaching_past_an_upper_bound(r: str, rule: str, past: bool) -> None:
    """A range reaches past a rule's upper bound when it allows a version above it: ``r`` admits one that
    ``rule`` does not, above every version ``rule`` admits (checked with packaging on versions around the
    bounds)."""
    lean, ranked_tables, typed = _both_orderings(r, rule)
    assert ranks.range_reaches_past(ranked_tables, lean[0], lean[1]) is past
    assert typed[0].reaches_past(typed[1]) is past
    upper = typed[1].upper
    if upper is not None:
        above = [v for v in (upper.version, Version(f"{upper.version}.post1"), Version("99"))
                 if v > upper.version or (upper.inclusive is False and v == upper.version)]
        assert any(SpecifierSet(r).contains(v, prereleases=True) and not SpecifierSet(rule).contains(v)
                   for v in above) is past


def test_tables_survive_marshal(tables: Dict[str, Any]) -> None:
    """They are stored in the wheel with marshal: everything in them is a type marshal keeps."""
    assert marshal.loads(marshal.dumps(tables)) == tables




_RELEASES = st.lists(st.integers(0, 12), min_size=1, max_size=4).map(lambda parts: ".".join(map(str, parts)))


@settings(max_examples=300, deadline=None)
@given(text=_RELEASES)
def test_a_release_the_tables_do_not_know_is_placed_where_packaging_orders_it(
        matrix: Matrix, tables: Dict[str, Any], text: str) -> None:
    """mmengine 0.10.4 is in no range of the matrix: placed among the known versions, every range
    (without verbatim specifiers, which list only known versions) admits it exactly as packaging does."""
    found = ranks.placed(tables, text)
    assert found is not None
    view, key = found
    assert Version(key) == Version(text)
    assert (view is tables) == (key != text or text in tables["versions"])
    for r in _ranges(matrix):
        lean = lean_range(r)
        assert lean is not None
        if not lean[2]:
            admitted = SpecifierSet(str(r)).contains(Version(text), prereleases=True)
            assert ranks.range_contains(view, lean, key) == admitted, (str(r), text)
    for known in tables["versions"]:  # and it sorts among every known version as packaging sorts it
        assert (ranks.rank(view, key) < ranks.rank(view, known)) == (Version(text) < Version(known)), known


def test_placing_refuses_what_is_not_a_simple_release(tables: Dict[str, Any]) -> None:
    assert ranks.placed(tables, "0.10.4") is not None and ranks.placed(tables, "0.10.4")[1] == "0.10.4"
    assert ranks.placed(tables, "1.3")[1] in ("1.3.0", "1.3")  # type: ignore[index]
    for text in ("0.10.4rc1", "2.1.0+cu118", "v1.0", "1!2.0", "", "1.0.post1"):
        assert ranks.placed(tables, text) is None
