"""Need generation: Poisson counts per agent, category and day, spread by a time-of-day profile.

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
        24 weights of the clock hour in which needs arise (normalised here).
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
    profile = profile / profile.sum()
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
    hour = rng.choice(24, size=m, p=profile)
    clock = day * DAY_S + (hour + rng.random(m)) * 3600.0
    t = clock - start_hour * 3600.0
    t = np.where(t < 0, t + days * DAY_S, t)
    u_serve = rng.random(m)
    order = np.argsort(t, kind="stable")
    return Needs(time=t[order], resident=resident[order], category=category[order],
                 u_serve=u_serve[order])
