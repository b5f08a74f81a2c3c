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

__all__ = ["FLOAT32_MAX", "check_number", "check_int", "check_choice", "check_index_array", "check_float_array"]


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
