"""Install planning on synthetic environments and the real matrix: the commands, in order, word for word.

The registry is never asked here (``PIP_NO_INDEX`` in the plan's environment says another index is in
use) and the find-links page is not fetched (``offline``); tests/test_install.py runs plans for real.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Dict, Optional, Sequence

import pytest

from compat.data.models import Matrix
from compat.environment.records import Environment, InstalledDistribution, TorchInfo
from compat.errors import BadInput
from compat.install.plan import InstallPlan, NoInstaller, PlanRefused, Step, plan_install

PY = "/venv/bin/python"
CU121 = "https://download.pytorch.org/whl/cu121"


def env_with(*dists: str, torch: Optional[TorchInfo] = None, python_version: str = "3.11.7") -> Environment:
    """An environment holding ``name==version`` distributions (pip unless left out)."""
    found = []
    for text in dists:
        name, version = text.split("==")
        found.append(InstalledDistribution(name, version, "/venv/lib/site-packages",
                                           f"/venv/lib/site-packages/{name}-{version}.dist-info", has_ext=True))
    return Environment(PY, python_version, "linux", tuple(found), (), torch)


def plan(matrix: Matrix, targets: Sequence[str], env: Environment, *, driver: str = "535.104.05",
         extra: Optional[Dict[str, str]] = None, **options: object) -> InstallPlan:
    environ = {"MMCOMPAT_CUDA_DRIVER_VERSION": driver, "PIP_NO_INDEX": "1", "PATH": "/usr/bin:/bin"}
    environ.update(extra or {})
    options.setdefault("platform", "linux")
    options.setdefault("import_check", False)  # PY is not a real interpreter; tests/test_install.py imports for real
    return plan_install(matrix, targets, env, python=PY, offline=True, environ=environ,
                        **options)  # type: ignore[arg-type]


def test_fresh_machine_gets_torch_first_then_everything_pinned(matrix: Matrix) -> None:
    planned = plan(matrix, ["mmpose==1.3.2"], env_with("pip==23.2.1"))
    pins = ("torch==2.1.2", "torchvision==0.16.2")
    assert [s.argv for s in planned.steps] == [
        (PY, "-m", "pip", "install", *pins, "--index-url", CU121),
        (PY, "-m", "pip", "install", *pins, "pip", "setuptools", "wheel"),
        (PY, "-m", "pip", "install", *pins, "numpy<2", "--no-build-isolation", "chumpy==0.70"),
        (PY, "-m", "pip", "install", *pins, "mmpose==1.3.2", "mmdet==3.2.0", "mmcv==2.1.0",
         "mmengine>=0.9.0,<1.0.0", "numpy<2", "-f", "https://download.openmmlab.com/mmcv/dist/cu121/torch2.1/index.html",
         "--only-binary", "mmcv"),
    ]
    assert [s.kind for s in planned.steps] == ["torch", "prerequisites", "build", "install"]
    assert planned.notes[:2] == (
        "NVIDIA driver 535.104.05 (from MMCOMPAT_CUDA_DRIVER_VERSION)",
        "adding mmdet: mmpose 1.3.2 imports it at mmpose/models/heads/hybrid_heads/rtmo_head.py:9")
    assert planned.notes[-1] == (
        "building chumpy 0.70 first, without build isolation: its setup.py imports pip (from pip._internal.req import "
        "parse_requirements), which pip's isolated build environment lacks; the registry has no wheel of it for "
        "CPython 3.11")
    assert planned.warnings == ("could not check whether xtcocotools>=1.12 has a wheel for /venv/bin/python "
                                "(PIP_INDEX_URL, PIP_EXTRA_INDEX_URL or PIP_NO_INDEX chooses another index); if pip "
                                "has to build it, install cython and numpy first and have a C compiler",)


def test_no_driver_plans_the_cpu(matrix: Matrix) -> None:
    planned = plan(matrix, ["mmpose==0.29.0"], env_with("pip==23.2.1", python_version="3.10.13"), driver="none")
    assert planned.steps[0].argv == (PY, "-m", "pip", "install", "torch==1.12.1", "torchvision==0.13.1",
                                     "--index-url", "https://download.pytorch.org/whl/cpu")
    assert "mmcv-full==1.6.2" in planned.steps[-1].argv and "--only-binary" in planned.steps[-1].argv
    assert "mmdet==2.28.2" not in planned.steps[-1].argv  # mmpose 0.29.0 imports no mmdet on its API's path


def test_installed_torch_is_kept_and_pinned(matrix: Matrix) -> None:
    env = env_with("pip==23.2.1", "torch==2.1.2+cu121", "torchvision==0.16.2+cu121",
                   torch=TorchInfo("2.1.2+cu121", "12.1", "torch/version.py"))
    planned = plan(matrix, ["mmpose==1.3.2"], env)
    assert [s.kind for s in planned.steps] == ["prerequisites", "build", "install"]
    assert planned.steps[-1].argv[:8] == (PY, "-m", "pip", "install", "torch==2.1.2", "torchvision==0.16.2",
                                          "mmpose==1.3.2", "mmdet==3.2.0")
    assert "keeping the installed torch 2.1.2 and torchvision 0.16.2: pinned in every step so pip cannot replace " \
           "them" in planned.notes


def test_installed_torch_without_a_wheel_is_refused_with_the_torch_to_switch_to(matrix: Matrix) -> None:
    env = env_with("pip==23.2.1", "torch==2.5.1+cu124", torch=TorchInfo("2.5.1+cu124", "12.4", "torch/version.py"))
    with pytest.raises(Exception) as caught:
        plan(matrix, ["mmpose==1.3.2"], env)
    assert caught.value.exit_code == 1  # type: ignore[attr-defined]
    assert "switch the installed torch to torch 2.1.2 with CUDA 12.1, mmcv 2.1.0" in str(caught.value)


def test_asking_for_another_torch_replaces_it_as_asked(matrix: Matrix) -> None:
    env = env_with("pip==23.2.1", "torch==2.5.1", torch=TorchInfo("2.5.1+cu124", "12.4", "torch/version.py"))
    planned = plan(matrix, ["mmpose==1.3.2"], env, torch="2.1.2", cuda="12.1")
    assert planned.steps[0].kind == "torch" and "torch==2.1.2" in planned.steps[0].argv


def test_conflicting_mmcv_is_refused_then_uninstalled_on_request(matrix: Matrix) -> None:
    env = env_with("pip==23.2.1", "mmcv-full==1.7.0")
    with pytest.raises(PlanRefused) as caught:
        plan(matrix, ["mmpose==1.3.2"], env)
    assert str(caught.value) == (
        "mmcv-full is installed and shares the mmcv/ package with mmcv: installing over it would clobber files; "
        f"rerun with --fix-conflicts to uninstall it first, or run: {PY} -m pip uninstall -y mmcv-full")
    planned = plan(matrix, ["mmpose==1.3.2"], env, fix_conflicts=True)
    assert planned.steps[0].argv == (PY, "-m", "pip", "uninstall", "-y", "mmcv-full")


def test_without_pip_uv_installs(matrix: Matrix, tmp_path: Path) -> None:
    uv = tmp_path / "uv"
    uv.write_text("#!/bin/sh\nexit 0\n")
    uv.chmod(uv.stat().st_mode | stat.S_IXUSR)
    import os

    old = os.environ["PATH"]
    os.environ["PATH"] = str(tmp_path)
    try:
        planned = plan(matrix, ["mmpose==1.3.2"], env_with())
    finally:
        os.environ["PATH"] = old
    assert planned.installer == "uv"
    assert planned.steps[0].argv == (str(uv), "pip", "install", "--python", PY, "torch==2.1.2", "torchvision==0.16.2",
                                     "--index-url", CU121)
    assert planned.steps[1].argv == (str(uv), "pip", "install", "--python", PY, "torch==2.1.2", "torchvision==0.16.2",
                                     "pip", "setuptools", "wheel")  # chumpy's setup.py imports pip


def test_without_pip_or_uv_exits_3(matrix: Matrix, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(NoInstaller) as caught:
        plan(matrix, ["mmpose==1.3.2"], env_with())
    assert caught.value.exit_code == 3
    assert str(caught.value) == (f"{PY} has no pip and uv is not on PATH: run {PY} -m ensurepip --upgrade (or install "
                                 "uv), then again")


def _tool(folder: Path, name: str, text: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + (f"echo '{text}'\n" if text else "") + "exit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_source_build_gets_torch_its_prerequisites_and_no_isolation(matrix: Matrix, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    _tool(tmp_path / "bin", "c++")
    house = tmp_path / "wheelhouse"
    extra = {"MMCOMPAT_WHEELHOUSE": str(house), "MAX_JOBS": "2"}
    env = env_with("pip==23.2.1", python_version="3.12.1")
    planned = plan(matrix, ["mmpose==1.3.2", "mmdet==3.2.0"], env, cuda="cpu", allow_build=True, extra=extra)
    pins = ("torch==2.4.1", "torchvision==0.19.1")
    folder = planned.steps[4].argv[-2]
    assert folder.startswith(f"{house}/mmcv-2.1.0-torch2.4.1+cpu-cpu-cp312-linux_")  # keyed by the exact torch
    assert [(s.kind, s.argv, dict(s.env)) for s in planned.steps] == [
        ("torch", (PY, "-m", "pip", "install", *pins, "--index-url", "https://download.pytorch.org/whl/cpu"), {}),
        ("prerequisites", (PY, "-m", "pip", "install", *pins, "pip", "setuptools", "wheel"), {}),
        ("build", (PY, "-m", "pip", "install", *pins, "numpy<2", "--no-build-isolation", "chumpy==0.70"), {}),
        ("prerequisites", (PY, "-m", "pip", "install", *pins, "setuptools<82.0.0", "wheel", "ninja", "psutil"), {}),
        ("build", (PY, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "--no-cache-dir", "--no-binary",
                   "mmcv", "-w", folder, "mmcv==2.1.0"), {"MMCV_WITH_OPS": "1", "MAX_JOBS": "2"}),
        ("install", (PY, "-m", "pip", "install", *pins, "mmpose==1.3.2", "mmdet==3.2.0", "mmcv==2.1.0",
                     "mmengine>=0.9.0,<1.0.0", "numpy<2", "-f", folder, "--only-binary", "mmcv"), {}),
    ]
    assert planned.steps[4].shell() == (f"MMCV_WITH_OPS=1 MAX_JOBS=2 {PY} -m pip wheel -v --no-deps "
                                        f"--no-build-isolation --no-cache-dir --no-binary mmcv -w {folder} mmcv==2.1.0")
    # a wheel of that key in the wheelhouse: no build, the install takes it from there
    Path(folder).mkdir(parents=True)
    (Path(folder) / "mmcv-2.1.0-cp312-cp312-linux_x86_64.whl").write_bytes(b"")
    again = plan(matrix, ["mmpose==1.3.2", "mmdet==3.2.0"], env, cuda="cpu", allow_build=True, extra=extra)
    assert [s.kind for s in again.steps] == ["torch", "prerequisites", "build", "install"]  # chumpy's, not mmcv's
    assert again.steps[-1].argv[-4:-2] == ("-f", folder)
    assert any(n.startswith("reusing mmcv-2.1.0-cp312-cp312-linux_x86_64.whl from the wheelhouse") for n in again.notes)
    # another torch is another key: never that wheel
    other = plan(matrix, ["mmpose==1.3.2", "mmdet==3.2.0"], env, cuda="cpu", torch="2.3.1", allow_build=True,
                 extra=extra)
    assert "build" in [s.kind for s in other.steps] and folder not in other.steps[-1].argv


def test_a_cuda_build_needs_the_matching_nvcc(matrix: Matrix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    _tool(tmp_path / "bin", "c++")
    targets = ["mmpose==1.3.2", "mmdet==3.2.0"]
    env = env_with("pip==23.2.1", python_version="3.12.1")
    with pytest.raises(PlanRefused) as caught:
        plan(matrix, targets, env, cuda="12.1", allow_build=True)
    assert str(caught.value) == (
        "mmcv 2.1.0 must be compiled for linux/CUDA 12.1/torch 2.4/CPython 3.12 and this machine lacks: nvcc of CUDA "
        "12.1 (set CUDA_HOME to a CUDA 12.1 toolkit, or put its bin/ on PATH; conda: conda install -c nvidia "
        "cuda-toolkit=12.1)")
    _tool(tmp_path / "cuda118" / "bin", "nvcc", "Cuda compilation tools, release 11.8, V11.8.89")
    with pytest.raises(PlanRefused, match=r"nvcc of CUDA 12.1 to match torch's CUDA \(found CUDA 11.8 at "):
        plan(matrix, targets, env, cuda="12.1", allow_build=True, extra={"CUDA_HOME": str(tmp_path / "cuda118")})
    _tool(tmp_path / "cuda121" / "bin", "nvcc", "Cuda compilation tools, release 12.1, V12.1.105")
    planned = plan(matrix, targets, env, cuda="12.1", allow_build=True,
                   extra={"CUDA_HOME": str(tmp_path / "cuda121"), "MAX_JOBS": "1",
                          "MMCOMPAT_WHEELHOUSE": str(tmp_path / "house"), "MMCOMPAT_GPU_COMPUTE_CAP": "8.6"})
    # the GPU's own architecture only, not every one torch knows
    assert dict(planned.steps[4].env) == {"MMCV_WITH_OPS": "1", "MAX_JOBS": "1", "FORCE_CUDA": "1",
                                          "TORCH_CUDA_ARCH_LIST": "8.6"}
    assert "-torch2.4.1+cu121-12.1-cp312-" in planned.steps[4].argv[-2] and "-8.6-" in planned.steps[4].argv[-2]


def test_a_source_build_without_a_compiler_is_refused(matrix: Matrix, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PlanRefused, match="this machine lacks: a C\\+\\+ compiler"):
        plan(matrix, ["mmpose==1.3.2", "mmdet==3.2.0"], env_with("pip==23.2.1", python_version="3.12.1"),
             cuda="cpu", allow_build=True)


def test_never_a_silent_compile(matrix: Matrix) -> None:
    """Without --allow-build a stack with no wheel is refused, never handed to pip to compile."""
    with pytest.raises(Exception) as caught:
        plan(matrix, ["mmpose==1.3.2", "mmdet==3.2.0"], env_with("pip==23.2.1", python_version="3.12.1"), cuda="cpu")
    assert caught.value.exit_code == 1 and "--allow-build (mmcv 2.1.0 compiled" in str(caught.value)  # type: ignore


def test_bad_torch_index_is_bad_input(matrix: Matrix) -> None:
    with pytest.raises(BadInput, match=r"refusing plain http to 'torch\.example\.org'"):
        plan(matrix, ["mmpose==1.3.2"], env_with("pip==23.2.1"),
             extra={"MMCOMPAT_TORCH_INDEX_URL": "http://torch.example.org/whl"})


def test_a_platform_that_contradicts_the_target_is_bad_input(matrix: Matrix) -> None:
    with pytest.raises(BadInput) as caught:
        plan(matrix, ["mmpose==1.3.2"], env_with("pip==23.2.1"), platform="windows")
    assert str(caught.value) == ("--platform windows contradicts /venv/bin/python, which runs on linux: leave "
                                 "--platform out, or plan for another machine with mmcompat resolve or constraints")


def test_an_externally_managed_target_is_warned_about(matrix: Matrix) -> None:
    env = env_with("pip==23.2.1")
    managed = Environment(env.python, env.python_version, env.platform, env.distributions, (), None,
                          externally_managed=True)
    planned = plan(matrix, ["mmpose==1.3.2"], managed)
    assert planned.warnings[0] == (
        f"{PY} is externally managed (PEP 668): pip will refuse to install into it; use a venv ({PY} -m venv .venv, "
        "then --python .venv/bin/python), or, if you mean it, pass pip's own flag after --: -- "
        "--break-system-packages")
    quiet = plan(matrix, ["mmpose==1.3.2"], managed, pip_args=["--break-system-packages"])
    assert not any("externally managed" in w for w in quiet.warnings)


def test_an_installed_torch_without_a_usable_version_asks_for_one(matrix: Matrix) -> None:
    env = env_with("pip==23.2.1", torch=TorchInfo("unknown", None, "/venv/lib/site-packages/torch/version.py"))
    with pytest.raises(BadInput) as caught:
        plan(matrix, ["mmpose==1.3.2"], env)
    assert str(caught.value) == ("the installed torch has no usable version ('unknown', read from "
                                 "/venv/lib/site-packages/torch/version.py); give --torch X.Y.Z")
    asked = plan(matrix, ["mmpose==1.3.2"], env, torch="2.1.2", cuda="12.1")  # as asked: planned over it
    assert asked.steps[0].kind == "torch"


def test_a_plain_http_onedl_mirror_is_bad_input(matrix: Matrix) -> None:
    with pytest.raises(BadInput, match=r"refusing plain http to 'wheels\.example\.org'"):
        plan(matrix, ["mmpose==1.3.2"], env_with("pip==23.2.1", python_version="3.10.13"), provider="onedl",
             cuda="12.8", extra={"MMCOMPAT_ONEDL_BASE_URL": "http://wheels.example.org"})


@pytest.mark.parametrize("sys_platform, name", [("linux", "linux"), ("linux2", "linux"), ("win32", "windows"),
                                                 ("cygwin", "windows"), ("darwin", "macos"), ("sunos5", "")])
def test_platform_names(sys_platform: str, name: str) -> None:
    from compat.answers.stack import platform_of

    assert platform_of(sys_platform) == name


def test_chumpy_is_built_only_where_it_is_missing_and_has_no_wheel(matrix: Matrix) -> None:
    have = plan(matrix, ["mmpose==1.3.2"], env_with("pip==23.2.1", "chumpy==0.70"))
    assert [s.kind for s in have.steps] == ["torch", "install"]
    old = plan(matrix, ["mmpose==0.29.0"], env_with("pip==23.2.1", python_version="3.10.13"), driver="none")
    assert [s.argv[-1] for s in old.steps if s.kind == "build"] == ["chumpy==0.70"]  # every mmpose needs it


def test_onedl_pins_onedl_mmdetection_for_the_mmdet_mmpose_imports(matrix: Matrix) -> None:
    planned = plan(matrix, ["mmpose==1.3.2"], env_with("pip==23.2.1", python_version="3.10.13"), provider="onedl",
                   cuda="12.8")
    final = planned.steps[-1].argv
    assert final[4:10] == ("torch==2.8.0", "torchvision==0.23.0", "mmpose==1.3.2", "onedl-mmdetection==3.5.1",
                           "onedl-mmcv==2.3.6", "onedl-mmengine>=0.9.0,<1.0.0")
    assert ("adding onedl-mmdetection 3.5.1 for mmdet: mmpose 1.3.2 imports mmdet at "
            "mmpose/models/heads/hybrid_heads/rtmo_head.py:9; onedl-mmdetection installs mmdet and asserts no mmcv "
            "version") in planned.notes


@pytest.mark.parametrize("mirror, index", [
    (None, "https://download.pytorch.org/whl/cpu"),
    ("https://mirror.example/pytorch/whl/", "https://mirror.example/pytorch/whl/cpu"),
])
def test_a_kept_cpu_torch_without_torchvision_takes_it_from_the_cpu_index(matrix: Matrix, mirror: Optional[str],
                                                                          index: str) -> None:
    """The registry's torchvision is the CUDA build, made for the registry's torch: beside a ``+cpu`` torch
    it fails at import (``operator torchvision::nms does not exist``)."""
    env = env_with("pip==23.2.1", "torch==2.1.2+cpu", torch=TorchInfo("2.1.2+cpu", None, "torch/version.py"))
    extra = {"MMCOMPAT_TORCH_INDEX_URL": mirror} if mirror else {}
    planned = plan(matrix, ["mmpose==1.3.2"], env, extra=extra)
    assert planned.steps[0] == Step(
        "torch", (PY, "-m", "pip", "install", "torch==2.1.2+cpu", "torchvision==0.16.2+cpu", "--index-url", index),
        f"torchvision 0.16.2 from {index}, the index of the kept torch's variant (cpu): the registry's is built for "
        "another torch build and fails beside this one")
    assert planned.steps[-1].argv[4:6] == ("torch==2.1.2", "torchvision==0.16.2")  # the +cpu ones satisfy these
    assert ("keeping the installed torch 2.1.2 (and torchvision 0.16.2, made for it): pinned in every step so pip "
            "cannot replace them") in planned.notes


def test_a_kept_registry_torch_takes_the_registry_torchvision(matrix: Matrix) -> None:
    """The registry's torch has no local tag in its metadata (its torch/version.py says +cu121): the
    registry's torchvision is the one made for it, in the main step."""
    env = env_with("pip==23.2.1", "torch==2.1.2", torch=TorchInfo("2.1.2+cu121", "12.1", "torch/version.py"))
    planned = plan(matrix, ["mmpose==1.3.2"], env)
    assert [s.kind for s in planned.steps] == ["prerequisites", "build", "install"]
    assert planned.steps[-1].argv[4:6] == ("torch==2.1.2", "torchvision==0.16.2")


