"""A bus network a planner would design: feeders to coverage, one transfer, any facility of the kind."""

from __future__ import annotations

import numpy as np
import pytest

from kaicity import routing
from kaicity.scenario import load_scenario
from kaicity.services.access import PlaceAccess
from kaicity.services.bus import BusNetwork, seats_per_run
from kaicity.services.transit import TripRequest

#: Documented floor of the share of walk nodes within coverage_walk_m (500 m) of a stop on the
#: small synthetic city, by zone (docs/odd.md; measured 0.97 / 0.75 / 0.94 on a 2,000-node city;
#: the rest are homes on long link roads between neighbourhoods, not clusters).
COVERAGE_FLOOR = {"core": 0.9, "suburb": 0.6, "rural": 0.8}


@pytest.fixture(scope="module")
def bus_cfg(root):
    return load_scenario(root / "scenarios" / "smart_city.yaml").transit.bus


@pytest.fixture(scope="module")
def net(small_city, bus_cfg):
    return BusNetwork(small_city, bus_cfg, 86_400.0, 0.0)


@pytest.fixture(scope="module")
def radial(small_city, bus_cfg):
    return BusNetwork(small_city, bus_cfg.model_copy(update={"design": "radial"}), 86_400.0, 0.0)


def test_demand_design_covers_every_zone_above_the_floor(net, radial):
    cov = net.stop_coverage()
    for zone, floor in COVERAGE_FLOOR.items():
        assert cov[zone] is not None and cov[zone] >= floor, (zone, cov)
        assert cov[zone] >= radial.stop_coverage()[zone]  # feeders only add stops
    assert net.feeders_built > 0 and radial.feeders_built == 0
    # every feeder ends at a stop of the network built before it (it meets the network at a hub)
    earlier = set(np.concatenate([p.stops for p in radial.patterns]).tolist())
    for p in net.patterns:
        if p.line.startswith("F") and not p.line.endswith("r"):
            assert int(p.stops[-1]) in earlier or any(
                int(p.stops[-1]) in q.stops for q in net.patterns if q.line != p.line)
            earlier.update(p.stops.tolist())


def test_no_cluster_of_uncovered_nodes_is_left(net, small_city):
    from kaicity.services.bus import FEEDER_MIN_NODES, feeder_seed

    uncovered = net.stop_walk_m() > net.coverage_walk_m
    assert feeder_seed(small_city.walk, uncovered, net.coverage_walk_m, FEEDER_MIN_NODES) == -1


def _transfer_trip(net: BusNetwork, city):
    """An origin at the first stop of a feeder and a destination at a trunk stop no single line links."""
    walk = city.walk
    for p, pat in enumerate(net.patterns):
        if not pat.line.startswith("F") or pat.line.endswith("r"):
            continue
        hub = int(pat.stops[-1])
        origin = int(pat.stop_walk[0])
        for q, other in enumerate(net.patterns):
            if q == p or hub not in other.stops:
                continue
            j = int(np.flatnonzero(other.stops == hub)[0])
            for a in range(len(other.stops) - 1, j, -1):
                dest = int(other.stop_walk[a])
                direct = [r for r in net.patterns if origin in r.stop_walk and dest in r.stop_walk]
                if not direct and routing.shortest_times(walk, origin)[dest] > 3000:
                    return origin, dest
    pytest.skip("no feeder-to-trunk trip on this city")


def test_a_trip_needing_a_transfer_is_quoted_and_taken(small_city, bus_cfg):
    net = BusNetwork(small_city, bus_cfg, 86_400.0, 0.0)
    origin, dest = _transfer_trip(net, small_city)
    req = TripRequest(7, 0, origin, dest, 8 * 3600.0, 1.2, 600.0)
    quote = net.quote(req)
    assert quote.accepted and quote.transfers == 1
    assert quote.door_to_door_s == pytest.approx(quote.arrive_time - req.time)
    # the second leg leaves at least transfer_min after the first arrives: wait covers it
    assert quote.wait_s >= net.transfer_s
    no_transfer = BusNetwork(small_city, bus_cfg.model_copy(update={"max_transfers": 0}), 86_400.0, 0.0)
    assert not no_transfer.quote(req).accepted
    before = [int(p.loads.sum()) for p in net.patterns]
    booking = net.book(req)
    assert booking.accepted and booking.arrive_time == quote.arrive_time
    grown = [i for i, p in enumerate(net.patterns) if int(p.loads.sum()) > before[i]]
    assert len(grown) == 2  # seats held on both legs
    assert net.transfers == 1 and net.boardings == 1
    arrivals = net.advance(booking.arrive_time)
    assert [a.trip_id for a in arrivals] == [7]


def test_a_bus_trip_goes_to_a_farther_facility_when_it_is_quicker_door_to_door(net, small_city):
    walk = small_city.walk
    trunk = next(p for p in net.patterns if not p.line.startswith("F"))
    origin = int(trunk.stop_walk[0])
    # facility A: the nearest node to the origin that no stop serves within the walk limit
    stop_m = net.stop_walk_m()
    from_origin = routing.shortest_times(walk, origin)
    far_from_stops = np.flatnonzero(stop_m > 900.0)
    a_node = int(far_from_stops[np.argmin(from_origin[far_from_stops])])
    b_node = int(trunk.stop_walk[-1])  # facility B: at the end of the line
    assert from_origin[a_node] < from_origin[b_node]
    access = PlaceAccess(small_city, np.array([a_node, b_node]),
                         small_city.walk_to_drive[[a_node, b_node]], np.array([101, 102]))
    nearest_on_foot = TripRequest(1, 0, origin, a_node, 8 * 3600.0, 1.2, 600.0)
    assert not net.quote(nearest_on_foot).accepted  # the facility nearest on foot has no stop near it
    anywhere = TripRequest(1, 0, origin, a_node, 8 * 3600.0, 1.2, 600.0, dest_access=access)
    booking = net.quote(anywhere)
    assert booking.accepted and booking.place == 102 and booking.destination == b_node


def test_seats_per_run_average_the_scaled_capacity():
    for capacity, scale in ((45, 1.0), (45, 4.0), (11, 5.0), (3, 7.0)):
        seats = seats_per_run(1000, capacity, scale)
        assert seats.min() >= np.floor(capacity / scale) and seats.max() <= np.ceil(capacity / scale)
        assert seats.sum() == int(np.floor(1000 * capacity / scale + 1e-9))
    assert (seats_per_run(10, 45, 1.0) == 45).all()
