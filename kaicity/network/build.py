"""Build a :class:`~kaicity.network.city.City` from an OSMnx-style street graph.

:func:`city_from_graph` takes an unprojected ``networkx.MultiDiGraph`` as OSMnx makes it
(node ``x`` = lon, ``y`` = lat; edges with ``length``, ``highway``, ``oneway`` and optionally
``maxspeed``, ``foot``, ``access``) and derives:

* the **walk graph**: undirected, ways a pedestrian may use (:func:`walkable`), weight =
  length in metres;
* the **drive graph**: directed (OSMnx already stores a oneway street as a single directed
  edge), highway types in :data:`DRIVE_HIGHWAYS`, weight = free-flow travel time in seconds;
* node zones (:mod:`kaicity.network.zones`), nearest-node maps between the two graphs and
  service facilities (:mod:`kaicity.network.facilities`).

Each graph keeps its largest connected component (strongly connected for driving); what
was dropped is in ``City.report``.  Node coordinates are projected to the UTM zone of the
centroid (EPSG:32652 for most of Korea) with one vectorised :mod:`pyproj` call.

Speeds: an edge's own ``maxspeed`` when it has one, else a Korean default per highway type
(:data:`KOREAN_URBAN_SPEEDS`; :data:`KOREAN_RURAL_SPEEDS` on rural-zone edges).  The
imputation is the one of ``osmnx.routing.add_edge_speeds(G, hwy_speeds=...)`` followed by
``add_edge_travel_times``, re-implemented with numpy because the OSMnx functions build
GeoDataFrames and take ~14 s on a 200k-node graph (:func:`impute_speeds` is tested to give
identical numbers).
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from kaicity.categories import ZONE_CODE, ZONES
from kaicity.errors import NetworkError
from kaicity.network import facilities as _fac
from kaicity.network import zones as _zones
from kaicity.network.city import City
from kaicity.network.graph import Graph
from kaicity.network.snapping import WGS84, lonlat_to_xy, nearest_node_map, transformer, utm_crs, xy_to_lonlat

#: Highway types of the drive graph (SOURCES.md of the shared OSM data; OSMnx "drive" without service roads).
DRIVE_HIGHWAYS: frozenset[str] = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "road",
})
#: Highway types pedestrians may not use (Korean 고속도로 / 자동차전용도로 are mapped as these).
NO_WALK_HIGHWAYS: frozenset[str] = frozenset({"motorway", "motorway_link", "trunk", "trunk_link"})
#: Highway values that are not (yet / any more) usable ways; excluded from both graphs, as in OSMnx.
NOT_BUILT_HIGHWAYS: frozenset[str] = frozenset({
    "proposed", "construction", "abandoned", "disused", "razed", "planned", "raceway", "bus_guideway",
})
#: Pedestrian ways proper: their presence means the source maps footways; ``access=private``
#: does not bar them.
FOOT_HIGHWAYS: frozenset[str] = frozenset({"footway", "pedestrian", "path", "steps", "corridor"})
#: ``access`` values that bar a way (unless ``foot=yes``/``designated``/``permissive`` or a footway).
PRIVATE_ACCESS: frozenset[str] = frozenset({"private", "no"})
FOOT_ALLOWED: frozenset[str] = frozenset({"yes", "designated", "permissive", "official"})

# Default speeds (km/h) for edges without ``maxspeed``.  Source: Korea's 안전속도 5030 policy
# (도로교통법 시행규칙 제19조 as amended, in force nationwide since 2021-04-17): 50 km/h on urban
# arterial roads (시·도 police may allow 60 on some), 30 km/h on residential streets and in
# 어린이·노인 보호구역; 보행자우선도로 / living streets 20 km/h.  Urban expressways (도시고속도로, e.g.
# 올림픽대로, 강변북로) are posted 70-80 km/h, national expressways (고속국도) 100-110 km/h.  Outside
# towns (rural zone) trunk roads (국도) run at 60-80 km/h and primary / secondary roads at 60-70.
#: Default speeds (km/h) on urban edges (tail node core or suburb) without ``maxspeed``.
KOREAN_URBAN_SPEEDS: dict[str, float] = {
    "motorway": 80.0, "motorway_link": 50.0, "trunk": 60.0, "trunk_link": 50.0,
    "primary": 50.0, "primary_link": 50.0, "secondary": 50.0, "secondary_link": 50.0,
    "tertiary": 50.0, "tertiary_link": 50.0, "unclassified": 30.0, "residential": 30.0,
    "living_street": 20.0, "road": 30.0, "service": 20.0,
}
#: Default speeds (km/h) on rural-zone edges without ``maxspeed``.
KOREAN_RURAL_SPEEDS: dict[str, float] = {
    "motorway": 100.0, "motorway_link": 60.0, "trunk": 80.0, "trunk_link": 60.0,
    "primary": 70.0, "primary_link": 60.0, "secondary": 60.0, "secondary_link": 60.0,
    "tertiary": 60.0, "tertiary_link": 60.0, "unclassified": 50.0, "residential": 30.0,
    "living_street": 20.0, "road": 40.0, "service": 20.0,
}
#: Speed (km/h) for a highway type with neither a ``maxspeed`` anywhere nor a default.
FALLBACK_SPEED_KPH: float = 30.0

#: Attribution string for maps and reports made from OpenStreetMap data.
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


#: Road classes from the highest to the lowest: the class a merged edge takes (:func:`highway_of`).
#: Each ``_link`` ranks just below its road; types not listed rank below all of these.
HIGHWAY_RANK: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential",
    "living_street", "road", "service", "busway", "pedestrian", "footway", "path", "cycleway",
    "bridleway", "steps", "corridor", "track",
)
_RANK: dict[str, int] = {h: i for i, h in enumerate(HIGHWAY_RANK)}


# --------------------------------------------------------------------------- merged tags
# OSMnx's ``simplify_graph`` merges the tags of the ways along a simplified edge with
# ``list(set(values))``, so the order of a merged list (``["tertiary", "residential"]``)
# depends on the process's string hash seed (PYTHONHASHSEED).  Nothing in kaicity may
# depend on that order: merged lists are put in a fixed order right after simplification
# (:func:`order_merged_tags`) and every reader below picks from a list by a fixed rule.
def _tag_key(value) -> tuple:
    """Sort key for tag values of any (mixed) type: by type name, then text."""
    return (type(value).__name__, str(value))


def highway_of(value):
    """The highway type of an edge whose ``highway`` may be a merged list.

    A list takes its highest-ranked road class by :data:`HIGHWAY_RANK` (``motorway`` >
    ``trunk`` > ``primary`` > ``secondary`` > ``tertiary`` > ``unclassified`` >
    ``residential`` > ...); types not in the rank come after, in sorted order.  The result
    does not depend on the order of the list.
    """
    if isinstance(value, list):
        vals = [v for v in value if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if not vals:
            return None
        return min(vals, key=lambda h: (_RANK.get(h, len(_RANK)), _tag_key(h)))
    return _first(value)


def order_merged_tags(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Put every list-valued edge attribute of ``G`` in a fixed order, in place.

    ``highway`` lists are ordered by :data:`HIGHWAY_RANK` (the chosen class first, so code
    that takes ``highway[0]`` as OSMnx does picks it too); other lists (``osmid``, ``name``,
    ``maxspeed``, ``lanes``, ...) are sorted by type and text.
    """
    for _, _, d in G.edges(data=True):
        for k, v in d.items():
            if isinstance(v, list) and len(v) > 1:
                if k == "highway":
                    d[k] = sorted(v, key=lambda h: (_RANK.get(h, len(_RANK)), _tag_key(h)))
                else:
                    d[k] = sorted(v, key=_tag_key)
    return G


