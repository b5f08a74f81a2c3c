"""pyneuro side of the standard workloads (see /work/shared/BENCHMARKS.md), built with the public API only.

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
except Exception as _exc:  # pragma: no cover
    pn = None
    _IMPORT_ERROR = _exc
else:
    _IMPORT_ERROR = None

DT = 0.1

# W1 (Brette et al. 2007 COBA) neuron
COBA_NEURON = dict(C_m=200.0, g_L=10.0, E_L=-60.0, V_th=-50.0, V_reset=-60.0, t_ref=5.0,
                   tau_syn_ex=5.0, tau_syn_in=10.0, E_ex=0.0, E_in=-80.0, I_e=0.0)


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
        self.recorded = recorded          # list of (spike monitor, population size)
        self.plastic = plastic            # projection whose mean final weight is reported
        self.projections = list(projections)
        self.w_scale = w_scale            # reported w_mean = mean(weights) * w_scale
        self.w_max = w_max
        self.build_s = None
        self.rss_before = None
        self.rss_after_build = None

    @property
    def n_syn(self):
        return int(sum(np.asarray(p.pre).size for p in self.projections))


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


def _coba_state(rng, n):
    v = rng.normal(-65.0, 5.0, n)
    ge = np.clip(rng.normal(40.0, 15.0, n), 0.0, None)
    gi = np.clip(rng.normal(200.0, 120.0, n), 0.0, None)
    return v, ge, gi


def _coba_populations(net, seed, n_exc, n_inh, I_e=0.0):
    params = dict(COBA_NEURON, I_e=I_e)
    exc = net.add_population(pn.models.LIFCond(**params), n=n_exc, name="exc")
    inh = net.add_population(pn.models.LIFCond(**params), n=n_inh, name="inh")
    # Initial state drawn with numpy (the Brian2 side draws it the same way; streams differ, distributions match).
    rng = np.random.default_rng(seed + 12345)
    v, ge, gi = _coba_state(rng, n_exc + n_inh)
    for pop, sl in ((exc, slice(0, n_exc)), (inh, slice(n_exc, n_exc + n_inh))):
        pop.set("v", v[sl])
        pop.set("g_ex", ge[sl])
        pop.set("g_in", gi[sl])
    return exc, inh


def _stdp(w_max):
    a_pre = 0.01 * w_max
    return pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=a_pre, a_post=-1.05 * a_pre,
                              w_min=0.0, w_max=w_max, interaction="all_to_all", weight_dependence="additive")


@_timed_build
def build_w1(threads=1, seed=1, plastic=False):
    """W1 coba (or W2 coba_stdp with plastic=True): 3200 exc + 800 inh, p = 0.02 for every pair."""
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    exc, inh = _coba_populations(net, seed, 3200, 800)
    conn = lambda: pn.conn.FixedProbability(0.02, allow_self=True)
    ee = net.connect(exc, exc, conn(), weight=6.0, delay=0.1, receptor="exc",
                     **({"plasticity": _stdp(12.0)} if plastic else {}))
    ei = net.connect(exc, inh, conn(), weight=6.0, delay=0.1, receptor="exc")
    ie = net.connect(inh, exc, conn(), weight=67.0, delay=0.1, receptor="inh")
    ii = net.connect(inh, inh, conn(), weight=67.0, delay=0.1, receptor="inh")
    recorded = [(net.record_spikes(exc), 3200), (net.record_spikes(inh), 800)]
    return Built("w2" if plastic else "w1", net, recorded, plastic=ee if plastic else None,
                 projections=[ee, ei, ie, ii], w_max=12.0 if plastic else None)


def build_w2(threads=1, seed=1):
    """W2 coba_stdp: W1 with additive all-to-all pair STDP on E->E (w_max 12 nS, initial 6 nS)."""
    return build_w1(threads=threads, seed=seed, plastic=True)


@_timed_build
def build_w3(threads=1, seed=1):
    """W3 song2000: 1000 Poisson inputs at 15 Hz onto one conductance-based LIF neuron with STDP.

    Brian2's example measures conductance in units of the leak (g_max = 0.01); here g_L = 10 nS so weights are
    in nS = g * 10 (w_max = 0.1 nS). Reported w_mean is divided by g_L, i.e. in Brian2's units.
    """
    g_L = 10.0
    w_max = 0.01 * g_L
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=15.0), n=1000, name="inputs")
    post = net.add_population(
        pn.models.LIFCond(C_m=100.0, g_L=g_L, E_L=-74.0, V_th=-54.0, V_reset=-60.0, t_ref=0.0,
                          tau_syn_ex=5.0, tau_syn_in=10.0, E_ex=0.0, E_in=-80.0, I_e=0.0),
        n=1, name="neuron")
    proj = net.connect(src, post, pn.conn.FixedProbability(1.0, allow_self=True),
                       weight=pn.conn.Uniform(0.0, w_max), delay=0.1, receptor="exc", plasticity=_stdp(w_max))
    recorded = [(net.record_spikes(post), 1)]
    return Built("w3", net, recorded, plastic=proj, projections=[proj], w_scale=1.0 / g_L, w_max=w_max)


def fixed_indegree(rng, n_pre, n_post, k):
    """(pre, post) index arrays: every post neuron gets exactly k distinct sources drawn uniformly from n_pre."""
    if k > n_pre:
        raise ValueError(f"k={k} > n_pre={n_pre}")
    pre = rng.integers(0, n_pre, size=(n_post, k), dtype=np.int64)
    while True:  # redraw duplicates within a row until none are left (k << n_pre: a few passes)
        pre.sort(axis=1)
        dup = np.zeros_like(pre, dtype=bool)
        dup[:, 1:] = pre[:, 1:] == pre[:, :-1]
        nd = int(dup.sum())
        if nd == 0:
            break
        pre[dup] = rng.integers(0, n_pre, size=nd, dtype=np.int64)
    post = np.repeat(np.arange(n_post, dtype=np.int64), k)
    return pre.ravel(), post


@_timed_build
def build_w5(n=4000, threads=1, seed=1):
    """W5 scaling: W1 neurons and state, 80 % exc, fixed in-degree 80 exc + 20 inh (sources without replacement),
    90 pA drive, w_e = 2.4 nS with W2's STDP on E->E (w_max = 2 w_e), w_i = 107.2 nS. ~5 Hz at every size."""
    n_exc = round(0.8 * n)
    n_inh = n - n_exc
    w_e, w_i = 2.4, 107.2
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    exc, inh = _coba_populations(net, seed, n_exc, n_inh, I_e=90.0)
    rng = np.random.default_rng(seed + 777)
    projs = []
    plastic = None
    for pre_pop, n_pre, k, w, rec in ((exc, n_exc, 80, w_e, "exc"), (inh, n_inh, 20, w_i, "inh")):
        for post_pop, n_post in ((exc, n_exc), (inh, n_inh)):
            pre_idx, post_idx = fixed_indegree(rng, n_pre, n_post, k)
            kw = {}
            if pre_pop is exc and post_pop is exc:
                kw["plasticity"] = _stdp(2 * w_e)
            p = net.connect(pre_pop, post_pop, pn.conn.FromArrays(pre_idx, post_idx), weight=w, delay=0.1,
                            receptor=rec, **kw)
            if kw:
                plastic = p
            projs.append(p)
    recorded = [(net.record_spikes(exc), n_exc), (net.record_spikes(inh), n_inh)]
    return Built(f"w5_{n}", net, recorded, plastic=plastic, projections=projs, w_max=2 * w_e)


