"""Support centres sized per population, and training calibrated to the national programme (issue 14, item 3)."""

from __future__ import annotations

import numpy as np
import pytest

from kaicity.categories import GROUPS
from kaicity.errors import ScenarioError
from kaicity.model import KaiCityModel
from kaicity.scenario import load_scenario
from kaicity.scenario.schema_services import SupportCentresSection
from kaicity.services.learning import trainee_shares, training_schedule, yearly_trainees

#: MSIT 디지털배움터 (../shared/docs/parameters.md): 1.1-1.9% of residents trained a year, 58-66% aged 60+.
REACH = (0.011, 0.019)
SHARE_60 = (0.58, 0.66)

TINY = {"city.n_nodes": 1500, "simulation.days": 1, "simulation.tick_minutes": 15.0,
        "transit.bus.enabled": False, "transit.drt.enabled": False}


@pytest.fixture(scope="module")
def ai(root):
    return load_scenario(root / "scenarios" / "ai_city.yaml")


@pytest.mark.parametrize(("per_100k", "people", "expected"), [
    (1.93, 8_000, 1),            # a small town still gets its one centre
    (1.93, 1_000_000, 19),
    (2.0, 125_000, 2),           # 2.5 rounds to the nearest even number
    (0.0, 1_000_000, 0),
])
def test_centres_follow_real_population(per_100k, people, expected):
    assert SupportCentresSection(per_100k_residents=per_100k).centres_for(people) == expected


def test_absolute_count_and_none():
    assert SupportCentresSection(count=3).centres_for(1e6) == 3
    assert SupportCentresSection().centres_for(1e6) == 0


def test_same_real_population_at_another_agent_scale_gets_the_same_centres(ai):
    built = []
    for residents, scale in ((400, 20.0), (1600, 5.0)):     # 8,000 people either way
        sc = ai.with_overrides({**TINY, "population.residents": residents, "population.scale": scale,
                                "support_centres.per_100k_residents": 50.0})
        built.append(len(KaiCityModel(sc, seed=1).support_centres))
    assert built == [4, 4]


def test_count_and_per_population_together_is_a_one_line_error(root, tmp_path):
    path = tmp_path / "both.yaml"
    ai_city = root / "scenarios" / "ai_city.yaml"
    path.write_text(f"extends: {ai_city}\nname: both\nsupport_centres:\n  count: 3\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "\n" not in text and "per_100k_residents" in text and "null" in text


def test_overriding_one_way_of_sizing_replaces_the_other(ai):
    counted = ai.with_overrides({"support_centres.count": 6})
    assert counted.support_centres.per_100k_residents is None and counted.support_centres.count == 6
    off = ai.with_overrides({"support_centres.count": 0})
    assert not off.ai_features["support_centres"]
    sized = counted.with_overrides({"support_centres.per_100k_residents": 2.0})
    assert sized.support_centres.count is None


def test_shipped_ai_city_uses_the_programmes_density(ai):
    sc = ai.support_centres
    assert sc.count is None and 1.4 <= sc.per_100k_residents <= 3.1
    assert sc.centres_for(ai.population.people) >= 1


def test_yearly_reach_implied_by_the_rates_matches_the_programme(ai):
    shares = ai.population.group_shares
    rates = {g: float(ai.support_centres.training_rate_per_day[g]) for g in GROUPS}
    got = trainee_shares(yearly_trainees(rates, shares))
    assert REACH[0] <= got["reach"] <= REACH[1]
    assert SHARE_60[0] <= got["share_60"] <= SHARE_60[1]
    assert got["share_65"] <= got["share_60"]


def test_training_courses_are_poisson_with_their_sessions_inside_the_horizon():
    n, rate, days, k, every = 100_000, 1e-4, 365, 4, 7
    clock, resident = training_schedule(np.full(n, rate), days, (9.0, 18.0), k, every, np.random.default_rng(3))
    day = (clock // 86400).astype(int)
    hour = (clock % 86400) / 3600
    assert day.max() < days and hour.min() >= 9.0 and hour.max() < 17.0
    first = {}
    for r, d in zip(resident, day, strict=True):     # one course per resident at this rate, nearly always
        first[r] = min(first.get(r, d), d)
    expected = n * rate * days                        # 3,650 courses; Poisson sd ~60
    courses = sum(1 for _ in first)
    assert abs(courses - expected) < 5 * np.sqrt(expected)
    per_resident = np.bincount(resident, minlength=n)
    assert per_resident.max() <= 2 * k                # sessions come in courses of k at most
    single = np.flatnonzero(per_resident == k)[:200]  # (nearly all) one whole course: weekly lessons
    spacing = [np.diff(np.sort(day[resident == r])) for r in single]
    assert np.mean([np.all(s == every) for s in spacing]) > 0.95


def _elderly_literacy_end(scenario, seed):
    model = KaiCityModel(scenario, seed=seed).run()
    eld = model.population.elderly
    assert model.training_visits.sum() > 0
    return float(model.population.literacy[eld].mean())


@pytest.mark.parametrize("seed", [1, 2])
def test_more_training_sessions_give_higher_literacy_on_the_same_seed(ai, seed):
    base = ai.with_overrides({**TINY, "population.residents": 200, "simulation.days": 10,
                              "support_centres.per_100k_residents": None, "support_centres.count": 2,
                              "support_centres.training_rate_per_day": {"adult": 0.004, "elderly": 0.02}})
    one = _elderly_literacy_end(base.with_overrides({"support_centres.course_sessions": 1}), seed)
    four = _elderly_literacy_end(base.with_overrides({"support_centres.course_sessions": 3}), seed)
    low = _elderly_literacy_end(base.with_overrides({"support_centres.literacy_gain": 0.1}), seed)
    high = _elderly_literacy_end(base.with_overrides({"support_centres.literacy_gain": 0.3}), seed)
    assert four > one
    assert high > low
