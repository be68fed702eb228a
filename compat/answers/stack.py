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

from typing import Any, Dict, List, Optional, Sequence, Tuple

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from ..data.models import MMCV_LINES, Matrix, Release
from ..data.ranges import Range
from ..data.record import Record, field
from ..data.vocabulary import PLATFORMS, PROVIDERS
from ..environment.driver import Driver
from ..errors import StackUnsatisfiable
from . import question
from .question import describe_machine, describe_platform, platform_of, requirement_lines, torch_text
from .question import machine as search_machine

__all__ = [
    "MMCV_LINES",
    "PLATFORMS",
    "PROVIDERS",
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



class Machine(Record):
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
    #: the GPU's compute capability and where it was read (:func:`compat.environment.gpu.detect`), or None
    gpu: Optional[Tuple[str, str]] = None

    @property
    def torch_minor(self) -> str:
        return question.torch_minor(self.torch, Version(self.torch).release if self.torch else ())

    @property
    def torch_exact(self) -> bool:
        return question.torch_exact(self.torch, Version(self.torch).release if self.torch else ())

    def describe(self) -> str:
        return describe_machine(lean_machine(self))


class Platform(Record):
    """What a stack was resolved for: platform, CUDA variant (``11.3``; ``cpu``), torch minor, CPython."""

    platform: str
    cuda: str = ""
    torch: str = ""
    python: str = ""

    @property
    def known(self) -> bool:
        return bool(self.torch and self.cuda)

    def describe(self) -> str:
        return describe_platform(self.platform, self.cuda, self.torch, self.python)


class TorchPin(Record):
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


class StackTarget(Record):
    """One package asked for, with the range it must be in (and the keys of its releases in it, when
    read by :func:`parse_targets`)."""

    name: str
    spec: SpecifierSet
    text: str
    keys: Optional[Tuple[str, ...]] = None


class Stack(Record):
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
    #: what the answer must say with it (a source build newer than every build on record)
    warnings: Tuple[str, ...] = ()
    #: the compute capability of the GPU it was planned for (``""``: none known)
    gpu: str = ""

    @property
    def requirements(self) -> Tuple[str, ...]:
        """pip-ready lines: torch and torchvision, the OpenMMLab packages and mmcv pinned, then ranges."""
        torch = None if self.torch is None else (self.torch.version, self.torch.torchvision)
        return requirement_lines(torch, {name: str(v) for name, v in self.pins.items()},
                                 {name: str(r) for name, r in self.ranges.items()})


# ---- parsing the question -------------------------------------------------------------------------

def parse_machine(platform: Optional[str], cuda: Optional[str], torch: Optional[str], python: Optional[str] = None,
                  *, torch_installed: bool = False, torchvision: str = "", driver: Optional[Driver] = None,
                  gpu: Optional[Tuple[str, str]] = None) -> Machine:
    """Validate ``--platform``, ``--cuda`` (``11.3``, ``cu113``, ``cpu``, ``auto``), ``--torch``
    (``1.12.1``, ``2.1``, ``auto``) and ``--python-version`` (default: this interpreter's); see
    :func:`compat.answers.question.machine`."""
    torch, release = torch_text(torch or "")
    lean = search_machine(platform, cuda, torch, release, python, torch_installed=torch_installed,
                          torchvision=torchvision, driver=None if driver is None else (driver.version, driver.where),
                          gpu=gpu)
    return Machine(platform=lean["platform"], python=lean["python"], cuda=lean["cuda"], torch=lean["torch"],
                   torch_installed=torch_installed, torchvision=torchvision, driver=driver, gpu=gpu)


def parse_targets(texts: Sequence[str], matrix: Matrix) -> List[StackTarget]:
    """``mmpose==1.3.2``, ``mmdet``, ``"mmpose>=0.28,<1"``; a bare version means mmpose (read by
    :func:`compat.answers.targets.read`)."""
    from ..data.tables import tables_for
    from .targets import read

    return [StackTarget(name, SpecifierSet(spec), text, keys)
            for name, keys, text, spec in read(tables_for(matrix), texts)]


# ---- the search: compat.answers.search over the compiled tables --------------------------------------------

def lean_machine(machine: Machine) -> Dict[str, Any]:
    """``machine`` as the search reads it."""
    driver = machine.driver
    return {"platform": machine.platform, "python": machine.python, "cuda": machine.cuda, "torch": machine.torch,
            "torch_minor": machine.torch_minor, "torch_exact": machine.torch_exact,
            "torch_installed": machine.torch_installed, "torchvision": machine.torchvision,
            "driver": None if driver is None else (driver.version, driver.where), "gpu": machine.gpu}


def lean_targets(targets: Sequence[StackTarget], matrix: Matrix) -> List[Tuple[str, Tuple[str, ...], str, str]]:
    """Each target as the search takes it: the keys of the releases it allows
    (:func:`compat.answers.targets.allowed_keys`, when not read with them)."""
    from ..data.tables import tables_for
    from .targets import allowed_keys

    return [(t.name, t.keys if t.keys is not None else allowed_keys(tables_for(matrix), t.name, str(t.spec)), t.text,
             str(t.spec)) for t in targets]


def typed_stack(answer: Dict[str, Any], matrix: Matrix, driver: Optional[Driver] = None) -> Stack:
    """The search's answer as a :class:`Stack`."""
    from ..data.tables import typed_range

    releases = {}
    for package, key in answer["releases"]:
        table = matrix.packages[package]
        releases[package] = next((r for r in table.releases if r.key == key), None) or table.branches[key]
    torch = answer["torch"]
    return Stack(pins={name: Version(version) for name, version in answer["pins"].items()},
                 ranges={name: typed_range(r) for name, r in answer["ranges"].items()},
                 mmcv=answer["mmcv"], source_build=answer["source_build"], platform=Platform(*answer["platform"]),
                 policy=answer["policy"], find_links=tuple(answer["find_links"]), explanation=answer["explanation"],
                 releases=releases, torch=None if torch is None else TorchPin(**torch), driver=driver,
                 notes=tuple(answer.get("notes", ())), provider=answer["provider"], warnings=tuple(answer["warnings"]))


def resolve_stack(targets: Sequence[StackTarget], matrix: Matrix, machine: Machine, *, policy: str = "safe",
                  allow_build: bool = False, base_url: Optional[str] = None, torch_index: Optional[str] = None,
                  provider: str = "openmmlab", onedl_base: Optional[str] = None) -> Stack:
    """The newest consistent stack for ``machine``; raise :class:`StackUnsatisfiable` with checked ways out.

    ``base_url``: mim's ``MMCV_BASE_URL`` (the host part of OpenMMLab's download site, for mirrors);
    ``torch_index``: replaces ``https://download.pytorch.org/whl`` (``MMCOMPAT_TORCH_INDEX_URL``). Both must be
    https, or http to a loopback host. The search is :func:`compat.answers.search.solve`.
    """
    from ..data.tables import tables_for
    from .resolver import refuse_unrecorded
    from .search import solve

    for t in targets:  # a codebase whose releases record nothing (mmdeploy): said so, with the harvest's note
        refuse_unrecorded(matrix.packages[t.name], [r for r in matrix.packages[t.name].releases
                                                    if t.spec.contains(r.version, prereleases=True)], policy)
    answer = solve(tables_for(matrix), lean_targets(targets, matrix), lean_machine(machine), policy=policy,
                   allow_build=allow_build, base_url=base_url, torch_index=torch_index, provider=provider,
                   onedl_base=onedl_base)
    return typed_stack(answer, matrix, machine.driver)
