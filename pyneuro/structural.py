"""Structural plasticity while a network runs (``pn.structural``).

Rules are attached with ``net.add_structural(proj, rule, ...)`` and act every ``interval`` ms inside
:meth:`Network.run`, in a mutation phase between two steps: the compiled loop stops at the boundary, each thread
changes the synapses into its own neurons (in parallel), and the loop continues. Decisions use counter-based random
streams keyed by (projection, rule, neuron, epoch), so the structure is identical for every thread count, and a
checkpoint taken mid-rewiring continues bit for bit. Every change is logged in ``net.structural_log``.

A new synapse transmits spikes that arrive from the next step on and starts with fresh per-synapse rule state;
a removed one never transmits again (spikes in flight to it included). Neuron traces are shared, so a trace-based
rule at a new synapse sees its neurons' recent spikes. New synapses' delays are at most the projection's
``max_delay`` (see :meth:`Network.connect`).

- :class:`Pruning`: remove weak (or inactive) synapses, after a sustained time, with a probability; or old ones.
- :class:`Growth`: random synaptogenesis at a rate per neuron, optionally distance dependent (positions).
- :class:`HomeostaticGrowth`: activity-dependent growth and retraction of synaptic elements (Butz & van Ooyen 2013).
- :class:`Sprouting`: after a lesion, surviving presynaptic neurons grow onto deafferented targets.
- :class:`Neurogenesis`: adult neurogenesis, neurons added to a population at a rate while it runs, wired by
  connection rules, with heightened plasticity that matures (``net.add_structural(pop, Neurogenesis(...))``).
"""

from __future__ import annotations

import json
from dataclasses import KW_ONLY, InitVar, dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

from . import _core, io
from ._clock import interval_steps
from ._validation import check_int, check_number
from .connectivity import Normal, Uniform

if TYPE_CHECKING:
    from .io import Node, Refs
    from .network import Network
    from .population import Population

__all__ = [
    "StructuralRule",
    "Pruning",
    "Growth",
    "Sprouting",
    "HomeostaticGrowth",
    "Neurogenesis",
    "NeurogenesisEpochs",
    "STRUCTURAL_RULES",
    "MAX_PER_INTERVAL",
    "LOG_KINDS",
]


def _steps(name: str, interval: float, dt: float) -> float:
    return float(interval_steps(name, interval, dt))


def _lower_value(prefix: str, name: str, value: Any, lo: float, redraw_lo: float | None = None) -> dict[str, float]:
    """A weight or delay of new synapses: a number, Uniform(low, high) or Normal(mean, std, low, high, truncation).
    ``lo`` bounds clipped values; a redrawn Normal is redrawn below ``redraw_lo`` (default ``lo``)."""
    if isinstance(value, Uniform):
        return {f"{prefix}_kind": 1.0, f"{prefix}_a": float(value.low), f"{prefix}_b": float(value.high)}
    if isinstance(value, Normal):
        out = {f"{prefix}_kind": 2.0, f"{prefix}_a": float(value.mean), f"{prefix}_b": float(value.std)}
        if value.redraw:
            out[f"{prefix}_redraw"] = 1.0
            lo = max(lo if redraw_lo is None else redraw_lo, float(value.low))
            value.check_mass(lo, float(value.high), name)
        out[f"{prefix}_lo"] = max(lo, float(value.low))
        if value.high < float("inf"):
            out[f"{prefix}_hi"] = float(value.high)
        return out
    v = check_number(name, value, lo)
    return {f"{prefix}_kind": 0.0, f"{prefix}_a": v}


def _check_value(name: str, value: Any, lo: float) -> None:
    if isinstance(value, Uniform):
        if value.low < lo:
            raise ValueError(f"{name}: Uniform low must be >= {lo}, got {value.low}")
    elif isinstance(value, Normal):
        pass
    else:
        check_number(name, value, lo)


