"""Populations: blocks of neurons of one model, whose state is read and written as numpy arrays."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core, _mpi, io
from ._clock import to_steps
from ._validation import FLOAT32_MAX, check_choice, check_float_array, check_index_array, check_int, check_number
from .models import GammaSource, NeuronModel, PoissonSource

if TYPE_CHECKING:
    from .io import Node, Refs
    from .network import Network
    from .plasticity import NeuronRule

__all__ = ["Population"]


class Population:
    """A block of ``size`` neurons of one model inside a :class:`~pyneuro.Network`.

    Created by :meth:`Network.add_population`; holds its compiled counterpart (:attr:`compiled`) and asks it for
    state. Neuron ids are 0-based and stay valid for the life of the population; :meth:`add_neurons` appends new ids.
    """

    def __init__(
        self, net: Network, engine: _core.Engine, compiled: _core.Population, model: NeuronModel, name: str
    ) -> None:
        self._net = net
        self._engine = engine  # for what involves the whole network: growth, which every projection follows
        self._core = compiled
        self.model = model
        self.name = name
        self.plasticity: list[NeuronRule] = []  # neuron rules (add_plasticity)
        self._rules: list[_core.NeuronRule] = []  # their compiled counterparts, in the same order
        self.structural: list[Any] = []  # Neurogenesis rules (Network.add_structural)

    @property
    def size(self) -> int:
        """Number of neurons."""
        return int(self._core.size)

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"Population({self.name!r}, {type(self.model).__name__}, size={self.size})"

    @property
    def network(self) -> Network:
        """The network this population belongs to."""
        return self._net

    @property
    def compiled(self) -> _core.Population:
        """The compiled population (``pyneuro._core.Population``) this handle stands for; pyneuro's own modules
        pass it to the engine. Its methods check nothing beyond memory safety: use the handle's."""
        return self._core

    # -- checkpoints ------------------------------------------------------------------------------------------
    def save_to(self, node: Node, refs: Refs) -> None:
        """Write what rebuilds this population into the checkpoint group ``node``: ``kind``, ``name``, ``size``, the
        model and the neuron rules as JSON (its state is the compiled population's, in the engine state; its
        Neurogenesis epochs are saved by the network's scheduler)."""
        node.attrs.update(
            kind="population",
            name=self.name,
            size=self.size,
            model=json.dumps(self.model.to_dict()),
            plasticity=json.dumps([r.to_dict() for r in self.plasticity]),
        )

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> Population:
        """Recreate in ``net`` the population saved in ``node`` by :meth:`save_to`."""
        from .plasticity import PlasticityRule

        model = NeuronModel.from_dict(json.loads(node.attrs["model"]))
        pop = net.add_population(model, int(node.attrs["size"]), name=str(node.attrs["name"]))
        for spec in json.loads(node.attrs.get("plasticity", "[]")):
            pop.add_plasticity(PlasticityRule.from_dict(spec))  # type: ignore[arg-type]
        return pop

    def add_plasticity(self, rule: NeuronRule) -> None:
        """Attach a neuron rule (:class:`pyneuro.plasticity.IntrinsicPlasticity`) to the population; the same as
        ``net.add_plasticity(pop, rule)``. Synaptic rules are given to :meth:`Network.connect`."""
        from .plasticity import NeuronRule

        if not isinstance(rule, NeuronRule):
            raise TypeError(
                f"rule must be a neuron rule from pyneuro.plasticity (IntrinsicPlasticity), got {type(rule).__name__}"
                " (synaptic rules go to net.connect(..., plasticity=rule))"
            )
        if "theta" not in self.state_vars or self.model.adaptive_threshold:
            raise ValueError(
                f"{rule.kind} needs a model with a threshold offset 'theta' (LIF, LIFCond); population {self.name!r} "
                f"is {type(self.model).__name__}"
            )
        kind, params, scheds = rule.lowered(self._net)
        compiled = self._engine.add_neuron_rule(self._core, kind, params)
        for slot, seg, rest in scheds:
            compiled.set_schedule(slot, seg, rest)
        self.plasticity.append(rule)
        self._rules.append(compiled)

    @property
    def positions(self) -> np.ndarray | None:
        """Positions of the neurons (an ``(n, d)`` float32 array, d in 1..3, in any length unit the rules that use
        them share, e.g. µm), or ``None`` when not set. Used by distance-dependent growth, sprouting reach and
        lesions by region."""
        a = self._core.positions
        return None if a.shape[1] == 0 else a

    @positions.setter
    def positions(self, xyz: Any) -> None:
        arr = np.asarray(xyz, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        n = self.size
        if arr.ndim != 2 or arr.shape[0] != n or not 1 <= arr.shape[1] <= 3:
            raise ValueError(f"positions must have shape ({n}, d) with d in 1..3, got {np.shape(xyz)}")
        if not np.all(np.isfinite(arr)) or np.abs(arr).max(initial=0.0) > FLOAT32_MAX:
            raise ValueError("positions must be finite float32 values")
        self._core.set_positions(np.ascontiguousarray(arr, dtype=np.float32).ravel(), arr.shape[1])

    @property
    def lesioned(self) -> np.ndarray:
        """Which neurons are lesioned (silenced by :meth:`Network.lesion`), as a boolean array."""
        return self._core.lesioned.astype(bool)

    @property
    def state_vars(self) -> tuple[str, ...]:
        """Names of the state variables that :meth:`get` and :meth:`set` accept."""
        return tuple(self._core.var_names)

    def check_var(self, var: Any) -> str:
        """The model's own name of state variable ``var`` (NEST's names, e.g. ``V_m``, are accepted too); a
        TypeError/ValueError naming the choices otherwise."""
        if not isinstance(var, str):
            raise TypeError(f"var must be a string naming a state variable, got {var!r}")
        names = self.state_vars
        if var in names:
            return var
        alias = self.model.nest_names.get(var)
        if alias is not None and alias in names:
            return alias
        nest = tuple(k for k, v in self.model.nest_names.items() if v in names)
        also = f" (or NEST's {nest})" if nest else ""
        raise ValueError(f"var must be one of {names}{also} for {type(self.model).__name__}, got {var!r}")

    def get(self, var: str) -> np.ndarray:
        """Current values of state variable ``var`` (a float32 copy, one value per neuron). ``var`` is the model's
        name or NEST's (``"v"`` or ``"V_m"``). Under several MPI ranks each rank integrates its own block: the
        blocks are gathered (collective: every rank must call it)."""
        values = self._core.get(self.check_var(var))
        if self._net.distributed:
            return _mpi.gather_owned(self._net.comm, values, self._net._engine.owned_of(self.compiled))
        return values

    def set(self, var: str, values: Any) -> None:
        """Set state variable ``var`` to a scalar or to one value per neuron.

        Values must be finite; ``rate`` (Poisson sources) must lie in [0, 1000/dt] Hz; the parameters of a
        :class:`~pyneuro.models.GammaSource` must be >= 0.
        """
        var = self.check_var(var)
        hi = 1000.0 / self._net.dt if isinstance(self.model, PoissonSource) else FLOAT32_MAX
        lo = 0.0 if isinstance(self.model, (PoissonSource, GammaSource)) else -FLOAT32_MAX
        n = self.size
        if np.ndim(values) == 0:
            v = check_number(f"values for {var!r}", values, lo, hi)
            arr = np.full(n, v, dtype=np.float32)
        else:
            arr = check_float_array(f"values for {var!r}", values, length=n, lo=lo, hi=hi).astype(np.float32)
        self._core.set(var, arr)

    def set_spike_times(self, times: Any, indices: Any) -> None:
        """Replace the given spikes of a :class:`~pyneuro.models.SpikeGenerator` population (between runs).

        ``times`` (ms, finite, >= 0) and ``indices`` (neuron of each spike) as for ``SpikeGenerator``; a spike at
        time t is emitted in step ``round(t / dt)``, so spikes before the current time are never emitted. The
        population's ``model`` is updated to the new spikes (checkpoints keep them).
        """
        from .models import SpikeGenerator

        if not isinstance(self.model, SpikeGenerator):
            raise TypeError(
                f"set_spike_times needs a SpikeGenerator population, {self.name!r} is {type(self.model).__name__}"
            )
        model = SpikeGenerator(times=times, indices=indices)
        model.check_size(self.size)
        t = np.asarray(model.times, dtype=np.float64).reshape(-1)
        steps = to_steps(t, self._net.dt).astype(np.int64)
        self._core.set_events(steps, np.asarray(model.indices).reshape(-1).astype(np.uint32))  # type: ignore[attr-defined]
        self.model = model

    # -- neurogenesis ------------------------------------------------------------------------------------------
    def add_neurons(
        self,
        n: int,
        positions: Any = None,
        state: dict[str, Any] | None = None,
        connect: Any = None,
        maturation: tuple[float, float] | None = None,
        log_kind: str = "added",
    ) -> np.ndarray:
        """Add ``n`` neurons to the population between runs (neurogenesis); returns their ids,
        ``np.arange(old_size, old_size + n)``. Existing ids, state and synapses are untouched.

        Parameters
        ----------
        n : int
            Number of new neurons, >= 1.
        positions : array_like, shape (n, d)
            Positions of the new neurons; required exactly when the population has positions (same d).
        state : dict, optional
            Initial values of state variables of the new neurons, ``{var: scalar or n values}`` (as :meth:`set`);
            variables not given start at the model's initial values (e.g. ``v = V_init``, conductances 0). A
            PoissonSource created with per-neuron rates needs ``state={"rate": ...}``.
        connect : list, optional
            Synapses for the new neurons, drawn after they exist (see :meth:`Projection.connect_new`). Each item is
            ``(projection, "in" | "out", rule, weight=1.0, delay=dt)`` or a dict with these keys (``projection``,
            ``direction``, ``rule``, ``weight``, ``delay``, optionally ``seed``). ``"in"``: synapses from the
            projection's source (all of it, new neurons included for a recurrent projection) onto the new neurons;
            ``"out"``: from the new neurons onto the whole target. E.g.
            ``pop.add_neurons(20, connect=[(inp, "in", pn.conn.FixedInDegree(50), 0.5, 1.0),
            (rec, "out", pn.conn.FixedProbability(0.1), 0.2, 1.5)])``.
        maturation : (boost, tau_mature), optional
            Young neurons' heightened plasticity: their plasticity gain is ``1 + boost * exp(-age / tau_mature)``
            (boost >= 0, tau_mature in ms > 0, age since this call), exactly 1 from ``age >= 30 tau_mature`` on.
            Pair STDP and triplet STDP multiply the update made at a postsynaptic spike of neuron i (the post-spike
            half, i.e. LTP with the usual signs) by neuron i's gain; the other rules ignore it. See
            :attr:`plasticity_gain`.
        log_kind : {"added", "created"}
            How the synapses of ``connect`` enter :attr:`Network.structural_log`: ``"added"`` (by hand, the default)
            or ``"created"`` (as a structural rule's, e.g. :class:`pyneuro.structural.Neurogenesis`).

        Notes
        -----
        New neurons join the last thread's range, leaving every other thread's synapses untouched; results do not
        depend on it (nor on the thread count); load balance is restored when a checkpoint is loaded. Spike
        recorders without a subset record the new neurons; state recorders keep their indices; rate recorders
        divide by the current size. Everything is checked before anything changes. The new neurons are logged in
        :attr:`Network.structural_log` as ``"neuron_added"`` and the synapses ``connect`` makes as ``"added"``.
        """
        kind = check_choice("log_kind", log_kind, ("added", "created"))
        net = self._net
        eng = self._engine
        old = self.size
        n = check_int("n", n, 1, 2**31 - 1 - old)
        new_n = old + n
        # positions
        cur = self.positions
        if cur is None:
            if positions is not None:
                raise ValueError("positions: the population has no positions (set pop.positions first), got some")
            flat = np.zeros(0, np.float32)
        else:
            d = cur.shape[1]
            if positions is None:
                raise ValueError(f"positions of the new neurons must be given, shape ({n}, {d}), got None")
            arr = np.asarray(positions, dtype=np.float64)
            if arr.ndim == 1 and d == 1:
                arr = arr.reshape(-1, 1)
            if arr.shape != (n, d):
                raise ValueError(f"positions must have shape ({n}, {d}), got {np.shape(positions)}")
            if not np.all(np.isfinite(arr)) or np.abs(arr).max(initial=0.0) > FLOAT32_MAX:
                raise ValueError("positions must be finite float32 values")
            flat = np.ascontiguousarray(arr, dtype=np.float32).ravel()
        # initial state
        if state is not None and not isinstance(state, dict):
            raise TypeError(f"state must be a dict {{var: values}}, got {type(state).__name__}")
        values: dict[str, np.ndarray] = {}
        poisson = isinstance(self.model, PoissonSource)
        for var, v in (state or {}).items():
            var = self.check_var(var)
            hi = 1000.0 / net.dt if poisson else FLOAT32_MAX
            lo = 0.0 if poisson else -FLOAT32_MAX
            if np.ndim(v) == 0:
                values[var] = np.full(n, check_number(f"state[{var!r}]", v, lo, hi), dtype=np.float32)
            else:
                values[var] = check_float_array(f"state[{var!r}]", v, length=n, lo=lo, hi=hi).astype(np.float32)
        array_rates = poisson and np.ndim(self.model.rate) != 0  # type: ignore[attr-defined]
        if array_rates and "rate" not in values:
            raise ValueError("state: this PoissonSource has per-neuron rates; give state={'rate': ...} for new ones")
        # maturation
        mat = None
        if maturation is not None:
            if not isinstance(maturation, (tuple, list)) or len(maturation) != 2:
                raise TypeError(f"maturation must be a pair (boost, tau_mature), got {maturation!r}")
            mat = (
                check_number("maturation boost", maturation[0], 0.0, FLOAT32_MAX),
                check_number("maturation tau_mature", maturation[1], 0.0, lo_open=True),
            )
        # synapses for the new neurons (planned, i.e. checked, now; drawn once the neurons exist)
        from .projection import Projection

        ids = np.arange(old, new_n)
        plans = []
        for k, spec in enumerate(_connect_specs(connect)):
            proj, direction = spec["projection"], spec["direction"]
            if not isinstance(proj, Projection) or proj.network is not net:
                raise TypeError(f"connect[{k}]: projection must be a Projection of this network, got {proj!r}")
            if direction not in ("in", "out"):
                raise ValueError(f"connect[{k}]: direction must be 'in' or 'out', got {direction!r}")
            end = proj.target if direction == "in" else proj.source
            if end is not self:
                side = "target" if direction == "in" else "source"
                raise ValueError(f"connect[{k}]: {direction!r} needs a projection whose {side} is {self.name!r}")
            n_pre = proj.source.size + (n if proj.source is self else 0)
            n_post = proj.target.size + (n if proj.target is self else 0)
            plans.append(
                proj.plan_new(
                    None if direction == "in" else ids,
                    ids if direction == "in" else None,
                    spec["rule"],
                    spec.get("weight", 1.0),
                    spec.get("delay"),
                    spec.get("seed"),
                    n_pre,
                    n_post,
                    what=f"connect[{k}]",
                    kind=kind,
                )
            )
        # projections into this population keep their delays when the post index needs more bits
        limit = _core.delay_limit(new_n)
        for proj in net.projections:
            if proj.target is self and proj.max_delay_steps > limit:
                raise ValueError(
                    f"n: with {new_n} neurons projection {proj.name!r} could hold delays of at most {limit} steps, "
                    f"but it has (or reserves) {proj.max_delay_steps}"
                )
        # --- from here on the network changes
        eng.add_neurons(self._core, n, flat)
        for var, arr in values.items():
            eng.set_var_slice(self._core, var, old, arr)
        if array_rates:
            rates = np.concatenate([np.asarray(self.model.rate, np.float64).reshape(-1), values["rate"]])  # type: ignore[attr-defined]
            self.model = dataclasses.replace(self.model, rate=rates)  # type: ignore[type-var]
        if mat is not None:
            eng.set_maturation(self._core, old, new_n, mat[0], mat[1])
        for plan in plans:
            plan()
        # structural log: ("neuron_added", projection "", pre = population index, post = new id)
        eng.log_structural(
            net.step,
            _core.StructEventKind.neuron_added,
            None,
            np.full(n, self._core.id, np.uint32),
            ids.astype(np.uint32),
            np.zeros(n, np.float32),
        )
        return ids

    @property
    def plasticity_gain(self) -> np.ndarray:
        """Plasticity gain of every neuron now (float64): 1, or ``1 + boost exp(-age / tau_mature)`` for neurons
        added with ``maturation=(boost, tau_mature)`` (see :meth:`add_neurons`)."""
        return self._core.plasticity_gains(self._net.step)

    def check_indices(self, name: str, indices: Any) -> np.ndarray:
        """Neuron ids of this population (``None``: all of them), checked, as an array; ``name`` names the argument
        in errors."""
        if indices is None:
            return np.arange(self.size, dtype=np.uint32)
        return check_index_array(name, indices, self.size)


def _connect_specs(connect: Any) -> list[dict[str, Any]]:
    """Normalise ``add_neurons(connect=...)``: a tuple/dict or a list of them, to dicts."""
    from .projection import Projection

    if connect is None:
        return []
    if isinstance(connect, dict) or (isinstance(connect, tuple) and connect and isinstance(connect[0], Projection)):
        connect = [connect]
    if not isinstance(connect, (list, tuple)):
        raise TypeError(f"connect must be a list of (projection, 'in'|'out', rule, weight, delay), got {connect!r}")
    keys = ("projection", "direction", "rule", "weight", "delay")
    out = []
    for k, item in enumerate(connect):
        if isinstance(item, dict):
            unknown = set(item) - {*keys, "seed"}
            if unknown or not {"projection", "direction", "rule"} <= set(item):
                raise ValueError(
                    f"connect[{k}] must have the keys projection, direction, rule (and optionally weight, delay, "
                    f"seed), got {sorted(item)}"
                )
            out.append(dict(item))
        elif isinstance(item, (tuple, list)) and 3 <= len(item) <= 5:
            out.append(dict(zip(keys, item)))
        else:
            raise TypeError(
                f"connect[{k}] must be (projection, 'in'|'out', rule, weight, delay) or a dict, got {item!r}"
            )
    return out


io.register("populations", "population", Population)
