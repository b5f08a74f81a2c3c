"""PyNN's procedural API (create, connect, record) for the pyneuro backend."""

from __future__ import annotations

from pyNN import common
from pyNN.connectors import FixedProbabilityConnector

from . import simulator
from .populations import Population
from .projections import Projection
from .synapses import StaticSynapse

__all__ = ["create", "connect", "record", "record_v", "record_gsyn"]

create = common.build_create(Population)
connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)
record = common.build_record(simulator)


def record_v(source, filename):  # type: ignore[no-untyped-def]
    return record(["v"], source, filename)


def record_gsyn(source, filename):  # type: ignore[no-untyped-def]
    return record(["gsyn_exc", "gsyn_inh"], source, filename)
