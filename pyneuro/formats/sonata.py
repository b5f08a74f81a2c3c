"""Networks and spikes in SONATA (Dai et al. 2020, PLoS Comput Biol 16: e1007696), the format of BMTK, NEST's
SONATA reader, NetPyNE and the Blue Brain tools.

Layout written by :func:`write_sonata` (all paths relative to the chosen directory)::

    simulation_config.json      run (dt), inputs (spike files of SpikeGenerator populations), pyneuro (seed, order)
    circuit_config.json         networks: nodes and edges files with their type tables; components directories
    network/nodes.h5            /nodes/<population>/{node_id, node_type_id, node_group_id, node_group_index}
                                /nodes/<population>/0/{x, y, z}           positions, if the population has them
                                /nodes/<population>/0/dynamics_params/<v> per-neuron state (v, g_ex, rate, ...)
    network/node_types.csv      node_type_id model_type model_template pop_name dynamics_params  (space-separated)
    network/edges.h5            /edges/<projection>/{source_node_id, target_node_id, edge_type_id, edge_group_id,
                                edge_group_index}, /edges/<projection>/0/{syn_weight, delay}, and the
                                indices/{source_to_target, target_to_source} lookup tables
    network/edge_types.csv      edge_type_id model_template receptor dynamics_params
    components/point_neuron_models/<population>.json   the model's parameters (pyneuro names = NEST names)
    components/synaptic_models/<projection>.json       the projection's plasticity rules
    inputs/<population>_spikes.h5                      the given spikes of a SpikeGenerator population

Conventions. One SONATA node population per pyneuro population (model template ``pyneuro:<Model>``, model type
``point_neuron``; a ``SpikeGenerator`` is a ``virtual`` population whose spikes are an input file), one edge
population per projection (model template ``static_synapse`` or ``pyneuro:<Rule>+...``). Units are NEST's and
pyneuro's: ms, mV, pA, nS. ``syn_weight`` carries the sign of its receptor (negative for ``"inh"``), as NEST and
BMTK's PointNet read it; the ``receptor`` column states it explicitly. Edges are written in pyneuro's canonical
order, so a network read back is the same network: same synapses in the same order, same state, seed and
population order, and therefore the same spikes.

Reading (:func:`read_sonata`) also accepts circuits written by other tools: ``nest:iaf_psc_exp``,
``nest:iaf_cond_exp``, ``nest:izhikevich``, ``nest:aeif_cond_exp`` and ``nest:parrot_neuron`` templates and
``virtual`` nodes (spike sources fed from SONATA spike files); node types of one population with different models
or parameters become separate pyneuro populations; ``nsyns`` multiplies ``syn_weight`` (as in BMTK's PointNet);
edge attributes come from the per-edge datasets, else from the edge type table.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..monitors import SpikeMonitor
    from ..network import Network
    from ..population import Population

__all__ = [
    "SonataCircuit",
    "write_sonata",
    "read_sonata",
    "write_sonata_spikes",
    "read_sonata_spikes",
    "NEST_TEMPLATES",
]

#: SONATA file magic (the spec's "magic" attribute) and the version written
_MAGIC = 0x0A7A
_VERSION = (0, 1)

#: NEST model templates (``nest:<model>``) read as pyneuro models
NEST_TEMPLATES = {
    "iaf_psc_exp": "LIF",
    "iaf_cond_exp": "LIFCond",
    "izhikevich": "Izhikevich",
    "aeif_cond_exp": "AdEx",
    "parrot_neuron": "SpikeGenerator",
}

#: NEST state-variable names accepted as initial values in dynamics parameters
_NEST_STATE = {"V_m": "v", "U_m": "u", "g_ex": "g_ex", "g_in": "g_in", "w": "w", "I_syn_ex": "I_ex", "I_syn_in": "I_in"}


def _h5py() -> Any:
    import h5py

    return h5py


def _check_name(what: str, name: str) -> str:
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"{what} name {name!r} cannot be a SONATA population name (it must be non-empty, without '/')")
    return name


def _file_stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"cannot write {type(x).__name__} to JSON")


def _write_table(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter=" ", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["NULL" if v is None else v for v in r])


def _read_table(path: Path) -> list[dict[str, Any]]:
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter=" ", skipinitialspace=True))
    rows = [r for r in rows if r]
    if not rows:
        return []
    header = rows[0]
    out = []
    for r in rows[1:]:
        if len(r) != len(header):
            raise ValueError(f"{path}: a row has {len(r)} columns, the header {len(header)}: {r}")
        d: dict[str, Any] = {}
        for k, v in zip(header, r):
            if v in ("NULL", "NONE", "None", ""):
                d[k] = None
                continue
            try:
                d[k] = int(v)
            except ValueError:
                try:
                    d[k] = float(v)
                except ValueError:
                    d[k] = v
        out.append(d)
    return out


def _index_ranges(ids: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """SONATA lookup tables for one direction: node_id_to_ranges (n_nodes, 2) and range_to_edge_id (m, 2)."""
    order = np.argsort(ids, kind="stable")
    sid = ids[order]
    if order.size == 0:
        return np.zeros((n_nodes, 2), np.uint64), np.zeros((0, 2), np.uint64)
    brk = np.flatnonzero((np.diff(sid) != 0) | (np.diff(order) != 1)) + 1
    starts = np.concatenate([[0], brk])
    ends = np.concatenate([brk, [order.size]])
    r2e = np.stack([order[starts], order[ends - 1] + 1], axis=1).astype(np.uint64)
    range_node = sid[starts]
    n2r = np.zeros((n_nodes, 2), np.uint64)
    first = np.searchsorted(range_node, np.arange(n_nodes), side="left")
    last = np.searchsorted(range_node, np.arange(n_nodes), side="right")
    has = last > first
    n2r[has, 0] = first[has]
    n2r[has, 1] = last[has]
    return n2r, r2e


# ---------------------------------------------------------------------------------------------------------------
# spikes
# ---------------------------------------------------------------------------------------------------------------
def write_sonata_spikes(
    path: str | Path,
    spikes: SpikeMonitor | Sequence[SpikeMonitor] | dict[str, tuple[Any, Any]],
    sorting: str = "by_time",
) -> Path:
    """Write spikes to a SONATA spike file (``/spikes/<population>/timestamps`` in ms and ``node_ids``).

    Parameters
    ----------
    path : str or Path
        The HDF5 file to write (overwritten).
    spikes : SpikeMonitor, list of SpikeMonitor, or dict
        Recorders (each names its population; the node ids are the neuron indices), or ``{population: (times_ms,
        node_ids)}``. Two recorders of one population are merged (spikes recorded twice are kept once).
    sorting : {"by_time", "by_id", "none"}
        Order of the spikes in the file, stated in the population's ``sorting`` attribute.

    Returns
    -------
    Path
        The file written.
    """
    from ..monitors import SpikeMonitor

    if sorting not in ("by_time", "by_id", "none"):
        raise ValueError(f"sorting must be one of ('by_time', 'by_id', 'none'), got {sorting!r}")
    data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if isinstance(spikes, SpikeMonitor):
        spikes = [spikes]
    if isinstance(spikes, dict):
        for name, pair in spikes.items():
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"spikes[{name!r}] must be a pair (times_ms, node_ids), got {type(pair).__name__}")
            t = np.asarray(pair[0], dtype=np.float64).reshape(-1)
            i = np.asarray(pair[1]).reshape(-1)
            if t.size != i.size:
                raise ValueError(f"spikes[{name!r}]: times and node_ids differ in length ({t.size} and {i.size})")
            if i.size and (not np.issubdtype(i.dtype, np.integer) or i.min() < 0):
                raise ValueError(f"spikes[{name!r}]: node_ids must be non-negative integers")
            if not np.all(np.isfinite(t)):
                raise ValueError(f"spikes[{name!r}]: times must be finite")
            data[_check_name("population", str(name))] = (t, i.astype(np.uint64))
    elif isinstance(spikes, (list, tuple)):
        merged: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        dts: dict[str, float] = {}
        for k, m in enumerate(spikes):
            if not isinstance(m, SpikeMonitor):
                raise TypeError(f"spikes[{k}] must be a SpikeMonitor, got {type(m).__name__}")
            merged.setdefault(_check_name("population", m.population.name), []).append((m.steps, m.indices))
            dts[m.population.name] = m.population.network.dt
        for name, parts in merged.items():
            # identical (step, index) pairs from two recorders of one population are one spike
            st = np.concatenate([p[0] for p in parts]).astype(np.int64)
            ix = np.concatenate([p[1] for p in parts]).astype(np.int64)
            if len(parts) > 1:
                pairs = np.unique(np.stack([st, ix], axis=1), axis=0)
                st, ix = pairs[:, 0], pairs[:, 1]
            dt = dts[name]
            data[name] = (st.astype(np.float64) * dt, ix.astype(np.uint64))
    else:
        raise TypeError(f"spikes must be a SpikeMonitor, a list of them or a dict, got {type(spikes).__name__}")
    h5py = _h5py()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f.attrs["magic"] = np.uint32(_MAGIC)
        f.attrs["version"] = np.array(_VERSION, dtype=np.uint32)
        root = f.create_group("spikes")
        for name, (t, i) in data.items():
            if sorting == "by_time":
                o = np.lexsort((i, t))
            elif sorting == "by_id":
                o = np.lexsort((t, i))
            else:
                o = np.arange(t.size)
            g = root.create_group(name)
            # the spec's enumeration (as libsonata and NEST read it): none 0, by_id 1, by_time 2
            enum = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype="u1")
            g.attrs.create("sorting", {"none": 0, "by_id": 1, "by_time": 2}[sorting], dtype=enum)
            ts = g.create_dataset("timestamps", data=t[o])
            ts.attrs["units"] = "ms"
            g.create_dataset("node_ids", data=i[o])
    return path


def read_sonata_spikes(path: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read a SONATA spike file: ``{population: (times_ms float64, node_ids int64)}``, in file order.

    Also reads the older layout with ``/spikes/timestamps`` and ``/spikes/gids`` directly under ``/spikes``
    (population ``""``). Times in seconds (``units="s"``) are converted to ms.
    """
    h5py = _h5py()
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with h5py.File(path, "r") as f:
        if "spikes" not in f:
            raise ValueError(f"{path} is not a SONATA spike file: it has no /spikes group")
        root = f["spikes"]
        groups = {"": root} if "timestamps" in root else {k: root[k] for k in root}
        for name, g in groups.items():
            ids_key = "node_ids" if "node_ids" in g else "gids"
            t = np.asarray(g["timestamps"], dtype=np.float64)
            units = g["timestamps"].attrs.get("units", "ms")
            if isinstance(units, bytes):
                units = units.decode()
            if units == "s":
                t = t * 1000.0
            out[name] = (t, np.asarray(g[ids_key], dtype=np.int64))
    return out


