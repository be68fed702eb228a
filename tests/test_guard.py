"""``mmcompat guard``: planned installs read with pip-api's parser, laid over real environments."""

from __future__ import annotations

import glob
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from compat.checks.guard import read_plan
from compat.errors import BadInput

from .conftest import Run, mmcv_full_standin

pytestmark = pytest.mark.slow


def guard(run: Run, python: str, *args: str, cwd=None):
    done = run("guard", "--python", python, "--json", *args, cwd=cwd)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, (json.loads(done.stdout) if done.stdout else None), done


def _codes(data):
    return [f["code"] for f in data["findings"]]


@pytest.fixture
def empty(make_venv):
    return make_venv()


def test_pinned_conflict_quotes_the_assertion(run: Run, empty) -> None:
    code, data, _ = guard(run, empty.python, "mmpose==0.28.0", "numpy<2", "mmcv-full==1.7.0")
    assert code == 1 and _codes(data) == ["mmcv-outside-enforced"]
    assert data["findings"][0]["message"] == (
        "import mmpose will fail: mmcv-full==1.7.0 (planned) is outside >=1.3.8,<=1.6.0, the range mmpose 0.28.0 "
        "asserts at import: AssertionError: MMCV==1.7.0 is used but incompatible. Please install mmcv>=1.3.8, <=1.6.0.")
    assert data["plan"] == {"mmpose": "==0.28.0", "numpy": "<2", "mmcv-full": "==1.7.0"}


def test_sound_plan_exits_0(run: Run, empty) -> None:
    code, data, _ = guard(run, empty.python, "mmpose==0.28.0", "numpy<2", "mmcv-full>=1.3.8,<1.6.0")
    assert (code, data["findings"]) == (0, [])
    done = run("guard", "--python", empty.python,
               "mmpose==1.3.2", "numpy<2", "mmcv==2.1.0", "mmengine==0.10.4", "mmdet==3.2.0")
    assert (done.returncode, done.stdout) == (0, "guard: no problems found\n")


def test_mmpose_1x_with_mmdet_2x(run: Run, empty) -> None:
    code, data, _ = guard(run, empty.python,
                          "mmpose==1.3.2", "numpy<2", "mmdet==2.28.2", "mmcv==2.1.0", "mmengine==0.10.4")
    # mmdet 2.28.2's own import check (mmcv<=1.8.0) is broken too: both are said
    assert code == 1 and _codes(data) == ["mmcv-outside-enforced", "mmdet-mismatch"]
    assert data["findings"][0]["message"].startswith("import mmdet will fail: mmcv==2.1.0 (planned) is outside "
                                                     ">=1.3.17,<=1.8.0, the range mmdet 2.28.2 asserts at import")
    assert "move to mmpose 0.29.0" in data["findings"][1]["message"]


def test_planning_mmcv_where_mmcv_full_is_installed(run: Run, make_venv, tmp_path: Path) -> None:
    venv = make_venv()
    venv.install("mmcv-full==1.5.0", links=mmcv_full_standin(tmp_path, "1.5.0").parent)
    code, data, _ = guard(run, venv.python, "mmcv==1.7.0")
    assert code == 1 and _codes(data) == ["multiple-mmcv"]
    assert data["findings"][0]["message"] == (
        "the plan installs mmcv where mmcv-full is installed: they all install the mmcv/ package and overwrite "
        "each other's files")
    assert data["findings"][0]["fix"] == [f"{venv.python} -m pip uninstall -y mmcv-full"]


def test_planned_mmpose_that_the_installed_mmcv_does_not_fit(run: Run, make_venv, tmp_path: Path) -> None:
    venv = make_venv()
    venv.install("mmcv-full==1.7.0", links=mmcv_full_standin(tmp_path, "1.7.0").parent)
    code, data, _ = guard(run, venv.python, "mmpose==0.28.0", "numpy<2")
    assert code == 1 and _codes(data) == ["mmcv-outside-enforced"]
    assert "mmcv-full==1.7.0 (installed)" in data["findings"][0]["message"]
    assert guard(run, venv.python, "mmpose==0.29.0", "numpy<2")[0] == 0


