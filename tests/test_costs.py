"""Full costs in both cities (issue 14 item 4): sourced prices, non-negative components priced on real units,
linear in days, invariant to population.scale, and the cost per additional need met of the comparison."""

from __future__ import annotations

import math
import warnings

import pytest

from kaicity.categories import CATEGORIES
from kaicity.metrics.cost import COMPONENTS, ITEMS, price_items
from kaicity.metrics.cost_gain import cost_gain, cost_gains
from kaicity.metrics.cost_units import CostUnits
from kaicity.model import KaiCityModel
from kaicity.report.costs import gain_csv_rows, gain_table_rows, gain_text, run_cost_lines
from kaicity.scenario import CostsSection
from kaicity.scenario.fields import KeyedMap

PEOPLE = 400
#: Items that do not depend on what residents do: fixed by places, fleets, timetables and days.
FIXED_ITEMS = ("facility_staff", "facility_overhead", "drt_hours", "drt_platform", "centre_staff", "centre_rent",
               "online_platform", "ai_platform")


def _run(root, city, name: str, seed: int = 1, **overrides) -> dict:
    overrides = {"population.residents": PEOPLE, **overrides}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = KaiCityModel(root / "scenarios" / f"{name}.yaml", seed=seed, city=city, overrides=overrides).run()
    from kaicity.metrics import summarize

    return summarize(model)["cost"]


@pytest.fixture(scope="module")
def smart(root, small_city) -> dict:
    return _run(root, small_city, "smart_city")


@pytest.fixture(scope="module")
def ai(root, small_city) -> dict:
    return _run(root, small_city, "ai_city", **AI_BUSY)


#: The optimistic ends of the AI shares and a fixed fleet, so a small town uses every AI-city service
#: (at the sourced defaults a few hundred agents make ~no AI healthcare sessions and get one van)
AI_BUSY = {"ai_services.share": {"healthcare": 0.35, "education": 0.5, "welfare": 0.6, "daily": 0.3},
           "transit.drt.vehicles": 8, "transit.drt.vehicles_per_1000": None}


# ------------------------------------------------------------------ the schema
def _leaves(value):
    if isinstance(value, KeyedMap):
        for v in value.values_in_order():
            yield from _leaves(v)
    else:
        yield value


@pytest.mark.parametrize("name", list(CostsSection.model_fields))
def test_every_price_has_a_source_or_a_range_and_is_not_negative(name):
    extra = CostsSection.model_fields[name].json_schema_extra
    source = extra["source"]
    assert source and source != "-", name
    if source.startswith("assumption"):
        assert "range" in extra, f"costs.{name} is an assumption without a plausible range"
    if "range" in extra:
        lo, hi = extra["range"]
        assert 0 <= lo <= hi
    assert all(float(v) >= 0 for v in _leaves(getattr(CostsSection(), name)))


def test_a_negative_price_is_refused():
    from kaicity.errors import ScenarioError
    from kaicity.scenario import Scenario

    with pytest.raises(ScenarioError, match="costs.bus_per_km"):
        Scenario.from_dict({"name": "x", "costs": {"bus_per_km": -1.0}})


# ------------------------------------------------------------------ the block of a run
@pytest.mark.parametrize("which", ["smart", "ai"])
def test_every_component_item_and_unit_is_non_negative_and_adds_up(which, request):
    cost = request.getfixturevalue(which)
    for name in COMPONENTS:
        assert cost[name] >= 0, name
        assert cost[name] == pytest.approx(sum(cost["items"][i] for i in ITEMS[name]))
    assert all(v >= 0 for v in cost["items"].values())
    for key, v in cost["units"].items():
        assert all(x >= 0 for x in (v.values() if isinstance(v, dict) else [v])), key
    assert cost["total"] == pytest.approx(sum(cost[n] for n in COMPONENTS))
    assert cost["carbon_kg"] >= 0


def test_the_smart_city_pays_facilities_buses_and_online_and_nothing_of_the_ai_city(smart):
    assert smart["facilities"] > 0 and smart["bus"] > 0 and smart["online"] > 0
    assert smart["units"]["facility_server_hours"]["healthcare"] > 0 and smart["units"]["bus_vehicle_hours"] > 0
    assert smart["drt"] == smart["support_centres"] == smart["ai"] == smart["carbon_kg"] == 0


def test_both_cities_pay_the_same_facilities_and_the_ai_city_pays_its_own_services(smart, ai):
    assert ai["facilities"] == pytest.approx(smart["facilities"])
    assert ai["drt"] > 0 and ai["support_centres"] > 0 and ai["ai"] > 0 and ai["carbon_kg"] > 0
    assert ai["items"]["ai_signoff"] > 0  # healthcare sessions need a clinician's sign-off


def test_ai_costs_are_zero_when_ai_is_off(root, small_city, ai):
    off = _run(root, small_city, "ai_city", **{**AI_BUSY, "ai_services.enabled": False})
    assert off["ai"] == off["carbon_kg"] == 0
    assert all(off["items"][i] == 0 for i in ITEMS["ai"])
    assert off["support_centres"] == pytest.approx(ai["support_centres"])  # the centres still open


def test_the_elderly_cost_per_met_need_shares_the_total_by_needs():
    units = CostUnits(bus_vehicle_hours=10.0)
    costs = CostsSection()
    needs = {"overall": {"needs": 100.0, "met": 80.0}, "by_group": {"elderly": {"needs": 20.0, "met": 10.0}}}
    from kaicity.metrics.cost import cost_from_units

    block = cost_from_units(units, costs, needs)
    total = 10.0 * costs.bus_per_hour
    assert block["total"] == pytest.approx(total)
    assert block["per_met_need"] == pytest.approx(total / 80.0)
    assert block["per_met_need_elderly"] == pytest.approx(total * 20.0 / 100.0 / 10.0)


