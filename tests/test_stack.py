"""Whole-stack resolution against the real matrix: answers, explanations word for word, properties."""

from __future__ import annotations

from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from compat import load_matrix
from compat.answers.stack import Machine, StackTarget, StackUnsatisfiable, parse_machine, parse_targets, resolve_stack
from compat.answers.wheels import mmcv_wheel_versions
from compat.data.models import Matrix
from compat.environment.driver import Driver, parse_driver
from compat.errors import BadInput, NoAnswer

from .conftest import ROOT


def solve(matrix: Matrix, targets: List[str], torch: str = "", cuda: str = "", policy: str = "safe",
          allow_build: bool = False, platform: str = "linux", python: str = "3.8", driver: str = ""):
    machine = parse_machine(platform, cuda, torch, python, driver=Driver(driver, "test") if driver else None)
    return resolve_stack(parse_targets(targets, matrix), matrix, machine, policy=policy, allow_build=allow_build)


@pytest.mark.parametrize(
    "targets, torch, cuda, expected",
    [
        (["mmpose==0.28.0"], "1.11.0", "11.3", ("torch==1.11.0", "torchvision==0.12.0", "mmpose==0.28.0",
                                               "mmcv-full==1.5.3")),
        (["mmpose==1.3.2", "mmdet"], "2.1.0", "11.8",
         ("torch==2.1.0", "torchvision==0.16.0", "mmpose==1.3.2", "mmdet==3.2.0", "mmcv==2.1.0",
          "mmengine>=0.9.0,<1.0.0")),
        (["mmpose>=0.28,<1", "mmdet<3"], "1.12.1", "cpu", ("torch==1.12.1", "torchvision==0.13.1", "mmpose==0.29.0",
                                                          "mmdet==2.28.2", "mmcv-full==1.6.2")),
        # torch auto, no driver: the CPU; the newest torch with a wheel in range for CPython 3.8
        (["0.28.0"], "", "", ("torch==1.11.0", "torchvision==0.12.0", "mmpose==0.28.0", "mmcv-full==1.5.3")),
        # torch auto, CUDA given: the newest torch minor with that variant and a wheel, its newest patch
        (["0.28.0"], "", "11.3", ("torch==1.11.0", "torchvision==0.12.0", "mmpose==0.28.0", "mmcv-full==1.5.3")),
        (["mmdet==2.28.2"], "1.11.0", "11.3", ("torch==1.11.0", "torchvision==0.12.0", "mmdet==2.28.2",
                                              "mmcv-full==1.7.1")),
        (["mmpose==1.0.0", "mmdet"], "1.13.1", "11.7", ("torch==1.13.1", "torchvision==0.14.1", "mmpose==1.0.0",
                                                      "mmdet==3.0.0", "mmcv==2.0.1", "mmengine>=0.7.1,<1.0.0")),
    ],
)
def test_stacks(matrix: Matrix, targets, torch, cuda, expected) -> None:
    assert solve(matrix, targets, torch, cuda).requirements == expected


def test_find_links_and_explanation(matrix: Matrix) -> None:
    stack = solve(matrix, ["mmpose==0.28.0"], "1.11.0", "11.3")
    assert stack.find_links == ("https://download.openmmlab.com/mmcv/dist/cu113/torch1.11.0/index.html",)
    assert stack.explanation == (
        "mmpose 0.28.0: the newest release that fits; torch 1.11.0: the newest torch with a prebuilt mmcv-full for "
        "linux/CUDA 11.3/torch 1.11/CPython 3.8; mmcv-full 1.5.3: the newest in range with a prebuilt wheel for "
        "linux/CUDA 11.3/torch 1.11/CPython 3.8")
    assert stack.torch is not None and stack.torch.index_url == "https://download.pytorch.org/whl/cu113"
    stack = solve(matrix, ["mmpose==1.3.2"], "2.1.2", "cpu")
    assert stack.find_links == ("https://download.openmmlab.com/mmcv/dist/cpu/torch2.1/index.html",)
    assert stack.torch is not None and stack.torch.index_url == "https://download.pytorch.org/whl/cpu"


