"""The result of an experiment: its numbers as numpy arrays, its figure, and how it was run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Result", "prepare_out"]


@dataclass
class Result:
    """What an experiment returns.

    Attributes
    ----------
    name : str
        The experiment's name.
    numbers : dict
        Its key numbers: scalars and numpy arrays (e.g. ``"dt_ms"`` and ``"dw"`` for the STDP window).
    params : dict
        The parameters it ran with (``scale``, ``seed``, ...).
    figure : matplotlib.figure.Figure or None
        The figure (``None`` when drawing was switched off).
    summary : str
        One line with the result in words and figures.
    """

    name: str
    numbers: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)
    figure: Any = None
    summary: str = ""

    def __getitem__(self, key: str) -> Any:
        return self.numbers[key]

    def to_dict(self) -> dict[str, Any]:
        """The numbers (scalars as Python numbers, arrays as numpy arrays): what sweeps record."""
        out: dict[str, Any] = {}
        for k, v in self.numbers.items():
            a = np.asarray(v)
            out[k] = a.item() if a.ndim == 0 else a
        return out

    def save(self, out: str | Path) -> Path:
        """Write ``out/NAME.png`` (the figure) and ``out/NAME.json`` (numbers, params, summary); returns ``out``."""
        out = prepare_out(out)
        if self.figure is not None:
            self.figure.savefig(out / f"{self.name}.png", dpi=120)
        doc = {
            "name": self.name,
            "summary": self.summary,
            "params": {k: _plain(v) for k, v in self.params.items()},
            "numbers": {k: np.asarray(v).tolist() for k, v in self.numbers.items()},
        }
        (out / f"{self.name}.json").write_text(json.dumps(doc, indent=1, default=float))
        return out

    def __repr__(self) -> str:
        keys = ", ".join(self.numbers)
        return f"Result({self.name!r}: {self.summary or keys})"


def _plain(v: Any) -> Any:
    """A parameter value as JSON data (numpy arrays and scalars, tuples as lists)."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    return v


def prepare_out(out: str | Path) -> Path:
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    return path
