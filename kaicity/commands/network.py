"""``kaicity network SPEC``: load a street network, print a summary and draw a map.

Examples
--------
``kaicity network synthetic:n=20000,seed=3 --out out/net``  (default folder: out/network)
``kaicity network path/to/area.osm --facilities osm``
``kaicity network "Mapo-gu, Seoul, South Korea"`` (downloads once, then uses the cache)
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import numpy as np

from kaicity.categories import CATEGORIES, CATEGORY_LABELS, ZONES
from kaicity.commands._args import add_overwrite
from kaicity.commands._args import seed as seed_arg
from kaicity.errors import InputFileError

#: Zone colours of the map (core, suburb, rural).
ZONE_COLOURS: dict[str, str] = {"core": "#d6604d", "suburb": "#f4a582", "rural": "#92c5de"}
#: Marker colour and shape per facility category.
CATEGORY_STYLE: dict[str, tuple[str, str]] = {
    "healthcare": ("#e41a1c", "P"), "education": ("#377eb8", "s"), "welfare": ("#984ea3", "D"),
    "daily": ("#ff7f00", "o"), "culture": ("#4daf4a", "^"),
}


def add_facility_options(p: argparse.ArgumentParser) -> None:
    """``--facilities`` and ``--placement``: where a city's facilities come from (shared by commands)."""
    p.add_argument("--facilities", choices=("auto", "osm", "synthetic"), default="auto",
                   help="OSM facilities, synthetic ones, or OSM plus synthetic ones for missing "
                        "categories (default)")
    p.add_argument("--placement", choices=("by_population", "uniform", "central"), default="by_population",
                   help="rule for synthetic facilities")


