"""Which registry binaries predate numpy 2's ABI: the upload times (PEP 700) on the JSON simple index,
as the matrix's ``[numpy_abi]`` table. The only harvest that asks the registry."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from packaging.version import Version

from ..errors import CompatError
from .records import release_key

__all__ = ["NUMPY_ABI_PACKAGES", "harvest_numpy_abi"]


#: Compiled packages that use numpy's C API and that mmpose's stack installs (mmpose requires
#: xtcocotools; its COCO tools come from pycocotools in mmdet): their registry wheels are judged.
NUMPY_ABI_PACKAGES = ("xtcocotools", "pycocotools")


def _file_version(name: str, filename: str) -> Optional[str]:
    stem = filename[len(name) + 1:] if filename.lower().startswith(name.replace("-", "_") + "-") or \
        filename.lower().startswith(name + "-") else ""
    for suffix in (".tar.gz", ".zip", ".whl"):
        if filename.endswith(suffix):
            version = stem.split("-", 1)[0] if suffix == ".whl" else stem[: -len(suffix)]
            return release_key(version)
    return None


def harvest_numpy_abi(names: Sequence[str] = NUMPY_ABI_PACKAGES, timeout: float = 60.0) -> Dict[str, object]:
    """The ``[numpy_abi]`` table: for each package, the releases whose registry binaries were all
    uploaded before numpy 2.0.0's first file, so cannot have been built against numpy 2's ABI."""
    from ..install.registry import index_url, simple_files

    numpy_files = [f for f in simple_files("numpy", timeout=timeout)
                   if _file_version("numpy", str(f.get("filename", ""))) == "2.0.0"]  # not 2.0.0rc1
    times = [str(f["upload-time"]) for f in numpy_files if f.get("upload-time")]
    if not times:
        raise CompatError(f"{index_url('numpy')} lists no numpy 2.0.0 file with an upload time")
    first = min(times)
    table: Dict[str, object] = {
        "numpy2_first_upload": first,
        "source": index_url("numpy") + " (upload-time of the numpy-2.0.0 files)",
    }
    for name in names:
        binaries: Dict[str, List[str]] = {}
        for entry in simple_files(name, timeout=timeout):
            filename = str(entry.get("filename", ""))
            if not filename.endswith(".whl") or filename.endswith("-any.whl"):
                continue
            version = _file_version(name, filename)
            if version is not None and entry.get("upload-time"):
                binaries.setdefault(version, []).append(str(entry["upload-time"]))
        numpy1 = sorted((v for v, times in binaries.items() if max(times) < first), key=Version)
        table[name] = {
            "source": index_url(name) + " (upload-time of each release's binary wheels)",
            "numpy1_only": numpy1,
        }
    return table
