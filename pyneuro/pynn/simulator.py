"""The backend's simulator state: the clock, what the PyNN objects describe, and the pyneuro network built from it.

PyNN objects (populations, projections, current sources) record their description; the first ``run`` after
``setup`` or ``reset`` lowers it, once, into one :class:`pyneuro.Network` (one pyneuro population per PyNN
population, one projection per PyNN projection, synapses as explicit arrays), which then runs in compiled code.
Between runs the network is changed only through pyneuro's public API (state, Poisson rates, weights, constant
stimulus currents). ``reset`` keeps the description (weights as they are now) and builds a fresh network at t = 0 on
the next run, as PyNN prescribes (state back to its initial values, recorded data in a new segment).

Runs are split at the times where sources switch (SpikeSourcePoisson start and end, DCSource start and stop), so the
switch happens exactly at its step; StepCurrentSource, ACSource and NoisyCurrentSource are compiled inputs.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from pyNN import common

import pyneuro as pn
from pyneuro._clock import to_step

__all__ = ["ID", "State", "state", "name"]

name = "pyneuro"


class ID(int, common.IDMixin):
    """A PyNN cell id (an int with a link to its population)."""

    def __init__(self, n: int) -> None:
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    """Clock and build state of the backend (PyNN's ``simulator.state``)."""

    def __init__(self) -> None:
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay: float = 0.1
        self.min_delay_auto = False
        self.max_delay: float = 10.0
        self.threads = 1
        self.rng_seed = 1
        #: wall seconds of the last lowering into pyneuro, of run/run_until calls (lowering excluded) and of the
        #: compiled run loop inside them, since setup (for measuring the layer's cost)
        self.timings = {"build": 0.0, "run": 0.0, "engine": 0.0}
        self.clear()

    # -- what PyNN calls ------------------------------------------------------------------------------------------
    def clear(self) -> None:
        self.timings = {"build": 0.0, "run": 0.0, "engine": 0.0}
        self.recorders: set[Any] = set()
        self.id_counter = 0
        self.segment_counter = -1
        self.populations: list[Any] = []
        self.projections: list[Any] = []
        self.current_sources: list[Any] = []
        self.write_on_end: list[Any] = []
        self.net: pn.Network | None = None
        self.reset()

    def reset(self) -> None:
        """Back to t = 0: the next run builds a fresh network from the description (weights kept as they are)."""
        if self.net is not None:
            for prj in self.projections:
                prj.keep_weights()
        self.net = None
        for src in getattr(self, "current_sources", []):
            src.on_reset()
        self.running = False
        self.t = 0.0
        self.t_start = 0.0
        self.segment_counter += 1

    def run(self, simtime: float) -> None:
        self.run_until(self.t + simtime)

    def run_until(self, tstop: float) -> None:
        if tstop < self.t - 1e-9:
            raise ValueError(f"run_until: tstop must be >= the current time {self.t} ms, got {tstop}")
        if self.net is None:
            self.build()
        w0 = time.perf_counter()
        net = self.net
        assert net is not None
        self.running = True
        target = to_step(tstop, self.dt)
        while net.step < target:
            nxt = min([s for s in self.event_steps() if s > net.step] + [target])
            e0 = time.perf_counter()
            s0 = net.step
            net.run((nxt - net.step) * self.dt)
            self.timings["engine"] += time.perf_counter() - e0
            for src in self.current_sources:
                src.after_run(s0, net.step)
            self.t = net.time
            self.apply_events()
        self.t = tstop if abs(tstop - net.time) < 0.5 * self.dt else net.time
        self.timings["run"] += time.perf_counter() - w0

    # -- building -------------------------------------------------------------------------------------------------
    def build(self) -> None:
        """Lower the PyNN description into a fresh :class:`pyneuro.Network` at t = 0."""
        b0 = time.perf_counter()
        net = pn.Network(dt=self.dt, seed=self.rng_seed, threads=self.threads, max_rate=float("inf"))
        self.net = net
        try:
            for pop in self.populations:
                pop.build(net)
            for prj in self.projections:
                prj.build(net)
            if self.min_delay_auto:
                delays = [float(p.live_attrs()["delay"].min()) for p in self.projections if len(p)]
                self.min_delay = min(delays) if delays else self.dt
            for rec in self.recorders:
                rec.build(net)
            for src in self.current_sources:
                src.build(net)
            self.apply_events()
        except BaseException:
            self.net = None
            raise
        self.timings["build"] = time.perf_counter() - b0

    def event_steps(self) -> list[int]:
        steps: list[int] = []
        for pop in self.populations:
            steps.extend(pop.event_steps())
        for src in self.current_sources:
            steps.extend(src.event_steps())
        return steps

    def apply_events(self) -> None:
        """Set what depends on time (Poisson rates inside their window, stimulus currents) for the current step."""
        net = self.net
        assert net is not None
        for pop in self.populations:
            pop.apply_time(net.step)
        stim: dict[int, np.ndarray] = {}
        for src in self.current_sources:
            src.accumulate(net.step, stim)
        for pop in self.populations:
            if pop.native is not None and "I_stim" in pop.native.state_vars:
                pop.native.set("I_stim", stim.get(id(pop), pop.stim_base()))


state = State()
