#!/usr/bin/env python
"""User definitions against the built-ins they rewrite, side by side in one process, and their compile times.

1. W2 (COBA, 4000 neurons, pair STDP on E->E) with the built-in STDP and with the same rule written as a
   pyneuro.plasticity.Custom definition: run-loop time per simulated second.
2. A W5-sized network (80 excitatory + 20 inhibitory inputs per neuron) of LIF (iaf_psc_exp) neurons, built-in
   against the pyneuro.models.Custom LIF with the same threshold offset theta (the built-in's per-neuron stimulus
   current I_stim is left out): run-loop time per simulated second.
3. With --w4: W4 (Auryn's sim_background, 25k neurons, 3.4e7 synapses, plastic E->E) with the built-in neuron
   LIFCondAmpaNmda and with the same neuron as a user definition (pyneuro.definitions.zenke_neuron): run-loop time
   per simulated second after a priming phase, and both networks' rates (the two neurons agree to float rounding,
   so the networks agree in their rates, not spike for spike).
4. Compile times: the first compilation of the rule and of the model into an empty cache, and a cached definition
   loaded in a fresh process and in this one (the time from the constructor call to a usable rule or model: the
   definition checked, its key computed, the library found and loaded; module imports excluded).

Both networks of a pair are built once; then runs of `chunk` ms alternate between them `reps` times (in the order
a b b a a b ...), and medians and minima of wall time per simulated second are compared, with the spread of the
per-repetition ratios (alternating in one process keeps the ratio trustworthy on a shared machine). W2 is timed on two
pairs built in opposite orders (memory placement alone moves a network's speed by a few percent), `w2-reps`
repetitions of `w2-chunk` ms per network, also in CPU time. Each pair's results are also checked equal (spikes and
weights), so a fast wrong build cannot pass.

    OPENBLAS_NUM_THREADS=1 python benchmarks/custom_vs_builtin.py [--reps 7] [--chunk 200] [--n5 16000] [--threads 1]
        [--w2-reps 10] [--w2-chunk 2000]
    OPENBLAS_NUM_THREADS=1 python benchmarks/custom_vs_builtin.py --w4 --only-w4 --skip-compile --reps 5 --chunk 500
    OPENBLAS_NUM_THREADS=1 python benchmarks/custom_vs_builtin.py --w4 --only-w4 --skip-compile --w4-scale 0.2
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import pyneuro as pn
import pyneuro.workloads as W

CUSTOM_STDP = dict(
    params={"a_pre": 0.12, "a_post": -0.126, "w_min": 0.0, "w_max": 12.0},
    traces={"x_pre": ("pre", 20.0), "x_post": ("post", 20.0)},
    # as the built-in, a synapse is not touched while the other side's trace is 0
    on_pre="if x_post != 0:\n    w = clip(w + a_post * x_post, w_min, w_max)",
    on_post="if x_pre != 0:\n    w = clip(w + a_pre * x_pre, w_min, w_max)",
)

LIF_PARAMS = dict(tau_m=20.0, C_m=250.0, E_L=-65.0, V_th=-50.0, V_reset=-65.0, t_ref=2.0, tau_syn_ex=5.0,
                  tau_syn_in=10.0)


def custom_stdp() -> pn.plasticity.Custom:
    d = dict(CUSTOM_STDP)
    d["traces"] = {k: pn.plasticity.Trace(*v) for k, v in CUSTOM_STDP["traces"].items()}  # type: ignore[attr-defined]
    return pn.plasticity.Custom(**d)  # type: ignore[arg-type]


def custom_lif() -> pn.models.Custom:
    return pn.models.Custom(
        params={**LIF_PARAMS, "I_e": 0.0},
        state={"v": -65.0, "I_ex": 0.0, "I_in": 0.0, "theta": 0.0},
        equations="""
            dv/dt = -(v - E_L) / tau_m + (I_ex + I_in + I_e) / C_m   (unless refractory)
            dI_ex/dt = -I_ex / tau_syn_ex
            dI_in/dt = -I_in / tau_syn_in
        """,
        threshold="v >= V_th + theta",  # theta: the threshold offset of the built-in (intrinsic plasticity)
        reset="v = V_reset",
        refractory="t_ref",
        receptors={"exc": "I_ex += w", "inh": "I_in -= w"},
        method="exact",
    )


def w5_lif(model: pn.models.NeuronModel, n: int, threads: int) -> tuple[pn.Network, pn.SpikeMonitor]:
    """W5's wiring (fixed in-degree 80 + 20, no STDP) with current-based LIF neurons driven by 40 of 200 Poisson
    sources (8 Hz) per neuron: irregular activity of a few Hz."""
    net = pn.Network(dt=0.1, seed=1, threads=threads)
    ne = int(0.8 * n)
    exc = net.add_population(model, ne, name="exc")
    inh = net.add_population(model, n - ne, name="inh")
    rng = np.random.default_rng(1)
    for pop in (exc, inh):
        pop.set("v", rng.uniform(-65.0, -50.0, pop.size))
    e_in = pn.conn.FixedInDegree(80, allow_multapses=False)
    i_in = pn.conn.FixedInDegree(20, allow_multapses=False)
    net.connect(exc, exc, e_in, weight=60.0, delay=1.0)
    net.connect(exc, inh, e_in, weight=60.0, delay=1.0)
    net.connect(inh, exc, i_in, weight=200.0, delay=1.0, receptor="inh")
    net.connect(inh, inh, i_in, weight=200.0, delay=1.0, receptor="inh")
    src = net.add_population(pn.models.PoissonSource(rate=8.0), 200, name="drive")
    net.connect(src, exc, pn.conn.FixedInDegree(40), weight=90.0, delay=1.0)
    net.connect(src, inh, pn.conn.FixedInDegree(40), weight=90.0, delay=1.0)
    return net, net.record_spikes(exc)


def alternate(a: pn.Network, b: pn.Network, reps: int, chunk: float,
              cpu: list[list[float]] | None = None) -> tuple[list[float], list[float]]:
    """Wall seconds per simulated second of `reps` runs of `chunk` ms each, in the order a b b a a b b a ... (each
    pair of neighbours sees the same machine load, and neither network always runs first). `cpu`: two lists that
    receive the process's CPU seconds per simulated second of the same runs (less sensitive to other processes)."""
    ta: list[float] = []
    tb: list[float] = []
    ca: list[float] = []
    cb: list[float] = []
    for r in range(reps):
        order = ((a, ta, ca), (b, tb, cb)) if r % 2 == 0 else ((b, tb, cb), (a, ta, ca))
        for net, out, cout in order:
            c0 = time.process_time()
            t0 = time.perf_counter()
            net.run(chunk)
            out.append((time.perf_counter() - t0) / (chunk * 1e-3))
            cout.append((time.process_time() - c0) / (chunk * 1e-3))
    if cpu is not None:
        cpu[0][:], cpu[1][:] = ca, cb
    return ta, tb


