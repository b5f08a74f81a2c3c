"""Exchange formats: networks and spikes in SONATA, spikes in NWB and Neo.

- :mod:`pyneuro.formats.sonata`: write a network to SONATA (nodes and edges HDF5 files with their CSV type tables,
  a circuit and a simulation configuration) and read one back, including circuits written by other tools (e.g.
  BMTK's ``NetworkBuilder``); spikes to and from SONATA ``spikes.h5``. Needs only h5py (a core dependency).
- :mod:`pyneuro.formats.nwb`: spikes as the Units table of an NWB file (needs ``pynwb``).
- :mod:`pyneuro.formats.neo`: spikes as Neo ``SpikeTrain`` objects, ready for Elephant (needs ``neo``).

``pip install pyneuro[formats]`` installs the optional libraries.
"""

from __future__ import annotations

from .sonata import SonataCircuit, read_sonata, read_sonata_spikes, write_sonata, write_sonata_spikes

__all__ = ["SonataCircuit", "read_sonata", "read_sonata_spikes", "write_sonata", "write_sonata_spikes"]
