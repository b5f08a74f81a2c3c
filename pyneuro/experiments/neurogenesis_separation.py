"""Adult neurogenesis and pattern separation in a dentate-gyrus-like layer: young, plastic, excitable granule
cells born while a new environment is learned lower the overlap of the output codes of similar old and new
places."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import models, plasticity
from ..network import Network
from ..schedule import Piecewise
from ._framework import CONDUCTANCE_LIF, Experiment, Param, Parameters, new_figure

__all__ = ["neurogenesis_separation", "PARAMETERS", "CONDITIONS"]

PARAMETERS = Parameters(
    Param("n_ec", 300, "entorhinal Poisson sources (times scale, at least 10)", lo=10),
    Param("n_gc", 400, "granule cells (times scale, at least 10)", lo=10),
    Param("n_inh", 100, "interneurons (times scale)", lo=1),
    Param("n_young", 200, "young granule cells born for the new environment (times scale)", lo=1),
    Param("n_places", 8, "places per environment", lo=2),
    Param("overlap_min", 0.2, "smallest fraction of active EC cells a new place shares with its old one", lo=0.0,
          hi=1.0),
    Param("overlap_max", 0.9, "largest such fraction", lo=0.0, hi=1.0),
    Param("similar", 0.6, "pairs sharing at least this fraction are similar", lo=0.0, hi=1.0),
    Param("active", 0.2, "fraction of EC cells active in a place", lo=0.01, hi=1.0),
    Param("rate_on", 40.0, "rate of an active EC cell", "Hz", lo=0.0, hi=500.0),
    Param("rate_off", 1.0, "rate of an inactive EC cell", "Hz", lo=0.0, hi=500.0),
    Param("k_ec", 60, "EC->GC in-degree", lo=1),
    Param("w_ec", 0.5, "mean initial EC->GC weight (uniform in [0, 2 w_ec])", "nS", lo=0.0),
    Param("w_max", 1.0, "largest EC->GC weight", "nS", lo=1e-6),
    Param("learning_rate", 10.0, "factor on the BCM rule's a3_plus = 6.5e-3 w_max", lo=0.0),
    Param("target_rate", 3.0, "target rate of the BCM rule", "Hz", lo=0.01, hi=200.0),
    Param("tau_rate", 2000.0, "time constant of the BCM rate estimate", "ms", lo=1.0),
    Param("bcm_power", 4.0, "sliding-threshold exponent of the BCM rule", lo=0.0, hi=8.0),
    Param("mature_plasticity", 0.2, "learning-rate factor of every synapse in the new environment", lo=0.0),
    Param("k_gi", 100, "GC->I: each pair connected with probability k_gi / n_gc", lo=1),
    Param("w_gi", 2.0, "GC->I weight", "nS", lo=0.0),
    Param("k_ig", 25, "I->GC in-degree", lo=1),
    Param("w_ig", 10.0, "I->GC weight", "nS", lo=0.0),
    Param("boost", 10.0, "young GCs' plasticity gain 1 + boost exp(-age / tau_mature)", lo=0.0),
    Param("excitability", 8.0, "young GCs' threshold is lowered by excitability exp(-age / tau_mature)", "mV",
          lo=0.0, hi=30.0),
    Param("tau_mature", 20_000.0, "maturation time constant of the young GCs", "ms", lo=1.0),
    Param("young_gi", 3.0, "factor on the young GCs' synapses onto the interneurons", lo=0.0),
    Param("t_present", 150.0, "duration of a place presentation", "ms", lo=1.0),
    Param("t_gap", 30.0, "pause before each presentation", "ms", lo=0.0),
    Param("reps_old", 40, "rounds of the old places", lo=1),
    Param("reps_new", 30, "rounds of the new places", lo=1),
    Param("t_test", 2000.0, "test presentation of each place", "ms", lo=10.0),
    Param("t_pause", 80.0, "pause before each test presentation", "ms", lo=0.0),
    Param("n_nets", 5, "independent networks the curves are averaged over", lo=1, hi=100),
)  # fmt: skip


def _similar(p: dict[str, Any]) -> np.ndarray:
    """Which pairs are similar (nominal shared fraction >= similar)."""
    q_nom = np.linspace(p["overlap_min"], p["overlap_max"], int(p["n_places"]))
    return q_nom >= p["similar"] - 1e-9


def _check(p: dict[str, Any]) -> None:
    if p["overlap_min"] > p["overlap_max"]:
        raise ValueError(f"overlap_max must be >= overlap_min={p['overlap_min']}, got {p['overlap_max']}")
    if p["rate_on"] <= p["rate_off"]:
        raise ValueError(f"rate_on must be > rate_off={p['rate_off']}, got {p['rate_on']}")
    if not _similar(p).any():
        raise ValueError(f"similar must be <= overlap_max={p['overlap_max']} (no similar pairs), got {p['similar']}")


#: the conditions, in the order they are run and drawn
CONDITIONS = ("control", "neurogenesis", "extra_mature", "no_young_traits")
_LABELS = {
    "naive": "before learning",
    "control": "no neurogenesis (control)",
    "neurogenesis": "neurogenesis (young GCs)",
    "extra_mature": "as many extra GCs, mature from the start",
    "no_young_traits": "GCs born as young, without young traits",
}


def _sizes(p: dict[str, Any], scale: float) -> dict[str, int]:
    return {
        "n_ec": max(10, round(p["n_ec"] * scale)),
        "n_gc": max(10, round(p["n_gc"] * scale)),
        "n_inh": max(1, round(p["n_inh"] * scale)),
        "n_young": max(1, round(p["n_young"] * scale)),
    }


def _patterns(p: dict[str, Any], n_ec: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Old places A_j (random sets of ``active * n_ec`` active EC cells) and new places B_j that share a fraction
    q_j of A_j's active cells, q_j evenly spread over [overlap_min, overlap_max] (the rest drawn among the cells
    inactive in A_j). Returns (q, A, B): the achieved fractions and boolean (n_places, n_ec) arrays."""
    rng = np.random.default_rng([seed, 1])
    m = int(p["n_places"])
    k = max(1, round(p["active"] * n_ec))
    q_nom = np.linspace(p["overlap_min"], p["overlap_max"], m)
    a = np.zeros((m, n_ec), bool)
    b = np.zeros((m, n_ec), bool)
    q = np.zeros(m)
    for j in range(m):
        on = rng.choice(n_ec, size=k, replace=False)
        a[j, on] = True
        n_shared = int(round(q_nom[j] * k))
        off = np.flatnonzero(~a[j])
        n_shared = max(n_shared, k - off.size)
        b[j, rng.choice(on, size=n_shared, replace=False)] = True
        b[j, rng.choice(off, size=k - n_shared, replace=False)] = True
        q[j] = n_shared / k
    return q, a, b


