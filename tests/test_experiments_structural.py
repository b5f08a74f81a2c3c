"""Structural plasticity experiments (issue 4): rewiring to a steady state under STDP, pruning and homeostatic
growth; a lesion of inputs followed by sprouting that restores the deafferented neurons' in-degree and rates."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pyneuro.experiments import EXPERIMENTS, lesion_sprouting, rewiring_steady_state


@pytest.fixture(scope="module")
def rewiring():
    return rewiring_steady_state(scale=0.5, draw=False)


@pytest.fixture(scope="module")
def sprouting():
    return lesion_sprouting(scale=0.5, draw=False)


# -- rewiring ---------------------------------------------------------------------------------------------------
def test_rewiring_reaches_steady_state(rewiring):
    res = rewiring
    n = res["n_synapses"]
    # the count moved far from the initial one (growth towards the target rate) ...
    assert n[-1] > 1.3 * res["n_initial"]
    # ... and settled: its linear trend over the last third is small, and so is its range there
    assert abs(res["count_drift_last_third"]) < 0.06
    assert res["count_range_last_third"] < 0.08
    # synapses keep turning over at the steady state: created and pruned balance, and are many
    c, p = res["created_last_third"], res["pruned_last_third"]
    assert abs(c / p - 1.0) < 0.1
    assert c > 0.3 * n[-1]
    # weak synapses are pruned (not only homeostatic retraction)
    k3 = len(n) - len(n) // 3
    assert res["pruned_weak"][k3:].sum() > 0.2 * p
    # the weight distribution changed a lot early and hardly late
    assert res["hist_change_first_third"] > 0.5
    assert res["hist_change_last_third"] < 0.1
    # the E rate reached the homeostatic target
    assert abs(res["rate_e_last_third"] - res["target_rate"]) < 0.15 * res["target_rate"]
    assert res["rate_e"][0] < 0.85 * res["target_rate"]
    assert res["steady"] == 1


def test_rewiring_counts_match_structural_log(rewiring):
    res = rewiring
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
def test_lesion_drops_deafferented_rates(sprouting):
    res = sprouting
    assert res["n_deafferented"] >= 5 and res["n_intact"] >= 5
    assert res["rate_before"] > 5.0
    # the lesion removes the lesioned inputs' synapses; the deafferented neurons lost at least half of theirs
    assert res["synapses_removed"] > 0
    assert res["indeg_after"] <= 0.5 * res["indeg_before"]
    # their rates drop by a clear margin, with and without sprouting
    assert res["rate_after"] < 0.3 * res["rate_before"]
    assert res["rate_after_control"] < 0.3 * res["rate_before"]
    # the intact neurons keep their rate
    assert res["rate_intact_recovered"] == pytest.approx(res["rate_intact_before"], rel=0.25)


def test_sprouting_restores_indegree_and_rate(sprouting):
    res = sprouting
    # with sprouting: within 80% of baseline; in-degree restored (sprouting never exceeds the loss)
    assert res["rate_recovered"] >= 0.8 * res["rate_before"]
    assert res["rate_recovered_fraction"] >= 0.8
    assert res["indeg_restored_fraction"] > 0.9
    assert res["indeg_recovered"] <= res["indeg_before"]
    assert 0.9 * res["synapses_removed"] <= res["synapses_created"] <= res["synapses_removed"]
    assert np.all(res["k_recovered"] <= res["k_before"])
    # the control stays low: no new synapses, in-degree as right after the lesion
    assert res["rate_recovered_control"] < 0.3 * res["rate_before"]
    assert res["rate_recovered_fraction_control"] < 0.3
    assert res["synapses_created_control"] == 0
    assert res["indeg_recovered_control"] == pytest.approx(res["indeg_after"])
    # in-degree over time: flat before the lesion, monotone recovery after it with sprouting
    t, k = res["t_ms"], res["indeg_deaff"]
    before = t < res.params["t_lesion"]
    assert np.all(k[before] == res["indeg_before"])
    assert np.all(np.diff(k[~before]) >= 0)
    assert np.all(res["indeg_deaff_control"][~before] == res["indeg_after"])


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
