"""A two-neuron chain in NEST and in pyneuro: spike times and membrane potentials, step by step.

A spike generator drives neuron A (iaf_psc_exp or iaf_psc_delta, NEST's defaults; pyneuro's LIF and LIFDelta), A
drives neuron B through a synapse of delay ``d``; B also receives a subthreshold DC current. Both simulators record
the spikes of A and B and B's V_m at every step. Under ``time_convention="nest"`` pyneuro must reproduce NEST's spike
times exactly and its V_m to float32 precision; under pyneuro's own convention a current-based spike is stamped one
step earlier and acts one step earlier after the same nominal delay (B's spikes come two steps earlier), while the
delta model's spike times agree with NEST's.

Usage
-----
In a virtual environment with NEST (``pip install nest-simulator``)::

    python benchmarks/nest_chain.py nest --out tests/data/nest_chain_reference.json

writes the reference that ``tests/test_time_convention.py`` compares with (committed with this script). With
pyneuro's environment, a live comparison (NEST run in its own interpreter)::

    python benchmarks/nest_chain.py compare --nest-python /path/to/nest-venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from typing import Any

import numpy as np

DT = 0.1
T_STOP = 120.0
#: the cases: (name, NEST model, delay A->B in ms, generator spike times in ms)
CASES = [
    ("min_delay", "iaf_psc_exp", 0.1, [10.0, 30.0, 50.3, 70.7, 90.0]),
    ("delay_1ms", "iaf_psc_exp", 1.0, [10.0, 30.0, 50.3, 70.7, 90.0]),
    ("delay_2.3ms", "iaf_psc_exp", 2.3, [5.0, 5.2, 40.1, 80.0]),
    ("delta_min_delay", "iaf_psc_delta", 0.1, [10.0, 30.0, 50.3, 70.7, 90.0]),
    ("delta_1.7ms", "iaf_psc_delta", 1.7, [5.0, 5.2, 40.1, 80.0]),
]
#: weights (pA for iaf_psc_exp, mV for iaf_psc_delta): generator -> A (A fires soon after each input), A -> B
WEIGHTS = {"iaf_psc_exp": (6000.0, 3500.0), "iaf_psc_delta": (20.0, 9.0)}
D_GEN = 1.0  # ms
I_E_B = 200.0  # pA, subthreshold DC into B
PYNEURO_MODEL = {"iaf_psc_exp": "LIF", "iaf_psc_delta": "LIFDelta"}


def run_nest() -> dict[str, Any]:
    os.environ.setdefault("PYNEST_QUIET", "1")  # no banner
    import nest

    out: dict[str, Any] = {"nest_version": nest.__version__, "dt": DT, "t_stop": T_STOP, "cases": {}}
    for name, model, delay, times in CASES:
        w_gen, w_ab = WEIGHTS[model]
        nest.ResetKernel()
        nest.set(resolution=DT, print_time=False)
        gen = nest.Create("spike_generator", params={"spike_times": times})
        a = nest.Create(model)
        b = nest.Create(model, params={"I_e": I_E_B})
        nest.Connect(gen, a, syn_spec={"weight": w_gen, "delay": D_GEN})
        nest.Connect(a, b, syn_spec={"weight": w_ab, "delay": delay})
        rec = nest.Create("spike_recorder")
        nest.Connect(a, rec)
        nest.Connect(b, rec)
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
        nest.Connect(mm, b)
        nest.Simulate(T_STOP)
        ev = rec.get("events")
        senders = np.asarray(ev["senders"])
        t = np.asarray(ev["times"], dtype=float)
        mev = mm.get("events")
        out["cases"][name] = {
            "model": model,
            "delay": delay,
            "times": times,
            "a_spikes": sorted(t[senders == a.global_id].tolist()),
            "b_spikes": sorted(t[senders == b.global_id].tolist()),
            "vm_times": np.asarray(mev["times"], dtype=float).tolist(),
            "vm_b": np.asarray(mev["V_m"], dtype=float).tolist(),
        }
    return out


def run_pyneuro(convention: str) -> dict[str, Any]:
    import pyneuro as pn

    out: dict[str, Any] = {"dt": DT, "t_stop": T_STOP, "cases": {}}
    for name, model, delay, times in CASES:
        w_gen, w_ab = WEIGHTS[model]
        cls = getattr(pn.models, PYNEURO_MODEL[model])
        net = pn.Network(dt=DT, seed=1, time_convention=convention)
        gen = net.add_population(pn.models.SpikeGenerator(times=times, indices=np.zeros(len(times), int)), 1)
        a = net.add_population(cls(), 1)
        b = net.add_population(cls(I_e=I_E_B), 1)
        net.connect(gen, a, pn.conn.OneToOne(), weight=w_gen, delay=D_GEN)
        net.connect(a, b, pn.conn.OneToOne(), weight=w_ab, delay=delay)
        sa, sb = net.record_spikes(a), net.record_spikes(b)
        vm = net.record_state(b, "V_m", every=DT)
        net.run(T_STOP + DT)  # NEST's multimeter records up to t_stop inclusive
        out["cases"][name] = {
            "delay": delay,
            "a_spikes": sa.times[sa.times <= T_STOP + 1e-9].tolist(),
            "b_spikes": sb.times[sb.times <= T_STOP + 1e-9].tolist(),
            "vm_times": vm.times.tolist(),
            "vm_b": vm.values[:, 0].astype(float).tolist(),
        }
    return out


def compare(ref: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Lines describing the agreement of pyneuro (``got``) with NEST (``ref``), case by case."""
    lines = []
    for name, r in ref["cases"].items():
        g = got["cases"][name]
        same_a = np.array_equal(np.round(np.array(r["a_spikes"]) / DT), np.round(np.array(g["a_spikes"]) / DT))
        same_b = np.array_equal(np.round(np.array(r["b_spikes"]) / DT), np.round(np.array(g["b_spikes"]) / DT))
        vt = {round(t / DT): v for t, v in zip(g["vm_times"], g["vm_b"])}
        common = [(v, vt[round(t / DT)]) for t, v in zip(r["vm_times"], r["vm_b"]) if round(t / DT) in vt]
        dv = max(abs(a - b) for a, b in common)
        lines.append(
            f"{name:12s} A spikes equal: {same_a}  B spikes equal: {same_b}  "
            f"(NEST B: {r['b_spikes']}, pyneuro B: {g['b_spikes']})  max |dV_m| of B: {dv:.2e} mV"
        )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["nest", "pyneuro", "compare"])
    ap.add_argument("--nest-python", default="python", help="interpreter with NEST installed (for compare)")
    ap.add_argument("--reference", help="a saved NEST reference (JSON) instead of running NEST (for compare)")
    ap.add_argument("--out", help="where 'nest' / 'pyneuro' write their JSON (default: standard output)")
    args = ap.parse_args()
    if args.what in ("nest", "pyneuro"):
        res = run_nest() if args.what == "nest" else run_pyneuro("nest")
        if args.out:
            with open(args.out, "w") as f:
                json.dump(res, f, indent=1)
                f.write("\n")
        else:
            json.dump(res, sys.stdout, indent=1)
        return
    if args.reference:
        with open(args.reference) as f:
            ref = json.load(f)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "nest.json")
            subprocess.run([args.nest_python, __file__, "nest", "--out", path], check=True, capture_output=True)
            with open(path) as f:
                ref = json.load(f)
    print(f"NEST {ref.get('nest_version', '?')}, dt = {DT} ms")
    for conv in ("nest", "pyneuro"):
        print(f"pyneuro, time_convention={conv!r}:")
        for line in compare(ref, run_pyneuro(conv)):
            print("  " + line)


if __name__ == "__main__":
    main()
