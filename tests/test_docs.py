"""The docs run: every command example in README.md and docs/*.md is executed, and its output compared
with what the page shows (paths normalised).

An example is a fenced block whose lines starting ``$ `` are commands and whose other lines are the
output, stdout then stderr. Every example runs against the sites the pages name, laid out on 127.0.0.1:
OpenMMLab's download site (``MMCV_BASE_URL``, with mmcv 2.2.0's CUDA 12.1 / torch 2.4 page and mmcv
2.1.0's CUDA 12.1 / torch 2.1 one) and the
registry (``MMCOMPAT_SIMPLE_URL``, where xtcocotools 1.14.3 has wheels up to CPython 3.11); with no
NVIDIA driver unless the block says otherwise. Examples that name an interpreter get a real one made
for them: ``/venv`` is a fresh CPython 3.11 venv, ``/venv312`` a fresh CPython 3.12 one (skipped where
this machine has none).

A comment line right before a block sets it up, ``;`` between steps: ``gpu`` lays out the files a
535.104.05 NVIDIA driver writes (``/sys/module/nvidia/version``); ``cached-matrix`` runs a real
``mmcompat update`` from a loopback server first (the user cache is ``/home/me/.cache/mmcompat`` on the
page); ``bad-matrix`` writes the ``bad.toml`` and ``broken.toml`` the block reads; ``venv REQ...`` makes
``/venv`` a CPython 3.11 venv with those real registry wheels installed (the test wheelhouse);
``tree PATH REQ`` puts the package of that wheel at ``PATH`` as a source tree; ``update-server`` serves
the embedded matrix on 127.0.0.1 for ``https://example.org/compat_matrix.toml`` (its sha256 and size are
what the page abbreviates as ``9f2c...`` and ``74211``); ``harvest-clone`` makes ``../mmpose`` a small
git repository with a v0.28.0 tag and ``m.toml`` a matrix whose mmdet table has a bad fact.
``<!-- docs: not run: REASON -->`` leaves the block to the test the reason names.
"""

from __future__ import annotations

import glob
import http.server
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

from .conftest import ROOT, Run
from .indexes import MmcvBuild, openmmlab_links, serve, simple_index
from .standins import build_wheel

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
_NOTE = re.compile(r"<!-- docs: (.*?) -->\s*$")
#: What the pages call the embedded matrix and the user cache.
EMBEDDED = "/venv/lib/python3.11/site-packages/compat/data/compat_matrix.toml"
CACHE = "/home/me/.cache/mmcompat"
#: The interpreters the pages name, and the CPython each is.
INTERPRETERS = {"/venv312": "3.12", "/venv": "3.11"}


def _examples(skipped: bool = False) -> List[Tuple[str, int, str, List[str], str]]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in _FENCE.finditer(text):
            lines = block.group(1).splitlines()
            if not lines or not re.match(r"^\$ ([A-Z_]+=\S+ )*mmcompat ", lines[0]):
                continue
            before = text[:block.start()].rstrip("\n").rsplit("\n", 1)[-1]
            note = _NOTE.match(before)
            setup = note.group(1) if note else ""
            if setup.startswith("not run:") and not skipped:
                continue
            line_no = text[:block.start()].count("\n") + 2
            command, output = None, []
            for line in [*lines, "$ "]:
                if line.startswith("$ "):
                    if command is not None:
                        found.append((page.name, line_no, command, output, setup))
                    command, output = line[2:], []
                else:
                    output.append(line)
    return found


EXAMPLES = _examples()


def test_there_are_examples_to_run() -> None:
    assert len(EXAMPLES) >= 30, [e[2] for e in EXAMPLES]
    steps = {step.split()[0] for e in EXAMPLES for step in e[4].split(";") if step.strip()}
    assert steps <= {"cached-matrix", "gpu", "bad-matrix", "venv", "tree", "update-server", "harvest-clone"}, steps
    assert not [e for e in _examples(skipped=True) if e[4].startswith("not run")], "every example runs"


def _python(version: str) -> Optional[str]:
    if "{}.{}".format(*sys.version_info[:2]) == version:
        return sys.executable
    found = sorted(glob.glob(f"/root/.pyenv/versions/{version}.*/bin/python{version}"))
    return found[-1] if found else None


