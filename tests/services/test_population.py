"""Synthetic population (:mod:`kaicity.services.population`): shares, homes, per-agent draws, scale."""

from __future__ import annotations

import numpy as np
import pytest

from kaicity.categories import GROUP_CODE, GROUPS, ZONES
from kaicity.errors import SimulationError
from kaicity.scenario import load_scenario
from kaicity.services.population import by_key, synthesize_population

N = 20_000
#: 1,000 walk nodes: 500 core, 300 suburb, 200 rural
NODE_ZONE = np.repeat(np.arange(3, dtype=np.int8), [500, 300, 200])


@pytest.fixture(scope="module")
def base(root):
    return load_scenario(root / "scenarios" / "smart_city.yaml")


def population_cfg(base, **overrides):
    return base.with_overrides({f"population.{k}": v for k, v in {"residents": N, **overrides}.items()}).population


@pytest.fixture(scope="module")
def cfg(base):
    return population_cfg(base)


@pytest.fixture(scope="module")
def drawn(cfg):
    return synthesize_population(NODE_ZONE, cfg, seed=11)


def test_zone_counts_follow_the_shares_exactly_and_homes_lie_in_their_zone(cfg, drawn):
    pop, report = drawn
    assert pop.n == N and report == {}
    shares = np.array([float(by_key(cfg.zone_shares, z)) for z in ZONES])
    counts = np.bincount(pop.zone, minlength=3)
    assert counts.sum() == N and np.all(np.abs(counts - shares * N) < 1)      # largest remainder
    assert np.array_equal(NODE_ZONE[pop.home], pop.zone)


def test_group_shares_are_within_sampling_tolerance_and_elderly_lean_rural(cfg, drawn):
    pop, _ = drawn
    tol = 4 * np.sqrt(0.25 / N)
    assert abs(pop.elderly.mean() - float(cfg.elderly_share)) < tol
    assert abs((pop.group == GROUP_CODE["child"]).mean() - float(cfg.child_share)) < tol
    by_zone = [pop.elderly[pop.zone == i].mean() for i in range(3)]
    mult = [float(by_key(cfg.elderly_zone_multiplier, z)) for z in ZONES]
    assert np.argsort(by_zone).tolist() == np.argsort(mult).tolist()


def test_per_group_draws_follow_their_settings(cfg, drawn):
    pop, _ = drawn
    assert np.all((pop.literacy > 0) & (pop.literacy < 1)) and np.array_equal(pop.literacy, pop.literacy0)
    assert np.all((pop.speed >= 0.5) & (pop.speed <= 2.0))
    assert np.all(pop.walk_tolerance_s <= pop.max_trip_s)
    for code, g in enumerate(GROUPS):
        m = pop.group == code
        tol = 4 * np.sqrt(0.25 / m.sum())
        assert abs(pop.literacy[m].mean() - float(by_key(by_key(cfg.literacy, g), "mean"))) < tol
        assert abs(pop.car[m].mean() - float(by_key(cfg.car_access, g))) < tol
        assert abs(pop.speed[m].mean() - float(by_key(cfg.walking_speed_mps, g))) < 0.01
        assert np.all(pop.walk_tolerance_s[m] == float(by_key(cfg.walk_tolerance_min, g)) * 60.0)
    assert not pop.car[pop.group == GROUP_CODE["child"]].any()    # children never drive (car_access 0)


def test_agents_start_at_home_with_no_remote_use(drawn):
    pop, _ = drawn
    assert np.all(np.isneginf(pop.busy_until)) and np.all(np.isneginf(pop.last_remote_use))
    assert np.all((pop.u_drt >= 0) & (pop.u_drt < 1))


def test_same_seed_same_people_other_seed_other_people(cfg, drawn):
    again, _ = synthesize_population(NODE_ZONE, cfg, seed=11)
    other, _ = synthesize_population(NODE_ZONE, cfg, seed=12)
    for name in ("home", "group", "literacy", "car", "speed", "u_drt"):
        assert np.array_equal(getattr(again, name), getattr(drawn[0], name))
    assert not np.array_equal(other.home, again.home) and not np.array_equal(other.literacy, again.literacy)


def test_scale_is_carried_without_changing_any_draw(base, drawn):
    scaled, _ = synthesize_population(NODE_ZONE, population_cfg(base, scale=16.0), seed=11)
    assert scaled.scale == 16.0 and drawn[0].scale == 1.0
    assert np.array_equal(scaled.home, drawn[0].home) and np.array_equal(scaled.literacy, drawn[0].literacy)


def test_a_zone_without_nodes_moves_its_share_and_is_reported(cfg):
    no_rural = NODE_ZONE[NODE_ZONE != 2]
    pop, report = synthesize_population(no_rural, cfg, seed=3)
    assert report == {"zones_without_nodes": ["rural"]}
    assert pop.n == N and not (pop.zone == 2).any()


def test_a_city_with_only_empty_zones_settles_everyone_where_nodes_are(base):
    cfg = population_cfg(base, zone_shares={"core": 0.0, "suburb": 0.0, "rural": 1.0})
    pop, report = synthesize_population(NODE_ZONE[NODE_ZONE == 0], cfg, seed=3)
    assert report == {"zones_without_nodes": ["rural"]} and np.all(pop.zone == 0)


def test_no_nodes_or_no_residents_raise_a_simulation_error(cfg):
    with pytest.raises(SimulationError, match="no walkable nodes"):
        synthesize_population(np.zeros(0, dtype=np.int8), cfg, seed=1)
    with pytest.raises(SimulationError, match="at least 1"):
        synthesize_population(NODE_ZONE, cfg.model_copy(update={"residents": 0}), seed=1)


def test_by_key_reads_mappings_and_attributes(cfg):
    assert by_key({"core": 0.5}, "core") == 0.5
    assert by_key(cfg.zone_shares, "core") == float(cfg.zone_shares.core)
