"""Capacities as rates under population.scale: a place serves agents at 1/scale of its real rate."""

from __future__ import annotations

import math

import pytest

from kaicity.services.queues import ServerPool, scaled_pool


@pytest.mark.parametrize("servers, scale", [(1, 1.0), (3, 1.0), (3, 4.0), (2, 4.0), (8, 4.0), (9, 4.0),
                                            (1, 10.0), (5, 2.5)])
def test_scaled_pool_serves_agents_at_the_real_rate_over_the_scale(servers, scale):
    service_s = 1200.0
    k, occupancy = scaled_pool(servers, service_s, scale)
    assert 1 <= k <= servers
    assert k == (servers if scale <= 1 else math.ceil(servers / scale))
    assert k / occupancy == pytest.approx(servers / (service_s * max(scale, 1.0)))
    # a saturated pool admits agents at exactly that rate: count admissions in 100 real service times
    pool = ServerPool(k, service_s, 0.0, 24.0, 0.0, occupancy_s=occupancy)
    horizon = 100 * service_s * max(scale, 1.0)
    served = 0
    # waits seen by agents are the pool's waits divided by its stretch (real-time waits)
    assert pool.dilation == pytest.approx(occupancy / service_s)
    while pool.predicted_start(0.0) * pool.dilation < horizon:
        start, end = pool.admit(0.0)
        assert end - start == service_s  # the agent's own visit takes the real service time
        served += 1
    assert served == pytest.approx(100 * servers, abs=servers)


def test_a_closed_place_stays_closed_at_any_scale():
    assert scaled_pool(0, 600.0, 4.0)[0] == 0
