"""Rules of a visit in time: opening hours, retries, expiry, forgone reasons, the way home.

These are the pure rules the model and the residents call (docs/odd.md, "Opening hours,
retries and forgone needs" and "Return trips"):

- nobody travels to a closed place: a trip whose arrival would fall outside the place's
  opening hours is put off so that the resident arrives at the next opening
  (:func:`departure_for_opening`); the wait counts in the need's time to service;
- a need that meets a passing obstacle (every transit request rejected, a queue beyond
  ``facilities.max_queue_min``) is tried again ``needs.retry_min`` later
  (:func:`classify_mode_failure` says which obstacles pass);
- a need is **forgone** only for a reason in :data:`FORGONE_REASONS`: a lasting one at
  once, a passing one when the next try would fall after the need's expiry
  (``needs.expiry_h`` after it arose);
- after a transit ride the resident books the way home; a rejected way home is asked
  again while waiting is still shorter than walking home (:func:`keep_waiting_for_ride`).
"""

from __future__ import annotations

import math

#: The closed list of reasons a need is forgone, with what each means.
FORGONE_REASONS: dict[str, str] = {
    "no_facility": "no open place of the category (or of support centres) in the city",
    "unreachable": "no route from home to the nearest place by any mode",
    "too_far": "beyond the resident's walking tolerance and maximum trip time by every mode they have "
               "(public-transport offers, if any, also too slow)",
    "no_transit_in_reach": "public transport was the only way within the resident's limits but no bus stop "
                           "or DRT service reaches home or place within walking distance",
    "transit_rejected": "public transport was the only way within the resident's limits and every request "
                        "was rejected (seats, vans, hours) until the need expired",
    "queue_full": "turned away at every visit (queue beyond facilities.max_queue_min, or no service before "
                  "closing) until the need expired",
    "closed": "the place does not open again before the need expires",
}

#: Transit rejections that waiting cannot cure (the service does not reach home or place).
LASTING_TRANSIT_REJECTIONS: frozenset[str] = frozenset(
    {"no_stop_within_walk", "outside_zone", "same_stop", "unreachable"})

#: Seconds added when a trip is put off to the opening, so float round-off never lands before it.
OPENING_MARGIN_S = 1.0


def classify_mode_failure(raw: str) -> tuple[str, bool]:
    """Map a mode-choice failure to a reason of :data:`FORGONE_REASONS` and whether to try again.

    Parameters
    ----------
    raw
        ``ModeChoice.reason``: ``"unreachable"``, ``"too_far"`` or
        ``"transit_rejected:<reason>,<reason>..."`` (the services' rejection reasons).

    Returns
    -------
    (reason, retry)
        ``retry`` is True when the obstacle may pass (a full van, no run at this hour).
    """
    if raw in FORGONE_REASONS:
        return raw, False
    if raw.startswith("transit_rejected"):
        causes = {c for c in raw.partition(":")[2].split(",") if c}
        if causes and causes <= LASTING_TRANSIT_REJECTIONS:
            return "no_transit_in_reach", False
        return "transit_rejected", True
    return "too_far", False


def departure_for_opening(now: float, arrival: float, opens: float) -> float:
    """When to set off so as to arrive at ``opens`` instead of at ``arrival`` (a closed place).

    The trip is shifted by the time the place is still closed (plus :data:`OPENING_MARGIN_S`):
    the resident waits at home and the same trip then arrives just after the opening.
    """
    return now + (opens - arrival) + OPENING_MARGIN_S


def expires(arisen: float, t: float, expiry_s: float) -> bool:
    """Whether a need that arose at ``arisen`` has expired by ``t``."""
    return t > arisen + expiry_s


def keep_waiting_for_ride(waited_s: float, retry_s: float, walk_home_s: float) -> bool:
    """Whether a resident whose ride home was rejected asks again ``retry_s`` later.

    They keep asking while the total wait would still be shorter than walking home
    (``walk_home_s``, which is a taxi or lift time when home cannot be reached on foot).
    """
    return math.isfinite(walk_home_s) and waited_s + retry_s < walk_home_s