def _cos(x: np.ndarray, y: np.ndarray) -> float:
    """Cosine similarity of two non-negative vectors (0 when either is all zero)."""
    nx, ny = float(np.linalg.norm(x)), float(np.linalg.norm(y))
    return float(np.dot(x, y) / (nx * ny)) if nx > 0 and ny > 0 else 0.0


def _wiring(
    p: dict[str, Any], s: dict[str, int], seed: int, first: int, stop: int, gi_prob: float
) -> dict[str, np.ndarray]:
    """Random wiring of GCs ``first .. stop-1``: EC->GC (in-degree k_ec, weights uniform in [0, 2 w_ec]),
    I->GC (in-degree k_ig) and GC->I (each pair with probability ``gi_prob``)."""
    rng = np.random.default_rng([seed, 2, first])
    ids = np.arange(first, stop)
    k_ec = min(int(p["k_ec"]), s["n_ec"])
    k_ig = min(int(p["k_ig"]), s["n_inh"])
    ec_pre = np.concatenate([rng.choice(s["n_ec"], size=k_ec, replace=False) for _ in ids])
    ec_w = rng.uniform(0.0, 2.0 * p["w_ec"], size=ec_pre.size)
    ig_pre = np.concatenate([rng.choice(s["n_inh"], size=k_ig, replace=False) for _ in ids])
    gi_pre, gi_post = np.nonzero(rng.random((ids.size, s["n_inh"])) < gi_prob)
    return {
        "ec_pre": ec_pre,
        "ec_post": np.repeat(ids, k_ec),
        "ec_w": ec_w,
        "ig_pre": ig_pre,
        "ig_post": np.repeat(ids, k_ig),
        "gi_pre": ids[gi_pre],
        "gi_post": gi_post,
        "gi_w": np.full(gi_pre.size, p["w_gi"]),
    }


