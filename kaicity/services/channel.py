"""Channel choice: how a need is served (AI remote, online, support centre, or a facility trip).

A resident compares the channels open to them by expected time until the need is resolved
and chance of success (:func:`rank_channels`), tries the best, and falls back to the next
when it fails.  Whether they can use a remote channel alone is a personal trait
(:func:`able`): their literacy against a threshold drawn once per resident.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

#: Expected cost (s) of a need with no other channel left: a lost need counts as a day.
NO_FALLBACK_S = 86_400.0


class Channel(StrEnum):
    """How a need is resolved."""

    AI_REMOTE = "ai_remote"
    ONLINE = "online"
    SUPPORT_CENTRE = "support_centre"
    FACILITY = "facility"


#: Tie-break order of :func:`rank_channels` (enum order: remote first, the facility last).
_ORDER = {c: i for i, c in enumerate(Channel)}


def able_probability(literacy: float, required: float, slope: float) -> float:
    """Share of residents of this literacy who manage a remote channel on their own.

    A logistic curve in digital literacy centred on the channel's required level:
    ``1 / (1 + exp(-slope * (literacy - required)))``.  It is the share of personal
    thresholds (:func:`personal_threshold`) below ``literacy``.
    """
    z = -slope * (literacy - required)
    if z > 700:
        return 0.0
    return 1.0 / (1.0 + math.exp(z))


def personal_threshold(u_able: float, required: float, slope: float) -> float:
    """The literacy a resident with ability draw ``u_able`` needs: ``required + logit(u) / slope``.

    ``u_able`` is drawn once per resident, so the resident is able exactly when their
    literacy exceeds this threshold; across residents, the share able at literacy ``L`` is
    :func:`able_probability` ``(L, required, slope)``.
    """
    if u_able <= 0.0:
        return -math.inf
    if u_able >= 1.0:
        return math.inf
    return required + math.log(u_able / (1.0 - u_able)) / slope


def able(literacy: float, u_able: float, required: float, slope: float) -> bool:
    """Whether a resident of ``literacy`` and personal draw ``u_able`` manages the channel alone."""
    return u_able < able_probability(literacy, required, slope)


@dataclass(frozen=True)
class RemoteChannel:
    """One remote channel's rules for one category.

    Attributes
    ----------
    enabled : the channel exists.
    share : share of needs the channel takes on (a need is servable when its draw ``u_serve < share``).
    literacy_required, slope : personal ability thresholds (see :func:`personal_threshold`).
    resolution : probability a session resolves a need it takes on.
    outage_rate : share of hours the channel is down.
    wait_s : length of a session (s).
    """

    enabled: bool
    share: float
    literacy_required: float
    slope: float
    resolution: float = 1.0
    outage_rate: float = 0.0
    wait_s: float = 0.0

    def servable(self, u_serve: float) -> bool:
        """Whether a need with servability draw ``u_serve`` can be taken on by this channel."""
        return self.enabled and u_serve < self.share

    def able(self, literacy: float, u_able: float) -> bool:
        """Whether a resident of ``literacy`` with personal ability draw ``u_able`` manages it alone."""
        return able(literacy, u_able, self.literacy_required, self.slope)

    @property
    def success(self) -> float:
        """Chance a session succeeds as a resident expects it: resolved and not in an outage."""
        return self.resolution * (1.0 - self.outage_rate)


@dataclass(frozen=True)
class Option:
    """A channel open to a resident for one need.

    Attributes
    ----------
    channel : the channel.
    expected_s : expected time (s) from now until the need is resolved if it succeeds
        (wait for opening, travel, session or service); ``inf`` when out of reach.
    success : probability that it succeeds (1 for a facility visit).
    """

    channel: Channel
    expected_s: float
    success: float = 1.0


def option_score(option: Option, others: Sequence[Option]) -> float:
    """Expected time to resolution of ``option`` with a fallback: ``t + (1 - p) * t_fallback``.

    ``t_fallback`` is the quickest expected time of the other options, or
    :data:`NO_FALLBACK_S` when none is left.
    """
    fallback = min((o.expected_s for o in others if o is not option and math.isfinite(o.expected_s)),
                   default=NO_FALLBACK_S)
    return option.expected_s + (1.0 - option.success) * fallback


def rank_channels(options: Sequence[Option]) -> list[Option]:
    """Order the reachable options best first, by expected time to resolution with fallback.

    Options out of reach (``expected_s`` infinite) or certain to fail (``success`` 0) are
    dropped.  Ties keep the order of :class:`Channel` (remote before travel).  The resident
    tries the first and, when it fails, the next one still open (recomputed then).
    """
    usable = [o for o in options if math.isfinite(o.expected_s) and o.success > 0.0]
    return sorted(usable, key=lambda o: (option_score(o, usable), _ORDER[o.channel]))
