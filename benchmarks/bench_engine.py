"""asv benchmarks of the pyneuro engine on the standard workloads (benchmarks/README.md).

    asv run --python=same        # or: asv dev   (environment_type "existing", see asv.conf.json)

Every benchmark checks its result (rates within [1, 100] Hz, synapse counts, weights in range) so a broken
build fails instead of reporting a fast time. Settings suit a 2-core machine: one call per sample
(number = 1), 3 samples, 1 round, no warm-up; setup rebuilds the network before every timed call.
"""

import os
import sys

try:
    from . import pyneuro_workloads as pw
except ImportError:  # imported as a plain module (python benchmarks/bench_engine.py, pytest, ...)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pyneuro_workloads as pw


def _check_rate(built, n0, duration_ms, lo=1.0, hi=100.0):
    n_rec = sum(n for _, n in built.recorded)
    rate = (pw.spike_count(built) - n0) / n_rec / (duration_ms / 1000.0)
    if not (lo <= rate <= hi):
        raise AssertionError(f"{built.name}: mean rate {rate:.3f} Hz outside [{lo}, {hi}] Hz")
    return rate


def _check_weights(built):
    import numpy as np

    w = np.asarray(built.plastic.weights, dtype=np.float64)
    if not (np.all(np.isfinite(w)) and w.min() >= -1e-9 and w.max() <= built.w_max * (1 + 1e-6)):
        raise AssertionError(f"{built.name}: plastic weights outside [0, {built.w_max}]: min {w.min()}, max {w.max()}")
    if not (0.0 < w.mean() < built.w_max):
        raise AssertionError(f"{built.name}: mean weight {w.mean()} degenerate")


class _Base:
    number = 1
    repeat = 3
    rounds = 1
    warmup_time = 0.0
    min_run_count = 1
    timeout = 600


class TimeCOBA(_Base):
    """W1 coba: run of 200 ms simulated (0.2 s) after construction."""

    params = [1, 2]
    param_names = ["threads"]
    duration_ms = 200.0

    def setup(self, threads):
        self.built = pw.build_w1(threads=threads, seed=1)
        self.n0 = pw.spike_count(self.built)

    def time_run(self, threads):
        self.built.net.run(self.duration_ms)
        _check_rate(self.built, self.n0, self.duration_ms)


class TimeCOBASTDP(_Base):
    """W2 coba_stdp: run of 200 ms simulated with pair STDP on E->E."""

    params = [1, 2]
    param_names = ["threads"]
    duration_ms = 200.0

    def setup(self, threads):
        self.built = pw.build_w2(threads=threads, seed=1)
        self.n0 = pw.spike_count(self.built)

    def time_run(self, threads):
        self.built.net.run(self.duration_ms)
        _check_rate(self.built, self.n0, self.duration_ms)
        _check_weights(self.built)


class TimeBuild(_Base):
    """Construction of a 1e7-synapse projection (two populations of 10000, FixedProbability(0.1))."""

    n = 10000
    p = 0.1
    timeout = 900

    def _check(self, built):
        n_syn = built.n_syn
        expect = self.n * self.n * self.p
        if abs(n_syn - expect) > 0.01 * expect:
            raise AssertionError(f"build: {n_syn} synapses, expected about {expect:.0f}")
        return n_syn

    def time_build(self):
        built = pw.build_big(n=self.n, p=self.p, threads=1, seed=1)
        self._check(built)

    def track_bytes_per_synapse(self):
        """VmRSS after construction minus VmRSS before, over the synapse count."""
        built = pw.build_big(n=self.n, p=self.p, threads=1, seed=1)
        n_syn = self._check(built)
        return (built.rss_after_build - built.rss_before) / n_syn

    track_bytes_per_synapse.unit = "bytes"

    def track_bytes_per_synapse_after_first_step(self):
        """As track_bytes_per_synapse, after one 0.1 ms step (catches stores finalised lazily on the first run)."""
        built = pw.build_big(n=self.n, p=self.p, threads=1, seed=1)
        n_syn = self._check(built)
        built.net.run(pw.DT)
        return (pw.rss_bytes() - built.rss_before) / n_syn

    track_bytes_per_synapse_after_first_step.unit = "bytes"

    def track_synapses_per_second_build(self):
        built = pw.build_big(n=self.n, p=self.p, threads=1, seed=1)
        return self._check(built) / built.build_s

    track_synapses_per_second_build.unit = "synapses/s"