def _layer(p: dict[str, Any], s: dict[str, int], n_gc: int, seed: int, threads: int) -> tuple[Network, Any, Any, Any]:
    net = Network(dt=0.1, seed=seed, threads=threads)
    ec = net.add_population(models.PoissonSource(rate=np.full(s["n_ec"], p["rate_off"])), s["n_ec"], name="ec")
    gc = net.add_population(models.LIFCond(**CONDUCTANCE_LIF), n_gc, name="gc")
    inh = net.add_population(models.LIFCond(**CONDUCTANCE_LIF), s["n_inh"], name="inh")
    return net, ec, gc, inh


def _respond(
    p: dict[str, Any],
    s: dict[str, int],
    w: dict[str, np.ndarray],
    theta: np.ndarray,
    probes: np.ndarray,
    seed: int,
    threads: int,
) -> np.ndarray:
    """Spike counts of every GC to each probe (rows of ``probes``, boolean EC patterns) in a copy of the layer with
    the given weights and thresholds, frozen (no plasticity): each probe is presented for t_test ms after a pause
    of t_pause ms at the background rate."""
    net, ec, gc, inh = _layer(p, s, theta.size, seed, threads)
    gc.set("theta", theta)
    net.connect(ec, gc, conn.FromArrays(w["ec_pre"], w["ec_post"]), weight=w["ec_w"], delay=1.0)
    net.connect(gc, inh, conn.FromArrays(w["gi_pre"], w["gi_post"]), weight=w["gi_w"], delay=1.0)
    net.connect(inh, gc, conn.FromArrays(w["ig_pre"], w["ig_post"]), weight=p["w_ig"], delay=1.0, receptor="inh")
    sm = net.record_spikes(gc)
    counts = np.zeros((probes.shape[0], theta.size))
    seen = 0
    for i, pat in enumerate(probes):
        ec.set("rate", p["rate_off"])
        net.run(p["t_pause"])
        seen = sm.indices.size
        ec.set("rate", np.where(pat, p["rate_on"], p["rate_off"]))
        net.run(p["t_test"])
        counts[i] = np.bincount(sm.indices[seen:], minlength=theta.size)
    return counts


