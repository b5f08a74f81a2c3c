"""The PyNN backend against pyneuro's own API: the same network written both ways gives the same spikes and weights;
units and names are translated; what pyneuro cannot do is refused by name."""

from __future__ import annotations

import numpy as np
import pytest

import pyneuro as pn

sim = pytest.importorskip("pyneuro.pynn")
from pyNN.parameters import Sequence  # noqa: E402
from pyNN.random import NumpyRNG, RandomDistribution  # noqa: E402

COBA_PYNN = dict(
    cm=0.2,
    tau_m=20.0,
    v_rest=-60.0,
    v_reset=-60.0,
    v_thresh=-50.0,
    tau_refrac=5.0,
    tau_syn_E=5.0,
    tau_syn_I=10.0,
    e_rev_E=0.0,
    e_rev_I=-80.0,
)
COBA_PN = dict(
    C_m=200.0,
    g_L=10.0,
    E_L=-60.0,
    V_reset=-60.0,
    V_th=-50.0,
    t_ref=5.0,
    tau_syn_ex=5.0,
    tau_syn_in=10.0,
    E_ex=0.0,
    E_in=-80.0,
)


def _pairs(n_pre, n_post, p, seed):
    rng = np.random.default_rng(seed)
    m = rng.random((n_pre, n_post)) < p
    i, j = np.nonzero(m)
    return i, j


def test_same_network_through_pynn_and_natively_gives_identical_spikes():
    n_in, n_e, n_i = 50, 160, 40
    rng = np.random.default_rng(0)
    in_times = [np.sort(rng.uniform(0, 200, 8)).round(1) for _ in range(n_in)]
    v0 = rng.uniform(-60, -50, n_e + n_i)
    conns = {
        k: _pairs(a, b, p, s)
        for k, (a, b, p, s) in {
            "in_e": (n_in, n_e, 0.2, 1),
            "e_e": (n_e, n_e, 0.05, 2),
            "e_i": (n_e, n_i, 0.05, 3),
            "i_e": (n_i, n_e, 0.1, 4),
        }.items()
    }
    w = {"in_e": 0.01, "e_e": 0.004, "e_i": 0.004, "i_e": 0.051}  # uS
    # --- PyNN
    sim.setup(timestep=0.1, min_delay=0.1)
    src = sim.Population(n_in, sim.SpikeSourceArray(spike_times=[Sequence(t) for t in in_times]))
    exc = sim.Population(n_e, sim.IF_cond_exp(**COBA_PYNN))
    inh = sim.Population(n_i, sim.IF_cond_exp(**COBA_PYNN))
    exc.initialize(v=v0[:n_e])
    inh.initialize(v=v0[n_e:])
    ends = {
        "in_e": (src, exc, "excitatory"),
        "e_e": (exc, exc, "excitatory"),
        "e_i": (exc, inh, "excitatory"),
        "i_e": (inh, exc, "inhibitory"),
    }
    for k, (a, b, r) in ends.items():
        i, j = conns[k]
        sim.Projection(
            a,
            b,
            sim.FromListConnector(list(zip(i.tolist(), j.tolist()))),
            sim.StaticSynapse(weight=w[k], delay=0.5),
            receptor_type=r,
        )
    exc.record(["spikes", "v"])
    inh.record("spikes")
    sim.run(200.0)
    seg_e = exc.get_data().segments[0]
    seg_i = inh.get_data().segments[0]
    # --- pyneuro
    net = pn.Network(dt=0.1, seed=1)
    idx = np.concatenate([np.full(len(t), k) for k, t in enumerate(in_times)])
    nsrc = net.add_population(pn.models.SpikeGenerator(times=np.concatenate(in_times), indices=idx), n=n_in)
    ne = net.add_population(pn.models.LIFCond(**COBA_PN), n=n_e)
    ni = net.add_population(pn.models.LIFCond(**COBA_PN), n=n_i)
    ne.set("v", v0[:n_e])
    ni.set("v", v0[n_e:])
    nends = {"in_e": (nsrc, ne, "exc"), "e_e": (ne, ne, "exc"), "e_i": (ne, ni, "exc"), "i_e": (ni, ne, "inh")}
    for k, (a, b, r) in nends.items():
        i, j = conns[k]
        net.connect(a, b, pn.conn.FromArrays(i, j), weight=1000.0 * w[k], delay=0.5, receptor=r)
    me, mi = net.record_spikes(ne), net.record_spikes(ni)
    vm = net.record_state(ne, "v")
    net.run(200.0)
    assert me.count > 20
    for seg, mon in ((seg_e, me), (seg_i, mi)):
        for k, st in enumerate(seg.spiketrains):
            np.testing.assert_array_equal(np.asarray(st.rescale("ms").magnitude), mon.times[mon.indices == k])
    v_pynn = np.asarray(seg_e.filter(name="v")[0].magnitude)
    assert v_pynn.shape == (2001, n_e)  # t = 0 .. 200 ms inclusive
    np.testing.assert_array_equal(v_pynn[:-1], vm.values)
    np.testing.assert_array_equal(v_pynn[-1], ne.get("v"))
    sim.end()


