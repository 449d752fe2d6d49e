"""The answers of an exploration and its report: ``morris.csv``/``sobol.csv`` and their figures,
``prim.csv``, ``samples.csv`` and ``explore.md`` in the output folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kaicity.explore.analysis import PrimAnswer, morris_table, prim_answer, prim_table, sample_means, sobol_table
from kaicity.explore.design import DesignTable, problem
from kaicity.kpi_labels import kpi_text_or_key

__all__ = ["Answers", "analyse", "write_report"]


@dataclass
class Answers:
    """Per-sample KPI means, the sensitivity tables (``None`` when the design does not give them), the
    PRIM answers and notes on what was left out."""

    samples: pd.DataFrame
    morris: pd.DataFrame | None = None
    sobol: pd.DataFrame | None = None
    prim: list[PrimAnswer] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def analyse(exploration, design: DesignTable, table: pd.DataFrame) -> Answers:
    """Sensitivity indices for the design's method and PRIM on every question."""
    y = sample_means(table, design.n, len(exploration.seeds), exploration.kpis)
    answers = Answers(samples=pd.concat([design.values, y], axis=1))
    prob = problem(exploration)
    d = exploration.design
    if d.method == "morris":
        answers.morris = morris_table(prob, design.x, y, d.levels, seed=exploration.sample_seed, notes=answers.notes)
    elif d.method == "sobol":
        answers.sobol = sobol_table(prob, y, seed=exploration.sample_seed, notes=answers.notes)
    for q in exploration.questions:
        answers.prim.append(prim_answer(design.values, y[q.kpi], q))
    return answers


def _md_table(frame: pd.DataFrame, digits: int = 3) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in frame.iterrows():
        cells = [f"{v:.{digits}g}" if isinstance(v, float) else str(v) for v in r]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _header(exploration, design: DesignTable, run) -> list[str]:
    names = [sc.name for sc in exploration.scenarios]
    what = (f"each KPI is the paired difference **{names[1]} - {names[0]}** on the same seed"
            if exploration.paired else f"each KPI is {names[0]}'s value")
    ok = int((run.table["status"] == "ok").sum()) if len(run.table) else 0
    d = exploration.design
    lines = [f"# Exploration: {exploration.name}", "",
             f"SPEC `{exploration.file}`; scenarios {', '.join(names)}: {what}, averaged over "
             f"{len(exploration.seeds)} seed(s) ({', '.join(map(str, exploration.seeds))}) per sample.", "",
             f"Design: **{d.method}** ({', '.join(f'{k}={v}' for k, v in d.model_dump().items() if k != 'method')}), "
             f"{design.n:,} samples x {len(exploration.seeds)} seed(s) = {run.runs:,} "
             f"{'paired runs (each both scenarios)' if exploration.paired else 'runs'}; {ok:,} finished ok, "
             f"{len(run.failures):,} failed, {run.skipped:,} kept from an earlier run; wall time "
             f"{run.seconds / 60:.1f} min for the runs made now.", "", "## Parameters", "",
             "| parameter | range | kind |", "|---|---|---|"]
    for f in exploration.factors:
        kind = ("lever (" + names[-1] + " only)") if f.lever else "uncertain (every scenario)"
        lines.append(f"| `{f.key}` | {f.lo:g} - {f.hi:g}{' (integer)' if f.integer else ''} | {kind} |")
    return [*lines, ""]


def _kpi_head(kpi: str) -> str:
    """A KPI's label (:mod:`kaicity.kpi_labels`, shares as fractions) in bold, then its key."""
    return f"**{kpi_text_or_key(kpi, 'share')}** (`{kpi}`)"


def _morris_md(table: pd.DataFrame) -> list[str]:
    lines = ["## Morris screening", "",
             "mu* is the mean absolute change of the KPI when one parameter moves one grid step across its range "
             "(with its 95% bootstrap half-width); a large sigma means the effect depends on the other parameters "
             "(interactions or non-linearity). Parameters with mu* near 0 can be fixed at their defaults.", "",
             "![Morris](morris.png)", ""]
    for kpi, part in table.groupby("kpi", sort=False):
        top = part.iloc[0]
        lines += [f"{_kpi_head(kpi)}: most influential `{top['parameter']}` (mu* {top['mu_star']:.3g} "
                  f"± {top['mu_star_conf']:.2g}).", "",
                  _md_table(part.drop(columns="kpi").reset_index(drop=True)), ""]
    return lines


def _sobol_md(table: pd.DataFrame) -> list[str]:
    lines = ["## Sobol' variance decomposition", "",
             "S1 is the share of the KPI's variance a parameter explains alone, ST the share it explains with its "
             "interactions (± the 95% bootstrap half-width). ST near 0: the parameter does not matter.", "",
             "![Sobol](sobol.png)", ""]
    for kpi, part in table.groupby("kpi", sort=False):
        lines += [_kpi_head(kpi), "", _md_table(part.drop(columns="kpi").reset_index(drop=True)), ""]
    return lines


def _prim_md(answers: list[PrimAnswer]) -> list[str]:
    lines = ["## Scenario discovery (PRIM)", "",
             "PRIM looks for ranges of the parameters (boxes) where the answer to a question is mostly yes. "
             "*Coverage*: the share of all yes-samples inside the box; *density*: the share of the box's samples "
             "that say yes.", ""]
    for a in answers:
        lines += [f"**{a.question}** (`{a.kpi}`): yes in {a.cases} of {a.samples} samples.", ""]
        lines += [f"- {s}" for s in a.sentences]
        lines.append("")
    return lines


def write_report(out: Path, exploration, design: DesignTable, run, answers: Answers) -> Path:
    """Write the tables, figures and ``explore.md`` into ``out``; return the report's path."""
    import matplotlib.pyplot as plt

    from kaicity.explore.figures import plot_morris, plot_sobol

    out = Path(out)
    answers.samples.to_csv(out / "samples.csv", index_label="sample")
    lines = _header(exploration, design, run)
    if answers.morris is not None and len(answers.morris):
        answers.morris.to_csv(out / "morris.csv", index=False)
        plt.close(plot_morris(answers.morris, out / "morris.png"))
        lines += _morris_md(answers.morris)
    if answers.sobol is not None and len(answers.sobol):
        answers.sobol.to_csv(out / "sobol.csv", index=False)
        plt.close(plot_sobol(answers.sobol, out / "sobol.png"))
        lines += _sobol_md(answers.sobol)
    if answers.prim:
        prim_table(answers.prim).to_csv(out / "prim.csv", index=False)
        lines += _prim_md(answers.prim)
    if answers.notes or run.failures:
        lines += ["## Left out", ""] + [f"- {n}" for n in answers.notes]
        lines += [f"- run {f['run']} failed: {f['error']}" for f in run.failures[:20]]
        lines.append("")
    lines += ["Files: `results/` (Parquet, one row per run), `samples.csv` (per sample: applied values, KPI means), "
              "`morris.csv` / `sobol.csv`, `prim.csv`.", ""]
    path = out / "explore.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
