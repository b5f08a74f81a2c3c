"""Synaptic plasticity rules (``pn.plasticity``).

A rule is a parameter set; ``Network.connect(..., plasticity=rule)`` or ``plasticity=[rule_a, rule_b]``
attaches it to a projection, where it runs in place in the compiled step loop. Rules compose: each sees the
weights the previous ones left. Timing convention (as Brian2's): delays are axonal, a presynaptic spike counts
for plasticity when it arrives at the synapse (emission + delay), a postsynaptic spike counts at once, and
within a step arrivals are processed before the step's postsynaptic spikes.
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, InitVar, dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ._clock import interval_steps
from ._params import check_params, lower_params, param
from ._validation import check_choice, check_number
from .schedule import Schedule, as_schedule
from .schedule import from_dict as schedule_from_dict

if TYPE_CHECKING:
    from .network import Network

__all__ = [
    "PlasticityRule",
    "NeuronRule",
    "STDP",
    "TripletSTDP",
    "BCM",
    "InhibitorySTDP",
    "SynapticScaling",
    "IntrinsicPlasticity",
    "RewardSTDP",
    "OjaHebbian",
    "Metaplasticity",
    "Trace",
    "Custom",
    "RULES",
    "NEURON_RULES",
]


@dataclass
class PlasticityRule:
    """Base of the synaptic rule descriptions.

    Every rule takes a keyword-only ``schedule``: a :mod:`pyneuro.schedule` factor over simulated time that
    multiplies all its changes (``None``: always 1; 0 switches the rule off), changeable between runs with
    :meth:`pyneuro.Projection.set_schedule`.
    """

    schedule: Schedule | float | None = field(default=None, kw_only=True)

    kind: ClassVar[str] = ""

    def __post_init__(self) -> None:
        self.schedule = as_schedule(f"{self.kind}.schedule", self.schedule)
        check_params(self, self.kind)

    def lower(self) -> dict[str, float]:
        """The declared parameters (:func:`pyneuro._params.param`) as the core receives them."""
        return lower_params(self)

    def core_kind(self) -> str:
        """The name under which the core's catalogue builds this rule."""
        return self.kind

    def lower_in(self, net: Network) -> dict[str, float]:
        """Parameters for the core, with what depends on the network (time step, population ids)."""
        return {**self.lower(), "dt": net.dt}

    def _steps(self, net: Network) -> float:
        """The rule's ``interval`` (ms) in whole steps, >= 1 (periodic rules)."""
        return float(interval_steps(f"{self.kind}.interval", self.interval, net.dt))  # type: ignore[attr-defined]

    def schedules(self) -> dict[int, Schedule]:
        """Schedule slots of the compiled rule: 0 is the learning-rate factor."""
        return {} if self.schedule is None else {0: self.schedule}  # type: ignore[dict-item]

    def lowered(self, net: Network) -> tuple[str, dict[str, float], list[tuple[int, np.ndarray, float]]]:
        """Everything the core needs to build the rule in ``net``, checked: its kind, its parameters and its
        schedules as ``(slot, segments, rest)``."""
        scheds = [(slot, *sched.segments(net.dt)) for slot, sched in self.schedules().items()]
        return self.core_kind(), self.lower_in(net), scheds

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = v.to_dict() if isinstance(v, (Schedule, Metaplasticity)) else v
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlasticityRule:
        d = dict(d)
        rule_cls = {**RULES, **NEURON_RULES}.get(d.pop("kind", ""))
        if rule_cls is None:
            raise ValueError(f"unknown plasticity rule in {d!r}")
        if rule_cls is Custom:
            return Custom.from_definition(d)
        for k, v in list(d.items()):
            if isinstance(v, dict) and v.get("kind") == Metaplasticity.kind:
                d[k] = Metaplasticity(**{a: b for a, b in v.items() if a != "kind"})
            elif isinstance(v, dict) and "kind" in v:
                d[k] = schedule_from_dict(v)
        return rule_cls(**d)

    def check_target(self, pre: Any, post: Any) -> None:
        """Raise ValueError when the rule cannot act on a projection from ``pre`` to ``post`` (checked before the
        projection is made)."""


