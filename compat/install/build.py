"""Source builds of mmcv against the torch in the target environment: the key a built wheel is kept
under, the build's environment and job count, the commands, and the check that the ops load.

A build is ``PY -m pip wheel -v --no-deps --no-build-isolation --no-cache-dir --no-binary DIST -w FOLDER
DIST==VERSION``: without isolation so the build sees the installed torch (isolated, mmcv's setup.py
finds no torch and skips its ops), without pip's wheel cache (keyed by the sdist, not by torch: it would
hand a wheel built against one torch to another). ``FOLDER`` is this build's own place in the local
wheelhouse under the user cache, named by its :class:`BuildKey` (distribution, version, the exact torch
with its local tag, CUDA, CPython tag, platform, architecture list), so a later plan for the same key
installs the wheel from there without compiling, and a plan for another torch never sees it.

Nothing here runs a build or prints; :func:`verify_ops` runs a short check in the target interpreter.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from typing import Dict, List, Mapping, NamedTuple, Optional, Tuple

from ..errors import CompatError

__all__ = ["BROKEN", "ENV_WHEELHOUSE", "BuildKey", "OpsCheck", "build_env", "build_folder", "built_wheel", "max_jobs",
           "steps_for", "verify_ops", "wheel_in", "wheelhouse"]

#: memory one compiler job needs, measured here: 2.8 GB peak at 2 g++ jobs; nvcc jobs take several GB
_GB_PER_CXX_JOB = 1.5
_GB_PER_NVCC_JOB = 4.0
ENV_WHEELHOUSE = "MMCOMPAT_WHEELHOUSE"


class BuildKey(NamedTuple):
    """What a built mmcv wheel depends on; a wheel is reused only where every field is equal."""

    distribution: str
    version: str
    torch: str  # the exact torch, with its local tag: 2.13.0+cpu
    cuda: str  # cpu, or 12.8
    python_tag: str  # cp311
    platform: str  # linux_x86_64
    arch_list: str  # TORCH_CUDA_ARCH_LIST: "" for a CPU build, 12.0 for one GPU

    def folder_name(self) -> str:
        """A folder name that shows the key and cannot collide (a digest of every field)."""
        digest = hashlib.sha256("\0".join(self).encode()).hexdigest()[:12]
        arch = self.arch_list.replace(" ", "_").replace(";", "_") or "noarch"
        plain = (f"{self.distribution}-{self.version}-torch{self.torch}-{self.cuda}-{self.python_tag}-"
                 f"{self.platform}-{arch}")
        return re.sub(r"[^A-Za-z0-9._+-]", "_", plain) + "-" + digest


def wheelhouse(environ: Optional[Mapping[str, str]] = None) -> str:
    """The local wheelhouse: ``MMCOMPAT_WHEELHOUSE``, else ``wheelhouse`` in mmcompat's user cache."""
    env = os.environ if environ is None else environ
    given = env.get(ENV_WHEELHOUSE)
    if given:
        return given
    from ..cache import cache_dir

    return os.path.join(cache_dir(), "wheelhouse")


def build_folder(key: BuildKey, environ: Optional[Mapping[str, str]] = None) -> str:
    return os.path.join(wheelhouse(environ), key.folder_name())


