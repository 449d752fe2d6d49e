"""Service facilities: from OpenStreetMap tags, or placed synthetically by a rule.

The table built here is :attr:`City.facilities` (columns
:data:`kaicity.network.city.FACILITY_COLUMNS`), one row per facility with its category
from :data:`kaicity.categories.CATEGORIES`, its nearest walk node (``node``) and drive node
(``drive_node``), projected ``x``/``y``, ``lon``/``lat`` and ``source`` (``"osm"`` or
``"synthetic"``).

OSM tags -> category (:func:`category_of`; the first matching rule wins, in this order):

========================  ===================================================================
category                  tags
========================  ===================================================================
daily                     ``amenity`` = pharmacy, marketplace; ``shop`` = supermarket,
                          convenience, greengrocer, butcher, bakery, seafood, deli, general,
                          chemist, frozen_food
healthcare                ``amenity`` = hospital, clinic, doctors, dentist; any other
                          ``healthcare=*`` (``healthcare=pharmacy`` counts as daily)
education                 ``amenity`` = school, kindergarten, college, university, library
welfare                   ``amenity`` = townhall, social_facility, community_centre,
                          post_office, police, nursing_home; ``social_facility=*``
culture                   ``leisure`` = park, playground, sports_centre; ``amenity`` = theatre,
                          arts_centre, cinema; ``tourism`` = museum
========================  ===================================================================

Polygons (building outlines, school grounds) are reduced to a representative point.  A
facility mapped twice, as a node and as an area (way/relation) with the same category and
name within :data:`DEDUP_DISTANCE_M`, is kept once (the node); two nodes with the same name
(chain stores: "CU", "GS25") are different facilities.  Facilities farther than :data:`MAX_SNAP_DISTANCE_M`
from the walk graph (outside the mapped streets) are dropped and counted in the report.

Synthetic facilities (:func:`place_synthetic`): ``counts`` per category default to
:data:`PER_1000_WALK_NODES` per 1,000 walk nodes (at least one each).  These defaults are
an assumption, chosen near what OSM maps in the Mapo (Gongdeok) extract (per 1,000 walk
nodes: ~4 healthcare, ~10 education incl. kindergartens, ~8 welfare/admin, ~20 daily shops,
~6 parks) but lower, since a synthetic facility stands for a service point with capacity
rather than every small shop.  Placement rules, all deterministic from ``seed``:

* ``"by_population"`` (default): nodes drawn with probability ∝ the zone's residents per node
  (:data:`POPULATION_PER_NODE`: core 3, suburb 1.5, rural 0.5), so facility density follows
  node density × zone;
* ``"uniform"``: probability ∝ 1 / local node density (within 500 m), i.e. spread evenly
  over the area;
* ``"central"``: probability ∝ a Gaussian of the distance from the network's median centre
  (sigma = a quarter of the largest distance): a centralised "downtown" layout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kaicity.categories import CATEGORIES, ZONE_CODE
from kaicity.errors import FacilityError
from kaicity.network.city import FACILITY_COLUMNS
from kaicity.network.graph import Graph
from kaicity.network.snapping import lonlat_to_xy, snap_xy

#: OSM facilities farther than this from any walk node are dropped (metres).
MAX_SNAP_DISTANCE_M: float = 300.0
#: A node and an area of the same category and name closer than this (metres) are one facility.
DEDUP_DISTANCE_M: float = 150.0

#: (key, value) -> category; a value of ``None`` matches any value of the key.
TAG_RULES: tuple[tuple[str, str | None, str], ...] = (
    ("amenity", "pharmacy", "daily"),
    ("amenity", "marketplace", "daily"),
    *(("shop", v, "daily") for v in ("supermarket", "convenience", "greengrocer", "butcher", "bakery",
                                     "seafood", "deli", "general", "chemist", "frozen_food")),
    ("healthcare", "pharmacy", "daily"),
    *(("amenity", v, "healthcare") for v in ("hospital", "clinic", "doctors", "dentist")),
    *(("amenity", v, "education") for v in ("school", "kindergarten", "college", "university", "library")),
    *(("amenity", v, "welfare") for v in ("townhall", "social_facility", "community_centre", "post_office",
                                          "police", "nursing_home")),
    *(("amenity", v, "culture") for v in ("theatre", "arts_centre", "cinema")),
    *(("leisure", v, "culture") for v in ("park", "playground", "sports_centre")),
    ("tourism", "museum", "culture"),
    ("healthcare", None, "healthcare"),
    ("social_facility", None, "welfare"),
)


def osm_query_tags() -> dict[str, bool | list[str]]:
    """The ``tags`` argument for ``ox.features_from_*`` that fetches every mapped category."""
    tags: dict[str, set | bool] = {}
    for key, value, _ in TAG_RULES:
        if value is None:
            tags[key] = True
        elif tags.get(key) is not True:
            tags.setdefault(key, set()).add(value)
    return {k: (True if v is True else sorted(v)) for k, v in tags.items()}


#: Synthetic facilities per 1,000 walk nodes (assumption; see the module docs).
PER_1000_WALK_NODES: dict[str, float] = {
    "healthcare": 4.0, "education": 3.0, "welfare": 2.0, "daily": 6.0, "culture": 3.0,
}
#: Relative residents per street node by zone (``by_population`` placement weight; assumption:
#: apartment blocks in the core, detached houses in suburbs, scattered villages in rural areas).
POPULATION_PER_NODE: dict[str, float] = {"core": 3.0, "suburb": 1.5, "rural": 0.5}
#: Radius (metres) of the node density that ``uniform`` placement divides by.
UNIFORM_DENSITY_RADIUS_M: float = 500.0
PLACEMENTS: tuple[str, ...] = ("by_population", "uniform", "central")
MODES: tuple[str, ...] = ("auto", "osm", "synthetic")


def _tag(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def category_of(tags: Mapping) -> str | None:
    """The kaicity category of an OSM element's tags, or None (see the table in the module docs)."""
    for key, value, category in TAG_RULES:
        v = _tag(tags.get(key))
        if v is not None and (value is None or v == value):
            return category
    return None


