"""One network over several MPI processes: the communicator's handles for the core, and gathers of results.

The compiled core exchanges spikes itself (with the MPI library mpi4py loaded, found at run time); this module only
hands it the communicator and, for reads of state and synapses between runs, gathers each rank's share in neuron
(canonical) order with mpi4py. Those reads are collective: every rank must make them, in the same order.
mpi4py is imported only when a communicator is given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "local_positions",
    "rule_entry",
    "canonical_order",
    "comm_handles",
    "gather_owned",
    "gather_synapses",
    "local_indices",
    "merge_state",
    "refuse",
]


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


def local_indices(comm: Any, local: tuple[np.ndarray, ...], canonical: np.ndarray) -> np.ndarray:
    """The positions, in this rank's own synapse order (``local``: its ``(pre, post, delay_steps, ...)``), of the
    synapses among the canonical indices ``canonical`` (of the whole projection, as one process numbers them) that
    this rank holds; sorted (collective)."""
    sizes = comm.allgather(int(len(local[0])))
    off = int(sum(sizes[: comm.Get_rank()]))
    order = canonical_order(comm, local)
    pos = order[np.asarray(canonical, dtype=np.int64)] - off
    return np.sort(pos[(pos >= 0) & (pos < len(local[0]))]).astype(np.uint64)


#: per-neuron entries of a population's saved state that only the rank owning the neuron keeps up to date
_PER_NEURON = ("var/", "refractory", "next", "lesioned")
#: per-synapse entries of a projection's rules (``proj/q/rule/r/NAME``, ``proj/q/structural/r/NAME``): one value per
#: synapse in the projection's canonical order, each rank holding its own synapses' values
_PER_SYNAPSE = ("c", "syn/", "syn_last", "below", "age")
#: per-postsynaptic-neuron entries of a projection's rules, kept up to date by the rank owning the neuron
_PER_POST = ("baseline", "neuron/")


def rule_entry(key: str) -> str | None:
    """``"synapse"`` or ``"post"`` for a per-synapse or per-postsynaptic-neuron entry of a projection's rule state
    (``proj/q/rule/r/NAME`` or ``proj/q/structural/r/NAME``), else None."""
    f = key.split("/")
    if len(f) < 5 or f[0] != "proj" or f[2] not in ("rule", "structural"):
        return None
    name = "/".join(f[4:])
    if name in _PER_SYNAPSE or any(p.endswith("/") and name.startswith(p) for p in _PER_SYNAPSE):
        return "synapse"
    if name in _PER_POST or any(p.endswith("/") and name.startswith(p) for p in _PER_POST):
        return "post"
    return None


def local_positions(comm: Any, local: tuple[np.ndarray, ...]) -> np.ndarray:
    """The canonical index (in the whole projection, as one process numbers it) of each of this rank's synapses, in
    this rank's order (``local``: its ``(pre, post, delay_steps, ...)``; collective)."""
    sizes = comm.allgather(int(len(local[0])))
    off = int(sum(sizes[: comm.Get_rank()]))
    order = canonical_order(comm, local)
    where = np.empty_like(order)
    where[order] = np.arange(order.size)
    return where[off : off + len(local[0])]