def register(subparsers) -> None:
    """Add the ``network`` sub-command."""
    p = subparsers.add_parser(
        "network", help="load a street network (synthetic, .osm, .graphml, place, bbox) and map it",
        description="Load a city's walk and drive networks, zones and facilities; print a summary and "
                    "save DIR/network.png (DIR: --out, default out/network).  SPEC: 'synthetic[:n=20000,seed=3]', "
                    "an .osm/.osm.bz2/.osm.xml or "
                    ".graphml file, a place name, 'address:...', or a bbox 'W,S,E,N' (lon/lat).",
    )
    p.add_argument("spec", metavar="SPEC", help="what to load (see above)")
    p.add_argument("--out", type=Path, default=Path("out/network"), metavar="DIR",
                   help="folder for network.png (default: out/network); must be new or empty unless --overwrite")
    add_overwrite(p)
    add_facility_options(p)
    p.add_argument("--seed", type=seed_arg, default=None, help="seed of synthetic facility placement")
    p.add_argument("--zones", type=Path, default=None, metavar="GEOJSON",
                   help="zone polygons with a 'zone' property (core/suburb/rural)")
    p.add_argument("--refresh", action="store_true", help="download again even if cached")
    p.add_argument("--no-map", action="store_true", help="do not draw network.png")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, summarise and map; returns the exit code."""
    from kaicity.network import load_city
    from kaicity.outdir import atomic_output

    with contextlib.ExitStack() as stack:
        # the folder is checked (and its temporary twin made) before loading; nothing is written with --no-map
        tmp = None if args.no_map else stack.enter_context(
            atomic_output(args.out, overwrite=args.overwrite, kind="network"))
        city = load_city(args.spec, facilities=args.facilities, placement=args.placement, seed=args.seed,
                         zones=args.zones, refresh=args.refresh, keep_networkx=False)
        print(format_summary(city))
        if tmp is not None:
            plot_city(city, tmp / "network.png")
    if not args.no_map:
        print(f"map: {Path(args.out) / 'network.png'}")
    return 0


def format_summary(city) -> str:
    """A few lines describing the city: sizes, zones, facilities and what loading dropped."""
    s = city.summary()
    rep = city.report
    lines = [
        f"{s['name']}  ({s['source']})",
        f"walk : {s['walk_nodes']:>8,} nodes {s['walk_edges']:>9,} edges {s['walk_km']:>10,.1f} km "
        "(undirected)",
        f"drive: {s['drive_nodes']:>8,} nodes {s['drive_edges']:>9,} edges {s['drive_km']:>10,.1f} km "
        "(directed)",
    ]
    zinfo = rep.get("zones", {})
    zones = ", ".join(f"{z} {s['walk_nodes_by_zone'][z]:,}" for z in ZONES)
    lines.append(f"zones (walk nodes, by {zinfo.get('method', '?')}): {zones}")
    fac = rep.get("facilities", {})
    by_cat = []
    for c in CATEGORIES:
        sub = city.facilities_of(c)
        n_osm = int((sub["source"] == "osm").sum())
        n_syn = len(sub) - n_osm
        parts = ([f"{n_osm} osm"] if n_osm else []) + ([f"{n_syn} synthetic"] if n_syn else [])
        detail = "/".join(parts)
        by_cat.append(f"{c} {len(sub)}" + (f" ({detail})" if detail else ""))
    lines.append("facilities: " + ", ".join(by_cat))
    dropped = [f"{m} {rep.get(f'{m}_dropped_nodes', 0):,} nodes / {rep.get(f'{m}_dropped_edges', 0):,} edges "
               "outside the largest component" for m in ("walk", "drive")]
    lines.append("dropped: " + "; ".join(dropped))
    if fac.get("osm_dropped_off_network"):
        lines.append(f"dropped: {fac['osm_dropped_off_network']} OSM facilities too far from the walk "
                     "network")
    if fac.get("missing_categories"):
        lines.append("no facilities of: " + ", ".join(fac["missing_categories"]))
    for note in rep.get("notes", []):
        lines.append(f"note: {note}")
    if rep.get("cache") in ("hit", "stored"):
        lines.append(f"cache: {rep['cache']} ({rep.get('cache_file')})")
    return "\n".join(lines)


def plot_city(city, path: Path, *, dpi: int = 150) -> Path:
    """Save :func:`draw_city` as a PNG at ``path``."""
    fig = draw_city(city)
    try:
        fig.savefig(path, dpi=dpi)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write the map ({exc.strerror or exc})") from exc
    return Path(path)


def draw_city(city):
    """A matplotlib Figure of the city: streets coloured by zone over the drive network,
    facilities by category with a legend, and the data credit (e.g. OpenStreetMap) if any.

    Uses matplotlib's object API with the Agg canvas (no pyplot, no display needed).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    walk, drive = city.walk, city.drive
    fig = Figure(figsize=(9, 9))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    # drive network underneath, thin grey
    dt = drive.edge_tails()
    dsegs = np.stack([np.column_stack([drive.x[dt], drive.y[dt]]),
                      np.column_stack([drive.x[drive.indices], drive.y[drive.indices]])], axis=1)
    dlw = 2.2 if drive.n_nodes < 5_000 else 1.2
    ax.add_collection(LineCollection(dsegs, colors="#7a7a7a", linewidths=dlw, alpha=0.45, zorder=1))
    # walk network, coloured by the zone of each edge's tail node (each undirected edge drawn once)
    wt = walk.edge_tails()
    once = wt < walk.indices
    tails, heads = wt[once], walk.indices[once]
    wsegs = np.stack([np.column_stack([walk.x[tails], walk.y[tails]]),
                      np.column_stack([walk.x[heads], walk.y[heads]])], axis=1)
    colours = np.array([ZONE_COLOURS[z] for z in ZONES], dtype=object)[walk.zone[tails]]
    lw = 0.5 if walk.n_nodes > 20_000 else 0.8
    ax.add_collection(LineCollection(wsegs, colors=list(colours), linewidths=lw, zorder=2))
    handles = [Line2D([], [], color=ZONE_COLOURS[z], lw=2, label=f"{z} streets") for z in ZONES
               if np.any(walk.zone == ZONES.index(z))]
    handles.append(Line2D([], [], color="#9e9e9e", lw=1.5, label="drive network"))
    fac = city.facilities
    for c in CATEGORIES:
        sub = fac[fac["category"] == c]
        if len(sub) == 0:
            continue
        colour, marker = CATEGORY_STYLE[c]
        ax.scatter(sub["x"], sub["y"], s=28, c=colour, marker=marker, edgecolors="black", linewidths=0.4,
                   zorder=4)
        handles.append(Line2D([], [], color=colour, marker=marker, ls="", markeredgecolor="black",
                              label=f"{CATEGORY_LABELS[c]} ({len(sub)})"))
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel(f"x (m, {walk.crs})")
    ax.set_ylabel("y (m)")
    ax.ticklabel_format(style="plain", useOffset=False)
    ax.tick_params(labelsize=7)
    ax.set_title(f"{city.name}: {walk.n_nodes:,} walk / {drive.n_nodes:,} drive nodes, "
                 f"{len(fac)} facilities", fontsize=10)
    ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.85)
    credit = city.report.get("attribution")
    if credit:
        ax.text(0.995, 0.005, credit, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1.5}, zorder=5)
    fig.tight_layout()
    return fig
