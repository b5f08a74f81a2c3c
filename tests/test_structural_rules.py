"""Structural plasticity rules inside the run (pn.structural: Pruning, Growth, Sprouting, HomeostaticGrowth).

Conventions under test (pyneuro/structural.py, csrc/structural/*.hpp, csrc/core/engine.cpp):
- a rule with interval I (steps) acts in a mutation phase before step t whenever t is a multiple of I, the first
  time at the first multiple after the step it was added at; a run that ends on a boundary applies it before
  returning;
- Pruning: per test, a synapse is weak when w < threshold; its sustain column grows by I ms per weak test (reset to
  0 when not weak) and it is due when the column is >= sustain; due synapses go with `probability`; with max_age
  the age column grows by I ms per test and the synapse goes when it is >= max_age;
- Growth: Poisson(rate * I) new synapses per post neuron per test, partners uniform or accepted with probability
  exp(-d^2 / 2 sigma^2), capped at max_in_degree, no self / multapse when refused (the draw is retried);
- Sprouting: baseline = in-degree when the rule is added; a neuron with deficit d gains min(d, Poisson(rate d I))
  synapses per test from survivors (pre neurons with >= 1 synapse left), within reach when positions are set;
- HomeostaticGrowth: elements start at the synapse counts (first test) and follow
  z <- max(0, z + growth * I_s * (1 - nu / target)), nu = trace / tau_ca in Hz; synapses beyond floor(z) are
  retracted, free elements paired;
- decisions are keyed by (projection, rule, neuron, epoch): identical for every thread count and across
  checkpoints; every change is in net.structural_log.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

import pyneuro as pn

S = pn.structural
DT = 0.1


def _check(net: pn.Network, proj: pn.Projection) -> None:
    msg = proj.compiled.check()
    assert msg == "", f"proj_check: {msg}"


def _log(net: pn.Network, kind: str | None = None, proj: str | None = None) -> np.ndarray:
    """Structural events, optionally of one kind and one projection (a lesioned neuron is logged as "lesioned"
    with projection "")."""
    log = net.structural_log
    if kind is not None:
        log = log[log["kind"] == kind]
    return log if proj is None else log[log["projection"] == proj]


def _z(x: float, mean: float, var: float) -> float:
    return (x - mean) / math.sqrt(var)


def _silent_source(net: pn.Network, n: int, name: str = "src") -> pn.Population:
    return net.add_population(pn.models.PoissonSource(rate=0.0), n, name=name)


def _sink(net: pn.Network, n: int, name: str = "dst") -> pn.Population:
    """LIFCond neurons that never spike (threshold far away)."""
    return net.add_population(pn.models.LIFCond(V_th=1e3), n, name=name)


def _empty_proj(net, pre_pop, post_pop, name="g", **kw):
    return net.connect(pre_pop, post_pop, pn.conn.FromArrays([], []), name=name, **kw)


def _regular_train(n: int, rate_hz: float, t_end: float, t0: float = 5.0):
    times = np.arange(t0, t_end, 1e3 / rate_hz)
    return pn.models.SpikeGenerator(times=np.repeat(times, n), indices=np.tile(np.arange(n), times.size)), times


def _snapshot(proj: pn.Projection) -> tuple[np.ndarray, ...]:
    return proj.pre.copy(), proj.post.copy(), proj.delay_steps.copy(), proj.weights.copy()


def _same_structure(a: pn.Projection, b: pn.Projection) -> None:
    for x, y in zip(_snapshot(a), _snapshot(b)):
        np.testing.assert_array_equal(x, y)


# ----------------------------------------------------------------------------------------------------------------
# 1. Pruning: deterministic cases against closed forms
# ----------------------------------------------------------------------------------------------------------------

W_GRID = np.arange(0, 17) * 0.125  # exact in float32; 1.0 (the threshold) included: w < threshold is strict


def _static_net(threads: int = 1, seed: int = 3, n_pre: int = 30, n_post: int = 50, n_syn: int = 500):
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    src = _silent_source(net, n_pre)
    dst = _sink(net, n_post)
    rng = np.random.default_rng(seed)
    pre = rng.integers(0, n_pre, n_syn)
    post = rng.integers(0, n_post, n_syn)
    w = rng.choice(W_GRID, n_syn)
    d = rng.choice([0.1, 0.4, 1.0], n_syn)
    proj = net.connect(src, dst, pn.conn.FromArrays(pre, post), weight=w, delay=d, name="ff")
    return net, proj


def _first_test(t_add: float, interval: float) -> float:
    return (math.floor(t_add / interval + 1e-9) + 1) * interval


@pytest.mark.parametrize("t_add", [0.0, 7.0, 10.0])
def test_pruning_weak_removed_at_first_test(t_add):
    interval = 5.0
    net, proj = _static_net(threads=2)
    net.run(t_add)
    net.add_structural(proj, S.Pruning(threshold=1.0, interval=interval))
    pre, post, d, w = _snapshot(proj)
    weak = w < 1.0
    assert 0 < weak.sum() < len(w) and np.any(w == 1.0)
    t1 = _first_test(t_add, interval)
    net.run(t1 - t_add - DT)  # one step short of the first test: nothing yet
    assert proj.size == len(w) and len(net.structural_log) == 0
    net.run(DT)
    assert net.time == pytest.approx(t1)
    _check(net, proj)
    keep = ~weak
    for got, want in zip(_snapshot(proj), (pre[keep], post[keep], d[keep], w[keep])):
        np.testing.assert_array_equal(got, want)
    log = net.structural_log
    assert len(log) == weak.sum()
    assert set(log["kind"]) == {"pruned"} and set(log["projection"]) == {"ff"}
    np.testing.assert_allclose(log["t"], t1, rtol=0, atol=1e-9)
    got = Counter(zip(log["pre"].tolist(), log["post"].tolist(), log["weight"].tolist()))
    want = Counter(zip(pre[weak].tolist(), post[weak].tolist(), w[weak].tolist()))
    assert got == want
    net.run(4 * interval)  # static weights: nothing else is ever weak
    assert proj.size == keep.sum() and len(net.structural_log) == weak.sum()


@pytest.mark.parametrize("sustain", [5.0, 12.0, 15.0])
def test_pruning_sustain_removes_at_first_test_time_at_least_sustain(sustain):
    interval = 5.0
    net, proj = _static_net()
    net.add_structural(proj, S.Pruning(threshold=1.0, sustain=sustain, interval=interval))
    w = proj.weights.copy()
    n_weak = int((w < 1.0).sum())
    t_remove = max(interval, math.ceil(sustain / interval - 1e-9) * interval)
    net.run(t_remove - DT)
    assert proj.size == len(w) and len(net.structural_log) == 0
    net.run(DT)
    assert proj.size == len(w) - n_weak
    np.testing.assert_allclose(_log(net, "pruned")["t"], t_remove, rtol=0, atol=1e-9)
    assert len(net.structural_log) == n_weak
    _check(net, proj)


def test_pruning_sustain_column_resets_when_synapse_recovers():
    """Sustain 12 ms, tests every 5 ms: synapse A is weak throughout (removed at 15); synapse B is made strong
    between the tests at 5 and 10 and weak again after 10, so its weak run restarts: tests 15, 20, 25 -> removed at
    25."""
    interval, sustain = 5.0, 12.0
    net = pn.Network(dt=DT, seed=1)
    src, dst = _silent_source(net, 3), _sink(net, 2)
    proj = net.connect(src, dst, pn.conn.FromArrays([0, 1, 2], [0, 1, 1]), weight=[0.5, 0.5, 2.0])
    net.add_structural(proj, S.Pruning(threshold=1.0, sustain=sustain, interval=interval))
    net.run(7.0)
    proj.weights = np.array([0.5, 2.0, 2.0])  # B strong over the test at 10
    net.run(4.0)  # t = 11
    proj.weights = np.array([0.5, 0.5, 2.0])  # B weak again
    net.run(4.0 - DT)
    assert proj.size == 3
    net.run(DT)  # t = 15: A goes
    np.testing.assert_array_equal(proj.pre, [1, 2])
    net.run(10.0 - DT)
    assert proj.size == 2
    net.run(DT)  # t = 25: B goes
    np.testing.assert_array_equal(proj.pre, [2])
    log = net.structural_log
    assert log["kind"].tolist() == ["pruned", "pruned"]
    np.testing.assert_allclose(log["t"], [15.0, 25.0], atol=1e-9)
    assert log["pre"].tolist() == [0, 1] and log["post"].tolist() == [0, 1]


def test_pruning_max_age_removes_by_age_including_later_synapses():
    """max_age 12 ms, tests every 5 ms: the initial synapses (age counted from the rule's addition) go at the
    third test (15 ms); synapses added at 7 ms go at their third test (20 ms), those added at 15 ms (after the
    phase at 15) at 30 ms. Weights never count (threshold 0)."""
    interval, max_age = 5.0, 12.0
    net, proj = _static_net(n_syn=200)
    net.add_structural(proj, S.Pruning(max_age=max_age, interval=interval))
    n0 = proj.size
    net.run(7.0)
    assert proj.add_synapses([1, 2, 3], [4, 5, 6], weight=0.25) == 3
    net.run(15.0 - 7.0 - DT)
    assert proj.size == n0 + 3
    net.run(DT)  # 15: initial synapses go
    np.testing.assert_array_equal(proj.pre, [1, 2, 3])
    assert proj.add_synapses([7, 8], [9, 10], weight=2.0) == 2
    net.run(5.0 - DT)
    assert proj.size == 5
    net.run(DT)  # 20: the 7 ms synapses go
    np.testing.assert_array_equal(proj.pre, [7, 8])
    net.run(10.0 - DT)
    assert proj.size == 2
    net.run(DT)  # 30
    assert proj.size == 0
    _check(net, proj)
    log = net.structural_log
    assert set(log["kind"]) == {"pruned", "added"}  # the manual additions are logged too
    pruned, added = log[log["kind"] == "pruned"], log[log["kind"] == "added"]
    assert Counter(np.round(pruned["t"], 6).tolist()) == {15.0: n0, 20.0: 3, 30.0: 2}
    assert Counter(np.round(added["t"], 6).tolist()) == {7.0: 3, 15.0: 2}
    assert added["pre"].tolist() == [1, 2, 3, 7, 8] and added["weight"].tolist() == [0.25] * 3 + [2.0] * 2


def _lifetimes(net: pn.Network) -> list[float]:
    """Time from creation to pruning of every pruned synapse (synapses identified by (pre, post, weight))."""
    log = net.structural_log
    born = {(r["pre"], r["post"], r["weight"]): r["t"] for r in log if r["kind"] == "created"}
    assert len(born) == (log["kind"] == "created").sum()  # random weights make the keys unique
    return [round(r["t"] - born[(r["pre"], r["post"], r["weight"])], 6) for r in log if r["kind"] == "pruned"]


def _growth_and_age(order: str):
    net = pn.Network(dt=DT, seed=1, threads=2)
    src, dst = _silent_source(net, 20), _sink(net, 20)
    proj = _empty_proj(net, src, dst)
    prune = S.Pruning(max_age=25.0, interval=10.0)
    grow = S.Growth(rate=50.0, weight=pn.conn.Uniform(0.0, 1.0), interval=10.0)
    net.add_structural(proj, *((prune, grow) if order == "prune_first" else (grow, prune)))
    net.run(200.0)
    _check(net, proj)
    return net


def test_pruning_max_age_of_grown_synapses():
    """Pruning before Growth in the same phase: a synapse created at a test is first aged at the next one, so with
    max_age 25 ms and tests every 10 ms it lives exactly 30 ms (the first multiple of 10 that is >= 25)."""
    net = _growth_and_age("prune_first")
    life = _lifetimes(net)
    assert len(life) > 50 and set(life) == {30.0}


def test_pruning_max_age_of_grown_synapses_independent_of_rule_order():
    """Pruning acts before growth in a phase whatever the order given, so lifetimes match the pruning-first case."""
    life = _lifetimes(_growth_and_age("grow_first"))
    assert len(life) > 50 and set(life) == {30.0}


def test_pruning_inactive_presynaptic_neurons():
    """min_rate 5 Hz (tau_rate 50 ms): at the first test (100 ms) synapses from silent neurons (rate estimate 0)
    go, those from neurons firing regularly at 100 Hz (estimate about 86 Hz) stay, whatever their weight."""
    n = 10
    net = pn.Network(dt=DT, seed=1, threads=2)
    gen, _ = _regular_train(n // 2, 100.0, 300.0)
    src = net.add_population(gen, n // 2, name="active")
    silent = _silent_source(net, n // 2, name="silent")
    dst = _sink(net, 6)
    projs = [
        net.connect(p, dst, pn.conn.FixedInDegree(3), weight=pn.conn.Uniform(0.0, 2.0), name=p.name)
        for p in (src, silent)
    ]
    for proj in projs:
        net.add_structural(proj, S.Pruning(min_rate=5.0, tau_rate=50.0, interval=100.0))
    n_silent = projs[1].size
    snap = _snapshot(projs[0])
    net.run(100.0 - DT)
    assert len(net.structural_log) == 0
    net.run(200.0 + DT)
    for a, b in zip(_snapshot(projs[0]), snap):
        np.testing.assert_array_equal(a, b)
    assert projs[1].size == 0
    log = net.structural_log
    assert len(log) == n_silent and set(log["projection"]) == {"silent"}
    np.testing.assert_allclose(log["t"], 100.0, atol=1e-9)


def _weak_net(threads: int, seed: int = 11, n_pre: int = 40, n_post: int = 80, n_weak: int = 3000, n_strong: int = 400):
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    src, dst = _silent_source(net, n_pre), _sink(net, n_post)
    rng = np.random.default_rng(5)
    n = n_weak + n_strong
    w = np.r_[np.full(n_weak, 0.5), np.full(n_strong, 1.5)]
    proj = net.connect(src, dst, pn.conn.FromArrays(rng.integers(0, n_pre, n), rng.integers(0, n_post, n)), weight=w)
    return net, proj


def test_pruning_probability_binomial_and_thread_independent():
    p, n_weak, interval = 0.3, 3000, 5.0
    removed: dict[int, list[tuple[int, ...]]] = {}
    for threads in (1, 2, 3):
        net, proj = _weak_net(threads)
        net.add_structural(proj, S.Pruning(threshold=1.0, probability=p, interval=interval))
        sizes = [proj.size]
        for _ in range(2):
            net.run(interval)
            _check(net, proj)
            sizes.append(proj.size)
        log = net.structural_log
        assert set(log["kind"]) == {"pruned"} and np.all(log["weight"] == np.float32(0.5))  # strong ones never go
        k1, k2 = sizes[0] - sizes[1], sizes[1] - sizes[2]
        assert (log["t"] == interval).sum() == k1 and len(log) == k1 + k2
        # first test: Binomial(n_weak, p); second: Binomial(n_weak - k1, p)
        assert abs(_z(k1, n_weak * p, n_weak * p * (1 - p))) < 5
        assert abs(_z(k2, (n_weak - k1) * p, (n_weak - k1) * p * (1 - p))) < 5
        removed[threads] = [tuple(c) for c in (log["t"], log["pre"], log["post"])]
        removed[threads].append(tuple(proj.pre) + tuple(proj.post))
    assert removed[1] == removed[2] == removed[3]
    # another seed removes another set of the same size distribution (the decisions are random, keyed by the seed)
    first = {(a, b) for t, a, b in zip(*removed[1][:3]) if t == interval}
    net, proj = _weak_net(1, seed=12)
    net.add_structural(proj, S.Pruning(threshold=1.0, probability=p, interval=interval))
    net.run(interval)
    other = set(zip(net.structural_log["pre"].tolist(), net.structural_log["post"].tolist()))
    assert len(first & other) < 0.5 * len(first)  # independent draws overlap in about p of them


# ----------------------------------------------------------------------------------------------------------------
# 2. Growth
# ----------------------------------------------------------------------------------------------------------------


def test_growth_counts_are_poisson():
    """rate 20/s, interval 10 ms, T = 200 ms: each post neuron gains Poisson(0.2) per test, Poisson(4) in all.
    Mean and variance of the per-neuron totals and the fraction of (neuron, test) pairs without a new synapse
    (exp(-0.2)) within 5 sigma."""
    rate, interval, T, n_post, n_pre = 20.0, 10.0, 200.0, 2000, 50
    net = pn.Network(dt=DT, seed=21, threads=2)
    src, dst = _silent_source(net, n_pre), _sink(net, n_post)
    proj = _empty_proj(net, src, dst)
    net.add_structural(proj, S.Growth(rate=rate, weight=0.75, interval=interval))
    net.run(T)
    _check(net, proj)
    log = net.structural_log
    assert set(log["kind"]) == {"created"} and len(log) == proj.size
    assert np.all(log["weight"] == np.float32(0.75)) and np.all(proj.weights == np.float32(0.75))
    tests = np.round(log["t"] / interval, 6)
    assert np.all(tests == np.round(tests)) and tests.min() >= 1 and tests.max() <= T / interval
    counts = np.bincount(log["post"], minlength=n_post)
    np.testing.assert_array_equal(counts, np.bincount(proj.post, minlength=n_post))
    lam = rate * T * 1e-3
    assert abs(_z(counts.mean(), lam, lam / n_post)) < 5
    # sample variance of Poisson(lam): Var(s^2) ~ (mu4 - sigma^4) / n = (lam + 2 lam^2) / n
    assert abs(_z(counts.var(ddof=1), lam, (lam + 2 * lam**2) / n_post)) < 5
    per_test = np.zeros((int(T / interval), n_post), dtype=int)
    np.add.at(per_test, (tests.astype(int) - 1, log["post"]), 1)
    p0 = math.exp(-rate * interval * 1e-3)
    assert abs(_z((per_test == 0).mean(), p0, p0 * (1 - p0) / per_test.size)) < 5
    # no multapses (default allow_multapses=False): the refused draws are retried, counts are unaffected
    assert len(set(zip(proj.pre.tolist(), proj.post.tolist()))) == proj.size


def _kernel_moments(weights: np.ndarray, f: np.ndarray):
    """Per post neuron i: mean and variance of f[i, j] under P(j | i) proportional to weights[i, j]."""
    p = weights / weights.sum(axis=1, keepdims=True)
    m = (p * f).sum(axis=1)
    v = (p * f**2).sum(axis=1) - m**2
    return m, v


def _dist2(pos_post: np.ndarray, pos_pre: np.ndarray) -> np.ndarray:
    a, b = pos_post.astype(np.float64), pos_pre.astype(np.float64)
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)


def test_growth_distance_kernel():
    """Partners accepted with probability exp(-d^2 / 2 sigma^2) out of uniform proposals: given the post neuron i,
    P(j | i) is proportional to K_ij. The sums of d^2 and of [d < sigma] over the created synapses are compared
    with their exact conditional means (numpy over all candidate pairs), within 5 sigma."""
    sigma, n_pre, n_post = 0.08, 300, 300
    net = pn.Network(dt=DT, seed=4, threads=2)
    src, dst = _silent_source(net, n_pre), _sink(net, n_post)
    rng = np.random.default_rng(8)
    src.positions = rng.uniform(0, 1, (n_pre, 2))
    dst.positions = rng.uniform(0, 1, (n_post, 2))
    proj = _empty_proj(net, src, dst)
    net.add_structural(proj, S.Growth(rate=50.0, sigma=sigma, allow_multapses=True, interval=20.0))
    net.run(100.0)
    _check(net, proj)
    i, j = proj.post.astype(int), proj.pre.astype(int)
    assert len(_log(net, "created")) == proj.size > 1000
    d2 = _dist2(dst.positions, src.positions)
    k = np.exp(-d2 / (2 * sigma**2))
    for f in (d2, (d2 < sigma**2).astype(float)):
        m, v = _kernel_moments(k, f)
        z = _z(f[i, j].sum(), m[i].sum(), v[i].sum())
        assert abs(z) < 5, z
        # the same statistic is far off under uniform partners (the test can tell the kernel apart)
        mu, vu = _kernel_moments(np.ones_like(k), f)
        assert abs(_z(f[i, j].sum(), mu[i].sum(), vu[i].sum())) > 20


def _poisson_pmf(lam: float, kmax: int) -> np.ndarray:
    k = np.arange(kmax + 1)
    return np.exp(-lam + k * math.log(lam) - np.array([math.lgamma(x + 1) for x in k]))


def test_growth_max_in_degree_caps_exactly():
    """Initial in-degrees 0..8, cap 5: at the first test a neuron below the cap gains min(Poisson(lam), 5 - k)
    (the total within 5 sigma of its exact mean), none ever exceeds max(cap, initial), those at or above the cap
    never change, and after 4 tests with lam = 10 every neuron sits at max(cap, initial)."""
    cap, n_pre, n_post, interval = 5, 20, 900, 10.0
    init = np.arange(n_post) % 9
    pre = np.concatenate([np.arange(k) for k in init])  # distinct partners 0..k-1
    post = np.repeat(np.arange(n_post), init)
    net = pn.Network(dt=DT, seed=6, threads=3)
    src, dst = _silent_source(net, n_pre), _sink(net, n_post)
    proj = net.connect(src, dst, pn.conn.FromArrays(pre, post))
    lam = 2.0
    net.add_structural(proj, S.Growth(rate=lam / (interval * 1e-3), max_in_degree=cap, interval=interval))
    net.run(interval)
    indeg = np.bincount(proj.post, minlength=n_post)
    limit = np.maximum(cap, init)
    assert np.all(indeg <= limit)
    np.testing.assert_array_equal(indeg[init >= cap], init[init >= cap])
    pmf = _poisson_pmf(lam, 60)
    mean = var = 0.0
    for c in cap - init[init < cap]:
        x = np.minimum(np.arange(61), c)
        m = (pmf * x).sum()
        mean += m
        var += (pmf * x**2).sum() - m**2
    assert abs(_z(len(net.structural_log), mean, var)) < 5
    net2 = pn.Network(dt=DT, seed=6, threads=3)
    src, dst = _silent_source(net2, n_pre), _sink(net2, n_post)
    proj2 = net2.connect(src, dst, pn.conn.FromArrays(pre, post))
    net2.add_structural(proj2, S.Growth(rate=1000.0, max_in_degree=cap, interval=interval))
    for _ in range(4):
        net2.run(interval)
        assert np.all(np.bincount(proj2.post, minlength=n_post) <= limit)
    np.testing.assert_array_equal(np.bincount(proj2.post, minlength=n_post), limit)
    _check(net2, proj2)


@pytest.mark.parametrize("allow_self", [False, True])
def test_growth_self_connections_on_recurrent_projection(allow_self):
    """Recurrent projection of 40 neurons, multapses allowed: no self connection when allow_self=False; with
    allow_self=True partners are uniform over all 40, so self connections are Binomial(n, 1/40)."""
    n = 40
    net = pn.Network(dt=DT, seed=9, threads=2)
    pop = _sink(net, n)
    proj = _empty_proj(net, pop, pop)
    net.add_structural(proj, S.Growth(rate=200.0, allow_self=allow_self, allow_multapses=True, interval=10.0))
    net.run(100.0)
    _check(net, proj)
    m = proj.size
    assert m == len(net.structural_log) > 500
    n_self = int((proj.pre == proj.post).sum())
    if allow_self:
        assert abs(_z(n_self, m / n, m / n * (1 - 1 / n))) < 5
    else:
        assert n_self == 0


@pytest.mark.parametrize("allow_multapses", [False, True])
def test_growth_multapses(allow_multapses):
    """10 presynaptic neurons, 40 draws per post neuron on average: without multapses every pair exists once and
    every neuron ends connected to all 10; with them pairs repeat."""
    n_pre, n_post = 10, 50
    net = pn.Network(dt=DT, seed=2, threads=2)
    src, dst = _silent_source(net, n_pre), _sink(net, n_post)
    proj = _empty_proj(net, src, dst)
    net.add_structural(proj, S.Growth(rate=800.0, allow_multapses=allow_multapses, interval=10.0))
    net.run(50.0)
    _check(net, proj)
    pairs = set(zip(proj.pre.tolist(), proj.post.tolist()))
    if allow_multapses:
        assert proj.size > 1.5 * len(pairs)
    else:
        assert len(pairs) == proj.size == n_pre * n_post


# ----------------------------------------------------------------------------------------------------------------
# 3. Sprouting after a lesion
# ----------------------------------------------------------------------------------------------------------------

N_IN, N_USED, N_GROUP, K_IN = 100, 90, 400, 20


def _deafferented(threads: int = 2, seed: int = 13, positions: bool = False, **rule):
    """400 neurons with 20 distinct inputs each out of inputs 0..89 (90..99 have no synapses, so they are never
    survivors); Sprouting added (baseline 20 everywhere), then 30% of the inputs lesioned."""
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    inputs = _silent_source(net, N_IN, name="inputs")
    group = _sink(net, N_GROUP, name="group")
    rng = np.random.default_rng(seed)
    pre = np.concatenate([rng.choice(N_USED, K_IN, replace=False) for _ in range(N_GROUP)])
    post = np.repeat(np.arange(N_GROUP), K_IN)
    if positions:
        inputs.positions = rng.uniform(0, 1, (N_IN, 2))
        group.positions = rng.uniform(0, 1, (N_GROUP, 2))
    proj = net.connect(inputs, group, pn.conn.FromArrays(pre, post), name="aff")
    net.add_structural(proj, S.Sprouting(**rule))
    les = net.lesion(neurons=(inputs, 0.3))
    lesioned = les.neurons["inputs"]
    assert len(lesioned) == 30
    return net, proj, lesioned


def _deficit_chain(d0: np.ndarray, lam: float, n_tests: int, dmax: int = K_IN) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and variance of the total deficit after each test: every neuron's deficit is a Markov chain
    d -> d - min(d, X), X ~ Poisson(lam d) (independent neurons)."""
    trans = np.zeros((dmax + 1, dmax + 1))
    trans[0, 0] = 1.0
    for d in range(1, dmax + 1):
        pmf = _poisson_pmf(lam * d, d)
        trans[d, d - np.arange(d + 1)] = pmf
        trans[d, 0] += 1.0 - pmf.sum()  # X >= d+1 also fills the whole deficit
    dist = np.zeros((len(d0), dmax + 1))
    dist[np.arange(len(d0)), d0] = 1.0
    k = np.arange(dmax + 1)
    means, variances = [], []
    for _ in range(n_tests):
        dist = dist @ trans
        m = dist @ k
        means.append(m.sum())
        variances.append((dist @ k**2 - m**2).sum())
    return np.array(means), np.array(variances)


def test_sprouting_recovers_in_degree_like_the_exact_chain():
    rate, interval, n_tests = 4.0, 50.0, 6
    lam = rate * interval * 1e-3  # 0.2 per missing input per test
    net, proj, lesioned = _deafferented(rate=rate, interval=interval)
    baseline = np.full(N_GROUP, K_IN)
    indeg0 = np.bincount(proj.post, minlength=N_GROUP)
    d0 = baseline - indeg0
    assert len(_log(net, "lesioned", "aff")) == d0.sum() > 0
    neuron_events = _log(net, "lesioned", "")
    np.testing.assert_array_equal(np.sort(neuron_events["post"]), lesioned)
    assert not np.isin(proj.pre, lesioned).any()
    means, variances = _deficit_chain(d0, lam, n_tests)
    survivors = np.setdiff1d(np.unique(proj.pre), lesioned)
    for n in range(n_tests):
        net.run(interval)
        _check(net, proj)
        indeg = np.bincount(proj.post, minlength=N_GROUP)
        assert np.all(indeg <= baseline)
        deficit = (baseline - indeg).sum()
        assert abs(_z(deficit, means[n], variances[n])) < 5, (n, deficit, means[n])
    created = _log(net, "created")
    assert len(created) == proj.size - indeg0.sum() > 0
    assert np.isin(created["pre"], survivors).all()  # never lesioned inputs, never inputs without synapses
    assert set(zip(proj.pre.tolist(), proj.post.tolist())).__len__() == proj.size  # no multapses
    recovered = 1 - (baseline - np.bincount(proj.post, minlength=N_GROUP)).sum() / d0.sum()
    # about 1 - (1 - lam)^6 = 0.74 for small lam; exactly the chain's expectation
    assert abs(recovered - (1 - means[-1] / d0.sum())) < 5 * math.sqrt(variances[-1]) / d0.sum()


def test_sprouting_reach_limits_distance_and_partners_are_uniform_within_reach():
    reach = 0.2
    net, proj, lesioned = _deafferented(positions=True, rate=10.0, reach=reach, allow_multapses=True, interval=50.0)
    survivors = np.setdiff1d(np.unique(proj.pre), lesioned)
    n0 = proj.size
    net.run(200.0)
    _check(net, proj)
    created = _log(net, "created")
    assert len(created) == proj.size - n0 > 300
    inputs, group = net.populations
    d2 = _dist2(group.positions, inputs.positions)
    i, j = created["post"].astype(int), created["pre"].astype(int)
    assert np.all(d2[i, j] <= reach**2 * (1 + 1e-6))
    assert np.isin(j, survivors).all()
    assert np.all(np.bincount(proj.post, minlength=N_GROUP) <= K_IN)
    # given the target, the partner is uniform over the survivors within reach
    ok = np.zeros_like(d2)
    ok[:, survivors] = 1.0
    ok *= d2 <= reach**2
    m, v = _kernel_moments(ok[i], d2[i])
    assert abs(_z(d2[i, j].sum(), m.sum(), v.sum())) < 5


# ----------------------------------------------------------------------------------------------------------------
# 4. HomeostaticGrowth
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_pre,n_post", [(60, 40), (30, 50)])
def test_homeostatic_growth_silent_neurons_follow_closed_form(n_pre, n_post):
    """No activity (nu = 0): every element grows by g = growth * interval_s per test, from the synapse counts.
    With multapses allowed and distinct populations every free element finds a partner until one side runs out,
    so after each test the synapse count is min(sum floor(z_a), sum floor(z_d)); the side with fewer free elements
    (the posts when n_pre >= n_post) is filled exactly: in_i = floor(z_d,i) (resp. out_j = floor(z_a,j))."""
    growth, interval, n_tests = 25.0, 100.0, 4
    net = pn.Network(dt=DT, seed=17, threads=2)
    src, dst = _silent_source(net, n_pre), _sink(net, n_post)
    rng = np.random.default_rng(1)
    m0 = 3 * n_post
    proj = net.connect(src, dst, pn.conn.FromArrays(rng.integers(0, n_pre, m0), rng.integers(0, n_post, m0)))
    net.add_structural(proj, S.HomeostaticGrowth(growth_rate=growth, allow_multapses=True, interval=interval))
    za = np.bincount(proj.pre, minlength=n_pre).astype(np.float64)
    zd = np.bincount(proj.post, minlength=n_post).astype(np.float64)
    g = growth * round(interval / DT) * DT * 1e-3  # the engine's expression: elements per test
    assert g == 2.5
    for _ in range(n_tests):
        net.run(interval)
        _check(net, proj)
        za = np.maximum(0.0, za + g)
        zd = np.maximum(0.0, zd + g)
        out = np.bincount(proj.pre, minlength=n_pre)
        ind = np.bincount(proj.post, minlength=n_post)
        fa, fd = np.floor(za), np.floor(zd)
        assert proj.size == min(fa.sum(), fd.sum())
        assert np.all(out <= fa) and np.all(ind <= fd)
        if n_pre >= n_post:
            np.testing.assert_array_equal(ind, fd)
        else:
            np.testing.assert_array_equal(out, fa)
    log = net.structural_log
    assert set(log["kind"]) == {"created"} and len(log) == proj.size - m0


@pytest.mark.parametrize("side", ["axonal", "dendritic"])
def test_homeostatic_growth_retracts_when_driven_above_target(side):
    """One side fires regularly at 100 Hz (nu about 63 Hz after 1 s with tau_ca = 1 s, target 50 Hz), the other
    is silent. With g = 5.5 elements per test the driven neurons' elements change by g (1 - nu/50), about -1.46,
    so each driven neuron keeps max(0, c - 2) of its c synapses, and the silent side has no partner with free
    elements: nothing is created."""
    growth, interval, tau_ca, target = 5.5, 1000.0, 1000.0, 50.0
    n_a, n_b, dt = 30, 40, 0.5
    net = pn.Network(dt=dt, seed=19, threads=2)
    gen, spikes = _regular_train(n_a if side == "axonal" else n_b, 100.0, interval)
    if side == "axonal":
        pre = net.add_population(gen, n_a, name="pre")
        post = _sink(net, n_b, name="post")
    else:
        pre = _silent_source(net, n_a, name="pre")
        post = net.add_population(gen, n_b, name="post")
    rng = np.random.default_rng(2)
    m0 = 160
    proj = net.connect(pre, post, pn.conn.FromArrays(rng.integers(0, n_a, m0), rng.integers(0, n_b, m0)))
    rule = S.HomeostaticGrowth(target_rate=target, growth_rate=growth, tau_ca=tau_ca, interval=interval)
    net.add_structural(proj, rule)
    driven = proj.pre if side == "axonal" else proj.post
    c = np.bincount(driven, minlength=n_a if side == "axonal" else n_b)
    # nu at the test: the trace (1 per spike, decaying with tau_ca) read at the end of the last step, in Hz
    nu = np.exp(-(interval - dt - spikes) / tau_ca).sum() / tau_ca * 1e3
    dz = growth * interval * 1e-3 * (1 - nu / target)
    assert -2 + 0.3 < dz < -1 - 0.3  # far from the integers: a one-spike (1 Hz) or one-step change does not matter
    net.run(interval)
    _check(net, proj)
    driven = proj.pre if side == "axonal" else proj.post
    np.testing.assert_array_equal(np.bincount(driven, minlength=len(c)), np.maximum(0, c - 2))
    log = net.structural_log
    assert set(log["kind"]) == {"pruned"} and len(log) == np.minimum(c, 2).sum() == m0 - proj.size
    np.testing.assert_allclose(log["t"], interval, atol=1e-9)


def _homeostatic_recurrent(threads: int, seed: int = 23):
    net = pn.Network(dt=0.5, seed=seed, threads=threads)
    n = 120
    pop = net.add_population(pn.models.PoissonSource(rate=np.linspace(0.0, 12.0, n)), n, name="pop")
    rng = np.random.default_rng(3)
    proj = net.connect(pop, pop, pn.conn.FromArrays(rng.integers(0, n, 400), rng.integers(0, n, 400)), name="rec")
    net.add_structural(
        proj,
        S.HomeostaticGrowth(
            target_rate=5.0, growth_rate=20.0, tau_ca=100.0, weight=pn.conn.Uniform(0.5, 1.5), interval=50.0
        ),
    )
    return net, proj


def test_homeostatic_growth_thread_independent():
    ref = None
    for threads in (1, 2, 3, 4):
        net, proj = _homeostatic_recurrent(threads)
        net.run(500.0)
        _check(net, proj)
        log = net.structural_log
        got = (_snapshot(proj), [log[f].tolist() for f in log.dtype.names])
        if ref is None:
            ref = got
            kinds = Counter(log["kind"].tolist())
            assert kinds["created"] > 100 and kinds["pruned"] > 100  # both growth and retraction happen
            new = log[log["kind"] == "created"]
            assert np.all(new["pre"] != new["post"])  # allow_self=False on a recurrent projection
        else:
            for a, b in zip(ref[0], got[0]):
                np.testing.assert_array_equal(a, b)
            assert ref[1] == got[1]


# ----------------------------------------------------------------------------------------------------------------
# 5. determinism and checkpoints: a small W6-like network (Poisson-driven LIFCond E/I, fixed in-degree, STDP on
#    E->E, pruning of weak E->E synapses and regrowth up to the in-degree)
# ----------------------------------------------------------------------------------------------------------------

T_W6 = 200.0


def _w6(threads: int, seed: int = 31):
    from pyneuro.workloads import COBA_NEURON

    net = pn.Network(dt=DT, seed=seed, threads=threads)
    inp = net.add_population(pn.models.PoissonSource(rate=20.0), 100, name="inputs")
    exc = net.add_population(pn.models.LIFCond(**COBA_NEURON), 80, name="exc")
    inh = net.add_population(pn.models.LIFCond(**COBA_NEURON), 20, name="inh")
    stdp = pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.048, a_post=-0.0504, w_min=0.0, w_max=4.8)
    net.connect(inp, exc, pn.conn.FixedInDegree(20), weight=2.0, delay=0.5, name="in_e")
    net.connect(inp, inh, pn.conn.FixedInDegree(20), weight=2.0, delay=0.5, name="in_i")
    ee = net.connect(
        exc, exc, pn.conn.FixedInDegree(8, allow_multapses=False), weight=2.4, delay=0.1, plasticity=stdp, name="ee"
    )
    net.connect(exc, inh, pn.conn.FixedInDegree(8), weight=2.4, delay=0.1, name="ei")
    net.connect(inh, exc, pn.conn.FixedInDegree(4), weight=20.0, delay=0.1, receptor="inh", name="ie")
    net.connect(inh, inh, pn.conn.FixedInDegree(4), weight=20.0, delay=0.1, receptor="inh", name="ii")
    net.add_structural(
        ee,
        S.Pruning(threshold=2.4, sustain=40.0, probability=0.3, interval=20.0),  # a per-synapse sustain column
        S.Growth(rate=50.0, weight=pn.conn.Uniform(2.0, 3.0), delay=0.1, max_in_degree=8, interval=20.0),
    )
    net.record_spikes(exc)
    net.record_spikes(inh)
    return net


