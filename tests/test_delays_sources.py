"""Delays, spike sources (SpikeGenerator, PoissonSource) and refractoriness.

Conventions under test (DESIGN.md, Network and monitor docstrings): time is an integer step count; a spike in
step s has time s*dt; a generator spike at T is emitted in step round(T/dt); a delay (ms, >= dt) is rounded to
whole steps and a spike with d steps of delay is added to the target's input in step s + d, before the target
is integrated over that step.
"""

import numpy as np
import pytest

import pyneuro as pn

DT = 0.1

# ------------------------------------------------------------------------------------------------- delays


@pytest.mark.parametrize(
    "model, var",
    [
        (pn.models.LIF(), "v"),
        (pn.models.LIFCond(), "v"),
        (pn.models.LIFCond(), "g_ex"),
        (pn.models.AdEx(), "v"),
    ],
)
def test_delay_shifts_response_exactly(model, var):
    """The same input with delays 1.0 ms (10 steps) and 3.7 ms (37 steps) gives identical traces, 27 steps apart."""
    net = pn.Network(dt=DT, seed=1)
    post = net.add_population(model, n=2)
    gen = net.add_population(pn.models.SpikeGenerator(times=[1.0], indices=[0]), n=1)
    w = 100.0 if isinstance(model, pn.models.LIF) else 5.0
    proj = net.connect(gen, post, pn.conn.FromArrays([0, 0], [0, 1]), weight=w, delay=np.array([1.0, 3.7]))
    np.testing.assert_array_equal(proj.delay_steps, [10, 37])
    np.testing.assert_allclose(proj.delays, [1.0, 3.7], rtol=0, atol=1e-12)
    m = net.record_state(post, var)
    net.run(40.0)
    x = m.values
    rest = x[0, 0]
    shift = 27
    # the later trace is the earlier one shifted by exactly 27 steps, bit for bit
    np.testing.assert_array_equal(x[shift:, 1], x[:-shift, 0])
    np.testing.assert_array_equal(x[:shift, 1], rest)
    # responses start at emission (step 10) + delay: untouched up to the arrival time, changed one step later
    for col, arrive in ((0, 20), (1, 47)):
        assert np.all(x[:arrive, col] == rest)
        assert x[arrive + 1, col] != rest


def test_arrival_adds_weight_exactly_at_arrival_time_lif():
    """Convention-independent check of *when* the input lands: one step after the arrival time the current has
    decayed by exactly one step (so it was added at t_arr, not a step earlier or later)."""
    net = pn.Network(dt=DT, seed=1)
    post = net.add_population(pn.models.LIF(tau_syn_ex=2.0), n=1)
    gen = net.add_population(pn.models.SpikeGenerator(times=[0.5], indices=[0]), n=1)
    net.connect(gen, post, pn.conn.OneToOne(), weight=100.0, delay=1.2)
    im = net.record_state(post, "I_ex")
    net.run(5.0)
    i = im.values[:, 0]
    arr = 5 + 12
    assert np.all(i[:arr] == 0.0)
    np.testing.assert_allclose(i[arr + 1], 100.0 * np.exp(-DT / 2.0), rtol=1e-6)
    np.testing.assert_allclose(i[arr + 2], 100.0 * np.exp(-2 * DT / 2.0), rtol=1e-6)


@pytest.mark.parametrize("model, var, w", [(pn.models.LIF(), "I_ex", 100.0), (pn.models.LIFCond(), "g_ex", 5.0)])
def test_state_sample_at_arrival_time_shows_the_jump(model, var, w):
    net = pn.Network(dt=DT, seed=1)
    post = net.add_population(model, n=1)
    gen = net.add_population(pn.models.SpikeGenerator(times=[0.5], indices=[0]), n=1)
    net.connect(gen, post, pn.conn.OneToOne(), weight=w, delay=1.2)
    m = net.record_state(post, var)
    net.run(5.0)
    k = int(np.argmin(np.abs(m.times - 1.7)))
    assert m.times[k] == pytest.approx(1.7)
    assert m.values[k - 1, 0] == 0.0
    assert m.values[k, 0] == pytest.approx(w)


