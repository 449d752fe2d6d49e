"""Fixed-route buses: generated and given lines, timetables, seat reservations."""

from __future__ import annotations

import numpy as np
import pytest

from kaicity.metrics.bus import bus_kpis
from kaicity.model import KaiCityModel
from kaicity.network import load_city
from kaicity.scenario import load_scenario
from kaicity.services.bus import BusNetwork
from kaicity.services.transit import TripRequest


@pytest.fixture(scope="module")
def city():
    return load_city("synthetic:n=2500,seed=5")


@pytest.fixture(scope="module")
def bus_cfg(root):
    return load_scenario(root / "scenarios" / "smart_city.yaml").transit.bus


def test_auto_lines_run_both_ways_with_spaced_stops(city, bus_cfg):
    net = BusNetwork(city, bus_cfg, 86_400.0, 0.0)
    assert len(net.patterns) >= 2 and len(net.patterns) % 2 == 0
    for pat in net.patterns:
        assert np.all(np.diff(pat.offsets) > 0)
        assert pat.stops[0] == pat.path[0] and pat.stops[-1] == pat.path[-1]
        assert len(pat.run_starts) > 0
        # runs leave within service hours at the line's headway
        assert np.allclose(np.diff(pat.run_starts), pat.headway_s)
        assert pat.run_starts[0] == pytest.approx(bus_cfg.service_hours[0] * 3600.0)


def test_given_line_stops_exactly_at_its_stops(city, bus_cfg):
    d = city.drive
    picks = [int(i) for i in np.linspace(0, d.n_nodes - 1, 4)]
    stops = [[float(d.lon[i]), float(d.lat[i])] for i in picks]
    cfg = bus_cfg.__class__.model_validate({**bus_cfg.model_dump(), "lines": [
        {"name": "X", "stops": stops, "headway_min": 20.0}]})
    net = BusNetwork(city, cfg, 86_400.0, 0.0)
    forward = [p for p in net.patterns if p.line == "X"]
    assert len(forward) == 1
    assert list(forward[0].stops) == picks
    assert forward[0].headway_s == 1200.0


def test_seats_are_reserved_and_full_runs_are_skipped(city, bus_cfg):
    cfg = bus_cfg.model_copy(update={"capacity": 1})
    net = BusNetwork(city, cfg, 86_400.0, 0.0)
    pat = max(net.patterns, key=lambda p: len(p.stops))
    origin, dest = int(pat.stop_walk[0]), int(pat.stop_walk[-1])
    t = 8 * 3600.0
    req = TripRequest(1, 0, origin, dest, t, 1.2, 1500.0)
    first = net.book(req)
    second = net.book(TripRequest(2, 1, origin, dest, t, 1.2, 1500.0))
    assert first.accepted and second.accepted
    assert second.arrive_time > first.arrive_time  # the first run is full: the next one
    assert net.boardings == 2
    arrivals = net.advance(first.arrive_time)
    assert [a.trip_id for a in arrivals] == [1]
    assert bus_kpis(net)["max_load"] == 1


def test_bus_riders_in_the_model_ride_scheduled_runs(root):
    sc = load_scenario(root / "scenarios" / "smart_city.yaml").with_overrides(
        {"city.n_nodes": 2500, "population.residents": 3000, "population.car_access.adult": 0.0,
         "population.car_access.elderly": 0.0, "simulation.tick_minutes": 5.0})
    m = KaiCityModel(sc).run()
    k = bus_kpis(m.bus)
    assert k["boardings"] > 0 and k["vehicle_km"] > 0
    assert 0 < k["wait_mean_min"] <= max(sc.transit.bus.urban_headway_min, sc.transit.bus.rural_headway_min)
    assert len(m.buses) == k["runs"]