# ---------------------------------------------------------------------------------------------------------------
# writing a network
# ---------------------------------------------------------------------------------------------------------------
def write_sonata(net: Network, directory: str | Path, tstop: float = 1000.0) -> Path:
    """Write ``net`` (structure, parameters, current state and weights) as a SONATA circuit.

    Parameters
    ----------
    net : Network
        The network. Its populations and projections are written as they are now (weights, delays, neuron state),
        with the network's dt and seed, so that :func:`read_sonata` rebuilds a network that runs identically.
    directory : str or Path
        Where to write (created if needed; files of the same names are overwritten). See the module docstring for
        the layout.
    tstop : float
        Duration (ms) written as the simulation config's ``run.tstop`` (from the network's current time), for tools
        that run a SONATA simulation from its config.

    Returns
    -------
    Path
        The ``simulation_config.json`` written; pass it (or the directory) to :func:`read_sonata`.

    Notes
    -----
    Written: models and their parameters, per-neuron state, positions, the given spikes of SpikeGenerator
    populations, every synapse's weight and delay, receptors and plasticity rules (their parameters; a rule's
    traces start afresh when read back). Not written: recorders, structural rules, lesions, schedules' progress.
    """
    from .._validation import check_number
    from ..models import SpikeGenerator
    from ..network import Network

    if not isinstance(net, Network):
        raise TypeError(f"net must be a pyneuro.Network, got {type(net).__name__}")
    tstop = check_number("tstop", tstop, 0.0)
    for p in net.populations:
        _check_name("population", p.name)
    for pr in net.projections:
        _check_name("projection", pr.name)
    h5py = _h5py()
    root = Path(directory)
    (root / "network").mkdir(parents=True, exist_ok=True)
    cells = root / "components" / "point_neuron_models"
    syns = root / "components" / "synaptic_models"
    cells.mkdir(parents=True, exist_ok=True)
    syns.mkdir(parents=True, exist_ok=True)
    inputs: dict[str, dict[str, Any]] = {}

    node_rows = []
    with h5py.File(root / "network" / "nodes.h5", "w") as f:
        f.attrs["magic"] = np.uint32(_MAGIC)
        f.attrs["version"] = np.array(_VERSION, dtype=np.uint32)
        nodes = f.create_group("nodes")
        for k, pop in enumerate(net.populations):
            n = pop.size
            type_id = 100 + k
            g = nodes.create_group(pop.name)
            g.create_dataset("node_id", data=np.arange(n, dtype=np.uint64))
            g.create_dataset("node_type_id", data=np.full(n, type_id, np.int64))
            g.create_dataset("node_group_id", data=np.zeros(n, np.uint32))
            g.create_dataset("node_group_index", data=np.arange(n, dtype=np.uint64))
            grp = g.create_group("0")
            pos = pop.positions
            if pos is not None:
                for d, axis in enumerate("xyz"[: pos.shape[1]]):
                    grp.create_dataset(axis, data=pos[:, d].astype(np.float32))
            dyn = grp.create_group("dynamics_params")
            for var in pop.state_vars:
                dyn.create_dataset(var, data=pop.get(var))
            stem = _file_stem(pop.name) + ".json"
            virtual = isinstance(pop.model, SpikeGenerator)
            if virtual:
                gen: Any = pop.model
                spath = write_sonata_spikes(
                    root / "inputs" / f"{_file_stem(pop.name)}_spikes.h5",
                    {pop.name: (np.asarray(gen.times, np.float64), np.asarray(gen.indices, np.int64))},
                )
                rel = "$BASE_DIR/" + str(spath.relative_to(root))
                inputs[f"{pop.name}_spikes"] = {  # the spec's name (spike_file) and BMTK's (input_file)
                    "input_type": "spikes",
                    "module": "synapse_replay",
                    "spike_file": rel,
                    "input_file": rel,
                    "node_set": pop.name,
                    "delay": 0.0,
                    "duration": net.time + tstop,
                }
            with open(cells / stem, "w") as jf:
                json.dump(pop.model.params(), jf, indent=1, default=_jsonable)
            node_rows.append(
                [type_id, "virtual" if virtual else "point_neuron", f"pyneuro:{pop.model.kind}", pop.name, stem]
            )
    _write_table(
        root / "network" / "node_types.csv",
        ["node_type_id", "model_type", "model_template", "pop_name", "dynamics_params"],
        node_rows,
    )

    edge_rows = []
    with h5py.File(root / "network" / "edges.h5", "w") as f:
        f.attrs["magic"] = np.uint32(_MAGIC)
        f.attrs["version"] = np.array(_VERSION, dtype=np.uint32)
        edges = f.create_group("edges")
        for k, pr in enumerate(net.projections):
            pre, post, dsteps, w = pr.pre, pr.post, pr.delay_steps, pr.weights
            m = int(pre.size)
            type_id = 100 + k
            g = edges.create_group(pr.name)
            s = g.create_dataset("source_node_id", data=pre.astype(np.uint64))
            s.attrs["node_population"] = pr.source.name
            t = g.create_dataset("target_node_id", data=post.astype(np.uint64))
            t.attrs["node_population"] = pr.target.name
            g.create_dataset("edge_type_id", data=np.full(m, type_id, np.int64))
            g.create_dataset("edge_group_id", data=np.zeros(m, np.uint32))
            g.create_dataset("edge_group_index", data=np.arange(m, dtype=np.uint64))
            grp = g.create_group("0")
            sign = np.float32(-1.0 if pr.receptor == "inh" else 1.0)
            grp.create_dataset("syn_weight", data=(w.astype(np.float32) * sign))
            grp.create_dataset("delay", data=dsteps.astype(np.float64) * net.dt)
            ind = g.create_group("indices")
            for direction, ids, n_nodes in (
                ("source_to_target", pre, pr.source.size),
                ("target_to_source", post, pr.target.size),
            ):
                n2r, r2e = _index_ranges(ids.astype(np.int64), n_nodes)
                d = ind.create_group(direction)
                d.create_dataset("node_id_to_ranges", data=n2r)
                d.create_dataset("range_to_edge_id", data=r2e)
            stem = _file_stem(pr.name) + ".json"
            with open(syns / stem, "w") as jf:
                json.dump({"plasticity": [r.to_dict() for r in pr.plasticity]}, jf, indent=1, default=_jsonable)
            template = "static_synapse" if not pr.plasticity else "pyneuro:" + "+".join(r.kind for r in pr.plasticity)
            edge_rows.append([type_id, template, pr.receptor, stem])
    _write_table(
        root / "network" / "edge_types.csv",
        ["edge_type_id", "model_template", "receptor", "dynamics_params"],
        edge_rows,
    )

    circuit = {
        "manifest": {"$BASE_DIR": ".", "$NETWORK_DIR": "$BASE_DIR/network", "$COMPONENTS_DIR": "$BASE_DIR/components"},
        "components": {
            "point_neuron_models_dir": "$COMPONENTS_DIR/point_neuron_models",
            "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models",
        },
        "networks": {
            "nodes": [{"nodes_file": "$NETWORK_DIR/nodes.h5", "node_types_file": "$NETWORK_DIR/node_types.csv"}],
            "edges": [{"edges_file": "$NETWORK_DIR/edges.h5", "edge_types_file": "$NETWORK_DIR/edge_types.csv"}],
        },
    }
    with open(root / "circuit_config.json", "w") as jf:
        json.dump(circuit, jf, indent=2)
    sim = {
        "manifest": {"$BASE_DIR": "."},
        "network": "$BASE_DIR/circuit_config.json",
        "run": {"dt": net.dt, "tstart": net.time, "tstop": net.time + tstop, "random_seed": net.seed},
        "inputs": inputs,
        "pyneuro": {
            "seed": net.seed,
            "threads": net.threads,
            "populations": [p.name for p in net.populations],
            "projections": [p.name for p in net.projections],
        },
    }
    out = root / "simulation_config.json"
    with open(out, "w") as jf:
        json.dump(sim, jf, indent=2)
    return out


