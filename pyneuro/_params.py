"""Parameters declared once: a dataclass field made with :func:`param` carries its unit and allowed range, and that
one declaration drives the validation (:func:`check_params`), the lowering to the compiled core
(:func:`lower_params`, a name -> number map that the C++ side reads into its plain parameter struct) and the
checkpoint fields (:func:`param_dict`).

Example::

    @dataclass
    class STDP(PlasticityRule):
        tau_pre: float = param(20.0, unit="ms", lo=0.0, lo_open=True)
        interaction: str = param("all_to_all", choices=("all_to_all", "nearest"))   # lowered as its index
"""

from __future__ import annotations

from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any

from ._validation import check_choice, check_number

__all__ = ["ParamSpec", "param", "param_specs", "check_params", "lower_params", "param_dict"]


@dataclass(frozen=True)
class ParamSpec:
    """What is declared about one parameter: unit, allowed range or choices, and how it is lowered.

    ``lower``: lowered to the core (choices as their index); ``nullable``: ``None`` is allowed (and skipped by the
    checks and the lowering).
    """

    unit: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple[str, ...] | None = None
    lower: bool = True
    nullable: bool = False
    allow_inf: bool = False  # +-inf allowed (e.g. an unbounded weight)

    def range_text(self) -> str:
        """The allowed values in words, e.g. ``(0.0, inf]`` or ``one of ('a', 'b')``."""
        if self.choices is not None:
            return f"one of {self.choices}"
        left = "(" if self.lo_open else "["
        right = ")" if self.hi_open else "]"
        a = "-inf" if self.lo is None else repr(self.lo)
        b = "inf" if self.hi is None else repr(self.hi)
        return f"{left}{a}, {b}{right}"

    def check(self, name: str, value: Any) -> Any:
        """Validate ``value`` for the parameter called ``name`` (TypeError/ValueError naming it)."""
        if value is None and self.nullable:
            return None
        if self.choices is not None:
            return check_choice(name, value, self.choices)
        return check_number(
            name, value, self.lo, self.hi, lo_open=self.lo_open, hi_open=self.hi_open, allow_inf=self.allow_inf
        )

    def lowered(self, value: Any) -> float:
        """The number the core receives."""
        if self.choices is not None:
            return float(self.choices.index(value))
        return float(value)


def param(
    default: Any = MISSING,
    *,
    unit: str = "",
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    choices: tuple[str, ...] | None = None,
    lower: bool = True,
    nullable: bool = False,
    kw_only: bool = False,
    allow_inf: bool = False,
) -> Any:
    """A dataclass field declaring one parameter (see the module docstring)."""
    spec = ParamSpec(unit, lo, hi, lo_open, hi_open, choices, lower, nullable, allow_inf)
    return field(default=default, metadata={"param": spec}, kw_only=kw_only)


def param_specs(obj: Any) -> list[tuple[Field[Any], ParamSpec]]:
    """The declared parameters of a dataclass (instance or class), in declaration order."""
    return [(f, f.metadata["param"]) for f in fields(obj) if "param" in f.metadata]


def check_params(obj: Any, prefix: str) -> None:
    """Validate every declared parameter of ``obj``; messages name ``prefix.name``."""
    for f, spec in param_specs(obj):
        spec.check(f"{prefix}.{f.name}", getattr(obj, f.name))


def lower_params(obj: Any) -> dict[str, float]:
    """The declared parameters that the core receives, as ``{name: number}``."""
    out: dict[str, float] = {}
    for f, spec in param_specs(obj):
        v = getattr(obj, f.name)
        if spec.lower and v is not None:
            out[f.name] = spec.lowered(v)
    return out


def param_dict(obj: Any) -> dict[str, Any]:
    """The declared parameters as they are written to checkpoints (``{name: value}``)."""
    return {f.name: getattr(obj, f.name) for f, _ in param_specs(obj)}
