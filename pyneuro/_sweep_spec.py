"""Sweep descriptions: experiment lookup, parameter grids, derived seeds and YAML specs.

Everything here runs on the machine that starts a sweep, before any task is submitted, so that a bad spec
fails at once with a message naming the argument and the allowed values. Nothing here imports Dask.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import itertools
import json
import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MAX_RUNS",
    "RESERVED",
    "RunTask",
    "SweepSpec",
    "accepted_params",
    "canonical_json",
    "check_seeds",
    "derive_seed",
    "documented_params",
    "expand_params",
    "experiment_names",
    "load_spec",
    "resolve_experiment",
    "run_key",
    "validate_params",
]

#: keyword arguments that the sweep itself passes to an experiment; they cannot be swept as parameters
RESERVED = ("seed", "threads", "duration", "checkpoint_dir", "checkpoint_every")

#: keys a YAML spec may hold
SPEC_KEYS = (
    "experiment",
    "params",
    "seeds",
    "duration",
    "record",
    "results",
    "threads_per_run",
    "checkpoint_every",
    "max_runs",
    "connect_timeout",
)

#: the most runs (parameter sets x base seeds) one sweep may have, unless ``max_runs`` says otherwise: every run is a
#: task and a file, and a grid is counted (the product of its axis lengths) before it is expanded, so a mistyped grid
#: (e.g. 12 parameters of 10 values: 10^12 runs) is refused at once instead of filling the memory
MAX_RUNS = 100_000

Scalar = bool | int | float | str | None
#: a parameter value: a scalar or a (nested) list of scalars
Value = Scalar | list[Any]


def _registry() -> Mapping[str, Any]:
    """``pyneuro.experiments.EXPERIMENTS`` if that module exists, else an empty mapping.

    The registry may import each experiment's module on first access, so it is only iterated (names) and
    indexed with the one name asked for, never read as a whole.
    """
    try:
        mod = importlib.import_module("pyneuro.experiments")
    except ModuleNotFoundError as e:
        if e.name != "pyneuro.experiments":
            raise
        return {}
    registry = getattr(mod, "EXPERIMENTS", None)
    return registry if isinstance(registry, Mapping) else {}


def experiment_names() -> list[str]:
    """Names that :func:`resolve_experiment` accepts: ``pyneuro.experiments.EXPERIMENTS`` and the sweep examples."""
    from .sweep import EXAMPLES

    return sorted(set(_registry()) | set(EXAMPLES))


def resolve_experiment(ref: Any) -> tuple[Callable[..., Any], str]:
    """Return ``(function, reference)`` for a callable, a registered name or a ``"module:function"`` string.

    Raises
    ------
    TypeError
        If ``ref`` is neither callable nor a string.
    ValueError
        If the name is not registered, the module cannot be imported or the attribute is missing or not callable.
    """
    if callable(ref):
        mod = getattr(ref, "__module__", None) or "?"
        return ref, f"{mod}:{getattr(ref, '__qualname__', repr(ref))}"
    if not isinstance(ref, str) or not ref.strip():
        raise TypeError(
            f"experiment must be a callable, a registered experiment name or 'module:function', got {ref!r}"
        )
    ref = ref.strip()
    if ":" in ref:
        mod_name, _, attr = ref.partition(":")
        if not mod_name or not attr:
            raise ValueError(f"experiment {ref!r}: expected 'module:function' with both parts non-empty")
        try:
            obj: Any = importlib.import_module(mod_name)
        except ImportError as e:
            raise ValueError(f"experiment {ref!r}: cannot import module {mod_name!r} ({e})") from None
        for part in attr.split("."):
            if not hasattr(obj, part):
                raise ValueError(f"experiment {ref!r}: module {mod_name!r} has no attribute {attr!r}")
            obj = getattr(obj, part)
        if not callable(obj):
            raise ValueError(f"experiment {ref!r} is a {type(obj).__name__}, not a function")
        return obj, ref
    from .sweep import EXAMPLES

    registry = _registry()
    if ref in registry:
        return registry[ref], ref
    if ref in EXAMPLES:
        return EXAMPLES[ref], ref
    raise ValueError(
        f"experiment {ref!r} is not a registered pyneuro experiment (available: {', '.join(experiment_names())}); "
        "give a registered name or 'module:function'"
    )


def _check_value(where: str, value: Any) -> Value:
    """A parameter value as plain JSON data: a number, string, bool or None, or a (nested) list of those.

    numpy scalars and arrays and tuples are converted; NaN and infinities are refused.
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{where} must be finite, got {v}")
        return v
    if isinstance(value, (list, tuple)):
        return [_check_value(f"{where}[{k}]", v) for k, v in enumerate(value)]
    raise TypeError(
        f"{where} must be a number, string, bool, None or a list of those, got {value!r} of type {type(value).__name__}"
    )


