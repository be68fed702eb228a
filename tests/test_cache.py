"""The caches can never answer what the current code and data would not: keyed by content and code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, Run

EMBEDDED = ROOT / "data" / "compat_matrix.toml"
MARKER = 'documented = { spec = ">=1.3.8,<1.6.0", source = "https://github.com/open-mmlab/mmpose/blob/21'


def _changed(text: str, old: str, new: str) -> str:
    position = text.index(MARKER, text.index('[mmpose.releases."0.28.0".mmcv-full]'))
    return text[:position] + MARKER.replace(old, new) + text[position + len(MARKER):]


def test_index_is_written_once_and_answers_like_the_full_path(run: Run) -> None:
    slow = run("resolve", "mmpose==0.28.0")
    index = run.cache / "resolve-index.marshal"
    assert index.is_file() and (run.cache / "matrix-parsed.marshal").is_file()
    stamp = index.stat().st_mtime_ns
    fast = run("resolve", "mmpose==0.28.0")
    assert fast.stdout == slow.stdout == "mmcv-full>=1.3.8,<1.6.0\n"
    assert index.stat().st_mtime_ns == stamp
    assert not [p for p in run.cache.iterdir() if p.name.endswith(".tmp")], "temp files left behind"


def test_a_same_size_rewrite_of_the_matrix_is_seen(run: Run, tmp_path: Path) -> None:
    """The key is the file's content: a rewrite of the same size within the same second changes it."""
    copy = tmp_path / "m.toml"
    text = EMBEDDED.read_text(encoding="utf-8")
    copy.write_text(text, encoding="utf-8")
    env = {"MMCOMPAT_MATRIX": str(copy)}
    assert run("resolve", "0.28.0", env=env).stdout == "mmcv-full>=1.3.8,<1.6.0\n"
    assert run("resolve", "0.28.0", env=env).stdout == "mmcv-full>=1.3.8,<1.6.0\n"
    stat = copy.stat()
    changed = _changed(text, "<1.6.0", "<1.5.0")
    assert len(changed) == len(text)
    copy.write_text(changed, encoding="utf-8")
    import os

    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even the mtime is the old one
    assert run("resolve", "0.28.0", env=env).stdout == "mmcv-full>=1.3.8,<1.5.0\n"
    assert run("resolve", "0.28.0").stdout == "mmcv-full>=1.3.8,<1.6.0\n"


def test_a_code_change_is_never_answered_from_the_cache(tmp_path: Path) -> None:
    """A copy of the package, answered once (cache filled), then its rendering edited: the next answer
    is the new code's, not the cached one."""
    package = tmp_path / "src" / "compat"
    shutil.copytree(ROOT / "compat", package, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "src" / "data").mkdir()
    shutil.copy(EMBEDDED, tmp_path / "src" / "data" / "compat_matrix.toml")
    env = {"PYTHONPATH": str(tmp_path / "src"), "MMCOMPAT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}

    def resolve() -> str:
        done = subprocess.run([sys.executable, "-m", "compat", "resolve", "0.28.0"], capture_output=True, text=True,
                              env=env, cwd=str(tmp_path), timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert resolve() == resolve() == "mmcv-full>=1.3.8,<1.6.0\n"
    assert (tmp_path / "cache" / "resolve-index.marshal").is_file()
    resolver = package / "resolver.py"
    source = resolver.read_text(encoding="utf-8")
    edited = source.replace('return "".join(line + "\\n" for line in requirements)',
                            'return "".join("EDITED " + line + "\\n" for line in requirements)')
    assert edited != source, "the edit point moved: update this test"
    resolver.write_text(edited, encoding="utf-8")
    assert resolve() == "EDITED mmcv-full>=1.3.8,<1.6.0\n"


@pytest.mark.parametrize("value, writes", [("1", False), ("yes", False), ("0", True), ("", True)])
def test_no_cache_variable(run: Run, value: str, writes: bool) -> None:
    for _ in range(2):
        done = run("resolve", "0.28.0", env={"MMCOMPAT_NO_CACHE": value})
        assert (done.returncode, done.stdout) == (0, "mmcv-full>=1.3.8,<1.6.0\n")
    written = sorted(p.name for p in run.cache.iterdir()) if run.cache.exists() else []
    assert bool(written) is writes, written


def test_library_calls_write_nothing(tmp_path: Path) -> None:
    code = ("import compat; print(compat.mmcv_requirement('0.28.0')); "
            "print(compat.resolve('1.3.2').requirements)")
    env = {"MMCOMPAT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "mmcv-full>=1.3.8,<1.6.0"
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("garbage", [b"", b"\x00\x01garbage", b"\xe9"])
@pytest.mark.parametrize("name", ["resolve-index.marshal", "matrix-parsed.marshal"])
def test_damaged_caches_are_ignored(run: Run, garbage: bytes, name: str) -> None:
    run.cache.mkdir(parents=True)
    (run.cache / name).write_bytes(garbage)
    done = run("resolve", "0.28.0")
    assert (done.returncode, done.stdout, done.stderr) == (0, "mmcv-full>=1.3.8,<1.6.0\n", "")
