"""Brunel's (2000) sparse excitatory-inhibitory network: its dynamical regimes set by inhibition g and drive eta."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..networks import brunel2000 as build_brunel
from ..networks.brunel import theory_rate
from ._framework import Experiment, Param, Parameters

__all__ = ["brunel2000", "PARAMETERS"]

PARAMETERS = Parameters(
    Param("n_scaling", 0.2, "fraction of the published 10,000 + 2,500 neurons (times scale); in-degrees kept",
          lo=0.0, hi=1.0, lo_open=True),  # fmt: skip
    Param("g", (3.0, 6.0, 5.0, 4.5), "relative strength of inhibition of each run (Fig. 8 A-D)",
          kind="floats", lo=0.0, hi=100.0, lo_open=True),  # fmt: skip
    Param("eta", (2.0, 4.0, 2.0, 0.9), "external rate of each run, in units of the threshold rate nu_thr = 10 Hz",
          kind="floats", lo=0.0, hi=100.0),  # fmt: skip
    Param("t_presim", 100.0, "warm-up, discarded", "ms", lo=0.0),
    Param("t_sim", 500.0, "measured time", "ms", lo=50.0),
    Param("bin", 0.5, "bin of the population activity (synchrony, spectrum)", "ms", lo=0.1, hi=10.0),
    Param("raster_ms", 100.0, "the raster shows the last raster_ms of each run", "ms", lo=1.0),
)


def _check(p: dict[str, Any]) -> None:
    if len(p["g"]) != len(p["eta"]) or len(p["g"]) == 0:
        raise ValueError(f"g and eta must have the same (non-zero) length, got {len(p['g'])} and {len(p['eta'])}")
    if p["raster_ms"] > p["t_sim"]:
        raise ValueError(f"raster_ms must be <= t_sim={p['t_sim']}, got {p['raster_ms']}")
    if p["bin"] * 20 > p["t_sim"]:
        raise ValueError(f"bin must be <= t_sim / 20 = {p['t_sim'] / 20:g} ms, got {p['bin']}")


def _one(g: float, eta: float, fraction: float, p: dict[str, Any], seed: int, threads: int) -> dict[str, Any]:
    b = build_brunel(scale=fraction, g=g, eta=eta, seed=seed, threads=threads)
    nums = b.measure(p["t_presim"], p["t_sim"], raster_ms=p["raster_ms"], raster_neurons=100)
    a0, a1 = b.net.time - p["t_sim"], b.net.time
    t = b.spikes["E"].times
    n_e = b.populations["E"].size
    counts = np.histogram(t[t >= a0], np.arange(a0, a1 + 1e-9, p["bin"]))[0].astype(np.float64)
    mean = counts.mean()
    fano = float(counts.var() / mean) if mean > 0 else float("nan")
    spec = np.abs(np.fft.rfft(counts - mean)) ** 2
    freq = np.fft.rfftfreq(counts.size, p["bin"] * 1e-3)
    keep = freq > 5.0
    return {
        "rate_e": float(nums["rates"][0]),
        "rate_i": float(nums["rates"][1]),
        "cv_isi": float(nums["cv_isi"][0]),
        "fano_pop": fano,
        "coherence": (fano - 1.0) / (n_e - 1) if n_e > 1 else float("nan"),
        "peak_hz": float(freq[keep][np.argmax(spec[keep])]) if keep.any() else float("nan"),
        "rate_theory": theory_rate(g, eta),
        "raster_t": nums["raster_t"],
        "raster_i": nums["raster_i"],
        "rate_t": nums["rate_t"],
        "rate_hz": nums["rate_hz"][0],
        "build_s": nums["build_s"],
        "run_s": nums["run_s"],
    }


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    fraction = p["n_scaling"] * scale
    if fraction > 1.0:
        raise ValueError(f"scale * n_scaling must be <= 1 (the full model), got {scale} * {p['n_scaling']}")
    runs = [_one(g, e, fraction, p, seed, threads) for g, e in zip(p["g"], p["eta"])]
    out: dict[str, Any] = {"fraction": fraction, "g": np.array(p["g"]), "eta": np.array(p["eta"])}
    for key in ("rate_e", "rate_i", "cv_isi", "fano_pop", "coherence", "peak_hz", "rate_theory", "build_s", "run_s"):
        out[key] = np.array([r[key] for r in runs])
    for k, r in enumerate(runs):  # the figure's data, per run
        for key in ("raster_t", "raster_i", "rate_t", "rate_hz"):
            out[f"{key}_{k}"] = r[key]
    return out


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    runs = "; ".join(
        f"g={g:g} eta={e:g}: E {r:.1f} Hz (theory {th:.1f}), I {ri:.1f} Hz, CV {cv:.2f}, coherence {c:.3f}, "
        f"peak {f:.0f} Hz, real-time factor {run / (p['t_sim'] * 1e-3):.1f}"
        for g, e, r, ri, th, cv, c, f, run in zip(
            nums["g"], nums["eta"], nums["rate_e"], nums["rate_i"], nums["rate_theory"], nums["cv_isi"],
            nums["coherence"], nums["peak_hz"], nums["run_s"],
        )
    )  # fmt: skip
    return f"{int(round(12500 * nums['fraction']))} neurons; {runs}"


def draw(nums: dict[str, Any], p: dict[str, Any]) -> Any:
    from matplotlib.figure import Figure

    n = len(nums["g"])
    fig = Figure(figsize=(10.0, 2.6 * n), layout="constrained")
    axes = np.asarray(fig.subplots(n, 2)).reshape(-1)
    for k in range(n):
        a, b = axes[2 * k], axes[2 * k + 1]
        a.plot(nums[f"raster_t_{k}"], nums[f"raster_i_{k}"], ".", ms=1.0, color="k")
        a.set(xlabel="time (ms)", ylabel="neuron", title=f"g={nums['g'][k]:g}, eta={nums['eta'][k]:g}: spikes")
        b.plot(nums[f"rate_t_{k}"], nums[f"rate_hz_{k}"], lw=0.6)
        b.axhline(nums["rate_theory"][k], color="r", ls="--", lw=0.8, label="diffusion theory")
        b.set(xlabel="time (ms)", ylabel="E rate (Hz, 1 ms bins)",
              title=f"CV {nums['cv_isi'][k]:.2f}, peak {nums['peak_hz'][k]:.0f} Hz")  # fmt: skip
        b.legend(fontsize=7)
    return fig


brunel2000 = Experiment(
    "brunel2000",
    PARAMETERS,
    compute,
    summarize,
    draw,
    check=_check,
    doc="""
    The dynamical regimes of a sparse network of excitatory and inhibitory LIF neurons (Brunel 2000, J. Comput.
    Neurosci. 8:183, model A, Fig. 8): synchronous regular (SR, excitation dominates: g = 3, eta = 2),
    synchronous irregular with fast oscillations (SI fast: g = 6, eta = 4), asynchronous irregular (AI: g = 5,
    eta = 2) and synchronous irregular with slow oscillations (SI slow: g = 4.5, eta = 0.9).

    Model: :func:`pyneuro.networks.brunel2000` (LIF neurons with delta synapses, tau = 20 ms, theta = 20 mV,
    V_r = 10 mV, tau_rp = 2 ms; every neuron has 1000 excitatory inputs of J = 0.1 mV and 250 inhibitory ones
    of -g J, delay 1.5 ms, and 1000 external Poisson inputs of rate eta x 10 Hz; NEST's time convention). One
    network per (g, eta) pair runs ``t_presim`` ms (discarded), then ``t_sim`` ms measured: the excitatory
    rate, the mean ISI CV (regularity of single neurons), the population activity's Fano factor in ``bin``-ms
    bins and the coherence ``(Fano - 1) / (N_E - 1)`` (for neurons whose own counts have a Fano factor near 1,
    the mean pairwise spike-count correlation: about 0 for independent neurons, up to 1 in lockstep), the peak
    of its power spectrum above 5 Hz, and the stationary rate of
    the diffusion theory (Brunel 2000, Eqs. 21-22) for comparison.
    """,
    scale="Multiplies n_scaling (neuron numbers; the in-degrees stay those of the paper); scale * n_scaling <= 1.",
    returns="""
    numbers (one value per (g, eta) pair): ``g``, ``eta``, ``rate_e``, ``rate_i`` (Hz), ``cv_isi``, ``fano_pop``,
    ``coherence``, ``peak_hz``, ``rate_theory`` (Hz), ``build_s``, ``run_s``; ``fraction``; for the figure, per
    run k, ``raster_t_k``, ``raster_i_k`` (the first 100 excitatory neurons over the last ``raster_ms``),
    ``rate_t_k``, ``rate_hz_k`` (excitatory rate in 1 ms bins).
    """,
    notes="""
    With the default reduction (a fifth of the neurons, the paper's in-degrees, so 50% connectivity instead of
    10%) shared inputs correlate the neurons more than in the sparse network: the coherence of the AI point is
    about 0.03 (about 0.006 at full scale), still an order of magnitude below SR's. Single runs of 500 ms bias the
    ISI CV of slowly firing neurons low (only neurons with >= 3 spikes count).
    """,
)