# ---------------------------------------------------------------------------------------------------------------
# reading a network
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class SonataCircuit:
    """A network read from SONATA by :func:`read_sonata`.

    Attributes
    ----------
    network : Network
        The pyneuro network, ready to record and run.
    populations : dict
        pyneuro population name -> :class:`~pyneuro.Population`.
    node_ids : dict
        pyneuro population name -> ``(sonata population, node_ids)``: the SONATA node id of each neuron (index k of
        the pyneuro population is node ``node_ids[k]``).
    projections : dict
        pyneuro projection name -> :class:`~pyneuro.Projection`.
    """

    network: Network
    populations: dict[str, Population] = field(default_factory=dict)
    node_ids: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)
    projections: dict[str, Any] = field(default_factory=dict)

    def write_spikes(self, path: str | Path, monitors: Sequence[SpikeMonitor], sorting: str = "by_time") -> Path:
        """Write recorded spikes with their SONATA population names and node ids (see :func:`write_sonata_spikes`)."""
        data: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        for m in monitors:
            sname, ids = self.node_ids[m.population.name]
            t, i = data.setdefault(sname, ([], []))
            t.append(m.times)
            i.append(ids[m.indices])
        return write_sonata_spikes(
            path, {k: (np.concatenate(v[0]), np.concatenate(v[1])) for k, v in data.items()}, sorting=sorting
        )


