"""The cortical microcircuit of Potjans & Diesmann (2014): per-population rates, irregularity and speed."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..networks import microcircuit as build_microcircuit
from ..networks.pd14 import FULL_MEAN_RATES, POPULATIONS
from ..plot import network_activity
from ._framework import Experiment, Param, Parameters

__all__ = ["microcircuit", "PARAMETERS"]

PARAMETERS = Parameters(
    Param("n_scaling", 0.1, "fraction of the published neuron numbers (times scale; 1 is the full model)",
          lo=0.0, hi=1.0, lo_open=True),  # fmt: skip
    Param("k_scaling", 0.1, "fraction of the published in-degrees (weights times 1/sqrt(k_scaling), DC compensation)",
          lo=0.0, hi=1.0, lo_open=True),  # fmt: skip
    Param("poisson", 1, "1: K_ext Poisson inputs of 8 Hz per neuron (as published); 0: their mean as a DC current",
          lo=0, hi=1),  # fmt: skip
    Param("thalamic", 0, "1: the thalamic pulse (902 neurons at 120 Hz for 10 ms into L4 and L6)", lo=0, hi=1),
    Param("th_start", 700.0, "start of the thalamic pulse", "ms", lo=0.0),
    Param("t_presim", 500.0, "warm-up, discarded", "ms", lo=0.0),
    Param("t_sim", 1000.0, "measured time (rates, ISI CVs, real-time factor)", "ms", lo=10.0),
    Param("raster_ms", 200.0, "the raster shows the last raster_ms of the measured time", "ms", lo=1.0),
)


def _check(p: dict[str, Any]) -> None:
    if p["raster_ms"] > p["t_sim"]:
        raise ValueError(f"raster_ms must be <= t_sim={p['t_sim']}, got {p['raster_ms']}")


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    fraction = p["n_scaling"] * scale
    if fraction > 1.0:
        raise ValueError(f"scale * n_scaling must be <= 1 (the full model), got {scale} * {p['n_scaling']}")
    b = build_microcircuit(
        scale=fraction,
        k_scale=p["k_scaling"],
        drive="poisson" if p["poisson"] else "dc",
        thalamic=bool(p["thalamic"]),
        th_start=p["th_start"],
        seed=seed,
        threads=threads,
    )
    nums = b.measure(p["t_presim"], p["t_sim"], raster_ms=p["raster_ms"])
    del nums["populations"]
    published = np.array(FULL_MEAN_RATES)
    return {
        **nums,
        "fraction": fraction,
        "n_neurons": b.n_neurons,
        "n_synapses": b.n_synapses,
        "published_rates": published,
        "rel_diff": nums["rates"] / published - 1.0,
        "max_abs_rel_diff": float(np.max(np.abs(nums["rates"] / published - 1.0))),
    }


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    pops = ", ".join(
        f"{n} {r:.2f} Hz (CV {c:.2f})" for n, r, c in zip(POPULATIONS, nums["rates"], nums["cv_isi"])
    )
    return (
        f"{nums['n_neurons']} neurons, {nums['n_synapses']:.3g} synapses (fraction {nums['fraction']:g}, "
        f"in-degrees x{p['k_scaling']:g}, {'Poisson' if p['poisson'] else 'DC'} drive), built in "
        f"{nums['build_s']:.1f} s; {pops}; largest deviation from the published full-scale rates "
        f"{nums['max_abs_rel_diff']:.0%}; real-time factor {nums['real_time_factor']:.2f} "
        f"({nums['threads']} thread{'s' if nums['threads'] != 1 else ''})"
    )


def draw(nums: dict[str, Any], p: dict[str, Any]) -> Any:
    shown = {**nums, "populations": list(POPULATIONS)}
    title = (
        f"Potjans & Diesmann (2014) microcircuit, {nums['n_neurons']} neurons "
        f"(fraction {nums['fraction']:g}, in-degrees x{p['k_scaling']:g})"
    )
    return network_activity(shown, title=title, published=nums["published_rates"])


microcircuit = Experiment(
    "microcircuit",
    PARAMETERS,
    compute,
    summarize,
    draw,
    check=_check,
    doc="""
    The cortical microcircuit of Potjans & Diesmann (2014, Cereb. Cortex 24:785): per-population rates, ISI
    irregularity and the simulation's real-time factor.

    Model: :func:`pyneuro.networks.microcircuit` (77,169 current-based LIF neurons in layers 2/3, 4, 5 and 6 at
    full scale, about 3e8 synapses from the published connection probabilities, normal delays truncated by
    redrawing, NEST's time convention). By default the network is reduced as in NEST's reference implementation
    (``n_scaling = k_scaling = 0.1``): a tenth of the neurons with a tenth of the in-degrees, the weights grown by
    ``1/sqrt(k_scaling)`` and the lost mean input restored as a DC current (van Albada, Helias & Diesmann 2015,
    PLoS Comput. Biol. 11:e1004490), which keeps the published rates; ``n_scaling=1, k_scaling=1`` is the full
    model (about 3 GB). The network runs ``t_presim`` ms (discarded), then ``t_sim`` ms measured: each
    population's mean rate and mean ISI CV (neurons with at least 3 spikes), and the real-time factor (wall
    seconds of the run loop per simulated second).
    """,
    scale="Multiplies n_scaling (the neuron numbers; in-degrees follow k_scaling alone); scale * n_scaling <= 1.",
    returns="""
    numbers: ``rates`` (Hz) and ``cv_isi`` per population (L23E, L23I, L4E, L4I, L5E, L5I, L6E, L6I),
    ``published_rates`` (the full-scale model's, NEST's reference implementation), ``rel_diff`` and
    ``max_abs_rel_diff`` (rates against them), ``sizes``, ``n_neurons``, ``n_synapses``, ``fraction``,
    ``build_s`` and ``run_s`` (wall seconds), ``real_time_factor``, ``threads``; for the figure ``raster_t``,
    ``raster_i``, ``raster_rows`` (up to 200 neurons per population over the last ``raster_ms``) and ``rate_t``,
    ``rate_hz`` (population rates in 1 ms bins).
    """,
    notes="""
    Published full-scale rates (Hz; NEST's reference implementation with Poisson drive): L2/3e 0.90, L2/3i 2.96,
    L4e 4.41, L4i 5.88, L5e 7.57, L5i 8.63, L6e 1.10, L6i 7.83. With full in-degrees but fewer neurons
    (``k_scaling=1``, ``n_scaling<1``) the network is denser than the model and its rates are higher (at 0.1,
    L2/3e about 2.5 Hz in NEST as in pyneuro); the DC compensation restores the mean input, not the
    fluctuations, so the reduced default's rates match the published ones only approximately. The real-time
    factor depends on the machine, its load and ``threads``; the thalamic pulse, when on, falls in the
    measured period with the default times.
    """,
)