def test_units_and_names_translate():
    sim.setup(timestep=0.1)
    p = sim.Population(3, sim.IF_cond_exp(cm=0.25, tau_m=12.5, i_offset=0.1, e_rev_I=-75.0))
    q = sim.Population(2, sim.EIF_cond_exp_isfa_ista(b=0.05, a=2.0, v_spike=-30.0))
    assert p.get("tau_m") == pytest.approx(12.5) and p.get("cm") == pytest.approx(0.25)
    sim.run(0.1)
    m = p.native.model
    assert (m.C_m, m.g_L, m.E_in) == (pytest.approx(250.0), pytest.approx(20.0), -75.0)
    np.testing.assert_allclose(p.native.get("I_stim"), 100.0)  # i_offset: nA -> per-neuron pA
    mq = q.native.model
    assert (mq.b, mq.a, mq.V_peak) == (pytest.approx(50.0), 2.0, -30.0)
    sim.end()


def test_dc_source_charges_the_membrane_as_the_closed_form():
    sim.setup(timestep=0.1)
    p = sim.Population(2, sim.IF_curr_exp(cm=0.2, tau_m=20.0, v_rest=-60.0, v_thresh=0.0))
    p.initialize(v=-60.0)
    dc = sim.DCSource(amplitude=0.5, start=20.0, stop=60.0)
    dc.inject_into(p[1:2])
    p.record("v")
    sim.run(100.0)
    v = np.asarray(p.get_data().segments[0].filter(name="v")[0].magnitude)
    t = np.arange(v.shape[0]) * 0.1
    on = (t >= 20.0) & (t <= 60.0)
    ref = -60.0 + 0.5e3 / 10.0 * (1 - np.exp(-(t[on] - 20.0) / 20.0))  # I R (1 - exp(-t/tau)), R = 0.1 GOhm
    np.testing.assert_allclose(v[on, 1], ref, atol=1e-3)
    np.testing.assert_array_equal(v[:, 0], -60.0)
    after = t > 60.0
    assert np.all(np.diff(v[after, 1]) < 0)  # relaxing after stop
    sim.end()


# A plastic projection from three given spike trains onto one neuron that a strong driver makes fire at given times:
# the same network through PyNN and natively must end with the same weights.
PRE_T = np.arange(10.0, 400.0, 20.0)
POST_T = PRE_T + 5.0
LIF_PYNN = dict(cm=0.25, tau_m=10.0, v_rest=-70.0, v_reset=-70.0, v_thresh=-55.0, tau_refrac=2.0, tau_syn_E=0.5)
LIF_PN = dict(C_m=250.0, tau_m=10.0, E_L=-70.0, V_reset=-70.0, V_th=-55.0, t_ref=2.0, tau_syn_ex=0.5, tau_syn_in=5.0)


def _pynn_plastic(synapse):
    sim.setup(timestep=0.1)
    pre = sim.Population(3, sim.SpikeSourceArray(spike_times=[Sequence(PRE_T + k) for k in range(3)]))
    drv = sim.Population(1, sim.SpikeSourceArray(spike_times=[Sequence(POST_T - 1.0)]))
    post = sim.Population(1, sim.IF_curr_exp(**LIF_PYNN))
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), synapse, receptor_type="excitatory")
    sim.Projection(
        drv, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=20.0, delay=1.0), receptor_type="excitatory"
    )
    post.record("spikes")
    sim.run(400.0)
    out = np.array(prj.get("weight", format="list", with_address=False))
    n_post = post.get_spike_counts()[post[0]]
    sim.end()
    return out, n_post


