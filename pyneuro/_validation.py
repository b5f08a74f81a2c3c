"""Argument checks shared by the Python layer.

Every public entry point validates its arguments here before anything reaches the compiled core, so bad input
raises a ``ValueError`` or ``TypeError`` that names the argument, the value and the allowed range, and nothing
has been changed yet.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

FLOAT32_MAX = 3.4028234663852886e38

__all__ = [
    "FLOAT32_MAX",
    "check_number",
    "check_int",
    "check_choice",
    "check_index_array",
    "check_float_array",
    "check_synapse_arrays",
]


def _range_text(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    a = "-inf" if lo is None else repr(lo)
    b = "inf" if hi is None else repr(hi)
    return f"{left}{a}, {b}{right}"


def check_number(
    name: str,
    value: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """Return ``value`` as a float after checking its type and range.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (bools are rejected too).
    ValueError
        If ``value`` is NaN, infinite (unless ``allow_inf``) or outside the range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    v = float(value)
    rng = _range_text(lo, hi, lo_open, hi_open)
    if math.isnan(v):
        raise ValueError(f"{name} must be a number in {rng}, got nan")
    if math.isinf(v) and not allow_inf:
        raise ValueError(f"{name} must be finite and in {rng}, got {v}")
    if lo is not None and (v < lo or (lo_open and v == lo)):
        raise ValueError(f"{name} must be in {rng}, got {v}")
    if hi is not None and (v > hi or (hi_open and v == hi)):
        raise ValueError(f"{name} must be in {rng}, got {v}")
    return v


def check_int(name: str, value: Any, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``value`` as an int after checking its type (no bools, no floats) and range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"{name} must be an integer in {_range_text(lo, hi, False, False)}, got {v}")
    return v


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _asarray(name: str, values: Any) -> np.ndarray:
    """``np.asarray(values)``, its refusal of ragged nesting (a list holding a list and a number) naming ``name``."""
    try:
        return np.asarray(values)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a flat list or array of numbers, got {values!r}") from None


def check_index_array(name: str, values: Any, n: int, *, length: int | None = None) -> np.ndarray:
    """Return ``values`` as a 1-d uint32 array of indices in [0, n)."""
    arr = _asarray(name, values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            if arr.min() < 0 or arr.max() >= n:
                bad = arr[(arr < 0) | (arr >= n)][0]
                raise ValueError(f"{name} must hold indices in [0, {n - 1}], got {bad:g}")
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if length is not None and arr.size != length:
        raise ValueError(f"{name} must have length {length}, got {arr.size}")
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        bad = arr[(arr < 0) | (arr >= n)][0]
        raise ValueError(f"{name} must hold indices in [0, {n - 1}], got {int(bad)}")
    return arr.astype(np.uint32)


def check_float_array(
    name: str,
    values: Any,
    *,
    length: int | None = None,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
) -> np.ndarray:
    """Return ``values`` as a 1-d float64 array, finite and within the range."""
    arr = _asarray(name, values)
    if arr.dtype.kind not in "iuf" and arr.size:
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64).reshape(-1) if arr.ndim <= 1 else arr.astype(np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if length is not None and arr.size != length:
        raise ValueError(f"{name} must have length {length}, got {arr.size}")
    if arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr[~np.isfinite(arr)][0]}")
    rng = _range_text(lo, hi, lo_open, False)
    if arr.size and lo is not None and (arr.min() < lo or (lo_open and arr.min() == lo)):
        raise ValueError(f"{name} must be in {rng}, got {arr.min()}")
    if arr.size and hi is not None and arr.max() > hi:
        raise ValueError(f"{name} must be in {rng}, got {arr.max()}")
    return arr


def check_synapse_arrays(
    where: str,
    arrays: tuple[Any, Any, Any, Any],
    n_pre: int,
    n_post: int,
    max_delay_steps: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check a projection's canonical synapse arrays as read from outside (a checkpoint) and return them typed.

    Parameters
    ----------
    where : str
        What holds the arrays (a checkpoint group, say), for the messages.
    arrays : tuple
        ``(pre, post, delay_steps, weight)``: source and target indices, delays in steps, weights.
    n_pre, n_post : int
        Sizes of the source and target populations.
    max_delay_steps : int, optional
        Longest delay (steps) the projection can store; by default only the 32-bit range is checked here and the
        compiled projection checks [1, its limit].

    Returns
    -------
    tuple of numpy.ndarray
        ``pre``, ``post``, ``delay_steps`` as uint32 and ``weight`` as float32.

    Raises
    ------
    ValueError
        Naming the array, the offending entry and the allowed range: arrays that are not one-dimensional or of
        unequal lengths, indices outside the populations, delays outside [1, max_delay_steps] steps, weights that
        are not finite or do not fit in float32.
    TypeError
        Index or delay arrays that do not hold integers, weights that are not real numbers.
    """
    names = ("pre", "post", "delay_steps", "weight")
    out = []
    for name, values in zip(names, arrays):
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise ValueError(f"{where}: {name} must be one-dimensional, got shape {arr.shape}")
        out.append(arr)
    lengths = [a.size for a in out]
    if len(set(lengths)) != 1:
        raise ValueError(
            f"{where}: pre, post, delay_steps and weight must have equal lengths, got "
            + ", ".join(f"{n} {k}" for n, k in zip(names, lengths))
        )
    # without a limit, delays are only kept from wrapping around in 32 bits; the compiled projection then checks
    # them against [1, its limit] and names that range
    dlim = (0, 0xFFFFFFFF) if max_delay_steps is None else (1, max_delay_steps)
    limits = {"pre": (0, n_pre - 1), "post": (0, n_post - 1), "delay_steps": dlim}
    typed = []
    for name, arr in zip(names[:3], out[:3]):
        lo, hi = limits[name]
        if arr.size and arr.dtype.kind not in "iu":
            raise TypeError(f"{where}: {name} must hold integers, got dtype {arr.dtype}")
        if arr.size:
            bad = (arr < lo) | (arr > hi)
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                raise ValueError(f"{where}: {name}[{k}] = {int(arr[k])} is outside [{lo}, {hi}]")
        typed.append(arr.astype(np.uint32))
    w = out[3]
    if w.size and w.dtype.kind not in "iuf":
        raise TypeError(f"{where}: weight must hold real numbers, got dtype {w.dtype}")
    wf = w.astype(np.float64)
    bad = ~np.isfinite(wf) | (np.abs(wf) > FLOAT32_MAX)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{where}: weight[{k}] = {wf[k]} is not a finite float32 number (|w| <= {FLOAT32_MAX:.6g})")
    typed.append(w.astype(np.float32))
    return typed[0], typed[1], typed[2], typed[3]
