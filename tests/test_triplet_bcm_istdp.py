"""Triplet STDP, BCM and inhibitory STDP (pn.plasticity) against closed forms and an independent event-driven
reference written from the rules' docstring equations.

Conventions (DESIGN.md, "The step loop"; pn.plasticity):
- a spike in step s has time s*dt; SpikeGenerator times T are emitted in step round(T/dt);
- a presynaptic spike emitted in step e with a delay of D steps arrives in step a = e + D, its time for plasticity;
- within a step, arrivals are processed before the step's postsynaptic spikes;
- unit traces: "all_to_all" adds 1 per spike, "nearest" resets to 1; a trace read "at t - eps" excludes the spike
  that triggers the update;
- weights are float32 and clipped to [w_min, w_max] after every update.

TripletSTDP (Pfister & Gerstner 2006), traces r1 (tau_plus), r2 (tau_x) of the presynaptic arrivals and o1
(tau_minus), o2 (tau_y) of the postsynaptic spikes::

    arrival at t:     w <- clip(w - o1(t) (a2_minus + a3_minus r2(t - eps)))
    post spike at t:  w <- clip(w + r1(t) (a2_plus + a3_plus o2(t - eps)))

BCM: a2_minus is replaced by a2_minus (nu / target_rate)**power, nu (Hz) = 1e3 * (all-to-all trace of the post
spikes with tau_rate) / tau_rate (ms) + initial_rate exp(-t / tau_rate). InhibitorySTDP (Vogels et al. 2011),
traces x_pre, x_post (tau)::

    arrival at t:     w <- clip(w + eta (x_post(t) - alpha)),   alpha = 2 rho0 tau (rho0 in spikes/ms)
    post spike at t:  w <- clip(w + eta x_pre(t))
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import pyneuro as pn

DT = 0.1


# ----------------------------------------------------------------------------------------------------------------
# independent reference
# ----------------------------------------------------------------------------------------------------------------


def _trace(spikes: np.ndarray, t: int, tau: float, mode: str, strict: bool) -> float:
    """Unit trace of the spike steps ``spikes`` at step ``t``, counting spikes < t (strict) or <= t."""
    past = spikes[spikes < t] if strict else spikes[spikes <= t]
    if past.size == 0:
        return 0.0
    lags = (t - past) * DT
    if mode == "nearest":
        return math.exp(-lags.min() / tau)
    return float(np.sum(np.exp(-lags / tau)))


def _clip(w: float, rule, clips: dict | None) -> np.float32:
    """float32(clip(w)); counts the clips at "w_min" / "w_max" in ``clips``."""
    if clips is not None and not rule.w_min <= w <= rule.w_max:
        key = "w_min" if w < rule.w_min else "w_max"
        clips[key] = clips.get(key, 0) + 1
    return np.float32(min(max(w, rule.w_min), rule.w_max))


def _on_arrival(rule, w: np.float32, arr: np.ndarray, post: np.ndarray, t: int, clips=None) -> np.float32:
    """One rule's update at an arrival in step t (post spikes of step t come later: they are not counted)."""
    if isinstance(rule, pn.plasticity.InhibitorySTDP):
        x_post = _trace(post, t, rule.tau, "all_to_all", strict=True)
        return _clip(float(w) + rule.eta * (x_post - rule.alpha), rule, clips)
    if isinstance(rule, pn.plasticity.TripletSTDP):  # BCM included
        o1 = _trace(post, t, rule.tau_minus, rule.interaction, strict=True)
        if o1 == 0.0:
            return w
        r2 = _trace(arr, t, rule.tau_x, rule.interaction, strict=True)
        a2 = rule.a2_minus
        if isinstance(rule, pn.plasticity.BCM):
            nu_hz = 1e3 * _trace(post, t, rule.tau_rate, "all_to_all", strict=True) / rule.tau_rate
            nu_hz += rule.initial_rate * math.exp(-t * DT / rule.tau_rate)  # the estimate's start value, decaying
            a2 = a2 * (nu_hz / rule.target_rate) ** rule.power
        return _clip(float(w) - o1 * (a2 + rule.a3_minus * r2), rule, clips)
    if isinstance(rule, pn.plasticity.STDP):
        assert rule.weight_dependence == "additive"
        x = _trace(post, t, rule.tau_post, rule.interaction, strict=True)
        return w if x == 0.0 else _clip(float(w) + rule.a_post * x, rule, clips)
    raise AssertionError(rule)