def _train(
    p: dict[str, Any], s: dict[str, int], a: np.ndarray, b: np.ndarray, cond: str, seed: int, threads: int
) -> dict[str, Any]:
    """Learn the old places, then the new ones, under condition ``cond`` (see :data:`CONDITIONS`)."""
    n_gc, n_young = s["n_gc"], s["n_young"]
    gi_prob = min(1.0, p["k_gi"] / n_gc)
    n0 = n_gc + (n_young if cond == "extra_mature" else 0)
    w = _wiring(p, s, seed, 0, n0, gi_prob)
    m = a.shape[0]
    t_old = int(p["reps_old"]) * m * (p["t_gap"] + p["t_present"])
    rule = plasticity.BCM(
        a3_plus=6.5e-3 * p["w_max"] * p["learning_rate"],
        w_min=0.0,
        w_max=p["w_max"],
        target_rate=p["target_rate"],
        tau_rate=p["tau_rate"],
        power=p["bcm_power"],
        schedule=Piecewise(times=[t_old], values=[1.0, p["mature_plasticity"]]),
    )
    net, ec, gc, inh = _layer(p, s, n0, seed, threads)
    pe = net.connect(ec, gc, conn.FromArrays(w["ec_pre"], w["ec_post"]), weight=w["ec_w"], delay=1.0,
                     plasticity=rule, name="ec_gc")  # fmt: skip
    pgi = net.connect(gc, inh, conn.FromArrays(w["gi_pre"], w["gi_post"]), weight=w["gi_w"], delay=1.0, name="gc_inh")
    pig = net.connect(inh, gc, conn.FromArrays(w["ig_pre"], w["ig_post"]), weight=p["w_ig"], delay=1.0,
                      receptor="inh", name="inh_gc")  # fmt: skip
    sm = net.record_spikes(gc)
    rng = np.random.default_rng([seed, 3])
    counts: list[np.ndarray] = []
    seen = 0

    def present(pats: np.ndarray, reps: int, young: np.ndarray | None = None, birth: float = 0.0) -> None:
        nonlocal seen
        for _ in range(reps):
            for j in rng.permutation(pats.shape[0]):
                if young is not None and p["excitability"] > 0:  # young GCs' excitability fades as they mature
                    th = gc.get("theta")
                    th[young] = -p["excitability"] * np.exp(-(net.time - birth) / p["tau_mature"])
                    gc.set("theta", th)
                ec.set("rate", p["rate_off"])
                net.run(p["t_gap"])
                ec.set("rate", np.where(pats[j], p["rate_on"], p["rate_off"]))
                seen = sm.indices.size
                net.run(p["t_present"])
                counts.append(np.bincount(sm.indices[seen:], minlength=gc.size))

    present(a, int(p["reps_old"]))
    young = np.zeros(0, np.int64)
    if cond in ("neurogenesis", "no_young_traits"):
        traits = cond == "neurogenesis"
        young = gc.add_neurons(n_young, maturation=(p["boost"], p["tau_mature"]) if traits else None)
        wy = _wiring(p, s, seed, n_gc, n_gc + n_young, gi_prob)
        pe.add_synapses(wy["ec_pre"], wy["ec_post"], weight=wy["ec_w"], delay=1.0)
        pgi.add_synapses(wy["gi_pre"], wy["gi_post"], weight=p["young_gi"] * wy["gi_w"], delay=1.0)
        pig.add_synapses(wy["ig_pre"], wy["ig_post"], weight=p["w_ig"], delay=1.0)
        present(b, int(p["reps_new"]), young if traits else None, net.time)
    else:
        present(b, int(p["reps_new"]))
    n_old = int(p["reps_old"]) * m
    young_share = (
        np.array([c[n_gc:].sum() / max(c.sum(), 1) if young.size else 0.0 for c in counts[n_old:]])
        .reshape(int(p["reps_new"]), m)
        .mean(axis=1)
    )
    return {
        "weights": {
            "ec_pre": pe.pre,
            "ec_post": pe.post,
            "ec_w": pe.weights,
            "gi_pre": pgi.pre,
            "gi_post": pgi.post,
            "gi_w": pgi.weights,
            "ig_pre": pig.pre,
            "ig_post": pig.post,
        },  # fmt: skip
        "theta": gc.get("theta"),
        "young": young,
        "initial": w,
        "young_share_training": young_share,
        "rate_new": float(sm.rates(t_old, net.time).mean()),
    }


