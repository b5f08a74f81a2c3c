"""pyneuro: fast simulation of spiking neural networks whose synapses, neurons and wiring change while they run.

Typical use::

    import pyneuro as pn
    net = pn.Network(dt=0.1, seed=1, threads=2)
    exc = net.add_population(pn.models.LIFCond(), n=3200, name="exc")
    src = net.add_population(pn.models.PoissonSource(rate=10.0), n=1000)
    proj = net.connect(src, exc, pn.conn.FixedProbability(0.02), weight=0.5, delay=1.5,
                       plasticity=pn.plasticity.STDP(w_max=1.0))
    sm = net.record_spikes(exc)
    net.run(1000.0, progress=True)

Units: ms, mV, nS, pA, pF, Hz.
"""

from __future__ import annotations

from . import connectivity, models, plasticity, schedule, structural
from . import connectivity as conn
from .errors import SimulationError
from .monitors import RateMonitor, SpikeMonitor, StateMonitor, WeightMonitor
from .network import Network
from .population import Population
from .projection import Projection

__version__ = "0.1.0"

_LAZY = ("experiments", "analysis", "sweep", "workloads", "definitions")


def __getattr__(name: str) -> object:
    # heavier subpackages load on first use: pn.experiments, pn.analysis, pn.sweep, pn.workloads
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Network",
    "Population",
    "Projection",
    "SpikeMonitor",
    "StateMonitor",
    "WeightMonitor",
    "RateMonitor",
    "SimulationError",
    "models",
    "conn",
    "connectivity",
    "plasticity",
    "schedule",
    "structural",
    "experiments",
    "analysis",
    "sweep",
    "workloads",
    "definitions",
    "__version__",
]
