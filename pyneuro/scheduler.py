"""Events at a simulated time that need Python: one protocol and the one object that runs them.

Everything that happens at a given step and is done in Python (a scheduled lesion, a neurogenesis epoch, a
structure snapshot) is a :class:`Scheduled` object: it tells the step at which it is due next and does its work when
asked. A network holds one :class:`Scheduler`; :meth:`Network.run` asks it where to stop the compiled loop and lets
it fire what is due there, without knowing what the events are. What runs inside the compiled loop (structural rules'
epochs, learning-rate schedules, recorders) is scheduled by the engine itself and needs no stop; the two meet only at
step boundaries, where the Python events act before the step is simulated.

Order at one step: the due events fire in ascending :attr:`Scheduled.fire_order`, ties in the order they were
added. The built-in orders put changes of structure before observation: lesions (:data:`ORDER_LESION`), then
neurogenesis epochs (:data:`ORDER_GROWTH`, by population and rule), then snapshots (:data:`ORDER_OBSERVE`), so a
snapshot taken at the step of a lesion shows the network after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

__all__ = ["Scheduled", "Scheduler", "ORDER_LESION", "ORDER_GROWTH", "ORDER_OBSERVE"]

#: fire order of lesions (first at a step)
ORDER_LESION = 0
#: fire order of neurogenesis epochs (after lesions)
ORDER_GROWTH = 1
#: fire order of recorders that read the network (after every change of the step)
ORDER_OBSERVE = 2


@runtime_checkable
class Scheduled(Protocol):
    """Something done at a simulated step, in Python, between chunks of the compiled loop."""

    @property
    def next_step(self) -> int | None:
        """The step at which it is due next (it acts before that step is simulated); ``None`` when done for good."""
        ...

    @property
    def fire_order(self) -> tuple[int, ...]:
        """Its place among the events due at the same step (ascending; ties in the order they were added)."""
        ...

    def fire(self, step: int) -> None:
        """Do what is due at ``step`` (the network is at ``step``, nothing of it simulated yet) and advance
        :attr:`next_step`."""
        ...


class Scheduler:
    """The events of one network that are done in Python, and when.

    Events are added with :meth:`add` (an event stays until its :attr:`~Scheduled.next_step` is ``None``);
    :meth:`next_step` is the earliest step any of them is due, and :meth:`fire_due` fires those due at a step.
    Checkpoints hold the pending events that the scheduler saves (:meth:`saved`, each with ``save_to``), in the order
    they were added; an event that another owner saves (a recorder, saved with the recorders) is added with
    ``saved=False``.
    """

    def __init__(self) -> None:
        self._events: list[Scheduled] = []
        self._unsaved: set[int] = set()  # ids of the events saved by another owner

    def add(self, event: Scheduled, *, saved: bool = True) -> None:
        """Add ``event`` (a :class:`Scheduled`); ``saved=False`` if its owner saves it, not the scheduler."""
        if not isinstance(event, Scheduled):
            raise TypeError(f"event must have next_step, fire_order and fire(step), got {type(event).__name__}")
        self._events.append(event)
        if not saved:
            self._unsaved.add(id(event))

    def saved(self) -> list[Scheduled]:
        """The pending events a checkpoint holds in the scheduler's group, in the order they were added."""
        return [e for e in self._events if id(e) not in self._unsaved]

    def __iter__(self) -> Iterator[Scheduled]:
        """The pending events, in the order they were added."""
        return iter(list(self._events))

    def __len__(self) -> int:
        return len(self._events)

    def next_step(self) -> int | None:
        """The earliest step at which an event is due (``None`` if there is none)."""
        steps = [s for s in (e.next_step for e in self._events) if s is not None]
        return min(steps) if steps else None

    def fire_due(self, step: int) -> None:
        """Fire every event due at or before ``step`` in ascending fire order (ties in the order added), then drop
        the events that are done."""
        due = [e for e in self._events if e.next_step is not None and e.next_step <= step]
        for e in sorted(due, key=lambda x: x.fire_order):  # sorted() is stable: ties keep the order added
            e.fire(step)
        self._events = [e for e in self._events if e.next_step is not None]
        self._unsaved &= {id(e) for e in self._events}
