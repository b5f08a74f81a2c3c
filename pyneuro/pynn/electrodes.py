"""Current sources of the PyNN backend: DCSource, StepCurrentSource, ACSource and NoisyCurrentSource.

``DCSource`` goes into the per-neuron stimulus current ``I_stim`` of pyneuro's models (pA), set at the steps where it
switches (the run is split there), so it acts exactly from ``start`` to ``stop``. The three others are pyneuro's
compiled current inputs (:class:`pyneuro.inputs.StepCurrent`, :class:`~pyneuro.inputs.ACCurrent`,
:class:`~pyneuro.inputs.NoisyCurrent`), one per target population, built with the network. Every source acts on the
integration of the step it is defined at: a current that starts at ``t`` changes the membrane from ``t + dt`` on.
``record()`` keeps the current of the first target neuron at every step (``get_data()``: nA, one sample per step
from 0 to the present, as on PyNN's other backends).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pyNN.standardmodels import StandardCurrentSource, build_translations, electrodes

from .. import inputs as pn_inputs
from .._clock import to_step, to_steps
from . import simulator

__all__ = ["DCSource", "ACSource", "StepCurrentSource", "NoisyCurrentSource"]


class DCSource(electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude", 1000.0), ("start", "start"), ("stop", "stop"))

    def __init__(self, **parameters: Any) -> None:
        object.__setattr__(self, "_targets", [])
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_recording", False)
        object.__setattr__(self, "_chunks", [])
        super().__init__(**parameters)
        self.set_native_parameters(self.translate(self.parameter_space))
        simulator.state.current_sources.append(self)

    def set_native_parameters(self, parameters: Any) -> None:
        """Set parameters in native units (pA, ms); applied at once if the network runs."""
        parameters.shape = (1,)
        parameters.evaluate(simplify=True)
        for name, value in parameters.items():
            self._params[name] = float(np.asarray(value).reshape(-1)[0])
        if simulator.state.net is not None:
            simulator.state.apply_events()

    def get_native_parameters(self) -> Any:
        from pyNN.parameters import ParameterSpace

        return ParameterSpace(dict(self._params), self.get_schema(), (1,))

    def inject_into(self, cells: Any) -> None:
        from .projections import split_by_population

        pops, owner, local = split_by_population(cells) if not isinstance(cells, (list, tuple)) else _from_ids(cells)
        for k, pop in enumerate(pops):
            if not pop.stim_capable():
                raise NotImplementedError(
                    f"DCSource: {type(pop.celltype).__name__} on pyneuro has no stimulus current input"
                )
            self._targets.append((pop, local[owner == k]))
        if simulator.state.net is not None:
            simulator.state.apply_events()

    def event_steps(self) -> list[int]:
        dt = simulator.state.dt
        out = []
        for t in (self._params.get("start", 0.0), self._params.get("stop", 1e12)):
            if np.isfinite(t) and t < 1e11:
                out.append(to_step(t, dt))
        return out

    def accumulate(self, step: int, stim: dict[int, np.ndarray]) -> None:
        dt = simulator.state.dt
        start = to_step(self._params.get("start", 0.0), dt)
        stop = self._params.get("stop", 1e12)
        stop_step = to_step(stop, dt) if stop < 1e11 else 2**62
        on = start <= step < stop_step
        for pop, idx in self._targets:
            cur = stim.setdefault(id(pop), pop.stim_base())
            if on:
                np.add.at(cur, idx, self._params.get("amplitude", 0.0))

    def on_reset(self) -> None:
        self._chunks.clear()

    def build(self, net: Any) -> None:
        pass

    def _value(self, steps: np.ndarray) -> np.ndarray:
        """The current (pA) of the first target neuron at ``steps`` with the present parameters."""
        dt = simulator.state.dt
        start = to_step(self._params.get("start", 0.0), dt)
        stop = self._params.get("stop", 1e12)
        stop_step = to_step(stop, dt) if stop < 1e11 else 2**62
        on = (steps >= start) & (steps < stop_step)
        return np.where(on, self._params.get("amplitude", 0.0), 0.0)

    def after_run(self, s0: int, s1: int) -> None:
        if self._recording:
            self._chunks.append(self._value(np.arange(s0, s1)))

    def record(self) -> None:
        """Record the injected current (see the module's notes)."""
        object.__setattr__(self, "_recording", True)

    def _get_data(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._recording:
            raise ValueError(f"{type(self).__name__}: call record() before get_data()")
        net = simulator.state.net
        now = net.step if net is not None else 0
        i = np.concatenate(self._chunks + [self._value(np.array([now]))]) / 1000.0
        return np.arange(i.size) * simulator.state.dt, i


def _from_ids(cells: Any) -> tuple[list[Any], np.ndarray, np.ndarray]:
    pops: list[Any] = []
    owner, local = [], []
    for c in cells:
        base = c.parent
        while hasattr(base, "grandparent") and base is not getattr(base, "grandparent", base):
            base = base.grandparent
        if base not in pops:
            pops.append(base)
        owner.append(pops.index(base))
        local.append(base.id_to_index(int(c)))
    return pops, np.asarray(owner), np.asarray(local, dtype=np.int64)


class _EngineSource:
    """What StepCurrentSource, ACSource and NoisyCurrentSource share: native parameters, targets, and one compiled
    current input per target population once the network is built."""

    _targets: list[tuple[Any, np.ndarray]]
    _params: dict[str, Any]
    _inputs: list[Any]
    _chunks: list[np.ndarray]
    _recording: bool

    def _setup(self) -> None:
        object.__setattr__(self, "_targets", [])
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_inputs", [])
        object.__setattr__(self, "_chunks", [])
        object.__setattr__(self, "_recording", False)

    def _native_source(self) -> pn_inputs.CurrentSource:
        raise NotImplementedError

    def _store(self, parameters: Any) -> None:
        parameters.shape = (1,)
        parameters.evaluate(simplify=True)
        for name, value in parameters.items():
            v = value.value if hasattr(value, "value") else value
            arr = np.asarray(v, dtype=np.float64)
            self._params[name] = arr.reshape(-1) if arr.ndim else float(arr)

    def set_native_parameters(self, parameters: Any) -> None:
        """Set parameters in native units (pA, ms); applied at once if the network runs."""
        old = dict(self._params)
        self._store(parameters)
        try:
            src = self._native_source()
            for inp in self._inputs:
                inp.source = src
        except Exception:
            self._params.clear()
            self._params.update(old)
            raise

    def get_native_parameters(self) -> Any:
        from pyNN.parameters import ParameterSpace

        return ParameterSpace({k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in self._params.items()})

    def inject_into(self, cells: Any) -> None:
        from .projections import split_by_population

        pops, owner, local = split_by_population(cells) if not isinstance(cells, (list, tuple)) else _from_ids(cells)
        for k, pop in enumerate(pops):
            if not pop.stim_capable():
                raise NotImplementedError(
                    f"{type(self).__name__}: {type(pop.celltype).__name__} on pyneuro has no stimulus current input"
                )
            self._targets.append((pop, np.asarray(local[owner == k], dtype=np.int64)))
        net = simulator.state.net
        if net is not None:
            for pop, idx in self._targets[len(self._targets) - len(pops) :]:
                self._add(net, pop, idx)

    def _add(self, net: Any, pop: Any, idx: np.ndarray) -> None:
        self._inputs.append(net.add_current_input(pop.native, self._native_source(), neurons=idx))

    def build(self, net: Any) -> None:
        self._inputs.clear()
        for pop, idx in self._targets:
            self._add(net, pop, idx)

    def event_steps(self) -> list[int]:
        return []

    def accumulate(self, step: int, stim: dict[int, np.ndarray]) -> None:
        pass

    def on_reset(self) -> None:
        self._chunks.clear()

    def _first(self) -> tuple[Any, int] | None:
        for inp, (_, idx) in zip(self._inputs, self._targets):
            if idx.size:
                return inp, int(idx[0])
        return None

    def after_run(self, s0: int, s1: int) -> None:
        if self._recording:
            f = self._first()
            dt = simulator.state.dt
            self._chunks.append(f[0].current(f[1], s0 * dt, s1 * dt) if f else np.zeros(s1 - s0))

    def record(self) -> None:
        """Record the injected current (see the module's notes)."""
        object.__setattr__(self, "_recording", True)

    def _get_data(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._recording:
            raise ValueError(f"{type(self).__name__}: call record() before get_data()")
        net = simulator.state.net
        now = net.step if net is not None else 0
        f = self._first()
        dt = simulator.state.dt
        last = f[0].current(f[1], now * dt, (now + 1) * dt) if f else np.zeros(1)
        i = np.concatenate(self._chunks + [last]) / 1000.0
        return np.arange(i.size) * dt, i


def _init(self: Any, parameters: dict[str, Any]) -> None:
    self._setup()
    StandardCurrentSource.__init__(self, **parameters)
    self.set_native_parameters(self.translate(self.parameter_space))
    simulator.state.current_sources.append(self)


class StepCurrentSource(_EngineSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(("amplitudes", "amplitudes", 1000.0), ("times", "times"))

    def __init__(self, **parameters: Any) -> None:
        _init(self, parameters)

    def _store(self, parameters: Any) -> None:
        super()._store(parameters)
        t = np.asarray(self._params.get("times", np.zeros(0)), np.float64).reshape(-1)
        a = np.asarray(self._params.get("amplitudes", np.zeros(0)), np.float64).reshape(-1)
        if t.size != a.size:
            raise ValueError(f"StepCurrentSource: {t.size} times but {a.size} amplitudes")
        if t.size and (t.min() < 0 or not np.all(np.isfinite(t))):
            raise ValueError(f"StepCurrentSource: times must be finite and >= 0, got {t.tolist()}")
        if t.size > 1 and np.any(np.diff(t) <= 0):
            raise ValueError(f"StepCurrentSource: times must increase strictly, got {t.tolist()}")
        # on the time grid; of times falling on one step the last wins
        dt = simulator.state.dt
        steps = to_steps(t, dt)
        keep = np.append(steps[1:] != steps[:-1], True) if steps.size else np.zeros(0, bool)
        self._params["times"] = steps[keep] * dt
        self._params["amplitudes"] = a[keep]

    def _native_source(self) -> pn_inputs.CurrentSource:
        return pn_inputs.StepCurrent(times=self._params["times"], amplitudes=self._params["amplitudes"])


class ACSource(_EngineSource, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__
    translations = build_translations(
        ("amplitude", "amplitude", 1000.0),
        ("offset", "offset", 1000.0),
        ("frequency", "frequency"),
        ("phase", "phase"),
        ("start", "start"),
        ("stop", "stop"),
    )

    def __init__(self, **parameters: Any) -> None:
        _init(self, parameters)

    def _native_source(self) -> pn_inputs.CurrentSource:
        p = self._params
        return pn_inputs.ACCurrent(
            amplitude=p["amplitude"],
            offset=p["offset"],
            frequency=p["frequency"],
            phase=p["phase"],
            start=p["start"],
            stop=p["stop"],
        )


class NoisyCurrentSource(_EngineSource, electrodes.NoisyCurrentSource):
    __doc__ = electrodes.NoisyCurrentSource.__doc__ + (
        "\n    On pyneuro the noise is the network's own counter-based random numbers (seeded by ``setup(rng_seed=)``);"
        " an ``rng`` argument is refused.\n"
    )
    translations = build_translations(
        ("mean", "mean", 1000.0), ("stdev", "stdev", 1000.0), ("dt", "dt"), ("start", "start"), ("stop", "stop")
    )

    def __init__(self, **parameters: Any) -> None:
        if parameters.pop("rng", None) is not None:
            raise NotImplementedError("NoisyCurrentSource: an rng is not supported on pyneuro (it uses its own)")
        _init(self, parameters)

    def _native_source(self) -> pn_inputs.CurrentSource:
        p = self._params
        return pn_inputs.NoisyCurrent(mean=p["mean"], stdev=p["stdev"], dt=p["dt"], start=p["start"], stop=p["stop"])


_ = StandardCurrentSource  # PyNN's base class of the above
