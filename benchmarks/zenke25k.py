"""W4 zenke25k (Auryn's sim_background model) as a script run: construction, memory and wall time per simulated
second of the plastic network after Auryn's priming (30 s with plasticity off, not timed; --prime to change).

    OPENBLAS_NUM_THREADS=1 python benchmarks/zenke25k.py --threads 2 --duration 10000

Prints one JSON line per run (see benchmarks/pyneuro_workloads.py for the fields): build_s, syn_per_s_build,
bytes_per_syn (RSS delta over all synapses), bytes_per_plastic_syn (the E->E store over its synapse count),
prime_run_s, run_s_per_sim_s (plastic phase), rate_hz, w_mean (leak units). benchmarks/compare_auryn.py runs it
side by side with Auryn.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyneuro_workloads as pw  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--duration", type=float, default=10000.0, help="simulated ms (default 10000)")
    p.add_argument("--scale", type=float, default=1.0, help="network size relative to 25k neurons")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--prime", type=float, default=30000.0, help="simulated ms with plasticity off (default 30000)")
    a = p.parse_args(argv)
    out = pw.w4(scale=a.scale, threads=a.threads, seed=a.seed, duration_ms=a.duration, prime_ms=a.prime)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
