"""Recorders (spikes, rates, state, weights) and the state/weight accessors, against independent computations.

Conventions under test (monitors.py, engine.cpp's ordering contract): a spike in step s has time s*dt; a state
sample at time t is taken at the start of step t after that step's arrivals; a weight sample at t is taken at
the start of step t, after the post-spike updates of step t-1 and before the arrivals of step t; data accumulate
over runs; a monitor created at time T starts sampling at T.
"""

from __future__ import annotations

import numpy as np
import pytest

import pyneuro as pn

DT = 0.1


def _poisson_net(threads=1, seed=3, n=100, rate=80.0):
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=np.linspace(rate / 4, rate, n)), n=n, name="src")
    return net, src


# ------------------------------------------------------------------------------------------------- SpikeMonitor


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("subset", [[3, 10, 11, 57, 99], [99, 0, 42], [7]])
def test_spike_monitor_subset(threads, subset):
    net, src = _poisson_net(threads=threads, rate=400.0)
    full = net.record_spikes(src)
    part = net.record_spikes(src, indices=subset)
    net.run(40.0)
    net.run(25.0)
    keep = np.isin(full.indices, subset)
    assert keep.sum() > 3  # something to compare
    np.testing.assert_array_equal(part.indices, full.indices[keep])
    np.testing.assert_array_equal(part.steps, full.steps[keep])
    np.testing.assert_array_equal(part.times, full.times[keep])
    assert part.count == int(keep.sum())
    assert part.times.dtype == np.float64 and part.indices.dtype == np.int64
    np.testing.assert_array_equal(full.times, full.steps.astype(np.float64) * DT)


def test_spike_monitor_created_after_a_run():
    net, src = _poisson_net(rate=400.0)
    early = net.record_spikes(src)
    net.run(20.0)
    late = net.record_spikes(src, indices=[1, 50, 98])
    net.run(20.0)
    keep = (early.steps >= 200) & np.isin(early.indices, [1, 50, 98])
    assert keep.sum() > 3
    np.testing.assert_array_equal(late.steps, early.steps[keep])
    np.testing.assert_array_equal(late.indices, early.indices[keep])


def test_spike_monitor_rates():
    net, src = _poisson_net(n=50, rate=100.0)
    sm = net.record_spikes(src)
    net.run(300.0)
    r = sm.rates()
    counts = np.bincount(sm.indices, minlength=50)
    np.testing.assert_allclose(r, counts / 0.3)
    r2 = sm.rates(100.0, 200.0)
    sel = (sm.steps >= 1000) & (sm.steps < 2000)
    np.testing.assert_allclose(r2, np.bincount(sm.indices[sel], minlength=50) / 0.1)


def test_spike_monitor_generator_times():
    """A SpikeGenerator's spikes come back exactly (time round(t/dt)*dt), duplicates within a step merged."""
    times = [0.0, 0.3, 0.31, 1.05, 2.0, 2.0, 5.55]
    idx = [0, 1, 1, 2, 0, 0, 2]
    net = pn.Network(dt=DT, seed=1, threads=2)
    g = net.add_population(pn.models.SpikeGenerator(times=times, indices=idx), n=40)
    sm = net.record_spikes(g)
    net.run(10.0)
    np.testing.assert_array_equal(sm.steps, [0, 3, 11, 20, 56])
    np.testing.assert_array_equal(sm.indices, [0, 1, 2, 0, 2])


