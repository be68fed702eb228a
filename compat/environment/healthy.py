"""``mmcompat doctor`` on the short path: an environment in which nothing is wrong, proven so from the
probe's plain reading and the compiled tables, without ``packaging`` or the typed records.

:func:`healthy` does not judge: :func:`compat.environment.diagnose.diagnose` does. It checks that none of diagnose's
error or warning findings can arise (one mmcv and one mmengine distribution at most, mmcv's files as
its RECORD lists them and its ops built, no shared files, no damaged metadata, every located import the
installed copy, no editable install gone, no numpy-1.x binary beside numpy 2, the installed MMPose release
known and every version it depends on inside the ranges it enforces and the safe ones), and returns
the one information finding such an environment has (torch, where it is installed). Whenever it
cannot be sure, for a version it cannot read without packaging or anything diagnose would report,
it returns None and the full path judges. tests/test_lean_doctor.py compares both on many readings.
"""

from __future__ import annotations

import os

from ..data import ranks
from ..data.links import compiled_rule_url
from ..data.vocabulary import MMCV_DISTRIBUTIONS, MMENGINE_DISTRIBUTIONS
from ..install.buildrecord import disagrees

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Mapping, Optional, Tuple

    from ..data.shapes import RangeData, Tables

__all__ = ["TABLES", "healthy", "torch_of"]

#: The parts of the compiled tables :func:`healthy` reads (the rest is the stack search's).
TABLES = ("versions", "extras", "packages", "find_links", "numpy1_newest")


class _Unsure(Exception):
    """Something the short path cannot decide exactly as diagnose would: take the full path."""


def torch_of(reading: Mapping[str, Any]) -> Tuple[str, Optional[str], str]:
    """(version, CUDA or None for a CPU build, where it was read from) of the probe's torch reading."""
    version = reading.get("version") or reading.get("distribution_version") or ""
    cuda = reading.get("cuda")
    if not cuda and "+cu" in version:
        digits = version.split("+cu", 1)[1]
        cuda = f"{digits[:-1]}.{digits[-1]}" if digits.isascii() and digits.isdigit() and len(digits) > 1 else None
    return version, cuda, reading.get("version_file") or "METADATA"


class _Versions:
    """The installed version of each distribution as diagnose's ``installed_stack`` reads it (the
    first non-empty one of each name; mmcv's from its version file; the located copy's over it), each
    read when a check asks for it as a version text of the tables, widened by the simple releases they
    did not know (:func:`ranks.placed`)."""

    def __init__(self, tables: Tables, dists: List[Dict[str, Any]], imports: Mapping[str, Any]) -> None:
        self.tables = tables
        self.added: List[str] = []
        self.raw: Dict[str, str] = {}
        self.read: Dict[str, Optional[str]] = {}
        for dist in dists:
            name = dist["name"]
            text = dist.get("module_version") if name in MMCV_DISTRIBUTIONS and dist.get("module_version") else None
            text = text or dist["version"]
            if text and name not in self.raw:  # no version: a later distribution of that name may give one
                self.raw[name] = text
        for name, copies in imports.items():
            text = copies[0].get("version") if copies else None
            if text:
                if name == "mmcv":
                    name = next((n for n in MMCV_DISTRIBUTIONS if self.has(n)), "mmcv")
                self.raw[name] = text
                self.read.pop(name, None)

    def _text(self, name: str) -> Optional[str]:
        """The tables' text of ``name``'s version; None when none is installed; unsure of one that is
        not a simple release (packaging might or might not read it)."""
        if name not in self.raw:
            return None
        if name not in self.read:
            found = ranks.placed(self.tables, self.raw[name])
            if found is None:
                raise _Unsure(name)
            if found[0] is not self.tables:
                self.tables = found[0]
                self.added.append(found[1])
            self.read[name] = found[1]
        return self.read[name]

    def has(self, name: str) -> bool:
        return self._text(name) is not None

    def within(self, r: RangeData, name: str) -> bool:
        text = self._text(name)
        if text is None or (r[2] and text in self.added):
            raise _Unsure(name)  # verbatim specifiers (!=1.5.0) list only the versions the matrix knows
        return ranks.range_contains(self.tables, r, text)


def _judge(versions: _Versions, dependency: Tuple[Any, ...], provider: str) -> None:
    """diagnose's ``_judge`` of an installed version: unsure unless inside the enforced and safe ranges."""
    enforced, safe = dependency[3], ranks.range_for(versions.tables, dependency, "safe")
    if enforced is not None and not versions.within(enforced, provider):
        raise _Unsure(provider)
    if safe is not None and not ranks.range_is_empty(versions.tables, safe) and not versions.within(safe, provider):
        raise _Unsure(provider)


