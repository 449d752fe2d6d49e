"""The Mapo example end to end (issue 16 item 7): real streets and OSM facilities of Seoul Mapo (Gongdeok),
a population grid, extra facilities and a GTFS feed written by ``examples/mapo/make_inputs.py``; the smart
city and the AI city compared on them.  Needs ``../shared/data/osm`` (skipped without it)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kaicity.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "mapo"

pytestmark = [pytest.mark.slow, pytest.mark.shared]


@pytest.fixture(scope="module")
def mapo(shared_osm, tmp_path_factory) -> Path:
    """The example's scenarios and inputs in a temporary folder, pointed at the shared OSM extract."""
    folder = tmp_path_factory.mktemp("mapo")
    spec = importlib.util.spec_from_file_location("mapo_inputs", EXAMPLE / "make_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(folder)
    repo = EXAMPLE.parent.parent
    smart = (EXAMPLE / "mapo_smart.yaml").read_text()
    smart = smart.replace("../../../shared/data/osm/seoul_mapo_gongdeok.osm",
                          str(shared_osm / "seoul_mapo_gongdeok.osm"))
    smart = smart.replace("../../scenarios/smart_city.yaml", str(repo / "scenarios" / "smart_city.yaml"))
    (folder / "mapo_smart.yaml").write_text(smart)
    shutil.copy(EXAMPLE / "mapo_ai.yaml", folder / "mapo_ai.yaml")
    return folder


def test_inputs_are_deterministic(tmp_path, mapo):
    spec = importlib.util.spec_from_file_location("mapo_inputs2", EXAMPLE / "make_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for p in module.main(tmp_path):
        assert p.read_bytes() == (mapo / p.name).read_bytes()


def test_mapo_smart_vs_ai_runs_on_all_four_inputs(mapo, tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", str(mapo / "mapo_smart.yaml"), str(mapo / "mapo_ai.yaml"), "--seeds", "1",
                 "--workers", "1", "--out", str(out)]) == 0
    smart = json.loads((out / "mapo_smart" / "summary.json").read_text())
    ai = json.loads((out / "mapo_ai" / "summary.json").read_text())
    assert smart["city"]["name"] == "seoul_mapo_gongdeok"
    assert smart["warnings"] == []                          # every person of the grid has a home on the network
    gtfs = smart["simulated"]["bus_gtfs"]
    assert gtfs["patterns"] == 4 and gtfs["trips"] == 270 and gtfs["snap_m_max"] < 5
    report = (out / "mapo_smart" / "report.md").read_text()
    assert "| welfare | 12 | 0 |" in report                 # 8 OSM + 4 경로당 from the file, none placed by rule
    assert "Warning" not in report.split("## Facilities")[1]
    assert "Population from" in report and "Buses from GTFS" in report
    assert "comparison.md" in {p.name for p in out.iterdir()}
    # paired: same people and needs; the AI city adds its channels
    assert smart["kpis"]["overall"]["needs"] == ai["kpis"]["overall"]["needs"]
    deliveries = set(pd.read_csv(out / "mapo_ai" / "trips.csv")["delivery"].dropna())
    assert {"ai_remote", "drt"} <= deliveries
    assert ai["kpis"]["overall"]["met_share"] >= smart["kpis"]["overall"]["met_share"]
