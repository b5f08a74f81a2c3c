"""Matplotlib figures: rasters, population rates, weight histograms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["raster", "rate", "weight_histogram", "demo_figure", "network_activity"]


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


def network_activity(numbers: dict[str, Any], title: str = "", published: Sequence[float] | None = None) -> Any:
    """Raster, population rates over time and mean rates of a standard network's run (the numbers of
    :meth:`pyneuro.networks.BuiltNetwork.measure`); ``published`` adds reference rates (Hz) to the bar chart.
    Returns a matplotlib Figure (object API, not shown)."""
    from matplotlib.figure import Figure

    names = list(numbers["populations"])
    fig = Figure(figsize=(13.0, 4.2), layout="constrained")
    ax = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.3, 1.3, 1.0]})
    colors = [f"C{k % 10}" for k in range(len(names))]
    rows = list(numbers["raster_rows"]) + [None]
    t, i = np.asarray(numbers["raster_t"]), np.asarray(numbers["raster_i"])
    for k in range(len(names)):
        lo, hi = rows[k], rows[k + 1]
        sel = (i >= lo) if hi is None else (i >= lo) & (i < hi)
        ax[0].plot(t[sel], -i[sel], ".", ms=1.2, color=colors[k])
    ax[0].set_yticks([-(r + 0.0) for r in numbers["raster_rows"]], names, fontsize=7)
    ax[0].set_xlabel("time (ms)")
    ax[0].set_title("spikes (a sample of each population)")
    rt, rh = np.asarray(numbers["rate_t"]), np.asarray(numbers["rate_hz"])
    for k, name in enumerate(names):
        ax[1].plot(rt, rh[k], lw=0.6, color=colors[k], label=name)
    ax[1].set_xlabel("time (ms)")
    ax[1].set_ylabel("population rate (Hz, 1 ms bins)")
    ax[1].legend(fontsize=6, ncol=2)
    x = np.arange(len(names))
    ax[2].bar(x - (0.2 if published is not None else 0.0), numbers["rates"], 0.4, color=colors, label="pyneuro")
    if published is not None:
        ax[2].bar(x + 0.2, published, 0.4, color="0.6", label="published")
        ax[2].legend(fontsize=7)
    ax[2].set_xticks(x, names, rotation=45, fontsize=7)
    ax[2].set_ylabel("rate (Hz)")
    rtf = numbers.get("real_time_factor")
    ax[2].set_title(f"mean rates; real-time factor {rtf:.2f}" if rtf is not None else "mean rates")
    if title:
        fig.suptitle(title)
    return fig
