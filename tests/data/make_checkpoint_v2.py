"""Write tests/data/checkpoint_v2.h5, a checkpoint in format version 2 that holds every kind of state, once.

The file is committed; tests/test_checkpoint.py::test_version_2_file_loads_and_continues checks that every later
pyneuro still loads it and continues it exactly as the network that wrote it did. It was written by pyneuro 0.1.0
at checkpoint format version 2. Do not regenerate it after a format change: the point is that the old file keeps
loading. Run: python tests/data/make_checkpoint_v2.py (it refuses to overwrite an existing file unless given --force)
and paste the printed numbers into KNOWN_V2.

What it holds: a Poisson source, a spike generator and two LIFCond populations with positions, intrinsic
plasticity with a schedule, maturation of neurons added by hand; pair STDP with a learning-rate schedule, reward STDP
(eligibility, pending rewards, a modulator population) and synaptic scaling; pruning, growth, sprouting and
homeostatic growth; a Neurogenesis rule between epochs; applied and pending lesions; spike, state, weight, rate and
structure recorders.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import pyneuro as pn

SAVE_AT = 60.0  # ms
CONTINUE = 40.0  # ms run after the save by the original network (and by the test, after loading)


def build() -> pn.Network:
    net = pn.Network(dt=0.1, seed=7, threads=2)
    src = net.add_population(pn.models.PoissonSource(rate=40.0), 30, name="src")
    gen = net.add_population(
        pn.models.SpikeGenerator(times=[5.0, 12.0, 30.0, 75.0, 90.0], indices=[0, 1, 2, 0, 3]), 4, name="gen"
    )
    exc = net.add_population(pn.models.LIFCond(I_e=200.0), 24, name="exc")
    inh = net.add_population(pn.models.LIFCond(I_e=150.0), 8, name="inh")
    exc.positions = np.stack([np.arange(24.0), np.zeros(24)], axis=1)
    inh.positions = np.stack([np.arange(8.0) * 3.0, np.ones(8)], axis=1)
    exc.set("v", np.linspace(-70.0, -56.0, 24))
    net.add_plasticity(
        exc,
        pn.plasticity.IntrinsicPlasticity(target_rate=10.0, eta=0.1, schedule=pn.schedule.Window(0.0, 80.0)),
    )
    stdp = pn.plasticity.STDP(
        tau_pre=20.0,
        tau_post=20.0,
        a_pre=0.2,
        a_post=-0.21,
        w_min=0.0,
        w_max=8.0,
        schedule=pn.schedule.ExponentialDecay(start=1.0, end=0.2, tau=50.0),
    )
    net.connect(src, exc, pn.conn.FixedInDegree(6), weight=3.0, delay=pn.conn.Uniform(0.5, 3.0), plasticity=stdp)
    net.connect(
        gen,
        exc,
        pn.conn.FromArrays([0, 0, 1, 1, 2, 3], [0, 1, 2, 3, 4, 5]),
        weight=20.0,
        delay=1.0,
        plasticity=pn.plasticity.RewardSTDP(modulator="inh", modulator_gain=0.05, w_max=40.0),
    )
    ee = net.connect(
        exc,
        exc,
        pn.conn.FixedProbability(0.2),
        weight=1.0,
        delay=1.5,
        max_delay=3.0,
        plasticity=pn.plasticity.SynapticScaling(target_rate=5.0, tau_scaling=500.0, interval=5.0, w_max=10.0),
    )
    ei = net.connect(exc, inh, pn.conn.FixedProbability(0.3), weight=2.0, delay=1.0, max_delay=2.0)
    ie = net.connect(inh, exc, pn.conn.FixedProbability(0.3), weight=4.0, delay=1.0, receptor="inh", max_delay=2.0)
    net.add_structural(
        ee,
        pn.structural.Pruning(threshold=0.9, sustain=10.0, interval=10.0),
        pn.structural.Growth(rate=20.0, weight=1.0, delay=1.0, interval=10.0),
    )
    net.add_structural(ei, pn.structural.HomeostaticGrowth(target_rate=5.0, growth_rate=30.0, interval=10.0))
    net.add_structural(ie, pn.structural.Sprouting(rate=50.0, weight=4.0, interval=10.0))
    net.add_structural(
        inh,
        pn.structural.Neurogenesis(
            rate=40.0,
            connect=[("exc->inh", "in", pn.conn.FixedInDegree(3), 2.0, 1.0)],
            maturation=(2.0, 30.0),
            position_box=[[0.0, 0.0], [21.0, 1.0]],
            max_neurons=6,
            interval=25.0,
        ),
    )
    net.record_spikes(src)
    net.record_spikes(exc, indices=[0, 3, 7])
    net.record_state(exc, "v", indices=[0, 23], every=0.5)
    net.record_weights(net.projections[0], every=10.0)
    net.record_rate(inh, bin=5.0)
    net.record_structure(ee, every=20.0)
    return net


def prepare(net: pn.Network) -> None:
    """Run to SAVE_AT with the changes between runs that the file must hold."""
    exc, inh = net.populations[2], net.populations[3]
    rew = net.projections[1]
    net.run(20.0)
    net.lesion(neurons=(exc, [5]), synapses=(net.projections[2], [0, 1]), remove_synapses=False)
    rew.reward(0.5)
    rew.reward(0.8, at=70.0)
    exc.add_neurons(
        2,
        positions=[[24.0, 0.0], [25.0, 0.0]],
        connect=[(net.projections[2], "in", pn.conn.FixedInDegree(3), 1.0, 1.5)],
        maturation=(1.5, 20.0),
    )
    net.run(SAVE_AT - 20.0)
    net.lesion(neurons=(inh, [1]), at=85.0)  # pending
    net.lesion(synapses=(net.projections[2], [2, 3]), at=70.0)  # pending, by indices


def fingerprint(net: pn.Network) -> dict[str, object]:
    src_exc, gen_exc, ee, ei, ie = net.projections
    sm_src, sm_exc, vm, wm, rm, st = net.monitors
    return {
        "step": net.step,
        "sizes": [p.size for p in net.populations],
        "n_syn": [p.size for p in net.projections],
        "n_src_spikes": sm_src.count,
        "n_exc_spikes": sm_exc.count,
        "exc_spike_idx_sum": int(sm_exc.indices.sum()),
        "v_sum": float(vm.values.astype(np.float64).sum()),
        "w_src_exc_sum": float(src_exc.weights.astype(np.float64).sum()),
        "w_gen_exc_sum": float(gen_exc.weights.astype(np.float64).sum()),
        "w_ee_sum": float(ee.weights.astype(np.float64).sum()),
        "c_sum": float(gen_exc.rule_state(0)["c"].astype(np.float64).sum()),
        "theta_sum": float(net.populations[2].get("theta").astype(np.float64).sum()),
        "rate_counts": rm.counts.tolist(),
        "n_snapshots": len(st),
        "log_len": len(net.structural_log),
        "lesions": len(net.lesions),
    }


def main() -> None:
    out = Path(__file__).with_name("checkpoint_v2.h5")
    if out.exists() and "--force" not in sys.argv:
        sys.exit(f"{out} exists; it is a fixture of format version 2 and must not be regenerated (use --force)")
    net = build()
    prepare(net)
    net.save(out)
    at_save = fingerprint(net)
    net.run(CONTINUE)
    after = fingerprint(net)
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    print(f"KNOWN_V2_AT_SAVE = {at_save!r}")
    print(f"KNOWN_V2_AFTER = {after!r}")


if __name__ == "__main__":
    main()
