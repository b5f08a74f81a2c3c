"""PyNN's own system-test scenarios (test/system/scenarios of PyNN's sdist, the tests shared by its backends, each a
function taking the backend module as ``sim``), run against ``pyneuro.pynn``.

Every scenario passes except those listed in UNSUPPORTED: each of these must be refused with a NotImplementedError
(or skip itself), and is then reported as skipped with its reason.
"""

from __future__ import annotations

import importlib
import inspect
import shutil
import sys
import warnings

import pytest
from pynn_sdist import pynn_source

#: scenario -> why it cannot run on pyneuro (the README lists the same)
UNSUPPORTED = {
    "test_composed_neuron_model_homogeneous_receptors": "composed PointNeuron models: not supported",
    "test_all_to_all_tsodyksmarkram": "short-term plasticity (Tsodyks-Markram): none",
    "test_fixed_number_post_with_replacement_heterogeneous_parameters": "uses TsodyksMarkramSynapse",
    "test_fixed_number_pre_with_replacement_heterogeneous_parameters": "uses TsodyksMarkramSynapse",
    "test_issue505": "uses TsodyksMarkramSynapse",
    "test_set_synaptic_parameters_fully_connected": "uses TsodyksMarkramSynapse",
    "test_set_synaptic_parameters_multiply_connected": "uses TsodyksMarkramSynapse",
    "test_set_synaptic_parameters_partially_connected": "uses TsodyksMarkramSynapse",
    "test_scenario4": "uses TsodyksMarkramSynapse",
    "test_simple_stochastic_synapse": "stochastic synapses: none",
    "test_issue259": "spike_precision='off_grid': spikes are on the time grid",
    "test_scenario2": "spike_precision='off_grid': spikes are on the time grid",
    "test_scenario5": "multi-compartment neurons (arbor/NEURON only; needs morphio)",
}

_SCENARIOS: dict[str, object] | None = None


def _scenarios(tmp_root) -> dict[str, object]:
    global _SCENARIOS
    if _SCENARIOS is None:
        src = pynn_source() / "test" / "system" / "scenarios"
        pkg = tmp_root / "pynn_scenarios"
        if not pkg.exists():
            shutil.copytree(src, pkg)
        sys.path.insert(0, str(tmp_root))
        found: dict[str, object] = {}
        for f in sorted(pkg.glob("test_*.py")):
            mod = importlib.import_module(f"pynn_scenarios.{f.stem}")
            for name, fn in inspect.getmembers(mod, inspect.isfunction):
                if name.startswith("test_") and fn.__module__ == mod.__name__:
                    found[f"{f.stem}::{name}"] = fn
        _SCENARIOS = found
    return _SCENARIOS


@pytest.fixture(scope="module")
def sim():
    import pyneuro.pynn as sim

    return sim


def _collect():
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="pynn-scenarios-"))
    return sorted(_scenarios(root).items())


try:
    _ALL = _collect()
    _ERROR = None
except Exception as e:  # the download or the import failed: one failing test says why
    _ALL = []
    _ERROR = e


def test_scenarios_were_fetched():
    assert _ERROR is None, f"could not fetch or import PyNN's scenarios: {_ERROR!r}"
    assert len(_ALL) >= 60


@pytest.mark.parametrize("name,fn", _ALL, ids=[n for n, _ in _ALL])
def test_pynn_scenario(name, fn, sim, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # some scenarios write files
    short = name.split("::")[1]
    warnings.simplefilter("ignore")
    if short in UNSUPPORTED:
        try:
            fn(sim)
        except NotImplementedError as e:
            pytest.skip(f"{UNSUPPORTED[short]} (refused: {str(e)[:120]})")
        raise AssertionError(f"{name} is listed as unsupported but ran without a NotImplementedError")
    fn(sim)


def test_unsupported_list_names_only_existing_scenarios():
    names = {n.split("::")[1] for n, _ in _ALL}
    assert set(UNSUPPORTED) <= names
