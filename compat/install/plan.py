"""Install planning: from targets and a target environment to an ordered list of commands that end in
a working MMPose on that machine, or a refusal that says why before anything is installed.

``machine_for`` turns options and the environment into the :class:`~compat.answers.stack.Machine` the stack is
resolved for (the environment's torch is kept and pinned; without one, torch and CUDA are picked for
the driver); ``plan_install`` returns an :class:`InstallPlan` of :class:`Step` (an argument list, the
environment variables it adds, and why). The command line prints or runs the steps; nothing here
prints, and nothing here changes the environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Sequence, Tuple

from packaging.version import Version

from ..answers.question import (
    ENV_MMCV_BASE,
    ENV_ONEDL_BASE,
    ENV_TORCH_INDEX,
    cuda_text,
    notes,
    parse_python_version,
)
from ..answers.stack import (
    Machine,
    Stack,
    StackTarget,
    lean_machine,
    parse_machine,
    parse_targets,
    platform_of,
    resolve_stack,
)
from ..data.models import MMCV_DISTRIBUTIONS, IsolatedBuild, Matrix
from ..data.record import Record, field, replace
from ..environment.driver import Driver, detect
from ..environment.records import Environment
from ..errors import EXIT_FAILED, EXIT_INCOMPATIBLE, BadInput, CompatError

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildKey

__all__ = [
    "ENV_ONEDL_BASE",
    "ENV_TORCH_INDEX",
    "InstallPlan",
    "NoInstaller",
    "PlanRefused",
    "Step",
    "build_key",
    "check_platform",
    "isolated_builds",
    "links_check",
    "machine_for",
    "numpy_pin",
    "plan_build",
    "plan_install",
    "solve",
]

#: mmpose's compiled dependency (requirements/runtime.txt of 0.x and 1.x: xtcocotools>=1.12).
COMPILED_DEPENDENCY = ("xtcocotools", ">=1.12")
#: What mmcv's setup.py needs in the environment to build its ops without isolation, beside torch.
BUILD_TOOLS = ("wheel", "ninja", "psutil")
_LINKS_CAP = 8 * 1024 * 1024


class PlanRefused(CompatError):
    """The plan would not end in a working install (exit 1); ``problem`` says why, before anything ran."""

    exit_code = EXIT_INCOMPATIBLE

    def __init__(self, message: str, *, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


class NoInstaller(CompatError):
    """The target has no pip and no uv is on PATH (exit 3)."""

    exit_code = EXIT_FAILED

    def __init__(self, python: str) -> None:
        super().__init__(f"{python} has no pip and uv is not on PATH: run {python} -m ensurepip --upgrade "
                         "(or install uv), then again")
        self.python = python


class Step(Record):
    """One command of a plan: its argument list, the environment variables it adds, and why it runs."""

    kind: str  # uninstall | torch | prerequisites | build | install
    argv: Tuple[str, ...]
    reason: str
    env: Mapping[str, str] = field(default_factory=dict)
    #: a build of mmcv: the key its wheel is kept under, recorded inside the wheel after the build
    key: Optional["BuildKey"] = None

    def shell(self) -> str:
        """The command as a person would paste it into a POSIX shell."""
        import shlex

        prefix = [f"{k}={shlex.quote(v)}" for k, v in self.env.items()]
        return " ".join([*prefix, shlex.join(self.argv)])


class InstallPlan(Record):
    """What ``mmcompat install`` runs, in order, and what it says about it."""

    python: str
    targets: Tuple[StackTarget, ...]
    stack: Stack
    steps: Tuple[Step, ...]
    installer: str  # pip | uv
    warnings: Tuple[str, ...] = ()
    notes: Tuple[str, ...] = ()


# ---- the machine ---------------------------------------------------------------------------------

def _public(version: str) -> str:
    try:
        return Version(version).public
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return version.split("+", 1)[0]


def machine_for(env: Optional[Environment], *, platform: Optional[str] = None, cuda: Optional[str] = None,
                torch: Optional[str] = None, python_version: Optional[str] = None,
                environ: Optional[Mapping[str, str]] = None, gpu: Optional[str] = None) -> Machine:
    """The machine to resolve for: options first, then what ``env`` has (its torch is kept and pinned;
    ``--torch`` naming another one replaces it, as asked), then ``auto`` (torch picked by mmcompat,
    CUDA from the NVIDIA driver: :func:`compat.environment.driver.detect`). The GPU (``gpu``, else
    :func:`compat.environment.gpu.detect`: asked of nvidia-smi unless ``--cuda`` names the CUDA) rules out every
    CUDA it cannot run."""
    from ..environment.gpu import detect as detect_gpu

    found = detect_gpu(gpu, environ, probe=(cuda or "").strip().lower() in ("", "auto"))
    capability = found if found[0] else None
    installed = env.torch if env is not None else None
    python = python_version or (".".join(env.python_version.split(".")[:2]) if env and env.python_version else None)
    wanted = (torch or "").strip()
    keep = installed is not None and installed.version and (
        not wanted or wanted.lower() == "auto"
        or _public(wanted) == _public(installed.version)
        or _is_minor_of(wanted, installed.version))
    if keep and installed is not None:
        try:
            Version(_public(installed.version))
        except ValueError:  # InvalidVersion, or digits past int()'s limit
            raise BadInput(f"the installed torch has no usable version ({installed.version[:60]!r}, read from "
                           f"{installed.source}); give --torch X.Y.Z", value=installed.version) from None
        asked = cuda_text(cuda or "")
        if asked and asked not in ("cpu", installed.cuda or "cpu"):  # cpu: the ops for the CPU only, as asked
            tag = installed.version.partition("+")[2]  # rocm6.2: a ROCm torch has no CUDA, and is no CPU build
            built = (f"a CUDA {installed.cuda} build" if installed.cuda
                     else f"a {tag} build" if tag and tag != "cpu" else "a CPU build")
            raise BadInput(f"--cuda {cuda} contradicts the installed torch {installed.version} ({built}), which the "
                           "plan keeps: leave --cuda out" + (", or give --cuda cpu for mmcv's ops on the CPU only"
                                                         if installed.cuda else "")
                           + f"; for CUDA {asked}, name another torch release with --torch, or use an environment "
                           "without this torch", value=str(cuda))
        torchvision = env.get("torchvision") if env is not None else None
        return parse_machine(platform, cuda or installed.cuda or "cpu", _public(installed.version), python,
                             torch_installed=True, torchvision=_public(torchvision.version) if torchvision else "",
                             gpu=capability)
    given = (cuda or "").strip().lower()
    driver: Optional[Driver] = None
    if given in ("", "auto") and (platform or "").lower() != "macos":
        driver = detect(environ)
    return parse_machine(platform, cuda, torch, python, driver=driver, gpu=capability)


def check_platform(env: Environment, platform: Optional[str], python: str) -> None:
    """A ``--platform`` that is not the target interpreter's is bad input (its wheels would not install)."""
    have = platform_of(env.platform)
    if platform and have and platform.lower() != have:
        raise BadInput(f"--platform {platform} contradicts {python}, which runs on {have}: leave --platform out, or "
                       "plan for another machine with mmcompat resolve or constraints", value=platform)


