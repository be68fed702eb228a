"""A resolved stack written for the tools people install with: a pip constraints file, a requirements
file that ``pip install -r`` runs as one command, and a ``pyproject.toml`` fragment for uv.

Each keeps the guarantees of ``mmcompat install``: torch comes from the PyTorch index of the chosen CUDA
variant and cannot be swapped for the registry's build (its local version, ``torch==2.4.1+cu121``, or
uv's explicit index), and mmcv only as a prebuilt wheel (``--only-binary``, or uv's direct wheel URLs,
one per CPython that has one).

A dependency pip cannot build under its build isolation (chumpy: its ``setup.py`` imports pip) is never
left for the file to meet: each format says, in a comment, the exact commands that build it first, on
its own (:func:`first_steps`, which the command line also says on stderr), and the uv settings list it
under ``no-build-isolation-package``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Sequence, Tuple

    from ..data.models import Matrix
    from .stack import Stack, StackTarget

from ..data.ranks import python_key

__all__ = ["FORMATS", "export", "export_view", "first_steps", "view_of"]

FORMATS = ("pip", "requirements", "uv")
_WHEEL_PLATFORM = {"linux": "manylinux1_x86_64", "windows": "win_amd64"}



def view_of(targets: Sequence[StackTarget], stack: Stack, matrix: Matrix) -> Dict[str, Any]:
    """What an export reads of a typed stack (see :func:`export_view`)."""
    from ..data.tables import tables_for
    from .isolation import separate_builds
    from .wheels import mmcv_wheel_pythons

    torch = stack.torch
    platform = stack.platform
    line = stack.mmcv
    pythons = mmcv_wheel_pythons(matrix, line, stack.pins[line], platform.platform, platform.cuda, platform.torch
                                 ) if line else ()
    return {
        "targets": [t.text for t in targets], "platform": (platform.platform, platform.cuda, platform.torch,
                                                           platform.python),
        "described": platform.describe(), "policy": stack.policy, "explanation": stack.explanation,
        "torch": None if torch is None else {"version": torch.version, "torchvision": torch.torchvision,
                                             "cuda": torch.cuda, "index_url": torch.index_url,
                                             "installed": torch.installed},
        "find_links": tuple(stack.find_links), "mmcv": line, "source_build": stack.source_build,
        "pins": {name: str(v) for name, v in stack.pins.items()}, "requirements": tuple(stack.requirements),
        "pythons": pythons, "matrix": f"{matrix.path} ({matrix.origin})",
        "separate": separate_builds(tables_for(matrix), stack.pins, platform.python),
    }


def _header(kind: str, view: Dict[str, Any], produced_by: str, version: str) -> List[str]:
    return [
        f"# {kind} for {' '.join(view['targets'])} on {view['described']}, {view['policy']} policy",
        f"# produced by mmcompat {version}: {produced_by}",
        f"# matrix: {view['matrix']}",
        f"# {view['explanation']}",
    ]


def _local(view: Dict[str, Any], version: str) -> str:
    """torch's version as the PyTorch index names it (``2.4.1+cu121``), so no other index can serve it."""
    torch = view["torch"]
    if torch is None or not torch["index_url"]:
        return version
    variant = "cpu" if torch["cuda"] in ("cpu", "mps") else "cu" + torch["cuda"].replace(".", "")
    return f"{version}+{variant}"


def first_steps(fmt: str, view: Dict[str, Any], numpy: str) -> List[str]:
    """For each dependency of the stack pip cannot build in isolation (``view["separate"]``): what to run
    before the file is used, as one line (``chumpy 0.70 first, ...: pip install pip setuptools wheel &&
    pip install -c THIS_FILE --no-build-isolation chumpy==0.70``)."""
    import shlex

    found = []
    for build in view.get("separate") or ():
        pinned = f"{build.name}=={build.version}"
        # the file's numpy<2 holds for these steps too: -c THIS_FILE, or said again (-r cannot be used here)
        needs = ["numpy<2" if numpy and need == "numpy" else need for need in build.needs]
        if fmt == "uv":
            found.append(f"{build.name} {build.version} builds without build isolation ({build.reason}; "
                         f"no-build-isolation-package below): install what its build needs into the environment "
                         f"first: {shlex.join(['uv', 'pip', 'install', *needs])}")
            continue
        pins = ["-c", "THIS_FILE"] if fmt == "pip" else []
        extra = ["numpy<2"] if numpy and fmt != "pip" and "numpy<2" not in needs else []
        found.append(f"{build.name} {build.version} first, on its own: pip cannot build it in isolation "
                     f"({build.reason}): {shlex.join(['pip', 'install', *pins, *needs])} && "
                     f"{shlex.join(['pip', 'install', *pins, '--no-build-isolation', pinned, *extra])}")
    return found


def _torch_lines(torch: Dict[str, Any]) -> List[str]:
    return [f"torch=={torch['version']}"] + ([f"torchvision=={torch['torchvision']}"] if torch["torchvision"] else [])


def _pip(view: Dict[str, Any], numpy: str, produced_by: str, version: str) -> str:
    lines = _header("pip constraints", view, produced_by, version)
    torch = view["torch"]
    if torch is not None and torch["index_url"] and not torch["installed"]:
        lines.append(f"# torch and torchvision first: pip install {' '.join(_torch_lines(torch))} "
                     f"--index-url {torch['index_url']}")
    if view["find_links"]:
        lines.append(f"# prebuilt {view['mmcv']} wheels: pip install -c THIS_FILE -f {view['find_links'][0]} "
                     f"--only-binary {view['mmcv']} ...")
    lines += [f"# {step}" for step in first_steps("pip", view, numpy)]
    requirements = list(view["requirements"])
    if numpy:
        lines.append(f"# numpy<2: {numpy}")
        requirements.append("numpy<2")
    return "\n".join(lines + requirements) + "\n"


