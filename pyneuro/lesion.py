"""Lesions: silence neurons and remove synapses, now (between runs) or at a scheduled simulated time.

Used through :meth:`Network.lesion`; a :class:`Lesion` parses and resolves its selections, applies itself when its
step comes, and describes itself for checkpoints.

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

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core, io
from ._clock import to_step
from ._validation import check_index_array, check_number
from .scheduler import ORDER_LESION

if TYPE_CHECKING:
    from .io import Node, Refs
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
    _net: Network | None = field(default=None, repr=False)
    _engine: _core.Engine | None = field(default=None, repr=False)  # given by the network: for the structural log

    @property
    def n_synapses_removed(self) -> int | None:
        """Total number of synapses removed (``None`` while pending)."""
        return None if self.synapses_removed is None else int(sum(self.synapses_removed.values()))

    @property
    def next_step(self) -> int | None:
        """The step at which it applies, while pending; ``None`` once applied."""
        return None if self.applied else self.step

    # -- parsing ------------------------------------------------------------------------------------------------
    @classmethod
    def parse(
        cls,
        net: Network,
        engine: _core.Engine,
        neurons: Any,
        synapses: Any,
        at: Any,
        remove_synapses: Any,
        counter: int,
    ) -> tuple[Lesion, int]:
        """Validate and resolve a lesion of ``net`` (arguments as :meth:`Network.lesion`); changes nothing. Returns
        the lesion and the count of fraction selections made so far, ``counter`` plus this lesion's."""
        from .population import Population
        from .projection import Projection

        if not isinstance(remove_synapses, bool):
            raise TypeError(f"remove_synapses must be True or False, got {remove_synapses!r}")
        if at is None:
            step = net.step
        else:
            at = check_number("at", at, net.time - 0.5 * net.dt)
            step = max(net.step, to_step(at, net.dt))
        les = cls(time=step * net.dt, step=step, remove_synapses=remove_synapses, _net=net, _engine=engine)
        if neurons is not None:
            for j, e in enumerate(_entries("neurons", neurons, Population)):
                nm = f"neurons[{j}]" if isinstance(neurons, list) else "neurons"
                if isinstance(e, Population):
                    pop, ids = _own(net, nm, e), np.arange(e.size, dtype=np.uint32)
                elif isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], Population):
                    pop, sel = _own(net, nm, e[0]), e[1]
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
                proj, sel = _own(net, nm, e[0]), e[1]
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
        les._name_neurons()
        return les, counter

    def _name_neurons(self) -> None:
        for pop, ids in self._neurons:
            prev = self.neurons.get(pop.name)
            self.neurons[pop.name] = ids if prev is None else np.union1d(prev, ids).astype(np.uint32)

    # -- applying -----------------------------------------------------------------------------------------------
    @property
    def fire_order(self) -> tuple[int, ...]:
        """Lesions act first among the events due at a step (:mod:`pyneuro.scheduler`), in the order scheduled."""
        return (ORDER_LESION,)

    def fire(self, step: int | None = None) -> None:
        """Apply the lesion (the network is at ``step``, its step; as a :class:`pyneuro.scheduler.Scheduled`)."""
        self.apply()

    def apply(self) -> None:
        """Apply the lesion now: evaluate every synapse selection on one snapshot, then silence, then remove. Raises
        before changing anything when a selection no longer fits (e.g. a predicate returning a bad mask)."""
        net, engine = self._net, self._engine
        assert net is not None and engine is not None, "a Lesion is made by Network.lesion"
        projs = net.projections
        index = {id(p): k for k, p in enumerate(projs)}
        masks: dict[int, np.ndarray] = {}
        snap: dict[int, dict[str, np.ndarray]] = {}

        def arrays(proj: Projection) -> dict[str, np.ndarray]:
            k = index[id(proj)]
            if k not in snap:
                snap[k] = proj.arrays()
            return snap[k]

        def mask(proj: Projection) -> np.ndarray:
            k = index[id(proj)]
            if k not in masks:
                masks[k] = np.zeros(len(arrays(proj)["pre"]), dtype=bool)
            return masks[k]

        explicit: list[int] = []
        for j, (proj, sel) in enumerate(self._synapses):
            a = arrays(proj)
            n = len(a["pre"])
            if callable(sel):
                res = sel(
                    a["pre"].copy(), a["post"].copy(), a["weight"].copy(), a["delay_steps"].astype(np.float64) * net.dt
                )
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
                        f"synapses[{j}]: index {int(sel.max())} out of range for projection {proj.name!r} with {n} "
                        "synapses"
                    )
                mask(proj)[sel.astype(np.int64)] = True
            explicit.append(index[id(proj)])
        if self.remove_synapses and self._neurons:
            src: dict[int, np.ndarray] = {}
            for pop, ids in self._neurons:
                src[id(pop)] = np.union1d(src.get(id(pop), np.zeros(0, np.uint32)), ids)
            for proj in projs:
                from_ids, to_ids = src.get(id(proj.source)), src.get(id(proj.target))
                if from_ids is None and to_ids is None:
                    continue
                arr = arrays(proj)
                m = mask(proj)
                if from_ids is not None and from_ids.size:
                    m |= np.isin(arr["pre"], from_ids)
                if to_ids is not None and to_ids.size:
                    m |= np.isin(arr["post"], to_ids)
        for k, m in masks.items():
            if m.any():
                projs[k].check_rewirable("lesion")
        # nothing changed so far: now commit
        lesioned = _core.StructEventKind.lesioned
        for pop, ids in self._neurons:
            if ids.size:
                pop.compiled.lesion(ids.astype(np.uint32))
                # structural log: a lesioned neuron is ("lesioned", projection "", pre = population index, post = id)
                engine.log_structural(
                    self.step,
                    lesioned,
                    None,
                    np.full(ids.size, pop.compiled.id, np.uint32),
                    ids.astype(np.uint32),
                    np.zeros(ids.size, np.float32),
                )
        removed: dict[str, int] = {}
        for k in sorted(masks):
            proj = projs[k]
            idx = np.flatnonzero(masks[k])
            if idx.size:
                a = arrays(proj)
                proj.compiled.remove_synapses(idx.astype(np.uint64))
                engine.log_structural(
                    self.step, lesioned, proj.compiled, a["pre"][idx], a["post"][idx], a["weight"][idx]
                )
            if idx.size or k in explicit:
                removed[proj.name] = int(idx.size)
        self.synapses_removed = removed
        self.applied = True
        t = self.step * net.dt
        for name, ids in self.neurons.items():
            net.lesions.append({"time": t, "kind": "neurons", "name": name, "count": int(ids.size)})
        for name, c in removed.items():
            net.lesions.append({"time": t, "kind": "synapses", "name": name, "count": c})

    # -- checkpoints --------------------------------------------------------------------------------------------
    def check_savable(self) -> None:
        """Raise a ValueError if the lesion is pending and selects synapses by a predicate (which cannot be
        stored)."""
        if self.applied:
            return
        for proj, sel in self._synapses:
            if callable(sel):
                raise ValueError(
                    f"cannot save a checkpoint with a pending lesion that selects synapses of {proj.name!r} by a "
                    f"predicate (due at t = {self.time:g} ms): predicates cannot be stored; run past that time first, "
                    "or schedule the lesion with indices or a boolean mask"
                )

    def state(self) -> dict[str, Any]:
        """A pending lesion as plain data: ``step``, ``remove_synapses``, ``neurons`` as (population index, ids)
        pairs and ``synapses`` as (projection index, canonical indices) pairs (see :meth:`check_savable`)."""
        self.check_savable()
        net = self._net
        assert net is not None
        pops = {id(p): k for k, p in enumerate(net.populations)}
        projs = {id(p): k for k, p in enumerate(net.projections)}
        return {
            "step": int(self.step),
            "remove_synapses": bool(self.remove_synapses),
            "neurons": [(pops[id(pop)], np.asarray(ids, np.uint32)) for pop, ids in self._neurons],
            "synapses": [(projs[id(proj)], np.asarray(idx, np.uint64)) for proj, idx in self._synapses],
        }

    @classmethod
    def from_state(cls, net: Network, engine: _core.Engine, state: dict[str, Any]) -> Lesion:
        """Inverse of :meth:`state` for a lesion of ``net`` (whose engine is ``engine``)."""
        step = int(state["step"])
        les = cls(
            time=step * net.dt, step=step, remove_synapses=bool(state["remove_synapses"]), _net=net, _engine=engine
        )
        for k, ids in state["neurons"]:
            les._neurons.append((net.populations[k], np.asarray(ids, np.uint32)))
        for k, idx in state["synapses"]:
            les._synapses.append((net.projections[k], np.asarray(idx, np.uint64)))
        les._name_neurons()
        return les

    def save_to(self, node: Node, refs: Refs) -> None:
        """Write this pending lesion into the checkpoint group ``node``: attributes ``kind``, ``step`` and
        ``remove_synapses``; groups ``neurons`` and ``synapses`` with one dataset per target (its ids or canonical
        synapse indices), each naming its population (``pop``) or projection (``proj``) by position."""
        self.check_savable()
        node.attrs.update(kind="lesion", step=int(self.step), remove_synapses=bool(self.remove_synapses))
        gn, gs = node.child("neurons"), node.child("synapses")
        for j, (pop, ids) in enumerate(self._neurons):
            gn.data[str(j)] = np.asarray(ids, np.uint32)
            gn.data_attrs[str(j)] = {"pop": refs.index(pop)}
        for j, (proj, idx) in enumerate(self._synapses):
            gs.data[str(j)] = np.asarray(idx, np.uint64)
            gs.data_attrs[str(j)] = {"proj": refs.index(proj)}

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> Lesion:
        """The pending lesion saved in ``node`` by :meth:`save_to`, for ``net`` (whose engine is ``refs.engine``),
        added to its scheduler."""
        gn, gs = node.children["neurons"], node.children["synapses"]
        state = {
            "step": int(node.attrs["step"]),
            "remove_synapses": bool(node.attrs["remove_synapses"]),
            "neurons": [
                (refs.index(refs.population(gn.data_attrs[str(j)]["pop"], "lesion pop")), gn.data[str(j)])
                for j in range(len(gn.data))
            ],
            "synapses": [
                (refs.index(refs.projection(gs.data_attrs[str(j)]["proj"], "lesion proj")), gs.data[str(j)])
                for j in range(len(gs.data))
            ],
        }
        les = cls.from_state(net, refs.engine, state)
        net.scheduler.add(les)
        return les


io.register("scheduled", "lesion", Lesion)


# -- selections -------------------------------------------------------------------------------------------------
def _own(net: Network, name: str, obj: Any) -> Any:
    if obj.network is not net:
        raise ValueError(f"{name} ({obj!r}) belongs to another network")
    return obj


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
