"""``mmcompat install`` end to end: a find-links index on 127.0.0.1 laid out like OpenMMLab's, real pip,
real mmpose wheels, a fresh venv, then doctor on it."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

from .conftest import Run, mmcv_full_standin, torch_standin

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``/mmcv/dist/cu113/torch1.11.0/index.html`` listing stand-in mmcv-full wheels, served over HTTP."""
    root = tmp_path_factory.mktemp("openmmlab")
    folder = root / "mmcv" / "dist" / "cu113" / "torch1.11.0"
    folder.mkdir(parents=True)
    names = [mmcv_full_standin(folder, version).name for version in ("1.5.3", "1.6.0")]
    links = "".join(f'<a href="{name}">{name}</a><br>\n' for name in names)
    (folder / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/mmcv/dist"
    httpd.shutdown()
    httpd.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def venv_with_pip(tmp_path: Path) -> str:
    folder = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, capture_output=True, timeout=300)
    return str(folder / "bin" / "python")


def _pip_args(wheelhouse: Path):
    return ["--", "--no-deps", "--no-index", "-f", str(wheelhouse), "-q"]


def _this_python_tag() -> str:
    import sysconfig

    version = "%d%d" % sys.version_info[:2]
    return f"cp{version}-cp{version}-" + sysconfig.get_platform().replace("-", "_").replace(".", "_")


