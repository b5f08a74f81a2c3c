"""One network over several MPI processes: bit-identical to one process for 1-4 ranks x 1-2 threads, and what is
not supported yet is refused on every rank before anything changes.

The runs are real: ``mpiexec -n R python mpi_model.py`` (the MPI of the installed mpi4py wheel, ranks
oversubscribed on a small machine) in a temporary directory outside the source tree, with a timeout.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
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


def _model_on_ranks(ranks: int, threads: int, *extra: str) -> dict:
    """tests/mpi_model.py run by ``ranks`` MPI processes of ``threads`` threads each for ``MS`` ms."""
    return _run(
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


def _differ(ref: dict, out: dict) -> list[str]:
    """The result keys (all but the split itself) where ``out`` differs from the single-process ``ref``."""
    return sorted(k for k in ref if k not in ("ranks", "threads") and out[k] != ref[k])


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
    out = _model_on_ranks(ranks, threads)
    assert out["ranks"] == ranks and out["threads"] == threads
    differ = _differ(reference, out)
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
    out = _model_on_ranks(ranks, threads, *extra)
    assert ref["n_exc"] > 2000 and ref["w_ee_changed"]
    differ = _differ(ref, out)
    assert not differ, f"{extra}: {differ} differ from the single-process run"


@pytest.mark.parametrize(("ranks", "threads"), [(2, 1), (3, 2)])
def test_lesions_bit_identical(ranks, threads):
    """Lesions between runs and scheduled inside runs (neurons by ids and by fraction, with and without their
    synapses; synapses by index, mask and predicate) give, on every split, the single-process spikes, weights,
    lesion flags, lesion record and structural log."""
    ref = _run([sys.executable, str(MODEL), "--threads", "1", "--ms", str(MS), "--lesion"])
    lesions = json.loads(ref["lesions"])
    # the lesions did happen: 2 + 40 + 4 + 2 neurons and synapses of every projection, at 0, 25, 30 and 55 ms
    assert sum(x["count"] for x in lesions if x["kind"] == "neurons") == 48
    assert {x["name"] for x in lesions if x["kind"] == "synapses"} == {"ee", "ei", "ie", "in"}
    assert sorted({x["time"] for x in lesions}) == [0.0, 25.0, 30.0, 55.0]
    assert ref["n_log"] == 48 + sum(x["count"] for x in lesions if x["kind"] == "synapses")
    out = _model_on_ranks(ranks, threads, "--lesion")
    assert out["ranks"] == ranks
    differ = _differ(ref, out)
    assert not differ, f"lesions on {ranks} ranks: {differ} differ from the single-process run"


@pytest.fixture(scope="module")
def rewired() -> dict:
    """The single-process run of the rewiring network (structural plasticity on every projection)."""
    out = _run([sys.executable, str(MODEL), "--threads", "1", "--ms", str(MS), "--rewire"])
    # every rule acted: E->E pruned and grown, input synapses pruned, E->I retracted and paired by synaptic
    # elements, I->E sprouted after its lesion (3 neurons x 20 E->I synapses in, 3 x 40 I->E synapses out)
    assert out["n_pruned_ee"] > 100 and out["n_created_ee"] > 100 and out["n_pruned_in"] > 100
    assert out["n_pruned_ei"] > 50 and out["n_created_ei"] > 50 and out["n_created_ie"] > 20
    assert out["n_lesioned_ei"] == 60 and out["n_lesioned_ie"] == 120
    # sizes follow the log: connect-time size + created - pruned - lesioned (FixedInDegree(20) x 100 for E->I,
    # FixedTotalNumber(4000) for I->E)
    assert out["size_ei"] == 2000 + out["n_created_ei"] - out["n_pruned_ei"] - out["n_lesioned_ei"]
    assert out["size_ie"] == 4000 + out["n_created_ie"] - out["n_pruned_ie"] - out["n_lesioned_ie"]
    assert out["w_ee_changed"] and out["n_exc"] > 2000
    # structure recorders: snapshots at 0, 20, ..., 100 ms, the last one the projection as it ends
    assert out["n_snapshots_ee"] == out["n_snapshots_ei"] == 6
    assert out["snapshot_size_ee"] == out["size_ee"] and out["snapshot_size_ei"] == out["size_ei"]
    return out


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("ranks", [1, 2, 3, 4])
def test_rewiring_ranks_x_threads_bit_identical(rewired, ranks, threads):
    """A plastic and rewiring network (pruning, random growth, activity-dependent growth by synaptic elements,
    sprouting after a lesion) on 1-4 ranks x 1-2 threads: spikes, weights, synapses, state and the structural log
    bit-identical to the single-process run, and so are the structure recorders' snapshots (gathered on every
    rank)."""
    out = _model_on_ranks(ranks, threads, "--rewire")
    assert out["ranks"] == ranks and out["threads"] == threads
    differ = _differ(rewired, out)
    assert not differ, f"rewiring on ranks={ranks} threads={threads}: {differ} differ from the single-process run"


@pytest.mark.parametrize(("ranks", "threads"), [(2, 1), (3, 2), (4, 1)])
def test_neurogenesis_bit_identical(ranks, threads):
    """The rewiring network growing too: inhibitory neurons born every 20 ms by a Neurogenesis rule (wired in and
    out) and 20 excitatory neurons added between the runs (with input and E->E synapses), then synapses removed by
    index and by mask, weights set and a store compacted: the new neurons join the last rank; spikes, state,
    synapses, snapshots and the structural log are those of one process."""
    ref = _run([sys.executable, str(MODEL), "--threads", "1", "--ms", str(MS), "--rewire", "--grow"])
    born = ref["size_inh"] - 100
    assert ref["size_exc"] == 420 and born > 0  # 200/s x 100 ms: about 20 expected
    assert ref["n_added_in"] == 20 * 15 and ref["n_added_ee"] > 0  # FixedInDegree(15) into 20 new neurons
    assert ref["n_removed_ee"] > 100 and ref["n_removed_ei"] > 100
    out = _model_on_ranks(ranks, threads, "--rewire", "--grow")
    differ = _differ(ref, out)
    assert not differ, f"neurogenesis on {ranks} ranks x {threads} threads: {differ} differ from the single-process run"


@pytest.mark.parametrize(("saved_on", "loaded_on", "threads"), [(2, 3, 1), (1, 2, 2), (3, 0, 1)])
def test_checkpoint_across_rank_counts(tmp_path, saved_on, loaded_on, threads):
    """100 ms on ``saved_on`` ranks, one checkpoint file, loaded on ``loaded_on`` ranks (0: a plain process without
    a communicator), 100 ms more: the single-process uninterrupted run's spikes, rates, synapses, state and state
    recordings, bit for bit (a plastic network with Poisson sources and inputs, several delays on a static
    projection)."""
    ref = _run([sys.executable, str(MODEL), "--checkpoint", "--ms", str(MS), "--ei-delays"])
    assert ref["time"] == 2 * MS and ref["n_exc"] > 4000 and ref["ranks"] == 1
    path = str(tmp_path / "net.h5")
    flags = ["--threads", str(threads), "--ms", str(MS), "--ei-delays"]
    saved = _run([*_mpiexec(), "-n", str(saved_on), sys.executable, str(MODEL), "--mpi", "--save", path, *flags])
    assert saved["ranks"] == saved_on and saved["time"] == MS
    # one file, in the single-process format
    assert pn.Network.load(path).time == MS
    load = [sys.executable, str(MODEL), "--load", path, *flags]
    if loaded_on:
        load = [*_mpiexec(), "-n", str(loaded_on), *load, "--mpi"]
    out = _run(load)
    assert out["ranks"] == max(loaded_on, 1) and out["time"] == 2 * MS
    differ = _differ(ref, out)
    assert not differ, f"saved on {saved_on}, loaded on {loaded_on}: {differ} differ from the uninterrupted run"


@pytest.mark.parametrize(("saved_on", "loaded_on", "threads"), [(2, 3, 1), (0, 2, 2), (3, 0, 1)])
def test_checkpoint_with_rule_structural_and_recorder_state(tmp_path, saved_on, loaded_on, threads):
    """As above with weight recorders (all synapses of E->E, a selection of the input), a reward-modulated
    projection (per-synapse eligibility, rewards pending), structural rules (per-synapse weak time and age,
    per-neuron in-degree baselines), a lesion and a structure recorder: saved on ``saved_on``
    ranks (0: a plain process), loaded on ``loaded_on``, the uninterrupted run bit for bit."""
    ref = _run([sys.executable, str(MODEL), "--checkpoint", "--full", "--ms", str(MS)])
    assert ref["time"] == 2 * MS and ref["n_log"] > 300 and ref["n_exc"] > 4000
    path = str(tmp_path / "net.h5")
    flags = ["--threads", str(threads), "--ms", str(MS), "--full"]
    save = [sys.executable, str(MODEL), "--save", path, *flags]
    saved = _run([*_mpiexec(), "-n", str(saved_on), *save, "--mpi"] if saved_on else save)
    assert saved["ranks"] == max(saved_on, 1) and saved["time"] == MS
    load = [sys.executable, str(MODEL), "--load", path, *flags]
    out = _run([*_mpiexec(), "-n", str(loaded_on), *load, "--mpi"] if loaded_on else load)
    assert out["ranks"] == max(loaded_on, 1) and out["time"] == 2 * MS
    differ = _differ(ref, out)
    assert not differ, f"saved on {saved_on}, loaded on {loaded_on}: {differ} differ from the uninterrupted run"


LOAD_SPLIT = """
import json, sys
import numpy as np
import pyneuro as pn
from mpi4py import MPI
net = pn.Network.load(sys.argv[1], comm=MPI.COMM_WORLD)
res = [m.values.tolist() for m in net.monitors] + [net.projections[0].rule_state(0)["c"].tolist()]
res = MPI.COMM_WORLD.allgather(res)
if MPI.COMM_WORLD.rank == 0:
    print("RESULT " + json.dumps(res))