def _on_post(rule, w: np.float32, arr: np.ndarray, post: np.ndarray, t: int, clips=None) -> np.float32:
    """One rule's update at a postsynaptic spike in step t (arrivals of step t already counted)."""
    if isinstance(rule, pn.plasticity.InhibitorySTDP):
        x_pre = _trace(arr, t, rule.tau, "all_to_all", strict=False)
        return w if x_pre == 0.0 else _clip(float(w) + rule.eta * x_pre, rule, clips)
    if isinstance(rule, pn.plasticity.TripletSTDP):
        r1 = _trace(arr, t, rule.tau_plus, rule.interaction, strict=False)
        if r1 == 0.0:
            return w
        o2 = _trace(post, t, rule.tau_y, rule.interaction, strict=True)
        return _clip(float(w) + r1 * (rule.a2_plus + rule.a3_plus * o2), rule, clips)
    if isinstance(rule, pn.plasticity.STDP):
        x = _trace(arr, t, rule.tau_pre, rule.interaction, strict=False)
        return w if x == 0.0 else _clip(float(w) + rule.a_pre * x, rule, clips)
    raise AssertionError(rule)


def reference(pre_steps, post_steps, syn_pre, syn_post, syn_d, w0, rules, n_steps, clips=None) -> np.ndarray:
    """Final float32 weights under the composed ``rules`` (applied in list order at every event).

    Per synapse the events are its arrivals (emission step + delay, before ``n_steps``) and its post spikes; at
    equal steps the arrival comes first. Traces are summed directly over the spike lists. ``clips`` (a dict), if
    given, counts the updates clipped at "w_min" and "w_max".
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
                w = _on_arrival(r, w, arr, post, t, clips) if kind == 0 else _on_post(r, w, arr, post, t, clips)
        out[s] = w
    return out


# ----------------------------------------------------------------------------------------------------------------
# random-train networks
# ----------------------------------------------------------------------------------------------------------------


def _generator(steps_list):
    t = np.concatenate([np.asarray(s, dtype=np.float64) * DT for s in steps_list])
    i = np.concatenate([np.full(len(s), k) for k, s in enumerate(steps_list)])
    return pn.models.SpikeGenerator(times=t, indices=i)


def _random_case(seed, n_pre=6, n_post=5, n_syn=40, t_ms=600.0, rate_pre=35.0, rate_post=30.0, max_d=50):
    """Random pre/post trains (Bernoulli per step), random synapses with delays of 1..max_d steps (0.1-5 ms);
    synapse 0 -> 0 gets coincident arrival/post steps and a post-pre-post triplet by construction."""
    rng = np.random.default_rng(seed)
    n_steps = int(round(t_ms / DT))
    p_pre, p_post = rate_pre * DT * 1e-3, rate_post * DT * 1e-3
    pre_steps = [np.flatnonzero(rng.random(n_steps - 100) < p_pre) for _ in range(n_pre)]
    post_steps = [np.flatnonzero(rng.random(n_steps - 100) < p_post) for _ in range(n_post)]
    pre_steps[0] = np.unique(np.concatenate([pre_steps[0], [100, 400, 401]]))
    post_steps[0] = np.unique(np.concatenate([post_steps[0], [90, 110, 120, 420, 430]]))
    syn_pre = rng.integers(0, n_pre, n_syn)
    syn_post = rng.integers(0, n_post, n_syn)
    syn_d = rng.integers(1, max_d + 1, n_syn)
    syn_pre[:3], syn_post[:3], syn_d[:3] = 0, 0, [10, 20, max_d]  # arrivals at 110/120 coincide with post spikes
    w0 = rng.uniform(0.2, 0.8, n_syn)
    return pre_steps, post_steps, syn_pre, syn_post, syn_d, w0, n_steps


def _build(case, rules, threads=1, receptor="exc"):
    pre_steps, post_steps, syn_pre, syn_post, syn_d, w0, n_steps = case
    net = pn.Network(dt=DT, seed=7, threads=threads)
    pre = net.add_population(_generator(pre_steps), len(pre_steps), name="pre")
    post = net.add_population(_generator(post_steps), len(post_steps), name="post")
    proj = net.connect(
        pre,
        post,
        pn.conn.FromArrays(syn_pre, syn_post),
        weight=w0,
        delay=syn_d * DT,
        receptor=receptor,
        plasticity=rules,
    )
    return net, proj


def _run_against_reference(case, rules, threads=1, receptor="exc", clips=None):
    """Run the case and return (simulated, reference, initial) weights in the projection's canonical order."""
    pre_steps, post_steps, *_, n_steps = case
    net, proj = _build(case, rules, threads, receptor)
    # the reference runs on the projection's own (canonical) synapse list
    sp, sq, sd, w0 = proj.pre.astype(np.int64), proj.post.astype(np.int64), proj.delay_steps, proj.weights
    assert sorted(zip(sp, sq, sd)) == sorted(zip(case[2], case[3], case[4]))
    net.run(n_steps * DT)
    assert net.step == n_steps
    return proj.weights, reference(pre_steps, post_steps, sp, sq, sd, w0, rules, n_steps, clips), w0


