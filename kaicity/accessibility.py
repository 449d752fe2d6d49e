"""15-minute accessibility: the typed wrappers of the nearest-place and counting kernels.

Two questions about the walk graph of a :class:`~kaicity.network.city.City` (edge
weights in metres) and its service facilities (:attr:`City.facilities`: one row per
facility with ``category``, walk ``node`` and ``facility_id``):

* :func:`nearest_facility_times` -- for every node and category, the walking distance to
  the nearest facility and which one it is (exact Dijkstra; ``inf`` / ``-1`` when none is
  reachable).  This is kaicity's one nearest-place table: the model's
  :class:`~kaicity.services.access.PlaceAccess` and ``kaicity access`` both use it.
  :meth:`NearestFacilities.minutes` and :func:`walking_minutes` turn distances into minutes.
* :func:`facility_counts` -- for every node and category, how many facilities lie within
  ``radius_m`` (cumulative opportunities), optionally weighted by distance decay
  (``"linear"``: ``1 - d / radius``; ``"exponential"``: ``exp(-beta * d)``, by default
  ``beta = 1 / radius``; the same weights as pandana's ``aggregate(..., decay="linear"|"exp")``).

Outcomes built on these tables live in :mod:`kaicity.metrics`: the 15-minute coverage by
group and zone (:func:`kaicity.metrics.access.coverage`), the 15-minute index
(:func:`kaicity.metrics.access.fifteen_minute_index`) and the Gini (:func:`kaicity.metrics.gini`).
:func:`default_population` is a quick population for those when no scenario is at hand.

How it is computed (kernels in :mod:`kaicity._core._access`): every search starts *from the
facilities* -- one multi-source Dijkstra per category for the nearest facility, one
Dijkstra bounded by the radius per distinct facility node for the counts -- so the cost is
O(n log n) per category and O(sum of nodes reached) for the counts, instead of one search
per node.  Categories (nearest) and facilities (counts) run on OpenMP threads when the core
was built with OpenMP; results do not depend on the number of threads (counts are exact
integers, decay sums are added in a fixed order).  On a directed graph the searches run on
the reverse graph, so distances are always *from the node to the facility*.

Conventions: a facility is within ``radius_m`` (or a node within ``limit_m``) when its
distance is ``<= radius_m``; a resident is covered when ``distance / speed <= 60 * minutes``.
Distances are float64 sums of edge lengths along the path, as networkx and scipy compute them.
When several facilities are nearest at exactly the same distance, the one with the lowest
``facility_id`` is reported.

Defaults (``DEFAULT_SPEEDS``): adult 1.33 m/s (15 min ~ 1.2 km, the common 15-minute-city
convention), elderly 1.0 m/s and frail 0.8 m/s (Korean signal-timing standard; Han et al. 2020
measured elderly 15th percentile 0.85 m/s), child 1.2 m/s (the scenario default; an assumption).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd

from kaicity._core import _access, _info
from kaicity.categories import CATEGORIES, ZONES
from kaicity.errors import FacilityError, RoutingError
from kaicity.network.city import City
from kaicity.network.graph import Graph
from kaicity.scenario import PopulationSection

__all__ = [
    "DECAYS",
    "DEFAULT_SPEEDS",
    "FacilityCounts",
    "NearestFacilities",
    "default_population",
    "facility_counts",
    "nearest_facility_times",
    "walking_minutes",
]

#: The scenario's population defaults: stated once, in the schema (``population.*``).
_POPULATION = PopulationSection()
#: Walking speed (m/s) per population group: the scenario's ``population.walking_speed_mps``
#: plus ``frail`` (see the module docs for sources).
DEFAULT_SPEEDS: dict[str, float] = {**_POPULATION.walking_speed_mps.as_dict(), "frail": 0.8}
#: Decay options of :func:`facility_counts` (``None`` = plain counts only).
DECAYS: tuple[str | None, ...] = (None, "linear", "exponential")
_DECAY_ALIASES: dict[str | None, str | None] = {
    None: None, "none": None, "flat": None,
    "linear": "linear", "exponential": "exponential", "exp": "exponential",
}
#: Jobs settling fewer nodes than this (an upper bound) run on one thread unless told otherwise
#: (measured on 2 idle cores: a second thread pays off from ~20k settled nodes, ~0.5 ms).
PARALLEL_MIN_WORK: int = 20_000
#: Relative residents per walk node by zone for :func:`default_population` (assumption, the same
#: as the synthetic facility placement: apartment blocks in the core, houses, villages).
RESIDENTS_PER_NODE: dict[str, float] = {"core": 3.0, "suburb": 1.5, "rural": 0.5}
#: Shares of children and elderly in :func:`default_population`: the scenario's
#: ``population.child_share`` and ``population.elderly_share`` (65+ is 20.0% of Korea, Dec 2024).
DEFAULT_CHILD_SHARE: float = _POPULATION.child_share
DEFAULT_ELDERLY_SHARE: float = _POPULATION.elderly_share


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class NearestFacilities:
    """Nearest facility of each category for every node (from :func:`nearest_facility_times`).

    Attributes
    ----------
    categories : tuple of str
        Column order of the arrays.
    distance : ndarray of float64, shape (n_nodes, n_categories)
        Walking distance (m) from the node to its nearest facility; ``inf`` when no facility
        of the category is reachable (within ``limit_m``).
    facility : ndarray of int64, shape (n_nodes, n_categories)
        ``facility_id`` of that facility; ``-1`` when none.
    limit_m : float
        The search limit used (``inf`` for unbounded).
    """

    categories: tuple[str, ...]
    distance: np.ndarray
    facility: np.ndarray
    limit_m: float = np.inf

    def minutes(self, speed_mps: float) -> np.ndarray:
        """Walking time (minutes) to the nearest facility at ``speed_mps``; ``inf`` when none."""
        return walking_minutes(self.distance, speed_mps)

    def column(self, category: str) -> int:
        """Column index of ``category``; raises :class:`FacilityError` when it is not computed."""
        try:
            return self.categories.index(category)
        except ValueError:
            raise FacilityError(f"category {category!r} was not computed; "
                                f"have {', '.join(self.categories)}") from None

    def to_frame(self) -> pd.DataFrame:
        """One row per node: ``<category>_m`` (distance) and ``<category>_facility`` columns."""
        data = {}
        for j, c in enumerate(self.categories):
            data[f"{c}_m"] = self.distance[:, j]
            data[f"{c}_facility"] = self.facility[:, j]
        return pd.DataFrame(data)


@dataclass(frozen=True, eq=False)
class FacilityCounts:
    """Facilities within a radius of every node (from :func:`facility_counts`).

    Attributes
    ----------
    categories : tuple of str
        Column order of the arrays.
    counts : ndarray of int32, shape (n_nodes, n_categories)
        Number of facilities of the category within ``radius_m`` (cumulative opportunities).
    weighted : ndarray of float64, shape (n_nodes, n_categories), or None
        Sum of the decay weights of those facilities (``None`` without decay).
    radius_m : float
        The radius.
    decay : str or None
        ``None``, ``"linear"`` or ``"exponential"``.
    beta : float or None
        Exponential decay rate (1/m) used, else ``None``.
    """

    categories: tuple[str, ...]
    counts: np.ndarray
    weighted: np.ndarray | None
    radius_m: float
    decay: str | None = None
    beta: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per node: ``<category>_count`` (and ``<category>_<decay>``) columns."""
        data = {}
        for j, c in enumerate(self.categories):
            data[f"{c}_count"] = self.counts[:, j]
            if self.weighted is not None:
                data[f"{c}_{self.decay}"] = self.weighted[:, j]
        return pd.DataFrame(data)


