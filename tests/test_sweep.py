"""Parameter sweeps on Dask (pyneuro.sweep): exactly-once results under a killed worker, resuming an
interrupted sweep, resuming a SIGKILLed long run from its checkpoint bit for bit, derived seeds, failure records,
and bad specs rejected before anything starts.

Runs use pyneuro.sweep.example_coba (a real COBA network with STDP), which worker processes import from the
installed package. Subprocesses run with cwd = tmp_path so that they import the installed pyneuro.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import types
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

import pyneuro as pn
import pyneuro.sweep  # noqa: F401  (pn.sweep; main loads it lazily on first use)
from pyneuro import cli
from pyneuro._sweep_spec import derive_seed, run_key

distributed = pytest.importorskip("distributed")
yaml = pytest.importorskip("yaml")

RESULT_KEYS = ("n_spikes", "rate_exc_hz", "rate_inh_hz", "w_ee_mean", "w_ee_std")


@pytest.fixture(scope="module")
def thread_client():
    """An in-process Dask cluster (2 threads) for the tests that do not need worker processes."""
    client = distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None)
    yield client
    client.close()


def records(results_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((results_dir / "runs").glob("*.json"))]


def wait_for(cond, timeout: float, what: str) -> None:
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


# -- seeds ------------------------------------------------------------------------------------------------------
def test_derived_seeds_are_stable_order_free_and_distinct():
    # pinned: sha256 of {"base_seed":0,"params":{"a":1,"b":0.5}}, first 8 bytes big-endian >> 1
    assert derive_seed({"a": 1, "b": 0.5}, 0) == 5418258456813728104
    assert derive_seed({"b": 0.5, "a": 1}, 0) == 5418258456813728104
    assert run_key({"b": 0.5, "a": 1}, 0) == "96630ab7f746e2d1"
    seeds = {derive_seed({"w": w}, b) for w in (1.0, 2.0, 3.0) for b in range(20)}
    assert len(seeds) == 60
    assert all(0 <= s < 2**63 for s in seeds)
    assert derive_seed({"a": 1}, 0) != derive_seed({"a": 1.0}, 0)  # documented: 1 and 1.0 differ


# -- killed worker ----------------------------------------------------------------------------------------------
def test_killed_worker_every_run_written_exactly_once_and_equal_to_serial_rerun(tmp_path):
    grid = {"n": 4000, "i_e": [85.0, 90.0, 95.0, 100.0, 105.0], "w_exc": [2.2, 2.6]}
    seeds = [0, 1]  # 20 runs
    duration = 2500.0
    out = tmp_path / "res"
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    client = distributed.Client(cluster)
    try:
        pid_of = client.run(os.getpid)  # worker address -> pid
        victim_addr, victim = sorted(pid_of.items())[0]
        killed: list[int] = []
        interrupted: list[str] = []

        def killer() -> None:
            def ready() -> bool:
                if len(list((out / "runs").glob("*.json"))) < 4:
                    return False
                interrupted[:] = [str(k) for k in client.processing(workers=[victim_addr])[victim_addr]]
                return bool(interrupted)

            wait_for(ready, 120, "4 finished runs and a task on the victim")
            os.kill(victim, signal.SIGKILL)
            killed.append(len(list((out / "runs").glob("*.json"))))

        th = threading.Thread(target=killer, daemon=True)
        th.start()
        rep = pn.sweep.run(
            "example_coba", grid, out, client=client, seeds=seeds, duration=duration, record=["w_ee"], progress=False
        )
        th.join(5)
        assert killed and killed[0] < 20, f"the worker was killed after {killed} runs, not mid-sweep"
        client.wait_for_workers(2, timeout=60)
        pids_after = set(client.run(os.getpid).values())
        assert victim not in pids_after  # it really died (the nanny started a new one)
    finally:
        client.close()
        cluster.close()

    assert (rep.total, rep.ran, rep.failed) == (20, 20, 0)
    recs = records(out)
    assert len(recs) == 20
    assert len({r["run_id"] for r in recs}) == 20
    # the task(s) the victim held when it died were finished elsewhere (keys are pyneuro-run-<run_id>-<tag>)
    ids = {r["run_id"] for r in recs}
    assert interrupted and all(k.split("-")[2] in ids for k in interrupted)
    assert not list((out / "failures").glob("*.json")) if (out / "failures").exists() else True
    # every run equals a serial rerun of the same parameter set and derived seed
    for r in recs:
        assert r["seed"] == derive_seed(r["params"], r["base_seed"])
        ref = pn.sweep.example_coba(**r["params"], duration=duration, seed=r["seed"])
        for k in RESULT_KEYS:
            assert r["results"][k] == ref[k], (r["params"], k)
        w = pn.sweep.load_arrays(out, r["run_id"])["w_ee"]
        assert np.array_equal(w, ref["w_ee"])
    assert max(r["results"]["n_spikes"] for r in recs) > 1000  # the networks were active
    df = pn.sweep.load(out)
    assert len(df) == 20 and set(df["status"]) == {"ok"}
    summary = (out / "summary.csv").read_text().splitlines()
    assert len(summary) == 21


# -- an interrupted sweep, resumed ------------------------------------------------------------------------------
def test_interrupted_sweep_resumed_runs_only_the_missing_runs(tmp_path, thread_client):
    spec = {
        "experiment": "example_coba",
        "params": {"n": 4000, "i_e": [88.0, 92.0, 96.0, 100.0], "w_exc": [2.3, 2.5, 2.7]},
        "seeds": [3],
        "duration": 1500.0,
        "results": "out",
    }
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyneuro", "sweep", "spec.yaml", "--workers", "1", "--no-progress"],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: len(list((out / "runs").glob("*.json"))) >= 3 or proc.poll() is not None, 120, "3 runs")
        assert proc.poll() is None, proc.communicate()[0].decode()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver, its nanny and its worker
        proc.wait()
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "runs").glob("*.json")}
    k = len(before)
    assert 3 <= k < 12, f"{k} runs finished before the kill"

    rep = pn.sweep.run(
        spec["experiment"], spec["params"], out, client=thread_client, seeds=[3], duration=1500.0, progress=False
    )
    assert (rep.total, rep.skipped, rep.ran, rep.failed) == (12, k, 12 - k, 0)
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "runs").glob("*.json")}
    assert len(after) == 12
    assert all(after[name] == v for name, v in before.items())  # finished runs were not written again
    # and a third pass runs nothing
    rep = pn.sweep.run(
        spec["experiment"], spec["params"], out, client=thread_client, seeds=[3], duration=1500.0, progress=False
    )
    assert (rep.skipped, rep.ran) == (12, 0)
    df = pn.sweep.load(out)
    assert sorted(df["index"]) == list(range(12))
    assert (df["n_spikes"] > 0).all()


# -- a long run killed after its second checkpoint ---------------------------------------------------------------
def test_long_run_sigkilled_after_second_checkpoint_resumes_bit_for_bit(tmp_path, caplog):
    duration, every = 6000.0, 500.0
    params = {"n": 4000, "i_e": 100.0}
    spec = {
        "experiment": "example_coba",
        "params": params,
        "seeds": [11],
        "duration": duration,
        "record": True,
        "checkpoint_every": every,
        "results": "long",
    }
    (tmp_path / "long.yaml").write_text(yaml.safe_dump(spec))
    out = tmp_path / "long"
    run_id = run_key(params, 11)
    ckdir = out / "checkpoints" / run_id
    every_steps = int(every / 0.1)

    def steps() -> list[int]:
        return sorted(int(p.stem.split("-")[1]) for p in ckdir.glob("ckpt-*.h5")) if ckdir.is_dir() else []

    proc = subprocess.Popen(
        [sys.executable, "-m", "pyneuro", "run", "long.yaml"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: (steps() and steps()[-1] >= 2 * every_steps) or proc.poll() is not None, 120, "2 ckpts")
        assert proc.poll() is None, proc.communicate()[0].decode()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    at_kill = steps()
    assert 2 * every_steps <= at_kill[-1] < int(duration / 0.1)
    assert not (out / "runs" / f"{run_id}.json").exists()

    with caplog.at_level(logging.INFO, logger="pyneuro.sweep"):
        res = pn.sweep.run_one(
            "example_coba", params, out, seeds=[11], duration=duration, record=True, checkpoint_every=every
        )
    assert res["status"] == "ok"
    assert any("resuming from checkpoint" in m for m in caplog.messages)
    assert not ckdir.exists()  # checkpoints are removed once the run is written
    got = pn.sweep.load_arrays(out, run_id)

    ref = pn.sweep.example_coba(**params, duration=duration, seed=derive_seed(params, 11))  # uninterrupted
    assert ref["n_spikes"] > 10000
    assert np.array_equal(got["spikes_exc/times"], ref["spikes_exc/times"])
    assert np.array_equal(got["spikes_exc/indices"], ref["spikes_exc/indices"])
    assert np.array_equal(got["w_ee"], ref["w_ee"])
    assert not np.array_equal(ref["w_ee"], np.full_like(ref["w_ee"], 2.4))  # STDP changed the weights
    assert res["record"]["results"]["n_spikes"] == ref["n_spikes"]


def test_run_checkpointed_refuses_a_directory_of_another_run(tmp_path):
    def build() -> pn.Network:
        net = pn.Network(seed=2)
        net.add_population(pn.models.PoissonSource(rate=20.0), 10, name="src")
        return net

    net = pn.sweep.run_checkpointed(build, 30.0, tmp_path, 10.0)
    assert net.step == 300
    assert [p.name for p in sorted(tmp_path.glob("ckpt-*.h5"))] == [
        "ckpt-000000000000200.h5",
        "ckpt-000000000000300.h5",
    ]
    again = pn.sweep.run_checkpointed(build, 30.0, tmp_path, 10.0)  # already complete: loads, runs nothing
    assert again.step == 300
    with pytest.raises(ValueError, match="checkpoint_dir .* 30.0 ms, not 50.0 ms"):
        pn.sweep.run_checkpointed(build, 50.0, tmp_path, 10.0)


# -- failures do not stop a sweep -------------------------------------------------------------------------------
def test_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, thread_client):
    grid = {"n": [5, 400, 800]}  # n = 5 fails inside the experiment (n must be >= 10)
    rep = pn.sweep.run("example_coba", grid, tmp_path, client=thread_client, seeds=[0, 1], progress=False)
    assert (rep.total, rep.ran, rep.failed) == (6, 4, 2)
    df = pn.sweep.load(tmp_path, failures=True)
    failed = df[df["status"] == "failed"]
    assert sorted(failed["base_seed"]) == [0, 1] and set(failed["n"]) == {5}
    assert all("ValueError: n must be an integer in [10, inf]" in e for e in failed["error"])
    assert all("Traceback" in tb and "check_int" in tb for tb in failed["traceback"])
    assert len(pn.sweep.load(tmp_path)) == 4
    # failed runs are tried again by the next sweep; finished ones are not
    rep = pn.sweep.run("example_coba", grid, tmp_path, client=thread_client, seeds=[0, 1], progress=False)
    assert (rep.skipped, rep.ran, rep.failed) == (4, 0, 2)


class _Result:
    def __init__(self, x: float, seed: int) -> None:
        self.x, self.seed = x, seed

    def to_dict(self) -> dict:
        return {"y": self.x * 2, "nested": {"seed_mod": self.seed % 7, "trace": np.arange(3.0)}, "label": "r"}


def _toy(x: float, seed: int = 0) -> _Result:
    return _Result(x, seed)


def test_results_objects_with_to_dict_nested_numbers_and_arrays(tmp_path, thread_client):
    rep = pn.sweep.run(_toy, [{"x": 1.5}, {"x": 2.5}], tmp_path, client=thread_client, record=True, progress=False)
    assert rep.ran == 2
    df = pn.sweep.load(tmp_path, arrays=True)
    assert list(df["y"]) == [3.0, 5.0]
    assert list(df["nested/seed_mod"]) == [derive_seed({"x": x}, 0) % 7 for x in (1.5, 2.5)]
    assert list(df["label"]) == ["r", "r"]
    assert np.array_equal(df["arrays"][1]["nested/trace"], [0.0, 1.0, 2.0])
    manifest = json.loads((tmp_path / "sweep.json").read_text())
    assert manifest["experiment"].endswith(":_toy")
    with pytest.raises(ValueError, match="holds a sweep with record = True"):
        pn.sweep.run(_toy, {"x": [1.5]}, tmp_path, client=thread_client, record=False, progress=False)


class _LazyRegistry(Mapping):
    """Like pyneuro.experiments.EXPERIMENTS: importing an experiment's module on first access (here one name's
    module is missing, as a registry under construction may be)."""

    def __init__(self, fns: dict) -> None:
        self.fns = fns

    def __getitem__(self, name: str):
        if name == "broken":
            raise ModuleNotFoundError("No module named 'pyneuro.experiments.not_yet'")
        return self.fns[name]

    def __iter__(self):
        return iter(sorted([*self.fns, "broken"]))

    def __len__(self) -> int:
        return len(self.fns) + 1


class _FakeResult:
    def __init__(self, numbers: dict, figure: object) -> None:
        self.numbers, self.figure = numbers, figure

    def to_dict(self) -> dict:
        return dict(self.numbers)


def protocol(
    *, scale: float = 1.0, seed: int = 0, out=None, threads: int = 1, draw: bool = True, **params
) -> _FakeResult:
    """An experiment written like pyneuro.experiments' (keyword-only, ``**params`` checked inside).

    Parameters
    ----------
    scale : float
        Size factor.
    seed, threads, out, draw
        As for every experiment.
    rate : float, optional
        Input rate (Hz).
    n_trials : int, optional
        Trials.

    Returns
    -------
    _FakeResult
    """
    import matplotlib.pyplot as plt

    unknown = sorted(set(params) - {"rate", "n_trials"})
    if unknown:
        raise TypeError(f"protocol() got unknown parameter(s) {unknown}")
    fig = plt.figure() if draw else None
    rate = params.get("rate", 5.0)
    return _FakeResult({"rate_out": rate * scale, "trials": np.arange(params.get("n_trials", 3))}, fig)


def test_named_experiments_come_from_the_registry(monkeypatch, tmp_path):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt

    mod = types.ModuleType("pyneuro.experiments")
    mod.EXPERIMENTS = _LazyRegistry({"toy": _toy, "protocol": protocol})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyneuro.experiments", mod)
    res = pn.sweep.run_one("toy", {"x": 4.0}, tmp_path / "a")  # the broken entry is never touched
    assert res["record"]["results"]["y"] == 8.0
    with pytest.raises(ValueError, match=r"available: broken, example_coba, protocol, toy"):
        pn.sweep.run_one("nope", {"x": 4.0}, tmp_path / "b")
    # a **params experiment that lists its names (sweep_parameters) is checked before anything runs
    monkeypatch.setattr(protocol, "sweep_parameters", ("rate", "n_trials"), raising=False)
    with pytest.raises(ValueError, match=r"has no parameter 'rte'; its parameters are: scale, out, draw, rate, n_t"):
        pn.sweep.run_one("protocol", {"rte": 2.0}, tmp_path / "c")
    assert not (tmp_path / "c").exists()
    # one that does not: names outside its numpydoc Parameters warn, and the run's own check records a failure
    monkeypatch.delattr(protocol, "sweep_parameters")
    with pytest.warns(UserWarning, match=r"\['rte'\] are not among those it documents \(scale, out, draw, rate"):
        res = pn.sweep.run_one("protocol", {"rte": 2.0}, tmp_path / "c")
    assert res["status"] == "failed" and res["record"] is None
    failure = json.loads((tmp_path / "c" / "failures" / f"{res['run_id']}.json").read_text())
    assert failure["exception"] == "TypeError" and "unknown parameter(s) ['rte']" in failure["message"]
    plt.close("all")
    res = pn.sweep.run_one("protocol", {"rate": 2.0, "scale": 3.0}, tmp_path / "d", threads=2, record=True)
    assert res["record"]["results"] == {"rate_out": 6.0}
    assert plt.get_fignums() == []  # the result's figure was closed
    assert np.array_equal(pn.sweep.load_arrays(tmp_path / "d", res["run_id"])["trials"], [0, 1, 2])


def test_grid_values_may_be_arrays_and_lists():
    from pyneuro._sweep_spec import expand_params

    sets = expand_params({"i_e": np.array([90.0, 95.0]), "rates": [[1, 2], [3]], "tag": "a"})
    assert sets == [
        {"i_e": 90.0, "rates": [1, 2], "tag": "a"},
        {"i_e": 90.0, "rates": [3], "tag": "a"},
        {"i_e": 95.0, "rates": [1, 2], "tag": "a"},
        {"i_e": 95.0, "rates": [3], "tag": "a"},
    ]
    assert type(sets[0]["i_e"]) is float
    assert expand_params([{"rates": (np.int64(1), 2.5)}]) == [{"rates": [1, 2.5]}]


# -- bad specs fail before anything starts ----------------------------------------------------------------------
BAD = [
    ("no_such_experiment", {"n": [100]}, {}, ValueError, r"'no_such_experiment' is not a registered .*example_coba"),
    ("no_such_module_xyz:f", {"n": [100]}, {}, ValueError, r"cannot import module 'no_such_module_xyz'"),
    ("pyneuro.sweep:nothing", {"n": [100]}, {}, ValueError, r"has no attribute 'nothing'"),
    ("example_coba", {"n_neurons": [100]}, {}, ValueError, r"no parameter .n_neurons.; its parameters are: n, w_exc"),
    ("example_coba", {"seed": [1, 2]}, {}, ValueError, r"'seed' is set by the sweep itself"),
    ("example_coba", {"n": []}, {}, ValueError, r"params\['n'\] is an empty list"),
    ("example_coba", {"n": {"a": 1}}, {}, TypeError, r"params\['n'\] must be a list of values"),
    ("example_coba", {"w_exc": [1.0, float("nan")]}, {}, ValueError, r"params\['w_exc'\]\[1\] must be finite"),
    ("example_coba", {"w_exc": [1.0, {"a": 2.0}]}, {}, TypeError, r"params\['w_exc'\]\[1\] must be a number"),
    ("example_coba", "n=100", {}, TypeError, r"params must be a grid"),
    ("example_coba", [{"n": 100}, {"n": 100}], {}, ValueError, r"parameter sets 0 and 1 are identical"),
    ("example_coba", [], {}, ValueError, r"params is an empty list"),
    ("example_coba", {"n": [100]}, {"seeds": [-1]}, ValueError, r"seeds\[0\] must be in \[0, 2\*\*63\)"),
    ("example_coba", {"n": [100]}, {"seeds": 3}, TypeError, r"seeds must be a list of base seeds"),
    ("example_coba", {"n": [100]}, {"duration": -5.0}, ValueError, r"duration must be in \(0.0, inf\]"),
    ("example_coba", {"n": [100]}, {"threads_per_run": 0}, ValueError, r"threads_per_run must be an integer in"),
    ("example_coba", {"n": [100]}, {"record": "yes"}, TypeError, r"record must be True, False or a list"),
    ("example_coba", {"n": [100]}, {"client": 3}, TypeError, r"client must be None \(a LocalCluster\)"),
    ("example_coba", {"n": [100]}, {"client": "tcp://h:1", "n_workers": 2}, ValueError, r"n_workers sizes the LocalC"),
    (_toy, {"x": [1.0]}, {"duration": 10.0}, ValueError, r"duration was given but experiment .* takes no 'duration'"),
    (_toy, [{}], {}, ValueError, r"parameter set 0 leaves out required parameter\(s\) \['x'\]"),
]


@pytest.mark.parametrize("fn, params, kw, exc, msg", BAD, ids=[f"bad{k}" for k in range(len(BAD))])
def test_bad_specs_fail_before_any_task_starts(tmp_path, monkeypatch, fn, params, kw, exc, msg):
    def no_cluster(*a, **k):
        raise AssertionError("a cluster was started for a bad spec")

    monkeypatch.setattr(distributed, "LocalCluster", no_cluster)
    out = tmp_path / "res"
    with pytest.raises(exc, match=msg):
        pn.sweep.run(fn, params, out, progress=False, **kw)
    assert not out.exists()


def test_bad_yaml_specs_exit_2_with_a_clear_message(tmp_path, capsys):
    cases = {
        "unknown_key": ({"experiment": "example_coba", "params": {"n": [100]}, "grdi": 1}, "unknown key(s) ['grdi']"),
        "missing": ({"params": {"n": [100]}}, "missing required key 'experiment'"),
        "bad_name": ({"experiment": "example_coba", "params": {"nn": [1]}}, "has no parameter 'nn'"),
        "bad_exp": ({"experiment": "coba_xyz", "params": {"n": [1]}}, "'coba_xyz' is not a registered"),
    }
    for name, (doc, msg) in cases.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(doc))
        for cmd in ("sweep", "run"):
            assert cli.main([cmd, str(path)]) == 2
            err = capsys.readouterr().err
            assert f"pyneuro {cmd}: error:" in err and msg in err, err
        assert not (tmp_path / f"{name}-results").exists()
    assert cli.main(["run", str(tmp_path / "missing_file.yaml")]) == 2
    assert "no sweep spec at" in capsys.readouterr().err


def test_pyneuro_run_needs_an_index_for_a_spec_of_several_runs(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"experiment": "example_coba", "params": {"n": [200, 300]}, "duration": 20.0}))
    assert cli.main(["run", str(path)]) == 2
    assert "index must be given: this sweep has 2 runs" in capsys.readouterr().err
    assert cli.main(["run", str(path), "--index", "1"]) == 0
    printed = capsys.readouterr().out
    assert "finished: params {'n': 300}" in printed
    assert cli.main(["run", str(path), "--index", "1"]) == 0
    assert "already finished" in capsys.readouterr().out
    df = pn.sweep.load(tmp_path / "s-results")
    assert list(df["n"]) == [300] and df["seed"][0] == derive_seed({"n": 300}, 0)


@dataclasses.dataclass
class _Experiment:
    rate: float
    counts: np.ndarray
    figure: object


def _with_figure(x: float, seed: int = 0) -> _Experiment:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, x])
    return _Experiment(rate=x / 2, counts=np.array([1, 2, int(x)]), figure=fig)


def test_dataclass_results_keep_numbers_and_arrays_and_close_figures(tmp_path, thread_client, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    rep = pn.sweep.run(_with_figure, {"x": [4.0, 6.0]}, tmp_path, client=thread_client, record=True, progress=False)
    assert rep.ran == 2
    assert plt.get_fignums() == []  # the runs' figures were closed, not kept open in the worker
    recs = records(tmp_path)
    assert sorted(r["results"]["rate"] for r in recs) == [2.0, 3.0]
    assert all(r["dropped"] == ["figure"] and r["arrays"] == ["counts"] for r in recs)
    (tmp_path / "summary.csv").unlink()
    assert pn.sweep.summarize(tmp_path).read_text().count("\n") == 3


def test_cli_sweep_on_a_running_scheduler_with_threads_per_run(tmp_path, capsys):
    spec = {"experiment": "example_coba", "params": {"n": [300, 400]}, "seeds": [0, 1], "duration": 50.0}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec))
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    try:
        workers = set(cluster.scheduler_info["workers"])
        argv = ["sweep", str(path), "--scheduler", cluster.scheduler_address, "--threads-per-run", "2", "--no-progress"]
        assert cli.main(argv) == 0
        assert "sweep: 4 runs: 0 already finished, 4 ran, 0 failed" in capsys.readouterr().out
        assert cli.main(argv) == 0
        assert "sweep: 4 runs: 4 already finished, 0 ran, 0 failed" in capsys.readouterr().out
        assert len(cluster.scheduler_info["workers"]) == 1  # the sweep left the cluster running
    finally:
        cluster.close()
    recs = records(tmp_path / "s-results")
    assert len(recs) == 4
    assert all(r["provenance"]["threads"] == 2 and r["provenance"]["dask_worker"] in workers for r in recs)
    # the table matches direct calls with the derived seeds, at any thread count
    df = pn.sweep.load(tmp_path / "s-results")
    assert (df["n_spikes"] > 0).all()
    for row in df.itertuples():
        ref = pn.sweep.example_coba(n=row.n, duration=50.0, seed=derive_seed({"n": row.n}, row.base_seed), threads=1)
        assert row.n_spikes == ref["n_spikes"] and row.w_ee_mean == ref["w_ee_mean"]
