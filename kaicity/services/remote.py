"""Remote services as they are: shares, resolution, service hours, outages, acceptance, ability.

Both remote channels (AI and online e-government) are a :class:`RemoteService` built from
their scenario section with the same rules; they differ only through the values of that
section.  Every draw comes from a named random stream, so a smart-city and an AI-city run
with the same seed see the same residents, the same needs and the same online outages:

- ``traits``: per resident, one ability draw (the personal literacy threshold, shared by both
  channels, so a resident able to use the harder channel can use the easier one) and one
  acceptance draw per category (willing when below the channel's acceptance of the group);
- ``remote``: per need, one resolution draw (resolved by a channel when below its resolution);
- ``outages``: per channel (sub-stream by channel), one draw per hour of the horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kaicity.categories import CATEGORIES, GROUPS
from kaicity.services.channel import Channel, RemoteChannel
from kaicity.services.population import by_key
from kaicity.services.queues import next_open_time
from kaicity.services.random_streams import stream

HOUR_S = 3600.0
#: Sub-stream key of each remote channel in the ``outages`` stream (never renumber).
OUTAGE_KEYS = {Channel.AI_REMOTE: 1, Channel.ONLINE: 2}


@dataclass
class RemoteTraits:
    """Personal, once-drawn remote-service traits (index = agent id).

    Attributes
    ----------
    u_able : float64 [n] ability draw: the resident's literacy threshold is
        ``required + logit(u_able) / slope`` for each channel.
    u_accept : float64 [n, categories] willingness draw per category.
    """

    u_able: np.ndarray
    u_accept: np.ndarray


def draw_traits(n: int, seed: int) -> RemoteTraits:
    """Draw the remote-service traits of ``n`` residents from the ``traits`` stream."""
    rng = stream(seed, "traits")
    u_able = rng.random(n)
    u_accept = rng.random((n, len(CATEGORIES)))
    return RemoteTraits(u_able=u_able, u_accept=u_accept)


def resolution_draws(n_needs: int, seed: int) -> np.ndarray:
    """One uniform draw per need from the ``remote`` stream (resolved when below the resolution)."""
    return stream(seed, "remote").random(n_needs)


def outage_hours(rate: float, horizon_s: float, seed: int, channel: Channel) -> np.ndarray:
    """Which whole hours of the horizon (plus a day of margin) a channel is down."""
    n_hours = int(math.ceil(horizon_s / HOUR_S)) + 24
    draws = stream(seed, "outages", OUTAGE_KEYS[channel]).random(n_hours)
    return draws < rate


class RemoteService:
    """One remote channel (AI or online) of a run.

    Parameters
    ----------
    channel
        :attr:`Channel.AI_REMOTE` or :attr:`Channel.ONLINE`.
    cfg
        The scenario's ``ai_services`` or ``online_services`` section.
    horizon_s, start_hour, seed
        The run's horizon (s), clock hour at time 0, and seed.
    """

    def __init__(self, channel: Channel, cfg, horizon_s: float, start_hour: float, seed: int) -> None:
        self.channel = channel
        self.enabled = bool(cfg.enabled)
        wait = cfg.wait_min
        self.by_category = [
            RemoteChannel(self.enabled, float(by_key(cfg.share, c)), float(cfg.literacy_required),
                          float(cfg.ability_slope), float(by_key(cfg.resolution, c)), float(cfg.outage_rate),
                          float(by_key(wait, c) if not isinstance(wait, (int, float)) else wait) * 60.0)
            for c in CATEGORIES]
        self.acceptance = np.array([[float(by_key(by_key(cfg.acceptance, c), g)) for c in CATEGORIES]
                                    for g in GROUPS])
        self.open_hour, self.close_hour = (float(h) for h in cfg.service_hours)
        self.start_hour = float(start_hour)
        self.down = outage_hours(float(cfg.outage_rate), horizon_s, seed, channel) if self.enabled \
            else np.zeros(0, dtype=bool)
        self.attempts = np.zeros(len(CATEGORIES), dtype=np.int64)
        self.failures = np.zeros(len(CATEGORIES), dtype=np.int64)

    def takes_on(self, cat: int, group: int, u_serve: float, u_accept: float) -> bool:
        """The need is within the channel's share and the resident is willing to use it."""
        return self.by_category[cat].servable(u_serve) and u_accept < self.acceptance[group, cat]

    def able(self, cat: int, literacy: float, u_able: float) -> bool:
        """The resident manages the channel alone (their literacy above their personal threshold)."""
        return self.by_category[cat].able(literacy, u_able)

    def next_start(self, t: float) -> float:
        """Earliest time >= ``t`` at which a session can start (service hours)."""
        return next_open_time(t, self.open_hour, self.close_hour, self.start_hour)

    def session_s(self, cat: int) -> float:
        """Length of a session for category ``cat`` (s)."""
        return self.by_category[cat].wait_s

    def success(self, cat: int) -> float:
        """Chance of success a resident expects (resolution times availability)."""
        return self.by_category[cat].success

    def is_down(self, t: float) -> bool:
        """Whether the channel is in an outage at time ``t``."""
        h = int(t // HOUR_S)
        return 0 <= h < len(self.down) and bool(self.down[h])

    def works(self, cat: int, t: float, u_resolve: float) -> bool:
        """Whether a session of category ``cat`` started at ``t`` resolves a need with draw ``u_resolve``;
        counts the attempt and any failure."""
        self.attempts[cat] += 1
        ok = not self.is_down(t) and u_resolve < self.by_category[cat].resolution
        if not ok:
            self.failures[cat] += 1
        return ok
