"""Load a :class:`~kaicity.network.city.City` from a spec: synthetic, a file, a place or a bbox.

:func:`load_city` takes anything :func:`~kaicity.network.spec.parse_city_spec` reads (or a
:class:`~kaicity.network.spec.CitySpec`), gets an OSMnx-style street graph for it (the
synthetic generator, :mod:`~kaicity.network.osmxml` for OSM XML and GraphML files,
:mod:`~kaicity.network.download` for places, addresses and bboxes) and builds the City with
:func:`~kaicity.network.build.city_from_graph`.

Downloads go through the module attribute :data:`download` (default
:func:`~kaicity.network.download.download_osm`), or a ``download=`` callable given to
:func:`load_city`, so tests can simulate being offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from kaicity.errors import KaicityError
from kaicity.network import facilities as _fac
from kaicity.network.build import OSM_ATTRIBUTION, city_from_graph
from kaicity.network.city import City
from kaicity.network.download import Downloader, download_osm, load_or_download
from kaicity.network.osmxml import read_graphml, read_osm_xml
from kaicity.network.spec import CitySpec, parse_city_spec

#: The download function :func:`load_city` uses (monkeypatch it, or pass ``download=``).
download: Downloader = download_osm


def _synthetic_graph(n_nodes: int | None, seed: int) -> nx.MultiDiGraph:
    from kaicity.network.synthetic import synthetic_city

    if n_nodes is None:  # the generator's own default size
        return synthetic_city(seed=seed)
    return synthetic_city(n_nodes, seed)


def load_city(
    spec: Any,
    *,
    facilities: str | pd.DataFrame = "auto",
    placement: str = "by_population",
    facility_counts: Mapping[str, int] | None = None,
    seed: int | None = None,
    zones=None,
    dist: float | None = None,
    cache: str | Path | None = None,
    refresh: bool = False,
    download: Downloader | None = None,
    **build_options,
) -> City:
    """Load a city from a spec (see the module docs) and build it with :func:`city_from_graph`.

    Parameters
    ----------
    spec
        A :class:`~kaicity.network.spec.CitySpec`, or what :func:`~kaicity.network.spec.parse_city_spec`
        reads: ``"synthetic[:n=..,seed=..]"``, a dict, a file path, a place name, ``"address:..."``
        or a bbox ``(west, south, east, north)``.
    facilities
        ``"auto"`` (OSM facilities, synthetic ones for categories with none), ``"osm"``,
        ``"synthetic"``, or a DataFrame of your own (``category``, ``lon``, ``lat``[, ``name``]).
    placement, facility_counts
        Synthetic facility rule (:mod:`kaicity.network.facilities`).
    seed
        Seed of the synthetic facility placement (default: the synthetic city's seed, else 0).
    zones
        Zone polygons (GeoJSON path or GeoDataFrame with a ``zone`` column).
    dist
        Metres around an ``address`` spec (default :data:`~kaicity.network.spec.ADDRESS_DIST_M`).
    cache
        Cache folder for downloads (default :func:`~kaicity.network.download.cache_dir`).
    refresh
        Download again even when a cached copy exists.
    download
        Replacement for :data:`download` (takes the query dict, returns ``(G, facilities)``).
    **build_options
        Passed to :func:`~kaicity.network.build.city_from_graph` (``hwy_speeds``,
        ``zone_thresholds``, ``zone_radius``, ``max_snap_distance``, ``keep_networkx``).

    Returns
    -------
    City

    Raises
    ------
    InputFileError, GeometryError, NetworkError, OfflineError, FacilityError
        For unusable input, each naming the input and what to do.
    """
    q = parse_city_spec(spec).with_dist(dist)
    if isinstance(facilities, pd.DataFrame):
        mode, user_facilities = "auto", facilities
    else:
        mode, user_facilities = facilities, None
    if mode not in _fac.MODES:
        raise KaicityError(f"unknown facilities option {mode!r}; use one of {', '.join(_fac.MODES)}")
    src = _street_graph(q, cache=cache, refresh=refresh, downloader=download or _default_downloader())
    if q.kind == "synthetic" and seed is None:
        seed = q.seed
    cand = user_facilities if user_facilities is not None else src.candidates
    city = city_from_graph(
        src.graph, name=q.name, source=src.source, zones=zones, facilities=cand, facility_mode=mode,
        placement=placement, facility_counts=facility_counts, seed=0 if seed is None else int(seed),
        simplify=src.simplify, attribution=src.attribution, **build_options,
    )
    city.report.update(src.report)
    return city


@dataclass
class _Streets:
    """A street graph as read for a spec, and how to build a City from it."""

    graph: nx.MultiDiGraph
    candidates: pd.DataFrame | None  # OSM facility candidates (None: the source holds none)
    simplify: bool
    source: str
    attribution: str | None
    report: dict


def _default_downloader() -> Downloader:
    return download  # the module attribute, read at call time (tests monkeypatch it)


def _street_graph(q: CitySpec, *, cache: str | Path | None, refresh: bool, downloader: Downloader) -> _Streets:
    """Generate, read or download the street graph of a spec."""
    report: dict = {"spec": q.kind}
    if q.kind == "synthetic":
        G = _synthetic_graph(q.n_nodes, q.seed)
        return _Streets(G, None, False, f"synthetic:n={len(G)},seed={q.seed}", None, report)
    if q.kind == "file":
        if q.format == "graphml":
            G = read_graphml(q.path)
            report["file_holds_facilities"] = False
            return _Streets(G, None, not bool(G.graph.get("simplified", False)), str(q.path), OSM_ATTRIBUTION,
                            report)
        G, cand, stats = read_osm_xml(q.path)
        report["osm_xml"] = stats
        return _Streets(G, cand, True, str(q.path), OSM_ATTRIBUTION, report)
    G, cand, info = load_or_download(q, folder=Path(cache) if cache else None, refresh=refresh,
                                     downloader=downloader)
    report.update(info)
    return _Streets(G, cand, not bool(G.graph.get("simplified", False)), q.describe(), OSM_ATTRIBUTION, report)
