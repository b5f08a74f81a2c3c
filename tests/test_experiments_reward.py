"""The distal-reward experiment (Izhikevich 2007, Cereb. Cortex 17:2443, Fig. 1): rewarding the pairings of one
synapse 1-3 s late makes it the strongest of hundreds; rewards at random times do not."""

from __future__ import annotations

import json

import numpy as np
import pytest
from seedstats import every_seed, mean_above, mean_below, run_seeds, values

from pyneuro.experiments import EXPERIMENTS, distal_reward
from pyneuro.experiments.distal_reward import PARAMETERS, build, pairings

T_TEST = 1_800_000.0  # ms: half the default hour, about 8 s for both runs


# Claims over seeds 0-4 (basis: sign test, every_seed, p = 1/32, or the one-sided 95% t bound of the mean; see
# seedstats.py). Bounds checked against seeds 100-111 of the same configuration (docs/seed_statistics.py run
# distal_reward --seeds 100-111 --set duration=1800000), whose mean +- s.d. [range] is quoted at each claim.
SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def runs():
    return run_seeds(distal_reward, SEEDS, duration=T_TEST)


@pytest.fixture(scope="module")
def res(runs):
    return runs[0]


def test_rewarded_synapse_wins(runs):
    w_max, w0 = runs[0].params["w_max"], runs[0].params["w_init"]
    # the rewarded synapse ends above the 99th percentile of the others (calibration: above it by 0.10 +- 0.017 nS,
    # percentile 100 and rank 1 at every seed), and near w_max (paper: at w_max): calibration 0.96 +- 0.05 [0.85,
    # 1.0] x w_max, so per seed at least 0.8 x w_max (mean - 3 s.d. 0.81; 0.9 held at seed 0 only as a margin) and
    # at least 0.89 x w_max on average (mean - 3 s.e. of five seeds)
    w = values(runs, "w_rewarded_final")
    every_seed(w, w > values(runs, "w_others_final_p99"), "s ends above the others' 99th percentile")
    pct = values(runs, "percentile")
    every_seed(pct, pct > 99.0, "s ends above the 99th percentile")
    every_seed(w, w >= 0.8 * w_max, "s ends near w_max")
    mean_above(w, 0.89 * w_max, "s ends near w_max, on average")
    # the others did not grow on average (the paper's: they drift down); calibration -0.0019 +- 0.0009 nS
    others = values(runs, "w_others_final_mean")
    every_seed(others, others <= w0 + 1e-3, "the others do not grow")
    for r in runs:
        # the time courses end at the final values
        assert r["w_rewarded"][-1] == pytest.approx(r["w_rewarded_final"], abs=0.02 * w_max)
    n = values(runs, "n_rewards")  # calibration 109 +- 15, min 91
    every_seed(n, n > 50, "many rewards")
    # and it stays on top: above the others' 99th percentile in at least 90% of the second half's samples
    # (calibration 0.997 +- 0.01, min 0.97)
    top = values(runs, "frac_top")
    every_seed(top, top >= 0.9, "s stays on top")


def test_control_random_rewards_do_not_single_out(runs):
    # as many rewards, at random times: s gains far less than with the paired rewards. After half an hour the
    # control's s still wanders (its neurons fire most, so its eligibility varies most): calibration percentile
    # 24 +- 40 (0 at 5 of 12 seeds, above 95 at 2), so "below the 95th percentile" and "above the others' 99th
    # percentile in at most 10% of the second half" hold at most seeds, not at every seed (at seed 1: 97.6 and
    # 0.91). What holds at every seed is that the paired rewards move s more (calibration: control gain / paired
    # gain -0.44 +- 0.64, max 0.93); on average the control's gain is below 0.45 of the paired one (t bound; the
    # single-seed bound was a third; calibration mean + 3 s.e. of five seeds 0.42) and its percentile below 78
    # (calibration mean + 3 s.e.)
    w0 = runs[0].params["w_init"]
    for r in runs:
        assert r["control_n_rewards"] == r["n_rewards"]
        t = r["control_reward_times_ms"]
        assert np.all((t >= 0.0) & (t < r.params["duration"]))
    ratio = values(runs, lambda r: (r["control_w_rewarded_final"] - w0) / (r["w_rewarded_final"] - w0))
    every_seed(ratio, ratio < 1.0, "paired rewards move s more than random ones")
    mean_below(ratio, 0.45, "random rewards move s less than half as much, on average")
    pct = values(runs, "control_percentile")
    mean_below(pct, 78.0, "random rewards do not single s out, on average")


