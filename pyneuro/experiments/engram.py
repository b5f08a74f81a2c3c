"""Engrams: stimuli stored as cell assemblies by STDP and inhibitory plasticity, tagged by their activity at
encoding, recalled by pattern completion from a partial cue, and needed for recall."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import models, plasticity
from ..network import Network
from ._framework import CONDUCTANCE_LIF, Experiment, Param, Parameters, new_figure

__all__ = ["engram", "PARAMETERS", "CUE_FRACTIONS"]

#: cue sizes of the pattern-completion test (fraction of the engram driven directly)
CUE_FRACTIONS = (0.1, 0.2, 0.3, 0.5, 0.7)

PARAMETERS = Parameters(
    Param("n_exc", 800, "excitatory cells (times scale, at least 20)", lo=20),
    Param("n_inh", 200, "inhibitory cells (times scale, at least 2)", lo=2),
    Param("k_ee", 160, "E->E in-degree", lo=1),
    Param("w_ee", 0.125, "initial E->E weight", "nS", lo=0.0),
    Param("w_max", 4.0, "largest E->E weight", "nS", lo=1e-6),
    Param("eta", 2.0, "factor on the triplet rule's amplitudes", lo=0.0),
    Param("k_ei", 80, "E->I in-degree", lo=1),
    Param("w_ei", 0.5, "E->I weight", "nS", lo=0.0),
    Param("k_ie", 50, "I->E in-degree", lo=1),
    Param("w_ie", 1.0, "initial I->E weight", "nS", lo=0.0),
    Param("eta_i", 0.3, "learning rate of inhibitory STDP", "nS", lo=0.0),
    Param("rho0", 5.0, "target rate of inhibitory STDP", "Hz", lo=0.0, hi=200.0),
    Param("w_ie_max", 100.0, "largest I->E weight", "nS", lo=1e-6),
    Param("k_ii", 50, "I->I in-degree", lo=0),
    Param("w_ii", 1.5, "I->I weight", "nS", lo=0.0),
    Param("rate_bg", 400.0, "rate of each cell's background Poisson source", "Hz", lo=0.0, hi=5000.0),
    Param("w_bg", 1.0, "background weight", "nS", lo=0.0),
    Param("n_stimuli", 4, "stimuli (engrams)", lo=2, hi=20),
    Param("assembly_fraction", 0.12, "fraction of the E cells each stimulus drives (disjoint sets)", lo=0.01,
          hi=0.5),
    Param("n_fibres", 60, "input fibres per stimulus", lo=1),
    Param("k_fibres", 10, "neighbouring fibres onto each stimulated cell", lo=1),
    Param("w_fibre", 2.25, "fibre weight", "nS", lo=0.0),
    Param("rate_fibre", 40.0, "fibre rate while its stimulus is on", "Hz", lo=0.0, hi=1000.0),
    Param("n_rep", 20, "presentations of each stimulus at encoding", lo=2),
    Param("t_stim", 200.0, "duration of a presentation", "ms", lo=10.0),
    Param("t_gap", 200.0, "pause between presentations", "ms", lo=0.0),
    Param("t_rest", 60_000.0, "rest after encoding, plasticity on", "ms", lo=0.0),
    Param("tag_rate", 30.0, "a cell is tagged when it fires above this during its stimulus at encoding", "Hz",
          lo=0.0),
    Param("cue_rate", 1200.0, "rate of the cue source of each cued cell", "Hz", lo=0.0, hi=10_000.0),
    Param("w_cue", 1.5, "weight of the cue sources", "nS", lo=0.0),
    Param("t_cue", 300.0, "duration of a recall trial", "ms", lo=10.0),
    Param("t_between", 300.0, "pause between recall trials", "ms", lo=0.0),
    Param("active_rate", 15.0, "a cell is active in a recall trial when it fires above this", "Hz", lo=0.0),
    Param("n_trials", 3, "pattern-completion trials per engram and cue size", lo=1),
    Param("fibre_cue_fraction", 0.3, "fraction of a stimulus' fibre ring in the partial input cue", lo=0.0,
          hi=1.0),
    Param("fibre_cue_rate", 40.0, "fibre rate of the partial and whole input cues", "Hz", lo=0.0, hi=1000.0),
    Param("n_trials_silencing", 3, "trials per stimulus and condition of the silencing test", lo=1),
)  # fmt: skip


def _check(p: dict[str, Any]) -> None:
    if p["w_ee"] > p["w_max"]:
        raise ValueError(f"w_ee must be <= w_max={p['w_max']}, got {p['w_ee']}")
    if p["w_ie"] > p["w_ie_max"]:
        raise ValueError(f"w_ie must be <= w_ie_max={p['w_ie_max']}, got {p['w_ie']}")
    if p["assembly_fraction"] * p["n_stimuli"] > 1.0:
        raise ValueError(
            f"assembly_fraction must be <= 1/n_stimuli={1.0 / p['n_stimuli']:.3g} (disjoint stimulated sets), "
            f"got {p['assembly_fraction']}"
        )


_T_WARM = 1000.0  # ms of spontaneous activity before encoding
_T_SETTLE = 500.0  # ms of spontaneous activity before the first recall trial of a network


def _draw_in(rng: np.random.Generator, n_pre: int, n_post: int, k: int, same: bool) -> tuple[np.ndarray, np.ndarray]:
    """Fixed in-degree ``k`` (capped at the eligible sources), distinct sources, no autapses when ``same``."""
    k = min(k, n_pre - (1 if same else 0))
    keys = rng.random((n_post, n_pre))
    if same:
        np.fill_diagonal(keys, 2.0)
    pre = np.argsort(keys, axis=1, kind="stable")[:, :k]
    return pre.ravel().astype(np.int64), np.repeat(np.arange(n_post, dtype=np.int64), k)


def _wiring(p: dict[str, float], n_e: int, n_i: int, seed: int) -> dict[str, Any]:
    """The network's anatomy (drawn once, shared by the learned and the control network): the stimulated set of
    each stimulus (disjoint random subsets of the E cells), its input fibres and the recurrent connections."""
    rng = np.random.default_rng([seed, 1])
    n_s = int(p["n_stimuli"])
    m = max(2, int(round(p["assembly_fraction"] * n_e)))
    if n_s * m > n_e:
        raise ValueError(
            f"assembly_fraction x n_stimuli must be <= 1 (disjoint stimulated sets), got "
            f"{p['assembly_fraction']} x {n_s}"
        )
    perm = rng.permutation(n_e)
    members = [np.sort(perm[k * m : (k + 1) * m]) for k in range(n_s)]
    # each stimulus' fibres lie on a ring (its features); the j-th cell of its set (in random order) receives
    # the k_fibres fibres centred at j n_fibres / m, so a part of the fibres drives a part of the set
    n_f, k_f = int(p["n_fibres"]), min(int(p["k_fibres"]), int(p["n_fibres"]))
    f_pre, f_post = [], []
    for k in range(n_s):
        order = rng.permutation(members[k])
        centre = np.round(np.arange(m) * n_f / m).astype(np.int64)
        block = (centre[:, None] + np.arange(k_f)[None, :] - k_f // 2) % n_f
        f_pre.append(k * n_f + block.ravel())
        f_post.append(np.repeat(order, k_f))
    return {
        "members": members,
        "fibres": (np.concatenate(f_pre), np.concatenate(f_post)),
        "ee": _draw_in(rng, n_e, n_e, int(p["k_ee"]), True),
        "ei": _draw_in(rng, n_e, n_i, int(p["k_ei"]), False),
        "ie": _draw_in(rng, n_i, n_e, int(p["k_ie"]), False),
        "ii": _draw_in(rng, n_i, n_i, int(p["k_ii"]), True) if p["k_ii"] > 0 else None,
        "n_e": n_e,
        "n_i": n_i,
    }


def _build(
    p: dict[str, float],
    wr: dict[str, Any],
    ee: tuple[np.ndarray, np.ndarray, Any],
    ie: tuple[np.ndarray, np.ndarray, Any],
    stdp: bool,
    istdp: bool,
    seed: int,
    threads: int,
) -> tuple[Network, dict[str, Any]]:
    """The network: E and I LIFCond cells, one background Poisson source per cell, the stimulus fibres, one cue
    source per E cell, and the recurrent projections (``ee``, ``ie``: pre, post, weights)."""
    n_e, n_i = wr["n_e"], wr["n_i"]
    n_s = int(p["n_stimuli"])
    net = Network(dt=0.1, seed=seed, threads=threads)
    exc = net.add_population(models.LIFCond(**CONDUCTANCE_LIF), n_e, name="exc")
    inh = net.add_population(models.LIFCond(**CONDUCTANCE_LIF), n_i, name="inh")
    bg_e = net.add_population(models.PoissonSource(rate=p["rate_bg"]), n_e, name="bg_e")
    bg_i = net.add_population(models.PoissonSource(rate=p["rate_bg"]), n_i, name="bg_i")
    fib = net.add_population(models.PoissonSource(rate=0.0), n_s * int(p["n_fibres"]), name="fibres")
    cue = net.add_population(models.PoissonSource(rate=0.0), n_e, name="cue")
    d = 1.0
    net.connect(bg_e, exc, conn.OneToOne(), weight=p["w_bg"], delay=d, name="bg_e")
    net.connect(bg_i, inh, conn.OneToOne(), weight=p["w_bg"], delay=d, name="bg_i")
    net.connect(fib, exc, conn.FromArrays(*wr["fibres"]), weight=p["w_fibre"], delay=d, name="fibres")
    net.connect(cue, exc, conn.OneToOne(), weight=p["w_cue"], delay=d, name="cue")
    trip = plasticity.TripletSTDP.visual_cortex_minimal(
        a3_plus=6.5e-3 * p["eta"], a2_minus=7.1e-3 * p["eta"], w_min=0.0, w_max=p["w_max"]
    )
    p_ee = net.connect(
        exc,
        exc,
        conn.FromArrays(ee[0], ee[1]),
        weight=ee[2],
        delay=d,
        plasticity=trip if stdp and p["eta"] > 0 else None,
        name="ee",
    )
    net.connect(exc, inh, conn.FromArrays(*wr["ei"]), weight=p["w_ei"], delay=d, name="ei")
    rule = plasticity.InhibitorySTDP(tau=20.0, eta=max(p["eta_i"], 1e-12), rho0=p["rho0"], w_max=p["w_ie_max"])
    p_ie = net.connect(
        inh,
        exc,
        conn.FromArrays(ie[0], ie[1]),
        weight=ie[2],
        delay=d,
        receptor="inh",
        plasticity=rule if istdp and p["eta_i"] > 0 else None,
        name="ie",
    )
    if wr["ii"] is not None:
        net.connect(inh, inh, conn.FromArrays(*wr["ii"]), weight=p["w_ii"], delay=d, receptor="inh", name="ii")
    spikes = net.record_spikes(exc)
    return net, {"exc": exc, "fib": fib, "cue": cue, "ee": p_ee, "ie": p_ie, "spikes": spikes}


def _nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    """Mean over ``axis`` ignoring NaN (engrams too small to test); NaN where all are NaN, without a warning."""
    n = np.sum(~np.isnan(a), axis=axis)
    s = np.nansum(a, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def _rates(spikes: Any, n: int, t0: float, t1: float) -> np.ndarray:
    """Rate (Hz) of every recorded neuron in [t0, t1) ms."""
    t, i = spikes.times, spikes.indices
    sel = (t >= t0) & (t < t1)
    return np.bincount(i[sel], minlength=n) / ((t1 - t0) / 1000.0)


def _encode(p: dict[str, float], wr: dict[str, Any], stdp: bool, seed: int, threads: int) -> dict[str, Any]:
    """Encoding: the stimuli presented ``n_rep`` times each in random order with plasticity on, then a rest
    period (plasticity on, no stimulus). Returns the learned weights, the activity tags and templates."""
    n_e, n_s, n_f = wr["n_e"], int(p["n_stimuli"]), int(p["n_fibres"])
    ee0 = (*wr["ee"], p["w_ee"])
    ie0 = (*wr["ie"], p["w_ie"])
    net, h = _build(p, wr, ee0, ie0, stdp, True, seed, threads)
    lab = np.full(n_e, -1)
    for k, mem in enumerate(wr["members"]):
        lab[mem] = k
    pre, post = h["ee"].pre, h["ee"].post
    within = (lab[pre] == lab[post]) & (lab[pre] >= 0)
    cross = (lab[pre] != lab[post]) & (lab[pre] >= 0) & (lab[post] >= 0)

    net.run(_T_WARM)
    rng = np.random.default_rng([seed, 2])
    starts: list[tuple[float, int]] = []
    w_in, w_x = [float(h["ee"].weights[within].mean())], [float(h["ee"].weights[cross].mean())]
    rates = np.zeros(n_s * n_f)
    for _ in range(int(p["n_rep"])):
        for k in rng.permutation(n_s):
            rates[:] = 0.0
            rates[k * n_f : (k + 1) * n_f] = p["rate_fibre"]
            h["fib"].set("rate", rates)
            starts.append((net.time, int(k)))
            net.run(p["t_stim"])
            h["fib"].set("rate", 0.0)
            if p["t_gap"] > 0:
                net.run(p["t_gap"])
        w = h["ee"].weights
        w_in.append(float(w[within].mean()))
        w_x.append(float(w[cross].mean()))
    t_enc = net.time
    if p["t_rest"] > 0:
        net.run(p["t_rest"])
    # activity at encoding (second half of the presentations): the tag and the template of each stimulus
    late = starts[len(starts) // 2 :]
    templates = np.zeros((n_s, n_e))
    for k in range(n_s):
        templates[k] = np.mean([_rates(h["spikes"], n_e, t0, t0 + p["t_stim"]) for t0, kk in late if kk == k], axis=0)
    tags = [np.flatnonzero(templates[k] > p["tag_rate"]) for k in range(n_s)]
    t_spont = min(5000.0, p["t_rest"]) if p["t_rest"] > 0 else p["t_gap"]
    spont = _rates(h["spikes"], n_e, net.time - t_spont, net.time) if p["t_rest"] > 0 else np.zeros(n_e)
    if p["t_rest"] <= 0:  # spontaneous rate from the gaps between presentations
        gaps = [(t0 + p["t_stim"], t0 + p["t_stim"] + p["t_gap"]) for t0, _ in late]
        if p["t_gap"] > 0:
            spont = np.mean([_rates(h["spikes"], n_e, a, b) for a, b in gaps], axis=0)
    stim_rate = np.array([templates[k][wr["members"][k]].mean() for k in range(n_s)])
    return {
        "ee": (h["ee"].pre.copy(), h["ee"].post.copy(), h["ee"].weights.astype(np.float64)),
        "ie": (h["ie"].pre.copy(), h["ie"].post.copy(), h["ie"].weights.astype(np.float64)),
        "tags": tags,
        "templates": templates,
        "spont": spont,
        "w_within": np.array(w_in),
        "w_cross": np.array(w_x),
        "w_within_final": float(h["ee"].weights[within].mean()),
        "w_cross_final": float(h["ee"].weights[cross].mean()),
        "w_other_final": float(h["ee"].weights[~within & ~cross].mean()),
        "stim_rate": stim_rate,
        "rate_rest": float(spont.mean()),
        "t_encoding": t_enc,
    }


def _completion(
    p: dict[str, float], wr: dict[str, Any], enc: dict[str, Any], seed: int, threads: int
) -> dict[str, Any]:
    """Pattern completion: drive a fraction of one engram's cells directly (cue sources), plasticity off;
    completion = fraction of its other cells that become active, false activation = fraction of the E cells
    outside it that do."""
    n_e, n_s, n_f = wr["n_e"], int(p["n_stimuli"]), len(CUE_FRACTIONS)
    net, h = _build(p, wr, enc["ee"], enc["ie"], False, False, seed, threads)
    net.run(_T_SETTLE)
    n_tr = int(p["n_trials"])
    trials = []
    cue = np.zeros(n_e)
    for k in range(n_s):
        tag = enc["tags"][k]
        for fi, f in enumerate(CUE_FRACTIONS):
            for tr in range(n_tr):
                if tag.size < 2:
                    continue
                n_cue = min(tag.size - 1, max(1, int(round(f * tag.size))))
                cued = np.sort(np.random.default_rng([seed, 3, k, fi, tr]).choice(tag, n_cue, replace=False))
                cue[:] = 0.0
                cue[cued] = p["cue_rate"]
                h["cue"].set("rate", cue)
                trials.append((k, fi, cued, net.time))
                net.run(p["t_cue"])
                h["cue"].set("rate", 0.0)
                if p["t_between"] > 0:
                    net.run(p["t_between"])
    comp = np.full((n_s, n_f, n_tr), np.nan)
    false = np.full((n_s, n_f, n_tr), np.nan)
    false_asm = np.full((n_s, n_f, n_tr), np.nan)
    count = np.zeros((n_s, n_f), np.int64)  # trials done per engram and cue size
    example: dict[str, Any] = {}
    for k, fi, cued, t0 in trials:
        tag = enc["tags"][k]
        act = _rates(h["spikes"], n_e, t0, t0 + p["t_cue"]) > p["active_rate"]
        rest = np.setdiff1d(tag, cued)
        outside = np.setdiff1d(np.arange(n_e), tag)
        others = np.setdiff1d(np.concatenate([enc["tags"][j] for j in range(n_s) if j != k] or [[]]), tag)
        tr = count[k, fi]
        count[k, fi] += 1
        comp[k, fi, tr] = act[rest].mean()
        false[k, fi, tr] = act[outside].mean()
        false_asm[k, fi, tr] = act[others.astype(np.int64)].mean() if others.size else np.nan
        if k == 0 and CUE_FRACTIONS[fi] == 0.5 and not example:
            sel = (h["spikes"].times >= t0 - 150.0) & (h["spikes"].times < t0 + p["t_cue"] + 150.0)
            example = {"t": h["spikes"].times[sel] - t0, "i": h["spikes"].indices[sel], "cued": cued}
    return {
        "completion": _nanmean(comp, 2),
        "false": _nanmean(false, 2),
        "false_asm": _nanmean(false_asm, 2),
        "example": example,
    }


def _reinstatement(r: np.ndarray, template: np.ndarray, spont: np.ndarray) -> float:
    """How much of the encoding pattern a response reinstates: the projection of the response (minus the
    spontaneous rates) on the encoding pattern (minus the same), normalised so that the pattern itself gives 1 —
    the output of a linear readout neuron whose weights are the encoding pattern."""
    t = template - spont
    return float(np.dot(r - spont, t) / max(np.dot(t, t), 1e-12))


def _input_recall(
    p: dict[str, float],
    wr: dict[str, Any],
    enc: dict[str, Any],
    seed: int,
    threads: int,
    stimuli: list[int],
    silence: np.ndarray | None,
    fractions: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """Recall from an input cue: a contiguous part (each of ``fractions``) of a stimulus' fibre ring at
    ``fibre_cue_rate``, in a network with the learned weights, plasticity off, optionally with the E cells
    ``silence`` silenced (they never spike; their synapses stay). Returns the readout (:func:`_reinstatement`)
    and the fraction of the engram's cells active, for each stimulus in ``stimuli`` (rows) and each cue
    fraction (columns)."""
    n_e, n_f = wr["n_e"], int(p["n_fibres"])
    net, h = _build(p, wr, enc["ee"], enc["ie"], False, False, seed, threads)
    if silence is not None and silence.size:
        net.lesion(neurons=(h["exc"], silence), remove_synapses=False)
    net.run(_T_SETTLE)
    rates = np.zeros(h["fib"].size)
    starts = []
    for k in stimuli:
        start = int(np.random.default_rng([seed, 5, k]).integers(n_f))
        for fi, f in enumerate(fractions):
            fibres = k * n_f + (start + np.arange(int(round(f * n_f)))) % n_f  # a contiguous part of the ring
            for _ in range(int(p["n_trials_silencing"])):
                rates[:] = 0.0
                rates[fibres] = p["fibre_cue_rate"]
                h["fib"].set("rate", rates)
                starts.append((k, fi, net.time))
                net.run(p["t_cue"])
                h["fib"].set("rate", 0.0)
                if p["t_between"] > 0:
                    net.run(p["t_between"])
    out = np.zeros((len(stimuli), len(fractions)))
    active = np.zeros((len(stimuli), len(fractions)))
    for j, k in enumerate(stimuli):
        for fi in range(len(fractions)):
            rs = [_rates(h["spikes"], n_e, t0, t0 + p["t_cue"]) for kk, ff, t0 in starts if kk == k and ff == fi]
            out[j, fi] = _reinstatement(np.mean(rs, axis=0), enc["templates"][k], enc["spont"])
            tag = enc["tags"][k]
            active[j, fi] = np.mean([(r[tag] > p["active_rate"]).mean() for r in rs]) if tag.size else np.nan
    return out, active


def _silencing(
    p: dict[str, Any], wr: dict[str, Any], enc: dict[str, Any], enc_c: dict[str, Any], seed: int, threads: int
) -> dict[str, Any]:
    """Recall from a partial input cue in the intact learned and control networks, with each engram silenced and
    with as many random cells outside it silenced; recall relative to the whole-input response."""
    n_s, n_e = int(p["n_stimuli"]), wr["n_e"]
    stimuli = list(range(n_s))
    fc = p["fibre_cue_fraction"]
    (full, intact), (act_full, act_part) = (
        a.T for a in _input_recall(p, wr, enc, seed, threads, stimuli, None, (1.0, fc))
    )
    (full_c, control), (act_full_c, act_part_c) = (
        a.T for a in _input_recall(p, wr, enc_c, seed, threads, stimuli, None, (1.0, fc))
    )
    eng_sil = np.zeros(n_s)
    rnd_sil = np.zeros(n_s)
    n_sil = np.zeros(n_s, np.int64)
    for k in stimuli:
        tag = enc["tags"][k]
        n_sil[k] = tag.size
        pool = np.setdiff1d(np.arange(n_e), tag)
        rand = np.sort(np.random.default_rng([seed, 6, k]).choice(pool, min(tag.size, pool.size), replace=False))
        eng_sil[k] = _input_recall(p, wr, enc, seed, threads, [k], tag, (fc,))[0][0, 0]
        rnd_sil[k] = _input_recall(p, wr, enc, seed, threads, [k], rand, (fc,))[0][0, 0]
    # recall: the readout relative to its response to the whole input in the intact network
    with np.errstate(invalid="ignore", divide="ignore"):
        intact, eng_sil, rnd_sil = intact / full, eng_sil / full, rnd_sil / full
        control = control / full_c

    return {"full": full, "full_c": full_c, "act_full": act_full, "act_part": act_part, "act_full_c": act_full_c,
            "act_part_c": act_part_c, "n_sil": n_sil, "intact": intact, "eng_sil": eng_sil, "rnd_sil": rnd_sil,
            "control": control}  # fmt: skip


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    n_e = max(20, round(p["n_exc"] * scale))
    n_i = max(2, round(p["n_inh"] * scale))
    wr = _wiring(p, n_e, n_i, seed)

    enc = _encode(p, wr, True, seed, threads)
    enc_c = _encode(p, wr, False, seed, threads)
    comp = _completion(p, wr, enc, seed, threads)
    comp_c = _completion(p, wr, enc_c, seed, threads)

    sil = _silencing(p, wr, enc, enc_c, seed, threads)
    full, full_c, act_full, act_part = sil["full"], sil["full_c"], sil["act_full"], sil["act_part"]
    act_full_c, act_part_c, n_sil = sil["act_full_c"], sil["act_part_c"], sil["n_sil"]
    intact, eng_sil, rnd_sil, control = sil["intact"], sil["eng_sil"], sil["rnd_sil"], sil["control"]

    fr = np.array(CUE_FRACTIONS)
    half = int(np.argmin(np.abs(fr - 0.5)))
    members = wr["members"]
    tag_size = np.array([t.size for t in enc["tags"]], np.int64)
    tag_in = np.array([np.isin(t, m).mean() if t.size else np.nan for t, m in zip(enc["tags"], members)])
    stim_tagged = np.array([np.isin(m, t).mean() for t, m in zip(enc["tags"], members)])
    c_mean = _nanmean(comp["completion"], 0)
    f_mean = _nanmean(comp["false"], 0)
    cc_mean = _nanmean(comp_c["completion"], 0)
    fc_mean = _nanmean(comp_c["false"], 0)
    return {
        "cue_fractions": fr,
        "completion": comp["completion"],
        "false_activation": comp["false"],
        "false_other_engrams": comp["false_asm"],
        "completion_control": comp_c["completion"],
        "false_activation_control": comp_c["false"],
        "false_other_engrams_control": comp_c["false_asm"],
        "completion_mean": c_mean,
        "false_activation_mean": f_mean,
        "completion_control_mean": cc_mean,
        "false_activation_control_mean": fc_mean,
        "completion_half": float(c_mean[half]),
        "false_half": float(f_mean[half]),
        "completion_half_control": float(cc_mean[half]),
        "tag_size": tag_size,
        "tag_in_stimulated": tag_in,
        "stimulated_tagged": stim_tagged,
        "tag_size_control": np.array([t.size for t in enc_c["tags"]], np.int64),
        "w_within": enc["w_within"],
        "w_cross": enc["w_cross"],
        "w_within_control": enc_c["w_within"],
        "w_cross_control": enc_c["w_cross"],
        "w_within_final": enc["w_within_final"],
        "w_cross_final": enc["w_cross_final"],
        "w_other_final": enc["w_other_final"],
        "stim_rate": enc["stim_rate"],
        "rate_rest": enc["rate_rest"],
        "n_silenced": n_sil,
        "reinstatement_intact": intact,
        "reinstatement_engram_silenced": eng_sil,
        "reinstatement_random_silenced": rnd_sil,
        "reinstatement_control": control,
        "input_cue_engram_active": act_part,
        "input_cue_engram_active_control": act_part_c,
        "full_input_engram_active": act_full,
        "full_input_engram_active_control": act_full_c,
        "readout_full": full,
        "readout_full_control": full_c,
        "reinstatement_intact_mean": float(intact.mean()),
        "reinstatement_engram_silenced_mean": float(eng_sil.mean()),
        "reinstatement_random_silenced_mean": float(rnd_sil.mean()),
        "reinstatement_control_mean": float(control.mean()),
        "tag_cells": np.concatenate(enc["tags"]).astype(np.int64),
        "example_t_ms": comp["example"].get("t", np.zeros(0)),
        "example_neuron": comp["example"].get("i", np.zeros(0, np.int64)),
        "example_cued": comp["example"].get("cued", np.zeros(0, np.int64)),
    }


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    tag_size = nums["tag_size"]
    active, active_c = np.nanmean(nums["input_cue_engram_active"]), np.nanmean(nums["input_cue_engram_active_control"])
    return (
        f"{tag_size.size} engrams of {tag_size.min()}-{tag_size.max()} cells: a half cue recalls "
        f"{100 * nums['completion_half']:.0f}% of the rest of the engram and {100 * nums['false_half']:.1f}% "
        f"of the other cells (no-STDP control: {100 * nums['completion_half_control']:.0f}%); "
        f"{100 * p['fibre_cue_fraction']:.0f}% of the input activates {100 * active:.0f}% of the engram (control "
        f"{100 * active_c:.0f}%); recall from it (readout / whole-input response): "
        f"{nums['reinstatement_intact_mean']:.2f} intact, "
        f"{nums['reinstatement_random_silenced_mean']:.2f} with as many random cells silenced, "
        f"{nums['reinstatement_engram_silenced_mean']:.2f} with the engram cells silenced"
    )


def draw(nb: dict[str, Any], p: dict[str, Any]) -> Any:
    n_e = max(20, round(p["n_exc"] * p["scale"]))
    tags = np.split(nb["tag_cells"], np.cumsum(nb["tag_size"])[:-1])
    example = {"t": nb["example_t_ms"], "i": nb["example_neuron"], "cued": nb["example_cued"]}
    fig, ax = new_figure(4, width=4.0)
    rounds = np.arange(nb["w_within"].size)
    ax[0].plot(rounds, nb["w_within"], "C0-", label="within stimulated sets")
    ax[0].plot(rounds, nb["w_cross"], "C1-", label="between sets")
    ax[0].plot(rounds, nb["w_within_control"], "C0:", label="within (no-STDP control)")
    ax[0].set(xlabel="presentation round", ylabel="mean E->E weight (nS)", title="Encoding: assemblies form")
    ax[0].legend(fontsize=7)

    fr = nb["cue_fractions"]
    for k in range(nb["completion"].shape[0]):
        ax[1].plot(fr, nb["completion"][k], "C0-", alpha=0.25, lw=1)
    ax[1].plot(fr, nb["completion_mean"], "C0o-", lw=2, label="completion (learned)")
    ax[1].plot(fr, nb["completion_control_mean"], "C7s-", lw=2, label="completion (no-STDP control)")
    ax[1].plot(fr, nb["false_activation_mean"], "C3^--", label="false activation (learned)")
    ax[1].plot(fr, nb["false_activation_control_mean"], "C3v:", label="false activation (control)")
    ax[1].set(
        xlabel="cue size (fraction of the engram)",
        ylabel="fraction of cells active",
        ylim=(-0.02, 1.02),
        title="Pattern completion",
    )
    ax[1].legend(fontsize=7)

    if example["t"].size or example["cued"].size:
        first = np.concatenate([example["cued"], np.setdiff1d(tags[0], example["cued"])])  # cued cells at the bottom
        order = np.concatenate([first, *tags[1:], np.setdiff1d(np.arange(n_e), np.concatenate(tags))])
        rank = np.empty(n_e, np.int64)
        rank[order] = np.arange(n_e)
        cued = np.isin(example["i"], example["cued"])
        rest = np.isin(example["i"], tags[0]) & ~cued
        other = ~cued & ~rest
        ax[2].plot(example["t"][other], rank[example["i"][other]], "k.", ms=1)
        ax[2].plot(example["t"][rest], rank[example["i"][rest]], "C0.", ms=1, label="engram 1, not cued")
        ax[2].plot(example["t"][cued], rank[example["i"][cued]], "C3.", ms=1, label="cued cells")
        ax[2].axvspan(0, p["t_cue"], color="C3", alpha=0.08, label="cue on")
        edges = np.cumsum([t.size for t in tags])
        for e in edges:
            ax[2].axhline(e, color="0.6", lw=0.5)
        ax[2].set(
            xlabel="time from cue onset (ms)",
            ylabel="E cell (engrams 1, 2, ..., then untagged)",
            title="Recall of engram 1 from a half cue",
        )
        ax[2].legend(fontsize=7, loc="upper right", markerscale=6)

    labels = ["intact", "random cells\nsilenced", "engram cells\nsilenced", "no-STDP\ncontrol"]
    vals = [
        nb["reinstatement_intact"],
        nb["reinstatement_random_silenced"],
        nb["reinstatement_engram_silenced"],
        nb["reinstatement_control"],
    ]
    x = np.arange(len(labels))
    ax[3].bar(x, [v.mean() for v in vals], color=["C0", "C2", "C3", "C7"], alpha=0.7)
    for j, v in enumerate(vals):
        ax[3].plot(np.full(v.size, x[j]), v, "k.", ms=4)
    ax[3].set_xticks(x, labels, fontsize=7)
    top = max(float(np.nanmax(np.concatenate(vals))), 0.1)
    ax[3].set_ylim(min(0.0, float(np.nanmin(np.concatenate(vals)))) - 0.02, 1.3 * top)
    ax[3].text(
        0.02,
        0.98,
        f"engram cells active: {100 * np.nanmean(nb['input_cue_engram_active']):.0f}% (learned), "
        f"{100 * np.nanmean(nb['input_cue_engram_active_control']):.0f}% (control)",
        transform=ax[3].transAxes,
        va="top",
        fontsize=7,
    )
    ax[3].axhline(0, color="k", lw=0.5)
    ax[3].set(
        ylabel="recall (readout / whole-input response)",
        title=f"Recall from {100 * p['fibre_cue_fraction']:.0f}% of the input",
    )
    return fig


engram = Experiment(
    "engram",
    PARAMETERS,
    compute,
    summarize,
    draw,
    check=_check,
    doc="""
    Engrams: stimuli stored as cell assemblies by STDP and inhibitory plasticity, tagged by their activity at
    encoding, recalled by pattern completion from a partial cue, and needed for recall (Litwin-Kumar & Doiron
    2014, Nat. Commun. 5:5319; Zenke, Agnes & Gerstner 2015, Nat. Commun. 6:6922; Liu et al. 2012, Nature
    484:381; Josselyn & Tonegawa 2020, Science 367:eaaw4325).

    Model: ``n_exc`` excitatory and ``n_inh`` inhibitory conductance-based LIF neurons (LIFCond, Vogels & Abbott's
    parameters), each driven by its own Poisson background source (``rate_bg`` Hz, ``w_bg`` nS). Random fixed
    in-degrees: ``k_ee`` E->E (initial ``w_ee`` nS), ``k_ei`` E->I (``w_ei``), ``k_ie`` I->E (initial
    ``w_ie``), ``k_ii`` I->I (``w_ii``); 1 ms delays. E->E synapses carry the minimal triplet STDP rule (Pfister
    & Gerstner 2006, visual-cortex fit; amplitudes times ``eta``, weights in [0, ``w_max``] nS): LTP needs
    high post-synaptic rates, so co-active cells wire together and weakly active ones depress. I->E synapses
    carry inhibitory STDP (Vogels et al. 2011; learning rate ``eta_i`` nS, target ``rho0`` Hz, at most
    ``w_ie_max`` nS), which keeps the rates and the excitation-inhibition balance in check as assemblies form.
    ``n_stimuli`` stimuli each have ``n_fibres`` input fibres (Poisson, ``rate_fibre`` Hz while the stimulus is
    on); each fibre set projects onto its own random ``assembly_fraction`` of the E cells (disjoint sets). The
    fibres of a stimulus lie on a ring (its features): each of its cells receives ``k_fibres`` neighbouring
    fibres (``w_fibre`` nS), the blocks evenly spread over the ring, so a part of the ring drives a part of the
    set.

    Protocol.
    (1) Encoding: after 1 s of spontaneous activity, each stimulus is presented ``n_rep`` times (``t_stim`` ms,
    ``t_gap`` ms apart, random order per round) with plasticity on, followed by ``t_rest`` ms of spontaneous
    activity (plasticity on: inhibitory plasticity re-balances the assemblies at rest).
    (2) Tagging: a cell belongs to the engram of stimulus k when its rate during the presentations of k in the
    second half of the encoding exceeds ``tag_rate`` Hz (activity-dependent tagging, as c-Fos / TRAP labelling).
    The stimulated set is never used as the tag; the tag's overlap with it is reported.
    (3) Pattern completion (weights frozen): in random trials a fraction f (``CUE_FRACTIONS``) of one engram's
    cells is driven directly (a Poisson source per cell at ``cue_rate`` Hz, ``w_cue`` nS; an optogenetic-like
    cue) for ``t_cue`` ms, ``t_between`` ms apart, ``n_trials`` trials per engram and cue size. A cell is active
    when its rate during the cue exceeds ``active_rate`` Hz. Completion = fraction of the engram's non-cued cells
    active; false activation = fraction of the E cells outside the engram active (``false_other_engrams``: of the
    other engrams' cells).
    (4) Silencing (weights frozen): recall from a partial input cue (a contiguous ``fibre_cue_fraction`` of
    stimulus k's fibre ring at ``rate_fibre`` Hz, so it drives part of the stimulated set;
    ``n_trials_silencing`` trials of ``t_cue`` ms) is read out by a downstream linear readout whose weights are
    the encoding rates of stimulus k minus the spontaneous rates (its input: the rates during the cue minus the
    spontaneous rates). Recall = the readout's response to the partial cue divided by its response to the whole
    input (all fibres of k) in the intact network. It is measured in the intact network, with stimulus k's
    engram cells silenced (``net.lesion(..., remove_synapses=False)``: they never spike, their synapses stay),
    and with as many random E cells outside that engram silenced. The fraction of the engram active during
    the partial input cue is reported as well (intact learned and control networks).
    Control: the same network and protocol with E->E plasticity off (inhibitory plasticity on), its engrams
    tagged the same way.
    """,
    scale="Multiplies the numbers of E and I cells (in-degrees, fibre counts and the stimulated fraction are kept).",
    returns="""
        numbers: ``cue_fractions`` (F,); ``completion``, ``false_activation``, ``false_other_engrams`` (stimuli x
        F, learned network) and the same with ``_control``; ``completion_mean``, ``false_activation_mean``,
        ``completion_control_mean`` (F,, mean over stimuli); ``completion_half``, ``false_half``,
        ``completion_half_control`` (at f = 0.5); ``tag_size``, ``tag_in_stimulated`` (fraction of the tagged
        cells that the stimulus drove directly), ``stimulated_tagged`` (fraction of the stimulated cells tagged),
        and ``tag_size_control``; ``w_within``, ``w_cross`` (mean E->E weight within the stimulated sets and
        between them after each round of presentations, nS) and ``_control``; ``w_within_final``,
        ``w_cross_final``, ``w_other_final``; ``stim_rate`` (rate of the stimulated cells during their stimulus
        at encoding, Hz), ``rate_rest`` (mean E rate at the end of the rest period, Hz); ``n_silenced`` (per
        stimulus); ``reinstatement_intact``, ``reinstatement_engram_silenced``,
        ``reinstatement_random_silenced``, ``reinstatement_control`` (recall from the partial input cue per
        stimulus, relative to the whole-input response of the intact learned or control network) and their
        means (``_mean``); ``readout_full`` and ``readout_full_control`` (the readout's whole-input response,
        in units of its encoding response); ``input_cue_engram_active`` and ``_control`` (fraction of the
        engram's cells active during the partial input cue, per stimulus: pattern completion from a partial
        input) and ``full_input_engram_active`` (the same for the whole input), with ``_control``.
    """,
    notes="""
    Across seeds (seeds 100-111 at ``scale`` = 0.5, ``n_rep`` = 10, ``t_rest`` = 20 s, as in the tests; mean +-
    s.d. [range]): a half cue recalls 0.84 +- 0.10 [0.57, 0.96] of the engram and 0.004 +- 0.006 of the other
    cells (no-STDP control 0.001); 30% of the input activates 0.82 +- 0.07 of the engram (control 0.39 +- 0.03);
    recall is 0.45 +- 0.05 intact, 1.00 +- 0.11 of that with as many random cells silenced and -0.003 +- 0.03
    with the engram cells silenced. At one of the 12 seeds one of the four stimuli formed no engram (3 cells
    tagged; its cells joined another assembly), so "every stimulus forms an engram" holds at most seeds, not at
    all; the within-set weights end 21 +- 2 times ``w_ee``, 35 +- 10 [6, 42] times those between sets.

    Not captured: the paper-scale networks (thousands of cells, assemblies of hundreds) and their spontaneous
    assembly dynamics; overlapping assemblies; the consolidation and systems-level transfer of memories
    (hippocampus to cortex); the molecular machinery of activity tagging (an activity threshold stands for it);
    forgetting and interference over long times. Plasticity is off during recall tests, and the cue sizes are
    fixed (``CUE_FRACTIONS``). Observations at the defaults: the triplet rule is competitive, so only about
    two thirds to four fifths of each stimulated set join its assembly (and are tagged); without the rest
    period the matched inhibition that inhibitory STDP builds onto the assembly cells during encoding
    suppresses completion; completion needs a strong cue (``cue_rate``) and the rate-weighted readout of the
    partial-input test is only moderately above the control's (completed cells fire below directly driven
    ones), while the fraction of the engram it activates is much larger.
    """,
)
