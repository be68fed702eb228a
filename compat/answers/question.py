"""The question a stack search answers, read without ``packaging``: the platform, CUDA (``--cuda``),
CPython (``--python-version``), the machine as a dict (:func:`machine`), the policy, and how a machine
and an answer are described to people.
"""

from __future__ import annotations

from ..data.ranks import simple_release
from ..data.vocabulary import PLATFORMS, POLICIES
from ..errors import BadInput, shown

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, Optional, Tuple

    from ..data.models import Policy
    from ..data.shapes import Machine

__all__ = [
    "ENV_MMCV_BASE",
    "ENV_ONEDL_BASE",
    "ENV_TORCH_INDEX",
    "check_policy",
    "cuda_text",
    "describe_machine",
    "describe_platform",
    "machine",
    "notes",
    "parse_python_version",
    "platform_of",
    "requirement_lines",
    "this_platform",
    "torch_exact",
    "torch_minor",
    "torch_text",
]

#: mim's mirror variable: the host part of OpenMMLab's download site.
ENV_MMCV_BASE = "MMCV_BASE_URL"
#: Replaces https://download.pytorch.org/whl (mirrors, tests).
ENV_TORCH_INDEX = "MMCOMPAT_TORCH_INDEX_URL"
#: The host part of onedl-mmcv's wheel site (https://mmwheels.onedl.ai), for mirrors and tests.
ENV_ONEDL_BASE = "MMCOMPAT_ONEDL_BASE_URL"


def platform_of(sys_platform: str) -> str:
    """mmcompat's name for an interpreter's ``sys.platform`` (``win32`` -> ``windows``); ``""`` when unknown."""
    if sys_platform.startswith("linux"):
        return "linux"
    return {"win32": "windows", "cygwin": "windows", "darwin": "macos"}.get(sys_platform, "")


def this_platform() -> str:
    import sys

    return platform_of(sys.platform) or "linux"


def cuda_text(cuda: str) -> str:
    """``--cuda``: ``11.3``, ``cu113``, ``cpu``, ``mps``; ``auto`` -> ``""``; BadInput for anything else."""
    text = cuda.strip().lower()
    if text == "auto":
        return ""
    if text.startswith("cu") and text[2:].isascii() and text[2:].isdigit() and len(text) > 3:
        text = text[2:-1] + "." + text[-1]
    if text and text not in ("cpu", "mps"):
        parts = text.split(".")
        if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 2 for p in parts):
            raise BadInput(f"not a CUDA version: {shown(cuda)}; give e.g. 11.3, cu113, cpu or auto", value=cuda)
    return text


def torch_text(torch: str) -> Tuple[str, Tuple[int, ...]]:
    """``--torch`` normalized (``2.1.2``; ``""``: auto; a local tag dropped) with its release numbers;
    BadInput for what is not a version. Plain digits and dots are read here; any other PEP 440
    spelling (``v2.1``, ``2.1.0.post1``) by packaging."""
    text = torch.strip()
    if text.lower() in ("auto", ""):
        return "", ()
    public = text.split("+", 1)[0]
    found = simple_release(public)
    if found is not None:
        return ".".join(str(part) for part in found), found
    from packaging.version import Version

    bad = BadInput(f"not a torch version: {shown(torch)}; give e.g. 1.12.1, 2.1 or auto", value=torch)
    try:
        version = Version(public)
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        raise bad from None
    if len(str(version)) > 40 or any(part > 10**6 for part in version.release):
        raise bad
    return version.public, version.release


def parse_python_version(text: str) -> str:
    """``3.11`` (or ``3.11.7``, ``cp311``) -> ``3.11``; BadInput for anything else."""
    raw = text.strip().lower()
    if raw.startswith("cp") and raw[2:].isascii() and raw[2:].isdigit() and len(raw) in (4, 5):
        raw = raw[2] + "." + raw[3:]
    parts = raw.split(".")
    if len(parts) in (2, 3) and all(p.isascii() and p.isdigit() and len(p) <= 2 for p in parts) and parts[0] == "3":
        return f"{int(parts[0])}.{int(parts[1])}"
    raise BadInput(f"not a CPython version: {shown(text)}; give e.g. 3.10", value=text)


