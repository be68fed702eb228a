"""The exports (``constraints``): a dependency pip cannot build in isolation (chumpy) is never hidden.

Each format says, in a comment and as a warning on stderr, the exact commands that build it first; the
uv settings list it under ``no-build-isolation-package``; the commands the pip constraints file names
build the real chumpy sdist from the registry in a fresh venv.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from compat import __version__

from .conftest import ROOT, Run
from .indexes import PipVenv

MATRIX = f"{ROOT / 'data' / 'compat_matrix.toml'} (embedded)"
REASON = ("its setup.py imports pip (from pip._internal.req import parse_requirements), which pip's isolated build "
          "environment lacks")
ASK = ["mmpose==0.28.0", "--cuda", "cpu", "--python-version", "3.10"]
EXPLAINED = ("# mmpose 0.28.0: the newest release that fits; torch 1.11.0: the newest torch with a prebuilt mmcv-full "
             "for linux/CPU/torch 1.11/CPython 3.10; mmcv-full 1.5.3: the newest in range with a prebuilt wheel for "
             "linux/CPU/torch 1.11/CPython 3.10")
NUMPY = ("mmpose needs xtcocotools, whose registry wheels (newest 1.14.3) are built against numpy 1.x and fail to "
         "import under numpy 2")


def _header(kind: str, fmt: str) -> str:
    return (f"# {kind} for mmpose==0.28.0 on linux/CPU/torch 1.11/CPython 3.10, safe policy\n"
            f"# produced by mmcompat {__version__}: mmcompat constraints {' '.join(ASK)} --format {fmt}\n"
            f"# matrix: {MATRIX}\n{EXPLAINED}\n")


def test_the_pip_constraints_say_how_to_build_chumpy_first(run: Run) -> None:
    first = (f"chumpy 0.70 first, on its own: pip cannot build it in isolation ({REASON}): pip install -c THIS_FILE "
             "pip setuptools wheel && pip install -c THIS_FILE --no-build-isolation chumpy==0.70")
    done = run("constraints", *ASK, "--format", "pip")
    assert (done.returncode, done.stderr) == (0, f"mmcompat: warning: {first}\n")
    assert done.stdout == _header("pip constraints", "pip") + (
        "# torch and torchvision first: pip install torch==1.11.0 torchvision==0.12.0 --index-url "
        "https://download.pytorch.org/whl/cpu\n"
        "# prebuilt mmcv-full wheels: pip install -c THIS_FILE -f "
        "https://download.openmmlab.com/mmcv/dist/cpu/torch1.11.0/index.html --only-binary mmcv-full ...\n"
        f"# {first}\n"
        f"# numpy<2: {NUMPY}\n"
        "torch==1.11.0\ntorchvision==0.12.0\nmmpose==0.28.0\nmmcv-full==1.5.3\nnumpy<2\n")


def test_the_requirements_file_says_what_pip_install_r_cannot_do(run: Run) -> None:
    """A requirements file cannot turn build isolation off for one package: the steps are said before it."""
    first = (f"chumpy 0.70 first, on its own: pip cannot build it in isolation ({REASON}): pip install pip "
             "setuptools wheel && pip install --no-build-isolation chumpy==0.70 'numpy<2'")
    done = run("constraints", *ASK, "--format", "requirements")
    assert (done.returncode, done.stderr) == (0, f"mmcompat: warning: {first}\n")
    assert done.stdout == _header("pip requirements (pip install -r THIS_FILE)", "requirements") + (
        f"# {first}\n"
        "--extra-index-url https://download.pytorch.org/whl/cpu\n"
        "--find-links https://download.openmmlab.com/mmcv/dist/cpu/torch1.11.0/index.html\n"
        "--only-binary mmcv-full\n"
        "torch==1.11.0+cpu\ntorchvision==0.12.0+cpu\nmmpose==0.28.0\nmmcv-full==1.5.3\nnumpy<2\n")


def test_the_uv_settings_turn_isolation_off_for_chumpy(run: Run) -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - older test interpreters
        import tomli as tomllib

    first = (f"chumpy 0.70 builds without build isolation ({REASON}; no-build-isolation-package below): install "
             "what its build needs into the environment first: uv pip install pip setuptools wheel")
    done = run("constraints", *ASK, "--format", "uv")
    assert (done.returncode, done.stderr) == (0, f"mmcompat: warning: {first}\n")
    header = _header("uv settings (merge into pyproject.toml)", "uv")
    assert done.stdout.startswith(header + f"# {first}\n\n[tool.uv]\n")
    assert '\n]\nno-build-isolation-package = ["chumpy"]\n\n[[tool.uv.index]]\n' in done.stdout
    assert tomllib.loads(done.stdout)["tool"]["uv"]["no-build-isolation-package"] == ["chumpy"]


@pytest.mark.parametrize("fmt", ["pip", "requirements", "uv"])
def test_a_stack_without_mmpose_has_nothing_to_build_apart(run: Run, fmt: str) -> None:
    done = run("constraints", "mmdet==3.2.0", "--cuda", "cpu", "--python-version", "3.11", "--format", fmt)
    assert (done.returncode, done.stderr) == (0, "")
    assert "chumpy" not in done.stdout and "no-build-isolation" not in done.stdout


def test_xtcocotools_without_a_wheel_for_the_python_is_said_too(run: Run) -> None:
    """CPython 3.12 has no xtcocotools wheel: it is built first as well, against numpy<2."""
    done = run("constraints", "mmpose==1.3.2", "--cuda", "cpu", "--python-version", "3.12", "--allow-build",
               "--format", "requirements")
    assert done.returncode == 0, done.stderr
    said = [line[len("mmcompat: warning: "):] for line in done.stderr.splitlines()
            if line.startswith("mmcompat: warning: ") and " first, on its own: " in line]
    assert [line.split(" first")[0] for line in said] == ["chumpy 0.70", "xtcocotools 1.14.3"]
    assert said[1].endswith(": pip install 'numpy<2' cython setuptools wheel && pip install --no-build-isolation "
                            "xtcocotools==1.14.3")
    commented = [line for line in done.stdout.splitlines() if " first, on its own: " in line]
    assert [f"# {line}" for line in said] == commented


def test_the_commands_the_constraints_file_names_build_the_real_chumpy(run: Run, tmp_path: Path) -> None:
    """Run literally (``pip`` as the fresh venv's, THIS_FILE the file written): the real chumpy 0.70 sdist
    from the registry builds, where plain pip fails (tests/test_install.py)."""
    out = tmp_path / "constraints.txt"
    done = run("constraints", "mmpose==1.3.2", "--cuda", "cpu", "--python-version",
               "{}.{}".format(*sys.version_info[:2]), "-o", str(out))
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in out.read_text().splitlines() if line.startswith("# chumpy 0.70 first")]
    venv = PipVenv(tmp_path / "venv")
    for command in line.rsplit("): ", 1)[1].split(" && "):
        argv = shlex.split(command.replace("THIS_FILE", shlex.quote(str(out))))
        assert argv[:2] == ["pip", "install"]
        built = venv.pip(*argv[1:], "-q", timeout=900)
        assert built.returncode == 0, command + "\n" + built.stdout + built.stderr
    found = venv.run("import importlib.metadata as m; print(m.version('chumpy'), m.version('numpy') < '2')")
    assert found.stdout.split() == ["0.70", "True"], found.stderr
