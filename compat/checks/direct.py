"""Which release a direct reference or a local checkout names.

pip installs from more than ``name==version``: ``mmpose @ git+URL@REF``, ``-e git+URL@REF#egg=mmpose``,
archive URLs (``.../archive/refs/tags/v0.28.0.zip``) and local folders (``.``, ``./mmpose``, ``-e .``).

- :func:`parse_reference` reads such text by pip's rules (what is a URL, where markers start, what is a
  path: relative paths are relative to the working directory, as pip has them even inside requirement
  files). It returns None for a plain named requirement.
- :func:`read_checkout` reads a local folder: ``mmpose/version.py`` as text (parsed with :mod:`ast`,
  never imported or run) and, when the folder is the top of a git checkout, its exact tag and commit
  (``git`` run as an argument list with a timeout; no git is fine).
- :func:`identify` says which release or branch tip the matrix knows it as: a tag or a branch the
  matrix knows, a commit it records for a release (full, or abbreviated to 7 or more hex digits), or for
  a checkout its commit, tag, then the version its ``version.py`` states. Anything else cannot be told:
  the :class:`Reading` says why, and names the nearest release as a guess when something in the
  reference names a version.

Limits: a branch is judged as the tip the matrix recorded, not as it is today, and a branch of another
repository than the matrix's (a fork) is never taken for the upstream one. Only the matrix's
repository address is compared (``github.com/open-mmlab/mmpose``); tags and commits are trusted from any
host, since a fork's ``v0.28.0`` tag is a copy of the upstream one.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from typing import Any, Dict, Iterable, List, Literal, Optional, Tuple
from urllib.parse import SplitResult, unquote, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from ..data.models import Matrix, PackageTable, Release
from ..data.record import Record
from ..errors import SHOWN, BadInput, shown

__all__ = ["Checkout", "Reading", "Reference", "identify", "parse_reference", "read_checkout", "understand"]

#: Seconds each ``git`` call may take.
GIT_TIMEOUT = 10.0
#: What a URL says a revision is: a tag (``refs/tags/...``), a branch (``refs/heads/...``), or either.
RefKind = Literal["tag", "branch", ""]
_REF_KINDS: Dict[str, RefKind] = {"tags": "tag", "heads": "branch"}
_VCS = ("git", "hg", "svn", "bzr")
_URL_SCHEMES = ("http", "https", "file", "ftp")
_ARCHIVES = (".zip", ".whl", ".tar.bz2", ".tbz", ".tar.gz", ".tgz", ".tar", ".tar.xz", ".txz", ".tlz", ".tar.lz",
             ".tar.lzma")
_HEX = re.compile(r"^[0-9a-fA-F]{7,40}$")
_EXTRAS = re.compile(r"^(.+)\[[^\]]*\]$", re.S)
_VERSION_IN_REF = re.compile(r"^(?:[A-Za-z][A-Za-z0-9_.]*-)?[vV]?([0-9]+(?:\.[0-9]+)+[A-Za-z0-9.+!-]*)$")
# github.com/OWNER/REPO/archive/[refs/(tags|heads)/]REF.EXT, codeload.github.com/OWNER/REPO/EXT/[refs/...]REF,
# gitlab.com/GROUP/REPO/-/archive/REF/FILE
_GITHUB_ARCHIVE = re.compile(r"^/([^/]+)/([^/]+)/archive/(?:refs/(tags|heads)/)?(.+?)(\.zip|\.tar\.gz|\.tgz|\.tar)$")
_CODELOAD = re.compile(r"^/([^/]+)/([^/]+)/(?:legacy\.)?(?:zip|tar\.gz|tar)/(?:refs/(tags|heads)/)?(.+)$")
_GITLAB_ARCHIVE = re.compile(r"^/(.+?)/-/archive/([^/]+)/[^/]+$")
_PROJECT_SECTION = re.compile(r"^\[project\][ \t]*$(.*?)(?=^\[|\Z)", re.M | re.S)
_TOML_NAME = re.compile(r"""^name\s*=\s*["']([A-Za-z0-9][A-Za-z0-9._-]*)["']""", re.M)
_CFG_SECTION = re.compile(r"^\[metadata\][ \t]*$(.*?)(?=^\[|\Z)", re.M | re.S)
_CFG_NAME = re.compile(r"^name\s*=\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*$", re.M)
_SETUP_NAME = re.compile(r"""\bname\s*=\s*(['"])([A-Za-z0-9][A-Za-z0-9._-]*)\1\s*[,)\n]""")
_VERSION_ASSIGN = re.compile(r"""^__version__\s*(?::[^=]*)?=\s*(['"])([^'"]+)\1""", re.M)
_READ_LIMIT = 1 << 20


def _cut(text: str, limit: int = SHOWN // 2) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Reference(Record):
    """A requirement that names where to install from rather than a version.

    ``name``: the canonical distribution name when the text or the folder says it (``name @ URL``,
    ``#egg=``, a wheel or sdist file name, a project file's static name), else empty. ``url`` is what pip
    fetches (empty for a local path); ``path`` the absolute local folder or file (empty for a remote
    URL). ``repository``: ``host/owner/name`` of a VCS or forge archive URL, lower-case, without ``.git``.
    ``ref``: the revision it names; ``ref_kind``: ``tag`` or ``branch`` when the URL says which
    (``refs/tags/...``), else empty. ``file_version``: the version in a wheel or sdist file name.
    """

    text: str
    name: str = ""
    url: str = ""
    path: str = ""
    editable: bool = False
    vcs: str = ""
    repository: str = ""
    ref: str = ""
    ref_kind: RefKind = ""
    file_version: str = ""
    marker: Optional[Marker] = None

    @property
    def shown(self) -> str:
        """How the plan shows it: ``@ URL``, ``@ /abs/path``, or ``-e ...`` for an editable one."""
        return ("-e " if self.editable else "@ ") + (self.url or self.path)

    @property
    def is_folder(self) -> bool:
        """A local folder (pip builds it in place)."""
        return bool(self.path) and os.path.isdir(self.path)


class Checkout(Record):
    """What a local folder says about itself, read as text.

    ``package``: the import package whose ``version.py`` was found (``mmpose``), ``version`` the
    ``__version__`` it states (both empty when none). ``tag``/``commit``: the exact tag and the commit at
    HEAD when the folder is the top of a git checkout; ``git`` says why they are missing otherwise.
    """

    path: str
    package: str = ""
    version: str = ""
    version_file: str = ""
    tag: str = ""
    commit: str = ""
    git: str = ""

    def describe(self) -> str:
        """``mmpose/version.py says 0.28.0; git tag v0.28.0 at 5123a2a7e794``."""
        parts = []
        if self.version_file:
            relative = os.path.relpath(self.version_file, self.path)
            parts.append(f"{relative} says {self.version}" if self.version else f"{relative} states no __version__")
        if self.commit:
            parts.append(f"git tag {self.tag} at {self.commit[:12]}" if self.tag
                         else f"git commit {self.commit[:12]}, no tag")
        elif self.git:
            parts.append(self.git)
        return "; ".join(parts)


class Reading(Record):
    """What a :class:`Reference` was understood to install.

    ``release``: the release or branch tip (``release.is_branch``) the matrix knows it as; ``version``:
    the version it installs when known (a release's, or for a distribution the matrix has no table for,
    a version tag's or file name's). ``how`` says what told it. When it cannot be told, ``why`` says why
    and ``guess`` is the nearest release, only ever a guess.
    """

    reference: Reference
    name: str
    release: Optional[Release] = None
    version: Optional[Version] = None
    how: str = ""
    why: str = ""
    guess: Optional[Release] = None
    guess_reason: str = ""
    checkout: Optional[Checkout] = None

    @property
    def summary(self) -> str:
        """What the plan says it is: ``release 0.28.0``, ``master branch tip, 0.29.0``, ``unknown; guessing
        0.29.0``, ``version 1.5.0``, ``version unknown``."""
        if self.release is not None:
            if self.release.is_branch:
                return f"{self.release.key} branch tip, {self.release.version}"
            return f"release {self.release.key}"
        if self.why:
            return f"unknown; guessing {_label(self.guess)}" if self.guess is not None else "unknown"
        return f"version {self.version}" if self.version is not None else "version unknown"

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready: what was written, what was read from it, and what it was understood as."""
        reference = self.reference
        checkout = self.checkout
        return {
            "name": self.name or None,
            "reference": ("-e " if reference.editable else "") + reference.text.strip(),
            "url": reference.url or None,
            "path": reference.path or None,
            "editable": reference.editable,
            "ref": reference.ref or None,
            "release": None if self.release is None else self.release.key,
            "branch": self.release is not None and self.release.is_branch,
            "version": None if self.version is None else str(self.version),
            "how": self.how or None,
            "unknown": self.why or None,
            "guess": None if self.guess is None else self.guess.key,
            "checkout": None if checkout is None else {
                "version": checkout.version or None, "version_file": checkout.version_file or None,
                "tag": checkout.tag or None, "commit": checkout.commit or None, "git": checkout.git or None,
            },
        }


def _label(release: Optional[Release]) -> str:
    if release is None:
        return ""
    return f"the {release.key} branch tip ({release.version})" if release.is_branch else release.key


# ---- parsing ----------------------------------------------------------------------------------------


def _scheme(text: str) -> str:
    return text.split(":", 1)[0].lower() if ":" in text else ""


def _is_url(text: str) -> bool:
    scheme = _scheme(text)
    return scheme in _URL_SCHEMES or ("+" in scheme and scheme.split("+", 1)[0] in _VCS)


def _looks_like_path(text: str) -> bool:
    return os.sep in text or bool(os.altsep and os.altsep in text) or text.startswith(".")


def _is_archive(path: str) -> bool:
    return path.lower().endswith(_ARCHIVES)


def _without_extras(text: str) -> str:
    """``./mmpose`` for ``./mmpose[all]``, as pip strips extras from a path or an egg name."""
    match = _EXTRAS.match(text)
    return match.group(1) if match else text


def _read_text(path: str) -> str:
    from ..probe import read_regular

    try:
        return read_regular(path, limit=_READ_LIMIT).decode("utf-8", "replace")
    except OSError:  # missing, not a regular file (a FIFO would block) or larger than the limit
        return ""


def _project_name(folder: str) -> str:
    """The static distribution name in a project's pyproject.toml, setup.cfg or setup.py, else empty."""
    section = _PROJECT_SECTION.search(_read_text(os.path.join(folder, "pyproject.toml")))
    found = _TOML_NAME.search(section.group(1)) if section else None
    if found is None:
        section = _CFG_SECTION.search(_read_text(os.path.join(folder, "setup.cfg")))
        found = _CFG_NAME.search(section.group(1)) if section else None
    if found is not None:
        return canonicalize_name(found.group(1))
    setup = _SETUP_NAME.search(_read_text(os.path.join(folder, "setup.py")))
    return canonicalize_name(setup.group(2)) if setup else ""


def _file_name_version(filename: str) -> Tuple[str, str]:
    """(name, version) from a wheel or sdist file name, else ("", "")."""
    try:
        if filename.lower().endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except ValueError:  # InvalidWheelFilename, InvalidSdistFilename
        return "", ""
    return str(name), str(version)


def _repository(netloc: str, path: str) -> str:
    host = netloc.rsplit("@", 1)[-1].lower()
    path = path.strip("/")
    if path.lower().endswith(".git"):
        path = path[:-4]
    return f"{host}/{path.lower()}" if host else path.lower()


def _normalize_repository(url: str) -> str:
    """``github.com/open-mmlab/mmpose`` for ``https://github.com/open-mmlab/mmpose(.git)``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return _repository(parts.netloc, parts.path)


def _local(text: str, path: str, *, name: str, editable: bool, marker: Optional[Marker]) -> Reference:
    """A local folder or archive file; raise :class:`BadInput` where pip would refuse it."""
    if os.path.isdir(path):
        if not (os.path.isfile(os.path.join(path, "setup.py")) or os.path.isfile(os.path.join(path, "pyproject.toml"))):
            raise BadInput(f"cannot install the folder {shown(text)}: it has neither setup.py nor pyproject.toml",
                           value=text)
        return Reference(text, name=name or _project_name(path), path=path, editable=editable, marker=marker)
    if os.path.isfile(path) and _is_archive(path) and not editable:
        file_name, version = _file_name_version(os.path.basename(path))
        return Reference(text, name=name or file_name, path=path, file_version=version, marker=marker)
    if os.path.isfile(path):
        what = "-e needs a folder" if editable else "not a folder or a wheel or sdist archive"
        raise BadInput(f"cannot install {shown(text)}: {what}", value=text)
    raise BadInput(f"not a requirement: {shown(text)} (it looks like a path, and no such file or folder exists: "
                   f"{_cut(path, SHOWN)})", value=text)


def _split(url: str, text: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as e:  # "Invalid IPv6 URL" and the like
        raise BadInput(f"not a requirement: {shown(text)} (not a URL pip can read: {e})", value=text) from None


def _from_url(text: str, url: str, *, name: str, editable: bool, marker: Optional[Marker], cwd: str) -> Reference:
    scheme = _scheme(url)
    parts = _split(url, text)
    fragment = dict(p.partition("=")[::2] for p in parts.fragment.split("&") if p)
    egg = fragment.get("egg", "")
    if egg:
        egg = canonicalize_name(_without_extras(egg))
    name = name or egg
    if scheme == "file":
        path = unquote(parts.path)
        return _local(text, os.path.normpath(os.path.join(cwd, path)), name=name, editable=editable, marker=marker)
    if "+" in scheme:
        vcs, _, inner = url.partition("+")
        inner_parts = _split(inner, text)
        path, ref = inner_parts.path, ""
        if "@" in path:
            path, ref = path.rsplit("@", 1)
        return Reference(text, name=name, url=url, editable=editable, vcs=vcs.lower(), marker=marker,
                         repository=_repository(inner_parts.netloc, path), ref=unquote(ref))
    if editable:
        raise BadInput(f"cannot install {shown(text)} as editable: -e needs a local folder or a VCS URL "
                       "(git+https://...)", value=text)
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    path = unquote(parts.path)
    owner_repo_ref: Optional[Tuple[str, str, str, str]] = None
    if host in ("github.com", "www.github.com"):
        match = _GITHUB_ARCHIVE.match(path)
        if match:
            owner_repo_ref = (match.group(1), match.group(2), match.group(3) or "", match.group(4))
    elif host == "codeload.github.com":
        match = _CODELOAD.match(path)
        if match:
            owner_repo_ref = (match.group(1), match.group(2), match.group(3) or "", match.group(4))
    if owner_repo_ref is not None:
        owner, repo, kind, ref = owner_repo_ref
        return Reference(text, name=name, url=url, marker=marker, repository=f"github.com/{owner}/{repo}".lower(),
                         ref=ref, ref_kind=_REF_KINDS.get(kind, ""))
    gitlab = _GITLAB_ARCHIVE.match(path) if host else None
    if gitlab:
        return Reference(text, name=name, url=url, marker=marker, repository=f"{host}/{gitlab.group(1)}".lower(),
                         ref=gitlab.group(2))
    file_name, version = _file_name_version(path.rsplit("/", 1)[-1])
    return Reference(text, name=name or file_name, url=url, marker=marker, file_version=version)


def parse_reference(text: str, *, editable: bool = False, cwd: Optional[str] = None) -> Optional[Reference]:
    """The direct reference ``text`` is, read by pip's rules; None for a named requirement
    (``mmpose==0.28.0``) or for text that is no requirement at all (the caller reports it).

    ``editable``: the text followed ``-e``/``--editable`` (a local folder or a VCS URL). ``cwd``: what
    relative paths are relative to (default the working directory). Raises :class:`BadInput` where pip
    would refuse the reference: a path to nothing, a folder without setup.py or pyproject.toml, an
    editable archive URL, ``name @ ./relative/path``.
    """
    base = cwd or os.getcwd()
    spec = text.strip()
    marker: Optional[Marker] = None
    if not editable:
        separator = "; " if _is_url(spec) else ";"
        if separator in spec:
            spec, marker_text = spec.split(separator, 1)
            spec = spec.strip()
            if marker_text.strip():
                try:
                    marker = Marker(marker_text.strip())
                except InvalidMarker as e:
                    if not (_is_url(spec) or _looks_like_path(spec)):
                        return None  # a named requirement with a bad marker: the caller reports it
                    raise BadInput(f"not a requirement: {shown(text)} (bad marker: "
                                   f"{str(e).strip().splitlines()[0] if str(e).strip() else 'unparseable'})",
                                   value=text) from None
    if _is_url(spec):
        return _from_url(text, spec, name="", editable=editable, marker=marker, cwd=base)
    without_extras = _without_extras(spec)
    path = os.path.normpath(os.path.join(base, without_extras)) if without_extras else ""
    if editable:
        if not spec:
            raise BadInput("-e needs a local folder or a VCS URL after it", value=text)
        if not os.path.exists(path):
            raise BadInput(f"cannot install -e {shown(text)}: no such folder ({_cut(path, SHOWN)}); -e needs a local "
                           "folder or a VCS URL (git+https://...)", value=text)
        return _local(text, path, name="", editable=True, marker=None)
    if spec and _looks_like_path(spec) and os.path.isdir(path):
        return _local(text, path, name="", editable=False, marker=marker)
    if spec and _is_archive(path) and os.path.isfile(path):
        return _local(text, path, name="", editable=False, marker=marker)
    try:
        requirement = Requirement(spec)
    except InvalidRequirement:
        if spec and _looks_like_path(spec) and "@" not in spec:
            return _local(text, path, name="", editable=False, marker=marker)  # raises: nothing is there
        return None
    if not requirement.url:
        return None
    name = canonicalize_name(requirement.name)
    if not _is_url(requirement.url):
        raise BadInput(f"not a requirement: {shown(text)} (after '@' pip needs a URL; write a local folder on its "
                       "own, ./folder, or as file:///absolute/path)", value=text)
    return _from_url(text, requirement.url, name=name, editable=False, marker=marker or requirement.marker, cwd=base)


# ---- reading a local folder -------------------------------------------------------------------------


def _module_version(path: str) -> str:
    """``__version__`` as a ``version.py`` states it, read with :mod:`ast` (never imported)."""
    text = _read_text(path)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        found = _VERSION_ASSIGN.search(text)
        return found.group(2) if found else ""
    for node in tree.body:
        targets: List[ast.expr] = []
        value: Optional[ast.expr] = None
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        named = any(isinstance(t, ast.Name) and t.id == "__version__" for t in targets)
        if named and isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return ""


def _git(git: str, path: str, *args: str, timeout: float) -> Tuple[bool, str]:
    """(ok, first line of stdout, or of stderr when it failed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # GIT_DIR & co. would override -C
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_OPTIONAL_LOCKS"] = "0"
    try:
        done = subprocess.run([git, "-c", "core.fsmonitor=false", "-C", path, *args], capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=timeout, check=False, env=env)
    except FileNotFoundError:
        return False, "git is not installed"
    except subprocess.TimeoutExpired:
        return False, f"git {args[0]} took longer than {timeout:g} s"
    except OSError as e:
        return False, f"cannot run git: {e.strerror or e}"
    stream = done.stdout if done.returncode == 0 else done.stderr
    lines = stream.decode("utf-8", "replace").strip().splitlines()
    return done.returncode == 0, (lines[0].strip() if lines else "")


def read_checkout(path: str, packages: Iterable[str] = ("mmpose",), *, git: str = "git",
                  timeout: float = GIT_TIMEOUT) -> Checkout:
    """What the local folder ``path`` says about itself: the first of ``packages`` whose
    ``PACKAGE/version.py`` it has, that file's ``__version__`` (read as text), and, when ``path`` is the
    top of a git checkout, ``git describe --tags --exact-match`` and ``git rev-parse HEAD``."""
    folder = os.path.abspath(path)
    package = version = version_file = ""
    for name in packages:
        candidate = os.path.join(folder, name.replace("-", "_"), "version.py")
        if os.path.isfile(candidate):
            package, version_file, version = name, candidate, _module_version(candidate)
            break
    ok, top = _git(git, folder, "rev-parse", "--show-toplevel", timeout=timeout)
    if not ok:
        problem = "not a git checkout" if "not a git repository" in top else (top or "git rev-parse failed")
        return Checkout(folder, package, version, version_file, git=problem)
    if os.path.realpath(top) != os.path.realpath(folder):
        return Checkout(folder, package, version, version_file, git=f"not a git checkout of its own (inside {top})")
    ok, commit = _git(git, folder, "rev-parse", "--verify", "HEAD", timeout=timeout)
    if not ok:
        return Checkout(folder, package, version, version_file, git="a git checkout without commits")
    ok, tag = _git(git, folder, "describe", "--tags", "--exact-match", "HEAD", timeout=timeout)
    return Checkout(folder, package, version, version_file, tag=tag if ok else "", commit=commit)


# ---- identifying -------------------------------------------------------------------------------------


def _version_in(text: str) -> Optional[Version]:
    """The version a tag-like name states (``v0.28.0``, ``mmpose-0.28.0``, ``1.0.0rc1``), else None."""
    match = _VERSION_IN_REF.match(text)
    if not match:
        return None
    try:
        return Version(match.group(1))
    except InvalidVersion:
        return None


def _tag_release(table: PackageTable, ref: str) -> Optional[Release]:
    tag = ref[len("refs/tags/"):] if ref.startswith("refs/tags/") else ref
    for release in table.releases:
        if tag in (release.ref, release.key, "v" + release.key):
            return release
    return None


def _commit_releases(table: PackageTable, commit: str) -> List[Release]:
    wanted = commit.lower()
    candidates = [*table.releases, *table.branches.values()]
    return [r for r in candidates if r.commit and r.commit.lower().startswith(wanted)]


def _nearest(table: PackageTable, version: Version) -> Optional[Release]:
    from ..answers.resolver import nearest_releases

    exact = table.release(version)
    if exact is not None:
        return exact
    for key in nearest_releases(table, version, count=1):
        for release in table.releases:
            if release.key == key:
                return release
    return None


def _newest_branch(table: PackageTable) -> Optional[Release]:
    branches = sorted(table.branches.values(), key=lambda r: r.version, reverse=True)
    return branches[0] if branches else None


def _unknown(start: Reading, why: str, guess: Optional[Release] = None, reason: str = "") -> Reading:
    return Reading(start.reference, start.name, why=why, guess=guess, guess_reason=reason if guess else "",
                   checkout=start.checkout)


def _guess_from_version(start: Reading, table: PackageTable, version: Optional[Version], why: str) -> Reading:
    if version is None:
        return _unknown(start, why + "; nothing in it names a version to guess from")
    guess = _nearest(table, version)
    return _unknown(start, why, guess=guess, reason=f"the known release nearest to {version}")


def _by_ref(start: Reading, table: PackageTable) -> Reading:
    reference = start.reference
    ref, kind = reference.ref, reference.ref_kind
    upstream = _normalize_repository(table.repository) if table.repository else ""
    if kind != "branch":
        release = _tag_release(table, ref)
        if release is not None:
            return Reading(reference, start.name, release=release, version=release.version, how=f"tag {ref}")
    if kind != "tag":
        name = ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else ref
        branch = table.branches.get(name)
        if branch is not None:
            if not reference.repository or not upstream or reference.repository == upstream:
                return Reading(reference, start.name, release=branch, version=branch.version,
                               how=f"branch {name}, whose tip the matrix recorded at {branch.commit[:12]}")
            return _unknown(start, f"names branch {name} of {_cut(reference.repository)}, not of {upstream}",
                            guess=branch, reason="the upstream branch of that name")
    if _HEX.match(ref):
        matches = _commit_releases(table, ref)
        if len({r.commit.lower() for r in matches}) == 1:  # a release and a branch tip may share one
            found = min(matches, key=lambda r: r.is_branch)
            what = f"the {found.key} branch tip" if found.is_branch else f"release {found.key}"
            return Reading(reference, start.name, release=found, version=found.version,
                           how=f"commit {ref[:12]}, which the matrix records for {what}")
        if len(matches) > 1:
            return _unknown(start, f"names commit {_cut(ref)}, which abbreviates the commits of "
                                   f"{', '.join(r.key for r in matches)}; give more digits")
    what = {"tag": "tag ", "branch": "branch "}.get(kind, "")
    return _guess_from_version(
        start, table, _version_in(ref),
        f"names {what}{_cut(ref)}, which is no release tag, branch or release commit the matrix records")


def _by_checkout(start: Reading, table: PackageTable, checkout: Checkout) -> Reading:
    """A local folder: its commit when the matrix records it (for a release, then for a branch tip),
    then its exact tag, then the version its version.py states."""
    how = checkout.describe()

    def told(release: Release, by: str) -> Reading:
        return Reading(start.reference, start.name, release=release, version=release.version,
                       how=f"{how} ({by})" if by else how, checkout=checkout)

    recorded = [r for r in _commit_releases(table, checkout.commit) if len(r.commit) == len(checkout.commit)]
    if recorded:
        release = min(recorded, key=lambda r: r.is_branch)
        what = f"the {release.key} branch tip" if release.is_branch else f"release {release.key}"
        return told(release, f"the commit the matrix records for {what}")
    tagged = _tag_release(table, checkout.tag) if checkout.tag else None
    if tagged is not None:
        return told(tagged, "")
    version_file = os.path.relpath(checkout.version_file, checkout.path) if checkout.version_file else ""
    if not checkout.version:
        missing = (f"has a {version_file} that states no __version__" if version_file
                   else f"has no {table.name.replace('-', '_')}/version.py")
        return _unknown(start, missing + (f" ({how})" if how else ""))
    try:
        version = Version(checkout.version)
    except InvalidVersion:
        stated_text = shown(checkout.version, 100)
        return _unknown(start, f"has a {version_file} that says {stated_text}, which is not a version")
    stated = table.release(version)
    if stated is not None:
        return told(stated, "")
    return _unknown(start, f"is a checkout the matrix does not know: {how}", guess=_nearest(table, version),
                    reason=f"the known release nearest to {version}")


def _stated_version(reference: Reference, checkout: Optional[Checkout]) -> Tuple[Optional[Version], str]:
    """For a distribution the matrix has no table for: the version a file name, a version tag or a
    checkout's version.py states, and what stated it."""
    if reference.file_version:
        return Version(reference.file_version), "its file name"
    if reference.ref and reference.ref_kind != "branch" and not _HEX.match(reference.ref):
        version = _version_in(reference.ref[len("refs/tags/"):] if reference.ref.startswith("refs/tags/")
                              else reference.ref)
        if version is not None:
            return version, f"tag {reference.ref}"
    if checkout is not None and checkout.version:
        try:
            return Version(checkout.version), checkout.describe()
        except InvalidVersion:
            pass
    return None, ""


def identify(matrix: Matrix, reference: Reference, checkout: Optional[Checkout] = None) -> Reading:
    """Which release (or branch tip) ``reference`` installs, as the matrix knows it; see the module
    docstring for the rules. ``checkout``: what :func:`read_checkout` read from a local folder."""
    name = reference.name
    if not name and reference.repository:
        for package, table in matrix.packages.items():
            if table.repository and _normalize_repository(table.repository) == reference.repository:
                name = package
    if not name and checkout is not None:
        name = checkout.package
    start = Reading(reference, name, checkout=checkout)
    if not name:
        return start
    found = matrix.package(name)
    if found is None:
        version, how = _stated_version(reference, checkout)
        return Reading(reference, name, version=version, how=how, checkout=checkout)
    table = found
    if checkout is not None:
        return _by_checkout(start, table, checkout)
    if reference.path and not reference.file_version:
        return _unknown(start, "is a local file whose version its name does not state")
    if reference.file_version:
        version = Version(reference.file_version)
        release = table.release(version)
        if release is not None:
            return Reading(reference, name, release=release, version=version, how="its file name")
        return _guess_from_version(start, table, version,
                                   f"is a file of version {version}, which the matrix does not know")
    if reference.ref:
        return _by_ref(start, table)
    if reference.vcs:
        branch = _newest_branch(table)
        return _unknown(start, "names no revision (pip installs the repository's default branch)", guess=branch,
                        reason="the newest branch tip the matrix records")
    return _unknown(start, "is a URL that names no tag, branch or commit the matrix records")


def understand(matrix: Matrix, reference: Reference, *, git: str = "git") -> Reading:
    """:func:`identify`, after reading a local folder with :func:`read_checkout`."""
    checkout = None
    if reference.is_folder:
        packages = [reference.name] if reference.name else list(matrix.packages)
        checkout = read_checkout(reference.path, packages, git=git)
    return identify(matrix, reference, checkout)
