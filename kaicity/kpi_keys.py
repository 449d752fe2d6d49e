"""The registry of KPI keys: every numeric leaf of ``summary.json``'s ``kpis``, as dotted patterns.

A scenario's ``targets`` name a KPI by its dotted key (``transit.drt.rides_per_day``).  The
scenario layer cannot import :mod:`kaicity.metrics` (it sits below it), so the names live here,
beside :mod:`kaicity.categories`, and a target naming a key that no pattern matches is a scenario
error.  A key that is known but absent from a run (DRT off, or a KPI announced but not built yet)
is reported as "not simulated", not an error.

Placeholders: ``{group}`` (elderly, non_elderly, child, adult), ``{zone}``, ``{category}``,
``{channel}`` (a delivery channel), ``{stat}`` (mean, median, p95, max); ``*`` is any one key
segment (open maps: reasons, hours).  ``tests/test_kpi_keys.py`` holds the registry to the
shipped scenarios' outputs: every numeric KPI they write matches a pattern, and every pattern
(except :data:`ANNOUNCED`) matches a KPI they write.  **A new KPI is added here too**, and its label
to :mod:`kaicity.kpi_labels` (``tests/test_kpi_labels.py`` fails on a pattern without one).

This module imports only :mod:`kaicity.categories`, so any layer may use it.
"""

from __future__ import annotations

import difflib
import re
from functools import cache

from kaicity.categories import CATEGORIES, GROUPS, ZONES

#: Delivery channels of ``met_by_delivery`` (the palette in :mod:`kaicity.plots.channels`).
CHANNELS: tuple[str, ...] = ("walk", "car", "bus", "drt", "ai_remote", "online", "support_centre")

_NEED = ("needs", "met", "forgone", "pending", "met_share", "unmet_share", "time_to_service_min.{stat}",
         "met_by_delivery.{channel}", "forgone_by_reason.*")
_ACCESS = ("residents", "coverage_15min.{category}", "index_15min", "effective_access.{category}",
           "effective_index")
_BUS = ("lines", "patterns", "stops", "runs", "boardings", "transfers", "feeders", "stop_coverage_by_zone.{zone}",
        "wait_mean_min", "in_vehicle_mean_min", "vehicle_km", "vehicle_hours", "passenger_km", "mean_load",
        "max_load", "capacity", "seats_per_run_simulated")
_DRT = ("vehicles", "capacity", "virtual_stops", "virtual_stop_spacing_m", "requests", "booked", "declined_offers",
        "rejected", "rejections.*", "rejections_at_booking.*", "rejection_rate", "rides_completed",
        "rides_per_day", "population_scale", "rides_per_day_scaled", "wait_min.{stat}", "wait_share_under_10_min",
        "wait_share_under_15_min", "in_vehicle_min.{stat}", "direct_min", "walk_min", "detour_factor.{stat}",
        "pooled_share", "occupancy_by_hour.*", "mean_occupancy", "passengers_per_vehicle_hour", "vehicle_km",
        "empty_km", "rebalancing_km", "depot_km", "passenger_km", "vehicle_hours", "driving_hours",
        "rebalancing_moves", "batch_rounds", "batch_improved", "booking_to_pickup_min.{stat}",
        "rides_per_day_simulated", "vehicles_on_duty_by_hour", "vehicles_on_duty_by_hour.*")
_AI = ("uses", "uses_by_category.{category}", "share_of_needs", "energy_kwh", "online_uses", "failed_sessions",
       "online_failed_sessions")
_INCLUSION = ("elderly_literacy_start", "elderly_literacy_end", "elderly_able_ai_start", "elderly_able_ai_end",
              "support_centre_sessions", "training_visits.*")
_EQUITY = ("gini_time_to_service", "elderly_vs_non_elderly_time_ratio", "elderly_vs_non_elderly_unmet_ratio",
           "rural_vs_core_time_ratio", "rural_vs_core_unmet_ratio")
_COST = ("facilities", "bus", "drt", "support_centres", "online", "ai", "total", "per_met_need",
         "per_met_need_elderly", "carbon_kg", "items.*", "units.*", "units.*.*")


def _under(prefix: str, leaves: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{prefix}.{leaf}" for leaf in leaves)


#: Every KPI key pattern of ``summary.json``'s ``kpis``.
PATTERNS: tuple[str, ...] = (
    *_under("overall", _NEED), *_under("by_group.{group}", _NEED), *_under("by_zone.{zone}", _NEED),
    *_under("by_category.{category}", _NEED),
    *_under("access.overall", _ACCESS), *_under("access.by_group.{group}", _ACCESS),
    *_under("access.by_zone.{zone}", _ACCESS), "access.gini_nearest_walk_time",
    *_under("transit.bus", _BUS), *_under("transit.drt", _DRT), *_under("ai", _AI),
    *_under("digital_inclusion", _INCLUSION), *_under("equity", _EQUITY), *_under("cost", _COST),
)

#: Patterns announced by work in progress (issue 14, the Sejong fit): valid target names that the
#: shipped scenarios do not write yet; a target on one shows "not simulated" until they do.
ANNOUNCED: frozenset[str] = frozenset()

_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "group": ("elderly", "non_elderly", *GROUPS[:2]), "zone": ZONES, "category": CATEGORIES,
    "channel": CHANNELS, "stat": ("mean", "median", "p95", "max"),
}


def _regex(pattern: str) -> str:
    out = re.escape(pattern).replace(r"\*", "[A-Za-z0-9_]+")
    for name, values in _PLACEHOLDERS.items():
        out = out.replace(re.escape("{" + name + "}"), "(?:" + "|".join(map(re.escape, values)) + ")")
    return out


@cache
def _compiled() -> list[tuple[str, re.Pattern[str]]]:
    return [(p, re.compile(_regex(p))) for p in PATTERNS]


def pattern_of(key: str) -> str | None:
    """The registry pattern a dotted KPI key matches (``None``: not a KPI key)."""
    for pattern, rx in _compiled():
        if rx.fullmatch(key):
            return pattern
    return None


def is_kpi_key(key: str) -> bool:
    """Whether ``key`` names a numeric KPI of ``summary.json``'s ``kpis``."""
    return pattern_of(key) is not None


@cache
def _examples() -> tuple[str, ...]:
    """Concrete keys for suggestions: each pattern with its placeholders filled in every way (``*`` kept)."""
    keys = list(PATTERNS)
    for name, values in _PLACEHOLDERS.items():
        slot = "{" + name + "}"
        keys = [filled for k in keys for filled in ([k.replace(slot, v) for v in values] if slot in k else [k])]
    return tuple(dict.fromkeys(keys))


def suggest(key: str) -> str | None:
    """The known KPI key closest to a mistyped one (``None`` when nothing is close)."""
    close = difflib.get_close_matches(key, _examples(), n=1, cutoff=0.75)
    return close[0] if close else None
