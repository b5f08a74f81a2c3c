"""Checkpoints of the plastic background network (zenke25k): its rate trace starts at an initial value, held at
the first step, where some neurons also spike (v starts ~ N(-60, 10) mV, above the -50 mV threshold for ~16 %);
the restored network continues bit for bit, at the saved thread count and another."""

from __future__ import annotations

import pytest
from test_checkpoint import _split_vs_straight

from pyneuro.workloads import zenke25k


def _build(threads: int):
    def build():
        wl = zenke25k(threads=threads, scale=0.05, fixed_indegree=True, tau_rate=1000.0, prime=0.0, record="spikes")
        return wl.net, wl
    return build


@pytest.mark.parametrize("threads,threads_load", [(1, None), (2, 1)], ids=["1-thread", "2-to-1-threads"])
def test_zenke25k_save_load_continue(tmp_path, threads, threads_load):
    net, straight = _split_vs_straight(_build(threads), tmp_path, t_save=20.0, t_more=20.0, threads_load=threads_load)
    ee = next(p for p in net.projections if p.name == "ee")
    assert straight["mon/0/spikes/steps"].size > 100  # the network is active
    assert (straight["mon/0/spikes/steps"] == 0).sum() > 0  # spikes in the step that holds the initial value
    assert (ee.weights != ee.weights[0]).any()  # plasticity acted
