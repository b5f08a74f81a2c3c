"""Neuron models: validated parameter sets with documented units.

Units throughout: time ms, voltage mV, conductance nS, current pA, capacitance pF, rate Hz. Parameter and state
names follow NEST, so a model can be compared one to one with its NEST counterpart. Receptors are ``"exc"`` and
``"inh"``; weights are non-negative magnitudes (an inhibitory spike into a current-based model subtracts).

Each class is a plain description; ``Network.add_population`` lowers it once into the compiled core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ._params import check_params, lower_params, param
from ._validation import check_float_array, check_index_array, check_number

#: parameters are lowered to float32 arithmetic in the core: keep them far inside its range
_BIG = 1e30

__all__ = [
    "NeuronModel",
    "Custom",
    "LIF",
    "LIFCond",
    "LIFCondAmpaNmda",
    "LIFDelta",
    "LIFAlpha",
    "LIFCondAlpha",
    "Izhikevich",
    "AdEx",
    "PoissonSource",
    "GammaSource",
    "SpikeGenerator",
]


def _positive(default: float, unit: str) -> Any:
    """A parameter > 0 (time constants, capacitances, conductances)."""
    return param(default, unit=unit, lo=0.0, hi=_BIG, lo_open=True)


def _nonnegative(default: float, unit: str) -> Any:
    """A parameter >= 0 (refractory periods)."""
    return param(default, unit=unit, lo=0.0, hi=_BIG)


def _real(default: float, unit: str) -> Any:
    """Any finite parameter (potentials, currents)."""
    return param(default, unit=unit, lo=-_BIG, hi=_BIG)


class NeuronModel:
    """Base of the neuron model descriptions. Parameters are fields declared with :func:`pyneuro._params.param`
    (unit and range): that one declaration drives validation, what the core receives and the checkpoint fields."""

    kind: ClassVar[str] = ""
    #: state variables readable with ``Population.get`` and settable with ``Population.set``
    state_vars: ClassVar[tuple[str, ...]] = ()
    #: NEST's names of state variables (the NEST model's ``V_m``, ...), accepted wherever the own names are
    nest_names: ClassVar[dict[str, str]] = {}
    #: True when ``theta`` is the model's own dynamic threshold (intrinsic plasticity cannot drive it)
    adaptive_threshold: ClassVar[bool] = False

    def validate(self) -> None:
        """Check every parameter (again: a description may have been changed since it was made)."""
        check_params(self, type(self).__name__)

    def __post_init__(self) -> None:
        self.validate()

    def _check_reset_below_threshold(self) -> None:
        m: Any = self  # the integrate-and-fire models have V_reset and V_th
        if m.V_reset >= m.V_th:
            raise ValueError(f"{type(self).__name__}.V_reset must be below V_th={m.V_th}, got {m.V_reset}")

    def params(self) -> dict[str, float]:
        """The parameters as plain floats, as the core receives them."""
        return lower_params(self)

    def core_kind(self) -> str:
        """The name under which the core's catalogue builds this model."""
        return self.kind

    def core_params(self) -> dict[str, float]:
        """The numbers the core's factory reads (the parameters, for the built-ins)."""
        return self.params()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.params()}

    @staticmethod
    def from_dict(d: dict[str, Any]) -> NeuronModel:
        """The model that :meth:`to_dict` described (its class by ``kind`` in :data:`MODELS`)."""
        d = dict(d)
        kind = d.pop("kind", None)
        if kind not in MODELS:
            raise ValueError(f"unknown neuron model kind {kind!r}; known: {sorted(MODELS)}")
        return MODELS[kind](**d)


