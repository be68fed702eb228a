from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from compat.data import ranks
from compat.data.ranges import Range
from compat.data.tables import lean_range, ranked
from compat.errors import BadInput


@pytest.mark.parametrize(
    "text, rendered",
    [
        (">=1.3.8,<1.6.0", ">=1.3.8,<1.6.0"),
        ("<1.6.0,>=1.3.8", ">=1.3.8,<1.6.0"),
        ("<1.3, >=1.1.3", ">=1.1.3,<1.3"),
        ("", ""),
        ("==1.2.3", "==1.2.3"),
        (">=1.0,<=1.0", "==1.0"),
        ("~=1.4.2", ">=1.4.2,<1.5"),
        ("~=2.2", ">=2.2,<3"),
        (">=1.0,!=1.2.0", ">=1.0,!=1.2.0"),
        (">=2.0.0rc4,<=2.1.0", ">=2.0.0rc4,<=2.1.0"),
        (">=1,>=2,<5,<4", ">=2,<4"),
    ],
)
def test_parse_renders_tightest_bounds_as_written(text: str, rendered: str) -> None:
    assert str(Range.parse(text)) == rendered


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (">=1.3.8,<1.6.0", ">=1.3.8,<=1.6.0", ">=1.3.8,<1.6.0"),  # exclusive wins at the same version
        (">=1.3.8,<=1.6.0", ">=1.3.8", ">=1.3.8,<=1.6.0"),
        (">=2.0.1", ">=2.0.0rc4,<=3.0.0", ">=2.0.1,<=3.0.0"),
        (">1.0", ">=1.0", ">1.0"),
        (">=1.1.3,<1.3", ">=1.1.3,<1.4.0", ">=1.1.3,<1.3"),
        ("", ">=1", ">=1"),
    ],
)
def test_intersection(a: str, b: str, expected: str) -> None:
    assert str(Range.parse(a).intersect(Range.parse(b))) == expected
    assert str(Range.parse(b).intersect(Range.parse(a))) == expected


@pytest.mark.parametrize(
    "text, empty",
    [(">=2,<1", True), (">=1,<1", True), (">1,<=1", True), (">=1,<=1", False), (">=1", False), ("", False)],
)
def test_is_empty(text: str, empty: bool) -> None:
    assert Range.parse(text).is_empty is empty


@pytest.mark.parametrize(
    "text, version, inside",
    [
        (">=1.3.8,<=1.6.0", "1.6.0", True),
        (">=1.3.8,<1.6.0", "1.6.0", False),
        (">=2.0.0rc4,<=2.1.0", "2.0.0rc4", True),
        (">=2.0.0rc4,<=2.1.0", "2.0.0rc3", False),
        (">=2.0.0,<2.1.0", "2.1.0rc1", False),  # PEP 440: <V excludes V's pre-releases
        (">=2.0.0rc1,<2.1.0rc2", "2.1.0rc1", True),  # ...unless V is one
        (">1.0", "1.0.post1", False),  # >V excludes V's post-releases
        (">1.0.post1", "1.0.post2", True),  # ...unless V is one
        (">1.0rc1", "1.0rc1.post1", False),
        (">1.0rc1", "1.0.post1", True),  # (a post-release of 1.0, not of 1.0rc1)
        (">1.0", "1.0+cu118", False),  # a local label is ignored: 1.0+cu118 is 1.0
        (">1.0rc1", "1.0+cu118", True),
        ("<1.0.post1", "1.0.post1.dev1", False),  # <V excludes V's pre-releases, V a post-release too
        ("<1.0.post1", "1.0rc1", True),
        ("<=1.0,>=1.0", "1.0+cu118", True),  # bounds compare the public version
        (">0.9", "1.0+cu118", True),
        ("==1.0", "1.0.0+cu118", True),
        (">=1.0rc1,<=1.0rc1", "1.0rc1+abc", True),
        ("==1.0+cu118", "1.0+cu117", False),  # a local label is compared only when the specifier has one
        (">=1.0,!=1.2.0", "1.2", False),
    ],
)
def test_contains(text: str, version: str, inside: bool) -> None:
    """PEP 440 membership, packaging the oracle, in both orderings: packaging's Version (the typed range) and
    the ranks of tables compiled for the versions asked (a local version's public one ranked too)."""
    r = Range.parse(text)
    assert SpecifierSet(text).contains(Version(version), prereleases=True) is inside
    assert r.contains(Version(version)) is inside
    texts = {version, *(b.text for b in (r.lower, r.upper) if b is not None)}
    extras = {e: {t for t in texts if SpecifierSet(e).contains(Version(t), prereleases=True)} for e in r.extra}
    tables = {"versions": ranked(texts), "extras": extras}
    compiled = lean_range(r)
    assert compiled is not None and ranks.range_contains(tables, compiled, version) is inside


@pytest.mark.parametrize("text", ["abc", ">=", "=>1.0", "1.0"])
def test_bad_specifier_is_bad_input(text: str) -> None:
    with pytest.raises(BadInput, match="not a version specifier"):
        Range.parse(text)


_VERSIONS = ["0.9", "1.0", "1.0.0", "1.0.post1", "1.0.dev1", "1.1", "1.3.8", "1.4.0", "1.6.0", "2.0.0rc1",
             "2.0.0rc1.post1", "2.0.0", "2.1.0", "3", "1!1.0"]
_bounds = st.builds(
    lambda op, v: op + v, st.sampled_from([">=", ">", "<=", "<", "=="]), st.sampled_from(_VERSIONS)
)
_specs = st.lists(_bounds, max_size=3).map(",".join)
#: pre-, post-, dev- and local versions beside the bounds: where PEP 440's exclusions apply
_CANDIDATES = [*_VERSIONS, "1.5", "2.0.0rc4", "1.6.0.post1", "1.0+cu118", "1.0.post1+local", "1.0.post1.dev1",
               "2.0.0rc1+abc", "2.0.0+1c3f547", "1.0.post2", "3.post1.dev2", "2.0.0rc1.post2.dev1", "1.0a1",
               "2.0.0.post1", "1!1.0.post1"]


@given(_specs, _specs, st.sampled_from(_CANDIDATES))
def test_intersection_is_conjunction(a: str, b: str, candidate: str) -> None:
    """The one range algebra, ordered by packaging's Version, admits what packaging's SpecifierSet admits
    (PEP 440 as packaging 26 reads it)."""
    version = Version(candidate)
    both = Range.parse(a).intersect(Range.parse(b))
    expected = (SpecifierSet(a).contains(version, prereleases=True)
                and SpecifierSet(b).contains(version, prereleases=True))
    assert both.contains(version) is expected
    assert Range.parse(a).contains(version) is SpecifierSet(a).contains(version, prereleases=True)
    if both.is_empty:
        assert not expected


@given(_specs)
def test_render_round_trips(text: str) -> None:
    parsed = Range.parse(text)
    again = Range.parse(str(parsed))
    # The same versions (the text of a bound may change: ">=1.0,<=1.0.0" renders as "==1.0")...
    for a, b in ((parsed.lower, again.lower), (parsed.upper, again.upper)):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert (a.version, a.inclusive) == (b.version, b.inclusive)
    # ...and rendering is stable.
    assert str(again) == str(parsed) and " " not in str(parsed)
