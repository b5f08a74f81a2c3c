"""Izhikevich and AdEx against independent integrations.

Izhikevich: the core uses NEST's scheme (forward Euler at dt, v and u both from the old values, then
``v >= V_th -> v = c, u += d``), so a float64 numpy re-implementation of that scheme must give the same spike
steps and a v trajectory that differs only by float32 rounding (the quadratic term amplifies it near the
upstroke; we measured <1e-2 mV and allow 5e-2 mV). The scheme is first order, so against the ODE (solve_ivp)
we check spike times at dt = 0.01 only to 0.5 ms.

AdEx: classic RK4 per step in double precision, but ``v`` and ``w`` are stored as float32 between steps. RK4's
own error at dt <= 0.1 on the subthreshold trajectory is < 1e-7 mV, so the error is the storage rounding: at most
half a float32 spacing per step (3.8e-6 at |v| ~ 60 mV or w ~ 40 pA), remembered over the slow time constant
(C_m/g_L ~ 9.4 ms for v, tau_w = 144 ms for w, both coupled). That bounds the error by
~3.8e-6 * tau_w / dt: 5.5e-3 (dt = 0.1) and 5.5e-2 (dt = 0.01); in practice it is 30x smaller. We use
tolerances a few times the measured errors but well under those bounds: 2e-4 mV / 5e-4 pA at dt = 0.1 and
5e-3 mV / 1e-2 pA at dt = 0.01. (Smaller dt is *less* accurate here, because more roundings accumulate.)
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import pyneuro as pn

# ------------------------------------------------------------------------------------------------ Izhikevich


def izhikevich_euler(a, b, c, d, V_th, I_e, dt, n_steps, kicks=None):
    """NEST's izhikevich scheme in float64. Returns v, u at the start of each step and the spike steps.

    kicks: {step: dv} added to v at the start of that step (instantaneous synapses).
    """
    v, u = c, b * c
    vs, us, spikes = np.empty(n_steps), np.empty(n_steps), []
    kicks = kicks or {}
    for s in range(n_steps):
        v += kicks.get(s, 0.0)
        vs[s], us[s] = v, u
        v_old, u_old = v, u
        v = v_old + dt * (0.04 * v_old * v_old + 5.0 * v_old + 140.0 - u_old + I_e)
        u = u_old + dt * a * (b * v_old - u_old)
        if v >= V_th:
            v = c
            u += d
            spikes.append(s)
    return vs, us, np.array(spikes, dtype=np.int64)


IZH_TYPES = {
    "regular_spiking": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0},
    "chattering": {"a": 0.02, "b": 0.2, "c": -50.0, "d": 2.0},
    "low_threshold": {"a": 0.02, "b": 0.25, "c": -65.0, "d": 2.0},
}


@pytest.mark.parametrize("kind", sorted(IZH_TYPES))
def test_izhikevich_matches_numpy_euler(kind):
    p = IZH_TYPES[kind]
    dt, T, I_e = 0.1, 200.0, 10.0
    net = pn.Network(dt=dt, seed=1)
    pop = net.add_population(pn.models.Izhikevich(I_e=I_e, **p), n=2)
    vm = net.record_state(pop, "v", indices=[1])
    um = net.record_state(pop, "u", indices=[1])
    sm = net.record_spikes(pop)
    net.run(T)
    n = round(T / dt)
    v_ref, u_ref, sp_ref = izhikevich_euler(p["a"], p["b"], p["c"], p["d"], 30.0, I_e, dt, n)
    assert sp_ref.size >= 4
    for i in (0, 1):
        np.testing.assert_array_equal(sm.steps[sm.indices == i], sp_ref)
    np.testing.assert_allclose(sm.times[sm.indices == 0], sp_ref * dt, rtol=0, atol=1e-9)
    # trajectories up to the 4th spike
    k = sp_ref[3] + 1
    assert vm.values.shape == (n, 1)
    np.testing.assert_allclose(vm.values[:k, 0], v_ref[:k], rtol=0, atol=5e-2)
    np.testing.assert_allclose(um.values[:k, 0], u_ref[:k], rtol=0, atol=1e-3)
    # the reset: right after each spike step v == c (float32 of c) and u jumped by d
    for s in sp_ref[:4]:
        assert vm.values[s + 1, 0] == np.float32(p["c"])


def test_izhikevich_synaptic_kick_adds_to_v():
    """A spike of weight w adds +w (exc) / -w (inh) to v at its arrival step, before that step's update."""
    dt, I_e = 0.1, 0.0
    net = pn.Network(dt=dt, seed=1)
    pop = net.add_population(pn.models.Izhikevich(I_e=I_e), n=2)
    gen = net.add_population(pn.models.SpikeGenerator(times=[10.0], indices=[0]), n=1)
    net.connect(gen, pop, pn.conn.FromArrays([0], [0]), weight=3.0, delay=2.0, receptor="exc")
    net.connect(gen, pop, pn.conn.FromArrays([0], [1]), weight=3.0, delay=2.0, receptor="inh")
    vm = net.record_state(pop, "v")
    net.run(40.0)
    n = 400
    arr = 120  # step of (10 + 2) ms
    p = IZH_TYPES["regular_spiking"]
    for col, sign in ((0, 1.0), (1, -1.0)):
        v_ref, _, sp = izhikevich_euler(**p, V_th=30.0, I_e=I_e, dt=dt, n_steps=n, kicks={arr: sign * 3.0})
        assert sp.size == 0
        sel = np.arange(n) != arr  # the arrival sample itself is covered in test_delays_sources.py
        np.testing.assert_allclose(vm.values[sel, col], v_ref[sel], rtol=0, atol=5e-3)
    # the kick made a difference of about 3 mV right after arrival
    assert vm.values[arr + 1, 0] - vm.values[arr + 1, 1] > 5.0


