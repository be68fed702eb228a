"""From harvested releases and FAQ tables to the matrix's data: the ``[<package>]`` table, the whole
file as ``harvest --write`` writes it (:data:`HEADER` on top), and the merge of a new harvest into the
tables already there."""

from __future__ import annotations

from typing import Dict, Mapping, Sequence

from packaging.utils import canonicalize_name
from packaging.version import Version

from ..data.ranges import Range
from .docs import DocTable
from .records import HarvestedRelease

__all__ = [
    "FIND_LINKS",
    "HEADER",
    "MODULE_DISTRIBUTIONS",
    "OPTIONAL_DISTRIBUTIONS",
    "assemble_package",
    "build_matrix",
    "distribution_of",
    "merge_matrix",
]


#: Installer entries mmpose imports only for some features (detection demos, tracking): not needed by
#: a plain ``import mmpose``, so ``resolve`` lists them in its JSON but not as requirements. A release
#: whose ``__init__.py`` asserts one (mmocr, mmrotate, mmyolo, mmtrack assert mmdet) needs it.
OPTIONAL_DISTRIBUTIONS = frozenset({"mmdet", "mmtrack"})
#: Import packages whose distribution is named otherwise, as their own ``setup.py`` names them
#: (open-mmlab/mmsegmentation and open-mmlab/mmaction2 ``setup(name=...)``): an assert on ``mmseg`` is a
#: bound on the distribution mmsegmentation. A harvested package table records its own name
#: (``distribution``); tests/test_harvest.py checks this table against those.
MODULE_DISTRIBUTIONS: Mapping[str, str] = {"mmseg": "mmsegmentation", "mmaction": "mmaction2"}


def distribution_of(package: str, harvested: Sequence[HarvestedRelease]) -> str:
    """The distribution name the newest harvested release gives itself (its ``setup.py`` or metadata),
    else :data:`MODULE_DISTRIBUTIONS`, else ``package``: the matrix's key for the package's table."""
    named = [h.distribution for h in sorted(harvested, key=lambda h: Version(h.version), reverse=True)
             if h.distribution and not h.is_branch]
    return canonicalize_name(named[0]) if named else MODULE_DISTRIBUTIONS.get(package, package)


def _distribution(module: str, installer: Mapping[str, str], spec: str) -> str:
    """The distribution that provides ``module`` for this release (``mmcv`` -> mmcv-full for 0.x)."""
    if module != "mmcv":
        return MODULE_DISTRIBUTIONS.get(module, module)
    if "mmcv-full" in installer:
        return "mmcv-full"
    if "mmcv" in installer:
        return "mmcv"
    lower = Range.parse(spec).lower
    return "mmcv-full" if lower is not None and lower.version.major < 2 else "mmcv"


_ORDER = ("mmcv-full", "mmcv", "mmengine")


def assemble_package(
    package: str,
    repository: str,
    harvested: Sequence[HarvestedRelease],
    docs: Sequence[DocTable],
) -> Dict[str, object]:
    """Build the matrix table of ``package`` (the TOML shape of ``docs/matrix.md``) from harvested refs
    and FAQ tables; a row of an earlier table wins over a later one. A ref that names itself another
    distribution than the newest release does (a fork's repository keeps upstream's tags) is left out."""
    releases: Dict[str, object] = {}
    branches: Dict[str, object] = {}
    named = distribution_of(package, harvested)
    harvested = [h for h in harvested if not h.distribution or canonicalize_name(h.distribution) == named]
    for item in sorted(harvested, key=lambda h: (h.is_branch, Version(h.version), h.key), reverse=True):
        deps: Dict[str, Dict[str, object]] = {}
        for check in item.enforced:
            fact: Dict[str, object] = {"spec": check.spec, "source": item.sources["enforced"]}
            if check.compare:
                fact["compare"] = check.compare
            if check.messages:
                fact["messages"] = list(check.messages)
            doubts = []
            if check.guarded:
                doubts.append(f"asserted only {check.guarded} of {package}/__init__.py")
            if any("{?}" in m for m in check.messages):
                doubts.append("the assertion message has a part that is not a version or a bound")
            if doubts:
                fact["uncertain"] = "; ".join(doubts)
            deps.setdefault(_distribution(check.module, item.installer, check.spec), {})["enforced"] = fact
        for name, spec in item.installer.items():
            deps.setdefault(name, {})["installer"] = {"spec": spec, "source": item.sources["installer"]}
        imported = {i.module: i for i in item.imports if i.module in OPTIONAL_DISTRIBUTIONS}
        for name in imported:
            deps.setdefault(name, {})
        documented = next((doc for doc in docs if item.key in doc.rows), None)
        if documented is not None:
            for name, spec in documented.rows[item.key].items():
                # a FAQ names modules as asserts do: mmcv is mmcv-full for 0.x (mmcls's table), mmseg mmsegmentation
                name = _distribution(name, item.installer, spec)
                deps.setdefault(name, {})["documented"] = {"spec": spec, "source": documented.source}
        # a FAQ row refused (a cell that is no requirement list) is said, unless another FAQ gives the row
        refused = [] if documented is not None else [f"its FAQ row is left out: {doc.source} {doc.refused[item.key]}"
                                                      for doc in docs if item.key in doc.refused][:1]
        table: Dict[str, object] = {"ref": item.ref, "commit": item.commit}
        if item.is_branch:
            table["version"] = item.version
        if not deps:
            table["note"] = (
                f"{package}/__init__.py at {item.ref} asserts no version, "
                "there is no requirements/mminstall.txt and no FAQ row"
            )
        elif not item.enforced:
            known = [what for what, present in (("what its installer requires", item.installer),
                                                ("its FAQ row", documented is not None)) if present]
            table["note"] = (f"{package}/__init__.py at {item.ref} asserts no version: what it needs is known "
                             f"only from {' and '.join(known) or 'what it imports'}")
        problems = [*item.problems, *refused]
        if problems:
            table["note"] = "; ".join([*([str(table["note"])] if "note" in table else []), *problems])
        ordered = sorted(deps, key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n))
        for name in ordered:
            dep: Dict[str, object] = {
                source: deps[name][source] for source in ("documented", "enforced", "installer") if source in deps[name]
            }
            if ((name in OPTIONAL_DISTRIBUTIONS and "enforced" not in dep)  # asserted at import: needed
                    or (set(dep) == {"documented"} and name not in _ORDER)):  # a FAQ column alone (mmseg's mmcls)
                dep = {"optional": True, **dep}
            if name in imported:  # needed at import, whatever the metadata says
                found = imported[name]
                where = item.ref if not item.is_branch else item.commit
                dep["imported"] = {"module": found.imported, "path": found.path, "line": found.line,
                                   "source": f"{repository}/blob/{where}/{found.path}#L{found.line}"}
            table[name] = dep
        (branches if item.is_branch else releases)[item.key] = table
    result: Dict[str, object] = {"repository": repository}
    if named != package:
        result["module"] = package
    result["releases"] = releases
    if branches:
        result["branches"] = branches
    return result


