from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import compat
from compat import harvest
from compat.answers.accepts import accepting, compatible
from compat.answers.resolver import find_release, nearest_releases, pip_lines, resolve
from compat.data.models import POLICIES, Matrix
from compat.errors import BadInput, CompatError, NoAnswer, UnknownRelease


def test_every_seed_row_is_the_safe_answer(seed_text: str, matrix: Matrix) -> None:
    rows = harvest.parse_faq_table(seed_text).rows
    assert rows, "the seed table parsed to nothing"
    for key, row in rows.items():
        ((name, spec),) = row.items()
        assert resolve(key, matrix=matrix).requirements == (f"{name}{spec}",), key


# (release, distribution, documented, enforced, installer) as read from upstream files at each tag.
SPREAD = [
    ("0.7.0", "mmcv-full", ">=1.1.1,<1.2", ">=1.1.1,<1.2", None),
    ("0.14.0", "mmcv-full", ">=1.1.3,<1.4.0", ">=1.1.3,<1.4.0", None),
    ("0.15.0", "mmcv-full", None, ">=1.3.2,<1.4.0", ">=1.3.2"),
    ("0.18.0", "mmcv-full", ">=1.3.8,<1.4.0", ">=1.3.8,<1.4.0", ">=1.3.8"),
    ("0.19.0", "mmcv-full", ">=1.3.8,<1.4.0", ">=1.3.8,<=1.4.0", ">=1.3.8"),
    ("0.28.0", "mmcv-full", ">=1.3.8,<1.6.0", ">=1.3.8,<=1.6.0", ">=1.3.8"),
    ("0.29.0", "mmcv-full", ">=1.3.8,<1.7.0", ">=1.3.8,<=1.7.0", ">=1.3.8"),
    ("0.28.0", "mmdet", None, None, ">=2.14.0"),
    ("0.16.0", "mmtrack", None, None, ">=0.5.0"),
    ("1.0.0b0", "mmcv", ">=2.0.0rc0", ">=2.0.0rc0,<=2.1.0", ">=2.0.0rc1"),
    ("1.0.0b0", "mmengine", ">=0.0.1", None, ""),
    ("1.0.0rc0", "mmengine", ">=0.0.1", ">=0.1.0,<=1.0.0", ""),
    ("1.0.0", "mmcv", ">=2.0.0", ">=2.0.0rc4,<=2.1.0", ">=2.0.0rc1,<2.1.0"),
    ("1.3.1", "mmcv", ">=2.0.1", ">=2.0.0rc4,<=2.3.0", ">=2.0.0,<2.2.0"),
    ("1.3.2", "mmcv", ">=2.0.1", ">=2.0.0rc4,<=3.0.0", ">=2.0.0,<3.0.0"),
    ("1.3.2", "mmengine", ">=0.9.0", ">=0.6.0,<=1.0.0", ">=0.4.0,<1.0.0"),
    ("1.3.2", "mmdet", None, None, ">=3.0.0,<3.3.0"),
    ("master", "mmcv-full", ">=1.3.8,<1.8.0", ">=1.3.8,<=1.8.0", ">=1.3.8"),
    ("1.x", "mmcv", None, ">=2.0.0rc4,<=2.1.0", ">=2.0.0,<2.1.0"),
]


def _spec(matrix: Matrix, key: str, name: str, source: str) -> Optional[str]:
    dependency = find_release(matrix, key).dependency(name)
    assert dependency is not None
    fact = dependency.fact(source)
    return None if fact is None else str(fact.range)


@pytest.mark.parametrize("key, name, documented, enforced, installer", SPREAD)
def test_three_sources_kept_apart(matrix: Matrix, key, name, documented, enforced, installer) -> None:
    assert _spec(matrix, key, name, "documented") == documented
    assert _spec(matrix, key, name, "enforced") == enforced
    assert _spec(matrix, key, name, "installer") == installer


