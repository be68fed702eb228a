"""The stack search itself, over the matrix's compiled tables (:mod:`compat.tables`).

This is the one implementation of whole-stack resolution: :func:`compat.stack.resolve_stack` wraps it
in typed records, and the command line calls it directly. It works on plain built-in data (version
texts with ranks, ranges as tuples) so that a run needs neither ``packaging`` nor ``dataclasses``,
and its tables can be compiled into the wheel when it is built: every version comparison and every
verbatim specifier (``!=1.5.0``) was evaluated by ``packaging`` then. Nothing here prints; it returns
an answer (a dict, see :func:`solve`) or raises :class:`~compat.errors.StackUnsatisfiable`.

The question is read by :mod:`compat.question` (the machine as a dict: ``platform``, ``python``,
``cuda`` (``""``: auto), ``torch`` (``""``: auto), ``torch_minor``, ``torch_exact``, ``torch_installed``,
``torchvision``, ``driver``); a target is ``(package, release keys it allows newest first, the text
asked, its specifier)``. Versions and ranges are compared by :mod:`compat.ranks`, which binaries exist
is :mod:`compat.availability`. This module agrees releases, searches (newest first), explains a
failure with ways out that were each checked by searching again, and finishes the answer (where torch
and the mmcv wheel come from).
"""

from __future__ import annotations

from .availability import (
    all_wheel_versions,
    has_wheel,
    mmcv_wheel_versions,
    torch_choices,
    torch_release,
    torch_releases,
    versions_for,
)
from .errors import BadInput, StackUnsatisfiable, shown
from .links import compiled_rule_url, fill
from .question import check_policy, describe_machine, describe_platform, requirement_lines
from .ranks import is_prerelease, major, python_key, range_contains, range_intersect, range_is_empty, range_text, rank
from .vocabulary import MMCV_LINES, PROVIDERS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

    from .shapes import Agreement, Answer, Choice, Failure, Machine, Tables, Target
    from .shapes import DependencyData as Dependency
    from .shapes import RangeData as Range
    from .shapes import ReleaseData as Release

__all__ = [
    "agree",
    "answer_requirements",
    "combined_range",
    "index_for",
    "mmcv_line",
    "numpy_reason",
    "range_for",
    "solve",
    "supplier",
    "ways_out",
]

