"""What a DRT fleet did: requests and their outcome, arrivals, distances, load changes.

:class:`DRTLog` holds the records the KPIs of :mod:`kaicity.metrics.drt` are
computed from; vehicles and the dispatcher append to it as things happen.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from kaicity.services.drt.schedule import DEPOT, RELOCATE, Leg, Ride
from kaicity.services.transit import Arrival

#: Rejection reasons, in the order KPIs list them.
REASONS: tuple[str, ...] = ("outside_hours", "outside_zone", "no_stop_within_walk", "same_stop", "unreachable",
                            "no_vehicle_within_max_wait", "capacity", "detour_of_others")
_REJECTED = frozenset(REASONS)


class TripOutcomes(dict):
    """Outcome of every trip that asked (trip id -> status), counting rejections as they are written.

    A plain ``dict`` whose every write keeps :attr:`n_rejected` exact: a status leaving
    :data:`REASONS` counts -1, one entering it +1.  The time series reads the count in O(1)
    instead of recounting every trip at every tick.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()
        self.n_rejected = 0
        self.update(*args, **kwargs)

    def _count(self, status) -> int:
        return 1 if status in _REJECTED else 0

    def __setitem__(self, trip, status) -> None:
        self.n_rejected += self._count(status) - self._count(self.get(trip))
        super().__setitem__(trip, status)

    def __delitem__(self, trip) -> None:
        self.n_rejected -= self._count(self[trip])
        super().__delitem__(trip)

    def update(self, *args, **kwargs) -> None:
        """As :meth:`dict.update`, through :meth:`__setitem__`."""
        for trip, status in dict(*args, **kwargs).items():
            self[trip] = status

    def setdefault(self, trip, status=None):
        """As :meth:`dict.setdefault`, through :meth:`__setitem__`."""
        if trip not in self:
            self[trip] = status
        return self[trip]

    def pop(self, trip, *default):
        """As :meth:`dict.pop`, keeping the count."""
        if trip not in self:
            return super().pop(trip, *default)
        status = self[trip]
        del self[trip]
        return status

    def popitem(self):
        """As :meth:`dict.popitem`, keeping the count."""
        trip, status = super().popitem()
        self.n_rejected -= self._count(status)
        return trip, status

    def clear(self) -> None:
        """As :meth:`dict.clear`; the count goes to 0."""
        super().clear()
        self.n_rejected = 0

    def __ior__(self, other):
        self.update(other)
        return self

    def __reduce__(self):
        return TripOutcomes, (dict(self),)

    def copy(self) -> TripOutcomes:
        """A copy with its count."""
        return TripOutcomes(self)


@dataclass
class DRTLog:
    """Records of a DRT run (times in s, distances in m).

    Attributes
    ----------
    trips : TripOutcomes
        Outcome of every trip that asked: ``"booked"``, ``"offered"`` (quoted, not booked)
        or a rejection reason (a dict that counts rejections as they are written).
    book_rejections : Counter
        Rejections at booking, by reason.
    load_t, load_d : list
        Times riders boarded (+1) or alighted (-1), and the change.
    trace, stop_log : list
        With ``trace_enabled``: every driven piece ``(vehicle, nodes, times, load, purpose)``
        and every stop served ``(vehicle, node, time, kind, ride)``.
    """

    trace_enabled: bool = False
    trips: TripOutcomes = field(default_factory=TripOutcomes)
    book_rejections: Counter = field(default_factory=Counter)
    arrivals: list[Arrival] = field(default_factory=list)
    load_t: list[float] = field(default_factory=list)
    load_d: list[int] = field(default_factory=list)
    vehicle_m: float = 0.0
    empty_m: float = 0.0
    rebalance_m: float = 0.0
    depot_m: float = 0.0
    passenger_m: float = 0.0
    drive_s: float = 0.0
    n_pickups: int = 0
    wait_sum: float = 0.0
    evaluations: int = 0
    rebalancing_moves: int = 0
    batch_rounds: int = 0
    batch_improved: int = 0
    trace: list[tuple[int, np.ndarray, np.ndarray, int, int]] = field(default_factory=list)
    stop_log: list[tuple[int, int, float, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.trips, TripOutcomes):
            self.trips = TripOutcomes(self.trips)

    @property
    def n_rejected(self) -> int:
        """Trips whose outcome is a rejection reason (O(1), kept exact on every write)."""
        return self.trips.n_rejected

    def drove(self, v: int, leg: Leg, i: int, k: int, load: int) -> None:
        """Vehicle ``v`` drove ``leg`` from its node ``i`` to node ``k`` with ``load`` riders."""
        metres = float(leg.cum_m[k] - leg.cum_m[i])
        self.vehicle_m += metres
        self.drive_s += leg.tlist[k] - leg.tlist[i]
        if load == 0:
            self.empty_m += metres
        if leg.purpose == RELOCATE:
            self.rebalance_m += metres
        elif leg.purpose == DEPOT:
            self.depot_m += metres
        self.passenger_m += load * metres
        if self.trace_enabled:
            self.trace.append((v, leg.nodes[i:k + 1].copy(), leg.times[i:k + 1].copy(), load, leg.purpose))

    def stop_served(self, v: int, node: int, begin: float, kind: int, rid: int) -> None:
        """Vehicle ``v`` starts serving a stop (kept only with ``trace_enabled``)."""
        if self.trace_enabled:
            self.stop_log.append((v, node, begin, kind, rid))

    def boarded(self, ride: Ride, begin: float) -> None:
        """``ride``'s rider starts boarding at ``begin``."""
        self.load_t.append(begin)
        self.load_d.append(1)
        self.n_pickups += 1
        self.wait_sum += begin - ride.ready

    def alighted(self, ride: Ride, begin: float, stop_s: float) -> None:
        """``ride``'s rider starts alighting at ``begin``; the arrival at the door is recorded."""
        self.load_t.append(begin)
        self.load_d.append(-1)
        done = begin + stop_s
        self.arrivals.append(Arrival(ride.trip_id, done + ride.walk_out_s, ride.t_pickup - ride.ready,
                                     done - ride.t_pickup, ride.walk_in_s + ride.walk_out_s))

    def take_arrivals(self) -> list[Arrival]:
        """Arrivals since the last call."""
        out, self.arrivals = self.arrivals, []
        return out
