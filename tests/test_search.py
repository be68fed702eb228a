"""The stack search's compiled tables against packaging, and the short path's reading of targets against
the full parser: the same answers from plain data as from typed records."""

from __future__ import annotations

import marshal
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from compat import search
from compat.errors import BadInput
from compat.lean import read_targets, simple_release
from compat.models import Matrix
from compat.ranges import Range
from compat.stack import lean_targets, parse_targets
from compat.tables import compile_tables, lean_range, typed_range


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
        assert search.range_text(tables, lean) == str(r)
        assert search.range_is_empty(tables, lean) == r.is_empty
        for text in versions:
            assert search.range_contains(tables, lean, text) == r.contains(Version(text)), (str(r), text)


def test_pre_and_post_releases_follow_pep_440(tables: Dict[str, Any]) -> None:
    """``<V`` excludes V's pre-releases, ``>V`` its post-releases, as packaging does."""
    below = ((None, ("2.0.0", False), ()))
    assert not search.range_contains(tables, below, "2.0.0rc4")
    assert search.range_contains(tables, below, "1.7.2")
    rc = ((None, ("2.0.0rc4", True), ()))
    assert search.range_contains(tables, rc, "2.0.0rc4")
    assert not search.range_contains(tables, rc, "2.0.0")


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_intersections_agree_with_the_typed_ranges(matrix: Matrix, tables: Dict[str, Any], data: Any) -> None:
    ranges = _ranges(matrix)
    a = data.draw(st.sampled_from(ranges))
    b = data.draw(st.sampled_from(ranges))
    typed = a.intersect(b)
    a_lean, b_lean = lean_range(a), lean_range(b)
    assert a_lean is not None and b_lean is not None
    lean = search.range_intersect(tables, a_lean, b_lean)
    assert search.range_text(tables, lean) == str(typed)
    assert search.range_is_empty(tables, lean) == typed.is_empty
    pinned = search.range_pinned(tables, lean)
    assert (Version(pinned) if pinned else None) == typed.pinned
    assert typed_range(lean) == typed
    version = data.draw(st.sampled_from(sorted(tables["versions"])))
    assert search.range_contains(tables, lean, version) == typed.contains(Version(version))


def test_tables_survive_marshal(tables: Dict[str, Any]) -> None:
    """They are stored in the wheel with marshal: everything in them is a type marshal keeps."""
    assert marshal.loads(marshal.dumps(tables)) == tables


_TARGETS = [
    ["mmpose==1.3.2", "mmdet"], ["0.28.0"], ["v0.28.0"], ["mmpose"], ["mmdet==3.2.0"], ["MMPose==0.28"],
    ["mmpose == 1.3.2"], ["mmtrack", "mmpose==0.29.0"], ["mmdet==2.28.2", "mmpose==0.28.0"], ["mmpose==1.0"],
    ["mmpose==1.3.2.0"], ["mmpose==00.28.0"],
]
_DECLINED = [
    ["mmpose>=0.28,<1"], ["mmpose==1.3.*"], ["mmpose[all]==1.3.2"], ["mmpose==1.3.2; python_version>'3'"],
    ["master"], ["mmpos==1.3.2"], ["mmpose==9.9.9"], ["mmpose", "mmpose==1.3.2"], ["mmpose==1.3.2rc1"], [""],
    ["mmpose=="], ["==1.3.2"], ["mmcv-full==1.5.0"],
]


@pytest.mark.parametrize("texts", _TARGETS)
def test_short_targets_are_what_the_full_parser_reads(matrix: Matrix, tables: Dict[str, Any],
                                                      texts: List[str]) -> None:
    assert read_targets(tables, texts) == lean_targets(parse_targets(texts, matrix), matrix)


@pytest.mark.parametrize("texts", _DECLINED)
def test_anything_else_is_left_to_the_full_parser(matrix: Matrix, tables: Dict[str, Any], texts: List[str]) -> None:
    assert read_targets(tables, texts) is None


@pytest.mark.parametrize(("text", "release"), [
    ("2.1.2", (2, 1, 2)), ("2.1", (2, 1)), ("02.01.0", (2, 1, 0)), ("2.1.2+cu118", None), ("2.1.0rc1", None),
    ("", None), ("2..1", None), ("1" * 7, None), ("²", None), ("2.1.2.3.4", None),
])
def test_simple_releases(text: str, release: Optional[tuple]) -> None:  # type: ignore[type-arg]
    assert simple_release(text) == release
    if release is not None:
        assert Version(text).release == release


def test_the_machine_checks_are_the_full_paths(matrix: Matrix) -> None:
    from compat.stack import lean_machine, parse_machine

    for args in [("linux", "11.8", "2.1.2", "3.10"), ("macos", None, None, "3.11"), ("windows", "cu121", "2.1", None),
                 ("linux", "auto", "", "cp311")]:
        platform, cuda, torch, python = args
        typed = lean_machine(parse_machine(platform, cuda, torch, python))
        release = simple_release(torch) if torch else ()
        assert release is not None
        assert search.machine(platform, cuda, torch or "", release, python) == typed
    for bad in [("linux", "mps", None, None), ("beos", None, None, None), ("linux", "11", None, None),
                ("linux", None, None, "2.7")]:
        with pytest.raises(BadInput) as typed_error:
            parse_machine(*bad)
        with pytest.raises(BadInput) as lean_error:
            search.machine(bad[0], bad[1], "", (), bad[3])
        assert str(lean_error.value) == str(typed_error.value)


def test_the_wheel_table_json_is_the_json_of_its_rows(matrix: Matrix, tables: Dict[str, Any]) -> None:
    """``wheels --json`` writes one wheel per line by hand (the table has thousands): it must parse to
    exactly what json.dumps of the rows gives, odd characters included."""
    import json

    from compat.render_lean import wheels_json, wheels_json_text

    rows = search.wheel_rows(tables)
    assert len(rows) > 1000 and rows == search.all_wheel_rows(tables)
    odd = [("mmcv", "2.1.0", "linux", "12.1", "2.1", ("3.8",), "observed", 'a "quoted" \\ \u00e9 \u2028 \x7f'),
           ("mmcv", "2.1.0", "linux", "12.1", "2.1", (), "published", "")]
    for chosen in (rows, odd, []):
        text = wheels_json_text(chosen, "/m/compat_matrix.toml", "embedded")
        assert json.loads(text) == json.loads(json.dumps(wheels_json(chosen, "/m/compat_matrix.toml", "embedded")))
        assert text.count("\n") == len(chosen) + (6 if chosen else 5)
