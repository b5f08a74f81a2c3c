"""pyneuro against Auryn on W4: the plastic background network of Zenke, Hennequin & Gerstner 2013, model for model.

Auryn runs its own example ``examples/plasticity/sim_background`` at its benchmark settings (``--fast --tau 10``:
tau_hom 10 s, priming 3 tau_hom = 30 s with plasticity off, then ``--simtime`` seconds plastic); pyneuro runs
``pyneuro.workloads.zenke25k`` (the same model, see benchmarks/zenke_auryn.md) with the same priming. Both run
alternately, each in a fresh process, at 1 and 2 cores (Auryn: 1 and 2 MPI ranks; pyneuro: 1 and 2 threads).

    benchmarks/build_auryn.sh                      # once (Boost, MPI, cmake from the package manager)
    OPENBLAS_NUM_THREADS=1 python benchmarks/compare_auryn.py --reps 3 --simtime 10

Printed per core count (medians over the repetitions):
  run s/s       wall seconds of the plastic run loop per simulated second (Auryn: its own timer, whole seconds,
                elapsed.dat; pyneuro: net.run of the plastic phase); build and priming are reported apart;
  ratio         pyneuro / Auryn run time (measured in the same script, alternating);
  rate E, I     mean rates over the plastic phase (Hz); Auryn's inhibitory rate comes from the variant
                sim_background_irate that build_auryn.sh makes (the example's own commented-out rate monitor of the
                inhibitory population switched on; everything else identical);
  ns/event      run-loop wall time per synaptic event (spikes x out-degree, all projections), everything included;
  upd timer     ns per synapse updated at postsynaptic spikes (the E->E rule's postsynaptic half), wall time of
                pyneuro's post-spike phase (Network.timing), slowest thread;
  upd perf      the same from a perf profile (CPU time of TripletSTDP::on_post, of Auryn's
                TripletConnection::propagate_backward), per core; with --perf only, when ``perf record`` works;
  peak MB       peak resident memory (pyneuro: VmHWM of its process after the run; Auryn: the largest rank's);
  n             runs in the medians.
Row "custom" (with --custom): pyneuro with the neuron written as a user definition
(pyneuro.definitions.zenke_neuron, a pyneuro.models.Custom) instead of the built-in LIFCondAmpaNmda.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NE, NI, NX, P = 20000, 5000, 2500, 0.05
# expected out-degrees of sim_background (p = 0.05, no self-connections in E->E and I->I)
OUT_E = P * (NE - 1) + P * NI
OUT_I = P * NE + P * (NI - 1)
OUT_X = P * NE
IN_EE = P * (NE - 1)


def default_prefix() -> str:
    return os.environ.get("AURYN_PREFIX", os.path.join(os.path.expanduser("~"), ".cache", "pyneuro-auryn"))


def auryn_binary(prefix: str, irate: bool = True) -> str:
    name = "sim_background_irate" if irate else "sim_background"
    return os.path.join(prefix, "build", "examples", "plasticity", name)


def _wait_rss(proc: subprocess.Popen) -> tuple[int, float]:
    """Wait for proc; return (exit code, peak RSS in MB of it and its reaped children)."""
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, ru.ru_maxrss / 1024.0


def _perf_ok() -> bool:
    if shutil.which("perf") is None:
        return False
    with tempfile.TemporaryDirectory() as d:
        cmd = ["perf", "record", "-e", "cpu-clock", "-o", os.path.join(d, "p"), "true"]
        r = subprocess.run(cmd, capture_output=True)
        return r.returncode == 0


def _perf_seconds(data: str, pattern: str | tuple[str, ...], freq: int) -> float:
    """CPU seconds attributed to symbols containing ``pattern`` (or any of several) in a perf.data recorded at
    ``freq`` Hz."""
    patterns = (pattern,) if isinstance(pattern, str) else pattern
    r = subprocess.run(
        ["perf", "report", "-i", data, "--stdio", "--sort", "sym", "-F", "sample,sym"], capture_output=True, text=True
    )
    n = 0
    for line in r.stdout.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0].isdigit() and any(q in parts[1] for q in patterns):
            n += int(parts[0])
    return n / freq


def system_mpirun() -> list[str]:
    """The launcher of the MPI that build_auryn.sh linked Auryn against: the system's (Debian's Open MPI), not an
    ``mpirun`` that an active virtual environment puts first on PATH (e.g. the mpich wheel of ``pyneuro[mpi]``,
    whose launcher cannot start an Open MPI program). Open MPI's own flags only where the launcher is Open MPI."""
    exe = next((p for p in ("/usr/bin/mpirun", "/usr/local/bin/mpirun") if os.access(p, os.X_OK)), "mpirun")
    try:
        ver = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        ver = ""
    if "Open MPI" not in ver and "OpenRTE" not in ver:
        return [exe]
    flags = ["--oversubscribe", "--bind-to", "none"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--allow-run-as-root")
    return [exe, *flags]


def run_auryn(prefix: str, ranks: int, simtime: float, tau_hom: float, perf: bool, freq: int = 999) -> dict:
    with tempfile.TemporaryDirectory() as d:
        cmd = [auryn_binary(prefix), "--fast", "--quiet", "--tau", str(tau_hom), "--simtime", str(simtime), "--dir", d]
        if ranks > 1:
            launcher = system_mpirun()
            cmd = [launcher[0], "-n", str(ranks), *launcher[1:]] + cmd
        pdata = os.path.join(d, "perf.data")
        if perf:
            cmd = ["perf", "record", "-e", "cpu-clock", "-F", str(freq), "-o", pdata, "--"] + cmd
        t0 = time.perf_counter()
        with open(os.path.join(d, "stderr.txt"), "w+") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
            rc, peak = _wait_rss(proc)
            err.seek(0)
            msg = err.read()[-2000:]
        wall = time.perf_counter() - t0
        if rc != 0:
            raise RuntimeError(f"Auryn failed ({rc}): {msg}")
        with open(os.path.join(d, "elapsed.dat")) as f:
            run_s = float(f.read().split()[0])
        prime = 3.0 * tau_hom
        rates = {}
        for pop, n_pop in (("e", NE), ("i", NI)):
            tot, n_tot = 0.0, 0
            for r in range(ranks):
                fn = [x for x in os.listdir(d) if x.endswith(f".{r}.{pop}.prate")]
                rows = [tuple(map(float, line.split())) for line in open(os.path.join(d, fn[0])) if line.strip()]
                vals = [v for t, v in rows if prime - 1e-6 <= t < prime + simtime - 1e-6]
                share = n_pop / ranks  # ranks hold equal shares (up to one neuron)
                tot += statistics.fmean(vals) * share
                n_tot += share
            rates[pop] = tot / n_tot
        out = dict(run_s=run_s, wall_s=wall, peak_mb=peak, rate_e=rates["e"], rate_i=rates["i"])
        if perf:
            out["post_cpu_s"] = _perf_seconds(pdata, "TripletConnection::propagate_backward", freq) / ranks
    return out


def run_pyneuro(
    threads: int, simtime: float, tau_hom: float, perf: bool, freq: int = 999, neuron: str = "builtin"
) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--threads", str(threads), "--simtime", str(simtime)]
    cmd += ["--tau-hom", str(tau_hom), "--neuron", neuron]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS=str(threads))
    with tempfile.TemporaryDirectory() as d:
        pdata = os.path.join(d, "perf.data")
        if perf:
            cmd = ["perf", "record", "-e", "cpu-clock", "-F", str(freq), "-o", pdata, "--"] + cmd
        with open(os.path.join(d, "out"), "w+") as out, open(os.path.join(d, "err"), "w+") as err:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
            rc, _ = _wait_rss(proc)
            out.seek(0)
            err.seek(0)
            text, msg = out.read(), err.read()[-3000:]
        if rc != 0:
            raise RuntimeError(f"pyneuro worker failed ({rc}): {msg}")
        res = json.loads([x for x in text.splitlines() if x.startswith("{")][-1])
        if perf:
            # the postsynaptic half of the E->E rule (the shared post-spike loop is inlined into it, except its
            # AVX-512 form, a function of its own: W4 has no other rule that uses it)
            res["post_cpu_s"] = _perf_seconds(pdata, ("TripletSTDP::on_post", "add_clipped_avx512"), freq) / threads
    return res


