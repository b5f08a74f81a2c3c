"""LIFCondAmpaNmda (the neuron of Zenke, Hennequin & Gerstner 2013; Auryn's IFGroup) against an independent
float32 numpy implementation of the same discretisation (bit for bit), the closed-form NMDA response to one spike,
the closed-form inter-spike interval under saturating drive, and its bad-input checks."""

import numpy as np
import pytest

import pyneuro as pn

F = np.float32


def _flush(x):
    return np.where(np.abs(x) < F(1e-30), F(0.0), x).astype(F)


def _reference(model, dt, n, steps, ex_in, in_in, v0):
    """Auryn's IFGroup step in float32 with numpy (one op at a time, as the kernel): ex_in/in_in[t] are the lists
    of conductance increments (nS, one array per arriving spike, in delivery order) of step t, added before the
    neurons of step t are integrated."""
    r = model.ampa_nmda_ratio
    a_a, a_n = F(r / (r + 1.0)), F(1.0 / (r + 1.0))
    m = F(1.0 - np.exp(-dt / model.tau_nmda))
    pa, pg, pt = F(np.exp(-dt / model.tau_syn_ex)), F(np.exp(-dt / model.tau_syn_in)), F(np.exp(-dt / model.tau_th))
    h, hl, drive = F(dt / model.C_m), F(dt * model.g_L / model.C_m), F(dt * model.I_e / model.C_m)
    e_l, e_ex, e_in = F(model.E_L), F(model.E_ex), F(model.E_in)
    # steps after a spike in which V_th + theta >= V_max (no spike possible)
    th, blank = F(model.delta_th), 0
    while True:
        th = _flush(np.array([th * pt]))[0]
        if not F(model.V_th) + th >= F(model.V_max):
            break
        blank += 1
    v = v0.astype(F).copy()
    ga, gn, gi, theta = (np.zeros(n, F) for _ in range(4))
    rf = np.zeros(n, np.int32)
    out = {k: np.zeros((steps, n), F) for k in ("v", "g_ex", "g_nmda", "g_in", "theta")}
    spikes = []
    for t in range(steps):
        # recorded state at step t: after the arrivals of step t, before integration (as a state monitor reads)
        for x in ex_in[t]:
            ga = (ga + x).astype(F)
        for x in in_in[t]:
            gi = (gi + x).astype(F)
        for k, x in (("v", v), ("g_ex", ga), ("g_nmda", gn), ("g_in", gi), ("theta", theta)):
            out[k][t] = x
        t_exc = ((a_a * ga + a_n * gn) * (e_ex - v)).astype(F)
        t_inh = ((v - e_in) * gi).astype(F)
        g = (gn + m * ga).astype(F)
        gn = _flush(g - m * g)
        ga = _flush(ga * pa)
        gi = _flush(gi * pg)
        theta = _flush(theta * pt)
        t_leak = (v - e_l).astype(F)
        vn = (v + h * t_exc).astype(F)
        vn = (vn - h * t_inh).astype(F)
        vn = (vn - hl * t_leak).astype(F)
        vn = (vn + drive).astype(F)
        vn = np.clip(vn, F(model.V_min), F(model.V_max)).astype(F)
        spike = (rf == 0) & (vn > (F(model.V_th) + theta).astype(F))
        v = np.where(spike, F(model.V_reset), vn).astype(F)
        theta = np.where(spike, F(model.delta_th), theta).astype(F)
        rf = np.where(spike, blank, rf - (rf > 0)).astype(np.int32)
        spikes += [(t, i) for i in np.flatnonzero(spike)]
    return out, spikes


