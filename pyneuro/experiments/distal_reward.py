"""Solving the distal-reward problem with dopamine-modulated STDP (Izhikevich 2007)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import models, plasticity
from ..network import Network
from ._framework import CONDUCTANCE_LIF, Experiment, Param, Parameters, new_figure

__all__ = ["distal_reward", "PARAMETERS", "build", "pairings"]

PARAMETERS = Parameters(
    Param("duration", None, "simulated time of each run; default one hour (3,600,000 ms), as in the paper", "ms",
          lo=0.0, lo_open=True, kind="float", optional=True),
    Param("n_pre", 100, "Poisson inputs (times scale, at least 2)", lo=2),
    Param("n_post", 50, "LIFCond neurons (times scale, at least 2)", lo=2),
    Param("p_conn", 0.1, "connection probability of the plastic projection", lo=0.0, hi=1.0),
    Param("rate_pre", 0.5, "rate of the inputs other than n1", "Hz", lo=0.0, hi=500.0),
    Param("rate_n1", 2.0, "rate of the rewarded synapse's input n1", "Hz", lo=0.0, hi=500.0),
    Param("n_bg", 200, "background Poisson sources", lo=1),
    Param("k_bg", 40, "background inputs per neuron", lo=1),
    Param("rate_bg", 20.0, "background rate", "Hz", lo=0.0, hi=500.0),
    Param("w_bg", 0.33, "background weight (about 0.3 Hz of irregular firing)", "nS", lo=0.0),
    Param("w_bg_n2", 0.37, "background weight of the rewarded synapse's neuron n2 (about 1.8 Hz)", "nS", lo=0.0),
    Param("w_init", 0.15, "initial weight of the plastic synapses", "nS", lo=0.0),
    Param("w_max", 0.3, "largest plastic weight", "nS", lo=1e-6),
    Param("a_pre", 1.0, "eligibility increment at a postsynaptic spike", lo=0.0),
    Param("a_post", -1.5, "eligibility increment at a presynaptic arrival", hi=0.0),
    Param("tau_stdp", 20.0, "time constant of the STDP traces", "ms", lo=1e-3),
    Param("tau_c", 1000.0, "decay time of the eligibility", "ms", lo=1.0),
    Param("tau_d", 200.0, "decay time of dopamine", "ms", lo=1.0),
    Param("reward", 1.5e-4, "dopamine released per reward (per ms)", lo=0.0),
    Param("window", 10.0, "a pairing: an n2 spike at most this long after an n1 arrival", "ms", lo=0.0, hi=1000.0),
    Param("delay_min", 1000.0, "shortest reward delay after a pairing", "ms", lo=0.0),
    Param("delay_max", 3000.0, "longest reward delay after a pairing", "ms", lo=0.0),
    Param("chunk", 100.0, "run length between pairing searches; at most delay_min - window - dt", "ms", lo=1.0),
    Param("bin", 1000.0, "interval of the weight samples", "ms", lo=1.0),
    Param("dt", 1.0, "time step (1 ms, as in the paper)", "ms", lo=0.01, hi=1.0),
    Param("control", 1, "1: also run the random-reward control; 0: not", lo=0, hi=1),
)  # fmt: skip


def _check(p: dict[str, Any]) -> None:
    if p["delay_max"] < p["delay_min"]:
        raise ValueError(f"delay_max must be >= delay_min={p['delay_min']}, got {p['delay_max']}")
    if p["chunk"] > p["delay_min"] - p["window"] - p["dt"]:
        raise ValueError(
            f"chunk must be <= delay_min - window - dt = {p['delay_min'] - p['window'] - p['dt']} ms (rewards must "
            f"not lie in a chunk already run), got {p['chunk']}"
        )
    if p["w_init"] > p["w_max"]:
        raise ValueError(f"w_init must be <= w_max={p['w_max']}, got {p['w_init']}")


_DURATION = 3_600_000.0  # ms: one hour, as in the paper
_DELAY = 1.0  # ms, every synaptic delay


def build(p: dict[str, float], n_pre: int, n_post: int, seed: int, threads: int) -> dict[str, Any]:
    """The network: Poisson inputs -> LIFCond neurons through a sparse RewardSTDP projection, and background
    Poisson drive onto the LIFCond neurons. The same ``seed`` gives the same network and spike trains."""
    net = Network(dt=p["dt"], seed=seed, threads=threads)
    pre = net.add_population(models.PoissonSource(rate=p["rate_pre"]), n_pre, name="inputs")
    bg = net.add_population(models.PoissonSource(rate=p["rate_bg"]), int(p["n_bg"]), name="background")
    post = net.add_population(models.LIFCond(**CONDUCTANCE_LIF), n_post, name="neurons")
    k_bg = max(1, min(int(p["k_bg"]), bg.size))
    bgp = net.connect(
        bg, post, conn.FixedInDegree(k_bg, allow_multapses=False), weight=p["w_bg"], delay=_DELAY, name="bg"
    )
    rule = plasticity.RewardSTDP(
        tau_pre=p["tau_stdp"],
        tau_post=p["tau_stdp"],
        a_pre=p["a_pre"],
        a_post=p["a_post"],
        tau_c=p["tau_c"],
        tau_d=p["tau_d"],
        tonic=0.0,
        interval=1.0,
        w_min=0.0,
        w_max=p["w_max"],
    )
    proj = net.connect(
        pre, post, conn.FixedProbability(p["p_conn"]), weight=p["w_init"], delay=_DELAY, plasticity=rule, name="plastic"
    )
    return {"net": net, "pre": pre, "post": post, "proj": proj, "bg": bgp}


def pairings(t_n1: np.ndarray, t_n2: np.ndarray, window: float) -> np.ndarray:
    """For every arrival time in ``t_n1`` (ascending) followed by a spike in ``t_n2`` (ascending) at most ``window``
    ms later (the same step included), the time of that first spike: the pairing times."""
    if t_n1.size == 0 or t_n2.size == 0:
        return np.zeros(0)
    j = np.searchsorted(t_n2, t_n1 - 1e-9, side="left")
    ok = j < t_n2.size
    first = t_n2[np.minimum(j, t_n2.size - 1)]
    ok &= first <= t_n1 + window + 1e-9
    return first[ok]


def _run(
    p: dict[str, float],
    n_pre: int,
    n_post: int,
    seed: int,
    threads: int,
    duration: float,
    s: int | None,
    control_times: np.ndarray | None,
) -> dict[str, Any]:
    """One run. ``control_times=None``: every pairing of synapse ``s`` (n1 -> n2) found in the recorded spikes is
    rewarded 1-3 s later; otherwise rewards at exactly those times. ``s=None`` picks the synapse."""
    m = build(p, n_pre, n_post, seed, threads)
    net, proj = m["net"], m["proj"]
    if proj.size < 2:
        raise ValueError(f"the plastic projection has {proj.size} synapse(s); raise n_pre, n_post or p_conn")
    if s is None:
        s = int(np.random.default_rng([seed, 1]).integers(proj.size))
    n1, n2 = int(proj.pre[s]), int(proj.post[s])
    rates = np.full(n_pre, p["rate_pre"])
    rates[n1] = p["rate_n1"]
    m["pre"].set("rate", rates)
    m["bg"].weights = np.where(m["bg"].post == n2, p["w_bg_n2"], p["w_bg"])
    sm1 = net.record_spikes(m["pre"], indices=[n1])
    sm2 = net.record_spikes(m["post"], indices=[n2])
    sm_post = net.record_spikes(m["post"])
    wm = net.record_weights(proj, every=p["bin"])
    amount = p["reward"]
    rewards: list[float] = []
    pair_times = np.zeros(0)
    if control_times is not None:
        for at in control_times:
            proj.reward(amount, at=float(at))
        rewards = [float(t) for t in control_times]
        net.run(duration)
    else:
        rng = np.random.default_rng([seed, 2])
        eps = 0.5 * p["dt"]
        done = -np.inf  # arrivals up to here are processed
        while net.time < duration - eps:
            net.run(min(p["chunk"], duration - net.time))
            last = net.time >= duration - eps
            arr = sm1.times + _DELAY  # n1's spikes reach the synapse one delay after emission
            # an arrival is complete once every n2 spike of its window is recorded (up to the last step, now - dt)
            upto = np.inf if last else net.time - p["dt"] - p["window"]
            new = arr[(arr > done) & (arr <= upto)]
            if new.size == 0:
                continue
            done = float(new[-1])
            t_pair = pairings(new, sm2.times, p["window"])
            pair_times = np.concatenate([pair_times, t_pair])
            at = t_pair + rng.uniform(p["delay_min"], p["delay_max"], t_pair.size)
            for t_r in at[at < duration]:
                proj.reward(amount, at=float(t_r))
                rewards.append(float(t_r))
    w_t = np.asarray(wm.values, dtype=np.float64)
    w_final = proj.weights.astype(np.float64)
    others = np.delete(w_final, s)
    post_rates = sm_post.rates(0.0, duration)
    return {
        "s": s,
        "n1": n1,
        "n2": n2,
        "t_ms": np.asarray(wm.times, dtype=np.float64),
        "w_t": w_t,
        "w_final": w_final,
        "others": others,
        "rewards": np.asarray(rewards),
        "pairings": pair_times,
        "n1_spikes": sm1.times,
        "n2_spikes": sm2.times,
        "rate_n1": float(sm1.rates(0.0, duration)[n1]),
        "rate_n2": float(post_rates[n2]),
        "rate_post": float(post_rates.mean()),
    }


def _standing(w_s: float, others: np.ndarray) -> tuple[float, int]:
    """Percentile of ``w_s`` among ``others`` (percent of others below it, ties counted half) and its rank
    (1 = the largest weight of all synapses)."""
    below = np.count_nonzero(others < w_s) + 0.5 * np.count_nonzero(others == w_s)
    return 100.0 * below / others.size, 1 + int(np.count_nonzero(others > w_s))


def _duration(p: dict[str, Any]) -> float:
    return _DURATION if p["duration"] is None else float(p["duration"])


def _record(r: dict[str, Any], p: dict[str, Any], duration: float, edges: np.ndarray) -> dict[str, Any]:
    """The numbers of one run (without prefix)."""
    s = r["s"]
    w_t = r["w_t"]
    oth_t = np.delete(w_t, s, axis=1)
    pct, rank = _standing(float(r["w_final"][s]), r["others"])
    p99_t = np.percentile(oth_t, 99.0, axis=1)
    late = r["t_ms"] >= 0.5 * duration
    return {
        "w_rewarded": w_t[:, s],
        "w_others_mean": oth_t.mean(axis=1),
        "w_others_p01": np.percentile(oth_t, 1.0, axis=1),
        "w_others_p99": p99_t,
        "n_rewards": int(r["rewards"].size),
        "n_pairings": int(r["pairings"].size),
        "reward_times_ms": r["rewards"],
        "pairing_times_ms": r["pairings"],
        "n1_spikes_ms": r["n1_spikes"],
        "n2_spikes_ms": r["n2_spikes"],
        "w_rewarded_final": float(r["w_final"][s]),
        "w_others_final_mean": float(r["others"].mean()),
        "w_others_final_p99": float(np.percentile(r["others"], 99.0)),
        "percentile": pct,
        "rank": rank,
        "frac_top": float(np.mean(w_t[late, s] > p99_t[late])) if late.any() else float("nan"),
        "hist_edges": edges,
        "hist_counts": np.histogram(r["others"], bins=edges)[0],
        "rate_n1": r["rate_n1"],
        "rate_n2": r["rate_n2"],
        "rate_post": r["rate_post"],
        "run_s": r["run_s"],
    }


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    duration = _duration(p)
    n_pre = max(2, round(p["n_pre"] * scale))
    n_post = max(2, round(p["n_post"] * scale))
    t0 = time.perf_counter()
    run = _run(p, n_pre, n_post, seed, threads, duration, None, None)
    run["run_s"] = time.perf_counter() - t0
    runs = {"": run}
    if p["control"]:
        n_r = run["rewards"].size
        times = np.sort(np.random.default_rng([seed, 3]).uniform(0.0, duration, n_r))
        t0 = time.perf_counter()
        ctl = _run(p, n_pre, n_post, seed, threads, duration, run["s"], times)
        ctl["run_s"] = time.perf_counter() - t0
        runs["control_"] = ctl
    edges = np.linspace(0.0, p["w_max"], 41)
    numbers: dict[str, Any] = {"t_ms": run["t_ms"], "n_synapses": int(run["w_final"].size)}
    for prefix, r in runs.items():
        numbers.update({prefix + k: v for k, v in _record(r, p, duration, edges).items()})
    numbers["synapse"] = np.array([run["s"], run["n1"], run["n2"]])
    return numbers


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    _, n1, n2 = (int(x) for x in nums["synapse"])
    text = (
        f"rewarded synapse {n1}->{n2}: w {p['w_init']:g} -> {nums['w_rewarded_final']:.3f} nS "
        f"(w_max {p['w_max']:g}), percentile {nums['percentile']:.1f} (rank {nums['rank']} of {nums['n_synapses']}; "
        f"above the others' 99th percentile in {nums['frac_top']:.0%} of the second half); others "
        f"mean {p['w_init']:g} -> {nums['w_others_final_mean']:.3f} nS, 99th percentile "
        f"{nums['w_others_final_p99']:.3f} nS; {nums['n_rewards']} rewards for {nums['n_pairings']} pairings "
        f"in {_duration(p) / 1000:g} s (n1 {nums['rate_n1']:.1f} Hz, n2 {nums['rate_n2']:.1f} Hz, neurons "
        f"{nums['rate_post']:.1f} Hz)"
    )
    if p["control"]:
        text += (
            f"; control (as many rewards at random times): w {nums['control_w_rewarded_final']:.3f} nS, percentile "
            f"{nums['control_percentile']:.1f}"
        )
    wall = nums["run_s"] + (nums["control_run_s"] if p["control"] else 0.0)
    return text + f"; {wall:.1f} s"


def draw(nums: dict[str, Any], p: dict[str, Any]) -> Any:
    fig, ax = new_figure(2)
    t_s = nums["t_ms"] / 1000.0
    prefixes = ("", "control_") if p["control"] else ("",)
    for prefix, label, color in (("", "rewarded", "C3"), ("control_", "control (random rewards)", "C0")):
        if prefix not in prefixes:
            continue
        ls = "-" if prefix == "" else "--"
        ax[0].plot(t_s, nums[f"{prefix}w_rewarded"], color=color, ls=ls, label=f"synapse s, {label}")
        ax[0].plot(t_s, nums[f"{prefix}w_others_mean"], color="k" if prefix == "" else "0.5", ls=ls, lw=1,
                   label=f"others' mean, {label}")  # fmt: skip
    ax[0].fill_between(t_s, nums["w_others_p01"], nums["w_others_p99"], color="0.85", zorder=0,
                       label="others 1-99%, rewarded")  # fmt: skip
    ax[0].set(xlabel="time (s)", ylabel="weight (nS)", title="Distal reward", ylim=(0.0, p["w_max"] * 1.5))
    ax[0].legend(fontsize=6.5, loc="upper center", ncol=2)
    edges = nums["hist_edges"]
    centers = 0.5 * (edges[:-1] + edges[1:])
    ax[1].bar(centers, nums["hist_counts"], width=edges[1] - edges[0], color="0.6", label="others")
    ax[1].axvline(nums["w_rewarded_final"], color="C3", lw=2, label="s (rewarded)")
    if p["control"]:
        ax[1].axvline(nums["control_w_rewarded_final"], color="C0", ls="--", lw=2, label="s (control)")
    ax[1].set(xlabel="final weight (nS)", ylabel="synapses", title="Final weights")
    ax[1].legend(fontsize=7)
    return fig


distal_reward = Experiment(
    "distal_reward",
    PARAMETERS,
    compute,
    summarize,
    draw,
    check=_check,
    doc="""
    Solving the distal-reward problem with dopamine-modulated STDP (Izhikevich 2007, Cereb. Cortex 17:2443,
    Fig. 1): rewarding every pairing of one chosen synapse 1-3 s after it makes that synapse the strongest of
    hundreds, although many other spikes and pairings happen between a pairing and its reward; as many rewards at
    random times do not.

    Model: ``n_pre`` Poisson inputs at ``rate_pre`` Hz project onto ``n_post`` conductance-based LIF neurons
    (LIFCond with Vogels & Abbott's parameters: C_m 200 pF, g_L 10 nS, E_L -60 mV, V_th -50 mV, tau_ex 5 ms)
    through a sparse plastic projection (each pair with probability ``p_conn``, weight ``w_init`` nS, 1 ms delay)
    with :class:`pyneuro.plasticity.RewardSTDP`: pair-STDP events (``a_pre`` at a postsynaptic spike, ``a_post`` at
    a presynaptic arrival, traces of ``tau_stdp`` ms) charge each synapse's eligibility ``c`` (decay ``tau_c``), and
    ``dw/dt = c D`` with dopamine ``D`` (tonic level 0; rewards of ``reward`` per ms, decaying with ``tau_d``),
    weights in [0, ``w_max``] nS, updated every 1 ms. Each LIFCond neuron has ``k_bg`` inputs from a pool of
    ``n_bg`` Poisson sources at ``rate_bg`` Hz, weight ``w_bg`` nS (about 0.3 Hz of irregular firing). A synapse
    s = (n1 -> n2) is drawn at random (generator seeded with ``(seed, 1)``); n1 fires at ``rate_n1`` Hz and n2's
    background weight is ``w_bg_n2`` (about 1.8 Hz). The network runs in chunks of ``chunk`` ms; after each, every
    arrival of an n1 spike at s followed by an n2 spike within ``window`` ms (both ends included; found in the
    recorded spikes) is a pairing, rewarded ``U(delay_min, delay_max)`` ms after that n2 spike
    (``proj.reward(reward, at=...)``, delays from a generator seeded with ``(seed, 2)``; rewards may lie beyond
    the current chunk). With ``control=1`` the same network (same seed: same spike trains as long as the weights
    agree) runs again with as many rewards at uniformly random times (generator ``(seed, 3)``). Time step ``dt``
    1 ms, as in the paper.

    Why it works, and the choice of rates and weights. For independent pre- and postsynaptic Poisson spikes at
    rates r, r' the eligibility has mean ``(a_pre + a_post) tau r r' tau_c = -0.5 a_pre tau r r' tau_c`` (with
    ``a_post = -1.5 a_pre``: every synapse's weight drifts down while dopamine is present) and variance about
    ``0.8 a_pre**2 tau tau_c r r'``. A reward R at time t changes a weight by about
    ``R tau_d tau_c / (tau_d + tau_c) c(t)``. A pairing at lag 0-10 ms adds ``a_pre exp(-lag / tau)``
    (0.79 a_pre on average), of which ``E[exp(-T / tau_c)] = (e**-1 - e**-3) / 2 = 0.16`` is left when its reward
    comes T = 1-3 s later: a signal of about 0.125 a_pre per reward. Chance pairings happen at
    ``lambda = r1 r2 window``, and the pair's own mean eligibility is then ``-0.5 tau r1 r2 tau_c = -lambda tau_c``
    (window = tau / 2): the signal wins only if pairings are rarer than one per ``8 tau_c``. Hence n1 and n2 fire
    at a few Hz, not more (chance pairings about 0.04/s, one reward per 17 s, about 220 in an hour), and the other
    synapses (0.5 Hz inputs, 0.3 Hz neurons) at much less, so that their eligibility, and their random walk, is
    small. Pairings that n1 itself causes through s carry no negative part: with strong synapses (the paper's
    positive feedback) random rewards would potentiate s as well. Weights here stay small (0.3 nS at most; about
    a third of the pairings are causal at ``w_max``), so that s's mean eligibility stays negative for every
    weight and the control depresses s.

    Measured (scale 1, one hour, seeds 0-11): s ends above the others' 99th percentile for all 12 seeds
    (percentile >= 99.8, rank 1 for 11), within 10% of ``w_max`` for 11 (the 12th at 0.23 nS, the others'
    99th percentile 0.20 nS), and stays there once it got there, apart from brief dips (seed 0: s is above the
    others' 99th percentile in every sample of the second half); the others' mean goes from 0.150 to 0.143-0.149
    nS. In the controls s ends at or below the 13th percentile (0-0.12 nS) for all 12 seeds. After half an hour
    (``duration`` = 1.8e6 ms, seeds 100-111): s ends at 0.96 +- 0.05 [0.85, 1.0] of ``w_max``, above the others'
    99th percentile at every seed and in 0.997 of the second half's samples; the controls' s still wanders then
    (percentile 24 +- 40: 0 at 5 seeds, above 95 at 2), but it gains less than with paired rewards at every
    seed. Run time of the default call (both runs of an hour, 3.6 million steps each, one thread): 10-20 s,
    measured on two cores shared with other jobs.
    """,
    scale="Multiplies ``n_pre`` and ``n_post`` (at least 2 each); the number of synapses grows as scale**2.",
    returns="""
        numbers: ``t_ms`` (weight sample times), ``w_rewarded`` (s's weight at those times), ``w_others_mean``,
        ``w_others_p01``, ``w_others_p99`` (mean and 1st/99th percentiles of the other synapses),
        ``n_rewards`` (rewards delivered within the run), ``n_pairings``, ``reward_times_ms`` (in the order they
        were scheduled), ``pairing_times_ms``, ``n1_spikes_ms``, ``n2_spikes_ms`` (the recorded spikes the pairings
        were found in), ``w_rewarded_final``, ``w_others_final_mean``, ``w_others_final_p99``, ``percentile`` (of
        s's final weight among the others', ties counted half), ``rank`` (1 = the largest of all), ``frac_top``
        (fraction of the weight samples of the second half in which s is above the others' 99th percentile),
        ``hist_edges``, ``hist_counts`` (final weights of the others), ``rate_n1``, ``rate_n2``, ``rate_post``
        (mean of the LIFCond neurons, Hz), ``run_s`` (wall time of the run); with ``control=1`` the same for the
        control with the prefix ``control_`` (``control_n_rewards == n_rewards``); ``n_synapses`` and ``synapse``
        (s's index in canonical order, n1, n2).
    """,
    notes="""
    Not captured: the paper's recurrent network of 800 excitatory and 200 inhibitory Izhikevich neurons (here one
    feed-forward layer of LIF neurons driven by independent Poisson inputs, so that only s's own pre- and
    postsynaptic neurons are tied to the rewards, and the eligibility statistics above hold); its tonic dopamine
    (0.01 per ms; here 0, so that weights move only after rewards and the others' downward drift is slight); its
    1 Hz rates for every neuron (here n1 and n2 fire 4-6 times faster than the other inputs and neurons, so that
    s's pairings are the frequent ones); and its positive feedback, in which the strengthened s makes n2 follow
    n1 ever more often (here s stays too weak to drive n2 much, for the control's sake). The reward size is
    larger than the paper's so that an hour suffices.
    """,
)
