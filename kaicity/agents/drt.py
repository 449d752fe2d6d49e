"""DRT vehicles as Mesa agents: what Mesa and the live view see of each van.

The dispatcher (:class:`kaicity.services.drt.DRTService`) owns the rules and the vans'
behaviour (:class:`kaicity.services.drt.Van`: driving the schedule, serving stops); a
:class:`DRTVehicle` is the agent over one van, created by the model, exposing its
position, load and state.  Agents import services, never the other way round.
"""

from __future__ import annotations

import mesa

from kaicity.agents.base import KaicityAgent
from kaicity.services.drt import Leg, Van


class DRTVehicle(KaicityAgent):
    """One demand-responsive van as a Mesa agent.

    Parameters
    ----------
    model
        The Mesa model the agent belongs to.
    van
        The service's van this agent shows.
    """

    def __init__(self, model: mesa.Model, van: Van) -> None:
        super().__init__(model)
        self.van = van

    @property
    def index(self) -> int:
        """Row of the van in the dispatcher's arrays."""
        return self.van.index

    @property
    def depot(self) -> int:
        """Drive node where the van starts and returns to outside service hours."""
        return self.van.depot

    @property
    def capacity(self) -> int:
        """Seats."""
        return self.van.capacity

    @property
    def service_hours(self) -> tuple[float, float]:
        """``(open, close)`` clock hours in which it takes requests."""
        return self.van.service_hours

    @property
    def node(self) -> int:
        """Last drive node reached."""
        return self.van.node

    @property
    def leg(self) -> Leg | None:
        """The drive in progress."""
        return self.van.leg

    @property
    def onboard(self) -> list[int]:
        """Ride ids of the riders on board."""
        return self.van.onboard

    @property
    def load(self) -> int:
        """Riders on board."""
        return self.van.load

    @property
    def idle(self) -> bool:
        """True when the van has no stop to serve and is not driving."""
        return self.van.idle

    @property
    def relocating(self) -> bool:
        """True while driving an empty rebalancing or depot leg."""
        return self.van.relocating

    @property
    def schedule(self) -> list[dict]:
        """The stops still to serve, in order: node, ``"pickup"``/``"dropoff"``, ride id, planned
        arrival and deadline (s)."""
        return self.van.stops

    def position(self, now: float) -> tuple[int, int, float]:
        """``(u, v, f)``: between drive nodes ``u`` and ``v``, a fraction ``f`` of the edge done."""
        return self.van.position(now)