def _is_minor_of(wanted: str, installed: str) -> bool:
    try:
        asked = Version(wanted.split("+", 1)[0]).release
        have = Version(_public(installed)).release
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return False
    return len(asked) == 2 and asked == have[:2]


def solve(matrix: Matrix, texts: Sequence[str], env: Optional[Environment], *, platform: Optional[str] = None,
          cuda: Optional[str] = None, torch: Optional[str] = None, python_version: Optional[str] = None,
          policy: str = "safe", allow_build: bool = False, environ: Optional[Mapping[str, str]] = None,
          provider: str = "openmmlab", gpu: Optional[str] = None) -> Tuple[List[StackTarget], Stack]:
    """Targets parsed and the stack resolved for the machine ``env`` stands on (see :func:`machine_for`);
    ``MMCV_BASE_URL`` and ``MMCOMPAT_TORCH_INDEX_URL`` from ``environ`` choose mirrors."""
    variables = os.environ if environ is None else environ
    targets = parse_targets(texts, matrix)
    machine = machine_for(env, platform=platform, cuda=cuda, torch=torch, python_version=python_version,
                          environ=variables, gpu=gpu)
    stack = resolve_stack(targets, matrix, machine, policy=policy, allow_build=allow_build,
                          base_url=variables.get(ENV_MMCV_BASE) or None,
                          torch_index=variables.get(ENV_TORCH_INDEX) or None, provider=provider,
                          onedl_base=variables.get(ENV_ONEDL_BASE) or None)
    return targets, replace(stack, notes=(*notes(lean_machine(machine)), *stack.notes, *stack.warnings),
                            gpu=machine.gpu[0] if machine.gpu else "")


