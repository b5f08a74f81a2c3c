"""STDP(weight_dependence="morrison"): the power-law rule of Morrison, Aertsen & Diesmann 2007 (Neural Comput.
19:1437; NEST's stdp_pl_synapse_hom), against its closed form.

Morrison et al., Eqs. 10-11: potentiation dw = lambda w0^(1-mu) w^mu x_pre (at a postsynaptic spike), depression
dw = -lambda alpha w y_post (at a presynaptic arrival), all-to-all traces with tau_plus (pre) and tau_minus (post);
the weight stays >= 0 and has no upper bound. With a_pre = lambda and a_post = -lambda alpha.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import pyneuro as pn

DT = 0.1
LAM, ALPHA, MU, TAU_PLUS, TAU_MINUS = 0.1, 0.0513, 0.4, 15.0, 30.0


def _rule(**kw):
    return pn.plasticity.STDP(
        tau_pre=TAU_PLUS,
        tau_post=TAU_MINUS,
        a_pre=LAM,
        a_post=-LAM * ALPHA,
        w_min=0.0,
        w_max=math.inf,
        weight_dependence="morrison",
        mu=MU,
        **kw,
    )


def _pairs(dts, w0, delay=1.5, rule=None, convention="pyneuro"):
    n = len(dts)
    te = np.full(n, 60.0)
    tp = te + delay + np.asarray(dts)
    net = pn.Network(dt=DT, seed=1, time_convention=convention)
    pre = net.add_population(pn.models.SpikeGenerator(times=te, indices=np.arange(n)), n)
    post = net.add_population(pn.models.SpikeGenerator(times=tp, indices=np.arange(n)), n)
    k = np.arange(n)
    proj = net.connect(pre, post, pn.conn.FromArrays(k, k), weight=w0, delay=delay, plasticity=rule or _rule())
    net.run(float(tp.max()) + 10.0)
    return proj.weights.astype(np.float64)


@pytest.mark.parametrize("convention", ["pyneuro", "nest"])
def test_single_pairs_closed_form(convention):
    dts = np.round(np.array([-40.0, -12.3, -0.1, 0.0, 0.1, 5.0, 17.5, 45.0]), 1)
    w0 = np.resize(np.array([45.6, 10.0, 120.0, 1.0]), len(dts))
    got = _pairs(dts, w0, convention=convention)
    want = np.where(
        dts >= 0,
        w0 + LAM * w0**MU * np.exp(-dts / TAU_PLUS),
        w0 - LAM * ALPHA * w0 * np.exp(dts / TAU_MINUS),
    )
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_reference_weight_w0_scales_potentiation():
    got = _pairs([5.0], [45.6], rule=_rule(w0=2.0))
    np.testing.assert_allclose(got, [45.6 + LAM * 2.0 ** (1 - MU) * 45.6**MU * math.exp(-5.0 / TAU_PLUS)], rtol=1e-6)


def test_no_upper_bound_and_floor_at_zero():
    big = _pairs([0.5] * 3, [1e4, 1e5, 1e6])
    assert np.all(big > np.array([1e4, 1e5, 1e6]))
    strong = pn.plasticity.STDP(
        tau_pre=TAU_PLUS, tau_post=TAU_MINUS, a_pre=LAM, a_post=-2.0, w_min=0.0, w_max=math.inf,
        weight_dependence="morrison", mu=MU,
    )  # fmt: skip
    assert _pairs([-0.1], [3.0], rule=strong)[0] == 0.0


def test_w_max_inf_only_where_meaningful():
    with pytest.raises(ValueError, match="w_max"):
        pn.plasticity.STDP(w_max=math.inf, weight_dependence="multiplicative")
    with pytest.raises(ValueError, match="w0"):
        _rule(w0=0.0)
