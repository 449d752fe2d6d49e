"""``kaicity access``: table on stdout, CSV and map written, one-line errors."""

from __future__ import annotations

import pandas as pd
import pytest

from kaicity.cli import main


def test_access_command_writes_table_and_map(tmp_path, capsys):
    code = main(["access", "synthetic:n=800,seed=2", "--residents", "600", "--speed-elderly", "0.8",
                 "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "healthcare" in out and "index" in out and "elderly" in out
    table = pd.read_csv(tmp_path / "access_coverage.csv")
    assert {"group", "zone", "category", "coverage", "index", "gini", "population"} <= set(table.columns)
    everyone = table[(table["group"] == "all") & (table["zone"] == "all") & (table["category"] == "all")]
    assert everyone["population"].iloc[0] == 600
    elderly = table[(table["group"] == "elderly") & (table["zone"] == "all")].set_index("category")
    adult = table[(table["group"] == "adult") & (table["zone"] == "all")].set_index("category")
    # the residents' own speeds, drawn around the group's mean (sd 0.1 m/s, as in a run)
    assert elderly.loc["all", "speed_mps"] == pytest.approx(0.8, abs=0.03)
    assert elderly.loc["all", "index"] <= adult.loc["all", "index"]
    png = tmp_path / "access_map.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_access_command_takes_the_scenario_population_no_map(root, tmp_path, capsys):
    scenario = root / "scenarios" / "smart_city.yaml"
    assert main(["access", "synthetic:n=600,seed=1", "--scenario", str(scenario), "--residents", "500",
                 "--no-map", "--out", str(tmp_path)]) == 0
    assert "500 residents sampled from scenario smart_city (seed 42" in capsys.readouterr().out
    assert not (tmp_path / "access_map.png").exists()


def test_access_command_bad_input_is_one_line(tmp_path, capsys):
    code = main(["access", "synthetic:n=600", "--elderly-share", "0.95", "--no-map", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("kaicity access: error:") and len(err.strip().splitlines()) == 1
