"""Benchmark: ``mmcompat resolve`` and stack planning against a bare ``python -c pass`` in the same venv.

Targets: ``resolve 0.28.0`` at most 2.0x with its content-keyed index and 2.5x with every cache off
(issue: internals), and at most 3x in every spelling (``--debug``, ``--policy=enforced``, ``--json``;
issue: one implementation); a two-package stack with torch/CUDA given at most 3.5x also as
``--opt=value`` and with ``--json``; a two-package stack with torch/CUDA given at most 3x with caches off (internals);
planning a stack with torch and CUDA auto (the driver from MMCOMPAT_CUDA_DRIVER_VERSION) at most 3x
with caches off (issue: fresh-machine plans); ``wheels --json`` and ``constraints --format uv`` at
most 3x (issue: modern stacks). Medians of paired runs (A B A B ...): the machines are
noisy, so only ratios measured side by side in one run mean anything.

    python bench/bench_resolve.py [--runs 41] [--venv PATH]

Without --venv, builds a fresh venv in a temp folder and installs this checkout into it the way users
do (``pip install .``, not editable: an editable install adds a path entry to every start, and only a
built wheel has the compiled matrix).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence

ROOT = Path(__file__).resolve().parent.parent


def _venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(ROOT)], check=True)
    return folder / "bin"


def _time(command: Sequence[str], env: Dict[str, str]) -> float:
    start = time.perf_counter()
    # run away from the checkout: ``python -m compat`` there would import the checkout, not the venv's copy
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True,
                   cwd=tempfile.gettempdir())
    return time.perf_counter() - start


def paired(baseline: Sequence[str], candidate: Sequence[str], runs: int, env: Dict[str, str],
           fresh_cache: bool = False) -> List[float]:
    """Ratios candidate/baseline of ``runs`` back-to-back pairs."""
    ratios = []
    for _ in range(runs):
        if fresh_cache:
            env = dict(env, MMCOMPAT_CACHE_DIR=tempfile.mkdtemp(prefix="mmcompat-bench-"))
        a = _time(baseline, env)
        b = _time(candidate, env)
        ratios.append(b / a)
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=41)
    parser.add_argument("--venv", help="an existing venv with mmcompat installed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bindir = Path(args.venv) / "bin" if args.venv else _venv(Path(tmp) / "venv")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MMCOMPAT_")}
        env["MMCOMPAT_CACHE_DIR"] = str(Path(tmp) / "cache")
        python, script = str(bindir / "python"), str(bindir / "mmcompat")
        baseline = [python, "-c", "pass"]
        subprocess.run([script, "resolve", "0.28.0"], check=True, env=env, stdout=subprocess.DEVNULL)  # warm
        off = dict(env, MMCOMPAT_NO_CACHE="1")
        auto = dict(off, MMCOMPAT_CUDA_DRIVER_VERSION="535.104.05")
        stack = [script, "resolve", "mmpose==1.3.2", "mmdet", "--torch", "2.1.0", "--cuda", "11.8"]
        planned = [script, "resolve", "mmpose==1.3.2", "mmdet"]  # no torch in the venv: torch and CUDA auto
        cases = {
            "mmcompat resolve 0.28.0 (tables compiled into the wheel, cache warm)": (
                paired(baseline, [script, "resolve", "0.28.0"], args.runs, env), 2.0),
            "mmcompat resolve 0.28.0 (every cache off)": (
                paired(baseline, [script, "resolve", "0.28.0"], args.runs, off), 2.5),
            "mmcompat resolve 0.28.0 --debug (every cache off)": (
                paired(baseline, [script, "resolve", "0.28.0", "--debug"], args.runs, off), 3.0),
            "mmcompat resolve 0.28.0 --policy=enforced (every cache off)": (
                paired(baseline, [script, "resolve", "0.28.0", "--policy=enforced"], args.runs, off), 3.0),
            "mmcompat resolve 0.28.0 --json (every cache off)": (
                paired(baseline, [script, "resolve", "0.28.0", "--json"], args.runs, off), 3.0),
            "mmcompat resolve 0.28.0 (empty cache: first run)": (
                paired(baseline, [script, "resolve", "0.28.0"], max(5, args.runs // 4), env, fresh_cache=True), 2.5),
            "resolve mmpose==1.3.2 mmdet --torch 2.1.0 --cuda 11.8 (caches off)": (
                paired(baseline, stack, args.runs, off), 3.0),
            "resolve mmpose==1.3.2 mmdet --torch=2.1.0 --cuda=11.8 (caches off)": (
                paired(baseline, [script, "resolve", "mmpose==1.3.2", "mmdet", "--torch=2.1.0", "--cuda=11.8"],
                       args.runs, off), 3.5),
            "resolve mmpose==1.3.2 mmdet --torch 2.1.0 --cuda 11.8 --json (caches off)": (
                paired(baseline, [*stack, "--json"], args.runs, off), 3.5),
            "resolve mmpose==1.3.2 mmdet, torch and CUDA auto, driver from the variable (caches off)": (
                paired(baseline, planned, args.runs, auto), 3.0),
            "mmcompat wheels --json (caches off)": (
                paired(baseline, [script, "wheels", "--json"], args.runs, off), 3.0),
            "constraints mmpose==1.3.2 mmdet --format uv, torch and CUDA auto (caches off)": (
                paired(baseline, [script, "constraints", "mmpose==1.3.2", "mmdet", "--format", "uv"], args.runs,
                       auto), 3.0),
            "python -m compat resolve 0.28.0 (no console-script wrapper, which imports re)": (
                paired(baseline, [python, "-m", "compat", "resolve", "0.28.0"], args.runs, env), None),
        }
        print(f"baseline: python -c pass, {args.runs} paired runs; ratio = median(candidate/baseline)")
        failed = False
        for name, (ratios, target) in cases.items():
            median = statistics.median(ratios)
            verdict = ""
            if target is not None:
                verdict = f"  target <= {target:.1f}x: {'ok' if median <= target else 'MISSED'}"
                failed |= median > target
            print(f"{median:6.2f}x  {name}{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