def _native_plastic(rule, w0):
    net = pn.Network(dt=0.1)
    t = np.concatenate([PRE_T + k for k in range(3)])
    pre = net.add_population(pn.models.SpikeGenerator(times=t, indices=np.repeat(np.arange(3), PRE_T.size)), n=3)
    drv = net.add_population(pn.models.SpikeGenerator(times=POST_T - 1.0, indices=np.zeros(POST_T.size, int)), n=1)
    post = net.add_population(pn.models.LIF(**LIF_PN), n=1)
    prj = net.connect(pre, post, pn.conn.AllToAll(), weight=w0, delay=1.0, plasticity=rule)
    net.connect(drv, post, pn.conn.AllToAll(), weight=20000.0, delay=1.0)
    net.run(400.0)
    return prj.weights.astype(np.float64) / 1000.0


def test_stdp_mechanism_maps_onto_pyneuro_stdp():
    td = dict(tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.012)

    def mech(wd):
        return sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(**td), weight_dependence=wd, weight=0.004, delay=1.0
        )

    w_add, n_post = _pynn_plastic(mech(sim.AdditiveWeightDependence(w_min=0.0, w_max=0.01)))
    assert n_post == POST_T.size
    ref = _native_plastic(
        pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.1, a_post=-0.12, w_min=0.0, w_max=10.0), 4.0
    )
    np.testing.assert_array_equal(w_add, ref)
    assert np.all(w_add > 0.004)  # pre 5 ms before post: potentiation
    w_mul, _ = _pynn_plastic(mech(sim.MultiplicativeWeightDependence(w_min=0.0, w_max=0.01)))
    ref = _native_plastic(
        pn.plasticity.STDP(
            tau_pre=20.0,
            tau_post=20.0,
            a_pre=0.1,
            a_post=-0.12,
            w_min=0.0,
            w_max=10.0,
            weight_dependence="power_law",
            mu=1.0,
        ),
        4.0,
    )
    np.testing.assert_array_equal(w_mul, ref)
    w_gut, _ = _pynn_plastic(mech(sim.GutigWeightDependence(w_min=0.0, w_max=0.01, mu_plus=0.4, mu_minus=0.4)))
    ref = _native_plastic(
        pn.plasticity.STDP(
            tau_pre=20.0,
            tau_post=20.0,
            a_pre=0.1,
            a_post=-0.12,
            w_min=0.0,
            w_max=10.0,
            weight_dependence="power_law",
            mu=0.4,
        ),
        4.0,
    )
    np.testing.assert_array_equal(w_gut, ref)
    assert not np.array_equal(w_add, w_mul)
    with pytest.raises(NotImplementedError, match="mu_plus"):
        _pynn_plastic(mech(sim.GutigWeightDependence(w_min=0.0, w_max=0.01, mu_plus=0.4, mu_minus=0.5)))


def test_pyneuro_rules_as_pynn_synapse_types():
    cases = [
        (sim.TripletSTDP(weight=0.005, delay=1.0, w_max=20.0), pn.plasticity.TripletSTDP(w_max=20.0)),
        (
            sim.VogelsSTDP(weight=0.005, delay=1.0, eta=0.5, w_max=50.0),
            pn.plasticity.InhibitorySTDP(eta=0.5, w_max=50.0),
        ),
        (sim.PyneuroSynapse(pn.plasticity.BCM(w_max=20.0), weight=0.005, delay=1.0), pn.plasticity.BCM(w_max=20.0)),
    ]
    for syn, rule in cases:
        got, _ = _pynn_plastic(syn)
        np.testing.assert_array_equal(got, _native_plastic(rule, 5.0))
        assert not np.all(got == 0.005)