def _w6_result(net: pn.Network) -> dict:
    ee = net.projections[[p.name for p in net.projections].index("ee")]
    log = net.structural_log
    out = {f"ee.{k}": v for k, v in zip(("pre", "post", "delay", "w"), _snapshot(ee))}
    for k, m in enumerate(net.monitors):
        out[f"spikes{k}.steps"], out[f"spikes{k}.idx"] = np.asarray(m.steps), np.asarray(m.indices)
    for f in log.dtype.names:
        out[f"log.{f}"] = log[f]
    return out


def _assert_same(a: dict, b: dict, what: str) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), f"{k} differs ({what})"


@pytest.fixture(scope="module")
def w6_reference():
    net = _w6(1)
    net.run(T_W6)
    _check(net, net.projections[2])
    res = _w6_result(net)
    kinds = Counter(res["log.kind"].tolist())
    assert kinds["created"] > 100 and kinds["pruned"] > 100  # rewiring happens throughout
    assert len(res["spikes0.steps"]) > 100 and len(res["spikes1.steps"]) > 20
    return res


@pytest.mark.parametrize("threads", [2, 3, 4])
def test_w6_identical_for_every_thread_count(w6_reference, threads):
    net = _w6(threads)
    net.run(T_W6)
    _check(net, net.projections[2])
    _assert_same(_w6_result(net), w6_reference, f"threads={threads}")


