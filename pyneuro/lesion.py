"""Lesions: silence neurons and remove synapses, now (between runs) or at a scheduled simulated time.

Used through :meth:`Network.lesion`; this module holds the parsing, the selection rules, the application and the
checkpoint part.

Semantics
---------
- A lesioned neuron is *silenced*: its spikes are dropped in the core right after it is integrated (before traces,
  plasticity, recorders, the divergence check and its targets see them), so it never spikes again, whatever its
  model (SpikeGenerator and PoissonSource included). Its state variables may keep integrating; nothing else is
  clamped. Its id stays valid and every other neuron keeps its id.
- With ``remove_synapses=True`` (default) every synapse into or out of a lesioned neuron, in every projection of
  the network, is removed as by :meth:`Projection.remove_synapses`: it never transmits again, spikes already in
  flight to it included. With ``remove_synapses=False`` its synapses stay (spikes it emitted before the lesion
  still arrive; input to it keeps changing its state).
- All selections of one lesion (synapse indices, masks, predicates, the synapses of lesioned neurons) are
  evaluated on the same snapshot: the canonical arrays at the time the lesion is applied, before any of it.
- ``at=t`` schedules the lesion for step ``round(t / dt)``; :meth:`Network.run` stops its chunks exactly there and
  applies the due lesions in time order (then in the order they were scheduled) before simulating that step, so
  the result is identical to running up to ``t``, calling ``net.lesion(...)`` and running on.
- Neuron selections (ids, fractions, regions) are resolved when the lesion is *scheduled*; synapse selections
  by indices or mask are checked against the projection's size when scheduled and interpreted on the canonical
  arrays when applied; predicates are called when applied.
- Fractions: ``k = floor(fraction * n + 0.5)`` neurons (halves round up) drawn without replacement by
  ``numpy.random.default_rng([net.seed, c]).choice(n, k, replace=False)``, where ``c`` counts the fraction
  selections made so far in this network (saved in checkpoints), so selections are deterministic.
- Checkpoints hold the lesion masks, ``net.lesions`` and pending lesions (neurons as ids, synapses as indices). A
  pending lesion with a predicate cannot be stored: :meth:`Network.save` raises ``ValueError`` (apply it first,
  e.g. by running past its time, or schedule it with indices or a mask).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import check_index_array, check_number

if TYPE_CHECKING:
    from .network import Network
    from .population import Population
    from .projection import Projection

__all__ = ["Lesion"]


@dataclass
class Lesion:
    """What a call of :meth:`Network.lesion` lesions (or will lesion, while pending).

    Attributes
    ----------
    time : float
        When it applies (ms).
    step : int
        The step before which it applies.
    neurons : dict
        Population name -> sorted unique ids of the lesioned neurons.
    synapses_removed : dict or None
        Projection name -> number of synapses removed (explicit selections and synapses of lesioned neurons
        together); ``None`` while pending.
    applied : bool
        Whether it has been applied.
    """

    time: float
    step: int
    neurons: dict[str, np.ndarray] = field(default_factory=dict)
    synapses_removed: dict[str, int] | None = None
    applied: bool = False
    remove_synapses: bool = True
    # resolved selections: (population, ids) and (projection, indices | predicate)
    _neurons: list[tuple[Population, np.ndarray]] = field(default_factory=list, repr=False)
    _synapses: list[tuple[Projection, np.ndarray | Callable[..., Any]]] = field(default_factory=list, repr=False)
    _counter_after: int = field(default=0, repr=False)  # the fraction counter once this lesion is committed

    @property
    def n_synapses_removed(self) -> int | None:
        """Total number of synapses removed (``None`` while pending)."""
        return None if self.synapses_removed is None else int(sum(self.synapses_removed.values()))


# -- parsing ----------------------------------------------------------------------------------------------------
def _entries(name: str, value: Any, single: type) -> list[Any]:
    """A single entry (an object of type ``single`` or a tuple starting with one) or a list of them."""
    if isinstance(value, single) or (isinstance(value, tuple) and value and isinstance(value[0], single)):
        return [value]
    if isinstance(value, list):
        return value
    raise TypeError(
        f"{name} must be a {single.__name__}, a ({single.__name__}, selection) tuple or a list of them, got {value!r}"
    )


def _region(name: str, pop: Population, region: dict[str, Any]) -> np.ndarray:
    pos = pop.positions
    if pos is None:
        raise ValueError(f"{name}: population {pop.name!r} has no positions (set pop.positions) for a region")
    x = pos.astype(np.float64)
    d = x.shape[1]
    keys = set(region)
    if keys == {"center", "radius"}:
        c = np.asarray(region["center"], dtype=np.float64).reshape(-1)
        if c.shape != (d,) or not np.all(np.isfinite(c)):
            raise ValueError(f"{name}: region center must be {d} finite numbers, got {region['center']!r}")
        r = check_number(f"{name}: region radius", region["radius"], 0.0)
        inside = ((x - c) ** 2).sum(axis=1) <= r * r
    elif keys == {"box"}:
        b = np.asarray(region["box"], dtype=np.float64)
        if b.shape != (2, d) or not np.all(np.isfinite(b)) or np.any(b[0] > b[1]):
            raise ValueError(f"{name}: region box must be [[lo]*{d}, [hi]*{d}] with lo <= hi, got {region['box']!r}")
        inside = np.all((x >= b[0]) & (x <= b[1]), axis=1)
    else:
        raise ValueError(f"{name}: a region is {{'center': [...], 'radius': r}} or {{'box': [lo, hi]}}, got {region!r}")
    return np.flatnonzero(inside).astype(np.uint32)


def _fraction_ids(net: Network, n: int, fraction: float, counter: int) -> np.ndarray:
    k = int(math.floor(fraction * n + 0.5))
    rng = np.random.default_rng([net.seed, counter])
    return np.sort(rng.choice(n, size=k, replace=False)).astype(np.uint32)


def parse(net: Network, neurons: Any, synapses: Any, at: Any, remove_synapses: Any) -> Lesion:
    """Validate and resolve a lesion; changes nothing (the fraction counter advances in :func:`schedule`)."""
    from .population import Population
    from .projection import Projection

    if not isinstance(remove_synapses, bool):
        raise TypeError(f"remove_synapses must be True or False, got {remove_synapses!r}")
    if at is None:
        step = net.step
    else:
        at = check_number("at", at, net.time - 0.5 * net.dt)
        step = max(net.step, int(math.floor(at / net.dt + 0.5 + 1e-9)))
    les = Lesion(time=step * net.dt, step=step, remove_synapses=remove_synapses)
    counter = net._lesion_counter
    if neurons is not None:
        for j, e in enumerate(_entries("neurons", neurons, Population)):
            nm = f"neurons[{j}]" if isinstance(neurons, list) else "neurons"
            if isinstance(e, Population):
                pop, ids = net._own(nm, e, Population), np.arange(e.size, dtype=np.uint32)
            elif isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], Population):
                pop, sel = net._own(nm, e[0], Population), e[1]
                if isinstance(sel, (float, np.floating)):
                    fr = check_number(f"{nm}: fraction", sel, 0.0, 1.0, lo_open=True)
                    ids = _fraction_ids(net, pop.size, fr, counter)
                    counter += 1
                elif isinstance(sel, dict):
                    ids = _region(nm, pop, sel)
                elif isinstance(sel, bool) or sel is None:
                    raise TypeError(f"{nm}: selection must be ids, a fraction or a region dict, got {sel!r}")
                else:
                    ids = np.unique(check_index_array(f"{nm}: ids", sel, pop.size)).astype(np.uint32)
            else:
                raise TypeError(
                    f"{nm} must be a Population or a (Population, ids | fraction | region) tuple, got {e!r}"
                )
            les._neurons.append((pop, ids))
    if synapses is not None:
        for j, e in enumerate(_entries("synapses", synapses, Projection)):
            nm = f"synapses[{j}]" if isinstance(synapses, list) else "synapses"
            if not (isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], Projection)):
                raise TypeError(f"{nm} must be a (Projection, indices | bool mask | predicate) tuple, got {e!r}")
            proj, sel = net._own(nm, e[0], Projection), e[1]
            if callable(sel):
                les._synapses.append((proj, sel))
                continue
            if sel is None or isinstance(sel, (bool, dict, str)):
                raise TypeError(f"{nm}: selection must be indices, a bool mask or a predicate, got {sel!r}")
            arr = np.asarray(sel)
            n = proj.size
            if arr.dtype == bool:
                if arr.shape != (n,):
                    raise ValueError(f"{nm}: a boolean mask must have shape ({n},), got {arr.shape}")
                idx = np.flatnonzero(arr).astype(np.uint64)
            else:
                idx = np.zeros(0, np.uint64)
                if arr.size:
                    idx = np.unique(check_index_array(f"{nm}: indices", arr, n)).astype(np.uint64)
            les._synapses.append((proj, idx))
    if neurons is None and synapses is None:
        raise ValueError("lesion: give neurons=..., synapses=... or both")
    for pop, ids in les._neurons:
        prev = les.neurons.get(pop.name)
        les.neurons[pop.name] = ids if prev is None else np.union1d(prev, ids).astype(np.uint32)
    les._counter_after = counter
    return les


def schedule(net: Network, les: Lesion) -> Lesion:
    """Apply ``les`` now if due, else add it to the network's pending lesions (kept in time order)."""
    net._lesion_counter = les._counter_after
    if les.step <= net.step:
        apply(net, les)
    else:
        net._pending_lesions.append(les)
        net._pending_lesions.sort(key=lambda x: x.step)  # stable: same-step lesions keep their order
    return les


