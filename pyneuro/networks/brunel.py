"""The sparse network of excitatory and inhibitory LIF neurons of Brunel (2000) in its four regimes.

Source: N. Brunel, "Dynamics of sparsely connected networks of excitatory and inhibitory spiking neurons",
J. Comput. Neurosci. 8:183-208 (2000), model A: N_E = 10,000 and N_I = 2,500 leaky integrate-and-fire neurons with
delta synapses (tau = 20 ms, theta = 20 mV, V_r = 10 mV, tau_rp = 2 ms); every neuron receives C_E = 1,000
excitatory and C_I = 250 inhibitory synapses (epsilon = 0.1) of efficacy J = 0.1 mV and -g J, all with delay
D = 1.5 ms, and C_E external Poisson inputs of rate nu_ext = eta nu_thr, with nu_thr = theta / (J C_E tau) (10 Hz).
The four regimes of its Fig. 8: A, synchronous regular (g = 3, eta = 2); B, synchronous irregular with fast
oscillations (g = 6, eta = 4); C, asynchronous irregular (g = 5, eta = 2); D, synchronous irregular with slow
oscillations (g = 4.5, eta = 0.9).
"""

from __future__ import annotations

import math
import time

import numpy as np

from .._validation import check_choice, check_int, check_number
from ..connectivity import FixedInDegree
from ..models import LIFDelta
from ..network import Network
from ._model import BuiltNetwork

__all__ = ["brunel2000", "REGIMES", "theory_rate", "population_activity"]

#: (g, eta) of the four regimes of Brunel (2000), Fig. 8 A-D
REGIMES = {
    "SR": (3.0, 2.0),
    "SI_fast": (6.0, 4.0),
    "AI": (5.0, 2.0),
    "SI_slow": (4.5, 0.9),
}
N_E, N_I = 10000, 2500
C_E, C_I = 1000, 250
J = 0.1  # mV
DELAY = 1.5  # ms
TAU_M, THETA, V_RESET, T_REF = 20.0, 20.0, 10.0, 2.0


def brunel2000(
    regime: str = "AI",
    scale: float = 1.0,
    g: float | None = None,
    eta: float | None = None,
    seed: int = 1,
    threads: int = 1,
    dt: float = 0.1,
    time_convention: str = "nest",
    record: bool = True,
) -> BuiltNetwork:
    """Build Brunel's (2000) model A network in one of its regimes (see the module notes for the source).

    Parameters
    ----------
    regime : {"SR", "SI_fast", "AI", "SI_slow"}
        The regime of Fig. 8 (A-D) whose ``g`` and ``eta`` are used.
    scale : float
        Fraction of the neurons, in (0, 1]; the in-degrees stay C_E = 1000 and C_I = 250 (so every neuron's input
        statistics, and the regime, are those of the full network; the connectivity is denser).
    g, eta : float, optional
        Override the regime's relative inhibition ``g`` (> 0) and external drive ``eta = nu_ext / nu_thr`` (>= 0).
    seed, threads, dt, time_convention, record
        As for :class:`pyneuro.Network`; ``record`` records every population's spikes.

    Returns
    -------
    BuiltNetwork
        Populations "E" and "I"; the external drive is the Poisson input ``inputs["E"]``, ``inputs["I"]``.
    """
    regime = check_choice("regime", regime, tuple(REGIMES))
    scale = check_number("scale", scale, 0.0, 1.0, lo_open=True)
    g0, eta0 = REGIMES[regime]
    g = g0 if g is None else check_number("g", g, 0.0, 100.0, lo_open=True)
    eta = eta0 if eta is None else check_number("eta", eta, 0.0, 100.0)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    t0 = time.perf_counter()
    n_e, n_i = max(1, int(round(N_E * scale))), max(1, int(round(N_I * scale)))
    nu_thr = THETA / (J * C_E * TAU_M) * 1e3  # Hz
    nu_ext = eta * nu_thr
    net = Network(dt=dt, seed=seed, threads=threads, time_convention=time_convention)
    model = LIFDelta(tau_m=TAU_M, E_L=0.0, V_th=THETA, V_reset=V_RESET, t_ref=T_REF)
    e = net.add_population(model, n_e, name="E", initial={"V_m": 0.0})
    i = net.add_population(model, n_i, name="I", initial={"V_m": 0.0})
    built = BuiltNetwork(net=net, populations={"E": e, "I": i})
    for tgt in (e, i):
        built.projections[("E", tgt.name)] = net.connect(
            e, tgt, FixedInDegree(C_E), weight=J, delay=DELAY, receptor="exc"
        )
        built.projections[("I", tgt.name)] = net.connect(
            i, tgt, FixedInDegree(C_I), weight=g * J, delay=DELAY, receptor="inh"
        )
        built.inputs[tgt.name] = net.add_poisson_input(tgt, n=C_E, rate=nu_ext, weight=J)
    if record:
        built.spikes = {"E": net.record_spikes(e), "I": net.record_spikes(i)}
    built.params.update(
        regime=regime, g=g, eta=eta, nu_thr=nu_thr, nu_ext=nu_ext, sizes={"E": n_e, "I": n_i}, C_E=C_E, C_I=C_I, J=J
    )
    built.build_time = time.perf_counter() - t0
    return built


