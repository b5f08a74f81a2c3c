"""The experiments of the two rules shipped as user definitions (clopath_frequency, graupner_brunel_stdp) against
the published shapes: Sjöström et al. 2001's frequency dependence as reproduced by Clopath et al. 2010, Fig. 2b, and
the STDP-curve classes of Graupner & Brunel 2012, Fig. 2. Both protocols are deterministic (exactly timed spikes,
no noise): their numbers are checked equal across seeds 0-4 (and 1, 2, 4 threads), so the claims checked at seed 0
hold for every seed."""

from __future__ import annotations

import numpy as np
import pytest

from pyneuro.experiments import EXPERIMENTS
from pyneuro.experiments.graupner_brunel_stdp import PUBLISHED_CLASS, SETS, curve_class


@pytest.fixture(scope="module")
def clopath():
    return EXPERIMENTS["clopath_frequency"].run()


@pytest.fixture(scope="module")
def gb():
    return EXPERIMENTS["graupner_brunel_stdp"].run()


def test_clopath_frequency_dependence_has_the_published_shape(clopath):
    n = clopath.numbers
    np.testing.assert_array_equal(n["frequency"], [0.1, 10.0, 20.0, 40.0, 50.0])
    assert n["post_spikes_on_time"]  # every postsynaptic spike came at its protocol time, to the step
    minus, plus = n["norm_minus"], n["norm_plus"]
    # post-pre: LTD at 0.1-20 Hz, LTP at 40-50 Hz, as the data (71, 59, 66, 156, 175 %)
    assert np.all(minus[:3] < 100.0) and np.all(minus[3:] > 100.0)
    assert 20.0 < n["crossing_hz"] < 40.0
    # growing LTP from 20 Hz on; at 10 and 20 Hz the model depresses equally (59.3, 58.9 %), which the data
    # (59 +- 11, 66 +- 10 %) do not order
    assert np.all(np.diff(minus[2:]) > 0) and abs(minus[2] - minus[1]) < 2.0
    # pre-post: LTP from 10 to 50 Hz, growing with the frequency (data 114, 129, 153, 156 %)
    assert np.all(plus[1:] > 100.0) and np.all(np.diff(plus[1:]) > 0)
    # the data drawn are Sjöström et al.'s on the same normalised scale
    np.testing.assert_allclose(n["data_minus"], [71.0, 59.0, 66.0, 156.0, 175.0])
    np.testing.assert_allclose(n["data_plus"], [96.0, 114.0, 129.0, 153.0, 156.0])
    # against the data at every frequency: pre-post within 1.5 s.e.m. (model 101, 104, 115, 146, 166 %; the
    # isolated pairs of 0.1 Hz leave the weight unchanged, data 96 +- 5 %), post-pre within 2 s.e.m. (model 60, 59,
    # 59, 103, 147 %)
    assert np.all(np.abs(plus - n["data_plus"]) <= 1.5 * n["sem_plus"]), plus
    assert np.all(np.abs(minus - n["data_minus"]) <= 2.0 * n["sem_minus"]), minus


def test_clopath_normalisation_is_repeats_times_one_burst(clopath):
    n = clopath.numbers
    np.testing.assert_allclose(n["norm_plus"], 100.0 + 1500.0 * n["dw_plus"])
    np.testing.assert_allclose(n["norm_minus"], 100.0 + 1500.0 * n["dw_minus"])


@pytest.mark.parametrize("name", ["clopath_frequency", "graupner_brunel_stdp"])
def test_protocols_do_not_depend_on_seed_or_threads(name):
    small = (
        dict(frequencies=(10.0, 40.0)) if name == "clopath_frequency" else dict(n_pairs=5, dt_max=20.0, dt_step=10.0)
    )
    a = EXPERIMENTS[name].run(seed=0, **small)
    for kw in (dict(seed=1), dict(seed=2, threads=2), dict(seed=3, threads=4), dict(seed=4)):
        b = EXPERIMENTS[name].run(**kw, **small)
        assert b.numbers.keys() == a.numbers.keys()
        for k, v in a.numbers.items():
            np.testing.assert_array_equal(np.asarray(b[k]), np.asarray(v), err_msg=f"{name} {kw}: {k}")


def test_graupner_brunel_sets_give_their_published_classes(gb):
    n = gb.numbers
    assert n["n_as_published"] == len(SETS)
    for s in SETS:
        assert (n[f"class_{s}"], n[f"ltd_at_ends_{s}"]) == PUBLISHED_CLASS[s], s
    d = n["delta_t"]
    # DP: the largest LTD lies at small negative Delta t, the largest LTP at small positive Delta t
    dp = n["drho_DP"]
    assert -30.0 <= d[np.argmin(dp)] < 0.0 < d[np.argmax(dp)] <= 30.0
    # D: depression only within the calcium time scale of Delta t = 0 (C_pre + C_post crosses theta_d only there)
    assert np.all(np.abs(d[n["drho_D"] < -5e-3]) <= 20.0)
    # D': depression at every Delta t (theta_p > C_pre + C_post: potentiation is never reached)
    assert np.all(n["drho_Dprime"] < -0.1)


def test_curve_class():
    assert curve_class(np.array([0.0, -0.1, -0.2, 0.001, 0.3, 0.0, -0.1]), 5e-3) == "DPD"
    assert curve_class(np.zeros(4), 5e-3) == "0"
