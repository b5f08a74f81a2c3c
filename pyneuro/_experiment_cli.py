"""``pyneuro experiment NAME``: run one of :mod:`pyneuro.experiments` from the command line.

Prints the experiment's one-line result and its scalar numbers, and writes ``OUT/NAME.png`` (the figure) and
``OUT/NAME.json`` (every number, the parameters and the summary).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np

__all__ = ["main"]


def _value(text: str) -> Any:
    """A ``--set`` value: YAML scalars and lists (``3``, ``0.5``, ``true``, ``[10, 20]``), numbers in any form
    Python reads (``1e-3``, which YAML 1.1 leaves a string), else the string."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _parse_set(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        out[key.strip()] = _value(text.strip())
    return out


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="pyneuro experiment",
        description="Run a plasticity experiment from pyneuro.experiments: print its key numbers and write its "
        "figure (NAME.png) and numbers (NAME.json) to --out.",
    )
    ap.add_argument("name", nargs="?", help="experiment name (see --list)")
    ap.add_argument("--list", action="store_true", help="list the experiments and exit")
    ap.add_argument("--out", default="pyneuro-experiments", help="output folder (default: %(default)s)")
    ap.add_argument("--scale", type=float, default=1.0, help="size factor (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=0, help="network seed (default: %(default)s)")
    ap.add_argument("--threads", type=int, default=1, help="threads per simulation (default: %(default)s)")
    ap.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a model parameter (repeatable)"
    )
    ap.add_argument("--no-figure", action="store_true", help="do not draw the figure")
    ap.add_argument(
        "--params", action="store_true", help="list the experiment's parameters (default, unit, range) and exit"
    )
    return ap


def _param_table(exp: Any) -> str:
    """The experiment's declared parameters, one per line: name, default and unit, range, description."""
    rows = []
    for q in exp.parameters.values():
        default = "(derived)" if q.default is None else f"{q.default}{' ' + q.unit if q.unit else ''}"
        rng = q.range_text()
        rows.append(f"  {q.name:20s} {default:>16s}  {rng + '; ' if rng else ''}{q.doc}")
    return "\n".join(rows)


def _first_line(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split())


def _scalars(numbers: dict[str, Any]) -> list[tuple[str, Any]]:
    out = []
    for k, v in numbers.items():
        a = np.asarray(v)
        if a.ndim == 0 and a.dtype.kind in "biuf":
            out.append((k, a.item()))
    return out


def main(argv: list[str] | None = None) -> int:
    from .experiments import EXPERIMENTS, names

    ap = _parser()
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for n in names():
            print(f"{n:24s} {_first_line(EXPERIMENTS[n].__doc__)}")
        return 0
    if args.name is None:
        ap.print_usage(sys.stderr)
        print("pyneuro experiment: give an experiment NAME or --list", file=sys.stderr)
        return 2
    if args.name not in names():
        print(f"pyneuro experiment: unknown experiment {args.name!r}; known: {', '.join(names())}", file=sys.stderr)
        return 2
    fn = EXPERIMENTS[args.name]
    if args.params:
        print(f"{args.name}: {_first_line(fn.__doc__)}\nparameters (--set KEY=VALUE):\n{_param_table(fn)}")
        return 0
    try:
        params = _parse_set(args.set)
        unknown = sorted(set(params) - set(fn.parameters))
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown} for {args.name}; see --params")
    except ValueError as e:
        print(f"pyneuro experiment: {e}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        res = fn(
            scale=args.scale,
            seed=args.seed,
            threads=args.threads,
            out=args.out,
            draw=not args.no_figure,
            **params,
        )
    except (TypeError, ValueError) as e:
        print(f"pyneuro experiment {args.name}: {e}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - t0
    written = [f"{args.out}/{args.name}.json"] + ([f"{args.out}/{args.name}.png"] if res.figure is not None else [])
    lines = [f"{args.name}: {res.summary}"]
    lines += [f"  {k} = {v:.6g}" if isinstance(v, float) else f"  {k} = {v}" for k, v in _scalars(res.numbers)]
    lines.append(f"wrote {', '.join(written)} ({wall:.1f} s)")
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:  # e.g. `| head -1`: the results are written; stop quietly (Python docs, SIGPIPE)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