def _one_network(p: dict[str, Any], s: dict[str, int], s_k: int, threads: int) -> dict[str, Any]:
    """One network (seed ``s_k``): its places, and the output overlaps, activity and recruitment per condition."""
    m = int(p["n_places"])
    q, a, b = _patterns(p, s["n_ec"], s_k)
    rates_a = np.where(a, p["rate_on"], p["rate_off"])
    rates_b = np.where(b, p["rate_on"], p["rate_off"])
    out: dict[str, Any] = {"q": q, "inp": [_cos(rates_a[j], rates_b[j]) for j in range(m)], "ov": {}, "act": {},
                           "rate_new": {}}  # fmt: skip
    probes = np.concatenate([a, b])
    for cond in CONDITIONS:
        tr = _train(p, s, a, b, cond, s_k, threads)
        c = _respond(p, s, tr["weights"], tr["theta"], probes, s_k + 1, threads)
        out["ov"][cond] = [_cos(c[j], c[m + j]) for j in range(m)]
        out["act"][cond] = float((c > 0).mean())
        out["rate_new"][cond] = tr["rate_new"]
        if cond == "control":
            c0 = _respond(p, s, tr["initial"], np.zeros(s["n_gc"]), probes, s_k + 1, threads)
            out["ov"]["naive"] = [_cos(c0[j], c0[m + j]) for j in range(m)]
            out["act"]["naive"] = float((c0 > 0).mean())
        if cond == "neurogenesis":
            y = tr["young"]
            out["young_old"] = c[:m, y].sum() / max(c[:m].sum(), 1.0)
            out["young_new"] = c[m:, y].sum() / max(c[m:].sum(), 1.0)
            out["young_train"] = tr["young_share_training"]
    return out


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    s = _sizes(p, scale)
    n_nets = int(p["n_nets"])
    keys = ("naive", *CONDITIONS)
    nets = [_one_network(p, s, int(np.random.default_rng([seed, 100, k]).integers(2**31)), threads)
            for k in range(n_nets)]  # fmt: skip
    ov = {key: np.array([r["ov"][key] for r in nets], dtype=float) for key in keys}
    q_all = np.array([r["q"] for r in nets], dtype=float)
    inp_all = np.array([r["inp"] for r in nets], dtype=float)
    sim = np.broadcast_to(_similar(p), q_all.shape)
    numbers: dict[str, Any] = {"shared_fraction": q_all.mean(axis=0), "input_overlap": inp_all.mean(axis=0)}
    for key in keys:
        numbers[f"output_overlap_{key}"] = ov[key].mean(axis=0)
        numbers[f"output_overlap_{key}_nets"] = ov[key]
    for key in keys:
        per_net = np.array([ov[key][k][sim[k]].mean() for k in range(n_nets)])
        numbers[f"similar_overlap_{key}"] = float(per_net.mean())
        numbers[f"similar_overlap_{key}_nets"] = per_net
        numbers[f"separation_{key}"] = float((inp_all - ov[key]).mean())
        numbers[f"active_fraction_{key}"] = float(np.mean([r["act"][key] for r in nets]))
    for cond in CONDITIONS:
        numbers[f"rate_new_{cond}"] = float(np.mean([r["rate_new"][cond] for r in nets]))
    gain = numbers["similar_overlap_control_nets"] - numbers["similar_overlap_neurogenesis_nets"]
    numbers["separation_gain"] = float(gain.mean())
    numbers["separation_gain_nets"] = gain
    numbers["young_share_new"] = float(np.mean([r["young_new"] for r in nets]))
    numbers["young_share_old"] = float(np.mean([r["young_old"] for r in nets]))
    numbers["young_share_training"] = np.array([r["young_train"] for r in nets], dtype=float).mean(axis=0)
    numbers.update({f"size_{k}": v for k, v in s.items()})
    return numbers


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    inp = nums["input_overlap"][_similar(p)].mean()
    return (
        f"output overlap of similar old/new places (shared >= {p['similar']:g}, input overlap "
        f"{inp:.2f}): neurogenesis {nums['similar_overlap_neurogenesis']:.3f} vs control "
        f"{nums['similar_overlap_control']:.3f} (-{nums['separation_gain']:.3f}); extra mature GCs "
        f"{nums['similar_overlap_extra_mature']:.3f}, young without young traits "
        f"{nums['similar_overlap_no_young_traits']:.3f}, before learning {nums['similar_overlap_naive']:.3f}; "
        f"young GCs fire {100 * nums['young_share_new']:.0f}% of the spikes to new places, "
        f"{100 * nums['young_share_old']:.0f}% to old ones"
    )


def draw(numbers: dict[str, Any], p: dict[str, Any]) -> Any:
    keys = ("naive", *CONDITIONS)
    fig, ax = new_figure(3, width=4.6, height=3.8)
    colors = {"naive": "0.6", "control": "C0", "neurogenesis": "C3", "extra_mature": "C2", "no_young_traits": "C4"}
    x = numbers["input_overlap"]
    for key in keys:
        y = numbers[f"output_overlap_{key}"]
        sd = numbers[f"output_overlap_{key}_nets"].std(axis=0)
        ls = ":" if key == "naive" else "-"
        ax[0].errorbar(x, y, yerr=sd, color=colors[key], ls=ls, marker="o", ms=3, capsize=2, label=_LABELS[key])
    ax[0].plot([0, 1], [0, 1], "k--", lw=0.8, label="no separation (diagonal)")
    ax[0].set(xlabel="input overlap (EC cosine)", ylabel="output overlap (GC cosine)", xlim=(0, 1), ylim=(0, 1),
              title="Old vs new place: output against input overlap")  # fmt: skip
    ax[0].legend(fontsize=6.5, loc="upper left")
    vals = [numbers[f"similar_overlap_{k}"] for k in keys]
    errs = [numbers[f"similar_overlap_{k}_nets"].std() for k in keys]
    ax[1].bar(range(len(keys)), vals, yerr=errs, color=[colors[k] for k in keys], capsize=3)
    ax[1].set_xticks(range(len(keys)))
    ax[1].set_xticklabels(["before\nlearning", "control", "neuro-\ngenesis", "extra\nmature", "no young\ntraits"],
                          fontsize=7)  # fmt: skip
    ax[1].set(ylabel="mean output overlap (± SD, networks)", ylim=(0, 1),
              title=f"Similar places (shared fraction >= {p['similar']:g})")  # fmt: skip
    share = numbers["young_share_training"]
    ax[2].plot(np.arange(1, share.size + 1), 100 * share, color="C3", marker="o", ms=3, label="learning, new places")
    ax[2].axhline(100 * numbers["young_share_new"], color="C3", ls="--", lw=1, label="test, new places")
    ax[2].axhline(100 * numbers["young_share_old"], color="0.4", ls="--", lw=1, label="test, old places")
    ax[2].set(xlabel="round of new-environment learning", ylabel="spikes fired by young GCs (%)", ylim=(0, 100),
              title="Recruitment of the young cohort")  # fmt: skip
    ax[2].legend(fontsize=7)
    return fig


