"""The dispatch rules of a DRT service, read once from the scenario's ``transit.drt`` section.

Every default lives in the schema (:class:`kaicity.scenario.DrtSection`); this module only
converts units (minutes to seconds) and answers the questions the rules ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kaicity.errors import SimulationError

if TYPE_CHECKING:
    from kaicity.scenario import DrtSection


@dataclass(frozen=True)
class DRTRules:
    """Fleet, promises and costs of a DRT service (times in s, hours as clock hours).

    Attributes
    ----------
    n_vehicles, seats : int
        Fleet size and seats per vehicle.
    hours : (float, float)
        ``[open, close)`` clock hours in which requests are taken.
    max_wait_s : float
        Longest wait a request may be given.
    alpha, beta_s, max_detour_s : float
        Max ride ``= min(direct + max_detour_s, alpha * direct + beta_s)``.
    stop_s : float
        Boarding or alighting time per stop.
    delay_weight : float
        Insertion cost = added vehicle time + weight x added passenger delay.
    batch_s : float
        Batch window (0: no batch re-assignment).
    door_to_door : bool
        Pickup at the door (else at virtual stops).
    start_hour : float
        Clock hour at time 0.
    """

    n_vehicles: int
    seats: int
    hours: tuple[float, float]
    max_wait_s: float
    alpha: float
    beta_s: float
    max_detour_s: float
    stop_s: float
    delay_weight: float
    batch_s: float
    door_to_door: bool
    start_hour: float = 0.0

    @classmethod
    def from_config(cls, cfg: DrtSection, start_hour: float = 0.0, n_vehicles: int | None = None) -> DRTRules:
        """The rules of the ``transit.drt`` section ``cfg`` for a run starting at clock hour ``start_hour``.

        ``n_vehicles`` is the fleet when ``cfg`` gives it per 1,000 people (``cfg.vehicles`` is null);
        see :meth:`~kaicity.scenario.DrtSection.fleet_for`.
        """
        if n_vehicles is None:
            if cfg.vehicles is None:
                raise SimulationError("transit.drt gives the fleet per 1,000 people; pass n_vehicles "
                                      "(DrtSection.fleet_for(people in the service area))")
            n_vehicles = int(cfg.vehicles)
        return cls(n_vehicles=int(n_vehicles), seats=int(cfg.capacity),
                   hours=(float(cfg.service_hours[0]), float(cfg.service_hours[1])),
                   max_wait_s=float(cfg.max_wait_min) * 60.0, alpha=float(cfg.max_ride_alpha),
                   beta_s=float(cfg.max_ride_beta_min) * 60.0, max_detour_s=float(cfg.max_detour_min) * 60.0,
                   stop_s=float(cfg.stop_s), delay_weight=float(cfg.delay_weight), batch_s=float(cfg.batch_s),
                   door_to_door=str(cfg.mode) != "virtual_stops", start_hour=float(start_hour))

    def clock_hour(self, t: float) -> float:
        """Clock hour (0-24) at simulation time ``t``."""
        return (t / 3600.0 + self.start_hour) % 24.0

    def in_hours(self, t: float) -> bool:
        """True when ``t`` lies within the service hours."""
        h = self.clock_hour(t)
        return self.hours[0] <= h < self.hours[1]

    def max_ride_s(self, direct_s: float) -> float:
        """Longest ride allowed for a direct ride of ``direct_s``: min(direct + detour, alpha*direct + beta)."""
        return min(direct_s + self.max_detour_s, self.alpha * direct_s + self.beta_s)
