"""The installed ``mmcompat`` console script, run in a subprocess like a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, Run

EMBEDDED = ROOT / "data" / "compat_matrix.toml"


def _one_line_error(done: subprocess.CompletedProcess, code: int, text: str) -> None:
    assert done.returncode == code, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert done.stderr == f"mmcompat: error: {text}\n"
    assert "Traceback" not in done.stderr


def test_resolve_prints_pip_ready_lines(run: Run) -> None:
    done = run("resolve", "0.28.0")
    assert (done.returncode, done.stdout, done.stderr) == (0, "mmcv-full>=1.3.8,<1.6.0\n", "")
    # mmpose 1.3.2 imports mmdet (its RTMO head): mmdet's line, and the mmcv every mmdet of it accepts
    note = "mmcompat: adding mmdet: mmpose 1.3.2 imports it at mmpose/models/heads/hybrid_heads/rtmo_head.py:9\n"
    for target in ("1.3.2", "mmpose==1.3.2"):
        done = run("resolve", target)
        assert (done.returncode, done.stdout, done.stderr) == (
            0, "mmcv>=2.0.1,<2.2.0\nmmengine>=0.9.0,<1.0.0\nmmdet>=3.2.0,<3.3.0\n", note)
    done = run("resolve", "1.3.2", "--json")
    data = json.loads(done.stdout)
    assert (data["requirements"], data["notes"], data["optional"], done.stderr) == (
        ["mmcv>=2.0.1,<2.2.0", "mmengine>=0.9.0,<1.0.0", "mmdet>=3.2.0,<3.3.0"], [note[10:-1]], [], note)


@pytest.mark.parametrize("policy, line", [("enforced", "mmcv-full>=1.3.8,<=1.6.0"), ("installer", "mmcv-full>=1.3.8")])
@pytest.mark.parametrize("form", ["split", "joined"])
def test_resolve_policy(run: Run, policy: str, line: str, form: str) -> None:
    args = ["--policy", policy] if form == "split" else [f"--policy={policy}"]
    for _ in range(2):  # the first call writes the fast index, the second reads it
        done = run("resolve", "v0.28.0", *args)
        assert (done.returncode, done.stdout) == (0, line + "\n")


def test_unwritable_cache_still_answers(run: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = run("resolve", "0.28.0", env={"MMCOMPAT_CACHE_DIR": str(blocker / "sub")})
    assert (done.returncode, done.stdout, done.stderr) == (0, "mmcv-full>=1.3.8,<1.6.0\n", "")


def test_resolve_json(run: Run) -> None:
    done = run("resolve", "0.28.0", "--json")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert data["target"] == {"name": "mmpose", "version": "0.28.0", "branch": None, "ref": "v0.28.0",
                              "commit": "5123a2a7e794be61b09f288b75b59b1eba15958c"}
    assert data["policy"] == "safe"
    assert data["requirements"] == ["mmcv-full>=1.3.8,<1.6.0"]
    assert data["constraints"]["mmcv-full"] == {
        "safe": ">=1.3.8,<1.6.0", "documented": ">=1.3.8,<1.6.0", "enforced": ">=1.3.8,<=1.6.0", "installer": ">=1.3.8",
    }
    assert data["constraints"]["mmdet"]["documented"] is None
    assert data["optional"] == ["mmdet", "mmtrack"]
    assert data["sources"]["mmcv-full"]["enforced"] == "https://github.com/open-mmlab/mmpose/blob/v0.28.0/mmpose/__init__.py"
    assert data["sources"]["mmcv-full"]["installer"].endswith("/blob/v0.28.0/requirements/mminstall.txt")
    assert data["sources"]["mmcv-full"]["documented"].endswith("/docs/zh_cn/faq.md")
    assert data["matrix"] == str(EMBEDDED) and data["matrix_origin"] == "embedded"


def test_resolve_json_branch(run: Run) -> None:
    data = json.loads(run("resolve", "master", "--json").stdout)
    assert data["target"]["branch"] == "master" and data["target"]["version"] == "0.29.0"


def test_resolve_with_matrix_file(run: Run, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(
        'schema = 1\n[mmpose.releases."9.9.9"]\nref = "v9.9.9"\n'
        '[mmpose.releases."9.9.9".mmcv]\ninstaller = { spec = ">=9", source = "test" }\n',
        encoding="utf-8",
    )
    done = run("resolve", "9.9.9", "--matrix", str(other), "--json")
    data = json.loads(done.stdout)
    assert data["requirements"] == ["mmcv>=9"] and data["matrix"] == str(other) and data["matrix_origin"] == "--matrix"
    _one_line_error(run("resolve", "0.28.0", "--matrix", str(other)), 2,
                    "unknown mmpose release '0.28.0'; nearest known: 9.9.9")


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["resolve", "0.29.1"], 2, "unknown mmpose release '0.29.1'; nearest known: 0.29.0, 0.28.1"),
        (["resolve", "0.28.0", "--policy", "newest"], 2,
         "argument --policy: invalid choice: 'newest' (choose from 'safe', 'documented', 'enforced', 'installer') "
         "(see 'mmcompat --help')"),
        (["resolve", "0.28.0", "--frobnicate"], 2, "unrecognized arguments: --frobnicate (see 'mmcompat --help')"),
        (["resolve"], 2, "the following arguments are required: TARGET (see 'mmcompat --help')"),
        ([], 2, "give a command: resolve, compatible, wheels, matrix, doctor, guard, update, harvest, install, "
                "constraints, build (see 'mmcompat --help')"),
        (["explode"], 2, "argument COMMAND: invalid choice: 'explode' (choose from 'resolve', 'wheels', 'compatible', "
                         "'matrix', 'update', 'harvest', 'install', 'build', 'constraints', 'doctor', 'guard') "
                         "(see 'mmcompat --help')"),
        (["resolve", "mmpose==0.28.0;;"], 2,
         "not a release, branch or requirement: 'mmpose==0.28.0;;'; "
         "give e.g. 0.28.0, mmpose==0.28.0 or one of 0.x, 1.x, main, master"),
        (["resolve", "0.6.0"], 1, "no source records what mmpose 0.6.0 needs: mmpose/__init__.py at v0.6.0 asserts "
                                   "no version, there is no requirements/mminstall.txt and no FAQ row"),
        (["resolve", "0.15.0", "--policy", "documented"], 1,
         "no documented range for mmcv-full in mmpose 0.15.0 (sources present: enforced, installer); "
         "try --policy safe"),
        (["compatible", "mmcv-full>=1"], 2, "give one exact version, e.g. mmcv-full==1.6.0; got 'mmcv-full>=1'"),
        (["resolve", "mmpos==0.28.0"], 2, "unknown package 'mmpos'; did you mean mmpose?"),
        (["resolve", "mmcv-full==1.6.0"], 2,
         "resolve answers what an mmpose release needs; to list the mmpose releases that accept 'mmcv-full==1.6.0', "
         "run: mmcompat compatible mmcv-full==1.6.0"),
        (["install", "1.x", "--dry-run"], 2,
         "'1.x' is a branch: a stack needs releases, which have wheels and pins; give a release such as "
         "mmpose==1.3.2 (mmcompat resolve BRANCH prints what a branch tip needs)"),
        (["resolve", "mmpose==" + "1" * 5000, "--cuda", "cpu"], 2,
         "a version in the arguments has more digits than Python converts to a number; give a real version "
         "(see 'mmcompat --help')"),
        (["resolve", "1" * 5000], 2,
         "unknown target '" + "1" * 200 + "'... (5000 characters); give a release such as 0.28.0, mmpose==0.28.0, "
         "or a branch: 0.x, 1.x, main, master"),
        (["resolve", "0.28.0", "--python-version", "3.11", "--torch", "x" * 300], 2,
         "not a torch version: '" + "x" * 200 + "'... (300 characters); give e.g. 1.12.1, 2.1 or auto"),
    ],
)
def test_errors_are_one_line_with_the_right_exit_code(run: Run, args, code: int, message: str) -> None:
    _one_line_error(run(*args), code, message)


def test_bad_matrix_file_is_named_with_its_line(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 1\n[mmpose\n", encoding="utf-8")
    done = run("resolve", "0.28.0", "--matrix", str(bad))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"mmcompat: error: bad matrix {bad}:2: not valid TOML: ")
    assert done.stderr.count("\n") == 1
    missing = tmp_path / "missing.toml"
    _one_line_error(run("matrix", "--matrix", str(missing)), 2,
                    f"bad matrix {missing}: cannot read it: No such file or directory")
    done = run("resolve", "0.28.0", env={"MMCOMPAT_MATRIX": str(missing)})
    assert done.returncode == 2 and str(missing) in done.stderr


def test_debug_shows_the_traceback(run: Run) -> None:
    done = run("resolve", "0.29.1", "--debug")
    assert done.returncode != 0 and "Traceback" in done.stderr and "UnknownRelease" in done.stderr


def test_compatible(run: Run) -> None:
    done = run("compatible", "mmcv-full==1.6.0", "--package", "mmpose")
    assert (done.returncode, done.stdout) == (0, "0.29.0\n0.28.1\n")
    assert done.stderr == ("mmcompat: mmpose releases that accept mmcv-full==1.6.0 under the safe policy; also the "
                           "master and 0.x branch tips\n")
    done = run("compatible", "mmcv-full==1.6.0", "--policy", "enforced", "--json", "--package", "mmpose")
    data = json.loads(done.stdout)
    assert data["releases"] == ["0.29.0", "0.28.1", "0.28.0", "0.27.0", "0.26.0", "0.25.1"]
    assert (data["package"], data["branches"]) == ("mmpose", ["master", "0.x"])
    done = run("compatible", "mmcv-full==1.7.0", "--package", "mmpose")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("mmcompat: no mmpose release accepts mmcv-full==1.7.0 under the safe policy; the master "
                           "and 0.x branch tips do\n")
    done = run("compatible", "mmdet==3.2.0", "--package", "mmpose")
    assert done.returncode == 0 and done.stdout.splitlines()[0] == "1.3.2" and "0.29.0" not in done.stdout


def test_compatible_groups_every_codebase(run: Run) -> None:
    done = run("compatible", "mmcv==2.2.0")
    # mmdet, mmsegmentation and the rest assert mmcv<2.2.0; onedl's forks ask onedl-mmcv (>=2.0.0, or any: mmdeploy)
    assert done.returncode == 0 and done.stdout.startswith("mmpose 1.3.2\nmmpretrain 1.2.0\nonedl-mmdeploy 1.5.0\n")
    assert {line.split()[0] for line in done.stdout.splitlines()} == {
        "mmpose", "mmpretrain", "onedl-mmdeploy", "onedl-mmdetection", "onedl-mmpretrain", "onedl-mmsegmentation"}
    assert done.stderr == ("mmcompat: releases that accept mmcv==2.2.0 under the safe policy, by codebase: mmpose 1 "
                           "(and the main tip), mmpretrain 1 (and the main tip), onedl-mmdeploy 8 (and the main tip), "
                           "onedl-mmdetection 3, onedl-mmpretrain 10, onedl-mmsegmentation 1; none of 15 other "
                           "codebases\n")
    data = json.loads(run("compatible", "mmcv==2.1.0", "--json").stdout)
    found = {c["package"]: c["releases"] for c in data["codebases"]}
    assert found["mmsegmentation"][:3] == ["1.2.2", "1.2.1", "1.2.0"] and "mmtrack" not in found
    assert next(iter(found)) == "mmpose"
    # either name of a codebase narrows the answer
    by_module = run("compatible", "mmcv==2.1.0", "--package", "mmseg")
    assert by_module.stdout == run("compatible", "mmcv==2.1.0", "--package", "mmsegmentation").stdout
    assert by_module.stdout.splitlines()[0] == "1.2.2"
    # mmocr 1.0.1 asserts mmdet<3.2.0: it cannot sit beside mmdet 3.2.0
    assert "mmocr 1.0.1" not in run("compatible", "mmdet==3.2.0").stdout
    done = run("compatible", "nothing==1.0")
    assert done.returncode == 2 and done.stderr.startswith("mmcompat: error: no release in the matrix records "
                                                           "'nothing'; known: mmaction2, mmagic,")


def test_matrix_plain_text_is_stable(run: Run) -> None:
    done = run("matrix")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["PACKAGE", "RELEASE", "DISTRIBUTION", "SAFE", "DOCUMENTED", "ENFORCED", "INSTALLER"]
    row = next(line for line in lines if line.split()[:3] == ["mmpose", "0.28.0", "mmcv-full"])
    assert row.split()[3:] == [">=1.3.8,<1.6.0", ">=1.3.8,<1.6.0", ">=1.3.8,<=1.6.0", ">=1.3.8"]
    assert "\x1b[" not in done.stdout
    assert run("matrix").stdout == done.stdout


def test_matrix_json_and_source(run: Run) -> None:
    data = json.loads(run("matrix", "--json").stdout)
    assert data["schema"] == 1 and data["matrix_origin"] == "embedded"
    release = data["packages"]["mmpose"]["releases"]["0.28.0"]
    assert release["constraints"]["mmcv-full"]["safe"] == ">=1.3.8,<1.6.0"
    assert set(data["packages"]["mmpose"]["branches"]) == {"master", "0.x", "main", "1.x"}
    assert run("matrix", "--source").stdout == f"{EMBEDDED} (embedded)\n"
    source = json.loads(run("matrix", "--source", "--json").stdout)
    assert (source["matrix"], source["matrix_origin"]) == (str(EMBEDDED), "embedded")


def test_python_dash_m_compat(run: Run) -> None:
    done = run("resolve", "0.28.0", module=True)
    assert (done.returncode, done.stdout) == (0, "mmcv-full>=1.3.8,<1.6.0\n")


def test_version(run: Run) -> None:
    from importlib.metadata import version

    import compat

    installed = version("mmcompat")  # the metadata pip wrote from pyproject.toml's one source
    assert compat.__version__ == installed
    assert run("--version").stdout == f"mmcompat {installed}\n"


def test_broken_pipe_is_quiet(run: Run) -> None:
    process = subprocess.Popen([run.script, "matrix"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=run.env())
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()
    err = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) in (0, -13) and "Traceback" not in err


def test_resolve_a_stack(run: Run) -> None:
    args = ["resolve", "mmpose==1.3.2", "mmdet", "--torch", "2.1.0", "--cuda", "11.8", "--python-version", "3.8",
            "--platform", "linux"]
    first = run(*args)
    assert (first.returncode, first.stdout) == (0, (
        "# torch and torchvision from --index-url https://download.pytorch.org/whl/cu118\n"
        "torch==2.1.0\ntorchvision==0.16.0\nmmpose==1.3.2\nmmdet==3.2.0\nmmcv==2.1.0\nmmengine>=0.9.0,<1.0.0\n"
        "# prebuilt mmcv wheels: --find-links https://download.openmmlab.com/mmcv/dist/cu118/torch2.1/index.html\n"))
    data = json.loads(run(*args, "--json").stdout)
    assert data["pins"] == {"mmpose": "1.3.2", "mmdet": "3.2.0", "mmcv": "2.1.0"}
    assert data["find_links"] == ["https://download.openmmlab.com/mmcv/dist/cu118/torch2.1/index.html"]
    assert data["platform"] == {"platform": "linux", "cuda": "11.8", "torch": "2.1"}
    assert data["python"] == "3.8"
    assert data["torch"] == {"version": "2.1.0", "torchvision": "0.16.0", "cuda": "11.8",
                             "index_url": "https://download.pytorch.org/whl/cu118", "installed": False}
    assert "newest in range with a prebuilt wheel" in data["explanation"]
    assert json.loads(run(*args, "--json").stdout) == data
    # MMCV_BASE_URL as mim means it: the host part, /mmcv/dist/... appended
    mirror = run(*args, "--json", env={"MMCV_BASE_URL": "https://mirror.example.org",
                                       "MMCOMPAT_TORCH_INDEX_URL": "https://torch.example.org/whl"})
    data = json.loads(mirror.stdout)
    assert data["find_links"] == ["https://mirror.example.org/mmcv/dist/cu118/torch2.1/index.html"]
    assert data["torch"]["index_url"] == "https://torch.example.org/whl/cu118"


def test_unsatisfiable_stack_exits_1_with_one_line(run: Run) -> None:
    for _ in range(2):
        done = run("resolve", "mmpose==0.28.0", "--torch", "1.12.1", "--cuda", "11.3", "--python-version", "3.8")
        assert done.returncode == 1 and done.stdout == "" and done.stderr.count("\n") == 1
        assert done.stderr.startswith(
            "mmcompat: error: nothing fits mmpose==0.28.0 on linux/CPython 3.8/CUDA 11.3/torch 1.12.1: ")


@pytest.mark.skipif(not list(Path("/usr/lib").glob("python3*/EXTERNALLY-MANAGED")),
                    reason="no externally managed system Python here")
def test_install_warns_before_planning_for_an_externally_managed_python(run: Run) -> None:
    python = "/usr/bin/python3"
    done = run("install", "mmpose==1.3.2", "--python", python, "--dry-run", "--offline", "--cuda", "cpu",
               env={"PIP_NO_INDEX": "1"})
    assert done.returncode == 0, done.stderr
    assert (f"mmcompat: warning: {python} is externally managed (PEP 668): pip will refuse to install into it; use a "
            f"venv ({python} -m venv .venv, then --python .venv/bin/python), or, if you mean it, pass pip's own flag "
            "after --: -- --break-system-packages\n") in done.stderr


def test_guard_with_nothing_planned_is_usage(run: Run, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n\n")
    done = run("guard", "-r", str(empty))
    assert (done.returncode, done.stderr) == (2, f"mmcompat: error: no requirement in {empty}: give the planned "
                                                 "install (see 'mmcompat --help')\n")


def test_guard_takes_an_editable_checkout_as_pip_does(run: Run, tmp_path: Path) -> None:
    checkout = tmp_path / "mmpose-src"
    (checkout / "mmpose").mkdir(parents=True)
    (checkout / "mmpose" / "version.py").write_text("__version__ = '0.28.0'\n")
    (checkout / "setup.py").write_text("raise SystemExit('never run')\n")
    done = run("guard", "-e", ".", "mmcv-full==1.7.0", "numpy<2", cwd=str(checkout))
    assert done.returncode == 1, done.stderr
    assert "error[mmcv-outside-enforced]: import mmpose will fail: mmcv-full==1.7.0 (planned)" in done.stdout
    assert f"info[direct-reference]: -e . ({checkout}) is mmpose 0.28.0" in done.stdout


def test_matrix_filters(run: Run) -> None:
    done = run("matrix", "mmpose==0.28.0", "--dist", "mmcv-full")
    assert (done.returncode, done.stdout.splitlines()) == (0, [
        "PACKAGE  RELEASE  DISTRIBUTION  SAFE            DOCUMENTED      ENFORCED         INSTALLER",
        "mmpose   0.28.0   mmcv-full     >=1.3.8,<1.6.0  >=1.3.8,<1.6.0  >=1.3.8,<=1.6.0  >=1.3.8"])
    data = json.loads(run("matrix", "mmdet==3.2.0", "--dist", "mmcv", "--json").stdout)
    assert list(data["packages"]) == ["mmdet"] and list(data["packages"]["mmdet"]["releases"]) == ["3.2.0"]
    assert list(data["packages"]["mmdet"]["releases"]["3.2.0"]["constraints"]) == ["mmcv"]
    assert {line.split()[0] for line in run("matrix", "mmtrack").stdout.splitlines()[1:]} == {"mmtrack"}
    _one_line_error(run("matrix", "mmpose==0.99.0"), 2,
                    "unknown mmpose release '0.99.0'; nearest known: 0.29.0, 0.28.1")
    _one_line_error(run("matrix", "--dist", "torch"), 2,
                    "no release records 'torch'; known: mmcls, mmcv, mmcv-full, mmdet, mmengine, mmsegmentation, "
                    "mmtrack")
    none = run("matrix", "mmpose==0.6.0", "--dist", "mmcv-full")
    assert (none.returncode, none.stderr) == (1, "mmcompat: no row matches\n")


def test_install_dry_run_json_is_the_plan(run: Run, tmp_path: Path) -> None:
    python = "{}.{}".format(*sys.version_info[:2])
    done = run("install", "mmpose==1.3.2", "--dry-run", "--json", "--offline", "--cuda", "cpu",
               "--python-version", python, env={"PIP_NO_INDEX": "1"})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["installer"] == "pip" and [s["kind"] for s in data["steps"]][-1] == "install"
    last = data["steps"][-1]
    assert "--only-binary" in last["argv"] and last["reason"].startswith("the OpenMMLab packages and mmcv")
    assert data["stack"]["torch"]["cuda"] == "cpu" and data["stack"]["python"] == python


@pytest.mark.parametrize("command", ["resolve", "wheels", "compatible", "matrix", "update", "harvest", "install",
                                     "constraints", "doctor", "guard", "build"])
def test_a_command_alone_parses_as_in_the_whole_command_line(command: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the command asked for is built on a run: its help and its options are those of the whole."""
    from compat import cli

    monkeypatch.setenv("COLUMNS", "100")

    import contextlib
    import io

    whole, alone = cli._parser(), cli._parser(command)
    texts = []
    for parser in (whole, alone):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            parser.parse_args([command, "--help"])
        texts.append(out.getvalue())
    assert texts[0] == texts[1] and texts[0].startswith(f"usage: mmcompat {command}")
    argv = {"resolve": ["resolve", "mmpose==1.3.2", "mmdet", "--cuda", "12.1"], "wheels": ["wheels", "mmcv"],
            "compatible": ["compatible", "mmcv-full==1.6.0"], "matrix": ["matrix", "mmpose"], "update": ["update"],
            "harvest": ["harvest", "--package", "torch"], "install": ["install", "mmpose", "--dry-run"],
            "constraints": ["constraints", "mmpose", "--format", "uv"], "doctor": ["doctor", "--json"],
            "guard": ["guard", "mmpose==0.28.0"],
            "build": ["build", "mmpose==1.3.2", "-o", "wheels", "--gpu", "8.6"]}[command]
    assert vars(whole.parse_args(argv)) == vars(alone.parse_args(argv))


