"""The dynamic synapse store (structural plasticity): Projection.add_synapses / remove_synapses / compact.

Conventions under test (pyneuro/projection.py, csrc/synapses/shard.hpp, csrc/synapses/projection.cpp):
- canonical order of proj.pre/post/delays/weights (and rule_state columns): sorted by (pre, delay, post), ties in
  creation order (a synapse added later comes after existing equal ones; within one add_synapses call, in call order);
- a removed synapse never transmits again, spikes in flight to it included; a new synapse transmits every spike that
  arrives at it from the next step on (delays are axonal: what counts is the structure when a spike arrives);
- a new synapse starts with fresh per-synapse rule state (RewardSTDP eligibility c = 0);
- proj.compiled.check() == "" when the forward store, post-major index, reverse index, delay list and counts
  agree; garbage is compacted automatically (garbage > live + 1024) and by proj.compact().
"""

from __future__ import annotations

import bisect
import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyneuro as pn

DT = 0.1
DELAYS_MS = (0.1, 0.2, 0.5, 1.0, 2.3, 3.0)  # several distinct delays (whole steps)
N_PRE, N_POST = 6, 40  # 40 posts: several shards at threads 2 and 3
KINDS = ("static", "stdp", "reward")


def _steps(ms: float) -> int:
    return int(round(ms / DT))


def _rule(kind: str):
    if kind == "static":
        return None
    if kind == "stdp":
        return pn.plasticity.STDP(tau_pre=15.0, tau_post=20.0, a_pre=0.05, a_post=-0.055, w_min=0.0, w_max=6.0)
    return pn.plasticity.RewardSTDP(a_pre=0.5, a_post=-0.6, tau_c=200.0, tonic=0.5, w_min=0.0, w_max=6.0)


def _check(net: pn.Network, proj: pn.Projection) -> None:
    msg = proj.compiled.check()
    assert msg == "", f"proj_check: {msg}"


# ----------------------------------------------------------------------------------------------------------------
# a plain Python reference of the synapse list, in canonical order
# ----------------------------------------------------------------------------------------------------------------


class Reference:
    """Synapses as [key, weight, c] with key = (pre, delay_steps, post, creation number): sorting by key is the
    canonical order (ties of (pre, delay, post) in creation order)."""

    def __init__(self) -> None:
        self.keys: list[tuple[int, int, int, int]] = []
        self.w: list[np.float32] = []
        self.c: list[float] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, pre, post, delay_steps, w) -> None:
        for p, q, d, x in zip(pre, post, delay_steps, w):
            key = (int(p), int(d), int(q), next(self._seq))
            at = bisect.bisect_right(self.keys, key)
            self.keys.insert(at, key)
            self.w.insert(at, np.float32(x))
            self.c.insert(at, 0.0)

    def remove(self, idx) -> None:
        for k in sorted(set(int(i) for i in idx), reverse=True):
            del self.keys[k], self.w[k], self.c[k]

    def arrays(self):
        k = np.array(self.keys, dtype=np.int64).reshape(-1, 4)
        return k[:, 0], k[:, 2], k[:, 1], np.array(self.w, dtype=np.float32)

    def resync(self, proj: pn.Projection, with_c: bool) -> None:
        self.w = list(proj.weights)
        if with_c:
            self.c = [float(x) for x in proj.rule_state(0)["c"]]


def _compare(net, proj, ref: Reference, *, weights_exact: bool, with_c: bool = False) -> None:
    _check(net, proj)
    pre, post, d, w = ref.arrays()
    assert proj.size == len(ref) == len(proj)
    got_pre, got_post, got_d, got_w = proj.pre, proj.post, proj.delay_steps, proj.weights
    for a in (got_pre, got_post, got_d, got_w, proj.delays):
        assert len(a) == len(ref)
    assert np.array_equal(got_pre, pre), "pre differs from the reference"
    assert np.array_equal(got_post, post), "post differs from the reference"
    assert np.array_equal(got_d, d), "delay_steps differ from the reference"
    assert np.allclose(proj.delays, d * DT, rtol=0, atol=1e-12)
    if weights_exact:
        assert got_w.dtype == np.float32
        assert np.array_equal(got_w, w), "weights differ from the reference"
    if with_c:
        c = proj.rule_state(0)["c"]
        assert len(c) == len(ref)
        assert np.array_equal(np.asarray(c, dtype=np.float64), np.asarray(ref.c, dtype=np.float32).astype(np.float64))


