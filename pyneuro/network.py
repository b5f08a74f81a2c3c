"""The Network: build populations and projections, run, record, save and restore."""

from __future__ import annotations

import json
import math
import signal
import threading
import time as _time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import _core, _mpi
from ._clock import to_step, to_steps
from ._validation import (
    FLOAT32_MAX,
    check_choice,
    check_float_array,
    check_index_array,
    check_int,
    check_number,
)
from .connectivity import AllToAll, ConnectionRule, Normal, Uniform
from .errors import SimulationError
from .inputs import CurrentInput, CurrentSource, PoissonInput, check_poisson_params
from .lesion import Lesion
from .models import NeuronModel, SpikeGenerator
from .monitors import Monitor, RateMonitor, SpikeMonitor, StateMonitor, StructureMonitor, WeightMonitor
from .plasticity import NeuronRule, PlasticityRule
from .population import Population
from .projection import Projection
from .scheduler import Scheduler
from .structural import NeurogenesisEpochs

__all__ = ["Network"]

_RECEPTORS = ("exc", "inh")


class Network:
    """A spiking network: populations, projections with plasticity, recorders, and the clock.

    Parameters
    ----------
    dt : float
        Time step (ms), in [1e-4, 100]. Default 0.1 ms.
    seed : int
        Seed of every random draw (connectivity, Poisson sources, ...), in [0, 2**64).
    threads : int
        Threads of the step loop, in [1, 1024] and no more than the system lets the process run at once (checked
        here: ValueError). Results are bit-identical for every thread count.
    max_rate : float
        A non-source population whose mean rate over a check window (100 ms) exceeds this bound (Hz) stops
        the run with :class:`SimulationError`; ``inf`` disables the check. NaN always stops the run.
    time_convention : {"pyneuro", "nest"}
        When a spike is stamped and when it acts after its delay (see Notes). ``"nest"`` makes a model ported from
        NEST show NEST's dynamics with the same nominal delays.
    comm : mpi4py.MPI.Intracomm, optional
        Split this network over the processes of an MPI communicator (e.g. ``MPI.COMM_WORLD`` under
        ``mpirun -n 4 python model.py``; every rank runs the same script). Each rank owns a contiguous block of every
        population (its ``threads`` split that block), builds only the synapses into its neurons and integrates only
        them; the ranks exchange every step's spikes in the compiled core. Spikes, weights and recordings are
        bit-identical to a single process for any number of ranks and threads. Spike and rate recorders hold the
        whole population's result on every rank; reading state or synapses (``pop.get``, ``proj.weights``, ...) is
        collective (every rank must call it), as is reading a state or weight recorder's ``values``. Structural
        plasticity, neurogenesis, lesions, structure recorders and checkpoints give the single-process results too;
        Ctrl-C on any rank stops every rank at the same step; changing synapses between runs is collective. Not
        supported yet under several ranks (``NotImplementedError``): user-defined rules reading presynaptic state.
        Default ``None``: one process, no MPI needed.

    Notes
    -----
    Time is kept as an integer step count; ``net.time`` is ``step * dt`` in ms. Step ``s`` integrates the
    neurons over ``[s dt, (s + 1) dt)``; a delay is a whole number ``d >= 1`` of steps.

    - ``"pyneuro"`` (default; as Brian2): a spike detected in step ``s`` has time ``s dt``. With delay ``d`` it is
      added to the target's input at the start of step ``s + d``, so it shapes the target's integration over
      ``[(s + d) dt, (s + d + 1) dt)``: it acts at ``t_spike + d``.
    - ``"nest"`` (as NEST): the same spike is stamped at the end of its step, ``(s + 1) dt``, and the delay counts
      from the stamp: it is added to the target's input at ``(s + 1 + d) dt``, after the target's update of step
      ``s + d`` (where NEST adds its ring buffers' inputs), so it shapes the integration from step ``s + d + 1``
      on. The same nominal delay thus acts one step later than under ``"pyneuro"``, and recorded spike times are
      one step later. SpikeGenerator times ``T`` (``>= dt``) are emitted stamped ``T``, i.e. in step
      ``T / dt - 1``.

    The minimum delay is one step in both: a spike never acts in the step it is emitted. Plasticity sees the
    stamped times under either convention: a presynaptic spike's time is its stamp plus its delay, a postsynaptic
    spike's its stamp, and arrivals come before postsynaptic spikes of the same time, so a rule gives the same
    weight changes for the same stamped spike trains. See the loop's ordering contract in
    ``csrc/core/engine.cpp`` and the timeline in the README.
    """

    def __init__(
        self,
        dt: float = 0.1,
        seed: int = 1,
        threads: int = 1,
        max_rate: float = 1000.0,
        time_convention: str = "pyneuro",
        comm: Any = None,
    ) -> None:
        dt = check_number("dt", dt, 1e-4, 100.0)
        seed = check_int("seed", seed, 0, 2**64 - 1)
        threads = check_int("threads", threads, 1, 1024)
        max_rate = check_number("max_rate", max_rate, 0.0, lo_open=True, allow_inf=True)
        time_convention = check_choice("time_convention", time_convention, ("pyneuro", "nest"))
        handles = None if comm is None else _mpi.comm_handles(comm)
        self._engine = _core.Engine(dt, seed, threads)
        self._comm = comm
        if handles is not None:
            self._engine.set_comm(*handles)
        self._engine.set_nest_time(time_convention == "nest")
        self._engine.max_rate = max_rate
        self._engine.check_every = max(1, int(round(100.0 / dt)))
        self.populations: list[Population] = []
        self.projections: list[Projection] = []
        self.inputs: list[PoissonInput | CurrentInput] = []
        self.monitors: list[Monitor] = []
        self.lesions: list[dict[str, Any]] = []  # applied lesions: time (ms), kind, name, count
        self._lesion_counter = 0  # fraction selections made so far (seeds the next one)
        self._interrupt_pending = False  # under several ranks: a Ctrl-C noted after a run's last check
        self._scheduler = Scheduler()  # what happens at a step in Python: lesions, neurogenesis, snapshots

    # -- properties -------------------------------------------------------------------------------------------
    @property
    def comm(self) -> Any:
        """The mpi4py communicator the network is split over, or None (one process)."""
        return self._comm

    @property
    def rank(self) -> int:
        """This process's rank in :attr:`comm` (0 in one process)."""
        return int(self._engine.rank)

    @property
    def ranks(self) -> int:
        """The number of processes the network is split over (1 in one process)."""
        return int(self._engine.ranks)

    @property
    def distributed(self) -> bool:
        """True when the network is split over more than one MPI rank."""
        return self.ranks > 1

    @property
    def exchanged_bytes(self) -> int:
        """Bytes of spike data each rank has received from the exchange so far (0 in one process)."""
        return int(self._engine.exchanged_bytes) if self.distributed else 0

    def _refuse_distributed(self, feature: str) -> None:
        if self.distributed:
            _mpi.refuse(feature)

    @property
    def dt(self) -> float:
        """Time step (ms)."""
        return float(self._engine.dt)

    @property
    def seed(self) -> int:
        return int(self._engine.seed)

    @property
    def threads(self) -> int:
        return int(self._engine.threads)

    @property
    def max_rate(self) -> float:
        return float(self._engine.max_rate)

    @max_rate.setter
    def max_rate(self, value: float) -> None:
        self._engine.max_rate = check_number("max_rate", value, 0.0, lo_open=True, allow_inf=True)

    @property
    def timing(self) -> bool:
        """Whether the step loop times its phases (see :meth:`phase_times`); setting it (True or False) resets the
        sums. Off by default (the loop then reads no clock); on, it costs a few clock reads per step."""
        return bool(self._engine.timing)

    @timing.setter
    def timing(self, on: bool) -> None:
        if not isinstance(on, (bool, np.bool_)):
            raise TypeError(f"timing must be True or False, got {on!r}")
        self._engine.timing = bool(on)

    def phase_times(self) -> dict[str, np.ndarray]:
        """Wall seconds each thread spent in each phase of the step loop since :attr:`timing` was set, summed over
        the runs: ``"deliver"`` (arrivals and the presynaptic half of the rules), ``"integrate"`` (neurons and
        recorders), ``"post"`` (the postsynaptic half of the rules) and ``"wait"`` (barriers), each an array with one
        value per thread (as NEST's ``time_deliver_spike_data`` / ``time_update``)."""
        t = np.asarray(self._engine.phase_times(), dtype=np.float64).reshape(self.threads, 4)
        return {name: t[:, q].copy() for q, name in enumerate(("deliver", "integrate", "post", "wait"))}

    @property
    def time_convention(self) -> str:
        """``"pyneuro"`` or ``"nest"``: when spikes are stamped and delays counted (see the class notes)."""
        return "nest" if self._engine.nest_time else "pyneuro"

    @property
    def stamp_offset(self) -> int:
        """Steps between the step in which a spike is detected and its time stamp: 0 (pyneuro) or 1 (nest)."""
        return 1 if self._engine.nest_time else 0

    @property
    def scheduler(self) -> Scheduler:
        """The events done in Python at simulated times (pending lesions, neurogenesis epochs, structure snapshots;
        see :mod:`pyneuro.scheduler`); :meth:`run` stops the compiled loop at each and fires it."""
        return self._scheduler

    @property
    def step(self) -> int:
        """Number of steps simulated so far."""
        return int(self._engine.now)

    @property
    def time(self) -> float:
        """Simulated time so far (ms)."""
        return self._engine.now * self.dt

    def __repr__(self) -> str:
        return (
            f"Network(dt={self.dt}, seed={self.seed}, threads={self.threads}, t={self.time} ms, "
            f"{len(self.populations)} populations, {len(self.projections)} projections)"
        )

    # -- building ---------------------------------------------------------------------------------------------
    def _own(self, name: str, obj: Any, cls: type) -> Any:
        if not isinstance(obj, cls):
            raise TypeError(f"{name} must be a {cls.__name__}, got {type(obj).__name__}")
        if obj.network is not self:  # type: ignore[attr-defined]
            raise ValueError(f"{name} ({obj!r}) belongs to another network")
        return obj

    def add_population(
        self, model: NeuronModel, n: int, name: str | None = None, initial: dict[str, Any] | None = None
    ) -> Population:
        """Add ``n`` neurons of ``model`` (an instance from :mod:`pyneuro.models`).

        Parameters
        ----------
        model : NeuronModel
            The model and its parameters, e.g. ``pn.models.LIFCond()``.
        n : int
            Number of neurons, >= 1.
        name : str, optional
            Unique name; default ``"pop<k>"``.
        initial : dict, optional
            Initial values of state variables, ``{var: scalar or n values}``, by the model's names or NEST's
            (e.g. ``{"V_m": v0}``); as :meth:`Population.set`.
        """
        if not isinstance(model, NeuronModel):
            raise TypeError(f"model must be an instance from pyneuro.models, got {type(model).__name__}")
        n = check_int("n", n, 1, 2**31 - 1)
        name = self._unique_name(name, f"pop{len(self.populations)}", [p.name for p in self.populations])
        model.validate()
        init: dict[str, np.ndarray] = {}
        if initial is not None:
            if not isinstance(initial, dict):
                raise TypeError(f"initial must be a dict {{var: values}}, got {type(initial).__name__}")
            for var, values in initial.items():
                own = (
                    var
                    if var in model.state_vars
                    else model.nest_names.get(var, None)
                    if isinstance(var, str)
                    else None
                )
                if own is None or own not in model.state_vars:
                    raise ValueError(
                        f"initial: var must be one of {model.state_vars} (or NEST's {tuple(model.nest_names)}) for "
                        f"{type(model).__name__}, got {var!r}"
                    )
                lo, hi = (0.0, 1000.0 / self.dt) if own == "rate" else (-FLOAT32_MAX, FLOAT32_MAX)
                if np.ndim(values) == 0:
                    arr = np.full(n, check_number(f"initial[{var!r}]", values, lo, hi))
                else:
                    arr = check_float_array(f"initial[{var!r}]", values, length=n, lo=lo, hi=hi)
                init[own] = arr
        rates = None
        if model.kind == "PoissonSource" and np.ndim(model.rate) != 0:  # type: ignore[attr-defined]
            rates = check_float_array("PoissonSource.rate", model.rate, length=n, lo=0.0)  # type: ignore[attr-defined]
        if isinstance(model, SpikeGenerator):
            model.check_size(n)
            if self.stamp_offset and np.size(model.times) and to_steps(np.min(model.times), self.dt) < 1:
                raise ValueError(
                    f"SpikeGenerator.times must be >= dt = {self.dt} ms under the NEST time convention (a spike is "
                    f"stamped at the end of its step), got {np.min(model.times)}"
                )
        if model.kind == "PoissonSource":
            r = rates if rates is not None else np.array([model.rate])  # type: ignore[attr-defined]
            if np.max(r) > 1000.0 / self.dt:
                raise ValueError(f"PoissonSource.rate must be <= 1/dt = {1000.0 / self.dt} Hz, got {np.max(r)}")
        if isinstance(model, SpikeGenerator):
            t = np.asarray(model.times, dtype=np.float64).reshape(-1)
            if t.size and t.max() > 2.0**52 * self.dt:
                raise ValueError(
                    f"SpikeGenerator.times must be <= 2**52 steps = {2.0**52 * self.dt:g} ms at dt = {self.dt} ms, "
                    f"got {t.max():g}"
                )
        compiled = self._engine.add_population(model.core_kind(), n, model.core_params())
        pop = Population(self, self._engine, compiled, model, name)
        try:
            for var, arr in init.items():
                pop.set(var, arr)
            if rates is not None:
                compiled.set("rate", rates.astype(np.float32))
            if isinstance(model, SpikeGenerator):
                steps = to_steps(t, self.dt).astype(np.int64) - self.stamp_offset
                compiled.set_events(steps, np.asarray(model.indices).reshape(-1).astype(np.uint32))
        except BaseException:  # e.g. a refused initial value, MemoryError: the core takes the population back
            self._engine.pop_population(compiled)
            raise
        self.populations.append(pop)
        return pop

    @staticmethod
    def _unique_name(name: Any, default: str, taken: list[str]) -> str:
        if name is None:
            name = default
            k = 1
            while name in taken:
                name = f"{default}_{k}"
                k += 1
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {name!r}")
        if name in taken:
            raise ValueError(f"name must be unique, {name!r} is taken")
        return name

    def _lower_values(
        self, what: str, value: Any, rule: ConnectionRule, n_pre: int, n_post: int, *, delay: bool, limit: int
    ) -> dict[str, Any]:
        """Lower a weight (>= 0) or a delay (ms, >= dt, rounded to whole steps) to the core's value spec."""
        dt = self.dt
        lo = dt * (1 - 1e-9) if delay else 0.0

        def steps(x: np.ndarray) -> np.ndarray:
            return to_steps(x, dt)

        def check_delay_range(mx: float) -> None:
            if delay and mx > limit:
                raise ValueError(
                    f"{what} must be <= {limit * dt} ms ({limit} steps) for this projection, got {mx * dt}"
                )

        if isinstance(value, (Uniform, Normal)):
            a, b = value.bounds()
            if isinstance(value, Uniform):
                if a < lo:
                    raise ValueError(f"{what}: Uniform.low must be >= {'dt' if delay else 0} ({lo}), got {a}")
                if delay:
                    check_delay_range(float(steps(np.array([b]))[0]))
                    return {"kind": "uniform", "a": a / dt, "b": b / dt}
                return value.lower()
            if value.redraw:
                if not delay:
                    if a < 0.0:
                        raise ValueError(f"{what}: Normal with truncation='redraw' needs low >= 0, got low={a}")
                    return value.lower()
                # a redrawn delay is never below one step: values below half a step (which round to 0) are redrawn
                lo_steps = max(a / dt, 0.5)
                hi_steps = min(b / dt, float(limit))
                value.check_mass(lo_steps * dt, hi_steps * dt, what)
                return {
                    "kind": "normal",
                    "a": value.mean / dt,
                    "b": value.std / dt,
                    "lo": lo_steps,
                    "hi": hi_steps,
                    "redraw": True,
                }
            if a < lo:
                raise ValueError(
                    f"{what}: Normal must be clipped with low >= {'dt' if delay else 0} ({lo}), got low={a}"
                    " (or use truncation='redraw')"
                )
            if delay:
                hi = min(b / dt, float(limit)) if math.isfinite(b) else float(limit)
                return {"kind": "normal", "a": value.mean / dt, "b": value.std / dt, "lo": a / dt, "hi": hi}
            return value.lower()
        if np.ndim(value) == 0:
            v = check_number(what, value, lo, FLOAT32_MAX)
            if delay:
                s = float(steps(np.array([v]))[0])
                check_delay_range(s)
                return {"kind": "scalar", "a": s}
            return {"kind": "scalar", "a": v}
        n = rule.array_length(n_pre, n_post)
        if n is None:
            raise ValueError(
                f"{what} as an array needs a rule that orders synapses (FromArrays, OneToOne, AllToAll); "
                f"use a scalar or a distribution with {type(rule).__name__}"
            )
        arr = np.asarray(value)
        if isinstance(rule, AllToAll) and arr.ndim == 2:
            if arr.shape != (n_pre, n_post):
                raise ValueError(f"{what} must have shape ({n_pre}, {n_post}), got {arr.shape}")
            arr = arr.reshape(-1)
        arr = check_float_array(what, arr, length=n, lo=lo, hi=FLOAT32_MAX)
        if delay:
            arr_steps = steps(arr)
            if arr_steps.size:
                check_delay_range(float(arr_steps.max()))
            return {"kind": "array", "arr": arr_steps}
        return {"kind": "array", "arr": arr}

    def connect(
        self,
        pre: Population,
        post: Population,
        rule: ConnectionRule,
        weight: Any = 1.0,
        delay: Any = None,
        receptor: str = "exc",
        plasticity: PlasticityRule | Sequence[PlasticityRule] | None = None,
        name: str | None = None,
        max_delay: float | None = None,
    ) -> Projection:
        """Connect ``pre`` to ``post`` by ``rule`` and return the :class:`Projection`.

        Parameters
        ----------
        pre, post : Population
            Populations of this network.
        rule : ConnectionRule
            From :mod:`pyneuro.connectivity` (``pn.conn``): AllToAll, OneToOne, FixedProbability, FixedInDegree,
            FixedOutDegree, FromArrays.
        weight : float, array or distribution
            Synaptic weight(s), >= 0, in the target model's input unit (nS, pA, or mV for Izhikevich).
        delay : float, array or distribution
            Axonal delay(s) in ms, >= dt (default dt). Each delay is rounded to the nearest whole step
            (halves round up); a delay below dt or not finite is a ValueError.
        receptor : {"exc", "inh"}
            Which input the spikes feed.
        plasticity : rule or list of rules, optional
            From :mod:`pyneuro.plasticity`; applied in list order.
        name : str, optional
            Unique name; default ``"<pre>-><post>"``.
        max_delay : float, optional
            Longest delay (ms) that synapses added later (:meth:`Projection.add_synapses`, structural plasticity)
            may have; spike histories are kept that long (as NEST's ``max_delay``). Default: the longest delay drawn
            here.
        """
        self._own("pre", pre, Population)
        self._own("post", post, Population)
        if not isinstance(rule, ConnectionRule):
            raise TypeError(f"rule must be a connection rule from pyneuro.conn, got {type(rule).__name__}")
        receptor = check_choice("receptor", receptor, _RECEPTORS)
        if plasticity is None:
            rules: list[PlasticityRule] = []
        elif isinstance(plasticity, PlasticityRule):
            rules = [plasticity]
        elif isinstance(plasticity, (list, tuple)):
            rules = list(plasticity)
        else:
            raise TypeError(f"plasticity must be a rule from pyneuro.plasticity or a list of them, got {plasticity!r}")
        for k, r in enumerate(rules):
            if not isinstance(r, PlasticityRule) or isinstance(r, NeuronRule):
                raise TypeError(
                    f"plasticity[{k}] must be a synaptic rule from pyneuro.plasticity, got {type(r).__name__}"
                    + (" (a neuron rule: use net.add_plasticity(pop, rule))" if isinstance(r, NeuronRule) else "")
                )
        for r in rules:
            r.check_target(pre, post)
        name = self._unique_name(name, f"{pre.name}->{post.name}", [p.name for p in self.projections])
        n_pre, n_post = pre.size, post.size
        conn = rule.lower(n_pre, n_post, pre is post)
        # the store packs (delay, local target) into 32 bits; the rest of the target's bits bound the delay (steps)
        limit = _core.delay_limit(n_post)
        wspec = self._lower_values("weight", weight, rule, n_pre, n_post, delay=False, limit=limit)
        dspec = self._lower_values(
            "delay", self.dt if delay is None else delay, rule, n_pre, n_post, delay=True, limit=limit
        )
        lowered = [r.lowered(self) for r in rules]  # every rule checked before anything is built
        reserve = None
        if max_delay is not None:
            max_delay = check_number("max_delay", max_delay, self.dt * (1 - 1e-9), limit * self.dt)
            reserve = to_step(max_delay, self.dt)
        compiled = self._engine.connect(pre.compiled, post.compiled, receptor, conn, wspec, dspec)
        try:
            if reserve is not None:
                compiled.set_max_delay(reserve)
            proj = Projection(self, compiled, self._engine, pre, post, receptor, rules, lowered, name)
        except BaseException:  # e.g. MemoryError building the post index: the core takes the projection back
            self._engine.pop_projection(compiled)
            raise
        self.projections.append(proj)
        return proj

    def add_poisson_input(
        self,
        target: Population,
        n: float,
        rate: float,
        weight: float,
        receptor: str = "exc",
        name: str | None = None,
    ) -> PoissonInput:
        """Give every neuron of ``target`` the spikes of ``n`` independent Poisson inputs of ``rate`` Hz, each of
        weight ``weight``, on ``receptor``, with no source population (see :class:`pyneuro.inputs.PoissonInput`).

        Parameters
        ----------
        target : Population
            A population of this network that integrates input (not a source).
        n : float
            Number of independent inputs per neuron, a whole number >= 0.
        rate : float
            Rate of each input (Hz), >= 0; any rate (several arrivals per step are counted).
        weight : float
            Weight of each arriving spike, >= 0, in the target model's input unit (nS, pA, or mV for Izhikevich).
        receptor : {"exc", "inh"}
            Which input the spikes feed.
        name : str, optional
            Unique name; default ``"poisson-><target>"``.
        """
        self._own("target", target, Population)
        if target.model.kind in ("PoissonSource", "GammaSource", "SpikeGenerator"):
            raise ValueError(f"target must integrate input; {target.name!r} is a {target.model.kind}")
        receptor = check_choice("receptor", receptor, _RECEPTORS)
        n, rate, weight = check_poisson_params(n, rate, weight, self.dt)
        name = self._unique_name(name, f"poisson->{target.name}", [x.name for x in self.inputs])
        compiled = self._engine.add_input(
            "PoissonInput", target.compiled, receptor, {"n": n, "rate": rate, "weight": weight}
        )
        inp = PoissonInput(self, self._engine, compiled, target, receptor, n, rate, weight, name)
        self.inputs.append(inp)
        return inp

    def add_current_input(
        self, target: Population, source: CurrentSource, neurons: Any = None, name: str | None = None
    ) -> CurrentInput:
        """Inject the current ``source`` (:class:`pyneuro.inputs.StepCurrent`, :class:`~pyneuro.inputs.ACCurrent`
        or :class:`~pyneuro.inputs.NoisyCurrent`) into neurons of ``target`` at every step.

        Parameters
        ----------
        target : Population
            A population of this network whose model has a stimulus current ``I_stim`` (the LIF family,
            Izhikevich, AdEx).
        source : CurrentSource
            The current's time course (pA, or the model's ``I_e`` unit).
        neurons : array of int, optional
            Indices of the neurons it reaches; default: all.
        name : str, optional
            Unique name; default ``"current-><target>"``.
        """
        self._own("target", target, Population)
        if not isinstance(source, CurrentSource) or type(source) is CurrentSource:
            raise TypeError(
                "source must be a pyneuro.inputs.StepCurrent, ACCurrent or NoisyCurrent, got " + type(source).__name__
            )
        if "I_stim" not in target.state_vars:
            raise ValueError(
                f"target must have a stimulus current I_stim; {target.name!r} is a {type(target.model).__name__}"
            )
        idx = None if neurons is None else check_index_array("neurons", neurons, target.size)
        name = self._unique_name(name, f"current->{target.name}", [x.name for x in self.inputs])
        params = CurrentInput.lowered(source, idx, self.dt)
        compiled = self._engine.add_input(source.kind, target.compiled, "exc", params)
        inp = CurrentInput(self, self._engine, compiled, target, source, idx, name)
        self.inputs.append(inp)
        return inp

    def add_plasticity(self, pop: Population, rule: NeuronRule) -> None:
        """Attach a neuron rule (:class:`pyneuro.plasticity.IntrinsicPlasticity`) to ``pop``
        (:meth:`Population.add_plasticity`).

        Synaptic rules are given to :meth:`connect`; neuron rules act on a population's own state.
        """
        self._own("pop", pop, Population)
        pop.add_plasticity(rule)

    # -- structural plasticity --------------------------------------------------------------------------------
    def add_structural(self, target: Projection | Population, *rules: Any) -> None:
        """Attach structural rules (:mod:`pyneuro.structural`) to a projection (Pruning, Growth, HomeostaticGrowth,
        Sprouting) or to a population (Neurogenesis); they act every ``interval`` ms inside :meth:`run`, in the order
        given. A rewired projection may not carry a weight monitor (synapse positions change; take snapshots)."""
        if isinstance(target, Population):
            self._own("target", target, Population)
            NeurogenesisEpochs.attach(self, target, rules)
            return
        self._own("target", target, Projection)
        target.add_structural(*rules)

    @property
    def structural_log(self) -> np.ndarray:
        """Every structural change so far, during runs and between them, as a numpy record array with fields ``t``
        (ms: the change takes effect before the step at ``t``), ``kind``, ``projection`` (name, "" for neuron
        events), ``pre``, ``post`` (neuron ids; for a neuron event ``post`` is the neuron and ``pre`` its population's
        index) and ``weight`` (of the synapse when it was created or removed).

        Kinds:

        - ``"created"``: a synapse made by a structural rule (Growth, Sprouting, HomeostaticGrowth), or by a
          Neurogenesis rule wiring the neurons it adds during a run;
        - ``"pruned"``: a synapse removed by a rule (Pruning, HomeostaticGrowth's retraction);
        - ``"lesioned"``: a synapse removed by :meth:`lesion`, or a lesioned neuron (projection "");
        - ``"neuron_added"``: a neuron added (Neurogenesis, :meth:`Population.add_neurons`; projection "");
        - ``"added"``: a synapse added between runs (:meth:`Projection.add_synapses`, :meth:`Projection.connect_new`,
          ``Population.add_neurons(connect=...)``);
        - ``"removed"``: a synapse removed between runs (:meth:`Projection.remove_synapses`).

        So a projection's size is always its size at :meth:`connect` + created + added - pruned - lesioned - removed
        (its rows in the log). Within one step, entries are in a canonical order (projection, kind, pre, post,
        weight), the same for every thread count."""
        from .structural import LOG_KINDS

        t, kind, proj, pre, post, w = self._engine.structural_log()
        kinds = np.array(LOG_KINDS)
        names = np.array([p.name for p in self.projections] + [""])
        out = np.zeros(
            len(t),
            dtype=[
                ("t", "f8"),
                ("kind", "U12"),
                ("projection", "U64"),
                ("pre", "u4"),
                ("post", "u4"),
                ("weight", "f4"),
            ],
        )
        out["t"] = t * self.dt
        out["kind"] = kinds[kind] if len(t) else []
        out["projection"] = names[np.where(proj < 0, len(names) - 1, proj)] if len(t) else []
        out["pre"], out["post"], out["weight"] = pre, post, w
        return out

    # -- recording --------------------------------------------------------------------------------------------
    def _every(self, name: str, every: Any) -> int:
        """A recording interval (ms) in whole steps: at least dt, at most 2**52 steps (the clock's exact range)."""
        every = check_number(name, every, self.dt * (1 - 1e-9), 2.0**52 * self.dt)
        return max(1, to_step(every, self.dt))

    def record_spikes(self, pop: Population, indices: Any = None) -> SpikeMonitor:
        """Record the spikes of ``pop`` (all neurons, or the given indices)."""
        self._own("pop", pop, Population)
        subset = None if indices is None else check_index_array("indices", indices, pop.size)
        compiled = self._engine.add_spike_monitor(pop.compiled, np.zeros(0, np.uint32) if subset is None else subset)
        m = SpikeMonitor(self, compiled, pop, subset)
        self.monitors.append(m)
        return m

    def record_state(self, pop: Population, var: str, indices: Any = None, every: float | None = None) -> StateMonitor:
        """Record state variable ``var`` of the given neurons (default all) every ``every`` ms (default dt).

        Under several MPI ranks each rank samples its own neurons and reading ``values`` gathers them (collective).
        """
        self._own("pop", pop, Population)
        var = pop.check_var(var)
        idx = pop.check_indices("indices", indices)
        ev = self._every("every", self.dt if every is None else every)
        compiled = self._engine.add_state_monitor(pop.compiled, var, idx, ev)
        m = StateMonitor(self, compiled, pop, var, idx)
        self.monitors.append(m)
        return m

    def record_weights(self, proj: Projection, indices: Any = None, every: float = 100.0) -> WeightMonitor:
        """Record the weights of ``proj`` (all synapses, or positions in canonical order) every ``every`` ms.

        Under several MPI ranks this call and reading ``values`` are collective (each rank samples its synapses)."""
        self._own("proj", proj, Projection)
        if proj.structural:
            raise ValueError(
                f"projection {proj.name!r} is rewired by structural rules, so synapse positions change during a run; "
                "record it with net.record_structure(proj, every=...) (snapshots of pre, post, delay, weight)"
            )
        sel = None if indices is None else check_index_array("indices", indices, max(proj.size, 1)).astype(np.uint64)
        if sel is not None and proj.size == 0:
            raise ValueError("indices given but the projection has no synapses")
        ev = self._every("every", every)
        if self.distributed:
            # each rank records all its synapses; reading gathers them into the canonical order and selects
            order = _mpi.canonical_order(self.comm, tuple(proj.compiled.gather()))
            compiled = self._engine.add_weight_monitor(proj.compiled, np.zeros(0, np.uint64), ev)
            m = WeightMonitor(self, compiled, proj, sel)
            m._order = order
            self.monitors.append(m)
            return m
        compiled = self._engine.add_weight_monitor(proj.compiled, np.zeros(0, np.uint64) if sel is None else sel, ev)
        m = WeightMonitor(self, compiled, proj, sel)
        self.monitors.append(m)
        return m

    def record_structure(self, proj: Projection, every: float = 1000.0) -> StructureMonitor:
        """Record snapshots of ``proj``'s synapses (pre, post, delay, weight) now and every ``every`` ms: the
        recorder for projections whose structure changes. Each snapshot copies the projection (12 bytes per
        synapse), so choose ``every`` with the projection's size in mind."""
        self._own("proj", proj, Projection)
        m = StructureMonitor(self, proj, self._every("every", every))
        m.fire(self.step)
        self.monitors.append(m)
        self._scheduler.add(m, saved=False)  # saved with the recorders
        return m

    def record_rate(self, pop: Population, every: float = 1.0, *, bin: float | None = None) -> RateMonitor:
        """Record the population rate of ``pop`` in bins of ``every`` ms (``bin`` is an alias of ``every``, the bin
        width)."""
        self._own("pop", pop, Population)
        if bin is not None:
            every = bin
        b = self._every("bin" if bin is not None else "every", every)
        compiled = self._engine.add_rate_monitor(pop.compiled, b)
        m = RateMonitor(self, compiled, pop)
        self.monitors.append(m)
        return m

    # -- lesions ----------------------------------------------------------------------------------------------
    def lesion(
        self, neurons: Any = None, synapses: Any = None, at: float | None = None, remove_synapses: bool = True
    ) -> Lesion:
        """Lesion neurons and/or synapses, now (``at=None``, between runs) or at simulated time ``at`` (ms).

        Parameters
        ----------
        neurons : Population, tuple or list of them, optional
            ``pop`` (all its neurons), ``(pop, ids)``, ``(pop, fraction)`` with a float fraction in (0, 1] of
            the population chosen at random (deterministic for the network's seed), or ``(pop, region)`` with
            ``region = {"center": [...], "radius": r}`` (a ball in ``pop.positions``, boundary included) or
            ``{"box": [[lo...], [hi...]]}`` (inclusive). A lesioned neuron is silenced: it never spikes again
            (its state may keep integrating); its id stays valid (see :attr:`Population.lesioned`).
        synapses : tuple or list of tuples, optional
            ``(proj, indices)``, ``(proj, bool_mask)`` (canonical order) or ``(proj, predicate)`` with
            ``predicate(pre, post, weight, delay_ms) -> bool mask`` called on the canonical arrays when the lesion
            is applied.
        at : float, optional
            Time (ms, >= ``net.time``, rounded to a whole step); :meth:`run` applies the lesion exactly there,
            identically to running up to ``at`` and lesioning between runs.
        remove_synapses : bool
            Also remove every synapse into or out of the lesioned neurons, in every projection (default True).

        Returns
        -------
        pyneuro.lesion.Lesion
            What is (or will be) lesioned; its ``synapses_removed`` is filled in when it is applied. Applied
            lesions are listed in :attr:`lesions`. See :mod:`pyneuro.lesion` for the full semantics.
        """
        # under several MPI ranks every rank applies the same lesion to its own share (the selections are drawn and
        # evaluated on the whole, canonical arrays on every rank, so the result is that of one process)
        les, counter = Lesion.parse(self, self._engine, neurons, synapses, at, remove_synapses, self._lesion_counter)
        self._lesion_counter = counter
        if les.step <= self.step:
            les.apply()
        else:
            self._scheduler.add(les)
        return les

    # -- running ----------------------------------------------------------------------------------------------
    def run(self, duration: float, progress: bool = False) -> None:
        """Advance the network by ``duration`` ms (rounded to whole steps); may be called again to continue.

        The loop runs in compiled code with the GIL released, in chunks of about 0.2 s of wall time; between
        chunks the progress bar is updated and Ctrl-C is honoured: ``KeyboardInterrupt`` is raised at a step
        boundary, leaving a consistent network that can run on. Under several MPI ranks an interrupt of any rank
        (SIGINT with Python's default handler in place) is told to every rank after the chunk it arrived in, and
        every rank raises ``KeyboardInterrupt`` at the same step; the chunks are then the same on every rank (sized
        by the slowest rank's wall time).

        Raises
        ------
        SimulationError
            If a state variable becomes NaN or a population's rate exceeds ``max_rate``; the network stays at the
            end of the last completed step.
        """
        duration = check_number("duration", duration, 0.0, 2.0**52 * self.dt)
        total = to_step(duration, self.dt)
        if self.distributed:
            # every rank must run the same network for the same steps (the exchange pairs their steps): a mismatch is
            # refused on every rank, before any step
            sig = (total, self.step, len(self.populations), len(self.projections), len(self.inputs), len(self.monitors))
            sigs = self._comm.allgather(sig)
            bad = [r for r, x in enumerate(sigs) if x != sig]
            if bad:
                raise ValueError(
                    f"run(duration={duration}) on rank {self.rank}: ranks {bad} run a different network or number of "
                    f"steps (step count, clock, populations, projections, inputs, recorders: {sigs}); every rank "
                    "must build the same network and call run with the same durations"
                )
        bar = None
        if progress and self.rank == 0:  # under several MPI ranks the bar is rank 0's
            from tqdm.auto import tqdm

            bar = tqdm(total=round(total * self.dt, 6), unit="ms", desc="pyneuro", dynamic_ncols=True)
        done = 0
        chunk = 2000 if self.distributed else 100  # fewer chunk ends under several ranks: each adds an exchange
        wall0 = _time.perf_counter()
        # under several ranks Ctrl-C must stop every rank at the same step, or the others would wait in the exchange
        # for the interrupted one: Python's handler is replaced by one that only notes the interrupt, and the ranks
        # agree after every chunk (and once at the end) whether any rank was interrupted
        noted = [self._interrupt_pending]
        restore = None
        if (
            self.distributed
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):

            def note(signum: int, frame: Any) -> None:
                noted[0] = True

            restore = signal.signal(signal.SIGINT, note)

        def agree(el: float) -> float:
            """Tell the ranks of any interrupt (all raise it at this step) and return the slowest rank's time."""
            told = self._comm.allgather((noted[0], el))
            hit = [r for r, (f, _) in enumerate(told) if f]
            if hit:
                self._interrupt_pending = noted[0] = False
                raise KeyboardInterrupt(f"interrupted on MPI rank(s) {hit}; every rank stopped at step {self.step}")
            return max(e for _, e in told)

        try:
            self._scheduler.fire_due(self.step)
            if self.distributed:
                agree(0.0)  # an interrupt noted after the previous run's last check
            while done < total:
                n = min(chunk, total - done)
                nxt = self._scheduler.next_step()  # stop at the events done in Python
                if nxt is not None:
                    n = min(n, nxt - self.step)
                t0 = _time.perf_counter()
                status = self._engine.run(n)
                el = _time.perf_counter() - t0
                if self.distributed:
                    el = agree(el)
                done += n
                if bar is not None:
                    bar.update(round(n * self.dt, 6))
                    wall = _time.perf_counter() - wall0
                    bar.set_postfix_str(f"{done * self.dt / 1000.0 / max(wall, 1e-9):.3g} s/s")
                if status["stopped"]:
                    pop = self.populations[int(status["population"])]
                    t_ms = (int(status["step"]) + 1) * self.dt
                    if status["reason"] == "nan" and int(status.get("projection", -1)) >= 0:
                        proj = self.projections[int(status["projection"])]
                        msg = (
                            f"projection {proj.name!r} (into population {pop.name!r}) has NaN in the state of its "
                            f"plasticity rules at t = {t_ms:.1f} ms; run stopped"
                        )
                    elif status["reason"] == "nan":
                        msg = f"population {pop.name!r} has NaN in its state at t = {t_ms:.1f} ms; run stopped"
                    else:
                        msg = (
                            f"population {pop.name!r} fired at {status['value']:.1f} Hz over the 100 ms before "
                            f"t = {t_ms:.1f} ms, above max_rate = {self.max_rate} Hz; run stopped"
                        )
                    raise SimulationError(msg, pop.name, t_ms, str(status["reason"]))
                self._scheduler.fire_due(self.step)
                # aim for ~0.2 s of wall time per chunk (under several ranks: of the slowest rank, so every rank
                # takes the same chunk: the exchange pairs their steps)
                if el < 0.1:
                    chunk = min(chunk * 2, 1 << 22)
                elif el > 0.4:
                    chunk = max(chunk // 2, 10)
        finally:
            if restore is not None:
                signal.signal(signal.SIGINT, restore)
                self._interrupt_pending = noted[0]  # one that came after the last check: told at the next run
            if bar is not None:
                bar.close()

    # -- checkpoints ------------------------------------------------------------------------------------------
    def _saved_objects(self) -> dict[str, list[Any]]:
        """What a checkpoint holds, by section (:data:`pyneuro.io.SECTIONS`, in that order); each object writes its
        own group (``save_to``) and is read back by the class its ``kind`` names (``load_from``)."""
        return {
            "populations": self.populations,
            "projections": self.projections,
            "inputs": self.inputs,
            "monitors": self.monitors,
            "scheduled": self._scheduler.saved(),
        }

    def save(self, path: str | Path) -> None:
        """Write a checkpoint (HDF5): structure, state, traces, spikes in flight, clock and recorded data.

        ``Network.load(path)`` continues bit for bit as this network would. Under several MPI ranks it is
        collective and writes the same single file: rank 0 gathers every rank's share (weight recorders and
        per-synapse rule state in canonical order) and writes it, and every rank raises if that failed
        (:class:`NotImplementedError` for an engine state entry that differs between ranks and has no known merge).
        """
        from . import __version__, io

        if self.distributed:
            from .monitors import StateMonitor, WeightMonitor

            statemons = [
                (np.asarray(m.indices), self._engine.owned_of(m.population.compiled))
                for m in self.monitors
                if isinstance(m, StateMonitor)
            ]
            state = self._engine.save_state()
            # rules' per-synapse state and weight recorders: each rank's synapses into the canonical order
            projs = [
                (_mpi.canonical_order(self.comm, tuple(p.compiled.gather())), self._engine.owned_of(p.target.compiled))
                for p in self.projections
            ]
            weightmons = [
                (projs[self.projections.index(m.projection)][0], m.indices)
                for m in self.monitors
                if isinstance(m, WeightMonitor)
            ]
            pops = [(p.size, self._engine.owned_of(p.compiled)) for p in self.populations]
            state = _mpi.merge_state(self.comm, state, pops, statemons, projs, weightmons)
        else:
            state = self._engine.save_state()
        sections = self._saved_objects()
        root = io.Node()  # built whole in memory, written at the end: an object refusing to save changes no file
        root.attrs.update(
            format=io.FORMAT_NAME,
            format_version=io.FORMAT_VERSION,
            pyneuro_version=__version__,
            dt=self.dt,
            seed=np.uint64(self.seed),
            threads=self.threads,
            max_rate=self.max_rate,
            check_every=int(self._engine.check_every),
            time_convention=self.time_convention,
        )
        refs = io.Refs(self.populations, self.projections, self._engine)
        for name, objects in sections.items():
            group = root.child(name)
            for k, obj in enumerate(objects):
                obj.save_to(group.child(str(k)), refs)
        gl = root.child("lesions")  # the network's own record of applied lesions
        gl.attrs["counter"] = int(self._lesion_counter)
        gl.attrs["log"] = json.dumps(self.lesions)
        root.child("state").data.update(state)
        if not self.distributed:
            io.write(path, root)
            return
        # one file: rank 0 writes it (atomically); every rank waits for it and raises the same error if it failed
        err = None
        if self.rank == 0:
            try:
                io.write(path, root)
            except Exception as e:  # noqa: BLE001 - told to every rank, then raised
                err = e
        told = self.comm.bcast(None if err is None else (type(err), str(err)), root=0)
        if err is not None:
            raise err
        if told is not None:
            raise told[0](f"{told[1]} (raised on rank 0, which writes the checkpoint)")

    @classmethod
    def load(cls, path: str | Path, threads: int | None = None, comm: Any = None) -> Network:
        """Read a checkpoint written by :meth:`save` (optionally with another thread count).

        ``comm`` (an mpi4py communicator, as for :class:`Network`) splits the loaded network over its ranks: every
        rank reads the file and keeps its share, whatever the number of ranks that wrote it (one process
        included); collective.
        """
        from . import io

        root = io.read(path)
        try:
            return cls._from_checkpoint(root, threads, comm)
        except (KeyError, IndexError, AttributeError) as e:
            # a group, dataset or attribute that a well-formed checkpoint has is missing or malformed
            raise ValueError(f"{path} is not a complete pyneuro checkpoint: missing or malformed {e}") from e

    @classmethod
    def _from_checkpoint(cls, root: Any, threads: int | None, comm: Any = None) -> Network:
        from . import io

        a = root.attrs
        if comm is not None:
            _mpi.comm_handles(comm)  # a TypeError or ValueError for a bad communicator, before anything else
        net = cls(
            dt=float(a["dt"]),
            seed=int(a["seed"]),
            threads=int(a["threads"]) if threads is None else threads,
            max_rate=float(a["max_rate"]),
            time_convention=str(a.get("time_convention", "pyneuro")),
            comm=comm,
        )
        net._engine.check_every = int(a["check_every"])
        refs = io.Refs(net.populations, net.projections, net._engine)
        for name in io.SECTIONS:
            group = root.children.get(name)
            if group is None and name in ("populations", "projections", "monitors"):
                raise KeyError(name)  # every version has these
            for k in range(len(group.children) if group is not None else 0):
                node = group.children[str(k)]
                io.loader(name, k, node).load_from(net, node, refs)
        if "lesions" in root.children:  # absent in version-1 files: no lesions
            gl = root.children["lesions"]
            net._lesion_counter = int(gl.attrs["counter"])
            net.lesions = json.loads(gl.attrs["log"])
        state = root.children["state"].flat()
        if net.distributed:
            state = net._split_state(state)
        net._engine.load_state(state)
        return net

    def _split_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """The engine state of one process (a checkpoint's) cut to this rank's share: its synapses' values of the
        rules' per-synapse entries, and its synapses' columns of the weight recorders (each rank samples all its
        synapses; the columns a recorder with ``indices`` never sampled stay 0 and are never read). Collective."""
        from .monitors import WeightMonitor

        state = dict(state)
        mine: dict[int, np.ndarray] = {}

        def positions(q: int) -> np.ndarray:
            if q not in mine:
                mine[q] = _mpi.local_positions(self.comm, tuple(self.projections[q].compiled.gather()))
            return mine[q]

        for q in range(len(self.projections)):  # the same calls on every rank, in the same order
            keys = [k for k in state if k.startswith(f"proj/{q}/") and _mpi.rule_entry(k) == "synapse"]
            total = len(self.projections[q]) if keys else 0
            for k in keys:
                v = np.asarray(state[k])
                if v.shape != (total,):  # the same file on every rank: refused on every rank alike
                    raise ValueError(f"checkpoint: {k} has shape {v.shape}, expected ({total},): one value per synapse")
                state[k] = v[positions(q)]
        wms = [m for m in self.monitors if isinstance(m, WeightMonitor)]
        for i, m in enumerate(wms):
            width = int(np.asarray(state.get(f"weightmon/{i}/width", [0]))[0])
            if width == 0:
                continue
            q = self.projections.index(m.projection)
            n_syn = 0 if m._order is None else int(m._order.size)
            expected = n_syn if m.indices is None else int(m.indices.size)
            values = np.asarray(state[f"weightmon/{i}/values"])
            if width != expected or values.size % width:  # the same file on every rank: refused on every rank alike
                raise ValueError(f"checkpoint: weight recorder {i} holds {width} columns, expected {expected}")
            values = values.reshape(-1, width)
            pos = positions(q)
            if m.indices is not None:
                full = np.zeros((values.shape[0], n_syn), values.dtype)
                full[:, m.indices] = values
                values = full
            state[f"weightmon/{i}/values"] = np.ascontiguousarray(values[:, pos]).reshape(-1)
            state[f"weightmon/{i}/width"] = np.asarray(
                [pos.size], dtype=np.asarray(state[f"weightmon/{i}/width"]).dtype
            )
        return state
