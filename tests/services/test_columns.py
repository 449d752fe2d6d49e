"""Append-only numpy columns (:mod:`kaicity.services.columns`) and the visit log read like the lists they replace."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from kaicity.services.columns import Column
from kaicity.services.records import VisitLog


def _filled(values, dtype=None) -> Column:
    col = Column(dtype)
    for v in values:
        col.append(v)
    return col


@pytest.mark.parametrize("values", [
    list(range(100)),                                  # ints: an int64 buffer grown several times
    [0.5 * i for i in range(40)] + [np.nan],           # floats and nan
    [np.float64(1.5), 2.0, np.nan],                    # numpy and Python floats
    [1, 2, 3.5],                                       # ints, then a float: a list, as given
    [1.0, 2, 3.0],                                     # a float, then an int
    [True, False],                                     # bools: a list
    ["a", "b"],                                        # anything else: a list
    [1, None, 3],
    [2**70, 1],                                        # beyond int64
])
def test_a_column_reads_and_frames_as_the_list(values) -> None:
    col = _filled(values)
    assert len(col) == len(values) and bool(col)
    plain = [repr(float(v) if isinstance(v, np.floating) else v) for v in values]
    assert [repr(v) for v in col] == plain
    assert repr(col[-1]) == plain[-1] and [repr(v) for v in col[1:3]] == plain[1:3]
    with pytest.raises(IndexError):
        col[len(values)]
    # the DataFrame (and its CSV) is the one the list gives
    got, want = pd.DataFrame({"x": col.values()}), pd.DataFrame({"x": list(values)})
    assert got["x"].dtype == want["x"].dtype
    assert got.to_csv() == want.to_csv()
    again = pickle.loads(pickle.dumps(col))
    assert pd.DataFrame({"x": again.values()}).to_csv() == want.to_csv()


def test_an_empty_column_is_falsy_and_an_array_converts() -> None:
    col = Column()
    assert not col and len(col) == 0 and list(col) == [] and col.values() == []
    col.append(3)
    assert np.asarray(col, dtype=float).tolist() == [3.0]
    assert isinstance(col[0], int)


def test_the_visit_log_reads_as_the_list_of_tuples() -> None:
    rng = np.random.default_rng(3)
    want = [(int(rng.integers(10**6)), int(rng.integers(500)), float(rng.uniform(0, 1e6)), bool(rng.random() < 0.8))
            for _ in range(1000)]
    log = VisitLog()
    for v in want:
        log.append(v)
    assert len(log) == len(want)
    assert list(log) == want
    assert log[17] == want[17] and log[-1] == want[-1] and log[5:9] == want[5:9]
    trip, place, time, served = log[3]
    assert (type(trip), type(place), type(time), type(served)) == (int, int, float, bool)
    assert [v for v in log if not v[3]] == [v for v in want if not v[3]]
