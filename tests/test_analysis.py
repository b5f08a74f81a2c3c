"""pyneuro.analysis: every kernel against a straightforward numpy version, closed-form cases, real network output,
and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pyneuro as pn
import pyneuro.analysis as pa

RTOL = 1e-12


# ------------------------------------------------------------------------------------ numpy reference versions


def ref_edges(t0, t1, b):
    nb = math.floor((t1 - t0) / b + 1e-9)
    e = t0 + b * np.arange(nb + 1)
    e[-1] = min(e[-1], t1)
    return e


def ref_counts(t, i, n, b, t0, t1):
    e = ref_edges(t0, t1, b)
    return np.array([np.histogram(t[i == k], e)[0] for k in range(n)]).reshape(n, e.size - 1)


def ref_rates(t, i, n, t0, t1):
    sel = (t >= t0) & (t <= t1)
    return np.bincount(i[sel], minlength=n) / ((t1 - t0) / 1000.0)


def ref_cv(t, i, n, t0, t1):
    out = np.full(n, np.nan)
    for k in range(n):
        tk = np.sort(t[(i == k) & (t >= t0) & (t <= t1)], kind="stable")
        if tk.size >= 3:
            isi = np.diff(tk)
            with np.errstate(invalid="ignore"):  # all spikes at one time: 0/0
                out[k] = np.std(isi) / np.mean(isi)
    return out


def ref_fano(t, i, n, b, t0, t1):
    c = ref_counts(t, i, n, b, t0, t1)
    m = c.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > 0, c.var(axis=1) / m, np.nan)


def ref_synchrony(t, i, n, b, t0, t1):
    c = ref_counts(t, i, n, b, t0, t1).astype(float)
    den = c.var(axis=1).mean()
    return math.nan if den == 0 else math.sqrt(c.mean(axis=0).var() / den)


def ref_corr(t, i, n, b, t0, t1, pairs):
    c = ref_counts(t, i, n, b, t0, t1).astype(float)
    out = []
    for a, bb in pairs:
        if c[a].std() == 0 or c[bb].std() == 0:
            out.append(np.nan)
        else:
            out.append(np.corrcoef(c[a], c[bb])[0, 1])
    return np.array(out)


def ref_ccg(ta, tb, b, w):
    nb = round(2 * w / b)
    e = np.linspace(-w, w, nb + 1)
    d = (np.asarray(tb)[None, :] - np.asarray(ta)[:, None]).ravel()
    return (e[:-1] + e[1:]) / 2, np.histogram(d, e)[0]


def random_spikes(seed, n=12, m=3000, t_max=1000.0, grid=False):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, t_max, m)
    if grid:  # on a 0.1 ms grid, as a simulation gives: ties, and spikes on bin edges
        t = np.round(t / 0.1) * 0.1
    t = np.sort(t)
    i = rng.integers(0, n, m)
    return t, i


# -------------------------------------------------------------------------------------- against numpy, seeds

SEEDS = [0, 1, 2, 3]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("grid", [False, True])
def test_counts_rates_against_numpy(seed, grid):
    t, i = random_spikes(seed, grid=grid)
    for b, t0, t1 in [(5.0, 0.0, 1000.0), (0.1, 0.0, 1000.0), (7.3, 100.0, 950.5), (50.0, 0.3, 1000.0)]:
        assert np.array_equal(pa.spike_counts(t, i, 12, b, t0, t1), ref_counts(t, i, 12, b, t0, t1))
        np.testing.assert_allclose(pa.rates(t, i, 12, t0, t1), ref_rates(t, i, 12, t0, t1), rtol=RTOL)
    # defaults: t_start 0, t_stop the last spike
    assert np.array_equal(pa.spike_counts(t, i, 12, 10.0), ref_counts(t, i, 12, 10.0, 0.0, t.max()))
    np.testing.assert_allclose(pa.rates(t, i, 12), ref_rates(t, i, 12, 0.0, t.max()), rtol=RTOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_cv_fano_synchrony_against_numpy(seed):
    t, i = random_spikes(seed, grid=seed % 2 == 1)
    for t0, t1 in [(0.0, 1000.0), (123.4, 800.0)]:
        np.testing.assert_allclose(pa.isi_cv(t, i, 12, t0, t1), ref_cv(t, i, 12, t0, t1), rtol=RTOL)
        for b in (1.0, 20.0, 99.9):
            np.testing.assert_allclose(pa.fano_factor(t, i, 12, b, t0, t1), ref_fano(t, i, 12, b, t0, t1), rtol=RTOL)
            assert pa.synchrony(t, i, 12, b, t0, t1) == pytest.approx(ref_synchrony(t, i, 12, b, t0, t1), rel=RTOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_correlations_against_numpy(seed):
    t, i = random_spikes(seed, n=9)
    i[i == 4] = 3  # neuron 4 silent: NaN in its pairs
    res = pa.count_correlations(t, i, 9, 20.0, t_stop=1000.0)
    assert res.pairs.shape == (36, 2) and np.all(res.pairs[:, 0] < res.pairs[:, 1])
    np.testing.assert_allclose(res.r, ref_corr(t, i, 9, 20.0, 0.0, 1000.0, res.pairs), rtol=RTOL)
    assert np.isnan(res.r[(res.pairs == 4).any(axis=1)]).all()
    # given pairs, in any order
    pairs = np.array([[8, 0], [2, 2], [1, 5]])
    pr, r = pa.count_correlations(t, i, 9, 20.0, pairs=pairs, t_stop=1000.0)
    assert np.array_equal(pr, pairs)
    np.testing.assert_allclose(r, ref_corr(t, i, 9, 20.0, 0.0, 1000.0, pairs), rtol=RTOL)


def test_random_pair_subset_is_deterministic_and_distinct():
    t, i = random_spikes(5, n=300, m=20000)
    a = pa.count_correlations(t, i, 300, 50.0, max_pairs=500, seed=7)
    b = pa.count_correlations(t, i, 300, 50.0, max_pairs=500, seed=7)
    c = pa.count_correlations(t, i, 300, 50.0, max_pairs=500, seed=8)
    assert a.pairs.shape == (500, 2)
    assert np.array_equal(a.pairs, b.pairs) and np.array_equal(a.r, b.r, equal_nan=True)
    assert not np.array_equal(a.pairs, c.pairs)
    assert np.all(a.pairs[:, 0] < a.pairs[:, 1]) and a.pairs.max() < 300
    assert len({tuple(p) for p in a.pairs}) == 500
    np.testing.assert_allclose(a.r, ref_corr(t, i, 300, 50.0, 0.0, t.max(), a.pairs), rtol=RTOL)
    # the subset of a huge population stays cheap (no list of all ~5e9 pairs)
    p = pa._pairs(100_000, None, 1000, 0)
    assert p.shape == (1000, 2) and np.all(p[:, 0] < p[:, 1]) and p.max() < 100_000
    assert len({tuple(q) for q in p}) == 1000


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("grid", [False, True])
def test_cross_correlogram_against_brute_force(seed, grid):
    t, i = random_spikes(seed, n=3, m=1500, grid=grid)
    ta, tb = t[i == 0], t[i == 1]
    for b, w in [(1.0, 50.0), (1.0, 50.5), (0.1, 5.0), (2.5, 100.0)]:
        lags, counts = pa.cross_correlogram(ta, tb, b, w)
        rl, rc = ref_ccg(ta, tb, b, w)
        assert np.array_equal(counts, rc)
        np.testing.assert_allclose(lags, rl, rtol=RTOL, atol=1e-12)
    # autocorrelogram and unsorted input
    rng = np.random.default_rng(seed)
    assert np.array_equal(pa.cross_correlogram(rng.permutation(ta), ta, 1.0, 20.5)[1], ref_ccg(ta, ta, 1.0, 20.5)[1])


def test_population_cross_correlogram_against_brute_force():
    t, i = random_spikes(11, n=6, m=1200, grid=True)
    lags, mean = pa.population_cross_correlogram(t, i, 6, 1.0, 10.5, t_start=50.0, t_stop=900.0)
    sel = (t >= 50.0) & (t <= 900.0)
    pairs = [(a, b) for a in range(6) for b in range(a + 1, 6)]
    ref = sum(ref_ccg(t[sel & (i == a)], t[sel & (i == b)], 1.0, 10.5)[1] for a, b in pairs) / len(pairs)
    np.testing.assert_allclose(mean, ref, rtol=RTOL)
    assert np.array_equal(lags, ref_ccg([], [], 1.0, 10.5)[0])


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 4)), max_size=120),
    n=st.integers(5, 7),
    b=st.sampled_from([0.1, 0.3, 1.0, 2.5, 7.0]),
    t0=st.sampled_from([0.0, 0.5, 3.0]),
    span=st.sampled_from([20.0, 50.0, 100.3, 201.0]),
)
def test_hypothesis_grid_spikes(data, n, b, t0, span):
    """Spikes on the 0.1 ms grid (ties, bin edges, the window edges), unsorted, against the numpy versions."""
    t = np.array([s * 0.1 for s, _ in data], dtype=np.float64)
    i = np.array([k for _, k in data], dtype=np.int64)
    t1 = t0 + span
    assert np.array_equal(pa.spike_counts(t, i, n, b, t0, t1), ref_counts(t, i, n, b, t0, t1))
    np.testing.assert_allclose(pa.rates(t, i, n, t0, t1), ref_rates(t, i, n, t0, t1), rtol=RTOL)
    np.testing.assert_allclose(pa.isi_cv(t, i, n, t0, t1), ref_cv(t, i, n, t0, t1), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(pa.fano_factor(t, i, n, b, t0, t1), ref_fano(t, i, n, b, t0, t1), rtol=1e-9, atol=1e-12)
    s, rs = pa.synchrony(t, i, n, b, t0, t1), ref_synchrony(t, i, n, b, t0, t1)
    assert (math.isnan(s) and math.isnan(rs)) or s == pytest.approx(rs, rel=1e-9, abs=1e-12)
    assert np.array_equal(
        pa.cross_correlogram(t[i == 0], t[i == 1], b, 5 * b)[1], ref_ccg(t[i == 0], t[i == 1], b, 5 * b)[1]
    )


def test_unsorted_input_gives_the_same():
    t, i = random_spikes(3, grid=True)
    perm = np.random.default_rng(0).permutation(t.size)
    for f in (pa.isi_cv, pa.rates):
        np.testing.assert_array_equal(f(t[perm], i[perm], 12, 0.0, 1000.0), f(t, i, 12, 0.0, 1000.0))
    np.testing.assert_array_equal(
        pa.fano_factor(t[perm], i[perm], 12, 10.0, 0.0, 1000.0), pa.fano_factor(t, i, 12, 10.0, 0.0, 1000.0)
    )
    assert pa.synchrony(t[perm], i[perm], 12, 10.0) == pa.synchrony(t, i, 12, 10.0)


# ---------------------------------------------------------------------------------------------- closed forms


def poisson_population(rng, n, rate_hz, t_ms):
    counts = rng.poisson(rate_hz * t_ms * 1e-3, n)
    i = np.repeat(np.arange(n), counts)
    t = rng.uniform(0.0, t_ms, i.size)
    order = np.argsort(t)
    return t[order], i[order]


def test_poisson_rates_within_5_sigma():
    rng = np.random.default_rng(42)
    n, r, T = 200, 20.0, 10_000.0
    t, i = poisson_population(rng, n, r, T)
    sigma = math.sqrt(r / (T * 1e-3))  # std of a Poisson count over T, as a rate (Hz)
    assert np.all(np.abs(pa.rates(t, i, n, 0.0, T) - r) < 5 * sigma)
    cv = pa.isi_cv(t, i, n, 0.0, T)
    # the ddof-0 estimator of k exponential intervals has mean ~ 1 - 1.4/k and std ~ 1/sqrt(k) (Monte Carlo)
    k = r * T * 1e-3
    assert abs(np.mean(cv) - (1 - 1.4 / k)) < 5 / math.sqrt(k * n)
    assert abs(np.mean(pa.fano_factor(t, i, n, 100.0, 0.0, T)) - 1.0) < 0.05


def test_regular_train_has_cv_zero():
    period = 12.5
    t = np.arange(80) * period + 3.0
    cv = pa.isi_cv(t, np.zeros(t.size, dtype=np.int64), 2, 0.0, 1000.0)
    assert cv[0] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(cv[1])  # silent
    two = pa.isi_cv(np.array([1.0, 2.0, 5.0, 6.0, 7.0]), np.array([0, 0, 1, 1, 1]), 2)
    assert np.isnan(two[0]) and two[1] == 0.0  # fewer than 3 spikes: NaN


def test_identical_trains_synchrony_and_correlation_one():
    rng = np.random.default_rng(1)
    base = np.sort(rng.uniform(0.0, 2000.0, 400))
    n = 8
    t = np.repeat(base, n)
    i = np.tile(np.arange(n), base.size)
    assert pa.synchrony(t, i, n, 5.0, 0.0, 2000.0) == pytest.approx(1.0, rel=1e-12)
    assert np.allclose(pa.count_correlations(t, i, n, 10.0, t_stop=2000.0).r, 1.0, rtol=1e-12, atol=0)
    # half the neurons silent: chi^2 = n_active / n
    half = i < 4
    assert pa.synchrony(t[half], i[half], n, 5.0, 0.0, 2000.0) == pytest.approx(math.sqrt(0.5), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_independent_poisson_synchrony_near_one_over_sqrt_n(seed):
    """chi^2 = Var(V) / mean_i Var(C_i), and Var(V) = (1/n^2) [sum_i Var(C_i) + sum_{i != j} cov_ij]. For
    independent trains each sample covariance over nb bins has mean 0 and std ~ s^2 / sqrt(nb), the n(n-1)/2
    of them uncorrelated, so n chi^2 = 1 + z sqrt(2 (n-1) / (n nb)) with z ~ N(0, 1): |n chi^2 - 1| < 5 sqrt(2/nb)."""
    rng = np.random.default_rng(seed)
    n, r, T, b = 100, 20.0, 20_000.0, 10.0
    t, i = poisson_population(rng, n, r, T)
    chi = pa.synchrony(t, i, n, b, 0.0, T)
    nb = T / b
    assert abs(n * chi**2 - 1.0) < 5 * math.sqrt(2.0 / nb)
    assert chi < 1.2 / math.sqrt(n)
    rho = pa.count_correlations(t, i, n, 50.0, max_pairs=500, seed=seed, t_stop=T).r
    assert abs(np.mean(rho)) < 5 / math.sqrt(500 * T / 50.0)  # each r has std ~ 1/sqrt(nb); 500 near-independent


def test_cross_correlogram_of_shifted_train_peaks_at_the_shift():
    rng = np.random.default_rng(3)
    ta = np.sort(rng.uniform(0.0, 5000.0, 300))
    lags, c = pa.cross_correlogram(ta, ta + 4.0, 1.0, 20.5)
    assert lags[np.argmax(c)] == pytest.approx(4.0)
    assert c.max() >= 300  # every spike of a with its shifted copy, plus chance pairs
    assert np.delete(c, np.argmax(c)).max() < 60


# -------------------------------------------------------------------------------------- real pyneuro output


def test_end_to_end_on_a_poisson_population():
    net = pn.Network(dt=0.1, seed=3, threads=1)
    n, r, T = 400, 15.0, 2000.0
    src = net.add_population(pn.models.PoissonSource(rate=r), n=n)
    sm = net.record_spikes(src)
    net.run(T)
    t, i = sm.times, sm.indices
    # a monitor as first argument: n and t_stop (the simulated time) come from it
    np.testing.assert_array_equal(pa.rates(sm), pa.rates(t, i, n, 0.0, T))
    np.testing.assert_allclose(pa.rates(sm), sm.rates(), rtol=RTOL)
    np.testing.assert_allclose(pa.rates(sm, t_start=500.0), ref_rates(t, i, n, 500.0, T), rtol=RTOL)
    total = pa.rates(sm).mean()
    assert abs(total - r) < 5 * math.sqrt(r / (n * T * 1e-3))
    cv = pa.isi_cv(sm)
    np.testing.assert_allclose(cv, ref_cv(t, i, n, 0.0, T), rtol=RTOL)
    k = r * T * 1e-3  # ~30 intervals per neuron: the mean CV is biased low, ~ 1 - 1.4/k (see the Poisson test)
    assert abs(np.nanmean(cv) - (1 - 1.4 / k)) < 5 / math.sqrt(k * n)
    np.testing.assert_allclose(pa.fano_factor(sm, bin=50.0), ref_fano(t, i, n, 50.0, 0.0, T), rtol=RTOL)
    chi = pa.synchrony(sm, bin=5.0)
    assert chi == pytest.approx(ref_synchrony(t, i, n, 5.0, 0.0, T), rel=RTOL)
    assert abs(n * chi**2 - 1.0) < 5 * math.sqrt(2.0 / (T / 5.0))
    assert np.array_equal(pa.spike_counts(sm, bin=10.0), ref_counts(t, i, n, 10.0, 0.0, T))
    lags, ccg = pa.population_cross_correlogram(sm, bin=1.0, window=10.5, max_pairs=200, seed=1)
    assert lags.size == 21 and abs(ccg.mean() - (r * 1e-3) ** 2 * T * 1.0) < 0.1 * (r * 1e-3) ** 2 * T


def test_end_to_end_on_a_small_coba_network():
    from pyneuro import workloads

    w = workloads.coba(n_exc=400, n_inh=100, p=0.16, seed=2)
    w.net.run(300.0)
    sm = w.spikes["exc"]
    t, i = sm.times, sm.indices
    assert t.size > 0
    np.testing.assert_allclose(pa.rates(sm), ref_rates(t, i, 400, 0.0, 300.0), rtol=RTOL)
    np.testing.assert_allclose(pa.isi_cv(sm, t_start=50.0), ref_cv(t, i, 400, 50.0, 300.0), rtol=RTOL)
    chi = pa.synchrony(sm, bin=2.0, t_start=50.0)
    assert chi == pytest.approx(ref_synchrony(t, i, 400, 2.0, 50.0, 300.0), rel=RTOL)
    assert 0.0 <= chi <= 1.0
    res = pa.count_correlations(sm, bin=10.0, max_pairs=300, seed=0)
    np.testing.assert_allclose(res.r, ref_corr(t, i, 400, 10.0, 0.0, 300.0, res.pairs), rtol=RTOL)


# -------------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda t, i: pa.spike_counts(t, i, 5, -1.0), ValueError, "bin"),
        (lambda t, i: pa.spike_counts(t, i, 5, 0.0), ValueError, "bin"),
        (lambda t, i: pa.spike_counts(t, i, 5, 5000.0, 0.0, 100.0), ValueError, "bin"),
        (lambda t, i: pa.fano_factor(t, i, 5, float("nan")), ValueError, "bin"),
        (lambda t, i: pa.rates(t, i, 3), ValueError, "indices"),
        (lambda t, i: pa.rates(t, -i - 1, 5), ValueError, "indices"),
        (lambda t, i: pa.rates(t, i[:-1], 5), ValueError, "indices"),
        (lambda t, i: pa.rates(t, i.astype(float), 5), TypeError, "indices"),
        (lambda t, i: pa.rates(t, i, 5, 10.0, 10.0), ValueError, "t_stop"),
        (lambda t, i: pa.rates(t, i, 5, 10.0, 5.0), ValueError, "t_stop"),
        (lambda t, i: pa.rates(t, i, 5, float("inf")), ValueError, "t_start"),
        (lambda t, i: pa.rates(np.where(i == 2, np.nan, t), i, 5), ValueError, "times"),
        (lambda t, i: pa.rates(np.where(i == 2, np.inf, t), i, 5), ValueError, "times"),
        (lambda t, i: pa.rates(t.astype(str), i, 5), TypeError, "times"),
        (lambda t, i: pa.rates(t[None], i, 5), ValueError, "times"),
        (lambda t, i: pa.rates(t, i, 0), ValueError, "n"),
        (lambda t, i: pa.rates(t, i, 5.0), TypeError, "n"),
        (lambda t, i: pa.rates(t, i), TypeError, "n"),
        (lambda t, i: pa.rates(t), TypeError, "indices"),
        (lambda t, i: pa.rates(t[:0], i[:0], 5), ValueError, "t_stop"),
        (lambda t, i: pa.count_correlations(t, i, 5, 10.0, pairs=[[0, 5]]), ValueError, "pairs"),
        (lambda t, i: pa.count_correlations(t, i, 5, 10.0, pairs=[0, 1]), ValueError, "pairs"),
        (lambda t, i: pa.count_correlations(t, i, 5, 10.0, max_pairs=0), ValueError, "max_pairs"),
        (lambda t, i: pa.count_correlations(t, i, 5, 10.0, seed=1.5), TypeError, "seed"),
        (lambda t, i: pa.cross_correlogram(t, t, 1.0, 10.3), ValueError, "window"),
        (lambda t, i: pa.cross_correlogram(t, t, -1.0, 10.0), ValueError, "bin"),
        (lambda t, i: pa.cross_correlogram(t, t, 1.0, 0.0), ValueError, "window"),
        (lambda t, i: pa.cross_correlogram(t, [np.nan], 1.0, 10.0), ValueError, "times_b"),
        (lambda t, i: pa.population_cross_correlogram(t, i, 5, 1.0, -2.0), ValueError, "window"),
    ],
)
def test_bad_input_names_the_argument(call, exc, words):
    t, i = random_spikes(0, n=5, m=200)
    with pytest.raises(exc, match=words):
        call(t, i)


def test_monitor_like_objects():
    class Spikes:
        def __init__(self, t, i):
            self.times, self.indices = t, i

    t, i = random_spikes(2, n=4, m=500)
    np.testing.assert_array_equal(pa.rates(Spikes(t, i), n=4), pa.rates(t, i, 4))
    with pytest.raises(TypeError, match="n"):
        pa.rates(Spikes(t, i))
    assert np.array_equal(pa.rates(t[:0], i[:0], 3, 0.0, 10.0), np.zeros(3))
    assert np.isnan(pa.synchrony(t[:0], i[:0], 3, 1.0, 0.0, 10.0))
    assert pa.cross_correlogram([], t, 1.0, 5.0)[1].sum() == 0
