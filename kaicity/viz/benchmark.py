"""Time a Step click of the page: model step plus re-render of every component.

``python -m kaicity.viz.benchmark [SCENARIO.yaml] [--compare OTHER.yaml] [--nodes N] [--residents N]``

The page is rendered with :func:`solara.render` (no browser); the model is advanced to
``--hour`` first (the morning peak by default), then the Step button is clicked
``--clicks`` times.  Each click runs SolaraViz's ``do_step`` (the model's ``step()``)
and the synchronous re-render of the maps, KPI table and charts, which is what the
server does per step; the browser's own drawing happens in parallel on the client.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
os.environ.setdefault("MPLBACKEND", "Agg")


def measure(scenario: str, compare: str | None = None, *, nodes: int = 10_000, residents: int = 10_000,
            hour: float = 8.0, clicks: int = 30) -> dict:
    """Build the page, advance to ``hour`` and time ``clicks`` Step clicks.

    Returns
    -------
    dict
        ``build_s`` (model + first render), ``click_ms`` (wall time per click, list),
        ``cpu_ms`` (this process's CPU time per click: robust when other jobs share
        the cores), ``step_ms`` (model step only, list), ``n_nodes``, ``residents``.
    """
    import ipyvuetify as v
    import solara

    from kaicity.viz.app import make_page
    from kaicity.viz.vizmodel import KaiCityViz

    overrides = {"city.n_nodes": nodes, "population.residents": residents}
    t0 = time.perf_counter()
    viz = KaiCityViz(scenario, compare, overrides=overrides)
    if viz.error:
        raise SystemExit(f"cannot build the model: {viz.error}")
    m = viz.models[0]
    while m.clock_hour < hour and viz.running and m.now < 86_400:
        viz.step()
    _, rc = solara.render(solara.AppLayout(children=[make_page(scenario, compare, overrides=overrides,
                                                               model=viz)]), handle_error=False)
    build_s = time.perf_counter() - t0
    button = rc.find(v.Btn, children=["Step"]).widget
    inner = [mm.step for mm in viz.models]
    step_ms: list[float] = []

    def timed(f):
        def wrapper():
            t = time.perf_counter()
            f()
            step_ms.append(1000 * (time.perf_counter() - t))
        return wrapper

    for mm, f in zip(viz.models, inner, strict=True):
        mm.step = timed(f)
    click_ms, cpu_ms = [], []
    for _ in range(clicks):
        t, c = time.perf_counter(), time.process_time()
        button.click()
        click_ms.append(1000 * (time.perf_counter() - t))
        cpu_ms.append(1000 * (time.process_time() - c))
    per_click_step = [sum(step_ms[i::len(viz.models)][k] for i in range(len(viz.models)))
                      for k in range(clicks)] if step_ms else []
    rc.close()
    return {"build_s": build_s, "click_ms": click_ms, "cpu_ms": cpu_ms, "step_ms": per_click_step,
            "n_nodes": m.city.walk.n_nodes, "residents": m.population.n, "clock": m.clock_hour}


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m kaicity.viz.benchmark", description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", nargs="?", default="scenarios/ai_city.yaml")
    p.add_argument("--compare", default=None)
    p.add_argument("--nodes", type=int, default=10_000)
    p.add_argument("--residents", type=int, default=10_000)
    p.add_argument("--hour", type=float, default=8.0, help="clock hour to advance to before timing")
    p.add_argument("--clicks", type=int, default=30)
    args = p.parse_args(argv)
    r = measure(args.scenario, args.compare, nodes=args.nodes, residents=args.residents, hour=args.hour,
                clicks=args.clicks)
    c = sorted(r["click_ms"])
    p95 = c[min(len(c) - 1, int(round(0.95 * (len(c) - 1))))]
    print(f"{args.scenario}{' vs ' + args.compare if args.compare else ''}: {r['n_nodes']} nodes, "
          f"{r['residents']} residents, timed from {r['clock']:.2f} h; build + first render {r['build_s']:.1f} s")
    print(f"step + re-render per click: median {statistics.median(c):.0f} ms, p95 {p95:.0f} ms, "
          f"max {c[-1]:.0f} ms wall; CPU median {statistics.median(r['cpu_ms']):.0f} ms, "
          f"max {max(r['cpu_ms']):.0f} ms (model step alone: median {statistics.median(r['step_ms']):.1f} ms)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
