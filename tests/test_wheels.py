"""Which prebuilt wheels exist: the availability rules on the real matrix, and ``mmcompat wheels``."""

from __future__ import annotations

import json

import pytest
from packaging.version import Version

from compat.answers.wheels import has_mmcv_wheel, mmcv_wheel_pythons, wheel_rows
from compat.data.models import Matrix

from .conftest import Run


@pytest.mark.parametrize("line, version, platform, cuda, torch, python, expected", [
    # torch 1.11 has no CPython 3.11 wheels, so no OpenMMLab index for it carries cp311
    ("mmcv-full", "1.5.3", "linux", "11.3", "1.11", "3.11", False),
    ("mmcv-full", "1.5.3", "linux", "11.3", "1.11", "3.10", True),
    # the line's floor: mmcv-full from 3.6, mmcv 2.x from 3.7
    ("mmcv-full", "1.5.3", "linux", "11.3", "1.10", "3.6", True),
    ("mmcv", "2.0.0", "linux", "11.3", "1.10", "3.6", False),
    # recorded gaps: no mmcv 2.1.0 for 3.12, no 2.2.0 cp312 on Windows with torch 2.2
    ("mmcv", "2.1.0", "linux", "12.1", "2.1", "3.12", False),
    ("mmcv", "2.2.0", "linux", "12.1", "2.2", "3.12", True),
    ("mmcv", "2.2.0", "windows", "12.1", "2.2", "3.12", False),
    # observed, not in the version picker: mmcv-full 1.7.2 with torch 2.1
    ("mmcv-full", "1.7.2", "linux", "12.1", "2.1", "3.10", True),
    ("mmcv-full", "1.7.2", "linux", "12.1", "2.1", "3.11", False),
    # no such build at all
    ("mmcv", "2.2.0", "linux", "12.4", "2.5", "3.11", False),
])
def test_a_wheel_exists_only_for_its_cpython(matrix: Matrix, line: str, version: str, platform: str, cuda: str,
                                             torch: str, python: str, expected: bool) -> None:
    assert has_mmcv_wheel(matrix, line, Version(version), platform, cuda, torch, python) is expected


def test_observed_rows_name_their_files(matrix: Matrix) -> None:
    rows = wheel_rows(matrix, "mmcv-full", Version("1.7.2"), platform="linux", cuda="12.1")
    assert [(r.torch, r.python, r.evidence) for r in rows] == [("2.1", ("3.9", "3.10"), "observed")]
    assert "mmcv_full-1.7.2-cp310-cp310-manylinux1_x86_64.whl" in rows[0].source
    assert mmcv_wheel_pythons(matrix, "mmcv-full", Version("1.7.2"), "linux", "11.8", "2.0") == ("3.8",)


def test_wheels_command(run: Run) -> None:
    done = run("wheels", "mmcv==2.2.0", "--torch", "2.4", "--cuda", "12.1", "--python-version", "3.12")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "distribution  version  platform  cuda   torch     python                       evidence",
        "mmcv          2.2.0    linux     cu121  torch2.4  cp38 cp39 cp310 cp311 cp312  published",
    ]
    data = json.loads(run("wheels", "mmcv-full==1.7.2", "--json").stdout)
    assert {(w["platform"], w["cuda"], w["torch"]) for w in data["wheels"]} == {
        ("linux", "11.8", "2.0"), ("linux", "11.8", "2.1"), ("linux", "12.1", "2.1"), ("windows", "11.8", "2.0"),
        ("windows", "12.1", "2.1")}
    assert all(w["evidence"] == "observed" and w["source"] for w in data["wheels"])
    none = run("wheels", "mmcv==2.1.0", "--python-version", "3.12")
    assert (none.returncode, none.stderr) == (1, "mmcompat: no prebuilt wheel matches\n")
    bad = run("wheels", "mmcv-lite")
    assert (bad.returncode, bad.stderr) == (2, "mmcompat: error: no wheel table for 'mmcv-lite'; known: mmcv, "
                                               "mmcv-full, onedl-mmcv\n")
    onedl = json.loads(run("wheels", "onedl-mmcv==2.3.6", "--cuda", "12.9", "--json").stdout)["wheels"]
    assert {(w["torch"], tuple(w["python"])) for w in onedl} == {("2.10", ("3.12",)), ("2.9", ("3.12",)),
                                                                ("2.8", ("3.10",))}


def test_a_build_both_published_and_observed_is_one_row(matrix: Matrix, run: Run) -> None:
    rows = wheel_rows(matrix, "mmcv", Version("2.2.0"), torch="2.4")
    keys = [(r.platform, r.cuda, r.torch) for r in rows]
    assert len(keys) == len(set(keys)) and ("linux", "11.8", "2.4") in keys, keys
    done = run("wheels", "mmcv==2.2.0", "--torch", "2.4")
    assert done.returncode == 0 and done.stdout.count(" cu118 ") == 1, done.stdout
    everything = wheel_rows(matrix)
    built = [(r.distribution, r.version, r.platform, r.cuda, r.torch) for r in everything]
    assert len(built) == len(set(built))
