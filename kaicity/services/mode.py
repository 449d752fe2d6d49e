"""Mode choice for a trip: walk, car, public transport (bus or DRT), or forgo the need."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from kaicity.services.transit import Booking


class Mode(StrEnum):
    """How a resident travels to a service (``NONE`` for remote channels and forgone needs)."""

    WALK = "walk"
    CAR = "car"
    BUS = "bus"
    DRT = "drt"
    NONE = "none"


@dataclass(frozen=True)
class ModeChoice:
    """The chosen mode, its door-to-door time (s) and the transit booking when one is used."""

    mode: Mode
    travel_s: float
    booking: Booking | None = None
    reason: str | None = None


def choose_mode(walk_s: float, car_s: float, quotes: list[Booking], walk_tolerance_s: float,
                max_trip_s: float) -> ModeChoice:
    """Pick a mode (model.md, process step 2).

    Walk when the walk is within the resident's tolerance; else the car when one is
    available and the drive fits ``max_trip_s``; else the quickest accepted public
    transport quote within ``max_trip_s``; else walk when even a long walk fits
    ``max_trip_s``; else the need is forgone.

    Parameters
    ----------
    walk_s
        Walking time to the destination (``inf`` when unreachable on foot).
    car_s
        Door-to-door car time (``inf`` without a car or a road).
    quotes
        Transit offers (bus, DRT); rejected ones are ignored.
    walk_tolerance_s, max_trip_s
        The resident's limits.
    """
    if walk_s <= walk_tolerance_s:
        return ModeChoice(Mode.WALK, walk_s)
    if car_s <= max_trip_s:
        return ModeChoice(Mode.CAR, car_s)
    offers = [q for q in quotes if q.accepted and q.door_to_door_s <= max_trip_s]
    if offers:
        best = min(offers, key=lambda q: (q.door_to_door_s, q.mode))
        return ModeChoice(Mode(best.mode), best.door_to_door_s, best)
    if walk_s <= max_trip_s:
        return ModeChoice(Mode.WALK, walk_s)
    rejected = [q.reason for q in quotes if not q.accepted and q.reason]
    if math.isinf(walk_s) and math.isinf(car_s) and not quotes:
        reason = "unreachable"
    elif rejected:
        reason = "transit_rejected:" + ",".join(sorted(set(rejected)))
    else:
        reason = "too_far"
    return ModeChoice(Mode.NONE, math.inf, None, reason)
