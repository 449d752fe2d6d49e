"""A facility's own servers and opening hours when its row of the facility table sets them (a facilities file)."""

from __future__ import annotations

import math

from kaicity.services.queues import servers_for_capacity


def own_capacity_and_hours(row, service_min: float, servers: int, hours: tuple[float, float]
                           ) -> tuple[int, tuple[float, float]]:
    """Servers and ``(open, close)`` hours of one facility.

    Parameters
    ----------
    row
        A row of ``City.facilities`` (a named tuple); its optional ``capacity_per_hour``, ``open_h`` and
        ``close_h`` (NaN or absent: not set) come from ``city.facilities_file``.
    service_min
        Minutes per person at the category's facilities.
    servers, hours
        The category's servers and opening hours, used where the row sets none.
    """
    cap = float(getattr(row, "capacity_per_hour", math.nan))
    if math.isfinite(cap):
        servers = servers_for_capacity(cap, service_min)
    open_h = float(getattr(row, "open_h", math.nan))
    if math.isfinite(open_h):
        hours = (open_h, float(row.close_h))
    return servers, hours
