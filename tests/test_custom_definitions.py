"""User-defined rules and models: semantics against closed forms and numpy references, bad input refused with the
place and the reason (before anything changes), compilation cache and concurrency, checkpoints and pickling in a
fresh process, NaN caught by the runaway check, and the population features (recorders, lesions, neurogenesis,
intrinsic plasticity) on a compiled model."""

import os
import pickle
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

import pyneuro as pn
from pyneuro._expr import ExpressionError
from pyneuro._jit import CompilerError

Trace = pn.plasticity.Trace


def pair(**kw):
    params = {"a_pre": 0.01, "a_post": -0.0105, "w_min": 0.0, "w_max": 1.0}
    spec = dict(
        params=params,
        traces={"x_pre": Trace("pre", 20.0), "x_post": Trace("post", 20.0)},
        on_pre="w = clip(w + a_post * x_post, w_min, w_max)",
        on_post="w = clip(w + a_pre * x_pre, w_min, w_max)",
    )
    spec.update(kw)
    return pn.plasticity.Custom(**spec)


def lif(**kw):
    spec = dict(
        params=dict(tau_m=10.0, C_m=250.0, E_L=-70.0, V_th=-55.0, V_reset=-70.0, t_ref=2.0, tau_syn_ex=2.0,
                    tau_syn_in=5.0, I_e=0.0),
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
    spec.update(kw)
    return pn.models.Custom(**spec)


def generators(net, pre_times, post_times):
    pre = net.add_population(pn.models.SpikeGenerator(times=pre_times, indices=np.zeros(len(pre_times), int)), 1)
    post = net.add_population(pn.models.SpikeGenerator(times=post_times, indices=np.zeros(len(post_times), int)), 1)
    return pre, post


# -- semantics ------------------------------------------------------------------------------------------------------


def test_decaying_synapse_variable_matches_closed_form():
    """e jumps by A at each arrival and decays with tau_e between the events that touch the synapse (lazily); at each
    postsynaptic spike w += e: w = sum over post spikes of sum over earlier arrivals of A exp(-(t_post - t_arr)/tau)."""
    rule = pn.plasticity.Custom(
        params={"A": 1.0, "tau_e": 50.0},
        synapse={"e": (0.0, "tau_e")},
        on_pre="e += A",
        on_post="w += e",
    )
    pre_t = np.array([10.0, 30.0, 35.0, 200.0, 400.0])
    post_t = np.array([50.0, 60.0, 250.0, 900.0])
    delay = 2.0
    net = pn.Network(dt=0.1, seed=1)
    pre, post = generators(net, pre_t, post_t)
    proj = net.connect(pre, post, pn.conn.OneToOne(), weight=0.0, delay=delay, plasticity=rule)
    net.run(1000.0)
    arr = pre_t + delay
    expect = sum(np.exp(-(tq - arr[arr <= tq]) / 50.0).sum() for tq in post_t)
    assert proj.weights[0] == pytest.approx(expect, rel=1e-6)
    st = proj.rule_state(0)
    last_touch = 900.0  # the last post spike touched the synapse; e decayed to then
    e_expect = np.exp(-(last_touch - arr) / 50.0).sum()
    assert float(np.asarray(st["syn/e"])[0]) == pytest.approx(e_expect, rel=1e-6)


def test_tick_and_rule_neuron_variable_against_numpy():
    """A rule neuron variable u filters the postsynaptic v (exponential Euler after each update) and on_tick adds
    u dt to a synapse variable every 1 ms; checked against the same recursion in numpy on the recorded v."""
    rule = pn.plasticity.Custom(
        params={"tau_u": 10.0},
        neuron={"u": ("(v_post - u) / tau_u", -70.0)},
        synapse={"acc": 0.0},
        on_tick="acc += u * dt",
        interval=1.0,
    )
    assert rule.post_vars == ["v"]
    net = pn.Network(dt=0.1, seed=1)
    src = net.add_population(pn.models.SpikeGenerator(times=[5.0], indices=[0]), 1)
    post = net.add_population(pn.models.LIF(I_e=400.0), 1)
    proj = net.connect(src, post, pn.conn.OneToOne(), weight=1.0, delay=1.0, plasticity=rule)
    vm = net.record_state(post, "v", every=0.1)
    steps = 3000
    net.run(steps * 0.1 + 0.1)
    v = vm.values[:, 0].astype(np.float64)
    E = np.exp(-0.1 / 10.0)
    u, acc = np.float32(-70.0), 0.0
    for k in range(steps):
        vk = v[k + 1]  # v after the update of step k
        u = np.float32(vk + (float(u) - vk) * E)
        if (k + 1) % 10 == 0:
            acc = float(np.float32(acc + float(u) * 0.1))
    got = float(np.asarray(proj.rule_state(0)["syn/acc"])[0])
    assert got == pytest.approx(acc, rel=1e-5)
    assert abs(acc) > 100.0


def test_schedule_scales_the_change_of_w():
    t_pre, t_post = np.arange(10.0, 1000.0, 50.0), np.arange(15.0, 1000.0, 50.0)

    def run(schedule):
        net = pn.Network(dt=0.1, seed=1)
        pre, post = generators(net, t_pre, t_post)
        proj = net.connect(pre, post, pn.conn.OneToOne(), weight=0.5, delay=1.0, plasticity=pair(schedule=schedule))
        net.run(1000.0)
        return proj.weights[0]

    full, half, off = run(None), run(0.5), run(0.0)
    assert off == 0.5
    assert full > 0.55
    assert half - 0.5 == pytest.approx((full - 0.5) / 2, rel=0.02)  # w0 + eta (w1 - w0) per event, clipping aside


# -- checkpoints, pickling, fresh processes -------------------------------------------------------------------------

_SCRIPT = """
import sys, numpy as np, pyneuro as pn
sys.path.insert(0, {tests!r})
from test_custom_definitions import pair, lif

def build():
    net = pn.Network(dt=0.1, seed=5, threads=2)
    src = net.add_population(pn.models.PoissonSource(rate=30.0), 80, name="src")
    pop = net.add_population(lif(), 40, name="pop")
    rule = pn.plasticity.Custom(params={{"a": 0.01, "w_max": 400.0, "tau_e": 80.0}},
        traces={{"x": pn.plasticity.Trace("pre", 15.0)}}, synapse={{"e": (0.0, "tau_e")}},
        on_pre="e += 1", on_post="w = clip(w + a * e * x * 100, 0, w_max)")
    net.connect(src, pop, pn.conn.FixedProbability(0.3), weight=250.0, delay=1.0, plasticity=[rule, pair(params={{
        "a_pre": 1.0, "a_post": -0.5, "w_min": 0.0, "w_max": 400.0}})])
    net.record_spikes(pop)
    return net
"""


def _run_py(code, env=None, cwd=None):
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900,
                         env={**os.environ, **(env or {})}, cwd=cwd or tempfile.gettempdir())
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return res.stdout