@pytest.mark.parametrize(
    "driver, python, expected",
    [
        # mmpose 1.3.2 imports mmdet, whose every 3.x asserts mmcv<2.2.0: mmcv 2.1.0, whose wheels stop at torch 2.1.
        # 525.60.13 runs every CUDA 12.x variant under minor-version compatibility: of torch 2.1's variants the
        # newest CUDA with a wheel is 12.1
        ("525.60.13", "3.11", ("2.1.2", "12.1", "2.1.0")),
        # 450.80.02 runs CUDA 11.x only
        ("450.80.02", "3.11", ("2.1.2", "11.8", "2.1.0")),
        # too old for any CUDA variant of a torch that has mmcv wheels: the CPU
        ("418.39", "3.11", ("2.1.2", "cpu", "2.1.0")),
        # CPython 3.8: the same, mmcv 2.1.0 has cp38 wheels
        ("525.60.13", "3.8", ("2.1.2", "12.1", "2.1.0")),
    ],
)
def test_torch_and_cuda_auto_follow_the_driver(matrix: Matrix, driver: str, python: str, expected) -> None:
    stack = solve(matrix, ["mmpose==1.3.2"], python=python, driver=driver)
    assert stack.torch is not None
    assert (stack.torch.version, stack.torch.cuda, str(stack.pins["mmcv"])) == expected
    assert stack.driver == Driver(driver, "test")


def test_installed_torch_is_pinned_not_replaced(matrix: Matrix) -> None:
    machine = parse_machine("linux", "12.1", "2.1.2", "3.11", torch_installed=True, torchvision="0.16.2")
    stack = resolve_stack(parse_targets(["mmpose==1.3.2"], matrix), matrix, machine)
    assert stack.requirements[:2] == ("torch==2.1.2", "torchvision==0.16.2")
    assert stack.torch is not None and stack.torch.installed and stack.pins["mmcv"] == Version("2.1.0")


def test_installed_torch_without_a_wheel_names_the_torch_to_switch_to(matrix: Matrix) -> None:
    machine = parse_machine("linux", "12.4", "2.5.1", "3.11", torch_installed=True, torchvision="0.20.1")
    with pytest.raises(StackUnsatisfiable) as caught:
        resolve_stack(parse_targets(["mmpose==1.3.2"], matrix), matrix, machine)
    # the build that keeps the installed torch comes first, then the torch to switch to
    assert "Ways out: --allow-build (mmcv 2.1.0 compiled from source against torch 2.5.1" in str(caught.value)
    assert "; switch the installed torch to torch 2.1.2 with CUDA 12.1, mmcv 2.1.0" in str(caught.value)


def test_a_release_that_imports_mmdet_gets_mmdet_every_member_accepts(matrix: Matrix) -> None:
    stack = solve(matrix, ["mmpose==1.3.2"], "2.1.0", "11.8")
    assert stack.requirements == ("torch==2.1.0", "torchvision==0.16.0", "mmpose==1.3.2", "mmdet==3.2.0",
                                  "mmcv==2.1.0", "mmengine>=0.9.0,<1.0.0")
    assert stack.notes == ("adding mmdet: mmpose 1.3.2 imports it at mmpose/models/heads/hybrid_heads/rtmo_head.py:9",)
    assert set(stack.releases) == {"mmpose", "mmdet"}
    asked = solve(matrix, ["mmpose==1.3.2", "mmdet"], "2.1.0", "11.8")  # asked for: the same stack, no note
    assert asked.requirements == stack.requirements and asked.notes == ()
    older = solve(matrix, ["mmpose==1.2.0"], "2.1.0", "11.8")  # imports no mmdet on its API's path
    assert "mmdet" not in older.pins and older.notes == ()


