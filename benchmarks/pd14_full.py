#!/usr/bin/env python
"""The Potjans & Diesmann (2014) microcircuit at full scale: build time, peak memory, real-time factor, rates.

    python benchmarks/pd14_full.py --threads 2                 # full scale, Poisson drive, 500 ms warm-up + 1000 ms
    python benchmarks/pd14_full.py --drive dc --t-sim 2000

Prints the build time (populations, 3e8 synapses, inputs), the peak resident memory of the process, the run loop's
real-time factor (wall seconds per simulated second, warm-up excluded) and each population's rate against the
published full-scale rates (NEST's reference implementation of the model, Poisson drive), and the machine's load
average before and after (on a shared machine wall times include waiting for a core: CPU seconds per thread bound
them from below). The full model needs about 3 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # ru_maxrss is in KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--drive", default="poisson", choices=["dc", "poisson"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=55)
    ap.add_argument("--t-presim", type=float, default=500.0)
    ap.add_argument("--t-sim", type=float, default=1000.0)
    ap.add_argument("--json-out")
    args = ap.parse_args()

    from pyneuro.networks import microcircuit
    from pyneuro.networks.pd14 import FULL_MEAN_RATES, POPULATIONS

    load0 = os.getloadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    b = microcircuit(scale=args.scale, drive=args.drive, threads=args.threads, seed=args.seed)
    build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_build = peak_rss_gb()
    print(
        f"built {b.n_neurons} neurons, {b.n_synapses} synapses in {build:.1f} s (CPU {build_cpu:.1f} s over "
        f"{args.threads} threads); peak RSS {rss_build:.2f} GB",
        flush=True,
    )
    b.net.run(args.t_presim)
    t1, c1 = time.perf_counter(), time.process_time()
    b.net.run(args.t_sim)
    run, run_cpu = time.perf_counter() - t1, time.process_time() - c1
    rtf = run / (args.t_sim * 1e-3)
    rates = b.rates(args.t_presim, args.t_presim + args.t_sim)
    print(
        f"run: {args.t_sim:.0f} ms in {run:.1f} s (real-time factor {rtf:.2f}, {args.threads} threads; CPU "
        f"{run_cpu:.1f} s, i.e. {run_cpu / args.threads / (args.t_sim * 1e-3):.2f} per thread and simulated second); "
        f"peak RSS {peak_rss_gb():.2f} GB"
    )
    print("(on a shared machine the wall times include waiting for a core; CPU / threads bounds them from below)")
    load1 = os.getloadavg()
    print(f"load average (1 min) {load0[0]:.1f} before, {load1[0]:.1f} after, on {os.cpu_count()} CPUs")
    print()
    print("| quantity | value |\n|---|---|")
    print(f"| neurons, synapses | {b.n_neurons}, {b.n_synapses} |")
    print(f"| build (wall) | {build:.1f} s |")
    print(f"| build (CPU / thread) | {build_cpu / args.threads:.1f} s |")
    print(f"| peak RSS | {peak_rss_gb():.2f} GB |")
    print(f"| real-time factor (wall, {args.threads} threads) | {rtf:.2f} |")
    print(f"| real-time factor (CPU / thread) | {run_cpu / args.threads / (args.t_sim * 1e-3):.2f} |")
    print()
    print("| population | rate (Hz) | published (Hz) | rel. diff | within 10% |\n|---|---|---|---|---|")
    within = 0
    for name, ref in zip(POPULATIONS, FULL_MEAN_RATES):
        d = rates[name] / ref - 1
        within += abs(d) <= 0.10
        print(f"| {name} | {rates[name]:.3f} | {ref:.3f} | {d:+.1%} | {'yes' if abs(d) <= 0.10 else 'no'} |")
    print(f"{within} of 8 populations within 10% of the published rates")
    out = dict(
        machine=platform.processor() or platform.machine(),
        cpus=os.cpu_count(),
        threads=args.threads,
        drive=args.drive,
        scale=args.scale,
        neurons=b.n_neurons,
        synapses=b.n_synapses,
        build_s=build,
        build_cpu_s=build_cpu,
        run_cpu_s=run_cpu,
        peak_rss_gb=peak_rss_gb(),
        run_s=run,
        real_time_factor=rtf,
        run_cpu_per_thread_rtf=run_cpu / args.threads / (args.t_sim * 1e-3),
        load_before=load0[0],
        load_after=load1[0],
        rates=rates,
        published=dict(zip(POPULATIONS, FULL_MEAN_RATES)),
    )
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
