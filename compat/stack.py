"""Whole-stack resolution: mmpose, mmdet and the mmcv line together, aware of prebuilt wheels.

Given targets (``mmpose==1.3.2``, ``"mmpose>=0.28,<1"``, ``mmdet``) and the torch/CUDA/platform the
install is for, find the newest consistent set under a policy: a pin for every OpenMMLab package named
and for mmcv, ranges for mmengine. When torch and CUDA are known, only an mmcv version with a prebuilt
wheel for them counts (per mmcv's own version picker data in the matrix), unless ``allow_build``.
Nothing fits: :class:`StackUnsatisfiable` with the clashing constraints and ways out that were checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .errors import BadInput, Unsatisfiable
from .models import FindLinks, Matrix, PackageTable, Release
from .ranges import Range
from .resolver import check_policy

__all__ = ["Platform", "StackTarget", "Stack", "StackUnsatisfiable", "parse_targets", "parse_platform", "resolve_stack"]

MMCV_LINES = ("mmcv-full", "mmcv")
PLATFORMS = ("linux", "windows", "macos")


@dataclass(frozen=True)
class Platform:
    """What the install is for: platform, CUDA version (``11.3``; ``cpu`` for none), torch minor (``1.12``).

    ``torch`` or ``cuda`` empty: unknown, and then wheel availability is not checked.
    """

    platform: str
    cuda: str = ""
    torch: str = ""

    @property
    def known(self) -> bool:
        return bool(self.torch and self.cuda)

    def describe(self) -> str:
        cuda = {"cpu": "CPU", "mps": "MPS"}.get(self.cuda, f"CUDA {self.cuda}")
        return f"{self.platform}/{cuda}/torch {self.torch}"


@dataclass(frozen=True)
class StackTarget:
    """One package asked for, with the range it must be in."""

    name: str
    spec: SpecifierSet
    text: str


@dataclass(frozen=True)
class Stack:
    """A consistent set: exact pins, ranges for the rest, where the mmcv wheel comes from."""

    pins: Dict[str, Version]
    ranges: Dict[str, Range]
    mmcv: str
    source_build: bool
    platform: Platform
    policy: str
    find_links: Tuple[str, ...] = ()
    explanation: str = ""
    releases: Dict[str, Release] = field(default_factory=dict)

    @property
    def requirements(self) -> Tuple[str, ...]:
        """pip-ready lines: the pins first (OpenMMLab packages, then mmcv), then the ranges."""
        lines = [f"{name}=={version}" for name, version in self.pins.items()]
        lines += [name + str(r) for name, r in self.ranges.items() if name not in self.pins]
        return tuple(lines)


class StackUnsatisfiable(Unsatisfiable):
    """No set fits; ``causes`` are the clashing constraints, ``ways_out`` the checked alternatives."""

    def __init__(self, message: str, *, causes: Sequence[str], ways_out: Sequence[str]) -> None:
        super().__init__(message, release="", distribution="", causes=causes)
        self.ways_out = tuple(ways_out)


def parse_platform(platform: Optional[str], cuda: Optional[str], torch: Optional[str]) -> Platform:
    """Validate ``--platform``, ``--cuda`` (``11.3``, ``cu113``, ``cpu``) and ``--torch`` (``1.12.1``)."""
    import sys

    name = (platform or {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")).lower()
    if name not in PLATFORMS:
        raise BadInput(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}", value=str(platform))
    cuda_text = (cuda or "").strip().lower()
    if cuda_text.startswith("cu") and cuda_text[2:].isdigit() and len(cuda_text) > 3:
        cuda_text = cuda_text[2:-1] + "." + cuda_text[-1]
    if cuda_text and cuda_text not in ("cpu", "mps"):
        parts = cuda_text.split(".")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise BadInput(f"not a CUDA version: {cuda!r}; give e.g. 11.3, cu113 or cpu", value=str(cuda))
    torch_minor = ""
    if torch:
        try:
            release = Version(torch.split("+", 1)[0]).release
        except InvalidVersion:
            raise BadInput(f"not a torch version: {torch!r}; give e.g. 1.12.1", value=torch) from None
        torch_minor = f"{release[0]}.{release[1] if len(release) > 1 else 0}"
    return Platform(name, cuda_text, torch_minor)


def parse_targets(texts: Sequence[str], matrix: Matrix) -> List[StackTarget]:
    """``mmpose==1.3.2``, ``mmdet``, ``"mmpose>=0.28,<1"``; a bare version means mmpose."""
    targets: Dict[str, StackTarget] = {}
    for text in texts:
        raw = text.strip()
        try:
            Version(raw[1:] if raw[:1] in "vV" else raw)
            raw = f"mmpose=={raw[1:] if raw[:1] in 'vV' else raw}"
        except InvalidVersion:
            pass
        try:
            requirement = Requirement(raw)
        except InvalidRequirement:
            raise BadInput(f"not a requirement: {text!r}; give e.g. mmpose==1.3.2 or mmdet", value=text) from None
        name = canonicalize_name(requirement.name)
        if name not in matrix.packages:
            raise BadInput(f"the matrix has no package {name!r}; known: {', '.join(sorted(matrix.packages))}", value=text)
        if name in targets:
            spec = targets[name].spec & requirement.specifier
            targets[name] = StackTarget(name, spec, f"{targets[name].text}, {text}")
        else:
            targets[name] = StackTarget(name, requirement.specifier, text)
    if not targets:
        raise BadInput("give at least one target, e.g. mmpose==1.3.2", value="")
    return list(targets.values())


def _candidates(table: PackageTable, spec: SpecifierSet) -> List[Release]:
    """Releases with facts, newest first, that ``spec`` admits (pre-releases only when it names one)."""
    return [r for r in table.releases if r.required and spec.contains(r.version)]


def _combine(releases: Sequence[Release], name: str, policy: str) -> Tuple[Optional[Range], List[str]]:
    """The intersection of every release's ``policy`` range for ``name``, and what each one asked.

    Whatever the policy, a release's import check (its enforced range) is kept: a stack that fails at
    ``import`` is no answer.
    """
    combined: Optional[Range] = None
    said = []
    for release in releases:
        dependency = release.dependency(name)
        if dependency is None:
            continue
        version_range = dependency.range_for(policy)
        if dependency.enforced is not None and policy != "enforced":
            # silent under the policy, or not: the release's import check still applies
            enforced = dependency.enforced.range
            version_range = enforced if version_range is None else version_range.intersect(enforced)
        if version_range is None:
            continue
        said.append(f"{release.package} {release.key} needs {name}{version_range or ' (any)'}")
        combined = version_range if combined is None else combined.intersect(version_range)
    return combined, said


def _mmcv_line(releases: Sequence[Release]) -> Optional[str]:
    lines = {d.name for r in releases for d in r.dependencies if d.name in MMCV_LINES and not d.optional}
    return lines.pop() if len(lines) == 1 else (None if lines else "")


def _wheel_versions(matrix: Matrix, line: str, platform: Platform) -> Optional[Tuple[Version, ...]]:
    index = matrix.wheels.get(line)
    if index is None or not platform.known:
        return None
    return index.versions_for(platform.platform, platform.cuda, platform.torch)


def _known_versions(matrix: Matrix, line: str) -> Tuple[Version, ...]:
    index = matrix.wheels.get(line)
    return index.all_versions() if index is not None else ()


def _pick_mmcv(matrix: Matrix, line: str, allowed: Range, platform: Platform, allow_build: bool
               ) -> Tuple[Optional[Version], bool]:
    """(version, built from source?) or (None, False)."""
    wheels = _wheel_versions(matrix, line, platform)
    if wheels is not None:
        for version in wheels:
            if allowed.contains(version):
                return version, False
        if not allow_build:
            return None, False
    for version in _known_versions(matrix, line):
        if allowed.contains(version):
            return version, wheels is not None
    return None, False


#: How far a combination got before it failed: the explanation uses the one that got furthest.
_LINES, _CROSS, _RANGES, _WHEELS = range(4)


def _try(matrix: Matrix, combo: Sequence[Release], platform: Platform, policy: str, allow_build: bool
         ) -> Tuple[Optional[Stack], List[str], int]:
    """A stack for these releases, or the reasons they do not fit and how far they got."""
    line = _mmcv_line(combo)
    if line is None:
        return None, [" and ".join(f"{r.package} {r.key}" for r in combo) + " need different mmcv lines"], _LINES
    ranges: Dict[str, Range] = {}
    causes: List[str] = []
    for release in combo:  # what each release says of the others (mmpose's installer names mmdet)
        for other in combo:
            dependency = release.dependency(other.package) if other is not release else None
            other_range = dependency.range_for(policy) if dependency is not None else None
            if other_range is not None and not other_range.contains(other.version):
                return None, [f"{release.package} {release.key} needs {other.package}{other_range}, "
                              f"not {other.package} {other.key}"], _CROSS
    packages = {r.package for r in combo}
    others = sorted({d.name for r in combo for d in r.required} - packages - set(MMCV_LINES) - {"mmengine"})
    for name in ("mmcv-full", "mmcv", "mmengine", *others):
        combined, said = _combine(combo, name, policy)
        if combined is None:
            continue
        if combined.is_empty:
            return None, said, _RANGES
        ranges[name] = combined
        causes.extend(said)
    pins: Dict[str, Version] = {r.package: r.version for r in combo}
    source_build = False
    if line and line not in ranges:
        return None, [f"no {policy} range for {line} in " + ", ".join(f"{r.package} {r.key}" for r in combo)], _RANGES
    if line:
        version, source_build = _pick_mmcv(matrix, line, ranges[line], platform, allow_build)
        if version is None:
            wheels = _wheel_versions(matrix, line, platform)
            listed = ", ".join(str(v) for v in wheels) if wheels else "none"
            return None, causes + [f"prebuilt {line} wheels for {platform.describe()}: {listed}"], _WHEELS
        pins[line] = version
    stack = Stack(pins=pins, ranges={k: v for k, v in ranges.items() if k not in pins}, mmcv=line,
                  source_build=source_build, platform=platform, policy=policy,
                  releases={r.package: r for r in combo})
    return stack, [], _WHEELS


def _combos(matrix: Matrix, targets: Sequence[StackTarget]) -> List[Tuple[Release, ...]]:
    lists = [_candidates(matrix.packages[t.name], t.spec) for t in targets]
    combos: List[Tuple[Release, ...]] = [()]
    for options in lists:
        combos = [c + (r,) for c in combos for r in options]
    return combos


def _first(matrix: Matrix, targets: Sequence[StackTarget], platform: Platform, policy: str, allow_build: bool
           ) -> Tuple[Optional[Stack], List[str], Optional[Tuple[Release, ...]]]:
    best_causes: List[str] = []
    best_combo = None
    best_stage = -1
    for combo in _combos(matrix, targets):
        stack, causes, stage = _try(matrix, combo, platform, policy, allow_build)
        if stack is not None:
            return stack, [], combo
        if stage > best_stage:  # explain the newest combination that got furthest
            best_combo, best_causes, best_stage = combo, causes, stage
    return None, best_causes, best_combo


def resolve_stack(targets: Sequence[StackTarget], matrix: Matrix, platform: Platform, *, policy: str = "safe",
                  allow_build: bool = False, base_url: Optional[str] = None) -> Stack:
    """The newest consistent stack; raise :class:`StackUnsatisfiable` with checked ways out.

    ``base_url`` replaces ``https://download.openmmlab.com/mmcv/dist`` in the find-links URL (mim's
    ``MMCV_BASE_URL``, for mirrors); it must be https, or http to a loopback host.
    """
    check_policy(policy)
    if base_url:
        from .update import check_url

        check_url(base_url)
    stack, causes, combo = _first(matrix, targets, platform, policy, allow_build)
    if stack is not None:
        return _explained(stack, matrix, base_url)
    asked = "; ".join(t.text for t in targets)
    if combo is None:
        names = ", ".join(f"{t.name}{t.spec}" for t in targets)
        raise StackUnsatisfiable(f"no known release matches {names}", causes=[names], ways_out=[])
    ways = _ways_out(matrix, targets, platform, policy, allow_build, combo)
    message = f"nothing fits {asked} on {platform.describe() if platform.known else platform.platform}: " + "; ".join(causes)
    if ways:
        message += ". Ways out: " + "; ".join(ways)
    raise StackUnsatisfiable(message, causes=causes, ways_out=ways)


def _ways_out(matrix: Matrix, targets: Sequence[StackTarget], platform: Platform, policy: str, allow_build: bool,
              combo: Tuple[Release, ...]) -> List[str]:
    ways: List[str] = []
    line = _mmcv_line(combo) or ""
    index = matrix.wheels.get(line)
    if platform.known and index is not None:
        minors = []
        for build in index.builds:
            if (build.platform, build.cuda) == (platform.platform, platform.cuda) and build.torch != platform.torch:
                found, _, _ = _try(matrix, combo, Platform(platform.platform, platform.cuda, build.torch), policy, False)
                if found is not None:
                    minors.append(f"torch {build.torch} ({line} {found.pins[line]})")
        if minors:
            ways.append("another torch with a prebuilt wheel: " + ", ".join(sorted(minors, key=_minor_key, reverse=True)))
    if policy != "enforced":
        found, _, _ = _try(matrix, combo, platform, "enforced", allow_build)
        if found is not None and line:
            ways.append(f"--policy enforced ({line} {found.pins[line]}, which the import check accepts but the "
                        f"{policy} policy excludes)")
    for position, release in enumerate(combo):
        table = matrix.packages[release.package]
        others = [r for r in table.releases if r.required and r.key != release.key and not r.version.is_prerelease]
        # the same major line first; another line only when the lines themselves clash
        same_line = [r for r in others if r.version.major == release.version.major]
        clash = _mmcv_line(combo) is None
        for other in same_line + ([r for r in others if r not in same_line] if clash else []):
            trial = combo[:position] + (other,) + combo[position + 1:]
            found, _, _ = _try(matrix, trial, platform, policy, False)
            if found is not None:
                direction = "newer" if other.version > release.version else "older"
                pinned = found.mmcv
                article = "an" if direction == "older" else "a"
                ways.append(f"{article} {direction} {release.package}: {release.package}=={other.key}"
                            + (f" ({pinned} {found.pins[pinned]})" if pinned else ""))
                break
    if not allow_build and line:
        found, _, _ = _try(matrix, combo, platform, policy, True)
        if found is not None:
            ways.append(f"--allow-build ({line} {found.pins[line]} compiled from source: needs a compiler and CUDA "
                        "toolkit, and takes long)")
    return ways


def _minor_key(text: str) -> Tuple[int, ...]:
    digits = text.split(" ", 2)[1]
    return tuple(int(p) for p in digits.split(".") if p.isdigit())


def _explained(stack: Stack, matrix: Matrix, base_url: Optional[str] = None) -> Stack:
    parts = []
    for release in stack.releases.values():
        parts.append(f"{release.package} {release.key}: the newest release that fits")
    if stack.mmcv:
        version = stack.pins[stack.mmcv]
        if stack.source_build:
            parts.append(f"{stack.mmcv} {version}: newest in range; no prebuilt wheel for "
                         f"{stack.platform.describe()}, so pip will compile it from source")
        elif stack.platform.known:
            parts.append(f"{stack.mmcv} {version}: the newest in range with a prebuilt wheel for {stack.platform.describe()}")
        else:
            parts.append(f"{stack.mmcv} {version}: the newest known release in range (torch/CUDA unknown: "
                         "wheel availability not checked)")
    rule = matrix.find_links.get(stack.mmcv) if stack.mmcv else None
    links: Tuple[str, ...] = ()
    if rule is not None and stack.platform.known and stack.platform.cuda != "mps":  # no documented mps index
        if base_url:
            rule = FindLinks(rule.distribution, base_url.rstrip("/") + "/{cuda}/{torch}/index.html", rule.torch,
                             "MMCV_BASE_URL")
        links = (rule.format(stack.platform.torch + ".0", None if stack.platform.cuda == "cpu" else stack.platform.cuda),)
    return Stack(pins=stack.pins, ranges=stack.ranges, mmcv=stack.mmcv, source_build=stack.source_build,
                 platform=stack.platform, policy=stack.policy, find_links=links, explanation="; ".join(parts),
                 releases=stack.releases)
