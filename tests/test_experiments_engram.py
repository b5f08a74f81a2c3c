"""Engram experiment: assemblies formed by triplet STDP and inhibitory STDP, tagged by their
activity at encoding; a half cue completes the engram and not the others; the no-STDP control does not
complete; silencing the engram cells abolishes recall from a partial input, silencing as many random cells does
not."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from seedstats import every_seed, mean_above, run_seeds, values

from pyneuro.experiments import EXPERIMENTS, engram
from pyneuro.experiments.engram import CUE_FRACTIONS

# a reduced run: half the cells, half the presentations, a third of the rest period
REDUCED = dict(scale=0.5, n_rep=10, t_rest=20_000.0)
# a tiny run for the cheap checks
TINY = dict(scale=0.2, n_stimuli=2, n_rep=3, t_rest=500.0, n_trials=1, n_trials_silencing=1, t_cue=100.0)


# Claims over seeds 0-4 of the reduced run (basis: sign test, every_seed, p = 1/32, or the one-sided 95% t bound of
# the mean; see seedstats.py). Bounds checked against seeds 100-111 of the same configuration (docs/seed_statistics.py
# run engram --seeds 100-111 --scale 0.5 --set n_rep=10 --set t_rest=20000), whose mean +- s.d. [range] is quoted.
# At one of those 12 seeds (105) one of the four stimuli formed no engram (3 cells tagged, 6% of its stimulated set):
# "every stimulus forms an engram" holds at most seeds, not all, so the per-engram claims are made for the engrams
# that formed (at least MIN_ENGRAM tagged cells) and at least three of the four stimuli must form one at every seed.
SEEDS = (0, 1, 2, 3, 4)
MIN_ENGRAM = 10


@pytest.fixture(scope="module")
def runs():
    return run_seeds(engram, SEEDS, **REDUCED)


@pytest.fixture(scope="module")
def res(runs):
    return runs[0]


def _formed(r) -> np.ndarray:
    return r["tag_size"] >= MIN_ENGRAM


def test_assemblies_form_by_stdp(runs):
    # within the stimulated sets the E->E weights grow far above their initial value (calibration 21 +- 2, min 17,
    # x w_ee) and above those between sets (35 +- 10, min 6.3 at seed 105: per seed above 4, on average above 10)
    w_ee = runs[0].params["w_ee"]
    within = values(runs, "w_within_final")
    every_seed(within, within > 10 * w_ee, "E->E weights within the sets grow")
    ratio = within / values(runs, "w_cross_final")
    every_seed(ratio, ratio > 4, "within-set weights exceed those between sets")
    mean_above(ratio, 10, "within-set weights exceed those between sets tenfold, on average")
    # without E->E plasticity nothing changes
    for r in runs:
        np.testing.assert_allclose(r["w_within_control"], w_ee, rtol=1e-6)
    # activity tags pick the stimulated cells (never given to the tag) and a good part of each set. Calibration, per
    # seed, the least fraction of an engram's tagged cells that its stimulus drove: 1.0 at 11 of 12 seeds, 0.67 at seed
    # 105, where the cells of the stimulus that formed no engram joined another one (two assemblies merged): per seed
    # above 0.6 (mean - 3 s.d. 0.68), above 0.84 on average (mean - 3 s.e.). Stimulated cells tagged 0.58-0.96 per
    # engram
    formed = values(runs, lambda r: _formed(r).sum())
    every_seed(formed, formed >= 3, "at least three of the four stimuli form an engram")
    tag_in = values(runs, lambda r: np.min(r["tag_in_stimulated"][_formed(r)]))
    every_seed(tag_in, tag_in > 0.6, "the tags pick mostly stimulated cells")
    mean_above(tag_in, 0.84, "the tags pick stimulated cells, on average")
    stim = values(runs, lambda r: np.min(r["stimulated_tagged"][_formed(r)]))
    every_seed(stim, stim > 0.3, "a good part of each stimulated set is tagged")


def test_half_cue_completes_the_engram_and_not_the_others(runs):
    half = CUE_FRACTIONS.index(0.5)
    # recall from a half cue reaches most of the engram: calibration 0.84 +- 0.10, min 0.57 (seed 105, whose fourth
    # stimulus formed no engram); per seed above 0.55 (mean - 3 s.d.; 0.7 held at seed 0 only as a margin), above
    # 0.71 on average (mean - 3 s.e.)
    comp = values(runs, "completion_half")
    every_seed(comp, comp > 0.55, "a half cue recalls most of the engram")
    mean_above(comp, 0.71, "a half cue recalls most of the engram, on average")
    # every engram that formed recalls (calibration: 0.51-1.0)
    each = values(runs, lambda r: np.min(r["completion"][_formed(r), half]))
    every_seed(each, each > 0.3, "every engram recalls")
    # ... and few other cells, also few of the other engrams' cells (calibration: 0.004 +- 0.006, max 0.024, and
    # 0.006 +- 0.009, max 0.024)
    false = values(runs, "false_half")
    every_seed(false, false < 0.05, "few other cells are recalled")
    other = values(runs, lambda r: np.nanmean(r["false_other_engrams"][:, half]))
    every_seed(other, other < 0.05, "few of the other engrams' cells are recalled")


def test_completion_grows_with_cue_size(runs):
    half = CUE_FRACTIONS.index(0.5)
    # calibration: largest - smallest cue 0.55 +- 0.08 (min 0.40); half - smallest 0.52 +- 0.06 (min 0.36); the
    # largest drop between successive cue sizes -0.07 (mean - 3 s.d. -0.12: per seed above -0.12, -0.1 held at seed 0
    # only as a margin)
    c = [r["completion_mean"] for r in runs]
    every_seed(values(c, lambda x: x[-1] - x[0]), [x[-1] > x[0] + 0.2 for x in c], "completion grows with the cue")
    every_seed(values(c, lambda x: x[half] - x[0]), [x[half] > x[0] + 0.15 for x in c], "a half cue beats the least")
    drop = values(c, lambda x: np.min(np.diff(x)))
    every_seed(drop, drop > -0.12, "roughly monotone in the cue size")


def test_no_stdp_control_does_not_complete(runs):
    # calibration: control half-cue completion 0.001 +- 0.003 (max 0.011), largest mean over cue sizes 0.013
    ctl, comp = values(runs, "completion_half_control"), values(runs, "completion_half")
    every_seed(ctl, ctl < 0.5 * comp, "the control completes less than half as much")
    every_seed(ctl, ctl < 0.15, "the control does not complete")
    cmax = values(runs, lambda r: np.max(r["completion_control_mean"]))
    every_seed(cmax, cmax < 0.2, "the control does not complete at any cue size")
    # the control's engrams exist (tagged the same way), they just do not complete (calibration: sizes 21-36)
    size = values(runs, lambda r: np.min(r["tag_size_control"]))
    every_seed(size, size >= 10, "the control's engrams are tagged")


def test_silencing_engram_cells_abolishes_recall(runs):
    # calibration: recall intact 0.45 +- 0.05 (min 0.34); random / intact 1.00 +- 0.11 (min 0.84; mean - 3 s.d. 0.68:
    # per seed above 0.65, 0.7 held at seed 0 only as a margin, and above 0.85 on average); engram silenced
    # -0.003 +- 0.03 (max 0.067)
    intact = values(runs, "reinstatement_intact_mean")
    every_seed(intact, intact > 0.25, "partial input recalls")
    rnd = values(runs, "reinstatement_random_silenced_mean") / intact
    every_seed(rnd, rnd > 0.65, "random silencing keeps recall")
    mean_above(rnd, 0.85, "random silencing keeps recall, on average")
    eng = values(runs, "reinstatement_engram_silenced_mean")
    every_seed(eng, eng < 0.1, "engram silencing abolishes recall")
    # for every engram that formed: below a quarter of the random case (calibration: at most 0.14; 0.74 for the
    # engram of 3 cells that did not form)
    each = values(
        runs,
        lambda r: np.max((r["reinstatement_engram_silenced"] / r["reinstatement_random_silenced"])[_formed(r)]),
    )
    every_seed(each, each < 0.25, "silencing each engram abolishes its recall")
    for r in runs:
        np.testing.assert_array_equal(r["n_silenced"], r["tag_size"])


def test_partial_input_completes_the_engram(runs):
    # the whole input activates the whole engram in both networks (calibration: at least 0.99); part of it activates
    # most of the engram in the learned network (calibration 0.82 +- 0.07, min 0.65: per seed above 0.6, above 0.7 on
    # average) and only the directly driven part in the control (learned - control 0.43 +- 0.08, min 0.26: per seed
    # above 0.15, above 0.3 on average)
    for key in ("full_input_engram_active", "full_input_engram_active_control"):
        full = values(runs, lambda r, key=key: np.min(r[key]))
        every_seed(full, full > 0.9, f"{key}: the whole input activates the engram")
    learned = values(runs, lambda r: np.mean(r["input_cue_engram_active"]))
    control = values(runs, lambda r: np.mean(r["input_cue_engram_active_control"]))
    every_seed(learned, learned > 0.6, "part of the input activates most of the engram")
    mean_above(learned, 0.7, "part of the input activates most of the engram, on average")
    every_seed(learned - control, learned > control + 0.15, "more than in the control")
    mean_above(learned - control, 0.3, "more than in the control, on average")


def test_numbers_shapes(res):
    n_s, n_f = res.params["n_stimuli"], len(CUE_FRACTIONS)
    np.testing.assert_array_equal(res["cue_fractions"], CUE_FRACTIONS)
    for k in ("completion", "false_activation", "false_other_engrams", "completion_control"):
        assert isinstance(res[k], np.ndarray) and res[k].shape == (n_s, n_f), k
    for k in ("completion_mean", "false_activation_mean", "completion_control_mean"):
        assert res[k].shape == (n_f,), k
    for k in (
        "tag_size",
        "n_silenced",
        "reinstatement_intact",
        "reinstatement_engram_silenced",
        "stim_rate",
        "input_cue_engram_active",
        "readout_full",
    ):
        assert isinstance(res[k], np.ndarray) and res[k].shape == (n_s,), k
    assert res["w_within"].shape == (res.params["n_rep"] + 1,)
    for k in ("completion_half", "false_half", "reinstatement_intact_mean", "rate_rest"):
        assert np.ndim(res[k]) == 0 and np.isfinite(res[k]), k
    assert 1.0 < res["rate_rest"] < 15.0
    assert "engram" in res.summary and "%" in res.summary


def test_thread_independent_and_writes(tmp_path):
    a = engram(threads=1, out=tmp_path, **TINY)
    b = engram(threads=2, draw=False, **TINY)
    assert a.numbers.keys() == b.numbers.keys()
    for k in a.numbers:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)
    assert (tmp_path / "engram.png").stat().st_size > 0
    doc = json.loads((tmp_path / "engram.json").read_text())
    assert doc["name"] == "engram" and doc["summary"] == a.summary
    np.testing.assert_allclose(np.asarray(doc["numbers"]["completion_mean"], float), a["completion_mean"])
    assert EXPERIMENTS["engram"] is engram
    assert set(TINY) - {"scale"} <= set(engram.sweep_parameters)


def test_cli(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "pyneuro", "experiment", "engram", "--out", str(tmp_path), "--scale", "0.2"]
    for k, v in TINY.items():
        if k != "scale":
            cmd += ["--set", f"{k}={v}"]
    r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "completion_half" in r.stdout
    assert (tmp_path / "engram.png").exists() and (tmp_path / "engram.json").exists()


@pytest.mark.parametrize(
    "kw, exc",
    [
        (dict(bogus=1), TypeError),
        (dict(scale=0.0), ValueError),
        (dict(seed=-1), ValueError),
        (dict(threads=0), ValueError),
        (dict(draw="yes"), TypeError),
        (dict(n_rep=1), ValueError),
        (dict(tag_rate=-1.0), ValueError),
        (dict(fibre_cue_fraction=1.5), ValueError),
        (dict(w_ee=5.0), ValueError),
        (dict(w_ie=200.0), ValueError),
        (dict(n_stimuli=5, assembly_fraction=0.25), ValueError),
        (dict(k_ee=2.5), (TypeError, ValueError)),
        (dict(rate_fibre=float("nan")), ValueError),
    ],
)
def test_bad_arguments(kw, exc):
    with pytest.raises(exc) as info:
        engram(**kw)
    name = next(iter(kw))
    if exc is ValueError and name not in ("scale", "seed", "threads"):
        assert name in str(info.value)
