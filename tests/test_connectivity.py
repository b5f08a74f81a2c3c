"""Connection rules, weight/delay distributions and the canonical synapse order, against their definitions.

Statistical checks use fixed seeds and bounds a correct implementation passes with overwhelming probability
(5 sigma, or chi-square / KS p-values > 1e-6), while a wrong rule (wrong p, missing boundary, biased sources,
floor instead of nearest rounding, ...) fails them.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

import pyneuro as pn

DT = 0.1
C = pn.conn


def _net(seed: int = 1, threads: int = 1, dt: float = DT) -> pn.Network:
    return pn.Network(dt=dt, seed=seed, threads=threads)


def _pops(net, n_pre, n_post, same=False, model=None):
    model = model if model is not None else pn.models.LIF()
    pre = net.add_population(model, n=n_pre)
    post = pre if same else net.add_population(model, n=n_post)
    return pre, post


def _pairs(proj, n_post):
    return proj.pre.astype(np.int64) * n_post + proj.post.astype(np.int64)


def _within_sigma(x, mean, var, k=5.0):
    return abs(x - mean) <= k * math.sqrt(var)


def _chi2_uniform_p(counts):
    counts = np.asarray(counts, dtype=np.float64)
    return stats.chisquare(counts).pvalue


# ------------------------------------------------------------------------------------------------- AllToAll


@pytest.mark.parametrize("threads", [1, 3])
def test_all_to_all_every_pair_once(threads):
    net = _net(threads=threads)
    pre, post = _pops(net, 7, 53)
    proj = net.connect(pre, post, C.AllToAll())
    assert proj.size == 7 * 53
    expected = np.array([i * 53 + j for i, j in itertools.product(range(7), range(53))])
    np.testing.assert_array_equal(np.sort(_pairs(proj, 53)), expected)
    # canonical order with a single delay is exactly the row-major product
    np.testing.assert_array_equal(proj.pre, np.repeat(np.arange(7), 53))
    np.testing.assert_array_equal(proj.post, np.tile(np.arange(53), 7))


@pytest.mark.parametrize("threads", [1, 3])
def test_all_to_all_self(threads):
    n = 37
    net = _net(threads=threads)
    a = net.add_population(pn.models.LIF(), n=n)
    proj = net.connect(a, a, C.AllToAll(allow_self=False))
    assert proj.size == n * (n - 1)
    assert not np.any(proj.pre == proj.post)
    expected = [i * n + j for i in range(n) for j in range(n) if i != j]
    np.testing.assert_array_equal(np.sort(_pairs(proj, n)), expected)
    # allow_self=True on the same population: every pair including i -> i
    proj2 = net.connect(a, a, C.AllToAll(allow_self=True))
    assert proj2.size == n * n
    assert np.sum(proj2.pre == proj2.post) == n
    # allow_self=False between two distinct populations of equal size: i -> i is not a self-connection
    b = net.add_population(pn.models.LIF(), n=n)
    proj3 = net.connect(a, b, C.AllToAll(allow_self=False))
    assert proj3.size == n * n


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize(
    "n_pre, n_post, same, allow_self", [(5, 9, False, True), (3, 5000, False, True), (40, 40, True, False)]
)
def test_all_to_all_weight_and_delay_matrix(threads, n_pre, n_post, same, allow_self):
    rng = np.random.default_rng(5)
    W = rng.uniform(0.0, 10.0, size=(n_pre, n_post)).astype(np.float32)
    D = rng.integers(1, 30, size=(n_pre, n_post)) * DT
    net = _net(threads=threads)
    pre, post = _pops(net, n_pre, n_post, same=same)
    proj = net.connect(pre, post, C.AllToAll(allow_self=allow_self), weight=W, delay=D)
    p, q = proj.pre.astype(np.int64), proj.post.astype(np.int64)
    assert proj.size == (n_pre * n_post if allow_self else n_pre * (n_post - 1))
    np.testing.assert_array_equal(proj.weights, W[p, q])
    np.testing.assert_array_equal(proj.delay_steps, np.rint(D[p, q] / DT).astype(np.int64))


def test_all_to_all_matrix_wrong_shape():
    net = _net()
    pre, post = _pops(net, 4, 6)
    with pytest.raises(ValueError):
        net.connect(pre, post, C.AllToAll(), weight=np.ones((6, 4)))
    assert net.projections == []


# ------------------------------------------------------------------------------------------------- OneToOne


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("n", [1, 50, 5000])
def test_one_to_one(threads, n):
    rng = np.random.default_rng(n)
    w = rng.uniform(0.0, 3.0, n)
    d = rng.integers(1, 20, n) * DT
    net = _net(threads=threads)
    pre, post = _pops(net, n, n)
    proj = net.connect(pre, post, C.OneToOne(), weight=w, delay=d)
    np.testing.assert_array_equal(proj.pre, np.arange(n))
    np.testing.assert_array_equal(proj.post, np.arange(n))
    np.testing.assert_array_equal(proj.weights, w.astype(np.float32))
    np.testing.assert_array_equal(proj.delay_steps, np.rint(d / DT).astype(np.int64))


def test_one_to_one_unequal_sizes():
    net = _net()
    pre, post = _pops(net, 10, 11)
    with pytest.raises(ValueError):
        net.connect(pre, post, C.OneToOne())
    assert net.projections == []


def test_one_to_one_weight_array_wrong_length():
    net = _net()
    pre, post = _pops(net, 10, 10)
    with pytest.raises(ValueError):
        net.connect(pre, post, C.OneToOne(), weight=np.ones(9))


# ------------------------------------------------------------------------------------------------- FixedProbability


@pytest.mark.parametrize(
    "n_pre, n_post, p, seed",
    [
        (400, 500, 0.1, 1),
        (400, 500, 0.02, 2),
        (300, 300, 0.5, 3),
        (200, 250, 0.93, 4),
        (20, 9000, 0.1, 5),
        (1000, 1000, 0.001, 6),
    ],
)
def test_fixed_probability_count(n_pre, n_post, p, seed):
    net = _net(seed=seed, threads=2)
    pre, post = _pops(net, n_pre, n_post)
    proj = net.connect(pre, post, C.FixedProbability(p))
    N = n_pre * n_post
    assert _within_sigma(proj.size, N * p, N * p * (1 - p)), (proj.size, N * p)
    pairs = _pairs(proj, n_post)
    assert np.unique(pairs).size == pairs.size  # no multapses
    # pairs are spread uniformly: the post histogram (and the pre histogram) are uniform
    if proj.size >= 5 * n_post:
        assert _chi2_uniform_p(np.bincount(proj.post, minlength=n_post)) > 1e-6
    if proj.size >= 5 * n_pre:
        assert _chi2_uniform_p(np.bincount(proj.pre, minlength=n_pre)) > 1e-6


def test_fixed_probability_gap_distribution():
    """Within a row the gaps between successive targets are geometric(p) (tests the skipping sampler, also
    across the 4096-neuron stream blocks)."""
    p, n_pre, n_post = 0.2, 30, 9000
    net = _net(seed=11)
    pre, post = _pops(net, n_pre, n_post)
    proj = net.connect(pre, post, C.FixedProbability(p))
    gaps = []
    for j in range(n_pre):
        q = np.sort(proj.post[proj.pre == j].astype(np.int64))
        gaps.append(np.diff(np.concatenate([[-1], q])))
    g = np.concatenate(gaps)
    # P(gap = k) = (1-p)^(k-1) p, k >= 1; compare the first 15 values and the tail
    kmax = 15
    obs = np.array([np.sum(g == k) for k in range(1, kmax + 1)] + [np.sum(g > kmax)], dtype=float)
    probs = np.array([(1 - p) ** (k - 1) * p for k in range(1, kmax + 1)] + [(1 - p) ** kmax])
    assert stats.chisquare(obs, probs * obs.sum()).pvalue > 1e-6


def test_fixed_probability_extremes():
    net = _net(threads=3)
    pre, post = _pops(net, 30, 70)
    assert net.connect(pre, post, C.FixedProbability(0.0)).size == 0
    proj = net.connect(pre, post, C.FixedProbability(1.0))
    assert proj.size == 30 * 70
    np.testing.assert_array_equal(np.sort(_pairs(proj, 70)), np.arange(30 * 70))
    a = net.add_population(pn.models.LIF(), n=45)
    proj = net.connect(a, a, C.FixedProbability(1.0, allow_self=False))
    assert proj.size == 45 * 44
    assert not np.any(proj.pre == proj.post)
    # allow_self only matters for the same population
    b = net.add_population(pn.models.LIF(), n=45)
    assert net.connect(a, b, C.FixedProbability(1.0, allow_self=False)).size == 45 * 45


@pytest.mark.parametrize("threads", [1, 3])
def test_fixed_probability_no_self(threads):
    n, p = 400, 0.3
    net = _net(seed=4, threads=threads)
    a = net.add_population(pn.models.LIF(), n=n)
    proj = net.connect(a, a, C.FixedProbability(p, allow_self=False))
    assert not np.any(proj.pre == proj.post)
    N = n * (n - 1)
    assert _within_sigma(proj.size, N * p, N * p * (1 - p))
    # with allow_self, about n*p of the n diagonal pairs exist
    proj2 = net.connect(a, a, C.FixedProbability(p, allow_self=True))
    k = int(np.sum(proj2.pre == proj2.post))
    assert _within_sigma(k, n * p, n * p * (1 - p))


def test_fixed_probability_degree_distributions():
    n_pre, n_post, p = 600, 500, 0.1
    net = _net(seed=8, threads=2)
    pre, post = _pops(net, n_pre, n_post)
    proj = net.connect(pre, post, C.FixedProbability(p))
    indeg = np.bincount(proj.post, minlength=n_post)
    outdeg = np.bincount(proj.pre, minlength=n_pre)
    for deg, n_src, n_items in ((indeg, n_pre, n_post), (outdeg, n_post, n_pre)):
        mean, var = n_src * p, n_src * p * (1 - p)
        assert _within_sigma(deg.mean(), mean, var / n_items)
        ratio = deg.var(ddof=1) / var
        assert 0.6 < ratio < 1.5, ratio


def test_fixed_probability_seeds():
    def build(seed, two=False):
        net = _net(seed=seed)
        pre, post = _pops(net, 100, 120)
        a = net.connect(pre, post, C.FixedProbability(0.1), weight=C.Uniform(0.0, 1.0))
        if two:
            b = net.connect(pre, post, C.FixedProbability(0.1), weight=C.Uniform(0.0, 1.0))
            return a, b
        return a

    a, b = build(1), build(1)
    np.testing.assert_array_equal(a.pre, b.pre)
    np.testing.assert_array_equal(a.post, b.post)
    np.testing.assert_array_equal(a.weights, b.weights)
    c = build(2)
    assert not (a.size == c.size and np.array_equal(_pairs(a, 120), _pairs(c, 120)))
    # two projections of one network draw from different streams
    x, y = build(1, two=True)
    assert not (x.size == y.size and np.array_equal(_pairs(x, 120), _pairs(y, 120)))
    # the overlap of two independent draws is about p^2 of all pairs, not ~p
    common = np.intersect1d(_pairs(a, 120), _pairs(c, 120)).size
    N, q = 100 * 120, 0.01
    assert _within_sigma(common, N * q, N * q * (1 - q))


# ------------------------------------------------------------------------------------------------- Fixed in/out-degree

# "in": each post neuron has n synapses (sources drawn); "out": each pre neuron has n (targets drawn)
DEG = {
    "in": (C.FixedInDegree, lambda proj: (proj.post, proj.pre)),
    "out": (C.FixedOutDegree, lambda proj: (proj.pre, proj.post)),
}


def _owner_sizes(kind, n_pre, n_post):
    # (number of owners, number of candidates) for the rule
    return (n_post, n_pre) if kind == "in" else (n_pre, n_post)


@pytest.mark.parametrize("kind", ["in", "out"])
@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("multapses", [True, False])
@pytest.mark.parametrize("n", [0, 1, 25, 150, 200])
def test_fixed_degree_exact(kind, threads, multapses, n):
    rule, split = DEG[kind]
    n_pre, n_post = (200, 300) if kind == "in" else (300, 200)
    net = _net(seed=3, threads=threads)
    pre, post = _pops(net, n_pre, n_post)
    proj = net.connect(pre, post, rule(n, allow_multapses=multapses))
    owners, cands = split(proj)
    n_owner, n_cand = _owner_sizes(kind, n_pre, n_post)
    assert proj.size == n * n_owner
    np.testing.assert_array_equal(np.bincount(owners, minlength=n_owner), np.full(n_owner, n))
    if not multapses:
        # sources (targets) of each owner are distinct
        key = owners.astype(np.int64) * n_cand + cands.astype(np.int64)
        assert np.unique(key).size == key.size
        if n == n_cand:  # all of them
            np.testing.assert_array_equal(np.bincount(cands, minlength=n_cand), np.full(n_cand, n_owner))


@pytest.mark.parametrize("kind", ["in", "out"])
@pytest.mark.parametrize(
    "multapses, n_pop, n", [(True, 40, 30), (False, 40, 20), (False, 40, 39), (False, 200, 10), (True, 200, 10)]
)
def test_fixed_degree_no_self(kind, multapses, n_pop, n):
    rule, split = DEG[kind]
    net = _net(seed=9, threads=2)
    a = net.add_population(pn.models.LIF(), n=n_pop)
    proj = net.connect(a, a, rule(n, allow_self=False, allow_multapses=multapses))
    owners, cands = split(proj)
    assert proj.size == n * n_pop
    assert not np.any(proj.pre == proj.post)
    np.testing.assert_array_equal(np.bincount(owners, minlength=n_pop), np.full(n_pop, n))
    if not multapses:
        key = owners.astype(np.int64) * n_pop + cands.astype(np.int64)
        assert np.unique(key).size == key.size
    # the offset (candidate - owner) mod n_pop is uniform over 1 .. n_pop-1 (self excluded without bias)
    off = (cands.astype(np.int64) - owners.astype(np.int64)) % n_pop
    counts = np.bincount(off, minlength=n_pop)
    assert counts[0] == 0
    if n < n_pop - 1:
        assert _chi2_uniform_p(counts[1:]) > 1e-6
    else:
        np.testing.assert_array_equal(counts[1:], np.full(n_pop - 1, n_pop))


@pytest.mark.parametrize("kind", ["in", "out"])
@pytest.mark.parametrize("multapses, n", [(True, 10), (False, 10), (False, 30)])
def test_fixed_degree_uniform_candidates(kind, multapses, n):
    """The histogram of drawn sources (targets) over many owners is uniform, and two candidates are drawn
    for one owner independently (with replacement) or as a uniform subset (without)."""
    rule, split = DEG[kind]
    n_cand, n_owner = 50, 3000
    n_pre, n_post = (n_cand, n_owner) if kind == "in" else (n_owner, n_cand)
    net = _net(seed=17, threads=2)
    pre, post = _pops(net, n_pre, n_post)
    proj = net.connect(pre, post, rule(n, allow_multapses=multapses))
    owners, cands = split(proj)
    assert _chi2_uniform_p(np.bincount(cands, minlength=n_cand)) > 1e-6
    # pairs (candidate a, candidate b) drawn for one owner are independent: the number of owners that draw
    # both candidate 0 and candidate 1 follows the expected rate
    has0 = np.zeros(n_owner, bool)
    has1 = np.zeros(n_owner, bool)
    has0[owners[cands == 0]] = True
    has1[owners[cands == 1]] = True
    if multapses:
        q1 = 1 - (1 - 1 / n_cand) ** n
        q2 = 1 - 2 * (1 - 1 / n_cand) ** n + (1 - 2 / n_cand) ** n
    else:
        q1 = n / n_cand
        q2 = n * (n - 1) / (n_cand * (n_cand - 1))
    assert _within_sigma(has0.sum(), n_owner * q1, n_owner * q1 * (1 - q1))
    assert _within_sigma((has0 & has1).sum(), n_owner * q2, n_owner * q2 * (1 - q2))


def test_fixed_degree_multapses_allowed_beyond_candidates():
    net = _net()
    pre, post = _pops(net, 5, 7)
    proj = net.connect(pre, post, C.FixedInDegree(20))
    np.testing.assert_array_equal(np.bincount(proj.post, minlength=7), np.full(7, 20))
    proj = net.connect(pre, post, C.FixedOutDegree(20))
    np.testing.assert_array_equal(np.bincount(proj.pre, minlength=5), np.full(5, 20))


@pytest.mark.parametrize("kind", ["in", "out"])
def test_fixed_degree_too_many_without_multapses(kind):
    rule, _ = DEG[kind]
    net = _net()
    pre, post = _pops(net, 10, 10)
    with pytest.raises(ValueError):
        net.connect(pre, post, rule(11, allow_multapses=False))
    a = net.add_population(pn.models.LIF(), n=10)
    with pytest.raises(ValueError):
        net.connect(a, a, rule(10, allow_self=False, allow_multapses=False))
    assert net.projections == []
    proj = net.connect(a, a, rule(9, allow_self=False, allow_multapses=False))
    assert proj.size == 90 and not np.any(proj.pre == proj.post)
    proj = net.connect(pre, post, rule(10, allow_multapses=False))
    assert proj.size == 100
    np.testing.assert_array_equal(np.sort(_pairs(proj, 10)), np.arange(100))


@pytest.mark.parametrize("kind", ["in", "out"])
def test_fixed_degree_long_rows_do_not_repeat(kind):
    """A row of 2 * 262144 draws: with independent draws the candidate histogram is multinomial; with a stream
    that repeats after 262144 draws every count is even (each draw appears twice) and the chi-square doubles."""
    rule, split = DEG[kind]
    n, n_cand = 2 * 262144, 1000
    net = _net(seed=1)
    pre, post = _pops(net, n_cand, 1) if kind == "in" else _pops(net, 1, n_cand)
    proj = net.connect(pre, post, rule(n))
    _, cands = split(proj)
    counts = np.bincount(cands, minlength=n_cand)
    assert not np.all(counts % 2 == 0)
    assert _chi2_uniform_p(counts) > 1e-6


# ------------------------------------------------------------------------------------------------- FromArrays


def _multiset(pre, post, dsteps, w):
    a = np.rec.fromarrays(
        [
            np.asarray(pre, np.int64),
            np.asarray(post, np.int64),
            np.asarray(dsteps, np.int64),
            np.asarray(w, np.float32),
        ],
        names="pre,post,d,w",
    )
    return np.sort(a, order=["pre", "post", "d", "w"])


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("m", [1, 300, 9000])
def test_from_arrays_multiset(threads, m):
    rng = np.random.default_rng(m)
    n_pre, n_post = 40, 70
    pre_i = rng.integers(0, n_pre, m)
    post_i = rng.integers(0, n_post, m)
    w = rng.uniform(0.0, 5.0, m)
    dsteps = rng.integers(1, 40, m)
    net = _net(threads=threads)
    pre, post = _pops(net, n_pre, n_post)
    proj = net.connect(pre, post, C.FromArrays(pre_i, post_i), weight=w, delay=dsteps * DT)
    assert proj.size == m
    got = _multiset(proj.pre, proj.post, proj.delay_steps, proj.weights)
    want = _multiset(pre_i, post_i, dsteps, w.astype(np.float32))
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("threads", [1, 3])
def test_from_arrays_repeats_are_multapses_in_creation_order(threads):
    net = _net(threads=threads)
    pre, post = _pops(net, 3, 60)
    pre_i = [2, 0, 0, 0, 2, 1]
    post_i = [59, 5, 5, 5, 59, 0]
    w = [7.0, 3.0, 1.0, 2.0, 8.0, 4.0]
    proj = net.connect(pre, post, C.FromArrays(pre_i, post_i), weight=w, delay=1.0)
    assert proj.size == 6
    np.testing.assert_array_equal(proj.pre, [0, 0, 0, 1, 2, 2])
    np.testing.assert_array_equal(proj.post, [5, 5, 5, 0, 59, 59])
    # ties (same pre, delay, post) keep their creation order
    np.testing.assert_array_equal(proj.weights, np.float32([3.0, 1.0, 2.0, 4.0, 7.0, 8.0]))


def test_from_arrays_empty():
    net = _net(threads=2)
    pre, post = _pops(net, 3, 4)
    proj = net.connect(pre, post, C.FromArrays([], []), weight=np.zeros(0), delay=np.zeros(0))
    assert proj.size == 0 and proj.pre.size == 0 and proj.weights.size == 0
    net.run(1.0)


@pytest.mark.parametrize(
    "pre_i, post_i",
    [([0, 5], [0, 1]), ([0, 1], [0, 7]), ([-1, 1], [0, 1]), ([0, 1], [0, -2]), ([0, 1, 2], [0, 1])],
)
def test_from_arrays_bad_indices(pre_i, post_i):
    net = _net()
    pre, post = _pops(net, 5, 7)
    with pytest.raises(ValueError):
        net.connect(pre, post, C.FromArrays(pre_i, post_i))
    assert net.projections == []


def test_from_arrays_value_arrays_wrong_length():
    net = _net()
    pre, post = _pops(net, 5, 7)
    with pytest.raises(ValueError):
        net.connect(pre, post, C.FromArrays([0, 1, 2], [0, 1, 2]), weight=[1.0, 2.0])
    with pytest.raises(ValueError):
        net.connect(pre, post, C.FromArrays([0, 1, 2], [0, 1, 2]), delay=[1.0, 2.0, 3.0, 4.0])
    assert net.projections == []


# ------------------------------------------------------------------------------------------------- thread independence

RULES = [
    ("all_to_all", lambda: C.AllToAll(), False),
    ("all_to_all_noself", lambda: C.AllToAll(allow_self=False), True),
    ("one_to_one", lambda: C.OneToOne(), False),
    ("fixed_prob", lambda: C.FixedProbability(0.1), False),
    ("fixed_prob_noself", lambda: C.FixedProbability(0.2, allow_self=False), True),
    ("in", lambda: C.FixedInDegree(12), False),
    ("in_nomult_noself", lambda: C.FixedInDegree(30, allow_self=False, allow_multapses=False), True),
    ("out", lambda: C.FixedOutDegree(12), False),
    ("out_nomult_noself", lambda: C.FixedOutDegree(30, allow_self=False, allow_multapses=False), True),
    ("from_arrays", None, False),
]


def _build_rule(name, factory, same, threads, weight, delay, n=130):
    net = _net(seed=21, threads=threads)
    pre, post = _pops(net, n, n, same=same)
    if factory is None:
        rng = np.random.default_rng(0)
        rule = C.FromArrays(rng.integers(0, n, 3000), rng.integers(0, n, 3000))
    else:
        rule = factory()
    return net.connect(pre, post, rule, weight=weight, delay=delay)


VALUES = [
    ("scalar", 1.5, 1.0),
    ("uniform", C.Uniform(0.5, 3.0), C.Uniform(0.1, 2.5)),
    ("normal", C.Normal(2.0, 1.0, low=0.0, high=4.0), C.Normal(1.0, 0.5, low=0.1, high=3.0)),
]


@pytest.mark.parametrize("values", VALUES, ids=[v[0] for v in VALUES])
@pytest.mark.parametrize("rule", RULES, ids=[r[0] for r in RULES])
def test_thread_count_independence(rule, values):
    name, factory, same = rule
    _, weight, delay = values
    ref = _build_rule(name, factory, same, 1, weight, delay)
    assert ref.size > 0
    for threads in (2, 3):
        p = _build_rule(name, factory, same, threads, weight, delay)
        assert np.array_equal(p.pre, ref.pre), f"{name}: pre differs with threads={threads}"
        assert np.array_equal(p.post, ref.post), f"{name}: post differs with threads={threads}"
        assert np.array_equal(p.delays, ref.delays), f"{name}: delays differ with threads={threads}"
        assert np.array_equal(p.delay_steps, ref.delay_steps)
        assert np.array_equal(p.weights, ref.weights), f"{name}: weights differ with threads={threads}"


@pytest.mark.parametrize("rule_name", ["fixed_prob", "one_to_one", "all_to_all"])
def test_thread_count_independence_across_stream_blocks(rule_name):
    """Posts beyond 4096 (another random block) and shard boundaries inside a block."""
    factory = {
        "fixed_prob": lambda: C.FixedProbability(0.05),
        "one_to_one": lambda: C.OneToOne(),
        "all_to_all": lambda: C.AllToAll(),
    }[rule_name]

    def build(threads):
        net = _net(seed=5, threads=threads)
        n_pre = 9000 if rule_name == "one_to_one" else 4
        pre, post = _pops(net, n_pre, 9000)
        return net.connect(pre, post, factory(), weight=C.Uniform(0.0, 1.0), delay=C.Uniform(0.1, 1.0))

    ref = build(1)
    for threads in (3, 4):
        p = build(threads)
        for attr in ("pre", "post", "delays", "weights"):
            assert np.array_equal(getattr(p, attr), getattr(ref, attr)), (attr, threads)


# ------------------------------------------------------------------------------------------------- canonical order


def _assert_canonical(proj):
    pre = proj.pre.astype(np.int64)
    d = proj.delay_steps.astype(np.int64)
    post = proj.post.astype(np.int64)
    assert np.all(np.diff(pre) >= 0), "pre is not non-decreasing"
    same_pre = np.diff(pre) == 0
    assert np.all(np.diff(d)[same_pre] >= 0), "delays not non-decreasing within a pre"
    same_pd = same_pre & (np.diff(d) == 0)
    assert np.all(np.diff(post)[same_pd] >= 0), "post not non-decreasing within (pre, delay)"


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("rule", RULES, ids=[r[0] for r in RULES])
def test_canonical_order(rule, threads):
    name, factory, same = rule
    proj = _build_rule(name, factory, same, threads, C.Uniform(0.0, 1.0), C.Uniform(0.1, 0.8))
    assert np.unique(proj.delay_steps).size > 3  # several delays, so the order is really tested
    _assert_canonical(proj)


# ------------------------------------------------------------------------------------------------- weight distributions


def _many_weights(weight, seed=2, n_pre=200, n_post=250, threads=2):
    net = _net(seed=seed, threads=threads)
    pre, post = _pops(net, n_pre, n_post)
    proj = net.connect(pre, post, C.AllToAll(), weight=weight)
    w = proj.weights
    assert w.dtype == np.float32
    return w


@pytest.mark.parametrize("a, b", [(0.0, 1.0), (0.2, 1.7), (3.0, 3.5)])
def test_uniform_weights(a, b):
    w = _many_weights(C.Uniform(a, b))
    n = w.size
    assert w.min() >= np.float32(a)
    assert w.max() <= np.float32(b)
    assert np.mean(w == np.float32(b)) < 1e-4  # [a, b): b itself only by float32 rounding
    wd = w.astype(np.float64)
    assert _within_sigma(wd.mean(), (a + b) / 2, (b - a) ** 2 / 12 / n)
    assert abs(wd.std() / ((b - a) / math.sqrt(12)) - 1) < 0.02
    assert stats.kstest(wd, stats.uniform(loc=a, scale=b - a).cdf).pvalue > 1e-6
    assert np.unique(w).size > 0.9 * n  # really drawn per synapse


def test_uniform_weights_other_rules():
    net = _net(seed=3)
    pre, post = _pops(net, 300, 300)
    for rule in (C.FixedProbability(0.3), C.FixedInDegree(90), C.FixedOutDegree(90)):
        w = net.connect(pre, post, rule, weight=C.Uniform(1.0, 2.0)).weights.astype(np.float64)
        assert w.min() >= 1.0 and w.max() <= 2.0
        assert stats.kstest(w, stats.uniform(loc=1.0, scale=1.0).cdf).pvalue > 1e-6


@pytest.mark.parametrize(
    "mean, std, low, high", [(1.0, 1.0, 0.5, 2.0), (5.0, 2.0, 0.0, math.inf), (3.0, 0.5, 2.5, 3.1)]
)
def test_normal_weights_clipped(mean, std, low, high):
    w32 = _many_weights(C.Normal(mean, std, low=low, high=high))
    lo32, hi32 = np.float32(low), np.float32(high)  # the bounds as stored (float32)
    n = w32.size
    assert w32.min() >= lo32 and w32.max() <= hi32
    a, b = (low - mean) / std, (high - mean) / std
    p_lo, p_hi = stats.norm.cdf(a), stats.norm.sf(b)
    n_lo, n_hi = np.sum(w32 == lo32), np.sum(w32 == hi32)
    assert _within_sigma(n_lo, n * p_lo, n * p_lo * (1 - p_lo) + 1e-12), (n_lo, n * p_lo)
    assert _within_sigma(n_hi, n * p_hi, n * p_hi * (1 - p_hi) + 1e-12), (n_hi, n * p_hi)
    inner = w32[(w32 > lo32) & (w32 < hi32)].astype(np.float64)
    tn = stats.truncnorm(a, b, loc=mean, scale=std)
    assert _within_sigma(inner.mean(), tn.mean(), tn.var() / inner.size)
    assert abs(inner.std() / tn.std() - 1) < 0.03
    assert stats.kstest(inner, tn.cdf).pvalue > 1e-6


def test_normal_example_from_brief():
    """Normal(1, 1, low=0.5, high=2): about Phi(-0.5) = 30.9 % of the weights sit at 0.5, 1 - Phi(1) at 2."""
    w = _many_weights(C.Normal(1.0, 1.0, low=0.5, high=2.0))
    assert abs(np.mean(w == 0.5) - stats.norm.cdf(-0.5)) < 0.01
    assert abs(np.mean(w == 2.0) - stats.norm.sf(1.0)) < 0.01


def test_normal_unclipped_moments():
    w = _many_weights(C.Normal(10.0, 1.5, low=0.0)).astype(np.float64)
    assert _within_sigma(w.mean(), 10.0, 1.5**2 / w.size)
    assert abs(w.std() / 1.5 - 1) < 0.02
    assert stats.kstest(w, stats.norm(10.0, 1.5).cdf).pvalue > 1e-6


def test_negative_weight_distributions_rejected():
    net = _net()
    pre, post = _pops(net, 5, 5)
    with pytest.raises(ValueError):
        net.connect(pre, post, C.AllToAll(), weight=C.Normal(1.0, 1.0))  # low = -inf
    with pytest.raises(ValueError):
        net.connect(pre, post, C.AllToAll(), weight=C.Uniform(-1.0, 1.0))
    with pytest.raises(ValueError):
        net.connect(pre, post, C.AllToAll(), weight=-1.0)
    assert net.projections == []


# ------------------------------------------------------------------------------------------------- delays


@pytest.mark.parametrize("dt", [0.1, 0.25])
def test_uniform_delays(dt):
    lo, hi = 0.5, 2.0
    net = _net(seed=6, threads=2, dt=dt)
    pre, post = _pops(net, 200, 200)
    proj = net.connect(pre, post, C.AllToAll(), delay=C.Uniform(lo, hi))
    d = proj.delays
    s = proj.delay_steps
    assert d.dtype == np.float64
    assert d.min() >= lo - 1e-9 and d.max() <= hi + 1e-9
    # whole multiples of dt, and delay_steps == round(delays / dt)
    np.testing.assert_allclose(d / dt, np.rint(d / dt), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(s.astype(np.int64), np.rint(d / dt).astype(np.int64))
    # rounding to the nearest step: the continuous draw in [lo/dt, hi/dt) steps maps to k for [k-1/2, k+1/2),
    # so the two end steps get half the mass of the inner ones (floor would give no hi/dt at all)
    a, b = lo / dt, hi / dt
    ks = np.arange(round(a), round(b) + 1)
    probs = np.array([(min(k + 0.5, b) - max(k - 0.5, a)) / (b - a) for k in ks])
    obs = np.array([np.sum(s == k) for k in ks], dtype=float)
    assert obs.sum() == s.size
    assert stats.chisquare(obs, probs * s.size).pvalue > 1e-6


def test_scalar_delay_rounding():
    net = _net()
    pre, post = _pops(net, 2, 2)
    for delay, steps in ((0.1, 1), (0.14, 1), (0.15, 2), (0.26, 3), (1.0, 10), (2.35, 24)):
        proj = net.connect(pre, post, C.OneToOne(), delay=delay)
        np.testing.assert_array_equal(proj.delay_steps, [steps, steps])
        np.testing.assert_allclose(proj.delays, [steps * DT] * 2, rtol=0, atol=1e-12)


def test_delay_below_dt_rejected():
    net = _net()
    pre, post = _pops(net, 2, 2)
    for bad in (0.05, 0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError):
            net.connect(pre, post, C.OneToOne(), delay=bad)
    with pytest.raises(ValueError):
        net.connect(pre, post, C.OneToOne(), delay=C.Uniform(0.01, 1.0))
    assert net.projections == []
