"""Cortical remapping after amputation: the neighbouring digits' territories take over the deprived zone."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from . import somatosensory_map as sm
from ._framework import Experiment, Param, Parameters, new_figure

__all__ = ["remapping", "PARAMETERS"]

PARAMETERS = sm.PARAMETERS + Parameters(
    Param("digit", 3, "the amputated digit (1-based)", lo=1, hi=20),
    Param("n_after", 600, "trials after the amputation", lo=1),
    Param("n_blocks", 6, "probes after the amputation (equal blocks of trials)", lo=1, hi=1000),
)

#: the arms after the amputation: (STDP, intrinsic plasticity)
_ARMS = {"plastic": (True, True), "control": (False, False), "stdp_only": (True, False), "ip_only": (False, True)}


def _check(p: dict[str, Any]) -> None:
    if p["digit"] > p["n_digits"]:
        raise ValueError(f"digit must be <= n_digits={p['n_digits']}, got {p['digit']}")


def _zone_numbers(
    model: sm.SomatosensoryMap, amp: int, zone: np.ndarray, runs: dict[str, Any], dev: dict[str, Any]
) -> dict[str, Any]:
    """Who owns the deprived zone, how strongly it responds and how strongly the neighbours' inputs drive it."""
    d, thr = model.d, model.p["resp_threshold"]
    neigh = [k for k in (amp - 1, amp + 1) if 0 <= k < d]
    from_neigh = np.isin(np.arange(model.n_in) // model.m, neigh)

    def owners(arm: str) -> np.ndarray:
        """How the deprived zone's neurons are assigned: [none, D1, ..., Dn]."""
        pref = sm.territories(runs[arm][2][-1], thr)[0]
        return np.bincount(pref[zone] + 1, minlength=d + 1).astype(np.int64)

    def zone_rate(resp: np.ndarray) -> float:
        return float(resp[zone].max(axis=1).mean()) if zone.any() else float("nan")

    def zone_weight(w: np.ndarray) -> float:
        """Mean summed weight (nS) of the synapses from the neighbouring digits' inputs onto a zone neuron."""
        return float(w[from_neigh][:, zone].sum(axis=0).mean()) if zone.any() else float("nan")

    return {
        "zone_size": int(zone.sum()),
        "zone_owners_after": owners("plastic"),
        "zone_owners_control": owners("control"),
        "zone_owners_stdp_only": owners("stdp_only"),
        "zone_owners_ip_only": owners("ip_only"),
        "zone_rate_before": zone_rate(dev["resp"]),
        "zone_rate_after": zone_rate(runs["plastic"][2][-1]),
        "zone_rate_control": zone_rate(runs["control"][2][-1]),
        "zone_neighbour_weight_before": zone_weight(dev["w"]),
        "zone_neighbour_weight_after": zone_weight(runs["plastic"][0]),
        "zone_neighbour_weight_ip_only": zone_weight(runs["ip_only"][0]),
    }


def compute(p: dict[str, Any], *, scale: float, seed: int, threads: int) -> dict[str, Any]:
    amp = p["digit"] - 1
    dev = sm.develop_map(p, scale, seed, threads, control=True)
    model: sm.SomatosensoryMap = dev["model"]
    d, thr = model.d, p["resp_threshold"]
    rest = np.array([k for k in range(d) if k != amp])
    digits = rest[np.random.default_rng([seed, 4]).integers(0, rest.size, p["n_after"])]
    runs = {
        name: model.train(dev["w"], dev["theta"], digits, (amp,), stdp, ip, p["n_blocks"], key=5)
        for name, (stdp, ip) in _ARMS.items()
    }
    resp_just = model.probe(dev["w"], dev["theta"], silent=(amp,))
    nums: dict[str, Any] = {
        "x_exc": model.x_e,
        "digit": p["digit"],
        "neighbours": np.array([k for k in (amp - 1, amp + 1) if 0 <= k < d]) + 1,
        **sm.measures(dev["resp0"], thr, d, "initial"),
        **sm.measures(dev["resp"], thr, d, "before"),
        **sm.measures(dev["resp_control"], thr, d, "dev_control"),
    }
    pref_j, terr_j = sm.territories(resp_just, thr)
    res = {name: sm.territories(r[2][-1], thr) for name, r in runs.items()}
    terr_b = nums["territory_before"]
    zone = nums["pref_before"] - 1 == amp
    neigh = nums["neighbours"] - 1
    nums.update(
        {
            "territory_just_after": terr_j,
            "pref_just_after": pref_j + 1,
            "territory_after": res["plastic"][1],
            "territory_control": res["control"][1],
            "territory_stdp_only": res["stdp_only"][1],
            "territory_ip_only": res["ip_only"][1],
            "t_after_s": np.linspace(0, p["n_after"], p["n_blocks"] + 1).round()[1:] * model.period / 1000.0,
            "territory_time": np.array([sm.territories(x, thr)[1] for x in runs["plastic"][2]]),
            "territory_time_control": np.array([sm.territories(x, thr)[1] for x in runs["control"][2]]),
            "pref_after": res["plastic"][0] + 1,
            "pref_control": res["control"][0] + 1,
            "resp_initial": dev["resp0"],
            "resp_before": dev["resp"],
            "resp_after": runs["plastic"][2][-1],
            "resp_control": runs["control"][2][-1],
            "resp_dev_control": dev["resp_control"],
            **_zone_numbers(model, amp, zone, runs, dev),
        }
    )
    for arm, key in (("plastic", ""), ("control", "_control"), ("stdp_only", "_stdp_only"), ("ip_only", "_ip_only")):
        t = res[arm][1]
        nums[f"deprived_fraction{key}"] = float(t[amp] / max(terr_b[amp], 1))
        nums[f"neighbour_gain{key}"] = (t[neigh] - terr_b[neigh]).astype(np.int64)
        nums[f"zone_taken{key}"] = float(np.isin(res[arm][0][zone], neigh).mean()) if zone.any() else float("nan")
    return nums


def summarize(nums: dict[str, Any], p: dict[str, Any]) -> str:
    amp = nums["digit"] - 1
    ng, ngc = nums["neighbour_gain"], nums["neighbour_gain_control"]
    seg0, seg_b, seg_c = (nums[f"segments_{t}"] for t in ("initial", "before", "dev_control"))
    neigh = "/D".join(str(k) for k in nums["neighbours"])
    return (
        f"development: selectivity {nums['selectivity_initial']:.2f} -> {nums['selectivity_before']:.2f}, "
        f"order rho {nums['order_initial']:.2f} -> {nums['order_before']:.2f}, segments per digit "
        f"{seg0.mean():.1f} -> {seg_b.mean():.1f} (without STDP {nums['selectivity_dev_control']:.2f}, "
        f"{seg_c.mean():.1f}); D{amp + 1} amputated: territories {nums['territory_before'].tolist()} -> "
        f"{nums['territory_after'].tolist()} with plasticity (neighbours D{neigh}"
        f" gain {'/'.join(map(str, ng))} neurons, {100 * nums['zone_taken']:.0f}% of the deprived zone taken over); "
        f"without plasticity {nums['territory_control'].tolist()} (gain {'/'.join(map(str, ngc))}, "
        f"{nums['zone_owners_control'][0]}/{nums['zone_size']} of the zone unresponsive)"
    )


def draw(nums: dict[str, Any], p: dict[str, Any]) -> Any:
    d, amp, x_e = p["n_digits"], nums["digit"] - 1, nums["x_exc"]
    fig, ax = new_figure(4, width=4.3, height=3.8)
    keys = ("initial", "dev_control", "before", "just_after", "control", "after")
    labels = ["initial", "developed\nwithout STDP", "developed", "just after\namputation", "no plasticity",
              "after,\nplastic"]  # fmt: skip
    sm.draw_strips(ax[0], [nums[f"pref_{k}"] - 1 for k in keys], labels, d, x_e)
    ax[0].set_title(f"Preferred digit (D{amp + 1} amputated)")
    vmax = float(max(nums["resp_before"].max(), nums["resp_after"].max(), 1.0))
    sm.draw_responses(ax[1], nums["resp_before"], x_e, "Responses before amputation", vmax)
    im = sm.draw_responses(ax[2], nums["resp_after"], x_e, "Responses after (plastic)", vmax)
    fig.colorbar(im, ax=ax[2], label="rate (Hz)")
    tt = np.concatenate([[0.0], nums["t_after_s"]])
    terr_j = nums["territory_just_after"]
    for k in range(d):
        ax[3].plot(tt, np.concatenate([[terr_j[k]], nums["territory_time"][:, k]]), "-o", ms=3, color=f"C{k}",
                   label=f"D{k + 1}")  # fmt: skip
        ax[3].plot(tt, np.concatenate([[terr_j[k]], nums["territory_time_control"][:, k]]), "--", color=f"C{k}", lw=1)
    ax[3].set(xlabel="time after amputation (s)", ylabel="territory (neurons)",
              title="Territories (dashed: no plasticity)")  # fmt: skip
    ax[3].legend(fontsize=7)
    return fig


remapping = Experiment(
    "remapping",
    PARAMETERS,
    compute,
    summarize,
    draw,
    check=_check,
    doc="\n\n".join(
        [
            inspect.cleandoc(
                """
    Cortical remapping after amputation: the neighbouring digits' territories take over the deprived zone
    (Merzenich, Nelson, Stryker, Cynader, Schoppmann & Zook 1984, J. Comp. Neurol. 224:591; model after Song &
    Abbott 2001, Neuron 32:339, with Kohonen-like lateral competition).
    """
            ),
            sm.MODEL_DOC,
            inspect.cleandoc(
                """
    Protocol: after development, the inputs of digit ``digit`` are silenced for good (amputation: they never
    fire again), and ``n_after`` trials stimulate the remaining digits (uniformly) with both rules on; the map is
    probed after each of ``n_blocks`` blocks. Deprived neurons fall silent; intrinsic plasticity lowers their
    thresholds until the latent synapses from the neighbouring digits drive them (unmasking), and STDP then
    strengthens those synapses. Controls, on the same trials: no plasticity at all (the zone stays silent), STDP
    only (homeostasis off) and intrinsic plasticity only (STDP off).
    """
            ),
        ]
    ),
    scale="Multiplies m, n_exc and n_inh; weights are divided by the same factors, so each neuron's summed input "
    "does not change.",
    returns="""
        numbers (digits are 1-based in ``digit``, ``neighbours`` and ``pref_*``, 0 = unresponsive; territories
        are arrays over digits D1..Dn): ``territory_initial`` (before development), ``territory_before``
        (developed), ``territory_just_after`` (just after amputation), ``territory_after`` (after n_after
        trials with plasticity), ``territory_control`` (no plasticity), ``territory_stdp_only``,
        ``territory_ip_only``; ``t_after_s``, ``territory_time``, ``territory_time_control`` (per block);
        ``deprived_fraction`` (the amputated digit's territory after / before; ``_control``, ``_stdp_only``,
        ``_ip_only`` for the controls, as for the next two), ``neighbour_gain`` (territory change of each
        neighbour, neurons), ``zone_taken`` (fraction of the deprived zone, the neurons that preferred the
        amputated digit before, now preferring a neighbour); ``zone_size``, ``zone_owners_after`` (and
        ``_control``, ``_stdp_only``, ``_ip_only``: counts over [none, D1, ..., Dn]), ``zone_rate_before``,
        ``zone_rate_after``, ``zone_rate_control`` (mean best response of the zone, Hz),
        ``zone_neighbour_weight_before``, ``zone_neighbour_weight_after``, ``zone_neighbour_weight_ip_only``
        (mean summed weight from the neighbours' inputs onto a zone neuron, nS); development, for the initial
        map (``_initial``), the developed one (``_before``) and the one developed without STDP
        (``_dev_control``): ``order_*`` (Spearman), ``monotonic_*`` (fraction of successive responsive neurons
        whose preferred digit does not decrease), ``selectivity_*`` (mean (best - second) / (best + second)
        response), ``segments_*`` (contiguous segments per digit's territory, array over digits);
        ``territory_dev_control``, ``pref_dev_control``, ``resp_dev_control``; ``x_exc`` (positions, digit
        widths), ``pref_initial``, ``pref_before``, ``pref_after``, ``pref_control``, ``resp_initial``,
        ``resp_before``, ``resp_after``, ``resp_control`` (responses, Hz, neurons x digits); ``pref_just_after``.
    """,
    notes="""
    Development (default parameters, seed 0): selectivity 0.06 -> 0.91, Spearman order 0.70 -> 0.98, neighbours
    in order 0.74 -> 1.0, segments per digit 11 -> 1 (every territory contiguous); without STDP 0.18 and 7
    segments per digit. The global order needs the weak gradient: with ``bias`` = 0 the touch correlations and
    the lateral interactions still make contiguous, locally ordered territories, and at seed 0 even the right
    global order, but in general the map may come out reversed, shifted or folded; the gradient fixes its
    orientation and registration (as do molecular gradients in vivo). With the mature lateral wiring during
    development the map stays fragmented and folded (Spearman about 0.7), and without synaptic scaling STDP
    saturates the afferents and the territories stay broad (selectivity about 0.5).

    Across seeds (seeds 100-111, ``n_probe`` = 10, ``n_blocks`` = 2, as in the tests; mean +- s.d. [range]):
    development gives selectivity 0.89 +- 0.05 [0.76, 0.96] (without STDP 0.20 +- 0.03), Spearman order 0.976 +-
    0.004 [0.966, 0.979], every territory one segment at 10 of 12 seeds (one split in two at the other two), the
    smallest territory 15 +- 2 [12, 18] of 100 neurons. After the amputation the neighbours take over 0.97 +-
    0.11 [0.63, 1.0] of the deprived zone (all of it at 11 of 12 seeds; at one, 9 zone neurons went to the far
    digits, whose arbors also reach the zone), each neighbour gains 4-25 neurons (without plasticity -2 to 3), the
    zone responds at 0.81 +- 0.10 of its former rate, the far digits' territories change by 1.9 +- 2.8 [0, 8]
    neurons and the order stays 0.95 +- 0.03 [0.86, 0.96]; without plasticity 0.93 +- 0.05 of the zone stays
    unresponsive.

    Not captured: the molecular guidance itself (reduced to ``bias``), axon growth and retraction during
    development (the arbor is fixed; unused synapses are only depressed), the two-dimensional map and the
    glabrous/dorsal skin surfaces of area 3b, receptive field sizes, the weeks-to-months time course and the
    distance limit of remapping (about 1 mm in Merzenich et al.; here the arbors reach 2.5 digit widths, so
    the whole deprived zone is within reach of the neighbours' latent synapses, and of farther digits'),
    subcortical (thalamic, brainstem) reorganisation and axonal sprouting (see :func:`compensation`). In this
    model intrinsic plasticity alone already unmasks the latent neighbouring inputs (see ``territory_ip_only``);
    STDP alone cannot remap, since the deprived neurons are silent, but strengthens the unmasked synapses
    (``zone_neighbour_weight_after``).
    """,
)
