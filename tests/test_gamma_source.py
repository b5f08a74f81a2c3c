"""GammaSource: interval statistics against the gamma / shifted exponential closed forms, determinism."""

from __future__ import annotations

import numpy as np
import pytest

import pyneuro as pn

stats = pytest.importorskip("scipy.stats")


def _isis(net, mon, i):
    return np.diff(mon.times[mon.indices == i])


def test_intervals_follow_the_closed_forms():
    dt = 0.01
    net = pn.Network(dt=dt, seed=7)
    pop = net.add_population(pn.models.GammaSource(rate=100.0), 4)
    pop.set("shape", np.array([3.0, 1.0, 1.0, 0.5], dtype=np.float32))
    pop.set("dead_time", np.array([0.0, 0.0, 4.0, 0.0], dtype=np.float32))
    mon = net.record_spikes(pop)
    net.run(40000.0)
    # (shape, dead time): intervals are dead + Gamma(shape, scale 10 ms); emitted on a 0.01 ms grid
    for i, (shape, dead) in enumerate([(3.0, 0.0), (1.0, 0.0), (1.0, 4.0), (0.5, 0.0)]):
        isi = _isis(net, mon, i)
        mean, sd = dead + shape * 10.0, np.sqrt(shape) * 10.0
        n = isi.size
        if shape >= 1:  # (shape 0.5 loses its shortest intervals to the grid: see the KS bound below)
            assert abs(isi.mean() - mean) < 4 * sd / np.sqrt(n) + dt
            assert abs(isi.std() / sd - 1) < 4 * np.sqrt(0.5 * (1 + 3 / shape) / n) + dt / sd  # sd of the sample sd
        # KS at 1%, plus the grid: intervals shorter than a step merge (at most one spike per step), which moves the
        # distribution by at most twice the probability of such an interval, and times shift by < dt
        merged = stats.gamma.cdf(dt, shape, scale=10.0)
        d, p = stats.kstest(isi - dead, "gamma", args=(shape, 0, 10.0))
        assert d < 1.63 / np.sqrt(n) + 2 * merged + 2 * dt / 10.0, (i, d, p)
        assert isi.min() >= dead - dt - 1e-9


def _run(threads, split=None, tmp=None):
    net = pn.Network(dt=0.1, seed=9, threads=threads)
    pop = net.add_population(pn.models.GammaSource(rate=80.0, shape=2.0, dead_time=2.0), 40)
    mon = net.record_spikes(pop)
    if split is None:
        net.run(500.0)
        return mon.times, mon.indices
    net.run(split)
    net.save(tmp)
    t0, i0 = mon.times.copy(), mon.indices.copy()
    net2 = pn.Network.load(tmp)
    mon2 = net2.record_spikes(net2.populations[0])
    net2.run(500.0 - split)
    return np.concatenate([t0, mon2.times]), np.concatenate([i0, mon2.indices])


def test_thread_count_and_checkpoint_bit_identical(tmp_path):
    t1, i1 = _run(1)
    t2, i2 = _run(2)
    o1, o2 = np.lexsort((i1, t1)), np.lexsort((i2, t2))
    np.testing.assert_array_equal(t1[o1], t2[o2])
    np.testing.assert_array_equal(i1[o1], i2[o2])
    t3, i3 = _run(1, split=217.3, tmp=tmp_path / "g.h5")
    o3 = np.lexsort((i3, t3))
    np.testing.assert_array_equal(t1[o1], t3[o3])
    np.testing.assert_array_equal(i1[o1], i3[o3])


def test_silent_and_changed_parameters():
    net = pn.Network(dt=0.1, seed=1)
    pop = net.add_population(pn.models.GammaSource(rate=0.0), 2)
    mon = net.record_spikes(pop)
    net.run(100.0)
    assert mon.times.size == 0
    pop.set("rate", np.array([0.0, 500.0], dtype=np.float32))
    net.run(100.0)
    assert np.all(mon.indices == 1) and mon.times.min() >= 100.0 and mon.times.size > 20


def test_bad_parameters_refused():
    with pytest.raises(ValueError, match="shape"):
        pn.models.GammaSource(shape=0.0)
    with pytest.raises(ValueError, match="rate"):
        pn.models.GammaSource(rate=-1.0)
    net = pn.Network()
    pop = net.add_population(pn.models.GammaSource(), 2)
    with pytest.raises(ValueError, match="dead_time"):
        pop.set("dead_time", -1.0)
    with pytest.raises(ValueError, match="target"):
        net.add_poisson_input(pop, 1, 10.0, 1.0)
