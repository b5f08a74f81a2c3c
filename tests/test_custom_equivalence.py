"""Built-in rules and models rewritten as user definitions (pn.plasticity.Custom, pn.models.Custom) give the
built-ins' spikes and weights: bit for bit where the arithmetic is the same (every case here), on fixed spike trains
(several delays, both interactions, two thread counts) and on W2 (the COBA network with pair STDP on E->E)."""

import numpy as np
import pytest

import pyneuro as pn
from pyneuro import workloads

Trace = pn.plasticity.Trace


def pair_stdp(interaction="all_to_all", guarded=True, **kw):
    """Pair STDP as a definition. ``guarded``: as the built-in, a synapse is not touched while the other side's
    trace is 0 (the same result while weights lie within the bounds, and the same work)."""
    params = {"a_pre": 0.01, "a_post": -0.0105, "w_min": 0.0, "w_max": 1.0, **kw}
    pre, post = "w = clip(w + a_post * x_post, w_min, w_max)", "w = clip(w + a_pre * x_pre, w_min, w_max)"
    if guarded:
        pre, post = f"if x_post != 0:\n    {pre}", f"if x_pre != 0:\n    {post}"
    return pn.plasticity.Custom(
        params=params,
        traces={"x_pre": Trace("pre", 20.0, interaction), "x_post": Trace("post", 20.0, interaction)},
        on_pre=pre,
        on_post=post,
    )


def triplet(preset):
    p = pn.plasticity.TripletSTDP.preset(preset)
    params = {k: getattr(p, k) for k in ("a2_plus", "a3_plus", "a2_minus", "a3_minus", "w_min", "w_max")}
    params.update({k: getattr(p, k) for k in ("tau_plus", "tau_minus", "tau_x", "tau_y")})
    rule = pn.plasticity.Custom(
        params=params,
        traces={
            "r1": Trace("pre", "tau_plus", p.interaction),
            "r2": Trace("pre", "tau_x", p.interaction),
            "o1": Trace("post", "tau_minus", p.interaction),
            "o2": Trace("post", "tau_y", p.interaction),
        },
        on_pre="""
            if o1 != 0:
                w = clip(w - o1 * (a2_minus + a3_minus * r2), w_min, w_max)
        """,
        on_post="""
            if r1 != 0:
                w = clip(w + r1 * (a2_plus + a3_plus * o2), w_min, w_max)
        """,
    )
    return p, rule


def vogels(tau=20.0, eta=1e-3, rho0=5.0, w_max=1e3):
    builtin = pn.plasticity.InhibitorySTDP(tau=tau, eta=eta, rho0=rho0, w_min=0.0, w_max=w_max)
    rule = pn.plasticity.Custom(
        params={"tau": tau, "eta_v": eta, "alpha": builtin.alpha, "w_min": 0.0, "w_max": w_max},
        traces={"x_pre": Trace("pre", "tau"), "x_post": Trace("post", "tau")},
        on_pre="w = clip(w + eta_v * (x_post - alpha), w_min, w_max)",
        on_post="w = clip(w + eta_v * x_pre, w_min, w_max)",
    )
    return builtin, rule


def generated_source(rule):
    """The C++ source generated for a compiled rule (kept beside its library in the cache)."""
    from pyneuro import _jit

    return _jit.library_path(rule.core_kind().split(":")[1]).with_suffix(".cpp").read_text()


def spike_trains(seed=1, n_pre=40, n_post=16, t_end=3000.0):
    rng = np.random.default_rng(seed)
    tp = rng.uniform(0, t_end, 4000)
    ip = rng.integers(0, n_pre, 4000)
    tq = rng.uniform(0, t_end, 1500)
    iq = rng.integers(0, n_post, 1500)
    return (tp, ip), (tq, iq)


