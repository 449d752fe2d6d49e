"""``kaicity access [SPEC]``: 15-minute walking access by population group and zone.

Loads a city (default: the offline synthetic city), computes every walk node's distance to
the nearest facility of each category (:func:`kaicity.accessibility.nearest_facility_times`),
and prints the share of residents who reach each category within ``--minutes`` at their
group's walking speed, by group and zone, with the 15-minute index (mean over categories)
and the Gini coefficient of nearest-facility time (:func:`kaicity.accessibility.coverage`).

Default population (:func:`kaicity.accessibility.default_population`): ``--residents``
homes drawn from the walk nodes with probability proportional to the zone's residents per
node (core 3, suburb 1.5, rural 0.5 -- an assumption), each resident a child, adult or
elderly person with ``--child-share`` / ``--elderly-share``; ``--residents 0`` uses the
expected population on every node instead of a sample.  Unset, the residents, shares and
walking speeds are the scenario defaults (``population.residents``, ``child_share``,
``elderly_share``, ``walking_speed_mps`` in ``docs/scenarios.md``), read from the schema.

Writes ``DIR/access_coverage.csv`` (the tidy table) and ``DIR/access_map.png`` (every walk
node coloured by the elderly's 15-minute index: the share of categories within reach); ``DIR``
is ``--out``, by default ``out/access``, and must be new or empty unless ``--overwrite``.

Examples
--------
``kaicity access``
``kaicity access ../shared/data/osm/seoul_mapo_gongdeok.osm --speed-elderly 0.8 --out out/mapo``
``kaicity access synthetic:n=50000,seed=2 --elderly-share 0.3 --minutes 10``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from kaicity.categories import CATEGORIES, ZONES
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
    p.add_argument("spec", metavar="SPEC", nargs="?", default="synthetic",
                   help="city to load (default: synthetic)")
    p.add_argument("--out", type=Path, default=Path("out/access"), metavar="DIR",
                   help="folder for the CSV and the map (default: out/access); must be new or empty unless "
                        "--overwrite")
    add_overwrite(p)
    p.add_argument("--minutes", type=float, default=15.0, help="walking-time budget (default 15)")
    p.add_argument("--residents", type=int, default=None,
                   help="residents sampled from the walk nodes (default: the scenario default "
                        "population.residents; 0 = expected population on every node)")
    p.add_argument("--elderly-share", type=float, default=None,
                   help="share aged 65+ (default: population.elderly_share)")
    p.add_argument("--child-share", type=float, default=None,
                   help="share under 15 (default: population.child_share)")
    for group in ("child", "adult", "elderly"):
        p.add_argument(f"--speed-{group}", type=float, default=None,
                       help=f"m/s (default: population.walking_speed_mps.{group}"
                            + ("; frail 0.8)" if group == "elderly" else ")"))
    p.add_argument("--seed", type=seed_arg, default=0, help="seed of the resident sample (default 0)")
    add_facility_options(p)
    p.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all)")
    p.add_argument("--no-map", action="store_true", help="do not draw access_map.png")
    p.set_defaults(func=run)


def _fill_scenario_defaults(args: argparse.Namespace) -> None:
    """Unset population options take the scenario defaults (stated once, in the schema)."""
    from kaicity.scenario import PopulationSection

    pop = PopulationSection()
    if args.residents is None:
        args.residents = pop.residents
    if args.elderly_share is None:
        args.elderly_share = pop.elderly_share
    if args.child_share is None:
        args.child_share = pop.child_share
    for group in ("child", "adult", "elderly"):
        if getattr(args, f"speed_{group}") is None:
            setattr(args, f"speed_{group}", pop.walking_speed_mps[group])


def run(args: argparse.Namespace) -> int:
    """Load the city, compute coverage, print the table, write the CSV and the map."""
    from kaicity import accessibility as A
    from kaicity.network import load_city
    from kaicity.outdir import atomic_output

    _fill_scenario_defaults(args)
    out = Path(args.out)
    with atomic_output(out, overwrite=args.overwrite, kind="access") as tmp:
        city = load_city(args.spec, facilities=args.facilities, placement=args.placement, keep_networkx=False)
        residents = None if args.residents == 0 else args.residents
        population = A.default_population(city, residents=residents, elderly_share=args.elderly_share,
                                          child_share=args.child_share, seed=args.seed)
        speeds = {"child": args.speed_child, "adult": args.speed_adult, "elderly": args.speed_elderly}
        nearest = A.nearest_facility_times(city, threads=args.threads)
        table = A.coverage(city, population=population, speeds=speeds, minutes=args.minutes, nearest=nearest)
        pop_note = (f"{len(population):,} residents sampled (seed {args.seed})" if residents is not None
                    else "expected population on every walk node")
        print(f"{city.name}: walk {city.walk.n_nodes:,} nodes, {len(city.facilities)} facilities; {pop_note}")
        print(format_table(table))
        try:
            table.to_csv(tmp / "access_coverage.csv", index=False)
        except OSError as exc:
            raise InputFileError(f"{out}: cannot write the results ({exc.strerror or exc})") from exc
        if not args.no_map:
            index = A.fifteen_minute_index(nearest, args.speed_elderly, args.minutes)
            plot_index(city, index, tmp / "access_map.png",
                       title=f"{city.name}: 15-minute index for the elderly ({args.speed_elderly:g} m/s, "
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