@pytest.mark.parametrize("t_save,load_threads", [(130.0, 3), (140.0, 1), (140.0, 4)])
def test_w6_checkpoint_mid_rewiring_continues_bit_for_bit(w6_reference, tmp_path, t_save, load_threads):
    """Saved between tests (130 ms) or right after a mutation phase (140 ms: applied before run() returned, so the
    loaded network must not apply it again), loaded with another thread count, continued to 200 ms."""
    net = _w6(2)
    net.run(t_save)
    before = _w6_result(net)
    assert Counter(before["log.kind"].tolist())["created"] > 0
    path = tmp_path / "w6.h5"
    net.save(path)
    net2 = pn.Network.load(path, threads=load_threads)
    _check(net2, net2.projections[2])
    _assert_same(_w6_result(net2), before, "right after loading")
    net2.run(T_W6 - t_save)
    _check(net2, net2.projections[2])
    _assert_same(_w6_result(net2), w6_reference, f"saved at {t_save}, loaded with threads={load_threads}")


@pytest.mark.parametrize("which", ["homeostatic", "sprouting"])
def test_checkpoint_keeps_elements_and_baseline(tmp_path, which):
    """HomeostaticGrowth's elements and Sprouting's baseline live in the checkpoint: saved between tests and loaded
    with another thread count, the run continues as the uninterrupted one (structure and log)."""
    if which == "homeostatic":
        make, t_save, t_end = (lambda th: _homeostatic_recurrent(th)), 225.0, 500.0
    else:
        make, t_save, t_end = (lambda th: _deafferented(th, rate=4.0, interval=50.0)[:2]), 75.0, 300.0
    net, proj = make(1)
    net.run(t_end)
    ref_log = net.structural_log
    net2, proj2 = make(2)
    net2.run(t_save)
    assert 0 < len(_log(net2, "created")) < len(ref_log[ref_log["kind"] == "created"])
    net2.save(tmp_path / "s.h5")
    net3 = pn.Network.load(tmp_path / "s.h5", threads=3)
    proj3 = net3.projections[0]
    net3.run(t_end - t_save)
    _check(net3, proj3)
    _same_structure(proj3, proj)
    log = net3.structural_log
    assert all(np.array_equal(log[f], ref_log[f]) for f in ref_log.dtype.names)


