#!/usr/bin/env python
"""Delivery with many distinct delays: the Potjans & Diesmann (2014) microcircuit with its normal delays against
the same network with one delay per projection, for one or several pyneuro source trees side by side.

    python benchmarks/pd14_delays.py                                   # this tree, scale 0.1, 3 reps
    python benchmarks/pd14_delays.py --tree before=/path/to/other/checkout --tree after=.
    python benchmarks/pd14_delays.py --scale 0.05 --duration 100 --reps 3   # quicker

The network is ``pyneuro.networks.microcircuit(scale, seed, threads)`` (full in-degrees, DC drive, NEST time
convention): normal delays 1.5 ms (excitatory) / 0.75 ms (inhibitory) with relative SD 0.5, redrawn below one step,
about 40 distinct delays at dt = 0.1 ms. The ``one`` variant is the same model with a relative delay SD of 0: every
synapse gets its projection's mean delay (one delay per projection). The model's activity differs between the two
(with one delay per projection it oscillates at higher rates), so ``--mode sources`` (also run by default) times the
same projections (synapse numbers, weights, delays) driven by Poisson sources at the published full-scale rates of
their populations onto neurons that never fire: both variants then deliver the very same spikes, and the ratio is
the cost of the delays alone.

Every (tree, variant) pair is a worker process (``PYTHONPATH`` set to its tree, so each imports its own compiled
core) that builds its network once, runs ``--warmup`` ms and then waits; the workers then run ``--duration`` ms
each in turn, one at a time, the order rotating every repetition. Reported per worker (medians over repetitions):
run-loop wall and CPU time (the process's; on a loaded machine the CPU time is the steadier figure), mean rate,
synaptic events (the spikes' out-degrees summed) per second of wall and of CPU time, and per tree the ratio
``many / one`` of events per second (1: the delays cost nothing). With several trees, each tree's run time
against the first tree's is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

__all__ = ["main"]

VARIANTS = ("many", "one")
MODES = ("recurrent", "sources")
MODE_TEXT = {
    "recurrent": "the microcircuit itself (its activity differs between the two delay variants)",
    "sources": "its projections driven by Poisson sources at the published rates (the same spikes in both variants)",
}


def _sources_network(scale: float, seed: int, threads: int) -> Any:
    """The microcircuit's projections (same synapse numbers, weights and delays) from Poisson sources firing at the
    published full-scale rates onto silent LIF neurons: the spikes do not depend on the delays."""
    import numpy as np

    from pyneuro import Network
    from pyneuro.connectivity import FixedTotalNumber, Normal
    from pyneuro.models import LIF, PoissonSource
    from pyneuro.networks import BuiltNetwork, pd14

    full = np.array(pd14.FULL_SIZES, dtype=np.float64)
    sizes = np.round(full * scale).astype(np.int64)
    n_syn = np.round(pd14.synapse_numbers(pd14.CONN_PROBS, full, full) / full[:, None] * sizes[:, None]).astype(int)
    p = pd14.NEURON
    psc = pd14.psc_from_psp(pd14.PSP_EXC, p["C_m"], p["tau_m"], p["tau_syn"])
    net = Network(dt=0.1, seed=seed, threads=threads, time_convention="nest")
    names = pd14.POPULATIONS
    src = {
        n: net.add_population(PoissonSource(rate=pd14.FULL_MEAN_RATES[i]), int(sizes[i]), name=n)
        for i, n in enumerate(names)
    }
    # far below threshold: the targets never fire (their update costs the same in both variants)
    tgt = {
        n: net.add_population(LIF(tau_m=p["tau_m"], C_m=p["C_m"], V_th=1e6), int(sizes[i])) for i, n in enumerate(names)
    }
    b = BuiltNetwork(net=net, populations=src)
    for i, t in enumerate(names):
        for j, sname in enumerate(names):
            if n_syn[i, j] == 0:
                continue
            w = psc * (abs(pd14.G) if j % 2 else 1.0) * (2.0 if (i, j) == (0, 2) else 1.0)
            d = pd14.DELAY_EXC if j % 2 == 0 else pd14.DELAY_INH
            b.projections[(sname, t)] = net.connect(
                src[sname],
                tgt[t],
                FixedTotalNumber(int(n_syn[i, j]), allow_autapses=False, allow_multapses=True),
                weight=Normal(w, pd14.WEIGHT_REL_SD * w, low=0.0, truncation="redraw"),
                delay=Normal(d, pd14.DELAY_REL_SD * d, truncation="redraw"),
                receptor="exc" if j % 2 == 0 else "inh",
            )
    for n in names:
        b.spikes[n] = net.record_spikes(src[n])
    return b


def worker(a: argparse.Namespace) -> int:
    """Build one network, then serve ``run MS`` lines from stdin with one JSON line each."""
    import numpy as np

    import pyneuro as pn
    from pyneuro.networks import microcircuit, pd14

    if a.variant == "one":
        pd14.DELAY_REL_SD = 0.0  # every synapse its projection's mean delay
    t0 = time.perf_counter()
    if a.mode == "recurrent":
        b = microcircuit(scale=a.scale, seed=a.seed, threads=a.threads)
    else:
        b = _sources_network(a.scale, a.seed, a.threads)
    build_s = time.perf_counter() - t0
    names = list(b.populations)
    out_deg = {n: np.zeros(b.populations[n].size, dtype=np.int64) for n in names}
    delays: set[int] = set()
    for (src, _tgt), p in b.projections.items():
        out_deg[src] += np.bincount(np.asarray(p.pre, dtype=np.int64), minlength=b.populations[src].size)
        delays.update(np.unique(p.delay_steps).tolist())
    nbytes = sum(p.bytes for p in b.projections.values())

    def totals() -> tuple[int, int]:
        spikes = events = 0
        for n in names:
            idx = np.asarray(b.spikes[n].indices, dtype=np.int64)
            spikes += idx.size
            events += int(out_deg[n][idx].sum())
        return spikes, events

    b.net.run(a.warmup)
    info = dict(
        ready=True,
        pyneuro=os.path.dirname(pn.__file__),
        build_s=build_s,
        synapses=b.n_synapses,
        delays=len(delays),
        bytes_per_synapse=nbytes / max(1, b.n_synapses),
    )
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] != "run":
            break
        ms = float(cmd[1])
        s0, e0 = totals()
        t1, c1 = time.perf_counter(), time.process_time()
        b.net.run(ms)
        run_s, cpu_s = time.perf_counter() - t1, time.process_time() - c1
        s1, e1 = totals()
        rate = (s1 - s0) / b.n_neurons / (ms / 1000.0)
        print(json.dumps(dict(run_s=run_s, cpu_s=cpu_s, spikes=s1 - s0, events=e1 - e0, rate_hz=rate)), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", default=[], help="NAME=PATH of a pyneuro checkout (repeatable)")
    ap.add_argument("--mode", choices=(*MODES, "both"), default="both", help="network(s) to time (default both)")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--duration", type=float, default=200.0, help="timed simulated ms per run")
    ap.add_argument("--warmup", type=float, default=100.0, help="simulated ms run before timing (transient)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=55)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--variant", choices=VARIANTS, default="many", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        return worker(a)
    trees = [t.split("=", 1) for t in a.tree] or [["this", os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]]
    for t in trees:
        if len(t) != 2 or not os.path.isdir(os.path.join(t[1], "pyneuro")):
            raise SystemExit(f"--tree must be NAME=PATH of a pyneuro checkout, got {'='.join(t)!r}")
    modes = MODES if a.mode == "both" else (a.mode,)
    print(
        f"PD14 scale {a.scale}, {a.threads} thread(s), {a.duration:g} ms timed after {a.warmup:g} ms, {a.reps} reps, "
        f"seed {a.seed}, load {os.getloadavg()[0]:.1f}, cpus {os.cpu_count()}",
        flush=True,
    )
    env0 = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
    for mode in modes:
        print(f"\n== {mode}: {MODE_TEXT[mode]}", flush=True)
        run_mode(a, trees, mode, env0)
    return 0


def run_mode(a: argparse.Namespace, trees: list[list[str]], mode: str, env0: dict[str, str]) -> None:
    """Build the workers of one mode, time them alternately, print the table, stop them."""
    workers: dict[tuple[str, str], subprocess.Popen[str]] = {}
    info: dict[tuple[str, str], dict[str, Any]] = {}
    for name, path in trees:
        for v in VARIANTS:
            env = dict(env0, PYTHONPATH=os.path.abspath(path))
            cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--variant", v, "--mode", mode]
            cmd += ["--scale", str(a.scale), "--threads", str(a.threads), "--seed", str(a.seed)]
            cmd += ["--warmup", str(a.warmup)]
            p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/")
            assert p.stdout is not None
            line = p.stdout.readline()  # one build at a time: builds do not disturb each other
            if not line:
                raise SystemExit(f"worker {name}/{v} failed")
            info[(name, v)] = json.loads(line)
            workers[(name, v)] = p
            i = info[(name, v)]
            print(
                f"  built {name}/{v} from {i['pyneuro']}: {i['synapses']} synapses, {i['delays']} distinct delays, "
                f"{i['build_s']:.1f} s, {i['bytes_per_synapse']:.2f} B/synapse",
                flush=True,
            )
    keys = list(workers)
    res: dict[tuple[str, str], list[dict[str, float]]] = {k: [] for k in keys}
    for rep in range(a.reps):
        order = keys[rep % len(keys) :] + keys[: rep % len(keys)]
        if rep % 2:
            order = order[::-1]
        for k in order:
            p = workers[k]
            assert p.stdin is not None and p.stdout is not None
            p.stdin.write(f"run {a.duration}\n")
            p.stdin.flush()
            r = json.loads(p.stdout.readline())
            res[k].append(r)
            print(
                f"  rep {rep} {k[0]}/{k[1]}: run {r['run_s']:.3f} s (cpu {r['cpu_s']:.3f} s), {r['rate_hz']:.2f} Hz, "
                f"{r['events'] / r['run_s']:.3g} events/s",
                flush=True,
            )
    for p in workers.values():
        assert p.stdin is not None
        p.stdin.close()
        p.wait()
    med = {
        k: dict(
            run_s=statistics.median(r["run_s"] for r in rs),
            cpu_s=statistics.median(r["cpu_s"] for r in rs),
            rate_hz=statistics.median(r["rate_hz"] for r in rs),
            ev_s=statistics.median(r["events"] / r["run_s"] for r in rs),
            ev_cpu_s=statistics.median(r["events"] / r["cpu_s"] for r in rs),
        )
        for k, rs in res.items()
    }
    print(
        f"\n{'tree':10s} {'variant':7s} {'delays':>6s} {'run s':>8s} {'cpu s':>8s} {'rate Hz':>8s} {'events/s':>10s} "
        f"{'ev/cpu-s':>10s} {'B/syn':>6s}"
    )
    for k in keys:
        m, i = med[k], info[k]
        print(
            f"{k[0]:10s} {k[1]:7s} {i['delays']:6d} {m['run_s']:8.3f} {m['cpu_s']:8.3f} {m['rate_hz']:8.2f} "
            f"{m['ev_s']:10.3g} {m['ev_cpu_s']:10.3g} {i['bytes_per_synapse']:6.2f}"
        )
    print()
    for name, _ in trees:
        r = med[(name, "many")]["ev_s"] / med[(name, "one")]["ev_s"]
        c = med[(name, "many")]["ev_cpu_s"] / med[(name, "one")]["ev_cpu_s"]
        print(f"{mode} {name}: events/s many delays / one delay = {r:.2f} (wall), {c:.2f} (CPU time)")
    base = trees[0][0]
    for name, _ in trees[1:]:
        for v in VARIANTS:
            r = med[(name, v)]["run_s"] / med[(base, v)]["run_s"]
            c = med[(name, v)]["cpu_s"] / med[(base, v)]["cpu_s"]
            print(f"{mode} {name} / {base} run time, {v} delay(s): {r:.2f} (wall), {c:.2f} (CPU time)")


if __name__ == "__main__":
    sys.exit(main())
