"""Unit tests of the parts of the DRT package: schedule state, stops, forecast, rules, analysis, kernel wrapper.

The line city of :mod:`test_drt_exact` (ten nodes 600 m apart, 60 s per edge both ways)
makes every expected number a hand computation; the grid city of :mod:`test_drt` checks
stops against scipy's Dijkstra.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra
from test_drt import grid_city
from test_drt_exact import line_city, req, service

from kaicity import dispatch_kernel, routing
from kaicity.errors import SimulationError
from kaicity.metrics.drt import LEG_COLUMNS, drt_kpis, drt_legs, drt_reporters, load_series, service_seconds
from kaicity.scenario import DrtSection, RebalancingSection
from kaicity.services.drt import DROPOFF, PICKUP, Ride, Schedule
from kaicity.services.drt.log import DRTLog
from kaicity.services.drt.rebalancing import DAY_S, Rebalancer
from kaicity.services.drt.rules import DRTRules
from kaicity.services.drt.stops import ServiceArea, grid_stops
from kaicity.services.transit import TripRequest


class _StillVan:
    """A van that stays put (replan does nothing): the schedule's arrays alone are under test."""

    leg = None

    def replan(self) -> None:
        pass


def _schedule(n_vehicles: int = 1, seats: int = 4, stop_s: float = 30.0) -> Schedule:
    s = Schedule(np.zeros(n_vehicles, dtype=np.int32), seats, stop_s)
    s.vans = [_StillVan() for _ in range(n_vehicles)]
    return s


def _ride(s: Schedule, rid: int, vehicle: int = 0) -> None:
    s.rides.append(Ride(rid=rid, vehicle=vehicle, planned_pick=0.0, planned_drop=0.0, cost=0.0, latest_drop=1e9))


# ------------------------------------------------------------------------------ schedule
def test_schedule_insert_retimes_and_remove_restores_the_stops():
    s = _schedule()
    _ride(s, 0)
    # ride 0: pickup at node 2 (60 s away, rider ready at 100), drop-off at node 5 (direct 180 s)
    s.insert(0, 0, 0, 0, (2, 5), 100.0, (1000.0, 2000.0), (120.0, math.nan, 180.0, math.nan), 180.0)
    assert s.n_stops[0] == 2
    assert s.stop_node[0, :2].tolist() == [2, 5]
    assert s.stop_kind[0, :2].tolist() == [PICKUP, DROPOFF]
    # arrive 120, board from 120 (ready 100) to 150, drive 180, arrive 330, alight until 360
    assert s.stop_arr[0, :2].tolist() == [120.0, 330.0]
    assert s.stop_dep[0, :2].tolist() == [150.0, 360.0]
    assert s.stop_load[0, :2].tolist() == [1, 0]
    # slack: the drop-off may arrive 1670 s later, the pickup (deadline 1000) only 880 s
    assert s.stop_slack[0, :2].tolist() == [880.0, 1670.0]
    version = s.version
    _ride(s, 1)
    # ride 1 picked up before ride 0's drop-off and dropped off after it: positions (1, 2)
    s.insert(0, 1, 2, 1, (3, 7), 0.0, (1000.0, 2000.0), (60.0, 120.0, 120.0, math.nan), 240.0)
    assert s.version > version
    assert s.stop_node[0, :4].tolist() == [2, 3, 5, 7]
    assert s.stop_ride[0, :4].tolist() == [0, 1, 0, 1]
    assert s.stop_load[0, :4].tolist() == [1, 2, 1, 0]
    assert s.stop_leg[0, :4].tolist() == [120.0, 60.0, 120.0, 120.0]
    s.remove(1, lambda src, dst: 180.0 if (src, dst) == (2, 5) else math.nan)
    assert s.n_stops[0] == 2
    assert s.stop_node[0, :2].tolist() == [2, 5]
    assert s.stop_leg[0, :2].tolist() == [120.0, 180.0]
    assert s.stop_arr[0, :2].tolist() == [120.0, 330.0]


def test_schedule_refuses_a_plan_that_breaks_a_promise():
    s = _schedule(seats=1)
    _ride(s, 0)
    with pytest.raises(SimulationError, match="breaks a promise"):
        # the pickup is 500 s away but promised by 400
        s.insert(0, 0, 0, 0, (2, 5), 0.0, (400.0, 2000.0), (500.0, math.nan, 180.0, math.nan), 180.0)


