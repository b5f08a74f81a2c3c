"""Learning-rate and on/off schedules (pn.schedule) and their effect on the rules.

A schedule is a factor f(t) over network time (ms) that multiplies every change a rule makes. It is lowered into
segment rows ``(begin_step, end_step, kind, a, b, c)`` plus a value ``rest`` outside every row
(csrc/plasticity/schedule.hpp), evaluated at the integer step t of each event:

    kind 0  constant      f = a
    kind 1  linear        f = a + (b - a) (t - begin) / (end - begin)
    kind 2  exponential   f = b + (a - b) exp(-(t - begin) / c)           (c in steps)

For pair STDP a change at a post spike (LTP) is scaled by f at the post spike's step, one at an arrival (LTD) by f
at the arrival's step (emission + delay).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import pyneuro as pn
from pyneuro.schedule import Constant, ExponentialDecay, Linear, Piecewise, Window

DT = 0.1


def eval_segments(rows: np.ndarray, rest: float, steps: np.ndarray) -> np.ndarray:
    """Independent evaluator of lowered segment rows at integer steps (the format of schedule.hpp)."""
    steps = np.asarray(steps, dtype=np.int64)
    out = np.full(steps.shape, float(rest))
    assert rows.ndim == 2 and rows.shape[1] == 6
    begins = rows[:, 0]
    assert np.all(np.diff(begins) > 0), "rows sorted by begin"
    assert np.all(rows[1:, 0] >= rows[:-1, 1]), "rows do not overlap"
    for b, e, kind, a, bb, c in rows:
        m = (steps >= b) & (steps < e)
        x = steps[m].astype(np.float64)
        if kind == 0:
            out[m] = a
        elif kind == 1:
            out[m] = a + (bb - a) * (x - b) / (e - b)
        elif kind == 2:
            out[m] = bb + (a - bb) * np.exp(-(x - b) / c)
        else:
            raise AssertionError(f"unknown segment kind {kind}")
    return out


# ----------------------------------------------------------------------------------------------------------------
# schedule objects: closed forms and lowering
# ----------------------------------------------------------------------------------------------------------------

T = np.round(np.arange(-50.0, 3000.0, 0.1), 1)  # ms, on the step grid
STEPS = np.round(T / DT).astype(np.int64)


def test_constant_closed_form():
    s = Constant(0.7)
    np.testing.assert_array_equal(s.at(T), np.full(T.shape, 0.7))
    rows, rest = s.segments(DT)
    assert rows.shape == (0, 6) and rest == 0.7
    np.testing.assert_array_equal(eval_segments(rows, rest, STEPS), s.at(T))


def test_piecewise_closed_form():
    s = Piecewise(times=[100.0, 250.5, 1000.0], values=[0.5, 2.0, 0.0, 1.5])
    want = np.select([T < 100.0, T < 250.5, T < 1000.0], [0.5, 2.0, 0.0], 1.5)
    np.testing.assert_array_equal(s.at(T), want)
    assert s.at(100.0) == 2.0 and s.at(99.9) == 0.5 and s.at(1000.0) == 1.5  # left-closed pieces
    rows, rest = s.segments(DT)
    np.testing.assert_array_equal(eval_segments(rows, rest, STEPS), want)
    assert Piecewise().at(12.0) == 1.0  # no times: one piece


def test_linear_closed_form():
    s = Linear(t_start=200.0, t_stop=1700.0, start=2.0, stop=0.25)
    want = np.where(T < 200.0, 2.0, np.where(T >= 1700.0, 0.25, 2.0 + (0.25 - 2.0) * (T - 200.0) / 1500.0))
    np.testing.assert_allclose(s.at(T), want, rtol=1e-12, atol=0)
    assert s.at(950.0) == pytest.approx(1.125, rel=1e-12)  # midpoint
    rows, rest = s.segments(DT)
    np.testing.assert_allclose(eval_segments(rows, rest, STEPS), want, rtol=1e-12, atol=0)
    rising = Linear(t_start=0.0, t_stop=10.0, start=0.0, stop=1.0)
    np.testing.assert_allclose(rising.at([-1.0, 0.0, 2.5, 10.0, 11.0]), [0.0, 0.0, 0.25, 1.0, 1.0], atol=1e-15)


def test_exponential_decay_closed_form():
    s = ExponentialDecay(start=3.0, end=0.5, tau=400.0, t_start=250.0)
    want = np.where(T < 250.0, 3.0, 0.5 + 2.5 * np.exp(-(T - 250.0) / 400.0))
    np.testing.assert_allclose(s.at(T), want, rtol=1e-12, atol=0)
    assert s.at(650.0) == pytest.approx(0.5 + 2.5 / math.e, rel=1e-12)  # one time constant
    rows, rest = s.segments(DT)
    np.testing.assert_allclose(eval_segments(rows, rest, STEPS), want, rtol=1e-12, atol=0)


def test_window_and_union_closed_form():
    w = Window(300.0, 700.0, inside=1.5, outside=0.2)
    want = np.where((T >= 300.0) & (T < 700.0), 1.5, 0.2)
    np.testing.assert_array_equal(w.at(T), want)
    rows, rest = w.segments(DT)
    np.testing.assert_array_equal(eval_segments(rows, rest, STEPS), want)

    u = Window.union([(1200.0, 1400.0), (100.0, 200.5), (2500.0, math.inf)], inside=2.0, outside=0.0)
    in_u = ((T >= 100.0) & (T < 200.5)) | ((T >= 1200.0) & (T < 1400.0)) | (T >= 2500.0)
    want = np.where(in_u, 2.0, 0.0)
    np.testing.assert_array_equal(u.at(T), want)
    rows, rest = u.segments(DT)
    assert len(rows) == 3
    np.testing.assert_array_equal(eval_segments(rows, rest, STEPS), want)
    # the docstring's "learn for the first 5 s" written both ways
    a, b = Window(0.0, 5000.0), Window(5000.0, math.inf, inside=0.0, outside=1.0)
    grid = np.arange(0.0, 8000.0, 0.5)
    np.testing.assert_array_equal(a.at(grid), b.at(grid))
    np.testing.assert_array_equal(eval_segments(*a.segments(DT), grid * 10), eval_segments(*b.segments(DT), grid * 10))


@pytest.mark.parametrize(
    "sched",
    [
        Constant(0.3),
        Piecewise(times=[10.0, 20.0], values=[1.0, 0.0, 2.0]),
        Linear(5.0, 15.0, 1.0, 3.0),
        ExponentialDecay(2.0, 1.0, 50.0, 7.0),
        Window.union([(0.0, 5.0), (30.0, math.inf)], inside=0.5, outside=1.5),
    ],
    ids=lambda s: s.kind,
)
def test_to_dict_round_trip(sched):
    back = pn.schedule.from_dict(sched.to_dict())
    assert type(back) is type(sched) and back == sched
    np.testing.assert_array_equal(back.at(T), sched.at(T))


def test_times_round_to_the_nearest_step():
    """Off-grid times are rounded to the nearest step (halves up), like delays."""
    rows, rest = Window(10.04, 20.05).segments(DT)
    np.testing.assert_array_equal(rows[:, :2], [[100, 201]])
    rows, _ = Piecewise(times=[0.26], values=[0.0, 1.0]).segments(DT)
    assert rows[0, 1] == 3 and rows[1, 0] == 3


# ----------------------------------------------------------------------------------------------------------------
# scheduled pair STDP: isolated pairs
# ----------------------------------------------------------------------------------------------------------------

A_PRE, A_POST, TAU_PRE, TAU_POST = 0.01, -0.012, 16.8, 33.7
DELAY = 1.7
# pair k: emission at TE[k], arrival at TE[k] + DELAY, post spike at arrival + LAG[k] (both signs, and 0)
N_PAIRS = 60
TE = np.round(20.0 + 41.3 * np.arange(N_PAIRS), 1)
LAG = np.resize(np.array([3.0, -4.5, 10.0, -0.7, 0.0, 25.0, -12.3]), N_PAIRS)
W0 = 0.1


def _stdp(schedule=None):
    return pn.plasticity.STDP(
        tau_pre=TAU_PRE, tau_post=TAU_POST, a_pre=A_PRE, a_post=A_POST, w_min=0.0, w_max=1.0, schedule=schedule
    )


def _run_scheduled_pairs(rule):
    net = pn.Network(dt=DT, seed=2)
    tp = TE + DELAY + LAG
    pre = net.add_population(pn.models.SpikeGenerator(times=TE, indices=np.arange(N_PAIRS)), N_PAIRS)
    post = net.add_population(pn.models.SpikeGenerator(times=tp, indices=np.arange(N_PAIRS)), N_PAIRS)
    k = np.arange(N_PAIRS)
    proj = net.connect(pre, post, pn.conn.FromArrays(k, k), weight=W0, delay=DELAY, plasticity=rule)
    net.run(float(tp.max()) + 10.0)
    return proj.weights


def _pair_dw_expected(sched):
    """Unscheduled closed form times f at the event's step (post spike for LTP, arrival for LTD)."""
    ta = TE + DELAY
    tp = ta + LAG
    step_ltp = np.round(tp / DT)
    step_ltd = np.round(ta / DT)
    ltp = LAG >= 0
    base = np.where(ltp, A_PRE * np.exp(-LAG / TAU_PRE), A_POST * np.exp(LAG / TAU_POST))
    f = sched.at(np.where(ltp, step_ltp, step_ltd) * DT)
    return base * f


