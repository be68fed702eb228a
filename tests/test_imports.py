"""Which copy ``import`` really loads: checkouts on PYTHONPATH or in the working directory, duplicate
copies, editable installs whose folder is gone. Real venvs, real pip, real folders."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Run, Venv, mmcv_full_standin

pytestmark = pytest.mark.slow


def _checkout(root: Path, version: str) -> Path:
    package = root / "mmpose"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise SystemExit('this checkout must not be imported')\n")
    (package / "version.py").write_text(f"__version__ = '{version}'\nshort_version = __version__\n")
    return root


def _doctor(run: Run, venv: Venv, env=None, cwd=None):
    done = run("doctor", "--python", venv.python, "--json", env=env, cwd=cwd)
    assert "Traceback" not in done.stderr, done.stderr
    data = json.loads(done.stdout)
    return done.returncode, {f["code"]: f for f in data["findings"]}


@pytest.fixture
def installed(make_venv, tmp_path: Path) -> Venv:
    venv = make_venv()
    links = tmp_path / "links"
    links.mkdir()
    mmcv_full_standin(links, "1.6.0")
    venv.install("mmpose==0.28.0", "mmcv-full==1.6.0", links=links)
    return venv


def test_checkout_on_pythonpath_is_what_is_judged(run: Run, installed: Venv, tmp_path: Path) -> None:
    checkout = _checkout(tmp_path / "dev", "0.25.0")
    code, found = _doctor(run, installed, env={"PYTHONPATH": str(checkout)})
    shadowed = found["import-shadowed"]
    assert code == 1 and shadowed["severity"] == "error"
    assert shadowed["message"].startswith(
        f"import mmpose loads {checkout / 'mmpose'} (0.25.0, sys.path[1] {checkout}), "
        "not the installed mmpose 0.28.0 at ")
    # mmpose 0.25.0 asserts mmcv<=1.5.0: the installed mmcv-full 1.6.0 fails the import that will happen.
    assert found["mmcv-outside-enforced"]["message"].endswith(
        "AssertionError: MMCV==1.6.0 is used but incompatible. Please install mmcv>=1.3.8, <=1.5.0.")
    # Without the checkout, 0.28.0 is judged: 1.6.0 passes its import check (only a warning).
    code, found = _doctor(run, installed)
    assert code == 0 and "import-shadowed" not in found and "mmcv-outside-safe" in found


def test_checkout_in_the_working_directory(run: Run, installed: Venv, tmp_path: Path) -> None:
    checkout = _checkout(tmp_path / "work", "0.29.0")
    code, found = _doctor(run, installed, cwd=str(checkout))
    assert "sys.path[0] '' (the working directory)" in found["import-shadowed"]["message"]
    assert code == 1  # 0.29.0 != 0.28.0


def test_two_copies_on_the_path(run: Run, installed: Venv, tmp_path: Path) -> None:
    first = _checkout(tmp_path / "a", "0.28.0")
    second = _checkout(tmp_path / "b", "0.27.0")
    _code, found = _doctor(run, installed, env={"PYTHONPATH": f"{first}:{second}"})
    duplicates = found["import-duplicates"]
    assert duplicates["message"].startswith(
        f"3 copies of mmpose are on the path; only the first ({first / 'mmpose'}) is imported")
    assert found["import-shadowed"]["severity"] == "warning"  # same version as installed


def test_editable_install_whose_folder_was_deleted(run: Run, make_venv, tmp_path: Path) -> None:
    venv = make_venv()
    project = tmp_path / "project"
    (project / "mydemo").mkdir(parents=True)
    (project / "mydemo" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "mydemo"\nversion = "1.0"\n')
    subprocess.run([sys.executable, "-m", "pip", "--python", venv.python, "install", "-q", "-e", str(project)],
                   check=True, capture_output=True, timeout=600)
    code, found = _doctor(run, venv)
    assert code == 0 and "editable-missing" not in found
    shutil.rmtree(project)
    code, found = _doctor(run, venv)
    missing = found["editable-missing"]
    assert code == 1 and missing["dists"] == ["mydemo"]
    assert missing["message"] == (f"editable install of mydemo points at {project}, "
                                  "which no longer exists (from direct_url.json)")
    assert missing["fix"] == [f"{venv.python} -m pip uninstall -y mydemo"]


def test_an_editable_install_shadowed_by_another_tree() -> None:
    """Judged in-process on a reading: the editable source is fine, another tree on the path is not."""
    from compat import load_matrix
    from compat.checks.diagnose import diagnose
    from compat.environment.installed import from_probe

    from .conftest import ROOT

    reading = {
        "python": {"executable": "/venv/bin/python", "version": "3.11.7", "platform": "linux"},
        "distributions": [{"name": "mmpose", "version": "1.3.2", "location": "/venv/site-packages",
                           "metadata_dir": "/venv/site-packages/mmpose-1.3.2.dist-info", "problems": [],
                           "editable": True, "editable_path": "/src/mmpose-1.x"}],
        "shared_files": [], "torch": None, "missing_editables": [],
        "imports": {"mmpose": [{"path": "/src/mmpose-1.x/mmpose", "version": "1.3.2", "via": "editable finder x"}]},
    }
    matrix = load_matrix(str(ROOT / "data" / "compat_matrix.toml"))
    assert "import-shadowed" not in {f.code for f in diagnose(from_probe(reading), matrix)}
    reading["imports"]["mmpose"].insert(0, {"path": "/work/old/mmpose", "version": "0.28.0",
                                            "via": "sys.path[1] /work/old"})
    found = {f.code: f for f in diagnose(from_probe(reading), matrix)}
    assert found["import-shadowed"].severity == "error"
    assert found["import-shadowed"].message.startswith(
        "import mmpose loads /work/old/mmpose (0.28.0, sys.path[1] /work/old)")
