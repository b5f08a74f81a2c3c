"""Checkpoints of the plastic background network (zenke25k): its rate trace starts at an initial value, held at
the first step, where some neurons also spike (v starts ~ N(-60, 10) mV, above the -50 mV threshold for ~16 %);
the restored network continues bit for bit, at the saved thread count and another."""

from __future__ import annotations

import pytest
from test_checkpoint import _split_vs_straight

from pyneuro.workloads import zenke25k


def _build(threads: int):
    def build():
        wl = zenke25k(threads=threads, scale=0.05, fixed_indegree=True, tau_rate=1000.0, prime=0.0, record="spikes")
        return wl.net, wl

    return build


@pytest.mark.parametrize("threads,threads_load", [(1, None), (2, 1)], ids=["1-thread", "2-to-1-threads"])
def test_zenke25k_save_load_continue(tmp_path, threads, threads_load):
    net, straight = _split_vs_straight(_build(threads), tmp_path, t_save=20.0, t_more=20.0, threads_load=threads_load)
    ee = next(p for p in net.projections if p.name == "ee")
    assert straight["mon/0/spikes/steps"].size > 100  # the network is active
    assert (straight["mon/0/spikes/steps"] == 0).sum() > 0  # spikes in the step that holds the initial value
    assert (ee.weights != ee.weights[0]).any()  # plasticity acted


def test_zenke25k_checkpoint_loads_in_a_fresh_process(tmp_path):
    """The file alone suffices: a new interpreter loads it and continues exactly as an uninterrupted run."""
    import subprocess
    import sys

    import numpy as np

    build = _build(1)
    net_a, _ = build()
    net_a.run(30.0)
    net_b, _ = build()
    net_b.run(15.0)
    net_b.save(tmp_path / "z.h5")
    code = (
        "import numpy as np, pyneuro as pn\n"
        f"net = pn.Network.load({str(tmp_path / 'z.h5')!r}, threads=2)\n"
        "net.run(15.0)\n"
        "ee = next(p for p in net.projections if p.name == 'ee')\n"
        "m = net.monitors[0]\n"
        f"np.savez({str(tmp_path / 'out.npz')!r}, steps=m.steps, idx=m.indices, w=ee.weights)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, timeout=300)
    out = np.load(tmp_path / "out.npz")
    ee = next(p for p in net_a.projections if p.name == "ee")
    assert np.array_equal(out["steps"], net_a.monitors[0].steps)
    assert np.array_equal(out["idx"], net_a.monitors[0].indices)
    assert np.array_equal(out["w"], ee.weights)


MODELS = ["LIF", "LIFCond", "LIFCondAmpaNmda", "LIFDelta", "LIFAlpha", "LIFCondAlpha", "Izhikevich", "AdEx"]
WEIGHT = {"LIFDelta": 5.0, "Izhikevich": 10.0, "LIFCond": 30.0, "LIFCondAlpha": 30.0, "LIFCondAmpaNmda": 30.0}


@pytest.mark.parametrize("nearest", [False, True], ids=["all-to-all", "nearest"])
@pytest.mark.parametrize("model", MODELS)
def test_every_model_with_triplet_rule_continues(tmp_path, model, nearest):
    """Each built-in neuron model with a triplet rule (both trace kinds) on feed-forward and recurrent projections,
    saved at a fraction of a step's worth into the run and mid-run, loaded at another thread count."""
    import pyneuro as pn
    from pyneuro import connectivity as C
    from pyneuro import models as M
    from pyneuro import plasticity as P

    def build():
        net = pn.Network(threads=1, seed=3)
        src = net.add_population(M.PoissonSource(rate=80.0), 40, name="src")
        pop = net.add_population(getattr(M, model)(), 20, name="pop")
        rule = P.TripletSTDP.visual_cortex_nearest_full if nearest else P.TripletSTDP.visual_cortex_full
        w = WEIGHT.get(model, 400.0)
        net.connect(src, pop, C.FixedProbability(0.5), weight=w, delay=1.0, plasticity=rule(), name="ff")
        net.connect(pop, pop, C.FixedProbability(0.3), weight=1.0, delay=0.5, plasticity=rule(), name="rec")
        net.record_spikes(pop)
        return net, None

    for t_save in (0.1, 7.3):
        _, straight = _split_vs_straight(build, tmp_path, t_save=t_save, t_more=30.0 - t_save, threads_load=2)
        assert straight["mon/0/spikes/steps"].size > 10  # the neurons fire, so the traces hold spikes


def _tie_case(tmp_path, which: str):
    import shutil

    import h5py
    import numpy as np

    import pyneuro as pn

    if which == "tie-at-now":
        net, _ = _build(1)()
    else:  # a network without initial values whose neurons fire often
        net = pn.Network(threads=1, seed=3)
        src = net.add_population(pn.models.PoissonSource(rate=80.0), 40, name="src")
        pop = net.add_population(pn.models.LIFDelta(), 20, name="pop")
        rule = pn.plasticity.TripletSTDP.visual_cortex_full()
        net.connect(src, pop, pn.connectivity.FixedProbability(0.5), weight=5.0, delay=1.0, plasticity=rule)
    net.run(15.0)
    good = tmp_path / "good.h5"
    net.save(good)
    bad = tmp_path / f"{which}.h5"
    shutil.copy(good, bad)
    with h5py.File(bad, "r+") as f:
        pop = f["state/pop/0" if which == "tie-at-now" else "state/pop/1"]
        for k in sorted(key for key in pop if key.startswith("trace") and isinstance(pop[key], h5py.Group)):
            meta = pop[k]["meta"][()]
            cap = int(pop[k]["cap"][0])
            steps = pop[k]["steps"][()].reshape(-1, cap)
            tied = [i for i in range(meta.size) if meta[i] >> 16 >= 2 and steps[i, 0] == steps[i, 1]]
            two = [i for i in range(meta.size) if meta[i] >> 16 >= 2]
            if which == "tie-at-now" and tied:
                i = tied[0]
                steps[i, meta[i] & 0xFFFF] = net.step  # the newest entry at the current step: not yet integrated
                break
            if which == "tie-without-initial" and not tied and two:
                i = two[0]
                h = int(meta[i] & 0xFFFF)
                steps[i, (h - 1) % cap] = steps[i, h]  # two spikes of one neuron in one step, in a spike trace
                break
        else:
            raise AssertionError("no trace to corrupt")
        data = steps.reshape(-1).astype(np.int64)
        del pop[k]["steps"]
        pop[k].create_dataset("steps", data=data)
    pn.Network.load(good)  # the intact copy loads
    with pytest.raises(ValueError, match=f"{k}/steps': the held spikes of neuron {i} must lie before step"):
        pn.Network.load(bad)


@pytest.mark.parametrize("which", ["tie-at-now", "tie-without-initial"])
def test_trace_step_order_still_checked(tmp_path, which):
    """The validator accepts an initial value and a spike at the same step, nothing looser."""
    _tie_case(tmp_path, which)