def _assert_matches(got, want, w0):
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert np.count_nonzero(got != w0) >= len(w0) // 2  # the trains did change most weights


MINIMAL = dict(a2_plus=0.0, a3_plus=6.5e-3, a2_minus=7.1e-3, a3_minus=0.0, tau_x=101.0, tau_y=125.0)
FULL = dict(a2_plus=4.6e-3, a3_plus=9.1e-3, a2_minus=3.0e-3, a3_minus=7.5e-4, tau_x=714.0, tau_y=40.0)

TRIPLET_RULES = {
    "minimal_all_to_all": lambda: pn.plasticity.TripletSTDP(**MINIMAL, interaction="all_to_all"),
    "minimal_nearest": lambda: pn.plasticity.TripletSTDP(**MINIMAL, interaction="nearest"),
    "full_all_to_all": lambda: pn.plasticity.TripletSTDP(**FULL, interaction="all_to_all"),
    "full_nearest": lambda: pn.plasticity.TripletSTDP(**FULL, interaction="nearest"),
    # amplitudes large enough that weights hit both bounds during the trains
    "full_clipping": lambda: pn.plasticity.TripletSTDP(
        **{**FULL, "a2_plus": 0.15, "a3_plus": 0.3, "a2_minus": 0.2, "a3_minus": 0.05}, w_min=0.1, w_max=0.9
    ),
    "visual_cortex_minimal": pn.plasticity.TripletSTDP.visual_cortex_minimal,
    "visual_cortex_full": pn.plasticity.TripletSTDP.visual_cortex_full,
    "visual_cortex_nearest_full": pn.plasticity.TripletSTDP.visual_cortex_nearest_full,
    "hippocampal_full": pn.plasticity.TripletSTDP.hippocampal_full,
}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("name", sorted(TRIPLET_RULES))
def test_triplet_spike_trains_match_reference(name, seed):
    rule = TRIPLET_RULES[name]()
    clips: dict[str, int] = {}
    got, want, w0 = _run_against_reference(_random_case([seed, sorted(TRIPLET_RULES).index(name)]), [rule], clips=clips)
    _assert_matches(got, want, w0)
    if name == "full_clipping":
        assert clips.get("w_min", 0) > 0 and clips.get("w_max", 0) > 0, clips


def test_presets_are_table_4_of_pfister_gerstner_2006():
    """Published parameters (Pfister & Gerstner 2006, Table 4; tau_plus 16.8 ms, tau_minus 33.7 ms)."""
    table = {
        "visual_cortex_minimal": (101.0, 125.0, 0.0, 6.5e-3, 7.1e-3, 0.0, "all_to_all"),
        "visual_cortex_full": (101.0, 125.0, 5e-10, 6.2e-3, 7e-3, 2.3e-4, "all_to_all"),
        "visual_cortex_nearest_full": (714.0, 40.0, 8.8e-11, 5.3e-2, 6.6e-3, 3.1e-3, "nearest"),
        "hippocampal_full": (946.0, 27.0, 6.1e-3, 6.7e-3, 1.6e-3, 1.4e-3, "all_to_all"),
    }
    for name, row in table.items():
        r = TRIPLET_RULES[name]()
        assert (r.tau_plus, r.tau_minus) == (16.8, 33.7)
        assert (r.tau_x, r.tau_y, r.a2_plus, r.a3_plus, r.a2_minus, r.a3_minus, r.interaction) == row, name


# ----------------------------------------------------------------------------------------------------------------
# triplet closed forms
# ----------------------------------------------------------------------------------------------------------------