def _subst(value: str, manifest: dict[str, str], base: Path) -> Path:
    for _ in range(10):
        new = value
        for k, v in manifest.items():
            new = new.replace(k, v)
        if new == value:
            break
        value = new
    p = Path(value)
    return p if p.is_absolute() else base / p


def _manifest(cfg: dict[str, Any]) -> dict[str, str]:
    man = dict(cfg.get("manifest", {}))
    # longer keys first, so that $BASE_DIR_X is not cut by $BASE_DIR
    return dict(sorted(man.items(), key=lambda kv: -len(kv[0])))


def _load_config(path: Path) -> tuple[dict[str, Any], dict[str, Any], Path]:
    """(circuit config, simulation config or {}, base directory) from a config file or a directory."""
    if path.is_dir():
        for name in ("simulation_config.json", "circuit_config.json", "config.json"):
            if (path / name).exists():
                return _load_config(path / name)
        nodes = sorted(path.glob("*nodes.h5"))
        if not nodes:
            raise ValueError(f"{path} holds no SONATA config and no *nodes.h5 file")

        def types(h5: Path, suffix: str) -> str:
            stem = h5.name[: -len(suffix + ".h5")]
            cand = path / f"{stem}{suffix[:-1]}_types.csv"
            if not cand.exists():
                raise ValueError(f"{h5} has no type table {cand.name} beside it")
            return str(cand)

        circuit = {
            "networks": {
                "nodes": [{"nodes_file": str(h), "node_types_file": types(h, "nodes")} for h in nodes],
                "edges": [
                    {"edges_file": str(h), "edge_types_file": types(h, "edges")} for h in sorted(path.glob("*edges.h5"))
                ],
            }
        }
        return circuit, {}, path
    with open(path) as f:
        cfg = json.load(f)
    base = path.parent
    if "networks" in cfg:
        return cfg, {}, base
    if "network" in cfg:
        sim = cfg
        cpath = _subst(cfg["network"], _manifest(cfg), base)
        with open(cpath) as f:
            circuit = json.load(f)
        return circuit, sim, cpath.parent
    raise ValueError(
        f"{path} is neither a SONATA circuit config (no 'networks') nor a simulation config (no 'network')"
    )