def merge_state(
    comm: Any,
    state: dict[str, Any],
    pops: list[tuple[int, tuple[int, int]]],
    statemons: list[tuple[np.ndarray, tuple[int, int]]] = (),  # type: ignore[assignment]
    projs: list[tuple[np.ndarray, tuple[int, int]]] = (),  # type: ignore[assignment]
    weightmons: list[tuple[np.ndarray, np.ndarray | None]] = (),  # type: ignore[assignment]
) -> dict[str, np.ndarray]:
    """The engine state of one process from every rank's ``state`` (collective; the result on rank 0, an empty
    dict on the others).

    Per-neuron entries of population ``k`` (``pop/k/var/...``, refractory counters, Poisson sources' next spikes,
    lesion flags) are taken from the rank owning each neuron (``pops[k] = (size, (begin, end))`` of this rank);
    every other entry (clock, spike rings, trace histories, recorded spikes and rates, the structural log, ...)
    must be the same on every rank, which the exchange guarantees after a run; an entry that is not is refused
    with its name (:class:`NotImplementedError`) on every rank, before anything is written. The values of state
    recorder ``m`` (``statemon/m/values``: one row per sample, one column per recorded neuron) are taken column by
    column from the rank owning the column's neuron (``statemons[m] = (indices, (begin, end))`` of this rank).
    Per-synapse entries of projection ``q``'s rules are concatenated in rank order and put into the canonical order
    by ``projs[q][0]`` (:func:`canonical_order`); per-postsynaptic-neuron entries are taken from the rank owning each
    neuron (``projs[q][1]``, this rank's block of the target). Weight recorder ``m`` (``weightmons[m] = (order,
    indices)``: each rank samples all its synapses) is put into the canonical order and its ``indices`` selected,
    as one process records it.
    """
    local = {k: np.asarray(v) for k, v in state.items()}
    owned = ([b for _, b in pops], [b for _, b in statemons], [b for _, b in projs])
    parts = comm.gather((local, owned), root=0)
    out: dict[str, np.ndarray] | None = None
    bad: str | None = None
    if comm.Get_rank() == 0:
        keys = list(local)
        out = {}
        for rs, _ in parts:
            if set(rs) != set(keys):
                bad = f"the state entries {sorted(set(rs) ^ set(keys))} (held by some ranks only)"
        for key in keys if bad is None else []:
            vals = [rs[key] for rs, _ in parts]
            f = key.split("/")
            if (
                f[0] == "pop"
                and "/".join(f[2:]).startswith(_PER_NEURON)
                and all(v.ndim == 1 and v.shape[0] == pops[int(f[1])][0] for v in vals)
            ):
                merged = vals[0].copy()
                for (_, own), v in zip(parts, vals, strict=True):
                    b, e = own[0][int(f[1])]
                    merged[b:e] = v[b:e]
                out[key] = merged
            elif rule_entry(key) == "synapse" and sum(v.size for v in vals) == projs[int(f[1])][0].size:
                out[key] = np.concatenate(vals)[projs[int(f[1])][0]]
            elif rule_entry(key) == "post" and all(v.shape == vals[0].shape and v.ndim == 1 for v in vals):
                merged = vals[0].copy()
                for (_, own), v in zip(parts, vals, strict=True):
                    b, e = own[2][int(f[1])]
                    merged[b:e] = v[b:e]
                out[key] = merged
            elif f[0] == "weightmon" and f[2] in ("values", "width") and len(weightmons) > int(f[1]):
                order, sel = weightmons[int(f[1])]
                widths = [int(rs[f"weightmon/{f[1]}/width"][0]) for rs, _ in parts]
                if not any(widths):  # never run: nothing sampled, no width set (as in one process)
                    out[key] = vals[0]
                    continue
                if f[2] == "width":
                    out[key] = np.asarray([order.size if sel is None else sel.size], dtype=vals[0].dtype)
                    continue
                n_rows = {v.size // w for v, w in zip(vals, widths, strict=True) if w}
                if sum(widths) != order.size or len(n_rows) != 1:
                    bad = f"the state entry {key!r} (the ranks' samples do not match)"
                    break
                full = np.concatenate([v.reshape(-1, w) for v, w in zip(vals, widths, strict=True) if w], axis=1)
                full = full[:, order]
                out[key] = np.ascontiguousarray(full if sel is None else full[:, sel]).reshape(-1)
            elif f[0] == "statemon" and f[2:] == ["values"] and all(v.shape == vals[0].shape for v in vals):
                idx = np.asarray(statemons[int(f[1])][0])
                merged = vals[0].reshape(-1, idx.size).copy()
                for (_, own), v in zip(parts, vals, strict=True):
                    b, e = own[1][int(f[1])]
                    cols = (idx >= b) & (idx < e)
                    merged[:, cols] = v.reshape(-1, idx.size)[:, cols]
                out[key] = merged.reshape(-1)
            elif all(v.dtype == vals[0].dtype and np.array_equal(v, vals[0]) for v in vals):
                out[key] = vals[0]
            else:
                bad = f"the state entry {key!r} (it differs between ranks)"
                break
    bad = comm.bcast(bad, root=0)
    if bad is not None:
        refuse(f"save (checkpoints): gathering {bad}")
    return out if out is not None else {}


def refuse(feature: str) -> None:
    """Raise the error for a feature that a network split over MPI ranks does not support yet."""
    raise NotImplementedError(
        f"{feature} is not supported yet on a network split over several MPI ranks (Network(comm=...) with more "
        "than one rank); run it in one process"
    )
