"""Benchmark, not in CI: a real source build of onedl-mmcv against the real CPU torch, then MMPose on it.

In fresh venvs on this machine's CPython (``python3``), with a private wheelhouse and cache
(``MMCOMPAT_WHEELHOUSE``, ``MMCOMPAT_CACHE_DIR``) under ``--folder`` (default: a temporary folder):

1. venv 1: ``pip install torch==2.13.0 torchvision==0.28.0`` (``--torch`` changes it: a torch and the
   torchvision built with it). On the development machine torch 2.13.0 is a CPU build kept on disk and
   the registry's torchvision 0.28.0 (built against the registry's CUDA torch) fails at import beside it
   ("operator torchvision::nms does not exist"), which MMPose's API imports: mmcompat's install then
   refuses before any step (docs/install.md has the run measured before that check). The registry's own
   pair (``--torch torch===2.13.0 torchvision===0.28.0``) is a CUDA build: mmcompat then plans a CUDA build
   of the ops (FORCE_CUDA), hours on 2 cores, unless ``--cuda cpu`` asks for the ops on the CPU only
   (minutes; measured with that pair). Then mmcompat's own plan,
   ``mmcompat install mmpose==1.3.2 --provider onedl --allow-build --python VENV1``: chumpy first,
   onedl-mmcv compiled into the wheelhouse without build isolation, onedl-mmdetection, torch kept. Each
   step of the install is timed (from mmcompat's ``[i/n]`` lines). Then, in the venv's interpreter (a
   subprocess): ``import mmpose.apis``, a model from a config shipped in the package with random weights,
   ``inference_topdown`` on a synthetic image with one box (17 finite keypoints), and ``mmcv.ops.nms``.
2. venv 2, the same torch: the same install command, timed; it must take the wheel from the wheelhouse
   (no build step) and the ratio venv2 install / build is printed.

    MAX_JOBS=2 nice -n 15 python bench/bench_build.py [--folder DIR] [--target mmpose==1.3.2] [--cuda cpu]
        [--torch torch===2.13.0 torchvision===0.28.0]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
TORCH = ["torch==2.13.0", "torchvision==0.28.0"]

#: runs in the target interpreter; prints one JSON line
_INFERENCE = r"""
import json, os, time
import numpy as np
import mmpose, mmpose.apis
from mmpose.apis import inference_topdown, init_model
start = time.perf_counter()
root = os.path.join(os.path.dirname(mmpose.__file__), ".mim", "configs")
found = []
for folder, _, names in os.walk(root):
    found += [os.path.join(folder, n) for n in names  # the .py config, not its __pycache__/*.pyc (pip compiles)
              if n.startswith("rtmpose-t_8xb256-420e_coco-256x192") and n.endswith(".py")]
config = sorted(found)[0]
model = init_model(config, None, device="cpu")
params = sum(p.numel() for p in model.parameters())
image = np.random.RandomState(0).randint(0, 255, (480, 640, 3)).astype(np.uint8)
results = inference_topdown(model, image, bboxes=np.array([[100.0, 80.0, 300.0, 420.0]]))
points = results[0].pred_instances.keypoints
import torch, mmcv, mmcv.ops
boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]])
kept = mmcv.ops.nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5)[1].tolist()
print(json.dumps({"mmpose": mmpose.__version__, "mmcv": mmcv.__version__, "torch": torch.__version__,
                  "config": os.path.relpath(config, root), "parameters": params,
                  "keypoints_shape": list(points.shape), "finite": bool(np.isfinite(points).all()),
                  "nms_kept": kept, "nms_ok": kept == [0, 2], "seconds": time.perf_counter() - start}))
