"""Write tests/data/checkpoint_v3.h5, a small checkpoint in format version 3, once, with the pyneuro that wrote
that format (the layout before each object saved itself: pending lesions under ``lesions/pending``, neurogenesis
epochs as attributes of their population, no ``kind`` on populations, projections and inputs).

The file is committed; tests/test_checkpoint.py::test_version_3_file_continues_as_a_fresh_run loads it with the
current pyneuro and checks that it continues bit for bit as a network built by :func:`build` and run without a
checkpoint. Do not regenerate it after a format change: the point is that the old file keeps loading. Run (with a
pyneuro that writes format 3 first on the path): python tests/data/make_checkpoint_v3.py [--force]

Everything whose checkpoint layout changed is in it while pending or running: two populations with Neurogenesis
rules (one has added neurons, both have a next epoch after the save), a projection with STDP and a structural rule,
two lesions pending at the same step and one later, a structure snapshot recorder, a Poisson and a current input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import pyneuro as pn

#: the file is saved at T_SAVE ms; the lesions are due after it
T_SAVE = 30.0
PATH = Path(__file__).parent / "checkpoint_v3.h5"


def build() -> pn.Network:
    """The network of the file, built and run up to T_SAVE (public API only, so every version builds the same)."""
    S = pn.structural
    net = pn.Network(dt=0.1, seed=7, threads=2)
    src = net.add_population(pn.models.PoissonSource(rate=40.0), 30, name="src")
    exc = net.add_population(pn.models.LIF(), 12, name="exc")
    dg = net.add_population(pn.models.LIF(), 8, name="dg")
    stdp = pn.plasticity.STDP(a_pre=0.05, a_post=-0.05, w_max=60.0)
    ff = net.connect(src, exc, pn.conn.FixedInDegree(6), weight=40.0, delay=1.0, plasticity=stdp, name="ff")
    net.connect(src, dg, pn.conn.FixedInDegree(5), weight=45.0, delay=1.5, name="dg_in")
    rec = net.connect(exc, exc, pn.conn.FixedProbability(0.3), weight=5.0, delay=2.0, name="rec")
    net.add_structural(rec, S.Pruning(threshold=4.0, interval=10.0))
    net.add_structural(
        exc, S.Neurogenesis(rate=200.0, interval=10.0, connect=[("ff", "in", pn.conn.FixedInDegree(6), 40.0, 1.0)])
    )
    net.add_structural(
        dg,
        S.Neurogenesis(rate=100.0, interval=20.0, connect=[("dg_in", "in", pn.conn.FixedInDegree(5), 45.0, 1.5)]),
        S.Neurogenesis(rate=50.0, interval=25.0, max_neurons=2),
    )
    net.add_poisson_input(exc, n=20, rate=10.0, weight=20.0)
    net.add_current_input(dg, pn.inputs.StepCurrent(times=[0.0, 20.0], amplitudes=[100.0, 250.0]), neurons=[0, 3])
    net.record_spikes(exc)
    net.record_spikes(dg)
    net.record_structure(rec, every=7.0)
    net.record_state(dg, "v", indices=[0, 1], every=1.0)
    net.run(T_SAVE - 10.0)
    net.lesion(synapses=(ff, np.arange(0, ff.size, 4)), at=T_SAVE + 4.0)
    net.lesion(neurons=(dg, [1, 2]), at=T_SAVE + 4.0)
    net.lesion(neurons=(exc, 0.25), at=T_SAVE + 11.3)
    net.run(10.0)
    return net


def main(argv: list[str]) -> None:
    if PATH.exists() and "--force" not in argv:
        sys.exit(f"{PATH} exists (the committed fixture); pass --force to overwrite it")
    net = build()
    net.save(PATH)
    import h5py

    with h5py.File(PATH, "r") as f:
        print("format_version", int(f.attrs["format_version"]), "pyneuro", f.attrs["pyneuro_version"])
    print("sizes", [p.size for p in net.populations], [p.size for p in net.projections])
    print("size", PATH.stat().st_size, "bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
