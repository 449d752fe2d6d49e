"""Mode choice (:mod:`kaicity.services.mode`): walk within tolerance, car only with one, transit, forgo."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaicity.services.mode import Mode, choose_mode
from kaicity.services.transit import Booking

TOL, MAX = 10 * 60.0, 45 * 60.0


def bus(wait: float, ride: float, walk: float = 120.0) -> Booking:
    return Booking(accepted=True, mode="bus", arrive_time=wait + ride + walk, wait_s=wait, in_vehicle_s=ride,
                   walk_s=walk)


def drt(wait: float, ride: float) -> Booking:
    return Booking(accepted=True, mode="drt", arrive_time=wait + ride, wait_s=wait, in_vehicle_s=ride, walk_s=0.0)


def rejected(reason: str) -> Booking:
    return Booking(accepted=False, mode="drt", reason=reason)


def test_walks_within_the_walk_limit_even_when_a_car_is_faster():
    c = choose_mode(TOL, 60.0, [drt(0.0, 30.0)], TOL, MAX)
    assert c.mode is Mode.WALK and c.travel_s == TOL and c.booking is None


def test_never_drives_without_car_access():
    rng = np.random.default_rng(1)
    for walk, wait, ride in rng.uniform(0, 2 * MAX, size=(300, 3)):
        quotes = [bus(wait, ride)] if wait < MAX else []
        assert choose_mode(walk, math.inf, quotes, TOL, MAX).mode is not Mode.CAR


def test_drives_beyond_the_walk_limit_when_the_drive_fits():
    c = choose_mode(TOL + 1, 900.0, [], TOL, MAX)
    assert c.mode is Mode.CAR and c.travel_s == 900.0
    assert choose_mode(TOL + 1, MAX + 1, [], TOL, MAX).mode is not Mode.CAR


def test_quickest_accepted_transit_quote_wins_and_is_returned():
    slow, fast = bus(600.0, 900.0), drt(300.0, 600.0)
    c = choose_mode(3600.0, math.inf, [slow, rejected("capacity"), fast], TOL, MAX)
    assert c.mode is Mode.DRT and c.booking is fast and c.travel_s == fast.door_to_door_s


def test_equal_quotes_break_ties_by_mode_name():
    a, b = drt(300.0, 600.0), bus(300.0, 480.0, 120.0)
    assert a.door_to_door_s == b.door_to_door_s
    assert choose_mode(3600.0, math.inf, [a, b], TOL, MAX).mode is Mode.BUS


def test_a_long_walk_beats_forgoing_when_no_transit_fits():
    c = choose_mode(MAX, math.inf, [bus(MAX, 60.0)], TOL, MAX)
    assert c.mode is Mode.WALK and c.travel_s == MAX


@pytest.mark.parametrize(("walk", "car", "quotes", "reason"), [
    (math.inf, math.inf, [], "unreachable"),
    (MAX + 1, math.inf, [], "too_far"),
    (MAX + 1, math.inf, [rejected("capacity"), rejected("outside_hours"), rejected("capacity")],
     "transit_rejected:capacity,outside_hours"),
    (math.inf, math.inf, [bus(MAX, MAX)], "too_far"),
])
def test_forgone_needs_say_why(walk, car, quotes, reason):
    c = choose_mode(walk, car, quotes, TOL, MAX)
    assert c.mode is Mode.NONE and math.isinf(c.travel_s) and c.booking is None
    assert c.reason == reason


def test_chosen_trip_never_exceeds_the_longest_acceptable_trip():
    rng = np.random.default_rng(5)
    for walk, car, wait, ride in rng.uniform(0, 2 * MAX, size=(500, 4)):
        c = choose_mode(walk, car, [bus(wait, ride), drt(ride, wait)], TOL, MAX)
        assert c.mode is Mode.NONE or c.travel_s <= MAX
