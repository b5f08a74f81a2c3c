"""Inputs that need no source population.

:class:`PoissonInput` is a Poisson background: every neuron of a population receives the spikes of ``n``
independent Poisson inputs of rate ``rate`` (Hz), each of weight ``weight``, on one receptor (NEST's
``poisson_generator`` connected to every neuron; Brian2's ``PoissonInput``). Created by
:meth:`pyneuro.Network.add_poisson_input`.

Current inputs inject a current into chosen neurons at every step: :class:`StepCurrent` (piecewise constant; NEST's
``step_current_generator``), :class:`ACCurrent` (sinusoidal; ``ac_generator``) and :class:`NoisyCurrent` (Gaussian
noise held for intervals of ``dt``; ``noise_generator``). They describe the current;
:meth:`pyneuro.Network.add_current_input` injects one into a population and returns a :class:`CurrentInput`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from . import io
from ._validation import FLOAT32_MAX, check_float_array, check_number

if TYPE_CHECKING:
    from . import _core
    from .io import Node, Refs
    from .network import Network
    from .population import Population

__all__ = [
    "PoissonInput",
    "MAX_ARRIVALS_PER_STEP",
    "CurrentSource",
    "StepCurrent",
    "ACCurrent",
    "NoisyCurrent",
    "CurrentInput",
    "INPUTS",
]

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
        self,
        net: Network,
        engine: _core.Engine,
        compiled: _core.Input,
        target: Population,
        receptor: str,
        n: float,
        rate: float,
        weight: float,
        name: str,
    ) -> None:
        self._net = net
        self._engine = engine
        self._core = compiled
        self.target = target
        self.receptor = receptor
        self._n, self._rate, self._weight = n, rate, weight
        self.name = name

    def _set(self, n: Any, rate: Any, weight: Any) -> None:
        n, rate, weight = check_poisson_params(n, rate, weight, self._net.dt)
        self._engine.set_input(self.compiled, {"n": n, "rate": rate, "weight": weight})
        self._n, self._rate, self._weight = n, rate, weight

    @property
    def compiled(self) -> _core.Input:
        """The compiled input (``pyneuro._core.Input``) this handle stands for."""
        return self._core

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
            "target": self._net.populations.index(self.target),
            "receptor": self.receptor,
            "n": self._n,
            "rate": self._rate,
            "weight": self._weight,
        }

    # -- checkpoints ------------------------------------------------------------------------------------------
    def save_to(self, node: Node, refs: Refs) -> None:
        """Write what rebuilds this input into the checkpoint group ``node`` (attributes ``kind`` and ``spec``,
        JSON)."""
        node.attrs["kind"] = "poisson"
        node.attrs["spec"] = json.dumps({"kind": "poisson", **self.to_dict(), "target": refs.index(self.target)})

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> PoissonInput:
        """Recreate in ``net`` the input saved in ``node`` by :meth:`save_to`."""
        spec = json.loads(node.attrs["spec"])
        target = refs.population(spec["target"], "input target")
        return net.add_poisson_input(
            target, spec["n"], spec["rate"], spec["weight"], receptor=spec["receptor"], name=spec["name"]
        )

    def __repr__(self) -> str:
        return (
            f"PoissonInput({self.name!r} -> {self.target.name!r}, n={self._n:g}, rate={self._rate:g} Hz, "
            f"weight={self._weight:g}, receptor={self.receptor!r})"
        )


def _window(start: Any, stop: Any) -> tuple[float, float]:
    start = check_number("start", start, 0.0)
    stop = check_number("stop", stop, 0.0, allow_inf=True)
    if stop < start:
        raise ValueError(f"stop must be >= start ({start} ms), got {stop}")
    return start, stop


class CurrentSource:
    """A current's time course (pA, or the target model's ``I_e`` unit; times in ms); see the subclasses."""

    kind: ClassVar[str] = ""

    def params(self, dt: float) -> dict[str, float]:
        """The compiled input's parameters for time step ``dt`` (ms); raises ValueError if they do not fit it."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The source as plain data (``from_dict`` builds it again)."""
        raise NotImplementedError

    @staticmethod
    def from_dict(d: dict[str, Any]) -> CurrentSource:
        cls = {"StepCurrent": StepCurrent, "ACCurrent": ACCurrent, "NoisyCurrent": NoisyCurrent}[d["kind"]]
        return cls(**{k: v for k, v in d.items() if k != "kind"})  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class StepCurrent(CurrentSource):
    """A piecewise constant current: ``amplitudes[k]`` from ``times[k]`` until the next time (NEST's
    ``step_current_generator``, PyNN's ``StepCurrentSource``).

    Parameters
    ----------
    times : sequence of float
        Times of the changes (ms), >= 0, non-decreasing; each acts from the step it rounds to. Where several round to
        the same step the last wins.
    amplitudes : sequence of float
        The current from each time on (pA); 0 before the first time; the last holds to the end.
    """

    kind: ClassVar[str] = "StepCurrent"
    times: Any = field(default_factory=list)
    amplitudes: Any = field(default_factory=list)

    def __post_init__(self) -> None:
        t = check_float_array("times", self.times, lo=0.0)
        a = check_float_array("amplitudes", self.amplitudes, length=t.size, lo=-FLOAT32_MAX, hi=FLOAT32_MAX)
        if t.size > 1 and np.any(np.diff(t) < 0):
            raise ValueError(f"times must be non-decreasing, got {t.tolist()}")
        object.__setattr__(self, "times", t)
        object.__setattr__(self, "amplitudes", a)

    def params(self, dt: float) -> dict[str, float]:
        p = {"n_times": float(self.times.size)}
        for k, (t, a) in enumerate(zip(self.times, self.amplitudes)):
            p[f"time/{k}"] = float(t)
            p[f"amplitude/{k}"] = float(a)
        return p

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "times": self.times.tolist(), "amplitudes": self.amplitudes.tolist()}


