"""Spikes in NWB (Rübel et al. 2022, eLife 11: e78362): the Units table of an NWB file, written with pynwb.

One row per recorded neuron with its spike times (NWB's unit: seconds) and two columns naming its origin:
``population`` and ``neuron_index``. Needs ``pynwb`` (``pip install pyneuro[formats]``).
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..monitors import SpikeMonitor

__all__ = ["write_nwb_spikes", "read_nwb_spikes"]


def _pynwb() -> Any:
    try:
        import pynwb
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError("NWB export needs the 'pynwb' package: pip install pyneuro[formats]") from e
    return pynwb


def write_nwb_spikes(
    path: str | Path,
    monitors: SpikeMonitor | Sequence[SpikeMonitor],
    session_description: str = "pyneuro simulation",
    identifier: str | None = None,
    session_start_time: _dt.datetime | None = None,
) -> Path:
    """Write the spikes of ``monitors`` as the Units table of a new NWB file.

    Parameters
    ----------
    path : str or Path
        The ``.nwb`` file to write (overwritten).
    monitors : SpikeMonitor or list of them
        Each recorded neuron becomes one unit (row), in monitor order then index order; neurons without spikes too.
    session_description, identifier, session_start_time
        NWB's required file metadata; default identifier a random UUID, default start time now (UTC).

    Returns
    -------
    Path
        The file written.
    """
    from ..monitors import SpikeMonitor

    pynwb = _pynwb()
    if isinstance(monitors, SpikeMonitor):
        monitors = [monitors]
    for k, m in enumerate(monitors):
        if not isinstance(m, SpikeMonitor):
            raise TypeError(f"monitors[{k}] must be a SpikeMonitor, got {type(m).__name__}")
    nwb = pynwb.NWBFile(
        session_description=session_description,
        identifier=identifier or str(uuid.uuid4()),
        session_start_time=session_start_time or _dt.datetime.now(_dt.timezone.utc),
    )
    nwb.add_unit_column(name="population", description="pyneuro population of the neuron")
    nwb.add_unit_column(name="neuron_index", description="index of the neuron in its population (0-based)")
    for m in monitors:
        t, idx = m.times, m.indices
        neurons = np.arange(m.population.size) if m.subset is None else np.asarray(m.subset)
        order = np.argsort(idx, kind="stable")
        lo = np.searchsorted(idx[order], neurons, side="left")
        hi = np.searchsorted(idx[order], neurons, side="right")
        for k, n in enumerate(neurons):
            nwb.add_unit(
                spike_times=t[order[lo[k] : hi[k]]] / 1000.0,
                population=m.population.name,
                neuron_index=int(n),
            )
    path = Path(path)
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


def read_nwb_spikes(path: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read the Units table written by :func:`write_nwb_spikes`: ``{population: (times_ms, neuron_indices)}``,
    sorted by time then index."""
    pynwb = _pynwb()
    out: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        units = nwb.units
        if units is None:
            raise ValueError(f"{path} has no Units table")
        for k in range(len(units)):
            pop = str(units["population"][k])
            n = int(units["neuron_index"][k])
            t = np.asarray(units["spike_times"][k], np.float64) * 1000.0
            ts, ix = out.setdefault(pop, ([], []))
            ts.append(t)
            ix.append(np.full(t.size, n, np.int64))
    res = {}
    for pop, (ts, ix) in out.items():
        t = np.concatenate(ts) if ts else np.zeros(0)
        i = np.concatenate(ix) if ix else np.zeros(0, np.int64)
        o = np.lexsort((i, t))
        res[pop] = (t[o], i[o])
    return res
