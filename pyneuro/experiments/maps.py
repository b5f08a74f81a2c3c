"""Somatosensory map plasticity: remapping after amputation, and enlargement of a practised digit.

Both experiments share one spiking model of a somatosensory map (digit inputs onto a cortical sheet with
Mexican-hat lateral connections, STDP on the thalamocortical synapses and intrinsic plasticity) and one
development phase that forms contiguous, ordered, selective digit territories from unrefined wiring (mostly
random weights, a weak positional gradient) through STDP, lateral interactions and homeostasis
(:func:`develop_map`).

- :func:`remapping`: silencing one digit's afferents (amputation) lets the neighbouring digits' territories take
  over the deprived zone (Merzenich et al. 1984); without plasticity the zone stays silent.
- :func:`skill_learning`: stimulating one digit more often than the others (practice) enlarges its territory
  (Jenkins et al. 1990); equal stimulation for as long leaves the territories as they were.

:func:`pyneuro.experiments.compensation` (module ``recovery``) lesions the same developed map.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import connectivity as conn
from .. import models, plasticity
from ..network import Network
from ..workloads import COBA_NEURON
from ._common import common_args, finish, merge_params, new_figure
from ._result import Result

__all__ = ["remapping", "skill_learning", "develop_map", "territories", "map_order", "map_segments"]

# the map model's parameters, shared by both experiments: value, lo, hi (sizes are scaled by ``scale``)
_MAP = {
    "n_digits": (5, 3, 20),
    "m": (20, 2, None),
    "n_exc": (100, 10, None),
    "n_inh": (25, 1, None),
    "rate_on": (40.0, 0.0, 1000.0),
    "rate_off": (2.0, 0.0, 1000.0),
    "t_stim": (100.0, 1.0, None),
    "t_gap": (50.0, 0.0, None),
    "w_tc": (1.0, 0.0, None),
    "arbor": (2.5, 1e-3, None),
    "bias": (0.2, 0.0, 1.0),
    "sigma_tc": (1.0, 1e-3, None),
    "noise": (1.0, 0.0, 1.0),
    "w_max": (3.0, 1e-6, None),
    "a_pre": (0.02, 0.0, None),
    "ltd_ratio": (1.05, 0.0, None),
    "w_ee": (1.0, 0.0, None),
    "sigma_ee": (0.1, 1e-3, None),
    "w_ei": (1.5, 0.0, None),
    "sigma_ei": (0.3, 1e-3, None),
    "w_ie": (4.0, 0.0, None),
    "sigma_ie": (1.0, 1e-3, None),
    "ip_target": (3.0, 0.0, 200.0),
    "ip_eta": (0.2, 1e-6, None),
    "n_develop": (2000, 1, None),
    "touch_width": (0.5, 1e-3, None),
    "w_ee_dev": (2.0, 0.0, None),
    "sigma_ee_dev": (0.2, 1e-3, None),
    "w_ie_dev": (2.0, 0.0, None),
    "sigma_ie_dev": (2.5, 1e-3, None),
    "tau_scaling_dev": (5000.0, 1.0, None),
    "n_refine": (600, 0, None),
    "n_probe": (20, 1, None),
    "resp_threshold": (5.0, 0.0, None),
}


# -- the shared map model ---------------------------------------------------------------------------------------
class _Map:
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
        """The network: inputs (SpikeGenerator), E and I sheets (LIFCond, COBA parameters), thalamocortical
        synapses ``w`` (with pair STDP when ``stdp``), fixed Mexican-hat lateral wiring, intrinsic plasticity
        on the E sheet when ``ip``; E thresholds start at offsets ``theta``. ``syn`` = (pre, post, weight), when
        given, replaces ``w`` as the thalamocortical synapses (any list, multapses too: after structural
        changes); ``tc_rules`` are further plasticity rules on them (after STDP). ``immature``: the developing
        sheet's lateral wiring (``lateral_dev``)."""
        p = self.p
        net = Network(dt=0.1, seed=self.seed, threads=self.threads)
        thal = net.add_population(models.SpikeGenerator(times=spikes[0], indices=spikes[1]), self.n_in, name="thalamus")
        exc = net.add_population(models.LIFCond(**COBA_NEURON), self.n_e, name="exc")
        inh = net.add_population(models.LIFCond(**COBA_NEURON), self.n_i, name="inh")
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

    def probe(self, w: np.ndarray, theta: np.ndarray, silent: tuple[int, ...] = ()) -> np.ndarray:
        """Responses (Hz, mean rate over the stimulus windows of n_probe trials per digit) of every E neuron to
        every digit, in a copy of the network without plasticity; the probe spike trains are the same every time
        (for the same silenced digits)."""
        if silent not in self.probe_spikes:
            self.probe_spikes[silent] = self.spikes(self.probe_digits, silent, np.random.default_rng([self.seed, 7]))
        b = self.build(w, theta, self.probe_spikes[silent], stdp=False, ip=False)
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