# --------------------------------------------------------------------------- validation
def _walk_graph(city: City | Graph) -> Graph:
    if isinstance(city, City):
        return city.walk
    if isinstance(city, Graph):
        return city
    raise RoutingError(f"expected a City or a walk Graph, got {type(city).__name__}")


def _default_facilities(city: City | Graph, facilities) -> pd.DataFrame:
    if facilities is not None:
        return facilities
    if isinstance(city, City):
        return city.facilities
    raise FacilityError("facilities are required when a Graph (not a City) is given")


def _threads(threads: int | None, work: float = np.inf) -> int:
    """Validated thread count; by default all threads, but one for small jobs.

    ``work`` is an upper bound on the nodes the kernel settles; below
    :data:`PARALLEL_MIN_WORK` the OpenMP start-up and barrier waits cost more than a
    second thread saves.  (On a machine whose cores are busy with other processes,
    OpenMP threads wait for each other; pass ``threads=1`` there.)
    """
    if threads is None:
        return 1 if work < PARALLEL_MIN_WORK else max(1, int(_info.max_threads()))
    if isinstance(threads, bool) or not isinstance(threads, Integral) or threads < 1:
        raise RoutingError(f"threads must be an integer >= 1, got {threads!r}")
    return int(threads)


def _check_graph(graph: Graph) -> None:
    w = graph.weights
    if len(w) and not w.min() >= 0:  # catches NaN as well as negative weights
        raise RoutingError(f"{graph.name} graph: edge weights must be >= 0 and not NaN")


