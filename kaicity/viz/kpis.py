"""Headline KPIs of the runs so far, and their difference between two runs, as an HTML table."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from kaicity.metrics.needs import met_share
from kaicity.viz.charts import DRT_WAIT, in_minutes, latest


@dataclass(frozen=True)
class Kpi:
    """One headline indicator.

    Attributes
    ----------
    key : str
        Identifier (used in the table's ``data-kpi`` attributes).
    label : str
        Row label.
    better : int
        +1 when higher is better, -1 when lower is better, 0 when neither.
    digits : int
        Decimals shown.
    """

    key: str
    label: str
    better: int
    digits: int


#: Colours of a difference that favours / disfavours the second run.
BETTER_COLOUR = "#1a7f37"
WORSE_COLOUR = "#c62828"

KPIS: tuple[Kpi, ...] = (
    Kpi("needs_arisen", "Needs arisen", 0, 0),
    Kpi("met_share", "Needs met (% of needs)", +1, 1),
    Kpi("forgone_elderly", "Needs forgone, elderly", -1, 0),
    Kpi("forgone_others", "Needs forgone, others", -1, 0),
    Kpi("tts_elderly", "Time to service, elderly (min)", -1, 1),
    Kpi("tts_others", "Time to service, others (min)", -1, 1),
    Kpi("ai_remote", "Met by AI remote service", 0, 0),
    Kpi("support_centre", "Met at AI support centres", 0, 0),
    Kpi("drt_met", "Met by DRT trips", 0, 0),
    Kpi("drt_wait", "DRT mean wait (min)", -1, 1),
    Kpi("literacy_elderly", "Elderly mean literacy", +1, 3),
    Kpi("able_ai_elderly", "Elderly able to use AI (%)", +1, 1),
    Kpi("away", "Residents away from home now", 0, 0),
)


def kpi_values(model) -> dict[str, float]:
    """Current values of :data:`KPIS` for one :class:`~kaicity.model.KaiCityModel` (``nan`` when undefined).

    Read from the named reporters of :mod:`kaicity.metrics.timeseries`; the met share is
    :func:`kaicity.metrics.needs.met_share` (met / needs so far), the definition of ``summary.json``.
    """
    needs = latest(model, "needs_arisen")
    share = met_share(latest(model, "met"), needs) if needs > 0 else None

    def both(delivery: str) -> float:
        return latest(model, f"met_{delivery}_elderly") + latest(model, f"met_{delivery}_others")

    wait = in_minutes(DRT_WAIT, latest(model, DRT_WAIT)) if model.drt is not None else float("nan")
    return {
        "needs_arisen": needs,
        "met_share": 100.0 * share if share is not None else float("nan"),
        "forgone_elderly": latest(model, "forgone_elderly"),
        "forgone_others": latest(model, "forgone_others"),
        "tts_elderly": latest(model, "tts_mean_elderly_min"),
        "tts_others": latest(model, "tts_mean_others_min"),
        "ai_remote": both("ai_remote"),
        "support_centre": both("support_centre"),
        "drt_met": both("drt"),
        "drt_wait": wait,
        "literacy_elderly": latest(model, "literacy_elderly_mean"),
        "able_ai_elderly": 100.0 * latest(model, "able_ai_elderly_share"),
        "away": latest(model, "away_from_home"),
    }


def _fmt(value: float, digits: int, signed: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    return text


def kpi_table_html(models: list, labels: list[str]) -> str:
    """An HTML table of :data:`KPIS` per run, with a ``difference`` column for two runs.

    Value cells carry ``data-kpi`` and ``data-run`` attributes (the difference column has
    ``data-run="diff"``) so tests and scripts can read them.
    """
    values = [kpi_values(m) for m in models]
    diff = len(models) == 2
    head = "".join(f"<th>{html.escape(lab)}</th>" for lab in labels)
    if diff:
        head += f'<th class="kaicity-kpi-diff">{html.escape(labels[1])} − {html.escape(labels[0])}</th>'
    rows = []
    for k in KPIS:
        cells = "".join(f'<td class="kpi-value" data-kpi="{k.key}" data-run="{i}">{_fmt(v[k.key], k.digits)}</td>'
                        for i, v in enumerate(values))
        if diff:
            a, b = values[0][k.key], values[1][k.key]
            d = b - a if math.isfinite(a) and math.isfinite(b) else float("nan")
            colour = ""
            if k.better and math.isfinite(d) and d != 0:
                colour = BETTER_COLOUR if d * k.better > 0 else WORSE_COLOUR
            style = f' style="color:{colour};font-weight:600"' if colour else ""
            cells += f'<td class="kpi-value" data-kpi="{k.key}" data-run="diff"{style}>' \
                     f'{_fmt(d, k.digits, signed=True)}</td>'
        rows.append(f"<tr><td>{html.escape(k.label)}</td>{cells}</tr>")
    legend = ""
    if diff:
        a, b = (html.escape(lab) for lab in labels)
        legend = (f'<div class="kaicity-kpi-legend" style="font-size:11px;color:#444;margin-top:3px">'
                  f"Difference = {b} − {a} (positive: higher in {b}). "
                  f'<span style="color:{BETTER_COLOUR};font-weight:600">Green</span>: better in {b}; '
                  f'<span style="color:{WORSE_COLOUR};font-weight:600">red</span>: worse in {b}; '
                  "black: a count with no better direction.</div>")
    return ('<table class="kaicity-kpis" style="border-collapse:collapse;font-size:12px;width:100%;'
            'line-height:1.35">'
            f'<thead><tr><th style="text-align:left">KPI</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{legend}"
            "<style>.kaicity-kpis td,.kaicity-kpis th{padding:1px 6px;border-bottom:1px solid #e6e6e6;"
            "text-align:right;white-space:nowrap}.kaicity-kpis td:first-child{text-align:left}</style>")
