"""Common random numbers (:mod:`kaicity.services.random_streams`): one independent stream per concern."""

from __future__ import annotations

import numpy as np
import pytest

from kaicity.services.random_streams import STREAMS, stream


def test_same_seed_and_name_give_the_same_draws():
    assert np.array_equal(stream(42, "needs").random(100), stream(42, "needs").random(100))


def test_streams_differ_by_name_and_by_seed():
    draws = {name: stream(42, name).random(50) for name in STREAMS}
    values = list(draws.values())
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            assert not np.array_equal(values[i], values[j])
    assert not np.array_equal(stream(42, "needs").random(50), stream(43, "needs").random(50))


def test_drawing_from_one_stream_never_shifts_another():
    untouched = stream(9, "choices").random(20)
    busy = stream(9, "needs")
    busy.random(10_000)
    again = stream(9, "choices").random(20)
    assert np.array_equal(untouched, again)


def test_stream_ids_are_unique_and_unknown_names_fail():
    assert len(set(STREAMS.values())) == len(STREAMS)
    with pytest.raises(KeyError):
        stream(1, "weather")


def test_numpy_integer_seeds_give_the_same_stream_as_python_ints():
    assert np.array_equal(stream(np.int64(5), "drt").random(10), stream(5, "drt").random(10))
