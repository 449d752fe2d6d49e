"""The indexed bus quote books exactly what scanning every pattern books (issue 17).

:class:`Reference` (``tests/bus_full_scan.py``) is the algorithm the service used before, every
pattern scanned per request.  Both book the same random requests in the same
order (direct, with a transfer, to any place of a category, on runs of one or two seats so that runs
fill up, before and after service hours, out of walking range) and must agree on every booking.
"""

from __future__ import annotations

import numpy as np
import pytest
from bus_full_scan import Reference  # the old full scan, shared with benchmarks/bench_bus.py

from kaicity.scenario import load_scenario
from kaicity.services.access import PlaceAccess
from kaicity.services.bus import BusNetwork
from kaicity.services.transit import TripRequest


@pytest.fixture(scope="module")
def bus_cfg(root):
    return load_scenario(root / "scenarios" / "smart_city.yaml").transit.bus


def random_requests(net: BusNetwork, city, n: int, seed: int) -> list[TripRequest]:
    """Requests between random walk nodes and stops' nodes, a third of them to any place of a category."""
    rng = np.random.default_rng(seed)
    walk = city.walk
    stops = np.concatenate([p.stop_walk for p in net.patterns])
    places = rng.choice(walk.n_nodes, 12, replace=False)
    access = PlaceAccess(city, places, city.walk_to_drive[places], np.arange(100, 112))
    few = PlaceAccess(city, places[:1], city.walk_to_drive[places[:1]], np.array([7]))
    out = []
    for t in range(n):
        ends = [int(rng.choice(stops)) if rng.random() < 0.6 else int(rng.integers(walk.n_nodes)) for _ in "od"]
        time = float(rng.uniform(0.0, net.horizon_s))  # also before the first and after the last run
        max_walk = float(rng.choice([150.0, 400.0, 900.0, 1500.0, 4000.0]))
        kind = rng.random()
        dest = None if kind < 0.6 else (access if kind < 0.9 else few)
        out.append(TripRequest(t, 0, ends[0], ends[1], time, float(rng.uniform(0.6, 1.4)), max_walk,
                               dest_access=dest))
    return out


@pytest.mark.parametrize("capacity", [1, 2])
def test_indexed_quotes_and_bookings_equal_the_full_scan(small_city, bus_cfg, capacity):
    cfg = bus_cfg.model_copy(update={"capacity": capacity, "urban_headway_min": 60.0, "rural_headway_min": 90.0})
    net = BusNetwork(small_city, cfg, 2 * 86_400.0, 5.0)
    assert net.feeders_built > 0 and net._transfer_points()  # feeders meet the trunk lines: transfers exist
    ref = Reference(net)
    reqs = random_requests(net, small_city, 1500, seed=capacity)
    reasons, transfers, full, places = set(), 0, 0, set()
    for req in reqs:
        quoted, expected = net.quote(req), ref.best(req)[0]
        assert quoted == expected, req
        booked, again = net.book(req), ref.book(req)
        assert booked == again == quoted, req
        reasons.add(booked.reason)
        transfers += booked.transfers
        places.add(booked.place)
        full += booked.accepted and booked.wait_s > 3600.0
    for p, q in zip(net.patterns, ref.patterns, strict=True):
        assert np.array_equal(p.loads, q.loads)
    # the requests exercised every branch: rejections of both kinds, transfers, places, full runs skipped
    assert {None, "no_stop_within_walk", "no_run_in_service"} <= reasons
    assert transfers > 0 and {-1, 7} <= places and len(places) > 3
    assert full > 0 and max(int(p.loads.max()) for p in net.patterns) == capacity
