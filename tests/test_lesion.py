"""Lesions (net.lesion): silenced neurons never spike again and keep their ids; selections by ids, fraction and
region; synapse lesions by indices, mask and predicate; spikes in flight to a removed synapse are dropped; at=
lesions equal lesions between runs for every thread count; checkpoints with applied and pending lesions continue
bit for bit; bad input changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

import pyneuro as pn

DT = 0.1


def _spikes(m):
    return np.asarray(m.times), np.asarray(m.indices)


def _train(m, i):
    t, idx = _spikes(m)
    return t[idx == i]


# ----------------------------------------------------------------------------------------------------------------
# 1. silenced neurons, untouched neurons, ids
# ----------------------------------------------------------------------------------------------------------------


def _feedforward(threads=1, seed=5):
    """Generators, Poisson sources and LIFCond neurons driven by I_e to fire, feeding a sink (no recurrence, no
    input into the firing neurons): each neuron's spike train depends on nothing but itself."""
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    times = np.arange(0.5, 60.0, 1.7)
    gen = net.add_population(
        pn.models.SpikeGenerator(times=np.repeat(times, 6), indices=np.tile(np.arange(6), times.size)), 6, name="gen"
    )
    src = net.add_population(pn.models.PoissonSource(rate=150.0), 10, name="src")
    exc = net.add_population(pn.models.LIFCond(I_e=400.0), 8, name="exc")
    exc.set("v", np.linspace(-70.0, -56.0, 8))
    sink = net.add_population(pn.models.LIFCond(V_th=1e3), 5, name="sink")
    for p in (gen, src, exc):
        net.connect(p, sink, pn.conn.AllToAll(), weight=0.1, delay=1.0)
    mons = {p.name: net.record_spikes(p) for p in (gen, src, exc)}
    return net, (gen, src, exc), mons


@pytest.mark.parametrize("threads", [1, 2])
def test_lesioned_neurons_never_spike_and_others_are_unaffected(threads):
    lesioned = {"gen": [1, 4], "src": [0, 3, 9], "exc": [2, 5]}
    ctrl, _, cmon = _feedforward(threads)
    ctrl.run(60.0)
    net, pops, mons = _feedforward(threads)
    projs_before = [(p.pre.copy(), p.post.copy()) for p in net.projections]
    rec = net.lesion(neurons=[(p, lesioned[p.name]) for p in pops], at=20.0)
    assert not rec.applied and rec.synapses_removed is None
    net.run(60.0)
    assert rec.applied
    for p in pops:
        m, c = mons[p.name], cmon[p.name]
        assert p.size == len(p.lesioned) and p.lesioned.dtype == bool
        np.testing.assert_array_equal(np.flatnonzero(p.lesioned), lesioned[p.name])
        for i in range(p.size):
            if i in lesioned[p.name]:
                before = _train(c, i)
                assert np.any(before < 20.0) and np.any(before >= 20.0)  # it was firing throughout in the control
                np.testing.assert_array_equal(_train(m, i), before[before < 20.0 - 1e-9])
            else:
                np.testing.assert_array_equal(_train(m, i), _train(c, i))  # untouched: identical
    # ids stay valid: state is still read and written per neuron
    exc = pops[2]
    assert exc.get("v").shape == (8,)
    exc.set("v", -65.0)
    # every synapse out of a lesioned neuron is gone, the others are kept in canonical order
    removed = 0
    for proj, (pre, post) in zip(net.projections, projs_before):
        keep = ~np.isin(pre, lesioned[proj.source.name])
        np.testing.assert_array_equal(proj.pre, pre[keep])
        np.testing.assert_array_equal(proj.post, post[keep])
        removed += int((~keep).sum())
    assert rec.n_synapses_removed == removed
    kinds = [(e["kind"], e["name"], e["count"]) for e in net.lesions]
    assert ("neurons", "src", 3) in kinds and ("synapses", "src->sink", 15) in kinds
    assert all(e["time"] == pytest.approx(20.0) for e in net.lesions)


