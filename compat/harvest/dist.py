"""Harvest one downloaded wheel or sdist (for repositories too large to clone): its ``__init__.py``
checks, and ``requirements/mminstall.txt`` or else the installer extra of its metadata (``mim``, or onedl's
``mminstall``). Nothing is run."""

from __future__ import annotations

import os
from typing import Dict

from packaging.utils import canonicalize_name

from ..errors import BadInput
from .docs import parse_installer_extra, parse_mminstall, parse_version_file
from .init_ast import parse_init
from .records import HarvestedRelease, release_key

__all__ = ["read_distribution"]


_MEMBER_CAP = 4 * 1024 * 1024


def read_distribution(path: str, package: str) -> HarvestedRelease:
    """Harvest one downloaded wheel or sdist (for repositories too large to clone); nothing is run."""
    import tarfile
    import zipfile

    name = os.path.basename(path)
    files: Dict[str, str] = {}
    try:
        if name.endswith(".whl") or name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.file_size <= _MEMBER_CAP:
                        files[info.filename] = archive.read(info).decode("utf-8", "replace")
        elif name.endswith((".tar.gz", ".tgz", ".tar")):
            with tarfile.open(path) as archive:
                for member in archive.getmembers():
                    if member.isfile() and member.size <= _MEMBER_CAP:
                        handle = archive.extractfile(member)
                        if handle is not None:
                            files[member.name.split("/", 1)[1] if "/" in member.name else member.name] = (
                                handle.read().decode("utf-8", "replace"))
        else:
            raise BadInput(f"not a wheel or sdist: {path}", value=path)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as e:
        raise BadInput(f"cannot read {path}: {e}", value=path) from e
    init_name = f"{package}/__init__.py"
    if init_name not in files:
        raise BadInput(f"{path} has no {init_name}", value=path)
    version = parse_version_file(files.get(f"{package}/version.py", ""))
    metadata = next((text for member, text in files.items()
                     if member.endswith((".dist-info/METADATA", "PKG-INFO")) and member.count("/") <= 1), "")
    if not version:
        version = next((line.split(":", 1)[1].strip() for line in metadata.splitlines()
                        if line.startswith("Version:")), "")
    key = release_key(version)
    if key is None:
        raise BadInput(f"no version found in {path}", value=path)
    project = name.split("-", 1)[0].replace("_", "-")
    pypi = f"https://pypi.org/project/{project}/{version}/"
    if "requirements/mminstall.txt" in files:
        installer = parse_mminstall(files["requirements/mminstall.txt"])
        installer_source = f"{name}:requirements/mminstall.txt"
    else:
        extra, installer = parse_installer_extra(metadata)
        kind = "PKG-INFO" if "PKG-INFO" in files else "METADATA"
        installer_source = f"{name}:{kind} (extra {extra!r})" if extra else f"{name}:{kind} (no installer extra)"
    return HarvestedRelease(
        key=key, ref=name, commit="", version=version, is_branch=False,
        enforced=parse_init(files[init_name], origin=f"{name}:{init_name}"), installer=installer,
        sources={"enforced": f"{pypi} {name}:{init_name}", "installer": f"{pypi} {installer_source}"},
        distribution=next((canonicalize_name(line.split(":", 1)[1].strip()) for line in metadata.splitlines()
                           if line.startswith("Name:")), ""),
    )
