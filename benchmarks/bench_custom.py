"""asv benchmarks of user definitions (pn.plasticity.Custom, pn.models.Custom) against the built-ins they rewrite.

    asv run --python=same --bench bench_custom

W2 with the built-in pair STDP and with the same rule as a definition; a W5-sized LIF network with the built-in LIF
and the LIF definition; loading a cached definition. The side-by-side ratios are printed by
benchmarks/custom_vs_builtin.py (alternating runs in one process). Each benchmark checks its result.
"""

import os
import sys

import numpy as np

try:
    from . import custom_vs_builtin as cvb
except ImportError:  # imported as a plain module
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import custom_vs_builtin as cvb


class _Base:
    number = 1
    repeat = 3
    rounds = 1
    warmup_time = 0.0
    min_run_count = 1
    timeout = 600


class TimeW2PairSTDP(_Base):
    """W2 run of 200 ms with the built-in pair STDP or the same rule written as a definition."""

    params = ["builtin", "custom"]
    param_names = ["rule"]

    def setup(self, rule):
        import pyneuro.workloads as W

        self.w = W.coba(threads=1, seed=1, stdp=True, rule=cvb.custom_stdp() if rule == "custom" else None)
        self.w.net.run(20.0)

    def time_run(self, rule):
        self.w.net.run(200.0)
        w = self.w.projections["ee"].weights
        if not (np.all(np.isfinite(w)) and w.min() >= 0.0 and w.max() <= 12.0 and self.w.spikes["exc"].count > 0):
            raise AssertionError("W2: weights out of range or no spikes")


class TimeW5LIF(_Base):
    """W5-sized (16000 neurons) LIF network, 200 ms: the built-in LIF or the LIF definition."""

    params = ["builtin", "custom"]
    param_names = ["model"]

    def setup(self, model):
        import pyneuro as pn

        m = cvb.custom_lif() if model == "custom" else pn.models.LIF(**cvb.LIF_PARAMS)
        self.net, self.sm = cvb.w5_lif(m, 16000, 1)
        self.net.run(20.0)

    def time_run(self, model):
        n0 = self.sm.count
        self.net.run(200.0)
        rate = (self.sm.count - n0) / 12800 / 0.2
        if not 0.5 <= rate <= 100.0:
            raise AssertionError(f"W5 LIF: rate {rate:.2f} Hz")


class TimeLoadCached(_Base):
    """Constructing a definition whose library is cached (validation, key, cache lookup, load)."""

    def setup(self):
        cvb.custom_stdp()  # compiled (or found) once

    def time_load_rule(self):
        r = cvb.custom_stdp()
        if r.compile_seconds != 0.0:
            raise AssertionError("not a cache hit")
