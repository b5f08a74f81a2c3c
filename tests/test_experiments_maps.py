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
from seedstats import every_seed, mean_above, mean_below, run_seeds, values

from pyneuro.experiments import EXPERIMENTS, remapping, skill_learning
from pyneuro.experiments import somatosensory_map as maps

# reduced runs: fewer probe trials and probes than the defaults (same model, same training)
REDUCED = dict(n_probe=10, n_blocks=2)
TINY = dict(scale=0.2, n_develop=20, n_refine=20, n_after=20, n_probe=2, n_blocks=1)
# Claims over seeds 0-4 of the reduced runs (basis: sign test, every_seed, p = 1/32, or the one-sided 95% t bound of
# the mean; see seedstats.py). Bounds checked against seeds 100-111 of the same configuration
# (docs/seed_statistics.py run remapping --seeds 100-111 --set n_probe=10 --set n_blocks=2, and skill_learning),
# whose mean +- s.d. [range] is quoted at each claim. Where a single-seed bound is crossed at other seeds, the claim
# is narrowed as stated (per seed at the calibration mean - 3 s.d., the original bound on average).
SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def remaps():
    return run_seeds(remapping, SEEDS, **REDUCED)


@pytest.fixture(scope="module")
def skills():
    return run_seeds(skill_learning, SEEDS, **REDUCED)


@pytest.fixture(scope="module")
def remap(remaps):
    return remaps[0]


@pytest.fixture(scope="module")
def skill(skills):
    return skills[0]


# -- the developed map ------------------------------------------------------------------------------------------
def test_development_forms_an_ordered_selective_map(remaps):
    runs = remaps
    # the initial wiring (3-5 digits per neuron, mostly random weights, weak gradient) gives an unselective,
    # fragmented map: each digit's preferred zone falls into many pieces (calibration: selectivity 0.077 +- 0.007,
    # segments per digit 11 +- 1.3 [8.4, 12.6], monotonic 0.73 +- 0.04 [0.69, 0.81])
    x = values(runs, "selectivity_initial")
    every_seed(x, x < 0.2, "the initial map is unselective")
    x = values(runs, lambda r: r["segments_initial"].mean())
    every_seed(x, x >= 5, "the initial map is fragmented")
    x = values(runs, "monotonic_initial")
    every_seed(x, x < 0.85, "the initial map is disordered")
    # development makes it selective, contiguous and ordered. Calibration: selectivity 0.89 +- 0.05 [0.76, 0.96]
    # (per seed above 0.7, mean - 3 s.d. 0.74; above 0.82 on average, mean - 3 s.e. of five seeds); every territory
    # one segment at 10 of 12 seeds, one territory split in two at the other two (so per seed at most 2 segments,
    # and on average below 1.3 segments per digit, mean + 3 s.e.); Spearman order 0.976 +- 0.004, min 0.966; gain in
    # order 0.23 +- 0.03, min 0.19; monotonic 0.998, min 0.99
    sel = values(runs, "selectivity_before")
    every_seed(sel, sel > 0.7, "development makes the map selective")
    mean_above(sel, 0.82, "development makes the map selective, on average")
    seg_max = values(runs, lambda r: r["segments_before"].max())
    every_seed(seg_max, seg_max <= 2, "territories are contiguous (at most one split)")
    seg = values(runs, lambda r: r["segments_before"].mean())
    mean_below(seg, 1.3, "territories are contiguous, on average")
    order = values(runs, "order_before")
    every_seed(order, order > 0.95, "development orders the map")
    gain = order - values(runs, "order_initial")
    every_seed(gain, gain > 0.15, "development orders the map more than the initial gradient")
    mono = values(runs, "monotonic_before")
    every_seed(mono, mono > 0.95, "successive neurons prefer non-decreasing digits")
    # STDP does it: the same development with STDP off (homeostasis only) leaves the map unselective and
    # fragmented (calibration: selectivity 0.20 +- 0.025, max 0.25; segments 8.4 +- 1.5, min 5.8; monotonic
    # 0.80 +- 0.04, max 0.87)
    x = values(runs, "selectivity_dev_control")
    every_seed(x, x < 0.3, "without STDP the map stays unselective")
    x = values(runs, lambda r: r["segments_dev_control"].mean())
    every_seed(x, x >= 4, "without STDP the map stays fragmented")
    x = values(runs, "monotonic_dev_control")
    every_seed(x, x < 0.9, "without STDP the map stays disordered")
    for res in runs:
        assert res["territory_dev_control"].shape == (5,) and res["pref_dev_control"].shape == (100,)


