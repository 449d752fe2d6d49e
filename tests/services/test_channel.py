"""Channel choice (:mod:`kaicity.services.channel`): literacy thresholds, disabled channels, the fallback order."""

from __future__ import annotations

import numpy as np
import pytest

from kaicity.services.channel import Channel, RemoteChannel, able_probability, choose_channel

AI = RemoteChannel(enabled=True, share=0.6, literacy_required=0.5, slope=12.0)
ONLINE = RemoteChannel(enabled=True, share=0.4, literacy_required=0.7, slope=12.0)
OFF = RemoteChannel(enabled=False, share=1.0, literacy_required=0.0, slope=12.0)


def test_able_probability_is_a_half_at_the_required_level_and_rises_with_literacy():
    lit = np.linspace(0.0, 1.0, 41)
    p = np.array([able_probability(x, 0.5, 12.0) for x in lit])
    assert able_probability(0.5, 0.5, 12.0) == pytest.approx(0.5)
    assert np.all(np.diff(p) > 0)
    assert np.all((p > 0) & (p < 1))


def test_able_probability_steepens_with_slope_and_never_overflows():
    assert able_probability(0.6, 0.5, 50.0) > able_probability(0.6, 0.5, 5.0)
    assert able_probability(0.4, 0.5, 50.0) < able_probability(0.4, 0.5, 5.0)
    assert able_probability(0.0, 1.0, 1e6) == 0.0          # exp overflow guarded
    assert able_probability(1.0, 0.0, 1e6) == pytest.approx(1.0)


def test_servable_needs_an_enabled_channel_and_a_draw_below_the_share():
    assert AI.servable(0.59) and not AI.servable(0.6)
    assert not OFF.servable(0.0)


def test_able_compares_the_draw_with_the_literacy_threshold_curve():
    p = able_probability(0.8, AI.literacy_required, AI.slope)
    assert AI.able(0.8, p - 1e-9) and not AI.able(0.8, p)


def test_literate_resident_with_a_servable_need_uses_ai():
    assert choose_channel(0.95, 0.1, 0.5, AI, ONLINE, centres_available=True) is Channel.AI_REMOTE


def test_low_literacy_goes_to_a_support_centre_when_one_exists_else_to_a_facility():
    assert choose_channel(0.05, 0.1, 0.5, AI, ONLINE, centres_available=True) is Channel.SUPPORT_CENTRE
    assert choose_channel(0.05, 0.1, 0.5, AI, ONLINE, centres_available=False) is Channel.FACILITY


def test_online_is_the_fallback_when_ai_is_off_or_beyond_the_resident():
    assert choose_channel(0.95, 0.1, 0.5, OFF, ONLINE, centres_available=True) is Channel.ONLINE
    easy_online = RemoteChannel(enabled=True, share=0.4, literacy_required=0.2, slope=12.0)
    # literacy 0.35: P(able) about 0.14 for AI (needs 0.5), 0.86 for online (needs 0.2)
    assert choose_channel(0.35, 0.1, 0.5, AI, easy_online, centres_available=True) is Channel.ONLINE
    # servable by AI only (u_serve between the shares), literate enough for online but not for AI
    assert choose_channel(0.35, 0.5, 0.5, AI, easy_online, centres_available=True) is Channel.SUPPORT_CENTRE


def test_disabled_channels_are_never_chosen():
    rng = np.random.default_rng(3)
    for lit, us, ua in rng.random((500, 3)):
        ch = choose_channel(lit, us, ua, OFF, OFF, centres_available=True)
        assert ch is Channel.FACILITY          # no AI: no support centre either
        assert choose_channel(lit, us, ua, OFF, ONLINE, True) in (Channel.ONLINE, Channel.FACILITY)
        assert choose_channel(lit, us, ua, AI, OFF, True) is not Channel.ONLINE


def test_needs_outside_every_share_go_to_a_facility_whatever_the_literacy():
    for lit in (0.0, 0.5, 1.0):
        assert choose_channel(lit, 0.99, 0.0, AI, ONLINE, centres_available=True) is Channel.FACILITY


def test_remote_use_rises_with_literacy_on_common_draws():
    rng = np.random.default_rng(7)
    draws = rng.random((4000, 2))

    def remote_share(lit: float) -> float:
        chosen = [choose_channel(lit, us, ua, AI, ONLINE, True) for us, ua in draws]
        return np.mean([c in (Channel.AI_REMOTE, Channel.ONLINE) for c in chosen])

    shares = [remote_share(x) for x in (0.1, 0.4, 0.6, 0.9)]
    assert shares == sorted(shares) and shares[-1] > shares[0]
    assert shares[-1] <= AI.share + 1e-12      # never more than the servable share
