"""A resolved stack written for the tools people install with: a pip constraints file, a requirements
file that ``pip install -r`` runs as one command, and a ``pyproject.toml`` fragment for uv.

Each keeps the guarantees of ``mmcompat install``: torch comes from the PyTorch index of the chosen CUDA
variant and cannot be swapped for the registry's build (its local version, ``torch==2.4.1+cu121``, or
uv's explicit index), and mmcv only as a prebuilt wheel (``--only-binary``, or uv's direct wheel URLs,
one per CPython that has one).
"""

from __future__ import annotations

import json
from typing import List, Sequence, Tuple

from .models import Matrix
from .stack import Stack, StackTarget
from .wheels import mmcv_wheel_pythons, python_key

__all__ = ["FORMATS", "export"]

FORMATS = ("pip", "requirements", "uv")
_WHEEL_PLATFORM = {"linux": "manylinux1_x86_64", "windows": "win_amd64"}


def _header(kind: str, targets: Sequence[StackTarget], stack: Stack, matrix: Matrix, produced_by: str,
            version: str) -> List[str]:
    return [
        f"# {kind} for {' '.join(t.text for t in targets)} on {stack.platform.describe()}, {stack.policy} policy",
        f"# produced by mmcompat {version}: {produced_by}",
        f"# matrix: {matrix.path} ({matrix.origin})",
        f"# {stack.explanation}",
    ]


def _local(stack: Stack, version: str) -> str:
    """torch's version as the PyTorch index names it (``2.4.1+cu121``), so no other index can serve it."""
    torch = stack.torch
    if torch is None or not torch.index_url:
        return version
    variant = "cpu" if torch.cuda in ("cpu", "mps") else "cu" + torch.cuda.replace(".", "")
    return f"{version}+{variant}"


def _pip(targets: Sequence[StackTarget], stack: Stack, matrix: Matrix, numpy: str, produced_by: str,
         version: str) -> str:
    lines = _header("pip constraints", targets, stack, matrix, produced_by, version)
    if stack.torch is not None and stack.torch.index_url and not stack.torch.installed:
        lines.append(f"# torch and torchvision first: pip install {' '.join(stack.torch.requirements)} "
                     f"--index-url {stack.torch.index_url}")
    if stack.find_links:
        lines.append(f"# prebuilt {stack.mmcv} wheels: pip install -c THIS_FILE -f {stack.find_links[0]} "
                     f"--only-binary {stack.mmcv} ...")
    requirements = list(stack.requirements)
    if numpy:
        lines.append(f"# numpy<2: {numpy}")
        requirements.append("numpy<2")
    return "\n".join(lines + requirements) + "\n"


def _requirements(targets: Sequence[StackTarget], stack: Stack, matrix: Matrix, numpy: str, produced_by: str,
                  version: str) -> str:
    lines = _header("pip requirements (pip install -r THIS_FILE)", targets, stack, matrix, produced_by, version)
    torch = stack.torch
    if torch is not None and torch.index_url:
        lines.append(f"--extra-index-url {torch.index_url}")
    for url in stack.find_links:
        lines.append(f"--find-links {url}")
    if stack.mmcv and not stack.source_build:
        lines.append(f"--only-binary {stack.mmcv}")
    if torch is not None:
        lines.append(f"torch=={_local(stack, torch.version)}")
        if torch.torchvision:
            lines.append(f"torchvision=={_local(stack, torch.torchvision)}")
    lines += [f"{name}=={pinned}" for name, pinned in stack.pins.items()]
    lines += [name + str(r) for name, r in stack.ranges.items() if name not in stack.pins]
    if numpy:
        lines.append("numpy<2")
    return "\n".join(lines) + "\n"


def _wheel_urls(stack: Stack, matrix: Matrix) -> List[Tuple[str, str]]:
    """(CPython, direct URL) of the pinned mmcv wheel for each CPython that has one, named as OpenMMLab
    names its files (``mmcv-2.2.0-cp310-cp310-manylinux1_x86_64.whl`` under ``.../torch2.4.0/``)."""
    line = stack.mmcv
    platform = stack.platform
    wheel_platform = _WHEEL_PLATFORM.get(platform.platform)
    if not line or stack.source_build or not stack.find_links or wheel_platform is None:
        return []
    pythons = mmcv_wheel_pythons(matrix, line, stack.pins[line], platform.platform, platform.cuda, platform.torch)
    folder = stack.find_links[0].rsplit("/", 2)[0] + f"/torch{platform.torch}.0"
    urls = []
    for python in sorted(pythons or (), key=python_key):
        tag = "cp" + python.replace(".", "")
        abi = tag + ("m" if python_key(python) < (3, 8) else "")
        name = f"{line.replace('-', '_')}-{stack.pins[line]}-{tag}-{abi}-{wheel_platform}.whl"
        urls.append((python, f"{folder}/{name}"))
    return urls


def _toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of printable ASCII is a TOML basic string


def _uv(targets: Sequence[StackTarget], stack: Stack, matrix: Matrix, numpy: str, produced_by: str,
        version: str) -> str:
    lines = _header("uv settings (merge into pyproject.toml)", targets, stack, matrix, produced_by, version)
    constraints = list(stack.requirements) + (["numpy<2"] if numpy else [])
    lines += ["", "[tool.uv]", "constraint-dependencies = ["]
    lines += [f"    {_toml_string(c)}," for c in constraints]
    lines.append("]")
    torch = stack.torch
    index_name = ""
    if torch is not None and torch.index_url:
        index_name = "pytorch-" + ("cpu" if torch.cuda in ("cpu", "mps") else "cu" + torch.cuda.replace(".", ""))
        lines += ["", "[[tool.uv.index]]", f"name = {_toml_string(index_name)}",
                  f"url = {_toml_string(torch.index_url)}", "explicit = true"]
    urls = _wheel_urls(stack, matrix)
    if index_name or urls:
        lines += ["", "[tool.uv.sources]"]
    if index_name:
        for name in ("torch", "torchvision"):
            lines.append(f"{name} = [{{ index = {_toml_string(index_name)} }}]")
    if urls:
        lines.append(f"{stack.mmcv} = [")
        for python, url in urls:
            marker = _toml_string(f"python_version == {python!r}")
            lines.append(f"    {{ url = {_toml_string(url)}, marker = {marker} }},")
        lines.append("]")
    return "\n".join(lines) + "\n"


def export(fmt: str, targets: Sequence[StackTarget], stack: Stack, matrix: Matrix, *, numpy: str, produced_by: str,
           version: str) -> str:
    """The stack in ``fmt`` (one of :data:`FORMATS`); ``numpy``: why numpy<2 belongs in it, or ``""``."""
    writer = {"pip": _pip, "requirements": _requirements, "uv": _uv}[fmt]
    return writer(targets, stack, matrix, numpy, produced_by, version)
