"""The balanced random network with power-law STDP of Morrison, Aertsen & Diesmann (2007), as NEST's hpc_benchmark.

Source: A. Morrison, A. Aertsen and M. Diesmann, "Spike-timing-dependent plasticity in balanced random networks",
Neural Computation 19:1437-1467 (2007), and its parameters as NEST's ``hpc_benchmark.py`` (pynest/examples) states
them: 9,000 excitatory and 2,250 inhibitory current-based LIF neurons with alpha-shaped currents (NEST
``iaf_psc_alpha``: tau_m = 10 ms, C_m = 250 pF, E_L = 0, V_th = 20 mV, V_reset = 0, t_ref = 0.5 ms,
tau_syn = 0.326 ms; initial V_m ~ N(5.7, 7.2) mV); every neuron receives C_E = 9,000 excitatory and C_I = 2,250
inhibitory synapses (fixed in-degree) with delay 1.5 ms; the excitatory PSP is 0.14 mV, inhibition g = -5 times
stronger; external Poisson drive of eta = 1.685 times the threshold rate through C_E inputs. The E -> E synapses
carry the power-law STDP of Morrison et al. 2007 (NEST ``stdp_pl_synapse_hom``): lambda = 0.1, alpha = 0.0513,
mu = 0.4, tau_plus = 15 ms, tau_minus = 30 ms; pyneuro's ``STDP(weight_dependence="morrison")``.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .._validation import check_int, check_number
from ..connectivity import FixedInDegree
from ..models import LIFAlpha
from ..network import Network
from ..plasticity import STDP
from ._model import BuiltNetwork

__all__ = ["morrison2007", "alpha_psp_peak", "fixed_point_weight"]

N_E, N_I = 9000, 2250
C_E, C_I = 9000, 2250
NEURON = dict(E_L=0.0, C_m=250.0, tau_m=10.0, t_ref=0.5, V_th=20.0, V_reset=0.0, tau_syn=0.32582722403722841)
V0_MEAN, V0_SD = 5.7, 7.2
JE_MV = 0.14  # peak PSP (mV)
G = -5.0
ETA = 1.685
DELAY = 1.5
W0 = 1.0  # pA: the reference weight of the power law (NEST's weights are in pA)
STDP_PARAMS = dict(lam=0.1, alpha=0.0513, mu=0.4, tau_plus=15.0, tau_minus=30.0)


def alpha_psp_peak(tau_m: float, C_m: float, tau_syn: float) -> float:
    """Peak PSP (mV) of a LIF neuron for an alpha current of peak 1 pA (found by maximising the closed form)."""
    a, b = 1.0 / tau_syn, 1.0 / tau_syn - 1.0 / tau_m

    def psp(t: float) -> float:
        return math.e / (tau_syn * C_m * b) * ((math.exp(-t / tau_m) - math.exp(-t * a)) / b - t * math.exp(-t * a))

    lo, hi = 0.0, 10.0 * tau_m
    for _ in range(200):  # golden-section search for the maximum
        m1, m2 = lo + (hi - lo) * 0.381966, hi - (hi - lo) * 0.381966
        if psp(m1) < psp(m2):
            lo = m1
        else:
            hi = m2
    return psp(0.5 * (lo + hi))


def fixed_point_weight(k_scale: float = 1.0) -> float:
    """The weight (pA) at which the power-law rule's drift vanishes for uncorrelated pre- and postsynaptic spikes
    (Morrison et al. 2007): potentiation ``lambda w0**(1-mu) w**mu tau_plus`` equals depression
    ``lambda alpha w tau_minus`` per pair of rates, so ``w* = w0 (tau_plus / (alpha tau_minus))**(1 / (1 - mu))``,
    with ``w0 = 1 pA / k_scale`` as the builder sets it."""
    s = STDP_PARAMS
    return W0 / k_scale * (s["tau_plus"] / (s["alpha"] * s["tau_minus"])) ** (1.0 / (1.0 - s["mu"]))


def morrison2007(
    scale: float = 1.0,
    k_scale: float = 1.0,
    plastic: bool = True,
    seed: int = 1,
    threads: int = 1,
    dt: float = 0.1,
    time_convention: str = "nest",
    record: bool = True,
) -> BuiltNetwork:
    """Build the balanced network with power-law STDP (see the module notes for the source).

    Parameters
    ----------
    scale : float
        Fraction of the neurons, in (0, 1]. As in NEST's hpc_benchmark the in-degrees do not scale with it
        (multapses allowed), so at 0.1 every neuron still has 9,000 + 2,250 inputs.
    k_scale : float
        Fraction of the in-degrees, in (0, 1]. The weights are multiplied by ``1 / k_scale`` and the external rate
        per input kept, so the mean input is unchanged (its fluctuations grow): a reduced model for quick runs. The
        rule's reference weight ``w0`` (1 pA in the model) is multiplied by ``1 / k_scale`` too, so that its fixed
        point ``w* = w0 (tau_plus / (alpha tau_minus))**(1 / (1 - mu))`` and its relative updates scale with the
        weights.
    plastic : bool
        Whether E -> E synapses carry the power-law STDP (else static at their initial weight).
    seed, threads, dt, time_convention, record
        As for :class:`pyneuro.Network`; ``record`` records every population's spikes.

    Returns
    -------
    BuiltNetwork
        Populations "E" and "I"; ``projections[("E", "E")]`` is the plastic one.
    """
    scale = check_number("scale", scale, 0.0, 1.0, lo_open=True)
    k_scale = check_number("k_scale", k_scale, 0.0, 1.0, lo_open=True)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    t0 = time.perf_counter()
    p = NEURON
    n_e, n_i = max(1, int(round(N_E * scale))), max(1, int(round(N_I * scale)))
    c_e, c_i = max(1, int(round(C_E * k_scale))), max(1, int(round(C_I * k_scale)))
    je = JE_MV / alpha_psp_peak(p["tau_m"], p["C_m"], p["tau_syn"])  # pA
    nu_thr = p["V_th"] / (C_E * p["tau_m"] / p["C_m"] * je * math.e * p["tau_syn"])  # 1/ms, full in-degree
    nu_ext = ETA * nu_thr * 1e3  # Hz per external input
    w_e, w_i = je / k_scale, abs(G) * je / k_scale
    net = Network(dt=dt, seed=seed, threads=threads, time_convention=time_convention)
    model = LIFAlpha(
        tau_m=p["tau_m"],
        C_m=p["C_m"],
        E_L=p["E_L"],
        V_th=p["V_th"],
        V_reset=p["V_reset"],
        t_ref=p["t_ref"],
        tau_syn_ex=p["tau_syn"],
        tau_syn_in=p["tau_syn"],
    )
    rng = np.random.default_rng([seed, 0x4D413037])
    e = net.add_population(model, n_e, name="E", initial={"V_m": rng.normal(V0_MEAN, V0_SD, n_e)})
    i = net.add_population(model, n_i, name="I", initial={"V_m": rng.normal(V0_MEAN, V0_SD, n_i)})
    built = BuiltNetwork(net=net, populations={"E": e, "I": i})
    s = STDP_PARAMS
    rule = STDP(
        tau_pre=s["tau_plus"],
        tau_post=s["tau_minus"],
        a_pre=s["lam"],
        a_post=-s["lam"] * s["alpha"],
        w_min=0.0,
        w_max=math.inf,
        weight_dependence="morrison",
        mu=s["mu"],
        w0=W0 / k_scale,
    )
    built.projections[("E", "E")] = net.connect(
        e, e, FixedInDegree(c_e), weight=w_e, delay=DELAY, plasticity=rule if plastic else None
    )
    built.projections[("E", "I")] = net.connect(e, i, FixedInDegree(c_e), weight=w_e, delay=DELAY)
    for tgt in (e, i):
        built.projections[("I", tgt.name)] = net.connect(
            i, tgt, FixedInDegree(c_i), weight=w_i, delay=DELAY, receptor="inh"
        )
        built.inputs[tgt.name] = net.add_poisson_input(tgt, n=c_e, rate=nu_ext, weight=w_e)
    if record:
        built.spikes = {"E": net.record_spikes(e), "I": net.record_spikes(i)}
    built.params.update(
        sizes={"E": n_e, "I": n_i}, C_E=c_e, C_I=c_i, J_E_pA=je, w_E=w_e, w_I=w_i, nu_ext=nu_ext, plastic=plastic,
        w0=W0 / k_scale, w_fixed=fixed_point_weight(k_scale)
    )
    built.build_time = time.perf_counter() - t0
    return built
