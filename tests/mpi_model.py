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
    weight_monitors: bool = True,
    state_monitor: bool = True,
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
    state = net.record_state(exc, "v", indices=[0, 5, 130, 131, 200, 277, 399], every=0.5) if state_monitor else None
    if not weight_monitors:  # a projection whose structure changes (lesions) cannot have one
        return net, (src, exc, inh), projs, mons, rate, state, ()
    wmon = net.record_weights(projs["ee"], every=5.0)
    wsub = net.record_weights(projs["in"], indices=[0, 7, 100, 2000, 5000, 3], every=2.0)
    return net, (src, exc, inh), projs, mons, rate, state, (wmon, wsub)


def rewire(net: pn.Network, pops: tuple, projs: dict) -> list:
    """Structural plasticity on every projection, every 10 ms: E->E (STDP) pruned when weak and grown at random
    (delays down to 0.5 ms: shorter than the network's shortest delay), input synapses of slow sources pruned at
    random, E->I rewired by activity-dependent synaptic elements, I->E sprouting after three inhibitory neurons are
    lesioned with their synapses. Returns snapshot recorders of E->E and E->I (every 20 ms)."""
    st = pn.structural
    src, exc, inh = pops
    projs["ee"].add_structural(
        st.Pruning(threshold=0.3, sustain=5.0, probability=0.2, interval=10.0),
        st.Growth(rate=20.0, weight=pn.conn.Uniform(0.5, 1.5), delay=pn.conn.Uniform(0.5, 2.5), interval=10.0),
    )
    projs["in"].add_structural(st.Pruning(min_rate=12.0, tau_rate=20.0, probability=0.05, interval=10.0))
    projs["ei"].add_structural(
        st.HomeostaticGrowth(target_rate=160.0, growth_rate=50.0, tau_rate=20.0, weight=6.0, delay=1.0, interval=10.0)
    )
    projs["ie"].add_structural(st.Sprouting(rate=40.0, weight=8.0, delay=0.8, interval=10.0))
    net.lesion(neurons=(inh, [3, 50, 97]))
    return [net.record_structure(projs[name], every=20.0) for name in ("ee", "ei")]


def summary(net: pn.Network) -> dict:
    """Digest of a network found by its objects alone (as loaded from a checkpoint): spikes and rates of its
    recorders, every projection's synapses, every population's state (collective under MPI)."""
    out: dict = {"ranks": net.ranks, "threads": net.threads, "time": net.time}
    for k, m in enumerate(net.monitors):
        if isinstance(m, pn.monitors.SpikeMonitor):
            out[f"spikes_{m.population.name}"] = digest(m.steps, m.indices)
            out[f"n_{m.population.name}"] = int(m.steps.size)
        elif isinstance(m, pn.monitors.StateMonitor):
            out[f"state_{k}"] = digest(m.times, m.values)
            out[f"n_state_{k}"] = int(m.times.size)
        elif isinstance(m, pn.monitors.WeightMonitor):
            out[f"weights_{k}"] = digest(m.times, m.values)
        elif isinstance(m, pn.monitors.StructureMonitor):
            out[f"snapshots_{k}"] = digest(m.times, m.counts, *(m.state()[c] for c in ("pre", "post", "weight")))
        else:
            out[f"rate_{k}"] = digest(m.rate)
    for p in net.projections:
        arr = p.arrays()
        out[f"w_{p.name}"] = digest(arr["pre"], arr["post"], arr["delay_steps"], arr["weight"])
        for r, rule in enumerate(p.plasticity):
            if isinstance(rule, pn.plasticity.RewardSTDP):
                out[f"eligibility_{p.name}_{r}"] = digest(p.rule_state(r)["c"])
    log = net.structural_log
    out["structural_log"] = digest(log["t"], log["kind"], log["projection"], log["pre"], log["post"], log["weight"])
    out["n_log"] = int(log.size)
    for pop in net.populations:
        for var in pop.state_vars:
            out[f"{pop.name}_{var}"] = digest(pop.get(var))
    return out


