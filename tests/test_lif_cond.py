"""LIFCond (NEST iaf_cond_exp) against exact conductances, solve_ivp and the steady state.

The conductances decay exactly (float32 geometric decay), so ``g`` is compared tightly with w exp(-t/tau).
``v`` is advanced by exponential Euler with each conductance replaced by its exact mean over the step. For
``dv/dt = -a(t) v + b(t)`` this step is exact when a, b are constant, and its local error for time-varying
a, b is O(dt^3) (the first-order terms cancel because the means are exact), so the global error is O(dt^2):
halving dt must divide the error by ~4. At dt = 0.1 the measured error is ~3e-4 mV for a 1 mV PSP. The floor
under it is float32 storage of ``v``: half a spacing at 70 mV (3.8e-6) per step, remembered over
C_m/g_L/dt = 150 steps, i.e. at most ~6e-4 mV but ~5e-5 mV in practice; the convergence test therefore uses
dt = 0.4, 0.2, 0.1 and a PSP large enough (~8 mV) that truncation dominates the rounding floor.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import pyneuro as pn


def _one_spike(model, w, receptor, dt, t_arr=2.0, T=50.0):
    """A generator spike at t = 0 reaching one LIFCond neuron at t_arr (a whole number of steps for the dt used)."""
    net = pn.Network(dt=dt, seed=1)
    post = net.add_population(model, n=1)
    gen = net.add_population(pn.models.SpikeGenerator(times=[0.0], indices=[0]), n=1)
    proj = net.connect(gen, post, pn.conn.FromArrays([0], [0]), weight=w, delay=t_arr, receptor=receptor)
    assert proj.delays[0] == pytest.approx(t_arr)
    gvar = "g_ex" if receptor == "exc" else "g_in"
    vm = net.record_state(post, "v", every=dt)
    gm = net.record_state(post, gvar, every=dt)
    other = net.record_state(post, "g_in" if receptor == "exc" else "g_ex", every=dt)
    sm = net.record_spikes(post)
    net.run(T)
    assert sm.count == 0
    assert np.all(other.values == 0.0)
    return vm.times, vm.values[:, 0].astype(np.float64), gm.values[:, 0].astype(np.float64)


def _reference_psp(model, w, receptor, s):
    """solve_ivp of C dv/dt = -g_L (v - E_L) - g(t) (v - E_rev), g(t) = w exp(-t / tau), from v = E_L at t = 0."""
    if receptor == "exc":
        tau, E_rev = model.tau_syn_ex, model.E_ex
    else:
        tau, E_rev = model.tau_syn_in, model.E_in

    def rhs(t, y):
        return [(-model.g_L * (y[0] - model.E_L) - w * np.exp(-t / tau) * (y[0] - E_rev)) / model.C_m]

    sol = solve_ivp(rhs, (0.0, s[-1]), [model.E_L], t_eval=s, method="DOP853", rtol=1e-10, atol=1e-12)
    assert sol.success
    return sol.y[0]


@pytest.mark.parametrize("receptor, tau", [("exc", 0.2), ("exc", 2.0), ("inh", 2.0), ("inh", 10.0)])
def test_conductance_decays_exactly(receptor, tau):
    w = 5.0
    model = pn.models.LIFCond(
        tau_syn_ex=tau if receptor == "exc" else 0.2, tau_syn_in=tau if receptor == "inh" else 2.0
    )
    t, v, g = _one_spike(model, w, receptor, dt=0.1)
    before, after = t < 2.0 - 1e-9, t > 2.0 + 1e-9
    assert np.all(g[before] == 0.0) and np.all(v[before] == np.float32(model.E_L))
    s = t[after] - 2.0
    np.testing.assert_allclose(g[after], w * np.exp(-s / tau), rtol=1e-5, atol=1e-9)
    # excitation depolarises, inhibition (E_in = -85 < E_L) hyperpolarises
    dv = v[after] - model.E_L
    assert (dv.max() > 0.05) if receptor == "exc" else (dv.min() < -0.05)


@pytest.mark.parametrize("receptor", ["exc", "inh"])
def test_psp_matches_solve_ivp_at_dt_0_1(receptor):
    # NEST default parameters (tau_syn_ex = 0.2 ms); w = 20 nS gives a ~1 mV EPSP,
    # ~0.8 mV IPSP (w = 10 nS, tau_syn_in = 2)
    model = pn.models.LIFCond()
    w = 20.0 if receptor == "exc" else 10.0
    t, v, _ = _one_spike(model, w, receptor, dt=0.1)
    after = t > 2.0 + 1e-9
    s = t[after] - 2.0
    ref = _reference_psp(model, w, receptor, s)
    amplitude = np.max(np.abs(ref - model.E_L))
    assert amplitude > 0.5
    err = np.max(np.abs(v[after] - ref))
    assert err < 1e-3, (err, amplitude)


def test_psp_error_is_second_order_in_dt():
    model = pn.models.LIFCond(tau_syn_ex=2.0)
    w = 20.0  # ~7.7 mV EPSP, still below threshold
    errs = []
    for dt in (0.4, 0.2, 0.1):
        t, v, _ = _one_spike(model, w, "exc", dt=dt)
        after = t > 2.0 + 1e-9
        s = t[after] - 2.0
        ref = _reference_psp(model, w, "exc", s)
        assert np.max(ref - model.E_L) > 5.0
        errs.append(np.max(np.abs(v[after] - ref)))
    ratios = [errs[0] / errs[1], errs[1] / errs[2]]
    assert errs[2] < 1e-3
    for r in ratios:
        assert 3.0 < r < 5.0, (errs, ratios)


@pytest.mark.parametrize("I_e", [200.0, -100.0])
def test_constant_current_steady_state(I_e):
    model = pn.models.LIFCond(I_e=I_e)
    net = pn.Network(dt=0.1, seed=1)
    pop = net.add_population(model, n=2)
    vm = net.record_state(pop, "v")
    sm = net.record_spikes(pop)
    net.run(300.0)
    assert sm.count == 0
    v_inf = model.E_L + I_e / model.g_L  # -58 mV / -76 mV
    t = vm.times
    # constant coefficients: exponential Euler is exact, so the whole relaxation matches the closed form
    exact = v_inf + (model.E_L - v_inf) * np.exp(-t * model.g_L / model.C_m)
    for col in range(2):
        np.testing.assert_allclose(vm.values[:, col], exact, rtol=1e-5, atol=0)
    np.testing.assert_allclose(pop.get("v"), v_inf, rtol=0, atol=1e-3)
