"""Checkpoints (DESIGN.md "Files", Network.save / Network.load): a restored network continues bit for bit."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from workloads import coba, poisson_delay_net

import pyneuro as pn

DATA = Path(__file__).parent / "data"


def snapshot(net: pn.Network) -> dict[str, np.ndarray]:
    """Everything observable about a network: clock, state of every population, every synapse, recorders."""
    out: dict[str, np.ndarray] = {"step": np.array([net.step])}
    for pop in net.populations:
        for var in pop.state_vars:
            out[f"pop/{pop.name}/{var}"] = pop.get(var)
    for pr in net.projections:
        out[f"proj/{pr.name}/pre"] = pr.pre
        out[f"proj/{pr.name}/post"] = pr.post
        out[f"proj/{pr.name}/delay_steps"] = pr.delay_steps
        out[f"proj/{pr.name}/weights"] = pr.weights
    for k, m in enumerate(net.monitors):
        key = f"mon/{k}/{m.kind}"
        if isinstance(m, pn.SpikeMonitor):
            out[key + "/steps"] = m.steps
            out[key + "/indices"] = m.indices
        elif isinstance(m, (pn.StateMonitor, pn.WeightMonitor)):
            out[key + "/times"] = m.times
            out[key + "/values"] = m.values
        elif isinstance(m, pn.RateMonitor):
            out[key + "/times"] = m.times
            out[key + "/counts"] = m.counts
            out[key + "/rate"] = m.rate
    return out


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray], what: str = "") -> None:
    assert a.keys() == b.keys(), what
    for k in a:
        assert a[k].dtype == b[k].dtype, f"{what}: dtype of {k}"
        assert a[k].shape == b[k].shape, f"{what}: shape of {k}: {a[k].shape} vs {b[k].shape}"
        assert np.array_equal(a[k], b[k]), f"{what}: {k} differs"


def _split_vs_straight(build, tmp_path, t_save=100.0, t_more=100.0, threads_load=None):
    net_a, _ = build()
    net_a.run(t_save + t_more)
    straight = snapshot(net_a)

    net_b, _ = build()
    net_b.run(t_save)
    before = snapshot(net_b)
    path = tmp_path / "ckpt.h5"
    net_b.save(path)
    assert_same(snapshot(net_b), before, "saving changed the network")
    net_c = pn.Network.load(path, threads=threads_load)
    assert net_c.step == net_b.step and net_c.time == pytest.approx(net_b.time)
    assert [p.name for p in net_c.populations] == [p.name for p in net_b.populations]
    assert [p.name for p in net_c.projections] == [p.name for p in net_b.projections]
    assert [m.kind for m in net_c.monitors] == [m.kind for m in net_b.monitors]
    assert_same(snapshot(net_c), before, "the loaded network differs from the saved one")
    net_c.run(t_more)
    # the saved network also continues identically after having been saved
    net_b.run(t_more)
    assert_same(snapshot(net_b), straight, "save() disturbed the continuation")
    assert_same(snapshot(net_c), straight, "load + run differs from a straight run")
    return net_c, straight


@pytest.mark.parametrize(
    "stdp,threads_load", [(False, None), (True, None), (True, 3)], ids=["W1", "W2", "W2-load-3-threads"]
)
def test_coba_save_load_continue(tmp_path, stdp, threads_load):
    def build():
        net, c = coba(threads=2, stdp=stdp)
        net.record_state(c.exc, "v", indices=[0, 7, 3199], every=0.1)
        net.record_state(c.inh, "g_ex", every=10.0)
        net.record_weights(c.projections["ee"], indices=np.arange(0, 200000, 997), every=20.0)
        net.record_rate(c.exc, bin=5.0)
        return net, c

    net, straight = _split_vs_straight(build, tmp_path, threads_load=threads_load)
    assert straight["mon/0/spikes/steps"].size > 1000
    if stdp:
        w = straight["proj/ee/weights"]
        assert not np.all(w == np.float32(6.0))
        assert net.projections[0].plasticity[0] == pn.plasticity.STDP(
            tau_pre=20.0, tau_post=20.0, a_pre=0.12, a_post=-0.126, w_min=0.0, w_max=12.0
        )


@pytest.mark.parametrize("threads_load", [None, 1, 3])
def test_poisson_and_spikes_in_flight(tmp_path, threads_load):
    """PoissonSource input, delays up to 47 steps (spikes in flight at the save point), plastic projections whose
    pre traces are read in the past, every kind of recorder; loading with another thread count too."""
    net, straight = _split_vs_straight(
        lambda: poisson_delay_net(threads=2), tmp_path, t_save=100.0, t_more=100.0, threads_load=threads_load
    )
    assert net.threads == (2 if threads_load is None else threads_load)
    # spikes were in flight: some source spikes of the last 4.7 ms before the save point arrive after it
    src_steps = straight["mon/0/spikes/steps"]
    assert np.any((src_steps >= 1000 - 46) & (src_steps < 1000))


def test_loaded_network_saved_again(tmp_path):
    """A loaded network can be saved and loaded again (with another thread count) and still continues exactly."""
    net_a, _ = poisson_delay_net(threads=1)
    net_a.run(90.0)
    ref = snapshot(net_a)
    net_b, _ = poisson_delay_net(threads=1)
    net_b.run(30.0)
    net_b.save(tmp_path / "a.h5")
    net_c = pn.Network.load(tmp_path / "a.h5")
    net_c.run(30.0)
    net_c.save(tmp_path / "b.h5")
    net_d = pn.Network.load(tmp_path / "b.h5", threads=2)
    net_d.run(30.0)
    assert_same(snapshot(net_d), ref)


_SAVE_BEFORE_RUN = """
import sys
sys.path.insert(0, {tests!r})
import numpy as np
import pyneuro as pn
from workloads import poisson_delay_net
from test_checkpoint import snapshot, assert_same
net_a, _ = poisson_delay_net(threads=1, weight_monitors={wm!r})
net_a.run(40.0)
net_b, _ = poisson_delay_net(threads=1, weight_monitors={wm!r})
net_b.save({path!r})  # built, never run
net_c = pn.Network.load({path!r}, threads=2)
net_c.run(40.0)
assert_same(snapshot(net_c), snapshot(net_a))
# a population added after a run and never run itself
net_d = pn.Network()
a = net_d.add_population(pn.models.LIF(), 3)
net_d.run(1.0)
net_d.add_population(pn.models.LIF(), 2)
net_d.save({path!r})
net_e = pn.Network.load({path!r})
assert net_e.step == 10
net_e.run(1.0)
print("OK")
"""


def _save_before_run(tmp_path, weight_monitors):
    import subprocess
    import sys

    code = _SAVE_BEFORE_RUN.format(
        tests=str(Path(__file__).parent), path=str(tmp_path / "fresh.h5"), wm=weight_monitors
    )
    # cwd outside the source tree: "python -c" puts the cwd first on sys.path, where the uncompiled sources are
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0 and "OK" in r.stdout, f"rc={r.returncode}\n{r.stdout}\n{r.stderr[-2000:]}"


def test_save_before_first_run(tmp_path):
    """Saving a freshly built network is legitimate use; run in a subprocess, as this used to crash the process
    (SIGSEGV in SpikeRing::save reading an unconfigured ring)."""
    _save_before_run(tmp_path, weight_monitors=False)


def test_save_before_first_run_with_weight_monitors(tmp_path):
    """Regression: with a WeightMonitor, the loaded never-run network crashed (SIGSEGV in Engine::record_weights)
    on its first run()."""
    _save_before_run(tmp_path, weight_monitors=True)


def test_network_attributes_restored(tmp_path):
    net = pn.Network(dt=0.05, seed=12345678901234, threads=2, max_rate=321.0)
    pop = net.add_population(pn.models.LIF(), 3, name="a")
    net.run(1.0)
    net.save(tmp_path / "c.h5")
    net2 = pn.Network.load(tmp_path / "c.h5")
    assert (net2.dt, net2.seed, net2.threads, net2.max_rate, net2.step) == (0.05, 12345678901234, 2, 321.0, 20)
    assert net2.populations[0].name == "a" and net2.populations[0].size == 3
    assert net2.populations[0].model == pop.model


def test_unknown_format_version_is_refused(tmp_path):
    net, _ = poisson_delay_net(threads=1)
    net.run(5.0)
    path = tmp_path / "future.h5"
    net.save(path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = 99
    with pytest.raises(ValueError, match=r"version 99"):
        pn.Network.load(path)
    with h5py.File(path, "r+") as f:
        f.attrs["format"] = "something-else"
    with pytest.raises(ValueError):
        pn.Network.load(path)
    with pytest.raises(FileNotFoundError):
        pn.Network.load(tmp_path / "missing.h5")


# ---------------------------------------------------------------------------------------------------------------
# a version-1 file written once by tests/data/make_checkpoint_v1.py (commit it; never regenerate it silently)
# ---------------------------------------------------------------------------------------------------------------

V1 = DATA / "checkpoint_v1.h5"


def test_version_1_file_loads():
    assert V1.exists(), "tests/data/checkpoint_v1.h5 is missing (python tests/data/make_checkpoint_v1.py)"
    assert V1.stat().st_size < 200_000
    with h5py.File(V1, "r") as f:
        assert int(f.attrs["format_version"]) == 1
    net = pn.Network.load(V1)
    # numbers written by make_checkpoint_v1.py (the time of writing: pyneuro 0.1.0, format version 1)
    assert net.dt == 0.1 and net.seed == 42 and net.step == 500 and net.time == pytest.approx(50.0)
    assert [(p.name, p.size, type(p.model).__name__) for p in net.populations] == [
        ("src", 20, "PoissonSource"),
        ("gen", 3, "SpikeGenerator"),
        ("exc", 10, "LIFCond"),
    ]
    assert [(p.name, p.size) for p in net.projections] == [("src->exc", 40), ("gen->exc", 6)]
    assert [m.kind for m in net.monitors] == ["spikes", "spikes", "state", "weights"]
    src_exc, gen_exc = net.projections
    assert src_exc.plasticity == [
        pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.5, a_post=-0.5, w_min=0.0, w_max=10.0)
    ]
    assert gen_exc.plasticity == []
    np.testing.assert_array_equal(gen_exc.pre, [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(gen_exc.post, [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(gen_exc.delays, np.full(6, 2.0))
    np.testing.assert_array_equal(gen_exc.weights, np.full(6, 30.0, dtype=np.float32))
    np.testing.assert_array_equal(src_exc.delay_steps[:6], KNOWN["src_exc_delay_steps_6"])
    np.testing.assert_allclose(float(src_exc.weights.astype(np.float64).sum()), KNOWN["src_exc_w_sum"], rtol=1e-6)
    np.testing.assert_array_equal(net.populations[0].get("rate"), np.full(20, 50.0, np.float32))
    np.testing.assert_allclose(net.populations[2].get("v")[:3], KNOWN["exc_v_3"], rtol=1e-6)
    sm_src, sm_exc, vm, wm = net.monitors
    assert (sm_src.count, sm_exc.count) == (KNOWN["n_src_spikes"], KNOWN["n_exc_spikes"])
    assert vm.values.shape == (500, 2) and wm.values.shape == (5, 40)
    np.testing.assert_array_equal(wm.times, [0.0, 10.0, 20.0, 30.0, 40.0])
    np.testing.assert_array_equal(wm.values[0], np.full(40, 5.0, np.float32))
    # it runs on: recorders keep accumulating; the generator still holds its event at 60 ms
    sm_gen = net.record_spikes(net.populations[1])
    net.run(20.0)
    assert net.step == 700
    np.testing.assert_array_equal(sm_gen.times, [60.0])
    np.testing.assert_array_equal(sm_gen.indices, [0])
    assert vm.values.shape == (700, 2) and wm.values.shape == (7, 40)
    assert sm_src.count > KNOWN["n_src_spikes"]


#: printed by tests/data/make_checkpoint_v1.py when the file was written
KNOWN = {
    "src_exc_delay_steps_6": [5, 5, 8, 17, 25, 15],
    "src_exc_w_sum": 202.86227369308472,
    "exc_v_3": [-55.860897064208984, -56.17354202270508, -55.874942779541016],
    "n_src_spikes": 50,
    "n_exc_spikes": 2,
}


def test_new_files_carry_format_version_4(tmp_path):
    # version 4: every saved object writes its own group, named by its kind (pyneuro/io.py); version 3 added the
    # time convention and Poisson inputs, version 2 rule state etc.
    net = pn.Network(dt=0.1, seed=1)
    net.add_population(pn.models.LIF(), 3)
    net.save(tmp_path / "n.h5")
    with h5py.File(tmp_path / "n.h5", "r") as f:
        assert int(f.attrs["format_version"]) == 4
        assert f["populations/0"].attrs["kind"] == "population"


# ---------------------------------------------------------------------------------------------------------------
# a version-3 file written once by tests/data/make_checkpoint_v3.py with the pyneuro of format 3 (committed)
# ---------------------------------------------------------------------------------------------------------------

V3 = DATA / "checkpoint_v3.h5"


def _v3_builder():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_checkpoint_v3", DATA / "make_checkpoint_v3.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("threads", [None, 3])
def test_version_3_file_continues_as_a_fresh_run(threads):
    """The format-3 layout (pending lesions under lesions/pending, neurogenesis epochs as population attributes, no
    kinds) is converted on reading; the network continues bit for bit as the same network run without a checkpoint:
    the pending lesions apply at their steps, the neurogenesis epochs fire, the snapshots are taken."""
    assert V3.exists(), "tests/data/checkpoint_v3.h5 is missing (see tests/data/make_checkpoint_v3.py)"
    assert V3.stat().st_size < 300_000
    with h5py.File(V3, "r") as f:
        assert int(f.attrs["format_version"]) == 3
        assert "pending" in f["lesions"] and "neuro_next" in f["populations/1"].attrs
    mod = _v3_builder()
    loaded = pn.Network.load(V3, threads=threads)
    assert loaded.step == round(mod.T_SAVE / 0.1)
    assert [(p.name, p.size) for p in loaded.populations] == [("src", 30), ("exc", 20), ("dg", 13)]
    assert [x.step for x in loaded.scheduler if isinstance(x, pn.lesion.Lesion)] == [340, 340, 413]
    fresh = mod.build()
    sizes = [p.size for p in fresh.populations]
    for net in (fresh, loaded):
        net.run(30.0)
    a, b = snapshot(fresh), snapshot(loaded)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert fresh.lesions == loaded.lesions and len(fresh.lesions) >= 3
    np.testing.assert_array_equal(fresh.structural_log, loaded.structural_log)
    sf, sl = fresh.monitors[2], loaded.monitors[2]
    assert len(sf) == len(sl) > 6
    for k in range(len(sf)):
        for col in ("pre", "post", "delay", "weight"):
            np.testing.assert_array_equal(sf.snapshot(k)[col], sl.snapshot(k)[col])
    # what happened after the save: neurons grown, synapses lesioned and pruned
    assert [p.size for p in fresh.populations] != sizes
    assert set(fresh.structural_log["kind"][fresh.structural_log["t"] > mod.T_SAVE]) >= {"lesioned", "neuron_added"}


def test_pending_events_round_trip_in_the_current_format(tmp_path):
    """The same network saved by this pyneuro (format 4: pending lesions and neurogenesis epochs in the scheduler's
    group, in the order scheduled) continues bit for bit as the run without a checkpoint."""
    mod = _v3_builder()
    net = mod.build()
    path = tmp_path / "c.h5"
    net.save(path)
    with h5py.File(path, "r") as f:
        kinds = [f[f"scheduled/{k}"].attrs["kind"] for k in range(len(f["scheduled"]))]
    assert kinds == ["neurogenesis", "neurogenesis", "neurogenesis", "lesion", "lesion", "lesion"]
    loaded = pn.Network.load(path, threads=1)
    assert len(loaded.scheduler) == len(net.scheduler) == 7  # and the structure recorder
    for n in (net, loaded):
        n.run(30.0)
    a, b = snapshot(net), snapshot(loaded)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert net.lesions == loaded.lesions
    np.testing.assert_array_equal(net.structural_log, loaded.structural_log)


def test_traces_matched_by_time_constant_when_rules_are_attached_in_another_order(tmp_path):
    """A structural rule added after a later projection's plasticity rule creates its rate traces after that rule's
    traces; a loaded network attaches it with its own projection, i.e. earlier. The traces are matched by (tau,
    mode), so the run continues bit for bit (by index they were swapped)."""
    import numpy as np

    import pyneuro as pn

    def build():
        net = pn.Network(dt=0.1, seed=4)
        a = net.add_population(pn.models.LIF(I_e=380.0), 80, name="a")
        a.set("v", np.linspace(-70.0, -52.0, 80))
        b = net.add_population(pn.models.LIF(I_e=300.0), 40, name="b")
        ba = net.connect(b, a, pn.conn.FixedProbability(0.1), weight=2.0, delay=0.8, receptor="inh", name="ba")
        stdp = pn.plasticity.STDP(tau_pre=15.0, tau_post=25.0, a_pre=0.3, a_post=-0.32, w_min=0.0, w_max=8.0)
        net.connect(a, b, pn.conn.FixedProbability(0.1), weight=2.0, delay=1.0, plasticity=stdp, name="ab")
        ba.add_structural(
            pn.structural.HomeostaticGrowth(
                target_rate=30.0, growth_rate=50.0, tau_rate=20.0, weight=2.0, delay=0.8, interval=10.0
            )
        )
        return net, net.record_spikes(a)

    net, m = build()
    net.run(100.0)
    net.run(100.0)
    net2, _ = build()
    net2.run(100.0)
    net2.save(tmp_path / "net.h5")
    net3 = pn.Network.load(tmp_path / "net.h5")
    net3.run(100.0)
    m3 = net3.monitors[0]
    assert m.steps.size > 100
    assert np.array_equal(m.steps, m3.steps) and np.array_equal(m.indices, m3.indices)
    for p, q in zip(net.projections, net3.projections, strict=True):
        assert np.array_equal(p.post, q.post) and np.array_equal(p.weights, q.weights)
