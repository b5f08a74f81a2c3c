"""Projections: the synapses from one population to another, with their plasticity rules."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import FLOAT32_MAX, check_float_array, check_int, check_number

if TYPE_CHECKING:
    from .network import Network
    from .plasticity import PlasticityRule
    from .population import Population

__all__ = ["Projection"]


class Projection:
    """Synapses from ``source`` to ``target`` (created by :meth:`Network.connect`).

    Synapse arrays (:attr:`pre`, :attr:`post`, :attr:`delays`, :attr:`weights`) are snapshots of the current
    state in canonical order: sorted by presynaptic index, then delay, then postsynaptic index, ties in creation
    order. The order is the same for every thread count.
    """

    def __init__(
        self,
        net: Network,
        pid: int,
        source: Population,
        target: Population,
        receptor: str,
        rules: list[PlasticityRule],
        name: str,
    ) -> None:
        self._net = net
        self._id = pid
        self.source = source
        self.target = target
        self.receptor = receptor
        self.plasticity = list(rules)
        self.structural: list[Any] = []  # structural rules (Network.add_structural)
        self.name = name

    def __repr__(self) -> str:
        return (
            f"Projection({self.name!r}, {self.source.name!r} -> {self.target.name!r}, receptor={self.receptor!r}, "
            f"size={self.size}, rules={[r.kind for r in self.plasticity]})"
        )

    def __len__(self) -> int:
        return self.size

    @property
    def size(self) -> int:
        """Number of synapses."""
        return int(self._net._engine.proj_size(self._id))

    def _gather(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # a fresh snapshot each time: caching it would hold 12 bytes per synapse in Python for good
        return self._net._engine.proj_gather(self._id)

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
        self._net._engine.proj_set_weights(self._id, arr.astype(np.float32))

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
        return int(self._net._engine.proj_max_delay(self._id)) * self._net.dt

    @property
    def bytes(self) -> int:
        """Memory held by the synapse store (bytes), indices included."""
        return int(self._net._engine.proj_bytes(self._id))

    # -- structure ----------------------------------------------------------------------------------------------
    def add_synapses(self, pre: Any, post: Any, weight: Any = 1.0, delay: Any = None) -> int:
        """Add synapses ``pre[k] -> post[k]`` between runs; returns how many were added.

        ``weight`` and ``delay`` (ms, default dt) are scalars or arrays of the same length. A new synapse starts with
        fresh per-synapse rule state (e.g. zero eligibility) and transmits every spike that arrives at it from the
        next step on; spikes already in flight reach it if they arrive after its creation (delays are axonal:
        what counts is the structure when a spike arrives). Neuron traces are shared, so a trace-based rule sees
        spikes of its neurons from before the synapse existed. Costs O(row length) per synapse, amortised.
        """
        from ._validation import check_index_array
        from .network import to_steps

        net = self._net
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
        limit = int(net._engine.proj_max_delay(self._id))
        if n and steps.max() > limit:
            raise ValueError(
                f"delay must be at most max_delay = {limit * net.dt:g} ms for this projection (declare a longer "
                f"one with net.connect(..., max_delay=...)), got {steps.max() * net.dt:g}"
            )
        if n == 0:
            return 0
        return int(
            net._engine.proj_add_synapses(
                self._id, p.astype(np.uint32), q.astype(np.uint32), steps.astype(np.uint32), np.asarray(w, np.float32)
            )
        )

    def remove_synapses(self, which: Any) -> int:
        """Remove synapses between runs, given as canonical indices (into :attr:`pre`, :attr:`weights`, ...) or a
        boolean mask of length :attr:`size`; returns how many were removed. A removed synapse never transmits again,
        spikes already in flight to it included."""
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
            self._net._engine.proj_remove_synapses(self._id, idx.astype(np.uint64))
        return int(idx.size)

    def compact(self) -> None:
        """Rewrite the synapse store without the slack and garbage that structural change leaves (it is also
        compacted automatically when garbage exceeds the live synapses)."""
        self._net._engine.proj_compact(self._id)

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
        self._net._engine.set_schedule(self._id, k, 0, seg, rest)
        self.plasticity[k].schedule = sched

    def reward(self, amount: float, at: float | None = None) -> None:
        """Release neuromodulator for the projection's :class:`~pyneuro.plasticity.RewardSTDP` rule(s): add
        ``amount`` to the phasic level at time ``at`` (ms, default now; must not lie in the past)."""
        amount = check_number("amount", amount)
        if not any(r.kind == "RewardSTDP" for r in self.plasticity):
            raise ValueError(f"projection {self.name!r} has no RewardSTDP rule")
        now = self._net.step
        if at is None:
            step = now
        else:
            at = check_number("at", at, self._net.time - 0.5 * self._net.dt)
            step = max(now, int(math.floor(at / self._net.dt + 0.5 + 1e-9)))
        self._net._engine.reward(self._id, amount, step)

    @property
    def modulator(self) -> float:
        """Current neuromodulator level D (tonic + phasic) of the RewardSTDP rule."""
        if not any(r.kind == "RewardSTDP" for r in self.plasticity):
            raise ValueError(f"projection {self.name!r} has no RewardSTDP rule")
        return float(self._net._engine.modulator_level(self._id))

    def rule_state(self, rule: Any = 0) -> dict[str, np.ndarray]:
        """State a rule keeps beyond weights and traces, as arrays (e.g. RewardSTDP's eligibility ``"c"`` per
        synapse, in canonical order)."""
        k = self._rule_index(rule)
        return dict(self._net._engine.rule_state(self._id, k))
