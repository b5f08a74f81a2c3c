"""Matplotlib figures: rasters, population rates, weight histograms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["raster", "rate", "weight_histogram", "demo_figure"]


def _plt() -> Any:
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        try:
            import matplotlib.pyplot as plt  # noqa: F401
        except Exception:  # pragma: no cover - headless fallback
            matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def raster(
    ax: Any,
    times: np.ndarray,
    indices: np.ndarray,
    t_max: float | None = None,
    max_neurons: int | None = None,
    **kw: Any,
) -> Any:
    """Spike raster (times in ms) on ``ax``; optionally only neurons below ``max_neurons``."""
    sel = np.ones(times.size, bool) if max_neurons is None else indices < max_neurons
    if t_max is not None:
        sel &= times < t_max
    ax.plot(times[sel], indices[sel], ",", color=kw.pop("color", "k"), **kw)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    return ax


def rate(ax: Any, times: np.ndarray, n: int, t_stop: float, bin_ms: float = 5.0, **kw: Any) -> Any:
    """Population rate (Hz) in bins of ``bin_ms`` from spike times of a population of ``n`` neurons."""
    edges = np.arange(0.0, t_stop + bin_ms, bin_ms)
    counts, _ = np.histogram(times, edges)
    ax.plot(edges[:-1], counts / (n * bin_ms * 1e-3), **kw)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    return ax


def weight_histogram(ax: Any, weights: Sequence[np.ndarray], labels: Sequence[str], bins: int = 40) -> Any:
    """Overlaid histograms of several weight arrays."""
    lo = min(float(np.min(w)) for w in weights)
    hi = max(float(np.max(w)) for w in weights)
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    for w, lab in zip(weights, labels):
        ax.hist(w, edges, histtype="step", label=lab)
    ax.set_xlabel("weight")
    ax.set_ylabel("synapses")
    ax.legend()
    return ax


def demo_figure(
    times: np.ndarray, indices: np.ndarray, n: int, t_stop: float, w_before: np.ndarray, w_after: np.ndarray
) -> Any:
    """Raster (first 500 neurons), population rate, and weight histograms before/after."""
    plt = _plt()
    fig, axes = plt.subplots(3, 1, figsize=(8, 9), constrained_layout=True)
    raster(axes[0], times, indices, max_neurons=500)
    axes[0].set_title("excitatory neurons 0-499")
    rate(axes[1], times, n, t_stop)
    weight_histogram(axes[2], [w_before, w_after], ["before", "after"])
    axes[2].set_yscale("log")
    axes[2].set_title("E->E weights (nS)")
    return fig