# ---- checks before anything runs ----------------------------------------------------------------

_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_PLATFORM_TAGS = {"linux": ("manylinux", "linux_"), "windows": ("win_amd64",), "macos": ("macosx",)}


def links_check(url: str, distribution: str, version: Version, python: str, platform: str, *, timeout: float = 10.0
                ) -> Tuple[Optional[bool], str]:
    """Whether the find-links page at ``url`` lists a wheel of ``distribution`` ``version`` for CPython
    ``python`` on ``platform``: (True, ""), (False, what the page has), or (None, why it could not be read)."""
    from urllib.parse import unquote

    from ..net import NetError, download

    try:
        body = download(url, timeout=timeout, max_bytes=_LINKS_CAP, what="the find-links page")
    except NetError as e:
        return None, e.problem
    stem = distribution.replace("-", "_")
    tag = "cp" + python.replace(".", "")
    seen: Dict[str, List[str]] = {}
    for href in _HREF.findall(body.decode("utf-8", "replace")):
        name = unquote(href.rsplit("/", 1)[-1].split("#", 1)[0])
        parts = name[:-4].split("-") if name.endswith(".whl") else []
        if len(parts) < 5 or parts[0].lower() not in (stem, distribution):
            continue
        file_version, python_tag, platform_tag = parts[1], parts[-3], parts[-1]
        if not platform_tag.startswith(_PLATFORM_TAGS.get(platform, ("",))):
            continue
        seen.setdefault(file_version, []).append(python_tag)
        if file_version == str(version) and tag in python_tag.split("."):
            return True, ""
    have = "; ".join(f"{v} ({', '.join(sorted(set(t)))})" for v, t in sorted(seen.items(), reverse=True)) or "none"
    return False, f"{distribution} wheels for {platform} there: {have}"


def _compiler(environ: Mapping[str, str]) -> Optional[str]:
    for candidate in (environ.get("CXX", ""), "c++", "g++", "clang++", "cl"):
        if candidate and shutil.which(candidate.split()[0]):
            return candidate
    return None


def _nvcc(environ: Mapping[str, str]) -> Tuple[Optional[str], str]:
    """(path, ``11.3``) of the nvcc a build would use (CUDA_HOME first), or (None, "")."""
    home = environ.get("CUDA_HOME") or environ.get("CUDA_PATH") or ""
    candidates = [os.path.join(home, "bin", "nvcc")] if home else []
    found = shutil.which("nvcc")
    if found:
        candidates.append(found)
    for path in candidates:
        if not os.path.isfile(path):
            continue
        try:
            done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        release = re.search(r"release (\d+)\.(\d+)", done.stdout)
        if release:
            return path, f"{release.group(1)}.{release.group(2)}"
    return None, ""


def _build_toolchain(stack: Stack, environ: Mapping[str, str]) -> List[str]:
    """What a source build of mmcv lacks on this machine (empty: nothing)."""
    missing = []
    if _compiler(environ) is None:
        missing.append("a C++ compiler (none of $CXX, c++, g++, clang++ on PATH): on Debian/Ubuntu "
                       "apt-get install g++; on conda: conda install -c conda-forge cxx-compiler")
    cuda = stack.platform.cuda
    if cuda and cuda != "cpu":
        path, found = _nvcc(environ)
        if path is None:
            missing.append(f"nvcc of CUDA {cuda} (set CUDA_HOME to a CUDA {cuda} toolkit, or put its bin/ on PATH; "
                           f"conda: conda install -c nvidia cuda-toolkit={cuda})")
        elif found != cuda:
            missing.append(f"nvcc of CUDA {cuda} to match torch's CUDA (found CUDA {found} at {path}; set CUDA_HOME "
                           f"to a CUDA {cuda} toolkit)")
    return missing


