"""W6 rewiring: the cost of structural plasticity, side by side with the same network without it.

    OPENBLAS_NUM_THREADS=1 python benchmarks/rewiring.py --n 16000 --duration 3000 --reps 3

W5 at N neurons (pyneuro.workloads.rewiring): about 0.8% of the E->E synapses pruned (weak ones, with a
probability) and regrown per simulated second, tested every --interval ms. Each repetition builds and runs the
network without and then with rewiring in this process (alternating), after a 200 ms warm-up; prints the run-loop
seconds per simulated second of both, their ratio (median over repetitions), the replaced fraction per second and
the E->E synapse count at the end.

    python benchmarks/rewiring.py --determinism 1,2,3,4 --duration 1000 --interval 250

instead runs W6 once per thread count and prints a hash of the E->E structure and weights, the spikes and the
structural log: equal hashes mean identical rewiring at every thread count.
"""

import argparse
import hashlib
import json
import statistics
import time

import numpy as np

import pyneuro.workloads as W


def one(n, threads, duration, rewire, interval):
    wl = W.rewiring(n, threads=threads, seed=1, rewire=rewire, interval=interval)
    ee = wl.projections["ee"]
    n0 = ee.size
    wl.net.run(200.0)
    t0 = time.perf_counter()
    wl.net.run(duration)
    el = time.perf_counter() - t0
    log = wl.net.structural_log
    pruned = int(np.sum(log["kind"] == "pruned"))
    return el / (duration / 1000.0), pruned / n0 / ((duration + 200.0) / 1000.0), ee.size


def determinism(n, threads_list, duration, interval):
    for th in threads_list:
        wl = W.rewiring(n, threads=th, seed=1, interval=interval)
        wl.net.run(duration)
        ee = wl.projections["ee"]
        log = wl.net.structural_log
        h = hashlib.sha256()
        for a in (ee.pre, ee.post, ee.weights, wl.spikes["exc"].indices, wl.spikes["exc"].steps, log):
            h.update(np.ascontiguousarray(a).tobytes())
        print(f"threads {th}: sha256 {h.hexdigest()[:16]}, {len(log)} structural events, {ee.size} E->E synapses")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=16000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--duration", type=float, default=3000.0, help="simulated ms per run (default 3000)")
    p.add_argument("--interval", type=float, default=1000.0, help="structural test interval in ms (default 1000)")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--determinism", type=str, default=None, help="comma-separated thread counts")
    a = p.parse_args(argv)
    if a.determinism:
        determinism(a.n, [int(x) for x in a.determinism.split(",")], a.duration, a.interval)
        return 0
    base, rew, frac, size = [], [], [], []
    for r in range(a.reps):
        b = one(a.n, a.threads, a.duration, False, a.interval)[0]
        w, f, s = one(a.n, a.threads, a.duration, True, a.interval)
        base.append(b)
        rew.append(w)
        frac.append(f)
        size.append(s)
        print(f"rep {r}: static {b:.3f} s/s, rewiring {w:.3f} s/s, ratio {w / b:.2f}, replaced {f * 100:.2f}%/s")
    out = dict(
        n=a.n,
        threads=a.threads,
        interval_ms=a.interval,
        static_s_per_s=statistics.median(base),
        rewiring_s_per_s=statistics.median(rew),
        ratio=statistics.median([w / b for w, b in zip(rew, base)]),
        replaced_per_s=statistics.median(frac),
        ee_synapses_end=size[-1],
    )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