# ----------------------------------------------------------------------------------------------------------------
# 1. random sequences of add / remove / compact / run against the reference
# ----------------------------------------------------------------------------------------------------------------

_pre = st.integers(0, N_PRE - 1)
_post = st.integers(0, N_POST - 1)
_delay = st.sampled_from(DELAYS_MS)
_weight = st.integers(0, 16).map(lambda k: k * 0.25)  # exact in float32, within [w_min, w_max]
_synapse = st.tuples(_pre, _post, _delay, _weight)

_op = st.one_of(
    st.tuples(st.just("add"), st.lists(_synapse, min_size=1, max_size=10)),
    # one row gets many synapses at once (grows past its reserved capacity), with multapses (few distinct posts)
    st.tuples(st.just("hot"), _pre, st.integers(5, 30), st.integers(0, 2**16)),
    st.tuples(st.just("remove_idx"), st.lists(st.floats(0.0, 1.0, exclude_max=True), max_size=8)),
    st.tuples(st.just("remove_mask"), st.integers(0, 2**16), st.sampled_from([0.0, 0.2, 0.6])),
    st.tuples(st.just("compact")),
    st.tuples(st.just("run"), st.sampled_from([0.1, 0.7, 2.0, 3.1])),
)


def _build_small(kind: str, threads: int, init: list, seed: int = 5):
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=120.0), N_PRE, name="src")
    tgt = net.add_population(pn.models.LIFCond(I_e=300.0), N_POST, name="tgt")  # fires regularly on its own
    pre = [s[0] for s in init]
    post = [s[1] for s in init]
    proj = net.connect(
        src,
        tgt,
        pn.conn.FromArrays(pre, post),
        weight=np.array([s[3] for s in init]),
        delay=np.array([s[2] for s in init]),
        plasticity=_rule(kind),
        max_delay=max(DELAYS_MS),
    )
    return net, proj


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    kind=st.sampled_from(KINDS),
    threads=st.sampled_from([1, 2, 3]),
    init=st.lists(_synapse, min_size=1, max_size=40),
    ops=st.lists(_op, min_size=1, max_size=18),
)
def test_random_structural_changes_match_reference(kind, threads, init, ops):
    net, proj = _build_small(kind, threads, init)
    ref = Reference()
    ref.add([s[0] for s in init], [s[1] for s in init], [_steps(s[2]) for s in init], [s[3] for s in init])
    with_c = kind == "reward"
    _compare(net, proj, ref, weights_exact=True, with_c=with_c)
    for op in ops:
        name = op[0]
        exact = True
        if name == "add":
            syn = op[1]
            pre, post = [s[0] for s in syn], [s[1] for s in syn]
            d, w = [s[2] for s in syn], [s[3] for s in syn]
            assert proj.add_synapses(pre, post, weight=w, delay=d) == len(syn)
            ref.add(pre, post, [_steps(x) for x in d], w)
        elif name == "hot":
            _, j, n, seed = op
            rng = np.random.default_rng(seed)
            post = rng.choice(rng.integers(0, N_POST, 3), n)  # multapses
            d = rng.choice(np.array(DELAYS_MS[:3]), n)
            w = rng.integers(0, 17, n) * 0.25
            scalar = n % 2 == 0  # scalar weight and delay broadcast
            if scalar:
                d, w = np.full(n, d[0]), np.full(n, w[0])
                assert proj.add_synapses(np.full(n, j), post, weight=float(w[0]), delay=float(d[0])) == n
            else:
                assert proj.add_synapses(np.full(n, j), post, weight=w, delay=d) == n
            ref.add(np.full(n, j), post, [_steps(x) for x in d], w)
        elif name == "remove_idx":
            idx = [int(f * len(ref)) for f in op[1]] if len(ref) else []
            assert proj.remove_synapses(np.array(idx, dtype=np.int64)) == len(set(idx))
            ref.remove(idx)
        elif name == "remove_mask":
            mask = np.random.default_rng(op[1]).random(len(ref)) < op[2]
            assert proj.remove_synapses(mask) == int(mask.sum())
            ref.remove(np.flatnonzero(mask))
        elif name == "compact":
            proj.compact()
        else:
            net.run(op[1])
            if kind != "static":
                _compare(net, proj, ref, weights_exact=False)
                ref.resync(proj, with_c)
            exact = kind == "static"
        _compare(net, proj, ref, weights_exact=exact, with_c=with_c)


