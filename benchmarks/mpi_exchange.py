#!/usr/bin/env python
"""The cost of the MPI spike exchange: W5 with 2 ranks x 1 thread against 1 rank x 2 threads, side by side.

(``--baseline`` adds 1 rank x 1 thread.)

Each configuration is a fresh process (``mpiexec -n 2 python mpi_exchange.py --worker ...`` and
``python mpi_exchange.py --worker --threads 2 ...``), launched alternately ``--reps`` times; a worker builds W5 at
``--n`` neurons, runs ``--warmup`` ms, then times ``--ms`` ms of the run loop (every rank after a barrier; the
slowest rank counts) and reports the bytes each rank received from the exchange and the number of exchanges. The
spike trains of every configuration are checked to be identical. Then the bytes per exchange (per shortest delay)
for 2, 3 and 4 ranks show how the exchange grows with the number of ranks (each rank receives every rank's spikes:
MPI_Allgatherv).

    python benchmarks/mpi_exchange.py --n 65536 --ms 200 --reps 3

Needs mpi4py and an MPI (``pip install 'pyneuro[mpi]'``); ranks may be oversubscribed (then the 2-rank times include
the machine's contention, not only the exchange).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def worker(a: argparse.Namespace) -> None:
    import numpy as np

    import pyneuro.workloads as W

    comm = None
    if a.mpi:
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
    w = W.scaling(a.n, threads=a.threads, comm=comm)
    net = w.net
    net.run(a.warmup)
    b0, x0 = net.exchanged_bytes, int(net._engine.exchanges)
    if comm is not None:
        comm.Barrier()
    t0 = time.perf_counter()
    net.run(a.ms)
    el = time.perf_counter() - t0
    if comm is not None:
        el = comm.allreduce(el, op=MPI.MAX)
    b1, x1 = net.exchanged_bytes, int(net._engine.exchanges)
    sp = w.spikes["exc"]
    h = hashlib.sha256(
        np.ascontiguousarray(sp.steps).tobytes() + np.ascontiguousarray(sp.indices).tobytes()
    ).hexdigest()
    if net.rank == 0:
        out = {
            "ranks": net.ranks,
            "threads": net.threads,
            "seconds": el,
            "bytes": b1 - b0,
            "exchanges": x1 - x0,
            "steps": int(round(a.ms / net.dt)),
            "spikes": int(sp.steps.size),
            "hash": h[:16],
            "rate_hz": w.rate("exc", a.ms),
        }
        print("RESULT " + json.dumps(out), flush=True)


def launch(cmd: list[str], timeout: float) -> dict:
    env = dict(os.environ)
    import pyneuro

    env["PYTHONPATH"] = str(Path(pyneuro.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=tempfile.gettempdir(), env=env)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"{cmd} failed:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return json.loads(lines[0][7:])


def mpiexec() -> list[str]:
    exe = Path(sys.executable).with_name("mpiexec")
    cmd = str(exe) if exe.exists() else shutil.which("mpiexec") or shutil.which("mpirun")
    if cmd is None:
        raise SystemExit("no mpiexec found (pip install 'pyneuro[mpi]')")
    v = subprocess.run([cmd, "--version"], capture_output=True, text=True).stdout
    if "Open MPI" in v or "OpenRTE" in v:
        return [cmd, "--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    return [cmd]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--n", type=int, default=65536, help="neurons of W5")
    ap.add_argument("--ms", type=float, default=200.0, help="timed simulated ms")
    ap.add_argument("--warmup", type=float, default=20.0, help="ms run before timing")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--grow", default="2,3,4", help="rank counts for the bytes-per-exchange row ('' to skip)")
    ap.add_argument("--timeout", type=float, default=1200.0)
    ap.add_argument("--baseline", action="store_true", help="also 1 rank x 1 thread (no MPI)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--mpi", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker(a)
    me = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--n",
        str(a.n),
        "--ms",
        str(a.ms),
        "--warmup",
        str(a.warmup),
    ]
    configs = {
        "2 ranks x 1 thread": [*mpiexec(), "-n", "2", *me, "--mpi", "--threads", "1"],
        "1 rank x 2 threads": [*me, "--threads", "2"],
    }
    if a.baseline:
        configs["1 rank x 1 thread"] = [*me, "--threads", "1"]
    res: dict[str, list[dict]] = {k: [] for k in configs}
    for _ in range(a.reps):  # alternate: the machine's load drifts
        for k, cmd in configs.items():
            res[k].append(launch(cmd, a.timeout))
    hashes = {r["hash"] for rs in res.values() for r in rs}
    print(
        f"W5, {a.n} neurons, {a.ms:g} ms timed after {a.warmup:g} ms; {a.reps} alternating reps; "
        f"spike trains identical across configurations: {len(hashes) == 1}"
    )
    print(
        f"{'configuration':<22}{'run loop s (median)':>20}{'s per sim s':>13}{'exchanges':>11}{'bytes/exchange':>16}"
        f"{'exc rate Hz':>13}"
    )
    for k, rs in res.items():
        s = statistics.median(r["seconds"] for r in rs)
        r0 = rs[0]
        bpe = r0["bytes"] / r0["exchanges"] if r0["exchanges"] else 0.0
        print(f"{k:<22}{s:>20.3f}{s / (a.ms * 1e-3):>13.2f}{r0['exchanges']:>11}{bpe:>16.0f}{r0['rate_hz']:>13.2f}")
    t2 = statistics.median(r["seconds"] for r in res["2 ranks x 1 thread"])
    t1 = statistics.median(r["seconds"] for r in res["1 rank x 2 threads"])
    print(f"ratio (2 ranks x 1 thread) / (1 rank x 2 threads) = {t2 / t1:.2f}")
    if a.grow:
        print("bytes each rank receives per exchange (one per shortest delay = 1 step in W5), by ranks:")
        for r in [int(x) for x in a.grow.split(",") if x]:
            o = launch([*mpiexec(), "-n", str(r), *me, "--mpi", "--threads", "1"], a.timeout)
            bpe = o["bytes"] / max(o["exchanges"], 1)
            print(
                f"  {r} ranks: {bpe:10.0f} B/exchange ({o['exchanges']} exchanges, {o['bytes']} B in all; "
                f"identical spikes: {o['hash'] in hashes})"
            )


if __name__ == "__main__":
    main()