# ----------------------------------------------------------------------------------------------------------------
# 6. consistency: the store after every mutation phase, and the log as an exact account of the changes
# ----------------------------------------------------------------------------------------------------------------


def _events(log: np.ndarray, kinds: list[str]) -> Counter:
    sel = log[np.isin(log["kind"], kinds)]
    return Counter(zip(sel["pre"].tolist(), sel["post"].tolist(), sel["weight"].tolist()))


@pytest.mark.parametrize("threads", [1, 3])
def test_log_accounts_for_every_change_and_store_stays_consistent(threads):
    """Pruning (probabilistic) + Growth (random weights) on a static recurrent projection, with a neuron lesion
    scheduled between two tests and another at a test's step. After every phase proj_check passes, and the
    synapse multiset (pre, post, weight) equals the previous one minus the pruned and lesioned events plus the
    created ones of that interval; so the counts satisfy created - pruned - lesioned = the change in size."""
    interval = 10.0
    net = pn.Network(dt=DT, seed=29, threads=threads)
    pop = net.add_population(pn.models.PoissonSource(rate=30.0), 60, name="pop")
    sink = _sink(net, 60)
    rec = net.connect(
        pop, sink, pn.conn.FixedProbability(0.1), weight=pn.conn.Uniform(0.0, 2.0), name="rec", max_delay=0.5
    )
    net.add_structural(
        rec,
        S.Pruning(threshold=0.8, probability=0.5, interval=interval),
        S.Growth(rate=30.0, weight=pn.conn.Uniform(0.0, 2.0), delay=pn.conn.Uniform(0.1, 0.5), interval=interval),
    )
    net.lesion(neurons=(pop, [3, 17, 41]), at=35.0)  # between tests
    net.lesion(neurons=(sink, [5, 6]), at=50.0)  # at a test's step: the phase comes first, then the lesion
    seen = 0
    totals = Counter()
    for k in range(1, 9):
        prev = Counter(zip(rec.pre.tolist(), rec.post.tolist(), rec.weights.tolist()))
        size0 = rec.size
        net.run(interval)
        _check(net, rec)
        log = _log(net, proj="rec")
        new = log[seen:]
        seen = len(log)
        assert np.all((new["t"] > (k - 1) * interval + 1e-9) & (new["t"] <= k * interval + 1e-9))
        count = Counter(new["kind"].tolist())
        totals += count
        assert count["created"] - count["pruned"] - count["lesioned"] == rec.size - size0
        removed, created = _events(new, ["pruned", "lesioned"]), _events(new, ["created"])
        assert not removed - (prev + created), "a removed synapse was never there"
        now = Counter(zip(rec.pre.tolist(), rec.post.tolist(), rec.weights.tolist()))
        assert now + removed == prev + created
        assert np.all(new[new["kind"] == "pruned"]["weight"] < 0.8)
    assert totals["created"] > 50 and totals["pruned"] > 50 and totals["lesioned"] > 0
    lesion_events = _log(net, "lesioned", "rec")
    assert set(np.round(lesion_events["t"], 6)) == {35.0, 50.0}
    # after the lesions only regrowth (Growth does not avoid lesioned neurons) connects the lesioned neurons
    created = _log(net, "created", "rec")
    for t_les, field, ids in ((35.0, "pre", [3, 17, 41]), (50.0, "post", [5, 6])):
        now = Counter((a, b, w) for a, b, w, x in zip(rec.pre, rec.post, rec.weights, getattr(rec, field)) if x in ids)
        late = created[(created["t"] > t_les + 1e-9) & np.isin(created[field], ids)]
        assert not now - Counter(zip(late["pre"], late["post"], late["weight"]))


