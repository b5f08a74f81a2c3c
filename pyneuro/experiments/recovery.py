"""Neural compensation after injury (issue 6, item 6): a topographic map that does a measurable job is partly
deafferented; its performance drops and recovers through sprouting, homeostasis and STDP remapping, and switching
each mechanism off in turn shows which of them the recovery needs.

- :func:`compensation`: see its docstring for the model, the measure and the result.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import models, plasticity, structural
from ..monitors import SpikeMonitor
from ..network import Network
from ..workloads import COBA_NEURON
from ._common import common_args, finish, merge_params, new_figure
from ._result import Result

__all__ = ["compensation"]

_COMPENSATION = {
    "n_positions": (5, 3, 100),
    "n_inputs": (20, 2, None),
    "n_cortex": (20, 1, None),
    "n_inh": (25, 1, None),
    "k_in": (16, 1, None),
    "field": (0.7, 0.0, None),
    "w_in": (2.0, 1e-6, None),
    "rate_on": (20.0, 0.0, 1000.0),
    "rate_off": (2.0, 0.0, 1000.0),
    "rate_bg": (400.0, 0.0, 10_000.0),
    "w_bg": (0.5, 0.0, None),
    "k_ei": (20, 1, None),
    "w_ei": (1.0, 0.0, None),
    "k_ie": (10, 1, None),
    "w_ie": (5.0, 0.0, None),
    "lesion_first": (1, 0, None),
    "lesion_count": (2, 1, None),
    "lesion_fraction": (0.9, 0.0, 1.0),
    "w_max": (2.0, 1.0, None),
    "a_stdp": (0.01, 0.0, None),
    "tau_stdp": (20.0, 1e-3, None),
    "tau_scaling": (5000.0, 1.0, None),
    "tau_rate": (2000.0, 1.0, None),
    "ip_eta": (0.05, 1e-9, None),
    "theta_min": (-5.0, -9.0, 0.0),
    "sprout_rate": (0.2, 1e-9, None),
    "sprout_reach": (0.3, 0.0, None),
    "sprout_weight": (0.25, 0.0, None),
    "trial": (100.0, 10.0, None),
    "count_delay": (10.0, 0.0, None),
    "trials": (20, 2, None),
    "blocks": (10, 1, None),
    "measure_blocks": (3, 1, None),
}

# (sprouting, homeostasis, remapping) per condition, in the order reported
_CONDITIONS: dict[str, tuple[bool, bool, bool]] = {
    "all": (True, True, True),
    "no_sprouting": (False, True, True),
    "no_homeostasis": (True, False, True),
    "no_remapping": (True, True, False),
    "none": (False, False, False),
    "sprouting_only": (True, False, False),
    "homeostasis_only": (False, True, False),
    "remapping_only": (False, False, True),
}


def _wiring(p: dict[str, float], n_per: int, m_per: int, seed: int) -> tuple[np.ndarray, ...]:
    """Positions (in zone widths) of the inputs and the cortical neurons, and for each cortical neuron up to
    ``k_in`` distinct inputs drawn at random among those within ``field`` of it."""
    k = int(p["n_positions"])
    x_in = (np.arange(k * n_per) + 0.5) / n_per
    x_e = (np.arange(k * m_per) + 0.5) / m_per
    rng = np.random.default_rng([seed, 1])
    pre, post = [], []
    for j in range(x_e.size):
        cand = np.flatnonzero(np.abs(x_in - x_e[j]) <= p["field"])
        if cand.size == 0:
            cand = np.array([int(np.argmin(np.abs(x_in - x_e[j])))])
        pick = np.sort(rng.choice(cand, size=min(int(p["k_in"]), cand.size), replace=False))
        pre.append(pick)
        post.append(np.full(pick.size, j))
    return x_in, x_e, np.concatenate(pre), np.concatenate(post)


def _build(p: dict[str, float], n_per: int, m_per: int, n_inh: int, seed: int, threads: int, target: float) -> Network:
    """The intact network; its plastic rules (STDP and scaling on the input synapses) are switched off."""
    x_in, x_e, pre, post = _wiring(p, n_per, m_per, seed)
    net = Network(dt=0.1, seed=seed, threads=threads)
    src = net.add_population(models.PoissonSource(rate=p["rate_off"]), x_in.size, name="inputs")
    exc = net.add_population(models.LIFCond(**COBA_NEURON), x_e.size, name="cortex")
    inh = net.add_population(models.LIFCond(**COBA_NEURON), n_inh, name="inh")
    bg = net.add_population(models.PoissonSource(rate=p["rate_bg"]), x_e.size, name="background")
    src.positions = x_in
    exc.positions = x_e
    w_max = p["w_max"] * p["w_in"]
    a = p["a_stdp"] * w_max
    rules = [
        plasticity.STDP(
            tau_pre=p["tau_stdp"], tau_post=p["tau_stdp"], a_pre=a, a_post=-1.05 * a, w_max=w_max, schedule=0.0
        ),
        plasticity.SynapticScaling(
            target_rate=target,
            tau_scaling=p["tau_scaling"],
            tau_rate=p["tau_rate"],
            interval=10.0,
            w_max=w_max,
            schedule=0.0,
        ),
    ]
    net.connect(src, exc, conn.FromArrays(pre, post), weight=p["w_in"], delay=1.0, plasticity=rules, name="input")
    net.connect(bg, exc, conn.OneToOne(), weight=p["w_bg"], delay=1.0, name="background")
    k_ei = max(1, min(int(p["k_ei"]), exc.size))
    k_ie = max(1, min(int(p["k_ie"]), n_inh))
    net.connect(exc, inh, conn.FixedInDegree(k_ei), weight=p["w_ei"], delay=1.0, name="e->i")
    net.connect(inh, exc, conn.FixedInDegree(k_ie), weight=p["w_ie"], delay=1.0, receptor="inh", name="i->e")
    return net


def _named(items: list[Any], name: str) -> Any:
    return next(x for x in items if x.name == name)


def _block(net: Network, p: dict[str, float], n_per: int, rng_key: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """``trials`` stimulus trials per position in random order (each position's inputs at ``rate_on``, the others
    at ``rate_off``, for ``trial`` ms); returns the positions and the cortical spike counts (trial x neuron) in
    each trial after ``count_delay`` ms."""
    k = int(p["n_positions"])
    src = _named(net.populations, "inputs")
    exc = _named(net.populations, "cortex")
    mons = [m for m in net.monitors if isinstance(m, SpikeMonitor) and m.population.name == "cortex"]
    mon = mons[0] if mons else net.record_spikes(exc)
    order = np.random.default_rng(rng_key).permutation(np.repeat(np.arange(k), int(p["trials"])))
    t0 = np.empty(order.size)
    for m, pos in enumerate(order):
        rates = np.full(src.size, p["rate_off"])
        rates[pos * n_per : (pos + 1) * n_per] = p["rate_on"]
        src.set("rate", rates)
        t0[m] = net.time
        net.run(p["trial"])
    t, i = mon.times, mon.indices
    later = t >= t0[0]
    t, i = t[later], i[later]
    trial = np.searchsorted(t0, t, side="right") - 1
    keep = (trial >= 0) & (t >= t0[np.clip(trial, 0, None)] + p["count_delay"])
    counts = np.zeros((order.size, exc.size))
    np.add.at(counts, (trial[keep], i[keep]), 1.0)
    return order, counts


def _centroids(order: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray:
    return np.array([counts[order == c].mean(axis=0) for c in range(k)])


def _decode(counts: np.ndarray, cents: np.ndarray) -> np.ndarray:
    """Nearest-centroid (Euclidean) decoding of each trial's count vector."""
    d = ((counts[:, None, :] - cents[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d, axis=1)


def _loo_accuracy(order: np.ndarray, counts: np.ndarray, k: int) -> float:
    """Leave-one-out accuracy of a nearest-centroid decoder refitted on the block itself (information left in
    the cortical response, whatever its layout)."""
    ok = 0
    for m in range(order.size):
        mask = np.ones(order.size, bool)
        mask[m] = False
        ok += int(_decode(counts[m : m + 1], _centroids(order[mask], counts[mask], k))[0] == order[m])
    return ok / order.size


def compensation(
    *, scale: float = 1.0, seed: int = 0, out: Any = None, threads: int = 1, draw: bool = True, **params: Any
) -> Result:
    """Recovery of a topographic map's performance after partial deafferentation through sprouting, homeostasis
    and STDP remapping, with each mechanism switched off in turn (Merzenich et al. 1984; Darian-Smith & Gilbert
    1994; Turrigiano 2008; Murphy & Corbett 2009; Butz, Steenbuck & van Ooyen 2014).

    Papers: Merzenich, Nelson, Stryker et al. 1984, J. Comp. Neurol. 224:591 (somatosensory map reorganisation
    after digit amputation); Darian-Smith & Gilbert 1994, Nature 368:737 (axonal sprouting of surviving inputs
    into the deafferented cortical zone after retinal lesions); Turrigiano 2008, Cell 135:422 (homeostatic
    synaptic scaling and intrinsic plasticity); Murphy & Corbett 2009, Nat. Rev. Neurosci. 10:861 (plasticity
    during recovery after stroke); Butz, Steenbuck & van Ooyen 2014, Front. Neuroanat. 8:7 (homeostatic
    structural plasticity restores activity after lesions).

    Model: ``n_positions`` stimulus positions (like digits) on a line, each with ``n_inputs`` thalamic Poisson
    inputs; a 1-D cortical sheet of ``n_positions x n_cortex`` excitatory conductance-based LIF neurons (LIFCond,
    COBA parameters) in register with them, and ``n_inh`` inhibitory ones (``k_ei`` E->I synapses of ``w_ei``
    nS per I neuron, ``k_ie`` I->E of ``w_ie`` nS per E neuron: shared inhibition). Positions are in zone widths
    (one position's inputs and cortical zone span one unit). Each cortical neuron receives ``k_in`` thalamic
    synapses (``w_in`` nS, 1 ms) from distinct inputs within ``field`` of its position (so neighbouring zones
    overlap), and an unspecific background of one Poisson train at ``rate_bg`` Hz (``w_bg`` nS; corticocortical
    and other inputs). A trial (``trial`` ms) stimulates one position: its inputs fire at ``rate_on`` Hz, all
    others at ``rate_off`` Hz. A block is ``trials`` trials per position in random order.

    Performance: the accuracy with which the stimulated position is read out from single-trial spike counts of
    the cortical E neurons (from ``count_delay`` ms after trial onset) by a nearest-centroid decoder fitted on
    the intact map's probe block and then kept fixed: the downstream readout was learned on the intact map, so
    performance recovers only when the cortex again gives responses that readout recognises (the behavioural
    sense of recovery of a task learned before the injury). As a second measure, ``info_*`` is the leave-one-out
    accuracy of a decoder refitted on each block (what information the cortical response still carries, in
    whatever layout).

    Injury: the inputs of ``lesion_count`` positions from ``lesion_first`` on lose a fraction
    ``lesion_fraction`` of their neurons (chosen at random; ``net.lesion``: they fall silent and their synapses
    are removed): partial deafferentation of those cortical zones, a few inputs survive.

    Mechanisms, all acting only after the lesion (the intact map is the same for every condition):

    - sprouting: :class:`pyneuro.structural.Sprouting` on the thalamic projection: surviving inputs within
      ``sprout_reach`` (zone widths) grow new synapses (multapses allowed, i.e. extra boutons) onto deafferented
      cortical neurons at ``sprout_rate`` per missing synapse per second until their in-degree is restored; new
      synapses are nascent, of weight ``sprout_weight x w_in``.
    - homeostasis: :class:`pyneuro.plasticity.SynapticScaling` of the thalamic synapses (time constant
      ``tau_scaling`` ms, rate sensor ``tau_rate`` ms) and :class:`pyneuro.plasticity.IntrinsicPlasticity` of
      the cortical E neurons (adaptive threshold, ``ip_eta`` mV per spike, lowest offset ``theta_min`` mV), both
      with the set point at the pre-lesion mean rate of the E neurons (measured on the intact probe block).
    - remapping: additive pair :class:`pyneuro.plasticity.STDP` on the thalamic synapses (amplitudes
      ``a_stdp x w_max x w_in`` nS for potentiation and 1.05 times that for depression, ``tau_stdp`` ms), which
      re-tunes cortical neurons to the inputs that still drive them.

    Thalamic weights stay in [0, ``w_max x w_in``] under both synaptic rules. Conditions: all three on; each
    switched off in turn; all off; each alone. The network is built and probed once intact, saved with
    ``net.save`` and loaded for each condition (same pre-lesion state), then lesioned and run for ``blocks``
    recovery blocks (plasticity on, stimuli as in the probes); "recovered" is the mean over the last
    ``measure_blocks`` blocks. "Just after" is one block right after the lesion with no plasticity. The share of
    the loss restored is (recovered - just after) / (before - just after). A mechanism counts as *necessary* when
    switching it off alone leaves less than half of the loss restored, and as *sufficient* when it alone restores
    at least half.

    Result (default parameters, seeds 0-3): accuracy falls from 1.0 to 0.70-0.81 (on the lesioned positions'
    trials from 1.0 to 0.24-0.52; the deafferented zones' rate from ~21 Hz to ~1 Hz) and all three mechanisms
    together restore 86-91% of the loss; with all off nothing recovers (-5% to +6%). Recovery is degenerate: no
    single mechanism is necessary (each ablation still restores 74-90%, a little less than all three), and
    sprouting alone (49-79%: it rebuilds most of the in-degree, to ~80%, as neurons with no surviving input
    within reach cannot sprout, with weak synapses, so the layout of the map returns while the zones' rates stay
    at ~6 Hz) or homeostasis alone (73-79%: scaling and the lowered threshold
    amplify the few surviving inputs and bring the rates back to ~14 Hz) each restore most of it. STDP alone
    restores nothing (-33% to +1%): it drives the surviving synapses to their bound (1.9 x w_in), but with a
    quarter of the synapses left that lifts the zones only to ~4 Hz, and it potentiates the intact zones too,
    so the lesioned positions' trials are still misread by the readout of the intact map. Most of the
    information survives the lesion (a decoder refitted just after it still reaches 0.92-0.93): what the lesion
    destroys, and the mechanisms restore, is a map the learned readout can use.

    Parameters
    ----------
    scale : float
        Multiplies n_inputs, n_cortex and n_inh (k_in, k_ei, k_ie kept, capped at what exists).
    seed, threads, out, draw
        Network seed (also of the wiring, trial orders and lesion), thread count, output folder (writes
        ``compensation.png/.json``), whether to draw.
    **params
        Any of: n_positions (5), n_inputs (20 per position), n_cortex (20 per position), n_inh (25), k_in (16),
        field (0.7 zone widths), w_in (2 nS), rate_on (20 Hz), rate_off (2 Hz), rate_bg (400 Hz), w_bg (0.5 nS),
        k_ei (20), w_ei (1 nS), k_ie (10), w_ie (5 nS), lesion_first (1), lesion_count (2), lesion_fraction
        (0.9), w_max (2, in units of w_in), a_stdp (0.01, in units of the largest weight), tau_stdp (20 ms),
        tau_scaling (5000 ms), tau_rate (2000 ms), ip_eta (0.05 mV), theta_min (-5 mV), sprout_rate (0.2 /s),
        sprout_reach (0.3 zone widths), sprout_weight (0.25, in units of w_in), trial (100 ms), count_delay
        (10 ms), trials (20 per position per block), blocks (10 recovery blocks), measure_blocks (3).

    Returns
    -------
    Result
        numbers: ``conditions`` (names, in the order of every per-condition array), ``mechanisms`` (condition x
        [sprouting, homeostasis, remapping], 0/1), ``perf_before``, ``perf_after`` (fixed-decoder accuracy, intact
        and just after the lesion), ``perf_recovered`` (per condition), ``restored_fraction`` (per condition),
        ``perf_blocks`` (condition x block), ``t_blocks_s`` (block ends, s after the lesion), ``deaff_perf_before``,
        ``deaff_perf_after``, ``deaff_perf_recovered`` (the same accuracy on the lesioned positions' trials only),
        ``info_before``, ``info_after``, ``info_recovered`` (refitted leave-one-out accuracy), ``rate_before``
        (the homeostatic set point, Hz), ``rate_zone_before``, ``rate_zone_after``, ``rate_zone_recovered`` (mean
        rate of the deafferented zones' E neurons during their own positions' trials, Hz),
        ``indeg_zone_before``, ``indeg_zone_after``, ``indeg_zone_recovered`` (mean thalamic in-degree there),
        ``w_zone_recovered`` (their mean thalamic weight, nS), ``n_lesioned_inputs``, ``synapses_removed``,
        ``necessary`` and ``sufficient`` ([sprouting, homeostasis, remapping], 0/1, by the criteria above),
        ``x_cortex`` (zone widths), ``tuning_before``, ``tuning_after``, ``tuning_recovered`` (mean rate of each
        cortical neuron per stimulated position, Hz; recovered: all mechanisms), ``lesioned_positions``.

    Notes
    -----
    Not captured: the time scales (homeostasis takes days and sprouting weeks in vivo; here every mechanism acts
    within seconds of simulated time, so their order in time is not modelled), lateral cortical connections
    and the unmasking of silent inputs, the growth of axons in space (Sprouting picks partners within a reach),
    activity dependence of sprouting, inflammation and cell death in cortex itself, and rehabilitative training
    as a separate factor (the stimulation is the same in every phase). The ranking of the mechanisms depends on
    the bounds they are given (w_max, theta_min, sprout_weight, lesion_fraction); the summary states the
    ranking for the parameters run.
    """
    scale, seed, threads, draw = common_args(scale, seed, threads, draw)
    p = merge_params("compensation", _COMPENSATION, params)
    k = int(p["n_positions"])
    first, count = int(p["lesion_first"]), int(p["lesion_count"])
    if first + count > k:
        raise ValueError(f"lesion_first + lesion_count must be <= n_positions={k}, got {first} + {count}")
    if p["count_delay"] >= p["trial"]:
        raise ValueError(f"count_delay must be < trial={p['trial']} ms, got {p['count_delay']}")
    if p["measure_blocks"] > p["blocks"]:
        raise ValueError(f"measure_blocks must be <= blocks={int(p['blocks'])}, got {int(p['measure_blocks'])}")
    n_per = max(2, round(p["n_inputs"] * scale))
    m_per = max(1, round(p["n_cortex"] * scale))
    n_inh = max(1, round(p["n_inh"] * scale))
    n_dead = int(round(p["lesion_fraction"] * n_per))
    if n_dead < 1:
        raise ValueError(f"lesion_fraction={p['lesion_fraction']} kills no input of {n_per} per position")

    lesioned_pos = np.arange(first, first + count)
    rng = np.random.default_rng([seed, 3])
    dead = np.sort(
        np.concatenate([rng.choice(np.arange(q * n_per, (q + 1) * n_per), n_dead, replace=False) for q in lesioned_pos])
    )
    m_e = k * m_per
    x_e = (np.arange(m_e) + 0.5) / m_per
    zone = (x_e >= first) & (x_e < first + count)
    t_eff = (p["trial"] - p["count_delay"]) / 1000.0

    # intact map: probe once to find the homeostatic set point, then build with it (the rules are off, so the
    # probe repeats exactly) and keep the probe's centroids as the readout
    probe_key = [seed, 2]
    net0 = _build(p, n_per, m_per, n_inh, seed, threads, target=1.0)
    _, counts0 = _block(net0, p, n_per, probe_key)
    rate_set = float(counts0.mean() / t_eff)
    net = _build(p, n_per, m_per, n_inh, seed, threads, target=max(rate_set, 0.1))
    order_b, counts_b = _block(net, p, n_per, probe_key)
    cents = _centroids(order_b, counts_b, k)
    indeg_b = np.bincount(_named(net.projections, "input").post, minlength=m_e)

    def perf(order: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
        ok = _decode(counts, cents) == order
        sel = np.isin(order, lesioned_pos)
        return float(ok.mean()), float(ok[sel].mean())

    def zone_rate(order: np.ndarray, counts: np.ndarray) -> float:
        sel = np.isin(order, lesioned_pos)
        return float(counts[sel][:, zone].mean() / t_eff)

    with tempfile.TemporaryDirectory(prefix="pyneuro-compensation-") as tmp:
        path = Path(tmp) / "intact.h5"
        net.save(path)

        # just after: the lesion, no plasticity
        net_a = Network.load(path, threads=threads)
        les = net_a.lesion(neurons=(_named(net_a.populations, "inputs"), dead))
        after_blocks = [_block(net_a, p, n_per, [seed, 5, b]) for b in range(int(p["measure_blocks"]))]
        order_a = np.concatenate([o for o, _ in after_blocks])
        counts_a = np.concatenate([c for _, c in after_blocks])
        indeg_a = np.bincount(_named(net_a.projections, "input").post, minlength=m_e)
        removed = int(les.n_synapses_removed or 0)

        n_blocks = int(p["blocks"])
        n_meas = int(p["measure_blocks"])
        names = list(_CONDITIONS)
        perf_blocks = np.zeros((len(names), n_blocks))
        deaff_blocks = np.zeros((len(names), n_blocks))
        info_blocks = np.zeros((len(names), n_blocks))
        rate_blocks = np.zeros((len(names), n_blocks))
        indeg_rec = np.zeros(len(names))
        w_rec = np.zeros(len(names))
        tuning_rec = np.zeros((k, m_e))
        for c, name in enumerate(names):
            spr, hom, rem = _CONDITIONS[name]
            n = Network.load(path, threads=threads)
            src = _named(n.populations, "inputs")
            exc = _named(n.populations, "cortex")
            inp = _named(n.projections, "input")
            if spr:  # added before the lesion: it counts missing synapses against the intact in-degree
                n.add_structural(
                    inp,
                    structural.Sprouting(
                        rate=p["sprout_rate"],
                        reach=p["sprout_reach"],
                        weight=p["sprout_weight"] * p["w_in"],
                        delay=1.0,
                        allow_multapses=True,
                        interval=100.0,
                    ),
                )
            n.lesion(neurons=(src, dead))
            if rem:
                inp.set_schedule(0, 1.0)
            if hom:
                inp.set_schedule(1, 1.0)
                n.add_plasticity(
                    exc,
                    plasticity.IntrinsicPlasticity(
                        target_rate=max(rate_set, 0.1), eta=p["ip_eta"], theta_min=p["theta_min"], theta_max=30.0
                    ),
                )
            for b in range(n_blocks):
                o, cnt = _block(n, p, n_per, [seed, 100 + b])
                perf_blocks[c, b], deaff_blocks[c, b] = perf(o, cnt)
                info_blocks[c, b] = _loo_accuracy(o, cnt, k) if b >= n_blocks - n_meas else np.nan
                rate_blocks[c, b] = zone_rate(o, cnt)
            post = inp.post
            indeg_rec[c] = float(np.bincount(post, minlength=m_e)[zone].mean())
            w_rec[c] = float(inp.weights[zone[post]].mean())
            if name == "all":
                tuning_rec = _centroids(o, cnt, k) / t_eff

    before, deaff_before = perf(order_b, counts_b)
    after, deaff_after = perf(order_a, counts_a)
    recovered = perf_blocks[:, -n_meas:].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        restored = (recovered - after) / (before - after)
    numbers: dict[str, Any] = {
        "conditions": np.array(names),
        "mechanisms": np.array([_CONDITIONS[nm] for nm in names], dtype=np.int64),
        "perf_before": before,
        "perf_after": after,
        "perf_recovered": recovered,
        "restored_fraction": restored,
        "perf_blocks": perf_blocks,
        "t_blocks_s": np.arange(1, n_blocks + 1) * k * p["trials"] * p["trial"] / 1000.0,
        "deaff_perf_before": deaff_before,
        "deaff_perf_after": deaff_after,
        "deaff_perf_recovered": deaff_blocks[:, -n_meas:].mean(axis=1),
        "info_before": _loo_accuracy(order_b, counts_b, k),
        "info_after": _loo_accuracy(order_a, counts_a, k),
        "info_recovered": np.nanmean(info_blocks[:, -n_meas:], axis=1),
        "rate_before": rate_set,
        "rate_zone_before": zone_rate(order_b, counts_b),
        "rate_zone_after": zone_rate(order_a, counts_a),
        "rate_zone_recovered": rate_blocks[:, -n_meas:].mean(axis=1),
        "indeg_zone_before": float(indeg_b[zone].mean()),
        "indeg_zone_after": float(indeg_a[zone].mean()),
        "indeg_zone_recovered": indeg_rec,
        "w_zone_recovered": w_rec,
        "n_lesioned_inputs": int(dead.size),
        "synapses_removed": removed,
        "x_cortex": x_e,
        "tuning_before": cents / t_eff,
        "tuning_after": _centroids(order_a, counts_a, k) / t_eff,
        "tuning_recovered": tuning_rec,
        "lesioned_positions": lesioned_pos,
    }
    r = dict(zip(names, restored))
    mech = ("sprouting", "homeostasis", "remapping")
    necessary = np.array([r[f"no_{m}"] < 0.5 for m in mech], dtype=np.int64)
    sufficient = np.array([r[f"{m}_only"] >= 0.5 for m in mech], dtype=np.int64)
    numbers["necessary"] = necessary
    numbers["sufficient"] = sufficient
    summary = (
        f"accuracy {before:.2f} -> {after:.2f} after the lesion ({dead.size} inputs); recovered (share of the loss) "
        + ", ".join(f"{nm} {rc:.2f} ({100 * r[nm]:.0f}%)" for nm, rc in zip(names, recovered))
        + f"; necessary: {', '.join(m for m, x in zip(mech, necessary) if x) or 'none alone'}"
        + f"; sufficient alone: {', '.join(m for m, x in zip(mech, sufficient) if x) or 'none'}"
    )
    fig = None
    if draw:
        fig = _draw(numbers, p, k)
    res = Result(
        name="compensation",
        numbers=numbers,
        params={"scale": scale, "seed": seed, "threads": threads, **p},
        figure=fig,
        summary=summary,
    )
    return finish(res, out)


def _draw(nb: dict[str, Any], p: dict[str, float], k: int) -> Any:
    fig, ax = new_figure(4, width=4.4)
    names = list(nb["conditions"])
    t = np.concatenate([[0.0], nb["t_blocks_s"]])
    styles = {"all": ("k", "-"), "none": ("0.5", "-")}
    for c, nm in enumerate(names):
        color, ls = styles.get(nm, (None, "-" if "no_" in nm else ":"))
        ax[0].plot(t, np.concatenate([[nb["perf_after"]], nb["perf_blocks"][c]]), color=color, ls=ls, label=nm)
    ax[0].axhline(nb["perf_before"], color="k", lw=0.8, ls="--", label="before lesion")
    ax[0].axhline(1.0 / k, color="0.7", lw=0.8, ls=":", label="chance")
    ax[0].set(xlabel="time after lesion (s)", ylabel="decoding accuracy (fixed readout)", title="Recovery")
    ax[0].legend(fontsize=6, ncol=2)
    y = np.arange(len(names))
    ax[1].barh(y, nb["restored_fraction"], color=["k" if nm == "all" else "C0" for nm in names])
    ax[1].set_yticks(y, names, fontsize=8)
    ax[1].invert_yaxis()
    ax[1].axvline(0.0, color="k", lw=0.8)
    ax[1].axvline(1.0, color="k", lw=0.8, ls="--")
    ax[1].set(xlabel="share of the lost accuracy restored", title="Which mechanisms recovery needs")
    x = nb["x_cortex"]
    for q in nb["lesioned_positions"]:
        color = f"C{int(q) % 10}"
        ax[2].plot(x, nb["tuning_before"][q], color=color, ls="--", label=f"position {q}, before")
        ax[2].plot(x, nb["tuning_after"][q], color=color, ls=":", label=f"position {q}, just after")
        ax[2].plot(x, nb["tuning_recovered"][q], color=color, label=f"position {q}, recovered (all)")
    ax[2].set(xlabel="cortical position (zone widths)", ylabel="rate (Hz)", title="Response to the lesioned positions")
    ax[2].legend(fontsize=6)
    w = 0.27
    rel = [
        (nb["rate_zone_recovered"] / nb["rate_zone_before"], "rate in own trials"),
        (nb["indeg_zone_recovered"] / nb["indeg_zone_before"], "thalamic in-degree"),
        (nb["w_zone_recovered"] / p["w_in"], "mean thalamic weight"),
    ]
    for j, (v, label) in enumerate(rel):
        ax[3].barh(y + (j - 1) * w, v, height=w, label=label)
    ax[3].axvline(1.0, color="k", lw=0.8, ls="--")
    ax[3].set_yticks(y, names, fontsize=8)
    ax[3].invert_yaxis()
    ax[3].set(xlabel="recovered / before lesion", title="Deafferented zones after recovery")
    ax[3].legend(fontsize=7)
    return fig


# every keyword the experiment accepts beyond its signature (what pyneuro.sweep checks a grid against)
compensation.sweep_parameters = tuple(_COMPENSATION)  # type: ignore[attr-defined]