@_timed_build
def build_big(n=10000, p=0.1, threads=1, seed=1):
    """Construction benchmark: two populations of n LIFCond neurons joined by one FixedProbability(p)
    projection (n = 10000, p = 0.1 gives about 1e7 synapses)."""
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    a = net.add_population(pn.models.LIFCond(**COBA_NEURON), n=n, name="a")
    b = net.add_population(pn.models.LIFCond(**COBA_NEURON), n=n, name="b")
    proj = net.connect(a, b, pn.conn.FixedProbability(p, allow_self=True), weight=1.0, delay=0.1,
                       receptor="exc")
    return Built("build", net, [], projections=[proj])


def spike_count(built):
    """Total number of spikes recorded so far over the recorded populations."""
    return int(sum(np.asarray(m.indices).size for m, _ in built.recorded))


def run_built(built, duration_ms):
    """Run a built network once for duration_ms and return the result dict."""
    t0 = time.perf_counter()
    built.net.run(duration_ms)
    run_s = time.perf_counter() - t0
    rss_after_run = rss_bytes()
    sim_s = duration_ms / 1000.0
    total_spikes = int(sum(np.asarray(m.indices).size for m, _ in built.recorded))
    n_rec = sum(n for _, n in built.recorded)
    n_syn = built.n_syn
    out = dict(
        simulator="pyneuro", workload=built.name, duration_ms=duration_ms,
        run_s=run_s, run_s_per_sim_s=run_s / sim_s, build_s=built.build_s,
        n_syn=n_syn, syn_per_s_build=n_syn / built.build_s if built.build_s else None,
        total_spikes=total_spikes, rate_hz=total_spikes / n_rec / sim_s,
        rss_before_mb=built.rss_before / 2**20, rss_after_build_mb=built.rss_after_build / 2**20,
        rss_after_run_mb=rss_after_run / 2**20, peak_rss_mb=rss_bytes("VmHWM") / 2**20,
        bytes_per_syn=(built.rss_after_build - built.rss_before) / n_syn if n_syn else None,
        bytes_per_syn_after_run=(rss_after_run - built.rss_before) / n_syn if n_syn else None,
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
