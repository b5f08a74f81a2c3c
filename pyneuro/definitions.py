"""Plasticity rules and neuron models shipped as user definitions (:class:`pyneuro.plasticity.Custom`,
:class:`pyneuro.models.Custom`): two rules the built-ins lack, written exactly as a user would write them.

- :func:`clopath_rule` and :func:`clopath_neuron`: the voltage-based STDP of Clopath, Büsing, Vasilaki & Gerstner
  2010 (Nat. Neurosci. 13:344), with its adaptive exponential neuron (adaptive threshold, spike afterpotential and the
  2 ms voltage clamp that mimics the spike, as in the authors' reference code and NEST's ``aeif_psc_delta_clopath``).
- :func:`graupner_brunel_rule`: the calcium-based rule of Graupner & Brunel 2012 (PNAS 109:3991), with the parameter
  sets of its Fig. 2 (:data:`GRAUPNER_BRUNEL_SETS`).
- :func:`zenke_neuron`: the neuron of Zenke, Hennequin & Gerstner 2013 (Auryn's ``IFGroup``), the user-written twin
  of the built-in :class:`pyneuro.models.LIFCondAmpaNmda`.
- :func:`aeif_cond_alpha`: the adaptive exponential neuron (Brette & Gerstner 2005) with alpha-shaped conductances
  (NEST's ``aeif_cond_alpha``, PyNN's ``EIF_cond_alpha_isfa_ista``).
- :func:`hh_cond_exp_traub`: the Hodgkin-Huxley neuron of Traub & Miles 1991 with exponential conductances (NEST's
  ``hh_cond_exp_traub``, PyNN's ``HH_cond_exp``).

Units: ms, mV, pA, nS, pF; weights as noted per rule.
"""

from __future__ import annotations

import math
from typing import Any

from . import models, plasticity

__all__ = [
    "CLOPATH_RULE",
    "clopath_rule",
    "clopath_neuron",
    "GRAUPNER_BRUNEL_SETS",
    "graupner_brunel_rule",
    "zenke_neuron",
    "AEIF_COND_ALPHA",
    "aeif_cond_alpha",
    "HH_COND_EXP_TRAUB",
    "hh_cond_exp_traub",
]

#: Clopath et al. 2010, Table 1 (visual cortex): amplitudes (per mV, per mV^2), thresholds (mV), time constants (ms);
#: delay_u (ms): the delay with which the rule reads the filtered potentials (the authors' code, NEST's delay_u_bars,
#: 4 ms as in NEST's example of the paper's Fig. 2b)
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
    "delay_u": 4.0,
}


