"""Projections: the synapses from one population to another, with their plasticity rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import FLOAT32_MAX, check_float_array

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
    def bytes(self) -> int:
        """Memory held by the synapse store (bytes), indices included."""
        return int(self._net._engine.proj_bytes(self._id))