# ----------------------------------------------------------------------------------------------------------------
# 2. transmission: removal of synapses with spikes in flight, new synapses and arrivals
# ----------------------------------------------------------------------------------------------------------------

TAU_EX = 2.0  # ms, LIFCond tau_syn_ex of the targets below


def _transmission_net(threads: int, pre_spike_ms: float, init_pre, init_post, init_delay, init_w, max_delay=None):
    """Generator neuron 0 spikes once at pre_spike_ms; neuron 1 never. Targets: 4 LIFCond neurons held far below
    threshold (their g_ex is the measured input)."""
    net = pn.Network(dt=DT, seed=1, threads=threads)
    gen = net.add_population(pn.models.SpikeGenerator(times=[pre_spike_ms], indices=[0]), 2, name="gen")
    tgt = net.add_population(pn.models.LIFCond(tau_syn_ex=TAU_EX, V_th=1e3, V_reset=-70.0), 4, name="tgt")
    proj = net.connect(
        gen,
        tgt,
        pn.conn.FromArrays(init_pre, init_post),
        weight=np.array(init_w),
        delay=np.array(init_delay),
        max_delay=max_delay,
    )
    mon = net.record_state(tgt, "g_ex")
    return net, proj, mon


def _g_closed_form(times, arrivals):
    """g_ex(t) from the closed form: each arrival (t_a, w) adds w at t_a, then decays with TAU_EX."""
    g = np.zeros(len(times))
    for ta, w in arrivals:
        after = times >= ta - 1e-9
        g[after] += w * np.exp(-(times[after] - ta) / TAU_EX)
    return g


@pytest.mark.parametrize("threads", [1, 3])
def test_removed_synapse_drops_spike_in_flight(threads):
    # neuron 0 spikes at 1.0 ms; synapses 0->0 (delay 2 ms, removed at 1.5 ms) and 0->1 (delay 2 ms, kept), and a
    # synapse 0->2 with delay 0.5 ms that has delivered before the removal
    net, proj, mon = _transmission_net(threads, 1.0, [0, 0, 0], [0, 1, 2], [2.0, 2.0, 0.5], [3.0, 1.5, 2.5])
    net.run(1.5)
    assert proj.remove_synapses(np.flatnonzero(proj.post == 0)) == 1
    _check(net, proj)
    net.run(5.0)
    g, t = mon.values, mon.times
    assert np.all(g[:, 0] == 0.0), "a removed synapse delivered a spike that was in flight when it was removed"
    np.testing.assert_allclose(g[:, 1], _g_closed_form(t, [(3.0, 1.5)]), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g[:, 2], _g_closed_form(t, [(1.5, 2.5)]), rtol=1e-5, atol=1e-7)
    assert g[t.searchsorted(3.0 - 1e-9), 1] == np.float32(1.5)  # the jump is exactly w at the arrival step


@pytest.mark.parametrize("threads", [1, 2])
def test_removed_synapse_does_not_make_strongly_driven_neuron_fire(threads):
    """A spike in flight to a removed, huge synapse: the target (which it would make fire) stays silent."""
    net = pn.Network(dt=DT, seed=1, threads=threads)
    gen = net.add_population(pn.models.SpikeGenerator(times=[1.0, 1.0], indices=[0, 1]), 2, name="gen")
    tgt = net.add_population(pn.models.LIFCond(), 2, name="tgt")
    proj = net.connect(gen, tgt, pn.conn.OneToOne(), weight=500.0, delay=1.5)
    sp = net.record_spikes(tgt)
    net.run(1.2)
    proj.remove_synapses([0])
    net.run(5.0)
    assert sp.indices.tolist() == [1]  # the kept synapse makes its target fire, the removed one does not


@pytest.mark.parametrize("threads", [1, 3])
def test_added_synapse_transmits_arrivals_from_next_step(threads):
    # neuron 0 spikes at step 14 (1.4 ms); existing synapse 0->3 with delay 2 ms keeps that delay in use.
    net, proj, mon = _transmission_net(threads, 1.4, [0], [3], [2.0], [1.0])
    net.run(1.5)  # steps 0..14 done; net.step == 15
    assert net.step == 15
    # arrives at step 15 (the next step): transmitted; arrives at step 34: transmitted;
    # a multapse of the existing synapse (same pre, post, delay): transmitted too
    proj.add_synapses([0, 0, 0], [0, 1, 3], weight=[0.75, 1.25, 0.5], delay=[0.1, 2.0, 2.0])
    _check(net, proj)
    net.run(6.0)
    g, t = mon.values, mon.times
    np.testing.assert_allclose(g[:, 0], _g_closed_form(t, [(1.5, 0.75)]), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g[:, 1], _g_closed_form(t, [(3.4, 1.25)]), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g[:, 3], _g_closed_form(t, [(3.4, 1.5)]), rtol=1e-5, atol=1e-7)
    assert g[15, 0] == np.float32(0.75) and g[14, 0] == 0.0
    assert g[34, 1] == np.float32(1.25) and g[33, 1] == 0.0
    assert np.all(g[:, 2] == 0.0)