@pytest.fixture(scope="module")
def interpreters(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """``/venv`` and ``/venv312`` as fresh venvs of their CPython (those this machine has)."""
    made: Dict[str, str] = {}
    for name, version in INTERPRETERS.items():
        python = _python(version)
        if python is None:
            continue
        folder = tmp_path_factory.mktemp("docs") / name.strip("/")
        subprocess.run([python, "-m", "venv", str(folder)], check=True, capture_output=True, timeout=300)
        made[name] = str(folder)
    return made


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """OpenMMLab's download site and the registry as the pages show them, on 127.0.0.1."""
    root = tmp_path_factory.mktemp("docs-sites")
    tags = [f"cp{v}-cp{v}-manylinux1_x86_64" for v in ("38", "39", "310", "311", "312")]
    openmmlab_links(root, [*(MmcvBuild("mmcv", "2.2.0", "cu121", "torch2.4", tag) for tag in tags),
                           *(MmcvBuild("mmcv", "2.1.0", "cu121", "torch2.1", tag) for tag in tags[:4])])
    wheels = root / "wheels"
    wheels.mkdir()
    xtcocotools = [build_wheel(wheels, "xtcocotools", "1.14.3", {"xtcocotools/__init__.py": b""},
                               tag=f"cp{v}-cp{v}-manylinux_2_17_x86_64.manylinux2014_x86_64")
                   for v in ("38", "39", "310", "311")]
    simple_index(root, {"xtcocotools": xtcocotools}, root="registry", json_pages=True)
    with serve(root) as server:
        yield server.url


@pytest.fixture(scope="module")
def matrix_server() -> Iterator[str]:
    """The embedded matrix with an older ``generated`` value, served on 127.0.0.1 for a real update (and
    the embedded matrix itself at ``/embedded.toml``)."""
    text = (ROOT / "data" / "compat_matrix.toml").read_text(encoding="utf-8")
    older = re.sub(r'^generated = "[^"]*"', 'generated = "open-mmlab/mmpose main@0fe1a2b3c4d5"', text, count=1,
                   flags=re.M).encode("utf-8")
    assert older != text.encode("utf-8")

    embedded = (ROOT / "data" / "compat_matrix.toml").read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = embedded if self.path.endswith("/embedded.toml") else older
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/compat_matrix.toml"
    finally:
        server.shutdown()
        server.server_close()


def _cached_matrix(run: Run, url: str) -> Dict[str, str]:
    """A real ``mmcompat update`` into this test's cache; its file time as the page shows it."""
    done = run("update", "--url", url)
    assert done.returncode == 0, done.stderr
    cached = run.cache / "compat_matrix.toml"
    stamp = time.mktime(time.strptime("2026-10-02T08:00:00", "%Y-%m-%dT%H:%M:%S")) - time.timezone
    os.utime(cached, (stamp, stamp))
    embedded = ROOT / "data" / "compat_matrix.toml"
    shown = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(embedded.stat().st_mtime))
    return {str(run.cache): CACHE, f"file time {shown})": "file time 2026-11-05T09:12:03Z)"}


def _prepared(setup: str, tmp_path: Path, wheelhouse: Path, replacements: Dict[str, str]) -> Dict[str, str]:
    """The ``venv`` and ``tree`` steps of ``setup``: the interpreters and folders they made, by page name."""
    import zipfile

    from .conftest import Venv

    made: Dict[str, str] = {}
    for step in (s.split() for s in setup.split(";")):
        if step and step[0] in ("venv", "tree") and sys.version_info[:2] != (3, 11):
            pytest.skip("the page's /venv is CPython 3.11")
        if step and step[0] == "venv":
            venv = Venv(tmp_path / "venv", wheelhouse)
            venv.install(*step[1:])
            made["/venv"] = str(venv.path)
        elif step and step[0] == "tree":
            where, requirement = step[1], step[2]
            name, version = requirement.split("==")
            (wheel,) = wheelhouse.glob(f"{name.replace('-', '_')}-{version}-*.whl")
            tree = tmp_path / "tree"
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(tree, [n for n in archive.namelist() if n.startswith(name + "/")])
            made[where] = str(tree)
    for name, real in made.items():
        replacements[real] = name
    return made


@pytest.mark.parametrize("page, line, command, expected, setup", EXAMPLES,
                         ids=[f"{e[0]}:{e[1]}:{e[2][:40]}" for e in EXAMPLES])