def brute_pairings(n1_ms, n2_ms, delay, window):
    """For every n1 spike, its arrival a = t + delay; the pairing is the first n2 spike in [a, a + window]."""
    out = []
    for t1 in n1_ms:
        a = t1 + delay
        hits = [t2 for t2 in n2_ms if a - 1e-9 <= t2 <= a + window + 1e-9]
        if hits:
            out.append(min(hits))
    return np.array(out)


def test_pairings_and_reward_times_from_recorded_spikes(res):
    """The chunked detection finds exactly the pairings that a brute-force search of the whole spike trains finds,
    and every reward is its pairing plus a delay U(delay_min, delay_max) from the generator seeded with (seed, 2)."""
    p = res.params
    want = brute_pairings(res["n1_spikes_ms"], res["n2_spikes_ms"], 1.0, p["window"])
    np.testing.assert_allclose(res["pairing_times_ms"], want, rtol=0, atol=1e-9)
    assert res["n_pairings"] == want.size > 0
    delays = np.random.default_rng([p["seed"], 2]).uniform(p["delay_min"], p["delay_max"], want.size)
    at = want + delays
    np.testing.assert_allclose(res["reward_times_ms"], at[at < p["duration"]], rtol=0, atol=1e-9)
    # n1 and n2 fire at about the rates asked for
    assert res["rate_n1"] == pytest.approx(p["rate_n1"], rel=0.1)
    assert res["n1_spikes_ms"].size == pytest.approx(p["rate_n1"] * p["duration"] / 1000.0, rel=0.1)


def test_pairing_detection_against_brute_force_on_random_trains():
    rng = np.random.default_rng(5)
    for _ in range(20):
        n1 = np.sort(rng.choice(2000, 60, replace=False)).astype(float)
        n2 = np.sort(rng.choice(2000, 200, replace=False)).astype(float)
        got = pairings(n1 + 1.0, n2, 10.0)
        np.testing.assert_array_equal(got, brute_pairings(n1, n2, 1.0, 10.0))


def test_chance_pairings_closed_form():
    """With s at weight 0, n1 and n2 fire independently: an arrival is paired when n2 fires in one of the 11 steps
    [a, a + 10 ms] (dt = 1 ms), probability 1 - (1 - r2 dt)**11. No reward amount -> no weight moves."""
    r = distal_reward(draw=False, control=0, duration=1_000_000.0, w_init=0.0, reward=0.0, rate_n1=20.0, w_bg_n2=0.40)
    n1 = r["n1_spikes_ms"]
    r2 = r["n2_spikes_ms"].size / 1_000_000.0  # per ms (= per step) over 1000 s
    q = 1.0 - (1.0 - r2) ** 11
    n_arr = np.count_nonzero(n1 + 1.0 + 10.0 < 1_000_000.0 - 1.0)
    expected, sd = n_arr * q, np.sqrt(n_arr * q * (1.0 - q))
    assert expected > 500
    assert abs(r["n_pairings"] - expected) < 4.0 * sd
    np.testing.assert_array_equal(r["w_rewarded"], 0.0)
    assert r["w_others_final_mean"] == 0.0


@pytest.mark.parametrize(("rate_pre", "moves"), [(0.0, False), (20.0, True)])
def test_reward_without_eligibility_changes_nothing(rate_pre, moves):
    """tonic 0: with silent inputs no synapse has eligibility (c = 0), so rewards change no weight; with active
    inputs the same rewards do."""
    p = PARAMETERS.check("distal_reward", {"rate_pre": rate_pre, "w_bg": 0.40})
    m = build(p, 20, 10, 3, 1)
    net, proj = m["net"], m["proj"]
    sm = net.record_spikes(m["post"])
    w0 = proj.weights.copy()
    for t in (100.0, 500.0, 900.0):
        proj.reward(0.05, at=t)
    net.run(1000.0)
    assert proj.modulator > 0.01  # dopamine was released
    net.run(1000.0)
    assert sm.count > 20  # the neurons fired: the rule saw postsynaptic spikes
    c = proj.rule_state(0)["c"]
    if moves:
        assert np.any(c != 0.0) and np.max(np.abs(proj.weights - w0)) > 1e-4
    else:
        assert not np.any(c)
        np.testing.assert_array_equal(proj.weights, w0)


