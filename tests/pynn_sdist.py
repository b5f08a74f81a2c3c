"""Fetch PyNN's source distribution (for its shared system-test scenarios and example scripts) at test time.

PyNN is CeCILL-licensed, so nothing of it is committed here: ``pip download`` brings the sdist of the installed PyNN
version from the package index into a cache directory (``PYNEURO_PYNN_CACHE``, default ``~/.cache/pyneuro-pynn``),
where it is unpacked once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path


def pynn_source() -> Path:
    """The unpacked PyNN sdist matching the installed PyNN (downloaded on first use)."""
    import pyNN

    version = pyNN.__version__
    cache = Path(os.environ.get("PYNEURO_PYNN_CACHE", Path.home() / ".cache" / "pyneuro-pynn"))
    root = cache / f"pynn-{version}"
    if (root / "test" / "system" / "scenarios").is_dir():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"PyNN=={version}",
            "-d",
            str(cache),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    archives = [p for p in cache.glob("*.tar.gz") if version in p.name]
    if not archives:
        raise RuntimeError(f"pip download of PyNN=={version} left no sdist in {cache}")
    with tarfile.open(archives[0]) as tf:
        tf.extractall(cache, filter="data")
    unpacked = [p for p in cache.iterdir() if p.is_dir() and p.name.lower() == f"pynn-{version}"]
    if not unpacked:
        raise RuntimeError(f"the PyNN sdist in {cache} did not unpack to pynn-{version}")
    if unpacked[0] != root:
        unpacked[0].rename(root)
    return root
