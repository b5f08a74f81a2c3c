#!/usr/bin/env python
"""Speed-up of 2 threads over 1 on W2 and W5 (16k), measured side by side in one process.

Both networks are built once; then 200 ms runs alternate between the 1-thread and the 2-thread network, 12 times
each, and the minimum and median wall time per simulated second are compared. Alternating in one process is
what makes the ratio trustworthy on a shared, noisy machine (separate runs can differ by 50% here).

    OPENBLAS_NUM_THREADS=1 python benchmarks/two_thread_speedup.py [w2] [w5]
"""

from __future__ import annotations

import statistics
import sys
import time

import pyneuro.workloads as W

BUILDERS = {
    "w2": lambda threads: W.coba(threads=threads, stdp=True),
    "w5": lambda threads: W.scaling(16000, threads=threads),
}


def measure(kind: str, reps: int = 12, chunk_ms: float = 200.0) -> dict[str, float]:
    nets = {th: BUILDERS[kind](th) for th in (1, 2)}
    for w in nets.values():
        w.net.run(50.0)
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(reps):
        for th in (1, 2):
            t0 = time.perf_counter()
            nets[th].net.run(chunk_ms)
            times[th].append((time.perf_counter() - t0) / (chunk_ms * 1e-3))
    a, b = nets[1].spikes["exc"], nets[2].spikes["exc"]
    assert (a.steps == b.steps).all() and (a.indices == b.indices).all(), "1 and 2 threads differ"
    return {
        "min1": min(times[1]),
        "min2": min(times[2]),
        "med1": statistics.median(times[1]),
        "med2": statistics.median(times[2]),
    }


def main() -> int:
    for kind in sys.argv[1:] or ["w2", "w5"]:
        r = measure(kind)
        print(
            f"{kind}: s per simulated s, 1 thread min {r['min1']:.4f} median {r['med1']:.4f}; 2 threads min "
            f"{r['min2']:.4f} median {r['med2']:.4f}; speed-up min {r['min1'] / r['min2']:.2f}, "
            f"median {r['med1'] / r['med2']:.2f} (spike trains identical)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