# -- applying ---------------------------------------------------------------------------------------------------
def apply(net: Network, les: Lesion) -> None:
    """Apply ``les``: evaluate every synapse selection on one snapshot, then silence, then remove. Raises before
    changing anything when a selection no longer fits (e.g. a predicate returning a bad mask)."""
    masks: dict[int, np.ndarray] = {}
    by_id = {p._id: p for p in net.projections}
    snap: dict[int, tuple[np.ndarray, ...]] = {}

    def arrays(proj: Projection) -> tuple[np.ndarray, ...]:
        if proj._id not in snap:
            snap[proj._id] = net._engine.proj_gather(proj._id)
        return snap[proj._id]

    def mask(proj: Projection) -> np.ndarray:
        if proj._id not in masks:
            masks[proj._id] = np.zeros(len(arrays(proj)[0]), dtype=bool)
        return masks[proj._id]

    explicit: list[int] = []
    for j, (proj, sel) in enumerate(les._synapses):
        pre, post, dsteps, w = arrays(proj)
        n = len(pre)
        if callable(sel):
            res = sel(pre.copy(), post.copy(), w.copy(), dsteps.astype(np.float64) * net.dt)
            m = np.asarray(res)
            if m.dtype != bool or m.shape != (n,):
                raise TypeError(
                    f"synapses[{j}]: the predicate must return a bool array of shape ({n},), got "
                    f"dtype {m.dtype} and shape {m.shape}"
                )
            mask(proj)[:] |= m
        else:
            if sel.size and int(sel.max()) >= n:
                raise ValueError(
                    f"synapses[{j}]: index {int(sel.max())} out of range for projection {proj.name!r} with {n} synapses"
                )
            mask(proj)[sel.astype(np.int64)] = True
        explicit.append(proj._id)
    if les.remove_synapses and les._neurons:
        src: dict[int, np.ndarray] = {}
        for pop, ids in les._neurons:
            src[pop._id] = np.union1d(src.get(pop._id, np.zeros(0, np.uint32)), ids)
        for proj in net.projections:
            a, b = src.get(proj.source._id), src.get(proj.target._id)
            if a is None and b is None:
                continue
            pre, post = arrays(proj)[:2]
            m = mask(proj)
            if a is not None and a.size:
                m |= np.isin(pre, a)
            if b is not None and b.size:
                m |= np.isin(post, b)
    for pid, m in masks.items():
        if m.any():
            by_id[pid]._check_rewirable("lesion")
    # nothing changed so far: now commit
    for pop, ids in les._neurons:
        if ids.size:
            net._engine.pop_lesion(pop._id, ids.astype(np.uint32))
            # structural log: a lesioned neuron is ("lesioned", projection "", pre = population index, post = id)
            net._engine.log_structural(
                les.step,
                2,
                -1,
                np.full(ids.size, pop._id, np.uint32),
                ids.astype(np.uint32),
                np.zeros(ids.size, np.float32),
            )
    removed: dict[str, int] = {}
    for pid in sorted(masks):
        proj = by_id[pid]
        idx = np.flatnonzero(masks[pid])
        if idx.size:
            pre, post, _, w = arrays(proj)
            net._engine.proj_remove_synapses(pid, idx.astype(np.uint64))
            net._engine.log_structural(les.step, 2, pid, pre[idx], post[idx], w[idx])
        if idx.size or pid in explicit:
            removed[proj.name] = int(idx.size)
    les.synapses_removed = removed
    les.applied = True
    t = les.step * net.dt
    for name, ids in les.neurons.items():
        net.lesions.append({"time": t, "kind": "neurons", "name": name, "count": int(ids.size)})
    for name, c in removed.items():
        net.lesions.append({"time": t, "kind": "synapses", "name": name, "count": c})


