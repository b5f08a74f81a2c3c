"""The shipped definitions reproduce their papers' qualitative results.

- Clopath et al. 2010 (Nat. Neurosci. 13:344), Fig. 2b, after Sjöström, Turrigiano & Nelson 2001: five pairings at
  +10 ms (pre before post) potentiate, increasingly with the pairing frequency; at -10 ms (post before pre) they
  depress at low frequencies and potentiate at high ones (the crossover lies between 20 and 40 Hz).
- Graupner & Brunel 2012 (PNAS 109:3991), Fig. 2: 60 spike pairs at 1 Hz give the STDP-curve classes of the
  parameter sets: DP (depression for post-before-pre, potentiation for pre-before-post), P (potentiation only),
  D (depression only), DPD (depression, potentiation, depression). The efficacy's drift is checked against an
  independent numpy integration of the same equations.
"""

import numpy as np
import pytest

import pyneuro as pn
from pyneuro import definitions as defs


def clopath_pairing(rule, neuron, freq, delta, n_pairs=5, w0=0.5):
    net = pn.Network(dt=0.1, seed=1)
    t_pre = 20.0 + 1000.0 / freq * np.arange(n_pairs)
    t_post = t_pre + delta
    pre = net.add_population(pn.models.SpikeGenerator(times=t_pre, indices=np.zeros(n_pairs, int)), 1)
    drive = net.add_population(pn.models.SpikeGenerator(times=t_post - 0.1, indices=np.zeros(n_pairs, int)), 1)
    post = net.add_population(neuron, 1)
    net.connect(drive, post, pn.conn.OneToOne(), weight=80.0, delay=0.1)  # an 80 mV kick: a spike at t_post
    proj = net.connect(pre, post, pn.conn.OneToOne(), weight=w0, delay=0.1, plasticity=rule)
    sm = net.record_spikes(post)
    net.run(max(t_pre[-1], t_post[-1]) + 100.0)
    np.testing.assert_allclose(sm.times, t_post, atol=0.051)  # the kicks made these spikes (to the step)
    return 100.0 * (proj.weights[0] - w0) / w0


def test_clopath_frequency_dependence_of_pairing():
    from pyneuro.experiments.clopath_frequency import NEURON_PARAMS

    rule, neuron = defs.clopath_rule(), defs.clopath_neuron(**NEURON_PARAMS)
    freqs = [1.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    pre_post = np.array([clopath_pairing(rule, neuron, f, 10.0) for f in freqs])
    post_pre = np.array([clopath_pairing(rule, neuron, f, -10.0) for f in freqs])
    assert np.all(pre_post > 0)
    assert np.all(np.diff(pre_post[1:]) > 0)  # more potentiation at higher frequencies (10 -> 50 Hz)
    assert post_pre[0] < 0 and post_pre[1] < 0  # LTD at low frequency
    assert post_pre[-1] > 0 and post_pre[-2] > 0  # LTP at 40 and 50 Hz
    assert np.all(np.diff(post_pre[2:]) > 0)  # (equal LTD at 10 and 20 Hz, -2.71 and -2.74 %, as in the data)
    assert abs(post_pre[2] - post_pre[1]) < 0.1
    assert np.all(pre_post > post_pre)


def gb_sweep(setname, deltas, n_pairs=60, freq=1.0):
    p = defs.GRAUPNER_BRUNEL_SETS[setname]
    net = pn.Network(dt=0.1, seed=1)
    n = len(deltas)
    base = 100.0 + 1000.0 / freq * np.arange(n_pairs)
    idx = np.repeat(np.arange(n), n_pairs)
    pre = net.add_population(pn.models.SpikeGenerator(times=np.tile(base, n), indices=idx), n)
    post_times = np.concatenate([base + d for d in deltas])
    post = net.add_population(pn.models.SpikeGenerator(times=post_times, indices=idx), n)
    proj = net.connect(pre, post, pn.conn.OneToOne(), weight=0.5, delay=max(p["D"], 0.1),
                       plasticity=defs.graupner_brunel_rule(setname))
    net.run(100.0 + 1000.0 / freq * n_pairs)
    return proj.weights - 0.5  # w = rho, from rho0 = rho_star = 0.5


def gb_numpy(setname, delta, n_pairs=60, freq=1.0, dt=0.1):
    """The same deterministic equations integrated in numpy on the same grid (float32 storage of rho)."""
    p = defs.GRAUPNER_BRUNEL_SETS[setname]
    d_steps = int(np.floor(max(p["D"], 0.1) / dt + 0.5 + 1e-9))
    base = 100.0 + 1000.0 / freq * np.arange(n_pairs)
    arr = np.floor(base / dt + 0.5 + 1e-9).astype(int) + d_steps
    post = np.floor((base + delta) / dt + 0.5 + 1e-9).astype(int)
    n_steps = int(round((100.0 + 1000.0 / freq * n_pairs) / dt))
    decay = np.exp(-dt / p["tau_Ca"])

    def trace(events):
        x = np.zeros(n_steps)
        x[events[events < n_steps]] = 1.0
        out = np.zeros(n_steps)
        acc = 0.0
        for i in range(n_steps):  # x_k = x_{k-1} e^{-dt/tau} + spikes at k
            acc = acc * decay + x[i]
            out[i] = acc
        return out

    c = p["C_pre"] * trace(arr) + p["C_post"] * trace(post)
    rho = np.float32(0.5)
    g = dt / p["tau"]
    for ck in c:
        r = float(rho)
        drift = -r * (1 - r) * (p["rho_star"] - r)
        ltp = p["gamma_p"] * (1 - r) * (ck >= p["theta_p"])
        ltd = p["gamma_d"] * r * (ck >= p["theta_d"])
        rho = np.float32(r + g * (drift + ltp - ltd))
    return float(rho) - 0.5


DELTAS = np.array([-50.0, -20.0, -10.0, -5.0, 0.0, 5.0, 10.0, 20.0, 50.0])


@pytest.mark.parametrize(
    "setname,signs",
    [
        ("DP", [-1, -1, -1, -1, 0, 1, 1, 1, 1]),
        ("P", [1, 1, 1, 1, 1, 1, 1, 1, 1]),
        ("D", [0, 0, 0, -1, -1, -1, 0, 0, 0]),
        ("DPD", [0, -1, -1, -1, 0, 1, -1, -1, 0]),
    ],
)
def test_graupner_brunel_stdp_curve_classes(setname, signs):
    drho = gb_sweep(setname, DELTAS)
    for d, s, x in zip(DELTAS, signs, drho):
        if s > 0:
            assert x > 1e-3, (setname, d, x)
        elif s < 0:
            assert x < -1e-3, (setname, d, x)
        else:
            assert abs(x) < 2e-3, (setname, d, x)


def test_graupner_brunel_against_numpy_reference():
    deltas = np.array([-20.0, 10.0])
    drho = gb_sweep("DP", deltas, n_pairs=10)
    ref = [gb_numpy("DP", d, n_pairs=10) for d in deltas]
    np.testing.assert_allclose(drho, ref, rtol=1e-3)
    assert drho[0] < 0 < drho[1]
