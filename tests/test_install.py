"""``mmcompat install`` end to end on fresh machines: real venvs (CPython 3.8, 3.10, 3.11, 3.12 where this
machine has them), real pip, and on 127.0.0.1 a PyTorch-like index of stand-in torch/torchvision wheels,
OpenMMLab find-links pages of stand-in mmcv wheels, a simple index with an mmcv sdist shaped like the
real one (pkg_resources at the top of setup.py, ops compiled only when torch imports), and a JSON index
that says whether xtcocotools has a wheel."""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional

import pytest

from .conftest import Run
from .fixtures_indexes import BuildTools, cache_folder
from .indexes import (
    LoopbackServer,
    MmcvBuild,
    PipVenv,
    TorchBuild,
    ext_suffix,
    isolated_pip_env,
    mmcv_sdist,
    openmmlab_links,
    serve,
    simple_index,
    torch_index,
)
from .standins import build_wheel

pytestmark = pytest.mark.slow

DRIVER = "535.104.05"


def pyenv_python(version: str) -> Optional[str]:
    """This machine's CPython ``version`` (``3.10``), or None."""
    if "{}.{}".format(*sys.version_info[:2]) == version:
        return sys.executable
    found = sorted(glob.glob(f"/root/.pyenv/versions/{version}.*/bin/python{version}"))
    return found[-1] if found else None


def _tag(python: str) -> str:
    digits = python.replace(".", "")
    return f"cp{digits}-cp{digits}-manylinux1_x86_64"


class Sites(NamedTuple):
    server: LoopbackServer
    env: Dict[str, str]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    """Every index a fresh-machine install meets, on one loopback server."""
    root = tmp_path_factory.mktemp("sites")
    torch_index(root, [TorchBuild("2.4.1", "0.19.1", "cu121"), TorchBuild("2.4.1", "0.19.1", "cpu"),
                       TorchBuild("2.1.2", "0.16.2", "cu121"), TorchBuild("2.1.2", "0.16.2", "cpu"),
                       TorchBuild("1.11.0", "0.12.0", "cu113")])
    openmmlab_links(root, [
        *(MmcvBuild("mmcv", "2.2.0", "cu121", "torch2.4", _tag(p)) for p in ("3.8", "3.10", "3.11", "3.12")),
        MmcvBuild("mmcv", "2.2.0", "cu121", "torch2.1", _tag("3.11")),
        *(MmcvBuild("mmcv", "2.1.0", "cu121", "torch2.1", _tag(p)) for p in ("3.8", "3.10", "3.11")),
        MmcvBuild("mmcv", "2.1.0", "cpu", "torch2.1", _tag("3.11")),
        MmcvBuild("mmcv-full", "1.5.3", "cu113", "torch1.11.0", _tag("3.10")),
    ])
    xtcocotools = build_wheel(root, "xtcocotools", "1.14.3", {"xtcocotools/__init__.py": b""})
    simple_index(root, {"xtcocotools": [xtcocotools]}, root="registry", json_pages=True)
    with serve(root) as server:
        env = isolated_pip_env(extra={
            "MMCV_BASE_URL": server.url,
            "MMCOMPAT_TORCH_INDEX_URL": f"{server.url}/whl",
            "MMCOMPAT_CUDA_DRIVER_VERSION": DRIVER,
            "MMCOMPAT_SIMPLE_URL": f"{server.url}/registry",
        })
        yield Sites(server, env)


@pytest.fixture(scope="session")
def numpy_wheels(request: pytest.FixtureRequest) -> Path:
    """numpy 1.26.4 (the newest below 2) for CPython 3.10 and 3.12 too, cached in pytest's cache folder."""
    with cache_folder(request, "mmcompat-numpy-wheels") as folder:
        for version in ("3.10", "3.12"):
            if not list(folder.glob(f"numpy-1.26.4-cp{version.replace('.', '')}-*.whl")):
                done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                                       "--python-version", version, "-d", str(folder), "numpy==1.26.4"],
                                      capture_output=True, text=True, timeout=600)
                assert done.returncode == 0, done.stdout + done.stderr
    return folder


def _freeze(venv: PipVenv) -> str:
    return venv.pip("freeze").stdout


def _wheelhouse_args(wheelhouse: Path) -> List[str]:
    return ["--", "--no-deps", "--no-index", "-f", str(wheelhouse), "-q"]


def _with_chumpy(venv: PipVenv, folder: Path) -> None:
    """A stand-in chumpy installed, so the plan has no chumpy to build (the real build is tested below)."""
    wheel = build_wheel(folder, "chumpy", "0.70", {"chumpy/__init__.py": b""})
    assert venv.pip("install", "-q", "--no-deps", str(wheel)).returncode == 0


#: What a stand-in install (tiny torch, mmcv and packages without their dependencies) ends in: the proof
#: that imports the API fails, and says so.
PROOF_FAILS = "mmcompat: error: import mmpose.apis fails in "


