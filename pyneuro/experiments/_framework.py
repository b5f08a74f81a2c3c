"""What every experiment shares: the parameter declaration, the checks of the common arguments, and the
:class:`Experiment` that turns a module's computation, summary and drawing into ``pn.experiments.NAME``.

Design notes
------------
An experiment is declared once, in its own module ``pyneuro/experiments/NAME.py``:

- ``PARAMETERS``: a :class:`Parameters` table of :class:`Param` (name, default, unit, range, one line of doc). It
  is the only place a parameter is named: it checks the values a caller gives (before anything is built), is the
  signature of ``pn.experiments.NAME`` (so :mod:`pyneuro.sweep` and the command line's ``--set`` learn the names
  from it) and writes the "Parameters" section of the docstring. Nothing reads a docstring back.
- ``compute(p, *, scale, seed, threads) -> dict``: builds and runs the networks from the checked values ``p``
  and returns the numbers (numpy arrays and scalars). It never draws.
- ``summarize(numbers, p) -> str``: the one-line result.
- ``draw(numbers, p) -> Figure``: the figure, from the numbers (and the parameters) only, so a saved result can
  be drawn again and a sweep, which calls :meth:`Experiment.run`, never draws.
- ``NAME = Experiment(...)`` ties them together with the docstring's prose (description, returns, notes).

``pn.experiments.NAME(...)`` validates, computes, summarises, draws and (with ``out``) saves a :class:`Result`;
``pn.experiments.NAME.run(...)`` does the same without drawing; ``pn.experiments.NAME.draw(result)`` draws a
result.
"""

from __future__ import annotations

import inspect
import math
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import connectivity as conn
from .._validation import check_choice, check_int, check_number
from ._result import Result

__all__ = [
    "Param",
    "Parameters",
    "Experiment",
    "CONDUCTANCE_LIF",
    "common_args",
    "fixed_in",
    "new_figure",
]

#: The conductance-based LIF neuron most experiments use (Vogels & Abbott 2005, J. Neurosci. 25:10786; the COBA
#: network of Brette et al. 2007, J. Comput. Neurosci. 23:349): C_m 200 pF, g_L 10 nS (tau_m 20 ms), E_L -60 mV,
#: V_th -50 mV, V_reset -60 mV, t_ref 5 ms, synaptic time constants 5 ms (excitatory) and 10 ms (inhibitory),
#: reversal potentials 0 and -80 mV.
CONDUCTANCE_LIF: dict[str, float] = dict(
    C_m=200.0,
    g_L=10.0,
    E_L=-60.0,
    V_th=-50.0,
    V_reset=-60.0,
    t_ref=5.0,
    tau_syn_ex=5.0,
    tau_syn_in=10.0,
    E_ex=0.0,
    E_in=-80.0,
    I_e=0.0,
)

_KINDS = ("float", "int", "floats", "choices")