@dataclass
class LIF(NeuronModel):
    """Leaky integrate-and-fire neuron with exponential post-synaptic currents (NEST ``iaf_psc_exp``).

    ``C_m dv/dt = -(C_m/tau_m)(v - E_L) + I_ex + I_in + I_e``, ``dI_x/dt = -I_x / tau_syn_x``; integrated exactly
    (closed-form propagators, Rotter & Diesmann 1999). A spike of weight ``w`` (pA) adds ``+w`` to ``I_ex``
    (receptor ``"exc"``) or ``-w`` to ``I_in`` (``"inh"``). After ``v >= V_th``: ``v = V_reset``, held for ``t_ref``.

    Parameters
    ----------
    tau_m : float
        Membrane time constant (ms), > 0.
    C_m : float
        Membrane capacitance (pF), > 0.
    E_L : float
        Resting potential (mV); also the initial ``v``.
    V_th : float
        Spike threshold (mV). A neuron's threshold is ``V_th + theta``, with ``theta`` a state variable (mV,
        initially 0) that :class:`pyneuro.plasticity.IntrinsicPlasticity` moves.
    V_reset : float
        Reset potential (mV), below ``V_th``.
    t_ref : float
        Refractory period (ms), >= 0.
    tau_syn_ex, tau_syn_in : float
        Decay time constants of the excitatory and inhibitory currents (ms), > 0.
    I_e : float
        Constant input current (pA).

    State variables: ``v`` (mV), ``I_ex``, ``I_in`` (pA), ``I_stim`` (pA, a per-neuron stimulus current added to
    ``I_e``, 0 initially; set it between runs with ``pop.set("I_stim", ...)``). NEST's names ``V_m``, ``I_syn_ex``
    and ``I_syn_in`` are accepted for ``v``, ``I_ex`` and ``I_in`` (as in every model: see ``nest_names``).
    """

    tau_m: float = _positive(10.0, "ms")
    C_m: float = _positive(250.0, "pF")
    E_L: float = _real(-70.0, "mV")
    V_th: float = _real(-55.0, "mV")
    V_reset: float = _real(-70.0, "mV")
    t_ref: float = _nonnegative(2.0, "ms")
    tau_syn_ex: float = _positive(2.0, "ms")
    tau_syn_in: float = _positive(2.0, "ms")
    I_e: float = _real(0.0, "pA")

    kind: ClassVar[str] = "LIF"
    state_vars: ClassVar[tuple[str, ...]] = ("v", "I_ex", "I_in", "theta", "I_stim")
    nest_names: ClassVar[dict[str, str]] = {"V_m": "v", "I_syn_ex": "I_ex", "I_syn_in": "I_in"}

    def validate(self) -> None:
        super().validate()
        self._check_reset_below_threshold()


@dataclass
class LIFCond(NeuronModel):
    """Conductance-based leaky integrate-and-fire neuron with exponential conductances (NEST ``iaf_cond_exp``).

    ``C_m dv/dt = -g_L (v - E_L) - g_ex (v - E_ex) - g_in (v - E_in) + I_e``, ``dg_x/dt = -g_x / tau_syn_x``.
    Conductances decay exactly; ``v`` advances by exponential Euler using each conductance's exact mean over
    the step (second order in dt). A spike of weight ``w`` (nS) adds ``w`` to ``g_ex`` or ``g_in``.
    NEST's defaults; the COBA benchmark (Vogels & Abbott 2005) uses ``C_m=200, g_L=10, E_L=-60, V_th=-50,
    V_reset=-60, t_ref=5, tau_syn_ex=5, tau_syn_in=10, E_in=-80``.

    Parameters
    ----------
    C_m : float
        Membrane capacitance (pF), > 0.
    g_L : float
        Leak conductance (nS), > 0.
    E_L : float
        Leak reversal potential (mV); also the initial ``v``.
    V_th : float
        Spike threshold (mV). A neuron's threshold is ``V_th + theta``, with ``theta`` a state variable (mV,
        initially 0) that :class:`pyneuro.plasticity.IntrinsicPlasticity` moves.
    V_reset : float
        Reset potential (mV), below ``V_th``.
    t_ref : float
        Refractory period (ms), >= 0.
    tau_syn_ex, tau_syn_in : float
        Conductance decay time constants (ms), > 0.
    E_ex, E_in : float
        Reversal potentials of excitation and inhibition (mV).
    I_e : float
        Constant input current (pA).

    State variables: ``v`` (mV), ``g_ex``, ``g_in`` (nS), ``I_stim`` (pA, a per-neuron stimulus current added to
    ``I_e``, 0 initially).
    """

    C_m: float = _positive(250.0, "pF")
    g_L: float = _positive(16.6667, "nS")
    E_L: float = _real(-70.0, "mV")
    V_th: float = _real(-55.0, "mV")
    V_reset: float = _real(-60.0, "mV")
    t_ref: float = _nonnegative(2.0, "ms")
    tau_syn_ex: float = _positive(0.2, "ms")
    tau_syn_in: float = _positive(2.0, "ms")
    E_ex: float = _real(0.0, "mV")
    E_in: float = _real(-85.0, "mV")
    I_e: float = _real(0.0, "pA")

    kind: ClassVar[str] = "LIFCond"
    state_vars: ClassVar[tuple[str, ...]] = ("v", "g_ex", "g_in", "theta", "I_stim")
    nest_names: ClassVar[dict[str, str]] = {"V_m": "v"}

    def validate(self) -> None:
        super().validate()
        self._check_reset_below_threshold()


