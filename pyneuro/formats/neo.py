"""Spikes as Neo objects (Garcia et al. 2014, Front Neuroinform 8: 10), the data model of Elephant and PyNN.

``to_neo_spiketrains(monitor)`` gives one ``neo.SpikeTrain`` per recorded neuron (times in ms, ``t_start`` 0,
``t_stop`` the network's current time), annotated with the population name and the neuron index, ready for
Elephant's statistics; ``to_neo_block(monitors)`` collects the trains of several recorders in one ``neo.Block``
with one ``Segment``. Needs ``neo`` (``pip install pyneuro[formats]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..monitors import SpikeMonitor

__all__ = ["to_neo_spiketrains", "to_neo_block"]


def _neo() -> Any:
    try:
        import neo
        import quantities
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError("Neo export needs the 'neo' package: pip install pyneuro[formats]") from e
    return neo, quantities


def to_neo_spiketrains(monitor: SpikeMonitor, t_start: float = 0.0, t_stop: float | None = None) -> list[Any]:
    """One ``neo.SpikeTrain`` per recorded neuron of ``monitor`` (in index order).

    Parameters
    ----------
    monitor : SpikeMonitor
        From :meth:`Network.record_spikes`; a monitor of a subset gives trains of that subset only.
    t_start, t_stop : float
        Window (ms) of the trains; default from 0 to the network's current time. Spikes outside it are left out.

    Returns
    -------
    list of neo.SpikeTrain
        Times in ms; annotations ``source_population`` (name), ``source_index`` (neuron index) and
        ``source_id`` (the same index, as PyNN annotates its trains).
    """
    from ..monitors import SpikeMonitor

    if not isinstance(monitor, SpikeMonitor):
        raise TypeError(f"monitor must be a SpikeMonitor, got {type(monitor).__name__}")
    neo, pq = _neo()
    stop = monitor.population.network.time if t_stop is None else float(t_stop)
    if not stop >= t_start:
        raise ValueError(f"t_stop must be >= t_start={t_start} ms, got {stop}")
    t, idx = monitor.times, monitor.indices
    keep = (t >= t_start) & (t <= stop)
    t, idx = t[keep], idx[keep]
    neurons = np.arange(monitor.population.size) if monitor.subset is None else np.asarray(monitor.subset)
    order = np.argsort(idx, kind="stable")
    bounds = np.searchsorted(idx[order], neurons, side="left"), np.searchsorted(idx[order], neurons, side="right")
    out = []
    for k, n in enumerate(neurons):
        times = t[order[bounds[0][k] : bounds[1][k]]]
        out.append(
            neo.SpikeTrain(
                times,
                units=pq.ms,
                t_start=t_start * pq.ms,
                t_stop=stop * pq.ms,
                source_population=monitor.population.name,
                source_index=int(n),
                source_id=int(n),
            )
        )
    return out


def to_neo_block(monitors: SpikeMonitor | Sequence[SpikeMonitor], name: str = "pyneuro") -> Any:
    """A ``neo.Block`` with one ``Segment`` holding the spike trains of every monitor (see
    :func:`to_neo_spiketrains`), in the order given."""
    from ..monitors import SpikeMonitor

    neo, _ = _neo()
    if isinstance(monitors, SpikeMonitor):
        monitors = [monitors]
    block = neo.Block(name=name)
    seg = neo.Segment(name="segment000")
    for m in monitors:
        seg.spiketrains.extend(to_neo_spiketrains(m))
    block.segments.append(seg)
    return block
