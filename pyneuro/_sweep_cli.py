"""``pyneuro sweep SPEC.yaml`` and ``pyneuro run SPEC.yaml``: sweeps and single runs from a YAML spec.

A spec (see :func:`pyneuro._sweep_spec.load_spec`)::

    experiment: example_coba        # a registered experiment or module:function
    params:                         # a grid (lists are axes, scalars are fixed) or a list of parameter sets
      w_exc: [2.0, 2.4, 2.8]
      n: 1000
    seeds: [0, 1, 2]                # base seeds
    duration: 1000.0                # ms
    record: [w_ee]                  # true, false or the names of the arrays to keep
    results: coba-results           # relative to the spec file
    checkpoint_every: 100.0         # ms of simulated time (optional)
    max_runs: 100000                # the most runs the sweep may have (optional; this is the default)
    connect_timeout: 10.0           # s to wait for a scheduler given with --scheduler (optional)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main_run", "main_sweep"]


def _sweep_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pyneuro sweep", description="Run a parameter sweep on Dask from a YAML spec.")
    p.add_argument("spec", type=Path, help="the sweep spec (YAML)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler (default: a LocalCluster)")
    p.add_argument(
        "--connect-timeout",
        type=float,
        metavar="S",
        help="seconds to wait for the scheduler (overrides the spec's connect_timeout; default 10)",
    )
    p.add_argument("--workers", type=int, metavar="N", help="LocalCluster workers (default: cores / threads per run)")
    p.add_argument("--threads-per-run", type=int, metavar="T", help="threads of each network (overrides the spec)")
    p.add_argument("--results", type=Path, metavar="DIR", help="results directory (overrides the spec)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pyneuro run",
        description="Run one run of a YAML spec in this process (resumes from its checkpoint if it was killed).",
    )
    p.add_argument("spec", type=Path, help="the spec (YAML)")
    p.add_argument("--index", type=int, metavar="K", help="which run, in sweep order (needed if the spec has several)")
    p.add_argument("--threads", type=int, metavar="T", help="threads of the network (overrides threads_per_run)")
    p.add_argument("--results", type=Path, metavar="DIR", help="results directory (overrides the spec)")
    return p


def main_sweep(argv: list[str]) -> int:
    """``pyneuro sweep``: returns 0 if every run finished, 1 if some failed, 2 for a bad spec or an unreachable
    scheduler (reported in one line)."""
    from ._sweep_spec import load_spec
    from .sweep import run

    args = _sweep_parser().parse_args(argv)
    try:
        spec = load_spec(args.spec)
        results: Path = args.results or spec.results
        rep = run(
            spec.experiment,
            spec.params,
            results,
            client=args.scheduler,
            seeds=spec.seeds,
            duration=spec.duration,
            record=spec.record,
            threads_per_run=args.threads_per_run or spec.threads_per_run,
            n_workers=args.workers,
            checkpoint_every=spec.checkpoint_every,
            progress=not args.no_progress,
            max_runs=spec.max_runs,
            connect_timeout=args.connect_timeout if args.connect_timeout is not None else spec.connect_timeout,
        )
    except (ValueError, TypeError, OSError) as e:  # FileNotFoundError is an OSError
        print(f"pyneuro sweep: error: {e}", file=sys.stderr)
        return 2
    print(
        f"sweep: {rep.total} runs: {rep.skipped} already finished, {rep.ran} ran, {rep.failed} failed "
        f"in {rep.wall_s:.1f} s; results in {results} (summary.csv)"
    )
    if rep.failed:
        print(f"  failures recorded in {Path(results) / 'failures'}", file=sys.stderr)
    return 1 if rep.failed else 0


def main_run(argv: list[str]) -> int:
    """``pyneuro run``: returns 0 if the run finished (now or before), 1 if it failed, 2 for a bad spec."""
    from ._sweep_spec import load_spec
    from .sweep import run_one

    args = _run_parser().parse_args(argv)
    try:
        spec = load_spec(args.spec)
        results: Path = args.results or spec.results
        res = run_one(
            spec.experiment,
            spec.params,
            results,
            index=args.index,
            seeds=spec.seeds,
            duration=spec.duration,
            record=spec.record,
            threads=args.threads or spec.threads_per_run,
            checkpoint_every=spec.checkpoint_every,
            max_runs=spec.max_runs,
        )
    except (ValueError, TypeError, FileNotFoundError) as e:
        print(f"pyneuro run: error: {e}", file=sys.stderr)
        return 2
    rec = res["record"]
    if rec is None:
        print(f"run {res['run_id']} failed; see {Path(results) / 'failures' / (res['run_id'] + '.json')}")
        return 1
    state = "finished" if res["status"] == "ok" else "already finished"
    print(f"run {rec['run_id']} {state}: params {rec['params']}, seed {rec['seed']}")
    for k, v in rec["results"].items():
        print(f"  {k} = {v}")
    print(f"results in {results}")
    return 0