def test_added_synapse_misses_arrivals_before_its_creation():
    # neuron 0 spikes at step 13; a synapse added at step 15 with delay 1 step: the spike arrived at step 14, before
    net, proj, mon = _transmission_net(1, 1.3, [1], [3], [0.1], [1.0])
    net.run(1.5)
    proj.add_synapses([0], [0], weight=2.0, delay=0.1)
    net.run(2.0)
    assert np.all(mon.values[:, 0] == 0.0)


def test_remove_then_readd_while_in_flight_uses_new_synapse():
    """What counts is the structure when the spike arrives: remove 0->0 and add a new 0->0 (other weight) while
    the spike is in flight: the new synapse's weight arrives."""
    net, proj, mon = _transmission_net(2, 1.0, [0], [0], [2.0], [3.0])
    net.run(1.5)
    proj.remove_synapses([0])
    proj.add_synapses([0], [0], weight=0.5, delay=2.0)
    net.run(4.0)
    np.testing.assert_allclose(mon.values[:, 0], _g_closed_form(mon.times, [(3.0, 0.5)]), rtol=1e-5, atol=1e-7)


def test_added_synapse_with_longer_delay_gets_spike_in_flight():
    # only delay 0.1 ms exists, max_delay declares 5 ms; neuron 0 spikes at 1.0 ms; at 1.5 ms a synapse with delay
    # 3 ms is added: the spike arrives at 4.0 ms > 1.5 ms and is transmitted
    net, proj, mon = _transmission_net(1, 1.0, [1], [3], [0.1], [1.0], max_delay=5.0)
    assert proj.max_delay == pytest.approx(5.0)
    net.run(1.5)
    proj.add_synapses([0], [0], weight=2.0, delay=3.0)
    net.run(5.0)
    np.testing.assert_allclose(mon.values[:, 0], _g_closed_form(mon.times, [(4.0, 2.0)]), rtol=1e-5, atol=1e-7)


def test_delay_beyond_max_delay_is_refused_and_rings_never_shrink():
    """Without a declared max_delay the longest delay present bounds later additions (spike histories are kept
    that long); removing the long synapses does not shrink it, so re-adding one later still gets spikes in flight."""
    net, proj, mon = _transmission_net(1, 1.0, [1, 1], [3, 2], [0.1, 3.0], [1.0, 1.0])
    net.run(1.5)
    with pytest.raises(ValueError, match="max_delay"):
        proj.add_synapses([0], [0], weight=2.0, delay=3.1)
    assert proj.size == 2
    proj.remove_synapses([1])  # the 3 ms synapse
    assert proj.max_delay == pytest.approx(3.0)
    net.run(0.5)
    proj.add_synapses([0], [0], weight=2.0, delay=3.0)  # the spike of 1.0 ms arrives at 4.0 ms
    net.run(4.0)
    np.testing.assert_allclose(mon.values[:, 0], _g_closed_form(mon.times, [(4.0, 2.0)]), rtol=1e-5, atol=1e-7)


# ----------------------------------------------------------------------------------------------------------------
# 3. thread independence and 4. checkpoints
# ----------------------------------------------------------------------------------------------------------------


def _plastic_net(threads: int):
    net = pn.Network(dt=DT, seed=11, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=np.linspace(10.0, 40.0, 60)), 60, name="src")
    exc = net.add_population(pn.models.LIFCond(I_e=100.0, tau_syn_ex=5.0), 50, name="exc")
    exc.set("v", np.linspace(-70.0, -56.0, 50))
    rule = pn.plasticity.STDP(tau_pre=15.0, tau_post=20.0, a_pre=0.05, a_post=-0.055, w_min=0.0, w_max=8.0)
    ff = net.connect(
        src,
        exc,
        pn.conn.FixedProbability(0.2),
        weight=pn.conn.Uniform(1.0, 4.0),
        delay=pn.conn.Uniform(0.1, 3.0),
        plasticity=rule,
        name="ff",
    )
    rec = net.connect(exc, exc, pn.conn.FixedProbability(0.1), weight=1.0, delay=1.0, name="rec", max_delay=3.0)
    net.record_spikes(exc)
    return net, ff, rec


