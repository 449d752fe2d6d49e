"""Fixed-route bus KPIs, computed from the records the :class:`~kaicity.services.bus.BusNetwork` keeps.

The service keeps its patterns (run start times, path times, lengths, seat loads) and running
sums (boardings, wait, in-vehicle time, passenger metres); every indicator is derived here.
"""

from __future__ import annotations

import numpy as np


def runs_started(patterns, until: float) -> int:
    """Number of runs that left their first stop before ``until``."""
    return int(sum(np.sum(p.run_starts < until) for p in patterns))


def vehicle_km(patterns, until: float) -> float:
    """Kilometres driven by runs up to ``until`` (partial runs pro rata)."""
    km = 0.0
    for p in patterns:
        dur = p.path_times[-1] if len(p.path_times) else 0.0
        done = np.clip((until - p.run_starts) / max(dur, 1e-9), 0.0, 1.0)
        km += float(done.sum()) * p.length_m / 1000.0
    return km


def vehicle_hours(patterns, until: float) -> float:
    """Hours driven by runs up to ``until``."""
    hours = 0.0
    for p in patterns:
        dur = p.path_times[-1] if len(p.path_times) else 0.0
        hours += float(np.clip(until - p.run_starts, 0.0, dur).sum()) / 3600.0
    return hours


def bus_kpis(bus, until: float | None = None) -> dict:
    """Boardings, mean wait and ride, vehicle-km/-hours, passenger-km and mean load up to ``until``.

    Parameters
    ----------
    bus
        A :class:`~kaicity.services.bus.BusNetwork` (its ``patterns``, ``boardings``,
        ``wait_s_total``, ``in_vehicle_s_total``, ``passenger_m``, ``capacity``, ``horizon_s``).
    until
        Clock (s) the indicators run to; default the horizon.
    """
    until = bus.horizon_s if until is None else until
    patterns = bus.patterns
    vkm = vehicle_km(patterns, until)
    pkm = bus.passenger_m / 1000.0
    max_load = max((int(p.loads.max()) for p in patterns if p.loads.size), default=0)
    n = max(bus.boardings, 1)
    return {
        "lines": len({p.line.rstrip("r") for p in patterns}),
        "patterns": len(patterns),
        "stops": int(sum(len(p.stops) for p in patterns)),
        "runs": runs_started(patterns, until),
        "boardings": bus.boardings,
        "transfers": bus.transfers,
        "feeders": bus.feeders_built,
        "stop_coverage_by_zone": bus.stop_coverage(),
        "wait_mean_min": bus.wait_s_total / n / 60.0 if bus.boardings else None,
        "in_vehicle_mean_min": bus.in_vehicle_s_total / n / 60.0 if bus.boardings else None,
        "vehicle_km": vkm,
        "vehicle_hours": vehicle_hours(patterns, until),
        "passenger_km": pkm,
        "mean_load": pkm / vkm if vkm > 0 else 0.0,
        "max_load": max_load,
        "capacity": bus.capacity,
        "seats_per_run_simulated": bus.capacity / max(bus.scale, 1.0),
    }
