"""guard's judging of a planned install, fast, on synthetic environments and the real matrix
(tests/test_guard.py runs the command against real venvs)."""

from __future__ import annotations

from typing import Dict, List

from compat.checks.guard import guard, read_plan
from compat.data.models import Matrix
from compat.environment.records import Environment, Finding, InstalledDistribution

SITE = "/venv/lib/python3.10/site-packages"
PY = "/venv/bin/python"
MARKERS = {"python_version": "3.8", "python_full_version": "3.8.18", "sys_platform": "linux",
           "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64",
           "implementation_name": "cpython", "platform_python_implementation": "CPython",
           "platform_release": "", "platform_version": "", "implementation_version": "3.8.18", "extra": ""}


def env(*dists: str) -> Environment:
    found = tuple(InstalledDistribution(name, version, SITE, f"{SITE}/{name}-{version}.dist-info", has_ext=True)
                  for name, version in (d.split("==") for d in dists))
    return Environment(PY, "3.8.18", "linux", found, (), None)


def judge(matrix: Matrix, requirements: List[str], *installed: str) -> Dict[str, List[Finding]]:
    plan = read_plan(requirements, matrix=matrix, markers=lambda: dict(MARKERS))
    found: Dict[str, List[Finding]] = {}
    for finding in guard(plan, env(*installed), matrix):
        found.setdefault(finding.code, []).append(finding)
    return found


def test_a_pinned_mmcv_past_the_import_check(matrix: Matrix) -> None:
    found = judge(matrix, ["mmpose==0.28.0", "mmcv-full==1.7.0", "numpy<2"])
    (finding,) = found["mmcv-outside-enforced"]
    assert finding.message.endswith("Please install mmcv>=1.3.8, <=1.6.0.") and "(planned)" in finding.message


def test_a_sound_plan(matrix: Matrix) -> None:
    assert [c for c, f in judge(matrix, ["mmpose==0.28.0", "mmcv-full==1.5.3", "numpy<2"]).items()
            if any(x.severity != "info" for x in f)] == []


def test_markers_are_the_targets(matrix: Matrix) -> None:
    """``; python_version >= "3.9"`` is false for a 3.8 target: that mmcv pin is not planned there."""
    found = judge(matrix, ["mmpose==0.28.0", 'mmcv-full==1.7.0; python_version >= "3.9"',
                           'mmcv-full==1.5.3; python_version < "3.9"', "numpy<2"])
    assert "mmcv-outside-enforced" not in found


def test_planned_mmcv_over_an_installed_other_mmcv(matrix: Matrix) -> None:
    found = judge(matrix, ["mmpose==1.3.2", "mmcv==2.1.0", "mmengine==0.10.4", "numpy<2"], "mmcv-full==1.7.0")
    assert list(found) == ["multiple-mmcv"]
    (finding,) = found["multiple-mmcv"]
    assert finding.message.startswith("the plan installs mmcv where mmcv-full is installed")
    assert finding.fix == (f"{PY} -m pip uninstall -y mmcv-full",)
