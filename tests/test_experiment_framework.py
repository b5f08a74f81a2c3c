"""The experiment framework: parameters declared once (checks, signature, sweep names, docstring, command line),
run without drawing, draw from the numbers, one module per experiment under the experiment's name."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pyneuro as pn
from pyneuro import experiments
from pyneuro._experiment_cli import main
from pyneuro._sweep_spec import accepted_params
from pyneuro.experiments import Experiment, Param, Parameters, Result


@pytest.mark.parametrize("name", experiments.NAMES)
def test_declaration_drives_signature_sweep_names_and_doc(name: str) -> None:
    exp = experiments.EXPERIMENTS[name]
    assert isinstance(exp, Experiment) and exp.name == name == exp.__name__
    declared = list(exp.parameters)
    sig = inspect.signature(exp)
    assert list(sig.parameters) == ["scale", "seed", "out", "threads", "draw", *declared]
    assert all(q.kind is q.KEYWORD_ONLY for q in sig.parameters.values())
    assert [sig.parameters[k].default for k in declared] == [q.default for q in exp.parameters.values()]
    # a sweep learns the complete list of names from the signature: nothing is read from the docstring
    names, complete = accepted_params(exp, name)
    assert complete and set(declared) <= set(names)
    assert exp.sweep_parameters == tuple(declared)
    # the docstring's Parameters section is written from the declaration, one entry per parameter, in order
    doc = exp.__doc__ or ""
    section = doc.split("\nParameters\n----------\n", 1)[1].split("\nReturns\n-------\n", 1)[0]
    entries = [line.split(" : ")[0] for line in section.splitlines() if line and not line.startswith(" ")]
    assert entries == ["scale", "seed", "out", "threads", "draw", *declared]
    for q in exp.parameters.values():
        if q.unit and q.default is not None:
            assert f"{q.name} : {q.type_text()}" in section and q.unit in q.type_text()
    # the module is named as the experiment, and importing it does not hide the experiment on the package
    mod = importlib.import_module(f"pyneuro.experiments.{name}")
    assert mod.__name__ == exp.__module__ and getattr(mod, name) is exp
    assert getattr(experiments, name) is exp
    exec(f"import pyneuro.experiments.{name}")  # the import statement sets package attributes too
    assert getattr(pn.experiments, name) is exp


def test_every_experiment_has_its_module_and_nothing_else_is_registered() -> None:
    root = Path(experiments.__file__).parent
    modules = {p.stem for p in root.glob("*.py") if not p.stem.startswith("_")}
    shared = {"somatosensory_map", "pairing"}  # models and protocols shared by several experiments
    assert modules - shared == set(experiments.NAMES)
    assert experiments.names() == sorted(experiments.NAMES)


def test_param_checks_and_declaration_errors() -> None:
    q = Param("rate", 5.0, "a rate", "Hz", lo=0.0, hi=100.0, hi_open=True)
    assert q.kind == "float" and q.check(3) == 3.0 and isinstance(q.check(3), float)
    with pytest.raises(ValueError, match=r"rate must be in \[0.0, 100.0\)"):
        q.check(100.0)
    with pytest.raises(TypeError, match="rate must be a real number"):
        q.check("5")
    with pytest.raises(ValueError, match="rate"):
        q.check(float("nan"))
    n = Param("n", 3, "a count", lo=1)
    assert n.kind == "int" and n.check(4) == 4
    with pytest.raises(TypeError, match="n must be an integer"):
        n.check(4.0)
    seq = Param("dts", None, "times", "ms", lo=-10.0, hi=10.0, kind="floats", optional=True)
    assert seq.check(None) is None and seq.check(np.array([1, 2])) == (1.0, 2.0)
    with pytest.raises(ValueError, match=r"dts\[1\]"):
        seq.check([0.0, 11.0])
    with pytest.raises(TypeError, match="dts must be a sequence"):
        seq.check("1, 2")
    with pytest.raises(ValueError, match="dts must not be empty"):
        seq.check([])
    ch = Param("rules", ("a",), "rules", kind="choices", choices=("a", "b"))
    assert ch.check(("b", "a")) == ["b", "a"]
    with pytest.raises(ValueError, match="rules"):
        ch.check(["c"])
    # declarations are checked when they are made
    with pytest.raises(ValueError, match="kind"):
        Param("x", None, "no kind", optional=True)
    with pytest.raises(ValueError, match="optional"):
        Param("x", None, "None without optional", kind="float")
    with pytest.raises(ValueError, match="x must be in"):
        Param("x", 5.0, "default out of range", hi=1.0)
    with pytest.raises(ValueError, match="identifier"):
        Param("not a name", 1.0, "bad name")
    with pytest.raises(ValueError, match="declared twice"):
        Parameters(q, q)
    with pytest.raises(ValueError, match="reserved"):
        Experiment("x", Parameters(Param("seed", 1, "no")), dict, str, str, doc="x", scale="x", returns="x")
    table = Parameters(q, n)
    assert table.check("toy", {"n": 7}) == {"rate": 5.0, "n": 7}
    with pytest.raises(TypeError, match=r"toy\(\) got unknown parameter\(s\) \['m'\]; known: \['n', 'rate'\]"):
        table.check("toy", {"m": 1})


def _toy_compute(p: dict, *, scale: float, seed: int, threads: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(p["mu"], 1.0, int(p["n"] * scale)), "mean": p["mu"]}


def _toy_draw(numbers: dict, p: dict) -> object:
    from matplotlib.figure import Figure

    fig = Figure()
    fig.subplots().hist(numbers["x"])
    return fig


TOY = Experiment(
    "toy",
    Parameters(Param("mu", 1.0, "mean", "mV", lo=-10.0, hi=10.0), Param("n", 100, "samples", lo=1)),
    _toy_compute,
    lambda numbers, p: f"mean {numbers['x'].mean():.2f} (mu {p['mu']:g})",
    _toy_draw,
    doc="A toy experiment.\n\nIt draws normal samples.",
    scale="Multiplies n.",
    returns="numbers: ``x`` (samples), ``mean``.",
)


def test_run_computes_without_drawing_and_draw_uses_the_numbers(tmp_path: Path) -> None:
    r = TOY.run(seed=3, mu=2.0)
    assert isinstance(r, Result) and r.figure is None and r.summary.startswith("mean ")
    assert r.params == {"scale": 1.0, "seed": 3, "threads": 1, "mu": 2.0, "n": 100}
    full = TOY(seed=3, mu=2.0, out=tmp_path)
    np.testing.assert_array_equal(full["x"], r["x"])
    assert full.figure is not None and TOY.draw(r) is not None
    doc = json.loads((tmp_path / "toy.json").read_text())
    assert doc["params"]["mu"] == 2.0 and (tmp_path / "toy.png").stat().st_size > 0
    with pytest.raises(TypeError, match="Result"):
        TOY.draw(r.numbers)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="experiment 'stdp_window'"):
        TOY.draw(Result(name="stdp_window", numbers={}))
    # bad input: nothing computed, nothing written
    with pytest.raises(TypeError, match="out must be a path"):
        TOY(out=3)
    with pytest.raises(ValueError, match="mu must be in"):
        TOY(mu=11.0, out=tmp_path / "no")
    assert not (tmp_path / "no").exists()


def test_a_sweep_never_draws(tmp_path: Path) -> None:
    def refuse(numbers: dict, p: dict) -> object:
        raise AssertionError("a sweep drew a figure")

    exp = Experiment("toy", TOY.parameters, _toy_compute, lambda n, p: "", refuse, doc="d", scale="s", returns="r")
    res = pn.sweep.run_one(exp, {"mu": 0.5}, tmp_path / "sweep")
    assert res["status"] == "ok"
    assert res["record"]["results"]["mean"] == 0.5
    with pytest.raises(ValueError, match="bogus"):
        pn.sweep.run_one(exp, {"bogus": [1.0]}, tmp_path / "bad")


def test_cli_lists_the_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vogels_balance", "--params"]) == 0
    out = capsys.readouterr().out
    exp = experiments.vogels_balance
    for q in exp.parameters.values():
        assert f"  {q.name} " in out
    assert "rate_ext" in out and "in [0, 1000] Hz" in out


def test_the_shared_map_is_a_public_module() -> None:
    from pyneuro.experiments import somatosensory_map as sm

    assert {"SomatosensoryMap", "develop_map", "territories", "PARAMETERS", "MODEL_DOC"} <= set(sm.__all__)
    for name in ("remapping", "skill_learning", "compensation"):
        exp = experiments.EXPERIMENTS[name]
        assert set(sm.PARAMETERS) <= set(exp.parameters)
        assert sm.MODEL_DOC in (exp.__doc__ or "")


def test_no_experiment_takes_the_benchmark_workloads(tmp_path: Path) -> None:
    root = Path(experiments.__file__).parent
    for path in root.glob("*.py"):
        assert "workloads" not in path.read_text(), path.name
    code = "import sys, pyneuro.experiments as E; [E.EXPERIMENTS[n] for n in E.NAMES]; "
    code += "print('pyneuro.workloads' in sys.modules)"
    # cwd outside the source tree: "python -c" puts the cwd first on sys.path, where the uncompiled sources are
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.stdout.strip() == "False", out.stderr
