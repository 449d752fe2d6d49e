"""The comparison report: ``comparison.md``, ``comparison.csv`` and plots for paired runs."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from kaicity.metrics.needs import delivery_share
from kaicity.plots import subplots
from kaicity.plots.channels import CHANNEL_COLOURS as DELIVERY_COLOURS
from kaicity.plots.fonts import korean_text
from kaicity.report.common import GROUP_ROWS, _fmt, flatten, kpi_row
from kaicity.report.costs import COST_HEADLINE, cost_explain_line, gain_csv_rows, gain_table_rows, gain_text
from kaicity.report.gis import write_difference
from kaicity.report.losses import gains_and_losses
from kaicity.report.targets import comparison_targets_markdown

# --------------------------------------------------------------- comparison
#: KPIs shown in the comparison table: (key, label, format) where format is True for a percentage,
#: False for a plain number (1 decimal) or an int for that many decimals.
#: Labels and formats from :mod:`kaicity.kpi_labels` (:func:`kaicity.report.common.kpi_row`).
HEADLINE = [
    *map(kpi_row, (
        "overall.met_share", "overall.unmet_share", "overall.time_to_service_min.mean",
        "overall.time_to_service_min.p95", "by_group.elderly.met_share", "by_group.elderly.time_to_service_min.mean",
        "by_group.non_elderly.met_share", "by_group.non_elderly.time_to_service_min.mean", "by_zone.core.met_share",
        "by_zone.suburb.met_share", "by_zone.rural.met_share", "by_zone.rural.time_to_service_min.mean",
        "access.by_group.elderly.effective_index", "access.by_zone.rural.effective_index",
        "equity.gini_time_to_service", "equity.elderly_vs_non_elderly_time_ratio", "equity.rural_vs_core_time_ratio",
        "digital_inclusion.elderly_literacy_start", "digital_inclusion.elderly_literacy_end",
        "digital_inclusion.elderly_able_ai_end", "ai.uses", "ai.energy_kwh", "transit.drt.wait_min.mean",
        "transit.drt.rejection_rate", "transit.bus.boardings")),
    *COST_HEADLINE,
]


def comparison_table(summaries: list[dict]) -> pd.DataFrame:
    """Every KPI (rows) by scenario (columns), plus differences to the first scenario."""
    flat = [flatten(s["kpis"]) for s in summaries]
    keys = list(dict.fromkeys(k for f in flat for k in f))
    names = [s["scenario"] for s in summaries]
    df = pd.DataFrame({n: [f.get(k) for k in keys] for n, f in zip(names, flat, strict=True)}, index=keys)
    df.index.name = "kpi"
    base = pd.to_numeric(df[names[0]], errors="coerce")
    for n in names[1:]:
        df[f"{n} - {names[0]}"] = pd.to_numeric(df[n], errors="coerce") - base
    return df


def _needs_and_time_verdict(m0: float, m1: float, t0: float | None, t1: float | None) -> str:
    """Both sides of a group's outcome in words: a loss in time to service is told as plainly as a gain in needs."""
    needs = "more needs met" if m1 > m0 + 1e-9 else ("fewer needs met" if m1 < m0 - 1e-9 else "as many needs met")
    if t0 is None or t1 is None or abs(t1 - t0) < 1e-9:
        return needs
    return f"{needs}, {'served later' if t1 > t0 else 'served sooner'}"


def _swap(exceeds, name: str, key: str) -> bool | None:
    return exceeds(key, name)