"""


def test_single_process_checkpoint_split_on_load(tmp_path):
    """A single-process checkpoint holding weight recorders (all synapses, and a selection) and a reward-modulated
    rule's per-synapse eligibility, loaded on 2 ranks: every rank reads the recorded samples and the eligibility
    of the saved network, value for value."""
    net = pn.Network(seed=2)
    a = net.add_population(pn.models.LIF(I_e=1000.0), 30, name="a")
    a.set("v", np.linspace(-70.0, -55.0, 30))
    rule = pn.plasticity.RewardSTDP(
        tau_pre=20.0, tau_post=25.0, a_pre=1.0, a_post=-1.5, tau_c=200.0, tonic=0.2, interval=1.0, w_max=4.0
    )
    p = net.connect(a, a, pn.conn.FixedProbability(0.2), weight=1.0, delay=1.0, plasticity=rule)
    net.record_weights(p, every=1.0)
    net.record_weights(p, indices=[5, 0, 77, 3], every=2.0)
    net.run(30.0)
    path = tmp_path / "net.h5"
    net.save(path)
    want = [m.values.tolist() for m in net.monitors] + [p.rule_state(0)["c"].tolist()]
    assert np.any(np.asarray(want[2]) != 0.0) and np.any(np.asarray(want[0]) != 1.0)  # eligibility and STDP acted
    script = tmp_path / "load.py"
    script.write_text(LOAD_SPLIT)
    out = _run([*_mpiexec(), "-n", "2", sys.executable, str(script), str(path)])
    assert out == [want, want]


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
# a save that fails on rank 0 (which writes the file) raises on every rank
try:
    net.save("/nonexistent-directory/net.h5")
    save_err = "none"
except Exception as e:
    save_err = type(e).__name__ + (" told" if "rank 0" in str(e) else "")
save_errs = comm.allgather(save_err)
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
    res.update(save_errs=save_errs, n_syn=int(n_before), ranks=net.ranks, stops=stops, stop_single=runaway(None))
    print("RESULT " + json.dumps(res))
"""


