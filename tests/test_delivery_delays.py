"""Delivery through projections with many distinct delays, against a plain numpy reference.

A spike emitted in step s reaches a synapse of delay d (steps) in step s + d: its weight is added to the target's
synaptic current before the target is integrated over that step, so with exponential currents (``LIF``, decay
factor P = exp(-dt / tau_syn) per step) the current recorded at step k (sampled after that step's arrivals) is the
sum over arrivals a <= k of w P^(k - a).
A synapse added between runs at step T receives the arrivals of steps >= T (spikes already in flight included);
a removed one receives nothing from its removal on. The reference computes these sums in float64 from the spike
times and the synapse list alone; the simulator's traces (float32) must match them, and must be the same bit for
bit at any thread count, when the run is split into pieces, and across a checkpoint with spikes in flight.
"""

import numpy as np
import pytest

import pyneuro as pn

DT = 0.1
TAU = 50.0  # ms: a missed or misplaced arrival stays visible for the whole run
N_PRE, N_POST = 40, 13
T_RUN = 12.0  # ms


def _spikes(rng):
    """Presynaptic spike steps: every neuron fires a few times in the first 6 ms, some in the same step."""
    steps, idx = [], []
    for j in range(N_PRE):
        k = rng.integers(1, 5)
        s = np.sort(rng.choice(np.arange(1, 60), size=k, replace=False))
        steps.extend(s.tolist())
        idx.extend([j] * k)
    return np.array(steps), np.array(idx)


def _synapses(rng, n, dmin, dmax):
    pre = rng.integers(0, N_PRE, n)
    post = rng.integers(0, N_POST, n)
    d = rng.integers(dmin, dmax + 1, n)
    pre[:6] = 3  # one row with multapses 3 -> 5 of equal and different delays
    post[:6] = 5
    d[:6] = [dmin, dmin, 7, 7, dmax, 20]
    w = rng.uniform(1.0, 2.0, n)
    return pre, post, d, w


def _build(threads, seed=3, plastic=False):
    """The network; ``plastic`` attaches a pair-STDP rule with zero amplitudes (weights never change), which makes the
    projections deliver at the arrival time instead of at the emission time (the path static projections take)."""
    rng = np.random.default_rng(seed)
    steps, idx = _spikes(rng)
    net = pn.Network(dt=DT, seed=1, threads=threads)
    gen = net.add_population(pn.models.SpikeGenerator(times=steps * DT, indices=idx), N_PRE)
    post = net.add_population(pn.models.LIF(tau_syn_ex=TAU, tau_syn_in=TAU, V_th=1e6), N_POST)
    syn = {"exc": _synapses(rng, 700, 1, 45), "inh": _synapses(rng, 300, 3, 17)}
    projs = {}
    for rec, (p, q, d, w) in syn.items():
        rule = pn.plasticity.STDP(a_pre=0.0, a_post=0.0, w_max=10.0) if plastic else None
        projs[rec] = net.connect(
            gen, post, pn.conn.FromArrays(p, q), weight=w, delay=d * DT, receptor=rec, max_delay=6.0, plasticity=rule
        )
    mons = {rec: net.record_state(post, "I_ex" if rec == "exc" else "I_in") for rec in syn}
    return net, projs, mons, (steps, idx), syn


def _reference(spikes, synapses, n_steps, sign):
    """Current per recorded step: synapses are (pre, post, delay, w, first_step, last_step) with the arrival steps
    they accept in [first_step, last_step)."""
    steps, idx = spikes
    arrive = np.zeros((n_steps + 1, N_POST))
    for pre, post, d, w, lo, hi in synapses:
        for s in steps[idx == pre]:
            a = s + d
            if lo <= a < hi and a < n_steps:
                arrive[a, post] += w
    p = np.exp(-DT / TAU)
    cur = np.zeros((n_steps, N_POST))
    acc = np.zeros(N_POST)
    for k in range(n_steps):
        acc = acc + arrive[k]
        cur[k] = acc  # the sample at step k is taken after the arrivals of step k, before the integration
        acc = acc * p
    return sign * cur


def _rows(syn, lo=0, hi=10**9):
    p, q, d, w = syn
    return [(int(a), int(b), int(c), float(x), lo, hi) for a, b, c, x in zip(p, q, d, w)]


@pytest.mark.parametrize("plastic", [False, True])
def test_many_delays_match_numpy_reference(plastic):
    net, projs, mons, spikes, syn = _build(threads=1, plastic=plastic)
    assert len(np.unique(projs["exc"].delay_steps)) == 45
    net.run(T_RUN)
    n = int(round(T_RUN / DT))
    for rec, sign in (("exc", 1.0), ("inh", -1.0)):
        got = mons[rec].values
        assert got.shape == (n, N_POST)
        ref = _reference(spikes, _rows(syn[rec]), n, sign)
        assert np.abs(ref).max() > 20.0
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("plastic", [False, True])
@pytest.mark.parametrize("threads", [2, 3])
def test_many_delays_bit_identical_across_threads_and_pieces(threads, plastic):
    net1, _, m1, _, _ = _build(threads=1, plastic=plastic)
    net1.run(T_RUN)
    netk, _, mk, _, _ = _build(threads=threads, plastic=plastic)
    for piece in (0.1, 0.3, 2.4, 0.1, 0.1, 4.0):  # pieces shorter and longer than the delays
        netk.run(piece)
    netk.run(T_RUN - 7.0)
    for rec in m1:
        np.testing.assert_array_equal(mk[rec].values, m1[rec].values)


