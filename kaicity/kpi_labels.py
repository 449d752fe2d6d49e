"""The one home of KPI labels: each KPI key's name, unit, better direction, decimals and description.

Every face that shows a KPI by name (the reports, the decomposition, the plots, the sweeps and the
explorations) reads it here, so one KPI reads the same everywhere.  The labels follow
:data:`kaicity.kpi_keys.PATTERNS`: each pattern is a block prefix (``overall``,
``by_group.{group}``, ``transit.drt``, ...) and a leaf; a prefix gives a qualifier
(``by_group.elderly`` -> ``elderly: ``) and a leaf its :class:`KpiLabel`.  A placeholder or ``*``
of the key is filled into the name (``time_to_service_min.p95`` -> ``time to service, p95``).

``tests/test_kpi_labels.py`` holds this registry to :mod:`kaicity.kpi_keys`: every pattern has a
label and every label's pattern exists.  **A new KPI key gets its label here too.**

This module imports only :mod:`kaicity.kpi_keys` (a foundation), so any layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from kaicity.kpi_keys import pattern_of

#: Unit of a share (a fraction 0-1): shown as a percentage, its differences in percentage points.
SHARE = "share"
#: How a placeholder value reads in a label (values not listed read with ``_`` as a space).
_WORDS = {"non_elderly": "non-elderly", "drt": "DRT", "ai_remote": "AI remote services", "walk": "walking",
          "support_centre": "support centres", "ai": "AI services", "support_centres": "AI support centres",
          "online": "online e-government", "facilities": "facilities (staff and overhead)", "bus": "buses"}

#: The cost components of ``summary.json``'s ``cost`` in words, in report order.
COST_COMPONENTS: dict[str, str] = {c: _WORDS[c] for c in ("facilities", "bus", "drt", "support_centres", "online",
                                                          "ai")}


@dataclass(frozen=True)
class KpiLabel:
    """How one KPI is shown.

    Attributes
    ----------
    name
        Its name in words, without the unit (``elderly: time to service, mean``).
    unit
        The unit of ``summary.json``'s value, spelled out (``min``, ``KRW``, ``kWh``); :data:`SHARE`
        for a fraction 0-1 (shown as %, differences in pp); ``""`` for counts and pure numbers.
    better
        +1 when higher is better, -1 when lower is better, 0 when neither.
    digits
        Decimals shown (of the percentage, for a share).
    description
        One sentence on what it measures.
    """

    name: str
    unit: str
    better: int
    digits: int
    description: str

    @property
    def share(self) -> bool:
        """Whether the value is a share (shown as a percentage)."""
        return self.unit == SHARE

    def text(self, share_unit: str = "") -> str:
        """The label with its unit: ``name (unit)``; a share shows ``share_unit`` (``pp``, ``%``) or nothing."""
        unit = share_unit if self.share else self.unit
        return f"{self.name} ({unit})" if unit else self.name


def _k(name: str, unit: str, better: int, description: str, digits: int = 1) -> KpiLabel:
    return KpiLabel(name, unit, better, digits, description)


_NEED = {
    "needs": _k("needs arisen", "", 0, "Needs that arose during the run (people)."),
    "met": _k("needs met, number", "", +1, "Needs met by any channel (people)."),
    "forgone": _k("needs forgone, number", "", -1, "Needs given up without being met (people)."),
    "pending": _k("needs pending at the end", "", 0, "Needs neither met nor forgone when the run ended."),
    "met_share": _k("needs met", SHARE, +1, "Needs met / needs arisen."),
    "unmet_share": _k("needs forgone", SHARE, -1, "Needs forgone / needs arisen."),
    "time_to_service_min.{stat}": _k("time to service, {stat}", "min", -1,
                                     "Minutes from a need arising to its being met, over met needs."),
    "met_by_delivery.{channel}": _k("needs met by {channel}", "", 0, "Needs met through one delivery channel."),
    "forgone_by_reason.*": _k("needs forgone: {*}", "", -1, "Needs forgone, by the reason they were given up."),
}
_ACCESS = {
    "residents": _k("residents", "", 0, "Residents of the group or zone (people)."),
    "coverage_15min.{category}": _k("{category} within a 15-min walk", SHARE, +1,
                                    "Share of residents whose nearest open facility of the category is within "
                                    "a 15-minute walk (static)."),
    "index_15min": _k("15-min walking index (static)", SHARE, +1,
                      "Share of residents x categories with the nearest open facility within a 15-minute walk."),
    "effective_access.{category}": _k("{category} needs met within 15 min, any channel", SHARE, +1,
                                      "Share of the category's needs met within 15 minutes of arising, by any "
                                      "channel."),
    "effective_index": _k("needs met within 15 min, any channel", SHARE, +1,
                          "Effective access: share of needs met within 15 minutes of arising, by any channel."),
}
_BUS = {
    "lines": _k("bus lines", "", 0, "Bus lines run."),
    "patterns": _k("bus line patterns", "", 0, "Bus line patterns (one per direction and variant)."),
    "stops": _k("bus stops, over patterns", "", 0, "Stops served, summed over the patterns."),
    "runs": _k("bus runs", "", 0, "Bus runs started."),
    "boardings": _k("bus boardings", "", 0, "Boardings of fixed-route buses (people)."),
    "transfers": _k("bus transfers", "", 0, "Transfers between bus lines."),
    "feeders": _k("bus feeder lines built", "", 0, "Feeder lines built to reach uncovered homes."),
    "stop_coverage_by_zone.{zone}": _k("{zone}: homes near a bus stop", SHARE, +1,
                                       "Share of homes within the coverage walk of a bus stop."),
    "wait_mean_min": _k("bus wait, mean", "min", -1, "Mean wait at the bus stop."),
    "in_vehicle_mean_min": _k("bus ride, mean", "min", -1, "Mean time on board a bus."),
    "vehicle_km": _k("bus vehicle-km", "km", 0, "Kilometres driven by bus runs."),
    "vehicle_hours": _k("bus vehicle-hours", "h", 0, "Hours driven by bus runs."),
    "passenger_km": _k("bus passenger-km", "km", 0, "Kilometres travelled by bus passengers."),
    "mean_load": _k("bus mean load", "passengers", 0, "Passenger-km / vehicle-km."),
    "max_load": _k("bus maximum load", "passengers", 0, "Most passengers on board a bus at once."),
    "capacity": _k("bus seats per run", "", 0, "Seats of a bus run (people)."),
    "seats_per_run_simulated": _k("bus seats per run, simulated", "", 0, "Seats of a bus run in agents."),
}
_DRT = {
    "vehicles": _k("DRT vans", "", 0, "DRT vans in service."),
    "capacity": _k("DRT seats per van", "", 0, "Seats of a DRT van."),
    "virtual_stops": _k("DRT virtual stops", "", 0, "Virtual stops of the DRT service area."),
    "virtual_stop_spacing_m": _k("DRT virtual-stop spacing", "m", 0, "Mean spacing of the virtual stops."),
    "requests": _k("DRT requests", "", 0, "Trips asked of DRT (quotes and bookings, each trip once)."),
    "booked": _k("DRT rides booked", "", 0, "Rides booked."),
    "declined_offers": _k("DRT offers declined", "", 0, "Offers the rider turned down."),
    "rejected": _k("DRT requests rejected", "", -1, "Requests DRT could not serve."),
    "rejections.*": _k("DRT rejections: {*}", "", -1, "Rejected requests, by reason."),
    "rejections_at_booking.*": _k("DRT rejections at booking: {*}", "", -1,
                                  "Requests rejected at booking, by reason."),
    "rejection_rate": _k("DRT rejection rate", SHARE, -1, "Rejected requests / requests."),
    "rides_completed": _k("DRT rides completed", "", 0, "Rides dropped off."),
    "rides_per_day": _k("DRT rides per day", "", 0, "Booked rides per day (people)."),
    "population_scale": _k("population scale", "", 0, "Real people per resident agent."),
    "rides_per_day_scaled": _k("DRT rides per day, scaled", "", 0, "Booked rides per day (people)."),
    "wait_min.{stat}": _k("DRT wait at the stop, {stat}", "min", -1,
                          "Wait at the pickup point, from ready there to boarding."),
    "wait_share_under_10_min": _k("DRT waits under 10 min", SHARE, +1, "Share of waits at the stop under 10 min."),
    "wait_share_under_15_min": _k("DRT waits under 15 min", SHARE, +1, "Share of waits at the stop under 15 min."),
    "in_vehicle_min.{stat}": _k("DRT ride time, {stat}", "min", -1, "Time on board, boarding to alighting."),
    "direct_min": _k("DRT direct drive time, mean", "min", 0, "Mean drive time of the rides without detour."),
    "walk_min": _k("DRT walk to and from stops, mean", "min", -1, "Mean walk to the pickup and from the dropoff."),
    "detour_factor.{stat}": _k("DRT detour factor, {stat}", "", -1, "Ride time / direct drive time.", 2),
    "pooled_share": _k("DRT rides pooled", SHARE, 0, "Share of rides that shared the van."),
    "occupancy_by_hour.*": _k("DRT occupancy at hour {*}", "passengers", 0, "Mean passengers per van in the hour.",
                              2),
    "mean_occupancy": _k("DRT mean occupancy", "passengers", 0, "Passenger-km / vehicle-km.", 2),
    "passengers_per_vehicle_hour": _k("DRT passengers per vehicle-hour", "", +1,
                                      "Boardings / on-duty vehicle-hours.", 2),
    "vehicle_km": _k("DRT vehicle-km", "km", 0, "Kilometres driven by the vans."),
    "empty_km": _k("DRT empty km", "km", -1, "Kilometres driven without passengers."),
    "rebalancing_km": _k("DRT rebalancing km", "km", 0, "Kilometres driven to rebalance the fleet."),
    "depot_km": _k("DRT depot km", "km", 0, "Kilometres driven to and from depots."),
    "passenger_km": _k("DRT passenger-km", "km", 0, "Kilometres travelled by passengers."),
    "vehicle_hours": _k("DRT vehicle-hours on duty", "h", 0, "Hours the vans were on duty."),
    "driving_hours": _k("DRT driving hours", "h", 0, "Hours the vans drove."),
    "rebalancing_moves": _k("DRT rebalancing moves", "", 0, "Moves made to rebalance the fleet."),
    "batch_rounds": _k("DRT batch rounds", "", 0, "Rounds of batch re-optimisation."),
    "batch_improved": _k("DRT batch improvements", "", 0, "Batch rounds that improved the plan."),
    "booking_to_pickup_min.{stat}": _k("DRT wait from booking to pickup, {stat}", "min", -1,
                                       "Wait the rider counts: request to boarding, walk included."),
    "rides_per_day_simulated": _k("DRT rides per day, simulated", "", 0, "Booked rides per day (agents)."),
    "vehicles_on_duty_by_hour": _k("DRT vans on duty by hour", "", 0, "Vans on duty, by hour of the day."),
    "vehicles_on_duty_by_hour.*": _k("DRT vans on duty at hour {*}", "", 0, "Vans on duty in the hour."),
}
_AI = {
    "uses": _k("AI service uses", "", 0, "Needs served by AI remote services (people)."),
    "uses_by_category.{category}": _k("AI service uses: {category}", "", 0, "AI remote service uses, by category."),
    "share_of_needs": _k("needs served by AI", SHARE, 0, "AI uses / needs arisen."),
    "energy_kwh": _k("AI energy", "kWh", -1, "IT energy of the AI sessions.", 2),
    "online_uses": _k("online e-government uses", "", 0, "Needs served online (people)."),
    "failed_sessions": _k("failed AI sessions", "", -1, "AI sessions that failed (the resident could not finish)."),
    "online_failed_sessions": _k("failed online sessions", "", -1, "Online sessions that failed."),
}
_INCLUSION = {
    "elderly_literacy_start": _k("elderly literacy (start)", "", +1, "Elderly mean digital literacy (0-1) at the "
                                 "start.", 3),
    "elderly_literacy_end": _k("elderly literacy (end)", "", +1, "Elderly mean digital literacy (0-1) at the end.", 3),
    "elderly_able_ai_start": _k("elderly able to use AI alone (start)", SHARE, +1,
                                "Share of the elderly literate enough to use AI services alone, at the start."),
    "elderly_able_ai_end": _k("elderly able to use AI alone (end)", SHARE, +1,
                              "Share of the elderly literate enough to use AI services alone, at the end."),
    "support_centre_sessions": _k("support centre sessions", "", 0, "Assisted sessions at AI support centres."),
    "training_visits.*": _k("training visits: {*}", "", 0, "Visits to learn at a support centre, by group."),
}
_EQUITY = {
    "gini_time_to_service": _k("Gini of time to service", "", -1, "Gini coefficient of residents' mean time to "
                               "service.", 3),
    "elderly_vs_non_elderly_time_ratio": _k("elderly / non-elderly time-to-service ratio", "", -1,
                                            "Elderly mean time to service / non-elderly.", 2),
    "elderly_vs_non_elderly_unmet_ratio": _k("elderly / non-elderly forgone-needs ratio", "", -1,
                                             "Elderly forgone share / non-elderly.", 2),
    "rural_vs_core_time_ratio": _k("rural / core time-to-service ratio", "", -1,
                                   "Rural mean time to service / core.", 2),
    "rural_vs_core_unmet_ratio": _k("rural / core forgone-needs ratio", "", -1, "Rural forgone share / core.", 2),
}
_COST = {
    **{c: _k(f"cost of {name}", "KRW", -1, "One cost component over the run.")
       for c, name in COST_COMPONENTS.items()},
    "total": _k("cost, total", "KRW", -1, "Cost of every service over the run."),
    "per_met_need": _k("cost per met need", "KRW", -1, "Total cost / needs met."),
    "per_met_need_elderly": _k("cost per met elderly need", "KRW", -1,
                               "The elderly's share of the cost (by their share of needs) / their needs met."),
    "carbon_kg": _k("AI compute carbon", "kg CO2e", -1, "Carbon of the AI compute: IT kWh x PUE x grid factor."),
    "items.*": _k("cost item: {*}", "KRW", -1, "One priced item of the cost."),
    "units.*": _k("cost units: {*}", "", 0, "A count of real units the cost is priced on."),
    "units.*.*": _k("cost units: {*}, {*}", "", 0, "A count of real units, by category."),
}
_GINI_WALK = _k("Gini of walking time to the nearest facility", "", -1,
                "Gini coefficient of residents' walking time to the nearest facility.", 3)

#: Each block of :data:`kaicity.kpi_keys.PATTERNS`: (prefix pattern, qualifier of the names, leaves).
BLOCKS: tuple[tuple[str, str, dict[str, KpiLabel]], ...] = (
    ("overall", "", _NEED), ("by_group.{group}", "{group}: ", _NEED), ("by_zone.{zone}", "{zone}: ", _NEED),
    ("by_category.{category}", "{category}: ", _NEED),
    ("access.overall", "", _ACCESS), ("access.by_group.{group}", "{group}: ", _ACCESS),
    ("access.by_zone.{zone}", "{zone}: ", _ACCESS), ("access", "", {"gini_nearest_walk_time": _GINI_WALK}),
    ("transit.bus", "", _BUS), ("transit.drt", "", _DRT), ("ai", "", _AI), ("digital_inclusion", "", _INCLUSION),
    ("equity", "", _EQUITY), ("cost", "", _COST),
)

#: KPIs of a comparison only (``comparison.csv``), not of one run's ``summary.json``.
COMPARISON_LABELS: dict[str, KpiLabel] = {
    "cost.per_additional_met_need": _k("cost per additional need met", "KRW", -1,
                                       "Paired difference in total cost / in needs met, against the baseline.", 0),
    "cost.per_additional_met_need_elderly": _k("cost per additional elderly need met", "KRW", -1,
                                               "Paired difference in total cost / in elderly needs met (an upper "
                                               "bound).", 0),
}


@cache
def labels() -> dict[str, KpiLabel]:
    """``{pattern: label}`` of every block's leaves, the names still holding their placeholders."""
    out: dict[str, KpiLabel] = {}
    for prefix, qualifier, leaves in BLOCKS:
        for leaf, lab in leaves.items():
            out[f"{prefix}.{leaf}"] = replace(lab, name=qualifier + lab.name)
    return out


