#!/usr/bin/env python
"""Side-by-side speed comparison of pyneuro and Brian2 (cpp_standalone) on the standard workloads.

Run with the repo's python (where pyneuro is installed):

    python benchmarks/compare_brian2.py                      # W1, W2 at 1 and 2 threads, 3 reps each
    python benchmarks/compare_brian2.py --w3 --reps 5        # also W3 (20 s simulated by default)
    python benchmarks/compare_brian2.py --reps 1 --duration 200 --w3 --w3-duration 2000   # quick smoke run
    python benchmarks/compare_brian2.py --workloads w5 --w5-sizes 16000,64000 --threads 1 --reps 5   # W5

Every single run is a fresh subprocess (pyneuro: benchmarks/pyneuro_workloads.py with this interpreter;
Brian2: benchmarks/brian2_workloads.py with --brian2-python), so RSS deltas and caches are not shared between
runs. For each (workload, repetition) the thread settings and the two simulators alternate (and the order of the
two simulators flips every repetition); medians over repetitions are reported, as benchmarks/README.md asks.

Brian2's "run" is its run loop alone (timed inside the standalone binary), its compilation is reported
separately; pyneuro's "run" is the wall time of net.run(duration) and "build" its network construction.
Brian2's "build" column is the binary's time outside the run loop (process start, synapse creation,
initialisation, writing results).

Integration methods (the "method" column names each side's): pyneuro's LIFCond advances v by exponential Euler
with each conductance replaced by its exact mean over the step (second order) and decays the conductances exactly;
Brian2 integrates W1/W2 with "exponential_euler" (first order in v, conductances held over the step), W5 with
"euler" (forward Euler; --w5-method changes it) and W3 with "exponential_euler" ("exact" for its 'example'
variant).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Brian2 lives in its own virtual environment (it needs numpy < 2.4); the first of these that exists is the default
_B2_CANDIDATES = ["/work/venvs/brian2/bin/python", "/work/brian2-venv/bin/python"]
DEFAULT_B2 = next((p for p in _B2_CANDIDATES if os.access(p, os.X_OK)), _B2_CANDIDATES[0])


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default="w1,w2", help="comma-separated subset of w1,w2,w5 (default w1,w2)")
    p.add_argument("--w5-sizes", default="16000,64000", help="W5 network sizes (default 16000,64000)")
    p.add_argument("--w5-method", default="euler", help="Brian2's integration method for W5 (default euler)")
    p.add_argument("--w3", action="store_true", help="also run W3 (song2000)")
    p.add_argument("--duration", type=float, default=1000.0, help="simulated ms for W1/W2 (default 1000)")
    p.add_argument("--w3-duration", type=float, default=20000.0, help="simulated ms for W3 (default 20000)")
    p.add_argument(
        "--w3-variant",
        choices=["example", "cond"],
        default="cond",
        help="Brian2 W3 model: 'cond' (default) = ge*(Ee-v), the same model as pyneuro's LIFCond; "
        "'example' = Brian2's STDP.py verbatim, whose drive ge*(Ee-vr) has a fixed driving force "
        "and whose neuron starts at v = 0 mV (rates then differ from pyneuro's by ~50%%)",
    )
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--seed", type=int, default=1, help="base seed; repetition r uses seed + r")
    p.add_argument("--brian2-python", default=DEFAULT_B2)
    p.add_argument("--no-brian2", action="store_true")
    p.add_argument("--no-pyneuro", action="store_true")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per single run")
    p.add_argument("--rate-tolerance", type=float, default=0.2, help="flag rates differing by more than this")
    p.add_argument("--json-out", default=None, help="write all raw results (one JSON object per run) here")
    return p.parse_args(argv)


def machine_info():
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return dict(cpu=model, cores=os.cpu_count(), load=load, python=sys.version.split()[0])


def run_json(cmd, timeout):
    """Run cmd, return the dict on the last JSON line of stdout, or raise RuntimeError with the stderr tail."""
    t0 = time.perf_counter()
    try:
        # OPENBLAS_NUM_THREADS=1: numpy's OpenBLAS thread pool spins for a while after import and would steal a
        # core from an in-process simulator (pyneuro runs inside Python; Brian2's standalone binary does not).
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
        cp = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timed out after {timeout:.0f} s: {' '.join(cmd)}") from None
    wall = time.perf_counter() - t0
    lines = [ln for ln in cp.stdout.splitlines() if ln.strip().startswith("{")]
    if cp.returncode != 0 or not lines:
        tail = (cp.stderr or "").strip().splitlines()[-15:]
        raise RuntimeError(f"exit {cp.returncode}: {' '.join(cmd)}\n    " + "\n    ".join(tail))
    out = json.loads(lines[-1])
    out["process_wall_s"] = wall
    return out


def pyneuro_cmd(wl, threads, seed, duration):
    return [sys.executable, os.path.join(HERE, "pyneuro_workloads.py"), *_workload_args(wl, threads, seed, duration)]


def _workload_args(wl, threads, seed, duration):
    """The command-line arguments both workload scripts take; a W5 size rides in the name ("w5_16000")."""
    name, _, n = wl.partition("_")
    args = ["--workload", name, "--threads", str(threads), "--seed", str(seed), "--duration", str(duration)]
    return args + (["--n", n] if n else [])


def brian2_cmd(py, wl, threads, seed, duration, w3_variant, w5_method="euler"):
    cmd = [py, os.path.join(HERE, "brian2_workloads.py"), *_workload_args(wl, threads, seed, duration)]
    if wl == "w3":
        cmd += ["--w3-variant", w3_variant]
    if wl.startswith("w5"):
        cmd += ["--w5-method", w5_method]
    return cmd


def med(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def spread(rows, key="run_s"):
    """(max - min) / median of the run times, as a percentage: large values mean a noisy (loaded) machine."""
    vals = [r[key] for r in rows if r.get(key) is not None]
    if len(vals) < 2:
        return "-"
    return f"{100.0 * (max(vals) - min(vals)) / statistics.median(vals):.0f}%"


def fmt(x, spec=".3f"):
    return "-" if x is None else format(x, spec)


def main(argv=None):
    a = parse_args(argv)
    workloads = [w.strip() for w in a.workloads.split(",") if w.strip()]
    if a.w3 and "w3" not in workloads:
        workloads.append("w3")
    if "w5" in workloads:
        at = workloads.index("w5")
        workloads[at : at + 1] = [f"w5_{int(n)}" for n in a.w5_sizes.split(",") if n.strip()]
    threads = [int(t) for t in a.threads.split(",")]
    use_b2 = not a.no_brian2
    if use_b2 and not os.access(a.brian2_python, os.X_OK):
        print(
            f"NOTE: Brian2 interpreter {a.brian2_python!r} not found: skipping Brian2. Create it with\n"
            "  python3 -m venv /work/venvs/brian2 && /work/venvs/brian2/bin/pip install brian2==2.9.0 'numpy<2.4'"
        )
        use_b2 = False
    use_pn = not a.no_pyneuro
    info = machine_info()
    print(f"machine: {info['cpu']}, {info['cores']} cores, load {info['load']}, python {info['python']}")
    print(
        f"reps {a.reps}, threads {threads}, W1/W2 {a.duration:g} ms, W3 {a.w3_duration:g} ms "
        f"(Brian2 W3 variant '{a.w3_variant}')",
        flush=True,
    )

    results = {}  # (sim, wl, threads) -> list of dicts
    raw = []
    for wl in workloads:
        duration = a.w3_duration if wl == "w3" else a.duration
        for rep in range(a.reps):
            seed = a.seed + rep
            order = ["pyneuro", "brian2"] if rep % 2 == 0 else ["brian2", "pyneuro"]
            for t in threads:
                for sim in order:
                    if (sim == "pyneuro" and not use_pn) or (sim == "brian2" and not use_b2):
                        continue
                    cmd = (
                        pyneuro_cmd(wl, t, seed, duration)
                        if sim == "pyneuro"
                        else brian2_cmd(a.brian2_python, wl, t, seed, duration, a.w3_variant, a.w5_method)
                    )
                    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
                    try:
                        r = run_json(cmd, a.timeout)
                    except RuntimeError as e:
                        print(f"  FAILED {sim} {wl} threads={t} rep={rep}: {e}", flush=True)
                        continue
                    r.update(sim=sim, workload=wl, threads=t, rep=rep, load1_before=load1)
                    raw.append(r)
                    results.setdefault((sim, wl, t), []).append(r)
                    print(
                        f"  {sim:7s} {wl} t={t} rep={rep}: run {r['run_s']:.3f} s for {duration:g} ms, "
                        f"rate {r['rate_hz']:.2f} Hz, n_syn {r['n_syn']}"
                        + (
                            f", compile {r['compile_s']:.1f} s"
                            if sim == "brian2"
                            else f", build {r['build_s']:.3f} s, {fmt(r.get('bytes_per_syn'), '.1f')} B/syn"
                        )
                        + f" [load {fmt(load1, '.1f')}]",
                        flush=True,
                    )

    if a.json_out:
        with open(a.json_out, "w") as f:
            for r in raw:
                f.write(json.dumps(r) + "\n")

    # ---- table -------------------------------------------------------------------------------------------
    hdr = [
        "workload",
        "thr",
        "pn s/sim-s",
        "b2 s/sim-s",
        "pn/b2",
        "pn/b2best",
        "pn sprd",
        "b2 sprd",
        "pn Hz",
        "b2 Hz",
        "rate",
        "pn build s",
        "b2 build s",
        "pn B/syn",
        "b2 compile s",
        "pn w_mean",
        "b2 w_mean",
        "pn method",
        "b2 method",
    ]
    rows = []
    for wl in workloads:
        duration = a.w3_duration if wl == "w3" else a.duration
        sim_s = duration / 1000.0
        b2_meds = [med(results.get(("brian2", wl, t), []), "run_s") for t in threads]
        b2_meds = [x for x in b2_meds if x is not None]
        b2_best = min(b2_meds) / sim_s if b2_meds else None
        for t in threads:
            pr = results.get(("pyneuro", wl, t), [])
            br = results.get(("brian2", wl, t), [])
            pn_run = med(pr, "run_s")
            b2_run = med(br, "run_s")
            pn_r = pn_run / sim_s if pn_run is not None else None
            b2_r = b2_run / sim_s if b2_run is not None else None
            pn_hz, b2_hz = med(pr, "rate_hz"), med(br, "rate_hz")
            flag = "-"
            if pn_hz is not None and b2_hz is not None:
                ref = max(pn_hz, b2_hz)
                flag = "DIFF" if ref > 0 and abs(pn_hz - b2_hz) / ref > a.rate_tolerance else "ok"
            rows.append(
                [
                    wl,
                    str(t),
                    fmt(pn_r, ".4f"),
                    fmt(b2_r, ".4f"),
                    fmt(pn_r / b2_r if pn_r and b2_r else None, ".2f"),
                    fmt(pn_r / b2_best if pn_r and b2_best else None, ".2f"),
                    spread(pr),
                    spread(br),
                    fmt(pn_hz, ".2f"),
                    fmt(b2_hz, ".2f"),
                    flag,
                    fmt(med(pr, "build_s")),
                    fmt(med(br, "build_s")),
                    fmt(med(pr, "bytes_per_syn"), ".1f"),
                    fmt(med(br, "compile_s"), ".1f"),
                    fmt(med(pr, "w_mean"), ".4g"),
                    fmt(med(br, "w_mean"), ".4g"),
                    pr[0].get("method", "-") if pr else "-",
                    br[0].get("method", "-") if br else "-",
                ]
            )
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(hdr)]
    print()
    print("  ".join(h.rjust(w) for h, w in zip(hdr, widths)))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    print(
        "\ns/sim-s: median run-loop wall seconds per simulated second; pn/b2best: pyneuro at this thread count over "
        "Brian2 at its fastest thread count;\nsprd: (max-min)/median of the run times over repetitions (large = noisy "
        "machine; OpenMP at 2 threads on 2 busy cores is very sensitive to load);\n"
        "rate DIFF: mean rates differ by more than "
        f"{a.rate_tolerance:.0%}; b2 build: binary time outside the run loop (synapse creation etc.); "
        "w_mean: W2/W5 in nS, W3 in units of g_L;\nmethod: the neurons' integration method (pyneuro: "
        "'expEuler+exact-g-mean' = exponential Euler with the exact mean conductance over the step, second order; "
        "Brian2's own names)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
