"""PyNN's standard cell types on pyneuro's models, with PyNN's names and units translated.

PyNN units: nF, nA, uS, mV, ms, Hz; pyneuro's (NEST's): pF, pA, nS, mV, ms, Hz.

=========================  ======================  =============================================================
PyNN                       pyneuro                 notes
=========================  ======================  =============================================================
IF_curr_exp                models.LIF              exact integration (iaf_psc_exp)
IF_cond_exp                models.LIFCond          g_L = cm / tau_m
IF_curr_alpha              models.LIFAlpha         alpha-shaped currents, exact integration (iaf_psc_alpha)
IF_cond_alpha              models.LIFCondAlpha     alpha-shaped conductances (iaf_cond_alpha)
EIF_cond_exp_isfa_ista     models.AdEx             aeif_cond_exp; RK4
EIF_cond_alpha_isfa_ista   definitions.            aeif_cond_alpha (alpha conductances); RK4 (a compiled definition)
                           aeif_cond_alpha
HH_cond_exp                definitions.            hh_cond_exp_traub (Traub & Miles 1991); RK4 (a compiled definition)
                           hh_cond_exp_traub
Izhikevich                 models.Izhikevich       weights act on v directly (1 nA of weight = 1000 mV, as NEST)
SpikeSourcePoisson         models.PoissonSource    start and duration applied by switching the rate
SpikeSourceArray           models.SpikeGenerator   spike times rounded to the nearest step
SpikeSourceGamma           models.GammaSource      shape alpha, rate beta; start and duration by switching the rate
SpikeSourcePoissonRefractory models.GammaSource    shape 1, dead_time tau_refrac, underlying rate 1/(1/rate - dead)
=========================  ======================  =============================================================

``i_offset`` goes to the model's per-neuron stimulus current ``I_stim`` (so it may differ between neurons and change
between runs, and DCSource adds to it) where the model has one, else to its constant ``I_e``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pyNN.standardmodels import build_translations, cells

import pyneuro as pn

__all__ = [
    "PointNeuron",
    "LIF",
    "AdExp",
    "AlphaPSR",
    "CurrExpPostSynapticResponse",
    "CondExpPostSynapticResponse",
    "CondAlphaPostSynapticResponse",
    "CondBetaPostSynapticResponse",
    "HH_cond_exp",
    "EIF_cond_alpha_isfa_ista",
    "SpikeSourceGamma",
    "SpikeSourcePoissonRefractory",
    "IF_cond_exp_gsfa_grr",
    "IF_facets_hardware1",
    "GIF_cond_exp",
    "IF_curr_exp",
    "IF_cond_exp",
    "IF_curr_alpha",
    "IF_cond_alpha",
    "EIF_cond_exp_isfa_ista",
    "Izhikevich",
    "SpikeSourcePoisson",
    "SpikeSourceArray",
]


class _Definition:
    """Stands for a :mod:`pyneuro.models` class where the model is a definition of :mod:`pyneuro.definitions` (a
    :class:`pyneuro.models.Custom`): its kind, state variables and parameter names, and a call that builds it."""

    kind = "Custom"

    def __init__(self, make: Any, defaults: dict[str, float], state_vars: tuple[str, ...]) -> None:
        self._make = make
        self._defaults = defaults
        self.state_vars = state_vars

    def param_names(self) -> set[str]:
        return set(self._defaults)

    def __call__(self, **params: float) -> Any:
        return self._make(**params)


class NativeCellType:
    """What each cell type adds: the pyneuro model and the translation of its state variables."""

    #: name of the pyneuro model class in pn.models ("" for the sources, which are built specially)
    native_model: ClassVar[str] = ""
    #: PyNN state variable -> (pyneuro state variable, factor PyNN -> pyneuro)
    state_translations: ClassVar[dict[str, tuple[str, float]]] = {}

    @classmethod
    def model_class(cls) -> Any:
        m = getattr(pn.models, cls.native_model, None)
        if m is None:
            raise NotImplementedError(
                f"{cls.__name__} needs pyneuro.models.{cls.native_model}, which this pyneuro build does not have"
            )
        return m


_IF_COMMON = (
    ("v_rest", "E_L"),
    ("v_reset", "V_reset"),
    ("v_thresh", "V_th"),
    ("tau_refrac", "t_ref"),
    ("tau_syn_E", "tau_syn_ex"),
    ("tau_syn_I", "tau_syn_in"),
    ("i_offset", "I_e", 1000.0),
)


class IF_curr_exp(NativeCellType, cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = build_translations(("cm", "C_m", 1000.0), ("tau_m", "tau_m"), *_IF_COMMON)
    native_model = "LIF"
    state_translations = {"v": ("v", 1.0), "isyn_exc": ("I_ex", 1000.0), "isyn_inh": ("I_in", 1000.0)}


class IF_curr_alpha(NativeCellType, cells.IF_curr_alpha):
    __doc__ = cells.IF_curr_alpha.__doc__
    translations = build_translations(("cm", "C_m", 1000.0), ("tau_m", "tau_m"), *_IF_COMMON)
    native_model = "LIFAlpha"
    state_translations = {"v": ("v", 1.0), "isyn_exc": ("I_ex", 1000.0), "isyn_inh": ("I_in", 1000.0)}


_COND = (
    ("cm", "C_m", 1000.0),
    ("tau_m", "g_L", "1000.0 * cm / tau_m", "C_m / g_L"),
    *_IF_COMMON,
    ("e_rev_E", "E_ex"),
    ("e_rev_I", "E_in"),
)


class IF_cond_exp(NativeCellType, cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    translations = build_translations(*_COND)
    native_model = "LIFCond"
    state_translations = {"v": ("v", 1.0), "gsyn_exc": ("g_ex", 1000.0), "gsyn_inh": ("g_in", 1000.0)}


class IF_cond_alpha(NativeCellType, cells.IF_cond_alpha):
    __doc__ = cells.IF_cond_alpha.__doc__
    translations = build_translations(*_COND)
    native_model = "LIFCondAlpha"
    state_translations = {"v": ("v", 1.0), "gsyn_exc": ("g_ex", 1000.0), "gsyn_inh": ("g_in", 1000.0)}


class EIF_cond_exp_isfa_ista(NativeCellType, cells.EIF_cond_exp_isfa_ista):
    __doc__ = cells.EIF_cond_exp_isfa_ista.__doc__
    translations = build_translations(
        *_COND,
        ("delta_T", "Delta_T"),
        ("v_spike", "V_peak"),
        ("tau_w", "tau_w"),
        ("a", "a"),
        ("b", "b", 1000.0),
    )
    native_model = "AdEx"
    state_translations = {
        "v": ("v", 1.0),
        "w": ("w", 1000.0),
        "gsyn_exc": ("g_ex", 1000.0),
        "gsyn_inh": ("g_in", 1000.0),
    }


class EIF_cond_alpha_isfa_ista(NativeCellType, cells.EIF_cond_alpha_isfa_ista):
    __doc__ = cells.EIF_cond_alpha_isfa_ista.__doc__
    translations = EIF_cond_exp_isfa_ista.translations
    state_translations = EIF_cond_exp_isfa_ista.state_translations

    @classmethod
    def model_class(cls) -> Any:
        from ..definitions import AEIF_COND_ALPHA, aeif_cond_alpha

        return _Definition(aeif_cond_alpha, AEIF_COND_ALPHA, ("v", "w", "g_ex", "h_ex", "g_in", "h_in", "I_stim"))


class HH_cond_exp(NativeCellType, cells.HH_cond_exp):
    __doc__ = cells.HH_cond_exp.__doc__
    translations = build_translations(
        ("gbar_Na", "g_Na", 1000.0),
        ("gbar_K", "g_K", 1000.0),
        ("g_leak", "g_L", 1000.0),
        ("cm", "C_m", 1000.0),
        ("v_offset", "V_T"),
        ("e_rev_Na", "E_Na"),
        ("e_rev_K", "E_K"),
        ("e_rev_leak", "E_L"),
        ("e_rev_E", "E_ex"),
        ("e_rev_I", "E_in"),
        ("tau_syn_E", "tau_syn_ex"),
        ("tau_syn_I", "tau_syn_in"),
        ("i_offset", "I_e", 1000.0),
    )
    state_translations = {
        "v": ("v", 1.0),
        "m": ("m", 1.0),
        "h": ("h", 1.0),
        "n": ("n", 1.0),
        "gsyn_exc": ("g_ex", 1000.0),
        "gsyn_inh": ("g_in", 1000.0),
    }

    @classmethod
    def model_class(cls) -> Any:
        from ..definitions import HH_COND_EXP_TRAUB, hh_cond_exp_traub

        names = ("v", "m", "h", "n", "g_ex", "g_in", "I_stim", "v_prev", "falling")
        return _Definition(hh_cond_exp_traub, HH_COND_EXP_TRAUB, names)


class Izhikevich(NativeCellType, cells.Izhikevich):
    __doc__ = cells.Izhikevich.__doc__
    translations = build_translations(("a", "a"), ("b", "b"), ("c", "c"), ("d", "d"), ("i_offset", "I_e", 1000.0))
    native_model = "Izhikevich"
    state_translations = {"v": ("v", 1.0), "u": ("u", 1.0)}


class SpikeSourcePoisson(NativeCellType, cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = build_translations(("rate", "rate"), ("start", "start"), ("duration", "duration"))
    native_model = "PoissonSource"


class SpikeSourceArray(NativeCellType, cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = build_translations(("spike_times", "spike_times"))
    native_model = "SpikeGenerator"


class SpikeSourceGamma(NativeCellType, cells.SpikeSourceGamma):
    __doc__ = cells.SpikeSourceGamma.__doc__
    translations = build_translations(
        ("alpha", "shape"), ("beta", "rate"), ("start", "start"), ("duration", "duration")
    )
    native_model = "GammaSource"


class SpikeSourcePoissonRefractory(NativeCellType, cells.SpikeSourcePoissonRefractory):
    __doc__ = cells.SpikeSourcePoissonRefractory.__doc__
    translations = build_translations(
        ("rate", "rate"), ("tau_refrac", "dead_time"), ("start", "start"), ("duration", "duration")
    )
    native_model = "GammaSource"


def _refused(name: str, why: str) -> type:
    base = getattr(cells, name)

    class Refused(base):  # type: ignore[valid-type, misc]
        def __init__(self, **parameters: Any) -> None:
            raise NotImplementedError(f"{name} is not available on pyneuro: {why}")

    Refused.__name__ = Refused.__qualname__ = name
    Refused.__doc__ = f"{name}: not available on pyneuro ({why})."
    return Refused


IF_cond_exp_gsfa_grr = _refused("IF_cond_exp_gsfa_grr", "no adaptation and refractory conductances")
IF_facets_hardware1 = _refused("IF_facets_hardware1", "a hardware model")
GIF_cond_exp = _refused("GIF_cond_exp", "pyneuro has no generalized integrate-and-fire model")


def _refused_composed(name: str) -> type:
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            f"{name}: composed neuron models (PointNeuron with its own receptor types) are not available on pyneuro; "
            "use the standard cell types (IF_cond_exp, IF_curr_alpha, EIF_cond_exp_isfa_ista, ...)"
        )

    return type(name, (), {"__init__": init, "__doc__": f"{name}: not available on pyneuro."})


PointNeuron = _refused_composed("PointNeuron")
LIF = _refused_composed("LIF")
AdExp = _refused_composed("AdExp")
AlphaPSR = _refused_composed("AlphaPSR")
CurrExpPostSynapticResponse = _refused_composed("CurrExpPostSynapticResponse")
CondExpPostSynapticResponse = _refused_composed("CondExpPostSynapticResponse")
CondAlphaPostSynapticResponse = _refused_composed("CondAlphaPostSynapticResponse")
CondBetaPostSynapticResponse = _refused_composed("CondBetaPostSynapticResponse")