def row(name: str, ta: list[float], tb: list[float]) -> str:
    """Medians and minima, and the spread of the per-repetition ratios b/a (each from neighbouring runs): their
    median, quartiles and extremes."""
    ma, mb = statistics.median(ta), statistics.median(tb)
    ratios = sorted(100 * (y / x - 1) for x, y in zip(ta, tb))
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    return (f"{name:<34} {ma:8.3f} {mb:8.3f} {min(ta):8.3f} {min(tb):8.3f}   "
            f"median {100 * (mb / ma - 1):+5.1f}%   min {100 * (min(tb) / min(ta) - 1):+5.1f}%\n"
            f"{'':<34} per-repetition ratio ({len(ratios)}): median {statistics.median(ratios):+5.1f}%   "
            f"quartiles {q[0]:+5.1f}% .. {q[2]:+5.1f}%   range {ratios[0]:+5.1f}% .. {ratios[-1]:+5.1f}%")


def compile_times() -> list[str]:
    out = []
    with tempfile.TemporaryDirectory() as cache:
        # bytecode caching as a user's installation has it (a cached module import is not the definition's cost)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYNEURO_CACHE_DIR"] = cache
        here = os.path.dirname(os.path.abspath(__file__))
        code = (
            f"import sys, time; sys.path.insert(0, {here!r})\n"
            "import custom_vs_builtin as c\n"
            "import pyneuro._custom  # imports excluded from the times below\n"
            "import resource\n"
            "def cpu():\n"
            "    u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "    return u.ru_utime + u.ru_stime\n"
            "c0 = cpu(); r = c.custom_stdp(); c1 = cpu(); m = c.custom_lif(); c2 = cpu()\n"
            "print(r.compile_seconds, r.load_seconds, m.compile_seconds, m.load_seconds, c1 - c0, c2 - c1)\n"
        )
        first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        rc, rl, mc, ml, rcpu, mcpu = (float(x) for x in first.stdout.split())
        out.append(
            f"first compile (empty cache):  rule {rc:6.2f} s   model {mc:6.2f} s   "
            f"(compiler CPU time: rule {rcpu:.2f} s, model {mcpu:.2f} s)"
        )
        hits = []
        for _ in range(3):
            again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
            hits.append([float(x) for x in again.stdout.split()])
        rule_hit = statistics.median(h[1] for h in hits)  # columns as printed by `code`
        model_hit = statistics.median(h[3] for h in hits)
        compiled = max(max(h[0], h[2]) for h in hits)
        out.append(
            f"cache hit, fresh process:     rule {rule_hit:6.3f} s   model {model_hit:6.3f} s   "
            f"(median of 3; compile seconds {compiled})"
        )
        # this process has not loaded these libraries: a cache hit as a script's second run sees it
        import pyneuro._custom  # noqa: F401

        old = os.environ.get("PYNEURO_CACHE_DIR")
        os.environ["PYNEURO_CACHE_DIR"] = cache
        try:
            r, m = custom_stdp(), custom_lif()
        finally:
            if old is None:
                del os.environ["PYNEURO_CACHE_DIR"]
            else:
                os.environ["PYNEURO_CACHE_DIR"] = old
        if r.compile_seconds or m.compile_seconds:
            raise AssertionError("expected cache hits")
        out.append(f"cache hit, this process:      rule {r.load_seconds:6.3f} s   model {m.load_seconds:6.3f} s")
    return out


