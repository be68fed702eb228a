"""Harvest from real git repositories built here, and from the seed FAQ."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar, Dict, List, Tuple

import pytest
from packaging.version import Version

from compat import harvest
from compat.errors import BadInput, CompatError

# __init__.py shapes as OpenMMLab releases wrote them (written for these tests).
EXCLUSIVE_STYLE = """\
import mmcv
from mmcv import digit_version

MIN_V = '1.3.8'
mmcv_minimum_version = MIN_V
mmcv_minimum_version = '1.3.8'
mmcv_maximum_version = '1.4.0'
mmcv_version = digit_version(mmcv.__version__)

assert digit_version(mmcv_minimum_version) <= mmcv_version, \\
    f'MMCV=={mmcv.__version__} is too old. ' \\
    f'Please install mmcv>={mmcv_minimum_version}.'
assert digit_version(mmcv_maximum_version) > mmcv_version, \\
    f'MMCV=={mmcv.__version__} is too new. Please install mmcv<{mmcv_maximum_version}.'
"""

INCLUSIVE_STYLE = """\
import mmcv


def digit_version(text):
    return [int(x) for x in text.split('.') if x.isdigit()]


mmcv_minimum_version = '1.3.8'
mmcv_maximum_version = '1.6.0'
mmcv_version = digit_version(mmcv.__version__)

assert (mmcv_version >= digit_version(mmcv_minimum_version)
        and mmcv_version <= digit_version(mmcv_maximum_version)), \\
    f'MMCV=={mmcv.__version__} is used but incompatible. ' \\
    f'Please install mmcv>={mmcv_minimum_version}, <={mmcv_maximum_version}.'
"""

ENGINE_STYLE = """\
import mmcv
import mmengine
from mmengine.utils import digit_version

mmcv_minimum_version = '2.0.0rc4'
mmcv_maximum_version = '2.1.0'
mmcv_version = digit_version(mmcv.__version__)
mmengine_minimum_version = '0.6.0'
mmengine_maximum_version = '1.0.0'
mmengine_version = digit_version(mmengine.__version__)

assert (mmcv_version >= digit_version(mmcv_minimum_version)
        and mmcv_version <= digit_version(mmcv_maximum_version)), \\
    f'MMCV=={mmcv.__version__} is used but incompatible.'
assert (mmengine_version >= digit_version(mmengine_minimum_version)
        and mmengine_version <= digit_version(mmengine_maximum_version)), \\
    f'MMEngine=={mmengine.__version__} is used but incompatible. ' \\
    f'Please install mmengine>={mmengine_minimum_version}, <={mmengine_maximum_version}.'
