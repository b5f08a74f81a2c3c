"""Populations: blocks of neurons of one model, whose state is read and written as numpy arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import FLOAT32_MAX, check_float_array, check_index_array, check_number
from .models import NeuronModel, PoissonSource

if TYPE_CHECKING:
    from .network import Network

__all__ = ["Population"]


class Population:
    """A block of ``size`` neurons of one model inside a :class:`~pyneuro.Network`.

    Created by :meth:`Network.add_population`; holds its compiled counterpart by id. Neuron ids are 0-based and
    stay valid for the life of the population.
    """

    def __init__(self, net: Network, pid: int, model: NeuronModel, size: int, name: str) -> None:
        self._net = net
        self._id = pid
        self.model = model
        self.name = name
        self._size = size
        self.plasticity: list[Any] = []  # neuron rules (Network.add_plasticity)

    @property
    def size(self) -> int:
        """Number of neurons."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"Population({self.name!r}, {type(self.model).__name__}, size={self._size})"

    @property
    def network(self) -> Network:
        return self._net

    @property
    def positions(self) -> np.ndarray | None:
        """Positions of the neurons (an ``(n, d)`` float32 array, d in 1..3, in any length unit the rules that use
        them share, e.g. µm), or ``None`` when not set. Used by distance-dependent growth, sprouting reach and
        lesions by region."""
        a = self._net._engine.pop_positions(self._id)
        return None if a.shape[1] == 0 else a

    @positions.setter
    def positions(self, xyz: Any) -> None:
        arr = np.asarray(xyz, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2 or arr.shape[0] != self._size or not 1 <= arr.shape[1] <= 3:
            raise ValueError(f"positions must have shape ({self._size}, d) with d in 1..3, got {np.shape(xyz)}")
        if not np.all(np.isfinite(arr)) or np.abs(arr).max(initial=0.0) > FLOAT32_MAX:
            raise ValueError("positions must be finite float32 values")
        self._net._engine.pop_set_positions(self._id, np.ascontiguousarray(arr, dtype=np.float32).ravel(), arr.shape[1])

    @property
    def lesioned(self) -> np.ndarray:
        """Which neurons are lesioned (silenced by :meth:`Network.lesion`), as a boolean array."""
        return self._net._engine.pop_lesioned(self._id).astype(bool)

    @property
    def state_vars(self) -> tuple[str, ...]:
        """Names of the state variables that :meth:`get` and :meth:`set` accept."""
        return tuple(self._net._engine.pop_var_names(self._id))

    def _check_var(self, var: Any) -> str:
        if not isinstance(var, str):
            raise TypeError(f"var must be a string naming a state variable, got {var!r}")
        names = self.state_vars
        if var not in names:
            raise ValueError(f"var must be one of {names} for {type(self.model).__name__}, got {var!r}")
        return var

    def get(self, var: str) -> np.ndarray:
        """Current values of state variable ``var`` (a float32 copy, one value per neuron)."""
        return self._net._engine.pop_get(self._id, self._check_var(var))

    def set(self, var: str, values: Any) -> None:
        """Set state variable ``var`` to a scalar or to one value per neuron.

        Values must be finite; ``rate`` (Poisson sources) must lie in [0, 1000/dt] Hz.
        """
        var = self._check_var(var)
        hi = 1000.0 / self._net.dt if isinstance(self.model, PoissonSource) else FLOAT32_MAX
        lo = 0.0 if isinstance(self.model, PoissonSource) else -FLOAT32_MAX
        if np.ndim(values) == 0:
            v = check_number(f"values for {var!r}", values, lo, hi)
            arr = np.full(self._size, v, dtype=np.float32)
        else:
            arr = check_float_array(f"values for {var!r}", values, length=self._size, lo=lo, hi=hi).astype(np.float32)
        self._net._engine.pop_set(self._id, var, arr)

    def _check_indices(self, name: str, indices: Any) -> np.ndarray:
        if indices is None:
            return np.arange(self._size, dtype=np.uint32)
        return check_index_array(name, indices, self._size)
