"""Exact shortest paths on kaicity street graphs (walk metres, drive seconds).

Thin, validating wrappers over the Cython kernels in :mod:`kaicity._core._dijkstra`,
in the style of :mod:`scipy.sparse.csgraph`: this module checks the inputs and allocates
the outputs; the kernels only read arrays.  Every function takes a
:class:`~kaicity.network.graph.Graph` (e.g. ``city.walk`` or ``city.drive``) and node
indices ``0..n-1`` of that graph.

Results are exact: a time is the float64 sum of edge costs along a shortest path, added
from the source outwards, which is what :func:`scipy.sparse.csgraph.dijkstra` and
networkx compute too (identical on every test network).  A node is within ``limit`` when
its time is ``<= limit``; nodes beyond it, or unreachable, get ``inf``.

``reverse=True`` searches the transposed graph, i.e. gives times *to* the source nodes
(on the directed drive graph: from which nodes can a vehicle reach this pickup, and how
fast).  On an undirected graph it changes nothing.

Many independent searches run in parallel OpenMP threads when the core was built with
OpenMP.  ``threads=None`` allows up to :func:`kaicity._core._info.max_threads` (which
:func:`kaicity._core._info.set_num_threads` changes) but stays on one thread for jobs
too small to gain from more (see :data:`MIN_PARALLEL_S`); ``threads=k`` uses exactly
``k``.  Results are identical for any number of threads.

Performance notes: each graph keeps, in its cache, its validated arrays and a pool of
per-thread work arrays (about 44 bytes per node and thread), so only the first call on a
graph costs O(n + m) extra; a bounded search then costs O(r log r) for the r nodes it
reaches.  Single-source searches on graphs whose edges all cost more than zero use an
exact monotone bucket queue instead of a heap (:data:`BUCKET_MAX_SLOTS`); searches from
several sources at once (:func:`nearest`) use the indexed 4-ary heap.  Graphs of
:data:`LAYOUT_MIN_NODES` nodes or more are searched on a copy
relabelled for memory locality (results use the graph's own indices).  For many origins
and few destinations, ``time_matrix(graph.transpose(), destinations, origins).T`` runs
fewer searches (same times up to the last bit: the costs are added in the other order).

Bad input raises :class:`~kaicity.errors.RoutingError`: negative or NaN edge costs, a
malformed CSR structure, node indices that are out of range or not integers, a negative
or NaN ``limit``, arrays of different lengths.

Example::

    from kaicity import routing
    from kaicity.network import load_city

    city = load_city("synthetic:n=5000,seed=1")
    metres = routing.shortest_times(city.walk, 0)                  # to every walk node
    walk15 = routing.bounded_times(city.walk, [0, 10, 20], 1200.0)  # 15 minutes of walking
    times, which = routing.nearest(city.walk, city.facilities["node"].to_numpy())
    pickup = int(city.walk_to_drive[42])
    reach = routing.bounded_times(city.drive, pickup, 600.0, reverse=True)  # <= 10 min away
    seconds = routing.time_matrix(city.drive, [1, 2, 3], [4, 5])
    path = routing.shortest_path(city.drive, 1, 5)
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee

from kaicity._core import _dijkstra
from kaicity._core._info import max_threads, openmp_enabled
from kaicity._core.constants import INDEX_DTYPE, NO_NODE, WEIGHT_DTYPE
from kaicity.errors import KaicityError, RoutingError
from kaicity.network.graph import Graph

__all__ = [
    "NO_SOURCE",
    "SparseTimes",
    "bounded_times",
    "nearest",
    "nearest_many",
    "shortest_path",
    "shortest_paths",
    "shortest_times",
    "time_matrix",
]

#: ``which`` value of :func:`nearest` for "no source within the limit" (the core's NO_NODE).
NO_SOURCE = NO_NODE

_CHECKED_KEY = "routing.csr"
_POOL_KEY = "routing.workspaces"


# ------------------------------------------------------------------------------ results
@dataclass(frozen=True, eq=False)
class SparseTimes:
    """Times of many bounded searches, as CSR-like arrays (memory O(nodes reached)).

    Row ``i`` (search ``i``) is ``nodes[indptr[i]:indptr[i + 1]]`` with times
    ``times[indptr[i]:indptr[i + 1]]``: every node within the limit, in the order the
    search settled them (non-decreasing time), the source itself first at time 0.

    Attributes
    ----------
    indptr : ndarray of int64, shape (k + 1,)
    nodes : ndarray of int32, shape (nnz,)
    times : ndarray of float64, shape (nnz,)
    n_nodes : int
        Number of nodes of the graph searched (the column count of :meth:`to_scipy`).
    """

    indptr: np.ndarray
    nodes: np.ndarray
    times: np.ndarray
    n_nodes: int

    def __len__(self) -> int:
        return len(self.indptr) - 1

    @property
    def nnz(self) -> int:
        """Total number of (search, node) pairs stored."""
        return int(self.indptr[-1])

    @property
    def nbytes(self) -> int:
        """Bytes held by the three arrays."""
        return int(self.indptr.nbytes + self.nodes.nbytes + self.times.nbytes)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Nodes reached by search ``i`` and their times (views, settling order)."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.nodes[lo:hi], self.times[lo:hi]

    def counts(self) -> np.ndarray:
        """Number of nodes reached by each search."""
        return np.diff(self.indptr)

    def to_scipy(self) -> sp.csr_matrix:
        """A ``(k, n_nodes)`` ``csr_matrix`` of times (sources' own zeros stored explicitly).

        Column indices within a row are in settling order, not sorted.
        """
        return sp.csr_matrix((self.times, self.nodes, self.indptr), shape=(len(self), self.n_nodes))

    def to_dense(self) -> np.ndarray:
        """A ``(k, n_nodes)`` array with ``inf`` for nodes not reached (O(k n) memory)."""
        out = np.full((len(self), self.n_nodes), np.inf)
        rows = np.repeat(np.arange(len(self)), self.counts())
        out[rows, self.nodes] = self.times
        return out


# --------------------------------------------------------------------------- validation
#: Graphs with at least this many nodes whose node order scatters neighbours across
#: memory (more than :data:`LAYOUT_MAX_FAR` of the edges join nodes more than 4096 indices
#: apart, typical of OSM id order) are searched on a relabelled copy whose node order
#: follows the streets (reverse Cuthill-McKee); results are mapped back to the graph's own
#: node indices.  On a 200k-node city in random order this made searches ~1.2x faster;
#: an already local order (e.g. the synthetic city's) is kept, as the mapping costs more
#: than it saves there, and so are graphs below ~100k nodes, whose arrays stay in cache.
LAYOUT_MIN_NODES = 100_000
LAYOUT_MAX_FAR = 0.2


@dataclass(frozen=True, eq=False)
class _Prepared:
    """Validated CSR arrays, possibly relabelled; ``perm[i]`` is internal node i's original index."""

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    perm: np.ndarray | None = None
    inv: np.ndarray | None = None
    bucket_slots: int = 0
    inv_width: float = 0.0

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    def inside(self, nodes: np.ndarray) -> np.ndarray:
        """Original node indices -> internal ones."""
        return nodes if self.inv is None else self.inv[nodes]

    def outside(self, nodes: np.ndarray) -> np.ndarray:
        """Internal node indices -> original ones."""
        return nodes if self.perm is None else self.perm[nodes]


def _csr(graph: Graph, reverse: bool = False) -> _Prepared:
    """Validated (and for big graphs relabelled) CSR arrays of ``graph`` or its transpose.

    Checked once per graph: the result is cached on the (immutable) Graph.
    """
    if reverse:
        if not hasattr(graph, "transpose"):
            raise RoutingError(f"reverse=True needs a Graph with transpose(), got {type(graph).__name__}")
        _csr(graph)  # bad input is reported on the graph as given, not on its transpose
        try:
            graph = graph.transpose()
        except KaicityError as exc:
            raise RoutingError(f"cannot reverse the graph: {exc}") from exc
    cache = getattr(graph, "_cache", None)
    if isinstance(cache, dict):
        hit = cache.get(_CHECKED_KEY)
        if hit is not None:
            return hit
    indptr, indices, weights = _check_csr(graph)
    prepared = _relabel(indptr, indices, weights) if _scattered(indptr, indices) else \
        _Prepared(indptr, indices, weights)
    prepared = replace(prepared, **_bucket_plan(weights))
    if isinstance(cache, dict):
        cache[_CHECKED_KEY] = prepared
    return prepared


#: Single-source searches use an exact bucket queue instead of the heap (see
#: ``kaicity/_core/_buckets.pxd``) when every edge costs at least ``w_min > 0``: buckets
#: slightly narrower than ``w_min`` hold nodes that can no longer improve each other.
#: The circular bucket array needs ``w_max / w_min`` slots, so graphs whose costs span
#: more than :data:`BUCKET_MAX_SLOTS` slots, or whose median edge spans more than
#: :data:`BUCKET_MAX_MEDIAN_SPAN` buckets (mostly empty buckets to skip), keep the heap,
#: as do graphs with zero-cost edges.  Measured on one-to-all walk searches from 4,096
#: random sources: 1.2x-1.3x faster than the indexed 4-ary heap (Seoul Songpa 14.1 ->
#: 11.7 us, Mapo 39 -> 30 us, central 145 -> 120 us, synthetic 10k 387 -> 297 us).
BUCKET_MAX_SLOTS = 1 << 16
BUCKET_MAX_MEDIAN_SPAN = 4096.0
#: Bucket width = shortest edge x this (the margin keeps float rounding of
#: ``time / width`` from ever moving a node into the current bucket).
BUCKET_WIDTH_MARGIN = 1.0 - 1e-7


def _bucket_plan(weights: np.ndarray) -> dict:
    """``bucket_slots`` and ``inv_width`` for the bucket queue, or zeros for the heap."""
    finite = weights[np.isfinite(weights)]
    if not len(finite) or finite.min() <= 0.0:
        return {"bucket_slots": 0, "inv_width": 0.0}
    width = float(finite.min()) * BUCKET_WIDTH_MARGIN
    span = float(finite.max()) / width + 2.0
    if span > BUCKET_MAX_SLOTS or float(np.median(finite)) / width > BUCKET_MAX_MEDIAN_SPAN:
        return {"bucket_slots": 0, "inv_width": 0.0}
    slots = max(64, 1 << (int(span) + 1).bit_length())
    return {"bucket_slots": slots, "inv_width": 1.0 / width}


def _scattered(indptr: np.ndarray, indices: np.ndarray) -> bool:
    """True for a big graph whose node order puts many neighbours far apart in memory."""
    n = len(indptr) - 1
    if n < LAYOUT_MIN_NODES or not len(indices):
        return False
    tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    far = np.abs(tails - indices) > 4096
    return bool(far.mean() > LAYOUT_MAX_FAR)


def _relabel(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray) -> _Prepared:
    """The graph with nodes in reverse Cuthill-McKee order (parallel and zero edges kept)."""
    n = len(indptr) - 1
    pattern = sp.csr_matrix((np.ones(len(indices), dtype=np.int8), indices, indptr), shape=(n, n))
    perm = reverse_cuthill_mckee(pattern, symmetric_mode=False).astype(INDEX_DTYPE)
    inv = np.empty(n, dtype=INDEX_DTYPE)
    inv[perm] = np.arange(n, dtype=INDEX_DTYPE)
    deg = np.diff(indptr)[perm]
    new_indptr = np.zeros(n + 1, dtype=INDEX_DTYPE)
    np.cumsum(deg, out=new_indptr[1:])
    # old position of the edge in each new slot
    src = np.repeat(indptr[:-1][perm].astype(np.int64) - new_indptr[:-1], deg) + np.arange(len(indices))
    new_indices = inv[indices[src]]
    new_weights = weights[src]
    for arr in (perm, inv, new_indptr, new_indices, new_weights):
        arr.flags.writeable = False
    return _Prepared(new_indptr, new_indices, new_weights, perm, inv)


def _check_csr(graph: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        indptr, indices, weights = graph.indptr, graph.indices, graph.weights
    except AttributeError:
        raise RoutingError(f"expected a kaicity Graph (indptr, indices, weights), got "
                           f"{type(graph).__name__}") from None
    name = getattr(graph, "name", "graph")
    arrays = []
    for label, arr, dtype in (("indptr", indptr, INDEX_DTYPE), ("indices", indices, INDEX_DTYPE),
                              ("weights", weights, WEIGHT_DTYPE)):
        arr = np.asarray(arr)
        if arr.ndim != 1:
            raise RoutingError(f"{name}: {label} must be one-dimensional, got shape {arr.shape}")
        kind = "iu" if dtype is INDEX_DTYPE else "iuf"
        if arr.dtype.kind not in kind:
            raise RoutingError(f"{name}: {label} has dtype {arr.dtype}, expected {np.dtype(dtype).name}")
        if arr.dtype != dtype:
            if dtype is INDEX_DTYPE and len(arr) and (arr.min() < np.iinfo(dtype).min
                                                      or arr.max() > np.iinfo(dtype).max):
                raise RoutingError(f"{name}: {label} does not fit in {np.dtype(dtype).name}")
            arr = arr.astype(dtype)
        arrays.append(np.ascontiguousarray(arr))
    indptr, indices, weights = arrays
    n = len(indptr) - 1
    m = len(indices)
    if n < 0:
        raise RoutingError(f"{name}: indptr is empty (it needs n + 1 entries)")
    if indptr[0] != 0 or indptr[-1] != m or np.any(np.diff(indptr) < 0):
        raise RoutingError(f"{name}: indptr is not a valid CSR row pointer for {m} edges")
    if len(weights) != m:
        raise RoutingError(f"{name}: {len(weights)} weights for {m} edges (indices)")
    if m and (indices.min() < 0 or indices.max() >= n):
        raise RoutingError(f"{name}: an edge points outside nodes 0..{n - 1}")
    if m:
        if np.isnan(weights).any():
            raise RoutingError(f"{name}: edge weights contain NaN")
        if (weights < 0).any():
            raise RoutingError(f"{name}: edge weights must be >= 0 (min is {weights.min()})")
    return indptr, indices, weights


_BOOL_TYPES = (bool, np.bool_)
_INT_TYPES = (int, np.integer)


def _node(value: Any, n: int, what: str) -> int:
    """One node index in ``0..n-1``."""
    if type(value) is int and 0 <= value < n:     # the common case, without the checks below
        return value
    if isinstance(value, _BOOL_TYPES):
        raise RoutingError(f"{what} must be an integer node index, got {value!r}")
    try:
        i = operator.index(value)
    except TypeError:
        raise RoutingError(f"{what} must be an integer node index, got {value!r}") from None
    if not 0 <= i < n:
        raise RoutingError(f"{what} {i} is out of range: the graph has nodes 0..{n - 1}")
    return i


def _nodes(values: Any, n: int, what: str) -> np.ndarray:
    """A 1-D int32 array of node indices in ``0..n-1``."""
    arr = np.asarray(values)
    if arr.dtype == object:
        flat = arr.ravel().tolist()
        if any(isinstance(v, _BOOL_TYPES) for v in flat):
            raise RoutingError(f"{what} must be integer node indices, not booleans")
        try:
            arr = np.asarray([operator.index(v) for v in flat], dtype=np.int64).reshape(arr.shape)
        except (TypeError, OverflowError):
            raise RoutingError(f"{what} must be integer node indices") from None
    if arr.ndim != 1:
        raise RoutingError(f"{what} must be a one-dimensional sequence of node indices, "
                           f"got shape {arr.shape}")
    if arr.size == 0:
        return np.empty(0, dtype=INDEX_DTYPE)
    if arr.dtype.kind not in "iu":
        raise RoutingError(f"{what} must be integer node indices, got dtype {arr.dtype}")
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise RoutingError(f"{what}: node index {arr[bad][0]} is out of range: the graph has nodes "
                           f"0..{n - 1}")
    return np.ascontiguousarray(arr, dtype=INDEX_DTYPE)


def _limit(limit: Any) -> float:
    if type(limit) is float and limit >= 0:     # the common case (NaN fails and is reported below)
        return limit
    try:
        value = float(limit)
    except (TypeError, ValueError):
        raise RoutingError(f"limit must be a number >= 0, got {limit!r}") from None
    if not value >= 0:
        raise RoutingError(f"limit must be a number >= 0, got {limit!r}")
    return value


#: With ``threads=None``, a job runs on several threads only when its serial estimate
#: (from timing its first searches) exceeds this many seconds: waking idle OpenMP threads
#: costs tens of microseconds on a quiet machine (passive waiting) and up to milliseconds
#: on a busy one.  Measured on 2 cores: 1,000 bounded walk searches on Seoul Songpa took
#: 7.4 ms on one thread and 3.3 ms on two; 100 of them 0.69 and 0.40 ms.
MIN_PARALLEL_S = 0.002
_OPENMP = bool(openmp_enabled())


def _threads(threads: int | None) -> tuple[int, float]:
    """``(thread count, min_parallel_s)`` for the kernels."""
    if threads is None:
        return max(1, int(max_threads())), MIN_PARALLEL_S
    if isinstance(threads, bool) or not isinstance(threads, _INT_TYPES) or threads < 1:
        raise RoutingError(f"threads must be a positive integer or None, got {threads!r}")
    # a serial build runs prange loops on one thread: don't allocate work arrays for more
    return (int(threads) if _OPENMP else 1), 0.0


def _locality_order(nodes: np.ndarray) -> np.ndarray | None:
    """Order in which to run searches from ``nodes``: by node index, so that consecutive
    searches start near each other and find the graph already in cache (results do not
    depend on it)."""
    return np.argsort(nodes, kind="stable").astype(np.intp) if len(nodes) > 1 else None


def _borrow(graph: Graph, g: _Prepared, threads: int) -> tuple[list, _dijkstra.Workspaces]:
    """``(pool, work)``: work arrays for ``threads`` threads taken from the graph's pool
    (or new); the caller appends ``work`` back to ``pool`` when done."""
    cache = getattr(graph, "_cache", None)
    pool: list = cache.setdefault(_POOL_KEY, []) if isinstance(cache, dict) else []
    try:
        work = pool.pop()
    except IndexError:
        work = _dijkstra.Workspaces(g.n, threads)
    if work.count < threads:
        work.ensure(threads)
    work.use_buckets(g.bucket_slots, g.inv_width)
    return pool, work


class _WorkspaceLoan:
    """Borrow per-thread work arrays from a pool kept on the graph (O(n) set-up once per graph).

    A pool, not a single object: two Python threads routing on the same graph at once get
    different workspaces.
    """

    __slots__ = ("pool", "work")

    def __init__(self, graph: Graph, g: _Prepared, threads: int) -> None:
        self.pool, self.work = _borrow(graph, g, threads)

    def __enter__(self) -> _dijkstra.Workspaces:
        return self.work

    def __exit__(self, *exc: object) -> None:
        self.pool.append(self.work)


# ----------------------------------------------------------------------------- searches
def shortest_times(graph: Graph, sources: int | Sequence[int] | np.ndarray, *, limit: float = np.inf,
                   reverse: bool = False, threads: int | None = None) -> np.ndarray:
    """Shortest travel times from each source to every node.

    Parameters
    ----------
    graph
        The graph to search (its ``weights`` are the costs).
    sources
        A node index, or a 1-D sequence of node indices.
    limit
        Stop searching beyond this time; farther nodes get ``inf``.
    reverse
        Times *to* the sources instead (search the transposed graph).
    threads
        Threads for many sources (None: the OpenMP default).

    Returns
    -------
    ndarray of float64
        Shape ``(n,)`` for a scalar source, else ``(len(sources), n)``; ``inf`` where a
        node is unreachable or beyond ``limit``.
    """
    g = _csr(graph, reverse)
    n = g.n
    lim = _limit(limit)
    if isinstance(sources, _INT_TYPES) or np.ndim(sources) == 0:
        s = _node(sources, n, "source")
        if g.inv is not None:
            s = int(g.inv[s])
        out = np.empty(n, dtype=WEIGHT_DTYPE)
        pool, work = _borrow(graph, g, 1)      # the one-search fast path: no context manager
        try:
            _dijkstra.dense_time(g.indptr, g.indices, g.weights, s, lim, out, work, g.perm)
        finally:
            pool.append(work)
        return out
    src = g.inside(_nodes(sources, n, "sources"))
    nt, min_par = _threads(threads)
    out = np.empty((len(src), n), dtype=WEIGHT_DTYPE)
    with _WorkspaceLoan(graph, g, nt) as work:
        _dijkstra.dense_times(g.indptr, g.indices, g.weights, src, lim, out, None, work, nt, min_par, g.perm,
                              _locality_order(src))
    return out


def bounded_times(graph: Graph, sources: int | Sequence[int] | np.ndarray, limit: float, *,
                  reverse: bool = False, threads: int | None = None) -> SparseTimes:
    """Many bounded searches, stored sparsely: only the nodes within ``limit`` of each source.

    Each search costs O(r log r) for the r nodes it reaches (the per-thread work arrays
    are reset only where a search touched them), and the result holds O(total reached)
    entries, never ``len(sources) x n``.

    Parameters
    ----------
    graph
        The graph to search.
    sources
        A node index or a 1-D sequence of node indices (one search each).
    limit
        Search radius in the graph's unit (e.g. 1200 m of walking); must be finite.
    reverse
        Times *to* each source instead (e.g. which drive nodes can reach a pickup in time).
    threads
        Threads (None: the OpenMP default).

    Returns
    -------
    SparseTimes
        Row ``i`` lists the nodes within ``limit`` of ``sources[i]`` in non-decreasing time.
    """
    g = _csr(graph, reverse)
    n = g.n
    lim = _limit(limit)
    if not np.isfinite(lim):
        raise RoutingError("bounded_times needs a finite limit; use shortest_times for full searches")
    src = g.inside(_nodes(np.atleast_1d(sources) if np.ndim(sources) == 0 else sources, n, "sources"))
    nt, min_par = _threads(threads)
    if len(src) == 1:
        with _WorkspaceLoan(graph, g, 1) as work:
            nodes, times = _dijkstra.sparse_time(g.indptr, g.indices, g.weights, int(src[0]), lim, work)
        ptr = np.array([0, len(nodes)], dtype=np.int64)
        return SparseTimes(indptr=ptr, nodes=g.outside(nodes), times=times, n_nodes=n)
    with _WorkspaceLoan(graph, g, nt) as work:
        ptr, nodes, times = _dijkstra.sparse_times(g.indptr, g.indices, g.weights, src, lim, work, nt, min_par,
                                                   _locality_order(src))
    return SparseTimes(indptr=ptr, nodes=g.outside(nodes), times=times, n_nodes=n)


def nearest(graph: Graph, sources: int | Sequence[int] | np.ndarray, *, limit: float = np.inf,
            reverse: bool = False, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Time from the nearest source to every node, and which source that is.

    One multi-source search.  Ties are broken deterministically: ``which[v]`` is the
    **lowest index** ``i`` such that the single-source time from ``sources[i]`` to ``v``
    equals ``times[v]`` exactly, i.e. ``which == argmin(shortest_times(graph, sources),
    axis=0)`` (numpy's first-minimum rule), for any thread count.  Repeated source nodes
    are allowed (the first occurrence wins).

    Parameters
    ----------
    graph
        The graph to search.
    sources
        A 1-D sequence of node indices (a scalar is one source); may be empty.
    limit
        Nodes farther than ``limit`` from every source get ``inf`` and ``-1``.
    reverse
        Time from every node *to* its nearest source instead.
    threads
        Unused for one source set (kept for symmetry with :func:`nearest_many`).

    Returns
    -------
    times : ndarray of float64, shape (n,)
    which : ndarray of int32, shape (n,)
        Index into ``sources``, ``-1`` where no source is within ``limit``.
    """
    times, which = nearest_many(graph, [np.atleast_1d(sources) if np.ndim(sources) == 0 else sources],
                                limit=limit, reverse=reverse, threads=1)
    return times[0], which[0]


def nearest_many(graph: Graph, source_sets: Sequence[Sequence[int] | np.ndarray], *,
                 limit: float = np.inf, reverse: bool = False,
                 threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`nearest` for several independent source sets (e.g. one per service category).

    The sets are searched in parallel threads.

    Parameters
    ----------
    graph
        The graph to search.
    source_sets
        A sequence of 1-D sequences of node indices.
    limit, reverse
        As in :func:`nearest`.
    threads
        Threads (None: the OpenMP default).

    Returns
    -------
    times : ndarray of float64, shape (len(source_sets), n)
    which : ndarray of int32, shape (len(source_sets), n)
        ``which[j, v]`` indexes ``source_sets[j]`` (lowest index on equal times), ``-1``
        when none is within ``limit``.
    """
    g = _csr(graph, reverse)
    n = g.n
    lim = _limit(limit)
    if isinstance(source_sets, np.ndarray) and source_sets.ndim == 1 and source_sets.dtype != object:
        raise RoutingError("source_sets must be a sequence of source sequences (e.g. [[1, 2], [3]])")
    sets = [_nodes(s, n, f"source_sets[{j}]") for j, s in enumerate(source_sets)]
    set_ptr = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=set_ptr[1:])
    flat = np.concatenate(sets) if sets else np.empty(0, dtype=INDEX_DTYPE)
    nt, min_par = _threads(threads)
    times = np.empty((len(sets), n), dtype=WEIGHT_DTYPE)
    which = np.empty((len(sets), n), dtype=INDEX_DTYPE)
    if sets:
        with _WorkspaceLoan(graph, g, nt) as work:
            _dijkstra.nearest_sets(g.indptr, g.indices, g.weights, set_ptr, g.inside(flat).astype(INDEX_DTYPE),
                                   lim, times, which, work, nt, min_par)
        if g.inv is not None:
            times, which = times[:, g.inv], which[:, g.inv]
    return times, which


def time_matrix(graph: Graph, origins: Sequence[int] | np.ndarray, destinations: Sequence[int] | np.ndarray,
                *, limit: float = np.inf, threads: int | None = None) -> np.ndarray:
    """Travel times between every origin and every destination.

    One search per origin, stopped as soon as all (distinct) destinations are settled.

    Parameters
    ----------
    graph
        The graph to search.
    origins, destinations
        1-D sequences of node indices (repeats allowed).
    limit
        Pairs farther apart than ``limit`` get ``inf`` (and the searches stop there).
    threads
        Threads (None: the OpenMP default).

    Returns
    -------
    ndarray of float64, shape (len(origins), len(destinations))
    """
    g = _csr(graph)
    n = g.n
    lim = _limit(limit)
    org = g.inside(_nodes(origins, n, "origins"))
    dst = g.inside(_nodes(destinations, n, "destinations"))
    nt, min_par = _threads(threads)
    out = np.empty((len(org), len(dst)), dtype=WEIGHT_DTYPE)
    if len(org) and len(dst):
        is_target = np.zeros(n, dtype=np.uint8)
        is_target[dst] = 1
        n_unique = int(is_target.sum())
        with _WorkspaceLoan(graph, g, nt) as work:
            _dijkstra.target_times(g.indptr, g.indices, g.weights, org, dst, is_target, n_unique, lim, out,
                                   work, nt, min_par, _locality_order(org))
    return out


def shortest_paths(graph: Graph, sources: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray,
                   *, threads: int | None = None) -> list[np.ndarray]:
    """Shortest paths for many ``(source, target)`` pairs.

    Parameters
    ----------
    graph
        The graph to search.
    sources, targets
        1-D sequences of node indices of the same length; pair ``i`` is
        ``sources[i] -> targets[i]``.
    threads
        Threads (None: the OpenMP default).

    Returns
    -------
    list of ndarray of int32
        Node sequence of each path, source first and target last; ``[source]`` when
        ``source == target``; empty when the target is unreachable.  Consecutive nodes
        are edges of the graph and the edge costs along a path add up (left to right)
        to exactly :func:`shortest_times`.
    """
    g = _csr(graph)
    n = g.n
    src = _nodes(sources, n, "sources")
    tgt = _nodes(targets, n, "targets")
    if len(src) != len(tgt):
        raise RoutingError(f"sources and targets differ in length ({len(src)} and {len(tgt)})")
    nt, min_par = _threads(threads)
    if not len(src):
        return []
    with _WorkspaceLoan(graph, g, nt) as work:
        src = g.inside(src)
        ptr, nodes = _dijkstra.paths(g.indptr, g.indices, g.weights, src, g.inside(tgt), work, nt, min_par,
                                     _locality_order(src))
    return np.split(g.outside(nodes), ptr[1:-1])


def shortest_path(graph: Graph, source: int, target: int) -> list[int]:
    """The shortest path from ``source`` to ``target`` as a list of node indices.

    Parameters
    ----------
    graph
        The graph to search.
    source, target
        Node indices.

    Returns
    -------
    list of int
        ``[source, ..., target]``; ``[source]`` when they are equal; ``[]`` when the
        target cannot be reached.
    """
    g = _csr(graph)
    n = g.n
    ends = g.inside(np.array([_node(source, n, "source"), _node(target, n, "target")], dtype=INDEX_DTYPE))
    with _WorkspaceLoan(graph, g, 1) as work:
        _, nodes = _dijkstra.paths(g.indptr, g.indices, g.weights, ends[:1], ends[1:], work, 1)
    return g.outside(nodes).tolist()