def test_fresh_machine_dry_run_plans_torch_first_and_changes_nothing(run: Run, sites: Sites,
                                                                     fresh_venv: PipVenv) -> None:
    before = _freeze(fresh_venv)
    done = run("install", "mmpose==1.3.2", "--python", fresh_venv.python, "--dry-run", env=sites.env)
    assert done.returncode == 0, done.stderr
    base, py, pins = sites.server.url, fresh_venv.python, "torch==2.1.2 torchvision==0.16.2"
    assert done.stdout.splitlines() == [
        f"{py} -m pip install {pins} --index-url {base}/whl/cu121",
        f"{py} -m pip install {pins} pip setuptools wheel",
        f"{py} -m pip install {pins} 'numpy<2' --no-build-isolation chumpy==0.70",
        f"{py} -m pip install {pins} mmpose==1.3.2 mmdet==3.2.0 mmcv==2.1.0 "
        f"'mmengine>=0.9.0,<1.0.0' 'numpy<2' -f {base}/mmcv/dist/cu121/torch2.1/index.html --only-binary mmcv",
    ]
    assert f"mmcompat: NVIDIA driver {DRIVER} (from MMCOMPAT_CUDA_DRIVER_VERSION)\n" in done.stderr
    assert ("mmcompat: adding mmdet: mmpose 1.3.2 imports it at mmpose/models/heads/hybrid_heads/rtmo_head.py:9\n"
            in done.stderr)
    assert ("GET", "/mmcv/dist/cu121/torch2.1/index.html", 200) in sites.server.hits  # the page was checked
    assert _freeze(fresh_venv) == before


def test_fresh_machine_install_gets_torch_then_prebuilt_mmcv_with_ops(run: Run, sites: Sites, fresh_venv: PipVenv,
                                                                      wheelhouse: Path, tmp_path: Path) -> None:
    _with_chumpy(fresh_venv, tmp_path)
    done = run("install", "mmpose==1.3.2", "--python", fresh_venv.python, *_wheelhouse_args(wheelhouse),
               env=sites.env)
    assert done.stdout.endswith("doctor: no problems found\n"), done.stdout
    version = (fresh_venv.site / "torch" / "version.py").read_text()
    assert "__version__ = '2.1.2+cu121'" in version  # from the PyTorch index, not the registry's default build
    assert list((fresh_venv.site / "mmcv").glob("_ext*.so"))
    freeze = _freeze(fresh_venv)
    assert "mmcv==2.1.0" in freeze and "mmpose==1.3.2" in freeze and "mmdet==3.2.0" in freeze
    assert "torchvision==0.16.2+cu121" in freeze
    assert done.returncode == 1 and PROOF_FAILS + fresh_venv.python in done.stderr, done.stderr


def test_installed_torch_is_kept_and_pinned(run: Run, sites: Sites, fresh_venv: PipVenv) -> None:
    installed = fresh_venv.pip("install", "-q", "torch==2.1.2", "torchvision==0.16.2", "--index-url",
                               f"{sites.server.url}/whl/cu121", env=sites.env)
    assert installed.returncode == 0, installed.stderr
    done = run("install", "mmpose==1.3.2", "--python", fresh_venv.python, "--dry-run", env=sites.env)
    assert done.returncode == 0, done.stderr
    command = done.stdout.splitlines()[-1]
    assert command.startswith(f"{fresh_venv.python} -m pip install torch==2.1.2 torchvision==0.16.2 mmpose==1.3.2 "
                              "mmdet==3.2.0 mmcv==2.1.0 ")
    assert "mmcompat: keeping the installed torch 2.1.2 and torchvision 0.16.2" in done.stderr


def test_a_kept_torchvision_that_does_not_import_refuses_before_anything_runs(run: Run, sites: Sites,
                                                                            fresh_venv: PipVenv) -> None:
    """A torchvision built for another torch (the registry's CUDA build beside a CPU torch of the same
    version) fails at import with torch's own message; every MMPose imports torchvision, and the plan keeps
    it as it is: so nothing runs (no hour-long build ending in a broken environment), the error says why."""
    installed = fresh_venv.pip("install", "-q", "torch==2.1.2", "torchvision==0.16.2", "--index-url",
                               f"{sites.server.url}/whl/cu121", env=sites.env)
    assert installed.returncode == 0, installed.stderr
    (fresh_venv.site / "torchvision" / "__init__.py").write_text(
        "raise RuntimeError('operator torchvision::nms does not exist')\n")  # what torch raises for it
    before = _freeze(fresh_venv)
    py, base = fresh_venv.python, sites.server.url
    out = str(fresh_venv.site.parent / "wheels")
    for command in (["install", "--dry-run"], ["install"], ["build", "-o", out]):  # the plan meets it, once
        done = run(*command, "mmpose==1.3.2", "--python", py, env=sites.env)
        assert done.returncode == 1 and done.stdout == "", done.stderr
        assert done.stderr.endswith(
            f"mmcompat: error: nothing was run: torchvision 0.16.2+cu121, which the plan keeps beside torch 2.1.2, "
            f"import torchvision fails in {py}: RuntimeError: operator torchvision::nms does not exist; the installed "
            "torchvision was built for another torch than the installed one (its compiled operators do not "
            f"register); reinstall the one built with it: {py} -m pip install --force-reinstall --no-deps "
            f"torchvision==0.16.2+cu121 --index-url {base}/whl/cu121\n"), done.stderr
        assert "mmcompat: [1/" not in done.stderr and _freeze(fresh_venv) == before