class TimeW5(_Base):
    """W5 scaling: fixed in-degree 100, STDP on E->E, 90 pA drive; 1 s simulated per call."""

    params = ([4000, 16000], [1, 2])
    param_names = ["n", "threads"]
    duration_ms = 1000.0

    def setup(self, n, threads):
        self.built = pw.build_w5(n=n, threads=threads, seed=1)
        self.n0 = pw.spike_count(self.built)

    def time_run(self, n, threads):
        self.built.net.run(self.duration_ms)
        _check_rate(self.built, self.n0, self.duration_ms)
        _check_weights(self.built)


class TimeW4(_Base):
    """W4 zenke25k, Auryn's sim_background model (shortened): 25k neurons, 3.4e7 synapses, 2e7 of them plastic
    (BCM-like triplet STDP); 0.5 s of priming with plasticity off in setup, then 200 ms of the plastic network
    timed per call."""

    params = [1, 2]
    param_names = ["threads"]
    prime_ms = 500.0
    duration_ms = 200.0
    timeout = 900

    def setup(self, threads):
        self.built = pw.build_w4(threads=threads, seed=1, prime=self.prime_ms)
        self.built.net.run(self.prime_ms)
        self.n0 = pw.spike_count(self.built)

    def time_run(self, threads):
        self.built.net.run(self.duration_ms)
        _check_rate(self.built, self.n0, self.duration_ms, lo=0.5, hi=50.0)
        _check_weights(self.built)

    def track_ns_per_plastic_post_update(self, threads):
        """Wall time of the post-spike phase (the postsynaptic half of the E->E rule) per synapse updated, in the
        slowest thread, over 200 ms of the plastic network."""
        net = self.built.net
        ee = self.built.plastic
        exc = next(m for m, n in self.built.recorded if n == 20000)
        c0 = int(exc.counts.sum())
        net.timing = True
        net.run(self.duration_ms)
        post = float(net.phase_times()["post"].max())
        net.timing = False
        updates = (int(exc.counts.sum()) - c0) * ee.size / 20000
        if updates <= 0:
            raise AssertionError("W4: no excitatory spikes in 200 ms")
        return 1e9 * post / updates

    track_ns_per_plastic_post_update.unit = "ns"

    def track_bytes_per_plastic_synapse(self, threads):
        """The plastic E->E store (forward CSR + post-major index) over its synapse count."""
        ee = self.built.plastic
        return ee.bytes / ee.size

    track_bytes_per_plastic_synapse.unit = "bytes"

    def track_synapses_per_second_build(self, threads):
        return self.built.n_syn / self.built.build_s

    track_synapses_per_second_build.unit = "synapses/s"


class TimeW6(_Base):
    """W6 rewiring: W5 at 16k neurons with about 0.8% of the E->E synapses pruned and regrown per simulated second
    (rewire=True) against the same network without structural rules (rewire=False); 2 s simulated per call."""

    params = [False, True]
    param_names = ["rewire"]
    duration_ms = 2000.0

    def setup(self, rewire):
        import pyneuro.workloads as W

        self.wl = W.rewiring(16000, threads=1, seed=1, rewire=rewire)
        self.wl.net.run(200.0)

    def time_run(self, rewire):
        self.wl.net.run(self.duration_ms)
        ee = self.wl.projections["ee"]
        if ee.size != 16000 * 4 // 5 * 80:
            raise AssertionError(f"W6: {ee.size} E->E synapses after regrowth, expected {16000 * 4 // 5 * 80}")
