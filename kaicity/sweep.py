"""Parameter sweeps: many paired runs over a grid of scenario overrides and seeds.

Runs go to a Dask ``distributed`` cluster: a local one by default (``n_workers``
processes on this machine), or an existing scheduler (``scheduler="tcp://host:8786"``)
when a sweep outgrows one machine.  Every point runs with the same seeds, so
differences between points come from the parameters alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from kaicity.errors import ScenarioError

#: KPIs collected for every sweep point (dotted paths into summary.json's ``kpis``).
SWEEP_KPIS: tuple[str, ...] = (
    "overall.met_share",
    "overall.unmet_share",
    "overall.time_to_service_min.mean",
    "by_group.elderly.met_share",
    "by_group.elderly.time_to_service_min.mean",
    "by_group.non_elderly.met_share",
    "by_group.non_elderly.time_to_service_min.mean",
    "by_zone.rural.met_share",
    "by_zone.rural.time_to_service_min.mean",
    "access.by_group.elderly.effective_index",
    "equity.gini_time_to_service",
    "equity.elderly_vs_non_elderly_time_ratio",
    "digital_inclusion.elderly_literacy_end",
    "ai.uses",
    "ai.energy_kwh",
    "transit.drt.wait_min.mean",
    "transit.drt.rejection_rate",
    "cost.total",
    "cost.per_met_need",
)


def parse_param(text: str) -> tuple[str, list]:
    """``"key=v1,v2,v3"`` -> ``("key", [v1, v2, v3])`` with YAML-parsed values."""
    import yaml

    if "=" not in text:
        raise ScenarioError(f"--param expects KEY=V1,V2,..., got {text!r}")
    key, values = text.split("=", 1)
    parsed = [yaml.safe_load(v) for v in values.split(",") if v.strip() != ""]
    if not parsed:
        raise ScenarioError(f"--param {key}: no values given")
    return key.strip(), parsed


def grid(params: Sequence[tuple[str, list]], seeds: Iterable[int]) -> list[dict]:
    """Cartesian product of parameter values times seeds: a list of ``{"overrides", "seed"}``."""
    keys = [k for k, _ in params]
    points = []
    for values in itertools.product(*[v for _, v in params]):
        for seed in seeds:
            points.append({"overrides": dict(zip(keys, values, strict=True)), "seed": int(seed)})
    return points


def run_point(scenario_data: dict, overrides: dict, seed: int) -> dict:
    """Run one sweep point (executed on a worker) and return its headline KPIs."""
    from kaicity.metrics import summarize
    from kaicity.model import KaiCityModel
    from kaicity.report import flatten
    from kaicity.scenario import Scenario

    scenario = Scenario.from_dict(scenario_data)
    model = KaiCityModel(scenario, seed=seed, overrides=overrides)
    model.run()
    flat = flatten(summarize(model))
    row = {**{f"param.{k}": v for k, v in overrides.items()}, "seed": seed}
    row.update({k: flat.get(k) for k in SWEEP_KPIS})
    return row


def run_sweep(scenario, params: Sequence[tuple[str, list]], seeds: Iterable[int], *, n_workers: int = 2,
              scheduler: str | None = None, progress: bool = True) -> pd.DataFrame:
    """Run every point of the grid on a Dask distributed cluster and return one row per point.

    Parameters
    ----------
    scenario
        The base :class:`~kaicity.scenario.Scenario`.
    params
        ``[(dotted key, [values...]), ...]``; every key is validated before anything runs.
    seeds
        Seeds run at every point.
    n_workers
        Worker processes of the local cluster (ignored with ``scheduler``).
    scheduler
        Address of an existing Dask scheduler; ``None`` starts a local cluster.
    progress
        Show a progress bar.
    """
    points = grid(params, list(seeds))
    for p in points:  # fail fast on a bad key or value, before any worker starts
        scenario.with_overrides(p["overrides"])
    data = scenario.to_dict()
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = [client.submit(run_point, data, p["overrides"], p["seed"], pure=False) for p in points]
        rows = []
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(futures), desc="sweep", unit="run")
        for fut in as_completed(futures):
            rows.append(fut.result())
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    df = pd.DataFrame(rows)
    sort_cols = [c for c in df.columns if c.startswith("param.")] + ["seed"]
    return df.sort_values(sort_cols, kind="stable").reset_index(drop=True)


def plot_sweep(df: pd.DataFrame, out: Path) -> list[str]:
    """Line plots of headline KPIs against the first swept parameter (mean over seeds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    params = [c for c in df.columns if c.startswith("param.")]
    if not params:
        return []
    x = params[0]
    others = params[1:]
    kpis = ["by_group.elderly.met_share", "by_group.non_elderly.met_share",
            "by_group.elderly.time_to_service_min.mean", "equity.elderly_vs_non_elderly_time_ratio"]
    fig, axes = plt.subplots(1, len(kpis), figsize=(4.2 * len(kpis), 3.6))
    groups = df.groupby(others) if others else [((), df)]
    for key, sub in groups:
        mean = sub.groupby(x)[kpis].mean(numeric_only=True)
        label = ", ".join(f"{o.removeprefix('param.')}={v}" for o, v in
                          zip(others, key if isinstance(key, tuple) else (key,), strict=False)) or "mean"
        for ax, k in zip(axes, kpis, strict=True):
            ax.plot(mean.index, mean[k], marker="o", label=label)
    for ax, k in zip(axes, kpis, strict=True):
        ax.set_title(k, fontsize=9)
        ax.set_xlabel(x.removeprefix("param."))
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    Path(out).mkdir(parents=True, exist_ok=True)
    fig.savefig(Path(out) / "sweep.png", dpi=110)
    plt.close(fig)
    return ["sweep.png"]