def _run_events(pre_times, post_times, rule, w0=0.5, delay=1.3, threads=1):
    """One synapse per row: pre neuron k emits at pre_times[k] (list), post neuron k fires at post_times[k]."""
    n = len(pre_times)
    net = pn.Network(dt=DT, seed=3, threads=threads)
    pt = np.concatenate([np.asarray(p, dtype=float) for p in pre_times])
    pi = np.concatenate([np.full(len(p), k) for k, p in enumerate(pre_times)])
    qt = np.concatenate([np.asarray(q, dtype=float) for q in post_times])
    qi = np.concatenate([np.full(len(q), k) for k, q in enumerate(post_times)])
    pre = net.add_population(pn.models.SpikeGenerator(times=pt, indices=pi), n)
    post = net.add_population(pn.models.SpikeGenerator(times=qt, indices=qi), n)
    k = np.arange(n)
    proj = net.connect(pre, post, pn.conn.FromArrays(k, k), weight=w0, delay=delay, plasticity=rule)
    net.run(float(max(pt.max(initial=0.0) + delay, qt.max(initial=0.0))) + 5.0)
    return proj.weights


LAGS = np.array([0.1, 0.5, 2.0, 7.3, 16.8, 40.0])


@pytest.mark.parametrize("interaction", ["all_to_all", "nearest"])
@pytest.mark.parametrize("model", ["minimal", "full"])
def test_pre_post_pair(model, interaction):
    """Arrival at t_a, post spike at t_a + lag: dw = a2_plus exp(-lag / tau_plus) (0 for the minimal model)."""
    rule = pn.plasticity.TripletSTDP(**(MINIMAL if model == "minimal" else FULL), interaction=interaction)
    d = 1.3
    got = _run_events([[50.0]] * len(LAGS), [[50.0 + d + lag] for lag in LAGS], rule, delay=d)
    want = 0.5 + rule.a2_plus * np.exp(-LAGS / rule.tau_plus)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    if model == "minimal":
        assert np.all(got == np.float32(0.5))


@pytest.mark.parametrize("interaction", ["all_to_all", "nearest"])
@pytest.mark.parametrize("model", ["minimal", "full"])
def test_post_pre_pair(model, interaction):
    """Post spike at t, arrival at t + lag: dw = -a2_minus exp(-lag / tau_minus); a post spike in the arrival's own
    step does not count (arrivals first)."""
    rule = pn.plasticity.TripletSTDP(**(MINIMAL if model == "minimal" else FULL), interaction=interaction)
    d = 2.0
    got = _run_events([[50.0]] * len(LAGS), [[50.0 + d - lag] for lag in LAGS], rule, delay=d)
    np.testing.assert_allclose(got, 0.5 - rule.a2_minus * np.exp(-LAGS / rule.tau_minus), rtol=1e-6)
    same_step = _run_events([[50.0]], [[52.0]], pn.plasticity.TripletSTDP(**MINIMAL), delay=d)
    assert same_step[0] == np.float32(0.5)  # minimal: no a2_plus, and the post spike is not seen by the arrival


