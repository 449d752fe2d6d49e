"""The model's Resident agents, each made the first time something reads it."""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence

import mesa

from kaicity.agents import Resident


class LazyResidents(Sequence):
    """The model's :class:`Resident` agents, each made the first time something reads it.

    A resident's state lives in the population arrays, and most residents of a big run
    never act (1M never-stepped ``Resident`` objects cost ~3 s and ~0.5 GB), so
    ``model.residents[i]`` creates agent ``i`` (registering it with Mesa) on first access
    and returns that same object afterwards.  Consequently Mesa's ``model.agents`` and
    ``agents_by_type[Resident]`` hold the residents that have acted (or been read) so
    far, not the whole population; ``len(model.residents)`` is the population and
    iterating over ``model.residents`` creates every agent.

    Parameters
    ----------
    model
        The model the agents belong to.
    n
        Number of residents.
    """

    def __init__(self, model: mesa.Model, n: int) -> None:
        self._model = model
        self._agents: list[Resident | None] = [None] * int(n)
        self.created = 0

    def __len__(self) -> int:
        return len(self._agents)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = operator.index(index)
        agent = self._agents[i]       # IndexError and negative indices as for a list
        if agent is None:
            i %= len(self._agents)
            agent = self._agents[i] = Resident(self._model, i)
            self.created += 1
        return agent

    def __iter__(self) -> Iterator[Resident]:
        for i in range(len(self)):
            yield self[i]