def test_thread_count_does_not_change_the_run():
    kw = dict(draw=False, control=0, duration=3_000.0, reward=2e-2, rate_n1=20.0, w_bg_n2=0.45, bin=100.0, seed=4)
    a = distal_reward(threads=1, **kw)
    b = distal_reward(threads=2, **kw)
    assert a["n_rewards"] > 0 and np.ptp(a["w_rewarded"]) > 1e-3
    for k in ("w_rewarded", "w_others_mean", "pairing_times_ms", "reward_times_ms", "hist_counts"):
        np.testing.assert_array_equal(a[k], b[k])


def test_chunk_length_does_not_change_the_run():
    """Pairings are found, and rewards scheduled, whatever the chunks: chunks of 37 ms and of the longest allowed
    (delay_min - window - dt = 989 ms) give the same run."""
    kw = dict(draw=False, control=0, duration=20_000.0, reward=2e-2, rate_n1=20.0, w_bg_n2=0.45, bin=100.0, seed=2)
    a = distal_reward(chunk=37.0, **kw)
    b = distal_reward(chunk=989.0, **kw)
    assert a["n_rewards"] > 10
    for k in ("pairing_times_ms", "reward_times_ms", "w_rewarded", "hist_counts"):
        np.testing.assert_array_equal(a[k], b[k])


def test_registry_and_saved_files(tmp_path):
    fn = EXPERIMENTS["distal_reward"]
    assert fn is distal_reward
    res = fn(scale=0.5, seed=1, out=tmp_path, draw=True, duration=30_000.0, bin=500.0)
    png, js = tmp_path / "distal_reward.png", tmp_path / "distal_reward.json"
    assert png.stat().st_size > 1000 and res.figure is not None
    doc = json.loads(js.read_text())
    assert doc["summary"] == res.summary
    assert set(doc["numbers"]) == set(res.numbers)
    for k, v in res.numbers.items():
        np.testing.assert_array_equal(np.asarray(doc["numbers"][k], dtype=np.float64), np.asarray(v, np.float64))
    assert doc["params"]["seed"] == 1 and doc["params"]["bin"] == 500.0 and doc["params"]["duration"] == 30_000.0
    # scale 0.5: 50 inputs, 25 neurons; 30 s sampled every 0.5 s
    assert res["t_ms"].size == 60 and res["w_others_mean"].size == 60
    assert res["n_synapses"] == int(res["hist_counts"].sum()) + 1


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"scale": 0.0}, ValueError),
        ({"scale": "big"}, TypeError),
        ({"seed": -1}, ValueError),
        ({"threads": 0}, ValueError),
        ({"draw": "yes"}, TypeError),
        ({"duration": -5.0}, ValueError),
        ({"duration": "long"}, TypeError),
        ({"nonsense": 1.0}, TypeError),
        ({"tau_c": 0.0}, ValueError),
        ({"a_post": 1.0}, ValueError),
        ({"control": 2}, ValueError),
        ({"n_pre": 2.5}, TypeError),
        ({"delay_min": 2000.0, "delay_max": 1000.0}, ValueError),
        ({"chunk": 995.0}, ValueError),
        ({"w_init": 1.0}, ValueError),
        ({"p_conn": 0.0}, ValueError),
    ],
)
def test_bad_arguments(kwargs, exc):
    kwargs = {"duration": 1000.0, "draw": False, **kwargs}
    with pytest.raises(exc):
        distal_reward(**kwargs)


def test_positional_arguments_rejected():
    with pytest.raises(TypeError):
        distal_reward(1.0)  # type: ignore[misc]