# Real cases, asserted word for word: what clashes, and the ways out that were checked.
UNSATISFIABLE = [
    (["mmpose==0.28.0"], "1.12.1", "11.3", "safe",
     "nothing fits mmpose==0.28.0 on linux/CPython 3.8/CUDA 11.3/torch 1.12.1: mmpose 0.28.0 needs "
     "mmcv-full>=1.3.8,<1.6.0; prebuilt mmcv-full wheels for linux/CUDA 11.3/torch 1.12/CPython 3.8: 1.7.1, 1.7.0, "
     "1.6.2, 1.6.1, 1.6.0. Ways out: --allow-build (mmcv-full 1.5.3 compiled from source against torch 1.12.1: "
     "needs a C++ compiler, ninja and nvcc of CUDA 11.3 (matching torch's CUDA); about 13 min for the CPU ops on 2 "
     "cores, longer for CUDA; unverified for this torch); another torch or CUDA: torch 1.11.0 with CUDA 11.3, "
     "mmcv-full 1.5.3; "
     "--policy enforced (mmcv-full 1.6.0, which the import check accepts but the safe policy excludes); "
     "a newer mmpose: mmpose==0.29.0 (torch 1.12.1 with CUDA 11.3, mmcv-full 1.6.2)"),
    # the example of the fresh-machine issue: no torch with CUDA 11.3 has a CPython 3.11 wheel
    (["mmpose==0.28.0"], "", "11.3", "safe",
     "nothing fits mmpose==0.28.0 on linux/CPython 3.11/CUDA 11.3/torch auto: mmpose 0.28.0 needs "
     "mmcv-full>=1.3.8,<1.6.0; no torch with a prebuilt mmcv-full>=1.3.8,<1.6.0 wheel for linux/CPython 3.11/"
     "CUDA 11.3/torch auto. Ways out: Python 3.10 (--python-version 3.10): torch 1.11.0 with CUDA 11.3, "
     "mmcv-full 1.5.3"),
    (["mmpose==1.3.2", "mmdet"], "2.4.0", "12.1", "safe",
     "nothing fits mmpose==1.3.2; mmdet on linux/CPython 3.8/CUDA 12.1/torch 2.4.0: mmpose 1.3.2 needs "
     "mmcv>=2.0.1,<3.0.0; mmdet 3.2.0 needs mmcv>=2.0.0rc4,<2.2.0; mmpose 1.3.2 needs mmengine>=0.9.0,<1.0.0; "
     "mmdet 3.2.0 needs mmengine>=0.7.1,<1.0.0; prebuilt mmcv wheels for linux/CUDA 12.1/torch 2.4/CPython 3.8: "
     "2.2.0. Ways out: --allow-build (mmcv 2.1.0 compiled from source against torch 2.4.0: needs a C++ compiler, "
     "ninja and nvcc of CUDA 12.1 (matching torch's CUDA); about 21 min for the CPU ops on 2 cores, longer for CUDA; "
     "unverified for this torch); another torch or CUDA: torch 2.1.2 with CUDA 12.1, mmcv 2.1.0"),
    (["mmpose==1.3.2", "mmdet==2.28.2"], "1.12.1", "11.3", "safe",
     "nothing fits mmpose==1.3.2; mmdet==2.28.2 on linux/CPython 3.8/CUDA 11.3/torch 1.12.1: mmpose 1.3.2 and mmdet "
     "2.28.2 need different mmcv lines. Ways out: an older mmpose: mmpose==0.29.0 (torch 1.12.1 with CUDA 11.3, "
     "mmcv-full 1.6.2); a newer mmdet: mmdet==3.2.0 (torch 1.12.1 with CUDA 11.3, mmcv 2.1.0)"),
]


@pytest.mark.parametrize("targets, torch, cuda, policy, message", UNSATISFIABLE)
def test_unsatisfiable_explanations_word_for_word(matrix: Matrix, targets, torch, cuda, policy, message) -> None:
    with pytest.raises(StackUnsatisfiable) as caught:
        solve(matrix, targets, torch, cuda, policy=policy, python="3.11" if targets == ["mmpose==0.28.0"] and not torch
              else "3.8")
    assert str(caught.value) == message
    assert caught.value.exit_code == 1


def test_no_release_in_range(matrix: Matrix) -> None:
    """The refusal names what the matrix knows of the package, and asks for a pre-release by name when
    every release is one (onedl-mmrotate's only release is 1.1.0rc0; pre-releases are taken only when named)."""
    table = matrix.packages["mmpose"]
    newest = [str(r.version) for r in table.releases if r.required][:6]
    with pytest.raises(StackUnsatisfiable) as caught:
        solve(matrix, ["mmpose>=5"])
    assert str(caught.value).startswith(f"no known release matches mmpose>=5; mmpose releases known: "
                                        f"{', '.join(newest)} and ")
    assert not caught.value.ways_out
    rotate = matrix.packages["onedl-mmrotate"]
    assert all(r.version.is_prerelease for r in rotate.releases)  # the case: only pre-releases
    with pytest.raises(StackUnsatisfiable) as caught:
        solve(matrix, ["onedl-mmrotate"])
    first = str(rotate.releases[0].version)
    assert f"onedl-mmrotate releases known: {first} (a pre-release)" in str(caught.value)
    assert caught.value.ways_out[-1].startswith(f"onedl-mmrotate=={first} ")
    asked = solve(matrix, [f"onedl-mmrotate=={first}"], "2.0.1", "cpu", python="3.10")  # the way out works
    assert str(asked.pins["onedl-mmrotate"]) == first


