"""PyNN synapse types on pyneuro's plasticity rules.

- ``StaticSynapse``: no plasticity.
- ``STDPMechanism(timing_dependence=SpikePairRule(...), weight_dependence=...)`` onto
  :class:`pyneuro.plasticity.STDP` (all-to-all pair traces, as NEST's ``stdp_synapse``). PyNN's amplitudes are
  relative to the weight range, as in NEST: additive ``dw+ = A_plus w_max``, ``dw- = -A_minus w_max``;
  multiplicative ``dw+ = A_plus (w_max - w)``, ``dw- = -A_minus (w - w_min)``; Gütig ``dw+ = A_plus (w_max - w_min)
  (1 - u)^mu``, ``dw- = -A_minus (w_max - w_min) u^mu`` with ``u = (w - w_min)/(w_max - w_min)`` (``mu_plus`` must
  equal ``mu_minus``: pyneuro's power law has one exponent). The pre spike's time is its arrival at the synapse
  (pyneuro's delays are axonal: ``dendritic_delay_fraction`` must be 0 or the rule's delays are read as axonal).
- pyneuro's own rules as PyNN synapse types: ``TripletSTDP`` (Pfister & Gerstner 2006), ``VogelsSTDP`` (Vogels et
  al. 2011 inhibitory plasticity) and ``PyneuroSynapse(rule, weight=, delay=)`` for any rule (or list of rules)
  from :mod:`pyneuro.plasticity`, user-defined ones included. Their parameters are pyneuro's, in pyneuro's units
  (weights in nS or pA); the projection's weights stay in PyNN's units.
"""

from __future__ import annotations

from typing import Any

from pyNN.standardmodels import StandardSynapseType, build_translations, synapses

import pyneuro as pn

from .simulator import state

__all__ = [
    "TsodyksMarkramSynapse",
    "SimpleStochasticSynapse",
    "StochasticTsodyksMarkramSynapse",
    "MultiQuantalSynapse",
    "ElectricalSynapse",
    "StaticSynapse",
    "STDPMechanism",
    "SpikePairRule",
    "AdditiveWeightDependence",
    "MultiplicativeWeightDependence",
    "GutigWeightDependence",
    "TripletSTDP",
    "VogelsSTDP",
    "PyneuroSynapse",
]


def default_delay() -> float:
    d = state.min_delay
    return state.dt if d == "auto" else float(d)


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"))

    def _get_minimum_delay(self) -> float:
        return default_delay()

    def pyneuro_rules(self, p: dict[str, float]) -> list[Any]:
        return []


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = build_translations(
        ("tau_plus", "tau_plus"), ("tau_minus", "tau_minus"), ("A_plus", "A_plus"), ("A_minus", "A_minus")
    )


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))


class GutigWeightDependence(synapses.GutigWeightDependence):
    __doc__ = synapses.GutigWeightDependence.__doc__
    translations = build_translations(
        ("w_max", "w_max"), ("w_min", "w_min"), ("mu_plus", "mu_plus"), ("mu_minus", "mu_minus")
    )


