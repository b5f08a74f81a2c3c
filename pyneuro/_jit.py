"""Compiling user definitions into the core: a generated C++ source becomes a shared library, cached on disk and
loaded into the process, where it registers its factories in the core's catalogue.

- Compiler: ``$PYNEURO_CXX``, else ``$CXX``, else ``g++``/``c++`` on the PATH; flags: exactly the core's
  (:mod:`pyneuro._buildflags`); headers: those installed with the package (``pyneuro/_include``, or the source
  tree's ``csrc`` in a development checkout).
- Cache: ``$PYNEURO_CACHE_DIR``, else ``$XDG_CACHE_HOME/pyneuro/jit``, else ``~/.cache/pyneuro/jit``. A library's
  name is a hash of the normalised definition, pyneuro's version, the headers, the compiler's version and the flags.
  It is written atomically (compiled under a temporary name, then renamed) while holding a file lock, so processes
  that need the same library at once (Dask workers of a sweep) compile it once and never see a partial file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from . import _core
from ._buildflags import plugin_flags

__all__ = ["CompilerError", "compiler", "cache_dir", "include_dir", "library_key", "build", "load"]

#: bumped when the generated code's shape changes (old cache entries are then never used)
CODEGEN_VERSION = 1

_compiler_info: tuple[list[str], str] | None = None
_headers_hash: str | None = None
_loaded: dict[str, str] = {}  # library path -> kind registered


class CompilerError(RuntimeError):
    """No C++ compiler, or the compiler rejected a generated source (its message is included)."""


def compiler() -> tuple[list[str], str]:
    """The compiler command and its identity (path, size and modification time of the executable: a changed
    compiler changes the cache key without running it); CompilerError when there is none."""
    global _compiler_info
    if _compiler_info is not None:
        return _compiler_info
    cands = [os.environ.get("PYNEURO_CXX"), os.environ.get("CXX"), "g++", "c++"]
    for c in cands:
        if not c:
            continue
        cmd = c.split()
        exe = shutil.which(cmd[0])
        if exe is None:
            continue
        real = os.path.realpath(exe)
        st = os.stat(real)
        _compiler_info = ([exe, *cmd[1:]], f"{real} {st.st_size} {st.st_mtime_ns}")
        return _compiler_info
    raise CompilerError(
        "compiling a user-defined rule or model needs a C++ compiler (g++ >= 10 or clang++ with OpenMP), and none "
        "was found: set PYNEURO_CXX (or CXX) to one, or install one (e.g. apt-get install g++)"
    )


def include_dir() -> Path:
    """Where the core's headers are: installed with the package, or the source tree's csrc."""
    here = Path(__file__).resolve().parent
    for cand in (here / "_include", here.parent / "csrc"):
        if (cand / "plasticity" / "custom_rule.hpp").exists():
            return cand
    raise CompilerError(
        f"the core's headers are not installed (looked in {here / '_include'} and {here.parent / 'csrc'})"
    )


def cache_dir() -> Path:
    env = os.environ.get("PYNEURO_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "pyneuro" / "jit"


def _headers() -> str:
    """What shapes a library besides its definition: the core's headers and the code generator, identified by their
    paths, sizes and modification times (cheap enough for every process; an edited file changes the key)."""
    global _headers_hash
    if _headers_hash is None:
        root = include_dir()
        parts = []
        for p in [*sorted(root.rglob("*.hpp")), Path(__file__).resolve().parent / "_codegen.py"]:
            st = p.stat()
            parts.append(f"{p.name}:{st.st_size}:{st.st_mtime_ns}")
        _headers_hash = "|".join(parts)
    return _headers_hash


def library_key(definition: str) -> str:
    """The cache key of a normalised definition (hex, 24 characters)."""
    from . import __version__

    cmd, version = compiler()
    h = hashlib.sha256()
    for part in (definition, __version__, str(CODEGEN_VERSION), str(_core.PLUGIN_ABI), _headers(), version, " ".join(
        [*cmd, *plugin_flags()]
    )):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def library_path(key: str) -> Path:
    return cache_dir() / f"pyneuro_{key}.so"


def build(key: str, make_source: Callable[[], str]) -> tuple[Path, float]:
    """The library for ``key``, compiled from ``make_source()`` unless cached; returns its path and the seconds spent
    generating and compiling (0 for a cache hit)."""
    out = library_path(key)
    if out.exists():
        return out, 0.0
    d = cache_dir()
    d.mkdir(parents=True, exist_ok=True)
    with open(d / f"pyneuro_{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes; another process waits here
        if out.exists():  # built by another process meanwhile
            return out, 0.0
        t0 = time.perf_counter()
        src = d / f"pyneuro_{key}.cpp"
        tmp = d / f"pyneuro_{key}.{os.getpid()}.tmp.so"
        src.write_text(make_source())
        cmd, _ = compiler()
        argv = [*cmd, *plugin_flags(), f"-I{include_dir()}", str(src), "-o", str(tmp)]
        try:
            res = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired as e:
            tmp.unlink(missing_ok=True)
            raise CompilerError(f"compiling {src} took more than 600 s") from e
        seconds = time.perf_counter() - t0
        if res.returncode != 0:
            tmp.unlink(missing_ok=True)
            msg = (res.stderr or res.stdout).strip()
            raise CompilerError(f"the C++ compiler failed on the generated source {src}:\n{msg[-4000:]}")
        os.replace(tmp, out)  # atomic: readers see no library or the complete one
    return out, seconds


def load(path: Path, kind: str) -> None:
    """Load the library (once per process); it registers ``kind`` in the core's catalogue."""
    key = str(path)
    if _loaded.get(key) == kind:
        return
    err = _core.load_plugin(key)
    if err:
        raise CompilerError(f"could not load the compiled definition {kind!r}: {err}")
    _loaded[key] = kind
