"""Current inputs (step, sinusoidal, noisy) against closed forms, and their determinism."""

from __future__ import annotations

import numpy as np
import pytest

import pyneuro as pn
from pyneuro.inputs import ACCurrent, NoisyCurrent, StepCurrent

TAU, CM, EL = 10.0, 250.0, -70.0  # LIF defaults (ms, pF, mV)


def _lif_net(n=1, dt=0.1, threads=1, seed=3):
    net = pn.Network(dt=dt, seed=seed, threads=threads)
    pop = net.add_population(pn.models.LIF(V_th=1e6, t_ref=0.0), n)
    return net, pop


def test_step_current_membrane_matches_closed_form():
    # RC membrane under a piecewise constant current: v relaxes exponentially towards E_L + R I_k in each piece
    net, pop = _lif_net()
    times, amps = [2.0, 12.0, 20.0], [300.0, -100.0, 50.0]
    inp = net.add_current_input(pop, StepCurrent(times=times, amplitudes=amps))
    mon = net.record_state(pop, "v")
    net.run(40.0)
    t = np.arange(400) * 0.1
    ref = np.full(t.shape, EL)
    u = 0.0  # v - E_L at the start of the piece
    edges = times + [40.0]
    for k, a in enumerate(amps):
        s = (t >= edges[k]) & (t <= edges[k + 1])
        target = a * TAU / CM
        ref[s] = EL + target + (u - target) * np.exp(-(t[s] - edges[k]) / TAU)
        u = target + (u - target) * np.exp(-(edges[k + 1] - edges[k]) / TAU)
    np.testing.assert_allclose(mon.values[:, 0], ref, atol=1e-3)  # float32 state: ~400 roundings near 70 mV
    cur = inp.current(0)
    assert cur.shape == (400,)
    np.testing.assert_array_equal(cur[:20], 0.0)
    np.testing.assert_array_equal(cur[20:120], 300.0)
    np.testing.assert_array_equal(cur[120:200], -100.0)
    np.testing.assert_array_equal(cur[200:], 50.0)


def test_ac_current_membrane_matches_closed_form():
    # dv/dt = -(v - E_L)/tau + (offset + A sin(w s + phi))/C, s = t - start, v(start) = E_L:
    # u = R off (1 - e^{-s/tau}) + p(s) - p(0) e^{-s/tau},
    # p(s) = (A/C) tau/(1 + w^2 tau^2) (sin(ws+phi) - w tau cos(ws+phi))
    dt, start, stop, amp, off, f, ph = 0.01, 5.0, 45.0, 200.0, 50.0, 40.0, 30.0
    net, pop = _lif_net(dt=dt)
    inp = net.add_current_input(
        pop, ACCurrent(amplitude=amp, offset=off, frequency=f, phase=ph, start=start, stop=stop)
    )
    mon = net.record_state(pop, "v")
    net.run(50.0)
    t = np.arange(5000) * dt
    v = mon.values[:, 0].astype(float)
    w, phi = 2 * np.pi * f * 1e-3, np.deg2rad(ph)

    def p(s):
        return amp / CM * TAU / (1 + (w * TAU) ** 2) * (np.sin(w * s + phi) - w * TAU * np.cos(w * s + phi))

    on = (t >= start) & (t <= stop)
    s = t[on] - start
    ref = EL + off * TAU / CM * (1 - np.exp(-s / TAU)) + p(s) - p(0.0) * np.exp(-s / TAU)
    np.testing.assert_array_equal(v[t < start], EL)
    # the step holds the value of its start (zero-order hold): error O(w dt) of the response amplitude
    scale = amp * TAU / CM
    assert np.abs(v[on] - ref).max() < 2 * w * dt * scale + 1e-3
    cur = inp.current(0)
    k = np.arange(5000)
    expect = np.where((k >= 500) & (k < 4500), off + amp * np.sin(w * (k - 500) * dt + phi), 0.0)
    np.testing.assert_allclose(cur, expect.astype(np.float32), rtol=0, atol=1e-4)


def test_noisy_current_statistics_and_hold():
    net, pop = _lif_net(n=400)
    mean, sd = 20.0, 100.0
    inp = net.add_current_input(pop, NoisyCurrent(mean=mean, stdev=sd, dt=0.5, start=10.0, stop=110.0))
    net.run(120.0)
    cur = np.array([inp.current(i) for i in range(400)])  # (neuron, step)
    np.testing.assert_array_equal(cur[:, :100], 0.0)
    np.testing.assert_array_equal(cur[:, 1100:], 0.0)
    act = cur[:, 100:1100].reshape(400, 200, 5)
    np.testing.assert_array_equal(act, act[:, :, :1].repeat(5, axis=2))  # held for dt = 5 steps
    x = act[:, :, 0].ravel()  # 80000 draws
    assert abs(x.mean() - mean) < 4 * sd / np.sqrt(x.size)
    assert abs(x.std() / sd - 1) < 4 / np.sqrt(2 * x.size)
    # independent between neurons and between intervals
    r = np.corrcoef(act[:, :-1, 0].ravel(), act[:, 1:, 0].ravel())[0, 1]
    assert abs(r) < 4 / np.sqrt(x.size)
    assert abs(np.corrcoef(act[0, :, 0], act[1, :, 0])[0, 1]) < 4 / np.sqrt(200)


