"""Alpha-synapse models (LIFAlpha, LIFCondAlpha) against closed forms and a fine-step reference, and the per-neuron
stimulus current I_stim against the membrane's closed-form charging curve."""

from __future__ import annotations

import numpy as np
import pytest

import pyneuro as pn


def _one_spike(model, w, receptor="exc", t_spike=1.0, T=40.0, var="v"):
    net = pn.Network(dt=0.1, seed=1)
    gen = net.add_population(pn.models.SpikeGenerator(times=[t_spike], indices=[0]), n=1)
    post = net.add_population(model, n=1)
    net.connect(gen, post, pn.conn.AllToAll(), weight=w, delay=0.1, receptor=receptor)
    mons = {v: net.record_state(post, v) for v in (var if isinstance(var, tuple) else (var,))}
    net.run(T)
    return {k: (m.times, m.values[:, 0].astype(np.float64)) for k, m in mons.items()}


def test_lif_alpha_psp_matches_closed_form():
    tau_m, C, tau_s, w, E_L = 10.0, 250.0, 2.0, 100.0, -70.0
    model = pn.models.LIFAlpha(tau_m=tau_m, C_m=C, E_L=E_L, V_th=0.0, V_reset=-70.0, tau_syn_ex=tau_s, tau_syn_in=3.0)
    rec = _one_spike(model, w, var=("v", "I_ex"))
    t, v = rec["v"]
    _, i_ex = rec["I_ex"]
    s = t - 1.1  # arrival: spike at 1.0 ms + one-step delay
    after = s >= 0
    # current: w (e/tau_s) s exp(-s/tau_s), peak w at tau_s
    i_ref = w * np.e / tau_s * s[after] * np.exp(-s[after] / tau_s)
    np.testing.assert_allclose(i_ex[after], i_ref, rtol=1e-4, atol=1e-3)
    assert i_ex[after].max() == pytest.approx(w, rel=1e-3)
    # membrane: the convolution of the alpha current with the membrane kernel, in closed form
    a = 1.0 / tau_s - 1.0 / tau_m
    sa = s[after]
    v_ref = E_L + w * np.e / (tau_s * C) * (np.exp(-sa / tau_m) - np.exp(-sa / tau_s) * (1 + a * sa)) / a**2
    np.testing.assert_allclose(v[after], v_ref, rtol=0, atol=2e-4)
    np.testing.assert_array_equal(v[~after], E_L)


def test_lif_alpha_inhibition_is_the_mirror_image():
    model = pn.models.LIFAlpha(V_th=0.0, tau_syn_in=2.0)
    v_exc = _one_spike(model, 80.0)["v"][1]
    v_inh = _one_spike(model, 80.0, receptor="inh")["v"][1]
    np.testing.assert_allclose(v_inh - (-70.0), -(v_exc - (-70.0)), atol=1e-4)


def test_lif_cond_alpha_against_fine_step_reference():
    p = dict(
        C_m=200.0, g_L=10.0, E_L=-65.0, V_th=0.0, V_reset=-65.0, tau_syn_ex=0.5, tau_syn_in=2.0, E_ex=0.0, E_in=-80.0
    )
    w = 20.0
    rec = _one_spike(pn.models.LIFCondAlpha(**p), w, var=("v", "g_ex"))
    t, v = rec["v"]
    g = rec["g_ex"][1]
    s = t - 1.1
    after = s >= 0
    g_ref = w * np.e / p["tau_syn_ex"] * s[after] * np.exp(-s[after] / p["tau_syn_ex"])
    np.testing.assert_allclose(g[after], g_ref, rtol=1e-4, atol=1e-4)
    # independent reference: RK4 with a 1 us step on the same equations
    h = 0.001
    ts = np.arange(0.0, 40.0 - 1.1 + h / 2, h)
    vv = np.empty_like(ts)
    x = p["E_L"]

    def f(tt: float, x: float) -> float:
        gg = w * np.e / p["tau_syn_ex"] * tt * np.exp(-tt / p["tau_syn_ex"])
        return (-p["g_L"] * (x - p["E_L"]) - gg * (x - p["E_ex"])) / p["C_m"]

    for k, tt in enumerate(ts):
        vv[k] = x
        k1 = f(tt, x)
        k2 = f(tt + h / 2, x + h / 2 * k1)
        k3 = f(tt + h / 2, x + h / 2 * k2)
        k4 = f(tt + h, x + h * k3)
        x += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    ref = np.interp(s[after], ts, vv)
    depol = ref.max() - p["E_L"]
    assert depol > 1.0
    assert np.max(np.abs(v[after] - ref)) < 0.01 * depol  # second-order scheme at dt = 0.1 ms: within 1%


@pytest.mark.parametrize(
    "model",
    [
        pn.models.LIF(tau_m=20.0, C_m=200.0, E_L=-60.0, V_th=0.0),
        pn.models.LIFCond(C_m=200.0, g_L=10.0, E_L=-60.0, V_th=0.0),
        pn.models.LIFAlpha(tau_m=20.0, C_m=200.0, E_L=-60.0, V_th=0.0),
        pn.models.LIFCondAlpha(C_m=200.0, g_L=10.0, E_L=-60.0, V_th=0.0),
    ],
)
def test_stimulus_current_charges_the_membrane_as_the_closed_form(model):
    net = pn.Network(dt=0.1)
    pop = net.add_population(model, n=3)
    pop.set("I_stim", [0.0, 100.0, 250.0])
    vm = net.record_state(pop, "v")
    net.run(60.0)
    t = vm.times  # the sample at t is the state at the start of step t: it has seen t/dt steps of current
    ref = -60.0 + np.array([0.0, 100.0, 250.0]) / 10.0 * (1 - np.exp(-t[:, None] / 20.0))
    tol = 1e-3 if model.kind in ("LIF", "LIFAlpha") else 2e-2  # exact vs exponential Euler
    np.testing.assert_allclose(vm.values, ref, atol=tol)
    # switching it off between runs: the membrane relaxes back
    pop.set("I_stim", 0.0)
    net.run(200.0)
    np.testing.assert_allclose(pop.get("v"), -60.0, atol=0.01)


def test_zero_stimulus_is_bit_identical_and_equals_I_e():
    def run(stim, I_e):
        net = pn.Network(dt=0.1, seed=3)
        src = net.add_population(pn.models.PoissonSource(rate=50.0), n=40)
        pop = net.add_population(pn.models.LIFCond(I_e=I_e), n=20)
        net.connect(src, pop, pn.conn.FixedProbability(0.3), weight=10.0)
        if stim is not None:
            pop.set("I_stim", stim)
        sm = net.record_spikes(pop)
        net.run(200.0)
        return sm.steps, sm.indices, pop.get("v")

    a = run(None, 240.0)
    b = run(0.0, 240.0)
    c = run(240.0, 0.0)
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)
    assert a[0].size > 10


def test_adex_and_izhikevich_take_the_stimulus():
    net = pn.Network(dt=0.1)
    ad = net.add_population(pn.models.AdEx(), n=2)
    iz = net.add_population(pn.models.Izhikevich(), n=2)
    ad.set("I_stim", [0.0, 1000.0])
    iz.set("I_stim", [0.0, 10.0])
    s1, s2 = net.record_spikes(ad), net.record_spikes(iz)
    net.run(200.0)
    assert set(s1.indices) == {1} and set(s2.indices) == {1}
