"""Exactly timed pre- and postsynaptic spike trains for the pairing protocols (``stdp_window``,
``sjostrom_frequency``, ``ltp_ltd_induction``), and the closed form of the all-to-all triplet rule under a regular
pairing train (:func:`triplet_pairing_dw`).

Timing convention (pyneuro's, as Brian2's): a presynaptic spike counts for plasticity when it *arrives* at the
synapse (emission + delay); ``dt_ms`` and ``delta_ms`` are always ``t_post - t_arrival``. A plastic projection may
end on a :class:`pyneuro.models.SpikeGenerator`: its spikes drive the postsynaptic half of the rule.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import models, plasticity
from .._validation import check_int, check_number

__all__ = ["DT", "spike_generator", "pairing_trains", "triplet_pairing_dw"]

#: ms, the time step of the pairing protocols
DT = 0.1


def spike_generator(trains: list[np.ndarray]) -> models.SpikeGenerator:
    """A SpikeGenerator whose neuron k fires at the times ``trains[k]`` (ms, on the 0.1 ms grid)."""
    t = np.concatenate(trains) if trains else np.zeros(0)
    i: Any = np.concatenate([np.full(len(s), k, dtype=np.int64) for k, s in enumerate(trains)]) if trains else []
    return models.SpikeGenerator(times=np.round(t / DT) * DT, indices=np.asarray(i, dtype=np.int64))


def pairing_trains(
    deltas: np.ndarray, period: float, n: int, t0: float, delay: float
) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """Pre emissions and post spikes for regular pairings: arrival k at t0 + k period, post at arrival + delta."""
    arrivals = t0 + period * np.arange(n)
    pre = [arrivals - delay for _ in deltas]
    post = [arrivals + d for d in deltas]
    t_end = float(arrivals[-1] + max(0.0, float(np.max(deltas)))) + 5.0
    return pre, post, t_end


def triplet_pairing_dw(rule: plasticity.TripletSTDP, delta_ms: float, frequency: float, n_pairings: int) -> float:
    """Total weight change of the all-to-all triplet rule for ``n_pairings`` regular pre-post pairings.

    Presynaptic arrivals at ``t_k = k T`` (``T = 1000 / frequency`` ms), postsynaptic spikes at ``t_k + Delta``
    with ``0 <= |Delta| < T``. With ``q_z = exp(-T / tau_z)`` every trace at a spike is a geometric series; e.g. for
    ``Delta >= 0`` the post spike j sees ``r1 = exp(-Delta/tau_plus) (1 - q_+^(j+1)) / (1 - q_+)`` and
    ``o2 = q_y (1 - q_y^j) / (1 - q_y)``, the arrival k sees ``o1 = exp(Delta/tau_minus) q_- (1 - q_-^k) / (1 - q_-)``
    and ``r2 = q_x (1 - q_x^k) / (1 - q_x)``. Summing over the pairings with ``G0(a) = sum_j (1 - a^j)``,
    ``G1(a) = sum_j (1 - a^(j+1))``, ``S0(a, b) = sum_j (1 - a^j)(1 - b^j)`` and
    ``S1(a, b) = sum_j (1 - a^(j+1))(1 - b^j)`` (j = 0..n-1, all closed geometric sums)::

        Delta >= 0:  dw = exp(-Delta/tau_+) / (1 - q_+) [A2+ G1(q_+) + A3+ q_y / (1 - q_y) S1(q_+, q_y)]
                        - exp(Delta/tau_-) q_- / (1 - q_-) [A2- G0(q_-) + A3- q_x / (1 - q_x) S0(q_-, q_x)]
        Delta < 0:   dw = exp(|Delta|/tau_+) q_+ / (1 - q_+) [A2+ G0(q_+) + A3+ q_y / (1 - q_y) S0(q_+, q_y)]
                        - exp(-|Delta|/tau_-) / (1 - q_-) [A2- G1(q_-) + A3- q_x / (1 - q_x) S1(q_-, q_x)]

    (at ``Delta = 0`` the arrival is processed before the post spike, pyneuro's convention). Valid while the weight
    stays inside ``[w_min, w_max]`` (the rule is additive, so no clipping means no weight dependence).

    Parameters
    ----------
    rule : TripletSTDP
        An all-to-all triplet rule.
    delta_ms : float
        ``t_post - t_arrival`` (ms), ``|delta_ms| < 1000 / frequency``.
    frequency : float
        Pairing frequency (Hz), > 0.
    n_pairings : int
        Number of pairings, >= 1.
    """
    if not isinstance(rule, plasticity.TripletSTDP) or isinstance(rule, plasticity.BCM):
        raise TypeError(f"rule must be a pyneuro.plasticity.TripletSTDP, got {type(rule).__name__}")
    if rule.interaction != "all_to_all":
        raise ValueError(f"rule.interaction must be 'all_to_all' for the closed form, got {rule.interaction!r}")
    frequency = check_number("frequency", frequency, 0.0, lo_open=True)
    period = 1000.0 / frequency
    delta = check_number("delta_ms", delta_ms, -period, period, lo_open=True, hi_open=True)
    n = check_int("n_pairings", n_pairings, 1)
    qp, qm = math.exp(-period / rule.tau_plus), math.exp(-period / rule.tau_minus)
    qx, qy = math.exp(-period / rule.tau_x), math.exp(-period / rule.tau_y)

    def g0(a: float) -> float:
        return n - (1.0 - a**n) / (1.0 - a)

    def g1(a: float) -> float:
        return n - a * (1.0 - a**n) / (1.0 - a)

    def s0(a: float, b: float) -> float:
        return n - (1.0 - a**n) / (1.0 - a) - (1.0 - b**n) / (1.0 - b) + (1.0 - (a * b) ** n) / (1.0 - a * b)

    def s1(a: float, b: float) -> float:
        return n - a * (1.0 - a**n) / (1.0 - a) - (1.0 - b**n) / (1.0 - b) + a * (1.0 - (a * b) ** n) / (1.0 - a * b)

    cy, cx = qy / (1.0 - qy), qx / (1.0 - qx)
    if delta >= 0.0:
        ltp = math.exp(-delta / rule.tau_plus) / (1.0 - qp) * (rule.a2_plus * g1(qp) + rule.a3_plus * cy * s1(qp, qy))
        ltd = (
            math.exp(delta / rule.tau_minus)
            * qm
            / (1.0 - qm)
            * (rule.a2_minus * g0(qm) + rule.a3_minus * cx * s0(qm, qx))
        )
    else:
        d = -delta
        ltp = math.exp(d / rule.tau_plus) * qp / (1.0 - qp) * (rule.a2_plus * g0(qp) + rule.a3_plus * cy * s0(qp, qy))
        ltd = math.exp(-d / rule.tau_minus) / (1.0 - qm) * (rule.a2_minus * g1(qm) + rule.a3_minus * cx * s1(qm, qx))
    return ltp - ltd