@dataclass
class StructuralRule:
    """Base of the structural rule descriptions."""

    kind: ClassVar[str] = ""

    def lower(self, net: Network) -> dict[str, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def check_target(self, target: Any, net: Network) -> None:
        """Refuse (``ValueError``) parameters that ``target`` (the projection or population the rule is added to)
        cannot honour. Called by :meth:`Network.add_structural` before anything changes."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, (Uniform, Normal)):
                v = {"dist": type(v).__name__, **{g.name: getattr(v, g.name) for g in fields(v)}}
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StructuralRule:
        d = dict(d)
        rule_cls = STRUCTURAL_RULES.get(d.pop("kind", ""))
        if rule_cls is None:
            raise ValueError(f"unknown structural rule in {d!r}")
        if rule_cls is Neurogenesis:
            return Neurogenesis._from_dict(d)
        for k, v in list(d.items()):
            if isinstance(v, dict) and "dist" in v:
                v = dict(v)
                d[k] = {"Uniform": Uniform, "Normal": Normal}[v.pop("dist")](**v)
        return rule_cls(**d)


@dataclass
class Pruning(StructuralRule):
    """Remove synapses by rule, tested every ``interval`` ms.

    A synapse is *weak* when ``w < threshold`` or (``min_rate > 0``) its presynaptic neuron's rate estimate (an
    exponential average of its spikes over ``tau_rate``) is below ``min_rate`` Hz (inactive). Once weak at every
    test for at least ``sustain`` ms it is removed with ``probability`` per test (1: at once). Independently, with
    ``max_age > 0`` a synapse older than ``max_age`` ms (since its creation, or since the rule was added) is removed.

    Parameters
    ----------
    threshold : float
        Weight below which a synapse is weak (weight units), >= 0 (0: weight never counts).
    sustain : float
        How long it must stay weak (ms), >= 0.
    probability : float
        Removal probability per test once due, in (0, 1].
    max_age : float
        Age limit (ms), >= 0 (0: none).
    min_rate, tau_rate : float
        Inactivity criterion (Hz, >= 0; 0: none) and its rate-estimate time constant (ms, > 0).
    interval : float
        Test interval (ms), >= dt.
    """

    threshold: float = 0.0
    sustain: float = 0.0
    probability: float = 1.0
    max_age: float = 0.0
    min_rate: float = 0.0
    tau_rate: float = 1000.0
    interval: float = 100.0

    kind: ClassVar[str] = "Pruning"

    def __post_init__(self) -> None:
        check_number("Pruning.threshold", self.threshold, 0.0)
        check_number("Pruning.sustain", self.sustain, 0.0)
        check_number("Pruning.probability", self.probability, 0.0, 1.0, lo_open=True)
        check_number("Pruning.max_age", self.max_age, 0.0)
        check_number("Pruning.min_rate", self.min_rate, 0.0)
        check_number("Pruning.tau_rate", self.tau_rate, 0.0, lo_open=True)
        check_number("Pruning.interval", self.interval, 0.0, lo_open=True)

    def lower(self, net: Network) -> dict[str, float]:
        return {
            "threshold": float(self.threshold),
            "sustain": float(self.sustain),
            "probability": float(self.probability),
            "max_age": float(self.max_age),
            "min_rate": float(self.min_rate),
            "tau_rate": float(self.tau_rate),
            "interval_steps": _steps("Pruning.interval", self.interval, net.dt),
            "dt": net.dt,
        }


#: the kinds of :attr:`Network.structural_log` entries, by their code in the compiled core:
#: "created" a synapse made by a structural rule (Growth, Sprouting, HomeostaticGrowth, or Neurogenesis wiring its
#: new neurons during a run); "pruned" a synapse removed by a rule (Pruning, HomeostaticGrowth's retraction);
#: "lesioned" a synapse removed by a lesion, or a lesioned neuron (projection ""); "neuron_added" a neuron added
#: (projection "", pre = the population's index); "added" a synapse added between runs by the user
#: (Projection.add_synapses, connect_new, Population.add_neurons(connect=...)); "removed" a synapse removed by the user
#: (Projection.remove_synapses). A projection's size is its size at connect plus created and added, minus pruned,
#: lesioned and removed synapses.
LOG_KINDS: tuple[str, ...] = tuple(k.name for k in sorted(_core.StructEventKind.__members__.values(), key=int))

#: the most synapses per neuron per interval a growth rule may ask for: every count is drawn as a 32-bit number
MAX_PER_INTERVAL = 2**32 - 1


def _per_interval(name: str, rate: float, interval: float, what: str) -> float:
    """``rate`` (per second) times ``interval`` (ms): the expected count per interval, refused beyond
    :data:`MAX_PER_INTERVAL`."""
    lam = float(rate) * float(interval) * 1e-3
    if not lam <= MAX_PER_INTERVAL:
        raise ValueError(
            f"{name} x interval = {rate:g} /s x {interval:g} ms = {lam:g} {what} per interval; at most "
            f"{MAX_PER_INTERVAL} can be drawn (lower the rate or the interval)"
        )
    return lam


@dataclass
class _GrowthBase(StructuralRule):
    def _check_common(self) -> None:
        k = self.kind
        _check_value(f"{k}.weight", self.weight, 0.0)  # type: ignore[attr-defined]
        if self.delay is not None:  # type: ignore[attr-defined]
            _check_value(f"{k}.delay", self.delay, 0.0)  # type: ignore[attr-defined]
        check_number(f"{k}.interval", self.interval, 0.0, lo_open=True)  # type: ignore[attr-defined]
        if not isinstance(self.allow_self, bool) or not isinstance(self.allow_multapses, bool):  # type: ignore[attr-defined]
            raise TypeError(f"{k}.allow_self and {k}.allow_multapses must be bools")
        check_int(f"{k}.max_multapses", self.max_multapses, 1, 2**31 - 1)  # type: ignore[attr-defined]

    def _per_pair(self) -> int:
        """How many synapses one (pre, post) pair may have: ``max_multapses`` with multapses, else 1."""
        return int(self.max_multapses) if self.allow_multapses else 1  # type: ignore[attr-defined]

    def _partners(self, proj: Any) -> tuple[int, int]:
        """Eligible presynaptic partners of a post neuron and postsynaptic partners of a pre neuron."""
        no_self = proj.source is proj.target and not self.allow_self  # type: ignore[attr-defined]
        return proj.source.size - int(no_self), proj.target.size - int(no_self)

    def _steps_ms(self, net: Network) -> float:
        """The interval as the engine uses it: whole steps, in ms."""
        return _steps(f"{self.kind}.interval", self.interval, net.dt) * net.dt  # type: ignore[attr-defined]

    def _lower_common(self, net: Network) -> dict[str, float]:
        k = self.kind
        delay = net.dt if self.delay is None else self.delay  # type: ignore[attr-defined]
        return {
            **_lower_value("w", f"{k}.weight", self.weight, 0.0),  # type: ignore[attr-defined]
            **_lower_value("d", f"{k}.delay", delay, net.dt * (1 - 1e-9), redraw_lo=0.5 * net.dt),
            "interval_steps": _steps(f"{k}.interval", self.interval, net.dt),  # type: ignore[attr-defined]
            "dt": net.dt,
            "allow_self": float(self.allow_self),  # type: ignore[attr-defined]
            "allow_multapses": float(self.allow_multapses),  # type: ignore[attr-defined]
            "max_multapses": float(self.max_multapses),  # type: ignore[attr-defined]
        }


@dataclass
class Growth(_GrowthBase):
    """Random synaptogenesis: every postsynaptic neuron gains Poisson(``rate`` x interval) new synapses per
    ``interval`` (``rate`` per second), from presynaptic neurons drawn uniformly or, with ``sigma > 0`` and
    positions on both populations, with probability ``exp(-d**2 / (2 sigma**2))`` of their distance d. With
    ``max_in_degree > 0`` a neuron stops gaining synapses at that in-degree.

    What a projection can hold bounds the rule: a neuron gains at most as many synapses per interval as it has room
    for (its eligible presynaptic partners times ``max_multapses`` with multapses, times 1 without, less the synapses
    it has), and :meth:`Network.add_structural` refuses a ``rate`` whose mean per interval exceeds that room on an
    empty neuron (such a rate would not be a Poisson rate any more but "every possible synapse at every test").

    Parameters
    ----------
    rate : float
        New synapses per neuron per second, >= 0.
    weight, delay : float, Uniform or Normal
        Of new synapses (weight units; ms, default dt, at most the projection's max_delay).
    sigma : float
        Distance scale (position units), >= 0 (0: uniform).
    max_in_degree : int
        Cap on a neuron's incoming synapses of this projection (0: none).
    allow_self, allow_multapses : bool
        Whether a neuron may connect to itself, and whether a second synapse between the same pair may form.
    interval : float
        ms, >= dt.
    max_multapses : int
        With ``allow_multapses``, the most synapses one (pre, post) pair may have, >= 1 (a proposal that would exceed
        it is refused, as a second synapse is without multapses).
    """

    rate: float = 1.0
    weight: Any = 1.0
    delay: Any = None
    sigma: float = 0.0
    max_in_degree: int = 0
    allow_self: bool = False
    allow_multapses: bool = False
    interval: float = 100.0
    max_multapses: int = 100

    kind: ClassVar[str] = "Growth"

    def __post_init__(self) -> None:
        check_number("Growth.rate", self.rate, 0.0)
        check_number("Growth.sigma", self.sigma, 0.0)
        check_int("Growth.max_in_degree", self.max_in_degree, 0, 2**32 - 1)
        self._check_common()
        _per_interval("Growth.rate", self.rate, self.interval, "new synapses per neuron")

    def check_target(self, target: Any, net: Network) -> None:
        eligible, _ = self._partners(target)
        room = eligible * self._per_pair()
        iv = self._steps_ms(net)
        lam = float(self.rate) * iv * 1e-3
        if lam > room:
            raise ValueError(
                f"Growth.rate: {self.rate:g} /s x interval {iv:g} ms = {lam:g} new synapses per neuron per interval, "
                f"more than a neuron of projection {target.name!r} can hold ({eligible} eligible partners x "
                f"{self._per_pair()} synapse(s) each = {room}); lower the rate"
                + ("" if self.allow_multapses else " or allow multapses")
            )

    def lower(self, net: Network) -> dict[str, float]:
        return {
            **self._lower_common(net),
            "rate": float(self.rate),
            "sigma": float(self.sigma),
            "max_in_degree": float(self.max_in_degree),
        }


@dataclass
class Sprouting(_GrowthBase):
    """Axonal sprouting after injury: surviving presynaptic neurons (those with at least one synapse left in the
    projection) grow new synapses onto deafferented targets. A postsynaptic neuron that has lost ``d`` of its
    inputs (against its in-degree when the rule was added) gains Poisson(``rate`` x d x interval) synapses per
    ``interval``, never more than d, from survivors within ``reach`` (positions; 0: any distance).

    Parameters
    ----------
    rate : float
        Regrowth rate per missing input per second, >= 0.
    reach : float
        Largest distance (position units) of a sprouting partner, >= 0 (0: unlimited).
    weight, delay, allow_self, allow_multapses, interval, max_multapses
        As in :class:`Growth`.
    """

    rate: float = 0.5
    reach: float = 0.0
    weight: Any = 1.0
    delay: Any = None
    allow_self: bool = False
    allow_multapses: bool = False
    interval: float = 100.0
    max_multapses: int = 100

    kind: ClassVar[str] = "Sprouting"

    def __post_init__(self) -> None:
        check_number("Sprouting.rate", self.rate, 0.0)
        check_number("Sprouting.reach", self.reach, 0.0)
        self._check_common()
        _per_interval("Sprouting.rate", self.rate, self.interval, "new synapses per missing input")

    def lower(self, net: Network) -> dict[str, float]:
        return {**self._lower_common(net), "rate": float(self.rate), "reach": float(self.reach)}


@dataclass
class HomeostaticGrowth(_GrowthBase):
    """Activity-dependent structural plasticity after Butz & van Ooyen 2013 (PLoS Comput. Biol. 9:e1003259).

    Every neuron has synaptic elements: axonal ``z_a`` (as a presynaptic neuron of the projection) and dendritic
    ``z_d`` (as a postsynaptic one). With ``nu`` its calcium-like rate estimate (an exponential average of its
    spikes over ``tau_rate``, in Hz) they follow the linear growth curve::

        dz/dt = growth_rate * (1 - nu / target_rate)

    so a neuron below its target rate grows elements and one above retracts them. Every ``interval``: a neuron with
    more synapses than ``floor(z)`` loses random ones; then free elements (``floor(z)`` minus synapses) are paired
    at random, each postsynaptic neuron's free dendritic elements taking partners with probability proportional to
    their free axonal elements. Elements start equal to the present synapse counts. A neuron's usable elements are
    at most what the projection can hold for it (its eligible partners times ``max_multapses`` with multapses, times
    1 without): elements beyond that are never paired, and a ``growth_rate`` that adds more than that per interval
    is refused by :meth:`Network.add_structural`.

    Parameters
    ----------
    target_rate : float
        Hz, > 0.
    growth_rate : float
        Elements per second at zero activity, > 0.
    tau_rate : float
        Rate-estimate time constant (ms), > 0. ``tau_ca`` (the paper's calcium time constant) is an alias (keyword
        and attribute).
    weight, delay, allow_self, allow_multapses, interval, max_multapses
        As in :class:`Growth`.
    """

    target_rate: float = 5.0
    growth_rate: float = 1.0
    tau_rate: float = 1000.0
    weight: Any = 1.0
    delay: Any = None
    allow_self: bool = False
    allow_multapses: bool = False
    interval: float = 100.0
    max_multapses: int = 100
    _: KW_ONLY
    tau_ca: InitVar[float | None] = None

    kind: ClassVar[str] = "HomeostaticGrowth"

    def __post_init__(self, tau_ca: float | None) -> None:
        if tau_ca is not None:
            self.tau_rate = tau_ca
        check_number("HomeostaticGrowth.target_rate", self.target_rate, 0.0, lo_open=True)
        check_number("HomeostaticGrowth.growth_rate", self.growth_rate, 0.0, lo_open=True)
        check_number("HomeostaticGrowth.tau_rate", self.tau_rate, 0.0, lo_open=True)
        self._check_common()
        _per_interval("HomeostaticGrowth.growth_rate", self.growth_rate, self.interval, "new elements per neuron")

    def check_target(self, target: Any, net: Network) -> None:
        n_pre, n_post = self._partners(target)
        room = max(n_pre, n_post) * self._per_pair()
        g = float(self.growth_rate) * self._steps_ms(net) * 1e-3
        if g > room:
            raise ValueError(
                f"HomeostaticGrowth.growth_rate: {self.growth_rate:g} /s x interval {self._steps_ms(net):g} ms = {g:g} "
                f"new elements per neuron per interval, more than a neuron of projection {target.name!r} can use "
                f"({max(n_pre, n_post)} eligible partners x {self._per_pair()} synapse(s) each = {room}); lower it"
            )

    def lower(self, net: Network) -> dict[str, float]:
        return {
            **self._lower_common(net),
            "target_rate": float(self.target_rate),
            "growth_rate": float(self.growth_rate),
            "tau_ca": float(self.tau_rate),
        }


def _tau_ca(self: HomeostaticGrowth) -> float:
    return self.tau_rate


def _set_tau_ca(self: HomeostaticGrowth, value: float) -> None:
    self.tau_rate = value


# the paper's symbol as an attribute alias (set after the dataclass has taken tau_ca as an init-only keyword)
HomeostaticGrowth.tau_ca = property(_tau_ca, _set_tau_ca, doc="Alias of ``tau_rate``.")  # type: ignore[attr-defined]


@dataclass
class Neurogenesis(StructuralRule):
    """Adult neurogenesis while the network runs: every ``interval`` ms, Poisson(``rate`` x interval) new neurons
    join the population (``net.add_structural(pop, Neurogenesis(...))``), at most ``max_neurons`` in all.

    Each batch is added exactly as :meth:`Population.add_neurons` would between runs, at the epoch's step inside
    :meth:`Network.run`: ``connect`` wires the new neurons (items ``(projection name, "in" | "out", connection rule,
    weight, delay)``), ``maturation = (boost, tau_mature)`` gives them heightened plasticity that decays over
    ``tau_mature`` ms, and, for a population with positions, new neurons are placed uniformly in the box
    ``position_box = [[lo...], [hi...]]``. The batch size and positions come from a generator seeded by
    (network seed, population, epoch), so runs are reproducible for any thread count and chunking.

    Parameters
    ----------
    rate : float
        New neurons per second, >= 0.
    connect : list
        ``(projection name, "in" | "out", rule, weight, delay)`` items (names, so the rule can be checkpointed).
    maturation : (float, float), optional
        ``(boost, tau_mature)``.
    position_box : [[lo...], [hi...]], optional
        Required when the population has positions.
    max_neurons : int
        Cap on the neurons this rule adds (0: none).
    interval : float
        ms, >= dt.
    """

    rate: float = 1.0
    connect: Any = ()
    maturation: Any = None
    position_box: Any = None
    max_neurons: int = 0
    interval: float = 1000.0

    kind: ClassVar[str] = "Neurogenesis"

    def __post_init__(self) -> None:
        check_number("Neurogenesis.rate", self.rate, 0.0)
        check_int("Neurogenesis.max_neurons", self.max_neurons, 0, 2**31 - 1)
        check_number("Neurogenesis.interval", self.interval, 0.0, lo_open=True)
        if not self.rate * self.interval * 1e-3 <= 2**31 - 1:
            raise ValueError(
                f"Neurogenesis.rate x interval = {self.rate:g} /s x {self.interval:g} ms = "
                f"{self.rate * self.interval * 1e-3:g} new neurons per interval; a population holds at most 2**31 - 1"
            )
        if not isinstance(self.connect, (list, tuple)):
            raise TypeError("Neurogenesis.connect must be a list of (projection name, direction, rule, weight, delay)")
        items = []
        for k, it in enumerate(self.connect):
            if not isinstance(it, (list, tuple)) or len(it) != 5 or not isinstance(it[0], str):
                raise TypeError(f"Neurogenesis.connect[{k}] must be (projection name, 'in'|'out', rule, weight, delay)")
            if it[1] not in ("in", "out"):
                raise ValueError(f"Neurogenesis.connect[{k}] direction must be 'in' or 'out', got {it[1]!r}")
            items.append(tuple(it))
        self.connect = items
        if self.maturation is not None:
            if not isinstance(self.maturation, (list, tuple)) or len(self.maturation) != 2:
                raise TypeError("Neurogenesis.maturation must be (boost, tau_mature)")
            self.maturation = (
                check_number("Neurogenesis.maturation boost", self.maturation[0], 0.0),
                check_number("Neurogenesis.maturation tau_mature", self.maturation[1], 0.0, lo_open=True),
            )
        if self.position_box is not None:
            import numpy as np

            try:
                box = np.asarray(self.position_box, dtype=np.float64)
            except (ValueError, TypeError):
                raise TypeError(
                    f"Neurogenesis.position_box must be [[lo...], [hi...]] numbers, got {self.position_box!r}"
                ) from None
            if box.ndim != 2 or box.shape[0] != 2 or not np.all(np.isfinite(box)) or not np.all(box[1] >= box[0]):
                raise ValueError(
                    f"Neurogenesis.position_box must be [[lo...], [hi...]] of finite numbers with hi >= lo, got "
                    f"{self.position_box!r}"
                )
            self.position_box = box.tolist()

    def to_dict(self) -> dict[str, Any]:
        from .connectivity import ConnectionRule

        out = super().to_dict()
        conns = []
        for name, direction, rule, w, d in self.connect:
            if not isinstance(rule, ConnectionRule):
                raise TypeError("Neurogenesis.connect rules must come from pyneuro.conn")
            conns.append([name, direction, {"rule": type(rule).__name__, **rule.__dict__}, _plain(w), _plain(d)])
        out["connect"] = conns
        return out

    @classmethod
    def _from_dict(cls, d: dict[str, Any]) -> Neurogenesis:
        from . import connectivity

        conns = []
        for name, direction, rd, w, dl in d.get("connect", []):
            rd = dict(rd)
            rule = getattr(connectivity, rd.pop("rule"))(**rd)
            conns.append((name, direction, rule, _unplain(w), _unplain(dl)))
        return cls(**{**{k: v for k, v in d.items() if k != "connect"}, "connect": conns})

    def lower(self, net: Network) -> dict[str, float]:  # acts in Python (NeurogenesisEpochs), not in the core
        return {}

    def check_target(self, target: Any, net: Network) -> None:
        room = 2**31 - 1 - target.size
        lam = float(self.rate) * interval_steps("Neurogenesis.interval", self.interval, net.dt) * net.dt * 1e-3
        if lam > room:
            raise ValueError(
                f"Neurogenesis.rate: {self.rate:g} /s gives {lam:g} new neurons per interval on average, more than "
                f"population {target.name!r} can take (2**31 - 1 neurons at most, {room} more); lower it"
            )


def _plain(v: Any) -> Any:
    if isinstance(v, (Uniform, Normal)):
        return {"dist": type(v).__name__, **{g.name: getattr(v, g.name) for g in fields(v)}}
    return v


def _unplain(v: Any) -> Any:
    if isinstance(v, dict) and "dist" in v:
        v = dict(v)
        return {"Uniform": Uniform, "Normal": Normal}[v.pop("dist")](**v)
    return v


class NeurogenesisEpochs:
    """The epochs of one :class:`Neurogenesis` rule on one population: when it acts next and how many neurons it
    has added so far. :meth:`Network.add_structural` creates it and adds it to the network's
    scheduler (:mod:`pyneuro.scheduler`), which calls :meth:`fire` when :attr:`next_step` comes.

    Parameters
    ----------
    population : Population
        The population that grows.
    rule : Neurogenesis
        The rule.
    index : int
        The rule's position among the population's Neurogenesis rules (keys its random draws).
    next_step : int
        Step of the next epoch.
    added : int
        Neurons added so far.
    """

    def __init__(self, population: Population, rule: Neurogenesis, index: int, next_step: int, added: int = 0) -> None:
        self.population = population
        self.rule = rule
        self.index = index
        self.next_step = next_step
        self.added = added

    @classmethod
    def attach(cls, net: Network, pop: Population, rules: tuple[Any, ...]) -> list[NeurogenesisEpochs]:
        """Give ``pop`` (of ``net``) the Neurogenesis ``rules``: check them all, then append each to
        ``pop.structural`` and add its epochs (the first at the next multiple of its interval) to the network's
        scheduler. Returns the epochs, in the order of ``rules``."""
        if not rules:
            raise ValueError("add_structural needs at least one rule from pyneuro.structural")
        names = [p.name for p in net.projections]
        for k, r in enumerate(rules):
            if not isinstance(r, Neurogenesis):
                raise TypeError(f"rules[{k}]: a population takes Neurogenesis rules, got {type(r).__name__}")
            for name, *_ in r.connect:
                if name not in names:
                    raise ValueError(f"rules[{k}].connect names projection {name!r}; the network has {names}")
            if pop.positions is not None and r.position_box is None:
                raise ValueError(f"rules[{k}]: population {pop.name!r} has positions; give position_box")
            interval_steps(f"rules[{k}].interval", r.interval, net.dt)
            r.check_target(pop, net)
        out = []
        for r in rules:
            iv = interval_steps("Neurogenesis.interval", r.interval, net.dt)
            epochs = cls(pop, r, len(pop.structural), (net.step // iv + 1) * iv)
            pop.structural.append(r)
            net.scheduler.add(epochs)
            out.append(epochs)
        return out

    # -- checkpoints ------------------------------------------------------------------------------------------
    def save_to(self, node: Node, refs: Refs) -> None:
        """Write these epochs into the checkpoint group ``node``: ``kind``, ``population`` (its position), ``rule``
        (JSON), ``next_step`` and ``added``."""
        node.attrs.update(
            kind="neurogenesis",
            population=refs.index(self.population),
            rule=json.dumps(self.rule.to_dict()),
            next_step=int(self.next_step),
            added=int(self.added),
        )

    @classmethod
    def load_from(cls, net: Network, node: Node, refs: Refs) -> NeurogenesisEpochs:
        """Give the population the rule saved in ``node`` by :meth:`save_to` again (:meth:`attach`), with the saved
        next epoch and count."""
        pop = refs.population(node.attrs["population"], "neurogenesis population")
        (epochs,) = cls.attach(net, pop, (StructuralRule.from_dict(json.loads(node.attrs["rule"])),))
        epochs.next_step = int(node.attrs["next_step"])
        epochs.added = int(node.attrs["added"])
        return epochs

    @property
    def fire_order(self) -> tuple[int, ...]:
        """After lesions, before snapshots (:mod:`pyneuro.scheduler`); by population, then rule."""
        from .scheduler import ORDER_GROWTH

        pops = self.population.network.populations
        return (ORDER_GROWTH, next(k for k, p in enumerate(pops) if p is self.population), self.index)

    def fire(self, step: int | None = None) -> None:
        """Add the neurons of the epoch due at ``step`` (default: the network's step; the population's network is
        there; nothing happens unless ``step`` is :attr:`next_step`). As a :class:`pyneuro.scheduler.Scheduled`."""
        import numpy as np

        pop, rule, k = self.population, self.rule, self.index
        net = pop.network
        step = net.step if step is None else step
        if step != self.next_step or net.step != step:
            return
        iv = interval_steps("Neurogenesis.interval", rule.interval, net.dt)
        epoch = self.next_step // iv
        rng = np.random.default_rng([net.seed, 0x6E6575, pop.compiled.id, k, epoch])
        n = int(rng.poisson(rule.rate * rule.interval * 1e-3))
        if rule.max_neurons > 0:
            n = min(n, rule.max_neurons - self.added)
        if n > 0:
            by_name = {p.name: p for p in net.projections}
            conns = [(by_name[name], direction, r, w, d) for name, direction, r, w, d in rule.connect]
            pos = None
            if pop.positions is not None:
                box = np.asarray(rule.position_box, dtype=np.float64)
                pos = rng.uniform(box[0], box[1], size=(n, box.shape[1]))
            pop.add_neurons(n, positions=pos, connect=conns or None, maturation=rule.maturation, log_kind="created")
            self.added += n
        self.next_step += iv


STRUCTURAL_RULES: dict[str, type[StructuralRule]] = {
    c.kind: c
    for c in (Pruning, Growth, Sprouting, HomeostaticGrowth, Neurogenesis)  # type: ignore[misc]
}

io.register("scheduled", "neurogenesis", NeurogenesisEpochs)
