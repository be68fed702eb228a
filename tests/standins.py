"""Small real wheels for distributions that cannot be had here (mmcv-full needs CUDA, torch is GBs).

Shared by the tests and the benchmarks.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path
from typing import Dict, Optional


def build_wheel(folder: Path, name: str, version: str, files: Dict[str, bytes], tag: str = "py3-none-any") -> Path:
    """A small real wheel: ``files`` plus METADATA, WHEEL and a RECORD with sha256 hashes."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    contents = dict(files)
    contents[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    contents[f"{info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: mmcompat-tests\nRoot-Is-Purelib: false\nTag: {tag}\n".encode())
    record = []
    for path, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    contents[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    target = folder / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(target, "w") as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
    return target


def mmcv_full_standin(folder: Path, version: str, marker: Optional[Path] = None) -> Path:
    """mmcv-full cannot be built here (CUDA, torch): the files that matter, in a real wheel.

    ``marker``: a path ``mmcv/__init__.py`` creates when imported, to prove nobody imports it.
    """
    init = "from .version import __version__\n"
    if marker is not None:
        init = f"open({str(marker)!r}, 'w').close()\n" + init
    return build_wheel(folder, "mmcv-full", version, {
        "mmcv/__init__.py": init.encode(),
        "mmcv/version.py": f"__version__ = '{version}'\n".encode(),
        "mmcv/ops/__init__.py": b"from .. import _ext\n",
        "mmcv/_ext.cpython-311-x86_64-linux-gnu.so": b"\x7fELF stand-in for the compiled ops " + version.encode(),
    }, tag="py3-none-any")


def torch_standin(folder: Path, version: str, cuda: Optional[str]) -> Path:
    """torch's metadata and ``torch/version.py`` as the real one writes them (the real one is GBs)."""
    text = f"__version__ = '{version}'\ndebug = False\ncuda: Optional[str] = {cuda!r}\ngit_version = 'x'\n"
    return build_wheel(folder, "torch", version,
                       {"torch/__init__.py": b"raise ImportError('not for import')\n",
                        "torch/version.py": ("from typing import Optional\n" + text).encode()})


