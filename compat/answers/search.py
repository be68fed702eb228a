"""The stack search itself, over the matrix's compiled tables (:mod:`compat.data.tables`).

This is the one implementation of whole-stack resolution: :func:`compat.answers.stack.resolve_stack` wraps it
in typed records, and the command line calls it directly. It works on plain built-in data (version
texts with ranks, ranges as tuples) so that a run needs neither ``packaging`` nor ``dataclasses``,
and its tables can be compiled into the wheel when it is built: every version comparison and every
verbatim specifier (``!=1.5.0``) was evaluated by ``packaging`` then. Nothing here prints; it returns
an answer (a dict, see :func:`solve`) or raises :class:`~compat.errors.StackUnsatisfiable`.

The question is read by :mod:`compat.answers.question` (the machine as a dict: ``platform``, ``python``,
``cuda`` (``""``: auto), ``torch`` (``""``: auto), ``torch_minor``, ``torch_exact``, ``torch_installed``,
``torchvision``, ``driver``); a target is ``(package, release keys it allows newest first, the text
asked, its specifier)``. Versions and ranges are compared by :mod:`compat.data.ranks`, which binaries exist
is :mod:`compat.answers.availability`. This module agrees releases, searches (newest first), explains a
failure with ways out that were each checked by searching again, and finishes the answer (where torch
and the mmcv wheel come from).
"""

from __future__ import annotations

from ..data.links import compiled_rule_url, fill
from ..data.ranks import (
    is_prerelease,
    major,
    newest_first,
    python_key,
    range_contains,
    range_for,
    range_is_empty,
    range_text,
    rank,
)
from ..data.vocabulary import MMCV_LINES, PROVIDERS
from ..errors import BadInput, StackUnsatisfiable, shown
from .availability import (
    all_wheel_versions,
    has_wheel,
    mmcv_wheel_versions,
    torch_choices,
    torch_release,
    torch_releases,
    versions_for,
)
from .question import check_policy, describe_machine, describe_platform, requirement_lines
from .release import combined_range, dependency_of, import_note, imported_packages, mmcv_line, release_label

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

    from ..data.shapes import Agreement, Answer, Choice, Failure, Machine, Tables, Target
    from ..data.shapes import RangeData as Range
    from ..data.shapes import ReleaseData as Release

__all__ = [
    "agree",
    "answer_requirements",
    "build_blocked",
    "build_minutes",
    "build_versions",
    "combined_range",
    "import_notes",
    "imported_packages",
    "index_for",
    "mmcv_line",
    "numpy_reason",
    "solve",
    "supplier",
    "variant_index",
    "ways_out",
]