def _model_for(template: str, model_type: str, params: dict[str, Any], where: str) -> tuple[Any, dict[str, Any]]:
    """(model instance, initial state {var: value}) for a node type."""
    from ..models import MODELS, SpikeGenerator

    if model_type == "virtual":
        return SpikeGenerator(), {}
    if not isinstance(template, str) or ":" not in template:
        raise ValueError(f"{where}: model_template must be 'pyneuro:<Model>' or 'nest:<model>', got {template!r}")
    lib, name = template.split(":", 1)
    if lib == "pyneuro" and name in MODELS:
        kind = name
    elif lib == "nest" and name in NEST_TEMPLATES:
        kind = NEST_TEMPLATES[name]
    else:
        known = [f"pyneuro:{k}" for k in MODELS] + [f"nest:{k}" for k in NEST_TEMPLATES]
        raise ValueError(f"{where}: model_template {template!r} is not supported; supported: {known}")
    cls = MODELS[kind]
    if cls is SpikeGenerator:
        return SpikeGenerator(), {}
    field_names = set(cls().params())
    kw, state, unknown = {}, {}, []
    for k, v in params.items():
        if k in field_names:
            kw[k] = v
        elif k in _NEST_STATE:
            state[_NEST_STATE[k]] = v
        elif k in ("model", "synapse_model", "type", "model_template", "recordables"):
            continue
        else:
            unknown.append(k)
    if unknown:
        raise ValueError(
            f"{where}: parameters {sorted(unknown)} are not parameters of {template!r} in pyneuro "
            f"(known: {sorted(field_names)} and the states {sorted(_NEST_STATE)})"
        )
    return cls(**kw), state