def _explain(summaries: list[dict], noise=None, exceeds=None, n_seeds: int = 1) -> list[str]:
    """Plain-language findings: who gains, who is left behind, at what cost (first vs each other).

    ``noise(kpi, scenario)``, when given, returns a note (e.g. `` (within seed noise)``) for a difference;
    ``exceeds(kpi, scenario)`` whether it exceeds seed noise (``None``: unknown).  Losses are listed as
    plainly as gains (:func:`kaicity.report.losses.gains_and_losses`); no sentence credits a component.
    """
    base = summaries[0]

    def within(key: str) -> str:
        return noise(key, other["scenario"]) if noise is not None else ""

    out = []
    for other in summaries[1:]:
        a, b = flatten(base["kpis"]), flatten(other["kpis"])
        out.append(f"### {other['scenario']} compared with {base['scenario']}")
        out.append("")
        for who, key in (("Elderly residents", "by_group.elderly"), ("Non-elderly residents", "by_group.non_elderly"),
                         ("Core residents", "by_zone.core"), ("Suburban residents", "by_zone.suburb"),
                         ("Rural residents", "by_zone.rural")):
            m0, m1 = a.get(f"{key}.met_share"), b.get(f"{key}.met_share")
            t0, t1 = a.get(f"{key}.time_to_service_min.mean"), b.get(f"{key}.time_to_service_min.mean")
            if m0 is None or m1 is None:
                continue
            shifts = []
            for d in DELIVERY_COLOURS:
                d0 = a.get(f"{key}.met_by_delivery.{d}", 0) or 0
                d1 = b.get(f"{key}.met_by_delivery.{d}", 0) or 0
                if d1 != d0:
                    shifts.append((d1 - d0, d))
            shifts.sort(reverse=True)
            gained = ", ".join(f"{d} {'+' if v > 0 else ''}{v:,.0f}" for v, d in shifts[:3])
            out.append(f"- **{who}**: {_needs_and_time_verdict(m0, m1, t0, t1)}: needs met {_fmt(m0, True)} → "
                       f"{_fmt(m1, True)}{within(f'{key}.met_share')}"
                       + (f"; mean time to service {_fmt(t0)} → {_fmt(t1)} min"
                          f"{within(f'{key}.time_to_service_min.mean')}" if t0 is not None and t1 is not None else "")
                       + (f" (largest shifts by channel: {gained})" if gained else "") + ".")
        ai_e = delivery_share(b, "by_group.elderly", "ai_remote")
        ai_o = delivery_share(b, "by_group.non_elderly", "ai_remote")
        if ai_o:
            sc_e = delivery_share(b, "by_group.elderly", "support_centre")
            out.append(f"- The AI divide: {_fmt(ai_e, True)} of elderly needs are met through AI remote services "
                       f"against {_fmt(ai_o, True)} of non-elderly needs, and another {_fmt(sc_e, True)} of "
                       "elderly needs through support centres with assistance (channel shares, not effects: "
                       "some of these needs would be met by another channel without them).")
        e0, e1 = a.get("equity.elderly_vs_non_elderly_time_ratio"), b.get("equity.elderly_vs_non_elderly_time_ratio")
        if e0 is not None and e1 is not None:
            verdict = "narrows" if e1 < e0 else "widens"
            out.append(f"- The age gap in time to service {verdict}: elderly / non-elderly ratio "
                       f"{_fmt(e0, digits=2)} → {_fmt(e1, digits=2)}"
                       f"{within('equity.elderly_vs_non_elderly_time_ratio')}.")
        r0, r1 = a.get("equity.rural_vs_core_time_ratio"), b.get("equity.rural_vs_core_time_ratio")
        if r0 is not None and r1 is not None:
            verdict = "narrows" if r1 < r0 else "widens"
            out.append(f"- The rural–core gap {verdict}: ratio {_fmt(r0, digits=2)} → {_fmt(r1, digits=2)}"
                       f"{within('equity.rural_vs_core_time_ratio')}.")
        out += [line for line in (cost_explain_line(a, b),) if line]
        out.append("")
        out += gains_and_losses(a, b, base["scenario"], other["scenario"],
                                None if exceeds is None else partial(_swap, exceeds, other["scenario"]), n_seeds)
    return out