def apply_due(net: Network) -> None:
    """Apply the pending lesions whose step has come, in time order."""
    while net._pending_lesions and net._pending_lesions[0].step <= net.step:
        apply(net, net._pending_lesions.pop(0))


def next_step(net: Network) -> int | None:
    """Step of the next pending lesion, or None."""
    return net._pending_lesions[0].step if net._pending_lesions else None


# -- checkpoints ------------------------------------------------------------------------------------------------
def check_savable(net: Network) -> None:
    for les in net._pending_lesions:
        for proj, sel in les._synapses:
            if callable(sel):
                raise ValueError(
                    f"cannot save a checkpoint with a pending lesion that selects synapses of {proj.name!r} by a "
                    f"predicate (due at t = {les.time:g} ms): predicates cannot be stored; run past that time first, "
                    "or schedule the lesion with indices or a boolean mask"
                )


def save(net: Network, f: Any) -> None:
    """Write the lesion log, the fraction counter and the pending lesions into the open HDF5 file ``f``."""
    g = f.create_group("lesions")
    g.attrs["counter"] = int(net._lesion_counter)
    g.attrs["log"] = json.dumps(net.lesions)
    gp = g.create_group("pending")
    for k, les in enumerate(net._pending_lesions):
        gk = gp.create_group(str(k))
        gk.attrs["step"] = int(les.step)
        gk.attrs["remove_synapses"] = bool(les.remove_synapses)
        gn = gk.create_group("neurons")
        for j, (pop, ids) in enumerate(les._neurons):
            ds = gn.create_dataset(str(j), data=np.asarray(ids, np.uint32))
            ds.attrs["pop"] = int(pop._id)
        gs = gk.create_group("synapses")
        for j, (proj, idx) in enumerate(les._synapses):
            ds = gs.create_dataset(str(j), data=np.asarray(idx, np.uint64))
            ds.attrs["proj"] = int(proj._id)


def load(net: Network, f: Any) -> None:
    """Restore what :func:`save` wrote (absent in older files: no lesions)."""
    if "lesions" not in f:
        return
    g = f["lesions"]
    net._lesion_counter = int(g.attrs["counter"])
    net.lesions = json.loads(g.attrs["log"])
    gp = g["pending"]
    for k in range(len(gp)):
        gk = gp[str(k)]
        les = Lesion(time=int(gk.attrs["step"]) * net.dt, step=int(gk.attrs["step"]))
        les.remove_synapses = bool(gk.attrs["remove_synapses"])
        for j in range(len(gk["neurons"])):
            ds = gk["neurons"][str(j)]
            pop = net.populations[int(ds.attrs["pop"])]
            les._neurons.append((pop, np.asarray(ds[()], np.uint32)))
        for j in range(len(gk["synapses"])):
            ds = gk["synapses"][str(j)]
            les._synapses.append((net.projections[int(ds.attrs["proj"])], np.asarray(ds[()], np.uint64)))
        for pop, ids in les._neurons:
            prev = les.neurons.get(pop.name)
            les.neurons[pop.name] = ids if prev is None else np.union1d(prev, ids).astype(np.uint32)
        net._pending_lesions.append(les)