def test_schedule_grows_its_slots_and_snapshot_restores_everything():
    s = _schedule(seats=1)
    assert s.slots == 2 * 1 + 4
    for r in range(4):
        _ride(s, r)
        K = int(s.n_stops[0])
        s.insert(0, K, K, r, (r + 1, r + 2), 0.0, (1e9, 1e9), (60.0, math.nan, 60.0, math.nan), 60.0)
    assert s.slots >= 8 and s.n_stops[0] == 8
    snap = s.snapshot([2, 3])
    before = {name: getattr(s, name).copy() for name in ("stop_node", "stop_arr", "n_stops", "start_time")}
    cost = s.plan_cost(1.0)
    s.rides[3].vehicle, s.rides[3].cost = 5, 99.0
    s.pop_first(0, 1, 90.0, 1)
    assert s.n_stops[0] == 7 and s.start_time[0] == 90.0
    s.restore(snap)
    for name, arr in before.items():
        assert np.array_equal(getattr(s, name), arr)
    assert (s.rides[3].vehicle, s.rides[3].cost) == (0, 0.0)
    assert s.plan_cost(1.0) == cost
    # plan cost: end of the schedule + weight x drop-off arrivals
    drops = s.stop_arr[0, :8][s.stop_kind[0, :8] == DROPOFF]
    assert cost == pytest.approx(s.stop_dep[0, 7] + drops.sum())


def test_schedule_is_the_state_the_service_parts_share():
    svc = service(line_city(), depots=[0, 9])
    parts = (svc.inserter.schedule, svc.batcher.schedule, *(van.schedule for van in svc.vehicles))
    assert all(p is svc.schedule for p in parts)
    assert svc.book(req(1, 0, 5, 0.0)).accepted
    van = svc.vehicles[0]
    assert van.stops == svc.schedule.stops_of(0)
    assert [stop["kind"] for stop in van.stops] == ["pickup", "dropoff"]
    svc.advance(600.0)
    assert van.stops == [] and van.idle and van.node == 5


# --------------------------------------------------------------------------------- stops
def test_virtual_stops_give_each_walk_node_its_nearest_stop_on_the_walk_graph():
    city = grid_city(10, 200.0, 10.0)
    cfg = DrtSection(enabled=True, mode="virtual_stops", virtual_stop_spacing_m=500.0)
    area = ServiceArea(city, cfg, np.random.default_rng(0))
    assert np.array_equal(area.stops, grid_stops(city.drive, np.arange(100), 500.0))
    dist = dijkstra(city.walk.to_scipy(), indices=city.drive_to_walk[area.stops]).min(axis=0)
    assert np.allclose(area.access_m, dist)
    assert np.isin(area.access_node, area.stops).all()
    w = int(np.argmax(area.access_m))
    assert area.access_m[w] > 0
    far = TripRequest(0, 0, w, 0, 0.0, 1.0, float(area.access_m[w]) - 1.0)
    assert area.access(far) == ("no_stop_within_walk", -1, -1, math.inf, math.inf)
    near = TripRequest(0, 0, 0, 99, 0.0, 0.5, 1e9)
    reason, p, d, walk_in, walk_out = area.access(near)
    assert reason is None and (p, d) == (area.access_node[0], area.access_node[99])
    assert (walk_in, walk_out) == (area.access_m[0] / 0.5, area.access_m[99] / 0.5)


def test_door_to_door_area_serves_only_its_zones_and_places_depots_there():
    zone = np.where(np.arange(100) % 10 < 5, 0, 2)   # west half core, east half rural
    city = grid_city(10, 200.0, 10.0, zone=zone)
    cfg = DrtSection(enabled=True, zones=["rural"])
    area = ServiceArea(city, cfg, np.random.default_rng(1), homes=np.arange(100))
    assert area.stops.size == 0 and np.array_equal(area.access_node, city.walk_to_drive)
    assert area.serves_zone(np.array([0, 1, 2])).tolist() == [False, False, True]
    assert area.serves(9) and not area.serves(0)
    depots = area.depots(6)
    assert len(depots) == 6 and (zone[depots] == 2).all()
    xs, _ = area.served_homes()
    assert (xs >= 5 * 200.0).all()


# -------------------------------------------------------------------------- rebalancing
def test_forecast_is_the_recent_window_blended_with_previous_days():
    city = grid_city(6, 500.0, 10.0)
    reb = Rebalancer(city.drive, np.arange(36, dtype=np.int32),
                     RebalancingSection(enabled=True, window_min=60.0, cell_m=1000.0))
    assert reb.n_cells == 9
    a, b = 0, 35    # opposite corners: different cells
    ca, cb = int(reb.node_cell[a]), int(reb.node_cell[b])
    assert ca != cb
    for t in (8.2 * 3600, 8.5 * 3600, 9.5 * 3600):      # day 1: two in 8-9 h, one later
        reb.record_demand(a, t)
    reb.record_demand(b, 7.5 * 3600)
    f = reb.forecast(9.0 * 3600)
    assert f[ca] == 2 and f[cb] == 0 and f.sum() == 2    # 8-9 h only
    reb.record_demand(b, DAY_S + 8.9 * 3600)
    f2 = reb.forecast(DAY_S + 9.0 * 3600)
    # recent hour of day 2: one at b; the same upcoming hour (9-10 h) of day 1: one at a
    assert f2[cb] == pytest.approx(0.5 * 1) and f2[ca] == pytest.approx(0.5 * 1)
    assert reb.cell_node(ca) == a    # the most requested pickup node of the cell
    target = reb.targets(np.array([3.0, 1.0, 0.0, 0, 0, 0, 0, 0, 0]), 5)
    assert target.sum() == 5 and target[0] >= 3 and target[1] >= 1 and target[2:].sum() == 0