def test_checkpoint_of_custom_rule_and_model_continues_in_a_fresh_process(tmp_path):
    head = _SCRIPT.format(tests=str(Path(__file__).parent))
    ck = tmp_path / "ck.h5"
    _run_py(head + textwrap.dedent(f"""
        net = build(); net.run(300.0); net.save({str(ck)!r})
        net.run(300.0)
        np.save({str(tmp_path / 'w.npy')!r}, net.projections[0].weights)
        np.save({str(tmp_path / 't.npy')!r}, net.monitors[0].times)
    """))
    _run_py(textwrap.dedent(f"""
        import numpy as np, pyneuro as pn
        net = pn.Network.load({str(ck)!r}, threads=3)
        assert type(net.populations[1].model).__name__ == "Custom"
        net.run(300.0)
        np.save({str(tmp_path / 'w2.npy')!r}, net.projections[0].weights)
        np.save({str(tmp_path / 't2.npy')!r}, net.monitors[0].times)
    """))
    w, w2 = np.load(tmp_path / "w.npy"), np.load(tmp_path / "w2.npy")
    t, t2 = np.load(tmp_path / "t.npy"), np.load(tmp_path / "t2.npy")
    assert len(t) > 100
    np.testing.assert_array_equal(w2, w)
    np.testing.assert_array_equal(t2, t)