def build_key(stack: Stack, env: Environment) -> Optional["BuildKey"]:
    """The wheelhouse key of the build a stack plans in ``env``: the exact torch (the installed one with
    its local tag; a planned one with the tag of its PyTorch index), CUDA, CPython tag, platform and the
    GPU's own architecture for a CUDA build."""
    import platform as host

    from .build import BuildKey

    line = stack.mmcv
    if not stack.source_build or not line or stack.torch is None:
        return None
    torch = stack.torch.version
    if stack.torch.installed and env.torch is not None and env.torch.version:
        torch = env.torch.version
    elif stack.torch.index_url:
        torch += "+" + stack.torch.index_url.rstrip("/").rsplit("/", 1)[-1]
    cuda = stack.platform.cuda or "cpu"
    python_tag = "cp" + "".join(env.python_version.split(".")[:2])
    return BuildKey(line, str(stack.pins[line]), torch, cuda, python_tag,
                    f"{platform_of(env.platform) or 'linux'}_{host.machine().lower()}",
                    stack.gpu if cuda not in ("cpu", "mps") else "")


def _cpu_ops_beside_cuda(stack: Stack, env: Environment) -> bool:
    """The plan keeps a CUDA build of torch and compiles or installs mmcv's ops for the CPU only: what
    ``--cuda cpu`` asks of a kept CUDA torch (never chosen without it: the machine's CUDA is the torch's)."""
    return (stack.torch is not None and stack.torch.installed and stack.platform.cuda == "cpu"
            and env.torch is not None and bool(env.torch.cuda))


def _plan_build(matrix: Matrix, stack: Stack, env: Environment, python: str, installer: str, prefix: List[str],
                pinned_torch: Tuple[str, ...], variables: Mapping[str, str], steps: List[Step], notes: List[str],
                warnings: List[str]) -> Optional[str]:
    """Add the prerequisites and build steps of a source build (none when the wheelhouse has the wheel of
    this exact key); return the wheelhouse folder the install takes it from."""
    from .build import build_folder, built_wheel, max_jobs, steps_for

    key = build_key(stack, env)
    line, version = stack.mmcv, stack.pins[stack.mmcv]
    if key is None:
        return None
    folder = build_folder(key, variables)
    found = built_wheel(key, variables)
    if found is not None:
        notes.append(f"reusing {os.path.basename(found)} from the wheelhouse: built earlier against torch {key.torch}, "
                     f"{key.python_tag}, {key.platform}" + (f", arch {key.arch_list}" if key.arch_list else ""))
        return folder
    missing = _build_toolchain(stack, variables)
    if missing:
        raise PlanRefused(f"{line} {version} must be compiled for {stack.platform.describe()} and this "
                          f"machine lacks: {'; '.join(missing)}", problem="toolchain")
    facts = matrix.build
    pkg_resources = facts is None or line in facts.sdists_import_pkg_resources
    below = str(facts.setuptools_without_pkg_resources) if facts is not None else "82"
    cuda = key.cuda not in ("cpu", "mps")
    if cuda and not key.arch_list:
        warnings.append("no GPU compute capability known (--gpu, MMCOMPAT_GPU_COMPUTE_CAP, nvidia-smi): the CUDA build "
                        "compiles for every architecture torch knows, which takes several times longer"
                        + ("; on a machine without a GPU, --cuda cpu compiles the ops for the CPU only (minutes, not "
                           "hours), keeping this torch" if stack.torch is not None and stack.torch.installed else ""))
    given = variables.get("MAX_JOBS", "").strip()  # the user's own choice wins
    jobs = int(given) if given.isdigit() and int(given) > 0 else max_jobs(cuda)
    if installer != "pip":
        raise PlanRefused(f"{line} {version} must be compiled, and the build runs pip wheel: {python} has no pip "
                          f"(run {python} -m ensurepip --upgrade, then again)", problem="toolchain")
    for kind, argv, reason, step_env in steps_for(python, key, list(pinned_torch), imports_pkg_resources=pkg_resources,
                                                  setuptools_below=below, jobs=jobs, folder=folder,
                                                  cuda_torch=_cpu_ops_beside_cuda(stack, env)):
        steps.append(Step(kind, argv, reason, env=step_env, key=key if kind == "build" else None))
    warnings.append(f"{line} {version} has no prebuilt wheel for {stack.platform.describe()}: it is compiled from "
                    "source (a compiler" + (" and the CUDA toolkit" if cuda else "") + " needed; this takes long); "
                    "the wheel is kept in the wheelhouse for this exact torch")
    return folder


# ---- numpy and xtcocotools ------------------------------------------------------------------------

def numpy_pin(matrix: Matrix, stack: Stack) -> Optional[str]:
    """Why ``numpy<2`` belongs in a plan with mmpose, or None: xtcocotools' registry wheels are built
    against numpy 1.x and fail to import under numpy 2."""
    from ..answers.search import numpy_reason
    from ..data.tables import tables_for

    return numpy_reason(tables_for(matrix), dict(stack.pins))