@pytest.mark.parametrize("plastic", [False, True])
@pytest.mark.parametrize("threads_load", [1, 2])
def test_many_delays_checkpoint_with_spikes_in_flight(tmp_path, threads_load, plastic):
    net1, _, m1, _, _ = _build(threads=2, plastic=plastic)
    net1.run(T_RUN)
    net2, _, m2, _, _ = _build(threads=2, plastic=plastic)
    net2.run(3.7)  # spikes emitted up to here arrive up to 4.5 ms later
    net2.save(tmp_path / "a.h5")
    net3 = pn.Network.load(tmp_path / "a.h5", threads=threads_load)
    net3.run(T_RUN - 3.7)
    mons = [m for m in net3.monitors if m.kind == "state"]
    assert len(mons) == 2
    for got, want in zip(mons, m1.values()):
        np.testing.assert_array_equal(got.values, want.values)


@pytest.mark.parametrize("plastic", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
def test_weights_set_while_spikes_are_in_flight(threads, plastic):
    """Weights set between runs act on every arrival from then on, spikes already in flight included."""
    net, projs, mons, spikes, syn = _build(threads=threads, plastic=plastic)
    t1 = 3.3
    s1 = int(round(t1 / DT))
    net.run(t1)
    p = projs["exc"]
    order = np.lexsort((np.arange(len(syn["exc"][0])), syn["exc"][1], syn["exc"][2], syn["exc"][0]))
    new_w = np.random.default_rng(5).uniform(3.0, 4.0, p.size)
    p.weights = new_w
    net.run(T_RUN - t1)
    n = int(round(T_RUN / DT))
    w_creation = np.empty(p.size)
    w_creation[order] = new_w
    old = _rows(syn["exc"], hi=s1)
    new = _rows(syn["exc"][:3] + (w_creation,), lo=s1)
    ref = _reference(spikes, old + new, n, 1.0)
    np.testing.assert_allclose(mons["exc"].values, ref, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("plastic", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
def test_synapses_added_and_removed_while_spikes_are_in_flight(threads, plastic):
    """Adding synapses (with delays shorter and longer than all present) and removing some between runs: spikes in
    flight reach the new synapses if they arrive after their creation, and never the removed ones."""
    net, projs, mons, spikes, syn = _build(threads=threads, plastic=plastic)
    rng = np.random.default_rng(11)
    t1, t2 = 2.5, 5.1
    s1, s2 = int(round(t1 / DT)), int(round(t2 / DT))
    net.run(t1)
    p = projs["exc"]
    # the canonical order is (pre, delay, post), ties in creation order: map it back to creation indices
    order = np.lexsort((np.arange(len(syn["exc"][0])), syn["exc"][1], syn["exc"][2], syn["exc"][0]))
    np.testing.assert_array_equal(p.pre, syn["exc"][0][order])
    np.testing.assert_array_equal(p.delay_steps, syn["exc"][2][order])
    gone = rng.choice(p.size, 150, replace=False)
    p.remove_synapses(gone)
    removed = set(order[gone].tolist())
    ap = rng.integers(0, N_PRE, 60)
    aq = rng.integers(0, N_POST, 60)
    ad = np.concatenate([[1, 1, 60, 52], rng.integers(1, 61, 56)])
    aw = rng.uniform(1.0, 2.0, 60)
    assert p.add_synapses(ap, aq, weight=aw, delay=ad * DT) == 60
    net.run(t2 - t1)
    bp, bq, bd, bw = (
        rng.integers(0, N_PRE, 30),
        rng.integers(0, N_POST, 30),
        rng.integers(2, 30, 30),
        rng.uniform(1, 2, 30),
    )
    p.add_synapses(bp, bq, weight=bw, delay=bd * DT)
    net.run(T_RUN - t2)
    n = int(round(T_RUN / DT))
    rows = []
    for i, r in enumerate(_rows(syn["exc"])):
        rows.append(r[:5] + (s1 if i in removed else 10**9,))
    rows += _rows((ap, aq, ad, aw), lo=s1)
    rows += _rows((bp, bq, bd, bw), lo=s2)
    ref = _reference(spikes, rows, n, 1.0)
    np.testing.assert_allclose(mons["exc"].values, ref, rtol=1e-5, atol=1e-4)
    # and the same bit for bit with another thread count
    if threads == 1:
        return
    net1, projs1, mons1, _, _ = _build(threads=1, plastic=plastic)
    net1.run(t1)
    projs1["exc"].remove_synapses(gone)
    projs1["exc"].add_synapses(ap, aq, weight=aw, delay=ad * DT)
    net1.run(t2 - t1)
    projs1["exc"].add_synapses(bp, bq, weight=bw, delay=bd * DT)
    net1.run(T_RUN - t2)
    np.testing.assert_array_equal(mons1["exc"].values, mons["exc"].values)
