"""The :class:`City`: a walk graph, a drive graph, zones and service facilities."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from kaicity.categories import CATEGORIES, ZONES
from kaicity.errors import KaicityError
from kaicity.network.graph import Graph

#: Columns of :attr:`City.facilities`.
FACILITY_COLUMNS: tuple[str, ...] = (
    "facility_id", "category", "name", "node", "drive_node", "x", "y", "lon", "lat", "source",
)


class City:
    """A street network ready for simulation.

    Attributes
    ----------
    name : str
        Human-readable name (place, file stem or ``"synthetic"``).
    walk : Graph
        Undirected pedestrian graph, weights in metres.
    drive : Graph
        Directed road graph (oneways respected), weights in seconds.
    walk_to_drive : ndarray of int32
        For each walk node, the nearest drive node (where a vehicle picks someone up).
    drive_to_walk : ndarray of int32
        For each drive node, the nearest walk node.
    facilities : pandas.DataFrame
        One row per service facility, columns :data:`FACILITY_COLUMNS`; ``node`` is a walk
        node index, ``drive_node`` a drive node index, ``category`` one of
        :data:`kaicity.categories.CATEGORIES`, ``source`` ``"osm"`` or ``"synthetic"``.
    source : str
        Where the city came from (spec string).
    report : dict
        What loading dropped or derived (e.g. nodes outside the largest component).
    G_walk, G_drive : networkx.MultiDiGraph or None
        The OSMnx-compatible graphs the CSR arrays were built from (node order equals CSR
        order): kept when loaded with ``keep_networkx=True``; else built on first use by
        ``networkx_loader`` when there is one (the model's cities: on a 200k-node city the two
        graphs cost more memory than everything else), else None.  See :meth:`networkx`.
    networkx_loader : callable or None
        Returns the same city built with its networkx graphs (e.g. ``load_city`` with
        ``keep_networkx=True``); called at most once, when ``G_walk`` or ``G_drive`` is read.
    """

    def __init__(self, name: str, walk: Graph, drive: Graph, walk_to_drive: np.ndarray,
                 drive_to_walk: np.ndarray, facilities: pd.DataFrame, source: str = "",
                 report: dict | None = None, G_walk: object | None = None, G_drive: object | None = None,
                 networkx_loader: Callable[[], City] | None = None) -> None:
        self.name = name
        self.walk = walk
        self.drive = drive
        self.walk_to_drive = walk_to_drive
        self.drive_to_walk = drive_to_walk
        self.facilities = facilities
        self.source = source
        self.report = {} if report is None else report
        self._nx: dict[str, object | None] = {"walk": G_walk, "drive": G_drive}
        self.networkx_loader = networkx_loader

    @property
    def has_networkx(self) -> bool:
        """True when the networkx graphs are in memory (kept at load time or already loaded)."""
        return self._nx["walk"] is not None or self._nx["drive"] is not None

    def _kept(self, mode: str) -> object | None:
        if not self.has_networkx and self.networkx_loader is not None:
            full = self.networkx_loader()
            self._nx = {"walk": full.G_walk, "drive": full.G_drive}
        return self._nx[mode]

    @property
    def G_walk(self) -> object | None:
        """The walk graph as an OSMnx MultiDiGraph (see the class docs), or None."""
        return self._kept("walk")

    @G_walk.setter
    def G_walk(self, graph: object | None) -> None:
        self._nx["walk"] = graph

    @property
    def G_drive(self) -> object | None:
        """The drive graph as an OSMnx MultiDiGraph (see the class docs), or None."""
        return self._kept("drive")

    @G_drive.setter
    def G_drive(self, graph: object | None) -> None:
        self._nx["drive"] = graph

    def facilities_of(self, category: str) -> pd.DataFrame:
        """Facilities of one category (may be empty)."""
        return self.facilities[self.facilities["category"] == category]

    def networkx(self, mode: str = "walk"):
        """The ``"walk"`` or ``"drive"`` graph as an OSMnx-style ``networkx.MultiDiGraph``.

        ``G_walk`` / ``G_drive`` (every OSM tag, parallel edges, geometries) when the city has
        them or a ``networkx_loader``; otherwise one rebuilt from the CSR arrays, which is
        not stored: node ids are the ``osmid`` values in CSR order with ``x``, ``y`` (projected
        metres), ``lon``, ``lat`` and ``zone``; edges carry ``length`` (m) and, on the drive
        graph, ``travel_time`` (s) -- the cheapest of parallel edges, no tags.  The walk graph
        has both directions of every street, as OSMnx walk networks do.
        """
        if mode not in ("walk", "drive"):
            raise KaicityError(f"network mode {mode!r}: use 'walk' or 'drive'")
        kept = self._kept(mode)
        if kept is not None:
            return kept
        from kaicity.network.nxgraph import multidigraph

        g = self.walk if mode == "walk" else self.drive
        ids = g.osmid.tolist()
        zone = [ZONES[c] for c in g.zone]
        nodes = ((n, {"x": x, "y": y, "lon": lo, "lat": la, "zone": z}) for n, x, y, lo, la, z in
                 zip(ids, g.x.tolist(), g.y.tolist(), g.lon.tolist(), g.lat.tolist(), zone, strict=True))
        tails, heads = g.osmid[g.edge_tails()].tolist(), g.osmid[g.indices].tolist()
        if g.unit == "s":
            datas = ({"length": ln, "travel_time": w} for ln, w in zip(g.lengths.tolist(), g.weights.tolist(),
                                                                       strict=True))
        else:
            datas = ({"length": ln} for ln in g.lengths.tolist())
        attrs = {"crs": g.crs, "simplified": True, "kaicity_mode": mode, "name": self.name}
        return multidigraph(attrs, nodes, ((u, v, 0, d) for u, v, d in zip(tails, heads, datas, strict=True)))

    def summary(self) -> dict:
        """Counts for printing: nodes, edges, km of street, zones and facilities per category."""
        walk_km = float(self.walk.lengths.sum()) / 2000.0  # each undirected edge is stored twice
        drive_km = float(self.drive.lengths.sum()) / 1000.0
        zones = {z: int(np.sum(self.walk.zone == i)) for i, z in enumerate(ZONES)}
        counts = self.facilities["category"].value_counts() if len(self.facilities) else pd.Series(dtype=int)
        return {
            "name": self.name,
            "source": self.source,
            "walk_nodes": self.walk.n_nodes,
            "walk_edges": self.walk.n_edges // 2,
            "walk_km": round(walk_km, 2),
            "drive_nodes": self.drive.n_nodes,
            "drive_edges": self.drive.n_edges,
            "drive_km": round(drive_km, 2),
            "walk_nodes_by_zone": zones,
            "facilities": {c: int(counts.get(c, 0)) for c in CATEGORIES},
            "report": dict(self.report),
        }

    def __repr__(self) -> str:
        return (f"<City {self.name!r}: walk {self.walk.n_nodes} nodes, drive {self.drive.n_nodes} nodes, "
                f"{len(self.facilities)} facilities>")