def _compiled_dependency_check(python: str, stack: Stack, pip_args: Sequence[str], environ: Mapping[str, str]
                               ) -> Tuple[Optional[bool], str]:
    """Whether mmpose's compiled dependency has a wheel for the target (the registry is asked)."""
    from .registry import compatible_tags, wheel_check

    name, spec = COMPILED_DEPENDENCY
    if "mmpose" not in stack.pins:
        return True, "not needed"
    if any(a in ("-i", "--index-url", "--extra-index-url", "--no-index", "--find-links", "-f")
           or a.startswith(("--index-url=", "--extra-index-url=", "--find-links=", "-i", "-f")) for a in pip_args):
        return None, "the pip arguments choose another index"
    if environ.get("PIP_INDEX_URL") or environ.get("PIP_EXTRA_INDEX_URL") or environ.get("PIP_NO_INDEX"):
        return None, "PIP_INDEX_URL, PIP_EXTRA_INDEX_URL or PIP_NO_INDEX chooses another index"
    try:
        check = wheel_check(name, spec, sorted(compatible_tags(python)))
    except CompatError as e:
        return None, str(e)
    return check.available, check.reason


def isolated_builds(matrix: Matrix, stack: Stack, env: Optional[Environment] = None) -> List[IsolatedBuild]:
    """The dependencies of the stack's packages that cannot build under pip's build isolation, have no
    registry wheel for the stack's CPython (``[build.isolation]`` of the matrix) and are not in ``env``
    yet: each is built in its own step before the main one. xtcocotools is left to the registry check of
    :data:`COMPILED_DEPENDENCY`, which asks the registry itself."""
    if matrix.build is None:
        return []
    from ..answers.isolation import separate_builds
    from ..data.tables import tables_for

    named = {b.name for b in separate_builds(tables_for(matrix), stack.pins, stack.platform.python)}
    return [b for b in matrix.build.isolation
            if b.name in named and b.name != COMPILED_DEPENDENCY[0] and (env is None or env.get(b.name) is None)]


# ---- the torchvision beside a kept torch ---------------------------------------------------------

#: torch's local version tags that name a PyTorch index (``2.13.0+cpu`` is on ``.../whl/cpu``)
_VARIANT = re.compile(r"cpu|cu\d+|rocm\d+(\.\d+)*|xpu")


def _torch_source(matrix: Matrix, env: Environment, variables: Mapping[str, str]) -> Tuple[Optional[str], str]:
    """Where the installed torch came from, so its torchvision comes from there too: (the PyTorch index
    of its variant, ``""`` for the registry (its version has no local tag), or None when its local tag
    names no index; that tag). The distribution's own version is read (the registry's wheels write
    ``+cu130`` into ``torch/version.py`` but not into their metadata)."""
    from ..answers.search import variant_index
    from ..data.tables import tables_for

    found = env.get("torch")
    text = found.version if found is not None else env.torch.version if env.torch is not None else ""
    local = text.split("+", 1)[1] if "+" in text else ""
    if not local:
        return "", ""
    tables = tables_for(matrix)
    if not _VARIANT.fullmatch(local) or tables["torch"] is None:
        return None, local
    return variant_index(tables, local, variables.get(ENV_TORCH_INDEX) or ""), local