# --------------------------------------------------------------------------- edge tables
def _first(value):
    """A scalar tag value, None for NaN.

    A merged list gives its smallest value in sorted order (a fixed rule: the list's own
    order may come from a hash-seeded set); use :func:`highway_of` for ``highway``.
    """
    if isinstance(value, list):
        value = min(value, key=_tag_key) if value else None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _truthy(value) -> bool:
    value = _first(value)
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1", "-1", "reversible"}
    return bool(value)


def walkable(highway, foot=None, access=None, area=None) -> bool:
    """Whether a pedestrian may use a way with these tags.

    Rules: it must be a built highway (not in :data:`NOT_BUILT_HIGHWAYS`, not an
    ``area=yes`` polygon, as in OSMnx), not a motorway/trunk (:data:`NO_WALK_HIGHWAYS`)
    unless ``foot=yes``, not ``foot=no``, and not ``access=private|no`` unless it is a
    footway (:data:`FOOT_HIGHWAYS`) or ``foot`` allows it.
    """
    h, f, a = highway_of(highway), _first(foot), _first(access)
    if h is None or h in NOT_BUILT_HIGHWAYS or _first(area) == "yes":
        return False
    if f == "no":
        return False
    if h in NO_WALK_HIGHWAYS and f not in FOOT_ALLOWED:
        return False
    return not (a in PRIVATE_ACCESS and h not in FOOT_HIGHWAYS and f not in FOOT_ALLOWED)


