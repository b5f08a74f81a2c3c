"""Checkpoints in HDF5.

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
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .models import MODELS
from .plasticity import PlasticityRule

if TYPE_CHECKING:
    from .network import Network

__all__ = ["save_network", "load_network", "FORMAT_VERSION", "READABLE_VERSIONS"]

FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)


def _h5py() -> Any:
    import h5py

    return h5py


def save_network(net: Network, path: str | Path) -> None:
    """Write ``net`` to ``path`` (see :meth:`Network.save`). The file is written atomically (temp + rename)."""
    from . import __version__, lesion
    from .monitors import RateMonitor, SpikeMonitor, StateMonitor, StructureMonitor, WeightMonitor

    lesion.check_savable(net)
    h5py = _h5py()
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with h5py.File(tmp, "w") as f:
        f.attrs["format"] = "pyneuro-checkpoint"
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["pyneuro_version"] = __version__
        f.attrs["dt"] = net.dt
        f.attrs["seed"] = np.uint64(net.seed)
        f.attrs["threads"] = net.threads
        f.attrs["max_rate"] = net.max_rate
        f.attrs["check_every"] = int(net._engine.check_every)
        f.attrs["time_convention"] = net.time_convention
        g = f.create_group("populations")
        for k, p in enumerate(net.populations):
            gp = g.create_group(str(k))
            gp.attrs["name"] = p.name
            gp.attrs["size"] = p.size
            gp.attrs["model"] = json.dumps(p.model.to_dict())
            gp.attrs["plasticity"] = json.dumps([r.to_dict() for r in p.plasticity])
            if p.structural:  # Neurogenesis rules, their next epochs and how many neurons each added
                gp.attrs["structural"] = json.dumps([r.to_dict() for r in p.structural])
                gp.attrs["neuro_next"] = json.dumps([int(s) for _, s in p._neuro_next])
                gp.attrs["neuro_added"] = json.dumps({str(k): v for k, v in getattr(p, "_neuro_added", {}).items()})
        g = f.create_group("projections")
        for k, pr in enumerate(net.projections):
            gp = g.create_group(str(k))
            gp.attrs["name"] = pr.name
            gp.attrs["pre"] = pr.source._id
            gp.attrs["post"] = pr.target._id
            gp.attrs["receptor"] = pr.receptor
            gp.attrs["rules"] = json.dumps([r.to_dict() for r in pr.plasticity])
            gp.attrs["max_delay_steps"] = int(net._engine.proj_max_delay(pr._id))
            gp.attrs["structural"] = json.dumps([r.to_dict() for r in pr.structural])
            pre, post, delay, w = net._engine.proj_gather(pr._id)
            gp.create_dataset("pre", data=pre)
            gp.create_dataset("post", data=post)
            gp.create_dataset("delay_steps", data=delay)
            gp.create_dataset("weight", data=w)
        g = f.create_group("inputs")
        for k, inp in enumerate(net.inputs):
            g.create_group(str(k)).attrs["spec"] = json.dumps(inp.to_dict())
        g = f.create_group("monitors")
        for k, m in enumerate(net.monitors):
            gm = g.create_group(str(k))
            gm.attrs["kind"] = m.kind
            if isinstance(m, SpikeMonitor):
                gm.attrs["target"] = m.population._id
                if m.subset is not None:
                    gm.create_dataset("subset", data=m.subset)
            elif isinstance(m, StateMonitor):
                gm.attrs["target"] = m.population._id
                gm.attrs["var"] = m.var
                gm.attrs["every"] = m.every_steps
                gm.create_dataset("indices", data=m.indices)
            elif isinstance(m, WeightMonitor):
                gm.attrs["target"] = m.projection._id
                gm.attrs["every"] = m.every_steps
                if m.indices is not None:
                    gm.create_dataset("indices", data=m.indices)
            elif isinstance(m, RateMonitor):
                gm.attrs["target"] = m.population._id
                gm.attrs["bin"] = m.bin_steps
            elif isinstance(m, StructureMonitor):
                gm.attrs["target"] = m.projection._id
                gm.attrs["every"] = m.every_steps
                gm.attrs["next_step"] = m.next_step
                gm.create_dataset("steps", data=np.asarray(m._steps, dtype=np.int64))
                gm.create_dataset("counts", data=m.counts)
                for k, name in enumerate(("pre", "post", "delay_steps", "weight")):
                    parts = [a[k] for a in m._arrays]
                    gm.create_dataset(name, data=np.concatenate(parts) if parts else np.zeros(0))
        lesion.save(net, f)
        gs = f.create_group("state")
        for key, arr in net._engine.save_state().items():
            gs.create_dataset(key, data=arr)
    tmp.replace(path)


def _read_state(group: Any) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}

    def visit(name: str, obj: Any) -> None:
        if hasattr(obj, "shape"):
            out[name] = np.asarray(obj[()])

    group.visititems(visit)
    return out


def load_network(path: str | Path, threads: int | None = None) -> Network:
    """Rebuild the network saved at ``path`` (see :meth:`Network.load`)."""
    from .models import SpikeGenerator
    from .network import Network

    h5py = _h5py()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != "pyneuro-checkpoint":
            raise ValueError(f"{path} is not a pyneuro checkpoint")
        version = int(f.attrs.get("format_version", -1))
        if version not in READABLE_VERSIONS:
            raise ValueError(
                f"{path} has checkpoint format version {version}; this pyneuro reads versions {READABLE_VERSIONS}"
            )
        net = Network(
            dt=float(f.attrs["dt"]),
            seed=int(f.attrs["seed"]),
            threads=int(f.attrs["threads"]) if threads is None else threads,
            max_rate=float(f.attrs["max_rate"]),
            time_convention=str(f.attrs.get("time_convention", "pyneuro")),
        )
        net._engine.check_every = int(f.attrs["check_every"])
        pops = f["populations"]
        for k in range(len(pops)):
            gp = pops[str(k)]
            spec = json.loads(gp.attrs["model"])
            cls = MODELS[spec.pop("kind")]
            model = SpikeGenerator() if cls is SpikeGenerator else cls(**spec)
            pop = net.add_population(model, int(gp.attrs["size"]), name=str(gp.attrs["name"]))
            for spec in json.loads(gp.attrs.get("plasticity", "[]")):
                net.add_plasticity(pop, PlasticityRule.from_dict(spec))  # type: ignore[arg-type]
        projs = f["projections"]
        for k in range(len(projs)):
            gp = projs[str(k)]
            rules: list[PlasticityRule] = []
            for spec in json.loads(gp.attrs["rules"]):
                rules.append(PlasticityRule.from_dict(spec))
            arrays = tuple(np.asarray(gp[n][()]) for n in ("pre", "post", "delay_steps", "weight"))
            net._connect_arrays(
                net.populations[int(gp.attrs["pre"])],
                net.populations[int(gp.attrs["post"])],
                str(gp.attrs["receptor"]),
                arrays,  # type: ignore[arg-type]
                rules,
                str(gp.attrs["name"]),
            )
            if "max_delay_steps" in gp.attrs:
                net._engine.proj_set_max_delay(k, int(gp.attrs["max_delay_steps"]))
            specs = json.loads(gp.attrs.get("structural", "[]"))
            if specs:
                from .structural import StructuralRule

                net.add_structural(net.projections[k], *[StructuralRule.from_dict(x) for x in specs])
        for k in range(len(pops)):
            gp = pops[str(k)]
            if "structural" in gp.attrs:
                from .structural import StructuralRule

                pop = net.populations[k]
                srules = [StructuralRule.from_dict(x) for x in json.loads(gp.attrs["structural"])]
                net.add_structural(pop, *srules)
                pop._neuro_next = [(r, int(s)) for r, s in zip(srules, json.loads(gp.attrs["neuro_next"]))]
                pop._neuro_added = {int(a): int(b) for a, b in json.loads(gp.attrs["neuro_added"]).items()}
        inputs = f["inputs"] if "inputs" in f else {}
        for k in range(len(inputs)):
            spec = json.loads(inputs[str(k)].attrs["spec"])
            if spec.get("kind") == "current":
                from .inputs import CurrentSource

                src = CurrentSource.from_dict(spec["source"])
                net.add_current_input(net.populations[int(spec["target"])], src, spec["neurons"], name=spec["name"])
                continue
            net.add_poisson_input(
                net.populations[int(spec["target"])],
                spec["n"],
                spec["rate"],
                spec["weight"],
                receptor=spec["receptor"],
                name=spec["name"],
            )
        mons = f["monitors"]
        for k in range(len(mons)):
            gm = mons[str(k)]
            kind = gm.attrs["kind"]
            if kind == "spikes":
                sub = np.asarray(gm["subset"][()]) if "subset" in gm else None
                net.record_spikes(net.populations[int(gm.attrs["target"])], sub)
            elif kind == "state":
                pop = net.populations[int(gm.attrs["target"])]
                net.record_state(
                    pop, str(gm.attrs["var"]), np.asarray(gm["indices"][()]), int(gm.attrs["every"]) * net.dt
                )
            elif kind == "weights":
                sel = np.asarray(gm["indices"][()]) if "indices" in gm else None
                net.record_weights(net.projections[int(gm.attrs["target"])], sel, int(gm.attrs["every"]) * net.dt)
            elif kind == "rate":
                net.record_rate(net.populations[int(gm.attrs["target"])], int(gm.attrs["bin"]) * net.dt)
            elif kind == "structure":
                from .monitors import StructureMonitor

                sm = StructureMonitor(net, net.projections[int(gm.attrs["target"])], int(gm.attrs["every"]))
                sm.next_step = int(gm.attrs["next_step"])
                sm._steps = [int(x) for x in gm["steps"][()]]
                cuts = np.cumsum(np.asarray(gm["counts"][()]))[:-1]
                cols = [np.split(np.asarray(gm[n][()]), cuts) for n in ("pre", "post", "delay_steps", "weight")]
                sm._arrays = [tuple(c[k] for c in cols) for k in range(len(sm._steps))]  # type: ignore[misc]
                net.monitors.append(sm)
        state = _read_state(f["state"])
        from . import lesion

        lesion.load(net, f)
    net._engine.load_state(state)
    return net