_SHIPPED = """
import numpy as np, pyneuro as pn
from pyneuro import definitions as defs

def build():
    net = pn.Network(dt=0.1, seed=9, threads=2)
    src = net.add_population(pn.models.PoissonSource(rate=40.0), 60, name="src")
    pop = net.add_population(defs.clopath_neuron(), 12, name="clopath")
    net.connect(src, pop, pn.conn.FixedInDegree(20), weight=3.0, delay=1.0, plasticity=defs.clopath_rule(w_max=6.0))
    pre = net.add_population(pn.models.PoissonSource(rate=20.0), 8, name="gb_pre")
    post = net.add_population(pn.models.PoissonSource(rate=20.0), 8, name="gb_post")
    net.connect(pre, post, pn.conn.OneToOne(), weight=0.5, delay=2.0, plasticity=defs.graupner_brunel_rule("DPD"))
    net.record_spikes(pop)
    return net

def dump(net, path):
    out = {"t": net.monitors[0].times, "i": net.monitors[0].indices, "v": net.populations[1].get("v")}
    for k, proj in enumerate(net.projections):
        if proj.plasticity:
            out[f"w{k}"] = proj.weights
            for name, col in proj.rule_state(0).items():
                out[f"s{k}/{name}"] = np.asarray(col)
    np.savez(path, **out)
"""


def test_checkpoint_of_the_shipped_definitions_continues_in_a_fresh_process(tmp_path):
    """Rule neuron variables (Clopath's filtered potentials), periodic bodies and synapse variables (Graupner-Brunel's
    efficacy) and the Clopath neuron's state survive a checkpoint: a fresh process continues bit for bit."""
    ck, a, b = tmp_path / "ck.h5", tmp_path / "a.npz", tmp_path / "b.npz"
    _run_py(_SHIPPED + textwrap.dedent(f"""
        net = build(); net.run(200.0); net.save({str(ck)!r}); net.run(200.0); dump(net, {str(a)!r})
    """))
    _run_py(_SHIPPED + textwrap.dedent(f"""
        net = pn.Network.load({str(ck)!r}, threads=1); net.run(200.0); dump(net, {str(b)!r})
    """))
    x, y = np.load(a), np.load(b)
    assert sorted(x.files) == sorted(y.files)
    assert any(k.endswith("u_plus") for k in x.files) and any(k.endswith("rho") for k in x.files), x.files
    assert len(x["t"]) > 50
    assert np.abs(x["w0"] - 3.0).max() > 1e-3 and np.abs(x["w1"] - 0.5).max() > 1e-3  # both rules acted
    for k in x.files:
        np.testing.assert_array_equal(y[k], x[k], err_msg=k)


def test_pickled_definition_rebuilds_in_a_fresh_process(tmp_path):
    p = tmp_path / "rule.pkl"
    p.write_bytes(pickle.dumps((pair(schedule=0.5), lif())))
    out = _run_py(textwrap.dedent(f"""
        import pickle, pyneuro as pn
        rule, model = pickle.loads(open({str(p)!r}, "rb").read())
        net = pn.Network()
        a = net.add_population(pn.models.PoissonSource(rate=10.0), 5)
        b = net.add_population(model, 5)
        net.connect(a, b, pn.conn.AllToAll(), weight=100.0, plasticity=rule)
        net.run(50.0)
        print(rule.core_kind(), rule.schedule.to_dict()["value"], rule.compile_seconds)
    """))
    kind, value, seconds = out.split()
    assert kind == pair().core_kind() and float(value) == 0.5 and float(seconds) == 0.0  # from the cache


# -- the population features on a compiled model ---------------------------------------------------------------------


def test_custom_population_supports_recorders_lesions_neurogenesis_and_intrinsic_plasticity():
    net = pn.Network(dt=0.1, seed=2)
    src = net.add_population(pn.models.PoissonSource(rate=30.0), 100)
    pop = net.add_population(lif(), 20)
    assert pop.state_vars == ("v", "I_ex", "I_in", "theta")
    proj = net.connect(src, pop, pn.conn.FixedProbability(0.3), weight=120.0, delay=1.0)
    net.add_plasticity(pop, pn.plasticity.IntrinsicPlasticity(target_rate=5.0, eta=0.5))
    sm = net.record_spikes(pop)
    vm = net.record_state(pop, "v", indices=[0, 1], every=1.0)
    net.run(500.0)
    assert vm.values.shape == (500, 2)
    assert np.abs(pop.get("theta")).max() > 0.1  # intrinsic plasticity moved the threshold offsets
    net.lesion(neurons=(pop, [0, 1, 2]))
    ids = pop.add_neurons(5, connect=[(proj, "in", pn.conn.FixedInDegree(30), 120.0, 1.0)])
    assert list(ids) == [20, 21, 22, 23, 24]
    np.testing.assert_array_equal(pop.get("v")[20:], -70.0)
    n0 = len(sm.times)
    net.run(500.0)
    late = sm.indices[n0:]
    assert not np.isin(late, [0, 1, 2]).any()  # lesioned neurons are silent
    assert np.isin(late, ids).any()  # new neurons fire
    pop.set("v", -60.0)
    assert np.all(pop.get("v") == -60.0)
    pop.set("V_m", -61.0)  # NEST's names, as for the built-in models
    assert np.all(pop.get("V_m") == -61.0) and np.all(pop.get("v") == -61.0)
    np.testing.assert_array_equal(pop.get("I_syn_ex"), pop.get("I_ex"))


