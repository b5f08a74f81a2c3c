#!/usr/bin/env python
"""PyNN's own example scripts on pyneuro's PyNN backend, side by side with the same networks written in pyneuro.

    python benchmarks/compare_pynn.py                    # COBA, CUBA, brunel: 3 timing reps, 5 native seeds
    python benchmarks/compare_pynn.py --reps 5 --seeds 8

The scripts are PyNN 0.13's ``examples/VAbenchmarks.py`` (COBA and CUBA, Brette et al. 2007 benchmarks 1 and 2) and
``examples/brunel.py`` (Brunel 2000), taken unchanged from PyNN's source distribution (downloaded with pip into
``~/.cache/pyneuro-pynn``; PyNN is CeCILL-licensed and is not copied into this repository) and run with
``python -m pyneuro.pynn SCRIPT pyneuro ...``, which only makes ``pyneuro.pynn`` importable under the name the
scripts ask for. The native versions below build the same networks with pyneuro's API (the same models, parameters,
connection probabilities, delays, inputs and measures; the connectivity is drawn by pyneuro's rules, not PyNN's).

Printed per model:
- rates: the script's printed rates (its own fixed seeds) against the native version's mean and SD over ``--seeds``
  seeds; ``z`` = (PyNN - native mean) / native SD (the check: |z| <= 3);
- run loop: the median over ``--reps`` of PyNN's ``run()`` wall time (lowering into pyneuro excluded: it happens at
  the first run and is reported as "lowering") against the median of the native ``net.run`` wall time, alternating
  the two in fresh processes; "layer" = PyNN run / native run - 1, the cost of the PyNN layer (target <= 10%), and
  "in-run" = the part of PyNN's run() spent outside the compiled loop, measured inside the same process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS = ("COBA", "CUBA", "brunel")


# ---------------------------------------------------------------------------------------------------------------
# the PyNN scripts, unchanged
# ---------------------------------------------------------------------------------------------------------------
def examples_dir() -> Path:
    sys.path.insert(0, str(HERE.parent / "tests"))
    from pynn_sdist import pynn_source

    return pynn_source() / "examples"


def child_pynn(model: str) -> dict:
    import pyNN

    import pyneuro.pynn
    from pyneuro.pynn import simulator

    ex = examples_dir()
    script, args = ("brunel.py", ["pyneuro"]) if model == "brunel" else ("VAbenchmarks.py", ["pyneuro", model])
    sys.modules["pyNN.pyneuro"] = pyneuro.pynn
    pyNN.pyneuro = pyneuro.pynn  # type: ignore[attr-defined]
    os.chdir(os.environ.get("TMPDIR", "/tmp"))
    os.makedirs("Results", exist_ok=True)
    sys.argv = [str(ex / script), *args]
    out = io.StringIO()
    import runpy

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        runpy.run_path(str(ex / script), run_name="__main__")
    text = out.getvalue()
    e = float(re.search(r"Excitatory rate\s*:\s*([0-9.eE+-]+)", text).group(1))
    i = float(re.search(r"Inhibitory rate\s*:\s*([0-9.eE+-]+)", text).group(1))
    t = simulator.state.timings
    return {"rate_e": e, "rate_i": i, "run": t["run"], "engine": t["engine"], "lowering": t["build"]}


# ---------------------------------------------------------------------------------------------------------------
# the same networks in pyneuro's own API
# ---------------------------------------------------------------------------------------------------------------
def child_native(model: str, seed: int) -> dict:
    import numpy as np

    import pyneuro as pn

    rng = np.random.default_rng(seed)
    net = pn.Network(dt=0.1, seed=seed + 1, threads=1, max_rate=float("inf"))
    t0 = time.perf_counter()
    if model in ("COBA", "CUBA"):
        # VAbenchmarks.py: 4000 cells, 80% excitatory, p = 0.02, delay 0.2 ms, v0 ~ U(-60, -50) mV
        if model == "COBA":
            m = pn.models.LIFCond(
                C_m=200.0,
                g_L=10.0,
                E_L=-60.0,
                V_th=-50.0,
                V_reset=-60.0,
                t_ref=5.0,
                tau_syn_ex=5.0,
                tau_syn_in=10.0,
                E_ex=0.0,
                E_in=-80.0,
            )
            w_e, w_i = 4.0, 51.0  # nS
        else:
            m = pn.models.LIF(
                tau_m=20.0, C_m=200.0, E_L=-49.0, V_th=-50.0, V_reset=-60.0, t_ref=5.0, tau_syn_ex=5.0, tau_syn_in=10.0
            )
            w_e, w_i = 0.27 * 60.0, 4.5 * 20.0  # pA: G (E_rev - v_mean), v_mean = -60 mV
        exc = net.add_population(m, n=3200, name="exc")
        inh = net.add_population(m, n=800, name="inh")
        exc.set("v", rng.uniform(-60.0, -50.0, 3200))
        inh.set("v", rng.uniform(-60.0, -50.0, 800))
        rule = pn.conn.FixedProbability(0.02)
        for a, b, w, r in (
            (exc, exc, w_e, "exc"),
            (exc, inh, w_e, "exc"),
            (inh, exc, w_i, "inh"),
            (inh, inh, w_i, "inh"),
        ):
            net.connect(a, b, rule, weight=w, delay=0.2, receptor=r)
        stim = None
        if model == "COBA":  # 20 Poisson sources at 100 Hz for the first 50 ms, p = 0.01, 0.1 uS
            stim = net.add_population(pn.models.PoissonSource(rate=100.0), n=20, name="stim")
            net.connect(stim, exc, pn.conn.FixedProbability(0.01), weight=100.0, delay=0.1)
            net.connect(stim, inh, pn.conn.FixedProbability(0.01), weight=100.0, delay=0.1)
        se, si = net.record_spikes(exc), net.record_spikes(inh)
        net.record_state(exc, "v", indices=[0, 1])
        build = time.perf_counter() - t0
        tstop = 1000.0
        r0 = time.perf_counter()
        if stim is not None:
            net.run(50.0)
            stim.set("rate", 0.0)
            net.run(tstop - 50.0)
        else:
            net.run(tstop)
        run = time.perf_counter() - r0
        rate_e = se.count / 3200 * 1000.0 / tstop
        rate_i = si.count / 800 * 1000.0 / tstop
    else:
        # brunel.py: order 50000 / 50 -> NE 4000, NI 1000; epsilon 0.1; g 5; eta 2; J_eff 5 mV; tau_syn 0.1 ms
        ne, ni, eps, g, tau_syn, delay = 4000, 1000, 0.1, 5.0, 0.1, 1.5
        j_eff = 0.1 * 50
        je = (j_eff / tau_syn) * 0.00041363506632638 * 1000.0  # pA (the script's nA times 1000)
        ce = int(eps * ne)
        p_rate = 1000.0 * 2.0 * (20.0 / (j_eff * ce * 20.0)) * ce  # eta * nu_thresh * C_ext, Hz
        m = pn.models.LIFAlpha(
            tau_m=20.0, C_m=1.0, E_L=0.0, V_th=20.0, V_reset=0.0, t_ref=2.0, tau_syn_ex=tau_syn, tau_syn_in=tau_syn
        )
        e = net.add_population(m, n=ne, name="E")
        i = net.add_population(m, n=ni, name="I")
        e.set("v", rng.uniform(0.0, 20.0, ne))
        i.set("v", rng.uniform(0.0, 20.0, ni))
        pe = net.add_population(pn.models.PoissonSource(rate=p_rate), n=ne, name="expoisson")
        pi = net.add_population(pn.models.PoissonSource(rate=p_rate), n=ni, name="inpoisson")
        rule = pn.conn.FixedProbability(eps)
        for a, b, w, r in ((e, e, je, "exc"), (i, e, g * je, "inh"), (e, i, je, "exc"), (i, i, g * je, "inh")):
            net.connect(a, b, rule, weight=w, delay=delay, receptor=r)
        net.connect(pe, e, pn.conn.OneToOne(), weight=je, delay=0.1)
        net.connect(pi, i, pn.conn.OneToOne(), weight=je, delay=0.1)
        rec_e = rng.choice(ne, 50, replace=False)  # the script records 50 sampled neurons per population
        rec_i = rng.choice(ni, 50, replace=False)
        se, si = net.record_spikes(e, indices=rec_e), net.record_spikes(i, indices=rec_i)
        net.record_state(e, "v", indices=[0, 1])
        net.record_state(i, "v", indices=[0, 1])
        build = time.perf_counter() - t0
        tstop = 100.0
        r0 = time.perf_counter()
        net.run(tstop)
        run = time.perf_counter() - r0
        rate_e = se.count / 50 * 1000.0 / tstop
        rate_i = si.count / 50 * 1000.0 / tstop
    return {"rate_e": rate_e, "rate_i": rate_i, "run": run, "build": build}


# ---------------------------------------------------------------------------------------------------------------
def _spawn(args: list[str]) -> dict:
    r = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--reps", type=int, default=3, help="timing repetitions (alternating PyNN and native)")
    p.add_argument("--seeds", type=int, default=5, help="native seeds for the rate spread")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        kind, model = a.child[0], a.child[1]
        res = child_pynn(model) if kind == "pynn" else child_native(model, int(a.child[2]))
        print(json.dumps(res))
        return
    examples_dir()  # fetch once before the timed runs
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        "1 thread"
    )
    rows = []
    for model in a.models.split(","):
        pyn, nat = [], []
        for rep in range(a.reps):
            order = [("pynn", model), ("native", model, str(rep))]
            if rep % 2:
                order.reverse()
            for args in order:
                (pyn if args[0] == "pynn" else nat).append(_spawn(list(args)))
        seeds = [nat[k] if k < len(nat) else _spawn(["native", model, str(k)]) for k in range(a.seeds)]
        row = {"model": model}
        for side in ("e", "i"):
            native = [s[f"rate_{side}"] for s in seeds]
            mu, sd = statistics.mean(native), statistics.stdev(native)
            got = statistics.median(r[f"rate_{side}"] for r in pyn)
            row[f"rate_{side}"] = (got, mu, sd, (got - mu) / sd if sd > 0 else float("nan"))
        prun = statistics.median(r["run"] for r in pyn)
        peng = statistics.median(r["engine"] for r in pyn)
        nrun = statistics.median(r["run"] for r in nat)
        row.update(
            pynn_run=prun,
            native_run=nrun,
            layer=prun / nrun - 1.0,
            inrun=prun / peng - 1.0,
            lowering=statistics.median(r["lowering"] for r in pyn),
            native_build=statistics.median(r["build"] for r in nat),
        )
        rows.append(row)
    print()
    print(
        "| model | E rate PyNN script | E rate native (mean ± SD, n seeds) | z | I rate PyNN script | "
        "I rate native | z |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        e, i = r["rate_e"], r["rate_i"]
        print(
            f"| {r['model']} | {e[0]:.2f} Hz | {e[1]:.2f} ± {e[2]:.2f} Hz ({a.seeds}) | {e[3]:+.1f} | "
            f"{i[0]:.2f} Hz | {i[1]:.2f} ± {i[2]:.2f} Hz | {i[3]:+.1f} |"
        )
    print()
    print(
        f"| model | PyNN run() (median of {a.reps}) | native net.run | layer cost | outside the loop in run() | "
        "PyNN lowering | native build |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['model']} | {r['pynn_run']:.3f} s | {r['native_run']:.3f} s | {100 * r['layer']:+.1f}% | "
            f"{100 * r['inrun']:+.1f}% | {r['lowering']:.2f} s | {r['native_build']:.2f} s |"
        )


if __name__ == "__main__":
    main()
