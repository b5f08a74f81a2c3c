"""LTP by high-frequency and LTD by low-frequency stimulation, with the triplet and the pair rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import models, plasticity
from ..network import Network
from ._framework import Experiment, Param, Parameters
from .pairing import DT, spike_generator

__all__ = ["ltp_ltd_induction", "PARAMETERS"]

PARAMETERS = Parameters(
    Param("hfs_trains", None, "HFS trains of 100 pulses at 100 Hz, one every 10 s; default round(4 scale), at "
          "least 1", lo=1, kind="int", optional=True),
    Param("lfs_pulses", None, "LFS pulses at 1 Hz; default round(900 scale), at least 1", lo=1, kind="int",
          optional=True),
    Param("rules", ("triplet", "pair"), "the rules, each run on its own", kind="choices",
          choices=("triplet", "pair")),
    Param("background_rate", 1.0, "rate of each neuron's Poisson background input (every spike makes it fire); "
          "the LFS depression of the triplet rule grows in proportion", "Hz", lo=0.0, hi=1000.0),
    Param("background_weight", 20.0, "weight of the background input", "nS", lo=0.0, hi=1e4),
    Param("n_fibres", 15, "presynaptic fibres, firing together at each pulse", lo=1, hi=10_000),
    Param("n_units", 20, "postsynaptic neurons", lo=1, hi=10_000),
    Param("w0", 0.5, "initial weight (w_max = 1 nS)", "nS", lo=0.0, hi=1.0),
)  # fmt: skip

#: the postsynaptic neuron: tau_m = 20 ms, reset to rest so that a neuron that has just fired is not left near
#: threshold
_NEURON = dict(
    C_m=200.0,
    g_L=10.0,
    E_L=-70.0,
    V_th=-54.0,
    V_reset=-70.0,
    t_ref=2.0,
    tau_syn_ex=5.0,
    tau_syn_in=5.0,
    E_ex=0.0,
    E_in=-80.0,
)
_W_MAX = 1.0


def _rule(kind: str) -> plasticity.PlasticityRule:
    if kind == "triplet":
        return plasticity.TripletSTDP.visual_cortex_minimal(w_max=_W_MAX)
    return plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.01, a_post=-0.0105, w_min=0.0, w_max=_W_MAX)


def _induction(
    rule: plasticity.PlasticityRule, pulses: np.ndarray, t_end: float, p: dict[str, Any], seed: int, threads: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Stimulate ``n_fibres`` fibres at the ``pulses`` onto ``n_units`` LIFCond neurons with Poisson background;
    returns the weight-sample times, the mean weight at those times, the final weights and the mean rate."""
    nf, nu = p["n_fibres"], p["n_units"]
    net = Network(dt=DT, seed=seed, threads=threads)
    fib = net.add_population(spike_generator([pulses] * nf), nf, name="fibres")
    post = net.add_population(models.LIFCond(**_NEURON), nu, name="post")
    bg = net.add_population(models.PoissonSource(rate=p["background_rate"]), nu, name="background")
    net.connect(bg, post, conn.OneToOne(), weight=p["background_weight"], delay=DT, name="background")
    proj = net.connect(fib, post, conn.AllToAll(), weight=p["w0"], delay=1.0, plasticity=rule, name="stimulated")
    every = max(DT, round(t_end / 200.0 / DT) * DT)
    wm = net.record_weights(proj, every=every)
    sm = net.record_spikes(post)
    net.run(t_end)
    t = np.concatenate([[0.0], wm.times])
    mean_w = np.concatenate([[p["w0"]], wm.values.mean(axis=1)])
    return t, mean_w, proj.weights.astype(float), sm.count / (nu * t_end * 1e-3)


def _counts(p: dict[str, Any], scale: float) -> tuple[int, int]:
    """The numbers of HFS trains and LFS pulses."""
    n_trains = max(1, int(round(4 * scale))) if p["hfs_trains"] is None else p["hfs_trains"]
    n_lfs = max(1, int(round(900 * scale))) if p["lfs_pulses"] is None else p["lfs_pulses"]
    return n_trains, n_lfs


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    n_trains, n_lfs = _counts(p, scale)
    start = 1000.0
    hfs = np.concatenate([start + 10_000.0 * k + 10.0 * np.arange(100) for k in range(n_trains)])
    lfs = start + 1000.0 * np.arange(n_lfs)
    protocols = {"hfs": (hfs, float(hfs[-1]) + 9000.0), "lfs": (lfs, float(lfs[-1]) + 1000.0)}
    nums: dict[str, Any] = {"w_max": _W_MAX, "w0": p["w0"]}
    for r in p["rules"]:
        for proto, (pulses, t_end) in protocols.items():
            t, mean_w, w, rate = _induction(_rule(r), pulses, t_end, p, seed, threads)
            key = f"{r}_{proto}"
            nums[f"t_{key}"] = t
            nums[f"rel_{key}"] = mean_w / p["w0"] - 1.0
            nums[f"final_{key}"] = float(w.mean() / p["w0"] - 1.0)
            nums[f"wmax_frac_{key}"] = float(np.mean(w >= np.float32(_W_MAX) * (1 - 1e-6)))
            nums[f"rate_{key}"] = rate
    return nums


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    return "LTP/LTD induction: " + ", ".join(
        f"{r} HFS {100 * nums[f'final_{r}_hfs']:+.0f}% ({100 * nums[f'wmax_frac_{r}_hfs']:.0f}% at w_max), "
        f"LFS {100 * nums[f'final_{r}_lfs']:+.1f}%"
        for r in p["rules"]
    )