"""


def test_parse_exclusive_style() -> None:
    (check,) = harvest.parse_init(EXCLUSIVE_STYLE)
    assert check.module == "mmcv"
    assert check.spec == ">=1.3.8,<1.4.0"
    assert check.compare == "mmcv.digit_version"
    assert check.messages == (
        "MMCV=={version} is too old. Please install mmcv>=1.3.8.",
        "MMCV=={version} is too new. Please install mmcv<1.4.0.",
    )


def test_parse_inclusive_style() -> None:
    (check,) = harvest.parse_init(INCLUSIVE_STYLE)
    assert (check.module, check.spec, check.compare) == ("mmcv", ">=1.3.8,<=1.6.0", "local")
    assert check.messages == ("MMCV=={version} is used but incompatible. Please install mmcv>=1.3.8, <=1.6.0.",)


def test_parse_engine_style() -> None:
    mmcv, mmengine = harvest.parse_init(ENGINE_STYLE)
    assert (mmcv.module, mmcv.spec) == ("mmcv", ">=2.0.0rc4,<=2.1.0")
    assert (mmengine.module, mmengine.spec) == ("mmengine", ">=0.6.0,<=1.0.0")
    assert mmengine.compare == "mmengine.utils.digit_version"
    assert mmengine.messages[0].endswith("Please install mmengine>=0.6.0, <=1.0.0.")


def test_parse_never_executes_the_file(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w').close()\n" + INCLUSIVE_STYLE
    assert harvest.parse_init(source)[0].spec == ">=1.3.8,<=1.6.0"
    assert not marker.exists()


@pytest.mark.parametrize("source", ["def (:\n", "x = '\0'\n" + "(" * 300])
def test_unparseable_init_is_a_compat_error(source: str) -> None:
    with pytest.raises(CompatError, match="cannot parse"):
        harvest.parse_init(source)


def test_parse_mminstall() -> None:
    text = "# comment\nmmcv-full>=1.3.8\n\n-f https://example.invalid\nmmdet>=2.14.0,<3.0.0  # pinned\nMMEngine\n"
    assert harvest.parse_mminstall(text) == {"mmcv-full": ">=1.3.8", "mmdet": ">=2.14.0,<3.0.0", "mmengine": ""}


def test_parse_faq_table_reads_every_seed_row(seed_text: str) -> None:
    rows = harvest.parse_faq_table(seed_text).rows
    assert rows["master"] == {"mmcv-full": ">=1.3.8,<1.8.0"}
    assert rows["0.28.0"] == {"mmcv-full": ">=1.3.8,<1.6.0"}
    assert rows["0.12.0"] == {"mmcv-full": ">=1.1.3,<1.3"}
    table_lines = [line for line in seed_text.splitlines() if line.startswith("|") and "mmcv-full" in line]
    assert len(rows) == len(table_lines) == 25


def test_parse_faq_table_two_distributions_in_a_cell() -> None:
    text = "| 1.0.0rc1 | mmcv>=2.0.0rc4, mmengine>=0.6.0 |\n| :-: | :-: |\n| 0.x | mmcv-full>=1.3.8, \\<1.8.0 |\n"
    table = harvest.parse_faq_table(text, "FAQ@x")
    assert table == harvest.DocTable({"1.0.0rc1": {"mmcv": ">=2.0.0rc4", "mmengine": ">=0.6.0"},
                                      "0.x": {"mmcv-full": ">=1.3.8,<1.8.0"}}, "FAQ@x", {})


# The shapes OpenMMLab's FAQ and get-started pages use (MMSegmentation's docs/en/notes/faq.md, MMDetection's
# docs/en/notes/faq.md, indented inside a list item, and 2.x's get_started.md), each with what is read.
FAQ_SHAPES = {
    "columns, optional ones and branches": (
        "| MMSegmentation version | MMCV version | MMEngine version | MMClassification (optional) version |"
        " MMDetection (optional) version |\n"
        "| :-: | :-: | :-: | :-: | :-: |\n"
        "| dev-1.x branch | mmcv >= 2.0.0rc4 | MMEngine >= 0.7.1 | mmcls==1.0.0rc6 | mmdet >= 3.0.0 |\n"
        "| main branch | mmcv >= 2.0.0rc4 | MMEngine >= 0.7.1 | mmcls==1.0.0rc6 | mmdet >= 3.0.0 |\n"
        "| 1.0.0rc4 | mmcv == 2.0.0rc3 | MMEngine >= 0.1.0 | mmcls>=1.0.0rc0 | mmdet>=3.0.0rc4, \\<=3.0.0rc5 |\n"
        "| 1.0.0rc1 | mmcv >= 2.0.0rc1, \\<=2.0.0rc3> | MMEngine >= 0.1.0 | mmcls>=1.0.0rc0 | Not required |\n",
        {"dev-1.x": {"mmcv": ">=2.0.0rc4", "mmengine": ">=0.7.1"},
         "main": {"mmcv": ">=2.0.0rc4", "mmengine": ">=0.7.1"},
         "1.0.0rc4": {"mmcv": "==2.0.0rc3", "mmengine": ">=0.1.0"}},
        {"1.0.0rc1": "line 6: not a version specifier: '>=2.0.0rc1,<=2.0.0rc3>'"}),
    "indented in a list item": (
        "- Compatible versions:\n\n"
        "  | MMDetection version |      MMCV version       |     MMEngine version     |\n"
        "  | :-----------------: | :---------------------: | :----------------------: |\n"
        "  |         3.x         | mmcv>=2.0.0rc1, \\<2.1.0 | mmengine>=0.3.0, \\<1.0.0 |\n"
        "  |      3.0.0rc3       | mmcv>=2.0.0rc1, \\<2.1.0 | mmengine>=0.3.0, \\<1.0.0 |\n",
        {"3.x": {"mmcv": ">=2.0.0rc1,<2.1.0", "mmengine": ">=0.3.0,<1.0.0"},
         "3.0.0rc3": {"mmcv": ">=2.0.0rc1,<2.1.0", "mmengine": ">=0.3.0,<1.0.0"}}, {}),
    "plain bounds, the first row of a release wins, other tables ignored": (
        "| MMDetection version | MMCV version |\n| --- | --- |\n| master | mmcv-full>=1.3.3, <1.4.0 |\n"
        "| 2.12.0 | mmcv-full>=1.3.3, <1.4.0 |\n| 2.12.0 | mmcv-full>=1.0 |\n\n"
        "| Component | Version |\n| --- | --- |\n| MMCV | 1.2.4 |\n| 0.29.1 | 1.3.13 - 1.8.0 |\n",
        {"master": {"mmcv-full": ">=1.3.3,<1.4.0"}, "2.12.0": {"mmcv-full": ">=1.3.3,<1.4.0"}}, {}),
    "bounds around the name, several releases in a cell (MMOCR)": (
        "| MMOCR        | MMCV                     | MMDetection                 |\n"
        "| ------------ | ------------------------ | --------------------------- |\n"
        "| main         | 1.3.8 \\<= mmcv \\< 1.8.0  | 2.21.0 \\<= mmdet \\<= 3.0.0  |\n"
        "| 0.6.1, 0.6.2 | 1.3.8 \\<= mmcv \\<= 1.7.0 | 2.21.0 \\<= mmdet \\<= 3.0.0  |\n",
        {"main": {"mmcv": ">=1.3.8,<1.8.0", "mmdet": ">=2.21.0,<=3.0.0"},
         "0.6.1": {"mmcv": ">=1.3.8,<=1.7.0", "mmdet": ">=2.21.0,<=3.0.0"},
         "0.6.2": {"mmcv": ">=1.3.8,<=1.7.0", "mmdet": ">=2.21.0,<=3.0.0"}}, {}),
    "mmcv not in the second column, a release marked as the branch (MMYOLO, MMClassification)": (
        "| MMYOLO version | MMDetection version | MMEngine version | MMCV version |\n| :-: | :-: | :-: | :-: |\n"
        "| 0.6.0 | mmdet>=3.0.0, \\<3.1.0 | mmengine>=0.7.1, \\<1.0.0 | mmcv>=2.0.0rc4, \\<2.1.0 |\n"
        "| 0.25.0 (master) | mmdet==3.0.0rc0 | - | mmcv>=2.0.0rc0 |\n",
        {"0.6.0": {"mmdet": ">=3.0.0,<3.1.0", "mmengine": ">=0.7.1,<1.0.0", "mmcv": ">=2.0.0rc4,<2.1.0"},
         "0.25.0": {"mmdet": "==3.0.0rc0", "mmcv": ">=2.0.0rc0"}}, {}),
    "a bare specifier, a stray word": (
        "| 1.0 | mmcv-full>=1, \\<2, ?? |\n| 0.9 | >=1.0 |\n| 0.8 | mmcv-full>=1 | MMEngine? |\n"
        "| 0.5.0 | 2.3.0 | Not required | mmcv-full==1.0.5 |\n",
        {}, {"1.0": "line 1: FAQ cell is not a requirement list: 'mmcv-full>=1, \\\\<2, ??'",
             "0.8": "line 3: FAQ cell is not a requirement list: 'MMEngine?'",
             "0.5.0": "line 4: FAQ cell is not a requirement list: '2.3.0'"}),
}


@pytest.mark.parametrize("name", sorted(FAQ_SHAPES))
def test_parse_faq_table_shapes(name: str) -> None:
    text, rows, refused = FAQ_SHAPES[name]
    assert harvest.parse_faq_table(text, "S") == harvest.DocTable(rows, "S", refused)


def test_a_refused_faq_row_is_said_in_the_release_note(upstream: Path) -> None:
    harvested = harvest.harvest_repo(harvest.GitRepo(str(upstream)), "mmpose", branches=[], url="U")
    docs = [harvest.parse_faq_table("| 0.28.0 | mmcv-full>=1.3.8, ?? |\n| 0.18.0 | mmcv-full>=1.3.8, ?? |\n", "F1"),
            harvest.parse_faq_table("| 0.18.0 | mmcv-full>=1.3.8, \\<1.4.0 | mmseg>=0.20.0 |\n"
                                    "| 0.6.0 | mmcv>=1.1.0 |\n", "F2")]
    table = harvest.assemble_package("mmpose", "U", harvested, docs)
    assert table["releases"]["0.28.0"]["note"] == (
        "its FAQ row is left out: F1 line 1: FAQ cell is not a requirement list: 'mmcv-full>=1.3.8, ??'")
    assert "mmcv-full" in table["releases"]["0.28.0"] and "documented" not in table["releases"]["0.28.0"]["mmcv-full"]
    assert table["releases"]["0.18.0"]["mmcv-full"]["documented"] == {"spec": ">=1.3.8,<1.4.0", "source": "F2"}
    # the FAQ names the module, as asserts do: recorded under its distribution, optional when only it names it
    assert table["releases"]["0.18.0"]["mmsegmentation"] == {
        "optional": True, "documented": {"spec": ">=0.20.0", "source": "F2"}}
    assert "note" not in table["releases"]["0.18.0"]
    # 0.6.0 asserts nothing and has no installer file: what it needs is its FAQ row's (mmcv 1.x: mmcv-full)
    assert table["releases"]["0.6.0"]["note"] == ("mmpose/__init__.py at v0.6.0 asserts no version: what it needs "
                                                  "is known only from its FAQ row")
    assert table["releases"]["0.6.0"]["mmcv-full"] == {"documented": {"spec": ">=1.1.0", "source": "F2"}}


def _git(repo: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def _commit(repo: Path, files: Dict[str, str], tag: str = "", annotated: bool = False) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", tag or "work")
    if tag:
        _git(repo, "tag", *(["-a", "-m", tag] if annotated else []), tag)


def _sdist(path: Path, files: Dict[str, str]) -> Path:
    """A real sdist at ``path`` (``NAME-V.tar.gz``): ``files`` under its ``NAME-V/`` folder, as sdists lay out."""
    import io
    import tarfile

    folder = path.name[:-len(".tar.gz")]
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    repo = tmp_path / "mmpose"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "master")
    _commit(repo, {"mmpose/__init__.py": "", "mmpose/version.py": "__version__ = '0.6.0'\n"}, "v0.6.0")
    _commit(repo, {"mmpose/__init__.py": EXCLUSIVE_STYLE, "mmpose/version.py": "__version__ = '0.18.0'\n",
                   "requirements/mminstall.txt": "mmcv-full>=1.3.8\nmmdet>=2.14.0\n"}, "v0.18.0")
    _commit(repo, {"mmpose/__init__.py": INCLUSIVE_STYLE, "mmpose/version.py": "__version__ = '0.28.0'\n"},
            "v0.28.0", annotated=True)
    _git(repo, "checkout", "-q", "-b", "main")
    _commit(repo, {"mmpose/__init__.py": ENGINE_STYLE, "mmpose/version.py": "__version__ = '1.0.0rc1'\n",
                   "requirements/mminstall.txt": "mmcv>=2.0.0rc1\nmmengine\n"}, "v1.0.0rc1")
    _commit(repo, {"README.md": "not a release\n"}, "nightly")
    return repo


@pytest.mark.parametrize("bare", [False, True])
def test_harvest_repo_reads_every_tag_and_branch(upstream: Path, tmp_path: Path, bare: bool) -> None:
    path = upstream
    if bare:
        path = tmp_path / "mirror.git"
        subprocess.run(["git", "clone", "-q", "--mirror", str(upstream), str(path)], check=True)
    found = {h.key: h for h in harvest.harvest_repo(harvest.GitRepo(str(path)), "mmpose",
                                                     branches=["master", "main"], url="U")}
    assert set(found) == {"0.6.0", "0.18.0", "0.28.0", "1.0.0rc1", "master", "main"}
    assert found["0.6.0"].enforced == () and found["0.6.0"].installer == {}
    assert found["0.18.0"].enforced[0].spec == ">=1.3.8,<1.4.0"
    assert found["0.28.0"].enforced[0].spec == ">=1.3.8,<=1.6.0"
    assert found["0.28.0"].installer == {"mmcv-full": ">=1.3.8", "mmdet": ">=2.14.0"}  # carried over
    assert found["0.28.0"].sources["enforced"] == "U/blob/v0.28.0/mmpose/__init__.py"
    assert [c.module for c in found["1.0.0rc1"].enforced] == ["mmcv", "mmengine"]
    assert found["main"].version == "1.0.0rc1" and found["main"].is_branch
    assert found["master"].version == "0.28.0"


def test_assemble_package_maps_modules_and_keeps_sources_apart(upstream: Path) -> None:
    harvested = harvest.harvest_repo(harvest.GitRepo(str(upstream)), "mmpose", branches=["master"], url="U")
    docs = [harvest.DocTable({"0.28.0": {"mmcv-full": ">=1.3.8,<1.6.0"}}, "FAQ")]
    table = harvest.assemble_package("mmpose", "U", harvested, docs)
    release = table["releases"]["0.28.0"]
    assert release["mmcv-full"]["documented"] == {"spec": ">=1.3.8,<1.6.0", "source": "FAQ"}
    assert release["mmcv-full"]["enforced"]["spec"] == ">=1.3.8,<=1.6.0"
    assert release["mmcv-full"]["installer"]["spec"] == ">=1.3.8"
    assert release["mmdet"]["optional"] is True
    assert table["releases"]["1.0.0rc1"]["mmcv"]["enforced"]["spec"] == ">=2.0.0rc4,<=2.1.0"
    assert table["releases"]["1.0.0rc1"]["mmengine"]["installer"]["spec"] == ""
    assert "asserts no version" in table["releases"]["0.6.0"]["note"]
    assert table["branches"]["master"]["version"] == "0.28.0"
    assert list(table["releases"]) == ["1.0.0rc1", "0.28.0", "0.18.0", "0.6.0"]


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not a git repository"):
        harvest.GitRepo(str(tmp_path)).refs()


def test_a_branch_without_a_version_file_is_bad_input(run, tmp_path: Path) -> None:
    repo = tmp_path / "mmpose"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _commit(repo, {"README.md": "no package yet\n"})
    done = run("harvest", "--repo", str(repo))
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr == (f"mmcompat: error: nothing to harvest for mmpose in {repo}: no version tag or named "
                           "branch there holds mmpose/ with a literal version (another --package, or --branches "
                           "BRANCH)\n")


def test_unknown_branch(upstream: Path) -> None:
    with pytest.raises(BadInput, match="branch 'dev' not in"):
        harvest.harvest_repo(harvest.GitRepo(str(upstream)), "mmpose", branches=["dev"])


UPSTREAM_MIRROR = Path(os.environ.get("MMCOMPAT_UPSTREAM_MMPOSE", "/work/.mirror/open-mmlab+mmpose/repo"))


@pytest.mark.skipif(not UPSTREAM_MIRROR.is_dir(), reason="no open-mmlab/mmpose clone (set MMCOMPAT_UPSTREAM_MMPOSE)")
def test_embedded_matrix_is_what_harvest_produces_from_upstream(run, tmp_path: Path, seed_text: str) -> None:
    from .conftest import ROOT

    embedded = ROOT / "data" / "compat_matrix.toml"
    copy = tmp_path / "m.toml"
    copy.write_bytes(embedded.read_bytes())
    done = run("harvest", "--repo", str(UPSTREAM_MIRROR), "--write", "--matrix", str(copy))
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"mmcompat: {copy} is already what harvest produces\n" and done.stdout == ""
    assert copy.read_bytes() == embedded.read_bytes()
    # The FAQ seed is, byte for byte, docs/zh_cn/faq.md on upstream's master: the documented 0.x facts.
    blob = subprocess.run(["git", "-C", str(UPSTREAM_MIRROR), "show", "master:docs/zh_cn/faq.md"],
                          capture_output=True, text=True, check=True).stdout
    assert blob == seed_text


def test_harvest_cli_json(run, upstream: Path) -> None:
    done = run("harvest", "--repo", str(upstream), "--faq-ref", "main:README.md")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["package"] == "mmpose"
    assert data["releases"]["0.28.0"]["mmcv-full"] == {"enforced": ">=1.3.8,<=1.6.0", "installer": ">=1.3.8",
                                                       "documented": None}
    assert data["releases"]["1.0.0rc1"]["mmengine"] == {"enforced": ">=0.6.0,<=1.0.0", "installer": "",
                                                        "documented": None}
    assert set(data["releases"]) == {"0.6.0", "0.18.0", "0.28.0", "1.0.0rc1", "master", "main"}


def test_harvest_cli_write_prints_the_diff_and_writes_atomically(run, upstream: Path, tmp_path: Path) -> None:
    target = tmp_path / "m.toml"
    target.write_text("schema = 1\n")
    done = run("harvest", "--repo", str(upstream), "--faq-ref", "main:README.md", "--write", "--matrix", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"--- {target}\n+++ {target} (harvested)\n")
    assert '+[mmpose.releases."0.28.0".mmcv-full]' in done.stdout
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert (run("resolve", "0.28.0", "--matrix", str(target), "--policy", "enforced").stdout
            == "mmcv-full>=1.3.8,<=1.6.0\n")


def test_harvest_cli_reads_wheels_and_sdists(run, tmp_path: Path) -> None:
    import zipfile

    wheel = tmp_path / "mmpose-0.28.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("mmpose/__init__.py", INCLUSIVE_STYLE)
        archive.writestr("mmpose/version.py", "__version__ = '0.28.0'\n")
        archive.writestr("mmpose-0.28.0.dist-info/METADATA",
                         "Name: mmpose\nVersion: 0.28.0\nProvides-Extra: mim\n"
                         "Requires-Dist: mmcv-full (>=1.3.8) ; extra == 'mim'\nRequires-Dist: numpy\n\n")
    sdist = _sdist(tmp_path / "mmpose-0.18.0.tar.gz", {"mmpose/__init__.py": EXCLUSIVE_STYLE,
                                                        "mmpose/version.py": "__version__ = '0.18.0'\n",
                                                        "requirements/mminstall.txt": "mmcv-full>=1.3.8\n"})
    done = run("harvest", "--dist", str(wheel), str(sdist))
    assert done.returncode == 0, done.stderr
    releases = json.loads(done.stdout)["releases"]
    assert releases["0.28.0"]["mmcv-full"] == {"enforced": ">=1.3.8,<=1.6.0", "installer": ">=1.3.8",
                                               "documented": None}
    assert releases["0.18.0"]["mmcv-full"]["enforced"] == ">=1.3.8,<1.4.0"
    assert "numpy" not in releases["0.28.0"]
    bad = run("harvest", "--dist", str(tmp_path / "missing.whl"))
    assert bad.returncode == 2 and bad.stderr.startswith("mmcompat: error: cannot read ")
    target = tmp_path / "m.toml"
    target.write_text("schema = 1\n")
    written = run("harvest", "--dist", str(wheel), "--write", "--matrix", str(target))
    assert written.returncode == 0 and '[mmpose.releases."0.28.0".mmcv-full]' in target.read_text()
    # a FAQ page read from a file (a repository too large to clone): documented beside the wheel's facts
    faq = tmp_path / "faq.md"
    faq.write_text("| MMPose version | MMCV version | MMClassification version |\n| :-: | :-: | :-: |\n"
                   "| 0.28.0 | mmcv>=1.3.8, \\<1.6.0 | mmcls>=0.20.1 |\n")  # mmcv: the module, as mmcls's FAQ
    documented = run("harvest", "--dist", str(wheel), "--doc", str(faq), "https://x.invalid/blob/abc/faq.md")
    assert documented.returncode == 0, documented.stderr
    assert json.loads(documented.stdout)["releases"]["0.28.0"]["mmcv-full"]["documented"] == ">=1.3.8,<1.6.0"
    documented = run("harvest", "--dist", str(wheel), "--doc", str(faq), "https://x.invalid/blob/abc/faq.md",
                     "--write", "--matrix", str(target))
    assert documented.returncode == 0 and 'source = "https://x.invalid/blob/abc/faq.md"' in target.read_text()
    # a distribution only the FAQ names: its range is known, not a need
    assert '[mmpose.releases."0.28.0".mmcls]\noptional = true\ndocumented = ' in target.read_text()
    for document in (tmp_path / "no-table.md", tmp_path / "fifo"):
        (document.write_text("# FAQ\n") if document.name.endswith(".md") else os.mkfifo(document))
        refused = run("harvest", "--dist", str(wheel), "--doc", str(document), "u")
        assert refused.returncode == 2 and str(document) in refused.stderr, refused.stderr
        assert refused.stderr.count("\n") == 1, refused.stderr


def test_harvest_cli_bad_input(run, tmp_path: Path, upstream: Path) -> None:
    assert run("harvest", "--repo", str(tmp_path / "nope")).returncode == 2
    done = run("harvest", "--repo", str(upstream), "--faq-ref", "nocolon")
    assert done.returncode == 2 and "give --faq-ref as REF:PATH" in done.stderr
    assert run("harvest").returncode == 2


@pytest.mark.parametrize("package", ["mmpose", "mmcv"])
def test_harvest_cli_folder_that_is_no_git_repository_is_bad_input(run, tmp_path: Path, package: str) -> None:
    folder = tmp_path / "not-a-clone"
    folder.mkdir()
    done = run("harvest", "--repo", str(folder), "--package", package)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"mmcompat: error: not a git repository: {folder}\n"
    missing = tmp_path / "nope"
    done = run("harvest", "--repo", str(missing), "--package", package)
    assert (done.returncode, done.stderr) == (2, f"mmcompat: error: no repository at {str(missing)!r}\n")


def test_run_owns_the_defaults(upstream: Path) -> None:
    result = harvest.run(repo=str(upstream), faq_refs=["main:README.md"])
    table = result.parts["mmpose"]
    assert result.package == "mmpose" and table["repository"] == "https://github.com/open-mmlab/mmpose"
    assert set(table["branches"]) == {"master", "main"}  # the default branches that exist
    main = subprocess.run(["git", "-C", str(upstream), "rev-parse", "main"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert result.parts["generated"] == f"open-mmlab/mmpose main@{main[:12]}"
    assert result.shown == harvest.plan.summary("mmpose", table)
    assert result.shown["releases"]["0.28.0"]["mmcv-full"] == {
        "enforced": ">=1.3.8,<=1.6.0", "installer": ">=1.3.8", "documented": None}
    only_tags = harvest.run(repo=str(upstream), branches=[], faq_refs=["main:README.md"], url="U")
    assert "branches" not in only_tags.parts["mmpose"] and only_tags.parts["mmpose"]["repository"] == "U"


@pytest.mark.parametrize("package, url", [
    ("mmpose", "https://github.com/open-mmlab/mmpose"),
    ("mmdet", "https://github.com/open-mmlab/mmdetection"),
    ("mmtrack", "https://github.com/open-mmlab/mmtracking"),
])
def test_upstream_url(package: str, url: str) -> None:
    assert harvest.plan.upstream_url(package) == url


@pytest.mark.parametrize("items, refs, message", [
    (["master:docs/zh_cn/faq.md", "v1.0.0:a:b.md"], [("master", "docs/zh_cn/faq.md"), ("v1.0.0", "a:b.md")], ""),
    (["nocolon"], None, "give --faq-ref as REF:PATH, got 'nocolon'"),
    ([":docs/faq.md"], None, "give --faq-ref as REF:PATH, got ':docs/faq.md'"),
    (["master:"], None, "give --faq-ref as REF:PATH, got 'master:'"),
])
def test_parse_faq_refs(items: List[str], refs: object, message: str) -> None:
    if not message:
        assert harvest.plan.parse_faq_refs(items) == refs
        return
    with pytest.raises(BadInput) as caught:
        harvest.plan.parse_faq_refs(items)
    assert str(caught.value) == message and caught.value.value == items[0]


@pytest.mark.parametrize("kwargs, message", [
    ({}, "harvesting mmpose needs a repository or distribution files"),
    ({"repo": ".", "dists": ["x.whl"]}, "give a repository or distribution files, not both"),
])
def test_run_needs_one_source(kwargs: Dict[str, object], message: str) -> None:
    with pytest.raises(BadInput) as caught:
        harvest.run(**kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_harvest_public_surface_is_all() -> None:
    import types

    public = [n for n, v in vars(harvest).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)]
    assert sorted(public) == sorted(harvest.__all__)


CHAINED_STYLE = """\
import mmcv
import mmdet
from packaging.version import parse

