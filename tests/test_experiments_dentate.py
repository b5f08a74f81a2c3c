"""Adult neurogenesis and pattern separation: a dentate-gyrus-like layer learns an old
environment, then a new one with similar places; a cohort of young, plastic, excitable granule cells born for the
new environment lowers the output overlap of similar old/new places; the controls (no neurogenesis, as many
extra mature cells, the cohort without its young traits) do not."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from seedstats import every_seed, mean_above, mean_below, most, run_seeds, values

from pyneuro.experiments import EXPERIMENTS, neurogenesis_separation

CONDS = ("naive", "control", "neurogenesis", "extra_mature", "no_young_traits")
# a tiny run for the cheap checks
TINY = dict(scale=0.2, n_nets=1, n_places=3, reps_old=3, reps_new=2, t_test=200.0, draw=False)


# Claims over seeds 0-4 of the reduced run, two networks each (basis: sign test over the seeds, every_seed, p = 1/32,
# or over the ten networks, most, 9 of 10, p = 0.011; or the one-sided 95% t bound of the mean; see seedstats.py).
# Bounds checked against seeds 100-111 of the same configuration (docs/seed_statistics.py run
# neurogenesis_separation --seeds 100-111 --scale 0.5 --set n_nets=2 --set t_test=1000), whose mean +- s.d. [range]
# over the seeds (each the mean of its two networks) is quoted at each claim.
SEEDS = (0, 1, 2, 3, 4)
REDUCED = dict(scale=0.5, n_nets=2, t_test=1000.0)


@pytest.fixture(scope="module")
def runs():
    # half the default sizes, two networks, 1 s test presentations (the learning protocol as by default)
    return run_seeds(neurogenesis_separation, SEEDS, **REDUCED)


@pytest.fixture(scope="module")
def reduced(runs):
    return runs[0]


def test_neurogenesis_lowers_output_overlap_of_similar_inputs(runs):
    for r in runs:
        assert r["similar_overlap_control"] - r["similar_overlap_neurogenesis"] == pytest.approx(r["separation_gain"])
    # a clear margin below the control. Calibration: gain 0.10 +- 0.04 [0.05, 0.17] per seed; per network 23 of 24
    # positive (the other -0.016): so at every seed (sign test), in most networks (not every: the single-seed bound
    # 0.02 in every network does not hold), and on average above 0.05 (calibration mean - 3 s.e. of five seeds; the
    # single-seed bound 0.07 is the calibration mean less one s.d.)
    gain = values(runs, "separation_gain")
    every_seed(gain, gain > 0, "neurogenesis lowers the similar-place overlap")
    mean_above(gain, 0.05, "by at least 0.05 on average")
    nets = np.concatenate([r["separation_gain_nets"] for r in runs])
    most(nets, nets > 0, "neurogenesis lowers the overlap in most networks")
    # more neurons alone, or the cohort without its young traits, do less: calibration, their overlap minus
    # neurogenesis's 0.094 +- 0.043 [0.016, 0.16] and 0.083 +- 0.040 [0.028, 0.16], so above it at every seed and by at
    # least 0.025 on average (calibration mean - 3 s.e.: 0.037 and 0.029; the single-seed bound 0.05 is crossed at seeds
    # 0-4)
    for key in ("extra_mature", "no_young_traits"):
        d = values(runs, lambda r, key=key: r[f"similar_overlap_{key}"] - r["similar_overlap_neurogenesis"])
        every_seed(d, d > 0, f"{key}: overlap above neurogenesis's")
        mean_above(d, 0.025, f"{key}: overlap above neurogenesis's, on average")
    # the controls lack most of the effect: what they take off the control's overlap is, on average, at most about half
    # of what neurogenesis takes off (calibration, as a fraction of the gain: extra mature 0.05 +- 0.38, no young traits
    # 0.21 +- 0.16; bounds at mean + 3 s.e. of five seeds, 0.56 and 0.43, rounded up: 0.6 and 0.5; the cohort without
    # young traits lowers the overlap a little, 0.019 +- 0.014, at 11 of 12 seeds). The single-seed claim "neither is
    # more than 0.05 below the control" does not hold at every seed (extra mature 0.073 below at one calibration seed)
    for key, bound in (("extra_mature", 0.6), ("no_young_traits", 0.5)):
        frac = values(
            runs, lambda r, key=key: (r["similar_overlap_control"] - r[f"similar_overlap_{key}"]) / r["separation_gain"]
        )
        mean_below(frac, bound, f"{key}: at most about half the effect, on average")
    # over the whole curve the neurogenesis network separates more (output further below input overlap):
    # calibration, neurogenesis - control 0.12 +- 0.04 [0.031, 0.17]: at every seed, by 0.075 on average
    sep = values(runs, lambda r: r["separation_neurogenesis"] - r["separation_control"])
    every_seed(sep, sep > 0, "neurogenesis separates more over the whole curve")
    mean_above(sep, 0.075, "neurogenesis separates more over the whole curve, on average")


def test_mechanism_young_cells_code_the_new_places(runs):
    # the young cohort is recruited by the new places and fires more for them than for the similar old ones
    # (calibration: share of the spikes to new places 0.83 +- 0.02, minus old 0.36 +- 0.03, min 0.32; first five
    # rounds 0.997)
    new, old = values(runs, "young_share_new"), values(runs, "young_share_old")
    every_seed(new, new > 0.5, "young GCs fire most spikes to new places")
    every_seed(new - old, new > old + 0.2, "young GCs prefer new places")
    for r in runs:
        assert r["young_share_training"].shape == (30,)
    first = values(runs, lambda r: r["young_share_training"][:5].mean())
    every_seed(first, first > 0.8, "the young cohort is recruited at once")
    # learning without neurogenesis raises the overlap of similar places above the naive network's (the mature
    # cells tuned to an old place answer its similar new place: interference); calibration 0.25 +- 0.02, min 0.22
    inter = values(runs, lambda r: r["similar_overlap_control"] - r["similar_overlap_naive"])
    every_seed(inter, inter > 0.1, "learning raises the similar-place overlap")
    # the layer codes sparsely (calibration: active fractions 0.07-0.30)
    for key in CONDS:
        act = values(runs, f"active_fraction_{key}")
        every_seed(act, (act > 0.0) & (act < 0.5), f"{key}: sparse code")


def test_numbers_shapes_and_ranges(reduced):
    r = reduced
    q = r["shared_fraction"]
    assert q.shape == (8,)
    assert np.all(np.diff(q) > 0) and q[0] == pytest.approx(0.2, abs=0.02) and q[-1] == pytest.approx(0.9, abs=0.02)
    x = r["input_overlap"]
    assert x.shape == (8,) and np.all(np.diff(x) > 0) and np.all((x > 0) & (x < 1))
    for key in CONDS:
        y = r[f"output_overlap_{key}"]
        assert isinstance(y, np.ndarray) and y.shape == (8,)
        assert r[f"output_overlap_{key}_nets"].shape == (2, 8)
        assert np.allclose(y, r[f"output_overlap_{key}_nets"].mean(axis=0))
        assert np.all((y >= 0) & (y <= 1))
        assert r[f"similar_overlap_{key}_nets"].shape == (2,)
        assert np.isscalar(r[f"similar_overlap_{key}"])
    # output overlap grows with input overlap
    for key in CONDS:
        y = r[f"output_overlap_{key}"]
        assert y[-1] > y[0] + 0.3
    assert r["size_n_gc"] == 200 and r["size_n_young"] == 100


def test_same_numbers_for_any_thread_count():
    r1 = neurogenesis_separation(threads=1, **TINY)
    r2 = neurogenesis_separation(threads=2, **TINY)
    assert r1.numbers.keys() == r2.numbers.keys()
    for k in r1.numbers:
        assert np.array_equal(np.asarray(r1[k]), np.asarray(r2[k])), k
    r3 = neurogenesis_separation(threads=1, seed=1, **TINY)
    assert not np.array_equal(r1["output_overlap_control"], r3["output_overlap_control"])


def test_out_writes_png_and_json(tmp_path):
    res = neurogenesis_separation(out=tmp_path, **{**TINY, "draw": True})
    assert (tmp_path / "neurogenesis_separation.png").stat().st_size > 10_000
    doc = json.loads((tmp_path / "neurogenesis_separation.json").read_text())
    assert doc["name"] == "neurogenesis_separation"
    assert doc["summary"] == res.summary and "neurogenesis" in doc["summary"]
    assert len(doc["numbers"]["output_overlap_neurogenesis"]) == 3
    assert EXPERIMENTS["neurogenesis_separation"] is neurogenesis_separation
    assert "n_young" in neurogenesis_separation.sweep_parameters


def test_bad_input():
    f = neurogenesis_separation
    with pytest.raises(TypeError, match="n_youngsters"):
        f(n_youngsters=3)
    with pytest.raises(ValueError, match="overlap_max"):
        f(overlap_max=1.5)
    with pytest.raises(ValueError, match="overlap_max"):
        f(overlap_min=0.8, overlap_max=0.5)
    with pytest.raises(ValueError, match="rate_on"):
        f(rate_on=0.5)
    with pytest.raises(ValueError, match="similar"):
        f(similar=0.95)
    with pytest.raises(TypeError, match="n_young"):
        f(n_young=10.5)
    with pytest.raises(ValueError, match="scale"):
        f(scale=0)
    with pytest.raises(ValueError, match="excitability"):
        f(excitability=-1.0)


def test_cli_tiny_run(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "pyneuro", "experiment", "neurogenesis_separation", "--out", str(tmp_path),
           "--scale", "0.2", "--set", "n_nets=1", "--set", "n_places=3", "--set", "reps_old=3",
           "--set", "reps_new=2", "--set", "t_test=200"]  # fmt: skip
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "neurogenesis" in proc.stdout and "separation_gain" in proc.stdout
    assert (tmp_path / "neurogenesis_separation.png").exists()
    assert (tmp_path / "neurogenesis_separation.json").exists()