def _check_release(versions: _Versions, release: Tuple[Any, ...]) -> Optional[str]:
    """diagnose's ``check_stack`` of the installed stack: unsure of anything it would report; the
    release's mmcv line (or None)."""
    dependencies = release[4]
    required = [d for d in dependencies if not d[1]]
    mmcv = next((d for d in required if d[0] in MMCV_DISTRIBUTIONS), None)
    for dependency in required:
        provider = dependency[0]
        if dependency is mmcv:
            present = [n for n in MMCV_DISTRIBUTIONS if versions.has(n)]
            if not present:
                raise _Unsure("mmcv")
            provider = provider if provider in present else present[0]
        elif provider == "mmengine" and not versions.has(provider) and any(
                versions.has(n) for n in MMENGINE_DISTRIBUTIONS):
            provider = next(n for n in MMENGINE_DISTRIBUTIONS if versions.has(n))
        elif not versions.has(provider):
            raise _Unsure(provider)
        _judge(versions, dependency, provider)
    mmdet = next((d for d in dependencies if d[0] == "mmdet"), None)
    if mmdet is not None and versions.has("mmdet"):
        rule = ranks.range_for(versions.tables, mmdet, "safe")
        if rule is not None and not versions.within(rule, "mmdet"):
            raise _Unsure("mmdet")
    return mmcv[0] if mmcv is not None else None


def _same_copy(path: str, dist: Mapping[str, Any], name: str) -> bool:
    """The located copy is the installed one (or an editable install's source)."""
    loaded = os.path.realpath(path)
    if loaded == os.path.realpath(os.path.join(dist["location"], name)):
        return True
    source = dist.get("editable_path") if dist.get("editable") else None
    if not source:
        return False
    source = os.path.realpath(source)
    return loaded == source or loaded.startswith(source.rstrip(os.sep) + os.sep)


def _installed_release(tables: Tables, first: Mapping[str, Dict[str, Any]], imports: Mapping[str, Any],
                       package: str = "mmpose") -> Optional[Tuple[Any, ...]]:
    """The installed release of ``package`` (the copy ``import`` loads, else the installed one); None when
    none is installed; unsure of a version not read exactly or not a known release."""
    copies = imports.get(package) or []
    dist = first.get(package)
    for text in (copies[0].get("version") if copies else None, dist["version"] if dist else None):
        if not text:
            continue
        found = ranks.placed(tables, text)
        if found is None or found[0] is not tables or package not in tables["packages"]:
            raise _Unsure(package)
        rank = ranks.rank(tables, found[1])
        for release in tables["packages"][package][0]:
            if ranks.rank(tables, release[2]) == rank:
                return tuple(release)
        raise _Unsure(package)  # not in the matrix: diagnose warns
    return None


def healthy(reading: Mapping[str, Any], tables: Tables) -> Optional[List[Tuple[str, str, str]]]:
    """doctor's findings, ``[(severity, code, message)]``, for an environment reading with nothing to
    report (only torch's information line); None when it has, or may have: then diagnose judges."""
    try:
        return _findings(reading, tables)
    except _Unsure:
        return None
    except (KeyError, TypeError, AttributeError, IndexError, ValueError):  # a reading of another shape
        return None


def _findings(reading: Mapping[str, Any], tables: Tables) -> List[Tuple[str, str, str]]:
    dists: List[Dict[str, Any]] = reading["distributions"]
    first: Dict[str, Dict[str, Any]] = {}
    for dist in dists:
        first.setdefault(dist["name"], dist)
    mmcvs = [first[n] for n in MMCV_DISTRIBUTIONS if n in first]
    if len(mmcvs) > 1 or sum(n in first for n in MMENGINE_DISTRIBUTIONS) > 1:
        raise _Unsure("multiple")
    if mmcvs and (mmcvs[0]["missing"] or mmcvs[0]["changed"] or not mmcvs[0]["has_ext"]):
        raise _Unsure("mmcv files")
    if mmcvs and disagrees(mmcvs[0].get("metadata_dir", ""), torch_of(reading["torch"] or {})[0]):
        raise _Unsure("built for another torch")  # mmcompat recorded another torch in this mmcv: diagnose warns
    if reading["shared_files"] or reading["missing_editables"] or any(d["problems"] for d in dists):
        raise _Unsure("files")
    imports: Dict[str, Any] = reading["imports"]
    for name, copies in imports.items():
        if not copies:
            continue
        owner = first.get(name) if name != "mmcv" else (mmcvs[0] if mmcvs else None)
        if len(copies) > 1 or owner is None or not _same_copy(copies[0]["path"], owner, name):
            raise _Unsure("imports")
    numpy = first.get("numpy")
    if numpy is not None and tables["numpy1_newest"] and numpy["version"]:
        release = ranks.simple_release(numpy["version"])
        if release is None or (release[0] >= 2 and any(d["name"] in tables["numpy1_newest"] for d in dists)):
            raise _Unsure("numpy")
    mmcv_line = None
    versions = _Versions(tables, dists, imports)
    release = _installed_release(tables, first, imports)
    if release is not None:
        mmcv_line = _check_release(versions, release)
    for package in tables["packages"]:  # every other codebase installed, by its own bounds (as diagnose)
        other = _installed_release(tables, first, imports, package) if package != "mmpose" else None
        if other is not None:
            _check_release(versions, other)
    found = []
    if reading["torch"]:
        version, cuda, source = torch_of(reading["torch"])
        rule = tables["find_links"].get(mmcv_line) if mmcv_line else None
        links = compiled_rule_url(rule, version, cuda) if rule is not None and version else None
        found.append(("info", "torch", f"torch {version} ({f'CUDA {cuda}' if cuda else 'CPU'}), read from {source}"
                      + (f"; prebuilt {mmcv_line} wheels for it: {links}" if links else "")))
    return found