def test_example_output_is_what_the_page_shows(run: Run, interpreters: Dict[str, str], matrix_server: str,
                                               sites: str, tmp_path: Path, wheelhouse: Path, page: str, line: int,
                                               command: str, expected: List[str], setup: str) -> None:
    replacements = {str(ROOT / "data" / "compat_matrix.toml"): EMBEDDED, sites: "https://download.openmmlab.com"}
    prepared = _prepared(setup, tmp_path, wheelhouse, replacements)
    for name, real in prepared.items():
        command = command.replace(name, real)
    env = {"MMCOMPAT_NO_CACHE": "1", "MMCOMPAT_CUDA_DRIVER_VERSION": "none", "MMCV_BASE_URL": sites,
           "MMCOMPAT_SIMPLE_URL": f"{sites}/registry", "MMCOMPAT_WHEELHOUSE": "/wheelhouse", "MAX_JOBS": "2",
           "MMCOMPAT_GPU_COMPUTE_CAP": "none"}
    if setup == "gpu":
        driver = tmp_path / "root" / "sys" / "module" / "nvidia"
        driver.mkdir(parents=True)
        (driver / "version").write_text("535.104.05\n")
        del env["MMCOMPAT_CUDA_DRIVER_VERSION"]
        env["MMCOMPAT_DRIVER_ROOT"] = str(tmp_path / "root")
        replacements[str(tmp_path / "root")] = ""
    for name in INTERPRETERS if "/venv" not in prepared else ():  # the longer name first: /venv312, /venv
        if f"{name}/" in command:
            if name not in interpreters:
                pytest.skip(f"no CPython {INTERPRETERS[name]} on this machine for {name}")
            command = command.replace(f"{name}/", f"{interpreters[name]}/")
            replacements[interpreters[name]] = name
    if setup == "cached-matrix":
        replacements.update(_cached_matrix(run, matrix_server))
    cwd = None
    if setup == "bad-matrix":  # one bad fact; a TOML syntax error on line 20
        text = (ROOT / "data" / "compat_matrix.toml").read_text(encoding="utf-8")
        marker = '[mmpose.releases."0.28.0".mmcv-full]\n'
        start = text.index("enforced = ", text.index(marker))
        fact = text[start:text.index("\n", start)]
        bad = fact.replace(fact[fact.index('spec = "'):].split('"')[1], ">=1.3.8,<=banana", 1)
        assert fact.startswith("enforced = ") and bad != fact
        (tmp_path / "bad.toml").write_text(text[:start] + bad + text[start + len(fact):], encoding="utf-8")
        lines = text.splitlines(keepends=True)
        (tmp_path / "broken.toml").write_text("".join(lines[:19]) + "x = 1 2\n" + "".join(lines[19:]),
                                              encoding="utf-8")
        cwd = str(tmp_path)
    if setup == "update-server":
        import hashlib

        body = (ROOT / "data" / "compat_matrix.toml").read_bytes()
        digest = hashlib.sha256(body).hexdigest()
        page_url = "https://example.org/compat_matrix.toml"
        command = command.replace(page_url, matrix_server.replace("/compat_matrix.toml", "/embedded.toml"))
        command = command.replace("9f2c...", digest)
        replacements.update({matrix_server.replace("/compat_matrix.toml", "/embedded.toml"): page_url,
                             digest: "9f2c...", f"({len(body)} bytes": "(74211 bytes", str(run.cache): CACHE})
    if setup == "harvest-clone":
        from .test_harvest import INCLUSIVE_STYLE, _commit, _git

        repo = tmp_path / "mmpose"
        repo.mkdir()
        _git(repo, "init", "-q", "-b", "master")
        _commit(repo, {"mmpose/__init__.py": INCLUSIVE_STYLE, "mmpose/version.py": "__version__ = '0.28.0'\n"},
                "v0.28.0", annotated=True)
        work = tmp_path / "work"
        work.mkdir()
        (work / "m.toml").write_text('schema = 1\n\n[mmdet.releases."2.28.2".mmcv-full]\n'
                                     'enforced = { spec = "nonsense", source = "x" }\n', encoding="utf-8")
        cwd = str(work)
    words = shlex.split(command.split(" | ")[0])
    while words and re.match(r"^[A-Z_]+=", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words[0] == "mmcompat"
    done = run(*words[1:], env=env, cwd=cwd)
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    if " | head -" in command:
        lines = done.stdout.splitlines()[: int(command.rsplit("-", 1)[1])]
    shown = []
    for text in lines:
        for real, page_name in replacements.items():
            text = text.replace(real, page_name)
        shown.append(text)
    assert shown == expected, f"{page}:{line}: {command}"
