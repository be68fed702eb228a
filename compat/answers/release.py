"""What one release needs, from the compiled tables (:mod:`compat.data.tables`): the rule ``resolve``
answers with, for the short path and the typed one (:func:`compat.answers.resolver.requirements_for`)
alike. Imports nothing heavier than :mod:`compat.data.ranks`.
"""

from __future__ import annotations

from ..data import ranks

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional, Tuple

    from ..data.shapes import ReleaseData, Tables

__all__ = ["DEFAULT_PACKAGE", "find", "pip_lines", "requirements"]

#: The package a bare version (``0.28.0``) names.
DEFAULT_PACKAGE = "mmpose"


def requirements(tables: Tables, release: ReleaseData, policy: str) -> Optional[Tuple[str, ...]]:
    """One PEP 508 requirement per required dependency of ``release`` under ``policy`` (``safe``: the
    intersection of every source); None when the release records none, the policy's sources say
    nothing about one, or they leave no version (:func:`compat.answers.resolver.requirements_for`
    says which)."""
    lines = []
    for dependency in release[4]:
        if dependency[1]:  # optional
            continue
        found = ranks.range_for(tables, dependency, policy)
        if found is None or ranks.range_is_empty(tables, found):
            return None
        lines.append(dependency[0] + ranks.range_text(tables, found))
    return tuple(lines) or None


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
