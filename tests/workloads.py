"""Network builders shared by the tests (import as ``from workloads import coba``; tests/ is on sys.path under
pytest's default "prepend" import mode, as tests/ has no __init__.py).

W1 ``coba`` and W2 ``coba_stdp`` as defined in benchmarks/README.md, built with the public API only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import pyneuro as pn
from pyneuro import workloads as pn_workloads
from pyneuro.workloads import COBA_NEURON, coba_initial_state  # noqa: F401  (re-exported for tests)

DT = 0.1
N_EXC, N_INH = 3200, 800


@dataclass
class Coba:
    """What ``coba`` returns besides the network."""

    exc: pn.Population
    inh: pn.Population
    spikes_exc: pn.SpikeMonitor
    spikes_inh: pn.SpikeMonitor
    projections: dict[str, pn.Projection] = field(default_factory=dict)

    @property
    def plastic(self) -> pn.Projection | None:
        return self.projections.get("ee") if self.projections["ee"].plasticity else None

    def spikes(self) -> tuple[np.ndarray, np.ndarray]:
        """All spikes as (steps int64, global indices int64: exc 0..3199, inh 3200..3999), sorted by (step, index)."""
        s = np.concatenate([self.spikes_exc.steps.astype(np.int64), self.spikes_inh.steps.astype(np.int64)])
        i = np.concatenate(
            [self.spikes_exc.indices.astype(np.int64), self.spikes_inh.indices.astype(np.int64) + self.exc.size]
        )
        o = np.lexsort((i, s))
        return s[o], i[o]


def coba(
    threads: int = 1,
    seed: int = 1,
    stdp: bool = False,
    n_exc: int = N_EXC,
    n_inh: int = N_INH,
    p: float = 0.02,
    max_rate: float = 1000.0,
) -> tuple[pn.Network, Coba]:
    """W1 (``stdp=False``) or W2 (``stdp=True``: STDP on E->E only), as ``pyneuro.workloads.coba`` builds them,
    with the spikes of both populations recorded."""
    w = pn_workloads.coba(threads=threads, seed=seed, stdp=stdp, n_exc=n_exc, n_inh=n_inh, p=p, max_rate=max_rate)
    return w.net, Coba(w.populations["exc"], w.populations["inh"], w.spikes["exc"], w.spikes["inh"], w.projections)


def poisson_delay_net(
    threads: int = 1, seed: int = 7, plastic: bool = True, weight_monitors: bool = True
) -> tuple[pn.Network, dict]:
    """A small network driven by PoissonSource input through delays of several steps (up to 4.7 ms), with
    heterogeneous delays, STDP on two projections, and every kind of recorder. At any time spikes are in flight."""
    net = pn.Network(dt=DT, seed=seed, threads=threads)
    src = net.add_population(pn.models.PoissonSource(rate=np.linspace(20.0, 60.0, 200)), 200, name="src")
    exc = net.add_population(pn.models.LIFCond(**dict(COBA_NEURON, I_e=50.0)), 160, name="exc")
    inh = net.add_population(pn.models.LIF(I_e=200.0, tau_syn_ex=3.0, tau_syn_in=4.0), 40, name="inh")
    rng = np.random.default_rng(seed)
    exc.set("v", rng.uniform(-60.0, -50.0, exc.size))
    rule = pn.plasticity.STDP(tau_pre=15.0, tau_post=25.0, a_pre=0.4, a_post=-0.42, w_min=0.0, w_max=12.0)
    rule2 = pn.plasticity.STDP(
        tau_pre=10.0,
        tau_post=10.0,
        a_pre=2.0,
        a_post=-2.0,
        w_min=0.0,
        w_max=300.0,
        interaction="nearest",
        weight_dependence="multiplicative",
    )
    projs = {
        "in": net.connect(
            src,
            exc,
            pn.conn.FixedProbability(0.1),
            weight=pn.conn.Uniform(2.0, 8.0),
            delay=pn.conn.Uniform(0.5, 4.7),
            plasticity=rule if plastic else None,
            name="in",
        ),
        "ee": net.connect(exc, exc, pn.conn.FixedProbability(0.05), weight=3.0, delay=1.5, name="ee"),
        "ei": net.connect(
            exc,
            inh,
            pn.conn.FixedProbability(0.1),
            weight=80.0,
            delay=pn.conn.Uniform(0.2, 2.0),
            plasticity=rule2 if plastic else None,
            name="ei",
        ),
        "ie": net.connect(inh, exc, pn.conn.FixedProbability(0.1), weight=20.0, delay=0.8, receptor="inh", name="ie"),
    }
    mons = {
        "sp_src": net.record_spikes(src),
        "sp_exc": net.record_spikes(exc),
        "sp_inh": net.record_spikes(inh, indices=[0, 3, 5, 39]),
        "v_exc": net.record_state(exc, "v", indices=[0, 1, 2, 50], every=0.5),
        "g_exc": net.record_state(exc, "g_ex", every=5.0),
        "I_inh": net.record_state(inh, "I_ex", indices=[1, 2], every=0.1),
        "rate_exc": net.record_rate(exc, bin=3.0),
    }
    if weight_monitors:
        mons["w_in"] = net.record_weights(projs["in"], every=10.0)
        mons["w_ei"] = net.record_weights(projs["ei"], indices=[0, 5, 7], every=2.5)
    return net, {"pops": {"src": src, "exc": exc, "inh": inh}, "projs": projs, "mons": mons}
