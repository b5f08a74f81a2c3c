"""FixedTotalNumber and Normal(truncation="redraw") against their definitions.

FixedTotalNumber(n) (NEST fixed_total_number): exactly n synapses; with multapses every synapse picks its target and
its source uniformly (so the in-degrees are multinomial and the pair counts are too), without multapses the synapses
are a uniformly random n-subset of the eligible pairs. Redraw: values follow the normal distribution truncated to
[low, high] (not clipped), and a redrawn delay is never below one step.

Statistical checks use fixed seeds and bounds that a correct implementation passes with overwhelming probability
(5 sigma, or chi-square / KS p-values > 1e-6), while a wrong rule fails them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import pyneuro as pn

C = pn.conn
DT = 0.1


def _build(n_pre, n_post, rule, seed=1, threads=1, same=False, **kw):
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    pre = net.add_population(pn.models.LIF(), n_pre)
    post = pre if same else net.add_population(pn.models.LIF(), n_post)
    return net, net.connect(pre, post, rule, **kw)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("n", [0, 1, 7, 5000, 40000])
@pytest.mark.parametrize("multapses", [True, False])
def test_exact_total(threads, n, multapses):
    _, p = _build(300, 2500, C.FixedTotalNumber(n, allow_multapses=multapses), threads=threads)
    assert p.size == n
    assert p.pre.max(initial=0) < 300 and p.post.max(initial=0) < 2500
    if not multapses:
        assert np.unique(p.pre.astype(np.int64) * 2500 + p.post).size == n


def test_thread_count_independence_across_blocks():
    """Posts span several blocks, shards cut through blocks: identical synapses, weights and delays."""
    rule = C.FixedTotalNumber(120_000, allow_autapses=False)
    w = C.Normal(87.8, 8.78, 0.0, truncation="redraw")
    d = C.Normal(1.5, 0.75, truncation="redraw")
    ref = None
    for threads in (1, 2, 3, 5):
        net, p = _build(3100, 3100, rule, threads=threads, same=True, weight=w, delay=d)
        got = (p.pre, p.post, p.weights, p.delay_steps)
        assert p.compiled.check() == ""
        if ref is None:
            ref = got
        else:
            for a, b in zip(ref, got):
                np.testing.assert_array_equal(a, b)
    # another seed gives other synapses
    _, q = _build(3100, 3100, rule, seed=2, same=True)
    assert not np.array_equal(q.pre, ref[0])


def _digest(n_pre, n_post, rule, same, threads, **kw):
    import hashlib

    _, p = _build(n_pre, n_post, rule, seed=7, threads=threads, same=same, **kw)
    h = hashlib.sha256()
    for a in (p.pre, p.post, p.weights, p.delay_steps):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:32]


@pytest.mark.parametrize("threads", [1, 3])
def test_drawn_synapses_unchanged(threads):
    """The synapses, weights and delays drawn for a seed are pinned: the digests were recorded with an earlier
    implementation of the build (pairs stored per block and sorted by target and by source, one Philox block at a
    time); the batched, bucketed build must draw exactly the same network (with multapses and redrawn values,
    without multapses sparse and dense)."""
    w = C.Normal(87.8, 8.78, 0.0, truncation="redraw")
    d = C.Normal(1.5, 0.75, truncation="redraw")
    got = (
        _digest(2600, 2600, C.FixedTotalNumber(150_000, allow_autapses=False), True, threads, weight=w, delay=d),
        _digest(900, 2100, C.FixedTotalNumber(40_000, allow_multapses=False), False, threads,
                weight=C.Uniform(0.5, 1.5), delay=d),
        _digest(40, 1100, C.FixedTotalNumber(30_000, allow_multapses=False), False, threads,
                delay=C.Normal(1.0, 0.3, low=0.5, truncation="clip")),
    )
    assert got == (
        "fc2942fb499e6f6bb65bc2b898b6cd27",
        "f7b8449e97e9d7a2afeb427ddc108b59",
        "417357f3f78a0ab5e33d97c079f0faa5",
    )


def test_multinomial_in_degrees_and_uniform_sources():
    """In-degrees ~ Multinomial(n, 1/n_post): mean n/n_post, variance n p (1 - p); sources uniform (chi-square)."""
    n_pre, n_post, n = 700, 3000, 600_000
    _, p = _build(n_pre, n_post, C.FixedTotalNumber(n), threads=2)
    indeg = np.bincount(p.post, minlength=n_post)
    prob = 1.0 / n_post
    var = n * prob * (1 - prob)
    assert indeg.sum() == n
    # sample variance of the in-degrees: its own standard error is about var sqrt(2 / n_post)
    assert abs(indeg.var() - var) < 5 * var * math.sqrt(2.0 / n_post)
    # the posts' counts per block of 1024 (the builder's split) and overall are uniform
    assert stats.chisquare(indeg).pvalue > 1e-6
    assert stats.chisquare(np.bincount(p.pre, minlength=n_pre)).pvalue > 1e-6
    # every (pre, post) pair count is Poisson-like with mean n / (n_pre n_post): multapses occur at the right rate
    pairs = np.bincount(p.pre.astype(np.int64) * n_post + p.post, minlength=n_pre * n_post)
    lam = n / (n_pre * n_post)
    multi = np.count_nonzero(pairs >= 2)
    expect = n_pre * n_post * (1 - stats.binom.cdf(1, n, 1.0 / (n_pre * n_post)))
    assert abs(multi - expect) < 5 * math.sqrt(expect), (multi, expect, lam)


def test_block_split_counts_are_binomial():
    """The number of synapses onto the first half of the posts is Binomial(n, 1/2) across seeds."""
    n, n_post = 10_000, 4096
    left = []
    for seed in range(60):
        _, p = _build(50, n_post, C.FixedTotalNumber(n), seed=seed)
        left.append(np.count_nonzero(p.post < n_post // 2))
    left = np.array(left)
    # KS against the normal approximation of Binomial(10000, 0.5) (sd 50)
    assert stats.kstest((left - n / 2) / 50.0, "norm").pvalue > 1e-6


def test_no_autapses_and_no_multapses_uniform_subset():
    n_pop = 60
    n = 1200
    counts = np.zeros(n_pop * n_pop)
    for seed in range(40):
        _, p = _build(
            n_pop, n_pop, C.FixedTotalNumber(n, allow_autapses=False, allow_multapses=False), seed=seed, same=True
        )
        assert p.size == n and not np.any(p.pre == p.post)
        keys = p.pre.astype(np.int64) * n_pop + p.post
        assert np.unique(keys).size == n
        counts[keys] += 1
    eligible = counts.reshape(n_pop, n_pop)[~np.eye(n_pop, dtype=bool)]
    assert np.all(counts.reshape(n_pop, n_pop)[np.eye(n_pop, dtype=bool)] == 0)
    # each eligible pair is chosen with probability n / (n_pop (n_pop - 1)) per seed: binomial counts over 40 seeds
    pr = n / eligible.size
    assert abs(eligible.mean() - 40 * pr) < 1e-9
    assert abs(eligible.var() - 40 * pr * (1 - pr)) < 5 * 40 * pr * (1 - pr) * math.sqrt(2.0 / eligible.size)


def test_dense_without_multapses_is_every_pair():
    _, p = _build(40, 30, C.FixedTotalNumber(40 * 30, allow_multapses=False), threads=2)
    assert np.unique(p.pre.astype(np.int64) * 30 + p.post).size == 1200
    _, q = _build(40, 40, C.FixedTotalNumber(40 * 39, allow_autapses=False, allow_multapses=False), same=True)
    assert q.size == 1560 and not np.any(q.pre == q.post)


def test_bad_input():
    with pytest.raises(ValueError, match="FixedTotalNumber.n"):
        C.FixedTotalNumber(-1)
    with pytest.raises(ValueError, match="FixedTotalNumber.n"):
        C.FixedTotalNumber(2**32)
    net = pn.Network(dt=DT)
    a = net.add_population(pn.models.LIF(), 10)
    b = net.add_population(pn.models.LIF(), 10)
    with pytest.raises(ValueError, match="without multapses"):
        net.connect(a, b, C.FixedTotalNumber(101, allow_multapses=False))
    with pytest.raises(ValueError, match="without multapses"):
        net.connect(a, a, C.FixedTotalNumber(91, allow_autapses=False, allow_multapses=False))
    with pytest.raises(ValueError, match="order"):
        net.connect(a, b, C.FixedTotalNumber(10), weight=np.ones(10))
    assert net.projections == []


# ------------------------------------------------------------------------------------------------------------------
# Normal with redraw
# ------------------------------------------------------------------------------------------------------------------


def _truncnorm(mean, std, low, high):
    return stats.truncnorm((low - mean) / std, (high - mean) / std, loc=mean, scale=std)


@pytest.mark.parametrize("rule", [C.FixedTotalNumber(200_000), C.FixedInDegree(100), C.FixedProbability(0.1)])
def test_redrawn_weights_follow_truncated_normal(rule):
    mean, std, low, high = 1.0, 1.0, 0.5, 2.0
    _, p = _build(2000, 2000, rule, weight=C.Normal(mean, std, low, high, truncation="redraw"))
    w = p.weights.astype(np.float64)
    assert w.min() >= np.float32(low) and w.max() <= np.float32(high)
    # no pile-up at the bounds (a clip would put 31 % at 0.5)
    assert np.mean(w == np.float32(low)) < 1e-3
    assert stats.kstest(w, _truncnorm(mean, std, low, high).cdf).pvalue > 1e-6


def test_redraw_against_clip():
    _, pc = _build(500, 500, C.FixedInDegree(100), weight=C.Normal(1.0, 1.0, 0.5, 2.0))
    assert abs(np.mean(pc.weights == np.float32(0.5)) - stats.norm.cdf(-0.5)) < 0.01


def test_redrawn_delays_never_below_one_step():
    """PD14's inhibitory delays, N(0.75, 0.375) ms at dt = 0.1 ms: redrawn below half a step (rounding to 0 steps),
    so the step counts follow the truncated normal rounded to the nearest step, with nothing piled at 1 step."""
    mean, std = 0.75, 0.375
    _, p = _build(1000, 2000, C.FixedTotalNumber(400_000), delay=C.Normal(mean, std, truncation="redraw"), threads=2)
    steps = p.delay_steps.astype(np.int64)
    assert steps.min() == 1
    tn = _truncnorm(mean / DT, std / DT, 0.5, np.inf)
    kmax = int(steps.max())
    ks = np.arange(1, kmax + 1)
    probs = tn.cdf(ks + 0.5) - tn.cdf(ks - 0.5)
    probs[-1] += tn.sf(kmax + 0.5)
    obs = np.bincount(steps, minlength=kmax + 1)[1:]
    keep = probs * steps.size > 20
    chi = stats.chisquare(obs[keep], probs[keep] * steps.size * obs[keep].sum() / (probs[keep] * steps.size).sum())
    assert chi.pvalue > 1e-6


def test_redraw_bad_input():
    with pytest.raises(ValueError, match="truncation"):
        C.Normal(1.0, 1.0, truncation="reflect")
    with pytest.raises(ValueError, match="mass"):
        C.Normal(0.0, 1.0, low=10.0, truncation="redraw")
    net = pn.Network(dt=DT)
    a = net.add_population(pn.models.LIF(), 10)
    with pytest.raises(ValueError, match="low >= 0"):
        net.connect(a, a, C.AllToAll(), weight=C.Normal(1.0, 1.0, low=-1.0, truncation="redraw"))
    with pytest.raises(ValueError, match="mass"):  # all mass below half a step
        net.connect(a, a, C.AllToAll(), delay=C.Normal(0.01, 0.005, truncation="redraw"))
    assert net.projections == []


def test_redraw_in_growth_and_connect_new():
    net = pn.Network(dt=DT, seed=2)
    a = net.add_population(pn.models.LIF(), 50)
    b = net.add_population(pn.models.LIF(), 60)
    p = net.connect(a, b, C.FixedTotalNumber(10), delay=1.0, max_delay=5.0)
    p.connect_new(
        rule=C.FixedInDegree(20),
        weight=C.Normal(1.0, 1.0, 0.5, truncation="redraw"),
        delay=C.Normal(0.2, 1.0, truncation="redraw"),
    )
    assert p.size == 10 + 60 * 20
    assert p.weights.min() >= 0.5 and np.mean(p.weights == np.float32(0.5)) < 0.05
    assert p.delay_steps.min() >= 1 and p.delay_steps.max() <= 50


def test_fixed_total_number_normal_values_are_normal():
    """The builder's normal values (ziggurat): KS against N(mean, sd), and the tail beyond the ziggurat's
    R = 3.4426 sd holds its normal share (2 (1 - Phi(R)), about 5.8e-4)."""
    mean, sd = 100.0, 10.0
    _, p = _build(400, 2000, C.FixedTotalNumber(600_000), weight=C.Normal(mean, sd, low=0.0), threads=2)
    z = (p.weights.astype(np.float64) - mean) / sd
    assert abs(z.mean()) < 5 / math.sqrt(z.size) and abs(z.std() - 1) < 5 * math.sqrt(0.5 / z.size)
    assert stats.kstest(z, "norm").pvalue > 1e-6
    tail = np.count_nonzero(np.abs(z) > 3.442619855899)
    want = z.size * 2 * stats.norm.sf(3.442619855899)
    assert abs(tail - want) < 5 * math.sqrt(want)