def built_wheel(key: BuildKey, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The wheel a build of ``key`` left in its folder, or None (never one of another key: each key has
    its own folder)."""
    return wheel_in(build_folder(key, environ), key)


def wheel_in(folder: str, key: BuildKey) -> Optional[str]:
    """The wheel of ``key``'s distribution, version and CPython tag in ``folder``, or None."""
    stem = re.sub(r"[-_.]+", "_", key.distribution).lower() + "-" + key.version + "-" + key.python_tag + "-"
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    for name in names:
        if name.lower().startswith(stem) and name.endswith(".whl"):
            return os.path.join(folder, name)
    return None


def _memory_gb() -> Optional[float]:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def max_jobs(cuda: bool, *, cores: Optional[int] = None, memory_gb: Optional[float] = None) -> int:
    """Compiler jobs the cores and the available memory allow (``MAX_JOBS``): at least one."""
    have = cores if cores is not None else (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                            else os.cpu_count() or 1)
    memory = memory_gb if memory_gb is not None else _memory_gb()
    jobs = max(1, have)
    if memory is not None:
        jobs = min(jobs, int(memory // (_GB_PER_NVCC_JOB if cuda else _GB_PER_CXX_JOB)))
    return max(1, jobs)


def build_env(key: BuildKey, jobs: int, *, cuda_torch: bool = False) -> Dict[str, str]:
    """The variables a build of ``key`` runs with: the ops on, CUDA forced for a CUDA build (no GPU is
    needed to compile), the GPU's own architecture only, and the job count. A CPU build against a CUDA
    torch (``cuda_torch``: ``--cuda cpu`` asked it) hides the GPUs from the build, since mmcv's setup.py
    compiles CUDA kernels whenever ``torch.cuda.is_available()``."""
    env = {"MMCV_WITH_OPS": "1", "MAX_JOBS": str(jobs)}
    if key.cuda not in ("", "cpu", "mps"):
        env["FORCE_CUDA"] = "1"
        if key.arch_list:
            env["TORCH_CUDA_ARCH_LIST"] = key.arch_list
    elif key.cuda == "cpu" and cuda_torch:
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


# ---- did it work: import mmcv.ops and run one op in the target interpreter -------------------------

#: Runs in the target interpreter; prints one JSON line. nms on two boxes that overlap: one is kept.
_CHECK = """
import json, sys
try:
    import mmcv.ops
    import torch
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 10.0, 10.0]])
    scores = torch.tensor([0.9, 0.8])
    kept = mmcv.ops.nms(boxes, scores, 0.5)[1].tolist()
    print(json.dumps({"ok": kept == [0], "detail": "nms kept %r" % (kept,)}))
except BaseException as e:
    print(json.dumps({"ok": False, "detail": "%s: %s" % (type(e).__name__, e)}))
"""


#: the problems that prove the build broken (``import`` and ``timeout`` say only that it could not be checked)
BROKEN = ("other-torch", "no-ops", "cuda-mismatch", "wrong-result")


class OpsCheck(NamedTuple):
    """What :func:`verify_ops` found: ``problem`` is ``""`` (the ops load and compute), ``other-torch``,
    ``no-ops``, ``cuda-mismatch``, ``wrong-result``, ``import`` (anything else) or ``timeout``."""

    problem: str
    detail: str
    fix: str


def _classify(detail: str) -> Tuple[str, str]:
    if "undefined symbol" in detail:
        return "other-torch", ("mmcv's compiled ops were built against another torch: rebuild them against this "
                               "one (mmcompat install TARGET --allow-build)")
    if "mmcv._ext" in detail or "cannot import name '_ext'" in detail:
        return "no-ops", "this mmcv has no compiled ops: install a prebuilt wheel or build with --allow-build"
    if re.search(r"CUDA|cuda|libcudart|no kernel image", detail):
        return "cuda-mismatch", ("the ops and torch disagree on CUDA (or the GPU's architecture was not compiled): "
                                 "rebuild with the nvcc of torch's CUDA and TORCH_CUDA_ARCH_LIST of this GPU")
    return "import", "see the error above"


def verify_ops(python: str, *, timeout: float = 120.0, env: Optional[Mapping[str, str]] = None) -> OpsCheck:
    """``import mmcv.ops`` and one op (nms on two boxes) in the interpreter ``python``, in a subprocess
    with a timeout, never in mmcompat's own process."""
    import json

    try:
        done = subprocess.run([python, "-c", _CHECK], capture_output=True, text=True, timeout=timeout, check=False,
                              env=None if env is None else dict(env), cwd=os.path.expanduser("~"))
    except subprocess.TimeoutExpired:
        return OpsCheck("timeout", f"import mmcv.ops took longer than {timeout:.0f} s", "run it by hand to see why")
    except OSError as e:
        raise CompatError(f"cannot run {python}: {e}") from e
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    try:
        found = json.loads(lines[-1]) if lines else {"ok": False, "detail": done.stderr.strip()[-500:]}
    except ValueError:
        found = {"ok": False, "detail": done.stdout.strip()[-500:]}
    detail = str(found.get("detail", ""))
    if found.get("ok"):
        return OpsCheck("", detail, "")
    if detail.startswith("nms kept"):
        return OpsCheck("wrong-result", detail, "the compiled nms gives a wrong answer: rebuild")
    problem, fix = _classify(detail)
    return OpsCheck(problem, detail, fix)


def steps_for(python: str, key: BuildKey, pinned_torch: List[str], *, imports_pkg_resources: bool,
              setuptools_below: str, jobs: int, folder: str, cuda_torch: bool = False
              ) -> List[Tuple[str, Tuple[str, ...], str, Dict[str, str]]]:
    """The prerequisites and build commands as (kind, argv, reason, env); the build writes its wheel
    into ``folder``; ``cuda_torch``: see :func:`build_env`."""
    setuptools = f"setuptools<{setuptools_below}" if imports_pkg_resources else "setuptools"
    why = (f"{key.distribution}'s setup.py imports pkg_resources, which setuptools {setuptools_below} removed"
           if imports_pkg_resources else f"{key.distribution}'s build needs setuptools, wheel and packaging")
    # onedl-mmcv's setup.py imports packaging; mmcv's and mmcv-full's import pkg_resources instead
    packaging = () if imports_pkg_resources else ("packaging",)
    prerequisites = (python, "-m", "pip", "install", *pinned_torch, setuptools, "wheel", *packaging, "ninja", "psutil")
    # -v: the backend's own output (ninja's [N/M] lines, the compiler's errors) reaches the log
    build = (python, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "--no-cache-dir", "--no-binary",
             key.distribution, "-w", folder, f"{key.distribution}=={key.version}")
    return [
        ("prerequisites", prerequisites, f"the build runs without isolation so it sees torch; {why}; ninja speeds it",
         {}),
        ("build", build, f"{key.distribution} {key.version} compiled against torch {key.torch} into the wheelhouse "
                         f"({folder}); pip's wheel cache bypassed, so no wheel built against another torch is reused",
         build_env(key, jobs, cuda_torch=cuda_torch)),
    ]