def _measures(resp: np.ndarray, threshold: float, d: int, tag: str) -> dict[str, Any]:
    """The map measures of one probe (responses, neurons x digits) as result numbers named ``*_<tag>``: preferred
    digit (1-based, 0 = unresponsive), territories, order (Spearman rho, monotonic fraction), selectivity, segments."""
    pref, terr = territories(resp, threshold)
    rho, mono = map_order(pref)
    return {
        f"pref_{tag}": pref + 1,
        f"territory_{tag}": terr,
        f"order_{tag}": rho,
        f"monotonic_{tag}": mono,
        f"selectivity_{tag}": _selectivity(resp),
        f"segments_{tag}": map_segments(pref, d),
    }


def develop_map(p: dict[str, float], scale: float, seed: int, threads: int, control: bool = False) -> dict[str, Any]:
    """Develop the map from the unrefined initial wiring. Formation: ``n_develop`` touches at random positions
    on the hand (uniform over its ``n_digits`` digit widths; :meth:`_Map.touch_spikes`) on the immature sheet
    (broad lateral excitation and inhibition, slow intrinsic plasticity), with STDP. Refinement: ``n_refine``
    single-digit trials (digits uniform) on the mature sheet with STDP and intrinsic plasticity. Deterministic
    for the seed. Returns the model, the initial and developed weights and thresholds and the probe responses
    of the initial map (``resp0``), after formation (``resp_formed``) and of the developed map (``resp``);
    with ``control``, also ``resp_control``: the same development with STDP off (intrinsic plasticity only)."""
    model = _Map(p, scale, seed, threads)
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


def _selectivity(resp: np.ndarray) -> float:
    """Mean over responsive neurons of (best - second best) / (best + second best) response: 0 for equal
    responses to two digits, 1 for a response to one digit only."""
    s = np.sort(resp, axis=1)
    ok = s[:, -1] > 0
    if not ok.any():
        return float("nan")
    return float(np.mean((s[ok, -1] - s[ok, -2]) / (s[ok, -1] + s[ok, -2])))


def _pref_label(pref: np.ndarray) -> str:
    return "".join("." if q < 0 else str(q + 1) if q < 9 else "+" for q in pref)


def _draw_strips(ax: Any, prefs: list[np.ndarray], labels: list[str], n_digits: int, x_e: np.ndarray) -> None:
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


def _draw_resp(ax: Any, resp: np.ndarray, x_e: np.ndarray, title: str, vmax: float) -> Any:
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