# ----------------------------------------------------------------------------------------------------------------
# 7. bad input: the error names the argument, nothing changes
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make,exc,name",
    [
        (lambda: S.Growth(rate=-1.0), ValueError, "Growth.rate"),
        (lambda: S.Sprouting(rate=-0.5), ValueError, "Sprouting.rate"),
        (lambda: S.Pruning(probability=0.0), ValueError, "Pruning.probability"),
        (lambda: S.Pruning(probability=1.5), ValueError, "Pruning.probability"),
        (lambda: S.Pruning(threshold=-1.0), ValueError, "Pruning.threshold"),
        (lambda: S.Pruning(interval=0.0), ValueError, "Pruning.interval"),
        (lambda: S.HomeostaticGrowth(target_rate=0.0), ValueError, "HomeostaticGrowth.target_rate"),
        (lambda: S.Growth(weight="strong"), TypeError, "Growth.weight"),
        (lambda: S.Growth(weight=-1.0), ValueError, "Growth.weight"),
        (lambda: S.Growth(weight=pn.conn.Uniform(-1.0, 1.0)), ValueError, "Growth.weight"),
        (lambda: S.Sprouting(delay="long"), TypeError, "Sprouting.delay"),
        (lambda: S.Growth(max_in_degree=2.5), TypeError, "Growth.max_in_degree"),
        (lambda: S.Growth(allow_self=1), TypeError, "allow_self"),
    ],
)
def test_invalid_rule_parameters_raise(make, exc, name):
    with pytest.raises(exc, match=name.replace(".", r"\.")):
        make()


