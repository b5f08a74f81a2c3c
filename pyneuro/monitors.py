"""Recorders. Each returns its data as numpy arrays; data accumulate over successive runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import io

if TYPE_CHECKING:
    from . import _core
    from .io import Node, Refs
    from .network import Network
    from .population import Population
    from .projection import Projection

__all__ = ["Monitor", "SpikeMonitor", "StateMonitor", "WeightMonitor", "RateMonitor", "StructureMonitor", "MONITORS"]


class Monitor:
    """Base of the recorders. A recorder holds its compiled counterpart (if it has one) and asks it for data."""

    kind = ""

    def __init__(self, net: Network, compiled: Any) -> None:
        self._net = net
        self._core = compiled

    @property
    def network(self) -> Network:
        """The network this recorder belongs to."""
        return self._net

    # -- checkpoints: what the recorder is (its recorded data are the compiled recorder's, in the engine state) --
    def save_to(self, node: Node, refs: Refs) -> None:
        """Write what rebuilds this recorder into the checkpoint group ``node`` (attribute ``kind`` included)."""
        node.attrs["kind"] = self.kind

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> Monitor:
        """Recreate in ``net`` the recorder saved in ``node`` by :meth:`save_to` (the inverse)."""
        raise NotImplementedError(f"{cls.__name__} is abstract")


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

    def __init__(
        self, net: Network, compiled: _core.SpikeMonitor, population: Population, subset: np.ndarray | None
    ) -> None:
        super().__init__(net, compiled)
        self.population = population
        self.subset = subset

    @property
    def steps(self) -> np.ndarray:
        """The steps in which the spikes were detected (``times / dt`` minus the stamp offset, see
        :attr:`pyneuro.Network.stamp_offset`)."""
        return self._core.steps

    @property
    def times(self) -> np.ndarray:
        return (self._core.steps + self._net.stamp_offset).astype(np.float64) * self._net.dt

    @property
    def indices(self) -> np.ndarray:
        return self._core.ids.astype(np.int64)

    @property
    def count(self) -> int:
        return int(self._core.ids.size)

    def rates(self, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
        """Mean rate (Hz) of every neuron of the population between ``t_start`` and ``t_stop`` (ms)."""
        t_stop = self._net.time if t_stop is None else t_stop
        t = self.times
        sel = (t >= t_start) & (t < t_stop)
        counts = np.bincount(self.indices[sel], minlength=self.population.size)
        return counts / max(t_stop - t_start, 1e-12) * 1000.0

    def save_to(self, node: Node, refs: Refs) -> None:
        super().save_to(node, refs)
        node.attrs["target"] = refs.index(self.population)
        if self.subset is not None:
            node.data["subset"] = self.subset

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> Monitor:
        return net.record_spikes(refs.population(node.attrs["target"], "monitor target"), node.data.get("subset"))

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
        self, net: Network, compiled: _core.StateMonitor, population: Population, var: str, indices: np.ndarray
    ) -> None:
        super().__init__(net, compiled)
        self.population = population
        self.var = var
        self.indices = indices

    @property
    def every_steps(self) -> int:
        """Sampling interval (steps)."""
        return int(self._core.every)

    @property
    def times(self) -> np.ndarray:
        return self._core.steps.astype(np.float64) * self._net.dt

    @property
    def values(self) -> np.ndarray:
        """The recorded values (float32, one column per recorded neuron). Under several MPI ranks each rank samples
        the neurons it owns: the columns are gathered from their owners (collective: every rank must read it)."""
        local = self._core.values
        net = self._net
        if not net.distributed:
            return local
        ranges = net.comm.allgather(net._engine.owned_of(self.population.compiled))
        parts = net.comm.allgather(np.ascontiguousarray(local))
        out = np.array(local, copy=True)
        idx = np.asarray(self.indices)
        for (b, e), part in zip(ranges, parts):
            cols = (idx >= b) & (idx < e)
            out[:, cols] = part[:, cols]
        return out

    def save_to(self, node: Node, refs: Refs) -> None:
        super().save_to(node, refs)
        node.attrs.update(target=refs.index(self.population), var=self.var, every=self.every_steps)
        node.data["indices"] = self.indices

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> Monitor:
        pop = refs.population(node.attrs["target"], "monitor target")
        every = int(node.attrs["every"]) * net.dt
        return net.record_state(pop, str(node.attrs["var"]), node.data["indices"], every)

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

    def __init__(
        self, net: Network, compiled: _core.WeightMonitor, projection: Projection, indices: np.ndarray | None
    ) -> None:
        super().__init__(net, compiled)
        self.projection = projection
        self.indices = indices
        # under several MPI ranks: each rank records all its synapses; this permutation puts the ranks' columns,
        # concatenated, into the canonical order (set by Network.record_weights)
        self._order: np.ndarray | None = None

    @property
    def every_steps(self) -> int:
        """Sampling interval (steps)."""
        return int(self._core.every)

    @property
    def times(self) -> np.ndarray:
        return self._core.steps.astype(np.float64) * self._net.dt

    @property
    def values(self) -> np.ndarray:
        """The samples (float32, one column per recorded synapse). Under several MPI ranks each rank samples its
        own synapses and the columns are gathered into the canonical order (collective: every rank must read it)."""
        local = self._core.values
        net = self._net
        if not net.distributed or self._order is None:
            return local
        parts = net.comm.allgather(np.ascontiguousarray(local))
        out = np.concatenate(parts, axis=1)[:, self._order]
        return out if self.indices is None else out[:, self.indices]

    def save_to(self, node: Node, refs: Refs) -> None:
        super().save_to(node, refs)
        node.attrs.update(target=refs.index(self.projection), every=self.every_steps)
        if self.indices is not None:
            node.data["indices"] = self.indices

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> Monitor:
        proj = refs.projection(node.attrs["target"], "monitor target")
        return net.record_weights(proj, node.data.get("indices"), int(node.attrs["every"]) * net.dt)

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
        super().__init__(net, None)
        self.projection = projection
        self.every_steps = every
        self.next_step = net.step
        self._steps: list[int] = []
        self._arrays: list[dict[str, np.ndarray]] = []

    @property
    def fire_order(self) -> tuple[int, ...]:
        """Snapshots come after every change due at their step (:mod:`pyneuro.scheduler`)."""
        from .scheduler import ORDER_OBSERVE

        return (ORDER_OBSERVE,)

    def take_due(self) -> None:
        """Take the snapshot due at the current step, if any (:meth:`fire` at the network's step)."""
        self.fire(self._net.step)

    def fire(self, step: int) -> None:
        """Take the snapshot due at ``step``, if any (the network's scheduler calls it between chunks, as a
        :class:`pyneuro.scheduler.Scheduled`)."""
        if self._net.step == step == self.next_step:
            self._steps.append(self.next_step)
            self._arrays.append(self.projection.arrays())
            self.next_step += self.every_steps

    def state(self) -> dict[str, Any]:
        """What a checkpoint keeps: ``next_step`` and the snapshots as ``steps``, ``counts`` and the concatenated
        columns ``pre``, ``post``, ``delay_steps``, ``weight``."""
        out: dict[str, Any] = {
            "next_step": self.next_step,
            "steps": np.asarray(self._steps, dtype=np.int64),
            "counts": self.counts,
        }
        for name in ("pre", "post", "delay_steps", "weight"):
            parts = [a[name] for a in self._arrays]
            out[name] = np.concatenate(parts) if parts else np.zeros(0)
        return out

    def restore(self, state: dict[str, Any]) -> None:
        """Inverse of :meth:`state`."""
        self.next_step = int(state["next_step"])
        self._steps = [int(x) for x in state["steps"]]
        cuts = np.cumsum(np.asarray(state["counts"]))[:-1]
        cols = {n: np.split(np.asarray(state[n]), cuts) for n in ("pre", "post", "delay_steps", "weight")}
        self._arrays = [{n: cols[n][k] for n in cols} for k in range(len(self._steps))]

    @property
    def times(self) -> np.ndarray:
        return np.asarray(self._steps, dtype=np.float64) * self._net.dt

    @property
    def counts(self) -> np.ndarray:
        return np.array([len(a["pre"]) for a in self._arrays], dtype=np.int64)

    def __len__(self) -> int:
        return len(self._steps)

    def snapshot(self, k: int) -> dict[str, np.ndarray]:
        """Snapshot ``k``: ``pre``, ``post`` (uint32), ``delay`` (ms) and ``weight`` (float32), canonical order."""
        a = self._arrays[k]
        return {
            "pre": a["pre"],
            "post": a["post"],
            "delay": a["delay_steps"].astype(np.float64) * self._net.dt,
            "weight": a["weight"],
        }

    def save_to(self, node: Node, refs: Refs) -> None:
        super().save_to(node, refs)
        node.attrs.update(target=refs.index(self.projection), every=self.every_steps)
        state = self.state()
        node.attrs["next_step"] = state.pop("next_step")
        node.data.update(state)

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> Monitor:
        every = int(node.attrs["every"])
        if every < 1:
            raise ValueError(f"checkpoint monitor attribute every = {every} steps must be >= 1")
        m = cls(net, refs.projection(node.attrs["target"], "monitor target"), every)
        m.restore({"next_step": node.attrs["next_step"], **node.data})
        net.monitors.append(m)
        net.scheduler.add(m, saved=False)  # saved with the recorders
        return m

    def __repr__(self) -> str:
        return f"StructureMonitor({self.projection.name!r}, {len(self)} snapshots)"


class RateMonitor(Monitor):
    """Population rate per time bin of ``every`` ms, from :meth:`Network.record_rate`.

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

    def __init__(self, net: Network, compiled: _core.RateMonitor, population: Population) -> None:
        super().__init__(net, compiled)
        self.population = population

    @property
    def every_steps(self) -> int:
        """Bin width (steps)."""
        return int(self._core.bin)

    @property
    def bin_steps(self) -> int:
        """Alias of :attr:`every_steps` (the bin width)."""
        return self.every_steps

    @property
    def counts(self) -> np.ndarray:
        return self._core.counts

    @property
    def times(self) -> np.ndarray:
        counts = self._core.counts
        return (int(self._core.start) + np.arange(counts.size) * self.every_steps) * self._net.dt

    @property
    def rate(self) -> np.ndarray:
        start, bin_steps, counts = int(self._core.start), self.every_steps, self._core.counts
        now = self._net.step
        widths = np.full(counts.size, float(bin_steps))
        if counts.size:
            widths[-1] = min(bin_steps, now - (start + (counts.size - 1) * bin_steps))
        return counts / (self.population.size * widths * self._net.dt * 1e-3)

    def save_to(self, node: Node, refs: Refs) -> None:
        super().save_to(node, refs)
        node.attrs.update(target=refs.index(self.population), bin=self.every_steps)

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> Monitor:
        pop = refs.population(node.attrs["target"], "monitor target")
        return net.record_rate(pop, int(node.attrs["bin"]) * net.dt)

    def __repr__(self) -> str:
        return f"RateMonitor({self.population.name!r}, every={self.every_steps * self._net.dt} ms)"


#: The recorders by their ``kind`` (how a checkpoint names them).
MONITORS: dict[str, type[Monitor]] = {
    c.kind: c for c in (SpikeMonitor, StateMonitor, WeightMonitor, RateMonitor, StructureMonitor)
}

for _cls in MONITORS.values():
    io.register("monitors", _cls.kind, _cls)