def draw(nums: dict[str, Any], p: dict[str, Any]) -> Any:
    from matplotlib.figure import Figure

    n_trains, n_lfs = _counts(p, p["scale"])
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, proto, title, unit in (
        (axes[0], "hfs", f"HFS: {n_trains} x 1 s at 100 Hz, every 10 s", 1e-3),
        (axes[1], "lfs", f"LFS: {n_lfs} pulses at 1 Hz", 1e-3),
    ):
        for r in p["rules"]:
            ax.plot(nums[f"t_{r}_{proto}"] * unit, 100 * nums[f"rel_{r}_{proto}"], label=r)
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.axhline(100 * (nums["w_max"] / nums["w0"] - 1.0), color="0.6", lw=0.8, ls="--")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("weight change (% of w0)")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    return fig


ltp_ltd_induction = Experiment(
    "ltp_ltd_induction",
    PARAMETERS,
    compute,
    summarize,
    draw,
    doc="""
    LTP by high-frequency stimulation (HFS) and LTD by low-frequency stimulation (LFS).

    Protocol: ``n_fibres`` presynaptic fibres fire together at each stimulus pulse (a volley) onto ``n_units``
    conductance-based LIF neurons (:class:`~pyneuro.models.LIFCond`, tau_m = 20 ms, threshold 16 mV above rest)
    through plastic synapses starting at ``w0 = w_max / 2``; each neuron also fires spontaneously (one Poisson
    background input per neuron at ``background_rate`` whose every spike makes it fire). A single volley (~8 mV) is
    subthreshold, so the neurons do not follow low-frequency pulses, but at 100 Hz the volleys summate and each
    pulse evokes a spike.

    - HFS (Bliss & Lømo 1973; Malenka & Bear 2004): ``hfs_trains`` trains of 100 pulses at 100 Hz (1 s), one train
      every 10 s;
    - LFS (Dudek & Bear 1992, PNAS 89:4363): ``lfs_pulses`` pulses at 1 Hz (900 in the classic protocol).

    Rules: ``"triplet"``, the minimal all-to-all triplet rule (``TripletSTDP.visual_cortex_minimal``, amplitudes in
    units of w_max = 1 nS), and ``"pair"``, additive all-to-all pair STDP with Song et al.'s window
    (tau 20/20 ms, ``a_pre = 0.01 w_max``, ``a_post = -1.05 a_pre``).
    """,
    scale="Multiplies the numbers of HFS trains (``round(4 scale)``, >= 1) and LFS pulses (``round(900 scale)``, "
    ">= 1) unless they are given.",
    returns="""
    numbers, for each ``<rule>_<protocol>`` (protocol ``hfs`` or ``lfs``): ``t_<...>`` (ms) and ``rel_<...>``
    (mean relative weight change ``w / w0 - 1`` over time), ``final_<...>`` (at the end), ``wmax_frac_<...>``
    (fraction of synapses at ``w_max``), ``rate_<...>`` (mean postsynaptic rate, Hz); and ``w_max``, ``w0``.
    """,
    notes="""
    Measured (hfs_trains=3, lfs_pulses=300, n_units=10; mean +- s.d. over seeds 100-119): triplet rule HFS
    +100% (every synapse at w_max), LFS -13% +- 1%; pair rule HFS +99% +- 1%, LFS +0.5% +- 1.7% (-2.5% to +4.0%).

    Expected (and what the minimal triplet rule gives): HFS potentiates up to ``w_max`` (every evoked spike follows
    a recent one, so ``o2`` is large), LFS depresses (post spikes are spontaneous and uncorrelated with the pulses;
    the drift ``rho_pre rho_post (a3_plus tau_plus tau_y rho_post - a2_minus tau_minus)`` is negative at low
    rates). Pair STDP with Song et al.'s nearly balanced window potentiates under HFS but gives only a small
    change under LFS: uncorrelated firing drifts by ``rho_pre rho_post (a_pre tau_pre + a_post tau_post)``, 5% of
    either term, and the few spikes a volley does evoke potentiate. That pair rules cannot give HFS-LTP and
    LFS-LTD with one window is the point of Pfister & Gerstner 2006. Not captured: calcium, NMDA-receptor
    dynamics, short-term depression during the tetanus, late-phase (protein-synthesis dependent) LTP.
    """,
)
