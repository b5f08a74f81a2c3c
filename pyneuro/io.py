"""Checkpoint files (HDF5): an in-memory tree of groups that :meth:`Network.save` fills and :meth:`Network.load`
reads, and the file operations on it.

A checkpoint holds the network's structure (populations with their model parameters; projections as canonical
synapse arrays with their rules; recorders) and its complete dynamic state (neuron state, refractory counters,
trace histories, spikes in flight, Poisson sources' next spikes, the clock, the divergence-check counters and
the data recorded so far). Loading rebuilds the network and continues bit for bit as the original would.

Format versions: files carry ``format_version``; this module reads every version listed in
``READABLE_VERSIONS`` and refuses others with a message naming the version.

- 1: the engine's first format.
- 2: adds plasticity-rule state (eligibility columns, modulators), schedules, neuron rules, positions, structural
  rules with their state and log, lesions (applied and pending), grown populations and maturation. Version-1 files
  load unchanged (what they lack is absent), so a version-2 file is refused by a reader of version 1 only, which
  would otherwise ignore its lesions and rules.
- 3: adds the time convention (attribute ``time_convention``, "pyneuro" when absent) and Poisson inputs (group
  ``inputs``); version-1 and -2 files load unchanged.

Integrity: every dataset is written with HDF5's Fletcher-32 checksum filter, so a changed byte inside a dataset is
a ValueError naming the dataset when the file is read (files written before the filter carry none and load as
before). ``format_version`` must be an integer of a readable version (2.5 is refused, not read as 2). Saving is
atomic: the tree is written to a temporary file in the target's directory, flushed to disk (fsync) and renamed
over the target, so a failed save leaves the previous file as it was and no temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Node", "Refs", "read", "write", "FORMAT_NAME", "FORMAT_VERSION", "READABLE_VERSIONS"]

FORMAT_NAME = "pyneuro-checkpoint"
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)


@dataclass
class Node:
    """A group of a checkpoint: attributes, datasets (with their own attributes) and child groups."""

    attrs: dict[str, Any] = field(default_factory=dict)
    data: dict[str, np.ndarray] = field(default_factory=dict)
    data_attrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: dict[str, Node] = field(default_factory=dict)

    def child(self, name: str) -> Node:
        """The child group ``name``, created if absent."""
        if name not in self.children:
            self.children[name] = Node()
        return self.children[name]

    def flat(self) -> dict[str, np.ndarray]:
        """Every dataset of the subtree by its path relative to this group ("a/b/c")."""
        out = dict(self.data)
        for name, c in self.children.items():
            out.update({f"{name}/{k}": v for k, v in c.flat().items()})
        return out


class Refs:
    """How saved objects name the populations and projections they refer to: by position in the network.

    Parameters
    ----------
    populations, projections : sequence
        The network's populations and projections, in order.
    """

    def __init__(self, populations: Any, projections: Any) -> None:
        self.populations = list(populations)
        self.projections = list(projections)
        self._index = {id(x): k for k, x in enumerate(self.populations)}
        self._index.update({id(x): k for k, x in enumerate(self.projections)})

    def index(self, obj: Any) -> int:
        """The position of a population or projection of the network."""
        return self._index[id(obj)]

    def population(self, k: Any, where: str) -> Any:
        """Population ``k``; a ValueError naming ``where`` (the attribute read) if there is none."""
        return self._pick(self.populations, "population", k, where)

    def projection(self, k: Any, where: str) -> Any:
        """Projection ``k``; a ValueError naming ``where`` (the attribute read) if there is none."""
        return self._pick(self.projections, "projection", k, where)

    @staticmethod
    def _pick(items: list[Any], what: str, k: Any, where: str) -> Any:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or not 0 <= int(k) < len(items):
            shown = int(k) if isinstance(k, np.integer) else repr(k)
            raise ValueError(f"checkpoint {where} = {shown} names no {what} (the file has {len(items)})")
        return items[int(k)]


def _h5py() -> Any:
    import h5py

    return h5py


def _write_node(group: Any, node: Node) -> None:
    for k, v in node.attrs.items():
        group.attrs[k] = v
    for k, arr in node.data.items():
        arr = np.asarray(arr)
        # the checksum filter needs a chunked layout, which a scalar or empty dataset cannot have
        ds = group.create_dataset(k, data=arr, fletcher32=arr.ndim > 0 and arr.size > 0)
        for a, v in node.data_attrs.get(k, {}).items():
            ds.attrs[a] = v
    for k, c in node.children.items():
        _write_node(group.create_group(k), c)


def write(path: str | Path, root: Node) -> None:
    """Write the tree ``root`` to ``path`` atomically: a temporary file in the same directory, written, flushed to
    disk (fsync) and renamed over ``path``. On any failure the temporary file is removed, a previous file at
    ``path`` is left as it was, and an OSError is raised (the original error as its cause)."""
    h5py = _h5py()
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        with h5py.File(tmp, "w") as f:
            _write_node(f, root)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError) or not isinstance(e, Exception):
            raise
        raise OSError(f"could not write the checkpoint {path}: {e}") from e
    try:  # the rename itself durable where the platform allows it
        dfd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _read_node(group: Any) -> Node:
    node = Node(attrs=dict(group.attrs))
    for k, obj in group.items():
        if hasattr(obj, "shape"):
            try:
                node.data[k] = np.asarray(obj[()])
            except OSError as e:  # e.g. the Fletcher-32 checksum does not match: a changed byte
                raise ValueError(
                    f"checkpoint dataset {obj.name} is corrupted (its checksum does not match): {e}"
                ) from None
            if len(obj.attrs):
                node.data_attrs[k] = dict(obj.attrs)
        else:
            node.children[k] = _read_node(obj)
    return node


def read(path: str | Path) -> Node:
    """The tree of the checkpoint at ``path``, after checking that it is one and of a readable version."""
    h5py = _h5py()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        return _read_checked(h5py, path)
    except (OSError, RuntimeError, KeyError, AttributeError) as e:
        # h5py's errors for a damaged file (truncated, a corrupted superblock, header or link): one clear refusal
        raise ValueError(f"{path} is not a readable pyneuro checkpoint: the file is damaged ({e})") from e


def _read_checked(h5py: Any, path: Path) -> Node:
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != FORMAT_NAME:
            raise ValueError(f"{path} is not a pyneuro checkpoint")
        raw = f.attrs.get("format_version")
        if isinstance(raw, np.ndarray) and raw.shape == ():
            raw = raw[()]
        if isinstance(raw, (bool, np.bool_)) or not isinstance(raw, (int, np.integer)):
            raise ValueError(
                f"{path} has checkpoint format version {raw!r} ({type(raw).__name__}); it must be an integer, one of "
                f"{READABLE_VERSIONS}"
            )
        version = int(raw)
        if version not in READABLE_VERSIONS:
            raise ValueError(
                f"{path} has checkpoint format version {version}; this pyneuro reads versions {READABLE_VERSIONS}"
            )
        return _read_node(f)