@dataclass
class Metaplasticity:
    """Plasticity of plasticity: a neuron's recent activity scales a rule's future LTP and LTD.

    Given to :class:`STDP` or :class:`TripletSTDP` (and so :class:`BCM`) as ``metaplasticity=...``. With ``nu`` the
    recent rate of the postsynaptic (``side="post"``) or presynaptic (``side="pre"``) neuron, an exponential
    average of its spike train over ``tau_rate`` (including the spike that triggers the update)::

        LTP amplitude x (nu / reference_rate) ** ltp_power,   LTD amplitude x (nu / reference_rate) ** ltd_power

    ``ltd_power = 2`` on the postsynaptic side is the BCM sliding threshold (Bienenstock, Cooper & Munro 1982;
    :class:`BCM` builds it into the triplet rule); ``ltp_power < 0`` makes potentiation harder after high activity
    and ``ltp_power > 0`` easier (priming; Abraham & Bear 1996, "Metaplasticity").

    Parameters
    ----------
    tau_rate : float
        Time constant of the activity estimate (ms), > 0.
    reference_rate : float
        Rate (Hz) at which both factors are 1, > 0.
    ltp_power, ltd_power : float
        Exponents (0: that side unchanged).
    side : {"post", "pre"}
        Whose activity counts.
    """

    tau_rate: float = param(1000.0, unit="ms", lo=0.0, lo_open=True)
    reference_rate: float = param(5.0, unit="Hz", lo=0.0, lo_open=True)
    ltp_power: float = param(0.0, lo=-8.0, hi=8.0)
    ltd_power: float = param(2.0, lo=-8.0, hi=8.0)
    side: str = param("post", choices=("post", "pre"))

    kind: ClassVar[str] = "Metaplasticity"

    def __post_init__(self) -> None:
        check_params(self, "Metaplasticity")

    def lower(self) -> dict[str, float]:
        return {
            "meta_tau": float(self.tau_rate),
            "meta_rate": float(self.reference_rate),
            "meta_ltp": float(self.ltp_power),
            "meta_ltd": float(self.ltd_power),
            "meta_side": 1.0 if self.side == "pre" else 0.0,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **{f.name: getattr(self, f.name) for f in fields(self)}}


def _check_meta(kind: str, meta: Any) -> None:
    if meta is not None and not isinstance(meta, Metaplasticity):
        raise TypeError(f"{kind}.metaplasticity must be a pyneuro.plasticity.Metaplasticity or None, got {meta!r}")