def run_pairs(rule, threads=1, w0=0.5, w_max=1.0, t_end=3000.0, seed=1, delay=None):
    (tp, ip), (tq, iq) = spike_trains(seed, t_end=t_end)
    net = pn.Network(dt=0.1, seed=3, threads=threads)
    pre = net.add_population(pn.models.SpikeGenerator(times=tp, indices=ip), 40)
    post = net.add_population(pn.models.SpikeGenerator(times=tq, indices=iq), 16)
    proj = net.connect(pre, post, pn.conn.AllToAll(), weight=pn.conn.Uniform(0.2 * w_max, 0.8 * w_max),
                       delay=pn.conn.Uniform(0.1, 4.0) if delay is None else delay, plasticity=rule)
    wm = net.record_weights(proj, every=250.0)
    net.run(t_end)
    return proj.weights, wm.values


@pytest.mark.parametrize("interaction,guarded", [("all_to_all", True), ("nearest", True), ("all_to_all", False)])
def test_pair_stdp_equals_builtin(interaction, guarded):
    builtin = pn.plasticity.STDP(a_pre=0.01, a_post=-0.0105, w_max=1.0, interaction=interaction)
    custom = pair_stdp(interaction, guarded)
    wb, hb = run_pairs(builtin)
    wc, hc = run_pairs(custom)
    assert np.abs(wb - 0.5).max() > 0.05  # the rule did act
    np.testing.assert_array_equal(wc, wb)
    np.testing.assert_array_equal(hc, hb)
    np.testing.assert_array_equal(run_pairs(custom, threads=3)[0], wb)


# on_post bodies that the code generator hands to the built-in rules' post-spike walk (vectorised where the CPU
# allows), each with the same arithmetic written so that it is not recognised (two statements: the generated body)
SHARED_POST = [
    ("w = clip(w + a_pre * x_pre, w_min, w_max)", "d = a_pre * x_pre\n    w = clip(w + d, w_min, w_max)"),
    ("w = clip(x_pre * a_pre + w, w_min, w_max)", "d = x_pre * a_pre\n    w = clip(d + w, w_min, w_max)"),
    ("w = clip(w - 0.5 * a_post * x_pre, w_min, w_max)",
     "d = 0.5 * a_post * x_pre\n    w = clip(w - d, w_min, w_max)"),
    ("w = clip(w + x_pre, 0.25 * w_max, w_max)", "d = x_pre\n    w = clip(w + d, 0.25 * w_max, w_max)"),
    ("w = clip(w + x_pre * (a_pre + a_post * x_post), w_min, w_max)",  # the triplet rule's form
     "d = x_pre * (a_pre + a_post * x_post)\n    w = clip(w + d, w_min, w_max)"),
]


@pytest.mark.parametrize("form", range(len(SHARED_POST)))
@pytest.mark.parametrize("interaction", ["all_to_all", "nearest"])
def test_shared_post_walk_equals_the_generated_body(form, interaction):
    """A single-delay projection (the walk's case): the recognised body and the same arithmetic as generated code
    give the same weights bit for bit, at 1 and 3 threads; the recognition is checked in the generated source."""

    def rule(post):
        return pn.plasticity.Custom(
            params={"a_pre": 0.01, "a_post": -0.0105, "w_min": 0.0, "w_max": 1.0},
            traces={"x_pre": Trace("pre", 20.0, interaction), "x_post": Trace("post", 20.0, interaction)},
            on_pre="if x_post != 0:\n    w = clip(w + a_post * x_post, w_min, w_max)",
            on_post=f"if x_pre != 0:\n    {post}",
        )

    shared, plain = (rule(p) for p in SHARED_POST[form])
    for r, q in ((shared, 0), (plain, -1)):
        assert f"post_add_trace = {q};" in generated_source(r)
    ws = run_pairs(shared, delay=1.5)
    wp = run_pairs(plain, delay=1.5)
    assert np.abs(wp[0] - 0.5).max() > 0.05
    np.testing.assert_array_equal(ws[0], wp[0])
    np.testing.assert_array_equal(ws[1], wp[1])
    np.testing.assert_array_equal(run_pairs(shared, threads=3, delay=1.5)[0], wp[0])