@pytest.mark.parametrize("interaction", ["all_to_all", "nearest"])
def test_post_pre_post_triplet(interaction):
    """Post at t1, arrival at t2, post at t3 (minimal model):
    dw = -a2_minus exp(-(t2 - t1)/tau_minus) + a3_plus exp(-(t3 - t2)/tau_plus) exp(-(t3 - t1)/tau_y)."""
    rule = pn.plasticity.TripletSTDP(**MINIMAL, interaction=interaction)
    d = 1.0
    rows = [(5.0, 5.0), (10.0, 3.0), (2.0, 20.0), (30.0, 0.5), (0.1, 0.1)]  # (t2 - t1, t3 - t2)
    pre = [[60.0] for _ in rows]
    post = [[60.0 + d - a, 60.0 + d + b] for a, b in rows]
    got = _run_events(pre, post, rule, delay=d)
    a, b = np.array(rows).T
    want = (
        0.5
        - rule.a2_minus * np.exp(-a / rule.tau_minus)
        + rule.a3_plus * np.exp(-b / rule.tau_plus) * np.exp(-(a + b) / rule.tau_y)
    )
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("interaction", ["all_to_all", "nearest"])
def test_pre_post_pre_triplet(interaction):
    """Arrival at t1, post at t2, arrival at t3 (full model, a2_plus, a3_minus > 0):
    dw = a2_plus exp(-(t2 - t1)/tau_plus) - exp(-(t3 - t2)/tau_minus) (a2_minus + a3_minus exp(-(t3 - t1)/tau_x))."""
    rule = pn.plasticity.TripletSTDP(**FULL, interaction=interaction)
    d = 3.0
    rows = [(5.0, 5.0), (10.0, 3.0), (2.0, 20.0), (30.0, 0.5)]  # (t2 - t1, t3 - t2)
    pre = [[60.0, 60.0 + a + b] for a, b in rows]
    post = [[60.0 + d + a] for a, b in rows]
    got = _run_events(pre, post, rule, delay=d)
    a, b = np.array(rows).T
    want = (
        0.5
        + rule.a2_plus * np.exp(-a / rule.tau_plus)
        - np.exp(-b / rule.tau_minus) * (rule.a2_minus + rule.a3_minus * np.exp(-(a + b) / rule.tau_x))
    )
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_post_post_pre_all_to_all_vs_nearest():
    """Two post spikes at t1 < t2, then an arrival at t3: all_to_all o1 = e^{-(t3-t1)/tm} + e^{-(t3-t2)/tm},
    nearest o1 = e^{-(t3-t2)/tm} (minimal model: no a3_minus, and no arrival before the post spikes)."""
    d, t1, t2, t3 = 1.0, 40.0, 47.0, 55.0
    for inter in ("all_to_all", "nearest"):
        rule = pn.plasticity.TripletSTDP(**MINIMAL, interaction=inter)
        got = _run_events([[t3 - d]], [[t1, t2]], rule, delay=d)
        o1 = math.exp(-(t3 - t2) / rule.tau_minus) + (inter == "all_to_all") * math.exp(-(t3 - t1) / rule.tau_minus)
        np.testing.assert_allclose(got, [0.5 - rule.a2_minus * o1], rtol=1e-6)


# ----------------------------------------------------------------------------------------------------------------
# BCM
# ----------------------------------------------------------------------------------------------------------------


def test_bcm_defaults_and_threshold_closed_form():
    r = pn.plasticity.BCM()
    # a2_minus = a3_plus tau_plus tau_y target_rate / tau_minus (rate in Hz, times in ms -> factor 1e-3)
    assert r.a2_minus == pytest.approx(r.a3_plus * r.tau_plus * r.tau_y * r.target_rate * 1e-3 / r.tau_minus)
    assert r.a2_minus == pytest.approx(6.5e-3 * 16.8 * 125.0 * 3.0e-3 / 33.7, rel=1e-12)
    for nu in (0.5, 3.0, 7.0, 20.0):
        assert r.threshold(nu) == pytest.approx(nu**2 / r.target_rate, rel=1e-12)
    # at the target rate the threshold is the target: the fixed point of Zenke et al. 2013
    assert r.threshold(r.target_rate) == pytest.approx(r.target_rate, rel=1e-12)
    r2 = pn.plasticity.BCM(target_rate=5.0, a3_plus=1e-2, tau_y=100.0)
    assert r2.threshold(8.0) == pytest.approx(64.0 / 5.0, rel=1e-12)
    # explicit a2_minus and power: theta = a2_minus tau_minus nu^p / (a3_plus tau_plus tau_y 1e-3 kappa^p)
    r3 = pn.plasticity.BCM(a2_minus=2e-3, power=3.0, target_rate=4.0)
    want = 2e-3 * 33.7 * 6.0**3 / (6.5e-3 * 16.8 * 125.0 * 1e-3 * 4.0**3)
    assert r3.threshold(6.0) == pytest.approx(want, rel=1e-12)


BCM_RULES = {
    "default_fast_rate": lambda: pn.plasticity.BCM(tau_rate=200.0, target_rate=10.0),
    "full_power3": lambda: pn.plasticity.BCM(
        tau_rate=350.0, target_rate=20.0, power=3.0, a2_plus=2e-3, a3_minus=5e-4, a2_minus=4e-3
    ),
    "nearest": lambda: pn.plasticity.BCM(tau_rate=100.0, target_rate=30.0, interaction="nearest", a2_minus=6e-3),
    "initial_rate": lambda: pn.plasticity.BCM(tau_rate=300.0, target_rate=10.0, initial_rate=25.0),
}


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("name", sorted(BCM_RULES))
def test_bcm_spike_trains_match_reference(name, seed):
    rule = BCM_RULES[name]()
    got, want, w0 = _run_against_reference(_random_case([seed, 10 + sorted(BCM_RULES).index(name)]), [rule])
    _assert_matches(got, want, w0)
    # the rate factor matters: the same rule without it (TripletSTDP) gives other weights
    plain = {f: getattr(rule, f) for f in ("tau_x", "tau_y", "a2_plus", "a3_plus", "a2_minus", "a3_minus")}
    plain_w, _, _ = _run_against_reference(
        _random_case([seed, 10 + sorted(BCM_RULES).index(name)]),
        [pn.plasticity.TripletSTDP(**plain, interaction=rule.interaction)],
    )
    assert np.max(np.abs(plain_w - got)) > 1e-4


