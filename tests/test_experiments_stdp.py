"""The STDP experiments (stdp_window, sjostrom_frequency, ltp_ltd_induction, song2000) against closed forms, an
independent event-driven reference of the triplet rule, the published data of Sjöström et al. 2001 and the
qualitative results of the papers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from seedstats import every_seed, mean_below, run_seeds, values

import pyneuro as pn
from pyneuro.experiments import EXPERIMENTS, ltp_ltd_induction, sjostrom_frequency, song2000, stdp_window
from pyneuro.experiments.pairing import triplet_pairing_dw
from pyneuro.experiments.sjostrom_frequency import SJOSTROM_2001

DT = 0.1
PAIR = dict(tau_pre=20.0, tau_post=20.0, a_pre=0.005, a_post=-0.00525, w_min=0.0, w_max=1.0)
PRESETS = ("visual_cortex_minimal", "visual_cortex_full", "visual_cortex_nearest_full", "hippocampal_full")


def reference_triplet(arrivals, posts, rule, w0):
    """Final weight of one synapse under the triplet rule, evaluated directly from the spike lists (ms).

    At an arrival t: o1 counts post spikes strictly before t, r2 arrivals strictly before t; at a post spike t: r1
    counts arrivals at or before t, o2 post spikes strictly before t. all_to_all sums exp(-lag/tau), nearest takes
    the latest spike only. Arrivals precede post spikes at equal times. Clipped and stored as float32 after every
    update.
    """
    arrivals = np.asarray(arrivals, float)
    posts = np.asarray(posts, float)
    events = sorted([(t, 0) for t in arrivals] + [(t, 1) for t in posts])

    def trace(spikes, t, tau):
        if spikes.size == 0:
            return 0.0
        lags = t - spikes
        if rule.interaction == "nearest":
            return math.exp(-lags.min() / tau)
        return float(np.sum(np.exp(-lags / tau)))

    w = np.float32(w0)
    for t, kind in events:
        if kind == 0:
            o1 = trace(posts[posts < t - 1e-9], t, rule.tau_minus)
            r2 = trace(arrivals[arrivals < t - 1e-9], t, rule.tau_x)
            wd = float(w) - o1 * (rule.a2_minus + rule.a3_minus * r2)
        else:
            r1 = trace(arrivals[arrivals <= t + 1e-9], t, rule.tau_plus)
            o2 = trace(posts[posts < t - 1e-9], t, rule.tau_y)
            wd = float(w) + r1 * (rule.a2_plus + rule.a3_plus * o2)
        w = np.float32(min(max(wd, rule.w_min), rule.w_max))
    return float(w)


# ----------------------------------------------------------------------------------------------------------------
# stdp_window
# ----------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def window60():
    return stdp_window(draw=False)  # 60 pairings at 1 Hz, dt -100..100 ms


@pytest.mark.parametrize("name", ["stdp_window", "sjostrom_frequency"])
def test_pairing_protocols_are_the_same_for_every_seed(name):
    """The pairing protocols drive isolated synapses with exactly timed spikes and no noise: their numbers do not
    depend on the seed (checked for seeds 0-4 exactly), so every claim below, checked at seed 0 against closed forms,
    an event-driven reference and the data, holds for every seed (no statistics needed)."""
    runs = [EXPERIMENTS[name].run(seed=s) for s in range(5)]
    for r in runs[1:]:
        assert r.numbers.keys() == runs[0].numbers.keys()
        for k, v in runs[0].numbers.items():
            np.testing.assert_array_equal(
                np.asarray(r[k]), np.asarray(v), err_msg=f"{name} seed {r.params['seed']}: {k}"
            )


def test_window_registry_and_grid(window60):
    assert EXPERIMENTS["stdp_window"] is stdp_window
    dts = window60["dt_ms"]
    np.testing.assert_allclose(dts, np.arange(-100.0, 100.01, 2.0), atol=1e-9)
    assert window60["n_pairings"] == 60
    names = [k[3:] for k in window60.numbers if k.startswith("dw_")]
    assert len(names) == 8 and all(f"triplet_{p}" in names for p in PRESETS)


def test_window_pair_rules_equal_closed_form(window60):
    """60 isolated pairings: additive dw = 60 a exp(-|dt|/tau); multiplicative LTD is geometric in w."""
    dts = window60["dt_ms"]
    n = 60
    ltp = n * PAIR["a_pre"] * np.exp(-dts / PAIR["tau_pre"])
    ltd_add = n * PAIR["a_post"] * np.exp(dts / PAIR["tau_post"])
    ltd_mul = 0.5 * (1.0 + PAIR["a_post"] * np.exp(dts / PAIR["tau_post"])) ** n - 0.5  # w_min=0, w_max=1: u = w
    for inter in ("all_to_all", "nearest"):
        add = window60[f"dw_pair_{inter}_additive"]
        mul = window60[f"dw_pair_{inter}_multiplicative"]
        np.testing.assert_allclose(add, np.where(dts >= 0, ltp, ltd_add), rtol=1e-4, atol=2e-6)
        np.testing.assert_allclose(mul, np.where(dts >= 0, ltp, ltd_mul), rtol=1e-4, atol=2e-6)
        assert np.all(add[dts >= 0] > 0) and np.all(add[dts < 0] < 0)
    # Bi & Poo's asymmetry: the largest change is next to dt = 0 on both sides
    add = window60["dw_pair_all_to_all_additive"]
    assert np.argmax(add) == np.flatnonzero(dts == 0)[0] and np.argmin(add) == np.flatnonzero(dts == -2.0)[0]


def test_window_triplet_all_to_all_equals_closed_form(window60):
    dts = window60["dt_ms"]
    for name in ("visual_cortex_minimal", "visual_cortex_full", "hippocampal_full"):
        rule = pn.plasticity.TripletSTDP.preset(name)
        want = [triplet_pairing_dw(rule, d, 1.0, 60) for d in dts]
        np.testing.assert_allclose(window60[f"dw_triplet_{name}"], want, rtol=1e-4, atol=2e-6, err_msg=name)


def test_window_triplet_nearest_equals_reference(window60):
    dts = window60["dt_ms"]
    rule = pn.plasticity.TripletSTDP.visual_cortex_nearest_full()
    sel = np.flatnonzero(np.isin(dts, [-100.0, -30.0, -10.0, -2.0, 0.0, 2.0, 10.0, 40.0, 100.0]))
    arr = 1000.0 * np.arange(60)
    want = [reference_triplet(arr, arr + dts[i], rule, 0.5) - 0.5 for i in sel]
    np.testing.assert_allclose(window60["dw_triplet_visual_cortex_nearest_full"][sel], want, rtol=1e-4, atol=2e-6)


def test_window_signs_at_1hz(window60):
    """Hippocampal full rule: LTP for dt >= 0, LTD for dt < 0. Visual-cortex presets: a2_plus ~ 0, so at 1 Hz
    (post spikes 8 tau_y apart) they depress for dt < 0 and change almost nothing for dt > 0, as the model says
    (and as Sjöström et al. found at low pairing frequency)."""
    dts = window60["dt_ms"]
    hip = window60["dw_triplet_hippocampal_full"]
    assert np.all(hip[dts >= 0] > 0) and np.all(hip[dts < 0] < 0)
    for name in ("visual_cortex_minimal", "visual_cortex_full", "visual_cortex_nearest_full"):
        dw = window60[f"dw_triplet_{name}"]
        assert np.all(dw[dts < 0] < 0), name
        assert np.all(np.abs(dw[dts > 0]) < 1e-3), name


def test_window_single_pairing_closed_form():
    dts = np.array([-50.0, -10.0, -0.1, 0.0, 0.1, 10.0, 50.0])
    r = stdp_window(draw=False, n_pairings=1, dt_ms=dts)
    for name in PRESETS:
        rule = pn.plasticity.TripletSTDP.preset(name)
        want = np.where(
            dts >= 0, rule.a2_plus * np.exp(-dts / rule.tau_plus), -rule.a2_minus * np.exp(dts / rule.tau_minus)
        )
        np.testing.assert_allclose(r[f"dw_triplet_{name}"], want, rtol=1e-4, atol=1e-7, err_msg=name)
    # the minimal rule has no pair potentiation: one pairing at +10 ms changes nothing at all
    assert np.all(r["dw_triplet_visual_cortex_minimal"][dts >= 0] == 0.0)
    add = r["dw_pair_all_to_all_additive"]
    want = np.where(dts >= 0, PAIR["a_pre"] * np.exp(-dts / 20.0), PAIR["a_post"] * np.exp(dts / 20.0))
    np.testing.assert_allclose(add, want, rtol=1e-4, atol=1e-7)


def test_window_minimal_triplet_potentiates_with_repeated_pairings():
    """One pairing at +10 ms: no change; ten pairings at 20 Hz: LTP, equal to the closed form."""
    rule = pn.plasticity.TripletSTDP.visual_cortex_minimal()
    r = stdp_window(draw=False, n_pairings=10, frequency=20.0, dt_ms=[10.0, -10.0])
    dw = r["dw_triplet_visual_cortex_minimal"]
    assert dw[0] > 0.01
    np.testing.assert_allclose(dw, [triplet_pairing_dw(rule, d, 20.0, 10) for d in (10.0, -10.0)], rtol=1e-4)


# ----------------------------------------------------------------------------------------------------------------
# sjostrom_frequency
# ----------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sjostrom():
    return sjostrom_frequency(draw=False)


def test_sjostrom_signs_and_crossing(sjostrom):
    f, plus, minus = sjostrom["frequency"], sjostrom["dw_plus"], sjostrom["dw_minus"]
    np.testing.assert_array_equal(f, [0.1, 10, 20, 40, 50])
    assert np.all(plus[f >= 10] > 0.05)
    assert abs(plus[0]) < 1e-3  # no post-post interaction 10 s apart: no LTP at 0.1 Hz
    assert minus[0] < -0.2 and minus[1] < -0.2 and minus[4] > 0.2
    assert 20.0 < sjostrom["crossing_hz"] < 40.0
    assert np.all(np.diff(plus) > 0)  # LTP grows with frequency


def test_sjostrom_simulation_equals_closed_form(sjostrom):
    """The geometric-series closed form of the minimal rule against the simulation at every frequency."""
    np.testing.assert_allclose(sjostrom["dw_plus"], sjostrom["closed_plus"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(sjostrom["dw_minus"], sjostrom["closed_minus"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("preset", ["visual_cortex_full", "hippocampal_full"])
@pytest.mark.parametrize("freq", [10.0, 40.0])
@pytest.mark.parametrize("delta", [7.0, -7.0, 0.0])
def test_closed_form_equals_event_reference(preset, freq, delta):
    """triplet_pairing_dw (all four amplitudes) against the brute-force reference, independent of the simulator."""
    rule = pn.plasticity.TripletSTDP.preset(preset, w_max=10.0)
    n = 12
    arr = 100.0 + 1000.0 / freq * np.arange(n)
    want = reference_triplet(arr, arr + delta, rule, 1.0) - 1.0
    np.testing.assert_allclose(triplet_pairing_dw(rule, delta, freq, n), want, rtol=1e-5, atol=1e-6)


def test_sjostrom_against_data(sjostrom):
    """Model against Sjöström et al. 2001 (mean +- s.e.m.): every point within 2 s.e.m., all but the +10 ms point at
    50 Hz (where the minimal model overshoots, 0.90 against 0.56 +- 0.26) within one."""
    d = SJOSTROM_2001
    np.testing.assert_array_equal(sjostrom["data_plus"], d[:, 1])
    np.testing.assert_array_equal(sjostrom["sem_minus"], d[:, 4])
    assert np.all(np.abs(sjostrom["dw_plus"] - d[:, 1]) <= 2 * d[:, 2])
    assert np.all(np.abs(sjostrom["dw_minus"] - d[:, 3]) <= 2 * d[:, 4])
    np.testing.assert_array_equal(sjostrom["inside_plus"], [True, True, True, True, False])
    np.testing.assert_array_equal(sjostrom["inside_minus"], [True] * 5)
    assert sjostrom["n_inside"] == 9


# ----------------------------------------------------------------------------------------------------------------
# ltp_ltd_induction
# ----------------------------------------------------------------------------------------------------------------


# Across seeds: the test configuration below, seeds 0-4; the bounds were derived from seeds 100-119 of the same
# configuration (docs/seed_statistics.py run ltp_ltd_induction --seeds 100-119 --set hfs_trains=3 --set
# lfs_pulses=300 --set n_units=10). Basis: a sign test over the five seeds (every_seed, p = 1/32), see seedstats.py.
INDUCTION = dict(hfs_trains=3, lfs_pulses=300, n_units=10)
SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def induction():
    return run_seeds(ltp_ltd_induction, SEEDS, **INDUCTION)


def test_hfs_potentiates_to_w_max(induction):
    w_max, w0 = induction[0]["w_max"], induction[0]["w0"]
    top = w_max / w0 - 1.0
    for rule in ("triplet", "pair"):
        rel = [r[f"rel_{rule}_hfs"] for r in induction]
        peak = values(rel, np.max)
        every_seed(peak, peak <= top + 1e-6, f"{rule}: never above w_max")
        # calibration: final relative change 1.0 (triplet, every seed) and 0.985 +- 0.010 [0.966, 1.0] (pair)
        final = values(induction, f"final_{rule}_hfs")
        every_seed(final, final > 0.95 * top, f"{rule}: HFS potentiates to w_max")
        # potentiation accumulates: no large drop between weight samples. The pair rule depresses a little in the
        # 9 s between trains (background firing); calibration: largest drop -0.047 +- 0.0004 (triplet),
        # -0.043 +- 0.004, min -0.052 (pair): bound -0.06, 4 s.d. below the pair's mean (-0.05 at one seed did not
        # hold: seed 3 drops by 0.053 between trains)
        drop = values(rel, lambda x: np.min(np.diff(x)))
        every_seed(drop, drop > -0.06, f"{rule}: no large drop")
        # the tetanus makes the neurons fire (calibration: 9.9 +- 0.06 Hz triplet, 8.4 +- 0.07 Hz pair)
        rate = values(induction, f"rate_{rule}_hfs")
        every_seed(rate, rate > 5.0, f"{rule}: neurons fire during HFS")
    frac = values(induction, "wmax_frac_triplet_hfs")
    every_seed(frac, frac == 1.0, "triplet: every synapse at w_max after HFS")


def test_lfs_depresses_with_triplet_rule(induction):
    # calibration: triplet LFS -0.133 +- 0.010 [-0.149, -0.114]
    final = values(induction, "final_triplet_lfs")
    every_seed(final, final < -0.05, "triplet: LFS depresses")
    # depression grows with the number of pulses (calibration: mid-run -0.065 +- 0.007; end - mid -0.067 +- 0.008)
    rel = [r["rel_triplet_lfs"] for r in induction]
    grows = [x[-1] < x[len(x) // 2] < 0.0 for x in rel]
    every_seed(values(rel, lambda x: x[-1]), grows, "triplet: depression grows with the pulses")
    # the neurons fire at the background rate only: the volleys are subthreshold (calibration 1.00 +- 0.02 Hz)
    rate = values(induction, "rate_triplet_lfs")
    every_seed(rate, rate < 1.5, "LFS volleys are subthreshold")
    # Song's nearly balanced pair window gives only a small change under LFS (see the docstring); calibration:
    # pair LFS +0.005 +- 0.017 [-0.025, +0.040], |triplet| - |pair| 0.119 +- 0.017 [0.080, 0.143]
    pair = values(induction, "final_pair_lfs")
    every_seed(pair, np.abs(pair) < 0.1, "pair: small change under LFS")
    every_seed(pair, np.abs(pair) < np.abs(final), "pair changes less than triplet under LFS")


# ----------------------------------------------------------------------------------------------------------------
# song2000
# ----------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def song():
    # 200 s, seeds 0-4; bounds from seeds 100-119 (docs/seed_statistics.py run song2000 --seeds 100-119
    # --set duration=200000); basis: sign test over the five seeds (every_seed)
    return run_seeds(song2000, SEEDS, duration=200_000.0)


def test_song2000_bimodal_and_rate_normalisation(song):
    for r in song:
        counts, bins = r["counts"], r["bins"]
        assert counts.sum() == 1000 and len(bins) == len(counts) + 1
    # initially uniform in [0, g_max]: each of the 20 bins holds Binomial(1000, 0.05) synapses (50 +- 6.9), so a bin
    # below 26 or above 79 has probability < 3e-4 (3.5 s.d.)
    lo, hi = values(song, lambda r: r["initial_counts"].min()), values(song, lambda r: r["initial_counts"].max())
    every_seed(lo, (lo > 25) & (hi < 80), "initial weights uniform")
    # bimodal (Song et al. 2000, Fig. 2). Calibration (seeds 100-119): below 0.1 g_max 0.267 +- 0.010 [0.248, 0.283],
    # above 0.9 g_max 0.223 +- 0.009 [0.205, 0.236], in 0.3-0.7 0.170 +- 0.011 [0.148, 0.193]; per-seed bounds 3 s.d.
    # beyond the mean (0.238, 0.195, 0.204), rounded outwards. The earlier bounds 0.25, 0.2 and 0.2 were seed-0
    # margins that other seeds cross (0.248 below 0.1 g_max at one calibration seed).
    low, high, mid = (values(song, k) for k in ("frac_low", "frac_high", "frac_middle"))
    every_seed(low, low > 0.235, "a quarter of the weights below 0.1 g_max")
    every_seed(high, high > 0.19, "a fifth above 0.9 g_max")
    every_seed(mid, mid < 0.21, "few in the middle")
    # the edge bins hold 4x a middle bin (0.3-0.7 spans 8 of the 20 bins); calibration 6.4 +- 0.55 [5.5, 7.6]
    edge = values(song, lambda r: min(r["counts"][0], r["counts"][-1]) / 1000 / (r["frac_middle"] / 8))
    every_seed(edge, edge > 4, "the edge bins hold 4x a middle bin")
    # STDP removes uncorrelated excitation: the rate falls (Song et al., Fig. 3). Calibration: end / start rate
    # 0.57 +- 0.10 [0.42, 0.85]: it falls at every seed (bound 0.9, above mean + 3 s.d. = 0.87) and by a quarter on
    # average (one-sided 95% bound of the mean below 0.75; one calibration seed ends at 0.85, so 0.75 is no
    # per-seed bound)
    ratio = values(song, lambda r: r["rate_end"] / r["rate_start"])
    every_seed(ratio, ratio < 0.9, "the postsynaptic rate falls")
    mean_below(ratio, 0.75, "the postsynaptic rate falls by a quarter on average")


# ----------------------------------------------------------------------------------------------------------------
# figures, files, arguments
# ----------------------------------------------------------------------------------------------------------------

SMALL = {
    "stdp_window": dict(n_pairings=2, dt_ms=[-20.0, 0.0, 20.0]),
    "sjostrom_frequency": {},
    "ltp_ltd_induction": dict(hfs_trains=1, lfs_pulses=5, n_units=2),
    "song2000": dict(duration=2000.0, n_inputs=200),
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_draw_and_save(name, tmp_path):
    r = EXPERIMENTS[name](draw=True, out=tmp_path, **SMALL[name])
    assert r.figure is not None and r.figure.axes
    assert (tmp_path / f"{name}.png").stat().st_size > 1000
    doc = json.loads((tmp_path / f"{name}.json").read_text())
    assert doc["name"] == name and doc["summary"] == r.summary and r.summary
    assert set(doc["numbers"]) == set(r.numbers)
    for k, v in r.numbers.items():
        np.testing.assert_allclose(np.asarray(doc["numbers"][k], dtype=float), np.asarray(v, dtype=float), err_msg=k)


@pytest.mark.parametrize(
    "name, kwargs, exc",
    [
        ("stdp_window", dict(scale=0.0), ValueError),
        ("stdp_window", dict(seed=-1), ValueError),
        ("stdp_window", dict(threads="2"), TypeError),
        ("stdp_window", dict(draw=1), TypeError),
        ("stdp_window", dict(bogus=1), TypeError),
        ("stdp_window", dict(dt_ms=[600.0]), ValueError),
        ("stdp_window", dict(n_pairings=0), ValueError),
        ("sjostrom_frequency", dict(frequencies=[0.0, 10.0]), ValueError),
        ("sjostrom_frequency", dict(out=3), TypeError),
        ("ltp_ltd_induction", dict(rules=["bcm"]), ValueError),
        ("ltp_ltd_induction", dict(rules="pair"), TypeError),
        ("ltp_ltd_induction", dict(w0=2.0), ValueError),
        ("song2000", dict(duration=-1.0), ValueError),
        ("song2000", dict(n_inputs=1.5), TypeError),
    ],
)
def test_bad_arguments(name, kwargs, exc):
    with pytest.raises(exc):
        EXPERIMENTS[name](draw=False, **kwargs)


def test_closed_form_arguments():
    rule = pn.plasticity.TripletSTDP.visual_cortex_nearest_full()
    with pytest.raises(ValueError, match="all_to_all"):
        triplet_pairing_dw(rule, 10.0, 20.0, 5)
    with pytest.raises(ValueError, match="delta_ms"):
        triplet_pairing_dw(pn.plasticity.TripletSTDP.visual_cortex_minimal(), 60.0, 20.0, 5)
    with pytest.raises(TypeError):
        triplet_pairing_dw(pn.plasticity.STDP(), 10.0, 20.0, 5)