def test_a_codebase_that_records_nothing_is_said_so(matrix: Matrix) -> None:
    """mmdeploy asserts no version and has no installer file: its note, not 'no known release', alone or
    beside a codebase that does record its needs."""
    for targets in (["mmdeploy==1.3.1"], ["mmdet==3.3.0", "mmdeploy"]):
        with pytest.raises(NoAnswer) as caught:
            solve(matrix, targets)
        assert str(caught.value) == ("no source records what mmdeploy 1.3.1 needs: mmdeploy/__init__.py at v1.3.1 "
                                     "asserts no version, there is no requirements/mminstall.txt and no FAQ row")
        assert caught.value.exit_code == 1
    assert solve(matrix, ["mmdet==3.3.0"]).pins["mmdet"] == Version("3.3.0")


@pytest.mark.parametrize(
    "platform, cuda, torch, python, message",
    [
        ("solaris", "", "", "3.8", "unknown platform 'solaris'; known: linux, windows, macos"),
        ("linux", "eleven", "", "3.8", "not a CUDA version: 'eleven'; give e.g. 11.3, cu113, cpu or auto"),
        ("linux", "11.3", "new", "3.8", "not a torch version: 'new'; give e.g. 1.12.1, 2.1 or auto"),
        ("linux", "11.3", "", "three", "not a CPython version: 'three'; give e.g. 3.10"),
        ("linux", "11.3", "", "2.7", "not a CPython version: '2.7'; give e.g. 3.10"),
        ("macos", "11.3", "", "3.8", "'11.3' does not exist on macos: torch has CUDA builds for linux and windows, "
                                     "MPS (the same wheel as cpu) on macos"),
        ("linux", "mps", "", "3.8", "'mps' does not exist on linux: torch has CUDA builds for linux and windows, "
                                    "MPS (the same wheel as cpu) on macos"),
    ],
)
def test_bad_machine(platform: str, cuda: str, torch: str, python: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_machine(platform, cuda, torch, python)
    assert str(caught.value) == message


def test_spellings() -> None:
    assert parse_machine("linux", "cu113", "1.12.1+cu113", "cp310") == Machine("linux", "3.10", "11.3", "1.12.1")
    assert parse_machine("windows", "CPU", "2.1", "3.11.7") == Machine("windows", "3.11", "cpu", "2.1")
    assert parse_machine("linux", "auto", "auto", "3.12") == Machine("linux", "3.12", "", "")


def test_bad_targets(matrix: Matrix) -> None:
    with pytest.raises(BadInput, match="the matrix has no package 'torch'"):
        parse_targets(["torch==2.0"], matrix)
    with pytest.raises(BadInput, match="not a requirement"):
        parse_targets(["mmpose=="], matrix)


# ---- properties over real cases ----------------------------------------------------------------

_MATRIX = load_matrix(str(ROOT / "data" / "compat_matrix.toml"))

_BUILDS = st.sampled_from([("linux", "11.3", "1.12.1"), ("linux", "11.3", "1.11.0"), ("linux", "11.8", "2.1.0"),
                           ("linux", "cpu", "1.13.1"), ("windows", "11.3", "1.11.0"), ("linux", "11.7", "2.0.1"),
                           ("linux", "10.2", "1.8.1"), ("macos", "cpu", "2.1.0"), ("linux", "", ""),
                           ("linux", "11.3", ""), ("linux", "12.1", ""), ("windows", "", "")])
_PYTHONS = st.sampled_from(["3.7", "3.8", "3.10", "3.11", "3.12"])
_TARGETS = st.sampled_from([["mmpose==0.28.0"], ["mmpose==1.3.2"], ["mmpose>=0.20,<1"], ["mmpose>=1.0"],
                            ["mmpose==0.29.0", "mmdet"], ["mmpose==1.1.0", "mmdet"], ["mmdet>=3"], ["mmdet<3"],
                            ["mmpose"], ["mmpose", "mmdet"]])


@settings(max_examples=150, deadline=None)
@given(_TARGETS, _BUILDS, _PYTHONS, st.sampled_from(["safe", "enforced", "installer", "documented"]), st.booleans(),
       st.sampled_from(["", "450.80.02", "525.60.13"]))
def test_answers_satisfy_every_source_and_nothing_newer_fits(targets, build, python, policy, allow_build,
                                                             driver) -> None:
    matrix = _MATRIX
    platform_name, cuda, torch = build
    try:
        stack = solve(matrix, targets, torch, cuda, policy, allow_build, platform_name, python, driver)
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
    assert stack.torch is not None
    if stack.mmcv and not stack.source_build:
        # every binary exists: the mmcv wheel for the platform, CUDA, torch and CPython, and torch itself
        wheels = mmcv_wheel_versions(matrix, stack.mmcv, platform_name, stack.platform.cuda, stack.platform.torch,
                                     python)
        assert stack.pins[stack.mmcv] in wheels
        release = matrix.torch.release(Version(stack.torch.version))
        assert release is not None and release.has_wheel(platform_name, python)
        assert stack.platform.cuda in (*release.cuda, "cpu", "mps")
        if cuda:
            assert stack.platform.cuda == cuda
        elif driver and platform_name != "macos" and stack.platform.cuda != "cpu":
            assert parse_driver(driver) >= parse_driver(matrix.nvidia.minimum(stack.platform.cuda, platform_name))
        if torch:
            assert stack.torch.version == torch
    # No newer consistent answer: every combination with a newer release of a target fails.
    parsed = parse_targets(targets, matrix)
    for target in parsed:
        chosen = stack.pins[target.name]
        for newer in matrix.packages[target.name].releases:
            if newer.version > chosen and newer.required and target.spec.contains(newer.version):
                combo = [stack.releases[t.name] if t.name != target.name else newer for t in parsed]
                pinned = [StackTarget(r.package, SpecifierSet(f"=={r.version}"), r.key) for r in combo]
                machine = parse_machine(platform_name, cuda, torch, python,
                                        driver=Driver(driver, "test") if driver else None)
                with pytest.raises(StackUnsatisfiable):
                    resolve_stack(pinned, matrix, machine, policy=policy, allow_build=allow_build)


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
    assert stack.find_links == ()


def test_other_required_distributions_get_ranges(matrix: Matrix) -> None:
    stack = solve(matrix, ["mmtrack==0.14.0"], "1.11.0", "11.3")
    assert "mmcls>=0.16.0,<1.0.0" in stack.requirements


def test_onedl_provides_mmcv_for_torch_openmmlab_never_built_for(matrix: Matrix) -> None:
    with pytest.raises(StackUnsatisfiable, match=r"Ways out: --allow-build .*; --provider onedl \(torch 2\.8\.0 with "
                                                 r"CUDA 12\.8"):
        solve(matrix, ["mmpose==1.3.2"], "", "12.8", python="3.10")  # OpenMMLab built nothing for CUDA 12.8
    machine = parse_machine("linux", "12.8", "", "3.10")
    onedl = resolve_stack(parse_targets(["mmpose==1.3.2"], matrix), matrix, machine, provider="onedl")
    assert onedl.requirements == ("torch==2.8.0", "torchvision==0.23.0", "mmpose==1.3.2", "onedl-mmdetection==3.5.1",
                                  "onedl-mmcv==2.3.6", "onedl-mmengine>=0.9.0,<1.0.0")
    assert onedl.notes == ("adding onedl-mmdetection 3.5.1 for mmdet: mmpose 1.3.2 imports mmdet at "
                           "mmpose/models/heads/hybrid_heads/rtmo_head.py:9; onedl-mmdetection installs mmdet and "
                           "asserts no mmcv version",)
    assert onedl.find_links == ("https://mmwheels.onedl.ai/cu128-torch280/simple/onedl-mmcv/index.html",)
    assert "onedl-mmcv 2.3.6 (imports as mmcv; onedl's prebuilt wheels)" in onedl.explanation
    mirrored = resolve_stack(parse_targets(["mmpose==1.3.2"], matrix), matrix, machine, provider="onedl",
                             onedl_base="https://wheels.example.org")
    assert mirrored.find_links == ("https://wheels.example.org/cu128-torch280/simple/onedl-mmcv/index.html",)


def test_a_fixed_torch_only_onedl_serves_is_named_as_a_way_out(matrix: Matrix) -> None:
    with pytest.raises(StackUnsatisfiable) as caught:
        solve(matrix, ["mmpose==1.3.2"], "2.8.0", "12.8", python="3.10")
    assert "; --provider onedl (torch 2.8.0 with CUDA 12.8, onedl-mmcv 2.3.6)" in str(caught.value)
    machine = parse_machine("linux", "12.8", "2.8.0", "3.10")
    found = resolve_stack(parse_targets(["mmpose==1.3.2"], matrix), matrix, machine, provider="any")
    assert found.provider == "onedl" and found.pins["onedl-mmcv"] == Version("2.3.6")


def test_every_import_check_still_rules_with_onedl(matrix: Matrix) -> None:
    """mmdet 3.2.0 asserts mmcv<2.2.0 at import: no onedl-mmcv 2.3.x can sit beside it."""
    machine = parse_machine("linux", "12.8", "2.8.0", "3.10")
    with pytest.raises(StackUnsatisfiable) as caught:
        resolve_stack(parse_targets(["mmpose==1.3.2", "mmdet==3.2.0"], matrix), matrix, machine, provider="onedl")
    message = str(caught.value)
    assert "mmdet 3.2.0 needs mmcv>=2.0.0rc4,<2.2.0" in message
    assert "prebuilt onedl-mmcv wheels for linux/CUDA 12.8/torch 2.8/CPython 3.10: 2.3.6" in message
    assert "none in the range mmcv>=2.0.1,<2.2.0" in message
    with pytest.raises(StackUnsatisfiable, match="the onedl provider makes no mmcv-full"):
        resolve_stack(parse_targets(["mmpose==0.28.0"], matrix), matrix, machine, provider="onedl")


def test_torch_without_cuda_takes_the_drivers_cuda(matrix: Matrix) -> None:
    """--torch alone: the CUDA variant comes from the driver (auto), never 'not checked'."""
    stack = solve(matrix, ["mmpose==1.3.2"], "2.1.2", "", python="3.11", driver="535.104.05")
    assert (stack.torch.version if stack.torch else "", stack.platform.cuda) == ("2.1.2", "12.1")
    cpu = solve(matrix, ["mmpose==1.3.2"], "2.1.2", "", python="3.11")  # no driver: the CPU
    assert cpu.platform.cuda == "cpu" and cpu.find_links == (
        "https://download.openmmlab.com/mmcv/dist/cpu/torch2.1/index.html",)


# ---- source builds that keep the user's torch ------------------------------------------------------

def _modern_grid(matrix: Matrix) -> List[tuple]:
    """Every real torch >= 2.5 build for Linux the matrix's torch table knows: each release's CPU build and
    CUDA variants, on each CPython 3.10-3.13 it has wheels for, with its torchvision."""
    assert matrix.torch is not None
    grid = []
    for release in matrix.torch.releases:
        if release.version < Version("2.5"):
            continue
        for python in release.python["linux"]:
            if python in ("3.10", "3.11", "3.12", "3.13"):
                for cuda in ("cpu", *release.cuda):
                    grid.append((str(release.version), cuda, python, str(release.torchvision or "")))
    return grid


def _kept(matrix: Matrix, provider: str, allow_build: bool) -> int:
    from compat.answers.search import solve as search_solve
    from compat.answers.stack import lean_machine, lean_targets
    from compat.data.tables import tables_for

    tables = tables_for(matrix)
    targets = lean_targets(parse_targets(["mmpose==1.3.2"], matrix), matrix)
    kept = 0
    for torch, cuda, python, torchvision in _modern_grid(matrix):
        machine = parse_machine("linux", cuda, torch, python, torch_installed=True, torchvision=torchvision)
        try:
            answer = search_solve(tables, targets, lean_machine(machine), allow_build=allow_build, provider=provider)
        except StackUnsatisfiable as e:
            if not allow_build:  # every refusal names the build that keeps the torch, first
                assert e.ways_out and e.ways_out[0].startswith("--allow-build"), e
            elif provider == "openmmlab":  # CPython 3.13: onedl-mmcv's build, which keeps it
                assert python == "3.13" and e.ways_out[0].startswith("--allow-build --provider onedl"), e
            continue
        assert answer["torch"]["version"] == torch and answer["torch"]["installed"]
        kept += 1
    return kept


def test_allow_build_keeps_the_installed_torch_across_the_modern_grid(matrix: Matrix) -> None:
    grid = _modern_grid(matrix)
    assert len(grid) > 200
    # before the build table: 0 with the default provider, 15 with --provider any, and --allow-build added none
    assert _kept(matrix, "openmmlab", False) == 0
    assert _kept(matrix, "any", False) == 15
    built_any = _kept(matrix, "any", True)
    built_openmmlab = _kept(matrix, "openmmlab", True)
    print(f"kept torch: any {built_any}/{len(grid)}, openmmlab {built_openmmlab}/{len(grid)}")
    assert built_any >= 0.95 * len(grid)
    # OpenMMLab's mmcv cannot be built on CPython 3.13 (its setup.py's get_version): the rest builds, and
    # each 3.13 refusal names onedl-mmcv's build first (measured 2026-12-01: 243 builds; 182 openmmlab,
    # 243 onedl, 243 any)
    assert built_openmmlab == len([g for g in grid if g[2] != "3.13"])
    assert _kept(matrix, "onedl", True) == len(grid)


def test_the_issue_case_builds_onedl_against_the_installed_cpu_torch(matrix: Matrix) -> None:
    machine = parse_machine("linux", "cpu", "2.13.0", "3.11", torch_installed=True, torchvision="0.28.0")
    targets = parse_targets(["mmpose==1.3.2"], matrix)
    stack = resolve_stack(targets, matrix, machine, allow_build=True, provider="onedl")
    assert (stack.mmcv, str(stack.pins["onedl-mmcv"]), stack.source_build) == ("onedl-mmcv", "2.3.6", True)
    assert stack.torch is not None and stack.torch.installed and stack.torch.version == "2.13.0"
    assert stack.warnings == ()  # built here against 2.13
    # OpenMMLab's line: mmdet 3.2.0, which mmpose 1.3.2 imports, asserts mmcv<2.2.0, so mmcv 2.1.0, built with a
    # warning (no build of it against 2.13 is on record)
    stack = resolve_stack(targets, matrix, machine, allow_build=True)
    assert (stack.mmcv, str(stack.pins["mmcv"]), str(stack.pins["mmdet"])) == ("mmcv", "2.1.0", "3.2.0")
    assert stack.warnings == ("warning: mmcv 2.1.0 is not known to build against torch 2.13.0 (newer than every "
                              "build on record): the build is unverified",)
    # any: no prebuilt wheel for 2.13, so the build that fits best: the newest version known to build
    stack = resolve_stack(targets, matrix, machine, allow_build=True, provider="any")
    assert (stack.mmcv, str(stack.pins["onedl-mmcv"])) == ("onedl-mmcv", "2.3.6")


def test_a_torch_newer_than_every_build_is_planned_with_a_warning(matrix: Matrix) -> None:
    machine = parse_machine("linux", "cpu", "2.15.0", "3.12", torch_installed=True)
    stack = resolve_stack(parse_targets(["mmpose==1.3.2"], matrix), matrix, machine, allow_build=True,
                          provider="onedl")
    assert stack.source_build and stack.torch is not None and stack.torch.version == "2.15.0"
    assert stack.warnings == ("warning: onedl-mmcv 2.3.6 is not known to build against torch 2.15.0 (newer than "
                              "every build on record): the build is unverified",)


def test_openmmlab_mmcv_is_not_built_on_python_313(matrix: Matrix) -> None:
    machine = parse_machine("linux", "cpu", "2.13.0", "3.13", torch_installed=True)
    targets = parse_targets(["mmpose==1.3.2"], matrix)
    with pytest.raises(StackUnsatisfiable) as caught:
        resolve_stack(targets, matrix, machine)
    # the build that fits is onedl-mmcv's, named with what it needs and how long it took here
    assert caught.value.ways_out[0] == (
        "--allow-build --provider onedl (onedl-mmcv 2.3.6 compiled from source against torch 2.13.0: needs a C++ "
        "compiler, ninja; about 16-29 min for the CPU ops on 2 cores)")
    with pytest.raises(StackUnsatisfiable):
        resolve_stack(targets, matrix, machine, allow_build=True)


def test_no_torch_whose_torchvision_has_no_wheel_for_the_python(matrix: Matrix) -> None:
    """torch 1.13.1 has a CPython 3.11 wheel, torchvision 0.14.1 none (pytorch/vision#6959): a plan pinning
    the pair on 3.11 could never install, so mmpose 0.28.0 (mmcv-full<1.6.0, built only against torch 1.x)
    fits nothing there, even compiled; on CPython 3.10 the build against torch 1.13.1 stays."""
    release = matrix.torch.release(Version("1.13.1")) if matrix.torch is not None else None
    assert release is not None and "3.11" in release.python["linux"] and not release.has_wheel("linux", "3.11")
    assert release.installable("linux") == ("3.7", "3.8", "3.9", "3.10")
    with pytest.raises(StackUnsatisfiable) as caught:
        solve(matrix, ["mmpose==0.28.0"], "", "cpu", allow_build=True, python="3.11")
    assert str(caught.value) == (
        "nothing fits mmpose==0.28.0 on linux/CPython 3.11/CPU/torch auto: mmpose 0.28.0 needs "
        "mmcv-full>=1.3.8,<1.6.0; no torch with a prebuilt mmcv-full>=1.3.8,<1.6.0 wheel for linux/CPython 3.11/CPU/"
        "torch auto; no build "
        "either: mmcv-full 1.5.3 and the others in range are built only against torch 1.x, and no torch 1.x has "
        "wheels (with its torchvision) for linux/CPython 3.11. Ways out: Python 3.10 (--python-version 3.10): torch "
        "1.11.0 with CPU, mmcv-full 1.5.3")
    with pytest.raises(StackUnsatisfiable) as caught:
        solve(matrix, ["mmpose==0.28.0"], "1.13.1", "cpu", allow_build=True, python="3.11")
    assert "; torchvision 0.14.1 (the one made for torch 1.13.1) has no CPython 3.11 wheel for linux; no build " \
        "either: " in str(caught.value)
    built = solve(matrix, ["mmpose==0.28.0"], "1.13.1", "cpu", allow_build=True, python="3.10")
    assert built.source_build and built.requirements[:2] == ("torch==1.13.1", "torchvision==0.14.1")


def test_with_torch_free_a_torch_built_here_comes_before_a_newer_one_only_upstream_reports(matrix: Matrix) -> None:
    """No torch installed: onedl-mmcv 2.3.6 with the CI matrix's word for torch 2.4-2.12 and a verified
    build here against 2.8 (a stand-in for the real 2.13 row) is planned against 2.8, not 2.12; with
    torch 2.12 installed, that torch is kept (upstream's word is enough for it)."""
    from compat.data.record import replace

    assert matrix.build is not None
    rows = tuple(replace(r, torch_minimum="2.8", torch_maximum="2.8")
                 if r.distribution == "onedl-mmcv" and r.verified else r for r in matrix.build.against)
    changed = replace(matrix, build=replace(matrix.build, against=rows))
    targets = parse_targets(["mmpose==1.3.2"], changed)
    free = parse_machine("linux", "cpu", None, "3.11")
    stack = resolve_stack(targets, changed, free, allow_build=True, provider="onedl")
    assert stack.source_build and stack.torch is not None and stack.torch.version.startswith("2.8.")
    assert stack.warnings == ()
    # the real table: built here against 2.13, the newest it covers
    stack = resolve_stack(parse_targets(["mmpose==1.3.2"], matrix), matrix, free, allow_build=True, provider="onedl")
    assert stack.torch is not None and stack.torch.version == "2.13.0" and stack.warnings == ()
    installed = parse_machine("linux", "cpu", "2.12.0", "3.11", torch_installed=True)
    stack = resolve_stack(targets, changed, installed, allow_build=True, provider="onedl")
    assert stack.torch is not None and stack.torch.version == "2.12.0" and stack.warnings == ()


def test_with_allow_build_on_python_313_the_refusal_says_why_and_names_onedls_build(matrix: Matrix) -> None:
    """The default provider cannot build mmcv on CPython 3.13: with --allow-build given, the refusal says
    so and names the build another maker's sdist allows (the provider is the user's choice: not switched)."""
    machine = parse_machine("linux", "cpu", "2.13.0", "3.13", torch_installed=True, torchvision="0.28.0")
    with pytest.raises(StackUnsatisfiable) as caught:
        resolve_stack(parse_targets(["mmpose==1.3.2"], matrix), matrix, machine, allow_build=True)
    assert "no build either: mmcv's setup.py cannot read its own version on CPython 3.13" in str(caught.value)
    assert caught.value.ways_out[0].startswith("--allow-build --provider onedl (onedl-mmcv 2.3.6 compiled from "
                                               "source against torch 2.13.0")
    with pytest.raises(StackUnsatisfiable) as caught:  # onedl itself: no other maker to name
        resolve_stack(parse_targets(["mmdet==3.3.0"], matrix), matrix, machine, allow_build=True, provider="onedl")
    assert not any(w.startswith("--allow-build") for w in caught.value.ways_out)