def test_a_kept_cpu_torch_gets_the_torchvision_of_the_cpu_index(run: Run, sites: Sites, fresh_venv: PipVenv,
                                                                  wheelhouse: Path, tmp_path: Path) -> None:
    """A CPU torch kept without torchvision: the registry's torchvision (a CUDA build, made for the
    registry's torch) would fail beside it; the plan takes the one of the CPU index, before every other step."""
    py, base = fresh_venv.python, sites.server.url
    installed = fresh_venv.pip("install", "-q", "torch==2.1.2", "--index-url", f"{base}/whl/cpu", env=sites.env)
    assert installed.returncode == 0, installed.stderr
    _with_chumpy(fresh_venv, tmp_path)
    done = run("install", "mmpose==1.3.2", "--python", py, "--dry-run", env=sites.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (f"{py} -m pip install torch==2.1.2+cpu torchvision==0.16.2+cpu "
                                           f"--index-url {base}/whl/cpu")
    assert "torchvision" not in _freeze(fresh_venv)
    done = run("install", "mmpose==1.3.2", "--python", py, *_wheelhouse_args(wheelhouse), env=sites.env)
    freeze = _freeze(fresh_venv).splitlines()
    assert "torch==2.1.2+cpu" in freeze and "torchvision==0.16.2+cpu" in freeze, freeze
    assert "mmcv==2.1.0" in freeze and (fresh_venv.site / "torchvision" / "version.py").read_text().endswith(
        "cuda = None\n")
    assert done.returncode == 1 and PROOF_FAILS + py in done.stderr, done.stderr  # stand-ins: no real mmpose API


def test_a_page_without_the_wheel_refuses_before_anything_runs(run: Run, sites: Sites, fresh_venv: PipVenv,
                                                               tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    openmmlab_links(tmp_path / "site", [MmcvBuild("mmcv", "2.1.0", "cu121", "torch2.1", _tag("3.8"))])
    with serve(tmp_path / "site") as other:
        done = run("install", "mmpose==1.3.2", "--python", fresh_venv.python,
                   env=dict(sites.env, MMCV_BASE_URL=other.url))
    assert done.returncode == 1 and done.stdout == ""
    version = "{}{}".format(*sys.version_info[:2])
    assert done.stderr.endswith(
        f"mmcompat: error: {other.url}/mmcv/dist/cu121/torch2.1/index.html has no mmcv 2.1.0 wheel for CPython "
        f"{sys.version_info[0]}.{sys.version_info[1]} on linux (mmcv wheels for linux there: 2.1.0 (cp38)): nothing "
        "was installed; try another --python-version or --torch, or --allow-build\n"), version
    assert "torch" not in _freeze(fresh_venv)


def test_an_unreachable_page_is_a_warning_and_offline_skips_it(run: Run, sites: Sites, fresh_venv: PipVenv) -> None:
    env = dict(sites.env, MMCV_BASE_URL="http://127.0.0.1:1")
    done = run("install", "mmpose==1.3.2", "--python", fresh_venv.python, "--dry-run", env=env)
    assert done.returncode == 0
    assert ("mmcompat: warning: could not check http://127.0.0.1:1/mmcv/dist/cu121/torch2.1/index.html for the mmcv "
            "2.1.0 wheel (cannot connect (Connection refused)); going on\n") in done.stderr
    offline = run("install", "mmpose==1.3.2", "--python", fresh_venv.python, "--dry-run", "--offline", env=env)
    assert offline.returncode == 0 and "could not check http" not in offline.stderr


# The same question on every CPython this machine has: the plan follows the target interpreter.
PER_PYTHON = [
    ("3.8", "mmpose==0.28.0", ["torch==1.11.0", "torchvision==0.12.0", "--index-url", "/whl/cu113"],
     "mmcv-full==1.5.3"),
    ("3.10", "mmpose==0.28.0", ["torch==1.11.0", "torchvision==0.12.0", "--index-url", "/whl/cu113"],
     "mmcv-full==1.5.3"),
    ("3.11", "mmpose==1.3.2", ["torch==2.1.2", "torchvision==0.16.2", "--index-url", "/whl/cu121"], "mmcv==2.1.0"),
]


@pytest.mark.parametrize("version, target, torch, mmcv", PER_PYTHON)
def test_the_plan_follows_the_target_python(run: Run, sites: Sites, tmp_path: Path, version: str, target: str,
                                            torch: List[str], mmcv: str) -> None:
    python = pyenv_python(version)
    if python is None:
        pytest.skip(f"no CPython {version} on this machine")
    venv = PipVenv(tmp_path / "venv", python)
    done = run("install", target, "--python", venv.python, "--dry-run", "--offline", env=sites.env)
    assert done.returncode == 0, done.stderr
    first, last = done.stdout.splitlines()[0], done.stdout.splitlines()[-1]
    expected = [venv.python, "-m", "pip", "install", *torch[:-1], sites.server.url + torch[-1]]
    assert first == " ".join(expected)
    assert f" {mmcv} " in last and "--only-binary" in last


def test_no_wheel_for_this_python_names_the_python_that_has_one(run: Run, sites: Sites) -> None:
    python = pyenv_python("3.11")
    if python is None:
        pytest.skip("no CPython 3.11 on this machine")
    venv = PipVenv(Path(sites.server.folder).parent / "venv311", python)
    done = run("install", "mmpose==0.28.0", "--cuda", "11.3", "--python", venv.python, "--dry-run", env=sites.env)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.endswith("Ways out: Python 3.10 (--python-version 3.10): torch 1.11.0 with CUDA 11.3, "
                                "mmcv-full 1.5.3\n")


def test_plain_http_mirror_is_refused(run: Run, sites: Sites, fresh_venv: PipVenv) -> None:
    done = run("install", "mmpose==1.3.2", "--python", fresh_venv.python, "--dry-run",
               env=dict(sites.env, MMCV_BASE_URL="http://mirror.example.com"))
    assert done.returncode == 2 and "refusing plain http to 'mirror.example.com'" in done.stderr


def test_a_failing_step_exits_3_and_names_it(run: Run, sites: Sites, fresh_venv: PipVenv, tmp_path: Path) -> None:
    _with_chumpy(fresh_venv, tmp_path)
    done = run("install", "mmpose==1.3.2", "--python", fresh_venv.python, "--", "--no-index", "--no-deps", "-q",
               env=sites.env)  # mmpose is in no index the final step may use
    assert done.returncode == 3
    assert "mmcompat: error: install step failed with exit 1: " in done.stderr


def test_conflicting_mmcv_needs_fix_conflicts(run: Run, sites: Sites, tmp_path: Path, wheelhouse: Path,
                                              numpy_wheels: Path) -> None:
    python = pyenv_python("3.10")
    if python is None:
        pytest.skip("no CPython 3.10 on this machine")
    venv = PipVenv(tmp_path / "venv", python)
    assert venv.pip("install", "-q", "--no-deps", "--no-index", "-f", str(wheelhouse), "mmcv==1.7.0").returncode == 0
    args = ["install", "mmpose==0.28.0", "--python", venv.python, *_wheelhouse_args(wheelhouse), "-f",
            str(numpy_wheels)]
    refused = run(*args, env=sites.env)
    assert refused.returncode == 1
    assert refused.stderr.endswith(
        "mmcompat: error: mmcv is installed and shares the mmcv/ package with mmcv-full: installing over it would "
        "clobber files; rerun with --fix-conflicts to uninstall it first, or run: "
        f"{venv.python} -m pip uninstall -y mmcv\n")
    assert "mmcv==1.7.0" in _freeze(venv)
    _with_chumpy(venv, tmp_path)
    fixed = run(*args[:4], "--fix-conflicts", *args[4:], env=sites.env)
    freeze = _freeze(venv)
    assert "mmcv-full==1.5.3" in freeze and "mmcv==" not in freeze and "torch==1.11.0+cu113" in freeze
    assert fixed.stdout.endswith("doctor: no problems found\n")
    assert fixed.returncode == 1 and PROOF_FAILS + venv.python in fixed.stderr, fixed.stdout + fixed.stderr


def test_constraints_file(run: Run, sites: Sites, tmp_path: Path) -> None:
    out = tmp_path / "constraints.txt"
    done = run("constraints", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "--python-version", "3.8",
               "-o", str(out), env=sites.env)
    chumpy = ("chumpy 0.70 first, on its own: pip cannot build it in isolation (its setup.py imports pip (from "
              "pip._internal.req import parse_requirements), which pip's isolated build environment lacks): "
              "pip install -c THIS_FILE pip setuptools wheel && "
              "pip install -c THIS_FILE --no-build-isolation chumpy==0.70")
    assert done.returncode == 0 and done.stderr == f"mmcompat: warning: {chumpy}\nmmcompat: wrote {out}\n"
    lines = out.read_text().splitlines()
    assert f"# {chumpy}" in lines
    assert lines[0] == "# pip constraints for mmpose==0.28.0 on linux/CUDA 11.3/torch 1.11/CPython 3.8, safe policy"
    assert lines[1].startswith("# produced by mmcompat ")
    assert (f"# torch and torchvision first: pip install torch==1.11.0 torchvision==0.12.0 --index-url "
            f"{sites.server.url}/whl/cu113") in lines
    assert lines[-5:] == ["torch==1.11.0", "torchvision==0.12.0", "mmpose==0.28.0", "mmcv-full==1.5.3", "numpy<2"]
    assert all(line.startswith("#") for line in lines[:-5])
    assert out.stat().st_mode & 0o044 == 0o044  # readable by others: a later non-root pip -c in Docker
    missing = run("constraints", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "-o",
                  str(tmp_path / "nowhere" / "c.txt"), env=sites.env)
    assert missing.returncode == 2 and "no folder" in missing.stderr


def test_no_xtcocotools_wheel_installs_its_build_prerequisites_first(run: Run, sites: Sites, fresh_venv: PipVenv,
                                                                   tmp_path: Path) -> None:
    other = tmp_path / "registry"
    wheel = build_wheel(tmp_path, "xtcocotools", "1.14.3", {"xtcocotools/__init__.py": b""},
                        tag="cp39-cp39-manylinux1_x86_64")  # a wheel, but not for this Python
    simple_index(other, {"xtcocotools": [wheel]}, root="simple", json_pages=True)
    with serve(other) as registry:
        done = run("install", "mmpose==1.3.2", "--python", fresh_venv.python, "--dry-run",
                   env=dict(sites.env, MMCOMPAT_SIMPLE_URL=f"{registry.url}/simple"))
    assert done.returncode == 0, done.stderr
    py, pins = fresh_venv.python, "torch==2.1.2 torchvision==0.16.2"
    assert done.stdout.splitlines()[3:5] == [
        f"{py} -m pip install {pins} cython numpy setuptools wheel",
        f"{py} -m pip install {pins} --no-build-isolation 'xtcocotools>=1.12'",
    ]
    assert "'numpy<2'" not in done.stdout  # a local build compiles against the numpy it finds


def test_registry_unreachable_is_said_plainly(run: Run, sites: Sites, fresh_venv: PipVenv) -> None:
    done = run("install", "mmpose==1.3.2", "--python", fresh_venv.python, "--dry-run",
               env=dict(sites.env, MMCOMPAT_SIMPLE_URL="http://127.0.0.1:1/simple"))
    assert done.returncode == 0
    assert ("mmcompat: warning: could not check whether xtcocotools>=1.12 has a wheel for "
            f"{fresh_venv.python} (cannot reach http://127.0.0.1:1/simple/xtcocotools/: ConnectionError)"
            ) in done.stderr


@pytest.fixture(scope="module")
def build_site(tmp_path_factory: pytest.TempPathFactory, build_tools: BuildTools) -> Path:
    """A simple index with the mmcv 2.1.0 sdist stand-in and the real build prerequisites (setuptools 81
    and 82, wheel, ninja, psutil) from the registry."""
    root = tmp_path_factory.mktemp("build-site")
    tools = root / "tools"
    tools.mkdir()
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d",
                           str(tools), "ninja", "psutil"], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(done.stdout + done.stderr)
    sdist = mmcv_sdist(root, "mmcv", "2.1.0")
    simple_index(root, {
        "mmcv": [sdist],
        "setuptools": [build_tools.setuptools_81, build_tools.setuptools_82],
        "wheel": [build_tools.wheel],
        "ninja": list(tools.glob("ninja-*.whl")),
        "psutil": list(tools.glob("psutil-*.whl")),
    })
    return root


def test_allow_build_compiles_mmcv_with_its_ops(run: Run, sites: Sites, build_site: Path, tmp_path: Path,
                                                wheelhouse: Path, numpy_wheels: Path) -> None:
    """mmcv 2.1.0 (mmdet 3.2.0 asks mmcv<2.2.0) has no CPython 3.12 wheel: --allow-build compiles it for
    real, against the torch installed first, with setuptools<82, and doctor then finds its ops."""
    python = pyenv_python("3.12")
    if python is None:
        pytest.skip("no CPython 3.12 on this machine")
    venv = PipVenv(tmp_path / "venv", python)
    _with_chumpy(venv, tmp_path)
    with serve(build_site) as builds:
        env = dict(sites.env, PIP_INDEX_URL=f"{builds.url}/simple")
        done = run("install", "mmpose==1.3.2", "mmdet==3.2.0", "--cuda", "cpu", "--allow-build", "--python",
                   venv.python, "--", "--no-deps", "--no-index", "-f", str(wheelhouse), "-f", str(numpy_wheels),
                   "-q", env=env)
    assert done.returncode == 1 and PROOF_FAILS + venv.python in done.stderr, done.stdout + done.stderr
    assert "mmcompat: warning: mmcv 2.1.0 has no prebuilt wheel for linux/CPU/torch 2.4/CPython 3.12" in done.stderr
    info = (venv.site / "mmcv" / "_build_info.py").read_text()
    assert "MMCV_WITH_OPS = '1'" in info and "WITH_EXT = True" in info and "SETUPTOOLS_VERSION = '81.0.0'" in info
    assert list((venv.site / "mmcv").glob("_ext*.so"))
    assert venv.run("import mmcv.ops").returncode == 0
    assert done.stdout.endswith("doctor: no problems found\n"), done.stdout


def test_plain_pip_of_the_same_sdist_builds_no_ops(sites: Sites, build_site: Path, fresh_venv: PipVenv) -> None:
    """What mmcompat avoids: pip alone, even after torch, builds mmcv in isolation without torch (or fails
    on setuptools 82)."""
    assert fresh_venv.pip("install", "-q", "torch==2.4.1", "--index-url", f"{sites.server.url}/whl/cpu",
                          env=sites.env).returncode == 0
    with serve(build_site) as builds:
        done = fresh_venv.pip("install", "mmcv==2.1.0", "--index-url", f"{builds.url}/simple", env=sites.env)
    assert done.returncode != 0 and "pkg_resources" in done.stdout + done.stderr  # setuptools 82 was chosen


def test_a_requirements_export_installs_with_one_pip_command(run: Run, sites: Sites, fresh_venv: PipVenv,
                                                               wheelhouse: Path, tmp_path: Path) -> None:
    """``constraints --format requirements``: torch pinned to its local version so only the PyTorch index
    can serve it, mmcv only as a prebuilt wheel; ``pip install -r`` runs it whole."""
    out = tmp_path / "requirements.txt"
    done = run("constraints", "mmpose==1.3.2", "--python", fresh_venv.python, "--format", "requirements", "-o",
               str(out), env=sites.env)
    assert done.returncode == 0, done.stderr
    lines = [line for line in out.read_text().splitlines() if not line.startswith("#")]
    base = sites.server.url
    assert lines == [f"--extra-index-url {base}/whl/cu121", f"--find-links {base}/mmcv/dist/cu121/torch2.1/index.html",
                     "--only-binary mmcv", "torch==2.1.2+cu121", "torchvision==0.16.2+cu121", "mmpose==1.3.2",
                     "mmdet==3.2.0", "mmcv==2.1.0", "mmengine>=0.9.0,<1.0.0", "numpy<2"]
    (tmp_path / "empty" / "simple").mkdir(parents=True)
    with serve(tmp_path / "empty") as empty:  # the registry stand-in: nothing there, so torch must come from
        installed = fresh_venv.pip("install", "-q", "--no-deps", "-r", str(out), "--index-url",  # the extra index
                                   f"{empty.url}/simple", "-f", str(wheelhouse), env=sites.env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    freeze = _freeze(fresh_venv)
    assert "torch==2.1.2+cu121" in freeze and "mmcv==2.1.0" in freeze and "mmpose==1.3.2" in freeze
    assert "mmdet==3.2.0" in freeze


def test_a_uv_export_parses_and_names_a_wheel_per_python(run: Run, sites: Sites) -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - older test interpreters
        import tomli as tomllib

    done = run("constraints", "mmpose==1.3.2", "--cuda", "12.1", "--python-version", "3.11", "--format", "uv",
               env=sites.env)
    assert done.returncode == 0, done.stderr
    uv = tomllib.loads(done.stdout)["tool"]["uv"]
    assert uv["constraint-dependencies"] == ["torch==2.1.2", "torchvision==0.16.2", "mmpose==1.3.2", "mmdet==3.2.0",
                                             "mmcv==2.1.0", "mmengine>=0.9.0,<1.0.0", "numpy<2"]
    assert uv["index"] == [{"name": "pytorch-cu121", "url": f"{sites.server.url}/whl/cu121", "explicit": True}]
    assert uv["sources"]["torch"] == uv["sources"]["torchvision"] == [{"index": "pytorch-cu121"}]
    base = f"{sites.server.url}/mmcv/dist/cu121/torch2.1.0"
    assert uv["sources"]["mmcv"] == [
        {"url": f"{base}/mmcv-2.1.0-cp{v.replace('.', '')}-cp{v.replace('.', '')}-manylinux1_x86_64.whl",
         "marker": f"python_version == '{v}'"} for v in ("3.8", "3.9", "3.10", "3.11")]


@pytest.fixture(scope="session")
def onedl_engine(request: pytest.FixtureRequest) -> Path:
    """The real onedl-mmengine wheel from the registry (it installs mmengine/; needs CPython >= 3.10)."""
    with cache_folder(request, "mmcompat-onedl") as folder:
        if not list(folder.glob("onedl_mmengine-0.10.12-*.whl")):
            done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                                   "-d", str(folder), "onedl-mmengine==0.10.12"], capture_output=True, text=True,
                                  timeout=600)
            assert done.returncode == 0, done.stdout + done.stderr
    return folder