def _check_bounds(kind: str, w_min: float, w_max: float) -> None:
    check_number(f"{kind}.w_min", w_min, 0.0)
    check_number(f"{kind}.w_max", w_max, 0.0)
    if w_max <= w_min:
        raise ValueError(f"{kind}.w_max must be > w_min={w_min}, got {w_max}")


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
    weight_dependence : {"additive", "multiplicative", "power_law", "morrison"}
        With ``u = (w - w_min)/(w_max - w_min)``: additive ``f_plus = f_minus = 1``; multiplicative (van Rossum,
        Bi & Turrigiano 2000) ``f_plus = 1, f_minus = u``; power_law (Gütig et al. 2003) ``f_plus = (1-u)**mu,
        f_minus = u**mu``; morrison (Morrison, Aertsen & Diesmann 2007, NEST's ``stdp_pl_synapse_hom``)
        ``f_plus = w0**(1-mu) * w**mu, f_minus = w``: power-law potentiation and multiplicative depression of the
        weight itself, with no upper bound needed (``w_max`` may be ``inf``); Morrison's ``lambda`` and ``alpha``
        are ``a_pre = lambda`` and ``a_post = -lambda * alpha``.
    mu : float
        Exponent of the power-law dependence, >= 0 (0 is additive, 1 is fully multiplicative; Morrison et al.
        2007: 0.4).
    w0 : float
        Reference weight of the morrison dependence (weight units, > 0; Morrison et al.: 1 pA).
    metaplasticity : Metaplasticity, optional
        Scales LTP and LTD by powers of a neuron's recent activity (keyword only).
    """

    tau_pre: float = param(20.0, unit="ms", lo=0.0, lo_open=True)
    tau_post: float = param(20.0, unit="ms", lo=0.0, lo_open=True)
    a_pre: float = param(0.01, unit="weight")
    a_post: float = param(-0.0105, unit="weight")
    w_min: float = param(0.0, unit="weight", lo=0.0)
    w_max: float = param(1.0, unit="weight", lo=0.0, allow_inf=True)
    interaction: str = param("all_to_all", choices=("all_to_all", "nearest"))
    weight_dependence: str = param("additive", choices=("additive", "multiplicative", "power_law", "morrison"))
    mu: float = param(1.0, lo=0.0)
    w0: float = param(1.0, unit="weight", lo=0.0, lo_open=True)
    metaplasticity: Metaplasticity | None = field(default=None, kw_only=True)

    kind: ClassVar[str] = "STDP"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.w_max <= self.w_min:
            raise ValueError(f"STDP.w_max must be > w_min={self.w_min}, got {self.w_max}")
        if math.isinf(self.w_max) and self.weight_dependence not in ("additive", "morrison"):
            raise ValueError(
                f"STDP.w_max must be finite for weight_dependence={self.weight_dependence!r} (it normalises w), got inf"
            )
        _check_meta("STDP", self.metaplasticity)

    def lower(self) -> dict[str, float]:
        return {**super().lower(), **(self.metaplasticity.lower() if self.metaplasticity is not None else {})}


# Pfister & Gerstner 2006, Table 4 (fits to the visual-cortex data of Sjöström et al. 2001 and the hippocampal
# culture data of Wang et al. 2005); tau_plus = 16.8 ms and tau_minus = 33.7 ms throughout (Bi & Poo 1998).
_TRIPLET_PRESETS: dict[str, dict[str, Any]] = {
    "visual_cortex_minimal": dict(
        tau_x=101.0, tau_y=125.0, a2_plus=0.0, a3_plus=6.5e-3, a2_minus=7.1e-3, a3_minus=0.0, interaction="all_to_all"
    ),
    "visual_cortex_full": dict(
        tau_x=101.0,
        tau_y=125.0,
        a2_plus=5e-10,
        a3_plus=6.2e-3,
        a2_minus=7e-3,
        a3_minus=2.3e-4,
        interaction="all_to_all",
    ),
    "visual_cortex_nearest_full": dict(
        tau_x=714.0,
        tau_y=40.0,
        a2_plus=8.8e-11,
        a3_plus=5.3e-2,
        a2_minus=6.6e-3,
        a3_minus=3.1e-3,
        interaction="nearest",
    ),
    "hippocampal_full": dict(
        tau_x=946.0,
        tau_y=27.0,
        a2_plus=6.1e-3,
        a3_plus=6.7e-3,
        a2_minus=1.6e-3,
        a3_minus=1.4e-3,
        interaction="all_to_all",
    ),
}


@dataclass
class TripletSTDP(PlasticityRule):
    """Triplet spike-timing-dependent plasticity (Pfister & Gerstner 2006, J. Neurosci. 26:9673).

    Presynaptic traces ``r1`` (``tau_plus``), ``r2`` (``tau_x``), postsynaptic ``o1`` (``tau_minus``), ``o2``
    (``tau_y``); each jumps by 1 at a spike (``"all_to_all"``) or is reset to 1 (``"nearest"``)::

        presynaptic arrival at t:  w <- clip(w - o1(t) (a2_minus + a3_minus r2(t - d - eps)))
        postsynaptic spike at t:   w <- clip(w + r1(t - d) (a2_plus + a3_plus o2(t - eps)))

    (``t - eps``: the trace just before the spike that triggers the update; ``d``: the synapse's delay.) The
    *minimal* model has ``a2_plus = a3_minus = 0``: LTP needs a post-pre-post triplet, so the rule depends on
    the postsynaptic rate like BCM (Pfister & Gerstner 2006, Fig. 5). Amplitudes are in weight units (with
    ``w_max = 1`` they are fractions of the maximum weight, as in the paper).

    Presets (Table 4 of the paper): :meth:`visual_cortex_minimal`, :meth:`visual_cortex_full`,
    :meth:`visual_cortex_nearest_full` (Sjöström et al. 2001 data) and :meth:`hippocampal_full` (Wang et al.
    2005 data).

    Parameters
    ----------
    tau_plus, tau_minus, tau_x, tau_y : float
        Trace time constants (ms), > 0.
    a2_plus, a3_plus, a2_minus, a3_minus : float
        Pair and triplet amplitudes, >= 0 (depression amplitudes are subtracted).
    w_min, w_max : float
        Weight bounds.
    interaction : {"all_to_all", "nearest"}
    metaplasticity : Metaplasticity, optional
        Scales the whole LTP and LTD terms by powers of a neuron's recent activity (keyword only).
    """

    tau_plus: float = param(16.8, unit="ms", lo=0.0, lo_open=True)
    tau_minus: float = param(33.7, unit="ms", lo=0.0, lo_open=True)
    tau_x: float = param(101.0, unit="ms", lo=0.0, lo_open=True)
    tau_y: float = param(125.0, unit="ms", lo=0.0, lo_open=True)
    a2_plus: float = param(5e-10, unit="weight", lo=0.0)
    a3_plus: float = param(6.2e-3, unit="weight", lo=0.0)
    a2_minus: float = param(7e-3, unit="weight", lo=0.0)
    a3_minus: float = param(2.3e-4, unit="weight", lo=0.0)
    w_min: float = param(0.0, unit="weight", lo=0.0)
    w_max: float = param(1.0, unit="weight", lo=0.0)
    interaction: str = param("all_to_all", choices=("all_to_all", "nearest"))
    metaplasticity: Metaplasticity | None = field(default=None, kw_only=True)

    kind: ClassVar[str] = "TripletSTDP"

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_bounds(self.kind, self.w_min, self.w_max)
        _check_meta(self.kind, self.metaplasticity)

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> TripletSTDP:
        """A parameter set of Table 4 of Pfister & Gerstner 2006, by name (see the class docstring)."""
        check_choice("preset", name, tuple(_TRIPLET_PRESETS))
        return cls(**{**_TRIPLET_PRESETS[name], **overrides})

    @classmethod
    def visual_cortex_minimal(cls, **overrides: Any) -> TripletSTDP:
        """Minimal all-to-all model fitted to visual cortex (Sjöström et al. 2001): a3_plus 6.5e-3, a2_minus
        7.1e-3, tau_y 125 ms, a2_plus = a3_minus = 0."""
        return cls.preset("visual_cortex_minimal", **overrides)

    @classmethod
    def visual_cortex_full(cls, **overrides: Any) -> TripletSTDP:
        """Full all-to-all model fitted to visual cortex (Sjöström et al. 2001)."""
        return cls.preset("visual_cortex_full", **overrides)

    @classmethod
    def visual_cortex_nearest_full(cls, **overrides: Any) -> TripletSTDP:
        """Full nearest-spike model fitted to visual cortex (Sjöström et al. 2001)."""
        return cls.preset("visual_cortex_nearest_full", **overrides)

    @classmethod
    def hippocampal_full(cls, **overrides: Any) -> TripletSTDP:
        """Full all-to-all model fitted to hippocampal culture data (Wang et al. 2005)."""
        return cls.preset("hippocampal_full", **overrides)

    def lower(self) -> dict[str, float]:
        return {**super().lower(), **(self.metaplasticity.lower() if self.metaplasticity is not None else {})}


@dataclass
class BCM(TripletSTDP):
    """Metaplasticity: the minimal triplet rule with a BCM-like sliding threshold (Pfister & Gerstner 2006;
    Zenke, Hennequin & Gerstner 2013, PLoS Comput. Biol. 9:e1003330; the rule of Auryn's TripletConnection).

    As :class:`TripletSTDP`, but the pair-depression amplitude follows a slow estimate ``nu`` of the
    postsynaptic rate (an exponential average of its spike train over ``tau_rate``)::

        a2_minus(t) = a2_minus * (nu(t) / target_rate) ** power

    For Poisson firing at rate rho (no correlations) the drift is
    ``rho_pre rho (a3_plus tau_plus tau_y rho - a2_minus tau_minus (nu / target_rate)**2)``, so LTP needs
    ``rho > theta_M = a2_minus tau_minus nu**2 / (a3_plus tau_plus tau_y target_rate**2)``: the threshold slides
    with the square of the recent rate (raising prior activity raises it; BCM, Bienenstock, Cooper & Munro 1982).
    With ``a2_minus=None`` it is set to ``a3_plus tau_plus tau_y (target_rate / 1000) / tau_minus`` (times in ms,
    the rate in Hz) so that
    ``theta_M = nu**2 / target_rate`` and the fixed point of the rate is ``target_rate`` (Zenke et al. 2013).

    Parameters (beyond TripletSTDP's)
    ---------------------------------
    target_rate : float
        kappa (Hz), > 0.
    tau_rate : float
        Time constant of the rate estimate (ms), > 0 (seconds in Zenke et al.; 10 s in their benchmark).
    power : float
        Exponent of the rate dependence (2 in the papers), >= 0.
    initial_rate : float
        Value of ``nu`` (Hz, >= 0) when the network first runs with the rule, for neurons without an earlier
        estimate; 0 (default): the estimate starts empty. Zenke et al. 2013 start it at ``target_rate``. (The
        estimate is a trace of the postsynaptic population shared by rules with the same ``tau_rate``.)
    """

    tau_x: float = param(101.0, unit="ms", lo=0.0, lo_open=True)
    tau_y: float = param(125.0, unit="ms", lo=0.0, lo_open=True)
    a2_plus: float = param(0.0, unit="weight", lo=0.0)
    a3_plus: float = param(6.5e-3, unit="weight", lo=0.0)
    a2_minus: float | None = param(None, unit="weight", lo=0.0)  # type: ignore[assignment]
    a3_minus: float = param(0.0, unit="weight", lo=0.0)
    target_rate: float = param(3.0, unit="Hz", lo=0.0, lo_open=True)
    tau_rate: float = param(10_000.0, unit="ms", lo=0.0, lo_open=True)
    power: float = param(2.0, lo=0.0)
    initial_rate: float = param(0.0, unit="Hz", lo=0.0, hi=1e6)

    kind: ClassVar[str] = "BCM"

    def __post_init__(self) -> None:
        check_number("BCM.target_rate", self.target_rate, 0.0, lo_open=True)
        check_number("BCM.tau_rate", self.tau_rate, 0.0, lo_open=True)
        check_number("BCM.power", self.power, 0.0)
        check_number("BCM.initial_rate", self.initial_rate, 0.0, 1e6)
        if self.a2_minus is None:
            for name in ("tau_plus", "tau_minus", "tau_y"):  # what the default a2_minus is computed from
                check_number(f"BCM.{name}", getattr(self, name), 0.0, lo_open=True)
            check_number("BCM.a3_plus", self.a3_plus, 0.0)
            a2 = self.a3_plus * self.tau_plus * self.tau_y * self.target_rate * 1e-3 / self.tau_minus
            if not math.isfinite(a2):
                raise ValueError(
                    f"BCM.a2_minus, by default a3_plus tau_plus tau_y target_rate / tau_minus, is {a2} for these "
                    "parameters; give a2_minus or smaller ones"
                )
            self.a2_minus = a2
        super().__post_init__()

    def threshold(self, nu: float) -> float:
        """theta_M (Hz) for a slow rate estimate ``nu`` (Hz): the postsynaptic rate above which LTP wins."""
        assert self.a2_minus is not None
        return (
            self.a2_minus
            * self.tau_minus
            * nu**self.power
            / (self.a3_plus * self.tau_plus * self.tau_y * 1e-3 * self.target_rate**self.power)
        )


@dataclass
class InhibitorySTDP(PlasticityRule):
    """Inhibitory STDP of Vogels, Sprekeler, Zenke, Clopath & Gerstner 2011 (Science 334:1569).

    Symmetric window; unit traces ``x_pre``, ``x_post`` (all-to-all, time constant ``tau``)::

        presynaptic arrival at t:  w <- clip(w + eta (x_post(t) - alpha)),    alpha = 2 target_rate tau
        postsynaptic spike at t:   w <- clip(w + eta x_pre(t - d))

    Near-coincident spikes strengthen the inhibitory synapse, a presynaptic spike alone weakens it by
    ``eta alpha``; the postsynaptic rate is driven to ``target_rate`` (the paper's rho_0: the
    excitatory-inhibitory balance of the paper). Use on projections with ``receptor="inh"``.

    Parameters
    ----------
    tau : float
        Trace time constant (ms), > 0 (20 ms in the paper).
    eta : float
        Learning rate (weight units per unit trace), > 0.
    target_rate : float
        Target postsynaptic rate (Hz), >= 0 (3 or 5 Hz in the paper). ``rho0``, the paper's symbol, is an alias
        (keyword and attribute).
    w_min, w_max : float
        Weight bounds.
    """

    tau: float = param(20.0, unit="ms", lo=0.0, lo_open=True)
    eta: float = param(1e-3, unit="weight", lo=0.0, lo_open=True)
    target_rate: float = param(5.0, unit="Hz", lo=0.0)
    w_min: float = param(0.0, unit="weight", lo=0.0)
    w_max: float = param(1e3, unit="weight", lo=0.0)
    _: KW_ONLY
    rho0: InitVar[float | None] = None

    kind: ClassVar[str] = "InhibitorySTDP"

    def __post_init__(self, rho0: float | None) -> None:  # type: ignore[override]
        if rho0 is not None:
            self.target_rate = rho0
        super().__post_init__()
        _check_bounds("InhibitorySTDP", self.w_min, self.w_max)

    @property
    def alpha(self) -> float:
        """Depression offset 2 target_rate tau (target_rate in spikes per ms)."""
        return 2.0 * self.target_rate * 1e-3 * self.tau


def _rho0(self: InhibitorySTDP) -> float:
    return self.target_rate


def _set_rho0(self: InhibitorySTDP, value: float) -> None:
    self.target_rate = value


# the paper's symbol as an attribute alias (set after the dataclass has taken rho0 as an init-only keyword)
InhibitorySTDP.rho0 = property(_rho0, _set_rho0, doc="Alias of ``target_rate`` (the paper's rho_0).")  # type: ignore[attr-defined]


@dataclass
class SynapticScaling(PlasticityRule):
    """Homeostatic synaptic scaling (Turrigiano et al. 1998; van Rossum, Bi & Turrigiano 2000, J. Neurosci.
    20:8812).

    Each postsynaptic neuron estimates its rate ``nu`` (exponential average of its spikes over ``tau_rate``) and
    scales all its incoming weights of the projection multiplicatively::

        dw/dt = w (target_rate - nu) / (target_rate tau_scaling)

    applied every ``interval`` ms as ``w <- min(w_max, w exp(interval (target_rate - nu) / (target_rate
    tau_scaling)))``. Relative weights (what Hebbian rules learned) are preserved; a neuron silenced or
    overdriven returns to ``target_rate`` on the time scale ``tau_scaling`` (hours in biology; shorter in models).

    Parameters
    ----------
    target_rate : float
        Hz, > 0.
    tau_scaling : float
        Time constant of the scaling (ms), > 0.
    tau_rate : float
        Time constant of the rate sensor (ms), > 0.
    interval : float
        How often weights are scaled (ms), >= dt.
    w_min, w_max : float
        Weight bounds.
    """

    target_rate: float = param(5.0, unit="Hz", lo=0.0, lo_open=True)
    tau_scaling: float = param(10_000.0, unit="ms", lo=0.0, lo_open=True)
    tau_rate: float = param(1000.0, unit="ms", lo=0.0, lo_open=True)
    interval: float = param(10.0, unit="ms", lo=0.0, lo_open=True, lower=False)  # lowered in steps
    w_min: float = param(0.0, unit="weight", lo=0.0)
    w_max: float = param(1e3, unit="weight", lo=0.0)

    kind: ClassVar[str] = "SynapticScaling"

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_bounds("SynapticScaling", self.w_min, self.w_max)

    def lower_in(self, net: Network) -> dict[str, float]:
        return {
            **super().lower_in(net),
            "interval_steps": self._steps(net),
        }


@dataclass
class OjaHebbian(PlasticityRule):
    """Rate-based Hebbian learning with Oja's normalisation (Oja 1982, J. Math. Biol. 15:267) on slow spike-rate
    traces: the correlation-based update that precedes machine-learning rules.

    With ``x`` and ``y`` the pre- and postsynaptic rate estimates (Hz; exponential averages of the spike trains
    over ``tau_rate``), every ``interval`` ms (Delta in seconds)::

        w <- clip(w + eta Delta (x y - alpha y**2 w))

    For steady rates the weight relaxes to ``w* = x / (alpha y)``; for a linear neuron the weight vector
    converges to the principal component of the inputs with ``|w|**2 = 1 / alpha``.

    Parameters
    ----------
    eta : float
        Learning rate (weight units per Hz**2 per second), > 0.
    alpha : float
        Normalisation strength (per weight unit), >= 0 (0 is plain Hebbian growth).
    tau_rate : float
        Rate-trace time constant (ms), > 0.
    interval : float
        Update interval (ms), >= dt.
    w_min, w_max : float
        Weight bounds.
    """

    eta: float = param(1e-4, lo=0.0, lo_open=True)
    alpha: float = param(1.0, lo=0.0)
    tau_rate: float = param(1000.0, unit="ms", lo=0.0, lo_open=True)
    interval: float = param(10.0, unit="ms", lo=0.0, lo_open=True, lower=False)  # lowered in steps
    w_min: float = param(0.0, unit="weight", lo=0.0)
    w_max: float = param(1e3, unit="weight", lo=0.0)

    kind: ClassVar[str] = "OjaHebbian"

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_bounds("OjaHebbian", self.w_min, self.w_max)

    def lower_in(self, net: Network) -> dict[str, float]:
        return {
            **super().lower_in(net),
            "interval_steps": self._steps(net),
        }


@dataclass
class RewardSTDP(PlasticityRule):
    """Reward-modulated (three-factor) STDP after Izhikevich 2007 (Cereb. Cortex 17:2443).

    Pair-STDP events charge a per-synapse eligibility trace ``c`` instead of the weight::

        presynaptic arrival at t:  c += a_post x_post(t)        postsynaptic spike at t:  c += a_pre x_pre(t - d)

    and a global neuromodulator (dopamine) level ``D(t) = tonic(t) + p(t)`` gates the weight change::

        dw/dt = c D,    dc/dt = -c / tau_c,    dp/dt = -p / tau_d + rewards + modulator_gain * (modulator spikes)

    Rewards are given from Python (:meth:`pyneuro.Projection.reward`, at the current time or later), the tonic
    level may follow a schedule (``tonic=pn.schedule....``), and a population's activity may drive it
    (``modulator="name"``: each spike of that population adds ``modulator_gain`` one step later). The weight
    and eligibility are updated every ``interval`` ms (Izhikevich's 1 ms Euler scheme):
    ``w <- clip(w + c sum(D dt))``, ``c <- c exp(-interval / tau_c)``. A reward that arrives within ``tau_c`` of
    a causal pre-post pairing strengthens that synapse (the distal-reward problem).

    Parameters
    ----------
    tau_pre, tau_post : float
        STDP trace time constants (ms), > 0.
    a_pre, a_post : float
        Eligibility increments at post spikes (usually > 0) and at pre arrivals (usually < 0).
    tau_c, tau_d : float
        Eligibility and phasic dopamine time constants (ms), > 0 (1000 and 200 ms in the paper).
    tonic : float or Schedule
        Tonic dopamine level D_0 (0.01 in the paper).
    interval : float
        Weight-update interval (ms), >= dt (1 ms in the paper).
    modulator : str, optional
        Name of a population of this network whose spikes release dopamine.
    modulator_gain : float
        Phasic increment per modulator spike.
    w_min, w_max : float
        Weight bounds.
    """

    tau_pre: float = param(20.0, unit="ms", lo=0.0, lo_open=True)
    tau_post: float = param(20.0, unit="ms", lo=0.0, lo_open=True)
    a_pre: float = param(1.0)
    a_post: float = param(-1.5)
    tau_c: float = param(1000.0, unit="ms", lo=0.0, lo_open=True)
    tau_d: float = param(200.0, unit="ms", lo=0.0, lo_open=True)
    tonic: Schedule | float = 0.01
    interval: float = param(1.0, unit="ms", lo=0.0, lo_open=True, lower=False)  # lowered in steps
    modulator: str | None = None
    modulator_gain: float = param(0.0)
    w_min: float = param(0.0, unit="weight", lo=0.0)
    w_max: float = param(4.0, unit="weight", lo=0.0)

    kind: ClassVar[str] = "RewardSTDP"

    def __post_init__(self) -> None:
        super().__post_init__()
        k = self.kind
        if not isinstance(self.tonic, Schedule):
            self.tonic = check_number(f"{k}.tonic", self.tonic)
        if self.modulator is not None and not isinstance(self.modulator, str):
            raise TypeError(
                f"{k}.modulator must be a population name (str) or None, got {type(self.modulator).__name__}"
            )
        _check_bounds(k, self.w_min, self.w_max)

    def lower(self) -> dict[str, float]:
        return {**super().lower(), "tonic": 0.0 if isinstance(self.tonic, Schedule) else float(self.tonic)}

    def lower_in(self, net: Network) -> dict[str, float]:
        out = {
            **super().lower_in(net),
            "interval_steps": self._steps(net),
        }
        if self.modulator is not None:
            names = [p.name for p in net.populations]
            if self.modulator not in names:
                raise ValueError(
                    f"RewardSTDP.modulator must name a population of the network {names}, got {self.modulator!r}"
                )
            out["modulator"] = float(names.index(self.modulator))
        return out

    def schedules(self) -> dict[int, Schedule]:
        out = super().schedules()
        if isinstance(self.tonic, Schedule):
            out[1] = self.tonic
        return out


@dataclass(frozen=True)
class Trace:
    """A per-neuron spike trace for :class:`Custom` rules (event-driven: stored at spikes, read lazily).

    At each spike of its neuron the trace jumps by 1 (``mode="all_to_all"``) or is set to 1 (``"nearest"``);
    between spikes it decays as ``exp(-dt / tau)``. Traces belong to the population and are shared with every rule
    (built-in or custom) that asks for the same (side, tau, mode).

    Parameters
    ----------
    side : {"pre", "post"}
        Whose spikes it follows. A presynaptic trace is read at the synapse's arrival time ``t - delay``.
    tau : float or str
        Time constant (ms, > 0), or the name of one of the rule's parameters.
    mode : {"all_to_all", "nearest"}
    """

    side: str = "pre"
    tau: float | str = 20.0
    mode: str = "all_to_all"

    def __post_init__(self) -> None:
        check_choice("Trace.side", self.side, ("pre", "post"))
        check_choice("Trace.mode", self.mode, ("all_to_all", "nearest"))
        if isinstance(self.tau, str):
            from ._expr import check_identifier

            check_identifier("Trace.tau (a parameter name)", self.tau)
        else:
            check_number("Trace.tau", self.tau, 0.0, lo_open=True)

    def to_dict(self) -> dict[str, Any]:
        return {"side": self.side, "tau": self.tau, "mode": self.mode}


@dataclass
class Custom(PlasticityRule):
    """A synaptic rule written as a few statements, compiled into the loops the built-in rules run.

    Example (pair STDP, additive, all-to-all)::

        stdp = pn.plasticity.Custom(
            params={"a_pre": 0.01, "a_post": -0.0105, "w_max": 1.0},
            traces={"x_pre": pn.plasticity.Trace("pre", 20.0), "x_post": pn.plasticity.Trace("post", 20.0)},
            on_pre="w = clip(w + a_post * x_post, 0, w_max)",
            on_post="w = clip(w + a_pre * x_pre, 0, w_max)",
        )

    The definition is parsed (Python syntax, a whitelist of constructs), turned into C++ for this rule only,
    compiled with the core's own flags into a shared library that is cached on disk (keyed by the definition, the
    pyneuro version, the compiler and the flags) and loaded into the engine: the first definition takes a few
    seconds, a cached one milliseconds. It then composes with other rules, schedules, checkpoints and every thread
    count like a built-in. See the README section "Writing your own rule" for the semantics, stated once.

    Parameters
    ----------
    params : dict of str to float
        Named numbers the code reads (finite; units are the user's: ms, mV, weight units, ...). They are not
        part of the compiled code: changing them does not recompile.
    traces : dict of str to Trace
        Per-neuron spike traces by name. In ``on_pre`` a trace has its value just before the arriving spike's own
        jump; in ``on_post`` just before the postsynaptic spike's own jump (Brian2's order: w, then the trace);
        presynaptic traces are read at the synapse's arrival time ``t - delay``.
    synapse : dict
        Per-synapse variables (float32 columns beside the weight): ``{"name": initial}`` or ``{"name": (initial,
        tau)}`` for one that decays exponentially with ``tau`` (ms, or a parameter name) between the events that
        touch its synapse (evaluated lazily, no per-step work). Synapses made later by structural rules start at
        ``initial``.
    neuron : dict
        Per-neuron variables of the postsynaptic population that the rule integrates every step:
        ``{"name": ("dx/dt expression", initial)}`` (the expression may read the postsynaptic state as
        ``<var>_post``, e.g. ``v_post``, the rule's parameters and neuron variables, ``t``), integrated by the
        exponential Euler method right after the neurons' update. ``("dx/dt expression", initial, delay)``: the
        bodies read the variable as it was ``delay`` ms earlier (ms >= 0, rounded to steps, or a parameter name;
        the value after the update of step t - delay/dt, the initial value before the run reaches that far; NEST's
        ``delay_u_bars`` of ``clopath_synapse``); its own equation reads its current value.
    on_pre, on_post, on_tick : str, optional
        Statements run at a presynaptic arrival, at a postsynaptic spike, and (``on_tick``) for every synapse every
        ``interval`` ms. Assignable: ``w`` and the synapse variables; readable: the parameters, traces, synapse and
        neuron variables, ``<var>_post`` (the postsynaptic neuron's state variables, as they are now),
        ``<var>_pre`` (the presynaptic neuron's, as they were at the start of the step), ``t`` (ms), ``dt`` (ms)
        and ``eta`` (the schedule factor). New names become local variables. A body may be one guard
        ``if condition:`` over its statements (the condition reads neither ``w`` nor synapse variables): a synapse
        whose condition is false is not touched.
    interval : float, optional
        Period of ``on_tick`` (ms, >= dt); required with ``on_tick``.
    schedule : Schedule or float, optional
        Scales each event's change of ``w``: ``w <- w0 + eta (w1 - w0)`` (keyword only).

    Attributes
    ----------
    compile_seconds : float
        Time spent generating and compiling the library (0 when it came from the cache).
    load_seconds : float
        Time from the definition to the rule being ready in the engine (validation, cache lookup, load).
    """

    params: dict[str, float] = field(default_factory=dict)
    traces: dict[str, Any] = field(default_factory=dict)
    synapse: dict[str, Any] = field(default_factory=dict)
    neuron: dict[str, Any] = field(default_factory=dict)
    on_pre: str | None = None
    on_post: str | None = None
    on_tick: str | None = None
    interval: float | None = None

    kind: ClassVar[str] = "Custom"

    def __post_init__(self) -> None:
        import time

        t0 = time.perf_counter()
        super().__post_init__()
        from ._custom import rule_definition

        if not isinstance(self.traces, dict):
            raise TypeError(f"Custom.traces must be a dict of names to Trace, got {type(self.traces).__name__}")
        self.traces = {k: (Trace(**v) if isinstance(v, dict) else v) for k, v in self.traces.items()}
        built = rule_definition(self)
        self._core_kind: str = built.kind
        self._post_vars: list[str] = built.post_vars
        self._pre_vars: list[str] = built.pre_vars
        self.compile_seconds: float = built.compile_seconds
        self.load_seconds: float = time.perf_counter() - t0

    @classmethod
    def from_definition(cls, d: dict[str, Any]) -> Custom:
        """Rebuild from :meth:`to_dict` (checkpoints): compiles, or loads the cached library."""
        d = dict(d)
        d.pop("kind", None)
        sched = d.pop("schedule", None)
        if isinstance(sched, dict):
            sched = schedule_from_dict(sched)
        d["synapse"] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.get("synapse", {}).items()}
        d["neuron"] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.get("neuron", {}).items()}
        return cls(**d, schedule=sched)

    def __reduce__(self) -> Any:
        # a fresh process (a Dask worker) rebuilds the rule, which loads its library from the cache
        return (Custom.from_definition, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "params": dict(self.params),
            "traces": {k: t.to_dict() for k, t in self.traces.items()},
            "synapse": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.synapse.items()},
            "neuron": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.neuron.items()},
            "on_pre": self.on_pre,
            "on_post": self.on_post,
            "on_tick": self.on_tick,
            "interval": self.interval,
            "schedule": self.schedule.to_dict() if isinstance(self.schedule, Schedule) else self.schedule,
        }

    def core_kind(self) -> str:
        return self._core_kind

    @property
    def post_vars(self) -> list[str]:
        """State variables of the postsynaptic population the code reads (as ``<var>_post``)."""
        return list(self._post_vars)

    def check_target(self, pre: Any, post: Any) -> None:
        net = getattr(pre, "_net", None)
        if self._pre_vars and net is not None and net.distributed:
            # a rank holds only its own neurons' state: presynaptic state of other ranks' neurons is not exchanged
            from . import _mpi

            _mpi.refuse(f"a Custom rule reading presynaptic state ({', '.join(v + '_pre' for v in self._pre_vars)})")
        for side, pop, names in (("post", post, self._post_vars), ("pre", pre, self._pre_vars)):
            missing = [v for v in names if v not in pop.state_vars]
            if missing:
                raise ValueError(
                    f"Custom rule reads {', '.join(m + '_' + side for m in missing)}, but the "
                    f"{side}synaptic population {pop.name!r} has the state variables {pop.state_vars}"
                )

    def lower(self) -> dict[str, float]:
        from ._custom import rule_lowered

        return rule_lowered(self)

    def lower_in(self, net: Network) -> dict[str, float]:
        out = {**self.lower(), "dt": net.dt}
        if self.on_tick is not None:
            out["interval_steps"] = float(interval_steps("Custom.interval", float(self.interval), net.dt))  # type: ignore[arg-type]
        return out


RULES: dict[str, type[PlasticityRule]] = {
    c.kind: c for c in (STDP, TripletSTDP, BCM, InhibitorySTDP, SynapticScaling, OjaHebbian, RewardSTDP, Custom)
}


@dataclass
class NeuronRule(PlasticityRule):
    """Base of the rules that belong to a population (``net.add_plasticity(pop, rule)``)."""


@dataclass
class IntrinsicPlasticity(NeuronRule):
    """Intrinsic plasticity: an adaptive threshold that moves each neuron's rate to a target (homeostatic
    integral control of excitability; cf. Desai, Rutherford & Turrigiano 1999 for the biology, Diehl & Cook 2015
    and Zenke, Agnes & Gerstner 2015 for the model form).

    Each neuron's threshold is ``V_th + theta``; ``theta`` (state variable, mV) follows::

        d theta / dt = eta (S(t) - target_rate)          (S the neuron's spike train)

    i.e. ``theta += eta`` at each spike and ``theta -= eta target_rate dt`` every step, within
    ``[theta_min, theta_max]``. In a stationary regime the mean rate equals ``target_rate`` exactly; after a change
    of input the rate returns to target with a time constant of about ``1 / (eta * g)``, where ``g`` (Hz per mV)
    is the slope of the neuron's rate against its threshold. Populations of ``LIF`` or ``LIFCond``.

    Parameters
    ----------
    target_rate : float
        Hz, >= 0.
    eta : float
        Threshold increment per spike (mV), > 0.
    theta_min, theta_max : float
        Bounds of the offset (mV).
    """

    target_rate: float = param(5.0, unit="Hz", lo=0.0)
    eta: float = param(0.05, unit="mV", lo=0.0, lo_open=True)
    theta_min: float = param(-20.0, unit="mV")
    theta_max: float = param(50.0, unit="mV")

    kind: ClassVar[str] = "IntrinsicPlasticity"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.theta_max <= self.theta_min:
            raise ValueError(
                f"IntrinsicPlasticity.theta_max must be > theta_min={self.theta_min}, got {self.theta_max}"
            )


NEURON_RULES: dict[str, type[NeuronRule]] = {IntrinsicPlasticity.kind: IntrinsicPlasticity}
