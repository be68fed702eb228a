"""Records of an environment as it was read (its distributions, torch, the files two distributions share,
the copies of a package on the import path) and of what doctor and guard find in it.

Apart from the matrix's records (:mod:`compat.data.models`), so that judging an environment loads none of
those classes.
"""

from __future__ import annotations

from ..data.record import Record, field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (doctor's start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, Literal, Mapping, Optional, Tuple

    #: How bad a finding is, worst first.
    Severity = Literal["error", "warning", "info"]
else:
    Severity = str  # at run time the name only: the type checker reads the literal above

__all__ = ["SEVERITIES", "Environment", "Finding", "ImportCopy", "InstalledDistribution", "Severity", "SharedFiles",
           "TorchInfo", "by_severity"]

SEVERITIES: Tuple[Severity, ...] = ("error", "warning", "info")


class InstalledDistribution(Record):
    """One distribution found on the target's path, as read from its metadata folder.

    ``module_version`` is, for the mmcv distributions, what ``mmcv/version.py`` on disk says (the
    version ``import mmcv`` reports, which after a clobbering install can differ from ``version``).
    """

    name: str
    version: str
    location: str
    metadata_dir: str
    problems: Tuple[str, ...] = ()
    has_ext: bool = False
    missing: Tuple[str, ...] = ()
    changed: Tuple[str, ...] = ()
    editable: bool = False
    module_version: Optional[str] = None
    wheel_tags: Tuple[str, ...] = ()
    editable_path: Optional[str] = None

    @property
    def registry_binary(self) -> bool:
        """Installed from a platform wheel built for distribution (manylinux, musllinux, macOS, Windows),
        not from a local build (``linux_x86_64``) or a pure-Python wheel."""
        return any(tag.split("-")[-1].startswith(("manylinux", "musllinux", "macosx", "win"))
                   for tag in self.wheel_tags)


class TorchInfo(Record):
    """torch as read from its files: the version, the CUDA it was built for (None: CPU build)."""

    version: str
    cuda: Optional[str]
    source: str


class SharedFiles(Record):
    """Two distributions that own the same installed files."""

    dists: Tuple[str, str]
    count: int
    examples: Tuple[str, ...]
    #: the one whose RECORD hashes the shared files on disk match (it wrote them last); "" if not told
    owner: str = ""


class ImportCopy(Record):
    """One copy of a package on the import path: its folder, the version its files state, and how it
    got on the path (``sys.path[0] '' (the working directory)``, an editable finder)."""

    path: str
    version: Optional[str]
    via: str


class Environment(Record):
    """What an interpreter's environment holds, read statically."""

    python: str
    python_version: str
    platform: str
    distributions: Tuple[InstalledDistribution, ...]
    shared_files: Tuple[SharedFiles, ...]
    torch: Optional[TorchInfo]
    imports: Mapping[str, Tuple[ImportCopy, ...]] = field(default_factory=dict)
    missing_editables: Tuple[Tuple[str, str, str], ...] = ()
    #: PEP 668: pip refuses to install into this interpreter without a venv or --break-system-packages
    externally_managed: bool = False

    def get(self, name: str) -> Optional[InstalledDistribution]:
        """The first distribution called ``name`` on the path (the one ``import`` metadata sees)."""
        for dist in self.distributions:
            if dist.name == name:
                return dist
        return None


def by_severity(findings: "Iterable[Finding]") -> "Tuple[Finding, ...]":
    """Findings ordered as :data:`SEVERITIES` (errors first), each severity in the order given."""
    return tuple(sorted(findings, key=lambda f: SEVERITIES.index(f.severity)))


class Finding(Record):
    """One thing doctor or guard found: a stable ``code``, a severity, and the commands that fix it."""

    code: str
    severity: Severity
    message: str
    dists: Tuple[str, ...] = ()
    fix: Tuple[str, ...] = ()
