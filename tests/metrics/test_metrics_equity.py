"""The one Gini: weighted and unweighted forms agree, bad input is a one-line error, old homes point here."""

from __future__ import annotations

import numpy as np
import pytest

import kaicity.accessibility as A
from kaicity.errors import KaicityError
from kaicity.metrics import gini


def test_unit_weights_give_the_unweighted_gini():
    v = np.random.default_rng(7).gamma(2.0, 10.0, size=200)
    assert gini(v, np.ones_like(v)) == pytest.approx(gini(v), abs=1e-12)
    # integer weights = repeating values
    w = np.random.default_rng(8).integers(1, 4, size=200)
    assert gini(v, w) == pytest.approx(gini(np.repeat(v, w)), abs=1e-12)


def test_non_finite_values_are_left_out_with_their_weights():
    assert gini([1.0, 2.0, np.inf], [1.0, 1.0, 5.0]) == pytest.approx(gini([1.0, 2.0]))
    assert gini([np.nan], [1.0]) is None


@pytest.mark.parametrize(("values", "weights"), [([1.0, -1.0], None), ([1.0, 2.0], [1.0]), ([1.0], [-1.0])])
def test_bad_input_is_a_one_line_kaicity_error(values, weights):
    with pytest.raises(KaicityError) as err:
        gini(values, weights)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name", sorted(A.MOVED))
def test_moved_kpis_say_where_they_live_now(name):
    with pytest.raises(AttributeError, match=A.MOVED[name]):
        getattr(A, name)
