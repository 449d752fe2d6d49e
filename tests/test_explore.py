"""``kaicity explore`` (issue 15, items 2-3): the SPEC's checks, the SALib designs, the analyses on
functions with known answers, and runs on Dask worker processes that stream to Parquet, record failures
and resume to the same results as an uninterrupted exploration.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kaicity.cli import main
from kaicity.errors import ExploreError, ScenarioError
from kaicity.explore import check_kpis, check_max_runs, check_time_budget, field_range, load_spec, make_design, resolve
from kaicity.explore.analysis import morris_table, prim_answer, sobol_table
from kaicity.explore.design import n_samples, problem
from kaicity.explore.spec import Question
from kaicity.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
TINY = {"population.residents": 300, "city.n_nodes": 1200, "simulation.tick_minutes": 10}


def _spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("SCEN", str(SCEN)), encoding="utf-8")
    return path


BASE = """
scenarios: [SCEN/smart_city.yaml, SCEN/ai_city.yaml]
parameters:
  ai_services.literacy_required: null
  ai_services.share.healthcare: [0.02, 0.5]
levers:
  transit.drt.vehicles: [2, 16]
kpis: [by_group.elderly.met_share]
design: {method: morris, trajectories: 3, levels: 4}
overrides: {population.residents: 300, city.n_nodes: 1200, simulation.tick_minutes: 10}
"""


# ------------------------------------------------------------------ schema ranges
def test_field_range_reads_the_schema_metadata_and_map_ranges():
    info = Scenario.model_fields["ai_services"].annotation.model_fields["literacy_required"]
    assert field_range("ai_services.literacy_required").range == tuple(info.json_schema_extra["range"])
    # a pair range on a map is a multiplier of its items (kaicity.scenario.ranges), not values: no item range
    assert field_range("ai_services.resolution.welfare").range is None
    assert field_range("transit.drt.vehicles").integer
    assert field_range("ai_services.share.healthcare").range == (0.002, 0.35)  # a per-key range, as values
    assert not field_range("ai_services.enabled").numeric
    assert field_range("ai_services.nope") is None


# ------------------------------------------------------------------ the SPEC
def test_a_spec_resolves_to_factors_with_schema_ranges_and_levers(tmp_path):
    exp = resolve(load_spec(_spec(tmp_path, BASE)))
    keys = {f.key: f for f in exp.factors}
    assert (keys["ai_services.literacy_required"].lo, keys["ai_services.literacy_required"].hi) == \
        field_range("ai_services.literacy_required").range
    assert keys["transit.drt.vehicles"].lever and keys["transit.drt.vehicles"].integer
    assert exp.paired and exp.scenarios[0].population.residents == 300
    smart, ai = exp.overrides_for({"ai_services.literacy_required": 0.4, "ai_services.share.healthcare": 0.1,
                                   "transit.drt.vehicles": 5})
    assert "transit.drt.vehicles" not in smart and ai["transit.drt.vehicles"] == 5


@pytest.mark.parametrize(("old", "new", "message"), [
    ("ai_services.share.healthcare: [0.02, 0.5]", "ai_services.shares.healthcare: [0.02, 0.5]",
     "parameters.ai_services.shares.healthcare: unknown parameter"),
    ("ai_services.share.healthcare: [0.02, 0.5]", "ai_services.share.healthcare: [0.2, 1.5]",
     "parameters.ai_services.share.healthcare: the range [0.2, 1.5] leaves the valid domain"),
    ("ai_services.share.healthcare: [0.02, 0.5]", "transit.drt.max_wait_min: null",
     "parameters.transit.drt.max_wait_min: the schema documents no plausible range"),
    ("ai_services.share.healthcare: [0.02, 0.5]", "ai_services.enabled: [0, 1]",
     "parameters.ai_services.enabled: is not a numeric parameter"),
    ("transit.drt.vehicles: [2, 16]", "transit.drt.vehicles: [16, 2]", "is empty"),
    ("kpis: [by_group.elderly.met_share]",
     "kpis: [by_group.elderly.met_share]\nquestions: [{kpi: overall.met_share, below: 0}]",
     "questions.0.kpi: 'overall.met_share' is not one of the SPEC's kpis"),
])
def test_bad_entries_are_one_line_errors_naming_the_entry(tmp_path, old, new, message):
    path = _spec(tmp_path, BASE.replace(old, new))
    with pytest.raises(ExploreError) as exc:
        resolve(load_spec(path))
    assert message in str(exc.value) and "\n" not in str(exc.value) and str(path) in str(exc.value)


def test_spec_schema_errors_name_file_line_and_key(tmp_path):
    path = _spec(tmp_path, BASE.replace("{method: morris, trajectories: 3, levels: 4}", "{method: sobol, n: 48}"))
    with pytest.raises(ScenarioError, match=r"spec.yaml:\d+: design.*power of 2"):
        load_spec(path)
    path = _spec(tmp_path, BASE + "colour: red\n", "b.yaml")
    with pytest.raises(ScenarioError, match="colour"):
        load_spec(path)


def test_unknown_kpis_are_refused_against_a_real_runs_keys():
    from kaicity.explore.runner import _kpis_of

    sc = Scenario.from_dict({"name": "t", "city": {"source": "synthetic"}}).with_overrides(TINY)
    with pytest.warns(Warning):
        known = set(_kpis_of(sc.to_dict(), {}, 1))
    check_kpis(["by_group.elderly.met_share", "cost.per_met_need"], known)
    lacking = next(f"by_group.{g}.met_by_delivery.car" for g in ("child", "adult", "elderly")
                   if f"by_group.{g}.met_by_delivery.car" not in known)
    check_kpis([lacking], known)  # a delivery mode this run lacks for one group but has for another
    with pytest.raises(ExploreError, match=r"kpis.1: unknown KPI 'by_group.eldery.met_share'; did you mean "
                                           r"by_group.elderly.met_share"):
        check_kpis(["overall.met_share", "by_group.eldery.met_share"], known)


def test_a_design_too_large_says_how_many_runs_before_starting(tmp_path):
    exp = resolve(load_spec(_spec(tmp_path, BASE)))
    assert check_max_runs(exp, 1000) == 3 * 4 * 2
    with pytest.raises(ExploreError, match=r"means 24 runs \(12 samples x 1 seed x 2 scenarios\), more than "
                                           r"--max-runs 10"):
        check_max_runs(exp, 10)
    with pytest.raises(ExploreError, match=r"12 samples .* about 2 min on 1 worker.*--time-budget 1 min"):
        check_time_budget(exp, 10.0, 1, 1.0)
    assert check_time_budget(exp, 10.0, 2, 5.0) == pytest.approx(1.0)


# ------------------------------------------------------------------ designs
@pytest.mark.parametrize(("design", "expected"), [("{method: morris, trajectories: 3, levels: 4}", 3 * 4),
                                                  ("{method: sobol, n: 8}", 8 * 5),
                                                  ("{method: lhs, n: 7}", 7)])
def test_designs_have_salibs_sizes_and_stay_in_range(tmp_path, design, expected):
    exp = resolve(load_spec(_spec(tmp_path, BASE.replace("{method: morris, trajectories: 3, levels: 4}", design))))
    d = make_design(exp)
    assert d.n == n_samples(exp) == expected
    for i, f in enumerate(exp.factors):
        assert f.lo <= d.x[:, i].min() and d.x[:, i].max() <= f.hi
    assert (d.values["transit.drt.vehicles"] == d.values["transit.drt.vehicles"].round()).all()
    assert np.array_equal(make_design(exp).x, d.x)  # deterministic: a resume draws the same samples


# ------------------------------------------------------------------ analyses with known answers
def _exp_of(names, bounds):
    class E:
        factors = [type("F", (), {"key": n, "lo": lo, "hi": hi}) for n, (lo, hi) in zip(names, bounds, strict=True)]
    return E


def test_morris_and_sobol_find_the_parameter_that_matters():
    from SALib.sample import morris, sobol

    prob = problem(_exp_of(["a", "b", "c"], [(0, 1), (0, 1), (0, 1)]))
    x = morris.sample(prob, N=10, num_levels=4, seed=1)
    y = pd.DataFrame({"k": 3 * x[:, 0] + 0.5 * x[:, 1]})
    table = morris_table(prob, x, y, 4).set_index("parameter")
    assert table.loc["a", "mu_star"] == pytest.approx(3.0) and table.loc["b", "mu_star"] == pytest.approx(0.5)
    assert table.loc["c", "mu_star"] == 0 and table.index[0] == "a"
    xs = sobol.sample(prob, 256, calc_second_order=False, seed=1)
    ys = pd.DataFrame({"k": xs[:, 0] + 0.01 * xs[:, 2]})
    st = sobol_table(prob, ys).set_index("parameter")
    assert st.loc["a", "ST"] == pytest.approx(1.0, abs=0.05) and abs(st.loc["b", "ST"]) < 0.02
    assert st.loc["a", "ST_conf"] > 0 and (st["ST_conf"] >= 0).all()


def test_prim_finds_the_box_and_says_it_in_words():
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"share": rng.uniform(0, 1, 400), "noise": rng.uniform(0, 1, 400)})
    y = pd.Series(x["share"] - 0.3)  # negative exactly when share < 0.3
    answer = prim_answer(x, y, Question(kpi="k", below=0.0, says="the AI city does worse"))
    assert answer.cases == int((x["share"] < 0.3).sum()) and answer.boxes
    box = answer.boxes[0]
    lo, hi = box.limits["share"]
    assert set(box.limits) == {"share"} and 0.3 <= hi <= 0.3 / 0.8  # the most coverage at density >= 0.8
    inside = (x["share"] >= lo) & (x["share"] <= hi)
    cases = x["share"] < 0.3
    assert box.density == pytest.approx((inside & cases).sum() / inside.sum()) and box.density >= 0.8
    assert box.coverage == pytest.approx((inside & cases).sum() / cases.sum()) and box.coverage > 0.9
    assert answer.sentences[0].startswith("the AI city does worse when share <= 0.") and "coverage" in \
        answer.sentences[0]
    none = prim_answer(x, pd.Series(np.ones(400)), Question(kpi="k", below=0.0))
    assert not none.boxes and "in none of the 400 samples" in none.sentences[0]


# ------------------------------------------------------------------ runs on Dask
ONE = """
scenarios: [SCEN/ai_city.yaml]
parameters:
  ai_services.literacy_required: null
  transit.drt.vehicles: [2, 16]
