"""One network over several MPI processes: the communicator's handles for the core, and gathers of results.

The compiled core exchanges spikes itself (with the MPI library mpi4py loaded, found at run time); this module only
hands it the communicator and, for reads of state and synapses between runs, gathers each rank's share in neuron
(canonical) order with mpi4py. Those reads are collective: every rank must make them, in the same order.
mpi4py is imported only when a communicator is given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["canonical_order", "comm_handles", "gather_owned", "gather_synapses", "refuse"]


def comm_handles(comm: Any) -> tuple[int, int, int]:
    """``(communicator handle, MPI_BYTE handle, handle size in bytes)`` of an mpi4py intracommunicator.

    Raises
    ------
    TypeError
        If mpi4py is not installed or ``comm`` is not an mpi4py intracommunicator.
    ValueError
        If ``comm`` is ``MPI.COMM_NULL``.
    """
    try:
        from mpi4py import MPI
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise TypeError(
            "comm must be an mpi4py communicator, but mpi4py is not installed (pip install 'pyneuro[mpi]')"
        ) from e
    if isinstance(comm, MPI.Comm) and comm == MPI.COMM_NULL:
        raise ValueError("comm is MPI.COMM_NULL; pass a communicator this process belongs to (e.g. MPI.COMM_WORLD)")
    if not isinstance(comm, MPI.Intracomm):
        raise TypeError(
            f"comm must be an mpi4py intracommunicator (e.g. MPI.COMM_WORLD) or None, got {type(comm).__name__}"
        )
    return int(MPI._handleof(comm)), int(MPI._handleof(MPI.BYTE)), int(MPI._sizeof(comm))


def gather_owned(comm: Any, values: np.ndarray, owned: tuple[int, int]) -> np.ndarray:
    """The whole-population array whose entries ``[owned[0], owned[1])`` each rank holds (collective)."""
    b, e = owned
    parts = comm.allgather(np.ascontiguousarray(values[b:e]))
    return np.concatenate(parts) if parts else values[:0].copy()


def gather_synapses(comm: Any, arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Every rank's synapses ``(pre, post, delay_steps, weight)`` merged into the canonical order of one process:
    by presynaptic neuron, then delay, then postsynaptic neuron; synapses that tie (multapses) keep their order,
    which one rank holds whole since a rank holds every synapse into its neurons (collective)."""
    parts = comm.allgather(tuple(np.ascontiguousarray(a) for a in arrays))
    cat = [np.concatenate([p[c] for p in parts]) for c in range(len(arrays))]
    order = _order(cat[0], cat[1], cat[2])
    return tuple(c[order] for c in cat)


def _order(pre: np.ndarray, post: np.ndarray, delay: np.ndarray) -> np.ndarray:
    return np.lexsort((post, delay, pre))  # lexsort is stable: ties keep rank (= creation) order


def canonical_order(comm: Any, arrays: tuple[np.ndarray, ...]) -> np.ndarray:
    """The permutation that puts every rank's synapses, concatenated in rank order, into the canonical order of
    one process (see :func:`gather_synapses`; collective)."""
    parts = comm.allgather(tuple(np.ascontiguousarray(a) for a in arrays[:3]))
    pre, post, d = (np.concatenate([p[c] for p in parts]) for c in range(3))
    return _order(pre, post, d)


def refuse(feature: str) -> None:
    """Raise the error for a feature that a network split over MPI ranks does not support yet."""
    raise NotImplementedError(
        f"{feature} is not supported yet on a network split over several MPI ranks (Network(comm=...) with more "
        "than one rank); run it in one process"
    )
