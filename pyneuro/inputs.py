"""Inputs that need no source population.

:class:`PoissonInput` is a Poisson background: every neuron of a population receives the spikes of ``n``
independent Poisson inputs of rate ``rate`` (Hz), each of weight ``weight``, on one receptor (NEST's
``poisson_generator`` connected to every neuron; Brian2's ``PoissonInput``). Created by
:meth:`pyneuro.Network.add_poisson_input`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._validation import FLOAT32_MAX, check_number

if TYPE_CHECKING:
    from .network import Network
    from .population import Population

__all__ = ["PoissonInput", "MAX_ARRIVALS_PER_STEP"]

#: largest mean number of arrivals per neuron and step (n x rate x dt) that the compiled table accepts
MAX_ARRIVALS_PER_STEP = 1e10


def check_poisson_params(n: Any, rate: Any, weight: Any, dt: float) -> tuple[float, float, float]:
    """Validate (n, rate, weight) of a Poisson input for time step ``dt`` (ms); returns them as floats."""
    n = check_number("n", n, 0.0, 1e15)
    if n != int(n):
        raise ValueError(f"n must be a whole number of inputs, got {n}")
    rate = check_number("rate", rate, 0.0, 1e12)
    weight = check_number("weight", weight, 0.0, FLOAT32_MAX)
    lam = n * rate * dt * 1e-3
    if lam > MAX_ARRIVALS_PER_STEP:
        raise ValueError(
            f"n x rate x dt must be <= {MAX_ARRIVALS_PER_STEP:g} arrivals per step, got {lam:g} "
            f"(n={n}, rate={rate} Hz, dt={dt} ms)"
        )
    return float(n), float(rate), float(weight)


class PoissonInput:
    """A Poisson background input into every neuron of a population.

    Each step a neuron receives a Poisson-distributed number ``k`` of arrivals with mean ``n * rate * dt`` (any
    rate: many arrivals per step are counted, not merged), and its receptor input grows by ``k * weight``. The
    counts come from counter-based random numbers keyed by (seed, input, neuron, step): identical for any thread
    count and continued exactly from a checkpoint. The arrivals of a step are delivered with the projections'
    arrivals of that step (under the NEST time convention, likewise one step later than under pyneuro's).

    Attributes
    ----------
    target : Population
        The population whose every neuron receives the input.
    receptor : {"exc", "inh"}
        The receptor the spikes feed.
    n : float
        Number of independent Poisson inputs per neuron (a whole number >= 0).
    rate : float
        Rate of each input (Hz), >= 0.
    weight : float
        Weight of each spike (>= 0; nS, pA or mV as the target model's input), the sign set by the receptor.
    name : str
        Unique name among the network's inputs.

    ``n``, ``rate`` and ``weight`` may be changed between runs (``inp.rate = 12.0``).
    """

    def __init__(
        self, net: Network, iid: int, target: Population, receptor: str, n: float, rate: float, weight: float, name: str
    ) -> None:
        self._net = net
        self._id = iid
        self.target = target
        self.receptor = receptor
        self._n, self._rate, self._weight = n, rate, weight
        self.name = name

    def _set(self, n: Any, rate: Any, weight: Any) -> None:
        n, rate, weight = check_poisson_params(n, rate, weight, self._net.dt)
        self._net._engine.set_input(self._id, {"n": n, "rate": rate, "weight": weight})
        self._n, self._rate, self._weight = n, rate, weight

    @property
    def n(self) -> float:
        return self._n

    @n.setter
    def n(self, value: Any) -> None:
        self._set(value, self._rate, self._weight)

    @property
    def rate(self) -> float:
        return self._rate

    @rate.setter
    def rate(self, value: Any) -> None:
        self._set(self._n, value, self._weight)

    @property
    def weight(self) -> float:
        return self._weight

    @weight.setter
    def weight(self, value: Any) -> None:
        self._set(self._n, self._rate, value)

    @property
    def arrivals_per_step(self) -> float:
        """Mean number of arrivals per neuron and step, ``n * rate * dt``."""
        return self._n * self._rate * self._net.dt * 1e-3

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target._id,
            "receptor": self.receptor,
            "n": self._n,
            "rate": self._rate,
            "weight": self._weight,
        }

    def __repr__(self) -> str:
        return (
            f"PoissonInput({self.name!r} -> {self.target.name!r}, n={self._n:g}, rate={self._rate:g} Hz, "
            f"weight={self._weight:g}, receptor={self.receptor!r})"
        )