@dataclass
class LIFDelta(NeuronModel):
    """Leaky integrate-and-fire neuron with delta synapses (NEST ``iaf_psc_delta``; the model of Brunel 2000).

    ``C_m dv/dt = -(C_m/tau_m)(v - E_L) + I_e + I_stim``; a spike of weight ``w`` (mV) makes ``v`` jump by ``+w``
    (receptor ``"exc"``) or ``-w`` (``"inh"``). Integrated exactly; the jumps arriving in a step are added after
    the step's decay and before its threshold test, and discarded while the neuron is refractory (NEST's order
    and default). After ``v >= V_th``: ``v = V_reset``, held for ``t_ref``. Under the NEST time convention a spike
    stamped ``T`` with delay ``d`` moves ``v`` at ``T + d``, as in NEST.

    Parameters
    ----------
    tau_m : float
        Membrane time constant (ms), > 0.
    C_m : float
        Membrane capacitance (pF), > 0.
    E_L : float
        Resting potential (mV); also the initial ``v``.
    V_th : float
        Spike threshold (mV).
    V_reset : float
        Reset potential (mV), below ``V_th``.
    t_ref : float
        Refractory period (ms), >= 0.
    I_e : float
        Constant input current (pA).

    State variables: ``v`` (mV; NEST's ``V_m``), ``I_stim`` (pA, a per-neuron stimulus current added to ``I_e``).
    """

    tau_m: float = _positive(10.0, "ms")
    C_m: float = _positive(250.0, "pF")
    E_L: float = _real(-70.0, "mV")
    V_th: float = _real(-55.0, "mV")
    V_reset: float = _real(-70.0, "mV")
    t_ref: float = _nonnegative(2.0, "ms")
    I_e: float = _real(0.0, "pA")

    kind: ClassVar[str] = "LIFDelta"
    state_vars: ClassVar[tuple[str, ...]] = ("v", "I_stim")
    nest_names: ClassVar[dict[str, str]] = {"V_m": "v"}

    def validate(self) -> None:
        super().validate()
        self._check_reset_below_threshold()


@dataclass
class LIFAlpha(NeuronModel):
    """Leaky integrate-and-fire neuron with alpha-shaped post-synaptic currents (NEST ``iaf_psc_alpha``, PyNN
    ``IF_curr_alpha``).

    ``C_m dv/dt = -(C_m/tau_m)(v - E_L) + I_ex + I_in + I_e + I_stim``; a spike of weight ``w`` (pA) at time 0 adds
    the current ``w (e/tau_syn) t exp(-t/tau_syn)``, which peaks at ``w`` at ``t = tau_syn`` (``+w`` on ``"exc"``,
    ``-w`` on ``"inh"``). Integrated exactly (closed-form propagators, Rotter & Diesmann 1999). After ``v >= V_th``:
    ``v = V_reset``, held for ``t_ref``.

    Parameters
    ----------
    tau_m : float
        Membrane time constant (ms), > 0.
    C_m : float
        Membrane capacitance (pF), > 0.
    E_L : float
        Resting potential (mV); also the initial ``v``.
    V_th : float
        Spike threshold (mV).
    V_reset : float
        Reset potential (mV), below ``V_th``.
    t_ref : float
        Refractory period (ms), >= 0.
    tau_syn_ex, tau_syn_in : float
        Rise times (time to peak) of the excitatory and inhibitory currents (ms), > 0.
    I_e : float
        Constant input current (pA).

    State variables: ``v`` (mV), ``I_ex``, ``I_in`` (pA), ``dI_ex``, ``dI_in`` (the alpha kernels' rising parts, in
    pA of peak current), ``I_stim`` (pA, a per-neuron stimulus current added to ``I_e``, 0 initially).
    """

    tau_m: float = _positive(10.0, "ms")
    C_m: float = _positive(250.0, "pF")
    E_L: float = _real(-70.0, "mV")
    V_th: float = _real(-55.0, "mV")
    V_reset: float = _real(-70.0, "mV")
    t_ref: float = _nonnegative(2.0, "ms")
    tau_syn_ex: float = _positive(2.0, "ms")
    tau_syn_in: float = _positive(2.0, "ms")
    I_e: float = _real(0.0, "pA")

    kind: ClassVar[str] = "LIFAlpha"
    state_vars: ClassVar[tuple[str, ...]] = ("v", "I_ex", "I_in", "dI_ex", "dI_in", "I_stim")
    nest_names: ClassVar[dict[str, str]] = {"V_m": "v", "I_syn_ex": "I_ex", "I_syn_in": "I_in"}

    def validate(self) -> None:
        super().validate()
        self._check_reset_below_threshold()


