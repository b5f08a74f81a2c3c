"""Synaptic plasticity rules (``pn.plasticity``).

A rule is a parameter set; ``Network.connect(..., plasticity=rule)`` or ``plasticity=[rule_a, rule_b]``
attaches it to a projection, where it runs in place in the compiled step loop. Rules compose: each sees the
weights the previous ones left. Timing convention (as Brian2's): delays are axonal, a presynaptic spike counts
for plasticity when it arrives at the synapse (emission + delay), a postsynaptic spike counts at once, and
within a step arrivals are processed before the step's postsynaptic spikes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from ._validation import check_choice, check_number

__all__ = ["PlasticityRule", "STDP"]


class PlasticityRule:
    """Base of the rule descriptions."""

    kind: ClassVar[str] = ""

    def lower(self) -> dict[str, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **asdict(self)}  # type: ignore[call-overload]

    def check_weights(self, w_lo: float, w_hi: float) -> None:
        """Called with the range of initial weights of the projection."""


@dataclass
class STDP(PlasticityRule):
    """Pair-based spike-timing-dependent plasticity (Bi & Poo 1998; Song, Miller & Abbott 2000).

    With unit traces ``x_pre`` (time constant ``tau_pre``) and ``x_post`` (``tau_post``) of the populations::

        presynaptic arrival at t:   w <- clip(w + a_post * x_post(t) * f_minus(w))
        postsynaptic spike at t:    w <- clip(w + a_pre  * x_pre(t - delay) * f_plus(w))

    so a pre spike arriving ``dt_ms`` before a post spike changes w by ``a_pre exp(-dt_ms / tau_pre)`` and a post
    spike ``dt_ms`` before an arrival by ``a_post exp(-dt_ms / tau_post)`` (additive case). Weights are clipped
    to ``[w_min, w_max]`` after every update; an arrival transmits the weight it finds, before its own update.
    Traces are event-driven and read as 0 more than 30 time constants after the last spike (a factor < 1e-13).

    Parameters
    ----------
    tau_pre, tau_post : float
        Trace time constants (ms), > 0.
    a_pre : float
        Potentiation amplitude (weight units), applied at postsynaptic spikes; usually > 0.
    a_post : float
        Depression amplitude (weight units), applied at presynaptic arrivals; usually < 0
        (Song et al.: ``a_post = -1.05 a_pre``).
    w_min, w_max : float
        Weight bounds, ``0 <= w_min < w_max``.
    interaction : {"all_to_all", "nearest"}
        ``"all_to_all"``: every earlier spike contributes (traces add 1 per spike); ``"nearest"``: only the most
        recent spike of each side (traces reset to 1; Morrison et al. 2008's symmetric nearest-spike scheme).
    weight_dependence : {"additive", "multiplicative", "power_law"}
        With ``u = (w - w_min)/(w_max - w_min)``: additive ``f_plus = f_minus = 1``; multiplicative (van Rossum,
        Bi & Turrigiano 2000) ``f_plus = 1, f_minus = u``; power_law (Gütig et al. 2003) ``f_plus = (1-u)**mu,
        f_minus = u**mu``.
    mu : float
        Exponent of the power-law dependence, >= 0 (0 is additive, 1 is fully multiplicative).
    """

    tau_pre: float = 20.0
    tau_post: float = 20.0
    a_pre: float = 0.01
    a_post: float = -0.0105
    w_min: float = 0.0
    w_max: float = 1.0
    interaction: str = "all_to_all"
    weight_dependence: str = "additive"
    mu: float = 1.0

    kind: ClassVar[str] = "STDP"
    _interactions: ClassVar[tuple[str, ...]] = ("all_to_all", "nearest")
    _dependences: ClassVar[tuple[str, ...]] = ("additive", "multiplicative", "power_law")

    def __post_init__(self) -> None:
        check_number("STDP.tau_pre", self.tau_pre, 0.0, lo_open=True)
        check_number("STDP.tau_post", self.tau_post, 0.0, lo_open=True)
        check_number("STDP.a_pre", self.a_pre)
        check_number("STDP.a_post", self.a_post)
        check_number("STDP.w_min", self.w_min, 0.0)
        check_number("STDP.w_max", self.w_max, 0.0)
        if self.w_max <= self.w_min:
            raise ValueError(f"STDP.w_max must be > w_min={self.w_min}, got {self.w_max}")
        check_choice("STDP.interaction", self.interaction, self._interactions)
        check_choice("STDP.weight_dependence", self.weight_dependence, self._dependences)
        check_number("STDP.mu", self.mu, 0.0)

    def lower(self) -> dict[str, float]:
        return {
            "tau_pre": float(self.tau_pre),
            "tau_post": float(self.tau_post),
            "a_pre": float(self.a_pre),
            "a_post": float(self.a_post),
            "w_min": float(self.w_min),
            "w_max": float(self.w_max),
            "interaction": float(self._interactions.index(self.interaction)),
            "weight_dependence": float(self._dependences.index(self.weight_dependence)),
            "mu": float(self.mu),
        }


RULES: dict[str, type[PlasticityRule]] = {STDP.kind: STDP}
