"""Homeostasis and metaplasticity experiments: inhibitory balance (Vogels et al. 2011), rate homeostasis by
synaptic scaling and intrinsic plasticity, BCM selectivity and the sliding threshold."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from seedstats import every_seed, mean_above, run_seeds, values

from pyneuro.experiments import EXPERIMENTS, bcm_selectivity, homeostasis_recovery, vogels_balance
from pyneuro.experiments.bcm_selectivity import bcm_rule
from pyneuro.experiments.homeostasis_recovery import _first_within, _fit_tau

# Claims over seeds 0-4 (basis: sign test, every_seed, p = 1/32; see seedstats.py). The bounds were checked against
# seeds 100-119 of the same configurations (docs/seed_statistics.py run NAME --seeds 100-119 ...), whose mean, s.d.
# and range are quoted at each claim.
SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def vogels():
    return run_seeds(vogels_balance, SEEDS), run_seeds(vogels_balance, SEEDS, plastic=0, duration=3000.0)


def test_vogels_rate_converges_to_rho0(vogels):
    runs, _ = vogels
    rho0 = runs[0]["rho0"]
    # starts far above the target (weak inhibition): calibration 9.6 +- 0.5 [8.7, 10.5] x rho0
    initial = values(runs, "rate_initial")
    every_seed(initial, initial > 4 * rho0, "E starts far above rho0")
    # ends within 25% of rho0 (Vogels et al. 2011, Fig. 4): calibration |final - rho0| / rho0 0.098 +- 0.049, max
    # 0.18 (mean + 3 s.d. 0.24)
    final = values(runs, "rate_final")
    every_seed(final, np.abs(final - rho0) <= 0.25 * rho0, "E rate ends within 25% of rho0")
    # inhibition grew: calibration 14.7 +- 0.2 x its initial weight
    w = values(runs, "w_ie_final")
    every_seed(w, w > 5 * runs[0].params["w_ie"], "inhibition grew")


def test_vogels_control_stays_far(vogels):
    _, ctl = vogels
    # calibration: 15.4 +- 0.07 x rho0 at the end of 3 s without the rule
    final = values(ctl, "rate_final")
    every_seed(final, final > 4 * ctl[0]["rho0"], "without the rule E stays far above rho0")
    for r in ctl:
        assert r["w_ie_final"] == pytest.approx(r.params["w_ie"], rel=1e-6)


@pytest.fixture(scope="module")
def recovery():
    return run_seeds(homeostasis_recovery, SEEDS, scale=0.5)


@pytest.mark.parametrize("mech", ["scaling", "intrinsic"])
def test_recovery_moves_then_returns(recovery, mech):
    target = recovery[0]["target_rate"]
    t_pert, t_perturb = recovery[0].params["t_settle"], recovery[0].params["t_perturb"]
    for pert, sign in (("halved", -1), ("doubled", +1)):
        k = f"{mech}_{pert}"
        # the perturbation moves the rate by a clear margin in the expected direction (calibration: halved 0 Hz for
        # every seed, doubled 4.8 +- 0.09 x target for both rules)
        ext = values(recovery, f"{k}_extreme")
        every_seed(ext, ext < 0.5 * target if sign < 0 else ext > 2.0 * target, f"{k}: the rate moves")
        # it returns within 20% of target within a few time constants of the rule (calibration, recovery / tau_lin:
        # scaling 4.4 +- 0.4 halved, 2.4 +- 0.3 doubled; intrinsic 3.4 +- 0.2, 3.1 +- 0.3; all below 5.2)
        rec = values(recovery, f"{k}_recovery_ms") / values(recovery, f"tau_lin_{mech}_ms")
        every_seed(rec, rec < 8, f"{k}: back within 8 linear time constants")
        # ... and stays there: the last third of the perturbation is within 20% on average (calibration:
        # late rate / target 0.99-1.01 +- 0.016, range [0.96, 1.04])
        late = values(recovery, lambda r, k=k: r[f"{k}_rate"][r["t_ms"] >= t_pert + 2 * t_perturb / 3].mean())
        every_seed(late, np.abs(late - target) <= 0.2 * target, f"{k}: stays near target")
        # the rate model integrated on the measured stationary rate curve predicts the recovery time
        # (calibration: recovery / prediction 0.90-0.96 +- 0.09, range [0.71, 1.19])
        pred = values(recovery, f"{k}_recovery_ms") / values(recovery, f"{k}_predicted_ms")
        every_seed(pred, (pred >= 0.5) & (pred <= 2.0), f"{k}: the rate model predicts the recovery time")
        # without the rule it does not return (calibration: halved 0.0001 x target, doubled
        # 5.1 +- 0.04 x target)
        ctl = values(recovery, f"{k}_control_final")
        every_seed(ctl, ctl < 0.5 * target if sign < 0 else ctl > 2.0 * target, f"{k}: not without the rule")


def test_recovery_linear_time_constants(recovery):
    for res in recovery:
        # tau_lin = tau_scaling / G and 1 / (eta g), with the gains measured by the probes
        assert res["tau_lin_scaling_ms"] == pytest.approx(res.params["tau_scaling"] / res["gain_G"])
        assert res["tau_lin_intrinsic_ms"] == pytest.approx(1000.0 / (res.params["ip_eta"] * res["gain_g_hz_per_mv"]))
    # an LIF neuron driven near threshold is steeper than linear in its input weight (calibration: G 5.8 +- 0.35,
    # g 6.5 +- 0.2 Hz/mV)
    gain = values(recovery, "gain_G")
    every_seed(gain, gain > 1.0, "rate steeper than linear in the weight")
    g = values(recovery, "gain_g_hz_per_mv")
    every_seed(g, g > 0.0, "raising the threshold lowers the rate")


@pytest.fixture(scope="module")
def bcm():
    return run_seeds(bcm_selectivity, SEEDS, scale=0.5)


def _pref_others(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pref = a.max(axis=0)
    return pref, (a.sum(axis=0) - pref) / (a.shape[0] - 1)


def _ratio(a: np.ndarray) -> np.ndarray:
    pref, others = _pref_others(a)
    return pref / others


def _selective_fraction(r) -> float:
    pref, others = _pref_others(r["response_after"])
    return float(np.mean(pref > 3 * others))


def test_bcm_selectivity(bcm):
    for res in bcm:
        assert res["preferred"].shape == (res["response_after"].shape[1],)
    # most neurons become selective: the preferred pattern's response > 3x the mean of the others. Calibration
    # (seeds 100-119): fraction selective 0.91 +- 0.13, min 0.5 (5 of the 10 neurons at one seed), so "at least 80%"
    # holds on average, not at every seed: the claim is a mean of at least 0.74 (one-sided 95% t bound; the
    # calibration mean - 3 s.e. of five seeds) and at least
    # half the neurons at every seed (mean - 3 s.d. = 0.53); the single-seed bound 0.8 no longer applies per seed
    sel = values(bcm, _selective_fraction)
    mean_above(sel, 0.74, "most neurons become selective, on average")
    every_seed(sel, sel >= 0.5, "at least half the neurons become selective")
    # before learning no pattern was preferred that clearly (calibration: largest preferred / others over the
    # neurons 1.26 +- 0.08, max 1.43)
    before = values(bcm, lambda r: np.max(_ratio(r["response_before"])))
    every_seed(before, before < 2, "unselective before learning")
    # the preferred group's weights dominate: calibration 0.93 +- 0.08 of the neurons, min 0.8; on average at least
    # 0.8 (t bound), and at every seed at least 0.6 (mean - 3 s.d. = 0.69)
    dom = values(bcm, lambda r: np.mean(np.sort(r["w_group"], 0)[-1] > 2 * np.sort(r["w_group"], 0)[:-1].mean(0)))
    mean_above(dom, 0.8, "the preferred group's weights dominate, on average")
    every_seed(dom, dom >= 0.6, "the preferred group's weights dominate")


def test_bcm_priming_raises_threshold(bcm):
    for res in bcm:
        rule = bcm_rule(res.params, 1.0)
        # theta_M = nu**2 / target_rate with the default a2_minus (Zenke et al. 2013)
        assert res["theta_high"] == pytest.approx(res["nu_high"] ** 2 / res.params["target_rate"], rel=1e-9)
        assert res["theta_low"] == pytest.approx(rule.threshold(res["nu_low"]), rel=1e-12)
    # calibration: nu_high / nu_low 6.5 +- 0.6, min 5.7
    nu = values(bcm, lambda r: r["nu_high"] / r["nu_low"])
    every_seed(nu, nu > 3, "high priming drives the neurons 3x faster")
    # the test rate lies between the two thresholds: LTP after low priming, LTD after high priming (calibration:
    # test rate - theta_low 15.1 +- 1.0 Hz, theta_high - test rate 100 +- 2.3 Hz; dw_low +0.0021 +- 0.0002 nS, dw_high
    # -0.0142 +- 0.0009 nS)
    between = values(bcm, lambda r: min(r["rate_test_low"] - r["theta_low"], r["theta_high"] - r["rate_test_high"]))
    every_seed(between, between > 0, "the test rate lies between the two thresholds")
    dw_low, dw_high = values(bcm, "dw_low"), values(bcm, "dw_high")
    every_seed(dw_low, dw_low > 0, "LTP after low priming")
    every_seed(dw_high, dw_high < 0, "LTD after high priming")


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