def population_activity(spike_times: np.ndarray, n: int, t_start: float, t_stop: float, bin_ms: float) -> np.ndarray:
    """Population rate (Hz) in bins of ``bin_ms`` between ``t_start`` and ``t_stop`` (ms)."""
    edges = np.arange(t_start, t_stop + 1e-9, bin_ms)
    counts = np.histogram(spike_times, edges)[0]
    return counts / (n * bin_ms * 1e-3)


def _erfcx_neg(u: float) -> float:
    """``exp(u**2) * (1 + erf(u))`` (= erfcx(-u)), without overflow for large negative ``u``."""
    if u > -5.0:
        return math.exp(u * u) * math.erfc(-u)
    x2 = u * u  # asymptotic series of erfcx(|u|), relative error < 1e-6 for |u| >= 5
    return (1.0 - 0.5 / x2 + 0.75 / x2**2 - 1.875 / x2**3) / (-u * math.sqrt(math.pi))


def theory_rate(g: float, eta: float, n_grid: int = 4001) -> float:
    """Stationary rate (Hz) of model A in the diffusion approximation (Brunel 2000, Eqs. 21-22), self-consistent.

    ``1/nu = tau_rp + tau sqrt(pi) int_{(V_r - mu)/sigma}^{(theta - mu)/sigma} exp(u^2) (1 + erf u) du`` with
    ``mu = C_E J tau (nu_ext + nu (1 - gamma g))`` and ``sigma = J sqrt(C_E tau (nu_ext + nu (1 + gamma g^2)))``,
    ``gamma = C_I / C_E``, ``nu_ext = eta nu_thr``; the integral by Simpson's rule on ``n_grid`` points, the fixed
    point by bisection of ``nu - Phi(nu)`` on (0, 1/tau_rp). It describes the asynchronous state; in the synchronous
    regimes it is the rate of the unstable stationary solution (the one fixed point in (0, 1/tau_rp) for the
    parameters of Fig. 8).
    """
    g = check_number("g", g, 0.0, 100.0, lo_open=True)
    eta = check_number("eta", eta, 0.0, 100.0)
    tau, gamma = TAU_M, C_I / C_E
    nu_ext = eta * THETA / (J * C_E * TAU_M)  # 1/ms
    erfcx = np.vectorize(_erfcx_neg)

    def phi(nu: float) -> float:
        mu = C_E * J * tau * (nu_ext + nu * (1.0 - gamma * g))
        sigma = J * math.sqrt(C_E * tau * (nu_ext + nu * (1.0 + gamma * g * g)))
        if sigma == 0.0:
            return 0.0
        a, b = (V_RESET - mu) / sigma, (THETA - mu) / sigma
        u = np.linspace(a, b, n_grid | 1)
        f = erfcx(u)
        h = (b - a) / (u.size - 1)
        integral = h / 3.0 * (f[0] + f[-1] + 4.0 * f[1:-1:2].sum() + 2.0 * f[2:-1:2].sum())
        return 1.0 / (T_REF + tau * math.sqrt(math.pi) * integral)

    lo, hi = 0.0, 1.0 / T_REF
    if phi(lo) <= 0.0:
        return 0.0
    for _ in range(60):  # nu - phi(nu) < 0 at lo, > 0 at hi
        mid = 0.5 * (lo + hi)
        if mid - phi(mid) < 0.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi) * 1e3
