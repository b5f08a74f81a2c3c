"""Projection of the PyNN backend.

PyNN's connectors draw the connections (with PyNN's own random numbers, so a script's ``NumpyRNG`` seed fixes its
connectivity as on every backend); the projection keeps them as arrays in creation order and, at build time, creates
one pyneuro projection per pair of underlying populations with ``pn.conn.FromArrays``. Weights are kept in PyNN's
units and sign and lowered as magnitudes times 1000 (uS -> nS, nA -> pA) on the ``"exc"`` or ``"inh"`` receptor.
``get`` reads the live weights back (plastic weights change while the network runs) in creation order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pyNN import common
from pyNN.core import is_listlike
from pyNN.parameters import ParameterSpace
from pyNN.space import Space

import pyneuro as pn

from .._clock import to_steps
from . import simulator
from .synapses import StaticSynapse, default_delay

__all__ = ["Projection", "Connection"]

_RECEPTORS = {"excitatory": "exc", "inhibitory": "inh"}


class Connection(common.Connection):
    """One connection of a projection; its ``weight``, ``delay`` and plasticity parameters read and write the
    projection."""

    def __init__(self, projection: Projection, k: int) -> None:
        object.__setattr__(self, "_prj", projection)
        object.__setattr__(self, "_k", k)
        object.__setattr__(self, "presynaptic_index", int(projection._pre[k]))
        object.__setattr__(self, "postsynaptic_index", int(projection._post[k]))

    def __getattr__(self, name: str) -> Any:
        attrs = self._prj.live_attrs()
        if name not in attrs:
            raise AttributeError(f"a connection has no attribute {name!r} (has {sorted(attrs)})")
        return float(attrs[name][self._k])

    def __setattr__(self, name: str, value: Any) -> None:
        self._prj._set_one(self._k, name, float(value))

    def as_tuple(self, *attribute_names: str) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in attribute_names)


def split_by_population(obj: Any) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """(base populations, owner of each cell, index of each cell in its base population) of a Population,
    PopulationView or Assembly, in the object's own cell order."""
    if isinstance(obj, common.Assembly):
        pops: list[Any] = []
        owners, idx = [], []
        for part in obj.populations:
            base, local = part.native_index()
            if base not in pops:
                pops.append(base)
            owners.append(np.full(local.size, pops.index(base)))
            idx.append(local)
        return pops, np.concatenate(owners), np.concatenate(idx)
    base, local = obj.native_index()
    return [base], np.zeros(local.size, np.int64), local


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(
        self,
        presynaptic_population: Any,
        postsynaptic_population: Any,
        connector: Any,
        synapse_type: Any = None,
        source: Any = None,
        receptor_type: Any = None,
        space: Space | None = None,
        label: str | None = None,
    ) -> None:
        space = Space() if space is None else space
        common.Projection.__init__(
            self,
            presynaptic_population,
            postsynaptic_population,
            connector,
            synapse_type,
            source,
            receptor_type,
            space,
            label,
        )
        if not hasattr(self.synapse_type, "pyneuro_rules"):
            raise NotImplementedError(
                f"synapse type {type(self.synapse_type).__name__} is not available on pyneuro (StaticSynapse, "
                "STDPMechanism, TripletSTDP, VogelsSTDP, PyneuroSynapse)"
            )
        if self.receptor_type not in _RECEPTORS:
            raise NotImplementedError(
                f"receptor_type must be 'excitatory' or 'inhibitory' on pyneuro, got {self.receptor_type!r}"
            )
        if location_selector_used(connector):
            raise NotImplementedError("multi-compartment connections (location_selector) are not supported")
        self._receptor = _RECEPTORS[self.receptor_type]
        self._chunks_pre: list[np.ndarray] = []
        self._chunks_post: list[np.ndarray] = []
        self._chunks_attr: dict[str, list[np.ndarray]] = {}
        self._natives: list[tuple[Any, np.ndarray, np.ndarray]] = []  # (pn projection, creation positions, perm)
        if not self._connect_total_number(connector):
            connector.connect(self)
        self._pre = np.concatenate(self._chunks_pre) if self._chunks_pre else np.zeros(0, np.int64)
        self._post = np.concatenate(self._chunks_post) if self._chunks_post else np.zeros(0, np.int64)
        self._attrs: dict[str, np.ndarray] = {
            k: np.concatenate(v) if v else np.zeros(0) for k, v in self._chunks_attr.items()
        }
        for name in ("weight", "delay"):
            self._attrs.setdefault(name, np.zeros(self._pre.size))
        del self._chunks_pre, self._chunks_post, self._chunks_attr
        self._check_weights(self._attrs["weight"])
        simulator.state.projections.append(self)
        if simulator.state.net is not None:
            self.build(simulator.state.net)

    def __len__(self) -> int:
        return int(self._pre.size)

    @property
    def connections(self) -> list[Connection]:
        """Every connection, in creation order (snapshots of their attributes)."""
        return [Connection(self, k) for k in range(len(self))]

    def __getitem__(self, i: int) -> Connection:
        if not -len(self) <= i < len(self):
            raise IndexError(f"connection index {i} out of range for {len(self)} connections")
        return Connection(self, i % len(self))

    def set(self, **attributes: Any) -> None:  # noqa: A003 - PyNN's name
        super().set(**attributes)

    # -- connecting -------------------------------------------------------------------------------------------
    def _convergent_connect(
        self, presynaptic_indices: Any, postsynaptic_index: int, location_selector: Any = None, **params: Any
    ) -> None:
        if location_selector is not None:
            raise NotImplementedError("multi-compartment connections (location_selector) are not supported")
        pre = np.asarray(presynaptic_indices, dtype=np.int64).reshape(-1)
        n = pre.size
        self._chunks_pre.append(pre)
        self._chunks_post.append(np.full(n, int(postsynaptic_index), np.int64))
        for name, value in params.items():
            v = np.asarray(value, dtype=np.float64)
            self._chunks_attr.setdefault(name, []).append(np.broadcast_to(v, (n,)).copy() if v.ndim == 0 else v)

    def _connect_total_number(self, connector: Any) -> bool:
        """FixedTotalNumberConnector drawn by pyneuro's compiled FixedTotalNumber rule (seeded from the connector's
        rng, so a script's seed still fixes the connectivity); the synapse parameters must be numbers or random
        distributions. Returns False (PyNN's connector is used) otherwise."""
        from pyNN.connectors import FixedTotalNumberConnector
        from pyNN.random import RandomDistribution

        if type(connector) is not FixedTotalNumberConnector:
            return False
        ps = self.synapse_type.native_parameters
        values = {}
        for name, v in ps.items():
            base = v.base_value
            if v.operations or not (base is None or isinstance(base, (int, float, RandomDistribution))):
                return False
            values[name] = base
        n_pre, n_post = self.pre.size, self.post.size
        same = self.pre is self.post
        seed = int(connector.rng.next(1, "uniform_int", {"low": 0, "high": 2**31 - 1})[0])
        scratch = pn.Network(dt=simulator.state.dt, seed=seed)
        a = scratch.add_population(pn.models.SpikeGenerator(), n=n_pre)
        b = a if same else scratch.add_population(pn.models.SpikeGenerator(), n=n_post)
        rule = pn.conn.FixedTotalNumber(
            int(connector.n),
            allow_autapses=bool(connector.allow_self_connections),
            allow_multapses=bool(connector.with_replacement),
        )
        prj = scratch.connect(a, b, rule)
        pre, post = prj.pre.astype(np.int64), prj.post.astype(np.int64)
        m = pre.size
        self._chunks_pre.append(pre)
        self._chunks_post.append(post)
        for name, base in values.items():
            if isinstance(base, RandomDistribution):
                arr = np.asarray(base.next(m), dtype=np.float64).reshape(-1) if m else np.zeros(0)
            elif base is None:
                arr = np.full(m, default_delay())
            else:
                arr = np.full(m, float(base))
            self._chunks_attr.setdefault(name, []).append(arr)
        return True

    def _check_weights(self, w: np.ndarray) -> None:
        parts = self.post.populations if isinstance(self.post, common.Assembly) else [self.post]
        cond = any(getattr(p.celltype, "conductance_based", False) for p in parts)
        if w.size and cond and np.any(w < 0):
            raise ValueError(
                f"weights of a projection onto conductance-based cells must be >= 0 (uS), got min {w.min()}"
            )
        if w.size and not cond and self._receptor == "exc" and np.any(w < 0):
            raise ValueError(f"excitatory weights must be >= 0 (nA), got min {w.min()}")
        if w.size and not np.all(np.isfinite(w)):
            raise ValueError("weights must be finite")

    # -- building ---------------------------------------------------------------------------------------------
    def _rule_params(self, sel: np.ndarray) -> dict[str, float]:
        out = {}
        for name, arr in self._attrs.items():
            if name in ("weight", "delay"):
                continue
            a = arr[sel]
            if a.size and not np.all(a == a[0]):
                raise NotImplementedError(
                    f"plasticity parameter {name!r} differs between connections of projection {self.label!r}; "
                    "pyneuro's rules take one value per projection"
                )
            out[name] = (
                float(a[0]) if a.size else float(np.asarray(self.synapse_type.native_parameters[name].base_value))
            )
        return out

    def build(self, net: pn.Network) -> None:
        self._natives = []
        pre_pops, pre_owner, pre_local = split_by_population(self.pre)
        post_pops, post_owner, post_local = split_by_population(self.post)
        po = pre_owner[self._pre] if self._pre.size else np.zeros(0, np.int64)
        qo = post_owner[self._post] if self._post.size else np.zeros(0, np.int64)
        dt = simulator.state.dt
        if len(pre_pops) == 1 and len(post_pops) == 1:
            groups = [(0, 0, np.arange(self._pre.size))] if self._pre.size else []
        else:
            key = po * len(post_pops) + qo
            groups = [
                (int(k) // len(post_pops), int(k) % len(post_pops), np.flatnonzero(key == k)) for k in np.unique(key)
            ]
        for a, b, sel in groups:
            src, tgt = pre_pops[a], post_pops[b]
            p = pre_local[self._pre[sel]]
            q = post_local[self._post[sel]]
            w = np.abs(self._attrs["weight"][sel]) * 1000.0
            d = np.maximum(self._attrs["delay"][sel], dt)
            rules = self.synapse_type.pyneuro_rules(self._rule_params(sel))
            prj = net.connect(
                src.native,
                tgt.native,
                pn.conn.FromArrays(p, q),
                weight=w,
                delay=d,
                receptor=self._receptor,
                plasticity=rules or None,
            )
            steps = to_steps(d, dt)
            perm = np.lexsort((q, steps, p))  # canonical order: by pre, delay, post, ties in creation order
            if not (np.array_equal(prj.pre, p[perm]) and np.array_equal(prj.post, q[perm])):
                raise RuntimeError(f"projection {self.label!r}: synapse order differs from the one expected")
            self._natives.append((prj, sel, perm))

    def keep_weights(self) -> None:
        """Before a reset: take the current (possibly plastic) weights into the description."""
        self._attrs["weight"] = self.live_attrs()["weight"]
        self._natives = []

    def live_attrs(self) -> dict[str, np.ndarray]:
        attrs = dict(self._attrs)
        if self._natives:
            w = attrs["weight"].copy()
            sign = np.where(attrs["weight"] < 0, -1.0, 1.0)
            for prj, sel, perm in self._natives:
                if sel.size:
                    live = np.empty(sel.size)
                    live[perm] = prj.weights.astype(np.float64) / 1000.0
                    w[sel] = sign[sel] * live
            attrs["weight"] = w
        dt = simulator.state.dt
        attrs["delay"] = to_steps(np.maximum(attrs["delay"], dt), dt) * dt
        return attrs

    # -- reading and writing attributes --------------------------------------------------------------------------
    def _get_attributes_as_list(self, names: Any) -> list[tuple[Any, ...]]:
        attrs = self.live_attrs()
        cols = []
        for name in names:
            if name == "presynaptic_index":
                cols.append(self._pre)
            elif name == "postsynaptic_index":
                cols.append(self._post)
            elif name in attrs:
                cols.append(attrs[name])
            else:
                raise ValueError(f"projection {self.label!r} has no attribute {name!r} (has {sorted(attrs)})")
        return [tuple(row) for row in zip(*[c.tolist() for c in cols])] if cols else []

    def _get_attributes_as_arrays(self, names: Any, multiple_synapses: str = "sum") -> list[np.ndarray]:
        attrs = self.live_attrs()
        op = common.Projection.MULTI_SYNAPSE_OPERATIONS[multiple_synapses]
        out = []
        for name in names:
            key = name[:-1] if name not in attrs and name.endswith("s") else name
            if key not in attrs:
                raise ValueError(f"projection {self.label!r} has no attribute {name!r} (has {sorted(attrs)})")
            values = np.full((self.pre.size, self.post.size), np.nan)
            vals = attrs[key]
            flat = self._pre * self.post.size + self._post
            uniq, first, counts = np.unique(flat, return_index=True, return_counts=True)
            values.flat[flat[first]] = vals[first]
            if np.any(counts > 1):
                for k in np.flatnonzero(np.bincount(np.searchsorted(uniq, flat)) > 1):
                    which = np.flatnonzero(flat == uniq[k])
                    acc = vals[which[0]]
                    for j in which[1:]:
                        acc = op(acc, vals[j])
                    values.flat[uniq[k]] = acc
            out.append(values)
        return out

    def _set_attributes(self, parameter_space: ParameterSpace) -> None:
        parameter_space.evaluate(simplify=False)
        live = bool(self._natives)
        new = {}
        for name, value in parameter_space.items():
            arr = np.asarray(value, dtype=np.float64)
            if arr.ndim == 2:
                v = arr[self._pre, self._post]
            else:
                v = np.broadcast_to(arr, self._pre.shape).astype(np.float64)
            if live and name != "weight":
                raise NotImplementedError(
                    f"pyneuro cannot change {name!r} of a projection once the network has run (weights can be); "
                    "call reset() first"
                )
            new[name] = np.where(np.isnan(v), self.live_attrs()[name], v)
        if "weight" in new:
            self._check_weights(new["weight"])
        for name, v in new.items():
            self._attrs[name] = v
        if live and "weight" in new:
            for prj, sel, perm in self._natives:
                if sel.size:
                    prj.weights = (np.abs(new["weight"][sel]) * 1000.0)[perm]

    def _set_one(self, k: int, name: str, value: float) -> None:
        """Set one attribute of connection k (PyNN units)."""
        if name not in self._attrs:
            raise AttributeError(f"a connection has no attribute {name!r} (has {sorted(self._attrs)})")
        if self._natives and name != "weight":
            raise NotImplementedError(
                f"pyneuro cannot change {name!r} of a connection once the network has run (weights can be); "
                "call reset() first"
            )
        new = self.live_attrs()[name].copy()
        new[k] = value
        if name == "weight":
            self._check_weights(new)
        self._attrs[name] = new
        if self._natives and name == "weight":
            for prj, sel, perm in self._natives:
                if sel.size:
                    prj.weights = (np.abs(new[sel]) * 1000.0)[perm]

    def _set_initial_value_array(self, variable: str, value: Any) -> None:
        raise NotImplementedError("pyneuro's plasticity rules keep their state in neuron traces; nothing to set")


def location_selector_used(connector: Any) -> bool:
    return getattr(connector, "location_selector", None) not in (None, "all") and is_listlike(
        getattr(connector, "location_selector", None)
    )
