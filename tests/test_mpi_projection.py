"""The cluster projection's cost model against its closed form, worked by hand for one set of inputs."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "mpi_projection", Path(__file__).resolve().parent.parent / "benchmarks" / "mpi_projection.py"
)
assert _spec is not None and _spec.loader is not None
mp = importlib.util.module_from_spec(_spec)
sys.modules["mpi_projection"] = mp  # dataclasses look their module up there
_spec.loader.exec_module(mp)


def _model() -> object:
    # 100,000 neurons at 4 Hz, 1e8 synapses (half plastic), shortest delay 0.5 ms = 5 steps, 3 populations
    return mp.Model("t", 100_000, 1e8, 4.0, 0.5, 0.1, 3, 0.5, 10.0, 30.0)


def test_exchange_bytes_closed_form() -> None:
    # header: (1 + 5 steps x 3 pops) = 16 counts x 4 B x 8 ranks = 512 B; spikes per 0.5 ms: 1e5 x 4 x 5e-4 = 200
    assert mp.exchange_bytes(_model(), 8) == pytest.approx(512 + 4 * 200, rel=1e-12)


def test_allgather_closed_form() -> None:
    # 3 stages for 8 ranks; 7/8 of 1e6 bytes at 1e9 B/s
    assert mp.allgather_seconds(1e6, 8, 1e-6, 1e9) == pytest.approx(3e-6 + 0.875e-3, rel=1e-12)
    assert mp.allgather_seconds(1e6, 5, 1e-6, 1e9) == pytest.approx(3e-6 + 0.8e-3, rel=1e-12)  # ceil(log2 5) = 3
    assert mp.allgather_seconds(1e6, 1, 1e-6, 1e9) == 0.0


def test_projection_closed_form() -> None:
    c = mp.Cluster(
        nodes=4,
        cores_per_node=64,
        ranks_per_node=2,
        alpha_s=2e-6,
        beta_bps=1e10,
        barrier_s=1e-6,
        spike_s=5e-9,
        efficiency=0.5,
    )
    r = mp.project(_model(), c, t_neuron_ns=2.0)
    # compute: events 1e8 x 4 = 4e8 at (10 + 30) / 2 = 20 ns = 8 s; neuron updates 1e5 x 1e4 x 2 ns = 2 s;
    # over 4 x 64 x 0.5 = 128 effective cores
    assert r["compute"] == pytest.approx(10.0 / 128, rel=1e-12)
    # 8 ranks, 2000 exchanges per simulated s, each two all-gathers: 2 x 3 x 2 us, plus (512 + 800) x 7/8 / 1e10
    per = 2 * 3 * 2e-6 + (16 * 4 * 8 + 800) * 7 / 8 / 1e10
    assert r["exchange"] == pytest.approx(2000 * per, rel=1e-12)
    assert r["barrier"] == pytest.approx(1e4 * 1e-6, rel=1e-12)
    assert r["remote_spikes"] == pytest.approx(1e5 * 4 * 5e-9, rel=1e-12)
    assert r["rtf"] == pytest.approx(10.0 / 128 + 2000 * per + 1e-2 + 2e-3, rel=1e-12)
    # one rank: no exchange, no remote spikes
    one = mp.project(_model(), mp.Cluster(nodes=1, cores_per_node=64, efficiency=1.0), t_neuron_ns=2.0)
    assert one["exchange"] == 0.0 and one["remote_spikes"] == 0.0
    assert one["rtf"] == pytest.approx(10.0 / 64 + 1e-2, rel=1e-12)


def test_derived_event_costs_reproduce_their_measurements() -> None:
    # the static cost derived from the full-scale PD14 figure gives back 24.8 CPU s per simulated second on one core
    pd14, plastic, _ = mp.models(3.0)
    one_core = mp.project(pd14, mp.Cluster(nodes=1, cores_per_node=1, barrier_s=0.0), t_neuron_ns=3.0)
    assert one_core["compute"] == pytest.approx(mp.PD14_CPU_S_PER_SIM_S, rel=1e-12)
    # and the plastic cost gives back W4's run-loop time per simulated second at W4's mix (its synaptic events per
    # simulated second, as "synapses" at 1 Hz)
    events = mp.W4_RUN_S_PER_SIM_S / (mp.W4_NS_PER_EVENT * 1e-9)
    w4 = mp.Model(
        "w4", mp.W4_NEURONS, events, 1.0, 0.8, 0.1, 2, mp.W4_PLASTIC_FRACTION, pd14.t_static_ns, plastic.t_plastic_ns
    )
    got = mp.project(w4, mp.Cluster(nodes=1, cores_per_node=1, barrier_s=0.0), t_neuron_ns=3.0)["compute"]
    assert got == pytest.approx(mp.W4_RUN_S_PER_SIM_S, rel=1e-12)
    assert math.isfinite(plastic.t_plastic_ns) and plastic.t_plastic_ns > pd14.t_static_ns > 0
