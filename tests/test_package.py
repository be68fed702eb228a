"""The package as users get it: its public surface, its import cost, its syntax floor, its wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import compat

from .conftest import ROOT


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
    # the installed code is the code that compiled the answers: resolve answers without loading the resolver
    probe = ("import sys; from compat.cli import main; code = main(['resolve', '0.28.0']); "
             "sys.stderr.write(repr(sorted(m for m in sys.modules if m.startswith(('compat.', 'packaging')))))")
    fast = subprocess.run([str(bindir / "python"), "-c", probe], capture_output=True, text=True, cwd=away, env=nocache,
                          timeout=60)
    assert fast.stdout == "mmcv-full>=1.3.8,<1.6.0\n"
    assert fast.stderr == "['compat.cache', 'compat.cli', 'compat.locate', 'compat.matrix_compiled']", fast.stderr
    full = subprocess.run([str(bindir / "mmcompat"), "resolve", "0.28.0", "--json"], capture_output=True, text=True,
                          cwd=away, env=nocache, timeout=60)
    assert json.loads(full.stdout)["requirements"] == ["mmcv-full>=1.3.8,<1.6.0"]
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
    from compat.models import MMCV_DISTRIBUTIONS

    assert sorted(probe.VERIFIED) == sorted(MMCV_DISTRIBUTIONS)
