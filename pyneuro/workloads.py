"""The standard workloads (see BENCHMARKS.md in the project docs), built with the public API.

Shared by the demo, the benchmarks and the tests so that all of them run the very same networks.

- ``coba``: Vogels & Abbott 2005 / Brette et al. 2007 benchmark 1 (W1), optionally with pair STDP on E->E (W2).
- ``song2000``: Song, Miller & Abbott 2000 (W3): 1000 Poisson inputs with STDP onto one neuron.
- ``scaling``: W1's neurons at fixed in-degree (80 exc + 20 inh) with STDP on E->E and a 90 pA drive (W5).
- ``rewiring``: W5 with pruning of weak E->E synapses and growth of new ones, about 1% replaced per second (W6).
- ``zenke25k``: the plastic background network of Zenke, Hennequin & Gerstner 2013 (W4): minimal triplet STDP
  with a BCM-like sliding threshold on 2e7 E->E synapses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import connectivity as conn
from . import models, plasticity
from .monitors import SpikeMonitor
from .network import Network
from .population import Population
from .projection import Projection

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

    @property
    def n_synapses(self) -> int:
        return sum(p.size for p in self.projections.values())

    def rate(self, name: str, t_ms: float) -> float:
        """Mean rate (Hz) of a recorded population over the last t_ms of simulated time."""
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


def scaling(n: int, threads: int = 1, seed: int = 1, stdp: bool = True) -> Workload:
    """W5: W1's neurons (80% excitatory) with exactly 80 excitatory and 20 inhibitory inputs per neuron
    (sources drawn without replacement), w_e = 2.4 nS (STDP on E->E with w_max = 2 w_e), w_i = 107.2 nS, and a
    constant 90 pA drive: asynchronous irregular activity near 5 Hz at every size."""
    net = Network(dt=0.1, seed=seed, threads=threads)
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


def zenke_rule(tau_rate: float = 10_000.0, target_rate: float = 3.0, unit: float = 1.0) -> plasticity.BCM:
    """W4's E->E rule: minimal all-to-all triplet STDP (tau_plus 16.8 ms, tau_minus 33.7 ms, tau_y 114 ms,
    A3+ = 6.5e-3) whose pair-LTD amplitude follows the squared slow rate estimate over the target (3 Hz), with
    A2- set so that the fixed point is the target rate (Zenke, Hennequin & Gerstner 2013); weights in [0, 1]
    times ``unit`` (amplitudes scale with it)."""
    return plasticity.BCM(
        tau_plus=16.8,
        tau_minus=33.7,
        tau_y=114.0,
        a3_plus=6.5e-3 * unit,
        target_rate=target_rate,
        tau_rate=tau_rate,
        w_min=0.0,
        w_max=1.0 * unit,
    )


def zenke25k(
    threads: int = 1,
    seed: int = 1,
    scale: float = 1.0,
    tau_rate: float = 10_000.0,
    plastic: bool = True,
    tau_ex: float = 5.0,
) -> Workload:
    """W4: the plastic background network of Zenke, Hennequin & Gerstner 2013 (Auryn's plasticity benchmark,
    ``examples/plasticity/sim_background.cpp``), with ``scale`` times its 20,000 + 5,000 neurons.

    Every pair is connected with p = 0.05 (E->E, E->I, I->E, I->I) and 2,500 x scale Poisson inputs at 2 Hz
    project onto E with p = 0.05. Weights are in units of the leak conductance as in the paper (E->E, E->I and
    input 0.16, I->E and I->I 1.0), so with g_L = 10 nS they are w x 10 nS here; the E->E synapses carry
    :func:`zenke_rule` in units of 10 nS (w_max = 1 is 10 nS). Neurons are conductance-based LIF (tau_m 20 ms for E,
    10 ms for I, E_L = -70 mV, V_th = -50 mV, V_reset = -70 mV, t_ref 5 ms, tau_ex 5 ms, tau_in 10 ms, E_ex = 0,
    E_in = -80 mV), initial v uniform in [-70, -50] mV; delay one step.

    What it does not capture: Auryn's neurons have AMPA (5 ms) and NMDA (100 ms) conductances in equal parts and a
    spike-triggered threshold adaptation; here one AMPA-like conductance (``tau_ex`` = 5 ms) and no adaptation.
    (Giving the single conductance the mean charge of the pair, tau_ex = 52.5 ms, drives the network to ~200 Hz.)
    With these settings the network fires at 5-8 Hz (E) in its first seconds, against ~3 Hz in the paper. The
    workload is for cost (time per simulated second, bytes per plastic synapse, construction) with the same
    connectivity and rule, and rates of the order of the target.
    """
    net = Network(dt=0.1, seed=seed, threads=threads)
    g_l = 10.0
    ne, ni, nx = int(round(20000 * scale)), int(round(5000 * scale)), int(round(2500 * scale))
    base = dict(
        g_L=g_l,
        E_L=-70.0,
        V_th=-50.0,
        V_reset=-70.0,
        t_ref=5.0,
        tau_syn_ex=tau_ex,
        tau_syn_in=10.0,
        E_ex=0.0,
        E_in=-80.0,
    )
    exc = net.add_population(models.LIFCond(C_m=200.0, **base), ne, name="exc")
    inh = net.add_population(models.LIFCond(C_m=100.0, **base), ni, name="inh")
    ext = net.add_population(models.PoissonSource(rate=2.0), nx, name="input")
    p = conn.FixedProbability(0.05)
    w, gamma = 0.16 * g_l, 1.0 * g_l
    rule = zenke_rule(tau_rate, unit=g_l) if plastic else None  # weights in nS: the paper's unit is g_L
    projs = {
        "input": net.connect(ext, exc, p, weight=w, name="input"),
        "ee": net.connect(exc, exc, p, weight=w, plasticity=rule, name="ee"),
        "ei": net.connect(exc, inh, p, weight=w, name="ei"),
        "ie": net.connect(inh, exc, p, weight=gamma, receptor="inh", name="ie"),
        "ii": net.connect(inh, inh, p, weight=gamma, receptor="inh", name="ii"),
    }
    rng = np.random.default_rng(seed)
    exc.set("v", rng.uniform(-70.0, -50.0, ne))
    inh.set("v", rng.uniform(-70.0, -50.0, ni))
    wl = Workload(net, {"exc": exc, "inh": inh, "input": ext}, projs)
    wl.spikes = {"exc": net.record_spikes(exc), "inh": net.record_spikes(inh)}
    return wl