def test_unsupported_features_refused_on_every_rank(tmp_path):
    script = tmp_path / "refusals.py"
    script.write_text(REFUSALS)
    out = _run([*_mpiexec(), "-n", "2", sys.executable, str(script)])
    assert not (Path(tempfile.gettempdir()) / "never.h5").exists()  # a refused save writes nothing
    assert out["ranks"] == 2
    assert out["refused"] == [
        "Custom reading v_pre",
    ]
    assert out["unchanged"] and out["v_len"] == 40 and out["n_syn"] > 0
    assert out["mismatch"] == "refused"
    err = out["save_errs"][0]
    assert err != "none" and out["save_errs"][1] == err + " told"
    # the runaway check is decided on global counts: every rank stops where one process stops
    assert "max_rate" in out["stop_single"][0]
    assert out["stops"] == [out["stop_single"]] * 2


INTERRUPTED = r"""
import json, os, signal, sys
# a test suite started as a background job inherits SIGINT ignored; an interactive user's process has Python's own
# handler, which is what is tested here
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, {tests!r})
import numpy as np
from mpi4py import MPI
from mpi_model import build, digest

comm = MPI.COMM_WORLD
net, pops, projs, mons = build(1, comm, weight_monitors=False, state_monitor=False)[:4]
print("ready", comm.rank, os.getpid(), flush=True)
try:
    net.run(1e6)
    interrupted = None
except KeyboardInterrupt as e:
    interrupted = str(e)
step_int = net.step
net.run(20.0)  # the network runs on
spikes = digest(mons["exc"].steps, mons["exc"].indices)
res = dict(interrupted=interrupted, step_int=step_int, step=net.step, spikes=spikes, w=digest(projs["ee"].weights))
res = comm.allgather(res)
if comm.rank == 0:
    ref, rprojs, rmons = (lambda b: (b[0], b[2], b[3]))(build(1, None, weight_monitors=False, state_monitor=False))
    ref.run(net.time)
    same = digest(rmons["exc"].steps, rmons["exc"].indices) == res[0]["spikes"]
    same = same and digest(rprojs["ee"].weights) == res[0]["w"]
    print("RESULT " + json.dumps(dict(ranks=res, same=same)), flush=True)
"""


