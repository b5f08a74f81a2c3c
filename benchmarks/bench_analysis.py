"""asv benchmarks of pyneuro.analysis on 1e6 spikes (1000 neurons at 100 Hz for 10 s, on the 0.1 ms grid).

    asv run --python=same --bench bench_analysis      # or: python benchmarks/bench_analysis.py

Each benchmark checks its result (rates and CV of a Poisson population, the correlogram's total) so that a broken
kernel fails instead of reporting a fast time.
"""

import numpy as np

import pyneuro.analysis as pa

N, RATE, T = 1000, 100.0, 10_000.0  # neurons, Hz, ms: about 1e6 spikes


def _spikes(seed=0):
    rng = np.random.default_rng(seed)
    counts = rng.poisson(RATE * T * 1e-3, N)
    i = np.repeat(np.arange(N), counts)
    t = np.round(rng.uniform(0.0, T, i.size) / 0.1) * 0.1
    order = np.argsort(t, kind="stable")
    return t[order], i[order]


class TimeAnalysis:
    number = 1
    repeat = 5
    rounds = 1
    warmup_time = 0.0
    timeout = 300

    def setup(self):
        self.t, self.i = _spikes()
        self.ta = self.t[self.i < 10]  # 10 neurons pooled: ~1e4 spikes
        self.tb = self.t[(self.i >= 10) & (self.i < 20)]

    def time_rates(self):
        r = pa.rates(self.t, self.i, N, 0.0, T)
        assert abs(r.mean() - RATE) < 1.0

    def time_isi_cv(self):
        cv = pa.isi_cv(self.t, self.i, N, 0.0, T)
        assert abs(np.nanmean(cv) - 1.0) < 0.05

    def time_fano_factor(self):
        f = pa.fano_factor(self.t, self.i, N, 100.0, 0.0, T)
        assert abs(f.mean() - 1.0) < 0.05

    def time_synchrony(self):
        chi = pa.synchrony(self.t, self.i, N, 5.0, 0.0, T)
        assert chi < 3.0 / np.sqrt(N)

    def time_cross_correlogram(self):
        _, c = pa.cross_correlogram(self.ta, self.tb, 1.0, 100.5)
        expected = self.ta.size * self.tb.size * 201.0 / T  # flat correlogram of independent trains
        assert abs(c.sum() - expected) < 0.05 * expected

    def time_population_cross_correlogram(self):
        _, c = pa.population_cross_correlogram(self.t, self.i, N, 1.0, 50.5, max_pairs=1000, seed=0)
        assert c.size == 101


if __name__ == "__main__":
    import time

    b = TimeAnalysis()
    b.setup()
    print(f"{b.t.size} spikes, {N} neurons")
    for name in sorted(n for n in dir(b) if n.startswith("time_")):
        t0 = time.perf_counter()
        getattr(b, name)()
        print(f"{name:40s} {1e3 * (time.perf_counter() - t0):8.1f} ms")
