"""The report of one run: ``summary.json``, CSVs, ``report.md`` and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from kaicity.categories import ZONES
from kaicity.kpi_labels import kpi_label, kpi_text
from kaicity.metrics import summarize, trips_frame
from kaicity.metrics.drt import drt_legs
from kaicity.plots import subplots
from kaicity.plots.channels import CHANNEL_COLOURS as DELIVERY_COLOURS
from kaicity.plots.fonts import korean_text
from kaicity.report.common import GROUP_ROWS, _fmt, _json_default
from kaicity.report.costs import run_cost_lines
from kaicity.report.gis import reporting_zones, write_gis, zone_kpis, zone_lines
from kaicity.report.inputs import inputs_markdown
from kaicity.report.targets import target_rows, targets_markdown


def write_run(model, out: Path) -> dict:
    """Write a finished run's outputs into ``out`` and return ``summary.json``'s content."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    zones = reporting_zones(model)  # read first: a bad layer fails before anything is written
    trips = trips_frame(model)
    kpis = summarize(model, trips)
    if zones is not None:
        kpis["by_reporting_zone"] = zone_kpis(model, trips, zones)
    summary = {
        "scenario": model.scenario.name,
        "description": model.scenario.description,
        "seed": model.run_seed,
        "days": model.days,
        "residents": model.population.n,
        "population_scale": model.population.scale,
        "city": model.city.summary(),
        "warnings": list(getattr(model, "warnings", [])),  # requests the model adjusted
        "simulated": dict(getattr(model, "simulated", {})),  # capacities after population.scale
        "kpis": kpis,
    }
    if model.scenario.targets:  # observed vs simulated (kaicity.report.targets); absent without targets
        summary["targets"] = target_rows([t.model_dump() for t in model.scenario.targets], [kpis])
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default))
    ts = model.datacollector.get_model_vars_dataframe()
    ts.index.name = "tick"
    ts.to_csv(out / "timeseries.csv")
    trips.to_csv(out / "trips.csv", index=False)
    if model.drt is not None:
        drt_legs(model.drt).to_csv(out / "drt_legs.csv", index=False)
    with korean_text():
        plots = plot_run(model, trips, ts, out)
    maps, gis_notes = write_gis(model, trips, out, zones)
    (out / "report.md").write_text(run_markdown(summary, plots + maps, gis_notes) + "\n".join(inputs_markdown(model)))
    return summary


def plot_run(model, trips: pd.DataFrame, ts: pd.DataFrame, out: Path) -> list[str]:
    """PNG plots of one run; returns their file names."""
    names = []
    met = trips[trips["outcome"] == "met"]
    fig, axes = subplots(1, 2, figsize=(11, 4))
    for ax, (label, mask) in zip(axes, (("elderly", met["group"] == "elderly"),
                                        ("non-elderly", met["group"] != "elderly")), strict=True):
        counts = met[mask]["delivery"].value_counts()
        keys = [k for k in DELIVERY_COLOURS if k in counts]
        ax.bar(keys, [counts[k] for k in keys], color=[DELIVERY_COLOURS[k] for k in keys])
        ax.set_title(f"Needs met by channel — {label}")
        ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(out / "met_by_channel.png", dpi=110)
    names.append("met_by_channel.png")

    fig, ax = subplots(figsize=(6, 4))
    for label, mask in (("elderly", met["group"] == "elderly"), ("non-elderly", met["group"] != "elderly")):
        v = met[mask]["time_to_service_min"].dropna()
        if len(v):
            ax.hist(v.clip(upper=180), bins=36, alpha=0.6, label=label)
    ax.set_xlabel("time to service (min, capped at 180)")
    ax.set_ylabel("needs")
    ax.legend()
    ax.set_title(f"Time to service — {model.scenario.name}")
    fig.tight_layout()
    fig.savefig(out / "time_to_service.png", dpi=110)
    names.append("time_to_service.png")

    fig, ax = subplots(figsize=(6, 4))
    ax.plot(ts["time_h"], ts["literacy_elderly_mean"], label="elderly mean literacy")
    ax.plot(ts["time_h"], ts["able_ai_elderly_share"], label="elderly able to use AI alone")
    ax.set_xlabel("hours")
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title("Digital inclusion")
    fig.tight_layout()
    fig.savefig(out / "literacy.png", dpi=110)
    names.append("literacy.png")
    if model.drt is not None:
        from kaicity.plots.drt import plot_drt

        names.extend(plot_drt(model.drt, out))
    return names


