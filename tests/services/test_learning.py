"""Digital-literacy learning and decay (:mod:`kaicity.services.learning`)."""

from __future__ import annotations

import numpy as np
import pytest

from kaicity.services.learning import decay, train


@pytest.mark.parametrize("gain", [0.0, 0.05, 0.3, 1.0])
@pytest.mark.parametrize("start", [0.0, 0.2, 0.9, 1.0])
def test_literacy_is_monotone_in_sessions_and_stays_in_unit_interval(start, gain):
    levels = [start]
    for _ in range(60):
        levels.append(train(levels[-1], gain))
    lv = np.array(levels)
    assert np.all((lv >= 0.0) & (lv <= 1.0))
    assert np.all(np.diff(lv) >= 0.0)


def test_sessions_have_diminishing_returns_and_approach_full_literacy():
    lv = [0.1]
    for _ in range(200):
        lv.append(train(lv[-1], 0.1))
    gains = np.diff(lv)
    assert np.all(gains[1:] <= gains[:-1] + 1e-15)
    assert lv[-1] == pytest.approx(1.0, abs=1e-6)


def test_a_session_closes_the_given_fraction_of_the_gap():
    assert train(0.4, 0.25) == pytest.approx(0.4 + 0.25 * 0.6)


def test_decay_relaxes_only_unused_gains_toward_the_initial_level():
    initial = np.array([0.2, 0.2, 0.5, 0.7])
    literacy = np.array([0.6, 0.6, 0.5, 0.65])    # gained, gained, none, below its start
    used = np.array([False, True, False, False])
    decay(literacy, initial, 0.25, used)
    assert literacy[0] == pytest.approx(0.2 + 0.4 * 0.75)
    assert literacy[1] == 0.6          # used the service that day: kept
    assert literacy[2] == 0.5          # nothing above the initial level
    assert literacy[3] == 0.65         # below the initial level: untouched, never pushed up


def test_decay_is_monotone_and_never_falls_below_the_initial_level():
    rng = np.random.default_rng(2)
    initial = rng.random(200) * 0.5
    literacy = initial + rng.random(200) * (1.0 - initial)
    used = np.zeros(200, dtype=bool)
    previous = literacy.copy()
    for _ in range(100):
        decay(literacy, initial, 0.1, used)
        assert np.all(literacy <= previous) and np.all(literacy >= initial)
        previous = literacy.copy()
    np.testing.assert_allclose(literacy, initial, atol=1e-4)


def test_faster_decay_loses_more():
    initial = np.full(3, 0.2)
    slow, fast = np.full(3, 0.8), np.full(3, 0.8)
    none = np.zeros(3, dtype=bool)
    decay(slow, initial, 0.05, none)
    decay(fast, initial, 0.5, none)
    assert np.all(fast < slow)
