"""Fixed-route bus runs as Mesa agents (positions and loads come from the bus service)."""

from __future__ import annotations

import numpy as np

from kaicity.agents.base import KaicityAgent


class FixedRouteBus(KaicityAgent):
    """One timetabled run of a bus line in one direction.

    The bus service (:class:`kaicity.services.bus.BusNetwork`) keeps the timetable and seat
    reservations; this agent exposes one run for observers: where it is and how full.

    Parameters
    ----------
    model
        The model.
    network
        The bus service.
    pattern
        Index of the line direction in ``network.patterns``.
    run
        Index of the run in that pattern's timetable.
    """

    def __init__(self, model, network, pattern: int, run: int) -> None:
        super().__init__(model)
        self.network = network
        self.pattern = int(pattern)
        self.run = int(run)

    @property
    def line(self) -> str:
        """Line name (a trailing ``r`` marks the return direction)."""
        return self.network.patterns[self.pattern].line

    @property
    def departure(self) -> float:
        """Departure time from the first stop (simulation seconds)."""
        return float(self.network.patterns[self.pattern].run_starts[self.run])

    @property
    def boardings(self) -> int:
        """Riders who reserved a seat on this run."""
        loads = self.network.patterns[self.pattern].loads[self.run]
        return int(np.maximum(np.diff(np.concatenate([[0], loads])), 0).sum())
