#!/usr/bin/env python
"""Side-by-side comparison of pyneuro and NEST on the Potjans-Diesmann microcircuit (scale 0.1) and on COBA (W1).

Run with pyneuro's interpreter; NEST (nest-simulator from PyPI) lives in its own virtual environment:

    python benchmarks/compare_nest.py --nest-python /path/to/nest-venv/bin/python            # both, 3 reps
    python benchmarks/compare_nest.py --workloads pd14 --reps 5 --threads 1,2

Every run is a fresh subprocess (NEST: benchmarks/nest_models.py with --nest-python; pyneuro: this script's
worker mode with this interpreter). For each repetition the two simulators alternate, the order flipping every
repetition; medians over repetitions are reported. "run" is the run loop alone (NEST: ``nest.Run`` after
``nest.Prepare``; pyneuro: ``net.run``) for the measured period after the warm-up (PD14: 500 ms warm-up, 1000 ms
measured; COBA: 1000 ms); "build" is everything before it. Both simulators get the same seed per repetition (their
random streams differ, so rates agree only statistically: the table prints both).

The microcircuit is pyneuro.networks.microcircuit(time_convention="nest") against the same tables built in NEST
(benchmarks/nest_models.py): DC drive by default (``--drive poisson`` for the Poisson background).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_NEST = "/work/venvs/nest/bin/python"


def worker(args: argparse.Namespace) -> None:
    """One pyneuro run (in a subprocess): prints one JSON line."""
    import numpy as np

    import pyneuro as pn
    from pyneuro.networks import microcircuit

    if args.worker == "pd14":
        t0 = time.perf_counter()
        b = microcircuit(scale=args.scale, drive=args.drive, seed=args.seed, threads=args.threads)
        build = time.perf_counter() - t0
        b.net.run(args.t_presim)
        t1, c1 = time.perf_counter(), time.process_time()
        b.net.run(args.t_sim)
        run, run_cpu = time.perf_counter() - t1, time.process_time() - c1
        rates = b.rates(args.t_presim, args.t_presim + args.t_sim)
        out: dict[str, Any] = dict(build_s=build, run_s=run, run_cpu_s=run_cpu, rates=rates, synapses=b.n_synapses)
    else:
        from pyneuro import workloads

        t0 = time.perf_counter()
        w = workloads.coba(threads=args.threads, seed=args.seed)
        build = time.perf_counter() - t0
        t1, c1 = time.perf_counter(), time.process_time()
        w.net.run(args.t_sim)
        run, run_cpu = time.perf_counter() - t1, time.process_time() - c1
        n = sum(int(np.asarray(m.indices).size) for m in w.spikes.values())
        out = dict(build_s=build, run_s=run, run_cpu_s=run_cpu, rate=n / (4000 * args.t_sim * 1e-3))
    out.update(simulator=f"pyneuro {pn.__version__}", seed=args.seed, threads=args.threads)
    print(json.dumps(out))


def run_one(cmd: list[str], timeout: float, out_file: str | None = None) -> dict[str, Any]:
    """Run one measurement subprocess; its result is the JSON in ``out_file`` or its last line of output."""
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stderr[-3000:]}")
    if out_file is not None:
        with open(out_file) as f:
            data = json.load(f)
    else:
        data = json.loads(res.stdout.strip().splitlines()[-1])
    return data[0] if isinstance(data, list) else data


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="pd14,coba")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1, help="repetition r uses seed + r")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--drive", default="dc", choices=["dc", "poisson"])
    ap.add_argument("--nest-python", default=DEFAULT_NEST)
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--worker", choices=["pd14", "coba"], help=argparse.SUPPRESS)
    ap.add_argument("--t-presim", type=float, default=500.0, help=argparse.SUPPRESS)
    ap.add_argument("--t-sim", type=float, default=1000.0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        args.threads = int(args.threads)
        worker(args)
        return

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; python {sys.version.split()[0]}"
    )
    raw: list[dict[str, Any]] = []
    out_file = os.path.join(tempfile.mkdtemp(prefix="compare_nest_"), "nest.json")
    for wl in args.workloads.split(","):
        for threads in [int(x) for x in args.threads.split(",")]:
            for rep in range(args.reps):
                seed = args.seed + rep
                common = ["--threads", str(threads), "--seed", str(seed)]
                t_presim = 500.0 if wl == "pd14" else 0.0
                nest_cmd = [
                    args.nest_python,
                    os.path.join(HERE, "nest_models.py"),
                    wl,
                    "--threads",
                    str(threads),
                    "--seeds",
                    str(seed),
                    "--scale",
                    str(args.scale),
                    "--drive",
                    args.drive,
                    "--t-presim",
                    str(t_presim),
                    "--out",
                    out_file,
                ]
                py_cmd = [
                    sys.executable,
                    os.path.abspath(__file__),
                    "--worker",
                    wl,
                    *common,
                    "--scale",
                    str(args.scale),
                    "--drive",
                    args.drive,
                    "--t-presim",
                    str(t_presim),
                ]
                order = [("NEST", nest_cmd, out_file), ("pyneuro", py_cmd, None)]
                if rep % 2:
                    order.reverse()
                for name, cmd, path in order:
                    r = run_one(cmd, args.timeout, path)
                    r.update(workload=wl, who=name, threads=threads, rep=rep)
                    raw.append(r)
                    msg = f"build {r['build_s']:.2f} s run {r['run_s']:.3f} s"
                    print(f"  {wl} {name:7s} threads={threads} seed={seed} {msg}", flush=True)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(raw, f, indent=1)
    print_table(raw)


def print_table(raw: list[dict[str, Any]]) -> None:
    med = statistics.median
    keys = sorted({(r["workload"], r["threads"]) for r in raw})
    print("\nrun loop (median over repetitions; PD14: 1 s after 500 ms warm-up; COBA: 1 s). On a shared machine the")
    print("wall times include waiting for a core; the CPU seconds of the run loop (and their ratio) do not.")
    head = ("workload", "threads", "NEST run s", "pyneuro run s", "ratio", "NEST build s", "pyneuro build s")
    print(f"{head[0]:9s} {head[1]:>7s} {head[2]:>11s} {head[3]:>14s} {head[4]:>7s} {head[5]:>13s} {head[6]:>16s}")
    for wl, th in keys:
        rs = {
            w: [r for r in raw if r["workload"] == wl and r["threads"] == th and r["who"] == w]
            for w in ("NEST", "pyneuro")
        }
        if not rs["NEST"] or not rs["pyneuro"]:
            continue
        nr, pr = med(x["run_s"] for x in rs["NEST"]), med(x["run_s"] for x in rs["pyneuro"])
        cpu = [med(x.get("run_cpu_s", float("nan")) for x in rs[w]) for w in ("NEST", "pyneuro")]
        nb, pb = med(x["build_s"] for x in rs["NEST"]), med(x["build_s"] for x in rs["pyneuro"])
        print(
            f"{wl:9s} {th:7d} {nr:11.3f} {pr:14.3f} {pr / nr:7.3f} {nb:13.2f} {pb:16.2f}"
            f"   CPU: {cpu[0]:.3f} vs {cpu[1]:.3f} s, ratio {cpu[1] / cpu[0]:.3f}"
        )
    print("\nrates (Hz), median over repetitions [min, max]")
    for wl, th in keys:
        rs = {
            w: [r for r in raw if r["workload"] == wl and r["threads"] == th and r["who"] == w]
            for w in ("NEST", "pyneuro")
        }
        if wl == "coba":
            for w in ("NEST", "pyneuro"):
                v = [x["rate"] for x in rs[w]]
                if v:
                    print(f"  coba t={th} {w:7s}: {med(v):.2f} [{min(v):.2f}, {max(v):.2f}]")
            continue
        pops = list(rs["NEST"][0]["rates"]) if rs["NEST"] else list(rs["pyneuro"][0]["rates"])
        for w in ("NEST", "pyneuro"):
            if not rs[w]:
                continue
            cells = []
            for p in pops:
                v = [x["rates"][p] for x in rs[w]]
                cells.append(f"{p} {med(v):.2f} [{min(v):.2f}, {max(v):.2f}]")
            print(f"  pd14 t={th} {w:7s}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
