"""numpy 1.x binaries under numpy 2: the real xtcocotools 1.14.3 wheel with real numpy 2 and 1.26."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Run, Venv, build_wheel

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux") or sys.version_info[:2] != (3, 11),
                       reason="the registry wheel set here (xtcocotools cp311 manylinux) is for CPython 3.11 on Linux"),
]
#: The tag a wheel built on this machine carries (not a registry platform tag).
LOCAL_TAG = "cp{}{}-cp{}{}-linux_{}".format(*sys.version_info[:2] * 2, platform.machine())


def _codes(run: Run, venv: Venv):
    done = run("doctor", "--python", venv.python, "--json")
    return done.returncode, {f["code"]: f for f in json.loads(done.stdout)["findings"]}


def test_registry_xtcocotools_with_numpy_2_is_an_error_and_really_fails(run: Run, make_venv) -> None:
    venv = make_venv()
    venv.install("xtcocotools==1.14.3", "numpy==2.1.3")
    code, found = _codes(run, venv)
    finding = found["numpy-abi"]
    assert code == 1 and finding["dists"] == ["xtcocotools", "numpy"]
    assert finding["message"].startswith("xtcocotools 1.14.3 is a registry binary built against numpy 1.x ")
    assert finding["message"].endswith("Expected 96 from C header, got 88 from PyObject")
    assert finding["fix"][0] == f"{venv.python} -m pip install 'numpy<2'"
    assert finding["fix"][2].endswith("--no-binary xtcocotools xtcocotools==1.14.3")
    # The claim is real: importing its compiled module fails with that error (doctor itself imported nothing).
    imported = subprocess.run([venv.python, "-c", "import xtcocotools._mask"], capture_output=True, text=True)
    assert imported.returncode != 0 and "numpy.dtype size changed" in imported.stderr


def test_registry_xtcocotools_with_numpy_1_26_is_fine(run: Run, make_venv) -> None:
    venv = make_venv()
    venv.install("xtcocotools==1.14.3", "numpy==1.26.4")
    code, found = _codes(run, venv)
    assert code == 0 and "numpy-abi" not in found
    imported = subprocess.run([venv.python, "-c", "import xtcocotools._mask"], capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr


def test_a_local_build_is_not_flagged(run: Run, make_venv, tmp_path: Path) -> None:
    """A wheel built here carries the local tag (linux_x86_64): compiled against the numpy it found."""
    links = tmp_path / "links"
    links.mkdir()
    build_wheel(links, "xtcocotools", "1.14.3", {
        "xtcocotools/__init__.py": b"",
        "xtcocotools/_mask.cpython-311-x86_64-linux-gnu.so": b"\x7fELF stand-in built against numpy 2",
    }, tag=LOCAL_TAG)
    venv = make_venv()
    venv.install("numpy==2.1.3")
    subprocess.run([sys.executable, "-m", "pip", "--python", venv.python, "install", "-q", "--no-deps", "--no-index",
                    "-f", str(links), "xtcocotools==1.14.3"], check=True, capture_output=True)
    tags = (venv.site / "xtcocotools-1.14.3.dist-info" / "WHEEL").read_text()
    assert f"Tag: {LOCAL_TAG}" in tags
    code, found = _codes(run, venv)
    assert code == 0 and "numpy-abi" not in found, found


def test_guard_refuses_a_plan_that_ends_there(run: Run, make_venv) -> None:
    venv = make_venv()
    venv.install("xtcocotools==1.14.3", "numpy==1.26.4")
    done = run("guard", "--python", venv.python, "numpy>=2", "--json")
    data = json.loads(done.stdout)
    assert done.returncode == 1 and [f["code"] for f in data["findings"]] == ["numpy-abi"]
    assert run("guard", "--python", venv.python, "numpy<2").returncode == 0
    empty = make_venv()
    planned = run("guard", "--python", empty.python, "mmpose==0.28.0", "mmcv-full==1.5.0", "--json")
    assert planned.returncode == 1 and "numpy-abi" in planned.stdout  # mmpose brings xtcocotools and numpy 2
    assert run("guard", "--python", empty.python, "mmpose==0.28.0", "mmcv-full==1.5.0", "numpy<2").returncode == 0