def test_remove_synapses_false_keeps_synapses_and_whole_population():
    net, (gen, src, exc), mons = _feedforward()
    sizes = [p.size for p in net.projections]
    rec = net.lesion(neurons=exc, remove_synapses=False)
    assert rec.applied and rec.n_synapses_removed == 0
    assert [p.size for p in net.projections] == sizes
    net.run(20.0)
    assert mons["exc"].times.size == 0 and exc.lesioned.all()
    # its state keeps integrating (documented): I_e still drives v
    assert np.all(np.isfinite(exc.get("v")))


# ----------------------------------------------------------------------------------------------------------------
# 2. selections: fraction and region against numpy references
# ----------------------------------------------------------------------------------------------------------------


def test_fraction_selection_matches_reference():
    net = pn.Network(dt=DT, seed=11)
    a = net.add_population(pn.models.LIF(), 50, name="a")
    b = net.add_population(pn.models.LIF(), 30, name="b")
    r1 = net.lesion(neurons=(a, 0.3))
    r2 = net.lesion(neurons=[(b, 0.25), (a, 1.0)], at=5.0)

    def ref(n, fr, c):
        return np.sort(np.random.default_rng([11, c]).choice(n, int(np.floor(fr * n + 0.5)), replace=False))

    np.testing.assert_array_equal(r1.neurons["a"], ref(50, 0.3, 0))
    np.testing.assert_array_equal(np.flatnonzero(a.lesioned), ref(50, 0.3, 0))
    np.testing.assert_array_equal(r2.neurons["b"], ref(30, 0.25, 1))  # 7.5 -> 8 (halves round up)
    assert r2.neurons["b"].size == 8
    np.testing.assert_array_equal(r2.neurons["a"], np.arange(50))
    assert not b.lesioned.any()  # pending
    net.run(5.0)
    np.testing.assert_array_equal(np.flatnonzero(b.lesioned), ref(30, 0.25, 1))
    assert a.lesioned.all()


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_region_selection_matches_reference(dim):
    net = pn.Network(dt=DT, seed=2)
    p = net.add_population(pn.models.LIF(), 200, name="p")
    q = net.add_population(pn.models.LIF(), 200, name="q")
    xyz = np.random.default_rng(dim).uniform(0.0, 100.0, (200, dim)).astype(np.float32)
    p.positions = xyz
    q.positions = xyz
    c = np.full(dim, 40.0)
    r = net.lesion(neurons=(p, {"center": list(c), "radius": 25.0}))
    x = xyz.astype(np.float64)
    ref = np.flatnonzero(((x - c) ** 2).sum(axis=1) <= 625.0)
    assert 0 < ref.size < 200
    np.testing.assert_array_equal(r.neurons["p"], ref)
    np.testing.assert_array_equal(np.flatnonzero(p.lesioned), ref)
    lo, hi = np.full(dim, 10.0), np.full(dim, 60.0)
    r = net.lesion(neurons=(q, {"box": [lo, hi]}))
    ref = np.flatnonzero(np.all((x >= lo) & (x <= hi), axis=1))
    np.testing.assert_array_equal(np.flatnonzero(q.lesioned), ref)


# ----------------------------------------------------------------------------------------------------------------
# 3. synapse lesions and spikes in flight
# ----------------------------------------------------------------------------------------------------------------


def _syn_net():
    net = pn.Network(dt=DT, seed=4)
    a = net.add_population(pn.models.PoissonSource(rate=50.0), 30, name="a")
    b = net.add_population(pn.models.LIFCond(), 25, name="b")
    proj = net.connect(
        a, b, pn.conn.FixedProbability(0.4), weight=pn.conn.Uniform(0.0, 1.0), delay=pn.conn.Uniform(0.1, 3.0)
    )
    net.run(5.0)
    return net, proj


def _arrays(proj):
    return proj.pre, proj.post, proj.delays, proj.weights


