"""The field's standard networks, built from their published tables.

- :func:`microcircuit`: the cortical microcircuit of Potjans & Diesmann (2014);
- :func:`brunel2000`: the sparse excitatory-inhibitory network of Brunel (2000) in its four regimes;
- :func:`morrison2007`: the balanced network with power-law STDP of Morrison, Aertsen & Diesmann (2007), as NEST's
  ``hpc_benchmark``.

Each returns a :class:`BuiltNetwork` (``net, populations = microcircuit(scale=0.1)``) whose ``params`` hold the
numbers the model was built from; each is also an experiment (``pyneuro experiment microcircuit``).
"""

from __future__ import annotations

from ._model import BuiltNetwork
from .brunel import brunel2000
from .morrison import morrison2007
from .pd14 import microcircuit

__all__ = ["BuiltNetwork", "microcircuit", "brunel2000", "morrison2007"]