SCHEDULES = {
    "linear": Linear(t_start=300.0, t_stop=1800.0, start=2.0, stop=0.25),
    "exponential": ExponentialDecay(start=3.0, end=0.5, tau=400.0, t_start=250.0),
    "window": Window.union([(200.0, 600.0), (900.3, 1400.0)], inside=1.5, outside=0.0),
    "window_outside": Window(1000.0, 2000.0, inside=0.25, outside=1.75),
    "piecewise": Piecewise(times=[500.0, 1000.0, 1600.0], values=[0.5, 2.0, 0.0, 1.0]),
    "constant": Constant(0.7),
}


def test_unscheduled_pairs_closed_form():
    got = _run_scheduled_pairs(_stdp()) - np.float32(W0)
    np.testing.assert_allclose(got, _pair_dw_expected(Constant(1.0)), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_scheduled_pairs_scale_by_schedule_at_event(name):
    sched = SCHEDULES[name]
    got = _run_scheduled_pairs(_stdp(sched)).astype(np.float64)
    want = _pair_dw_expected(sched)
    np.testing.assert_allclose(got - np.float32(W0), want, rtol=1e-5, atol=1e-8)
    off = want == 0.0
    assert np.all(got[off] == np.float32(W0)), "no change where the schedule is 0"
    assert np.all(got[~off] != np.float32(W0))
    if name == "window":
        assert off.sum() > 10 and (~off).sum() > 10


def test_ltd_uses_the_arrival_step_and_ltp_the_post_step():
    """A window edge between an arrival and its post spike: only the event inside the window changes w."""
    # arrival at 100.0 + DELAY; post 5 ms later (LTP at post) or 5 ms earlier (LTD at arrival)
    te = 100.0
    ta = te + DELAY
    edge = ta + 2.0  # window [edge, inf): the LTP post spike (ta + 5) is inside, the LTD arrival (ta) is outside
    for lag, changes in ((5.0, True), (-5.0, False)):
        net = pn.Network(dt=DT, seed=2)
        pre = net.add_population(pn.models.SpikeGenerator(times=[te], indices=[0]), 1)
        post = net.add_population(pn.models.SpikeGenerator(times=[ta + lag], indices=[0]), 1)
        proj = net.connect(
            pre, post, pn.conn.FromArrays([0], [0]), weight=W0, delay=DELAY, plasticity=_stdp(Window(edge))
        )
        net.run(150.0)
        if changes:
            np.testing.assert_allclose(proj.weights, [W0 + A_PRE * math.exp(-5.0 / TAU_PRE)], rtol=1e-6)
        else:
            assert proj.weights[0] == np.float32(W0)
    # and the window [ta, ta + 2): the LTD arrival is inside (its step is the window's first), the post is not
    for lag, want in ((5.0, W0), (-5.0, W0 + A_POST * math.exp(-5.0 / TAU_POST))):
        net = pn.Network(dt=DT, seed=2)
        pre = net.add_population(pn.models.SpikeGenerator(times=[te], indices=[0]), 1)
        post = net.add_population(pn.models.SpikeGenerator(times=[ta + lag], indices=[0]), 1)
        proj = net.connect(
            pre, post, pn.conn.FromArrays([0], [0]), weight=W0, delay=DELAY, plasticity=_stdp(Window(ta, ta + 2.0))
        )
        net.run(150.0)
        np.testing.assert_allclose(proj.weights, [want], rtol=1e-6)


# ----------------------------------------------------------------------------------------------------------------
# switching rules on and off between runs
# ----------------------------------------------------------------------------------------------------------------


def _driven(rules, threads=1, seed=4):
    """Poisson input onto LIFCond neurons (I_e near threshold) through a plastic projection."""
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=30.0), 40, name="src")
    exc = net.add_population(pn.models.LIFCond(I_e=200.0), 8, name="exc")
    proj = net.connect(
        src,
        exc,
        pn.conn.FixedProbability(0.6),
        weight=pn.conn.Uniform(5.0, 15.0),
        delay=pn.conn.Uniform(0.5, 3.0),
        plasticity=rules,
    )
    return net, proj


