"""``mmcompat doctor`` on real environments built with real pip from real and stand-in wheels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from compat import load_matrix
from compat.checks.diagnose import diagnose
from compat.environment.installed import from_probe, inspect
from compat.probe import scan

from .conftest import ROOT, Run, Venv, mmcv_full_standin, torch_standin

pytestmark = pytest.mark.slow
MATRIX = load_matrix(str(ROOT / "data" / "compat_matrix.toml"))


def doctor(run: Run, venv: Venv, *extra: str):
    done = run("doctor", "--python", venv.python, "--json", *extra)
    assert "Traceback" not in done.stderr, done.stderr
    data = json.loads(done.stdout) if done.stdout else {}
    return done.returncode, data


def codes(data) -> Dict[str, List[dict]]:
    found: Dict[str, List[dict]] = {}
    for finding in data["findings"]:
        found.setdefault(finding["code"], []).append(finding)
    return found


def test_sound_environment(run: Run, make_venv, tmp_path: Path) -> None:
    venv = make_venv()
    venv.install("mmpose==0.28.0", "mmcv-full==1.5.0", links=mmcv_full_standin(tmp_path, "1.5.0").parent)
    code, data = doctor(run, venv)
    assert code == 0, data
    assert [f for f in data["findings"] if f["severity"] != "info"] == []
    assert data["environment"]["distributions"]["mmpose"] == "0.28.0"


def test_mmcv_outside_the_enforced_range_quotes_the_assertion(run: Run, make_venv, tmp_path: Path) -> None:
    venv = make_venv()
    venv.install("mmpose==0.28.0", "mmcv-full==1.7.0", links=mmcv_full_standin(tmp_path, "1.7.0").parent)
    code, data = doctor(run, venv)
    assert code == 1
    (finding,) = codes(data)["mmcv-outside-enforced"]
    assert finding["severity"] == "error"
    assert finding["message"].endswith(
        "AssertionError: MMCV==1.7.0 is used but incompatible. Please install mmcv>=1.3.8, <=1.6.0.")
    # no torch in the venv: mmcompat's own plan (torch first), never a pip command that would compile mmcv
    assert finding["fix"] == [f"mmcompat install mmpose==0.28.0 --python {venv.python}"]


def test_inside_enforced_outside_safe_is_a_warning(run: Run, make_venv, tmp_path: Path) -> None:
    venv = make_venv()
    venv.install("mmpose==0.28.0", "mmcv-full==1.6.0", links=mmcv_full_standin(tmp_path, "1.6.0").parent)
    code, data = doctor(run, venv)
    assert code == 0
    (finding,) = codes(data)["mmcv-outside-safe"]
    assert finding["severity"] == "warning" and "(documented source excludes it)" in finding["message"]
    assert doctor(run, venv, "--strict")[0] == 1


def test_lite_mmcv_where_ops_are_needed(run: Run, make_venv) -> None:
    venv = make_venv()
    venv.install("mmpose==0.28.0", "mmcv==1.7.0")
    code, data = doctor(run, venv)
    found = codes(data)
    assert code == 1
    (lite,) = found["mmcv-without-ops"]
    assert lite["severity"] == "error" and "No module named 'mmcv._ext'" in lite["message"]
    assert lite["fix"] == [f"{venv.python} -m pip uninstall -y mmcv",
                           f"mmcompat install mmpose==0.28.0 --python {venv.python}"]
    outside = found["mmcv-outside-enforced"][0]
    assert "AssertionError: MMCV==1.7.0 is used but incompatible" in outside["message"]
    # the lite mmcv provides the module: it goes first, or the fix would install a second mmcv
    assert outside["fix"] == [f"{venv.python} -m pip uninstall -y mmcv",
                              f"mmcompat install mmpose==0.28.0 --python {venv.python}"]
    assert lite["dists"] == ["mmcv", "mmpose"]


def test_clobbered_install_then_uninstall(run: Run, make_venv, tmp_path: Path) -> None:
    """mmcv-full, then the lite mmcv over it, then `pip uninstall mmcv`: pip check sees nothing wrong."""
    venv = make_venv()
    links = mmcv_full_standin(tmp_path, "1.6.0").parent
    venv.install("mmpose==0.28.0", "mmcv-full==1.6.0", links=links)
    venv.install("mmcv==1.7.0")
    code, data = doctor(run, venv)
    found = codes(data)
    assert code == 1
    assert "mmcv-full 1.6.0, mmcv 1.7.0" in found["multiple-mmcv"][0]["message"]
    damaged = found["mmcv-files-damaged"][0]
    assert (damaged["dists"] == ["mmcv-full"]
            and "3 changed (mmcv/__init__.py, mmcv/ops/__init__.py, mmcv/version.py)" in damaged["message"])
    # import mmcv now reports the lite version: the range check judges that.
    assert "MMCV==1.7.0 is used" in found["mmcv-outside-enforced"][0]["message"]

    venv.uninstall("mmcv")
    check = __import__("subprocess").run([sys.executable, "-m", "pip", "--python", venv.python, "check"],
                                         capture_output=True, text=True)
    assert "mmcv" not in check.stdout  # pip check sees nothing wrong with mmcv (mmpose's own deps aside)
    code, data = doctor(run, venv)
    found = codes(data)
    assert code == 1 and "multiple-mmcv" not in found
    damaged = found["mmcv-files-damaged"][0]
    assert "3 missing (mmcv/__init__.py, mmcv/ops/__init__.py, mmcv/version.py)" in damaged["message"]
    assert damaged["fix"] == [f"{venv.python} -m pip install --force-reinstall --no-deps --only-binary mmcv-full "
                              "mmcv-full==1.6.0"]


def test_mmpose_1x_with_mmdet_2x_names_the_ways_out(run: Run, make_venv) -> None:
    venv = make_venv()
    venv.install("mmpose==1.3.2", "mmengine==0.10.4", "mmcv-lite==2.1.0", "mmdet==2.28.2")
    code, data = doctor(run, venv)
    found = codes(data)
    assert code == 1
    (mismatch,) = found["mmdet-mismatch"]
    assert mismatch["message"] == (
        "mmdet==2.28.2 (installed) does not fit mmpose 1.3.2, whose installer asks mmdet>=3.0.0,<3.3.0; ways out: "
        "keep mmpose 1.3.2 and install mmdet>=3.0.0,<3.3.0; or keep mmdet 2.28.2 and move to mmpose 0.29.0, "
        "the newest release whose installer accepts it")
    assert mismatch["fix"] == [
        f"{venv.python} -m pip install 'mmdet>=3.0.0,<3.3.0'",
        f"mmcompat install mmpose==0.29.0 --python {venv.python}",
    ]
    assert found["mmcv-without-ops"][0]["severity"] == "error"  # mmdet needs the ops
    assert "mmengine-outside-enforced" not in found


def test_mmengine_checked_for_1x(run: Run, make_venv) -> None:
    venv = make_venv()
    venv.install("mmpose==1.3.2", "mmcv-lite==2.1.0")
    code, data = doctor(run, venv)
    assert code == 1 and codes(data)["mmengine-missing"][0]["fix"] == [
        f"{venv.python} -m pip install 'mmengine>=0.9.0,<1.0.0'"]


def test_two_distributions_owning_the_same_files(run: Run, make_venv) -> None:
    venv = make_venv()
    venv.install("pyserial==3.5")
    venv.install("serial==0.0.97")
    code, data = doctor(run, venv)
    (shared,) = codes(data)["shared-files"]
    assert code == 0 and shared["severity"] == "warning"
    assert shared["dists"] == ["pyserial", "serial"] and "serial/__init__.py" in shared["message"]
    # serial, installed last, wrote the shared files: the repair keeps it
    assert "they hold serial's files now (the files on disk match its RECORD's hashes)" in shared["message"]
    assert shared["fix"] == [f"{venv.python} -m pip uninstall -y pyserial",
                             f"{venv.python} -m pip install --force-reinstall --no-deps serial==0.0.97"]


@pytest.mark.parametrize("first, last", [("openmim==0.3.9", "onedl-mim==0.5.1"),
                                         ("onedl-mim==0.5.1", "openmim==0.3.9")])
def test_openmim_and_onedl_mim_name_the_owner_of_mim(run: Run, make_venv, first: str, last: str) -> None:
    """The real openmim wheel and onedl-mim (its registry sdist, built) both install mim/: the one installed
    last wrote the files, told by the RECORD hashes they match (onedl-mim's version.py states no version)."""
    venv = make_venv()
    venv.install(first)
    venv.install(last)
    _, data = doctor(run, venv)
    (shared,) = codes(data)["shared-files"]
    owner, other = last.split("==")[0], first.split("==")[0]
    assert shared["dists"] == ["onedl-mim", "openmim"] and "mim/__init__.py" in shared["message"]
    assert f"they hold {owner}'s files now (the files on disk match its RECORD's hashes), and uninstalling {other} " \
           "removes them too" in shared["message"]
    assert shared["fix"] == [f"{venv.python} -m pip uninstall -y {other}",
                             f"{venv.python} -m pip install --force-reinstall --no-deps {last}"]
    # the repair, run (by the test's pip: the venv has none; offline, from the wheelhouse)
    venv.uninstall(other)
    venv.install(last, "--force-reinstall")
    _, data = doctor(run, venv)
    assert "shared-files" not in codes(data)
    left = subprocess.run([sys.executable, "-m", "pip", "--python", venv.python, "list", "--format", "json"],
                          capture_output=True, text=True, check=True).stdout
    assert {d["name"] for d in json.loads(left)} & {"openmim", "onedl-mim"} == {owner}
    assert (venv.site / "mim" / "__init__.py").is_file()


def test_torch_read_statically_and_used_for_find_links(run: Run, make_venv, tmp_path: Path) -> None:
    venv = make_venv()
    links = mmcv_full_standin(tmp_path, "1.7.0").parent
    torch_standin(links, "1.12.1+cu113", "11.3")
    venv.install("mmpose==0.28.0", "mmcv-full==1.7.0", "torch==1.12.1+cu113", links=links)
    _code, data = doctor(run, venv)
    found = codes(data)
    url = "https://download.openmmlab.com/mmcv/dist/cu113/torch1.12.0/index.html"
    assert found["torch"][0]["message"].startswith("torch 1.12.1+cu113 (CUDA 11.3), read from ")
    assert found["mmcv-outside-enforced"][0]["fix"] == [
        f"{venv.python} -m pip install 'mmcv-full>=1.3.8,<1.6.0' -f {url} --only-binary mmcv-full"]
    assert data["environment"]["torch"]["cuda"] == "11.3"


@pytest.mark.parametrize(
    "files, problem",
    [
        ({}, "broken-1.0.dist-info is empty"),
        ({"METADATA": b""}, "broken-1.0.dist-info/METADATA has no Name or Version header"),
        ({"METADATA": b"Name: broken\nVersion: 1.0\n\n", "RECORD": b"\x00\x01garbage\nno commas here\n"},
         "broken-1.0.dist-info/RECORD has 2 line(s) that are not path,hash,size"),
        ({"METADATA": b"Name: broken\nVersion: 1.0\n"}, "broken-1.0.dist-info has no RECORD"),
        ({"METADATA": b"Name: br\xe9ken\nVersion: 1.0\n\n", "RECORD": b"a,,\n"},
         "broken-1.0.dist-info/METADATA is not UTF-8 at byte 8"),
    ],
)
def test_damaged_metadata_is_a_finding_not_a_crash(run: Run, make_venv, files, problem: str) -> None:
    venv = make_venv()
    folder = venv.site / "broken-1.0.dist-info"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    code, data = doctor(run, venv)
    (finding,) = codes(data)["damaged-metadata"]
    assert problem in finding["message"] and code == 0


def test_doctor_imports_nothing_it_inspects(run: Run, make_venv, tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    venv = make_venv()
    venv.install("mmpose==0.28.0", "mmcv-full==1.5.0", links=mmcv_full_standin(tmp_path, "1.5.0", marker).parent)
    assert doctor(run, venv)[0] == 0
    assert not marker.exists()
    # In-process too: the same answer from scanning its site-packages, and nothing inspected in sys.modules.
    env = from_probe(scan([str(venv.site)]))
    in_process = diagnose(env, MATRIX)
    assert [f.code for f in in_process if f.severity != "info"] == []
    assert not marker.exists()
    assert not {"mmcv", "mmpose", "mmdet", "torch"} & set(sys.modules)


def test_in_process_and_python_path_agree(run: Run, make_venv) -> None:
    venv = make_venv()
    venv.install("mmpose==0.28.0", "mmcv==1.7.0")
    by_probe = inspect(venv.python)
    in_process = from_probe(scan([str(venv.site)]))
    assert {d.name: d.version for d in by_probe.distributions} == {d.name: d.version for d in in_process.distributions}
    assert [f.code for f in diagnose(by_probe, MATRIX)] == [f.code for f in diagnose(in_process, MATRIX)]


def test_this_interpreter_by_default(run: Run) -> None:
    done = run("doctor")
    assert done.returncode in (0, 1) and done.stdout.startswith(("doctor:", "error", "warning", "info"))


def test_target_that_cannot_be_inspected_exits_3(run: Run) -> None:
    done = run("doctor", "--python", "/bin/false")
    assert done.returncode == 3 and done.stderr.startswith("mmcompat: error: cannot inspect /bin/false: ")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("python, tried", [
    ("/nonexistent/python", "/nonexistent/python"),
    ("no-such-python-anywhere", "no-such-python-anywhere on PATH"),
])
def test_a_python_that_is_none_exits_2_naming_what_was_tried(run: Run, python: str, tried: str) -> None:
    done = run("doctor", "--python", python)
    assert (done.returncode, done.stderr) == (2, f"mmcompat: error: --python {python!r} is not an interpreter, an "
                                                 f"environment folder or a name on PATH (tried {tried})\n")


def test_python_takes_an_environment_folder_or_a_name_on_path(run: Run, make_venv, tmp_path: Path) -> None:
    venv = make_venv()
    by_folder = run("doctor", "--python", str(venv.path), "--json")
    assert by_folder.returncode == 0, by_folder.stderr
    assert json.loads(by_folder.stdout)["environment"]["python"] == str(venv.path / "bin" / "python")
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run("doctor", "--python", str(empty))
    assert done.returncode == 2 and f"(tried {empty}/bin/python, " in done.stderr
    on_path = run("doctor", "--python", "python3", "--json", env={"PATH": str(venv.path / "bin")})
    assert on_path.returncode == 0, on_path.stderr


def test_reading_cache_never_hides_a_change(run: Run, make_venv, tmp_path: Path) -> None:
    venv = make_venv()
    venv.install("mmpose==0.28.0", "mmcv-full==1.5.0", links=mmcv_full_standin(tmp_path, "1.5.0").parent)
    first = run("doctor", "--python", venv.python)
    assert list(run.cache.glob("probe-*/probe*-py*.marshal"))
    second = run("doctor", "--python", venv.python)
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout) == (0, "doctor: no problems found\n")
    uncached = run("doctor", "--python", venv.python, env={"MMCOMPAT_NO_CACHE": "1"})
    assert (uncached.returncode, uncached.stdout) == (first.returncode, first.stdout)
    # Clobber a file of mmcv-full in place: its stat changes, so it is hashed again.
    (venv.site / "mmcv" / "version.py").write_text("__version__ = '1.7.0'\n")
    third = run("doctor", "--python", venv.python)
    assert third.returncode == 1 and "mmcv-files-damaged" in third.stdout and "MMCV==1.7.0" in third.stdout
    # Edit another distribution's metadata: the probe cache's stamp catches it.
    metadata = venv.site / "mmpose-0.28.0.dist-info" / "METADATA"
    metadata.write_text(metadata.read_text().replace("Version: 0.28.0", "Version: 0.29.0", 1))
    fourth = run("doctor", "--python", venv.python, "--json")
    assert json.loads(fourth.stdout)["environment"]["distributions"]["mmpose"] == "0.29.0"
    assert not [p for p in run.cache.iterdir() if p.name.endswith(".tmp")]


def test_in_process_doctor_answers_alike_twice(run: Run) -> None:
    first = run("doctor", "--json")
    second = run("doctor", "--json")
    assert first.stdout == second.stdout and first.returncode == second.returncode
    assert json.loads(second.stdout)["environment"]["python_version"] == "{}.{}.{}".format(*sys.version_info[:3])


@pytest.mark.parametrize("version", ["3.6", "3.7", "3.8"])
def test_probe_reads_torch_on_old_pythons(tmp_path: Path, version: str) -> None:
    """Before 3.8, ast parses literals as Str/NameConstant: the probe still reads torch/version.py."""
    found = sorted(Path("/root/.pyenv/versions").glob(f"{version}.*/bin/python{version}"))
    if not found:
        pytest.skip(f"no CPython {version} on this machine")
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "version.py").write_text(
        "from typing import Optional\n__version__ = '1.8.1+cu111'\ncuda = None\ncuda: Optional[str] = '11.1'\n")
    source = (ROOT / "compat" / "probe.py").read_text()
    code = source + f"\nimport json\nprint(json.dumps(_torch({str(tmp_path)!r})))\n"
    done = subprocess.run([str(found[-1]), "-c", code.replace('if __name__ == "__main__":', "if False:")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "version_file": str(tmp_path / "torch" / "version.py"), "version": "1.8.1+cu111", "cuda": "11.1"}


def test_onedl_mmcv_installed_over_mmcv_is_a_conflict(run: Run, make_venv, tmp_path: Path) -> None:
    """onedl-mmcv writes the same mmcv/ files as mmcv: real pip installs one over the other."""
    from .indexes import mmcv_wheel
    from .standins import build_wheel

    links = tmp_path / "links"
    links.mkdir()
    mmcv_wheel(links, "mmcv", "2.1.0", tag="py3-none-any")
    build_wheel(links, "onedl-mmcv", "2.3.6", {
        "mmcv/__init__.py": b"from .version import __version__\n",
        "mmcv/version.py": b"__version__ = '2.3.6'\n",
        "mmcv/ops/__init__.py": b"from .. import _ext\n",
        "mmcv/_ext.cpython-311-x86_64-linux-gnu.so": b"\x7fELF onedl",
    })
    venv = make_venv()
    venv.install("mmpose==1.3.2", "mmengine==0.10.4", "mmcv==2.1.0", links=links)
    venv.install("onedl-mmcv==2.3.6", links=links)
    code, data = doctor(run, venv)
    found = codes(data)
    assert code == 1
    assert found["multiple-mmcv"][0]["dists"] == ["mmcv", "onedl-mmcv"]
    assert found["multiple-mmcv"][0]["message"].endswith(
        "; mmcv/ holds onedl-mmcv's files now (the files on disk match its RECORD's hashes)")
    assert "mmcv 2.1.0 does not match its RECORD" in found["mmcv-files-damaged"][0]["message"]


def test_onedl_mmengine_over_mmengine_names_the_owner(run: Run, make_venv) -> None:
    """The real registry wheels: onedl-mmengine, installed last, wrote mmengine/ (its version.py reads its
    metadata, so only the RECORD hashes tell); one finding, not a second shared-files one."""
    venv = make_venv()
    venv.install("mmengine==0.10.4")
    venv.install("onedl-mmengine==0.10.12")
    _, data = doctor(run, venv)
    found = codes(data)
    (finding,) = found["multiple-mmengine"]
    assert finding["message"] == (
        "more than one mmengine distribution is installed: mmengine 0.10.4, onedl-mmengine 0.10.12; they both install "
        "the mmengine/ package and overwrite each other's files; mmengine/ holds onedl-mmengine's files now (the "
        "files on disk match its RECORD's hashes)")
    assert "shared-files" not in found


def _mmcv_standin(folder: Path, version: str) -> Path:
    """mmcv 2.x with its compiled ops, as mmcv_full_standin is for mmcv-full."""
    from .standins import build_wheel

    return build_wheel(folder, "mmcv", version, {
        "mmcv/__init__.py": b"from .version import __version__\n",
        "mmcv/version.py": f"__version__ = '{version}'\n".encode(),
        "mmcv/ops/__init__.py": b"from .. import _ext\n",
        "mmcv/_ext.cpython-311-x86_64-linux-gnu.so": b"\x7fELF stand-in for the compiled ops " + version.encode(),
    })


def test_names_the_codebase_whose_bound_the_installed_mmcv_breaks(run: Run, make_venv, tmp_path: Path) -> None:
    # mmcv 2.2.0 is the only mmcv with wheels for torch 2.3/2.4; mmdet 3.2.0 asserts mmcv<2.2.0 (no mmpose here)
    venv = make_venv()
    venv.install("mmdet==3.2.0", "mmengine==0.10.4", "mmcv==2.2.0", links=_mmcv_standin(tmp_path, "2.2.0").parent)
    code, data = doctor(run, venv)
    assert code == 1, data
    (finding,) = codes(data)["mmcv-outside-enforced"]
    assert finding["message"] == ("import mmdet will fail: mmcv==2.2.0 (installed) is outside >=2.0.0rc4,<2.2.0, the "
                                  "range mmdet 3.2.0 asserts at import: AssertionError: MMCV==2.2.0 is used but "
                                  "incompatible. Please install mmcv>=2.0.0rc4, <2.2.0.")
    assert finding["dists"] == ["mmdet", "mmcv"], finding
    assert finding["fix"] == [f"mmcompat install mmdet==3.2.0 --python {venv.python}"]  # mmcompat's plan, torch first
    venv.install("mmcv==2.1.0", links=_mmcv_standin(tmp_path, "2.1.0").parent)
    code, data = doctor(run, venv)
    assert "mmcv-outside-enforced" not in codes(data), data


def _onedl_mmdetection_standin(folder: Path, version: str) -> Path:
    """onedl-mmdetection installs the mmdet/ folder; its version.py reads its metadata (as the real one)."""
    from .standins import build_wheel

    return build_wheel(folder, "onedl-mmdetection", version, {
        "mmdet/__init__.py": b"from .version import __version__\n",
        "mmdet/version.py": b"from importlib.metadata import version\n\n__version__ = version('onedl-mmdetection')\n",
    })


def test_two_distributions_of_one_module(run: Run, make_venv, tmp_path: Path) -> None:
    links = _onedl_mmdetection_standin(tmp_path, "3.4.0rc1").parent
    # the fork first, then the real mmdet 3.2.0 over it: mmdet/ holds mmdet's files
    venv = make_venv()
    venv.install("onedl-mmdetection==3.4.0rc1", links=links)
    venv.install("mmdet==3.2.0")
    code, data = doctor(run, venv)
    assert code == 1
    (finding,) = codes(data)["two-distributions-one-module"]
    assert finding["message"] == (
        "mmdet 3.2.0 and onedl-mmdetection 3.4.0rc1 both install the mmdet/ package: mmdet/ holds mmdet's files now "
        "(mmdet/version.py says 3.2.0); uninstalling onedl-mmdetection removes them too")
    assert finding["fix"] == [f"{venv.python} -m pip uninstall -y onedl-mmdetection",
                              f"{venv.python} -m pip install --force-reinstall --no-deps mmdet==3.2.0"]
    assert "shared-files" not in codes(data)
    # the other way round: the fork's version.py states no version, so which files are there is not known
    venv = make_venv()
    venv.install("mmdet==3.2.0")
    venv.install("onedl-mmdetection==3.4.0rc1", links=links)
    code, data = doctor(run, venv)
    (finding,) = codes(data)["two-distributions-one-module"]
    assert finding["message"] == (
        "mmdet 3.2.0 and onedl-mmdetection 3.4.0rc1 both install the mmdet/ package: mmdet/ holds "
        "onedl-mmdetection's files now (the files on disk match its RECORD's hashes); uninstalling mmdet removes "
        "them too")
    assert finding["fix"] == [f"{venv.python} -m pip uninstall -y mmdet",
                              f"{venv.python} -m pip install --force-reinstall --no-deps onedl-mmdetection==3.4.0rc1"]
