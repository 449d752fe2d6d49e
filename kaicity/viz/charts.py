"""Live KPI charts read from the runs' DataCollectors, drawn in the browser by ECharts.

Each chart is an ECharts ``option`` dict built from the DataCollector's model reporters
(``model.datacollector.model_vars``) and shown with :func:`solara.FigureEcharts`: the
server only assembles a few kilobytes of numbers per step and the browser draws them
(ECharts ships with ``solara-assets``, so this works offline).  A matplotlib version
of the four charts cost 30-70 ms each per step on this machine; building these options
costs well under a millisecond.

With two runs (a comparison) every chart shows both: the first scenario solid, the
second dashed (bars: the second run lighter).

Charts
------
* :func:`channel_option` -- needs met by channel (walk, car, bus, DRT, AI remote, online,
  support centre) and forgone, as a share of each group's resolved needs, elderly vs others;
* :func:`time_to_service_option` -- mean time-to-service of met needs by group;
* :func:`drt_option` -- DRT wait and occupancy (a note when no run has DRT);
* :func:`literacy_option` -- elderly mean digital literacy and share able to use AI alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from kaicity.metrics.timeseries import reporter

#: Colours shared with the map legend.
ELDERLY_COLOUR = "#d4008f"
OTHERS_COLOUR = "#1f6fb4"

#: Channels of the bar chart: (DataCollector delivery name, label).
CHANNELS: tuple[tuple[str, str], ...] = (
    ("walk", "walk"), ("car", "car"), ("bus", "bus"), ("drt", "DRT"), ("ai_remote", "AI remote"),
    ("online", "online"), ("support_centre", "support centre"),
)
LINE_TYPES = ("solid", "dashed")
#: Most points sent per line (longer series are thinned evenly, keeping the last point).
MAX_POINTS = 240


#: Named reporters the charts read (:data:`kaicity.metrics.timeseries.REPORTERS`).
DRT_WAIT = "drt_wait_mean_min"
DRT_ON_BOARD = "drt_on_board"


def _known(name: str) -> str:
    """``name`` when it is a named reporter of :mod:`kaicity.metrics.timeseries` (else KeyError)."""
    return reporter(name).name


def series(model, name: str) -> np.ndarray:
    """A named DataCollector reporter as a float array (empty when the run does not record it)."""
    values = model.datacollector.model_vars.get(_known(name))
    if values is None:
        return np.zeros(0)
    return np.asarray(values, dtype=float)


def hours(model) -> np.ndarray:
    """Clock hours of the DataCollector rows (start hour + elapsed hours)."""
    return series(model, "time_h") + float(model.start_hour)


def latest(model, name: str) -> float:
    """Last recorded value of a named reporter (``nan`` when absent or empty)."""
    values = model.datacollector.model_vars.get(_known(name))
    if not values:
        return float("nan")
    try:
        return float(values[-1])
    except (TypeError, ValueError):
        return float("nan")


def in_minutes(name: str, values):
    """Values of a named reporter in minutes, by its declared unit (``"s"``, ``"min"`` or ``"h"``)."""
    factor = {"s": 1.0 / 60.0, "min": 1.0, "h": 60.0}.get(reporter(name).unit)
    if factor is None:
        raise KeyError(f"reporter {name!r} is in {reporter(name).unit!r}, not a time")
    return values * factor


def table(x: np.ndarray, columns: list[np.ndarray], digits: int = 3) -> list[list[float | None]]:
    """Rows ``[x, c1, c2, ...]`` for an ECharts dataset, thinned to :data:`MAX_POINTS`, ``nan`` as ``None``.

    One row per time (rather than one ``[x, y]`` pair per point and line) keeps the
    option small: the widget serialises every nested list on each update.
    """
    n = min([len(x)] + [len(c) for c in columns])
    if n == 0:
        return []
    idx = np.arange(n)
    if n > MAX_POINTS:
        idx = np.unique(np.concatenate([np.linspace(0, n - 1, MAX_POINTS).astype(int), [n - 1]]))
    block = np.column_stack([np.round(np.asarray(x, float)[idx], 3)]
                            + [np.round(np.asarray(c, float)[idx], digits) for c in columns])
    rows = block.tolist()
    if not np.isfinite(block).all():
        rows = [[v if math.isfinite(v) else None for v in row] for row in rows]
    return rows


def _run_suffix(labels: list[str], i: int) -> str:
    return f" · {labels[i]}" if len(labels) > 1 else ""


def _base(title: str, y_name: str, runs: int = 1) -> dict:
    return {
        "animation": False,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "textStyle": {"fontSize": 10}},
        "grid": {"left": 55, "right": 20, "top": 35, "bottom": 60 if runs == 1 else 78},
        "xAxis": {"type": "value", "name": "clock hour", "nameLocation": "middle", "nameGap": 22,
                  "scale": True, "minInterval": 1},
        "yAxis": {"type": "value", "name": y_name, "nameTextStyle": {"fontSize": 10}},
        "series": [],
    }


def _line(name: str, dataset: int, column: int, colour: str, run: int, y_axis: int = 0) -> dict:
    return {"name": name, "type": "line", "datasetIndex": dataset, "encode": {"x": 0, "y": column},
            "showSymbol": False, "yAxisIndex": y_axis, "connectNulls": False,
            "lineStyle": {"width": 2, "type": LINE_TYPES[run % 2], "color": colour},
            "itemStyle": {"color": colour}}


def channel_shares(model) -> dict[str, np.ndarray | float]:
    """Per-channel (+ forgone) percentages of each group's resolved needs, and the group totals."""
    out: dict[str, np.ndarray | float] = {}
    for group in ("elderly", "others"):
        counts = np.array([latest(model, f"met_{d}_{group}") for d, _ in CHANNELS]
                          + [latest(model, f"forgone_{group}")])
        counts = np.nan_to_num(counts)
        total = float(counts.sum())
        out[group] = 100.0 * counts / total if total > 0 else np.zeros_like(counts)
        out[f"{group}_n"] = total
    return out


