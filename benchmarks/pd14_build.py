#!/usr/bin/env python
"""Build time of the Potjans & Diesmann (2014) microcircuit per synapse, for one or several pyneuro trees side by side.

    python benchmarks/pd14_build.py                                        # this tree, scale 0.25, 2 threads, 3 reps
    python benchmarks/pd14_build.py --tree before=/path/to/other/checkout --tree after=. --scale 0.25 --reps 3

Every rep of every tree is a worker process (``PYTHONPATH`` set to the tree, so each imports its own compiled core)
that builds ``pyneuro.networks.microcircuit(scale=...)`` with the Poisson drive (the build only: no simulation); the
trees alternate within each rep. Printed per tree: the medians of the build's wall time, its CPU time, and the CPU
nanoseconds per synapse and thread, the synapse count, the peak resident memory, and the full-scale build
(2.99e8 synapses) extrapolated from the wall time per synapse (the build is linear in the synapse count at fixed
in-degrees: in-degree scaling is off here, so every reduced model has the full model's in-degrees). With several
trees, each tree's medians against the first tree's. On a shared machine the wall time includes waiting for a core;
the CPU time per thread bounds it from below, and the ratios of medians taken side by side are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

__all__ = ["main"]

FULL_SYNAPSES = 299_000_000  # the full model's synapse count (2.99e8, rounded)

WORKER = """
import json, resource, sys, time
from pyneuro.networks import microcircuit
scale, threads, seed = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
t0, c0 = time.perf_counter(), time.process_time()
b = microcircuit(scale=scale, drive="poisson", threads=threads, seed=seed)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"wall": wall, "cpu": cpu, "synapses": int(b.n_synapses),
                  "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
"""


def run_one(path: str, a: argparse.Namespace) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(path), OMP_NUM_THREADS=str(a.threads))
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(a.scale), str(a.threads), str(a.seed)],
        env=env, capture_output=True, text=True, check=True, cwd=os.path.abspath(path),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", default=[], help="NAME=PATH of a pyneuro checkout (repeatable)")
    ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=55)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    trees = [t.split("=", 1) for t in a.tree] or [["this", os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]]
    for t in trees:
        if len(t) != 2 or not os.path.isdir(os.path.join(t[1], "pyneuro")):
            raise SystemExit(f"--tree must be NAME=PATH of a pyneuro checkout, got {'='.join(t)!r}")
    res: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
    load0 = os.getloadavg()[0]
    for r in range(a.reps):
        for name, path in trees:
            x = run_one(path, a)
            res[name].append(x)
            print(f"rep {r} {name}: wall {x['wall']:.2f} s, cpu {x['cpu']:.2f} s, {x['synapses']} synapses", flush=True)
    print(
        f"\nPD14 build, scale {a.scale}, {a.threads} threads, {a.reps} reps (medians); load average {load0:.1f} "
        f"before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} CPUs\n"
    )
    print("| tree | synapses | wall s | CPU s | CPU ns/synapse/thread | wall ns/synapse | full scale wall s (extrap.) "
          "| full scale CPU s/thread (extrap.) | peak RSS GB |")
    print("|---|---|---|---|---|---|---|---|---|")
    med: dict[str, dict[str, float]] = {}
    for name, _ in trees:
        xs = res[name]
        n = xs[0]["synapses"]
        m = {k: statistics.median(x[k] for x in xs) for k in ("wall", "cpu", "rss_gb")}
        med[name] = m
        print(f"| {name} | {n} | {m['wall']:.2f} | {m['cpu']:.2f} | {m['cpu'] / a.threads / n * 1e9:.1f} | "
              f"{m['wall'] / n * 1e9:.1f} | {m['wall'] / n * FULL_SYNAPSES:.1f} | "
              f"{m['cpu'] / a.threads / n * FULL_SYNAPSES:.1f} | {m['rss_gb']:.2f} |")
    base = trees[0][0]
    for name, _ in trees[1:]:
        print(f"\n{name} / {base}: wall {med[name]['wall'] / med[base]['wall']:.2f}, "
              f"CPU {med[name]['cpu'] / med[base]['cpu']:.2f}")


if __name__ == "__main__":
    main()
