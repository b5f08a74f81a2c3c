"""The classic plasticity protocols and the systems-level phenomena they produce, as runnable experiments
(``pn.experiments``).

Each experiment is a function ``NAME(*, scale=1.0, seed=0, out=None, threads=1, **params) -> Result`` that
builds its network from public pyneuro pieces, runs it, returns its key numbers as numpy arrays in a
:class:`Result` (with ``result.figure``, a matplotlib figure) and, with ``out`` set, writes ``out/NAME.png`` and
``out/NAME.json``. ``EXPERIMENTS`` maps names to functions (what ``pyneuro.sweep`` and the command line
``pyneuro experiment NAME [--out DIR] [--scale S] [--seed N]`` use).

Experiments are imported on first use, so ``import pyneuro`` stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ._result import Result

__all__ = ["Result", "EXPERIMENTS", "names"]

# name -> module (under pyneuro.experiments) that defines the function of the same name. A module must not be
# named like an experiment: importing it would set the package attribute to the module, hiding the function.
_WHERE: dict[str, str] = {
    "stdp_window": "stdp",
    "ltp_ltd_induction": "stdp",
    "sjostrom_frequency": "stdp",
    "song2000": "stdp",
    "vogels_balance": "homeostasis",
    "homeostasis_recovery": "homeostasis",
    "bcm_selectivity": "homeostasis",
    "distal_reward": "reward",
    "rewiring_steady_state": "structural",
    "lesion_sprouting": "structural",
    # systems-level phenomena
    "remapping": "maps",
    "skill_learning": "maps",
    "critical_period": "ocular_dominance",
    "engram": "assemblies",
    "neurogenesis_separation": "dentate",
    "compensation": "recovery",
}


def names() -> list[str]:
    """Names of the registered experiments."""
    return sorted(_WHERE)


def _load(name: str) -> Callable[..., Result]:
    mod = importlib.import_module(f"{__name__}.{_WHERE[name]}")
    return getattr(mod, name)


class _Registry(Mapping[str, Callable[..., Result]]):
    """Read-only mapping name -> experiment function, importing each on first access."""

    def __getitem__(self, name: str) -> Callable[..., Result]:
        if name not in _WHERE:
            raise KeyError(f"unknown experiment {name!r}; known: {names()}")
        return _load(name)

    def __iter__(self) -> Iterator[str]:
        return iter(names())

    def __len__(self) -> int:
        return len(_WHERE)


EXPERIMENTS: Mapping[str, Callable[..., Result]] = _Registry()


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return _load(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