def test_delay_validation_and_rounding():
    net = pn.Network(dt=DT, seed=1)
    gen = net.add_population(pn.models.SpikeGenerator(times=[0.0], indices=[0]), n=2)
    post = net.add_population(pn.models.LIF(), n=2)
    bad = [0.05, 0.0, -1.0, float("nan"), float("inf"), np.array([1.0, np.nan]), np.array([1.0, 0.02])]
    for d in bad:
        with pytest.raises(ValueError, match="delay"):
            net.connect(gen, post, pn.conn.OneToOne(), weight=1.0, delay=d)
    assert net.projections == []  # nothing was created by the failed calls
    p = net.connect(gen, post, pn.conn.OneToOne(), weight=1.0, delay=0.14)
    np.testing.assert_array_equal(p.delay_steps, [1, 1])
    np.testing.assert_allclose(p.delays, [0.1, 0.1], rtol=0, atol=1e-12)
    p = net.connect(gen, post, pn.conn.OneToOne(), weight=1.0, delay=np.array([0.1, 0.26]))
    np.testing.assert_array_equal(p.delay_steps, [1, 3])
    p = net.connect(gen, post, pn.conn.OneToOne(), weight=1.0)  # default: dt
    np.testing.assert_array_equal(p.delay_steps, [1, 1])
    assert len(net.projections) == 3


# ----------------------------------------------------------------------------------------- SpikeGenerator


def test_spike_generator_emits_exactly_the_given_spikes():
    rng = np.random.default_rng(7)
    n, T = 5, 50.0
    times = rng.uniform(0.0, T - 1.0, size=200)
    idx = rng.integers(0, n, size=200)
    # a repeat of one neuron within one step (10.0 and 10.04 -> step 100) merges into one spike
    times = np.concatenate([times, [10.0, 10.04, 0.0, 0.049]])
    idx = np.concatenate([idx, [3, 3, 4, 4]])
    net = pn.Network(dt=DT, seed=1)
    gen = net.add_population(pn.models.SpikeGenerator(times=times, indices=idx), n=n)
    sm = net.record_spikes(gen)
    net.run(T)
    steps = np.rint(times / DT).astype(np.int64)
    expected = sorted(set(zip(steps.tolist(), idx.tolist())))
    exp_steps = np.array([s for s, _ in expected])
    exp_idx = np.array([i for _, i in expected])
    np.testing.assert_array_equal(sm.steps, exp_steps)
    np.testing.assert_array_equal(sm.indices, exp_idx)
    np.testing.assert_array_equal(sm.times, exp_steps * DT)
    assert sm.times.dtype == np.float64
    assert sm.count == len(expected)
    # the within-step repeats were merged, not dropped or doubled
    got = list(zip(sm.steps.tolist(), sm.indices.tolist()))
    assert got.count((100, 3)) == 1 and got.count((0, 4)) == 1


def test_spike_generator_across_runs_and_subset_recording():
    net = pn.Network(dt=DT, seed=1)
    gen = net.add_population(pn.models.SpikeGenerator(times=[1.0, 2.0, 12.3, 25.0], indices=[0, 1, 2, 1]), n=3)
    sm = net.record_spikes(gen, indices=[1, 2])
    net.run(10.0)
    np.testing.assert_array_equal(sm.steps, [20])
    net.run(20.0)
    np.testing.assert_array_equal(sm.steps, [20, 123, 250])
    np.testing.assert_array_equal(sm.indices, [1, 2, 1])


# ------------------------------------------------------------------------------------------- PoissonSource


def _isi_cv(times, indices, n):
    order = np.lexsort((times, indices))
    t, i = times[order], indices[order]
    d = np.diff(t)
    same = np.diff(i) == 0
    isi = d[same]
    return isi.std() / isi.mean(), isi


def test_poisson_rate_cv_and_fano():
    n, rate, T = 1000, 20.0, 2000.0
    net = pn.Network(dt=DT, seed=3)
    src = net.add_population(pn.models.PoissonSource(rate=rate), n=n)
    sm = net.record_spikes(src)
    net.run(T)
    t, i = sm.times, sm.indices
    # at most one spike per neuron per step
    assert np.unique(sm.steps * n + i).size == i.size
    T_s = T / 1000.0
    # total count ~ Poisson(n rate T): standard error of the mean rate sqrt(n rate T) / (n T) = 0.1 Hz
    se = np.sqrt(n * rate * T_s) / (n * T_s)
    measured = i.size / (n * T_s)
    assert abs(measured - rate) < 3 * se, (measured, se)
    cv, isi = _isi_cv(t, i, n)
    assert isi.size > 30000
    assert abs(cv - 1.0) < 0.05, cv  # Bernoulli per step: geometric ISIs, CV = sqrt(1 - rate dt) = 0.999
    counts = np.bincount(i, minlength=n)
    fano = counts.var(ddof=1) / counts.mean()
    # the sample Fano factor of 1000 Poisson counts (mean 40) has standard error sqrt(2/999) ~ 0.045
    assert abs(fano - 1.0) < 0.2, fano
    # neurons are independent and alike: no neuron far off its Poisson count
    assert counts.min() > 10 and counts.max() < 80