@pytest.mark.parametrize("how", ["ids", "mask", "predicate"])
def test_synapse_lesion_removes_exactly_the_selection(how):
    net, proj = _syn_net()
    pre, post, d, w = _arrays(proj)
    ref = (w > 0.5) & (d >= 1.0) | (pre % 7 == 0)
    assert 0 < ref.sum() < ref.size
    sel = {
        "ids": np.flatnonzero(ref)[::-1].copy(),
        "mask": ref,
        "predicate": lambda p, q, ww, dd: (ww > 0.5) & (dd >= 1.0) | (p % 7 == 0),
    }[how]
    rec = net.lesion(synapses=(proj, sel))
    assert rec.synapses_removed == {proj.name: int(ref.sum())}
    for got, want in zip(_arrays(proj), (pre, post, d, w)):
        np.testing.assert_array_equal(got, want[~ref])
    assert net.lesions == [{"time": 5.0, "kind": "synapses", "name": proj.name, "count": int(ref.sum())}]
    net.run(5.0)  # runs on


def _flight_net(threads):
    """Generator neuron 0 spikes once at 1.0 ms into 3 targets held below threshold (g_ex is the measured input),
    delays 2 ms: arrivals at 3.0 ms."""
    net = pn.Network(dt=DT, seed=1, threads=threads)
    gen = net.add_population(pn.models.SpikeGenerator(times=[1.0], indices=[0]), 2, name="gen")
    tgt = net.add_population(pn.models.LIFCond(tau_syn_ex=2.0, V_th=1e3), 3, name="tgt")
    proj = net.connect(gen, tgt, pn.conn.FromArrays([0, 0, 0], [0, 1, 2]), weight=1.0, delay=2.0)
    mon = net.record_state(tgt, "g_ex")
    return net, gen, tgt, proj, mon


@pytest.mark.parametrize("threads", [1, 3])
def test_spike_in_flight_to_removed_synapse_delivers_nothing(threads):
    net, gen, tgt, proj, mon = _flight_net(threads)
    # at 1.5 ms the spike is in flight: remove synapse 0->0 explicitly and lesion target 2 (its synapse goes too)
    net.lesion(synapses=(proj, [0]), at=1.5)
    net.lesion(neurons=(tgt, [2]), at=1.5)
    net.run(6.0)
    g = mon.values
    assert np.all(g[:, 0] == 0.0) and np.all(g[:, 2] == 0.0)
    assert g[:, 1].max() > 0.5  # the kept synapse delivered
    np.testing.assert_array_equal(proj.post, [1])


# ----------------------------------------------------------------------------------------------------------------
# 4. at= lesions equal lesions between runs
# ----------------------------------------------------------------------------------------------------------------


def _plastic(threads):
    net = pn.Network(dt=DT, seed=9, threads=threads)
    gen = net.add_population(
        pn.models.SpikeGenerator(times=np.arange(0.3, 40.0, 0.9), indices=np.arange(45) % 4), 4, name="gen"
    )
    src = net.add_population(pn.models.PoissonSource(rate=80.0), 30, name="src")
    exc = net.add_population(pn.models.LIFCond(I_e=200.0), 24, name="exc")
    exc.positions = np.random.default_rng(0).uniform(0, 1, (24, 2))
    stdp = pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.05, a_post=-0.05, w_min=0.0, w_max=8.0)
    pse = net.connect(
        src, exc, pn.conn.FixedProbability(0.5), weight=4.0, delay=pn.conn.Uniform(0.5, 2.0), plasticity=stdp
    )
    net.connect(gen, exc, pn.conn.AllToAll(), weight=3.0, delay=1.0)
    net.connect(exc, exc, pn.conn.FixedProbability(0.2), weight=1.0, delay=0.7, plasticity=stdp)
    mons = [net.record_spikes(p) for p in (gen, src, exc)]
    return net, (gen, src, exc), pse, mons


def _lesion_1(net, pops):
    gen, src, exc = pops
    return dict(neurons=[(exc, 0.25), (src, [1, 2]), (gen, [3])])


def _lesion_2(net, pops):
    pse = net.projections[0]
    return dict(synapses=[(pse, lambda p, q, w, d: w > 4.0), (net.projections[2], [0, 3])])


