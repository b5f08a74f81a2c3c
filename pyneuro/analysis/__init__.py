"""Spike-train statistics over the arrays a :class:`~pyneuro.SpikeMonitor` returns.

Every function takes ``times`` (ms, 1-d float), ``indices`` (1-d int, neuron ids in ``[0, n)``) and ``n`` (the number
of neurons), or a spike monitor (anything with ``.times`` and ``.indices``) in place of ``times``, and works in a time
window ``[t_start, t_stop]`` (ms; both ends included, as in Elephant/Neo). ``t_start`` defaults to 0; ``t_stop``
defaults to the simulated time when a pyneuro :class:`~pyneuro.SpikeMonitor` is given, and to the last spike time
otherwise. ``n`` defaults to the monitor's population size; it is required with plain arrays.

Binned statistics use ``nb = floor((t_stop - t_start) / bin)`` whole bins ``[t_start + k bin, t_start + (k+1) bin)``
(the last one closed on the right, as ``np.histogram``); spikes in a trailing partial bin are left out.

The loops are Cython kernels (``_kernels.pyx``) over typed memoryviews, run without the GIL; all checks happen
here, before any work, and raise ``ValueError``/``TypeError`` naming the argument and the allowed range.

Example
-------
>>> import pyneuro.analysis as pa
>>> r = pa.rates(sm)                                  # Hz, one per neuron
>>> cv = pa.isi_cv(sm, t_start=200.0)
>>> chi = pa.synchrony(sm, bin=5.0)
>>> pairs, rho = pa.count_correlations(sm, bin=50.0, max_pairs=2000, seed=1)
>>> lags, counts = pa.cross_correlogram(t_a, t_b, bin=1.0, window=50.0)
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np

from .._validation import check_float_array, check_int, check_number
from . import _kernels  # type: ignore[attr-defined]

__all__ = [
    "rates",
    "isi_cv",
    "fano_factor",
    "spike_counts",
    "synchrony",
    "count_correlations",
    "cross_correlogram",
    "population_cross_correlogram",
    "CountCorrelations",
]

# relative tolerance when deciding whether a duration is a whole number of bins (0.3 / 0.1 = 2.9999999999999996)
_BIN_RTOL = 1e-9


class _Spikes(NamedTuple):
    times: np.ndarray  # float64, contiguous
    indices: np.ndarray  # int64, contiguous
    n: int
    t_stop: float | None  # default end of the window (simulated time for a monitor), None if unknown


class CountCorrelations(NamedTuple):
    """Result of :func:`count_correlations`: ``pairs`` int64 (m, 2) with ``i < j``, ``r`` float64 (m,)."""

    pairs: np.ndarray
    r: np.ndarray


# ----------------------------------------------------------------------------------------------------- checks


def _spikes(times: Any, indices: Any, n: Any) -> _Spikes:
    """Checked, contiguous spike arrays from plain arrays or a monitor-like object."""
    default_stop: float | None = None
    if indices is None and hasattr(times, "times") and hasattr(times, "indices"):
        mon = times
        times, indices = mon.times, mon.indices
        pop = getattr(mon, "population", None)
        if n is None and pop is not None and hasattr(pop, "size"):
            n = pop.size
        net = getattr(mon, "network", None)  # a pyneuro SpikeMonitor: the window ends at the simulated time
        if net is not None and hasattr(net, "time"):
            default_stop = float(net.time)
    elif indices is None:
        raise TypeError("indices must be given (a 1-d integer array) unless times is a spike monitor")
    if n is None:
        raise TypeError("n (the number of neurons) must be given with plain arrays")
    n = check_int("n", n, 1)
    t = check_float_array("times", times)
    idx = np.asarray(indices)
    if idx.ndim != 1:
        raise ValueError(f"indices must be one-dimensional, got shape {idx.shape}")
    if idx.size and idx.dtype.kind not in "iu":
        raise TypeError(f"indices must hold integers, got dtype {idx.dtype}")
    if idx.size != t.size:
        raise ValueError(f"indices must have the length of times ({t.size}), got {idx.size}")
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise ValueError(f"indices must hold neuron ids in [0, {n - 1}] (n = {n}), got {bad}")
    return _Spikes(np.ascontiguousarray(t), np.ascontiguousarray(idx, dtype=np.int64), n, default_stop)


def _window(sp: _Spikes, t_start: Any, t_stop: Any) -> tuple[float, float]:
    t0 = check_number("t_start", t_start)
    if t_stop is None:
        if sp.t_stop is not None:
            t_stop = sp.t_stop
        elif sp.times.size:
            t_stop = float(sp.times.max())
        else:
            raise ValueError("t_stop must be given when there are no spikes (it defaults to the last spike time)")
    t1 = check_number("t_stop", t_stop)
    if not t1 > t0:
        raise ValueError(f"t_stop must be in ({t0!r}, inf) (after t_start), got {t1!r}")
    return t0, t1


def _edges(t0: float, t1: float, bin: Any) -> np.ndarray:
    """Edges of the whole bins of width ``bin`` from ``t0`` that fit in ``[t0, t1]``."""
    b = check_number("bin", bin, 0.0, lo_open=True)
    span = t1 - t0
    x = span / b
    nb = round(x) if abs(x - round(x)) <= _BIN_RTOL * max(1.0, x) else math.floor(x)
    if nb < 1:
        raise ValueError(f"bin must be in (0, {span!r}] (at most t_stop - t_start), got {b!r}")
    edges = t0 + b * np.arange(nb + 1, dtype=np.float64)
    edges[-1] = min(edges[-1], t1)  # a whole number of bins up to rounding: end exactly at t_stop
    return edges


def _time_sorted(sp: _Spikes) -> tuple[np.ndarray, np.ndarray]:
    if _kernels.is_sorted(sp.times):
        return sp.times, sp.indices
    order = np.argsort(sp.times, kind="stable")
    return np.ascontiguousarray(sp.times[order]), np.ascontiguousarray(sp.indices[order])


def _pairs(n: int, pairs: Any, max_pairs: Any, seed: Any) -> np.ndarray:
    """The neuron pairs (i < j) to use: the given ones, all of them, or a random subset of ``max_pairs``."""
    if pairs is not None:
        p = np.asarray(pairs)
        if p.size == 0:
            p = p.reshape(0, 2)
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"pairs must have shape (m, 2), got {p.shape}")
        if p.dtype.kind not in "iu":
            raise TypeError(f"pairs must hold integers, got dtype {p.dtype}")
        if p.size and (p.min() < 0 or p.max() >= n):
            bad = p.min() if p.min() < 0 else p.max()
            raise ValueError(f"pairs must hold neuron ids in [0, {n - 1}] (n = {n}), got {int(bad)}")
        return np.ascontiguousarray(p, dtype=np.int64)
    m = check_int("max_pairs", max_pairs, 1)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    total = n * (n - 1) // 2
    if total <= m:
        i, j = np.triu_indices(n, 1)
        return np.ascontiguousarray(np.stack([i, j], axis=1), dtype=np.int64)
    # a deterministic random subset of distinct pairs: linear indices k of the upper triangle, row by row
    k = np.sort(np.random.default_rng(int(seed)).choice(total, size=m, replace=False)).astype(np.int64)
    start = lambda r: r * n - r * (r + 1) // 2  # first linear index of row r
    r = np.floor(((2 * n - 1) - np.sqrt((2.0 * n - 1) ** 2 - 8.0 * k)) / 2).astype(np.int64)
    r = np.clip(r, 0, n - 2)
    while np.any(fix := start(r) > k):  # correct float rounding of the row
        r[fix] -= 1
    while np.any(fix := start(r + 1) <= k):
        r[fix] += 1
    c = k - start(r) + r + 1
    return np.ascontiguousarray(np.stack([r, c], axis=1), dtype=np.int64)


# ------------------------------------------------------------------------------------------------- statistics


def rates(
    times: Any, indices: Any = None, n: Any = None, t_start: float = 0.0, t_stop: float | None = None
) -> np.ndarray:
    """Mean firing rate of every neuron in a time window.

    ``rate_i = N_i / (t_stop - t_start) * 1000``, with ``N_i`` the spikes of neuron ``i`` with
    ``t_start <= t <= t_stop``.

    Parameters
    ----------
    times : array_like of float or SpikeMonitor
        Spike times (ms), or a monitor with ``.times`` and ``.indices`` (then leave ``indices`` out).
    indices : array_like of int
        Neuron id of each spike, in ``[0, n)``.
    n : int
        Number of neurons (>= 1); the monitor's population size by default.
    t_start, t_stop : float
        Window (ms), ``t_stop > t_start``; see the module docstring for the defaults.

    Returns
    -------
    ndarray of float64, shape (n,)
        Rates (Hz).
    """
    sp = _spikes(times, indices, n)
    t0, t1 = _window(sp, t_start, t_stop)
    counts = np.zeros(sp.n, dtype=np.int64)
    _kernels.count_in_window(sp.times, sp.indices, t0, t1, counts)
    return counts / ((t1 - t0) * 1e-3)


def isi_cv(
    times: Any, indices: Any = None, n: Any = None, t_start: float = 0.0, t_stop: float | None = None
) -> np.ndarray:
    """Coefficient of variation of the inter-spike intervals of every neuron.

    ``CV_i = std(ISI_i) / mean(ISI_i)``, with ``ISI_i`` the intervals between consecutive spikes of neuron ``i``
    in ``[t_start, t_stop]`` and ``std`` the population standard deviation (ddof = 0, as
    ``scipy.stats.variation`` and Elephant's ``cv``). Dimensionless; 0 for a regular train, 1 for Poisson.

    Neurons with fewer than 3 spikes in the window get NaN: with one interval the CV would be 0 by construction,
    which is no evidence of regularity. Filter with ``np.isnan`` or use ``np.nanmean`` to average.

    Parameters
    ----------
    times, indices, n, t_start, t_stop
        As in :func:`rates`. Unsorted times are sorted (stably) first.

    Returns
    -------
    ndarray of float64, shape (n,)
    """
    sp = _spikes(times, indices, n)
    t0, t1 = _window(sp, t_start, t_stop)
    t, idx = _time_sorted(sp)
    out = np.empty(sp.n, dtype=np.float64)
    _kernels.isi_cv(t, idx, t0, t1, out)
    return out


def spike_counts(
    times: Any, indices: Any = None, n: Any = None, bin: float = 1.0, t_start: float = 0.0, t_stop: float | None = None
) -> np.ndarray:
    """Spike counts of every neuron in consecutive bins.

    ``C[i, k] = #{spikes of i with t_start + k bin <= t < t_start + (k+1) bin}`` for ``k < nb``,
    ``nb = floor((t_stop - t_start) / bin)``; the last bin includes its right edge; a trailing partial bin is
    left out. Row ``i`` equals ``np.histogram(times[indices == i], edges)[0]``.

    Parameters
    ----------
    times, indices, n, t_start, t_stop
        As in :func:`rates`.
    bin : float
        Bin width (ms), in ``(0, t_stop - t_start]``.

    Returns
    -------
    ndarray of int64, shape (n, nb)
    """
    sp = _spikes(times, indices, n)
    t0, t1 = _window(sp, t_start, t_stop)
    edges = _edges(t0, t1, bin)
    out = np.zeros((sp.n, edges.size - 1), dtype=np.int64)
    _kernels.bin_counts(sp.times, sp.indices, edges, np.arange(sp.n, dtype=np.int64), out)
    return out


def _moments(sp: _Spikes, t_start: Any, t_stop: Any, bin: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(edges, per-neuron mean count per bin, per-neuron variance of the counts), in O(n) memory."""
    t0, t1 = _window(sp, t_start, t_stop)
    edges = _edges(t0, t1, bin)
    t, idx = _time_sorted(sp)
    total = np.empty(sp.n, dtype=np.int64)
    ssd = np.empty(sp.n, dtype=np.float64)
    _kernels.count_moments(t, idx, edges, total, ssd)
    nb = edges.size - 1
    return edges, total / nb, ssd / nb


def fano_factor(
    times: Any,
    indices: Any = None,
    n: Any = None,
    bin: float = 100.0,
    t_start: float = 0.0,
    t_stop: float | None = None,
) -> np.ndarray:
    """Fano factor of the spike counts of every neuron.

    ``F_i = Var_k(C[i, k]) / Mean_k(C[i, k])`` over the bins of :func:`spike_counts` (variance with ddof = 0, as
    Elephant's ``fano_factor``); 1 for a Poisson process, 0 for counts that never change. NaN where the mean is 0.
    Computed from the runs of spikes per bin, without building the count matrix (memory O(n)).

    Parameters
    ----------
    times, indices, n, t_start, t_stop
        As in :func:`rates`.
    bin : float
        Counting window (ms), in ``(0, t_stop - t_start]``.

    Returns
    -------
    ndarray of float64, shape (n,)
    """
    sp = _spikes(times, indices, n)
    _, mean, var = _moments(sp, t_start, t_stop, bin)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, var / np.where(mean > 0, mean, 1.0), np.nan)