def worker(threads: int, simtime: float, tau_hom: float, neuron: str = "builtin") -> None:
    """One pyneuro W4 run (in its own process): build, prime, plastic run; prints one JSON line."""
    sys.path.insert(0, os.path.dirname(HERE))
    import numpy as np

    import pyneuro.workloads as W

    t0 = time.perf_counter()
    w = W.zenke25k(threads=threads, tau_rate=tau_hom * 1000.0, neuron=neuron)
    build_s = time.perf_counter() - t0
    net = w.net
    prime = 3.0 * tau_hom * 1000.0
    t0 = time.perf_counter()
    net.run(prime)
    prime_s = time.perf_counter() - t0
    counts0 = {k: int(m.counts.sum()) for k, m in w.rates.items()}
    net.timing = True
    t0 = time.perf_counter()
    net.run(simtime * 1000.0)
    run_s = time.perf_counter() - t0
    ph = net.phase_times()
    spikes = {k: int(m.counts.sum()) - counts0[k] for k, m in w.rates.items()}
    ee = w.projections["ee"]
    outdeg = {
        "exc": (w.projections["ee"].size + w.projections["ei"].size) / NE,
        "inh": (w.projections["ie"].size + w.projections["ii"].size) / NI,
    }
    n_input = NX * 2.0 * simtime  # expected input spikes (2 Hz Poisson); their events use the real out-degree
    events = spikes["exc"] * outdeg["exc"] + spikes["inh"] * outdeg["inh"] + n_input * w.projections["input"].size / NX
    updates = spikes["exc"] * ee.size / NE
    print(
        json.dumps(
            dict(
                build_s=build_s,
                prime_s=prime_s,
                run_s=run_s,
                rate_e=spikes["exc"] / NE / simtime,
                rate_i=spikes["inh"] / NI / simtime,
                events=events,
                updates=updates,
                post_s=float(np.max(ph["post"])),
                phases={k: [float(x) for x in v] for k, v in ph.items()},
                bytes_per_plastic_syn=ee.bytes / ee.size,
                n_syn=w.n_synapses,
                peak_mb=_vm_hwm_mb(),
            )
        ),
        flush=True,
    )