# ------------------------------------------------------------------------------------------------- RateMonitor


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("bin_ms", [1.0, 2.5])
def test_rate_monitor_matches_histogram(threads, bin_ms):
    n = 200
    net, src = _poisson_net(threads=threads, n=n, rate=150.0)
    sm = net.record_spikes(src)
    rm = net.record_rate(src, bin=bin_ms)
    bin_steps = int(round(bin_ms / DT))
    assert rm.bin_steps == bin_steps

    def check(total_steps):
        nb = -(-total_steps // bin_steps)  # bins begun
        edges = np.arange(nb + 1) * bin_steps
        expected, _ = np.histogram(sm.steps, bins=edges)
        assert rm.counts.dtype == np.int64
        np.testing.assert_array_equal(rm.counts, expected)
        np.testing.assert_allclose(rm.times, edges[:-1] * DT, rtol=0, atol=1e-9)
        assert rm.counts.sum() == sm.count  # every spike is in a bin
        widths = np.full(nb, float(bin_steps))
        widths[-1] = total_steps - (nb - 1) * bin_steps  # the last bin covers only the time simulated
        np.testing.assert_allclose(rm.rate, expected / (n * widths * DT * 1e-3), rtol=1e-12)
        return expected

    net.run(33.3)  # 333 steps: the last bin is partial
    first = check(333)
    net.run(50.0)  # 833 steps: the partial bin is completed and more bins follow
    second = check(833)
    # the bins complete after the first run did not change
    n_done = 333 // bin_steps
    np.testing.assert_array_equal(second[:n_done], first[:n_done])
    assert second[len(first) - 1] >= first[-1]


def test_rate_monitor_created_later():
    n = 150
    net, src = _poisson_net(n=n, rate=200.0)
    sm = net.record_spikes(src)
    net.run(10.05)  # 101 steps
    assert net.step == 101
    rm = net.record_rate(src, bin=2.0)
    net.run(13.0)  # steps 101 .. 230: bins start at 101, 121, ..., 221 (the last one partial, 10 steps)
    edges = 101 + np.arange(8) * 20
    edges[-1] = 231
    expected, _ = np.histogram(sm.steps, bins=edges)
    np.testing.assert_array_equal(rm.counts, expected)
    np.testing.assert_allclose(rm.times, (101 + np.arange(7) * 20) * DT, rtol=0, atol=1e-9)
    widths = np.diff(edges).astype(float)
    np.testing.assert_allclose(rm.rate, expected / (n * widths * DT * 1e-3), rtol=1e-12)


def test_rate_monitor_mean_rate():
    """Poisson sources at 100 Hz: the mean of the binned rate is within 5 sigma of 100 Hz."""
    n, rate, T = 400, 100.0, 500.0
    net = pn.Network(dt=DT, seed=2)
    src = net.add_population(pn.models.PoissonSource(rate=rate), n=n)
    rm = net.record_rate(src, bin=5.0)
    net.run(T)
    total = rm.counts.sum()
    lam = n * rate * T * 1e-3
    assert abs(total - lam) < 5 * np.sqrt(lam)
    assert abs(rm.rate.mean() - rate) < 5 * np.sqrt(lam) / (n * T * 1e-3)


# ------------------------------------------------------------------------------------------------- StateMonitor


def _lif_net(threads=1, n=24):
    """Neurons with a constant drive and different initial v: no input, so nothing arrives at any step."""
    net = pn.Network(dt=DT, seed=1, threads=threads)
    pop = net.add_population(pn.models.LIF(I_e=400.0), n=n)
    pop.set("v", np.linspace(-70.0, -56.0, n))
    pop.set("I_ex", np.linspace(0.0, 50.0, n))
    return net, pop


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("every, n_steps", [(0.5, 203), (0.1, 57), (1.0, 200), (0.3, 100)])
def test_state_monitor_sample_times_and_subset(threads, every, n_steps):
    net, pop = _lif_net(threads=threads)
    idx = [0, 3, 23, 17]
    full = net.record_state(pop, "v", every=every)
    part = net.record_state(pop, "v", indices=idx, every=every)
    net.run(n_steps * DT)
    k = int(round(every / DT))
    steps = np.arange(0, n_steps, k)
    assert full.every_steps == k
    np.testing.assert_array_equal(full.times, steps.astype(np.float64) * DT)
    np.testing.assert_array_equal(part.times, full.times)
    assert full.values.shape == (steps.size, pop.size) and full.values.dtype == np.float32
    assert part.values.shape == (steps.size, len(idx))
    np.testing.assert_array_equal(part.values, full.values[:, idx])
    # the first sample is the initial state
    np.testing.assert_array_equal(full.values[0], np.linspace(-70.0, -56.0, pop.size).astype(np.float32))


def test_state_monitor_phase_continues_over_runs():
    net, pop = _lif_net()
    m = net.record_state(pop, "v", indices=[1], every=0.3)
    net.run(1.0)  # steps 0..9: samples 0, 3, 6, 9
    np.testing.assert_array_equal(np.rint(m.times / DT), [0, 3, 6, 9])
    net.run(1.0)  # steps 10..19: samples 12, 15, 18
    np.testing.assert_array_equal(np.rint(m.times / DT), [0, 3, 6, 9, 12, 15, 18])
    net.run(0.1)
    net.run(0.1)  # steps 20, 21: sample 21
    np.testing.assert_array_equal(np.rint(m.times / DT), [0, 3, 6, 9, 12, 15, 18, 21])
    assert m.values.shape == (8, 1)


def test_state_monitor_created_after_a_run_starts_then():
    net, pop = _lif_net()
    net.run(7.0)
    m = net.record_state(pop, "v", every=1.0)
    net.run(5.05)  # steps 70 .. 120
    np.testing.assert_array_equal(m.times, (70 + 10 * np.arange(6)).astype(np.float64) * DT)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("var", ["v", "I_ex"])
def test_state_monitor_sample_equals_get(threads, var):
    """After run(T) the state is what a sample at T shows; it is taken at the start of the next step."""
    net, pop = _lif_net(threads=threads)
    idx = [2, 5, 11, 20]
    m = net.record_state(pop, var, indices=idx, every=0.5)
    full = net.record_state(pop, var, every=0.5)
    snaps = {}
    for T_steps in (50, 100, 155):  # 5.0, 10.0, 15.5 ms: sample times
        net.run(T_steps * DT - net.time)
        assert net.step == T_steps
        snaps[T_steps] = pop.get(var)
        assert m.times.size == 0 or m.times[-1] < T_steps * DT - 1e-9  # no sample at T yet
    net.run(DT)
    steps = np.rint(m.times / DT).astype(int)
    for T_steps, x in snaps.items():
        row = np.flatnonzero(steps == T_steps)
        assert row.size == 1
        np.testing.assert_array_equal(m.values[row[0]], x[idx])
        np.testing.assert_array_equal(full.values[row[0]], x)
    # the state really moved between the samples
    assert not np.array_equal(snaps[50], snaps[100])


def test_state_monitor_shows_arrivals_at_their_step():
    """A spike at 1.0 ms with 0.5 ms delay arrives in step 15: the g_ex sample at 1.5 ms includes it."""
    net = pn.Network(dt=DT, seed=1)
    g = net.add_population(pn.models.SpikeGenerator(times=[1.0], indices=[0]), n=1)
    post = net.add_population(pn.models.LIFCond(), n=2)
    net.connect(g, post, pn.conn.FromArrays([0], [1]), weight=3.0, delay=0.5)
    m = net.record_state(post, "g_ex")
    net.run(3.0)
    s = np.rint(m.times / DT).astype(int)
    x = m.values
    assert np.all(x[s < 15] == 0.0)
    assert x[s == 15][0, 1] == np.float32(3.0)
    assert 0.0 < x[s == 16][0, 1] < 3.0  # decaying after the jump
    assert np.all(x[:, 0] == 0.0)


# ------------------------------------------------------------------------------------------------- WeightMonitor


def _stdp_net(threads=1):
    """SpikeGenerator -> SpikeGenerator, all to all, with STDP: the weights change at known steps only."""
    rng = np.random.default_rng(4)
    n_pre, n_post = 4, 3
    pre_t = np.sort(rng.uniform(0.0, 38.0, 40))
    pre_i = rng.integers(0, n_pre, 40)
    post_t = np.sort(rng.uniform(0.0, 38.0, 30))
    post_i = rng.integers(0, n_post, 30)
    net = pn.Network(dt=DT, seed=1, threads=threads)
    pre = net.add_population(pn.models.SpikeGenerator(times=pre_t, indices=pre_i), n=n_pre, name="pre")
    post = net.add_population(pn.models.SpikeGenerator(times=post_t, indices=post_i), n=n_post, name="post")
    stdp = pn.plasticity.STDP(tau_pre=10.0, tau_post=10.0, a_pre=0.05, a_post=-0.04, w_min=0.0, w_max=1.0)
    proj = net.connect(pre, post, pn.conn.AllToAll(), weight=0.5, delay=pn.conn.Uniform(0.5, 2.0), plasticity=stdp)
    return net, proj


@pytest.mark.parametrize("threads", [1, 2])
def test_weight_monitor_samples_equal_weights_after_run(threads):
    net, proj = _stdp_net(threads=threads)
    wm = net.record_weights(proj, every=1.0)
    sel = [4, 1, 11, 7]
    wsub = net.record_weights(proj, indices=sel, every=1.0)
    w0 = proj.weights
    snaps = {}
    for T in range(5, 45, 5):  # run in 5 ms pieces
        net.run(5.0)
        snaps[T * 10] = proj.weights
    net.run(DT)  # takes the sample at 40 ms
    steps = np.rint(wm.times / DT).astype(int)
    np.testing.assert_array_equal(steps, np.arange(0, 401, 10))
    v = wm.values
    assert v.shape == (41, proj.size) and v.dtype == np.float32
    np.testing.assert_array_equal(v[0], w0)
    for s, w in snaps.items():
        np.testing.assert_array_equal(v[steps == s][0], w)
    # the weights did change, at several samples
    assert np.unique(v, axis=0).shape[0] > 5
    np.testing.assert_array_equal(wsub.times, wm.times)
    np.testing.assert_array_equal(wsub.values, v[:, sel])


def test_weight_monitor_created_after_a_run():
    net, proj = _stdp_net()
    net.run(12.0)
    w12 = proj.weights
    wm = net.record_weights(proj, indices=[0, 5], every=2.0)
    net.run(9.0)  # steps 120 .. 209: samples at 120, 140, ..., 200
    np.testing.assert_array_equal(np.rint(wm.times / DT), 120 + 20 * np.arange(5))
    np.testing.assert_array_equal(wm.values[0], w12[[0, 5]])


def test_weight_monitor_thread_independent():
    a, pa = _stdp_net(threads=1)
    b, pb = _stdp_net(threads=3)
    ma, mb = a.record_weights(pa, every=0.5), b.record_weights(pb, every=0.5)
    a.run(40.0)
    b.run(40.0)
    np.testing.assert_array_equal(ma.values, mb.values)
    np.testing.assert_array_equal(pa.weights, pb.weights)


def test_weight_monitor_sees_weights_set_between_runs():
    net, proj = _stdp_net()
    wm = net.record_weights(proj, every=1.0)
    net.run(10.0)
    new = np.linspace(0.1, 0.9, proj.size).astype(np.float32)
    proj.weights = new
    net.run(DT)
    np.testing.assert_array_equal(wm.values[-1], new)
    assert wm.times[-1] == pytest.approx(10.0)


# ------------------------------------------------------------------------------------------------- proj.weights setter


@pytest.mark.parametrize("threads", [1, 3])
def test_weights_setter(threads):
    net = pn.Network(dt=DT, seed=1, threads=threads)
    a = net.add_population(pn.models.LIF(), n=60)
    b = net.add_population(pn.models.LIF(), n=70)
    proj = net.connect(a, b, pn.conn.FixedProbability(0.2), weight=1.0, delay=pn.conn.Uniform(0.1, 2.0))
    n = proj.size
    arr = np.random.default_rng(0).uniform(0.0, 9.0, n)
    proj.weights = arr
    np.testing.assert_array_equal(proj.weights, arr.astype(np.float32))
    assert proj.weights.dtype == np.float32
    proj.weights = np.arange(n, dtype=np.float64)  # lands in canonical order
    np.testing.assert_array_equal(proj.weights, np.arange(n, dtype=np.float32))
    proj.weights = 2.5
    np.testing.assert_array_equal(proj.weights, np.full(n, 2.5, np.float32))
    before = proj.weights
    for bad in (
        np.ones(n - 1),
        np.ones(n + 1),
        np.r_[np.ones(n - 1), -1.0],
        -1.0,
        np.r_[np.ones(n - 1), np.nan],
        np.nan,
        np.inf,
    ):
        with pytest.raises(ValueError):
            proj.weights = bad
        np.testing.assert_array_equal(proj.weights, before)
    # the structure is untouched by weight changes
    pre, post = proj.pre, proj.post
    proj.weights = arr
    np.testing.assert_array_equal(proj.pre, pre)
    np.testing.assert_array_equal(proj.post, post)


def test_weights_setter_takes_effect_in_the_run():
    """A weight set between runs is what the next arrival transmits."""
    net = pn.Network(dt=DT, seed=1)
    g = net.add_population(pn.models.SpikeGenerator(times=[0.0, 5.0], indices=[0, 0]), n=1)
    post = net.add_population(pn.models.LIFCond(), n=1)
    proj = net.connect(g, post, pn.conn.OneToOne(), weight=1.0, delay=1.0)
    m = net.record_state(post, "g_ex")
    net.run(3.0)
    proj.weights = [4.0]
    net.run(4.0)
    s = np.rint(m.times / DT).astype(int)
    assert m.values[s == 10][0, 0] == np.float32(1.0)
    jump = m.values[s == 60][0, 0] - m.values[s == 59][0, 0]
    assert jump == pytest.approx(4.0, abs=1e-3)


# ------------------------------------------------------------------------------------------------- pop.get / pop.set

MODELS = [
    (
        pn.models.LIF(),
        {
            "v": (-80.0, -56.0),
            "I_ex": (0.0, 300.0),
            "I_in": (-300.0, 0.0),
            "theta": (-5.0, 5.0),
            "I_stim": (-50.0, 50.0),
        },
    ),
    (
        pn.models.LIFCond(),
        {"v": (-80.0, -56.0), "g_ex": (0.0, 50.0), "g_in": (0.0, 50.0), "theta": (-5.0, 5.0), "I_stim": (-50.0, 50.0)},
    ),
    (
        pn.models.LIFAlpha(),
        {
            "v": (-80.0, -56.0),
            "I_ex": (0.0, 300.0),
            "I_in": (-300.0, 0.0),
            "dI_ex": (0.0, 50.0),
            "dI_in": (-50.0, 0.0),
            "I_stim": (-50.0, 50.0),
        },
    ),
    (
        pn.models.LIFCondAlpha(),
        {
            "v": (-80.0, -56.0),
            "g_ex": (0.0, 50.0),
            "g_in": (0.0, 50.0),
            "dg_ex": (0.0, 5.0),
            "dg_in": (0.0, 5.0),
            "I_stim": (-50.0, 50.0),
        },
    ),
    (pn.models.Izhikevich(), {"v": (-80.0, 20.0), "u": (-20.0, 10.0), "I_stim": (-2.0, 2.0)}),
    (
        pn.models.AdEx(),
        {"v": (-80.0, -52.0), "w": (0.0, 200.0), "g_ex": (0.0, 50.0), "g_in": (0.0, 50.0), "I_stim": (-50.0, 50.0)},
    ),
    (pn.models.PoissonSource(rate=5.0), {"rate": (0.0, 10000.0)}),
]


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("model, ranges", MODELS, ids=[type(m).__name__ for m, _ in MODELS])
def test_get_set_round_trip(model, ranges, threads):
    n = 37
    net = pn.Network(dt=DT, seed=1, threads=threads)
    pop = net.add_population(model, n=n)
    assert pop.state_vars == type(model).state_vars
    assert set(pop.state_vars) == set(ranges)
    rng = np.random.default_rng(1)
    values = {}
    for var, (lo, hi) in ranges.items():
        x = rng.uniform(lo, hi, n)
        pop.set(var, x)
        values[var] = x.astype(np.float32)
        got = pop.get(var)
        assert got.dtype == np.float32 and got.shape == (n,)
        np.testing.assert_array_equal(got, values[var])
    # setting one variable leaves the others alone
    for var in ranges:
        np.testing.assert_array_equal(pop.get(var), values[var])
    # float32 values round-trip bit for bit; a scalar sets every neuron
    for var, (lo, hi) in ranges.items():
        x32 = rng.uniform(lo, hi, n).astype(np.float32)
        pop.set(var, x32)
        np.testing.assert_array_equal(pop.get(var), x32)
        pop.set(var, (lo + hi) / 2)
        np.testing.assert_array_equal(pop.get(var), np.full(n, np.float32((lo + hi) / 2)))
    # get returns a copy
    var = pop.state_vars[0]
    got = pop.get(var)
    got[:] = 123.0
    assert not np.any(pop.get(var) == 123.0)


@pytest.mark.parametrize("model", [m for m, _ in MODELS], ids=[type(m).__name__ for m, _ in MODELS])
def test_set_rejects_bad_values_unchanged(model):
    n = 5
    net = pn.Network(dt=DT, seed=1)
    pop = net.add_population(model, n=n)
    var = pop.state_vars[0]
    before = pop.get(var)
    for bad in (np.ones(n - 1), np.r_[np.ones(n - 1), np.nan], np.nan, np.inf):
        with pytest.raises(ValueError):
            pop.set(var, bad)
        np.testing.assert_array_equal(pop.get(var), before)
    with pytest.raises(ValueError):
        pop.set("no_such_var", 1.0)
    with pytest.raises(ValueError):
        pop.get("no_such_var")


def test_spike_generator_has_no_state():
    net = pn.Network(dt=DT, seed=1)
    pop = net.add_population(pn.models.SpikeGenerator(), n=3)
    assert pop.state_vars == ()
    with pytest.raises(ValueError):
        pop.get("v")
