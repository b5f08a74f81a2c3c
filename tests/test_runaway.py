"""Divergence detection: runaway rates and NaN stop a run with pn.SimulationError naming the population and the
time; the network stays consistent and can run on (DESIGN.md, "Public API contract")."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pyneuro as pn


def _exploding(threads=1, max_rate=200.0):
    net = pn.Network(dt=0.1, seed=3, threads=threads, max_rate=max_rate)
    quiet = net.add_population(pn.models.LIF(), 10, name="quiet")
    exc = net.add_population(pn.models.LIF(I_e=500.0, t_ref=0.5), 100, name="exc")
    src = net.add_population(pn.models.PoissonSource(rate=5000.0), 10, name="src")  # sources are never checked
    net.connect(exc, exc, pn.conn.FixedProbability(0.2), weight=200.0, delay=0.5)
    net.connect(src, quiet, pn.conn.AllToAll(), weight=1.0)
    sm = net.record_spikes(exc)
    return net, exc, sm


@pytest.mark.parametrize("threads", [1, 2])
def test_runaway_rate_raises_and_network_runs_on(threads):
    net, exc, sm = _exploding(threads)
    with pytest.raises(pn.SimulationError) as info:
        net.run(500.0)
    e = info.value
    assert e.population == "exc" and e.reason == "rate"
    # the check window is 100 ms: the first window already exceeds 200 Hz
    assert e.time == pytest.approx(100.0)
    msg = str(e)
    assert "'exc'" in msg and "100.0 ms" in msg and "max_rate" in msg
    # stopped at the end of the last completed step, consistent
    assert net.time == pytest.approx(e.time) and net.step == 1000
    n_spikes = sm.count
    rate = n_spikes / exc.size / 0.1
    assert rate > 200.0
    assert sm.times.max() < e.time
    assert np.all(np.isfinite(exc.get("v")))
    # run on without the bound
    net.max_rate = math.inf
    net.run(50.0)
    assert net.step == 1500
    assert sm.count > n_spikes


def test_runaway_identical_for_thread_counts():
    out = []
    for threads in (1, 3):
        net, exc, sm = _exploding(threads)
        with pytest.raises(pn.SimulationError) as info:
            net.run(300.0)
        out.append((info.value.time, str(info.value), sm.steps, sm.indices, exc.get("v")))
    a, b = out
    assert a[0] == b[0] and a[1] == b[1]
    for x, y in zip(a[2:], b[2:]):
        assert np.array_equal(x, y)


def test_rate_below_bound_does_not_stop():
    net, exc, sm = _exploding(max_rate=math.inf)
    net.run(250.0)
    assert net.step == 2500 and sm.count > 0


def test_set_refuses_nan():
    net = pn.Network()
    pop = net.add_population(pn.models.LIFCond(), 3)
    before = pop.get("v")
    with pytest.raises(ValueError, match="v"):
        pop.set("v", float("nan"))
    with pytest.raises(ValueError, match="v"):
        pop.set("v", [0.0, np.nan, 0.0])
    with pytest.raises(ValueError, match="g_ex"):
        pop.set("g_ex", [0.0, np.inf, 0.0])
    assert np.array_equal(pop.get("v"), before)


@pytest.mark.parametrize("threads", [1, 2])
def test_nan_raises_and_network_runs_on_after_repair(threads):
    """v cannot be set to NaN, but huge finite conductances overflow into inf - inf = NaN in the v update."""
    net = pn.Network(threads=threads)
    ok = net.add_population(pn.models.LIFCond(), 4, name="ok")
    bad = net.add_population(pn.models.LIFCond(), 4, name="bad")
    bad.set("g_ex", [0.0, 3e38, 0.0, 0.0])
    bad.set("g_in", [0.0, 3e38, 0.0, 0.0])
    with pytest.raises(pn.SimulationError) as info:
        net.run(300.0)
    e = info.value
    assert e.population == "bad" and e.reason == "nan"
    assert "'bad'" in str(e) and "NaN" in str(e)
    assert 0.0 < e.time <= 100.0 + 1e-9  # found by the end of the first check window at the latest
    assert f"{e.time:.1f} ms" in str(e)
    assert net.time == pytest.approx(e.time)
    v = bad.get("v")
    assert np.isnan(v[1]) and np.all(np.isfinite(np.delete(v, 1)))
    assert np.all(np.isfinite(ok.get("v")))
    # repair the state and run on
    bad.set("v", -70.0)
    bad.set("g_ex", 0.0)
    bad.set("g_in", 0.0)
    step = net.step
    net.run(150.0)
    assert net.step == step + 1500
    assert np.all(np.isfinite(bad.get("v")))


def test_nan_still_stops_with_infinite_max_rate():
    net = pn.Network(max_rate=math.inf)
    bad = net.add_population(pn.models.LIFCond(), 2, name="bad")
    bad.set("g_ex", 3e38)
    bad.set("g_in", 3e38)
    with pytest.raises(pn.SimulationError, match="bad"):
        net.run(20.0)
