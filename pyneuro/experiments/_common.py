"""What every experiment shares: argument checks, parameter tables, saving, figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._validation import check_int, check_number
from ._result import Result

__all__ = ["common_args", "merge_params", "finish", "new_figure"]


def common_args(scale: Any, seed: Any, threads: Any, draw: Any) -> tuple[float, int, int, bool]:
    """Check the arguments every experiment takes; returns them as (float, int, int, bool)."""
    scale = check_number("scale", scale, 0.0, 1e3, lo_open=True)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    threads = check_int("threads", threads, 1, 1024)
    if not isinstance(draw, (bool, np.bool_)):
        raise TypeError(f"draw must be a bool, got {type(draw).__name__} {draw!r}")
    return scale, seed, threads, bool(draw)


def merge_params(
    name: str, defaults: Mapping[str, tuple[float, float | None, float | None]], given: dict[str, Any]
) -> dict[str, float]:
    """Defaults overridden by ``given``; each entry of ``defaults`` is ``(value, lo, hi)`` (inclusive range,
    ``None`` open). Unknown names are a TypeError; out-of-range values a ValueError naming the parameter."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise TypeError(f"{name}() got unknown parameter(s) {unknown}; known: {sorted(defaults)}")
    out: dict[str, float] = {}
    for key, (value, lo, hi) in defaults.items():
        v = given.get(key, value)
        if isinstance(value, int) and not isinstance(value, bool):
            out[key] = check_int(key, v, None if lo is None else int(lo), None if hi is None else int(hi))
        else:
            out[key] = check_number(key, v, lo, hi)
    return out


def finish(result: Result, out: Any) -> Result:
    """Save the result when ``out`` is given; return it."""
    if out is not None:
        result.save(out)
    return result


def new_figure(ncols: int, width: float = 4.2, height: float = 3.4) -> Any:
    """A matplotlib figure (object API, no pyplot) with ``ncols`` axes in a row."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, np.atleast_1d(axes)