def _matched_tag(tags: Mapping) -> str:
    for key, value, _ in TAG_RULES:
        v = _tag(tags.get(key))
        if v is not None and (value is None or v == value):
            return f"{key}={v}"
    return ""


def empty_candidates() -> pd.DataFrame:
    """An empty candidate table (columns of :func:`classify_features`)."""
    return pd.DataFrame({"category": pd.Series(dtype=object), "name": pd.Series(dtype=object),
                         "lon": pd.Series(dtype=float), "lat": pd.Series(dtype=float),
                         "osm_type": pd.Series(dtype=object), "osm_id": pd.Series(dtype="int64"),
                         "tag": pd.Series(dtype=object)})


def classify_features(gdf) -> pd.DataFrame:
    """Reduce OSM features (``ox.features_from_*`` output) to categorised points.

    Parameters
    ----------
    gdf
        GeoDataFrame in EPSG:4326, indexed by (element, id) as OSMnx returns it, with tag columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``category, name, lon, lat, osm_type, osm_id, tag`` (``tag`` is the matching
        ``key=value``); features of no category are left out, duplicates merged.
    """
    if gdf is None or len(gdf) == 0:
        return empty_candidates()
    if gdf.crs is not None and not gdf.crs.is_geographic:
        gdf = gdf.to_crs("EPSG:4326")
    keys = [k for k in dict.fromkeys(k for k, _, _ in TAG_RULES) if k in gdf.columns]  # rule order, not a set's
    names = [c for c in ("name", "name:ko", "name:en") if c in gdf.columns]
    pts = gdf.geometry.representative_point()
    rows = []
    for i, (idx, rec) in enumerate(gdf[keys + names].iterrows()):
        tags = rec.to_dict()
        cat = category_of(tags)
        if cat is None:
            continue
        name = next((str(tags[c]) for c in names if _tag(tags.get(c))), "")
        et, oid = idx if isinstance(idx, tuple) else ("", idx)
        p = pts.iloc[i]
        if p is None or p.is_empty:
            continue
        rows.append((cat, name, float(p.x), float(p.y), str(et), int(oid), _matched_tag(tags)))
    if not rows:
        return empty_candidates()
    df = pd.DataFrame(rows, columns=list(empty_candidates().columns))
    return _dedup(df)


def _dedup(df: pd.DataFrame) -> pd.DataFrame:
    """Drop an area (way/relation) when a node has the same category and name within DEDUP_DISTANCE_M."""
    if len(df) < 2:
        return df.reset_index(drop=True)
    from kaicity.network.snapping import utm_crs

    x, y = lonlat_to_xy(df["lon"].to_numpy(), df["lat"].to_numpy(), utm_crs(df["lon"], df["lat"]))
    keep = np.ones(len(df), dtype=bool)
    is_node = (df["osm_type"] == "node").to_numpy()
    for _, grp in df[df["name"] != ""].groupby(["category", "name"]):
        idx = grp.index.to_numpy()
        for a in idx[is_node[idx]]:
            for b in idx[~is_node[idx]]:
                if keep[b] and math.hypot(x[a] - x[b], y[a] - y[b]) <= DEDUP_DISTANCE_M:
                    keep[b] = False
    return df[keep].reset_index(drop=True)


def osm_candidates_from_xml(path) -> pd.DataFrame:
    """Categorised facilities from an OSM XML file (``ox.features_from_xml``); empty if none.

    The file must not contain ``out geom`` relation members (see
    :func:`kaicity.network.osmxml.sanitize_osm_xml`).
    """
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    try:
        gdf = ox.features_from_xml(path, tags=osm_query_tags())
    except InsufficientResponseError:
        return empty_candidates()
    return classify_features(gdf)