@pytest.mark.parametrize(
    "ratio, drive, convention", [(1.0, 0.0, "pyneuro"), (3.0, 150.0, "pyneuro"), (1.0, 0.0, "nest")]
)
def test_matches_float32_reference_bit_for_bit(ratio, drive, convention):
    """Under NEST's convention a stamp S acts from step S + d on as under pyneuro's (README, time conventions): the
    step's arrivals are summed in a buffer that the model adds to its decayed conductances at the end of the step;
    spikes are stamped one step later."""
    dt, n, T = 0.1, 6, 200.0
    steps = int(round(T / dt))
    model = pn.models.LIFCondAmpaNmda(ampa_nmda_ratio=ratio, I_e=drive)
    rng = np.random.default_rng(3)
    # Poisson-like input spikes from generators, excitatory strong enough to make the neurons fire
    n_src, delay = 40, 0.8
    times = np.sort(rng.uniform(0.0, T - 5.0, 600))
    if convention == "nest":
        times = np.maximum(times, dt)  # a stamp is at least one step under NEST's convention
    src = rng.integers(0, n_src, times.size)
    pre = np.repeat(np.arange(n_src), n)
    post = np.tile(np.arange(n), n_src)
    w_ex = rng.uniform(1.0, 6.0, pre.size)
    w_in = rng.uniform(1.0, 8.0, pre.size)
    net = pn.Network(dt=dt, seed=1, time_convention=convention)
    pop = net.add_population(model, n=n)
    v0 = rng.uniform(-75.0, -50.0, n)
    pop.set("v", v0)
    gen_e = net.add_population(pn.models.SpikeGenerator(times=times, indices=src), n=n_src)
    gen_i = net.add_population(pn.models.SpikeGenerator(times=times[::3], indices=src[::3]), n=n_src)
    net.connect(gen_e, pop, pn.conn.FromArrays(pre, post), weight=w_ex, delay=delay, receptor="exc")
    net.connect(gen_i, pop, pn.conn.FromArrays(pre, post), weight=w_in, delay=delay, receptor="inh")
    mons = {k: net.record_state(pop, k, every=dt) for k in ("v", "g_ex", "g_nmda", "g_in", "theta")}
    sm = net.record_spikes(pop)
    net.run(T)

    # the increments each neuron receives per step, in the engine's order (projection, generator id, synapse)
    d = int(round(delay / dt))
    ex_in: list[list] = [[] for _ in range(steps)]
    in_in: list[list] = [[] for _ in range(steps)]
    for arr, tt, ss, w in ((ex_in, times, src, w_ex), (in_in, times[::3], src[::3], w_in)):
        emit = np.round(tt / dt).astype(int)
        for s in np.unique(emit):
            if s + d >= steps:
                continue
            for j in np.unique(ss[emit == s]):  # repeats of one generator within a step merge
                arr[s + d].append(w[j * n : (j + 1) * n].astype(F))
    if convention == "nest":  # a step's arrivals are summed apart (from 0, in order), then added at once
        for arr in (ex_in, in_in):
            for t in range(steps):
                if arr[t]:
                    tot = np.zeros(n, F)
                    for x in arr[t]:
                        tot = (tot + x).astype(F)
                    arr[t] = [tot]
    ref, ref_spikes = _reference(model, dt, n, steps, ex_in, in_in, v0)
    for k, m in mons.items():
        np.testing.assert_array_equal(m.values, ref[k], err_msg=k)
    shift = 1 if convention == "nest" else 0
    got = sorted(zip((np.round(sm.times / dt).astype(int) - shift).tolist(), sm.indices.tolist()))
    assert got == ref_spikes
    assert len(ref_spikes) > 10  # the test exercises spikes, resets and the threshold jump
    assert np.any(ref["g_nmda"] > 0) and np.any(ref["theta"] > 0)


def test_nmda_follows_the_closed_form_difference_of_exponentials():
    """One spike of weight w: g_ex = w exp(-t/tau_a), g_nmda = w tau_a / (tau_n - tau_a) (exp(-t/tau_n) -
    exp(-t/tau_a)); the step's low-pass update is first order in dt, so the error halves with dt."""
    model = pn.models.LIFCondAmpaNmda()
    w, ta, tn = 3.0, model.tau_syn_ex, model.tau_nmda
    errs = []
    for dt in (0.2, 0.1, 0.05):
        net = pn.Network(dt=dt, seed=1)
        pop = net.add_population(model, n=1)
        gen = net.add_population(pn.models.SpikeGenerator(times=[0.0], indices=[0]), n=1)
        net.connect(gen, pop, pn.conn.FromArrays([0], [0]), weight=w, delay=1.0)
        ga = net.record_state(pop, "g_ex", every=dt)
        gn = net.record_state(pop, "g_nmda", every=dt)
        net.run(300.0)
        s = ga.times - 1.0
        after = s > 1e-9
        np.testing.assert_allclose(ga.values[after, 0], w * np.exp(-s[after] / ta), rtol=2e-5, atol=1e-7)
        exact = w * ta / (tn - ta) * (np.exp(-s[after] / tn) - np.exp(-s[after] / ta))
        peak = exact.max()
        errs.append(np.max(np.abs(gn.values[after, 0] - exact)) / peak)
    assert errs[1] < 0.05
    assert 1.6 < errs[0] / errs[1] < 2.4 and 1.6 < errs[1] / errs[2] < 2.4


