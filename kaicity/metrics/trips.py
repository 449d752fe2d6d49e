"""``trips.csv``: one row per service need, from the need log the model keeps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kaicity.categories import CATEGORIES, GROUPS, ZONES
from kaicity.services.records import CHANNEL_NAMES, MODE_NAMES, Outcome


def trips_frame(model) -> pd.DataFrame:
    """One row per service need: who, where, what, how it was delivered, times and outcome.

    Times are minutes since the start of the run; ``time_to_service_min`` is wait +
    travel + queue until service starts.  Needs served after the horizon count as pending.
    ``retries`` and the ``return_*`` / ``t_home_min`` columns describe put-off tries and the
    way home (:meth:`~kaicity.services.records.NeedLog.return_columns`).

    Parameters
    ----------
    model
        Anything with ``needs``, ``log`` (:class:`~kaicity.services.records.NeedLog`),
        ``population`` and ``horizon_s`` (a :class:`~kaicity.model.KaiCityModel`).
    """
    needs, log, pop = model.needs, model.log, model.population
    n = len(needs)
    res = needs.resident
    outcome = log.outcome[:n].copy()
    late = (outcome == Outcome.MET) & (log.t_start[:n] > model.horizon_s)
    outcome[late] = Outcome.PENDING
    channel = np.array([CHANNEL_NAMES.get(int(c), "") for c in log.channel[:n]], dtype=object)
    mode = np.array([MODE_NAMES[int(m)] for m in log.mode[:n]], dtype=object)
    delivery = np.where(channel == "facility", mode, channel)
    tts = (log.t_start[:n] - needs.time) / 60.0
    tts[outcome != Outcome.MET] = np.nan
    queue = (log.t_start[:n] - log.t_arrive[:n]) / 60.0
    return pd.DataFrame({
        "need": np.arange(n),
        "resident": res,
        "group": np.asarray(GROUPS, dtype=object)[pop.group[res]],
        "zone": np.asarray(ZONES, dtype=object)[pop.zone[res]],
        "category": np.asarray(CATEGORIES, dtype=object)[needs.category],
        "channel": channel,
        "mode": mode,
        "delivery": np.where(outcome == Outcome.MET, delivery, ""),
        "outcome": np.asarray(["pending", "met", "forgone"], dtype=object)[outcome],
        "reason": [log.reason.get(i, "") for i in range(n)],
        "t_need_min": needs.time / 60.0,
        "t_depart_min": log.t_depart[:n] / 60.0,
        "t_arrive_min": log.t_arrive[:n] / 60.0,
        "t_start_min": log.t_start[:n] / 60.0,
        "wait_min": log.wait_s[:n] / 60.0,
        "travel_min": log.travel_s[:n] / 60.0,
        "queue_min": queue,
        "time_to_service_min": tts,
        **log.return_columns(n),
    })
