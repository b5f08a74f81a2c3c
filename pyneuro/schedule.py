"""Schedules over simulated time (``pn.schedule``): a rule's learning rate, or whether it is on at all.

A schedule is a factor ``f(t)`` (t in ms of network time, ``net.time``) that multiplies every change a rule
makes; ``f = 0`` switches the rule off. This is how critical periods (plasticity that is high early and decays),
plasticity gating (learning only inside windows) and annealed learning rates are expressed::

    rule = pn.plasticity.STDP(..., schedule=pn.schedule.ExponentialDecay(start=1.0, end=0.1, tau=5000.0))
    proj.set_schedule(0, pn.schedule.Window(10_000.0, 20_000.0))   # later, between runs

Each schedule is lowered once into segments in steps (constant, linear or exponential pieces) that the compiled
loop evaluates as a pure function of the step, so it costs one lookup per spike event and nothing per synapse.
Times are rounded to whole steps like delays (the nearest step).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np

from ._clock import to_steps
from ._core import SegmentKind
from ._validation import check_number

__all__ = ["Schedule", "Constant", "Piecewise", "Linear", "ExponentialDecay", "Window", "SCHEDULES", "from_dict"]

_INF_STEP = float(2**62)


_CONSTANT, _LINEAR, _EXPONENTIAL = (int(SegmentKind.constant), int(SegmentKind.linear), int(SegmentKind.exponential))


def _step(t_ms: float, dt: float) -> float:
    s = float(to_steps(t_ms, dt))
    if abs(s) >= _INF_STEP / 4:
        raise ValueError(f"schedule times must be within +-{_INF_STEP / 4 * dt:.3g} ms at dt = {dt} ms, got {t_ms}")
    return s


def _seq(name: str, value: Any) -> list[Any]:
    """A list, tuple or 1-d array as a list; anything else (a number, a string, a dict) is a TypeError naming it."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    raise TypeError(f"{name} must be a list of numbers, got {value!r} of type {type(value).__name__}")