# --------------------------------------------------------------------------- synthetic
def synthetic_counts(n_walk_nodes: int, counts: Mapping[str, int] | None = None,
                     categories=CATEGORIES) -> dict[str, int]:
    """Facilities per category: ``counts`` where given, else :data:`PER_1000_WALK_NODES` scaled (>= 1)."""
    out = {}
    counts = dict(counts or {})
    unknown = set(counts) - set(CATEGORIES)
    if unknown:
        raise FacilityError(f"unknown facility categories {sorted(unknown)}; use {', '.join(CATEGORIES)}")
    for c in categories:
        if c in counts:
            k = counts[c]
            if not isinstance(k, (int, np.integer)) or k < 0:
                raise FacilityError(f"facility count for {c!r} must be an integer >= 0, got {k!r}")
            out[c] = int(k)
        else:
            out[c] = max(1, round(PER_1000_WALK_NODES[c] * n_walk_nodes / 1000.0))
    return out


def placement_weights(walk: Graph, placement: str) -> np.ndarray:
    """Per-node probability (sums to 1) of hosting a synthetic facility under ``placement``."""
    n = walk.n_nodes
    if placement == "by_population":
        pop = np.zeros(len(ZONE_CODE))
        for z, code in ZONE_CODE.items():
            pop[code] = POPULATION_PER_NODE[z]
        w = pop[walk.zone.astype(np.int64)]
    elif placement == "uniform":
        from kaicity.network.zones import node_density

        w = 1.0 / node_density(walk.x, walk.y, radius=UNIFORM_DENSITY_RADIUS_M)
    elif placement == "central":
        cx, cy = np.median(walk.x), np.median(walk.y)
        d = np.hypot(walk.x - cx, walk.y - cy)
        sigma = max(d.max() / 4.0, 1.0)
        w = np.exp(-0.5 * (d / sigma) ** 2)
    else:
        raise FacilityError(f"unknown facility placement {placement!r}; use one of {', '.join(PLACEMENTS)}")
    w = np.asarray(w, dtype=np.float64) + 1e-12
    return w / w.sum() if n else w


def place_synthetic(walk: Graph, counts: Mapping[str, int], *, placement: str = "by_population",
                    seed: int = 0) -> pd.DataFrame:
    """Synthetic facilities at walk nodes, ``counts[category]`` each, deterministic from ``seed``.

    Each category draws from its own random stream (``seed``, category index), so changing
    one category's count does not move the others.  Within a category no node is used twice.

    Returns
    -------
    pandas.DataFrame
        Columns ``category, name, node`` (walk node index).
    """
    p = placement_weights(walk, placement)
    rows = []
    for ci, cat in enumerate(CATEGORIES):
        k = int(counts.get(cat, 0))
        if k <= 0:
            continue
        k = min(k, walk.n_nodes)
        rng = np.random.default_rng([int(seed), ci])
        nodes = np.sort(rng.choice(walk.n_nodes, size=k, replace=False, p=p))
        rows.extend((cat, f"{cat} {j + 1} (synthetic)", int(nd)) for j, nd in enumerate(nodes))
    return pd.DataFrame(rows, columns=["category", "name", "node"])


# --------------------------------------------------------------------------- assembly
def _validate_candidates(candidates, where: str) -> pd.DataFrame:
    if candidates is None:
        return empty_candidates()
    if not isinstance(candidates, pd.DataFrame):
        raise FacilityError(f"{where}: facilities must be a DataFrame, got {type(candidates).__name__}")
    if "category" not in candidates.columns and "geometry" in candidates.columns:
        return classify_features(candidates)
    df = candidates.copy()
    if "category" not in df.columns:
        raise FacilityError(f"{where}: facility table needs a 'category' column")
    if "lon" not in df.columns and "geometry" in df.columns:
        pts = df.geometry.representative_point()
        df["lon"], df["lat"] = pts.x.to_numpy(), pts.y.to_numpy()
    if not {"lon", "lat"} <= set(df.columns):
        raise FacilityError(f"{where}: facility table needs 'lon' and 'lat' columns (or a geometry)")
    bad = sorted(set(df["category"]) - set(CATEGORIES))
    if bad:
        raise FacilityError(f"{where}: unknown facility categories {bad}; use {', '.join(CATEGORIES)}")
    if "name" not in df.columns:
        df["name"] = ""
    return df