def test_unpinned_mmcv_is_a_warning_and_strict_fails(run: Run, empty) -> None:
    code, data, _ = guard(run, empty.python, "mmpose==0.28.0", "numpy<2", "mmcv-full")
    assert code == 0 and _codes(data) == ["mmcv-unpinned"]
    assert guard(run, empty.python, "mmpose==0.28.0", "numpy<2", "mmcv-full", "--strict")[0] == 1


def test_range_past_the_safe_bound_is_a_warning(run: Run, empty) -> None:
    code, data, _ = guard(run, empty.python, "mmpose==0.28.0", "numpy<2", "mmcv-full>=1.3.8,<=1.6.0")
    assert code == 0 and _codes(data) == ["mmcv-outside-safe"]
    assert guard(run, empty.python, "mmpose==0.28.0", "numpy<2", "mmcv-full>=1.3.8,<=1.6.0", "--strict")[0] == 1


def test_planned_mmpose_over_an_installed_lite_mmcv(run: Run, make_venv) -> None:
    venv = make_venv()
    venv.install("mmcv==1.7.0")
    code, data, _ = guard(run, venv.python, "mmpose==0.29.0", "numpy<2")
    assert code == 1 and "mmcv-without-ops" in _codes(data)
    finding = next(f for f in data["findings"] if f["code"] == "mmcv-without-ops")
    assert finding["fix"] == [f"{venv.python} -m pip uninstall -y mmcv"]