# ------------------------------------------------------------------ linear in days, invariant to the scale
def test_prices_are_linear_in_the_units():
    units = CostUnits(facility_server_hours=dict.fromkeys(CATEGORIES, 3.0), bus_vehicle_hours=2.0, bus_vehicle_km=5.0,
                      drt_vehicle_hours=4.0, drt_vehicle_km=7.0, drt_vehicle_days=1.0, centre_staff_hours=9.0,
                      centre_days=1.0, online_sessions=11.0, online_resident_days=13.0,
                      ai_sessions=dict.fromkeys(CATEGORIES, 17.0), ai_resident_days=13.0, ai_energy_kwh=0.5)
    double = CostUnits(**{k: ({c: 2 * x for c, x in v.items()} if isinstance(v, dict) else 2 * v)
                          for k, v in units.as_dict().items()})
    one, two = price_items(units, CostsSection()), price_items(double, CostsSection())
    assert all(two[k] == pytest.approx(2 * one[k]) for k in one)
    assert all(v > 0 for v in one.values())


def test_fixed_costs_grow_in_proportion_to_the_days(root, small_city, ai):
    two = _run(root, small_city, "ai_city", **{**AI_BUSY, "simulation.days": 2})
    for item in FIXED_ITEMS:
        assert two["items"][item] == pytest.approx(2 * ai["items"][item]), item
    assert two["units"]["bus_vehicle_hours"] == pytest.approx(2 * ai["units"]["bus_vehicle_hours"], rel=0.02)
    # what residents use (sessions, DRT km) varies from day to day: the total within 10% of twice one day
    assert two["total"] == pytest.approx(2 * ai["total"], rel=0.10)


def test_the_same_real_population_costs_the_same_at_any_scale(root, small_city, ai):
    scaled = _run(root, small_city, "ai_city",
                  **{**AI_BUSY, "population.residents": PEOPLE // 4, "population.scale": 4.0})
    for item in FIXED_ITEMS:
        assert scaled["items"][item] == pytest.approx(ai["items"][item]), item
    assert scaled["units"]["online_resident_days"] == ai["units"]["online_resident_days"]
    # sessions and DRT km are sampled from a quarter of the agents: the total within 5%
    assert scaled["total"] == pytest.approx(ai["total"], rel=0.05)


# ------------------------------------------------------------------ cost per additional need met
def _summary(name: str, cost: float, met: float, elderly_met: float) -> dict:
    return {"scenario": name, "kpis": {"cost": {"total": cost}, "overall": {"met": met},
                                       "by_group": {"elderly": {"met": elderly_met}}}}


def test_cost_per_additional_need_met_equals_the_hand_computed_value_on_one_seed():
    runs = [[_summary("smart", 1_000.0, 100.0, 30.0), _summary("ai", 1_600.0, 130.0, 28.0)]]
    gains = cost_gains(runs)["ai"]
    assert gains["overall"].ratio == pytest.approx(600.0 / 30.0)
    assert math.isnan(gains["overall"].lo)                      # one seed: no interval
    assert gains["elderly"].reason == "meets fewer needs than the baseline" and math.isnan(gains["elderly"].ratio)
    text = "\n".join(gain_text(runs))
    assert "20 KRW per additional need met" in text
    assert "meets fewer needs than the baseline for the elderly" in text and "not meaningful" in text


def test_cost_per_additional_need_met_over_seeds_with_its_delta_method_interval():
    # dC = 50, 90, 100; dM = 3, 4, 5: R = 80 / 4 = 20; dC - R dM = -10, 10, 0 has variance 100, so the
    # standard error is 10 / (4 sqrt 3) and the half-width t(0.975, 2) = 4.302653 times that: 6.2105
    runs = [[_summary("smart", 1_000.0, 100.0, 30.0), _summary("ai", 1_000.0 + dc, 100.0 + dm, 30.0 + dm)]
            for dc, dm in ((50.0, 3.0), (90.0, 4.0), (100.0, 5.0))]
    g = cost_gains(runs)["ai"]["overall"]
    assert g.ratio == pytest.approx(20.0)
    assert g.lo == pytest.approx(20.0 - 6.2105, abs=1e-3) and g.hi == pytest.approx(20.0 + 6.2105, abs=1e-3)
    csv = gain_csv_rows(runs).set_index(["kpi", "scenario"])
    row = csv.loc[("cost.per_additional_met_need", "ai")]
    assert row["mean"] == pytest.approx(20.0) and bool(row["exceeds_noise"])
    table = "\n".join(gain_table_rows(runs))
    assert "| cost per additional need met (KRW) | – | 20 | 20 (14 to 26) |" in table


def test_extra_needs_met_within_seed_noise_give_words_not_a_ratio():
    g = cost_gain([100.0, 100.0, 100.0], [2.0, -1.0, 1.0])
    assert g.reason == "meets more needs than the baseline only within seed noise"
    assert math.isnan(g.ratio) and g.d_met_lo <= 0 <= g.d_met_hi
    assert cost_gain([100.0], [0.0]).reason == "meets no more needs than the baseline"


def test_the_run_report_lists_each_component_with_its_units(ai):
    text = "\n".join(run_cost_lines(ai))
    for label in ("facilities", "buses", "DRT", "AI support centres", "online e-government", "AI services",
                  "server-hours", "vehicle-hours", "staff-hours", "sessions", "kg CO2e"):
        assert label in text