def _izhikevich_ode_spikes(p, I_e, V_th, T, n_max):
    def rhs(t, y):
        return [0.04 * y[0] ** 2 + 5.0 * y[0] + 140.0 - y[1] + I_e, p["a"] * (p["b"] * y[0] - y[1])]

    def hit(t, y):
        return y[0] - V_th

    hit.terminal, hit.direction = True, 1
    t, y, out = 0.0, [p["c"], p["b"] * p["c"]], []
    while t < T and len(out) < n_max:
        sol = solve_ivp(rhs, (t, T), y, events=hit, method="LSODA", rtol=1e-10, atol=1e-12)
        assert sol.success
        if sol.status != 1:
            break
        t = sol.t_events[0][0]
        out.append(t)
        y = [p["c"], sol.y_events[0][0][1] + p["d"]]
    return np.array(out)


@pytest.mark.parametrize("kind", ["regular_spiking", "chattering"])
def test_izhikevich_first_spikes_match_ode_at_small_dt(kind):
    p = IZH_TYPES[kind]
    dt, T, I_e = 0.01, 120.0, 10.0
    net = pn.Network(dt=dt, seed=1)
    pop = net.add_population(pn.models.Izhikevich(I_e=I_e, **p), n=1)
    sm = net.record_spikes(pop)
    net.run(T)
    ref = _izhikevich_ode_spikes(p, I_e, 30.0, T, 3)
    assert ref.size == 3
    got = sm.times
    assert got.size >= 3
    assert abs(got[0] - ref[0]) < 0.5, (got[:3], ref)
    np.testing.assert_allclose(got[:3], ref, rtol=0, atol=0.5)


# ------------------------------------------------------------------------------------------------------ AdEx


def _adex_rhs(m):
    def rhs(t, y):
        v = min(y[0], m.V_peak)
        w = y[1]
        dv = (-m.g_L * (v - m.E_L) + m.g_L * m.Delta_T * np.exp((v - m.V_th) / m.Delta_T) - w + m.I_e) / m.C_m
        dw = (m.a * (v - m.E_L) - w) / m.tau_w
        return [dv, dw]

    return rhs


