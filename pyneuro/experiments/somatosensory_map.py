"""The somatosensory map model shared by :data:`~pyneuro.experiments.remapping`,
:data:`~pyneuro.experiments.skill_learning` and :data:`~pyneuro.experiments.compensation`: its parameters
(:data:`PARAMETERS`), the network (:class:`SomatosensoryMap`), its development from unrefined wiring
(:func:`develop_map`), the map measures (:func:`territories`, :func:`map_order`, :func:`map_segments`,
:func:`selectivity`, :func:`measures`) and the drawing helpers (:func:`draw_strips`, :func:`draw_responses`).
The model is described in :data:`MODEL_DOC`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import models, plasticity
from ..network import Network
from ._framework import CONDUCTANCE_LIF, Param, Parameters

__all__ = [
    "PARAMETERS",
    "MODEL_DOC",
    "SomatosensoryMap",
    "develop_map",
    "territories",
    "map_order",
    "map_segments",
    "selectivity",
    "measures",
    "draw_strips",
    "draw_responses",
]

#: the map model's parameters (sizes are multiplied by the experiments' ``scale``, weights divided by it)
PARAMETERS = Parameters(
    Param("n_digits", 5, "digits", lo=3, hi=20),
    Param("m", 20, "thalamic inputs per digit (times scale, at least 2)", lo=2),
    Param("n_exc", 100, "excitatory neurons of the sheet (times scale)", lo=10),
    Param("n_inh", 25, "inhibitory neurons of the sheet (times scale)", lo=1),
    Param("rate_on", 40.0, "rate of a stimulated digit's inputs", "Hz", lo=0.0, hi=1000.0),
    Param("rate_off", 2.0, "rate of the other inputs, and in the gaps", "Hz", lo=0.0, hi=1000.0),
    Param("t_stim", 100.0, "stimulus of a trial", "ms", lo=1.0),
    Param("t_gap", 50.0, "pause after each stimulus", "ms", lo=0.0),
    Param("w_tc", 1.0, "scale of the initial thalamocortical weights", "nS", lo=0.0),
    Param("arbor", 2.5, "reach of a thalamic input on the sheet, in digit widths", lo=1e-3),
    Param("bias", 0.2, "strength of the weak positional gradient of the initial weights", lo=0.0, hi=1.0),
    Param("sigma_tc", 1.0, "width of that gradient, in digit widths", lo=1e-3),
    Param("noise", 1.0, "initial weights are multiplied by uniform noise in [1 - noise, 1 + noise]", lo=0.0, hi=1.0),
    Param("w_max", 3.0, "largest thalamocortical weight", "nS", lo=1e-6),
    Param("a_pre", 0.02, "STDP potentiation amplitude", "nS", lo=0.0),
    Param("ltd_ratio", 1.05, "STDP depression amplitude / potentiation amplitude", lo=0.0),
    Param("w_ee", 1.0, "peak lateral E->E weight", "nS", lo=0.0),
    Param("sigma_ee", 0.1, "width of lateral E->E wiring, in digit widths", lo=1e-3),
    Param("w_ei", 1.5, "peak lateral E->I weight", "nS", lo=0.0),
    Param("sigma_ei", 0.3, "width of lateral E->I wiring, in digit widths", lo=1e-3),
    Param("w_ie", 4.0, "peak lateral I->E weight", "nS", lo=0.0),
    Param("sigma_ie", 1.0, "width of lateral I->E wiring, in digit widths", lo=1e-3),
    Param("ip_target", 3.0, "target rate of intrinsic plasticity (and set point of synaptic scaling)", "Hz",
          lo=0.0, hi=200.0),
    Param("ip_eta", 0.2, "threshold change of intrinsic plasticity per spike", "mV", lo=1e-6),
    Param("n_develop", 2000, "touches during map formation", lo=1),
    Param("touch_width", 0.5, "width of a touch, in digit widths", lo=1e-3),
    Param("w_ee_dev", 2.0, "peak lateral E->E weight of the immature sheet", "nS", lo=0.0),
    Param("sigma_ee_dev", 0.2, "width of the immature E->E wiring, in digit widths", lo=1e-3),
    Param("w_ie_dev", 2.0, "peak lateral I->E weight of the immature sheet", "nS", lo=0.0),
    Param("sigma_ie_dev", 2.5, "width of the immature I->E wiring, in digit widths", lo=1e-3),
    Param("tau_scaling_dev", 5000.0, "time constant of synaptic scaling during formation", "ms", lo=1.0),
    Param("n_refine", 600, "single-digit trials of refinement on the mature sheet", lo=0),
    Param("n_probe", 20, "probe trials per digit", lo=1),
    Param("resp_threshold", 5.0, "a neuron is responsive when its largest response reaches this", "Hz", lo=0.0),
)  # fmt: skip

#: the model, its development and its measure, in words (part of the experiments' docstrings)
MODEL_DOC = """Model (:mod:`pyneuro.experiments.somatosensory_map`, shared by ``remapping``, ``skill_learning`` and
``compensation``): ``n_digits`` digits, each with ``m`` thalamic inputs (spike generators; positions along a line in
digit order, one digit width each), project onto a one-dimensional cortical sheet of ``n_exc`` excitatory and
``n_inh`` inhibitory conductance-based LIF neurons (LIFCond, Vogels & Abbott's parameters) spread evenly over the same
``n_digits`` digit widths. Thalamocortical synapses (1 ms) start unrefined: every input within ``arbor`` digit widths
reaches a neuron (3 to 5 digits), with weight ``w_tc`` nS x (1 - ``bias`` + ``bias`` g) x u, where g is a Gaussian of
the input-neuron distance (width ``sigma_tc``; a weak positional gradient, as the molecular cues that give the
afferents a rough order) and u is uniform noise in [1 - ``noise``, 1 + ``noise``] (default [0, 2]: the weights are
mostly random). The initial map is unselective and fragmented. They carry additive pair STDP
(:class:`pyneuro.plasticity.STDP`, 20 ms windows, ``a_pre`` nS, depression ``ltd_ratio`` x larger, weights in [0,
``w_max``] nS; Song & Abbott 2001). Lateral wiring is fixed and Mexican-hat shaped: E->E Gaussian of width
``sigma_ee`` (peak ``w_ee`` nS), E->I ``sigma_ei`` (``w_ei``), and broader I->E inhibition ``sigma_ie`` (``w_ie``),
cut at 3 sigma, 1 ms delays. Homeostasis is intrinsic plasticity on the E neurons
(:class:`pyneuro.plasticity.IntrinsicPlasticity`, target ``ip_target`` Hz, ``ip_eta`` mV per spike), which keeps each
neuron's mean rate near target and so bounds the total drive. A trial stimulates one digit: its inputs fire (Poisson)
at ``rate_on`` Hz for ``t_stim`` ms, all other inputs at ``rate_off`` Hz, followed by ``t_gap`` ms at ``rate_off``.

Development (:func:`develop_map`; after the classic models of map formation: von der Malsburg 1973, Kybernetik 14:85;
Willshaw & von der Malsburg 1976, Proc. R. Soc. B 194:431; Kohonen 1982, Biol. Cybern. 43:59; Song & Abbott 2001):
first ``n_develop`` touches at random positions of the hand (uniform; inputs fire at rate_off + (rate_on - rate_off)
exp(-(x - centre)^2 / 2 ``touch_width``^2), so a touch near a border also excites the neighbouring digit: the
correlations that carry the order) on the immature sheet, whose lateral wiring is broader (E->E ``sigma_ee_dev``,
``w_ee_dev``; I->E broad and weak, ``sigma_ie_dev``, ``w_ie_dev``), with STDP, intrinsic plasticity and synaptic
scaling of the thalamocortical synapses (:class:`pyneuro.plasticity.SynapticScaling`, ``tau_scaling_dev`` ms, set
point ``ip_target``; it makes the neurons' afferents compete: what STDP gives to one group of inputs scaling takes
from all); then ``n_refine`` single-digit trials (digits uniform) on the mature sheet with STDP and intrinsic
plasticity. Development turns the unselective, fragmented initial map into contiguous, ordered, selective digit
territories (see Measure). Control: the same development with STDP off (homeostasis only).

Measure: the map is probed in a copy of the network without plasticity (same weights and thresholds), with ``n_probe``
trials per digit (the same probe spike trains every time). A neuron's response to a digit is its mean rate during the
stimulus; its preferred digit is the one with the largest response, provided that response reaches ``resp_threshold``
Hz (otherwise it is unresponsive and belongs to no digit). A digit's territory is the number of E neurons that prefer
it (its cortical magnification in Merzenich's sense). Map order: Spearman's rank correlation between a neuron's
position and its preferred digit, and the fraction of successive responsive neurons whose preferred digit does not
decrease; fragmentation: the number of contiguous segments of each digit's territory along the sheet (over responsive
neurons; 1 = contiguous); selectivity: the mean over neurons of (best - second best) / (best + second best) response."""


class SomatosensoryMap:
    """Sizes, geometry and fixed wiring of the map model at a given scale (weights in nS, positions in digit
    widths along a sheet of length n_digits)."""

    def __init__(self, p: dict[str, float], scale: float, seed: int, threads: int) -> None:
        self.p, self.seed, self.threads = p, seed, threads
        self.d = int(p["n_digits"])
        self.m = max(2, round(p["m"] * scale))
        self.n_e = max(10, round(p["n_exc"] * scale))
        self.n_i = max(1, round(p["n_inh"] * scale))
        self.n_in = self.d * self.m
        # weights are normalised so that the summed input per neuron does not change with scale
        self.f_tc = p["m"] / self.m
        f_e, f_i = p["n_exc"] / self.n_e, p["n_inh"] / self.n_i
        self.x_in = (np.arange(self.n_in) + 0.5) / self.m
        self.x_e = (np.arange(self.n_e) + 0.5) * self.d / self.n_e
        self.x_i = (np.arange(self.n_i) + 0.5) * self.d / self.n_i
        self.digit_of_input = np.arange(self.n_in) // self.m
        self.arbor = np.abs(self.x_in[:, None] - self.x_e[None, :]) <= p["arbor"]
        self.lateral = {
            "ee": _gauss(self.x_e, self.x_e, p["sigma_ee"], p["w_ee"] * f_e, no_self=True),
            "ei": _gauss(self.x_e, self.x_i, p["sigma_ei"], p["w_ei"] * f_e),
            "ie": _gauss(self.x_i, self.x_e, p["sigma_ie"], p["w_ie"] * f_i),
        }
        # the immature sheet during map formation: broader, stronger lateral excitation, broad weak inhibition
        self.lateral_dev = {
            "ee": _gauss(self.x_e, self.x_e, p["sigma_ee_dev"], p["w_ee_dev"] * f_e, no_self=True),
            "ei": self.lateral["ei"],
            "ie": _gauss(self.x_i, self.x_e, p["sigma_ie_dev"], p["w_ie_dev"] * f_i),
        }
        self.period = p["t_stim"] + p["t_gap"]
        self.probe_digits = np.repeat(np.arange(self.d), int(p["n_probe"]))
        # silenced digits -> probe spike trains (identical before and after)
        self.probe_spikes: dict[tuple[int, ...], tuple[Any, Any]] = {}

    def initial_weights(self) -> np.ndarray:
        """Thalamocortical weights (inputs x E neurons) before development: every input within ``arbor`` digit
        widths of a neuron (3-5 digits) reaches it with weight w_tc (1 - bias + bias g) u, where g is a Gaussian
        of the input-neuron distance (width sigma_tc: the weak positional gradient) and u is uniform noise in
        [1 - noise, 1 + noise] (with noise = 1: in [0, 2], i.e. mostly random); zero beyond the arbor."""
        p = self.p
        rng = np.random.default_rng([self.seed, 1])
        dist = np.abs(self.x_in[:, None] - self.x_e[None, :])
        g = np.exp(-0.5 * (dist / p["sigma_tc"]) ** 2)
        prof = (1.0 - p["bias"] + p["bias"] * g) * self.arbor
        return p["w_tc"] * self.f_tc * prof * (1.0 + p["noise"] * (2.0 * rng.random(g.shape) - 1.0))

    def spikes(self, digits: np.ndarray, silent: tuple[int, ...], rng: np.random.Generator) -> tuple[Any, Any]:
        """Poisson spike trains of the inputs for a sequence of trials: in trial k (period t_stim + t_gap) the
        inputs of digit ``digits[k]`` fire at rate_on for t_stim ms, all others at rate_off; silenced digits'
        inputs never fire."""
        p, n = self.p, len(digits)
        rates = np.full((n, self.n_in), p["rate_off"])
        rates[np.arange(n)[:, None], digits[:, None] * self.m + np.arange(self.m)[None, :]] = p["rate_on"]
        gap = np.full((n, self.n_in), p["rate_off"])
        for s in silent:
            rates[:, s * self.m : (s + 1) * self.m] = 0.0
            gap[:, s * self.m : (s + 1) * self.m] = 0.0
        return self._trains(rates, gap, rng)

    def touch_spikes(self, centres: np.ndarray, rng: np.random.Generator) -> tuple[Any, Any]:
        """Spike trains for touches of the developing hand: in trial k the inputs fire at rate_off + (rate_on -
        rate_off) exp(-(x - centres[k])^2 / 2 touch_width^2) for t_stim ms (a touch at position centres[k],
        digit widths, that also excites the neighbouring digit near a border), then rate_off for t_gap ms."""
        p = self.p
        bump = np.exp(-0.5 * ((self.x_in[None, :] - centres[:, None]) / p["touch_width"]) ** 2)
        rates = p["rate_off"] + (p["rate_on"] - p["rate_off"]) * bump
        return self._trains(rates, np.full_like(rates, p["rate_off"]), rng)

    def _trains(self, rates: np.ndarray, gap: np.ndarray, rng: np.random.Generator) -> tuple[Any, Any]:
        """Poisson trains: trial k's inputs at ``rates[k]`` for t_stim ms, then ``gap[k]`` for t_gap ms."""
        p = self.p
        ts, ids = [], []
        for r, t0, dur in ((rates, 0.0, p["t_stim"]), (gap, p["t_stim"], p["t_gap"])):
            cnt = rng.poisson(r * dur / 1000.0)
            k, i = np.nonzero(cnt)
            reps = cnt[k, i]
            k, i = np.repeat(k, reps), np.repeat(i, reps)
            ts.append(k * self.period + t0 + rng.random(k.size) * dur)
            ids.append(i)
        t, i = np.concatenate(ts), np.concatenate(ids)
        order = np.argsort(t, kind="stable")
        return t[order], i[order]

    def build(
        self,
        w: np.ndarray | None,
        theta: np.ndarray,
        spikes: tuple[Any, Any],
        stdp: bool,
        ip: bool,
        syn: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        tc_rules: tuple[Any, ...] = (),
        immature: bool = False,
    ) -> dict[str, Any]:
        """The network: inputs (SpikeGenerator), E and I sheets (LIFCond, Vogels & Abbott's parameters), thalamocortical
        synapses ``w`` (with pair STDP when ``stdp``), fixed Mexican-hat lateral wiring, intrinsic plasticity
        on the E sheet when ``ip``; E thresholds start at offsets ``theta``. ``syn`` = (pre, post, weight), when
        given, replaces ``w`` as the thalamocortical synapses (any list, multapses too: after structural
        changes); ``tc_rules`` are further plasticity rules on them (after STDP). ``immature``: the developing
        sheet's lateral wiring (``lateral_dev``)."""
        p = self.p
        net = Network(dt=0.1, seed=self.seed, threads=self.threads)
        thal = net.add_population(models.SpikeGenerator(times=spikes[0], indices=spikes[1]), self.n_in, name="thalamus")
        exc = net.add_population(models.LIFCond(**CONDUCTANCE_LIF), self.n_e, name="exc")
        inh = net.add_population(models.LIFCond(**CONDUCTANCE_LIF), self.n_i, name="inh")
        thal.positions = self.x_in
        exc.positions = self.x_e
        inh.positions = self.x_i
        rules = []
        if stdp:
            a = p["a_pre"] * self.f_tc
            rules = [plasticity.STDP(a_pre=a, a_post=-p["ltd_ratio"] * a, w_max=p["w_max"] * self.f_tc)]
        rules = [*rules, *tc_rules]
        if syn is None:
            assert w is not None
            pre, post = np.nonzero(self.arbor)
            weight = w[pre, post]
        else:
            pre, post, weight = syn
        tc = net.connect(thal, exc, conn.FromArrays(pre, post), weight=weight, delay=1.0, plasticity=rules, name="tc")
        for name, (a_, b_, w_) in (self.lateral_dev if immature else self.lateral).items():
            src, dst = {"ee": (exc, exc), "ei": (exc, inh), "ie": (inh, exc)}[name]
            net.connect(
                src,
                dst,
                conn.FromArrays(a_, b_),
                weight=w_,
                delay=1.0,
                receptor="inh" if name == "ie" else "exc",
                name=name,
            )
        if ip:
            net.add_plasticity(
                exc,
                plasticity.IntrinsicPlasticity(
                    target_rate=p["ip_target"],
                    eta=p["ip_eta"],
                    theta_min=-20.0,
                    theta_max=50.0,
                ),
            )
        exc.set("theta", theta)
        return {"net": net, "tc": tc, "thal": thal, "exc": exc, "spikes": net.record_spikes(exc)}

    def state(self, built: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        tc = built["tc"]
        w = np.zeros((self.n_in, self.n_e))
        w[tc.pre, tc.post] = tc.weights
        return w, built["exc"].get("theta").astype(np.float64)

    def probe_trains(self, silent: tuple[int, ...] = ()) -> tuple[Any, Any]:
        """The probe's input spike trains (``n_probe`` trials per digit, digits in order) with the digits ``silent``
        silenced: drawn once per model and silenced set, the same every time."""
        if silent not in self.probe_spikes:
            self.probe_spikes[silent] = self.spikes(self.probe_digits, silent, np.random.default_rng([self.seed, 7]))
        return self.probe_spikes[silent]

    def probe(self, w: np.ndarray, theta: np.ndarray, silent: tuple[int, ...] = ()) -> np.ndarray:
        """Responses (Hz, mean rate over the stimulus windows of n_probe trials per digit) of every E neuron to
        every digit, in a copy of the network without plasticity; the probe spike trains are the same every time
        (for the same silenced digits)."""
        b = self.build(w, theta, self.probe_trains(silent), stdp=False, ip=False)
        b["net"].run(len(self.probe_digits) * self.period)
        t, i = b["spikes"].times, b["spikes"].indices
        k = np.floor(t / self.period).astype(np.int64)
        keep = (t - k * self.period) < self.p["t_stim"]
        cnt = np.zeros((self.d, self.n_e))
        np.add.at(cnt, (self.probe_digits[k[keep]], i[keep]), 1.0)
        return (cnt / (self.p["n_probe"] * self.p["t_stim"] / 1000.0)).T

    def train(
        self,
        w: np.ndarray,
        theta: np.ndarray,
        digits: np.ndarray,
        silent: tuple[int, ...],
        stdp: bool,
        ip: bool,
        n_blocks: int,
        key: int,
    ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """Run the trials ``digits`` (with silenced digits ``silent``) in one network with the given plasticity;
        probe the map after each of ``n_blocks`` equal blocks. Returns the final weights, thresholds and the
        probe responses after each block."""
        spikes = self.spikes(digits, silent, np.random.default_rng([self.seed, key]))
        b = self.build(w, theta, spikes, stdp, ip)
        edges = np.linspace(0, len(digits), n_blocks + 1).round().astype(int)
        resp = []
        for k in range(n_blocks):
            b["net"].run((edges[k + 1] - edges[k]) * self.period)
            resp.append(self.probe(*self.state(b), silent=silent))
        w1, th1 = self.state(b)
        return w1, th1, resp


def _gauss(xa: np.ndarray, xb: np.ndarray, sigma: float, w: float, no_self: bool = False) -> tuple[np.ndarray, ...]:
    """Synapses from every a to every b within 3 sigma, weight w exp(-d^2 / 2 sigma^2)."""
    d = np.abs(xa[:, None] - xb[None, :])
    pre, post = np.nonzero(d <= 3.0 * sigma)
    if no_self:
        keep = pre != post
        pre, post = pre[keep], post[keep]
    return pre, post, w * np.exp(-0.5 * (d[pre, post] / sigma) ** 2)


def territories(resp: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Preferred digit of each neuron (0-based; -1 when its largest response is below ``threshold`` Hz) and the
    territory of each digit (number of neurons that prefer it), from a response matrix (neurons x digits)."""
    pref = np.where(resp.max(axis=1) >= threshold, resp.argmax(axis=1), -1)
    return pref, np.bincount(pref[pref >= 0], minlength=resp.shape[1]).astype(np.int64)


def _ranks(a: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged (1-based)."""
    order = np.argsort(a, kind="stable")
    r = np.empty(a.size)
    r[order] = np.arange(1, a.size + 1)
    _, inv, cnt = np.unique(a, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=r)
    return (sums / cnt)[inv]


def map_order(pref: np.ndarray) -> tuple[float, float]:
    """How ordered a map is: the Spearman rank correlation between a neuron's position on the sheet and its
    preferred digit, and the fraction of successive responsive neurons whose preferred digit does not decrease
    (both over responsive neurons; 1 for a perfectly ordered map)."""
    idx = np.flatnonzero(pref >= 0)
    if idx.size < 3 or np.unique(pref[idx]).size < 2:
        return float("nan"), float("nan")
    rx, ry = _ranks(idx.astype(float)), _ranks(pref[idx].astype(float))
    rho = float(np.corrcoef(rx, ry)[0, 1])
    mono = float(np.mean(np.diff(pref[idx]) >= 0))
    return rho, mono


def map_segments(pref: np.ndarray, n_digits: int) -> np.ndarray:
    """Number of contiguous segments of each digit's territory along the sheet (over responsive neurons, in
    order of position): 1 for a single contiguous territory, 0 for none, more for a fragmented one."""
    q = pref[pref >= 0]
    starts = q[np.concatenate([[True], q[1:] != q[:-1]])] if q.size else q
    return np.bincount(starts, minlength=n_digits).astype(np.int64)


def measures(resp: np.ndarray, threshold: float, d: int, tag: str) -> dict[str, Any]:
    """The map measures of one probe (responses, neurons x digits) as result numbers named ``*_<tag>``: preferred
    digit (1-based, 0 = unresponsive), territories, order (Spearman rho, monotonic fraction), selectivity, segments."""
    pref, terr = territories(resp, threshold)
    rho, mono = map_order(pref)
    return {
        f"pref_{tag}": pref + 1,
        f"territory_{tag}": terr,
        f"order_{tag}": rho,
        f"monotonic_{tag}": mono,
        f"selectivity_{tag}": selectivity(resp),
        f"segments_{tag}": map_segments(pref, d),
    }


def develop_map(p: dict[str, float], scale: float, seed: int, threads: int, control: bool = False) -> dict[str, Any]:
    """Develop the map from the unrefined initial wiring. Formation: ``n_develop`` touches at random positions
    on the hand (uniform over its ``n_digits`` digit widths; :meth:`SomatosensoryMap.touch_spikes`) on the
    immature sheet (broad lateral excitation and inhibition, slow intrinsic plasticity), with STDP. Refinement:
    ``n_refine`` single-digit trials (digits uniform) on the mature sheet with STDP and intrinsic plasticity.
    Deterministic for the seed. Returns the model, the initial and developed weights and thresholds and the probe
    responses of the initial map (``resp0``), after formation (``resp_formed``) and of the developed map
    (``resp``); with ``control``, also ``resp_control``: the same development with STDP off (intrinsic
    plasticity only)."""
    model = SomatosensoryMap(p, scale, seed, threads)
    w0 = model.initial_weights()
    th0 = np.zeros(model.n_e)
    n_dev, n_ref = int(p["n_develop"]), int(p["n_refine"])
    centres = np.random.default_rng([seed, 2]).random(n_dev) * model.d
    touches = model.touch_spikes(centres, np.random.default_rng([seed, 3]))
    digits = np.random.default_rng([seed, 12]).integers(0, model.d, n_ref)

    def develop(stdp: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        scaling = plasticity.SynapticScaling(
            target_rate=max(p["ip_target"], 0.1),
            tau_scaling=p["tau_scaling_dev"],
            tau_rate=2000.0,
            interval=10.0,
            w_max=p["w_max"] * model.f_tc,
        )
        b = model.build(w0, th0, touches, stdp=stdp, ip=True, immature=True, tc_rules=(scaling,))
        b["net"].run(n_dev * model.period)
        w, th = model.state(b)
        formed = model.probe(w, th)
        if n_ref:
            w, th, _ = model.train(w, th, digits, (), stdp=stdp, ip=True, n_blocks=1, key=13)
        return w, th, formed

    w1, th1, formed = develop(True)
    out = {
        "model": model,
        "w0": w0,
        "theta0": th0,
        "w": w1,
        "theta": th1,
        "resp0": model.probe(w0, th0),
        "resp_formed": formed,
        "resp": model.probe(w1, th1),
    }
    if control:
        wc, thc, _ = develop(False)
        out["resp_control"] = model.probe(wc, thc)
    return out


def selectivity(resp: np.ndarray) -> float:
    """Mean over responsive neurons of (best - second best) / (best + second best) response: 0 for equal
    responses to two digits, 1 for a response to one digit only."""
    s = np.sort(resp, axis=1)
    ok = s[:, -1] > 0
    if not ok.any():
        return float("nan")
    return float(np.mean((s[ok, -1] - s[ok, -2]) / (s[ok, -1] + s[ok, -2])))


def draw_strips(ax: Any, prefs: list[np.ndarray], labels: list[str], n_digits: int, x_e: np.ndarray) -> None:
    """Preferred digit along the sheet, one strip per map (grey: unresponsive)."""
    from matplotlib.colors import ListedColormap

    colors = ["0.85", *[f"C{k}" for k in range(n_digits)]]
    img = np.array([q + 1 for q in prefs], dtype=float)
    ax.imshow(
        img,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(colors),
        vmin=-0.5,
        vmax=n_digits + 0.5,
        extent=(0.0, float(x_e[-1] + x_e[0]), len(prefs) - 0.5, -0.5),
    )
    ax.set_yticks(range(len(prefs)), labels, fontsize=8)
    ax.set_xlabel("position on the cortical sheet (digit widths)")
    from matplotlib.patches import Patch

    handles = [Patch(color=colors[k + 1], label=f"D{k + 1}") for k in range(n_digits)]
    handles.append(Patch(color=colors[0], label="none"))
    ax.legend(handles=handles, fontsize=7, ncols=min(6, n_digits + 1), loc="upper center", bbox_to_anchor=(0.5, -0.25))


def draw_responses(ax: Any, resp: np.ndarray, x_e: np.ndarray, title: str, vmax: float) -> Any:
    im = ax.imshow(
        resp.T,
        aspect="auto",
        interpolation="nearest",
        origin="lower",
        cmap="viridis",
        vmin=0.0,
        vmax=vmax,
        extent=(0.0, float(x_e[-1] + x_e[0]), 0.5, resp.shape[1] + 0.5),
    )
    ax.set(xlabel="position on the cortical sheet (digit widths)", ylabel="stimulated digit", title=title)
    ax.set_yticks(range(1, resp.shape[1] + 1))
    return im