def _fill(name: str, pattern: str, key: str) -> str:
    """``name`` with each placeholder / ``*`` replaced by the key's segment in its place, in words."""
    for seg, value in zip(pattern.split("."), key.split("."), strict=True):
        if seg == "*" or (seg.startswith("{") and seg.endswith("}")):
            name = name.replace("{*}" if seg == "*" else seg, _WORDS.get(value, value.replace("_", " ")), 1)
    return name


def kpi_label(key: str) -> KpiLabel:
    """The label of a concrete dotted KPI key (``by_group.elderly.met_share``), placeholders filled in.

    Raises
    ------
    KeyError
        When ``key`` is not a KPI key of :mod:`kaicity.kpi_keys` nor of :data:`COMPARISON_LABELS`.
    """
    if key in COMPARISON_LABELS:
        return COMPARISON_LABELS[key]
    pattern = pattern_of(key)
    if pattern is None:
        raise KeyError(f"{key!r} is not a KPI key of kaicity.kpi_keys")
    lab = labels()[pattern]
    return replace(lab, name=_fill(lab.name, pattern, key))


def kpi_text(key: str, share_unit: str = "") -> str:
    """A KPI's label with its unit (:meth:`KpiLabel.text`): ``elderly: time to service, mean (min)``."""
    return kpi_label(key).text(share_unit)


def kpi_text_or_key(key: str, share_unit: str = "") -> str:
    """:func:`kpi_text` of a KPI key, or the key itself when it has none (a key of a user's own choosing)."""
    try:
        return kpi_text(key, share_unit)
    except KeyError:
        return key


def is_share(key: str) -> bool:
    """Whether the KPI is a share (shown as a percentage; its differences in pp)."""
    return kpi_label(key).share


__all__ = ["BLOCKS", "COMPARISON_LABELS", "COST_COMPONENTS", "SHARE", "KpiLabel", "is_share", "kpi_label", "kpi_text",
           "kpi_text_or_key", "labels"]