@pytest.mark.parametrize(
    "target, policy, expected",
    [
        ("0.28.0", "safe", ("mmcv-full>=1.3.8,<1.6.0",)),
        ("0.28.0", "enforced", ("mmcv-full>=1.3.8,<=1.6.0",)),
        ("0.28.0", "installer", ("mmcv-full>=1.3.8",)),
        ("0.28.0", "documented", ("mmcv-full>=1.3.8,<1.6.0",)),
        ("v0.28.0", "safe", ("mmcv-full>=1.3.8,<1.6.0",)),
        ("mmpose==0.28.0", "safe", ("mmcv-full>=1.3.8,<1.6.0",)),
        (" MMPose == 0.28.0 ", "safe", ("mmcv-full>=1.3.8,<1.6.0",)),
        ("0.15.0", "safe", ("mmcv-full>=1.3.2,<1.4.0",)),
        # mmpose 1.3.2 imports mmdet: mmdet 3.2.0, the newest of its range (<3.3.0), asserts mmcv<2.2.0
        ("1.3.2", "safe", ("mmcv>=2.0.1,<2.2.0", "mmengine>=0.9.0,<1.0.0", "mmdet>=3.2.0,<3.3.0")),
        ("mmpose==1.3.2", "installer", ("mmcv>=2.0.0,<2.2.0", "mmengine>=0.7.1,<1.0.0", "mmdet>=3.2.0,<3.3.0")),
        # no source of the policy bounds mmdet: the newest that agrees, mmdet 3.3.0, keeps <2.2.0 too
        ("1.3.2", "enforced", ("mmcv>=2.0.0rc4,<2.2.0", "mmengine>=0.7.1,<1.0.0", "mmdet>=3.2.0")),
        ("1.3.0", "documented", ("mmcv>=2.0.1,<2.2.0", "mmengine>=0.9.0,<1.0.0", "mmdet>=3.2.0")),
        ("1.2.0", "safe", ("mmcv>=2.0.1,<2.2.0", "mmengine>=0.8.0,<1.0.0")),  # imports no mmdet
        ("1.0.0-rc1", "safe", ("mmcv>=2.0.0rc4,<=2.1.0", "mmengine>=0.6.0,<1.0.0")),
        ("1.0.0b0", "safe", ("mmcv>=2.0.0rc1,<=2.1.0", "mmengine>=0.0.1")),
        ("1.0.0b0", "installer", ("mmcv>=2.0.0rc1", "mmengine")),
        ("master", "safe", ("mmcv-full>=1.3.8,<1.8.0",)),
        ("0.x", "safe", ("mmcv-full>=1.3.8,<1.8.0",)),
        ("main", "safe", ("mmcv>=2.0.0,<2.2.0", "mmengine>=0.7.1,<1.0.0", "mmdet>=3.2.0,<3.3.0")),
        ("1.x", "safe", ("mmcv>=2.0.0,<2.1.0", "mmengine>=0.6.0,<1.0.0")),
        ("mmpose>=0.28,<1", "safe", ("mmcv-full>=1.3.8,<1.7.0",)),
    ],
)
def test_resolve(matrix: Matrix, target: str, policy: str, expected) -> None:
    assert resolve(target, policy=policy, matrix=matrix).requirements == expected


def test_library_api_reads_the_embedded_matrix() -> None:
    assert compat.mmcv_requirement("0.28.0") == "mmcv-full>=1.3.8,<1.6.0"
    # narrowed by the mmdet 1.3.2 imports (every mmdet 3.x asserts mmcv<2.2.0), as resolve answers
    assert compat.mmcv_requirement("1.3.2") == "mmcv>=2.0.1,<2.2.0"
    assert compat.mmcv_requirement("1.3.2", "enforced") == "mmcv>=2.0.0rc4,<2.2.0"
    assert compat.resolve("1.3.2").notes == (
        "adding mmdet: mmpose 1.3.2 imports it at mmpose/models/heads/hybrid_heads/rtmo_head.py:9",)
    assert compat.resolve("1.2.0").notes == ()
    resolution = compat.resolve("0.28.0", policy="installer")
    assert resolution.requirements == ("mmcv-full>=1.3.8",)
    assert resolution.matrix_origin == "embedded"
    with pytest.raises(AttributeError):
        resolution.policy = "safe"  # type: ignore[misc]