def test_onedl_install_for_a_torch_openmmlab_never_built_for(run: Run, sites: Sites, tmp_path: Path,
                                                             wheelhouse: Path, numpy_wheels: Path,
                                                             onedl_engine: Path) -> None:
    """torch 2.8 with CUDA 12.8 on CPython 3.10: OpenMMLab has no wheel, onedl-mmcv has; its site laid out
    like mmwheels.onedl.ai on 127.0.0.1 (MMCOMPAT_ONEDL_BASE_URL), a stand-in wheel that installs mmcv/."""
    python = pyenv_python("3.10")
    if python is None:
        pytest.skip("no CPython 3.10 on this machine")
    site = tmp_path / "onedl"
    page_folder = site / "cu128-torch280" / "simple" / "onedl-mmcv"
    page_folder.mkdir(parents=True)
    tag = "cp310-cp310-manylinux_2_34_x86_64"
    onedl_wheel = build_wheel(page_folder, "onedl-mmcv", "2.3.6", {  # imports as mmcv, with its ops
        "mmcv/__init__.py": b"from .version import __version__\n",
        "mmcv/version.py": b"from importlib.metadata import version\n__version__ = version('onedl-mmcv')\n",
        "mmcv/ops/__init__.py": b"from .. import _ext\n",
        f"mmcv/_ext{ext_suffix(tag)}": b"\x7fELF stand-in for the compiled ops",
    }, tag=tag)
    (page_folder / "index.html").write_text(f'<a href="{onedl_wheel.name}">{onedl_wheel.name}</a>\n')
    detection = tmp_path / "detection"  # stands in for the onedl-mmdetection sdist: installs mmdet/
    detection.mkdir()
    build_wheel(detection, "onedl-mmdetection", "3.5.1", {"mmdet/__init__.py": b"__version__ = '3.5.1'\n"})
    (tmp_path / "torch").mkdir()
    torch_index(tmp_path / "torch", [TorchBuild("2.8.0", "0.23.0", "cu128")])
    venv = PipVenv(tmp_path / "venv", python)
    _with_chumpy(venv, tmp_path)
    with serve(site) as onedl, serve(tmp_path / "torch") as torch_site:
        env = dict(sites.env, MMCOMPAT_ONEDL_BASE_URL=onedl.url, MMCOMPAT_TORCH_INDEX_URL=f"{torch_site.url}/whl")
        done = run("install", "mmpose==1.3.2", "--provider", "onedl", "--cuda", "12.8", "--python", venv.python,
                   "--", "--no-deps", "--no-index", "-f", str(wheelhouse), "-f", str(numpy_wheels), "-f",
                   str(onedl_engine), "-f", str(detection), "-q", env=env)
    assert done.returncode == 1 and PROOF_FAILS + venv.python in done.stderr, done.stdout + done.stderr
    assert "mmcompat: adding onedl-mmdetection 3.5.1 for mmdet: mmpose 1.3.2 imports mmdet at " in done.stderr
    freeze = _freeze(venv)
    assert "onedl-mmcv==2.3.6" in freeze.splitlines() and "onedl-mmengine==0.10.12" in freeze
    assert "onedl-mmdetection==3.5.1" in freeze
    assert not [line for line in freeze.splitlines() if line.startswith(("mmcv==", "mmengine=="))]
    assert "torch==2.8.0+cu128" in freeze
    assert done.stdout.endswith("doctor: no problems found\n"), done.stdout


