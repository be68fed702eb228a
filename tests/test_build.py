"""Source builds: the wheelhouse key, the build's variables and job count, and the ops check in the
target interpreter (here with stand-in mmcv packages whose import fails as real broken builds do; the
real build against a real CPU torch is in tests/test_build_real.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from compat.install.build import BuildKey, build_env, build_folder, built_wheel, max_jobs, verify_ops

KEY = BuildKey("onedl-mmcv", "2.3.6", "2.13.0+cpu", "cpu", "cp311", "linux_x86_64", "")


def test_every_field_of_the_key_names_another_folder() -> None:
    name = KEY.folder_name()
    assert name.startswith("onedl-mmcv-2.3.6-torch2.13.0+cpu-cpu-cp311-linux_x86_64-noarch-")
    others = {KEY._replace(**{field: "x"}).folder_name() for field in KEY._fields}
    assert len(others) == len(KEY._fields) and name not in others


def test_a_wheel_is_found_only_in_its_own_keys_folder(tmp_path: Path) -> None:
    env = {"MMCOMPAT_WHEELHOUSE": str(tmp_path)}
    assert built_wheel(KEY, env) is None
    folder = Path(build_folder(KEY, env))
    folder.mkdir()
    (folder / "onedl_mmcv-2.3.6-cp311-cp311-linux_x86_64.whl").write_bytes(b"")
    assert built_wheel(KEY, env) == str(folder / "onedl_mmcv-2.3.6-cp311-cp311-linux_x86_64.whl")
    assert built_wheel(KEY._replace(torch="2.13.0+cu130"), env) is None


@pytest.mark.parametrize("cuda, cores, memory, jobs", [(False, 2, 24.0, 2), (False, 16, 6.0, 4), (True, 16, 17.0, 4),
                                                       (True, 2, 3.0, 1), (False, 1, 0.5, 1)])
def test_max_jobs_from_cores_and_memory(cuda: bool, cores: int, memory: float, jobs: int) -> None:
    assert max_jobs(cuda, cores=cores, memory_gb=memory) == jobs


def test_build_env() -> None:
    assert build_env(KEY, 2) == {"MMCV_WITH_OPS": "1", "MAX_JOBS": "2"}
    gpu = KEY._replace(cuda="12.8", arch_list="12.0")
    assert build_env(gpu, 1) == {"MMCV_WITH_OPS": "1", "MAX_JOBS": "1", "FORCE_CUDA": "1",
                                 "TORCH_CUDA_ARCH_LIST": "12.0"}


@pytest.mark.parametrize("ops_init, problem", [
    ("raise ImportError('/x/mmcv/_ext.cpython-311-x86_64-linux-gnu.so: undefined symbol: _ZN3c104cuda9SetDeviceEi')",
     "other-torch"),
    ("import importlib; importlib.import_module('mmcv._ext')", "no-ops"),  # as mmcv's ext_loader does
    ("raise OSError('libcudart.so.12: cannot open shared object file')", "cuda-mismatch"),
    ("raise RuntimeError('something else')", "import"),
])
def test_failures_are_classified(tmp_path: Path, ops_init: str, problem: str) -> None:
    ops = tmp_path / "site" / "mmcv" / "ops"
    ops.mkdir(parents=True)
    (ops.parent / "__init__.py").write_text("")
    (ops / "__init__.py").write_text(ops_init + "\n")
    import os

    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    check = verify_ops(sys.executable, env=env, timeout=60)
    assert check.problem == problem, check
    assert check.fix
