"""Shared fixtures: the installed console script, an isolated cache, the seed FAQ, the embedded matrix."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent

# In-process library calls must not read or write the user's real cache (a cached matrix would change
# which matrix is in effect): one private cache for the whole test session.
os.environ["MMCOMPAT_CACHE_DIR"] = tempfile.mkdtemp(prefix="mmcompat-test-cache-")
os.environ.pop("MMCOMPAT_MATRIX", None)
SEED_FAQ = Path(os.environ.get("MMCOMPAT_SEED_FAQ", ROOT.parent / "shared" / "reference" / "mmpose_faq_zh_CN.md"))


def console_script() -> str:
    """The ``mmcompat`` script installed next to the interpreter running the tests."""
    here = Path(sys.executable).parent
    for name in ("mmcompat", "mmcompat.exe"):
        if (here / name).exists():
            return str(here / name)
    found = shutil.which("mmcompat")
    if not found:
        pytest.fail("the mmcompat console script is not installed; run: pip install -e '.[test]'")
    return found


class Run:
    """Runs the real console script in a subprocess with an isolated cache and environment."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.script = console_script()

    def env(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MMCOMPAT_")}
        env["MMCOMPAT_CACHE_DIR"] = str(self.cache)
        env.update(extra or {})
        return env

    def __call__(self, *args: str, env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None,
                 module: bool = False) -> subprocess.CompletedProcess:
        command: List[str] = [sys.executable, "-m", "compat"] if module else [self.script]
        return subprocess.run(
            command + list(args), capture_output=True, text=True, env=self.env(env), cwd=cwd, timeout=300
        )


@pytest.fixture(scope="session", autouse=True)
def embedded_matrix_untouched():
    """No test may write the embedded matrix (harvest --write defaults to it): check at the end."""
    path = ROOT / "data" / "compat_matrix.toml"
    before = path.read_bytes()
    yield
    assert path.read_bytes() == before, "a test rewrote data/compat_matrix.toml"


@pytest.fixture
def run(tmp_path: Path) -> Run:
    return Run(tmp_path / "cache")


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED_FAQ.is_file():
        pytest.skip(f"the seed FAQ is not at {SEED_FAQ} (set MMCOMPAT_SEED_FAQ)")
    return SEED_FAQ.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def matrix():
    from compat import load_matrix

    return load_matrix(str(ROOT / "data" / "compat_matrix.toml"))


# ---- real environments --------------------------------------------------------------------------

from .standins import build_wheel, mmcv_full_standin, torch_standin  # noqa: F401

#: Real distributions from the package index, downloaded once into the wheelhouse.
REGISTRY_WHEELS = [
    "mmpose==0.28.0", "mmpose==1.3.2", "mmdet==2.28.2", "mmdet==3.2.0", "mmengine==0.10.4",
    "mmcv-lite==2.1.0", "pyserial==3.5", "serial==0.0.97",
    "xtcocotools==1.14.3", "numpy==1.26.4", "numpy==2.1.3", "openmim==0.3.9",
    "onedl-mmengine==0.10.12",
]
#: Built from their sdists (mmcv 1.x without ops builds in seconds; its setup.py needs setuptools < 81;
#: onedl-mim is pure Python, on the registry as an sdist only).
REGISTRY_SDISTS = ["mmcv==1.7.0", "onedl-mim==0.5.1"]


def _pip(*args: str, cwd: Optional[str] = None) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="session")
def wheelhouse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real wheels from the registry, cached across runs in pytest's cache folder."""
    with cache_folder(request, "mmcompat-wheelhouse") as folder:
        _fill_wheelhouse(folder, tmp_path_factory)
    return folder


def _fill_wheelhouse(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    have = {p.name.split("-")[0].lower().replace("_", "-") + "==" + p.name.split("-")[1] for p in folder.glob("*.whl")}
    for requirement in REGISTRY_WHEELS:
        if requirement not in have:
            _pip("download", "--no-deps", "--only-binary", ":all:", "-d", str(folder), requirement)
    for requirement in REGISTRY_SDISTS:
        if requirement not in have:
            builder = tmp_path_factory.mktemp("builder")
            subprocess.run([sys.executable, "-m", "venv", str(builder)], check=True, capture_output=True)
            build_pip = [str(builder / "bin" / "python"), "-m", "pip"]
            subprocess.run([*build_pip, "install", "-q", "setuptools<81", "wheel"], check=True, capture_output=True)
            subprocess.run([*build_pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-binary", ":all:",
                            "-w", str(folder), requirement],
                           check=True, capture_output=True, timeout=900)


class Venv:
    """A real virtual environment; pip runs from the test interpreter with ``--python`` (pip >= 22.3)."""

    def __init__(self, path: Path, wheelhouse: Path) -> None:
        self.path = path
        self.wheelhouse = wheelhouse
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, capture_output=True)
        self.python = str(path / "bin" / "python")
        found = subprocess.run([self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True)
        self.site = Path(found.stdout.strip())

    def install(self, *requirements: str, links: Optional[Path] = None) -> None:
        args = ["--python", self.python, "install", "--no-deps", "--no-index", "-q", "-f", str(self.wheelhouse)]
        if links is not None:
            args += ["-f", str(links)]
        _pip(*args, *requirements)

    def uninstall(self, *names: str) -> None:
        _pip("--python", self.python, "uninstall", "-y", "-q", *names)


@pytest.fixture
def make_venv(tmp_path: Path, wheelhouse: Path):
    counter = [0]

    def make() -> Venv:
        counter[0] += 1
        return Venv(tmp_path / f"venv{counter[0]}", wheelhouse)

    return make
from .fixtures_indexes import build_tools, cache_folder, fresh_venv, index_server  # noqa: F401
