"""LIF (NEST iaf_psc_exp) against its closed-form solutions.

The model is linear between spikes and the core integrates it with exact propagators, so every trajectory here
has a closed form. The state is float32: ``v`` is stored as an absolute potential near -70 mV, whose float32
spacing is 7.6e-6 mV; each step rounds it by at most half of that, and a rounding error is forgotten with time
constant tau_m, i.e. over ~tau_m/dt = 100 steps. So the stored ``v`` can drift from the exact value by up to
~100 * 3.8e-6 = 3.8e-4 mV, which is 5.4e-6 of |v|. We therefore compare ``v`` with ``rtol=1e-5`` on the absolute
potential (~7e-4 mV), and the currents (a pure float32 geometric decay) with ``rtol=1e-5``.

Timing convention (see DESIGN.md / Network docstring): a generator spike at T is emitted in step round(T/dt);
with a delay of d steps it is added to the target's input at t_arr = (round(T/dt) + d) * dt, before the target
is integrated over [t_arr, t_arr + dt]. The samples at t > t_arr show the state at t. (Whether the sample taken
exactly at t_arr already shows the jump is tested in test_delays_sources.py.)
"""

import numpy as np
import pytest

import pyneuro as pn

DT = 0.1
RTOL_V = 1e-5
RTOL_I = 1e-5


def psp_current_kernel(t, w, C, tau_m, tau_s):
    """v - E_L for a current w*exp(-t/tau_s) (pA) injected into a leaky membrane from rest (t >= 0)."""
    t = np.asarray(t, dtype=np.float64)
    if tau_s == tau_m:
        return w / C * t * np.exp(-t / tau_m)
    return w / C * tau_m * tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))


def _one_spike_net(model, weights_receptors, t_spike=2.0, delay=1.0, T=80.0):
    """One generator spike into len(weights_receptors) LIF neurons, neuron k via (w, receptor)."""
    net = pn.Network(dt=DT, seed=1)
    n = len(weights_receptors)
    post = net.add_population(model, n=n)
    gen = net.add_population(pn.models.SpikeGenerator(times=[t_spike], indices=[0]), n=1)
    for k, (w, rec) in enumerate(weights_receptors):
        net.connect(gen, post, pn.conn.FromArrays([0], [k]), weight=w, delay=delay, receptor=rec)
    mons = {var: net.record_state(post, var, every=DT) for var in ("v", "I_ex", "I_in")}
    net.run(T)
    t_arr = (round(t_spike / DT) + round(delay / DT)) * DT
    return mons, t_arr


def test_single_spike_psp_exc_and_inh_match_closed_form():
    w = 100.0
    model = pn.models.LIF(tau_m=10.0, C_m=250.0, E_L=-70.0, tau_syn_ex=2.0, tau_syn_in=5.0)
    mons, t_arr = _one_spike_net(model, [(w, "exc"), (w, "inh")])
    t = mons["v"].times
    v = mons["v"].values.astype(np.float64)
    iex = mons["I_ex"].values.astype(np.float64)
    iin = mons["I_in"].values.astype(np.float64)
    assert v.shape == (t.size, 2)
    np.testing.assert_allclose(t, np.arange(t.size) * DT, rtol=0, atol=1e-9)

    before = t < t_arr - 1e-9
    after = t > t_arr + 1e-9
    assert before.sum() == 30 and after.sum() > 500
    # nothing moves before the arrival
    assert np.all(v[before] == -70.0)
    assert np.all(iex[before] == 0.0) and np.all(iin[before] == 0.0)

    s = t[after] - t_arr
    # excitatory neuron: +w into I_ex, tau_syn_ex = 2
    np.testing.assert_allclose(iex[after, 0], w * np.exp(-s / 2.0), rtol=RTOL_I, atol=1e-4)
    np.testing.assert_allclose(v[after, 0], -70.0 + psp_current_kernel(s, w, 250.0, 10.0, 2.0), rtol=RTOL_V, atol=0)
    assert np.all(iin[:, 0] == 0.0)
    # inhibitory neuron: -w into I_in, decaying with tau_syn_in = 5 (not tau_syn_ex)
    np.testing.assert_allclose(iin[after, 1], -w * np.exp(-s / 5.0), rtol=RTOL_I, atol=1e-4)
    np.testing.assert_allclose(v[after, 1], -70.0 - psp_current_kernel(s, w, 250.0, 10.0, 5.0), rtol=RTOL_V, atol=0)
    assert np.all(iex[:, 1] == 0.0)
    # sanity: the PSP is big enough for the tolerance to mean something (peak ~0.53 mV vs tolerance 7e-4 mV)
    assert v[after, 0].max() + 70.0 > 0.5


def test_two_spikes_superpose_linearly():
    """Two input spikes (different weights and times) give the sum of two shifted closed-form kernels."""
    net = pn.Network(dt=DT, seed=1)
    post = net.add_population(pn.models.LIF(tau_syn_ex=3.0), n=1)
    gen = net.add_population(pn.models.SpikeGenerator(times=[2.0, 6.3], indices=[0, 1]), n=2)
    net.connect(gen, post, pn.conn.FromArrays([0, 1], [0, 0]), weight=np.array([150.0, 60.0]), delay=1.0)
    vm = net.record_state(post, "v")
    im = net.record_state(post, "I_ex")
    net.run(60.0)
    t = vm.times
    expected_v = np.full(t.size, -70.0)
    expected_i = np.zeros(t.size)
    for t_arr, w in ((3.0, 150.0), (7.3, 60.0)):
        m = t > t_arr + 1e-9
        expected_v[m] += psp_current_kernel(t[m] - t_arr, w, 250.0, 10.0, 3.0)
        expected_i[m] += w * np.exp(-(t[m] - t_arr) / 3.0)
    # compare away from the (convention-dependent) arrival samples themselves
    sel = ~(np.isclose(t, 3.0) | np.isclose(t, 7.3))
    np.testing.assert_allclose(vm.values[sel, 0], expected_v[sel], rtol=RTOL_V, atol=0)
    np.testing.assert_allclose(im.values[sel, 0], expected_i[sel], rtol=RTOL_I, atol=1e-4)


