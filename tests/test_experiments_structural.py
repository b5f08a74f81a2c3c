"""Structural plasticity experiments: rewiring to a steady state under STDP, pruning and homeostatic
growth; a lesion of inputs followed by sprouting that restores the deafferented neurons' in-degree and rates."""

from __future__ import annotations

import json

import numpy as np
import pytest
from seedstats import every_seed, mean_above, mean_below, run_seeds, values

from pyneuro.experiments import EXPERIMENTS, lesion_sprouting, rewiring_steady_state

# Claims over seeds 0-4 (basis: sign test, every_seed, p = 1/32; or the one-sided 95% t bound of the mean; see
# seedstats.py); bounds checked against seeds 100-119 of the same configuration (docs/seed_statistics.py run NAME
# --seeds 100-119 --scale 0.5), whose mean, s.d. and range are quoted at each claim.
SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def rewirings():
    return run_seeds(rewiring_steady_state, SEEDS, scale=0.5)


@pytest.fixture(scope="module")
def sproutings():
    return run_seeds(lesion_sprouting, SEEDS, scale=0.5)


# -- rewiring ---------------------------------------------------------------------------------------------------
def test_rewiring_reaches_steady_state(rewirings):
    runs = rewirings
    # the count moved far from the initial one (growth towards the target rate): calibration 1.75 +- 0.04 x initial
    grown = values(runs, lambda r: r["n_synapses"][-1] / r["n_initial"])
    every_seed(grown, grown > 1.3, "the E->E count grows")
    # ... and settled: its linear trend over the last third is small, and so is its range there. Calibration:
    # |drift| 0.024 +- 0.017, max 0.056 (mean + 3 s.d. 0.075); range 0.026 +- 0.014, max 0.049 (0.067). The
    # single-seed bound 0.06 on the drift is crossed by mean + 3 s.d., so per seed 0.08, and 0.05 on average
    drift = np.abs(values(runs, "count_drift_last_third"))
    every_seed(drift, drift < 0.08, "the count settles")
    mean_below(drift, 0.05, "the count settles, on average")
    rng = values(runs, "count_range_last_third")
    every_seed(rng, rng < 0.08, "the count stays within a narrow range")
    # synapses keep turning over at the steady state: created and pruned balance, and are many. Calibration:
    # |created / pruned - 1| 0.035 +- 0.024, max 0.078 (mean + 3 s.d. 0.108): per seed 0.12 (0.1 held at seed 0
    # only as a margin), 0.1 on average; created / final count 0.59 +- 0.02
    bal = values(runs, lambda r: abs(r["created_last_third"] / r["pruned_last_third"] - 1.0))
    every_seed(bal, bal < 0.12, "created and pruned balance")
    mean_below(bal, 0.1, "created and pruned balance, on average")
    many = values(runs, lambda r: r["created_last_third"] / r["n_synapses"][-1])
    every_seed(many, many > 0.3, "many synapses turn over")
    # weak synapses are pruned (not only homeostatic retraction): calibration 0.70 +- 0.02 of the pruned
    weak = values(runs, lambda r: r["pruned_weak"][len(r["n_synapses"]) - len(r["n_synapses"]) // 3 :].sum())
    every_seed(weak, weak > 0.2 * values(runs, "pruned_last_third"), "weak synapses are pruned")
    # the weight distribution changed a lot early and hardly late: calibration 0.91 +- 0.005 and 0.047 +- 0.011
    first, last = values(runs, "hist_change_first_third"), values(runs, "hist_change_last_third")
    every_seed(first, first > 0.5, "the weights change early")
    every_seed(last, last < 0.1, "the weights hardly change late")
    # the E rate reached the homeostatic target: calibration |rate - target| / target 0.022 +- 0.016, initial rate
    # 0.67 +- 0.03 x target
    target = runs[0]["target_rate"]
    rate = values(runs, "rate_e_last_third")
    every_seed(rate, np.abs(rate - target) < 0.15 * target, "the E rate reaches the target")
    rate0 = values(runs, lambda r: r["rate_e"][0])
    every_seed(rate0, rate0 < 0.85 * target, "the E rate starts below the target")
    # the summary's "steady" flag (|drift| <= 5% and created/pruned within 10% of 1) holds at 16 of the 18
    # calibration seeds, so it is not a claim for every seed; it holds at seed 0
    assert runs[0]["steady"] == 1


def test_rewiring_counts_match_structural_log(rewirings):
    for res in rewirings:
        _counts_match_log(res)


def _counts_match_log(res):
    n = res["n_synapses"]
    np.testing.assert_array_equal(res["n_initial"] + np.cumsum(res["created"] - res["pruned"]), n)
    assert np.all(res["pruned_weak"] <= res["pruned"])
    # the weight histograms count every synapse (weights lie in [0, w_max])
    np.testing.assert_array_equal(res["weight_hist"].sum(axis=1), n)
    assert res["weight_hist_initial"].sum() == res["n_initial"]
    assert res["weight_edges"][-1] == res.params["w_max"]
    assert res["t_ms"][-1] == pytest.approx(res.params["duration"])


def test_rewiring_thread_independent():
    kw = dict(scale=0.25, seed=3, draw=False, duration=6000.0, window=1000.0)
    a = rewiring_steady_state(threads=1, **kw)
    b = rewiring_steady_state(threads=2, **kw)
    assert a.numbers.keys() == b.numbers.keys()
    for k in a.numbers:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)
    assert a["created"].sum() > 0 and a["pruned"].sum() > 0


# -- lesion and sprouting ---------------------------------------------------------------------------------------
def test_lesion_drops_deafferented_rates(sproutings):
    runs = sproutings
    for res in runs:
        assert res["n_deafferented"] >= 5 and res["n_intact"] >= 5  # calibration 14-16 and 20
        # the lesion removes the lesioned inputs' synapses; the deafferented neurons lost at least half of theirs
        # (calibration: in-degree after / before 0.25 +- 0.01)
        assert res["synapses_removed"] > 0
        assert res["indeg_after"] <= 0.5 * res["indeg_before"]
    before = values(runs, "rate_before")  # calibration 13.2 +- 1.2 Hz, min 10.9
    every_seed(before, before > 5.0, "the targets fire before the lesion")
    # their rates drop by a clear margin, with and without sprouting (calibration: after / before 0.004 +- 0.009,
    # max 0.03, in both)
    for key in ("rate_after", "rate_after_control"):
        after = values(runs, key)
        every_seed(after, after < 0.3 * before, f"{key}: the deafferented neurons fall silent")
    # the intact neurons keep their rate: calibration |recovered / before - 1| 0.084 +- 0.061, max 0.23 (mean + 3
    # s.d. 0.27): per seed within 30% (25% held at seed 0 only as a margin), within 17% on average (mean + 3 s.e.)
    intact = np.abs(values(runs, lambda r: r["rate_intact_recovered"] / r["rate_intact_before"] - 1.0))
    every_seed(intact, intact < 0.3, "the intact neurons keep their rate")
    mean_below(intact, 0.17, "the intact neurons keep their rate, on average")


def test_sprouting_restores_indegree_and_rate(sproutings):
    runs = sproutings
    # with sprouting the rate comes back: calibration recovered / baseline 1.00 +- 0.11, min 0.86 (mean - 3 s.d.
    # 0.68; the rates of 15 neurons over 2 s are noisy): per seed at least 0.65 (0.8 held at seed 0 only as a
    # margin), at least 0.85 on average
    frac = values(runs, "rate_recovered_fraction")
    every_seed(frac, frac >= 0.65, "sprouting restores the rate")
    mean_above(frac, 0.85, "sprouting restores the rate, on average")
    rec = values(runs, "rate_recovered")
    every_seed(rec, rec >= 0.65 * values(runs, "rate_before"), "sprouting restores the rate (Hz)")
    # in-degree restored (sprouting never exceeds the loss): calibration 0.9992 +- 0.001
    ind = values(runs, "indeg_restored_fraction")
    every_seed(ind, ind > 0.9, "sprouting restores the in-degree")
    for res in runs:
        assert res["indeg_recovered"] <= res["indeg_before"]
        assert 0.9 * res["synapses_removed"] <= res["synapses_created"] <= res["synapses_removed"]
        assert np.all(res["k_recovered"] <= res["k_before"])
        # the control: no new synapses, in-degree as right after the lesion
        assert res["synapses_created_control"] == 0
        assert res["indeg_recovered_control"] == pytest.approx(res["indeg_after"])
        # in-degree over time: flat before the lesion, monotone recovery after it with sprouting
        t, k = res["t_ms"], res["indeg_deaff"]
        before = t < res.params["t_lesion"]
        assert np.all(k[before] == res["indeg_before"])
        assert np.all(np.diff(k[~before]) >= 0)
        assert np.all(res["indeg_deaff_control"][~before] == res["indeg_after"])
    # the control stays low (calibration: recovered / before 0.0008 +- 0.0015, max 0.005)
    ctl = values(runs, "rate_recovered_fraction_control")
    every_seed(ctl, ctl < 0.3, "without sprouting the rate stays low")
    ctl_hz = values(runs, "rate_recovered_control")
    every_seed(ctl_hz, ctl_hz < 0.3 * values(runs, "rate_before"), "without sprouting the rate stays low (Hz)")


def test_lesion_sprouting_thread_independent():
    kw = dict(scale=0.5, seed=2, draw=False, duration=10_000.0, t_lesion=3000.0)
    a = lesion_sprouting(threads=1, **kw)
    b = lesion_sprouting(threads=2, **kw)
    for k in a.numbers:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)


