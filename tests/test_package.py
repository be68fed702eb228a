"""The package as users get it: its public surface, its import cost, its syntax floor, its wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

import compat

from .conftest import ROOT
from .standins import build_wheel, mmcv_full_standin, torch_standin


def test_public_surface_is_all() -> None:
    probe = (
        "import json, compat\n"
        "public = sorted(n for n in vars(compat) if not n.startswith('_'))\n"
        "print(json.dumps(public))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == [], "compat defines public names outside __all__"
    for name in compat.__all__:
        assert getattr(compat, name) is not None, name
    with pytest.raises(AttributeError):
        compat.no_such_name  # noqa: B018
    names = [n for n in dir(compat) if not n.startswith("_") and not isinstance(getattr(compat, n), type(compat))]
    assert sorted(names) == sorted(n for n in compat.__all__ if not n.startswith("_"))


def test_import_compat_loads_nothing_heavy() -> None:
    probe = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import compat\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert loaded == ["compat"], loaded


def test_library_call_does_not_load_cli_dependencies() -> None:
    probe = (
        "import json, sys, compat\n"
        "compat.mmcv_requirement('0.28.0')\n"
        "print(json.dumps([m for m in ('rich', 'requests', 'pip_api', 'pip', 'argparse') if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_syntax_is_python_3_8() -> None:
    vermin = shutil.which("vermin", path=str(Path(sys.executable).parent)) or shutil.which("vermin")
    assert vermin, "vermin is a test dependency: pip install -e '.[test]'"
    done = subprocess.run(
        [vermin, "--target=3.8-", "--violations", "--no-tips", "--eval-annotations", "--backport", "typing",
         str(ROOT / "compat"), str(ROOT / "tools"), str(ROOT / "bench")],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_typed_marker_is_shipped() -> None:
    assert (ROOT / "compat" / "py.typed").is_file()


def _interpreters():
    """This interpreter, and the floor (3.8) when the machine has one: it takes the tomli path."""
    found = [sys.executable]
    floor = sorted(Path("/root/.pyenv/versions").glob("3.8*/bin/python3.8")) if Path("/root/.pyenv").is_dir() else []
    if os.environ.get("MMCOMPAT_PYTHON38"):
        floor = [Path(os.environ["MMCOMPAT_PYTHON38"])]
    found.extend(str(p) for p in floor[:1])
    return found


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=600,
    )
    (built,) = out.glob("mmcompat-*.whl")
    return built


@pytest.mark.slow
@pytest.mark.parametrize("python", _interpreters())
def test_wheel_installs_into_a_fresh_venv_and_resolves_without_the_checkout(
    wheel: Path, tmp_path: Path, python: str
) -> None:
    env_dir = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(env_dir)], check=True, capture_output=True, timeout=300)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    installed = subprocess.run(
        [str(bindir / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    away = tmp_path / "elsewhere"
    away.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MMCOMPAT_") and k != "PYTHONPATH"}
    env["MMCOMPAT_CACHE_DIR"] = str(tmp_path / "cache")
    done = subprocess.run([str(bindir / "mmcompat"), "resolve", "0.28.0"], capture_output=True, text=True,
                          cwd=away, env=env, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "mmcv-full>=1.3.8,<1.6.0\n", "")
    source = subprocess.run([str(bindir / "mmcompat"), "matrix", "--source"], capture_output=True, text=True,
                            cwd=away, env=env, timeout=60).stdout
    assert source.startswith(str(env_dir)) and source.endswith("compat_matrix.toml (embedded)\n")
    shipped = Path(source.rsplit(" (", 1)[0])
    assert shipped.read_bytes() == (ROOT / "data" / "compat_matrix.toml").read_bytes()
    typed = subprocess.run([str(bindir / "python"), "-c",
                            "import compat, os; "
                            "print(os.path.isfile(os.path.join(os.path.dirname(compat.__file__), 'py.typed')))"],
                           capture_output=True, text=True, cwd=away, env=env).stdout
    assert typed == "True\n"
    # The build hook compiled the matrix beside it; it answers only for exactly the TOML it came from.
    compiled = shipped.with_suffix(".marshal")
    assert compiled.is_file()
    nocache = dict(env, MMCOMPAT_NO_CACHE="1")
    # the installed code is the code that compiled the tables: resolve answers from them without the resolver
    probe = ("import sys; from compat.cli import main; code = main(sys.argv[1:]); "
             "sys.stderr.write(repr(sorted(m for m in sys.modules if m.startswith(('compat.', 'packaging')))))")
    note = "mmcompat: adding mmdet: mmpose 1.3.2 imports it at mmpose/models/heads/hybrid_heads/rtmo_head.py:9\n"
    for args, answer, said in ((["resolve", "0.28.0"], "mmcv-full>=1.3.8,<1.6.0\n", ""),
                               (["resolve", "0.28.0", "--debug"], "mmcv-full>=1.3.8,<1.6.0\n", ""),
                               (["resolve", "0.28.0", "--policy=enforced"], "mmcv-full>=1.3.8,<=1.6.0\n", ""),
                               (["resolve", "mmpose==1.3.2"],
                                "mmcv>=2.0.1,<2.2.0\nmmengine>=0.9.0,<1.0.0\nmmdet>=3.2.0,<3.3.0\n", note)):
        fast = subprocess.run([str(bindir / "python"), "-c", probe, *args], capture_output=True, text=True, cwd=away,
                              env=nocache, timeout=60)
        assert fast.stdout == answer
        # the tables' rule (answers.release over data.ranks); compat.probe, the one reader of input files;
        # data.record, the records of the command line's declaration and of the rule's answer
        assert fast.stderr == said + ("['compat.answers', 'compat.answers.release', 'compat.cache', 'compat.cli', "
                               "'compat.cli.output', 'compat.cli.resolve', 'compat.command_line', 'compat.data', "
                               "'compat.data.compiled', 'compat.data.locate', "
                               "'compat.data.ranks', 'compat.data.record', 'compat.data.vocabulary', "
                               "'compat.probe']"), fast.stderr
    full = subprocess.run([str(bindir / "mmcompat"), "resolve", "0.28.0", "--json"], capture_output=True, text=True,
                          cwd=away, env=nocache, timeout=60)
    assert json.loads(full.stdout)["requirements"] == ["mmcv-full>=1.3.8,<1.6.0"]
    typed = subprocess.run([str(bindir / "mmcompat"), "resolve", "mmpose==1.3.2", "--json"], capture_output=True,
                           text=True, cwd=away, env=nocache, timeout=60)  # the typed path: the same rule
    assert (json.loads(typed.stdout)["requirements"], typed.stderr) == (
        ["mmcv>=2.0.1,<2.2.0", "mmengine>=0.9.0,<1.0.0", "mmdet>=3.2.0,<3.3.0"], note)
    text = shipped.read_text(encoding="utf-8")
    marker = '[mmpose.releases."0.28.0".mmcv-full]\ndocumented = { spec = ">=1.3.8,<1.6.0"'
    assert marker in text
    shipped.write_text(text.replace(marker, marker.replace("<1.6.0", "<1.5.0")), encoding="utf-8")
    edited = subprocess.run([str(bindir / "mmcompat"), "resolve", "0.28.0", "--json"], capture_output=True,
                            text=True, cwd=away, env=nocache, timeout=60)
    assert json.loads(edited.stdout)["requirements"] == ["mmcv-full>=1.3.8,<1.5.0"]


def test_the_probe_verifies_every_mmcv_distribution() -> None:
    """The probe runs alone in other interpreters, so it repeats the names: they must stay equal."""
    from compat import probe
    from compat.data.models import MMCV_DISTRIBUTIONS

    assert sorted(probe.VERIFIED) == sorted(MMCV_DISTRIBUTIONS)


#: Stack questions the short path answers (compiled tables, no torch installed), with the driver each runs
#: under: answers, refusals with their ways out, a source build, bad input, ``--json``; and ``--json`` of
#: one release (a version, a release with notes, a branch).
_SHORT_CASES = [
    (["0.28.0", "--json"], "none"),
    (["mmpose==1.3.2", "--json", "--policy", "documented"], "none"),
    (["main", "--json"], "none"),
    (["mmpose==1.3.2", "mmdet"], "535.104.05"),
    (["mmpose==1.3.2", "mmdet", "--torch", "2.1.0", "--cuda", "11.8"], "none"),
    (["0.28.0", "--cuda", "11.3", "--python-version", "3.11"], "none"),
    (["mmpose==0.28.0", "--cuda", "11.3", "--python-version", "3.11", "--allow-build"], "none"),
    (["mmpose==1.3.2", "--torch", "2.5.1", "--cuda", "12.4", "--python-version", "3.11"], "none"),
    (["mmpose==1.3.2", "--provider", "onedl", "--python-version", "3.12"], "570.86.10"),
    (["mmpose", "--platform", "macos", "--python-version", "3.10"], "none"),
    (["mmpose==0.28", "mmdet==2.28.2", "--policy", "enforced"], "none"),
    (["mmpose==1.3.2", "mmdet==2.28.2"], "535.104.05"),
    (["mmpose==1.3.2", "--cuda", "99"], "none"),
    (["mmpose==1.3.2", "--python-version", "2.7"], "none"),
    (["constraints", "mmpose==1.3.2", "mmdet", "--format", "uv"], "535.104.05"),
    (["constraints", "mmpose==0.28.0", "--format", "requirements", "--python-version", "3.8"], "470.223.02"),
    (["constraints", "mmpose==0.28.0", "mmdet", "--python-version", "3.8"], "none"),
    (["constraints", "mmpose==1.3.2", "--torch", "2.5.1", "--cuda", "12.4"], "none"),
    (["mmpose==1.3.2", "mmdet", "--json"], "535.104.05"),
    (["mmpose==1.3.2", "--torch", "2.5.1", "--cuda", "12.4", "--provider", "any", "--allow-build", "--json"], "none"),
    (["mmpose==1.3.2", "--cuda", "99", "--json"], "none"),
    (["constraints", "mmpose==0.28.0", "mmdet", "--python-version", "3.8", "--json"], "none"),
    (["wheels", "--json"], "none"),
    (["wheels", "mmcv==2.1.0", "--cuda", "cu121", "--json"], "none"),
    (["wheels", "mmcv-full", "--torch", "1.11", "--python-version", "3.8"], "none"),
    (["wheels", "onedl-mmcv", "--platform", "linux"], "none"),
    (["wheels", "mmcv==1.0.0", "--json"], "none"),
]


def _comparable(text: str) -> str:
    """An export's header names how it was produced and which matrix file (``--matrix`` on the full
    path): the rest must be equal byte for byte."""
    if text.startswith("{"):
        data = json.loads(text)
        data.pop("matrix_origin")
        return json.dumps(data)
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith(("# produced by mmcompat", "# matrix: ")))


def _installed(wheel: Path, tmp_path: Path) -> Tuple[Path, str, Path]:
    """A fresh venv with the wheel installed by its pip: (venv, its python, a folder away from the checkout)."""
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, capture_output=True, timeout=300)
    python = str(env_dir / "bin" / "python")
    installed = subprocess.run([python, "-m", "pip", "install", "--quiet", str(wheel)], capture_output=True,
                               text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr
    away = tmp_path / "elsewhere"
    away.mkdir()
    return env_dir, python, away


@pytest.mark.slow
def test_the_short_stack_path_answers_as_the_full_path(wheel: Path, tmp_path: Path) -> None:
    """In an installed wheel a stack question is answered from the compiled tables without packaging,
    dataclasses, typing or argparse; ``--matrix`` (the same file) takes the full path: the same bytes come out."""
    env_dir, python, away = _installed(wheel, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MMCOMPAT_") and k != "PYTHONPATH"}
    env.update(MMCOMPAT_CACHE_DIR=str(tmp_path / "cache"), MMCOMPAT_NO_CACHE="1")
    shipped = subprocess.run([str(env_dir / "bin" / "mmcompat"), "matrix", "--source"], capture_output=True,
                             text=True, cwd=away, env=env, timeout=60).stdout.rsplit(" (", 1)[0]
    probe = ("import json, sys; from compat.cli import main; code = main(sys.argv[1:]); sys.stdout.flush(); "
             "sys.stderr.write('\\n' + json.dumps([code, sorted(m for m in ('packaging', 'dataclasses', 'typing', "
             "'compat.data.models', 'compat.answers.stack', 'argparse') "
             "if m in sys.modules)]))")
    heavy = {"packaging", "dataclasses", "typing", "compat.data.models", "compat.answers.stack"}
    for args, driver in _SHORT_CASES:
        run_env = dict(env, MMCOMPAT_CUDA_DRIVER_VERSION=driver)
        if args[0] not in ("constraints", "wheels"):
            args = ["resolve", *args]
        short = subprocess.run([python, "-c", probe, *args], capture_output=True, text=True, cwd=away,
                               env=run_env, timeout=60)
        stderr, _, loaded = short.stderr.rpartition("\n")
        code, modules = json.loads(loaded)
        # nor argparse (compat.command_line read the command line)
        assert not heavy.intersection(modules) and "argparse" not in modules, (args, modules)
        full = subprocess.run([str(env_dir / "bin" / "mmcompat"), *args, "--matrix", shipped],
                              capture_output=True, text=True, cwd=away, env=run_env, timeout=60)
        assert (code, _comparable(short.stdout), stderr) == (full.returncode, _comparable(full.stdout),
                                                             full.stderr), args
        if args[0] == "constraints" and code == 0 and "--json" not in args:
            assert "# produced by mmcompat" in short.stdout and "(embedded)" in short.stdout
    # a torch in the environment is kept and pinned: the short path leaves that to the full path
    (tmp_path / "torch").mkdir()
    standin = torch_standin(tmp_path / "torch", "2.1.2+cu118", "11.8")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(standin)], check=True,
                   capture_output=True, timeout=300)
    kept = subprocess.run([python, "-c", probe, "resolve", "mmpose==1.3.2", "mmdet"], capture_output=True, text=True,
                          cwd=away, env=dict(env, MMCOMPAT_CUDA_DRIVER_VERSION="none"), timeout=60)
    assert "# torch 2.1.2 is installed: keep it pinned\ntorch==2.1.2\n" in kept.stdout
    assert '"packaging"' in kept.stderr.rpartition("\n")[2]
    subprocess.run([python, "-m", "pip", "uninstall", "-y", "-q", "torch"], check=True, capture_output=True)

    def short_path(*args: str) -> Tuple[str, List[str]]:
        done = subprocess.run([python, "-c", probe, "resolve", *args], capture_output=True, text=True, cwd=away,
                              env=dict(env, MMCOMPAT_CUDA_DRIVER_VERSION="none"), timeout=60)
        return done.stdout, json.loads(done.stderr.rpartition("\n")[2])[1]

    question = ("mmpose==1.3.2", "mmdet==3.2.0", "--cuda", "11.8", "--python-version", "3.10")
    before, modules = short_path(*question)
    assert "mmcv==2.1.0\n" in before and not heavy.intersection(modules)
    # compiled tables are for exactly the code that compiled them: a module the search runs now (search.py)
    # is not part of it, an edited one that compiled them (tables.py) turns them off (same answer, full path)
    package = Path(shipped).parent.parent
    for name, compiled_by in (("answers/search.py", False), ("data/tables.py", True)):
        module = package / name
        module.write_text(module.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        after, modules = short_path(*question)
        assert after == before and ("packaging" in modules) == compiled_by, name
    # and for exactly this TOML: mmdet 3.2.0 made to need mmcv<2.1.0 gives mmcv 2.0.1 at once
    toml = Path(shipped)
    text = toml.read_text(encoding="utf-8")
    marker = '[mmdet.releases."3.2.0".mmcv]\nenforced = { spec = ">=2.0.0rc4,<2.2.0"'
    assert marker in text
    toml.write_text(text.replace(marker, marker.replace("<2.2.0", "<2.1.0")), encoding="utf-8")
    edited, modules = short_path(*question)
    assert "mmcv==2.0.1\n" in edited and "packaging" in modules


def _mmcv_with_ops(folder: Path, name: str, version: str) -> Path:
    """An mmcv 2.x (or onedl-mmcv) with its compiled ops, as the prebuilt wheels install it (the real one
    needs CUDA and torch to build)."""
    return build_wheel(folder, name, version, {
        "mmcv/__init__.py": b"from .version import __version__\n",
        "mmcv/version.py": f"__version__ = '{version}'\n".encode(),
        "mmcv/_ext.cpython-311-x86_64-linux-gnu.so": b"\x7fELF stand-in " + version.encode(),
    })


@pytest.mark.slow
def test_doctor_judges_on_the_compiled_tables(wheel: Path, wheelhouse: Path, tmp_path: Path) -> None:
    """doctor in an installed wheel, in environments of real registry wheels and stand-ins: one judgement
    (compat.checks.diagnose) on the tables compiled into the wheel, without packaging, dataclasses or
    argparse for a healthy environment and for a version outside a range; every environment is answered as
    with the typed matrix loaded from the same file (--matrix), byte for byte, exit code included."""
    env_dir, python, away = _installed(wheel, tmp_path)
    links = tmp_path / "links"
    links.mkdir()
    for standin in (mmcv_full_standin(links, "1.5.0"), mmcv_full_standin(links, "1.7.0"),
                    torch_standin(links, "1.11.0+cu113", "11.3"), _mmcv_with_ops(links, "mmcv", "2.1.0")):
        assert standin.is_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MMCOMPAT_") and k != "PYTHONPATH"}
    env.update(MMCOMPAT_CACHE_DIR=str(tmp_path / "cache"), MMCOMPAT_NO_CACHE="1")
    script = str(env_dir / "bin" / "mmcompat")
    shipped = subprocess.run([script, "matrix", "--source"], capture_output=True, text=True, cwd=away, env=env,
                             timeout=60).stdout.rsplit(" (", 1)[0]
    probe = ("import json, sys; from compat.cli import main; code = main(sys.argv[1:]); sys.stdout.flush(); "
             "sys.stderr.write('\\n' + json.dumps([code, sorted(m for m in ('packaging', 'dataclasses', "
             "'compat.data.matrix', 'argparse') if m in sys.modules)]))")

    def pip(*args: str) -> None:
        done = subprocess.run([python, "-m", "pip", *args, "--quiet"], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr

    def doctor(*args: str) -> Tuple[int, str, str, List[str]]:
        short = subprocess.run([python, "-c", probe, "doctor", *args], capture_output=True, text=True, cwd=away,
                               env=env, timeout=120)
        stderr, _, loaded = short.stderr.rpartition("\n")
        code, modules = json.loads(loaded)
        full = subprocess.run([script, "doctor", *args, "--matrix", shipped], capture_output=True, text=True,
                              cwd=away, env=env, timeout=120)
        assert (code, short.stdout, stderr) == (full.returncode, full.stdout, full.stderr)
        return code, short.stdout, stderr, modules

    def install(*requirements: str) -> None:
        pip("install", "--no-deps", "--no-index", "-f", str(wheelhouse), "-f", str(links), *requirements)

    install("mmpose==0.28.0", "mmdet==2.28.2", "mmcv-full==1.5.0")
    code, out, _, modules = doctor()
    assert (code, out, modules) == (0, "doctor: no problems found\n", [])
    install("torch==1.11.0+cu113")
    code, out, _, modules = doctor("--strict")
    assert code == 0 and modules == [] and out.startswith("info[torch]: torch 1.11.0+cu113 (CUDA 11.3), read from ")
    assert "prebuilt mmcv-full wheels for it: https://download.openmmlab.com/mmcv/dist/cu113/torch1.11.0/" in out
    # out of the range mmpose 0.28.0 asserts: judged on the ranks, the AssertionError quoted from the tables
    pip("uninstall", "-y", "mmcv-full")
    install("mmcv-full==1.7.0")
    code, out, _, modules = doctor()
    assert code == 1 and modules == [] and ": AssertionError: " in out
    assert "error[mmcv-outside-enforced]: import mmpose will fail: mmcv-full==1.7.0" in out
    # MMPose 1.x: mmengine 0.10.4 is in no range of the matrix
    pip("uninstall", "-y", "mmcv-full", "mmpose", "mmdet", "torch")
    install("mmpose==1.3.2", "mmdet==3.2.0", "mmengine==0.10.4", "mmcv==2.1.0", "numpy==1.26.4")
    code, out, _, modules = doctor()
    assert (code, out, modules) == (0, "doctor: no problems found\n", [])
    # a binary built against numpy 1.x beside numpy 2; the lite mmcv over the one with ops
    install("xtcocotools==1.14.3", "numpy==2.1.3")
    code, out, _, modules = doctor()
    assert code == 1 and "error[numpy-abi]" in out  # the releases and their sources: the typed matrix's
    pip("uninstall", "-y", "xtcocotools", "mmcv")
    install("mmcv-lite==2.1.0")
    code, out, _, modules = doctor()
    assert "mmcv-without-ops" in out  # the fix asks the stack search: the typed matrix's
