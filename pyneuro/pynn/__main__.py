"""Run a PyNN script that chooses its simulator by name, unchanged, on pyneuro.

``python -m pyneuro.pynn SCRIPT.py pyneuro [ARGS...]`` makes ``pyneuro.pynn`` importable as ``pyNN.pyneuro`` (what
``pyNN.utility.get_simulator`` and ``from pyNN.<name> import *`` look for) and runs the script as ``__main__``.
"""

from __future__ import annotations

import runpy
import sys

import pyNN

import pyneuro.pynn


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        raise SystemExit("usage: python -m pyneuro.pynn SCRIPT.py pyneuro [ARGS...]")
    sys.modules["pyNN.pyneuro"] = pyneuro.pynn
    pyNN.pyneuro = pyneuro.pynn  # type: ignore[attr-defined]
    sys.argv = args
    runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    main()
