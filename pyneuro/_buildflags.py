"""The compiler flags of the compiled core, written once: setup.py builds the core with them and the compiled user
definitions (pyneuro.plasticity.Custom, pyneuro.models.Custom) are built with exactly the same, so that both do the
same floating-point arithmetic. This module imports nothing from pyneuro (setup.py reads it before the package
exists).

-O3 for the loops; -ffp-contract=off so that vectorised and scalar code give identical floating-point results (part
of the thread-count determinism contract, see csrc/core/fast_math.hpp). No -march=native: results and golden
checksums must not depend on the build machine's instruction set.
"""

from __future__ import annotations

import sysconfig

__all__ = ["CXX_STD", "CORE_FLAGS", "WARNING_FLAGS", "plugin_flags"]

CXX_STD = 20
CORE_FLAGS = ["-O3", "-fopenmp", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"]
WARNING_FLAGS = ["-Wall", "-Wextra", "-Wno-unused-parameter"]


def plugin_flags() -> list[str]:
    """Every flag of a core translation unit's compilation (what setuptools takes from Python's build configuration,
    what pybind11's build helper adds, then CORE_FLAGS), plus what a shared library needs."""
    base = [f for f in (sysconfig.get_config_var("CFLAGS") or "").split() if not f.startswith("-W")]
    return [*base, "-g0", f"-std=c++{CXX_STD}", "-fvisibility=hidden", "-fPIC", *CORE_FLAGS, "-shared"]
