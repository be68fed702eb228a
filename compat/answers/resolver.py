"""Answer questions from the matrix: which mmcv a release needs, which releases accept an mmcv."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

from packaging.version import Version

from ..data.matrix import load
from ..data.models import MMCV_DISTRIBUTIONS, MMCV_LINES, Matrix, PackageTable, Release, Resolution
from ..data.tables import lean_release, tables_for
from ..errors import BadInput, NoAnswer, UnknownRelease, Unsatisfiable, shown
from ..probe import canonical as canonicalize_name
from .question import check_policy
from .release import DEFAULT_PACKAGE, Needs, needs, pip_lines

if TYPE_CHECKING:  # pragma: no cover
    from packaging.requirements import Requirement

__all__ = [
    "DEFAULT_PACKAGE",
    "check_policy",
    "find_release",
    "mmcv_requirement",
    "nearest_releases",
    "needs_for",
    "pip_lines",
    "refuse_unrecorded",
    "requirements_for",
    "resolve",
]



def _parse_version(text: str) -> Optional[Version]:
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return None


def nearest_releases(table: PackageTable, version: Version, count: int = 2) -> Tuple[str, ...]:
    """The ``count`` known releases nearest to ``version`` in release order, from its own major line
    when it has any (``0.29.1`` -> ``0.29.0, 0.28.1``)."""
    same_line = [r for r in table.releases if r.version.major == version.major]
    pool = same_line or list(table.releases)
    ascending = sorted(pool, key=lambda r: r.version)
    below = [r for r in ascending if r.version < version][::-1]
    above = [r for r in ascending if r.version > version]
    picked: List[Release] = []
    while len(picked) < count and (below or above):
        if below:
            picked.append(below.pop(0))
        if above and len(picked) < count:
            picked.append(above.pop(0))
    return tuple(r.key for r in sorted(picked, key=lambda r: r.version, reverse=True))


def _table(matrix: Matrix, package: str) -> PackageTable:
    table = matrix.package(package)
    if table is None:
        known = ", ".join(sorted(matrix.packages))
        raise BadInput(f"the matrix has no package {shown(package)}; known: {known}", value=package)
    return table


def find_release(matrix: Matrix, target: str) -> Release:
    """The release or branch ``target`` names: ``0.28.0``, ``v0.28.0``, ``mmpose==0.28.0``, ``master``,
    or a range such as ``mmpose>=0.28,<1`` (its newest release).

    Raises :class:`BadInput` for text that is none of these, :class:`UnknownRelease` (with the nearest
    known releases) for a version the matrix lacks.
    """
    text = target.strip()
    if not text:
        raise BadInput("empty target; give a release such as 0.28.0 or a branch such as master", value=target)
    table = _table(matrix, DEFAULT_PACKAGE)
    branch = table.branches.get(text) or table.branches.get(text.lower())
    if branch is not None:
        return branch
    version = _parse_version(text)
    if version is not None:
        return _exact(table, version, text)
    # a requirement: packaging's parser, with its markers and tags, only for a target written as one
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        known = ", ".join(sorted(table.branches))
        raise BadInput(
            f"not a release, branch or requirement: {shown(text)}; give e.g. 0.28.0, mmpose==0.28.0 or one of {known}",
            value=target,
        ) from None
    if canonicalize_name(requirement.name) != table.name and not requirement.specifier:
        known = ", ".join(sorted(table.branches))
        raise BadInput(
            f"unknown target {shown(text)}; give a release such as 0.28.0, mmpose==0.28.0, or a branch: {known}",
            value=target,
        )
    if canonicalize_name(requirement.name) != table.name:
        raise _other_name(matrix, table, requirement, target)
    if requirement.url or requirement.extras or requirement.marker:
        raise BadInput(f"give {table.name} with a version only, not {shown(text)}", value=target)
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"):
        pinned = _parse_version(specs[0].version)
        if pinned is None:
            raise BadInput(f"not a version: {shown(specs[0].version)}", value=target)
        return _exact(table, pinned, specs[0].version)
    named = bool(requirement.specifier.prereleases)  # explicit: packaging 26 changed the default
    matching = [r for r in table.releases if requirement.specifier.contains(r.version, prereleases=named)]
    if not matching:
        raise BadInput(f"no known {table.name} release matches {shown(text)}", value=target)
    return matching[0]


def _other_name(matrix: Matrix, table: PackageTable, requirement: "Requirement", target: str) -> BadInput:
    """The error for ``resolve NAME...`` where NAME is not the package resolved: a distribution a release
    needs points to ``compatible``; a typo gets the nearest name."""
    import difflib

    name = canonicalize_name(requirement.name)
    needed = {d.name for r in table.releases for d in r.dependencies} | set(MMCV_DISTRIBUTIONS)
    if name in needed or name in matrix.packages:
        text = f"{name}{requirement.specifier}"
        return BadInput(f"resolve answers what an {table.name} release needs; to list the {table.name} releases that "
                        f"accept {shown(text)}, run: mmcompat compatible {text[:200]}", value=target)
    known = sorted(set(matrix.packages) | needed)
    guess = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {guess[0]}?" if guess else f"; known: {', '.join(sorted(matrix.packages))}"
    return BadInput(f"unknown package {shown(name)}{hint}", value=target)


def _exact(table: PackageTable, version: Version, text: str) -> Release:
    release = table.release(version)
    if release is None:
        raise UnknownRelease(table.name, text, nearest_releases(table, version))
    return release


def _unrecorded(release: Release, policy: str) -> NoAnswer:
    note = f": {release.note}" if release.note else ""
    return NoAnswer(f"no source records what {release.package} {release.key} needs{note}", release=release.key,
                    distribution="", policy=policy)


def refuse_unrecorded(table: PackageTable, releases: Sequence[Release], policy: str) -> None:
    """Raise :class:`NoAnswer` (the newest one's note) when ``releases`` of ``table``, those a target
    allows, are there but none records what it needs (mmdeploy asserts nothing and has no installer file):
    a stack search would find no release of it at all."""
    if releases and not any(r.required for r in releases):
        raise _unrecorded(max(releases, key=lambda r: r.version), policy)


def requirements_for(release: Release, policy: str, matrix: Matrix) -> Tuple[str, ...]:
    """One PEP 508 requirement per package ``release`` (of ``matrix``) needs under ``policy``: its
    required dependencies and the packages it imports at module level (:func:`needs_for`).

    Raises :class:`NoAnswer` when the policy's sources say nothing, :class:`Unsatisfiable` when the
    sources it combines leave no version.
    """
    found = needs_for(release, policy, matrix).requirements
    assert found is not None  # needs_for raises instead
    return found


def needs_for(release: Release, policy: str, matrix: Matrix) -> Needs:
    """What ``release`` (of ``matrix``) needs under ``policy``, with the notes that say why a package is
    added: :func:`compat.answers.release.needs`, the rule the short path answers with.

    Raises :class:`NoAnswer` when the policy's sources say nothing, :class:`Unsatisfiable` when the
    sources it combines leave no version, or no release of a package it imports agrees with the rest.
    """
    check_policy(policy)
    found = needs(tables_for(matrix), lean_release(release), policy)
    if found.requirements is not None:
        return found
    label = f"{release.package} {release.key}"
    if found.conflict:
        raise Unsatisfiable(f"{label} leaves no version: {found.conflict}", release=release.key,
                            distribution=found.distribution, causes=[found.conflict])
    if not release.required:
        raise _unrecorded(release, policy)
    for dependency in release.required:
        version_range = dependency.range_for(policy)
        if version_range is None:
            present = ", ".join(dependency.facts()) or "none"
            raise NoAnswer(
                f"no {policy} range for {dependency.name} in {label} (sources present: {present}); "
                f"try --policy safe",
                release=release.key,
                distribution=dependency.name,
                policy=policy,
            )
        if version_range.is_empty:
            causes = [f"{source} {fact.range} ({fact.source})" for source, fact in dependency.facts().items()]
            raise Unsatisfiable(
                f"the sources for {dependency.name} in {label} leave no version: " + "; ".join(causes),
                release=release.key,
                distribution=dependency.name,
                causes=causes,
            )
    raise AssertionError(f"the typed and compiled ranges of {label} disagree")  # pragma: no cover


def resolve(target: str, *, policy: str = "safe", matrix: Optional[Matrix] = None) -> Resolution:
    """Resolve ``target`` (``0.28.0``, ``v0.28.0``, ``mmpose==0.28.0``, ``master``) under ``policy``."""
    known = check_policy(policy)
    matrix = matrix if matrix is not None else load()
    release = find_release(matrix, target)
    found = needs_for(release, policy, matrix)
    assert found.requirements is not None  # needs_for raises instead
    return Resolution(
        release=release,
        policy=known,
        requirements=found.requirements,
        matrix_path=matrix.path,
        matrix_origin=matrix.origin,
        notes=found.notes,
    )


def mmcv_requirement(version: str, policy: str = "safe", *, matrix: Optional[Matrix] = None) -> str:
    """The mmcv requirement for an MMPose release, e.g. ``mmcv-full>=1.3.8,<1.6.0`` for ``0.28.0``: the
    mmcv line of :func:`resolve`'s answer, so narrowed by the packages the release imports (``1.3.2``
    imports mmdet, whose releases in its range assert ``mmcv<2.2.0``: ``mmcv>=2.0.1,<2.2.0``)."""
    resolution = resolve(version, policy=policy, matrix=matrix)
    for dependency in resolution.release.required:
        if dependency.name in MMCV_LINES:
            for line in resolution.requirements:
                if line.startswith(dependency.name) and line[len(dependency.name):][:1] in "<>=!~":
                    return line
    raise NoAnswer(  # pragma: no cover - every release with facts names an mmcv line
        f"no mmcv requirement for {version}", release=version, distribution="mmcv", policy=policy
    )
