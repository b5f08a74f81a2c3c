"""Write tests/data/checkpoint_v1.h5, a small checkpoint in format version 1, once.

The file is committed; tests/test_checkpoint.py::test_version_1_file_loads checks that every later pyneuro still
loads it (DESIGN.md: files written by earlier versions stay in tests/ and must still load). Do not regenerate it
after a format change: the point is that the old file keeps loading. Run: python tests/data/make_checkpoint_v1.py
(it refuses to overwrite an existing file unless given --force) and paste the printed numbers into KNOWN.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import pyneuro as pn


def build() -> pn.Network:
    net = pn.Network(dt=0.1, seed=42, threads=1)
    src = net.add_population(pn.models.PoissonSource(rate=50.0), 20, name="src")
    gen = net.add_population(
        pn.models.SpikeGenerator(times=[5.0, 12.0, 30.0, 60.0], indices=[0, 1, 2, 0]), 3, name="gen"
    )
    exc = net.add_population(pn.models.LIFCond(I_e=230.0), 10, name="exc")
    exc.set("v", np.linspace(-70.0, -56.0, 10))
    net.connect(
        src,
        exc,
        pn.conn.FixedInDegree(4),
        weight=5.0,
        delay=pn.conn.Uniform(0.5, 3.0),
        plasticity=pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.5, a_post=-0.5, w_min=0.0, w_max=10.0),
    )
    net.connect(gen, exc, pn.conn.FromArrays([0, 0, 1, 1, 2, 2], [0, 1, 2, 3, 4, 5]), weight=30.0, delay=2.0)
    net.record_spikes(src)
    net.record_spikes(exc)
    net.record_state(exc, "v", indices=[0, 9])
    net.record_weights(net.projections[0], every=10.0)
    return net


def main() -> None:
    out = Path(__file__).with_name("checkpoint_v1.h5")
    if out.exists() and "--force" not in sys.argv:
        sys.exit(f"{out} exists; it is a fixture of format version 1 and must not be regenerated (use --force)")
    net = build()
    net.run(50.0)
    net.save(out)
    src_exc = net.projections[0]
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    print("KNOWN = {")
    print(f'    "src_exc_delay_steps_6": {src_exc.delay_steps[:6].tolist()},')
    print(f'    "src_exc_w_sum": {float(src_exc.weights.astype(np.float64).sum())!r},')
    print(f'    "exc_v_3": {[float(x) for x in net.populations[2].get("v")[:3]]},')
    print(f'    "n_src_spikes": {net.monitors[0].count},')
    print(f'    "n_exc_spikes": {net.monitors[1].count},')
    print("}")


if __name__ == "__main__":
    main()
