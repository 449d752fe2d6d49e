"""Remote services (:mod:`kaicity.services.remote`): one rule set for AI and online, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from kaicity.categories import CATEGORIES, GROUPS
from kaicity.scenario.schema_services import AiServicesSection, OnlineServicesSection
from kaicity.services.channel import Channel
from kaicity.services.remote import RemoteService, draw_traits, outage_hours, resolution_draws

DAY = 86_400.0


def service(channel, section, **update):
    return RemoteService(channel, section.model_copy(update=update), 30 * DAY, 0.0, seed=5)


def test_ai_and_online_share_every_rule_but_their_explicit_differences():
    ai, online = AiServicesSection(), OnlineServicesSection()
    shared = set(AiServicesSection.model_fields) & set(OnlineServicesSection.model_fields)
    assert {"resolution", "service_hours", "outage_rate", "acceptance", "ability_slope"} <= shared
    differ = {k for k in shared if getattr(ai, k) != getattr(online, k)}
    assert differ == {"enabled", "share", "wait_min"}  # literacy_required: the same 0.65 by default (issue 14)


def test_outage_hours_follow_the_rate_and_each_channel_has_its_own_stream():
    down = outage_hours(0.1, 300 * DAY, 1, Channel.ONLINE)
    assert down.mean() == pytest.approx(0.1, abs=0.01)
    assert not outage_hours(0.0, DAY, 1, Channel.ONLINE).any()
    # the online outages do not depend on whether (or how) the AI channel exists
    assert np.array_equal(down, outage_hours(0.1, 300 * DAY, 1, Channel.ONLINE))
    assert not np.array_equal(down, outage_hours(0.1, 300 * DAY, 1, Channel.AI_REMOTE))


def test_traits_and_resolution_draws_are_uniform_and_fixed_by_the_seed():
    t = draw_traits(5000, 3)
    assert t.u_accept.shape == (5000, len(CATEGORIES))
    assert abs(t.u_able.mean() - 0.5) < 0.02 and abs(t.u_accept.mean() - 0.5) < 0.02
    assert np.array_equal(t.u_able, draw_traits(5000, 3).u_able)
    assert np.array_equal(resolution_draws(100, 3), resolution_draws(100, 3))


def test_a_session_works_outside_outages_when_the_draw_is_below_the_resolution():
    svc = service(Channel.ONLINE, OnlineServicesSection(), outage_rate=0.0)
    cat = CATEGORIES.index("welfare")
    r = svc.by_category[cat].resolution
    assert svc.works(cat, 100.0, r - 1e-9) and not svc.works(cat, 100.0, r)
    assert svc.attempts[cat] == 2 and svc.failures[cat] == 1
    down = service(Channel.ONLINE, OnlineServicesSection(), outage_rate=1.0)
    assert not down.works(cat, 100.0, 0.0)


def test_acceptance_and_service_hours_gate_the_channel():
    svc = service(Channel.AI_REMOTE, AiServicesSection(enabled=True), service_hours=[9.0, 17.0])
    cat, eld = CATEGORIES.index("healthcare"), GROUPS.index("elderly")
    accept = svc.acceptance[eld, cat]
    assert svc.takes_on(cat, eld, 0.0, accept - 1e-9) and not svc.takes_on(cat, eld, 0.0, accept)
    assert not svc.takes_on(cat, eld, 0.99, 0.0)                 # beyond the category's share
    assert svc.next_start(8 * 3600.0) == 9 * 3600.0 and svc.next_start(10 * 3600.0) == 10 * 3600.0
    assert svc.next_start(18 * 3600.0) == DAY + 9 * 3600.0