def _lesion_3(net, pops):
    return dict(neurons=(pops[2], {"center": [0.5, 0.5], "radius": 0.3}), remove_synapses=False)


def _state(net, pse, mons):
    return (
        [np.asarray(x).copy() for m in mons for x in _spikes(m)]
        + [np.asarray(x).copy() for p in net.projections for x in _arrays(p)]
        + [p.lesioned for p in net.populations]
    )


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_at_equals_lesion_between_runs(threads):
    # scheduled: all lesions given before the run (the two at 25.0 ms in that order)
    a, apops, apse, amons = _plastic(threads)
    a.lesion(at=12.3, **_lesion_1(a, apops))
    a.lesion(at=25.0, **_lesion_2(a, apops))
    a.lesion(at=25.0, **_lesion_3(a, apops))
    a.run(17.0)
    a_mid = _state(a, apse, amons)
    a.run(23.0)
    # between runs
    b, bpops, bpse, bmons = _plastic(threads)
    b.run(12.3)
    b.lesion(**_lesion_1(b, bpops))
    b.run(4.7)
    b_mid = _state(b, bpse, bmons)
    b.run(8.0)
    b.lesion(**_lesion_2(b, bpops))
    b.lesion(**_lesion_3(b, bpops))
    b.run(15.0)
    for x, y in zip(a_mid, b_mid):
        assert np.array_equal(x, y)
    sa, sb = _state(a, apse, amons), _state(b, bpse, bmons)
    for x, y in zip(sa, sb):
        assert np.array_equal(x, y)
    assert a.lesions == b.lesions and len(a.lesions) > 5
    assert bpops[2].lesioned.sum() > 6 and amons[2].times.size > 0
    # thread-count independence of the lesioned run
    if threads > 1:
        c, cpops, cpse, cmons = _plastic(1)
        c.lesion(at=12.3, **_lesion_1(c, cpops))
        c.lesion(at=25.0, **_lesion_2(c, cpops))
        c.lesion(at=25.0, **_lesion_3(c, cpops))
        c.run(40.0)
        for x, y in zip(sa, _state(c, cpse, cmons)):
            assert np.array_equal(x, y)


@pytest.mark.parametrize("threads", [1, 3])
def test_at_applies_before_its_step(threads):
    """A lesion at t applies before step round(t / dt) is simulated: a spike in exactly that step is dropped, the one
    just before is kept; the same holds between runs."""
    for between in (False, True):
        net = pn.Network(dt=DT, seed=1, threads=threads)
        gen = net.add_population(
            pn.models.SpikeGenerator(times=[10.0, 10.1, 10.2, 10.1], indices=[0, 0, 0, 1]), 2, name="gen"
        )
        mon = net.record_spikes(gen)
        if between:
            net.run(10.1)
            net.lesion(neurons=(gen, [0]))
        else:
            net.lesion(neurons=(gen, [0]), at=10.1)
        net.run(20.0 - net.time)
        np.testing.assert_allclose(_train(mon, 0), [10.0])
        np.testing.assert_allclose(_train(mon, 1), [10.1])


# ----------------------------------------------------------------------------------------------------------------
# 5. checkpoints
# ----------------------------------------------------------------------------------------------------------------


def test_checkpoint_with_applied_and_pending_lesions(tmp_path):
    net, pops, pse, mons = _plastic(2)
    net.run(8.0)
    net.lesion(**_lesion_1(net, pops))
    net.lesion(synapses=(pse, np.arange(0, pse.size, 5)), at=15.0)
    net.lesion(at=21.3, **_lesion_3(net, pops))
    lesioned, log = [p.lesioned for p in net.populations], list(net.lesions)
    net.save(tmp_path / "c.h5")
    net.run(20.0)
    assert len(net.lesions) > len(log)
    for threads in (2, 3):
        new = pn.Network.load(tmp_path / "c.h5", threads=threads)
        assert new.lesions == log
        for p, want in zip(new.populations, lesioned):
            np.testing.assert_array_equal(p.lesioned, want)
        assert [x.step for x in new.scheduler if isinstance(x, pn.lesion.Lesion)] == [150, 213]
        new.run(20.0)
        for x, y in zip(_state(net, pse, mons), _state(new, new.projections[0], new.monitors)):
            assert np.array_equal(x, y)
        assert new.lesions == net.lesions


