"""The loopback indexes of :mod:`tests.indexes` behave like the real ones, shown with real venvs and real pip.

What a fresh machine meets: torch from the PyTorch index by local version, mmcv wheels from OpenMMLab's
find-links pages only for the Python they were built for, and an mmcv-full sdist that fails to build with
setuptools >= 82, builds without ops in an isolated build, and builds its ops only without isolation next
to torch.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict

import pytest

# Importing the fixtures registers them for this module; once conftest.py imports them for every module,
# only BuildTools is needed here.
from .fixtures_indexes import BuildTools
from .indexes import (
    SIMPLE_JSON,
    Hit,
    LoopbackServer,
    MmcvBuild,
    PipVenv,
    TorchBuild,
    find_links_url,
    mmcv_sdist,
    openmmlab_links,
    serve,
    simple_index,
    torch_index,
    torch_index_url,
)

CU121 = TorchBuild("2.1.2", "0.16.2", "cu121")


def _ok(done: "subprocess.CompletedProcess[str]") -> "subprocess.CompletedProcess[str]":
    assert done.returncode == 0, f"{done.args}\n{done.stdout}\n{done.stderr}"
    return done


def _build_info(venv: PipVenv) -> Dict[str, str]:
    """``mmcv/_build_info.py`` of the installed stand-in, read as text (mmcv is not imported here)."""
    text = (venv.site / "mmcv" / "_build_info.py").read_text(encoding="utf-8")
    return dict(re.findall(r"^(\w+) = (.*)$", text, re.MULTILINE))


def _mmcv_index(server: LoopbackServer, tools: BuildTools, *setuptools: Path) -> str:
    """A simple index offering the mmcv-full 1.5.3 sdist and the given setuptools (and wheel)."""
    sdist = mmcv_sdist(server.folder, "mmcv-full", "1.5.3")
    root = simple_index(server.folder, {"mmcv-full": [sdist], "setuptools": setuptools, "wheel": [tools.wheel]})
    return f"{server.url}/{root}"


# ---- the server, without pip ---------------------------------------------------------------------

def test_server_is_quiet_and_logs_requests(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text("hello")
    with serve(tmp_path) as server:
        with urllib.request.urlopen(f"{server.url}/a.txt", timeout=10) as answer:
            assert answer.read() == b"hello"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{server.url}/missing", timeout=10)
        missing.value.close()
        assert server.hits == [Hit("GET", "/a.txt", 200), Hit("GET", "/missing", 404)]
    assert capfd.readouterr() == ("", "")
    server.stop()  # a second stop is harmless


def test_simple_index_negotiates_pep_691(index_server: LoopbackServer, tmp_path: Path) -> None:
    sdist = mmcv_sdist(tmp_path, "mmcv-full", "1.5.3")
    root = simple_index(index_server.folder, {"mmcv_full": [sdist]}, json_pages=True)
    url = f"{index_server.url}/{root}/mmcv-full/"
    asking_json = urllib.request.Request(url, headers={"Accept": f"{SIMPLE_JSON}, text/html;q=0.01"})
    with urllib.request.urlopen(asking_json, timeout=10) as answer:
        assert answer.headers["Content-Type"] == SIMPLE_JSON
        page = json.loads(answer.read())
    assert page["name"] == "mmcv-full"
    assert [f["filename"] for f in page["files"]] == ["mmcv-full-1.5.3.tar.gz"]
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.headers["Content-Type"] == "text/html"
        assert b'href="mmcv-full-1.5.3.tar.gz#sha256=' in answer.read()


# ---- real pip in fresh venvs --------------------------------------------------------------------

@pytest.mark.slow
def test_torch_and_torchvision_install_by_local_version(index_server: LoopbackServer, fresh_venv: PipVenv) -> None:
    torch_index(index_server.folder, [CU121, TorchBuild("2.1.2", "0.16.2", "cpu")])
    _ok(fresh_venv.pip("install", "torch==2.1.2", "torchvision==0.16.2",
                       "--index-url", torch_index_url(index_server.url, "cu121")))
    version_py = (fresh_venv.site / "torch" / "version.py").read_text(encoding="utf-8")
    assert "__version__ = '2.1.2+cu121'" in version_py
    assert "cuda: Optional[str] = '12.1'" in version_py
    versions = _ok(fresh_venv.run("import importlib.metadata as m; print(m.version('torch'), m.version('torchvision'),"
                                  " m.requires('torchvision'))")).stdout.split(maxsplit=2)
    assert versions == ["2.1.2+cu121", "0.16.2+cu121", "['torch==2.1.2']\n"]
    assert {hit.path for hit in index_server.hits} >= {"/whl/cu121/torch/", "/whl/cu121/torchvision/"}
    assert not any("/whl/cpu/" in hit.path for hit in index_server.hits)


@pytest.mark.slow
def test_openmmlab_pages_serve_wheels_for_their_python_only(index_server: LoopbackServer,
                                                             fresh_venv: PipVenv) -> None:
    openmmlab_links(index_server.folder, [
        MmcvBuild("mmcv", "2.1.0", "cu121", "torch2.1"),
        MmcvBuild("mmcv", "2.1.0", "cu121", "torch2.1", tag="cp38-cp38-manylinux1_x86_64"),
        MmcvBuild("mmcv-full", "1.4.0", "cu113", "torch1.11.0", tag="cp38-cp38-manylinux1_x86_64"),
    ])
    links = find_links_url(index_server.url, "cu121", "torch2.1")
    _ok(fresh_venv.pip("install", "--no-index", "-f", links, "mmcv==2.1.0"))
    assert [p.name for p in (fresh_venv.site / "mmcv").glob("_ext*")] == ["_ext.cpython-311-x86_64-linux-gnu.so"]
    wheel_fetched = [hit for hit in index_server.hits if hit.path.endswith(".whl")]
    assert wheel_fetched == [Hit("GET", "/mmcv/dist/cu121/torch2.1/mmcv-2.1.0-cp311-cp311-manylinux1_x86_64.whl", 200)]

    only_cp38 = fresh_venv.pip("download", "--no-deps", "--no-index", "-d", str(fresh_venv.path / "dl"),
                               "-f", find_links_url(index_server.url, "cu113", "torch1.11.0"), "mmcv-full==1.4.0")
    assert only_cp38.returncode != 0
    assert "No matching distribution found for mmcv-full==1.4.0" in only_cp38.stderr


@pytest.mark.slow
def test_isolated_build_with_setuptools_82_fails_on_pkg_resources(index_server: LoopbackServer,
                                                                    fresh_venv: PipVenv,
                                                                    build_tools: BuildTools) -> None:
    index = _mmcv_index(index_server, build_tools, build_tools.setuptools_81, build_tools.setuptools_82)
    done = fresh_venv.pip("install", "--index-url", index, "mmcv-full==1.5.3")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Installing build dependencies" in output  # a fresh venv has no `wheel`: pip isolates the build
    assert "No module named 'pkg_resources'" in output
    assert any(hit.path.endswith("setuptools-82.0.0-py3-none-any.whl") for hit in index_server.hits)
    assert not (fresh_venv.site / "mmcv").exists()


@pytest.mark.slow
def test_isolated_build_with_setuptools_81_installs_mmcv_without_ops(index_server: LoopbackServer,
                                                                      fresh_venv: PipVenv,
                                                                      build_tools: BuildTools) -> None:
    torch_index(index_server.folder, [CU121])
    _ok(fresh_venv.pip("install", "torch==2.1.2", "--index-url", torch_index_url(index_server.url, "cu121")))
    index = _mmcv_index(index_server, build_tools, build_tools.setuptools_81)
    output = _ok(fresh_venv.pip("install", "--index-url", index, "mmcv-full==1.5.3", env={"MMCV_WITH_OPS": "1"}))
    assert "Installing build dependencies" in output.stdout
    assert not list((fresh_venv.site / "mmcv").glob("_ext*"))
    info = _build_info(fresh_venv)
    # The venv's torch is hidden from the isolated build, so the ops were skipped.
    assert (info["TORCH_VERSION"], info["WITH_EXT"], info["SETUPTOOLS_VERSION"]) == ("None", "False", "'81.0.0'")
    assert info["MMCV_WITH_OPS"] == "'1'"
    no_ops = fresh_venv.run("import mmcv.ops")
    assert "cannot import name '_ext' from 'mmcv'" in no_ops.stderr


@pytest.mark.slow
def test_build_without_isolation_next_to_torch_compiles_the_ops(index_server: LoopbackServer,
                                                                 fresh_venv: PipVenv,
                                                                 build_tools: BuildTools) -> None:
    torch_index(index_server.folder, [CU121])
    _ok(fresh_venv.pip("install", "torch==2.1.2", "--index-url", torch_index_url(index_server.url, "cu121")))
    index = _mmcv_index(index_server, build_tools, build_tools.setuptools_81, build_tools.setuptools_82)
    _ok(fresh_venv.pip("install", "--upgrade", "--index-url", index, "setuptools<82", "wheel"))
    _ok(fresh_venv.pip("install", "--no-build-isolation", "--no-cache-dir", "--index-url", index, "mmcv-full==1.5.3",
                       env={"MMCV_WITH_OPS": "1", "FORCE_CUDA": "1"}))
    assert [p.name for p in (fresh_venv.site / "mmcv").glob("_ext*.so")] == ["_ext.cpython-311-x86_64-linux-gnu.so"]
    info = _build_info(fresh_venv)
    assert (info["MMCV_WITH_OPS"], info["FORCE_CUDA"]) == ("'1'", "'1'")
    assert (info["TORCH_VERSION"], info["WITH_EXT"]) == ("'2.1.2+cu121'", "True")
    assert info["SETUPTOOLS_VERSION"] == "'81.0.0'"
    ops = _ok(fresh_venv.run("import mmcv.ops; print(mmcv.ops.get_compiling_cuda_version())"))
    assert ops.stdout == "12.1\n"
