"""Gains and losses told alike: every KPI where a scenario does better or worse than the baseline.

The comparison's summary text (:func:`kaicity.report.comparison._explain`) lists, for each
scenario against the baseline, **where it does worse** and **where it does better**, by one rule
for both: a difference in the KPI's bad (or good) direction that exceeds seed noise (the 95%
interval of the paired difference excludes 0).  With one seed there is no interval; then every
difference is listed and the text says that noise is unknown.

The lists say *what* differs, never *why*: no line credits a component (DRT, AI services, support
centres) with an effect; splitting the difference into components is the decomposition's job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from kaicity.kpi_labels import kpi_label
from kaicity.report.common import _fmt, kpi_row

#: The KPIs judged, in the order listed.
JUDGED_KEYS: tuple[str, ...] = (
    "overall.met_share", "overall.unmet_share", "overall.time_to_service_min.mean", "overall.time_to_service_min.p95",
    *[f"{block}.{who}.{leaf}"
      for block, whos in (("by_group", ("elderly", "non_elderly", "child", "adult")),
                          ("by_zone", ("core", "suburb", "rural")),
                          ("by_category", ("healthcare", "education", "welfare", "daily", "culture")))
      for who in whos for leaf in ("met_share", "unmet_share", "time_to_service_min.mean")],
    *[f"overall.forgone_by_reason.{r}" for r in ("no_facility", "unreachable", "too_far", "no_transit_in_reach",
                                                 "transit_rejected", "queue_full", "closed")],
    *[f"access.{k}.effective_index" for k in ("overall", "by_group.elderly", "by_group.non_elderly", "by_zone.core",
                                              "by_zone.suburb", "by_zone.rural")],
    "equity.gini_time_to_service", "equity.elderly_vs_non_elderly_time_ratio",
    "equity.elderly_vs_non_elderly_unmet_ratio", "equity.rural_vs_core_time_ratio", "equity.rural_vs_core_unmet_ratio",
    "digital_inclusion.elderly_literacy_end", "digital_inclusion.elderly_able_ai_end", "transit.drt.rejection_rate",
    "transit.drt.wait_min.mean", "transit.drt.booking_to_pickup_min.mean", "transit.bus.wait_mean_min",
    "ai.failed_sessions", "cost.total", "cost.per_met_need",
)
#: Each KPI judged: (key, label, direction, format), from :mod:`kaicity.kpi_labels`.  Direction +1: higher is
#: worse; -1: lower is worse.  Format as in ``comparison.HEADLINE``: True a percentage, an int that many decimals.
JUDGED: list[tuple[str, str, int, bool | int]] = [
    (key, text, -kpi_label(key).better, fmt) for key, text, fmt in map(kpi_row, JUDGED_KEYS)]

#: Differences smaller than this (relative to the larger value) count as no difference.
_TINY = 1e-9


def _text(value: float, fmt: bool | int) -> str:
    return _fmt(value, True) if fmt is True else _fmt(value, digits=1 if fmt is False else fmt)


def _number(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def judged_differences(a: Mapping, b: Mapping, exceeds: Callable[[str], bool | None] | None = None
                       ) -> tuple[list[str], list[str]]:
    """The KPIs of :data:`JUDGED` where ``b`` is worse and where it is better than ``a``.

    Parameters
    ----------
    a, b
        Flattened ``kpis`` of the baseline and the other scenario (means over seeds).
    exceeds
        ``exceeds(key)``: whether the paired difference exceeds seed noise (``None``: unknown, e.g.
        one seed).  A difference known to be within noise is left out; an unknown one is listed.

    Returns
    -------
    (worse, better)
        One Markdown bullet per KPI: ``label: before → after``.
    """
    worse, better = [], []
    for key, label, sign, fmt in JUDGED:
        v0, v1 = _number(a.get(key)), _number(b.get(key))
        if key == "transit.drt.rejection_rate" and v0 is None and v1 is not None and v1 > 0:
            worse.append(f"- {label}: {_text(v1, fmt)} (the baseline has no DRT)")
            continue
        if v0 is None or v1 is None or abs(v1 - v0) <= _TINY * max(abs(v0), abs(v1), 1.0):
            continue
        if exceeds is not None and exceeds(key) is False:
            continue
        line = f"- {label}: {_text(v0, fmt)} → {_text(v1, fmt)}"
        (worse if (v1 - v0) * sign > 0 else better).append(line)
    return worse, better


def gains_and_losses(a: Mapping, b: Mapping, base: str, other: str,
                     exceeds: Callable[[str], bool | None] | None = None, n_seeds: int = 1) -> list[str]:
    """The "Where … does worse" and "Where … does better" lists of one scenario against the baseline."""
    worse, better = judged_differences(a, b, exceeds)
    rule = ("differences beyond seed noise, i.e. the 95% interval of the paired difference excludes 0"
            if n_seeds > 1 else "every difference; one seed: noise unknown")
    out = [f"**Where {other} does worse than {base}** ({rule}):", ""]
    out += worse or ["- nothing of the KPIs judged here"]
    out += ["", f"**Where {other} does better than {base}** (same rule):", ""]
    out += better or ["- nothing of the KPIs judged here"]
    out += ["", "These lists say what differs, not why: splitting a difference among DRT, AI services and "
            "support centres is the decomposition's job.", ""]
    return out