def clopath_rule(interval: float = 0.1, **params: float) -> plasticity.Custom:
    """The voltage-based STDP rule of Clopath et al. 2010 (NEST's ``clopath_synapse``).

    With ``x_bar`` the presynaptic spike train low-pass filtered with ``tau_x`` (a trace jumping by 1/tau_x), and
    the postsynaptic membrane potential ``v`` low-pass filtered into ``u_minus`` (``tau_minus``) and ``u_plus``
    (``tau_plus``)::

        presynaptic arrival:   w <- w - A_LTD [u_minus(t - delay_u) - theta_minus]+
        every step (dt):       w <- w + A_LTP x_bar [v - theta_plus]+ [u_plus(t - delay_u) - theta_minus]+ dt

    clipped to ``[w_min, w_max]`` (dimensionless weights; with the clamp of :func:`clopath_neuron` the LTP term acts
    mainly during the 2 ms spike). The filtered potentials enter ``delay_u`` ms late (as in the authors' code and
    NEST's ``clopath_synapse``): a spike's own depolarisation then no longer raises ``u_plus`` during that spike,
    so an isolated pre-post pair leaves the weight nearly unchanged, as in the data (Sjöström et al. 2001: 96 +- 5 %
    at 0.1 Hz), while at higher frequencies the potential left by the previous spikes gives LTP. ``interval`` must
    equal the network's dt. Parameters override :data:`CLOPATH_RULE`; the postsynaptic population needs a state
    variable ``v`` (mV).
    """
    return plasticity.Custom(
        params={**CLOPATH_RULE, **params},
        traces={"x_pre": plasticity.Trace(side="pre", tau="tau_x")},
        neuron={
            "u_minus": ("(v_post - u_minus) / tau_minus", -70.6, "delay_u"),
            "u_plus": ("(v_post - u_plus) / tau_plus", -70.6, "delay_u"),
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


def zenke_neuron(**params: float) -> models.Custom:
    """The neuron of Zenke, Hennequin & Gerstner 2013 (PLoS Comput. Biol. 9:e1003330), Auryn's ``IFGroup``, written
    as a user definition: the twin of the built-in :class:`pyneuro.models.LIFCondAmpaNmda`, with the same parameter
    names and defaults (``ampa_nmda_ratio`` r splits excitation into ``r / (1 + r)`` AMPA and ``1 / (1 + r)``
    NMDA)::

        C_m dv/dt = g_L (E_L - v) + (a_A g_ex + a_N g_nmda)(E_ex - v) + g_in (E_in - v) + I_e
        dg_ex/dt = -g_ex / tau_syn_ex,  dg_nmda/dt = (g_ex - g_nmda) / tau_nmda,  dg_in/dt = -g_in / tau_syn_in
        dtheta/dt = -theta / tau_th;  v clipped to [V_min, V_max];  v > V_th + theta: v = V_reset, theta = delta_th

    Forward Euler in single precision (Auryn's scheme: every derivative from the state at the start of the step;
    ``g_ex``, ``g_in`` and ``theta`` decay exactly). The NMDA equation is written as Auryn's filter step,
    ``g_nmda <- (g_nmda + m g_ex)(1 - m)`` with ``m = 1 - exp(-dt / tau_nmda)``, expressed as a derivative (the
    same to first order in dt). The built-in also follows Auryn's order of float operations, so the two agree to
    rounding, not bit for bit: a single neuron's ``v`` to about 1e-4 mV and its spike times exactly over a second
    of drive; a network's rates statistically (its chaos amplifies rounding).
    """
    p = {
        "C_m": 200.0,
        "g_L": 10.0,
        "E_L": -70.0,
        "V_th": -50.0,
        "V_reset": -70.0,
        "delta_th": 100.0,
        "tau_th": 5.0,
        "tau_syn_ex": 5.0,
        "tau_nmda": 100.0,
        "ampa_nmda_ratio": 1.0,
        "tau_syn_in": 10.0,
        "E_ex": 0.0,
        "E_in": -80.0,
        "V_min": -80.0,
        "V_max": 0.0,
        "I_e": 0.0,
        **params,
    }
    r = float(p.pop("ampa_nmda_ratio"))
    if not 0.0 <= r < 1e3:
        raise ValueError(f"zenke_neuron: ampa_nmda_ratio must be in [0, 1000), got {r}")
    p["a_ampa"], p["a_nmda"] = r / (1.0 + r), 1.0 / (1.0 + r)
    return models.Custom(
        params=p,
        state={"v": p["E_L"], "g_ex": 0.0, "g_nmda": 0.0, "g_in": 0.0, "theta": 0.0},
        equations="""
            dv/dt = (g_L * (E_L - v) + (a_ampa * g_ex + a_nmda * g_nmda) * (E_ex - v) + g_in * (E_in - v) + I_e) / C_m
            dg_ex/dt = -g_ex / tau_syn_ex
            dg_nmda/dt = (1 - exp(-dt / tau_nmda)) * (exp(-dt / tau_nmda) * g_ex - g_nmda) / dt
            dg_in/dt = -g_in / tau_syn_in
            dtheta/dt = -theta / tau_th
            v = clip(v, V_min, V_max)
        """,
        threshold="v > V_th + theta",
        reset="v = V_reset; theta = delta_th",
        receptors={"exc": "g_ex += w", "inh": "g_in += w"},
        method="euler",
    )


#: defaults of :func:`aeif_cond_alpha` (NEST's aeif_cond_alpha; pF, nS, mV, ms, pA)
AEIF_COND_ALPHA: dict[str, float] = {
    "C_m": 281.0,
    "g_L": 30.0,
    "E_L": -70.6,
    "V_th": -50.4,
    "Delta_T": 2.0,
    "V_peak": 0.0,
    "V_reset": -60.0,
    "t_ref": 0.0,
    "tau_w": 144.0,
    "a": 4.0,
    "b": 80.5,
    "tau_syn_ex": 0.2,
    "tau_syn_in": 2.0,
    "E_ex": 0.0,
    "E_in": -85.0,
    "I_e": 0.0,
}


def aeif_cond_alpha(method: str = "rk4", **params: float) -> models.Custom:
    """Adaptive exponential integrate-and-fire neuron with alpha-shaped conductances (Brette & Gerstner 2005, J.
    Neurophysiol. 94:3637; NEST's ``aeif_cond_alpha``)::

        C_m dv/dt = -g_L (v - E_L) + g_L Delta_T exp((v - V_th) / Delta_T) - g_ex (v - E_ex) - g_in (v - E_in)
                    - w + I_e + I_stim
        tau_w dw/dt = a (v - E_L) - w
        dg_x/dt = h_x - g_x / tau_syn_x,   dh_x/dt = -h_x / tau_syn_x
        v >= V_peak:  v = V_reset, w += b; v held at V_reset for t_ref (w evolves)

    A spike of weight ``w`` (nS) adds ``e w / tau_syn_x`` to ``h_x``, so ``g_x`` peaks at ``w`` after ``tau_syn_x``.
    ``I_stim`` (pA) is the per-neuron stimulus current that current inputs drive. The exponential term reads
    ``min(v, V_peak)``. Parameters (:data:`AEIF_COND_ALPHA`, the same names as :class:`pyneuro.models.AdEx`) may be
    overridden; integrated by ``method`` (``"rk4"``: fourth-order Runge-Kutta per step, in double precision).
    """
    p = {**AEIF_COND_ALPHA, **params}
    p["k_ex"] = math.e / p["tau_syn_ex"]
    p["k_in"] = math.e / p["tau_syn_in"]
    return models.Custom(
        params=p,
        state={"v": p["E_L"], "w": 0.0, "g_ex": 0.0, "h_ex": 0.0, "g_in": 0.0, "h_in": 0.0, "I_stim": 0.0},
        equations="""
            ve = min(v, V_peak)
            I_syn = g_ex * (ve - E_ex) + g_in * (ve - E_in)
            I_spike = g_L * Delta_T * exp((ve - V_th) / Delta_T)
            dv/dt = (-g_L * (ve - E_L) + I_spike - I_syn - w + I_e + I_stim) / C_m  (unless refractory)
            dw/dt = (a * (ve - E_L) - w) / tau_w
            dg_ex/dt = h_ex - g_ex / tau_syn_ex
            dh_ex/dt = -h_ex / tau_syn_ex
            dg_in/dt = h_in - g_in / tau_syn_in
            dh_in/dt = -h_in / tau_syn_in
        """,
        threshold="v >= V_peak",
        reset="v = V_reset; w += b",
        refractory="t_ref",
        receptors={"exc": "h_ex += k_ex * w", "inh": "h_in += k_in * w"},
        method=method,
    )


#: defaults of :func:`hh_cond_exp_traub` (NEST's hh_cond_exp_traub; nS, pF, mV, ms, pA)
HH_COND_EXP_TRAUB: dict[str, float] = {
    "g_Na": 20000.0,
    "g_K": 6000.0,
    "g_L": 10.0,
    "C_m": 200.0,
    "E_Na": 50.0,
    "E_K": -90.0,
    "E_L": -60.0,
    "V_T": -63.0,
    "E_ex": 0.0,
    "E_in": -80.0,
    "tau_syn_ex": 5.0,
    "tau_syn_in": 10.0,
    "t_ref": 2.0,
    "I_e": 0.0,
}


def hh_cond_exp_traub(method: str = "rk4", **params: float) -> models.Custom:
    """Hodgkin-Huxley neuron of Traub & Miles 1991 (Neuronal Networks of the Hippocampus) with exponential
    conductances, as NEST's ``hh_cond_exp_traub`` (after Brette et al. 2007, J. Comput. Neurosci. 23:349)::

        C_m dv/dt = -g_Na m^3 h (v - E_Na) - g_K n^4 (v - E_K) - g_L (v - E_L) - g_ex (v - E_ex) - g_in (v - E_in)
                    + I_e + I_stim
        dx/dt = alpha_x(u) (1 - x) - beta_x(u) x   for x in m, h, n,   u = v - V_T
        alpha_m = 0.32 (13 - u) / (exp((13 - u) / 4) - 1),   beta_m = 0.28 (u - 40) / (exp((u - 40) / 5) - 1)
        alpha_h = 0.128 exp((17 - u) / 18),                   beta_h = 4 / (1 + exp((40 - u) / 5))
        alpha_n = 0.032 (15 - u) / (exp((15 - u) / 5) - 1),   beta_n = 0.5 exp((10 - u) / 40)
        dg_x/dt = -g_x / tau_syn_x   (a spike of weight w adds w nS)

    A spike is emitted where ``v`` peaks above ``V_T + 30`` mV (the first step at which it falls there), at most
    once per ``t_ref``; nothing is reset. The gating variables start at their steady state for the initial ``v``
    (``E_L``). Parameters (:data:`HH_COND_EXP_TRAUB`) may be overridden; integrated by ``method`` (``"rk4"``,
    double precision; ``"exponential_euler"`` is also stable for the gates).
    """
    p = {**HH_COND_EXP_TRAUB, **params}
    u = p["E_L"] - p["V_T"]
    am, bm = 0.32 * (13 - u) / math.expm1((13 - u) / 4), 0.28 * (u - 40) / math.expm1((u - 40) / 5)
    ah, bh = 0.128 * math.exp((17 - u) / 18), 4 / (1 + math.exp((40 - u) / 5))
    an, bn = 0.032 * (15 - u) / math.expm1((15 - u) / 5), 0.5 * math.exp((10 - u) / 40)
    state = {
        "v": p["E_L"],
        "m": am / (am + bm),
        "h": ah / (ah + bh),
        "n": an / (an + bn),
        "g_ex": 0.0,
        "g_in": 0.0,
        "I_stim": 0.0,
        "v_prev": p["E_L"],
        "falling": 0.0,
    }
    return models.Custom(
        params=p,
        state=state,
        equations="""
            u = v - V_T
            I_Na = g_Na * m * m * m * h * (v - E_Na)
            I_K = g_K * n * n * n * n * (v - E_K)
            I_syn = g_ex * (v - E_ex) + g_in * (v - E_in)
            dv/dt = (-I_Na - I_K - g_L * (v - E_L) - I_syn + I_e + I_stim) / C_m
            dm/dt = 0.32 * (13 - u) / (exp((13 - u) / 4) - 1) * (1 - m) - 0.28 * (u - 40) / (exp((u - 40) / 5) - 1) * m
            dh/dt = 0.128 * exp((17 - u) / 18) * (1 - h) - 4 / (1 + exp((40 - u) / 5)) * h
            dn/dt = 0.032 * (15 - u) / (exp((15 - u) / 5) - 1) * (1 - n) - 0.5 * exp((10 - u) / 40) * n
            dg_ex/dt = -g_ex / tau_syn_ex
            dg_in/dt = -g_in / tau_syn_in
            falling = 1.0 if v < v_prev else 0.0
            v_prev = v
        """,
        threshold="v > V_T + 30 and falling > 0.5",
        refractory="t_ref",
        receptors={"exc": "g_ex += w", "inh": "g_in += w"},
        method=method,
    )