@pytest.mark.parametrize("dt, tol_v, tol_w", [(0.1, 2e-4, 5e-4), (0.01, 5e-3, 1e-2)])
def test_adex_subthreshold_step_response_matches_solve_ivp(dt, tol_v, tol_w):
    m = pn.models.AdEx(I_e=400.0)  # Brette & Gerstner parameters; rheobase ~ 600 pA
    T = 300.0
    net = pn.Network(dt=dt, seed=1)
    pop = net.add_population(m, n=1)
    vm = net.record_state(pop, "v", every=0.1)
    wm = net.record_state(pop, "w", every=0.1)
    sm = net.record_spikes(pop)
    net.run(T)
    assert sm.count == 0
    t = vm.times
    sol = solve_ivp(_adex_rhs(m), (0.0, t[-1]), [m.E_L, 0.0], t_eval=t, method="DOP853", rtol=1e-10, atol=1e-12)
    assert sol.success
    assert sol.y[0].max() - m.E_L > 10.0  # a real excursion (to ~ -58.6 mV), w up to ~42 pA
    np.testing.assert_allclose(vm.values[:, 0], sol.y[0], rtol=0, atol=tol_v)
    np.testing.assert_allclose(wm.values[:, 0], sol.y[1], rtol=0, atol=tol_w)


def _adex_ode_spikes(m, T):
    """Spike times and w just before each spike. The event is v = -20 mV instead of V_peak = 0: above -20 mV the
    exponential term drives dv/dt > 5e5 mV/ms, so the remaining time to V_peak is < 1e-4 ms, and integrating the
    blow-up itself to 0 mV is beyond any tolerance-controlled solver."""
    V_detect = -20.0

    def hit(t, y):
        return y[0] - V_detect

    hit.terminal, hit.direction = True, 1
    t, y, times, w_at = 0.0, [m.E_L, 0.0], [], []
    while t < T:
        sol = solve_ivp(_adex_rhs(m), (t, T), y, events=hit, method="DOP853", rtol=1e-10, atol=1e-12)
        assert sol.success
        if sol.status != 1:
            break
        t = sol.t_events[0][0]
        times.append(t)
        w_at.append(sol.y_events[0][0][1])
        y = [m.V_reset, w_at[-1] + m.b]
    return np.array(times), np.array(w_at)


def test_adex_spike_times_and_adaptation_jumps():
    m = pn.models.AdEx(I_e=800.0)
    dt, T = 0.01, 300.0
    net = pn.Network(dt=dt, seed=1)
    pop = net.add_population(m, n=1)
    wm = net.record_state(pop, "w")
    vm = net.record_state(pop, "v")
    sm = net.record_spikes(pop)
    net.run(T)
    ref_t, ref_w = _adex_ode_spikes(m, T)
    assert ref_t.size >= 5  # adapting train: 17.7, 35.1, 60.7, 101.7, 161.4, ...
    got = sm.times
    assert got.size == ref_t.size, (got, ref_t)
    np.testing.assert_allclose(got, ref_t, rtol=0, atol=0.2)
    # spike frequency adaptation: ISIs increase
    assert np.all(np.diff(np.diff(got)) > 0)

    W = wm.values[:, 0].astype(np.float64)
    V = vm.values[:, 0]
    steps = sm.steps
    # over the spike step w jumps by b, plus at most one step of its continuous drift
    drift = dt * (m.a * (m.V_peak - m.E_L) + np.abs(W).max()) / m.tau_w
    jumps = W[steps + 1] - W[steps]
    np.testing.assert_allclose(jumps, m.b, rtol=0, atol=drift)
    # w just before each spike agrees with the ODE (0.1 pA ~ float32 storage over tau_w / dt steps)
    np.testing.assert_allclose(W[steps], ref_w, rtol=0, atol=0.1)
    # v reset after each spike (t_ref = 0: integration resumes at once)
    assert np.all(V[steps + 1] == np.float32(m.V_reset))
    # w grows with each spike while the train adapts
    assert np.all(np.diff(W[steps + 1]) > 0)