#: The CPython versions a way out may suggest, when the data knows nothing wider.
_PYTHONS = ("3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
_HOSTS = {"openmmlab": "https://download.openmmlab.com", "onedl": "https://mmwheels.onedl.ai"}
#: How far a candidate got before it failed: the explanation uses the one that got furthest.
_CLASHING_LINES, _CROSS_CHECK, _EMPTY_RANGE, _NO_BINARY = range(4)


def agree(tables: Tables, releases: Tuple[Release, ...], policy: str) -> Union[Agreement, Failure]:
    """The releases' mmcv line and the ranges they leave (an agreement: 4 items), or why they do not
    agree (a failure: how far it got, and the clashing constraints)."""
    line = mmcv_line(releases)
    if line is None:
        return (_CLASHING_LINES, (" and ".join(release_label(r) for r in releases) + " need different mmcv lines",))
    for release in releases:  # what each release says of the others (mmpose's installer names mmdet)
        for other in releases:
            dependency = dependency_of(release, other[0]) if other is not release else None
            other_range = range_for(tables, dependency, policy) if dependency is not None else None
            if other_range is not None and not range_contains(tables, other_range, other[2]):
                return (_CROSS_CHECK, (f"{release_label(release)} needs {other[0]}{range_text(tables, other_range)}, "
                                       f"not {release_label(other)}",))
    packages = {r[0] for r in releases}
    required = {d[0] for r in releases for d in r[4] if not d[1]}
    others = sorted(required - packages - set(MMCV_LINES) - {"mmengine"})
    ranges: Dict[str, Range] = {}
    said: List[str] = []
    for name in ("mmcv-full", "mmcv", "mmengine", *others):
        combined, asked = combined_range(tables, releases, name, policy)
        if combined is None:
            continue
        if range_is_empty(tables, combined):
            return (_EMPTY_RANGE, tuple(asked))
        ranges[name] = combined
        said.extend(asked)
    if line and line not in ranges:
        return (_EMPTY_RANGE, (f"no {policy} range for {line} in " + ", ".join(release_label(r) for r in releases),))
    return (releases, line, ranges, tuple(said))


def _release_sets(tables: Tables, targets: Sequence[Target], provider: str = "openmmlab"
                  ) -> List[Tuple[Release, ...]]:
    """Every combination of candidate releases, newest first, each completed with the packages its
    releases import at module level (:func:`imported_packages`) that ``provider`` does not make itself."""
    options = []
    for package, keys, _, _ in targets:
        wanted = set(keys)
        options.append([r for r in tables["packages"][package][0] if r[3] and r[1] in wanted])
    sets: List[Tuple[Release, ...]] = [()]
    for candidates in options:
        sets = [(*s, r) for s in sets for r in candidates]
    return [complete for s in sets for complete in _completed(tables, s, _provided(tables, provider))]


def _provided(tables: Tables, provider: str) -> Dict[str, Tuple[str, str, str]]:
    """The OpenMMLab packages ``provider`` makes in their place: package -> (distribution, version,
    the oldest CPython it runs on or "")."""
    other = tables["providers"].get(provider)
    return dict(other[5]) if other is not None and len(other) > 5 else {}


def _completed(tables: Tables, releases: Tuple[Release, ...], provided: Dict[str, Tuple[str, str, str]]
               ) -> List[Tuple[Release, ...]]:
    """``releases`` with a release of each package they import (newest first, final releases), and of
    what those import in turn; not of those another maker provides (``provided``)."""
    missing = [m for m in imported_packages(tables, releases) if m[0] not in provided]
    if not missing:
        return [releases]
    package = missing[0][0]
    candidates = [r for r in tables["packages"][package][0] if r[3] and not is_prerelease(tables, r[2])]
    return [done for r in candidates for done in _completed(tables, (*releases, r), provided)]


def import_notes(tables: Tables, answer: Answer, asked: Sequence[str]) -> List[str]:
    """Why the answer holds a package nobody asked for: ``adding mmdet: mmpose 1.3.2 imports it at
    mmpose/models/heads/hybrid_heads/rtmo_head.py:9``."""
    by_name = {package: key for package, key in answer["releases"]}
    releases = [r for package, key in answer["releases"] for r in tables["packages"][package][0]
                if r[1] == key]
    provided = _provided(tables, answer["provider"])
    notes = []
    for package, importer, where in imported_packages(tables, [r for r in releases if r[0] in asked]):
        if package in by_name:
            notes.append(import_note(package, importer, where))
        elif package in provided and provided[package][0] in answer["pins"]:
            made = provided[package]
            notes.append(f"adding {made[0]} {made[1]} for {package}: {release_label(importer)} imports {package} at "
                         f"{where[1]}:{where[2]}; {made[0]} installs {package} and asserts no mmcv version")
    return notes


def _provided_pins(tables: Tables, releases: Tuple[Release, ...], provider: str, python: str
                   ) -> Tuple[Dict[str, str], str]:
    """The pins of the packages ``releases`` import that ``provider`` makes in their place, or why it
    cannot (a CPython too old for them)."""
    provided = _provided(tables, provider)
    pins: Dict[str, str] = {}
    for package, _, _ in imported_packages(tables, releases):
        if package in provided:
            distribution, version, oldest = provided[package]
            if oldest and python_key(python) < python_key(oldest):
                return {}, f"{distribution} {version} needs CPython {oldest} or newer"
            pins[distribution] = version
    return pins, ""






def _prebuilt(tables: Tables, agreement: Agreement, supplier: str, platform: str, choice: Choice, python: str
              ) -> Optional[str]:
    """The newest mmcv in range with a prebuilt wheel of ``supplier`` for this torch choice, or None."""
    allowed = agreement[2][agreement[1]]
    for version in mmcv_wheel_versions(tables, supplier, platform, choice[1], choice[0], python):
        if range_contains(tables, allowed, version):
            return version
    return None


def _build_evidence(tables: Tables, made_by: str, version: str, verified_only: bool = False
                    ) -> List[Tuple[Tuple[int, ...], Tuple[int, ...]]]:
    """The torch minors (oldest, newest) ``made_by`` ``version`` is known to compile against: the build
    table's rows, and each torch minor a prebuilt wheel of it was made for; ``verified_only``: only the
    rows marked ``verified`` (built and checked here)."""
    builds = tables.get("builds") or {}
    found = [(python_key(row[1]), python_key(row[2])) for row in builds.get("against", {}).get(made_by, ())
             if version in row[0] and (not verified_only or (len(row) > 3 and row[3]))]
    if verified_only:
        return found
    index = tables["wheels"].get(made_by)
    found += [(python_key(b[2]),) * 2 for b in (index[1] if index else ()) if version in b[3]]
    return found


def build_versions(tables: Tables, made_by: str) -> List[str]:
    """Every final version of ``made_by`` the data says anything of (wheels, build table), newest first."""
    builds = tables.get("builds") or {}
    found = set(all_wheel_versions(tables, made_by))
    found.update(v for row in builds.get("against", {}).get(made_by, ()) for v in row[0])
    return [v for v in newest_first(tables, list(found)) if not is_prerelease(tables, v)]


def build_blocked(tables: Tables, made_by: str, python: str) -> str:
    """Why ``made_by``'s sdist cannot be built on CPython ``python`` (``""``: it can)."""
    breaks = ((tables.get("builds") or {}).get("version_breaks") or {}).get(made_by)
    if breaks and python_key(python) >= python_key(breaks):
        return (f"{made_by}'s setup.py cannot read its own version on CPython {breaks} and later "
                "(get_version and PEP 667's locals())")
    return ""


def _source_build(tables: Tables, agreement: Agreement, choices: Sequence[Choice], made_by: str, python: str
                  ) -> Optional[Tuple[str, Choice, bool]]:
    """The newest final ``made_by`` in range to compile, the torch choice to compile it against, and
    whether that torch is newer than every build known of it (unverified). A torch known to work comes
    first (the newest version that has one); else the newest version whose known builds end below the
    torch, of the same torch major (mmcv-full 1.5.3 may build against torch 1.13, never 2.x), against
    the newest torch its line has prebuilt wheels for, else the nearest newer one.

    With more than one torch to choose from (none installed), a torch a ``verified`` row covers (built
    and checked here) comes before a newer one only upstream's word or nothing covers."""
    if build_blocked(tables, made_by, python):
        return None
    allowed = agreement[2][agreement[1]]
    candidates = []
    for version in build_versions(tables, made_by):
        if range_contains(tables, allowed, version):
            evidence = _build_evidence(tables, made_by, version)
            if evidence:
                candidates.append((version, evidence))
    tiers = [True, False] if len({c[0] for c in choices}) > 1 else [False]
    for verified_only in tiers:
        for version, evidence in candidates:
            known = _build_evidence(tables, made_by, version, verified_only=True) if verified_only else evidence
            for choice in choices:
                minor = python_key(choice[0])
                if any(low <= minor <= high for low, high in known):
                    return version, choice, False
    # unverified: the newest torch the line has prebuilt wheels for, else the nearest newer one
    index = tables["wheels"].get(made_by)
    ceiling = max((python_key(b[2]) for b in (index[1] if index else ())), default=()) or max(
        (high for _, evidence in candidates for _, high in evidence), default=())
    for version, evidence in candidates:
        fits = [c for c in choices if any(low[0] == python_key(c[0])[0] and low <= python_key(c[0])
                                          for low, _ in evidence)]
        if fits:
            def nearest(choice: Choice) -> Tuple[bool, Tuple[int, ...]]:
                minor = python_key(choice[0])
                return (minor > ceiling, tuple(-p for p in minor) if minor <= ceiling else minor)

            return version, min(fits, key=nearest), True
    return None


def build_minutes(tables: Tables, made_by: str) -> str:
    """The measured minutes of a CPU build of ``made_by`` on 2 cores (``""``: not measured)."""
    return str(((tables.get("builds") or {}).get("minutes") or {}).get(made_by, ""))


def _no_wheel(tables: Tables, agreement: Agreement, machine: Machine, made_by: str = "") -> str:
    """Why no torch choice has a wheel: what the wheel tables list for the machine (of ``made_by``, the
    distribution pinned for the line)."""
    line = made_by or agreement[1]
    allowed = range_text(tables, agreement[2][agreement[1]])
    platform, python, cuda = machine["platform"], machine["python"], machine["cuda"]
    gpu = machine.get("gpu")
    if gpu and cuda:
        from ..environment.gpu import why_not

        blocked = why_not(tables, cuda, gpu[0])
        if blocked:
            return blocked
    if machine["torch"] and cuda:
        minor = machine["torch_minor"]
        listed = mmcv_wheel_versions(tables, line, platform, cuda, minor, python)
        text = (f"prebuilt {line} wheels for {describe_platform(platform, cuda, minor, python)}: "
                + (", ".join(listed) or "none"))
        release = torch_release(tables, machine["torch"]) if machine["torch_exact"] else None
        any_python = versions_for(tables, line, platform, cuda, minor)
        if not listed and any_python:
            text += f" (there are wheels for other CPython versions: {', '.join(any_python)})"
        elif listed and line != agreement[1]:
            text += f", none in the range {agreement[1]}{allowed}"
        lacks = release is not None and not has_wheel(release, platform, python)
        if lacks and not machine["torch_installed"]:
            assert release is not None
            if len(release) > 5 and python in release[5].get(platform, ()):  # torch has one, torchvision not
                text += (f"; torchvision {release[4]} (the one made for torch {machine['torch']}) has no CPython "
                         f"{python} wheel for {platform}")
            else:
                text += f"; torch {machine['torch']} has no CPython {python} wheel for {platform}"
        return text
    torch = f"no torch{' ' + machine['torch'] if machine['torch'] else ''}"
    if line == agreement[1]:
        return f"{torch} with a prebuilt {line}{allowed} wheel for {describe_machine(machine)}"
    return f"{torch} with a prebuilt {line} wheel in the range {agreement[1]}{allowed} for {describe_machine(machine)}"


def supplier(tables: Tables, provider: str, line: str) -> Optional[str]:
    """Whose distribution of an mmcv line the stack pins: the line itself from OpenMMLab, or the
    distribution another maker publishes in its place (onedl-mmcv for mmcv); None: that maker has none."""
    if provider == "openmmlab":
        return line
    other = tables["providers"].get(provider)
    return str(other[0]) if other is not None and other[1] == line else None


def _on_cpu(choice: Choice) -> bool:
    return choice[1] in ("cpu", "mps")


def _search(tables: Tables, targets: Sequence[Target], machine: Machine, policy: str, allow_build: bool,
            provider: str = "openmmlab", device: str = "") -> Tuple[Optional[Answer], Failure,
                                                                     Optional[Tuple[Release, ...]]]:
    """The newest stack that fits, else the failure of the candidate that got furthest (newest first).
    ``device``: only torch choices for the ``gpu`` or the ``cpu`` (``""``: every one)."""
    best: Failure = (-1, ())
    best_releases: Optional[Tuple[Release, ...]] = None
    choices = [c for c in torch_choices(tables, machine) if not device or _on_cpu(c) == (device == "cpu")]
    for releases in _release_sets(tables, targets, provider):
        agreement = agree(tables, releases, policy)
        if len(agreement) == 2:
            if agreement[0] > best[0]:
                best, best_releases = agreement, releases
            continue
        provided, unmade = _provided_pins(tables, releases, provider, machine["python"])
        if unmade:
            if best[0] < _NO_BINARY:
                best, best_releases = (_NO_BINARY, (*agreement[3], unmade)), releases
            continue
        pins = {r[0]: r[2] for r in releases}
        pins.update(provided)
        line = agreement[1]
        if not line:
            return _stack(tables, agreement, pins, "", False, machine, policy, choices[0] if choices else None), \
                best, releases
        made_by = supplier(tables, provider, line)
        if made_by is None:
            if best[0] < _NO_BINARY:
                best = (_NO_BINARY, (*agreement[3], f"the {provider} provider makes no {line}"))
                best_releases = releases
            continue
        # with --allow-build, a build for the GPU comes before a prebuilt wheel for the CPU
        groups = [choices] if not allow_build else [[c for c in choices if not _on_cpu(c)],
                                                    [c for c in choices if _on_cpu(c)]]
        for group in groups:
            for choice in group:
                version = _prebuilt(tables, agreement, made_by, machine["platform"], choice, machine["python"])
                if version is not None:
                    pins[made_by] = version
                    return _stack(tables, agreement, pins, made_by, False, machine, policy, choice, provider), \
                        best, releases
            build = _source_build(tables, agreement, group, made_by, machine["python"]) if allow_build else None
            if build is not None:  # only when no torch choice of the group has a prebuilt wheel
                pins[made_by] = build[0]
                stack = _stack(tables, agreement, pins, made_by, True, machine, policy, build[1], provider)
                if build[2]:
                    stack["warnings"] = (f"warning: {made_by} {build[0]} is not known to build against torch "
                                         f"{build[1][2] or build[1][0]} (newer than every build on record): the "
                                         "build is unverified",)
                return stack, best, releases
        if best[0] < _NO_BINARY:
            why = _no_wheel(tables, agreement, machine, made_by)
            unbuilt = _no_build(tables, agreement, made_by, machine, choices) if allow_build else ""
            best = (_NO_BINARY, (*agreement[3], why + (f"; no build either: {unbuilt}" if unbuilt else "")))
            best_releases = releases
    return None, best, best_releases


def _no_build(tables: Tables, agreement: Agreement, made_by: str, machine: Machine, choices: Sequence[Choice]
              ) -> str:
    """Why :func:`_source_build` found nothing to compile, when it is that the versions in range are built
    against another torch major than every torch choice of the machine (``""`` otherwise)."""
    blocked = build_blocked(tables, made_by, machine["python"])
    if blocked:
        return blocked
    allowed = agreement[2][agreement[1]]
    newest = ""
    majors = set()
    for version in build_versions(tables, made_by):
        if range_contains(tables, allowed, version):
            found = {low[0] for low, _ in _build_evidence(tables, made_by, version)}
            newest = newest or (version if found else "")
            majors |= found
    if not majors or majors & {python_key(c[0])[0] for c in choices}:
        return ""
    torch = " or ".join(f"{m}.x" for m in sorted(majors))
    return (f"{made_by} {newest} and the others in range are built only against torch {torch}, and no torch "
            f"{torch} has wheels (with its torchvision) for {machine['platform']}/CPython {machine['python']}")


def _stack(tables: Tables, agreement: Agreement, pins: Dict[str, str], line: str, built: bool, machine: Machine,
           policy: str, choice: Optional[Choice], provider: str = "openmmlab") -> Answer:
    ranges = {k: v for k, v in agreement[2].items() if k not in pins and k != agreement[1]}
    other = tables["providers"].get(provider)
    if other is not None:  # its engine in place of OpenMMLab's, judged by the same range
        ranges = {other[2] if k == other[3] else k: v for k, v in ranges.items()}
    torch = None
    if choice is not None and choice[2]:
        torch = {"version": choice[2], "torchvision": choice[3], "cuda": choice[1], "index_url": "",
                 "installed": bool(machine["torch_installed"])}
    return {
        "pins": pins,
        "ranges": ranges,
        "mmcv": line,
        "source_build": built,
        "platform": (machine["platform"], choice[1] if choice else machine["cuda"],
                     choice[0] if choice else machine["torch_minor"], machine["python"]),
        "policy": policy,
        "find_links": (),
        "explanation": "",
        "releases": [(r[0], r[1]) for r in agreement[0]],
        "torch": torch,
        "provider": provider,
        "warnings": (),
    }




def _named_releases(tables: Tables, package: str) -> Tuple[str, ...]:
    """What the matrix knows of ``package``, said when a target matches none of its releases: (its newest
    releases, pre-releases marked, and branches; then a requirement that asks for the newest pre-release
    when every release is one: pre-releases are taken only when named)."""
    releases, branches = tables["packages"][package]
    versions = [r[2] for r in releases if r[3]]
    shown_versions = [v + (" (a pre-release)" if is_prerelease(tables, v) else "") for v in versions[:6]]
    known = ", ".join(shown_versions) + (f" and {len(versions) - 6} older" if len(versions) > 6 else "")
    said = f"{package} releases known: {known or 'none'}"
    if branches:
        said += f"; branches: {', '.join(branches)}"
    if versions and all(is_prerelease(tables, v) for v in versions):
        return said, f"{package}=={versions[0]} (a pre-release is taken only when named)"
    return (said,)


def solve(tables: Tables, targets: Sequence[Target], machine: Machine, *, policy: str = "safe",
          allow_build: bool = False, base_url: Optional[str] = None, torch_index: Optional[str] = None,
          provider: str = "openmmlab", onedl_base: Optional[str] = None) -> Answer:
    """The newest consistent stack for ``machine``, as a dict: ``pins`` (name -> version text),
    ``ranges`` (name -> range tuple), ``mmcv`` (the pinned mmcv distribution, ``""``: none),
    ``source_build``, ``platform`` (platform, CUDA variant, torch minor, CPython), ``policy``,
    ``find_links``, ``explanation``, ``releases`` ((package, key) pairs, the packages the targets import
    at module level included), ``torch`` (None, or a dict: version, torchvision, cuda, index_url,
    installed), ``provider``, ``notes`` (why a package nobody asked for is there), ``warnings`` (what
    must be said with it: a source build newer than every build on record). Raise
    :class:`~compat.errors.StackUnsatisfiable` with checked ways out.

    ``base_url``: mim's ``MMCV_BASE_URL`` (the host part of OpenMMLab's download site, for mirrors);
    ``torch_index``: replaces ``https://download.pytorch.org/whl`` (``MMCOMPAT_TORCH_INDEX_URL``). Both must be
    https, or http to a loopback host.
    """
    check_policy(policy)
    if base_url or torch_index or onedl_base:
        from ..net import check_url

        for url in (base_url, torch_index, onedl_base):
            if url:
                check_url(url)
    if provider not in PROVIDERS:
        raise BadInput(f"unknown provider {shown(provider)}; known: {', '.join(PROVIDERS)}", value=provider)
    tried = ("openmmlab", "onedl") if provider == "any" else (provider,)
    first: Optional[Tuple[Failure, Optional[Tuple[Release, ...]]]] = None
    # any: every maker's prebuilt wheels first, then the build that fits best (known over unverified,
    # then the newest version); with --allow-build, for the GPU before the CPU
    rounds = [("", allow_build)]
    if allow_build and len(tried) > 1:
        rounds = [(device, build) for device in ("gpu", "cpu") for build in (False, True)]
    for device, build in rounds:
        built: List[Answer] = []
        for maker in tried:
            stack, failure, releases = _search(tables, targets, machine, policy, build, maker, device)
            first = first or (failure, releases)
            if stack is not None and not stack["source_build"]:
                stack["notes"] = import_notes(tables, stack, [t[0] for t in targets])
                return _finished(tables, stack, base_url, torch_index, onedl_base)
            if stack is not None:
                built.append(stack)
        if built:
            best = max(built, key=lambda a: (not a["warnings"], rank(tables, a["pins"][a["mmcv"]])))
            best["notes"] = import_notes(tables, best, [t[0] for t in targets])
            return _finished(tables, best, base_url, torch_index, onedl_base)
    assert first is not None  # tried is never empty
    failure, releases = first  # the explanation is the first provider's
    asked = "; ".join(t[2] for t in targets)
    if releases is None:
        names = ", ".join(f"{t[0]}{t[3]}" for t in targets)
        unmatched = [t for t in targets if not t[1]] or list(targets)
        ways = [way for t in unmatched for way in _named_releases(tables, t[0])[1:]]
        said = "; ".join(_named_releases(tables, t[0])[0] for t in unmatched)
        raise StackUnsatisfiable(f"no known release matches {names}; {said}"
                                 + (". Ways out: " + "; ".join(ways) if ways else ""), causes=[names], ways_out=ways)
    ways = ways_out(tables, machine, policy, allow_build, releases, tried[0], [t[0] for t in targets])
    message = f"nothing fits {asked} on {describe_machine(machine)}: " + "; ".join(failure[1])
    if ways:
        message += ". Ways out: " + "; ".join(ways)
    raise StackUnsatisfiable(message, causes=failure[1], ways_out=ways)


# ---- ways out -------------------------------------------------------------------------------------

def _fits(tables: Tables, releases: Tuple[Release, ...], machine: Machine, policy: str, allow_build: bool,
          provider: str = "openmmlab") -> Optional[Answer]:
    targets = [(r[0], (r[1],), f"{r[0]}=={r[1]}", f"=={r[2]}") for r in releases]
    return _search(tables, targets, machine, policy, allow_build, provider)[0]


def _with(stack: Answer) -> str:
    """``torch 1.11.0 with CUDA 11.3, mmcv-full 1.5.3``."""
    parts = []
    torch = stack["torch"]
    if torch is not None:
        cuda = {"cpu": "CPU", "mps": "MPS"}.get(torch["cuda"], f"CUDA {torch['cuda']}")
        parts.append(f"torch {torch['version']} with {cuda}")
    if stack["mmcv"]:
        parts.append(f"{stack['mmcv']} {stack['pins'][stack['mmcv']]}")
    return ", ".join(parts)


def _python_order(python: str) -> List[str]:
    """Other CPython versions, nearest first, older first on a tie."""
    others = [p for p in _PYTHONS if p != python]
    here = python_key(python)
    return sorted(others, key=lambda p: (abs(python_key(p)[1] - here[1]), python_key(p)))


def _all_variants(tables: Tables) -> List[str]:
    found = {c for r in torch_releases(tables) for c in r[3]}
    return sorted(found, key=python_key, reverse=True)


def _freed(machine: Machine, **changes: Any) -> Machine:
    return {**machine, **changes}


def ways_out(tables: Tables, machine: Machine, policy: str, allow_build: bool, releases: Tuple[Release, ...],
             provider: str = "openmmlab", asked: Sequence[str] = ()) -> List[str]:
    """Alternatives that were checked to fit, each as the user would ask for it. ``asked``: the packages
    asked for; the others in ``releases`` (imported by them) are chosen again by each trial."""
    if asked:
        releases = tuple(r for r in releases if r[0] in asked)
    ways: List[str] = []
    line = mmcv_line(releases) or ""
    if line and provider == "openmmlab":  # another maker's prebuilt wheels, same ranges and import checks
        for name in tables["providers"]:
            stack = _fits(tables, releases, machine, policy, False, name)
            if stack is None and (machine["torch"] or machine["cuda"]) and not machine["torch_installed"]:
                unpinned = _freed(machine, torch="", torchvision="", torch_minor="", torch_exact=False)
                stack = _fits(tables, releases, unpinned, policy, False, name)
            if stack is not None:
                ways.append(f"--provider {name} ({_with(stack)})")
    if line and (machine["torch"] or machine["cuda"]):
        # another torch or CUDA variant: the fixed torch freed; then CUDA variants the given one's driver
        # also runs (no newer than it), newest first; then whatever the machine's driver runs
        offered: List[str] = []
        free = _freed(machine, torch="", torchvision="", torch_installed=False, torch_minor="", torch_exact=False)
        trials = [free] if machine["torch"] else []
        if machine["cuda"] and machine["cuda"] not in ("cpu", "mps"):
            trials += [_freed(free, cuda=c) for c in _all_variants(tables)
                       if c != machine["cuda"] and python_key(c) <= python_key(machine["cuda"])]
        for freed in [*trials, _freed(free, cuda="")]:
            stack = _fits(tables, releases, freed, policy, False, provider)
            if stack is not None and _with(stack) not in offered:
                offered.append(_with(stack))
                break
        if offered:
            switch = "switch the installed torch to" if machine["torch_installed"] else "another torch or CUDA:"
            ways.append(f"{switch} " + "; ".join(offered))
    if line:
        for python in _python_order(machine["python"]):
            stack = _fits(tables, releases, _freed(machine, python=python), policy, False, provider)
            if stack is not None:
                ways.append(f"Python {python} (--python-version {python}): {_with(stack)}")
                break
    if policy != "enforced" and line:
        stack = _fits(tables, releases, machine, "enforced", allow_build, provider)
        if stack is not None:
            ways.append(f"--policy enforced ({line} {stack['pins'][line]}, which the import check accepts but the "
                        f"{policy} policy excludes)")
    clash = mmcv_line(releases) is None
    for position, release in enumerate(releases):
        others = [r for r in tables["packages"][release[0]][0]
                  if r[3] and r[1] != release[1] and not is_prerelease(tables, r[2])]
        # the same major line first; another line only when the lines themselves clash
        release_major = major(tables, release[2])
        same_line = [r for r in others if major(tables, r[2]) == release_major]
        for other in same_line + ([r for r in others if r not in same_line] if clash else []):
            trial = (*releases[:position], other, *releases[position + 1:])
            stack = _fits(tables, trial, machine, policy, False, provider)
            if stack is not None:
                direction = "newer" if rank(tables, other[2]) > rank(tables, release[2]) else "older"
                article = "an" if direction == "older" else "a"
                detail = _with(stack)
                ways.append(f"{article} {direction} {release[0]}: {release[0]}=={other[1]}"
                            + (f" ({detail})" if detail else ""))
                break
    if line:  # first: the build that keeps the machine's torch (with --allow-build given: another maker's)
        build = _build_way(tables, releases, machine, policy, provider, others_only=allow_build)
        if build:
            ways.insert(0, build)
    return ways


def _build_way(tables: Tables, releases: Tuple[Release, ...], machine: Machine, policy: str, provider: str,
               others_only: bool = False) -> str:
    """``--allow-build`` as a way out, with what the build needs and how long it takes; ``""``: none fits.
    ``others_only``: only another maker's build (the provider's own was tried)."""
    makers = [provider, *(name for name in tables["providers"] if provider == "openmmlab")]
    for maker in makers[1:] if others_only else makers:
        stack = _fits(tables, releases, machine, policy, True, maker)
        if stack is None or not stack["source_build"]:
            continue
        made_by = stack["mmcv"]
        torch = stack["torch"]
        cuda = stack["platform"][1]
        against = f" against torch {torch['version']}" if torch is not None else ""
        needs = "a C++ compiler, ninja"
        if cuda not in ("cpu", "mps", ""):
            needs += f" and nvcc of CUDA {cuda} (matching torch's CUDA)"
        minutes = build_minutes(tables, made_by)
        took = f"; about {minutes} min for the CPU ops on 2 cores" if minutes else "; it takes long"
        if cuda not in ("cpu", "mps", ""):
            took += ", longer for CUDA"
        flag = "--allow-build" + (f" --provider {maker}" if maker != provider else "")
        unverified = "; unverified for this torch" if stack["warnings"] else ""
        return (f"{flag} ({made_by} {stack['pins'][made_by]} compiled from source{against}: needs {needs}{took}"
                f"{unverified})")
    return ""


# ---- the finished answer ---------------------------------------------------------------------------

def index_for(tables: Tables, cuda: str, base: str = "") -> str:
    """The PyTorch index of a CUDA variant (``12.1`` -> ``.../cu121``; ``cpu``); ``base`` replaces the part
    before the variant (``MMCOMPAT_TORCH_INDEX_URL``)."""
    return variant_index(tables, "cpu" if cuda in ("", "cpu") else "cu" + cuda.replace(".", ""), base)


def variant_index(tables: Tables, variant: str, base: str = "") -> str:
    """The PyTorch index of a variant as torch's local version tag names it (``cpu``, ``cu121``,
    ``rocm6.2``); ``base`` as in :func:`index_for`."""
    if base:
        return base.rstrip("/") + "/" + variant
    return fill(str(tables["torch"][0]), {"variant": variant})


def _finished(tables: Tables, stack: Answer, base_url: Optional[str], torch_index: Optional[str],
              onedl_base: Optional[str] = None) -> Answer:
    platform, cuda, minor, _ = stack["platform"]
    described = describe_platform(*stack["platform"])
    parts = [f"{package} {key}: the newest release that fits" for package, key in stack["releases"]]
    torch = stack["torch"]
    line = stack["mmcv"]
    if torch is not None:
        if platform != "macos" and tables["torch"] is not None:
            torch = {**torch, "index_url": index_for(tables, torch["cuda"], torch_index or "")}
        if torch["installed"]:
            parts.append(f"torch {torch['version']}: installed, kept")
        else:
            parts.append(f"torch {torch['version']}: the newest torch with a prebuilt {line or 'wheel'} for "
                         f"{described}" if line and not stack["source_build"] else
                         f"torch {torch['version']}: the newest release for {described}")
    if line:
        version = stack["pins"][line]
        if stack["source_build"]:
            parts.append(f"{line} {version}: newest in range; no prebuilt wheel for {described}, so it is compiled "
                         "from source")
        else:
            other = tables["providers"].get(stack["provider"])
            made = f" (imports as {other[1]}; {stack['provider']}'s prebuilt wheels)" if other is not None else ""
            parts.append(f"{line} {version}{made}: the newest in range with a prebuilt wheel for {described}")
    maker = tables["providers"].get(stack["provider"])
    rule = (maker[4] if maker is not None else tables["find_links"].get(line)) if line else None
    links: Tuple[str, ...] = ()
    if rule is not None and minor and cuda and not stack["source_build"] and cuda != "mps":
        # (OpenMMLab documents no index for its mps wheels)
        # mirrors: mim's MMCV_BASE_URL (the host part) for OpenMMLab's, MMCOMPAT_ONEDL_BASE_URL for onedl's
        mirror = {"openmmlab": base_url, "onedl": onedl_base}.get(stack["provider"])
        prefix = _HOSTS.get(stack["provider"], "")
        if mirror and prefix and str(rule[1]).startswith(prefix):
            rule = (rule[0], str(rule[1]).replace(prefix, mirror.rstrip("/"), 1), rule[2], "mirror")
        links = (compiled_rule_url(rule, minor + ".0", None if cuda == "cpu" else cuda),)
    return {**stack, "torch": torch, "find_links": links, "explanation": "; ".join(parts)}


def numpy_reason(tables: Tables, pins: Dict[str, Any]) -> Optional[str]:
    """Why ``numpy<2`` belongs in a plan with mmpose, or None: xtcocotools' registry wheels are built
    against numpy 1.x and fail to import under numpy 2."""
    newest = tables["numpy1_newest"].get("xtcocotools")
    if "mmpose" not in pins or not newest:
        return None
    return (f"mmpose needs xtcocotools, whose registry wheels (newest {newest}) are built against numpy 1.x "
            "and fail to import under numpy 2")


def answer_requirements(tables: Tables, answer: Answer) -> Tuple[str, ...]:
    """:func:`requirement_lines` of an answer of :func:`solve`."""
    torch = answer["torch"]
    return requirement_lines(None if torch is None else (torch["version"], torch["torchvision"]), answer["pins"],
                             {name: range_text(tables, r) for name, r in answer["ranges"].items()})
