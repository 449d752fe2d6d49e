"""Channel choice: how a need is served (AI remote, online, support centre, or a facility trip)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    """How a need is resolved."""

    AI_REMOTE = "ai_remote"
    ONLINE = "online"
    SUPPORT_CENTRE = "support_centre"
    FACILITY = "facility"


def able_probability(literacy: float, required: float, slope: float) -> float:
    """Probability that a resident manages a remote channel on their own.

    A logistic curve in digital literacy centred on the channel's required level:
    ``1 / (1 + exp(-slope * (literacy - required)))``.
    """
    z = -slope * (literacy - required)
    if z > 700:
        return 0.0
    return 1.0 / (1.0 + math.exp(z))


@dataclass(frozen=True)
class RemoteChannel:
    """One remote channel's rules for a category: share servable, literacy required, steepness."""

    enabled: bool
    share: float
    literacy_required: float
    slope: float

    def servable(self, u_serve: float) -> bool:
        """Whether a need with servability draw ``u_serve`` can be resolved on this channel."""
        return self.enabled and u_serve < self.share

    def able(self, literacy: float, u_able: float) -> bool:
        """Whether a resident of ``literacy`` with ability draw ``u_able`` manages it alone."""
        return u_able < able_probability(literacy, self.literacy_required, self.slope)


def choose_channel(literacy: float, u_serve: float, u_able: float, ai: RemoteChannel,
                   online: RemoteChannel, centres_available: bool) -> Channel:
    """Pick the channel for one need (model.md, process step 2).

    1. AI remote service, when the category allows it and the resident is able;
    2. else the online (e-government) channel, same test;
    3. else, when an AI service could resolve the need but the resident cannot use it
       alone and support centres exist: assisted service at an AI support centre;
    4. else a trip to a facility.

    The same per-need draws ``u_serve`` and ``u_able`` are used in every scenario
    (common random numbers).
    """
    if ai.servable(u_serve) and ai.able(literacy, u_able):
        return Channel.AI_REMOTE
    if online.servable(u_serve) and online.able(literacy, u_able):
        return Channel.ONLINE
    if ai.servable(u_serve) and centres_available:
        return Channel.SUPPORT_CENTRE
    return Channel.FACILITY
