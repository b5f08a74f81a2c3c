"""One network over several MPI processes: bit-identical to one process for 1-4 ranks x 1-2 threads, and what is
not supported yet is refused on every rank before anything changes.

The runs are real: ``mpiexec -n R python mpi_model.py`` (the MPI of the installed mpi4py wheel, ranks
oversubscribed on a small machine) in a temporary directory outside the source tree, with a timeout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import pyneuro as pn

MPI = pytest.importorskip("mpi4py.MPI", reason="mpi4py is not installed (pip install 'pyneuro[mpi]')")

HERE = Path(__file__).resolve().parent
MODEL = HERE / "mpi_model.py"
MS = 100.0  # simulated ms per run (oversubscribed ranks: keep it short)


def _mpiexec() -> list[str]:
    """mpiexec of the MPI that mpi4py uses (the wheel's, next to the interpreter), with the flags it needs to run
    more ranks than cores."""
    exe = Path(sys.executable).with_name("mpiexec")
    cmd = str(exe) if exe.exists() else shutil.which("mpiexec") or shutil.which("mpirun")
    if cmd is None:
        pytest.skip("mpi4py is installed but no mpiexec was found")
    version = subprocess.run([cmd, "--version"], capture_output=True, text=True, timeout=60).stdout
    if "Open MPI" in version or "OpenRTE" in version:
        flags = ["--oversubscribe"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--allow-run-as-root")
        return [cmd, *flags]
    return [cmd]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # the subprocess imports this very pyneuro (installed or from the tree the tests run from)
    root = str(Path(pn.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_PROC_BIND"] = "false"
    return env


def _run(args: list[str], timeout: float = 120.0) -> dict:
    p = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, cwd=tempfile.gettempdir(), env=_env(), check=False
    )
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    assert p.returncode == 0 and len(lines) == 1, (
        f"{args} failed (rc {p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    )
    return json.loads(lines[0][len("RESULT ") :])


@pytest.fixture(scope="module")
def reference() -> dict:
    """The single-process run, without any communicator."""
    out = _run([sys.executable, str(MODEL), "--threads", "1", "--ms", str(MS)])
    assert out["ranks"] == 1
    assert out["n_exc"] > 2000 and out["n_inh"] > 100  # the network is active
    assert out["w_ee_changed"]  # and STDP changed the E->E weights
    return out


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("ranks", [1, 2, 3, 4])
def test_ranks_x_threads_bit_identical(reference, ranks, threads):
    out = _run(
        [*_mpiexec(), "-n", str(ranks), sys.executable, str(MODEL), "--threads", str(threads), "--mpi", "--ms", str(MS)]
    )
    assert out["ranks"] == ranks and out["threads"] == threads
    differ = sorted(k for k in reference if k not in ("ranks", "threads") and out[k] != reference[k])
    assert not differ, f"ranks={ranks} threads={threads}: {differ} differ from the single-process run"


@pytest.mark.parametrize(
    ("ranks", "threads", "extra"),
    [
        (3, 1, ["--dmin", "0.1"]),
        (2, 2, ["--convention", "nest"]),
        (2, 1, ["--custom"]),
        (3, 2, ["--ei-delays"]),
    ],
    ids=["exchange-every-step", "nest-convention", "user-defined-rule", "static-several-delays"],
)
def test_other_exchange_intervals_and_conventions(ranks, threads, extra):
    """A one-step shortest delay (an exchange every step), NEST's time convention, E->E STDP written as a
    user-defined rule (compiled at run time) and a static projection with several delays (delivered at emission
    time) give the single-process bits."""
    ref = _run([sys.executable, str(MODEL), "--threads", "1", "--ms", str(MS), *extra])
    out = _run(
        [
            *_mpiexec(),
            "-n",
            str(ranks),
            sys.executable,
            str(MODEL),
            "--threads",
            str(threads),
            "--mpi",
            "--ms",
            str(MS),
            *extra,
        ]
    )
    assert ref["n_exc"] > 2000 and ref["w_ee_changed"]
    differ = sorted(k for k in ref if k not in ("ranks", "threads") and out[k] != ref[k])
    assert not differ, f"{extra}: {differ} differ from the single-process run"


REFUSALS = """
import sys
import numpy as np
import pyneuro as pn
from mpi4py import MPI
comm = MPI.COMM_WORLD
net = pn.Network(threads=1, seed=1, comm=comm)
a = net.add_population(pn.models.LIF(I_e=400.0), 40, name="a")
stdp = pn.plasticity.STDP(tau_pre=20.0, tau_post=20.0, a_pre=0.1, a_post=-0.1, w_min=0.0, w_max=5.0)
p = net.connect(a, a, pn.conn.FixedProbability(0.2), weight=1.0, delay=1.0, plasticity=stdp)
reads_v_pre = pn.plasticity.Custom(params={"a": 0.001}, on_pre="w = clip(w + a * (v_pre + 70.0), 0.0, 5.0)")
calls = {
    "add_structural": lambda: net.add_structural(p, pn.structural.Pruning(interval=10.0, threshold=0.1)),
    "lesion": lambda: net.lesion(neurons=(a, [0, 1])),
    "save": lambda: net.save("never.h5"),
    "add_neurons": lambda: a.add_neurons(5),
    "remove_synapses": lambda: p.remove_synapses([0]),
    "add_synapses": lambda: p.add_synapses([0], [1]),
    "set weights": lambda: setattr(p, "weights", 1.0),
    "Custom reading v_pre": lambda: net.connect(
        a, a, pn.conn.FixedProbability(0.2), weight=1.0, delay=1.0, plasticity=reads_v_pre
    ),
}
refused = []
for name, f in calls.items():
    try:
        f()
    except NotImplementedError as e:
        assert "MPI" in str(e), str(e)
        refused.append(name)
# nothing changed: the network runs on, every rank alike, and the readers are collective
n_before = len(p)
# ranks that disagree on the duration are told so on every rank, before any step
try:
    net.run(10.0 if net.rank == 0 else 20.0)
    mismatch = "ran"
except ValueError as e:
    mismatch = "refused" if "different" in str(e) and net.time == 0.0 else str(e)
net.run(20.0)
sm_ok = len(net.monitors) == 0 and len(p) == n_before and len(net.populations) == 1 and a.size == 40
sm_ok = sm_ok and len(net.projections) == 1
v = a.get("v")

def runaway(comm):  # a network above max_rate: every rank stops at the same step with the same error
    n2 = pn.Network(threads=1, seed=2, max_rate=20.0, comm=comm)
    b = n2.add_population(pn.models.LIF(I_e=1000.0), 50, name="b")
    n2.connect(b, b, pn.conn.FixedProbability(0.1), weight=5.0, delay=0.5)
    try:
        n2.run(300.0)
        return ["no error", n2.time]
    except pn.SimulationError as e:
        return [str(e), n2.time, e.time]


stops = comm.allgather(runaway(comm))
if net.rank == 0:
    import json
    res = {"refused": refused, "unchanged": bool(sm_ok), "v_len": int(v.size), "mismatch": mismatch}
    res.update(n_syn=int(n_before), ranks=net.ranks, stops=stops, stop_single=runaway(None))
    print("RESULT " + json.dumps(res))
"""


def test_unsupported_features_refused_on_every_rank(tmp_path):
    script = tmp_path / "refusals.py"
    script.write_text(REFUSALS)
    out = _run([*_mpiexec(), "-n", "2", sys.executable, str(script)])
    assert out["ranks"] == 2
    assert out["refused"] == [
        "add_structural",
        "lesion",
        "save",
        "add_neurons",
        "remove_synapses",
        "add_synapses",
        "set weights",
        "Custom reading v_pre",
    ]
    assert out["unchanged"] and out["v_len"] == 40 and out["n_syn"] > 0
    assert out["mismatch"] == "refused"
    # the runaway check is decided on global counts: every rank stops where one process stops
    assert "max_rate" in out["stop_single"][0]
    assert out["stops"] == [out["stop_single"]] * 2


def test_comm_argument_checked():
    with pytest.raises(TypeError, match="comm"):
        pn.Network(comm=42)
    with pytest.raises(ValueError, match="COMM_NULL"):
        pn.Network(comm=MPI.COMM_NULL)
    # a communicator of one process is a plain single-process network
    net = pn.Network(comm=MPI.COMM_SELF, seed=5)
    assert net.ranks == 1 and net.rank == 0 and not net.distributed
    a = net.add_population(pn.models.LIF(I_e=1000.0), 20)
    m = net.record_spikes(a)
    net.run(10.0)
    ref = pn.Network(seed=5)
    b = ref.add_population(pn.models.LIF(I_e=1000.0), 20)
    mr = ref.record_spikes(b)
    ref.run(10.0)
    assert np.array_equal(m.steps, mr.steps) and np.array_equal(m.indices, mr.indices) and m.steps.size > 0