def test_a_build_that_ends_without_ops_is_a_failure(run: Run, sites: Sites, build_site: Path, tmp_path: Path,
                                                    wheelhouse: Path, numpy_wheels: Path) -> None:
    """If the build cannot import torch (here a torch whose import fails as a missing module would), mmcv
    builds without its ops: install says so and exits 1, whatever pip said."""
    python = pyenv_python("3.12")
    if python is None:
        pytest.skip("no CPython 3.12 on this machine")
    venv = PipVenv(tmp_path / "venv", python)
    _with_chumpy(venv, tmp_path)
    links = tmp_path / "links"
    links.mkdir()
    text = "__version__ = '2.4.1+cpu'\ndebug = False\ncuda = None\ngit_version = 'x'\n"
    build_wheel(links, "torch", "2.4.1+cpu", {"torch/__init__.py": b"raise ModuleNotFoundError('no torch here')\n",
                                              "torch/version.py": text.encode()})
    build_wheel(links, "torchvision", "0.19.1+cpu", {"torchvision/__init__.py": b""})
    assert venv.pip("install", "-q", "--no-deps", "--no-index", "-f", str(links), "torch==2.4.1+cpu",
                    "torchvision==0.19.1+cpu").returncode == 0
    with serve(build_site) as builds:
        env = dict(sites.env, PIP_INDEX_URL=f"{builds.url}/simple")
        done = run("install", "mmpose==1.3.2", "mmdet==3.2.0", "--allow-build", "--python", venv.python, "--",
                   "--no-deps", "--no-index", "-f", str(wheelhouse), "-f", str(numpy_wheels), "-q", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "keeping the installed torch 2.4.1" in done.stderr
    assert done.stderr.endswith("mmcompat: error: the build of mmcv finished without compiled ops (mmcv/_ext): the "
                                "install is not usable; see the build output above\n")
    assert "WITH_EXT = False" in (venv.site / "mmcv" / "_build_info.py").read_text()


@pytest.fixture(scope="session")
def uv_binary(request: pytest.FixtureRequest) -> str:
    """uv from the package registry (a wheel with its binary), installed once into pytest's cache folder."""
    with cache_folder(request, "mmcompat-uv") as folder:
        uv = folder / "bin" / "uv"
        if not uv.is_file():
            done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(folder / "lib"),
                                   "--only-binary", ":all:", "uv"], capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                pytest.skip(f"uv could not be installed from the registry: {done.stderr.strip()[-300:]}")
            found = folder / "lib" / "bin" / "uv"
            uv.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(found, uv)
    return str(uv)


