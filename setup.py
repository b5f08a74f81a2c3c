"""Build of pyneuro's compiled core (C++17/20 + pybind11 + OpenMP) and the Cython analysis kernels."""
import glob
import os
import runpy
import shutil
import sys

import numpy
from Cython.Build import cythonize
from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from setuptools import Extension, setup
from setuptools.command.build_py import build_py

# the core's flags are written once, in pyneuro/_buildflags.py (compiled user definitions use the same)
_flags = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyneuro", "_buildflags.py"))
compile_args = [*_flags["CORE_FLAGS"], *_flags["WARNING_FLAGS"]]
link_args = ["-fopenmp", "-ldl"]
if os.environ.get("PYNEURO_DEBUG"):
    compile_args = [a for a in compile_args if a != "-O3"] + ["-O0", "-g"]
elif os.environ.get("PYNEURO_OPT"):  # another optimisation level (the sanitizer build uses -O1)
    compile_args = [a for a in compile_args if a != "-O3"] + [os.environ["PYNEURO_OPT"]]

# compile the translation units in parallel (NPY_NUM_BUILD_JOBS overrides the CPU count)
ParallelCompile("NPY_NUM_BUILD_JOBS").install()

sources = sorted(glob.glob("csrc/**/*.cpp", recursive=True))
sources = [s for s in sources if "/tests/" not in s]

ext = Pybind11Extension(
    "pyneuro._core",
    sources,
    cxx_std=_flags["CXX_STD"],
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

class build_py_with_headers(build_py):
    """Also installs the core's headers as package data (pyneuro/_include), for compiling user definitions."""

    def run(self) -> None:
        super().run()
        dest = os.path.join(self.build_lib, "pyneuro", "_include")
        for src in glob.glob("csrc/**/*.hpp", recursive=True):
            if "/bindings/" in src:
                continue
            out = os.path.join(dest, os.path.relpath(src, "csrc"))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            shutil.copyfile(src, out)


setup(
    ext_modules=[ext, *cythonize([analysis_ext], language_level=3)],
    cmdclass={"build_ext": build_ext, "build_py": build_py_with_headers},
)
