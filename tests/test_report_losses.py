"""The comparison's summary text tells losses as plainly as gains, and credits no component with an effect."""

from __future__ import annotations

import re

from kaicity.kpi_labels import kpi_text
from kaicity.report.comparison import _explain
from kaicity.report.losses import judged_differences


def block(met: float, time: float) -> dict:
    return {"needs": 100.0, "met": 100 * met, "met_share": met, "unmet_share": 1 - met,
            "time_to_service_min": {"mean": time, "p95": 2 * time},
            "met_by_delivery": {"walk": 50.0, "ai_remote": 10.0, "support_centre": 5.0}}


def summary(name: str, *, rural_time: float, cost: float, elderly_met: float = 0.8, gini: float = 0.3) -> dict:
    return {"scenario": name, "kpis": {
        "overall": block(0.85, 20.0),
        "by_group": {"elderly": block(elderly_met, 25.0), "non_elderly": block(0.9, 18.0)},
        "by_zone": {"core": block(0.9, 15.0), "suburb": block(0.85, 20.0), "rural": block(0.7, rural_time)},
        "equity": {"gini_time_to_service": gini},
        "cost": {"total": cost, "per_met_need": cost / 85.0},
    }}


def section(text: str, title: str) -> list[str]:
    """The bullet lines under a bold title, up to the next blank-line-separated paragraph."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"**{title}"))
    out = []
    for line in lines[start + 2:]:
        if not line.startswith("- "):
            break
        out.append(line)
    return out


def test_worse_cost_and_rural_time_are_listed_as_losses_and_better_elderly_as_gain():
    a = summary("smart", rural_time=30.0, cost=1_000_000.0, elderly_met=0.80)
    b = summary("ai", rural_time=42.0, cost=1_300_000.0, elderly_met=0.86)
    text = "\n".join(_explain([a, b]))
    worse = "\n".join(section(text, "Where ai does worse than smart"))
    assert f"{kpi_text('by_zone.rural.time_to_service_min.mean')}: 30.0 → 42.0" in worse
    assert f"{kpi_text('cost.total')}: 1,000,000 → 1,300,000" in worse
    assert kpi_text("cost.per_met_need") in worse
    better = "\n".join(section(text, "Where ai does better than smart"))
    assert f"{kpi_text('by_group.elderly.met_share')}: 80.0% → 86.0%" in better
    assert "cost" not in better and "rural" not in better
    assert "one seed: noise unknown" in text


def test_differences_within_seed_noise_are_left_out_of_both_lists():
    a = summary("smart", rural_time=30.0, cost=1_000_000.0)
    b = summary("ai", rural_time=42.0, cost=1_300_000.0, gini=0.35)
    noisy = {"equity.gini_time_to_service"}
    text = "\n".join(_explain([a, b], exceeds=lambda key, name: key not in noisy, n_seeds=5))
    worse = "\n".join(section(text, "Where ai does worse than smart"))
    assert kpi_text("by_zone.rural.time_to_service_min.mean") in worse and "Gini" not in worse
    assert "beyond seed noise" in text
    flat_a = {"cost.total": 1.0, "transit.bus.wait_mean_min": 5.0}
    flat_b = {"cost.total": 1.0, "transit.bus.wait_mean_min": 5.0, "transit.drt.rejection_rate": 0.3}
    worse_lines, better_lines = judged_differences(flat_a, flat_b)
    assert worse_lines == ["- DRT rejection rate: 30.0% (the baseline has no DRT)"] and better_lines == []


def test_no_sentence_credits_a_component_with_an_effect():
    a = summary("smart", rural_time=30.0, cost=1_000_000.0)
    b = summary("ai", rural_time=28.0, cost=1_300_000.0, elderly_met=0.9)
    text = "\n".join(_explain([a, b]))
    credit = re.compile(r"\b(DRT|AI|support centres?|centres?)\b[^.]*\b(improves?|raises?|cuts?|causes?|"
                        r"resolves?|thanks to|because of|leads? to|drives?)\b", re.IGNORECASE)
    assert not credit.search(text), credit.search(text)
    assert "not effects" in text and "decomposition" in text