def test_requirement_files_with_includes_constraints_hashes_markers(run: Run, empty, tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("numpy<2\n-f https://download.openmmlab.com/mmcv/dist/cpu/torch1.12.0/index.html\n")
    (tmp_path / "constraints.txt").write_text("mmcv-full==1.7.0\n")
    (tmp_path / "requirements.txt").write_text(
        "-r base.txt\n"
        "-c constraints.txt\n"
        "--index-url https://pypi.org/simple\n"
        "mmpose==0.28.0 \\\n"
        "    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
        "mmcv-full>=1.3.8  # constrained below\n"
        'mmdet==3.2.0 ; python_version < "3"\n'
    )
    code, data, done = guard(run, empty.python, "-r", "requirements.txt", cwd=str(tmp_path))
    assert code == 1, done.stderr
    assert _codes(data) == ["mmcv-outside-enforced"]  # the constraint pins 1.7.0; mmdet's marker is false
    assert data["plan"] == {"numpy": "<2", "mmpose": "==0.28.0", "mmcv-full": ">=1.3.8"}
    (tmp_path / "constraints.txt").write_text("mmcv-full==1.5.0\n")
    assert guard(run, empty.python, "-r", str(tmp_path / "requirements.txt"))[0] == 0


def test_constraint_and_include_files_in_subfolders(run: Run, empty, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pins.txt").write_text("mmcv-full==1.7.0  # too new for 0.28.0\n")
    (tmp_path / "sub" / "more.txt").write_text("--constraint=pins.txt\nmmcv-full\n")
    (tmp_path / "requirements.txt").write_text("mmpose==0.28.0\nnumpy<2\n-r sub/more.txt\n")
    code, data, done = guard(run, empty.python, "-r", str(tmp_path / "requirements.txt"))
    assert code == 1 and _codes(data) == ["mmcv-outside-enforced"], done.stderr
    assert data["plan"] == {"mmpose": "==0.28.0", "numpy": "<2", "mmcv-full": ""}
    (tmp_path / "sub" / "pins.txt").write_text("mmcv-full==1.5.0\n")
    assert guard(run, empty.python, "-r", str(tmp_path / "requirements.txt"))[0] == 0
    (tmp_path / "sub" / "more.txt").write_text("-c missing.txt\n")
    done = run("guard", "--python", empty.python, "-r", str(tmp_path / "requirements.txt"))
    assert done.returncode == 2 and "requirement file not found" in done.stderr and "missing.txt" in done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["-r", "missing.txt"], "mmcompat: error: requirement file not found: missing.txt\n"),
        (["mmpose=="], "mmcompat: error: not a requirement: 'mmpose=='"),
        ([], "mmcompat: error: give the planned install: REQ ... and/or -r FILE (see 'mmcompat --help')\n"),
    ],
)
def test_bad_input_exits_2(run: Run, empty, tmp_path: Path, args, message: str) -> None:
    done = run("guard", "--python", empty.python, *args, cwd=str(tmp_path))
    assert done.returncode == 2 and done.stdout == "" and done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_bad_line_in_a_file(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("mmpose==0.28.0\nthis is not ! a requirement\n")
    with pytest.raises(BadInput, match="bad requirement file"):
        read_plan(files=[str(tmp_path / "r.txt")])


def test_guard_installs_nothing(run: Run, empty) -> None:
    before = sorted(p.name for p in empty.site.iterdir())
    guard(run, empty.python, "mmpose==0.28.0", "mmcv-full==1.5.0")
    assert sorted(p.name for p in empty.site.iterdir()) == before


# ---- direct references and local checkouts ----------------------------------------------------------

MMPOSE_GIT = "git+https://github.com/open-mmlab/mmpose.git"


def _references(data) -> dict:
    return {r["name"]: r for r in data.get("references", [])}


def test_git_tag_is_that_release(run: Run, empty) -> None:
    code, data, done = guard(run, empty.python, f"mmpose @ {MMPOSE_GIT}@v0.28.0", "mmcv-full==1.5.0", "numpy<2")
    assert code == 0, done.stderr
    assert data["findings"] == [{
        "code": "direct-reference", "severity": "info", "dists": ["mmpose"], "fix": [],
        "message": f"mmpose @ {MMPOSE_GIT}@v0.28.0 is mmpose 0.28.0: tag v0.28.0"}]
    assert data["plan"] == {"mmpose": f"@ {MMPOSE_GIT}@v0.28.0 (release 0.28.0)", "mmcv-full": "==1.5.0",
                            "numpy": "<2"}
    reference = _references(data)["mmpose"]
    assert (reference["release"], reference["ref"], reference["branch"], reference["guess"]) == (
        "0.28.0", "v0.28.0", False, None)
    text = run("guard", "--python", empty.python, f"mmpose @ {MMPOSE_GIT}@v0.28.0", "mmcv-full==1.5.0", "numpy<2")
    assert text.stdout == (f"info[direct-reference]: mmpose @ {MMPOSE_GIT}@v0.28.0 is mmpose 0.28.0: tag v0.28.0\n"
                           "guard: no problems found\n")


@pytest.mark.parametrize(
    "reference, shown",
    [
        (f"-e {MMPOSE_GIT}@v0.28.0#egg=mmpose", f"-e {MMPOSE_GIT}@v0.28.0#egg=mmpose"),
        ("https://github.com/open-mmlab/mmpose/archive/refs/tags/v0.28.0.zip",
         "@ https://github.com/open-mmlab/mmpose/archive/refs/tags/v0.28.0.zip"),
        ("https://github.com/open-mmlab/mmpose/archive/v0.28.0.tar.gz",
         "@ https://github.com/open-mmlab/mmpose/archive/v0.28.0.tar.gz"),
        (f"mmpose @ {MMPOSE_GIT}@5123a2a", f"@ {MMPOSE_GIT}@5123a2a"),
    ],
)
def test_every_way_of_naming_0_28_0(run: Run, empty, reference: str, shown: str) -> None:
    code, data, done = guard(run, empty.python, reference, "mmcv-full==1.7.0", "numpy<2")
    assert code == 1, done.stderr
    assert _codes(data) == ["mmcv-outside-enforced", "direct-reference"]
    assert "the range mmpose 0.28.0 asserts at import" in data["findings"][0]["message"]
    assert data["plan"]["mmpose"] == f"{shown} (release 0.28.0)"


def test_branch_reference_is_its_recorded_tip(run: Run, empty) -> None:
    code, data, _ = guard(run, empty.python, f"mmpose @ {MMPOSE_GIT}@master", "mmcv-full==1.7.0", "numpy<2")
    assert code == 0 and _codes(data) == ["direct-reference"]  # master asserts mmcv<=1.8.0
    assert data["findings"][0]["message"] == (
        f"mmpose @ {MMPOSE_GIT}@master is the master branch tip of mmpose (0.29.0): branch master, whose tip the "
        "matrix recorded at 21aeeb455fe1")
    assert data["plan"]["mmpose"] == f"@ {MMPOSE_GIT}@master (master branch tip, 0.29.0)"
    code, data, _ = guard(run, empty.python, f"mmpose @ {MMPOSE_GIT}@master", "mmcv-full==1.9.0", "numpy<2")
    assert code == 1 and _codes(data) == ["mmcv-outside-enforced", "direct-reference"]
    assert all("mmpose==master" not in fix for fix in data["findings"][0]["fix"])  # not an installable target


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A real git checkout of an mmpose source tree: setup.py, mmpose/version.py, the tag v0.28.0."""
    folder = tmp_path / "src" / "mmpose"
    (folder / "mmpose").mkdir(parents=True)
    (folder / "setup.py").write_text("from setuptools import setup\nsetup(name='mmpose')\n")
    (folder / "mmpose" / "__init__.py").write_text("raise SystemExit('never imported')\n")
    (folder / "mmpose" / "version.py").write_text("__version__ = '0.28.0'\nshort_version = __version__\n")
    git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.org",
           "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"]
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "mmpose 0.28.0"], ["tag", "v0.28.0"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    return folder


@pytest.mark.parametrize(
    "args, where, editable",
    [
        (["./mmpose"], "src", False),
        (["."], "checkout", False),
        (["-e ."], "checkout", True),
        (["--", "-e", "./mmpose"], "src", True),
        (["-e ./mmpose"], "src", True),
        (["{checkout}"], "tmp", False),
    ],
)
def test_local_checkout(run: Run, empty, checkout: Path, args, where: str, editable: bool) -> None:
    cwd = {"src": checkout.parent, "checkout": checkout, "tmp": checkout.parent.parent}[where]
    written = [a.format(checkout=checkout) for a in args]
    options = written[:1] if written[0] == "--" else []
    code, data, done = guard(run, empty.python, *options, "mmcv-full==1.7.0", "numpy<2",
                             *written[len(options):], cwd=str(cwd))
    assert code == 1, done.stderr
    assert _codes(data) == ["mmcv-outside-enforced", "direct-reference"]
    commit = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert data["findings"][1]["message"].endswith(
        f"is mmpose 0.28.0: mmpose/version.py says 0.28.0; git tag v0.28.0 at {commit[:12]}")
    assert data["plan"]["mmpose"] == f"{'-e' if editable else '@'} {checkout} (release 0.28.0)"
    reference = _references(data)["mmpose"]
    assert (reference["path"], reference["editable"], reference["release"]) == (str(checkout), editable, "0.28.0")
    assert reference["checkout"] == {"version": "0.28.0", "version_file": str(checkout / "mmpose" / "version.py"),
                                     "tag": "v0.28.0", "commit": commit, "git": None}


def test_local_checkout_in_a_requirement_file(run: Run, empty, checkout: Path, tmp_path: Path) -> None:
    # paths in a requirement file are relative to the working directory, as pip has them
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "requirements.txt").write_text(
        "-e ./mmpose  # the checkout\nmmcv-full==1.5.0\nnumpy<2\n")
    code, data, done = guard(run, empty.python, "-r", str(tmp_path / "reqs" / "requirements.txt"),
                             cwd=str(checkout.parent))
    assert code == 0 and _codes(data) == ["direct-reference"], done.stderr
    assert data["plan"] == {"mmcv-full": "==1.5.0", "numpy": "<2", "mmpose": f"-e {checkout} (release 0.28.0)"}
    (tmp_path / "reqs" / "requirements.txt").write_text(
        f"mmpose @ {MMPOSE_GIT}@v0.28.0 ; python_version >= '3'\nmmcv-full==1.7.0\nnumpy<2\n")
    code, data, _ = guard(run, empty.python, "-r", str(tmp_path / "reqs" / "requirements.txt"))
    assert code == 1 and _codes(data) == ["mmcv-outside-enforced", "direct-reference"]


def test_a_guess_never_advises_uninstalling(run: Run, make_venv, tmp_path: Path) -> None:
    venv = make_venv()
    venv.install("mmcv-full==1.7.0", links=mmcv_full_standin(tmp_path, "1.7.0").parent)
    plan = ["mmengine==0.10.4", "numpy<2"]
    # Known: mmpose 1.3.2 needs mmcv 2.x; the installed mmcv-full must go, and guard says so.
    code, data, _ = guard(run, venv.python, f"mmpose @ {MMPOSE_GIT}@v1.3.2", *plan)
    assert code == 1 and _codes(data) == ["mmcv-outside-enforced", "direct-reference"]
    assert data["findings"][0]["fix"][0] == f"{venv.python} -m pip uninstall -y mmcv-full"
    # Unknown: a tag the matrix lacks. Judged against the nearest release only as a guess: warnings, no fix.
    code, data, done = guard(run, venv.python, f"mmpose @ {MMPOSE_GIT}@v1.3.3", *plan)
    assert code == 0, done.stderr
    assert _codes(data) == ["unknown-direct-reference", "mmcv-outside-enforced"]
    assert data["findings"][0] == {
        "code": "unknown-direct-reference", "severity": "warning", "dists": ["mmpose"], "fix": [],
        "message": f"cannot tell which mmpose this is: mmpose @ {MMPOSE_GIT}@v1.3.3 names v1.3.3, which is no release "
                   "tag, branch or release commit the matrix records; guessing mmpose 1.3.2 (the known release "
                   "nearest to 1.3.3), only a guess: what is judged against it is at most a warning, without fixes"}
    guessed = data["findings"][1]
    assert guessed["severity"] == "warning" and guessed["fix"] == []
    assert guessed["message"].startswith("if the planned mmpose is 1.3.2 (only a guess): import mmpose will fail: "
                                         "mmcv-full==1.7.0 (installed) is outside >=2.0.0rc4,<=3.0.0")
    assert "uninstall" not in json.dumps(data["findings"])
    assert data["plan"]["mmpose"] == f"@ {MMPOSE_GIT}@v1.3.3 (unknown; guessing 1.3.2)"
    assert _references(data)["mmpose"]["guess"] == "1.3.2" and _references(data)["mmpose"]["release"] is None
    assert guard(run, venv.python, f"mmpose @ {MMPOSE_GIT}@v1.3.3", *plan, "--strict")[0] == 1
    # Nothing to guess from: not checked at all.
    code, data, _ = guard(run, venv.python, f"mmpose @ {MMPOSE_GIT}@my-feature", *plan)
    assert code == 0 and _codes(data) == ["unknown-direct-reference"]
    assert data["findings"][0]["message"].endswith(
        "names my-feature, which is no release tag, branch or release commit the matrix records; nothing in it "
        "names a version to guess from; its mmcv range is not checked")


@pytest.mark.parametrize(
    "args, files, message",
    [
        (["./nothing"], {}, "mmcompat: error: not a requirement: './nothing' (it looks like a path, and no such file "
                            "or folder exists: {cwd}/nothing)\n"),
        (["-e ./nothing"], {}, "mmcompat: error: cannot install -e './nothing': no such folder ({cwd}/nothing); -e "
                               "needs a local folder or a VCS URL (git+https://...)\n"),
        (["--", "-e"], {}, "mmcompat: error: not a requirement: '-e' (-e needs a local folder or a VCS URL after "
                           "it)\n"),
        (["mmpose", "-c", "c.txt"], {"c.txt": f"mmpose @ {MMPOSE_GIT}@v0.28.0\n"},
         f"mmcompat: error: c.txt:1: pip does not accept a direct reference as a constraint: 'mmpose @ {MMPOSE_GIT}"
         "@v0.28.0'; name a version there (mmpose==0.28.0)\n"),
        ([f"mmpose @ {MMPOSE_GIT}@v0.28.0", "-r", "r.txt"], {"r.txt": "\n\n-e git+https://x.org/mmpose.git#egg=mmpose\n"},
         f"mmcompat: error: r.txt:3: two direct references for mmpose: 'mmpose @ {MMPOSE_GIT}@v0.28.0' and "
         "'git+https://x.org/mmpose.git#egg=mmpose'\n"),
        (["-r", "r.txt"], {"r.txt": "numpy<2\n./empty\n"},
         "mmcompat: error: r.txt:2: cannot install the folder './empty': it has neither setup.py nor pyproject.toml\n"),
    ],
)
def test_bad_references_exit_2(run: Run, empty, tmp_path: Path, args, files, message) -> None:
    (tmp_path / "empty").mkdir()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    done = run("guard", "--python", empty.python, *args, cwd=str(tmp_path))
    assert (done.returncode, done.stdout, done.stderr) == (2, "", message.format(cwd=tmp_path))


def test_long_references_are_quoted_in_part(run: Run, empty) -> None:
    code, data, _ = guard(run, empty.python, f"mmpose @ {MMPOSE_GIT}@" + "x" * 5000, "numpy<2")
    assert code == 0 and _codes(data) == ["unknown-direct-reference"]
    assert len(data["findings"][0]["message"]) < 600
    done = run("guard", "--python", empty.python, "./" + "x" * 5000)
    assert done.returncode == 2 and len(done.stderr) < 600 and done.stderr.count("\n") == 1


def test_unnamed_reference_is_said_and_not_checked(run: Run, empty) -> None:
    code, data, _ = guard(run, empty.python, "https://example.org/source.zip", "numpy<2")
    assert code == 0 and _codes(data) == ["unnamed-direct-reference"]
    assert data["findings"][0]["message"] == (
        "cannot tell which distribution https://example.org/source.zip installs (give it as NAME @ URL, add "
        "#egg=NAME, or give the project a static name); guard does not check it")


# ---- markers, for the target interpreter --------------------------------------------------------------

PYTHON_38 = sorted(glob.glob("/root/.pyenv/versions/3.8.*/bin/python3.8"))


@pytest.fixture
def python38(tmp_path: Path) -> str:
    if not PYTHON_38:
        pytest.skip("no Python 3.8 under /root/.pyenv/versions")
    folder = tmp_path / "venv38"
    subprocess.run([PYTHON_38[-1], "-m", "venv", "--without-pip", str(folder)], check=True, capture_output=True)
    return str(folder / "bin" / "python")


def test_markers_are_evaluated_for_the_target(run: Run, empty, python38: str, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        'mmpose==0.28.0 ; python_version < "3.9"\n'
        'mmpose==1.3.2 ; python_version >= "3.9"\n'
        'mmcv-full==1.5.0 ; python_version < "3.9"  # the 0.x line\n'
        "mmcv==2.1.0 ; python_version >= '3.9' \\\n"
        "    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
        'mmengine==0.10.4; python_version>="3.9"\n'
        "numpy<2\n")
    code, data, done = guard(run, python38, "-r", str(tmp_path / "requirements.txt"))
    assert (code, data["findings"]) == (0, []), done.stderr
    assert data["environment"]["python_version"].startswith("3.8.")
    assert data["plan"] == {"mmpose": "==0.28.0", "mmcv-full": "==1.5.0", "numpy": "<2"}
    code, data, _ = guard(run, empty.python, "-r", str(tmp_path / "requirements.txt"))
    assert (code, data["findings"]) == (0, [])
    assert data["plan"] == {"mmpose": "==1.3.2", "mmcv": "==2.1.0", "mmengine": "==0.10.4", "numpy": "<2"}


def test_command_line_markers_are_evaluated_for_the_target(run: Run, empty, python38: str) -> None:
    args = [f'mmpose @ {MMPOSE_GIT}@v0.28.0 ; python_version < "3.9"', 'mmpose==1.3.2 ; python_version >= "3.9"',
            'mmcv-full==1.5.0; python_version < "3.9"', 'mmdet==3.2.0 ; python_version >= "3.9"', "numpy<2"]
    code, data, done = guard(run, python38, *args)
    assert code == 0 and _codes(data) == ["direct-reference"], done.stderr
    assert data["plan"] == {"mmcv-full": "==1.5.0", "numpy": "<2",
                            "mmpose": f"@ {MMPOSE_GIT}@v0.28.0 (release 0.28.0)"}
    code, data, _ = guard(run, empty.python, *args)
    assert data["plan"] == {"mmpose": "==1.3.2", "mmdet": "==3.2.0", "numpy": "<2"}
    assert code == 1 and _codes(data) == ["mmcv-missing", "mmengine-missing"]


def test_marker_environment_is_read_in_the_target(empty) -> None:
    from packaging.markers import default_environment

    from compat.checks.guard import marker_environment

    assert marker_environment(empty.python) == default_environment()  # the venv runs this same Python
    assert marker_environment(None) == default_environment()


def test_marker_environment_is_read_once_and_only_when_needed(tmp_path: Path) -> None:
    calls = []

    def target() -> dict:
        calls.append(1)
        return {**_environment_of_38(), "python_version": "3.8"}

    (tmp_path / "r.txt").write_text('numpy<2 ; python_version < "3.9"\nmmpose==0.28.0 ; sys_platform != "x"\n')
    plan = read_plan(["mmcv-full==1.5.0", 'mmdet==3.2.0 ; python_version >= "3.9"'], [str(tmp_path / "r.txt")],
                     markers=target)
    assert len(calls) == 1
    assert {n: str(r) for n, r in plan.requirements.items()} == {
        "mmcv-full": "==1.5.0", "numpy": "<2", "mmpose": "==0.28.0"}
    assert read_plan(["mmpose==0.28.0"], markers=target).requirements and len(calls) == 1


def _environment_of_38() -> dict:
    from packaging.markers import default_environment

    return {**default_environment(), "python_version": "3.8", "python_full_version": "3.8.18"}


def test_names_each_codebase_whose_bound_the_planned_mmcv_breaks(run: Run, empty) -> None:
    # the trap of torch 2.3/2.4: mmcv 2.2.0 has their wheels; mmdet 3.2.0 and mmsegmentation 1.2.2 assert <2.2.0
    code, data, _ = guard(run, empty.python, "mmcv==2.2.0", "mmdet==3.2.0", "mmsegmentation==1.2.2",
                          "mmpretrain==1.2.0")
    assert code == 1
    broken = [f for f in data["findings"] if f["code"] == "mmcv-outside-enforced"]
    assert [f["message"].split(":")[0] for f in broken] == ["import mmdet will fail", "import mmseg will fail"]
    assert [f["dists"] for f in broken] == [["mmdet", "mmcv"], ["mmsegmentation", "mmcv"]]
    assert "the range mmsegmentation 1.2.2 asserts at import" in broken[1]["message"]
    code, data, _ = guard(run, empty.python, "mmcv==2.1.0", "mmdet==3.2.0", "mmsegmentation==1.2.2",
                          "mmpretrain==1.2.0")
    assert "mmcv-outside-enforced" not in _codes(data)
