"""Whole-stack resolution against the real matrix: answers, explanations word for word, properties."""

from __future__ import annotations

from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from compat import load_matrix
from compat.errors import BadInput
from compat.models import Matrix
from .conftest import ROOT
from compat.stack import Platform, StackUnsatisfiable, _try, parse_platform, parse_targets, resolve_stack


def solve(matrix: Matrix, targets: List[str], torch: str = "", cuda: str = "", policy: str = "safe",
          allow_build: bool = False, platform: str = "linux"):
    return resolve_stack(parse_targets(targets, matrix), matrix, parse_platform(platform, cuda, torch),
                         policy=policy, allow_build=allow_build)


@pytest.mark.parametrize(
    "targets, torch, cuda, expected",
    [
        (["mmpose==0.28.0"], "1.11.0", "11.3", ("mmpose==0.28.0", "mmcv-full==1.5.3")),
        (["mmpose==1.3.2", "mmdet"], "2.1.0", "11.8",
         ("mmpose==1.3.2", "mmdet==3.2.0", "mmcv==2.1.0", "mmengine>=0.9.0,<1.0.0")),
        (["mmpose>=0.28,<1", "mmdet<3"], "1.12.1", "cpu", ("mmpose==0.29.0", "mmdet==2.28.2", "mmcv-full==1.6.2")),
        (["0.28.0"], "", "", ("mmpose==0.28.0", "mmcv-full==1.5.3")),
        (["mmdet==2.28.2"], "1.11.0", "11.3", ("mmdet==2.28.2", "mmcv-full==1.7.1")),
        (["mmpose==1.0.0", "mmdet"], "1.13.1", "11.7", ("mmpose==1.0.0", "mmdet==3.0.0", "mmcv==2.0.1",
                                                      "mmengine>=0.7.1,<1.0.0")),
    ],
)
def test_stacks(matrix: Matrix, targets, torch, cuda, expected) -> None:
    assert solve(matrix, targets, torch, cuda).requirements == expected


def test_find_links_and_explanation(matrix: Matrix) -> None:
    stack = solve(matrix, ["mmpose==0.28.0"], "1.11.0", "11.3")
    assert stack.find_links == ("https://download.openmmlab.com/mmcv/dist/cu113/torch1.11.0/index.html",)
    assert stack.explanation == ("mmpose 0.28.0: the newest release that fits; mmcv-full 1.5.3: the newest in range "
                                 "with a prebuilt wheel for linux/CUDA 11.3/torch 1.11")
    stack = solve(matrix, ["mmpose==1.3.2"], "2.1.2", "cpu")
    assert stack.find_links == ("https://download.openmmlab.com/mmcv/dist/cpu/torch2.1/index.html",)
    unknown = solve(matrix, ["mmpose==0.28.0"])
    assert unknown.find_links == () and "wheel availability not checked" in unknown.explanation


# Real cases, asserted word for word: what clashes, and the ways out that were checked.
UNSATISFIABLE = [
    (["mmpose==0.28.0"], "1.12.1", "11.3", "safe",
     "nothing fits mmpose==0.28.0 on linux/CUDA 11.3/torch 1.12: mmpose 0.28.0 needs mmcv-full>=1.3.8,<1.6.0; "
     "prebuilt mmcv-full wheels for linux/CUDA 11.3/torch 1.12: 1.7.1, 1.7.0, 1.6.2, 1.6.1, 1.6.0. Ways out: "
     "another torch with a prebuilt wheel: torch 1.11 (mmcv-full 1.5.3), torch 1.10 (mmcv-full 1.5.3); "
     "--policy enforced (mmcv-full 1.6.0, which the import check accepts but the safe policy excludes); "
     "a newer mmpose: mmpose==0.29.0 (mmcv-full 1.6.2); "
     "--allow-build (mmcv-full 1.5.3 compiled from source: needs a compiler and CUDA toolkit, and takes long)"),
    (["mmpose==1.3.2", "mmdet"], "2.4.0", "12.1", "safe",
     "nothing fits mmpose==1.3.2; mmdet on linux/CUDA 12.1/torch 2.4: mmpose 1.3.2 needs mmcv>=2.0.1,<3.0.0; "
     "mmdet 3.2.0 needs mmcv>=2.0.0rc4,<2.2.0; mmpose 1.3.2 needs mmengine>=0.9.0,<1.0.0; mmdet 3.2.0 needs "
     "mmengine>=0.7.1,<1.0.0; prebuilt mmcv wheels for linux/CUDA 12.1/torch 2.4: 2.2.0. Ways out: another torch "
     "with a prebuilt wheel: torch 2.1 (mmcv 2.1.0); --allow-build (mmcv 2.1.0 compiled from source: needs a "
     "compiler and CUDA toolkit, and takes long)"),
    (["mmpose==1.3.2", "mmdet==2.28.2"], "1.12.1", "11.3", "safe",
     "nothing fits mmpose==1.3.2; mmdet==2.28.2 on linux/CUDA 11.3/torch 1.12: mmpose 1.3.2 and mmdet 2.28.2 "
     "need different mmcv lines. Ways out: an older mmpose: mmpose==0.29.0 (mmcv-full 1.6.2); a newer mmdet: "
     "mmdet==3.2.0 (mmcv 2.1.0)"),
]


@pytest.mark.parametrize("targets, torch, cuda, policy, message", UNSATISFIABLE)
def test_unsatisfiable_explanations_word_for_word(matrix: Matrix, targets, torch, cuda, policy, message) -> None:
    with pytest.raises(StackUnsatisfiable) as caught:
        solve(matrix, targets, torch, cuda, policy=policy)
    assert str(caught.value) == message
    assert caught.value.exit_code == 1