def test_developed_map_is_ordered(remaps):
    for res in remaps:
        pref = res["pref_before"]
        assert np.all(pref >= 1), "every neuron of the developed map responds to some digit"
        assert maps.map_order(pref - 1) == pytest.approx((res["order_before"], res["monotonic_before"]))
        np.testing.assert_array_equal(maps.map_segments(pref - 1, 5), res["segments_before"])
        # the territories are the counts of preferred digits
        t = res["territory_before"]
        assert t.sum() == pref.size
        np.testing.assert_array_equal(t, np.bincount(pref - 1, minlength=5))
    # every digit holds a fair share of the sheet: calibration smallest territory 15 +- 1.8 [12, 18] of 100
    # neurons (per seed at least 9, mean - 3 s.d. 9.7; at least 12 on average)
    smallest = values(remaps, lambda r: r["territory_before"].min() / r["pref_before"].size)
    every_seed(smallest, smallest >= 0.09, "every digit holds a share of the sheet")
    mean_above(smallest, 0.12, "every digit holds a fair share of the sheet, on average")
    # map_segments counts contiguous runs over responsive neurons
    np.testing.assert_array_equal(maps.map_segments(np.array([0, 0, -1, 0, 1, 2, 1, -1]), 4), [1, 2, 1, 0])


def test_development_shared_and_deterministic(remaps, skills):
    # both experiments start from the same developed map for the same seed and parameters
    for remap, skill in zip(remaps, skills):
        np.testing.assert_array_equal(remap["resp_before"], skill["resp_before"])
        np.testing.assert_array_equal(remap["territory_before"], skill["territory_before"])


# -- remapping --------------------------------------------------------------------------------------------------
def _neigh(r) -> list[int]:
    amp = r["digit"] - 1
    return [amp - 1, amp + 1]


