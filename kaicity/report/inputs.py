"""The inputs section of ``report.md``: real vs rule-placed facilities, the population layer, the GTFS feed."""

from __future__ import annotations

from kaicity.categories import CATEGORIES
from kaicity.network.facilities_file import facilities_by_source


def facility_sources_markdown(city) -> list[str]:
    """Markdown lines: real (OSM or file) vs rule-placed facilities per category, and a warning when a real
    street map shows rule-placed ones."""
    counts = facilities_by_source(city.facilities)
    lines = ["## Facilities", "",
             "| category | real (OSM or file) | placed by rule |", "|---|---|---|"]
    lines += [f"| {c} | {counts[c]['real']:,} | {counts[c]['placed']:,} |" for c in CATEGORIES]
    placed = [c for c in CATEGORIES if counts[c]["placed"]]
    real_map = not str(city.source).startswith("synthetic") and city.name != "synthetic"
    if placed and real_map:
        n = sum(counts[c]["placed"] for c in placed)
        lines += ["", f"**Warning:** {n:,} of the facilities on this real street map are not real places: they "
                      f"were placed by a rule ({', '.join(placed)}); results for these categories describe a "
                      "made-up supply. Give their real locations in `city.facilities_file`."]
    note = city.report.get("facilities_file") if isinstance(city.report, dict) else None
    if note:
        lines += ["", f"Facilities file `{note['file']}` ({note['mode']}): {note['rows']:,} rows, "
                      f"{note['off_network']:,} left out off the streets, {note['replaced']:,} city facilities "
                      "replaced."]
    return lines + [""]


def population_source_markdown(note: dict | None) -> list[str]:
    """One paragraph on the population layer (``population.source``), or nothing without one."""
    if not note:
        return []
    return [f"Population from `{note['file']}`: {note['features_used']:,} of {note['features']:,} features hold "
            f"walk nodes; {note['people']:,.0f} people in the layer, {note['people_left_out']:,.0f} left out "
            f"(in features without a walk node); {note['walk_nodes_outside']:,} walk nodes lie outside every "
            "feature (no homes there).", ""]


def gtfs_markdown(note: dict | None) -> list[str]:
    """One paragraph on the GTFS feed (``transit.bus.gtfs``), or nothing without one."""
    if not note:
        return []
    return [f"Buses from GTFS `{note['file']}` on {note['service_date']}: {note['routes']:,} routes, "
            f"{note['patterns']:,} route directions, {note['trips']:,} trips a day, {note['stops']:,} stops "
            f"snapped to the drive graph (mean {note['snap_m_mean']:.0f} m, max {note['snap_m_max']:.0f} m; "
            f"{note['stops_outside_city']:,} stops outside the city cut off).", ""]


def inputs_markdown(model) -> list[str]:
    """The inputs section of a run's ``report.md``."""
    return (facility_sources_markdown(model.city)
            + population_source_markdown(model.population_report.get("population_source"))
            + gtfs_markdown(model.simulated.get("bus_gtfs")))