def _big_stdp(schedule=None, **kw):
    p = dict(tau_pre=20.0, tau_post=20.0, a_pre=0.2, a_post=-0.21, w_min=0.0, w_max=30.0, schedule=schedule)
    return pn.plasticity.STDP(**{**p, **kw})


def test_set_schedule_zero_freezes_and_none_resumes():
    net, proj = _driven([_big_stdp()])
    w_start = proj.weights
    net.run(200.0)
    w1 = proj.weights
    assert np.count_nonzero(w1 != w_start) > len(w1) // 2
    proj.set_schedule(0, 0.0)
    assert proj.plasticity[0].schedule == Constant(0.0)
    net.run(200.0)
    np.testing.assert_array_equal(proj.weights, w1)  # frozen
    proj.set_schedule(0, None)
    assert proj.plasticity[0].schedule is None
    net.run(200.0)
    assert np.count_nonzero(proj.weights != w1) > len(w1) // 2  # learning again
    # the same as one run with the equivalent schedules written in advance (spikes are identical: weights
    # only differ where the rule was off, and it was off nowhere else)
    for sched in (Piecewise(times=[200.0, 400.0], values=[1.0, 0.0, 1.0]), Window.union([(0.0, 200.0), (400.0, 1e9)])):
        twin, tproj = _driven([_big_stdp(sched)])
        twin.run(600.0)
        np.testing.assert_array_equal(tproj.weights, proj.weights)