# OpenMMLab's prebuilt-wheel index, as mmcv's own installation docs spell it for each line (read by hand:
# these pages are documentation, not files a harvester can parse).
FIND_LINKS: Dict[str, object] = {
    "url": "https://download.openmmlab.com/mmcv/dist/{cuda}/{torch}/index.html",
    "mmcv-full": {
        "torch": "torch{major}.{minor}.0",
        "source": "https://github.com/open-mmlab/mmcv/blob/v1.4.2/docs/zh_cn/get_started/previous_versions.md",
    },
    "mmcv": {
        "torch": "torch{major}.{minor}",
        "source": "https://github.com/open-mmlab/mmcv/blob/058a3e8c35586d40d3dadbc7256481f9ab02a660/"
        "docs/en/get_started/installation.md",
    },
}
HEADER = (
    "The compatibility matrix of mmcompat. Generated: do not edit by hand; see docs/matrix.md.\n"
    "Regenerate with: mmcompat harvest --repo PATH-TO-open-mmlab/mmpose --write"
)


def build_matrix(package: str, url: str, harvested: Sequence[HarvestedRelease], docs: Sequence[DocTable],
                 generated: str) -> Dict[str, object]:
    """The whole matrix file's data, as ``mmcompat harvest --write`` writes it."""
    from ..data.matrix import SCHEMA_VERSION

    return {
        "schema": SCHEMA_VERSION,
        "generated": generated,
        "generator": "mmcompat harvest",
        "sources": {
            "documented": "FAQ compatibility tables: " + "; ".join(d.source for d in docs),
            "enforced": f"the version assertions in {package}/__init__.py of each tag, parsed with ast",
            "installer": "requirements/mminstall.txt of each tag (what OpenMMLab's mim installs)",
        },
        "find_links": FIND_LINKS,
        distribution_of(package, harvested): assemble_package(package, url, harvested, docs),
    }


_TOP_ORDER = ("schema", "generated", "generator", "sources", "find_links", "wheels", "numpy_abi", "build", "nvidia",
              "torch", "providers")
#: Facts about an mmcv line that no harvested file states (read off observed wheel files, by hand,
#: each with its source): kept when the version picker's rows are harvested again.
_KEPT_WHEEL_KEYS = ("python", "observed")


def merge_matrix(old: Mapping[str, object], parts: Mapping[str, object]) -> Dict[str, object]:
    """``old`` with the top-level tables in ``parts`` replaced, in one stable order; the recorded
    ``python`` rule and ``observed`` rows of each ``[wheels]`` line survive a new harvest of the picker."""
    merged = dict(old)
    merged.update(parts)
    old_wheels, new_wheels = old.get("wheels"), parts.get("wheels")
    if isinstance(old_wheels, dict) and isinstance(new_wheels, dict):
        kept: Dict[str, object] = {}
        for line, table in new_wheels.items():
            previous = old_wheels.get(line)
            table = dict(table) if isinstance(table, dict) else table
            if isinstance(previous, dict) and isinstance(table, dict):
                for key in _KEPT_WHEEL_KEYS:
                    if key in previous and key not in table:
                        table[key] = previous[key]
            kept[line] = table
        merged["wheels"] = kept
    ordered: Dict[str, object] = {k: merged[k] for k in _TOP_ORDER if k in merged}
    for key in ("mmpose", *tuple(sorted(k for k in merged if k not in _TOP_ORDER and k != "mmpose"))):
        if key in merged:
            ordered[key] = merged[key]
    return ordered