MMCV_MIN = '1.3.17'
MMCV_MAX = '2.0.0'
MMDET_MIN = '2.19.1'
MMDET_MAX = '3.0.0'


def digit_version(text):
    return tuple(parse(text).release)


mmcv_min_version = digit_version(MMCV_MIN)
mmcv_max_version = digit_version(MMCV_MAX)
mmcv_version = digit_version(mmcv.__version__)
assert (mmcv_min_version <= mmcv_version < mmcv_max_version), \\
    f'MMCV=={mmcv.__version__} is used but incompatible. Please install mmcv>={MMCV_MIN}, <{MMCV_MAX}.'
mmdet_version = digit_version(mmdet.__version__)
assert digit_version(MMDET_MIN) <= mmdet_version < digit_version(MMDET_MAX)
"""


def test_parse_chained_comparisons_with_bound_names() -> None:
    mmcv, mmdet = harvest.parse_init(CHAINED_STYLE)
    assert (mmcv.module, mmcv.spec, mmcv.compare) == ("mmcv", ">=1.3.17,<2.0.0", "local")
    assert mmcv.messages == ("MMCV=={version} is used but incompatible. Please install mmcv>=1.3.17, <2.0.0.",)
    assert (mmdet.module, mmdet.spec, mmdet.messages) == ("mmdet", ">=2.19.1,<3.0.0", ())


class _SimpleIndex:
    """A PEP 691 JSON simple index on 127.0.0.1 with PEP 700 upload times, for numpy-abi harvesting."""

    FILES: ClassVar[Dict[str, List[Tuple[str, str]]]] = {
        "numpy": [("numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl", "2024-02-05T21:00:00Z"),
                  ("numpy-2.0.0rc1-cp311-cp311-manylinux_2_17_x86_64.whl", "2024-03-30T10:00:00Z"),
                  ("numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl", "2024-06-16T13:06:46Z"),
                  ("numpy-2.0.0.tar.gz", "2024-06-16T13:00:00Z")],
        "xtcocotools": [("xtcocotools-1.14.3-cp311-cp311-manylinux1_x86_64.whl", "2023-10-19T07:52:25Z"),
                        ("xtcocotools-1.14.3.tar.gz", "2023-10-19T07:50:00Z")],
        "pycocotools": [("pycocotools-2.0.7-cp311-cp311-manylinux_2_17_x86_64.whl", "2023-08-14T10:00:00Z"),
                        ("pycocotools-2.0.8-cp311-cp311-manylinux_2_17_x86_64.whl", "2024-06-17T04:26:15Z"),
                        ("pycocotools-2.0.8-py3-none-any.whl", "2024-06-01T00:00:00Z")],
    }


def test_harvest_numpy_abi_from_a_registry_index(run, tmp_path: Path) -> None:
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            name = self.path.strip("/").split("/")[-1]
            files = [{"filename": f, "url": f, "hashes": {}, "upload-time": t}
                     for f, t in _SimpleIndex.FILES.get(name, [])]
            body = json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": files}).encode()
            self.send_response(200 if name in _SimpleIndex.FILES else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/simple"
    try:
        done = run("harvest", "--package", "numpy-abi", env={"MMCOMPAT_SIMPLE_URL": base})
        assert done.returncode == 0, done.stderr
        table = json.loads(done.stdout)["numpy_abi"]
        # 2.0.0rc1 does not move the cutoff; a pure-Python wheel is not a binary.
        assert table["numpy2_first_upload"] == "2024-06-16T13:00:00Z"  # its first file, the sdist
        assert table["xtcocotools"]["numpy1_only"] == ["1.14.3"]
        assert table["pycocotools"]["numpy1_only"] == ["2.0.7"]
        assert table["xtcocotools"]["source"].startswith(f"{base}/xtcocotools/ ")
        unreachable = run("harvest", "--package", "numpy-abi", env={"MMCOMPAT_SIMPLE_URL": "http://127.0.0.1:1/simple"})
        assert unreachable.returncode == 3 and unreachable.stderr.startswith("mmcompat: error: cannot reach ")
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("kept, code, message", [
    ('[mmdet.releases."2.28.2".mmcv-full]\nenforced = { spec = "nonsense", source = "x" }\n', 2,
     'bad matrix {target} as harvested at mmdet.releases."2.28.2".mmcv-full.enforced.spec: '
     "not a version specifier: 'nonsense'; the file is unchanged"),
    ("[mmdet]\nweight = 1.5\n", 3,
     "cannot write the harvested matrix as TOML: cannot write float as TOML; {target} is unchanged"),
])
def test_harvest_cli_write_never_writes_a_matrix_that_does_not_load(run, upstream: Path, tmp_path: Path,
                                                                    kept: str, code: int, message: str) -> None:
    # harvest replaces only the mmpose table: what the file had besides is kept, and here it is bad
    target = tmp_path / "m.toml"
    target.write_text(f"schema = 1\n\n{kept}", encoding="utf-8")
    before = target.read_bytes()
    done = run("harvest", "--repo", str(upstream), "--faq-ref", "main:README.md", "--write", "--matrix", str(target))
    assert (done.returncode, done.stdout) == (code, "")
    assert done.stderr == f"mmcompat: error: {message.format(target=target)}\n"
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.toml", "mmpose"]


# Every variant issue 18 lists, as synthetic sources (written for these tests, in the shapes released code
# uses): (source, {module: spec}).
_PADDED = "import mmcv\nimport mmdet\nimport mmengine\nimport mmcls\nfrom mmcv.utils import digit_version\n"
_UNPADDED = _PADDED.replace("from mmcv.utils import digit_version\n", """
def digit_version(version_str):
    digit_ver = []
    for x in version_str.split('.'):
        if x.isdigit():
            digit_ver.append(int(x))
    return digit_ver
