"""Channel choice (:mod:`kaicity.services.channel`): personal ability thresholds, and ranking channels
by expected time to resolution and chance of success."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaicity.services.channel import (
    NO_FALLBACK_S,
    Channel,
    Option,
    RemoteChannel,
    able,
    able_probability,
    option_score,
    personal_threshold,
    rank_channels,
)

AI = RemoteChannel(enabled=True, share=0.6, literacy_required=0.5, slope=12.0, resolution=0.8,
                   outage_rate=0.01, wait_s=600.0)
OFF = RemoteChannel(enabled=False, share=1.0, literacy_required=0.0, slope=12.0)


def test_able_probability_is_a_half_at_the_required_level_and_rises_with_literacy():
    lit = np.linspace(0.0, 1.0, 41)
    p = np.array([able_probability(x, 0.5, 12.0) for x in lit])
    assert able_probability(0.5, 0.5, 12.0) == pytest.approx(0.5)
    assert np.all(np.diff(p) > 0)
    assert able_probability(0.0, 1.0, 1e6) == 0.0          # exp overflow guarded


def test_a_personal_threshold_decides_ability_exactly():
    rng = np.random.default_rng(1)
    for u, lit in rng.random((2000, 2)):
        theta = personal_threshold(u, 0.5, 12.0)
        if abs(lit - theta) > 1e-9:
            assert able(lit, u, 0.5, 12.0) == (lit > theta)


def test_the_share_of_thresholds_below_a_literacy_is_the_logistic_curve():
    u = np.random.default_rng(2).random(20_000)
    thresholds = np.array([personal_threshold(x, 0.45, 12.0) for x in u])
    for lit in (0.2, 0.45, 0.7):
        assert (thresholds < lit).mean() == pytest.approx(able_probability(lit, 0.45, 12.0), abs=0.01)


def test_ability_is_monotone_in_literacy_and_in_the_requirement_for_one_person():
    for u in np.random.default_rng(3).random(300):
        levels = [able(x, u, 0.5, 12.0) for x in np.linspace(0, 1, 21)]
        assert levels == sorted(levels)                       # once able, able at any higher literacy
        # the same person able for the harder channel is able for the easier one
        assert not able(0.6, u, 0.65, 12.0) or able(0.6, u, 0.45, 12.0)


def test_servable_needs_an_enabled_channel_and_a_draw_below_the_share():
    assert AI.servable(0.59) and not AI.servable(0.6)
    assert not OFF.servable(0.0)


def test_expected_success_is_resolution_times_availability():
    assert AI.success == pytest.approx(0.8 * 0.99)


def test_the_quicker_sure_option_wins_and_ties_keep_channel_order():
    facility = Option(Channel.FACILITY, 900.0)
    centre = Option(Channel.SUPPORT_CENTRE, 2400.0, 0.8)
    assert [o.channel for o in rank_channels([centre, facility])] == [Channel.FACILITY, Channel.SUPPORT_CENTRE]
    tie = [Option(Channel.FACILITY, 600.0), Option(Channel.ONLINE, 600.0)]
    assert rank_channels(tie)[0].channel is Channel.ONLINE


def test_a_far_centre_loses_to_a_nearer_facility_for_someone_unable_to_use_ai_alone():
    near_facility = Option(Channel.FACILITY, 20 * 60.0)
    far_centre = Option(Channel.SUPPORT_CENTRE, 50 * 60.0, 0.9)
    assert rank_channels([far_centre, near_facility])[0].channel is Channel.FACILITY
    near_centre = Option(Channel.SUPPORT_CENTRE, 10 * 60.0, 0.9)
    far_facility = Option(Channel.FACILITY, 80 * 60.0)
    assert rank_channels([near_centre, far_facility])[0].channel is Channel.SUPPORT_CENTRE


def test_failure_risk_is_paid_with_the_fallback_time():
    remote = Option(Channel.ONLINE, 300.0, 0.5)
    facility = Option(Channel.FACILITY, 500.0)
    assert option_score(remote, [remote, facility]) == pytest.approx(300.0 + 0.5 * 500.0)
    assert rank_channels([remote, facility])[0].channel is Channel.FACILITY       # 550 > 500
    assert rank_channels([remote, Option(Channel.FACILITY, 2000.0)])[0].channel is Channel.ONLINE
    # with nothing else left, a risky channel is still tried (a lost need costs a day)
    assert option_score(remote, [remote]) == pytest.approx(300.0 + 0.5 * NO_FALLBACK_S)
    assert [o.channel for o in rank_channels([remote])] == [Channel.ONLINE]


def test_unreachable_or_hopeless_options_are_dropped():
    options = [Option(Channel.FACILITY, math.inf), Option(Channel.AI_REMOTE, 60.0, 0.0),
               Option(Channel.ONLINE, 300.0, 0.9)]
    assert [o.channel for o in rank_channels(options)] == [Channel.ONLINE]
    assert rank_channels([]) == []


def test_higher_success_or_shorter_time_never_ranks_an_option_lower():
    rng = np.random.default_rng(4)
    for _ in range(300):
        t, p, tf = rng.uniform(60, 7200), rng.uniform(0.05, 1), rng.uniform(60, 7200)
        base = rank_channels([Option(Channel.AI_REMOTE, t, p), Option(Channel.FACILITY, tf)])
        better = rank_channels([Option(Channel.AI_REMOTE, t * 0.9, min(1.0, p + 0.05)),
                                Option(Channel.FACILITY, tf)])
        if base[0].channel is Channel.AI_REMOTE:
            assert better[0].channel is Channel.AI_REMOTE
