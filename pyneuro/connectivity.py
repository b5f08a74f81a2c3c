"""Connection rules (imported as ``pn.conn``) and per-synapse value distributions.

The rules are descriptions; the synapses are drawn in the compiled core, in parallel, from counter-based random
streams keyed by the projection and the presynaptic row (or postsynaptic column), so the same seed gives the
same synapses for any thread count.

Weights and delays passed to ``Network.connect`` may be a scalar, an array (only for rules that define a
synapse order: ``FromArrays`` one value per pair; ``OneToOne`` one per neuron; ``AllToAll`` an
``(n_pre, n_post)`` matrix), or a distribution (``Uniform``; ``Normal`` truncated by clipping or by redrawing) drawn
per synapse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ._validation import check_index_array, check_int, check_number

__all__ = [
    "ConnectionRule",
    "AllToAll",
    "OneToOne",
    "FixedProbability",
    "FixedInDegree",
    "FixedOutDegree",
    "FixedTotalNumber",
    "FromArrays",
    "Uniform",
    "Normal",
]


#: a fixed-degree row is drawn from one counter-based stream of 2^26 numbers (index, weight and delay draws)
MAX_DEGREE = 2**22


class ConnectionRule:
    """Base of the connection rules."""

    def lower(self, n_pre: int, n_post: int, same: bool) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    #: how many values an array of weights/delays must hold, or None if arrays are not accepted
    def array_length(self, n_pre: int, n_post: int) -> int | None:
        return None


@dataclass
class AllToAll(ConnectionRule):
    """Every presynaptic neuron to every postsynaptic neuron.

    Parameters
    ----------
    allow_self : bool
        Whether neuron i connects to itself when pre and post are the same population.
    """

    allow_self: bool = True

    def lower(self, n_pre: int, n_post: int, same: bool) -> dict[str, Any]:
        return {"kind": "all_to_all", "allow_self": bool(self.allow_self)}

    def array_length(self, n_pre: int, n_post: int) -> int | None:
        return n_pre * n_post


@dataclass
class OneToOne(ConnectionRule):
    """Neuron i to neuron i; pre and post must have the same size."""

    def lower(self, n_pre: int, n_post: int, same: bool) -> dict[str, Any]:
        if n_pre != n_post:
            raise ValueError(f"OneToOne needs populations of equal size, got {n_pre} and {n_post}")
        return {"kind": "one_to_one"}

    def array_length(self, n_pre: int, n_post: int) -> int | None:
        return n_post


@dataclass
class FixedProbability(ConnectionRule):
    """Each (pre, post) pair independently with probability ``p`` (NEST ``pairwise_bernoulli``).

    Parameters
    ----------
    p : float
        Connection probability in [0, 1].
    allow_self : bool
        Whether neuron i may connect to itself when pre and post are the same population.
    """

    p: float = 0.1
    allow_self: bool = True

    def __post_init__(self) -> None:
        check_number("FixedProbability.p", self.p, 0.0, 1.0)

    def lower(self, n_pre: int, n_post: int, same: bool) -> dict[str, Any]:
        return {"kind": "fixed_probability", "p": float(self.p), "allow_self": bool(self.allow_self)}


@dataclass
class FixedInDegree(ConnectionRule):
    """Every postsynaptic neuron receives exactly ``n`` synapses from sources drawn uniformly.

    Parameters
    ----------
    n : int
        In-degree, >= 0.
    allow_self : bool
        Whether neuron i may draw itself when pre and post are the same population.
    allow_multapses : bool
        Whether a source may be drawn more than once for one target (with replacement). With ``False`` the
        sources are drawn without replacement, and ``n`` must not exceed the number of eligible sources.
    """

    n: int = 10
    allow_self: bool = True
    allow_multapses: bool = True

    def __post_init__(self) -> None:
        check_int("FixedInDegree.n", self.n, 0, MAX_DEGREE)

    def lower(self, n_pre: int, n_post: int, same: bool) -> dict[str, Any]:
        eligible = n_pre - (1 if same and not self.allow_self else 0)
        if self.n > 0 and eligible <= 0:
            raise ValueError(f"FixedInDegree.n={self.n} but there are no eligible sources")
        if not self.allow_multapses and self.n > eligible:
            raise ValueError(f"FixedInDegree.n must be <= {eligible} without multapses, got {self.n}")
        return {
            "kind": "fixed_indegree",
            "n": int(self.n),
            "allow_self": bool(self.allow_self),
            "allow_multapses": bool(self.allow_multapses),
        }


@dataclass
class FixedOutDegree(ConnectionRule):
    """Every presynaptic neuron makes exactly ``n`` synapses onto targets drawn uniformly.

    Parameters
    ----------
    n : int
        Out-degree, >= 0.
    allow_self, allow_multapses : bool
        As for ``FixedInDegree``.
    """

    n: int = 10
    allow_self: bool = True
    allow_multapses: bool = True

    def __post_init__(self) -> None:
        check_int("FixedOutDegree.n", self.n, 0, MAX_DEGREE)

    def lower(self, n_pre: int, n_post: int, same: bool) -> dict[str, Any]:
        eligible = n_post - (1 if same and not self.allow_self else 0)
        if self.n > 0 and eligible <= 0:
            raise ValueError(f"FixedOutDegree.n={self.n} but there are no eligible targets")
        if not self.allow_multapses and self.n > eligible:
            raise ValueError(f"FixedOutDegree.n must be <= {eligible} without multapses, got {self.n}")
        return {
            "kind": "fixed_outdegree",
            "n": int(self.n),
            "allow_self": bool(self.allow_self),
            "allow_multapses": bool(self.allow_multapses),
        }


@dataclass
class FixedTotalNumber(ConnectionRule):
    """Exactly ``n`` synapses, each (pre, post) pair drawn uniformly among the eligible pairs (NEST
    ``fixed_total_number``; the rule of the Potjans & Diesmann 2014 microcircuit).

    With multapses the numbers of synapses onto the postsynaptic neurons follow a multinomial distribution (each
    synapse picks its target uniformly, then its source uniformly); without, the synapses are a uniformly random
    ``n``-subset of the eligible pairs. Built in the compiled core in parallel; the same seed gives the same
    synapses for any thread count.

    Parameters
    ----------
    n : int
        Total number of synapses, in [0, 2**32 - 1].
    allow_autapses : bool
        Whether neuron i may connect to itself when pre and post are the same population.
    allow_multapses : bool
        Whether a (pre, post) pair may be drawn more than once. Without multapses ``n`` must not exceed the number
        of eligible pairs.
    """

    n: int = 0
    allow_autapses: bool = True
    allow_multapses: bool = True

    def __post_init__(self) -> None:
        check_int("FixedTotalNumber.n", self.n, 0, 2**32 - 1)

    def lower(self, n_pre: int, n_post: int, same: bool) -> dict[str, Any]:
        per_post = n_pre - (1 if same and not self.allow_autapses else 0)
        eligible = n_post * per_post
        if self.n > 0 and eligible <= 0:
            raise ValueError(f"FixedTotalNumber.n={self.n} but there are no eligible pairs")
        if not self.allow_multapses and self.n > eligible:
            raise ValueError(
                f"FixedTotalNumber.n must be <= {eligible} (eligible pairs) without multapses, got {self.n}"
            )
        return {
            "kind": "fixed_total_number",
            "n": int(self.n),
            "allow_self": bool(self.allow_autapses),
            "allow_multapses": bool(self.allow_multapses),
        }


class FromArrays(ConnectionRule):
    """Explicit synapses: ``pre[k] -> post[k]`` for every k (repeats make multapses).

    Parameters
    ----------
    pre, post : array_like of int
        Presynaptic and postsynaptic indices: one-dimensional, equal lengths (a 2-D or nested array is refused, not
        flattened: its order would be a guess).
    """

    def __init__(self, pre: Any, post: Any) -> None:
        arrs = []
        for name, value in (("pre", pre), ("post", post)):
            try:
                arr = np.asarray(value)
            except ValueError:  # ragged nesting
                raise ValueError(
                    f"FromArrays.{name} must be a one-dimensional array of indices, got {value!r}"
                ) from None
            if arr.ndim != 1:
                raise ValueError(
                    f"FromArrays.{name} must be one-dimensional (one index per synapse), got an array of shape "
                    f"{arr.shape}"
                )
            arrs.append(arr)
        pre_arr, post_arr = arrs
        if pre_arr.size != post_arr.size:
            raise ValueError(
                f"FromArrays: pre and post must have equal lengths, got {pre_arr.size} and {post_arr.size}"
            )
        self.pre = check_index_array("FromArrays.pre", pre_arr, 2**32 - 1)
        self.post = check_index_array("FromArrays.post", post_arr, 2**32 - 1)

    def __repr__(self) -> str:
        return f"FromArrays(<{self.pre.size} pairs>)"

    def lower(self, n_pre: int, n_post: int, same: bool) -> dict[str, Any]:
        pre = check_index_array("FromArrays.pre", self.pre, n_pre)
        post = check_index_array("FromArrays.post", self.post, n_post)
        return {"kind": "from_arrays", "pre": pre, "post": post}

    def array_length(self, n_pre: int, n_post: int) -> int | None:
        return int(self.pre.size)


@dataclass
class Uniform:
    """Values drawn uniformly from ``[low, high)``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        check_number("Uniform.low", self.low)
        check_number("Uniform.high", self.high)
        if self.high < self.low:
            raise ValueError(f"Uniform.high must be >= low={self.low}, got {self.high}")

    def bounds(self) -> tuple[float, float]:
        return float(self.low), float(self.high)

    def lower(self) -> dict[str, Any]:
        return {"kind": "uniform", "a": float(self.low), "b": float(self.high)}