def full_extras(net: pn.Network, pops: tuple, projs: dict) -> None:
    """For the checkpoint test: a reward-modulated projection (per-synapse eligibility), structural rules with
    per-synapse (weak time, age) and per-neuron (in-degree baselines) state, a lesion and a structure recorder, on
    top of the weight recorders."""
    st = pn.structural
    src, exc, inh = pops
    rule = pn.plasticity.RewardSTDP(
        tau_pre=20.0, tau_post=25.0, a_pre=1.0, a_post=-1.5, tau_c=200.0, tonic=0.2, interval=1.0, w_max=8.0
    )
    rw = net.connect(exc, inh, pn.conn.FixedProbability(0.05), weight=2.0, delay=1.0, plasticity=rule, name="rw")
    rw.reward(1.0, at=30.0)
    rw.reward(-0.5, at=150.0)  # pending when the checkpoint is taken
    projs["ei"].add_structural(
        st.Pruning(threshold=6.5, sustain=30.0, probability=0.1, max_age=500.0, interval=10.0),
        st.Growth(rate=20.0, weight=pn.conn.Uniform(5.0, 8.0), delay=1.0, interval=10.0),
    )
    projs["ie"].add_structural(st.Sprouting(rate=40.0, weight=8.0, delay=0.8, interval=10.0))
    net.lesion(neurons=(inh, [3, 50, 97]))
    net.record_structure(projs["ei"], every=20.0)