@dataclass
class LIFCondAlpha(NeuronModel):
    """Conductance-based leaky integrate-and-fire neuron with alpha-shaped conductances (NEST ``iaf_cond_alpha``,
    PyNN ``IF_cond_alpha``).

    ``C_m dv/dt = -g_L (v - E_L) - g_ex (v - E_ex) - g_in (v - E_in) + I_e + I_stim``; a spike of weight ``w`` (nS)
    adds the conductance ``w (e/tau_syn) t exp(-t/tau_syn)``, which peaks at ``w`` at ``t = tau_syn``. The
    conductances evolve exactly; ``v`` advances by exponential Euler with each conductance's exact mean over the
    step (second order in dt), as :class:`LIFCond`. After ``v >= V_th``: ``v = V_reset``, held for ``t_ref``.

    Parameters
    ----------
    C_m : float
        Membrane capacitance (pF), > 0.
    g_L : float
        Leak conductance (nS), > 0.
    E_L : float
        Leak reversal potential (mV); also the initial ``v``.
    V_th : float
        Spike threshold (mV).
    V_reset : float
        Reset potential (mV), below ``V_th``.
    t_ref : float
        Refractory period (ms), >= 0.
    tau_syn_ex, tau_syn_in : float
        Rise times (time to peak) of the conductances (ms), > 0.
    E_ex, E_in : float
        Reversal potentials of excitation and inhibition (mV).
    I_e : float
        Constant input current (pA).

    State variables: ``v`` (mV), ``g_ex``, ``g_in`` (nS), ``dg_ex``, ``dg_in`` (rising parts, in nS of peak),
    ``I_stim`` (pA, a per-neuron stimulus current added to ``I_e``, 0 initially).
    """

    C_m: float = _positive(250.0, "pF")
    g_L: float = _positive(16.6667, "nS")
    E_L: float = _real(-70.0, "mV")
    V_th: float = _real(-55.0, "mV")
    V_reset: float = _real(-60.0, "mV")
    t_ref: float = _nonnegative(2.0, "ms")
    tau_syn_ex: float = _positive(0.2, "ms")
    tau_syn_in: float = _positive(2.0, "ms")
    E_ex: float = _real(0.0, "mV")
    E_in: float = _real(-85.0, "mV")
    I_e: float = _real(0.0, "pA")

    kind: ClassVar[str] = "LIFCondAlpha"
    state_vars: ClassVar[tuple[str, ...]] = ("v", "g_ex", "g_in", "dg_ex", "dg_in", "I_stim")
    nest_names: ClassVar[dict[str, str]] = {"V_m": "v"}

    def validate(self) -> None:
        super().validate()
        self._check_reset_below_threshold()


@dataclass
class LIFCondAmpaNmda(NeuronModel):
    """Conductance-based integrate-and-fire neuron with AMPA and NMDA excitation and a spike-triggered threshold:
    the neuron of Zenke, Hennequin & Gerstner 2013 (PLoS Comput. Biol. 9:e1003330), Auryn's ``IFGroup``.

    ::

        C_m dv/dt = g_L (E_L - v) + (a_A g_ex + a_N g_nmda)(E_ex - v) + g_in (E_in - v) + I_e
        dg_ex/dt = -g_ex / tau_syn_ex,  dg_nmda/dt = (g_ex - g_nmda) / tau_nmda,  dg_in/dt = -g_in / tau_syn_in
        dtheta/dt = -theta / tau_th;   v > V_th + theta:  spike, v = V_reset, theta = delta_th

    with ``a_A = r / (1 + r)``, ``a_N = 1 / (1 + r)``, ``r = ampa_nmda_ratio``. A spike of weight ``w`` (nS) adds
    ``w`` to the AMPA conductance ``g_ex`` (receptor ``"exc"``) or to ``g_in`` (``"inh"``); the NMDA conductance
    follows ``g_ex`` through a low-pass filter of time constant ``tau_nmda`` (no magnesium block), so a single
    spike's total excitatory charge is that of ``w`` through ``tau_syn_ex`` and through the difference of
    exponentials (``tau_syn_ex``, ``tau_nmda``), split ``a_A : a_N``. There is no absolute refractory period: the
    threshold jumps to ``V_th + delta_th`` at a spike and relaxes with ``tau_th``, and ``v`` is clipped to
    ``[V_min, V_max]`` every step, so the neuron cannot fire while ``V_th + theta >= V_max`` (3.5 ms with the
    defaults). Discretised as in Auryn (float arithmetic): currents from the state at the start of the step,
    conductances and theta decay exactly, ``v`` by forward Euler, then the clip and the threshold test.
    The defaults are the paper's (and Auryn's ``IFGroup``) for the excitatory cells, with conductances in units
    of ``g_L = 10 nS``; the inhibitory cells have ``C_m = 100`` (tau_m 10 ms).

    Parameters
    ----------
    C_m : float
        Membrane capacitance (pF), > 0 (tau_m = C_m / g_L).
    g_L : float
        Leak conductance (nS), > 0.
    E_L : float
        Leak reversal potential (mV); also the initial ``v``.
    V_th : float
        Resting threshold (mV); the threshold is ``V_th + theta``.
    V_reset : float
        Reset potential (mV), below ``V_th``.
    delta_th : float
        Threshold jump (mV), >= 0: ``theta`` is set to it at a spike.
    tau_th : float
        Relaxation time constant of ``theta`` (ms), > 0.
    tau_syn_ex : float
        AMPA conductance decay (ms), > 0.
    tau_nmda : float
        NMDA low-pass time constant (ms), > 0.
    ampa_nmda_ratio : float
        Ratio of the AMPA to the NMDA weight in the excitatory current, >= 0 (1: equal parts).
    tau_syn_in : float
        GABA conductance decay (ms), > 0.
    E_ex, E_in : float
        Reversal potentials of excitation and inhibition (mV).
    V_min, V_max : float
        Bounds of the membrane potential (mV), ``V_min < V_max``; Auryn clips to ``[E_in, 0]``.
    I_e : float
        Constant input current (pA).

    State variables: ``v`` (mV), ``g_ex``, ``g_nmda``, ``g_in`` (nS), ``theta`` (mV, the threshold's offset),
    ``I_stim`` (pA, a per-neuron stimulus current added to ``I_e``, 0 initially). NEST's name ``V_m`` is accepted
    for ``v``.
    """

    C_m: float = _positive(200.0, "pF")
    g_L: float = _positive(10.0, "nS")
    E_L: float = _real(-70.0, "mV")
    V_th: float = _real(-50.0, "mV")
    V_reset: float = _real(-70.0, "mV")
    delta_th: float = _nonnegative(100.0, "mV")
    tau_th: float = _positive(5.0, "ms")
    tau_syn_ex: float = _positive(5.0, "ms")
    tau_nmda: float = _positive(100.0, "ms")
    ampa_nmda_ratio: float = _nonnegative(1.0, "")
    tau_syn_in: float = _positive(10.0, "ms")
    E_ex: float = _real(0.0, "mV")
    E_in: float = _real(-80.0, "mV")
    V_min: float = _real(-80.0, "mV")
    V_max: float = _real(0.0, "mV")
    I_e: float = _real(0.0, "pA")

    kind: ClassVar[str] = "LIFCondAmpaNmda"
    state_vars: ClassVar[tuple[str, ...]] = ("v", "g_ex", "g_nmda", "g_in", "theta", "I_stim")
    nest_names: ClassVar[dict[str, str]] = {"V_m": "v"}
    adaptive_threshold: ClassVar[bool] = True

    def validate(self) -> None:
        super().validate()
        self._check_reset_below_threshold()
        if not self.V_min < self.V_max:
            raise ValueError(f"LIFCondAmpaNmda.V_max must be above V_min={self.V_min}, got {self.V_max}")


