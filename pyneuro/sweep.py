"""Parameter sweeps on Dask: many independent simulations, each written to disk the moment it finishes.

Typical use::

    import pyneuro as pn
    import pyneuro.sweep
    report = pn.sweep.run("example_coba", {"w_exc": [2.0, 2.4, 2.8], "n": 1000}, "results/coba",
                          seeds=[0, 1], duration=100.0)
    df = pn.sweep.load("results/coba")          # one row per finished run

or from the command line, ``pyneuro sweep SPEC.yaml`` (see :func:`pyneuro._sweep_spec.load_spec` for the keys).

What a sweep guarantees
-----------------------
- **Dask, not a home-made scheduler.** With ``client=None`` a ``distributed.LocalCluster`` sized to the machine
  (usable cores // ``threads_per_run`` single-threaded worker processes) runs the sweep and is closed afterwards.
  Any other Dask cluster works through a ``distributed.Client``, a scheduler address, or a cluster object, e.g.
  dask-jobqueue's ``SLURMCluster`` / ``PBSCluster`` (start their workers with one thread each and
  ``threads_per_run`` cores, so that one worker runs one network at a time)::

      from dask_jobqueue import SLURMCluster
      cluster = SLURMCluster(cores=4, processes=1, memory="8GB", walltime="02:00:00",
                             job_extra_directives=["--cpus-per-task=4"], worker_extra_args=["--nthreads", "1"])
      cluster.scale(jobs=20)
      pn.sweep.run("example_coba", grid, "/scratch/me/sweep", client=cluster, threads_per_run=4)

  Each task builds its own :class:`~pyneuro.Network` with ``threads_per_run`` threads.
- **One file per finished run, written atomically** (see :mod:`pyneuro._sweep_store` for the layout): the
  parameters, base seed and run seed, the summary numbers, recorded arrays in HDF5 when asked for, and
  provenance (pyneuro version, git commit and dirty flag of pyneuro's and the experiment's source trees, host,
  wall time). ``summary.csv`` (plus ``summary.parquet`` when pyarrow is installed) is assembled from them.
- **Resumable and exactly once.** A run is identified by its parameter set and base seed. Finished runs are
  skipped, both when the sweep starts and by the task itself (so a retried task never writes twice); a task
  whose worker dies is retried elsewhere by Dask (``distributed.scheduler.allowed-failures``, 3 by default).
- **Deterministic seeds**: see :func:`derive_seed`. Rerunning one parameter set with the same base seed
  reproduces its run exactly.
- **Failures are recorded, not fatal**: an exception in a run writes ``failures/<run_id>.json`` (exception,
  message, traceback) and the sweep goes on; the next sweep over the same directory tries that run again.
- **Long runs checkpoint**: experiments that take ``checkpoint_dir`` and ``checkpoint_every`` (e.g. through
  :func:`run_checkpointed`) save the network every ``checkpoint_every`` ms of simulated time and resume from
  the newest checkpoint when the run is started again after being killed.

Experiments
-----------
An experiment is a function taking its parameters as keywords plus ``seed`` (and optionally ``threads``,
``duration``, ``checkpoint_dir``, ``checkpoint_every``), returning a mapping of names to numbers and arrays, an
object whose ``to_dict()`` returns one, or a dataclass. Numbers become columns of the summary table; arrays are
kept in the run's HDF5 file when ``record`` asks for them. Nested mappings are flattened with ``/`` in the names; other
values (a figure) are dropped and listed in the record, and matplotlib figures are closed. It is named as a
callable, as ``"module:function"``, or by name: ``pyneuro.experiments.EXPERIMENTS`` and :data:`EXAMPLES`.
Parameter names are checked against the signature before anything runs; a function taking ``**kwargs`` can
list the names it accepts in an attribute ``sweep_parameters`` to be checked as strictly (see
:func:`pyneuro._sweep_spec.accepted_params`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import numbers
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import _sweep_store as store
from ._sweep_spec import (
    MAX_RUNS,
    RunTask,
    check_seeds,
    derive_seed,
    expand_params,
    resolve_experiment,
    run_key,
    validate_params,
)
from ._validation import check_int, check_number
from .monitors import SpikeMonitor
from .network import Network, to_steps

__all__ = [
    "EXAMPLES",
    "MAX_RUNS",
    "SweepReport",
    "derive_seed",
    "example_coba",
    "execute",
    "load",
    "load_arrays",
    "mpi_command",
    "prepare",
    "run",
    "run_checkpointed",
    "run_mpi",
    "run_one",
    "summarize",
]


_log = logging.getLogger("pyneuro.sweep")


# -- runs that are themselves MPI jobs --------------------------------------------------------------------------

_LAUNCHERS = ("srun", "mpiexec", "mpirun")


def mpi_command(
    script: str | os.PathLike[str],
    ranks: int,
    *,
    threads: int = 1,
    args: Sequence[Any] = (),
    launcher: str = "srun",
    launcher_args: Sequence[str] = (),
    python: str | None = None,
) -> list[str]:
    """The command line that runs ``script`` as an MPI job of ``ranks`` processes with ``threads`` cores each.

    ``srun --ntasks R --cpus-per-task T [launcher_args] PYTHON SCRIPT ARGS`` for SLURM (inside an allocation, e.g.
    a dask-jobqueue worker's job, it starts a job step on the allocation's nodes), ``mpiexec -n R [launcher_args]
    PYTHON SCRIPT ARGS`` for ``mpiexec``/``mpirun`` (``threads`` is then only passed on through
    :func:`run_mpi`'s ``OMP_NUM_THREADS``). The script itself passes ``comm=MPI.COMM_WORLD`` and its thread count to
    :class:`~pyneuro.Network`.

    Parameters
    ----------
    script : path of the Python script every rank runs.
    ranks : MPI processes, >= 1.
    threads : cores per rank, >= 1.
    args : arguments after the script (converted with ``str``).
    launcher : ``"srun"``, ``"mpiexec"`` or ``"mpirun"``, or a path to one of them.
    launcher_args : extra options for the launcher (e.g. ``["--oversubscribe"]`` for Open MPI's mpiexec).
    python : the interpreter (default: the current one, ``sys.executable``).
    """
    ranks = check_int("ranks", ranks, 1)
    threads = check_int("threads", threads, 1)
    if not isinstance(launcher, str | os.PathLike):
        raise TypeError(f"launcher must be one of {_LAUNCHERS} or a path to one, got {launcher!r}")
    kind = Path(launcher).name
    if kind not in _LAUNCHERS:
        raise ValueError(f"launcher must be one of {_LAUNCHERS} or a path to one, got {str(launcher)!r}")
    if isinstance(args, str | bytes) or isinstance(launcher_args, str | bytes):
        raise TypeError("args and launcher_args must be sequences of arguments, not one string")
    head = [str(launcher)]
    if kind == "srun":
        head += ["--ntasks", str(ranks), "--cpus-per-task", str(threads)]
    else:
        head += ["-n", str(ranks)]
    return [*head, *map(str, launcher_args), python or sys.executable, os.fspath(script), *map(str, args)]


def run_mpi(
    script: str | os.PathLike[str],
    ranks: int,
    *,
    threads: int = 1,
    args: Sequence[Any] = (),
    launcher: str = "srun",
    launcher_args: Sequence[str] = (),
    timeout: float | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` as an MPI job (the command :func:`mpi_command` builds) and wait for it.

    The environment is the caller's with ``OMP_NUM_THREADS`` set to ``threads``. Meant for a sweep experiment
    whose runs are themselves MPI jobs: the experiment calls ``run_mpi`` and reads what rank 0 wrote.

    Returns
    -------
    The finished process (stdout and stderr as text).

    Raises
    ------
    RuntimeError
        If the job exits with a non-zero status (the message holds its command and the end of its stderr).
    subprocess.TimeoutExpired
        If it runs longer than ``timeout`` seconds (the job is killed).
    """
    cmd = mpi_command(script, ranks, threads=threads, args=args, launcher=launcher, launcher_args=launcher_args)
    if timeout is not None:
        check_number("timeout", timeout, 0.0, lo_open=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    if p.returncode != 0:
        raise RuntimeError(f"MPI job {cmd} exited with status {p.returncode}:\n{p.stderr[-2000:]}")
    return p


# -- checkpointed long runs -------------------------------------------------------------------------------------
def _checkpoints(d: Path) -> list[Path]:
    """Checkpoint files in ``d``, oldest first (names ``ckpt-<step>.h5``; temporaries start with a dot)."""
    found = []
    for p in d.glob("ckpt-*.h5"):
        try:
            found.append((int(p.stem.split("-", 1)[1]), p))
        except ValueError:
            continue
    return [p for _, p in sorted(found)]


def _save_checkpoint(net: Network, d: Path, start: int, end: int) -> Path:
    import h5py

    final = d / f"ckpt-{net.step:015d}.h5"
    tmp = d / f".ckpt-{net.step:015d}.{os.getpid()}.{uuid.uuid4().hex[:8]}.h5"
    net.save(tmp)
    with h5py.File(tmp, "a") as f:
        f.attrs["sweep_start_step"] = start
        f.attrs["sweep_end_step"] = end
    os.replace(tmp, final)
    return final


def run_checkpointed(
    build: Callable[[], Network],
    duration: float,
    checkpoint_dir: str | Path,
    every: float,
    *,
    threads: int | None = None,
    keep: int = 2,
    progress: bool = False,
) -> Network:
    """Run a network for ``duration`` ms, saving a checkpoint every ``every`` ms; resume from the newest one.

    On the first call ``build()`` makes the network; it then runs in chunks of ``every`` ms of simulated time,
    and after each chunk (the last included) the network is saved with :meth:`Network.save` to
    ``checkpoint_dir/ckpt-<step>.h5`` through a temporary file and a rename. If the process is killed, calling
    this again with the same arguments loads the newest checkpoint (:meth:`Network.load`, which continues bit
    for bit) instead of building, and runs only what is left: the result is identical to an uninterrupted run.
    Recorders are part of the checkpoint, so read results from the returned network (``net.monitors``,
    ``net.projections``; both keep creation order and names), not from objects made by ``build``.

    Parameters
    ----------
    build : callable
        Makes the network (called only when there is no checkpoint yet).
    duration : float
        Simulated time to run (ms), counted from the built network's clock.
    checkpoint_dir : str or Path
        Directory of this run's checkpoints (created if missing); one directory per run.
    every : float
        Simulated time between checkpoints (ms), > 0; rounded to whole steps (at least one).
    threads : int, optional
        Threads of a network loaded from a checkpoint (default: as saved).
    keep : int
        How many of the newest checkpoints to keep (>= 1).
    progress : bool
        Show a progress bar for each chunk.

    Raises
    ------
    ValueError
        If the arguments are out of range, or ``checkpoint_dir`` holds checkpoints of a run of another length.
    TypeError
        If ``build`` does not return a Network.
    """
    import h5py

    duration = check_number("duration", duration, 0.0)
    every = check_number("every", every, 0.0, lo_open=True)
    keep = check_int("keep", keep, 1)
    d = Path(checkpoint_dir)
    d.mkdir(parents=True, exist_ok=True)
    existing = _checkpoints(d)
    if existing:
        path = existing[-1]
        with h5py.File(path, "r") as f:
            start, end = int(f.attrs["sweep_start_step"]), int(f.attrs["sweep_end_step"])
        net = Network.load(path, threads=threads)
        if end != start + int(to_steps(duration, net.dt)):
            raise ValueError(
                f"checkpoint_dir {d} holds checkpoints of a run of {(end - start) * net.dt} ms, not {duration} ms; "
                "use one checkpoint directory per run"
            )
        _log.info("resuming from checkpoint %s at step %d of %d", path, net.step, end)
    else:
        net = build()
        if not isinstance(net, Network):
            raise TypeError(f"build must return a pyneuro.Network, got {type(net).__name__}")
        start = net.step
        end = start + int(to_steps(duration, net.dt))
    every_steps = max(1, int(to_steps(every, net.dt)))
    while net.step < end:
        stop = min(end, start + ((net.step - start) // every_steps + 1) * every_steps)
        net.run((stop - net.step) * net.dt, progress=progress)
        _save_checkpoint(net, d, start, end)
        for old in _checkpoints(d)[:-keep]:
            old.unlink(missing_ok=True)
    return net


# -- the example experiment -------------------------------------------------------------------------------------
def example_coba(
    n: int = 1000,
    w_exc: float = 2.4,
    w_inh: float = 107.2,
    i_e: float = 90.0,
    stdp: bool = True,
    duration: float = 100.0,
    seed: int = 0,
    threads: int = 1,
    checkpoint_dir: str | None = None,
    checkpoint_every: float | None = None,
) -> dict[str, Any]:
    """A small COBA network for sweeps (workload W5's wiring, with its weights and drive as parameters).

    ``n`` LIFCond neurons with the COBA parameters (``pyneuro.workloads.COBA_NEURON``), 80% excitatory; each
    neuron gets exactly 80 excitatory and 20 inhibitory inputs, weights ``w_exc`` / ``w_inh`` (nS), 0.1 ms
    delays, a constant drive ``i_e`` (pA), and pair STDP on E->E (``coba_stdp_rule(2 * w_exc)``) when ``stdp``.
    Initial state from ``coba_initial_state(seed, n)``.

    Parameters
    ----------
    n : int
        Number of neurons (>= 10).
    w_exc, w_inh : float
        Excitatory and inhibitory weights (nS).
    i_e : float
        Constant input current (pA).
    stdp : bool
        Pair STDP on E->E.
    duration : float
        Simulated time (ms).
    seed : int
        Seed of the network (wiring, initial state).
    threads : int
        Threads of the step loop.
    checkpoint_dir, checkpoint_every : optional
        Run through :func:`run_checkpointed` (``checkpoint_every`` in ms; default: one checkpoint at the end).

    Returns
    -------
    dict
        ``rate_exc_hz``, ``rate_inh_hz``, ``n_spikes``, ``w_ee_mean``, ``w_ee_std`` (numbers) and the arrays
        ``spikes_exc/times``, ``spikes_exc/indices`` (ms, neuron index) and ``w_ee`` (final E->E weights, nS).
    """
    from . import connectivity as conn
    from . import models
    from .workloads import COBA_NEURON, coba_initial_state, coba_stdp_rule

    n = check_int("n", n, 10)

    def build() -> Network:
        net = Network(dt=0.1, seed=seed, threads=threads)
        ne = int(round(0.8 * n))
        params = dict(COBA_NEURON, I_e=float(i_e))
        exc = net.add_population(models.LIFCond(**params), ne, name="exc")
        inh = net.add_population(models.LIFCond(**params), n - ne, name="inh")
        rule = coba_stdp_rule(2 * w_exc) if stdp else None
        e_in = conn.FixedInDegree(min(80, ne), allow_multapses=False)
        i_in = conn.FixedInDegree(min(20, n - ne), allow_multapses=False)
        net.connect(exc, exc, e_in, weight=w_exc, delay=0.1, plasticity=rule, name="ee")
        net.connect(exc, inh, e_in, weight=w_exc, delay=0.1, name="ei")
        net.connect(inh, exc, i_in, weight=w_inh, delay=0.1, receptor="inh", name="ie")
        net.connect(inh, inh, i_in, weight=w_inh, delay=0.1, receptor="inh", name="ii")
        v, ge, gi = coba_initial_state(seed, n)
        for pop, sl in ((exc, slice(0, ne)), (inh, slice(ne, n))):
            pop.set("v", v[sl])
            pop.set("g_ex", ge[sl])
            pop.set("g_in", gi[sl])
        net.record_spikes(exc)
        net.record_spikes(inh)
        return net

    if checkpoint_dir is None:
        net = build()
        net.run(duration)
    else:
        net = run_checkpointed(build, duration, checkpoint_dir, checkpoint_every or duration, threads=threads)
    spikes = {m.population.name: m for m in net.monitors if isinstance(m, SpikeMonitor)}
    pops = {p.name: p for p in net.populations}
    ee = next(pr for pr in net.projections if pr.name == "ee")
    w = ee.weights
    t_s = max(duration, net.dt) * 1e-3
    return {
        "rate_exc_hz": spikes["exc"].count / (pops["exc"].size * t_s),
        "rate_inh_hz": spikes["inh"].count / (pops["inh"].size * t_s),
        "n_spikes": int(spikes["exc"].count + spikes["inh"].count),
        "w_ee_mean": float(w.mean()),
        "w_ee_std": float(w.std()),
        "spikes_exc/times": spikes["exc"].times,
        "spikes_exc/indices": spikes["exc"].indices,
        "w_ee": w,
    }


#: experiments shipped with the sweep module, available by name (``pyneuro.experiments`` names come first)
EXAMPLES: dict[str, Callable[..., Any]] = {"example_coba": example_coba}


# -- one run, on a worker ---------------------------------------------------------------------------------------
def _is_experiment(fn: Any) -> bool:
    """Whether ``fn`` is a :class:`pyneuro.experiments.Experiment` (without importing the experiments)."""
    mod = sys.modules.get("pyneuro.experiments._framework")
    return mod is not None and isinstance(fn, mod.Experiment)


def _close_figure(obj: Any) -> None:
    """Close a matplotlib figure that a run returned, so that thousands of runs in one worker do not pile up."""
    plt = sys.modules.get("matplotlib.pyplot")
    fig_mod = sys.modules.get("matplotlib.figure")
    if plt is not None and fig_mod is not None and isinstance(obj, fig_mod.Figure):
        plt.close(obj)


def _split_result(out: Any) -> tuple[dict[str, Any], dict[str, np.ndarray], list[str]]:
    """Numbers (JSON scalars), arrays, and the names of values that are neither (dropped; e.g. a figure).

    ``out`` is a mapping, an object with ``to_dict()``, or a dataclass instance (its fields).
    """
    _close_figure(getattr(out, "figure", None))  # e.g. pyneuro.experiments' Result.figure
    if hasattr(out, "to_dict") and callable(out.to_dict):
        out = out.to_dict()
    elif dataclasses.is_dataclass(out) and not isinstance(out, type):
        out = {f.name: getattr(out, f.name) for f in dataclasses.fields(out)}
    if not isinstance(out, Mapping):
        raise TypeError(
            f"an experiment must return a mapping of names to numbers/arrays or an object with to_dict(), "
            f"got {type(out).__name__}"
        )
    scalars: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    dropped: list[str] = []

    def visit(prefix: str, m: Mapping[str, Any]) -> None:
        for k, v in m.items():
            name = f"{prefix}{k}"
            if isinstance(v, Mapping):
                visit(name + "/", v)
            elif v is None or isinstance(v, (bool, str)):
                scalars[name] = v
            elif isinstance(v, numbers.Integral):
                scalars[name] = int(v)
            elif isinstance(v, numbers.Real):
                scalars[name] = float(v)
            elif isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "biuf":
                scalars[name] = v.item()
            elif isinstance(v, (np.ndarray, list, tuple)):
                a = np.asarray(v)
                if a.dtype.kind in "biuf":
                    arrays[name] = a
                else:
                    dropped.append(name)
            else:
                dropped.append(name)
                _close_figure(v)

    visit("", out)
    return scalars, arrays, dropped


def _worker_address() -> str | None:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return None


def execute(task: RunTask) -> dict[str, Any]:
    """Run one task and write its record (the function each Dask task calls; also used by :func:`run_one`).

    Returns ``{"run_id", "status", "wall_s"}`` with status ``"ok"`` (this call published the run), ``"skipped"``
    (the run was already finished) or ``"failed"`` (the experiment raised; a failure record was written).
    """
    results_dir = Path(task.results_dir)
    final = results_dir / "runs" / f"{task.run_id}.json"
    if final.exists():
        return {"run_id": task.run_id, "status": "skipped", "wall_s": 0.0}
    os.environ.setdefault("MPLBACKEND", "Agg")
    started = time.time()
    t0 = time.perf_counter()
    kwargs: dict[str, Any] = dict(task.params)
    kwargs["seed"] = task.seed
    if task.takes.get("threads"):
        kwargs["threads"] = task.threads
    if task.duration is not None:
        kwargs["duration"] = task.duration
    ckdir = results_dir / "checkpoints" / task.run_id
    if task.checkpoint_every is not None:
        kwargs["checkpoint_dir"] = str(ckdir)
        kwargs["checkpoint_every"] = task.checkpoint_every
    try:
        fn = task.experiment if callable(task.experiment) else resolve_experiment(task.experiment)[0]
        # a pyneuro experiment computes its numbers without drawing (Experiment.run); other callables are called
        run: Callable[..., Any] = fn.run if _is_experiment(fn) else fn  # type: ignore[union-attr]
        scalars, arrays, dropped = _split_result(run(**kwargs))
    except Exception as e:
        wall = time.perf_counter() - t0
        store.write_failure(
            results_dir,
            task.run_id,
            {
                "run_id": task.run_id,
                "index": task.index,
                "params": task.params,
                "base_seed": task.base_seed,
                "seed": task.seed,
                "experiment": task.experiment_ref,
                "exception": type(e).__name__,
                "message": str(e),
                "traceback": traceback.format_exc(),
                "host": store.host(),
                "pid": os.getpid(),
                "wall_s": wall,
                "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
        )
        return {"run_id": task.run_id, "status": "failed", "wall_s": wall}
    wall = time.perf_counter() - t0
    (results_dir / "runs").mkdir(parents=True, exist_ok=True)
    kept: dict[str, np.ndarray] = {}
    missing: list[str] = []
    if task.record:
        names = list(arrays) if isinstance(task.record, bool) else list(task.record)
        kept = {k: arrays[k] for k in names if k in arrays}
        missing = [k for k in names if k not in arrays]
    if kept:
        store.write_arrays(
            results_dir / "runs" / f"{task.run_id}.h5",
            kept,
            {"run_id": task.run_id, "params": json.dumps(task.params), "seed": np.uint64(task.seed)},
        )
    record = {
        "format_version": store.FORMAT_VERSION,
        "run_id": task.run_id,
        "index": task.index,
        "experiment": task.experiment_ref,
        "params": task.params,
        "base_seed": task.base_seed,
        "seed": task.seed,
        "duration": task.duration,
        "results": scalars,
        "arrays": sorted(kept),
        "arrays_missing": missing,
        "dropped": dropped,
        "provenance": dict(
            task.provenance,
            host=store.host(),
            pid=os.getpid(),
            dask_worker=_worker_address(),
            threads=task.threads,
            python=platform.python_version(),
            numpy=np.__version__,
            started_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            wall_s=wall,
        ),
    }
    published = store.publish_record(final, record)
    (results_dir / "failures" / f"{task.run_id}.json").unlink(missing_ok=True)
    if task.checkpoint_every is not None:
        shutil.rmtree(ckdir, ignore_errors=True)
    return {"run_id": task.run_id, "status": "ok" if published else "skipped", "wall_s": wall}


# -- the sweep --------------------------------------------------------------------------------------------------
@dataclass
class SweepReport:
    """What :func:`run` did.

    Attributes
    ----------
    results_dir : Path
    total : int
        Runs in the sweep (parameter sets times base seeds).
    skipped : int
        Runs already finished when the call started, not run again.
    ran : int
        Runs not finished when the call started and finished now (each written exactly once).
    failed : int
        Runs not finished now: their experiment raised, or Dask gave up on them (see ``failures/``).
    wall_s : float
        Wall time of the call (s), cluster start included.
    """

    results_dir: Path
    total: int
    skipped: int
    ran: int
    failed: int
    wall_s: float

    def table(self, arrays: bool = False, failures: bool = False) -> Any:
        """The results as a DataFrame (:func:`load`)."""
        return load(self.results_dir, arrays=arrays, failures=failures)


def _check_record(record: Any) -> bool | tuple[str, ...]:
    if isinstance(record, bool):
        return record
    if isinstance(record, (list, tuple)) and all(isinstance(r, str) for r in record):
        return tuple(record)
    raise TypeError(f"record must be True, False or a list of array names, got {record!r}")


def _check_client(client: Any) -> None:
    if client is None or isinstance(client, str):
        return
    from distributed import Client

    if isinstance(client, Client) or hasattr(client, "scheduler_address"):
        return
    raise TypeError(
        "client must be None (a LocalCluster), a distributed.Client, a scheduler address such as "
        f"'tcp://host:8786', or a Dask cluster object (e.g. dask_jobqueue.SLURMCluster), got {type(client).__name__}"
    )


def prepare(
    fn_or_name: Any,
    params: Any,
    results_dir: str | Path,
    *,
    seeds: Sequence[int] = (0,),
    duration: float | None = None,
    record: bool | Sequence[str] = False,
    threads_per_run: int = 1,
    checkpoint_every: float | None = None,
    max_runs: int = MAX_RUNS,
) -> list[RunTask]:
    """Validate a sweep and return its tasks in order (parameter sets outer, base seeds inner).

    Nothing is written and nothing runs. Raises ``ValueError`` / ``TypeError`` naming the argument for an unknown
    experiment, parameter names the experiment does not take, an invalid grid, bad seeds or options, or more than
    ``max_runs`` runs (parameter sets x base seeds; default :data:`MAX_RUNS`), counted before a grid is expanded.
    """
    from . import __version__

    fn, ref = resolve_experiment(fn_or_name)
    if isinstance(seeds, range) and len(seeds) > max_runs:  # before listing a huge range
        raise ValueError(f"seeds: {len(seeds)} base seeds make more than max_runs = {max_runs} runs")
    base_seeds = check_seeds(list(seeds) if isinstance(seeds, range) else seeds)
    sets = expand_params(params, max_runs, len(base_seeds))
    if duration is not None:
        duration = check_number("duration", duration, 0.0, lo_open=True)
    rec = _check_record(record)
    threads = check_int("threads_per_run", threads_per_run, 1, 1024)
    if checkpoint_every is not None:
        checkpoint_every = check_number("checkpoint_every", checkpoint_every, 0.0, lo_open=True)
    if not isinstance(results_dir, (str, Path)):
        raise TypeError(f"results_dir must be a path, got {type(results_dir).__name__}")
    takes = validate_params(fn, ref, sets, duration=duration, checkpoint_every=checkpoint_every)
    src = getattr(sys.modules.get(getattr(fn, "__module__", "") or ""), "__file__", None)
    provenance = {
        "pyneuro_version": __version__,
        "experiment": ref,
        "git_pyneuro": store.git_state(Path(__file__).parent),
        "git_experiment": store.git_state(Path(src).parent) if src else None,
    }
    experiment = fn_or_name if isinstance(fn_or_name, str) else fn
    tasks = []
    for k, ps in enumerate(sets):
        for b in base_seeds:
            tasks.append(
                RunTask(
                    run_id=run_key(ps, b),
                    index=k,
                    params=ps,
                    base_seed=b,
                    seed=derive_seed(ps, b),
                    experiment=experiment,
                    experiment_ref=ref,
                    results_dir=str(Path(results_dir).absolute()),
                    duration=duration,
                    record=rec,
                    threads=threads,
                    checkpoint_every=checkpoint_every,
                    takes=takes,
                    provenance=provenance,
                )
            )
    return tasks


def _manifest(tasks: list[RunTask]) -> dict[str, Any]:
    t = tasks[0]
    return {
        "experiment": t.experiment_ref,
        "duration": t.duration,
        "record": t.record if isinstance(t.record, bool) else list(t.record),
        "checkpoint_every": t.checkpoint_every,
    }


def run(
    fn_or_name: Any,
    params: Any,
    results_dir: str | Path,
    client: Any = None,
    *,
    seeds: Sequence[int] = (0,),
    duration: float | None = None,
    record: bool | Sequence[str] = False,
    threads_per_run: int = 1,
    n_workers: int | None = None,
    checkpoint_every: float | None = None,
    progress: bool = True,
    max_runs: int = MAX_RUNS,
    connect_timeout: float = 10.0,
) -> SweepReport:
    """Run ``fn_or_name`` once per parameter set and base seed on Dask, writing each run as it finishes.

    Parameters
    ----------
    fn_or_name : callable or str
        The experiment: a function, a registered name (``pyneuro.experiments.EXPERIMENTS`` or :data:`EXAMPLES`)
        or ``"module:function"``. Workers must be able to import it (a named experiment is resolved there).
    params : mapping or list of mappings
        A grid ``{name: [values...]}`` (scalars are fixed values; Cartesian product) or a list of parameter
        sets. Values are numbers, strings, bools, None or lists of those; names must be keyword parameters of
        the experiment.
    results_dir : str or Path
        Where runs are written (see :mod:`pyneuro._sweep_store`). Finished runs found there are skipped.
    client : optional
        None for a ``LocalCluster`` of ``n_workers`` processes (default: usable cores // ``threads_per_run``),
        closed at the end; or a ``distributed.Client``, a scheduler address, or a cluster object (e.g.
        ``dask_jobqueue.SLURMCluster``/``PBSCluster``), left running.
    seeds : sequence of int
        Base seeds; each parameter set runs once per base seed with seed ``derive_seed(params, base_seed)``.
    duration : float, optional
        Simulated time (ms), passed to the experiment as ``duration``.
    record : bool or list of str
        Keep the experiment's arrays (all, or those named) in ``runs/<run_id>.h5``.
    threads_per_run : int
        Threads of each run's network (passed as ``threads`` when the experiment takes it).
    n_workers : int, optional
        Workers of the LocalCluster made when ``client`` is None.
    checkpoint_every : float, optional
        Simulated time (ms) between checkpoints of each run (the experiment must take ``checkpoint_dir`` and
        ``checkpoint_every``); a run restarted after a kill resumes from its newest checkpoint.
    progress : bool
        Show a progress bar over runs (tqdm).
    max_runs : int
        The most runs (parameter sets x base seeds) the sweep may have, default :data:`MAX_RUNS` (100,000); a
        larger grid is refused before it is expanded.
    connect_timeout : float
        Seconds to wait for the scheduler when ``client`` is an address (> 0, default 10).

    Returns
    -------
    SweepReport

    Raises
    ------
    ValueError, TypeError
        For a bad experiment, grid, parameter names, seeds, options or a ``results_dir`` holding another sweep;
        raised before any task starts (and before a cluster is made).
    OSError
        If the scheduler at ``client`` cannot be reached within ``connect_timeout`` (a one-line message naming the
        address).
    """
    t_start = time.perf_counter()
    tasks = prepare(
        fn_or_name,
        params,
        results_dir,
        seeds=seeds,
        duration=duration,
        record=record,
        threads_per_run=threads_per_run,
        checkpoint_every=checkpoint_every,
        max_runs=max_runs,
    )
    connect_timeout = check_number("connect_timeout", connect_timeout, 0.0, 3600.0, lo_open=True)
    if n_workers is not None:
        n_workers = check_int("n_workers", n_workers, 1)
        if client is not None:
            raise ValueError(
                "n_workers sizes the LocalCluster made when client is None; with a client, size that cluster"
            )
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool, got {progress!r}")
    _check_client(client)
    root = Path(results_dir)
    store.check_manifest(root, _manifest(tasks))
    (root / "runs").mkdir(exist_ok=True)
    done = store.finished_ids(root)
    todo = [t for t in tasks if t.run_id not in done]
    if todo:
        _run_on_dask(todo, len(tasks), client, n_workers, threads_per_run, progress, connect_timeout)
    store.write_summary(root)
    with contextlib.suppress(OSError):  # only when empty: runs in progress elsewhere keep their checkpoints
        (root / "checkpoints").rmdir()
    # counted from the files, not from task results: a task whose worker died after it had written its run is
    # run again by Dask and then finds the run finished; the run still counts once, as run by this call
    finished = store.finished_ids(root)
    ran = sum(t.run_id in finished for t in todo)
    return SweepReport(
        results_dir=root,
        total=len(tasks),
        skipped=len(tasks) - len(todo),
        ran=ran,
        failed=len(todo) - ran,
        wall_s=time.perf_counter() - t_start,
    )


def _cores() -> int:
    """Cores this process may use (its CPU affinity where the platform tells, else the CPU count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _run_on_dask(
    todo: list[RunTask],
    total: int,
    client: Any,
    n_workers: int | None,
    threads_per_run: int,
    progress: bool,
    connect_timeout: float = 10.0,
) -> None:
    from distributed import Client, LocalCluster, as_completed
    from tqdm.auto import tqdm

    to_close: list[Any] = []
    if client is None:
        n = n_workers or max(1, _cores() // threads_per_run)
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
        to_close.append(cluster)
        client = Client(cluster)
        to_close.insert(0, client)
    elif not isinstance(client, Client):
        try:
            client = Client(client, timeout=connect_timeout)
        except (OSError, TimeoutError) as e:
            where = client if isinstance(client, str) else getattr(client, "scheduler_address", type(client).__name__)
            raise OSError(
                f"cannot reach the Dask scheduler at {where} within {connect_timeout:g} s ({type(e).__name__}); "
                "is it running, and is the address right?"
            ) from None
        to_close.append(client)
    tag = uuid.uuid4().hex[:8]
    by_key = {}
    futures = []
    for t in todo:
        fut = client.submit(execute, t, key=f"pyneuro-run-{t.run_id}-{tag}")
        by_key[fut.key] = t
        futures.append(fut)
    bar = tqdm(total=total, initial=total - len(todo), unit="run", desc="sweep", disable=not progress)
    try:
        for fut in as_completed(futures):
            try:
                fut.result()
            except Exception as e:  # the task itself failed on Dask (e.g. KilledWorker after repeated deaths)
                t = by_key[fut.key]
                store.write_failure(
                    Path(t.results_dir),
                    t.run_id,
                    {
                        "run_id": t.run_id,
                        "index": t.index,
                        "params": t.params,
                        "base_seed": t.base_seed,
                        "seed": t.seed,
                        "experiment": t.experiment_ref,
                        "exception": type(e).__name__,
                        "message": str(e),
                        "traceback": "".join(traceback.format_exception(e)),
                        "host": None,
                        "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    },
                )
            bar.update(1)
            fut.release()
    finally:
        bar.close()
        for f in futures:
            f.cancel()
        for obj in to_close:
            obj.close()


def run_one(
    fn_or_name: Any,
    params: Any,
    results_dir: str | Path,
    *,
    index: int | None = None,
    seeds: Sequence[int] = (0,),
    duration: float | None = None,
    record: bool | Sequence[str] = False,
    threads: int = 1,
    checkpoint_every: float | None = None,
    max_runs: int = MAX_RUNS,
) -> dict[str, Any]:
    """Run one run of a sweep in this process (no Dask), written exactly as a sweep would write it.

    ``index`` picks the run in sweep order (parameter sets outer, base seeds inner); it may be left out when
    the sweep has exactly one run. Running it again after it finished does nothing; after a kill, a run with
    ``checkpoint_every`` resumes from its newest checkpoint. Returns :func:`execute`'s result plus ``record``
    (the run's record as written, or None if it failed).
    """
    tasks = prepare(
        fn_or_name,
        params,
        results_dir,
        seeds=seeds,
        duration=duration,
        record=record,
        threads_per_run=threads,
        checkpoint_every=checkpoint_every,
        max_runs=max_runs,
    )
    if index is None:
        if len(tasks) != 1:
            raise ValueError(f"index must be given: this sweep has {len(tasks)} runs (index in [0, {len(tasks) - 1}])")
        index = 0
    index = check_int("index", index, 0, len(tasks) - 1)
    root = Path(results_dir)
    store.check_manifest(root, _manifest(tasks))
    res = execute(tasks[index])
    store.write_summary(root)
    path = root / "runs" / f"{tasks[index].run_id}.json"
    res["record"] = json.loads(path.read_text()) if path.exists() else None
    return res


# -- loading ----------------------------------------------------------------------------------------------------
def load(results_dir: str | Path, arrays: bool = False, failures: bool = False) -> Any:
    """The results of a sweep as a pandas DataFrame, one row per finished run, in sweep order.

    Columns: ``run_id``, ``index`` (position of the parameter set), the parameters, ``base_seed``, ``seed``, the
    experiment's numbers (prefixed ``result_`` if a name clashes with a parameter), ``wall_s``, ``host``,
    ``pyneuro_version``, ``git_commit``, ``status`` and ``arrays_file``. Read from the per-run files, so it
    works while a sweep runs or after it was interrupted.

    Parameters
    ----------
    arrays : bool
        Add a column ``arrays`` holding each run's recorded arrays as a dict (empty when none were kept).
    failures : bool
        Also list failed runs that have not succeeded since (``status == "failed"``, with ``error`` and
        ``traceback``).
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"no results directory at {root}")
    df = store.load_table(root, failures=failures)
    if arrays and len(df):
        df["arrays"] = [
            store.read_arrays(Path(f)) if isinstance(f, str) else {} for f in df.get("arrays_file", [None] * len(df))
        ]
    return df


def summarize(results_dir: str | Path) -> Path:
    """Rebuild ``summary.csv`` (and ``summary.parquet`` with pyarrow) from the per-run files; return its path.

    A sweep does this when it ends; call it after an interrupted sweep to bring the table up to date.
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"no results directory at {root}")
    return store.write_summary(root)


def load_arrays(results_dir: str | Path, run_id: str) -> dict[str, np.ndarray]:
    """The recorded arrays of one run (``{}`` if it kept none).

    Raises
    ------
    KeyError
        If ``run_id`` is not a finished run of ``results_dir``.
    """
    root = Path(results_dir)
    rec_path = root / "runs" / f"{run_id}.json"
    if not rec_path.exists():
        raise KeyError(f"run {run_id!r} is not a finished run in {root}")
    path = root / "runs" / f"{run_id}.h5"
    return store.read_arrays(path) if path.exists() else {}
