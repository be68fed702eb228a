"""Direct references and local checkouts: read by pip's rules, identified against the real matrix.

Local checkouts are real folders and real git repositories made here (git is run for real)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from compat.checks.direct import Checkout, Reference, identify, parse_reference, read_checkout, understand
from compat.errors import BadInput

MMPOSE = "https://github.com/open-mmlab/mmpose"
COMMIT_0_28_0 = "5123a2a7e794be61b09f288b75b59b1eba15958c"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _project(folder: Path, version: Optional[str] = "0.28.0", name: Optional[str] = "mmpose") -> Path:
    """An mmpose source tree: setup.py, and mmpose/version.py whose import would fail loudly."""
    (folder / "mmpose").mkdir(parents=True)
    (folder / "setup.py").write_text(
        "from setuptools import setup\n" + (f"setup(name='{name}')\n" if name else "setup(name=NAME)\n"))
    (folder / "mmpose" / "__init__.py").write_text("raise SystemExit('never imported')\n")
    if version is not None:
        (folder / "mmpose" / "version.py").write_text(
            "raise SystemExit('never run')\n" f"__version__ = '{version}'\nshort_version = __version__\n")
    return folder


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _repository(folder: Path, tag: Optional[str] = "v0.28.0") -> str:
    _git(folder, "init", "-q")
    _git(folder, "add", ".")
    _git(folder, "commit", "-q", "-m", "mmpose")
    if tag:
        _git(folder, "tag", tag)
    return _git(folder, "rev-parse", "HEAD")


# ---- parsing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, editable, expected",
    [
        ("mmpose @ git+https://github.com/open-mmlab/mmpose.git@v0.28.0", False,
         dict(name="mmpose", vcs="git", repository="github.com/open-mmlab/mmpose", ref="v0.28.0", ref_kind="")),
        ("git+https://github.com/open-mmlab/mmpose.git@v0.28.0#egg=mmpose", True,
         dict(name="mmpose", vcs="git", repository="github.com/open-mmlab/mmpose", ref="v0.28.0", editable=True)),
        ("git+ssh://git@github.com/open-mmlab/mmpose.git@master#egg=mmpose[all]", True,
         dict(name="mmpose", vcs="git", repository="github.com/open-mmlab/mmpose", ref="master")),
        ("git+https://github.com/open-mmlab/mmpose", False,
         dict(name="", vcs="git", repository="github.com/open-mmlab/mmpose", ref="")),
        ("https://github.com/open-mmlab/mmpose/archive/refs/tags/v0.28.0.zip", False,
         dict(name="", vcs="", repository="github.com/open-mmlab/mmpose", ref="v0.28.0", ref_kind="tag")),
        ("https://github.com/open-mmlab/mmpose/archive/refs/heads/0.x.tar.gz", False,
         dict(repository="github.com/open-mmlab/mmpose", ref="0.x", ref_kind="branch")),
        ("https://github.com/open-mmlab/mmpose/archive/v0.28.0.tar.gz", False,
         dict(repository="github.com/open-mmlab/mmpose", ref="v0.28.0", ref_kind="")),
        ("https://codeload.github.com/open-mmlab/mmpose/zip/refs/tags/v1.3.2", False,
         dict(repository="github.com/open-mmlab/mmpose", ref="v1.3.2", ref_kind="tag")),
        ("mmpose @ https://gitlab.com/me/mmpose/-/archive/v0.28.0/mmpose-v0.28.0.zip", False,
         dict(name="mmpose", repository="gitlab.com/me/mmpose", ref="v0.28.0")),
        ("https://files.example.org/mmcv_full-1.5.0-cp38-cp38-manylinux1_x86_64.whl", False,
         dict(name="mmcv-full", file_version="1.5.0", repository="")),
        ('mmpose @ git+https://github.com/open-mmlab/mmpose.git@v0.28.0 ; python_version < "3.9"', False,
         dict(name="mmpose", ref="v0.28.0", marker='python_version < "3.9"')),
        ('git+https://github.com/open-mmlab/mmpose.git@v0.28.0#egg=mmpose ; sys_platform == "linux"', False,
         dict(name="mmpose", ref="v0.28.0", marker='sys_platform == "linux"')),
    ],
)
def test_urls(text: str, editable: bool, expected: dict) -> None:
    reference = parse_reference(text, editable=editable)
    assert reference is not None
    for key, value in expected.items():
        if key == "marker":
            assert str(reference.marker) == value
        else:
            assert getattr(reference, key) == value, key
    assert reference.path == ""


@pytest.mark.parametrize("text", ["mmpose==0.28.0", "mmpose", 'mmpose>=1; python_version < "3.9"', "mmcv-full[all]",
                                  "not a requirement !"])
def test_named_requirements_are_not_references(text: str) -> None:
    assert parse_reference(text) is None


@pytest.mark.parametrize("written", [".", "./mmpose", "mmpose/", "{root}/mmpose", "./mmpose[all]", "file://{root}/mmpose",
                                     'mmpose @ file://{root}/mmpose ; python_version >= "3"'])
def test_local_folders(tmp_path: Path, written: str) -> None:
    _project(tmp_path / "mmpose")
    text = written.format(root=tmp_path)
    cwd = tmp_path / "mmpose" if written == "." else tmp_path
    reference = parse_reference(text, cwd=str(cwd))
    assert reference is not None
    assert (reference.name, reference.path, reference.url, reference.editable) == (
        "mmpose", str(tmp_path / "mmpose"), "", False)
    assert reference.shown == f"@ {tmp_path / 'mmpose'}"


def test_editable_folder_and_its_name(tmp_path: Path) -> None:
    _project(tmp_path / "app", name=None)  # setup(name=NAME): no static name
    (tmp_path / "app" / "pyproject.toml").write_text('[build-system]\nrequires = []\n[project]\nname = "My_App"\n')
    reference = parse_reference("./app", editable=True, cwd=str(tmp_path))
    assert reference is not None and (reference.name, reference.editable) == ("my-app", True)
    assert reference.shown == f"-e {tmp_path / 'app'}"
    _project(tmp_path / "anonymous", name=None)
    anonymous = parse_reference("./anonymous", editable=True, cwd=str(tmp_path))
    assert anonymous is not None and anonymous.name == ""


def test_local_archives(tmp_path: Path) -> None:
    (tmp_path / "mmpose-0.28.0.tar.gz").write_bytes(b"")
    reference = parse_reference("mmpose-0.28.0.tar.gz", cwd=str(tmp_path))
    assert reference is not None
    assert (reference.name, reference.file_version, reference.path) == (
        "mmpose", "0.28.0", str(tmp_path / "mmpose-0.28.0.tar.gz"))


@pytest.mark.parametrize(
    "text, editable, message",
    [
        ("./nothing", False, "not a requirement: './nothing' (it looks like a path, and no such file or folder "
                             "exists: {root}/nothing)"),
        ("./empty", False, "cannot install the folder './empty': it has neither setup.py nor pyproject.toml"),
        ("./notes.txt", False, "cannot install './notes.txt': not a folder or a wheel or sdist archive"),
        ("./nothing", True, "cannot install -e './nothing': no such folder ({root}/nothing); -e needs a local "
                            "folder or a VCS URL (git+https://...)"),
        ("https://example.org/mmpose.zip", True, "cannot install 'https://example.org/mmpose.zip' as editable: -e "
                                                 "needs a local folder or a VCS URL (git+https://...)"),
        ("mmpose @ ./mmpose", False, "not a requirement: 'mmpose @ ./mmpose' (after '@' pip needs a URL; write a "
                                     "local folder on its own, ./folder, or as file:///absolute/path)"),
        ("git+https://[", False, "not a requirement: 'git+https://[' (not a URL pip can read: Invalid IPv6 URL)"),
        ("git+https://x/y.git ; python_version <<< '3'", False,
         "not a requirement: \"git+https://x/y.git ; python_version <<< '3'\" (bad marker: Expected a marker "
         "variable or quoted string)"),
    ],
)
def test_what_pip_would_refuse(tmp_path: Path, text: str, editable: bool, message: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(BadInput) as raised:
        parse_reference(text, editable=editable, cwd=str(tmp_path))
    assert str(raised.value) == message.format(root=tmp_path)
    assert raised.value.value == text


def test_long_input_is_quoted_cut(tmp_path: Path) -> None:
    text = "./" + "x" * 5000
    with pytest.raises(BadInput) as raised:
        parse_reference(text, cwd=str(tmp_path))
    assert len(str(raised.value)) < 600


# ---- identifying ------------------------------------------------------------------------------------


def _url(ref: str, host: str = "open-mmlab") -> Reference:
    reference = parse_reference(f"mmpose @ git+https://github.com/{host}/mmpose.git@{ref}")
    assert reference is not None
    return reference


@pytest.mark.parametrize(
    "ref, release, how",
    [
        ("v0.28.0", "0.28.0", "tag v0.28.0"),
        ("0.28.0", "0.28.0", "tag 0.28.0"),
        ("refs/tags/v1.3.2", "1.3.2", "tag refs/tags/v1.3.2"),
        ("v1.0.0rc1", "1.0.0rc1", "tag v1.0.0rc1"),
        ("master", "master", "branch master, whose tip the matrix recorded at 21aeeb455fe1"),
        ("main", "main", "branch main, whose tip the matrix recorded at 759b39c13fea"),
        ("0.x", "0.x", "branch 0.x, whose tip the matrix recorded at 3b8173463c4e"),
        ("1.x", "1.x", "branch 1.x, whose tip the matrix recorded at db4ebd6e0cf1"),
        (COMMIT_0_28_0, "0.28.0", "commit 5123a2a7e794, which the matrix records for release 0.28.0"),
        ("5123a2a", "0.28.0", "commit 5123a2a, which the matrix records for release 0.28.0"),
        ("5123A2A7E7", "0.28.0", "commit 5123A2A7E7, which the matrix records for release 0.28.0"),
        ("21aeeb455fe1", "master", "commit 21aeeb455fe1, which the matrix records for the master branch tip"),
    ],
)
def test_refs_the_matrix_knows(matrix, ref: str, release: str, how: str) -> None:
    reading = identify(matrix, _url(ref))
    assert reading.release is not None and reading.release.key == release
    assert (reading.how, reading.why, reading.guess, reading.name) == (how, "", None, "mmpose")
    assert reading.version == reading.release.version
    assert reading.release.is_branch == (release in ("master", "main", "0.x", "1.x"))


@pytest.mark.parametrize(
    "ref, host, why, guess",
    [
        ("v0.30.0", "open-mmlab", "names v0.30.0, which is no release tag, branch or release commit the matrix records",
         "0.29.0"),
        ("mmpose-1.3.3", "open-mmlab",
         "names mmpose-1.3.3, which is no release tag, branch or release commit the matrix records", "1.3.2"),
        ("dev-1.x", "open-mmlab", "names dev-1.x, which is no release tag, branch or release commit the matrix "
                                  "records; nothing in it names a version to guess from", None),
        ("deadbeef", "open-mmlab", "names deadbeef, which is no release tag, branch or release commit the matrix "
                                   "records; nothing in it names a version to guess from", None),
        ("master", "someone", "names branch master of github.com/someone/mmpose, not of github.com/open-mmlab/mmpose",
         "master"),
    ],
)
def test_refs_it_cannot_tell(matrix, ref: str, host: str, why: str, guess: Optional[str]) -> None:
    reading = identify(matrix, _url(ref, host))
    assert reading.release is None and reading.version is None
    assert reading.why == why
    assert (reading.guess.key if reading.guess else None) == guess
    summary = {None: "unknown", "master": "unknown; guessing the master branch tip (0.29.0)"}
    assert reading.summary == summary.get(guess, f"unknown; guessing {guess}")


def test_tags_from_a_fork_are_trusted(matrix) -> None:
    reading = identify(matrix, _url("v0.28.0", "someone"))
    assert reading.release is not None and reading.release.key == "0.28.0"


def test_no_revision_guesses_the_newest_branch_tip(matrix) -> None:
    reference = parse_reference(f"git+{MMPOSE}.git")
    assert reference is not None
    reading = identify(matrix, reference)
    assert reading.name == "mmpose"  # from the matrix's repository address
    assert reading.why == "names no revision (pip installs the repository's default branch)"
    assert reading.guess is not None and reading.guess.key == "main"
    assert reading.guess_reason == "the newest branch tip the matrix records"
    assert reading.summary == "unknown; guessing the main branch tip (1.3.2)"


@pytest.mark.parametrize(
    "url, release",
    [
        (f"{MMPOSE}/archive/refs/tags/v0.28.0.zip", "0.28.0"),
        (f"{MMPOSE}/archive/v0.28.0.tar.gz", "0.28.0"),
        (f"{MMPOSE}/archive/refs/heads/master.zip", "master"),
        (f"{MMPOSE}/archive/{COMMIT_0_28_0}.zip", "0.28.0"),
        ("https://files.pythonhosted.org/packages/x/mmpose-0.28.0-py2.py3-none-any.whl", "0.28.0"),
    ],
)
def test_archives(matrix, url: str, release: str) -> None:
    reference = parse_reference(url)
    assert reference is not None
    reading = identify(matrix, reference)
    assert reading.name == "mmpose" and reading.release is not None and reading.release.key == release


def test_a_branch_archive_is_not_a_tag(matrix) -> None:
    reference = parse_reference(f"{MMPOSE}/archive/refs/heads/v0.28.0.zip")
    assert reference is not None
    reading = identify(matrix, reference)
    assert reading.release is None
    assert reading.why == ("names branch v0.28.0, which is no release tag, branch or release commit the matrix "
                           "records")
    assert reading.guess is not None and reading.guess.key == "0.28.0"


def test_other_distributions(matrix) -> None:
    for text, version, how in [
        ("mmcv-full @ git+https://github.com/open-mmlab/mmcv.git@v1.5.0", "1.5.0", "tag v1.5.0"),
        ("https://example.org/mmcv_full-1.6.0-cp38-cp38-manylinux1_x86_64.whl", "1.6.0", "its file name"),
        ("mmdet @ git+https://github.com/open-mmlab/mmdetection.git@v2.28.2", "2.28.2", "tag v2.28.2"),
        ("git+https://github.com/open-mmlab/mmdetection.git@v3.2.0", "3.2.0", "tag v3.2.0"),
    ]:
        reference = parse_reference(text)
        assert reference is not None
        reading = identify(matrix, reference)
        assert (str(reading.version), reading.how) == (version, how), text
    unknown = identify(matrix, parse_reference("mmcv-full @ git+https://github.com/open-mmlab/mmcv.git@master"))
    assert (unknown.name, unknown.version, unknown.why, unknown.summary) == ("mmcv-full", None, "", "version unknown")
    unnamed = identify(matrix, parse_reference("https://example.org/source.zip"))
    assert unnamed.name == ""


# ---- local checkouts --------------------------------------------------------------------------------


@needs_git
def test_checkout_with_a_tag(matrix, tmp_path: Path) -> None:
    folder = _project(tmp_path / "mmpose")
    commit = _repository(folder)
    checkout = read_checkout(str(folder))
    assert checkout == Checkout(str(folder), "mmpose", "0.28.0", str(folder / "mmpose" / "version.py"),
                                tag="v0.28.0", commit=commit)
    reference = parse_reference(".", cwd=str(folder))
    assert reference is not None
    reading = understand(matrix, reference)
    assert reading.release is not None and reading.release.key == "0.28.0"
    assert reading.how == f"mmpose/version.py says 0.28.0; git tag v0.28.0 at {commit[:12]}"
    assert reading.checkout == checkout
    assert reading.to_dict()["checkout"] == {
        "version": "0.28.0", "version_file": str(folder / "mmpose" / "version.py"), "tag": "v0.28.0",
        "commit": commit, "git": None}


@needs_git
def test_checkout_past_its_tag_goes_by_version_py(matrix, tmp_path: Path) -> None:
    folder = _project(tmp_path / "mmpose", version="0.29.0")
    _repository(folder, tag="v0.28.0")
    (folder / "README.md").write_text("later\n")
    _git(folder, "add", ".")
    _git(folder, "commit", "-q", "-m", "later")
    commit = _git(folder, "rev-parse", "HEAD")
    reading = understand(matrix, parse_reference(str(folder)))
    assert reading.release is not None and reading.release.key == "0.29.0"
    assert reading.how == f"mmpose/version.py says 0.29.0; git commit {commit[:12]}, no tag"


@needs_git
def test_checkout_of_an_unknown_version_is_a_guess(matrix, tmp_path: Path) -> None:
    folder = _project(tmp_path / "mmpose", version="1.3.3.dev0")
    _repository(folder, tag=None)
    reading = understand(matrix, parse_reference(str(folder)))
    assert reading.release is None
    assert reading.why.startswith("is a checkout the matrix does not know: mmpose/version.py says 1.3.3.dev0; "
                                  "git commit ")
    assert reading.guess is not None and reading.guess.key == "1.3.2"
    assert reading.guess_reason == "the known release nearest to 1.3.3.dev0"


def test_checkout_whose_commit_the_matrix_records(matrix, tmp_path: Path) -> None:
    checkout = Checkout(str(tmp_path), "mmpose", "0.28.0.dev0", str(tmp_path / "mmpose" / "version.py"),
                        commit=COMMIT_0_28_0)
    reference = Reference(".", name="mmpose", path=str(tmp_path))
    reading = identify(matrix, reference, checkout)
    assert reading.release is not None and reading.release.key == "0.28.0"
    assert reading.how == ("mmpose/version.py says 0.28.0.dev0; git commit 5123a2a7e794, no tag (the commit the "
                           "matrix records for release 0.28.0)")


def test_folder_that_is_not_a_git_checkout(matrix, tmp_path: Path) -> None:
    folder = _project(tmp_path / "mmpose")
    checkout = read_checkout(str(folder))
    assert (checkout.version, checkout.tag, checkout.commit) == ("0.28.0", "", "")
    assert checkout.git in ("not a git checkout", "git is not installed")
    reading = understand(matrix, parse_reference(str(folder)))
    assert reading.release is not None and reading.release.key == "0.28.0"


@needs_git
def test_subfolder_of_another_repository_is_not_its_checkout(tmp_path: Path) -> None:
    _repository(_project(tmp_path / "outer", version="0.27.0"), tag="v0.27.0")
    inner = _project(tmp_path / "outer" / "vendor" / "mmpose", version="0.28.0")
    checkout = read_checkout(str(inner))
    assert (checkout.version, checkout.tag, checkout.commit) == ("0.28.0", "", "")
    assert checkout.git == f"not a git checkout of its own (inside {tmp_path / 'outer'})"


def test_without_git(matrix, tmp_path: Path) -> None:
    folder = _project(tmp_path / "mmpose")
    checkout = read_checkout(str(folder), git=str(tmp_path / "no-such-git"))
    assert (checkout.version, checkout.git) == ("0.28.0", "git is not installed")
    reading = understand(matrix, parse_reference(str(folder)), git=str(tmp_path / "no-such-git"))
    assert reading.release is not None and reading.release.key == "0.28.0"
    assert reading.how == "mmpose/version.py says 0.28.0; git is not installed"


@pytest.mark.parametrize(
    "source, version",
    [
        ("__version__ = '0.28.0'\n", "0.28.0"),
        ('__version__: str = "1.3.2"\nshort_version = __version__\n', "1.3.2"),
        ("import os\nraise SystemExit(1)\n__version__ = '0.27.0'\n", "0.27.0"),
        ("__version__ = '0.26.0'\nthis is not python(\n", "0.26.0"),
        ("__version__ = get_version()\n", ""),
        ("", ""),
    ],
)
def test_version_py_is_read_as_text(tmp_path: Path, source: str, version: str) -> None:
    (tmp_path / "mmpose").mkdir()
    (tmp_path / "mmpose" / "version.py").write_text(source)
    assert read_checkout(str(tmp_path), git=str(tmp_path / "no-git")).version == version


def test_checkout_without_version_py(matrix, tmp_path: Path) -> None:
    folder = _project(tmp_path / "mmpose", version=None)
    reading = understand(matrix, parse_reference(str(folder)), git=str(tmp_path / "no-git"))
    # the name comes from setup.py; the version from nowhere: it cannot be told, and there is no guess
    assert (reading.name, reading.release, reading.guess) == ("mmpose", None, None)
    assert reading.why == "has no mmpose/version.py (git is not installed)"