@dataclass(frozen=True)
class Param:
    """One parameter of an experiment.

    Parameters
    ----------
    name : str
        Its keyword (a Python identifier).
    default : float, int, tuple or None
        Its default. ``None`` (with ``optional``) means the experiment derives the value (its doc says how).
    doc : str
        What it is, in a few words (no unit, no range: those are written from ``unit``, ``lo`` and ``hi``).
    unit : str
        Its unit (``"ms"``, ``"Hz"``, ``"nS"``, ...), empty for a pure number.
    lo, hi : float, optional
        Its range (inclusive unless ``lo_open``/``hi_open``); ``None`` for no bound.
    kind : {"float", "int", "floats", "choices"}, optional
        A real number, an integer, a sequence of real numbers (each in the range) or a sequence of ``choices``;
        by default the type of ``default`` (int or float).
    choices : tuple of str
        The allowed entries of a ``"choices"`` parameter.
    optional : bool
        Whether ``None`` is allowed.
    """

    name: str
    default: Any
    doc: str
    unit: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    kind: str = ""
    choices: tuple[str, ...] = ()
    optional: bool = False

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"Param name must be an identifier, got {self.name!r}")
        if not self.kind:
            if self.default is None or isinstance(self.default, bool):
                raise ValueError(f"Param {self.name!r}: give kind= for a default of {self.default!r}")
            object.__setattr__(self, "kind", "int" if isinstance(self.default, int) else "float")
        if self.kind not in _KINDS:
            raise ValueError(f"Param {self.name!r}: kind must be one of {_KINDS}, got {self.kind!r}")
        if self.default is None and not self.optional:
            raise ValueError(f"Param {self.name!r}: a default of None needs optional=True")
        if self.default is not None:  # the default must pass its own check
            self.check(self.default)

    def check(self, value: Any) -> Any:
        """``value`` checked against the type and range (a TypeError or ValueError naming the parameter); returns
        it as a float, an int, a tuple of floats or a list of choices, or None (``optional`` only)."""
        if value is None and self.optional:
            return None
        if self.kind == "int":
            lo = None if self.lo is None else math.ceil(self.lo)
            hi = None if self.hi is None else math.floor(self.hi)
            return check_int(self.name, value, lo, hi)
        if self.kind == "float":
            return check_number(self.name, value, self.lo, self.hi, lo_open=self.lo_open, hi_open=self.hi_open)
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            raise TypeError(f"{self.name} must be a sequence, got {value!r} of type {type(value).__name__}")
        items = list(np.asarray(value).reshape(-1)) if isinstance(value, np.ndarray) else list(value)
        if not items:
            raise ValueError(f"{self.name} must not be empty")
        if self.kind == "choices":
            return [check_choice(f"{self.name}[]", v, self.choices) for v in items]
        return tuple(
            check_number(f"{self.name}[{k}]", v, self.lo, self.hi, lo_open=self.lo_open, hi_open=self.hi_open)
            for k, v in enumerate(items)
        )

    def type_text(self) -> str:
        """The numpydoc type line: ``float``, ``int``, ``sequence of float``, ...; with the default."""
        base = {"float": "float", "int": "int", "floats": "sequence of float", "choices": "sequence of str"}[self.kind]
        if self.default is None:
            return f"{base}, optional"
        return f"{base}, default {_value_text(self.default)}{' ' + self.unit if self.unit else ''}"

    def range_text(self) -> str:
        """``"in [0, 1000] Hz"``, ``">= 1"``, ... (empty without bounds)."""
        unit = f" {self.unit}" if self.unit else ""
        if self.kind == "choices":
            return "entries from " + ", ".join(repr(c) for c in self.choices)
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            return f"in {'(' if self.lo_open else '['}{_num(lo)}, {_num(hi)}{')' if self.hi_open else ']'}{unit}"
        if lo is not None:
            return f"{'>' if self.lo_open else '>='} {_num(lo)}{unit}"
        if hi is not None:
            return f"{'<' if self.hi_open else '<='} {_num(hi)}{unit}"
        return ""


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _value_text(v: Any) -> str:
    if isinstance(v, (tuple, list)):
        return "(" + ", ".join(_value_text(x) for x in v) + ")" if not isinstance(v, list) else repr(v)
    return _num(v) if isinstance(v, (int, float)) else repr(v)


class Parameters(Mapping[str, Param]):
    """An ordered table of :class:`Param`, by name. ``a + b`` joins two tables (names must differ)."""

    def __init__(self, *params: Param) -> None:
        self._by_name: dict[str, Param] = {}
        for q in params:
            if not isinstance(q, Param):
                raise TypeError(f"Parameters takes Param objects, got {type(q).__name__}")
            if q.name in self._by_name:
                raise ValueError(f"parameter {q.name!r} declared twice")
            self._by_name[q.name] = q

    def __getitem__(self, name: str) -> Param:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __add__(self, other: Parameters) -> Parameters:
        return Parameters(*self.values(), *other.values())

    def defaults(self) -> dict[str, Any]:
        """Every parameter's default."""
        return {k: q.default for k, q in self.items()}

    def check(self, experiment: str, given: Mapping[str, Any]) -> dict[str, Any]:
        """The defaults overridden by ``given``, each checked: unknown names are a TypeError naming the
        experiment and the known names; a bad value is a TypeError or ValueError naming the parameter."""
        unknown = sorted(set(given) - set(self))
        if unknown:
            raise TypeError(f"{experiment}() got unknown parameter(s) {unknown}; known: {sorted(self)}")
        return {k: q.check(given[k]) if k in given else q.check(q.default) for k, q in self.items()}

    def doc(self, indent: str = "") -> str:
        """The numpydoc entries of the parameters (``name : type, default ...`` and an indented description)."""
        lines = []
        for q in self.values():
            lines.append(f"{indent}{q.name} : {q.type_text()}")
            rng = q.range_text()
            text = q.doc.rstrip(".") + (f"; {rng}." if rng else ".")
            text = text[0].upper() + text[1:]
            lines += textwrap.wrap(text, 116, initial_indent=indent + "    ", subsequent_indent=indent + "    ")
        return "\n".join(lines)