def test_projection_get_set_and_reset():
    sim.setup(timestep=0.1)
    rng = NumpyRNG(seed=42, parallel_safe=True)
    a = sim.Population(5, sim.SpikeSourcePoisson(rate=50.0))
    b = sim.Population(4, sim.IF_cond_exp())
    wd = RandomDistribution("uniform", low=0.1, high=0.2, rng=rng)
    prj = sim.Projection(
        a,
        b,
        sim.FixedProbabilityConnector(0.6, rng=NumpyRNG(seed=1)),
        sim.StaticSynapse(weight=wd, delay=1.0),
        receptor_type="inhibitory",
    )
    lst = prj.get(["weight", "delay"], format="list")
    arr = prj.get("weight", format="array")
    assert len(lst) == len(prj) > 0
    for i, j, w, d in lst:
        assert arr[int(i), int(j)] == w and d == 1.0 and 0.1 <= w < 0.2
    assert np.isnan(arr).sum() == 20 - len(prj)
    b.record("spikes")
    sim.run(100.0)
    prj.set(weight=0.3)  # between runs: reaches the compiled weights
    np.testing.assert_allclose(prj._natives[0][0].weights, 300.0)
    with pytest.raises(NotImplementedError, match="delay"):
        prj.set(delay=2.0)
    sim.reset()
    sim.run(100.0)
    sim.reset()
    sim.run(100.0)
    data = b.get_data()
    assert len(data.segments) == 3
    s1 = [np.asarray(st) for st in data.segments[1].spiketrains]
    s2 = [np.asarray(st) for st in data.segments[2].spiketrains]
    for x, y in zip(s1, s2):
        np.testing.assert_array_equal(x, y)  # after reset: same state, same weights, same input -> same spikes
    # reproducible connectivity and weights from PyNN's seeded generators
    sim.setup()
    a2 = sim.Population(5, sim.SpikeSourcePoisson(rate=50.0))
    b2 = sim.Population(4, sim.IF_cond_exp())
    prj2 = sim.Projection(
        a2,
        b2,
        sim.FixedProbabilityConnector(0.6, rng=NumpyRNG(seed=1)),
        sim.StaticSynapse(
            weight=RandomDistribution("uniform", low=0.1, high=0.2, rng=NumpyRNG(seed=42, parallel_safe=True)),
            delay=1.0,
        ),
        receptor_type="inhibitory",
    )
    assert prj2.get(["weight", "delay"], format="list") == lst
    sim.end()


def test_write_data_and_neo_block(tmp_path):
    sim.setup()
    p = sim.Population(10, sim.SpikeSourcePoisson(rate=100.0, start=10.0, duration=30.0))
    p.record("spikes")
    sim.run(100.0)
    path = tmp_path / "spikes.pkl"
    p.write_data(str(path))
    from neo.io import PickleIO

    block = PickleIO(str(path)).read_block()
    trains = block.segments[0].spiketrains
    assert len(trains) == 10
    times = np.concatenate([np.asarray(t.rescale("ms").magnitude) for t in trains])
    assert times.size > 5 and times.min() >= 10.0 and times.max() < 40.0  # only inside [start, start + duration)
    sim.end()


def test_refusals_name_what_is_missing():
    sim.setup()
    with pytest.raises(NotImplementedError, match="GIF_cond_exp"):
        sim.GIF_cond_exp()
    with pytest.raises(NotImplementedError, match="rng"):
        sim.NoisyCurrentSource(mean=0.1, rng=NumpyRNG(1))
    p = sim.Population(4, sim.IF_cond_exp(tau_m=RandomDistribution("uniform", low=10.0, high=20.0)))
    with pytest.raises(NotImplementedError, match="tau_m|g_L"):
        sim.run(1.0)
    sim.setup()
    p = sim.Population(2, sim.IF_cond_exp())
    sim.run(1.0)
    with pytest.raises(NotImplementedError, match="reset"):
        p.set(tau_m=10.0)
    with pytest.raises(NotImplementedError, match="off_grid"):
        sim.setup(spike_precision="off_grid")
    sim.end()


def test_assembly_and_views_project_onto_the_right_neurons():
    sim.setup()
    src = sim.Population(3, sim.SpikeSourceArray(spike_times=[Sequence([5.0]), Sequence([]), Sequence([])]))
    a = sim.Population(4, sim.IF_curr_exp(tau_syn_E=2.0))
    b = sim.Population(2, sim.IF_curr_exp(tau_syn_E=2.0))
    asm = a[1:3] + b
    prj = sim.Projection(
        src[0:1], asm, sim.AllToAllConnector(), sim.StaticSynapse(weight=20.0, delay=1.0), receptor_type="excitatory"
    )
    assert len(prj) == 4
    a.record("spikes")
    b.record("spikes")
    sim.run(20.0)
    ca = a.get_spike_counts()
    cb = b.get_spike_counts()
    ca_l, cb_l = [ca[c] for c in a], [cb[c] for c in b]
    assert ca_l[0] == ca_l[3] == 0 and ca_l[1] == ca_l[2] == cb_l[0] == cb_l[1] > 0
    sim.end()