""")
VARIANTS = {
    "lowercase constants, and-joined": (_PADDED + """
mmcv_minimum_version = '1.3.8'
mmcv_maximum_version = '1.7.0'
mmcv_version = digit_version(mmcv.__version__)
assert (mmcv_version >= digit_version(mmcv_minimum_version)
        and mmcv_version < digit_version(mmcv_maximum_version)), 'MMCV is incompatible, install <=1.7.0'
""", {"mmcv": ">=1.3.8,<1.7.0"}),
    "uppercase constants through digit_version names, chained": (_PADDED + """
MMCV_MIN = '1.3.13'
MMCV_MAX = '1.8'
mmcv_min_version = digit_version(MMCV_MIN)
mmcv_max_version = digit_version(MMCV_MAX)
mmcv_version = digit_version(mmcv.__version__)
assert (mmcv_min_version <= mmcv_version < mmcv_max_version), f'Please install mmcv<={MMCV_MAX}.'
""", {"mmcv": ">=1.3.13,<1.8"}),
    "two-part bound through a padding digit_version is x.y.0": (_PADDED + """
assert digit_version('1.1.1') <= digit_version(mmcv.__version__) <= digit_version('1.3')
""", {"mmcv": ">=1.1.1,<=1.3"}),
    "two-part bound through an unpadded digit_version admits no x.y.z": (_UNPADDED + """