# ------------------------------------------------------------------- rules and analysis
def test_rules_read_the_schema_defaults_once():
    rules = DRTRules.from_config(DrtSection(), start_hour=5.0, n_vehicles=12)  # default fleet: per 1,000 people
    assert (rules.n_vehicles, rules.seats, rules.hours) == (12, 11, (6.0, 24.0))
    with pytest.raises(SimulationError, match="per 1,000 people"):
        DRTRules.from_config(DrtSection())
    assert (rules.max_wait_s, rules.beta_s, rules.max_detour_s) == (900.0, 600.0, 1800.0)
    assert rules.door_to_door and rules.batch_s == 0.0
    assert rules.clock_hour(3600.0) == 6.0 and rules.in_hours(3600.0) and not rules.in_hours(0.0)
    assert rules.max_ride_s(300.0) == min(300.0 + 1800.0, 1.5 * 300.0 + 600.0)
    assert DrtSection().rebalancing.enabled is True


def test_service_seconds_and_load_series():
    rules = DRTRules.from_config(DrtSection(vehicles=3, service_hours=[6, 22]), start_hour=4.0)
    # day 1 from 04:00: service 06-22 = 16 h; day 2 up to 08:00 (t = 28 h): 2 h
    assert service_seconds(rules, 28 * 3600.0) == pytest.approx(3 * 18 * 3600.0)
    log = DRTLog(load_t=[60.0, 120.0, 300.0], load_d=[1, 1, -1])
    grid, load = load_series(log, 420.0, step_s=60.0)
    assert grid.tolist() == [0.0, 60.0, 120.0, 180.0, 240.0, 300.0, 360.0]
    assert load.tolist() == [0, 1, 2, 2, 2, 1, 1]


def test_kpis_and_legs_of_an_unused_service():
    svc = service(line_city(), depots=[0])
    k = drt_kpis(svc)
    assert (k["requests"], k["booked"], k["rejected"], k["vehicle_km"]) == (0, 0, 0, 0.0)
    assert k["rejection_rate"] is None and k["wait_min"]["mean"] is None
    assert list(drt_legs(svc).columns) == list(LEG_COLUMNS)
    reporters = drt_reporters(svc)
    assert reporters["drt_requests"](None) == 0 and math.isnan(reporters["drt_wait_mean_min"](None))


# ----------------------------------------------------------------------- kernel wrapper
def test_dispatch_kernel_wrapper_matches_routing():
    city = grid_city(8, 250.0, 10.0, oneway_rows=True)
    g = city.drive
    searcher = dispatch_kernel.DispatchSearcher(g)
    out = np.full(g.n_nodes, np.inf)
    reached = np.empty(g.n_nodes, dtype=np.int32)
    n = searcher.bounded(20, 100.0, True, out, reached)
    ref = routing.shortest_times(g, 20, reverse=True)
    within = np.flatnonzero(ref <= 100.0)
    assert sorted(reached[:n].tolist()) == within.tolist()
    assert np.array_equal(out[within], ref[within])
    targets = np.array([0, 63], dtype=np.int32)
    vals = np.empty(2)
    searcher.targeted(20, targets, np.array([np.inf, np.inf]), False, vals)
    assert np.array_equal(vals, routing.shortest_times(g, 20)[targets])
    path = dispatch_kernel.path_down(g, ref, 0, 20, np.empty(g.n_nodes, dtype=np.int32))
    cum_t, cum_m = dispatch_kernel.path_profile(g, path)
    assert path[0] == 0 and path[-1] == 20 and cum_t[-1] == ref[0] and cum_m[-1] == 250.0 * cum_t[-1] / 25.0
    with pytest.raises(SimulationError, match="not connected"):
        dispatch_kernel.path_profile(g, np.array([0, 9], dtype=np.int32))


# ---------------------------------------------------------------------- import direction
def test_services_never_import_agents_mesa_or_the_model():
    root = Path(__file__).resolve().parents[1] / "kaicity" / "services"
    bad = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            bad += [f"{path.name}: {n}" for n in names
                    if n == "mesa" or n.startswith(("mesa.", "kaicity.agents", "kaicity.model"))]
    assert not bad
