"""Build of pyneuro's compiled core (C++17/20 + pybind11 + OpenMP)."""
import glob
import os
import sys

from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from setuptools import setup

# -O3 for the loops; -ffp-contract=off so that vectorised and scalar code give identical floating-point results
# (part of the thread-count determinism contract, see csrc/core/fast_math.hpp). No -march=native: results and
# golden checksums must not depend on the build machine's instruction set.
compile_args = ["-O3", "-fopenmp", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Wno-unused-parameter"]
link_args = ["-fopenmp"]
if os.environ.get("PYNEURO_DEBUG"):
    compile_args = [a for a in compile_args if a != "-O3"] + ["-O0", "-g"]

# compile the translation units in parallel (NPY_NUM_BUILD_JOBS overrides the CPU count)
ParallelCompile("NPY_NUM_BUILD_JOBS").install()

sources = sorted(glob.glob("csrc/**/*.cpp", recursive=True))
sources = [s for s in sources if "/tests/" not in s]

ext = Pybind11Extension(
    "pyneuro._core",
    sources,
    cxx_std=20,
    extra_compile_args=compile_args,
    extra_link_args=link_args,
)

setup(ext_modules=[ext], cmdclass={"build_ext": build_ext})
