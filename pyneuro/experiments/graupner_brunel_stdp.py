"""STDP curves of the calcium-based rule of Graupner & Brunel 2012 for its parameter sets, as a user definition."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import definitions
from ..network import Network
from ._framework import Experiment, Param, Parameters
from .pairing import DT, spike_generator

__all__ = ["graupner_brunel_stdp", "PARAMETERS", "SETS", "PUBLISHED_CLASS", "curve_class"]

#: the parameter sets of Graupner & Brunel 2012, Fig. 2, in the paper's order
SETS: tuple[str, ...] = ("DP", "DPD", "DPDprime", "P", "D", "Dprime")

#: the class each set was chosen to produce (the paper's names): the sequence of depression (D) and potentiation
#: (P) along the Delta-t axis, and whether depression persists at large |Delta t| (the primed sets)
PUBLISHED_CLASS: dict[str, tuple[str, bool]] = {
    "DP": ("DP", False),
    "DPD": ("DPD", False),
    "DPDprime": ("DPD", True),
    "P": ("P", False),
    "D": ("D", False),
    "Dprime": ("D", True),
}

PARAMETERS = Parameters(
    Param("n_pairs", 60, "spike pairs per Delta t", lo=1, hi=1000),
    Param("frequency", 1.0, "pairing frequency", "Hz", lo=0.0, hi=5.0, lo_open=True),
    Param("dt_max", 100.0, "largest |Delta t| = |t_post - t_pre|", "ms", lo=10.0, hi=150.0),
    Param("dt_step", 5.0, "spacing of the Delta t grid", "ms", lo=DT, hi=50.0),
    Param("threshold", 5e-3, "a change of rho counts as LTP or LTD beyond this size", lo=0.0, lo_open=True),
)  # fmt: skip


def curve_class(drho: np.ndarray, threshold: float) -> str:
    """The sequence of LTD (``D``) and LTP (``P``) stretches along a curve, changes within ``threshold`` ignored:
    e.g. ``"DPD"``; ``"0"`` for a flat curve."""
    out = ""
    for x in drho:
        s = "P" if x > threshold else "D" if x < -threshold else ""
        if s and not out.endswith(s):
            out += s
    return out or "0"


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    step = p["dt_step"]
    k_max = int(np.floor(p["dt_max"] / step + 1e-9))
    deltas = step * np.arange(-k_max, k_max + 1)
    n = len(deltas)
    period = 1000.0 / p["frequency"]
    base = np.round((200.0 + period * np.arange(p["n_pairs"])) / DT) * DT
    net = Network(dt=DT, seed=seed, threads=threads)
    projs = {}
    for name in SETS:
        pre = net.add_population(spike_generator([base] * n), n, name=f"pre_{name}")
        post = net.add_population(spike_generator([base + d for d in deltas]), n, name=f"post_{name}")
        k = np.arange(n)
        delay = max(definitions.GRAUPNER_BRUNEL_SETS[name]["D"], DT)  # the presynaptic calcium delay D
        rule = definitions.graupner_brunel_rule(name, interval=DT)
        projs[name] = net.connect(pre, post, conn.FromArrays(k, k), weight=0.5, delay=delay, plasticity=rule, name=name)
    net.run(float(base[-1]) + p["dt_max"] + 200.0)
    nums: dict[str, Any] = {"delta_t": deltas}
    for name, proj in projs.items():
        w = np.empty(n)
        w[proj.pre] = proj.weights
        drho = w - 0.5  # w = rho (w_down = 0, w_up = 1), rho0 = rho_star = 0.5
        cls = curve_class(drho, p["threshold"])
        ends = bool(drho[0] < -p["threshold"] and drho[-1] < -p["threshold"])
        nums[f"drho_{name}"] = drho
        nums[f"class_{name}"] = cls
        nums[f"ltd_at_ends_{name}"] = ends
        nums[f"as_published_{name}"] = (cls, ends) == PUBLISHED_CLASS[name]
    nums["n_as_published"] = int(sum(nums[f"as_published_{s}"] for s in SETS))
    return nums


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    parts = []
    for s in SETS:
        d = nums[f"drho_{s}"]
        parts.append(f"{s.replace('prime', chr(39))}: {nums[f'class_{s}']}"
                     f"{' (LTD at large |dt|)' if nums[f'ltd_at_ends_{s}'] else ''}"
                     f" [{d.min():+.3f}, {d.max():+.3f}]")  # fmt: skip
    return (
        f"Graupner-Brunel rule, {p['n_pairs']} pairs at {p['frequency']:g} Hz, drho over dt in +-{p['dt_max']:g} ms: "
        + "; ".join(parts)
        + f"; {nums['n_as_published']}/{len(SETS)} sets give their published class"
    )


def draw(nums: dict[str, Any], p: dict[str, Any]) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.5, 5.6), layout="constrained")
    axes = fig.subplots(2, 3, sharex=True).ravel()
    for ax, s in zip(axes, SETS):
        d = nums[f"drho_{s}"]
        ax.plot(nums["delta_t"], d, "o-", ms=3, color="C2" if nums[f"as_published_{s}"] else "C3")
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.axvline(0.0, color="0.85", lw=0.8)
        label = s.replace("prime", "'")
        ax.set_title(f"set {label}: class {nums[f'class_{s}']}", fontsize=10)
    for ax in axes[3:]:
        ax.set_xlabel("Delta t = t_post - t_pre (ms)")
    for ax in axes[::3]:
        ax.set_ylabel("change of efficacy rho")
    fig.suptitle(
        f"Graupner & Brunel 2012 rule (user definition): {p['n_pairs']} pairs at {p['frequency']:g} Hz", fontsize=11
    )
    return fig


graupner_brunel_stdp = Experiment(
    "graupner_brunel_stdp",
    PARAMETERS,
    compute,
    summarize,
    draw,
    doc="""
    STDP curves of the calcium-based rule of Graupner & Brunel 2012 (PNAS 109:3991, Fig. 2) for its six parameter
    sets, shipped as a user definition (:func:`pyneuro.definitions.graupner_brunel_rule`, compiled from equations;
    nothing of it is built into pyneuro).

    Protocol (the paper's): ``n_pairs`` pre-post spike pairs at ``frequency``, ``Delta t = t_post - t_pre`` from
    ``-dt_max`` to ``dt_max`` ms; one isolated synapse per ``Delta t`` and set, between spike generators; its delay
    is the set's presynaptic calcium delay ``D`` (at least one step), so the calcium transient ``C_pre`` starts at
    ``t_pre + D`` and ``C_post`` at ``t_post``. The efficacy starts at ``rho0 = rho_star = 0.5`` (the unstable
    point of the drift), the measure is its change ``drho`` after the protocol.

    Published shape (the paper's Fig. 2: each set was chosen for a class of STDP curve): DP, depression for
    post-before-pre and potentiation for pre-before-post; DPD, depression, potentiation, depression along Delta t;
    DPD', the same with depression persisting at large |Delta t|; P, potentiation only; D, depression only, near
    Delta t = 0; D', depression at every Delta t. ``as_published_SET`` says whether the simulated curve has the
    class (the sequence of LTD/LTP stretches, changes smaller than ``threshold`` ignored, and for the primed sets
    LTD at both ends). The protocol is deterministic (``seed`` only seeds the network).
    """,
    scale="Not used (six sets of a few dozen isolated synapses; about 60 s of simulated time); recorded.",
    returns="""
    numbers: ``delta_t`` (ms); for each set S of ``SETS``: ``drho_S`` (change of rho), ``class_S``
    (:func:`curve_class`), ``ltd_at_ends_S`` (LTD at both ends of the grid), ``as_published_S``; and
    ``n_as_published``.
    """,
    notes="""
    The rule is deterministic here (the paper's noise term is left out), so the measure is the drift of rho itself,
    not the paper's change of synaptic strength from the transition probabilities between the two stable states:
    the classes (signs and where they change) are comparable, the magnitudes are not.
    """,
)