# -- divergence ------------------------------------------------------------------------------------------------------


def test_nan_from_a_custom_model_stops_the_run_with_population_and_time():
    model = pn.models.Custom(params={"k": 1.0}, state={"v": 0.0}, equations="dv/dt = sqrt(v - 10 * k * t)",
                             method="rk2")
    net = pn.Network(dt=0.1)
    net.add_population(model, 4, name="bad")
    with pytest.raises(pn.SimulationError, match="population 'bad' has NaN") as ei:
        net.run(200.0)
    assert ei.value.population == "bad" and ei.value.time <= 100.0 + 1e-9


def test_nan_from_a_custom_rule_stops_the_run_with_the_projection():
    rule = pn.plasticity.Custom(params={"c": 10.0}, on_pre="w = log(w - c)")
    net = pn.Network(dt=0.1)
    pre, post = generators(net, [5.0], [50.0])
    net.connect(pre, post, pn.conn.OneToOne(), weight=1.0, plasticity=rule, name="bad_rule")
    with pytest.raises(pn.SimulationError, match="projection 'bad_rule'") as ei:
        net.run(300.0)
    assert ei.value.reason == "nan"


# -- bad input -------------------------------------------------------------------------------------------------------


def test_syntax_error_names_line_column_and_token():
    with pytest.raises(ExpressionError, match=r"Custom.on_post: syntax error at line 2, column \d+ near '\*'"):
        pair(on_post="w = w + 1\nw = w +* a_pre")


def test_unknown_name_lists_the_allowed_names():
    with pytest.raises(ExpressionError) as ei:
        pair(on_pre="w = w + a_pst * x_post")
    msg = str(ei.value)
    assert "line 1, column 9 ('a_pst')" in msg and "unknown name 'a_pst'" in msg
    for name in ("a_post", "x_post", "x_pre", "w", "t", "dt", "eta"):
        assert name in msg


@pytest.mark.parametrize("code,what", [("a_pre = 1.0", "a parameter"), ("x_pre = 0", "a trace"), ("t = 1", "the time"),
                                       ("dt = 1", "the time step")])
def test_assigning_read_only_names_is_refused(code, what):
    with pytest.raises(ExpressionError, match=f"read-only here \\({what}"):
        pair(on_pre=code)


@pytest.mark.parametrize("code", ["import os", "w = x_pre.real", "w = [1][0]", "w = (lambda: 1)()",
                                  "w = __import__('os')", "w = 'abc'", "w = eval('1')", "w = x_pre if w else w; del w",
                                  "w = w % 2", "w = {1: 2}[1]", "w = exp(x=1)"])
def test_code_outside_the_language_is_refused(code):
    with pytest.raises(ExpressionError):
        pair(on_pre=code)


def test_pre_and_post_state_variables_are_read_as_documented():
    """<var>_pre is the presynaptic neuron's state at the start of the step (a snapshot: the neuron belongs to
    another thread), <var>_post the postsynaptic neuron's current state; both as a state recorder sees them at t."""
    rule = pn.plasticity.Custom(synapse={"vp": 0.0}, on_post="vp = v_pre")
    assert rule.post_vars == []
    out = {}
    for threads in (1, 2):
        net = pn.Network(dt=0.1, seed=1, threads=threads)
        pre = net.add_population(pn.models.LIF(I_e=400.0), 40)
        pre.set("v", np.linspace(-70.0, -56.0, 40))
        post = net.add_population(pn.models.SpikeGenerator(times=[37.3], indices=[0]), 1)
        proj = net.connect(pre, post, pn.conn.AllToAll(), weight=0.0, delay=1.0, plasticity=rule)
        vm = net.record_state(pre, "v", every=0.1)
        net.run(50.0)
        st = proj.rule_state(0)
        out[threads] = np.asarray(st["syn/vp"])
        np.testing.assert_array_equal(out[threads], vm.values[373])  # the state at t = 37.3 ms
        with pytest.raises(ValueError, match="reads v_post"):
            net.connect(pre, post, pn.conn.OneToOne(), plasticity=pn.plasticity.Custom(on_pre="w = v_post"))
    np.testing.assert_array_equal(out[1], out[2])


