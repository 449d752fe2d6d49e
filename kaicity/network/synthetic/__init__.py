"""The built-in offline synthetic city: a Korean new town with suburbs and a rural hinterland.

:func:`synthetic_city` lays out, in local metres of a UTM zone (EPSG:32652 for the default
centre near Sejong), three kinds of district and returns them as one OSMnx-compatible
:class:`networkx.MultiDiGraph`:

* **core** -- a dense, slightly jittered grid (blocks 100-150 m) with ``primary``/``secondary``
  arterials every 4-6 blocks (some pairs as one-way couplets), ``residential`` local streets,
  a few ``living_street`` segments and pedestrian plazas inside blocks reached only by
  ``footway`` links;
* **suburb** -- several looser, irregular grids (blocks 150-300 m, ``residential`` with
  ``tertiary`` collectors) around the core, joined to it and to each other by
  ``secondary``/``tertiary`` roads;
* **rural** -- many small irregular villages (10-60 nodes) 4-20 km beyond the built-up area
  (further only when custom shares ask for a hinterland too big for that band), grouped in townships
  and linked to each other by 1-5 km ``unclassified``/``tertiary`` roads and to the city by
  long ``secondary``/``tertiary`` roads; every long road is split into edges of a few hundred
  metres.

Everything is generated with numpy and added to the graph in bulk, so a 200,000-node city
takes a few seconds.  The same ``seed`` always gives the same graph.

Modules: :mod:`~kaicity.network.synthetic.streets` (road classes, the node/segment builder,
geometric helpers), :mod:`~kaicity.network.synthetic.districts` (core, suburbs, villages) and
this one (validation, assembly into a graph, :func:`synthetic_city`).
"""

from __future__ import annotations

from numbers import Integral, Real

import networkx as nx
import numpy as np
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from kaicity.categories import ZONES
from kaicity.errors import GeometryError, NetworkError
from kaicity.network.synthetic.districts import _core_district, _rural_district, _suburb_district
from kaicity.network.synthetic.streets import _FOOTWAY, _MAXSPEED, DRIVABLE_EXCLUDED, HIGHWAYS, _Builder

__all__ = ["DRIVABLE_EXCLUDED", "HIGHWAYS", "synthetic_city"]

_MIN_NODES = 500
_MAX_NODES = 2_000_000
_MIN_DISTRICT = {"core_share": 100, "suburb_share": 40, "rural_share": 40}



# --------------------------------------------------------------------------------------------
# Validation, assembly and the public function
# --------------------------------------------------------------------------------------------
def _validate(n_nodes: object, seed: object, center_lonlat: object,
              shares: dict[str, object]) -> tuple[float, float]:
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, Integral):
        raise NetworkError(f"n_nodes must be an integer, got {n_nodes!r} ({type(n_nodes).__name__})")
    if not _MIN_NODES <= int(n_nodes) <= _MAX_NODES:
        raise NetworkError(f"n_nodes must be between {_MIN_NODES:,} and {_MAX_NODES:,}, got {n_nodes:,}")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or int(seed) < 0:
        raise NetworkError(f"seed must be a non-negative integer, got {seed!r}")
    for name, value in shares.items():
        if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 <= float(value) <= 1.0:
            raise NetworkError(f"{name} must be a number between 0 and 1, got {value!r}")
    total = sum(float(v) for v in shares.values())
    if abs(total - 1.0) > 1e-6:
        detail = ", ".join(f"{k}={float(v):g}" for k, v in shares.items())
        raise NetworkError(f"core_share + suburb_share + rural_share must sum to 1, got {total:g} ({detail})")
    for name, value in shares.items():
        n = float(value) * int(n_nodes)
        if (name == "core_share" or value > 0) and n < _MIN_DISTRICT[name]:
            raise NetworkError(
                f"{name}={float(value):g} gives {n:.0f} of {n_nodes} nodes, fewer than the "
                f"{_MIN_DISTRICT[name]} that district needs; raise it, raise n_nodes"
                + ("" if name == "core_share" else ", or set it to 0")
            )
    try:
        lon, lat = (float(c) for c in center_lonlat)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise GeometryError(f"center_lonlat must be a (lon, lat) pair, got {center_lonlat!r}") from None
    if not (-180.0 <= lon <= 180.0 and -80.0 <= lat <= 84.0):
        raise GeometryError(
            f"center_lonlat={center_lonlat!r} is outside the UTM range (lon -180..180, lat -80..84); "
            "is it (lat, lon) by mistake?"
        )
    return lon, lat