def test_bcm_post_pre_pair_scaled_by_rate():
    """Post spikes at t1 < t2, arrival at t3: dw = -a2_minus (nu / kappa)^p e^{-(t3-t2)/tau_minus} (nearest,
    minimal), nu = 1e3 (e^{-(t3-t1)/tau_rate} + e^{-(t3-t2)/tau_rate}) / tau_rate Hz (the rate trace is
    all-to-all whatever the interaction)."""
    rule = pn.plasticity.BCM(tau_rate=50.0, target_rate=15.0, interaction="nearest", a2_minus=5e-3)
    d, t1, t2, t3 = 1.0, 40.0, 47.0, 55.0
    got = _run_events([[t3 - d]], [[t1, t2]], rule, delay=d)
    nu = 1e3 * (math.exp(-(t3 - t1) / 50.0) + math.exp(-(t3 - t2) / 50.0)) / 50.0
    want = 0.5 - 5e-3 * (nu / 15.0) ** 2 * math.exp(-(t3 - t2) / rule.tau_minus)
    np.testing.assert_allclose(got, [want], rtol=1e-6)


# ----------------------------------------------------------------------------------------------------------------
# inhibitory STDP
# ----------------------------------------------------------------------------------------------------------------


def test_istdp_alpha_closed_form():
    assert pn.plasticity.InhibitorySTDP(tau=20.0, rho0=5.0).alpha == pytest.approx(0.2, rel=1e-12)
    assert pn.plasticity.InhibitorySTDP(tau=10.0, rho0=3.0).alpha == pytest.approx(0.06, rel=1e-12)
    assert pn.plasticity.InhibitorySTDP(rho0=0.0).alpha == 0.0


def test_istdp_pairs_closed_form():
    """Isolated pairs: arrival at t_a, post at t_a + lag. lag >= 0: dw = -eta alpha + eta e^{-lag/tau};
    lag < 0: dw = eta (e^{lag/tau} - alpha) (post trace at the arrival) + 0 at the post spike (no earlier arrival)."""
    rule = pn.plasticity.InhibitorySTDP(tau=20.0, eta=1e-2, rho0=4.0, w_min=0.0, w_max=30.0)
    lags = np.array([-30.0, -5.0, -0.1, 0.0, 0.1, 5.0, 30.0])
    d = 1.5
    got = _run_events([[60.0]] * len(lags), [[60.0 + d + lag] for lag in lags], rule, w0=1.0, delay=d)
    want = 1.0 + rule.eta * (np.exp(-np.abs(lags) / rule.tau) - rule.alpha)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_istdp_clips_at_w_min():
    """Arrivals alone depress by eta alpha each; the weight stops exactly at w_min."""
    rule = pn.plasticity.InhibitorySTDP(tau=20.0, eta=0.05, rho0=5.0, w_min=0.3, w_max=2.0)  # eta alpha = 0.01
    pre = [[10.0 + 5.0 * k for k in range(n)] for n in (1, 3, 12)]
    got = _run_events(pre, [[] for _ in pre], rule, w0=0.345, delay=1.0)
    np.testing.assert_allclose(got[:2], [0.335, 0.315], rtol=1e-6)
    assert got[2] == np.float32(0.3)


@pytest.mark.parametrize("seed", [5, 6])
def test_istdp_spike_trains_match_reference(seed):
    rule = pn.plasticity.InhibitorySTDP(tau=20.0, eta=5e-3, rho0=8.0, w_min=0.25, w_max=0.75)
    clips: dict[str, int] = {}
    got, want, w0 = _run_against_reference(_random_case([seed, 20]), [rule], receptor="inh", clips=clips)
    _assert_matches(got, want, w0)
    assert clips.get("w_min", 0) > 0, clips  # bounds reached during the trains


