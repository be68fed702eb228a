"""Typed, immutable records of the compatibility matrix and of answers drawn from it."""

from __future__ import annotations

from .links import find_links_url
from .ranks import policy_range, python_key
from .record import Record, field
from .vocabulary import MMCV_DISTRIBUTIONS, MMCV_LINES, MMENGINE_DISTRIBUTIONS, POLICIES, SOURCES

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (doctor's start-up time)
if TYPE_CHECKING:  # pragma: no cover  # the records name them: doctor builds its records without importing them
    from typing import Dict, List, Literal, Mapping, Optional, Tuple

    from packaging.version import Version

    from .ranges import Range

    #: The policies a question can be answered under; ``safe`` intersects every source there is.
    Policy = Literal["safe", "documented", "enforced", "installer"]
    #: Why a matrix file is the one in effect (see :mod:`compat.data.locate`); ``update`` and ``harvest`` for one
    #: just fetched or written.
    Origin = Literal["--matrix", "MMCOMPAT_MATRIX", "cache", "embedded", "update", "harvest", ""]
else:
    Policy = Origin = str  # at run time the names only: the type checker reads the literals above

__all__ = [
    "MMCV_DISTRIBUTIONS",
    "MMCV_LINES",
    "MMENGINE_DISTRIBUTIONS",
    "POLICIES",
    "SOURCES",
    "BuildFacts",
    "Dependency",
    "DriverTable",
    "Fact",
    "FindLinks",
    "GpuFacts",
    "ImportFact",
    "IsolatedBuild",
    "Matrix",
    "NumpyAbi",
    "Origin",
    "PackageTable",
    "Policy",
    "ProvidedPackage",
    "Provider",
    "PythonGap",
    "PythonRule",
    "Release",
    "Resolution",
    "SourceBuild",
    "TorchRelease",
    "TorchTable",
    "WheelBuild",
    "WheelIndex",
]



class Fact(Record):
    """One source's range for one dependency of one release, with where it was read."""

    range: Range
    source: str
    uncertain: str = ""
    compare: str = ""
    messages: Tuple[str, ...] = ()


class ImportFact(Record):
    """Where a release imports a package unconditionally on its API's import path (read with ``ast``)."""

    module: str  # the module the statement names: ``mmdet.utils``
    path: str  # ``mmpose/models/heads/hybrid_heads/rtmo_head.py``
    line: int
    source: str  # the file at the tag, with its line: ``https://github.com/.../rtmo_head.py#L9``


class Dependency(Record):
    """What the three sources say about one distribution a release needs."""

    name: str
    documented: Optional[Fact] = None
    enforced: Optional[Fact] = None
    installer: Optional[Fact] = None
    optional: bool = False
    #: the release imports it unconditionally on the way to its API (``import mmpose.models``): needed
    #: whatever ``optional`` (its metadata) says
    imported: Optional["ImportFact"] = None

    @property
    def needed(self) -> bool:
        """Whether a working install must have it: not optional, or imported at module level."""
        return not self.optional or self.imported is not None

    def fact(self, source: str) -> Optional[Fact]:
        """The fact from ``source`` (one of :data:`SOURCES`), or None when that source is silent."""
        found: Optional[Fact] = getattr(self, source)
        return found

    def facts(self) -> Dict[str, Fact]:
        """The sources that say something, in :data:`SOURCES` order."""
        found = {}
        for source in SOURCES:
            fact = self.fact(source)
            if fact is not None:
                found[source] = fact
        return found

    def range_for(self, policy: str) -> Optional[Range]:
        """The range under ``policy``; ``safe`` is the intersection of every source present.

        None when no source (or not the one the policy names) says anything. The rule is
        :func:`compat.data.ranks.policy_range`, which the compiled tables' ranges follow too.
        """
        documented, enforced, installer = (None if fact is None else fact.range
                                           for fact in (self.documented, self.enforced, self.installer))
        return policy_range(policy, (documented, enforced, installer), lambda a, b: a.intersect(b))


class Release(Record):
    """A release (or development branch) of an OpenMMLab package and its dependencies.

    ``key`` is what users type (``0.28.0``, ``master``); ``version`` is the release's version, or for a
    branch the version its ``version.py`` states at ``commit``.
    """

    package: str
    key: str
    version: Version
    ref: str
    commit: str
    is_branch: bool
    dependencies: Tuple[Dependency, ...]
    note: str = ""

    def dependency(self, name: str) -> Optional[Dependency]:
        """The dependency called ``name``, or None."""
        for dependency in self.dependencies:
            if dependency.name == name:
                return dependency
        return None

    @property
    def required(self) -> Tuple[Dependency, ...]:
        """The dependencies a plain install needs (mmcv, mmengine), not the optional ones."""
        return tuple(d for d in self.dependencies if not d.optional)


class PackageTable(Record):
    """Every known release of one package, newest first, and its branches by name; ``name`` is the
    distribution (``mmsegmentation``), ``module`` the package folder it installs (``mmseg``)."""

    name: str
    repository: str
    releases: Tuple[Release, ...]
    branches: Mapping[str, Release]
    module: str = ""

    def release(self, version: Version) -> Optional[Release]:
        """The release with exactly this version, or None."""
        for release in self.releases:
            if release.version == version:
                return release
        return None


class FindLinks(Record):
    """How OpenMMLab's prebuilt-wheel index is addressed for one mmcv line.

    ``url`` has ``{cuda}`` (``cu113`` or ``cpu``) and ``{torch}``; ``torch`` spells the torch part from
    ``{major}`` and ``{minor}`` (``torch1.12.0`` for mmcv-full, ``torch2.1`` for mmcv 2.x).
    """

    distribution: str
    url: str
    torch: str
    source: str

    def format(self, torch_version: str, cuda: Optional[str]) -> str:
        """The index URL for a torch release (``1.12.1+cu113``) and CUDA version (``11.3``; None: cpu)."""
        return find_links_url(self.url, self.torch, torch_version, cuda)


class WheelBuild(Record):
    """One row of mmcv's version picker: the versions with a prebuilt wheel for a platform, CUDA
    version (``cpu`` for none) and torch minor (``1.12``).

    ``python``: the CPython versions (``3.10``) its wheels were seen for, when known from observed files;
    empty: the line's :class:`PythonRule` says. ``source``: where a row not in the picker was seen.
    """

    platform: str
    cuda: str
    torch: str
    versions: Tuple[Version, ...]
    python: Tuple[str, ...] = ()
    source: str = ""


class PythonGap(Record):
    """Releases of an mmcv line that lack wheels for some CPython versions the rule would give (on
    ``platform`` and for ``torch`` minors when given, else everywhere). ``uncertain``: why the absence
    is not proven; mmcompat still plans no such wheel."""

    versions: Tuple[Version, ...]
    python: Tuple[str, ...]
    source: str
    platform: str = ""
    torch: Tuple[str, ...] = ()
    uncertain: str = ""

    def covers(self, version: Version, python: str, platform: str, torch: str) -> bool:
        return (version in self.versions and python in self.python and self.platform in ("", platform)
                and (not self.torch or torch in self.torch))


class PythonRule(Record):
    """Which CPython versions a prebuilt-wheel index of one (CUDA, torch) carries, when no file list is
    published: those the torch minor has wheels for, from ``minimum`` up, but for ``gaps``.

    ``inferred`` with ``evidence``: the rule was read off observed wheel files, not stated upstream.
    """

    minimum: str
    source: str
    inferred: bool = True
    evidence: Tuple[str, ...] = ()
    gaps: Tuple[PythonGap, ...] = ()
    maximum: str = ""
    uncertain: str = ""


class WheelIndex(Record):
    """Which releases of one mmcv line have prebuilt wheels, per the docs at ``source``."""

    distribution: str
    source: str
    builds: Tuple[WheelBuild, ...]
    python: Optional[PythonRule] = None

    def versions_for(self, platform: str, cuda: str, torch: str) -> Tuple[Version, ...]:
        """Versions with a wheel for exactly this platform, CUDA (``11.3`` or ``cpu``) and torch minor."""
        found: List[Version] = []
        for build in self.builds:
            if (build.platform, build.cuda, build.torch) == (platform, cuda, torch):
                found.extend(v for v in build.versions if v not in found)
        return tuple(sorted(found, reverse=True))

    def builds_for(self, platform: str, cuda: str, torch: str) -> Tuple[WheelBuild, ...]:
        """The rows for exactly this platform, CUDA and torch minor (the picker's, then observed ones)."""
        return tuple(b for b in self.builds if (b.platform, b.cuda, b.torch) == (platform, cuda, torch))

    def all_versions(self) -> Tuple[Version, ...]:
        """Every version any build lists, newest first."""
        return tuple(sorted({v for b in self.builds for v in b.versions}, reverse=True))



class TorchRelease(Record):
    """One torch release: the CPython versions it has wheels for per platform (the registry's files),
    the CUDA variants the PyTorch index carries for it, the CUDA of the registry's default Linux
    wheel, and the torchvision release made for it."""

    version: Version
    python: Mapping[str, Tuple[str, ...]]
    cuda: Tuple[str, ...]
    cuda_source: str
    torchvision: Optional[Version] = None
    registry_cuda: str = ""
    registry_cuda_inferred: bool = False
    #: the CPython versions per platform that ``torchvision`` has wheels for, where they are fewer than
    #: torch's (torch 1.13.1 has a CPython 3.11 wheel, torchvision 0.14.1 none)
    torchvision_python: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)

    @property
    def minor(self) -> str:
        return f"{self.version.major}.{self.version.minor}"

    def installable(self, platform: str) -> Tuple[str, ...]:
        """The CPython versions this release and its torchvision both have wheels for on ``platform``: the
        ones a plan can pin the pair for."""
        found = self.python.get(platform, ())
        narrower = self.torchvision_python.get(platform)
        return found if narrower is None else tuple(p for p in found if p in narrower)

    def has_wheel(self, platform: str, python: str) -> bool:
        """Wheels of this release and of its torchvision exist for ``platform`` and CPython ``python``."""
        return python in self.installable(platform)


