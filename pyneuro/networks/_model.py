"""The object the network builders return."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..inputs import PoissonInput
from ..monitors import SpikeMonitor
from ..network import Network
from ..population import Population
from ..projection import Projection

__all__ = ["BuiltNetwork"]


@dataclass
class BuiltNetwork:
    """A standard network, built: the :class:`~pyneuro.Network` and its parts by name.

    Unpacks as ``net, populations = builder(...)``.

    Attributes
    ----------
    net : Network
        The network, ready to run.
    populations : dict of str to Population
        The populations in the model's order.
    projections : dict of (str, str) to Projection
        The projections by (source, target) population name.
    inputs : dict of str to PoissonInput
        Poisson background inputs by target population name (``drive="poisson"``).
    spikes : dict of str to SpikeMonitor
        Spike recorders by population name (when built with ``record=True``).
    params : dict
        The numbers the model was built from (sizes, synapse counts, weights, drives), for reports.
    build_time : float
        Wall seconds spent building (populations, synapses, inputs).
    """

    net: Network
    populations: dict[str, Population]
    projections: dict[tuple[str, str], Projection] = field(default_factory=dict)
    inputs: dict[str, PoissonInput] = field(default_factory=dict)
    spikes: dict[str, SpikeMonitor] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    build_time: float = 0.0

    def __iter__(self) -> Iterator[Any]:
        yield self.net
        yield self.populations

    @property
    def n_neurons(self) -> int:
        return sum(p.size for p in self.populations.values())

    @property
    def n_synapses(self) -> int:
        return sum(p.size for p in self.projections.values())

    def rates(self, t_start: float = 0.0, t_stop: float | None = None) -> dict[str, float]:
        """Mean rate (Hz) of every recorded population between ``t_start`` and ``t_stop`` (ms; default now)."""
        t1 = self.net.time if t_stop is None else t_stop
        out = {}
        for name, m in self.spikes.items():
            t = m.times
            n = int((t >= t_start).sum() - (t > t1).sum())
            out[name] = n / (self.populations[name].size * (t1 - t_start) * 1e-3) if t1 > t_start else 0.0
        return out

    def cv_isi(self, t_start: float = 0.0, t_stop: float | None = None) -> dict[str, float]:
        """Mean CV of the inter-spike intervals of every recorded population between ``t_start`` and ``t_stop``
        (ms), over its neurons with at least 3 spikes (NaN when none has)."""
        from ..analysis import isi_cv

        t1 = self.net.time if t_stop is None else t_stop
        out = {}
        for name, m in self.spikes.items():
            cv = isi_cv(m.times, m.indices, self.populations[name].size, t_start, t1)
            out[name] = float(np.nanmean(cv)) if np.any(np.isfinite(cv)) else float("nan")
        return out

    def measure(
        self, t_presim: float, t_sim: float, raster_ms: float = 100.0, raster_neurons: int = 200
    ) -> dict[str, Any]:
        """Run ``t_presim`` ms (discarded), then ``t_sim`` ms timed; return the numbers the experiments report.

        Returns a dict: ``populations`` (names), ``sizes``, ``rates`` (Hz) and ``cv_isi`` per population over the
        measured period, ``run_s`` (wall seconds of the measured run loop), ``real_time_factor`` (``run_s`` per
        simulated second), ``build_s``, ``threads``, and for the figure ``raster_t``, ``raster_i`` (spike times in ms
        and row numbers of up to ``raster_neurons`` neurons per population, stacked in the populations' order, over
        the last ``raster_ms`` ms), ``raster_rows`` (each population's first row) and ``rate_t``, ``rate_hz``
        (population rates in 1 ms bins over the measured period, one row per population).
        """
        if t_presim > 0:
            self.net.run(t_presim)
        t0 = time.perf_counter()
        self.net.run(t_sim)
        run_s = time.perf_counter() - t0
        a, b = self.net.time - t_sim, self.net.time
        names = list(self.spikes)
        rates, cvs = self.rates(a, b), self.cv_isi(a, b)
        rt, ri, rows = [], [], []
        edges = np.arange(a, b + 1e-9, 1.0)
        rate_hz = np.zeros((len(names), max(edges.size - 1, 0)))
        row = 0
        for k, name in enumerate(names):
            m, size = self.spikes[name], self.populations[name].size
            t, i = m.times, m.indices
            rate_hz[k] = np.histogram(t[t >= a], edges)[0] / (size * 1e-3)
            keep = (t >= b - raster_ms) & (i < raster_neurons)
            rt.append(t[keep])
            ri.append(row + i[keep])
            rows.append(row)
            row += min(size, raster_neurons)
        return {
            "populations": names,
            "sizes": np.array([self.populations[n].size for n in names]),
            "rates": np.array([rates[n] for n in names]),
            "cv_isi": np.array([cvs[n] for n in names]),
            "run_s": run_s,
            "real_time_factor": run_s / (t_sim * 1e-3),
            "build_s": self.build_time,
            "threads": self.net.threads,
            "raster_t": np.concatenate(rt) if rt else np.zeros(0),
            "raster_i": np.concatenate(ri) if ri else np.zeros(0, dtype=np.int64),
            "raster_rows": np.array(rows),
            "rate_t": edges[:-1],
            "rate_hz": rate_hz,
        }