def test_amputation_neighbours_take_over_the_deprived_zone(remaps):
    runs = remaps
    for res in runs:
        assert list(res["neighbours"]) == [2, 4]
        amp = res["digit"] - 1
        # the deprived digit's territory shrinks by at least half (here: to nothing; its inputs are silent)
        assert res["territory_after"][amp] <= 0.5 * res["territory_before"][amp]
        assert res["deprived_fraction"] <= 0.5
        assert res["zone_size"] >= 10  # calibration 25 +- 5, min 17
    # both neighbours gain, and by clearly more than without plasticity. Calibration: each neighbour gains 4-12
    # neurons, together 0.65 +- 0.18 [0.36, 0.94] of their territories (so 0.25 per neighbour, asserted at seed 0,
    # is not reached by the smaller gain at every seed: narrowed to "each gains" and "together at least 0.4 on
    # average", the calibration mean - 3 s.e.); each gains 3-12 more than without plasticity, together 23 +- 5,
    # min 15 (per seed at least 7, mean - 3 s.d.)
    gain = values(runs, lambda r: r["neighbour_gain"].min())
    every_seed(gain, gain > 0, "both neighbours gain")
    rel = values(runs, lambda r: r["neighbour_gain"].sum() / r["territory_before"][_neigh(r)].sum())
    mean_above(rel, 0.4, "the neighbours grow by 40% together, on average")
    more = values(runs, lambda r: (r["neighbour_gain"] - r["neighbour_gain_control"]).min())
    every_seed(more, more > 0, "each neighbour gains more than without plasticity")
    more = values(runs, lambda r: (r["neighbour_gain"] - r["neighbour_gain_control"]).sum())
    every_seed(more, more >= 7, "the neighbours gain clearly more than without plasticity")
    # the deprived zone is taken over by the neighbours: calibration 0.97 +- 0.11 [0.63, 1.0] of it (per seed at
    # least 0.6, mean - 3 s.d. 0.64; 0.8 on average); at one calibration seed 9 zone neurons went to the far digits,
    # whose arbors also reach the zone, so "only by the neighbours" holds at most seeds; both neighbours hold a part
    # of it at every seed (calibration: the smaller part 4-12 neurons, 0.34 +- 0.11 [0.14, 0.48] of the zone; on
    # average at least 0.19, mean - 3 s.e.)
    taken = values(runs, "zone_taken")
    every_seed(taken, taken >= 0.6, "the neighbours take over the deprived zone")
    mean_above(taken, 0.8, "the neighbours take over most of the deprived zone, on average")
    part = values(runs, lambda r: min(r["zone_owners_after"][r["digit"] - 1], r["zone_owners_after"][r["digit"] + 1]))
    every_seed(part, part > 0, "both neighbours share the zone")
    mean_above(part / values(runs, "zone_size"), 0.19, "both neighbours share the zone, on average")
    # it responds again (to the neighbours' digits): calibration zone rate after / before 0.81 +- 0.10, min 0.71;
    # after / without plasticity above 10
    after = values(runs, "zone_rate_after")
    every_seed(after, after > 3 * values(runs, "zone_rate_control"), "the zone responds again")
    every_seed(after, after > 0.5 * values(runs, "zone_rate_before"), "the zone responds at half its former rate")
    # the far digits keep their territories: calibration largest change 1.9 +- 2.8 [0, 8] neurons (per seed at most
    # 11, mean + 3 s.d. 10.3; on average at most 6, mean + 3 s.e.; 4 was asserted at seed 0)
    far = values(
        runs,
        lambda r: np.abs(r["territory_after"] - r["territory_before"])[
            [k for k in range(5) if abs(k - (r["digit"] - 1)) > 1]
        ].max(),
    )
    every_seed(far, far <= 11, "the far digits keep their territories")
    mean_below(far, 6, "the far digits keep their territories, on average")
    # the map stays ordered: calibration Spearman 0.95 +- 0.03 [0.86, 0.96] (per seed above 0.85, mean - 3 s.d.;
    # 0.95 at seed 0 only as a margin; above 0.9 on average, mean - 3 s.e.)
    order = values(runs, lambda r: maps.map_order(r["pref_after"] - 1)[0])
    every_seed(order, order > 0.85, "the map stays ordered")
    mean_above(order, 0.9, "the map stays ordered, on average")


def test_amputation_control_without_plasticity_stays_silent(remaps):
    runs = remaps
    # without plasticity the deprived zone stays mostly unresponsive and hardly changes owner (calibration:
    # unresponsive 0.93 +- 0.05, min 0.85; taken 0.07 +- 0.05, max 0.15; rate 0.04 +- 0.02 of before, max 0.07)
    unresp = values(runs, lambda r: r["zone_owners_control"][0] / r["zone_size"])
    every_seed(unresp, unresp >= 0.6, "without plasticity the zone stays unresponsive")
    taken = values(runs, "zone_taken_control")
    every_seed(taken, taken <= 0.4, "without plasticity the zone is not taken over")
    rate = values(runs, lambda r: r["zone_rate_control"] / r["zone_rate_before"])
    every_seed(rate, rate < 0.3, "without plasticity the zone stays silent")
    for res in runs:
        # nothing changes over time without plasticity
        tc = res["territory_time_control"]
        assert np.all(tc == tc[0])
        np.testing.assert_array_equal(res["territory_control"], res["territory_just_after"])
    # STDP alone cannot remap: the deprived neurons are silent (calibration 0.07 +- 0.08, max 0.24)
    stdp = values(runs, "zone_taken_stdp_only")
    every_seed(stdp, stdp <= 0.4, "STDP alone does not remap")