def test_set_schedule_with_future_window_uses_network_time():
    """Set after 200 ms, Window(300, 400) keeps the rule off in [200, 300) and from 400 on."""
    net, proj = _driven([_big_stdp()])
    net.run(200.0)
    proj.set_schedule(0, Window(300.0, 400.0))
    net.run(100.0)
    w300 = proj.weights
    net.run(100.0)
    w400 = proj.weights
    assert np.count_nonzero(w400 != w300) > len(w300) // 2
    net.run(150.0)
    np.testing.assert_array_equal(proj.weights, w400)
    twin, tproj = _driven([_big_stdp(Piecewise(times=[200.0, 300.0, 400.0], values=[1.0, 0.0, 1.0, 0.0]))])
    twin.run(450.0)
    np.testing.assert_array_equal(tproj.weights, proj.weights)


def test_set_schedule_by_rule_object_touches_only_that_rule():
    """Two composed rules; switching off the second (named by object) equals giving it the schedule up front."""
    r_a, r_b = _big_stdp(), _big_stdp(tau_pre=10.0, tau_post=40.0, a_pre=-0.05, a_post=0.15, interaction="nearest")
    net, proj = _driven([r_a, r_b])
    net.run(150.0)
    proj.set_schedule(r_b, 0.0)
    assert proj.plasticity[0].schedule is None and proj.plasticity[1].schedule == Constant(0.0)
    net.run(150.0)
    twin_b = _big_stdp(Window(0.0, 150.0), tau_pre=10.0, tau_post=40.0, a_pre=-0.05, a_post=0.15, interaction="nearest")
    twin, tproj = _driven([_big_stdp(), twin_b])
    twin.run(300.0)
    np.testing.assert_array_equal(tproj.weights, proj.weights)
    # and rule b alone being off is not the same as both being off
    both, bproj = _driven([_big_stdp(Window(0.0, 150.0)), twin_b])
    both.run(300.0)
    assert not np.array_equal(bproj.weights, proj.weights)


