"""Compressed sparse row (CSR) street graphs: what the Cython core searches.

A :class:`Graph` is immutable: node ``i`` has out-edges ``indices[indptr[i]:indptr[i+1]]``
with costs ``weights[...]`` (metres on the walk graph, seconds on the drive graph).
Parallel edges are collapsed to their minimum cost; an undirected graph stores each
edge in both directions.  Node arrays (coordinates, OSM ids, zones) share the same
0..n-1 indexing, so any kernel result indexes them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from kaicity.errors import NetworkError

INDEX_DTYPE = np.int32
WEIGHT_DTYPE = np.float64


@dataclass(frozen=True, eq=False)
class Graph:
    """A street graph as CSR arrays plus per-node attributes.

    Attributes
    ----------
    indptr : ndarray of int32, shape (n + 1,)
        Row pointers: out-edges of node ``i`` are ``indptr[i]:indptr[i + 1]``.
    indices : ndarray of int32, shape (m,)
        Head node of each edge.
    weights : ndarray of float64, shape (m,)
        Edge cost in :attr:`unit` (``"m"`` for walking, ``"s"`` for driving).
    lengths : ndarray of float64, shape (m,)
        Edge length in metres (equal to ``weights`` on a walk graph).
    x, y : ndarray of float64, shape (n,)
        Projected coordinates in metres (CRS :attr:`crs`).
    lon, lat : ndarray of float64, shape (n,)
        WGS84 coordinates.
    osmid : ndarray of int64, shape (n,)
        Original node ids (OSM ids for OSM data, synthetic ids otherwise).
    zone : ndarray of int8, shape (n,)
        Zone code per node, an index into :data:`kaicity.categories.ZONES`.
    directed : bool
        False when every edge is stored in both directions.
    unit : str
        ``"m"`` or ``"s"``.
    crs : str
        The projected CRS of ``x``/``y``, e.g. ``"EPSG:32652"``.
    name : str
        ``"walk"`` or ``"drive"`` (or anything descriptive).
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    lengths: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    osmid: np.ndarray
    zone: np.ndarray
    directed: bool
    unit: str
    crs: str = "EPSG:32652"
    name: str = "graph"
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.indptr) - 1
        if n < 0:
            raise NetworkError(f"{self.name} graph: indptr must have at least one entry")
        m = len(self.indices)
        if self.indptr[0] != 0 or self.indptr[-1] != m:
            raise NetworkError(f"{self.name} graph: indptr does not match {m} edges")
        for attr in ("weights", "lengths"):
            if len(getattr(self, attr)) != m:
                raise NetworkError(f"{self.name} graph: {attr} has {len(getattr(self, attr))} entries, "
                                   f"expected {m}")
        for attr in ("x", "y", "lon", "lat", "osmid", "zone"):
            if len(getattr(self, attr)) != n:
                raise NetworkError(f"{self.name} graph: node array {attr} has "
                                   f"{len(getattr(self, attr))} entries, expected {n}")
        for arr in (self.indptr, self.indices, self.weights, self.lengths, self.x, self.y,
                    self.lon, self.lat, self.osmid, self.zone):
            arr.flags.writeable = False

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Number of stored (directed) CSR edges; an undirected edge counts twice."""
        return len(self.indices)

    # -------------------------------------------------------------- builders
    @classmethod
    def from_edges(
        cls,
        n: int,
        u: np.ndarray,
        v: np.ndarray,
        weight: np.ndarray,
        *,
        length: np.ndarray | None = None,
        directed: bool,
        unit: str,
        x: np.ndarray | None = None,
        y: np.ndarray | None = None,
        lon: np.ndarray | None = None,
        lat: np.ndarray | None = None,
        osmid: np.ndarray | None = None,
        zone: np.ndarray | None = None,
        crs: str = "EPSG:32652",
        name: str = "graph",
    ) -> Graph:
        """Build a graph from an edge list, keeping the cheapest of parallel edges.

        Parameters
        ----------
        n
            Number of nodes; edge endpoints must lie in ``0..n-1``.
        u, v
            Tail and head node of each edge.
        weight
            Edge cost (finite, >= 0).
        length
            Edge length in metres (defaults to ``weight``); the length kept for a
            collapsed parallel edge is that of the cheapest one.
        directed
            When False every edge is also added in the reverse direction.
        unit
            ``"m"`` or ``"s"``.
        x, y, lon, lat, osmid, zone
            Node attributes (defaults: zeros, ``0..n-1`` ids, zone 0).
        crs, name
            Descriptive metadata.

        Returns
        -------
        Graph

        Raises
        ------
        NetworkError
            On mismatched arrays, out-of-range endpoints or negative / non-finite weights.
        """
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        w = np.asarray(weight, dtype=WEIGHT_DTYPE)
        ln = w if length is None else np.asarray(length, dtype=WEIGHT_DTYPE)
        if not (len(u) == len(v) == len(w) == len(ln)):
            raise NetworkError(f"{name} graph: edge arrays differ in length "
                               f"({len(u)}, {len(v)}, {len(w)}, {len(ln)})")
        if n < 0 or n >= np.iinfo(INDEX_DTYPE).max:
            raise NetworkError(f"{name} graph: node count {n} is out of range")
        if len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
            raise NetworkError(f"{name} graph: an edge endpoint is outside 0..{n - 1}")
        if len(w) and (not np.all(np.isfinite(w)) or w.min() < 0):
            raise NetworkError(f"{name} graph: edge weights must be finite and >= 0")
        if not directed:
            u, v = np.concatenate([u, v]), np.concatenate([v, u])
            w = np.concatenate([w, w])
            ln = np.concatenate([ln, ln])
        # sort by (u, v, w) so the first of each (u, v) run is the cheapest parallel edge
        order = np.lexsort((w, v, u))
        u, v, w, ln = u[order], v[order], w[order], ln[order]
        if len(u):
            first = np.ones(len(u), dtype=bool)
            first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
            u, v, w, ln = u[first], v[first], w[first], ln[first]
        indptr = np.zeros(n + 1, dtype=INDEX_DTYPE)
        np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
        zeros = np.zeros(n, dtype=np.float64)
        return cls(
            indptr=indptr,
            indices=v.astype(INDEX_DTYPE),
            weights=w.astype(WEIGHT_DTYPE),
            lengths=ln.astype(WEIGHT_DTYPE),
            x=zeros.copy() if x is None else np.asarray(x, dtype=np.float64),
            y=zeros.copy() if y is None else np.asarray(y, dtype=np.float64),
            lon=zeros.copy() if lon is None else np.asarray(lon, dtype=np.float64),
            lat=zeros.copy() if lat is None else np.asarray(lat, dtype=np.float64),
            osmid=np.arange(n, dtype=np.int64) if osmid is None else np.asarray(osmid, dtype=np.int64),
            zone=np.zeros(n, dtype=np.int8) if zone is None else np.asarray(zone, dtype=np.int8),
            directed=directed,
            unit=unit,
            crs=crs,
            name=name,
        )

    # ------------------------------------------------------------- derived
    def transpose(self) -> Graph:
        """The reverse graph (edge ``u -> v`` becomes ``v -> u``), same node indexing.

        Searching the transpose from ``t`` gives travel times *to* ``t``.  For an
        undirected graph this is the graph itself.  The result is cached.
        """
        if not self.directed:
            return self
        if "transpose" not in self._cache:
            tails = np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))
            rev = Graph.from_edges(
                self.n_nodes, self.indices, tails, self.weights, length=self.lengths,
                directed=True, unit=self.unit, x=self.x, y=self.y, lon=self.lon, lat=self.lat,
                osmid=self.osmid, zone=self.zone, crs=self.crs, name=f"{self.name} (reversed)",
            )
            rev._cache["transpose"] = self
            self._cache["transpose"] = rev
        return self._cache["transpose"]

    def edge_tails(self) -> np.ndarray:
        """Tail node of every CSR edge (int32, aligned with ``indices``)."""
        if "tails" not in self._cache:
            tails = np.repeat(np.arange(self.n_nodes, dtype=INDEX_DTYPE), np.diff(self.indptr))
            tails.flags.writeable = False
            self._cache["tails"] = tails
        return self._cache["tails"]

    def to_scipy(self) -> sp.csr_matrix:
        """The graph as a ``scipy.sparse.csr_matrix`` of edge costs (for references and peers).

        Zero-cost edges are stored explicitly; scipy's ``csgraph`` treats explicit zeros
        in a sparse matrix as edges.
        """
        return sp.csr_matrix((self.weights, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes))

    def index_of(self, osmids) -> np.ndarray:
        """Node indices of the given original ids; raises :class:`NetworkError` for unknown ids."""
        if "osmid_index" not in self._cache:
            self._cache["osmid_index"] = {int(o): i for i, o in enumerate(self.osmid)}
        lookup = self._cache["osmid_index"]
        ids = np.atleast_1d(np.asarray(osmids, dtype=np.int64))
        missing = [int(o) for o in ids if int(o) not in lookup]
        if missing:
            raise NetworkError(f"{self.name} graph: unknown node id(s) {missing[:5]}")
        return np.array([lookup[int(o)] for o in ids], dtype=INDEX_DTYPE)

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        return f"<Graph {self.name}: {self.n_nodes} nodes, {self.n_edges} edges, {kind}, unit={self.unit}>"
