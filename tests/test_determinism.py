"""Bit-identical results for every thread count (DESIGN.md, "Determinism")."""

from __future__ import annotations

import numpy as np
import pytest
from workloads import coba, poisson_delay_net

THREADS = (1, 2, 3, 4)


def _coba_result(threads, stdp, durations=(200.0,)):
    net, c = coba(threads=threads, seed=1, stdp=stdp)
    assert net.threads == threads
    for d in durations:
        net.run(d)
    s, i = c.spikes()
    weights = {k: p.weights for k, p in c.projections.items()}
    state = {(pop.name, v): pop.get(v) for pop in (c.exc, c.inh) for v in ("v", "g_ex", "g_in")}
    return s, i, weights, state


@pytest.fixture(scope="module", params=[False, True], ids=["W1", "W2"])
def reference(request):
    return request.param, _coba_result(1, request.param)


@pytest.mark.parametrize("threads", THREADS[1:])
def test_coba_identical_for_every_thread_count(reference, threads):
    stdp, (s1, i1, w1, st1) = reference
    assert s1.size > 1000  # the network is active
    s, i, w, st = _coba_result(threads, stdp)
    assert np.array_equal(s, s1), f"spike steps differ with threads={threads}"
    assert np.array_equal(i, i1), f"spike indices differ with threads={threads}"
    for k in w1:
        assert w[k].dtype == np.float32
        assert np.array_equal(w[k], w1[k]), f"weights of {k} differ with threads={threads}"
    for k in st1:
        assert np.array_equal(st[k], st1[k]), f"state {k} differs with threads={threads}"
    if stdp:
        assert not np.all(w1["ee"] == np.float32(6.0))  # STDP did change the E->E weights
        assert np.all(w1["ei"] == np.float32(6.0))  # and only those


def test_coba_spike_monitor_times_consistent():
    """SpikeMonitor.times == steps * dt, ascending; indices ascending within a step."""
    net, c = coba(threads=2, seed=1)
    net.run(50.0)
    for m in (c.spikes_exc, c.spikes_inh):
        np.testing.assert_array_equal(m.times, m.steps.astype(np.float64) * 0.1)
        assert np.all(np.diff(m.steps) >= 0)
        same = np.diff(m.steps) == 0
        assert np.all(np.diff(m.indices)[same] > 0)
        assert m.indices.dtype == np.int64 and m.times.dtype == np.float64


def test_coba_chunked_runs_identical(reference):
    """run(200) == run(37.3) + run(0.1) + run(62.6) + run(100), also with another thread count."""
    stdp, (s1, i1, w1, st1) = reference
    s, i, w, st = _coba_result(3, stdp, durations=(37.3, 0.1, 62.6, 100.0))
    assert np.array_equal(s, s1) and np.array_equal(i, i1)
    for k in w1:
        assert np.array_equal(w[k], w1[k])
    for k in st1:
        assert np.array_equal(st[k], st1[k])


def test_different_seed_differs():
    net_a, a = coba(threads=1, seed=1)
    net_b, b = coba(threads=1, seed=2)
    net_a.run(50.0)
    net_b.run(50.0)
    assert not np.array_equal(a.projections["ee"].post, b.projections["ee"].post)
    assert not np.array_equal(a.spikes()[1], b.spikes()[1])


def _poisson_result(threads):
    net, d = poisson_delay_net(threads=threads)
    net.run(150.0)
    out = {}
    for k, m in d["mons"].items():
        if hasattr(m, "steps"):
            out[k] = (m.steps, m.indices)
        elif hasattr(m, "values"):
            out[k] = (m.times, m.values)
        else:
            out[k] = (m.times, m.counts)
    for k, p in d["projs"].items():
        out["proj_" + k] = (p.pre, p.post, p.delay_steps, p.weights)
    for k, pop in d["pops"].items():
        out["pop_" + k] = tuple(pop.get(v) for v in pop.state_vars)
    return out


def test_poisson_and_delays_identical_for_every_thread_count():
    """Poisson sources, heterogeneous multi-step delays, two plastic projections, every recorder."""
    ref = _poisson_result(1)
    assert ref["sp_exc"][0].size > 100 and ref["sp_src"][0].size > 100
    for threads in THREADS[1:]:
        got = _poisson_result(threads)
        assert got.keys() == ref.keys()
        for k in ref:
            for a, b in zip(got[k], ref[k]):
                assert np.array_equal(a, b), f"{k} differs with threads={threads}"