MMCV_MIN = '1.3'
MMCV_MAX = '1.4'
assert digit_version(MMCV_MIN) <= digit_version(mmcv.__version__) <= digit_version(MMCV_MAX), \\
    'Please install mmcv>=1.3, <=1.4.'
""", {"mmcv": ">=1.3,<1.4"}),
    "a name bound twice: the binding in effect at the assert": (_UNPADDED + """
mmcv_minimum_version = '1.1.5'
mmdet_maximum_version = '1.2.0'
mmcv_version = digit_version(mmcv.__version__)
assert (mmcv_version >= digit_version(mmcv_minimum_version)
        and mmcv_version <= digit_version(mmdet_maximum_version))
mmdet_maximum_version = '2.5.0'
assert digit_version(mmdet.__version__) <= digit_version(mmdet_maximum_version)
""", {"mmcv": ">=1.1.5,<=1.2.0", "mmdet": "<=2.5.0"}),
    "checks inside try and if, engine bounds bound inside if": ("""
import mmcv
import mmdet
try:
    import mmengine
    from mmengine.utils import digit_version
except ImportError:
    mmengine = None
    from mmcv import digit_version
mmcv_version = digit_version(mmcv.__version__)
if mmengine is not None:
    mmengine_minimum_version = '0.7.1'
    mmengine_maximum_version = '1.1.0'
    mmengine_version = digit_version(mmengine.__version__)
