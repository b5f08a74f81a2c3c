"""The two time conventions (Network(time_convention=...)) against NEST itself and against their definitions.

The NEST reference (tests/data/nest_chain_reference.json) was written by ``benchmarks/nest_chain.py nest`` with
NEST 3.10 (nest-simulator from PyPI): a spike generator drives neuron A (iaf_psc_exp or iaf_psc_delta), A drives B
with delays from 0.1 to 2.3 ms; spike times of A and B, and B's V_m at every step. Under
``time_convention="nest"`` pyneuro must give NEST's spike times exactly and its V_m to float32 precision (pyneuro
integrates in float32, NEST in float64). Under pyneuro's own convention see test_chain_under_pyneuro_convention.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import pyneuro as pn

ROOT = Path(__file__).resolve().parents[1]
REF = json.loads((ROOT / "tests" / "data" / "nest_chain_reference.json").read_text())


def _chain_module():
    spec = importlib.util.spec_from_file_location("nest_chain", ROOT / "benchmarks" / "nest_chain.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def _steps(times):
    return np.round(np.asarray(times) / REF["dt"]).astype(np.int64)


@pytest.mark.parametrize("case", sorted(REF["cases"]))
def test_chain_matches_nest_under_nest_convention(case):
    got = _chain_module().run_pyneuro("nest")["cases"][case]
    ref = REF["cases"][case]
    assert len(ref["b_spikes"]) >= 2  # the chain propagates
    np.testing.assert_array_equal(_steps(got["a_spikes"]), _steps(ref["a_spikes"]))
    np.testing.assert_array_equal(_steps(got["b_spikes"]), _steps(ref["b_spikes"]))
    vt = dict(zip(_steps(got["vm_times"]).tolist(), got["vm_b"]))
    pairs = np.array([(v, vt[s]) for s, v in zip(_steps(ref["vm_times"]).tolist(), ref["vm_b"])])
    assert len(pairs) == len(ref["vm_b"])
    np.testing.assert_allclose(pairs[:, 1], pairs[:, 0], atol=1e-3)  # mV


@pytest.mark.parametrize("case", sorted(REF["cases"]))
def test_chain_under_pyneuro_convention(case):
    """Current-based (iaf_psc_exp): pyneuro's stamps are one step earlier and the delayed hop acts one step earlier,
    so A's spikes come 1 step and B's 2 steps earlier than NEST's. Delta synapses (iaf_psc_delta): NEST folds a jump
    into v at its arrival stamp, pyneuro's convention one step after its (one step earlier) arrival, so the spike
    times agree."""
    got = _chain_module().run_pyneuro("pyneuro")["cases"][case]
    ref = REF["cases"][case]
    shift = (0, 0) if ref["model"] == "iaf_psc_delta" else (1, 2)
    np.testing.assert_array_equal(_steps(got["a_spikes"]), _steps(ref["a_spikes"]) - shift[0])
    np.testing.assert_array_equal(_steps(got["b_spikes"]), _steps(ref["b_spikes"]) - shift[1])


@pytest.mark.parametrize("delay_steps", [1, 4])
def test_timeline(delay_steps):
    """The timeline of the README, from the definitions. Neuron A (driven by a DC current) fires in the same step of
    integration under both conventions; its stamp is that step's start (pyneuro) or end (nest). The spike arrives at
    stamp + delay and B's V_m (sampled at step starts) first moves one step after the arrival, in both conventions:
    so with the same nominal delay, B moves one step later under NEST's."""
    seen = {}
    for conv in ("pyneuro", "nest"):
        net = pn.Network(dt=0.1, time_convention=conv)
        a = net.add_population(pn.models.LIF(I_e=1000.0), 1)
        b = net.add_population(pn.models.LIF(V_th=1e9), 1)
        net.connect(a, b, pn.conn.OneToOne(), weight=1000.0, delay=delay_steps * 0.1)
        vm = net.record_state(b, "v")
        sm = net.record_spikes(a)
        net.run(20.0)
        stamp = int(np.round(sm.times[0] / 0.1))
        moved = int(np.round(vm.times[np.flatnonzero(vm.values[:, 0] != np.float32(-70.0))[0]] / 0.1))
        assert moved == stamp + delay_steps + 1
        seen[conv] = (int(sm.steps[0]), stamp, moved)
    assert seen["nest"][0] == seen["pyneuro"][0]  # same step of integration
    assert seen["nest"][1] == seen["pyneuro"][1] + 1  # stamped at its end
    assert seen["nest"][2] == seen["pyneuro"][2] + 1  # acts one step later


def test_nest_convention_only_before_the_first_step_and_refusals():
    with pytest.raises(ValueError, match="time_convention"):
        pn.Network(time_convention="brian")
    net = pn.Network(time_convention="nest")
    with pytest.raises(ValueError, match=">= dt"):
        net.add_population(pn.models.SpikeGenerator(times=[0.0], indices=[0]), 1)
    assert net.populations == [] and net.time_convention == "nest"
