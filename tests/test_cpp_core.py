"""Runs the C++ unit tests of the core (tests/cpp/test_core.cpp), compiled without Python: Philox4x32-10
known-answer vectors, random streams, fast_exp accuracy (and its polynomial alone where that is exact), LIFCond's
block kernel against its one-pass loop bit for bit, thread partitions, trace histories against explicit sums, and the
split-phase barrier. Compiled with the core's -ffp-contract=off, which the bit-for-bit comparisons rely on."""

import shutil
import subprocess
from pathlib import Path

import pytest

SRC = Path(__file__).parent / "cpp" / "test_core.cpp"


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_cpp_core(tmp_path):
    exe = tmp_path / "test_core"
    build = subprocess.run(
        ["g++", "-std=c++20", "-O2", "-ffp-contract=off", "-pthread", "-Wall", str(SRC), "-o", str(exe)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " 0 failed" in run.stdout