# ----------------------------------------------------------------------------------------------------------------
# checkpoints
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("threads", [1, 2])
def test_schedules_survive_checkpoints(tmp_path, threads):
    def build():
        rules = [
            _big_stdp(ExponentialDecay(start=2.0, end=0.2, tau=150.0, t_start=50.0)),
            _big_stdp(Linear(100.0, 350.0, 0.0, 1.0), tau_pre=8.0, a_pre=0.1, a_post=-0.02, interaction="nearest"),
        ]
        return _driven(rules, threads=threads)

    def switch(proj):  # a schedule changed between runs must be the one that is saved
        proj.set_schedule(1, Window.union([(130.0, 170.0), (260.0, math.inf)], inside=1.5))

    ref, rproj = build()
    ref.run(120.0)
    switch(rproj)
    ref.run(280.0)
    want = rproj.weights

    net, proj = build()
    net.run(120.0)
    switch(proj)
    net.run(97.3)
    w_mid = proj.weights
    path = tmp_path / "sched.h5"
    net.save(path)
    back = pn.Network.load(path)
    bproj = back.projections[0]
    assert bproj.plasticity[0].schedule == proj.plasticity[0].schedule
    assert bproj.plasticity[1].schedule == Window.union([(130.0, 170.0), (260.0, math.inf)], inside=1.5)
    back.run(400.0 - 217.3)
    assert back.step == ref.step
    np.testing.assert_array_equal(bproj.weights, want)
    assert np.count_nonzero(want != w_mid) > len(want) // 2  # the schedules were on after the checkpoint


