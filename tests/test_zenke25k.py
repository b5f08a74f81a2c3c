"""The W4 workload (pyneuro.workloads.zenke25k, Auryn's sim_background model) at reduced size with the full
in-degrees: its structure, its priming phase (plasticity off, rate estimate at the target) and its activity."""

import numpy as np
import pytest

import pyneuro as pn
import pyneuro.workloads as W


@pytest.fixture(scope="module")
def w4():
    w = W.zenke25k(scale=0.1, fixed_indegree=True, prime=300.0, seed=2)
    ee = w.projections["ee"]
    w0 = ee.weights
    w.net.run(300.0)
    primed = ee.weights
    w.net.run(700.0)
    return w, w0, primed


def test_structure_matches_sim_background(w4):
    w, w0, _ = w4
    pops, projs = w.populations, w.projections
    assert (pops["exc"].size, pops["inh"].size, pops["input"].size) == (2000, 500, 250)
    for name in ("exc", "inh"):
        assert isinstance(pops[name].model, pn.models.LIFCondAmpaNmda)
    assert pops["exc"].model.C_m == 200.0 and pops["inh"].model.C_m == 100.0
    # every projection has Auryn's single delay, 0.8 ms under the NEST convention, and the full model's in-degrees
    assert w.net.time_convention == "nest"
    n_pre = {"input": 250, "ee": 2000, "ei": 2000, "ie": 500, "ii": 500}
    full = {"input": 2500, "ee": 20000, "ei": 20000, "ie": 5000, "ii": 5000}
    n_post = {"input": 2000, "ee": 2000, "ei": 500, "ie": 2000, "ii": 500}
    for name, p in projs.items():
        assert np.all(np.isclose(p.delays, 0.8))
        mean_in = p.size / n_post[name]
        want = 0.05 * full[name] * (1 - (1 / n_pre[name] if name in ("ee", "ii") else 0))
        assert abs(mean_in - want) < 0.05 * want, name
        if name in ("ee", "ii"):
            assert np.all(p.pre != p.post)  # no self-connections (Auryn skips the diagonal)
    np.testing.assert_allclose(w0, np.float32(1.6))  # 0.16 g_L
    np.testing.assert_allclose(projs["ie"].weights[:10], 10.0)


def test_priming_keeps_weights_then_plasticity_starts(w4):
    w, w0, primed = w4
    np.testing.assert_array_equal(primed, w0)  # 300 ms with the learning-rate factor 0
    wn = w.projections["ee"].weights
    assert np.count_nonzero(wn != w0) > 0.5 * wn.size
    assert wn.min() >= 0.0 and wn.max() <= 10.0
    rule = w.projections["ee"].plasticity[0]
    assert isinstance(rule, pn.plasticity.BCM) and rule.initial_rate == rule.target_rate == 3.0


def test_activity_is_asynchronous_at_a_few_hz(w4):
    w, _, _ = w4
    re, ri = w.rate("exc", 700.0), w.rate("inh", 700.0)
    assert 0.5 < re < 20.0 and 0.5 < ri < 30.0, (re, ri)


def test_bad_record_option():
    with pytest.raises(ValueError, match="record"):
        W.zenke25k(scale=0.01, record="voltages")