@pytest.mark.parametrize("columns", ["", "57", "0", "wide"])
def test_the_terminal_width_is_what_shutil_finds(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The help formatter's width without importing shutil: the same number shutil gives."""
    import shutil

    from compat import command_line

    monkeypatch.setenv("COLUMNS", columns)
    assert command_line._columns() == shutil.get_terminal_size().columns


@pytest.mark.parametrize("target", ["mmsegmentation==1.2.2", "mmseg==1.2.2"])
def test_resolve_another_codebase_by_either_name(run: Run, target: str) -> None:
    done = run("resolve", target, "--platform", "linux", "--cuda", "11.8", "--torch", "2.1.0")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "mmsegmentation==1.2.2" in lines and "mmcv==2.1.0" in lines and "mmengine>=0.5.0,<1.0.0" in lines


def test_resolve_a_mixed_stack_to_the_mmcv_every_member_accepts(run: Run) -> None:
    done = run("resolve", "mmpose==1.3.2", "mmdet", "mmsegmentation", "mmpretrain", "--platform", "linux",
               "--cuda", "11.8", "--torch", "2.1.0")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # mmsegmentation 1.2.2 and mmdet 3.2.0 assert mmcv<2.2.0, mmpretrain 1.2.0 <2.4.0, mmpose 1.3.2's FAQ <3.0.0
    for pin in ("mmpose==1.3.2", "mmdet==3.2.0", "mmsegmentation==1.2.2", "mmpretrain==1.2.0", "mmcv==2.1.0"):
        assert pin in lines, done.stdout


@pytest.mark.parametrize("name", ["mmsegmentation", "mmseg"])
def test_matrix_shows_a_new_codebase_release(run: Run, name: str) -> None:
    done = run("matrix", f"{name}==1.2.2")
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[1:]]
    assert rows == [["mmsegmentation", "1.2.2", "mmcv", ">=2.0.0rc4,<2.2.0", "-", ">=2.0.0rc4,<2.2.0",
                     ">=2.0.0rc4,<2.2.0"],
                    ["mmsegmentation", "1.2.2", "mmengine", ">=0.5.0,<1.0.0", "-", ">=0.5.0,<1.0.0", ">=0.5.0,<1.0.0"]]


def test_common_options_before_the_command(run: Run) -> None:
    matrix = str(ROOT / "data" / "compat_matrix.toml")
    done = run("--matrix", matrix, "resolve", "0.28.0")
    assert (done.returncode, done.stdout) == (0, "mmcv-full>=1.3.8,<1.6.0\n"), done.stderr
    done = run("--json", f"--matrix={matrix}", "resolve", "0.28.0")
    assert done.returncode == 0 and json.loads(done.stdout)["requirements"], done.stderr
    assert run("--matrix", "/nonexistent.toml", "resolve", "0.28.0").stderr == (
        "mmcompat: error: bad matrix /nonexistent.toml: cannot read it: No such file or directory\n")
