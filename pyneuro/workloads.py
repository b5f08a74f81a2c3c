"""The standard workloads (defined in benchmarks/README.md), built with the public API.

Shared by the demo, the benchmarks and the tests so that all of them run the very same networks.

- ``coba``: Vogels & Abbott 2005 / Brette et al. 2007 benchmark 1 (W1), optionally with pair STDP on E->E (W2).
- ``song2000``: Song, Miller & Abbott 2000 (W3): 1000 Poisson inputs with STDP onto one neuron.
- ``scaling``: W1's neurons at fixed in-degree (80 exc + 20 inh) with STDP on E->E and a 90 pA drive (W5).
- ``rewiring``: W5 with pruning of weak E->E synapses and growth of new ones, about 1% replaced per second (W6).
- ``zenke25k``: the plastic background network of Zenke, Hennequin & Gerstner 2013 (W4) as Auryn's
  sim_background builds it: AMPA/NMDA neurons with a threshold jump, minimal triplet STDP with a BCM-like sliding
  threshold on 2e7 E->E synapses, 30 s of priming with plasticity off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import connectivity as conn
from . import models, plasticity
from .monitors import RateMonitor, SpikeMonitor
from .network import Network
from .population import Population
from .projection import Projection
from .schedule import Window

__all__ = [
    "Workload",
    "coba",
    "coba_initial_state",
    "coba_stdp_rule",
    "song2000",
    "scaling",
    "zenke25k",
    "rewiring",
    "zenke_rule",
    "COBA_NEURON",
]

#: the COBA neuron of W1 (Brian's COBA.py / NEST's brette_et_al_2007/coba.py)
COBA_NEURON = dict(
    C_m=200.0,
    g_L=10.0,
    E_L=-60.0,
    V_th=-50.0,
    V_reset=-60.0,
    t_ref=5.0,
    tau_syn_ex=5.0,
    tau_syn_in=10.0,
    E_ex=0.0,
    E_in=-80.0,
    I_e=0.0,
)


@dataclass
class Workload:
    """A built network with handles to what the workloads report."""

    net: Network
    populations: dict[str, Population]
    projections: dict[str, Projection]
    spikes: dict[str, SpikeMonitor] = field(default_factory=dict)
    rates: dict[str, RateMonitor] = field(default_factory=dict)

    @property
    def n_synapses(self) -> int:
        return sum(p.size for p in self.projections.values())

    def rate(self, name: str, t_ms: float) -> float:
        """Mean rate (Hz) of a recorded population over the last t_ms of simulated time (whole bins for a
        population recorded with a rate monitor)."""
        if name in self.rates:
            m = self.rates[name]
            nb = max(1, int(round(t_ms / (m.bin_steps * self.net.dt))))
            c = m.counts[-nb:]
            return float(c.sum()) / (self.populations[name].size * nb * m.bin_steps * self.net.dt * 1e-3)
        return self.spikes[name].count / (self.populations[name].size * t_ms * 1e-3)


def coba_initial_state(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W1's initial state for n neurons: v ~ N(-65, 5) mV, g_ex ~ N(40, 15) nS, g_in ~ N(200, 120) nS, negative
    conductances clipped to 0 (numpy, seeded; excitatory neurons take the first values)."""
    rng = np.random.default_rng(seed)
    v = rng.normal(-65.0, 5.0, n)
    ge = np.clip(rng.normal(40.0, 15.0, n), 0.0, None)
    gi = np.clip(rng.normal(200.0, 120.0, n), 0.0, None)
    return v, ge, gi


def _set_coba_state(exc: Population, inh: Population, seed: int) -> None:
    v, ge, gi = coba_initial_state(seed, exc.size + inh.size)
    for pop, sl in ((exc, slice(0, exc.size)), (inh, slice(exc.size, exc.size + inh.size))):
        pop.set("v", v[sl])
        pop.set("g_ex", ge[sl])
        pop.set("g_in", gi[sl])


def coba_stdp_rule(w_max: float = 12.0) -> plasticity.STDP:
    """W2's rule: additive all-to-all pair STDP, tau 20/20 ms, a_pre = 0.01 w_max, a_post = -1.05 a_pre."""
    a_pre = 0.01 * w_max
    return plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=a_pre, a_post=-1.05 * a_pre, w_min=0.0, w_max=w_max)


