"""Load at places: needs served and queues at each facility, pickups and rejections at DRT stops.

Pure functions of the need log columns and the services' records; the GIS layers
(:mod:`kaicity.report.gis`) put their rows on the map.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def facility_load(trips: pd.DataFrame, place: np.ndarray, n_places: int, scale: float = 1.0) -> pd.DataFrame:
    """Per place (index ``0..n_places-1``): needs met there, forgone on the way or at the door, queue times.

    Parameters
    ----------
    trips
        :func:`~kaicity.metrics.trips.trips_frame` rows.
    place
        The place each trip went to last (the need log's ``place``; -1 for remote service).
    n_places
        Number of places (facilities and support centres).
    scale
        People per agent.

    Returns
    -------
    pandas.DataFrame
        Columns ``met`` and ``forgone`` (people), ``queue_mean_min`` and ``queue_p95_min``
        (queue of met needs: arrival to start of service; NaN without any).
    """
    place = np.asarray(place, dtype=np.int64)
    at = place >= 0
    met = at & (trips["outcome"] == "met").to_numpy()
    forgone = at & (trips["outcome"] == "forgone").to_numpy()
    queue = trips["queue_min"].to_numpy(dtype=float)
    out = pd.DataFrame({
        "met": np.bincount(place[met], minlength=n_places)[:n_places] * scale,
        "forgone": np.bincount(place[forgone], minlength=n_places)[:n_places] * scale,
    })
    q = pd.Series(queue[met]).groupby(place[met])
    out["queue_mean_min"] = q.mean().reindex(range(n_places)).to_numpy()
    out["queue_p95_min"] = q.quantile(0.95).reindex(range(n_places)).to_numpy()
    return out


def drt_stop_activity(rides, rejected_at: np.ndarray) -> pd.DataFrame:
    """Pickups and drop-offs (riders) and rejected requests at each pickup node of a DRT service.

    Parameters
    ----------
    rides
        The service's booked rides (:class:`~kaicity.services.drt.schedule.Ride`).
    rejected_at
        Drive node where each rejected request would have been picked up (-1: none in reach).

    Returns
    -------
    pandas.DataFrame
        Indexed by drive node; columns ``pickups``, ``dropoffs``, ``rejections`` (agent counts).
    """
    picked = [int(r.pickup) for r in rides if not math.isnan(r.t_pickup)]
    dropped = [int(r.dropoff) for r in rides if not math.isnan(r.t_dropoff)]
    rejected = [int(n) for n in np.asarray(rejected_at, dtype=np.int64) if n >= 0]
    counts = {k: pd.Series(v, dtype=np.int64).value_counts()
              for k, v in (("pickups", picked), ("dropoffs", dropped), ("rejections", rejected))}
    out = pd.DataFrame(counts).fillna(0).astype(np.int64)
    out.index.name = "node"
    return out.sort_index()