def _read_json(directory: Path | None, name: Any, where: str) -> dict[str, Any]:
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return {}
    if directory is None:
        raise ValueError(f"{where}: dynamics_params names {name!r} but no components directory is known (components=)")
    p = directory / str(name)
    if not p.exists():
        raise ValueError(f"{where}: dynamics_params file {p} does not exist")
    with open(p) as f:
        return dict(json.load(f))


def read_sonata(
    path: str | Path,
    dt: float | None = None,
    seed: int | None = None,
    threads: int = 1,
    spikes: dict[str, str | Path] | None = None,
    components: str | Path | None = None,
) -> SonataCircuit:
    """Build a pyneuro network from a SONATA circuit.

    Parameters
    ----------
    path : str or Path
        A ``simulation_config.json``, a ``circuit_config.json``, or a directory holding one of them or the
        ``*_nodes.h5`` / ``*_node_types.csv`` / ``*_edges.h5`` / ``*_edge_types.csv`` files that BMTK's
        ``NetworkBuilder.save`` writes.
    dt : float, optional
        Time step (ms); default the simulation config's ``run.dt``, else 0.1.
    seed : int, optional
        Network seed; default the one written by :func:`write_sonata`, else 1.
    threads : int
        Threads of the network.
    spikes : dict, optional
        ``{sonata population: spike file}``: the spikes of a virtual population (default: the simulation config's
        ``inputs`` of type ``spikes`` whose ``node_set`` names the population; a virtual population without any
        is silent). Node ids in the file are the population's node ids.
    components : str or Path, optional
        Directory of the models' ``dynamics_params`` JSON files, when no circuit config names it.

    Returns
    -------
    SonataCircuit
        The network and the map between its populations and the SONATA node ids.
    """
    from ..connectivity import FromArrays
    from ..models import SpikeGenerator
    from ..network import Network
    from ..plasticity import PlasticityRule

    h5py = _h5py()
    circuit, sim, base = _load_config(Path(path))
    man = _manifest(circuit)
    comp = circuit.get("components", {})
    cell_dir = _subst(comp["point_neuron_models_dir"], man, base) if "point_neuron_models_dir" in comp else None
    syn_dir = _subst(comp["synaptic_models_dir"], man, base) if "synaptic_models_dir" in comp else None
    if components is not None:
        cell_dir = syn_dir = Path(components)
    pyn = sim.get("pyneuro", {})
    if dt is None:
        dt = float(sim.get("run", {}).get("dt", 0.1))
    if seed is None:
        seed = int(pyn.get("seed", 1))
    net = Network(dt=dt, seed=seed, threads=threads)
    out = SonataCircuit(network=net)

    # spike inputs of virtual populations
    given: dict[str, Path] = {}
    sman = _manifest(sim)
    for inp in sim.get("inputs", {}).values():
        if inp.get("input_type") == "spikes" and "node_set" in inp:
            given[str(inp["node_set"])] = _subst(
                inp.get("spike_file", inp.get("input_file", "")),
                sman,
                Path(path).parent if Path(path).is_file() else Path(path),
            )
    for sp_name, sp_path in (spikes or {}).items():
        given[sp_name] = Path(sp_path)

    # --- nodes: one pyneuro population per distinct (model, parameters) of a SONATA population
    plans: list[tuple[str, str, Any, dict[str, Any], np.ndarray, dict[str, np.ndarray], np.ndarray | None]] = []
    locate: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}  # sonata pop -> (node ids, plan idx, index)
    for entry in circuit.get("networks", {}).get("nodes", []):
        h5path = _subst(entry["nodes_file"], man, base)
        types = {int(r["node_type_id"]): r for r in _read_table(_subst(entry["node_types_file"], man, base))}
        with h5py.File(h5path, "r") as f:
            for sname in f["nodes"]:
                g = f["nodes"][sname]
                tid = np.asarray(g["node_type_id"], np.int64)
                nid = np.asarray(g["node_id"], np.int64) if "node_id" in g else np.arange(tid.size)
                gid = np.asarray(g["node_group_id"], np.int64) if "node_group_id" in g else np.zeros(tid.size, np.int64)
                gix = np.asarray(g["node_group_index"], np.int64) if "node_group_index" in g else np.arange(tid.size)
                order = np.argsort(nid, kind="stable")
                groups: dict[Any, list[int]] = {}
                specs: dict[Any, tuple[Any, dict[str, Any], str]] = {}
                for t in np.unique(tid):
                    if int(t) not in types:
                        raise ValueError(
                            f"{h5path}: node type {int(t)} of population {sname!r} is not in its type table"
                        )
                    row = types[int(t)]
                    where = f"node type {int(t)} of {sname!r}"
                    params = _read_json(cell_dir, row.get("dynamics_params"), where)
                    model, state = _model_for(
                        row.get("model_template") or "", row.get("model_type") or "", params, where
                    )
                    key = (
                        type(model).__name__,
                        json.dumps(model.to_dict(), sort_keys=True, default=_jsonable),
                        json.dumps(state, sort_keys=True),
                    )
                    specs[key] = (model, state, str(row.get("pop_name") or t))
                    groups.setdefault(key, []).append(int(t))
                plan_of_node = np.zeros(tid.size, np.int64)
                index_of_node = np.zeros(tid.size, np.int64)
                names = []
                for key, tids in groups.items():
                    model, state, label = specs[key]
                    sel = order[np.isin(tid[order], tids)]  # ascending node ids
                    pname = sname if len(groups) == 1 else f"{sname}:{label}"
                    names.append(pname)
                    per_node: dict[str, np.ndarray] = {}
                    pos = None
                    for grp_id in np.unique(gid[sel]):
                        if str(grp_id) not in g:
                            continue
                        grp = g[str(grp_id)]
                        rows_sel = sel[gid[sel] == grp_id]
                        local = gix[rows_sel]
                        dyn = grp.get("dynamics_params")
                        if dyn is not None:
                            for var in dyn:
                                col = per_node.setdefault(var, np.full(sel.size, np.nan))
                                col[np.isin(sel, rows_sel)] = np.asarray(dyn[var])[local]
                        if "x" in grp:
                            axes = [ax for ax in "xyz" if ax in grp]
                            xyz = pos if pos is not None else np.zeros((sel.size, len(axes)))
                            in_grp = np.isin(sel, rows_sel)
                            for dim, ax in enumerate(axes):
                                xyz[in_grp, dim] = np.asarray(grp[ax])[local]
                            pos = xyz
                    plan_of_node[sel] = len(plans)
                    index_of_node[sel] = np.arange(sel.size)
                    plans.append((pname, sname, model, state, nid[sel], per_node, pos))
                locate[sname] = (nid, plan_of_node, index_of_node, names)  # type: ignore[assignment]

    # creation order: the one written by write_sonata, else file order
    order_names: list[str] = list(pyn.get("populations") or [])
    if order_names and sorted(order_names) == sorted(pl[0] for pl in plans):
        plans_sorted = sorted(range(len(plans)), key=lambda j: order_names.index(plans[j][0]))
    else:
        plans_sorted = list(range(len(plans)))
    pops: dict[int, Population] = {}
    for k in plans_sorted:
        pname, sname, model, state, nids, per_node, pos = plans[k]
        if isinstance(model, SpikeGenerator) and sname in given:
            spk = read_sonata_spikes(given[sname])
            if sname not in spk and len(spk) == 1 and "" in spk:
                spk = {sname: spk[""]}
            st, ids = spk.get(sname, (np.zeros(0), np.zeros(0, np.int64)))
            keep = np.isin(ids, nids)
            model = SpikeGenerator(times=st[keep], indices=np.searchsorted(nids, ids[keep]))
        pop = net.add_population(model, n=int(nids.size), name=pname)
        if pos is not None:
            pop.positions = pos
        for var, v in state.items():
            if var in pop.state_vars:
                pop.set(var, v)
        for var, arr in per_node.items():
            var2 = _NEST_STATE.get(var, var)
            if var2 in pop.state_vars and not np.any(np.isnan(arr)):
                pop.set(var2, arr)
        pops[k] = pop
        out.populations[pname] = pop
        out.node_ids[pname] = (sname, nids)

    def where_is(sname: str, ids: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
        if sname not in locate:
            raise ValueError(f"{what} refers to node population {sname!r}, which no nodes file defines")
        nid, plan_of, index_of, _ = locate[sname]  # type: ignore[misc]
        o = np.argsort(nid, kind="stable")
        pos = np.searchsorted(nid[o], ids)
        if ids.size and (np.any(pos >= nid.size) or np.any(nid[o][np.minimum(pos, nid.size - 1)] != ids)):
            raise ValueError(f"{what} refers to node ids missing from population {sname!r}")
        rows = o[pos]
        return plan_of[rows], index_of[rows]

    # --- edges
    proj_order = pyn.get("projections")
    made: list[tuple[str, tuple[Any, ...]]] = []
    for entry in circuit.get("networks", {}).get("edges", []):
        h5path = _subst(entry["edges_file"], man, base)
        types = {int(r["edge_type_id"]): r for r in _read_table(_subst(entry["edge_types_file"], man, base))}
        with h5py.File(h5path, "r") as f:
            for ename in f["edges"]:
                g = f["edges"][ename]
                src_pop = g["source_node_id"].attrs["node_population"]
                trg_pop = g["target_node_id"].attrs["node_population"]
                src_pop = src_pop.decode() if isinstance(src_pop, bytes) else str(src_pop)
                trg_pop = trg_pop.decode() if isinstance(trg_pop, bytes) else str(trg_pop)
                src = np.asarray(g["source_node_id"], np.int64)
                trg = np.asarray(g["target_node_id"], np.int64)
                m = src.size
                etid = np.asarray(g["edge_type_id"], np.int64)
                egid = np.asarray(g["edge_group_id"], np.int64) if "edge_group_id" in g else np.zeros(m, np.int64)
                egix = np.asarray(g["edge_group_index"], np.int64) if "edge_group_index" in g else np.arange(m)
                where = f"edge population {ename!r}"

                def attr(
                    name: str,
                    default: float | None,
                    g: Any = g,
                    m: int = m,
                    etid: np.ndarray = etid,
                    egid: np.ndarray = egid,
                    egix: np.ndarray = egix,
                    types: dict[int, Any] = types,
                    where: str = where,
                ) -> np.ndarray:
                    vals = np.full(m, np.nan)
                    for t in np.unique(etid):
                        row = types.get(int(t))
                        if row is None:
                            raise ValueError(f"{where}: edge type {int(t)} is not in its type table")
                        if row.get(name) is not None:
                            vals[etid == t] = float(row[name])
                    for grp_id in np.unique(egid):
                        if str(grp_id) in g and name in g[str(grp_id)]:
                            mask = egid == grp_id
                            vals[mask] = np.asarray(g[str(grp_id)][name], np.float64)[egix[mask]]
                    if np.any(np.isnan(vals)):
                        if default is None:
                            raise ValueError(
                                f"{where}: {name!r} is missing for some edges (neither a dataset nor a column)"
                            )
                        vals[np.isnan(vals)] = default
                    return vals

                w = attr("syn_weight", None) * attr("nsyns", 1.0)
                dl = attr("delay", None)
                if np.any(dl < dt * (1 - 1e-9)):
                    raise ValueError(f"{where}: delays must be >= dt = {dt} ms, got min {dl.min()} ms")
                receptors = np.where(w < 0, "inh", "exc").astype(object)
                rules_of: dict[int, list[PlasticityRule]] = {}
                for et in np.unique(etid):
                    row = types[int(et)]
                    rec = row.get("receptor")
                    if rec is not None:
                        if rec not in ("exc", "inh"):
                            raise ValueError(f"{where}: receptor must be 'exc' or 'inh', got {rec!r}")
                        receptors[etid == et] = rec
                    tpl = row.get("model_template") or "static_synapse"
                    if tpl == "static_synapse" or tpl == "nest:static_synapse":
                        rules_of[int(et)] = []
                    elif isinstance(tpl, str) and tpl.startswith("pyneuro:"):
                        spec = _read_json(syn_dir, row.get("dynamics_params"), where)
                        rules_of[int(et)] = [PlasticityRule.from_dict(x) for x in spec.get("plasticity", [])]
                    else:
                        raise ValueError(
                            f"{where}: synapse model_template {tpl!r} is not supported (static_synapse or "
                            "pyneuro:<Rule>+...)"
                        )
                sp, si = where_is(src_pop, src, f"{where}: source_node_id")
                tp, ti = where_is(trg_pop, trg, f"{where}: target_node_id")
                # edges split by (source part, target part, receptor, rules): one projection each
                utypes = np.unique(etid)
                rule_json = {
                    int(et): json.dumps([x.to_dict() for x in rules_of[int(et)]], default=_jsonable) for et in utypes
                }
                rule_code = np.array([sorted(set(rule_json.values())).index(rule_json[int(et)]) for et in utypes])
                code = rule_code[np.searchsorted(utypes, etid)]
                combo = np.stack([sp, tp, (receptors == "inh").astype(np.int64), code], axis=1)
                keys = np.unique(combo, axis=0)
                for k, key in enumerate(keys):
                    mask = np.all(combo == key, axis=1)
                    rules = rules_of[int(etid[np.flatnonzero(mask)[0]])]
                    pname = ename if len(keys) == 1 else f"{ename}:{k}"
                    r = "inh" if key[2] else "exc"
                    made.append(
                        (pname, (int(key[0]), int(key[1]), si[mask], ti[mask], np.abs(w[mask]), dl[mask], r, rules))
                    )
    # creation order: the one written by write_sonata (it fixes the order in which inputs are summed), else file order
    if proj_order and sorted(proj_order) == sorted(n for n, _ in made):
        made.sort(key=lambda x: proj_order.index(x[0]))
    for pname, (a, b, pre_i, post_i, wk, dk, r, rules) in made:
        out.projections[pname] = net.connect(
            pops[a],
            pops[b],
            FromArrays(pre_i, post_i),
            weight=wk,
            delay=dk,
            receptor=r,
            plasticity=[PlasticityRule.from_dict(x.to_dict()) for x in rules] or None,
            name=pname,
        )
    return out