def test_amputation_mechanisms(remaps):
    runs = remaps
    # STDP strengthens the unmasked synapses from the neighbours (calibration after / before 1.28 +- 0.09 [1.11,
    # 1.47]: per seed above 1 (the 1.1 of seed 0 is mean - 2 s.d.), above 1.15 on average); without STDP they stay
    # as they were
    w = values(runs, lambda r: r["zone_neighbour_weight_after"] / r["zone_neighbour_weight_before"])
    every_seed(w, w > 1.0, "STDP strengthens the neighbours' synapses onto the zone")
    mean_above(w, 1.15, "by 15% on average")
    for res in runs:
        assert res["zone_neighbour_weight_ip_only"] == pytest.approx(res["zone_neighbour_weight_before"])
        t = res["territory_time"]
        assert t.shape == (2, 5)
        assert np.all(t[-1] == res["territory_after"])
    # the takeover grows over the blocks (and is there at the end): calibration, the lower neighbour's territory
    # 11 +- 5 [5, 24] neurons above just after the amputation
    grow = values(runs, lambda r: r["territory_time"][-1, r["digit"] - 2] - r["territory_just_after"][r["digit"] - 2])
    every_seed(grow, grow > 2, "the neighbour's territory grows after the amputation")


# -- skill learning ---------------------------------------------------------------------------------------------
def test_practice_magnifies_the_practised_digit(skills):
    runs = skills
    for res in runs:
        d = res["digit"] - 1
        tp = res["trials_per_digit_practice"]
        assert tp[d] > 3 * np.delete(tp, d).mean()
        assert res["trials_per_digit_equal"].sum() == tp.sum()
    # the practised digit's territory grows clearly on average. Calibration: magnification 1.54 +- 0.32 [0.97,
    # 2.18]; at one of 12 calibration seeds practice did not enlarge the territory (0.97; territory -1 neuron), so
    # "magnification >= 1.3" (seed 0) holds on average, not at every seed: on average above 1.1 (calibration mean -
    # 3 s.e.), and the territory grows by at least 4 neurons on average (calibration 12 +- 6; mean - 3 s.e. 4.3; 6
    # was asserted at seed 0)
    mag = values(runs, "magnification")
    mean_above(mag, 1.1, "practice enlarges the practised digit's territory, on average")
    grow = values(runs, lambda r: r["territory_practice"][r["digit"] - 1] - r["territory_before"][r["digit"] - 1])
    mean_above(grow, 4, "by at least 4 neurons on average")
    # at its neighbours' expense: together they lose at every seed (calibration -12 +- 5, max -3)
    loss = values(runs, lambda r: (r["territory_practice"] - r["territory_before"])[_neigh(r)].sum())
    every_seed(loss, loss < 0, "the neighbours lose territory")
    # the map stays ordered (calibration 0.96 +- 0.01, min 0.94)
    order = values(runs, "order_practice")
    every_seed(order, order > 0.9, "the map stays ordered")
    # the magnification grows with practice (calibration: last - first block 0.12 +- 0.10, min -0.03): on average
    trend = values(runs, lambda r: r["magnification_time"][-1] - r["magnification_time"][0])
    mean_above(trend, 0.0, "the magnification grows with practice, on average")


def test_equal_stimulation_control_keeps_territories(skills):
    runs = skills
    # calibration: equal stimulation 0.99 +- 0.05 [0.91, 1.12]; largest territory change 1.8 +- 1.8 [0, 7] (per seed
    # at most 8, mean + 3 s.d. 7.1; 4, asserted at seed 0, on average)
    ctl = values(runs, "magnification_control")
    every_seed(ctl, (ctl >= 0.8) & (ctl <= 1.2), "equal stimulation keeps the territory")
    change = values(runs, lambda r: np.abs(r["territory_equal"] - r["territory_before"]).max())
    every_seed(change, change <= 8, "equal stimulation keeps the territories")
    mean_below(change, 4, "equal stimulation keeps the territories, on average")
    # practice beats equal stimulation (calibration 0.55 +- 0.30, min 0: never below), and practice without STDP
    # enlarges clearly less (calibration 0.37 +- 0.27 [0.06, 1.06] less: at every seed; the 0.1 margin of seed 0 is not
    # reached at every seed)
    mag = values(runs, "magnification")
    every_seed(mag - ctl, mag >= ctl, "practice enlarges at least as much as equal stimulation")
    less = mag - values(runs, "magnification_no_stdp")
    every_seed(less, less > 0, "practice without STDP enlarges less")


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