def test_poisson_rate_changes_between_runs():
    n = 1000
    net = pn.Network(dt=DT, seed=11)
    src = net.add_population(pn.models.PoissonSource(rate=20.0), n=n)
    sm = net.record_spikes(src)
    net.run(500.0)
    src.set("rate", 50.0)
    np.testing.assert_array_equal(src.get("rate"), 50.0)
    net.run(1000.0)
    src.set("rate", 0.0)
    net.run(500.0)
    rates = np.where(np.arange(n) < n // 2, 5.0, 40.0)
    src.set("rate", rates)
    net.run(1000.0)
    t, i = sm.times, sm.indices
    seg = (t >= 500.0) & (t < 1500.0)
    measured = seg.sum() / (n * 1.0)
    assert abs(measured - 50.0) < 3 * np.sqrt(n * 50.0) / n, measured
    seg0 = (t >= 1500.0) & (t < 2000.0)
    assert seg0.sum() == 0
    seg2 = t >= 2000.0
    lo = (seg2 & (i < n // 2)).sum() / (n // 2)
    hi = (seg2 & (i >= n // 2)).sum() / (n // 2)
    assert abs(lo - 5.0) < 3 * np.sqrt(500 * 5.0) / 500, lo
    assert abs(hi - 40.0) < 3 * np.sqrt(500 * 40.0) / 500, hi


def test_poisson_rate_zero_gives_no_spikes():
    net = pn.Network(dt=DT, seed=1)
    src = net.add_population(pn.models.PoissonSource(rate=0.0), n=500)
    post = net.add_population(pn.models.LIF(), n=1)
    net.connect(src, post, pn.conn.AllToAll(), weight=1000.0)
    sm = net.record_spikes(src)
    vm = net.record_state(post, "v", every=1.0)
    net.run(500.0)
    assert sm.count == 0
    assert np.all(vm.values == np.float32(-70.0))


# ----------------------------------------------------------------------------------------------- refractory


@pytest.mark.parametrize("t_ref", [2.0, 5.0])
def test_lif_cond_never_fires_twice_within_t_ref(t_ref):
    n = 20
    net = pn.Network(dt=DT, seed=5)
    model = pn.models.LIFCond(t_ref=t_ref, tau_syn_ex=2.0)
    # neuron 0 by a huge current, the others by a barrage of strong Poisson input
    hard = net.add_population(pn.models.LIFCond(t_ref=t_ref, I_e=1e5), n=1)
    pop = net.add_population(model, n=n)
    src = net.add_population(pn.models.PoissonSource(rate=200.0), n=200)
    net.connect(src, pop, pn.conn.FixedInDegree(50), weight=5.0, delay=1.0)
    s_hard = net.record_spikes(hard)
    s_pop = net.record_spikes(pop)
    vm = net.record_state(pop, "v")
    net.run(300.0)
    ref_steps = round(t_ref / DT)
    # maximal drive: a spike every t_ref + dt (reset, held ref_steps steps, crosses in the next step)
    isi_hard = np.diff(s_hard.steps)
    assert isi_hard.size > 0.9 * 300.0 / (t_ref + DT) - 2
    assert np.all(isi_hard == ref_steps + 1), np.unique(isi_hard)
    steps, idx = s_pop.steps, s_pop.indices
    assert steps.size > 20 * n  # driven hard
    v = vm.values
    for k in range(n):
        s = steps[idx == k]
        isi = np.diff(s)
        assert np.all(isi * DT > t_ref), (k, isi.min())
        # held at V_reset from the reset through t_ref
        for sk in s[s < 3000 - ref_steps - 2]:
            np.testing.assert_array_equal(v[sk + 1 : sk + 2 + ref_steps, k], np.float32(model.V_reset))