#: The CPython versions a way out may suggest, when the data knows nothing wider.
_PYTHONS = ("3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
_HOSTS = {"openmmlab": "https://download.openmmlab.com", "onedl": "https://mmwheels.onedl.ai"}
#: How far a candidate got before it failed: the explanation uses the one that got furthest.
_CLASHING_LINES, _CROSS_CHECK, _EMPTY_RANGE, _NO_BINARY = range(4)

def range_for(tables: Tables, dependency: Dependency, policy: str) -> Optional[Range]:
    """A dependency's range under ``policy``; ``safe`` intersects every source present."""
    documented, enforced, installer = dependency[2], dependency[3], dependency[4]
    if policy != "safe":
        return {"documented": documented, "enforced": enforced, "installer": installer}.get(policy)
    found: Optional[Range] = None
    for r in (documented, enforced, installer):
        if r is not None:
            found = r if found is None else range_intersect(tables, found, r)
    return found


def _dependency(release: Release, name: str) -> Optional[Dependency]:
    for dependency in release[4]:
        if dependency[0] == name:
            return dependency
    return None


def _label(release: Release) -> str:
    return f"{release[0]} {release[1]}"


def combined_range(tables: Tables, releases: Sequence[Release], name: str, policy: str
                   ) -> Tuple[Optional[Range], List[str]]:
    """The intersection of every release's ``policy`` range for ``name``, and what each one asked.

    Whatever the policy, a release's import check (its enforced range) is kept: a stack that fails at
    ``import`` is no answer.
    """
    combined: Optional[Range] = None
    said = []
    for release in releases:
        dependency = _dependency(release, name)
        if dependency is None:
            continue
        version_range = range_for(tables, dependency, policy)
        enforced = dependency[3]
        if enforced is not None and policy != "enforced":
            version_range = enforced if version_range is None else range_intersect(tables, version_range, enforced)
        if version_range is None:
            continue
        said.append(f"{_label(release)} needs {name}{range_text(tables, version_range) or ' (any)'}")
        combined = version_range if combined is None else range_intersect(tables, combined, version_range)
    return combined, said


def mmcv_line(releases: Sequence[Release]) -> Optional[str]:
    """The one mmcv line the releases need; ``""`` when none needs one, None when they need different ones."""
    lines = {d[0] for r in releases for d in r[4] if d[0] in MMCV_LINES and not d[1]}
    return lines.pop() if len(lines) == 1 else (None if lines else "")


def agree(tables: Tables, releases: Tuple[Release, ...], policy: str) -> Union[Agreement, Failure]:
    """The releases' mmcv line and the ranges they leave (an agreement: 4 items), or why they do not
    agree (a failure: how far it got, and the clashing constraints)."""
    line = mmcv_line(releases)
    if line is None:
        return (_CLASHING_LINES, (" and ".join(_label(r) for r in releases) + " need different mmcv lines",))
    for release in releases:  # what each release says of the others (mmpose's installer names mmdet)
        for other in releases:
            dependency = _dependency(release, other[0]) if other is not release else None
            other_range = range_for(tables, dependency, policy) if dependency is not None else None
            if other_range is not None and not range_contains(tables, other_range, other[2]):
                return (_CROSS_CHECK, (f"{_label(release)} needs {other[0]}{range_text(tables, other_range)}, "
                                       f"not {_label(other)}",))
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
        return (_EMPTY_RANGE, (f"no {policy} range for {line} in " + ", ".join(_label(r) for r in releases),))
    return (releases, line, ranges, tuple(said))


def _release_sets(tables: Tables, targets: Sequence[Target]) -> List[Tuple[Release, ...]]:
    """Every combination of candidate releases, newest first."""
    options = []
    for package, keys, _, _ in targets:
        wanted = set(keys)
        options.append([r for r in tables["packages"][package][0] if r[3] and r[1] in wanted])
    sets: List[Tuple[Release, ...]] = [()]
    for candidates in options:
        sets = [(*s, r) for s in sets for r in candidates]
    return sets






def _prebuilt(tables: Tables, agreement: Agreement, supplier: str, platform: str, choice: Choice, python: str
              ) -> Optional[str]:
    """The newest mmcv in range with a prebuilt wheel of ``supplier`` for this torch choice, or None."""
    allowed = agreement[2][agreement[1]]
    for version in mmcv_wheel_versions(tables, supplier, platform, choice[1], choice[0], python):
        if range_contains(tables, allowed, version):
            return version
    return None


def _newest_torch_built_for(tables: Tables, line: str, version: Optional[str]) -> Optional[Tuple[int, ...]]:
    """The newest torch minor any prebuilt wheel of ``line`` (of ``version``, when given) was made for:
    evidence that its sources compile against that torch."""
    index = tables["wheels"].get(line)
    minors = [python_key(b[2]) for b in (index[1] if index else ()) if version is None or version in b[3]]
    return max(minors) if minors else None


def _source_build(tables: Tables, agreement: Agreement, choices: Sequence[Choice]) -> Optional[Tuple[str, Choice]]:
    """The newest final mmcv in range to compile, and the newest torch to compile it against: one its
    own wheels were made for if any torch choice is, else a newer one of the same torch major that its
    line has wheels for (mmcv-full 1.5.3 may build against torch 1.13, never 2.x)."""
    line = agreement[1]
    allowed = agreement[2][line]
    line_ceiling = _newest_torch_built_for(tables, line, None)
    for version in all_wheel_versions(tables, line):
        if not range_contains(tables, allowed, version) or is_prerelease(tables, version):
            continue
        own = _newest_torch_built_for(tables, line, version)
        if own is None or line_ceiling is None:
            continue
        same_major = min(line_ceiling, (own[0], 99)) if line_ceiling[0] > own[0] else line_ceiling
        for ceiling in (own, same_major):
            for choice in choices:
                if python_key(choice[0]) <= ceiling:
                    return version, choice
    return None


def _no_wheel(tables: Tables, agreement: Agreement, machine: Machine, made_by: str = "") -> str:
    """Why no torch choice has a wheel: what the wheel tables list for the machine (of ``made_by``, the
    distribution pinned for the line)."""
    line = made_by or agreement[1]
    allowed = range_text(tables, agreement[2][agreement[1]])
    platform, python, cuda = machine["platform"], machine["python"], machine["cuda"]
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


def _search(tables: Tables, targets: Sequence[Target], machine: Machine, policy: str, allow_build: bool,
            provider: str = "openmmlab") -> Tuple[Optional[Answer], Failure, Optional[Tuple[Release, ...]]]:
    """The newest stack that fits, else the failure of the candidate that got furthest (newest first)."""
    best: Failure = (-1, ())
    best_releases: Optional[Tuple[Release, ...]] = None
    choices = torch_choices(tables, machine)
    for releases in _release_sets(tables, targets):
        agreement = agree(tables, releases, policy)
        if len(agreement) == 2:
            if agreement[0] > best[0]:
                best, best_releases = agreement, releases
            continue
        pins = {r[0]: r[2] for r in releases}
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
        for choice in choices:
            version = _prebuilt(tables, agreement, made_by, machine["platform"], choice, machine["python"])
            if version is not None:
                pins[made_by] = version
                return _stack(tables, agreement, pins, made_by, False, machine, policy, choice, provider), best, \
                    releases
        if allow_build and made_by == line:  # only when no torch choice has a prebuilt wheel
            build = _source_build(tables, agreement, choices)
            if build is not None:
                pins[line] = build[0]
                return _stack(tables, agreement, pins, line, True, machine, policy, build[1]), best, releases
        if best[0] < _NO_BINARY:
            best = (_NO_BINARY, (*agreement[3], _no_wheel(tables, agreement, machine, made_by)))
            best_releases = releases
    return None, best, best_releases


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
    }




