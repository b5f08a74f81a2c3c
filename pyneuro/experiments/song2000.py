"""Competitive Hebbian learning through STDP (Song, Miller & Abbott 2000)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import models, plasticity
from ..network import Network
from ._framework import Experiment, Param, Parameters

__all__ = ["song2000", "PARAMETERS"]

PARAMETERS = Parameters(
    Param("duration", None, "simulated time; default 300 s x scale", "ms", lo=0.0, hi=1e9, lo_open=True,
          kind="float", optional=True),
    Param("n_inputs", 1000, "Poisson inputs", lo=1, hi=1_000_000),
    Param("rate", 15.0, "input rate", "Hz", lo=0.0, hi=1000.0),
)  # fmt: skip

_DT = 0.1
#: the neuron of Brian2's examples/synapses/STDP.py: tau_m = 10 ms, E_L -74 mV, V_th -54 mV, V_reset -60 mV,
#: no refractory period; conductances in units of the leak (g_L = 10 nS)
_NEURON = dict(
    C_m=100.0, g_L=10.0, E_L=-74.0, V_th=-54.0, V_reset=-60.0, t_ref=0.0, tau_syn_ex=5.0, tau_syn_in=5.0,
    E_ex=0.0, E_in=-80.0,
)  # fmt: skip
_G_MAX = 0.01 * _NEURON["g_L"]  # nS


def _duration(p: dict[str, Any], scale: float) -> float:
    d = 300_000.0 * scale if p["duration"] is None else p["duration"]
    return float(max(_DT * 20, round(d / _DT) * _DT))


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    duration = _duration(p, scale)
    net = Network(dt=_DT, seed=seed + 1, threads=threads)
    src = net.add_population(models.PoissonSource(rate=p["rate"]), p["n_inputs"], name="inputs")
    neuron = net.add_population(models.LIFCond(**_NEURON), 1, name="neuron")
    a_pre = 0.01 * _G_MAX
    rule = plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=a_pre, a_post=-1.05 * a_pre, w_min=0.0, w_max=_G_MAX)
    proj = net.connect(src, neuron, conn.AllToAll(), weight=conn.Uniform(0.0, _G_MAX), delay=0.1, plasticity=rule,
                       name="input")  # fmt: skip
    spikes = net.record_spikes(neuron)
    g_max = float(rule.w_max)
    w_init = proj.weights.astype(float) / g_max
    net.run(duration)
    w = proj.weights.astype(float) / g_max
    bins = np.linspace(0.0, 1.0, 21)
    counts, _ = np.histogram(np.clip(w, 0.0, 1.0), bins)
    init_counts, _ = np.histogram(np.clip(w_init, 0.0, 1.0), bins)
    edges = np.linspace(0.0, duration, 21)
    rate_hz = np.histogram(spikes.times, edges)[0] / (np.diff(edges) * 1e-3)
    return {
        "bins": bins,
        "counts": counts,
        "initial_counts": init_counts,
        "frac_low": float(np.mean(w < 0.1)),
        "frac_high": float(np.mean(w > 0.9)),
        "frac_middle": float(np.mean((w >= 0.3) & (w <= 0.7))),
        "rate_t": edges[:-1],
        "rate_hz": rate_hz,
        "rate_start": float(rate_hz[0]),
        "rate_end": float(np.mean(rate_hz[-4:])),
        "g_max": g_max,
    }


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    duration = _duration(p, p["scale"])
    return (
        f"Song 2000, {duration / 1000:g} s: {100 * nums['frac_low']:.0f}% of weights < 0.1 g_max, "
        f"{100 * nums['frac_high']:.0f}% > 0.9 g_max, {100 * nums['frac_middle']:.0f}% in 0.3-0.7; post rate "
        f"{nums['rate_start']:.1f} Hz -> {nums['rate_end']:.1f} Hz"
    )


def draw(nums: dict[str, Any], p: dict[str, Any]) -> Any:
    from matplotlib.figure import Figure

    duration = _duration(p, p["scale"])
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    axes = fig.subplots(1, 2)
    bins = nums["bins"]
    ax = axes[0]
    ax.stairs(nums["initial_counts"], bins, color="0.6", label="initial")
    ax.stairs(nums["counts"], bins, color="C0", label=f"after {duration / 1000:g} s")
    ax.set_xlabel("weight / g_max")
    ax.set_ylabel("synapses")
    ax.legend(fontsize=8)
    ax.set_title(f"{p['n_inputs']} Poisson inputs at {p['rate']:g} Hz, pair STDP", fontsize=10)
    ax = axes[1]
    edges = np.append(nums["rate_t"], duration)
    ax.plot((edges[:-1] + np.diff(edges) / 2) / 1000.0, nums["rate_hz"], "o-")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("postsynaptic rate (Hz)")
    return fig


song2000 = Experiment(
    "song2000",
    PARAMETERS,
    compute,
    summarize,
    draw,
    doc="""
    Competitive Hebbian learning through STDP (Song, Miller & Abbott 2000, Nat. Neurosci. 3:919).

    Protocol, as Brian2's ``examples/synapses/STDP.py``: ``n_inputs`` Poisson inputs at ``rate`` onto one
    conductance-based LIF neuron (tau_m = 10 ms, E_L = -74 mV, V_th = -54 mV, V_reset = -60 mV, E_ex = 0 mV,
    tau_ex = 5 ms, no refractory period) through additive all-to-all pair STDP (tau 20/20 ms,
    ``a_pre = 0.01 g_max``, ``a_post = -1.05 a_pre``, ``g_max = 0.1 nS``, i.e. 0.01 in units of the leak),
    initial weights uniform in ``[0, g_max]``; run for ``duration`` ms.
    """,
    scale="Multiplies the duration (``300 s x scale``) unless ``duration`` is given.",
    returns="""
    numbers: ``bins`` (histogram edges, units of ``g_max``), ``counts`` (final weights per bin),
    ``initial_counts``, ``frac_low`` (fraction of weights < 0.1 g_max), ``frac_high`` (> 0.9 g_max),
    ``frac_middle`` (0.3-0.7 g_max), ``rate_t`` (ms, bin starts) and ``rate_hz`` (postsynaptic rate in 20 bins),
    ``rate_start`` (the first bin), ``rate_end`` (the last 20% of the run), ``g_max``.
    """,
    notes="""
    Expect a bimodal distribution of weights (Song et al., Fig. 2) and a postsynaptic rate that falls from its
    initial value as STDP removes uncorrelated excitation (their rate normalisation, Fig. 3). This differs from
    the paper: a 10 ms membrane (Brian2's example) instead of 20 ms, no inhibitory inputs, and ``g_max`` in units
    of the leak. Measured after 200 s (mean +- s.d. over seeds 100-119): 27% +- 1% of the weights end below
    0.1 g_max, 22% +- 1% above 0.9 g_max and 17% +- 1% in 0.3-0.7 g_max, and the postsynaptic rate falls to
    0.57 +- 0.10 of its initial value (0.42 to 0.85); Song et al. report a stronger split. Not captured: input
    correlations (their Fig. 4-5), dendritic delays, the multiplicative variants that give unimodal distributions
    (van Rossum et al. 2000).
    """,
)
