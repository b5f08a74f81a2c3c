"""Homeostasis and metaplasticity experiments: inhibitory balance (Vogels et al. 2011), rate homeostasis by
synaptic scaling and intrinsic plasticity, BCM selectivity and the sliding threshold."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from pyneuro.experiments import EXPERIMENTS, bcm_selectivity, homeostasis_recovery, vogels_balance
from pyneuro.experiments.bcm_selectivity import bcm_rule
from pyneuro.experiments.homeostasis_recovery import _first_within, _fit_tau


@pytest.fixture(scope="module")
def vogels():
    return vogels_balance(draw=False), vogels_balance(draw=False, plastic=0, duration=3000.0)


def test_vogels_rate_converges_to_rho0(vogels):
    res, _ = vogels
    rho0 = res["rho0"]
    # starts far above the target (weak inhibition), ends within 25% of rho0 (Vogels et al. 2011, Fig. 4)
    assert res["rate_initial"] > 4 * rho0
    assert abs(res["rate_final"] - rho0) <= 0.25 * rho0
    # inhibition grew
    assert res["w_ie_final"] > 5 * res.params["w_ie"]


def test_vogels_control_stays_far(vogels):
    _, ctl = vogels
    assert ctl["rate_final"] > 4 * ctl["rho0"]
    assert ctl["w_ie_final"] == pytest.approx(ctl.params["w_ie"], rel=1e-6)


@pytest.fixture(scope="module")
def recovery():
    return homeostasis_recovery(draw=False, scale=0.5)


@pytest.mark.parametrize("mech", ["scaling", "intrinsic"])
def test_recovery_moves_then_returns(recovery, mech):
    res = recovery
    target = res["target_rate"]
    t = res["t_ms"]
    t_pert = res.params["t_settle"]
    tau_lin = res[f"tau_lin_{mech}_ms"]
    for pert, sign in (("halved", -1), ("doubled", +1)):
        k = f"{mech}_{pert}"
        # the perturbation moves the rate by a clear margin in the expected direction
        if sign < 0:
            assert res[f"{k}_extreme"] < 0.5 * target
        else:
            assert res[f"{k}_extreme"] > 2.0 * target
        # it returns within 20% of target within a few time constants of the rule ...
        rec = res[f"{k}_recovery_ms"]
        assert rec < 8 * tau_lin
        # ... and stays there: the last third of the perturbation is within 20% on average
        late = t >= t_pert + 2 * res.params["t_perturb"] / 3
        assert abs(res[f"{k}_rate"][late].mean() - target) <= 0.2 * target
        # the rate model integrated on the measured stationary rate curve predicts the recovery time
        assert 0.5 * res[f"{k}_predicted_ms"] <= rec <= 2.0 * res[f"{k}_predicted_ms"]
        # without the rule it does not return
        ctl = res[f"{k}_control_final"]
        assert (ctl < 0.5 * target) if sign < 0 else (ctl > 2.0 * target)


def test_recovery_linear_time_constants(recovery):
    res = recovery
    # tau_lin = tau_scaling / G and 1 / (eta g), with the gains measured by the probes
    assert res["tau_lin_scaling_ms"] == pytest.approx(res.params["tau_scaling"] / res["gain_G"])
    assert res["tau_lin_intrinsic_ms"] == pytest.approx(1000.0 / (res.params["ip_eta"] * res["gain_g_hz_per_mv"]))
    # an LIF neuron driven near threshold is steeper than linear in its input weight
    assert res["gain_G"] > 1.0
    assert res["gain_g_hz_per_mv"] > 0.0


@pytest.fixture(scope="module")
def bcm():
    return bcm_selectivity(draw=False, scale=0.5)


def test_bcm_selectivity(bcm):
    before, after = bcm["response_before"], bcm["response_after"]
    n = after.shape[1]
    pref = after.max(axis=0)
    others = (after.sum(axis=0) - pref) / (after.shape[0] - 1)
    # most neurons become selective: the preferred pattern's response > 3x the mean of the others
    assert np.mean(pref > 3 * others) >= 0.8
    # before learning no pattern was preferred that clearly
    b_pref = before.max(axis=0)
    b_others = (before.sum(axis=0) - b_pref) / (before.shape[0] - 1)
    assert np.all(b_pref < 2 * b_others)
    # the preferred group's weights dominate
    w = bcm["w_group"]
    top = np.sort(w, axis=0)
    assert np.mean(top[-1] > 2 * top[:-1].mean(axis=0)) >= 0.8
    assert bcm["preferred"].shape == (n,)


def test_bcm_priming_raises_threshold(bcm):
    rule = bcm_rule(bcm.params, 1.0)
    assert bcm["nu_high"] > 3 * bcm["nu_low"]
    # theta_M = nu**2 / target_rate with the default a2_minus (Zenke et al. 2013)
    assert bcm["theta_high"] == pytest.approx(bcm["nu_high"] ** 2 / bcm.params["target_rate"], rel=1e-9)
    assert bcm["theta_low"] == pytest.approx(rule.threshold(bcm["nu_low"]), rel=1e-12)
    # the test rate lies between the two thresholds: LTP after low priming, LTD after high priming
    assert bcm["theta_low"] < bcm["rate_test_low"] and bcm["rate_test_high"] < bcm["theta_high"]
    assert bcm["dw_low"] > 0 > bcm["dw_high"]


def test_registry_and_saved_files(tmp_path):
    fn = EXPERIMENTS["bcm_selectivity"]
    assert fn is bcm_selectivity
    res = fn(scale=0.2, seed=1, out=tmp_path, draw=True, t_warm=1000.0, t_test=500.0)
    png, js = tmp_path / "bcm_selectivity.png", tmp_path / "bcm_selectivity.json"
    assert png.stat().st_size > 1000 and res.figure is not None
    doc = json.loads(js.read_text())
    assert doc["summary"] == res.summary
    for k, v in res.numbers.items():
        np.testing.assert_array_equal(np.asarray(doc["numbers"][k], dtype=np.float64), np.asarray(v, np.float64))
    assert doc["params"]["t_warm"] == 1000.0 and doc["params"]["seed"] == 1


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"scale": 0.0}, ValueError),
        ({"scale": "big"}, TypeError),
        ({"seed": -1}, ValueError),
        ({"threads": 0}, ValueError),
        ({"draw": "yes"}, TypeError),
        ({"nonsense": 1.0}, TypeError),
        ({"eta": -1.0}, ValueError),
        ({"t_measure": 1e9}, ValueError),
    ],
)
def test_vogels_bad_arguments(kwargs, exc):
    with pytest.raises(exc):
        vogels_balance(**kwargs)


def test_positional_arguments_rejected():
    with pytest.raises(TypeError):
        homeostasis_recovery(1.0)  # type: ignore[misc]


def test_recovery_bad_target():
    with pytest.raises(ValueError, match="target_rate"):
        homeostasis_recovery(draw=False, scale=0.1, target_rate=190.0, t_probe=200.0)


def test_first_within_and_fit_tau():
    # _first_within and _fit_tau on an exact exponential return to target
    t = np.arange(0.0, 10_000.0, 100.0)
    target, tau = 10.0, 1500.0
    r = target + 40.0 * np.exp(-t / tau)
    assert _first_within(t, r, 0.0, target, 0.2) == t[np.argmax(np.abs(r - target) <= 2.0)]
    assert _fit_tau(t, r, 0.0, target) == pytest.approx(tau, rel=1e-6)
    assert math.isinf(_first_within(t, np.full_like(t, 50.0), 0.0, target, 0.2))
