"""``mmcompat guard``: planned installs read with pip-api's parser, laid over real environments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compat.errors import BadInput
from compat.guard import read_plan

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
    assert code == 1 and _codes(data) == ["mmdet-mismatch"]
    assert "move to mmpose 0.29.0" in data["findings"][0]["message"]


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
