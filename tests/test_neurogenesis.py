"""Neurogenesis between runs: pop.add_neurons(n, positions, state, connect, maturation) and proj.connect_new.

What must hold (DESIGN.md, "Structural change while running"; csrc/structural/neurogenesis.cpp):
- new neurons get ids old..old+n-1 and the model's initial state; they integrate input, spike and learn exactly as
  an original neuron in the same situation would;
- adding unconnected neurons leaves every existing neuron's spike train unchanged (Poisson sources included);
- results are identical for every thread count (the new neurons join the last thread's range);
- a checkpoint after neurogenesis restores the grown network (rebalanced) and continues bit for bit;
- young neurons (maturation=(boost, tau)) scale the post-spike half of pair STDP by 1 + boost exp(-age/tau),
  exactly 1 from age >= 30 tau on;
- bad input raises before anything changes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import pyneuro as pn

DT = 0.1


def _check(net, proj):
    assert proj.compiled.check() == ""


# ----------------------------------------------------------------------------------------------------------------
# a new neuron integrates, spikes and learns like an original one
# ----------------------------------------------------------------------------------------------------------------

T_BIRTH = 20.0
BOOST, TAU_MAT = 2.0, 10.0
A_PRE, TAU_PRE = 0.01, 20.0


def _pair_net(threads=1, rule=None):
    """pre (SpikeGenerator, 2 neurons) -> post (LIF, 4) with STDP; driver (2) -> post with a strong static synapse
    that makes the target fire in the step of arrival. At T_BIRTH neurons 4 and 5 are added with a maturation;
    neuron 4 gets the synapses of neuron 0 (pair 1, young) and neuron 5 those of neuron 1 (pair 2, matured)."""
    net = pn.Network(dt=DT, seed=5, threads=threads)
    t1, t2 = 40.0, T_BIRTH + 30 * TAU_MAT + 20.0
    pre = net.add_population(pn.models.SpikeGenerator(times=[t1, t2], indices=[0, 1]), 2, name="pre")
    drv = net.add_population(pn.models.SpikeGenerator(times=[t1 + 5.0, t2 + 5.0], indices=[0, 1]), 2, name="drv")
    post = net.add_population(pn.models.LIF(t_ref=50.0), 4, name="post")
    stdp = rule or pn.plasticity.STDP(tau_pre=TAU_PRE, tau_post=20.0, a_pre=A_PRE, a_post=-0.0, w_min=0.0, w_max=10.0)
    plastic = net.connect(pre, post, pn.conn.FromArrays([0, 1], [0, 1]), weight=1.0, delay=1.0, plasticity=stdp)
    drive = net.connect(drv, post, pn.conn.FromArrays([0, 1], [0, 1]), weight=1e5, delay=1.0)
    net.run(T_BIRTH)
    ids = post.add_neurons(2, maturation=(BOOST, TAU_MAT))
    assert np.array_equal(ids, [4, 5])
    plastic.add_synapses([0, 1], [4, 5], weight=1.0, delay=1.0)
    drive.add_synapses([0, 1], [4, 5], weight=1e5, delay=1.0)
    vm = net.record_state(post, "v", indices=[0, 4])
    sm = net.record_spikes(post)
    net.run(t2 + 20.0 - T_BIRTH)
    return net, post, plastic, vm, sm


def test_new_neuron_integrates_spikes_and_learns_with_maturation_gain():
    net, post, plastic, vm, sm = _pair_net()
    # same input, same trajectory: the new neuron starts at V_init = E_L like a resting original one
    assert np.array_equal(vm.values[:, 0], vm.values[:, 1])
    assert vm.values[:, 1].max() > -70.0 and np.ptp(vm.values[:, 1]) > 0  # it responded to its input
    # both spike once per pair, at the driver's arrival
    times = {i: sm.times[sm.indices == i] for i in range(6)}
    assert np.array_equal(times[0], times[4]) and times[0].size == 1
    assert np.array_equal(times[1], times[5]) and times[1].size == 1
    assert times[2].size == 0 and times[3].size == 0
    # STDP, pair 1: arrival at 41 ms, post spike at t_post: dw = a_pre exp(-(t_post - t_a) / tau_pre) x gain
    t_post = times[0][0]
    dw = A_PRE * math.exp(-(t_post - 41.0) / TAU_PRE)
    gain = 1.0 + BOOST * math.exp(-(t_post - T_BIRTH) / TAU_MAT)
    w = dict(zip(zip(plastic.pre.tolist(), plastic.post.tolist()), plastic.weights.tolist()))
    assert w[(0, 0)] == pytest.approx(1.0 + dw, abs=2e-7)
    assert w[(0, 4)] == pytest.approx(1.0 + dw * gain, abs=2e-7)
    assert gain > 1.1 and w[(0, 4)] > w[(0, 0)] + 0.1 * (w[(0, 0)] - 1.0)
    # pair 2, after 30 tau_mature: the matured neuron learns exactly as an original one
    assert w[(1, 5)] == w[(1, 1)] and w[(1, 1)] > 1.0
    g = post.plasticity_gain
    assert np.array_equal(g, np.ones(6))


def test_triplet_rule_scaled_by_the_maturation_gain():
    """The triplet rule's post-spike half is scaled by the young neuron's gain as pair STDP's is: with a2_plus only
    (a3 = a2_minus = 0) one pair gives a2_plus exp(-(t_post - t_a) / tau_plus), times the gain for neuron 4."""
    rule = pn.plasticity.TripletSTDP(
        tau_plus=TAU_PRE,
        tau_minus=20.0,
        tau_x=50.0,
        tau_y=50.0,
        a2_plus=A_PRE,
        a3_plus=0.0,
        a2_minus=0.0,
        a3_minus=0.0,
        w_min=0.0,
        w_max=10.0,
    )
    net, post, plastic, vm, sm = _pair_net(rule=rule)
    t_post = sm.times[sm.indices == 0][0]
    dw = A_PRE * math.exp(-(t_post - 41.0) / TAU_PRE)
    gain = 1.0 + BOOST * math.exp(-(t_post - T_BIRTH) / TAU_MAT)
    w = dict(zip(zip(plastic.pre.tolist(), plastic.post.tolist()), plastic.weights.tolist()))
    assert w[(0, 0)] == pytest.approx(1.0 + dw, abs=2e-7)
    assert w[(0, 4)] == pytest.approx(1.0 + dw * gain, abs=2e-7)
    assert gain > 1.1
    assert w[(1, 5)] == w[(1, 1)] and w[(1, 1)] > 1.0


def test_plasticity_gain_reads_the_closed_form():
    net = pn.Network(dt=DT, seed=1)
    pop = net.add_population(pn.models.LIF(), 3)
    net.run(5.0)
    pop.add_neurons(2, maturation=(1.5, 20.0))
    pop.add_neurons(1)
    net.run(10.0)
    g = pop.plasticity_gain
    assert np.array_equal(g[[0, 1, 2, 5]], np.ones(4))
    assert g[3] == g[4] == pytest.approx(1.0 + 1.5 * math.exp(-10.0 / 20.0), rel=1e-12)


# ----------------------------------------------------------------------------------------------------------------
# existing neurons are unaffected by unconnected new ones
# ----------------------------------------------------------------------------------------------------------------


def _driven_net(threads):
    net = pn.Network(dt=DT, seed=11, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=40.0), 60, name="src")
    exc = net.add_population(pn.models.LIF(), 40, name="exc")
    net.connect(src, exc, pn.conn.FixedProbability(0.3), weight=300.0, delay=1.0)
    net.connect(exc, exc, pn.conn.FixedProbability(0.1), weight=50.0, delay=2.0)
    return net, src, exc, net.record_spikes(exc), net.record_spikes(src)


@pytest.mark.parametrize("threads", [1, 3])
def test_unconnected_new_neurons_leave_existing_spike_trains_unchanged(threads):
    ctrl, *_, c_exc, c_src = _driven_net(threads)
    ctrl.run(100.0)
    net, src, exc, s_exc, s_src = _driven_net(threads)
    net.run(50.0)
    exc.add_neurons(10)
    src.add_neurons(5)  # new sources, unconnected: the old ones keep their next spikes
    net.run(50.0)
    for a, b in ((c_exc, s_exc), (c_src, s_src)):
        old = b.indices < 40 if b is s_exc else b.indices < 60
        assert np.array_equal(a.steps, b.steps[old]) and np.array_equal(a.indices, b.indices[old])
    assert a.count > 50
    assert not np.any(s_exc.indices >= 40)  # unconnected LIF neurons rest
    assert np.any(s_src.indices >= 60)  # new Poisson sources fire at the model's rate
    assert exc.size == 50 and src.size == 65


# ----------------------------------------------------------------------------------------------------------------
# thread independence and checkpoints
# ----------------------------------------------------------------------------------------------------------------


def _grow_net(threads):
    net = pn.Network(dt=DT, seed=7, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=30.0), 50, name="src")
    exc = net.add_population(pn.models.LIF(), 30, name="exc")
    stdp = pn.plasticity.STDP(a_pre=0.5, a_post=-0.5, w_max=600.0)
    ff = net.connect(src, exc, pn.conn.FixedProbability(0.3), weight=250.0, delay=1.0, plasticity=stdp, max_delay=3.0)
    rec = net.connect(exc, exc, pn.conn.FixedProbability(0.1), weight=40.0, delay=2.0, max_delay=3.0)
    sm = net.record_spikes(exc)
    net.run(30.0)
    return net, src, exc, ff, rec, sm


def _grow(net, src, exc, ff, rec, stage):
    if stage == 0:
        exc.add_neurons(
            7,
            connect=[
                (ff, "in", pn.conn.FixedInDegree(15), 250.0, 1.0),
                {
                    "projection": rec,
                    "direction": "out",
                    "rule": pn.conn.FixedProbability(0.2),
                    "weight": 40.0,
                    "delay": pn.conn.Uniform(1.0, 3.0),
                },
                (rec, "in", pn.conn.FixedProbability(0.2, allow_self=False), 40.0, 2.0),
            ],
            maturation=(3.0, 15.0),
        )
        new = src.add_neurons(5, state={"rate": 80.0})
        ff.connect_new(pre_ids=new, rule=pn.conn.FixedOutDegree(4), weight=pn.conn.Normal(250.0, 30.0, 0.0))
    else:
        exc.add_neurons(20, connect=[(ff, "in", pn.conn.FixedProbability(0.3), 250.0, 1.0)])


def _result(net, sm):
    ws = [(p.pre, p.post, p.delay_steps, p.weights) for p in net.projections]
    return sm.steps.copy(), sm.indices.copy(), ws


def _assert_same(a, b):
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    for x, y in zip(a[2], b[2]):
        for u, v in zip(x, y):
            assert np.array_equal(u, v)


@pytest.fixture(scope="module")
def grown_reference():
    net, src, exc, ff, rec, sm = _grow_net(1)
    _grow(net, src, exc, ff, rec, 0)
    net.run(40.0)
    _grow(net, src, exc, ff, rec, 1)
    net.run(40.0)
    return _result(net, sm)


@pytest.mark.parametrize("threads", [2, 3])
def test_neurogenesis_is_thread_independent(grown_reference, threads):
    net, src, exc, ff, rec, sm = _grow_net(threads)
    _grow(net, src, exc, ff, rec, 0)
    parts = net._engine.parts(exc.compiled)
    assert parts[-1, 1] == 37 and np.all(parts[1:, 0] == parts[:-1, 1])  # the last range took the new neurons
    net.run(40.0)
    _grow(net, src, exc, ff, rec, 1)
    for p in net.projections:
        _check(net, p)
    net.run(40.0)
    res = _result(net, sm)
    _assert_same(res, grown_reference)
    assert np.any(res[1] >= 30)  # new neurons fire


@pytest.mark.parametrize("load_threads", [None, 2])
def test_checkpoint_after_neurogenesis_continues_bit_for_bit(grown_reference, tmp_path, load_threads):
    net, src, exc, ff, rec, sm = _grow_net(3)
    _grow(net, src, exc, ff, rec, 0)
    net.run(40.0)
    _grow(net, src, exc, ff, rec, 1)
    path = tmp_path / "grown.h5"
    net.save(path)  # right after the growth: new synapses, spikes in flight
    net2 = pn.Network.load(path, threads=load_threads)
    src2, exc2 = net2.populations
    assert (src2.size, exc2.size) == (55, 57)
    assert np.array_equal(src2.get("rate"), src.get("rate"))
    assert np.array_equal(exc2.plasticity_gain, exc.plasticity_gain)
    parts = net2._engine.parts(exc2.compiled)
    assert parts[-1, 1] - parts[-1, 0] <= parts[0, 1] - parts[0, 0]  # balanced again
    net2.run(40.0)
    sm2 = net2.monitors[0]
    _assert_same(_result(net2, sm2), grown_reference)


# ----------------------------------------------------------------------------------------------------------------
# sources, positions, recorders, the wide post index
# ----------------------------------------------------------------------------------------------------------------


def test_grown_poisson_sources_get_their_rate():
    net = pn.Network(dt=DT, seed=2, threads=2)
    src = net.add_population(pn.models.PoissonSource(rate=5.0), 10)
    sm = net.record_spikes(src)
    net.run(10.0)
    a = src.add_neurons(10, state={"rate": 500.0})
    b = src.add_neurons(5)
    assert np.array_equal(src.get("rate"), np.r_[np.full(10, 5.0), np.full(10, 500.0), np.full(5, 5.0)])
    net.run(200.0)
    counts = np.bincount(sm.indices, minlength=25)
    assert counts[a].min() > 60 and counts[b].max() < 10
    # per-neuron rates: the new ones must be given; the model grows with them (checkpoints rebuild it)
    arr = net.add_population(pn.models.PoissonSource(rate=np.full(4, 20.0)), 4)
    with pytest.raises(ValueError, match="rate"):
        arr.add_neurons(2)
    arr.add_neurons(2, state={"rate": [1.0, 2.0]})
    assert np.array_equal(arr.get("rate"), [20, 20, 20, 20, 1, 2]) and len(arr.model.rate) == 6


def test_positions_state_and_recorders_follow_growth(tmp_path):
    net = pn.Network(dt=DT, seed=2, threads=2)
    pop = net.add_population(pn.models.LIFCond(), 20)
    pop.positions = np.arange(40.0).reshape(20, 2)
    sub = net.record_spikes(pop, indices=[0, 1])
    rm = net.record_rate(pop, bin=10.0)
    ids = pop.add_neurons(3, positions=[[1, 2], [3, 4], [5, 6]], state={"v": -50.0, "g_ex": [1.0, 2.0, 3.0]})
    assert np.array_equal(pop.positions[20:], [[1, 2], [3, 4], [5, 6]])
    assert np.array_equal(pop.get("v")[ids], np.full(3, -50.0, np.float32))
    assert np.array_equal(pop.get("g_ex")[ids], [1, 2, 3]) and np.all(pop.get("theta")[ids] == 0)
    assert np.all(pop.get("v")[:20] == pop.model.E_L)
    pop.set("I_e" if "I_e" in pop.state_vars else "v", -40.0)  # above threshold: everyone fires
    net.run(20.0)
    assert set(np.unique(sub.indices)) <= {0, 1}
    assert rm.counts.sum() > 0 and rm.rate.size == 2
    net.save(tmp_path / "p.h5")
    net2 = pn.Network.load(tmp_path / "p.h5")
    assert np.array_equal(net2.populations[0].positions, pop.positions)


def test_wider_post_index_rebuilds_the_projection():
    n = 65530
    net = pn.Network(dt=DT, seed=2, threads=2)
    gen = net.add_population(pn.models.SpikeGenerator(times=[1.0], indices=[0]), 2)
    pop = net.add_population(pn.models.LIF(), n)
    rule = pn.plasticity.STDP(w_max=2000.0)
    proj = net.connect(
        gen,
        pop,
        pn.conn.FromArrays([0, 1, 0], [3, n - 1, 40000]),
        weight=[500.0, 600.0, 700.0],
        delay=[1.0, 2.0, 3.0],
        plasticity=rule,
    )
    before = (proj.pre, proj.post, proj.delay_steps, proj.weights)
    ids = pop.add_neurons(10)
    assert ids[-1] == 65539
    for a, b in zip(before, (proj.pre, proj.post, proj.delay_steps, proj.weights)):
        assert np.array_equal(a, b)
    _check(net, proj)
    proj.add_synapses([0], [65539], weight=500.0, delay=1.0)
    _check(net, proj)
    vm = net.record_state(pop, "v", indices=[3, 65539])
    net.run(3.0)
    assert np.array_equal(vm.values[:, 0], vm.values[:, 1]) and vm.values[-1, 1] > pop.model.E_L


# ----------------------------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"n": 0}, ValueError, "n"),
        ({"n": -3}, ValueError, "n"),
        ({"n": 2.5}, (TypeError, ValueError), "n"),
        ({"n": 2, "positions": [[0.0, 1.0]]}, ValueError, "positions"),
        ({"n": 2, "positions": np.zeros((2, 3))}, ValueError, "positions"),
        ({"n": 2}, ValueError, "positions"),
        ({"n": 2, "positions": np.zeros((2, 2)), "state": {"nope": 1.0}}, ValueError, "nope"),
        ({"n": 2, "positions": np.zeros((2, 2)), "state": {"v": [1.0]}}, ValueError, "v"),
        ({"n": 2, "positions": np.zeros((2, 2)), "maturation": (-1.0, 5.0)}, ValueError, "boost"),
        ({"n": 2, "positions": np.zeros((2, 2)), "maturation": (1.0, 0.0)}, ValueError, "tau"),
        ({"n": 2, "positions": np.zeros((2, 2)), "connect": [("x", "in", None)]}, TypeError, "projection"),
    ],
)
def test_bad_input_raises_and_changes_nothing(kwargs, exc, match):
    net = pn.Network(dt=DT, seed=1, threads=2)
    src = net.add_population(pn.models.PoissonSource(rate=10.0), 5)
    pop = net.add_population(pn.models.LIF(), 8)
    pop.positions = np.zeros((8, 2))
    proj = net.connect(src, pop, pn.conn.AllToAll(), weight=1.0, plasticity=pn.plasticity.STDP())
    with pytest.raises(exc, match=match):
        pop.add_neurons(**kwargs)
    assert pop.size == 8 and pop.compiled.size == 8 and proj.size == 40
    assert pop.positions.shape == (8, 2)


def test_bad_connect_specs_change_nothing():
    net = pn.Network(dt=DT, seed=1)
    src = net.add_population(pn.models.PoissonSource(rate=10.0), 5)
    pop = net.add_population(pn.models.LIF(), 8)
    other = net.add_population(pn.models.LIF(), 3)
    proj = net.connect(src, pop, pn.conn.AllToAll(), weight=1.0)
    side = net.connect(src, other, pn.conn.AllToAll(), weight=1.0)
    bad = [
        [(proj, "sideways", pn.conn.AllToAll())],
        [(proj, "out", pn.conn.AllToAll())],  # pop is not the source of proj
        [(side, "in", pn.conn.AllToAll())],  # nor the target of side
        [(proj, "in", pn.conn.FixedInDegree(9, allow_multapses=False))],
        [(proj, "in", pn.conn.FromArrays([0], [0]))],
        [(proj, "in", pn.conn.AllToAll(), -1.0)],
        [(proj, "in", pn.conn.AllToAll(), 1.0, 50.0)],  # beyond max_delay
        [{"projection": proj, "rule": pn.conn.AllToAll()}],
    ]
    for spec in bad:
        with pytest.raises((TypeError, ValueError)):
            pop.add_neurons(2, connect=spec)
        assert pop.size == 8 and proj.size == 40
    with pytest.raises(ValueError, match="distinct"):
        proj.connect_new(post_ids=[1, 1])
