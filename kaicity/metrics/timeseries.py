"""The time series (``timeseries.csv``, the live view): named reporters with their label and unit.

Each :class:`Reporter` is one column of Mesa's DataCollector, recorded every tick from the
model's running counters (cumulative counts unless the unit says otherwise).  Each costs O(1)
per tick while its inputs did not change: the elderly literacy reporters are cached until the
population's literacy is written, ``drt_rejected`` is a count the DRT log keeps as it writes,
``away_from_home`` pops only the return times passed since the last tick (:class:`UntilArray`).  The live view
and reports look reporters up **by name** in :data:`REPORTERS` (or :func:`reporter`) and read
their unit from there; nothing guesses from a column name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kaicity.categories import GROUP_CODE, GROUPS
from kaicity.metrics.drt import drt_reporters
from kaicity.metrics.inclusion import elderly_able_share_now, elderly_literacy_mean_now
from kaicity.metrics.time import mean_time
from kaicity.services.records import DELIVERIES
from kaicity.services.until import UntilArray

ELDERLY = GROUP_CODE["elderly"]
OTHERS = [i for i in range(len(GROUPS)) if i != ELDERLY]


@dataclass(frozen=True)
class Reporter:
    """One time-series column.

    Attributes
    ----------
    name : str
        Column name in ``timeseries.csv`` and the DataCollector.
    label : str
        Human label.
    unit : str
        ``"h"``, ``"needs"``, ``"min"``, ``"index"``, ``"share"``, ``"residents"``, ``"kWh"``,
        ``"requests"``, ``"riders"``, ``"vehicles"``, ``"km"``.
    group : str
        Who it is about: ``"elderly"``, ``"others"``, ``"all"`` or ``"drt"``.
    fn : callable or None
        ``fn(model) -> number``; None for reporters a service supplies (DRT).
    """

    name: str
    label: str
    unit: str
    group: str
    fn: Callable | None = None


def _met(group: str, delivery: int) -> Callable:
    """Cumulative needs of ``group`` (``"elderly"`` or ``"others"``) met by one delivery channel."""
    cols = ELDERLY if group == "elderly" else OTHERS
    return lambda m: int(m.met_by_delivery[delivery, cols].sum())


def _tts_elderly(m) -> float:
    met = m.met_by_delivery[:, ELDERLY].sum()
    return m.tts_sum_by_group[ELDERLY] / 60.0 / met if met else np.nan


def _tts_others(m) -> float:
    return mean_time(m.tts_sum_by_group[OTHERS].sum(), m.met_by_delivery[:, OTHERS].sum())


def _away_from_home(m) -> int:
    """Residents whose ``busy_until`` is after now (counted from the writes since the last tick)."""
    busy = m.population.busy_until
    if isinstance(busy, UntilArray):
        return busy.count_after(m.now)
    return int((busy > m.now).sum())


_BASE: tuple[Reporter, ...] = (
    Reporter("time_h", "Hours since the start", "h", "all", lambda m: m.now / 3600.0),
    Reporter("needs_arisen", "Needs arisen", "needs", "all", lambda m: m.n_arisen),
    Reporter("met", "Needs met", "needs", "all", lambda m: int(m.met_by_delivery.sum())),
    Reporter("forgone", "Needs forgone", "needs", "all", lambda m: int(m.forgone_by_group.sum())),
    Reporter("forgone_elderly", "Needs forgone, elderly", "needs", "elderly",
             lambda m: int(m.forgone_by_group[ELDERLY])),
    Reporter("forgone_others", "Needs forgone, others", "needs", "others",
             lambda m: int(m.forgone_by_group[OTHERS].sum())),
    Reporter("tts_mean_elderly_min", "Time to service, elderly", "min", "elderly", _tts_elderly),
    Reporter("tts_mean_others_min", "Time to service, others", "min", "others", _tts_others),
    Reporter("literacy_elderly_mean", "Elderly mean literacy", "index", "elderly", elderly_literacy_mean_now),
    Reporter("able_ai_elderly_share", "Elderly able to use AI alone", "share", "elderly", elderly_able_share_now),
    Reporter("away_from_home", "Residents away from home", "residents", "all", _away_from_home),
    Reporter("ai_energy_kwh", "AI energy", "kWh", "all", lambda m: m.ai_energy_wh / 1000.0),
)

_DELIVERY: tuple[Reporter, ...] = tuple(
    Reporter(f"met_{d}_{g}", f"Met by {d.replace('_', ' ')}, {g}", "needs", g, _met(g, i))
    for i, d in enumerate(DELIVERIES) for g in ("elderly", "others"))

#: Reporters of the DRT service (functions supplied by it when the run has DRT).
_DRT: tuple[Reporter, ...] = (
    Reporter("drt_requests", "DRT requests", "requests", "drt"),
    Reporter("drt_booked", "DRT rides booked", "requests", "drt"),
    Reporter("drt_rejected", "DRT requests rejected", "requests", "drt"),
    Reporter("drt_on_board", "DRT riders on board", "riders", "drt"),
    Reporter("drt_busy_vehicles", "DRT vehicles with stops", "vehicles", "drt"),
    Reporter("drt_wait_mean_min", "DRT mean wait", "min", "drt"),
    Reporter("drt_vehicle_km", "DRT vehicle-km", "km", "drt"),
)

#: Every named reporter, by name, in column order.
REPORTERS: dict[str, Reporter] = {r.name: r for r in (*_BASE, *_DELIVERY, *_DRT)}


def reporter(name: str) -> Reporter:
    """The reporter called ``name`` (KeyError names the known ones)."""
    try:
        return REPORTERS[name]
    except KeyError:
        raise KeyError(f"no reporter {name!r}; known: {', '.join(REPORTERS)}") from None


def timeseries_reporters(model) -> dict[str, Callable]:
    """Model reporters for Mesa's DataCollector (name -> ``fn(model)``), recorded every tick."""
    reporters = {r.name: r.fn for r in (*_BASE, *_DELIVERY)}
    if model.drt is not None:
        reporters.update(drt_reporters(model.drt))
    return reporters