def _small(threads: int = 1):
    net = pn.Network(dt=DT, seed=1, threads=threads)
    src, dst = _silent_source(net, 10), _sink(net, 10)
    proj = net.connect(src, dst, pn.conn.FixedInDegree(3), weight=0.5, delay=0.5, name="p")
    return net, proj


def _unchanged_after_run(net, proj, snap) -> None:
    assert proj.structural == []
    net.run(50.0)
    for a, b in zip(_snapshot(proj), snap):
        np.testing.assert_array_equal(a, b)
    assert len(net.structural_log) == 0


@pytest.mark.parametrize(
    "rules,exc,name",
    [
        (
            (S.Growth(rate=1000.0, interval=10.0), S.Pruning(threshold=1.0, interval=0.05)),
            ValueError,
            "Pruning.interval",
        ),
        ((S.Growth(rate=1000.0, interval=0.01),), ValueError, "Growth.interval"),
        ((S.Growth(rate=1000.0, delay=0.05),), ValueError, "Growth.delay"),
        ((S.Pruning(threshold=1.0, interval=10.0), "Pruning"), TypeError, r"rules\[1\]"),
        ((pn.plasticity.STDP(),), TypeError, r"rules\[0\]"),
        ((), ValueError, "at least one rule"),
    ],
)
def test_add_structural_bad_rules_change_nothing(rules, exc, name):
    net, proj = _small()
    snap = _snapshot(proj)
    with pytest.raises(exc, match=name):
        net.add_structural(proj, *rules)
    _unchanged_after_run(net, proj, snap)


