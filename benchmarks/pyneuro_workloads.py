"""pyneuro side of the standard workloads (see benchmarks/README.md), built with the public API only.

Each workload is split into a builder, ``build_wX(...) -> Built``, and ``run_built(built, duration_ms)``, so that
asv can build in ``setup`` and time only the run; ``wX(...)`` does both and returns a dict shaped like the Brian2
side's JSON (benchmarks/brian2_workloads.py):

  build_s       wall time of network construction (Network(), populations, state, every connect(); for W5 this
                includes drawing the fixed-in-degree connectivity with numpy)
  run_s         wall time of the whole net.run(duration_ms) (first run, so any lazy finalisation is included)
  n_syn, total_spikes, rate_hz (mean over the recorded populations), w_mean for plastic workloads
  rss_before_mb, rss_after_build_mb, rss_after_run_mb, peak_rss_mb (VmHWM), bytes_per_syn =
  (VmRSS after building - VmRSS before) / n_syn, bytes_per_syn_after_run (same with RSS after the run; this one
  also counts spike-recorder memory, but catches stores that are only materialised on the first run).

Units: ms, mV, pF, nS, pA (pyneuro's conventions).
"""

import time

import numpy as np

try:  # the benchmarks must be importable (e.g. by asv discovery) even when pyneuro is broken
    import pyneuro as pn
    import pyneuro.workloads as W
except Exception as _exc:  # pragma: no cover
    pn = None
    W = None
    _IMPORT_ERROR = _exc
else:
    _IMPORT_ERROR = None

DT = 0.1


def _require_pyneuro():
    if pn is None:
        raise RuntimeError(f"pyneuro failed to import: {_IMPORT_ERROR!r}")


