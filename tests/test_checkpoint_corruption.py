"""Corrupted checkpoints: every changed array or attribute is refused with a ValueError/TypeError that names the
dataset or attribute and the allowed range, never a crash (each load runs in a worker process, tests/sandbox.py),
and a network already loaded in the process is left exactly as it was (it continues as a fresh load does).

The checkpoint is a real one: a network with Poisson sources, heterogeneous delays, STDP and every recorder, saved
with spikes in flight. Its first projection, 'in', joins 200 sources to 160 neurons.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox import Sandbox
from workloads import poisson_delay_net

import pyneuro as pn

PROJ = "projections/0"  # 'in': 200 PoissonSource neurons -> 160 LIFCond neurons, delays 0.5-4.7 ms


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(timeout=120.0)
    yield box
    box.close()


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    net, _ = poisson_delay_net(threads=2)
    net.run(20.0)
    path = tmp_path_factory.mktemp("ckpt") / "good.h5"
    net.save(path)
    with h5py.File(path, "r") as f:  # what the expected messages below assume
        assert f[PROJ].attrs["name"] == "in"
        assert net.projections[0].source.size == 200 and net.projections[0].target.size == 160
    return path


def _replace(f: h5py.File, key: str, change: Callable[[np.ndarray], np.ndarray]) -> None:
    data = change(np.asarray(f[key][()]))
    del f[key]
    f.create_dataset(key, data=data)


def _set(a: np.ndarray, k: int, value: Any, dtype: Any = None) -> np.ndarray:
    a = a.astype(dtype if dtype is not None else a.dtype)
    a[k] = value
    return a


# (id, dataset, change, exception type, fragments the message must hold: the dataset and the allowed range)
DATASETS: list[tuple[str, str, Callable[[np.ndarray], np.ndarray], type, tuple[str, ...]]] = [
    ("pre-out-of-range", "pre", lambda a: _set(a, 3, 10**6), ValueError, ("'in'", "pre[3] = 1000000", "[0, 199]")),
    ("pre-negative", "pre", lambda a: _set(a, 3, -1, np.int64), ValueError, ("'in'", "pre[3] = -1", "[0, 199]")),
    # 2**32 + 5 would wrap around to 5 in a 32-bit index
    ("pre-wraps", "pre", lambda a: _set(a, 3, 2**32 + 5, np.int64), ValueError, ("pre[3] = 4294967301", "[0, 199]")),
    ("pre-float", "pre", lambda a: a.astype(np.float64) + 0.5, TypeError, ("pre", "integers", "float64")),
    ("pre-2d", "pre", lambda a: np.stack([a, a]), ValueError, ("pre", "one-dimensional")),
    ("post-out-of-range", "post", lambda a: _set(a, 3, 10**6), ValueError, ("'in'", "post[3] = 1000000", "[0, 159]")),
    ("post-at-size", "post", lambda a: _set(a, 0, 160), ValueError, ("post[0] = 160", "[0, 159]")),
    ("weight-short", "weight", lambda a: a[:-5], ValueError, ("'in'", "equal lengths", "weight")),
    ("pre-short", "pre", lambda a: a[:-1], ValueError, ("equal lengths", "pre")),
    ("post-long", "post", lambda a: np.append(a, a[:1]), ValueError, ("equal lengths", "post")),
    ("delay-zero", "delay_steps", lambda a: _set(a, 3, 0), ValueError, ("'in'", "delay_steps[3] = 0", "[1, 65535]")),
    (
        "delay-2**31",
        "delay_steps",
        lambda a: _set(a, 3, 2**31, np.int64),
        ValueError,
        ("delay_steps[3] = 2147483648", "[1, 65535]"),
    ),
    (
        "delay-wraps",
        "delay_steps",
        lambda a: _set(a, 3, 2**32 + 2, np.int64),
        ValueError,
        ("delay_steps[3] = 4294967298", "4294967295"),
    ),
    ("weight-nan", "weight", lambda a: _set(a, 3, np.nan), ValueError, ("'in'", "weight[3] = nan", "finite")),
    ("weight-inf", "weight", lambda a: _set(a, 7, -np.inf), ValueError, ("weight[7] = -inf", "finite")),
    ("weight-overflows-float32", "weight", lambda a: _set(a, 2, 1e39, np.float64), ValueError, ("weight[2]", "finite")),
    ("weight-text", "weight", lambda a: np.array([b"x"] * a.size), TypeError, ("weight", "real numbers")),
]


@pytest.mark.parametrize("case", DATASETS, ids=[c[0] for c in DATASETS])
def test_corrupted_synapse_array(sandbox, good, tmp_path, case):
    _, name, change, exc, fragments = case
    bad = tmp_path / "bad.h5"
    shutil.copy(good, bad)
    with h5py.File(bad, "r+") as f:
        _replace(f, f"{PROJ}/{name}", change)
    out = sandbox.call("checkpoint_load_case", str(good), str(bad))
    assert out.startswith(f"refused: {exc.__name__}: "), out
    for frag in fragments:
        assert frag in out, (frag, out)


# (id, attribute path, value, fragments)
ATTRIBUTES: list[tuple[str, str, Any, tuple[str, ...]]] = [
    ("check_every-zero", "/", ("check_every", 0), ("check_every = 0", "[1, ")),
    ("check_every-negative", "/", ("check_every", -5), ("check_every = -5", "[1, ")),
    ("max_delay_steps-beyond-limit", PROJ, ("max_delay_steps", 2**20), ("max_delay_steps = 1048576", "[0, 65535]")),
]


@pytest.mark.parametrize("case", ATTRIBUTES, ids=[c[0] for c in ATTRIBUTES])
def test_corrupted_attribute(sandbox, good, tmp_path, case):
    _, where, (attr, value), fragments = case
    bad = tmp_path / "bad.h5"
    shutil.copy(good, bad)
    with h5py.File(bad, "r+") as f:
        f[where].attrs[attr] = value
    out = sandbox.call("checkpoint_load_case", str(good), str(bad))
    assert out.startswith("refused: ValueError: "), out
    for frag in fragments:
        assert frag in out, (frag, out)


def test_intact_copy_loads(sandbox, good, tmp_path):
    """The harness itself: an unchanged copy is accepted (so the refusals above come from the changes)."""
    bad = tmp_path / "same.h5"
    shutil.copy(good, bad)
    assert sandbox.call("checkpoint_load_case", str(good), str(bad)) == "accepted"


def test_check_every_refused_on_a_live_engine():
    """The divergence-check window is refused below one step on the engine itself (a zero would divide by zero
    in the step loop), and the engine keeps its value."""
    net = pn.Network(dt=0.1)
    keep = net._engine.check_every
    for bad in (0, -1, -(2**40)):
        with pytest.raises(ValueError, match=rf"check_every = {bad} steps is outside \[1, "):
            net._engine.check_every = bad
        assert net._engine.check_every == keep
    net._engine.check_every = 7
    assert net._engine.check_every == 7


def _find(f: h5py.File, suffix: str) -> str:
    """The first non-empty dataset whose path ends with ``suffix``."""
    found: list[str] = []
    f.visititems(
        lambda n, o: found.append(n) if isinstance(o, h5py.Dataset) and n.endswith(suffix) and o.size else None
    )
    assert found, f"no dataset ending in {suffix}"
    return sorted(found)[0]


def test_flipped_byte_is_refused_naming_the_dataset(sandbox, good, tmp_path):
    """Every dataset carries a Fletcher-32 checksum: one flipped byte inside the weights is a ValueError naming them."""
    bad = tmp_path / "flip.h5"
    shutil.copy(good, bad)
    with h5py.File(bad, "r") as f:
        ds = f[f"{PROJ}/weight"]
        offset = ds.id.get_chunk_info(0).byte_offset
    with open(bad, "r+b") as fh:
        fh.seek(offset + 5)
        byte = fh.read(1)[0]
        fh.seek(offset + 5)
        fh.write(bytes([byte ^ 0x10]))
    out = sandbox.call("checkpoint_load_case", str(good), str(bad))
    assert out.startswith("refused: ValueError: "), out
    assert f"{PROJ}/weight" in out and "checksum" in out, out


@pytest.mark.parametrize("version", [2.5, 5, -1])
def test_format_version_must_be_exact(sandbox, good, tmp_path, version):
    bad = tmp_path / "version.h5"
    shutil.copy(good, bad)
    with h5py.File(bad, "r+") as f:
        f.attrs["format_version"] = version
    out = sandbox.call("checkpoint_load_case", str(good), str(bad))
    assert out.startswith("refused: ValueError: "), out
    assert "version" in out and str(version) in out, out


# state datasets whose corruption crashed the process before they were checked (found by changing each one)
# (dataset suffix, change, what the message must name); a negative clock is caught by the spikes in flight, whose
# steps must lie in [0, now - 1]
STATE = [
    ("ring_ids", lambda a: a[:-1], "ring_ids"),
    ("ring_counts", lambda a: a[:-1], "ring_counts"),
    ("ring_ids", lambda a: _set(a, 0, np.iinfo(a.dtype).max), "ring_ids"),
    ("meta", lambda a: _set(a, a.size // 2, np.iinfo(a.dtype).max), "meta"),
    ("now", lambda a: _set(a, 0, -7), "ring_steps': values must lie in [0, -8]"),
]


STATE_IDS = ["ring_ids-short", "ring_counts-short", "ring_ids-huge", "meta-huge", "now"]


@pytest.mark.parametrize("case", STATE, ids=STATE_IDS)
def test_corrupted_state_is_refused_naming_the_dataset(sandbox, good, tmp_path, case):
    suffix, change, named = case
    bad = tmp_path / "state.h5"
    shutil.copy(good, bad)
    with h5py.File(bad, "r+") as f:
        key = _find(f, suffix)
        _replace(f, key, change)
    out = sandbox.call("checkpoint_load_case", str(good), str(bad))
    assert out.startswith("refused: ValueError: "), out
    assert named in out, (key, out)


MUTATIONS = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0.0, 1.0, exclude_max=True), st.just(0)),
    st.tuples(st.just("flip"), st.floats(0.0, 1.0, exclude_max=True), st.integers(0, 7)),
    st.tuples(st.just("overwrite"), st.floats(0.0, 1.0, exclude_max=True), st.integers(0, 2**32 - 1)),
)


def test_mutated_files_are_refused_or_run(sandbox, good, tmp_path):
    """Generated damage anywhere in the file (hypothesis, derandomized): truncation at any length, one bit flipped,
    eight bytes overwritten; each load is a ValueError/TypeError or a network that runs, never a crash (the worker
    process would die), a hang or another exception. Both outcomes must occur."""
    data = good.read_bytes()
    outcomes: list[str] = []

    @settings(max_examples=40, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
    @given(MUTATIONS)
    def one(m: tuple[str, float, int]) -> None:
        kind, where, arg = m
        k = int(where * len(data))
        b = bytearray(data)
        if kind == "truncate":
            b = b[:k]
        elif kind == "flip":
            b[k] ^= 1 << arg
        else:
            b[k : k + 8] = np.random.default_rng(arg).integers(0, 256, 8, dtype=np.uint8).tobytes()[: len(b) - k]
        bad = tmp_path / "mutated.h5"
        bad.write_bytes(bytes(b))
        outcomes.append(sandbox.call("checkpoint_mutation_case", str(good), str(bad)))

    one()
    assert any(o.startswith("refused") for o in outcomes), outcomes
    assert any(o == "accepted" for o in outcomes), outcomes
