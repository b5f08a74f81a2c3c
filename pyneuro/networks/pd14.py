"""The cortical microcircuit of Potjans & Diesmann (2014), built from its published tables.

Source: T. C. Potjans and M. Diesmann, "The cell-type specific cortical microcircuit: relating structure and
activity in a full-scale spiking network model", Cerebral Cortex 24:785-806 (2014): Table 5 (population sizes,
connection probabilities, external in-degrees, synapse and neuron parameters) and the model definition of its
Table 4; the scaling and the initial membrane potentials as in NEST's reference implementation of the model
(``pynest/examples/Potjans_2014``): in-degree scaling with the DC compensation of van Albada, Helias & Diesmann
(2015, PLoS Comput. Biol. 11:e1004490), and the "optimized" initial potentials per population.

The model: 77,169 current-based LIF neurons (NEST ``iaf_psc_exp``; pyneuro's :class:`~pyneuro.models.LIF`) in
eight populations (layers 2/3, 4, 5, 6; excitatory and inhibitory); for each pair of populations a fixed total number
of synapses (``FixedTotalNumber``, multapses allowed, no autapses) from the connection probability ``C_a`` by
``K = log(1 - C_a) / log(1 - 1/(N_pre N_post))``; postsynaptic currents of 87.81 pA (the current that gives a
0.15 mV PSP) with relative SD 0.1, inhibitory ones ``g = -4`` times stronger, L4e -> L2/3e doubled; normal delays
of 1.5 ms (excitatory) and 0.75 ms (inhibitory), relative SD 0.5, truncated by redrawing (never below one step);
an external drive of ``K_ext`` Poisson inputs of 8 Hz per neuron (``drive="poisson"``) or its mean as a DC
current (``drive="dc"``); optionally a thalamic population of 902 neurons firing at 120 Hz for 10 ms.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .._validation import check_choice, check_int, check_number
from ..connectivity import FixedTotalNumber, Normal
from ..models import LIF, SpikeGenerator
from ..network import Network
from ._model import BuiltNetwork

__all__ = [
    "microcircuit",
    "POPULATIONS",
    "FULL_SIZES",
    "CONN_PROBS",
    "K_EXT",
    "FULL_MEAN_RATES",
    "psc_from_psp",
    "synapse_numbers",
]

#: population names, in the order of the tables
POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")
#: neurons per population at full scale (Table 5)
FULL_SIZES = (20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948)
#: connection probabilities C_a[target][source] (Table 5)
CONN_PROBS = (
    (0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0),
    (0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0),
    (0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0),
    (0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0),
    (0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0),
    (0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0),
    (0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252),
    (0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443),
)
#: external (background) in-degrees per population (Table 5)
K_EXT = (1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100)
#: mean rates (Hz) of the full-scale model (NEST's reference implementation, Poisson drive): the reference for the
#: DC compensation of in-degree scaling and for full-scale runs
FULL_MEAN_RATES = (0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829)
#: thalamic connection probabilities per target population, and the thalamus' size at full scale
CONN_PROBS_TH = (0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196)
N_THALAMUS = 902
#: neuron parameters (Table 5): mV, pF, ms
NEURON = dict(E_L=-65.0, V_th=-50.0, V_reset=-65.0, C_m=250.0, tau_m=10.0, tau_syn=0.5, t_ref=2.0)
#: initial membrane potentials, mean and SD per population (NEST's "optimized" set), or one normal for all
V0_OPTIMIZED = (
    (-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43),
    (5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48),
)
V0_ORIGINAL = (-58.0, 10.0)
PSP_EXC = 0.15  # mV
WEIGHT_REL_SD = 0.1
G = -4.0
BG_RATE = 8.0  # Hz
DELAY_EXC, DELAY_INH, DELAY_REL_SD = 1.5, 0.75, 0.5  # ms


def psc_from_psp(psp: float, C_m: float, tau_m: float, tau_syn: float) -> float:
    """Amplitude (pA) of the exponential current that gives a PSP of peak ``psp`` (mV) in a LIF neuron."""
    sub = 1.0 / (tau_syn - tau_m)
    pre = tau_m * tau_syn / C_m * sub
    frac = (tau_m / tau_syn) ** sub
    return psp / (pre * (frac**tau_m - frac**tau_syn))


def synapse_numbers(probs: Any, n_post: Any, n_pre: Any) -> np.ndarray:
    """Total synapse numbers ``K[i, j] = log(1 - C[i, j]) / log(1 - 1 / (N_post[i] N_pre[j]))`` (not rounded)."""
    prod = np.outer(np.asarray(n_post, dtype=np.float64), np.asarray(n_pre, dtype=np.float64))
    return np.log(1.0 - np.asarray(probs, dtype=np.float64)) / np.log((prod - 1.0) / prod)


def microcircuit(
    scale: float = 1.0,
    k_scale: float = 1.0,
    drive: str = "dc",
    thalamic: bool = False,
    th_start: float = 700.0,
    th_duration: float = 10.0,
    th_rate: float = 120.0,
    V0: str = "optimized",
    seed: int = 55,
    threads: int = 1,
    dt: float = 0.1,
    time_convention: str = "nest",
    record: bool = True,
) -> BuiltNetwork:
    """Build the Potjans & Diesmann (2014) cortical microcircuit (see the module notes for the source tables).

    Parameters
    ----------
    scale : float
        Fraction of the neurons of every population (``N_scaling``), in (0, 1]; in-degrees are kept (the total
        synapse numbers scale with it), so at 0.1 the network has 7,717 neurons with the full in-degrees.
    k_scale : float
        Fraction of the in-degrees (``K_scaling``), in (0, 1]: recurrent and external weights are multiplied by
        ``1/sqrt(k_scale)`` and every population gets the DC current that restores its mean input at the full-scale
        rates (van Albada et al. 2015).
    drive : {"dc", "poisson"}
        External drive: ``K_ext`` Poisson inputs of 8 Hz per neuron (:meth:`Network.add_poisson_input`), or a DC
        current equal to their mean (``8 Hz x K_ext x 87.81 pA x tau_syn``).
    thalamic : bool
        Add the thalamic population (902 x scale neurons) that fires Poisson spikes at ``th_rate`` Hz from
        ``th_start`` for ``th_duration`` ms (ms, Hz) into L4 and L6.
    V0 : {"optimized", "original"}
        Initial membrane potentials: per-population normals (NEST's reference implementation) or N(-58, 10) mV.
    seed : int
        Seed of the network (connectivity, weights, delays, Poisson inputs) and of the initial potentials.
    threads : int
        Threads of the simulation (results do not depend on it).
    dt : float
        Time step (ms).
    time_convention : {"nest", "pyneuro"}
        The network's time convention; "nest" (default) gives the model's delays the meaning they have in its
        reference implementation.
    record : bool
        Record the spikes of every population.

    Returns
    -------
    BuiltNetwork
        ``net, populations = microcircuit(...)`` unpacks it; ``.projections``, ``.inputs``, ``.spikes``,
        ``.params`` (sizes, synapse numbers, weights, DC amplitudes) and ``.build_time`` hold the rest.
    """
    scale = check_number("scale", scale, 0.0, 1.0, lo_open=True)
    k_scale = check_number("k_scale", k_scale, 0.0, 1.0, lo_open=True)
    drive = check_choice("drive", drive, ("dc", "poisson"))
    V0 = check_choice("V0", V0, ("optimized", "original"))
    th_start = check_number("th_start", th_start, 0.0)
    th_duration = check_number("th_duration", th_duration, 0.0)
    th_rate = check_number("th_rate", th_rate, 0.0, 1e4)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    t0 = time.perf_counter()

    p = NEURON
    full = np.array(FULL_SIZES, dtype=np.float64)
    sizes = np.round(full * scale).astype(np.int64)
    if np.any(sizes < 1):
        raise ValueError(f"scale={scale} leaves a population without neurons (sizes {sizes.tolist()})")
    full_syn = synapse_numbers(CONN_PROBS, full, full)
    full_indeg = full_syn / full[:, None]
    n_syn = np.round(full_indeg * sizes[:, None] * k_scale).astype(np.int64)
    k_ext = np.round(np.array(K_EXT, dtype=np.float64) * k_scale).astype(np.int64)

    psc_exc = psc_from_psp(PSP_EXC, p["C_m"], p["tau_m"], p["tau_syn"])
    psc = np.full((8, 8), psc_exc)
    psc[:, 1::2] *= G  # inhibitory sources
    psc[0, 2] *= 2.0  # L4e -> L2/3e doubled
    psc_ext = psc_exc
    # in-degree scaling (van Albada et al. 2015): weights / sqrt(k), the lost mean input as DC
    dc = np.zeros(8)
    if drive == "dc":
        dc += BG_RATE * k_ext * p["tau_syn"] * 1e-3 * psc_ext
    if k_scale != 1.0:
        input_rec = np.sum(psc * full_indeg * np.array(FULL_MEAN_RATES), axis=1)
        dc += 1e-3 * p["tau_syn"] * (1.0 - math.sqrt(k_scale)) * input_rec
        if drive == "poisson":
            dc += 1e-3 * p["tau_syn"] * (1.0 - math.sqrt(k_scale)) * psc_ext * np.array(K_EXT) * BG_RATE
        psc = psc / math.sqrt(k_scale)
        psc_ext = psc_ext / math.sqrt(k_scale)

    net = Network(dt=dt, seed=seed, threads=threads, time_convention=time_convention)
    rng = np.random.default_rng([seed, 0x50443134])  # initial potentials, thalamic spikes
    pops = {}
    for i, name in enumerate(POPULATIONS):
        model = LIF(
            tau_m=p["tau_m"],
            C_m=p["C_m"],
            E_L=p["E_L"],
            V_th=p["V_th"],
            V_reset=p["V_reset"],
            t_ref=p["t_ref"],
            tau_syn_ex=p["tau_syn"],
            tau_syn_in=p["tau_syn"],
            I_e=float(dc[i]),
        )
        mean, sd = (V0_OPTIMIZED[0][i], V0_OPTIMIZED[1][i]) if V0 == "optimized" else V0_ORIGINAL
        pops[name] = net.add_population(
            model, int(sizes[i]), name=name, initial={"V_m": rng.normal(mean, sd, sizes[i])}
        )

    built = BuiltNetwork(net=net, populations=pops)
    for i, tgt in enumerate(POPULATIONS):
        for j, src in enumerate(POPULATIONS):
            if n_syn[i, j] == 0:
                continue
            w = abs(float(psc[i, j]))
            d = DELAY_EXC if j % 2 == 0 else DELAY_INH
            built.projections[(src, tgt)] = net.connect(
                pops[src],
                pops[tgt],
                FixedTotalNumber(int(n_syn[i, j]), allow_autapses=False, allow_multapses=True),
                weight=Normal(w, WEIGHT_REL_SD * w, low=0.0, truncation="redraw"),
                delay=Normal(d, DELAY_REL_SD * d, truncation="redraw"),
                receptor="exc" if j % 2 == 0 else "inh",
            )
    if drive == "poisson":
        for i, name in enumerate(POPULATIONS):
            built.inputs[name] = net.add_poisson_input(pops[name], n=int(k_ext[i]), rate=BG_RATE, weight=psc_ext)
    n_th = 0
    if thalamic:
        n_th = max(1, int(round(N_THALAMUS * scale)))
        full_th = synapse_numbers(np.array(CONN_PROBS_TH)[:, None], full, [N_THALAMUS])[:, 0]
        n_syn_th = np.round(full_th / full * sizes * k_scale).astype(np.int64)
        counts = rng.poisson(th_rate * th_duration * 1e-3, n_th)
        times = np.concatenate([np.sort(rng.uniform(th_start, th_start + th_duration, c)) for c in counts])
        idx = np.repeat(np.arange(n_th), counts)
        times = np.maximum(np.round(times / dt) * dt, dt)  # on the grid, >= dt (a NEST stamp)
        thal = net.add_population(SpikeGenerator(times=times, indices=idx), n_th, name="TC")
        w_th = psc_from_psp(PSP_EXC, p["C_m"], p["tau_m"], p["tau_syn"]) / math.sqrt(k_scale)
        for i, tgt in enumerate(POPULATIONS):
            if n_syn_th[i] == 0:
                continue
            built.projections[("TC", tgt)] = net.connect(
                thal,
                pops[tgt],
                FixedTotalNumber(int(n_syn_th[i])),
                weight=Normal(w_th, WEIGHT_REL_SD * w_th, low=0.0, truncation="redraw"),
                delay=Normal(DELAY_EXC, DELAY_REL_SD * DELAY_EXC, truncation="redraw"),
            )
        built.params["thalamus"] = {"n": n_th, "synapses": n_syn_th.tolist(), "spikes": int(counts.sum())}
        pops["TC"] = thal
    if record:
        for name in POPULATIONS:
            built.spikes[name] = net.record_spikes(pops[name])
    built.params.update(
        scale=scale,
        k_scale=k_scale,
        drive=drive,
        sizes=dict(zip(POPULATIONS, sizes.tolist())),
        synapses=n_syn.tolist(),
        k_ext=k_ext.tolist(),
        psc_exc=float(psc_exc),
        dc=dict(zip(POPULATIONS, dc.tolist())),
    )
    built.build_time = time.perf_counter() - t0
    return built