def w4(threads: int, reps: int, chunk: float, prime: float, scale: float = 1.0) -> None:
    nets = {
        k: W.zenke25k(threads=threads, neuron=k, prime=prime, tau_rate=10_000.0, scale=scale,
                      fixed_indegree=scale < 1.0)
        for k in ("builtin", "custom")
    }
    for w in nets.values():
        w.net.run(prime)
    c0 = {k: {p: int(m.counts.sum()) for p, m in w.rates.items()} for k, w in nets.items()}
    tb, tc = alternate(nets["builtin"].net, nets["custom"].net, reps, chunk)
    secs = reps * chunk * 1e-3
    rates = {
        k: {p: (int(m.counts.sum()) - c0[k][p]) / w.populations[p].size / secs for p, m in w.rates.items()}
        for k, w in nets.items()
    }
    print(row(f"W4 zenke25k x{scale:g} ({threads} thread)", tb, tc), flush=True)
    for k, r in rates.items():
        print(f"  W4 rates {k:<8} E {r['exc']:.3f} Hz   I {r['inh']:.3f} Hz", flush=True)


def zenke_kernel(n: int, threads: int, reps: int, chunk: float, convention: str) -> None:
    """The neuron update alone: n LIFCondAmpaNmda neurons against n pyneuro.definitions.zenke_neuron, driven by 200
    Poisson sources (10 excitatory and 5 inhibitory inputs each, no plasticity)."""

    def build(model: pn.models.NeuronModel) -> pn.Network:
        net = pn.Network(dt=0.1, seed=3, threads=threads, time_convention=convention)
        src = net.add_population(pn.models.PoissonSource(rate=5.0), 200)
        pop = net.add_population(model, n)
        net.connect(src, pop, pn.conn.FixedInDegree(10), weight=1.0, delay=0.8)
        net.connect(src, pop, pn.conn.FixedInDegree(5), weight=3.0, delay=0.8, receptor="inh")
        pop.set("v", np.linspace(-70.0, -50.0, n))
        net.run(100.0)
        return net

    tb, tc = alternate(build(pn.models.LIFCondAmpaNmda()), build(pn.definitions.zenke_neuron()), reps, chunk)
    print(row(f"zenke neuron n={n} ({convention})", tb, tc), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--chunk", type=float, default=200.0)
    ap.add_argument("--n5", type=int, default=16000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--w2-reps", type=int, default=10, help="W2 repetitions, each of both pairs (at least 5)")
    ap.add_argument("--w2-chunk", type=float, default=2000.0,
                    help="W2 ms per repetition (W2 runs at ~0.12 s per simulated s: 2000 ms is ~0.25 s of wall time)")
    ap.add_argument("--skip-compile", action="store_true")
    ap.add_argument("--w4", action="store_true", help="also W4 with the built-in and the user-defined neuron")
    ap.add_argument("--only-w4", action="store_true", help="skip W2 and W5")
    ap.add_argument("--only-w2", action="store_true", help="skip W5 (and W4 unless --w4)")
    ap.add_argument("--w4-prime", type=float, default=2000.0, help="W4 priming (ms, plasticity off, not timed)")
    ap.add_argument("--kernel", type=int, default=0,
                    help="also the Zenke neuron's update alone for this many neurons, built-in against user-defined")
    ap.add_argument("--w4-scale", type=float, default=1.0,
                    help="W4 with scale times the neurons and the full network's in-degrees (fixed_indegree)")
    a = ap.parse_args()
    lines = []
    if not a.skip_compile:
        lines += compile_times()
    print("\n".join(lines), flush=True)
    hdr = f"{'s per simulated s':<34} {'builtin':>8} {'custom':>8} {'min b':>8} {'min c':>8}"
    print(hdr)
    if a.kernel:
        for convention in ("nest", "pyneuro"):
            zenke_kernel(a.kernel, a.threads, a.reps, a.chunk, convention)
    if a.w4:
        w4(a.threads, a.reps, a.chunk, a.w4_prime, a.w4_scale)
    if a.only_w4:
        return
    # W2: two pairs, built in the orders (built-in, custom) and (custom, built-in): where a network's arrays land in
    # memory changes its speed by a few percent (seen with two copies of the same network), so each side gets
    # both places. Repetition r runs both pairs, each pair's two networks back to back, the pairs and the networks
    # within a pair in orders that change with r.
    pairs = [[W.coba(threads=a.threads, seed=1, stdp=True, rule=r) for r in rules]
             for rules in ((None, custom_stdp()), (custom_stdp(), None))]
    pairs[1].reverse()  # (built-in, custom) in both
    for wb, wc in pairs:
        for w in (wb, wc):
            w.net.run(50.0)
    tb: list[float] = []
    tc: list[float] = []
    cb: list[float] = []
    cc: list[float] = []
    for r in range(max(a.w2_reps, 5)):
        for wb, wc in pairs if r % 2 == 0 else pairs[::-1]:
            runs = ((wb, tb, cb), (wc, tc, cc)) if (r // 2) % 2 == 0 else ((wc, tc, cc), (wb, tb, cb))
            for w, wall, cpu in runs:
                c0, t0 = time.process_time(), time.perf_counter()
                w.net.run(a.w2_chunk)
                wall.append((time.perf_counter() - t0) / (a.w2_chunk * 1e-3))
                cpu.append((time.process_time() - c0) / (a.w2_chunk * 1e-3))
    for wb, wc in pairs:
        assert np.array_equal(wb.projections["ee"].weights, wc.projections["ee"].weights), "W2: weights differ"
        assert np.array_equal(wb.spikes["exc"].indices, wc.spikes["exc"].indices), "W2: spikes differ"
    print(row(f"W2 pair STDP ({a.threads} thread)", tb, tc), flush=True)
    print(row(f"W2 pair STDP, CPU time ({a.threads} thr)", cb, cc), flush=True)
    if a.only_w2:
        return
    # W5-sized LIF
    nb, sb = w5_lif(pn.models.LIF(**LIF_PARAMS), a.n5, a.threads)
    nc, sc = w5_lif(custom_lif(), a.n5, a.threads)
    for net in (nb, nc):
        net.run(50.0)
    tb, tc = alternate(nb, nc, a.reps, a.chunk)
    assert np.array_equal(sb.indices, sc.indices) and np.array_equal(sb.times, sc.times), "W5 LIF: spikes differ"
    rate = len(sb.times) / (0.8 * a.n5) / ((50.0 + a.reps * a.chunk) * 1e-3)
    print(row(f"W5-sized LIF n={a.n5} ({rate:.1f} Hz)", tb, tc), flush=True)


if __name__ == "__main__":
    main()