@pytest.mark.parametrize("I_e", [200.0, -150.0])
def test_constant_current_relaxes_exponentially(I_e):
    tau_m, C_m, E_L = 10.0, 250.0, -70.0
    net = pn.Network(dt=DT, seed=1)
    pop = net.add_population(pn.models.LIF(tau_m=tau_m, C_m=C_m, E_L=E_L, I_e=I_e), n=3)
    vm = net.record_state(pop, "v", indices=[0, 2])
    net.run(150.0)
    t = vm.times
    v_inf = E_L + I_e * tau_m / C_m  # 8 mV above (6 mV below) rest: subthreshold
    exact = v_inf + (E_L - v_inf) * np.exp(-t / tau_m)
    for col in range(2):
        np.testing.assert_allclose(vm.values[:, col], exact, rtol=RTOL_V, atol=0)
    # after 15 tau_m the membrane sits at the steady state
    np.testing.assert_allclose(pop.get("v"), v_inf, rtol=0, atol=5e-4)


def test_suprathreshold_current_spike_times_isi_and_refractory_clamp():
    tau_m, C_m, E_L, V_th, V_reset, t_ref, I_e = 10.0, 250.0, -70.0, -55.0, -65.0, 2.0, 500.0
    net = pn.Network(dt=DT, seed=1)
    pop = net.add_population(
        pn.models.LIF(tau_m=tau_m, C_m=C_m, E_L=E_L, V_th=V_th, V_reset=V_reset, t_ref=t_ref, I_e=I_e), n=1
    )
    sm = net.record_spikes(pop)
    vm = net.record_state(pop, "v")
    net.run(200.0)
    RI = I_e * tau_m / C_m  # 20 mV drive
    t_first = tau_m * np.log(RI / (RI - (V_th - E_L)))  # from E_L at t = 0
    t_relax = tau_m * np.log((RI - (V_reset - E_L)) / (RI - (V_th - E_L)))  # from V_reset
    isi_exact = t_ref + t_relax

    st = sm.times
    assert st.size >= 10
    assert np.all(sm.indices == 0)
    # the threshold is crossed during the step that carries the spike: within one step of the exact crossing
    assert abs(st[0] - t_first) <= DT + 1e-9
    isi = np.diff(st)
    assert np.all(np.abs(isi - isi_exact) <= DT + 1e-9), (isi, isi_exact)
    # periodic: all ISIs equal (to the step)
    assert np.ptp(np.round(isi / DT)) == 0

    t = vm.times
    v = vm.values[:, 0].astype(np.float64)
    ref_steps = round(t_ref / DT)
    for ts in st[:-1]:
        s = round(ts / DT)
        # reset at the end of the spike step, then held for t_ref: samples ts+dt .. ts+dt+t_ref are exactly V_reset
        clamped = v[s + 1 : s + 2 + ref_steps]
        assert clamped.size == ref_steps + 1
        assert np.all(clamped == np.float32(V_reset)), clamped
        assert v[s + 2 + ref_steps] > V_reset
        # and below threshold right before the spike step ends
        assert np.all(v[: s + 1] < V_th)
    # between spikes the membrane follows the closed-form relaxation from V_reset (released at ts + dt + t_ref)
    s0, s1 = (round(x / DT) for x in st[:2])
    seg = np.arange(s0 + 1 + ref_steps, s1 + 1)
    t0 = (s0 + 1 + ref_steps) * DT
    exact = E_L + RI + (V_reset - E_L - RI) * np.exp(-(t[seg] - t0) / tau_m)
    np.testing.assert_allclose(v[seg], exact, rtol=RTOL_V, atol=0)
    # the first segment (from rest at t = 0)
    seg = np.arange(0, s0 + 1)
    np.testing.assert_allclose(v[seg], E_L + RI * (1 - np.exp(-t[seg] / tau_m)), rtol=RTOL_V, atol=0)


@pytest.mark.parametrize("rel", [0.0, 1e-12, 1e-7])
def test_tau_syn_equal_tau_m_limit(rel):
    """tau_syn_ex == tau_m (and within rounding of it): no NaN, PSP = w t / C exp(-t / tau)."""
    tau = 10.0
    w = 100.0
    model = pn.models.LIF(tau_m=tau, tau_syn_ex=tau * (1.0 + rel), tau_syn_in=tau)
    mons, t_arr = _one_spike_net(model, [(w, "exc"), (w, "inh")])
    t = mons["v"].times
    v = mons["v"].values.astype(np.float64)
    assert np.all(np.isfinite(v))
    after = t > t_arr + 1e-9
    s = t[after] - t_arr
    kernel = w / 250.0 * s * np.exp(-s / tau)
    np.testing.assert_allclose(v[after, 0], -70.0 + kernel, rtol=RTOL_V, atol=0)
    np.testing.assert_allclose(v[after, 1], -70.0 - kernel, rtol=RTOL_V, atol=0)
    # peak at t = tau with height w tau / (C e)
    k = np.argmax(v[:, 0])
    assert abs(t[k] - t_arr - tau) <= DT + 1e-9
    np.testing.assert_allclose(v[k, 0] + 70.0, w * tau / (250.0 * np.e), rtol=1e-3)
