"""Simulated time in whole steps: the one rule by which times and durations in ms become step counts."""

from __future__ import annotations

import numpy as np

__all__ = ["to_steps", "to_step", "interval_steps"]


def to_steps(ms: np.ndarray | float, dt: float) -> np.ndarray:
    """Times or durations (ms) to whole steps (float64): the nearest step, halves rounding up.

    A relative slack of 1e-9 absorbs binary rounding, so that e.g. 0.15 ms at dt = 0.1 ms is 2 steps, not 1. Every
    time the package turns into steps (delays, recorder intervals, rule intervals, schedules, lesion and reward
    times, run durations) goes through here, so that all of them agree on the step a time falls in.
    """
    return np.floor(np.asarray(ms, dtype=np.float64) / dt + 0.5 + 1e-9)


def to_step(ms: float, dt: float) -> int:
    """:func:`to_steps` of one time, as an int."""
    return int(to_steps(ms, dt))


def interval_steps(name: str, ms: float, dt: float) -> int:
    """A period (ms) of something done every so often, in whole steps (>= 1); ``name`` names it in the error
    raised for a period shorter than ``dt`` or longer than 2**52 steps (the clock's exact range)."""
    if ms < dt * (1.0 - 1e-9):
        raise ValueError(f"{name} must be >= dt = {dt} ms, got {ms}")
    if ms > 2.0**52 * dt:
        raise ValueError(f"{name} must be <= 2**52 steps = {2.0**52 * dt:g} ms at dt = {dt} ms, got {ms}")
    return max(1, to_step(ms, dt))
