"""The caches can never answer what the current code and data would not: keyed by content and code."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest

from .conftest import ROOT, Run

EMBEDDED = ROOT / "data" / "compat_matrix.toml"
MARKER = 'documented = { spec = ">=1.3.8,<1.6.0", source = "https://github.com/open-mmlab/mmpose/blob/21'


def _changed(text: str, old: str, new: str) -> str:
    position = text.index(MARKER, text.index('[mmpose.releases."0.28.0".mmcv-full]'))
    return text[:position] + MARKER.replace(old, new) + text[position + len(MARKER):]


def test_the_full_path_keeps_only_the_parsed_matrix(run: Run) -> None:
    slow = run("resolve", "mmpose==0.28.0")
    assert slow.stdout == "mmcv-full>=1.3.8,<1.6.0\n"
    assert sorted(p.name for p in run.cache.iterdir()) == ["matrix-parsed.marshal"]
    again = run("resolve", "mmpose==0.28.0", "--json")
    assert json.loads(again.stdout)["requirements"] == ["mmcv-full>=1.3.8,<1.6.0"]
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


def _copy_of_the_package(tmp_path: Path) -> Path:
    package = tmp_path / "src" / "compat"
    shutil.copytree(ROOT / "compat", package, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "src" / "data").mkdir()
    shutil.copy(EMBEDDED, tmp_path / "src" / "data" / "compat_matrix.toml")
    return package


def _resolve(tmp_path: Path, *extra: str, env: Optional[Dict[str, str]] = None) -> str:
    variables = {"PYTHONPATH": str(tmp_path / "src"), "MMCOMPAT_CACHE_DIR": str(tmp_path / "cache"),
                 "PATH": "/usr/bin:/bin", **(env or {})}
    done = subprocess.run([sys.executable, "-m", "compat", "resolve", "0.28.0", *extra], capture_output=True,
                          text=True, env=variables, cwd=str(tmp_path), timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_compiled_tables_serve_only_that_toml_and_that_code(tmp_path: Path) -> None:
    """Compile the matrix as the build hook does, but with a marked range: the compiled tables answer
    while the TOML and the code are those they were compiled from, and never once either changed."""
    package = _copy_of_the_package(tmp_path)
    toml = tmp_path / "src" / "data" / "compat_matrix.toml"
    compile_it = (
        "import sys; from compat.data.matrix import load, parse_toml\n"
        "from compat.data.compiled import compile_matrix, compiled_path\n"
        "from compat.data.tables import compile_tables\n"
        "raw = open(sys.argv[1], 'rb').read(); tables = compile_tables(load(sys.argv[1]))\n"
        "releases = tables['packages']['mmpose'][0]\n"
        "at = [r[1] for r in releases].index('0.28.0'); release = list(releases[at])\n"
        "assert '1.4.0' in tables['versions']\n"
        "marked = (('1.3.8', True), ('1.4.0', False), ())\n"
        "release[4] = tuple((d[0], d[1], marked, None, None) if d[0] == 'mmcv-full' else d for d in release[4])\n"
        "tables['packages']['mmpose'] = ([*releases[:at], tuple(release), *releases[at + 1:]],"
        " tables['packages']['mmpose'][1])\n"
        "data = parse_toml(raw.decode(), path='x')\n"
        "open(compiled_path(sys.argv[1]), 'wb').write(compile_matrix(raw, data, tables))\n"
    )
    done = subprocess.run([sys.executable, "-c", compile_it, str(toml)], capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path / "src"), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0, done.stderr
    marked = "mmcv-full>=1.3.8,<1.4.0\n"
    assert _resolve(tmp_path) == marked
    # build-time data, not a cache: MMCOMPAT_NO_CACHE does not turn it off
    assert _resolve(tmp_path, env={"MMCOMPAT_NO_CACHE": "1"}) == marked
    # --json too: rendered at run time from them (the typed path would read the TOML's <1.6.0)
    answer = json.loads(_resolve(tmp_path, "--json"))
    assert (answer["requirements"], answer["constraints"]["mmcv-full"]["documented"]) == (
        [marked.strip()], marked.strip()[len("mmcv-full"):])
    # the marked range has no enforced source: the typed path answers, from the TOML's own ranges
    assert _resolve(tmp_path, "--policy", "enforced") == "mmcv-full>=1.3.8,<=1.6.0\n"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(_changed(text, "<1.6.0", "<1.5.0"), encoding="utf-8")  # the same size
    assert _resolve(tmp_path) == "mmcv-full>=1.3.8,<1.5.0\n"
    toml.write_text(text, encoding="utf-8")
    assert _resolve(tmp_path) == marked
    # the code that compiled it is the package's modules loaded then: another module does not matter
    doctor = package / "checks" / "guard.py"
    doctor.write_text(doctor.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert _resolve(tmp_path) == marked
    tables = package / "data" / "tables.py"
    tables.write_text(tables.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert _resolve(tmp_path) == "mmcv-full>=1.3.8,<1.6.0\n"


def test_a_code_change_is_never_answered_from_the_cache(tmp_path: Path) -> None:
    package = _copy_of_the_package(tmp_path)
    assert _resolve(tmp_path) == _resolve(tmp_path) == "mmcv-full>=1.3.8,<1.6.0\n"
    assert (tmp_path / "cache" / "matrix-parsed.marshal").is_file()
    render = package / "render" / "release.py"
    source = render.read_text(encoding="utf-8")
    edited = source.replace('"policy": policy,', '"policy": policy, "edited": True,')
    assert edited != source, "the edit point moved: update this test"
    render.write_text(edited, encoding="utf-8")
    assert json.loads(_resolve(tmp_path, "--json"))["edited"] is True


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
@pytest.mark.parametrize("name", ["matrix-parsed.marshal", "resolve-index.marshal"])
def test_damaged_caches_are_ignored(run: Run, garbage: bytes, name: str) -> None:
    run.cache.mkdir(parents=True)
    (run.cache / name).write_bytes(garbage)
    done = run("resolve", "0.28.0")
    assert (done.returncode, done.stdout, done.stderr) == (0, "mmcv-full>=1.3.8,<1.6.0\n", "")


def test_a_key_depends_on_the_data_not_on_who_else_holds_it() -> None:
    """marshal marks objects held more than once as back-references: a key made from its default
    format changed when other code merely held the same strings (doctor's memo key did, between the
    reading and the judgement). The same data gives the same key."""
    import copy

    from compat import cache

    reading = {"distributions": [{"name": "mmcv-full", "version": "1.5.0", "problems": []}], "torch": None}
    key = cache.digest("doctor-memo", reading)
    held = reading["distributions"][0]  # one more reference to the same dict, as a typed record would hold
    assert cache.digest("doctor-memo", reading) == key == cache.digest("doctor-memo", copy.deepcopy(reading))
    assert held and cache.digest("doctor-memo", dict(reading, torch="2.1.2")) != key


def test_doctor_judges_every_run(tmp_path: Path) -> None:
    """No stored printed output: an environment with something to report is judged again on every run
    (the judgement is imported both times), and nothing but readings is cached."""
    env = {"MMCOMPAT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    runs = [subprocess.run([sys.executable, "-X", "importtime", "-m", "compat", "doctor"], capture_output=True,
                           text=True, env=env, cwd=str(tmp_path), timeout=120) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout and "\ndoctor: " in "\n" + runs[0].stdout
    assert all("compat.checks.diagnose" in r.stderr for r in runs)
    assert not (tmp_path / "cache" / "doctor-memo.marshal").exists()