def test_fixed_total_number_connector_is_drawn_by_the_compiled_rule():
    from pyNN.connectors import FixedTotalNumberConnector

    def draw(seed, **kw):
        sim.setup()
        a = sim.Population(40, sim.IF_cond_exp())
        prj = sim.Projection(a, a, FixedTotalNumberConnector(300, rng=NumpyRNG(seed=seed), **kw),
                             sim.StaticSynapse(weight=0.01, delay=1.0))
        out = np.array(prj.get("weight", format="list"))
        sim.end()
        return out

    x = draw(3, allow_self_connections=False, with_replacement=False)
    assert len(x) == 300
    pairs = {(int(i), int(j)) for i, j, _ in x}
    assert len(pairs) == 300 and all(i != j for i, j in pairs)
    np.testing.assert_array_equal(x, draw(3, allow_self_connections=False, with_replacement=False))
    assert not np.array_equal(x, draw(4, allow_self_connections=False, with_replacement=False))
    y = draw(5)  # with replacement: 300 synapses, pairs may repeat
    assert len(y) == 300


def test_step_and_ac_sources_against_closed_forms():
    # IF_curr_exp (tau_m = 20 ms, cm = 1 nF): v relaxes towards v_rest + R I in each piece of a step current
    sim.setup(timestep=0.1)
    p = sim.Population(2, sim.IF_curr_exp(tau_m=20.0, cm=1.0, v_rest=-65.0, v_thresh=100.0, tau_refrac=0.1))
    p.initialize(v=-65.0)
    step = sim.StepCurrentSource(times=[5.0, 25.0], amplitudes=[2.0, 0.5])
    step.inject_into(p[0:1])
    ac = sim.ACSource(amplitude=0.3, offset=0.1, frequency=50.0, phase=45.0, start=10.0, stop=30.0)
    ac.inject_into(p[1:2])
    ac.record()
    p.record("v")
    sim.run(40.0)
    v = p.get_data().segments[0].filter(name="v")[0].magnitude
    i_ac = ac.get_data()
    sim.end()
    t = np.arange(401) * 0.1
    R, tau = 20.0, 20.0  # MOhm (tau_m / cm), ms
    u1 = R * 2.0 * (1 - np.exp(-20.0 / tau))
    ref = np.where(t < 5.0, 0.0, R * 2.0 * (1 - np.exp(-(t - 5.0) / tau)))
    ref = np.where(t >= 25.0, R * 0.5 + (u1 - R * 0.5) * np.exp(-(t - 25.0) / tau), ref)
    np.testing.assert_allclose(v[:, 0], -65.0 + ref, atol=2e-3)
    k = np.arange(401)
    expect = np.where(
        (k >= 100) & (k < 300), 0.1 + 0.3 * np.sin(2 * np.pi * 50.0e-3 * (k - 100) * 0.1 + np.pi / 4), 0.0
    )
    assert i_ac.shape == (401, 1)
    np.testing.assert_allclose(i_ac.magnitude[:, 0], expect, atol=1e-6)


def test_noisy_source_is_thread_count_independent():
    out = []
    for threads in (1, 2):
        sim.setup(timestep=0.1, threads=threads, rng_seed=5)
        p = sim.Population(20, sim.IF_curr_exp())
        noise = sim.NoisyCurrentSource(mean=0.5, stdev=0.4, dt=0.5, start=2.0, stop=30.0)
        noise.inject_into(p)
        noise.record()
        p.record("v")
        sim.run(40.0)
        out.append((p.get_data().segments[0].filter(name="v")[0].magnitude, noise.get_data().magnitude))
        sim.end()
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])
    i = out[0][1][:, 0]
    assert np.all(i[:20] == 0) and np.all(i[300:] == 0) and np.unique(i[20:300]).size == 56  # 28 ms / 0.5 ms
