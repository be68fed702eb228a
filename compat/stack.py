"""Whole-stack resolution: mmpose, mmdet, the mmcv line and torch together, aware of every binary.

Given targets (``mmpose==1.3.2``, ``"mmpose>=0.28,<1"``, ``mmdet``) and the machine the install is for
(platform, CPython, CUDA or an NVIDIA driver, torch or none), find the newest consistent set under a
policy: a pin for every OpenMMLab package named, for mmcv, for torch and torchvision; ranges for
mmengine. A combination counts only when every binary it needs exists for that platform, CUDA
variant, torch and CPython: torch and torchvision on the PyTorch index, the mmcv wheel on OpenMMLab's
(unless ``allow_build``). Torch the environment has is kept: never planned over.
Nothing fits: :class:`StackUnsatisfiable` with the clashing constraints and ways out, each checked by
solving again.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from .driver import Driver
from .errors import BadInput, Unsatisfiable, shown
from .models import MMCV_LINES, FindLinks, Matrix, Release
from .ranges import Range
from .resolver import check_policy
from .wheels import driver_variants, mmcv_wheel_versions, python_key, torch_for

__all__ = [
    "MMCV_LINES",
    "PLATFORMS",
    "Machine",
    "Platform",
    "Stack",
    "StackTarget",
    "StackUnsatisfiable",
    "TorchPin",
    "parse_machine",
    "parse_targets",
    "platform_of",
    "resolve_stack",
]

PLATFORMS = ("linux", "windows", "macos")
#: The CPython versions a way out may suggest, when the data knows nothing wider.
_PYTHONS = ("3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13")


def platform_of(sys_platform: str) -> str:
    """mmcompat's name for an interpreter's ``sys.platform`` (``win32`` -> ``windows``); ``""`` when unknown."""
    if sys_platform.startswith("linux"):
        return "linux"
    return {"win32": "windows", "cygwin": "windows", "darwin": "macos"}.get(sys_platform, "")


def this_platform() -> str:
    return platform_of(sys.platform) or "linux"


@dataclass(frozen=True)
class Machine:
    """What the install is for.

    ``cuda``: ``11.3``, ``cpu``, or ``""`` for auto (the variants ``driver`` runs; no driver: cpu).
    ``torch``: an exact release (``2.1.2``), a minor (``2.1``), or ``""`` for auto (mmcompat picks).
    ``torch_installed``: that torch is the target environment's own, so it is pinned, never replaced;
    ``torchvision`` likewise (``""``: not installed).
    """

    platform: str
    python: str
    cuda: str = ""
    torch: str = ""
    torch_installed: bool = False
    torchvision: str = ""
    driver: Optional[Driver] = None

    @property
    def torch_minor(self) -> str:
        if not self.torch:
            return ""
        release = Version(self.torch).release
        return f"{release[0]}.{release[1] if len(release) > 1 else 0}"

    @property
    def torch_exact(self) -> bool:
        return bool(self.torch) and len(Version(self.torch).release) >= 3

    def describe(self) -> str:
        cuda = {"cpu": "CPU", "": "CUDA auto"}.get(self.cuda, f"CUDA {self.cuda}")
        torch = f"torch {self.torch}" if self.torch else "torch auto"
        return f"{self.platform}/CPython {self.python}/{cuda}/{torch}"


@dataclass(frozen=True)
class Platform:
    """What a stack was resolved for: platform, CUDA variant (``11.3``; ``cpu``), torch minor, CPython."""

    platform: str
    cuda: str = ""
    torch: str = ""
    python: str = ""

    @property
    def known(self) -> bool:
        return bool(self.torch and self.cuda)

    def describe(self) -> str:
        cuda = {"cpu": "CPU", "mps": "MPS"}.get(self.cuda, f"CUDA {self.cuda}")
        python = f"/CPython {self.python}" if self.python else ""
        return f"{self.platform}/{cuda}/torch {self.torch}{python}"


@dataclass(frozen=True)
class TorchPin:
    """The torch and torchvision a stack needs, and the PyTorch index they come from (``""``: the
    registry's). ``installed``: the target environment has this torch already."""

    version: str
    torchvision: str
    cuda: str
    index_url: str
    installed: bool

    @property
    def requirements(self) -> Tuple[str, ...]:
        lines = [f"torch=={self.version}"]
        if self.torchvision:
            lines.append(f"torchvision=={self.torchvision}")
        return tuple(lines)


@dataclass(frozen=True)
class StackTarget:
    """One package asked for, with the range it must be in."""

    name: str
    spec: SpecifierSet
    text: str


@dataclass(frozen=True)
class Stack:
    """A consistent set: exact pins, ranges for the rest, torch, where the mmcv wheel comes from."""

    pins: Dict[str, Version]
    ranges: Dict[str, Range]
    mmcv: str
    source_build: bool
    platform: Platform
    policy: str
    find_links: Tuple[str, ...] = ()
    explanation: str = ""
    releases: Dict[str, Release] = field(default_factory=dict)
    torch: Optional[TorchPin] = None
    driver: Optional[Driver] = None
    notes: Tuple[str, ...] = ()
    #: who makes the pinned mmcv: ``openmmlab``, or another maker's name (``onedl``)
    provider: str = "openmmlab"

    @property
    def requirements(self) -> Tuple[str, ...]:
        """pip-ready lines: torch and torchvision, the OpenMMLab packages and mmcv pinned, then ranges."""
        lines = list(self.torch.requirements) if self.torch is not None else []
        lines += [f"{name}=={version}" for name, version in self.pins.items()]
        lines += [name + str(r) for name, r in self.ranges.items() if name not in self.pins]
        return tuple(lines)


class StackUnsatisfiable(Unsatisfiable):
    """No set fits; ``causes`` are the clashing constraints, ``ways_out`` the checked alternatives."""

    def __init__(self, message: str, *, causes: Sequence[str], ways_out: Sequence[str]) -> None:
        super().__init__(message, release="", distribution="", causes=causes)
        self.ways_out = tuple(ways_out)


# ---- parsing the question -------------------------------------------------------------------------

def _cuda_text(cuda: str) -> str:
    text = cuda.strip().lower()
    if text == "auto":
        return ""
    if text.startswith("cu") and text[2:].isdigit() and len(text) > 3:
        text = text[2:-1] + "." + text[-1]
    if text and text not in ("cpu", "mps"):
        parts = text.split(".")
        if len(parts) != 2 or not all(p.isdigit() and len(p) <= 2 for p in parts):
            raise BadInput(f"not a CUDA version: {shown(cuda)}; give e.g. 11.3, cu113, cpu or auto", value=cuda)
    return text


def _torch_text(torch: str) -> str:
    text = torch.strip()
    if text.lower() in ("auto", ""):
        return ""
    try:
        version = Version(text.split("+", 1)[0])
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        raise BadInput(f"not a torch version: {shown(torch)}; give e.g. 1.12.1, 2.1 or auto", value=torch) from None
    if len(str(version)) > 40 or any(part > 10**6 for part in version.release):
        raise BadInput(f"not a torch version: {shown(torch)}; give e.g. 1.12.1, 2.1 or auto", value=torch)
    return version.public


def parse_python_version(text: str) -> str:
    """``3.11`` (or ``3.11.7``, ``cp311``) -> ``3.11``; BadInput for anything else."""
    raw = text.strip().lower()
    if raw.startswith("cp") and raw[2:].isdigit() and len(raw) in (4, 5):
        raw = raw[2] + "." + raw[3:]
    parts = raw.split(".")
    if len(parts) in (2, 3) and all(p.isdigit() and len(p) <= 2 for p in parts) and parts[0] == "3":
        return f"{int(parts[0])}.{int(parts[1])}"
    raise BadInput(f"not a CPython version: {shown(text)}; give e.g. 3.10", value=text)


def parse_machine(platform: Optional[str], cuda: Optional[str], torch: Optional[str], python: Optional[str] = None,
                  *, torch_installed: bool = False, torchvision: str = "", driver: Optional[Driver] = None
                  ) -> Machine:
    """Validate ``--platform``, ``--cuda`` (``11.3``, ``cu113``, ``cpu``, ``auto``), ``--torch``
    (``1.12.1``, ``2.1``, ``auto``) and ``--python-version`` (default: this interpreter's)."""
    name = (platform or this_platform()).lower()
    if name not in PLATFORMS:
        raise BadInput(f"unknown platform {shown(str(platform))}; known: {', '.join(PLATFORMS)}", value=str(platform))
    cuda_text = _cuda_text(cuda or "")
    if (name == "macos") != (cuda_text == "mps") and cuda_text not in ("", "cpu"):
        raise BadInput(f"{cuda_text!r} does not exist on {name}: torch has CUDA builds for linux and windows, "
                       "MPS (the same wheel as cpu) on macos", value=str(cuda))
    python_text = parse_python_version(python) if python else "{}.{}".format(*sys.version_info[:2])
    return Machine(platform=name, python=python_text, cuda=cuda_text, torch=_torch_text(torch or ""),
                   torch_installed=torch_installed, torchvision=torchvision, driver=driver)


def parse_targets(texts: Sequence[str], matrix: Matrix) -> List[StackTarget]:
    """``mmpose==1.3.2``, ``mmdet``, ``"mmpose>=0.28,<1"``; a bare version means mmpose."""
    targets: Dict[str, StackTarget] = {}
    for text in texts:
        raw = text.strip()
        branches = [name for table in matrix.packages.values() for name in table.branches]
        if raw in branches:
            raise BadInput(f"{shown(raw)} is a branch: a stack needs releases, which have wheels and pins; give a "
                           "release such as mmpose==1.3.2 (mmcompat resolve BRANCH prints what a branch tip needs)",
                           value=text)
        try:
            Version(raw[1:] if raw[:1] in "vV" else raw)
            raw = f"mmpose=={raw[1:] if raw[:1] in 'vV' else raw}"
        except ValueError:  # InvalidVersion, or a number past int()'s digit limit
            pass
        try:
            requirement = Requirement(raw)
        except InvalidRequirement:
            raise BadInput(f"not a requirement: {shown(text)}; give e.g. mmpose==1.3.2 or mmdet", value=text) from None
        name = canonicalize_name(requirement.name)
        if name not in matrix.packages:
            raise BadInput(f"the matrix has no package {shown(name)}; known: {', '.join(sorted(matrix.packages))}",
                           value=text)
        if name in targets:
            spec = targets[name].spec & requirement.specifier
            targets[name] = StackTarget(name, spec, f"{targets[name].text}, {text}")
        else:
            targets[name] = StackTarget(name, requirement.specifier, text)
    if not targets:
        raise BadInput("give at least one target, e.g. mmpose==1.3.2", value="")
    return list(targets.values())


# ---- the OpenMMLab releases: which sets agree ------------------------------------------------------

@dataclass(frozen=True)
class _Agreement:
    """Releases that agree: their mmcv line (``""``: none needed) and the ranges they leave."""

    releases: Tuple[Release, ...]
    line: str
    ranges: Dict[str, Range]
    said: Tuple[str, ...]


@dataclass(frozen=True)
class _Failure:
    """Why a set of releases, or a set and a torch, does not fit; ``depth`` orders how far it got."""

    depth: int
    causes: Tuple[str, ...]


#: How far a candidate got before it failed: the explanation uses the one that got furthest.
_CLASHING_LINES, _CROSS_CHECK, _EMPTY_RANGE, _NO_BINARY = range(4)


def _release_sets(matrix: Matrix, targets: Sequence[StackTarget]) -> List[Tuple[Release, ...]]:
    """Every combination of candidate releases, newest first (pre-releases only when a range names one)."""
    options = [[r for r in matrix.packages[t.name].releases if r.required and t.spec.contains(r.version)]
               for t in targets]
    sets: List[Tuple[Release, ...]] = [()]
    for candidates in options:
        sets = [(*s, r) for s in sets for r in candidates]
    return sets


def _combined_range(releases: Sequence[Release], name: str, policy: str) -> Tuple[Optional[Range], List[str]]:
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
            enforced = dependency.enforced.range
            version_range = enforced if version_range is None else version_range.intersect(enforced)
        if version_range is None:
            continue
        said.append(f"{release.package} {release.key} needs {name}{version_range or ' (any)'}")
        combined = version_range if combined is None else combined.intersect(version_range)
    return combined, said


def mmcv_line(releases: Sequence[Release]) -> Optional[str]:
    """The one mmcv line the releases need; ``""`` when none needs one, None when they need different ones."""
    lines = {d.name for r in releases for d in r.dependencies if d.name in MMCV_LINES and not d.optional}
    return lines.pop() if len(lines) == 1 else (None if lines else "")


def _agree(releases: Tuple[Release, ...], policy: str) -> "_Agreement | _Failure":
    line = mmcv_line(releases)
    if line is None:
        return _Failure(_CLASHING_LINES, (" and ".join(f"{r.package} {r.key}" for r in releases)
                                          + " need different mmcv lines",))
    for release in releases:  # what each release says of the others (mmpose's installer names mmdet)
        for other in releases:
            dependency = release.dependency(other.package) if other is not release else None
            other_range = dependency.range_for(policy) if dependency is not None else None
            if other_range is not None and not other_range.contains(other.version):
                return _Failure(_CROSS_CHECK, (f"{release.package} {release.key} needs {other.package}{other_range}, "
                                               f"not {other.package} {other.key}",))
    packages = {r.package for r in releases}
    others = sorted({d.name for r in releases for d in r.required} - packages - set(MMCV_LINES) - {"mmengine"})
    ranges: Dict[str, Range] = {}
    said: List[str] = []
    for name in ("mmcv-full", "mmcv", "mmengine", *others):
        combined, asked = _combined_range(releases, name, policy)
        if combined is None:
            continue
        if combined.is_empty:
            return _Failure(_EMPTY_RANGE, tuple(asked))
        ranges[name] = combined
        said.extend(asked)
    if line and line not in ranges:
        return _Failure(_EMPTY_RANGE, (f"no {policy} range for {line} in "
                                       + ", ".join(f"{r.package} {r.key}" for r in releases),))
    return _Agreement(releases, line, ranges, tuple(said))


# ---- torch: which (torch, CUDA variant) a machine can have ------------------------------------------

@dataclass(frozen=True)
class _TorchChoice:
    """One torch minor with one CUDA variant, and the exact release to pin (``""``: unknown to the data)."""

    minor: str
    cuda: str
    version: str
    torchvision: str


def _variants(matrix: Matrix, machine: Machine, minor: str) -> Tuple[str, ...]:
    if machine.cuda:
        return (machine.cuda,)
    if machine.platform == "macos":
        return ("cpu",)
    known = {c for r in (matrix.torch.of_minor(minor) if matrix.torch else ()) for c in r.cuda}
    return driver_variants(matrix, tuple(known), machine.platform, machine.driver)


def _torch_choices(matrix: Matrix, machine: Machine) -> List[_TorchChoice]:
    """The (torch, CUDA) pairs to try, most wanted first: the newest torch minor, then the newest CUDA
    variant the machine runs; only releases with a wheel for the platform and CPython (an installed
    torch is taken as it is)."""
    if machine.torch:
        minors: Tuple[str, ...] = (machine.torch_minor,)
    else:
        minors = matrix.torch.minors() if matrix.torch is not None else ()
    choices = []
    for minor in minors:
        for cuda in _variants(matrix, machine, minor):
            if machine.torch_exact:
                release = matrix.torch.release(Version(machine.torch)) if matrix.torch is not None else None
                if not machine.torch_installed and release is not None and (
                        not release.has_wheel(machine.platform, machine.python)
                        or (cuda not in ("cpu", "mps") and cuda not in release.cuda)):
                    continue
                torchvision = machine.torchvision or (
                    str(release.torchvision) if release is not None and release.torchvision else "")
                choices.append(_TorchChoice(minor, cuda, machine.torch, torchvision))
                continue
            found = torch_for(matrix, minor, cuda, machine.platform, machine.python)
            if found is None:
                continue
            choices.append(_TorchChoice(minor, cuda, str(found.version),
                                        str(found.torchvision) if found.torchvision else ""))
    return choices


# ---- the search ---------------------------------------------------------------------------------

def _prebuilt(matrix: Matrix, agreement: _Agreement, supplier: str, platform: str, choice: _TorchChoice, python: str
              ) -> Optional[Version]:
    """The newest mmcv in range with a prebuilt wheel of ``supplier`` (the line, or another maker's
    distribution of it) for this torch choice, or None."""
    allowed = agreement.ranges[agreement.line]
    for version in mmcv_wheel_versions(matrix, supplier, platform, choice.cuda, choice.minor, python):
        if allowed.contains(version):
            return version
    return None


def _newest_torch_built_for(matrix: Matrix, line: str, version: Optional[Version]) -> Optional[Tuple[int, ...]]:
    """The newest torch minor any prebuilt wheel of ``line`` (of ``version``, when given) was made for:
    evidence that its sources compile against that torch."""
    index = matrix.wheels.get(line)
    minors = [python_key(b.torch) for b in (index.builds if index else ()) if version is None or version in b.versions]
    return max(minors) if minors else None


def _source_build(matrix: Matrix, agreement: _Agreement, choices: Sequence[_TorchChoice]
                  ) -> Optional[Tuple[Version, _TorchChoice]]:
    """The newest final mmcv in range to compile, and the newest torch to compile it against: one its
    own wheels were made for if any torch choice is, else a newer one of the same torch major that its
    line has wheels for (mmcv-full 1.5.3 may build against torch 1.13, never 2.x)."""
    index = matrix.wheels.get(agreement.line)
    allowed = agreement.ranges[agreement.line]
    line_ceiling = _newest_torch_built_for(matrix, agreement.line, None)
    for version in index.all_versions() if index is not None else ():
        if not allowed.contains(version) or version.is_prerelease:
            continue
        own = _newest_torch_built_for(matrix, agreement.line, version)
        if own is None or line_ceiling is None:
            continue
        same_major = min(line_ceiling, (own[0], 99)) if line_ceiling[0] > own[0] else line_ceiling
        for ceiling in (own, same_major):
            for choice in choices:
                if python_key(choice.minor) <= ceiling:
                    return version, choice
    return None


def _no_wheel(matrix: Matrix, agreement: _Agreement, machine: Machine, made_by: str = "") -> str:
    """Why no torch choice has a wheel: what the wheel tables list for the machine (of ``made_by``, the
    distribution pinned for the line)."""
    line = made_by or agreement.line
    if machine.torch and machine.cuda:
        where = Platform(machine.platform, machine.cuda, machine.torch_minor, machine.python)
        listed = mmcv_wheel_versions(matrix, line, machine.platform, machine.cuda, machine.torch_minor, machine.python)
        text = f"prebuilt {line} wheels for {where.describe()}: " + (", ".join(map(str, listed)) or "none")
        release = matrix.torch.release(Version(machine.torch)) if matrix.torch and machine.torch_exact else None
        index = matrix.wheels.get(line)
        any_python = index.versions_for(machine.platform, machine.cuda, machine.torch_minor) if index else ()
        if not listed and any_python:
            text += f" (there are wheels for other CPython versions: {', '.join(map(str, any_python))})"
        elif listed and line != agreement.line:
            text += f", none in the range {agreement.line}{agreement.ranges[agreement.line]}"
        lacks = release is not None and not release.has_wheel(machine.platform, machine.python)
        if lacks and not machine.torch_installed:
            text += f"; torch {machine.torch} has no CPython {machine.python} wheel for {machine.platform}"
        return text
    torch = f"no torch{' ' + machine.torch if machine.torch else ''}"
    if line == agreement.line:
        return f"{torch} with a prebuilt {line}{agreement.ranges[line]} wheel for {machine.describe()}"
    return (f"{torch} with a prebuilt {line} wheel in the range {agreement.line}{agreement.ranges[agreement.line]} "
            f"for {machine.describe()}")


PROVIDERS = ("openmmlab", "onedl", "any")


def supplier(matrix: Matrix, provider: str, line: str) -> Optional[str]:
    """Whose distribution of an mmcv line the stack pins: the line itself from OpenMMLab, or the
    distribution another maker publishes in its place (onedl-mmcv for mmcv); None: that maker has none."""
    if provider == "openmmlab":
        return line
    other = matrix.providers.get(provider)
    return other.distribution if other is not None and other.replaces == line else None


def _search(matrix: Matrix, targets: Sequence[StackTarget], machine: Machine, policy: str, allow_build: bool,
            provider: str = "openmmlab") -> "Tuple[Optional[Stack], _Failure, Optional[Tuple[Release, ...]]]":
    """The newest stack that fits, else the failure of the candidate that got furthest (newest first)."""
    best = _Failure(-1, ())
    best_releases: Optional[Tuple[Release, ...]] = None
    choices = _torch_choices(matrix, machine)
    for releases in _release_sets(matrix, targets):
        agreement = _agree(releases, policy)
        if isinstance(agreement, _Failure):
            if agreement.depth > best.depth:
                best, best_releases = agreement, releases
            continue
        pins: Dict[str, Version] = {r.package: r.version for r in releases}
        if not agreement.line:
            first = choices[0] if choices else None
            return _stack(agreement, pins, None, False, machine, policy, first), best, releases
        made_by = supplier(matrix, provider, agreement.line)
        if made_by is None:
            if best.depth < _NO_BINARY:
                best = _Failure(_NO_BINARY, (*agreement.said, f"the {provider} provider makes no {agreement.line}"))
                best_releases = releases
            continue
        for choice in choices:
            version = _prebuilt(matrix, agreement, made_by, machine.platform, choice, machine.python)
            if version is not None:
                pins[made_by] = version
                return _stack(agreement, pins, made_by, False, machine, policy, choice, provider, matrix), best, \
                    releases
        if allow_build and made_by == agreement.line:  # only when no torch choice has a prebuilt wheel
            build = _source_build(matrix, agreement, choices)
            if build is not None:
                pins[agreement.line] = build[0]
                return _stack(agreement, pins, agreement.line, True, machine, policy, build[1]), best, releases
        if best.depth < _NO_BINARY:
            best = _Failure(_NO_BINARY, (*agreement.said, _no_wheel(matrix, agreement, machine, made_by)))
            best_releases = releases
    return None, best, best_releases


def _stack(agreement: _Agreement, pins: Dict[str, Version], line: Optional[str], built: bool, machine: Machine,
           policy: str, choice: Optional[_TorchChoice], provider: str = "openmmlab",
           matrix: Optional[Matrix] = None) -> Stack:
    platform = Platform(machine.platform, choice.cuda if choice else machine.cuda,
                        choice.minor if choice else machine.torch_minor, machine.python)
    torch = None
    if choice is not None and choice.version:
        torch = TorchPin(choice.version, choice.torchvision, choice.cuda, "", machine.torch_installed)
    ranges = {k: v for k, v in agreement.ranges.items() if k not in pins and k != agreement.line}
    other = matrix.providers.get(provider) if matrix is not None else None
    if other is not None:  # its engine in place of OpenMMLab's, judged by the same range
        ranges = {other.engine if k == other.engine_replaces else k: v for k, v in ranges.items()}
    return Stack(pins=pins, ranges=ranges, mmcv=line or "", source_build=built, platform=platform, policy=policy,
                 releases={r.package: r for r in agreement.releases}, torch=torch, driver=machine.driver,
                 provider=provider)


def resolve_stack(targets: Sequence[StackTarget], matrix: Matrix, machine: Machine, *, policy: str = "safe",
                  allow_build: bool = False, base_url: Optional[str] = None, torch_index: Optional[str] = None,
                  provider: str = "openmmlab", onedl_base: Optional[str] = None) -> Stack:
    """The newest consistent stack for ``machine``; raise :class:`StackUnsatisfiable` with checked ways out.

    ``base_url``: mim's ``MMCV_BASE_URL`` (the host part of OpenMMLab's download site, for mirrors);
    ``torch_index``: replaces ``https://download.pytorch.org/whl`` (``MMCOMPAT_TORCH_INDEX_URL``). Both must be
    https, or http to a loopback host.
    """
    check_policy(policy)
    from .net import check_url

    if base_url:
        check_url(base_url)
    if torch_index:
        check_url(torch_index)
    if onedl_base:
        check_url(onedl_base)
    if provider not in PROVIDERS:
        raise BadInput(f"unknown provider {shown(provider)}; known: {', '.join(PROVIDERS)}", value=provider)
    tried = ("openmmlab", "onedl") if provider == "any" else (provider,)
    for maker in tried:
        stack, failure, releases = _search(matrix, targets, machine, policy, allow_build, maker)
        if stack is not None:
            return _finished(stack, matrix, base_url, torch_index, onedl_base)
    stack, failure, releases = _search(matrix, targets, machine, policy, allow_build, tried[0])
    asked = "; ".join(t.text for t in targets)
    if releases is None:
        names = ", ".join(f"{t.name}{t.spec}" for t in targets)
        raise StackUnsatisfiable(f"no known release matches {names}", causes=[names], ways_out=[])
    ways = ways_out(matrix, targets, machine, policy, allow_build, releases, tried[0])
    message = f"nothing fits {asked} on {machine.describe()}: " + "; ".join(failure.causes)
    if ways:
        message += ". Ways out: " + "; ".join(ways)
    raise StackUnsatisfiable(message, causes=failure.causes, ways_out=ways)


# ---- ways out -------------------------------------------------------------------------------------

def _fits(matrix: Matrix, releases: Tuple[Release, ...], machine: Machine, policy: str, allow_build: bool,
          provider: str = "openmmlab") -> Optional[Stack]:
    targets = [StackTarget(r.package, SpecifierSet(f"=={r.version}"), f"{r.package}=={r.key}") for r in releases]
    return _search(matrix, targets, machine, policy, allow_build, provider)[0]


def _with(stack: Stack) -> str:
    """``torch 1.11.0 with CUDA 11.3, mmcv-full 1.5.3``."""
    parts = []
    if stack.torch is not None:
        cuda = {"cpu": "CPU", "mps": "MPS"}.get(stack.torch.cuda, f"CUDA {stack.torch.cuda}")
        parts.append(f"torch {stack.torch.version} with {cuda}")
    if stack.mmcv:
        parts.append(f"{stack.mmcv} {stack.pins[stack.mmcv]}")
    return ", ".join(parts)


def _python_order(python: str) -> List[str]:
    """Other CPython versions, nearest first, older first on a tie."""
    others = [p for p in _PYTHONS if p != python]
    here = python_key(python)
    return sorted(others, key=lambda p: (abs(python_key(p)[1] - here[1]), python_key(p)))


def ways_out(matrix: Matrix, targets: Sequence[StackTarget], machine: Machine, policy: str, allow_build: bool,
             releases: Tuple[Release, ...], provider: str = "openmmlab") -> List[str]:
    """Alternatives that were checked to fit, each as the user would ask for it."""
    ways: List[str] = []
    line = mmcv_line(releases) or ""
    if line and provider == "openmmlab":  # another maker's prebuilt wheels, same ranges and import checks
        for maker in matrix.providers.values():
            stack = _fits(matrix, releases, machine, policy, False, maker.name)
            if stack is None and (machine.torch or machine.cuda) and not machine.torch_installed:
                stack = _fits(matrix, releases, replace(machine, torch="", torchvision=""), policy, False,
                              maker.name)
            if stack is not None:
                ways.append(f"--provider {maker.name} ({_with(stack)})")
    if line and (machine.torch or machine.cuda):
        # another torch or CUDA variant: the fixed torch freed; then CUDA variants the given one's driver
        # also runs (no newer than it), newest first; then whatever the machine's driver runs
        offered: List[str] = []
        trials = []
        if machine.torch:
            trials.append(replace(machine, torch="", torchvision="", torch_installed=False))
        free = replace(machine, torch="", torchvision="", torch_installed=False)
        if machine.cuda and machine.cuda not in ("cpu", "mps"):
            trials += [replace(free, cuda=c) for c in _all_variants(matrix)
                       if c != machine.cuda and python_key(c) <= python_key(machine.cuda)]
        for freed in [*trials, replace(free, cuda="")]:
            stack = _fits(matrix, releases, freed, policy, False, provider)
            if stack is not None and _with(stack) not in offered:
                offered.append(_with(stack))
                break
        if offered:
            switch = "switch the installed torch to" if machine.torch_installed else "another torch or CUDA:"
            ways.append(f"{switch} " + "; ".join(offered))
    if line:
        for python in _python_order(machine.python):
            stack = _fits(matrix, releases, replace(machine, python=python), policy, False, provider)
            if stack is not None:
                ways.append(f"Python {python} (--python-version {python}): {_with(stack)}")
                break
    if policy != "enforced" and line:
        stack = _fits(matrix, releases, machine, "enforced", allow_build, provider)
        if stack is not None:
            ways.append(f"--policy enforced ({line} {stack.pins[line]}, which the import check accepts but the "
                        f"{policy} policy excludes)")
    clash = mmcv_line(releases) is None
    for position, release in enumerate(releases):
        table = matrix.packages[release.package]
        others = [r for r in table.releases if r.required and r.key != release.key and not r.version.is_prerelease]
        # the same major line first; another line only when the lines themselves clash
        same_line = [r for r in others if r.version.major == release.version.major]
        for other in same_line + ([r for r in others if r not in same_line] if clash else []):
            trial = (*releases[:position], other, *releases[position + 1:])
            stack = _fits(matrix, trial, machine, policy, False, provider)
            if stack is not None:
                direction = "newer" if other.version > release.version else "older"
                article = "an" if direction == "older" else "a"
                detail = _with(stack)
                ways.append(f"{article} {direction} {release.package}: {release.package}=={other.key}"
                            + (f" ({detail})" if detail else ""))
                break
    if not allow_build and line:
        stack = _fits(matrix, releases, machine, policy, True, provider)
        if stack is not None:
            ways.append(f"--allow-build ({line} {stack.pins[line]} compiled from source: needs a compiler"
                        + (" and the CUDA toolkit" if stack.platform.cuda not in ("cpu", "mps", "") else "")
                        + ", and takes long)")
    return ways


def _all_variants(matrix: Matrix) -> List[str]:
    found = {c for r in (matrix.torch.releases if matrix.torch else ()) for c in r.cuda}
    return sorted(found, key=python_key, reverse=True)


# ---- the finished answer ---------------------------------------------------------------------------

_HOSTS = {"openmmlab": "https://download.openmmlab.com", "onedl": "https://mmwheels.onedl.ai"}


def _finished(stack: Stack, matrix: Matrix, base_url: Optional[str], torch_index: Optional[str],
              onedl_base: Optional[str] = None) -> Stack:
    parts = [f"{release.package} {release.key}: the newest release that fits" for release in stack.releases.values()]
    torch = stack.torch
    if torch is not None:
        if stack.platform.platform != "macos" and matrix.torch is not None:
            torch = replace(torch, index_url=matrix.torch.index_for(torch.cuda, torch_index or ""))
        if torch.installed:
            parts.append(f"torch {torch.version}: installed, kept")
        else:
            parts.append(f"torch {torch.version}: the newest torch with a prebuilt {stack.mmcv or 'wheel'} for "
                         f"{stack.platform.describe()}" if stack.mmcv and not stack.source_build else
                         f"torch {torch.version}: the newest release for {stack.platform.describe()}")
    if stack.mmcv:
        version = stack.pins[stack.mmcv]
        if stack.source_build:
            parts.append(f"{stack.mmcv} {version}: newest in range; no prebuilt wheel for "
                         f"{stack.platform.describe()}, so it is compiled from source")
        else:
            other = matrix.providers.get(stack.provider)
            made = f" (imports as {other.replaces}; {other.name}'s prebuilt wheels)" if other is not None else ""
            parts.append(f"{stack.mmcv} {version}{made}: the newest in range with a prebuilt wheel for "
                         f"{stack.platform.describe()}")
    maker = matrix.providers.get(stack.provider)
    rule = (maker.find_links if maker is not None else matrix.find_links.get(stack.mmcv)) if stack.mmcv else None
    links: Tuple[str, ...] = ()
    if rule is not None and stack.platform.known and not stack.source_build and stack.platform.cuda != "mps":
        # (OpenMMLab documents no index for its mps wheels)
        # mirrors: mim's MMCV_BASE_URL (the host part) for OpenMMLab's, MMCOMPAT_ONEDL_BASE_URL for onedl's
        mirror = {"openmmlab": base_url, "onedl": onedl_base}.get(stack.provider)
        prefix = _HOSTS.get(stack.provider, "")
        if mirror and prefix and rule.url.startswith(prefix):
            rule = FindLinks(rule.distribution, rule.url.replace(prefix, mirror.rstrip("/"), 1), rule.torch, "mirror")
        cuda = None if stack.platform.cuda == "cpu" else stack.platform.cuda
        links = (rule.format(stack.platform.torch + ".0", cuda),)
    return replace(stack, torch=torch, find_links=links, explanation="; ".join(parts))
