"""The K-AI City model (:class:`KaiCityModel`): a Mesa model built from a scenario and stepped tick by tick.

A package by concern: :mod:`~kaicity.model.core` (the model and its event loop),
:mod:`~kaicity.model.build` (building it from the scenario), :mod:`~kaicity.model.visits`
(a visit to a place and the way home), :mod:`~kaicity.model.outcomes` (what becomes of a
need), :mod:`~kaicity.model.residents` (:class:`LazyResidents`), :mod:`~kaicity.model.cities`
(the shared city of a scenario) and :mod:`~kaicity.model.constants`.
"""

from kaicity.model.build import check_seed
from kaicity.model.cities import _cached_city as _cached_city  # the city cache, read by tests
from kaicity.model.cities import city_for
from kaicity.model.constants import (
    DRT_MIN_SIMULATED_FLEET,
    EXCLUDE_AI,
    EXCLUDE_CENTRE,
    EXCLUDE_ONLINE,
    MAX_SEED,
)
from kaicity.model.core import KaiCityModel
from kaicity.model.residents import LazyResidents
from kaicity.services.records import DELIVERIES

__all__ = [
    "DELIVERIES",
    "DRT_MIN_SIMULATED_FLEET",
    "EXCLUDE_AI",
    "EXCLUDE_CENTRE",
    "EXCLUDE_ONLINE",
    "MAX_SEED",
    "KaiCityModel",
    "LazyResidents",
    "check_seed",
    "city_for",
]
