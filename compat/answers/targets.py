"""Reading the targets of a stack question (``mmpose==1.3.2``, ``mmdet``, ``"mmpose>=0.28,<1"``, ``1.3.2``):
the one reader, for the command line's short path and for :func:`compat.answers.stack.parse_targets`.

A target becomes what the search takes (:data:`compat.data.shapes.Target`): the package, the keys of
its releases that the target allows, the text asked and its specifier. The spellings people type
(``NAME``, ``NAME==VERSION`` and a bare version, which means mmpose) are read with the compiled ranks;
anything else (ranges, ``!=``, markers, extras, versions the tables do not know) with ``packaging``,
which is imported only then. Bad input raises :class:`~compat.errors.BadInput` naming the text.
"""

from __future__ import annotations

from ..data import ranks
from ..errors import BadInput, shown

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Sequence, Tuple

    from ..data.shapes import Tables, Target

__all__ = ["allowed_keys", "read"]

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def _package(tables: Tables, name: str) -> Optional[str]:
    """The table for the distribution ``name`` (PEP 503 normalized), else for the first that installs the
    module ``name`` (``mmseg``), else None."""
    from ..probe import canonical

    known = tables["packages"]
    for candidate in (canonical(name), name):
        if candidate in known:
            return candidate
    return next((n for n, module in tables["modules"].items() if module == name), None)


def _simple(tables: Tables, raw: str) -> Optional[Tuple[str, str, str]]:
    """(name, version as written or "", the tables' spelling of it) of ``NAME``, ``NAME==VERSION`` or a
    bare version whose version the tables know exactly (``0.28`` is their ``0.28.0``); None for
    anything else."""
    bare = raw[1:] if raw[:1] in "vV" else raw
    if ranks.simple_release(bare) is not None:
        name, version = "mmpose", bare
    else:
        name, _, version = (part.strip() for part in raw.partition("=="))
        if ("==" in raw and not version) or not name or not set(name) <= _NAME_CHARS:
            return None
        if not name[0].isalnum() or not name[-1].isalnum():
            return None
    if not version:
        return name, "", ""
    found = ranks.placed(tables, version)
    if found is None or found[0] is not tables:
        return None
    return name, version, found[1]


def allowed_keys(tables: Tables, package: str, spec: str, exact: str = "") -> Tuple[str, ...]:
    """The keys of ``package``'s releases (required ones, not branches) that the specifier ``spec``
    allows (``exact``: the tables' text of the one version ``spec`` pins): pre-releases only when the
    specifier names one (said explicitly to packaging: packaging 26 changed what ``contains`` does
    with pre-releases when not told)."""
    releases = tables["packages"][package][0]
    if not spec:
        return tuple(r[1] for r in releases if r[3] and not ranks.is_prerelease(tables, r[2]))
    if exact:
        rank = tables["versions"][exact][0]
        return tuple(r[1] for r in releases if r[3] and tables["versions"][r[2]][0] == rank)
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    specifier = SpecifierSet(spec)
    named = bool(specifier.prereleases)
    return tuple(r[1] for r in releases if r[3] and specifier.contains(Version(r[2]), prereleases=named))


def _branch(tables: Tables, raw: str) -> BadInput:
    return BadInput(f"{shown(raw)} is a branch: a stack needs releases, which have wheels and pins; give a "
                    "release such as mmpose==1.3.2 (mmcompat resolve BRANCH prints what a branch tip needs)",
                    value=raw)


def _requirement(tables: Tables, text: str, raw: str, branches: Sequence[str]) -> Tuple[str, str]:
    """(package, specifier text) of a target in full requirement syntax, read with packaging."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import Version

    bare = raw[1:] if raw[:1] in "vV" else raw
    try:
        Version(bare)
        raw = f"mmpose=={bare}"
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        pass
    try:
        requirement = Requirement(raw)
    except InvalidRequirement:
        if raw in branches:
            raise _branch(tables, raw) from None
        raise BadInput(f"not a requirement: {shown(text)}; give e.g. mmpose==1.3.2 or mmdet", value=text) from None
    package = _package(tables, requirement.name)
    if package is None:
        if raw in branches:
            raise _branch(tables, raw)
        from ..probe import canonical

        raise BadInput(f"the matrix has no package {shown(canonical(requirement.name))}; known: "
                       f"{', '.join(sorted(tables['packages']))}", value=text)
    return package, str(requirement.specifier)


def read(tables: Tables, texts: Sequence[str]) -> List[Target]:
    """The targets ``texts`` ask for, each once (a package named twice gets both specifiers)."""
    found: Dict[str, Tuple[str, str, str]] = {}  # package: (specifier, text, the version it pins exactly)
    branches = [b for _, by_name in tables["packages"].values() for b in by_name]
    for text in texts:
        raw = text.strip()
        if raw in branches and _package(tables, raw) is None:
            raise _branch(tables, raw)
        simple = _simple(tables, raw)
        package = _package(tables, simple[0]) if simple is not None else None
        exact = ""
        if simple is not None and package is not None:
            spec, exact = ("==" + simple[1], simple[2]) if simple[1] else ("", "")
        else:
            package, spec = _requirement(tables, text, raw, branches)
        if package in found:
            before, asked, _ = found[package]
            spec, exact = ",".join(s for s in (before, spec) if s), ""
            text = f"{asked}, {text}"
        found[package] = (spec, text, exact)
    if not found:
        raise BadInput("give at least one target, e.g. mmpose==1.3.2", value="")
    return [(package, allowed_keys(tables, package, spec, exact), text, _spec_text(spec))
            for package, (spec, text, exact) in found.items()]


def _spec_text(spec: str) -> str:
    """The specifier as packaging writes it (``SpecifierSet``'s sorted, comma-joined form)."""
    if "," not in spec and (not spec or spec[:2] == "=="):
        return spec
    from packaging.specifiers import SpecifierSet

    return str(SpecifierSet(spec))