def channel_option(models: list, labels: list[str]) -> dict:
    """Grouped bars: needs met by channel and forgone (% of each group's resolved needs)."""
    opt = _base("Needs met by channel (% of resolved needs)", "%")
    opt["xAxis"] = {"type": "category", "data": [lab for _, lab in CHANNELS] + ["forgone"],
                    "axisLabel": {"interval": 0, "fontSize": 10, "rotate": 20}}
    opt["grid"]["bottom"] = 95 if len(models) > 1 else 75
    opt["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    for i, m in enumerate(models):
        sh = channel_shares(m)
        for group, colour in (("elderly", ELDERLY_COLOUR), ("others", OTHERS_COLOUR)):
            opt["series"].append({
                "name": f"{group} (n={int(sh[f'{group}_n']):,}){_run_suffix(labels, i)}",
                "type": "bar", "data": [round(float(v), 2) for v in sh[group]],
                "itemStyle": {"color": colour, "opacity": 1.0 if i == 0 else 0.5,
                              "borderColor": colour, "borderType": LINE_TYPES[i % 2], "borderWidth": 1},
            })
    return opt


def _lines_option(models: list, labels: list[str], title: str, y_name: str,
                  lines: tuple[tuple[str, str, str], ...], digits: int = 3) -> dict:
    opt = _base(title, y_name, len(models))
    opt["dataset"] = []
    for i, m in enumerate(models):
        opt["dataset"].append({"source": table(hours(m), [series(m, key) for key, _, _ in lines], digits)})
        for k, (_, label, colour) in enumerate(lines):
            opt["series"].append(_line(f"{label}{_run_suffix(labels, i)}", i, k + 1, colour, i))
    return opt


def time_to_service_option(models: list, labels: list[str]) -> dict:
    """Mean time-to-service (wait + travel + queue) of met needs, elderly vs others."""
    return _lines_option(models, labels, "Time to service (mean of met needs)", "minutes",
                         (("tts_mean_elderly_min", "elderly", ELDERLY_COLOUR),
                          ("tts_mean_others_min", "others", OTHERS_COLOUR)), digits=2)


def literacy_option(models: list, labels: list[str]) -> dict:
    """Elderly mean digital literacy and share at or above the AI literacy threshold."""
    opt = _lines_option(models, labels, "Elderly digital inclusion", "index / share",
                        (("literacy_elderly_mean", "mean literacy", ELDERLY_COLOUR),
                         ("able_ai_elderly_share", "share ≥ AI threshold", "#6a3d9a")))
    opt["yAxis"].update({"min": 0, "max": 1})
    return opt


def drt_option(models: list, labels: list[str], samples: dict | None = None) -> dict:
    """DRT mean wait (left axis, minutes) and occupancy (right axis, % of seats).

    Parameters
    ----------
    samples
        A dict kept between calls; when the DRT service reports neither occupancy nor
        riders on board (``drt_on_board``), occupancy is sampled from its vehicle states
        at each call and kept there.
    """
    opt = _base("DRT wait and occupancy", "wait (min)", sum(m.drt is not None for m in models))
    opt["yAxis"] = [{"type": "value", "name": "wait (min)", "min": 0},
                    {"type": "value", "name": "occupancy (%)", "min": 0, "max": 100, "splitLine": {"show": False}}]
    opt["grid"]["right"] = 55
    with_drt = [i for i, m in enumerate(models) if m.drt is not None]
    if not with_drt:
        opt["title"]["subtext"] = "no DRT in " + (" or ".join(labels) or "this scenario")
        opt["xAxis"]["min"], opt["xAxis"]["max"] = 0, 24
        return opt
    samples = {} if samples is None else samples
    opt["dataset"] = []
    for i in with_drt:
        m = models[i]
        x = hours(m)
        wait = in_minutes(DRT_WAIT, series(m, DRT_WAIT))
        if len(wait) != len(x):
            wait = np.full(len(x), np.nan)
        seats = float(np.sum(getattr(m.drt, "capacity", 0)))
        if DRT_ON_BOARD in m.datacollector.model_vars and seats > 0:
            occ = 100.0 * series(m, DRT_ON_BOARD) / seats
        else:
            xs, ys = samples.setdefault(i, ([], []))
            h = float(m.now) / 3600.0 + float(m.start_hour)
            if not xs or xs[-1] < h:
                st = m.drt.vehicle_state(m.now)
                cap = float(np.sum(st.capacity))
                xs.append(h)
                ys.append(100.0 * float(np.sum(st.load)) / cap if cap > 0 else 0.0)
            occ = np.interp(x, np.asarray(xs), np.asarray(ys), left=np.nan) if xs else np.full(len(x), np.nan)
        d = len(opt["dataset"])
        opt["dataset"].append({"source": table(x, [wait, occ], 2)})
        opt["series"].append(_line(f"wait{_run_suffix(labels, i)}", d, 1, "#d95f02", i))
        opt["series"].append(_line(f"occupancy{_run_suffix(labels, i)}", d, 2, "#1b9e77", i, y_axis=1))
    return opt


#: The charts of the page, in order: (name, option builder).
CHARTS: tuple[tuple[str, Callable[..., dict]], ...] = (
    ("channels", channel_option),
    ("time_to_service", time_to_service_option),
    ("drt", drt_option),
    ("literacy", literacy_option),
)