@pytest.mark.parametrize(
    "version, nearest",
    [("0.29.1", ("0.29.0", "0.28.1")), ("0.27.5", ("0.28.0", "0.27.0")), ("2.0.0", ("1.3.2", "1.3.1")),
     ("0.0.1", ("0.7.0", "0.6.0")), ("1.0.0rc2", ("1.0.0", "1.0.0rc1"))],
)
def test_nearest_releases(matrix: Matrix, version: str, nearest) -> None:
    assert nearest_releases(matrix.packages["mmpose"], Version(version)) == nearest


def test_unknown_release_carries_the_nearest(matrix: Matrix) -> None:
    with pytest.raises(UnknownRelease) as caught:
        resolve("0.29.1", matrix=matrix)
    assert caught.value.nearest == ("0.29.0", "0.28.1")
    assert str(caught.value) == "unknown mmpose release '0.29.1'; nearest known: 0.29.0, 0.28.1"
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    "target, message",
    [
        ("", "empty target; give a release such as 0.28.0 or a branch such as master"),
        ("foo", "unknown target 'foo'; give a release such as 0.28.0, mmpose==0.28.0, "
                "or a branch: 0.x, 1.x, main, master"),
        ("mmdet==2.25.0", "resolve answers what an mmpose release needs; to list the mmpose releases that accept "
                          "'mmdet==2.25.0', run: mmcompat compatible mmdet==2.25.0"),
        ("0.28.0.0.x!", "not a release, branch or requirement: '0.28.0.0.x!'; "
                        "give e.g. 0.28.0, mmpose==0.28.0 or one of 0.x, 1.x, main, master"),
        ("mmpose>=5", "no known mmpose release matches 'mmpose>=5'"),
        ("mmpose[all]==0.28.0", "give mmpose with a version only, not 'mmpose[all]==0.28.0'"),
    ],
)
def test_bad_targets(matrix: Matrix, target: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        resolve(target, matrix=matrix)
    assert str(caught.value) == message


def test_bad_policy(matrix: Matrix) -> None:
    with pytest.raises(BadInput, match=r"unknown policy 'newest'; known: safe, documented, enforced, installer"):
        resolve("0.28.0", policy="newest", matrix=matrix)


def test_no_answer(matrix: Matrix) -> None:
    with pytest.raises(NoAnswer, match="no documented range for mmcv-full in mmpose 0.15.0 "
                                       r"\(sources present: enforced, installer\); try --policy safe"):
        resolve("0.15.0", policy="documented", matrix=matrix)
    with pytest.raises(NoAnswer, match=r"no source records what mmpose 0\.6\.0 needs: mmpose/__init__\.py at v0\.6\.0"):
        resolve("0.6.0", matrix=matrix)


@pytest.mark.parametrize(
    "requirement, policy, expected",
    [
        ("mmcv-full==1.6.0", "safe", ["0.29.0", "0.28.1"]),
        ("mmcv-full==1.6.0", "enforced", ["0.29.0", "0.28.1", "0.28.0", "0.27.0", "0.26.0", "0.25.1"]),
        ("mmcv-full==1.7.0", "safe", []),
        ("mmcv-full==1.7.0", "enforced", ["0.29.0", "0.28.1"]),
        ("mmcv==2.1.0", "safe", ["1.3.2", "1.3.1", "1.3.0", "1.2.0", "1.0.0rc1", "1.0.0rc0", "1.0.0b0"]),
        ("mmengine==0.7.0", "safe", ["1.0.0", "1.0.0rc1", "1.0.0rc0", "1.0.0b0"]),
        ("mmdet==2.28.2", "safe", ["0.29.0", "0.28.1", "0.28.0", "0.27.0", "0.26.0", "0.25.1", "0.25.0", "0.24.0",
                                   "0.23.0", "0.22.0", "0.21.0", "0.20.0", "0.19.0", "0.18.0", "0.17.0", "0.16.0",
                                   "0.15.0", "0.14.0", "0.13.0"]),  # silent on mmdet, and their mmcv ranges meet
        # mmdet 3.x needs mmcv 2.x: no MMPose 0.x release can sit next to it (the stack resolver agrees)
        ("mmdet==3.2.0", "safe", ["1.3.2", "1.3.1", "1.3.0", "1.2.0", "1.0.0rc1", "1.0.0rc0", "1.0.0b0"]),
        # the lite mmcv is judged as the mmcv module it installs
        ("mmcv-lite==2.1.0", "safe", ["1.3.2", "1.3.1", "1.3.0", "1.2.0", "1.0.0rc1", "1.0.0rc0", "1.0.0b0"]),
        # an mmcv-full version never satisfies a release of the mmcv 2.x line, whatever its number
        ("mmcv-full==2.0.0", "safe", []),
    ],
)
def test_compatible(matrix: Matrix, requirement: str, policy: str, expected) -> None:
    releases = [r.key for r in compatible(requirement, policy=policy, matrix=matrix)]
    assert releases == expected


def test_branch_tips_are_answered_apart(matrix: Matrix) -> None:
    found = accepting("mmcv-full==1.7.0", matrix=matrix)
    assert found.releases == () and [b.key for b in found.branches] == ["master", "0.x"]


def test_an_unknown_release_of_another_package(matrix: Matrix) -> None:
    with pytest.raises(BadInput, match=r"^unknown mmdet release '3\.9\.0'; nearest known: "):
        accepting("mmdet==3.9.0", matrix=matrix)


# every distribution a release of the matrix records, and every package table
_RECORDED = ("mmaction2", "mmagic", "mmcls", "mmcv", "mmcv-full", "mmcv-lite", "mmdeploy", "mmdet", "mmdet3d", "mmedit",
             "mmengine", "mmfewshot", "mmflow", "mmgen", "mmhuman3d", "mmocr", "mmpretrain", "mmrazor", "mmrotate",
             "mmsegmentation", "mmselfsup", "mmtrack", "mmyolo", "onedl-mmdeploy", "onedl-mmdetection",
             "onedl-mmpretrain", "onedl-mmrotate", "onedl-mmsegmentation")


@pytest.mark.parametrize(
    "requirement, message",
    [
        ("mmcv-full>=1.6", "give one exact version, e.g. mmcv-full==1.6.0; got 'mmcv-full>=1.6'"),
        ("mmcv-full", "give one exact version, e.g. mmcv-full==1.6.0; got 'mmcv-full'"),
        ("torch==2.0",
         "no mmpose release records 'torch'; known: " + ", ".join(_RECORDED)),
        ("==1.0", "not a requirement: '==1.0'; give NAME==VERSION, e.g. mmcv-full==1.6.0"),
    ],
)
def test_compatible_bad_input(matrix: Matrix, requirement: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        compatible(requirement, matrix=matrix)
    assert str(caught.value) == message


@pytest.mark.parametrize("spelled", ["{key}", "v{key}", "V{key}", "mmpose=={key}", " mmpose == {key} ", "MMPose=={key}",
                                     "{key}.0", "mmpose==={key}", "{key};", "mmdet=={key}", "{key}rc9"])
def test_the_short_finder_names_what_the_typed_reader_names(matrix: Matrix, spelled: str) -> None:
    """release.find, the short path's reader of a plain target, either names the release the typed reader
    names or leaves the text to it; what the compiled rule answers is what resolve answers."""
    from compat.answers.release import find, needs, requirements
    from compat.data.tables import tables_for

    tables = tables_for(matrix)
    checked = 0
    for release in [*matrix.packages["mmpose"].releases, *matrix.packages["mmpose"].branches.values()]:
        text = release.key if release.is_branch else spelled.format(key=release.key)
        found = find(tables, "mmpose", text)
        if found is None:
            continue
        assert found[1] == find_release(matrix, text).key, text
        for policy in POLICIES:
            try:
                expected: Optional[str] = pip_lines(resolve(text, policy=policy, matrix=matrix).requirements)
            except CompatError:
                expected = None
            lines = requirements(tables, found, policy)
            assert (None if lines is None else pip_lines(lines)) == expected, (policy, text)
            if expected is not None:
                assert needs(tables, found, policy).notes == resolve(text, policy=policy, matrix=matrix).notes
            checked += 1
    assert checked > 100 or spelled in ("mmpose==={key}", "{key};", "mmdet=={key}", "{key}rc9")


# ---- properties -------------------------------------------------------------------------------------

_PROBES = sorted({Version(v) for v in [
    "1.0.0", "1.1.1", "1.1.3", "1.2", "1.2.7", "1.3", "1.3.0", "1.3.2", "1.3.7", "1.3.8", "1.3.18", "1.4.0",
    "1.4.8", "1.5.0", "1.5.3", "1.6.0", "1.6.2", "1.7.0", "1.7.2", "1.8.0", "2.0.0rc0", "2.0.0rc1", "2.0.0rc4",
    "2.0.0", "2.0.1", "2.1.0", "2.2.0", "2.3.0", "3.0.0", "0.0.1", "0.1.0", "0.4.0", "0.6.0", "0.7.0",
    "0.9.0", "0.10.7", "1.0.0rc0",
]})


def test_safe_is_within_every_source(matrix: Matrix) -> None:
    table = matrix.packages["mmpose"]
    for release in list(table.releases) + list(table.branches.values()):
        for dependency in release.dependencies:
            safe = dependency.range_for("safe")
            for source, fact in dependency.facts().items():
                for version in _PROBES:
                    if safe is not None and safe.contains(version):
                        assert fact.range.contains(version), (release.key, dependency.name, source, version)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_targets_raise_only_compat_errors(text: str) -> None:
    try:
        resolution = compat.resolve(text)
    except CompatError as e:
        assert "\n" not in str(e)
        return
    for line in resolution.requirements:
        _assert_pip_line(line)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.sampled_from((*POLICIES, "x")))
def test_arbitrary_requirements_raise_only_compat_errors(text: str, policy: str) -> None:
    try:
        compat.compatible(text, policy=policy)
    except CompatError as e:
        assert "\n" not in str(e)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([r for r in [
    "0.7.0", "0.8.0", "0.9.0", "0.10.0", "0.11.0", "0.12.0", "0.13.0", "0.14.0", "0.15.0", "0.16.0", "0.17.0",
    "0.18.0", "0.19.0", "0.20.0", "0.21.0", "0.22.0", "0.23.0", "0.24.0", "0.25.0", "0.25.1", "0.26.0", "0.27.0",
    "0.28.0", "0.28.1", "0.29.0", "1.0.0b0", "1.0.0rc0", "1.0.0rc1", "1.0.0", "1.1.0", "1.2.0", "1.3.0",
    "1.3.1", "1.3.2", "master", "0.x", "main", "1.x"]]), st.sampled_from(POLICIES))
