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

from pyneuro.experiments import EXPERIMENTS, neurogenesis_separation

CONDS = ("naive", "control", "neurogenesis", "extra_mature", "no_young_traits")
# a tiny run for the cheap checks
TINY = dict(scale=0.2, n_nets=1, n_places=3, reps_old=3, reps_new=2, t_test=200.0, draw=False)


@pytest.fixture(scope="module")
def reduced():
    # half the default sizes, two networks, 1 s test presentations (the learning protocol as by default)
    return neurogenesis_separation(scale=0.5, n_nets=2, t_test=1000.0, draw=False)


def test_neurogenesis_lowers_output_overlap_of_similar_inputs(reduced):
    r = reduced
    ng = r["similar_overlap_neurogenesis"]
    # a clear absolute margin below the control, in every network
    assert r["separation_gain"] >= 0.07
    assert np.all(r["separation_gain_nets"] > 0.02)
    assert r["similar_overlap_control"] - ng == pytest.approx(r["separation_gain"])
    # more neurons alone, or the cohort without its young traits, do not do it
    assert r["similar_overlap_extra_mature"] - ng >= 0.05
    assert r["similar_overlap_no_young_traits"] - ng >= 0.05
    # the controls lack the effect: none of them is clearly below the control
    for key in ("extra_mature", "no_young_traits"):
        assert r[f"similar_overlap_{key}"] > r["similar_overlap_control"] - 0.05
    # over the whole curve the neurogenesis network separates more (output further below input overlap)
    assert r["separation_neurogenesis"] > r["separation_control"] + 0.05


def test_mechanism_young_cells_code_the_new_places(reduced):
    r = reduced
    # the young cohort is recruited by the new places and fires more for them than for the similar old ones
    assert r["young_share_new"] > 0.5
    assert r["young_share_new"] > r["young_share_old"] + 0.2
    share = r["young_share_training"]
    assert share.shape == (30,)
    assert share[:5].mean() > 0.8
    # learning without neurogenesis raises the overlap of similar places above the naive network's (the mature
    # cells tuned to an old place answer its similar new place: interference)
    assert r["similar_overlap_control"] > r["similar_overlap_naive"] + 0.1
    # the layer codes sparsely
    for key in CONDS:
        assert 0.0 < r[f"active_fraction_{key}"] < 0.5


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
