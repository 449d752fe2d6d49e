"""Digital-literacy learning (support-centre visits) and decay (disuse)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def train(literacy: float, gain: float) -> float:
    """Literacy after one assisted session: ``L + gain * (1 - L)`` (diminishing returns)."""
    return min(1.0, literacy + gain * (1.0 - literacy))


def decay(literacy: np.ndarray, initial: np.ndarray, rate: float, used: np.ndarray) -> None:
    """Relax unused literacy toward its initial level, in place.

    Parameters
    ----------
    literacy
        Current literacy per agent (modified in place).
    initial
        Initial literacy per agent (the level skills fall back to).
    rate
        Fraction of the gain above ``initial`` lost per day of disuse.
    used
        Mask of agents who used a remote service that day: their literacy stays.
    """
    idle = ~used & (literacy > initial)
    literacy[idle] = initial[idle] + (literacy[idle] - initial[idle]) * (1.0 - rate)


def training_schedule(rate: np.ndarray, days: int, hours: tuple[float, float], sessions: int,
                      interval_days: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """When each resident goes to a support centre for training: courses of ``sessions`` sessions.

    Parameters
    ----------
    rate
        Courses started per day, per resident.
    days
        Days simulated; a course is started on a uniform day in ``[0, days)`` and its later
        sessions that fall after the horizon are dropped.
    hours
        ``[open, close)`` hours: each session starts at a uniform time in ``[open, close - 1)``.
    sessions
        Sessions per course (1 = single visits).
    interval_days
        Days between sessions of one course.
    rng
        The ``training`` random stream.

    Returns
    -------
    clock, resident
        Session start times in seconds from the start of day 0 (unsorted) and the resident
        of each session.
    """
    starts = rng.poisson(np.asarray(rate, dtype=float) * days)
    resident = np.repeat(np.arange(len(starts), dtype=np.int32), starts)
    day0 = rng.integers(0, days, size=len(resident))
    k = np.arange(max(1, int(sessions)))
    day = (day0[:, None] + k[None, :] * int(interval_days)).ravel()
    resident = np.repeat(resident, len(k))
    keep = day < days
    day, resident = day[keep], resident[keep]
    hour = rng.uniform(float(hours[0]), float(hours[1]) - 1.0, size=len(resident))
    return day * 86400.0 + hour * 3600.0, resident


#: Share of the model's adults (15-64) aged 60-64, to compare trainees with the programme's "aged 60+":
#: about 4.1 M of 36 M (KOSIS resident population 2024, rounded; an approximation).
ADULTS_60_TO_64 = 0.11


def yearly_trainees(rate: Mapping[str, float], shares: Mapping[str, float]) -> dict[str, float]:
    """Courses started in a year per resident of the town, by group: ``365 * rate_g * share_g``.

    Courses are Poisson, so a few residents start two in a year: the share trained at least
    once, ``share_g * (1 - exp(-365 rate_g))``, is within 1% of this for rates below 5e-5/day
    and within 2% below 1e-4/day.
    """
    return {g: 365.0 * float(rate[g]) * float(shares[g]) for g in shares}


def trainee_shares(trainees: Mapping[str, float]) -> dict[str, float]:
    """Reach (trainees per resident a year) and the shares of trainees aged 65+ and 60+.

    The model's elderly are 65+; the programme counts 60+: the 60-64 are
    :data:`ADULTS_60_TO_64` of the adults, trained at the adult rate (a lower bound).
    """
    total = sum(trainees.values())
    elderly = trainees.get("elderly", 0.0)
    sixty = elderly + ADULTS_60_TO_64 * trainees.get("adult", 0.0)
    return {"reach": total, "share_65": elderly / total if total else float("nan"),
            "share_60": sixty / total if total else float("nan")}