neurogenesis_separation = Experiment(
    "neurogenesis_separation",
    PARAMETERS,
    compute,
    summarize,
    draw,
    check=_check,
    doc="""
    Young, highly plastic granule cells added while a new environment is learned lower the overlap of the
    dentate output codes for similar old and new inputs (Aimone, Wiles & Gage 2006, Nat. Neurosci. 9:723 and
    2009, Neuron 61:187; Wiskott, Rasch & Kempermann 2006, Hippocampus 16:329; Clelland et al. 2009, Science
    325:210; Sahay et al. 2011, Nature 472:466; young GCs' traits: Schmidt-Hieber, Jonas & Bischofberger 2004,
    Nature 429:184; Ge et al. 2007, Neuron 54:559; their recruitment of feedback inhibition: Ikrar et al. 2013,
    Front. Neural Circuits 7:204).

    Model: ``n_ec`` entorhinal Poisson sources project onto ``n_gc`` granule cells (LIFCond, Vogels & Abbott's
    parameters; in-degree ``k_ec``, weights uniform in [0, 2 ``w_ec``] nS, 1 ms); ``n_inh`` interneurons (LIFCond) give
    feedback inhibition (GC->I with probability ``k_gi``/n_gc, ``w_gi`` nS; I->GC in-degree ``k_ig``, ``w_ig``
    nS), so few GCs fire for a pattern. EC->GC synapses learn with the BCM rule (:class:`pyneuro.plasticity.BCM`,
    a3_plus = 6.5e-3 ``w_max`` ``learning_rate``, weights in [0, ``w_max``] nS, target ``target_rate`` Hz, rate
    estimate over ``tau_rate`` ms, sliding-threshold exponent ``bcm_power``). A place is a pattern of EC activity:
    ``active`` x n_ec cells at ``rate_on`` Hz, the others at ``rate_off`` Hz. The old environment has
    ``n_places`` random places A_j; the new one has places B_j that share a fraction q_j of A_j's active cells,
    q_j from ``overlap_min`` to ``overlap_max``. Learning: ``reps_old`` rounds of the old places (each
    ``t_present`` ms after a ``t_gap`` ms pause, random order), then ``reps_new`` rounds of the new ones; from
    the start of the new environment on, the learning rate of every synapse is ``mature_plasticity`` times the
    developmental one (mature GCs are less plastic). Four conditions, each from the same initial network:

    - ``control``: no neurogenesis;
    - ``neurogenesis``: ``n_young`` GCs are born at the start of the new environment
      (``gc.add_neurons(maturation=(boost, tau_mature))``) with the same random wiring as the others, except
      that their synapses onto the interneurons are ``young_gi`` times stronger; young traits: their BCM
      potentiation is multiplied by the maturation gain ``1 + boost exp(-age / tau_mature)``, and their
      threshold is lowered by ``excitability exp(-age / tau_mature)`` mV (set between presentations);
    - ``extra_mature``: as many extra GCs, present and mature from the start (more neurons, no young ones);
    - ``no_young_traits``: the same cohort born at the same time and wired the same way, but without the
      heightened plasticity and excitability.

    Measure: after learning, a frozen copy of each network (thresholds and weights as learned) sees every old
    and new place for ``t_test`` ms; the output overlap of a pair is the cosine similarity of the GC spike-count
    vectors (all GCs, young included) evoked by A_j and B_j; the input overlap is the cosine similarity of their
    EC rate vectors. Pattern separation is output overlap below input overlap. Curves are averaged over
    ``n_nets`` networks (independent wiring and places, seeds derived from ``seed``).
    """,
    scale="Multiplies n_ec, n_gc, n_inh and n_young (in-degrees are kept, capped at the population sizes).",
    returns="""
        numbers: ``shared_fraction`` (q_j, per pair), ``input_overlap`` (EC cosine per pair), ``output_overlap_X``
        (per pair, mean over networks) and ``output_overlap_X_nets`` (n_nets x pairs) for X in ``naive``
        (before learning), ``control``, ``neurogenesis``, ``extra_mature``, ``no_young_traits``;
        ``similar_overlap_X`` (mean output overlap over the pairs with q >= similar) and
        ``similar_overlap_X_nets`` (per network); ``separation_X`` (mean of input minus output overlap over all
        pairs); ``separation_gain`` (similar_overlap_control - similar_overlap_neurogenesis) and
        ``separation_gain_nets``; ``young_share_new`` and ``young_share_old`` (fraction of the test spikes
        evoked by new / old places that young GCs fire, neurogenesis condition); ``young_share_training`` (the
        same during learning of the new places, per round); ``active_fraction_X`` (fraction of GCs that fire
        at least one spike to a test place); ``rate_new_X`` (mean GC rate while the new places were learned, Hz);
        ``size_n_ec``, ``size_n_gc``, ``size_n_inh``, ``size_n_young`` (the sizes at this scale).
    """,
    notes="""
    Across seeds (seeds 100-111 at ``scale`` = 0.5, ``n_nets`` = 2, ``t_test`` = 1 s, as in the tests; mean +-
    s.d. [range] of the per-seed means): neurogenesis lowers the similar-place overlap by 0.10 +- 0.04 [0.05,
    0.17] (in 23 of the 24 networks), more neurons alone by 0.007 +- 0.03 and the cohort without its young traits by
    0.02 +- 0.01 (their overlap lies 0.09 +- 0.04 and 0.08 +- 0.04 above neurogenesis's); the young cohort fires
    0.83 +- 0.02 of its spikes to new places and 0.47 +- 0.02 to old ones; learning without neurogenesis raises
    the overlap above the naive layer's by 0.25 +- 0.02.

    The young cohort separates because, excitable and plastic, it is recruited by the new places and learns
    them quickly, and its activity (through the interneurons it drives) keeps the mature GCs that learned the
    similar old places from also coding the new ones; so new places get their own GCs while old places keep
    theirs. Without it the mature GCs tuned to an old place answer its similar new place too. The effect is
    model-dependent (Aimone et al. 2009 also find that young GCs can integrate events close in time). Here all
    three young traits matter: with seed 0 and 3 networks the gain in similar-place overlap is 0.12 with all of
    them, 0.03-0.04 with only the heightened plasticity (excitability=0) or only the excitability (boost=0),
    and 0.07 with ordinary synapses onto the interneurons (young_gi=1); the cohort without the young traits
    (``no_young_traits``, 0.005) and more neurons alone (``extra_mature``, 0.00) do nothing. Learning itself
    lowers separation: after learning, the mature GCs tuned to an old place answer its similar new place, so
    the control's curve lies above the untrained layer's (and above the diagonal for similar places); the
    young cohort takes back part of that loss, not all of it. The effect needs the BCM rate estimate to average
    over a whole round of places (tau_rate >= about 1.5 s; the gain is 0.07 at 1.5 s, 0.09 at 2 and 4 s): with
    tau_rate = 1 s the mature layer separates better on its own and the young cohort raises the overlap instead
    (gain -0.03, seed 0, 5 networks). Across networks the gain varies (0.03 to 0.20 with the defaults).

    Not captured: the weeks-long maturation (here seconds), gradual continuous neurogenesis and the death of
    unrecruited young cells, the depolarising GABA and dendritic growth of young GCs, mossy cells, CA3 and
    behaviour; and discrimination of very similar inputs (q >= 0.9) stays limited by how few EC cells differ
    (a GC samples only a fraction of them).
    """,
)
