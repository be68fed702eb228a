"""Find the NVIDIA driver of this machine, without importing torch or loading any NVIDIA library.

In order: ``MMCOMPAT_CUDA_DRIVER_VERSION`` (for builders without a GPU, CI and tests; ``none`` says
there is no driver), the kernel module's ``/sys/module/nvidia/version``, ``/proc/driver/nvidia/version``,
then ``nvidia-smi --query-gpu=driver_version --format=csv,noheader`` (an argument list, a timeout).
No driver: None, and installs are planned for the CPU.

``MMCOMPAT_DRIVER_ROOT`` puts a folder in front of the two file paths: for tests only, so a test can lay
out the files a real driver writes.
"""

from __future__ import annotations

import os
import re

from ..data.record import Record
from ..errors import BadInput

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Mapping, Optional, Tuple

__all__ = ["ENV_DRIVER", "Driver", "detect", "parse_driver", "supports"]

ENV_DRIVER = "MMCOMPAT_CUDA_DRIVER_VERSION"
ENV_ROOT = "MMCOMPAT_DRIVER_ROOT"
_FILES = ("/sys/module/nvidia/version", "/proc/driver/nvidia/version")
_VERSION = r"(?<![0-9.])([0-9]{3}\.[0-9]{1,3}(?:\.[0-9]{1,3})?)(?![0-9.])"  # compiled on first use
_NO_DRIVER = ("none", "cpu", "")
#: What NVIDIA writes for a minimum: ``525.60.13``, or ``580`` alone for CUDA 13.x.
_MINIMUM = re.compile(r"[0-9]{3}(?:\.[0-9]{1,3}){0,2}")  # ASCII digits: \d takes any script's


class Driver(Record):
    """The driver version (``535.104.05``) and where it was read."""

    version: str
    where: str

    @property
    def key(self) -> Tuple[int, ...]:
        return parse_driver(self.version)


def parse_driver(text: str) -> Tuple[int, ...]:
    """``535.104.05`` -> (535, 104, 5), ``580`` -> (580,); BadInput for anything else."""
    text = text.strip()
    if not _MINIMUM.fullmatch(text):
        raise BadInput(f"not an NVIDIA driver version: {text[:60]!r}; give e.g. 535.104.05", value=text)
    return tuple(int(p) for p in text.split("."))


def supports(driver: Driver, minimum: str) -> bool:
    """The driver is at least ``minimum``."""
    return driver.key >= parse_driver(minimum)


def _from_file(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(4096)
    except OSError:
        return None
    # /sys: "535.104.05\n"; /proc: "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug ..."
    found = re.search(_VERSION, text)
    return found.group(1) if found else None


def _from_smi(timeout: float) -> Tuple[Optional[str], str]:
    import shutil
    import subprocess

    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None, ""
    try:
        done = subprocess.run([smi, "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True,
                              text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None, smi
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines or not re.fullmatch(_VERSION, lines[0]):
        return None, smi
    return lines[0], smi


def detect(environ: Optional[Mapping[str, str]] = None, *, timeout: float = 10.0) -> Optional[Driver]:
    """The driver in effect, or None when this machine has none."""
    env = os.environ if environ is None else environ
    given = env.get(ENV_DRIVER)
    if given is not None:
        if given.strip().lower() in _NO_DRIVER:
            return None
        parse_driver(given)
        return Driver(given.strip(), ENV_DRIVER)
    root = env.get(ENV_ROOT, "")
    for path in _FILES:
        found = _from_file(root + path)
        if found:
            return Driver(found, root + path)
    version, smi = _from_smi(timeout)
    if version:
        return Driver(version, f"{smi} --query-gpu=driver_version")
    return None