try:
    assert mmcv_version >= digit_version('2.0.0rc4') and mmcv_version < digit_version('2.2.0')
finally:
    pass
assert (mmengine_version >= digit_version(mmengine_minimum_version)
        and mmengine_version < digit_version(mmengine_maximum_version))
""", {"mmcv": ">=2.0.0rc4,<2.2.0", "mmengine": ">=0.7.1,<1.1.0"}),
    "a missing maximum": (_PADDED + """
assert digit_version(mmcv.__version__) >= digit_version('1.3.17'), 'mmcv too old'
""", {"mmcv": ">=1.3.17"}),
    "checks on mmdet, mmcls and mmengine beside mmcv": (_PADDED + """
assert digit_version('1.3.17') <= digit_version(mmcv.__version__) < digit_version('2.0.0')
assert digit_version('2.19.1') <= digit_version(mmdet.__version__) < digit_version('3.0.0')
assert digit_version('0.16.0') <= digit_version(mmcls.__version__) < digit_version('1.0.0')
assert digit_version(mmengine.__version__) >= digit_version('0.7.1')
""", {"mmcv": ">=1.3.17,<2.0.0", "mmdet": ">=2.19.1,<3.0.0", "mmcls": ">=0.16.0,<1.0.0",
      "mmengine": ">=0.7.1"}),
    "no check at all": ("from .version import __version__\n\n__all__ = ['__version__']\n", {}),
    "a comparison that is no version check is not one": (_PADDED + """
import torch
if torch.cuda.is_available() and len(__all__) > 2:
    pass