def test_add_structural_refuses_foreign_projection():
    net, proj = _small()
    other, _ = _small()
    with pytest.raises(ValueError, match="belongs to another network"):
        other.add_structural(proj, S.Pruning(threshold=1.0, interval=10.0))
    assert proj.structural == []


def test_add_structural_refuses_weight_monitored_projection():
    net, proj = _small()
    mon = net.record_weights(proj, every=10.0)
    snap = _snapshot(proj)
    with pytest.raises(ValueError, match="weight monitor"):
        net.add_structural(proj, S.Pruning(threshold=1.0, interval=10.0))
    _unchanged_after_run(net, proj, snap)
    values = np.asarray(mon.values)  # the monitor keeps recording the unchanged projection
    assert values.shape == (len(mon.times), proj.size) and len(mon.times) >= 5
    assert np.all(values == snap[3][None, :])


def test_record_weights_refused_on_rewired_projection():
    net, proj = _small()
    net.add_structural(proj, S.Growth(rate=100.0, interval=10.0))
    monitors = list(net.monitors)
    with pytest.raises(ValueError, match="structural"):
        net.record_weights(proj)
    assert net.monitors == monitors


def test_growth_delay_above_max_delay_is_refused():
    net, proj = _small()
    assert proj.max_delay == pytest.approx(0.5)
    with pytest.raises(ValueError, match="delay"):
        net.add_structural(proj, S.Growth(rate=100.0, delay=5.0, interval=10.0))