@dataclass
class Izhikevich(NeuronModel):
    """Izhikevich (2003) neuron, as NEST's ``izhikevich``.

    ``dv/dt = 0.04 v^2 + 5 v + 140 - u + I_e``, ``du/dt = a (b v - u)``; when ``v >= V_th``: ``v = c``, ``u += d``.
    Forward Euler at the network's dt (both variables from their old values). Synapses are instantaneous:
    a spike of weight ``w`` (mV) adds ``+w`` (``"exc"``) or ``-w`` (``"inh"``) to ``v``.
    Defaults: regular spiking (a=0.02, b=0.2, c=-65, d=8).

    Parameters
    ----------
    a : float
        Recovery time scale (1/ms), > 0.
    b : float
        Sensitivity of ``u`` to ``v`` (dimensionless).
    c : float
        Reset value of ``v`` (mV); also the initial ``v`` (initial ``u = b c``).
    d : float
        Increment of ``u`` at a spike.
    V_th : float
        Spike cut-off (mV).
    I_e : float
        Constant input (in the model's units of mV/ms).

    State variables: ``v`` (mV), ``u``, ``I_stim`` (a per-neuron input added to ``I_e``, same units, 0 initially).
    """

    a: float = _positive(0.02, "1/ms")
    b: float = _real(0.2, "")
    c: float = _real(-65.0, "mV")
    d: float = _real(8.0, "mV/ms")
    V_th: float = _real(30.0, "mV")
    I_e: float = _real(0.0, "mV/ms")

    kind: ClassVar[str] = "Izhikevich"
    state_vars: ClassVar[tuple[str, ...]] = ("v", "u", "I_stim")
    nest_names: ClassVar[dict[str, str]] = {"V_m": "v", "U_m": "u"}


