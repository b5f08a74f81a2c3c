"""Critical period for ocular dominance: monocular deprivation shifts ocular dominance strongly
inside the window, little after it closes, and again when it is reopened."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from seedstats import every_seed, mean_above, mean_below, run_seeds, values

from pyneuro.experiments import EXPERIMENTS, critical_period

CONDITIONS = ("critical", "closed", "reopened", "reopened_inhibition_only", "reopened_rate_only", "no_plasticity")
# a reduced run: half the neurons, shorter development, MD and probes
REDUCED = dict(scale=0.5, t_md=15_000.0, t_close=20_000.0, t_probe=2000.0)
TINY = dict(scale=0.1, n_patches=2, t_pre=500.0, t_close=1500.0, t_adult=200.0, t_md=1000.0, t_probe=200.0)


# shorter still for the thread check (two threads synchronise every step, slow on a busy machine)
FLASH = dict(TINY, t_pre=100.0, t_close=300.0, t_adult=100.0, t_md=200.0, t_probe=100.0, chunk=100.0, w_init=0.6)


# Claims over seeds 0-4 of the reduced run (basis: sign test, every_seed, p = 1/32, or the one-sided 95% t bound of
# the mean; see seedstats.py). Bounds checked against seeds 100-111 of the same configuration (docs/seed_statistics.py
# run critical_period --seeds 100-111 --scale 0.5 --set t_md=15000 --set t_close=20000 --set t_probe=2000), whose
# mean +- s.d. [range] is quoted at each claim.
SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def runs():
    return run_seeds(critical_period, SEEDS, **REDUCED)


@pytest.fixture(scope="module")
def res(runs):
    return runs[0]


def test_md_inside_the_window_shifts_ocular_dominance_strongly(runs):
    # large in absolute terms: most neurons move towards the open eye (calibration: shift 0.72 +- 0.05 [0.61, 0.82],
    # mean ODI after MD 0.72 +- 0.07 [0.60, 0.81])
    shift, odi = values(runs, "shift_critical"), values(runs, "odi_critical")
    every_seed(shift, shift > 0.5, "MD in the critical period shifts ODI")
    every_seed(odi, odi > 0.5, "the ODI ends on the open eye's side")
    # classes 6-7 (open eye dominant): calibration 0.77 +- 0.07 [0.66, 0.86] of the neurons, so at least 0.67 on
    # average (mean - 3 s.e. of five seeds) and 0.55 per seed (mean - 3 s.d.; 0.7 held at seed 0 only as a margin)
    open_dom = values(runs, lambda r: r["od_hist_critical"][5:].sum() / r["od_hist_critical"].sum())
    mean_above(open_dom, 0.67, "most neurons dominated by the open eye, on average")
    every_seed(open_dom, open_dom > 0.55, "many neurons dominated by the open eye")
    # the control (normal vision for the same time) stays balanced (calibration |ODI| 0.035 +- 0.026, max 0.09)
    ctl = np.abs(values(runs, "odi_control_critical"))
    every_seed(ctl, ctl < 0.15, "the control stays balanced")
    # it is the deprived eye's synapses that weaken and the open eye's that strengthen. Calibration: deprived end /
    # start 0.82 +- 0.02 [0.80, 0.86] (mean + 3 s.d. 0.88: per seed 0.9, on average 0.85; 0.85 held at seed 0 only
    # as a margin), open 1.60 +- 0.04 [1.52, 1.66], response open / deprived 10.7 +- 3.1 [6.7, 15.7]
    dep = values(runs, lambda r: r["w_deprived_critical"][-1] / r["w_deprived_critical"][0])
    every_seed(dep, dep < 0.9, "the deprived eye's synapses weaken")
    mean_below(dep, 0.85, "the deprived eye's synapses weaken, on average")
    op = values(runs, lambda r: r["w_open_critical"][-1] / r["w_open_critical"][0])
    every_seed(op, op > 1.3, "the open eye's synapses strengthen")
    resp = values(runs, lambda r: r["response_open_critical"] / r["response_deprived_critical"])
    every_seed(resp, resp > 3, "the open eye drives the neurons more")


def test_md_after_closure_shifts_little(runs):
    s_in, s_out = values(runs, "shift_critical"), values(runs, "shift_closed")
    # the margin asked for, per seed: calibration shift_critical - 3 shift_closed 0.49 +- 0.14, min 0.20
    every_seed(s_in - 3.0 * s_out, s_in >= 3.0 * s_out, "inside the window at least 3x the shift after it")
    # calibration: shift after closure 0.077 +- 0.047 [0.009, 0.18] (mean + 3 s.d. 0.22): per seed below 0.25 (0.2
    # held at seed 0 only as a margin), below 0.15 on average
    every_seed(s_out, np.abs(s_out) < 0.25, "little shift after closure")
    mean_below(np.abs(s_out), 0.15, "little shift after closure, on average")
    # the adult control is near balance (its mean ODI drifts by chance: each patch's neurons share their inputs and
    # pick an eye together during normal development; the shift is measured against it); calibration |ODI|
    # 0.077 +- 0.057, max 0.18
    ctl = np.abs(values(runs, "odi_control_closed"))
    every_seed(ctl, ctl < 0.3, "the adult control is near balance")
    # matured inhibition lowers the cortical rate during MD (calibration: closed / critical 0.17 +- 0.03), and the
    # weights hardly move (calibration: |change| / start 0.0036 +- 0.0006)
    rate = values(runs, lambda r: r["rate_md_closed"] / r["rate_md_critical"])
    every_seed(rate, rate < 0.6, "matured inhibition lowers the rate")
    w = values(runs, lambda r: abs(r["w_deprived_closed"][-1] - r["w_deprived_closed"][0]) / r["w_deprived_closed"][0])
    every_seed(w, w < 0.05, "the adult's weights hardly move")


def test_reopening_the_window_restores_the_shift(runs):
    s_out, s_re = values(runs, "shift_closed"), values(runs, "shift_reopened")
    # calibration: reopened 0.59 +- 0.03 [0.54, 0.64]; reopened - 2 x closed 0.43 +- 0.09, min 0.27
    every_seed(s_re, s_re > 0.3, "reopening restores a large shift")
    every_seed(s_re - 2.0 * s_out, s_re >= 2.0 * s_out, "reopened at least 2x closed")
    for r in runs:
        assert r["shift_ratio_reopened_closed"] == pytest.approx(r["shift_reopened"] / r["shift_closed"])
        assert r["shift_ratio_inside_outside"] == pytest.approx(r["shift_critical"] / r["shift_closed"])
    # reopening depresses the deprived eye's synapses as inside the window (calibration 0.71 +- 0.01 of the start)
    dep = values(runs, lambda r: r["w_deprived_reopened"][-1] / r["w_deprived_reopened"][0])
    every_seed(dep, dep < 0.8, "reopening depresses the deprived eye")
    ctl = np.abs(values(runs, "odi_control_reopened"))  # calibration 0.023 +- 0.012, max 0.041
    every_seed(ctl, ctl < 0.15, "the reopened control stays balanced")
    # each half of the reopening alone does less than both together, but moves ODI towards the open eye
    # (calibration: inhibition alone 0.13 +- 0.014, learning rate alone 0.25 +- 0.05 [0.19, 0.32]; reopened minus
    # either at least 0.23)
    for name in ("reopened_inhibition_only", "reopened_rate_only"):
        x = values(runs, f"shift_{name}")
        every_seed(x, (x > -0.1) & (x < s_re), f"{name}: less than both, not away from the open eye")


def test_no_plasticity_no_shift(runs):
    # MD with the rule switched off: the probe sees the same network as its control (exactly 0 at every seed)
    x = values(runs, "shift_no_plasticity")
    every_seed(x, np.abs(x) < 0.05, "no shift without plasticity")
    for r in runs:
        w = r["w_deprived_no_plasticity"]
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