def coba(
    threads: int = 1,
    seed: int = 1,
    stdp: bool = False,
    record: bool = True,
    n_exc: int = 3200,
    n_inh: int = 800,
    p: float = 0.02,
    max_rate: float = 1000.0,
    rule: plasticity.PlasticityRule | None = None,
) -> Workload:
    """W1 (``stdp=False``) or W2 (``stdp=True``) of the benchmarks.

    4000 LIFCond neurons (3200 excitatory), every pair connected with p = 0.02 (self-connections allowed),
    6 nS excitatory / 67 nS inhibitory increments, 0.1 ms delays, initial state from ``coba_initial_state``.
    W2 draws E->E and E->I separately and makes E->E plastic (``coba_stdp_rule``, w_max = 12 nS, or ``rule`` when
    given, e.g. the same rule written as a :class:`pyneuro.plasticity.Custom` definition).
    Projections are named "ee", "ei", "ie", "ii".
    """
    net = Network(dt=0.1, seed=seed, threads=threads, max_rate=max_rate)
    exc = net.add_population(models.LIFCond(**COBA_NEURON), n_exc, name="exc")
    inh = net.add_population(models.LIFCond(**COBA_NEURON), n_inh, name="inh")
    _set_coba_state(exc, inh, seed)
    if stdp and rule is None:
        rule = coba_stdp_rule(12.0)
    elif not stdp:
        rule = None
    projs = {
        "ee": net.connect(
            exc, exc, conn.FixedProbability(p), weight=6.0, delay=0.1, receptor="exc", plasticity=rule, name="ee"
        ),
        "ei": net.connect(exc, inh, conn.FixedProbability(p), weight=6.0, delay=0.1, receptor="exc", name="ei"),
        "ie": net.connect(inh, exc, conn.FixedProbability(p), weight=67.0, delay=0.1, receptor="inh", name="ie"),
        "ii": net.connect(inh, inh, conn.FixedProbability(p), weight=67.0, delay=0.1, receptor="inh", name="ii"),
    }
    w = Workload(net, {"exc": exc, "inh": inh}, projs)
    if record:
        w.spikes = {"exc": net.record_spikes(exc), "inh": net.record_spikes(inh)}
    return w


def song2000(threads: int = 1, seed: int = 1, n_inputs: int = 1000, rate: float = 15.0) -> Workload:
    """W3: Song, Miller & Abbott 2000 as Brian2's ``examples/synapses/STDP.py``.

    1000 Poisson inputs at 15 Hz onto one conductance-based neuron (tau_m = 10 ms, E_L = -74 mV,
    V_th = -54 mV, V_reset = -60 mV, E_ex = 0 mV, tau_ex = 5 ms, no refractory period). Conductances are in units
    of the leak (g_L = 10 nS here, so g_max = 0.01 is 0.1 nS); initial weights uniform in [0, g_max];
    tau_pre = tau_post = 20 ms, a_pre = 0.01 g_max, a_post = -1.05 a_pre. Expect a bimodal weight histogram.
    """
    net = Network(dt=0.1, seed=seed, threads=threads)
    g_l = 10.0
    g_max = 0.01 * g_l
    src = net.add_population(models.PoissonSource(rate=rate), n_inputs, name="inputs")
    neuron = net.add_population(
        models.LIFCond(
            C_m=100.0,
            g_L=g_l,
            E_L=-74.0,
            V_th=-54.0,
            V_reset=-60.0,
            t_ref=0.0,
            tau_syn_ex=5.0,
            tau_syn_in=5.0,
            E_ex=0.0,
            E_in=-80.0,
        ),
        1,
        name="neuron",
    )
    proj = net.connect(
        src,
        neuron,
        conn.AllToAll(),
        weight=conn.Uniform(0.0, g_max),
        delay=0.1,
        plasticity=coba_stdp_rule(g_max),
        name="input",
    )
    w = Workload(net, {"inputs": src, "neuron": neuron}, {"input": proj})
    w.spikes = {"neuron": net.record_spikes(neuron)}
    return w