# -- files, registry, arguments ---------------------------------------------------------------------------------
def _json_equal(doc_numbers: dict, res) -> None:
    assert set(doc_numbers) == set(res.numbers)
    for k, v in res.numbers.items():
        np.testing.assert_array_equal(np.asarray(doc_numbers[k], dtype=np.float64), np.asarray(v, np.float64), k)


@pytest.mark.parametrize(
    "name, kw",
    [
        ("rewiring_steady_state", dict(scale=0.25, duration=3000.0, window=1000.0)),
        ("lesion_sprouting", dict(scale=0.5, duration=6000.0, t_lesion=2000.0)),
    ],
)
def test_registry_and_saved_files(tmp_path, name, kw):
    fn = EXPERIMENTS[name]
    assert fn is {"rewiring_steady_state": rewiring_steady_state, "lesion_sprouting": lesion_sprouting}[name]
    res = fn(seed=1, out=tmp_path, draw=True, **kw)
    png, js = tmp_path / f"{name}.png", tmp_path / f"{name}.json"
    assert res.figure is not None and png.stat().st_size > 1000
    doc = json.loads(js.read_text())
    assert doc["name"] == name and doc["summary"] == res.summary
    assert doc["params"] == res.params
    _json_equal(doc["numbers"], res)
    assert set(kw) - {"scale"} <= set(fn.sweep_parameters)


