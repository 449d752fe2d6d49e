"""Service queues with opening hours (:mod:`kaicity.services.queues`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaicity.services.queues import DAY_S, ServerPool, next_open_time, servers_for_capacity


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """Largest number of half-open intervals [start, end) covering one instant."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    best = cur = 0
    for _, step in events:     # at equal times an end (-1) sorts before a start (+1)
        cur += step
        best = max(best, cur)
    return best


def arrivals(n: int, seed: int, span_s: float) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).uniform(0.0, span_s, n))


@pytest.mark.parametrize("servers", [1, 2, 5])
def test_a_pool_never_serves_more_than_its_servers_at_once(servers):
    pool = ServerPool(servers, 600.0, 0.0, 24.0, 0.0)
    spans = [pool.admit(float(t)) for t in arrivals(1000, servers, DAY_S)]
    assert max_overlap(spans) <= servers
    assert max_overlap(spans) == servers    # 1,000 x 10 min in a day: every server fills up


def test_service_is_first_come_first_served_and_never_before_arrival():
    pool = ServerPool(3, 900.0, 0.0, 24.0, 0.0)
    ts = arrivals(300, 1, DAY_S / 2)
    spans = [pool.admit(float(t)) for t in ts]
    starts = np.array([s for s, _ in spans])
    assert np.all(np.diff(starts) >= 0)                  # FIFO: later arrivals never start earlier
    assert np.all(starts >= ts)
    assert all(e - s == pytest.approx(900.0) for s, e in spans)


def test_admissions_are_conserved_and_busy_time_adds_up():
    pool = ServerPool(2, 300.0, 8.0, 18.0, 6.0)
    ts = arrivals(200, 4, 2 * DAY_S)
    spans = [pool.admit(float(t)) for t in ts]
    served = sum(1 for s, _ in spans if math.isfinite(s))
    refused = len(spans) - served
    assert pool.served == served and refused == 0
    assert pool.busy_s == pytest.approx(300.0 * served)
    # every customer ends by the last end, and the queue length never exceeds the servers
    last = max(e for _, e in spans)
    for now in np.linspace(0.0, last, 50):
        assert 0 <= pool.queue_length(float(now)) <= 2
    assert pool.queue_length(last) == 0


def test_a_zero_capacity_pool_refuses_everyone():
    pool = ServerPool(servers_for_capacity(0.0, 15.0), 900.0, 0.0, 24.0, 0.0)
    assert pool.closed_for_good
    spans = [pool.admit(t) for t in (0.0, 100.0, 5_000.0)]
    assert all(math.isinf(s) and math.isinf(e) for s, e in spans)
    assert pool.served == 0 and pool.busy_s == 0.0
    assert math.isinf(pool.predicted_start(0.0))


def test_predicted_start_is_what_admit_then_gives():
    pool = ServerPool(1, 600.0, 9.0, 17.0, 0.0)
    for t in (8 * 3600.0, 9 * 3600.0, 9 * 3600.0 + 1, 20 * 3600.0):
        predicted = pool.predicted_start(t)
        assert pool.admit(t)[0] == predicted


def test_service_starts_only_during_opening_hours():
    pool = ServerPool(4, 1200.0, 9.0, 17.0, 6.0)        # time 0 is 06:00
    for t in arrivals(300, 8, 3 * DAY_S):
        start, _ = pool.admit(float(t))
        clock_h = ((start / 3600.0) + 6.0) % 24.0
        assert 9.0 <= clock_h < 17.0


@pytest.mark.parametrize(("t_h", "expected_h"), [
    (0.0, 3.0), (3.0, 3.0), (10.9, 10.9), (11.0, 27.0), (20.0, 27.0),
])
def test_next_open_time_waits_for_the_next_opening(t_h, expected_h):
    # start hour 6, open 09:00-17:00: sim hour 3 is 09:00, sim hour 11 is 17:00 (closed)
    assert next_open_time(t_h * 3600.0, 9.0, 17.0, 6.0) == pytest.approx(expected_h * 3600.0)


def test_always_open_places_never_wait():
    assert next_open_time(12_345.0, 0.0, 24.0, 6.0) == 12_345.0


@pytest.mark.parametrize(("per_hour", "minutes", "servers"), [
    (0.0, 15.0, 0), (-1.0, 15.0, 0), (0.1, 15.0, 1), (4.0, 15.0, 1), (12.0, 15.0, 3), (20.0, 30.0, 10),
])
def test_servers_for_capacity(per_hour, minutes, servers):
    assert servers_for_capacity(per_hour, minutes) == servers
