"""Structural plasticity protocols: rewiring to a steady state, and sprouting after a lesion.

- :func:`rewiring_steady_state`: in a recurrent E/I network, pair STDP on the E->E synapses, pruning of weak
  synapses and homeostatic growth of synaptic elements (Butz & van Ooyen 2013) reach a steady state: the synapse
  count and the weight distribution stop changing while synapses keep being created and pruned at equal rates.
- :func:`lesion_sprouting`: a lesion of part of a topographic input population deafferents the neurons it
  projected to; their rates drop, and axonal sprouting of the surviving inputs (within a reach) restores their
  in-degree and their rates; without sprouting (control) they stay low.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import models, plasticity, structural
from ..network import Network
from ..workloads import COBA_NEURON
from ._common import common_args, finish, merge_params, new_figure
from ._result import Result

__all__ = ["rewiring_steady_state", "lesion_sprouting"]


def _fixed_in(k: float, n_pre: int) -> conn.FixedInDegree:
    return conn.FixedInDegree(max(1, min(int(k), n_pre)), allow_multapses=False)


def _count_events(log: np.ndarray, proj: str, kind: str, edges: np.ndarray) -> np.ndarray:
    """Events of ``kind`` in projection ``proj`` per window ``(edges[k], edges[k+1]]`` (ms): an event logged at
    a window's end happened in the mutation phase before the run stopped there."""
    t = log["t"][(log["kind"] == kind) & (log["projection"] == proj)]
    idx = np.searchsorted(edges, t, side="left") - 1  # t in (edges[k], edges[k+1]] -> k
    idx = np.clip(idx, 0, edges.size - 2)
    return np.bincount(idx, minlength=edges.size - 1).astype(np.int64)


def _tv_distance(h1: np.ndarray, h2: np.ndarray) -> float:
    """Total-variation distance between two histograms (normalised to probabilities): 0 equal, 1 disjoint."""
    p, q = h1 / max(h1.sum(), 1), h2 / max(h2.sum(), 1)
    return float(0.5 * np.abs(p - q).sum())


# -- 1. rewiring to a steady state ------------------------------------------------------------------------------
_REWIRING = {
    "n_exc": (400, 4, None),
    "n_inh": (100, 1, None),
    "n_ext": (1000, 1, None),
    "k_ext": (100, 1, None),
    "rate_ext": (5.0, 0.0, 1000.0),
    "w_ext": (1.0, 0.0, None),
    "k_ee": (10, 1, None),
    "w_ee": (1.0, 0.0, None),
    "w_max": (2.0, 1e-6, None),
    "a_pre": (0.2, 0.0, None),
    "a_post": (-0.26, None, 0.0),
    "tau_stdp": (20.0, 1e-3, None),
    "k_ei": (40, 0, None),
    "w_ei": (0.5, 0.0, None),
    "k_ie": (20, 1, None),
    "w_ie": (5.0, 0.0, None),
    "k_ii": (20, 0, None),
    "w_ii": (5.0, 0.0, None),
    "prune_threshold": (0.1, 0.0, None),
    "prune_sustain": (1000.0, 0.0, None),
    "target_rate": (5.0, 0.1, 200.0),
    "growth_rate": (1.0, 1e-6, None),
    "tau_ca": (3000.0, 1.0, None),
    "interval": (100.0, 0.1, None),
    "duration": (60_000.0, 300.0, None),
    "window": (2000.0, 100.0, None),
    "n_bins": (20, 2, 1000),
    "steady_tol": (0.05, 0.0, None),
}


