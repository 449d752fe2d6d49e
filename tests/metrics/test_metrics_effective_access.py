"""Effective access counts what happened: needs met within 15 minutes, by any channel, the same way in every city."""

from __future__ import annotations

import pandas as pd
import pytest

from kaicity.metrics import summarize
from kaicity.metrics.access import effective_access
from kaicity.model import KaiCityModel


def _needs(rows):
    return pd.DataFrame(rows, columns=["category", "outcome", "time_to_service_min", "delivery"])


def test_every_channel_counts_and_only_needs_met_within_15_minutes():
    trips = _needs([
        ("healthcare", "met", 5.0, "walk"), ("healthcare", "met", 14.9, "online"),
        ("healthcare", "met", 15.1, "ai_remote"), ("healthcare", "forgone", None, ""),
        ("daily", "met", 15.0, "bus"), ("daily", "met", 3.0, "support_centre"),
    ])
    out = effective_access(trips)
    assert out["effective_access"]["healthcare"] == pytest.approx(2 / 4)
    assert out["effective_access"]["daily"] == pytest.approx(1.0)
    assert out["effective_access"]["education"] is None  # no needs of the kind
    assert out["effective_index"] == pytest.approx(4 / 6)


def test_online_and_ai_count_alike():
    online = effective_access(_needs([("welfare", "met", 2.0, "online")]))
    ai = effective_access(_needs([("welfare", "met", 2.0, "ai_remote")]))
    assert online == ai


def test_summary_effective_access_matches_the_trips_of_the_run(root):
    model = KaiCityModel(root / "scenarios" / "smart_city.yaml",
                         overrides={"population.residents": 400, "city.n_nodes": 1500}).run()
    kpis = summarize(model)
    from kaicity.metrics import trips_frame

    trips = trips_frame(model)
    elderly = trips[trips["group"] == "elderly"]
    want = ((elderly["outcome"] == "met") & (elderly["time_to_service_min"] <= 15.0)).mean()
    assert kpis["access"]["by_group"]["elderly"]["effective_index"] == pytest.approx(want)
    # the static walking coverage stays beside it, a property of the city
    assert 0.0 <= kpis["access"]["by_group"]["elderly"]["index_15min"] <= 1.0