def drivable(highway, access=None, motor_vehicle=None, area=None) -> bool:
    """Whether a car may use a way: highway in :data:`DRIVE_HIGHWAYS`, not ``access`` or
    ``motor_vehicle`` = private|no, not an ``area=yes`` polygon."""
    h = highway_of(highway)
    if h not in DRIVE_HIGHWAYS or _first(area) == "yes":
        return False
    return _first(access) not in PRIVATE_ACCESS and _first(motor_vehicle) not in PRIVATE_ACCESS


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def _classify_edges(data: list) -> tuple[list, np.ndarray, np.ndarray]:
    """Per edge: scalar highway, walkable and drivable flags (memoised on the tag combination)."""
    memo: dict = {}
    highway = []
    walk = np.empty(len(data), dtype=bool)
    drive = np.empty(len(data), dtype=bool)
    for i, d in enumerate(data):
        tags = (d.get("highway"), d.get("foot"), d.get("access"), d.get("area"), d.get("motor_vehicle"))
        key = tags
        try:
            res = memo.get(tags)
        except TypeError:  # list values after simplification
            key = tuple(_hashable(t) for t in tags)
            try:
                res = memo.get(key)
            except TypeError:
                key, res = None, None
        if res is None:
            h, f, a, ar, mv = tags
            res = (highway_of(h), walkable(h, f, a, ar), drivable(h, a, mv, ar))
            if key is not None:
                memo[key] = res
        highway.append(res[0])
        walk[i] = res[1]
        drive[i] = res[2]
    return highway, walk, drive


@dataclass
class _Nodes:
    ids: list
    lon: np.ndarray
    lat: np.ndarray
    attrs: list  # the node attribute dicts of the source graph (not copied)


@dataclass
class _Edges:
    u: np.ndarray  # int64 indices into the node table
    v: np.ndarray
    keys: list
    data: list  # attribute dicts of the source graph (not copied)

    def __len__(self) -> int:
        return len(self.u)

    def take(self, mask_or_idx) -> _Edges:
        idx = np.flatnonzero(mask_or_idx) if np.asarray(mask_or_idx).dtype == bool else mask_or_idx
        return _Edges(self.u[idx], self.v[idx], [self.keys[i] for i in idx], [self.data[i] for i in idx])

    def attr(self, name: str) -> list:
        return [d.get(name) for d in self.data]


def _read_nodes(G: nx.MultiDiGraph, where: str) -> _Nodes:
    """Node ids and lon/lat of an OSMnx graph (projected graphs are converted back to lon/lat)."""
    ids = list(G.nodes)
    attrs = [G.nodes[n] for n in ids]
    try:
        x = np.fromiter((a["x"] for a in attrs), dtype=np.float64, count=len(ids))
        y = np.fromiter((a["y"] for a in attrs), dtype=np.float64, count=len(ids))
    except (KeyError, TypeError, ValueError) as exc:
        raise NetworkError(f"{where}: every node needs numeric 'x' (lon) and 'y' (lat) attributes") from exc
    crs = G.graph.get("crs", WGS84)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise NetworkError(f"{where}: some node coordinates are NaN or infinite")
    if _is_geographic(crs):
        lon, lat = x, y
    elif all("lon" in a and "lat" in a for a in attrs[:1]):
        lon = np.array([a["lon"] for a in attrs], dtype=np.float64)
        lat = np.array([a["lat"] for a in attrs], dtype=np.float64)
    else:
        lon, lat = xy_to_lonlat(x, y, str(crs))
    return _Nodes(ids, lon, lat, attrs)


def _is_geographic(crs) -> bool:
    from pyproj import CRS

    try:
        return CRS.from_user_input(crs).is_geographic
    except Exception as exc:  # noqa: BLE001
        raise NetworkError(f"graph has an unknown crs {crs!r}") from exc


def _read_edges(G: nx.MultiDiGraph, index: Mapping) -> _Edges:
    us, vs, keys, data = [], [], [], []
    for u, v, k, d in G.edges(keys=True, data=True):
        us.append(index[u])
        vs.append(index[v])
        keys.append(k)
        data.append(d)
    return _Edges(np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64), keys, data)


@dataclass
class _ModeGraph:
    """One mode's node subset (indices into the source node table) and edges (indices into it too)."""

    nodes: np.ndarray
    edges: _Edges
    n_before: int = 0
    m_before: int = 0


def _subgraph_nx(G: nx.MultiDiGraph, nodes: _Nodes, edges: _Edges, *, bidirectional: bool) -> nx.MultiDiGraph:
    """A networkx copy of the given edges (for simplification), reverse edges added if bidirectional."""
    H = nx.MultiDiGraph(**G.graph)
    H.graph.pop("simplified", None)
    used = np.unique(np.concatenate([edges.u, edges.v]))
    H.add_nodes_from((nodes.ids[i], dict(nodes.attrs[i])) for i in used)
    H.add_edges_from((nodes.ids[u], nodes.ids[v], k, dict(d))
                     for u, v, k, d in zip(edges.u, edges.v, edges.keys, edges.data, strict=True))
    if bidirectional:
        _add_reverse_edges(H, [(nodes.ids[u], nodes.ids[v], d)
                               for u, v, d in zip(edges.u, edges.v, edges.data, strict=True)])
    return H


