"""Poisson background input (Network.add_poisson_input) against its definition.

Every neuron receives, each step, a Poisson(n rate dt) number k of arrivals and its receptor input grows by k w.
With tau_syn_ex far below dt the current decays to exactly 0 within a step (it is flushed below 1e-30), so the
recorded I_ex at step t (after the step's arrivals, before its update) is exactly k_t w: the counts are observed
directly and compared with the Poisson distribution.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import pyneuro as pn

DT = 0.1


def _counts(n_neurons=400, n=1600, rate=8.0, w=0.5, t_ms=50.0, threads=1, seed=3, convention="pyneuro"):
    net = pn.Network(dt=DT, seed=seed, threads=threads, time_convention=convention)
    pop = net.add_population(pn.models.LIF(tau_syn_ex=1e-3, V_th=1e30), n_neurons)
    net.add_poisson_input(pop, n=n, rate=rate, weight=w)
    m = net.record_state(pop, "I_ex", every=DT)
    net.run(t_ms)
    k = m.values.astype(np.float64) / w
    assert np.all(k == np.round(k))
    return net, k.astype(np.int64)


@pytest.mark.parametrize("n, rate", [(1600, 8.0), (1, 10.0), (3, 2000.0), (100, 2.0e6)])
def test_counts_are_poisson(n, rate):
    lam = n * rate * DT * 1e-3
    _, k = _counts(n=n, rate=rate, t_ms=20.0 if lam > 100 else 50.0)
    k = k.ravel()
    assert abs(k.mean() - lam) < 5 * math.sqrt(lam / k.size)
    # variance = mean (a Bernoulli per step or a clipped count would be sub-Poisson)
    assert abs(k.var() - lam) < 5 * lam * math.sqrt(2.0 / k.size) + 5 * math.sqrt(lam / k.size)
    # full distribution: chi-square over the bins with enough expectation
    lo, hi = int(stats.poisson.ppf(1e-4, lam)), int(stats.poisson.isf(1e-4, lam))
    edges = np.arange(lo, hi + 2)
    obs = np.array([np.count_nonzero(k < lo)] + list(np.histogram(k, edges)[0]) + [np.count_nonzero(k > hi)])
    probs = np.concatenate(
        [[stats.poisson.cdf(lo - 1, lam)], stats.poisson.pmf(edges[:-1], lam), [stats.poisson.sf(hi, lam)]]
    )
    keep = probs * k.size >= 10
    other = obs[~keep].sum(), probs[~keep].sum()
    o = np.append(obs[keep], other[0])
    e = np.append(probs[keep], other[1]) * k.size
    if e[-1] < 10:
        o, e = o[:-1], e[:-1] * o[:-1].sum() / e[:-1].sum()
    assert stats.chisquare(o, e).pvalue > 1e-6


def test_independent_across_neurons_and_steps():
    _, k = _counts(n=10, rate=1000.0, t_ms=100.0)  # lambda = 1
    x = k - 1.0
    # lag-1 autocorrelation in time and correlation between neighbouring neurons ~ 0 (sd 1/sqrt(N))
    r_t = np.mean(x[1:] * x[:-1])
    r_i = np.mean(x[:, 1:] * x[:, :-1])
    assert abs(r_t) < 5 / math.sqrt(x[1:].size) and abs(r_i) < 5 / math.sqrt(x[:, 1:].size)


def test_thread_count_independence_and_seeds():
    _, a = _counts(threads=1)
    _, b = _counts(threads=3)
    np.testing.assert_array_equal(a, b)
    _, c = _counts(seed=4)
    assert not np.array_equal(a, c)


def test_nest_convention_delivers_one_step_later():
    """Under NEST's convention the arrivals of step t are added after the update of step t: sample t + 1 holds them."""
    _, a = _counts()
    _, b = _counts(convention="nest")
    np.testing.assert_array_equal(b[1:], a[:-1])
    assert np.all(b[0] == 0)