@dataclass
class AdEx(NeuronModel):
    """Adaptive exponential integrate-and-fire neuron with exponential conductances (NEST ``aeif_cond_exp``;
    Brette & Gerstner 2005).

    ``C_m dv/dt = -g_L (v - E_L) + g_L Delta_T exp((v - V_th)/Delta_T) - g_ex (v - E_ex) - g_in (v - E_in) - w + I_e``,
    ``tau_w dw/dt = a (v - E_L) - w``; at ``v >= V_peak``: ``v = V_reset``, ``w += b``, held for ``t_ref``.
    Fourth-order Runge-Kutta per step in double precision, conductances from their exact decay.

    Parameters
    ----------
    C_m : float
        Capacitance (pF), > 0.
    g_L : float
        Leak conductance (nS), > 0.
    E_L : float
        Leak reversal (mV); also the initial ``v``.
    V_th : float
        Threshold of the exponential term (mV).
    Delta_T : float
        Slope factor (mV), > 0.
    V_peak : float
        Spike detection (mV), above ``V_th``.
    V_reset : float
        Reset (mV).
    t_ref : float
        Refractory period (ms), >= 0.
    tau_w : float
        Adaptation time constant (ms), > 0.
    a : float
        Subthreshold adaptation (nS).
    b : float
        Spike-triggered adaptation (pA).
    tau_syn_ex, tau_syn_in : float
        Conductance time constants (ms), > 0.
    E_ex, E_in : float
        Reversal potentials (mV).
    I_e : float
        Constant current (pA).

    State variables: ``v`` (mV), ``w`` (pA), ``g_ex``, ``g_in`` (nS), ``I_stim`` (pA, a per-neuron stimulus current
    added to ``I_e``, 0 initially).
    """

    C_m: float = _positive(281.0, "pF")
    g_L: float = _positive(30.0, "nS")
    E_L: float = _real(-70.6, "mV")
    V_th: float = _real(-50.4, "mV")
    Delta_T: float = _positive(2.0, "mV")
    V_peak: float = _real(0.0, "mV")
    V_reset: float = _real(-60.0, "mV")
    t_ref: float = _nonnegative(0.0, "ms")
    tau_w: float = _positive(144.0, "ms")
    a: float = _real(4.0, "nS")
    b: float = _real(80.5, "pA")
    tau_syn_ex: float = _positive(0.2, "ms")
    tau_syn_in: float = _positive(2.0, "ms")
    E_ex: float = _real(0.0, "mV")
    E_in: float = _real(-85.0, "mV")
    I_e: float = _real(0.0, "pA")

    kind: ClassVar[str] = "AdEx"
    state_vars: ClassVar[tuple[str, ...]] = ("v", "w", "g_ex", "g_in", "I_stim")
    nest_names: ClassVar[dict[str, str]] = {"V_m": "v"}

    def validate(self) -> None:
        super().validate()
        if self.V_peak <= self.V_th:
            raise ValueError(f"AdEx.V_peak must be above V_th={self.V_th}, got {self.V_peak}")


@dataclass
class PoissonSource(NeuronModel):
    """Independent Poisson spike sources.

    Each step is a Bernoulli trial with probability ``rate * dt`` (at most one spike per step). Rates may differ
    per neuron and may be changed between runs with ``pop.set("rate", values)``.

    Parameters
    ----------
    rate : float or array_like
        Firing rate(s) in Hz, >= 0 (at most 1/dt). An array must have one value per neuron.

    State variables: ``rate`` (Hz).
    """

    rate: Any = 10.0

    kind: ClassVar[str] = "PoissonSource"
    state_vars: ClassVar[tuple[str, ...]] = ("rate",)

    def validate(self) -> None:
        if np.ndim(self.rate) == 0:
            check_number("PoissonSource.rate", self.rate, 0.0)
        else:
            check_float_array("PoissonSource.rate", self.rate, lo=0.0)

    def params(self) -> dict[str, float]:
        return {"rate": float(self.rate) if np.ndim(self.rate) == 0 else 0.0}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "rate": self.rate if np.ndim(self.rate) == 0 else np.asarray(self.rate).tolist()}


@dataclass
class GammaSource(NeuronModel):
    """Renewal spike sources: each interval is ``dead_time + Gamma(shape, scale 1/rate)`` (NEST's
    ``gamma_sup_generator`` per neuron, ``poisson_generator_ps`` with ``dead_time``; PyNN's SpikeSourceGamma and
    SpikeSourcePoissonRefractory).

    ``shape = 1`` gives a Poisson process with a dead time: mean interval ``dead_time + 1000 / rate`` ms, intervals
    ``dead_time`` plus an exponential. ``dead_time = 0`` gives a gamma process of order ``shape``: mean interval
    ``1000 * shape / rate`` ms (a rate of ``rate / shape`` Hz), coefficient of variation ``1 / sqrt(shape)``. Spike
    times are continuous and emitted in the step that contains them (at most one per step). Each neuron's intervals
    come from counter-based random numbers keyed by (seed, population, neuron, interval count): identical for any
    thread count and continued exactly from a checkpoint.

    Parameters
    ----------
    rate : float
        Rate of the underlying Poisson events (Hz), >= 0 (0: silent).
    shape : float
        Gamma shape (order), > 0.
    dead_time : float
        Dead time added to every interval (ms), >= 0.

    State variables (per neuron, settable between runs; a neuron whose values change starts a new interval at the
    next run): ``rate``, ``shape``, ``dead_time``.
    """

    rate: float = _nonnegative(10.0, "Hz")
    shape: float = _positive(1.0, "")
    dead_time: float = _nonnegative(0.0, "ms")

    kind: ClassVar[str] = "GammaSource"
    state_vars: ClassVar[tuple[str, ...]] = ("rate", "shape", "dead_time")