def _vm_hwm_mb() -> float:
    """Peak resident memory of this process so far (VmHWM), MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _med(rows: list[dict], key: str) -> float:
    vals = [r[key] for r in rows if key in r]
    return statistics.median(vals) if vals else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--auryn", default=default_prefix(), help="Auryn prefix of build_auryn.sh (default %(default)s)")
    ap.add_argument("--build", action="store_true", help="run build_auryn.sh first if Auryn is not built")
    ap.add_argument("--cores", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--simtime", type=float, default=10.0, help="plastic seconds timed (default 10)")
    ap.add_argument("--tau-hom", type=float, default=10.0, help="tau_hom (s); priming is 3 tau_hom (default 10)")
    ap.add_argument("--perf", action="store_true", help="profile Auryn with perf for its ns per post update")
    ap.add_argument("--skip-auryn", action="store_true", help="pyneuro only")
    ap.add_argument(
        "--custom",
        action="store_true",
        help="also run pyneuro with the neuron as a user definition (pyneuro.definitions.zenke_neuron)",
    )
    ap.add_argument("--neuron", default="builtin", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write every measurement to this file")
    ap.add_argument(
        "--table-from",
        metavar="LOG",
        help="print the table from the '# rep' lines of an earlier run's output (an interrupted run); "
        "pass that run's --simtime, --tau-hom and --cores",
    )
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        worker(a.threads, a.simtime, a.tau_hom, a.neuron)
        return 0
    sims = ["auryn", "pyneuro"] + (["custom"] if a.custom else [])
    res: dict[str, dict[int, list[dict]]] = {k: {c: [] for c in a.cores} for k in ("auryn", "pyneuro", "custom")}
    if a.table_from:
        reps = set()
        with open(a.table_from) as f:
            for line in f:
                m = re.match(r"# rep (\d+) cores (\d+) (\w+): (\{.*\})\s*$", line)
                if m and int(m.group(2)) in a.cores:
                    reps.add(int(m.group(1)))
                    res[m.group(3)][int(m.group(2))].append(json.loads(m.group(4)))
        a.reps = len(reps)
        table(a, res)
        return 0
    if not a.skip_auryn and not os.path.exists(auryn_binary(a.auryn)):
        if not a.build:
            print(f"Auryn not found under {a.auryn}: run benchmarks/build_auryn.sh (or pass --build)", file=sys.stderr)
            return 2
        subprocess.run(["bash", os.path.join(HERE, "build_auryn.sh"), a.auryn], check=True)
    perf = a.perf and _perf_ok()
    if a.perf and not perf:
        print("perf record does not work here: no per-update time for Auryn", file=sys.stderr)
    for rep in range(a.reps):
        for c in a.cores:
            order = sims if rep % 2 == 0 else sims[::-1]
            for sim in order:
                if sim == "auryn" and a.skip_auryn:
                    continue
                if sim == "auryn":
                    r = run_auryn(a.auryn, c, a.simtime, a.tau_hom, perf)
                else:
                    r = run_pyneuro(c, a.simtime, a.tau_hom, perf, neuron="custom" if sim == "custom" else "builtin")
                res[sim][c].append(r)
                brief = {k: v for k, v in r.items() if k != "phases"}
                print(f"# rep {rep} cores {c} {sim}: " + json.dumps(brief), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({k: {str(c): v for c, v in d.items()} for k, d in res.items()}, f, indent=1)
    table(a, res)
    return 0


def table(a: argparse.Namespace, res: dict[str, dict[int, list[dict]]]) -> None:
    print(
        f"\nW4 zenke25k, {a.simtime:g} s plastic after {3 * a.tau_hom:g} s priming; "
        f"medians of {a.reps} alternating runs"
    )
    print(f"machine: {os.cpu_count()} CPUs, {_cpu_model()}")
    hdr = (
        f"{'':>9} {'cores':>5} {'run s/s':>8} {'ratio':>6} {'rate E':>7} {'rate I':>7} {'ns/event':>9} "
        f"{'upd timer':>9} {'upd perf':>9} {'peak MB':>8} {'build s':>8} {'prime s/s':>9} {'n':>2}"
    )
    print(hdr)
    for c in a.cores:
        ar = res["auryn"][c]
        a_run = _med(ar, "run_s") / a.simtime
        for name, rows in (("Auryn", ar), ("pyneuro", res["pyneuro"][c]), ("custom", res.get("custom", {}).get(c, []))):
            if not rows:
                continue
            run = _med(rows, "run_s") / a.simtime
            re_, ri_ = _med(rows, "rate_e"), _med(rows, "rate_i")
            ev = (re_ * NE * OUT_E + ri_ * NI * OUT_I + 2.0 * NX * OUT_X) * a.simtime
            if name != "Auryn":
                ev = _med(rows, "events")
                upd = _med(rows, "updates")
            else:
                upd = re_ * NE * a.simtime * IN_EE
            ns_ev = 1e9 * run * a.simtime / ev
            ns_up = 1e9 * _med(rows, "post_s") / upd if any("post_s" in r for r in rows) else float("nan")
            ns_up_cpu = 1e9 * _med(rows, "post_cpu_s") / upd if any("post_cpu_s" in r for r in rows) else float("nan")
            ratio = run / a_run if name != "Auryn" and ar else float("nan")
            build = _med(rows, "build_s")
            prime = _med(rows, "prime_s") / (3 * a.tau_hom)
            print(
                f"{name:>9} {c:>5} {run:8.3f} {ratio:6.2f} {re_:7.3f} {ri_:7.3f} {ns_ev:9.2f} {ns_up:9.2f} "
                f"{ns_up_cpu:9.2f} {_med(rows, 'peak_mb'):8.0f} {build:8.1f} {prime:9.3f} {len(rows):>2}"
            )
    if res["pyneuro"][a.cores[0]]:
        bps = _med(res["pyneuro"][a.cores[0]], "bytes_per_plastic_syn")
        print(f"pyneuro: {bps:.2f} bytes per plastic synapse (E->E store)")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    raise SystemExit(main())