class STDPMechanism(synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = build_translations(
        ("weight", "weight"), ("delay", "delay"), ("dendritic_delay_fraction", "dendritic_delay_fraction")
    )

    def __init__(
        self,
        timing_dependence: Any = None,
        weight_dependence: Any = None,
        voltage_dependence: Any = None,
        dendritic_delay_fraction: float = 0.0,
        weight: Any = 0.0,
        delay: Any = None,
    ) -> None:
        if voltage_dependence is not None:
            raise NotImplementedError("STDPMechanism: a voltage dependence is not supported on pyneuro")
        if timing_dependence is not None and not isinstance(timing_dependence, SpikePairRule):
            raise NotImplementedError(
                f"STDPMechanism: timing dependence {type(timing_dependence).__name__} is not supported on pyneuro "
                "(SpikePairRule; pyneuro's own rules are TripletSTDP, VogelsSTDP and PyneuroSynapse)"
            )
        ok = (AdditiveWeightDependence, MultiplicativeWeightDependence, GutigWeightDependence)
        if weight_dependence is not None and not isinstance(weight_dependence, ok):
            raise NotImplementedError(
                f"STDPMechanism: weight dependence {type(weight_dependence).__name__} is not supported on pyneuro "
                "(Additive, Multiplicative or GutigWeightDependence)"
            )
        super().__init__(
            timing_dependence, weight_dependence, voltage_dependence, dendritic_delay_fraction, weight, delay
        )
        # PyNN's base class updates its class-level table in place; give each mechanism its own
        self.translations = dict(self.base_translations)
        for comp in (self.timing_dependence, self.weight_dependence):
            if comp is not None:
                self.translations.update(comp.translations)

    def _get_minimum_delay(self) -> float:
        return default_delay()

    def pyneuro_rules(self, p: dict[str, float]) -> list[Any]:
        """The pyneuro rule for one projection, from its (homogeneous) parameters; weights scaled by 1000 (PyNN's
        uS or nA to pyneuro's nS or pA)."""
        wd = self.weight_dependence
        w_min, w_max = 1000.0 * p["w_min"], 1000.0 * p["w_max"]
        tau_plus, tau_minus = p["tau_plus"], p["tau_minus"]
        a_plus, a_minus = p["A_plus"], p["A_minus"]
        if isinstance(wd, AdditiveWeightDependence):
            return [
                pn.plasticity.STDP(
                    tau_pre=tau_plus,
                    tau_post=tau_minus,
                    a_pre=a_plus * w_max,
                    a_post=-a_minus * w_max,
                    w_min=w_min,
                    w_max=w_max,
                )
            ]
        if isinstance(wd, MultiplicativeWeightDependence):
            mu = 1.0
        else:
            if p["mu_plus"] != p["mu_minus"]:
                raise NotImplementedError(
                    f"GutigWeightDependence: pyneuro's power-law dependence has one exponent; mu_plus = "
                    f"{p['mu_plus']} and mu_minus = {p['mu_minus']} differ"
                )
            mu = p["mu_plus"]
        span = w_max - w_min
        return [
            pn.plasticity.STDP(
                tau_pre=tau_plus,
                tau_post=tau_minus,
                a_pre=a_plus * span,
                a_post=-a_minus * span,
                w_min=w_min,
                w_max=w_max,
                weight_dependence="power_law",
                mu=mu,
            )
        ]


class _PyneuroRuleSynapse(StandardSynapseType):
    """A PyNN synapse type whose plasticity is one of pyneuro's rules (parameters in pyneuro's names and units)."""

    rule_class: Any = None

    def __init__(self, weight: Any = 0.0, delay: Any = None, **rule_params: Any) -> None:
        self._rule = self.rule_class(**rule_params)
        self.default_parameters = {"weight": 0.0, "delay": None}
        super().__init__(weight=weight, delay=delay)

    translations = build_translations(("weight", "weight"), ("delay", "delay"))

    def _get_minimum_delay(self) -> float:
        return default_delay()

    def pyneuro_rules(self, p: dict[str, float]) -> list[Any]:
        return [self._rule]


class TripletSTDP(_PyneuroRuleSynapse):
    """Triplet STDP (Pfister & Gerstner 2006) as a PyNN synapse type: ``TripletSTDP(weight=, delay=, **params)`` with
    the parameters of :class:`pyneuro.plasticity.TripletSTDP` (pyneuro's names and units: weights in nS or pA)."""

    rule_class = pn.plasticity.TripletSTDP
    default_parameters = {"weight": 0.0, "delay": None}


class VogelsSTDP(_PyneuroRuleSynapse):
    """Inhibitory STDP of Vogels et al. 2011 as a PyNN synapse type: ``VogelsSTDP(weight=, delay=, tau=, eta=,
    target_rate=, w_min=, w_max=)`` (:class:`pyneuro.plasticity.InhibitorySTDP`, whose ``rho0`` alias works too;
    weights in nS or pA)."""

    rule_class = pn.plasticity.InhibitorySTDP
    default_parameters = {"weight": 0.0, "delay": None}


class PyneuroSynapse(StandardSynapseType):
    """Any rule (or list of rules) from :mod:`pyneuro.plasticity`, user-defined ones included, as a PyNN synapse
    type: ``PyneuroSynapse(pn.plasticity.BCM(...), weight=0.5, delay=1.0)``."""

    default_parameters = {"weight": 0.0, "delay": None}
    translations = build_translations(("weight", "weight"), ("delay", "delay"))

    def __init__(self, rule: Any, weight: Any = 0.0, delay: Any = None) -> None:
        rules = list(rule) if isinstance(rule, (list, tuple)) else [rule]
        for k, r in enumerate(rules):
            if not isinstance(r, pn.plasticity.PlasticityRule):
                raise TypeError(f"rule[{k}] must be a rule from pyneuro.plasticity, got {type(r).__name__}")
        self._rules = rules
        super().__init__(weight=weight, delay=delay)

    def _get_minimum_delay(self) -> float:
        return default_delay()

    def pyneuro_rules(self, p: dict[str, float]) -> list[Any]:
        return list(self._rules)


def _refused(name: str, why: str) -> type:
    base = getattr(synapses, name)

    class Refused(base):  # type: ignore[valid-type, misc]
        def __init__(self, **parameters: Any) -> None:
            raise NotImplementedError(f"{name} is not available on pyneuro: {why}")

    Refused.__name__ = Refused.__qualname__ = name
    Refused.__doc__ = f"{name}: not available on pyneuro ({why})."
    return Refused


TsodyksMarkramSynapse = _refused("TsodyksMarkramSynapse", "pyneuro has no short-term plasticity")
StochasticTsodyksMarkramSynapse = _refused("StochasticTsodyksMarkramSynapse", "pyneuro has no short-term plasticity")
SimpleStochasticSynapse = _refused("SimpleStochasticSynapse", "pyneuro's synapses transmit every spike")
MultiQuantalSynapse = _refused("MultiQuantalSynapse", "pyneuro has no short-term plasticity")
ElectricalSynapse = _refused("ElectricalSynapse", "pyneuro has no gap junctions")