assert 1 < 2
""", {}),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_parse_init_variants(name: str) -> None:
    source, expected = VARIANTS[name]
    assert {c.module: c.spec for c in harvest.parse_init(source)} == expected


def test_parse_init_inclusiveness_from_the_operator_never_the_message() -> None:
    (check,) = harvest.parse_init(VARIANTS["uppercase constants through digit_version names, chained"][0])
    assert check.spec == ">=1.3.13,<1.8" and check.messages == ("Please install mmcv<=1.8.",)


def test_parse_init_says_which_asserts_hold_only_under_a_condition() -> None:
    source = _PADDED + ("if mmengine is not None:\n"
                        "    assert digit_version(mmengine.__version__) >= digit_version('0.7.1')\n")
    (check,) = harvest.parse_init(source)
    assert (check.module, check.spec, check.guarded) == ("mmengine", ">=0.7.1", "inside the if at line 6")


HOSTILE = {
    "f-string": (_PADDED + "top = f'{1}.8'\nassert digit_version(mmcv.__version__) < digit_version(top)\n",
                 "x/__init__.py:7: the bound mmcv is compared with is an f-string; refusing to guess"),
    "call": (_PADDED + "assert digit_version(mmcv.__version__) < digit_version(newest())\n",
             "x/__init__.py:6: the bound mmcv is compared with is a call; refusing to guess"),
    "name bound to a call": (_PADDED + "TOP = os.environ.get('TOP')\nassert digit_version(mmcv.__version__) < TOP\n",
                             "x/__init__.py:7: the bound mmcv is compared with is a call; refusing to guess"),
    "name never bound": (_PADDED + "assert digit_version(mmcv.__version__) < digit_version(TOP)\n",
                         "x/__init__.py:6: the bound mmcv is compared with is the name 'TOP', never bound to a "
                         "version here; refusing to guess"),
    "or": (_PADDED + "assert digit_version(mmcv.__version__) < digit_version('1.8') or FORCE\n",
           "x/__init__.py:6: an 'or' or 'not' around version comparisons is no single range; refusing to guess"),
    "text comparison": (_PADDED + "assert mmcv.__version__ >= '1.3.8'\n",
                        "x/__init__.py:6: a version compared as text (no digit_version around mmcv.__version__); "
                        "refusing to guess"),
    "not a version": (_PADDED + "assert digit_version(mmcv.__version__) >= digit_version('latest')\n",
                      "x/__init__.py:6: the bound 'latest' is not a version; refusing to guess"),
    "unpadded equality with two parts": (_UNPADDED + "assert digit_version(mmcv.__version__) == digit_version('1.8')\n",
                                         "x/__init__.py:12: =='1.8' through an unpadded digit_version never holds "
                                         "as written; refusing to guess"),
    "unparsable": ("import mmcv\n\nassert (digit_version(mmcv.__version__)\n", None),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_parse_init_refuses_hostile_checks_with_file_and_line(name: str) -> None:
    source, message = HOSTILE[name]
    with pytest.raises(harvest.UnreadableCheck) as caught:
        harvest.parse_init(source, origin="x/__init__.py")
    if message is None:
        assert str(caught.value).startswith("x/__init__.py:3: cannot parse: ")
    else:
        assert str(caught.value) == message
    assert caught.value.origin == "x/__init__.py" and caught.value.exit_code == 2


def test_setup_name_reads_the_literal_only() -> None:
    assert harvest.setup_name("from setuptools import setup\nsetup(name='mmsegmentation', version=v())\n") == \
        "mmsegmentation"
    assert harvest.setup_name("setup(name=NAME)\n") == ""
    assert harvest.setup_name("setup(\n") == ""


@pytest.fixture
def two_packages(tmp_path: Path) -> Path:
    """One repository that released two import packages (as open-mmlab/mmpretrain holds mmcls's tags)."""
    repo = tmp_path / "pretrain"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _commit(repo, {"mmcls/__init__.py": "from .version import __version__\n",
                   "mmcls/version.py": "__version__ = '0.6.0'\n", "setup.py": "setup(name='mmcls')\n",
                   "requirements/mminstall.txt": "mmcv-full>=1.1.4\n"}, "v0.6.0")
    _git(repo, "rm", "-q", "-r", "mmcls", "requirements")
    guarded = "import mmseg\nif mmengine:\n    assert digit_version(mmseg.__version__) >= digit_version('1.0')\n"
    _commit(repo, {"mmpretrain/__init__.py": VARIANTS["checks inside try and if, engine bounds bound inside if"][0]
                   + guarded,
                   "mmpretrain/version.py": "__version__ = '1.0.0'\n", "setup.py": "setup(name='mmpretrain')\n"},
            "v1.0.0")
    return repo


def test_harvest_repo_leaves_out_the_tags_of_another_package(two_packages: Path) -> None:
    clone = harvest.GitRepo(str(two_packages))
    assert [h.key for h in harvest.harvest_repo(clone, "mmcls")] == ["0.6.0"]
    (release,) = harvest.harvest_repo(clone, "mmpretrain")
    assert (release.key, release.distribution) == ("1.0.0", "mmpretrain")


def test_assemble_package_names_distributions_and_what_is_known(two_packages: Path) -> None:
    clone = harvest.GitRepo(str(two_packages))
    mmcls = harvest.assemble_package("mmcls", "U", harvest.harvest_repo(clone, "mmcls"), [])
    assert "module" not in mmcls  # the same as the distribution
    assert mmcls["releases"]["0.6.0"]["note"] == ("mmcls/__init__.py at v0.6.0 asserts no version: what it needs "
                                                  "is known only from what its installer requires")
    table = harvest.assemble_package("mmpretrain", "U", harvest.harvest_repo(clone, "mmpretrain"), [])
    release = table["releases"]["1.0.0"]
    assert release["mmsegmentation"]["enforced"]["spec"] == ">=1.0"  # the mmseg module's distribution
    assert release["mmsegmentation"]["enforced"]["uncertain"] == (
        "asserted only inside the if at line 22 of mmpretrain/__init__.py")
    assert release["mmengine"]["enforced"]["spec"] == ">=0.7.1,<1.1.0"
    assert "uncertain" not in release["mmcv"]["enforced"]


def test_module_distributions_are_what_setup_py_names(two_packages: Path) -> None:
    renamed = harvest.assemble_package(
        "mmseg", "U", [harvest.HarvestedRelease(key="1.2.2", ref="v1.2.2", commit="c", version="1.2.2",
                                                is_branch=False, enforced=(), installer={"mmcv": ">=2.0.0rc4"},
                                                sources={"installer": "I"}, distribution="mmsegmentation")], [])
    assert renamed["module"] == "mmseg"
    assert harvest.MODULE_DISTRIBUTIONS["mmseg"] == "mmsegmentation"


def test_module_distributions_agree_with_the_matrix() -> None:
    from compat.data.matrix import load

    from .conftest import ROOT

    matrix = load(str(ROOT / "data" / "compat_matrix.toml"))
    for module, distribution in harvest.MODULE_DISTRIBUTIONS.items():
        assert matrix.packages[distribution].module == module
        assert matrix.package(module) is matrix.packages[distribution]


def test_an_asserted_optional_distribution_is_needed() -> None:
    check = harvest.EnforcedCheck(module="mmdet", spec=">=3.0.0", compare="", messages=())
    release = harvest.HarvestedRelease(key="1.0.0", ref="v1.0.0", commit="c", version="1.0.0", is_branch=False,
                                       enforced=(check,), installer={"mmtrack": ">=1.0.0"},
                                       sources={"enforced": "E", "installer": "I"})
    table = harvest.assemble_package("mmocr", "U", [release], [])["releases"]["1.0.0"]
    assert "optional" not in table["mmdet"] and table["mmtrack"]["optional"] is True


# The newest releases' recorded bounds against what their real import asserts: the registry's real wheels
# (pure Python) in a real venv beside stand-in mmcv and mmengine wheels of each version tried.
REAL_IMPORTS = {
    # distribution==version: (import package, the stand-ins beside mmcv)
    "mmsegmentation==1.2.2": ("mmseg", {"mmengine": "0.10.4"}),
    "mmdet==2.10.0": ("mmdet", {}),  # two-part '1.3' through an unpadded digit_version
    "mmflow==0.5.2": ("mmflow", {}),
    "mmhuman3d==0.11.0": ("mmhuman3d", {}),  # '<=' where its message says '<1.6.1': the operator decides
    "mmrazor==0.3.1": ("mmrazor", {}),  # 1.0.0 imports mmengine.utils, more than a stand-in mmengine
    "mmselfsup==0.11.0": ("mmselfsup", {"mmcls": "0.25.0"}),  # 1.0.0 imports mmengine.utils too
    "mmgen==0.7.1": ("mmgen", {}),  # the newest release with a wheel (0.7.2 and 0.7.3: sdists only)
}
_TRIED = ["1.2.4", "1.2.7", "1.3.0", "1.3.17", "1.6.1", "2.0.0rc3", "2.0.0rc4", "2.1.0", "2.2.0"]


@pytest.fixture(scope="session")
def real_codebases(request: pytest.FixtureRequest) -> Path:
    folder = Path(request.config.cache.mkdir("mmcompat-codebases"))
    for requirement in [*REAL_IMPORTS, "packaging==24.2"]:
        name, version = requirement.split("==")
        if not list(folder.glob(f"{name.replace('-', '_')}-{version}-*.whl")):
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                            "-d", str(folder), requirement], check=True, capture_output=True, timeout=300)
    return folder


