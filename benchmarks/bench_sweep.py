"""Sweep overhead: 100 runs of a 0.1 s network through ``pyneuro.sweep.run`` on a LocalCluster, against
the sum of the same runs' single-run wall times divided by the same parallelism (the number of workers).

    python benchmarks/bench_sweep.py [--runs 100] [--workers 2] [--n 4000] [--duration 100] [--reps 3]

prints the ratio ``sweep wall / (sum of single-run walls / workers)``, where the single runs are timed while
``workers`` of them run at a time in plain processes (the same parallelism, so the same contention for cores and
memory bandwidth), with and without the cluster's start; 1.0 would be a perfect scheduler with free file writes.
It also prints the ratio against the runs' wall times measured inside the sweep's own workers (pure sweep
overhead: scheduling, result files, idle time) and against single runs timed alone. The asv class ``TimeSweep``
times the sweep on a started cluster and tracks the in-worker ratio. Every run is checked (100 finished runs,
spikes in each) before a time is reported.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import pyneuro as pn
import pyneuro.sweep  # noqa: F401  (pn.sweep; main loads it lazily on first use)
from pyneuro._sweep_spec import derive_seed, expand_params


def grid(runs: int, n: int) -> dict:
    """``runs`` parameter sets of example_coba: drives spread over 95-105 pA (all active networks)."""
    return {"n": n, "i_e": [float(x) for x in np.round(np.linspace(95.0, 105.0, runs), 4)]}


def one_run(ps: dict, duration: float) -> float:
    """Wall time of one run called directly (build + run), checked for spikes."""
    t0 = time.perf_counter()
    out = pn.sweep.example_coba(**ps, duration=duration, seed=derive_seed(ps, 0))
    wall = time.perf_counter() - t0
    if out["n_spikes"] <= 0:
        raise AssertionError(f"run {ps} produced no spikes")
    return wall


def single_run_walls(params: dict, duration: float, workers: int = 1) -> tuple[list[float], float]:
    """Each run's wall time when the runs are called directly, ``workers`` at a time in plain processes (no Dask,
    no files); and the wall time of the whole batch."""
    sets = expand_params(params)
    t0 = time.perf_counter()
    if workers == 1:
        walls = [one_run(ps, duration) for ps in sets]
    else:
        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            list(pool.map(one_run, sets[:workers], [duration] * workers))  # start and import in every process
            t0 = time.perf_counter()
            walls = list(pool.map(one_run, sets, [duration] * len(sets)))
    return walls, time.perf_counter() - t0


def check(results_dir: str, runs: int) -> list[float]:
    """Check the sweep's results; return the runs' wall times as measured in the workers."""
    df = pn.sweep.load(results_dir)
    if len(df) != runs or not (df["n_spikes"] > 0).all():
        raise AssertionError(f"expected {runs} finished runs with spikes, got {len(df)}")
    return [float(x) for x in df["wall_s"]]


def measure(
    runs: int = 100, workers: int = 2, n: int = 4000, duration: float = 100.0, reps: int = 3
) -> dict[str, float]:
    """Time the sweep against the same runs in plain processes, alternating the two ``reps`` times (the machine
    may be shared: pairs measured back to back see about the same load); ratios are medians over the pairs."""
    import distributed

    params = grid(runs, n)
    single_run_walls(grid(4, n), duration)  # warm-up (imports, first allocations)
    serial_walls, _ = single_run_walls(params, duration)
    tmp = tempfile.mkdtemp(prefix="pyneuro-bench-sweep-")
    ideal, pool, on_cluster, in_worker = [], [], [], []
    try:
        # client=None: the sweep makes (and closes) its own LocalCluster
        t0 = time.perf_counter()
        pn.sweep.run(
            "example_coba", params, os.path.join(tmp, "a"), n_workers=workers, duration=duration, progress=False
        )
        with_start = time.perf_counter() - t0
        check(os.path.join(tmp, "a"), runs)
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
        client = distributed.Client(cluster)
        try:
            client.run(lambda: __import__("pyneuro"))
            for r in range(reps):
                walls, pool_wall = single_run_walls(params, duration, workers)
                ideal.append(sum(walls) / workers)
                pool.append(pool_wall)
                out = os.path.join(tmp, f"b{r}")
                t0 = time.perf_counter()
                pn.sweep.run("example_coba", params, out, client=client, duration=duration, progress=False)
                on_cluster.append(time.perf_counter() - t0)
                in_worker.append(sum(check(out, runs)) / workers)
            # the same sweep again: every run is skipped (cost of resuming a finished sweep)
            t0 = time.perf_counter()
            rep = pn.sweep.run("example_coba", params, out, client=client, duration=duration, progress=False)
            resume_noop = time.perf_counter() - t0
            assert rep.skipped == runs and rep.ran == 0
        finally:
            client.close()
            cluster.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ratios = [a / b for a, b in zip(on_cluster, ideal)]
    return {
        "runs": runs,
        "workers": workers,
        "reps": reps,
        "serial_run_mean_s": float(np.mean(serial_walls)),
        "ideal_s": float(np.median(ideal)),
        "pool_wall_s": float(np.median(pool)),
        "sweep_with_cluster_start_s": with_start,
        "sweep_on_running_cluster_s": float(np.median(on_cluster)),
        "resume_finished_sweep_s": resume_noop,
        "ratio_on_running_cluster": float(np.median(ratios)),
        "ratio_min": float(min(ratios)),
        "ratio_max": float(max(ratios)),
        "ratio_with_cluster_start": with_start / float(np.median(ideal)),
        "ratio_vs_in_worker_runs": float(np.median([a / b for a, b in zip(on_cluster, in_worker)])),
        "ratio_vs_serial_runs": float(np.median(on_cluster)) / (sum(serial_walls) / workers),
    }


class TimeSweep:
    """asv: 100 runs of example_coba (4000 neurons, 0.1 s) on a running 2-worker LocalCluster."""

    number = 1
    repeat = 3
    rounds = 1
    warmup_time = 0.0
    min_run_count = 1
    timeout = 600
    runs = 100

    def setup(self) -> None:
        import distributed

        self.cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
        self.client = distributed.Client(self.cluster)
        self.client.run(lambda: __import__("pyneuro"))
        self.tmp = tempfile.mkdtemp(prefix="pyneuro-asv-sweep-")

    def teardown(self) -> None:
        self.client.close()
        self.cluster.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def time_sweep_100_runs(self) -> None:
        out = os.path.join(self.tmp, f"r{time.perf_counter_ns()}")
        pn.sweep.run("example_coba", grid(self.runs, 4000), out, client=self.client, duration=100.0, progress=False)
        check(out, self.runs)

    def track_overhead_ratio(self) -> float:
        """Sweep wall over the sum of the runs' own wall times (measured in the workers) / workers."""
        out = os.path.join(self.tmp, "track")
        t0 = time.perf_counter()
        pn.sweep.run("example_coba", grid(self.runs, 4000), out, client=self.client, duration=100.0, progress=False)
        wall = time.perf_counter() - t0
        return wall / (sum(check(out, self.runs)) / 2)

    track_overhead_ratio.unit = "ratio"  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--n", type=int, default=4000, help="neurons per network")
    ap.add_argument("--duration", type=float, default=100.0, help="simulated ms per run")
    ap.add_argument("--reps", type=int, default=3, help="alternations of plain runs and sweep")
    args = ap.parse_args()
    r = measure(args.runs, args.workers, args.n, args.duration, args.reps)
    w = r["workers"]
    print(f"sweep overhead: {r['runs']} runs of example_coba (n = {args.n}, {args.duration:g} ms), {w} workers")
    print(f"  single run alone: mean {r['serial_run_mean_s'] * 1e3:.1f} ms")
    print(
        f"  single runs {w} at a time in plain processes: sum of walls / {w} = {r['ideal_s']:.2f} s "
        f"(batch wall {r['pool_wall_s']:.2f} s; medians of {r['reps']})"
    )
    print(f"  sweep on a running cluster: {r['sweep_on_running_cluster_s']:.2f} s (median of {r['reps']})")
    print(f"  sweep, LocalCluster started by the sweep: {r['sweep_with_cluster_start_s']:.2f} s")
    print(f"  rerun of the finished sweep (all skipped): {r['resume_finished_sweep_s']:.2f} s")
    print(
        f"RATIO sweep wall / (sum of single-run walls at the same parallelism / {w}): "
        f"{r['ratio_on_running_cluster']:.2f} on a running cluster (median; range {r['ratio_min']:.2f}-"
        f"{r['ratio_max']:.2f}), {r['ratio_with_cluster_start']:.2f} with the cluster's start"
    )
    print(
        f"  against the runs' walls measured inside the sweep's workers: {r['ratio_vs_in_worker_runs']:.2f}; "
        f"against single runs alone (serial): {r['ratio_vs_serial_runs']:.2f}"
    )


if __name__ == "__main__":
    main()