def test_uv_pip_compile_takes_the_uv_export(run: Run, sites: Sites, uv_binary: str, tmp_path: Path) -> None:
    """The uv fragment merged into a project's pyproject.toml: ``uv pip compile`` takes torch and
    torchvision from the PyTorch index only (explicit index, local versions), mmcv from the direct wheel
    URL of this CPython, the rest within the constraints; everything served on 127.0.0.1."""
    python = "{}.{}".format(*sys.version_info[:2])
    # OpenMMLab's site as it is: the page under torch2.1/, the files under the full version torch2.1.0/
    openmmlab = tmp_path / "openmmlab"
    openmmlab_links(openmmlab, [MmcvBuild("mmcv", "2.1.0", "cu121", "torch2.1", _tag(python))])
    files = openmmlab / "mmcv" / "dist" / "cu121" / "torch2.1.0"
    files.mkdir()
    for wheel in (openmmlab / "mmcv" / "dist" / "cu121" / "torch2.1").glob("*.whl"):
        wheel.rename(files / wheel.name)
    registry = tmp_path / "registry"
    wheels = [build_wheel(tmp_path, "mmpose", "1.3.2", {"mmpose/__init__.py": b""}),
              build_wheel(tmp_path, "mmpose", "1.3.1", {"mmpose/__init__.py": b""}),
              build_wheel(tmp_path, "mmengine", "0.10.4", {"mmengine/__init__.py": b""}),
              build_wheel(tmp_path, "mmengine", "1.0.0", {"mmengine/__init__.py": b""}),
              build_wheel(tmp_path, "torch", "2.5.0", {"torch/__init__.py": b""}),  # the registry's newer torch
              build_wheel(tmp_path, "mmdet", "3.3.0", {"mmdet/__init__.py": b""}),
              build_wheel(tmp_path, "mmdet", "3.2.0", {"mmdet/__init__.py": b""})]
    simple_index(registry, {"mmpose": wheels[:2], "mmengine": wheels[2:4], "torch": wheels[4:5], "mmdet": wheels[5:]})
    project = tmp_path / "project"
    project.mkdir()
    with serve(registry) as index, serve(openmmlab) as mmcv_site:
        done = run("constraints", "mmpose==1.3.2", "--cuda", "12.1", "--python-version", python, "--format", "uv",
                   env=dict(sites.env, MMCV_BASE_URL=mmcv_site.url))
        assert done.returncode == 0, done.stderr
        (project / "pyproject.toml").write_text(
            '[project]\nname = "pose-app"\nversion = "0.1.0"\n'
            'dependencies = ["mmpose", "mmdet", "mmengine", "mmcv", "torch", "torchvision"]\n\n' + done.stdout,
            encoding="utf-8")
        # the project's own pyproject.toml is uv's configuration (constraint-dependencies); no user's uv.toml
        env = dict(sites.env, UV_CACHE_DIR=str(tmp_path / "uv-cache"), XDG_CONFIG_HOME=str(tmp_path / "config"))
        compiled = subprocess.run([uv_binary, "pip", "compile", "pyproject.toml", "--index-url", f"{index.url}/simple",
                                   "--python-version", python, "--no-deps", "--quiet"],
                                  capture_output=True, text=True, cwd=project, env=env, timeout=300)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    lines = [line for line in compiled.stdout.splitlines() if line and not line.startswith(("#", " "))]
    pins = {line.split("==")[0]: line for line in lines}
    assert pins["torch"] == "torch==2.1.2+cu121" and pins["torchvision"] == "torchvision==0.16.2+cu121"
    assert pins["mmpose"] == "mmpose==1.3.2" and pins["mmengine"] == "mmengine==0.10.4"
    assert pins["mmdet"] == "mmdet==3.2.0"
    tag = "cp" + python.replace(".", "")
    assert f"mmcv @ {mmcv_site.url}/mmcv/dist/cu121/torch2.1.0/mmcv-2.1.0-{tag}-{tag}-manylinux1_x86_64.whl" in \
        compiled.stdout.splitlines(), compiled.stdout


