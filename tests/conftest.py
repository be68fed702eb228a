"""Shared fixtures: the installed console script, an isolated cache, the seed FAQ, the embedded matrix."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
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
            command + list(args), capture_output=True, text=True, env=self.env(env), cwd=cwd, timeout=60
        )


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