def solve(tables: Tables, targets: Sequence[Target], machine: Machine, *, policy: str = "safe",
          allow_build: bool = False, base_url: Optional[str] = None, torch_index: Optional[str] = None,
          provider: str = "openmmlab", onedl_base: Optional[str] = None) -> Answer:
    """The newest consistent stack for ``machine``, as a dict: ``pins`` (name -> version text),
    ``ranges`` (name -> range tuple), ``mmcv`` (the pinned mmcv distribution, ``""``: none),
    ``source_build``, ``platform`` (platform, CUDA variant, torch minor, CPython), ``policy``,
    ``find_links``, ``explanation``, ``releases`` ((package, key) pairs), ``torch`` (None, or a dict:
    version, torchvision, cuda, index_url, installed), ``provider``. Raise
    :class:`~compat.errors.StackUnsatisfiable` with checked ways out.

    ``base_url``: mim's ``MMCV_BASE_URL`` (the host part of OpenMMLab's download site, for mirrors);
    ``torch_index``: replaces ``https://download.pytorch.org/whl`` (``MMCOMPAT_TORCH_INDEX_URL``). Both must be
    https, or http to a loopback host.
    """
    check_policy(policy)
    if base_url or torch_index or onedl_base:
        from .net import check_url

        for url in (base_url, torch_index, onedl_base):
            if url:
                check_url(url)
    if provider not in PROVIDERS:
        raise BadInput(f"unknown provider {shown(provider)}; known: {', '.join(PROVIDERS)}", value=provider)
    tried = ("openmmlab", "onedl") if provider == "any" else (provider,)
    first: Optional[Tuple[Failure, Optional[Tuple[Release, ...]]]] = None
    for maker in tried:
        stack, failure, releases = _search(tables, targets, machine, policy, allow_build, maker)
        if stack is not None:
            return _finished(tables, stack, base_url, torch_index, onedl_base)
        first = first or (failure, releases)
    assert first is not None  # tried is never empty
    failure, releases = first  # the explanation is the first provider's
    asked = "; ".join(t[2] for t in targets)
    if releases is None:
        names = ", ".join(f"{t[0]}{t[3]}" for t in targets)
        raise StackUnsatisfiable(f"no known release matches {names}", causes=[names], ways_out=[])
    ways = ways_out(tables, machine, policy, allow_build, releases, tried[0])
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
             provider: str = "openmmlab") -> List[str]:
    """Alternatives that were checked to fit, each as the user would ask for it."""
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
    if not allow_build and line:
        stack = _fits(tables, releases, machine, policy, True, provider)
        if stack is not None:
            ways.append(f"--allow-build ({line} {stack['pins'][line]} compiled from source: needs a compiler"
                        + (" and the CUDA toolkit" if stack["platform"][1] not in ("cpu", "mps", "") else "")
                        + ", and takes long)")
    return ways


# ---- the finished answer ---------------------------------------------------------------------------

def index_for(tables: Tables, cuda: str, base: str = "") -> str:
    """The PyTorch index of a CUDA variant (``12.1`` -> ``.../cu121``; ``cpu``); ``base`` replaces the part
    before the variant (``MMCOMPAT_TORCH_INDEX_URL``)."""
    variant = "cpu" if cuda in ("", "cpu") else "cu" + cuda.replace(".", "")
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