def test_plain_pip_cannot_build_the_real_chumpy_sdist(tmp_path: Path) -> None:
    """The real chumpy 0.70 sdist from the registry: its setup.py imports pip, which pip's isolated build
    environment lacks (open-mmlab/mmpose#3218)."""
    plain = PipVenv(tmp_path / "plain")
    failed = plain.pip("install", "--no-cache-dir", "chumpy==0.70", timeout=600)
    assert failed.returncode != 0
    assert "No module named 'pip'" in failed.stdout + failed.stderr


@pytest.mark.parametrize("version", ["3.10", "3.11"])
def test_the_planned_chumpy_steps_build_it(matrix, tmp_path: Path, version: str) -> None:
    """The steps the plan for mmpose 1.3.2 makes for chumpy build the real sdist; chumpy then imports where
    the matrix says it can (CPython < 3.11, numpy < 1.24; mmpose itself never imports it)."""
    from compat.environment.installed import inspect
    from compat.install.plan import plan_install

    from .indexes import torch_wheels

    python = pyenv_python(version)
    if python is None:
        pytest.skip(f"no CPython {version} here")
    venv = PipVenv(tmp_path / "venv", python)
    standins = tmp_path / "standins"
    standins.mkdir()
    torch, vision = torch_wheels(standins, TorchBuild("2.1.2", "0.16.2", "cpu"))  # kept and pinned by the plan
    assert venv.pip("install", "-q", "--no-deps", str(torch), str(vision)).returncode == 0
    planned = plan_install(matrix, ["mmpose==1.3.2"], inspect(venv.python), python=venv.python, offline=True,
                           environ={"PIP_NO_INDEX": "1", "PATH": "/usr/bin:/bin"})
    chumpy = [s for s in planned.steps if "chumpy" in s.reason]
    pins = ("torch==2.1.2", "torchvision==0.16.2")
    assert [s.argv for s in chumpy] == [
        (venv.python, "-m", "pip", "install", *pins, "pip", "setuptools", "wheel"),
        (venv.python, "-m", "pip", "install", *pins, "numpy<2", "--no-build-isolation", "chumpy==0.70"),
    ]
    assert planned.steps[-1].kind == "install" and not any(a.startswith("chumpy") for a in planned.steps[-1].argv)
    for step in chumpy:
        done = subprocess.run(list(step.argv), capture_output=True, text=True, timeout=900,
                              env=isolated_pip_env(venv.cache, step.env))
        assert done.returncode == 0, step.shell() + "\n" + done.stdout + done.stderr
    found = venv.run("import importlib.metadata as m; print(m.version('chumpy'))")
    assert found.stdout.strip() == "0.70", found.stderr
    assert venv.pip("install", "-q", "--only-binary", ":all:", "numpy<1.24").returncode == 0
    imported = venv.run("import chumpy; print(chumpy.__version__)")
    if version == "3.10":
        assert imported.stdout.strip() == "0.70", imported.stderr
    else:  # chumpy/ch.py calls inspect.getargspec (gone in 3.11) when it is imported; the scipy for 3.11 wants
        assert imported.returncode != 0  # a newer numpy as well: it never imports there