def test_a_kept_torch_from_no_known_index_without_torchvision_is_refused(matrix: Matrix) -> None:
    env = env_with("pip==23.2.1", "torch==2.1.2+nv23.12", torch=TorchInfo("2.1.2+nv23.12", "12.1", "torch/version.py"))
    with pytest.raises(PlanRefused) as caught:
        plan(matrix, ["mmpose==1.3.2"], env)
    assert caught.value.problem == "torchvision"
    assert str(caught.value) == (
        "torch 2.1.2 is kept and has no torchvision beside it; its local version tag 'nv23.12' names no PyTorch "
        "index, and the registry's torchvision 0.16.2 is built for the registry's torch: install the torchvision "
        "built with this torch (from where torch came, or compiled against it: /venv/bin/python -m pip install "
        "--no-build-isolation --no-binary torchvision torchvision==0.16.2), then again")


def test_cpu_ops_beside_a_kept_cuda_torch_only_when_asked(matrix: Matrix, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry's torch 2.13.0 is a CUDA 13.0 build; on a machine without a GPU, --cuda cpu asks for
    the ops on the CPU only (a build of minutes), said in a note; the build hides any GPU from mmcv's
    setup.py, which compiles CUDA kernels when torch sees one. Without --cuda cpu: the CUDA build."""
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    _tool(tmp_path / "bin", "c++")
    _tool(tmp_path / "cuda130" / "bin", "nvcc", "Cuda compilation tools, release 13.0, V13.0.48")
    env = env_with("pip==23.2.1", "chumpy==0.70", "torch==2.13.0", "torchvision==0.28.0",
                   torch=TorchInfo("2.13.0+cu130", "13.0", "torch/version.py"))
    extra = {"MMCOMPAT_WHEELHOUSE": str(tmp_path / "house"), "MAX_JOBS": "2", "CUDA_HOME": str(tmp_path / "cuda130"),
             "MMCOMPAT_GPU_COMPUTE_CAP": "none"}
    cpu = plan(matrix, ["mmpose==1.3.2"], env, provider="onedl", allow_build=True, cuda="cpu", extra=extra)
    build = next(s for s in cpu.steps if s.kind == "build")
    assert dict(build.env) == {"MMCV_WITH_OPS": "1", "MAX_JOBS": "2", "CUDA_VISIBLE_DEVICES": ""}
    assert "-torch2.13.0+cu130-cpu-cp311-" in build.argv[-2]  # its own key: never the CUDA build's wheel
    assert ("onedl-mmcv's ops for the CPU only, as --cuda cpu asks, beside torch 2.13.0+cu130 (a CUDA 13.0 build): "
            "mmcv.ops computes on CPU tensors; on CUDA tensors its ops fail (no CUDA kernels); leave --cuda cpu out "
            "for a CUDA build of the ops") in cpu.notes
    cuda = plan(matrix, ["mmpose==1.3.2"], env, provider="onedl", allow_build=True, extra=extra)
    build = next(s for s in cuda.steps if s.kind == "build")
    assert dict(build.env) == {"MMCV_WITH_OPS": "1", "MAX_JOBS": "2", "FORCE_CUDA": "1"}
    assert not any("CPU only" in n for n in cuda.notes)
    assert any(w.endswith("; on a machine without a GPU, --cuda cpu compiles the ops for the CPU only (minutes, not "
                          "hours), keeping this torch") for w in cuda.warnings)


@pytest.mark.parametrize("installed, cuda, said", [
    (TorchInfo("2.1.2+cpu", None, "torch/version.py"), "12.1",
     "(a CPU build), which the plan keeps: leave --cuda out; "),
    (TorchInfo("2.1.2+cu121", "12.1", "torch/version.py"), "cu118",
     "(a CUDA 12.1 build), which the plan keeps: leave --cuda out, or give --cuda cpu for mmcv's ops on the CPU "
     "only; "),
    (TorchInfo("2.1.2+rocm5.6", None, "torch/version.py"), "12.1",
     "(a rocm5.6 build), which the plan keeps: leave --cuda out; "),
])
def test_a_cuda_that_contradicts_the_kept_torch_is_bad_input(matrix: Matrix, installed: TorchInfo, cuda: str,
                                                             said: str) -> None:
    """A CPU torch cannot run CUDA ops, nor a CUDA 12.1 torch ops built with CUDA 11.8: only cpu is honest
    (the ops on the CPU beside a CUDA torch)."""
    env = env_with("pip==23.2.1", f"torch=={installed.version}", torch=installed)
    with pytest.raises(BadInput) as caught:
        plan(matrix, ["mmpose==1.3.2"], env, cuda=cuda)
    assert str(caught.value) == (f"--cuda {cuda} contradicts the installed torch {installed.version} {said}for CUDA "
                                 f"{'12.1' if cuda == '12.1' else '11.8'}, name another torch release with --torch, or "
                                 "use an environment without this torch")
    assert plan(matrix, ["mmpose==1.3.2"], env, cuda=installed.cuda or "cpu").stack.torch.installed  # the same: fine