def synchrony(
    times: Any, indices: Any = None, n: Any = None, bin: float = 5.0, t_start: float = 0.0, t_stop: float | None = None
) -> float:
    """Golomb's population synchrony measure chi.

    With ``C[i, k]`` the binned counts of :func:`spike_counts` and ``V[k] = (1/n) sum_i C[i, k]`` the population
    average,

    ``chi^2 = Var_k(V) / ((1/n) sum_i Var_k(C[i, :]))``  (variances over bins, ddof = 0),

    and ``chi = sqrt(chi^2)`` is returned (Golomb D. (2007) Neuronal synchrony measures. Scholarpedia 2(1):1347;
    Golomb & Rinzel (1993) Physica D 72:259). Here the single-neuron signal is the binned spike count, so the
    result depends on ``bin``. chi is 1 when all neurons fire identically, about ``1/sqrt(n)`` for independent
    neurons, and in [0, 1] in general. All ``n`` neurons count, silent ones included (they lower chi).
    NaN when no neuron's count varies.

    Parameters
    ----------
    times, indices, n, t_start, t_stop
        As in :func:`rates`.
    bin : float
        Bin width (ms), in ``(0, t_stop - t_start]``.

    Returns
    -------
    float
    """
    sp = _spikes(times, indices, n)
    edges, _, var = _moments(sp, t_start, t_stop, bin)
    pop = np.zeros((1, edges.size - 1), dtype=np.int64)
    _kernels.bin_counts(sp.times, sp.indices, edges, np.zeros(sp.n, dtype=np.int64), pop)
    var_v = np.var(pop[0] / sp.n)
    mean_var = float(np.mean(var))
    if mean_var == 0.0:
        return math.nan
    return math.sqrt(var_v / mean_var)