class Schedule:
    """Base class. Subclasses give :meth:`at` (the factor at ``t`` ms) and :meth:`segments`."""

    kind: ClassVar[str] = ""

    def segments(self, dt: float) -> tuple[np.ndarray, float]:  # pragma: no cover - abstract
        """Rows ``(begin_step, end_step, kind, a, b, c)`` and the value outside every row."""
        raise NotImplementedError

    def at(self, t: float | np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """The factor at time(s) ``t`` (ms), as the compiled loop sees it on a grid fine enough."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **asdict(self)}  # type: ignore[call-overload]


@dataclass
class Constant(Schedule):
    """``f(t) = value`` for all t (``Constant(0.0)`` switches a rule off)."""

    value: float = 1.0
    kind: ClassVar[str] = "Constant"

    def __post_init__(self) -> None:
        self.value = check_number("Constant.value", self.value)

    def segments(self, dt: float) -> tuple[np.ndarray, float]:
        return np.zeros((0, 6)), self.value

    def at(self, t: float | np.ndarray) -> np.ndarray:
        return np.full(np.shape(t), self.value)


@dataclass
class Piecewise(Schedule):
    """Piecewise constant: ``values[0]`` before ``times[0]``, ``values[k]`` on ``[times[k-1], times[k])``,
    ``values[-1]`` from ``times[-1]`` on. ``len(values) == len(times) + 1``; times (ms) strictly increasing."""

    times: Sequence[float] = field(default_factory=list)
    values: Sequence[float] = field(default_factory=lambda: [1.0])
    kind: ClassVar[str] = "Piecewise"

    def __post_init__(self) -> None:
        self.times = [
            check_number(f"Piecewise.times[{k}]", t) for k, t in enumerate(_seq("Piecewise.times", self.times))
        ]
        self.values = [
            check_number(f"Piecewise.values[{k}]", v) for k, v in enumerate(_seq("Piecewise.values", self.values))
        ]
        if len(self.values) != len(self.times) + 1:
            raise ValueError(
                f"Piecewise.values must have len(times) + 1 = {len(self.times) + 1} entries, got {len(self.values)}"
            )
        if any(b <= a for a, b in zip(self.times[:-1], self.times[1:])):
            raise ValueError(f"Piecewise.times must be strictly increasing, got {self.times}")

    def segments(self, dt: float) -> tuple[np.ndarray, float]:
        edges = [-_INF_STEP] + [_step(t, dt) for t in self.times] + [_INF_STEP]
        rows = [
            (edges[k], edges[k + 1], _CONSTANT, v, 0.0, 0.0)
            for k, v in enumerate(self.values)
            if edges[k + 1] > edges[k]
        ]
        return np.asarray(rows, dtype=np.float64).reshape(-1, 6), 1.0

    def at(self, t: float | np.ndarray) -> np.ndarray:
        idx = np.searchsorted(np.asarray(self.times, dtype=np.float64), np.asarray(t, dtype=np.float64), side="right")
        return np.asarray(self.values, dtype=np.float64)[idx]


@dataclass
class Linear(Schedule):
    """``start`` before ``t_start``, a straight line to ``stop`` at ``t_stop``, ``stop`` afterwards (ms)."""

    t_start: float = 0.0
    t_stop: float = 1000.0
    start: float = 1.0
    stop: float = 0.0
    kind: ClassVar[str] = "Linear"

    def __post_init__(self) -> None:
        self.t_start = check_number("Linear.t_start", self.t_start)
        self.t_stop = check_number("Linear.t_stop", self.t_stop)
        self.start = check_number("Linear.start", self.start)
        self.stop = check_number("Linear.stop", self.stop)
        if self.t_stop <= self.t_start:
            raise ValueError(f"Linear.t_stop must be > t_start={self.t_start}, got {self.t_stop}")

    def segments(self, dt: float) -> tuple[np.ndarray, float]:
        a, b = _step(self.t_start, dt), _step(self.t_stop, dt)
        rows: list[tuple[float, ...]] = [(-_INF_STEP, a, _CONSTANT, self.start, 0, 0)]
        if b > a:
            rows.append((a, b, _LINEAR, self.start, self.stop, 0))
        rows.append((max(a, b), _INF_STEP, _CONSTANT, self.stop, 0, 0))
        return np.asarray(rows, dtype=np.float64), 1.0

    def at(self, t: float | np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(t, dtype=np.float64), [self.t_start, self.t_stop], [self.start, self.stop])


@dataclass
class ExponentialDecay(Schedule):
    """``start`` before ``t_start``, then ``end + (start - end) exp(-(t - t_start) / tau)`` (ms).

    The critical period's usual shape: plasticity high early, relaxing to a lower adult level."""

    start: float = 1.0
    end: float = 0.0
    tau: float = 1000.0
    t_start: float = 0.0
    kind: ClassVar[str] = "ExponentialDecay"

    def __post_init__(self) -> None:
        self.start = check_number("ExponentialDecay.start", self.start)
        self.end = check_number("ExponentialDecay.end", self.end)
        self.tau = check_number("ExponentialDecay.tau", self.tau, 0.0, lo_open=True)
        self.t_start = check_number("ExponentialDecay.t_start", self.t_start)

    def segments(self, dt: float) -> tuple[np.ndarray, float]:
        a = _step(self.t_start, dt)
        rows = [
            (-_INF_STEP, a, _CONSTANT, self.start, 0, 0),
            (a, _INF_STEP, _EXPONENTIAL, self.start, self.end, self.tau / dt),
        ]
        return np.asarray(rows, dtype=np.float64), 1.0

    def at(self, t: float | np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        x = self.end + (self.start - self.end) * np.exp(-np.maximum(t - self.t_start, 0.0) / self.tau)
        return np.where(t < self.t_start, self.start, x)


@dataclass
class Window(Schedule):
    """``inside`` on ``[start, stop)`` (ms), ``outside`` elsewhere; several windows with ``Window.union``.

    ``Window(0, 5000)`` is a rule that learns for the first 5 s only; ``Window(5000, inf, inside=0, outside=1)``
    the same thing written the other way round."""

    start: float = 0.0
    stop: float = math.inf
    inside: float = 1.0
    outside: float = 0.0
    more: Sequence[Sequence[float]] = field(default_factory=list)
    kind: ClassVar[str] = "Window"

    def __post_init__(self) -> None:
        self.start = check_number("Window.start", self.start)
        self.stop = check_number("Window.stop", self.stop, allow_inf=True)
        self.inside = check_number("Window.inside", self.inside)
        self.outside = check_number("Window.outside", self.outside)
        more = []
        for k, span in enumerate(_seq("Window.more", self.more)):
            if not isinstance(span, (list, tuple, np.ndarray)) or len(span) != 2:
                raise ValueError(f"Window.more[{k}] must be a (start, stop) pair, got {span!r}")
            a = check_number(f"Window.more[{k}][0]", span[0])
            b = check_number(f"Window.more[{k}][1]", span[1], allow_inf=True)
            more.append([a, b])
        self.more = more
        spans = self.spans()
        for a, b in spans:
            if not b > a:
                raise ValueError(f"Window: each window needs stop > start, got [{a}, {b})")
        for (_, b0), (a1, _) in zip(spans[:-1], spans[1:]):
            if a1 < b0:
                raise ValueError(f"Window: windows must not overlap, got {spans}")

    @classmethod
    def union(cls, spans: Sequence[tuple[float, float]], inside: float = 1.0, outside: float = 0.0) -> Window:
        """Several windows ``[(start, stop), ...]`` (ms), non-overlapping."""
        spans = sorted((float(a), float(b)) for a, b in spans)
        if not spans:
            raise ValueError("Window.union needs at least one (start, stop) pair")
        (a0, b0), rest = spans[0], spans[1:]
        return cls(a0, b0, inside, outside, [list(s) for s in rest])

    def spans(self) -> list[tuple[float, float]]:
        return sorted([(self.start, self.stop)] + [(a, b) for a, b in self.more])

    def segments(self, dt: float) -> tuple[np.ndarray, float]:
        rows = []
        for a, b in self.spans():
            sa = _step(a, dt)
            sb = _INF_STEP if math.isinf(b) else _step(b, dt)
            if sb > sa:
                rows.append((sa, sb, _CONSTANT, self.inside, 0, 0))
        return np.asarray(rows, dtype=np.float64).reshape(-1, 6), self.outside

    def at(self, t: float | np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        out = np.full(t.shape, self.outside)
        for a, b in self.spans():
            out = np.where((t >= a) & (t < b), self.inside, out)
        return out


SCHEDULES: dict[str, type[Schedule]] = {
    c.kind: c
    for c in (Constant, Piecewise, Linear, ExponentialDecay, Window)  # type: ignore[misc]
}


def from_dict(d: dict[str, Any] | None) -> Schedule | None:
    """Inverse of :meth:`Schedule.to_dict` (checkpoints)."""
    if d is None:
        return None
    d = dict(d)
    cls = SCHEDULES.get(d.pop("kind", ""))
    if cls is None:
        raise ValueError(f"unknown schedule kind in {d!r}; known: {sorted(SCHEDULES)}")
    return cls(**d)


def as_schedule(name: str, value: Any) -> Schedule | None:
    """Accept ``None``, a number (a constant factor) or a :class:`Schedule`."""
    if value is None or isinstance(value, Schedule):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return Constant(check_number(name, value))  # a bad number is refused under the caller's name
    raise TypeError(f"{name} must be a pyneuro.schedule.Schedule or a number, got {type(value).__name__}")
