"""DRT sized as in Korea (issue 14): fleet per 1,000 residents of the service area, transit-poor places."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from kaicity.errors import ScenarioError
from kaicity.model import KaiCityModel
from kaicity.scenario import DrtSection, Scenario, load_scenario
from kaicity.scenario.schema_transit import DEFAULT_VEHICLES_PER_1000
from kaicity.services.drt.stops import served_walk_mask

SMALL = {"city.n_nodes": 2000, "population.residents": 3000, "simulation.tick_minutes": 2.0}


def test_fleet_given_twice_is_one_line_naming_the_key():
    sc = Scenario(name="x", transit={"drt": {"enabled": True, "vehicles_per_1000": 0.14}})
    with pytest.raises(ScenarioError) as err:
        sc.with_overrides({"transit.drt.vehicles": 12})
    text = str(err.value)
    assert "\n" not in text and "transit.drt.vehicles_per_1000" in text and "null" in text
    both_cleared = sc.with_overrides({"transit.drt.vehicles": 12, "transit.drt.vehicles_per_1000": None})
    assert both_cleared.transit.drt.fleet_for(1e6) == 12  # an absolute fleet still works


def test_fleet_per_1000_people_of_the_area():
    assert DrtSection(vehicles_per_1000=0.14).fleet_for(128_000) == 18
    assert DrtSection(vehicles_per_1000=0.094).fleet_for(128_000) == 12
    assert DrtSection(vehicles_per_1000=0.14).fleet_for(1000) == 1  # at least one van
    assert DrtSection().fleet_for(100_000) == round(DEFAULT_VEHICLES_PER_1000 * 100)


def test_service_area_is_the_zones_plus_transit_poor_places():
    city = SimpleNamespace(walk=SimpleNamespace(zone=np.array([0, 0, 1, 1, 2, 2], dtype=np.int8)))
    poor = np.array([True, False, False, True, False, False])
    default = DrtSection()
    assert served_walk_mask(city, default, poor).tolist() == [True, False, False, True, True, True]
    assert served_walk_mask(city, default, None).all()  # no buses: every place is transit-poor
    rural_only = DrtSection(zones=["rural"])
    assert served_walk_mask(city, rural_only, poor).tolist() == [False] * 4 + [True] * 2


@pytest.fixture(scope="module")
def demo(root):
    return load_scenario(root / "scenarios" / "ai_city.yaml").with_overrides(SMALL)


def test_model_sizes_the_fleet_on_the_served_homes(demo):
    model = KaiCityModel(demo)
    bus, drt = model.bus, model.drt
    poor = bus.stop_walk_m() > bus.coverage_walk_m
    rural = model.city.walk.zone == 2
    assert np.array_equal(drt.area.served_walk, rural | poor)
    area_agents = int((rural | poor)[model.population.home].sum())
    per_1000 = demo.transit.drt.per_1000  # the default 0.12
    expect = max(1, round(per_1000 * area_agents / 1000))
    assert expect < 5 and model.simulated["drt_vehicles"] == drt.rules.n_vehicles == expect
    assert model.simulated["drt_area_residents"] == area_agents
    # at scale 1 the one or two vans ARE the real fleet of a town this size: no warning
    assert not [w for w in model.warnings if "NOT representative" in w]
    # a request from a served home is in the area; one from a served-nowhere place is not
    home_ok = int(np.flatnonzero(rural | poor)[0])
    home_no = int(np.flatnonzero(~(rural | poor))[0])
    assert drt.area.serves(home_ok) and not drt.area.serves(home_no)


def test_a_dense_enough_fleet_does_not_warn(demo):
    model = KaiCityModel(demo.with_overrides({"transit.drt.vehicles_per_1000": 20.0}))
    assert model.simulated["drt_vehicles"] >= 5
    assert not [w for w in model.warnings if "NOT representative" in w]


def test_a_sampled_small_fleet_warns(demo):
    """With agents standing for 4 people each, 1-2 simulated vans stand in for a real fleet 4 times larger."""
    model = KaiCityModel(demo.with_overrides({"population.scale": 4.0}))
    assert model.simulated["drt_vehicles"] < 5
    small = [w for w in model.warnings if "NOT representative" in w]
    assert len(small) == 1 and "transit.drt" in small[0]
