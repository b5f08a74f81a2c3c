"""pn.plasticity.Metaplasticity: a neuron's recent activity scales later LTP/LTD, against closed forms.

Protocol: the postsynaptic (or presynaptic) neuron of isolated synapses fires a priming train of k spikes, ending
more than 30 trace time constants before a single test pair, so that the priming spikes take part in no STDP pair
(traces read as 0 beyond 30 tau) but still set the slow activity estimate
nu(t) = sum_s exp(-(t - s)/tau_rate) / tau_rate (per ms), counted at the update including the triggering spike.
The test pair's change is then the plain closed form times (nu / reference_rate) ** power. Weights are float32
around 0.5, so changes are compared to within 2 float32 ulps there (1.2e-7).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import pyneuro as pn

DT = 0.1
TAU_STDP = 10.0  # 30 tau = 300 ms
TAU_RATE = 2000.0
REF_HZ = 5.0


def _nu(spikes: np.ndarray, t: float) -> float:
    """Activity estimate (per ms) at time t from spikes at times <= t."""
    s = spikes[spikes <= t + 1e-9]
    return float(np.sum(np.exp(-(t - s) / TAU_RATE)) / TAU_RATE)


def _run(rule, primes, side, lag, d=1.0, t_pair=1500.0):
    """One synapse per entry of `primes` (priming spike counts). Priming spikes (on the `side` neuron) at
    100, 110, ... ms; then pre emitted at t_pair - d - lag... arranged so that post - arrival = lag."""
    n = len(primes)
    pre_t, pre_i, post_t, post_i = [], [], [], []
    for k, m in enumerate(primes):
        prime = 100.0 + 10.0 * np.arange(m)
        (post_t if side == "post" else pre_t).extend(prime)
        (post_i if side == "post" else pre_i).extend([k] * m)
        t_arr = t_pair
        pre_t.append(t_arr - d)
        pre_i.append(k)
        post_t.append(t_arr + lag)
        post_i.append(k)
    net = pn.Network(dt=DT, seed=1)
    pre = net.add_population(pn.models.SpikeGenerator(times=pre_t, indices=pre_i), n, name="pre")
    post = net.add_population(pn.models.SpikeGenerator(times=post_t, indices=post_i), n, name="post")
    k = np.arange(n)
    proj = net.connect(pre, post, pn.conn.FromArrays(k, k), weight=0.5, delay=d, plasticity=rule)
    net.run(t_pair + abs(lag) + 50.0)
    return (
        proj.weights.astype(np.float64) - 0.5,
        np.asarray(pre_t),
        np.asarray(pre_i),
        np.asarray(post_t),
        np.asarray(post_i),
    )


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_stdp_ltp_scaled_by_postsynaptic_activity(power):
    meta = pn.plasticity.Metaplasticity(TAU_RATE, REF_HZ, ltp_power=power, ltd_power=0.0, side="post")
    rule = pn.plasticity.STDP(tau_pre=TAU_STDP, tau_post=TAU_STDP, a_pre=0.01, a_post=-0.01, metaplasticity=meta)
    primes = [0, 3, 10, 30]
    lag = 4.0
    dw, *_, post_t, post_i = _run(rule, primes, "post", lag)
    for k, _m in enumerate(primes):
        t_post = 1500.0 + lag
        nu = _nu(post_t[post_i == k], t_post) * 1e3
        want = 0.01 * math.exp(-lag / TAU_STDP) * (nu / REF_HZ) ** power
        assert dw[k] == pytest.approx(want, rel=1e-5, abs=1.2e-7)
    assert dw[3] > dw[2] > dw[1] > dw[0] > 0


def test_stdp_ltd_scaled_by_presynaptic_activity():
    meta = pn.plasticity.Metaplasticity(TAU_RATE, REF_HZ, ltp_power=0.0, ltd_power=2.0, side="pre")
    rule = pn.plasticity.STDP(tau_pre=TAU_STDP, tau_post=TAU_STDP, a_pre=0.01, a_post=-0.01, metaplasticity=meta)
    primes = [0, 5, 20]
    lag = -3.0  # post before the arrival: LTD at the arrival, read at the presynaptic emission time
    dw, pre_t, pre_i, *_ = _run(rule, primes, "pre", lag, d=2.0)
    for k, _m in enumerate(primes):
        t_emit = 1500.0 - 2.0
        nu = _nu(pre_t[pre_i == k], t_emit) * 1e3
        want = -0.01 * math.exp(lag / TAU_STDP) * (nu / REF_HZ) ** 2
        assert dw[k] == pytest.approx(want, rel=1e-5, abs=1.2e-7)


def test_triplet_ltd_and_ltp_scaled():
    """Full triplet rule (a2_plus > 0), one isolated pair: LTP = a2_plus e^{-lag/tau_plus} (nu/ref)^p."""
    meta = pn.plasticity.Metaplasticity(TAU_RATE, REF_HZ, ltp_power=-1.0, ltd_power=1.0, side="post")
    rule = pn.plasticity.TripletSTDP(
        tau_plus=TAU_STDP,
        tau_minus=TAU_STDP,
        tau_x=TAU_STDP,
        tau_y=TAU_STDP,
        a2_plus=0.01,
        a3_plus=0.0,
        a2_minus=0.01,
        a3_minus=0.0,
        metaplasticity=meta,
    )
    primes = [1, 4, 12]
    for lag, sign in ((5.0, 1.0), (-5.0, -1.0)):
        dw, *_, post_t, post_i = _run(rule, primes, "post", lag)
        for k in range(len(primes)):
            if sign > 0:
                nu = _nu(post_t[post_i == k], 1500.0 + lag) * 1e3
                want = 0.01 * math.exp(-lag / TAU_STDP) * (nu / REF_HZ) ** -1.0
            else:
                nu = _nu(post_t[post_i == k], 1500.0) * 1e3  # at the arrival: the post spike at 1495 counts
                want = -0.01 * math.exp(lag / TAU_STDP) * (nu / REF_HZ)
            assert dw[k] == pytest.approx(want, rel=1e-5, abs=1.2e-7), (lag, k)


def test_metaplasticity_round_trips_in_checkpoints(tmp_path):
    meta = pn.plasticity.Metaplasticity(500.0, 3.0, ltp_power=1.0, ltd_power=2.0)
    rule = pn.plasticity.TripletSTDP.visual_cortex_minimal(metaplasticity=meta)
    d = rule.to_dict()
    assert pn.plasticity.PlasticityRule.from_dict(d) == rule

    def build():
        net = pn.Network(dt=DT, seed=5, threads=2)
        a = net.add_population(pn.models.PoissonSource(rate=20.0), 40, name="a")
        b = net.add_population(pn.models.PoissonSource(rate=15.0), 30, name="b")
        proj = net.connect(
            a, b, pn.conn.FixedProbability(0.3), weight=0.5, delay=pn.conn.Uniform(0.1, 3.0), plasticity=rule
        )
        return net, proj

    net, proj = build()
    net.run(300.0)
    net.save(tmp_path / "c.h5")
    net.run(300.0)
    other = pn.Network.load(tmp_path / "c.h5", threads=3)
    other.run(300.0)
    assert np.array_equal(proj.weights, other.projections[0].weights)
    assert not np.all(proj.weights == 0.5)


def test_bad_metaplasticity():
    with pytest.raises(ValueError, match="Metaplasticity.tau_rate"):
        pn.plasticity.Metaplasticity(tau_rate=0.0)
    with pytest.raises(ValueError, match="Metaplasticity.side"):
        pn.plasticity.Metaplasticity(side="both")
    with pytest.raises(TypeError, match="STDP.metaplasticity"):
        pn.plasticity.STDP(metaplasticity={"tau_rate": 1.0})
