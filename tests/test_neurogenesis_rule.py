"""pn.structural.Neurogenesis: neurons added at a rate while the network runs (adult neurogenesis)."""

from __future__ import annotations

import numpy as np
import pytest

import pyneuro as pn
from pyneuro import structural as S

DT = 0.1


def _net(threads=1, seed=3, rate=20.0, interval=50.0, maturation=(2.0, 100.0)):
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=30.0), 100, name="src")
    dg = net.add_population(pn.models.LIFCond(tau_syn_ex=5.0), 50, name="dg")
    dg.positions = np.random.default_rng(1).uniform(0, 100, (50, 2))
    stdp = pn.plasticity.STDP(a_pre=0.05, a_post=-0.05, w_max=6.0)
    inp = net.connect(src, dg, pn.conn.FixedInDegree(40), weight=3.0, delay=1.0, plasticity=stdp, name="inp")
    rule = S.Neurogenesis(
        rate=rate,
        connect=[("inp", "in", pn.conn.FixedInDegree(40), 3.0, 1.0)],
        maturation=maturation,
        position_box=[[0, 0], [100, 100]],
        interval=interval,
    )
    net.add_structural(dg, rule)
    sm = net.record_spikes(dg)
    return net, dg, inp, sm


def test_batches_follow_the_seeded_poisson_draw_and_are_logged():
    net, dg, inp, sm = _net()
    net.run(500.0)
    log = net.structural_log
    added = log[log["kind"] == "neuron_added"]
    # epochs at 50, 100, ..., 500 ms (the one at 500 ms is applied at the end of the run)
    want = []
    for step in range(500, 5001, 500):
        rng = np.random.default_rng([net.seed, 0x6E6575, dg.compiled.id, 0, step // 500])
        want.append(int(rng.poisson(20.0 * 50.0 * 1e-3)))
    got = [int(np.sum(added["t"] == t)) for t in np.arange(50.0, 500.1, 50.0)]
    assert got == want
    assert dg.size == 50 + sum(want)
    assert np.array_equal(added["post"], np.arange(50, dg.size))
    # every new neuron got exactly 40 inputs from the source and a position in the box
    post = inp.post
    for i in range(50, dg.size):
        assert np.sum(post == i) == 40
    pos = dg.positions
    assert pos.shape == (dg.size, 2) and np.all((pos[50:] >= 0) & (pos[50:] <= 100))


def test_new_neurons_fire_and_their_synapses_learn():
    net, dg, inp, sm = _net(rate=40.0)
    w0 = 3.0
    net.run(1000.0)
    new = np.arange(50, dg.size)
    assert new.size > 20
    fired = np.unique(sm.indices[np.isin(sm.indices, new)])
    assert fired.size > new.size // 2  # most new neurons spike
    w = inp.weights[np.isin(inp.post, new)]
    assert np.mean(np.abs(w - w0) > 1e-6) > 0.5  # and their synapses changed under STDP
    gain = dg.plasticity_gain
    assert np.all(gain[:50] == 1.0) and np.all(gain[new] > 1.0)


@pytest.mark.parametrize("threads", [2, 3])
def test_thread_and_chunk_independence(threads):
    a, dga, inpa, sma = _net(threads=1)
    a.run(400.0)
    b, dgb, inpb, smb = _net(threads=threads)
    for _ in range(6):
        b.run(50.0 + 0.1 * threads)  # chunks that do not line up with the epochs
    b.run(400.0 - 6 * (50.0 + 0.1 * threads))
    assert dga.size == dgb.size
    assert np.array_equal(inpa.pre, inpb.pre) and np.array_equal(inpa.post, inpb.post)
    assert np.array_equal(inpa.weights, inpb.weights)
    assert np.array_equal(sma.indices, smb.indices) and np.array_equal(sma.times, smb.times)


def test_checkpoint_continues_bit_for_bit(tmp_path):
    a, dga, inpa, sma = _net(threads=2)
    a.run(230.0)
    a.save(tmp_path / "n.h5")
    a.run(300.0)
    b = pn.Network.load(tmp_path / "n.h5", threads=1)
    b.run(300.0)
    assert b.populations[1].size == dga.size
    assert np.array_equal(b.projections[0].weights, inpa.weights)
    assert np.array_equal(b.projections[0].post, inpa.post)
    assert np.array_equal(b.monitors[0].indices, sma.indices)
    assert np.array_equal(b.structural_log, a.structural_log)


def test_max_neurons_caps_the_total():
    net, dg, inp, sm = _net(rate=200.0)
    net.populations[1].structural[0].max_neurons = 7
    net.run(300.0)
    assert dg.size == 57


def test_bad_neurogenesis():
    with pytest.raises(ValueError, match="Neurogenesis.rate"):
        S.Neurogenesis(rate=-1.0)
    with pytest.raises(ValueError, match="direction"):
        S.Neurogenesis(connect=[("inp", "sideways", pn.conn.AllToAll(), 1.0, 1.0)])
    net, dg, inp, sm = _net()
    with pytest.raises(ValueError, match="connect names projection"):
        net.add_structural(dg, S.Neurogenesis(connect=[("nope", "in", pn.conn.AllToAll(), 1.0, 1.0)]))
    with pytest.raises(ValueError, match="position_box"):
        net.add_structural(dg, S.Neurogenesis())
    with pytest.raises(TypeError, match="Neurogenesis"):
        net.add_structural(inp, S.Neurogenesis())
    assert len(dg.structural) == 1