# ----------------------------------------------------------------------------------------------------------------
# composition
# ----------------------------------------------------------------------------------------------------------------

COMPOSITIONS = {
    "triplet+istdp": lambda: [
        pn.plasticity.TripletSTDP(**FULL),
        pn.plasticity.InhibitorySTDP(tau=15.0, eta=2e-3, rho0=6.0, w_min=0.0, w_max=1.0),
    ],
    "stdp+triplet_nearest": lambda: [
        pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.01, a_post=-0.012, w_min=0.0, w_max=1.0),
        pn.plasticity.TripletSTDP(**FULL, interaction="nearest", w_min=0.15, w_max=0.85),
    ],
    "istdp+bcm": lambda: [
        pn.plasticity.InhibitorySTDP(tau=20.0, eta=3e-3, rho0=5.0, w_min=0.0, w_max=1.0),
        pn.plasticity.BCM(tau_rate=300.0, target_rate=10.0, a2_plus=1e-3),
    ],
}


@pytest.mark.parametrize("name", sorted(COMPOSITIONS))
def test_composition_matches_reference_in_list_order(name):
    rules = COMPOSITIONS[name]()
    case = _random_case([30, sorted(COMPOSITIONS).index(name)])
    got, want, w0 = _run_against_reference(case, rules)
    _assert_matches(got, want, w0)
    # list order matters when bounds differ: the reversed list is a different rule (and the reference says how)
    rev_got, rev_want, _ = _run_against_reference(case, rules[::-1])
    np.testing.assert_allclose(rev_got, rev_want, rtol=1e-5, atol=1e-7)


# ----------------------------------------------------------------------------------------------------------------
# a single delay: the post-spike loop reads per-thread arrival copies of the presynaptic traces
# ----------------------------------------------------------------------------------------------------------------

SINGLE_DELAY_RULES = {
    "triplet_minimal": lambda: [TRIPLET_RULES["minimal_all_to_all"]()],
    "triplet_full_nearest": lambda: [TRIPLET_RULES["full_nearest"]()],
    "triplet_full_clipping": lambda: [TRIPLET_RULES["full_clipping"]()],
    "bcm": lambda: [BCM_RULES["default_fast_rate"]()],
    "bcm_initial_rate": lambda: [BCM_RULES["initial_rate"]()],
    "stdp": lambda: [pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.01, a_post=-0.012, w_max=1.0)],
    "triplet+istdp": COMPOSITIONS["triplet+istdp"],
}


def _single_delay_case(seed, d_steps=12):
    pre_steps, post_steps, syn_pre, syn_post, _, w0, n_steps = _random_case(seed)
    return pre_steps, post_steps, syn_pre, syn_post, np.full(len(syn_pre), d_steps), w0, n_steps


@pytest.mark.parametrize("name", sorted(SINGLE_DELAY_RULES))
def test_single_delay_matches_reference(name):
    rules = SINGLE_DELAY_RULES[name]()
    got, want, w0 = _run_against_reference(_single_delay_case([40, sorted(SINGLE_DELAY_RULES).index(name)]), rules)
    _assert_matches(got, want, w0)


@pytest.mark.parametrize("name", sorted(SINGLE_DELAY_RULES))
def test_arrival_copies_equal_the_history_path(name):
    """The same synapses with one delay (arrival copies) and with an extra synapse of another delay from a silent
    presynaptic neuron (two delays: the loop reads the histories) give the same weights bit for bit."""
    case = _single_delay_case([41, sorted(SINGLE_DELAY_RULES).index(name)])
    pre_steps, post_steps, syn_pre, syn_post, syn_d, w0, n_steps = case
    net_a, proj_a = _build(case, SINGLE_DELAY_RULES[name]())
    silent = len(pre_steps)
    case_b = (
        [*pre_steps, np.zeros(0, dtype=np.int64)],
        post_steps,
        np.append(syn_pre, silent),
        np.append(syn_post, 0),
        np.append(syn_d, syn_d[0] + 7),
        np.append(w0, 0.5),
        n_steps,
    )
    net_b, proj_b = _build(case_b, SINGLE_DELAY_RULES[name]())
    assert len(np.unique(proj_a.delay_steps)) == 1 and len(np.unique(proj_b.delay_steps)) == 2
    w_start = proj_a.weights
    for net in (net_a, net_b):
        net.run(n_steps * DT / 2)
        net.run(n_steps * DT / 2)
    wa = proj_a.weights
    keep = proj_b.pre != silent
    np.testing.assert_array_equal(wa, proj_b.weights[keep])
    assert np.count_nonzero(wa != w_start) > len(wa) // 2


