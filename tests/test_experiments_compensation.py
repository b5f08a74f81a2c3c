"""Neural compensation after injury: the somatosensory map of remapping/skill_learning is partly deafferented,
loses decoding accuracy and recovers it through sprouting, homeostasis and STDP remapping; each mechanism
switched off in turn, all off, and each alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from pyneuro.experiments import EXPERIMENTS, compensation
from pyneuro.experiments import somatosensory_map as sm
from pyneuro.experiments.compensation import CONDITIONS, PARAMETERS

# the default run is small enough (about 10 s on one core) to be the test's run
REDUCED: dict[str, float] = {}
TINY = {"n_develop": 40, "n_refine": 40, "n_after": 40, "n_blocks": 2, "measure_blocks": 1, "n_probe": 3, "n_fit": 3}


@pytest.fixture(scope="module")
def res():
    return compensation(draw=False, **REDUCED)


def _restored(res) -> dict[str, float]:
    return dict(zip(res["conditions"], res["restored_fraction"]))


def _index(res) -> dict[str, int]:
    return {nm: k for k, nm in enumerate(res["conditions"])}


def test_lesion_drops_performance(res):
    # the intact map is read out perfectly by the fixed decoder, the lesion costs a clear margin of accuracy ...
    assert res["perf_before"] >= 0.95
    assert res["perf_after"] <= res["perf_before"] - 0.15
    # ... on the lesioned digits' trials, which fall to chance between the two of them or below
    assert res["deaff_perf_before"] >= 0.95
    assert res["deaff_perf_after"] <= 0.55
    # the lesioned digits' territories vanish, the others stay; the zone falls silent, loses its own drive
    les = res["lesioned_digits"] - 1
    np.testing.assert_array_equal(les, [1, 2])
    assert np.all(res["territory_before"][les] >= 15)
    assert np.all(res["territory_just_after"][les] <= 2)
    other = np.setdiff1d(np.arange(5), les)
    assert np.all(np.abs(res["territory_just_after"][other] - res["territory_before"][other]) <= 3)
    assert res["rate_zone_after"] < 0.1 * res["rate_zone_before"]
    assert res["drive_zone_after"] < 0.2 * res["drive_zone_before"]
    assert res["indeg_zone_after"] < 0.7 * res["indeg_zone_before"]
    # the information is lost too, not only relabelled: a refitted decoder confuses the two digits as well
    assert res["info_before"] >= 0.95
    assert res["info_after"] <= 0.85


def test_all_mechanisms_recover_none_does_not(res):
    r, i = _restored(res), _index(res)
    assert r["all"] > 0.5
    assert abs(r["none"]) < 0.2
    # (0.85 and 0.73 at seed 0: weaker than on the earlier map, whose initial arbor was already topographic and
    # where these were asserted >= 0.88 and >= 0.8)
    assert res["perf_recovered"][i["all"]] >= 0.8
    assert res["deaff_perf_recovered"][i["all"]] >= 0.65
    assert res["info_recovered"][i["all"]] >= 0.95
    # the lesioned digits get territory back with all mechanisms, none without any
    les = res["lesioned_digits"] - 1
    assert res["territory_recovered"][i["all"]][les].sum() >= 0.3 * res["territory_before"][les].sum()
    np.testing.assert_array_equal(res["territory_recovered"][i["none"]], res["territory_just_after"])
    # without a lesion the same plasticity leaves the map's performance where it was
    assert res["perf_sham"] >= 0.95


def test_which_mechanisms_recovery_needs(res):
    r, i = _restored(res), _index(res)
    # sprouting and STDP are each necessary, and together enough; homeostasis is not necessary
    assert r["no_sprouting"] < 0.2
    assert r["no_remapping"] < 0.3
    assert r["no_homeostasis"] > 0.5
    np.testing.assert_array_equal(res["necessary"], [1, 0, 1])
    # no mechanism alone restores anything; homeostasis alone makes it worse (the neighbours take the zone over)
    assert r["sprouting_only"] < 0.15
    assert r["remapping_only"] < 0.15
    assert r["homeostasis_only"] < -0.2  # -0.28 at seed 0 (-1.05 on the earlier map, asserted < -0.3)
    np.testing.assert_array_equal(res["sufficient"], [0, 0, 0])
    les = res["lesioned_digits"] - 1
    neigh = [les.min() - 1, les.max() + 1]
    gain = res["territory_recovered"][i["homeostasis_only"]][neigh] - res["territory_before"][neigh]
    assert np.all(gain >= 10)


def test_mechanisms_act_as_described(res):
    mech, i = res["mechanisms"], _index(res)
    indeg, drive = res["indeg_zone_recovered"], res["drive_zone_recovered"]
    gap = res["indeg_zone_before"] - res["indeg_zone_after"]
    for name, k in i.items():
        if mech[k, 0]:  # sprouting rebuilds most of the in-degree of the deafferented zone
            assert indeg[k] > res["indeg_zone_after"] + 0.7 * gap, name
        else:
            assert indeg[k] == pytest.approx(res["indeg_zone_after"]), name
    # without synaptic rules the sprouted synapses stay weak; STDP makes them strong
    assert drive[i["none"]] == pytest.approx(res["drive_zone_after"])
    assert drive[i["sprouting_only"]] < 0.3 * res["drive_zone_before"]
    assert drive[i["no_homeostasis"]] > 0.5 * res["drive_zone_before"]
    assert res["rate_zone_recovered"][i["no_homeostasis"]] > 0.4 * res["rate_zone_before"]
    assert res["rate_zone_recovered"][i["sprouting_only"]] < 0.1 * res["rate_zone_before"]


def test_numbers_shapes(res):
    n_c = len(CONDITIONS)
    d, n_e = int(res.params["n_digits"]), int(res.params["n_exc"])
    assert list(res["conditions"]) == list(CONDITIONS)
    assert res["mechanisms"].shape == (n_c, 3)
    for key in ("perf_recovered", "restored_fraction", "deaff_perf_recovered", "info_recovered"):
        assert res[key].shape == (n_c,), key
        assert np.all(np.isfinite(res[key])), key
    for key in ("rate_zone_recovered", "indeg_zone_recovered", "drive_zone_recovered"):
        assert res[key].shape == (n_c,), key
    assert res["perf_blocks"].shape == (n_c, int(res.params["n_blocks"]))
    assert res["t_blocks_s"].shape == (int(res.params["n_blocks"]),)
    assert res["territory_recovered"].shape == (n_c, d)
    assert res["pref_recovered"].shape == (n_c, n_e)
    for key in ("territory_before", "territory_just_after", "territory_sham"):
        assert res[key].shape == (d,), key
    for key in ("resp_before", "resp_after", "resp_recovered"):
        assert res[key].shape == (n_e, d), key
    assert res["x_exc"].shape == (n_e,)
    assert res["n_lesioned_inputs"] == 2 * round(0.9 * res.params["m"])
    assert res["synapses_removed"] > 0
    for key in ("perf_before", "perf_after", "perf_sham", "zone_size"):
        assert np.ndim(res[key]) == 0
    assert 0.0 <= np.min(res["perf_blocks"]) and np.max(res["perf_blocks"]) <= 1.0
    assert "necessary" in res.summary and "all" in res.summary and "territories" in res.summary


def test_uses_the_map_of_remapping(res):
    # the developed map is the one remapping reports (same model, same probe, same seed)
    dev = sm.develop_map(sm.PARAMETERS.check("remapping", {}), 1.0, 0, 1)
    np.testing.assert_array_equal(sm.territories(dev["resp"], 5.0)[1], res["territory_before"])


def test_thread_independent():
    a = compensation(scale=0.5, draw=False, threads=1, **TINY)
    b = compensation(scale=0.5, draw=False, threads=2, **TINY)
    for key, v in a.numbers.items():
        np.testing.assert_array_equal(np.asarray(v), np.asarray(b[key]), err_msg=key)


def test_registry_and_saved_files(tmp_path):
    fn = EXPERIMENTS["compensation"]
    assert fn is compensation
    assert set(fn.sweep_parameters) == set(PARAMETERS)
    res = fn(scale=0.5, out=tmp_path, **TINY)
    assert (tmp_path / "compensation.png").stat().st_size > 0
    doc = json.loads((tmp_path / "compensation.json").read_text())
    assert doc["name"] == "compensation"
    assert doc["numbers"]["conditions"] == list(CONDITIONS)
    np.testing.assert_allclose(doc["numbers"]["perf_blocks"], res["perf_blocks"])
    assert doc["params"]["n_after"] == 40


def test_cli(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "pyneuro", "experiment", "compensation", "--out", str(tmp_path), "--scale", "0.5"]
    for k, v in TINY.items():
        cmd += ["--set", f"{k}={v}"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "accuracy" in proc.stdout and "perf_before" in proc.stdout
    assert (tmp_path / "compensation.png").exists() and (tmp_path / "compensation.json").exists()


@pytest.mark.parametrize(
    "kw, exc, word",
    [
        ({"bogus": 1}, TypeError, "bogus"),
        ({"lesion_fraction": 1.5}, ValueError, "lesion_fraction"),
        ({"lesion_fraction": 0.0}, ValueError, "lesion_fraction"),
        ({"digit": 5, "lesion_count": 2}, ValueError, "digit"),
        ({"digit": 0}, ValueError, "digit"),
        ({"n_blocks": 2, "measure_blocks": 3}, ValueError, "measure_blocks"),
        ({"n_fit": 1}, ValueError, "n_fit"),
        ({"sprout_weight": -0.1}, ValueError, "sprout_weight"),
        ({"ip_target": -1.0}, ValueError, "ip_target"),
    ],
)
def test_bad_arguments(kw, exc, word):
    with pytest.raises(exc, match=word):
        compensation(draw=False, **kw)


def test_bad_common_arguments():
    with pytest.raises(ValueError, match="scale"):
        compensation(scale=0.0, draw=False)
    with pytest.raises(TypeError, match="draw"):
        compensation(draw=1)