def _add_reverse_edges(H: nx.MultiDiGraph, edges) -> int:
    """Add ``v -> u`` for every oneway edge ``u -> v`` (as OSMnx's ``bidirectional=True`` does)."""
    added = 0
    for u, v, d in edges:
        if _truthy(d.get("oneway")):
            r = dict(d)
            r["oneway"] = False
            r["reversed"] = not _truthy(d.get("reversed"))
            if "geometry" in r and r["geometry"] is not None:
                r["geometry"] = r["geometry"].reverse()
            H.add_edge(v, u, **r)
            added += 1
    if added:
        for _, _, d in H.edges(data=True):
            d["oneway"] = False
    return added


def _with_reverse(edges: _Edges) -> _Edges:
    """The edges plus a reversed copy (new key, ``reversed`` flipped) of every oneway edge."""
    rev = [i for i, d in enumerate(edges.data) if _truthy(d.get("oneway"))]
    if not rev:
        return edges
    data = []
    for i in rev:
        r = dict(edges.data[i])
        r["reversed"] = not _truthy(r.get("reversed"))
        if r.get("geometry") is not None:
            r["geometry"] = r["geometry"].reverse()
        data.append(r)
    idx = np.asarray(rev, dtype=np.int64)
    return _Edges(np.concatenate([edges.u, edges.v[idx]]), np.concatenate([edges.v, edges.u[idx]]),
                  [*edges.keys, *([None] * len(rev))], [*edges.data, *data])


def _simplify(H: nx.MultiDiGraph, where: str) -> nx.MultiDiGraph:
    import osmnx as ox

    if len(H) == 0 or H.number_of_edges() == 0:
        return H
    try:
        S = ox.simplify_graph(H)
    except Exception as exc:  # noqa: BLE001 - surface OSMnx problems as a kaicity error
        raise NetworkError(f"{where}: OSMnx could not simplify the street graph ({exc})") from exc
    return order_merged_tags(S)


def _largest_component(n: int, u: np.ndarray, v: np.ndarray, *, strong: bool) -> np.ndarray:
    """Boolean mask of the nodes in the largest (strongly) connected component."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return np.zeros(0, dtype=bool)
    A = sp.csr_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
    _, labels = connected_components(A, directed=True, connection="strong" if strong else "weak")
    sizes = np.bincount(labels)
    return labels == int(np.argmax(sizes))


# --------------------------------------------------------------------------- speeds
def _clean_maxspeed(value) -> float:
    """``maxspeed`` tag value(s) -> km/h as OSMnx cleans them.

    A merged list gives the mean of its valid values, as in OSMnx, but summed exactly
    (:func:`math.fsum`) so that the result does not depend on the order of the list.
    """
    from osmnx.routing import _clean_maxspeed as ox_clean

    if isinstance(value, list):
        vals = [ox_clean(x) for x in value]
        vals = [x for x in vals if x is not None and not math.isnan(x)]
        if not vals:
            return math.nan
        value = str(math.fsum(vals) / len(vals))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    out = ox_clean(str(value))
    return math.nan if out is None else float(out)


def impute_speeds(highway: list, maxspeed: list, *, hwy_speeds: Mapping[str, float] | None = None,
                  fallback: float | None = FALLBACK_SPEED_KPH, rural: np.ndarray | None = None,
                  rural_speeds: Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Speeds in km/h per edge, imputed as ``osmnx.routing.add_edge_speeds`` does.

    An edge keeps its cleaned ``maxspeed``; otherwise it gets ``hwy_speeds[highway]``;
    a highway type missing from ``hwy_speeds`` gets the mean observed speed of its type,
    else ``fallback``, else the mean of all type speeds.  When ``rural`` is given, rural
    edges without ``maxspeed`` take ``rural_speeds[highway]`` instead (when listed).

    Parameters
    ----------
    highway, maxspeed
        Per-edge tag values (lists are collapsed as OSMnx does).
    hwy_speeds
        Default km/h per highway type (default :data:`KOREAN_URBAN_SPEEDS`).
    fallback
        km/h for a type with no default and no observed speed.
    rural, rural_speeds
        Boolean mask of rural edges and their defaults (default :data:`KOREAN_RURAL_SPEEDS`).

    Returns
    -------
    speed_kph : ndarray of float64
    imputed : ndarray of bool
        True where the speed did not come from the edge's own ``maxspeed``.
    """
    hwy_speeds = KOREAN_URBAN_SPEEDS if hwy_speeds is None else hwy_speeds
    hw = pd.Series([highway_of(x) for x in highway], dtype=object)
    memo: dict = {}
    obs = np.empty(len(hw), dtype=np.float64)
    for i, m in enumerate(maxspeed):
        key = tuple(sorted(m, key=_tag_key)) if isinstance(m, list) else m
        try:
            val = memo[key]
        except KeyError:
            val = memo[key] = _clean_maxspeed(m)
        except TypeError:  # unhashable oddity
            val = _clean_maxspeed(m)
        obs[i] = val
    avg = pd.Series({k: float(v) for k, v in hwy_speeds.items() if v is not None and not math.isnan(v)},
                    dtype=float)
    observed = pd.Series(obs).groupby(hw).mean()
    for h, val in observed.items():
        if h not in avg.index:
            avg.loc[h] = val
    avg = avg.fillna(np.nan if fallback is None else fallback)
    avg = avg.fillna(avg.mean())
    default = hw.map(avg).to_numpy(dtype=np.float64)
    imputed = np.isnan(obs)
    speed = np.where(imputed, default, obs)
    if rural is not None and rural.any():
        rs = KOREAN_RURAL_SPEEDS if rural_speeds is None else rural_speeds
        rdef = hw.map(lambda h: rs.get(h, np.nan)).to_numpy(dtype=np.float64)
        use = imputed & rural & ~np.isnan(rdef)
        speed[use] = rdef[use]
    return speed, imputed


