#!/usr/bin/env python
"""Brian2 (cpp_standalone) side of the pyneuro/Brian2 comparison (workloads in benchmarks/README.md).

Run with the Brian2 virtual environment's interpreter, not the repo's:

    /work/brian2-venv/bin/python benchmarks/brian2_workloads.py --workload w1 --threads 1 --duration 1000 --seed 1

Prints ONE JSON line on stdout (the last line; Brian2's own log goes to stderr) with:
  run_s      the simulation loop alone, as timed inside the standalone binary by Brian2's Network::run
             (omp_get_wtime() around the loop when OpenMP is on; std::clock() CPU time when --threads 0).
             This is what Brian2 reports as device._last_run_time (results/last_run_info.txt): it excludes
             code generation, compilation, process start-up, synapse creation, initialisation and the writing
             of results.
  binary_s   wall time of the whole `main` binary (Brian2's own time.time() around subprocess.call, i.e.
             device.timers['run_binary']).
  build_s    binary_s - run_s: everything the binary does outside the run loop (process start, synapse
             creation with connect(p=...), state initialisation from static arrays, writing results to disk).
             This is the closest analogue of pyneuro's network construction time.
  setup_s    Python-side time to declare the Brian2 objects (before code generation).
  compile_s  wall time of device.build(compile=True, run=False): code generation + `make` (fresh directory, so
             always a full compile); make_s is the `make` part alone.
  n_syn, total_spikes, rate_hz (mean over the recorded population), and for w2/w3/w5 w_mean (mean final weight of
  the plastic projection, in nS for w2/w5 and in units of the leak conductance for w3).
  method     the neurons' integration method (Brian2's name).

A fresh build directory (tempfile.mkdtemp) is used for every call and removed afterwards unless --keep.
"""