def test_structure_monitor_follows_rewiring_and_survives_checkpoints(tmp_path):
    """net.record_structure takes a snapshot now and every `every` ms (between steps, inside run); each snapshot
    equals the projection's canonical arrays at that time, also across a checkpoint."""

    def build():
        net = pn.Network(dt=DT, seed=4, threads=2)
        a = net.add_population(pn.models.PoissonSource(rate=20.0), 30, name="a")
        b = net.add_population(pn.models.LIFCond(tau_syn_ex=5.0), 20, name="b")
        proj = net.connect(a, b, pn.conn.FixedProbability(0.3), weight=pn.conn.Uniform(0.0, 2.0), max_delay=1.0)
        net.add_structural(
            proj,
            S.Pruning(threshold=0.5, probability=0.5, interval=10.0),
            S.Growth(rate=50.0, weight=pn.conn.Uniform(0.0, 2.0), interval=10.0),
        )
        return net, proj

    net, proj = build()
    mon = net.record_structure(proj, every=25.0)
    with pytest.raises(ValueError, match="record_structure"):
        net.record_weights(proj)
    want = []
    ref, rproj = build()
    for t in np.arange(0.0, 101.0, 25.0):  # the reference: snapshots by hand between runs
        if t > 0:
            ref.run(25.0)
        want.append((rproj.pre, rproj.post, rproj.weights))
    net.run(60.0)
    net.save(tmp_path / "s.h5")
    net2 = pn.Network.load(tmp_path / "s.h5")
    net.run(40.0)
    net2.run(40.0)
    for m in (mon, net2.monitors[0]):
        assert np.allclose(m.times, [0.0, 25.0, 50.0, 75.0, 100.0])
        assert len(set(m.counts)) > 1  # the structure changed between snapshots
        for k, (pre, post, w) in enumerate(want):
            snap = m.snapshot(k)
            assert np.array_equal(snap["pre"], pre) and np.array_equal(snap["post"], post)
            assert np.array_equal(snap["weight"], w)
