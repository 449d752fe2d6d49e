"""``kaicity access [SPEC]``: 15-minute walking access by population group and zone.

Loads a city (SPEC; default: the ``--scenario``'s city, else the offline synthetic city), takes
the nearest facility of each category from every walk node (:func:`kaicity.accessibility.nearest_facility_times`,
the table the model's residents use too) and prints the share of residents who reach each category
within ``--minutes`` at their own walking speed, by group and zone, with the 15-minute index (mean
over categories) and the Gini coefficient of nearest-facility time (:func:`kaicity.metrics.access.coverage`,
the definition of ``summary.json``'s ``access``).

Residents are the scenario's (``--scenario FILE``; default: the schema's defaults, as in
``scenarios/smart_city.yaml``): ``population.residents`` homes placed by zone share, age groups and
per-person walking speeds drawn exactly as a run of that scenario draws them (same ``--seed``, default
the scenario's), each standing for ``population.scale`` people.  ``--residents``, ``--elderly-share``,
``--child-share`` and ``--speed-child/-adult/-elderly`` override those population keys.

Writes ``DIR/access_coverage.csv`` (the tidy table) and ``DIR/access_map.png`` (every walk
node coloured by the elderly's 15-minute index at the elderly's mean speed); ``DIR`` is ``--out``,
by default ``out/access``, and must be new or empty unless ``--overwrite``.

Examples
--------
``kaicity access``
``kaicity access --scenario scenarios/ai_city.yaml``
``kaicity access ../shared/data/osm/seoul_mapo_gongdeok.osm --speed-elderly 0.8 --out out/mapo``
``kaicity access synthetic:n=50000,seed=2 --elderly-share 0.3 --minutes 10``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from kaicity.categories import CATEGORIES, GROUPS, ZONES
from kaicity.commands._args import add_overwrite
from kaicity.commands._args import seed as seed_arg
from kaicity.commands.network import add_facility_options
from kaicity.errors import InputFileError

#: Colour map of the index (0 = nothing within reach, 1 = every category).
INDEX_CMAP = "RdYlGn"


def register(subparsers) -> None:
    """Add the ``access`` sub-command."""
    p = subparsers.add_parser(
        "access", help="15-minute walking access by age group and zone (coverage, index, Gini, map)",
        description="Share of residents reaching the nearest facility of each category within a walking "
                    "time, by age group and zone, with the 15-minute index and the Gini of nearest-facility "
                    "time; writes DIR/access_coverage.csv and DIR/access_map.png (the elderly's index per "
                    "node).  SPEC: 'synthetic[:n=20000,seed=3]' (default), an .osm or .graphml file, a place "
                    "name, 'address:...', or a bbox 'W,S,E,N'.",
    )
    p.add_argument("spec", metavar="SPEC", nargs="?", default=None,
                   help="city to load (default: the --scenario's city, else synthetic)")
    p.add_argument("--scenario", type=Path, default=None, metavar="FILE",
                   help="scenario whose population (homes, groups, walking speeds) is used (default: the "
                        "schema's defaults)")
    p.add_argument("--out", type=Path, default=Path("out/access"), metavar="DIR",
                   help="folder for the CSV and the map (default: out/access); must be new or empty unless "
                        "--overwrite")
    add_overwrite(p)
    p.add_argument("--minutes", type=float, default=15.0, help="walking-time budget (default 15)")
    p.add_argument("--residents", type=int, default=None,
                   help="override population.residents (default: the scenario's, 10000 in the schema)")
    p.add_argument("--elderly-share", type=float, default=None, help="override population.elderly_share")
    p.add_argument("--child-share", type=float, default=None, help="override population.child_share")
    for g in GROUPS:
        p.add_argument(f"--speed-{g}", type=float, default=None, metavar="M_S",
                       help=f"override population.walking_speed_mps.{g} (mean m/s)")
    p.add_argument("--seed", type=seed_arg, default=None,
                   help="seed of the residents (default: the scenario's, as a run draws them)")
    add_facility_options(p)
    p.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all)")
    p.add_argument("--no-map", action="store_true", help="do not draw access_map.png")
    p.set_defaults(func=run)


def population_overrides(args: argparse.Namespace) -> dict:
    """The ``population.*`` overrides given on the command line."""
    keys = {"residents": "population.residents", "elderly_share": "population.elderly_share",
            "child_share": "population.child_share"}
    keys.update({f"speed_{g}": f"population.walking_speed_mps.{g}" for g in GROUPS})
    return {path: getattr(args, name) for name, path in keys.items() if getattr(args, name) is not None}


def scenario_population(city, scenario, seed: int) -> pd.DataFrame:
    """The residents a run of ``scenario`` with ``seed`` draws on ``city``: node, weight, group, speed."""
    from kaicity.services.population import synthesize_population

    pop, _ = synthesize_population(city.walk.zone, scenario.population, seed)
    return pd.DataFrame({"node": pop.home, "weight": np.full(pop.n, pop.scale),
                         "group": np.asarray(GROUPS, dtype=object)[pop.group], "speed": pop.speed})


def run(args: argparse.Namespace) -> int:
    """Load the city, compute coverage, print the table, write the CSV and the map."""
    from kaicity.accessibility import nearest_facility_times
    from kaicity.metrics.access import coverage, fifteen_minute_index
    from kaicity.model import city_for
    from kaicity.network import load_city
    from kaicity.outdir import atomic_output
    from kaicity.scenario import Scenario, load_scenario

    scenario = load_scenario(args.scenario) if args.scenario is not None else Scenario(name="schema defaults")
    overrides = population_overrides(args)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    seed = scenario.seed if args.seed is None else args.seed
    out = Path(args.out)
    with atomic_output(out, overwrite=args.overwrite, kind="access") as tmp:
        if args.spec is None and args.scenario is not None:
            city = city_for(scenario)
        else:
            city = load_city(args.spec or "synthetic", facilities=args.facilities, placement=args.placement,
                             keep_networkx=False)
        population = scenario_population(city, scenario, seed)
        nearest = nearest_facility_times(city, threads=args.threads)
        table = coverage(city, population=population, minutes=args.minutes, nearest=nearest)
        pop_note = (f"{len(population):,} residents sampled from scenario {scenario.name} (seed {seed}, "
                    f"population.scale {scenario.population.scale:g})")
        print(f"{city.name}: walk {city.walk.n_nodes:,} nodes, {len(city.facilities)} facilities; {pop_note}")
        print(format_table(table))
        try:
            table.to_csv(tmp / "access_coverage.csv", index=False)
        except OSError as exc:
            raise InputFileError(f"{out}: cannot write the results ({exc.strerror or exc})") from exc
        if not args.no_map:
            speed = float(scenario.population.walking_speed_mps.elderly)
            index = fifteen_minute_index(nearest, speed, args.minutes)
            plot_index(city, index, tmp / "access_map.png",
                       title=f"{city.name}: 15-minute index for the elderly ({speed:g} m/s, "
                             f"{args.minutes:g} min)")
    print(f"table: {out / 'access_coverage.csv'}")
    if not args.no_map:
        print(f"map: {out / 'access_map.png'}")
    return 0


def format_table(table: pd.DataFrame) -> str:
    """The coverage table as text: one line per (group, zone), categories as columns."""
    minutes = table.attrs.get("minutes", 15.0)
    cats = [c for c in CATEGORIES if c in set(table["category"])]
    head = (f"{'group':<8} {'zone':<7} {'residents':>10}  " + " ".join(f"{c[:10]:>10}" for c in cats)
            + f"  {'index':>6} {'gini':>6} {'no access':>9}")
    lines = [f"share of residents within {minutes:g} min of the nearest facility "
             f"(gini: of each resident's mean time over categories)", head, "-" * len(head)]
    order_z = {z: i for i, z in enumerate((*ZONES, "all"))}
    groups = list(dict.fromkeys(table["group"]))
    for g in groups:
        sub = table[table["group"] == g]
        for z in sorted(set(sub["zone"]), key=lambda z: order_z.get(z, 99)):
            rows = sub[sub["zone"] == z].set_index("category")
            cov = " ".join(f"{rows.loc[c, 'coverage'] * 100:>9.1f}%" for c in cats)
            allr = rows.loc["all"]
            gini = "" if np.isnan(allr["gini"]) else f"{allr['gini']:.3f}"
            lines.append(f"{g:<8} {z:<7} {allr['population']:>10,.0f}  {cov}  {allr['index'] * 100:>5.1f}% "
                         f"{gini:>6} {allr['unreachable'] * 100:>8.1f}%")
    return "\n".join(lines)


def plot_index(city, index: np.ndarray, path: Path, *, title: str = "", dpi: int = 150) -> Path:
    """Map every walk node coloured by ``index`` (0..1) over the streets, facilities on top."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    walk = city.walk
    fig = Figure(figsize=(9, 8.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    wt = walk.edge_tails()
    once = wt < walk.indices
    tails, heads = wt[once], walk.indices[once]
    segs = np.stack([np.column_stack([walk.x[tails], walk.y[tails]]),
                     np.column_stack([walk.x[heads], walk.y[heads]])], axis=1)
    ax.add_collection(LineCollection(segs, colors="#b0b0b0", linewidths=0.5, zorder=1))
    size = 2.0 if walk.n_nodes > 50_000 else 5.0 if walk.n_nodes > 5_000 else 14.0
    sc = ax.scatter(walk.x, walk.y, c=index, s=size, cmap=INDEX_CMAP, vmin=0.0, vmax=1.0, linewidths=0,
                    zorder=2)
    fac = city.facilities
    if len(fac):
        ax.scatter(fac["x"], fac["y"], s=16, c="black", marker="x", linewidths=0.8, zorder=3,
                   label=f"facilities ({len(fac)})")
        ax.legend(loc="upper left", fontsize=7, framealpha=0.85)
    cb = fig.colorbar(sc, ax=ax, shrink=0.8)
    cb.set_label("share of service categories within reach")
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel(f"x (m, {walk.crs})")
    ax.set_ylabel("y (m)")
    ax.ticklabel_format(style="plain", useOffset=False)
    ax.tick_params(labelsize=7)
    ax.set_title(title, fontsize=10)
    credit = city.report.get("attribution")
    if credit:
        ax.text(0.995, 0.005, credit, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1.5}, zorder=5)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=dpi)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write the map ({exc.strerror or exc})") from exc
    return Path(path)
