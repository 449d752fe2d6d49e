"""The model's fixed-route bus run agents, each made the first time something reads it."""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterator, Sequence

import mesa

from kaicity.agents import FixedRouteBus


class LazyBuses(Sequence):
    """One :class:`FixedRouteBus` per timetabled run, made on first access (issue 17).

    Runs are numbered pattern by pattern, in timetable order within a pattern, as a list of
    every run would be.  Nothing in a run reads these agents (the bus service keeps the
    timetable and the seats), and a long run has many: 400 patterns of ~50 runs a day make
    7.5M agents in a year.  So ``model.buses[i]`` creates agent ``i`` (registering it with
    Mesa) the first time it is read and returns that same object afterwards; ``len`` is the
    number of runs, and iterating creates every agent.

    Parameters
    ----------
    model
        The model the agents belong to.
    network
        The bus service (:class:`~kaicity.services.bus.BusNetwork`).
    """

    def __init__(self, model: mesa.Model, network) -> None:
        self._model = model
        self._network = network
        self._first: list[int] = [0]  # index of each pattern's first run
        for p in network.patterns:
            self._first.append(self._first[-1] + len(p.run_starts))
        self._agents: dict[int, FixedRouteBus] = {}

    @property
    def created(self) -> int:
        """Agents made so far."""
        return len(self._agents)

    def __len__(self) -> int:
        return self._first[-1]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = operator.index(index)
        n = len(self)
        if not -n <= i < n:
            raise IndexError("bus run index out of range")
        i %= n
        agent = self._agents.get(i)
        if agent is None:
            pattern = bisect.bisect_right(self._first, i) - 1
            agent = self._agents[i] = FixedRouteBus(self._model, self._network, pattern, i - self._first[pattern])
        return agent

    def __iter__(self) -> Iterator[FixedRouteBus]:
        for i in range(len(self)):
            yield self[i]