def plot_comparison(summaries: list[dict], out: Path) -> list[str]:
    """Side-by-side bar charts of the headline KPIs; returns file names."""
    names = [s["scenario"] for s in summaries]
    flat = [flatten(s["kpis"]) for s in summaries]
    panels = [
        ("needs met", [("elderly", "by_group.elderly.met_share"), ("non-elderly", "by_group.non_elderly.met_share"),
                       ("core", "by_zone.core.met_share"), ("suburb", "by_zone.suburb.met_share"),
                       ("rural", "by_zone.rural.met_share")]),
        ("mean time to service (min)", [("elderly", "by_group.elderly.time_to_service_min.mean"),
                                        ("non-elderly", "by_group.non_elderly.time_to_service_min.mean"),
                                        ("core", "by_zone.core.time_to_service_min.mean"),
                                        ("suburb", "by_zone.suburb.time_to_service_min.mean"),
                                        ("rural", "by_zone.rural.time_to_service_min.mean")]),
        ("effective 15-minute access", [("elderly", "access.by_group.elderly.effective_index"),
                                        ("non-elderly", "access.by_group.non_elderly.effective_index"),
                                        ("core", "access.by_zone.core.effective_index"),
                                        ("suburb", "access.by_zone.suburb.effective_index"),
                                        ("rural", "access.by_zone.rural.effective_index")]),
    ]
    fig, axes = subplots(1, len(panels), figsize=(15, 4.2))
    width = 0.8 / len(names)
    for ax, (title, items) in zip(axes, panels, strict=True):
        x = np.arange(len(items))
        for i, (n, f) in enumerate(zip(names, flat, strict=True)):
            vals = [f.get(k) if f.get(k) is not None else np.nan for _, k in items]
            ax.bar(x + i * width - 0.4 + width / 2, vals, width, label=n)
        ax.set_xticks(x, [label for label, _ in items])
        ax.set_title(title)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(out / "comparison.png", dpi=110)

    fig, axes = subplots(1, len(names), figsize=(5.5 * len(names), 4), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, n, f in zip(axes, names, flat, strict=True):
        bottom = np.zeros(2)
        for d, colour in DELIVERY_COLOURS.items():
            vals = np.array([f.get(f"by_group.{g}.met_by_delivery.{d}", 0) or 0 for g in GROUP_ROWS], dtype=float)
            tot = np.array([f.get(f"by_group.{g}.needs", 0) or 1 for g in GROUP_ROWS], dtype=float)
            ax.bar(["elderly", "non-elderly"], vals / tot, bottom=bottom, color=colour, label=d)
            bottom += vals / tot
        ax.set_title(n)
        ax.set_ylim(0, 1)
    axes[-1].legend(fontsize=8, loc="upper right")
    axes[0].set_ylabel("share of needs met, by channel")
    fig.tight_layout()
    fig.savefig(out / "comparison_channels.png", dpi=110)
    return ["comparison.png", "comparison_channels.png"]


#: Scenario sections that must be equal (with the seed) for two runs to be paired.
PAIRING_SECTIONS = ("city", "population", "needs", "simulation")


def pairing(summaries: list[dict], scenarios: list | None = None) -> list[list[str]]:
    """For each run, what differs from the first run's inputs (an empty list: paired with it).

    Runs are paired (common random numbers) when they share the seed and the scenario's
    :data:`PAIRING_SECTIONS`; then they have the same city, synthetic population and needs, and
    their differences come from service delivery alone.

    Parameters
    ----------
    summaries
        ``summary.json`` contents of the runs, the first being the baseline.
    scenarios
        The runs' :class:`~kaicity.scenario.Scenario` objects.  Without them, only what the
        summaries record is compared (seed, city, number and scale of residents).

    Returns
    -------
    list of list of str
        One list per run naming the differing parts (``seed``, ``city``, ``population``, ...).
    """
    def parts(i: int) -> dict:
        got = {"seed": summaries[i].get("seed")}
        if scenarios is not None:
            got.update({sec: getattr(scenarios[i], sec).model_dump(mode="json") for sec in PAIRING_SECTIONS})
        else:
            got["city"] = summaries[i].get("city")
            got["population"] = (summaries[i].get("residents"), summaries[i].get("population_scale"))
        return got

    base = parts(0)
    return [[k for k, v in parts(i).items() if v != base[k]] for i in range(len(summaries))]


def pairing_line(summaries: list[dict], diffs: list[list[str]], seeds: list[int] | None = None) -> str:
    """The sentence at the top of ``comparison.md`` saying whether the runs are paired (and at which seeds)."""
    names = [s["scenario"] for s in summaries]
    seeds = seeds or [summaries[0]["seed"]]
    at = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {_seed_list(seeds)}, each run by every scenario"
    if not any(diffs):
        return (f"Paired runs: same city, same synthetic population and the same needs ({at}); "
                "differences come from service delivery alone.")
    which = "; ".join(f"{n} differs from {names[0]} in {', '.join(d)}"
                      for n, d in zip(names, diffs, strict=True) if d)
    return (f"**Not paired:** {which} ({at}). These runs do not share one city, population and set of needs, "
            "so the differences below are not from service delivery alone.")


def _seed_list(seeds: list[int]) -> str:
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(str(s) for s in seeds)


def _fmt_diff(x, pct, lo=None, hi=None) -> str:
    """A difference (percentage points for shares), with its interval when known."""
    if x is None or not np.isfinite(x):
        return "–"

    def one(v):
        if isinstance(pct, bool) and pct:
            return f"{100 * v:+.1f} pp"
        digits = 1 if isinstance(pct, bool) else pct
        return ("+" if v >= 0 else "-") + _fmt(abs(float(v)), digits=digits)

    if lo is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return one(x)
    return f"{one(x)} ({one(lo)} to {one(hi)})"


def _method_note(n_seeds: int, baseline: str) -> list[str]:
    if n_seeds == 1:
        return ["One seed: the differences carry no interval, so this report cannot say which of them exceed "
                "seed noise; run with `--seeds N` (N ≥ 2) for paired replicates.", ""]
    return [f"Values are means over {n_seeds} seeds. Each seed runs every scenario on the same city, population "
            f"and needs (common random numbers), so each seed gives one paired difference to {baseline}; the "
            "bracket is the 95% Student-t interval of the mean of those differences (scipy.stats.t, "
            f"{n_seeds - 1} degrees of freedom). **Bold**: the interval excludes 0, so the difference exceeds "
            "seed noise. The intervals cover seed noise only, not uncertainty in the scenarios' assumptions.", ""]


def _run_links(names: list[str], folders: list[str], seeds: list[int], limit: int = 5) -> str:
    from kaicity.paired import seed_folder

    if len(seeds) == 1:
        links = (f"[{n}]({f}/report.md)" for n, f in zip(names, folders, strict=True))
        return "Per-scenario reports: " + ", ".join(links)
    parts = []
    for s in seeds[:limit]:
        sub = seed_folder(s, len(seeds))
        parts.append(f"seed {s}: " + ", ".join(f"[{n}]({sub}/{f}/report.md)" for n, f in zip(names, folders,
                                                                                           strict=True)))
    more = f"; and {len(seeds) - limit:,} more seeds under seed-<s>/" if len(seeds) > limit else ""
    return "Per-run reports: " + "; ".join(parts) + more


def write_comparison(runs: list, out: Path, *, scenarios: list | None = None,
                     folders: list[str] | None = None, sections: list[str] | None = None) -> pd.DataFrame:
    """Write ``comparison.md``, ``comparison.csv`` and plots for runs of several scenarios.

    Parameters
    ----------
    runs
        ``summary.json`` contents of one seed (a list, the first being the baseline), or of several
        seeds (``runs[i][j]``: scenario ``j`` at seed ``i``, every seed listing the scenarios in the
        same order).  Several seeds give means and paired differences with 95% intervals
        (:func:`kaicity.paired.replicate_table`).
    out
        Folder to write into.
    scenarios
        The scenarios run, to check that the runs are paired (see :func:`pairing`).
    folders
        Each scenario's sub-folder (default: the safe form of its name), for links; with several
        seeds under ``seed-<s>/``.
    sections
        Markdown lines of further sections (the decomposition, equal budgets), put before the plots.

    Returns
    -------
    pandas.DataFrame
        The table written to ``comparison.csv``: columns :data:`kaicity.paired.COLUMNS`, one row
        per numeric KPI and scenario, after a ``paired`` row per scenario whose ``mean`` is 1 for
        runs paired with the baseline and 0 otherwise.
    """
    from kaicity.outdir import safe_component
    from kaicity.paired import mean_summary, replicate_table
    from kaicity.plots.replicates import plot_paired_differences

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    per_seed = [list(runs)] if isinstance(runs[0], dict) else [list(r) for r in runs]
    seeds = [r[0]["seed"] for r in per_seed]
    summaries = [mean_summary([r[j] for r in per_seed]) for j in range(len(per_seed[0]))]
    names = [s["scenario"] for s in summaries]
    folders = folders or [safe_component(n) for n in names]
    per_seed_diffs = [pairing(r, scenarios) for r in per_seed]
    diffs = [list(dict.fromkeys(p for d in parts for p in d)) for parts in zip(*per_seed_diffs, strict=True)]
    table = replicate_table(per_seed)
    flag = pd.DataFrame({"kpi": "paired", "scenario": names, "mean": [float(not d) for d in diffs],
                         "n_seeds": len(per_seed)})
    table = pd.concat([flag, table, gain_csv_rows(per_seed)], ignore_index=True)[table.columns]
    table.to_csv(out / "comparison.csv", index=False)
    by = table.set_index(["kpi", "scenario"])
    diff_cols = [f"{n} - {names[0]}" + (" (95% CI)" if len(seeds) > 1 else "") for n in names[1:]]
    lines = ["# Comparison: " + " vs ".join(names), "", pairing_line(summaries, diffs, seeds), "",
             "| KPI | " + " | ".join(names + diff_cols) + " |", "|---|" + "---|" * (2 * len(names) - 1)]
    for key, label, pct in HEADLINE:
        if not any((key, n) in by.index and np.isfinite(by.loc[(key, n), "mean"]) for n in names):
            continue
        means = [by.loc[(key, n), "mean"] if (key, n) in by.index else None for n in names]
        cells = [_fmt(v, pct) if isinstance(pct, bool) else _fmt(v, digits=pct) for v in means]
        for n in names[1:]:
            r = by.loc[(key, n)] if (key, n) in by.index else None
            text = "–" if r is None else _fmt_diff(r["diff_mean"], pct, r["diff_lo"], r["diff_hi"])
            if r is not None and not pd.isna(r["exceeds_noise"]) and bool(r["exceeds_noise"]):
                text = f"**{text}**"
            cells.append(text)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += gain_table_rows(per_seed)
    lines += [""] + _method_note(len(seeds), names[0])
    lines += comparison_targets_markdown(per_seed)
    lines += ["## Who gains, who is left behind, at what cost", ""]
    if len(seeds) > 1:
        lines += [f"(Means over the {len(seeds)} seeds.)", ""]
    def noise(key: str, name: str) -> str:
        flag = by.loc[(key, name), "exceeds_noise"] if (key, name) in by.index else pd.NA
        return "" if pd.isna(flag) or bool(flag) else " (within seed noise)"

    def exceeds(key: str, name: str) -> bool | None:
        flag = by.loc[(key, name), "exceeds_noise"] if (key, name) in by.index else pd.NA
        return None if pd.isna(flag) else bool(flag)

    lines += _explain(summaries, noise, exceeds, len(seeds)) + gain_text(per_seed)
    lines += sections or []
    with korean_text():
        plots = plot_comparison(summaries, out)
        plots.append(plot_paired_differences(table[table["kpi"] != "paired"], out, names[0]))
    maps, gis_notes = write_difference(out, summaries, folders, seeds)
    lines += [f"![{p}]({p})" for p in plots] + [""] + gis_notes + [f"![{m}]({m})" for m in maps]
    lines += ["", _run_links(names, folders, seeds), ""]
    (out / "comparison.md").write_text("\n".join(lines))
    return table
