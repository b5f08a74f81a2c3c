#!/usr/bin/env python
"""W5's run loop under two pyneuro installations, side by side (for a change's before/after on a shared machine).

    python benchmarks/w5_ab.py --python-a /path/to/before/bin/python --python-b /path/to/after/bin/python \
        --sizes 16000,64000 --duration 1000 --reps 5

Each run is a fresh subprocess of the given interpreter that builds W5 (pyneuro.workloads.scaling, one thread,
seed 1) and times net.run(duration) alone: process CPU time (less sensitive to other jobs on the machine than
wall time) and wall time. The two installations alternate, in an order that flips every repetition; the table gives
the medians, the ratio b/a of the CPU medians, and whether both produced the same number of spikes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

__all__ = ["main"]

_CHILD = r"""
import json, sys, time
import pyneuro.workloads as W
n, dur = int(sys.argv[1]), float(sys.argv[2])
w = W.scaling(n, threads=1, seed=1)
c0, w0 = time.process_time(), time.perf_counter()
w.net.run(dur)
cpu, wall = time.process_time() - c0, time.perf_counter() - w0
spikes = sum(int(len(m.indices)) for m in w.spikes.values())
print(json.dumps({"cpu": cpu, "wall": wall, "spikes": spikes}))
"""


def run_one(python: str, n: int, duration: float, timeout: float) -> dict:
    """One W5 run of n neurons for duration ms under the interpreter python; its CPU and wall seconds, spikes."""
    out = subprocess.run(
        [python, "-c", _CHILD, str(n), str(duration)], capture_output=True, text=True, timeout=timeout, cwd=os.sep
    )
    if out.returncode != 0:
        raise RuntimeError(f"{python} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, run both installations alternately, print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python-a", required=True, help="interpreter of the first installation (the baseline)")
    p.add_argument("--python-b", default=sys.executable, help="interpreter of the second (default: this one)")
    p.add_argument("--sizes", default="16000,64000", help="comma-separated network sizes (default 16000,64000)")
    p.add_argument("--duration", type=float, default=1000.0, help="simulated ms per run (default 1000)")
    p.add_argument("--reps", type=int, default=5, help="repetitions per installation and size (default 5)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per run (default 900)")
    a = p.parse_args(argv)
    pythons = {"a": a.python_a, "b": a.python_b}
    print(f"a = {a.python_a}\nb = {a.python_b}\nload at start {os.getloadavg()[0]:.1f}")
    print(f"{'n':>7} {'a cpu s':>8} {'b cpu s':>8} {'b/a cpu':>8} {'a wall s':>9} {'b wall s':>9} {'same spikes':>12}")
    for n in (int(s) for s in a.sizes.split(",")):
        res: dict[str, list[dict]] = {"a": [], "b": []}
        for r in range(a.reps):
            for k in ("a", "b") if r % 2 == 0 else ("b", "a"):
                res[k].append(run_one(pythons[k], n, a.duration, a.timeout))
        med = {k: {f: statistics.median(x[f] for x in v) for f in ("cpu", "wall")} for k, v in res.items()}
        same = len({x["spikes"] for v in res.values() for x in v}) == 1
        print(
            f"{n:>7} {med['a']['cpu']:>8.3f} {med['b']['cpu']:>8.3f} {med['b']['cpu'] / med['a']['cpu']:>8.3f} "
            f"{med['a']['wall']:>9.3f} {med['b']['wall']:>9.3f} {str(same):>12}"
        )
    print(f"load at end {os.getloadavg()[0]:.1f}; medians of {a.reps} runs of {a.duration:g} ms, one thread")


if __name__ == "__main__":
    main()
