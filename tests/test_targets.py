"""Scenario ``targets``: parsing and one-line errors, the KPI-key registry, and the observed-vs-simulated table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from kaicity import cli
from kaicity.errors import ScenarioError
from kaicity.kpi_keys import ANNOUNCED, CHANNELS, PATTERNS, is_kpi_key, pattern_of, suggest
from kaicity.model import DELIVERIES
from kaicity.paired import flatten_numeric
from kaicity.report.targets import (
    FAIL,
    NOT_SIMULATED,
    PASS,
    band,
    check_target,
    comparison_targets_markdown,
    target_rows,
    targets_markdown,
)
from kaicity.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"

RIDES = {"kpi": "transit.drt.rides_per_day", "observed": 530, "tolerance": 0.2, "source": "Shucle, 2 weeks"}


def scenario_with(*targets: dict) -> Scenario:
    return Scenario.from_dict({"name": "t", "targets": list(targets)})


def scenario_error(*targets: dict) -> str:
    with pytest.raises(ScenarioError) as info:
        scenario_with(*targets)
    message = str(info.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------------------- parsing
def test_targets_parse_with_relative_or_absolute_tolerance():
    wait = {"kpi": "transit.drt.booking_to_pickup_min.mean", "observed": 15, "tolerance_abs": 3,
            "source": "Shucle", "note": "from booking"}
    sc = scenario_with(RIDES, wait)
    assert [t.kpi for t in sc.targets] == [RIDES["kpi"], wait["kpi"]]
    assert sc.targets[0].tolerance == 0.2 and sc.targets[0].tolerance_abs is None
    assert sc.targets[1].tolerance_abs == 3 and sc.targets[1].note == "from booking"
    assert Scenario.from_dict(sc.to_dict()) == sc
    assert scenario_with().targets == []


def test_override_changes_one_target_by_index():
    sc = scenario_with(RIDES).with_overrides({"targets.0.observed": 500})
    assert sc.targets[0].observed == 500 and sc.targets[0].source == RIDES["source"]


@pytest.mark.parametrize(("change", "key", "words"), [
    ({"source": None}, "targets.0.source", ""),
    ({"source": "   "}, "targets.0.source", "blank"),
    ({"tolerance": -0.1}, "targets.0.tolerance", ">= 0"),
    ({"tolerance": None}, "targets.0.tolerance", "exactly one"),
    ({"tolerance_abs": 3}, "targets.0.tolerance_abs", "exactly one"),
    ({"kpi": "transit.drt.ride_per_day"}, "targets.0.kpi", "did you mean 'transit.drt.rides_per_day'"),
    ({"kpi": "happiness"}, "targets.0.kpi", "not a KPI"),
])
def test_bad_target_is_one_line_error_naming_the_key(change, key, words):
    target = {k: v for k, v in {**RIDES, **change}.items() if not (k == "source" and v is None)}
    message = scenario_error(target)
    assert key in message and words in message


def test_old_mapping_form_says_how_to_write_the_list(tmp_path, capsys):
    path = tmp_path / "old.yaml"
    path.write_text("name: old\ntargets:\n  drt_rides_per_day: 530\n")
    with pytest.raises(ScenarioError, match="targets is a list") as info:
        load_scenario(path)
    assert "old.yaml:" in str(info.value) and "drt_rides_per_day" in str(info.value)
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_shipped_sejong_targets_are_sourced_and_known():
    sc = load_scenario(ROOT / "scenarios" / "sejong_shucle.yaml")
    kpis = {t.kpi for t in sc.targets}
    assert {"transit.drt.rides_per_day", "transit.drt.booking_to_pickup_min.mean"} <= kpis
    assert all(t.source.strip() and is_kpi_key(t.kpi) for t in sc.targets)


# ---------------------------------------------------------------------------- KPI registry
def _golden_keys() -> set[str]:
    keys: set[str] = set()
    for path in GOLDEN.glob("*/summary.json"):
        keys |= set(flatten_numeric(json.loads(path.read_text())["kpis"]))
    return keys


def test_every_kpi_the_shipped_scenarios_write_is_in_the_registry():
    keys = _golden_keys()
    assert len(keys) > 300
    missing = sorted(k for k in keys if not is_kpi_key(k))
    assert not missing, f"add these KPI keys to kaicity/kpi_keys.py: {missing[:10]}"


def test_every_registry_pattern_is_written_by_some_shipped_scenario_or_announced():
    used = {pattern_of(k) for k in _golden_keys()}
    # an open map (``*``, e.g. rejections at booking by reason) may be empty in every shipped run
    stale = [p for p in PATTERNS if p not in used and p not in ANNOUNCED and not p.endswith("*")]
    assert not stale, f"kaicity/kpi_keys.py names KPIs no shipped scenario writes: {stale[:10]}"


def test_registry_rejects_near_misses_and_suggests_the_key():
    assert set(CHANNELS) == set(DELIVERIES)
    assert is_kpi_key("by_group.elderly.time_to_service_min.mean")
    assert is_kpi_key("transit.drt.rejections.no_vehicle_within_max_wait")
    assert not is_kpi_key("by_group.teenager.met_share")
    assert not is_kpi_key("transit.drt")  # a section, not a number
    assert suggest("equity.gini_time_to_servise") == "equity.gini_time_to_service"


# ---------------------------------------------------------------------------- observed vs simulated
def kpis(rides: float | None) -> dict:
    return {"transit": {"drt": {"rides_per_day": rides}}, "overall": {"met_share": 0.9}}


def test_band_is_relative_or_absolute():
    assert band(RIDES) == pytest.approx((424.0, 636.0))
    assert band({"observed": 15, "tolerance_abs": 3}) == (12.0, 18.0)


@pytest.mark.parametrize(("simulated", "status"), [(500.0, PASS), (636.0, PASS), (300.0, FAIL), (700.0, FAIL)])
def test_one_run_passes_inside_the_band_only(simulated, status):
    row = check_target(RIDES, [kpis(simulated)])
    assert row["status"] == status and row["simulated"] == simulated and row["simulated_interval"] is None
    assert row["band"] == pytest.approx([424.0, 636.0]) and row["source"] == RIDES["source"]


def test_absent_kpi_is_not_simulated_not_an_error():
    wait = {"kpi": "transit.drt.booking_to_pickup_min.mean", "observed": 15, "tolerance_abs": 3, "source": "s"}
    rows = target_rows([RIDES, wait], [kpis(None)])
    assert [r["status"] for r in rows] == [NOT_SIMULATED, NOT_SIMULATED]
    assert all(r["simulated"] is None for r in rows)


def test_several_seeds_use_the_mean_and_pass_when_its_interval_overlaps_the_band():
    # mean 410 lies below the band (424), but the seeds spread so that the 95% interval reaches into it
    row = check_target(RIDES, [kpis(v) for v in (380.0, 440.0, 410.0)])
    assert row["simulated"] == pytest.approx(410.0) and row["n_seeds"] == 3
    lo, hi = row["simulated_interval"]
    assert lo < 410.0 < hi and hi > 424.0 and row["status"] == PASS
    tight = check_target(RIDES, [kpis(v) for v in (409.0, 411.0, 410.0)])
    assert tight["simulated_interval"][1] < 424.0 and tight["status"] == FAIL
    # seeds without the KPI are left out of the mean
    assert check_target(RIDES, [kpis(500.0), kpis(None)])["n_seeds"] == 1


def test_table_shows_observed_simulated_tolerance_and_mark():
    wait = {"kpi": "transit.drt.booking_to_pickup_min.mean", "observed": 15, "tolerance_abs": 3, "source": "s"}
    far = {**RIDES, "observed": 100}
    rows = target_rows([RIDES, far, wait], [kpis(500.0)])
    text = "\n".join(targets_markdown(rows))
    table = [line.split(" | ") for line in text.splitlines() if line.startswith("| `")]
    assert [r[1] for r in table] == ["530", "100", "15"] and [r[2] for r in table] == ["±20%", "±20%", "±3"]
    assert table[0][3] == "424 – 636" and table[1][3] == "80 – 120" and table[0][4] == "500"
    assert text.count("| pass |") == 1 and text.count("**fail**") == 1 and "not simulated |" in text
    assert "1 of 3 targets pass, 1 fail, 1 not simulated" in text
    assert targets_markdown([]) == []


def test_comparison_tables_only_for_scenarios_with_targets():
    stored = target_rows([RIDES], [kpis(500.0)])
    per_seed = [[{"scenario": "smart", "kpis": kpis(None)},
                 {"scenario": "sejong", "kpis": kpis(v), "targets": stored}] for v in (500.0, 520.0)]
    text = "\n".join(comparison_targets_markdown(per_seed))
    assert "Observed vs simulated: sejong" in text and "smart" not in text
    assert "510 (" in text and "(95% CI)" in text  # mean of the two seeds with its interval
    assert math.isclose(check_target(stored[0], [p[1]["kpis"] for p in per_seed])["simulated"], 510.0)
