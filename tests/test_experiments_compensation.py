"""Neural compensation after injury (issue 6, item 6): a partly deafferented topographic map loses decoding
accuracy and recovers it through sprouting, homeostasis and STDP remapping; each mechanism switched off in turn,
all off, and each alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyneuro.experiments import EXPERIMENTS
from pyneuro.experiments import recovery as c

ROOT = Path(__file__).resolve().parents[1]
# a reduced run: the default network, 6 recovery blocks instead of 10
REDUCED = {"blocks": 6}
TINY = {"trials": 3, "blocks": 2, "measure_blocks": 1}


@pytest.fixture(scope="module")
def res():
    return c.compensation(draw=False, **REDUCED)


def _restored(res) -> dict[str, float]:
    return dict(zip(res["conditions"], res["restored_fraction"]))


def test_lesion_drops_performance(res):
    # the intact map is read out perfectly, the lesion costs a clear margin of the accuracy ...
    assert res["perf_before"] >= 0.95
    assert res["perf_after"] <= res["perf_before"] - 0.15
    # ... all of it on the lesioned positions' trials, which fall towards chance between them
    assert res["deaff_perf_before"] >= 0.95
    assert res["deaff_perf_after"] <= 0.6
    # the deafferented zones fall silent and lose most of their thalamic synapses
    assert res["rate_zone_after"] < 0.15 * res["rate_zone_before"]
    assert res["indeg_zone_after"] < 0.4 * res["indeg_zone_before"]
    # the information is not all gone: a decoder refitted on the lesioned map still does better than the fixed one
    assert res["info_after"] > res["perf_after"] + 0.1


def test_all_mechanisms_recover_none_does_not(res):
    r = _restored(res)
    assert r["all"] > 0.7
    assert abs(r["none"]) < 0.2
    i = list(res["conditions"]).index("all")
    assert res["perf_recovered"][i] >= 0.9
    assert res["deaff_perf_recovered"][i] >= 0.8


def test_which_mechanisms_recovery_needs(res):
    r = _restored(res)
    # degenerate: each ablation still restores most of the loss, none is necessary
    for name in ("no_sprouting", "no_homeostasis", "no_remapping"):
        assert r[name] > 0.55, name
    np.testing.assert_array_equal(res["necessary"], [0, 0, 0])
    # sprouting alone and homeostasis alone each restore at least half; STDP alone restores nothing
    assert r["sprouting_only"] > 0.45
    assert r["homeostasis_only"] > 0.6
    assert r["remapping_only"] < 0.15
    assert res["sufficient"][2] == 0 and res["sufficient"][1] == 1
    # no condition with fewer mechanisms beats all three by more than noise
    assert r["all"] >= max(r.values()) - 0.1


def test_mechanisms_act_as_described(res):
    names = list(res["conditions"])
    mech = res["mechanisms"]
    indeg = res["indeg_zone_recovered"]
    rate = res["rate_zone_recovered"]
    for k, name in enumerate(names):
        if mech[k, 0]:  # sprouting rebuilds the in-degree of the deafferented zones
            assert indeg[k] > 0.7 * res["indeg_zone_before"], name
        else:
            assert indeg[k] == pytest.approx(res["indeg_zone_after"]), name
    i = {n: k for k, n in enumerate(names)}
    # homeostasis brings the zones' rates back most of the way; sprouting alone (weak new synapses) does not
    assert rate[i["homeostasis_only"]] > 0.5 * res["rate_zone_before"]
    assert rate[i["sprouting_only"]] < 0.5 * res["rate_zone_before"]
    assert rate[i["none"]] < 0.15 * res["rate_zone_before"]
    # the synaptic rules raise the surviving weights (to at most w_max x w_in); without them they stay put
    w_in = res.params["w_in"]
    assert res["w_zone_recovered"][i["none"]] == pytest.approx(w_in)
    assert res["w_zone_recovered"][i["remapping_only"]] > 1.4 * w_in
    assert np.all(res["w_zone_recovered"] <= res.params["w_max"] * w_in + 1e-9)


def test_numbers_shapes(res):
    n_c = len(c._CONDITIONS)
    k = int(res.params["n_positions"])
    m = k * int(res.params["n_cortex"])
    assert list(res["conditions"]) == list(c._CONDITIONS)
    assert res["mechanisms"].shape == (n_c, 3)
    for key in ("perf_recovered", "restored_fraction", "deaff_perf_recovered", "info_recovered"):
        assert res[key].shape == (n_c,), key
        assert np.all(np.isfinite(res[key])), key
    assert res["perf_blocks"].shape == (n_c, REDUCED["blocks"])
    assert res["t_blocks_s"].shape == (REDUCED["blocks"],)
    for key in ("tuning_before", "tuning_after", "tuning_recovered"):
        assert res[key].shape == (k, m), key
    assert res["x_cortex"].shape == (m,)
    np.testing.assert_array_equal(res["lesioned_positions"], [1, 2])
    assert res["n_lesioned_inputs"] == 2 * round(0.9 * res.params["n_inputs"])
    assert res["synapses_removed"] > 0
    for key in ("perf_before", "perf_after", "rate_before"):
        assert np.ndim(res[key]) == 0
    assert 0.0 <= np.min(res["perf_blocks"]) and np.max(res["perf_blocks"]) <= 1.0
    assert "necessary" in res.summary and "all" in res.summary


def test_thread_independent():
    a = c.compensation(scale=0.5, draw=False, threads=1, **TINY)
    b = c.compensation(scale=0.5, draw=False, threads=2, **TINY)
    for key, v in a.numbers.items():
        np.testing.assert_array_equal(np.asarray(v), np.asarray(b[key]), err_msg=key)


def test_registry_and_saved_files(tmp_path):
    fn = EXPERIMENTS["compensation"]
    assert fn is c.compensation
    assert set(fn.sweep_parameters) == set(c._COMPENSATION)
    res = fn(scale=0.5, out=tmp_path, **TINY)
    assert (tmp_path / "compensation.png").stat().st_size > 0
    doc = json.loads((tmp_path / "compensation.json").read_text())
    assert doc["name"] == "compensation"
    assert doc["numbers"]["conditions"] == list(c._CONDITIONS)
    np.testing.assert_allclose(doc["numbers"]["perf_blocks"], res["perf_blocks"])
    assert doc["params"]["trials"] == 3


def test_cli(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "pyneuro", "experiment", "compensation", "--out", str(tmp_path), "--scale", "0.5"]
    for k, v in TINY.items():
        cmd += ["--set", f"{k}={v}"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "accuracy" in proc.stdout and "perf_before" in proc.stdout
    assert (tmp_path / "compensation.png").exists() and (tmp_path / "compensation.json").exists()


@pytest.mark.parametrize(
    "kw, exc, word",
    [
        ({"bogus": 1}, TypeError, "bogus"),
        ({"lesion_fraction": 1.5}, ValueError, "lesion_fraction"),
        ({"trials": 1}, ValueError, "trials"),
        ({"theta_min": -12.0}, ValueError, "theta_min"),
        ({"lesion_first": 4, "lesion_count": 2}, ValueError, "lesion_first"),
        ({"count_delay": 100.0}, ValueError, "count_delay"),
        ({"blocks": 2, "measure_blocks": 3}, ValueError, "measure_blocks"),
        ({"lesion_fraction": 0.0}, ValueError, "lesion_fraction"),
        ({"w_max": 0.5}, ValueError, "w_max"),
    ],
)
def test_bad_arguments(kw, exc, word):
    with pytest.raises(exc, match=word):
        c.compensation(draw=False, **kw)


def test_bad_common_arguments():
    with pytest.raises(ValueError, match="scale"):
        c.compensation(scale=0.0, draw=False)
    with pytest.raises(TypeError, match="draw"):
        c.compensation(draw=1)
