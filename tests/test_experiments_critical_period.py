"""Critical period for ocular dominance: monocular deprivation shifts ocular dominance strongly
inside the window, little after it closes, and again when it is reopened."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from pyneuro.experiments import EXPERIMENTS, critical_period

CONDITIONS = ("critical", "closed", "reopened", "reopened_inhibition_only", "reopened_rate_only", "no_plasticity")
# a reduced run: half the neurons, shorter development, MD and probes
REDUCED = dict(scale=0.5, t_md=15_000.0, t_close=20_000.0, t_probe=2000.0)
TINY = dict(scale=0.1, n_patches=2, t_pre=500.0, t_close=1500.0, t_adult=200.0, t_md=1000.0, t_probe=200.0)


# shorter still for the thread check (two threads synchronise every step, slow on a busy machine)
FLASH = dict(TINY, t_pre=100.0, t_close=300.0, t_adult=100.0, t_md=200.0, t_probe=100.0, chunk=100.0, w_init=0.6)


@pytest.fixture(scope="module")
def res():
    return critical_period(draw=False, **REDUCED)


def test_md_inside_the_window_shifts_ocular_dominance_strongly(res):
    # large in absolute terms: most neurons move towards the open eye
    assert res["shift_critical"] > 0.5
    assert res["odi_critical"] > 0.5
    hist = res["od_hist_critical"]
    assert hist[5:].sum() > 0.7 * hist.sum()  # classes 6-7: dominated by the open eye
    # the control (normal vision for the same time) stays balanced
    assert abs(res["odi_control_critical"]) < 0.15
    # it is the deprived eye's synapses that weaken and the open eye's that strengthen
    assert res["w_deprived_critical"][-1] < 0.85 * res["w_deprived_critical"][0]
    assert res["w_open_critical"][-1] > 1.3 * res["w_open_critical"][0]
    assert res["response_open_critical"] > 3 * res["response_deprived_critical"]


def test_md_after_closure_shifts_little(res):
    s_in, s_out = res["shift_critical"], res["shift_closed"]
    assert s_in >= 3.0 * s_out  # the margin
    assert abs(s_out) < 0.2
    # the adult control is near balance (its mean ODI drifts by chance: each patch's neurons share their inputs and
    # pick an eye together during normal development; the shift is measured against it)
    assert abs(res["odi_control_closed"]) < 0.3
    # matured inhibition lowers the cortical rate during MD, and the weights hardly move
    assert res["rate_md_closed"] < 0.6 * res["rate_md_critical"]
    w_dep = res["w_deprived_closed"]
    assert abs(w_dep[-1] - w_dep[0]) < 0.05 * w_dep[0]


def test_reopening_the_window_restores_the_shift(res):
    s_out, s_re = res["shift_closed"], res["shift_reopened"]
    assert s_re > 0.3
    assert s_re >= 2.0 * s_out
    assert res["shift_ratio_reopened_closed"] == pytest.approx(s_re / s_out)
    assert res["shift_ratio_inside_outside"] == pytest.approx(res["shift_critical"] / s_out)
    # reopening depresses the deprived eye's synapses as inside the window
    w_dep = res["w_deprived_reopened"]
    assert w_dep[-1] < 0.8 * w_dep[0]
    assert abs(res["odi_control_reopened"]) < 0.15
    # each half of the reopening alone does less than both together, but moves ODI towards the open eye
    for name in ("reopened_inhibition_only", "reopened_rate_only"):
        assert -0.1 < res[f"shift_{name}"] < s_re


def test_no_plasticity_no_shift(res):
    # MD with the rule switched off: the probe sees the same network as its control
    assert abs(res["shift_no_plasticity"]) < 0.05
    w = res["w_deprived_no_plasticity"]
    np.testing.assert_allclose(w, w[0])


def test_numbers_shapes(res):
    n = round(100 * REDUCED["scale"])
    n_trace = res["t_md_trace"].size
    assert n_trace == round(REDUCED["t_md"] / 1000.0) + 1
    for c in CONDITIONS:
        for k in ("odi", "odi_control", "shift", "odi_before", "responsive", "rate_md"):
            assert np.ndim(res[f"{k}_{c}"]) == 0
        assert res[f"odi_values_{c}"].shape == (n,)
        assert res[f"odi_values_control_{c}"].shape == (n,)
        assert res[f"od_hist_{c}"].shape == (7,)
        assert res[f"od_hist_{c}"].sum() == np.isfinite(res[f"odi_values_{c}"]).sum()
        assert res[f"w_deprived_{c}"].shape == (n_trace,)
        assert 0.0 <= res[f"responsive_{c}"] <= 1.0
        v = res[f"odi_values_{c}"]
        assert np.all(np.abs(v[np.isfinite(v)]) <= 1.0)
        assert res[f"shift_{c}"] == pytest.approx(res[f"odi_{c}"] - res[f"odi_control_{c}"])
    assert res["od_edges"].shape == (8,)
    assert res["responsive_critical"] > 0.9
    assert "inside the critical period" in res.summary


def test_out_writes_figure_and_json(tmp_path):
    r = critical_period(out=tmp_path, **TINY)
    assert (tmp_path / "critical_period.png").stat().st_size > 0
    doc = json.loads((tmp_path / "critical_period.json").read_text())
    assert doc["name"] == "critical_period"
    assert doc["params"]["t_md"] == TINY["t_md"]
    assert "shift_critical" in doc["numbers"]
    assert r.figure is not None


def test_thread_independent():
    a = critical_period(threads=1, draw=False, seed=3, **FLASH)
    b = critical_period(threads=2, draw=False, seed=3, **FLASH)
    assert a.numbers.keys() == b.numbers.keys()
    for k in a.numbers:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)
    assert a["w_open_critical"][-1] != a["w_open_critical"][0]  # the rule did act


def test_bad_input():
    with pytest.raises(TypeError, match="bogus"):
        critical_period(bogus=1)
    with pytest.raises(ValueError, match="corr"):
        critical_period(corr=1.5)
    with pytest.raises(ValueError, match="t_close"):
        critical_period(t_pre=5000.0, t_md=20_000.0, t_close=10_000.0)
    with pytest.raises(TypeError, match="n_exc"):
        critical_period(n_exc=10.5)
    with pytest.raises(ValueError, match="scale"):
        critical_period(scale=0.0)


def test_registered_and_cli(tmp_path):
    assert EXPERIMENTS["critical_period"] is critical_period
    assert set(critical_period.sweep_parameters) >= {"t_md", "lr_adult", "w_inh_adult", "reopen_lr"}
    cmd = [sys.executable, "-m", "pyneuro", "experiment", "critical_period", "--out", str(tmp_path)]
    cmd += ["--scale", "0.1", "--seed", "2"]
    for k, v in TINY.items():
        if k != "scale":
            cmd += ["--set", f"{k}={v}"]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "inside the critical period" in proc.stdout
    assert (tmp_path / "critical_period.png").exists()
    doc = json.loads((tmp_path / "critical_period.json").read_text())
    assert doc["params"]["seed"] == 2 and doc["params"]["n_patches"] == 2