def scaling(n: int, threads: int = 1, seed: int = 1, stdp: bool = True, comm: Any = None) -> Workload:
    """W5: W1's neurons (80% excitatory) with exactly 80 excitatory and 20 inhibitory inputs per neuron
    (sources drawn without replacement), w_e = 2.4 nS (STDP on E->E with w_max = 2 w_e), w_i = 107.2 nS, and a
    constant 90 pA drive: asynchronous irregular activity near 5 Hz at every size. ``comm``: an mpi4py
    communicator to split the network over (see :class:`~pyneuro.Network`)."""
    net = Network(dt=0.1, seed=seed, threads=threads, comm=comm)
    ne = int(n * 0.8)
    params = dict(COBA_NEURON, I_e=90.0)
    exc = net.add_population(models.LIFCond(**params), ne, name="exc")
    inh = net.add_population(models.LIFCond(**params), n - ne, name="inh")
    w_e, w_i = 2.4, 107.2
    rule = coba_stdp_rule(2 * w_e) if stdp else None
    e_in = conn.FixedInDegree(80, allow_multapses=False)
    i_in = conn.FixedInDegree(20, allow_multapses=False)
    projs = {
        "ee": net.connect(exc, exc, e_in, weight=w_e, delay=0.1, plasticity=rule, name="ee"),
        "ei": net.connect(exc, inh, e_in, weight=w_e, delay=0.1, name="ei"),
        "ie": net.connect(inh, exc, i_in, weight=w_i, delay=0.1, receptor="inh", name="ie"),
        "ii": net.connect(inh, inh, i_in, weight=w_i, delay=0.1, receptor="inh", name="ii"),
    }
    _set_coba_state(exc, inh, seed)
    w = Workload(net, {"exc": exc, "inh": inh}, projs)
    w.spikes = {"exc": net.record_spikes(exc), "inh": net.record_spikes(inh)}
    return w


def rewiring(
    n: int = 16000, threads: int = 1, seed: int = 1, rewire: bool = True, interval: float = 1000.0
) -> Workload:
    """W6: W5 (:func:`scaling`) whose E->E synapses are rewired while it runs: every ``interval`` ms (default 1 s)
    a synapse weaker than the initial weight w_e is pruned with probability 0.002 x interval / 100 ms (STDP has
    depressed about half of them, so about 0.8% of the E->E synapses go per simulated second) and every neuron
    regrows up to its 80 excitatory inputs (``Growth`` with ``max_in_degree=80``, new weight w_e, delay 0.1 ms,
    partners uniform). With ``rewire=False`` the same network without structural rules (the cost baseline)."""
    w = scaling(n, threads=threads, seed=seed, stdp=True)
    if rewire:
        from . import structural

        w.net.add_structural(
            w.projections["ee"],
            structural.Pruning(threshold=2.4, probability=0.002 * interval / 100.0, interval=interval),
            structural.Growth(rate=100.0, weight=2.4, delay=0.1, max_in_degree=80, interval=interval),
        )
    return w


def zenke_rule(
    tau_rate: float = 10_000.0, target_rate: float = 3.0, unit: float = 1.0, prime: float = 0.0
) -> plasticity.BCM:
    """W4's E->E rule, Auryn's ``TripletConnection``: minimal all-to-all triplet STDP (tau_plus 16.8 ms,
    tau_minus 33.7 ms, tau_y 114 ms, A3+ = 6.5e-3) whose pair-LTD amplitude follows the squared slow rate estimate
    over the target (3 Hz), with A2- set so that the fixed point is the target rate (Zenke, Hennequin & Gerstner
    2013); the estimate starts at the target; weights in [0, 1] times ``unit`` (amplitudes scale with it); off
    (learning-rate factor 0) for the first ``prime`` ms."""
    return plasticity.BCM(
        tau_plus=16.8,
        tau_minus=33.7,
        tau_y=114.0,
        a3_plus=6.5e-3 * unit,
        target_rate=target_rate,
        tau_rate=tau_rate,
        initial_rate=target_rate,
        w_min=0.0,
        w_max=1.0 * unit,
        schedule=Window(prime, math.inf) if prime > 0.0 else None,
    )


