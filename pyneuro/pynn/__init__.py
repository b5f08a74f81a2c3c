"""pyneuro as a PyNN 0.13 backend: ``import pyneuro.pynn as sim`` runs a PyNN script on pyneuro.

Supported: ``setup(timestep=, min_delay=, threads=, rng_seed=)``, ``run``, ``run_until``, ``reset``, ``end``,
``Population``, ``PopulationView``, ``Assembly``, ``Projection``, ``initialize``, ``record``, ``get_data`` /
``write_data`` (Neo blocks), ``get`` / ``set``; the cell types IF_curr_exp, IF_cond_exp, IF_curr_alpha,
IF_cond_alpha, EIF_cond_exp_isfa_ista, EIF_cond_alpha_isfa_ista, HH_cond_exp, Izhikevich, SpikeSourcePoisson,
SpikeSourceArray, SpikeSourceGamma, SpikeSourcePoissonRefractory; PyNN's connectors (they draw
with PyNN's random numbers); StaticSynapse and STDPMechanism (SpikePairRule with additive, multiplicative or Gütig
weight dependence) onto pyneuro's STDP, and pyneuro's rules as synapse types (TripletSTDP, VogelsSTDP,
PyneuroSynapse for any rule); DCSource, StepCurrentSource, ACSource, NoisyCurrentSource. What is refused raises
NotImplementedError naming it.

The PyNN objects describe the network; the first ``run`` builds one :class:`pyneuro.Network` from them and runs it in
compiled code (see :mod:`pyneuro.pynn.simulator`). Needs PyNN (``pip install pyneuro[pynn]``).
"""

from __future__ import annotations

from pyNN import errors, random, space  # noqa: F401
from pyNN.connectors import (  # noqa: F401
    AllToAllConnector,
    ArrayConnector,
    CloneConnector,
    DisplacementDependentProbabilityConnector,
    DistanceDependentProbabilityConnector,
    FixedNumberPostConnector,
    FixedNumberPreConnector,
    FixedProbabilityConnector,
    FixedTotalNumberConnector,
    FromFileConnector,
    FromListConnector,
    IndexBasedProbabilityConnector,
    OneToOneConnector,
    SmallWorldConnector,
)
from pyNN.network import Network  # noqa: F401
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import *  # noqa: F401, F403
from pyNN.space import Space  # noqa: F401
from pyNN.standardmodels import StandardCellType

from .cells import (  # noqa: F401
    LIF,
    AdExp,
    AlphaPSR,
    CondAlphaPostSynapticResponse,
    CondBetaPostSynapticResponse,
    CondExpPostSynapticResponse,
    CurrExpPostSynapticResponse,
    EIF_cond_alpha_isfa_ista,
    EIF_cond_exp_isfa_ista,
    GIF_cond_exp,
    HH_cond_exp,
    IF_cond_alpha,
    IF_cond_exp,
    IF_cond_exp_gsfa_grr,
    IF_curr_alpha,
    IF_curr_exp,
    IF_facets_hardware1,
    Izhikevich,
    PointNeuron,
    SpikeSourceArray,
    SpikeSourceGamma,
    SpikeSourcePoisson,
    SpikeSourcePoissonRefractory,
)
from .control import (  # noqa: F401
    end,
    get_current_time,
    get_max_delay,
    get_min_delay,
    get_time_step,
    initialize,
    num_processes,
    rank,
    reset,
    run,
    run_for,
    run_until,
    setup,
)
from .electrodes import ACSource, DCSource, NoisyCurrentSource, StepCurrentSource  # noqa: F401
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .procedural_api import connect, create, record, record_gsyn, record_v  # noqa: F401
from .projections import Projection  # noqa: F401
from .synapses import (  # noqa: F401
    AdditiveWeightDependence,
    ElectricalSynapse,
    GutigWeightDependence,
    MultiplicativeWeightDependence,
    MultiQuantalSynapse,
    PyneuroSynapse,
    SimpleStochasticSynapse,
    SpikePairRule,
    StaticSynapse,
    STDPMechanism,
    StochasticTsodyksMarkramSynapse,
    TripletSTDP,
    TsodyksMarkramSynapse,
    VogelsSTDP,
)


def list_standard_models() -> list[str]:
    """Names of the standard cell types available on this backend."""
    return [
        obj.__name__
        for obj in globals().values()
        if isinstance(obj, type)
        and issubclass(obj, StandardCellType)
        and obj is not StandardCellType
        and "Refused" not in vars(obj).get("__init__", object.__init__).__qualname__
    ]
