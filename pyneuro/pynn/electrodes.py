"""Current sources of the PyNN backend: ``DCSource`` (a constant current between ``start`` and ``stop``).

The current goes into the per-neuron stimulus current ``I_stim`` of pyneuro's models (pA), set at the steps where
a source switches (the run is split there), so it acts exactly from ``start`` to ``stop``. ACSource, StepCurrentSource
and NoisyCurrentSource are refused: pyneuro has no per-step current input yet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pyNN.standardmodels import StandardCurrentSource, build_translations, electrodes

from . import simulator

__all__ = ["DCSource", "ACSource", "StepCurrentSource", "NoisyCurrentSource"]


class DCSource(electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude", 1000.0), ("start", "start"), ("stop", "stop"))

    def __init__(self, **parameters: Any) -> None:
        object.__setattr__(self, "_targets", [])
        object.__setattr__(self, "_params", {})
        super().__init__(**parameters)
        self.set_native_parameters(self.translate(self.parameter_space))
        simulator.state.current_sources.append(self)

    def set_native_parameters(self, parameters: Any) -> None:
        """Set parameters in native units (pA, ms); applied at once if the network runs."""
        parameters.shape = (1,)
        parameters.evaluate(simplify=True)
        for name, value in parameters.items():
            self._params[name] = float(np.asarray(value).reshape(-1)[0])
        if simulator.state.net is not None:
            simulator.state._apply_events()

    def get_native_parameters(self) -> Any:
        from pyNN.parameters import ParameterSpace

        return ParameterSpace(dict(self._params), self.get_schema(), (1,))

    def inject_into(self, cells: Any) -> None:
        from .projections import _flatten

        pops, owner, local = _flatten(cells) if not isinstance(cells, (list, tuple)) else _from_ids(cells)
        for k, pop in enumerate(pops):
            if not pop._stim_capable():
                raise NotImplementedError(
                    f"DCSource: {type(pop.celltype).__name__} on pyneuro has no stimulus current input"
                )
            self._targets.append((pop, local[owner == k]))
        if simulator.state.net is not None:
            simulator.state._apply_events()

    def _event_steps(self) -> list[int]:
        dt = simulator.state.dt
        out = []
        for t in (self._params.get("start", 0.0), self._params.get("stop", 1e12)):
            if np.isfinite(t) and t < 1e11:
                out.append(int(np.floor(t / dt + 0.5 + 1e-9)))
        return out

    def _accumulate(self, step: int, stim: dict[int, np.ndarray]) -> None:
        dt = simulator.state.dt
        start = int(np.floor(self._params.get("start", 0.0) / dt + 0.5 + 1e-9))
        stop = self._params.get("stop", 1e12)
        stop_step = int(np.floor(stop / dt + 0.5 + 1e-9)) if stop < 1e11 else 2**62
        on = start <= step < stop_step
        for pop, idx in self._targets:
            cur = stim.setdefault(id(pop), pop._stim_base())
            if on:
                np.add.at(cur, idx, self._params.get("amplitude", 0.0))

    def _reset(self) -> None:
        pass

    def record(self) -> None:
        raise NotImplementedError("recording a current source is not supported on pyneuro")


def _from_ids(cells: Any) -> tuple[list[Any], np.ndarray, np.ndarray]:
    pops: list[Any] = []
    owner, local = [], []
    for c in cells:
        base = c.parent
        while hasattr(base, "grandparent") and base is not getattr(base, "grandparent", base):
            base = base.grandparent
        if base not in pops:
            pops.append(base)
        owner.append(pops.index(base))
        local.append(base.id_to_index(int(c)))
    return pops, np.asarray(owner), np.asarray(local, dtype=np.int64)


def _refused(name: str) -> type:
    base = getattr(electrodes, name)

    class Refused(base):  # type: ignore[valid-type, misc]
        __doc__ = f"{name} is not available on pyneuro (it needs a per-step current input); DCSource is."

        def __init__(self, **parameters: Any) -> None:
            raise NotImplementedError(
                f"{name} is not supported on pyneuro (no per-step current input); DCSource is supported"
            )

    Refused.__name__ = Refused.__qualname__ = name
    return Refused


ACSource = _refused("ACSource")
StepCurrentSource = _refused("StepCurrentSource")
NoisyCurrentSource = _refused("NoisyCurrentSource")

_ = StandardCurrentSource  # PyNN's base class of the above