@dataclass(frozen=True, eq=False)
class ACCurrent(CurrentSource):
    """A sinusoidal current ``offset + amplitude sin(2 pi frequency (t - start) + phase)`` for ``start <= t < stop``,
    0 outside (NEST's ``ac_generator``, PyNN's ``ACSource``; the phase holds at ``start``).

    Parameters
    ----------
    amplitude : float
        Amplitude of the sine (pA).
    frequency : float
        Frequency (Hz), >= 0.
    phase : float
        Phase at ``start`` (degrees).
    offset : float
        Constant added while active (pA).
    start, stop : float
        Window (ms): the steps from ``round(start / dt)`` to before ``round(stop / dt)``; ``stop`` may be inf.
    """

    kind: ClassVar[str] = "ACCurrent"
    amplitude: float = 0.0
    frequency: float = 0.0
    phase: float = 0.0
    offset: float = 0.0
    start: float = 0.0
    stop: float = math.inf

    def __post_init__(self) -> None:
        object.__setattr__(self, "amplitude", check_number("amplitude", self.amplitude, -FLOAT32_MAX, FLOAT32_MAX))
        object.__setattr__(self, "frequency", check_number("frequency", self.frequency, 0.0, 1e12))
        object.__setattr__(self, "phase", check_number("phase", self.phase, -1e12, 1e12))
        object.__setattr__(self, "offset", check_number("offset", self.offset, -FLOAT32_MAX, FLOAT32_MAX))
        start, stop = _window(self.start, self.stop)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "stop", stop)

    def params(self, dt: float) -> dict[str, float]:
        names = ("amplitude", "frequency", "phase", "offset", "start", "stop")
        return {k: float(getattr(self, k)) for k in names}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.params(1.0)}


@dataclass(frozen=True, eq=False)
class NoisyCurrent(CurrentSource):
    """Gaussian noise: for ``start <= t < stop`` every interval of ``dt`` (counted from ``start``) each target neuron
    gets an independent current ``mean + stdev * N(0, 1)``, held for the interval; 0 outside (NEST's
    ``noise_generator``, PyNN's ``NoisyCurrentSource``).

    The values are counter-based random numbers keyed by (network seed, input, neuron, interval): the same for any
    thread count and continued exactly from a checkpoint.

    Parameters
    ----------
    mean, stdev : float
        Mean and standard deviation (pA); stdev >= 0.
    dt : float, optional
        Interval between new values (ms), a whole multiple of the network's time step; default: the time step.
    start, stop : float
        Window (ms), as :class:`ACCurrent`'s.
    """

    kind: ClassVar[str] = "NoisyCurrent"
    mean: float = 0.0
    stdev: float = 0.0
    dt: float | None = None
    start: float = 0.0
    stop: float = math.inf

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", check_number("mean", self.mean, -FLOAT32_MAX, FLOAT32_MAX))
        object.__setattr__(self, "stdev", check_number("stdev", self.stdev, 0.0, FLOAT32_MAX))
        if self.dt is not None:
            object.__setattr__(self, "dt", check_number("dt", self.dt, 0.0, lo_open=True))
        start, stop = _window(self.start, self.stop)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "stop", stop)

    def params(self, dt: float) -> dict[str, float]:
        every = dt if self.dt is None else float(self.dt)
        m = every / dt
        if abs(m - round(m)) > 1e-6 * m or round(m) < 1:
            raise ValueError(f"dt must be a whole multiple of the network's time step {dt} ms, got {every} ms")
        return {"mean": self.mean, "stdev": self.stdev, "dt": every, "start": self.start, "stop": self.stop}

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "mean": self.mean,
            "stdev": self.stdev,
            "dt": self.dt,
            "start": self.start,
            "stop": self.stop,
        }


