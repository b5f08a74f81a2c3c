"""Plasticity rules and neuron models shipped as user definitions (:class:`pyneuro.plasticity.Custom`,
:class:`pyneuro.models.Custom`): two rules the built-ins lack, written exactly as a user would write them.

- :func:`clopath_rule` and :func:`clopath_neuron`: the voltage-based STDP of Clopath, Büsing, Vasilaki & Gerstner
  2010 (Nat. Neurosci. 13:344), with its adaptive exponential neuron (adaptive threshold, spike afterpotential and the
  2 ms voltage clamp that mimics the spike, as in the authors' reference code and NEST's ``aeif_psc_delta_clopath``).
- :func:`graupner_brunel_rule`: the calcium-based rule of Graupner & Brunel 2012 (PNAS 109:3991), with the parameter
  sets of its Fig. 2 (:data:`GRAUPNER_BRUNEL_SETS`).

Units: ms, mV, pA, nS, pF; weights as noted per rule.
"""

from __future__ import annotations

from typing import Any

from . import models, plasticity

__all__ = ["CLOPATH_RULE", "clopath_rule", "clopath_neuron", "GRAUPNER_BRUNEL_SETS", "graupner_brunel_rule"]

#: Clopath et al. 2010, Table 1 (visual cortex): amplitudes (per mV, per mV^2), thresholds (mV), time constants (ms)
CLOPATH_RULE: dict[str, float] = {
    "A_LTD": 14e-5,
    "A_LTP": 8e-5,
    "theta_minus": -70.6,
    "theta_plus": -45.3,
    "tau_x": 15.0,
    "tau_minus": 10.0,
    "tau_plus": 7.0,
    "w_min": 0.0,
    "w_max": 3.0,
}


def clopath_rule(interval: float = 0.1, **params: float) -> plasticity.Custom:
    """The voltage-based STDP rule of Clopath et al. 2010 (NEST's ``clopath_synapse``).

    With ``x_bar`` the presynaptic spike train low-pass filtered with ``tau_x`` (a trace jumping by 1/tau_x), and
    the postsynaptic membrane potential ``v`` low-pass filtered into ``u_minus`` (``tau_minus``) and ``u_plus``
    (``tau_plus``)::

        presynaptic arrival:   w <- w - A_LTD [u_minus - theta_minus]+
        every step (dt):       w <- w + A_LTP x_bar [v - theta_plus]+ [u_plus - theta_minus]+ dt

    clipped to ``[w_min, w_max]`` (dimensionless weights; with the clamp of :func:`clopath_neuron` the LTP term acts
    mainly during the 2 ms spike). ``interval`` must equal the network's dt. Parameters override
    :data:`CLOPATH_RULE`; the postsynaptic population needs a state variable ``v`` (mV).
    """
    return plasticity.Custom(
        params={**CLOPATH_RULE, **params},
        traces={"x_pre": plasticity.Trace(side="pre", tau="tau_x")},
        neuron={
            "u_minus": ("(v_post - u_minus) / tau_minus", -70.6),
            "u_plus": ("(v_post - u_plus) / tau_plus", -70.6),
        },
        on_pre="w = clip(w - A_LTD * max(u_minus - theta_minus, 0), w_min, w_max)",
        on_tick="""
            x_bar = x_pre / tau_x
            w = clip(w + A_LTP * x_bar * max(v_post - theta_plus, 0) * max(u_plus - theta_minus, 0) * dt, w_min, w_max)
        """,
        interval=interval,
    )


def clopath_neuron(**params: float) -> models.Custom:
    """The neuron of Clopath et al. 2010: adaptive exponential integrate-and-fire with an adaptive threshold
    ``V_T``, a depolarising spike afterpotential ``z`` and, after each spike, ``v`` clamped at ``V_clamp`` for
    ``t_clamp`` (the spike's width, which the rule's LTP term sees), then set to ``V_reset``::

        C_m dv/dt = -g_L (v - E_L) + g_L Delta_T exp((v - V_T) / Delta_T) - w_ad + z + I_e
        tau_w dw_ad/dt = a (v - E_L) - w_ad,   tau_z dz/dt = -z,   tau_VT dV_T/dt = V_T_rest - V_T
        v >= V_peak:  v = V_clamp, w_ad += b, z = I_sp, V_T = V_T_max (for t_clamp ms), then v = V_reset

    A spike of weight w adds w mV to v (delta synapses, receptor "exc"; NEST's ``aeif_psc_delta_clopath``).
    Integrated by rk4 in double precision.
    """
    p = {
        "C_m": 281.0,
        "g_L": 30.0,
        "E_L": -70.6,
        "Delta_T": 2.0,
        "tau_w": 144.0,
        "a": 4.0,
        "b": 80.5,
        "I_sp": 400.0,
        "tau_z": 40.0,
        "tau_VT": 50.0,
        "V_T_rest": -50.4,
        "V_T_max": -30.4,
        "V_peak": 20.0,
        "V_clamp": 33.0,
        "t_clamp": 2.0,
        "V_reset": -70.6,
        "I_e": 0.0,
        **params,
    }
    return models.Custom(
        params=p,
        state={"v": p["E_L"], "w_ad": 0.0, "z": 0.0, "V_T": p["V_T_rest"], "clamp": 0.0},
        equations="""
            ve = min(v, V_peak)
            I_m = -g_L * (ve - E_L) + g_L * Delta_T * exp((ve - V_T) / Delta_T)
            dv/dt = (I_m - w_ad + z + I_e) / C_m  (unless refractory)
            dw_ad/dt = (a * (ve - E_L) - w_ad) / tau_w
            dz/dt = -z / tau_z
            dV_T/dt = (V_T_rest - V_T) / tau_VT
            dclamp/dt = -1
            v = V_reset if (clamp <= 0.5 * dt and clamp > -0.5 * dt) else v   # the end of the clamp
        """,
        threshold="v >= V_peak",
        reset="v = V_clamp; clamp = t_clamp; w_ad += b; z = I_sp; V_T = V_T_max",
        refractory="t_clamp",
        receptors={"exc": "v += w", "inh": "v -= w"},
        method="rk4",
    )