def _kept_torchvision(matrix: Matrix, stack: Stack, env: Environment, python: str, installer: str,
                      prefix: List[str], variables: Mapping[str, str], import_check: bool) -> Optional[Step]:
    """The torchvision beside a kept torch, before any step runs. Installed: it must import beside the
    torch (it is kept as it is, and every MMPose imports it), else :class:`PlanRefused` with the exact
    reinstall. Missing: a step that takes the torchvision pinned for this torch from the index of the
    torch's own variant (a ``+cpu`` torch's from ``.../whl/cpu``: the registry's is a CUDA build, which
    fails beside it), None when the registry serves the right one in the main step, PlanRefused when no
    index has it."""
    import shlex

    kept = stack.torch
    if kept is None or not kept.installed or env.torch is None:
        return None
    index, local = _torch_source(matrix, env, variables)
    where = ["--index-url", index] if index else []
    exact = "+" + local if index else ""  # the index's builds carry the variant as their local tag
    installed = env.get("torchvision")
    if installed is not None:
        if not import_check:
            return None
        from ..environment.proof import check_imports, failure_text

        broken = check_imports(python, ["torchvision"])
        if broken:
            fix = "" if index is None else "reinstall the one built with it: " + shlex.join(
                [python, "-m", "pip", "install", "--force-reinstall", "--no-deps",
                 f"torchvision=={kept.torchvision or _public(installed.version)}{exact}", *where])
            raise PlanRefused(f"nothing was run: torchvision {installed.version}, which the plan keeps beside torch "
                              f"{kept.version}, {failure_text(broken[0], python, {}, fix)}", problem="torchvision")
        return None
    if not kept.torchvision or index == "":
        return None  # unknown (warned: unpinned), or the registry's, which pairs with the registry's torch
    if index is None:
        build = shlex.join([python, "-m", "pip", "install", "--no-build-isolation", "--no-binary", "torchvision",
                            f"torchvision=={kept.torchvision}"])
        raise PlanRefused(f"torch {kept.version} is kept and has no torchvision beside it; its local version tag "
                          f"'{local}' names no PyTorch index, and the registry's torchvision {kept.torchvision} is "
                          f"built for the registry's torch: install the torchvision built with this torch (from where "
                          f"torch came, or compiled against it: {build}), then again", problem="torchvision")
    pins = [f"torch=={kept.version}{exact}", f"torchvision=={kept.torchvision}{exact}"]
    return Step("torch", _install(prefix, installer, python, *pins, *where),
                f"torchvision {kept.torchvision} from {index}, the index of the kept torch's variant ({local}): the "
                f"registry's is built for another torch build and fails beside this one")


# ---- the plan ------------------------------------------------------------------------------------

def _installer(env: Environment, python: str) -> Tuple[str, List[str]]:
    """("pip", [PY, -m, pip]) or ("uv", [uv, pip]) for a target without pip; NoInstaller otherwise."""
    if env.get("pip") is not None:
        return "pip", [python, "-m", "pip"]
    uv = shutil.which("uv")
    if uv is not None:
        return "uv", [uv, "pip"]
    raise NoInstaller(python)


def _install(prefix: List[str], installer: str, python: str, *args: str) -> Tuple[str, ...]:
    if installer == "uv":
        return tuple([*prefix, "install", "--python", python, *args])
    return tuple([*prefix, "install", *args])


