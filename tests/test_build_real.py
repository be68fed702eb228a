"""A real source build against a real CPU torch: a loopback simple index serves a tiny sdist shaped like
onedl-mmcv 2.3.6 whose setup.py compiles one C++ op (nms) with torch.utils.cpp_extension into mmcv/_ext
(and skips it without torch, as the real one does). The plan's own prerequisites and build steps run
against torch 2.13.0+cpu in a fresh venv; the wheel lands in the wheelhouse under its key; the op
computes in the target interpreter; a second venv with the same torch installs it without compiling;
a venv with another torch is planned a build of its own and never that wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from compat.data.models import Matrix
from compat.environment.installed import inspect
from compat.install.build import built_wheel, verify_ops
from compat.install.plan import InstallPlan, Step, build_key, plan_install
from compat.install.runner import run_steps

from .indexes import PipVenv, isolated_pip_env, serve, simple_index, write_sdist
from .standins import build_wheel

pytestmark = pytest.mark.slow

TORCH_WHEEL = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")

_SETUP = '''import os
from setuptools import setup

ext_modules, cmdclass = [], {}
try:
    import torch  # noqa: F401
    from torch.utils.cpp_extension import BuildExtension, CppExtension
except ImportError:
    print("Skip building ext ops due to the absence of torch.")
else:
    if os.getenv("MMCV_WITH_OPS", "1") != "0":
        ext_modules = [CppExtension("mmcv._ext", ["mmcv/ops/csrc/nms.cpp"])]
        cmdclass = {"build_ext": BuildExtension}
setup(name="onedl-mmcv", version="2.3.6", packages=["mmcv", "mmcv.ops"], ext_modules=ext_modules,
      cmdclass=cmdclass)
'''

_NMS = r'''#include <torch/extension.h>

// greedy non-maximum suppression over float boxes (x1, y1, x2, y2): the indices kept, best first
at::Tensor nms(const at::Tensor& boxes, const at::Tensor& scores, double iou_threshold) {
  auto order = std::get<1>(scores.sort(0, true));
  at::Tensor contiguous = boxes.contiguous();
  auto b = contiguous.accessor<float, 2>();
  auto o = order.accessor<int64_t, 1>();
  std::vector<int64_t> kept;
  std::vector<bool> removed(boxes.size(0), false);
  for (int64_t i = 0; i < order.size(0); ++i) {
    int64_t a = o[i];
    if (removed[a]) continue;
    kept.push_back(a);
    float area_a = (b[a][2] - b[a][0]) * (b[a][3] - b[a][1]);
    for (int64_t j = i + 1; j < order.size(0); ++j) {
      int64_t c = o[j];
      float w = std::max(0.0f, std::min(b[a][2], b[c][2]) - std::max(b[a][0], b[c][0]));
      float h = std::max(0.0f, std::min(b[a][3], b[c][3]) - std::max(b[a][1], b[c][1]));
      float area_c = (b[c][2] - b[c][0]) * (b[c][3] - b[c][1]);
      if (w * h / (area_a + area_c - w * h) > iou_threshold) removed[c] = true;
    }
  }
  return torch::tensor(kept, torch::kLong);
}

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) { m.def("nms", &nms, "nms"); }
'''

_OPS = b'''import torch

from mmcv import _ext


def nms(boxes, scores, iou_threshold):
    inds = _ext.nms(boxes, scores, float(iou_threshold))
    return torch.cat([boxes[inds], scores[inds][:, None]], 1), inds
'''


def _sdist(folder: Path) -> Path:
    top = "onedl_mmcv-2.3.6"
    files: Dict[str, bytes] = {
        "PKG-INFO": b"Metadata-Version: 2.1\nName: onedl-mmcv\nVersion: 2.3.6\nSummary: stand-in\n",
        "setup.py": _SETUP.encode(),
        "mmcv/__init__.py": b"__version__ = '2.3.6'\n",
        "mmcv/ops/__init__.py": _OPS,
        "mmcv/ops/csrc/nms.cpp": _NMS.encode(),
    }
    return write_sdist(folder, top, files)


def _machine_pip(venv: PipVenv, *args: str) -> None:
    """pip with this machine's own configuration (it finds the local torch wheel and the registry)."""
    done = subprocess.run([venv.python, "-m", "pip", "install", "-q", *args], capture_output=True, text=True,
                          timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="session")