@pytest.mark.parametrize(
    "fn, kw, exc",
    [
        (rewiring_steady_state, dict(scale=0.0), ValueError),
        (rewiring_steady_state, dict(scale="1"), TypeError),
        (rewiring_steady_state, dict(seed=-1), ValueError),
        (rewiring_steady_state, dict(threads=0), ValueError),
        (rewiring_steady_state, dict(draw="yes"), TypeError),
        (rewiring_steady_state, dict(bogus=1), TypeError),
        (rewiring_steady_state, dict(w_ee=3.0), ValueError),
        (rewiring_steady_state, dict(prune_threshold=2.0), ValueError),
        (rewiring_steady_state, dict(a_post=0.1), ValueError),
        (rewiring_steady_state, dict(duration=4000.0), ValueError),
        (rewiring_steady_state, dict(k_ee=2.5), (TypeError, ValueError)),
        (lesion_sprouting, dict(scale=-1.0), ValueError),
        (lesion_sprouting, dict(nope=1), TypeError),
        (lesion_sprouting, dict(deafferented=1.5), ValueError),
        (lesion_sprouting, dict(duration=40_100.0, bin=500.0), ValueError),
        (lesion_sprouting, dict(t_lesion=1000.0), ValueError),
        (lesion_sprouting, dict(t_lesion=39_000.0), ValueError),
        (lesion_sprouting, dict(lesion_center=5000.0, lesion_radius=10.0), ValueError),
        (lesion_sprouting, dict(rate_in=float("nan")), ValueError),
    ],
)
def test_bad_arguments(fn, kw, exc):
    with pytest.raises(exc):
        fn(**kw)