@dataclass
class SpikeGenerator(NeuronModel):
    """Neurons that emit given spikes (NEST ``spike_generator`` + ``parrot_neuron``).

    A spike at time ``t`` is emitted in step ``round(t / dt)``; repeats of one neuron within a step merge.
    Input into a generator population is ignored, but its spikes do drive the postsynaptic half of plasticity
    rules, so rules can be driven by exact pre- and postsynaptic spike trains.

    Parameters
    ----------
    times : array_like
        Spike times (ms), finite and >= 0.
    indices : array_like
        Neuron index of each spike (same length as ``times``).
    """

    times: Any = field(default_factory=lambda: np.zeros(0))
    indices: Any = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    kind: ClassVar[str] = "SpikeGenerator"
    state_vars: ClassVar[tuple[str, ...]] = ()

    def validate(self) -> None:
        t = check_float_array("SpikeGenerator.times", self.times, lo=0.0)
        idx = np.asarray(self.indices).reshape(-1)
        if idx.size != t.size:
            raise ValueError(f"SpikeGenerator.indices must have the same length as times ({t.size}), got {idx.size}")
        check_index_array("SpikeGenerator.indices", idx, 2**32 - 1)

    def params(self) -> dict[str, float]:
        return {}

    def check_size(self, n: int) -> None:
        idx = np.asarray(self.indices).reshape(-1)
        if idx.size:
            check_index_array("SpikeGenerator.indices", idx, n)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind}


