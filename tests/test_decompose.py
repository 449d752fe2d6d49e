"""The gain taken apart and equal budgets (issue 14, items 5 and 6).

The split on hand-made numbers (parts add up to the total; Shapley agrees with the main effects
when the components do not interact), the factorial design on the shipped scenarios (the all-off
variant is the smart city, the all-on one the AI city), the equal-budget rule on hand-made costs
(it never plans more than the AI city's budget), then ``kaicity compare --decompose
--equal-budget`` once end to end on tiny scenarios, and its one-line errors.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kaicity.cli import main
from kaicity.decompose import (
    FACTORS,
    budget_check,
    decomposition_table,
    equal_budget_scenario,
    factorial_variants,
    plan_equal_budget,
    split_effects,
)
from kaicity.decompose.budget import TOLERANCE
from kaicity.decompose.factorial import design_factors, shapley_values
from kaicity.errors import ScenarioError
from kaicity.scenario import load_scenario
from kaicity.services.queues import servers_for_capacity

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
PAIR = [str(SCEN / "smart_city.yaml"), str(SCEN / "ai_city.yaml")]
TINY = ["--set", "city.n_nodes=800", "--set", "population.residents=200", "--set", "simulation.tick_minutes=10"]
CELLS = list(itertools.product((False, True), repeat=3))


# ------------------------------------------------------------------ the split on hand-made numbers
def test_parts_and_interaction_add_up_to_the_total_at_every_seed():
    rng = np.random.default_rng(3)
    values = {on: rng.normal(0.8, 0.1, size=5) for on in CELLS}
    parts = split_effects(values, 3)
    total = values[(True, True, True)] - values[(False, False, False)]
    np.testing.assert_allclose(parts["main_0"] + parts["main_1"] + parts["main_2"] + parts["interaction"],
                               total, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(parts["main_1"], values[(False, True, False)] - values[(False, False, False)])
    shap = shapley_values(values, 3)
    np.testing.assert_allclose(shap["shapley_0"] + shap["shapley_1"] + shap["shapley_2"], total, rtol=0, atol=1e-12)


def test_additive_components_have_no_interaction_and_shapley_equals_the_main_effects():
    effect = np.array([0.05, -0.02, 0.01])
    base = np.array([0.70, 0.72, 0.69])
    values = {on: base + sum(e for e, o in zip(effect, on, strict=True) if o) for on in CELLS}
    parts, shap = split_effects(values, 3), shapley_values(values, 3)
    np.testing.assert_allclose(parts["interaction"], 0.0, atol=1e-12)
    for i in range(3):
        np.testing.assert_allclose(parts[f"main_{i}"], effect[i], atol=1e-12)
        np.testing.assert_allclose(shap[f"shapley_{i}"], effect[i], atol=1e-12)


def test_pure_interaction_is_shared_equally_by_shapley():
    values = {on: np.array([1.0 if all(on) else 0.0]) for on in CELLS}  # only all three together do anything
    parts, shap = split_effects(values, 3), shapley_values(values, 3)
    assert [parts[f"main_{i}"][0] for i in range(3)] == [0.0, 0.0, 0.0] and parts["interaction"][0] == 1.0
    assert [shap[f"shapley_{i}"][0] for i in range(3)] == pytest.approx([1 / 3] * 3)


def _summary(met: float, cost: float) -> dict:
    return {"scenario": "x", "kpis": {"overall": {"met_share": met}, "cost": {"total": cost}}}


def test_decomposition_table_parts_sum_to_total_for_every_kpi_and_method():
    rng = np.random.default_rng(7)
    runs = {on: [_summary(rng.uniform(0.6, 0.9), rng.uniform(1e6, 2e6)) for _ in range(4)] for on in CELLS}
    table = decomposition_table(runs, FACTORS)
    assert set(table["kpi"]) == {"overall.met_share", "cost.total"}  # KPIs absent from the runs are skipped
    for (_, method), rows in table.groupby(["kpi", "method"]):
        by = rows.set_index("part")
        parts = by.drop(index="total")
        assert list(parts.index) == ([f.key for f in FACTORS] + (["interaction"] if method == "main_effects" else []))
        assert parts["mean"].sum() == pytest.approx(by.loc["total", "mean"], rel=1e-12, abs=1e-12)
        assert (by["n_seeds"] == 4).all() and (by["lo"] <= by["mean"]).all() and (by["mean"] <= by["hi"]).all()


def test_words_credit_only_parts_whose_interval_excludes_zero(tmp_path):
    from kaicity.report.decomposition import DECOMPOSITION_CSV, decomposition_section

    base = np.array([0.80, 0.82, 0.79, 0.81])
    drt = np.array([0.05, 0.06, 0.05, 0.055])  # a clear effect
    ai = np.array([0.01, -0.012, 0.008, -0.006])  # noise around 0
    runs = {on: [_summary(b + (d if on[0] else 0) + (a if on[1] else 0), 1e6) for b, d, a in zip(base, drt, ai,
                                                                                                strict=True)]
            for on in CELLS}
    table = decomposition_table(runs, FACTORS)
    lines = decomposition_section(table, tmp_path, smart="smart", ai="ai", labels={f.key: f.label for f in FACTORS})
    words = next(line for line in lines if line.startswith("- **needs met**"))
    assert "DRT +5.4 pp" in words and "AI remote services" in words.split(";")[-1]
    assert "AI remote services +" not in words and "AI remote services -" not in words
    assert "within seed noise" in words
    assert (tmp_path / DECOMPOSITION_CSV).is_file() and (tmp_path / "decomposition.png").stat().st_size > 0


# ------------------------------------------------------------------ the design on the shipped scenarios
@pytest.fixture(scope="module")
def pair():
    return load_scenario(SCEN / "smart_city.yaml"), load_scenario(SCEN / "ai_city.yaml")


def test_the_all_off_variant_is_the_smart_city_and_all_on_the_ai_city(pair):
    smart, ai = pair
    variants = factorial_variants(smart, ai)
    assert [v.on for v in variants] == CELLS
    assert variants[0].scenario is smart and variants[-1].scenario is ai
    assert [v.run for v in variants] == [False] + [True] * 6 + [False]
    for v in variants[1:-1]:
        assert v.scenario.ai_features == {f.key: o for f, o in zip(FACTORS, v.on, strict=True)}
        # a component switched on carries the AI city's own section; one switched off the smart city's
        for f, o in zip(FACTORS, v.on, strict=True):
            section = v.scenario.to_dict()
            src = (ai if o else smart).to_dict()
            for p in f.path:
                section, src = section[p], src[p]
            assert section == src
        assert v.scenario.population == smart.population and v.scenario.transit.bus == smart.transit.bus


def test_a_difference_beyond_the_three_components_is_named(pair):
    smart, ai = pair
    other = ai.with_overrides({"population.residents": 500, "online_services.literacy_required": 0.5})
    with pytest.raises(ScenarioError, match=r"population\.residents.*online_services\.literacy_required"):
        factorial_variants(smart, other)
    with pytest.raises(ScenarioError, match="put the smart city first"):
        design_factors(ai, smart)
    with pytest.raises(ScenarioError, match="nothing|no gain"):
        design_factors(smart, smart.with_overrides({"name": "copy"}))


def test_only_components_the_ai_city_switches_on_are_factors(pair):
    smart, ai = pair
    no_drt = ai.with_overrides({"transit.drt.enabled": False})
    # with DRT off in both, their DRT sections may differ (vehicles): DRT is not a factor, nor a difference
    assert [f.key for f in design_factors(smart, no_drt)] == ["ai_services", "support_centres"]
    variants = factorial_variants(smart, no_drt)
    assert len(variants) == 4 and variants[-1].scenario is no_drt


# ------------------------------------------------------------------ the equal-budget rule
def _cost_runs(totals, bus=None, facilities=None) -> list[dict]:
    out = []
    for i, t in enumerate(totals):
        cost = {"total": t}
        if bus is not None:
            cost["bus"] = bus[i]
        if facilities is not None:
            cost["facilities"] = facilities[i]
        out.append({"scenario": "s", "kpis": {"cost": cost}})
    return out


def _departures(span_min: float, headway: float) -> int:
    return len(np.arange(0.0, span_min, headway))


def test_the_rule_plans_no_more_than_the_ai_citys_budget(pair):
    smart, _ = pair
    smart_runs = _cost_runs([10e6, 10e6], bus=[10e6, 10e6])
    ai_runs = _cost_runs([14e6, 15e6])
    plan = plan_equal_budget(smart, smart_runs, ai_runs)
    assert plan.budget == 14.5e6 and plan.extra == pytest.approx(4.5e6) and plan.factor == pytest.approx(1.45)
    bus = equal_budget_scenario(smart, plan).transit.bus
    assert equal_budget_scenario(smart, plan).name == "smart_city_equal_budget"
    span = (bus.service_hours[1] - bus.service_hours[0]) * 60.0
    for kind in ("urban", "rural"):
        n_old = _departures(span, getattr(smart.transit.bus, f"{kind}_headway_min"))
        n_new = _departures(span, getattr(bus, f"{kind}_headway_min"))
        assert n_old <= n_new <= math.floor(n_old * plan.factor)  # bus cost is linear in runs: within budget
    assert _departures(span, bus.urban_headway_min) > _departures(span, smart.transit.bus.urban_headway_min)
    assert equal_budget_scenario(smart, plan).with_overrides({"transit.bus": smart.transit.bus.model_dump(),
                                                               "name": smart.name}) == smart


def test_facility_servers_take_their_share_rounded_down(pair):
    smart, _ = pair
    plan = plan_equal_budget(smart, _cost_runs([10e6], bus=[4e6], facilities=[6e6]), _cost_runs([12e6]))
    assert plan.lever_costs == {"bus": 4e6, "facilities": 6e6} and plan.factor == pytest.approx(1.2)
    eq = equal_budget_scenario(smart, plan).facilities
    for cat, cap in smart.facilities.capacity_per_hour.model_dump().items():
        minutes = getattr(smart.facilities.service_min, cat)
        m_old = servers_for_capacity(cap, minutes)
        m_new = servers_for_capacity(getattr(eq.capacity_per_hour, cat), minutes)
        assert m_old <= m_new <= math.floor(m_old * plan.factor)


def test_nothing_to_spend_when_the_ai_city_costs_no_more(pair):
    smart, _ = pair
    plan = plan_equal_budget(smart, _cost_runs([10e6], bus=[10e6]), _cost_runs([9e6]))
    assert plan.factor == 1.0 and plan.overrides == {} and plan.extra == -1e6


def test_an_overshoot_shrinks_the_increase(pair):
    smart, _ = pair
    plan = plan_equal_budget(smart, _cost_runs([10e6], bus=[10e6]), _cost_runs([12e6]))
    assert budget_check(plan, _cost_runs([12e6 * (1 + TOLERANCE)])) == (True, 1.0)
    ok, shrink = budget_check(plan, _cost_runs([13e6]))  # spent 3e6 of the 2e6 allowed
    assert not ok and shrink == pytest.approx(0.99 * 2 / 3)
    again = plan_equal_budget(smart, _cost_runs([10e6], bus=[10e6]), _cost_runs([12e6]), shrink=shrink)
    assert again.factor - 1 == pytest.approx((plan.factor - 1) * shrink)


# ------------------------------------------------------------------ the command end to end
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("decomp") / "cmp"
    code = main(["compare", *PAIR, "--seeds", "1", "--seed", "5", "--workers", "2", "--out", str(out), "--quiet",
                 "--decompose", "--equal-budget", *TINY])
    assert code == 0
    return out


def _summary_of(path: Path) -> dict:
    return json.loads((path / "summary.json").read_text())


def test_compare_decompose_runs_the_six_new_variants_and_parts_add_up(demo):
    folders = sorted(p.name for p in (demo / "factorial").iterdir())
    assert folders == sorted(["drt", "ai_services", "support_centres", "drt+ai_services", "drt+support_centres",
                                  "ai_services+support_centres"])  # smart and AI city not run again
    table = pd.read_csv(demo / "decomposition.csv")
    assert {"overall.met_share", "by_group.elderly.met_share", "cost.total"} <= set(table["kpi"])
    for (_, _), rows in table.groupby(["kpi", "method"]):
        by = rows.set_index("part")
        assert by.drop(index="total")["mean"].sum() == pytest.approx(by.loc["total", "mean"], rel=1e-9, abs=1e-12)
    # the total is the comparison's own paired difference, and a main effect is a variant's difference
    cmp = pd.read_csv(demo / "comparison.csv").set_index(["kpi", "scenario"])
    main_rows = table[table["method"] == "main_effects"].set_index(["kpi", "part"])
    assert main_rows.loc[("overall.met_share", "total"), "mean"] == pytest.approx(
        cmp.loc[("overall.met_share", "ai_city"), "diff_mean"])
    drt = (_summary_of(demo / "factorial" / "drt")["kpis"]["cost"]["total"]
           - _summary_of(demo / "smart_city")["kpis"]["cost"]["total"])
    assert main_rows.loc[("cost.total", "drt"), "mean"] == pytest.approx(drt)
    text = (demo / "comparison.md").read_text()
    assert "no component is credited" in text  # one seed: no interval, so no credit
    assert "## The gain taken apart" in text and (demo / "decomposition.png").stat().st_size > 0


def test_compare_equal_budget_keeps_to_the_ai_citys_budget(demo):
    ai, smart, eq = (_summary_of(demo / folder)["kpis"]["cost"]["total"]
                     for folder in ("ai_city", "smart_city", "equal_budget/smart_city_equal_budget"))
    assert smart < eq <= ai * (1 + TOLERANCE)
    text = (demo / "comparison.md").read_text()
    assert "## At equal cost" in text and "smart_city_equal_budget (equal cost)" in text
    table = pd.read_csv(demo / "equal_budget.csv")
    assert set(table["comparison"]) == {"as designed", "equal cost"}


def test_decompose_refuses_scenarios_that_differ_elsewhere_in_one_line(tmp_path, capsys):
    other = tmp_path / "ai_bigger.yaml"
    other.write_text(f"extends: {SCEN / 'ai_city.yaml'}\nname: ai_bigger\nneeds:\n  retry_min: 45\n")
    out = tmp_path / "cmp"
    assert main(["compare", PAIR[0], str(other), "--decompose", "--out", str(out), "--quiet", *TINY]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "needs.retry_min" in err and "--decompose" in err
    assert not out.exists()  # refused before anything ran
    assert main(["compare", *PAIR, str(SCEN / "rural_smart.yaml"), "--equal-budget", "--out", str(out),
                 "--quiet"]) == 2
    assert "exactly two scenarios" in capsys.readouterr().err