# Brian2 resolves the names in its equation strings (C, gL, taue, we, ...) from the calling frame's locals,
# so these "unused" locals are used:
# ruff: noqa: F841
import argparse
import json
import os
import shutil
import sys
import tempfile
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", choices=["w1", "w2", "w3", "w5"], required=True)
    p.add_argument("--n", type=int, default=16000, help="W5 network size")
    p.add_argument(
        "--w5-method",
        default="euler",
        help="Brian2 integration method for W5's neurons (default 'euler', forward Euler; 'exponential_euler' is "
        "the method of W1/W2)",
    )
    p.add_argument(
        "--threads", type=int, default=1, help="prefs.devices.cpp_standalone.openmp_threads (0 = build without OpenMP)"
    )
    p.add_argument("--duration", type=float, default=None, help="simulated ms (default 1000 for w1/w2, 100000 for w3)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--w3-variant",
        choices=["example", "cond"],
        default="example",
        help="example: Brian2's examples/synapses/STDP.py verbatim, whose drive is ge*(Ee-vr), i.e. a "
        "fixed driving force; cond: conductance-based ge*(Ee-v), like pyneuro's LIFCond",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="also collect Brian2's per-code-object profile (adds timer overhead to run_s)",
    )
    p.add_argument("--keep", action="store_true", help="keep the build directory (printed as 'directory')")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.duration is None:
        args.duration = 100000.0 if args.workload == "w3" else 1000.0
    method = None

    import brian2
    import numpy as np
    from brian2 import (
        Hz,
        NeuronGroup,
        PoissonGroup,
        SpikeMonitor,
        Synapses,
        defaultclock,
        device,
        ms,
        mV,
        nS,
        pA,
        pF,
        prefs,
        run,
        seed,
        set_device,
    )

    # Brian2 logs through the logging module to stderr; keep stdout for our JSON line.
    brian2.BrianLogger.log_level_warn()

    directory = tempfile.mkdtemp(prefix=f"brian2_{args.workload}_")
    set_device("cpp_standalone", directory=directory, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = args.threads
    seed(args.seed)
    rng = np.random.default_rng(args.seed)
    defaultclock.dt = 0.1 * ms

    t0 = time.perf_counter()
    monitors = []
    synapses = []
    plastic = None
    w_unit = nS

    if args.workload in ("w1", "w2"):
        # W1: Brette et al. 2007 benchmark 1 (Brian 1 examples/COBA.py) in physical units.
        N, NE = 4000, 3200
        C, gL, EL, Vt, Vr = 200 * pF, 10 * nS, -60 * mV, -50 * mV, -60 * mV
        taue, taui, Ee, Ei = 5 * ms, 10 * ms, 0 * mV, -80 * mV
        we, wi = 6 * nS, 67 * nS
        delay = 0.1 * ms  # one step, as the spec says (Brian2: a spike at step t reaches ge at step t+1)
        eqs = """
        dv/dt = (gL*(EL - v) + ge*(Ee - v) + gi*(Ei - v)) / C : volt (unless refractory)
        dge/dt = -ge/taue : siemens
        dgi/dt = -gi/taui : siemens
        """
        method = "exponential_euler"
        P = NeuronGroup(N, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method=method, name="P")
        Pe, Pi = P[:NE], P[NE:]
        # Initial state as Brian 1's COBA.py; negative conductance draws are clipped at 0 (as the pyneuro side).
        P.v = (rng.normal(-65.0, 5.0, N)) * mV
        P.ge = np.clip(rng.normal(40.0, 15.0, N), 0.0, None) * nS
        P.gi = np.clip(rng.normal(200.0, 120.0, N), 0.0, None) * nS

        if args.workload == "w1":
            Ce = Synapses(Pe, P, on_pre="ge_post += we", delay=delay, name="Ce")
            Ce.connect(p=0.02)
            synapses.append(Ce)
        else:
            # W2: E->E (plastic, additive all-to-all pair STDP as Brian2's STDP.py) and E->I drawn separately.
            taupre = taupost = 20 * ms
            wmax = 12 * nS
            dApre = 0.01 * wmax
            dApost = -1.05 * dApre
            Cee = Synapses(
                Pe,
                Pe,
                """
                w : siemens
                dApre/dt = -Apre / taupre : siemens (event-driven)
                dApost/dt = -Apost / taupost : siemens (event-driven)""",
                on_pre="""ge_post += w
                          Apre += dApre
                          w = clip(w + Apost, 0*nS, wmax)""",
                on_post="""Apost += dApost
                           w = clip(w + Apre, 0*nS, wmax)""",
                delay=delay,
                name="Cee",
            )
            Cee.connect(p=0.02)
            Cee.w = "6*nS"
            Cei = Synapses(Pe, Pi, on_pre="ge_post += we", delay=delay, name="Cei")
            Cei.connect(p=0.02)
            synapses += [Cee, Cei]
            plastic = Cee
        Ci = Synapses(Pi, P, on_pre="gi_post += wi", delay=delay, name="Ci")
        Ci.connect(p=0.02)
        synapses.append(Ci)
        M = SpikeMonitor(P, record=True, name="M")
        monitors.append((M, N))
    elif args.workload == "w5":
        # W5 scaling: W1's neurons (80% excitatory) with a 90 pA drive, exactly 80 excitatory and 20 inhibitory
        # inputs per neuron (sources drawn without replacement), w_e = 2.4 nS with W2's STDP on E->E (w_max = 2 w_e),
        # w_i = 107.2 nS, delay 0.1 ms; initial state as W1's (the same numpy draws as pyneuro's
        # workloads.coba_initial_state).
        N = args.n
        NE = int(N * 0.8)
        C, gL, EL, Vt, Vr = 200 * pF, 10 * nS, -60 * mV, -50 * mV, -60 * mV
        taue, taui, Ee, Ei = 5 * ms, 10 * ms, 0 * mV, -80 * mV
        I_drive = 90 * pA
        we, wi = 2.4 * nS, 107.2 * nS
        delay = 0.1 * ms
        eqs = """
        dv/dt = (gL*(EL - v) + ge*(Ee - v) + gi*(Ei - v) + I_drive) / C : volt (unless refractory)
        dge/dt = -ge/taue : siemens
        dgi/dt = -gi/taui : siemens
        """
        method = args.w5_method
        P = NeuronGroup(N, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method=method, name="P")
        init = np.random.default_rng(args.seed)
        P.v = init.normal(-65.0, 5.0, N) * mV
        P.ge = np.clip(init.normal(40.0, 15.0, N), 0.0, None) * nS
        P.gi = np.clip(init.normal(200.0, 120.0, N), 0.0, None) * nS

        def in_degree(n_src, k, n_post):
            """k distinct sources in [0, n_src) for each of n_post neurons: (pre, post) arrays."""
            src = rng.integers(0, n_src, size=(n_post, k))
            while True:
                srt = np.sort(src, axis=1)
                bad = np.nonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))[0]
                if bad.size == 0:
                    break
                src[bad] = rng.integers(0, n_src, size=(bad.size, k))
            return src.reshape(-1), np.repeat(np.arange(n_post), k)

        Pe, Pi = P[:NE], P[NE:]
        taupre = taupost = 20 * ms
        wmax = 2 * we
        dApre = 0.01 * wmax
        dApost = -1.05 * dApre
        stdp_model = """
            w : siemens
            dApre/dt = -Apre / taupre : siemens (event-driven)
            dApost/dt = -Apost / taupost : siemens (event-driven)"""
        Cee = Synapses(
            Pe,
            Pe,
            stdp_model,
            on_pre="""ge_post += w
                      Apre += dApre
                      w = clip(w + Apost, 0*nS, wmax)""",
            on_post="""Apost += dApost
                       w = clip(w + Apre, 0*nS, wmax)""",
            delay=delay,
            name="Cee",
        )
        pre, post = in_degree(NE, 80, NE)
        Cee.connect(i=pre, j=post)
        Cee.w = "we"
        Cei = Synapses(Pe, Pi, on_pre="ge_post += we", delay=delay, name="Cei")
        pre, post = in_degree(NE, 80, N - NE)
        Cei.connect(i=pre, j=post)
        Cie = Synapses(Pi, Pe, on_pre="gi_post += wi", delay=delay, name="Cie")
        pre, post = in_degree(N - NE, 20, NE)
        Cie.connect(i=pre, j=post)
        Cii = Synapses(Pi, Pi, on_pre="gi_post += wi", delay=delay, name="Cii")
        pre, post = in_degree(N - NE, 20, N - NE)
        Cii.connect(i=pre, j=post)
        synapses += [Cee, Cei, Cie, Cii]
        plastic = Cee
        M = SpikeMonitor(P, record=True, name="M")
        monitors.append((M, N))
    else:
        # W3: Brian2 examples/synapses/STDP.py (Song, Miller & Abbott 2000); no monitor on the inputs'
        # spikes nor StateMonitor on two weights (recording cost only); we record the output neuron.
        Nin = 1000
        taum, taupre, taupost = 10 * ms, 20 * ms, 20 * ms
        Ee, vt, vr, El, taue = 0 * mV, -54 * mV, -60 * mV, -74 * mV, 5 * ms
        F = 15 * Hz
        gmax = 0.01
        dApre = 0.01 * gmax
        dApost = -dApre * taupre / taupost * 1.05
        if args.w3_variant == "example":
            eqs = "dv/dt = (ge * (Ee-vr) + El - v) / taum : volt\ndge/dt = -ge / taue : 1"
            method = "exact"
        else:  # 'exact' cannot integrate ge*(Ee-v)
            eqs = "dv/dt = (ge * (Ee-v) + El - v) / taum : volt\ndge/dt = -ge / taue : 1"
            method = "exponential_euler"
        inp = PoissonGroup(Nin, rates=F, name="inp")
        neurons = NeuronGroup(1, eqs, threshold="v>vt", reset="v = vr", method=method, name="neurons")
        S = Synapses(
            inp,
            neurons,
            """
            w : 1
            dApre/dt = -Apre / taupre : 1 (event-driven)
            dApost/dt = -Apost / taupost : 1 (event-driven)""",
            on_pre="""ge += w
                      Apre += dApre
                      w = clip(w + Apost, 0, gmax)""",
            on_post="""Apost += dApost
                       w = clip(w + Apre, 0, gmax)""",
            name="S",
        )
        S.connect()
        S.w = "rand() * gmax"
        synapses.append(S)
        plastic = S
        w_unit = 1.0
        M = SpikeMonitor(neurons, name="M")
        monitors.append((M, 1))

    run(args.duration * ms, profile=args.profile)
    setup_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    device.build(directory=directory, compile=True, run=False, debug=False, with_output=False)
    compile_s = time.perf_counter() - t0
    make_s = device.timers["compile"].get("make")

    t0 = time.perf_counter()
    device.run(directory=directory, with_output=False)
    run_call_s = time.perf_counter() - t0
    binary_s = device.timers.get("run_binary")
    run_s = float(device._last_run_time)

    total_spikes = int(sum(m.num_spikes for m, _ in monitors))
    n_rec = sum(n for _, n in monitors)
    sim_s = args.duration / 1000.0
    out = dict(
        simulator="brian2",
        brian2_version=brian2.__version__,
        workload=args.workload,
        threads=args.threads,
        duration_ms=args.duration,
        seed=args.seed,
        run_s=run_s,
        run_s_per_sim_s=run_s / sim_s,
        binary_s=binary_s,
        build_s=(binary_s - run_s) if binary_s is not None else None,
        setup_s=setup_s,
        compile_s=compile_s,
        make_s=make_s,
        run_call_s=run_call_s,
        n_syn=int(sum(int(s.N[:]) for s in synapses)),
        total_spikes=total_spikes,
        rate_hz=total_spikes / n_rec / sim_s,
        completed_fraction=float(device._last_run_completed_fraction),
        method=method,
    )
    if args.workload == "w5":
        out["n"] = args.n
    if plastic is not None:
        w = np.asarray(plastic.w[:] / w_unit)
        out["w_mean"] = float(w.mean())
        if args.workload == "w3":
            out["w3_variant"] = args.w3_variant
            out["frac_w_low"] = float(np.mean(w < 0.1 * 0.01))  # below 10% of g_max
            out["frac_w_high"] = float(np.mean(w > 0.9 * 0.01))  # above 90% of g_max
    if args.profile:
        prof = {}
        fname = os.path.join(directory, "results", "profiling_info.txt")
        if os.path.exists(fname):
            with open(fname) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2:
                        prof[parts[0]] = float(parts[1])
        out["profile"] = prof
    if args.keep:
        out["directory"] = directory
    else:
        shutil.rmtree(directory, ignore_errors=True)
    sys.stdout.flush()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