def test_checkpoint_refuses_pending_predicate(tmp_path):
    net, pops, pse, mons = _plastic(1)
    net.lesion(at=5.0, **_lesion_2(net, pops))
    with pytest.raises(ValueError, match="predicate"):
        net.save(tmp_path / "p.h5")
    assert not (tmp_path / "p.h5").exists()
    net.run(5.0)  # applied: now it saves
    net.save(tmp_path / "p.h5")
    assert pn.Network.load(tmp_path / "p.h5").lesions == net.lesions


def test_old_checkpoint_without_lesions_loads(tmp_path):
    net, pops, pse, mons = _plastic(1)
    net.run(2.0)
    net.save(tmp_path / "o.h5")
    import h5py

    with h5py.File(tmp_path / "o.h5", "a") as f:
        del f["lesions"]
    new = pn.Network.load(tmp_path / "o.h5")
    assert new.lesions == [] and not any(p.lesioned.any() for p in new.populations)


# ----------------------------------------------------------------------------------------------------------------
# 6. bad input changes nothing
# ----------------------------------------------------------------------------------------------------------------


def test_bad_input_changes_nothing():
    net, (gen, src, exc), pse, mons = _plastic(1)
    other = pn.Network()
    stranger = other.add_population(pn.models.LIF(), 3)
    net.run(1.0)
    sizes = [p.size for p in net.projections]
    cases = [
        (TypeError, dict(neurons="exc"), "neurons"),
        (TypeError, dict(neurons=[(exc, 0.5), 3]), r"neurons\[1\]"),
        (ValueError, dict(neurons=[(exc, 0.5), (exc, [24])]), r"neurons\[1\]"),  # counter must not advance
        (ValueError, dict(neurons=(exc, [-1])), "neurons"),
        (TypeError, dict(neurons=(exc, [0.5])), "neurons"),
        (ValueError, dict(neurons=(exc, 0.0)), "fraction"),
        (ValueError, dict(neurons=(exc, 1.5)), "fraction"),
        (TypeError, dict(neurons=(exc, None)), "neurons"),
        (ValueError, dict(neurons=(src, {"center": [0, 0], "radius": 1.0})), "no positions"),
        (ValueError, dict(neurons=(exc, {"center": [0, 0, 0], "radius": 1.0})), "center"),
        (ValueError, dict(neurons=(exc, {"center": [0, 0], "radius": -1.0})), "radius"),
        (ValueError, dict(neurons=(exc, {"box": [[1, 1], [0, 0]]})), "box"),
        (ValueError, dict(neurons=(exc, {"ball": 1})), "region"),
        (ValueError, dict(neurons=stranger), "another network"),
        (ValueError, dict(neurons=exc, at=0.5), "at"),
        (TypeError, dict(neurons=exc, at="soon"), "at"),
        (TypeError, dict(neurons=exc, remove_synapses=1), "remove_synapses"),
        (ValueError, dict(), "neurons=.*synapses="),
        (ValueError, dict(synapses=(pse, np.ones(3, bool))), "mask"),
        (ValueError, dict(synapses=(pse, [pse.size])), "synapses"),
        (TypeError, dict(synapses=pse), "synapses"),
        (TypeError, dict(synapses=(pse, "all")), "synapses"),
        (TypeError, dict(neurons=(exc, [1]), synapses=(pse, lambda p, q, w, d: 1)), "predicate"),
        (TypeError, dict(synapses=(pse, lambda p, q, w, d: np.ones(3, bool))), "predicate"),
    ]
    for exc_type, kw, match in cases:
        with pytest.raises(exc_type, match=match):
            net.lesion(**kw)
        assert not any(p.lesioned.any() for p in net.populations), kw
        assert [p.size for p in net.projections] == sizes and net.lesions == [] and len(net.scheduler) == 0
        assert net._lesion_counter == 0
    net.run(1.0)