class CurrentInput:
    """A current injected into neurons of one population (created by :meth:`pyneuro.Network.add_current_input`).

    During a run the target model's stimulus current ``I_stim`` is the value set between runs plus the current
    inputs of the step; after the run it holds the set value again. The current of a step acts over that whole step.

    Attributes
    ----------
    target : Population
        The population the current goes into.
    neurons : numpy.ndarray or None
        Indices of the neurons it reaches (None: all).
    name : str
        Unique name among the network's inputs.

    ``source`` may be replaced between runs (``inp.source = pn.inputs.StepCurrent(...)``).
    """

    def __init__(
        self,
        net: Network,
        engine: _core.Engine,
        compiled: _core.Input,
        target: Population,
        source: CurrentSource,
        neurons: np.ndarray | None,
        name: str,
    ) -> None:
        self._net = net
        self._engine = engine
        self._core = compiled
        self.target = target
        self.neurons = neurons
        self._source = source
        self.name = name

    @staticmethod
    def lowered(source: CurrentSource, neurons: np.ndarray | None, dt: float) -> dict[str, float]:
        """The compiled input's parameters for ``source`` reaching ``neurons`` (None: all) at time step ``dt``."""
        p = source.params(dt)
        if neurons is not None:
            p["n_neurons"] = float(neurons.size)
            for k, i in enumerate(neurons):
                p[f"neuron/{k}"] = float(i)
        return p

    @property
    def compiled(self) -> _core.Input:
        """The compiled input (``pyneuro._core.Input``) this handle stands for."""
        return self._core

    @property
    def source(self) -> CurrentSource:
        return self._source

    @source.setter
    def source(self, value: CurrentSource) -> None:
        if not isinstance(value, type(self._source)):
            raise TypeError(f"source must be a {type(self._source).__name__}, got {type(value).__name__}")
        self._engine.set_input(self._core, self.lowered(value, self.neurons, self._net.dt))
        self._source = value

    def current(self, neuron: int = 0, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
        """The current injected into ``neuron`` (index in the target) at every step from ``t_start`` to before
        ``t_stop`` (ms; default: up to the present), as the compiled input computes it (pA)."""
        n = self.target.size
        if isinstance(neuron, bool) or not isinstance(neuron, (int, np.integer)) or not 0 <= int(neuron) < n:
            raise ValueError(f"neuron must be an index in [0, {n - 1}], got {neuron!r}")
        dt = self._net.dt
        s0 = int(round(check_number("t_start", t_start, 0.0) / dt))
        s1 = self._net.step if t_stop is None else int(round(check_number("t_stop", t_stop, 0.0) / dt))
        return np.asarray(self._engine.input_current(self._core, int(neuron), s0, max(s0, s1)), dtype=float)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "current",
            "name": self.name,
            "target": self._net.populations.index(self.target),
            "source": self._source.to_dict(),
            "neurons": None if self.neurons is None else self.neurons.tolist(),
        }

    # -- checkpoints ------------------------------------------------------------------------------------------
    def save_to(self, node: Node, refs: Refs) -> None:
        """Write what rebuilds this input into the checkpoint group ``node`` (attributes ``kind`` and ``spec``,
        JSON)."""
        node.attrs["kind"] = "current"
        node.attrs["spec"] = json.dumps({**self.to_dict(), "target": refs.index(self.target)})

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> CurrentInput:
        """Recreate in ``net`` the input saved in ``node`` by :meth:`save_to`."""
        spec = json.loads(node.attrs["spec"])
        target = refs.population(spec["target"], "input target")
        source = CurrentSource.from_dict(spec["source"])
        return net.add_current_input(target, source, spec["neurons"], name=spec["name"])

    def __repr__(self) -> str:
        which = "all" if self.neurons is None else f"{self.neurons.size} neurons"
        return f"CurrentInput({self.name!r} -> {self.target.name!r} ({which}), {self._source!r})"


#: The inputs by the ``kind`` of their saved spec (a spec without one, as written before it was added, is "poisson").
INPUTS: dict[str, type[PoissonInput] | type[CurrentInput]] = {"poisson": PoissonInput, "current": CurrentInput}

for _kind, _cls in INPUTS.items():
    io.register("inputs", _kind, _cls)