def _utm_crs(lon: float, lat: float) -> CRS:
    """The UTM zone holding ``(lon, lat)`` (EPSG:32652 for Sejong and most of Korea)."""
    zone = min(60, int((lon + 180.0) // 6.0) + 1)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _to_graph(b: _Builder, lon: np.ndarray, lat: np.ndarray, x: np.ndarray, y: np.ndarray,
              graph_attrs: dict) -> nx.MultiDiGraph:
    """Expand two-way segments into edge pairs and build the MultiDiGraph in bulk."""
    u, v, hw, oneway, ctx, way = b.edges()
    two = ~oneway
    U = np.concatenate([u, v[two]])
    V = np.concatenate([v, u[two]])
    rev = np.concatenate([np.zeros(u.size, bool), np.ones(int(two.sum()), bool)])
    hw, oneway, ctx, way = (np.concatenate([a, a[two]]) for a in (hw, oneway, ctx, way))
    order = np.lexsort((V, U))
    U, V, rev, hw, oneway, ctx, way = (a[order] for a in (U, V, rev, hw, oneway, ctx, way))
    length = np.hypot(x[U] - x[V], y[U] - y[V])
    # multigraph keys: 0, 1, ... among parallel edges (rare: two roads joining the same nodes)
    same = np.concatenate([[False], (U[1:] == U[:-1]) & (V[1:] == V[:-1])])
    run_start = np.maximum.accumulate(np.where(same, 0, np.arange(U.size)))
    key = np.arange(U.size) - run_start
    # OSMnx street_count: physical street segments at each node, parallel roads counted
    street_count = np.bincount(u, minlength=b.n) + np.bincount(v, minlength=b.n)
    zone_names = np.asarray(ZONES, dtype=object)[b.zones()]

    G = nx.MultiDiGraph(**graph_attrs)
    G.add_nodes_from(
        (i, {"y": la, "x": lo, "zone": z, "street_count": sc})
        for i, (la, lo, z, sc) in enumerate(
            zip(lat.tolist(), lon.tolist(), zone_names.tolist(), street_count.tolist(), strict=True))
    )
    hw_names = np.asarray(HIGHWAYS, dtype=object)[hw].tolist()
    maxspeed = _MAXSPEED[ctx, hw].tolist()
    data = [
        {"osmid": o, "highway": h, "oneway": ow, "reversed": r, "length": ln, "maxspeed": ms}
        if ms is not None else
        {"osmid": o, "highway": h, "oneway": ow, "reversed": r, "length": ln}
        for o, h, ow, r, ln, ms in zip((way + 1).tolist(), hw_names, oneway.tolist(), rev.tolist(),
                                       length.tolist(), maxspeed, strict=True)
    ]
    G.add_edges_from(zip(U.tolist(), V.tolist(), key.tolist(), data, strict=True))
    return G


def _check_connected(b: _Builder) -> None:
    """Whole graph weakly connected and drivable part strongly connected, or a NetworkError."""
    u, v, hw, oneway, _, _ = b.edges()
    n = b.n
    ones = np.ones(u.size)
    n_all, _ = connected_components(coo_matrix((ones, (u, v)), shape=(n, n)), directed=False)
    drive = hw != _FOOTWAY
    du, dv = u[drive], v[drive]
    two = ~oneway[drive]
    su, sv = np.concatenate([du, dv[two]]), np.concatenate([dv, du[two]])
    used = np.unique(np.concatenate([su, sv]))
    n_strong, lab = connected_components(coo_matrix((np.ones(su.size), (su, sv)), shape=(n, n)),
                                         directed=True, connection="strong")
    n_drive = np.unique(lab[used]).size
    if n_all != 1 or n_drive != 1:
        raise NetworkError(
            f"synthetic city generation failed: {n_all} weak component(s), {n_drive} strongly connected "
            "drivable component(s); please report this seed and size as a bug"
        )


def synthetic_city(
    n_nodes: int = 10_000,
    seed: int = 0,
    *,
    center_lonlat: tuple[float, float] = (127.289, 36.480),
    core_share: float = 0.45,
    suburb_share: float = 0.35,
    rural_share: float = 0.20,
) -> nx.MultiDiGraph:
    """Build kaicity's offline default city: a Korean new town with suburbs and villages.

    Parameters
    ----------
    n_nodes : int, default 10_000
        Target number of nodes (500 to 2,000,000); the result is within +/-5 % of it.
    seed : int, default 0
        Seed of the generator; the same seed (and arguments) gives an identical graph.
    center_lonlat : (float, float), default (127.289, 36.480)
        Longitude and latitude of the core's centre (default: Sejong).  The city is laid
        out in metres in the UTM zone of this point (EPSG:32652 for the default and most
        of Korea) and converted to WGS84.
    core_share, suburb_share, rural_share : float, default 0.45, 0.35, 0.20
        Shares of nodes in each zone; must sum to 1.  ``suburb_share`` and ``rural_share``
        may be 0 (no such district); otherwise each district needs some 40-100 nodes.

    Returns
    -------
    networkx.MultiDiGraph
        An OSMnx-style, unsimplified graph with graph attributes ``crs="EPSG:4326"``,
        ``layout_crs`` (the UTM CRS the city was laid out in), ``name`` and ``seed``.
        Nodes are ``0..n-1`` (core, then suburb, then rural nodes) with ``x`` (lon), ``y``
        (lat), ``zone`` (``"core"``/``"suburb"``/``"rural"``) and ``street_count``.  Edges
        carry ``osmid`` (int way id, shared by the segments of one long road), ``length``
        (metres, the planar distance between the endpoints in ``layout_crs``), ``highway``,
        ``oneway``, ``reversed`` and ``maxspeed`` (km/h as a string; footways have none).
        Two-way streets are two directed edges, one-way streets one.

    Raises
    ------
    NetworkError
        If ``n_nodes`` or ``seed`` is not a suitable integer or the shares are out of range,
        do not sum to 1 or leave a district too small.
    GeometryError
        If ``center_lonlat`` is not a valid (lon, lat) pair.

    Notes
    -----
    The whole graph is weakly connected, its drivable part (all but ``footway`` edges) is
    strongly connected; only the footways reach pedestrian plazas inside core blocks.

    Examples
    --------
    >>> G = synthetic_city(2_000, seed=1)
    >>> G.graph["crs"]
    'EPSG:4326'
    """
    shares = {"core_share": core_share, "suburb_share": suburb_share, "rural_share": rural_share}
    lon0, lat0 = _validate(n_nodes, seed, center_lonlat, shares)
    n_nodes = int(n_nodes)
    rng = np.random.default_rng(int(seed))
    n_core = round(float(core_share) * n_nodes)
    n_rural = round(float(rural_share) * n_nodes)
    n_suburb = n_nodes - n_core - n_rural

    b = _Builder()
    core = _core_district(b, rng, n_core)
    urban = core.grid_ids
    if float(suburb_share) > 0:
        urban = np.concatenate([urban, _suburb_district(b, rng, n_suburb, core)])
    if float(rural_share) > 0:
        _rural_district(b, rng, n_rural, urban)
    _check_connected(b)

    layout_crs = _utm_crs(lon0, lat0)
    to_wgs = Transformer.from_crs(layout_crs, "EPSG:4326", always_xy=True)
    e0, n0 = Transformer.from_crs("EPSG:4326", layout_crs, always_xy=True).transform(lon0, lat0)
    xy = b.xy()
    x, y = xy[:, 0], xy[:, 1]
    lon, lat = to_wgs.transform(x + e0, y + n0)
    attrs = {"crs": "EPSG:4326", "layout_crs": layout_crs.to_string(), "name": "kaicity synthetic city",
             "seed": int(seed)}
    return _to_graph(b, np.asarray(lon), np.asarray(lat), x, y, attrs)
