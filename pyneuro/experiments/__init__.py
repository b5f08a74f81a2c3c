"""The classic plasticity protocols and the systems-level phenomena they produce, as runnable experiments
(``pn.experiments``).

Each experiment ``NAME`` lives in its own module ``pyneuro/experiments/NAME.py`` and is called as
``pn.experiments.NAME(*, scale=1.0, seed=0, out=None, threads=1, draw=True, **params)``: it builds its networks
from public pyneuro pieces, runs them and returns a :class:`Result` with its key numbers as numpy arrays
(``result.numbers``), a one-line ``summary`` and a matplotlib ``figure``; with ``out`` set it writes
``out/NAME.png`` and ``out/NAME.json``. ``pn.experiments.NAME.run(...)`` computes the numbers without drawing
(what :mod:`pyneuro.sweep` calls), ``pn.experiments.NAME.draw(result)`` draws a result, and
``pn.experiments.NAME.parameters`` is its parameter table (names, defaults, units, ranges; the same table checks
the arguments, gives the command line ``pyneuro experiment NAME --set KEY=VALUE`` and the sweeps their names,
and writes the docstring). :data:`EXPERIMENTS` maps names to experiments.

Shared models are modules of their own, e.g. :mod:`pyneuro.experiments.somatosensory_map` (the map of
``remapping``, ``skill_learning`` and ``compensation``) and :mod:`pyneuro.experiments.pairing` (spike-pair
protocols and the closed form of the triplet rule).

Adding an experiment: write ``pyneuro/experiments/NAME.py`` with ``PARAMETERS`` (:class:`Parameters` of
:class:`Param`), ``compute``, ``summarize`` and ``draw`` and ``NAME = Experiment(...)`` (see
:mod:`pyneuro.experiments._framework`), and add ``NAME`` to :data:`NAMES`.

Experiments are imported on first use, so ``import pyneuro`` stays light.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator, Mapping
from typing import Any

from ._framework import Experiment, Param, Parameters
from ._result import Result

__all__ = ["Result", "Experiment", "Param", "Parameters", "EXPERIMENTS", "NAMES", "names"]

#: every experiment; each is defined, under its own name, in the module of that name
NAMES: tuple[str, ...] = (
    "stdp_window",
    "ltp_ltd_induction",
    "sjostrom_frequency",
    "clopath_frequency",
    "graupner_brunel_stdp",
    "song2000",
    "vogels_balance",
    "homeostasis_recovery",
    "bcm_selectivity",
    "distal_reward",
    "rewiring_steady_state",
    "lesion_sprouting",
    "remapping",
    "skill_learning",
    "critical_period",
    "engram",
    "neurogenesis_separation",
    "compensation",
    "microcircuit",
    "brunel2000",
    "morrison2007",
)


def names() -> list[str]:
    """Names of the registered experiments, sorted."""
    return sorted(NAMES)


def _import_experiment(name: str) -> Experiment:
    exp = getattr(importlib.import_module(f"{__name__}.{name}"), name)
    if not isinstance(exp, Experiment):
        raise TypeError(f"{__name__}.{name}.{name} is a {type(exp).__name__}, not an Experiment")
    return exp


class _Registry(Mapping[str, Experiment]):
    """Read-only mapping name -> experiment, importing each on first access."""

    def __getitem__(self, name: str) -> Experiment:
        if name not in NAMES:
            raise KeyError(f"unknown experiment {name!r}; known: {names()}")
        return _import_experiment(name)

    def __iter__(self) -> Iterator[str]:
        return iter(names())

    def __len__(self) -> int:
        return len(NAMES)


EXPERIMENTS: Mapping[str, Experiment] = _Registry()


def __getattr__(name: str) -> Any:
    if name in NAMES:
        return _import_experiment(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *NAMES])


class _Package(types.ModuleType):
    """This package's module type. Importing ``pyneuro.experiments.NAME`` makes the import system set the package
    attribute ``NAME`` to that module; for an experiment's name that would hide the experiment, so such a module
    is not stored as an attribute (it stays in ``sys.modules``, and ``from pyneuro.experiments.NAME import ...``
    reads it): ``pyneuro.experiments.NAME`` is always the experiment."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in NAMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