# --------------------------------------------------------------------------- main entry
@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector: building millions of attribute dicts otherwise
    triggers repeated full collections (measured: 9.6 s -> 5.8 s on a 200k-node city)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def city_from_graph(
    G: nx.MultiDiGraph,
    *,
    name: str,
    source: str,
    zones=None,
    facilities: pd.DataFrame | None = None,
    facility_mode: str = "auto",
    placement: str = "by_population",
    facility_counts: Mapping[str, int] | None = None,
    seed: int = 0,
    simplify: bool = False,
    hwy_speeds: Mapping[str, float] | None = None,
    zone_radius: float = _zones.ZONE_RADIUS_M,
    zone_thresholds: tuple[float, float] | None = None,
    max_snap_distance: float = _fac.MAX_SNAP_DISTANCE_M,
    attribution: str | None = None,
    keep_networkx: bool = True,
) -> City:
    """Turn an OSMnx-style unprojected street graph into a :class:`City`.

    Parameters
    ----------
    G
        ``networkx.MultiDiGraph`` with node ``x``/``y`` (lon/lat; a projected graph with
        ``lon``/``lat`` node attributes also works) and edges with ``length`` (metres),
        ``highway`` and ``oneway``; optional ``maxspeed``, ``foot``, ``access``, ``area``,
        and a node attribute ``zone``.  Edges without ``highway`` (buildings, landuse from
        ``ox.graph_from_xml``) are ignored.  ``G`` is not modified.
    name, source
        Name of the city and where it came from (used in messages: errors name ``source``).
    zones
        Zone polygons (GeoJSON path or GeoDataFrame with a ``zone`` column) used for nodes
        without a ``zone`` attribute; else zones come from street-node density.
    facilities
        Candidate facilities, e.g. OSM features (see :func:`kaicity.network.facilities.classify_features`)
        or a table with ``category`` and ``lon``/``lat`` columns.
    facility_mode
        ``"auto"`` (given facilities, synthetic ones for categories with none),
        ``"osm"`` (given facilities only) or ``"synthetic"`` (ignore given ones).
    placement, facility_counts, seed
        Synthetic facility rule (:func:`kaicity.network.facilities.place_synthetic`).
    simplify
        Simplify each mode's graph with ``osmnx.simplify_graph`` after filtering (for raw,
        unsimplified OSM input; a simplified graph must not be simplified again).
    hwy_speeds
        Urban default speeds (km/h) per highway type, default :data:`KOREAN_URBAN_SPEEDS`.
    zone_radius, zone_thresholds
        Parameters of the density zone rule (:mod:`kaicity.network.zones`).
    max_snap_distance
        OSM facilities farther than this (metres) from the walk graph are dropped.
    attribution
        Credit line for maps (e.g. :data:`OSM_ATTRIBUTION`); stored in ``report``.
    keep_networkx
        Build ``City.G_walk`` / ``City.G_drive`` (set False to save time and memory).

    Returns
    -------
    City

    Raises
    ------
    NetworkError
        If the graph is empty, has no streets, or a mode's largest component has < 2 nodes.

    Notes
    -----
    With ``simplify=True`` each mode is simplified separately after filtering (walk: after
    adding the reverse of oneway edges, like OSMnx's ``bidirectional`` walk networks), so a
    node where only a footway meets a road is not kept in the drive graph.  The CSR graphs
    keep the cheapest of parallel edges and no self-loops; ``G_walk``/``G_drive`` keep all.
    ``City.report`` holds ``{walk,drive}_dropped_nodes`` / ``_dropped_edges`` (outside the
    largest component; edges counted as in the mode's MultiDiGraph, so a two-way street
    twice), ``{walk,drive}_excluded_edges`` (street edges of the input the mode may not use),
    ``walk_along_roads``, ``zones``, ``facilities``, ``drive_speed_imputed_edges``, ``crs``
    and ``notes``.  A 200,000-node synthetic city converts in ~6 s (measured on 2 shared cores).
    """
    with _gc_paused():
        return _city_from_graph(
            G, name=name, source=source, zones=zones, facilities=facilities, facility_mode=facility_mode,
            placement=placement, facility_counts=facility_counts, seed=seed, simplify=simplify,
            hwy_speeds=hwy_speeds, zone_radius=zone_radius, zone_thresholds=zone_thresholds,
            max_snap_distance=max_snap_distance, attribution=attribution, keep_networkx=keep_networkx)