def checkpoint_main(a: argparse.Namespace, comm: object) -> None:
    """``--save PATH``: build, run ``ms`` and save; ``--load PATH``: load (on this job's ranks) and run ``ms``;
    neither: build and run ``2 ms`` without a break. Prints the :func:`summary` at the end."""
    if a.load:
        net = pn.Network.load(a.load, threads=a.threads, comm=comm)
    else:
        net, pops, projs = build(a.threads, comm, ei_delays=a.ei_delays, weight_monitors=a.full)[:3]
        net.record_state(pops[2], "v", indices=[99, 1, 50, 70], every=1.0)
        if a.full:
            full_extras(net, pops, projs)
        net.run(a.ms * 0.4)
        net.run(a.ms * 0.6)
    if a.save:
        net.save(a.save)
    else:
        net.run(a.ms)
    out = summary(net)
    if net.rank == 0:
        print("RESULT " + json.dumps(out, sort_keys=True), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--mpi", action="store_true")
    ap.add_argument("--ms", type=float, default=200.0)
    ap.add_argument("--dmin", type=float, default=0.8, help="delay of I->E (ms): the shortest delay of the network")
    ap.add_argument("--convention", default="pyneuro")
    ap.add_argument("--custom", action="store_true", help="E->E STDP as a user-defined rule")
    ap.add_argument("--ei-delays", action="store_true", help="E->I static with delays in [1, 2] ms")
    ap.add_argument("--lesion", action="store_true", help="lesions now and scheduled (no weight recorders)")
    ap.add_argument("--rewire", action="store_true", help="structural rules on every projection")
    ap.add_argument("--grow", action="store_true", help="neurogenesis: by a rule and between the runs")
    ap.add_argument("--save", help="checkpoint test: run --ms, then save here")
    ap.add_argument("--load", help="checkpoint test: load from here, then run --ms")
    ap.add_argument("--checkpoint", action="store_true", help="checkpoint test: the uninterrupted run of 2 x --ms")
    ap.add_argument("--full", action="store_true", help="checkpoint test: weight recorders, rule and structural state")
    a = ap.parse_args()
    comm = None
    if a.mpi:
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
    if a.save or a.load or a.checkpoint:
        checkpoint_main(a, comm)
        return
    net, pops, projs, mons, rate, state, wmons = build(
        a.threads,
        comm,
        dmin=a.dmin,
        convention=a.convention,
        custom=a.custom,
        ei_delays=a.ei_delays,
        weight_monitors=not (a.lesion or a.rewire or a.grow),
    )
    snaps = rewire(net, pops, projs) if a.rewire else []
    if a.lesion:
        src, exc, inh = pops
        # now: two inhibitory neurons silenced with their synapses kept, E->E synapses by index and by mask
        net.lesion(neurons=(inh, [3, 97]), remove_synapses=False)
        n_ee = len(projs["ee"])
        net.lesion(
            synapses=[
                (projs["ee"], [0, 5, 17, n_ee // 2, n_ee - 1]),
                (projs["ei"], np.arange(len(projs["ei"])) % 7 == 3),
            ]
        )
        # scheduled: 10% of the excitatory neurons (with every synapse into and out of them) and the strong input
        # synapses by a predicate, at two times inside the first run, plus a region-free id list in the second
        net.lesion(neurons=(exc, 0.1), at=a.ms * 0.25)
        net.lesion(synapses=(projs["in"], lambda pre, post, w, d: (w > 3.5) & (post % 3 == 0)), at=a.ms * 0.3)
        net.lesion(neurons=[(exc, [1, 2, 250, 399]), (src, [10, 11])], at=a.ms * 0.55)
    if a.grow:  # inhibitory neurons born every 20 ms, wired in and out
        conn = [
            ("ei", "in", pn.conn.FixedInDegree(10), 6.0, 1.0),
            ("ie", "out", pn.conn.FixedProbability(0.1), 8.0, 0.8),
        ]
        net.add_structural(pops[2], pn.structural.Neurogenesis(rate=200.0, connect=conn, interval=20.0))
    net.run(a.ms * 0.4)
    if a.grow:  # 20 excitatory neurons added between the runs, with input and E->E synapses out
        pops[1].add_neurons(
            20,
            state={"v": np.linspace(-65.0, -55.0, 20)},
            connect=[
                (projs["in"], "in", pn.conn.FixedInDegree(15), pn.conn.Uniform(1.0, 4.0), 1.0),
                (projs["ee"], "out", pn.conn.FixedProbability(0.05), 1.0, 1.5),
            ],
        )
        # synapses changed by hand: removed by index and by mask, weights set, a store compacted
        projs["ee"].remove_synapses(np.arange(0, len(projs["ee"]), 7))
        projs["ei"].remove_synapses(projs["ei"].post % 5 == 0)
        projs["ie"].weights = np.linspace(4.0, 12.0, len(projs["ie"]))
        projs["ee"].compact()
    net.run(a.ms * 0.6)  # two calls: chunking must not matter
    out: dict = {"ranks": net.ranks, "threads": net.threads}
    out.update({f"size_{p.name}": p.size for p in pops})
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
    if state is not None:
        out["state_v"] = digest(state.times, state.values)  # collective under MPI
    if wmons:
        out["wmon_ee"] = digest(wmons[0].times, wmons[0].values)
        out["wmon_in"] = digest(wmons[1].times, wmons[1].values)
    if a.lesion or a.rewire or a.grow:
        log = net.structural_log
        out["structural_log"] = digest(log["t"], log["kind"], log["projection"], log["pre"], log["post"], log["weight"])
        out["n_log"] = int(log.size)
    if a.lesion:
        out["lesions"] = json.dumps(net.lesions, sort_keys=True)
        out["lesioned"] = digest(*(p.lesioned for p in pops))
    if a.rewire:
        for name, m in zip(("ee", "ei"), snaps, strict=True):
            cols = m.state()  # every snapshot, concatenated
            out[f"snapshots_{name}"] = digest(m.times, m.counts, *(cols[c] for c in ("pre", "post", "weight")))
            snap = m.snapshot(-1)
            out[f"snapshot_last_{name}"] = digest(snap["pre"], snap["post"], snap["delay"], snap["weight"])
            out[f"n_snapshots_{name}"] = len(m)
            out[f"snapshot_size_{name}"] = int(m.counts[-1])
        log = net.structural_log
        for kind in ("created", "pruned", "lesioned", "added", "removed"):
            for name in projs:
                out[f"n_{kind}_{name}"] = int(np.sum((log["kind"] == kind) & (log["projection"] == name)))
    if net.rank == 0:
        print("RESULT " + json.dumps(out, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
