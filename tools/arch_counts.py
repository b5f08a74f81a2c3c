#!/usr/bin/env python3
"""Counts that show how the Python layer's seams are kept, for any commit of this repository.

    python tools/arch_counts.py                  # the working tree
    python tools/arch_counts.py 7bcb06f HEAD     # several commits side by side (read with git show)

Printed per revision:

- cross-module underscore reaches: in pyneuro/ (compiled module stubs excluded), every attribute access ``x._name``
  (not a dunder) where ``x`` is not ``self``/``cls`` and ``_name`` is not defined by the module itself (as an
  attribute set on ``self``/``cls``, a method, a class attribute or a module-level name), plus every ``getattr``/
  ``setattr``/``hasattr`` with such a name as a string and every ``from .m import _name`` of another module's
  private name. A module touching its own classes' private parts is not counted (heuristic: a name the module
  defines itself is taken to be its own).
  Framework hooks are told apart, not dropped: in pyneuro/pynn/ (the PyNN backend, whose classes derive from PyNN's),
  an access to an underscored name that PyNN's own source defines (a method, class attribute or ``self.`` attribute
  in the installed ``pyNN`` package outside its backends for other simulators, ``pyNN.nest``, ``pyNN.neuron``, ...,
  or calls there on ``self``: the hooks its base classes call, e.g. ``_get_minimum_delay``,
  ``_get_spiketimes``, ``_reset``) is listed in a separate column, "PyNN hooks", because the name is PyNN's
  interface, not another pyneuro module's private state. The rule goes by name: a backend method of our own that
  shares a hook's name is classed as a hook too. Without PyNN installed the column is empty and every such access
  counts as a reach.
- concrete-class dispatch in save/load: ``isinstance`` calls (except those testing only for built-in, numpy or
  exception types: checks of a value, not of a class) and comparisons of a kind string with a literal inside
  the functions that write or read checkpoints (functions named save*/load*/restore*/*checkpoint*, and everything in
  pyneuro/io.py; the sweep modules, whose files are another format, excluded).
- copies of the ms-to-step rule: occurrences of the rounding slack ``+ 0.5 + 1e-9`` in pyneuro/ (also when the
  expression is split over lines).
- the longest function in pyneuro/experiments/ (lines, decorators excluded).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def files_at(rev: str | None) -> dict[str, str]:
    """Path -> source of every .py file under pyneuro/ at ``rev`` (None: the working tree)."""
    if rev is None:
        return {str(p.relative_to(ROOT)): p.read_text() for p in sorted((ROOT / "pyneuro").rglob("*.py"))}
    names = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", rev, "pyneuro"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    out = {}
    for n in names:
        if n.endswith(".py"):
            out[n] = subprocess.run(
                ["git", "show", f"{rev}:{n}"], cwd=ROOT, check=True, capture_output=True, text=True
            ).stdout
    return out


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def own_names(tree: ast.Module) -> set[str]:
    """Underscored names a module defines: self./cls. attributes, methods, class attributes, module-level names."""
    own: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _private(node.name):
            own.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls") and _private(node.attr):
                own.add(node.attr)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name) and _private(n.id):
                        own.add(n.id)
        elif isinstance(node, ast.arg) and _private(node.arg):
            own.add(node.arg)
    return own


_PYNN_NAMES: set[str] | None = None
#: PyNN's subpackages that are backends for other simulators (their private names are not PyNN's interface)
PYNN_BACKENDS = {"nest", "neuron", "brian2", "arbor", "nineml", "neuroml", "mock", "hardware", "spiNNaker", "nemo"}


def pynn_names() -> set[str]:
    """Underscored names that the installed PyNN defines itself (empty if PyNN is not installed)."""
    global _PYNN_NAMES
    if _PYNN_NAMES is None:
        _PYNN_NAMES = set()
        try:
            import importlib.util

            spec = importlib.util.find_spec("pyNN")
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.submodule_search_locations:
            for root in spec.submodule_search_locations:
                for p in Path(root).rglob("*.py"):
                    if p.relative_to(root).parts[0] in PYNN_BACKENDS:
                        continue  # the simulator backends' own internals are not PyNN's interface
                    try:
                        tree = ast.parse(p.read_text(errors="replace"))
                    except SyntaxError:
                        continue
                    _PYNN_NAMES |= own_names(tree)
                    _PYNN_NAMES |= {  # and the hooks it calls on its own objects, which backends define
                        n.attr
                        for n in ast.walk(tree)
                        if isinstance(n, ast.Attribute)
                        and isinstance(n.value, ast.Name)
                        and n.value.id == "self"
                        and _private(n.attr)
                    }
    return _PYNN_NAMES


def is_hook(path: str, name: str) -> bool:
    """Whether ``name``, accessed in ``path``, is one of PyNN's own names in the PyNN backend (see the notes)."""
    return "/pynn/" in path and name in pynn_names()


def hooks(path: str, src: str) -> list[str]:
    """The accesses that :func:`reaches` leaves out as PyNN's hooks."""
    return [r for r in reaches(path, src, keep_hooks=True) if r not in reaches(path, src)]