def _city_from_graph(G, *, name, source, zones, facilities, facility_mode, placement, facility_counts, seed,
                     simplify, hwy_speeds, zone_radius, zone_thresholds, max_snap_distance, attribution,
                     keep_networkx) -> City:
    where = source or name
    if not isinstance(G, nx.MultiDiGraph):
        if isinstance(G, nx.Graph):
            G = nx.MultiDiGraph(G.to_directed())
        else:
            raise NetworkError(f"{where}: expected a networkx MultiDiGraph, got {type(G).__name__}")
    if len(G) == 0:
        raise NetworkError(f"{where}: the street graph is empty (no nodes)")
    if next(iter(G.edges), None) is None:
        raise NetworkError(f"{where}: the graph has {len(G)} nodes but no edges (no streets)")
    report: dict = {"notes": []}
    if not all(isinstance(n, (int, np.integer)) for n in G.nodes):
        G = nx.convert_node_labels_to_integers(G, label_attribute="original_id")
        report["notes"].append("node ids were not integers: relabelled 0..n-1 "
                               "(original ids in 'original_id')")

    nodes = _read_nodes(G, where)
    index = {n: i for i, n in enumerate(nodes.ids)}
    edges = _read_edges(G, index)
    highway, walk_mask, drive_mask = _classify_edges(edges.data)
    is_street = np.array([h is not None for h in highway], dtype=bool)
    if not is_street.any():
        raise NetworkError(f"{where}: no streets: none of the {len(edges)} edges has a 'highway' tag "
                           "(buildings or landuse only?)")
    report["non_street_edges_ignored"] = int((~is_street).sum())
    has_footways = any(h in FOOT_HIGHWAYS for h, w in zip(highway, walk_mask, strict=True) if w)
    report["walk_along_roads"] = not has_footways
    if not has_footways:
        report["notes"].append("the source maps no footways (footway/pedestrian/path/steps): walking happens "
                               "along roads (motorways and trunk roads excluded)")
    if not walk_mask.any():
        raise NetworkError(f"{where}: no street a pedestrian may use (only motorways/trunk roads or "
                           "foot=no / private ways)")
    if not drive_mask.any():
        raise NetworkError(f"{where}: no drivable road (highway=primary, secondary, residential, ...); "
                           "kaicity needs a drive network as well as a walk network")

    crs = utm_crs(nodes.lon, nodes.lat)
    modes = {}
    for mode, mask, bidir in (("walk", walk_mask, True), ("drive", drive_mask, False)):
        sub = edges.take(mask)
        if simplify:
            H = _simplify(_subgraph_nx(G, nodes, sub, bidirectional=bidir), where)
            m_nodes = _read_nodes(H, where) if len(H) else _Nodes([], np.empty(0), np.empty(0), [])
            m_index = {n: i for i, n in enumerate(m_nodes.ids)}
            m_edges = _read_edges(H, m_index)
            modes[mode] = (m_nodes, m_edges)
        else:
            if bidir:
                sub = _with_reverse(sub)
            used = np.unique(np.concatenate([sub.u, sub.v]))
            remap = np.full(len(nodes.ids), -1, dtype=np.int64)
            remap[used] = np.arange(len(used))
            m_nodes = _Nodes([nodes.ids[i] for i in used], nodes.lon[used], nodes.lat[used],
                             [nodes.attrs[i] for i in used])
            m_edges = _Edges(remap[sub.u], remap[sub.v], sub.keys, sub.data)
            modes[mode] = (m_nodes, m_edges)
        report[f"{mode}_excluded_edges"] = int(is_street.sum() - mask.sum())

    # largest component per mode, then node arrays
    built = {}
    for mode, strong in (("walk", False), ("drive", True)):
        m_nodes, m_edges = modes[mode]
        n0, e0 = len(m_nodes.ids), len(m_edges)
        keep = _largest_component(n0, m_edges.u, m_edges.v, strong=strong)
        if n0 == 0:
            raise NetworkError(f"{where}: no {mode} network is left after filtering and simplification "
                               "(OSMnx drops isolated rings)")
        if keep.sum() < 2:
            raise NetworkError(f"{where}: the {mode} network's largest "
                               f"{'strongly ' if strong else ''}connected component has {int(keep.sum())} "
                               "node(s); nothing usable to route on")
        kept = np.flatnonzero(keep)
        remap = np.full(n0, -1, dtype=np.int64)
        remap[kept] = np.arange(len(kept))
        emask = keep[m_edges.u] & keep[m_edges.v]
        sub = m_edges.take(emask)
        sub = _Edges(remap[sub.u], remap[sub.v], sub.keys, sub.data)
        nn = _Nodes([m_nodes.ids[i] for i in kept], m_nodes.lon[kept], m_nodes.lat[kept],
                    [m_nodes.attrs[i] for i in kept])
        report[f"{mode}_dropped_nodes"] = int(n0 - len(kept))
        report[f"{mode}_dropped_edges"] = int(e0 - len(sub))
        built[mode] = (nn, sub)

    # projection (one CRS for both graphs)
    proj = {}
    for mode in ("walk", "drive"):
        nn, _ = built[mode]
        proj[mode] = lonlat_to_xy(nn.lon, nn.lat, crs)

    # zones: computed once on the union of both graphs' nodes so a shared node has one zone
    w_nodes, d_nodes = built["walk"][0], built["drive"][0]
    all_ids = list(dict.fromkeys([*w_nodes.ids, *d_nodes.ids]))
    pos = {n: i for i, n in enumerate(all_ids)}
    ux = np.empty(len(all_ids))
    uy = np.empty(len(all_ids))
    ulon = np.empty(len(all_ids))
    ulat = np.empty(len(all_ids))
    uattr: list = [None] * len(all_ids)
    for mode in ("walk", "drive"):
        nn, _ = built[mode]
        idx = np.fromiter((pos[n] for n in nn.ids), dtype=np.int64, count=len(nn.ids))
        ux[idx], uy[idx] = proj[mode]
        ulon[idx], ulat[idx] = nn.lon, nn.lat
        for i, a in zip(idx, nn.attrs, strict=True):
            uattr[i] = a.get("zone")
    attribute = uattr if any(a is not None for a in uattr) else None
    ucodes, zinfo = _zones.assign_zones(ux, uy, ulon, ulat, attribute=attribute, polygons=zones,
                                        radius=zone_radius, thresholds=zone_thresholds)
    report["zones"] = zinfo
    zone_of = {}
    for mode in ("walk", "drive"):
        nn, _ = built[mode]
        zone_of[mode] = ucodes[np.fromiter((pos[n] for n in nn.ids), dtype=np.int64, count=len(nn.ids))]

    # edge weights
    graphs = {}
    for mode in ("walk", "drive"):
        nn, ee = built[mode]
        x, y = proj[mode]
        length = np.array([d.get("length", np.nan) for d in ee.data], dtype=np.float64)
        bad = ~np.isfinite(length) | (length < 0)
        if bad.any():  # straight-line length in metres where OSMnx gave none
            length[bad] = np.hypot(x[ee.u[bad]] - x[ee.v[bad]], y[ee.u[bad]] - y[ee.v[bad]])
            report["notes"].append(f"{mode}: {int(bad.sum())} edges had no length; used straight-line length")
        if mode == "drive":
            rural = zone_of[mode][ee.u] == ZONE_CODE["rural"]
            speed, imputed = impute_speeds(ee.attr("highway"), ee.attr("maxspeed"), hwy_speeds=hwy_speeds,
                                           rural=rural)
            travel = length / 1000.0 / (speed / 3600.0)
            report["drive_speed_imputed_edges"] = int(imputed.sum())
            report["drive_speed_defaults"] = "user hwy_speeds" if hwy_speeds else "KR 안전속도 5030"
            weight = travel
        else:
            speed = travel = None
            weight = length
        loop = ee.u == ee.v
        keep = ~loop
        _require_positive_lengths(length[keep], where, mode)
        graphs[mode] = Graph.from_edges(
            len(nn.ids), ee.u[keep], ee.v[keep], weight[keep], length=length[keep],
            directed=(mode == "drive"), unit="s" if mode == "drive" else "m",
            x=x, y=y, lon=nn.lon, lat=nn.lat, osmid=np.asarray(nn.ids, dtype=np.int64),
            zone=zone_of[mode], crs=crs, name=mode,
        )
        built[mode] = (nn, ee, length, speed, travel)

    walk, drive = graphs["walk"], graphs["drive"]
    walk_to_drive = nearest_node_map(walk, drive)
    drive_to_walk = nearest_node_map(drive, walk)

    fac, frep = _fac.build_facilities(
        walk, drive, candidates=facilities, mode=facility_mode, placement=placement,
        counts=facility_counts, seed=seed, max_snap_distance=max_snap_distance, where=where,
    )
    report["facilities"] = frep
    report["crs"] = crs
    if attribution:
        report["attribution"] = attribution

    G_walk = G_drive = None
    if keep_networkx:
        G_walk = _to_networkx(G, built["walk"], walk, crs, mode="walk")
        G_drive = _to_networkx(G, built["drive"], drive, crs, mode="drive")
    if not report["notes"]:
        report.pop("notes")
    return City(name=name, walk=walk, drive=drive, walk_to_drive=walk_to_drive, drive_to_walk=drive_to_walk,
                facilities=fac, source=source, report=report, G_walk=G_walk, G_drive=G_drive)