@pytest.mark.parametrize("delay", [None, 1.5])  # 1.5: one delay, both take the shared post-spike walk
@pytest.mark.parametrize("preset", ["visual_cortex_minimal", "visual_cortex_full", "visual_cortex_nearest_full"])
def test_triplet_stdp_equals_builtin(preset, delay):
    builtin, custom = triplet(preset)
    wb, hb = run_pairs(builtin, delay=delay)
    wc, hc = run_pairs(custom, delay=delay)
    assert "post_add_trace = 0;" in generated_source(custom)  # on_post is the shared walk's form
    assert np.abs(wb - wb.mean()).max() > 1e-3
    np.testing.assert_array_equal(wc, wb)
    np.testing.assert_array_equal(hc, hb)


def test_vogels_istdp_equals_builtin():
    builtin, custom = vogels(eta=0.05, w_max=50.0)
    wb, hb = run_pairs(builtin, w_max=50.0)
    wc, hc = run_pairs(custom, w_max=50.0)
    assert np.abs(wb - 25.0).max() > 1.0
    np.testing.assert_array_equal(wc, wb)
    np.testing.assert_array_equal(hc, hb)


LIF_PARAMS = dict(tau_m=10.0, C_m=250.0, E_L=-70.0, V_th=-55.0, V_reset=-70.0, t_ref=2.0, tau_syn_ex=2.0,
                  tau_syn_in=5.0)


def custom_lif(I_e=0.0):
    return pn.models.Custom(
        params={**LIF_PARAMS, "I_e": I_e},
        state={"v": -70.0, "I_ex": 0.0, "I_in": 0.0, "theta": 0.0},
        equations="""
            dv/dt = -(v - E_L) / tau_m + (I_ex + I_in + I_e) / C_m   (unless refractory)
            dI_ex/dt = -I_ex / tau_syn_ex
            dI_in/dt = -I_in / tau_syn_in
        """,
        threshold="v >= V_th + theta",
        reset="v = V_reset",
        refractory="t_ref",
        receptors={"exc": "I_ex += w", "inh": "I_in -= w"},
        method="exact",
    )


ADEX_PARAMS = dict(C_m=281.0, g_L=30.0, E_L=-70.6, V_th=-50.4, Delta_T=2.0, V_peak=0.0, V_reset=-60.0, t_ref=0.0,
                   tau_w=144.0, a=4.0, b=80.5, tau_syn_ex=0.2, tau_syn_in=2.0, E_ex=0.0, E_in=-85.0, I_e=650.0)


def custom_adex():
    return pn.models.Custom(
        params=ADEX_PARAMS,
        state={"v": -70.6, "w": 0.0, "g_ex": 0.0, "g_in": 0.0},
        equations="""
            ve = min(v, V_peak)
            I_syn = -g_ex * (ve - E_ex) - g_in * (ve - E_in)
            dv/dt = (-g_L * (ve - E_L) + g_L * Delta_T * exp((ve - V_th) / Delta_T) + I_syn - w + I_e) / C_m
            dw/dt = (a * (ve - E_L) - w) / tau_w
            dg_ex/dt = -g_ex / tau_syn_ex
            dg_in/dt = -g_in / tau_syn_in
        """,
        threshold="v >= V_peak",
        reset="v = V_reset; w += b",
        refractory="t_ref",
        receptors={"exc": "g_ex += w", "inh": "g_in += w"},
        method="rk4",
    )