def _search_csr(graph: Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays searched from the facilities: the reverse graph when directed."""
    g = graph.transpose() if graph.directed else graph
    return (np.ascontiguousarray(g.indptr, dtype=np.int32), np.ascontiguousarray(g.indices, dtype=np.int32),
            np.ascontiguousarray(g.weights, dtype=np.float64))


def _nonneg(value, name: str, *, allow_inf: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise RoutingError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if np.isnan(v) or v < 0 or (not allow_inf and np.isinf(v)):
        raise RoutingError(f"{name} must be {'finite and ' if not allow_inf else ''}>= 0, got {value!r}")
    return v


def _speed(value, name: str = "speed_mps") -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not (np.isfinite(value) and value > 0):
        raise RoutingError(f"{name} must be a positive finite number (m/s), got {value!r}")
    return float(value)


def _categories(categories: Sequence[str]) -> tuple[str, ...]:
    if isinstance(categories, str):
        categories = (categories,)
    cats = tuple(categories)
    if not cats or len(set(cats)) != len(cats) or not all(isinstance(c, str) for c in cats):
        raise FacilityError(f"categories must be distinct names, got {categories!r}")
    return cats


def _int_column(values, name: str, what: str, error: type[Exception]) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "b" or arr.dtype.kind not in "f" and arr.dtype != object:
        raise error(f"{what}: {name} must be integers, got dtype {arr.dtype}")
    try:
        f = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise error(f"{what}: {name} must be integers") from None
    bad = ~np.isfinite(f) | (f != np.round(f))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise error(f"{what}: {name} must be integers, row {i} is {arr[i]!r}")
    return f.astype(np.int64)


def _category_codes(column: pd.Series, cats: tuple[str, ...]) -> np.ndarray:
    """Index of each value in ``cats`` (-1 when absent), cheap for the small tables of a city."""
    if len(column) <= 512:
        lookup = {c: i for i, c in enumerate(cats)}
        return np.fromiter((lookup.get(v, -1) for v in column.tolist()), dtype=np.int64, count=len(column))
    return pd.Index(cats).get_indexer(column.to_numpy())


def _facility_sources(graph: Graph, facilities, cats: tuple[str, ...]):
    """Validated facility arrays: category code, node, facility_id (unsorted)."""
    if not isinstance(facilities, pd.DataFrame):
        raise FacilityError(f"facilities must be a DataFrame with columns category and node, "
                            f"got {type(facilities).__name__}")
    missing = [c for c in ("category", "node") if c not in facilities.columns]
    if missing:
        raise FacilityError(f"facilities: missing column(s) {', '.join(missing)} "
                            f"(expected category, node[, facility_id])")
    cat = _category_codes(facilities["category"], cats)
    if len(cat) and cat.min() < 0:
        bad = sorted({str(v) for v in facilities["category"].to_numpy()[cat < 0]})
        raise FacilityError(f"facilities: unknown category {', '.join(map(repr, bad[:5]))}; "
                            f"use one of {', '.join(cats)}")
    node = _int_column(facilities["node"].to_numpy(), "node", "facilities", FacilityError)
    n = graph.n_nodes
    if len(node) and (node.min() < 0 or node.max() >= n):
        i = int(np.flatnonzero((node < 0) | (node >= n))[0])
        raise FacilityError(f"facilities: node {int(node[i])} (row {i}) is outside the walk graph's "
                            f"nodes 0..{n - 1}")
    if "facility_id" in facilities.columns:
        fid = _int_column(facilities["facility_id"].to_numpy(), "facility_id", "facilities", FacilityError)
    else:
        fid = np.arange(len(node), dtype=np.int64)
    return cat.astype(np.int64), node.astype(np.int32), fid


# ------------------------------------------------------------------------------ kernels
def walking_minutes(distance_m, speed_mps: float) -> np.ndarray:
    """Minutes to walk ``distance_m`` metres at ``speed_mps`` (``inf`` stays ``inf``).

    Raises
    ------
    RoutingError
        When the speed is not a positive finite number.
    """
    return np.asarray(distance_m, dtype=np.float64) / (_speed(speed_mps) * 60.0)


def nearest_facility_times(
    city: City | Graph,
    facilities: pd.DataFrame | None = None,
    *,
    limit_m: float = np.inf,
    categories: Sequence[str] = CATEGORIES,
    threads: int | None = None,
) -> NearestFacilities:
    """Walking distance from every node to the nearest facility of each category, and which one.

    Parameters
    ----------
    city
        A :class:`City` (its walk graph is used) or a walk :class:`Graph`.
    facilities
        DataFrame with ``category``, ``node`` (walk node index) and optionally
        ``facility_id`` (default: the row position).  Default: ``city.facilities``.
    limit_m
        Search only this far (m); farther nodes get ``inf`` / ``-1``.  Default unbounded.
    categories
        Categories to compute, in column order (default :data:`kaicity.categories.CATEGORIES`).
        A category without facilities gives ``inf`` everywhere.
    threads
        OpenMP threads (default: all available; one for a small graph).

    Returns
    -------
    NearestFacilities
        ``distance`` (m) and ``facility`` (``facility_id``), shape ``(n_nodes, n_categories)``.

    Raises
    ------
    FacilityError
        Unknown category, bad node index or malformed table.
    RoutingError
        Negative / NaN limit or edge weights, bad thread count.
    """
    graph = _walk_graph(city)
    facilities = _default_facilities(city, facilities)
    cats = _categories(categories)
    limit = _nonneg(limit_m, "limit_m")
    nt = _threads(threads, 2.0 * graph.n_nodes * len(cats))
    _check_graph(graph)
    code, node, fid = _facility_sources(graph, facilities, cats)
    order = np.lexsort((fid, code))  # by category, then facility_id (ties -> lowest id)
    src_node = np.ascontiguousarray(node[order])
    src_id = np.ascontiguousarray(fid[order])
    cat_ptr = np.zeros(len(cats) + 1, dtype=np.int32)
    np.cumsum(np.bincount(code, minlength=len(cats)), out=cat_ptr[1:])
    n = graph.n_nodes
    dist = np.empty((len(cats), n), dtype=np.float64)
    ids = np.empty((len(cats), n), dtype=np.int64)
    indptr, indices, weights = _search_csr(graph)
    if not _access.nearest_by_category(indptr, indices, weights, src_node, src_id, cat_ptr, limit,
                                       dist, ids, nt):
        raise MemoryError("nearest_facility_times: out of memory for the search workspaces")
    return NearestFacilities(categories=cats, distance=dist.T, facility=ids.T, limit_m=limit)


def facility_counts(
    city: City | Graph,
    facilities: pd.DataFrame | None = None,
    radius_m: float = 1200.0,
    *,
    decay: str | None = None,
    beta: float | None = None,
    categories: Sequence[str] = CATEGORIES,
    threads: int | None = None,
) -> FacilityCounts:
    """Number of facilities of each category within ``radius_m`` of every node (and decayed sums).

    One bounded Dijkstra runs from each distinct facility node (on the reverse graph when
    directed) and adds into node x category arrays, so the work is the sum over facility
    nodes of the nodes within ``radius_m``; searches run in parallel over OpenMP threads.

    Parameters
    ----------
    city
        A :class:`City` (its walk graph is used) or a walk :class:`Graph`.
    facilities
        DataFrame with ``category`` and ``node`` (default ``city.facilities``).
    radius_m
        Network distance (m); a facility counts when its distance is ``<= radius_m``.
    decay
        ``None`` (counts only), ``"linear"`` (weight ``1 - d / radius_m``) or
        ``"exponential"`` (weight ``exp(-beta * d)``); pandana's names ``"flat"`` and
        ``"exp"`` are accepted too.
    beta
        Exponential decay rate (1/m); default ``1 / radius_m`` (pandana's ``exp(-d / radius)``).
        Only valid with ``decay="exponential"``.
    categories
        Categories to compute, in column order.
    threads
        OpenMP threads (default: all available; one when the searches are small).

    Returns
    -------
    FacilityCounts
        ``counts`` (int32) and ``weighted`` (float64 or None), shape ``(n_nodes, n_categories)``.

    Raises
    ------
    FacilityError
        Unknown category, bad node index or malformed table.
    RoutingError
        Negative / NaN radius or beta, unknown decay, bad thread count or edge weights.
    """
    graph = _walk_graph(city)
    facilities = _default_facilities(city, facilities)
    cats = _categories(categories)
    radius = _nonneg(radius_m, "radius_m")
    if not isinstance(decay, str | None) or (decay.lower() if decay else decay) not in _DECAY_ALIASES:
        raise RoutingError(f"unknown decay {decay!r}; use None, 'linear' or 'exponential'")
    kind = _DECAY_ALIASES[decay.lower() if decay else decay]
    if beta is not None and kind != "exponential":
        raise RoutingError("beta is only used with decay='exponential'")
    if kind == "exponential":
        if beta is None:
            b = 1.0 / radius if 0 < radius < np.inf else 0.0
        else:
            b = _nonneg(beta, "beta", allow_inf=False)
    else:
        b = None
    _threads(threads)
    _check_graph(graph)
    code, node, _ = _facility_sources(graph, facilities, cats)
    C, n = len(cats), graph.n_nodes
    # one search per distinct facility node, with the number of facilities of each category there
    uniq, inv = np.unique(node, return_inverse=True)
    nt = _threads(threads, float(len(uniq)) * n)
    mult = np.zeros((len(uniq), C), dtype=np.int32)
    np.add.at(mult, (inv, code), 1)
    counts = np.zeros((C, n), dtype=np.int32)
    weighted = np.zeros((C, n if kind else 0), dtype=np.float64)
    code_decay = {None: _access.DECAY_NONE, "linear": _access.DECAY_LINEAR,
                  "exponential": _access.DECAY_EXP}[kind]
    indptr, indices, weights = _search_csr(graph)
    if not _access.counts_within(indptr, indices, weights, np.ascontiguousarray(uniq, dtype=np.int32), mult,
                                 radius, code_decay, 0.0 if b is None else b, counts, weighted, nt):
        raise MemoryError("facility_counts: out of memory for the search buffers")
    return FacilityCounts(categories=cats, counts=counts.T, weighted=weighted.T if kind else None,
                          radius_m=radius, decay=kind, beta=b)


# ------------------------------------------------------------------------- population
def default_population(
    city: City | Graph,
    *,
    residents: int | None = None,
    elderly_share: float = DEFAULT_ELDERLY_SHARE,
    child_share: float = DEFAULT_CHILD_SHARE,
    seed: int = 0,
) -> pd.DataFrame:
    """A population living on the walk graph's nodes, for :func:`kaicity.metrics.access.coverage`.

    Each node houses residents in proportion to :data:`RESIDENTS_PER_NODE` of its zone
    (core 3, suburb 1.5, rural 0.5 -- an assumption).  With ``residents=None`` every node
    gets three rows (child / adult / elderly) carrying the expected weights, so the result
    is exact and deterministic.  With ``residents=N``, ``N`` homes are drawn with those
    probabilities and each resident's group with the shares (numpy ``default_rng(seed)``);
    weights are 1.

    Parameters
    ----------
    city
        A City or a walk Graph.
    residents
        Number of sampled residents, or None for the expected population.
    elderly_share, child_share
        Group shares (the rest are adults); both in [0, 1] with a sum <= 1.
    seed
        Random seed of the sample.

    Returns
    -------
    pandas.DataFrame
        Columns ``node`` (int32), ``weight`` (float64), ``group`` (str).
    """
    graph = _walk_graph(city)
    e = _nonneg(elderly_share, "elderly_share", allow_inf=False)
    c = _nonneg(child_share, "child_share", allow_inf=False)
    if e > 1 or c > 1 or e + c > 1 + 1e-12:
        raise RoutingError(f"elderly_share {e} and child_share {c} must be shares with a sum <= 1")
    shares = {"child": c, "adult": max(0.0, 1.0 - c - e), "elderly": e}
    per_zone = np.array([RESIDENTS_PER_NODE.get(z, 1.0) for z in ZONES], dtype=np.float64)
    zone = np.clip(graph.zone.astype(np.int64), 0, len(ZONES) - 1)
    node_w = per_zone[zone]
    n = graph.n_nodes
    if n == 0:
        return pd.DataFrame({"node": np.zeros(0, np.int32), "weight": np.zeros(0),
                             "group": np.zeros(0, dtype=object)})
    if residents is None:
        groups = list(shares)
        return pd.DataFrame({
            "node": np.tile(np.arange(n, dtype=np.int32), len(groups)),
            "weight": np.concatenate([node_w * shares[g] for g in groups]),
            "group": np.repeat(np.array(groups, dtype=object), n),
        })
    if isinstance(residents, bool) or not isinstance(residents, Integral) or residents < 0:
        raise RoutingError(f"residents must be an integer >= 0 or None, got {residents!r}")
    rng = np.random.default_rng(seed)
    homes = rng.choice(n, size=int(residents), p=node_w / node_w.sum()).astype(np.int32)
    names = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()))
    group = names[rng.choice(len(names), size=int(residents), p=p / p.sum())]
    return pd.DataFrame({"node": homes, "weight": np.ones(int(residents)), "group": group})


#: KPI functions that moved to :mod:`kaicity.metrics` (their one home): name -> new place.
MOVED: dict[str, str] = {
    "coverage": "kaicity.metrics.access.coverage",
    "fifteen_minute_index": "kaicity.metrics.access.fifteen_minute_index",
    "gini": "kaicity.metrics.gini",
}


def __getattr__(name: str):
    """Point at the new home of a KPI that moved to :mod:`kaicity.metrics`."""
    if name in MOVED:
        raise AttributeError(f"kaicity.accessibility.{name} moved to {MOVED[name]} (one home for KPIs); "
                             f"import it from there")
    raise AttributeError(f"module 'kaicity.accessibility' has no attribute {name!r}")