def _require_positive_lengths(length: np.ndarray, where: str, mode: str) -> None:
    """Raise :class:`NetworkError` when no edge of a mode's graph is longer than zero.

    Every travel time would then be zero (all nodes one point): a broken extract or
    GraphML file, not a city.
    """
    if not (length > 0).any():
        raise NetworkError(f"{where}: all {len(length)} {mode} edges have zero length (every travel time "
                           "would be 0); check the node coordinates and edge 'length' values of the file")


def _to_networkx(G: nx.MultiDiGraph, built, graph: Graph, crs: str, *, mode: str) -> nx.MultiDiGraph:
    """A projected OSMnx-compatible MultiDiGraph whose node order is the CSR order.

    Nodes keep their original ids and attributes plus projected ``x``/``y``, ``lon``/``lat``
    and ``zone``; edges keep their attributes (geometries projected) plus ``length`` and,
    on the drive graph, ``speed_kph`` and ``travel_time``.  The walk graph has both
    directions of every way (``oneway=False``), as OSMnx's walk networks do.
    """
    import shapely

    nn, ee, length, speed, travel = built
    attrs = {k: v for k, v in G.graph.items() if k not in ("crs", "simplified")}
    attrs.update(crs=crs, simplified=True, kaicity_mode=mode)
    zl = [ZONES[c] for c in graph.zone]
    node_items = (
        (n, {**a, "x": x, "y": y, "lon": lo, "lat": la, "zone": z})
        for n, a, x, y, lo, la, z in zip(nn.ids, nn.attrs, graph.x.tolist(), graph.y.tolist(),
                                         graph.lon.tolist(), graph.lat.tolist(), zl, strict=True)
    )
    ids = nn.ids
    tails = [ids[u] for u in ee.u.tolist()]
    heads = [ids[v] for v in ee.v.tolist()]
    # one dict per edge, built in a single expression (copy + extra keys)
    if speed is not None:
        datas = [{**d, "length": ln, "speed_kph": sp_, "travel_time": tt}
                 for d, ln, sp_, tt in zip(ee.data, length.tolist(), speed.tolist(), travel.tolist(), strict=True)]
    else:  # walk: reverse edges were added before, every way is two-way for pedestrians
        datas = [{**d, "length": ln, "oneway": False} for d, ln in zip(ee.data, length.tolist(), strict=True)]
    geo_idx = [i for i, d in enumerate(datas) if d.get("geometry") is not None]
    if geo_idx:
        src = G.graph.get("crs", WGS84)
        tr = transformer(WGS84 if _is_geographic(src) else str(src), crs)

        def _proj(coords):
            x, y = tr.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        geoms = shapely.transform(np.array([datas[i]["geometry"] for i in geo_idx], dtype=object), _proj)
        for i, g in zip(geo_idx, geoms, strict=True):
            datas[i]["geometry"] = g
    return multidigraph(attrs, node_items, zip(tails, heads, ee.keys, datas, strict=True))