def test_bad_definitions_raise_before_anything_changes():
    with pytest.raises(ValueError, match=r"Custom.params\['a'\] must be a number .*got nan"):
        pn.plasticity.Custom(params={"a": float("nan")}, on_pre="w += a")
    with pytest.raises(TypeError, match="Custom.params"):
        pn.plasticity.Custom(params={"a": "1; system(\"rm -rf /\")"}, on_pre="w += a")
    with pytest.raises(ValueError, match="ASCII identifier"):
        pn.plasticity.Custom(params={"a); x(": 1.0}, on_pre="w += 1")
    with pytest.raises(ValueError, match="needs at least one of on_pre"):
        pn.plasticity.Custom(params={"a": 1.0})
    with pytest.raises(ValueError, match="interval"):
        pn.plasticity.Custom(on_tick="w += 1")
    with pytest.raises(ValueError, match="names parameter 'tau'"):
        pn.plasticity.Custom(traces={"x": Trace("pre", "tau")}, on_pre="w += x")
    with pytest.raises(ValueError, match="reserved"):
        pn.plasticity.Custom(params={"w": 1.0}, on_pre="w += 1")
    with pytest.raises(ValueError, match="not a state variable"):
        lif(equations="dq/dt = -q")
    with pytest.raises(ExpressionError, match="method 'exact' needs linear equations"):
        lif(equations="dv/dt = -v * v / tau_m", state={"v": 0.0}, receptors={}, threshold=None)
    with pytest.raises(ValueError, match="receptors"):
        lif(receptors={"exc": "I_ex = w"})
    with pytest.raises(ValueError, match="Custom.refractory names parameter 'tr'"):
        lif(refractory="tr")
    # a rule reading a state variable the target lacks: refused at connect, no projection made
    net = pn.Network()
    a, b = generators(net, [1.0], [2.0])
    rule = pn.plasticity.Custom(on_post="w += v_post")
    with pytest.raises(ValueError, match="reads v_post"):
        net.connect(a, b, pn.conn.OneToOne(), plasticity=rule)
    assert net.projections == []


def test_compiler_failure_shows_its_message():
    with pytest.raises(CompilerError, match="the C\\+\\+ compiler failed") as ei:
        pair(on_pre="w = min(w > 0.5, 2.0)")  # valid in the language, ill-typed in C++ (bool against double)
    assert "error" in str(ei.value)


def test_no_compiler_is_a_clear_error_at_definition(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", "import pyneuro as pn\n"
         "try:\n    pn.plasticity.Custom(on_pre='w += 1')\nexcept Exception as e:\n    print(type(e).__name__, e)"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k not in ("CXX", "PYNEURO_CXX")} | {"PATH": str(tmp_path)},
    )
    assert "CompilerError" in out.stdout and "needs a C++ compiler" in out.stdout, out.stdout + out.stderr


# -- cache -----------------------------------------------------------------------------------------------------------


def test_cache_is_shared_and_concurrent_builds_compile_once(tmp_path):
    cache = tmp_path / "cache"
    code = textwrap.dedent("""
        import pyneuro as pn
        r = pn.plasticity.Custom(params={"k_unique_concurrency": 1.0}, on_post="w += k_unique_concurrency")
        print(r.compile_seconds)
    """)
    env = {**os.environ, "PYNEURO_CACHE_DIR": str(cache)}
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=tmp_path) for _ in range(3)]
    secs = []
    for p in procs:
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, err[-3000:]
        secs.append(float(out.split()[-1]))
    assert sum(s > 0 for s in secs) == 1  # one process compiled; the others waited on the lock and loaded it
    libs = sorted(x.name for x in cache.iterdir() if x.suffix == ".so")
    assert len(libs) == 1 and not list(cache.glob("*.tmp.so"))
    again = _run_py(code, env={"PYNEURO_CACHE_DIR": str(cache)})
    assert float(again.split()[-1]) == 0.0


