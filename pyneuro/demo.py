"""The main demo: the COBA network with pair STDP on E->E (workload W2) for 1 s.

Run with ``pyneuro demo`` or ``python -m pyneuro.demo``. Prints rates, speed and the weight change, and
writes a figure (raster, population rate, weight histograms before and after) to ``--out``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from .workloads import coba

__all__ = ["main", "run_demo"]


def run_demo(
    duration: float = 1000.0,
    threads: int | None = None,
    seed: int = 1,
    out: str | Path = "pyneuro-demo",
    progress: bool = True,
) -> dict[str, float]:
    threads = threads or min(2, os.cpu_count() or 1)
    t0 = time.perf_counter()
    w = coba(threads=threads, seed=seed, stdp=True)
    build_s = time.perf_counter() - t0
    ee = w.projections["ee"]
    w_before = ee.weights
    t0 = time.perf_counter()
    w.net.run(duration, progress=progress)
    run_s = time.perf_counter() - t0
    w_after = ee.weights
    res = {
        "threads": threads,
        "synapses": w.n_synapses,
        "build_s": build_s,
        "run_s": run_s,
        "wall_per_sim_s": run_s / (duration * 1e-3),
        "rate_exc_hz": w.rate("exc", duration),
        "rate_inh_hz": w.rate("inh", duration),
        "w_mean_before": float(w_before.mean()),
        "w_mean_after": float(w_after.mean()),
        "w_changed_frac": float(np.mean(w_after != w_before)),
    }
    print(
        f"pyneuro demo: COBA + STDP (W2), {w.net.populations[0].size + w.net.populations[1].size} neurons, "
        f"{res['synapses']} synapses, {threads} thread(s)"
    )
    print(
        f"  build {build_s:.3f} s; run {run_s:.3f} s for {duration / 1000:g} s simulated "
        f"({res['wall_per_sim_s']:.3f} s per simulated second)"
    )
    print(f"  rates: excitatory {res['rate_exc_hz']:.2f} Hz, inhibitory {res['rate_inh_hz']:.2f} Hz")
    print(
        f"  E->E weights: mean {res['w_mean_before']:.4f} -> {res['w_mean_after']:.4f} nS; "
        f"{100 * res['w_changed_frac']:.1f}% of synapses changed; range [{w_after.min():.3f}, {w_after.max():.3f}] nS"
    )
    if out:
        from .plot import demo_figure

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        sm = w.spikes["exc"]
        fig = demo_figure(sm.times, sm.indices, w.populations["exc"].size, duration, w_before, w_after)
        path = out / "demo.png"
        fig.savefig(path, dpi=110)
        print(f"  figure: {path}")
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="pyneuro demo", description=__doc__)
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated time (ms)")
    ap.add_argument("--threads", type=int, default=None, help="threads (default: up to 2)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="pyneuro-demo", help="folder for the figure ('' for none)")
    ap.add_argument("--no-progress", action="store_true")
    a = ap.parse_args(argv)
    run_demo(a.duration, a.threads, a.seed, a.out, progress=not a.no_progress)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
