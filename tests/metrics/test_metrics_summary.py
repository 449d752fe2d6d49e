"""KPI definitions (:mod:`kaicity.metrics`) on a hand-made need log: shares, conservation, gini, times.

The "model" here is a plain namespace holding exactly what the metrics read (the records the
model keeps), so every expected number can be counted by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from kaicity.categories import CATEGORIES, GROUP_CODE, GROUPS, ZONES
from kaicity.metrics import FIFTEEN_MIN_S, gini, summarize, trips_frame
from kaicity.scenario import load_scenario
from kaicity.services.channel import Channel
from kaicity.services.mode import Mode
from kaicity.services.needs import Needs
from kaicity.services.population import Population
from kaicity.services.records import DELIVERIES, NeedLog

HORIZON = 86_400.0
E, A, C = GROUP_CODE["elderly"], GROUP_CODE["adult"], GROUP_CODE["child"]


def population(group: list[int], zone: list[int], scale: float = 1.0) -> Population:
    n = len(group)
    lit = np.linspace(0.2, 0.9, n)
    return Population(
        home=np.arange(n, dtype=np.int32), zone=np.array(zone, dtype=np.int8), group=np.array(group, dtype=np.int8),
        literacy=lit, literacy0=lit.copy(), car=np.zeros(n, dtype=bool), speed=np.full(n, 1.0),
        walk_tolerance_s=np.full(n, 600.0), max_trip_s=np.full(n, 2700.0), busy_until=np.full(n, -np.inf),
        last_remote_use=np.full(n, -np.inf), u_drt=np.zeros(n), scale=scale)


#: residents: 0 elderly/core, 1 elderly/rural, 2 adult/core, 3 child/suburb, 4 adult/rural
GROUP = [E, E, A, C, A]
ZONE = [0, 2, 0, 1, 2]

#: need -> (resident, category, time_s, what happened)
NEEDS = [
    (0, 0, 1_000.0, ("met", Channel.FACILITY, Mode.WALK, 400.0, 1_900.0)),     # tts 15 min
    (0, 1, 2_000.0, ("forgone", "too_far")),
    (1, 0, 3_000.0, ("met", Channel.FACILITY, Mode.BUS, 1_200.0, 4_800.0)),    # tts 30 min
    (1, 2, 4_000.0, ("met", Channel.SUPPORT_CENTRE, Mode.NONE, 600.0, 5_200.0)),  # tts 20 min
    (2, 3, 5_000.0, ("met", Channel.ONLINE, Mode.NONE, 0.0, 5_000.0)),         # tts 0 min
    (2, 4, 6_000.0, ("pending",)),
    (3, 1, 7_000.0, ("met", Channel.FACILITY, Mode.CAR, 300.0, 7_600.0)),      # tts 10 min
    (4, 0, 8_000.0, ("forgone", "queue")),
    (4, 2, 80_000.0, ("met", Channel.FACILITY, Mode.DRT, 900.0, HORIZON + 60.0)),  # served after the horizon
    (3, 4, 9_000.0, ("met", Channel.FACILITY, Mode.WALK, 600.0, 9_900.0)),     # tts 15 min
]


def fake_model(scenario, scale: float = 1.0, walk_m: np.ndarray | None = None) -> SimpleNamespace:
    res = np.array([r for r, *_ in NEEDS], dtype=np.int32)
    needs = Needs(time=np.array([t for _, _, t, _ in NEEDS]), resident=res,
                  category=np.array([c for _, c, *_ in NEEDS], dtype=np.int8),
                  u_serve=np.zeros(len(NEEDS)))
    log = NeedLog(len(NEEDS))
    for i, (_, _, t, what) in enumerate(NEEDS):
        if what[0] == "met":
            _, channel, mode, travel, start = what
            log.plan(i, channel, mode, place=0, depart=t)
            log.met(i, arrive=t + travel, start=start, end=start + 600.0)
        elif what[0] == "forgone":
            log.forgone(i, what[1])
    n_pop = len(GROUP)
    walk_m = np.full((len(CATEGORIES), n_pop), 500.0) if walk_m is None else walk_m
    return SimpleNamespace(
        needs=needs, log=log, population=population(GROUP, ZONE, scale), horizon_s=HORIZON, scenario=scenario,
        bus=None, drt=None, now=HORIZON, days=1, ai_uses=np.zeros(len(CATEGORIES), dtype=np.int64),
        online_uses=np.zeros(len(CATEGORIES), dtype=np.int64), ai_energy_wh=0.0, support_centres=[],
        training_visits=np.zeros(len(GROUPS), dtype=np.int64),
        remote={ch: SimpleNamespace(failures=np.zeros(len(CATEGORIES), dtype=np.int64),
                                    attempts=np.zeros(len(CATEGORIES), dtype=np.int64))
                for ch in (Channel.AI_REMOTE, Channel.ONLINE)}, places=[], simulated={},
        traits=SimpleNamespace(u_able=np.full(n_pop, 0.5)),
        facility_access=[SimpleNamespace(walk_m=walk_m[c]) for c in range(len(CATEGORIES))])


@pytest.fixture(scope="module")
def smart(root):
    return load_scenario(root / "scenarios" / "smart_city.yaml")


@pytest.fixture(scope="module")
def model(smart):
    return fake_model(smart)


# ------------------------------------------------------------------------------- gini
def test_gini_of_equal_values_is_zero():
    assert gini(np.full(10, 3.7)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 5, 100])
def test_gini_when_one_holds_all_is_n_minus_one_over_n(n):
    v = np.zeros(n)
    v[-1] = 42.0
    assert gini(v) == pytest.approx((n - 1) / n)


def test_gini_equals_the_mean_absolute_difference_definition():
    v = np.random.default_rng(1).exponential(size=300)
    mad = np.abs(v[:, None] - v[None, :]).mean()
    assert gini(v) == pytest.approx(mad / (2 * v.mean()))
    assert gini(v * 60.0) == pytest.approx(gini(v))      # unit-free


def test_gini_of_nothing_is_none_and_of_zeros_is_zero_and_ignores_non_finite():
    assert gini(np.array([])) is None
    assert gini(np.zeros(4)) == 0.0
    assert gini(np.array([1.0, 1.0, np.inf, np.nan])) == pytest.approx(0.0)


# ------------------------------------------------------------------------------- trips
def test_trips_frame_has_one_row_per_need_with_outcome_and_delivery(model):
    df = trips_frame(model)
    assert list(df["outcome"]) == ["met", "forgone", "met", "met", "met", "pending", "met", "forgone", "pending",
                                   "met"]           # need 8 was served after the horizon: pending
    assert list(df["delivery"]) == ["walk", "", "bus", "support_centre", "online", "", "car", "", "", "walk"]
    assert list(df["group"]) == [GROUPS[GROUP[r]] for r, *_ in NEEDS]
    assert list(df["zone"]) == [ZONES[ZONE[r]] for r, *_ in NEEDS]
    assert list(df["reason"]) == ["", "too_far", "", "", "", "", "", "queue", "", ""]
    np.testing.assert_allclose(df["time_to_service_min"], [15, np.nan, 30, 20, 0, np.nan, 10, np.nan, np.nan, 15])
    assert set(df.loc[df["outcome"] == "met", "delivery"]) <= set(DELIVERIES)


# ------------------------------------------------------------------------------ summary
def test_met_share_is_met_over_all_needs(model):
    k = summarize(model)
    o = k["overall"]
    assert (o["needs"], o["met"], o["forgone"], o["pending"]) == (10, 6, 2, 2)
    assert o["met_share"] == pytest.approx(6 / 10) and o["unmet_share"] == pytest.approx(2 / 10)
    eld = k["by_group"]["elderly"]      # residents 0 and 1: 4 needs, 3 met, 1 forgone
    assert eld["met_share"] == pytest.approx(3 / 4) and eld["unmet_share"] == pytest.approx(1 / 4)
    assert o["time_to_service_min"]["mean"] == pytest.approx(np.mean([15, 30, 20, 0, 10, 15]))
    assert o["time_to_service_min"]["median"] == pytest.approx(15.0)


def test_breakdowns_add_up_to_the_total(model):
    k = summarize(model)
    o = k["overall"]
    fields = ("needs", "met", "forgone", "pending")
    for section, keys in (("by_group", ("elderly", "non_elderly")), ("by_group", ("elderly", "child", "adult")),
                          ("by_zone", ZONES), ("by_category", CATEGORIES)):
        for f in fields:
            assert sum(k[section][key][f] for key in keys) == o[f], (section, keys, f)
    assert sum(o["met_by_delivery"].values()) == o["met"]
    assert o["met_by_delivery"] == {"walk": 2, "bus": 1, "support_centre": 1, "online": 1, "car": 1}


def test_counts_are_people_not_agents(smart):
    k1, k16 = summarize(fake_model(smart)), summarize(fake_model(smart, scale=16.0))
    for f in ("needs", "met", "forgone", "pending"):
        assert k16["overall"][f] == 16 * k1["overall"][f]
    assert k16["overall"]["met_share"] == k1["overall"]["met_share"]


def test_equity_ratios_compare_group_and_zone_means(model):
    k = summarize(model)
    eq = k["equity"]
    # elderly met tts: 15, 30, 20; others: 0, 10, 15
    assert eq["elderly_vs_non_elderly_time_ratio"] == pytest.approx((65 / 3) / (25 / 3))
    # rural met tts: 30, 20; core: 15, 0
    assert eq["rural_vs_core_time_ratio"] == pytest.approx(25 / 7.5)
    assert eq["gini_time_to_service"] == pytest.approx(gini(np.array([15, 30, 20, 0, 10, 15.0])))
    # elderly unmet 1/4, non-elderly 1/6
    assert eq["elderly_vs_non_elderly_unmet_ratio"] == pytest.approx((1 / 4) / (1 / 6))


def test_fifteen_minute_coverage_counts_homes_within_the_walk(smart):
    walk_m = np.full((len(CATEGORIES), len(GROUP)), 2_000.0)     # 2 km at 1 m/s: 33 min
    walk_m[0, [0, 2]] = FIFTEEN_MIN_S                             # exactly 15 min: covered
    walk_m[1, :] = 100.0
    acc = summarize(fake_model(smart, walk_m=walk_m))["access"]
    cov = acc["overall"]["coverage_15min"]
    assert cov[CATEGORIES[0]] == pytest.approx(2 / 5) and cov[CATEGORIES[1]] == 1.0 and cov[CATEGORIES[2]] == 0.0
    assert acc["overall"]["index_15min"] == pytest.approx((2 + 5) / (5 * len(CATEGORIES)))
    assert acc["by_zone"]["core"]["coverage_15min"][CATEGORIES[0]] == 1.0          # residents 0 and 2
    assert acc["by_group"]["elderly"]["residents"] + acc["by_group"]["non_elderly"]["residents"] == 5


def test_cost_per_met_need_divides_the_total_by_met_needs(model):
    cost = summarize(model)["cost"]
    parts = sum(cost[c] for c in ("facilities", "bus", "drt", "support_centres", "online", "ai"))
    assert cost["total"] == pytest.approx(parts)
    assert cost["per_met_need"] == pytest.approx(cost["total"] / 6)