def count_correlations(
    times: Any,
    indices: Any = None,
    n: Any = None,
    bin: float = 50.0,
    pairs: Any = None,
    max_pairs: int = 10_000,
    seed: int = 0,
    t_start: float = 0.0,
    t_stop: float | None = None,
) -> CountCorrelations:
    """Pearson correlation coefficients of the binned spike counts of neuron pairs.

    ``r_ij = sum_k (C_ik - m_i)(C_jk - m_j) / sqrt(sum_k (C_ik - m_i)^2 sum_k (C_jk - m_j)^2)`` over the bins of
    :func:`spike_counts` (``m_i`` the mean count); the same value as ``np.corrcoef(C[i], C[j])[0, 1]``.
    NaN for a pair with a neuron whose count never varies (e.g. silent).

    Parameters
    ----------
    times, indices, n, t_start, t_stop
        As in :func:`rates`.
    bin : float
        Bin width (ms), in ``(0, t_stop - t_start]``.
    pairs : array_like of int, shape (m, 2), optional
        The pairs to use. By default all pairs ``i < j`` when there are at most ``max_pairs`` of them, otherwise
        ``max_pairs`` distinct pairs drawn at random (reproducibly, from ``seed``), in ascending order.
    max_pairs : int
        At most this many pairs (>= 1) when ``pairs`` is not given.
    seed : int
        Seed of the pair draw.

    Returns
    -------
    CountCorrelations
        ``(pairs, r)``: int64 (m, 2) and float64 (m,). Memory: a count matrix of the neurons in the pairs.
    """
    sp = _spikes(times, indices, n)
    t0, t1 = _window(sp, t_start, t_stop)
    edges = _edges(t0, t1, bin)
    pr = _pairs(sp.n, pairs, max_pairs, seed)
    used = np.unique(pr)
    row_of = np.full(sp.n, -1, dtype=np.int64)
    row_of[used] = np.arange(used.size)
    counts = np.zeros((used.size, edges.size - 1), dtype=np.int64)
    _kernels.bin_counts(sp.times, sp.indices, edges, row_of, counts)
    x = counts - counts.mean(axis=1, keepdims=True)
    r = np.empty(pr.shape[0], dtype=np.float64)
    _kernels.pair_correlations(np.ascontiguousarray(x), np.ascontiguousarray(row_of[pr]), r)
    return CountCorrelations(pr, r)


