"""Read compatibility facts out of an upstream OpenMMLab git repository, without running any of it.

For every release tag and development branch: the bounds ``<package>/__init__.py`` asserts at import
(:mod:`.init_ast`) and ``requirements/mminstall.txt`` (:mod:`.docs`); and the FAQ pages at the refs asked
for, as :class:`~.docs.DocTable`.

Git runs as ``git -C REPO ...`` with an argument list; a bare mirror works as well as a checkout.
"""

from __future__ import annotations

import subprocess
from typing import Dict, List, Optional, Sequence, Tuple

from packaging.version import Version

from ..errors import BadInput, CompatError
from .docs import DocTable, parse_faq_table, parse_mminstall, parse_pyproject_installer, parse_version_file
from .imports import RequiredImport, required_imports
from .init_ast import parse_init, project_name, setup_name
from .records import HarvestedRelease, release_key

__all__ = ["GitRepo", "default_doc_refs", "harvest_repo", "read_doc_refs"]


class GitRepo:
    """Read-only access to a local git repository (bare or not) through the ``git`` command."""

    def __init__(self, path: str) -> None:
        self.path = path

    def _git(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                ["git", "-C", self.path, *args], capture_output=True, check=False, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise CompatError(f"cannot run git in {self.path}: {e}") from e

    def refs(self) -> Tuple[Dict[str, str], Dict[str, str]]:
        """({tag: commit}, {branch: commit}), tags peeled to their commits.

        Raises :class:`BadInput` when git cannot read ``path`` as a repository, :class:`CompatError` when
        git cannot be run.
        """
        done = self._git(
            "for-each-ref", "--format=%(refname)%00%(objectname)%00%(*objectname)", "refs/tags", "refs/heads"
        )
        if done.returncode != 0:  # the path given is not a repository git can read: bad input, as a missing one
            raise BadInput(f"not a git repository: {self.path}", value=self.path)
        tags, branches = {}, {}
        for line in done.stdout.decode("utf-8", "replace").splitlines():
            name, obj, peeled = line.split("\0")
            if name.startswith("refs/tags/"):
                tags[name[len("refs/tags/"):]] = peeled or obj
            elif name.startswith("refs/heads/"):
                branches[name[len("refs/heads/"):]] = obj
        return tags, branches

    def required_imports(self, commit: str, package: str) -> List[RequiredImport]:
        """:func:`~.imports.required_imports` of ``package`` at ``commit``, its files read through one
        ``git cat-file --batch`` (a release's import path is a few hundred files)."""
        try:
            process = subprocess.Popen(["git", "-C", self.path, "cat-file", "--batch"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as e:
            raise CompatError(f"cannot run git in {self.path}: {e}") from e
        assert process.stdin is not None and process.stdout is not None  # both are pipes
        stdin, stdout = process.stdin, process.stdout

        def read(path: str) -> Optional[str]:
            stdin.write(f"{commit}:{path}\n".encode())
            stdin.flush()
            header = stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                return None
            body = stdout.read(int(header[2]) + 1)[:-1]  # the body, then a newline
            return body.decode("utf-8", "replace")

        try:
            return required_imports(read, package)
        finally:
            stdin.close()
            stdout.close()
            process.wait(timeout=60)

    def read(self, commit: str, path: str) -> Optional[str]:
        """The text of ``path`` at ``commit``, or None when it does not exist there."""
        done = self._git("cat-file", "blob", f"{commit}:{path}")
        if done.returncode != 0:
            return None
        return done.stdout.decode("utf-8", "replace")


def harvest_repo(
    repo: GitRepo,
    package: str,
    *,
    branches: Sequence[str] = (),
    url: str = "",
) -> List[HarvestedRelease]:
    """Harvest every version tag of ``repo`` (and the named branches) for ``package``: its import-time
    version checks, ``requirements/mminstall.txt`` (else the installer extra of its ``pyproject.toml``, as
    onedl's forks write it), and the OpenMMLab packages its API imports
    unconditionally (:mod:`.imports`). A tag or branch without a ``<package>/`` folder holds another
    package (open-mmlab/mmpretrain's ``v0.25.0`` and ``master`` are mmcls's) and is left out.

    ``url`` is the upstream repository URL used in provenance (``URL/blob/REF/PATH``).
    """
    tags, heads = repo.refs()
    wanted: List[Tuple[str, str, str, bool]] = []
    for tag, commit in tags.items():
        key = release_key(tag)
        if key is not None:
            wanted.append((key, tag, commit, False))
    for branch in branches:
        if branch not in heads:
            raise BadInput(f"branch {branch!r} not in {repo.path}", value=branch)
        wanted.append((branch, branch, heads[branch], True))
    init_path = f"{package}/__init__.py"
    results = []
    for key, ref, commit, is_branch in wanted:
        where = ref if not is_branch else commit
        init_source = repo.read(commit, init_path)
        if init_source is None and repo.read(commit, f"{package}/version.py") is None:
            continue
        checks = parse_init(init_source, origin=f"{init_path}@{ref}") if init_source else ()
        installer_text = repo.read(commit, "requirements/mminstall.txt")
        installer: Dict[str, str] = {}
        problems: Tuple[str, ...] = ()
        installer_path = "requirements/mminstall.txt"
        pyproject = repo.read(commit, "pyproject.toml") or ""
        try:
            if installer_text is not None:
                installer = parse_mminstall(installer_text)
            elif pyproject:  # onedl's forks list what mim installs as an extra of their pyproject.toml
                extra, installer = parse_pyproject_installer(pyproject)
                installer_path = f"pyproject.toml (extra {extra!r})" if extra else installer_path
        except CompatError as e:  # upstream's own typo: said in the matrix, the other sources still read
            problems = (f"{installer_path.split(' ')[0]} at {ref} is left out: {str(e).splitlines()[0]}",)
        version = parse_version_file(repo.read(commit, f"{package}/version.py") or "") or key
        if is_branch and release_key(version) is None:
            continue  # a tip whose version.py states no literal version (onedl's read their metadata)
        try:
            Version(version)
        except ValueError:  # InvalidVersion: a branch named main with no version file, a version file saying 'abc'
            raise BadInput(f"cannot tell the {package} version of {'branch' if is_branch else 'tag'} {ref!r} in "
                           f"{repo.path}: {package}/version.py there gives no version ({version[:60]!r}); "
                           + ("name the branches to harvest with --branches" if is_branch else "it cannot be a row"),
                           value=ref) from None
        results.append(
            HarvestedRelease(
                key=key,
                ref=ref,
                commit=commit,
                version=version,
                is_branch=is_branch,
                enforced=checks,
                installer=installer,
                imports=tuple(repo.required_imports(commit, package)),
                sources={
                    "enforced": f"{url}/blob/{where}/{init_path}",
                    "installer": f"{url}/blob/{where}/{installer_path}",
                },
                distribution=setup_name(repo.read(commit, "setup.py") or "") or project_name(pyproject),
                problems=problems,
            )
        )
    if not results:  # an empty table would say nothing, and writing it would drop the package's rows
        raise BadInput(f"nothing to harvest for {package} in {repo.path}: no version tag or named branch there "
                       f"holds {package}/ with a literal version (another --package, or --branches BRANCH)",
                       value=repo.path)
    return results


def default_doc_refs(repo: GitRepo, package: str = "mmpose") -> List[Tuple[str, str]]:
    """The FAQ pages read by default: the 0.x table on ``master`` (docs/zh_cn, the FAQ seed), then the
    newest release tag's docs/en/faq.md (its 1.x table). Only those that exist."""
    tags, heads = repo.refs()
    refs: List[Tuple[str, str]] = []
    if "master" in heads and repo.read(heads["master"], "docs/zh_cn/faq.md") is not None:
        refs.append(("master", "docs/zh_cn/faq.md"))
    released = [(Version(k), t) for t, k in ((t, release_key(t)) for t in tags) if k is not None]
    if released:
        newest = max(released)[1]
        if repo.read(tags[newest], "docs/en/faq.md") is not None:
            refs.append((newest, "docs/en/faq.md"))
    return refs


def read_doc_refs(repo: GitRepo, refs: Sequence[Tuple[str, str]], url: str) -> List[DocTable]:
    """FAQ tables at ``(ref, path)``; provenance names a branch by its commit, a tag by its name."""
    tags, heads = repo.refs()
    docs = []
    for ref, path in refs:
        commit = heads.get(ref) or tags.get(ref) or ref
        text = repo.read(commit, path)
        if text is None:
            raise BadInput(f"{path} not found at {ref} in {repo.path}", value=f"{ref}:{path}")
        shown = heads.get(ref, ref)
        docs.append(parse_faq_table(text, f"{url}/blob/{shown}/{path}"))
    return docs
