"""The one interface every public-transport service implements.

Fixed-route buses (:mod:`kaicity.services.bus`) and the DRT fleet
(:mod:`kaicity.services.drt`) both implement :class:`TransitService`, so the model's
mode choice asks each for a quote, books the best, and learns when riders arrive.

Times are seconds since the start of the simulation; nodes are indices of the
city's **walk** graph (riders walk to and from vehicles; services map to drive nodes with
``city.walk_to_drive`` themselves).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class TripRequest:
    """A resident's request to travel by public transport.

    Attributes
    ----------
    trip_id : int
        Unique id chosen by the model; arrivals are reported with it.
    resident : int
        Index of the resident in the model's population arrays.
    origin, destination : int
        Walk-graph node indices (home and the service location).
    time : float
        When the resident is ready to leave the origin (s).
    walk_speed : float
        The rider's own walking speed (m/s), for access and egress walks.
    max_walk_m : float
        Longest access or egress walk the rider accepts (m).
    dest_access : PlaceAccess or None
        When given, the rider may alight near ANY place of these tables
        (:class:`kaicity.services.access.PlaceAccess`, e.g. every clinic): a service that
        supports it picks the place with the earliest door arrival and reports it in
        :attr:`Booking.place`; others use ``destination``.
    """

    trip_id: int
    resident: int
    origin: int
    destination: int
    time: float
    walk_speed: float
    max_walk_m: float
    dest_access: object | None = None


@dataclass(frozen=True)
class Booking:
    """A quote or a confirmed booking, or a rejection with its reason.

    Attributes
    ----------
    accepted : bool
        False when the service cannot carry the rider; ``reason`` says why.
    mode : str
        ``"bus"`` or ``"drt"``.
    arrive_time : float
        Promised (latest) arrival at the destination door (s); ``inf`` when rejected.
    wait_s, in_vehicle_s, walk_s : float
        Parts of the door-to-door time: waiting at the stop or door, riding, walking.
    reason : str or None
        For a rejection: e.g. ``"no_vehicle_within_max_wait"``, ``"capacity"``,
        ``"detour_of_others"``, ``"outside_hours"``, ``"no_stop_within_walk"``.
    vehicle : int
        Vehicle or run id (-1 when none).
    place, destination : int
        The place chosen among ``TripRequest.dest_access`` and its walk node (-1: the request's
        ``destination``).
    transfers : int
        Changes of vehicle on the way.
    """

    accepted: bool
    mode: str
    arrive_time: float = np.inf
    wait_s: float = np.inf
    in_vehicle_s: float = np.inf
    walk_s: float = np.inf
    reason: str | None = None
    vehicle: int = -1
    place: int = -1
    destination: int = -1
    transfers: int = 0

    @property
    def door_to_door_s(self) -> float:
        """Walk + wait + ride time of the booking (``inf`` when rejected)."""
        return self.wait_s + self.in_vehicle_s + self.walk_s


@dataclass(frozen=True)
class Arrival:
    """A rider reached the destination door at ``time`` (reported by :meth:`TransitService.advance`)."""

    trip_id: int
    time: float
    wait_s: float
    in_vehicle_s: float
    walk_s: float


@dataclass
class VehicleState:
    """Positions of a service's vehicles for maps: projected x/y, load and capacity per vehicle."""

    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    load: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    capacity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))


class TransitService(ABC):
    """Common interface of public-transport services (fixed-route bus, DRT)."""

    #: Mode name used in trip records: ``"bus"`` or ``"drt"``.
    mode: str = ""

    @abstractmethod
    def quote(self, request: TripRequest) -> Booking:
        """Best offer for ``request`` without committing anything."""

    @abstractmethod
    def book(self, request: TripRequest) -> Booking:
        """Commit the best offer for ``request`` (or reject it with a reason)."""

    @abstractmethod
    def advance(self, now: float) -> list[Arrival]:
        """Move vehicles up to time ``now`` and return riders who arrived since the last call."""

    @abstractmethod
    def vehicle_state(self, now: float) -> VehicleState:
        """Where the vehicles are at ``now`` (for maps)."""
