"""One harvest, from what was asked to what to merge into the matrix and what to show.

:func:`run` picks the source (downloaded wheels and sdists, the registry for ``numpy-abi``, a clone of
open-mmlab/mmcv for ``mmcv``, else a clone of the package's upstream repository), fills in the defaults
(the upstream repository's name and URL, the branches, the FAQ pages) and returns a
:class:`HarvestResult`. It reads and returns data; writing the matrix is the caller's.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..data.record import Record
from ..errors import BadInput, CompatError
from ..errors import shown as quoted
from .assemble import assemble_package, build_matrix, distribution_of
from .dist import read_distribution
from .docs import DocTable, parse_faq_table
from .git import GitRepo, default_doc_refs, harvest_repo, read_doc_refs
from .numpy_abi import harvest_numpy_abi
from .wheels import harvest_wheel_builds

__all__ = [
    "DEFAULT_BRANCHES",
    "NUMPY_ABI",
    "PRIMARY",
    "TORCH",
    "UPSTREAM_NAMES",
    "HarvestResult",
    "faq_documents",
    "parse_faq_refs",
    "run",
    "summary",
    "upstream_url",
]

#: Upstream repositories named other than their import package.
UPSTREAM_NAMES: Mapping[str, str] = {"mmdet": "mmdetection", "mmtrack": "mmtracking"}
#: The package whose repository harvest writes the file's own tables (``generated``, ``[sources]``,
#: ``[find_links]``); any other package's harvest writes its own table only.
PRIMARY = "mmpose"
#: The development branches harvested beside the tags, those of them that exist.
DEFAULT_BRANCHES = ("master", "0.x", "main", "1.x")
#: The pseudo-package whose harvest reads the registry instead of a repository.
NUMPY_ABI = "numpy-abi"
#: The package whose harvest reads the registry and PyTorch's documents (``docs``) for ``[torch]``.
TORCH = "torch"
#: The package whose repository gives the ``[wheels]`` table instead of a package table.
_MMCV = "mmcv"
_SOURCES = ("enforced", "installer", "documented")


class HarvestResult(Record):
    """What one harvest produced.

    ``parts`` are top-level tables of the matrix (``{package: table}``, the whole file's tables for a
    repository, ``wheels`` or ``numpy_abi``), ready for :func:`~.assemble.merge_matrix`; ``shown`` is
    what to show of them (:func:`summary` of a package table, else ``parts`` itself).
    """

    package: str
    parts: Mapping[str, object]
    shown: Mapping[str, object]


def upstream_url(package: str) -> str:
    """The upstream repository of ``package`` on GitHub (``mmdet`` -> ``.../open-mmlab/mmdetection``)."""
    return f"https://github.com/open-mmlab/{UPSTREAM_NAMES.get(package, package)}"


def parse_faq_refs(items: Sequence[str]) -> List[Tuple[str, str]]:
    """``REF:PATH`` texts as ``(ref, path)``; :class:`BadInput` for one without both parts."""
    refs = []
    for item in items:
        ref, sep, path = item.partition(":")
        if not sep or not ref or not path:
            raise BadInput(f"give --faq-ref as REF:PATH, got {item!r}", value=item)
        refs.append((ref, path))
    return refs


def summary(package: str, table: Mapping[str, object]) -> Dict[str, object]:
    """A package table as ``harvest`` shows it: per release or branch and distribution, the spec each
    source gives (None where it gives none)."""
    releases: Dict[str, object] = {}
    for group in ("releases", "branches"):
        rows = table.get(group, {})
        for key, release in (rows.items() if isinstance(rows, dict) else ()):
            releases[key] = {
                name: {source: _spec(dep, source) for source in _SOURCES}
                for name, dep in (release.items() if isinstance(release, dict) else ())
                if isinstance(dep, dict)
            }
    return {"package": package, "releases": releases}


def _spec(dependency: Mapping[str, object], source: str) -> object:
    fact = dependency.get(source)
    return fact.get("spec") if isinstance(fact, dict) else None


def run(
    *,
    package: str = "mmpose",
    repo: Optional[str] = None,
    dists: Sequence[str] = (),
    url: Optional[str] = None,
    branches: Optional[Sequence[str]] = None,
    faq_refs: Sequence[str] = (),
    docs: Sequence[Tuple[str, str]] = (),
) -> HarvestResult:
    """Harvest ``package`` from ``dists`` (wheels and sdists) or from the git clone at ``repo``; the
    ``numpy-abi`` package needs neither (it asks the registry), ``mmcv`` gives the ``[wheels]`` table.

    ``url`` is the upstream repository for provenance (default :func:`upstream_url`); ``branches`` are
    harvested beside the tags (default: those of :data:`DEFAULT_BRANCHES` that exist); ``faq_refs`` are
    ``REF:PATH`` FAQ pages, earlier ones winning (default :func:`~.git.default_doc_refs` for
    :data:`PRIMARY`, none for another package). ``docs`` are (file, the URL it was read from) pairs: for
    ``torch``, which reads the registry, PyTorch's documents that list CUDA variants (see
    :func:`torch_documents`); for a codebase, copies of FAQ pages with a compatibility table (for a
    repository too large to clone, beside its wheels), read after the ``faq_refs``.
    Raises :class:`BadInput` for a missing source, a path that is no folder or no git repository, or a
    bad ``REF:PATH``, and :class:`~compat.errors.CompatError` when a source cannot be read.
    """
    url = url or upstream_url(package)
    if docs and package in (NUMPY_ABI, _MMCV):
        raise BadInput(f"--doc {quoted(docs[0][0])} is read for --package {TORCH} or a codebase, not "
                       f"{quoted(package)}", value=docs[0][0])
    if package == TORCH and (repo or dists):
        raise BadInput(f"--package {TORCH} reads the registry and --doc files, not {quoted(repo or dists[0])}",
                       value=repo or dists[0])
    if repo and dists:
        raise BadInput("give a repository or distribution files, not both", value=repo)
    read_docs = faq_documents(docs) if package != TORCH else []  # bad files are refused before any work
    if dists:
        read = [read_distribution(path, package) for path in dists]
        table = assemble_package(package, url, read, read_docs)
        return HarvestResult(package=package, parts={distribution_of(package, read): table},
                             shown=summary(package, table))
    if package == NUMPY_ABI:  # no repository: the registry's upload times of binary wheels
        parts: Dict[str, object] = {"numpy_abi": harvest_numpy_abi()}
        return HarvestResult(package=package, parts=parts, shown=parts)
    if package == TORCH:  # no repository: the registry's files and PyTorch's documents
        from .torch import harvest_torch

        parts = {"torch": harvest_torch(**torch_documents(docs))}
        return HarvestResult(package=package, parts=parts, shown=parts)
    if not repo:
        raise BadInput(f"harvesting {package} needs a repository or distribution files", value=package)
    if not os.path.isdir(repo):
        raise BadInput(f"no repository at {repo!r}", value=repo)
    clone = GitRepo(repo)
    _, heads = clone.refs()
    if package == _MMCV:  # mmcv's own repository: which prebuilt wheels exist
        parts = {"wheels": harvest_wheel_builds(clone, url)}
        return HarvestResult(package=package, parts=parts, shown=parts)
    if branches is None:
        branches = [b for b in DEFAULT_BRANCHES if b in heads]
    refs = parse_faq_refs(faq_refs)
    # Another codebase's FAQ tables are not mmpose's shape (mmagic's names MMGeneration): read when asked.
    tables = read_doc_refs(clone, refs or (default_doc_refs(clone, package) if package == PRIMARY else []), url)
    harvested = harvest_repo(clone, package, branches=branches, url=url)
    head = heads.get("main") or heads.get("master") or ""
    branch = "main" if "main" in heads else "master"
    parts = build_matrix(package, url, harvested, [*tables, *read_docs],
                         f"open-mmlab/{package} {branch}@{head[:12]}")
    key = distribution_of(package, harvested)
    if package != PRIMARY:  # the file's own tables (generated, sources) describe the primary's harvest
        parts = {key: parts[key]}
    built = parts[key]
    shown = summary(package, built) if isinstance(built, dict) else parts
    return HarvestResult(package=package, parts=parts, shown=shown)


def _read_text(path: str) -> str:
    """A document given with ``--doc``, through the capped reader (no FIFO, device or huge file)."""
    from ..probe import read_regular

    try:
        return read_regular(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read {path!r}: {getattr(e, 'strerror', None) or e}", value=path) from None


def faq_documents(docs: Sequence[Tuple[str, str]]) -> List[DocTable]:
    """The FAQ compatibility tables of (file, the URL it was read from) pairs, in the order given;
    BadInput for a file that cannot be read or has no compatibility row."""
    tables = []
    for path, url in docs:
        table = parse_faq_table(_read_text(path), url)
        if not table.rows and not table.refused:
            raise BadInput(f"{path!r} has no compatibility table (a Markdown table with a row whose cells "
                           "require mmcv or mmcv-full)", value=path)
        tables.append(table)
    return tables


def torch_documents(docs: Sequence[Tuple[str, str]]) -> Dict[str, Any]:
    """:func:`~.torch.harvest_torch`'s documents from (file, URL) pairs: pytorch.github.io's
    previous-versions page (it states each release) and pytorch/pytorch's RELEASE.md (each minor), told
    apart by what they contain; the first of each kind is consulted first, any further ones after, in the
    order given. BadInput for a file that cannot be read or lists no CUDA variants."""
    from .torch import CudaTable, parse_previous_versions, parse_release_matrix

    found: Dict[str, Any] = {}
    extra: List[CudaTable] = []
    for path, url in docs:
        text = _read_text(path)
        table, kind = parse_previous_versions(text), "previous_versions"
        if not table:
            try:
                table, kind = parse_release_matrix(text), "release_md"
            except CompatError:
                table = {}
        if not table:
            raise BadInput(f"{path!r} lists no torch CUDA variants (give pytorch.github.io's "
                           "_get_started/previous-versions.md or pytorch/pytorch's RELEASE.md)", value=path)
        if kind not in found:
            found[kind], found[kind + "_source"] = text, url
        else:
            extra.append(CudaTable(table, url))
    if extra:
        found["cuda_tables"] = extra
    return found
