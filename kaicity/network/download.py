"""Download a street network from OpenStreetMap and keep it in a GraphML + CSV cache.

:func:`load_or_download` serves a place, address or bbox :class:`~kaicity.network.spec.CitySpec`
from :func:`cache_dir` (keyed by :func:`cache_key`, a hash of the query), else calls a downloader
(default :func:`download_osm`: OSMnx, ``network_type="all"``, unsimplified) and stores the result.
:func:`check_online` tells being offline apart from a bad query.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable, Mapping
from pathlib import Path

import networkx as nx
import pandas as pd

from kaicity.errors import KaicityError, NetworkError, OfflineError
from kaicity.network import facilities as _fac
from kaicity.network.spec import CitySpec, parse_city_spec
from kaicity.network.tags import osm_way_tags

#: Version of the cache layout (part of the cache key).
CACHE_VERSION = 1

FILE_HINT = ("use a local file instead: `kaicity network path/to/area.osm` "
             "(export one at openstreetmap.org/export)")

#: A downloader: takes a query dict (:meth:`CitySpec.as_query`), returns ``(G, facility candidates)``.
Downloader = Callable[[Mapping], tuple[nx.MultiDiGraph, pd.DataFrame]]


# --------------------------------------------------------------------------- cache
def cache_dir() -> Path:
    """The download cache folder.

    ``$KAICITY_CACHE_DIR``, else ``$XDG_CACHE_HOME/kaicity``, else ``~/.cache/kaicity``.
    """
    if os.environ.get("KAICITY_CACHE_DIR"):
        return Path(os.environ["KAICITY_CACHE_DIR"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "kaicity"
    return Path.home() / ".cache" / "kaicity"


def cache_key(query: Mapping) -> str:
    """A short stable hash of a download query (kind, query values, network type, cache version)."""
    payload = {k: (list(v) if isinstance(v, tuple) else v) for k, v in query.items()}
    payload.update(network_type="all", cache_version=CACHE_VERSION)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:20]


def _cache_paths(query: Mapping, folder: Path) -> tuple[Path, Path, Path]:
    key = cache_key(query)
    return folder / f"osm-{key}.graphml", folder / f"osm-{key}.facilities.csv", folder / f"osm-{key}.json"



def check_online(host: str = "overpass-api.de", port: int = 443, timeout: float = 5.0) -> None:
    """Raise :class:`OfflineError` unless a TCP connection to ``host`` opens within ``timeout`` s."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        raise OfflineError(f"no internet connection ({host} unreachable: {exc})") from exc


def download_osm(query: Mapping) -> tuple[nx.MultiDiGraph, pd.DataFrame]:
    """Download the street graph (unsimplified, ``network_type="all"``) and facilities of a query.

    Parameters
    ----------
    query
        From :meth:`CitySpec.as_query`: kind ``place``, ``address`` or ``bbox``.

    Returns
    -------
    G : networkx.MultiDiGraph
    facilities : pandas.DataFrame
        Categorised candidates (:func:`kaicity.network.facilities.classify_features`).

    Raises
    ------
    OfflineError
        No connection.
    NetworkError
        OSM has nothing for the query (unknown place, empty area).
    """
    import osmnx as ox
    import requests
    from osmnx._errors import InsufficientResponseError

    check_online()
    kind = query["kind"]
    tags = _fac.osm_query_tags()
    try:
        with osm_way_tags():
            if kind == "place":
                G = ox.graph_from_place(query["place"], network_type="all", simplify=False, retain_all=True)
            elif kind == "address":
                G = ox.graph_from_address(query["address"], query["dist"], network_type="all", simplify=False,
                                          retain_all=True)
            elif kind == "bbox":
                G = ox.graph_from_bbox(tuple(query["bbox"]), network_type="all", simplify=False,
                                       retain_all=True)
            else:  # pragma: no cover - parse_spec never yields another kind here
                raise NetworkError(f"cannot download a {kind!r} spec")
        try:
            if kind == "place":
                pois = ox.features_from_place(query["place"], tags)
            elif kind == "address":
                pois = ox.features_from_address(query["address"], tags, query["dist"])
            else:
                pois = ox.features_from_bbox(tuple(query["bbox"]), tags)
        except InsufficientResponseError:
            pois = None
    except requests.RequestException as exc:
        raise OfflineError(f"download failed ({exc.__class__.__name__}: {exc})") from exc
    except (InsufficientResponseError, TypeError, ValueError) as exc:
        if isinstance(exc, KaicityError):
            raise
        raise NetworkError(f"OpenStreetMap has no usable street network for {parse_city_spec(query).describe()} "
                           f"({exc})") from exc
    return G, _fac.classify_features(pois)




def load_or_download(spec: CitySpec, *, folder: Path | None, refresh: bool,
                     downloader: Downloader) -> tuple[nx.MultiDiGraph, pd.DataFrame, dict]:
    """The street graph and facility candidates of a download spec: from the cache, else downloaded.

    Parameters
    ----------
    spec
        A place, address or bbox spec.
    folder
        Cache folder (default :func:`cache_dir`).
    refresh
        Download again even when a cached copy exists.
    downloader
        Called with ``spec.as_query()`` on a cache miss.

    Returns
    -------
    G, candidates, info
        ``info`` has ``cache_file`` and ``cache`` (``hit``, ``stored`` or why not stored).

    Raises
    ------
    OfflineError
        The download failed for want of a connection and there is no cached copy.
    """
    import osmnx as ox

    query = spec.as_query()
    folder = Path(folder) if folder is not None else cache_dir()
    gpath, fpath, mpath = _cache_paths(query, folder)
    info = {"cache_file": str(gpath)}
    if gpath.is_file() and not refresh:
        try:
            G = ox.load_graphml(gpath)
            cand = pd.read_csv(fpath, keep_default_na=False) if fpath.is_file() else _fac.empty_candidates()
        except Exception as exc:  # noqa: BLE001 - a corrupt cache entry is re-downloaded
            info["cache_error"] = str(exc)
        else:
            info["cache"] = "hit"
            return G, cand, info
    try:
        G, cand = downloader(dict(query))
    except OfflineError as exc:
        raise OfflineError(f"cannot download {spec.describe()}: {exc}; no cached copy in {folder}. "
                           f"{FILE_HINT[0].upper()}{FILE_HINT[1:]}") from exc
    cand = _fac.empty_candidates() if cand is None else cand
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = gpath.with_suffix(".tmp.graphml")
        ox.save_graphml(G, tmp)
        os.replace(tmp, gpath)
        cand.to_csv(fpath, index=False)
        mpath.write_text(json.dumps({"query": {k: (list(v) if isinstance(v, tuple) else v)
                                               for k, v in query.items()}}, ensure_ascii=False))
        info["cache"] = "stored"
    except OSError as exc:  # read-only home: still usable, just not cached
        info["cache"] = f"not stored ({exc})"
    return G, cand, info

