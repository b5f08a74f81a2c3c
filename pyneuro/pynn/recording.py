"""Recording for the PyNN backend: PyNN's recorder on pyneuro's spike and state monitors.

Spikes of a population are recorded by one pyneuro spike monitor over the whole population and filtered on
retrieval; a state variable by a state monitor over the recorded neurons, sampled every ``sampling_interval`` from
the start of the recording, with the value at the current time appended as the last sample (PyNN's signals run from
``t_start`` to ``t`` inclusive). Values come back in PyNN's units.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pyNN import recording

from . import simulator

__all__ = ["Recorder"]


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population: Any, file: Any = None) -> None:
        super().__init__(population, file)
        self._spike_mon: Any = None
        self._state_mons: dict[str, list[tuple[Any, np.ndarray]]] = {}
        self._clear_step = 0

    # -- monitors -------------------------------------------------------------------------------------------------
    def _pop(self) -> Any:
        return self.population

    def _indices(self, ids: Any) -> np.ndarray:
        return np.asarray([self.population.id_to_index(int(i)) for i in ids], dtype=np.int64)

    def _native_var(self, name: str) -> tuple[str, float]:
        tr = self.population.celltype.state_translations
        if name not in tr:
            raise NotImplementedError(
                f"recording {name!r} of {type(self.population.celltype).__name__} is not supported on pyneuro "
                f"(recordable: spikes and {sorted(tr)})"
            )
        return tr[name]

    def build(self, net: Any) -> None:
        self._spike_mon = None
        self._state_mons = {}
        self._clear_step = 0
        for variable, ids in self.recorded.items():
            self._start(variable.name, sorted(ids))

    def _start(self, name: str, ids: list[Any]) -> None:
        native = self.population.native
        if native is None or not ids:
            return
        net = simulator.state.net
        assert net is not None
        if name == "spikes":
            if self._spike_mon is None:
                self._spike_mon = net.record_spikes(native)
            return
        var, _ = self._native_var(name)
        idx = self._indices(ids)
        every = self.sampling_interval
        mon = net.record_state(native, var, indices=idx, every=every)
        self._state_mons.setdefault(name, []).append((mon, idx))

    def _record(self, variable: Any, new_ids: Any, sampling_interval: float | None = None) -> None:
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval
        if variable.name != "spikes":
            self._native_var(variable.name)
        if simulator.state.net is not None and self.population.native is not None:
            self._start(variable.name, sorted(new_ids))

    # -- data -------------------------------------------------------------------------------------------------------
    def _spike_data(self) -> tuple[np.ndarray, np.ndarray]:
        m = self._spike_mon
        if m is None:
            return np.zeros(0, np.int64), np.zeros(0)
        steps, idx = m.steps, m.indices
        keep = steps >= self._clear_step
        return idx[keep], steps[keep].astype(np.float64) * simulator.state.dt

    def _get_spiketimes(self, ids: Any, clear: bool = False) -> Any:
        idx, times = self._spike_data()
        want = self._indices(ids)
        keep = np.isin(idx, want)
        all_ids = np.asarray(self.population.all_cells, dtype=np.int64)
        return all_ids[idx[keep]], times[keep]

    def _get_all_signals(self, variable: Any, ids: Any, clear: bool = False) -> tuple[np.ndarray, None]:
        name = variable.name
        var, factor = self._native_var(name)
        want = self._indices(ids)
        state = simulator.state
        dt = state.dt
        every = max(1, int(round(self.sampling_interval / dt)))
        t0 = float(self._recording_start_time.rescale("ms").magnitude)
        cols: list[np.ndarray | None] = []
        for k in want:
            found = None
            for mon, idx in self._state_mons.get(name, []):
                hit = np.flatnonzero(idx == k)
                if hit.size:
                    found = (mon, int(hit[0]))
                    break
            if found is None:
                cols.append(None)
                continue
            mon, col = found
            t = mon.times
            v = mon.values[:, col].astype(np.float64)
            sel = t >= t0 - 1e-9
            t, v = t[sel], v[sel]
            native = self.population.native
            if (
                native is not None
                and (t.size == 0 or t[-1] < state.t - 0.5 * dt)
                and (int(round((state.t - t0) / dt)) % every == 0)
            ):
                v = np.append(v, float(native.get(var)[k]))
            cols.append(v / factor)
        n = max((c.size for c in cols if c is not None), default=0)
        out = np.full((n, len(cols)), np.nan)
        for j, c in enumerate(cols):
            if c is not None:
                out[: c.size, j] = c
        return out, None

    def _local_count(self, variable: Any, filter_ids: Any = None) -> dict[int, int]:
        ids = sorted(self.filter_recorded(variable, filter_ids))
        idx, _ = self._spike_data()
        counts = np.bincount(idx, minlength=self.population.size)
        return {int(i): int(counts[self.population.id_to_index(int(i))]) for i in ids}

    def _clear_simulator(self) -> None:
        net = simulator.state.net
        self._clear_step = net.step if net is not None else 0
        # state monitors restart with the clear: new monitors from now on
        if net is not None:
            for name, mons in list(self._state_mons.items()):
                idx = np.concatenate([i for _, i in mons])
                self._state_mons[name] = []
                ids = np.asarray(self.population.all_cells)[idx]
                self._start(name, list(ids))

    def _reset(self) -> None:
        self._spike_mon = None
        self._state_mons = {}
