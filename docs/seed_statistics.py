"""Run an experiment for several seeds and report its headline numbers as mean, standard deviation and range.

    python docs/seed_statistics.py run NAME --seeds 0-4 [--scale S] [--set KEY=VALUE ...] --dir DIR
    python docs/seed_statistics.py report NAME --dir DIR [--markdown]
    python docs/seed_statistics.py add NAME RESULT.json --dir DIR


``run`` computes the numbers of each seed (``pn.experiments.NAME.run``: no figure) and writes ``DIR/seed<S>.json``;
seeds already written are skipped, so an interrupted run resumes. ``report`` reads every ``seed*.json`` in DIR
and prints, for each headline quantity of the experiment (:data:`HEADLINES`), the mean, the standard deviation
over seeds, the smallest and largest value and the number of seeds. The gallery (``docs/make_gallery.sh``) and the
bounds of the experiment tests come from these tables; the tests name the configuration and seeds they were
derived from. ``add`` files a result written by ``pyneuro experiment NAME --out ...`` (its ``NAME.json``) as the
seed it was run with, so that seed need not be computed again.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def _pick(cond: str, key: str = "restored_fraction") -> Callable[[dict[str, Any]], float]:
    """The value of a per-condition array (compensation) for one condition."""
    return lambda n: float(np.asarray(n[key])[list(n["conditions"]).index(cond)])


def _ratio(a: str, b: str) -> Callable[[dict[str, Any]], float]:
    return lambda n: float(n[a] / n[b])


def _diff(a: str, b: str) -> Callable[[dict[str, Any]], float]:
    return lambda n: float(n[a] - n[b])


def _zone_taken(n: dict[str, Any]) -> float:
    return float(n["zone_taken"])


#: per experiment: (label, function of the numbers) of the quantities its summary line reports
HEADLINES: dict[str, list[tuple[str, Callable[[dict[str, Any]], float]]]] = {
    "remapping": [
        ("selectivity, developed", lambda n: n["selectivity_before"]),
        ("order rho, developed", lambda n: n["order_before"]),
        ("segments per digit, developed", lambda n: float(np.mean(n["segments_before"]))),
        ("selectivity, developed without STDP", lambda n: n["selectivity_dev_control"]),
        ("deprived zone taken over by the neighbours, plastic", _zone_taken),
        ("deprived zone taken over, no plasticity", lambda n: n["zone_taken_control"]),
        ("deprived zone unresponsive, no plasticity", lambda n: n["zone_owners_control"][0] / max(n["zone_size"], 1)),
        ("neighbour territory gain (mean of both), plastic", lambda n: float(np.mean(n["neighbour_gain"]))),
        ("neighbour territory gain, no plasticity", lambda n: float(np.mean(n["neighbour_gain_control"]))),
    ],
    "skill_learning": [
        ("magnification, practice", lambda n: n["magnification"]),
        ("magnification, equal stimulation", lambda n: n["magnification_control"]),
        ("magnification, practice without STDP", lambda n: n["magnification_no_stdp"]),
        ("map order rho after practice", lambda n: n["order_practice"]),
    ],
    "critical_period": [
        ("ODI shift, critical period", lambda n: n["shift_critical"]),
        ("ODI shift, closed", lambda n: n["shift_closed"]),
        ("ODI shift, reopened", lambda n: n["shift_reopened"]),
        ("ODI shift, inhibition alone", lambda n: n["shift_reopened_inhibition_only"]),
        ("ODI shift, learning rate alone", lambda n: n["shift_reopened_rate_only"]),
        ("ODI shift, no plasticity", lambda n: n["shift_no_plasticity"]),
        ("critical - 3 x closed", lambda n: n["shift_critical"] - 3 * n["shift_closed"]),
        ("reopened - 2 x closed", lambda n: n["shift_reopened"] - 2 * n["shift_closed"]),
    ],
    "engram": [
        ("completion, half cue", lambda n: n["completion_half"]),
        ("false activation, half cue", lambda n: n["false_half"]),
        ("completion, half cue, no-STDP control", lambda n: n["completion_half_control"]),
        ("engram active from 30% of the input", lambda n: float(np.nanmean(n["input_cue_engram_active"]))),
        ("the same, control", lambda n: float(np.nanmean(n["input_cue_engram_active_control"]))),
        ("recall, intact", lambda n: n["reinstatement_intact_mean"]),
        ("recall, random cells silenced", lambda n: n["reinstatement_random_silenced_mean"]),
        ("recall, engram cells silenced", lambda n: n["reinstatement_engram_silenced_mean"]),
    ],
    "neurogenesis_separation": [
        ("similar-place overlap, neurogenesis", lambda n: n["similar_overlap_neurogenesis"]),
        ("similar-place overlap, control", lambda n: n["similar_overlap_control"]),
        ("gain (control - neurogenesis)", lambda n: n["separation_gain"]),
        (
            "extra mature - neurogenesis",
            lambda n: n["similar_overlap_extra_mature"] - n["similar_overlap_neurogenesis"],
        ),
        (
            "no young traits - neurogenesis",
            lambda n: n["similar_overlap_no_young_traits"] - n["similar_overlap_neurogenesis"],
        ),
        ("similar-place overlap, before learning", lambda n: n["similar_overlap_naive"]),
        ("young GCs' share of the spikes, new places", lambda n: n["young_share_new"]),
        ("young GCs' share of the spikes, old places", lambda n: n["young_share_old"]),
    ],
    "compensation": [
        ("accuracy before the lesion", lambda n: n["perf_before"]),
        ("accuracy just after", lambda n: n["perf_after"]),
        *[
            (f"restored share, {c}", _pick(c))
            for c in (
                "all",
                "no_sprouting",
                "no_homeostasis",
                "no_remapping",
                "none",
                "sprouting_only",
                "homeostasis_only",
                "remapping_only",
            )
        ],
        ("accuracy, all, recovered", _pick("all", "perf_recovered")),
        ("accuracy, sham (no lesion)", lambda n: n["perf_sham"]),
    ],
    "stdp_window": [
        ("dw(+10 ms), pair", lambda n: n["dw_pair_all_to_all_additive"][np.argmin(np.abs(n["dt_ms"] - 10))]),
        ("dw(-10 ms), pair", lambda n: n["dw_pair_all_to_all_additive"][np.argmin(np.abs(n["dt_ms"] + 10))]),
    ],
    "sjostrom_frequency": [("-10 ms crossing (Hz)", lambda n: n["crossing_hz"])],
    "ltp_ltd_induction": [
        ("triplet HFS", lambda n: n["final_triplet_hfs"]),
        ("triplet LFS", lambda n: n["final_triplet_lfs"]),
        ("pair HFS", lambda n: n["final_pair_hfs"]),
        ("pair LFS", lambda n: n["final_pair_lfs"]),
        ("rate during LFS, triplet (Hz)", lambda n: n["rate_triplet_lfs"]),
    ],
    "song2000": [
        ("fraction < 0.1 g_max", lambda n: n["frac_low"]),
        ("fraction > 0.9 g_max", lambda n: n["frac_high"]),
        ("fraction in 0.3-0.7 g_max", lambda n: n["frac_middle"]),
        ("end / start rate", lambda n: n["rate_end"] / n["rate_start"]),
    ],
    "vogels_balance": [
        ("initial E rate / rho0", lambda n: n["rate_initial"] / n["rho0"]),
        ("final E rate / rho0", lambda n: n["rate_final"] / n["rho0"]),
        ("final mean I->E weight (nS)", lambda n: n["w_ie_final"]),
    ],
    "homeostasis_recovery": [
        *[
            (f"{m}/{q}: recovery / linear tau", _ratio(f"{m}_{q}_recovery_ms", f"tau_lin_{m}_ms"))
            for m in ("scaling", "intrinsic")
            for q in ("halved", "doubled")
        ],
        *[
            (f"{m}/{q}: recovery / model prediction", _ratio(f"{m}_{q}_recovery_ms", f"{m}_{q}_predicted_ms"))
            for m in ("scaling", "intrinsic")
            for q in ("halved", "doubled")
        ],
        ("gain G", lambda n: n["gain_G"]),
    ],
    "bcm_selectivity": [
        (
            "selective fraction (preferred > 3 x others)",
            lambda n: float(
                np.mean(
                    np.max(n["response_after"], 0)
                    > 3
                    * (n["response_after"].sum(0) - np.max(n["response_after"], 0))
                    / (n["response_after"].shape[0] - 1)
                )
            ),
        ),
        ("median preferred / others", lambda n: n["selectivity_ratio_median"]),
        ("dw after low priming (nS)", lambda n: n["dw_low"]),
        ("dw after high priming (nS)", lambda n: n["dw_high"]),
    ],
    "distal_reward": [
        ("percentile of the rewarded synapse", lambda n: n["percentile"]),
        ("its final weight (nS)", lambda n: n["w_rewarded_final"]),
        ("fraction of the second half on top", lambda n: n["frac_top"]),
        ("control: percentile", lambda n: n["control_percentile"]),
    ],
    "rewiring_steady_state": [
        ("count drift over the last third", lambda n: n["count_drift_last_third"]),
        ("created / pruned, last third", lambda n: n["created_pruned_ratio_last_third"]),
        ("final / initial count", lambda n: n["n_synapses"][-1] / n["n_initial"]),
        ("E rate / target, last third", lambda n: n["rate_e_last_third"] / n["target_rate"]),
    ],
    "lesion_sprouting": [
        ("recovered rate / baseline", lambda n: n["rate_recovered_fraction"]),
        ("the same, control", lambda n: n["rate_recovered_fraction_control"]),
        ("in-degree restored", lambda n: n["indeg_restored_fraction"]),
    ],
    "microcircuit": [
        *[
            (f"{pop} rate (Hz)", lambda n, k=k: float(n["rates"][k]))
            for k, pop in enumerate(("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"))
        ],
        ("real-time factor", lambda n: n["real_time_factor"]),
    ],
    "brunel2000": [
        *[
            (f"{label}: {q}", lambda n, k=k, key=key: float(n[key][k]))
            for k, label in enumerate(("SR", "SI fast", "AI", "SI slow"))
            for q, key in (("rate (Hz)", "rate_e"), ("ISI CV", "cv_isi"), ("coherence", "coherence"))
        ],
    ],
    "morrison2007": [
        ("mean E->E weight / fixed point", lambda n: n["w_mean"] / n["w_fixed"]),
        ("weight SD (pA)", lambda n: n["w_sd"]),
        ("bimodality coefficient", lambda n: n["w_bimodality"]),
        ("E rate (Hz)", lambda n: float(n["rates"][0])),
    ],
}


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b) + 1)) if b else [int(a)]
    return out


def _plain(v: Any) -> Any:
    a = np.asarray(v)
    if a.dtype.kind in "US":
        return a.tolist()
    return a.tolist() if a.ndim else a.item()


def run(name: str, seeds: list[int], out: Path, scale: float, params: dict[str, Any]) -> None:
    from pyneuro._experiment_cli import _parse_set
    from pyneuro.experiments import EXPERIMENTS

    exp = EXPERIMENTS[name]
    out.mkdir(parents=True, exist_ok=True)
    params = _parse_set([f"{k}={v}" for k, v in params.items()])
    for seed in seeds:
        path = out / f"seed{seed}.json"
        if path.exists():
            continue
        t0 = time.perf_counter()
        res = exp.run(scale=scale, seed=seed, **params)
        numbers = {k: _plain(v) for k, v in res.numbers.items()}
        wall = time.perf_counter() - t0
        doc = {"name": name, "seed": seed, "scale": scale, "params": params, "summary": res.summary,
               "wall_s": wall, "numbers": numbers}  # fmt: skip
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, default=float))
        tmp.replace(path)
        print(f"{name} seed {seed}: {doc['wall_s']:.1f} s: {res.summary}", flush=True)


def add(name: str, result: Path, out: Path) -> None:
    """File the numbers of a saved result (``Result.save``'s ``NAME.json``) as ``out/seed<S>.json``."""
    doc = json.loads(result.read_text())
    if doc.get("name") != name:
        raise SystemExit(f"{result} holds a result of {doc.get('name')!r}, not {name!r}")
    params = dict(doc["params"])
    seed, scale = int(params.pop("seed")), float(params.pop("scale"))
    params.pop("threads", None)
    from pyneuro.experiments import EXPERIMENTS

    defaults = EXPERIMENTS[name].parameters.defaults()
    params = {k: v for k, v in params.items() if k not in defaults or v != defaults[k]}  # as `run` records them
    out.mkdir(parents=True, exist_ok=True)
    entry = {"name": name, "seed": seed, "scale": scale, "params": params, "summary": doc["summary"],
             "numbers": doc["numbers"]}  # fmt: skip
    (out / f"seed{seed}.json").write_text(json.dumps(entry))


def load(out: Path) -> list[dict[str, Any]]:
    """The numbers of every seed in ``out`` (arrays as numpy arrays), sorted by seed."""
    docs = [json.loads(p.read_text()) for p in out.glob("seed*.json")]
    docs.sort(key=lambda d: d["seed"])
    for d in docs:
        d["numbers"] = {k: np.asarray(v) if isinstance(v, list) else v for k, v in d["numbers"].items()}
    return docs


def stats(values: list[float]) -> dict[str, float]:
    """Mean, standard deviation (n - 1), min, max and n of the finite values."""
    v = np.array([x for x in values if math.isfinite(x)], dtype=float)
    sd = float(v.std(ddof=1)) if v.size > 1 else float("nan")
    return {"mean": float(v.mean()), "sd": sd, "min": float(v.min()), "max": float(v.max()), "n": int(v.size)}


def report(name: str, out: Path, markdown: bool = False) -> str:
    docs = load(out)
    if not docs:
        raise SystemExit(f"no seed*.json in {out}")
    seeds = [d["seed"] for d in docs]
    lines = [f"{name}: {len(docs)} seeds ({', '.join(map(str, seeds))}), scale {docs[0]['scale']:g}, "
             f"parameters {docs[0]['params'] or 'default'}"]  # fmt: skip
    if markdown:
        lines += ["", "| quantity | mean | s.d. | min | max | n |", "|---|---|---|---|---|---|"]
    for label, f in HEADLINES.get(name, []):
        s = stats([float(f(d["numbers"])) for d in docs])
        if markdown:
            lines.append(f"| {label} | {s['mean']:.3g} | {s['sd']:.2g} | {s['min']:.3g} | {s['max']:.3g} | {s['n']} |")
        else:
            lines.append(
                f"  {label:52s} {s['mean']:9.3g} +- {s['sd']:<8.2g} [{s['min']:.3g}, {s['max']:.3g}] n={s['n']}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("command", choices=("run", "report", "add"))
    ap.add_argument("name")
    ap.add_argument("result", nargs="?", type=Path, help="add: the NAME.json of a saved result")
    ap.add_argument("--dir", required=True, type=Path, help="folder of the per-seed files")
    ap.add_argument("--seeds", default="0-4", help="seeds, e.g. 0-4 or 100-119,200 (default: %(default)s)")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--markdown", action="store_true", help="report as a markdown table")
    args = ap.parse_args(argv)
    if args.command == "run":
        params = dict(item.split("=", 1) for item in args.set)
        run(args.name, _seeds(args.seeds), args.dir, args.scale, params)
    elif args.command == "add":
        if args.result is None:
            ap.error("add needs the result's NAME.json")
        add(args.name, args.result, args.dir)
    else:
        print(report(args.name, args.dir, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
