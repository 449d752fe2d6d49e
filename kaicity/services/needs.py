"""Need generation: Poisson counts per agent, category and day, spread by a time-of-day profile
per category.

Needs are drawn once for the whole horizon from the ``needs`` random stream, together
with the per-need uniform draw that later decides whether the need can be served
remotely.  (Whether a resident manages a remote channel is a personal trait:
:mod:`kaicity.services.remote`.)  A smart-city and an
AI-city run with the same seed therefore face exactly the same needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kaicity.categories import CATEGORIES, GROUPS
from kaicity.services.population import by_key
from kaicity.services.random_streams import stream

DAY_S = 86_400.0


@dataclass
class Needs:
    """All needs of a run, sorted by time (index = need id).

    Attributes
    ----------
    time : float64 seconds since the start of the run when the need arises.
    resident : int32 agent index.
    category : int8 index into ``CATEGORIES``.
    u_serve : float64 uniform draw: the need is remotely servable by a channel whose share exceeds it.
    """

    time: np.ndarray
    resident: np.ndarray
    category: np.ndarray
    u_serve: np.ndarray

    def __len__(self) -> int:
        return len(self.time)


def rate_matrix(daily_rate) -> np.ndarray:
    """Needs per person per day as an array ``[category, group]``."""
    return np.array([[float(by_key(by_key(daily_rate, c), g)) for g in GROUPS] for c in CATEGORIES])


def profile_matrix(hourly_profile, category_profile=None) -> np.ndarray:
    """24 hourly weights per category ``[category, hour]``, each row summing to 1.

    ``category_profile`` maps a category to its own 24 weights, or to None (or is None)
    for the general ``hourly_profile``.
    """
    general = np.asarray(hourly_profile, dtype=float)
    rows = []
    for c in CATEGORIES:
        own = None if category_profile is None else by_key(category_profile, c)
        rows.append(general if own is None else np.asarray(own, dtype=float))
    out = np.vstack(rows)
    return out / out.sum(axis=1, keepdims=True)


def generate_needs(group: np.ndarray, rates: np.ndarray, hourly_profile: np.ndarray, days: int,
                   start_hour: float, seed: int) -> Needs:
    """Draw every need of the horizon.

    Parameters
    ----------
    group
        Age-group code per agent.
    rates
        ``[category, group]`` needs per person per day (see :func:`rate_matrix`).
    hourly_profile
        24 weights of the clock hour in which needs arise (normalised here), one profile for
        every category or one row per category (see :func:`profile_matrix`).
    days
        Horizon in days.
    start_hour
        Clock hour at simulation time 0.
    seed
        The run's seed.

    Returns
    -------
    Needs
        Sorted by time; ties keep a stable, seed-determined order.
    """
    rng = stream(seed, "needs")
    profile = np.asarray(hourly_profile, dtype=float)
    if profile.ndim == 1:
        profile = np.tile(profile, (len(CATEGORIES), 1))
    cdf = np.cumsum(profile, axis=1)
    cdf = cdf / cdf[:, -1:]
    n = len(group)
    residents, categories = [], []
    for c in range(len(CATEGORIES)):
        lam = rates[c, group] * days
        counts = rng.poisson(lam) if n else np.zeros(0, dtype=np.int64)
        residents.append(np.repeat(np.arange(n, dtype=np.int32), counts))
        categories.append(np.full(int(counts.sum()), c, dtype=np.int8))
    resident = np.concatenate(residents) if residents else np.zeros(0, dtype=np.int32)
    category = np.concatenate(categories) if categories else np.zeros(0, dtype=np.int8)
    m = len(resident)
    day = rng.integers(0, days, size=m)
    u_hour = rng.random(m)  # the draw Generator.choice(24, p=...) makes: same needs for one shared profile
    hour = np.empty(m, dtype=np.int64)
    for c in range(len(CATEGORIES)):
        mask = category == c
        hour[mask] = np.searchsorted(cdf[c], u_hour[mask], side="right")
    clock = day * DAY_S + (hour + rng.random(m)) * 3600.0
    t = clock - start_hour * 3600.0
    t = np.where(t < 0, t + days * DAY_S, t)
    u_serve = rng.random(m)
    order = np.argsort(t, kind="stable")
    return Needs(time=t[order], resident=resident[order], category=category[order],
                 u_serve=u_serve[order])
