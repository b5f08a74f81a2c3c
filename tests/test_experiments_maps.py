"""Somatosensory map experiments: a spiking map of five digits develops ordered
territories; amputating a digit lets its neighbours take over the deprived zone (not without plasticity);
practising a digit enlarges its territory (not with equal stimulation)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from pyneuro.experiments import EXPERIMENTS, remapping, skill_learning
from pyneuro.experiments import somatosensory_map as maps

# reduced runs: fewer probe trials and probes than the defaults (same model, same training)
REDUCED = dict(seed=0, n_probe=10, n_blocks=2, draw=False)
TINY = dict(scale=0.2, n_develop=20, n_refine=20, n_after=20, n_probe=2, n_blocks=1)


@pytest.fixture(scope="module")
def remap():
    return remapping(**REDUCED)


@pytest.fixture(scope="module")
def skill():
    return skill_learning(**REDUCED)


# -- the developed map ------------------------------------------------------------------------------------------
def test_development_forms_an_ordered_selective_map(remap):
    res = remap
    # the initial wiring (3-5 digits per neuron, mostly random weights, weak gradient) gives an unselective,
    # fragmented map: each digit's preferred zone falls into many pieces
    assert res["selectivity_initial"] < 0.2
    assert res["segments_initial"].mean() >= 5
    assert res["monotonic_initial"] < 0.85
    # development makes it selective, contiguous (one segment per digit) and ordered
    assert res["selectivity_before"] > 0.75
    np.testing.assert_array_equal(res["segments_before"], np.ones(5))
    assert res["order_before"] > 0.95
    assert res["order_before"] > res["order_initial"] + 0.15
    assert res["monotonic_before"] > 0.95
    # STDP does it: the same development with STDP off (homeostasis only) leaves the map unselective and
    # fragmented
    assert res["selectivity_dev_control"] < 0.3
    assert res["segments_dev_control"].mean() >= 4
    assert res["monotonic_dev_control"] < 0.9
    assert res["territory_dev_control"].shape == (5,) and res["pref_dev_control"].shape == (100,)


def test_developed_map_is_ordered(remap):
    res = remap
    pref = res["pref_before"]
    assert np.all(pref >= 1), "every neuron of the developed map responds to some digit"
    assert maps.map_order(pref - 1) == pytest.approx((res["order_before"], res["monotonic_before"]))
    np.testing.assert_array_equal(maps.map_segments(pref - 1, 5), res["segments_before"])
    # every digit holds a fair share of the sheet
    t = res["territory_before"]
    assert t.sum() == pref.size
    assert np.all(t >= 0.12 * pref.size)
    # the territories are the counts of preferred digits
    np.testing.assert_array_equal(t, np.bincount(pref - 1, minlength=5))
    # map_segments counts contiguous runs over responsive neurons
    np.testing.assert_array_equal(maps.map_segments(np.array([0, 0, -1, 0, 1, 2, 1, -1]), 4), [1, 2, 1, 0])


def test_development_shared_and_deterministic(remap, skill):
    # both experiments start from the same developed map for the same seed and parameters
    np.testing.assert_array_equal(remap["resp_before"], skill["resp_before"])
    np.testing.assert_array_equal(remap["territory_before"], skill["territory_before"])


# -- remapping --------------------------------------------------------------------------------------------------
def test_amputation_neighbours_take_over_the_deprived_zone(remap):
    res = remap
    amp = res["digit"] - 1
    assert list(res["neighbours"]) == [2, 4]
    before, after = res["territory_before"], res["territory_after"]
    # the deprived digit's territory shrinks by at least half (here: to nothing)
    assert after[amp] <= 0.5 * before[amp]
    assert res["deprived_fraction"] <= 0.5
    # both neighbours gain, each by a clear margin, and by clearly more than without plasticity
    gain, gain_c = res["neighbour_gain"], res["neighbour_gain_control"]
    assert np.all(gain >= 0.25 * before[[amp - 1, amp + 1]])
    assert np.all(gain - gain_c >= 4)
    # the deprived zone is taken over by the neighbours (and only by them)
    zone = res["zone_size"]
    assert zone >= 10
    assert res["zone_taken"] >= 0.8
    owners = res["zone_owners_after"]
    assert owners[[amp, amp + 2]].sum() == owners.sum() - owners[0] - owners[amp + 1]  # D2/D4 only (+ none)
    assert owners[amp] >= 0.25 * zone and owners[amp + 2] >= 0.25 * zone  # both neighbours share it
    # it responds again (to the neighbours' digits)
    assert res["zone_rate_after"] > 3 * res["zone_rate_control"]
    assert res["zone_rate_after"] > 0.5 * res["zone_rate_before"]
    # the far digits keep their territories (within a few neurons)
    far = [k for k in range(5) if abs(k - amp) > 1]
    assert np.all(np.abs(after[far] - before[far]) <= 4)
    # the map stays ordered
    assert maps.map_order(res["pref_after"] - 1)[0] > 0.95


def test_amputation_control_without_plasticity_stays_silent(remap):
    res = remap
    zone = res["zone_size"]
    # without plasticity the deprived zone stays mostly unresponsive and hardly changes owner
    assert res["zone_owners_control"][0] >= 0.6 * zone
    assert res["zone_taken_control"] <= 0.4
    assert res["zone_rate_control"] < 0.3 * res["zone_rate_before"]
    # nothing changes over time without plasticity
    tc = res["territory_time_control"]
    assert np.all(tc == tc[0])
    np.testing.assert_array_equal(res["territory_control"], res["territory_just_after"])
    # STDP alone cannot remap: the deprived neurons are silent
    assert res["zone_taken_stdp_only"] <= 0.4


def test_amputation_mechanisms(remap):
    res = remap
    # STDP strengthens the unmasked synapses from the neighbours; without STDP they stay as they were
    assert res["zone_neighbour_weight_after"] > 1.1 * res["zone_neighbour_weight_before"]
    assert res["zone_neighbour_weight_ip_only"] == pytest.approx(res["zone_neighbour_weight_before"])
    # the takeover grows over the blocks (and is there at the end)
    t = res["territory_time"]
    amp = res["digit"] - 1
    assert t.shape == (2, 5)
    assert np.all(t[-1] == res["territory_after"])
    assert t[-1, amp - 1] > res["territory_just_after"][amp - 1] + 2


# -- skill learning ---------------------------------------------------------------------------------------------
def test_practice_magnifies_the_practised_digit(skill):
    res = skill
    d = res["digit"] - 1
    tp = res["trials_per_digit_practice"]
    assert tp[d] > 3 * np.delete(tp, d).mean()
    assert res["trials_per_digit_equal"].sum() == tp.sum()
    # the practised digit's territory grows clearly
    assert res["magnification"] >= 1.3
    assert res["territory_practice"][d] >= res["territory_before"][d] + 6
    # at its neighbours' expense
    assert res["territory_practice"][d - 1] < res["territory_before"][d - 1]
    assert res["territory_practice"][d + 1] < res["territory_before"][d + 1]
    # the map stays ordered
    assert res["order_practice"] > 0.9
    # the magnification grows with practice
    assert res["magnification_time"][-1] >= res["magnification_time"][0]


def test_equal_stimulation_control_keeps_territories(skill):
    res = skill
    assert 0.8 <= res["magnification_control"] <= 1.2
    assert np.all(np.abs(res["territory_equal"] - res["territory_before"]) <= 4)
    # practice without STDP enlarges clearly less
    assert res["magnification"] > res["magnification_no_stdp"] + 0.1


# -- numbers, files, bad input, threads, CLI --------------------------------------------------------------------
def test_numbers_types_and_shapes(remap, skill):
    n_e = remap["x_exc"].size
    assert n_e == 100
    for res, resp_keys, pref_keys, terr_keys in (
        (
            remap,
            ("resp_initial", "resp_before", "resp_after", "resp_control"),
            ("pref_initial", "pref_before", "pref_after", "pref_control"),
            ("territory_initial", "territory_before", "territory_just_after", "territory_after", "territory_control"),
        ),
        (
            skill,
            ("resp_before", "resp_practice", "resp_equal"),
            ("pref_initial", "pref_before", "pref_practice", "pref_equal"),
            ("territory_initial", "territory_before", "territory_practice", "territory_equal", "territory_no_stdp"),
        ),
    ):
        for k in resp_keys:
            assert isinstance(res[k], np.ndarray) and res[k].shape == (n_e, 5), k
            assert np.all(res[k] >= 0)
        for k in pref_keys:
            assert res[k].shape == (n_e,) and res[k].min() >= 0 and res[k].max() <= 5, k
        for k in terr_keys:
            assert res[k].shape == (5,) and res[k].dtype.kind == "i" and res[k].sum() <= n_e, k
        assert res["t_after_s"].shape == (2,)
        assert res["t_after_s"][-1] == pytest.approx(res.params["n_after"] * 0.15)
        for k in ("segments_initial", "segments_before"):
            assert res[k].shape == (5,) and res[k].dtype.kind == "i", k
        for k, v in res.numbers.items():
            assert isinstance(v, (np.ndarray, int, float, np.integer, np.floating)), k
        assert res.figure is None
        assert res.summary


def test_out_writes_png_and_json(tmp_path):
    for name in ("remapping", "skill_learning"):
        res = EXPERIMENTS[name](out=tmp_path, **TINY)
        assert (tmp_path / f"{name}.png").stat().st_size > 0
        doc = json.loads((tmp_path / f"{name}.json").read_text())
        assert doc["name"] == name and doc["summary"] == res.summary
        assert doc["params"]["n_after"] == 20
        np.testing.assert_allclose(doc["numbers"]["territory_before"], res["territory_before"])


@pytest.mark.parametrize("name", ["remapping", "skill_learning"])
def test_bad_input(name):
    fn = EXPERIMENTS[name]
    with pytest.raises(TypeError, match="bogus"):
        fn(bogus=1)
    with pytest.raises(ValueError, match="n_exc"):
        fn(n_exc=0)
    with pytest.raises(ValueError, match="rate_on"):
        fn(rate_on=-1.0)
    with pytest.raises(ValueError, match="digit"):
        fn(digit=6)
    with pytest.raises(ValueError, match="digit"):
        fn(digit=4, n_digits=3)
    with pytest.raises(ValueError, match="scale"):
        fn(scale=0.0)
    assert set(fn.sweep_parameters) >= {"digit", "n_after", "n_develop", "ip_eta"}


@pytest.mark.parametrize("name", ["remapping", "skill_learning"])
def test_thread_independent(name):
    a = EXPERIMENTS[name](threads=1, draw=False, **TINY)
    b = EXPERIMENTS[name](threads=2, draw=False, **TINY)
    assert a.numbers.keys() == b.numbers.keys()
    for k in a.numbers:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)
    assert a["resp_before"].sum() > 0


def test_cli(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "pyneuro", "experiment", "skill_learning", "--out", str(tmp_path), "--scale", "0.2"]
    for k, v in TINY.items():
        if k != "scale":
            cmd += ["--set", f"{k}={v}"]
    proc = subprocess.run(
        cmd + ["--set", "practice=3"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "skill_learning: D3 practised (3x as often)" in proc.stdout
    assert "magnification =" in proc.stdout
    assert (tmp_path / "skill_learning.png").exists() and (tmp_path / "skill_learning.json").exists()
