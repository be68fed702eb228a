"""Fixtures for tests that install from loopback indexes (:mod:`tests.indexes`) with real pip.

conftest.py makes them visible to every test module with::

    from .fixtures_indexes import build_tools, fresh_venv, index_server  # noqa: E402,F401
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path
from typing import Iterator, NamedTuple

import pytest

from .indexes import LoopbackServer, PipVenv, serve


@contextlib.contextmanager
def cache_folder(request: pytest.FixtureRequest, name: str) -> Iterator[Path]:
    """A folder in pytest's cache shared by every test process (pytest-xdist runs one per core), held under
    an exclusive file lock while a session fixture fills it: one downloads, the others wait and reuse it."""
    import fcntl

    folder = Path(request.config.cache.mkdir(name))
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder


class BuildTools(NamedTuple):
    """Real wheels from the registry that pip's isolated builds install (cached across runs)."""

    setuptools_81: Path  # the last with pkg_resources
    setuptools_82: Path  # pkg_resources removed
    wheel: Path  # pip < 24 asks for it in a setup.py project's isolated build; 0.45.1 has no dependencies


BUILD_TOOLS = BuildTools(Path("setuptools-81.0.0-py3-none-any.whl"), Path("setuptools-82.0.0-py3-none-any.whl"),
                         Path("wheel-0.45.1-py3-none-any.whl"))


@pytest.fixture(scope="session")
def build_tools(request: pytest.FixtureRequest) -> BuildTools:
    """setuptools 81 and 82 and wheel, downloaded once into pytest's cache folder."""
    with cache_folder(request, "mmcompat-build-tools") as folder:
        for wheel in BUILD_TOOLS:
            if not (folder / wheel.name).is_file():
                name, version = wheel.name.split("-")[:2]
                # One download per pin: pip resolves the requirements of one command together.
                done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                                       "-d", str(folder), f"{name}=={version}"],
                                      check=False, capture_output=True, text=True, timeout=300)
                if done.returncode != 0:
                    raise RuntimeError(f"pip download {name}=={version} failed:\n{done.stdout}\n{done.stderr}")
    return BuildTools(*(folder / wheel.name for wheel in BUILD_TOOLS))


@pytest.fixture
def index_server(tmp_path: Path) -> Iterator[LoopbackServer]:
    """An HTTP server on 127.0.0.1 over an empty folder (``index_server.folder``) the test lays out."""
    folder = tmp_path / "index"
    folder.mkdir()
    with serve(folder) as server:
        yield server


@pytest.fixture
def fresh_venv(tmp_path: Path) -> PipVenv:
    """A new ``python -m venv`` of the interpreter running the tests, with the pip it comes with."""
    return PipVenv(tmp_path / "venv")