@dataclass
class Custom(NeuronModel):
    """A neuron model written as equations, compiled into the same structure-of-arrays update as the built-ins.

    Example (NEST's ``iaf_psc_exp``)::

        lif = pn.models.Custom(
            params=dict(tau_m=10.0, C_m=250.0, E_L=-70.0, V_th=-55.0, V_reset=-70.0, t_ref=2.0,
                        tau_syn_ex=2.0, tau_syn_in=2.0),
            state=dict(v=-70.0, I_ex=0.0, I_in=0.0),
            equations='''
                dv/dt = -(v - E_L) / tau_m + (I_ex + I_in) / C_m   (unless refractory)
                dI_ex/dt = -I_ex / tau_syn_ex
                dI_in/dt = -I_in / tau_syn_in
            ''',
            threshold="v >= V_th", reset="v = V_reset", refractory="t_ref",
            receptors={"exc": "I_ex += w", "inh": "I_in -= w"}, method="exact")

    Per step every state variable advances from its value at the start of the step (input arrived in the step
    included) by ``method``; variables whose equation ends in ``(unless refractory)`` keep their value while the
    neuron is refractory; then a neuron that is not refractory and meets ``threshold`` fires, ``reset`` runs, and it
    is refractory for ``refractory`` ms. Variables whose equation is ``dx/dt = -x / tau`` (tau from the parameters)
    decay exactly under every method (the others read them at the stage times) and are set to 0 below 1e-30.
    The definition compiles once (a few seconds) and is cached on disk; see :class:`pyneuro.plasticity.Custom`.

    Parameters
    ----------
    params : dict of str to float
        Named numbers (finite; units are the user's, by convention ms, mV, pA, nS, pF). Changing them does not
        recompile.
    state : dict of str to float
        State variables and their initial values, in the order the update computes them. NEST's names keep a model
        comparable with NEST (``v``, ``g_ex``, ``I_ex``, ...); a variable ``theta`` used in ``threshold`` lets
        :class:`pyneuro.plasticity.IntrinsicPlasticity` act on the population.
    equations : str
        One ``dX/dt = expression`` per line (optionally ending in ``(unless refractory)``), subexpressions
        ``name = expression`` (a new name), and assignments ``x = expression`` to a state variable, applied
        every step after the update and before the threshold, in the order written (a voltage
        clip, the end of a clamp). Expressions read parameters, state, subexpressions and ``t`` (ms); assignments
        read the parameters, the updated state, ``t`` and ``dt``.
    threshold : str, optional
        A condition on the state after the step, e.g. ``"v >= V_th"`` (none: the neuron never fires).
    reset : str, optional
        Statements run when the neuron fires (several, in order), e.g. ``"v = V_reset; w += b"``.
    refractory : float or str, optional
        Refractory period (ms, >= 0) or the name of a parameter.
    receptors : dict, optional
        What an arriving spike of weight ``w`` does: ``{"exc": "g_ex += w", "inh": "g_in += w"}``; the forms are
        ``x += w``, ``x -= w`` and ``x += k * w`` (k a number or a parameter). A receptor not given ignores input.
    method : {"exact", "exponential_euler", "euler", "rk2", "rk4"}
        ``"exact"``: linear equations with constant coefficients, integrated by their propagator (derived
        symbolically, as Brian2 does; checked against a numerical matrix exponential), in NEST's order of operations
        (``v' = E_L + P22 (v - E_L) + P21 I_ex + P20 I_e``: a parameter that a variable is measured from, such as
        ``E_L``, and constant inputs, such as ``I_e``, each through its own coefficient, so that a definition of
        iaf_psc_exp does the built-in LIF's float arithmetic). ``"exponential_euler"``: each
        equation linear in its own variable (conductance models). ``"euler"``: forward Euler (Auryn's and NEST's
        simple models). ``"rk2"`` (midpoint), ``"rk4"``: Runge-Kutta.
    nest_names : dict, optional
        Other names accepted for state variables, as NEST's names are for the built-ins (``{"V_m": "v"}``); by
        default ``V_m``, ``I_syn_ex``, ``I_syn_in`` and ``U_m`` for ``v``, ``I_ex``, ``I_in`` and ``u`` when those
        are state variables.
    precision : {"single", "double"}, optional
        Arithmetic of the update; default single for exact, exponential_euler and euler (vectorised like the
        built-in LIF), double for rk2 and rk4 (like the built-in AdEx). State is stored as float32 either way.

    Attributes
    ----------
    compile_seconds, load_seconds : float
        As for :class:`pyneuro.plasticity.Custom`.
    """

    params: dict[str, float] = field(default_factory=dict)  # type: ignore[assignment]  # the definition's numbers
    state: dict[str, float] = field(default_factory=dict)
    equations: str = ""
    threshold: str | None = None
    reset: str | None = None
    refractory: float | str | None = None
    receptors: dict[str, str] = field(default_factory=dict)
    method: str = "exact"
    precision: str | None = None
    nest_names: dict[str, str] | None = None  # type: ignore[assignment,misc]

    kind: ClassVar[str] = "Custom"
    #: NEST's names accepted by default for the state variables a definition names like NEST's models do
    _nest_defaults: ClassVar[dict[str, str]] = {"V_m": "v", "I_syn_ex": "I_ex", "I_syn_in": "I_in", "U_m": "u"}

    def __post_init__(self) -> None:
        import time

        from ._custom import model_definition

        t0 = time.perf_counter()
        if not isinstance(self.state, dict):  # (the definition checks it in full; nest_names below reads it first)
            raise TypeError(f"Custom.state must be a dict of names to numbers, got {type(self.state).__name__}")
        if self.nest_names is None:
            self.nest_names = {k: v for k, v in self._nest_defaults.items() if v in self.state}
        elif not isinstance(self.nest_names, dict) or any(
            not isinstance(k, str) or v not in self.state for k, v in self.nest_names.items()
        ):
            raise ValueError(
                f"Custom.nest_names must map names to state variables {tuple(self.state)}, got {self.nest_names!r}"
            )
        built = model_definition(self)
        self._core_kind: str = built.kind
        self.state_vars = tuple(self.state)  # type: ignore[misc]
        self.compile_seconds: float = built.compile_seconds
        self.load_seconds: float = time.perf_counter() - t0

    def validate(self) -> None:
        from ._custom import model_lowered

        model_lowered(self)

    def core_params(self) -> dict[str, float]:
        from ._custom import model_lowered

        return model_lowered(self)

    def core_kind(self) -> str:
        return self._core_kind

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "params": dict(self.params),
            "state": dict(self.state),
            "equations": self.equations,
            "threshold": self.threshold,
            "reset": self.reset,
            "refractory": self.refractory,
            "receptors": dict(self.receptors),
            "method": self.method,
            "precision": self.precision,
            "nest_names": dict(self.nest_names or {}),
        }

    def __reduce__(self) -> Any:
        d = self.to_dict()
        d.pop("kind")
        return (_custom_from_dict, (d,))


def _custom_from_dict(d: dict[str, Any]) -> Custom:
    return Custom(**d)


MODELS: dict[str, type[NeuronModel]] = {
    m.kind: m
    for m in (
        Custom,
        LIF,
        LIFCond,
        LIFCondAmpaNmda,
        LIFDelta,
        LIFAlpha,
        LIFCondAlpha,
        Izhikevich,
        AdEx,
        PoissonSource,
        GammaSource,
        SpikeGenerator,
    )
}
