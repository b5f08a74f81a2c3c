#!/usr/bin/env python
"""Thread scaling of the step loop: W2 (COBA + STDP) and W5 (fixed in-degree + STDP) at several sizes and
thread counts. Each configuration runs in a fresh process; the spike count and a hash of the spike train are
printed too, so the table doubles as a determinism check (they must agree across thread counts).

    python benchmarks/thread_scaling.py --threads 1,2,4,8,16 --w5 16000,64000,256000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import hashlib, json, sys, time
import numpy as np
import pyneuro.workloads as W
kind, n, threads, dur = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
t0 = time.perf_counter()
w = W.coba(threads=threads, stdp=True) if kind == "w2" else W.scaling(n, threads=threads)
build = time.perf_counter() - t0
w.net.run(10.0)
t0 = time.perf_counter()
w.net.run(dur)
run = time.perf_counter() - t0
sm = w.spikes["exc"]
h = hashlib.sha256(np.stack([sm.steps.astype(np.int64), sm.indices]).tobytes()).hexdigest()[:12]
print(json.dumps(dict(run_s=run, build_s=build, spikes=int(sm.count), hash=h,
                      rate=sm.count / (w.populations["exc"].size * (dur + 10.0) * 1e-3), n_syn=w.n_synapses)))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", default="1,2,4,8,16")
    ap.add_argument("--w5", default="16000,64000")
    ap.add_argument("--duration", type=float, default=1000.0)
    ap.add_argument("--reps", type=int, default=1)
    a = ap.parse_args()
    threads = [int(x) for x in a.threads.split(",")]
    configs = [("w2", 4000)] + [("w5", int(n)) for n in a.w5.split(",") if n]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_WAIT_POLICY="passive")
    print(f"# machine: {os.cpu_count()} CPUs; {a.duration} ms simulated per run; medians of {a.reps}")
    print(
        f"{'workload':>10} {'threads':>7} {'s/sim-s':>9} {'speedup':>8} {'eff':>5} {'rate Hz':>8} "
        f"{'spikes':>9} {'hash':>13} {'synapses':>10}"
    )
    for kind, n in configs:
        base = None
        for th in threads:
            runs = []
            for _ in range(a.reps):
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, kind, str(n), str(th), str(a.duration)],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=1800,
                )
                if out.returncode != 0:
                    print(out.stderr[-2000:], file=sys.stderr)
                    return 1
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = runs[0]
            sps = statistics.median(x["run_s"] for x in runs) / (a.duration * 1e-3)
            base = base or sps
            name = f"{kind}-{n // 1000}k"
            print(
                f"{name:>10} {th:>7} {sps:>9.4f} {base / sps:>8.2f} {base / sps / th:>5.2f} {r['rate']:>8.2f} "
                f"{r['spikes']:>9} {r['hash']:>13} {r['n_syn']:>10}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
