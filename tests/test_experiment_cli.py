"""``pyneuro experiment NAME``: the command runs the same function as the Python API and reports its numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyneuro import experiments
from pyneuro._experiment_cli import _parse_set, main

SYSTEMS_LEVEL = ("remapping", "skill_learning", "critical_period", "engram", "neurogenesis_separation", "compensation")


def test_list_names_every_experiment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert listed == experiments.names()
    assert set(SYSTEMS_LEVEL) <= set(listed)


def test_run_matches_the_python_api(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["stdp_window", "--out", str(tmp_path), "--seed", "3", "--set", "n_pairings=12", "--set", "frequency=2"])
    assert rc == 0
    out = capsys.readouterr().out
    doc = json.loads((tmp_path / "stdp_window.json").read_text())
    assert (tmp_path / "stdp_window.png").stat().st_size > 10_000
    direct = experiments.stdp_window(seed=3, n_pairings=12, frequency=2.0, draw=False)
    assert doc["summary"] == direct.summary
    assert out.startswith(f"stdp_window: {direct.summary}\n")
    assert "  n_pairings = 12\n" in out
    for key, value in direct.numbers.items():
        np.testing.assert_array_equal(np.asarray(doc["numbers"][key]), np.asarray(value), err_msg=key)
    assert doc["params"]["seed"] == 3 and doc["params"]["n_pairings"] == 12


def test_no_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stdp_window", "--out", str(tmp_path), "--no-figure", "--set", "n_pairings=5"]) == 0
    assert (tmp_path / "stdp_window.json").exists() and not (tmp_path / "stdp_window.png").exists()
    assert "stdp_window.png" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["no_such_experiment"], "unknown experiment 'no_such_experiment'"),
        (["stdp_window", "--set", "n_pairings"], "--set expects KEY=VALUE"),
        (["stdp_window", "--set", "bogus=1"], "unknown parameter(s) ['bogus']"),
        (["stdp_window", "--scale", "-1"], "scale"),
        (["stdp_window", "--set", "n_pairings=0"], "n_pairings"),
        ([], "give an experiment NAME or --list"),
    ],
)
def test_bad_input_is_a_clear_error(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--out", str(tmp_path)] if argv else argv) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing written


def test_set_values_are_yaml_scalars_and_lists() -> None:
    got = _parse_set(["a=3", "b=0.5", "c=[10, 20]", "d=true", "e=word", "f = 1e-3"])
    assert got == {"a": 3, "b": 0.5, "c": [10, 20], "d": True, "e": "word", "f": 1e-3}


def test_the_installed_command(tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cp = subprocess.run(
        [sys.executable, "-m", "pyneuro", "experiment", "stdp_window", "--out", str(tmp_path / "o"),
         "--set", "n_pairings=4"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300,
    )  # fmt: skip
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.startswith("stdp_window: STDP window, 4 pairings")
    assert (tmp_path / "o" / "stdp_window.json").exists()


def test_attribute_is_the_function_after_its_module_was_imported() -> None:
    import importlib

    for name in experiments.names():
        fn = experiments.EXPERIMENTS[name]
        importlib.import_module(fn.__module__)
        assert getattr(experiments, name) is fn, name
