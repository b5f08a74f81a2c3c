"""Network.timing / Network.phase_times: per-thread wall seconds of the step loop's phases."""

import time

import numpy as np
import pytest

import pyneuro as pn


def _net(threads=1, plastic=True):
    net = pn.Network(dt=0.1, seed=3, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=40.0), 200, name="src")
    pop = net.add_population(pn.models.LIFCond(I_e=300.0), 64, name="pop")
    rule = pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.01, a_post=-0.012, w_max=5.0) if plastic else None
    net.connect(src, pop, pn.conn.FixedProbability(0.3), weight=2.0, delay=1.0, plasticity=rule)
    return net


def test_off_by_default_reports_zeros():
    net = _net()
    assert net.timing is False
    net.run(50.0)
    t = net.phase_times()
    assert sorted(t) == ["deliver", "integrate", "post", "wait"]
    assert all(v.shape == (1,) and v[0] == 0.0 for v in t.values())


@pytest.mark.parametrize("threads", [1, 2])
def test_phases_add_up_to_the_run(threads):
    net = _net(threads)
    net.timing = True
    t0 = time.perf_counter()
    net.run(400.0)
    wall = time.perf_counter() - t0
    t = net.phase_times()
    assert all(v.shape == (threads,) and np.all(v >= 0.0) for v in t.values())
    per_thread = sum(t.values())
    assert np.all(per_thread <= wall * 1.001)
    assert np.all(per_thread >= 0.3 * wall)  # the loop is most of a run (the rest: Python between chunks)
    assert np.all(t["integrate"] > 0.0) and np.all(t["deliver"] > 0.0) and np.all(t["post"] > 0.0)
    # sums accumulate over runs and restart when timing is set again
    net.run(100.0)
    assert np.all(sum(net.phase_times().values()) > per_thread)
    net.timing = True
    assert all(np.all(v == 0.0) for v in net.phase_times().values())


def test_timing_must_be_a_bool():
    net = _net()
    with pytest.raises(TypeError, match="timing"):
        net.timing = "yes"  # type: ignore[assignment]
    assert net.timing is False
