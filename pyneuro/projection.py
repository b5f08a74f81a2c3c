"""Projections: the synapses from one population to another, with their plasticity rules."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core, _mpi, io
from ._clock import to_step, to_steps
from ._validation import FLOAT32_MAX, check_float_array, check_int, check_number, check_synapse_arrays

if TYPE_CHECKING:
    from .io import Node, Refs
    from .network import Network
    from .plasticity import PlasticityRule
    from .population import Population

__all__ = ["Projection"]


class Projection:
    """Synapses from ``source`` to ``target`` (created by :meth:`Network.connect`).

    Synapse arrays (:attr:`pre`, :attr:`post`, :attr:`delays`, :attr:`weights`) are snapshots of the current
    state in canonical order: sorted by presynaptic index, then delay, then postsynaptic index, ties in creation
    order. The order is the same for every thread count. Holds its compiled counterpart (:attr:`compiled`) and the
    compiled rules, and asks them.
    """

    def __init__(
        self,
        net: Network,
        compiled: _core.Projection,
        engine: _core.Engine,
        source: Population,
        target: Population,
        receptor: str,
        rules: list[PlasticityRule],
        lowered: list[tuple[str, dict[str, float], list[Any]]],
        name: str,
    ) -> None:
        self._net = net
        self._core = compiled
        if net.distributed:  # every rank serves (and clamps new delays to) the longest delay of the whole projection
            compiled.set_max_delay(max(net.comm.allgather(int(compiled.max_delay))))
        self.source = source
        self.target = target
        self.receptor = receptor
        self.name = name
        self.plasticity: list[PlasticityRule] = []
        self._rules: list[_core.Rule] = []  # compiled rules, in the order of self.plasticity
        for rule, (kind, params, scheds) in zip(rules, lowered):
            compiled_rule = engine.add_rule(compiled, kind, params)
            for slot, seg, rest in scheds:
                compiled_rule.set_schedule(slot, seg, rest)
            self.plasticity.append(rule)
            self._rules.append(compiled_rule)
        self.structural: list[Any] = []  # structural rules (Network.add_structural)
        self._structural: list[_core.StructuralRule] = []  # their compiled counterparts
        self._engine = engine  # to attach structural rules

    @property
    def network(self) -> Network:
        """The network this projection belongs to."""
        return self._net

    # -- checkpoints ------------------------------------------------------------------------------------------
    def save_to(self, node: Node, refs: Refs) -> None:
        """Write what rebuilds this projection into the checkpoint group ``node``: ``kind``, ``name``, ``pre`` and
        ``post`` (population positions), ``receptor``, the plasticity and structural rules as JSON,
        ``max_delay_steps``, and the canonical arrays ``pre``, ``post``, ``delay_steps``, ``weight`` (the rules'
        state is the compiled rules', in the engine state)."""
        node.attrs.update(
            kind="projection",
            name=self.name,
            pre=refs.index(self.source),
            post=refs.index(self.target),
            receptor=self.receptor,
            rules=json.dumps([r.to_dict() for r in self.plasticity]),
            max_delay_steps=self.max_delay_steps,
            structural=json.dumps([r.to_dict() for r in self.structural]),
        )
        node.data.update(self.arrays())

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> Projection:
        """Recreate in ``net`` the projection saved in ``node`` by :meth:`save_to`, synapse by synapse (any thread
        count)."""
        from .plasticity import PlasticityRule
        from .structural import StructuralRule

        a = node.attrs
        rules = [PlasticityRule.from_dict(spec) for spec in json.loads(a["rules"])]
        arrays = tuple(np.asarray(node.data[n]) for n in ("pre", "post", "delay_steps", "weight"))
        proj = cls.from_arrays(
            net,
            refs.engine,
            refs.population(a["pre"], "projection pre"),
            refs.population(a["post"], "projection post"),
            str(a["receptor"]),
            arrays,  # type: ignore[arg-type]
            rules,
            str(a["name"]),
        )
        if "max_delay_steps" in a:
            proj.compiled.set_max_delay(int(a["max_delay_steps"]))
        specs = json.loads(a.get("structural", "[]"))
        if specs:
            proj.add_structural(*[StructuralRule.from_dict(x) for x in specs])
        return proj

    @classmethod
    def from_arrays(
        cls,
        net: Network,
        engine: _core.Engine,
        pre: Population,
        post: Population,
        receptor: str,
        arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        rules: list[PlasticityRule],
        name: str,
    ) -> Projection:
        """Build a projection of ``net`` (whose engine is ``engine``) from canonical arrays (pre, post, delay in
        steps, weight) and append it to ``net.projections``; nothing changes if it fails."""
        p, q, d, w = check_synapse_arrays(f"projection {name!r}", arrays, pre.size, post.size)
        if net.distributed:  # this rank keeps the synapses into its neurons (in their canonical order)
            b, e = engine.owned_of(post.compiled)
            mine = (q >= b) & (q < e)
            p, q, d, w = p[mine], q[mine], d[mine], w[mine]
        lowered = [r.lowered(net) for r in rules]
        try:
            compiled = engine.connect_arrays(pre.compiled, post.compiled, receptor, p, q, d, w)
        except ValueError as e:  # the core's own checks (the delay limit, the shard limit), named like ours
            raise ValueError(f"projection {name!r}: {e}") from None
        try:
            proj = cls(net, compiled, engine, pre, post, receptor, rules, lowered, name)
        except BaseException:
            engine.pop_projection(compiled)
            raise
        net.projections.append(proj)
        return proj

    @property
    def compiled(self) -> _core.Projection:
        """The compiled projection (``pyneuro._core.Projection``) this handle stands for; its methods check nothing
        beyond memory safety: use the handle's."""
        return self._core

    def __repr__(self) -> str:
        return (
            f"Projection({self.name!r}, {self.source.name!r} -> {self.target.name!r}, receptor={self.receptor!r}, "
            f"{'local_size' if self._net.distributed else 'size'}={int(self._core.size)}, "
            f"rules={[r.kind for r in self.plasticity]})"
        )

    def __len__(self) -> int:
        return self.size

    @property
    def size(self) -> int:
        """Number of synapses (under several MPI ranks: summed over the ranks, collective)."""
        n = int(self._core.size)
        return int(self._net.comm.allreduce(n)) if self._net.distributed else n

    def _gather(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # a fresh snapshot each time: caching it would hold 12 bytes per synapse in Python for good
        g = self._core.gather()
        if self._net.distributed:  # every rank's synapses, in the canonical order of one process (collective)
            return _mpi.gather_synapses(self._net.comm, tuple(g))  # type: ignore[return-value]
        return g

    def arrays(self) -> dict[str, np.ndarray]:
        """One snapshot of every synapse: ``pre``, ``post`` (uint32), ``delay_steps`` (uint32) and ``weight``
        (float32), canonical order (one gather for all four, where :attr:`pre`, :attr:`weights`, ... take one
        each)."""
        pre, post, d, w = self._gather()
        return {"pre": pre, "post": post, "delay_steps": d, "weight": w}

    @property
    def weights(self) -> np.ndarray:
        """Current weights (float32; nS for conductance models, pA for current models, mV for Izhikevich)."""
        return self._gather()[3]

    @weights.setter
    def weights(self, values: Any) -> None:
        n = self.size
        if np.ndim(values) == 0:
            arr = check_float_array("weights", [values], lo=0.0, hi=FLOAT32_MAX)
            arr = np.full(n, arr[0])
        else:
            arr = check_float_array("weights", values, length=n, lo=0.0, hi=FLOAT32_MAX)
        if self._net.distributed:  # canonical order: this rank sets the weights of its synapses (collective)
            from . import _mpi

            arr = arr[_mpi.local_positions(self._net.comm, tuple(self._core.gather()))]
        self._core.set_weights(np.ascontiguousarray(arr, dtype=np.float32))

    @property
    def pre(self) -> np.ndarray:
        """Presynaptic neuron index of each synapse (uint32)."""
        return self._gather()[0]

    @property
    def post(self) -> np.ndarray:
        """Postsynaptic neuron index of each synapse (uint32)."""
        return self._gather()[1]

    @property
    def delays(self) -> np.ndarray:
        """Delay of each synapse (ms, float64; whole multiples of dt)."""
        return self._gather()[2].astype(np.float64) * self._net.dt

    @property
    def delay_steps(self) -> np.ndarray:
        """Delay of each synapse in steps (uint32)."""
        return self._gather()[2]

    @property
    def max_delay(self) -> float:
        """Longest delay (ms) that spike histories serve for this projection: the longest present, or the
        ``max_delay`` declared at :meth:`Network.connect`, or the longest ever present once its structure changed."""
        return self.max_delay_steps * self._net.dt

    @property
    def max_delay_steps(self) -> int:
        """:attr:`max_delay` in steps."""
        return int(self._core.max_delay)

    @property
    def bytes(self) -> int:
        """Memory held by the synapse store (bytes), indices included."""
        return int(self._core.bytes)

    # -- structure ----------------------------------------------------------------------------------------------
    @property
    def rewirable(self) -> bool:
        """Whether synapses may be added or removed: not while a weight monitor records the projection (it records
        synapses by position, which structural change moves)."""
        return not any(getattr(m, "projection", None) is self for m in self._net.monitors if m.kind == "weights")

    def check_rewirable(self, what: str) -> None:
        """Raise a ValueError naming ``what`` unless :attr:`rewirable`."""
        if not self.rewirable:
            raise ValueError(
                f"{what}: projection {self.name!r} has a weight monitor, which records synapses by position; "
                "record projections whose structure changes with net.record_structure(proj, every=...)"
            )

    def add_synapses(self, pre: Any, post: Any, weight: Any = 1.0, delay: Any = None) -> int:
        """Add synapses ``pre[k] -> post[k]`` between runs; returns how many were added.

        ``weight`` and ``delay`` (ms, default dt) are scalars or arrays of the same length. A new synapse starts with
        fresh per-synapse rule state (e.g. zero eligibility) and transmits every spike that arrives at it from the
        next step on; spikes already in flight reach it if they arrive after its creation (delays are axonal:
        what counts is the structure when a spike arrives). Neuron traces are shared, so a trace-based rule sees
        spikes of its neurons from before the synapse existed. Costs O(row length) per synapse, amortised. The
        synapses are logged in :attr:`Network.structural_log` as ``"added"``. All or nothing: if the call fails
        (e.g. ``MemoryError``) the projection is unchanged.
        """
        return self._add_synapses(pre, post, weight, delay, "added")

    def _add_synapses(self, pre: Any, post: Any, weight: Any, delay: Any, kind: str) -> int:
        """:meth:`add_synapses`, logging the synapses as ``kind`` ("added" by the user, "created" by a rule)."""
        from ._validation import check_index_array

        net = self._net
        self.check_rewirable("add_synapses")
        p = check_index_array("pre", pre, self.source.size)
        q = check_index_array("post", post, self.target.size, length=len(p))
        n = len(p)

        def per_synapse(name: str, value: Any, lo: float, hi: float | None) -> np.ndarray:
            if np.ndim(value) == 0:
                return np.full(n, check_float_array(name, [value], lo=lo, hi=hi)[0])
            return check_float_array(name, value, length=n, lo=lo, hi=hi)

        w = per_synapse("weight", weight, 0.0, FLOAT32_MAX)
        d = per_synapse("delay", net.dt if delay is None else delay, net.dt * (1 - 1e-9), None)
        steps = to_steps(d, net.dt).astype(np.int64)
        limit = self.max_delay_steps
        if n and steps.max() > limit:
            raise ValueError(
                f"delay must be at most max_delay = {limit * net.dt:g} ms for this projection (declare a longer "
                f"one with net.connect(..., max_delay=...)), got {steps.max() * net.dt:g}"
            )
        if n == 0:
            return 0
        w32 = np.asarray(w, np.float32)
        cols = (p.astype(np.uint32), q.astype(np.uint32), steps.astype(np.uint32), w32)
        if net.distributed:  # this rank adds the synapses into its neurons; every rank logs them all
            b, e = self._engine.owned_of(self.target.compiled)
            mine = (q >= b) & (q < e)
            added = int(self._core.add_synapses(*(np.ascontiguousarray(c[mine]) for c in cols)))
            added = int(sum(net.comm.allgather(added)))
        else:
            added = int(self._core.add_synapses(*cols))
        self._engine.log_structural(
            net.step, _core.StructEventKind.__members__[kind], self._core, p.astype(np.uint32), q.astype(np.uint32), w32
        )
        return added

    def connect_new(
        self,
        pre_ids: Any = None,
        post_ids: Any = None,
        rule: Any = None,
        weight: Any = 1.0,
        delay: Any = None,
        seed: int | None = None,
    ) -> int:
        """Draw synapses between given neurons by a connection rule and add them (:meth:`add_synapses`); returns how
        many were added. Meant for neurons added by :meth:`Population.add_neurons`, e.g. incoming synapses of new
        neurons ``ids``: ``proj.connect_new(post_ids=ids, rule=pn.conn.FixedInDegree(50), weight=0.5, delay=1.0)``.

        Parameters
        ----------
        pre_ids, post_ids : array_like of int, optional
            Distinct neuron ids of the source and target; default all of them.
        rule : ConnectionRule
            ``AllToAll``, ``OneToOne`` (pairs ``pre_ids[k] -> post_ids[k]``), ``FixedProbability(p)`` (each pair),
            ``FixedInDegree(k)`` (k sources from ``pre_ids`` per target in ``post_ids``), ``FixedOutDegree(k)``;
            ``allow_self``/``allow_multapses`` as in :meth:`Network.connect`. Default ``FixedProbability(0.1)``.
        weight, delay : float or pn.conn.Uniform / pn.conn.Normal
            Per-synapse values (delay in ms, default dt, at most :attr:`max_delay`).
        seed : int, optional
            Extra seed. The draw is a numpy stream keyed by (network seed, projection, the populations' current
            sizes, the current step, the ids, ``seed``): reproducible, the same for every thread count and after a
            checkpoint; two identical calls at the same step draw the same synapses unless ``seed`` differs.
        """
        return self.plan_new(pre_ids, post_ids, rule, weight, delay, seed, self.source.size, self.target.size)()

    def plan_new(
        self,
        pre_ids: Any,
        post_ids: Any,
        rule: Any,
        weight: Any,
        delay: Any,
        seed: Any,
        n_pre: int,
        n_post: int,
        what: str = "connect_new",
        kind: str = "added",
    ) -> Any:
        """Check the arguments of :meth:`connect_new` for populations of n_pre and n_post neurons (their sizes when
        the plan runs) and return a function that draws and adds the synapses, logged as ``kind``
        (:meth:`Population.add_neurons` checks every plan before it grows the population)."""
        import zlib

        from ._validation import check_index_array
        from .connectivity import AllToAll, FixedInDegree, FixedOutDegree, FixedProbability, Normal, OneToOne, Uniform

        net = self._net
        self.check_rewirable(what)  # before anything changes (add_neurons plans before it grows)
        if rule is None:
            rule = FixedProbability(0.1)
        if not isinstance(rule, (AllToAll, OneToOne, FixedProbability, FixedInDegree, FixedOutDegree)):
            raise TypeError(
                f"{what}: rule must be AllToAll, OneToOne, FixedProbability, FixedInDegree or FixedOutDegree from "
                f"pn.conn (use add_synapses for explicit arrays), got {type(rule).__name__}"
            )
        pre = None if pre_ids is None else check_index_array(f"{what}: pre_ids", pre_ids, n_pre).astype(np.int64)
        post = None if post_ids is None else check_index_array(f"{what}: post_ids", post_ids, n_post).astype(np.int64)
        for name, ids in (("pre_ids", pre), ("post_ids", post)):
            if ids is not None and np.unique(ids).size != ids.size:
                raise ValueError(f"{what}: {name} must be distinct ids")
        len_pre = n_pre if pre is None else pre.size
        len_post = n_post if post is None else post.size
        same = self.source is self.target
        no_self = same and not getattr(rule, "allow_self", True)
        if isinstance(rule, OneToOne) and len_pre != len_post:
            raise ValueError(f"{what}: OneToOne needs as many pre_ids as post_ids, got {len_pre} and {len_post}")
        if isinstance(rule, (FixedInDegree, FixedOutDegree)):
            pool = len_pre if isinstance(rule, FixedInDegree) else len_post
            eligible = pool - (1 if no_self else 0)
            if rule.n > 0 and eligible <= 0:
                raise ValueError(f"{what}: {type(rule).__name__}.n={rule.n} but there are no eligible neurons")
            if not rule.allow_multapses and rule.n > eligible:
                raise ValueError(
                    f"{what}: {type(rule).__name__}.n must be <= {eligible} without multapses, got {rule.n}"
                )
        dmax = self.max_delay_steps * net.dt

        def values(name: str, v: Any, lo: float, hi: float | None) -> Any:
            if isinstance(v, Uniform):
                if v.low < lo or (hi is not None and v.high > hi * (1 + 1e-9)):
                    raise ValueError(f"{what}: {name} Uniform must lie in [{lo:g}, {hi if hi else 'inf'}], got {v}")
                return v
            if isinstance(v, Normal):
                if v.redraw:
                    # redrawn delays: below half a step (rounding to 0 steps) is redrawn; weights: below 0
                    v.check_mass(max(v.low, lo * 0.5 if name == "delay" else lo), min(v.high, hi or math.inf), what)
                elif v.low < lo:
                    raise ValueError(f"{what}: {name} Normal must be clipped with low >= {lo:g}, got low={v.low}")
                return v
            x = check_number(f"{what}: {name}", v, lo, hi if hi is not None else FLOAT32_MAX)
            return x

        wv = values("weight", weight, 0.0, FLOAT32_MAX)
        dv = values("delay", net.dt if delay is None else delay, net.dt * (1 - 1e-9), dmax * (1 + 1e-9))
        extra = 0 if seed is None else check_int("seed", seed, 0, 2**63 - 1)

        def run() -> int:
            p = np.arange(self.source.size) if pre is None else pre
            q = np.arange(self.target.size) if post is None else post
            key = [
                net.seed & 0xFFFFFFFF,
                net.seed >> 32,
                self._core.id,
                self.source.size,
                self.target.size,
                net.step,
                zlib.crc32(p.tobytes()),
                zlib.crc32(q.tobytes()),
                extra,
            ]
            rng = np.random.Generator(np.random.Philox(np.random.SeedSequence(key)))
            src, tgt = _draw_pairs(rule, p, q, same, no_self, rng)
            m = src.size
            if m == 0:
                return 0

            def draw(v: Any) -> np.ndarray:
                if isinstance(v, Uniform):
                    return rng.uniform(v.low, v.high, m)
                if isinstance(v, Normal):
                    if not v.redraw:
                        return np.clip(rng.normal(v.mean, v.std, m), v.low, v.high)
                    # redrawn: weights never below 0, delays never below half a step (one step once rounded)
                    if v is dv:
                        return v.sample(rng, m, low=max(v.low, 0.5 * net.dt), high=min(v.high, dmax))
                    return v.sample(rng, m, low=max(v.low, 0.0))
                return np.full(m, float(v))

            w = draw(wv)
            d = draw(dv)
            if isinstance(dv, Normal):
                d = np.minimum(d, dmax)
            d = to_steps(d, net.dt) * net.dt
            return self._add_synapses(src, tgt, w, d, kind)

        return run

    def remove_synapses(self, which: Any) -> int:
        """Remove synapses between runs, given as canonical indices (into :attr:`pre`, :attr:`weights`, ...) or a
        boolean mask of length :attr:`size`; returns how many were removed. A removed synapse never transmits again,
        spikes already in flight to it included. The synapses are logged in :attr:`Network.structural_log` as
        ``"removed"``. All or nothing: if the call fails the projection is unchanged. Under several MPI ranks:
        collective, each rank removes the selected synapses it holds and every rank logs them all."""
        self.check_rewirable("remove_synapses")
        n = self.size
        arr = np.asarray(which)
        if arr.dtype == bool:
            if arr.shape != (n,):
                raise ValueError(f"which: a boolean mask must have shape ({n},), got {arr.shape}")
            idx = np.flatnonzero(arr)
        else:
            from ._validation import check_index_array

            idx = np.unique(check_index_array("which", arr, n)) if arr.size else np.zeros(0, np.int64)
        if idx.size:
            net = self._net
            a = self.arrays()  # what is removed, for the log
            if net.distributed:
                from . import _mpi

                self._core.remove_synapses(_mpi.local_indices(net.comm, tuple(self._core.gather()), idx))
            else:
                self._core.remove_synapses(idx.astype(np.uint64))
            self._engine.log_structural(
                net.step, _core.StructEventKind.removed, self._core, a["pre"][idx], a["post"][idx], a["weight"][idx]
            )
        return int(idx.size)

    def compact(self) -> None:
        """Rewrite the synapse store without the slack and garbage that structural change leaves (it is also
        compacted automatically when garbage exceeds the live synapses; under several MPI ranks each rank compacts
        its own store)."""
        self._core.compact()

    def add_structural(self, *rules: Any) -> None:
        """Attach structural rules (:mod:`pyneuro.structural`: Pruning, Growth, HomeostaticGrowth, Sprouting); the
        same as ``net.add_structural(proj, *rules)``. They act every ``interval`` ms inside :meth:`Network.run`, in
        the order given."""
        from .structural import Neurogenesis, StructuralRule

        if not rules:
            raise ValueError("add_structural needs at least one rule from pyneuro.structural")
        for k, r in enumerate(rules):
            if not isinstance(r, StructuralRule):
                raise TypeError(f"rules[{k}] must be a rule from pyneuro.structural, got {type(r).__name__}")
        if not self.rewirable:
            raise ValueError(
                f"projection {self.name!r} has a weight monitor; structural rules change synapse positions"
            )
        for k, r in enumerate(rules):
            if isinstance(r, Neurogenesis):
                raise TypeError(f"rules[{k}]: Neurogenesis belongs to a population (net.add_structural(pop, rule))")
        lowered = [(r.kind, r.lower(self._net)) for r in rules]
        for r in rules:
            r.check_target(self, self._net)
        for k, r in enumerate(rules):
            delay = getattr(r, "delay", None)
            hi = getattr(delay, "high", delay)
            if hi is not None and float(hi) > self.max_delay * (1 + 1e-9):
                raise ValueError(
                    f"rules[{k}].delay reaches {float(hi)} ms, beyond the projection's max_delay = {self.max_delay} ms "
                    "(declare a longer one with net.connect(..., max_delay=...))"
                )
        for rule, (kind, params) in zip(rules, lowered):  # each rule registered only once the core holds it
            self._structural.append(self._engine.add_structural(self._core, kind, params))
            self.structural.append(rule)

    # -- plasticity -------------------------------------------------------------------------------------------
    def _rule_index(self, rule: Any) -> int:
        if isinstance(rule, int) and not isinstance(rule, bool):
            return check_int("rule", rule, 0, len(self.plasticity) - 1) if self.plasticity else self._no_rules()
        for k, r in enumerate(self.plasticity):
            if r is rule:
                return k
        raise ValueError(
            f"rule must be an index in [0, {len(self.plasticity)}) or one of {self.plasticity}, got {rule!r}"
        )

    def _no_rules(self) -> int:
        raise ValueError(f"projection {self.name!r} has no plasticity rules")

    def set_schedule(self, rule: Any, schedule: Any) -> None:
        """Replace the learning-rate schedule of one of the projection's rules (index or rule object) from now on.

        ``schedule``: a :mod:`pyneuro.schedule` object, a number (constant factor; 0 switches the rule off) or
        ``None`` (factor 1). Times in the schedule are network times (ms), so a window may lie in the future.
        """
        from .schedule import Constant, as_schedule

        k = self._rule_index(rule)
        sched = as_schedule("schedule", schedule)
        seg, rest = (sched if sched is not None else Constant(1.0)).segments(self._net.dt)
        self._rules[k].set_schedule(0, seg, rest)
        self.plasticity[k].schedule = sched

    def reward(self, amount: float, at: float | None = None) -> None:
        """Release neuromodulator for the projection's rules that take rewards
        (:class:`~pyneuro.plasticity.RewardSTDP`): add ``amount`` to the phasic level at time ``at`` (ms, default now;
        must not lie in the past)."""
        amount = check_number("amount", amount)
        now = self._net.step
        if at is None:
            step = now
        else:
            at = check_number("at", at, self._net.time - 0.5 * self._net.dt)
            step = max(now, to_step(at, self._net.dt))
        taken = [r.reward(amount, step) for r in self._rules]  # a rule without rewards changes nothing
        if not any(taken):
            raise ValueError(f"projection {self.name!r} has no rule that takes rewards (RewardSTDP)")

    @property
    def modulator(self) -> float:
        """Current neuromodulator level D (tonic + phasic) of the projection's RewardSTDP rule."""
        for r in self._rules:
            level = r.modulator_level(self._net.step)
            if level is not None:
                return float(level)
        raise ValueError(f"projection {self.name!r} has no rule with a neuromodulator (RewardSTDP)")

    def rule_state(self, rule: Any = 0) -> dict[str, np.ndarray]:
        """State a rule keeps beyond weights and traces, as arrays (e.g. RewardSTDP's eligibility ``"c"`` per
        synapse, in canonical order). Under several MPI ranks: collective, the whole projection's state on every
        rank."""
        k = self._rule_index(rule)
        state = {name: np.asarray(v) for name, v in dict(self._core.rule_state(k)).items()}
        net = self._net
        if not net.distributed:
            return state
        from . import _mpi

        order = None
        for name in sorted(state):  # the same collective calls on every rank, in the same order
            kind = _mpi.rule_entry(f"proj/0/rule/0/{name}")
            if kind == "synapse":
                if order is None:
                    order = _mpi.canonical_order(net.comm, tuple(self._core.gather()))
                state[name] = np.concatenate(net.comm.allgather(np.ascontiguousarray(state[name])))[order]
            elif kind == "post":
                state[name] = _mpi.gather_owned(net.comm, state[name], self._engine.owned_of(self.target.compiled))
        return state


def _draw_pairs(
    rule: Any, pre: np.ndarray, post: np.ndarray, same: bool, no_self: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(pre, post) pairs drawn by ``rule`` among the given ids, in a fixed order (by the rule's loop)."""
    from .connectivity import AllToAll, FixedInDegree, FixedProbability, OneToOne

    empty = np.zeros(0, np.int64)
    if isinstance(rule, OneToOne):
        keep = pre != post if no_self else np.ones(pre.size, bool)
        return pre[keep], post[keep]
    if isinstance(rule, (AllToAll, FixedProbability)):
        srcs, tgts = [], []
        rows = max(1, 1_000_000 // max(post.size, 1))  # bounded memory: rows of the pair matrix at a time
        for b in range(0, pre.size, rows):
            blk = pre[b : b + rows]
            if isinstance(rule, AllToAll) or rule.p >= 1.0:
                mask = np.ones((blk.size, post.size), bool)
            else:
                mask = rng.random((blk.size, post.size)) < rule.p
            if no_self:
                mask &= blk[:, None] != post[None, :]
            r, c = np.nonzero(mask)
            srcs.append(blk[r])
            tgts.append(post[c])
        return (np.concatenate(srcs), np.concatenate(tgts)) if srcs else (empty, empty)
    indeg = isinstance(rule, FixedInDegree)
    fixed, pool = (post, pre) if indeg else (pre, post)
    srcs, tgts = [], []
    for x in fixed:
        cand = pool[pool != x] if no_self else pool
        chosen = rng.choice(cand, size=rule.n, replace=rule.allow_multapses) if rule.n else empty
        srcs.append(chosen if indeg else np.full(chosen.size, x))
        tgts.append(np.full(chosen.size, x) if indeg else chosen)
    return (np.concatenate(srcs), np.concatenate(tgts)) if srcs else (empty, empty)


io.register("projections", "projection", Projection)
