"""Checkpoint files: checksummed datasets, an exact format version, atomic saving."""

from __future__ import annotations

import json
import os

import h5py
import numpy as np
import pytest

import pyneuro as pn
from pyneuro import io


def _net() -> pn.Network:
    net = pn.Network(dt=0.1, seed=3, threads=1)
    a = net.add_population(pn.models.PoissonSource(rate=50.0), 20, name="a")
    b = net.add_population(pn.models.LIF(), 10, name="b")
    net.connect(a, b, pn.conn.FixedInDegree(5), weight=2.0, delay=1.5)
    net.record_spikes(b)
    net.run(20.0)
    return net


def _chunk_offset(path, name):
    with h5py.File(path, "r") as f:
        ds = f[name]
        assert ds.fletcher32, f"{name} carries no checksum"
        info = ds.id.get_chunk_info(0)
        return info.byte_offset, info.size


def test_every_array_dataset_carries_a_checksum(tmp_path):
    path = tmp_path / "c.h5"
    _net().save(path)
    with h5py.File(path, "r") as f:
        missing: list[str] = []

        def check(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.size and obj.ndim and not obj.fletcher32:
                missing.append(name)

        f.visititems(check)
    assert missing == []


def test_a_flipped_byte_inside_a_dataset_is_an_error_naming_it(tmp_path):
    path = tmp_path / "c.h5"
    _net().save(path)
    pn.Network.load(path)  # intact: loads
    off, size = _chunk_offset(path, "projections/0/weight")
    raw = bytearray(path.read_bytes())
    raw[off + size // 2] ^= 0x10  # one bit of one weight
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"projections/0/weight is corrupted"):
        pn.Network.load(path)


@pytest.mark.parametrize("value", [2.5, 3.0, np.float64(3.0), "3", True])
def test_format_version_must_be_an_exact_integer(tmp_path, value):
    path = tmp_path / "c.h5"
    _net().save(path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = value
    with pytest.raises(ValueError, match=r"format version .* must be an integer"):
        pn.Network.load(path)


def test_save_leaves_no_temporary_file(tmp_path):
    net = _net()
    net.save(tmp_path / "c.h5")
    net.run(5.0)
    net.save(tmp_path / "c.h5")  # over the previous one
    assert sorted(os.listdir(tmp_path)) == ["c.h5"]
    assert pn.Network.load(tmp_path / "c.h5").step == 250


def test_a_failed_save_keeps_the_previous_file_and_raises_oserror(tmp_path):
    path = tmp_path / "c.h5"
    net = _net()
    net.save(path)
    before = path.read_bytes()
    bad = io.Node(attrs={"format": io.FORMAT_NAME}, data={"x": np.array([object()], dtype=object)})  # unwritable
    with pytest.raises(OSError, match=r"could not write the checkpoint"):
        io.write(path, bad)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["c.h5"]
    with pytest.raises(OSError):
        net.save(tmp_path / "no-such-directory" / "c.h5")
    assert sorted(os.listdir(tmp_path)) == ["c.h5"]
    assert pn.Network.load(path).step == 200


@pytest.mark.parametrize(
    "attr, value, message",
    [
        ("target", 7, r"monitor target = 7 names no population \(the file has 2\)"),
        ("target", -1, r"monitor target = -1 names no population"),
        ("kind", "voltage", r"monitors/0: unknown recorder kind 'voltage'"),
    ],
)
def test_a_recorder_naming_nothing_is_refused(tmp_path, attr, value, message):
    path = tmp_path / "c.h5"
    _net().save(path)
    with h5py.File(path, "r+") as f:
        f["monitors/0"].attrs[attr] = value
    with pytest.raises(ValueError, match=message):
        pn.Network.load(path)


def test_an_input_spec_without_kind_loads_as_poisson(tmp_path):
    """Files written before inputs saved their kind: a spec without one is a Poisson input; the run continues as the
    original's."""
    net = _net()
    net.add_poisson_input(net.populations[1], n=100, rate=50.0, weight=300.0)
    path = tmp_path / "c.h5"
    net.save(path)
    with h5py.File(path, "r+") as f:
        spec = json.loads(f["inputs/0"].attrs["spec"])
        assert spec.pop("kind") == "poisson"
        f["inputs/0"].attrs["spec"] = json.dumps(spec)
    net2 = pn.Network.load(path)
    assert type(net2.inputs[0]).__name__ == "PoissonInput" and net2.inputs[0].rate == 50.0
    net.run(30.0)
    net2.run(30.0)
    np.testing.assert_array_equal(net2.monitors[0].times, net.monitors[0].times)
    np.testing.assert_array_equal(net2.monitors[0].indices, net.monitors[0].indices)
    assert net.monitors[0].count > 0