# ----------------------------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, exc, names",
    [
        (lambda: Piecewise(times=[1.0, 2.0], values=[1.0, 2.0]), ValueError, "Piecewise.values"),
        (lambda: Piecewise(times=[1.0], values=[1.0, 2.0, 3.0]), ValueError, "Piecewise.values"),
        (lambda: Piecewise(times=[2.0, 1.0], values=[1.0, 2.0, 3.0]), ValueError, "Piecewise.times"),
        (lambda: Piecewise(times=[1.0, 1.0], values=[1.0, 2.0, 3.0]), ValueError, "Piecewise.times"),
        (lambda: Piecewise(times=[1.0, math.nan], values=[1.0, 2.0, 3.0]), ValueError, "Piecewise.times[1]"),
        (lambda: Piecewise(times=[1.0], values=[1.0, "x"]), TypeError, "Piecewise.values[1]"),
        (lambda: Linear(t_start=5.0, t_stop=5.0), ValueError, "Linear.t_stop"),
        (lambda: Linear(t_start=5.0, t_stop=1.0), ValueError, "Linear.t_stop"),
        (lambda: Linear(start=math.inf), ValueError, "Linear.start"),
        (lambda: ExponentialDecay(tau=0.0), ValueError, "ExponentialDecay.tau"),
        (lambda: ExponentialDecay(tau=-3.0), ValueError, "ExponentialDecay.tau"),
        (lambda: ExponentialDecay(tau=math.nan), ValueError, "ExponentialDecay.tau"),
        (lambda: Window(10.0, 5.0), ValueError, "Window"),
        (lambda: Window.union([(0.0, 10.0), (5.0, 20.0)]), ValueError, "overlap"),
        (lambda: Window(0.0, 10.0, more=[(9.0, 12.0)]), ValueError, "overlap"),
        (lambda: Window.union([]), ValueError, "Window.union"),
        (lambda: Constant("1"), TypeError, "Constant.value"),
        (lambda: pn.plasticity.STDP(schedule="fast"), TypeError, "STDP.schedule"),
        (lambda: pn.plasticity.TripletSTDP(schedule=[1.0]), TypeError, "TripletSTDP.schedule"),
        (lambda: pn.plasticity.InhibitorySTDP(schedule=True), TypeError, "InhibitorySTDP.schedule"),
    ],
)
def test_bad_schedules_raise_naming_the_argument(make, exc, names):
    with pytest.raises(exc, match=names.replace(".", r"\.").replace("[", r"\[").replace("]", r"\]")):
        make()


def test_bad_set_schedule_changes_nothing():
    net, proj = _driven([_big_stdp(Linear(0.0, 300.0, 1.0, 0.5))])
    net.run(100.0)
    before = (proj.weights, proj.plasticity[0].schedule)
    bad = [
        ((1, 0.0), ValueError, "rule"),
        ((-1, 0.0), ValueError, "rule"),
        ((_big_stdp(), 0.0), ValueError, "rule"),  # a rule object not on this projection
        (("0", 0.0), ValueError, "rule"),
        ((0, "off"), TypeError, "schedule"),
        ((0, [0.0, 1.0]), TypeError, "schedule"),
        ((0, pn.plasticity.STDP()), TypeError, "schedule"),
    ]
    for args, exc, name in bad:
        with pytest.raises(exc, match=name):
            proj.set_schedule(*args)
        np.testing.assert_array_equal(proj.weights, before[0])
        assert proj.plasticity[0].schedule is before[1]
    net.run(200.0)
    twin, tproj = _driven([_big_stdp(Linear(0.0, 300.0, 1.0, 0.5))])
    twin.run(300.0)
    np.testing.assert_array_equal(proj.weights, tproj.weights)  # the engine's schedule was not touched


def test_set_schedule_without_rules_raises():
    net, _ = _driven([_big_stdp()])
    static = net.connect(
        net.populations[0], net.populations[1], pn.conn.FixedProbability(0.2), weight=1.0, name="static"
    )
    with pytest.raises(ValueError, match="static"):
        static.set_schedule(0, 0.0)


def test_numpy_scalar_schedules_are_numbers():
    net, proj = _driven([_big_stdp()])
    proj.set_schedule(0, np.float32(0.5))
    assert proj.plasticity[0].schedule == Constant(0.5)
    assert pn.plasticity.STDP(schedule=np.int64(0)).schedule == Constant(0.0)


@pytest.mark.parametrize("more", [[(20.0, "a")], [(1.0, 2.0, 3.0)], [(20.0, None)]])
def test_bad_window_more_names_the_argument(more):
    with pytest.raises((ValueError, TypeError), match=r"Window\.more"):
        Window(0.0, 10.0, more=more)