def machine(platform: Optional[str], cuda: Optional[str], torch: str, torch_release: Tuple[int, ...],
            python: Optional[str] = None, *, torch_installed: bool = False, torchvision: str = "",
            driver: Optional[Tuple[str, str]] = None, gpu: Optional[Tuple[str, str]] = None) -> Machine:
    """The machine dict for ``--platform``, ``--cuda`` (``11.3``, ``cu113``, ``cpu``, ``auto``), a torch
    already normalized (``2.1.2``; ``""``: auto) with its release numbers, and ``--python-version``
    (default: this interpreter's); ``gpu``: (compute capability, where it was read) of the GPU the plan is
    for (:func:`compat.environment.gpu.detect`), or None. BadInput for an unknown platform or a CUDA the platform has
    not."""
    name = (platform or this_platform()).lower()
    if name not in PLATFORMS:
        raise BadInput(f"unknown platform {shown(str(platform))}; known: {', '.join(PLATFORMS)}", value=str(platform))
    cuda_given = cuda_text(cuda or "")
    if (name == "macos") != (cuda_given == "mps") and cuda_given not in ("", "cpu"):
        raise BadInput(f"{cuda_given!r} does not exist on {name}: torch has CUDA builds for linux and windows, "
                       "MPS (the same wheel as cpu) on macos", value=str(cuda))
    if python:
        python_text = parse_python_version(python)
    else:
        import sys

        python_text = "{}.{}".format(*sys.version_info[:2])
    return {"platform": name, "python": python_text, "cuda": cuda_given, "torch": torch,
            "torch_minor": torch_minor(torch, torch_release), "torch_exact": torch_exact(torch, torch_release),
            "torch_installed": torch_installed,
            "torchvision": torchvision, "driver": driver, "gpu": gpu}


def torch_minor(torch: str, release: Tuple[int, ...]) -> str:
    """The minor (``2.1``) of a torch (``2.1.2``) from its release numbers; ``""`` for auto."""
    return f"{release[0]}.{release[1] if len(release) > 1 else 0}" if torch else ""


def torch_exact(torch: str, release: Tuple[int, ...]) -> bool:
    """A torch names one release (``2.1.2``), not a minor (``2.1``) or auto."""
    return bool(torch) and len(release) >= 3


def notes(machine: Machine) -> Tuple[str, ...]:
    """What the command line says about the machine before the answer (where the driver was read)."""
    driver = machine["driver"]
    gpu = machine.get("gpu")
    said = (f"GPU compute capability {gpu[0]} (from {gpu[1]}): only torch builds whose CUDA runs on it are "
            "planned",) if gpu else ()
    if driver is not None:
        return (f"NVIDIA driver {driver[0]} (from {driver[1]})", *said)
    if said:
        return said
    if not machine["cuda"] and machine["platform"] != "macos":
        return ("no NVIDIA driver found (MMCOMPAT_CUDA_DRIVER_VERSION, /sys/module/nvidia/version, "
                "/proc/driver/nvidia/version, nvidia-smi): planning for the CPU; give --cuda to plan for a GPU",)
    return ()


def requirement_lines(torch: Optional[Tuple[str, str]], pins: Dict[str, str], ranges: Dict[str, str]
                      ) -> Tuple[str, ...]:
    """pip-ready lines: torch and torchvision (``(version, torchvision)``), the OpenMMLab packages and
    mmcv pinned, then ranges (name -> specifier text) of what is not pinned."""
    lines = []
    if torch is not None:
        lines.append(f"torch=={torch[0]}")
        if torch[1]:
            lines.append(f"torchvision=={torch[1]}")
    lines += [f"{name}=={version}" for name, version in pins.items()]
    lines += [name + text for name, text in ranges.items() if name not in pins]
    return tuple(lines)


def describe_machine(machine: Machine) -> str:
    cuda = {"cpu": "CPU", "": "CUDA auto"}.get(machine["cuda"], f"CUDA {machine['cuda']}")
    torch = f"torch {machine['torch']}" if machine["torch"] else "torch auto"
    return f"{machine['platform']}/CPython {machine['python']}/{cuda}/{torch}"


def describe_platform(platform: str, cuda: str, torch: str, python: str) -> str:
    label = {"cpu": "CPU", "mps": "MPS"}.get(cuda, f"CUDA {cuda}")
    return f"{platform}/{label}/torch {torch}" + (f"/CPython {python}" if python else "")


def check_policy(policy: str) -> Policy:
    """Return ``policy`` when it is known; raise :class:`BadInput` naming the known ones otherwise."""
    for known in POLICIES:
        if policy == known:
            return known
    raise BadInput(f"unknown policy {shown(policy)}; known: {', '.join(POLICIES)}", value=policy)