def test_every_output_line_is_a_pip_requirement(key: str, policy: str) -> None:
    try:
        lines = compat.resolve(key, policy=policy).requirements
    except NoAnswer as e:
        # Only a policy that names one source can lack an answer for a listed release.
        assert policy != "safe", str(e)
        return
    for line in lines:
        _assert_pip_line(line)


def _assert_pip_line(line: str) -> None:
    parsed = Requirement(line)
    assert " " not in line and line.startswith(parsed.name)
    assert SpecifierSet(line[len(parsed.name):]) == parsed.specifier
    assert parsed.name in ("mmcv-full", "mmcv", "mmengine", "mmdet") and not parsed.marker and not parsed.extras


@pytest.mark.parametrize("policy", POLICIES)
def test_every_member_accepts_every_version_an_added_package_allows(matrix: Matrix, policy: str) -> None:
    """Where resolve adds a package a release imports (mmdet), each release of it the answer allows
    accepts (its enforced and policy ranges) every probed version of each range the answer gives, and
    the release asked accepts that release: any version pip picks within the lines works together."""
    table = matrix.packages["mmpose"]
    added = 0
    for release in [*table.releases, *table.branches.values()]:
        try:
            resolution = resolve(release.key, policy=policy, matrix=matrix)
        except CompatError:
            continue
        lines = {Requirement(line).name: Requirement(line).specifier for line in resolution.requirements}
        if "mmdet" not in lines:
            assert resolution.notes == (), release.key
            continue
        assert resolution.notes == (f"adding mmdet: mmpose {release.key} imports it at "
                                    "mmpose/models/heads/hybrid_heads/rtmo_head.py:9",)
        allowed = [r for r in matrix.packages["mmdet"].releases if lines["mmdet"].contains(r.version)]
        assert allowed, release.key
        asked = next(d for d in release.dependencies if d.name == "mmdet").range_for(policy)
        for mmdet in allowed:
            assert asked is None or asked.contains(mmdet.version), (release.key, mmdet.key)
            for dependency in mmdet.required:
                ranges = [r for r in (dependency.range_for(policy), dependency.range_for("enforced")) if r]
                for version in _PROBES:
                    if lines[dependency.name].contains(version, prereleases=True):
                        assert all(r.contains(version) for r in ranges), (release.key, mmdet.key, version)
        added += 1
    assert added >= 3  # 1.3.0 to 1.3.2 (and main) import mmdet


