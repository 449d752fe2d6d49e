"""Paired replicates in ``kaicity compare`` (issue 15, item 1).

The paired statistics on hand-made numbers (scipy's paired t-test as the reference), then the
command end to end on tiny scenarios with real Dask worker processes: one run per seed and
scenario, a table whose differences are the means of the per-seed differences read back from the
runs' summary.json files, one seed equal to plain single runs, and bad arguments refused in one
line before anything runs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kaicity.cli import main
from kaicity.kpi_labels import kpi_text
from kaicity.outdir import MARKER
from kaicity.paired import COLUMNS, mean_summary, paired_difference, replicate_table

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
TINY = ["--set", "city.n_nodes=1200", "--set", "population.residents=300", "--set", "simulation.tick_minutes=10"]
PAIR = [str(SCEN / "smart_city.yaml"), str(SCEN / "ai_city.yaml")]


# ------------------------------------------------------------------ statistics on hand-made numbers
def test_paired_difference_matches_scipy_paired_t_test():
    base = [0.80, 0.84, 0.79, 0.83, 0.81]
    other = [0.86, 0.88, 0.85, 0.90, 0.84]
    p = paired_difference(base, other)
    ref = stats.ttest_rel(other, base).confidence_interval(0.95)
    assert p.mean == pytest.approx(np.mean(np.subtract(other, base)))
    assert (p.lo, p.hi) == pytest.approx((ref.low, ref.high))
    assert p.n == 5 and p.exceeds_noise is True and p.lo > 0


def test_a_difference_within_noise_does_not_exceed_it():
    base = [10.0, 12.0, 9.0, 11.0]
    other = [11.0, 10.5, 10.0, 10.0]  # differences +1, -1.5, +1, -1
    p = paired_difference(base, other)
    assert p.lo < 0 < p.hi and p.exceeds_noise is False
    assert p.mean == pytest.approx(-0.125)
    half = stats.t.ppf(0.975, 3) * np.std([1, -1.5, 1, -1], ddof=1) / 2
    assert (p.lo, p.hi) == pytest.approx((p.mean - half, p.mean + half))


def test_one_seed_gives_no_interval_and_missing_pairs_are_dropped():
    one = paired_difference([3.0], [5.0])
    assert one.mean == 2.0 and math.isnan(one.lo) and math.isnan(one.hi) and one.exceeds_noise is None
    dropped = paired_difference([1.0, None, 2.0, 4.0], [2.0, 7.0, float("nan"), 5.0])
    assert dropped.n == 2 and dropped.mean == 1.0
    assert dropped.lo == dropped.hi == 1.0 and dropped.exceeds_noise is True  # no spread: the value itself
    assert paired_difference([1.0, 1.0], [1.0, 1.0]).exceeds_noise is False
    assert paired_difference([None], [1.0]).n == 0


def _summary(name: str, seed: int, met: float, wait: float | None) -> dict:
    return {"scenario": name, "seed": seed,
            "kpis": {"overall": {"met_share": met, "note": "text", "flag": True},
                     "transit": {"drt": {"wait_min": wait}}}}


def test_replicate_table_means_and_paired_differences():
    runs = [[_summary("a", 1, 0.5, None), _summary("b", 1, 0.7, 4.0)],
            [_summary("a", 2, 0.6, None), _summary("b", 2, 0.75, 6.0)],
            [_summary("a", 3, 0.4, None), _summary("b", 3, 0.65, 5.0)]]
    table = replicate_table(runs)
    assert tuple(table.columns) == COLUMNS
    assert set(table["kpi"]) == {"overall.met_share", "transit.drt.wait_min"}  # text and bools dropped
    rows = table.set_index(["kpi", "scenario"])
    assert rows.loc[("overall.met_share", "a"), "mean"] == pytest.approx(0.5)
    b = rows.loc[("overall.met_share", "b")]
    assert b["mean"] == pytest.approx(0.7) and b["diff_mean"] == pytest.approx(0.2)
    ref = stats.ttest_rel([0.7, 0.75, 0.65], [0.5, 0.6, 0.4]).confidence_interval(0.95)
    assert (b["diff_lo"], b["diff_hi"]) == pytest.approx((ref.low, ref.high))
    assert bool(b["exceeds_noise"]) and b["n_seeds"] == 3
    assert pd.isna(rows.loc[("overall.met_share", "a"), "exceeds_noise"])
    wait = rows.loc[("transit.drt.wait_min", "b")]
    assert wait["mean"] == pytest.approx(5.0) and wait["n_seeds"] == 0 and pd.isna(wait["diff_mean"])


def test_mean_summary_of_one_run_is_that_run():
    s = _summary("a", 7, 0.5, 3)
    m = mean_summary([s])
    assert m["kpis"] == s["kpis"] and m["seeds"] == [7]
    two = mean_summary([s, _summary("a", 8, 0.7, None)])
    assert two["kpis"]["overall"]["met_share"] == pytest.approx(0.6)
    assert two["kpis"]["transit"]["drt"]["wait_min"] == 3 and two["kpis"]["overall"]["note"] == "text"


# ------------------------------------------------------------------ the command, on real worker processes
def test_three_seeds_one_run_each_and_differences_from_the_runs(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", *PAIR, "--seeds", "3", "--seed", "11", "--workers", "2", "--out", str(out),
                 "--quiet", *TINY]) == 0
    printed = capsys.readouterr().out
    seeds = [11, 12, 13]
    runs = []
    for s in seeds:
        pair = []
        for name in ("smart_city", "ai_city"):
            folder = out / f"seed-{s}" / name
            assert (folder / MARKER).is_file() and (folder / "trips.csv").stat().st_size > 0
            summary = json.loads((folder / "summary.json").read_text())
            assert summary["seed"] == s and summary["scenario"] == name
            pair.append(summary)
        runs.append(pair)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [f"seed-{s}" for s in seeds]

    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == list(COLUMNS)
    rows = table.set_index(["kpi", "scenario"])
    assert rows.loc[("paired", "ai_city"), "mean"] == 1
    for key in (("overall", "met_share"), ("by_group", "elderly", "met_share"), ("cost", "per_met_need")):
        def get(summary, key=key):
            v = summary["kpis"]
            for k in key:
                v = v[k]
            return v

        diffs = [get(b) - get(a) for a, b in runs]
        r = rows.loc[(".".join(key), "ai_city")]
        assert r["diff_mean"] == pytest.approx(np.mean(diffs))
        assert r["mean"] == pytest.approx(np.mean([get(b) for _, b in runs]))
        assert r["n_seeds"] == 3 and r["diff_lo"] <= r["diff_mean"] <= r["diff_hi"]
        assert bool(r["exceeds_noise"]) == (r["diff_lo"] > 0 or r["diff_hi"] < 0)
    needs = rows.loc[("overall.needs", "ai_city")]
    assert needs["diff_mean"] == 0 and not bool(needs["exceeds_noise"])  # same needs at every seed

    md = (out / "comparison.md").read_text()
    assert "Paired runs" in md and "seeds 11–13" in md and "ai_city - smart_city (95% CI)" in md
    assert "Student-t" in md and "(comparison_diff.png)" in md and "(seed-12/ai_city/report.md)" in md
    assert (out / "comparison_diff.png").stat().st_size > 0
    assert "Paired runs" in printed
    for key in ("overall.met_share", "cost.per_met_need"):
        row = next(line for line in md.splitlines() if line.startswith(f"| {kpi_text(key)} |"))
        assert ("**" in row) == bool(rows.loc[(key, "ai_city"), "exceeds_noise"])  # bold: exceeds noise
    elderly = next(line for line in md.splitlines() if line.startswith("- **Elderly residents**"))
    within = not bool(rows.loc[("by_group.elderly.met_share", "ai_city"), "exceeds_noise"])
    assert ("(within seed noise)" in elderly) == within


def test_one_seed_equals_single_runs(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", *PAIR, "--seeds", "1", "--seed", "5", "--out", str(out), "--quiet", *TINY]) == 0
    for path, name in zip(PAIR, ("smart_city", "ai_city"), strict=True):
        single = tmp_path / f"run-{name}"
        assert main(["run", path, "--seed", "5", "--out", str(single), "--quiet", *TINY]) == 0
        assert (out / name / "summary.json").read_text() == (single / "summary.json").read_text()
        assert (out / name / "trips.csv").read_bytes() == (single / "trips.csv").read_bytes()
    table = pd.read_csv(out / "comparison.csv").set_index(["kpi", "scenario"])
    assert table["n_seeds"].max() == 1
    assert table["diff_lo"].isna().all() and table["exceeds_noise"].isna().all()
    md = (out / "comparison.md").read_text()
    assert "seed 5)" in md and "One seed" in md and "95% CI" not in md
    assert not list(out.glob("seed-*"))


# ------------------------------------------------------------------ bad arguments, before any run
@pytest.fixture
def no_runs(monkeypatch):
    """Make starting the runs fail loudly, to prove a check happened first."""
    import kaicity.replicates

    def boom(*a, **k):
        raise AssertionError("the runs started")

    monkeypatch.setattr(kaicity.replicates, "run_replicates", boom)


@pytest.mark.parametrize(("extra", "needles"), [
    (["--seeds", "0"], ["--seeds must be at least 1", "got 0"]),
    (["--seeds", "-2"], ["--seeds must be at least 1"]),
    (["--seeds", "10001"], ["--seeds 10,001", "limit of 10,000"]),
    (["--seeds", "3", "--seed", "4294967294"], ["go past the largest seed"]),
    (["--seeds", "two"], ["--seeds", "invalid int value"]),
    (["--workers", "0"], ["--workers must be at least 1"]),
    (["--workers", "100000"], ["--workers 100,000", "per CPU core"]),
    (["--scheduler", "localhost"], ["--scheduler 'localhost'", "tcp://host:8786"]),
])
def test_bad_arguments_are_one_line_errors(extra, needles, tmp_path, capsys, no_runs):
    out = tmp_path / "cmp"
    try:
        code = main(["compare", *PAIR, "--out", str(out), "--quiet", *TINY, *extra])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("kaicity compare")
    for n in needles:
        assert n in err, (n, err)
    assert not out.exists() and not list(tmp_path.glob(".cmp*"))


def test_an_existing_scheduler_runs_the_seeds_and_stays_up(tmp_path):
    """A LocalCluster of processes stands in for a multi-machine scheduler (files come back over Dask)."""
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        out = tmp_path / "cmp"
        assert main(["compare", *PAIR, "--seeds", "2", "--scheduler", cluster.scheduler_address,
                     "--out", str(out), "--quiet", *TINY]) == 0
        for s in (42, 43):
            for name in ("smart_city", "ai_city"):
                assert json.loads((out / f"seed-{s}" / name / "summary.json").read_text())["seed"] == s
        with Client(cluster) as client:  # compare closed its client only, not the cluster
            assert len(client.scheduler_info()["workers"]) == 2


def test_findings_tell_a_later_service_as_plainly_as_more_needs_met():
    from kaicity.report import _needs_and_time_verdict

    assert _needs_and_time_verdict(0.80, 0.95, 20.0, 26.0) == "more needs met, served later"
    assert _needs_and_time_verdict(0.95, 0.80, 20.0, 15.0) == "fewer needs met, served sooner"
    assert _needs_and_time_verdict(0.90, 0.90, None, None) == "as many needs met"
