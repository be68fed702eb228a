"""A build step's log, progress and failure, with real pip runs in a fresh venv: a stand-in sdist whose
setup.py runs the real ninja over two C files (ninja's own ``[N/M]`` lines, as torch's extension
builds print them), and one whose C file does not compile (the real compiler's error)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from compat.cli.install import run_steps as _run_steps
from compat.data.record import replace
from compat.environment.installed import inspect
from compat.install.buildlog import BuildFailed, BuildProgress, first_error, progress_of, restore_commands, run_logged
from compat.install.plan import Step
from compat.render.progress import build_reporter

from .indexes import PipVenv, write_sdist

_NINJA_SETUP = r'''import os, subprocess, sys
from setuptools import setup
from setuptools.command.build_py import build_py


class Compile(build_py):
    def run(self):
        rules = "rule cc\n  command = cc -c $in -o $out\n"
        builds = "".join("build %s.o: cc %s.c\n" % (n, n) for n in ("one", "two"))
        with open("build.ninja", "w") as f:
            f.write(rules + builds)
        ninja = os.path.join(os.path.dirname(sys.executable), "ninja")
        subprocess.run([ninja, "-j", "1"], check=True)
        build_py.run(self)


setup(name="ninjaops", version="1.0", py_modules=["ninjaops"], cmdclass={"build_py": Compile})
'''

_BAD_SETUP = '''from setuptools import Extension, setup

setup(name="badops", version="1.0", ext_modules=[Extension("badops", ["badops.c"])])
'''


def _machine_pip(python: str, *args: str) -> None:
    """pip with this machine's own configuration (its registry)."""
    done = subprocess.run([python, "-m", "pip", "install", "-q", *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> PipVenv:
    made = PipVenv(tmp_path_factory.mktemp("buildlog") / "venv")
    _machine_pip(made.python, "setuptools", "wheel", "ninja")
    return made


def _sdist(folder: Path, top: str, files: Dict[str, bytes]) -> Path:
    return write_sdist(folder, top, {"PKG-INFO": f"Metadata-Version: 2.1\nName: {top.split('-')[0]}\n"
                                                 f"Version: 1.0\n".encode(), **files})


def _build(python: str, sdist: Path, out: Path) -> Step:
    return Step("build", (python, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "--no-cache-dir",
                          "-w", str(out), str(sdist)), "test build")


def test_ninja_lines_are_read_as_progress_and_the_whole_output_is_logged(venv: PipVenv, tmp_path: Path) -> None:
    sdist = _sdist(tmp_path, "ninjaops-1.0", {"setup.py": _NINJA_SETUP.encode(), "ninjaops.py": b"",
                                              "one.c": b"int one(void) { return 1; }\n",
                                              "two.c": b"int two(void) { return 2; }\n"})
    seen: List[BuildProgress] = []
    step = _build(venv.python, sdist, tmp_path / "out")
    log = tmp_path / "logs" / "ninjaops.log"
    run = run_logged(step.argv, dict(os.environ), str(log), seen.append)
    assert run.returncode == 0 and run.error == "", log.read_text()
    assert [(e.stage, e.done, e.total) for e in seen] == [("start", 0, 0), ("compile", 1, 2), ("compile", 2, 2),
                                                           ("end", 2, 2)]
    assert (run.compiled, run.total) == (2, 2)
    text = log.read_text()
    assert "cc -c one.c -o one.o" in text and "Successfully built ninjaops" in text

    # in a pipe: one line per stage
    out = io.StringIO()
    report = build_reporter("ninjaops 1.0", out, terminal=False)
    for event in seen:
        report(event)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"mmcompat: building ninjaops 1.0; the whole build log: {log}"
    assert lines[1] == "mmcompat: building ninjaops 1.0: compiling 2 units"
    assert lines[2].startswith("mmcompat: building ninjaops 1.0: 2 units compiled in ")
    assert lines[3].startswith("mmcompat: building ninjaops 1.0: done after ") and len(lines) == 4


def test_rich_draws_the_units_only_on_a_terminal(venv: PipVenv) -> None:
    code = ("import io, sys\n"
            "from compat.install.buildlog import BuildProgress\n"
            "from compat.render.progress import build_reporter\n"
            "out = io.StringIO()\n"
            "r = build_reporter('x 1.0', out, terminal=False)\n"
            "r(BuildProgress('start', 0, 0, 0.0, 'LOG'))\n"
            "assert 'rich' not in sys.modules\n"
            "r = build_reporter('x 1.0', out, terminal=True)\n"
            "assert 'rich' in sys.modules\n"
            "for e in [BuildProgress('start', 0, 0, 0.0, 'LOG'), BuildProgress('compile', 3, 78, 5.0, ''),\n"
            "          BuildProgress('end', 78, 78, 65.0, '')]:\n"
            "    r(e)\n"
            "print(out.getvalue())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "the whole build log: LOG" in done.stdout and "building x 1.0: done after 1 min 05 s" in done.stdout


def test_a_failed_build_says_the_compiler_error_and_the_log_and_undoes_the_earlier_steps(
        venv: PipVenv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    sdist = _sdist(tmp_path, "badops-1.0", {"setup.py": _BAD_SETUP.encode(),
                                            "badops.c": b"#include <Python.h>\nint broken( { return 0; }\n"})
    monkeypatch.setenv("MMCOMPAT_CACHE_DIR", str(tmp_path / "cache"))
    before = inspect(venv.python)
    assert before.get("psutil") is None
    steps = [Step("prerequisites", (venv.python, "-m", "pip", "install", "-q", "psutil"), "a prerequisite"),
             _build(venv.python, sdist, tmp_path / "out")]
    with pytest.raises(BuildFailed) as caught:
        _run_steps(steps, venv.python, before)
    failed = caught.value
    assert failed.exit_code == 3 and failed.returncode != 0
    assert failed.error.startswith("badops.c:2:") and " error: " in failed.error, failed.error
    log = Path(failed.log)
    assert log.parent == tmp_path / "cache" / "build-logs" and failed.error in log.read_text()
    assert str(log) in str(failed) and failed.error in str(failed)
    err = capsys.readouterr().err
    assert f"the whole build log: {log}" in err and "failed after" in err
    after = inspect(venv.python)
    assert after.get("psutil") is None  # the prerequisite the plan added is gone again
    assert {d.name: d.version for d in after.distributions} == {d.name: d.version for d in before.distributions}


def test_first_error_skips_pips_summary() -> None:
    lines = ["  error: subprocess-exited-with-error\n", "ninja: build stopped: subcommand failed.\n",
             "mmcv/ops/csrc/pytorch/nms.cpp:12:5: error: 'foo' was not declared in this scope\n",
             "mmcv/ops/csrc/pytorch/roi.cpp:3:1: error: later\n"]
    assert first_error(lines) == "mmcv/ops/csrc/pytorch/nms.cpp:12:5: error: 'foo' was not declared in this scope"
    assert first_error(["ERROR: Failed building wheel for mmcv\n",
                        "ModuleNotFoundError: No module named 'pkg_resources'\n"]) == \
        "ModuleNotFoundError: No module named 'pkg_resources'"
    assert first_error(["all good\n"]) == ""
    line = "[12/78] c++ -MMD -c x.cpp"
    assert progress_of(line + "\n") == BuildProgress("compile", 12, 78, 0.0, line)
    assert progress_of("no [1/2] here") is None


def test_restore_commands() -> None:
    assert restore_commands("py", {"a": "1", "setuptools": "80.0"}, {"a": "1", "setuptools": "81.0", "ninja": "1.13"}
                            ) == [("py", "-m", "pip", "uninstall", "--yes", "ninja"),
                                  ("py", "-m", "pip", "install", "--no-deps", "setuptools==80.0")]
    assert restore_commands("py", {"a": "1"}, {"a": "1"}) == []


def test_a_built_wheel_gets_its_key_recorded(venv: PipVenv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build step of a plan (a real pip wheel of a sdist with one C extension): its wheel comes out with
    the key in its .dist-info, and pip installs it with that file (its RECORD line right)."""
    import json
    import zipfile

    from compat.install.build import BuildKey
    from compat.install.buildrecord import RECORD_NAME, read_record

    sdist = _sdist(tmp_path, "stampops-1.0", {
        "setup.py": b"from setuptools import Extension, setup\n"
                    b"setup(name='stampops', version='1.0', ext_modules=[Extension('stampops', ['stampops.c'])])\n",
        "stampops.c": b"#include <Python.h>\nstatic struct PyModuleDef m = {PyModuleDef_HEAD_INIT, \"stampops\"};\n"
                      b"PyMODINIT_FUNC PyInit_stampops(void) { return PyModule_Create(&m); }\n"})
    monkeypatch.setenv("MMCOMPAT_CACHE_DIR", str(tmp_path / "cache"))
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    key = BuildKey("stampops", "1.0", "2.13.0+cpu", "cpu", tag, "linux_x86_64", "")
    out = tmp_path / "out"
    _run_steps([replace(_build(venv.python, sdist, out), key=key)], venv.python, None)
    (wheel,) = out.glob("stampops-1.0-cp*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert json.loads(archive.read(f"stampops-1.0.dist-info/{RECORD_NAME}"))["torch"] == "2.13.0+cpu"
    done = venv.pip("install", "--no-deps", "--no-index", str(wheel))
    assert done.returncode == 0, done.stdout + done.stderr
    installed = inspect(venv.python).get("stampops")
    assert installed is not None and not installed.changed and not installed.missing
    recorded = read_record(installed.metadata_dir)
    assert recorded is not None and recorded.pop("built_by").startswith("mmcompat ") and recorded == key._asdict()