def test_changing_a_parameter_value_does_not_recompile():
    a = pair()
    b = pair(params={"a_pre": 0.02, "a_post": -0.03, "w_min": 0.0, "w_max": 2.0})
    assert a.core_kind() == b.core_kind() and b.compile_seconds == 0.0
    c = pair(on_post="w = clip(w + 2 * a_pre * x_pre, w_min, w_max)")
    assert c.core_kind() != a.core_kind()


def test_delayed_neuron_variable_is_read_as_it_was_delay_earlier():
    """A rule neuron variable c with dc/dt = 1 from 0 holds t after the update of each step; with a delay of D ms
    the bodies read t - D (D rounded to steps), its own equation the current value; before the run has reached D
    the initial value. A delay must be a number in [0, 10000] ms or a parameter's name."""
    out = {}
    for delay in (0.0, 1.0, 2.5, "d", 20.0):
        rule = pn.plasticity.Custom(params={"one": 1.0, "d": 0.7}, neuron={"c": ("one", -3.0, delay)},
                                    on_tick="w = c", interval=0.1)
        net = pn.Network(dt=0.1, seed=1)
        a = net.add_population(pn.models.PoissonSource(rate=1.0), 1)
        b = net.add_population(pn.models.LIF(), 1)
        proj = net.connect(a, b, pn.conn.OneToOne(), weight=0.0, delay=0.1, plasticity=rule)
        net.run(5.0)
        out[delay] = float(proj.weights[0])
    # c after the update of the last step (49): -3 + 5.0 ms
    assert out[0.0] == pytest.approx(2.0, abs=1e-5)
    assert out[1.0] == pytest.approx(1.0, abs=1e-5)
    assert out[2.5] == pytest.approx(-0.5, abs=1e-5)
    assert out["d"] == pytest.approx(1.3, abs=1e-5)
    assert out[20.0] == -3.0  # not reached yet: the initial value
    for bad, match in ((-1.0, r"delay \(ms\) must be"), (2e4, r"delay \(ms\) must be"),
                       ("nope", "names parameter 'nope'"), (float("nan"), "delay")):
        with pytest.raises(ValueError, match=match):
            pn.plasticity.Custom(params={"one": 1.0}, neuron={"c": ("one", 0.0, bad)}, on_tick="w = c", interval=0.1)


def test_auryn_like_neuron_with_euler_against_numpy():
    """A conductance neuron in the style of Auryn's (AMPA and a slow NMDA low-pass of it, GABA, a threshold that
    jumps at each spike and decays, a voltage clip at E_inh), forward Euler in float32: checked step by step against
    the same recursion in numpy for one neuron driven by given spikes."""
    model = pn.models.Custom(
        params=dict(tau_mem=20.0, E_rest=-70.0, E_exc=0.0, E_inh=-80.0, tau_ampa=5.0, tau_nmda=100.0,
                    tau_gaba=10.0, nmda_ratio=0.3, V_th=-50.0, V_reset=-70.0, tau_thr=5.0, dthr=100.0),
        state={"v": -70.0, "g_ampa": 0.0, "g_nmda": 0.0, "g_gaba": 0.0, "thr": 0.0},
        equations="""
            g_e = (1 - nmda_ratio) * g_ampa + nmda_ratio * g_nmda
            dv/dt = (E_rest - v + g_e * (E_exc - v) + g_gaba * (E_inh - v)) / tau_mem
            dg_ampa/dt = -g_ampa / tau_ampa
            dg_nmda/dt = (g_ampa - g_nmda) / tau_nmda
            dg_gaba/dt = -g_gaba / tau_gaba
            dthr/dt = -thr / tau_thr
            v = max(v, E_inh)
        """,
        threshold="v >= V_th + thr",
        reset="v = V_reset; thr += dthr",
        receptors={"exc": "g_ampa += w", "inh": "g_gaba += w"},
        method="euler",
    )
    t_in = np.arange(5.0, 400.0, 2.0)
    net = pn.Network(dt=0.1, seed=1)
    src = net.add_population(pn.models.SpikeGenerator(times=t_in, indices=np.zeros(len(t_in), int)), 1)
    pop = net.add_population(model, 1)
    net.connect(src, pop, pn.conn.OneToOne(), weight=0.8, delay=0.1)
    vm = net.record_state(pop, "v", every=0.1)
    sm = net.record_spikes(pop)
    net.run(400.0)
    f = np.float32
    h = f(0.1)
    v, ga, gn, gg, thr = f(-70.0), f(0.0), f(0.0), f(0.0), f(0.0)
    arrivals = set(np.floor((t_in + 0.1) / 0.1 + 0.5 + 1e-9).astype(int))
    Ea, Eg, Et = f(np.exp(-0.1 / 5.0)), f(np.exp(-0.1 / 10.0)), f(np.exp(-0.1 / 5.0))
    vs, spikes = [], []
    for k in range(4000):
        vs.append(v)
        if k in arrivals:
            ga = f(ga + f(1.0) * f(0.8))
        ge = f(f(f(1) - f(0.3)) * ga + f(0.3) * gn)
        dv = f(f(f(f(f(-70.0) - v) + f(ge * f(f(0.0) - v))) + f(gg * f(f(-80.0) - v))) / f(20.0))
        v1 = f(v + f(h * dv))
        gn1 = f(gn + f(h * f(f(ga - gn) / f(100.0))))
        ga, gg, thr = f(ga * Ea), f(gg * Eg), f(thr * Et)
        v, gn = max(v1, f(-80.0)), gn1
        if v >= f(f(-50.0) + thr):
            v, thr = f(-70.0), f(thr + f(100.0))
            spikes.append(k * 0.1)
    assert len(spikes) > 3
    np.testing.assert_allclose(sm.times, spikes, atol=1e-9)
    np.testing.assert_allclose(vm.values[:, 0], vs, rtol=1e-5, atol=1e-4)


