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
- 4: every saved object writes and reads its own group, named by a ``kind`` attribute that picks its class from
  :data:`SECTIONS` (populations, projections, inputs, recorders, scheduled events); the events of the network's
  scheduler that it saves (pending lesions, neurogenesis epochs) are one group ``scheduled`` in the order they were
  scheduled, instead of ``lesions/pending`` and the populations' ``structural``, ``neuro_next`` and
  ``neuro_added`` attributes. Older files are converted on reading (:func:`upgrade`), so versions 1-3 load as
  before.

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

__all__ = [
    "Node",
    "Refs",
    "read",
    "write",
    "upgrade",
    "register",
    "loader",
    "SECTIONS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "READABLE_VERSIONS",
]

FORMAT_NAME = "pyneuro-checkpoint"
FORMAT_VERSION = 4
READABLE_VERSIONS = (1, 2, 3, 4)

#: The groups of saved objects, in the order they are written and read (an object refers only to objects of
#: earlier groups or earlier in its own), each with what its objects are called in messages.
SECTIONS: dict[str, str] = {
    "populations": "population",
    "projections": "projection",
    "inputs": "input",
    "monitors": "recorder",
    "scheduled": "scheduled event",
}

#: section -> kind -> class with ``load_from(net, node, refs)``; filled by :func:`register`
_KINDS: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}


def register(section: str, kind: str, cls: Any) -> None:
    """Make ``cls.load_from(net, node, refs)`` the reader of the groups of ``section`` whose ``kind`` is ``kind``
    (each saving class registers itself where it is defined)."""
    if section not in _KINDS:
        raise ValueError(f"section must be one of {sorted(_KINDS)}, got {section!r}")
    _KINDS[section][kind] = cls


def loader(section: str, k: int, node: Node) -> Any:
    """The class that reads group ``k`` of ``section`` (by its ``kind``); a ValueError naming the group if the kind
    is not known."""
    kind = str(node.attrs.get("kind"))
    known = _KINDS[section]
    if kind not in known:
        raise ValueError(f"checkpoint {section}/{k}: unknown {SECTIONS[section]} kind {kind!r}; known: {sorted(known)}")
    return known[kind]


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
    """What saved objects need from the network being saved or loaded: positions of its populations and projections
    (how they name each other in a file) and its compiled engine.

    Parameters
    ----------
    populations, projections : list
        The network's populations and projections, in order; read live (objects loaded earlier are found by later
        ones).
    engine : _core.Engine, optional
        The network's compiled engine (for the objects that are built by it directly).
    """

    def __init__(self, populations: Any, projections: Any, engine: Any = None) -> None:
        self.populations = populations
        self.projections = projections
        self.engine = engine
        self._index: dict[int, int] = {}
        self._sizes = (-1, -1)

    def index(self, obj: Any) -> int:
        """The position of a population or projection of the network."""
        sizes = (len(self.populations), len(self.projections))
        if sizes != self._sizes:  # objects were added (while loading): index again
            self._index = {id(x): k for k, x in enumerate(self.populations)}
            self._index.update({id(x): k for k, x in enumerate(self.projections)})
            self._sizes = sizes
        if id(obj) not in self._index:
            raise KeyError(f"{obj!r} is not part of the network")
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
        return upgrade(_read_node(f), version)


def upgrade(root: Node, version: int) -> Node:
    """The tree of a file of format ``version`` in the current format's layout (versions 1-3 had no ``kind`` on
    populations, projections and inputs, pending lesions in ``lesions/pending`` and neurogenesis epochs as
    attributes of their populations); the numbers are unchanged, so the network continues as it would have."""
    import json

    if version >= 4:
        return root
    # 1 -> 2 -> 3 added groups and attributes whose absence means "none" or the old default: nothing to convert
    for name, kind in (("populations", "population"), ("projections", "projection")):
        for node in root.children.get(name, Node()).children.values():
            node.attrs.setdefault("kind", kind)
    for node in root.children.get("inputs", Node()).children.values():
        node.attrs.setdefault("kind", str(json.loads(node.attrs["spec"]).get("kind", "poisson")))
    scheduled = root.child("scheduled")
    for k in range(len(root.children.get("populations", Node()).children)):
        gp = root.children["populations"].children[str(k)]
        if "structural" not in gp.attrs:
            continue
        rules = json.loads(gp.attrs.pop("structural"))
        steps = json.loads(gp.attrs.pop("neuro_next"))
        added = {int(i): int(n) for i, n in json.loads(gp.attrs.pop("neuro_added")).items()}
        for j, (spec, step) in enumerate(zip(rules, steps)):
            scheduled.child(str(len(scheduled.children))).attrs.update(
                kind="neurogenesis", population=k, rule=json.dumps(spec), next_step=int(step), added=added.get(j, 0)
            )
    lesions = root.children.get("lesions")
    if lesions is not None and "pending" in lesions.children:
        pending = lesions.children.pop("pending")
        for k in range(len(pending.children)):
            node = pending.children[str(k)]
            node.attrs.setdefault("kind", "lesion")
            scheduled.children[str(len(scheduled.children))] = node
    root.attrs["format_version"] = FORMAT_VERSION
    return root