def check_max_runs(max_runs: Any) -> int:
    """``max_runs`` as an int >= 1 (the default is :data:`MAX_RUNS`)."""
    if isinstance(max_runs, bool) or not isinstance(max_runs, numbers.Integral):
        raise TypeError(f"max_runs must be an int >= 1, got {max_runs!r}")
    if int(max_runs) < 1:
        raise ValueError(f"max_runs must be >= 1, got {max_runs}")
    return int(max_runs)


def _too_many(n: int, max_runs: int, what: str) -> ValueError:
    return ValueError(
        f"params: {what} makes {n} runs, more than max_runs = {max_runs}; split the sweep, or raise max_runs "
        f"(pyneuro.sweep.run(..., max_runs=N), 'max_runs: N' in a spec) if you mean it"
    )


def expand_params(params: Any, max_runs: int = MAX_RUNS, n_seeds: int = 1) -> list[dict[str, Value]]:
    """The parameter sets of a sweep, in order.

    Parameters
    ----------
    params : mapping or sequence of mappings
        A grid ``{name: [values...]}`` (a scalar stands for a one-value list), expanded as the Cartesian product
        in the order the names are given (the last name varies fastest); or a list of parameter sets
        ``[{name: value, ...}, ...]`` run as given. Values are numbers, strings, bools or None, or lists of those
        (in a grid, a list-valued parameter is written as a list of lists: ``{"rates": [[1, 2], [3, 4]]}``).
    max_runs : int
        The most runs allowed (parameter sets x ``n_seeds``); a grid is counted before it is expanded.
    n_seeds : int
        Base seeds each parameter set runs with.

    Raises
    ------
    TypeError, ValueError
        For anything else, an empty grid axis, a non-string name, two identical parameter sets, or more than
        ``max_runs`` runs.
    """
    max_runs = check_max_runs(max_runs)
    sets: list[dict[str, Value]]
    if isinstance(params, Mapping):
        # counted first (axis lengths only), so that a huge grid or axis is refused before anything is expanded
        lengths = [
            (values.size if values.ndim else 1)
            if isinstance(values, np.ndarray)
            else (len(values) if isinstance(values, (list, tuple, range)) else 1)
            for values in params.values()
        ]
        n_runs = math.prod(lengths) * n_seeds
        if n_runs > max_runs:
            shape = " x ".join(str(n) for n in lengths) or "1"
            seeds = f" x {n_seeds} seeds" if n_seeds > 1 else ""
            raise _too_many(n_runs, max_runs, f"the grid ({shape} values{seeds})")
        axes: list[tuple[str, list[Value]]] = []
        for name, values in params.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"params: parameter names must be Python identifiers, got {name!r}")
            if isinstance(values, np.ndarray):  # an array is an axis, like a list
                values = values.tolist() if values.ndim else [values.item()]
            if isinstance(values, (list, tuple, range)):
                if len(values) == 0:
                    raise ValueError(f"params[{name!r}] is an empty list; give at least one value")
                vals = [_check_value(f"params[{name!r}][{k}]", v) for k, v in enumerate(values)]
            elif isinstance(values, (Mapping, set, frozenset)):
                raise TypeError(
                    f"params[{name!r}] must be a list of values or a single value, got a {type(values).__name__}"
                )
            else:
                vals = [_check_value(f"params[{name!r}]", values)]
            axes.append((name, vals))
        names = [a[0] for a in axes]
        sets = [dict(zip(names, combo)) for combo in itertools.product(*(a[1] for a in axes))]
    elif isinstance(params, Sequence) and not isinstance(params, (str, bytes)):
        if len(params) == 0:
            raise ValueError("params is an empty list; give at least one parameter set")
        if len(params) * n_seeds > max_runs:
            what = f"a list of {len(params)} parameter sets x {n_seeds} seeds"
            raise _too_many(len(params) * n_seeds, max_runs, what)
        sets = []
        for k, ps in enumerate(params):
            if not isinstance(ps, Mapping):
                raise TypeError(f"params[{k}] must be a mapping of parameter names to values, got {ps!r}")
            one: dict[str, Value] = {}
            for name, v in ps.items():
                if not isinstance(name, str) or not name.isidentifier():
                    raise ValueError(f"params[{k}]: parameter names must be Python identifiers, got {name!r}")
                one[name] = _check_value(f"params[{k}][{name!r}]", v)
            sets.append(one)
    else:
        raise TypeError(
            "params must be a grid {name: [values...]} or a list of parameter sets [{name: value}, ...], "
            f"got {type(params).__name__}"
        )
    seen: dict[str, int] = {}
    for k, ps in enumerate(sets):
        key = canonical_json(ps)
        if key in seen:
            raise ValueError(f"params: parameter sets {seen[key]} and {k} are identical ({key})")
        seen[key] = k
    return sets


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: the text that run keys and seeds are hashed from."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _digest(params: Mapping[str, Value], base_seed: int) -> bytes:
    return hashlib.sha256(canonical_json({"base_seed": int(base_seed), "params": dict(params)}).encode()).digest()


