"""A small plastic E/I network, run in one process or under ``mpirun -n R`` (``--mpi``); prints (rank 0) a JSON
digest of its spike trains, weights, rates and state, for the MPI determinism tests.

Usage: ``[mpirun -n R] python mpi_model.py --threads T [--mpi] [--ms 200]``
"""

from __future__ import annotations

import argparse
import hashlib
import json

import numpy as np

import pyneuro as pn


def digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str(a.dtype).encode() + str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def build(
    threads: int,
    comm: object = None,
    n_exc: int = 400,
    n_inh: int = 100,
    seed: int = 3,
    dmin: float = 0.8,
    convention: str = "pyneuro",
    custom: bool = False,
    ei_delays: bool = False,
) -> tuple:
    net = pn.Network(dt=0.1, seed=seed, threads=threads, comm=comm, time_convention=convention)
    src = net.add_population(pn.models.PoissonSource(rate=np.linspace(5.0, 25.0, 150)), 150, name="src")
    exc = net.add_population(pn.models.LIFCond(I_e=150.0, tau_syn_ex=5.0, tau_syn_in=10.0), n_exc, name="exc")
    inh = net.add_population(pn.models.LIF(I_e=300.0, tau_syn_ex=3.0, tau_syn_in=4.0), n_inh, name="inh")
    exc.set("v", np.linspace(-65.0, -52.0, n_exc))
    net.add_poisson_input(exc, n=40, rate=10.0, weight=2.0)
    net.add_poisson_input(inh, n=40, rate=10.0, weight=30.0)
    # several delays on a static projection: delivered at emission time (arrival rings)
    ei_delay = pn.conn.Uniform(1.0, 2.0) if ei_delays else 1.0
    pair = pn.plasticity.STDP(tau_pre=15.0, tau_post=25.0, a_pre=0.3, a_post=-0.32, w_min=0.0, w_max=8.0)
    if custom:  # the same rule as a user definition (compiled at run time)
        trace = pn.plasticity.Trace
        pair = pn.plasticity.Custom(
            params={"a_pre": 0.3, "a_post": -0.32, "w_min": 0.0, "w_max": 8.0},
            traces={"x_pre": trace("pre", 15.0, "all_to_all"), "x_post": trace("post", 25.0, "all_to_all")},
            on_pre="w = clip(w + a_post * x_post, w_min, w_max)",
            on_post="w = clip(w + a_pre * x_pre, w_min, w_max)",
        )
    triplet = pn.plasticity.TripletSTDP.visual_cortex_minimal()
    projs = {
        "in": net.connect(
            src,
            exc,
            pn.conn.FixedProbability(0.1),
            weight=pn.conn.Uniform(1.0, 4.0),
            delay=pn.conn.Uniform(0.5, 3.0),
            plasticity=triplet,
            name="in",
        ),
        "ee": net.connect(
            exc,
            exc,
            pn.conn.FixedProbability(0.05),
            weight=1.0,
            delay=pn.conn.Uniform(1.0, 2.5),
            plasticity=pair,
            name="ee",
        ),
        "ei": net.connect(exc, inh, pn.conn.FixedInDegree(20), weight=6.0, delay=ei_delay, name="ei"),
        "ie": net.connect(inh, exc, pn.conn.FixedTotalNumber(4000), weight=8.0, delay=dmin, receptor="inh", name="ie"),
    }
    mons = {p.name: net.record_spikes(p) for p in (src, exc, inh)}
    rate = net.record_rate(exc, every=5.0)
    state = net.record_state(exc, "v", indices=[0, 5, 130, 131, 200, 277, 399], every=0.5)
    wmon = net.record_weights(projs["ee"], every=5.0)
    wsub = net.record_weights(projs["in"], indices=[0, 7, 100, 2000, 5000, 3], every=2.0)
    return net, (src, exc, inh), projs, mons, rate, state, (wmon, wsub)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--mpi", action="store_true")
    ap.add_argument("--ms", type=float, default=200.0)
    ap.add_argument("--dmin", type=float, default=0.8, help="delay of I->E (ms): the shortest delay of the network")
    ap.add_argument("--convention", default="pyneuro")
    ap.add_argument("--custom", action="store_true", help="E->E STDP as a user-defined rule")
    ap.add_argument("--ei-delays", action="store_true", help="E->I static with delays in [1, 2] ms")
    a = ap.parse_args()
    comm = None
    if a.mpi:
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
    net, pops, projs, mons, rate, state, wmons = build(
        a.threads, comm, dmin=a.dmin, convention=a.convention, custom=a.custom, ei_delays=a.ei_delays
    )
    net.run(a.ms * 0.4)
    net.run(a.ms * 0.6)  # two calls: chunking must not matter
    out: dict = {"ranks": net.ranks, "threads": net.threads}
    for name, m in mons.items():
        out[f"spikes_{name}"] = digest(m.steps, m.indices)
        out[f"n_{name}"] = int(m.steps.size)
    for name, p in projs.items():
        arr = p.arrays()  # collective under MPI
        out[f"w_{name}"] = digest(arr["pre"], arr["post"], arr["delay_steps"], arr["weight"])
        out[f"size_{name}"] = len(p)
    out["w_ee_changed"] = bool(np.any(projs["ee"].weights != np.float32(1.0)))
    out["rate_exc"] = digest(rate.rate)
    out["v_exc"] = digest(pops[1].get("v"))
    out["state_v"] = digest(state.times, state.values)  # collective under MPI
    out["wmon_ee"] = digest(wmons[0].times, wmons[0].values)
    out["wmon_in"] = digest(wmons[1].times, wmons[1].values)
    if net.rank == 0:
        print("RESULT " + json.dumps(out, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