def run_model(model, exc_w, inh_w, threads=1, n=60, t_end=1000.0):
    net = pn.Network(dt=0.1, seed=3, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=20.0), 200)
    pop = net.add_population(model, n)
    net.connect(src, pop, pn.conn.FixedProbability(0.2), weight=pn.conn.Uniform(*exc_w), delay=1.0)
    net.connect(src, pop, pn.conn.FixedProbability(0.1), weight=pn.conn.Uniform(*inh_w), delay=1.0, receptor="inh")
    sm = net.record_spikes(pop)
    vm = net.record_state(pop, "v", every=0.5)
    net.run(t_end)
    return sm.times, sm.indices, vm.values


def test_lif_iaf_psc_exp_equals_builtin():
    a = run_model(pn.models.LIF(**LIF_PARAMS), (100.0, 400.0), (50.0, 150.0))
    b = run_model(custom_lif(), (100.0, 400.0), (50.0, 150.0))
    c = run_model(custom_lif(), (100.0, 400.0), (50.0, 150.0), threads=2)
    assert len(a[0]) > 200
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(y, x)
        np.testing.assert_array_equal(z, x)


@pytest.mark.parametrize("inh", [True, False])
def test_lif_equals_builtin_under_the_nest_time_convention(inh):
    """Under the NEST time convention a step's arrivals wait in lagged buffers that the compiled kernel adds to the
    receptors' variables in its own loop (the built-in adds them in a second pass): the same float additions, so
    the same spikes and v. Without inhibitory input only the excitatory receptor lags (zeros stand in for the
    other)."""
    out = []
    for model, threads in ((pn.models.LIF(**LIF_PARAMS), 1), (custom_lif(), 1), (custom_lif(), 2)):
        net = pn.Network(dt=0.1, seed=3, threads=threads, time_convention="nest")
        src = net.add_population(pn.models.PoissonSource(rate=20.0), 200)
        pop = net.add_population(model, 60)
        net.connect(src, pop, pn.conn.FixedProbability(0.2), weight=pn.conn.Uniform(100.0, 400.0), delay=1.0)
        if inh:
            net.connect(src, pop, pn.conn.FixedProbability(0.1), weight=pn.conn.Uniform(50.0, 150.0), delay=1.0,
                        receptor="inh")
        sm = net.record_spikes(pop)
        vm = net.record_state(pop, "v", every=0.5)
        net.run(500.0)
        out.append((sm.times, sm.indices, vm.values))
    assert len(out[0][0]) > 100
    for other in out[1:]:
        for x, y in zip(out[0], other):
            np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize("spelling", [
    "dv/dt = -(v - E_L) / tau_m + (I_ex + I_in + I_e) / C_m   (unless refractory)",
    "dv/dt = ((E_L - v) * C_m / tau_m + I_ex + I_in + I_e) / C_m   (unless refractory)",
])
def test_lif_with_constant_current_equals_builtin(spelling):
    """With a constant current I_e the exact propagator adds the drive through its own coefficient,
    x' = E_L + P22 (v - E_L) + P21 I_ex + P21' I_in + P20 I_e (E_L found as the parameter v is measured from, I_e as
    a constant input entering the fixed point linearly), the built-in's (and NEST's iaf_psc_exp's) order of
    operations in float32: bit for bit, however the equation is spelled. (Relaxing towards the fixed point
    E_L + I_e tau_m / C_m instead, the same exact solution rounded differently, gave 6e-6 relative.)"""
    import dataclasses

    model = custom_lif(I_e=200.0)
    model = dataclasses.replace(model, equations=model.equations.replace(
        "dv/dt = -(v - E_L) / tau_m + (I_ex + I_in + I_e) / C_m   (unless refractory)", spelling))
    assert spelling in model.equations
    a = run_model(pn.models.LIF(**LIF_PARAMS, I_e=200.0), (50.0, 300.0), (50.0, 150.0))
    b = run_model(model, (50.0, 300.0), (50.0, 150.0))
    assert len(a[0]) > 200
    for x, y in zip(a, b):
        np.testing.assert_array_equal(y, x)
    for x, y in zip(a, run_model(model, (50.0, 300.0), (50.0, 150.0), threads=2)):
        np.testing.assert_array_equal(y, x)