class TorchTable(Record):
    """Every torch release the matrix knows, newest first, and how its index is addressed."""

    index_url: str
    index_source: str
    python_source: str
    torchvision_source: str
    registry_cuda_source: str
    releases: Tuple[TorchRelease, ...]

    def release(self, version: Version) -> Optional[TorchRelease]:
        """The release with exactly this version (local part ignored), or None."""
        from packaging.version import Version

        public = Version(version.public)
        for release in self.releases:
            if release.version == public:
                return release
        return None

    def of_minor(self, minor: str) -> Tuple[TorchRelease, ...]:
        """Releases of a minor (``2.1``), newest first."""
        return tuple(r for r in self.releases if r.minor == minor)

    def minors(self) -> Tuple[str, ...]:
        """Every minor, newest first."""
        seen: List[str] = []
        for release in self.releases:
            if release.minor not in seen:
                seen.append(release.minor)
        return tuple(seen)

    def python_versions(self, minor: str, platform: str) -> Tuple[str, ...]:
        """The CPython versions any release of ``minor`` (and its torchvision) has wheels for on ``platform``,
        ascending."""
        found = {p for r in self.of_minor(minor) for p in r.installable(platform)}
        return tuple(sorted(found, key=python_key))


class DriverTable(Record):
    """The oldest NVIDIA driver that runs code built with each CUDA version, per platform: under CUDA's
    minor-version compatibility (what PyTorch wheels need) and per full toolkit."""

    compat: Mapping[str, Mapping[str, str]]
    toolkit: Mapping[str, Mapping[str, str]]
    compat_source: str
    toolkit_source: str
    #: compute capability (``12.0``) -> what CUDA it needs; see :class:`GpuFacts`
    gpus: Mapping[str, "GpuFacts"] = field(default_factory=dict)
    gpus_source: str = ""

    def minimum(self, cuda: str, platform: str) -> Optional[str]:
        """The oldest driver for ``cuda`` (``12.1``) on ``platform``; minor-version compatibility first."""
        for table in (self.compat, self.toolkit):
            found = table.get(cuda, {}).get(platform)
            if found:
                return found
        return None