# -- 1. remapping after amputation ------------------------------------------------------------------------------
# The model, development and measure, stated once and put into the docstrings of remapping and skill_learning
_MODEL_DOC = """Model (shared by :func:`remapping`, :func:`skill_learning` and :func:`compensation`; built by
    :func:`develop_map`): ``n_digits`` digits, each with ``m``
    thalamic inputs (spike generators; positions along a line in digit order, one digit width each), project onto a
    one-dimensional cortical sheet of ``n_exc`` excitatory and ``n_inh`` inhibitory conductance-based LIF neurons
    (LIFCond, COBA parameters) spread evenly over the same ``n_digits`` digit widths. Thalamocortical synapses
    (1 ms) start unrefined: every input within ``arbor`` digit widths reaches a neuron (3 to 5 digits), with
    weight ``w_tc`` nS x (1 - ``bias`` + ``bias`` g) x u, where g is a Gaussian of the input-neuron distance
    (width ``sigma_tc``; a weak positional gradient, as the molecular cues that give the afferents a rough
    order) and u is uniform noise in [1 - ``noise``, 1 + ``noise``] (default [0, 2]: the weights are mostly
    random). The initial map is unselective and fragmented. They carry additive pair STDP
    (:class:`pyneuro.plasticity.STDP`, 20 ms windows, ``a_pre`` nS, depression ``ltd_ratio`` x larger, weights in
    [0, ``w_max``] nS; Song & Abbott 2001). Lateral wiring is fixed and Mexican-hat shaped: E->E Gaussian of width
    ``sigma_ee`` (peak ``w_ee`` nS), E->I ``sigma_ei`` (``w_ei``), and broader I->E inhibition ``sigma_ie``
    (``w_ie``), cut at 3 sigma, 1 ms delays. Homeostasis is intrinsic plasticity on the E neurons
    (:class:`pyneuro.plasticity.IntrinsicPlasticity`, target ``ip_target`` Hz, ``ip_eta`` mV per spike), which
    keeps each neuron's mean rate near target and so bounds the total drive. A trial stimulates one digit: its
    inputs fire (Poisson) at ``rate_on`` Hz for ``t_stim`` ms, all other inputs at ``rate_off`` Hz, followed by
    ``t_gap`` ms at ``rate_off``.

    Development (:func:`develop_map`; after the classic models of map formation: von der Malsburg 1973, Kybernetik
    14:85; Willshaw & von der Malsburg 1976, Proc. R. Soc. B 194:431; Kohonen 1982, Biol. Cybern. 43:59; Song &
    Abbott 2001): first ``n_develop`` touches at random positions of the hand (uniform; inputs fire at rate_off +
    (rate_on - rate_off) exp(-(x - centre)^2 / 2 ``touch_width``^2), so a touch near a border also excites the
    neighbouring digit: the correlations that carry the order) on the immature sheet, whose lateral wiring is
    broader (E->E ``sigma_ee_dev``, ``w_ee_dev``; I->E broad and weak, ``sigma_ie_dev``, ``w_ie_dev``), with STDP,
    intrinsic plasticity and synaptic scaling of the thalamocortical synapses
    (:class:`pyneuro.plasticity.SynapticScaling`, ``tau_scaling_dev`` ms, set point ``ip_target``; it makes the
    neurons' afferents compete: what STDP gives to one group of inputs scaling takes from all); then
    ``n_refine`` single-digit trials (digits uniform) on the mature sheet with STDP and intrinsic plasticity.
    Development turns the unselective, fragmented initial map into contiguous, ordered, selective digit
    territories (see Measure). Control: the same development with STDP off (homeostasis only).

    Measure: the map is probed in a copy of the network without plasticity (same weights and thresholds), with
    ``n_probe`` trials per digit (the same probe spike trains every time). A neuron's response to a digit is its
    mean rate during the stimulus; its preferred digit is the one with the largest response, provided that
    response reaches ``resp_threshold`` Hz (otherwise it is unresponsive and belongs to no digit). A digit's
    territory is the number of E neurons that prefer it (its cortical magnification in Merzenich's sense). Map
    order: Spearman's rank correlation between a neuron's position and its preferred digit, and the fraction of
    successive responsive neurons whose preferred digit does not decrease; fragmentation: the number of
    contiguous segments of each digit's territory along the sheet (over responsive neurons; 1 = contiguous);
    selectivity: the mean over neurons of (best - second best) / (best + second best) response."""


# the model parameters of that description (the **params entries the two experiments share)
_PARAMS_DOC = """n_digits (5), m (20 inputs per digit), n_exc (100), n_inh (25), rate_on (40 Hz), rate_off (2 Hz),
        t_stim (100 ms), t_gap (50 ms), w_tc (1 nS), arbor (2.5 digit widths), bias (0.2), sigma_tc (1.0 digit
        widths), noise (1.0), w_max (3 nS), a_pre (0.02 nS), ltd_ratio (1.05), w_ee (1 nS), sigma_ee (0.1), w_ei
        (1.5 nS), sigma_ei (0.3), w_ie (4 nS), sigma_ie (1.0; widths in digit widths), ip_target (3 Hz), ip_eta
        (0.2 mV), n_develop (2000 touches), touch_width (0.5 digit widths), w_ee_dev (2 nS), sigma_ee_dev (0.2),
        w_ie_dev (2 nS), sigma_ie_dev (2.5), tau_scaling_dev (5000 ms), n_refine (600 trials), n_probe (20
        trials per digit and probe), resp_threshold (5 Hz),"""


def _with_model(doc: str | None) -> str | None:
    """``doc`` with its MAP_MODEL_DESCRIPTION and MAP_PARAMETERS lines replaced by the shared model description
    and parameter list."""
    if doc is None:
        return None
    return doc.replace("MAP_MODEL_DESCRIPTION", _MODEL_DOC).replace("MAP_PARAMETERS", _PARAMS_DOC)


_REMAPPING = {
    **_MAP,
    "digit": (3, 1, 20),
    "n_after": (600, 1, None),
    "n_blocks": (6, 1, 1000),
}