def test_guard_leaves_synapses_untouched():
    """A guard that is false leaves the synapse as it was: a weight above w_max stays there (an unguarded clip would
    pull it in), as with the built-in STDP, which skips synapses whose trace is 0."""
    guarded = pair(on_pre="if x_post != 0:\n    w = clip(w + a_post * x_post, w_min, w_max)")
    plain = pair()
    out = {}
    for name, rule in (("guarded", guarded), ("plain", plain), ("builtin", pn.plasticity.STDP(w_max=1.0))):
        net = pn.Network(dt=0.1, seed=1)
        pre, post = generators(net, [10.0, 20.0], [500.0])
        proj = net.connect(pre, post, pn.conn.OneToOne(), weight=1.5, delay=1.0, plasticity=rule)
        net.run(100.0)
        out[name] = proj.weights[0]
    assert out["guarded"] == out["builtin"] == np.float32(1.5)
    assert out["plain"] == 1.0
    with pytest.raises(ExpressionError, match="unknown name 'w'"):
        pair(on_pre="if w > 0:\n    w = 0")
    with pytest.raises(ExpressionError, match="takes no 'else'"):
        pair(on_pre="if x_post != 0:\n    w = 0\nelse:\n    w = 1")
    with pytest.raises(ExpressionError, match="one guard 'if condition:'"):
        pair(on_pre="w = w\nif x_post != 0:\n    w = 0")