def _lag_edges(bin: Any, window: Any) -> np.ndarray:
    b = check_number("bin", bin, 0.0, lo_open=True)
    w = check_number("window", window, 0.0, lo_open=True)
    x = 2.0 * w / b
    nb = round(x)
    if abs(x - nb) > _BIN_RTOL * max(1.0, x) or nb < 1:
        raise ValueError(f"window must be a multiple of bin / 2 = {b / 2!r} (2 window / bin bins), got {w!r}")
    return np.linspace(-w, w, nb + 1)


def _sorted_train(name: str, t: Any) -> np.ndarray:
    a = check_float_array(name, t)
    a = np.ascontiguousarray(a)
    return a if _kernels.is_sorted(a) else np.sort(a)


def cross_correlogram(
    times_a: Any, times_b: Any, bin: float = 1.0, window: float = 50.0
) -> tuple[np.ndarray, np.ndarray]:
    """Cross-correlogram of two spike trains.

    Histogram of the lags ``d = t_b - t_a`` over all pairs of spikes (one of each train) with ``|d| <= window``,
    in ``2 window / bin`` bins from ``-window`` to ``window`` (the last bin closed), i.e.
    ``np.histogram((times_b[None] - times_a[:, None]).ravel(), edges)``. A positive lag means b fires after a.
    With ``times_b is times_a`` it is the autocorrelogram (the zero-lag self pairs included).

    A sort (when needed) and a two-pointer sweep: O(n_a log n_a + n_b log n_b + pairs), memory O(bins).

    Parameters
    ----------
    times_a, times_b : array_like of float
        Spike times (ms) of the two trains, finite; sorted first if they are not.
    bin : float
        Bin width (ms), > 0.
    window : float
        Largest lag (ms), a multiple of ``bin / 2``. An odd number ``2 window / bin`` puts a bin centred on lag 0
        (e.g. ``bin=1, window=50.5``); an even one puts lag 0 on an edge (it then counts in the bin after it).

    Returns
    -------
    lags : ndarray of float64, shape (nb,)
        Bin centres (ms).
    counts : ndarray of int64, shape (nb,)
        Pairs of spikes per bin.
    """
    ta = _sorted_train("times_a", times_a)
    tb = _sorted_train("times_b", times_b)
    edges = _lag_edges(bin, window)
    counts = np.zeros(edges.size - 1, dtype=np.int64)
    _kernels.cross_correlogram(ta, tb, edges, counts)
    return (edges[:-1] + edges[1:]) / 2, counts