def torch_venvs(tmp_path_factory: pytest.TempPathFactory) -> List[PipVenv]:
    """Two fresh CPython 3.11 venvs with the real torch 2.13.0+cpu, a stand-in for the CPU index's
    torchvision 0.28.0+cpu (not on this machine's disk; the registry's fails beside this torch, and the plan
    refuses it) and the build's prerequisites; the second is a copy of the first's site-packages (one
    download, one install)."""
    if sys.version_info[:2] != (3, 11) or not TORCH_WHEEL.is_file():
        pytest.skip(f"needs CPython 3.11 and {TORCH_WHEEL}")
    root = tmp_path_factory.mktemp("torch-venvs")
    first = PipVenv(root / "one")
    _machine_pip(first, "torch==2.13.0", "setuptools", "wheel", "packaging", "ninja", "psutil")
    vision = build_wheel(root, "torchvision", "0.28.0+cpu", {"torchvision/__init__.py": b""})
    _machine_pip(first, "--no-deps", str(vision))
    second = PipVenv(root / "two")
    done = subprocess.run([second.python, "-c", "import site, sys; print(site.getsitepackages()[0])"],
                          capture_output=True, text=True, check=True)
    import shutil

    shutil.rmtree(done.stdout.strip())
    shutil.copytree(first.site, done.stdout.strip(), symlinks=True)
    return [first, second]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[str]:
    simple_index(tmp_path / "site", {"onedl-mmcv": [_sdist(tmp_path)]})
    with serve(tmp_path / "site") as server:
        yield f"{server.url}/simple"


def _plan(matrix: Matrix, python: str, house: Path, index_url: str) -> InstallPlan:
    environ = {"MMCOMPAT_WHEELHOUSE": str(house), "MAX_JOBS": "2", "MMCOMPAT_CUDA_DRIVER_VERSION": "none",
               "MMCOMPAT_GPU_COMPUTE_CAP": "none", "PIP_INDEX_URL": index_url, "PATH": os.environ["PATH"]}
    return plan_install(matrix, ["mmpose==1.3.2"], inspect(python), python=python, allow_build=True,
                        provider="onedl", offline=True, environ=environ)


def _own(plan: InstallPlan) -> List[Step]:
    """The plan's steps for onedl-mmcv: chumpy's (mmpose needs it; built first, on its own) are not this test's."""
    return [s for s in plan.steps if "chumpy" not in s.reason]


def _run(plan: InstallPlan, index_url: str, cache: Path, kinds: tuple = ("prerequisites", "build")) -> List[str]:
    """The plan's own steps of ``kinds``, run by mmcompat's runner (as ``install`` runs them): what it said."""
    said: List[str] = []
    env = isolated_pip_env(extra={"PIP_INDEX_URL": index_url, "MMCOMPAT_CACHE_DIR": str(cache)})
    run_steps([s for s in _own(plan) if s.kind in kinds], plan.python, None, say=said.append,
              progress=lambda what: lambda progress: None, built_by="mmcompat test", environ=env)
    return said


def _install_mmcv(venv: PipVenv, plan: InstallPlan) -> None:
    """The mmcv part of the plan's install step: from its wheelhouse folder only, as a wheel only."""
    final = plan.steps[-1].argv
    folder = final[final.index("-f") + 1]
    assert final[-2:] == ("--only-binary", "onedl-mmcv")
    done = venv.pip("install", "--no-deps", "--no-index", "-f", folder, "--only-binary", "onedl-mmcv",
                    "onedl-mmcv==2.3.6")
    assert done.returncode == 0, done.stdout + done.stderr