def common_args(scale: Any, seed: Any, threads: Any, draw: Any, out: Any = None) -> tuple[float, int, int, bool]:
    """Check the arguments every experiment takes; returns (scale, seed, threads, draw)."""
    scale = check_number("scale", scale, 0.0, 1e3, lo_open=True)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    threads = check_int("threads", threads, 1, 1024)
    if not isinstance(draw, (bool, np.bool_)):
        raise TypeError(f"draw must be a bool, got {type(draw).__name__} {draw!r}")
    if out is not None and not isinstance(out, (str, Path)):
        raise TypeError(f"out must be a path (str or pathlib.Path) or None, got {type(out).__name__}")
    return scale, seed, threads, bool(draw)


def fixed_in(k: float, n_pre: int) -> conn.FixedInDegree:
    """Fixed in-degree ``k`` (capped to ``[1, n_pre]``) from distinct sources."""
    return conn.FixedInDegree(max(1, min(int(k), n_pre)), allow_multapses=False)


def new_figure(ncols: int, width: float = 4.2, height: float = 3.4) -> Any:
    """A matplotlib figure (object API, no pyplot) with ``ncols`` axes in a row."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, np.atleast_1d(axes)


Numbers = dict[str, Any]
Compute = Callable[..., Numbers]
Summarize = Callable[[Numbers, dict[str, Any]], str]
Draw = Callable[[Numbers, dict[str, Any]], Any]
Check = Callable[[dict[str, Any]], None]

_COMMON_DOC = """seed : int, default 0
    Seed of everything random (wiring, spike trains, the networks' noise); the numbers depend on it alone.
out : str or pathlib.Path, optional
    Folder to write ``{name}.png`` (the figure) and ``{name}.json`` (numbers, parameters, summary) to.
threads : int, default 1
    Threads of each simulation (the numbers do not depend on it).
draw : bool, default True
    Whether to draw the figure (``result.figure`` is None otherwise)."""


class Experiment:
    """A runnable experiment: ``experiment(*, scale=1.0, seed=0, out=None, threads=1, draw=True, **params)``.

    Calling it checks every argument (before anything is built), computes the numbers, writes the summary line,
    draws the figure and, with ``out``, saves both; it returns a :class:`Result`. :meth:`run` does all but the
    drawing and saving; :meth:`draw` draws a result. The signature lists every declared parameter with its
    default (``inspect.signature``), which is how :mod:`pyneuro.sweep` checks a grid's names.

    Parameters
    ----------
    name : str
        The experiment's name (also its module's: ``pyneuro/experiments/NAME.py``).
    parameters : Parameters
        The declared parameters.
    compute : callable
        ``compute(p, *, scale, seed, threads) -> dict`` of numbers, ``p`` the checked parameters.
    summarize : callable
        ``summarize(numbers, params) -> str``, ``params`` the checked parameters with scale, seed and threads.
    draw : callable
        ``draw(numbers, params) -> matplotlib.figure.Figure``.
    doc : str
        The description: the first line says what the experiment shows; then the model, protocol, measure and
        papers.
    scale : str
        What ``scale`` changes.
    returns : str
        The numbers (the "Returns" section).
    notes : str, optional
        The "Notes" section (what it does not capture, observations).
    check : callable, optional
        ``check(p)`` raises a ValueError for values that are in range one by one but not together.
    """

    def __init__(
        self,
        name: str,
        parameters: Parameters,
        compute: Compute,
        summarize: Summarize,
        draw: Draw,
        *,
        doc: str,
        scale: str,
        returns: str,
        notes: str = "",
        check: Check | None = None,
    ) -> None:
        reserved = {"scale", "seed", "out", "threads", "draw"} & set(parameters)
        if reserved:
            raise ValueError(f"experiment {name!r}: parameter names {sorted(reserved)} are reserved")
        self.name = name
        self.parameters = parameters
        self._compute, self._summarize, self._draw, self._check = compute, summarize, draw, check
        self.__name__ = self.__qualname__ = name
        self.__module__ = f"{__package__}.{name}"
        self.__doc__ = _join_doc(name, parameters, doc=doc, scale=scale, returns=returns, notes=notes)
        kw = inspect.Parameter.KEYWORD_ONLY
        common = [
            inspect.Parameter("scale", kw, default=1.0, annotation=float),
            inspect.Parameter("seed", kw, default=0, annotation=int),
            inspect.Parameter("out", kw, default=None, annotation="str | Path | None"),
            inspect.Parameter("threads", kw, default=1, annotation=int),
            inspect.Parameter("draw", kw, default=True, annotation=bool),
        ]
        declared = [inspect.Parameter(k, kw, default=q.default) for k, q in parameters.items()]
        self.__signature__ = inspect.Signature([*common, *declared], return_annotation=Result)

    @property
    def sweep_parameters(self) -> tuple[str, ...]:
        """The names of the declared parameters (what a sweep may grid, besides ``seed``)."""
        return tuple(self.parameters)

    def check(self, **params: Any) -> dict[str, Any]:
        """The checked parameters: the defaults overridden by ``params`` (TypeError/ValueError naming the bad one)."""
        p = self.parameters.check(self.name, params)
        if self._check is not None:
            self._check(p)
        return p

    def run(self, *, scale: float = 1.0, seed: int = 0, threads: int = 1, **params: Any) -> Result:
        """Check the arguments, compute the numbers and the summary; no figure (``result.figure`` is None)."""
        scale, seed, threads, _ = common_args(scale, seed, threads, False)
        return self._run(scale, seed, threads, params)

    def _run(self, scale: float, seed: int, threads: int, params: dict[str, Any]) -> Result:
        p = self.check(**params)
        numbers = self._compute(p, scale=scale, seed=seed, threads=threads)
        full = {"scale": scale, "seed": seed, "threads": threads, **p}
        return Result(name=self.name, numbers=numbers, params=full, summary=self._summarize(numbers, full))

    def draw(self, result: Result) -> Any:
        """The figure of a result of this experiment (a ``matplotlib.figure.Figure``, not shown)."""
        if not isinstance(result, Result):
            raise TypeError(f"result must be a pyneuro.experiments.Result, got {type(result).__name__}")
        if result.name != self.name:
            raise ValueError(f"result is of experiment {result.name!r}, not {self.name!r}")
        return self._draw(result.numbers, result.params)

    def __call__(
        self,
        *,
        scale: float = 1.0,
        seed: int = 0,
        out: str | Path | None = None,
        threads: int = 1,
        draw: bool = True,
        **params: Any,
    ) -> Result:
        scale, seed, threads, draw = common_args(scale, seed, threads, draw, out)
        result = self._run(scale, seed, threads, params)
        if draw:
            result.figure = self.draw(result)
        if out is not None:
            result.save(out)
        return result

    def __repr__(self) -> str:
        return f"<experiment {self.name}>"


def _join_doc(name: str, parameters: Parameters, *, doc: str, scale: str, returns: str, notes: str) -> str:
    """The docstring: the description, then the Parameters section written from the declaration, then Returns
    and Notes."""

    def block(text: str) -> str:
        return inspect.cleandoc(text)

    scale_text = " ".join(block(scale).split()) + " In (0, 1000]."
    scale_entry = "scale : float, default 1.0\n" + "\n".join(
        textwrap.wrap(scale_text, 116, initial_indent="    ", subsequent_indent="    ")
    )
    parts = [
        block(doc),
        "Parameters\n----------\n" + scale_entry + "\n" + _COMMON_DOC.format(name=name) + "\n" + parameters.doc(),
        "Returns\n-------\nResult\n" + "\n".join("    " + ln if ln else ln for ln in block(returns).splitlines()),
    ]
    if notes:
        parts.append("Notes\n-----\n" + block(notes))
    return "\n\n".join(parts)