def remapping(
    *, scale: float = 1.0, seed: int = 0, out: Any = None, threads: int = 1, draw: bool = True, **params: Any
) -> Result:
    """Cortical remapping after amputation: the neighbouring digits' territories take over the deprived zone
    (Merzenich, Nelson, Stryker, Cynader, Schoppmann & Zook 1984, J. Comp. Neurol. 224:591; model after Song &
    Abbott 2001, Neuron 32:339, with Kohonen-like lateral competition).

    MAP_MODEL_DESCRIPTION

    Protocol: after development, the inputs of digit ``digit`` are silenced for good (amputation: they never
    fire again), and ``n_after`` trials stimulate the remaining digits (uniformly) with both rules on; the map is
    probed after each of ``n_blocks`` blocks. Deprived neurons fall silent; intrinsic plasticity lowers their
    thresholds until the latent synapses from the neighbouring digits drive them (unmasking), and STDP then
    strengthens those synapses. Controls, on the same trials: no plasticity at all (the zone stays silent), STDP
    only (homeostasis off) and intrinsic plasticity only (STDP off).

    Parameters
    ----------
    scale : float
        Multiplies m, n_exc and n_inh; weights are divided by the same factors, so each neuron's summed input
        does not change.
    seed, threads, out, draw
        Seed (wiring, spike trains, network), thread count, output folder (writes ``remapping.png/.json``),
        whether to draw.
    **params
        MAP_PARAMETERS
        digit (3: the amputated digit, 1-based), n_after (600 trials after the amputation), n_blocks (6 probes
        after it).

    Returns
    -------
    Result
        numbers (digits are 1-based in ``digit``, ``neighbours`` and ``pref_*``, 0 = unresponsive; territories
        are arrays over digits D1..Dn): ``territory_initial`` (before development), ``territory_before``
        (developed), ``territory_just_after`` (just after amputation), ``territory_after`` (after n_after
        trials with plasticity), ``territory_control`` (no plasticity), ``territory_stdp_only``,
        ``territory_ip_only``; ``t_after_s``, ``territory_time``, ``territory_time_control`` (per block);
        ``deprived_fraction`` (the amputated digit's territory after / before; ``_control``, ``_stdp_only``,
        ``_ip_only`` for the controls, as for the next two), ``neighbour_gain`` (territory change of each
        neighbour, neurons), ``zone_taken`` (fraction of the deprived zone, the neurons that preferred the
        amputated digit before, now preferring a neighbour); ``zone_size``, ``zone_owners_after`` (and
        ``_control``, ``_stdp_only``, ``_ip_only``: counts over [none, D1, ..., Dn]), ``zone_rate_before``,
        ``zone_rate_after``, ``zone_rate_control`` (mean best response of the zone, Hz),
        ``zone_neighbour_weight_before``, ``zone_neighbour_weight_after``, ``zone_neighbour_weight_ip_only``
        (mean summed weight from the neighbours' inputs onto a zone neuron, nS); development, for the initial
        map (``_initial``), the developed one (``_before``) and the one developed without STDP
        (``_dev_control``): ``order_*`` (Spearman), ``monotonic_*`` (fraction of successive responsive neurons
        whose preferred digit does not decrease), ``selectivity_*`` (mean (best - second) / (best + second)
        response), ``segments_*`` (contiguous segments per digit's territory, array over digits);
        ``territory_dev_control``, ``pref_dev_control``, ``resp_dev_control``; ``x_exc`` (positions, digit
        widths), ``pref_initial``, ``pref_before``, ``pref_after``, ``pref_control``, ``resp_initial``,
        ``resp_before``, ``resp_after``, ``resp_control`` (responses, Hz, neurons x digits).

    Notes
    -----
    Development (default parameters, seed 0): selectivity 0.06 -> 0.91, Spearman order 0.70 -> 0.98, neighbours
    in order 0.74 -> 1.0, segments per digit 11 -> 1 (every territory contiguous); without STDP 0.18 and 7
    segments per digit. The global order needs the weak gradient: with ``bias`` = 0 the touch correlations and
    the lateral interactions still make contiguous, locally ordered territories, and at seed 0 even the right
    global order, but in general the map may come out reversed, shifted or folded; the gradient fixes its
    orientation and registration (as do molecular gradients in vivo). With the mature lateral wiring during
    development the map stays fragmented and folded (Spearman about 0.7), and without synaptic scaling STDP
    saturates the afferents and the territories stay broad (selectivity about 0.5).

    Not captured: the molecular guidance itself (reduced to ``bias``), axon growth and retraction during
    development (the arbor is fixed; unused synapses are only depressed), the two-dimensional map and the
    glabrous/dorsal skin surfaces of area 3b, receptive field sizes, the weeks-to-months time course and the
    distance limit of remapping (about 1 mm in Merzenich et al.; here the arbors reach 2.5 digit widths, so
    the whole deprived zone is within reach of the neighbours' latent synapses, and of farther digits'),
    subcortical (thalamic, brainstem) reorganisation and axonal sprouting (see :func:`compensation`). In this
    model intrinsic plasticity alone already unmasks the latent neighbouring inputs (see ``territory_ip_only``);
    STDP alone cannot remap, since the deprived neurons are silent, but strengthens the unmasked synapses
    (``zone_neighbour_weight_after``).
    """
    scale, seed, threads, draw = common_args(scale, seed, threads, draw)
    p = merge_params("remapping", _REMAPPING, params)
    amp = int(p["digit"]) - 1
    if amp >= int(p["n_digits"]):
        raise ValueError(f"digit must be <= n_digits={int(p['n_digits'])}, got {int(p['digit'])}")
    dev = develop_map(p, scale, seed, threads, control=True)
    model: _Map = dev["model"]
    d, thr = model.d, p["resp_threshold"]
    rest = np.array([k for k in range(d) if k != amp])
    digits = rest[np.random.default_rng([seed, 4]).integers(0, rest.size, int(p["n_after"]))]
    n_blocks = int(p["n_blocks"])
    arms = {
        "plastic": (True, True),
        "control": (False, False),
        "stdp_only": (True, False),
        "ip_only": (False, True),
    }
    runs = {}
    for name, (stdp, ip) in arms.items():
        runs[name] = model.train(dev["w"], dev["theta"], digits, (amp,), stdp, ip, n_blocks, key=5)
    resp_just = model.probe(dev["w"], dev["theta"], silent=(amp,))

    dev_numbers = {
        **_measures(dev["resp0"], thr, d, "initial"),
        **_measures(dev["resp"], thr, d, "before"),
        **_measures(dev["resp_control"], thr, d, "dev_control"),
    }
    pref0, pref_b, pref_c = (dev_numbers[f"pref_{t}"] - 1 for t in ("initial", "before", "dev_control"))
    terr_b = dev_numbers["territory_before"]
    pref_j, terr_j = territories(resp_just, thr)
    res = {name: territories(r[2][-1], thr) for name, r in runs.items()}
    time_terr = {name: np.array([territories(x, thr)[1] for x in r[2]]) for name, r in runs.items()}
    zone = pref_b == amp
    neigh = [k for k in (amp - 1, amp + 1) if 0 <= k < d]

    def owners(pref: np.ndarray) -> np.ndarray:
        """How the deprived zone's neurons are assigned: [none, D1, ..., Dn]."""
        return np.bincount(pref[zone] + 1, minlength=d + 1).astype(np.int64)

    def zone_rate(resp: np.ndarray) -> float:
        return float(resp[zone].max(axis=1).mean()) if zone.any() else float("nan")

    from_neigh = np.isin(np.arange(model.n_in) // model.m, neigh)

    def zone_weight(w: np.ndarray) -> float:
        """Mean summed weight (nS) of the synapses from the neighbouring digits' inputs onto a zone neuron."""
        return float(w[from_neigh][:, zone].sum(axis=0).mean()) if zone.any() else float("nan")

    rho0, rho = dev_numbers["order_initial"], dev_numbers["order_before"]
    seg0, seg_b, seg_c = (dev_numbers[f"segments_{t}"] for t in ("initial", "before", "dev_control"))
    t_after = np.linspace(0, int(p["n_after"]), n_blocks + 1).round()[1:] * model.period / 1000.0
    numbers: dict[str, Any] = {
        "x_exc": model.x_e,
        "digit": int(p["digit"]),
        "neighbours": np.array(neigh) + 1,
        **dev_numbers,
        "territory_just_after": terr_j,
        "territory_after": res["plastic"][1],
        "territory_control": res["control"][1],
        "territory_stdp_only": res["stdp_only"][1],
        "territory_ip_only": res["ip_only"][1],
        "t_after_s": t_after,
        "territory_time": time_terr["plastic"],
        "territory_time_control": time_terr["control"],
        "pref_after": res["plastic"][0] + 1,
        "pref_control": res["control"][0] + 1,
        "resp_initial": dev["resp0"],
        "resp_before": dev["resp"],
        "resp_after": runs["plastic"][2][-1],
        "resp_control": runs["control"][2][-1],
        "resp_dev_control": dev["resp_control"],
        "zone_size": int(zone.sum()),
        "zone_owners_after": owners(res["plastic"][0]),
        "zone_owners_control": owners(res["control"][0]),
        "zone_owners_stdp_only": owners(res["stdp_only"][0]),
        "zone_owners_ip_only": owners(res["ip_only"][0]),
        "zone_rate_before": zone_rate(dev["resp"]),
        "zone_rate_after": zone_rate(runs["plastic"][2][-1]),
        "zone_rate_control": zone_rate(runs["control"][2][-1]),
        "zone_neighbour_weight_before": zone_weight(dev["w"]),
        "zone_neighbour_weight_after": zone_weight(runs["plastic"][0]),
        "zone_neighbour_weight_ip_only": zone_weight(runs["ip_only"][0]),
    }
    for arm, key in (("plastic", ""), ("control", "_control"), ("stdp_only", "_stdp_only"), ("ip_only", "_ip_only")):
        t = res[arm][1]
        numbers[f"deprived_fraction{key}"] = float(t[amp] / max(terr_b[amp], 1))
        numbers[f"neighbour_gain{key}"] = (t[neigh] - terr_b[neigh]).astype(np.int64)
        numbers[f"zone_taken{key}"] = float(np.isin(res[arm][0][zone], neigh).mean()) if zone.any() else float("nan")
    ng, ngc = numbers["neighbour_gain"], numbers["neighbour_gain_control"]
    summary = (
        f"development: selectivity {numbers['selectivity_initial']:.2f} -> {numbers['selectivity_before']:.2f}, "
        f"order rho {rho0:.2f} -> {rho:.2f}, segments per digit {seg0.mean():.1f} -> {seg_b.mean():.1f} (without "
        f"STDP {numbers['selectivity_dev_control']:.2f}, {seg_c.mean():.1f}); "
        f"D{amp + 1} amputated: territories {terr_b.tolist()} -> {numbers['territory_after'].tolist()} with "
        f"plasticity (neighbours D{'/D'.join(str(k + 1) for k in neigh)} gain {'/'.join(map(str, ng))} neurons, "
        f"{100 * numbers['zone_taken']:.0f}% of the deprived zone taken over); without plasticity "
        f"{numbers['territory_control'].tolist()} (gain {'/'.join(map(str, ngc))}, "
        f"{numbers['zone_owners_control'][0]}/{numbers['zone_size']} of the zone unresponsive)"
    )
    fig = None
    if draw:
        fig, ax = new_figure(4, width=4.3, height=3.8)
        _draw_strips(
            ax[0],
            [pref0, pref_c, pref_b, pref_j, res["control"][0], res["plastic"][0]],
            [
                "initial",
                "developed\nwithout STDP",
                "developed",
                "just after\namputation",
                "no plasticity",
                "after,\nplastic",
            ],
            d,
            model.x_e,
        )
        ax[0].set_title(f"Preferred digit (D{amp + 1} amputated)")
        vmax = float(max(dev["resp"].max(), runs["plastic"][2][-1].max(), 1.0))
        _draw_resp(ax[1], dev["resp"], model.x_e, "Responses before amputation", vmax)
        im = _draw_resp(ax[2], runs["plastic"][2][-1], model.x_e, "Responses after (plastic)", vmax)
        fig.colorbar(im, ax=ax[2], label="rate (Hz)")
        tt = np.concatenate([[0.0], t_after])
        for k in range(d):
            ax[3].plot(
                tt,
                np.concatenate([[terr_j[k]], time_terr["plastic"][:, k]]),
                "-o",
                ms=3,
                color=f"C{k}",
                label=f"D{k + 1}",
            )
            ax[3].plot(tt, np.concatenate([[terr_j[k]], time_terr["control"][:, k]]), "--", color=f"C{k}", lw=1)
        ax[3].set(
            xlabel="time after amputation (s)",
            ylabel="territory (neurons)",
            title="Territories (dashed: no plasticity)",
        )
        ax[3].legend(fontsize=7)
    result = Result(
        name="remapping",
        numbers=numbers,
        params={"scale": scale, "seed": seed, "threads": threads, **p},
        figure=fig,
        summary=summary,
    )
    return finish(result, out)


# -- 2. skill learning ------------------------------------------------------------------------------------------
_SKILL = {
    **_MAP,
    "digit": (3, 1, 20),
    "practice": (4.0, 1.0, None),
    "n_after": (1200, 1, None),
    "n_blocks": (6, 1, 1000),
}


def skill_learning(
    *, scale: float = 1.0, seed: int = 0, out: Any = None, threads: int = 1, draw: bool = True, **params: Any
) -> Result:
    """Skill learning: practising one digit (stimulating it more often than the others) enlarges its cortical
    territory (Jenkins, Merzenich, Ochs, Allard & Guíc-Robles 1990, J. Neurophysiol. 63:82; Recanzone,
    Merzenich, Jenkins, Grajski & Dinse 1992, J. Neurophysiol. 67:1031; model after Song & Abbott 2001, Neuron 32:339).

    MAP_MODEL_DESCRIPTION

    Protocol: after development, ``n_after`` trials in which digit ``digit`` is drawn ``practice`` times as often
    as each other digit, both rules on; the map is probed after each of ``n_blocks`` blocks. At the borders of the
    practised territory the practised digit's synapses are potentiated more often than their rivals', so the
    borders move outwards. Controls: the same number of trials with all digits equally often (with plasticity),
    and the practice schedule with STDP off (intrinsic plasticity only). Magnification: the practised digit's
    territory after / before.

    Parameters
    ----------
    scale : float
        Multiplies m, n_exc and n_inh; weights are divided by the same factors.
    seed, threads, out, draw
        Seed (wiring, spike trains, network), thread count, output folder (writes ``skill_learning.png/.json``),
        whether to draw.
    **params
        MAP_PARAMETERS
        digit (3: the practised digit, 1-based), practice (4: relative frequency of the practised digit), n_after
        (1200 trials of practice, and of the control), n_blocks (6 probes).

    Returns
    -------
    Result
        numbers (digits 1-based, 0 = unresponsive; territories are arrays over D1..Dn): ``territory_initial``,
        ``territory_before`` (developed), ``territory_practice``, ``territory_equal`` (control),
        ``territory_no_stdp``; ``magnification``, ``magnification_control``, ``magnification_no_stdp`` (the
        practised digit's territory after / before); ``t_after_s``, ``territory_time_practice``,
        ``territory_time_equal``, ``magnification_time``, ``magnification_time_control`` (per block);
        ``trials_per_digit_practice``, ``trials_per_digit_equal``; ``order_initial``, ``order_before``,
        ``order_practice`` (Spearman), ``monotonic_initial``, ``monotonic_before``, ``monotonic_practice``,
        ``selectivity_initial``, ``selectivity_before``, ``segments_initial``, ``segments_before`` (contiguous
        segments per digit's territory); ``x_exc``, ``pref_initial``, ``pref_before``, ``pref_practice``,
        ``pref_equal``, ``resp_before``, ``resp_practice``, ``resp_equal`` (Hz, neurons x digits).

    Notes
    -----
    Not captured: behavioural relevance and attention (in the monkey experiments stimulation that the animal
    does not attend to enlarges the representation much less; here every trial is effective), the smaller
    receptive fields within the enlarged territory, the 2-D map, and the weeks of training. Intrinsic plasticity
    returns the busier practised neurons' rate to its target, so their responses to the practised digit are
    weaker than before even as the territory grows (see ``resp_practice``). Intrinsic plasticity alone (STDP off)
    already moves the borders a little (``magnification_no_stdp``, about 1.2): the practised zone's raised
    thresholds weaken the lateral inhibition it sends to the border neurons during practised-digit trials, and
    the neighbours' lowered thresholds strengthen it during theirs; STDP makes the shift much larger.
    """
    scale, seed, threads, draw = common_args(scale, seed, threads, draw)
    p = merge_params("skill_learning", _SKILL, params)
    prac = int(p["digit"]) - 1
    if prac >= int(p["n_digits"]):
        raise ValueError(f"digit must be <= n_digits={int(p['n_digits'])}, got {int(p['digit'])}")
    dev = develop_map(p, scale, seed, threads)
    model: _Map = dev["model"]
    d, thr = model.d, p["resp_threshold"]
    n_after, n_blocks = int(p["n_after"]), int(p["n_blocks"])
    prob = np.ones(d)
    prob[prac] = p["practice"]
    rng = np.random.default_rng([seed, 4])
    schedules = {
        "practice": rng.choice(d, n_after, p=prob / prob.sum()),
        "equal": rng.choice(d, n_after),
    }
    runs = {k: model.train(dev["w"], dev["theta"], v, (), True, True, n_blocks, key=6) for k, v in schedules.items()}
    runs["no_stdp"] = model.train(dev["w"], dev["theta"], schedules["practice"], (), False, True, n_blocks, key=6)
    dev_numbers = {**_measures(dev["resp0"], thr, d, "initial"), **_measures(dev["resp"], thr, d, "before")}
    pref0, pref_b = dev_numbers["pref_initial"] - 1, dev_numbers["pref_before"] - 1
    terr_b = dev_numbers["territory_before"]
    res = {k: territories(r[2][-1], thr) for k, r in runs.items()}
    time_terr = {k: np.array([territories(x, thr)[1] for x in r[2]]) for k, r in runs.items()}
    rho = dev_numbers["order_before"]
    rho_p, mono_p = map_order(res["practice"][0])
    base = max(int(terr_b[prac]), 1)
    t_after = np.linspace(0, n_after, n_blocks + 1).round()[1:] * model.period / 1000.0
    numbers: dict[str, Any] = {
        "x_exc": model.x_e,
        "digit": int(p["digit"]),
        "trials_per_digit_practice": np.bincount(schedules["practice"], minlength=d).astype(np.int64),
        "trials_per_digit_equal": np.bincount(schedules["equal"], minlength=d).astype(np.int64),
        **dev_numbers,
        "territory_practice": res["practice"][1],
        "territory_equal": res["equal"][1],
        "t_after_s": t_after,
        "territory_time_practice": time_terr["practice"],
        "territory_time_equal": time_terr["equal"],
        "magnification": float(res["practice"][1][prac] / base),
        "magnification_control": float(res["equal"][1][prac] / base),
        "magnification_no_stdp": float(res["no_stdp"][1][prac] / base),
        "territory_no_stdp": res["no_stdp"][1],
        "magnification_time": time_terr["practice"][:, prac] / base,
        "magnification_time_control": time_terr["equal"][:, prac] / base,
        "pref_practice": res["practice"][0] + 1,
        "pref_equal": res["equal"][0] + 1,
        "resp_before": dev["resp"],
        "resp_practice": runs["practice"][2][-1],
        "resp_equal": runs["equal"][2][-1],
        "order_practice": rho_p,
        "monotonic_practice": mono_p,
    }
    summary = (
        f"D{prac + 1} practised ({p['practice']:g}x as often): its territory {terr_b[prac]} -> "
        f"{res['practice'][1][prac]} neurons (magnification {numbers['magnification']:.2f}); equal stimulation "
        f"for as long: {res['equal'][1][prac]} ({numbers['magnification_control']:.2f}); practice without STDP: "
        f"{numbers['magnification_no_stdp']:.2f}; territories "
        f"{terr_b.tolist()} -> {res['practice'][1].tolist()}; map order rho {rho:.2f} -> {rho_p:.2f}"
    )
    fig = None
    if draw:
        fig, ax = new_figure(4, width=4.3, height=3.8)
        _draw_strips(
            ax[0],
            [pref0, pref_b, res["equal"][0], res["practice"][0]],
            ["initial", "developed", "equal\nstimulation", f"D{prac + 1}\npractised"],
            d,
            model.x_e,
        )
        ax[0].set_title("Preferred digit")
        xs = np.arange(d)
        for k, (lab, t) in enumerate(
            (("developed", terr_b), ("equal stimulation", res["equal"][1]), ("practice", res["practice"][1]))
        ):
            ax[1].bar(xs + (k - 1) * 0.27, t, width=0.27, label=lab)
        ax[1].set_xticks(xs, [f"D{k + 1}" for k in xs])
        ax[1].set(ylabel="territory (neurons)", title="Territories")
        ax[1].legend(fontsize=7)
        vmax = float(max(dev["resp"].max(), runs["practice"][2][-1].max(), 1.0))
        im = _draw_resp(ax[2], runs["practice"][2][-1], model.x_e, f"Responses after D{prac + 1} practice", vmax)
        fig.colorbar(im, ax=ax[2], label="rate (Hz)")
        tt = np.concatenate([[0.0], t_after])
        ax[3].plot(tt, np.concatenate([[1.0], numbers["magnification_time"]]), "-o", ms=3, label="practice")
        ax[3].plot(
            tt, np.concatenate([[1.0], numbers["magnification_time_control"]]), "-s", ms=3, label="equal stimulation"
        )
        ax[3].axhline(1.0, color="0.5", lw=0.8, ls=":")
        ax[3].set(xlabel="training time (s)", ylabel=f"D{prac + 1} territory / before", title="Magnification")
        ax[3].legend(fontsize=7)
    result = Result(
        name="skill_learning",
        numbers=numbers,
        params={"scale": scale, "seed": seed, "threads": threads, **p},
        figure=fig,
        summary=summary,
    )
    return finish(result, out)


# every keyword each experiment accepts beyond its signature (what pyneuro.sweep checks a grid against)
remapping.sweep_parameters = tuple(_REMAPPING)  # type: ignore[attr-defined]
skill_learning.sweep_parameters = tuple(_SKILL)  # type: ignore[attr-defined]
remapping.__doc__ = _with_model(remapping.__doc__)
skill_learning.__doc__ = _with_model(skill_learning.__doc__)