# ----------------------------------------------------------------------------------------------------------------
# thread independence and checkpoints
# ----------------------------------------------------------------------------------------------------------------

THREAD_RULES = {
    "triplet": lambda: pn.plasticity.TripletSTDP.visual_cortex_full(w_max=30.0, a2_plus=0.02, a3_plus=0.05),
    "triplet_nearest": lambda: pn.plasticity.TripletSTDP.visual_cortex_nearest_full(w_max=30.0),
    "bcm": lambda: pn.plasticity.BCM(tau_rate=500.0, target_rate=10.0, a3_plus=0.05, w_max=30.0),
    "istdp": lambda: pn.plasticity.InhibitorySTDP(tau=20.0, eta=0.05, rho0=5.0, w_max=30.0),
}


def _driven_network(rule_name, threads, single_delay=False):
    """Poisson inputs onto LIFCond neurons: an excitatory and an inhibitory projection, the rule under test on one
    of them; post spikes come from the dynamics, so the thread partition matters. ``single_delay``: every synapse
    has the delay 1.5 ms (the post-spike loop then reads the per-thread arrival copies of the traces)."""
    net = pn.Network(dt=DT, seed=11, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=25.0), 60, name="src")
    inh = net.add_population(pn.models.PoissonSource(rate=20.0), 30, name="inh")
    exc = net.add_population(pn.models.LIFCond(I_e=200.0), 13, name="exc")
    rule = THREAD_RULES[rule_name]()
    e_rule, i_rule = (None, rule) if rule_name == "istdp" else (rule, None)
    pe = net.connect(
        src,
        exc,
        pn.conn.FixedProbability(0.5),
        weight=pn.conn.Uniform(5.0, 15.0),
        delay=1.5 if single_delay else pn.conn.Uniform(0.1, 5.0),
        plasticity=e_rule,
    )
    pi = net.connect(
        inh,
        exc,
        pn.conn.FixedProbability(0.5),
        weight=pn.conn.Uniform(2.0, 6.0),
        delay=1.5 if single_delay else pn.conn.Uniform(0.5, 3.0),
        receptor="inh",
        plasticity=i_rule,
    )
    sm = net.record_spikes(exc)
    return net, (pi if rule_name == "istdp" else pe), sm


@pytest.mark.parametrize("single_delay", [False, True])
@pytest.mark.parametrize("rule_name", sorted(THREAD_RULES))
def test_thread_count_independence(rule_name, single_delay):
    out = {}
    for threads in (1, 2, 3):
        net, proj, sm = _driven_network(rule_name, threads, single_delay)
        w0 = proj.weights
        net.run(300.0)
        out[threads] = (proj.weights, sm.times, sm.indices)
        assert len(sm.times) > 20, "post neurons should fire"
        assert np.count_nonzero(proj.weights != w0) > len(w0) // 2
    for threads in (2, 3):
        for a, b in zip(out[1], out[threads]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("single_delay", [False, True])
@pytest.mark.parametrize("rule_name", sorted(THREAD_RULES))
def test_checkpoint_continues_bit_for_bit(rule_name, single_delay, tmp_path):
    net, proj, _ = _driven_network(rule_name, 2, single_delay)
    net.run(300.0)
    want = proj.weights
    net_a, proj_a, _ = _driven_network(rule_name, 2, single_delay)
    net_a.run(137.3)
    path = tmp_path / "mid.h5"
    net_a.save(path)
    net_b = pn.Network.load(path)
    assert [r.to_dict() for r in net_b.projections[0 if rule_name != "istdp" else 1].plasticity] == [
        r.to_dict() for r in proj_a.plasticity
    ]
    net_b.run(300.0 - 137.3)
    assert net_b.step == net.step
    got = net_b.projections[0 if rule_name != "istdp" else 1].weights
    np.testing.assert_array_equal(got, want)
    # and with another thread count after loading
    net_c = pn.Network.load(path, threads=1)
    net_c.run(300.0 - 137.3)
    np.testing.assert_array_equal(net_c.projections[0 if rule_name != "istdp" else 1].weights, want)