def reaches(path: str, src: str, keep_hooks: bool = False) -> list[str]:
    tree = ast.parse(src)
    own = own_names(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own:
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            if isinstance(node.value, ast.Name) and node.value.id in ("np", "sys", "os", "h5py", "dask", "dd"):
                continue
            if not keep_hooks and is_hook(path, node.attr):
                continue
            out.append(f"{path}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("getattr", "setattr", "hasattr") and len(node.args) >= 2:
                a = node.args[1]
                if (
                    isinstance(a, ast.Constant)
                    and isinstance(a.value, str)
                    and _private(a.value)
                    and a.value not in own
                    and (keep_hooks or not is_hook(path, a.value))
                ):
                    out.append(f"{path}:{node.lineno} {node.func.id}('{a.value}')")
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level >= 1:
            for alias in node.names:
                if _private(alias.name) and alias.name not in ("_core",):
                    out.append(f"{path}:{node.lineno} import {alias.name}")
    return out


SAVE_LOAD = re.compile(r"(^|_)(save|load|restore|checkpoint)|^(save|load|restore)|checkpoint")


#: types whose isinstance checks test what a value is, not which of the package's classes an object is
VALUE_TYPES = {
    "int", "float", "bool", "str", "bytes", "dict", "list", "tuple", "set", "integer", "floating", "number",
    "bool_", "ndarray", "BaseException", "Exception", "OSError", "ValueError", "TypeError",
}


def _value_types_only(arg: ast.expr) -> bool:
    parts = arg.elts if isinstance(arg, ast.Tuple) else [arg]
    names = [p.id if isinstance(p, ast.Name) else p.attr if isinstance(p, ast.Attribute) else None for p in parts]
    return all(n in VALUE_TYPES for n in names)


def dispatch(path: str, src: str) -> list[str]:
    tree = ast.parse(src)
    out = []
    funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    seen: set[int] = set()
    if "sweep" in path:  # sweep results are another file format
        return out
    for f in funcs:
        if not (path.endswith("pyneuro/io.py") or SAVE_LOAD.search(f.name)):
            continue
        for node in ast.walk(f):
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance":
                if len(node.args) == 2 and _value_types_only(node.args[1]):
                    continue  # a check of a value's type (int, numpy scalar, exception), not a class dispatch
                out.append(f"{path}:{node.lineno} isinstance")
            elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                sides = [node.left, *node.comparators]
                lit = any(isinstance(s, ast.Constant) and isinstance(s.value, str) for s in sides)
                kind = any(
                    (isinstance(s, ast.Name) and s.id == "kind") or (isinstance(s, ast.Attribute) and s.attr == "kind")
                    for s in sides
                )
                if lit and kind:
                    out.append(f"{path}:{node.lineno} kind ==")
    return out


def step_rule_copies(path: str, src: str) -> list[str]:
    # across line breaks too: an expression split over lines by the formatter is still a copy
    return [f"{path}:{src.count(chr(10), 0, m.start()) + 1}" for m in re.finditer(r"\+\s*0\.5\s*\+\s*1e-9", src)]


def longest_experiment_function(files: dict[str, str]) -> tuple[int, str]:
    best = (0, "")
    for path, src in files.items():
        if "/experiments/" not in path:
            continue
        for n in ast.walk(ast.parse(src)):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno is not None:
                length = n.end_lineno - n.lineno + 1
                if length > best[0]:
                    best = (length, f"{path}:{n.name}")
    return best


def counts(rev: str | None) -> dict[str, object]:
    files = files_at(rev)
    r, h, d, c = [], [], [], []
    for path, src in files.items():
        r += reaches(path, src)
        h += hooks(path, src)
        d += dispatch(path, src)
        c += step_rule_copies(path, src)
    return {"reaches": r, "hooks": h, "dispatch": d, "copies": c, "longest": longest_experiment_function(files)}


def main(argv: list[str]) -> None:
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        print("usage: python tools/arch_counts.py [-v] [REV ...]   (-v lists every counted place)")
        return
    verbose = "-v" in argv
    revs: list[str | None] = [a for a in argv if a != "-v"] or [None]  # type: ignore[list-item]
    rows = [(rev or "working tree", counts(rev)) for rev in revs]
    print(
        f"{'revision':<16} {'underscore reaches':>19} {'PyNN hooks':>11} {'save/load dispatch':>19} "
        f"{'ms->step copies':>16}  longest experiment function"
    )
    for name, c in rows:
        n, where = c["longest"]  # type: ignore[misc]
        print(
            f"{name:<16} {len(c['reaches']):>19} {len(c['hooks']):>11} {len(c['dispatch']):>19} "
            f"{len(c['copies']):>16}  {n} lines ({where})"
        )
    if not pynn_names():
        print("(PyNN is not installed: its hooks are counted as reaches)")
    if verbose:
        for name, c in rows:
            for key in ("reaches", "hooks", "dispatch", "copies"):
                print(f"\n[{name}] {key}:")
                for item in c[key]:  # type: ignore[attr-defined]
                    print("  ", item)


if __name__ == "__main__":
    main(sys.argv[1:])
