"""The ``pyneuro`` command."""

from __future__ import annotations

import sys

__all__ = ["main"]

USAGE = """usage: pyneuro COMMAND [options]

commands:
  demo        run the COBA + STDP demo (W2) and write a figure   (pyneuro demo --help)
  experiment  run a plasticity experiment: numbers and figure  (pyneuro experiment --list)
  version     print the version
  run         run one run of a sweep spec (YAML) here        (pyneuro run --help)
  sweep       run a parameter sweep (YAML spec) on Dask      (pyneuro sweep --help)
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "demo":
        from .demo import main as demo_main

        return demo_main(rest)
    if cmd == "experiment":
        from ._experiment_cli import main as experiment_main

        return experiment_main(rest)
    if cmd in ("sweep", "run"):
        from ._sweep_cli import main_run, main_sweep

        return main_sweep(rest) if cmd == "sweep" else main_run(rest)
    if cmd == "version":
        from . import __version__

        print(__version__)
        return 0
    print(f"pyneuro: unknown command {cmd!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
