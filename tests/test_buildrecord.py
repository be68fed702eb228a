"""The build key recorded inside a built wheel, installed by real pip into a fresh venv, and doctor's
static check of it: an mmcv compiled against another torch than the installed one is warned about
(and doctor's short path leaves it to the full judgement), one built against this torch is not."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from compat.checks.diagnose import diagnose
from compat.data.models import Matrix
from compat.environment.installed import from_probe, probe_data
from compat.install.build import BuildKey
from compat.install.buildrecord import RECORD_NAME, read_record, stamp_wheel

from .indexes import PipVenv
from .standins import build_wheel

KEY = BuildKey("onedl-mmcv", "2.3.6", "2.13.0+cpu", "cpu", "cp311", "linux_x86_64", "")


def _onedl_mmcv(folder: Path) -> Path:
    return build_wheel(folder, "onedl-mmcv", "2.3.6", {
        "mmcv/__init__.py": b"__version__ = '2.3.6'\n", "mmcv/version.py": b"__version__ = '2.3.6'\n",
        "mmcv/ops/__init__.py": b"from .. import _ext\n",
        "mmcv/_ext.cpython-311-x86_64-linux-gnu.so": b"\x7fELF stand-in"}, tag="cp311-cp311-linux_x86_64")


def _torch(folder: Path, version: str) -> Path:
    return build_wheel(folder, "torch", version, {
        "torch/__init__.py": b"",
        "torch/version.py": f"__version__ = '{version}'\ndebug = False\ncuda = None\ngit_version = 'x'\n".encode()})


def test_the_wheel_is_rewritten_with_its_record_updated(tmp_path: Path) -> None:
    wheel = _onedl_mmcv(tmp_path)
    before = zipfile.ZipFile(wheel).namelist()
    name = stamp_wheel(str(wheel), KEY, "mmcompat test")
    stamp_wheel(str(wheel), KEY, "mmcompat test")  # again: replaced, not added twice
    assert name == f"onedl_mmcv-2.3.6.dist-info/{RECORD_NAME}"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted([*before, name]) and names[-1].endswith(".dist-info/RECORD")
        record = archive.read("onedl_mmcv-2.3.6.dist-info/RECORD").decode().splitlines()
        data = archive.read(name)
        for member in names:  # every file listed once, with its own hash and size (RECORD itself without)
            lines = [line for line in record if line.split(",")[0] == member]
            assert len(lines) == 1, member
            if member.endswith("/RECORD"):
                assert lines[0] == f"{member},,"
                continue
            content = archive.read(member)
            digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
            assert lines[0] == f"{member},sha256={digest},{len(content)}"
    assert json.loads(data) == {**KEY._asdict(), "built_by": "mmcompat test"}


@pytest.mark.parametrize("installed_torch, warned", [("2.12.0+cpu", True), ("2.13.0+cpu", False)])
def test_doctor_warns_of_an_mmcv_built_for_another_torch(matrix: Matrix, tmp_path: Path, installed_torch: str,
                                                         warned: bool) -> None:
    venv = PipVenv(tmp_path / "venv")
    links = tmp_path / "links"
    links.mkdir()
    stamp_wheel(str(_onedl_mmcv(links)), KEY)
    _torch(links, installed_torch)
    done = venv.pip("install", "-q", "--no-deps", "--no-index", "-f", str(links), f"torch=={installed_torch}",
                    "onedl-mmcv==2.3.6")
    assert done.returncode == 0, done.stdout + done.stderr
    data = probe_data(venv.python)
    env = from_probe(data)
    mmcv = env.get("onedl-mmcv")
    assert mmcv is not None and mmcv.has_ext and not mmcv.changed and not mmcv.missing  # pip took the RECORD
    assert read_record(mmcv.metadata_dir) == {**{k: str(v) for k, v in KEY._asdict().items()}, "built_by": ""}
    found = [f for f in diagnose(env, matrix) if f.code == "built-for-other-torch"]
    if not warned:
        assert found == []
        return
    assert len(found) == 1 and found[0].severity == "warning"
    assert "compiled by mmcompat against torch 2.13.0+cpu" in found[0].message
    assert "torch 2.12.0+cpu is installed" in found[0].message
    assert found[0].fix[0].endswith("-m pip uninstall -y onedl-mmcv")
