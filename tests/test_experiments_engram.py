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

from pyneuro.experiments import EXPERIMENTS, engram
from pyneuro.experiments.engram import CUE_FRACTIONS

# a reduced run: half the cells, half the presentations, a third of the rest period
REDUCED = dict(scale=0.5, n_rep=10, t_rest=20_000.0)
# a tiny run for the cheap checks
TINY = dict(scale=0.2, n_stimuli=2, n_rep=3, t_rest=500.0, n_trials=1, n_trials_silencing=1, t_cue=100.0)


@pytest.fixture(scope="module")
def res():
    return engram(draw=False, **REDUCED)


def test_assemblies_form_by_stdp(res):
    # within the stimulated sets the E->E weights grow far above their initial value and those between sets
    assert res["w_within_final"] > 10 * res.params["w_ee"]
    assert res["w_within_final"] > 10 * res["w_cross_final"]
    # without E->E plasticity nothing changes
    np.testing.assert_allclose(res["w_within_control"], res.params["w_ee"], rtol=1e-6)
    # activity tags pick the stimulated cells (never given to the tag) and a good part of each set
    assert np.all(res["tag_in_stimulated"] > 0.9)
    assert np.all(res["stimulated_tagged"] > 0.3)
    assert np.all(res["tag_size"] >= 10)


def test_half_cue_completes_the_engram_and_not_the_others(res):
    # recall from a half cue reaches most of the engram ...
    assert res["completion_half"] > 0.7
    half = CUE_FRACTIONS.index(0.5)
    assert np.all(res["completion"][:, half] > 0.3)  # every engram recalls (seeds 1-6: min 0.38-0.88)
    # ... and few other cells, also few of the other engrams' cells
    assert res["false_half"] < 0.05
    assert np.nanmean(res["false_other_engrams"][:, half]) < 0.05


def test_completion_grows_with_cue_size(res):
    c = res["completion_mean"]
    assert c[-1] > c[0] + 0.2
    assert c[CUE_FRACTIONS.index(0.5)] > c[0] + 0.15
    # roughly monotone: no cue size does much worse than a smaller one
    assert np.all(np.diff(c) > -0.1)


def test_no_stdp_control_does_not_complete(res):
    assert res["completion_half_control"] < 0.5 * res["completion_half"]
    assert res["completion_half_control"] < 0.15
    assert np.all(res["completion_control_mean"] < 0.2)
    # the control's engrams exist (tagged the same way), they just do not complete
    assert np.all(res["tag_size_control"] >= 10)


def test_silencing_engram_cells_abolishes_recall(res):
    intact = res["reinstatement_intact_mean"]
    rnd = res["reinstatement_random_silenced_mean"]
    eng = res["reinstatement_engram_silenced_mean"]
    assert intact > 0.25
    # as many random cells silenced: recall preserved
    assert rnd > 0.7 * intact
    # the engram cells silenced: recall abolished, for every stimulus
    assert eng < 0.1
    assert np.all(res["reinstatement_engram_silenced"] < 0.25 * res["reinstatement_random_silenced"])
    np.testing.assert_array_equal(res["n_silenced"], res["tag_size"])


def test_partial_input_completes_the_engram(res):
    # the whole input activates the whole engram in both networks; part of it activates most of the engram in
    # the learned network and only the directly driven part in the control
    assert np.all(res["full_input_engram_active"] > 0.9)
    assert np.all(res["full_input_engram_active_control"] > 0.9)
    learned, control = np.mean(res["input_cue_engram_active"]), np.mean(res["input_cue_engram_active_control"])
    assert learned > 0.65
    assert learned > control + 0.2


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
