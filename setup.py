"""Build of pyneuro's compiled core (C++17/20 + pybind11 + OpenMP) and the Cython analysis kernels."""
import glob
import os
import sys

import numpy
from Cython.Build import cythonize
from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from setuptools import Extension, setup

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

# spike-train statistics (pyneuro/analysis/_kernels.pyx): plain C from Cython, numpy headers, no OpenMP
analysis_ext = Extension(
    "pyneuro.analysis._kernels",
    ["pyneuro/analysis/_kernels.pyx"],
    include_dirs=[numpy.get_include()],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    extra_compile_args=["-O3", "-ffp-contract=off"],
)

setup(
    ext_modules=[ext, *cythonize([analysis_ext], language_level=3)],
    cmdclass={"build_ext": build_ext},
)