def _structural_ops(net, ff, rec, k: int) -> None:
    """The k-th batch of structural changes (depends only on k and the current structure)."""
    rng = np.random.default_rng(100 + k)
    n = 20
    ff.add_synapses(
        rng.integers(0, 60, n),
        rng.integers(0, 50, n),
        weight=rng.uniform(0.5, 4.0, n),
        delay=rng.choice([0.1, 0.4, 1.7, 3.0], n),
    )
    ff.add_synapses(np.full(12, k % 60), rng.integers(0, 3, 12), weight=2.0, delay=0.4)  # a hot row, multapses
    ff.remove_synapses(rng.choice(ff.size, 15, replace=False))
    rec.add_synapses(rng.integers(0, 50, 5), rng.integers(0, 50, 5), weight=1.5, delay=rng.choice([0.5, 2.0], 5))
    rec.remove_synapses(rng.random(rec.size) < 0.05)
    if k == 2:
        ff.compact()


def _run_schedule(net, ff, rec, ks, duration=15.0):
    for k in ks:
        _structural_ops(net, ff, rec, k)
        net.run(duration)


def _result(net):
    ff, rec = net.projections
    m = net.monitors[0]
    return m.steps.copy(), m.indices.copy(), ff.weights, ff.pre, ff.post, ff.delay_steps, rec.weights, rec.post


def _assert_same(a, b, what):
    names = ("spike steps", "spike indices", "ff weights", "ff pre", "ff post", "ff delays", "rec weights", "rec post")
    for x, y, nm in zip(a, b, names):
        assert np.array_equal(x, y), f"{nm} differ ({what})"


@pytest.fixture(scope="module")
def plastic_reference():
    net, ff, rec = _plastic_net(1)
    _run_schedule(net, ff, rec, range(5))
    _check(net, ff)
    _check(net, rec)
    return _result(net)


@pytest.mark.parametrize("threads", [2, 3, 4])
def test_structural_changes_thread_independent(plastic_reference, threads):
    s, i, w = plastic_reference[0], plastic_reference[1], plastic_reference[2]
    assert s.size > 200 and i.size == s.size  # the network is active
    assert not np.all(np.isin(w, [2.0, 1.5]))  # STDP moved weights
    net, ff, rec = _plastic_net(threads)
    _run_schedule(net, ff, rec, range(5))
    _check(net, ff)
    _check(net, rec)
    _assert_same(_result(net), plastic_reference, f"threads={threads}")


@pytest.mark.parametrize("load_threads", [None, 3])
def test_checkpoint_after_structural_changes_continues_bit_for_bit(plastic_reference, tmp_path, load_threads):
    net, ff, rec = _plastic_net(2)
    _run_schedule(net, ff, rec, range(3))
    _structural_ops(net, ff, rec, 3)  # saved right after changes, with spikes in flight
    path = tmp_path / "structural.h5"
    net.save(path)
    net2 = pn.Network.load(path, threads=load_threads)
    ff2, rec2 = net2.projections
    for a, b in ((ff, ff2), (rec, rec2)):
        assert np.array_equal(a.pre, b.pre) and np.array_equal(a.post, b.post)
        assert np.array_equal(a.delay_steps, b.delay_steps) and np.array_equal(a.weights, b.weights)
        _check(net2, b)
    net2.run(15.0)
    _run_schedule(net2, ff2, rec2, [4])
    _check(net2, ff2)
    _assert_same(_result(net2), plastic_reference, f"loaded with threads={load_threads}")


# ----------------------------------------------------------------------------------------------------------------
# 5. fresh rule state
# ----------------------------------------------------------------------------------------------------------------