def _standin(folder: Path, name: str, version: str) -> Path:
    from .standins import build_wheel

    module = name.split("-")[0]
    return build_wheel(folder, name, version, {f"{module}/__init__.py": f"__version__ = '{version}'\n".encode()})


@pytest.mark.slow
@pytest.mark.parametrize("requirement", sorted(REAL_IMPORTS))
def test_recorded_assertion_is_what_the_real_import_asserts(requirement: str, real_codebases: Path,
                                                            tmp_path: Path) -> None:
    from compat.data.matrix import load

    from .conftest import ROOT

    name, version = requirement.split("==")
    module, beside = REAL_IMPORTS[requirement]
    release = load(str(ROOT / "data" / "compat_matrix.toml")).packages[name].release(Version(version))
    assert release is not None
    dependency = next(d for d in release.dependencies if d.name in ("mmcv", "mmcv-full"))
    assert dependency.enforced is not None
    recorded = dependency.enforced.range
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    python = str(venv / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index"]
    wheels = [str(next(real_codebases.glob(f"{name.replace('-', '_')}-{version}-*.whl"))),
              str(next(real_codebases.glob("packaging-*.whl")))]
    wheels += [str(_standin(tmp_path, dist, v)) for dist, v in beside.items()]
    subprocess.run([*pip, *wheels], check=True, capture_output=True, timeout=300)
    judged = {}
    for tried in _TRIED:
        subprocess.run([*pip, "--force-reinstall", str(_standin(tmp_path, dependency.name, tried))], check=True,
                       capture_output=True, timeout=300)
        done = subprocess.run([python, "-c", f"import {module}"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 or "AssertionError" in done.stderr, done.stderr
        judged[tried] = done.returncode == 0
    assert judged == {tried: recorded.contains(Version(tried)) for tried in _TRIED}
    assert any(judged.values()) and not all(judged.values())


def test_project_name_reads_pyproject() -> None:
    assert harvest.project_name('[project]\nname = "onedl-mmdetection"\nversion = "3.4.0-rc.1"\n') == \
        "onedl-mmdetection"
    assert harvest.project_name("[tool.x]\n") == "" and harvest.project_name("name = [\n") == ""


def test_onedl_forks_list_what_mim_installs_as_an_extra(tmp_path: Path) -> None:
    """onedl's forks have no requirements/mminstall.txt: their pyproject.toml (in git) and PKG-INFO (in the
    sdist) list it as the ``mminstall`` extra, naming onedl's distributions, which the matrix keeps under the
    lines they install in place of (onedl-mmcv: mmcv). A typo'd extra, a file that is not TOML: nothing."""

    pyproject = ('[project]\nname = "onedl-mmdetection"\n[project.optional-dependencies]\n'
                 'mminstall = ["onedl-mmcv>=2.0.0", "onedl-mmengine>=0.8.3,<1.0.0"]\n'
                 'optional = ["cityscapesscripts"]\n')
    assert harvest.parse_pyproject_installer(pyproject) == (
        "mminstall", {"mmcv": ">=2.0.0", "mmengine": ">=0.8.3,<1.0.0"})
    assert harvest.parse_pyproject_installer(pyproject.replace("mminstall =", "miminstall =")) == ("", {})
    assert harvest.parse_pyproject_installer("[project\n") == ("", {})
    with pytest.raises(CompatError, match=r"cannot parse pyproject\.toml extra 'mminstall' line 'onedl-mmcv>>2'"):
        harvest.parse_pyproject_installer(pyproject.replace("onedl-mmcv>=2.0.0", "onedl-mmcv>>2"))
    assert harvest.installer_name("onedl-mmcv") == "mmcv" and harvest.installer_name("mmcv-full") == "mmcv-full"
    assert harvest.installer_name("onedl_mmengine") == "mmengine" and harvest.installer_name("mmdet") == "mmdet"

    repo = tmp_path / "onedl-mmdetection"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _commit(repo, {"mmdet/__init__.py": "from .version import __version__\n",
                   "mmdet/version.py": "__version__ = '3.4.0rc1'\n", "pyproject.toml": pyproject}, "v3.4.0-rc.1")
    (release,) = harvest.harvest_repo(harvest.GitRepo(str(repo)), "mmdet", branches=(), url="U")
    assert (release.installer, release.distribution) == ({"mmcv": ">=2.0.0", "mmengine": ">=0.8.3,<1.0.0"},
                                                         "onedl-mmdetection")
    assert release.sources["installer"] == "U/blob/v3.4.0-rc.1/pyproject.toml (extra 'mminstall')"
    table = harvest.assemble_package("mmdet", "U", [release], [])
    assert table["releases"]["3.4.0rc1"]["mmcv"]["installer"]["spec"] == ">=2.0.0"

    metadata = ("Metadata-Version: 2.4\nName: onedl-mmdetection\nVersion: 3.5.1\nRequires-Dist: numpy\n"
                "Requires-Dist: onedl-mmcv>=2.0.0; extra == \"mminstall\"\n"
                "Requires-Dist: onedl-mmengine<1.0.0,>=0.8.3; extra == \"mminstall\"\n"
                "Requires-Dist: onedl-mmpretrain; extra == \"tracking\"\n\n")
    sdist = _sdist(tmp_path / "onedl_mmdetection-3.5.1.tar.gz", {
        "PKG-INFO": metadata, "mmdet/__init__.py": "from .version import __version__\n",
        "mmdet/version.py": "__version__ = '3.5.1'\n"})
    read = harvest.read_distribution(str(sdist), "mmdet")
    assert read.installer == {"mmcv": ">=2.0.0", "mmengine": ">=0.8.3,<1.0.0"}
    assert read.sources["installer"].endswith("onedl_mmdetection-3.5.1.tar.gz:PKG-INFO (extra 'mminstall')")
