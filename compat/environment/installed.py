"""Inspect an environment: this interpreter's in-process, or another's through the probe script.

Nothing of the inspected environment is imported: :mod:`compat.probe` reads metadata folders and
version files as text. For ``--python PATH`` the probe's source runs in that interpreter
(``PATH -c SOURCE``, an argument list, no shell) and prints JSON.
"""

from __future__ import annotations

from .. import probe
from ..errors import CompatError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, Mapping, Optional, Tuple

    from .records import Environment

__all__ = ["InspectFailed", "from_probe", "inspect", "probe_data", "torch_of"]

PROBE_TIMEOUT = 120


class InspectFailed(CompatError):
    """The target interpreter could not be run or did not answer with the probe's JSON (exit 3)."""

    def __init__(self, python: str, problem: str) -> None:
        super().__init__(f"cannot inspect {python}: {problem}")
        self.python = python
        self.problem = problem


def torch_of(reading: Mapping[str, Any]) -> Tuple[str, Optional[str], str]:
    """(version, CUDA or None for a CPU build, where it was read from) of the probe's torch reading."""
    version = reading.get("version") or reading.get("distribution_version") or ""
    cuda = reading.get("cuda")
    if not cuda and "+cu" in version:
        digits = version.split("+cu", 1)[1]
        cuda = f"{digits[:-1]}.{digits[-1]}" if digits.isascii() and digits.isdigit() and len(digits) > 1 else None
    return version, cuda, reading.get("version_file") or "METADATA"


def _strings(value: Any) -> Tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def from_probe(data: Mapping[str, Any]) -> Environment:
    """Typed :class:`Environment` from the probe's JSON-ready data."""
    from .records import Environment, ImportCopy, InstalledDistribution, SharedFiles, TorchInfo

    dists = []
    for item in data.get("distributions", []):
        dists.append(
            InstalledDistribution(
                name=str(item.get("name", "")),
                version=str(item.get("version", "")),
                location=str(item.get("location", "")),
                metadata_dir=str(item.get("metadata_dir", "")),
                problems=_strings(item.get("problems")),
                has_ext=bool(item.get("has_ext")),
                missing=_strings(item.get("missing")),
                changed=_strings(item.get("changed")),
                editable=bool(item.get("editable")),
                module_version=item.get("module_version"),
                wheel_tags=_strings(item.get("wheel_tags")),
                editable_path=item.get("editable_path") or None,
            )
        )
    shared = tuple(
        SharedFiles(dists=tuple(s["dists"]), count=int(s["count"]), examples=_strings(s.get("examples")),
                    owner=str(s.get("owner") or ""))
        for s in data.get("shared_files", [])
    )
    torch = data.get("torch") or None
    torch_info = None
    if torch:
        version, cuda, source = torch_of(torch)
        torch_info = TorchInfo(version=version, cuda=cuda, source=source)
    imports = {
        str(name): tuple(ImportCopy(str(c.get("path", "")), c.get("version"), str(c.get("via", "")))
                         for c in copies if isinstance(c, dict))
        for name, copies in (data.get("imports") or {}).items() if isinstance(copies, list)
    }
    missing = tuple((str(m.get("dist", "")), str(m.get("path", "")), str(m.get("via", "")))
                    for m in data.get("missing_editables") or [] if isinstance(m, dict))
    python = data.get("python", {})
    return Environment(
        imports=imports,
        missing_editables=missing,
        python=str(python.get("executable", "")),
        python_version=str(python.get("version", "")),
        platform=str(python.get("platform", "")),
        externally_managed=bool(python.get("externally_managed", False)),
        distributions=tuple(dists),
        shared_files=shared,
        torch=torch_info,
    )


def probe_data(python: Optional[str] = None, *, cached: bool = False) -> Dict[str, Any]:
    """The probe's raw reading of ``python``'s environment (this interpreter's when None).

    ``cached``: let the probe reuse its readings of metadata folders that did not change, from the
    user cache (see :func:`probe.scan`); library calls leave it off and write nothing.
    """
    from ..cache import reading_cache_folder

    folder = reading_cache_folder() if cached else None
    if python is None:
        return probe.scan(cache_dir=folder)
    try:
        return probe.run(python, folder, timeout=PROBE_TIMEOUT)
    except RuntimeError as e:
        raise InspectFailed(python, str(e)) from e


def inspect(python: Optional[str] = None, *, cached: bool = False) -> Environment:
    """The environment of ``python`` (an interpreter path), or of this interpreter when None."""
    data = probe_data(python, cached=cached)
    try:
        return from_probe(data)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InspectFailed(python or "this interpreter", f"the probe's reading is malformed ({e})") from e
