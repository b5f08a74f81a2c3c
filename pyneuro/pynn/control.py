"""Simulation control of the PyNN backend: setup, run, reset, end and the state queries."""

from __future__ import annotations

from typing import Any

from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.recording import get_io

from . import simulator

__all__ = [
    "setup",
    "end",
    "run",
    "run_until",
    "run_for",
    "reset",
    "initialize",
    "get_current_time",
    "get_time_step",
    "get_min_delay",
    "get_max_delay",
    "num_processes",
    "rank",
]


def setup(
    timestep: float = DEFAULT_TIMESTEP,
    min_delay: Any = DEFAULT_MIN_DELAY,
    **extra_params: Any,
) -> int:
    """Start a new simulation (PyNN's ``setup``).

    Parameters
    ----------
    timestep : float
        Time step (ms).
    min_delay : float or "auto"
        Shortest delay (ms); "auto" is one time step. pyneuro's delays are whole steps >= 1.
    max_delay : float
        Accepted for compatibility; pyneuro sizes its spike rings from the delays present.
    threads : int
        Threads of pyneuro's step loop (results do not depend on it).
    rng_seed : int
        Seed of pyneuro's random numbers (Poisson sources); PyNN's connectors use their own ``rng``.
    """
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    if extra_params.get("spike_precision", "on_grid") != "on_grid":
        raise NotImplementedError(
            f"spike_precision={extra_params['spike_precision']!r}: pyneuro's spikes are on the time grid ('on_grid')"
        )
    common.setup(timestep, min_delay, **extra_params)
    st = simulator.state
    st.clear()
    st.dt = float(timestep)
    st.min_delay = timestep if min_delay == "auto" else float(min_delay)
    st.min_delay_auto = min_delay == "auto"
    st.max_delay = float(max_delay) if max_delay != "auto" else 10.0
    st.threads = int(extra_params.get("threads", 1))
    st.rng_seed = int(extra_params.get("rng_seed", extra_params.get("rngseed", 1)))
    if st.min_delay < st.dt * (1 - 1e-9):
        raise ValueError(f"min_delay must be >= timestep = {timestep} ms on pyneuro, got {min_delay}")
    return 0


def end(compatible_output: bool = True) -> None:
    """Write data requested with ``record(..., to_file=...)`` and release the network."""
    st = simulator.state
    for population, variables, filename in st.write_on_end:
        io = get_io(filename)
        population.write_data(io, variables)
    st.write_on_end = []
    st.net = None


run, run_until = common.build_run(simulator)
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize
get_current_time, get_time_step, get_min_delay, get_max_delay, num_processes, rank = common.build_state_queries(
    simulator
)
