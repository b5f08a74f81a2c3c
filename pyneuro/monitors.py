"""Recorders. Each returns its data as numpy arrays; data accumulate over successive runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .network import Network
    from .population import Population
    from .projection import Projection

__all__ = ["Monitor", "SpikeMonitor", "StateMonitor", "WeightMonitor", "RateMonitor", "StructureMonitor"]


class Monitor:
    """Base of the recorders."""

    kind = ""

    def __init__(self, net: Network, mid: int) -> None:
        self._net = net
        self._id = mid


class SpikeMonitor(Monitor):
    """Spikes of a population (all neurons or a subset), from :meth:`Network.record_spikes`.

    Without a subset, neurons added later (:meth:`Population.add_neurons`) are recorded too; with one, only the
    subset.

    Attributes
    ----------
    times : ndarray of float64
        Spike times (ms), ascending; a spike detected in step s has time ``s * dt`` (``(s + 1) * dt`` under the
        NEST time convention, see :class:`pyneuro.Network`).
    indices : ndarray of int64
        Neuron index of each spike (ascending within a step).
    """

    kind = "spikes"

    def __init__(self, net: Network, mid: int, population: Population, subset: np.ndarray | None) -> None:
        super().__init__(net, mid)
        self.population = population
        self.subset = subset

    def _data(self) -> tuple[np.ndarray, np.ndarray]:
        return self._net._engine.spike_monitor_data(self._id)

    @property
    def steps(self) -> np.ndarray:
        """The steps in which the spikes were detected (``times / dt`` minus the stamp offset, see
        :attr:`pyneuro.Network.stamp_offset`)."""
        return self._data()[0]

    @property
    def times(self) -> np.ndarray:
        return (self._data()[0] + self._net.stamp_offset).astype(np.float64) * self._net.dt

    @property
    def indices(self) -> np.ndarray:
        return self._data()[1].astype(np.int64)

    @property
    def count(self) -> int:
        return int(self._data()[1].size)

    def rates(self, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
        """Mean rate (Hz) of every neuron of the population between ``t_start`` and ``t_stop`` (ms)."""
        t_stop = self._net.time if t_stop is None else t_stop
        t = self.times
        sel = (t >= t_start) & (t < t_stop)
        counts = np.bincount(self.indices[sel], minlength=self.population.size)
        return counts / max(t_stop - t_start, 1e-12) * 1000.0

    def __repr__(self) -> str:
        return f"SpikeMonitor({self.population.name!r}, {self.count} spikes)"


class StateMonitor(Monitor):
    """Samples of one state variable, from :meth:`Network.record_state`.

    A sample at time t is taken at the start of step t, after that step's arrivals were added (so a
    conductance jump at t shows at t).

    Attributes
    ----------
    times : ndarray of float64
        Sample times (ms).
    values : ndarray of float32, shape (n_samples, n_indices)
        The recorded values, one column per recorded neuron.
    """

    kind = "state"

    def __init__(
        self, net: Network, mid: int, population: Population, var: str, indices: np.ndarray, every: int
    ) -> None:
        super().__init__(net, mid)
        self.population = population
        self.var = var
        self.indices = indices
        self.every_steps = every

    @property
    def times(self) -> np.ndarray:
        return self._net._engine.state_monitor_data(self._id)[0].astype(np.float64) * self._net.dt

    @property
    def values(self) -> np.ndarray:
        return self._net._engine.state_monitor_data(self._id)[1]

    def __repr__(self) -> str:
        return f"StateMonitor({self.population.name!r}, {self.var!r}, {len(self.indices)} neurons)"


class WeightMonitor(Monitor):
    """Samples of a projection's weights, from :meth:`Network.record_weights`.

    Sampled at the start of a step (after the previous step's post-spike updates, before this step's arrivals).

    Attributes
    ----------
    times : ndarray of float64
        Sample times (ms).
    values : ndarray of float32, shape (n_samples, n_synapses)
        One column per recorded synapse (canonical order, or the selected positions).
    """

    kind = "weights"

    def __init__(self, net: Network, mid: int, projection: Projection, indices: np.ndarray | None, every: int) -> None:
        super().__init__(net, mid)
        self.projection = projection
        self.indices = indices
        self.every_steps = every

    @property
    def times(self) -> np.ndarray:
        return self._net._engine.weight_monitor_data(self._id)[0].astype(np.float64) * self._net.dt

    @property
    def values(self) -> np.ndarray:
        return self._net._engine.weight_monitor_data(self._id)[1]

    def __repr__(self) -> str:
        return f"WeightMonitor({self.projection.name!r})"


class StructureMonitor(Monitor):
    """Snapshots of a projection's synapses, from :meth:`Network.record_structure`: the recorder for projections
    whose structure changes (structural rules, lesions, ``add_synapses``), where a weight monitor, which records by
    position, cannot follow.

    A snapshot is taken at the start of a step (as weight samples are): when the recorder is created and every
    ``every`` ms after, inside :meth:`Network.run`. Snapshot k holds the canonical arrays of that time.

    Attributes
    ----------
    times : ndarray of float64
        Snapshot times (ms).
    counts : ndarray of int64
        Synapses in each snapshot.
    """

    kind = "structure"

    def __init__(self, net: Network, projection: Projection, every: int) -> None:
        super().__init__(net, -1)
        self.projection = projection
        self.every_steps = every
        self.next_step = net.step
        self._steps: list[int] = []
        self._arrays: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def _due(self) -> None:
        """Take the snapshot due at the current step, if any (called by Network.run between chunks)."""
        if self._net.step == self.next_step:
            self._steps.append(self.next_step)
            pre, post, d, w = self._net._engine.proj_gather(self.projection._id)
            self._arrays.append((np.asarray(pre), np.asarray(post), np.asarray(d), np.asarray(w)))
            self.next_step += self.every_steps

    @property
    def times(self) -> np.ndarray:
        return np.asarray(self._steps, dtype=np.float64) * self._net.dt

    @property
    def counts(self) -> np.ndarray:
        return np.array([len(a[0]) for a in self._arrays], dtype=np.int64)

    def __len__(self) -> int:
        return len(self._steps)

    def snapshot(self, k: int) -> dict[str, np.ndarray]:
        """Snapshot ``k``: ``pre``, ``post`` (uint32), ``delay`` (ms) and ``weight`` (float32), canonical order."""
        pre, post, d, w = self._arrays[k]
        return {"pre": pre, "post": post, "delay": d.astype(np.float64) * self._net.dt, "weight": w}

    def __repr__(self) -> str:
        return f"StructureMonitor({self.projection.name!r}, {len(self)} snapshots)"


class RateMonitor(Monitor):
    """Population rate per time bin, from :meth:`Network.record_rate`.

    Attributes
    ----------
    times : ndarray of float64
        Start of each bin (ms). Under the NEST time convention a bin starting at ``t`` holds the spikes stamped in
        ``(t, t + bin]``.
    rate : ndarray of float64
        Mean rate per neuron in each bin (Hz); the last bin may be partial (its rate uses the time covered).
        Counts include every neuron of the population; the rate divides by the population's *current* size, so
        after :meth:`Population.add_neurons` the bins recorded before the growth read low by old/new size
        (use ``counts`` with the size of your choice).
    counts : ndarray of int64
        Spikes per bin.
    """

    kind = "rate"

    def __init__(self, net: Network, mid: int, population: Population, bin_steps: int) -> None:
        super().__init__(net, mid)
        self.population = population
        self.bin_steps = bin_steps

    @property
    def counts(self) -> np.ndarray:
        return self._net._engine.rate_monitor_data(self._id)[2]

    @property
    def times(self) -> np.ndarray:
        start, bin_steps, counts = self._net._engine.rate_monitor_data(self._id)
        return (start + np.arange(counts.size) * bin_steps) * self._net.dt

    @property
    def rate(self) -> np.ndarray:
        start, bin_steps, counts = self._net._engine.rate_monitor_data(self._id)
        now = self._net._engine.now
        widths = np.full(counts.size, float(bin_steps))
        if counts.size:
            widths[-1] = min(bin_steps, now - (start + (counts.size - 1) * bin_steps))
        return counts / (self.population.size * widths * self._net.dt * 1e-3)

    def __repr__(self) -> str:
        return f"RateMonitor({self.population.name!r}, bin={self.bin_steps * self._net.dt} ms)"