class IsolatedBuild(Record):
    """A dependency of the family whose sdist cannot build under pip's build isolation: what its build
    needs in the environment, and the CPython versions the registry has wheels of it for."""

    name: str
    version: str
    needs: Tuple[str, ...]
    wheels: Tuple[str, ...]
    required_by: Tuple[str, ...]
    reason: str
    source: str
    wheels_source: str
    import_needs: str = ""  # what ``import NAME`` needs beyond its metadata (chumpy: an old CPython and numpy)


class GpuFacts(Record):
    """The CUDA versions whose code runs on a GPU of one compute capability: no older than
    ``cuda_minimum`` (``""``: any), no newer than ``cuda_maximum`` (``""``: any)."""

    capability: str
    name: str
    cuda_minimum: str = ""
    cuda_maximum: str = ""


class SourceBuild(Record):
    """Versions of an mmcv distribution whose sources compile against the torch minors ``torch_minimum``
    to ``torch_maximum`` (inclusive); ``verified``: built here, not only reported upstream."""

    distribution: str
    versions: Tuple[Version, ...]
    torch_minimum: str
    torch_maximum: str
    source: str
    verified: bool = False
    uncertain: str = ""


class BuildFacts(Record):
    """What a source build of mmcv needs that pip will not provide on its own, which torch it compiles
    against, and the family's other dependencies that cannot build in isolation."""

    setuptools_without_pkg_resources: Version
    setuptools_source: str
    sdists_import_pkg_resources: Tuple[str, ...]
    sdist_source: str
    isolation: Tuple[IsolatedBuild, ...] = ()
    #: distribution -> the first CPython whose setup.py cannot read the sdist's version
    version_breaks_on_python: Mapping[str, str] = field(default_factory=dict)
    version_source: str = ""
    against: Tuple[SourceBuild, ...] = ()
    #: distribution -> minutes a CPU build took here (``16-29``)
    build_minutes: Mapping[str, str] = field(default_factory=dict)
    build_minutes_source: str = ""