def test_drives_a_neuron_as_many_sources_do():
    """The mean free membrane potential under the input matches shot-noise theory: E[V] - E_L =
    n rate w tau_syn tau_m / C (LIF with exponential currents)."""
    p = pn.models.LIF(V_th=1e30, tau_m=10.0, C_m=250.0, tau_syn_ex=0.5)
    net = pn.Network(dt=DT, seed=1, threads=2)
    pop = net.add_population(p, 200)
    net.add_poisson_input(pop, n=2000, rate=8.0, weight=87.8)
    m = net.record_state(pop, "V_m", every=1.0)
    net.run(300.0)
    v = m.values[100:].astype(np.float64)
    want = p.E_L + 2000 * 8.0 * 1e-3 * 87.8 * 0.5 * 10.0 / 250.0
    assert abs(v.mean() - want) < 0.01 * abs(want - p.E_L)


def test_checkpoint_continues_bit_for_bit(tmp_path):
    def build(convention):
        net = pn.Network(dt=DT, seed=9, threads=2, time_convention=convention)
        pop = net.add_population(pn.models.LIF(), 300)
        net.connect(
            pop, pop, pn.conn.FixedTotalNumber(6000), weight=30.0, delay=pn.conn.Normal(1.5, 0.7, truncation="redraw")
        )
        inp = net.add_poisson_input(pop, n=900, rate=8.0, weight=87.8)
        net.add_poisson_input(pop, n=100, rate=8.0, weight=40.0, receptor="inh", name="inh_bg")
        sm = net.record_spikes(pop)
        return net, inp, sm

    for convention in ("pyneuro", "nest"):
        full, _, sm_full = build(convention)
        full.run(200.0)
        half, inp, _ = build(convention)
        half.run(100.0)
        half.save(tmp_path / "c.h5")
        loaded = pn.Network.load(tmp_path / "c.h5", threads=1)
        assert loaded.time_convention == convention
        assert [x.name for x in loaded.inputs] == ["poisson->pop0", "inh_bg"]
        assert loaded.inputs[1].receptor == "inh" and loaded.inputs[0].rate == 8.0
        loaded.run(100.0)
        sm = loaded.monitors[0]
        assert len(sm_full.times) > 100
        np.testing.assert_array_equal(sm.times, sm_full.times)
        np.testing.assert_array_equal(sm.indices, sm_full.indices)


def test_rate_change_between_runs():
    net, _ = _counts(t_ms=1.0)
    inp = net.inputs[0]
    inp.rate = 0.0
    m = net.monitors[0]
    net.run(5.0)
    assert np.all(m.values[-40:] == 0)
    with pytest.raises(ValueError, match="rate"):
        inp.rate = -1.0
    assert inp.rate == 0.0


def test_bad_input():
    net = pn.Network(dt=DT)
    pop = net.add_population(pn.models.LIF(), 3)
    src = net.add_population(pn.models.PoissonSource(rate=5.0), 3)
    with pytest.raises(ValueError, match="target"):
        net.add_poisson_input(src, 1, 1.0, 1.0)
    with pytest.raises(ValueError, match="receptor"):
        net.add_poisson_input(pop, 1, 1.0, 1.0, receptor="gaba")
    with pytest.raises(ValueError, match="whole"):
        net.add_poisson_input(pop, 1.5, 1.0, 1.0)
    with pytest.raises(ValueError, match="weight"):
        net.add_poisson_input(pop, 1, 1.0, -1.0)
    with pytest.raises(ValueError, match="arrivals per step"):
        net.add_poisson_input(pop, 1e12, 1e6, 1.0)
    other = pn.Network(dt=DT).add_population(pn.models.LIF(), 3)
    with pytest.raises(ValueError, match="another network"):
        net.add_poisson_input(other, 1, 1.0, 1.0)
    assert net.inputs == []