def derive_seed(params: Mapping[str, Value], base_seed: int = 0) -> int:
    """The seed of one run: the first 8 bytes of ``sha256(canonical_json({"base_seed": b, "params": p}))`` read
    big-endian and shifted right by one bit, so it lies in [0, 2**63).

    It depends only on the parameter values and the base seed (not on the order of the names, the grid the set
    came from, the machine or the Python version), so a rerun reproduces any single run. Note that ``1`` and
    ``1.0`` are different values here (JSON ``1`` vs ``1.0``).
    """
    return int.from_bytes(_digest(params, base_seed)[:8], "big") >> 1


def run_key(params: Mapping[str, Value], base_seed: int = 0) -> str:
    """The identity of one run within a results directory: 16 hex digits of the same digest as the seed's."""
    return _digest(params, base_seed).hex()[:16]


def documented_params(fn: Callable[..., Any]) -> list[str] | None:
    """Parameter names listed in the numpydoc "Parameters" section of ``fn``'s docstring (None if there is none).

    Lines such as ``n_pairings : int, optional`` and ``seed, threads, out, draw`` each name parameters.
    """
    doc = inspect.getdoc(fn)
    if not doc:
        return None
    lines = doc.splitlines()

    def is_rule(k: int) -> bool:
        return k < len(lines) and len(lines[k].strip()) >= 3 and set(lines[k].strip()) == {"-"}

    try:
        start = next(k for k, line in enumerate(lines) if line.strip() == "Parameters" and is_rule(k + 1))
    except StopIteration:
        return None
    names: list[str] = []
    for k in range(start + 2, len(lines)):
        line = lines[k]
        if is_rule(k + 1):  # the next section's title
            break
        if line and not line[0].isspace() and not line.startswith("*"):  # "**params" is no name
            for part in line.split(":", 1)[0].split(","):
                part = part.strip()
                if part.isidentifier():
                    names.append(part)
    return names or None


def accepted_params(fn: Callable[..., Any], ref: str) -> tuple[list[str], bool]:
    """The keyword parameters ``fn`` takes, and whether that list is complete (names outside it are errors).

    Named parameters come from the signature. A function taking ``**kwargs`` may declare every name it accepts
    in an attribute ``sweep_parameters`` (a sequence of names), which makes the list complete. Otherwise the names
    documented in its numpydoc "Parameters" section are added, but the list is not complete: documentation may
    leave a name out, so an undocumented name draws a warning, not an error.
    """
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as e:
        raise ValueError(f"experiment {ref!r}: cannot read its signature ({e})") from None
    ps = sig.parameters.values()
    names = [q.name for q in ps if q.kind in (q.POSITIONAL_OR_KEYWORD, q.KEYWORD_ONLY)]
    if not any(q.kind is q.VAR_KEYWORD for q in ps):
        return names, True
    declared = getattr(fn, "sweep_parameters", None)
    if declared is not None:
        if isinstance(declared, str) or not all(isinstance(n, str) for n in declared):
            raise TypeError(f"experiment {ref!r}: sweep_parameters must be a sequence of names, got {declared!r}")
        return names + [n for n in declared if n not in names], True
    documented = documented_params(fn) or []
    return names + [n for n in documented if n not in names], False


