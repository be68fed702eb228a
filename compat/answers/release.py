"""What one release needs, from the compiled tables (:mod:`compat.data.tables`): the rule ``resolve``
answers with, for the short path and the typed one (:func:`compat.answers.resolver.requirements_for`)
alike. Imports nothing heavier than :mod:`compat.data.ranks`.

A release needs its required dependencies and, whatever its metadata says, the packages it imports at
module level (:func:`imported_packages`: mmpose 1.3.2 imports mmdet). Such a package is answered with the
releases of it that agree with the rest (:func:`needs`): the newest one in the importer's range whose own
ranges overlap the others narrows them (mmdet 3.2.0 asserts ``mmcv<2.2.0``), and its line starts at the
oldest release that accepts every range left, so that any version pip picks within the lines works
together.
"""

from __future__ import annotations

from ..data import ranks
from ..data.record import Record
from ..data.vocabulary import DEFAULT_PACKAGE, MMCV_LINES

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Optional, Sequence, Tuple

    from ..data.shapes import DependencyData, RangeData, ReleaseData, Tables

__all__ = ["DEFAULT_PACKAGE", "Needs", "combined_range", "dependency_of", "find", "import_note", "imported_packages",
           "kept_range", "mmcv_line", "needs", "pip_lines", "release_label", "requirements"]


class Needs(Record):
    """What a release needs under a policy (:func:`needs`): ``requirements``, one PEP 508 line per package
    (None when a policy's sources say nothing of a dependency or leave it no version; ``conflict`` then
    says why when the cause is a package the release imports), and ``notes``, why a package its metadata
    calls optional is among them."""

    requirements: Optional[Tuple[str, ...]]
    notes: Tuple[str, ...] = ()
    conflict: str = ""
    distribution: str = ""  # the package ``conflict`` is about


def requirements(tables: Tables, release: ReleaseData, policy: str) -> Optional[Tuple[str, ...]]:
    """The requirement lines of :func:`needs`, or None when there is no answer
    (:func:`compat.answers.resolver.requirements_for` says why)."""
    return needs(tables, release, policy).requirements


def needs(tables: Tables, release: ReleaseData, policy: str) -> Needs:
    """One PEP 508 requirement per required dependency of ``release`` under ``policy`` (``safe``: the
    intersection of every source), then one per package it imports at module level: its newest release
    in ``release``'s range for it (any, when the policy's source gives none) whose ranges overlap the
    others, which narrows them (``mmcv>=2.0.1,<2.2.0`` for mmpose 1.3.2 with mmdet 3.2.0), written from the
    oldest release that accepts all that is left (``mmdet>=3.2.0,<3.3.0``)."""
    ranges: Dict[str, RangeData] = {}
    for dependency in release[4]:
        if dependency[1]:  # optional
            continue
        found = ranks.range_for(tables, dependency, policy)
        if found is None or ranks.range_is_empty(tables, found):
            return Needs(None)
        ranges[dependency[0]] = found
    members = [release]
    notes = []
    missing = imported_packages(tables, members)
    while missing:
        package, importer, where = missing[0]
        asked = dependency_of(importer, package)
        allowed = None if asked is None else ranks.range_for(tables, asked, policy)
        agreed = _agreeing(tables, package, allowed, ranges, policy, members)
        if agreed is None:
            said = f"{package}{ranks.range_text(tables, allowed)}" if allowed is not None else package
            left = "; ".join(f"{name}{ranks.range_text(tables, r)}" for name, r in ranges.items())
            return Needs(None, conflict=f"no {said} release agrees with {left} ({release_label(importer)} imports "
                                        f"{package} at {where[1]}:{where[2]})", distribution=package)
        chosen, ranges = agreed
        members.append(chosen)
        notes.append(import_note(package, importer, where))
        missing = imported_packages(tables, members)
    lines = tuple(name + ranks.range_text(tables, r) for name, r in ranges.items())
    return Needs(lines or None, tuple(notes))


def _agreeing(tables: Tables, package: str, allowed: Optional[RangeData], ranges: Dict[str, RangeData],
              policy: str, members: Sequence[ReleaseData]) -> Optional[Tuple[ReleaseData, Dict[str, RangeData]]]:
    """The newest final release of ``package`` in ``allowed`` that agrees with ``members`` and their
    ``ranges`` (the same mmcv line, overlapping ranges), and ``ranges`` narrowed by it, with ``package``'s
    own line added: from the oldest release next to it that accepts every narrowed range. None when no
    release agrees."""
    candidates = [r for r in tables["packages"][package][0]
                  if r[3] and not ranks.is_prerelease(tables, r[2])
                  and (allowed is None or ranks.range_contains(tables, allowed, r[2]))]
    for index, candidate in enumerate(candidates):
        narrowed = _narrowed(tables, candidate, members, ranges, policy)
        if narrowed is None:
            continue
        oldest = candidate
        for older in candidates[index + 1:]:
            if not _accepts(tables, older, members, narrowed, policy):
                break
            oldest = older
        line: RangeData = ((oldest[2], True), None, ())
        narrowed[package] = line if allowed is None else ranks.range_intersect(tables, allowed, line)
        return candidate, narrowed
    return None