"""


def _run(argv: Sequence[str], env: Dict[str, str], log: Path) -> Tuple[float, int, List[Tuple[float, str]]]:
    """Run ``argv``, its output appended to ``log`` and echoed; (seconds, exit code, [(time, mmcompat
    step line)])."""
    start = time.perf_counter()
    marks: List[Tuple[float, str]] = []
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        process = subprocess.Popen(list(argv), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            out.write(line)
            out.flush()
            if line.startswith("mmcompat"):
                sys.stdout.write(line)
                sys.stdout.flush()
            if re.match(r"mmcompat: \[\d+/\d+\]", line):
                marks.append((time.perf_counter() - start, line.strip()))
        code = process.wait()
    return time.perf_counter() - start, code, marks


def _step_times(total: float, marks: List[Tuple[float, str]]) -> List[Tuple[str, float]]:
    """(step line, seconds) from the times mmcompat announced each step (the last runs to the end,
    which includes the checks after the install)."""
    ends = [t for t, _ in marks[1:]] + [total]
    return [(line, end - begin) for (begin, line), end in zip(marks, ends)]


def _venv(folder: Path, env: Dict[str, str], log: Path) -> Tuple[str, float]:
    subprocess.run(["python3", "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    seconds, code, _ = _run([python, "-m", "pip", "install", "--quiet", *TORCH], env, log)
    if code:
        raise SystemExit(f"bench_build: pip install {' '.join(TORCH)} failed in {folder}; see {log}")
    return python, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", help="where the venvs, wheelhouse and cache go (default: a temporary folder)")
    parser.add_argument("--target", default="mmpose==1.3.2")
    parser.add_argument("--provider", default="onedl")
    parser.add_argument("--cuda", help="passed to mmcompat install: cpu compiles the ops for the CPU only beside a "
                                       "CUDA torch (the registry's pair on a machine without a GPU)")
    parser.add_argument("--torch", nargs="+", default=TORCH, metavar="REQ",
                        help=f"the torch (and torchvision) venv 1 and 2 start with (default: {' '.join(TORCH)})")
    args = parser.parse_args()
    TORCH[:] = args.torch
    base = Path(args.folder or tempfile.mkdtemp(prefix="bench_build-")).resolve()
    base.mkdir(parents=True, exist_ok=True)
    log = base / "bench.log"
    env = dict(os.environ, MMCOMPAT_WHEELHOUSE=str(base / "wheelhouse"), MMCOMPAT_CACHE_DIR=str(base / "cache"))
    env.setdefault("MAX_JOBS", "2")
    env.pop("PIP_NO_CACHE_DIR", None)
    print(f"bench_build: folder {base}, full output in {log}, MAX_JOBS={env['MAX_JOBS']}", flush=True)
    install = [sys.executable, "-m", "compat", "install", args.target, "--provider", args.provider, "--allow-build",
               *(["--cuda", args.cuda] if args.cuda else [])]
    rows: List[Tuple[str, float]] = []

    python1, seconds = _venv(base / "venv1", env, log)
    rows.append(("venv1: pip install " + " ".join(TORCH), seconds))
    plan = subprocess.run([*install, "--python", python1, "--dry-run"], env=env, capture_output=True, text=True)
    print(plan.stderr + plan.stdout, flush=True)
    if plan.returncode:
        print(f"bench_build: the plan failed (exit {plan.returncode})")
        return 1
    total1, code, marks = _run([*install, "--python", python1], env, log)
    steps = _step_times(total1, marks)
    rows += [("venv1: " + line[:90], s) for line, s in steps]
    rows.append(("venv1: mmcompat install, in all", total1))
    build = sum(s for line, s in steps if " -m pip wheel " in line)
    if code:
        print(f"bench_build: the install in venv1 failed (exit {code}); see {log}")
        _table(rows)
        return 1
    done = subprocess.run([python1, "-c", _INFERENCE], capture_output=True, text=True, timeout=900, cwd=str(base))
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    inference = json.loads(lines[-1]) if lines else {"error": done.stderr.strip()[-2000:]}
    print("bench_build: inference in venv1: " + json.dumps(inference), flush=True)

    python2, seconds = _venv(base / "venv2", env, log)
    rows.append(("venv2: pip install " + " ".join(TORCH), seconds))
    total2, code2, marks2 = _run([*install, "--python", python2], env, log)
    rows += [("venv2: " + line[:90], s) for line, s in _step_times(total2, marks2)]
    rows.append(("venv2: mmcompat install, in all", total2))
    rebuilt = any(" -m pip wheel " in line for _, line in marks2)
    _table(rows)
    print(f"\nbuild step in venv1: {build:.0f} s; venv2 install (from the wheelhouse): {total2:.0f} s; "
          f"ratio venv2 install / build = {total2 / build:.3f}" if build else "no build step in venv1 (a wheel "
          "was already in the wheelhouse)")
    print(f"venv2 rebuilt: {rebuilt}; venv2 exit {code2}")
    good = (not code2 and not rebuilt and inference.get("finite") and inference.get("nms_ok")
            and inference.get("keypoints_shape") == [1, 17, 2])
    print("bench_build: " + ("all checks passed" if good else "FAILED"))
    return 0 if good else 1


def _table(rows: List[Tuple[str, float]]) -> None:
    width = max(len(name) for name, _ in rows)
    print("\n" + "step".ljust(width) + "  seconds")
    for name, seconds in rows:
        print(f"{name.ljust(width)}  {seconds:7.1f}")


if __name__ == "__main__":
    sys.exit(main())
