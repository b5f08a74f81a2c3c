"""The object the network builders return."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

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
