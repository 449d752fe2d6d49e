"""OSM tag rules: which ways a pedestrian or a car may use, road-class rank and speeds.

Rules of :func:`walkable` / :func:`drivable` on an edge's ``highway``, ``foot``, ``access``,
``motor_vehicle`` and ``area`` tags; :func:`highway_of` and :func:`order_merged_tags` for the
lists OSMnx's simplification merges (ranked by :data:`HIGHWAY_RANK`, never by hash order);
:func:`impute_speeds` for free-flow speeds (an edge's ``maxspeed``, else a Korean default per
highway type: :data:`KOREAN_URBAN_SPEEDS`, :data:`KOREAN_RURAL_SPEEDS`).  The imputation is the
one of ``osmnx.routing.add_edge_speeds(G, hwy_speeds=...)``, re-implemented with numpy because
the OSMnx functions build GeoDataFrames and take ~14 s on a 200k-node graph (tested to give
identical numbers).  :func:`osm_way_tags` makes OSMnx keep the extra way tags these rules read.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping

import networkx as nx
import numpy as np
import pandas as pd

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
    return first_value(value)


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


# --------------------------------------------------------------------------- access rules
def first_value(value):
    """A scalar tag value, None for NaN.

    A merged list gives its smallest value in sorted order (a fixed rule: the list's own
    order may come from a hash-seeded set); use :func:`highway_of` for ``highway``.
    """
    if isinstance(value, list):
        value = min(value, key=_tag_key) if value else None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def truthy(value) -> bool:
    value = first_value(value)
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
    h, f, a = highway_of(highway), first_value(foot), first_value(access)
    if h is None or h in NOT_BUILT_HIGHWAYS or first_value(area) == "yes":
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
    if h not in DRIVE_HIGHWAYS or first_value(area) == "yes":
        return False
    return first_value(access) not in PRIVATE_ACCESS and first_value(motor_vehicle) not in PRIVATE_ACCESS


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def classify_edges(data: list) -> tuple[list, np.ndarray, np.ndarray]:
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


#: Extra OSM way tags kept on edges (OSMnx's defaults lack them): walking and driving access.
EXTRA_WAY_TAGS: tuple[str, ...] = ("foot", "motor_vehicle", "sidewalk")


@contextlib.contextmanager
def osm_way_tags() -> Iterator[None]:
    """Temporarily add :data:`EXTRA_WAY_TAGS` to ``ox.settings.useful_tags_way``."""
    import osmnx as ox

    old = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = list(dict.fromkeys([*old, *EXTRA_WAY_TAGS]))
    try:
        yield
    finally:
        ox.settings.useful_tags_way = old
