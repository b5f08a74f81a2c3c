"""The comparison networks written for NEST (run with an interpreter that has nest-simulator installed).

Each function builds one network from the same published tables that pyneuro's builders use (the numbers are
repeated below, since this file runs in NEST's environment without pyneuro), simulates it and returns a JSON-able
dict: build and run-loop wall seconds and per-population rates (and CVs of ISIs). Used by
``benchmarks/compare_nest.py`` (alternating NEST and pyneuro runs) and by
``python benchmarks/nest_models.py pd14 --seeds 1-5 --out FILE`` to write the seed-to-seed reference of
tests/data/nest_pd14_scale01.json.

The microcircuit here follows Potjans & Diesmann (2014) Table 5 as described in pyneuro/networks/pd14.py:
fixed total numbers of synapses (autapses excluded, multapses allowed), normal weights and delays truncated by
redrawing (delays at >= half a step, as NEST's own example does), DC or Poisson drive, initial potentials per
population.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import numpy as np

POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")
FULL_SIZES = (20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948)
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
K_EXT = (1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100)
FULL_MEAN_RATES = (0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829)
V0 = (
    (-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43),
    (5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48),
)
NEURON = dict(E_L=-65.0, V_th=-50.0, V_reset=-65.0, C_m=250.0, tau_m=10.0, tau_syn=0.5, t_ref=2.0)


def psc_from_psp(psp: float, C_m: float, tau_m: float, tau_syn: float) -> float:
    sub = 1.0 / (tau_syn - tau_m)
    pre = tau_m * tau_syn / C_m * sub
    frac = (tau_m / tau_syn) ** sub
    return psp / (pre * (frac**tau_m - frac**tau_syn))


def _stats(times: np.ndarray, senders: np.ndarray, ids: np.ndarray, t0: float, t1: float) -> tuple[float, float]:
    """Mean rate (Hz) and mean CV of ISIs (neurons with >= 3 spikes) of the neurons ``ids`` in [t0, t1)."""
    keep = (times >= t0) & (times < t1) & np.isin(senders, ids)
    t, s = times[keep], senders[keep]
    rate = t.size / (ids.size * (t1 - t0) * 1e-3)
    order = np.lexsort((t, s))
    t, s = t[order], s[order]
    cvs = []
    if t.size:
        cuts = np.flatnonzero(np.diff(s)) + 1
        for tt in np.split(t, cuts):
            if tt.size >= 3:
                isi = np.diff(tt)
                cvs.append(isi.std() / isi.mean())
    return rate, float(np.mean(cvs)) if cvs else float("nan")


def pd14_nest(
    scale: float = 0.1,
    drive: str = "dc",
    seed: int = 1,
    threads: int = 1,
    t_presim: float = 500.0,
    t_sim: float = 1000.0,
    k_scale: float = 1.0,
) -> dict[str, Any]:
    """The microcircuit with ``scale`` of the neurons and ``k_scale`` of the in-degrees (weights / sqrt(k_scale) and
    the lost mean input as DC at the full-scale rates, as NEST's own example and pyneuro's builder do)."""
    os.environ.setdefault("PYNEST_QUIET", "1")
    import nest

    nest.ResetKernel()
    nest.set(resolution=0.1, local_num_threads=threads, rng_seed=seed, print_time=False)
    p = NEURON
    full = np.array(FULL_SIZES, dtype=float)
    sizes = np.round(full * scale).astype(int)
    prod = np.outer(full, full)
    full_syn = np.log(1.0 - np.array(CONN_PROBS)) / np.log((prod - 1.0) / prod)
    full_indeg = full_syn / full[:, None]
    n_syn = np.round(full_indeg * sizes[:, None] * k_scale).astype(int)
    k_ext = np.round(np.array(K_EXT, dtype=float) * k_scale).astype(int)
    psc_e = psc_from_psp(0.15, p["C_m"], p["tau_m"], p["tau_syn"])
    psc = np.full((8, 8), psc_e)
    psc[:, 1::2] *= -4.0
    psc[0, 2] *= 2.0
    psc_ext = psc_e
    dc_all = np.zeros(8)
    if drive == "dc":
        dc_all += 8.0 * k_ext * p["tau_syn"] * 1e-3 * psc_e
    if k_scale != 1.0:
        input_rec = np.sum(psc * full_indeg * np.array(FULL_MEAN_RATES), axis=1)
        dc_all += 1e-3 * p["tau_syn"] * (1.0 - np.sqrt(k_scale)) * input_rec
        if drive == "poisson":
            dc_all += 1e-3 * p["tau_syn"] * (1.0 - np.sqrt(k_scale)) * psc_e * np.array(K_EXT) * 8.0
        psc = psc / np.sqrt(k_scale)
        psc_ext = psc_e / np.sqrt(k_scale)
    t0 = time.perf_counter()
    pops = []
    for i in range(8):
        dc = float(dc_all[i])
        pop = nest.Create(
            "iaf_psc_exp",
            int(sizes[i]),
            params={
                "E_L": p["E_L"],
                "V_th": p["V_th"],
                "V_reset": p["V_reset"],
                "C_m": p["C_m"],
                "tau_m": p["tau_m"],
                "tau_syn_ex": p["tau_syn"],
                "tau_syn_in": p["tau_syn"],
                "t_ref": p["t_ref"],
                "I_e": dc,
            },
        )
        pop.V_m = nest.random.normal(mean=V0[0][i], std=V0[1][i])
        pops.append(pop)
    for i in range(8):
        for j in range(8):
            if n_syn[i, j] == 0:
                continue
            w = float(psc[i, j])
            d = 1.5 if j % 2 == 0 else 0.75
            nest.Connect(
                pops[j],
                pops[i],
                {"rule": "fixed_total_number", "N": int(n_syn[i, j]), "allow_autapses": False, "allow_multapses": True},
                {
                    "synapse_model": "static_synapse",
                    "weight": nest.math.redraw(
                        nest.random.normal(mean=w, std=abs(0.1 * w)),
                        min=0.0 if w > 0 else -np.inf,
                        max=np.inf if w > 0 else 0.0,
                    ),
                    "delay": nest.math.redraw(nest.random.normal(mean=d, std=0.5 * d), min=0.05, max=np.inf),
                },
            )
    if drive == "poisson":
        for i in range(8):
            gen = nest.Create("poisson_generator", params={"rate": 8.0 * float(k_ext[i])})
            nest.Connect(gen, pops[i], "all_to_all", {"weight": psc_ext, "delay": 1.5})
    rec = nest.Create("spike_recorder")
    for pop in pops:
        nest.Connect(pop, rec)
    nest.Prepare()
    build = time.perf_counter() - t0
    nest.Run(t_presim)
    t1, c1 = time.perf_counter(), time.process_time()
    nest.Run(t_sim)
    run, run_cpu = time.perf_counter() - t1, time.process_time() - c1
    nest.Cleanup()
    ev = rec.get("events")
    times, senders = np.asarray(ev["times"]), np.asarray(ev["senders"])
    rates, cvs = {}, {}
    for name, pop in zip(POPULATIONS, pops):
        rates[name], cvs[name] = _stats(times, senders, np.asarray(pop.tolist()), t_presim, t_presim + t_sim)
    return {
        "simulator": f"NEST {nest.__version__}",
        "scale": scale,
        "k_scale": k_scale,
        "drive": drive,
        "seed": seed,
        "threads": threads,
        "t_presim": t_presim,
        "t_sim": t_sim,
        "build_s": build,
        "run_s": run,
        "run_cpu_s": run_cpu,
        "rates": rates,
        "cv_isi": cvs,
        "synapses": int(n_syn.sum()),
    }


def coba_nest(seed: int = 1, threads: int = 1, t_sim: float = 1000.0) -> dict[str, Any]:
    """W1 (Vogels & Abbott 2005 / Brette et al. 2007 benchmark 1) in NEST, as pynest's brette_et_al_2007/coba.py."""
    os.environ.setdefault("PYNEST_QUIET", "1")
    import nest

    nest.ResetKernel()
    nest.set(resolution=0.1, local_num_threads=threads, rng_seed=seed, print_time=False)
    params = {
        "C_m": 200.0,
        "g_L": 10.0,
        "E_L": -60.0,
        "V_th": -50.0,
        "V_reset": -60.0,
        "t_ref": 5.0,
        "tau_syn_ex": 5.0,
        "tau_syn_in": 10.0,
        "E_ex": 0.0,
        "E_in": -80.0,
        "I_e": 0.0,
    }
    t0 = time.perf_counter()
    exc = nest.Create("iaf_cond_exp", 3200, params=params)
    inh = nest.Create("iaf_cond_exp", 800, params=params)
    allp = exc + inh
    allp.V_m = nest.random.normal(mean=-65.0, std=5.0)
    allp.g_ex = nest.random.normal(mean=40.0, std=15.0)
    allp.g_in = nest.random.normal(mean=200.0, std=120.0)
    nest.Connect(exc, allp, {"rule": "pairwise_bernoulli", "p": 0.02}, {"weight": 6.0, "delay": 0.1})
    nest.Connect(inh, allp, {"rule": "pairwise_bernoulli", "p": 0.02}, {"weight": -67.0, "delay": 0.1})
    rec = nest.Create("spike_recorder")
    nest.Connect(allp, rec)
    nest.Prepare()
    build = time.perf_counter() - t0
    t1, c1 = time.perf_counter(), time.process_time()
    nest.Run(t_sim)
    run, run_cpu = time.perf_counter() - t1, time.process_time() - c1
    nest.Cleanup()
    n = rec.get("n_events")
    return {
        "simulator": f"NEST {nest.__version__}",
        "seed": seed,
        "threads": threads,
        "t_sim": t_sim,
        "build_s": build,
        "run_s": run,
        "run_cpu_s": run_cpu,
        "rate": n / (4000 * t_sim * 1e-3),
    }


def _seeds(text: str) -> list[int]:
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(x) for x in text.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=["pd14", "coba"])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--k-scale", type=float, default=1.0, help="fraction of the in-degrees (pd14)")
    ap.add_argument("--drive", default="dc", choices=["dc", "poisson"])
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--t-presim", type=float, default=500.0)
    ap.add_argument("--t-sim", type=float, default=1000.0)
    ap.add_argument("--out", help="write the list of results (JSON) here; default standard output")
    args = ap.parse_args()
    results = []
    for seed in _seeds(args.seeds):
        if args.model == "pd14":
            r = pd14_nest(args.scale, args.drive, seed, args.threads, args.t_presim, args.t_sim, args.k_scale)
        else:
            r = coba_nest(seed, args.threads, args.t_sim)
        results.append(r)
        print(json.dumps(r), file=sys.stderr, flush=True)
    text = json.dumps(results, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