def build_facilities(walk: Graph, drive: Graph, *, candidates=None, mode: str = "auto",
                     placement: str = "by_population", counts: Mapping[str, int] | None = None, seed: int = 0,
                     max_snap_distance: float = MAX_SNAP_DISTANCE_M, where: str = "city"
                     ) -> tuple[pd.DataFrame, dict]:
    """The facility table of a city and a report of what was mapped, dropped or synthesised.

    Parameters
    ----------
    walk, drive
        The city's graphs (facilities snap to both).
    candidates
        Categorised facilities (``category``, ``lon``, ``lat``, optional ``name``), or raw
        OSM features (classified with :func:`classify_features`), or None.
    mode
        ``"auto"``: candidates, plus synthetic facilities for categories with none;
        ``"osm"``: candidates only (a category may end up empty);
        ``"synthetic"``: synthetic facilities only.
    placement, counts, seed
        See :func:`place_synthetic` and :func:`synthetic_counts`.
    max_snap_distance
        Candidates farther than this from the walk graph are dropped (metres).
    where
        Name of the input, for error messages.

    Returns
    -------
    facilities : pandas.DataFrame
        Columns :data:`~kaicity.network.city.FACILITY_COLUMNS`.
    report : dict

    Raises
    ------
    FacilityError
        Unknown mode, placement or category; ``mode="osm"`` with no facility on the network.
    """
    if mode not in MODES:
        raise FacilityError(f"unknown facilities mode {mode!r}; use one of {', '.join(MODES)}")
    if placement not in PLACEMENTS:
        raise FacilityError(f"unknown facility placement {placement!r}; use one of {', '.join(PLACEMENTS)}")
    report: dict = {"mode": mode}
    parts = []
    cand = _validate_candidates(candidates, where) if mode != "synthetic" else empty_candidates()
    if len(cand):
        x, y = lonlat_to_xy(cand["lon"].to_numpy(), cand["lat"].to_numpy(), walk.crs)
        node, dist = snap_xy(walk, x, y, max_distance=max_snap_distance)
        on = node >= 0
        report["osm_found"] = int(len(cand))
        report["osm_dropped_off_network"] = int((~on).sum())
        dnode, _ = snap_xy(drive, x[on], y[on])
        osm = pd.DataFrame({
            "category": cand["category"].to_numpy()[on],
            "name": cand["name"].fillna("").astype(str).to_numpy()[on],
            "node": node[on], "drive_node": dnode, "x": x[on], "y": y[on],
            "lon": cand["lon"].to_numpy(dtype=float)[on], "lat": cand["lat"].to_numpy(dtype=float)[on],
            "source": cand["source"].to_numpy()[on] if "source" in cand.columns else "osm",
        })
        parts.append(osm)
    have = set(parts[0]["category"]) if parts else set()
    if mode == "osm" and not have:
        raise FacilityError(f"{where}: no service facility in the OSM data lies on the street network; "
                            "use --facilities auto (or synthetic) to place them by a rule")
    missing = [c for c in CATEGORIES if c not in have]
    if mode == "osm":
        report["missing_categories"] = missing
    else:
        todo = missing if mode == "auto" else list(CATEGORIES)
        if counts and set(counts) - set(CATEGORIES):
            raise FacilityError(f"unknown facility categories {sorted(set(counts) - set(CATEGORIES))}; "
                                f"use {', '.join(CATEGORIES)}")
        k = synthetic_counts(walk.n_nodes, counts, categories=todo)
        syn = place_synthetic(walk, k, placement=placement, seed=seed)
        if len(syn):
            nd = syn["node"].to_numpy(dtype=np.int64)
            dnode, _ = snap_xy(drive, walk.x[nd], walk.y[nd])
            parts.append(pd.DataFrame({
                "category": syn["category"], "name": syn["name"], "node": nd, "drive_node": dnode,
                "x": walk.x[nd], "y": walk.y[nd], "lon": walk.lon[nd], "lat": walk.lat[nd],
                "source": "synthetic",
            }))
        report["synthetic_categories"] = [c for c in todo if k.get(c, 0) > 0]
        report["placement"] = placement
        report["seed"] = int(seed)
    if parts:
        df = pd.concat(parts, ignore_index=True)
    else:
        df = pd.DataFrame({c: [] for c in FACILITY_COLUMNS if c != "facility_id"})
    order = {c: i for i, c in enumerate(CATEGORIES)}
    df = df.assign(_c=df["category"].map(order), _s=(df["source"] != "osm").astype(int))
    df = df.sort_values(["_c", "_s"], kind="stable").drop(columns=["_c", "_s"]).reset_index(drop=True)
    df.insert(0, "facility_id", np.arange(len(df), dtype=np.int64))
    df["node"] = df["node"].astype(np.int32)
    df["drive_node"] = df["drive_node"].astype(np.int32)
    for c in ("x", "y", "lon", "lat"):
        df[c] = df[c].astype(np.float64)
    df = df[list(FACILITY_COLUMNS)]
    report["by_source"] = {s: int(v) for s, v in df["source"].value_counts().items()}
    return df, report
