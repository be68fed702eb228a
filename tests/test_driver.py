"""NVIDIA driver detection: the variable, the files a real driver writes, nvidia-smi, nothing."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Dict

import pytest

from compat.environment.driver import Driver, detect, parse_driver, supports
from compat.errors import BadInput

PROC = ("NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n"
        "GCC version:  gcc 12\n")


def _env(tmp_path: Path, **extra: str) -> Dict[str, str]:
    # an empty PATH folder: no nvidia-smi unless a test puts one there
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    env = {"PATH": str(bin_dir), "MMCOMPAT_DRIVER_ROOT": str(tmp_path / "root")}
    env.update(extra)
    return env


def test_the_variable_wins(tmp_path: Path) -> None:
    assert detect({"MMCOMPAT_CUDA_DRIVER_VERSION": "550.54.14"}) == Driver("550.54.14", "MMCOMPAT_CUDA_DRIVER_VERSION")
    assert detect({"MMCOMPAT_CUDA_DRIVER_VERSION": "none"}) is None


def test_a_bad_variable_is_bad_input() -> None:
    with pytest.raises(BadInput) as caught:
        detect({"MMCOMPAT_CUDA_DRIVER_VERSION": "five hundred"})
    assert str(caught.value) == "not an NVIDIA driver version: 'five hundred'; give e.g. 535.104.05"


@pytest.mark.parametrize("path, text", [("sys/module/nvidia/version", "535.104.05\n"),
                                        ("proc/driver/nvidia/version", PROC)])
def test_driver_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str, text: str) -> None:
    env = _env(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    target = tmp_path / "root" / path
    target.parent.mkdir(parents=True)
    target.write_text(text)
    assert detect(env) == Driver("535.104.05", f"{tmp_path}/root/{path}")


def test_nvidia_smi_when_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    smi = tmp_path / "bin" / "nvidia-smi"
    smi.write_text("#!/bin/sh\n[ \"$1\" = --query-gpu=driver_version ] && [ \"$2\" = --format=csv,noheader ] "
                   "&& echo 470.223.02 && exit 0\nexit 9\n")
    smi.chmod(smi.stat().st_mode | stat.S_IXUSR)
    found = detect(env)
    assert found == Driver("470.223.02", f"{smi} --query-gpu=driver_version")


def test_a_failing_nvidia_smi_means_no_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    smi = tmp_path / "bin" / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the driver' >&2\n"
                   "exit 9\n")
    smi.chmod(smi.stat().st_mode | stat.S_IXUSR)
    assert detect(env) is None


def test_nothing_means_no_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    assert detect(env) is None


@pytest.mark.parametrize("driver, minimum, expected", [
    ("525.60.13", "525.60.13", True), ("525.60.12", "525.60.13", False), ("530.30", "525.60.13", True),
    ("450.80.02", "450.80.02", True), ("418.39", "450.80.02", False),
])
def test_supports(driver: str, minimum: str, expected: bool) -> None:
    assert supports(Driver(driver, "test"), minimum) is expected
    assert parse_driver(driver) == tuple(int(p) for p in driver.split("."))


def test_a_driver_is_immutable_and_hashable() -> None:
    driver = Driver("535.104.05", "MMCOMPAT_CUDA_DRIVER_VERSION")
    with pytest.raises(AttributeError, match="immutable"):
        driver.version = "580"  # type: ignore[misc]
    assert driver.key == (535, 104, 5) and {driver: 1}[Driver("535.104.05", "MMCOMPAT_CUDA_DRIVER_VERSION")] == 1
    assert driver != Driver("535.104.05", "/sys/module/nvidia/version")