def rss_bytes(field="VmRSS"):
    """Resident set size (or VmHWM, the peak) of this process, from /proc/self/status, in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


class Built:
    """A constructed network plus what run_built needs to report on it."""

    def __init__(self, name, net, recorded, plastic=None, projections=(), w_scale=1.0, w_max=None):
        self.name = name
        self.net = net
        self.recorded = recorded  # list of (spike monitor, population size)
        self.plastic = plastic  # projection whose mean final weight is reported
        self.projections = list(projections)
        self.w_scale = w_scale  # reported w_mean = mean(weights) * w_scale
        self.w_max = w_max
        self.build_s = None
        self.rss_before = None
        self.rss_after_build = None

    @property
    def n_syn(self):
        return int(sum(p.size for p in self.projections))


def _timed_build(fn):
    """Decorator: measure wall time and RSS around a builder."""

    def wrapper(*args, **kwargs):
        _require_pyneuro()
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        built = fn(*args, **kwargs)
        built.build_s = time.perf_counter() - t0
        built.rss_before = rss0
        built.rss_after_build = rss_bytes()
        return built

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _from_workload(name, w, plastic=None, w_scale=1.0, w_max=None):
    recorded = [(m, w.populations[k].size) for k, m in {**w.spikes, **w.rates}.items()]
    return Built(
        name, w.net, recorded, plastic=plastic, projections=list(w.projections.values()), w_scale=w_scale, w_max=w_max
    )


@_timed_build
def build_w1(threads=1, seed=1, plastic=False):
    """W1 coba (or W2 coba_stdp with plastic=True), as pyneuro.workloads.coba builds it."""
    w = W.coba(threads=threads, seed=seed, stdp=plastic)
    return _from_workload(
        "w2" if plastic else "w1", w, plastic=w.projections["ee"] if plastic else None, w_max=12.0 if plastic else None
    )


def build_w2(threads=1, seed=1):
    """W2 coba_stdp: W1 with additive all-to-all pair STDP on E->E (w_max 12 nS, initial 6 nS)."""
    return build_w1(threads=threads, seed=seed, plastic=True)


@_timed_build
def build_w3(threads=1, seed=1):
    """W3 song2000 (pyneuro.workloads.song2000). Brian2's example measures conductance in units of the leak
    (g_max = 0.01); there g_L = 10 nS, so weights are in nS = g * 10 and the reported w_mean is divided by g_L."""
    w = W.song2000(threads=threads, seed=seed)
    return _from_workload("w3", w, plastic=w.projections["input"], w_scale=1.0 / 10.0, w_max=0.1)


@_timed_build
def build_w5(n=4000, threads=1, seed=1):
    """W5 scaling (pyneuro.workloads.scaling): fixed in-degree 80 exc + 20 inh without replacement, 90 pA drive,
    STDP on E->E."""
    w = W.scaling(n, threads=threads, seed=seed)
    return _from_workload(f"w5_{n}", w, plastic=w.projections["ee"], w_max=2 * 2.4)


@_timed_build
def build_w4(scale=1.0, threads=1, seed=1, prime=None, fixed_indegree=False):
    """W4 zenke25k (pyneuro.workloads.zenke25k, Auryn's sim_background model): 20k E + 5k I (times scale),
    p = 0.05, BCM-like triplet STDP on E->E (weights in nS = leak units x 10), off during the first ``prime`` ms
    (default 30 s, Auryn's priming; the builder does not run it)."""
    w = W.zenke25k(threads=threads, seed=seed, scale=scale, prime=prime, fixed_indegree=fixed_indegree)
    return _from_workload("w4", w, plastic=w.projections["ee"], w_scale=1.0 / 10.0, w_max=10.0)


@_timed_build
def build_big(n=10000, p=0.1, threads=1, seed=1):
    """Construction benchmark: two populations of n LIFCond neurons joined by one FixedProbability(p)
    projection (n = 10000, p = 0.1 gives about 1e7 synapses)."""
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    a = net.add_population(pn.models.LIFCond(**W.COBA_NEURON), n=n, name="a")
    b = net.add_population(pn.models.LIFCond(**W.COBA_NEURON), n=n, name="b")
    proj = net.connect(a, b, pn.conn.FixedProbability(p, allow_self=True), weight=1.0, delay=0.1, receptor="exc")
    return Built("build", net, [], projections=[proj])


def _spikes_of(m):
    """Spikes recorded so far by a spike monitor or counted by a rate monitor."""
    return int(np.asarray(m.counts).sum()) if hasattr(m, "counts") else int(np.asarray(m.indices).size)


def spike_count(built):
    """Total number of spikes recorded so far over the recorded populations."""
    return int(sum(_spikes_of(m) for m, _ in built.recorded))


def run_built(built, duration_ms):
    """Run a built network once for duration_ms and return the result dict (spikes and rates of this run)."""
    spikes_before = spike_count(built)
    t0 = time.perf_counter()
    built.net.run(duration_ms)
    run_s = time.perf_counter() - t0
    rss_after_run = rss_bytes()
    sim_s = duration_ms / 1000.0
    total_spikes = spike_count(built) - spikes_before
    n_rec = sum(n for _, n in built.recorded)
    n_syn = built.n_syn
    out = dict(
        simulator="pyneuro",
        workload=built.name,
        duration_ms=duration_ms,
        run_s=run_s,
        run_s_per_sim_s=run_s / sim_s,
        build_s=built.build_s,
        n_syn=n_syn,
        syn_per_s_build=n_syn / built.build_s if built.build_s else None,
        total_spikes=total_spikes,
        rate_hz=total_spikes / n_rec / sim_s,
        rss_before_mb=built.rss_before / 2**20,
        rss_after_build_mb=built.rss_after_build / 2**20,
        rss_after_run_mb=rss_after_run / 2**20,
        peak_rss_mb=rss_bytes("VmHWM") / 2**20,
        bytes_per_syn=(built.rss_after_build - built.rss_before) / n_syn if n_syn else None,
        bytes_per_syn_after_run=(rss_after_run - built.rss_before) / n_syn if n_syn else None,
        # LIFCond: exponential Euler on v with each conductance's exact mean over the step (second order);
        # conductances decay exactly
        method="expEuler+exact-g-mean",
    )
    if built.plastic is not None:
        w = np.asarray(built.plastic.weights, dtype=np.float64)
        out["w_mean"] = float(w.mean()) * built.w_scale
        if built.name == "w3":
            out["frac_w_low"] = float(np.mean(w < 0.1 * built.w_max))
            out["frac_w_high"] = float(np.mean(w > 0.9 * built.w_max))
    return out


def w1(threads=1, seed=1, duration_ms=1000.0):
    out = run_built(build_w1(threads=threads, seed=seed), duration_ms)
    out.update(threads=threads, seed=seed)
    return out


def w2(threads=1, seed=1, duration_ms=1000.0):
    out = run_built(build_w2(threads=threads, seed=seed), duration_ms)
    out.update(threads=threads, seed=seed)
    return out


def w3(threads=1, seed=1, duration_ms=100000.0):
    out = run_built(build_w3(threads=threads, seed=seed), duration_ms)
    out.update(threads=threads, seed=seed)
    return out


def w4(scale=1.0, threads=1, seed=1, duration_ms=1000.0, prime_ms=None):
    """W4: build, run the priming phase (plasticity off; default 30 s as Auryn), then time ``duration_ms`` of the
    plastic network (``prime_ms_run_s``: the priming's wall time)."""
    built = build_w4(scale=scale, threads=threads, seed=seed, prime=prime_ms)
    ee = built.plastic
    prime = 30_000.0 if prime_ms is None else prime_ms
    t0 = time.perf_counter()
    built.net.run(prime)
    prime_s = time.perf_counter() - t0
    out = run_built(built, duration_ms)
    out["prime_ms"] = prime
    out["prime_run_s"] = prime_s
    out.update(
        threads=threads, seed=seed, scale=scale, n_plastic=int(ee.size), bytes_per_plastic_syn=ee.bytes / ee.size
    )
    return out


def w5(n=4000, threads=1, seed=1, duration_ms=1000.0):
    out = run_built(build_w5(n=n, threads=threads, seed=seed), duration_ms)
    out.update(threads=threads, seed=seed, n=n)
    return out


WORKLOADS = {"w1": w1, "w2": w2, "w3": w3, "w5": w5}


if __name__ == "__main__":  # python benchmarks/pyneuro_workloads.py --workload w1 --threads 1 --duration 1000
    import argparse
    import json

    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", choices=sorted(WORKLOADS), required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--duration", type=float, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=4000, help="W5 network size")
    a = ap.parse_args()
    kw = dict(threads=a.threads, seed=a.seed)
    if a.duration is not None:
        kw["duration_ms"] = a.duration
    if a.workload == "w5":
        kw["n"] = a.n
    print(json.dumps(WORKLOADS[a.workload](**kw)), flush=True)
