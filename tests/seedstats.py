"""Claims over seeds, for the experiment tests (import as ``from seedstats import ...``; tests/ is on sys.path).

An experiment's claim ("the neighbours take over the deprived zone", "MD shifts ocular dominance more inside the
critical period than after it") is about the model, not about one seed. Each experiment test runs the experiment
for at least five seeds and asserts every claim with one of two stated statistical bases:

- :func:`every_seed`: the claim holds for each of the n seeds. As a sign test: if the claim held for at most half
  of all seeds, n successes out of n would have probability at most 2**-n (1/32 = 0.031 for n = 5, 1/64 for
  n = 6), so the claim holds for most seeds (one-sided p <= 2**-n).
- :func:`most`: the same sign test over more units than seeds (e.g. the networks of all seeds), where not every
  unit need hold: k of n with one-sided binomial p <= 0.05.
- :func:`mean_above` / :func:`mean_below`: the one-sided 95% confidence bound of the mean over the n seeds
  (mean -/+ t(0.95, n - 1) x standard error) lies beyond a bound: the claim holds on average.

Quantitative bounds (e.g. "at least 80% of the zone") were derived from the across-seed distribution of the same
configuration measured on other seeds (``docs/seed_statistics.py``; each test names its calibration seeds and the
mean and standard deviation found there), typically three standard deviations below the calibration mean for a
per-seed bound, so that a correct model fails a five-seed test with probability well under 1%.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["run_seeds", "values", "every_seed", "most", "mean_above", "mean_below", "describe"]

MIN_SEEDS = 5


def run_seeds(fn: Callable[..., Any], seeds: Sequence[int], **kw: Any) -> list[Any]:
    """``fn(seed=s, draw=False, **kw)`` for every seed (at least five)."""
    if len(seeds) < MIN_SEEDS:
        raise ValueError(f"claims need at least {MIN_SEEDS} seeds, got {len(seeds)}")
    return [fn(seed=s, draw=False, **kw) for s in seeds]


def values(results: Iterable[Any], f: str | Callable[[Any], Any]) -> np.ndarray:
    """``f(result)`` (or ``result[f]`` for a name) for each seed's result, as a float array."""
    if isinstance(f, str):
        return np.array([float(r[f]) for r in results], dtype=float)
    return np.array([float(f(r)) for r in results], dtype=float)


def describe(x: np.ndarray) -> str:
    """``mean +- sd [min, max] (n)`` of the per-seed values, for messages."""
    sd = float(np.std(x, ddof=1)) if x.size > 1 else float("nan")
    return f"{np.mean(x):.4g} +- {sd:.2g} [{np.min(x):.4g}, {np.max(x):.4g}] (n={x.size}): {np.round(x, 4).tolist()}"


def every_seed(x: np.ndarray, ok: np.ndarray | Sequence[bool], claim: str) -> None:
    """Sign test: the claim holds for each seed (``ok``, one flag per seed; at least five seeds, p <= 2**-n)."""
    ok = np.asarray(ok, dtype=bool)
    assert ok.size >= MIN_SEEDS, f"{claim}: needs at least {MIN_SEEDS} seeds, got {ok.size}"
    p = 0.5**ok.size
    assert ok.all(), (
        f"{claim}: holds for {int(ok.sum())} of {ok.size} seeds (sign test needs all, p = {p:.3f}); values "
        f"{describe(np.asarray(x, dtype=float))}"
    )


def most(x: np.ndarray, ok: np.ndarray | Sequence[bool], claim: str, alpha: float = 0.05) -> None:
    """Sign test over independent units (e.g. the networks of several seeds): the claim holds for so many of them
    that, if it held for at most half of all units, that many or more would have probability <= ``alpha``
    (one-sided binomial test; with 10 units, 9 must hold)."""
    ok = np.asarray(ok, dtype=bool)
    k, n = int(ok.sum()), ok.size
    p = float(stats.binomtest(k, n, 0.5, alternative="greater").pvalue)
    assert p <= alpha, (
        f"{claim}: holds for {k} of {n} (one-sided sign test p = {p:.3f} > {alpha}); values "
        f"{describe(np.asarray(x, dtype=float))}"
    )


def _bound(x: np.ndarray, sign: int, confidence: float) -> float:
    x = np.asarray(x, dtype=float)
    assert x.size >= MIN_SEEDS and np.all(np.isfinite(x)), f"needs >= {MIN_SEEDS} finite values, got {x}"
    se = float(np.std(x, ddof=1)) / math.sqrt(x.size)
    return float(np.mean(x) - sign * stats.t.ppf(confidence, x.size - 1) * se)


def mean_above(x: np.ndarray, bound: float, claim: str, confidence: float = 0.95) -> None:
    """The one-sided ``confidence`` lower bound of the mean over seeds (t, standard error) exceeds ``bound``."""
    lo = _bound(x, +1, confidence)
    assert lo > bound, f"{claim}: mean lower {confidence:.0%} bound {lo:.4g} <= {bound}; values {describe(x)}"


def mean_below(x: np.ndarray, bound: float, claim: str, confidence: float = 0.95) -> None:
    """The one-sided ``confidence`` upper bound of the mean over seeds (t, standard error) is below ``bound``."""
    hi = _bound(x, -1, confidence)
    assert hi < bound, f"{claim}: mean upper {confidence:.0%} bound {hi:.4g} >= {bound}; values {describe(x)}"
