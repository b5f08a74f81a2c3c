"""Neural compensation after injury: the somatosensory map of remapping/skill_learning is partly deafferented,
loses decoding accuracy and recovers it through sprouting, homeostasis and STDP remapping; each mechanism
switched off in turn, all off, and each alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from seedstats import every_seed, mean_above, mean_below, run_seeds, values

from pyneuro.experiments import EXPERIMENTS, compensation
from pyneuro.experiments import somatosensory_map as sm
from pyneuro.experiments.compensation import CONDITIONS, PARAMETERS

# Claims over seeds 0-4 of the default run (basis: sign test, every_seed, p = 1/32, or the one-sided 95% t bound of
# the mean over the five seeds; see seedstats.py). Bounds derived from seeds 100-111 and 119 of the same
# configuration (docs/seed_statistics.py run compensation --seeds 100-111,119), whose mean +- s.d. [range] is quoted
# at each claim: a per-seed bound is the original single-seed bound where every calibration seed met it, else the
# calibration mean -/+ 3 s.d.; a bound on the mean is the calibration mean -/+ 3 standard errors of five seeds.
# Several single-seed claims did not survive the calibration and are narrowed as stated (the restored shares are
# noisy: where the lesion costs only one digit's trials, 0.2 instead of 0.4, the share is a ratio of a small drop).
REDUCED: dict[str, float] = {}
SEEDS = (0, 1, 2, 3, 4)
TINY = {"n_develop": 40, "n_refine": 40, "n_after": 40, "n_blocks": 2, "measure_blocks": 1, "n_probe": 3, "n_fit": 3}


@pytest.fixture(scope="module")
def runs():
    return run_seeds(compensation, SEEDS, **REDUCED)


@pytest.fixture(scope="module")
def res(runs):
    return runs[0]


def _restored(r, name: str) -> float:
    return float(r["restored_fraction"][list(r["conditions"]).index(name)])


def _at(r, key: str, name: str):
    return r[key][list(r["conditions"]).index(name)]


def _shares(runs, name: str) -> np.ndarray:
    return values(runs, lambda r: _restored(r, name))


def test_lesion_drops_performance(runs):
    # the intact map is read out perfectly by the fixed decoder, the lesion costs a clear margin of accuracy ...
    # (calibration: before 1.0 at every seed; drop 0.4 at 12 of 13 seeds, 0.2 at one)
    before = values(runs, "perf_before")
    every_seed(before, before >= 0.95, "the intact map is read out")
    drop = before - values(runs, "perf_after")
    every_seed(drop, drop >= 0.15, "the lesion costs accuracy")
    # ... on the lesioned digits' trials, which fall to chance between the two of them or below (calibration: 0 at
    # 12 of 13 seeds, 0.5 at one)
    x = values(runs, "deaff_perf_before")
    every_seed(x, x >= 0.95, "the lesioned digits are read out before")
    x = values(runs, "deaff_perf_after")
    every_seed(x, x <= 0.55, "the lesioned digits' trials fall to chance")
    # the lesioned digits' territories vanish, the others stay; the zone falls silent, loses its own drive
    for r in runs:
        np.testing.assert_array_equal(r["lesioned_digits"] - 1, [1, 2])
    les, other = [1, 2], [0, 3, 4]
    # territories before: calibration smallest 18.7 +- 2.8 [12, 21] (15, asserted at seed 0, is not met at every
    # seed: per seed at least 10, mean - 3 s.d. 10.4); just after: 0 at every calibration seed
    x = values(runs, lambda r: r["territory_before"][les].min())
    every_seed(x, x >= 10, "the lesioned digits hold territories before")
    x = values(runs, lambda r: r["territory_just_after"][les].max())
    every_seed(x, x <= 2, "the lesioned digits' territories vanish")
    # the others' largest change: calibration 1.6 +- 2.3 [0, 9] neurons (3, asserted at seed 0, is crossed at one
    # seed: per seed at most 10, above the calibration maximum and mean + 3 s.d. 8.6; on average at most 5, mean + 3
    # s.e. 4.7)
    x = values(runs, lambda r: np.abs(r["territory_just_after"] - r["territory_before"])[other].max())
    every_seed(x, x <= 10, "the other territories stay")
    mean_below(x, 5.0, "the other territories stay, on average")
    # calibration: zone rate after / before 0.001 (max 0.019), drive 0.10 +- 0.016 (max 0.13), in-degree 0.587 +-
    # 0.006 (max 0.60)
    x = values(runs, lambda r: r["rate_zone_after"] / r["rate_zone_before"])
    every_seed(x, x < 0.1, "the zone falls silent")
    x = values(runs, lambda r: r["drive_zone_after"] / r["drive_zone_before"])
    every_seed(x, x < 0.2, "the zone loses its drive")
    x = values(runs, lambda r: r["indeg_zone_after"] / r["indeg_zone_before"])
    every_seed(x, x < 0.7, "the zone loses in-degree")
    # the information is lost too, not only relabelled: a refitted decoder confuses the two digits as well
    # (calibration: before 1.0, after 0.79 +- 0.011, max 0.81)
    x = values(runs, "info_before")
    every_seed(x, x >= 0.95, "the intact map carries the information")
    x = values(runs, "info_after")
    every_seed(x, x <= 0.85, "the lesion loses information")


def test_all_mechanisms_recover_none_does_not(runs):
    # with all three mechanisms: calibration share restored 0.74 +- 0.25 [0.08, 0.93], above one half at 11 of 13
    # seeds (0.38 and 0.08 at seeds 110 and 111), so "more than half" (asserted at seed 0) holds on average and
    # "some" at every seed: per seed above 0 (with none exactly 0 at every seed), on average above 0.4 (mean - 3 s.e.)
    share, none = _shares(runs, "all"), _shares(runs, "none")
    every_seed(share, share > 0, "all three mechanisms restore accuracy")
    mean_above(share, 0.4, "all three mechanisms restore accuracy, on average")
    every_seed(none, np.abs(none) < 0.05, "none restores nothing")
    # accuracy: calibration 0.90 +- 0.10 [0.63, 0.98] overall (0.8, asserted at seed 0, is not met at seeds 110 and
    # 111: on average above 0.76, mean - 3 s.e.), 0.82 +- 0.19 [0.31, 1.0] on the lesioned digits' trials (0.65 at
    # seed 0: on average above 0.57, per seed above their accuracy just after, calibration gain min 0.31); a refitted
    # decoder 0.99 +- 0.01, min 0.98
    perf = values(runs, lambda r: _at(r, "perf_recovered", "all"))
    mean_above(perf, 0.76, "all three mechanisms restore accuracy, on average")
    deaff = values(runs, lambda r: _at(r, "deaff_perf_recovered", "all"))
    mean_above(deaff, 0.57, "on the lesioned digits' trials, on average")
    gain = deaff - values(runs, "deaff_perf_after")
    every_seed(gain, gain > 0, "the lesioned digits' trials are read out again")
    info = values(runs, lambda r: _at(r, "info_recovered", "all"))
    every_seed(info, info >= 0.95, "the information returns")
    # the lesioned digits get territory back with all mechanisms (calibration 0.57 +- 0.09 of their territory
    # before, min 0.42), none without any
    back = values(
        runs, lambda r: _at(r, "territory_recovered", "all")[[1, 2]].sum() / r["territory_before"][[1, 2]].sum()
    )
    every_seed(back, back >= 0.3, "the lesioned digits get territory back")
    for r in runs:
        np.testing.assert_array_equal(_at(r, "territory_recovered", "none"), r["territory_just_after"])
    # without a lesion the same plasticity leaves the map's performance where it was (calibration 0.996, min 0.985)
    sham = values(runs, "perf_sham")
    every_seed(sham, sham >= 0.95, "the sham run keeps its accuracy")


def test_which_mechanisms_recovery_needs(runs):
    # Sprouting is necessary: switched off, calibration -0.01 +- 0.29 [-0.62, 0.39] restored (below one half, the
    # criterion, at every seed; 0.2, asserted at seed 0, is crossed at 4 of 13), and all three restore more than
    # all but sprouting at every seed (calibration 0.75 +- 0.16, min 0.46; per seed more than 0.25, mean - 3 s.d.)
    no_sprout = _shares(runs, "no_sprouting")
    flags = values(runs, lambda r: r["necessary"][0])
    every_seed(no_sprout, flags == 1, "sprouting is necessary")
    d = _shares(runs, "all") - no_sprout
    every_seed(d, d > 0.25, "sprouting adds to recovery")
    # STDP: "necessary" (all but STDP below one half, asserted at seed 0) holds at only 4 of 13 calibration seeds
    # (all but STDP 0.53 +- 0.31 [-0.23, 0.78]): the claim is narrowed to "STDP adds to recovery". With sprouting and
    # without homeostasis, adding STDP restores more than sprouting alone at every seed (calibration 0.67 +- 0.22,
    # min 0.28; mean - 3 s.d. 0.02), and with all three more than without STDP on average (calibration 0.21 +- 0.10,
    # min 0.008; on average above 0.07, mean - 3 s.e.)
    d = _shares(runs, "no_homeostasis") - _shares(runs, "sprouting_only")
    every_seed(d, d > 0, "STDP makes sprouting restore more")
    d = _shares(runs, "all") - _shares(runs, "no_remapping")
    mean_above(d, 0.07, "STDP adds to recovery, on average")
    # homeostasis is not necessary on average: without it the share restored is 0.87 +- 0.22 [0.40, 1.0] (below one
    # half at 2 of 13 calibration seeds, so not at every seed: per seed above 0.2, mean - 3 s.d.; above 0.57 on
    # average, mean - 3 s.e.)
    no_h = _shares(runs, "no_homeostasis")
    every_seed(no_h, no_h > 0.2, "sprouting and STDP restore accuracy without homeostasis")
    mean_above(no_h, 0.57, "homeostasis is not necessary, on average")
    # no mechanism alone restores half the loss on average (sufficiency's criterion; calibration: sprouting alone
    # 0.20 +- 0.16 [0, 0.47], and 0.65 at seed 2, whose lesion cost one digit only; homeostasis alone -0.01 +- 0.32
    # [-0.69, 0.35]; STDP alone exactly 0: the zone is silent, there is nothing to pair). "Homeostasis alone is
    # harmful" (asserted at seed 0: -0.28) holds at 7 of 13 calibration seeds only and is withdrawn: alone it
    # restores clearly less than all three at every seed (calibration difference 0.75 +- 0.18, min 0.48; per seed
    # more than 0.2, mean - 3 s.d.)
    for name in ("sprouting_only", "homeostasis_only"):
        mean_below(_shares(runs, name), 0.5, f"{name}: not sufficient, on average")
    stdp = _shares(runs, "remapping_only")
    every_seed(stdp, np.abs(stdp) < 0.05, "STDP alone restores nothing")
    every_seed(stdp, values(runs, lambda r: r["sufficient"][2]) == 0, "STDP alone is not sufficient")
    d = _shares(runs, "all") - _shares(runs, "homeostasis_only")
    every_seed(d, d > 0.2, "homeostasis alone restores less than all three")
    # homeostasis alone hands the zone to the neighbours: each gains at least 10 neurons (calibration 17 +- 4,
    # min 11, at every seed)
    gain = values(
        runs,
        lambda r: (_at(r, "territory_recovered", "homeostasis_only")[[0, 3]] - r["territory_before"][[0, 3]]).min(),
    )
    every_seed(gain, gain >= 10, "homeostasis alone hands the zone to the neighbours")


def test_mechanisms_act_as_described(runs):
    for r in runs:
        mech = r["mechanisms"]
        indeg = r["indeg_zone_recovered"]
        gap = r["indeg_zone_before"] - r["indeg_zone_after"]
        for k, name in enumerate(r["conditions"]):
            if mech[k, 0]:  # sprouting rebuilds most of the in-degree (calibration 0.99 +- 0.01 of it, min 0.95)
                assert indeg[k] > r["indeg_zone_after"] + 0.7 * gap, name
            else:
                assert indeg[k] == pytest.approx(r["indeg_zone_after"]), name
        # without synaptic rules nothing changes the drive
        assert _at(r, "drive_zone_recovered", "none") == pytest.approx(r["drive_zone_after"])
    # the sprouted synapses stay weak without synaptic rules (calibration 0.21 +- 0.02 of the drive before, max 0.25)
    # and STDP makes them strong (1.27 +- 0.22, min 0.96); the zone fires again with sprouting and STDP (rate 1.21 +-
    # 0.19 of before, min 0.84), hardly with sprouting alone (0.10 +- 0.05, max 0.21: 0.1, asserted at seed 0, is
    # crossed at 6 of 13 seeds; per seed below 0.3, mean + 3 s.d. 0.25, on average below 0.17, mean + 3 s.e.)
    before = values(runs, "drive_zone_before")
    x = values(runs, lambda r: _at(r, "drive_zone_recovered", "sprouting_only")) / before
    every_seed(x, x < 0.3, "the sprouted synapses stay weak alone")
    x = values(runs, lambda r: _at(r, "drive_zone_recovered", "no_homeostasis")) / before
    every_seed(x, x > 0.5, "STDP makes the sprouted synapses strong")
    rate0 = values(runs, "rate_zone_before")
    x = values(runs, lambda r: _at(r, "rate_zone_recovered", "no_homeostasis")) / rate0
    every_seed(x, x > 0.4, "the zone fires again with sprouting and STDP")
    x = values(runs, lambda r: _at(r, "rate_zone_recovered", "sprouting_only")) / rate0
    every_seed(x, x < 0.3, "the zone hardly fires with sprouting alone")
    mean_below(x, 0.17, "the zone hardly fires with sprouting alone, on average")


def test_numbers_shapes(res):
    n_c = len(CONDITIONS)
    d, n_e = int(res.params["n_digits"]), int(res.params["n_exc"])
    assert list(res["conditions"]) == list(CONDITIONS)
    assert res["mechanisms"].shape == (n_c, 3)
    for key in ("perf_recovered", "restored_fraction", "deaff_perf_recovered", "info_recovered"):
        assert res[key].shape == (n_c,), key
        assert np.all(np.isfinite(res[key])), key
    for key in ("rate_zone_recovered", "indeg_zone_recovered", "drive_zone_recovered"):
        assert res[key].shape == (n_c,), key
    assert res["perf_blocks"].shape == (n_c, int(res.params["n_blocks"]))
    assert res["t_blocks_s"].shape == (int(res.params["n_blocks"]),)
    assert res["territory_recovered"].shape == (n_c, d)
    assert res["pref_recovered"].shape == (n_c, n_e)
    for key in ("territory_before", "territory_just_after", "territory_sham"):
        assert res[key].shape == (d,), key
    for key in ("resp_before", "resp_after", "resp_recovered"):
        assert res[key].shape == (n_e, d), key
    assert res["x_exc"].shape == (n_e,)
    assert res["n_lesioned_inputs"] == 2 * round(0.9 * res.params["m"])
    assert res["synapses_removed"] > 0
    for key in ("perf_before", "perf_after", "perf_sham", "zone_size"):
        assert np.ndim(res[key]) == 0
    assert 0.0 <= np.min(res["perf_blocks"]) and np.max(res["perf_blocks"]) <= 1.0
    assert "necessary" in res.summary and "all" in res.summary and "territories" in res.summary


def test_uses_the_map_of_remapping(res):
    # the developed map is the one remapping reports (same model, same probe, same seed)
    dev = sm.develop_map(sm.PARAMETERS.check("remapping", {}), 1.0, 0, 1)
    np.testing.assert_array_equal(sm.territories(dev["resp"], 5.0)[1], res["territory_before"])


def test_thread_independent():
    a = compensation(scale=0.5, draw=False, threads=1, **TINY)
    b = compensation(scale=0.5, draw=False, threads=2, **TINY)
    for key, v in a.numbers.items():
        np.testing.assert_array_equal(np.asarray(v), np.asarray(b[key]), err_msg=key)


def test_registry_and_saved_files(tmp_path):
    fn = EXPERIMENTS["compensation"]
    assert fn is compensation
    assert set(fn.sweep_parameters) == set(PARAMETERS)
    res = fn(scale=0.5, out=tmp_path, **TINY)
    assert (tmp_path / "compensation.png").stat().st_size > 0
    doc = json.loads((tmp_path / "compensation.json").read_text())
    assert doc["name"] == "compensation"
    assert doc["numbers"]["conditions"] == list(CONDITIONS)
    np.testing.assert_allclose(doc["numbers"]["perf_blocks"], res["perf_blocks"])
    assert doc["params"]["n_after"] == 40


def test_cli(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "pyneuro", "experiment", "compensation", "--out", str(tmp_path), "--scale", "0.5"]
    for k, v in TINY.items():
        cmd += ["--set", f"{k}={v}"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "accuracy" in proc.stdout and "perf_before" in proc.stdout
    assert (tmp_path / "compensation.png").exists() and (tmp_path / "compensation.json").exists()


@pytest.mark.parametrize(
    "kw, exc, word",
    [
        ({"bogus": 1}, TypeError, "bogus"),
        ({"lesion_fraction": 1.5}, ValueError, "lesion_fraction"),
        ({"lesion_fraction": 0.0}, ValueError, "lesion_fraction"),
        ({"digit": 5, "lesion_count": 2}, ValueError, "digit"),
        ({"digit": 0}, ValueError, "digit"),
        ({"n_blocks": 2, "measure_blocks": 3}, ValueError, "measure_blocks"),
        ({"n_fit": 1}, ValueError, "n_fit"),
        ({"sprout_weight": -0.1}, ValueError, "sprout_weight"),
        ({"ip_target": -1.0}, ValueError, "ip_target"),
    ],
)
def test_bad_arguments(kw, exc, word):
    with pytest.raises(exc, match=word):
        compensation(draw=False, **kw)


def test_bad_common_arguments():
    with pytest.raises(ValueError, match="scale"):
        compensation(scale=0.0, draw=False)
    with pytest.raises(TypeError, match="draw"):
        compensation(draw=1)