def test_exact_drive_through_its_own_propagator_against_numpy():
    """A leaky neuron with a constant input and no synapses, dv/dt = (E_L - v) / tau + I / C (C only divides the
    input: a coefficient, not an input): the step is float32 E_L + P (v - E_L) + Q I with P = exp(-dt / tau) and
    Q = (1 - P) tau / C rounded from double, as a numpy float32 loop computes it, bit for bit."""
    f = np.float32
    par = {"tau": 10.0, "C": 250.0, "E_L": -70.0, "I": 300.0, "V_th": 0.0, "V_reset": -70.0}
    m = pn.models.Custom(params=par, state={"v": -70.0}, equations="dv/dt = (E_L - v) / tau + I / C",
                         threshold="v >= V_th", reset="v = V_reset", method="exact")
    net = pn.Network(dt=0.1)
    pop = net.add_population(m, 1)
    vm = net.record_state(pop, "v", every=0.1)
    net.run(50.0)
    P = np.exp(-0.1 / par["tau"])
    Q = f((1.0 - P) * (par["tau"] / par["C"]))
    v, ref = f(-70.0), []
    for _ in range(vm.values.shape[0]):
        ref.append(v)
        v = f(f(f(par["E_L"]) + f(f(P) * f(v - f(par["E_L"])))) + f(Q * f(par["I"])))
    assert abs(float(ref[-1]) + 70.0 - 12.0) < 0.1  # near the fixed point E_L + I tau / C
    np.testing.assert_array_equal(vm.values[:, 0], np.array(ref, dtype=np.float32))


def test_lif_in_double_precision_differs_from_the_float_builtin_by_its_rounding():
    """The definition computed in double precision (each step exact to rounding from the stored float state) is not
    the built-in's arithmetic: it differs by the float32 rounding of the built-in's update (about 1 ulp of 60 mV,
    4e-6 mV, per step, accumulated over tau_m / dt = 100 steps of a contracting update: about 7e-6 relative), with
    the same spikes here."""
    import dataclasses

    model = dataclasses.replace(custom_lif(I_e=200.0), precision="double")
    a = run_model(pn.models.LIF(**LIF_PARAMS, I_e=200.0), (50.0, 300.0), (50.0, 150.0))
    c = run_model(model, (50.0, 300.0), (50.0, 150.0))
    np.testing.assert_array_equal(c[0], a[0])
    rel = np.max(np.abs(c[2] - a[2]) / np.abs(a[2]))
    assert 1e-7 < rel < 2e-5, rel


def test_adex_equals_builtin():
    a = run_model(pn.models.AdEx(**ADEX_PARAMS), (5.0, 40.0), (1.0, 5.0))
    b = run_model(custom_adex(), (5.0, 40.0), (1.0, 5.0))
    assert len(a[0]) > 200
    for x, y in zip(a, b):
        np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize("threads", [1, 2])
def test_w2_custom_pair_stdp_equals_builtin(threads):
    """W2 (reduced to 1600 neurons; 300 ms): the spikes of both populations and every E->E weight."""
    w_max = 12.0
    a_pre = 0.01 * w_max
    custom = pair_stdp(a_pre=a_pre, a_post=-1.05 * a_pre, w_max=w_max)
    out = []
    for rule in (None, custom):
        w = workloads.coba(threads=threads, seed=2, stdp=True, n_exc=1280, n_inh=320, p=0.05, rule=rule)
        w.net.run(300.0)
        out.append((w.spikes["exc"].times, w.spikes["exc"].indices, w.spikes["inh"].times, w.projections["ee"].weights))
    assert len(out[0][0]) > 1000
    assert np.abs(out[0][3] - 6.0).max() > 0.1
    for x, y in zip(*out):
        np.testing.assert_array_equal(y, x)