def test_new_synapses_start_with_zero_eligibility_and_state_follows_removals():
    net = pn.Network(dt=DT, seed=3, threads=2)
    src = net.add_population(pn.models.PoissonSource(rate=60.0), 20, name="src")
    tgt = net.add_population(pn.models.LIFCond(I_e=300.0), 30, name="tgt")
    rule = pn.plasticity.RewardSTDP(a_pre=1.0, a_post=-1.2, tau_c=1000.0, tonic=0.0, w_min=0.0, w_max=10.0)
    proj = net.connect(
        src,
        tgt,
        pn.conn.FixedProbability(0.5),
        weight=2.0,
        delay=pn.conn.Uniform(0.1, 2.0),
        plasticity=rule,
        max_delay=3.0,
    )
    net.run(100.0)
    c0 = proj.rule_state(0)["c"]
    assert len(c0) == proj.size
    assert np.count_nonzero(c0) > 0.9 * proj.size  # eligibility everywhere
    # a known synapse: (pre, post, delay, c), found again by value after every change
    k0 = int(np.flatnonzero(c0 != 0)[len(c0) // 2])
    known = (proj.pre[k0], proj.post[k0], proj.delay_steps[k0])
    c_known = c0[k0]

    def where_known():
        hit = np.flatnonzero((proj.pre == known[0]) & (proj.post == known[1]) & (proj.delay_steps == known[2]))
        return hit

    # add a multapse of the known synapse (comes after it) and some others
    pre_new, post_new, d_new = [known[0], 0, 19], [known[1], 29, 0], [known[2] * DT, 0.1, 2.0]
    proj.add_synapses(pre_new, post_new, weight=1.0, delay=d_new)
    _check(net, proj)
    c1 = proj.rule_state(0)["c"]
    assert len(c1) == proj.size == len(c0) + 3
    hit = where_known()
    assert len(hit) >= 2
    kk = int(np.flatnonzero(c1[hit] == c_known)[0])
    assert c1[hit[kk]] == c_known and c1[hit[-1]] == 0.0  # the old one keeps c; the new multapse after it: 0
    new_mask = np.zeros(proj.size, bool)
    w1 = proj.weights
    for p, q, d in zip(pre_new, post_new, d_new):
        m = np.flatnonzero((proj.pre == p) & (proj.post == q) & (proj.delay_steps == _steps(d)) & (w1 == 1.0))
        new_mask[m[-1]] = True
    assert np.all(c1[new_mask] == 0.0)
    assert np.array_equal(c1[~new_mask], c0)  # every other synapse keeps its eligibility, in canonical order

    # remove a third of the others (not the known one): the rest keep their c, aligned with canonical order
    rng = np.random.default_rng(1)
    rm = (rng.random(proj.size) < 0.33) & ~new_mask
    rm[hit[kk]] = False
    expect = c1[~rm]
    proj.remove_synapses(rm)
    _check(net, proj)
    c2 = proj.rule_state(0)["c"]
    assert len(c2) == proj.size and np.array_equal(c2, expect)
    hit2 = where_known()
    assert c_known in c2[hit2]

    # the new synapses charge eligibility from now on
    net.run(100.0)
    c3 = proj.rule_state(0)["c"]
    assert len(c3) == proj.size
    _check(net, proj)


# ----------------------------------------------------------------------------------------------------------------
# 6. cost sanity (memory, not timing)
# ----------------------------------------------------------------------------------------------------------------

N_BIG = 500  # pre and post size; ~50k synapses


def _big(plastic: bool, pre, post, d_steps, w):
    net = pn.Network(dt=DT, seed=1, threads=1)
    a = net.add_population(pn.models.PoissonSource(rate=5.0), N_BIG, name="a")
    b = net.add_population(pn.models.LIFCond(), N_BIG, name="b")
    rule = pn.plasticity.STDP(w_max=2.0) if plastic else None
    proj = net.connect(
        a, b, pn.conn.FromArrays(pre, post), weight=w, delay=np.asarray(d_steps) * DT, plasticity=rule, max_delay=3.0
    )
    return net, proj


def _churn(plastic: bool):
    """~50k synapses, then 10,000 single-synapse operations (alternating add and remove), checked against a
    reference; returns (net, proj, fresh bytes, max bytes seen)."""
    rng = np.random.default_rng(0)
    n = 50_000
    pre, post = rng.integers(0, N_BIG, n), rng.integers(0, N_BIG, n)
    d, w = rng.integers(1, 31, n), (rng.integers(0, 8, n) * 0.25).astype(np.float32)
    net, proj = _big(plastic, pre, post, d, w)
    fresh = proj.bytes
    ref = Reference()
    ref.add(pre, post, d, w)
    _compare(net, proj, ref, weights_exact=True)
    most = fresh
    ops = rng.integers(0, 2**31, (10_000, 4))
    for k in range(10_000):
        r = ops[k]
        if k % 2 == 0:
            p, q, ds, x = int(r[0] % N_BIG), int(r[1] % N_BIG), int(r[2] % 30) + 1, float(r[3] % 8) * 0.25
            proj.add_synapses([p], [q], weight=x, delay=ds * DT)
            ref.add([p], [q], [ds], [x])
        else:
            i = int(r[0] % len(ref))
            proj.remove_synapses([i])
            ref.remove([i])
        if k % 50 == 0:
            most = max(most, proj.bytes)
    most = max(most, proj.bytes)
    _compare(net, proj, ref, weights_exact=True)
    return net, proj, fresh, most


def _fresh_bytes_of(proj, plastic: bool) -> int:
    _, p2 = _big(plastic, proj.pre, proj.post, proj.delay_steps, proj.weights)
    assert np.array_equal(p2.pre, proj.pre) and np.array_equal(p2.post, proj.post)
    assert np.array_equal(p2.weights, proj.weights)
    return p2.bytes


@pytest.mark.parametrize("kind", KINDS)
def test_auto_compaction_triggers_and_keeps_store_consistent(kind):
    """Rows that grow by ~1000 and shrink back, one after another, leave relocation garbage behind; once it exceeds
    live + 1024 the shard is compacted automatically (memory drops), and everything still agrees."""
    rng = np.random.default_rng(2)
    n0 = 1500
    init = [
        (int(p), int(q), float(d), float(w))
        for p, q, d, w in zip(
            rng.integers(0, N_PRE, n0),
            rng.integers(0, N_POST, n0),
            rng.choice(DELAYS_MS, n0),
            rng.integers(0, 9, n0) * 0.5,
        )
    ]
    net, proj = _build_small(kind, 2, init)
    with_c = kind == "reward"
    net.run(20.0)
    ref = Reference()
    ref.add([s[0] for s in init], [s[1] for s in init], [_steps(s[2]) for s in init], [0.0] * n0)
    ref.resync(proj, with_c)
    drops, prev = 0, proj.bytes
    for cycle in range(8):
        j, m = cycle % N_PRE, 1000
        post, d = rng.integers(0, N_POST, m), rng.choice(DELAYS_MS, m)
        w = rng.integers(0, 9, m) * 0.5
        proj.add_synapses(np.full(m, j), post, weight=w, delay=d)
        ref.add(np.full(m, j), post, [_steps(x) for x in d], w)
        drops += proj.bytes < prev
        prev = proj.bytes
        _compare(net, proj, ref, weights_exact=True, with_c=with_c)
        # remove most of row j again (the new ones and some old ones)
        rm = (np.array([k[0] for k in ref.keys]) == j) & (rng.random(len(ref)) < 0.97)
        proj.remove_synapses(rm)
        ref.remove(np.flatnonzero(rm))
        drops += proj.bytes < prev
        prev = proj.bytes
        _compare(net, proj, ref, weights_exact=True, with_c=with_c)
    assert drops >= 1, "no automatic compaction happened"
    net.run(10.0)
    _compare(net, proj, ref, weights_exact=kind == "static")


@pytest.fixture(scope="module")
def churned_static():
    return _churn(False)


def test_auto_compaction_bounds_memory_static(churned_static):
    net, proj, fresh, most = churned_static
    assert most < 3.0 * fresh, f"bytes reached {most / fresh:.2f}x the fresh store"


def test_auto_compaction_bounds_memory_static_loosely(churned_static):
    """Memory stays bounded (auto-compaction runs): well below what 10,000 relocations without it would leave."""
    net, proj, fresh, most = churned_static
    assert most < 4.5 * fresh, f"bytes reached {most / fresh:.2f}x the fresh store"


def test_compact_restores_fresh_size_static(churned_static):
    net, proj, fresh, most = churned_static
    before = (proj.pre, proj.post, proj.delay_steps, proj.weights)
    proj.compact()
    _check(net, proj)
    for a, b in zip(before, (proj.pre, proj.post, proj.delay_steps, proj.weights)):
        assert np.array_equal(a, b)  # compact changes nothing visible
    ref_bytes = _fresh_bytes_of(proj, False)
    assert proj.bytes <= 1.10 * ref_bytes, f"compacted {proj.bytes} bytes vs fresh {ref_bytes}"


def test_compact_restores_fresh_size_plastic():
    net, proj, fresh, most = _churn(True)
    proj.compact()
    _check(net, proj)
    ref_bytes = _fresh_bytes_of(proj, True)
    assert proj.bytes <= 1.10 * ref_bytes, f"compacted {proj.bytes} bytes vs fresh {ref_bytes}"


# ----------------------------------------------------------------------------------------------------------------
# 7. bad input: an error naming the argument, nothing changed
# ----------------------------------------------------------------------------------------------------------------


@pytest.fixture
def small_plastic():
    init = [(0, 1, 0.5, 1.0), (2, 5, 0.1, 2.0), (5, 39, 3.0, 0.5), (0, 1, 0.5, 0.25)]
    net, proj = _build_small("reward", 2, init)
    net.run(2.0)
    return net, proj


def _snapshot(proj):
    return proj.size, proj.pre, proj.post, proj.delay_steps, proj.weights, proj.rule_state(0)["c"], proj.bytes


BAD_ADDS = [
    (dict(pre=[N_PRE], post=[0]), ValueError, "pre"),
    (dict(pre=[-1], post=[0]), ValueError, "pre"),
    (dict(pre=[0, 1], post=[N_POST]), ValueError, "post"),
    (dict(pre=[0, 1], post=[0]), ValueError, "post"),
    (dict(pre=[0, 1], post=[0, 1], weight=[1.0]), ValueError, "weight"),
    (dict(pre=[0, 1], post=[0, 1], delay=[0.5, 0.5, 0.5]), ValueError, "delay"),
    (dict(pre=[0, 1], post=[0, 1], weight=[1.0, -0.5]), ValueError, "weight"),
    (dict(pre=[0], post=[0], weight=float("nan")), ValueError, "weight"),
    (dict(pre=[0], post=[0], delay=0.05), ValueError, "delay"),
    (dict(pre=[0, 1], post=[0, 1], delay=[0.5, 0.0]), ValueError, "delay"),
    (dict(pre=[0], post=[0], delay=1e9), ValueError, "delay"),
    (dict(pre=[0.5], post=[0]), TypeError, "pre"),
    (dict(pre=["a"], post=[0]), TypeError, "pre"),
    (dict(pre=[[0, 1]], post=[0]), ValueError, "pre"),
]


@pytest.mark.parametrize("kwargs,exc,name", BAD_ADDS)
def test_bad_add_raises_and_changes_nothing(small_plastic, kwargs, exc, name):
    net, proj = small_plastic
    before = _snapshot(proj)
    with pytest.raises(exc, match=name):
        proj.add_synapses(**kwargs)
    after = _snapshot(proj)
    for a, b in zip(before, after):
        assert np.array_equal(a, b)
    _check(net, proj)


BAD_REMOVES = [
    (np.ones(3, bool), ValueError),  # mask of the wrong length (size is 4)
    (np.ones(5, bool), ValueError),
    (np.ones((2, 2), bool), ValueError),
    ([4], ValueError),  # index out of range
    ([0, 1, 7], ValueError),
    ([-1], ValueError),
    ([0.5], TypeError),
]


@pytest.mark.parametrize("which,exc", BAD_REMOVES)
def test_bad_remove_raises_and_changes_nothing(small_plastic, which, exc):
    net, proj = small_plastic
    assert proj.size == 4
    before = _snapshot(proj)
    with pytest.raises(exc, match="which"):
        proj.remove_synapses(which)
    for a, b in zip(before, _snapshot(proj)):
        assert np.array_equal(a, b)
    _check(net, proj)
    # still usable afterwards
    assert proj.remove_synapses(np.array([False, True, False, False])) == 1
    _check(net, proj)
    assert proj.size == 3 and math.isfinite(float(proj.weights.sum()))


def test_structural_change_refused_on_a_weight_monitored_projection():
    """A weight monitor records synapses by position, so add/remove/lesion on its projection is refused up front."""
    net = pn.Network(dt=DT, seed=1)
    a = net.add_population(pn.models.PoissonSource(rate=10.0), 5, name="a")
    b = net.add_population(pn.models.LIFCond(), 5, name="b")
    proj = net.connect(a, b, pn.conn.AllToAll(), weight=1.0)
    net.record_weights(proj, every=1.0)
    before = (proj.pre.copy(), proj.post.copy())
    with pytest.raises(ValueError, match="weight monitor"):
        proj.add_synapses([0], [1])
    with pytest.raises(ValueError, match="weight monitor"):
        proj.remove_synapses([0])
    with pytest.raises(ValueError, match="weight monitor"):
        net.lesion(neurons=(a, [0]))
    assert np.array_equal(proj.pre, before[0]) and np.array_equal(proj.post, before[1])
    assert not a.lesioned.any()
    net.lesion(neurons=(a, [0]), remove_synapses=False)  # silencing alone changes no structure
    assert a.lesioned[0]