kpis: [overall.met_share, by_group.elderly.met_share]
design: {method: lhs, n: 4}
overrides: {population.residents: 300, city.n_nodes: 1200, simulation.tick_minutes: 10}
"""


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = [c for c in a.columns if c != "seconds"]
    pd.testing.assert_frame_equal(a.sort_values("run")[cols].reset_index(drop=True),
                                  b.sort_values("run")[cols].reset_index(drop=True))


def test_runs_stream_to_parquet_and_a_resumed_exploration_equals_an_uninterrupted_one(tmp_path):
    from kaicity.explore import run_exploration

    exp = resolve(load_spec(_spec(tmp_path, ONE)))
    design = make_design(exp)
    full = run_exploration(exp, design, tmp_path / "full", n_workers=2, progress=False, batch=2)
    assert full.runs == 4 and not full.failures and (full.table["status"] == "ok").all()
    parts = sorted((tmp_path / "full" / "results").glob("part-*.parquet"))
    assert len(parts) >= 2  # 4 runs in parts of at most 2 rows, written as they finished
    kept = len(pd.read_parquet(parts[0]))
    shutil.copytree(tmp_path / "full", tmp_path / "cut")
    for p in sorted((tmp_path / "cut" / "results").glob("part-*.parquet"))[1:]:
        p.unlink()  # as if killed after the first batch
    with pytest.raises(ExploreError, match="--resume"):
        run_exploration(exp, design, tmp_path / "cut", progress=False)
    resumed = run_exploration(exp, design, tmp_path / "cut", n_workers=1, progress=False, resume=True,
                              processes=False)
    assert resumed.skipped == kept
    _same(full.table, resumed.table)
    applied = full.table.set_index("sample")["param:transit.drt.vehicles"].sort_index()
    assert applied.tolist() == design.values["transit.drt.vehicles"].tolist()


def test_a_failed_run_is_recorded_while_the_others_go_on_and_resume_reruns_it(tmp_path, monkeypatch):
    import kaicity.explore.runner as runner

    exp = resolve(load_spec(_spec(tmp_path, ONE.replace("n: 4", "n: 3"))))
    design = make_design(exp)
    real = runner._kpis_of
    bad = float(design.values["ai_services.literacy_required"].iloc[1])

    def flaky(data, overrides, seed):
        if overrides.get("ai_services.literacy_required") == bad:
            raise RuntimeError("boom")
        return real(data, overrides, seed)

    monkeypatch.setattr(runner, "_kpis_of", flaky)
    first = runner.run_exploration(exp, design, tmp_path / "o", n_workers=1, progress=False, processes=False)
    rows = first.table.set_index("sample")
    assert rows.loc[1, "status"] == "error" and "RuntimeError: boom" in rows.loc[1, "error"]
    assert (rows.drop(index=1)["status"] == "ok").all() and np.isnan(rows.loc[1, "y:overall.met_share"])
    monkeypatch.setattr(runner, "_kpis_of", real)
    second = runner.run_exploration(exp, design, tmp_path / "o", n_workers=1, progress=False, processes=False,
                                    resume=True)
    assert second.skipped == 2 and not second.failures and (second.table["status"] == "ok").all()


def test_cli_refuses_a_bad_spec_in_one_line(tmp_path, capsys):
    path = _spec(tmp_path, BASE.replace("ai_services.share.healthcare: [0.02, 0.5]",
                                        "ai_services.share.healthcare: [0.2, 1.5]"))
    assert main(["explore", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kaicity explore: error:") and "\n" not in err and "valid domain" in err
    assert not (tmp_path / "o").exists()
    assert main(["explore", str(path), "--workers", "0"]) == 2


def test_time_budget_on_a_scheduler_divides_by_its_worker_threads_not_workers(tmp_path, capsys, monkeypatch):
    from dask.distributed import LocalCluster

    import kaicity.explore as explore

    path = _spec(tmp_path, BASE)  # 12 samples x 1 seed
    monkeypatch.setattr(explore, "probe", lambda exp: ({"by_group.elderly.met_share"}, 60.0))  # 60 s a sample
    with LocalCluster(n_workers=1, threads_per_worker=3, processes=False, protocol="tcp://",
                      dashboard_address=":0") as cluster:
        from kaicity.explore.runner import scheduler_threads

        assert scheduler_threads(cluster.scheduler_address) == 3
        code = main(["explore", str(path), "--scheduler", cluster.scheduler_address, "--workers", "1",
                     "--time-budget", "1", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    # 12 samples x 60 s / 3 threads = 4 min (by --workers 1 it would say 12 min)
    assert code == 2 and "\n" not in err and "about 4 min on 3 worker thread(s) of tcp://" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name", ["ai_vs_smart", "sobol_scale"])
def test_the_shipped_specs_resolve_on_the_current_schema(name):
    from SALib.sample import sobol

    exp = resolve(load_spec(ROOT / "explorations" / f"{name}.yaml"))
    for f in exp.factors:  # a null range is the schema's plausible range
        rng = field_range(f.key).range
        assert rng is None or rng[0] <= f.lo < f.hi <= rng[1]
    if name == "sobol_scale":  # issue 15's scale target: 8 parameters at N=64, no second order
        assert len(exp.factors) == 8 and check_max_runs(exp, 10_000) == 64 * (8 + 2) * 2
        assert len(sobol.sample(problem(exp), 64, calc_second_order=False)) == n_samples(exp)
