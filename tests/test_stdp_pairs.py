"""Pair STDP (pn.plasticity.STDP) against closed forms and an independent event-driven implementation.

Conventions under test (DESIGN.md, "The step loop" and pn.plasticity.STDP):
- a spike in step s has time s*dt; SpikeGenerator times T are emitted in step round(T/dt);
- a presynaptic spike emitted at t_e with delay D arrives at t_a = t_e + D, its time for plasticity;
- a postsynaptic spike counts at its own time; within a step arrivals precede the step's post spikes;
- dt_s = t_post - t_a >= 0: dw = a_pre exp(-dt_s/tau_pre) f_plus(w); else dw = a_post exp(dt_s/tau_post) f_minus(w);
- weights are float32 and clipped to [w_min, w_max] after every update.

Pre and post spikes come from SpikeGenerator populations (a plastic projection may end on a generator: its input
is ignored but its spikes drive the postsynaptic half of the rule).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import pyneuro as pn

DT = 0.1
INTERACTIONS = ("all_to_all", "nearest")
DEPENDENCES = ("additive", "multiplicative", "power_law")


def _f(dep: str, w: float, w_min: float, w_max: float, mu: float) -> tuple[float, float]:
    """(f_plus, f_minus) of the weight dependence at w."""
    u = min(max((w - w_min) / (w_max - w_min), 0.0), 1.0)
    if dep == "additive":
        return 1.0, 1.0
    if dep == "multiplicative":
        return 1.0, u
    return (1.0 - u) ** mu, u**mu


# ----------------------------------------------------------------------------------------------------------------
# single pairs
# ----------------------------------------------------------------------------------------------------------------

# t_post - t_a in ms: both signs, zero, one step either side, up to two time constants away
PAIR_DTS = np.round(np.concatenate([np.arange(-40.0, 40.01, 2.5), [-0.1, 0.1, 0.0, -0.3, 0.7]]), 1)


def _run_pairs(dts, delay, rule, w0, t0=60.0, threads=1):
    """One synapse per pair: pre neuron k emits at t0, its spike arrives at t0 + delay, post k fires at
    t0 + delay + dts[k]. Every neuron spikes once, so the pairs cannot interact."""
    n = len(dts)
    te = np.full(n, t0)
    tp = te + delay + np.asarray(dts)
    assert tp.min() >= 0
    net = pn.Network(dt=DT, seed=3, threads=threads)
    pre = net.add_population(pn.models.SpikeGenerator(times=te, indices=np.arange(n)), n, name="pre")
    post = net.add_population(pn.models.SpikeGenerator(times=tp, indices=np.arange(n)), n, name="post")
    k = np.arange(n)
    proj = net.connect(pre, post, pn.conn.FromArrays(k, k), weight=w0, delay=delay, plasticity=rule)
    assert np.all(proj.delay_steps == round(delay / DT))
    net.run(float(tp.max()) + 20.0)
    return proj.weights


def _pair_expected(dts, rule, w0):
    out = []
    for d, w in zip(dts, np.broadcast_to(w0, (len(dts),))):
        fp, fm = _f(rule.weight_dependence, float(w), rule.w_min, rule.w_max, rule.mu)
        if d >= 0:
            dw = rule.a_pre * math.exp(-d / rule.tau_pre) * fp
        else:
            dw = rule.a_post * math.exp(d / rule.tau_post) * fm
        out.append(min(max(float(w) + dw, rule.w_min), rule.w_max))
    return np.array(out)


@pytest.mark.parametrize("delay", [0.1, 2.5, 7.3])
@pytest.mark.parametrize("interaction", INTERACTIONS)
@pytest.mark.parametrize("dep", DEPENDENCES)
def test_single_pairs_match_closed_form(delay, interaction, dep):
    rule = pn.plasticity.STDP(
        tau_pre=16.8,
        tau_post=33.7,
        a_pre=0.01,
        a_post=-0.012,
        w_min=0.1,
        w_max=1.1,
        interaction=interaction,
        weight_dependence=dep,
        mu=0.4,
    )
    # several initial weights so that the weight dependence is exercised at different u
    w0 = np.resize(np.array([0.35, 0.8, 0.15, 1.0]), len(PAIR_DTS))
    n = len(PAIR_DTS)
    net = pn.Network(dt=DT, seed=3)
    t0 = 60.0
    te = np.full(n, t0)
    tp = te + delay + PAIR_DTS
    pre = net.add_population(pn.models.SpikeGenerator(times=te, indices=np.arange(n)), n)
    post = net.add_population(pn.models.SpikeGenerator(times=tp, indices=np.arange(n)), n)
    k = np.arange(n)
    proj = net.connect(pre, post, pn.conn.FromArrays(k, k), weight=w0, delay=delay, plasticity=rule)
    net.run(float(tp.max()) + 20.0)
    got = proj.weights
    assert got.dtype == np.float32
    want = _pair_expected(PAIR_DTS, rule, w0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=f"dt_s = {PAIR_DTS}")
    # sanity: the sign of the change follows the sign of dt_s
    assert np.all(got[PAIR_DTS >= 0] > w0[PAIR_DTS >= 0])
    assert np.all(got[PAIR_DTS < 0] < w0[PAIR_DTS < 0])


@pytest.mark.parametrize("interaction", INTERACTIONS)
def test_single_pairs_two_threads(interaction):
    rule = pn.plasticity.STDP(
        tau_pre=20.0, tau_post=20.0, a_pre=0.01, a_post=-0.0105, w_min=0.0, w_max=1.0, interaction=interaction
    )
    got = _run_pairs(PAIR_DTS, 2.5, rule, 0.5, threads=2)
    np.testing.assert_allclose(got, _pair_expected(PAIR_DTS, rule, 0.5), rtol=1e-6, atol=1e-7)


def test_pair_at_zero_lag_is_potentiation_only():
    """dt_s = 0: the arrival is processed first (post trace still 0), then the post spike sees x_pre = 1."""
    rule = pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.01, a_post=-0.02, w_min=0.0, w_max=1.0)
    for delay in (0.1, 2.5):
        got = _run_pairs([0.0], delay, rule, 0.5)
        np.testing.assert_allclose(got, [0.51], rtol=1e-6)


@pytest.mark.parametrize("interaction", INTERACTIONS)
@pytest.mark.parametrize("dep", DEPENDENCES)
def test_clipping_at_bounds(interaction, dep):
    """Updates larger than the distance to the bound clip exactly to w_max / w_min."""
    w_min, w_max = 0.2, 1.0
    rule = pn.plasticity.STDP(
        tau_pre=20.0,
        tau_post=20.0,
        a_pre=5.0,
        a_post=-5.0,
        w_min=w_min,
        w_max=w_max,
        interaction=interaction,
        weight_dependence=dep,
        mu=0.5,
    )
    dts = np.array([1.0, 5.0, -1.0, -5.0, 3.0, -3.0])
    w0 = np.array([0.9, 0.5, 0.3, 0.6, 1.0, 0.2])  # includes starting exactly at the bounds
    for delay in (0.1, 2.5):
        got = _run_pairs(dts, delay, rule, w0)
        want = _pair_expected(dts, rule, w0)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
        if dep != "power_law":  # power law: f_plus(w_max) = 0, f_minus(w_min) = 0 -> no change at the bounds
            assert got[0] == np.float32(w_max) and got[1] == np.float32(w_max)
            assert got[2] == np.float32(w_min) and got[3] == np.float32(w_min)
        assert got.max() <= np.float32(w_max) and got.min() >= np.float32(w_min)


def test_power_law_mu_zero_is_additive_and_mu_one_is_multiplicative_ltd():
    base = dict(tau_pre=20.0, tau_post=20.0, a_pre=0.05, a_post=-0.05, w_min=0.0, w_max=1.0)
    dts = np.array([-10.0, -2.0, 2.0, 10.0])
    w0 = np.array([0.3, 0.7, 0.3, 0.7])
    add = _run_pairs(dts, 2.5, pn.plasticity.STDP(**base, weight_dependence="additive"), w0)
    pl0 = _run_pairs(dts, 2.5, pn.plasticity.STDP(**base, weight_dependence="power_law", mu=0.0), w0)
    np.testing.assert_array_equal(add, pl0)
    mul = _run_pairs(dts, 2.5, pn.plasticity.STDP(**base, weight_dependence="multiplicative"), w0)
    pl1 = _run_pairs(dts, 2.5, pn.plasticity.STDP(**base, weight_dependence="power_law", mu=1.0), w0)
    np.testing.assert_allclose(pl1[:2], mul[:2], rtol=1e-6)  # LTD: u**1 == u
    np.testing.assert_allclose(pl1[2:], w0[2:] + 0.05 * np.exp(-dts[2:] / 20.0) * (1 - w0[2:]), rtol=1e-6)


# ----------------------------------------------------------------------------------------------------------------
# spike trains: independent event-driven reference
# ----------------------------------------------------------------------------------------------------------------


def reference_pair_stdp(pre_steps, post_steps, syn_pre, syn_post, syn_d, w0, rules, n_steps, clipped=None):
    """Final weights of every synapse under the composed pair-STDP ``rules``.

    Independent of the simulator's trace bookkeeping: traces are evaluated directly from the spike lists.
    Per synapse the events are the arrivals (emission step + delay, only those before ``n_steps``) and the post
    spikes; at equal steps arrivals come first. At an arrival at t the post trace counts post spikes strictly
    before t; at a post spike at t the pre trace counts arrivals at <= t. all_to_all sums exp(-lag/tau) over
    those spikes, nearest takes only the latest. Each rule updates in list order; after every update the weight
    is clipped and stored as float32. ``clipped`` (a dict), if given, counts the clips at "w_min" and "w_max".
    """
    out = np.empty(len(syn_pre), dtype=np.float32)
    for s in range(len(syn_pre)):
        arr = np.sort(np.asarray(pre_steps[syn_pre[s]], dtype=np.int64) + int(syn_d[s]))
        arr = arr[arr < n_steps]
        post = np.sort(np.asarray(post_steps[syn_post[s]], dtype=np.int64))
        post = post[post < n_steps]
        events = sorted([(int(t), 0) for t in arr] + [(int(t), 1) for t in post])
        w = np.float32(w0[s])
        for t, kind in events:
            for r in rules:
                if kind == 0:  # arrival: depression with the post trace (post spikes strictly earlier)
                    past = post[post < t]
                    tau, amp = r.tau_post, r.a_post
                else:  # post spike: potentiation with the pre trace (arrivals at or before t)
                    past = arr[arr <= t]
                    tau, amp = r.tau_pre, r.a_pre
                if past.size == 0:
                    continue
                lags = (t - past) * DT
                if r.interaction == "nearest":
                    x = math.exp(-lags.min() / tau)
                else:
                    x = float(np.sum(np.exp(-lags / tau)))
                fp, fm = _f(r.weight_dependence, float(w), r.w_min, r.w_max, r.mu)
                wd = float(w) + amp * x * (fm if kind == 0 else fp)
                if clipped is not None and (wd < r.w_min or wd > r.w_max):
                    key = "w_min" if wd < r.w_min else "w_max"
                    clipped[key] = clipped.get(key, 0) + 1
                w = np.float32(min(max(wd, r.w_min), r.w_max))
        out[s] = w
    return out


def _poisson_steps(rng, rate_hz, n_steps, min_step=0):
    """Sorted unique spike steps of a Bernoulli process with rate_hz."""
    p = rate_hz * DT * 1e-3
    return np.flatnonzero(rng.random(n_steps) < p) + min_step


def _train_network(
    rng, n_pre, n_post, n_syn, t_ms, max_delay_steps, rate_pre, rate_post, threads, time_convention="pyneuro"
):
    n_steps = int(round(t_ms / DT))
    # under NEST's convention generator times are stamps >= dt (a spike is stamped at the end of its step)
    first = 1 if time_convention == "nest" else 0
    pre_steps = [_poisson_steps(rng, rate_pre, n_steps - 200, first) for _ in range(n_pre)]
    post_steps = [_poisson_steps(rng, rate_post, n_steps - 200, first) for _ in range(n_post)]
    # a few deliberately coincident and near-coincident spikes
    pre_steps[0] = np.unique(np.concatenate([pre_steps[0], [100, 101, 102, 300]]))
    post_steps[0] = np.unique(np.concatenate([post_steps[0], [100, 105, 130, 131, 300]]))

    def gen(steps_list):
        t = np.concatenate([s * DT for s in steps_list])
        i = np.concatenate([np.full(len(s), k) for k, s in enumerate(steps_list)])
        return pn.models.SpikeGenerator(times=t, indices=i)

    syn_pre = rng.integers(0, n_pre, n_syn)
    syn_post = rng.integers(0, n_post, n_syn)
    syn_pre[:4] = 0
    syn_post[:4] = 0  # multapses 0 -> 0 with different delays
    syn_d = rng.integers(2, max_delay_steps + 1, n_syn)
    syn_d[:4] = [1, 2, 25, max_delay_steps]
    syn_d[4:10] = 1
    net = pn.Network(dt=DT, seed=5, threads=threads, time_convention=time_convention)
    pre = net.add_population(gen(pre_steps), n_pre, name="pre")
    post = net.add_population(gen(post_steps), n_post, name="post")
    return net, pre, post, pre_steps, post_steps, syn_pre, syn_post, syn_d, n_steps


def _canonical(proj, syn_pre, syn_post, syn_d, values):
    """Reorder per-synapse values given in creation order to the projection's canonical order (pre, delay, post,
    ties in creation order) and check that the structure matches."""
    order = np.lexsort((np.arange(len(syn_pre)), syn_post, syn_d, syn_pre))
    np.testing.assert_array_equal(proj.pre, syn_pre[order])
    np.testing.assert_array_equal(proj.post, syn_post[order])
    np.testing.assert_array_equal(proj.delay_steps, syn_d[order])
    return np.asarray(values)[order]


RULE_SETS = {
    "small": dict(a_pre=0.01, a_post=-0.0105, w_min=0.0, w_max=1.0),
    # large amplitudes: weights hit both bounds during the trains
    "clipping": dict(a_pre=0.3, a_post=-0.35, w_min=0.1, w_max=1.0),
}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("amps", sorted(RULE_SETS))
@pytest.mark.parametrize("interaction", INTERACTIONS)
@pytest.mark.parametrize("dep", DEPENDENCES)
def test_spike_trains_match_reference(threads, amps, interaction, dep):
    rng = np.random.default_rng(
        [11, threads, sorted(RULE_SETS).index(amps), INTERACTIONS.index(interaction), DEPENDENCES.index(dep)]
    )
    net, pre, post, pre_steps, post_steps, sp, sq, sd, n_steps = _train_network(
        rng,
        n_pre=8,
        n_post=6,
        n_syn=60,
        t_ms=600.0,
        max_delay_steps=60,
        rate_pre=40.0,
        rate_post=30.0,
        threads=threads,
    )
    rule = pn.plasticity.STDP(
        tau_pre=16.8, tau_post=33.7, interaction=interaction, weight_dependence=dep, mu=0.6, **RULE_SETS[amps]
    )
    w0 = rng.uniform(rule.w_min, rule.w_max, len(sp))
    proj = net.connect(pre, post, pn.conn.FromArrays(sp, sq), weight=w0, delay=sd * DT, plasticity=rule)
    net.run(n_steps * DT)
    assert net.step == n_steps
    clipped: dict[str, int] = {}
    want = reference_pair_stdp(pre_steps, post_steps, sp, sq, sd, w0.astype(np.float32), [rule], n_steps, clipped)
    want = _canonical(proj, sp, sq, sd, want)
    got = proj.weights
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6)
    assert not np.allclose(got, _canonical(proj, sp, sq, sd, w0.astype(np.float32)))  # something happened
    if amps == "clipping" and dep == "additive":
        assert clipped.get("w_min", 0) > 0 and clipped.get("w_max", 0) > 0, clipped
        assert np.any((got == np.float32(rule.w_max)) | (got == np.float32(rule.w_min)))


def test_shared_populations_several_rules_and_projections():
    """Three plastic projections between the same generator populations, rules with equal and different time
    constants and interactions (traces are shared per (tau, interaction)), one projection with a composed list of
    two rules; heterogeneous delays. Also run in several chunks (run() called repeatedly)."""
    rng = np.random.default_rng(2024)
    net, pre, post, pre_steps, post_steps, sp, sq, sd, n_steps = _train_network(
        rng,
        n_pre=7,
        n_post=5,
        n_syn=50,
        t_ms=800.0,
        max_delay_steps=80,
        rate_pre=35.0,
        rate_post=35.0,
        threads=2,
    )
    r_a = pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.02, a_post=-0.021, w_min=0.0, w_max=1.0)
    r_b = pn.plasticity.STDP(
        tau_pre=20.0,
        tau_post=20.0,
        a_pre=0.03,
        a_post=-0.02,
        w_min=0.0,
        w_max=1.0,
        interaction="nearest",
        weight_dependence="multiplicative",
    )
    r_c = pn.plasticity.STDP(
        tau_pre=10.0,
        tau_post=40.0,
        a_pre=0.05,
        a_post=-0.04,
        w_min=0.05,
        w_max=0.9,
        weight_dependence="power_law",
        mu=0.3,
    )
    r_d = pn.plasticity.STDP(
        tau_pre=5.0, tau_post=5.0, a_pre=-0.01, a_post=0.02, w_min=0.0, w_max=1.0, interaction="nearest"
    )  # anti-Hebbian second rule of a composed list
    w0 = rng.uniform(0.1, 0.85, len(sp)).astype(np.float32)
    specs = [("A", [r_a]), ("B", [r_b]), ("C", [r_c, r_d])]
    projs = {}
    for name, rules in specs:
        # each projection gets its own delay permutation
        d = rng.permutation(sd)
        projs[name] = (
            net.connect(pre, post, pn.conn.FromArrays(sp, sq), weight=w0, delay=d * DT, plasticity=rules, name=name),
            d,
            rules,
        )
    for chunk in (123.4, 0.1, 276.5, 400.0):
        net.run(chunk)
    assert net.step == n_steps
    for name, (proj, d, rules) in projs.items():
        want = reference_pair_stdp(pre_steps, post_steps, sp, sq, d, w0, rules, n_steps)
        np.testing.assert_allclose(proj.weights, _canonical(proj, sp, sq, d, want), rtol=2e-6, atol=1e-6, err_msg=name)


def test_arrival_after_end_of_run_not_applied_until_next_run():
    """A spike still in flight at the end of run() is applied when it arrives in the next run."""
    rule = pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.01, a_post=-0.02, w_min=0.0, w_max=1.0)
    net = pn.Network(dt=DT, seed=1)
    pre = net.add_population(pn.models.SpikeGenerator(times=[10.0], indices=[0]), 1)
    post = net.add_population(pn.models.SpikeGenerator(times=[5.0], indices=[0]), 1)
    proj = net.connect(pre, post, pn.conn.FromArrays([0], [0]), weight=0.5, delay=3.0, plasticity=rule)
    net.run(12.0)  # emitted at 10, arrives at 13
    assert proj.weights[0] == np.float32(0.5)
    net.run(2.0)
    np.testing.assert_allclose(proj.weights, [0.5 - 0.02 * math.exp(-8.0 / 20.0)], rtol=1e-6)


# ----------------------------------------------------------------------------------------------------------------
# NEST's time convention: the same rule on stamped times
# ----------------------------------------------------------------------------------------------------------------
# Under time_convention="nest" a spike is stamped at the end of its step and its delay counts from the stamp; the
# reference above, applied to the stamps (generator times are stamps), must give the same weights. A run of n steps
# processes arrivals stamped <= n and post spikes stamped <= n.


@pytest.mark.parametrize("delay", [0.1, 2.5])
@pytest.mark.parametrize("dep", DEPENDENCES)
def test_single_pairs_nest_convention(delay, dep):
    rule = pn.plasticity.STDP(
        tau_pre=16.8, tau_post=33.7, a_pre=0.01, a_post=-0.012, w_min=0.1, w_max=1.1, weight_dependence=dep, mu=0.4
    )
    n = len(PAIR_DTS)
    w0 = np.resize(np.array([0.35, 0.8, 0.15, 1.0]), n)
    te = np.full(n, 60.0)
    tp = te + delay + PAIR_DTS
    net = pn.Network(dt=DT, seed=3, time_convention="nest")
    pre = net.add_population(pn.models.SpikeGenerator(times=te, indices=np.arange(n)), n)
    post = net.add_population(pn.models.SpikeGenerator(times=tp, indices=np.arange(n)), n)
    k = np.arange(n)
    proj = net.connect(pre, post, pn.conn.FromArrays(k, k), weight=w0, delay=delay, plasticity=rule)
    sm = net.record_spikes(pre)
    net.run(float(tp.max()) + 20.0)
    np.testing.assert_allclose(sm.times, te)  # generator times are the stamps
    np.testing.assert_allclose(proj.weights, _pair_expected(PAIR_DTS, rule, w0), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("interaction", INTERACTIONS)
@pytest.mark.parametrize("dep", DEPENDENCES)
def test_spike_trains_match_reference_nest_convention(threads, interaction, dep):
    rng = np.random.default_rng([12, threads, INTERACTIONS.index(interaction), DEPENDENCES.index(dep)])
    net, pre, post, pre_steps, post_steps, sp, sq, sd, n_steps = _train_network(
        rng,
        n_pre=8,
        n_post=6,
        n_syn=60,
        t_ms=600.0,
        max_delay_steps=60,
        rate_pre=40.0,
        rate_post=30.0,
        threads=threads,
        time_convention="nest",
    )
    rule = pn.plasticity.STDP(
        tau_pre=16.8, tau_post=33.7, interaction=interaction, weight_dependence=dep, mu=0.6, **RULE_SETS["clipping"]
    )
    w0 = rng.uniform(rule.w_min, rule.w_max, len(sp))
    proj = net.connect(pre, post, pn.conn.FromArrays(sp, sq), weight=w0, delay=sd * DT, plasticity=rule)
    sm = net.record_spikes(post)
    net.run(n_steps * DT)
    stamps = np.sort(np.concatenate(post_steps))
    np.testing.assert_array_equal(np.round(np.sort(sm.times) / DT).astype(np.int64), stamps)
    want = reference_pair_stdp(pre_steps, post_steps, sp, sq, sd, w0.astype(np.float32), [rule], n_steps + 1)
    np.testing.assert_allclose(proj.weights, _canonical(proj, sp, sq, sd, want), rtol=2e-6, atol=1e-6)