def test_interspike_interval_under_saturating_drive():
    """A huge drive pins v at V_max; the neuron fires when V_th + delta_th exp(-t/tau_th) < V_max, i.e. every
    ceil(tau_th ln(delta_th / (V_max - V_th)) / dt) steps (35 steps = 3.5 ms with the defaults)."""
    model = pn.models.LIFCondAmpaNmda(I_e=1e6)
    dt = 0.1
    isi_steps = int(np.ceil(model.tau_th * np.log(model.delta_th / (model.V_max - model.V_th)) / dt))
    assert isi_steps == 35
    net = pn.Network(dt=dt, seed=1)
    pop = net.add_population(model, n=3)
    sm = net.record_spikes(pop)
    net.run(100.0)
    for i in range(3):
        st = np.round(sm.times[sm.indices == i] / dt).astype(int)
        assert st[0] == 0
        assert np.all(np.diff(st) == isi_steps)


def test_shortest_interval_holds_whatever_theta_is_set_to():
    model = pn.models.LIFCondAmpaNmda(I_e=1e6)
    net = pn.Network(dt=0.1, seed=1)
    pop = net.add_population(model, n=2)
    sm = net.record_spikes(pop)
    net.run(0.1)  # both fire at step 0
    pop.set("theta", np.full(2, -500.0))  # a threshold far below any v: only the blanking stops a new spike
    net.run(20.0)
    st = np.round(sm.times[sm.indices == 0] / 0.1).astype(int)
    assert st[0] == 0 and st[1] == 35


def test_bad_parameters_and_intrinsic_plasticity():
    with pytest.raises(ValueError, match="V_max"):
        pn.models.LIFCondAmpaNmda(V_min=0.0, V_max=0.0)
    with pytest.raises(ValueError, match="V_reset"):
        pn.models.LIFCondAmpaNmda(V_reset=-40.0)
    with pytest.raises(ValueError, match="tau_nmda"):
        pn.models.LIFCondAmpaNmda(tau_nmda=0.0)
    with pytest.raises(ValueError, match="delta_th"):
        pn.models.LIFCondAmpaNmda(delta_th=-1.0)
    net = pn.Network(dt=0.1, seed=1)
    pop = net.add_population(pn.models.LIFCondAmpaNmda(), n=2)
    with pytest.raises(ValueError, match="theta"):
        net.add_plasticity(pop, pn.plasticity.IntrinsicPlasticity())


def test_user_definition_matches_the_builtin():
    """pyneuro.definitions.zenke_neuron (a Custom model) against the built-in: the same spike steps and v within
    1e-3 mV over 1 s of irregular drive (they differ in float rounding only, about 1e-4 mV)."""
    from pyneuro.definitions import zenke_neuron

    res = {}
    for name in ("builtin", "custom"):
        net = pn.Network(dt=0.1, seed=3)
        model = pn.models.LIFCondAmpaNmda(C_m=100.0) if name == "builtin" else zenke_neuron(C_m=100.0)
        post = net.add_population(model, 8, name="p")
        src = net.add_population(pn.models.PoissonSource(rate=20.0), 200, name="s")
        inh = net.add_population(pn.models.PoissonSource(rate=10.0), 50, name="i")
        net.connect(src, post, pn.conn.FixedProbability(0.5), weight=1.2, delay=0.8)
        net.connect(inh, post, pn.conn.FixedProbability(0.5), weight=4.0, delay=0.8, receptor="inh")
        post.set("v", np.linspace(-70.0, -55.0, 8))
        sm, vm = net.record_spikes(post), net.record_state(post, "v")
        net.run(1000.0)
        res[name] = (np.asarray(sm.steps), np.asarray(sm.indices), np.asarray(vm.values))
    (sb, ib, vb), (sc, ic, vc) = res["builtin"], res["custom"]
    assert 20 <= len(sb) <= 600  # a few Hz to tens of Hz per neuron: the threshold jump and clip are exercised
    np.testing.assert_array_equal(sb, sc)
    np.testing.assert_array_equal(ib, ic)
    assert np.abs(vb - vc).max() < 1e-3