@dataclass
class Normal:
    """Values drawn from a normal distribution and truncated to ``[low, high]``.

    Parameters
    ----------
    mean : float
        Mean of the untruncated distribution (the unit of the value: nS, pA, mV or ms).
    std : float
        Standard deviation of the untruncated distribution, >= 0.
    low, high : float
        Bounds (default unbounded).
    truncation : {"clip", "redraw"}
        ``"clip"`` sets a value outside the bounds to the nearer bound (mass piles up there); ``"redraw"`` draws
        again until the value lies inside, so the values follow the truncated normal distribution (NEST's
        ``nest.math.redraw``, PyNN's ``normal_clipped``). With ``"redraw"`` the bounds must hold at least
        ``MIN_REDRAW_MASS`` of the distribution. As a delay, a redrawn value is never below one step: the lower bound
        is raised to half a step (values round to the nearest step), as in NEST's Potjans-Diesmann model.
    """

    mean: float
    std: float
    low: float = -math.inf
    high: float = math.inf
    truncation: str = "clip"

    #: the least probability that [low, high] may hold under redrawing (at most 1000 draws per value on average)
    MIN_REDRAW_MASS: ClassVar[float] = 1e-3

    def __post_init__(self) -> None:
        check_number("Normal.mean", self.mean)
        check_number("Normal.std", self.std, 0.0)
        check_number("Normal.low", self.low, allow_inf=True)
        check_number("Normal.high", self.high, allow_inf=True)
        if self.high < self.low:
            raise ValueError(f"Normal.high must be >= low={self.low}, got {self.high}")
        if self.truncation not in ("clip", "redraw"):
            raise ValueError(f"Normal.truncation must be 'clip' or 'redraw', got {self.truncation!r}")
        if self.redraw:
            self.check_mass(self.low, self.high, "Normal")

    @property
    def redraw(self) -> bool:
        """Whether values outside the bounds are redrawn (``truncation == "redraw"``)."""
        return self.truncation == "redraw"

    def mass(self, low: float, high: float) -> float:
        """Probability that an untruncated draw lies in ``[low, high]``."""
        if self.std == 0.0:
            return 1.0 if low <= self.mean <= high else 0.0

        def cdf(x: float) -> float:
            if math.isinf(x):
                return 0.0 if x < 0 else 1.0
            return 0.5 * math.erfc(-(x - self.mean) / (self.std * math.sqrt(2.0)))

        return cdf(high) - cdf(low)

    def check_mass(self, low: float, high: float, what: str) -> None:
        """Raise ValueError if redrawing into ``[low, high]`` would need too many draws."""
        m = self.mass(low, high)
        if m < self.MIN_REDRAW_MASS:
            raise ValueError(
                f"{what}: Normal(mean={self.mean}, std={self.std}) with truncation='redraw' puts only {m:.3g} of its "
                f"mass in [{low}, {high}]; it must be >= {self.MIN_REDRAW_MASS}"
            )

    def sample(
        self, rng: np.random.Generator, size: int, low: float | None = None, high: float | None = None
    ) -> np.ndarray:
        """``size`` values drawn with numpy's ``rng`` and truncated as described (bounds default to low/high)."""
        lo = self.low if low is None else low
        hi = self.high if high is None else high
        x = rng.normal(self.mean, self.std, size)
        if not self.redraw:
            return np.clip(x, lo, hi)
        bad = (x < lo) | (x > hi)
        while np.any(bad):
            x[bad] = rng.normal(self.mean, self.std, int(bad.sum()))
            bad = (x < lo) | (x > hi)
        return x

    def bounds(self) -> tuple[float, float]:
        return float(self.low), float(self.high)

    def lower(self) -> dict[str, Any]:
        return {
            "kind": "normal",
            "a": float(self.mean),
            "b": float(self.std),
            "lo": float(self.low),
            "hi": float(self.high),
            "redraw": self.redraw,
        }
