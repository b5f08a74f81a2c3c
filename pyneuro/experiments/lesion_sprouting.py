"""Axonal sprouting after a lesion restores the in-degree and the rate of deafferented neurons."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import models, structural
from ..network import Network
from ._framework import CONDUCTANCE_LIF, Experiment, Param, Parameters, new_figure

__all__ = ["lesion_sprouting", "PARAMETERS"]

PARAMETERS = Parameters(
    Param("n_inputs", 400, "Poisson inputs (times scale)", lo=2),
    Param("n_targets", 100, "target neurons (times scale)", lo=1),
    Param("k_in", 50, "inputs per target (fewer where fewer are within the field)", lo=1),
    Param("rate_in", 10.0, "input rate", "Hz", lo=0.0, hi=1000.0),
    Param("w_in", 0.75, "input weight (also of sprouted synapses)", "nS", lo=0.0),
    Param("length", 1000.0, "length of the line the inputs and targets are spread on", "µm", lo=1e-6),
    Param("field", 150.0, "a target's inputs lie within this distance", "µm", lo=0.0),
    Param("lesion_center", 500.0, "centre of the lesioned region", "µm"),
    Param("lesion_radius", 150.0, "radius of the lesioned region", "µm", lo=0.0),
    Param("reach", 400.0, "sprouting partners lie within this distance", "µm", lo=0.0),
    Param("sprout_rate", 0.2, "sprouting rate, per missing input per second", lo=0.0),
    Param("interval", 100.0, "interval of the sprouting rule", "ms", lo=0.1),
    Param("t_lesion", 5000.0, "time of the lesion", "ms", lo=0.0),
    Param("duration", 40_000.0, "simulated time (whole bins)", "ms", lo=100.0),
    Param("bin", 500.0, "bin of the in-degree and rate traces", "ms", lo=0.1),
    Param("t_measure", 2000.0, "the baseline is the rate over the t_measure ms before the lesion, the recovered "
          "rate over the last t_measure ms", "ms", lo=1.0),
    Param("t_early", 500.0, "'just after' is the rate over the first t_early ms after the lesion", "ms", lo=0.1),
    Param("deafferented", 0.5, "targets that lost at least this fraction of their inputs are deafferented", lo=0.0,
          hi=1.0),
)  # fmt: skip


def _check(p: dict[str, Any]) -> None:
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
    tgt = net.add_population(models.LIFCond(**CONDUCTANCE_LIF), n_t, name="targets")
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


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    n_bins = int(round(p["duration"] / p["bin"]))
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
        return {
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


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    return (
        f"{nums['n_deafferented']} deafferented neurons (lesion of {nums['n_lesioned_inputs']} inputs, "
        f"{nums['synapses_removed']} synapses): in-degree {nums['indeg_before']:.1f} -> {nums['indeg_after']:.1f} -> "
        f"{nums['indeg_recovered']:.1f} ({nums['synapses_created']} sprouted); rate {nums['rate_before']:.1f} -> "
        f"{nums['rate_after']:.2f} -> {nums['rate_recovered']:.1f} Hz ({100 * nums['rate_recovered_fraction']:.0f}% "
        f"of baseline); control without sprouting {nums['rate_recovered_control']:.2f} Hz "
        f"({100 * nums['rate_recovered_fraction_control']:.0f}%)"
    )


def draw(nums: dict[str, Any], p: dict[str, Any]) -> Any:
    fig, ax = new_figure(3)
    t_end = nums["t_ms"]
    edges = np.concatenate([[0.0], t_end])
    ts = t_end / 1000.0
    for a in ax[:2]:
        a.axvline(p["t_lesion"] / 1000.0, color="k", ls=":", lw=1, label="lesion")
    ax[0].plot(ts, nums["indeg_deaff"], label="deafferented, sprouting")
    ax[0].plot(ts, nums["indeg_deaff_control"], label="deafferented, control")
    ax[0].plot(ts, nums["indeg_intact"], color="0.5", label="intact")
    ax[0].set(xlabel="time (s)", ylabel="mean in-degree", title="In-degree")
    ax[0].legend(fontsize=8)
    tc = 0.5 * (edges[:-1] + edges[1:]) / 1000.0
    ax[1].plot(tc, nums["rate_deaff"], label="deafferented, sprouting")
    ax[1].plot(tc, nums["rate_deaff_control"], label="deafferented, control")
    ax[1].plot(tc, nums["rate_intact"], color="0.5", label="intact")
    ax[1].set(xlabel="time (s)", ylabel="rate (Hz)", title="Firing rate")
    ax[1].legend(fontsize=8)
    x = nums["x_targets"]
    ax[2].plot(x, nums["k_before"], "k-", label="before lesion")
    ax[2].plot(x, nums["k_after"], label="just after")
    ax[2].plot(x, nums["k_recovered"], label=f"t = {ts[-1]:g} s, sprouting")
    # without sprouting nothing changes after the lesion: the control's in-degree stays at k_after
    ax[2].plot(x, nums["k_after"], ls="--", label=f"t = {ts[-1]:g} s, control")
    ax[2].axvspan(p["lesion_center"] - p["lesion_radius"], p["lesion_center"] + p["lesion_radius"], color="0.9",
                  zorder=0)  # fmt: skip
    ax[2].set(xlabel="target position (µm)", ylabel="in-degree", title="In-degree along the line")
    ax[2].legend(fontsize=7)
    return fig


lesion_sprouting = Experiment(
    "lesion_sprouting",
    PARAMETERS,
    compute,
    summarize,
    draw,
    check=_check,
    doc="""
    Axonal sprouting after a lesion restores the in-degree and the rate of deafferented neurons
    (Darian-Smith & Gilbert 1994; Butz, Steenbuck & van Ooyen 2014).

    Model: ``n_inputs`` Poisson sources at ``rate_in`` Hz and ``n_targets`` conductance-based LIF neurons
    (LIFCond, Vogels & Abbott's parameters), both evenly spread on a line of length ``length`` (µm). Every target
    receives ``k_in`` synapses (``w_in`` nS, 1 ms) from distinct inputs drawn at random within ``field`` of its position
    (fewer where fewer are in range). At ``t_lesion`` the inputs within ``lesion_radius`` of ``lesion_center``
    are lesioned with ``net.lesion(neurons=(inputs, region), at=t_lesion)``: they fall silent and their
    synapses are removed. Targets that lost at least a fraction ``deafferented`` of their inputs are the
    deafferented group. :class:`pyneuro.structural.Sprouting` (``sprout_rate`` per missing input per second,
    partners within ``reach``, every ``interval`` ms) lets surviving inputs grow new synapses (same weight) onto
    them until their in-degree is restored. The control is the same network and lesion without sprouting.
    """,
    scale="Multiplies n_inputs and n_targets (the field and k_in are kept, so at small scales a target may have "
    "fewer than k_in inputs in range).",
    returns="""
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
    """,
    notes="""
    Measured (scale 0.5, mean +- s.d. over seeds 100-119): the deafferented neurons' rate falls to 0.4% +- 0.9%
    of its baseline and returns to 1.00 +- 0.11 of it with sprouting (0.86 to 1.28), the in-degree to 99.9%;
    without sprouting it stays at 0.08%; the intact neurons' rate changes by 8% +- 6%.

    Not captured: the growth of new axon branches in space, activity dependence of sprouting (here it depends
    only on the missing inputs), and the slower, partial recovery with cortical reorganisation seen in vivo.
    """,
)
