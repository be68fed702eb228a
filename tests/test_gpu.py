"""The GPU's compute capability (option, variable, a stand-in nvidia-smi on PATH) and the rule that no
plan or way out offers a torch whose CUDA cannot run on it."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from compat.answers.stack import parse_machine, parse_targets, resolve_stack
from compat.data.models import Matrix
from compat.data.tables import tables_for
from compat.environment.gpu import cuda_limits, detect, parse_capability, why_not
from compat.errors import BadInput, StackUnsatisfiable

from .conftest import Run


def _smi(folder: Path, capability: str = "12.0", driver: str = "575.51.02", code: int = 0) -> Path:
    """A stand-in nvidia-smi that answers the two queries mmcompat asks, as the real one prints them."""
    folder.mkdir(exist_ok=True)
    smi = folder / "nvidia-smi"
    smi.write_text("#!/bin/sh\n"
                   f'if [ "$1" = --query-gpu=compute_cap,driver_version ]; then echo "{capability}, {driver}"; '
                   f"exit {code}; fi\n"
                   f'if [ "$1" = --query-gpu=driver_version ]; then echo "{driver}"; exit 0; fi\n'
                   "exit 9\n")
    smi.chmod(smi.stat().st_mode | stat.S_IXUSR)
    return smi


@pytest.mark.parametrize("text, expected", [("12.0", "12.0"), ("sm_120", "12.0"), ("86", "8.6"), ("9", "9.0"),
                                            (" 8.9 ", "8.9"), ("none", ""), ("", "")])
def test_parse_capability(text: str, expected: str) -> None:
    assert parse_capability(text) == expected


def test_bad_capability_names_the_value() -> None:
    with pytest.raises(BadInput) as caught:
        parse_capability("blackwell")
    assert str(caught.value) == "not a GPU compute capability: 'blackwell'; give e.g. 8.6, 12.0 or none"


def test_option_then_variable_then_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    smi = _smi(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert detect("8.6", {"MMCOMPAT_GPU_COMPUTE_CAP": "9.0"}) == ("8.6", "--gpu")
    assert detect(None, {"MMCOMPAT_GPU_COMPUTE_CAP": "9.0"}) == ("9.0", "MMCOMPAT_GPU_COMPUTE_CAP")
    assert detect(None, {"MMCOMPAT_GPU_COMPUTE_CAP": "none"}) == ("", "")
    assert detect(None, {}) == ("12.0", f"{smi} --query-gpu=compute_cap")
    assert detect(None, {}, probe=False) == ("", "")  # a plan for another machine (--cuda given)
    # a builder that names the driver the image will run on has no GPU to ask
    assert detect(None, {"MMCOMPAT_CUDA_DRIVER_VERSION": "575.51.02"}) == ("", "")


def test_an_nvidia_smi_without_compute_cap_rules_nothing_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _smi(tmp_path / "bin", capability="Field \"compute_cap\" is not a valid field to query.", code=2)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert detect(None, {}) == ("", "")


def test_no_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert detect(None, {}) == ("", "")


def test_cuda_limits_from_the_matrix(matrix: Matrix) -> None:
    tables = tables_for(matrix)
    assert cuda_limits(tables, "12.0") == ("Blackwell (GeForce RTX 50, RTX PRO)", "12.8", "")
    assert cuda_limits(tables, "12.1")[1:] == ("12.8", "")  # unknown: the nearest known below it
    assert cuda_limits(tables, "7.0")[1:] == ("", "12.9")
    assert why_not(tables, "12.6", "12.0") == ("CUDA 12.6 cannot run on the GPU (compute capability 12.0, Blackwell "
                                               "(GeForce RTX 50, RTX PRO): needs CUDA >= 12.8)")
    assert why_not(tables, "13.0", "7.0") == ("CUDA 13.0 cannot run on the GPU (compute capability 7.0, Volta "
                                              "(V100): CUDA 12.9 is the newest for it)")
    assert why_not(tables, "cpu", "12.0") == "" and why_not(tables, "12.8", "12.0") == ""


def _cudas(text: str) -> list:
    return re.findall(r"CUDA (\d+\.\d+)", text)


@pytest.mark.parametrize("capability", ["6.1", "7.0", "7.5", "8.6", "8.9", "9.0", "10.0", "12.0"])
@pytest.mark.parametrize("python", ["3.10", "3.11", "3.12", "3.13"])
def test_no_plan_or_way_out_offers_a_cuda_the_gpu_cannot_run(matrix: Matrix, capability: str, python: str) -> None:
    from compat.environment.driver import Driver

    tables = tables_for(matrix)
    targets = parse_targets(["mmpose==1.3.2"], matrix)
    for cuda in ("", "12.6", "13.0"):
        for allow_build in (False, True):
            machine = parse_machine("linux", cuda, "", python, driver=Driver("580.65.06", "test"),
                                    gpu=(capability, "test"))
            try:
                stack = resolve_stack(targets, matrix, machine, allow_build=allow_build, provider="any")
            except StackUnsatisfiable as e:
                offered = [c for way in e.ways_out for c in _cudas(way)]
            else:
                assert stack.torch is not None
                offered = [stack.torch.cuda] if stack.torch.cuda != "cpu" else []
                if allow_build and capability != "6.1" and not cuda:  # a GPU build, not a CPU wheel
                    assert stack.torch.cuda != "cpu", stack
            assert all(not why_not(tables, c, capability) for c in offered), (cuda, allow_build, offered)


def test_blackwell_with_allow_build_gets_a_cuda_12_8_build(matrix: Matrix) -> None:
    from compat.environment.driver import Driver

    machine = parse_machine("linux", "", "", "3.11", driver=Driver("575.51.02", "test"), gpu=("12.0", "test"))
    stack = resolve_stack(parse_targets(["mmpose==1.3.2"], matrix), matrix, machine, allow_build=True)
    assert stack.source_build and stack.torch is not None
    # the driver runs no CUDA 13; mmdet 3.2.0 (imported by mmpose 1.3.2) holds mmcv below 2.2.0
    assert stack.torch.cuda == "12.8" and str(stack.pins["mmcv"]) == "2.1.0"


def test_the_cli_reads_a_stand_in_nvidia_smi(run: Run, tmp_path: Path) -> None:
    smi = _smi(tmp_path / "bin")
    path = f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"
    done = run("resolve", "mmpose==1.3.2", "--python-version", "3.11", "--cuda", "auto",
               env={"PATH": path, "MMCOMPAT_NO_CACHE": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[:2] == [
        f"mmcompat: NVIDIA driver 575.51.02 (from {smi} --query-gpu=driver_version)",
        f"mmcompat: GPU compute capability 12.0 (from {smi} --query-gpu=compute_cap): only torch builds whose CUDA "
        "runs on it are planned"]
    assert "--index-url https://download.pytorch.org/whl/cpu" in done.stdout  # no prebuilt mmcv for CUDA >= 12.8
    done = run("resolve", "mmpose==1.3.2", "--python-version", "3.11", "--gpu", "8.6", "--allow-build",
               env={"PATH": path, "MMCOMPAT_NO_CACHE": "1"})
    assert done.returncode == 0, done.stderr
    assert "GPU compute capability 8.6 (from --gpu)" in done.stderr
    done = run("resolve", "mmpose==1.3.2", "--gpu", "rtx", env={"PATH": path})
    assert (done.returncode, done.stderr) == (2, "mmcompat: error: not a GPU compute capability: 'rtx'; give e.g. "
                                                 "8.6, 12.0 or none\n")
