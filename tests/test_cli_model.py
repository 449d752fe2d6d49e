"""The run / compare / validate / sweep commands, end to end on small scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kaicity.cli import main
from kaicity.scenario import load_scenario

SMALL = ["--set", "city.n_nodes=2000", "--set", "population.residents=1200", "--set", "simulation.tick_minutes=10"]
SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def test_validate_every_shipped_scenario(capsys):
    assert main(["validate", *map(str, SCENARIOS)]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok (") == len(SCENARIOS) >= 5


def test_validate_bad_scenario_is_one_line_with_key_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\npopulation:\n  residnets: 10\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "bad.yaml:3" in err and "population.residnets" in err and "did you mean 'residents'" in err


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_runs_a_short_horizon(path, tmp_path, capsys):
    out = tmp_path / path.stem
    assert main(["run", str(path), "--out", str(out), "--quiet", *SMALL]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == load_scenario(path).name
    assert set(summary["kpis"]) >= {"overall", "by_group", "by_zone", "transit", "ai", "equity", "cost"}
    assert summary["kpis"]["overall"]["needs"] > 0
    trips = pd.read_csv(out / "trips.csv")
    assert len(trips) * summary["population_scale"] == pytest.approx(summary["kpis"]["overall"]["needs"])
    for name in ("timeseries.csv", "report.md", "met_by_channel.png", "time_to_service.png"):
        assert (out / name).stat().st_size > 0
    if load_scenario(path).transit.drt.enabled:
        assert "drt" in summary["kpis"]["transit"]


def test_compare_writes_paired_report(tmp_path, root, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(root / "scenarios/smart_city.yaml"), str(root / "scenarios/ai_city.yaml"),
                 "--seeds", "1", "--out", str(out), "--quiet", *SMALL])
    assert code == 0
    table = pd.read_csv(out / "comparison.csv").set_index(["kpi", "scenario"])
    assert list(dict.fromkeys(table.index.get_level_values("scenario"))) == ["smart_city", "ai_city"]
    assert float(table.loc[("ai.uses", "ai_city"), "mean"]) > 0
    assert float(table.loc[("overall.needs", "ai_city"), "diff_mean"]) == 0  # same needs in both
    md = (out / "comparison.md").read_text()
    assert "Who gains" in md and "Elderly residents" in md and "Rural residents" in md
    assert (out / "comparison.png").stat().st_size > 0
    assert (out / "smart_city" / "summary.json").exists() and (out / "ai_city" / "drt_legs.csv").exists()


def test_run_same_seed_same_summary(tmp_path, root):
    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}"
        main(["run", str(root / "scenarios/ai_city.yaml"), "--out", str(out), "--quiet", *SMALL])
        outs.append((out / "summary.json").read_text())
    assert outs[0] == outs[1]


def test_run_missing_file_is_one_line(capsys):
    assert main(["run", "no/such/file.yaml"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no/such/file.yaml" in err


@pytest.mark.slow
def test_sweep_on_a_local_dask_cluster(tmp_path, root):
    out = tmp_path / "sweep"
    code = main(["sweep", str(root / "scenarios/ai_city.yaml"), "--param", "support_centres.count=0,6",
                 "--seeds", "1", "--workers", "2", "--out", str(out), "--quiet", *[]]
                + ["--param", "population.residents=800"] + ["--param", "city.n_nodes=2000"])
    assert code == 0
    df = pd.read_csv(out / "sweep.csv")
    assert len(df) == 2
    assert sorted(df["param.support_centres.count"]) == [0, 6]
    assert (out / "sweep.png").exists()


def test_sweep_rejects_bad_key_before_running(tmp_path, root, capsys):
    code = main(["sweep", str(root / "scenarios/ai_city.yaml"), "--param", "support_centers.count=1,2",
                 "--out", str(tmp_path)])
    assert code == 2
    assert "did you mean" in capsys.readouterr().err
