"""NEST's state-variable names (V_m, I_syn_ex, U_m, ...) accepted wherever the models' own names are."""

from __future__ import annotations

import numpy as np
import pytest

import pyneuro as pn

CASES = [
    (pn.models.LIF(), {"V_m": "v", "I_syn_ex": "I_ex", "I_syn_in": "I_in"}),
    (pn.models.LIFCond(), {"V_m": "v"}),
    (pn.models.Izhikevich(), {"V_m": "v", "U_m": "u"}),
    (pn.models.AdEx(), {"V_m": "v"}),
]


@pytest.mark.parametrize("model, names", CASES, ids=[type(m).__name__ for m, _ in CASES])
def test_get_set_record_initial(model, names):
    rng = np.random.default_rng(0)
    n = 7
    init = {nest: rng.uniform(-70.0, -60.0, n) for nest in names}
    net = pn.Network(dt=0.1)
    pop = net.add_population(model, n, initial=init)
    for nest, own in names.items():
        np.testing.assert_array_equal(pop.get(nest), init[nest].astype(np.float32))
        np.testing.assert_array_equal(pop.get(nest), pop.get(own))
        pop.set(nest, -65.0)
        assert np.all(pop.get(own) == -65.0)
    m_nest = net.record_state(pop, "V_m", indices=[0, 3])
    m_own = net.record_state(pop, "v", indices=[0, 3])
    assert m_nest.var == "v"
    net.run(5.0)
    np.testing.assert_array_equal(m_nest.values, m_own.values)
    # neurons added later take NEST's names too
    ids = pop.add_neurons(2, state={"V_m": -61.0})
    assert np.all(pop.get("v")[ids] == -61.0)


def test_unknown_names_are_refused_before_anything_changes():
    net = pn.Network(dt=0.1)
    with pytest.raises(ValueError, match="V_m"):
        net.add_population(pn.models.LIF(), 3, initial={"U_m": 1.0})
    with pytest.raises(ValueError, match="initial"):
        net.add_population(pn.models.LIF(), 3, initial={"V_m": [1.0, 2.0]})
    assert net.populations == []
    pop = net.add_population(pn.models.LIFCond(), 3)
    with pytest.raises(ValueError, match="NEST"):
        pop.get("I_syn_ex")
    with pytest.raises(TypeError):
        pop.get(3)  # type: ignore[arg-type]
