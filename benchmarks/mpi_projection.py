#!/usr/bin/env python
"""A paper projection of the real-time factor of a network split over the nodes of a cluster with MPI.

This is a model, not a measurement. It combines

- the CPU cost of the run loop on one thread, measured in pyneuro (ns per synaptic event, static and plastic; ns per
  neuron update per step, measured briefly by this script unless ``--t-neuron-ns`` is given),
- the bytes every rank receives per exchange (one exchange per shortest delay), counted exactly as the compiled
  core counts them (``Network.exchanged_bytes``, which ``benchmarks/mpi_exchange.py`` reports): an all-gather of a
  header of ``1 + m * populations`` 4-byte counts per rank (m = steps per exchange), then an all-gather of every
  spike's 4-byte neuron id,
- a network model of the two all-gathers per exchange: ``alpha * ceil(log2 P) + B * (P - 1) / P / beta`` each,
  for P ranks and B bytes gathered in all (recursive doubling / ring: the textbook cost, Thakur, Rabenseifner &
  Gropp 2005, Int. J. High Perform. Comput. Appl. 19:49),
- one thread barrier per simulation step, and the handling of every received spike on every rank,

into the seconds of run loop per simulated second (the real-time factor), for the Potjans & Diesmann (2014)
microcircuit and for a 1e6-neuron, 1e9-synapse plastic network (Morrison et al. 2007 scale) on clusters of
128-core nodes, and prints every input with its source beside NEST's published figures.

Where the model is optimistic: it assumes perfect load balance (every core gets the same share of events; the
slowest rank sets the pace in reality), a parallel efficiency of ``--efficiency`` inside a node (1.0 by default; the
row "eff=0.57" uses pyneuro's measured 16-thread efficiency), no overlap of communication with computation (that
is pessimistic) but also no network contention, no jitter and no operating-system noise, and a plain all-gather in
which every rank receives every spike (the exchange pyneuro has: bytes per rank grow with the total spike count, so
a sparse exchange would only help at many more nodes than here). Memory bandwidth at 128 threads per node is not
modelled: the per-event cost measured on 1-2 threads is assumed to hold per core.

    python benchmarks/mpi_projection.py                     # measures the neuron update briefly (~1 s)
    python benchmarks/mpi_projection.py --t-neuron-ns 3.0   # no measurement
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, replace

__all__ = [
    "Cluster",
    "Model",
    "allgather_seconds",
    "exchange_bytes",
    "measure_neuron_ns",
    "project",
]

# --- inputs measured in pyneuro (README, "Benchmarks") ----------------------------------------------------------
PD14_CPU_S_PER_SIM_S = 2 * 12.4  # full-scale PD14, 2 threads x 12.4 CPU s per thread per simulated second
PD14_SOURCE = "README PD14 full scale: 12.4 CPU s per thread per sim s on 2 threads (benchmarks/pd14_full.py)"
W4_RUN_S_PER_SIM_S = 7.312  # W4 zenke25k, 1 core, run loop s per simulated s (load ~8: wall, pessimistic)
W4_NS_PER_EVENT = 77.36  # the same run's run-loop time over its synaptic events
W4_NEURONS = 25_000
W4_PLASTIC_FRACTION = 2e7 / 3.4e7
W4_SOURCE = "README W4 zenke25k vs Auryn, 1 core: 7.312 s/s, 77.36 ns/event (benchmarks/compare_auryn.py)"
THREAD_EFFICIENCY_16 = 9.1 / 16  # README thread scaling: W5 256k neurons, 9.1x at 16 threads

# --- assumptions (not measured here) --------------------------------------------------------------------------
# InfiniBand HDR: 200 Gb/s per port (25 GB/s signalling); MPI small-message latency over InfiniBand ~1-2 us.
ALPHA_S = 2.0e-6  # per stage of a tree/recursive-doubling collective, MPI software and a switch hop included
BETA_BPS = 20e9  # effective bytes per second of one HDR port
NET_SOURCE = "assumed, InfiniBand HDR: 200 Gb/s link (IBTA), MPI latency 1-2 us; alpha=2 us, beta=20 GB/s"
BARRIER_S = 1.0e-6  # one barrier of 128 OpenMP threads per step (assumed; the order EPCC syncbench reports)
SPIKE_S = 5.0e-9  # per received spike per rank: ring insert and trace entry (assumed)

# --- NEST's published figures for PD14 ------------------------------------------------------------------------
NEST_PD14 = (
    "NEST 2.14, PD14 on 128-core AMD EPYC Rome nodes (Kurth et al. 2022, Neuromorph. Comput. Eng. 2:021001, "
    "'Sub-realtime simulation of a neuronal network of natural density'): 0.67 on 1 node, 0.53 on 2 nodes; "
    "the authors' NEST Conference 2021 abstract: sub-realtime on 1 node, 1.7x faster than real time on 2 (0.59)"
)


@dataclass(frozen=True)
class Model:
    """A network to project.

    Parameters
    ----------
    name : label.
    neurons : number of neurons.
    synapses : number of synapses.
    rate_hz : mean firing rate (Hz); synaptic events per simulated second = synapses x rate_hz.
    min_delay_ms : the shortest delay (ms): one exchange per this interval.
    dt_ms : time step (ms).
    populations : number of populations (each adds one 4-byte count per step to the exchange header).
    plastic_fraction : fraction of synapses that are plastic (in [0, 1]).
    t_static_ns, t_plastic_ns : CPU ns per synaptic event on one thread, static and plastic synapses.
    """

    name: str
    neurons: int
    synapses: float
    rate_hz: float
    min_delay_ms: float
    dt_ms: float
    populations: int
    plastic_fraction: float
    t_static_ns: float
    t_plastic_ns: float


@dataclass(frozen=True)
class Cluster:
    """The machine: ``nodes`` x ``cores_per_node`` cores, ``ranks_per_node`` MPI ranks per node (each with
    cores_per_node / ranks_per_node threads), collective latency ``alpha_s`` (s per stage), bandwidth ``beta_bps``
    (bytes/s), ``barrier_s`` per step, ``spike_s`` per received spike per rank, parallel ``efficiency`` in (0, 1]."""

    nodes: int
    cores_per_node: int = 128
    ranks_per_node: int = 1
    alpha_s: float = ALPHA_S
    beta_bps: float = BETA_BPS
    barrier_s: float = BARRIER_S
    spike_s: float = SPIKE_S
    efficiency: float = 1.0

    @property
    def ranks(self) -> int:
        return self.nodes * self.ranks_per_node


def exchange_bytes(model: Model, ranks: int) -> float:
    """Bytes each rank receives per exchange (the compiled core's count): ``(1 + m * populations) * 4 * ranks``
    for the headers plus ``4 * spikes`` for the ids, m = steps per exchange, spikes = all ranks' spikes in it."""
    m = max(1, round(model.min_delay_ms / model.dt_ms))
    header = (1 + m * model.populations) * 4 * ranks
    spikes = model.neurons * model.rate_hz * model.min_delay_ms * 1e-3
    return header + 4.0 * spikes


def allgather_seconds(total_bytes: float, ranks: int, alpha_s: float, beta_bps: float) -> float:
    """All-gather of ``total_bytes`` in all over ``ranks`` ranks: ``alpha * ceil(log2 P) + B * (P-1)/P / beta``."""
    if ranks <= 1:
        return 0.0
    return alpha_s * math.ceil(math.log2(ranks)) + total_bytes * (ranks - 1) / ranks / beta_bps


def project(model: Model, cluster: Cluster, t_neuron_ns: float) -> dict[str, float]:
    """Seconds of run loop per simulated second, by term, and their sum ``rtf`` (the real-time factor)."""
    cores = cluster.nodes * cluster.cores_per_node * cluster.efficiency
    events = model.synapses * model.rate_hz
    t_event = (1 - model.plastic_fraction) * model.t_static_ns + model.plastic_fraction * model.t_plastic_ns
    steps = 1000.0 / model.dt_ms
    compute = (events * t_event + model.neurons * steps * t_neuron_ns) * 1e-9 / cores
    exchanges = 1000.0 / model.min_delay_ms
    b = exchange_bytes(model, cluster.ranks)
    m = max(1, round(model.min_delay_ms / model.dt_ms))
    header_total = (1 + m * model.populations) * 4 * cluster.ranks
    per_exchange = allgather_seconds(header_total, cluster.ranks, cluster.alpha_s, cluster.beta_bps) + (
        allgather_seconds(b - header_total, cluster.ranks, cluster.alpha_s, cluster.beta_bps)
    )
    comm = exchanges * per_exchange
    barrier = steps * cluster.barrier_s
    spikes = (model.neurons * model.rate_hz * cluster.spike_s) if cluster.ranks > 1 else 0.0
    return {
        "compute": compute,
        "exchange": comm,
        "barrier": barrier,
        "remote_spikes": spikes,
        "bytes_per_exchange": b,
        "rtf": compute + comm + barrier + spikes,
    }


def measure_neuron_ns(n: int = 50000, ms: float = 500.0, reps: int = 3) -> float:
    """CPU ns per neuron update per step on one thread (median of ``reps``): PD14's LIF, constant subthreshold
    drive, no synapses, no spikes."""
    import statistics

    import pyneuro as pn

    net = pn.Network(dt=0.1, seed=1, threads=1)
    net.add_population(pn.models.LIF(I_e=100.0), n, name="lif")
    net.run(10.0)
    out = []
    for _ in range(reps):
        t0 = time.process_time()
        net.run(ms)
        out.append((time.process_time() - t0) * 1e9 / (n * ms / 0.1))
    return statistics.median(out)


def models(
    t_neuron_ns: float, t_static_ns: float | None = None, t_plastic_ns: float | None = None
) -> tuple[Model, Model, dict[str, str]]:
    """The two networks, with per-event costs derived from the README's measurements unless given."""
    pd14_events = 2.99e8 * 3.8
    derived = (PD14_CPU_S_PER_SIM_S - 77_169 * 1e4 * t_neuron_ns * 1e-9) / pd14_events * 1e9
    t_static = derived if t_static_ns is None else t_static_ns
    w4_events = W4_RUN_S_PER_SIM_S / (W4_NS_PER_EVENT * 1e-9)
    w4_per_event = (W4_RUN_S_PER_SIM_S - W4_NEURONS * 1e4 * t_neuron_ns * 1e-9) / w4_events * 1e9
    derived_p = (w4_per_event - (1 - W4_PLASTIC_FRACTION) * t_static) / W4_PLASTIC_FRACTION
    t_plastic = derived_p if t_plastic_ns is None else t_plastic_ns
    pd14 = Model("PD14 full scale", 77_169, 2.99e8, 3.8, 0.1, 0.1, 8, 0.0, t_static, t_plastic)
    plastic = Model("1e6 n, 1e9 syn, triplet STDP", 1_000_000, 1e9, 3.0, 1.0, 0.1, 2, 0.8, t_static, t_plastic)
    src = {
        "t_static": "(24.8 CPU s - neuron updates) / (2.99e8 x 3.8 Hz); " + PD14_SOURCE
        if t_static_ns is None
        else "given (--t-static-ns)",
        "t_plastic": f"(W4 per-event cost - {1 - W4_PLASTIC_FRACTION:.2f} x static) / {W4_PLASTIC_FRACTION:.2f}; "
        + W4_SOURCE
        if t_plastic_ns is None
        else "given (--t-plastic-ns)",
    }
    return pd14, plastic, src


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--t-neuron-ns", type=float, default=None, help="ns per neuron update (default: measure)")
    ap.add_argument("--t-static-ns", type=float, default=None, help="ns per static event (default: from README)")
    ap.add_argument("--t-plastic-ns", type=float, default=None, help="ns per plastic event (default: from README)")
    ap.add_argument("--nodes", default="1,2,8,64", help="node counts")
    ap.add_argument("--cores-per-node", type=int, default=128)
    ap.add_argument("--ranks-per-node", type=int, default=1)
    ap.add_argument("--alpha-us", type=float, default=ALPHA_S * 1e6)
    ap.add_argument("--beta-gbs", type=float, default=BETA_BPS * 1e-9)
    a = ap.parse_args()
    if a.t_neuron_ns is None:
        tn = measure_neuron_ns()
        tn_src = "measured now: 50000 LIF, 500 ms, 1 thread, CPU time, median of 3"
    else:
        tn, tn_src = a.t_neuron_ns, "given (--t-neuron-ns)"
    pd14, plastic, src = models(tn, a.t_static_ns, a.t_plastic_ns)
    print("MODEL, NOT A MEASUREMENT: run-loop seconds per simulated second on a cluster, from the inputs below\n")
    print("inputs:")
    rows = [
        ("neuron update, 1 thread", f"{tn:.2f} ns", tn_src),
        ("static synaptic event, 1 thread", f"{pd14.t_static_ns:.2f} ns", src["t_static"]),
        ("plastic synaptic event, 1 thread", f"{pd14.t_plastic_ns:.2f} ns", src["t_plastic"]),
        ("collective latency alpha", f"{a.alpha_us:g} us/stage", NET_SOURCE),
        ("bandwidth beta", f"{a.beta_gbs:g} GB/s", NET_SOURCE),
        ("thread barrier per step", f"{BARRIER_S * 1e6:g} us", "assumed (128 OpenMP threads)"),
        ("received spike, per rank", f"{SPIKE_S * 1e9:g} ns", "assumed (ring insert + trace)"),
        ("efficiency inside a node", f"1.0 and {THREAD_EFFICIENCY_16:.2f}", "ideal; README thread scaling 9.1x/16"),
        ("exchange bytes", "(1+m*pops)*4*P + 4*spikes", "as the compiled core counts (mpi_exchange.py)"),
    ]
    for m in (pd14, plastic):
        rows.append(
            (
                m.name,
                f"{m.neurons} n, {m.synapses:.3g} syn, {m.rate_hz} Hz",
                f"min delay {m.min_delay_ms} ms, dt {m.dt_ms} ms, {m.populations} pops, "
                f"{m.plastic_fraction:.0%} plastic",
            )
        )
    for k, v, s in rows:
        print(f"  {k:<36}{v:<30}{s}")
    print()
    hdr = f"{'network':<38}{'nodes':>6}{'cores':>7}{'eff':>6}{'compute':>9}{'exchange':>10}{'barrier':>9}"
    print(hdr + f"{'spikes':>8}{'B/exch':>9}{'RTF':>8}")
    for m in (pd14, plastic):
        for n in [int(x) for x in a.nodes.split(",") if x]:
            for eff in (1.0, THREAD_EFFICIENCY_16):
                c = Cluster(n, a.cores_per_node, a.ranks_per_node, a.alpha_us * 1e-6, a.beta_gbs * 1e9)
                r = project(m, replace(c, efficiency=eff), tn)
                print(
                    f"{m.name:<38}{n:>6}{n * a.cores_per_node:>7}{eff:>6.2f}{r['compute']:>9.4f}{r['exchange']:>10.4f}"
                    f"{r['barrier']:>9.4f}{r['remote_spikes']:>8.4f}{r['bytes_per_exchange']:>9.0f}{r['rtf']:>8.3f}"
                )
    print(f"\npublished: {NEST_PD14}")
    print(
        "optimistic: perfect load balance, no contention or jitter, per-core event cost of 1-2 threads kept at 128 "
        "threads (memory bandwidth not modelled); pessimistic: no overlap of exchange and computation. The exchange "
        "is an all-gather (every rank receives every spike), not a sparse one."
    )


if __name__ == "__main__":
    main()