def validate_params(
    fn: Callable[..., Any],
    ref: str,
    sets: Sequence[Mapping[str, Value]],
    *,
    duration: float | None,
    checkpoint_every: float | None,
) -> dict[str, bool]:
    """Check every parameter set against the parameters ``fn`` takes (:func:`accepted_params`) before anything
    runs (for a ``**kwargs`` function that declares no ``sweep_parameters``, undocumented names only warn).

    Returns which of the reserved keywords (``seed``, ``threads``, ``duration``, ``checkpoint_dir``,
    ``checkpoint_every``) ``fn`` accepts.

    Raises
    ------
    ValueError
        If a set names a parameter ``fn`` does not take or a reserved keyword, leaves out a required one, or if
        ``duration`` / ``checkpoint_every`` are given and ``fn`` does not take them.
    """
    names, complete = accepted_params(fn, ref)
    sig = inspect.signature(fn)
    takes = {name: name in names for name in RESERVED}
    unchecked: set[str] = set()
    if not complete:  # **kwargs without a declared list: pass what the sweep must, pass threads only if documented
        takes["seed"] = True
        for name, given in (
            ("duration", duration),
            ("checkpoint_dir", checkpoint_every),
            ("checkpoint_every", checkpoint_every),
        ):
            if given is not None and not takes[name]:
                takes[name] = True
                unchecked.add(name)
    if not takes["seed"]:
        raise ValueError(f"experiment {ref!r} must take a 'seed' keyword argument; its signature is {sig}")
    if duration is not None and not takes["duration"]:
        raise ValueError(f"duration was given but experiment {ref!r} takes no 'duration' argument; signature {sig}")
    if checkpoint_every is not None and not (takes["checkpoint_dir"] and takes["checkpoint_every"]):
        raise ValueError(
            f"checkpoint_every was given but experiment {ref!r} does not take 'checkpoint_dir' and "
            f"'checkpoint_every'; signature {sig}"
        )
    allowed = [n for n in names if n not in RESERVED]
    required = [
        n
        for n, q in sig.parameters.items()
        if q.kind in (q.POSITIONAL_OR_KEYWORD, q.KEYWORD_ONLY) and q.default is q.empty and n not in RESERVED
    ]
    for k, ps in enumerate(sets):
        for name in ps:
            if name in RESERVED:
                raise ValueError(
                    f"params: {name!r} is set by the sweep itself and cannot be a parameter "
                    f"(reserved: {', '.join(RESERVED)}); use seeds= / duration= / threads_per_run= instead"
                )
            if complete and name not in allowed:
                raise ValueError(
                    f"params: experiment {ref!r} has no parameter {name!r}; its parameters are: "
                    f"{', '.join(allowed) or 'none'}"
                )
            if not complete and name not in allowed:
                unchecked.add(name)
        missing = [n for n in required if n not in ps]
        if missing:
            raise ValueError(f"params: parameter set {k} leaves out required parameter(s) {missing} of {ref!r}")
    if unchecked:
        warnings.warn(
            f"params: experiment {ref!r} takes **kwargs and does not list its parameters (sweep_parameters); "
            f"{sorted(unchecked)} are not among those it documents ({', '.join(allowed) or 'none'}), so they "
            "are checked only when each run starts",
            UserWarning,
            stacklevel=3,
        )
    return takes