def test_dry_run_prints_the_commands_and_changes_nothing(run: Run, venv_with_pip: str, index: str,
                                                         simple_index) -> None:
    simple_index.tag = _this_python_tag()  # the registry has an xtcocotools wheel for this Python
    before = subprocess.run([venv_with_pip, "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    done = run("install", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "--python", venv_with_pip,
               "--dry-run", "--", "--no-deps", env={"MMCV_BASE_URL": index, "MMCOMPAT_SIMPLE_URL": simple_index.url})
    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"{venv_with_pip} -m pip install mmpose==0.28.0 mmcv-full==1.5.3 'numpy<2' "
                           f"-f {index}/cu113/torch1.11.0/index.html --no-deps\n")
    assert done.stderr == ("mmcompat: adding numpy<2: mmpose needs xtcocotools, whose registry wheels (newest 1.14.3) "
                           "are built against numpy 1.x and fail to import under numpy 2\n")
    after = subprocess.run([venv_with_pip, "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    assert after == before


def test_install_into_a_fresh_venv_then_doctor(run: Run, venv_with_pip: str, index: str, wheelhouse: Path) -> None:
    done = run("install", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "--python", venv_with_pip,
               *_pip_args(wheelhouse), env={"MMCV_BASE_URL": index})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith("doctor: no problems found\n")
    freeze = subprocess.run([venv_with_pip, "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    assert "mmcv-full==1.5.3" in freeze and "mmpose==0.28.0" in freeze


def test_conflicting_mmcv_needs_fix_conflicts(run: Run, venv_with_pip: str, index: str, wheelhouse: Path) -> None:
    subprocess.run([venv_with_pip, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "-f", str(wheelhouse),
                    "mmcv==1.7.0"], check=True, capture_output=True)
    args = ["install", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "--python", venv_with_pip]
    refused = run(*args, *_pip_args(wheelhouse), env={"MMCV_BASE_URL": index})
    assert refused.returncode == 1
    assert refused.stderr == (
        "mmcompat: error: mmcv is installed and shares the mmcv/ package with mmcv-full: installing over it would "
        "clobber files; rerun with --fix-conflicts to uninstall it first, or run: "
        f"{venv_with_pip} -m pip uninstall -y mmcv\n")
    assert "mmcv==1.7.0" in subprocess.run([venv_with_pip, "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    fixed = run(*args, "--fix-conflicts", *_pip_args(wheelhouse), env={"MMCV_BASE_URL": index})
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "mmcompat: --fix-conflicts: uninstalling mmcv first\n" in fixed.stderr
    freeze = subprocess.run([venv_with_pip, "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    assert "mmcv-full==1.5.3" in freeze and "mmcv==" not in freeze
    assert fixed.stdout.endswith("doctor: no problems found\n")


def test_torch_read_from_the_target_picks_the_index(run: Run, venv_with_pip: str, index: str, tmp_path: Path) -> None:
    links = tmp_path / "torch"
    links.mkdir()
    torch_standin(links, "1.11.0+cu113", "11.3")
    subprocess.run([venv_with_pip, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "-f", str(links),
                    "torch==1.11.0+cu113"], check=True, capture_output=True)
    done = run("install", "mmpose==0.28.0", "--python", venv_with_pip, "--dry-run", env={"MMCV_BASE_URL": index})
    assert done.returncode == 0, done.stderr
    assert f"-f {index}/cu113/torch1.11.0/index.html" in done.stdout


def test_unsatisfiable_install_changes_nothing(run: Run, venv_with_pip: str) -> None:
    done = run("install", "mmpose==0.28.0", "--torch", "1.12.1", "--cuda", "11.3", "--python", venv_with_pip)
    assert done.returncode == 1 and done.stderr.startswith("mmcompat: error: nothing fits mmpose==0.28.0 on ")
    assert done.stderr.count("\n") == 1


def test_plain_http_mirror_is_refused(run: Run, venv_with_pip: str) -> None:
    done = run("install", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "--python", venv_with_pip,
               "--dry-run", env={"MMCV_BASE_URL": "http://mirror.example.com/mmcv/dist"})
    assert done.returncode == 2 and "refusing plain http to 'mirror.example.com'" in done.stderr


def test_pip_failure_exits_3(run: Run, venv_with_pip: str, index: str, tmp_path: Path) -> None:
    done = run("install", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "--python", venv_with_pip,
               "--", "--no-index", "--no-deps", "-q", env={"MMCV_BASE_URL": index})  # mmpose is in no index
    assert done.returncode == 3 and "mmcompat: error: pip failed with exit 1: " in done.stderr


def test_constraints_file(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "constraints.txt"
    done = run("constraints", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "-o", str(out))
    assert done.returncode == 0 and done.stderr == f"mmcompat: wrote {out}\n"
    lines = out.read_text().splitlines()
    assert lines[0] == "# pip constraints for mmpose==0.28.0 on linux/CUDA 11.3/torch 1.11, safe policy"
    assert lines[1].startswith("# produced by mmcompat ")
    assert lines[-3:] == ["mmpose==0.28.0", "mmcv-full==1.5.3", "numpy<2"]
    assert all(line.startswith("#") for line in lines[:-3])


class _Simple(http.server.BaseHTTPRequestHandler):
    """A JSON simple index (PEP 691) with one xtcocotools wheel whose tag is set per test."""

    tag = "cp311-cp311-manylinux1_x86_64"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        import json as _json

        body = _json.dumps({"meta": {"api-version": "1.0"}, "name": "xtcocotools", "files": [
            {"filename": f"xtcocotools-1.14.3-{self.tag}.whl", "url": "x", "hashes": {}},
            {"filename": "xtcocotools-1.14.3.tar.gz", "url": "y", "hashes": {}},
        ]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def simple_index() -> Iterator[type]:
    handler = type("Handler", (_Simple,), {})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{httpd.server_address[1]}/simple"  # type: ignore[attr-defined]
    yield handler
    httpd.shutdown()
    httpd.server_close()


def test_no_wheel_for_the_target_installs_build_prerequisites_first(run: Run, venv_with_pip: str, simple_index) -> None:
    simple_index.tag = "cp39-cp39-manylinux1_x86_64"  # a wheel, but not for this Python
    done = run("install", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "--python", venv_with_pip,
               "--dry-run", env={"MMCOMPAT_SIMPLE_URL": simple_index.url})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{venv_with_pip} -m pip install cython numpy setuptools wheel",
        f"{venv_with_pip} -m pip install --no-build-isolation 'xtcocotools>=1.12'",
        f"{venv_with_pip} -m pip install mmpose==0.28.0 mmcv-full==1.5.3 "
        "-f https://download.openmmlab.com/mmcv/dist/cu113/torch1.11.0/index.html",
    ]  # no numpy<2: a local build compiles against the numpy it finds
    assert done.stderr == (f"mmcompat: xtcocotools>=1.12 has no wheel for {venv_with_pip} on the registry: pip will "
                           "compile it; installing its build prerequisites (cython, numpy, setuptools, wheel) first "
                           "and building it against them; a C compiler and the Python headers are needed\n")


def test_a_wheel_for_the_target_needs_no_prerequisites(run: Run, venv_with_pip: str, simple_index) -> None:
    simple_index.tag = _this_python_tag()
    done = run("install", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "--python", venv_with_pip,
               "--dry-run", env={"MMCOMPAT_SIMPLE_URL": simple_index.url})
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 1 and "'numpy<2'" in done.stdout


def test_registry_unreachable_is_said_plainly(run: Run, venv_with_pip: str) -> None:
    done = run("install", "mmpose==0.28.0", "--torch", "1.11.0", "--cuda", "11.3", "--python", venv_with_pip,
               "--dry-run", env={"MMCOMPAT_SIMPLE_URL": "http://127.0.0.1:1/simple"})
    assert done.returncode == 0
    assert ("mmcompat: could not check whether xtcocotools>=1.12 has a wheel for "
            f"{venv_with_pip} (cannot reach http://127.0.0.1:1/simple/xtcocotools/: ConnectionError)") in done.stderr