def test_noisy_current_membrane_variance_matches_ar1():
    # with the noise redrawn every step: u_{n+1} = a u_n + b xi_n, a = e^{-dt/tau}, b = R (1 - a);
    # stationary mean R mean, variance b^2 sd^2 / (1 - a^2)
    net, pop = _lif_net(n=4000)
    mean, sd = 100.0, 500.0
    net.add_current_input(pop, NoisyCurrent(mean=mean, stdev=sd))
    net.run(100.0)  # 10 tau: stationary
    u = pop.get("v").astype(float) - EL
    a, R = np.exp(-0.1 / TAU), TAU / CM
    b = R * (1 - a)
    var = b**2 * sd**2 / (1 - a**2)
    assert abs(u.mean() - R * mean) < 4 * np.sqrt(var / u.size)
    assert abs(u.var() / var - 1) < 4 * np.sqrt(2 / u.size)


def _noisy_run(threads, split=None, tmp=None):
    net, pop = _lif_net(n=50, threads=threads, seed=11)
    net.add_current_input(pop, NoisyCurrent(mean=400.0, stdev=300.0, dt=0.3, start=1.0), neurons=np.arange(0, 50, 2))
    net.add_current_input(pop, ACCurrent(amplitude=100.0, frequency=50.0, start=3.0, stop=17.0))
    pop.set("I_stim", np.linspace(0.0, 50.0, 50).astype(np.float32))
    if split is None:
        net.run(20.0)
        return pop.get("v")
    net.run(split)
    net.save(tmp)
    net2 = pn.Network.load(tmp)
    net2.run(20.0 - split)
    return net2.populations[0].get("v")


def test_current_inputs_thread_count_and_checkpoint_bit_identical(tmp_path):
    v1 = _noisy_run(1)
    np.testing.assert_array_equal(v1, _noisy_run(2))
    np.testing.assert_array_equal(v1, _noisy_run(1, split=7.3, tmp=tmp_path / "c.h5"))


def test_set_stimulus_current_is_kept_and_added():
    net, pop = _lif_net(n=2)
    pop.set("I_stim", np.array([10.0, 20.0], dtype=np.float32))
    net.add_current_input(pop, StepCurrent(times=[0.0], amplitudes=[5.0]), neurons=[1])
    mon = net.record_state(pop, "I_stim")
    net.run(1.0)
    np.testing.assert_array_equal(mon.values[:, 0], 10.0)
    np.testing.assert_array_equal(mon.values[:, 1], 25.0)
    np.testing.assert_array_equal(pop.get("I_stim"), [10.0, 20.0])  # the set value, after the run


def test_source_can_change_between_runs():
    net, pop = _lif_net()
    inp = net.add_current_input(pop, StepCurrent(times=[0.0], amplitudes=[0.0]))
    net.run(5.0)
    inp.source = StepCurrent(times=[5.0], amplitudes=[250.0])
    net.run(5.0)
    cur = inp.current(0)
    np.testing.assert_array_equal(cur[:50], 0.0)
    np.testing.assert_array_equal(cur[50:], 250.0)


@pytest.mark.parametrize(
    "make, err",
    [
        (lambda: StepCurrent(times=[1.0, 0.5], amplitudes=[1.0, 2.0]), ValueError),
        (lambda: StepCurrent(times=[-1.0], amplitudes=[1.0]), ValueError),
        (lambda: StepCurrent(times=[1.0], amplitudes=[1.0, 2.0]), ValueError),
        (lambda: ACCurrent(frequency=-1.0), ValueError),
        (lambda: ACCurrent(start=5.0, stop=1.0), ValueError),
        (lambda: NoisyCurrent(stdev=-1.0), ValueError),
        (lambda: NoisyCurrent(dt=0.0), ValueError),
        (lambda: ACCurrent(amplitude="x"), TypeError),
    ],
)
def test_bad_sources_refused(make, err):
    with pytest.raises(err):
        make()


def test_bad_injection_refused_without_change():
    net, pop = _lif_net(n=3)
    with pytest.raises(ValueError, match="dt"):
        net.add_current_input(pop, NoisyCurrent(dt=0.25))
    with pytest.raises(ValueError, match="neurons"):
        net.add_current_input(pop, StepCurrent(times=[0.0], amplitudes=[1.0]), neurons=[3])
    src = net.add_population(pn.models.PoissonSource(rate=5.0), 2)
    with pytest.raises(ValueError, match="I_stim"):
        net.add_current_input(src, StepCurrent(times=[0.0], amplitudes=[1.0]))
    with pytest.raises(TypeError):
        net.add_current_input(pop, 5.0)
    assert net.inputs == []


@pytest.mark.parametrize(
    "kind", sorted(k for k, m in pn.models.MODELS.items() if "I_stim" in getattr(m, "state_vars", ()))
)
def test_every_model_with_a_stimulus_current_receives_current_inputs(kind):
    # the same current through a current input or set as I_stim between runs gives the same trajectory
    cls = pn.models.MODELS[kind]
    amp = 1.0 if kind == "Izhikevich" else 40.0
    out = []
    for via_input in (True, False):
        net = pn.Network(dt=0.1, seed=1)
        pop = net.add_population(cls(), 1)
        if via_input:
            net.add_current_input(pop, StepCurrent(times=[0.0], amplitudes=[amp]))
        else:
            pop.set("I_stim", amp)
        net.run(20.0)
        out.append(pop.get(pop.state_vars[0]))
    np.testing.assert_array_equal(out[0], out[1])
    net = pn.Network(dt=0.1, seed=1)
    pop = net.add_population(cls(), 1)
    net.run(20.0)
    assert pop.get(pop.state_vars[0])[0] != out[0][0]  # the current did act
