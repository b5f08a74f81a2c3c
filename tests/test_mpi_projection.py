"""The cluster projection's cost model against its closed form, worked by hand for one set of inputs."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
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


_BYTES_WORKER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from mpi4py import MPI
from mpi_model import build
net, pops, projs, mons, *_ = build(1, MPI.COMM_WORLD)
net.run(20.0)
b0, x0 = net.exchanged_bytes, int(net._engine.exchanges)
n0 = sum(int(m.steps.size) for m in mons.values())
net.run(100.0)
b1, x1 = net.exchanged_bytes, int(net._engine.exchanges)
n1 = sum(int(m.steps.size) for m in mons.values())
if net.rank == 0:
    print("RESULT " + json.dumps({"bytes": b1 - b0, "exchanges": x1 - x0, "spikes": n1 - n0, "ranks": net.ranks,
                                  "pops": len(pops), "projs": len(projs), "n": sum(p.size for p in pops)}))
"""


def test_exchange_bytes_match_the_core_count(tmp_path: Path) -> None:
    """The projection's bytes per exchange are what the compiled core counts in a real 2-rank run (the plastic
    E/I network of the MPI tests, 100 ms): the same headers and ids, plus the flags the core adds at the end of each
    100 ms check window and of each run (populations + projections counts per rank, at most a few times)."""
    pytest.importorskip("mpi4py")
    import pyneuro as pn

    exe = Path(sys.executable).with_name("mpiexec")
    cmd = str(exe) if exe.exists() else shutil.which("mpiexec") or shutil.which("mpirun")
    if cmd is None:
        pytest.skip("mpi4py is installed but no mpiexec was found")
    version = subprocess.run([cmd, "--version"], capture_output=True, text=True, timeout=60).stdout
    flags = (
        ["--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else []) if "Open MPI" in version else []
    )
    script = tmp_path / "bytes_worker.py"
    script.write_text(_BYTES_WORKER)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(pn.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    here = str(Path(__file__).resolve().parent)
    p = subprocess.run(
        [cmd, *flags, "-n", "2", sys.executable, str(script), here],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    assert p.returncode == 0 and lines, p.stdout[-2000:] + p.stderr[-2000:]
    r = json.loads(lines[0][7:])
    x, ranks, spikes = r["exchanges"], r["ranks"], r["spikes"]
    assert ranks == 2 and x > 0 and spikes > 0
    min_delay_ms = 100.0 / x
    model = mp.Model("mpi_model", r["n"], 0.0, spikes / (r["n"] * 0.1), min_delay_ms, 0.1, r["pops"], 0.0, 0.0, 0.0)
    assert round(min_delay_ms / 0.1) * x == 1000  # whole steps per exchange
    extra = r["bytes"] - x * mp.exchange_bytes(model, ranks)
    flags_per_window = (r["pops"] + r["projs"]) * 4 * ranks
    k = round(extra / flags_per_window)
    assert extra == pytest.approx(k * flags_per_window, abs=1e-6), (r, extra)
    assert 0 <= k <= 3
