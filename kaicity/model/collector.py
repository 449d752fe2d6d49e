"""The model's time-series collector: Mesa's DataCollector with its model reporters kept in numpy columns.

Mesa's :class:`mesa.DataCollector` appends a deep copy of every reporter's value to a Python
list at every tick: ~40 reporters x 1,440 one-minute ticks a day is 58,000 Python objects a
day, ~1 GB over a 365-day run, all of it in lists the garbage collector walks.
:class:`ColumnCollector` keeps each reporter's values in a :class:`~kaicity.services.columns.Column`
(8 bytes a value) and builds the same ``get_model_vars_dataframe()``: the same columns, dtypes
and values, so ``timeseries.csv`` is byte-identical.  ``model_vars[name]`` reads like the list it
was (``len``, ``[-1]``, slicing, iteration, ``numpy.asarray``).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from copy import deepcopy
from functools import partial

import mesa
import pandas as pd

from kaicity.services.columns import Column, dtype_of


def _report(reporter, model):
    """One value of a Mesa model reporter (a callable, an attribute name or ``[function, args]``)."""
    if isinstance(reporter, types.LambdaType | partial):
        return reporter(model)
    if isinstance(reporter, str):
        return getattr(model, reporter, None)
    if isinstance(reporter, list):
        return reporter[0](*reporter[1])
    return reporter()


class ColumnCollector(mesa.DataCollector):
    """A :class:`mesa.DataCollector` of model reporters whose values live in numpy columns.

    Parameters
    ----------
    model_reporters
        Name -> reporter, as for Mesa (see :func:`kaicity.metrics.timeseries_reporters`).

    Values that are not plain numbers are deep-copied and kept as given, as Mesa does.
    Agent reporters and tables are not supported (the model has none).
    """

    def __init__(self, model_reporters: dict[str, Callable]) -> None:
        super().__init__(model_reporters=model_reporters)
        self.model_vars = {name: Column() for name in self.model_reporters}

    def collect(self, model) -> None:
        """Record every model reporter's current value."""
        if not self._validated:
            for name, reporter in self.model_reporters.items():
                self._validate_model_reporter(name, reporter, model)
        columns = self.model_vars
        for name, reporter in self.model_reporters.items():
            value = _report(reporter, model)
            columns[name].append(value if dtype_of(value) is not None else deepcopy(value))

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """One column per reporter, one row per collection (as :meth:`mesa.DataCollector.get_model_vars_dataframe`)."""
        if not self.model_reporters:
            raise UserWarning("No model reporters have been defined in the DataCollector, returning empty DataFrame.")
        return pd.DataFrame({name: col.values() for name, col in self.model_vars.items()})
