"""Which releases accept a pinned distribution or release: ``mmcompat compatible NAME==VERSION``.

The same judgement as the stack resolver: a release's range for the distribution under the policy
(narrowed by its import check), its mmcv line, and what it and a named release say of each other
(mmdet 3.x needs mmcv 2.x, so no MMPose 0.x release accepts it). Branch tips are answered apart from
releases.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from ..data.matrix import load
from ..data.models import MMCV_LINES, Matrix, Release
from ..data.ranks import range_is_empty
from ..data.record import Record
from ..data.tables import lean_release, tables_for, typed_range
from ..errors import BadInput, UnknownRelease
from .release import combined_range, mmcv_line
from .resolver import DEFAULT_PACKAGE, check_policy, nearest_releases
from .search import agree

__all__ = ["Acceptance", "accepting", "accepting_everywhere", "compatible"]

#: The lite mmcv installs the same ``mmcv`` package without ops: releases judge it as ``mmcv``.
_SAME_MODULE = {"mmcv-lite": "mmcv"}


class Acceptance(Record):
    """The releases of ``package`` (newest first) and its branch tips that accept ``name==version``."""

    requirement: str
    name: str
    version: Version
    policy: str
    package: str
    releases: Tuple[Release, ...]
    branches: Tuple[Release, ...]


def _parse(requirement: str) -> Tuple[str, Version]:
    text = requirement.strip()
    shown = text[:200]
    try:
        parsed = Requirement(text)
    except InvalidRequirement:
        raise BadInput(f"not a requirement: {shown!r}; give NAME==VERSION, e.g. mmcv-full==1.6.0",
                       value=requirement) from None
    if parsed.marker is not None or parsed.extras or parsed.url:  # they would be dropped without a word
        raise BadInput(f"give only NAME==VERSION, e.g. mmcv-full==1.6.0 (no marker, extras or URL); got {shown!r}",
                       value=requirement)
    specs = list(parsed.specifier)
    if len(specs) != 1 or specs[0].operator != "==" or specs[0].version.endswith(".*"):
        raise BadInput(f"give one exact version, e.g. mmcv-full==1.6.0; got {shown!r}", value=requirement)
    return canonicalize_name(parsed.name), Version(specs[0].version)


def _accepts_distribution(tables: Dict[str, Any], release: Release, name: str, version: Version, policy: str
                          ) -> bool:
    judged = _SAME_MODULE.get(name, name)
    lean = lean_release(release)
    if judged in MMCV_LINES and mmcv_line((lean,)) not in ("", judged):
        return False
    combined, _ = combined_range(tables, (lean,), judged, policy)
    return combined is not None and not range_is_empty(tables, combined) and typed_range(combined).contains(version)


def accepting(requirement: str, *, policy: str = "safe", matrix: Optional[Matrix] = None,
              package: str = DEFAULT_PACKAGE) -> Acceptance:
    """Which releases of ``package`` accept ``requirement`` (``NAME==VERSION``: an mmcv line, mmcv-lite,
    mmengine, or a release of another package the matrix has, such as ``mmdet==3.2.0``)."""
    check_policy(policy)
    name, version = _parse(requirement)
    matrix = matrix if matrix is not None else load()
    table = matrix.package(package)
    if table is None:
        raise BadInput(f"the matrix has no package {package!r}; known: {', '.join(sorted(matrix.packages))}",
                       value=package)
    candidates = [r for r in table.releases if r.required]
    tips = [r for r in table.branches.values() if r.required]
    named: Optional[Release] = None
    if matrix.package(name) is not None and name != package:
        other = matrix.package(name)
        assert other is not None
        name = other.name
        named = other.release(version)
        if named is None or not named.required:
            raise UnknownRelease(name, str(version), nearest_releases(other, version))
    else:
        judged = _SAME_MODULE.get(name, name)
        if not any(r.dependency(judged) for r in candidates + tips):
            known = sorted({d.name for r in table.releases for d in r.dependencies} | set(_SAME_MODULE)
                           | set(matrix.packages) - {package})
            raise BadInput(f"no {package} release records {name[:200]!r}; known: {', '.join(known)}",
                           value=requirement)

    tables = tables_for(matrix)
    lean_named = lean_release(named) if named is not None else None

    def accepts(release: Release) -> bool:
        if lean_named is not None:  # the same judgement as the stack search's (compat.answers.search.agree)
            return len(agree(tables, (lean_release(release), lean_named), policy)) == 4
        return _accepts_distribution(tables, release, name, version, policy)

    return Acceptance(requirement=requirement.strip(), name=name, version=version, policy=policy, package=package,
                      releases=tuple(r for r in candidates if accepts(r)),
                      branches=tuple(r for r in tips if accepts(r)))


def accepting_everywhere(requirement: str, *, policy: str = "safe", matrix: Optional[Matrix] = None
                         ) -> Tuple[Acceptance, ...]:
    """:func:`accepting` for every codebase whose releases record the distribution named (or that can
    sit beside the named release), mmpose first, then by name; :class:`BadInput` when none records it."""
    matrix = matrix if matrix is not None else load()
    order = sorted(matrix.packages, key=lambda name: (name != DEFAULT_PACKAGE, name))
    found = []
    name, _ = _parse(requirement)
    other = matrix.package(name)
    judged = _SAME_MODULE.get(name, name)
    for package in order:
        table = matrix.packages[package]
        if other is table:
            continue
        if other is None and not any(r.dependency(judged) for r in table.releases + tuple(table.branches.values())
                                     if r.required):
            continue  # this codebase never names the distribution
        found.append(accepting(requirement, policy=policy, matrix=matrix, package=package))
    if not found:
        known = sorted({d.name for t in matrix.packages.values() for r in t.releases for d in r.dependencies}
                       | set(matrix.packages))
        raise BadInput(f"no release in the matrix records {name[:200]!r}; known: {', '.join(known)}",
                       value=requirement)
    return tuple(found)


def compatible(requirement: str, *, policy: str = "safe", matrix: Optional[Matrix] = None) -> Tuple[Release, ...]:
    """The MMPose releases (newest first) that accept a pinned distribution or release; see
    :func:`accepting` for branch tips and other packages."""
    return accepting(requirement, policy=policy, matrix=matrix).releases


def describe(acceptance: Acceptance) -> List[str]:
    """What the answer covers, for a person: which releases are listed, and the branch tips apart."""
    lines = []
    tips = " and ".join(r.key for r in acceptance.branches)
    what = f"{acceptance.package} releases that accept {acceptance.requirement} under the {acceptance.policy} policy"
    if acceptance.releases:
        lines.append(what + (f"; also the {tips} branch tip{'s' if len(acceptance.branches) > 1 else ''}"
                             if tips else ""))
    elif tips:
        lines.append(f"no {acceptance.package} release accepts {acceptance.requirement} under the {acceptance.policy} "
                     f"policy; the {tips} branch tip{'s do' if len(acceptance.branches) > 1 else ' does'}")
    else:
        lines.append(f"no {acceptance.package} release accepts {acceptance.requirement} under the "
                     f"{acceptance.policy} policy")
    if acceptance.name in _SAME_MODULE:
        lines.append(f"{acceptance.name} is mmcv without its compiled ops: models that need mmcv.ops will not run")
    return lines
