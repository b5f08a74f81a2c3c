"""Where a rule or a model is named. The engine's loop names no concrete rule or model (no chain of names, no casts to
concrete types): every one is built through the catalogue, which the built-ins fill in csrc/core/builtins.cpp with one
line each, as a compiled user definition does. A user definition is named in one place only: the shipped
Clopath et al. 2010 and Graupner & Brunel 2012 rules are one function each in pyneuro/definitions.py, and no other
file of the core or the package (their experiments aside) names them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CSRC = ROOT / "csrc"

pytestmark = pytest.mark.skipif(not CSRC.is_dir(), reason="the C++ sources are not in this tree")


def _registered() -> list[str]:
    text = (CSRC / "core" / "builtins.cpp").read_text()
    names = re.findall(r'r\.add_\w+\("(\w+)"', text)
    assert len(names) >= 20  # nine models, seven rules, a neuron rule, four structural rules, an input
    return names


def _code(path: Path) -> str:
    """The C++ text without comments and string literals."""
    text = re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(), flags=re.S)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def test_the_engine_names_no_concrete_rule_or_model():
    names = set(_registered()) | {"PairSTDP"}  # the class behind the kind "STDP"
    for f in ("engine.cpp", "engine.hpp"):
        code = _code(CSRC / "core" / f)
        found = sorted(n for n in names if re.search(rf"\b{n}\b", code))
        assert not found, f"csrc/core/{f} names {found}"


def test_no_cast_to_a_concrete_type_in_the_core():
    for path in sorted(CSRC.rglob("*.[ch]pp")):
        assert "dynamic_cast" not in _code(path), path


def test_each_builtin_is_registered_once():
    names = _registered()
    assert len(names) == len(set(names))


def test_a_user_definition_is_named_in_its_definition_only():
    pattern = re.compile(r"clopath_rule|clopath_neuron|CLOPATH_RULE|graupner_brunel_rule|GRAUPNER_BRUNEL_SETS")
    allowed = {
        ROOT / "pyneuro" / "definitions.py",
        ROOT / "pyneuro" / "experiments" / "clopath_frequency.py",
        ROOT / "pyneuro" / "experiments" / "graupner_brunel_stdp.py",
        ROOT / "pyneuro" / "experiments" / "__init__.py",  # the list of experiment names
    }
    files = [p for p in sorted((ROOT / "pyneuro").rglob("*.py")) if p not in allowed]
    files += sorted(CSRC.rglob("*.[ch]pp"))
    named = [str(p.relative_to(ROOT)) for p in files if pattern.search(p.read_text(errors="replace"))]
    assert named == []