def rewiring_steady_state(
    *, scale: float = 1.0, seed: int = 0, out: Any = None, threads: int = 1, draw: bool = True, **params: Any
) -> Result:
    """Pruning and homeostatic growth under STDP reach a structural steady state (Butz & van Ooyen 2013;
    Deger, Helias, Rotter & Diesmann 2012; Iglesias et al. 2005).

    Model: ``n_exc`` excitatory and ``n_inh`` inhibitory conductance-based LIF neurons (LIFCond with the COBA
    benchmark's parameters), each with ``k_ext`` inputs from ``n_ext`` Poisson sources at ``rate_ext`` Hz
    (``w_ext`` nS) and fixed in-degrees ``k_ei`` E->I, ``k_ie`` I->E, ``k_ii`` I->I; 1 ms delays. The E->E
    projection starts sparse (in-degree ``k_ee``, weight ``w_ee`` nS), so the E rate starts below
    ``target_rate``. Its synapses carry additive pair STDP (:class:`pyneuro.plasticity.STDP`, amplitudes
    ``a_pre``/``a_post`` nS, time constants ``tau_stdp`` ms, weights in [0, ``w_max``] nS) and two structural
    rules acting every ``interval`` ms: :class:`pyneuro.structural.Pruning` (a synapse below ``prune_threshold``
    nS for ``prune_sustain`` ms is removed) and :class:`pyneuro.structural.HomeostaticGrowth` (synaptic
    elements grow at ``growth_rate`` per second while a neuron fires below ``target_rate`` and retract above it,
    rate estimate over ``tau_ca`` ms; new synapses have weight ``w_ee`` nS). Growth raises the E->E count until
    the E rate is at target; STDP (depression-dominated) then drives some synapses to zero, pruning removes them
    and growth replaces them, so at the steady state synapses turn over while their count and the weight
    distribution stay put.

    Parameters
    ----------
    scale : float
        Multiplies the population sizes (in-degrees are kept, capped at the population sizes).
    seed, threads, out, draw
        Network seed, thread count, output folder (writes ``rewiring_steady_state.png/.json``), whether to draw.
    **params
        Any of: n_exc (400), n_inh (100), n_ext (1000), k_ext (100), rate_ext (5 Hz), w_ext (1 nS), k_ee (10,
        initial), w_ee (1 nS, initial and new synapses), w_max (2 nS), a_pre (0.2 nS), a_post (-0.26 nS),
        tau_stdp (20 ms), k_ei (40), w_ei (0.5 nS), k_ie (20), w_ie (5 nS), k_ii (20), w_ii (5 nS),
        prune_threshold (0.1 nS), prune_sustain (1000 ms), target_rate (5 Hz), growth_rate (1 element/s),
        tau_ca (3000 ms), interval (100 ms, both structural rules), duration (60000 ms; run as whole windows),
        window (2000 ms: snapshots, event counts and rates per window), n_bins (20, weight histogram bins over
        [0, w_max]), steady_tol (0.05: the largest relative drift of the synapse count over the last third
        that counts as steady).

    Returns
    -------
    Result
        numbers: ``t_ms`` (window ends), ``n_synapses`` (E->E count at each window end), ``created``,
        ``pruned`` (events per window from ``net.structural_log``; pruned includes homeostatic retraction),
        ``pruned_weak`` (the pruned synapses whose logged weight was below prune_threshold), ``n_initial``,
        ``w_mean`` (mean weight per window end, nS), ``weight_edges`` (nS), ``weight_hist`` (counts, one row per
        window end), ``weight_hist_initial`` (at t = 0), ``rate_e``,
        ``rate_i`` (Hz per window), ``count_drift_last_third`` (linear-trend change of the count over the last
        third of the run, relative to its mean), ``count_range_last_third`` ((max - min) / mean there),
        ``created_last_third``, ``pruned_last_third``, ``created_pruned_ratio_last_third``,
        ``hist_change_first_third`` and ``hist_change_last_third`` (total-variation distance between the weight
        distributions at the start and end of the first and the last third), ``rate_e_last_third``,
        ``steady`` (1 when |count drift| <= steady_tol and created/pruned is within steady_tol x 2 of 1).

    Notes
    -----
    Not captured: the long-term memory aspects of the cited models (assemblies, Hebbian structural rules), a
    spatial layout, and the slow (hours) time scale of real synaptic turnover; the rule's rates are chosen so the
    steady state is reached within tens of simulated seconds.
    """
    scale, seed, threads, draw = common_args(scale, seed, threads, draw)
    p = merge_params("rewiring_steady_state", _REWIRING, params)
    if p["w_ee"] > p["w_max"]:
        raise ValueError(f"w_ee must be <= w_max={p['w_max']}, got {p['w_ee']}")
    if p["prune_threshold"] >= p["w_max"]:
        raise ValueError(f"prune_threshold must be < w_max={p['w_max']}, got {p['prune_threshold']}")
    n_win = int(p["duration"] // p["window"] + 1e-9)
    if n_win < 3:
        raise ValueError(f"duration must be at least 3 windows ({3 * p['window']} ms), got {p['duration']}")
    n_e = max(4, round(p["n_exc"] * scale))
    n_i = max(1, round(p["n_inh"] * scale))
    n_x = max(1, round(p["n_ext"] * scale))

    net = Network(dt=0.1, seed=seed, threads=threads)
    exc = net.add_population(models.LIFCond(**COBA_NEURON), n_e, name="exc")
    inh = net.add_population(models.LIFCond(**COBA_NEURON), n_i, name="inh")
    ext = net.add_population(models.PoissonSource(rate=p["rate_ext"]), n_x, name="ext")
    d = 1.0
    net.connect(ext, exc, _fixed_in(p["k_ext"], n_x), weight=p["w_ext"], delay=d, name="ext_e")
    net.connect(ext, inh, _fixed_in(p["k_ext"], n_x), weight=p["w_ext"], delay=d, name="ext_i")
    stdp = plasticity.STDP(
        tau_pre=p["tau_stdp"],
        tau_post=p["tau_stdp"],
        a_pre=p["a_pre"],
        a_post=p["a_post"],
        w_min=0.0,
        w_max=p["w_max"],
        weight_dependence="additive",
    )
    ee = net.connect(
        exc, exc, _fixed_in(p["k_ee"], n_e - 1), weight=p["w_ee"], delay=d, plasticity=stdp, name="ee", max_delay=d
    )
    if p["k_ei"] > 0:
        net.connect(exc, inh, _fixed_in(p["k_ei"], n_e), weight=p["w_ei"], delay=d, name="ei")
    net.connect(inh, exc, _fixed_in(p["k_ie"], n_i), weight=p["w_ie"], delay=d, receptor="inh", name="ie")
    if p["k_ii"] > 0:
        net.connect(inh, inh, _fixed_in(p["k_ii"], n_i), weight=p["w_ii"], delay=d, receptor="inh", name="ii")
    net.add_structural(
        ee,
        structural.Pruning(threshold=p["prune_threshold"], sustain=p["prune_sustain"], interval=p["interval"]),
        structural.HomeostaticGrowth(
            target_rate=p["target_rate"],
            growth_rate=p["growth_rate"],
            tau_ca=p["tau_ca"],
            weight=p["w_ee"],
            delay=d,
            interval=p["interval"],
        ),
    )
    rate_e = net.record_rate(exc, bin=p["window"])
    rate_i = net.record_rate(inh, bin=p["window"])

    edges_w = np.linspace(0.0, p["w_max"], int(p["n_bins"]) + 1)
    n0 = ee.size
    hist0 = np.histogram(ee.weights, bins=edges_w)[0]
    counts = np.zeros(n_win, np.int64)
    hists = np.zeros((n_win, edges_w.size - 1), np.int64)
    w_mean = np.zeros(n_win)
    for k in range(n_win):
        net.run(p["window"])
        w = ee.weights
        counts[k] = w.size
        hists[k] = np.histogram(w, bins=edges_w)[0]
        w_mean[k] = float(w.mean()) if w.size else 0.0

    t_end = p["window"] * np.arange(1, n_win + 1)
    edges_t = np.concatenate([[-1.0], t_end])  # the first window includes events at t = 0
    log = net.structural_log
    created = _count_events(log, "ee", "created", edges_t)
    pruned = _count_events(log, "ee", "pruned", edges_t)
    weak_log = log[(log["kind"] == "pruned") & (log["projection"] == "ee") & (log["weight"] < p["prune_threshold"])]
    pruned_weak = np.bincount(
        np.clip(np.searchsorted(edges_t, weak_log["t"], side="left") - 1, 0, n_win - 1), minlength=n_win
    ).astype(np.int64)

    # the last third: windows whose end lies after 2/3 of the run, with the count at its start as reference
    k3 = n_win - max(1, n_win // 3)
    last = slice(k3, n_win)
    c_last = np.concatenate([[counts[k3 - 1]], counts[last]]).astype(np.float64)
    t_last = np.concatenate([[t_end[k3 - 1]], t_end[last]])
    slope = np.polyfit(t_last, c_last, 1)[0]
    drift = float(slope * (t_last[-1] - t_last[0]) / c_last.mean())
    c_sum, p_sum = int(created[last].sum()), int(pruned[last].sum())
    ratio = c_sum / p_sum if p_sum else float("inf")
    k1 = max(1, n_win // 3) - 1
    re_, ri_ = rate_e.rate[:n_win], rate_i.rate[:n_win]
    numbers: dict[str, Any] = {
        "t_ms": t_end,
        "n_synapses": counts,
        "created": created,
        "pruned": pruned,
        "pruned_weak": pruned_weak,
        "n_initial": int(n0),
        "w_mean": w_mean,
        "weight_edges": edges_w,
        "weight_hist_initial": hist0,
        "weight_hist": hists,
        "rate_e": re_,
        "rate_i": ri_,
        "count_drift_last_third": drift,
        "count_range_last_third": float((c_last.max() - c_last.min()) / c_last.mean()),
        "created_last_third": c_sum,
        "pruned_last_third": p_sum,
        "created_pruned_ratio_last_third": float(ratio),
        "hist_change_first_third": _tv_distance(hist0, hists[k1]),
        "hist_change_last_third": _tv_distance(hists[k3 - 1], hists[-1]),
        "rate_e_last_third": float(re_[last].mean()),
        "target_rate": p["target_rate"],
        "steady": int(abs(drift) <= p["steady_tol"] and abs(ratio - 1.0) <= 2 * p["steady_tol"]),
    }
    summary = (
        f"E->E synapses {n0} -> {counts[-1]} ({'steady' if numbers['steady'] else 'NOT steady'}: count drift "
        f"{100 * drift:+.1f}% over the last third, created/pruned {c_sum}/{p_sum} = {ratio:.2f}); weight "
        f"distribution change {numbers['hist_change_first_third']:.2f} (first third) vs "
        f"{numbers['hist_change_last_third']:.2f} (last third); E rate {re_[0]:.1f} -> "
        f"{numbers['rate_e_last_third']:.2f} Hz (target {p['target_rate']:g} Hz)"
    )
    fig = None
    if draw:
        fig, ax = new_figure(4, width=3.9)
        ts = t_end / 1000.0
        ax[0].plot(np.concatenate([[0.0], ts]), np.concatenate([[n0], counts]), "k-")
        ax[0].axvspan(t_last[0] / 1000.0, ts[-1], color="0.9", zorder=0, label="last third")
        ax[0].set(xlabel="time (s)", ylabel="E->E synapses", title="Synapse count")
        ax[0].legend(fontsize=8)
        ax[1].plot(ts, created, label="created")
        ax[1].plot(ts, pruned, label="pruned (all)")
        ax[1].plot(ts, pruned_weak, ls="--", label="pruned (weak)")
        ax[1].set(xlabel="time (s)", ylabel=f"events per {p['window'] / 1000:g} s", title="Turnover")
        ax[1].legend(fontsize=8)
        centers = 0.5 * (edges_w[:-1] + edges_w[1:])
        # at t = 0 every synapse has weight w_ee (a single bin), which is left out
        for h, lab in (
            (hists[0], f"t = {ts[0]:g} s"),
            (hists[k1], f"t = {ts[k1]:g} s"),
            (hists[k3 - 1], f"t = {ts[k3 - 1]:g} s"),
            (hists[-1], f"t = {ts[-1]:g} s"),
        ):
            ax[2].step(centers, h, where="mid", label=lab)
        ax[2].axvline(p["prune_threshold"], color="k", ls=":", lw=1, label="prune threshold")
        ax[2].set(
            xlabel="weight (nS)",
            ylabel="synapses",
            title=f"Weight distribution (t = 0: all at {p['w_ee']:g} nS)",
        )
        ax[2].legend(fontsize=7)
        ax[3].plot(ts, re_, label="excitatory")
        ax[3].plot(ts, ri_, label="inhibitory", alpha=0.7)
        ax[3].axhline(p["target_rate"], color="k", ls="--", lw=1, label="target")
        ax[3].set(xlabel="time (s)", ylabel="rate (Hz)", title="Population rates")
        ax[3].legend(fontsize=8)
    res = Result(
        name="rewiring_steady_state",
        numbers=numbers,
        params={"scale": scale, "seed": seed, "threads": threads, **p},
        figure=fig,
        summary=summary,
    )
    return finish(res, out)


# -- 2. lesion and sprouting ------------------------------------------------------------------------------------
_SPROUTING = {
    "n_inputs": (400, 2, None),
    "n_targets": (100, 1, None),
    "k_in": (50, 1, None),
    "rate_in": (10.0, 0.0, 1000.0),
    "w_in": (0.75, 0.0, None),
    "length": (1000.0, 1e-6, None),
    "field": (150.0, 0.0, None),
    "lesion_center": (500.0, None, None),
    "lesion_radius": (150.0, 0.0, None),
    "reach": (400.0, 0.0, None),
    "sprout_rate": (0.2, 0.0, None),
    "interval": (100.0, 0.1, None),
    "t_lesion": (5000.0, 0.0, None),
    "duration": (40_000.0, 100.0, None),
    "bin": (500.0, 0.1, None),
    "t_measure": (2000.0, 1.0, None),
    "t_early": (500.0, 0.1, None),
    "deafferented": (0.5, 0.0, 1.0),
}


def _topographic(p: dict[str, float], n_in: int, n_t: int, seed: int) -> tuple[np.ndarray, ...]:
    """Positions on a line of length ``length`` (inputs and targets evenly spread) and, for each target, up to
    ``k_in`` distinct inputs drawn at random among those within ``field`` of it."""
    x_in = (np.arange(n_in) + 0.5) * p["length"] / n_in
    x_t = (np.arange(n_t) + 0.5) * p["length"] / n_t
    rng = np.random.default_rng([seed, 4])
    pre, post = [], []
    for j in range(n_t):
        cand = np.flatnonzero(np.abs(x_in - x_t[j]) <= p["field"])
        if cand.size == 0:
            cand = np.array([int(np.argmin(np.abs(x_in - x_t[j])))])
        pick = np.sort(rng.choice(cand, size=min(int(p["k_in"]), cand.size), replace=False))
        pre.append(pick)
        post.append(np.full(pick.size, j))
    return x_in, x_t, np.concatenate(pre), np.concatenate(post)


def _sprouting_run(p: dict[str, float], n_in: int, n_t: int, seed: int, threads: int, sprout: bool) -> dict[str, Any]:
    """One run (with or without Sprouting): spike times per target, in-degree per target per bin, the log."""
    x_in, x_t, pre, post = _topographic(p, n_in, n_t, seed)
    net = Network(dt=0.1, seed=seed, threads=threads)
    src = net.add_population(models.PoissonSource(rate=p["rate_in"]), n_in, name="inputs")
    tgt = net.add_population(models.LIFCond(**COBA_NEURON), n_t, name="targets")
    src.positions = x_in
    tgt.positions = x_t
    proj = net.connect(src, tgt, conn.FromArrays(pre, post), weight=p["w_in"], delay=1.0, name="input")
    if sprout:
        net.add_structural(
            proj,
            structural.Sprouting(
                rate=p["sprout_rate"], reach=p["reach"], weight=p["w_in"], delay=1.0, interval=p["interval"]
            ),
        )
    les = net.lesion(neurons=(src, {"center": [p["lesion_center"]], "radius": p["lesion_radius"]}), at=p["t_lesion"])
    sm = net.record_spikes(tgt)
    n_bins = int(round(p["duration"] / p["bin"]))
    k0 = np.bincount(proj.post, minlength=n_t)
    indeg = np.zeros((n_bins, n_t), np.int64)
    for b in range(n_bins):
        net.run(p["bin"])
        indeg[b] = np.bincount(proj.post, minlength=n_t)
    log = net.structural_log
    return {
        "k0": k0,
        "indeg": indeg,
        "spike_t": sm.times,
        "spike_i": sm.indices,
        "lesioned_inputs": les.neurons["inputs"],
        "pre": pre,
        "post": post,
        "x_t": x_t,
        "created": int(np.sum((log["kind"] == "created") & (log["projection"] == "input"))),
        "removed": int(les.n_synapses_removed or 0),
        "t_end": n_bins * p["bin"],
    }


def _group_rate(run: dict[str, Any], group: np.ndarray, t0: float, t1: float) -> float:
    """Mean rate (Hz) of the targets in ``group`` between t0 and t1 (ms)."""
    if not group.any() or t1 <= t0:
        return float("nan")
    sel = (run["spike_t"] >= t0) & (run["spike_t"] < t1) & group[run["spike_i"]]
    return float(sel.sum() / group.sum() / ((t1 - t0) / 1000.0))


def _rate_trace(run: dict[str, Any], group: np.ndarray, edges: np.ndarray) -> np.ndarray:
    if not group.any():
        return np.full(edges.size - 1, np.nan)
    t = run["spike_t"][group[run["spike_i"]]]
    return np.histogram(t, bins=edges)[0] / group.sum() / (np.diff(edges) / 1000.0)


def lesion_sprouting(
    *, scale: float = 1.0, seed: int = 0, out: Any = None, threads: int = 1, draw: bool = True, **params: Any
) -> Result:
    """Axonal sprouting after a lesion restores the in-degree and the rate of deafferented neurons
    (Darian-Smith & Gilbert 1994; Butz, Steenbuck & van Ooyen 2014).

    Model: ``n_inputs`` Poisson sources at ``rate_in`` Hz and ``n_targets`` conductance-based LIF neurons
    (LIFCond, COBA parameters), both evenly spread on a line of length ``length`` (µm). Every target receives
    ``k_in`` synapses (``w_in`` nS, 1 ms) from distinct inputs drawn at random within ``field`` of its position
    (fewer where fewer are in range). At ``t_lesion`` the inputs within ``lesion_radius`` of ``lesion_center``
    are lesioned with ``net.lesion(neurons=(inputs, region), at=t_lesion)``: they fall silent and their
    synapses are removed. Targets that lost at least a fraction ``deafferented`` of their inputs are the
    deafferented group. :class:`pyneuro.structural.Sprouting` (``sprout_rate`` per missing input per second,
    partners within ``reach``, every ``interval`` ms) lets surviving inputs grow new synapses (same weight) onto
    them until their in-degree is restored. The control is the same network and lesion without sprouting.

    Parameters
    ----------
    scale : float
        Multiplies n_inputs and n_targets (the field and k_in are kept, so at small scales a target may have
        fewer than k_in inputs in range).
    seed, threads, out, draw
        Network seed (also of the topographic wiring), thread count, output folder (writes
        ``lesion_sprouting.png/.json``), whether to draw.
    **params
        Any of: n_inputs (400), n_targets (100), k_in (50), rate_in (10 Hz), w_in (0.75 nS), length (1000 µm),
        field (150 µm), lesion_center (500 µm), lesion_radius (150 µm), reach (400 µm), sprout_rate (0.2 /s),
        interval (100 ms), t_lesion (5000 ms), duration (40000 ms, whole bins), bin (500 ms), t_measure
        (2000 ms: the baseline is the rate over the t_measure ms before the lesion, the recovered rate over the
        last t_measure ms), t_early (500 ms: "just after" is the rate over the first t_early ms after the
        lesion), deafferented (0.5).

    Returns
    -------
    Result
        numbers: ``t_ms`` (bin ends), ``indeg_deaff``, ``indeg_deaff_control``, ``indeg_intact`` (mean in-degree
        per bin end), ``rate_deaff``, ``rate_deaff_control``, ``rate_intact`` (Hz per bin), ``n_deafferented``,
        ``n_lesioned_inputs``, ``synapses_removed``, ``synapses_created``, ``rate_before``, ``rate_after``,
        ``rate_recovered`` (deafferented group: baseline, just after the lesion, last t_measure ms),
        ``rate_after_control``, ``rate_recovered_control``, ``rate_intact_before``, ``rate_intact_recovered``,
        ``indeg_before``, ``indeg_after``, ``indeg_recovered``, ``indeg_recovered_control``,
        ``rate_recovered_fraction`` (recovered rate / baseline), ``rate_recovered_fraction_control``,
        ``rate_restored_fraction`` ((recovered - after) / (before - after): the share of the loss restored),
        ``indeg_restored_fraction`` (the same for the in-degree), ``x_targets``, ``k_before``, ``k_after``,
        ``k_recovered`` (in-degree profile along the line).

    Notes
    -----
    Not captured: the growth of new axon branches in space, activity dependence of sprouting (here it depends
    only on the missing inputs), and the slower, partial recovery with cortical reorganisation seen in vivo.
    """
    scale, seed, threads, draw = common_args(scale, seed, threads, draw)
    p = merge_params("lesion_sprouting", _SPROUTING, params)
    n_bins = int(round(p["duration"] / p["bin"]))
    if n_bins < 2 or abs(n_bins * p["bin"] - p["duration"]) > 1e-6 * p["duration"]:
        raise ValueError(f"duration must be a whole number (>= 2) of bins of {p['bin']} ms, got {p['duration']}")
    if not p["t_measure"] <= p["t_lesion"]:
        raise ValueError(f"t_lesion must be >= t_measure={p['t_measure']} (the baseline), got {p['t_lesion']}")
    if not p["t_lesion"] + p["t_early"] + p["t_measure"] <= p["duration"]:
        raise ValueError(
            f"duration must be >= t_lesion + t_early + t_measure = "
            f"{p['t_lesion'] + p['t_early'] + p['t_measure']} ms, got {p['duration']}"
        )
    n_in = max(2, round(p["n_inputs"] * scale))
    n_t = max(1, round(p["n_targets"] * scale))
    x_in = _topographic(p, n_in, n_t, seed)[0]
    if not np.any(np.abs(x_in.astype(np.float32) - p["lesion_center"]) <= p["lesion_radius"]):
        raise ValueError(
            f"the lesion region (center {p['lesion_center']}, radius {p['lesion_radius']}) holds no inputs; "
            "move lesion_center or enlarge lesion_radius"
        )

    runs = {s: _sprouting_run(p, n_in, n_t, seed, threads, s) for s in (True, False)}
    r, c = runs[True], runs[False]
    lesioned = np.zeros(n_in, bool)
    lesioned[r["lesioned_inputs"]] = True
    k0 = r["k0"]
    lost = np.bincount(r["post"][lesioned[r["pre"]]], minlength=n_t)
    deaff = lost >= np.maximum(p["deafferented"] * k0, 1)
    intact = lost == 0

    t_end = p["bin"] * np.arange(1, n_bins + 1)
    edges = np.concatenate([[0.0], t_end])
    t_les, t_stop = float(p["t_lesion"]), float(r["t_end"])

    def mean_k(run: dict[str, Any], group: np.ndarray, b: int) -> float:
        return float(run["indeg"][b][group].mean()) if group.any() else float("nan")

    rate_before = _group_rate(r, deaff, t_les - p["t_measure"], t_les)
    rate_after = _group_rate(r, deaff, t_les, t_les + p["t_early"])
    rate_rec = _group_rate(r, deaff, t_stop - p["t_measure"], t_stop)
    indeg_before = float(k0[deaff].mean()) if deaff.any() else float("nan")
    indeg_after = float((k0 - lost)[deaff].mean()) if deaff.any() else float("nan")
    indeg_rec = mean_k(r, deaff, n_bins - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        numbers = {
            "t_ms": t_end,
            "indeg_deaff": r["indeg"][:, deaff].mean(axis=1) if deaff.any() else np.full(n_bins, np.nan),
            "indeg_deaff_control": c["indeg"][:, deaff].mean(axis=1) if deaff.any() else np.full(n_bins, np.nan),
            "indeg_intact": r["indeg"][:, intact].mean(axis=1) if intact.any() else np.full(n_bins, np.nan),
            "rate_deaff": _rate_trace(r, deaff, edges),
            "rate_deaff_control": _rate_trace(c, deaff, edges),
            "rate_intact": _rate_trace(r, intact, edges),
            "n_deafferented": int(deaff.sum()),
            "n_intact": int(intact.sum()),
            "n_lesioned_inputs": int(lesioned.sum()),
            "synapses_removed": r["removed"],
            "synapses_created": r["created"],
            "synapses_created_control": c["created"],
            "rate_before": rate_before,
            "rate_after": rate_after,
            "rate_recovered": rate_rec,
            "rate_after_control": _group_rate(c, deaff, t_les, t_les + p["t_early"]),
            "rate_recovered_control": _group_rate(c, deaff, t_stop - p["t_measure"], t_stop),
            "rate_intact_before": _group_rate(r, intact, t_les - p["t_measure"], t_les),
            "rate_intact_recovered": _group_rate(r, intact, t_stop - p["t_measure"], t_stop),
            "indeg_before": indeg_before,
            "indeg_after": indeg_after,
            "indeg_recovered": indeg_rec,
            "indeg_recovered_control": mean_k(c, deaff, n_bins - 1),
            "rate_recovered_fraction": float(np.float64(rate_rec) / rate_before),
            "rate_recovered_fraction_control": float(
                np.float64(_group_rate(c, deaff, t_stop - p["t_measure"], t_stop)) / rate_before
            ),
            "rate_restored_fraction": float(np.float64(rate_rec - rate_after) / (rate_before - rate_after)),
            "indeg_restored_fraction": float(np.float64(indeg_rec - indeg_after) / (indeg_before - indeg_after)),
            "x_targets": r["x_t"],
            "k_before": k0,
            "k_after": k0 - lost,
            "k_recovered": r["indeg"][-1],
        }
    summary = (
        f"{numbers['n_deafferented']} deafferented neurons (lesion of {numbers['n_lesioned_inputs']} inputs, "
        f"{numbers['synapses_removed']} synapses): in-degree {indeg_before:.1f} -> {indeg_after:.1f} -> "
        f"{indeg_rec:.1f} ({numbers['synapses_created']} sprouted); rate {rate_before:.1f} -> {rate_after:.2f} -> "
        f"{rate_rec:.1f} Hz ({100 * numbers['rate_recovered_fraction']:.0f}% of baseline); control without "
        f"sprouting {numbers['rate_recovered_control']:.2f} Hz "
        f"({100 * numbers['rate_recovered_fraction_control']:.0f}%)"
    )
    fig = None
    if draw:
        fig, ax = new_figure(3)
        ts = t_end / 1000.0
        for a in ax[:2]:
            a.axvline(t_les / 1000.0, color="k", ls=":", lw=1, label="lesion")
        ax[0].plot(ts, numbers["indeg_deaff"], label="deafferented, sprouting")
        ax[0].plot(ts, numbers["indeg_deaff_control"], label="deafferented, control")
        ax[0].plot(ts, numbers["indeg_intact"], color="0.5", label="intact")
        ax[0].set(xlabel="time (s)", ylabel="mean in-degree", title="In-degree")
        ax[0].legend(fontsize=8)
        tc = 0.5 * (edges[:-1] + edges[1:]) / 1000.0
        ax[1].plot(tc, numbers["rate_deaff"], label="deafferented, sprouting")
        ax[1].plot(tc, numbers["rate_deaff_control"], label="deafferented, control")
        ax[1].plot(tc, numbers["rate_intact"], color="0.5", label="intact")
        ax[1].set(xlabel="time (s)", ylabel="rate (Hz)", title="Firing rate")
        ax[1].legend(fontsize=8)
        x = r["x_t"]
        ax[2].plot(x, k0, "k-", label="before lesion")
        ax[2].plot(x, k0 - lost, label="just after")
        ax[2].plot(x, r["indeg"][-1], label=f"t = {ts[-1]:g} s, sprouting")
        ax[2].plot(x, c["indeg"][-1], ls="--", label=f"t = {ts[-1]:g} s, control")
        ax[2].axvspan(
            p["lesion_center"] - p["lesion_radius"], p["lesion_center"] + p["lesion_radius"], color="0.9", zorder=0
        )
        ax[2].set(xlabel="target position (µm)", ylabel="in-degree", title="In-degree along the line")
        ax[2].legend(fontsize=7)
    res = Result(
        name="lesion_sprouting",
        numbers=numbers,
        params={"scale": scale, "seed": seed, "threads": threads, **p},
        figure=fig,
        summary=summary,
    )
    return finish(res, out)


# every keyword each experiment accepts beyond its signature (what pyneuro.sweep checks a grid against)
rewiring_steady_state.sweep_parameters = tuple(_REWIRING)  # type: ignore[attr-defined]
lesion_sprouting.sweep_parameters = tuple(_SPROUTING)  # type: ignore[attr-defined]