def test_ctrl_c_on_one_rank_stops_every_rank_at_the_same_step():
    """SIGINT sent to rank 1 alone of a 2-rank run: every rank raises KeyboardInterrupt at the same step (no rank
    waits for the other in the exchange), the network runs on, and its spikes and weights are those of one process
    run straight to the same time."""
    code = INTERRUPTED.format(tests=str(HERE))
    p = subprocess.Popen(
        [*_mpiexec(), "-n", "2", sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tempfile.gettempdir(),  # outside the source tree
        env=_env(),
    )
    try:
        pids = {}
        while len(pids) < 2:
            line = p.stdout.readline()
            assert line, p.stderr.read()[-3000:]
            if line.startswith("ready"):
                _, rank, pid = line.split()
                pids[int(rank)] = int(pid)
        time.sleep(2.0)
        os.kill(pids[1], signal.SIGINT)
        out, err = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err[-3000:]
    lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
    r = json.loads(lines[0][len("RESULT ") :])
    a, b = r["ranks"]
    assert a["interrupted"] and b["interrupted"] and "rank(s) [1]" in a["interrupted"]
    assert a["step_int"] == b["step_int"] and 0 < a["step_int"] < 10_000_000
    assert a["step"] == b["step"] == a["step_int"] + 200
    assert a["spikes"] == b["spikes"] and r["same"]


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
