"""The neuron models shipped as definitions (aeif_cond_alpha, hh_cond_exp_traub) against independent references:
scipy's adaptive solve_ivp on the same equations, and the alpha conductance's closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pyneuro as pn
from pyneuro.definitions import AEIF_COND_ALPHA, HH_COND_EXP_TRAUB, aeif_cond_alpha, hh_cond_exp_traub

solve_ivp = pytest.importorskip("scipy.integrate").solve_ivp


def _aeif_reference(p, i_e, t_end, v0):
    """Spike times and a dense v(t) before the first spike: solve_ivp (rtol 1e-10) with the reset as an event."""

    def f(t, y):
        v, w = y
        ve = min(v, p["V_peak"])
        spike = p["g_L"] * p["Delta_T"] * math.exp((ve - p["V_th"]) / p["Delta_T"])
        dv = -p["g_L"] * (ve - p["E_L"]) + spike - w + i_e
        return [dv / p["C_m"], (p["a"] * (ve - p["E_L"]) - w) / p["tau_w"]]

    def peak(t, y):
        return y[0] - p["V_peak"]

    peak.terminal, peak.direction = True, 1
    t, y, spikes, first = 0.0, [v0, 0.0], [], None
    while t < t_end:
        sol = solve_ivp(f, (t, t_end), y, events=peak, rtol=1e-10, atol=1e-10, dense_output=True, method="LSODA")
        if first is None:
            first = sol.sol
        if sol.status != 1:
            break
        t = float(sol.t_events[0][0])
        spikes.append(t)
        y = [p["V_reset"], float(sol.y_events[0][0][1]) + p["b"]]
    return np.array(spikes), first


def test_aeif_cond_alpha_spike_times_match_an_adaptive_solver():
    p = {**AEIF_COND_ALPHA, "V_peak": -40.0, "V_reset": -70.6, "b": 80.5, "I_e": 1000.0}
    net = pn.Network(dt=0.01)
    pop = net.add_population(aeif_cond_alpha(**p), 1, initial={"v": -65.0})
    spk = net.record_spikes(pop)
    v = net.record_state(pop, "v")
    net.run(200.0)
    ref, dense = _aeif_reference(p, p["I_e"], 200.0, -65.0)
    got = spk.times
    assert got.size == ref.size >= 6
    # spikes are on the grid: each is detected in the step where v crosses V_peak and the reset happens at the end
    # of that step, so each spike and each interval is within one step of the reference
    assert abs(got[0] - ref[0]) <= 0.011
    assert np.abs(np.diff(got) - np.diff(ref)).max() <= 0.011
    t = np.arange(v.values.shape[0]) * 0.01
    pre = t < ref[0] - 0.05
    np.testing.assert_allclose(v.values[pre, 0], dense(t[pre])[0], atol=1e-3)


def test_aeif_cond_alpha_conductance_is_an_alpha_function():
    tau, w = 3.0, 2.5
    net = pn.Network(dt=0.1)
    src = net.add_population(pn.models.SpikeGenerator(times=[1.0], indices=[0]), 1)
    pop = net.add_population(aeif_cond_alpha(tau_syn_ex=tau, V_th=1e3, V_peak=2e3), 1)
    net.connect(src, pop, pn.conn.OneToOne(), weight=w, delay=1.0)
    g = net.record_state(pop, "g_ex")
    net.run(30.0)
    s = (np.arange(300) - 20) * 0.1  # arrival at step 20 (spike at 1 ms + 1 ms delay)
    ref = np.where(s >= 0, w * s / tau * np.exp(1 - s / tau), 0.0)
    np.testing.assert_allclose(g.values[:, 0], ref, atol=2e-5 * w)
    assert abs(g.values[:, 0].max() - w) < 1e-3 * w  # peak w after tau


def _hh_rhs(p, i_e):
    def f(t, y):
        v, m, h, n = y
        u = v - p["V_T"]
        am, bm = 0.32 * (13 - u) / math.expm1((13 - u) / 4), 0.28 * (u - 40) / math.expm1((u - 40) / 5)
        ah, bh = 0.128 * math.exp((17 - u) / 18), 4 / (1 + math.exp((40 - u) / 5))
        an, bn = 0.032 * (15 - u) / math.expm1((15 - u) / 5), 0.5 * math.exp((10 - u) / 40)
        i_ion = p["g_Na"] * m**3 * h * (v - p["E_Na"]) + p["g_K"] * n**4 * (v - p["E_K"]) + p["g_L"] * (v - p["E_L"])
        return [(-i_ion + i_e) / p["C_m"], am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]

    return f


@pytest.mark.parametrize(
    "method, dt, tol_v, tol_t", [("rk4", 0.01, 0.05, 0.011), ("exponential_euler", 0.001, 1.0, 0.02)]
)
def test_hh_cond_exp_traub_matches_an_adaptive_solver(method, dt, tol_v, tol_t):
    p = {**HH_COND_EXP_TRAUB, "E_L": -65.0, "I_e": 1000.0}
    init = {"v": -64.0, "m": 0.0, "h": 1.0, "n": 0.0, "v_prev": -64.0}
    net = pn.Network(dt=dt)
    pop = net.add_population(hh_cond_exp_traub(method=method, **p), 1, initial=init)
    v = net.record_state(pop, "v")
    spk = net.record_spikes(pop)
    net.run(30.0)
    t = np.arange(v.values.shape[0]) * dt
    y0 = [-64.0, 0.0, 1.0, 0.0]
    sol = solve_ivp(_hh_rhs(p, p["I_e"]), (0, 30.0), y0, rtol=1e-10, atol=1e-10, dense_output=True, method="LSODA")
    ref = sol.sol(t)[0]
    # peaks of the reference (local maxima above V_T + 30): the spike times
    k = np.where((ref[1:-1] > p["V_T"] + 30) & (ref[1:-1] >= ref[:-2]) & (ref[1:-1] > ref[2:]))[0] + 1
    peaks = t[k]
    assert peaks.size >= 3
    got = spk.times
    assert got.size == peaks.size
    # the spike is detected at the first recorded sample after the peak; intervals within the method's error
    assert abs(got[0] - peaks[0]) <= tol_t + dt
    assert np.abs(np.diff(got) - np.diff(peaks)).max() <= tol_t + dt
    before = t < peaks[0] - 0.5
    assert np.abs(v.values[before, 0] - ref[before]).max() < tol_v
