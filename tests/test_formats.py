"""Formats: SONATA networks and spikes (own files read back, read by libsonata, a BMTK-built circuit read),
spikes to NWB (pynwb) and to Neo. The libraries are the optional extra pyneuro[formats], installed by the test
command; nothing here is mocked."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyneuro as pn
from pyneuro.formats import read_sonata, read_sonata_spikes, write_sonata, write_sonata_spikes

COBA = dict(
    C_m=200.0, g_L=10.0, E_L=-60.0, V_th=-50.0, V_reset=-60.0, t_ref=5.0, tau_syn_ex=5.0, tau_syn_in=10.0, E_in=-80.0
)


def _network(threads: int = 2) -> pn.Network:
    net = pn.Network(dt=0.1, seed=7, threads=threads)
    e = net.add_population(pn.models.LIFCond(**COBA), n=160, name="exc")
    i = net.add_population(pn.models.LIFCond(**COBA), n=40, name="inh")
    s = net.add_population(pn.models.PoissonSource(rate=np.linspace(5.0, 40.0, 80)), n=80, name="src")
    g = net.add_population(pn.models.SpikeGenerator(times=[1.0, 5.0, 7.3, 50.2], indices=[0, 1, 0, 2]), n=3, name="gen")
    e.positions = np.random.default_rng(0).uniform(0, 100, (160, 3))
    e.set("v", np.random.default_rng(1).normal(-55, 3, 160))
    net.connect(s, e, pn.conn.FixedProbability(0.1), weight=pn.conn.Uniform(1.0, 3.0), delay=pn.conn.Uniform(0.5, 3.0))
    net.connect(
        e,
        e,
        pn.conn.FixedProbability(0.05),
        weight=0.5,
        delay=1.5,
        plasticity=pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.01, a_post=-0.0105, w_min=0.0, w_max=2.0),
    )
    net.connect(e, i, pn.conn.FixedProbability(0.1), weight=1.0)
    net.connect(i, e, pn.conn.FixedProbability(0.1), weight=5.0, receptor="inh")
    net.connect(g, i, pn.conn.AllToAll(), weight=10.0, delay=0.7)
    return net


def test_sonata_export_of_a_running_plastic_network_keeps_its_state(tmp_path):
    net = _network()
    net.run(100.0)  # export a running network: state, weights changed by STDP, time
    cfg = write_sonata(net, tmp_path / "circuit")
    circ = read_sonata(cfg, threads=1)
    net2 = circ.network
    assert [p.name for p in net2.populations] == [p.name for p in net.populations]
    assert [p.name for p in net2.projections] == [p.name for p in net.projections]
    for a, b in zip(net.projections, net2.projections):
        assert a.receptor == b.receptor and [r.kind for r in a.plasticity] == [r.kind for r in b.plasticity]
        for x, y in ((a.pre, b.pre), (a.post, b.post), (a.delay_steps, b.delay_steps), (a.weights, b.weights)):
            np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(net2.populations[0].positions, net.populations[0].positions)
    for p, q in zip(net.populations, net2.populations):
        for var in p.state_vars:
            np.testing.assert_array_equal(p.get(var), q.get(var))
    assert not np.all(net.projections[1].weights == 0.5)  # STDP moved the weights that were exported


def test_sonata_round_trip_at_start_gives_identical_spikes(tmp_path):
    net = _network()
    cfg = write_sonata(net, tmp_path / "c")
    net2 = read_sonata(cfg, threads=1).network
    m1 = [net.record_spikes(p) for p in net.populations]
    m2 = [net2.record_spikes(p) for p in net2.populations]
    net.run(300.0)
    net2.run(300.0)
    for a, b in zip(m1, m2):
        np.testing.assert_array_equal(a.steps, b.steps)
        np.testing.assert_array_equal(a.indices, b.indices)
    assert m1[0].count > 200 and m1[1].count > 50 and m1[3].count == 4
    # the plastic weights evolved identically too
    np.testing.assert_array_equal(net.projections[1].weights, net2.projections[1].weights)
    assert not np.all(net.projections[1].weights == 0.5)


def test_sonata_files_follow_the_spec_as_libsonata_reads_them(tmp_path):
    libsonata = pytest.importorskip("libsonata")
    net = _network()
    write_sonata(net, tmp_path)
    nodes = libsonata.NodeStorage(str(tmp_path / "network" / "nodes.h5"))
    assert nodes.population_names == {"exc", "inh", "src", "gen"}
    exc = nodes.open_population("exc")
    assert exc.size == 160
    np.testing.assert_array_equal(exc.get_attribute("x", exc.select_all()), net.populations[0].positions[:, 0])
    np.testing.assert_array_equal(exc.get_dynamics_attribute("v", exc.select_all()), net.populations[0].get("v"))
    edges = libsonata.EdgeStorage(str(tmp_path / "network" / "edges.h5"))
    for proj in net.projections:
        ep = edges.open_population(proj.name)
        assert (ep.source, ep.target, ep.size) == (proj.source.name, proj.target.name, proj.size)
        sel = ep.select_all()
        np.testing.assert_array_equal(ep.source_nodes(sel), proj.pre)
        np.testing.assert_array_equal(ep.target_nodes(sel), proj.post)
        sign = -1.0 if proj.receptor == "inh" else 1.0
        np.testing.assert_array_equal(ep.get_attribute("syn_weight", sel), sign * proj.weights)
        np.testing.assert_allclose(ep.get_attribute("delay", sel), proj.delays)
        # the index tables: afferent and efferent edges of a few nodes match the synapse arrays
        for node in (0, 3, proj.target.size - 1):
            np.testing.assert_array_equal(
                np.sort(ep.afferent_edges([node]).flatten()), np.flatnonzero(proj.post == node)
            )
        for node in (0, proj.source.size - 1):
            np.testing.assert_array_equal(
                np.sort(ep.efferent_edges([node]).flatten()), np.flatnonzero(proj.pre == node)
            )
    cfg = json.loads((tmp_path / "simulation_config.json").read_text())
    assert cfg["run"]["dt"] == 0.1 and cfg["pyneuro"]["seed"] == 7
    sim = libsonata.SimulationConfig.from_file(str(tmp_path / "simulation_config.json"))
    assert sim.run.dt == 0.1


def test_sonata_spikes_file(tmp_path):
    libsonata = pytest.importorskip("libsonata")
    net = _network()
    mons = [net.record_spikes(p) for p in net.populations[:2]]
    net.run(100.0)
    path = write_sonata_spikes(tmp_path / "spikes.h5", mons)
    back = read_sonata_spikes(path)
    for m in mons:
        t, i = back[m.population.name]
        o = np.lexsort((m.indices, m.times))
        np.testing.assert_array_equal(t, m.times[o])
        np.testing.assert_array_equal(i, m.indices[o])
        assert np.all(np.diff(t) >= 0)
    reader = libsonata.SpikeReader(str(path))
    pop = reader["exc"]
    assert pop.sorting == "by_time"
    got = np.array(pop.get())  # (node_id, time) pairs
    np.testing.assert_array_equal(got[:, 0], back["exc"][1])
    np.testing.assert_allclose(got[:, 1], back["exc"][0])
    with pytest.raises(ValueError, match="sorting"):
        write_sonata_spikes(tmp_path / "x.h5", mons, sorting="random")


def _bmtk_circuit(tmp_path, record):
    """A point-neuron circuit built with BMTK's NetworkBuilder: virtual inputs onto two NEST iaf_psc_exp node types
    of one population, E->I and I->E edges; the connection rules record what they decide."""
    bmtk_builder = pytest.importorskip("bmtk.builder")
    comp = tmp_path / "components"
    comp.mkdir()
    exc = dict(
        tau_m=10.0, C_m=250.0, E_L=-70.0, V_th=-55.0, V_reset=-70.0, t_ref=2.0, tau_syn_ex=2.0, tau_syn_in=2.0, I_e=0.0
    )
    inh = dict(
        tau_m=8.0,
        C_m=200.0,
        E_L=-70.0,
        V_th=-52.0,
        V_reset=-70.0,
        t_ref=1.0,
        tau_syn_ex=1.0,
        tau_syn_in=2.0,
        I_e=150.0,
        V_m=-60.0,
    )
    (comp / "exc.json").write_text(json.dumps(exc))
    (comp / "inh.json").write_text(json.dumps(inh))
    (comp / "static.json").write_text("{}")
    rng = np.random.default_rng(3)

    def rule(name, p, max_syn=1):
        def f(src, trg):
            n = int(rng.integers(1, max_syn + 1)) if rng.random() < p and src.node_id != trg.node_id else 0
            if n:
                record.append((name, int(src.node_id), int(trg.node_id), n))
            return n

        return f

    v1 = bmtk_builder.NetworkBuilder("v1")
    v1.add_nodes(
        N=30,
        pop_name="E",
        model_type="point_neuron",
        model_template="nest:iaf_psc_exp",
        dynamics_params="exc.json",
        x=np.linspace(0, 1, 30),
        y=np.linspace(1, 2, 30),
    )
    v1.add_nodes(
        N=10, pop_name="I", model_type="point_neuron", model_template="nest:iaf_psc_exp", dynamics_params="inh.json"
    )
    v1.add_edges(
        source={"pop_name": "E"},
        target={"pop_name": "I"},
        connection_rule=rule("EI", 0.3),
        syn_weight=60.0,
        delay=1.5,
        dynamics_params="static.json",
        model_template="static_synapse",
    )
    v1.add_edges(
        source={"pop_name": "I"},
        target={"pop_name": "E"},
        connection_rule=rule("IE", 0.3),
        syn_weight=-90.0,
        delay=0.8,
        dynamics_params="static.json",
        model_template="static_synapse",
    )
    v1.build()
    v1.save(output_dir=str(tmp_path / "net"))
    lgn = bmtk_builder.NetworkBuilder("lgn")
    lgn.add_nodes(N=20, model_type="virtual", pop_name="lgn")
    lgn.add_edges(
        source=lgn.nodes(),
        target=v1.nodes(pop_name="E"),
        connection_rule=rule("LE", 0.4, 3),
        syn_weight=150.0,
        delay=2.0,
        dynamics_params="static.json",
        model_template="static_synapse",
    )
    lgn.build()
    lgn.save(output_dir=str(tmp_path / "net"))
    from bmtk.utils.reports.spike_trains import PoissonSpikeGenerator

    psg = PoissonSpikeGenerator(population="lgn", seed=5)
    psg.add(node_ids=list(range(20)), firing_rate=40.0, times=(0.0, 0.3))
    psg.to_sonata(str(tmp_path / "lgn_spikes.h5"))
    return exc, inh


def test_read_a_circuit_built_by_bmtk(tmp_path):
    record: list[tuple[str, int, int, int]] = []
    exc, inh = _bmtk_circuit(tmp_path, record)
    circ = read_sonata(
        tmp_path / "net", components=tmp_path / "components", spikes={"lgn": tmp_path / "lgn_spikes.h5"}, dt=0.1, seed=3
    )
    net = circ.network
    pops = circ.populations
    assert sorted(pops) == ["lgn", "v1:E", "v1:I"]
    assert pops["v1:E"].model == pn.models.LIF(**exc)
    assert pops["v1:I"].model == pn.models.LIF(**{k: v for k, v in inh.items() if k != "V_m"})
    np.testing.assert_array_equal(pops["v1:I"].get("v"), -60.0)
    np.testing.assert_array_equal(circ.node_ids["v1:I"][1], np.arange(30, 40))
    np.testing.assert_allclose(pops["v1:E"].positions[:, 1], np.linspace(1, 2, 30), rtol=1e-6)

    # the reference: the same network written with pyneuro's own API from what BMTK's rules decided and what
    # BMTK's own reader says the input spikes are
    from bmtk.utils.reports.spike_trains import SpikeTrains

    st = SpikeTrains.load(str(tmp_path / "lgn_spikes.h5"))
    df = st.to_dataframe()
    ref = pn.Network(dt=0.1, seed=3)
    r_lgn = ref.add_population(
        pn.models.SpikeGenerator(times=df["timestamps"].to_numpy(), indices=df["node_ids"].to_numpy()), n=20, name="lgn"
    )
    r_e = ref.add_population(pn.models.LIF(**exc), n=30, name="E")
    r_i = ref.add_population(pn.models.LIF(**{k: v for k, v in inh.items() if k != "V_m"}), n=10, name="I")
    r_i.set("v", -60.0)
    rec = {k: np.array([r[1:] for r in record if r[0] == k]) for k in ("LE", "EI", "IE")}
    assert all(len(v) for v in rec.values())
    # BMTK writes edges sorted by target; nsyns multiplies the weight (PointNet's convention)
    order = [
        ("LE", r_lgn, r_e, 0, 0, 150.0, 2.0, "exc"),
        ("EI", r_e, r_i, 0, 30, 60.0, 1.5, "exc"),
        ("IE", r_i, r_e, 30, 0, 90.0, 0.8, "inh"),
    ]
    for key, a, b, off_a, off_b, w, d, rcp in order:
        x = rec[key]
        ref.connect(
            a,
            b,
            pn.conn.FromArrays(x[:, 0] - off_a, x[:, 1] - off_b),
            weight=w * x[:, 2].astype(float),
            delay=d,
            receptor=rcp,
        )
    got = {(p.source.name.split(":")[-1], p.target.name.split(":")[-1]): p for p in net.projections}
    for p in ref.projections:
        q = got[(p.source.name, p.target.name)]
        assert q.receptor == p.receptor
        a = np.lexsort((p.post, p.pre))
        b = np.lexsort((q.post, q.pre))
        for x, y in ((p.pre, q.pre), (p.post, q.post), (p.weights, q.weights), (p.delay_steps, q.delay_steps)):
            np.testing.assert_array_equal(x[a], y[b])
    m_ref = [ref.record_spikes(p) for p in ref.populations]
    m_got = [net.record_spikes(pops[n]) for n in ("lgn", "v1:E", "v1:I")]
    ref.run(310.0)
    net.run(310.0)
    steps = np.floor(df["timestamps"].to_numpy() / 0.1 + 0.5 + 1e-9).astype(np.int64)
    assert m_ref[0].count == len({(s, i) for s, i in zip(steps, df["node_ids"])}) > 50 and m_ref[1].count > 5
    for a, b in zip(m_ref, m_got):
        # sums into a neuron may run in another order (projection order), so compare spike trains, not bits of v
        np.testing.assert_array_equal(a.steps, b.steps)
        np.testing.assert_array_equal(a.indices, b.indices)
    # spikes written back with SONATA node ids
    out = circ.write_spikes(tmp_path / "out_spikes.h5", m_got[1:])
    t, ids = read_sonata_spikes(out)["v1"]
    assert set(np.unique(ids)) <= set(range(40)) and t.size == m_got[1].count + m_got[2].count


def test_read_sonata_refuses_what_it_cannot_represent(tmp_path):
    net = _network()
    write_sonata(net, tmp_path)
    text = (tmp_path / "network" / "node_types.csv").read_text().replace("pyneuro:LIFCond", "nest:iaf_psc_alpha", 1)
    (tmp_path / "network" / "node_types.csv").write_text(text)
    with pytest.raises(ValueError, match="iaf_psc_alpha.*not supported"):
        read_sonata(tmp_path)
    with pytest.raises(TypeError, match="net must be a pyneuro.Network"):
        write_sonata("not a network", tmp_path)  # type: ignore[arg-type]
    bad = pn.Network()
    bad.add_population(pn.models.LIF(), n=2, name="a/b")
    with pytest.raises(ValueError, match="a/b"):
        write_sonata(bad, tmp_path / "bad")


def test_spikes_to_nwb_units_table(tmp_path):
    pynwb = pytest.importorskip("pynwb")
    from pyneuro.formats.nwb import read_nwb_spikes, write_nwb_spikes

    net = _network()
    mons = [net.record_spikes(net.populations[0]), net.record_spikes(net.populations[1], indices=[0, 5, 7])]
    net.run(100.0)
    path = write_nwb_spikes(tmp_path / "spikes.nwb", mons, identifier="test")
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        units = io.read().units
        assert len(units) == 160 + 3
        assert list(units["neuron_index"][160:]) == [0, 5, 7]
        k = int(np.bincount(mons[0].indices).argmax())
        np.testing.assert_allclose(units["spike_times"][k], mons[0].times[mons[0].indices == k] / 1000.0)
        assert units["population"][k] == "exc"
    back = read_nwb_spikes(path)
    for m in mons:
        t, i = back[m.population.name]
        o = np.lexsort((m.indices, m.times))
        np.testing.assert_allclose(t, m.times[o], rtol=0, atol=1e-9)
        np.testing.assert_array_equal(i, m.indices[o])


def test_spikes_to_neo(tmp_path):
    pq = pytest.importorskip("quantities")
    from pyneuro.formats.neo import to_neo_block, to_neo_spiketrains

    net = _network()
    m = net.record_spikes(net.populations[0])
    sub = net.record_spikes(net.populations[1], indices=[3, 1])
    net.run(100.0)
    trains = to_neo_spiketrains(m)
    assert len(trains) == 160
    for n in (0, 17, 159):
        np.testing.assert_array_equal(trains[n].rescale(pq.ms).magnitude, m.times[m.indices == n])
        assert trains[n].annotations["source_index"] == n and float(trains[n].t_stop.rescale(pq.ms)) == 100.0
    assert sum(len(t) for t in trains) == m.count
    # the mean rate from Neo's trains equals the monitor's
    rates = np.array([len(t) / float(t.duration.rescale(pq.s)) for t in trains])
    np.testing.assert_allclose(rates, m.rates())
    block = to_neo_block([m, sub])
    st = block.segments[0].spiketrains
    assert len(st) == 162 and [t.annotations["source_index"] for t in st[160:]] == [3, 1]
