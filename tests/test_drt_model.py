"""DRT inside the K-AI City model: built from the scenario, used by mode choice, reported."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kaicity.agents import DRTVehicle
from kaicity.metrics.drt import drt_kpis, drt_legs
from kaicity.model import KaiCityModel
from kaicity.plots.drt import plot_drt
from kaicity.scenario import load_scenario
from kaicity.services.mode import Mode
from kaicity.services.records import MODE_CODE

SMALL = {
    "city.n_nodes": 2000,
    "population.residents": 3000,
    "simulation.tick_minutes": 2.0,
    "transit.drt.vehicles": 4,
    "transit.drt.uptake": 1.0,  # the shipped 0.18 is calibrated for 128k people
}


@pytest.fixture(scope="module")
def run(root):
    scenario = load_scenario(root / "scenarios" / "sejong_shucle.yaml").with_overrides(SMALL)
    return KaiCityModel(scenario).run()


def test_model_builds_the_fleet_from_the_scenario(run):
    drt = run.drt
    assert drt is not None and drt.rules.n_vehicles == 4 and drt.rules.seats == 11
    vans = list(run.agents_by_type[DRTVehicle])
    assert len(vans) == 4 and all(v.capacity == 11 for v in vans)
    assert drt.rules.door_to_door is False
    people = run.scenario.population.people
    assert len(drt.stops) == pytest.approx(people * 2.34 / 1000, abs=3)
    assert drt.serves_zone(run.population.zone).all()


def test_drt_rides_reach_the_model_and_kpis_are_consistent(run):
    k = drt_kpis(run.drt)
    legs = drt_legs(run.drt)
    assert k["booked"] == len(legs) > 0
    assert k["requests"] == k["booked"] + k["rejected"] + k["declined_offers"]
    assert (legs["wait_s"].dropna() <= run.drt.rules.max_wait_s + 1e-3).all()
    assert (legs["ride_s"].dropna() <= legs["max_ride_s"][legs["ride_s"].notna()] + 1e-3).all()
    done = legs[legs["status"] == "done"]
    trips = set(done["trip_id"])
    # every finished ride was delivered to the model: an outbound ride as an arrival at the place,
    # a ride home (trip id = log.n + the need's id) as the resident home by DRT
    outbound = [t for t in trips if t < run.log.n]
    home = [t - run.log.n for t in trips if t >= run.log.n]
    assert outbound and home
    assert np.isfinite(run.log.t_arrive[outbound]).all()
    assert np.isfinite(run.log.t_home[home]).all()
    assert (run.log.ret_mode[home] == MODE_CODE[Mode.DRT]).all()
    json.dumps(k)   # JSON-serialisable for summary.json
    for key in ("wait_min", "rejection_rate", "vehicle_km", "vehicle_hours", "empty_km", "rebalancing_km",
                "pooled_share", "detour_factor", "occupancy_by_hour", "passengers_per_vehicle_hour",
                "wait_share_under_10_min", "wait_share_under_15_min", "in_vehicle_min"):
        assert key in k
    assert set(k["wait_min"]) == {"mean", "median", "p95", "max"}


def test_timeseries_legs_and_plots(run, tmp_path):
    ts = run.datacollector.get_model_vars_dataframe()
    for col in ("drt_requests", "drt_booked", "drt_rejected", "drt_on_board", "drt_busy_vehicles",
                "drt_wait_mean_min", "drt_vehicle_km"):
        assert col in ts.columns
    assert ts["drt_requests"].is_monotonic_increasing
    assert ts["drt_requests"].iloc[-1] == drt_kpis(run.drt)["requests"]
    names = plot_drt(run.drt, tmp_path)
    assert names == ["drt_occupancy.png", "drt_waits.png"]
    assert all((tmp_path / n).stat().st_size > 1000 for n in names)
    state = run.drt.vehicle_state(run.now)
    assert len(state.x) == 4 and (state.capacity == 11).all()
    g = run.city.drive
    assert (state.x >= g.x.min() - 1).all() and (state.x <= g.x.max() + 1).all()
