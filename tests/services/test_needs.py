"""Need generation (:mod:`kaicity.services.needs`): rates, horizon, time-of-day profile, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from kaicity.categories import CATEGORIES, GROUPS
from kaicity.scenario import load_scenario
from kaicity.services.needs import DAY_S, generate_needs, rate_matrix

FLAT = np.ones(24)


@pytest.fixture(scope="module")
def needs_cfg(root):
    return load_scenario(root / "scenarios" / "smart_city.yaml").needs


def groups(n: int) -> np.ndarray:
    """``n`` agents spread evenly over the age groups."""
    return (np.arange(n) % len(GROUPS)).astype(np.int8)


def expected(rates: np.ndarray, group: np.ndarray, days: int) -> float:
    return float(rates[:, group].sum() * days)


def within_poisson(count: int, mean: float) -> bool:
    return abs(count - mean) < 5 * np.sqrt(mean)


def test_rate_matrix_is_category_by_group_from_the_scenario(needs_cfg):
    rates = rate_matrix(needs_cfg.daily_rate)
    assert rates.shape == (len(CATEGORIES), len(GROUPS))
    assert np.all(rates >= 0) and rates.sum() > 0
    plain = {c: {g: float(rates[i, j]) for j, g in enumerate(GROUPS)} for i, c in enumerate(CATEGORIES)}
    assert np.array_equal(rate_matrix(plain), rates)       # mappings and pydantic sections read alike


@pytest.mark.parametrize(("n", "days"), [(3000, 1), (3000, 3), (9000, 1)])
def test_need_counts_scale_with_days_and_population(needs_cfg, n, days):
    rates = rate_matrix(needs_cfg.daily_rate)
    g = groups(n)
    needs = generate_needs(g, rates, FLAT, days, 0.0, seed=1)
    assert within_poisson(len(needs), expected(rates, g, days))
    for c in range(len(CATEGORIES)):
        assert within_poisson(int((needs.category == c).sum()), float(rates[c, g].sum() * days))


def test_groups_without_a_rate_have_no_needs():
    rates = np.zeros((len(CATEGORIES), len(GROUPS)))
    rates[:, 1] = 2.0
    g = groups(600)
    needs = generate_needs(g, rates, FLAT, 2, 0.0, seed=4)
    assert len(needs) > 0 and np.all(g[needs.resident] == 1)


def test_times_lie_in_the_horizon_sorted_and_draws_are_uniform(needs_cfg):
    needs = generate_needs(groups(2000), rate_matrix(needs_cfg.daily_rate), FLAT, 2, 7.5, seed=2)
    assert np.all((needs.time >= 0) & (needs.time < 2 * DAY_S)) and np.all(np.diff(needs.time) >= 0)
    for u in (needs.u_serve,):
        assert np.all((u >= 0) & (u < 1)) and abs(u.mean() - 0.5) < 0.05
    assert len(needs.resident) == len(needs.category) == len(needs) and needs.resident.dtype == np.int32


@pytest.mark.parametrize("start_hour", [0.0, 6.0, 13.5])
def test_needs_arise_only_in_the_hours_of_the_profile(start_hour):
    profile = np.zeros(24)
    profile[9:12] = [1.0, 3.0, 1.0]     # 09:00-12:00 clock time
    rates = np.full((len(CATEGORIES), len(GROUPS)), 0.5)
    needs = generate_needs(groups(3000), rates, profile, 3, start_hour, seed=5)
    clock_h = (needs.time / 3600.0 + start_hour) % 24.0
    assert np.all((clock_h >= 9.0) & (clock_h < 12.0))
    hour = np.floor(clock_h).astype(int)
    share_10 = (hour == 10).mean()
    assert abs(share_10 - 0.6) < 0.03                       # the profile is normalised


def test_same_seed_same_needs_other_seed_other_needs(needs_cfg):
    rates, g = rate_matrix(needs_cfg.daily_rate), groups(1500)
    a = generate_needs(g, rates, FLAT, 1, 0.0, seed=9)
    b = generate_needs(g, rates, FLAT, 1, 0.0, seed=9)
    c = generate_needs(g, rates, FLAT, 1, 0.0, seed=10)
    for name in ("time", "resident", "category", "u_serve"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert len(a) != len(c) or not np.array_equal(a.time, c.time)


def test_an_empty_population_has_no_needs(needs_cfg):
    needs = generate_needs(np.zeros(0, dtype=np.int8), rate_matrix(needs_cfg.daily_rate), FLAT, 1, 0.0, seed=1)
    assert len(needs) == 0