def plan_install(matrix: Matrix, texts: Sequence[str], env: Environment, *, python: str,
                 platform: Optional[str] = None, cuda: Optional[str] = None, torch: Optional[str] = None,
                 python_version: Optional[str] = None, policy: str = "safe", allow_build: bool = False,
                 fix_conflicts: bool = False, offline: bool = False, pip_args: Sequence[str] = (),
                 environ: Optional[Mapping[str, str]] = None, provider: str = "openmmlab",
                 gpu: Optional[str] = None, import_check: bool = True) -> InstallPlan:
    """The commands that install ``texts`` into the environment ``env`` of interpreter ``python``.

    Raises :class:`PlanRefused` (exit 1) when the plan could not end in a working install: another mmcv
    distribution is installed (without ``fix_conflicts``), the find-links page lacks the pinned wheel,
    a source build lacks its toolchain, the torchvision beside a kept torch does not import there or
    has no index to come from. The find-links page is fetched unless ``offline``; the registry is asked
    whether xtcocotools has a wheel for the target; a kept torchvision is imported in ``python`` unless
    not ``import_check`` (seconds: it imports torch). Nothing is installed or changed.
    """
    variables = os.environ if environ is None else environ
    check_platform(env, platform, python)
    have = ".".join(env.python_version.split(".")[:2])
    if python_version and have and parse_python_version(python_version) != have:
        raise BadInput(f"--python-version {python_version} does not match {python}, which is CPython {have}: wheels "
                       f"for another Python would not install there; leave it out or give --python an interpreter "
                       f"of that version", value=python_version)
    targets, stack = solve(matrix, texts, env, platform=platform, cuda=cuda, torch=torch,
                           python_version=python_version, policy=policy, allow_build=allow_build, environ=variables,
                           provider=provider, gpu=gpu)
    installer, prefix = _installer(env, python)
    steps: List[Step] = []
    warnings: List[str] = []
    notes: List[str] = []
    notes.extend(stack.notes)
    if env.externally_managed and "--break-system-packages" not in pip_args:
        warnings.append(f"{python} is externally managed (PEP 668): pip will refuse to install into it; use a venv "
                        f"({python} -m venv .venv, then --python .venv/bin/python), or, if you mean it, pass pip's "
                        "own flag after --: -- --break-system-packages")
    if installer == "uv":
        notes.append(f"{python} has no pip: using uv pip install --python {python}")

    others = [d.name for d in (env.get(n) for n in MMCV_DISTRIBUTIONS) if d is not None and d.name != stack.mmcv]
    if others:
        uninstall = tuple([*prefix, "uninstall", *(["--python", python] if installer == "uv" else ["-y"]), *others])
        if not fix_conflicts:
            import shlex

            raise PlanRefused(
                f"{', '.join(others)} is installed and shares the mmcv/ package with {stack.mmcv}: installing over "
                f"it would clobber files; rerun with --fix-conflicts to uninstall it first, or run: "
                f"{shlex.join(uninstall)}", problem="conflict")
        steps.append(Step("uninstall", uninstall, f"{', '.join(others)} shares the mmcv/ package with {stack.mmcv} "
                                                  "(--fix-conflicts)"))

    pinned_torch = stack.torch.requirements if stack.torch is not None else ()
    if stack.torch is not None and not stack.torch.installed:
        index = ["--index-url", stack.torch.index_url] if stack.torch.index_url else []
        steps.append(Step("torch", _install(prefix, installer, python, *pinned_torch, *index),
                          f"torch {stack.torch.version} and torchvision {stack.torch.torchvision or '(unpinned)'} "
                          f"for {'the CPU' if stack.torch.cuda == 'cpu' else 'CUDA ' + stack.torch.cuda} first, "
                          f"from {stack.torch.index_url or 'the registry'}: every later step keeps them pinned"))
    elif stack.torch is not None:
        pair = (f" and torchvision {stack.torch.torchvision}" if env.get("torchvision") is not None
                else f" (and torchvision {stack.torch.torchvision}, made for it)" if stack.torch.torchvision else "")
        notes.append(f"keeping the installed torch {stack.torch.version}{pair}: pinned in every step so pip cannot "
                     "replace them")
        if env.torch is not None and stack.mmcv and _cpu_ops_beside_cuda(stack, env):
            notes.append(f"{stack.mmcv}'s ops for the CPU only, as --cuda cpu asks, beside torch {env.torch.version} "
                         f"(a CUDA {env.torch.cuda} build): mmcv.ops computes on CPU tensors; on CUDA tensors its ops "
                         "fail (no CUDA kernels); leave --cuda cpu out for a CUDA build of the ops")
    vision = _kept_torchvision(matrix, stack, env, python, installer, prefix, variables, import_check)
    if vision is not None:
        steps.append(vision)
    if stack.torch is not None and not stack.torch.torchvision:
        warnings.append(f"no torchvision is known to pair with torch {stack.torch.version}: it is left unpinned")

    line, mmcv_version = stack.mmcv, stack.pins.get(stack.mmcv) if stack.mmcv else None
    if line and mmcv_version is not None and stack.find_links and not offline:
        listed, detail = links_check(stack.find_links[0], line, mmcv_version, stack.platform.python,
                                     stack.platform.platform)
        if listed is False:
            raise PlanRefused(f"{stack.find_links[0]} has no {line} {mmcv_version} wheel for CPython "
                              f"{stack.platform.python} on {stack.platform.platform} ({detail}): nothing was "
                              "installed; "
                              "try another --python-version or --torch, or --allow-build", problem="no-wheel")
        if listed is None:
            warnings.append(f"could not check {stack.find_links[0]} for the {line} {mmcv_version} wheel ({detail}); "
                            "going on")

    numpy_reason = numpy_pin(matrix, stack)
    available, why = _compiled_dependency_check(python, stack, pip_args, variables)
    extra: List[str] = []
    if numpy_reason and available is not False and not any(a.startswith("numpy") for a in pip_args):
        extra.append("numpy<2")
        notes.append(f"adding numpy<2: {numpy_reason}")
    for build in isolated_builds(matrix, stack, env):
        notes.append(f"building {build.name} {build.version} first, without build isolation: {build.reason}; "
                     f"the registry has no wheel of it for CPython {stack.platform.python}")
        steps.append(Step("prerequisites", _install(prefix, installer, python, *pinned_torch, *build.needs),
                          f"what the build of {build.name} {build.version} needs in the environment"))
        steps.append(Step("build", _install(prefix, installer, python, *pinned_torch, *extra, "--no-build-isolation",
                                            f"{build.name}=={build.version}"),
                          f"{build.name} built on its own, so that the main step never meets its sdist"))
    name, spec = COMPILED_DEPENDENCY
    if available is None:
        warnings.append(f"could not check whether {name}{spec} has a wheel for {python} ({why}); if pip has to "
                        "build it, install cython and numpy first and have a C compiler")
    elif available is False:
        notes.append(f"{name}{spec} has no wheel for {python} on the registry: pip will compile it; installing its "
                     "build prerequisites (cython, numpy, setuptools, wheel) first and building it against them; a C "
                     "compiler and the Python headers are needed")
        steps.append(Step("prerequisites", _install(prefix, installer, python, *pinned_torch, "cython", "numpy",
                                                    "setuptools", "wheel"),
                          f"{name} builds against the numpy it finds"))
        steps.append(Step("build", _install(prefix, installer, python, *pinned_torch, "--no-build-isolation",
                                            name + spec), f"{name} has no wheel for this Python"))

    built_in: Optional[str] = None
    if stack.source_build and line and mmcv_version is not None:
        built_in = _plan_build(matrix, stack, env, python, installer, prefix, pinned_torch, variables, steps, notes,
                               warnings)

    final = [*pinned_torch, *(r for r in stack.requirements if r not in pinned_torch), *extra]
    for url in stack.find_links:
        final += ["-f", url]
    if built_in is not None:
        final += ["-f", built_in]  # the wheelhouse folder of this exact torch: no other torch's wheel is there
    if line:
        final += ["--only-binary", line]  # never let pip compile mmcv silently
    steps.append(Step("install", _install(prefix, installer, python, *final, *pip_args),
                      "the OpenMMLab packages and " + (f"{line} (prebuilt)" if line and not stack.source_build
                                                       else f"{line} (built here)" if line
                                                       else "their dependencies")))
    return InstallPlan(python=python, targets=tuple(targets), stack=stack, steps=tuple(steps), installer=installer,
                       warnings=tuple(warnings), notes=tuple(notes))


