"""Population, PopulationView and Assembly of the PyNN backend.

A population keeps PyNN's description (native parameter arrays, initial values) and, once the network is built,
the pyneuro population that simulates it. pyneuro's models take one value per population for each parameter; a
parameter that differs between neurons is refused at build time with the parameter's name, except ``i_offset``
(per-neuron stimulus current) and the sources' rates, start times and durations (per neuron).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pyNN import common
from pyNN.parameters import ParameterSpace, simplify

import pyneuro as pn

from .._clock import to_steps
from . import simulator
from .cells import NativeCellType
from .recording import Recorder

__all__ = ["Population", "PopulationView", "Assembly"]

_SOURCES = ("PoissonSource", "SpikeGenerator")


class Assembly(common.Assembly):
    _simulator = simulator


def _values(parameter_space: ParameterSpace, mask: Any = None) -> dict[str, np.ndarray]:
    parameter_space.evaluate(simplify=False, mask=mask)
    return dict(parameter_space.items())


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    # -- creation ---------------------------------------------------------------------------------------------
    def _create_cells(self) -> None:
        if not isinstance(self.celltype, NativeCellType):
            raise NotImplementedError(
                f"cell type {type(self.celltype).__name__} is not available on pyneuro; available: "
                "IF_curr_exp, IF_cond_exp, IF_curr_alpha, IF_cond_alpha, EIF_cond_exp_isfa_ista, "
                "EIF_cond_alpha_isfa_ista, HH_cond_exp, Izhikevich, SpikeSourcePoisson, SpikeSourceArray, "
                "SpikeSourceGamma, SpikeSourcePoissonRefractory"
            )
        self._model_cls = self.celltype.model_class()
        state = simulator.state
        if state.net is not None and state.running:
            # a population added after a run joins the running network at its next run
            pass
        ids = np.arange(state.id_counter, state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in ids], dtype=simulator.ID)
        self._mask_local = np.ones((self.size,), bool)
        for c in self.all_cells:
            c.parent = self
        state.id_counter += self.size
        ps = self.celltype.native_parameters  # type: ignore[attr-defined]
        ps.shape = (self.size,)
        self._parameters: dict[str, np.ndarray] = _values(ps)
        if self._model_cls.kind == "SpikeGenerator":
            _check_spike_times(self._parameters["spike_times"])
        self._initial: dict[str, np.ndarray] = {}
        self.native: pn.Population | None = None
        state.populations.append(self)
        if state.net is not None:
            self.build(state.net)

    def _get_view(self, selector: Any, label: str | None = None) -> PopulationView:
        return PopulationView(self, selector, label)

    # -- parameters ---------------------------------------------------------------------------------------------
    def _get_parameters(self, *names: str) -> ParameterSpace:
        return _get_parameters(self, np.arange(self.size), names)

    def _get_native_parameters(self, *names: str) -> ParameterSpace:
        return ParameterSpace({n: simplify(self._parameters[n]) for n in names}, shape=(self.size,))

    def _set_parameters(self, parameter_space: ParameterSpace) -> None:
        self._set_native(np.arange(self.size), _values(parameter_space))

    def _set_native(self, index: np.ndarray, values: dict[str, Any]) -> None:
        """Set native parameters of the neurons ``index``; between runs only what pyneuro can change live."""
        live = self.native is not None
        if live:
            for name in values:
                if not self._changeable(name):
                    raise NotImplementedError(
                        f"pyneuro fixes parameter {name!r} of {type(self.celltype).__name__} once the network has "
                        "run; set it before the first run, or call reset() first (the network is then rebuilt)"
                    )
        for name, v in values.items():
            arr = self._parameters[name]
            if arr.dtype == object or np.ndim(v) and np.asarray(v).dtype == object:
                arr = arr.astype(object)
                arr[index] = v
                self._parameters[name] = arr
            else:
                arr = arr.astype(np.float64)
                arr[index] = v
                self._parameters[name] = arr
        if "spike_times" in values:
            _check_spike_times(self._parameters["spike_times"])
        if live:
            if "spike_times" in values:
                self.native.set_spike_times(*self._spike_arrays())  # type: ignore[union-attr]
            self.apply_time(simulator.state.net.step)  # type: ignore[union-attr]
            simulator.state.apply_events()

    def _changeable(self, name: str) -> bool:
        kind = self._model_cls.kind
        if kind == "PoissonSource":
            return name in ("rate", "start", "duration")
        if kind == "GammaSource":
            return name in ("rate", "start", "duration", "shape", "dead_time")
        if kind == "SpikeGenerator":
            return name == "spike_times"
        return name == "I_e" and self.stim_capable()

    def stim_capable(self) -> bool:
        return "I_stim" in getattr(self._model_cls, "state_vars", ())

    # -- initial values -----------------------------------------------------------------------------------------
    def _set_initial_value_array(self, variable: str, value: Any) -> None:
        self._set_initial(np.arange(self.size), variable, value)

    def _set_initial(self, index: np.ndarray, variable: str, value: Any) -> None:
        tr = self.celltype.state_translations
        if variable not in tr:
            raise NotImplementedError(
                f"{type(self.celltype).__name__} on pyneuro has the state variables {sorted(tr)}, not {variable!r}"
            )
        native, factor = tr[variable]
        if hasattr(value, "evaluate"):
            value.shape = (self.size,)
            full = np.asarray(value.evaluate(simplify=False), dtype=np.float64)
            vals = full if np.ndim(full) == 0 else full[index] if full.shape == (self.size,) else full
        else:
            vals = np.asarray(value, dtype=np.float64)
        cur = self._initial.get(native)
        if cur is None:
            cur = np.zeros(self.size)
        cur = cur.copy()
        cur[index] = vals * factor
        self._initial[native] = cur
        if self.native is not None:
            self.native.set(native, cur)

    # -- building and running -----------------------------------------------------------------------------------
    def build(self, net: pn.Network) -> None:
        cls = self._model_cls
        kind = cls.kind
        p = self._parameters
        label = self.label if self.label not in [q.name for q in net.populations] else None
        if kind == "PoissonSource":
            model = cls(rate=np.zeros(self.size))
        elif kind == "GammaSource":
            model = cls(rate=0.0)  # per-neuron values from apply_time
        elif kind == "SpikeGenerator":
            t_all, idx = self._spike_arrays()
            model = cls(times=t_all, indices=idx)
        else:
            kw: dict[str, float] = {}
            names = cls.param_names() if hasattr(cls, "param_names") else set(cls().params())
            for name, arr in p.items():
                if name not in names:
                    continue
                if name == "I_e" and self.stim_capable():
                    kw[name] = 0.0  # i_offset goes to the per-neuron stimulus current
                    continue
                a = np.asarray(arr, dtype=np.float64)
                if a.size and not np.all(a == a.flat[0]):
                    raise NotImplementedError(
                        f"parameter {name!r} of {type(self.celltype).__name__} (population {self.label!r}) differs "
                        "between neurons; pyneuro's models take one value per population (use one population "
                        "per value)"
                    )
                kw[name] = float(a.flat[0]) if a.size else 0.0
            model = cls(**kw)
        self.native = net.add_population(model, n=self.size, name=label)
        for var, vals in self._initial.items():
            if var in self.native.state_vars:
                self.native.set(var, vals)
        if "v_prev" in self.native.state_vars and "v" in self._initial:
            self.native.set("v_prev", self._initial["v"])  # a model that detects its spikes at the peak of v
        if self.structure is not None and self.size:
            try:
                pos = np.asarray(self.positions, dtype=np.float64).T
                if np.all(np.isfinite(pos)):
                    self.native.positions = pos
            except Exception:  # positions are informative only; connectors use PyNN's own
                pass

    def _spike_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        seqs = np.broadcast_to(np.asarray(self._parameters["spike_times"], dtype=object), (self.size,))
        times = [np.asarray(s.value if hasattr(s, "value") else s, dtype=np.float64).reshape(-1) for s in seqs]
        idx = np.concatenate([np.full(t.size, k, np.int64) for k, t in enumerate(times)]) if times else np.zeros(0)
        t_all = np.concatenate(times) if times else np.zeros(0)
        # a spike at t is emitted in step round(t / dt); PyNN's sources emit nothing before t = 0
        return t_all, idx.astype(np.int64)

    def event_steps(self) -> list[int]:
        if self._model_cls.kind not in ("PoissonSource", "GammaSource"):
            return []
        dt = simulator.state.dt
        start = np.asarray(self._parameters["start"], np.float64)
        stop = start + np.asarray(self._parameters["duration"], np.float64)
        t = np.concatenate([start, stop])
        t = t[np.isfinite(t) & (t < 1e12)]
        return [int(s) for s in np.unique(to_steps(t, dt))]

    def apply_time(self, step: int) -> None:
        if self.native is None or self._model_cls.kind not in ("PoissonSource", "GammaSource"):
            return
        dt = simulator.state.dt
        start = to_steps(self._parameters["start"], dt)
        stop = to_steps(
            np.asarray(self._parameters["start"], np.float64) + np.asarray(self._parameters["duration"], np.float64), dt
        )
        rate = np.broadcast_to(np.asarray(self._parameters["rate"], np.float64), (self.size,))
        on = (start <= step) & (step < stop)
        if self._model_cls.kind == "GammaSource":
            rate = self._gamma_parameters(rate)
        self.native.set("rate", np.where(on, rate, 0.0))

    def _gamma_parameters(self, rate: np.ndarray) -> np.ndarray:
        """Set shape and dead time of a GammaSource population; return the rate of its underlying events (Hz)."""
        assert self.native is not None
        p = self._parameters
        shape = np.broadcast_to(np.asarray(p.get("shape", 1.0), np.float64), (self.size,))
        dead = np.broadcast_to(np.asarray(p.get("dead_time", 0.0), np.float64), (self.size,))
        self.native.set("shape", shape)
        self.native.set("dead_time", dead)
        if "dead_time" not in p:
            return rate
        # SpikeSourcePoissonRefractory: `rate` is the mean rate; the intervals are dead_time + an exponential
        free = 1000.0 / np.where(rate > 0, rate, np.inf) - dead
        if np.any((rate > 0) & (free <= 0)):
            raise ValueError(
                f"SpikeSourcePoissonRefractory: tau_refrac must be below 1/rate; got rate {rate.max()} Hz with "
                f"tau_refrac {dead.max()} ms"
            )
        return np.where(rate > 0, 1000.0 / np.where(free > 0, free, 1.0), 0.0)

    def stim_base(self) -> np.ndarray:
        """Per-neuron stimulus current from i_offset (pA)."""
        if not self.stim_capable():
            return np.zeros(self.size)
        return np.broadcast_to(np.asarray(self._parameters.get("I_e", 0.0), np.float64), (self.size,)).copy()

    def native_index(self) -> tuple[Population, np.ndarray]:
        return self, np.arange(self.size)


class PopulationView(common.PopulationView):
    __doc__ = common.PopulationView.__doc__
    _simulator = simulator
    _assembly_class = Assembly

    def _index(self) -> np.ndarray:
        return np.asarray(self.index_in_grandparent(np.arange(self.size)), dtype=np.int64)

    def _get_parameters(self, *names: str) -> ParameterSpace:
        return _get_parameters(self.grandparent, self._index(), names)

    def _get_native_parameters(self, *names: str) -> ParameterSpace:
        idx = self._index()
        gp = self.grandparent
        return ParameterSpace({n: simplify(_at(gp._parameters[n], idx)) for n in names}, shape=(self.size,))

    def _set_parameters(self, parameter_space: ParameterSpace) -> None:
        parameter_space.shape = (self.size,)
        self.grandparent._set_native(self._index(), _values(parameter_space))

    def _set_initial_value_array(self, variable: str, value: Any) -> None:
        if hasattr(value, "evaluate"):
            value.shape = (self.size,)
            value = value.evaluate(simplify=False)
        self.grandparent._set_initial(self._index(), variable, value)

    def _get_view(self, selector: Any, label: str | None = None) -> PopulationView:
        return PopulationView(self, selector, label)

    def native_index(self) -> tuple[Population, np.ndarray]:
        return self.grandparent, self._index()


def _check_spike_times(seqs: Any) -> None:
    from pyNN.errors import InvalidParameterValueError

    for k, s in enumerate(np.asarray(seqs, dtype=object).reshape(-1)):
        t = np.asarray(s.value if hasattr(s, "value") else s, dtype=np.float64).reshape(-1)
        if t.size and (np.any(np.diff(t) < 0) or not np.all(np.isfinite(t)) or t.min() < 0):
            raise InvalidParameterValueError(
                f"spike_times of source {k} must be finite, >= 0 and in increasing order, got {t.tolist()}"
            )


def _at(arr: Any, idx: np.ndarray) -> Any:
    a = np.asarray(arr)
    return a if a.ndim == 0 else a[idx]


def _get_parameters(pop: Population, idx: np.ndarray, names: tuple[str, ...]) -> ParameterSpace:
    ct = pop.celltype
    if any(n in ct.computed_parameters() for n in names):
        native_names = ct.get_native_names()
    else:
        native_names = ct.get_native_names(*names)
    native = ParameterSpace({n: simplify(_at(pop._parameters[n], idx)) for n in native_names}, shape=(idx.size,))
    return ct.reverse_translate(native)
