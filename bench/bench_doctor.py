"""Benchmark: ``mmcompat doctor`` in an environment of about 50 real distributions.

Targets: with every cache off (MMCOMPAT_NO_CACHE=1; issue: internals) and from an empty cache, at most 4x
a bare ``python -c pass``,
and at most 1/10 of ``python -m pip check`` on the same environment (issue: doctor/guard); with the
reading cache warm, for comparison; ``uv pip check`` (Rust) is measured too. Plus growth:
a synthetic site-packages of 2,000 distributions read in under a second. Ratios are medians of runs
measured side by side (A B C D A B C D ...) in one go; absolute times on shared machines mean little.

    python bench/bench_doctor.py [--runs 21] [--venv PATH] [--against PATH]

``--against``: a second venv of the same population with another mmcompat (main's, say): its doctor is
timed in the same rounds, so a change is measured before and after side by side.
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
sys.path.insert(0, str(ROOT))

from tests.standins import mmcv_full_standin

# Real distributions from the index: with their dependencies about 50 in all.
POPULATION = ["matplotlib", "jinja2", "click", "attrs", "pytest", "hypothesis", "numpy", "pyyaml", "tqdm",
              "scipy", "networkx", "sympy", "pandas", "uv", "black", "jsonschema"]


def _venv(folder: Path, links: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, str(ROOT), *POPULATION], check=True)
    subprocess.run([*pip, "--no-deps", "-f", str(links), "mmpose==0.28.0", "mmdet==2.28.2", "mmcv-full==1.5.0"],
                   check=True)
    return folder / "bin"


def _time(command: Sequence[str], env: Dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def _synthetic(folder: Path, count: int) -> None:
    for index in range(count):
        info = folder / f"dist{index:04d}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: dist{index:04d}\nVersion: 1.0\n\nlong text\n")
        package = f"dist{index:04d}"
        record = [f"{package}/__init__.py,sha256=abc,10", f"{package}/core.py,sha256=def,20",
                  f"{package}/__pycache__/core.cpython-311.pyc,,", f"{info.name}/METADATA,,", f"{info.name}/RECORD,,"]
        (info / "RECORD").write_text("\n".join(record) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--venv", help="an existing venv with mmcompat and the population installed")
    parser.add_argument("--against", help="another such venv whose doctor is timed in the same rounds")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        links = Path(tmp) / "links"
        links.mkdir()
        mmcv_full_standin(links, "1.5.0")
        bindir = Path(args.venv) / "bin" if args.venv else _venv(Path(tmp) / "venv", links)
        python = str(bindir / "python")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MMCOMPAT_")}
        env["MMCOMPAT_CACHE_DIR"] = str(Path(tmp) / "cache")
        count = subprocess.run([python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True,
                               env=env).stdout.count("\n")
        commands = {
            "pass": [python, "-c", "pass"],
            "doctor": [str(bindir / "mmcompat"), "doctor"],
            "pip check": [python, "-m", "pip", "check"],
            "uv pip check": [str(bindir / "uv"), "pip", "check", "--python", python],
        }
        subprocess.run(commands["doctor"], env=env, stdout=subprocess.DEVNULL)  # warm the caches
        times: Dict[str, List[float]] = {name: [] for name in commands}
        cold: List[float] = []
        empty: List[float] = []
        as_json: List[float] = []
        other = [str(Path(args.against) / "bin" / "mmcompat"), "doctor"] if args.against else []
        other_cold: List[float] = []
        other_json: List[float] = []
        for run in range(args.runs):
            for name, command in commands.items():
                times[name].append(_time(command, env))
            cold.append(_time(commands["doctor"], dict(env, MMCOMPAT_NO_CACHE="1")))
            as_json.append(_time([*commands["doctor"], "--json"], dict(env, MMCOMPAT_NO_CACHE="1")))
            if other:
                other_cold.append(_time(other, dict(env, MMCOMPAT_NO_CACHE="1")))
                other_json.append(_time([*other, "--json"], dict(env, MMCOMPAT_NO_CACHE="1")))
            # a Docker layer starts with an empty cache: read, judge and write the caches
            empty.append(_time(commands["doctor"], dict(env, MMCOMPAT_CACHE_DIR=str(Path(tmp) / f"empty{run}"))))
        ratio = {name: statistics.median(b / a for a, b in zip(times["pass"], values))
                 for name, values in times.items()}
        cold_ratio = statistics.median(b / a for a, b in zip(times["pass"], cold))
        empty_ratio = statistics.median(b / a for a, b in zip(times["pass"], empty))
        json_ratio = statistics.median(b / a for a, b in zip(times["pass"], as_json))
        vs_pip = statistics.median(d / p for d, p in zip(times["doctor"], times["pip check"]))
        vs_uv = statistics.median(d / u for d, u in zip(times["doctor"], times["uv pip check"]))
        print(f"environment: {count} distributions; {args.runs} rounds; ratios are medians of paired runs")
        print(f"{cold_ratio:6.2f}x python -c pass   mmcompat doctor (every cache off)  target <= 4.0x: "
              f"{'ok' if cold_ratio <= 4.0 else 'MISSED'}")
        print(f"{empty_ratio:6.2f}x python -c pass   mmcompat doctor (an empty cache)  target <= 4.0x: "
              f"{'ok' if empty_ratio <= 4.0 else 'MISSED'}")
        print(f"{json_ratio:6.2f}x python -c pass   mmcompat doctor --json (every cache off)  target <= 4.0x: "
              f"{'ok' if json_ratio <= 4.0 else 'MISSED'}")
        print(f"{ratio['doctor']:6.2f}x python -c pass   mmcompat doctor (caches warm: the readings)")
        print(f"{vs_pip:6.3f}x pip check         mmcompat doctor / python -m pip check  target <= 0.100: "
              f"{'ok' if vs_pip <= 0.1 else 'MISSED'}")
        print(f"{vs_uv:6.3f}x uv pip check      mmcompat doctor / uv pip check (< 1 beats it)")
        print(f"{ratio['pip check']:6.2f}x python -c pass   python -m pip check")
        print(f"{ratio['uv pip check']:6.2f}x python -c pass   uv pip check")
        if other:
            for label, mine, theirs in (("", cold, other_cold), (" --json", as_json, other_json)):
                against = statistics.median(b / a for a, b in zip(times["pass"], theirs))
                paired = statistics.median(m / t for m, t in zip(mine, theirs))
                print(f"{against:6.2f}x python -c pass   --against's mmcompat doctor{label} (every cache off)")
                print(f"{paired:6.3f}x --against       mmcompat doctor{label}: this venv's / --against's, caches off")
        failed |= cold_ratio > 4.0 or empty_ratio > 4.0 or vs_pip > 0.1

        scans = {}
        for count in (2000, 4000):
            site = Path(tmp) / f"synthetic{count}"
            _synthetic(site, count)
            probe = (f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); from compat import probe; "
                     "t = time.perf_counter(); "
                     f"probe.scan([{str(site)!r}]); print(time.perf_counter() - t)")
            scans[count] = statistics.median(
                float(subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout)
                for _ in range(5))
        print(f"{scans[2000]:6.3f}s  probe.scan of 2000 synthetic distributions, no cache (median of 5)  "
              f"target < 1s: {'ok' if scans[2000] < 1.0 else 'MISSED'}")
        print(f"{scans[4000] / scans[2000]:6.2f}x  4000 vs 2000 distributions (linear growth is 2.0x)")
        failed |= scans[2000] >= 1.0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