def test_allow_build_compiles_the_op_once_and_every_venv_with_that_torch_reuses_it(
        matrix: Matrix, torch_venvs: List[PipVenv], index: str, tmp_path: Path) -> None:
    first, second = torch_venvs
    house = tmp_path / "wheelhouse"
    plan = _plan(matrix, first.python, house, index)
    assert [s.kind for s in plan.steps[:2]] == ["prerequisites", "build"] and "chumpy==0.70" in plan.steps[1].argv
    assert [s.kind for s in _own(plan)] == ["prerequisites", "build", "install"]
    assert "setuptools<" not in " ".join(_own(plan)[0].argv)  # onedl-mmcv's setup.py imports no pkg_resources
    said = _run(plan, index, tmp_path / "cache")
    key = build_key(plan.stack, inspect(first.python))
    assert key is not None and key.torch == "2.13.0+cpu" and key.python_tag == "cp311"
    wheel = built_wheel(key, {"MMCOMPAT_WHEELHOUSE": str(house)})
    assert wheel is not None and "cp311" in wheel  # a compiled wheel, not py3-none-any
    assert f"recorded the build key in {os.path.basename(wheel)} (torch 2.13.0+cpu)" in said
    with zipfile.ZipFile(wheel) as built:  # what it was built against, for doctor to read statically
        assert any(n.endswith(".dist-info/mmcompat_build.json") for n in built.namelist())
    assert list((tmp_path / "cache" / "build-logs").iterdir())  # the whole build log kept
    _install_mmcv(first, plan)
    check = verify_ops(first.python)
    assert check.problem == "" and check.detail == "nms kept [0]", check

    # the same torch in another venv: nothing to compile, the wheel comes from the wheelhouse
    again = _plan(matrix, second.python, house, index)
    assert [s.kind for s in _own(again)] == ["install"]
    assert any(n.startswith("reusing onedl_mmcv-2.3.6-cp311-cp311-") for n in again.notes)
    _install_mmcv(second, again)
    assert verify_ops(second.python).problem == ""


def test_a_venv_with_another_torch_never_gets_that_wheel(matrix: Matrix, tmp_path: Path) -> None:
    """A stand-in torch 2.12.0+cpu (its files as a real one has them, read statically): another key, so
    its plan builds its own and its install never names the 2.13 folder."""
    venv = PipVenv(tmp_path / "other")
    links = tmp_path / "links"
    links.mkdir()
    build_wheel(links, "torch", "2.12.0+cpu", {
        "torch/__init__.py": b"",
        "torch/version.py": b"__version__ = '2.12.0+cpu'\ndebug = False\ncuda = None\ngit_version = 'x'\n"})
    assert venv.pip("install", "-q", "--no-deps", "--no-index", "-f", str(links), "torch==2.12.0+cpu").returncode == 0
    house = tmp_path / "wheelhouse"
    environ = {"MMCOMPAT_WHEELHOUSE": str(house)}
    plan = _plan(matrix, venv.python, house, "http://127.0.0.1:9/simple")
    key = build_key(plan.stack, inspect(venv.python))
    assert key is not None and key.torch == "2.12.0+cpu"
    # a wheel built for 2.13.0+cpu sits in the wheelhouse under its own key
    other = key._replace(torch="2.13.0+cpu")
    folder = Path(house / other.folder_name())
    folder.mkdir(parents=True)
    (folder / "onedl_mmcv-2.3.6-cp311-cp311-linux_x86_64.whl").write_bytes(b"")
    plan = _plan(matrix, venv.python, house, "http://127.0.0.1:9/simple")
    assert "build" in [s.kind for s in plan.steps]
    assert str(folder) not in " ".join(plan.steps[-1].argv) and built_wheel(key, environ) is None