def _requirements(view: Dict[str, Any], numpy: str, produced_by: str, version: str) -> str:
    lines = _header("pip requirements (pip install -r THIS_FILE)", view, produced_by, version)
    lines += [f"# {step}" for step in first_steps("requirements", view, numpy)]
    torch = view["torch"]
    if torch is not None and torch["index_url"]:
        lines.append(f"--extra-index-url {torch['index_url']}")
    for url in view["find_links"]:
        lines.append(f"--find-links {url}")
    if view["mmcv"] and not view["source_build"]:
        lines.append(f"--only-binary {view['mmcv']}")
    if torch is not None:
        lines.append(f"torch=={_local(view, torch['version'])}")
        if torch["torchvision"]:
            lines.append(f"torchvision=={_local(view, torch['torchvision'])}")
    skip = 2 if torch is not None and torch["torchvision"] else 1 if torch is not None else 0
    lines += list(view["requirements"])[skip:]  # the pins and ranges, after torch's own lines
    if numpy:
        lines.append("numpy<2")
    return "\n".join(lines) + "\n"


def _wheel_urls(view: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(CPython, direct URL) of the pinned mmcv wheel for each CPython that has one, named as OpenMMLab
    names its files (``mmcv-2.2.0-cp310-cp310-manylinux1_x86_64.whl`` under ``.../torch2.4.0/``)."""
    line = view["mmcv"]
    platform, _, torch_minor, _ = view["platform"]
    wheel_platform = _WHEEL_PLATFORM.get(platform)
    if not line or view["source_build"] or not view["find_links"] or wheel_platform is None:
        return []
    folder = view["find_links"][0].rsplit("/", 2)[0] + f"/torch{torch_minor}.0"
    urls = []
    for python in sorted(view["pythons"] or (), key=python_key):
        tag = "cp" + python.replace(".", "")
        abi = tag + ("m" if python_key(python) < (3, 8) else "")
        name = f"{line.replace('-', '_')}-{view['pins'][line]}-{tag}-{abi}-{wheel_platform}.whl"
        urls.append((python, f"{folder}/{name}"))
    return urls


def _toml_string(text: str) -> str:
    from ..data.toml_writer import quote

    return quote(text)


def _uv(view: Dict[str, Any], numpy: str, produced_by: str, version: str) -> str:
    lines = _header("uv settings (merge into pyproject.toml)", view, produced_by, version)
    lines += [f"# {step}" for step in first_steps("uv", view, numpy)]
    constraints = list(view["requirements"]) + (["numpy<2"] if numpy else [])
    lines += ["", "[tool.uv]", "constraint-dependencies = ["]
    lines += [f"    {_toml_string(c)}," for c in constraints]
    lines.append("]")
    separate = [build.name for build in view.get("separate") or ()]
    if separate:
        lines.append(f"no-build-isolation-package = [{', '.join(_toml_string(name) for name in separate)}]")
    torch = view["torch"]
    index_name = ""
    if torch is not None and torch["index_url"]:
        index_name = "pytorch-" + ("cpu" if torch["cuda"] in ("cpu", "mps") else "cu" + torch["cuda"].replace(".", ""))
        lines += ["", "[[tool.uv.index]]", f"name = {_toml_string(index_name)}",
                  f"url = {_toml_string(torch['index_url'])}", "explicit = true"]
    urls = _wheel_urls(view)
    if index_name or urls:
        lines += ["", "[tool.uv.sources]"]
    if index_name:
        for name in ("torch", "torchvision"):
            lines.append(f"{name} = [{{ index = {_toml_string(index_name)} }}]")
    if urls:
        lines.append(f"{view['mmcv']} = [")
        for python, url in urls:
            marker = _toml_string(f"python_version == {python!r}")
            lines.append(f"    {{ url = {_toml_string(url)}, marker = {marker} }},")
        lines.append("]")
    return "\n".join(lines) + "\n"


def export_view(fmt: str, view: Dict[str, Any], *, numpy: str, produced_by: str, version: str) -> str:
    """A stack in ``fmt`` (one of :data:`FORMATS`) from plain values: ``targets`` (texts), ``platform``
    (platform, CUDA, torch minor, CPython), ``described``, ``policy``, ``explanation``, ``torch`` (None or
    version, torchvision, cuda, index_url, installed), ``find_links``, ``mmcv``, ``source_build``,
    ``pins`` (name -> version text), ``requirements``, ``pythons`` (the CPython versions the pinned mmcv
    wheel exists for; None: unknown), ``matrix`` (path and origin), ``separate`` (the dependencies built
    on their own first: :func:`compat.answers.isolation.separate_builds`). ``numpy``: why numpy<2 belongs
    in it, or ``""``."""
    writer = {"pip": _pip, "requirements": _requirements, "uv": _uv}[fmt]
    return writer(view, numpy, produced_by, version)


def export(fmt: str, targets: Sequence[StackTarget], stack: Stack, matrix: Matrix, *, numpy: str, produced_by: str,
           version: str) -> str:
    """The stack in ``fmt`` (one of :data:`FORMATS`); ``numpy``: why numpy<2 belongs in it, or ``""``."""
    return export_view(fmt, view_of(targets, stack, matrix), numpy=numpy, produced_by=produced_by, version=version)