def test_no_release_in_range(matrix: Matrix) -> None:
    with pytest.raises(StackUnsatisfiable, match=r"^no known release matches mmpose>=5$"):
        solve(matrix, ["mmpose>=5"])


@pytest.mark.parametrize(
    "platform, cuda, torch, message",
    [
        ("solaris", "", "", "unknown platform 'solaris'; known: linux, windows, macos"),
        ("linux", "eleven", "", "not a CUDA version: 'eleven'; give e.g. 11.3, cu113 or cpu"),
        ("linux", "11.3", "new", "not a torch version: 'new'; give e.g. 1.12.1"),
    ],
)
def test_bad_platform(platform: str, cuda: str, torch: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_platform(platform, cuda, torch)
    assert str(caught.value) == message


def test_cuda_spellings() -> None:
    assert parse_platform("linux", "cu113", "1.12.1+cu113") == Platform("linux", "11.3", "1.12")
    assert parse_platform("windows", "CPU", "2.1") == Platform("windows", "cpu", "2.1")


def test_bad_targets(matrix: Matrix) -> None:
    with pytest.raises(BadInput, match="the matrix has no package 'torch'"):
        parse_targets(["torch==2.0"], matrix)
    with pytest.raises(BadInput, match="not a requirement"):
        parse_targets(["mmpose=="], matrix)


# ---- properties over real cases ----------------------------------------------------------------

_MATRIX = load_matrix(str(ROOT / "data" / "compat_matrix.toml"))

_BUILDS = st.sampled_from([("linux", "11.3", "1.12.1"), ("linux", "11.3", "1.11.0"), ("linux", "11.8", "2.1.0"),
                           ("linux", "cpu", "1.13.1"), ("windows", "11.3", "1.11.0"), ("linux", "11.7", "2.0.1"),
                           ("linux", "10.2", "1.8.1"), ("macos", "cpu", "2.1.0")])
_TARGETS = st.sampled_from([["mmpose==0.28.0"], ["mmpose==1.3.2"], ["mmpose>=0.20,<1"], ["mmpose>=1.0"],
                            ["mmpose==0.29.0", "mmdet"], ["mmpose==1.1.0", "mmdet"], ["mmdet>=3"], ["mmdet<3"],
                            ["mmpose"], ["mmpose", "mmdet"]])


@settings(max_examples=120, deadline=None)
@given(_TARGETS, _BUILDS, st.sampled_from(["safe", "enforced", "installer", "documented"]), st.booleans())
def test_answers_satisfy_every_source_and_nothing_newer_fits(targets, build, policy, allow_build) -> None:
    matrix = _MATRIX
    platform_name, cuda, torch = build
    try:
        stack = solve(matrix, targets, torch, cuda, policy, allow_build, platform_name)
    except StackUnsatisfiable:
        return
    releases = list(stack.releases.values())
    for release in releases:
        for dependency in release.dependencies:
            version_range = dependency.range_for(policy)
            if version_range is None:
                continue
            if dependency.name in stack.pins:
                assert version_range.contains(stack.pins[dependency.name]), (release.key, dependency.name)
            elif dependency.name in stack.ranges:
                assert str(stack.ranges[dependency.name].intersect(version_range)) == str(stack.ranges[dependency.name])
    if stack.mmcv and not stack.source_build:
        wheels = matrix.wheels[stack.mmcv].versions_for(platform_name, cuda, stack.platform.torch)
        assert stack.pins[stack.mmcv] in wheels
    # No newer consistent answer: every combination with a newer release of a target fails.
    parsed = parse_targets(targets, matrix)
    for target in parsed:
        chosen = stack.pins[target.name]
        for newer in matrix.packages[target.name].releases:
            if newer.version > chosen and newer.required and target.spec.contains(newer.version):
                combo = tuple(stack.releases[t.name] if t.name != target.name else newer for t in parsed)
                found, _, _ = _try(matrix, combo, stack.platform, policy, allow_build)
                assert found is None, (target.name, newer.key)


@pytest.mark.parametrize("policy", ["installer", "safe"])
def test_every_policy_keeps_the_import_checks(matrix: Matrix, policy: str) -> None:
    stack = solve(matrix, ["mmpose==1.3.2", "mmdet==3.2.0"], "2.1.0", "11.8", policy=policy)
    assert stack.pins["mmcv"] < Version("2.2.0")  # mmdet 3.2.0 asserts mmcv<2.2.0 at import


def test_a_release_silent_under_the_policy_keeps_its_import_check(matrix: Matrix) -> None:
    # mmdet has no documented facts: under --policy documented its import check (mmcv<2.2.0) still binds
    # (and mmpose's mmdet range is an installer fact, so that policy does not apply it).
    stack = solve(matrix, ["mmpose==1.3.2", "mmdet"], "2.1.0", "11.8", policy="documented")
    assert stack.pins["mmdet"] == Version("3.3.0") and stack.pins["mmcv"] == Version("2.1.0")
    alone = solve(matrix, ["mmdet==3.3.0"], "2.1.0", "11.8", policy="documented")
    assert alone.pins["mmcv"] == Version("2.1.0")


def test_mps_has_no_find_links_url(matrix: Matrix) -> None:
    stack = solve(matrix, ["mmpose==1.3.2"], "2.1.0", "mps", platform="macos", allow_build=True)
    assert stack.source_build and stack.find_links == ()


def test_other_required_distributions_get_ranges(matrix: Matrix) -> None:
    stack = solve(matrix, ["mmtrack==0.14.0"], "1.11.0", "11.3")
    assert "mmcls>=0.16.0,<1.0.0" in stack.requirements