def check_seeds(seeds: Any) -> list[int]:
    """Base seeds as a list of distinct ints in [0, 2**63)."""
    if isinstance(seeds, (bool, str, bytes)) or not isinstance(seeds, (Sequence, range)):
        raise TypeError(f"seeds must be a list of base seeds (ints in [0, 2**63)), e.g. [0, 1, 2], got {seeds!r}")
    out: list[int] = []
    for k, s in enumerate(seeds):
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"seeds[{k}] must be an int, got {s!r}")
        if not 0 <= int(s) < 2**63:
            raise ValueError(f"seeds[{k}] must be in [0, 2**63), got {s}")
        out.append(int(s))
    if not out:
        raise ValueError("seeds is empty; give at least one base seed, e.g. [0]")
    if len(set(out)) != len(out):
        raise ValueError(f"seeds has repeated values: {out}")
    return out


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep, as sent to a worker (plain data plus the experiment reference)."""

    run_id: str
    index: int
    params: dict[str, Value]
    base_seed: int
    seed: int
    experiment: Any  # registered name / "module:function" (resolved on the worker) or the callable itself
    experiment_ref: str
    results_dir: str
    duration: float | None = None
    record: bool | tuple[str, ...] = False
    threads: int = 1
    checkpoint_every: float | None = None
    takes: dict[str, bool] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)


@dataclass
class SweepSpec:
    """A sweep as read from a YAML spec (see :func:`load_spec`); the arguments of :func:`pyneuro.sweep.run`."""

    experiment: str
    params: Any
    seeds: list[int] = field(default_factory=lambda: [0])
    duration: float | None = None
    record: bool | list[str] = False
    results: Path = Path("sweep-results")
    threads_per_run: int = 1
    checkpoint_every: float | None = None
    max_runs: int = MAX_RUNS
    connect_timeout: float = 10.0


def load_spec(path: str | Path) -> SweepSpec:
    """Read a sweep spec (YAML).

    Keys: ``experiment`` (a registered name or ``module:function``; required), ``params`` (a grid or a list of
    parameter sets; required), ``seeds`` (list of base seeds; default ``[0]``), ``duration`` (ms, passed to the
    experiment), ``record`` (true, false or a list of array names to keep), ``results`` (results directory,
    relative to the spec file; default ``<spec name>-results`` beside it), ``threads_per_run`` (default 1),
    ``checkpoint_every`` (ms of simulated time between checkpoints of each run), ``max_runs`` (the most runs the
    sweep may have; default :data:`MAX_RUNS`), ``connect_timeout`` (seconds to wait for a Dask scheduler given with
    ``--scheduler``; default 10).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError, TypeError
        For YAML errors, unknown keys, missing required keys and values of the wrong type.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no sweep spec at {path}")
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise ValueError(f"{path}: not valid YAML ({e})") from None
    if not isinstance(doc, Mapping):
        raise ValueError(f"{path}: a sweep spec is a mapping with keys {', '.join(SPEC_KEYS)}; got {doc!r}")
    unknown = [k for k in doc if k not in SPEC_KEYS]
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {unknown}; allowed keys: {', '.join(SPEC_KEYS)}")
    for key in ("experiment", "params"):
        if key not in doc:
            raise ValueError(f"{path}: missing required key {key!r}")
    if not isinstance(doc["experiment"], str):
        raise TypeError(f"{path}: experiment must be a string (a registered name or 'module:function')")
    record = doc.get("record", False)
    if not isinstance(record, bool) and not (isinstance(record, list) and all(isinstance(r, str) for r in record)):
        raise TypeError(f"{path}: record must be true, false or a list of array names, got {record!r}")
    results = doc.get("results")
    if results is not None and not isinstance(results, str):
        raise TypeError(f"{path}: results must be a directory path (string), got {results!r}")
    res_path = path.parent / (results if results is not None else f"{path.stem}-results")
    return SweepSpec(
        experiment=doc["experiment"],
        params=doc["params"],
        seeds=doc.get("seeds", [0]),
        duration=doc.get("duration"),
        record=record,
        results=res_path,
        threads_per_run=doc.get("threads_per_run", 1),
        checkpoint_every=doc.get("checkpoint_every"),
        max_runs=check_max_runs(doc.get("max_runs", MAX_RUNS)),
        connect_timeout=doc.get("connect_timeout", 10.0),
    )
