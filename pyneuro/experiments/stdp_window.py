"""The STDP window: weight change against the pre-post time difference (Bi & Poo 1998)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import plasticity
from ..network import Network
from ._framework import Experiment, Param, Parameters
from .pairing import DT, pairing_trains, spike_generator

__all__ = ["stdp_window", "PARAMETERS"]

PARAMETERS = Parameters(
    Param("dt_ms", None, "time differences t_post - t_arrival; default -100 to 100 ms in steps of 2 ms (within half "
          "the pairing period); |dt_ms| must be below half the period", "ms", kind="floats", optional=True),
    Param("n_pairings", None, "pairings per synapse; default round(60 scale), at least 1", lo=1, kind="int",
          optional=True),
    Param("frequency", 1.0, "pairing frequency", "Hz", lo=0.0, hi=1000.0, lo_open=True),
)  # fmt: skip

#: pair-rule parameters of the STDP window: Song, Miller & Abbott 2000 (A+ = 0.005, A- = 1.05 A+, tau = 20 ms)
_PAIR = dict(tau_pre=20.0, tau_post=20.0, a_pre=0.005, a_post=-0.00525, w_min=0.0, w_max=1.0)
_TRIPLET_PRESETS = ("visual_cortex_minimal", "visual_cortex_full", "visual_cortex_nearest_full", "hippocampal_full")


def _check(p: dict[str, Any]) -> None:
    period = 1000.0 / p["frequency"]
    if p["dt_ms"] is not None and max(abs(d) for d in p["dt_ms"]) >= period / 2:
        raise ValueError(
            f"dt_ms must lie within +-{period / 2} ms (half the pairing period at {p['frequency']} Hz), "
            f"got max |dt_ms| = {max(abs(d) for d in p['dt_ms'])}"
        )


def _rules() -> dict[str, plasticity.PlasticityRule]:
    rules: dict[str, plasticity.PlasticityRule] = {}
    for inter in ("all_to_all", "nearest"):
        for dep in ("additive", "multiplicative"):
            rules[f"pair_{inter}_{dep}"] = plasticity.STDP(**_PAIR, interaction=inter, weight_dependence=dep)  # type: ignore[arg-type]
    for name in _TRIPLET_PRESETS:
        rules[f"triplet_{name}"] = plasticity.TripletSTDP.preset(name)
    return rules


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    """One isolated synapse per time difference and rule, ``n_pairings`` regular pairings."""
    frequency = p["frequency"]
    period = 1000.0 / frequency
    if p["dt_ms"] is None:
        dts = np.arange(-100.0, 100.0 + 1e-9, 2.0)
        dts = dts[np.abs(dts) < period / 2]
    else:
        dts = np.asarray(p["dt_ms"], dtype=float)
    dts = np.round(dts / DT) * DT
    n_pair = max(1, int(round(60 * scale))) if p["n_pairings"] is None else p["n_pairings"]
    w0, delay = 0.5, 1.0
    t0 = float(np.max(np.abs(dts))) + delay + 10.0
    pre_tr, post_tr, t_end = pairing_trains(dts, period, n_pair, t0, delay)

    net = Network(dt=DT, seed=seed, threads=threads)
    n = len(dts)
    pre = net.add_population(spike_generator(pre_tr), n, name="pre")
    post = net.add_population(spike_generator(post_tr), n, name="post")
    k = np.arange(n)
    projs = {
        name: net.connect(pre, post, conn.FromArrays(k, k), weight=w0, delay=delay, plasticity=r, name=name)
        for name, r in _rules().items()
    }
    net.run(t_end)
    nums: dict[str, Any] = {"dt_ms": dts, "w0": w0, "n_pairings": n_pair, "frequency": frequency}
    for name, proj in projs.items():
        w = np.empty(n)
        w[proj.pre] = proj.weights  # one synapse per pre neuron
        nums[f"dw_{name}"] = w - w0
    return nums


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    dts = nums["dt_ms"]
    i10 = int(np.argmin(np.abs(dts - 10.0)))
    im10 = int(np.argmin(np.abs(dts + 10.0)))
    return (
        f"STDP window, {nums['n_pairings']} pairings at {nums['frequency']:g} Hz: "
        f"dw(+{dts[i10]:g} ms)/dw({dts[im10]:g} ms) = "
        + ", ".join(
            f"{name} {nums[f'dw_{name}'][i10]:+.3g}/{nums[f'dw_{name}'][im10]:+.3g}"
            for name in ("pair_all_to_all_additive", "triplet_visual_cortex_minimal", "triplet_hippocampal_full")
        )
    )


def draw(nums: dict[str, Any], p: dict[str, Any]) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    axes = fig.subplots(1, 2)
    dts = nums["dt_ms"]
    names = [k[3:] for k in nums if k.startswith("dw_")]
    for ax, prefix, title in (
        (axes[0], "pair_", "pair STDP (Song et al. 2000 amplitudes)"),
        (axes[1], "triplet_", "triplet STDP (Pfister & Gerstner 2006 presets)"),
    ):
        mine = [name for name in names if name.startswith(prefix)]
        for name, ls in zip(mine, ("-", "--", ":", "-.")):  # dashes: identical curves stay visible
            ax.plot(dts, nums[f"dw_{name}"], ls=ls, marker=".", ms=3, label=name[len(prefix) :])
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.axvline(0.0, color="0.6", lw=0.8)
        ax.set_xlabel("t_post - t_pre (ms)")
        ax.set_ylabel(f"weight change after {nums['n_pairings']} pairings (w_max)")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7)
    fig.suptitle(f"STDP window: {nums['n_pairings']} pairings at {nums['frequency']:g} Hz, w0 = {nums['w0']}")
    return fig


stdp_window = Experiment(
    "stdp_window",
    PARAMETERS,
    compute,
    summarize,
    draw,
    check=_check,
    doc="""
    Weight change against the pre-post time difference (Bi & Poo 1998, J. Neurosci. 18:10464).

    Protocol: for every time difference ``dt_ms`` (``t_post - t_arrival``) one isolated synapse between a
    presynaptic and a postsynaptic :class:`~pyneuro.models.SpikeGenerator` neuron receives ``n_pairings`` pairings
    at ``frequency`` (Bi & Poo: 60 pairings at 1 Hz), starting from ``w0 = 0.5`` with ``w_max = 1``. The same spike
    trains drive eight rules, each on its own projection:

    - pair STDP (:class:`~pyneuro.plasticity.STDP`) with Song, Miller & Abbott's 2000 parameters
      (``tau = 20 ms``, ``a_pre = 0.005``, ``a_post = -1.05 a_pre``), all-to-all or nearest, additive or
      multiplicative: ``pair_<interaction>_<dependence>``;
    - triplet STDP (:class:`~pyneuro.plasticity.TripletSTDP`) with the four presets of Pfister & Gerstner 2006,
      Table 4: ``triplet_<preset>``.

    The protocol is deterministic (``seed`` only seeds the network); the pair rules follow their closed forms
    and the triplet rules :func:`pyneuro.experiments.pairing.triplet_pairing_dw` exactly.
    """,
    scale="Multiplies the number of pairings (``round(60 scale)``, at least 1) unless ``n_pairings`` is given.",
    returns="""
    numbers: ``dt_ms`` (the time differences realised on the 0.1 ms grid), ``dw_<variant>`` (total weight change
    after all pairings, in units of ``w_max``), ``w0``, ``n_pairings``, ``frequency``.
    """,
    notes="""
    What it does not capture: the pair rules' window is the rule's own exponential (not a fit to Bi & Poo's
    data); with the visual-cortex triplet presets the pair potentiation amplitude is ~0 (``a2_plus`` <= 5e-10), so
    at 1 Hz those rules show depression only (as Sjöström et al. 2001 observed at low frequency); they potentiate
    only when pairings repeat faster than ``tau_y`` (try ``frequency=20``). Weight dependence, dendritic location
    and the biological variability of the data are not modelled.
    """,
)