def _forgone_lines(rows: list[tuple[str, dict]]) -> list[str]:
    """Table of forgone needs by reason (columns) for each group and zone row; none when nothing was forgone."""
    reasons = [r for r in rows[0][1].get("forgone_by_reason", {}) if rows[0][1]["forgone_by_reason"][r]]
    if not reasons:
        return []
    out = ["", "Forgone needs by reason (docs/odd.md, \"Opening hours, retries and forgone needs\"); pending at "
           "the end: " + _fmt(rows[0][1]["pending"]) + ".", "",
           "| group | " + " | ".join(reasons) + " |", "|---|" + "---|" * len(reasons)]
    for name, b in rows:
        out.append(f"| {name} | " + " | ".join(_fmt(b["forgone_by_reason"][r]) for r in reasons) + " |")
    return out


def _kpi_line(key: str, value) -> str:
    """``- Label: value``, label and decimals from :mod:`kaicity.kpi_labels`."""
    text = kpi_text(key)
    return f"- {text[:1].upper() + text[1:]}: {_fmt(value, digits=kpi_label(key).digits)}"


def run_markdown(summary: dict, plots: list[str], gis_notes: list[str] | None = None) -> str:
    """Markdown report of one run (``gis_notes``: lines about its GIS outputs, before the figures)."""
    k = summary["kpis"]
    lines = [f"# {summary['scenario']}", "", summary.get("description") or "", "",
             f"Seed {summary['seed']}, {summary['days']} day(s), {summary['residents']:,} agents "
             f"× {summary['population_scale']} people. City: {summary['city']['name']} "
             f"({summary['city']['walk_nodes']:,} walk nodes).", ""]
    sim = summary.get("simulated") or {}
    if "drt_vehicles" in sim or "bus_seats_per_run" in sim:
        lines += [f"Simulated fleet: {sim.get('drt_vehicles', 0)} DRT van(s); "
                  f"{_fmt(sim.get('bus_seats_per_run'))} bus seats per run (mean, agents).", ""]
    if summary.get("warnings"):  # requests the model could not meet exactly
        lines += ["## Warnings", "", *[f"- {w}" for w in summary["warnings"]], ""]
    lines += ["## Needs", "", f"| group | needs | met | forgone | {kpi_text('overall.time_to_service_min.mean')} | "
              "p95 (min) |", "|---|---|---|---|---|---|"]
    rows = [("all", k["overall"])] + [(g, k["by_group"][g]) for g in GROUP_ROWS] + \
        [(z, k["by_zone"][z]) for z in ZONES]
    for name, b in rows:
        lines.append(f"| {name} | {_fmt(b['needs'])} | {_fmt(b['met_share'], True)} | "
                     f"{_fmt(b['unmet_share'], True)} | {_fmt(b['time_to_service_min']['mean'])} | "
                     f"{_fmt(b['time_to_service_min']['p95'])} |")
    lines += _forgone_lines(rows)
    acc = k["access"]
    lines += ["", "## 15-minute access", "", (f"| group | {kpi_text('access.overall.index_15min')} "
                                         f"| effective access: {kpi_text('access.overall.effective_index')} |"),
              "|---|---|---|"]
    for name, b in [("all", acc["overall"])] + list(acc["by_group"].items()) + list(acc["by_zone"].items()):
        if b.get("residents"):
            lines.append(f"| {name} | {_fmt(b['index_15min'], True)} | {_fmt(b['effective_index'], True)} |")
    eq, inc, cost = k["equity"], k["digital_inclusion"], k["cost"]
    lines += ["", "## Equity and inclusion", "",
              *[_kpi_line(f"equity.{key}", eq[key])
                for key in ("gini_time_to_service", "elderly_vs_non_elderly_time_ratio", "rural_vs_core_time_ratio")],
              f"- Elderly mean literacy: {_fmt(inc['elderly_literacy_start'], digits=3)} → "
              f"{_fmt(inc['elderly_literacy_end'], digits=3)}",
              f"- AI uses: {_fmt(k['ai']['uses'])} ({_fmt(k['ai']['energy_kwh'], digits=2)} kWh)", ""]
    lines += run_cost_lines(cost)
    lines += targets_markdown(summary.get("targets") or [])
    lines += zone_lines(summary) + list(gis_notes or [])
    lines += [f"![{p}]({p})" for p in plots]
    return "\n".join(lines) + "\n"
