"""The matrix compiled for the stack search (:mod:`compat.answers.search`): plain built-in data that marshal can
store, with every version comparison settled by ``packaging`` when it is compiled.

``versions`` maps every version text the matrix holds (releases, wheel builds, range bounds as written
upstream, torch releases) to ``(rank, rank of its base version, is pre-release, is post-release, major,
ranks of its membership keys: public, below, stem)`` (see :func:`compat.data.ranges.membership_keys`); equal
versions (``1.3`` and ``1.3.0``) share a rank. ``extras`` maps each verbatim specifier a range keeps
(``!=1.5.0``) to the versions it admits. ``builds`` (None without a ``[build]`` table) holds which mmcv
distributions compile against which torch (``against``: distribution -> rows of (versions, oldest torch
minor, newest torch minor, verified here)), the sdists that import ``pkg_resources``, the setuptools that
removed it, the first CPython each sdist's version reading fails on, and the measured build minutes;
``gpus`` maps a compute capability to (name, oldest CUDA, newest CUDA); ``provenance`` holds where each
release's facts were read (ref, commit, each dependency's source URLs), for ``--json``. The rest mirrors
:class:`~compat.data.models.Matrix` with tuples: their shapes are in :mod:`compat.data.shapes`.

The build hook compiles them into the wheel beside the matrix (keyed by the matrix's content digest and
the code's identity, as every compiled answer); :func:`tables_for` compiles them on demand otherwise.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple, overload

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from .models import Dependency, FindLinks, Matrix, Release
from .ranges import Range, membership_keys
from .shapes import RangeData

__all__ = ["FORMAT", "admitted", "compile_tables", "lean_range", "lean_release", "ranked", "tables_for",
           "typed_range"]

#: Bump when the shape of the tables changes.
FORMAT = 6


_MEMO: List[Tuple[Matrix, Dict[str, Any]]] = []


@overload
def lean_range(r: Range) -> RangeData: ...
@overload
def lean_range(r: None) -> None: ...
def lean_range(r: Optional[Range]) -> Optional[RangeData]:
    """A :class:`~compat.data.ranges.Range` as the tables hold it: its bounds as plain tuples (marshal
    stores no subclass)."""
    if r is None:
        return None
    lower = (r.lower[0], r.lower[1]) if r.lower is not None else None
    upper = (r.upper[0], r.upper[1]) if r.upper is not None else None
    return (lower, upper, tuple(r.extra))


def typed_range(r: Any) -> Range:
    """A compiled range back as a :class:`~compat.data.ranges.Range`."""
    from .ranges import Bound

    lower = Bound(*r[0]) if r[0] is not None else None
    upper = Bound(*r[1]) if r[1] is not None else None
    return Range(lower=lower, upper=upper, extra=tuple(r[2]))


def _dependency(d: Dependency) -> Tuple[Any, ...]:
    imported = None if d.imported is None else (d.imported.module, d.imported.path, d.imported.line,
                                                d.imported.source)
    return (d.name, d.optional, *(lean_range(f.range) if f is not None else None
                                  for f in (d.documented, d.enforced, d.installer)), imported)


def lean_release(r: Release) -> Tuple[Any, ...]:
    return (r.package, r.key, str(r.version), bool(r.required), tuple(_dependency(d) for d in r.dependencies),
            r.is_branch)


def _provenance(r: Release) -> Tuple[str, str, Tuple[Tuple[Optional[Tuple[str, str]], ...], ...]]:
    return (r.ref, r.commit, tuple(tuple(None if f is None else (f.source, f.uncertain)
                                         for f in (d.documented, d.enforced, d.installer))
                                   for d in r.dependencies))


def _links(rule: Optional[FindLinks]) -> Optional[Tuple[str, str, str, str]]:
    return None if rule is None else (rule.distribution, rule.url, rule.torch, rule.source)


def compile_tables(matrix: Matrix) -> Dict[str, Any]:
    """The tables for ``matrix`` (see the module's docstring)."""
    texts: Set[str] = set()
    extras: Set[str] = set()

    def note(r: Optional[Range]) -> None:
        if r is None:
            return
        for bound in (r.lower, r.upper):
            if bound is not None:
                texts.add(bound.text)
        extras.update(r.extra)

    packages: Dict[str, Any] = {}
    for name, table in matrix.packages.items():
        every = [*table.releases, *table.branches.values()]
        for release in every:
            texts.add(str(release.version))
            for dependency in release.dependencies:
                for fact in (dependency.documented, dependency.enforced, dependency.installer):
                    note(fact.range if fact is not None else None)
        packages[name] = ([lean_release(r) for r in table.releases],
                          {key: lean_release(r) for key, r in table.branches.items()})
    wheels: Dict[str, Any] = {}
    for line, index in matrix.wheels.items():
        builds = []
        for build in index.builds:
            versions = tuple(str(v) for v in build.versions)
            texts.update(versions)
            builds.append((build.platform, build.cuda, build.torch, versions, tuple(build.python), build.source))
        rule = index.python
        lean_rule = None
        if rule is not None:
            gaps = []
            for gap in rule.gaps:
                gap_versions = tuple(str(v) for v in gap.versions)
                texts.update(gap_versions)
                gaps.append((gap_versions, tuple(gap.python), gap.platform, tuple(gap.torch)))
            lean_rule = (rule.minimum, rule.maximum, tuple(gaps))
        wheels[line] = (index.source, tuple(builds), lean_rule, rule.source if rule is not None else "")
    torch = None
    torch_pythons: Dict[Tuple[str, str], Tuple[str, ...]] = {}
    if matrix.torch is not None:
        for minor in matrix.torch.minors():
            for platform in sorted({p for r in matrix.torch.of_minor(minor) for p in r.python}):
                torch_pythons[(minor, platform)] = matrix.torch.python_versions(minor, platform)
        releases = []
        for t in matrix.torch.releases:
            texts.add(str(t.version))
            # (version, minor, the CPythons a plan can pin it and its torchvision for, CUDA variants, torchvision,
            # the CPythons torch alone has wheels for)
            releases.append((str(t.version), t.minor, {k: t.installable(k) for k in t.python}, tuple(t.cuda),
                             str(t.torchvision) if t.torchvision is not None else "",
                             {k: tuple(v) for k, v in t.python.items()}))
        torch = (matrix.torch.index_url, tuple(releases))
    build_facts: Optional[Dict[str, Any]] = None
    if matrix.build is not None:
        facts = matrix.build
        against: Dict[str, List[Tuple[Any, ...]]] = {}
        for row in facts.against:
            versions = tuple(str(v) for v in row.versions)
            texts.update(versions)
            against.setdefault(row.distribution, []).append((versions, row.torch_minimum, row.torch_maximum,
                                                              row.verified))
        build_facts = {"against": {name: tuple(rows) for name, rows in against.items()},
                  "pkg_resources": tuple(facts.sdists_import_pkg_resources),
                  "setuptools_below": str(facts.setuptools_without_pkg_resources),
                  "version_breaks": dict(facts.version_breaks_on_python),
                  "minutes": dict(facts.build_minutes)}
    gpus = {cap: (g.name, g.cuda_minimum, g.cuda_maximum)
            for cap, g in (matrix.nvidia.gpus.items() if matrix.nvidia is not None else ())}
    nvidia = None
    if matrix.nvidia is not None:
        nvidia = tuple({cuda: dict(by_platform) for cuda, by_platform in table.items()}
                       for table in (matrix.nvidia.compat, matrix.nvidia.toolkit))
    version_ranks = ranked(texts)
    tables = {
        "format": FORMAT,
        "versions": version_ranks,
        "extras": admitted(version_ranks, extras),
        "packages": packages,
        "modules": {name: table.module for name, table in matrix.packages.items()},
        "wheels": wheels,
        "torch": torch,
        "torch_pythons": torch_pythons,
        "nvidia": nvidia,
        "builds": build_facts,
        "gpus": gpus,
        "providers": {name: (p.distribution, p.replaces, p.engine, p.engine_replaces, _links(p.find_links),
                             {k.replaces: (k.distribution, k.version, k.requires_python[2:]) for k in p.packages})
                      for name, p in matrix.providers.items()},
        "find_links": {line: _links(rule) for line, rule in matrix.find_links.items()},
        "isolated_builds": {b.name: (b.version, tuple(b.needs), tuple(b.wheels), tuple(b.required_by), b.reason,
                                     b.import_needs)
                            for b in (matrix.build.isolation if matrix.build is not None else ())},
        "numpy1_newest": {name: str(max(numpy1)) for name, numpy1 in
                          (matrix.numpy_abi.numpy1_only.items() if matrix.numpy_abi is not None else ()) if numpy1},
        # where each release's facts were read: package -> release key -> (ref, commit, per dependency (in the
        # release's order) per source: (URL, why uncertain) or None); resolve --json and matrix --json show it
        "provenance": {name: {release.key: _provenance(release)
                              for release in (*table.releases, *table.branches.values())}
                       for name, table in matrix.packages.items()},
        # what an import check that fails says, by (package, release key, dependency): doctor quotes it
        "assertions": {(name, release.key, d.name): d.enforced.messages
                       for name, table in matrix.packages.items()
                       for release in (*table.releases, *table.branches.values())
                       for d in release.dependencies if d.enforced is not None and d.enforced.messages},
    }
    return tables


def admitted(versions: Dict[str, Tuple[Any, ...]], extras: Set[str]) -> Dict[str, FrozenSet[str]]:
    """The versions each verbatim specifier (``!=1.5.0``) admits, of those ``versions`` ranks, as packaging
    decides (pre-releases included)."""
    found = {}
    for spec in sorted(extras):
        specifier = SpecifierSet(spec)
        found[spec] = frozenset(t for t in versions if specifier.contains(Version(t), prereleases=True))
    return found


def ranked(texts: Set[str]) -> Dict[str, Tuple[Any, ...]]:
    """``versions`` of the tables for these version texts (the invalid ones left out): each ranked where
    packaging orders it, with its base release and its membership keys
    (:func:`compat.data.ranges.membership_keys`) ranked too."""
    parsed: Dict[str, Version] = {}
    keys: Dict[Version, Tuple[Version, Version, Version]] = {}
    for text in texts:
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        parsed[text] = version
        parsed.setdefault(version.base_version, Version(version.base_version))
    for version in parsed.values():
        keys[version] = membership_keys(version)
    order = sorted(set(parsed.values()).union(*keys.values()))
    rank = {version: position for position, version in enumerate(order)}
    return {text: (rank[v], rank[Version(v.base_version)], v.is_prerelease, v.is_postrelease, v.major,
                   *(rank[k] for k in keys[v]))
            for text, v in sorted(parsed.items())}


def tables_for(matrix: Matrix) -> Dict[str, Any]:
    """The tables of ``matrix``: compiled with it when it was loaded from a compiled copy whose tables
    match, else compiled now (and kept for the matrix object's lifetime in this process)."""
    for held, tables in _MEMO:
        if held is matrix:
            return tables
    found = None
    if matrix.content_digest and matrix.origin:  # read from a file: the tables compiled with it, if current
        from .compiled import tables as compiled_tables

        found = compiled_tables(matrix.path, digest=matrix.content_digest)
    tables = found if found is not None else compile_tables(matrix)
    _MEMO.append((matrix, tables))
    del _MEMO[:-8]
    return tables