class Provider(Record):
    """Another maker of a distribution OpenMMLab makes: ``distribution`` installs the same import package
    as ``replaces`` (onedl-mmcv is ``mmcv``), and ``engine`` as ``engine_replaces``; their versions are
    judged by the same ranges. Its prebuilt wheels are ``Matrix.wheels[distribution]``."""

    name: str
    distribution: str
    replaces: str
    engine: str
    engine_replaces: str
    requires_python: str
    source: str
    find_links: Optional[FindLinks] = None
    #: OpenMMLab packages it makes in their place (``mmdet``: onedl-mmdetection), which assert no mmcv
    packages: Tuple["ProvidedPackage", ...] = ()


class ProvidedPackage(Record):
    """A distribution another maker publishes in place of an OpenMMLab package (onedl-mmdetection
    installs ``mmdet``): the one version read, the CPython it needs (``>=3.10``), where that was read."""

    replaces: str
    distribution: str
    version: str
    requires_python: str
    source: str


class NumpyAbi(Record):
    """Releases of compiled packages whose registry binaries all predate numpy 2.0.0 (so were built
    against numpy 1.x's ABI and break under numpy 2), and where that was read."""

    numpy2_first_upload: str
    source: str
    numpy1_only: Mapping[str, Tuple[Version, ...]]
    sources: Mapping[str, str]


class Matrix(Record):
    """The whole compatibility matrix as loaded from ``path``; ``origin`` says why that file."""

    path: str
    origin: Origin
    schema: int
    generated: str
    packages: Mapping[str, PackageTable]
    sources: Mapping[str, str]
    find_links: Mapping[str, FindLinks]
    notes: Tuple[str, ...] = ()
    wheels: Mapping[str, WheelIndex] = field(default_factory=dict)
    numpy_abi: Optional[NumpyAbi] = None
    torch: Optional[TorchTable] = None
    nvidia: Optional[DriverTable] = None
    build: Optional[BuildFacts] = None
    providers: Mapping[str, Provider] = field(default_factory=dict)
    #: :func:`compat.cache.content_digest` of the bytes parsed ("" when built from a mapping)
    content_digest: str = ""
    #: the import package of each table (``mmsegmentation``: ``mmseg``), known without building the tables
    modules: Mapping[str, str] = field(default_factory=dict)

    def module_of(self, name: str) -> str:
        """The import package the distribution ``name`` of a table installs."""
        module = self.modules.get(name)
        return module if module is not None else self.packages[name].module

    def release(self, name: str, version: Version) -> Optional[Release]:
        """The release with exactly this version of the table for the distribution ``name``, or None. A
        table not built yet (:func:`compat.data.matrix.from_dict` builds each on first use) builds only
        that release when the version is written as its key, as every release is."""
        quick = getattr(self.packages, "release", None)
        found: Optional[Release] = quick(name, version) if quick is not None else None
        if found is not None:
            return found
        table = self.packages.get(name)
        return table.release(version) if table is not None else None

    def package(self, name: str) -> Optional[PackageTable]:
        """The table for the distribution ``name``, or for the first (in the file's order) that installs
        the module ``name`` (``mmseg`` -> mmsegmentation's, before onedl-mmsegmentation's), or None."""
        table = self.packages.get(name)
        if table is None:
            owner = next((n for n in self.packages if self.module_of(n) == name), None)
            table = None if owner is None else self.packages[owner]
        return table


class Resolution(Record):
    """The answer to ``resolve``: pip-ready requirements and every fact they came from."""

    release: Release
    policy: Policy
    requirements: Tuple[str, ...]
    matrix_path: str
    matrix_origin: str
    #: why a package its metadata calls optional is in ``requirements`` (``adding mmdet: mmpose 1.3.2
    #: imports it at mmpose/models/heads/hybrid_heads/rtmo_head.py:9``)
    notes: Tuple[str, ...] = ()

    @property
    def target(self) -> Tuple[str, str]:
        """(package, release key) as asked."""
        return self.release.package, self.release.key