def population_cross_correlogram(
    times: Any,
    indices: Any = None,
    n: Any = None,
    bin: float = 1.0,
    window: float = 50.0,
    pairs: Any = None,
    max_pairs: int = 10_000,
    seed: int = 0,
    t_start: float = 0.0,
    t_stop: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cross-correlogram averaged over pairs of neurons.

    ``mean over pairs (i, j) of cross_correlogram(train_i, train_j, bin, window)``, with the spikes of
    ``[t_start, t_stop]``; the pairs are chosen as in :func:`count_correlations` (``i < j``, so a positive lag
    means the higher id fires later; for a homogeneous population the average is symmetric up to noise).

    Parameters
    ----------
    times, indices, n, t_start, t_stop
        As in :func:`rates`.
    bin, window
        As in :func:`cross_correlogram` (ms).
    pairs, max_pairs, seed
        As in :func:`count_correlations`.

    Returns
    -------
    lags : ndarray of float64, shape (nb,)
        Bin centres (ms).
    counts : ndarray of float64, shape (nb,)
        Mean number of spike pairs per bin and neuron pair (NaN if there are no pairs).
    """
    sp = _spikes(times, indices, n)
    t0, t1 = _window(sp, t_start, t_stop)
    edges = _lag_edges(bin, window)
    pr = _pairs(sp.n, pairs, max_pairs, seed)
    t, idx = _time_sorted(sp)
    keep = (t >= t0) & (t <= t1)
    t, idx = t[keep], idx[keep]
    order = np.argsort(idx, kind="stable")  # grouped by neuron, each group still in time order
    grouped = np.ascontiguousarray(t[order])
    offsets = np.zeros(sp.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(idx, minlength=sp.n), out=offsets[1:])
    total = np.zeros(edges.size - 1, dtype=np.int64)
    _kernels.pair_cross_correlograms(grouped, offsets, pr, edges, total)
    lags = (edges[:-1] + edges[1:]) / 2
    if pr.shape[0] == 0:
        return lags, np.full(total.size, np.nan)
    return lags, total / pr.shape[0]
