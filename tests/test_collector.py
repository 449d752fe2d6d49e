"""The model's time series in numpy columns (:class:`kaicity.model.collector.ColumnCollector`).

A multi-day ``ai_city`` run is recorded at every tick by the model's collector and by Mesa's own
list-based :class:`mesa.DataCollector` with the same reporters: the two ``timeseries.csv`` must be
byte-identical, column dtypes included, and ``model_vars`` must read as Mesa's lists do.
"""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from kaicity.metrics.timeseries import timeseries_reporters
from kaicity.model import KaiCityModel
from kaicity.model.collector import ColumnCollector
from kaicity.scenario import load_scenario
from kaicity.services.columns import Column

SMALL = {"city.n_nodes": 1500, "population.residents": 2000, "simulation.days": 2,
         "simulation.tick_minutes": 15.0, "transit.drt.vehicles": 3, "transit.drt.uptake": 1.0}


class _Both:
    """Stands in for the model's collector: the model's own and Mesa's, side by side."""

    def __init__(self, new: ColumnCollector, old: mesa.DataCollector) -> None:
        self.new, self.old = new, old

    def collect(self, model) -> None:
        self.new.collect(model)
        self.old.collect(model)


@pytest.fixture(scope="module")
def both(root):
    model = KaiCityModel(load_scenario(root / "scenarios" / "ai_city.yaml").with_overrides(SMALL))
    new = model.datacollector
    # a reporter that is not a number, one that turns from int to float, and Mesa's other reporter forms
    extra = {"note": lambda m: {"steps": m.steps}, "switch": lambda m: 1 if m.steps < 5 else 0.5,
             "seed_attr": "run_seed", "listed": [lambda m: m.now / 60.0, [model]]}
    new_extra = ColumnCollector({**timeseries_reporters(model), **extra})
    old = mesa.DataCollector(model_reporters={**timeseries_reporters(model), **extra})
    for c in (new_extra, old):
        c.collect(model)
    model.datacollector = _Both(new_extra, old)
    model.run()
    return model, new, new_extra, old


def test_the_model_collects_in_columns(both) -> None:
    model, new, _, _ = both
    assert isinstance(new, ColumnCollector) and isinstance(new, mesa.DataCollector)
    assert all(isinstance(col, Column) for col in new.model_vars.values())


def test_timeseries_csv_is_byte_identical_to_mesas_lists(both, tmp_path) -> None:
    model, _, new, old = both
    got, want = new.get_model_vars_dataframe(), old.get_model_vars_dataframe()
    assert list(got.columns) == list(want.columns)
    assert got.dtypes.to_dict() == want.dtypes.to_dict()
    got.to_csv(tmp_path / "new.csv")
    want.to_csv(tmp_path / "old.csv")
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()
    assert len(got) == model.steps + 1 and got["drt_requests"].iloc[-1] > 0
    assert got["note"].iloc[-1] == {"steps": model.steps}


def test_model_vars_read_as_mesas_lists(both) -> None:
    _, _, new, old = both
    for name, values in old.model_vars.items():
        col = new.model_vars[name]
        assert len(col) == len(values) and bool(col)
        assert repr(col[-1]) == repr(float(values[-1]) if isinstance(values[-1], np.floating) else values[-1])
        assert np.array_equal(np.asarray(col, dtype=float), np.asarray(values, dtype=float), equal_nan=True) \
            if name != "note" else list(col) == values