#: Graupner & Brunel 2012, Fig. 2 and Table S1: calcium time constant (ms), amplitudes, thresholds, rates
#: (gamma_d, gamma_p per tau), tau (ms), rho_star and the presynaptic calcium delay D (ms)
GRAUPNER_BRUNEL_SETS: dict[str, dict[str, float]] = {
    "DP": dict(tau_Ca=20.0, C_pre=1.0, C_post=2.0, theta_d=1.0, theta_p=1.3, gamma_d=200.0, gamma_p=321.808,
               tau=150_000.0, rho_star=0.5, D=13.7),
    "DPD": dict(tau_Ca=20.0, C_pre=0.9, C_post=0.9, theta_d=1.0, theta_p=1.3, gamma_d=250.0, gamma_p=550.0,
                tau=150_000.0, rho_star=0.5, D=4.6),
    "DPDprime": dict(tau_Ca=20.0, C_pre=1.0, C_post=2.0, theta_d=1.0, theta_p=2.5, gamma_d=50.0, gamma_p=600.0,
                     tau=150_000.0, rho_star=0.5, D=2.2),
    "P": dict(tau_Ca=20.0, C_pre=2.0, C_post=2.0, theta_d=1.0, theta_p=1.3, gamma_d=160.0, gamma_p=257.447,
              tau=150_000.0, rho_star=0.5, D=0.0),
    "D": dict(tau_Ca=20.0, C_pre=0.6, C_post=0.6, theta_d=1.0, theta_p=1.3, gamma_d=500.0, gamma_p=550.0,
              tau=150_000.0, rho_star=0.5, D=0.0),
    "Dprime": dict(tau_Ca=20.0, C_pre=1.0, C_post=2.0, theta_d=1.0, theta_p=3.5, gamma_d=60.0, gamma_p=600.0,
                   tau=150_000.0, rho_star=0.5, D=0.0),
}


def graupner_brunel_rule(parameter_set: str = "DP", interval: float = 0.1, **params: Any) -> plasticity.Custom:
    """The calcium-based rule of Graupner & Brunel 2012 (deterministic: without the noise term).

    The calcium at a synapse is a sum of exponentials (``tau_Ca``): ``C_pre`` per presynaptic spike, arriving after
    the synapse's delay (connect with ``delay = D``, the presynaptic calcium delay of the set, at least one step),
    and ``C_post`` per postsynaptic spike: ``c = C_pre x_pre + C_post x_post`` with unit traces. The efficacy
    ``rho`` (a synapse variable in [0, 1], starting at ``rho0``) follows, every step::

        tau drho/dt = -rho (1 - rho) (rho_star - rho) + gamma_p (1 - rho) H(c - theta_p) - gamma_d rho H(c - theta_d)

    and the weight is ``w = w_down + rho (w_up - w_down)``. ``parameter_set`` is one of
    :data:`GRAUPNER_BRUNEL_SETS` (the STDP-curve classes of the paper's Fig. 2); ``params`` override its values
    (and ``rho0``, ``w_down``, ``w_up``; default 0.5, 0, 1). ``interval`` must equal the network's dt.
    """
    if parameter_set not in GRAUPNER_BRUNEL_SETS:
        raise ValueError(f"parameter_set must be one of {tuple(GRAUPNER_BRUNEL_SETS)}, got {parameter_set!r}")
    p = {**GRAUPNER_BRUNEL_SETS[parameter_set], "w_down": 0.0, "w_up": 1.0, "rho0": 0.5, **params}
    rho0 = float(p.pop("rho0"))
    p.pop("D")
    return plasticity.Custom(
        params=p,
        traces={
            "x_pre": plasticity.Trace(side="pre", tau="tau_Ca"),
            "x_post": plasticity.Trace(side="post", tau="tau_Ca"),
        },
        synapse={"rho": rho0},
        on_tick="""
            c = C_pre * x_pre + C_post * x_post
            drift = -rho * (1 - rho) * (rho_star - rho)
            rho += dt / tau * (drift + gamma_p * (1 - rho) * (c >= theta_p) - gamma_d * rho * (c >= theta_d))
            w = w_down + rho * (w_up - w_down)
        """,
        interval=interval,
    )