def multidigraph(graph_attrs: Mapping, node_items: Iterable, edge_items: Iterable) -> nx.MultiDiGraph:
    """Build a MultiDiGraph from ``(node, attrs)`` and ``(u, v, key or None, attrs)`` items, fast.

    Equivalent to ``add_nodes_from`` + ``add_edges_from`` (node order as given; an edge key of
    None gets the next free key, as ``new_edge_key`` does) but fills networkx's adjacency
    dicts directly, which is ~5x faster on graphs with a million edges.  Attribute dicts are
    used as given (not copied).  Falls back to the public API if networkx's layout changes.
    """
    H = nx.MultiDiGraph()
    H.graph.update(graph_attrs)
    plain = all(getattr(H, f) is dict for f in ("edge_key_dict_factory", "edge_attr_dict_factory",
                                                 "node_attr_dict_factory", "adjlist_inner_dict_factory"))
    if not (plain and H._adj is H._succ and hasattr(nx, "_clear_cache")):  # pragma: no cover
        H.add_nodes_from(node_items)
        H.add_edges_from((u, v, k, d) if k is not None else (u, v, d) for u, v, k, d in edge_items)
        return H
    node, succ, pred = H._node, H._succ, H._pred
    for n, a in node_items:
        node[n] = a
        succ[n] = {}
        pred[n] = {}
    for u, v, k, d in edge_items:
        su = succ[u]
        keydict = su.get(v)
        if keydict is None:
            keydict = su[v] = {}
            pred[v][u] = keydict
        if k is None:
            k = len(keydict)
            while k in keydict:
                k += 1
        keydict[k] = d
    nx._clear_cache(H)
    return H
