"""The proof after an install (compat.environment.proof): the target interpreter imports each codebase's API, in a
subprocess, here a real CPython with small packages written for the test on its path."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict

import pytest

from compat.environment.proof import ImportFailure, api_modules, check_imports, failure_text
from compat.errors import CompatError


def _packages(root: Path, files: Dict[str, str]) -> Dict[str, str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}


def test_api_modules() -> None:
    assert api_modules(["mmpose", "mmdet"]) == ["mmpose.apis", "mmpose.models", "mmdet.apis", "mmdet.models"]


def test_a_missing_import_names_the_module_and_the_fix(tmp_path: Path) -> None:
    environ = _packages(tmp_path, {
        "mmfake/__init__.py": "",
        "mmfake/apis/__init__.py": "print('noise from the package')\n",
        "mmfake/models/__init__.py": "from .heads import Head\n",
        "mmfake/models/heads.py": "from mmdet.utils import reduce_mean\nHead = 1\n",
    })
    failures = check_imports(sys.executable, api_modules(["mmfake"]), environ=environ)
    assert failures == [ImportFailure("mmfake.models", "ModuleNotFoundError", "No module named 'mmdet'", "mmdet")]
    assert failure_text(failures[0], "/venv/bin/python", {"mmfake": "1.3.2", "mmdet": "3.2.0"}) == (
        "import mmfake.models fails in /venv/bin/python: ModuleNotFoundError: No module named 'mmdet'; install it: "
        "/venv/bin/python -m pip install mmdet==3.2.0")
    (tmp_path / "mmdet" / "utils.py").parent.mkdir()
    (tmp_path / "mmdet" / "__init__.py").write_text("")
    (tmp_path / "mmdet" / "utils.py").write_text("reduce_mean = None\n")
    assert check_imports(sys.executable, api_modules(["mmfake"]), environ=environ) == []


def test_other_errors_and_crashes_are_reported(tmp_path: Path) -> None:
    environ = _packages(tmp_path, {
        "mmbad/__init__.py": "",
        "mmbad/apis.py": "assert False, 'MMCV==2.2.0 is used but incompatible'\n",
        "mmbad/models.py": "import os\nos._exit(7)\n",
    })
    failures = check_imports(sys.executable, api_modules(["mmbad"]), environ=environ)
    assert failures == [ImportFailure("mmbad.apis", "AssertionError", "MMCV==2.2.0 is used but incompatible", ""),
                        ImportFailure("mmbad.models", "crash", "exit 7", "")]
    assert failure_text(failures[0], "py", {}) == (
        "import mmbad.apis fails in py: AssertionError: MMCV==2.2.0 is used but incompatible")


def test_an_interpreter_that_cannot_run_or_hangs_is_exit_3(tmp_path: Path) -> None:
    with pytest.raises(CompatError) as caught:
        check_imports(str(tmp_path / "no-python"), ["mmpose.apis"])
    assert caught.value.exit_code == 3 and "cannot run" in str(caught.value)
    environ = _packages(tmp_path, {"mmslow/__init__.py": "import time\ntime.sleep(60)\n"})
    with pytest.raises(CompatError, match=r"importing mmslow\.apis in .* took longer than 1s"):
        check_imports(sys.executable, ["mmslow.apis"], timeout=1, environ=environ)


def test_doctor_import_names_the_failing_api_and_the_install_that_fixes_it(run, tmp_path: Path) -> None:
    """``doctor --import`` in a real venv holding an mmpose (a small one written here, with its dist-info)
    whose models import mmdet, which is not installed."""
    import subprocess

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    python = str(venv / "bin" / "python")
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    _packages(site, {
        "mmpose/__init__.py": "__version__ = '1.3.2'\n",
        "mmpose/apis/__init__.py": "from mmpose.models import Head\n",
        "mmpose/models/__init__.py": "from mmdet.utils import reduce_mean\nHead = 1\n",
        "mmpose-1.3.2.dist-info/METADATA": "Metadata-Version: 2.1\nName: mmpose\nVersion: 1.3.2\n",
        "mmpose-1.3.2.dist-info/RECORD": "",
    })
    done = run("doctor", "--import", "--python", python)
    assert done.returncode == 1, done.stdout + done.stderr
    fix = f"fix: mmcompat install mmpose==1.3.2 --python {python}"
    assert done.stderr.splitlines()[-2:] == [
        f"mmcompat: error: import mmpose.apis fails in {python}: ModuleNotFoundError: No module named 'mmdet'; {fix}",
        f"mmcompat: error: import mmpose.models fails in {python}: ModuleNotFoundError: No module named 'mmdet'; {fix}",
    ]
    plain = run("doctor", "--python", python)  # without --import nothing is imported
    assert "import mmpose" not in plain.stderr