_INF, _NAN = float("inf"), float("nan")


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: pn.plasticity.Custom(params={"a": _INF}, on_pre="w += a"), r"Custom.params\['a'\] must be finite"),
        (lambda: pn.plasticity.Custom(params={"a": -_INF}, on_pre="w += a"), r"Custom.params\['a'\] must be finite"),
        (lambda: pn.plasticity.Custom(traces={"x": Trace("pre", _INF)}, on_pre="w += x"), "Trace.tau must be finite"),
        (lambda: pn.plasticity.Custom(traces={"x": Trace("pre", _NAN)}, on_pre="w += x"), "Trace.tau must be a number"),
        (lambda: pn.plasticity.Custom(synapse={"e": _NAN}, on_pre="e += 1"), r"Custom.synapse\['e'\] must be a number"),
        (lambda: pn.plasticity.Custom(synapse={"e": (0.0, _INF)}, on_pre="e += 1"), r"synapse\['e'\] tau must be fin"),
        (lambda: pn.plasticity.Custom(neuron={"u": ("-u", _INF)}, on_pre="w += u"), r"neuron\['u'\] initial value"),
        (lambda: pn.plasticity.Custom(on_tick="w += 1", interval=_NAN), "Custom.interval must be a number"),
        (lambda: pn.plasticity.Custom(on_pre="w += 1e999"), "numbers must be finite"),
        (lambda: lif(params={**lif().params, "tau_m": _INF}), r"Custom.params\['tau_m'\] must be finite"),
        (lambda: lif(state={"v": _NAN, "I_ex": 0.0, "I_in": 0.0, "theta": 0.0}), r"Custom.state\['v'\] must be a num"),
        (lambda: lif(refractory=_INF), "Custom.refractory must be finite"),
    ],
)
def test_non_finite_numbers_are_refused_with_their_name(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_custom_rule_and_model_identical_at_1_2_and_4_threads():
    """A recurrent network of the LIF definition whose E->E synapses carry three user rules at once (a pair rule
    with a guard, a rule with a decaying synapse variable and a neuron variable of the postsynaptic population, and a
    periodic sweep): spikes, weights and every rule column equal bit for bit at 1, 2 and 4 threads."""
    decay = pn.plasticity.Custom(
        params={"a": 0.5, "tau_e": 50.0, "tau_u": 30.0},
        traces={"x": Trace("pre", 15.0, mode="nearest")},
        synapse={"e": (0.0, "tau_e")},
        neuron={"u": ("(v_post - u) / tau_u", -70.0)},
        on_pre="e += x",
        on_post="w = clip(w + a * e * max(u + 60, 0), 0, 400)",
    )
    sweep = pn.plasticity.Custom(params={"k": 0.999}, on_tick="w = w * k + 0.01", interval=10.0)
    out = []
    for threads in (1, 2, 4):
        net = pn.Network(dt=0.1, seed=7, threads=threads)
        src = net.add_population(pn.models.PoissonSource(rate=30.0), 200, name="src")
        pop = net.add_population(lif(), 300, name="pop")
        net.connect(src, pop, pn.conn.FixedInDegree(25), weight=300.0, delay=1.0)
        ee = net.connect(pop, pop, pn.conn.FixedProbability(0.05), weight=60.0, delay=1.5,
                         plasticity=[pair(params={"a_pre": 2.0, "a_post": -2.1, "w_min": 0.0, "w_max": 400.0}),
                                     decay, sweep])  # fmt: skip
        sm = net.record_spikes(pop)
        net.run(400.0)
        cols = {k: np.asarray(v).copy() for i in range(3) for k, v in ee.rule_state(i).items()}
        out.append((sm.times.copy(), sm.indices.copy(), ee.weights.copy(), pop.get("v").copy(), cols))
    assert len(out[0][0]) > 500 and np.abs(out[0][2] - 60.0).max() > 1.0  # active, and the weights moved
    for threads, got in zip((2, 4), out[1:]):
        for x, y in zip(out[0][:4], got[:4]):
            np.testing.assert_array_equal(y, x, err_msg=f"threads={threads}")
        assert got[4].keys() == out[0][4].keys()
        for k in out[0][4]:
            np.testing.assert_array_equal(got[4][k], out[0][4][k], err_msg=f"threads={threads}: {k}")


def test_presynaptic_trace_read_by_a_periodic_body_into_a_source():
    """A rule with no on_pre, on a single-delay projection whose target is a spike source (input to a source is not
    transmitted): its periodic body still reads the presynaptic trace at t - delay, as on a projection into a neuron
    (bit for bit) and as the closed form says."""
    rule = pn.plasticity.Custom(
        traces={"x": Trace("pre", 20.0)}, synapse={"xs": 0.0}, on_tick="xs = x", interval=0.1
    )
    out = []
    for target in (pn.models.SpikeGenerator(times=[], indices=[]), pn.models.LIF()):
        net = pn.Network(dt=0.1, seed=1)
        pre = net.add_population(pn.models.SpikeGenerator(times=[10.0, 30.0], indices=[0, 0]), 1)
        post = net.add_population(target, 1)
        proj = net.connect(pre, post, pn.conn.OneToOne(), weight=0.0, delay=2.0, plasticity=rule)
        net.run(50.0)
        out.append(float(np.asarray(proj.rule_state(0)["syn/xs"])[0]))
    assert out[0] == out[1]
    expected = np.exp(-(49.9 - 12.0) / 20.0) + np.exp(-(49.9 - 32.0) / 20.0)  # the last tick, at t = 49.9 ms
    assert out[0] == pytest.approx(expected, rel=1e-5)
