"""The scheduler of the events done in Python (pyneuro.scheduler): when run stops and in which order events fire."""

from __future__ import annotations

import numpy as np
import pytest

import pyneuro as pn
from pyneuro.scheduler import ORDER_GROWTH, ORDER_LESION, ORDER_OBSERVE, Scheduled, Scheduler


class Every:
    """Fires at start, start + period, ... ``times`` times; logs (name, step)."""

    def __init__(self, log, name, start, period, times, order):
        self.log, self.name, self.step, self.period, self.left, self.order = log, name, start, period, times, order

    @property
    def next_step(self):
        return self.step if self.left else None

    @property
    def fire_order(self):
        return self.order

    def fire(self, step):
        self.log.append((self.name, step))
        self.step += self.period
        self.left -= 1


def test_due_events_fire_in_fire_order_then_in_the_order_added():
    log: list = []
    s = Scheduler()
    s.add(Every(log, "snap", 0, 5, 3, (ORDER_OBSERVE,)))
    s.add(Every(log, "grow-b", 5, 5, 2, (ORDER_GROWTH, 1, 0)))
    s.add(Every(log, "grow-a", 5, 10, 1, (ORDER_GROWTH, 0, 0)))
    s.add(Every(log, "lesion-1", 5, 1, 1, (ORDER_LESION,)))
    s.add(Every(log, "lesion-2", 5, 1, 1, (ORDER_LESION,)))
    assert s.next_step() == 0 and len(s) == 5
    s.fire_due(0)
    assert s.next_step() == 5
    s.fire_due(5)
    assert log == [("snap", 0), ("lesion-1", 5), ("lesion-2", 5), ("grow-a", 5), ("grow-b", 5), ("snap", 5)]
    assert len(s) == 2  # the lesions and grow-a are done and dropped
    s.fire_due(10)
    assert log[-2:] == [("grow-b", 10), ("snap", 10)] and s.next_step() is None and len(s) == 0


def test_only_scheduled_objects_are_accepted():
    s = Scheduler()
    with pytest.raises(TypeError, match="next_step, fire_order and fire"):
        s.add(object())  # type: ignore[arg-type]
    assert len(s) == 0 and s.next_step() is None


def test_network_events_are_scheduled_objects():
    net = pn.Network(dt=0.1, seed=3)
    a = net.add_population(pn.models.LIF(), 10)
    prj = net.connect(a, a, pn.conn.FixedProbability(0.5), weight=1.0)
    les = net.lesion(neurons=(a, [1]), at=2.0)
    net.add_structural(a, pn.structural.Neurogenesis(rate=100.0, interval=1.0))
    mon = net.record_structure(prj, every=0.5)
    assert all(isinstance(e, Scheduled) for e in net.scheduler) and len(net.scheduler) == 3
    assert [e.next_step for e in net.scheduler] == [20, 10, 5]
    saved = net.scheduler.saved()  # the recorder is saved with the recorders, not by the scheduler
    assert len(saved) == 2 and saved[0] is les and all(e is not mon for e in saved)
    net.run(2.0)  # stops at 0.5 ms steps for snapshots, 1 ms for the epoch, 2 ms for the lesion
    assert les.applied and les.step == 20 and len(net.scheduler) == 2
    np.testing.assert_array_equal(mon.times, [0.0, 0.5, 1.0, 1.5, 2.0])
    # the snapshot at 2 ms comes after the lesion of that step: no synapse of neuron 1 left
    last = mon.snapshot(len(mon) - 1)
    assert not np.any((last["pre"] == 1) | (last["post"] == 1))