def zenke25k(
    threads: int = 1,
    seed: int = 1,
    scale: float = 1.0,
    tau_rate: float = 10_000.0,
    plastic: bool = True,
    prime: float | None = None,
    fixed_indegree: bool = False,
    record: str = "rates",
    neuron: str = "builtin",
) -> Workload:
    """W4: the plastic background network of Zenke, Hennequin & Gerstner 2013 as Auryn's
    ``examples/plasticity/sim_background.cpp`` builds it at its benchmark settings (``--fast --tau 10``), model for
    model, with ``scale`` times its 20,000 + 5,000 neurons.

    - Neurons: :class:`pyneuro.models.LIFCondAmpaNmda` (Auryn's ``IFGroup``) with its defaults: tau_m 20 ms
      (C_m 200 pF, g_L 10 nS) for E and 10 ms (C_m 100 pF) for I, E_L = V_reset = -70 mV, V_th = -50 mV, a 100 mV
      threshold jump relaxing in 5 ms, no absolute refractory period, AMPA 5 ms and NMDA 100 ms in equal parts,
      GABA 10 ms, E_ex = 0, E_in = -80 mV, v clipped to [-80, 0] mV; initial v ~ N(-60, 10) mV.
    - Connections: every ordered pair with p = 0.05, no self-connections (E->E, E->I, I->E, I->I), and 2,500 x
      scale Poisson inputs at 2 Hz onto E with p = 0.05. Weights in units of g_L = 10 nS as in the paper (E->E,
      E->I and input 0.16, I->E and I->I 1.0), i.e. 1.6 nS and 10 nS here.
    - Delay: Auryn's 0.8 ms (MINDELAY) under the NEST time convention (``time_convention="nest"``), which is
      Auryn's step order: a spike detected in step s arrives in step s + 8 (where the presynaptic half of the rule
      sees the postsynaptic spikes of steps < s + 8, as Auryn's propagate does) and acts on the membrane from step
      s + 9 on.
    - Plasticity: :func:`zenke_rule` on E->E in units of 10 nS (w_max = 1 is 10 nS), the rate estimate starting at
      the target, switched off for the first ``prime`` ms (default 3 tau_rate = 30 s, Auryn's priming).

    ``fixed_indegree=True`` divides p by ``scale`` (at most 1) so that a reduced network keeps the in-degrees and
    the activity of the full one (for short profiling and test runs); otherwise p stays 0.05 and small networks are
    silent. ``record``: "rates" (population rates in 1 s bins, memory-free) or "spikes" (every spike of E and I).
    ``neuron``: "builtin" (:class:`pyneuro.models.LIFCondAmpaNmda`) or "custom" (the same neuron as a user
    definition, :func:`pyneuro.definitions.zenke_neuron`; equal to rounding).
    """
    if record not in ("rates", "spikes"):
        raise ValueError(f"record must be 'rates' or 'spikes', got {record!r}")
    if neuron not in ("builtin", "custom"):
        raise ValueError(f"neuron must be 'builtin' or 'custom', got {neuron!r}")
    net = Network(dt=0.1, seed=seed, threads=threads, time_convention="nest")
    g_l = 10.0
    ne, ni, nx = int(round(20000 * scale)), int(round(5000 * scale)), int(round(2500 * scale))
    if neuron == "custom":
        from .definitions import zenke_neuron

        model_e: models.NeuronModel = zenke_neuron(C_m=200.0, g_L=g_l)
        model_i: models.NeuronModel = zenke_neuron(C_m=100.0, g_L=g_l)
    else:
        model_e, model_i = models.LIFCondAmpaNmda(C_m=200.0, g_L=g_l), models.LIFCondAmpaNmda(C_m=100.0, g_L=g_l)
    exc = net.add_population(model_e, ne, name="exc")
    inh = net.add_population(model_i, ni, name="inh")
    ext = net.add_population(models.PoissonSource(rate=2.0), nx, name="input")
    p_conn = min(1.0, 0.05 / scale) if fixed_indegree else 0.05
    rec = conn.FixedProbability(p_conn, allow_self=False)
    ff = conn.FixedProbability(p_conn)
    w, gamma, delay = 0.16 * g_l, 1.0 * g_l, 0.8
    if prime is None:
        prime = 3.0 * tau_rate
    rule = zenke_rule(tau_rate, unit=g_l, prime=prime) if plastic else None
    projs = {
        "input": net.connect(ext, exc, ff, weight=w, delay=delay, name="input"),
        "ee": net.connect(exc, exc, rec, weight=w, delay=delay, plasticity=rule, name="ee"),
        "ei": net.connect(exc, inh, ff, weight=w, delay=delay, name="ei"),
        "ie": net.connect(inh, exc, ff, weight=gamma, delay=delay, receptor="inh", name="ie"),
        "ii": net.connect(inh, inh, rec, weight=gamma, delay=delay, receptor="inh", name="ii"),
    }
    rng = np.random.default_rng(seed)
    exc.set("v", rng.normal(-60.0, 10.0, ne))
    inh.set("v", rng.normal(-60.0, 10.0, ni))
    wl = Workload(net, {"exc": exc, "inh": inh, "input": ext}, projs)
    if record == "spikes":
        wl.spikes = {"exc": net.record_spikes(exc), "inh": net.record_spikes(inh)}
    else:
        wl.rates = {"exc": net.record_rate(exc, bin=1000.0), "inh": net.record_rate(inh, bin=1000.0)}
    return wl