def plan_build(matrix: Matrix, texts: Sequence[str], env: Environment, *, python: str, output: str,
               platform: Optional[str] = None, cuda: Optional[str] = None, torch: Optional[str] = None,
               policy: str = "safe", environ: Optional[Mapping[str, str]] = None, provider: str = "openmmlab",
               gpu: Optional[str] = None) -> InstallPlan:
    """``mmcompat build``: the build of the stack's mmcv against the torch installed in ``env``, its wheel
    written into ``output`` (for another image: build in a CUDA devel image, copy the wheel into the
    runtime image). Only the build's prerequisites (setuptools, wheel, packaging, ninja, psutil) are
    installed into ``env``; nothing of the stack. PlanRefused: no torch in ``env``, or a prebuilt
    wheel fits (nothing to build)."""
    variables = os.environ if environ is None else environ
    if env.torch is None:
        raise PlanRefused(f"{python} has no torch: a build compiles against the installed torch; install the torch "
                          "the image will run first (mmcompat resolve TARGET prints it)", problem="no-torch")
    # the build goes to output, never to the wheelhouse, and never reuses it
    house = {**variables, "MMCOMPAT_WHEELHOUSE": os.path.join(os.path.abspath(output), ".mmcompat-unused")}
    planned = plan_install(matrix, texts, env, python=python, platform=platform, cuda=cuda, torch=torch,
                           policy=policy, allow_build=True, offline=True, environ=house, provider=provider, gpu=gpu)
    if not planned.stack.source_build:
        line = planned.stack.mmcv or "mmcv"
        raise PlanRefused(f"{line} {planned.stack.pins.get(line, '')} has a prebuilt wheel for "
                          f"{planned.stack.platform.describe()}: nothing to build (mmcompat install TARGET "
                          "installs it)",
                          problem="prebuilt")
    steps = []
    for step in planned.steps:
        if step.kind == "prerequisites" and "wheel" in step.argv:
            steps.append(step)
        elif step.kind == "build" and "-w" in step.argv:
            argv = list(step.argv)
            argv[argv.index("-w") + 1] = os.path.abspath(output)
            steps.append(replace(step, argv=tuple(argv), reason=step.reason.split(" into the wheelhouse")[0]
                                 + f" into {output}"))
    return replace(planned, steps=tuple(steps))
