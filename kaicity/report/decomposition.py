"""The decomposition section of ``comparison.md``: the AI city's gain taken apart.

Formats the table of :func:`kaicity.decompose.factorial.decomposition_table` (passed in as a
DataFrame; this layer does not run anything): ``decomposition.csv``, a Markdown table of main
effects, interaction and total with paired 95% intervals, a waterfall chart, and sentences that
credit a component only with an effect whose interval excludes 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from kaicity.kpi_labels import kpi_label
from kaicity.report.common import _fmt

#: File names written next to comparison.md.
DECOMPOSITION_CSV = "decomposition.csv"
#: KPIs told in words (the table has them all).
WORDS_KPIS = ("overall.met_share", "by_group.elderly.met_share", "overall.time_to_service_min.mean",
              "by_group.elderly.time_to_service_min.mean", "cost.total")


def fmt_interval(x, pct: bool, lo=None, hi=None, digits: int = 1) -> str:
    """A signed difference (percentage points for shares), with its interval when known."""
    if x is None or not np.isfinite(x):
        return "–"

    def one(v) -> str:
        if pct:
            return f"{100 * v:+.{digits}f} pp"
        return ("+" if v >= 0 else "-") + _fmt(abs(float(v)), digits=digits)

    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return one(x)
    return f"{one(x)} ({one(lo)} to {one(hi)})"


def _digits(key: str) -> int:
    """Decimals of a KPI's difference (:mod:`kaicity.kpi_labels`; 1 for a key of the caller's own)."""
    try:
        return kpi_label(key).digits
    except KeyError:
        return 1


def _supported(flag) -> bool:
    return not pd.isna(flag) and bool(flag)


def _cell(r: pd.Series) -> str:
    text = fmt_interval(r["mean"], bool(r["percent"]), r["lo"], r["hi"], _digits(r["kpi"]))
    return f"**{text}**" if _supported(r["exceeds_noise"]) else text


def decomposition_section(table: pd.DataFrame, out: str | Path, *, smart: str, ai: str,
                          labels: Mapping[str, str]) -> list[str]:
    """Write ``decomposition.csv`` and the chart; return the Markdown lines of the section.

    Parameters
    ----------
    table
        :func:`kaicity.decompose.factorial.decomposition_table` output.
    out
        Folder to write into.
    smart, ai
        Names of the compared scenarios.
    labels
        ``{factor key: label}`` of the design's factors, in order.
    """
    from kaicity.plots.decomposition import plot_decomposition

    out = Path(out)
    table.to_csv(out / DECOMPOSITION_CSV, index=False)
    main = table[table["method"] == "main_effects"]
    n_seeds = int(main["n_seeds"].max()) if len(main) else 0
    parts = [*labels, "interaction", "total"]
    heads = [*labels.values(), "interaction", f"total ({ai} − {smart})"]
    lines = ["## The gain taken apart", "",
             f"Every combination of the {len(labels)} components the AI city adds ({', '.join(labels.values())}) "
             f"ran on the same seeds as {smart} and {ai} (a paired 2^{len(labels)} factorial design; the variants "
             "with none and all of them are the two scenarios themselves). **Main effect**: the component added "
             f"alone to {smart}. **Interaction**: what the components do only together (the total minus the main "
             "effects), so each row's parts add up to its total exactly. Brackets: 95% interval of the part over "
             f"the seeds; **bold**: it excludes 0. `{DECOMPOSITION_CSV}` also has the Shapley split (each "
             "component's contribution averaged over the orders of adding them; the interaction shared out).", "",
             "| KPI | " + " | ".join(heads) + " |", "|---|" + "---|" * len(heads)]
    for key in dict.fromkeys(main["kpi"]):
        rows = main[main["kpi"] == key].set_index("part")
        lines.append(f"| {rows['label'].iloc[0]} | " + " | ".join(
            _cell(rows.loc[p]) if p in rows.index else "–" for p in parts) + " |")
    lines += ["", *_words(main, labels, n_seeds), ""]
    lines.append(f"![{(name := plot_decomposition(main, out, labels))}]({name})")
    lines.append("")
    return lines


def _words(main: pd.DataFrame, labels: Mapping[str, str], n_seeds: int) -> list[str]:
    """Sentences crediting each component only with effects its interval supports."""
    if n_seeds < 2:
        return ["With one seed no part has an interval, so no component is credited with an effect here; run "
                "with `--seeds N` (N ≥ 2)."]
    out = []
    for key in WORDS_KPIS:
        rows = main[main["kpi"] == key].set_index("part")
        if rows.empty:
            continue
        label = rows["label"].iloc[0]
        pct = bool(rows["percent"].iloc[0])
        shown = [(labels.get(p, p), rows.loc[p]) for p in [*labels, "interaction"] if p in rows.index]
        credited = [f"{name} {fmt_interval(r['mean'], pct, r['lo'], r['hi'])}" for name, r in shown
                    if _supported(r["exceeds_noise"])]
        within = [name for name, r in shown if not _supported(r["exceeds_noise"])]
        t = rows.loc["total"] if "total" in rows.index else None
        total = "" if t is None else (f" (total {fmt_interval(t['mean'], pct, t['lo'], t['hi'])}"
                                      + ("" if _supported(t["exceeds_noise"]) else ", within seed noise") + ")")
        if credited:
            text = f"- **{label}**{total}: " + "; ".join(credited)
            text += f"; {', '.join(within)} within seed noise." if within else "."
        else:
            text = f"- **{label}**{total}: no part exceeds seed noise, so no component is credited with it."
        out.append(text)
    return out