def test_an_imported_package_no_release_of_which_agrees(matrix: Matrix, tmp_path) -> None:
    """mmpose's range for the mmdet it imports holding only mmdet 2.x (mmcv-full, another line): no
    answer, and the error names the package and why it is needed."""
    from compat import load_matrix
    from compat.errors import Unsatisfiable

    text = Path(matrix.path).read_text(encoding="utf-8")
    marker = ('[mmpose.releases."1.3.2".mmdet]\noptional = true\ninstaller = { spec = ">=3.0.0,<3.3.0"')
    assert marker in text
    edited = tmp_path / "m.toml"
    edited.write_text(text.replace(marker, marker.replace(">=3.0.0,<3.3.0", ">=2.25.0,<3.0.0")), encoding="utf-8")
    with pytest.raises(Unsatisfiable) as caught:
        resolve("1.3.2", matrix=load_matrix(str(edited)))
    assert str(caught.value) == (
        "mmpose 1.3.2 leaves no version: no mmdet>=2.25.0,<3.0.0 release agrees with mmcv>=2.0.1,<3.0.0; "
        "mmengine>=0.9.0,<1.0.0 (mmpose 1.3.2 imports mmdet at mmpose/models/heads/hybrid_heads/rtmo_head.py:9)")
    assert caught.value.distribution == "mmdet"


def test_a_range_admits_pre_releases_only_when_it_names_one(matrix: Matrix) -> None:
    """Said explicitly, not left to packaging's default (packaging 26 admits 1.0.0rc1 here when not told)."""
    assert SpecifierSet(">0.29.0,!=1.0.0,<1.1.0").contains(Version("1.0.0rc1"), prereleases=True)
    with pytest.raises(BadInput) as refused:
        resolve("mmpose>0.29.0,!=1.0.0,<1.1.0", matrix=matrix)
    assert str(refused.value) == "no known mmpose release matches 'mmpose>0.29.0,!=1.0.0,<1.1.0'"
    assert resolve("mmpose>0.29.0,<=1.0.0rc1", matrix=matrix).release.key == "1.0.0rc1"
    from compat.answers.stack import lean_targets, parse_targets

    assert lean_targets(parse_targets(["mmpose>0.29.0,!=1.0.0,<1.1.0"], matrix), matrix)[0][1] == ()
    assert lean_targets(parse_targets(["mmpose>0.29.0,<=1.0.0rc1"], matrix), matrix)[0][1] == ("1.0.0rc1", "1.0.0rc0",
                                                                                                 "1.0.0b0")