def _narrowed(tables: Tables, release: ReleaseData, members: Sequence[ReleaseData], ranges: Dict[str, RangeData],
              policy: str) -> Optional[Dict[str, RangeData]]:
    """``ranges`` narrowed by what ``release`` needs beside ``members`` (:func:`combined_range`, its new
    dependencies added), or None when it needs another mmcv line (:func:`mmcv_line`) or leaves one of
    them no version."""
    if mmcv_line((*members, release)) is None:
        return None
    narrowed = dict(ranges)
    for dependency in release[4]:
        if dependency[1]:
            continue
        name = dependency[0]
        combined, _ = combined_range(tables, (release,), name, policy, narrowed.get(name))
        if combined is None:
            continue
        if ranks.range_is_empty(tables, combined):
            return None
        narrowed[name] = combined
    return narrowed


def _accepts(tables: Tables, release: ReleaseData, members: Sequence[ReleaseData], ranges: Dict[str, RangeData],
             policy: str) -> bool:
    """Whether every version of ``ranges`` is one ``release`` accepts (it narrows none of them)."""
    narrowed = _narrowed(tables, release, members, ranges, policy)
    return narrowed is not None and all(ranks.range_same(tables, narrowed[name], r) for name, r in ranges.items())


def mmcv_line(releases: Sequence[ReleaseData]) -> Optional[str]:
    """The one mmcv line the releases need; ``""`` when none needs one, None when they need different ones."""
    lines = {d[0] for r in releases for d in r[4] if d[0] in MMCV_LINES and not d[1]}
    return lines.pop() if len(lines) == 1 else (None if lines else "")


def combined_range(tables: Tables, releases: Sequence[ReleaseData], name: str, policy: str,
                   start: Optional[RangeData] = None) -> Tuple[Optional[RangeData], List[str]]:
    """The intersection of ``start`` (when given) and every release's ``policy`` range for ``name``
    (:func:`kept_range`), and what each one asked."""
    combined = start
    said = []
    for release in releases:
        dependency = dependency_of(release, name)
        if dependency is None:
            continue
        version_range = kept_range(tables, dependency, policy)
        if version_range is None:
            continue
        said.append(f"{release_label(release)} needs {name}{ranks.range_text(tables, version_range) or ' (any)'}")
        combined = version_range if combined is None else ranks.range_intersect(tables, combined, version_range)
    return combined, said


def kept_range(tables: Tables, dependency: DependencyData, policy: str) -> Optional[RangeData]:
    """A member's range for a dependency under ``policy``, its import check (enforced range) kept whatever
    the policy: a stack that fails at ``import`` is no answer."""
    found = ranks.range_for(tables, dependency, policy)
    enforced = dependency[3]
    if enforced is not None and policy != "enforced":
        found = enforced if found is None else ranks.range_intersect(tables, found, enforced)
    return found


def imported_packages(tables: Tables, releases: Sequence[ReleaseData]
                      ) -> List[Tuple[str, ReleaseData, Tuple[Any, ...]]]:
    """The packages of the matrix that ``releases`` import unconditionally on their API's import path
    (mmpose 1.3.2 imports mmdet, whatever its metadata says) and that are not among them:
    (package, the release importing it, where: (module, path, line, source)). The one rule that makes a
    required import part of the answer, on every path (resolve, the stack search, its ways out)."""
    have = {r[0] for r in releases}
    found = []
    for release in releases:
        for dependency in release[4]:
            where = dependency[5] if len(dependency) > 5 else None
            if where is not None and dependency[0] not in have and dependency[0] in tables["packages"]:
                have.add(dependency[0])
                found.append((dependency[0], release, where))
    return found


def import_note(package: str, importer: ReleaseData, where: Tuple[Any, ...]) -> str:
    """Why ``package`` is in the answer: ``adding mmdet: mmpose 1.3.2 imports it at
    mmpose/models/heads/hybrid_heads/rtmo_head.py:9``."""
    return f"adding {package}: {release_label(importer)} imports it at {where[1]}:{where[2]}"


def dependency_of(release: ReleaseData, name: str) -> Optional[DependencyData]:
    """The compiled dependency of ``release`` on package ``name`` (required or optional), or None when its
    metadata and import checks name no such package."""
    for dependency in release[4]:
        if dependency[0] == name:
            return dependency
    return None


def release_label(release: ReleaseData) -> str:
    """``mmpose 1.3.2``: how messages name a compiled release (a branch by its key: ``mmpose main``)."""
    return f"{release[0]} {release[1]}"


def find(tables: Tables, package: str, text: str) -> Optional[ReleaseData]:
    """The compiled release or branch of ``package`` a plain target names (``0.28.0``, ``v0.28.0``,
    ``mmpose==0.28.0``, a branch's name); None for any other spelling or a version it has not, which
    the typed reader (:func:`compat.answers.resolver.find_release`) reads or refuses."""
    releases, branches = tables["packages"][package]
    target = text.strip()
    branch = branches.get(target) or branches.get(target.lower())
    if branch is not None:
        return branch  # type: ignore[no-any-return]
    name, equals, version = target.partition("==")
    if equals:
        if name.strip().lower() != package:
            return None
        target = version.strip()
    elif target[:1] in "vV":
        target = target[1:]
    wanted = ranks.simple_release(target)
    if wanted is None:
        return None
    key = ranks.release_key(wanted)
    for release in releases:
        found = ranks.simple_release(release[2])
        if found is not None and ranks.release_key(found) == key:
            return release  # type: ignore[no-any-return]
    return None


def pip_lines(requirements: Tuple[str, ...]) -> str:
    """Requirements as ``resolve`` prints them: one per line, ready for ``pip install $(...)``."""
    return "".join(line + "\n" for line in requirements)
