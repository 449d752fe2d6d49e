"""Load a :class:`~kaicity.network.city.City` from a spec: synthetic, a file, a place or a bbox.

:func:`load_city` accepts

* ``"synthetic"``, ``"synthetic:n=20000,seed=3"`` or a dict ``{"synthetic": True, "n": 20000, "seed": 3}``
  (:func:`kaicity.network.synthetic.synthetic_city`);
* an OSM XML file ``.osm`` / ``.osm.xml`` / ``.osm.bz2`` / ``.osm.gz`` (``ox.graph_from_xml`` for the
  streets, ``ox.features_from_xml`` for the facilities);
* an OSMnx GraphML file ``.graphml`` (``ox.load_graphml``; it holds no facilities);
* a place name (``"Mapo-gu, Seoul, South Korea"``, or ``"place:..."``), an address
  (``"address:..."`` with ``dist`` metres around it), or a bbox ``(west, south, east, north)``
  (a tuple, ``"bbox:W,S,E,N"`` or ``"W,S,E,N"``): downloaded with OSMnx (``network_type="all"``)
  and cached as GraphML + CSV in :func:`cache_dir`, keyed by a hash of the query.

OSM XML files from Overpass ``out geom`` queries carry ``<nd lat= lon=>`` children inside
relation ``<member>`` elements, on which OSMnx 2.1's XML reader fails with
``KeyError: 'nodes'``.  :func:`sanitize_osm_xml` streams the file once and writes two clean
copies to a temporary folder: one for the street graph (nodes + ``highway`` ways, no
relations) and one for the facilities (such member geometries become stand-alone ways, so
multipolygon facilities survive).  The same pass places nodes that exist only as ``out geom``
coordinates on a way's ``<nd>``, accepts ways listed before their nodes, and cuts street ways
at nodes missing from a clipped extract (plain OSMnx fails with "Some edges missing nodes").

Downloads go through the module attribute :data:`download` (default :func:`download_osm`), or a
``download=`` callable given to :func:`load_city`, so tests can simulate being offline.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import json
import math
import os
import re
import socket
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import networkx as nx
import pandas as pd

from kaicity.errors import GeometryError, InputFileError, KaicityError, NetworkError, OfflineError
from kaicity.network import facilities as _fac
from kaicity.network.build import OSM_ATTRIBUTION, city_from_graph
from kaicity.network.city import City

#: File name endings read as OSM XML.
OSM_SUFFIXES: tuple[str, ...] = (".osm", ".osm.xml", ".osm.bz2", ".osm.gz", ".osm.xml.bz2", ".osm.xml.gz",
                                 ".xml", ".xml.bz2", ".xml.gz")
#: File name endings read as OSMnx GraphML.
GRAPHML_SUFFIXES: tuple[str, ...] = (".graphml", ".graphml.gz")
#: Default distance (metres) around an address.
ADDRESS_DIST_M: float = 1000.0
#: Extra OSM way tags kept on edges (OSMnx's defaults lack them): walking and driving access.
EXTRA_WAY_TAGS: tuple[str, ...] = ("foot", "motor_vehicle", "sidewalk")
#: Version of the cache layout (part of the cache key).
CACHE_VERSION = 1

FILE_HINT = ("use a local file instead: `kaicity network path/to/area.osm` "
             "(export one at openstreetmap.org/export)")


# --------------------------------------------------------------------------- spec parsing
def validate_bbox(bbox, where: str | None = None) -> tuple[float, float, float, float]:
    """Check a ``(west, south, east, north)`` lon/lat bbox and return it as floats.

    Raises
    ------
    GeometryError
        Wrong number of values, non-numbers, out-of-range values, or swapped corners.
    """
    where = where or f"bbox {bbox!r}"
    try:
        vals = tuple(float(v) for v in bbox)
    except (TypeError, ValueError) as exc:
        raise GeometryError(f"{where}: expected 4 numbers (west, south, east, north)") from exc
    if len(vals) != 4 or not all(math.isfinite(v) for v in vals):
        raise GeometryError(f"{where}: expected 4 finite numbers (west, south, east, north), got {len(vals)}")
    west, south, east, north = vals
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise GeometryError(f"{where}: out of range: longitudes must lie in -180..180 and latitudes in "
                            "-90..90 (order is west, south, east, north)")
    if west >= east or south >= north:
        hint = ""
        if abs(west) <= 90 and abs(east) <= 90 and abs(south) > 90:
            hint = " (it looks like latitude first: kaicity wants longitude first)"
        raise GeometryError(
            f"{where}: corners are swapped or empty: need west < east and south < north, got west={west}, "
            f"south={south}, east={east}, north={north}{hint}; order is (west, south, east, north), e.g. "
            "(126.9495, 37.5443, 126.9663, 37.5519)")
    return vals


def _parse_kv(text: str, where: str) -> dict:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            if re.fullmatch(r"\d+", part) and "n" not in out:
                out["n"] = int(part)
                continue
            raise NetworkError(f"{where}: expected key=value, got {part!r} (e.g. synthetic:n=20000,seed=3)")
        k, v = (s.strip() for s in part.split("=", 1))
        out[k] = v
    return out


def _synthetic_params(params: Mapping, where: str) -> dict:
    known = {"n": "n_nodes", "n_nodes": "n_nodes", "nodes": "n_nodes", "seed": "seed"}
    out: dict = {"n_nodes": None, "seed": 0}
    for k, v in params.items():
        if k in ("synthetic", "kind", "type"):
            continue
        if k not in known:
            raise NetworkError(f"{where}: unknown synthetic option {k!r}; use n (nodes) and seed")
        try:
            iv = int(v)
        except (TypeError, ValueError) as exc:
            raise NetworkError(f"{where}: {k} must be an integer, got {v!r}") from exc
        if isinstance(v, float) and v != iv:
            raise NetworkError(f"{where}: {k} must be an integer, got {v!r}")
        out[known[k]] = iv
    if out["n_nodes"] is not None and out["n_nodes"] < 2:
        raise NetworkError(f"{where}: a synthetic city needs n >= 2 nodes, got {out['n_nodes']}")
    if out["seed"] < 0:
        raise NetworkError(f"{where}: seed must be >= 0, got {out['seed']}")
    return out


def _file_format(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(GRAPHML_SUFFIXES):
        return "graphml"
    if name.endswith(OSM_SUFFIXES):
        return "osm"
    return None


_NUM = r"[-+]?\d+(?:\.\d*)?"
_BBOX_RE = re.compile(rf"^\s*\(?\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*\)?\s*$")


def parse_spec(spec) -> dict:
    """Normalise a city spec to a dict with a ``kind`` key.

    Kinds: ``synthetic`` (``n_nodes``, ``seed``), ``file`` (``path``, ``format``), ``place``,
    ``address`` (``address``, ``dist``), ``bbox`` (``bbox``).

    Raises
    ------
    KaicityError
        (a subclass) for an unusable spec: missing file, unknown extension, bad bbox...
    """
    if isinstance(spec, Mapping):
        d = dict(spec)
        kind = d.get("kind") or d.get("type")
        if kind is None:
            kind = next((k for k in ("synthetic", "path", "place", "address", "bbox") if k in d), None)
        if kind == "synthetic":
            return {"kind": "synthetic", **_synthetic_params(d, "synthetic spec")}
        if kind in ("path", "file"):
            return parse_spec(Path(d.get("path") or d.get("file")))
        if kind == "place":
            return {"kind": "place", "place": d["place"]}
        if kind == "address":
            return {"kind": "address", "address": d["address"], "dist": float(d.get("dist", ADDRESS_DIST_M))}
        if kind == "bbox":
            return {"kind": "bbox", "bbox": validate_bbox(d["bbox"])}
        raise NetworkError(f"city spec {spec!r}: use a dict with one of the keys synthetic, path, place, "
                           "address or bbox")
    if isinstance(spec, (tuple, list)):
        return {"kind": "bbox", "bbox": validate_bbox(spec)}
    if isinstance(spec, os.PathLike):
        path = Path(spec)
        return _file_spec(path)
    if not isinstance(spec, str) or not spec.strip():
        raise NetworkError(f"city spec {spec!r}: give 'synthetic', a .osm/.graphml file, a place name "
                           "or a bbox")
    s = spec.strip()
    low = s.lower()
    if low == "synthetic" or low.startswith("synthetic:"):
        return {"kind": "synthetic", **_synthetic_params(_parse_kv(s[len("synthetic:"):], s), s)}
    if low.startswith("bbox:"):
        return {"kind": "bbox", "bbox": validate_bbox(s[5:].split(","), where=f"bbox {s[5:]!r}")}
    if low.startswith("place:"):
        return {"kind": "place", "place": s[6:].strip()}
    if low.startswith("address:"):
        return {"kind": "address", "address": s[8:].strip(), "dist": ADDRESS_DIST_M}
    m = _BBOX_RE.match(s)
    if m:
        return {"kind": "bbox", "bbox": validate_bbox([float(g) for g in m.groups()], where=f"bbox {s!r}")}
    path = Path(s).expanduser()
    looks_like_file = (path.exists() or _file_format(path) is not None or os.sep in s
                       or re.search(r"\.[A-Za-z][A-Za-z0-9]{0,7}$", s) is not None and " " not in s)
    if looks_like_file:
        return _file_spec(path)
    return {"kind": "place", "place": s}


def _file_spec(path: Path) -> dict:
    fmt = _file_format(path)
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder; give an .osm, .osm.bz2, .osm.xml or .graphml file")
    if not path.exists():
        raise InputFileError(f"{path}: file not found (expected an .osm, .osm.bz2, .osm.xml or .graphml "
                             "file)")
    if fmt is None:
        raise InputFileError(f"{path}: unknown file type {''.join(path.suffixes) or '(no extension)'}; "
                             "use an OpenStreetMap .osm / .osm.bz2 / .osm.xml file or an OSMnx .graphml file")
    return {"kind": "file", "path": path, "format": fmt}


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


# --------------------------------------------------------------------------- downloads
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
        From :func:`parse_spec`: kind ``place``, ``address`` or ``bbox``.

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
        raise NetworkError(f"OpenStreetMap has no usable street network for {_describe(query)} "
                           f"({exc})") from exc
    return G, _fac.classify_features(pois)


#: The download function :func:`load_city` uses (monkeypatch it, or pass ``download=``).
download: Callable[[Mapping], tuple[nx.MultiDiGraph, pd.DataFrame]] = download_osm


def _describe(query: Mapping) -> str:
    kind = query["kind"]
    if kind == "bbox":
        return "bbox ({:.5f}, {:.5f}, {:.5f}, {:.5f})".format(*query["bbox"])
    if kind == "address":
        return f"address {query['address']!r} (within {query['dist']:g} m)"
    return f"place {query['place']!r}"


def _load_or_download(query: Mapping, *, folder: Path | None, refresh: bool,
                      downloader: Callable | None) -> tuple[nx.MultiDiGraph, pd.DataFrame, dict]:
    import osmnx as ox

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
    fn = downloader or download
    try:
        G, cand = fn(dict(query))
    except OfflineError as exc:
        raise OfflineError(f"cannot download {_describe(query)}: {exc}; no cached copy in {folder}. "
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


# --------------------------------------------------------------------------- OSM XML files
def _open_text(path: Path):
    name = path.name.lower()
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def sanitize_osm_xml(src: Path, streets: Path, features: Path | None = None) -> dict:
    """Stream an OSM XML file into clean copies OSMnx 2.1 can read.

    Parameters
    ----------
    src
        OSM XML (optionally ``.bz2``/``.gz``).
    streets
        Output for the street graph: ``<bounds>``, all nodes, ways with a ``highway`` tag; no relations.
    features
        Output for facilities: all nodes and ways, and relations whose ``out geom`` member geometry
        (``<nd lat lon>`` children of ``<member>``) is turned into stand-alone ways with negative ids.

    Returns
    -------
    dict
        Counts: ``nodes``, ``ways``, ``highway_ways``, ``relations``, ``geom_members``,
        ``nodes_from_way_geometry`` (nodes missing from the file but placed by ``out geom``
        coordinates on a way's ``<nd>``) and ``clipped_ways`` (street ways referring to nodes
        missing from the file, as in clipped extracts; they are cut into the runs of nodes
        that are present).

    Raises
    ------
    InputFileError
        If the file is not OSM XML.
    """
    stats = {"nodes": 0, "ways": 0, "highway_ways": 0, "relations": 0, "geom_members": 0, "clipped_ways": 0}
    next_id = [-1]
    extra: list[str] = []
    node_ids: set[str] = set()
    inline: dict[str, tuple[str, str]] = {}  # out geom: coordinates given on a way's <nd>
    street_ways: list[tuple[dict, list[str], list[tuple[str, str]]]] = []  # written after all nodes
    try:
        with _open_text(src) as fin, streets.open("w", encoding="utf-8") as fs, \
                (features.open("w", encoding="utf-8") if features else contextlib.nullcontext()) as ff:
            root = None
            depth = 0
            for event, elem in ET.iterparse(fin, events=("start", "end")):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = elem
                        if elem.tag != "osm":
                            raise InputFileError(f"{src}: not OpenStreetMap XML (root element <{elem.tag}>, "
                                                 "expected <osm>)")
                        attrs = "".join(f' {k}="{_esc(v)}"' for k, v in elem.attrib.items())
                        head = f'<?xml version="1.0" encoding="UTF-8"?>\n<osm{attrs}>\n'
                        fs.write(head)
                        if ff:
                            ff.write(head)
                    continue
                depth -= 1
                if depth != 1:
                    continue
                tag = elem.tag
                if tag == "node":
                    stats["nodes"] += 1
                    node_ids.add(elem.get("id"))
                    text = ET.tostring(elem, encoding="unicode")
                    fs.write(text)
                    if ff:
                        ff.write(text)
                elif tag == "way":
                    stats["ways"] += 1
                    for b in elem.findall("bounds"):
                        elem.remove(b)
                    for nd in elem.findall("nd"):  # out geom: keep the coordinates, drop the attributes
                        lat, lon = nd.attrib.pop("lat", None), nd.attrib.pop("lon", None)
                        if lat is not None and lon is not None:
                            inline[nd.get("ref")] = (lat, lon)
                    tags = [(t.get("k"), t.get("v")) for t in elem.findall("tag")]
                    if any(k == "highway" for k, _ in tags):
                        stats["highway_ways"] += 1
                        street_ways.append((dict(elem.attrib), [nd.get("ref") for nd in elem.findall("nd")], tags))
                    if ff:
                        ff.write(ET.tostring(elem, encoding="unicode"))
                elif tag == "relation":
                    stats["relations"] += 1
                    if ff:
                        for b in elem.findall("bounds"):
                            elem.remove(b)
                        for member in elem.findall("member"):
                            nds = member.findall("nd")
                            if not nds:
                                continue
                            stats["geom_members"] += 1
                            for nd in nds:
                                member.remove(nd)
                            if member.get("type") != "way":
                                continue
                            refs = []
                            for nd in nds:
                                if nd.get("lat") is None or nd.get("lon") is None:
                                    continue
                                nid = next_id[0]
                                next_id[0] -= 1
                                lat, lon = nd.get("lat"), nd.get("lon")
                                extra.append(f'<node id="{nid}" lat="{lat}" lon="{lon}"/>')
                                refs.append(nid)
                            if len(refs) >= 2:
                                wid = next_id[0]
                                next_id[0] -= 1
                                extra.append(f'<way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                                             + "</way>")
                                member.set("ref", str(wid))
                        ff.write(ET.tostring(elem, encoding="unicode"))
                elif tag == "bounds":
                    text = ET.tostring(elem, encoding="unicode")
                    fs.write(text)
                    if ff:
                        ff.write(text)
                elem.clear()
                if root is not None:
                    root.clear()
            if root is None:
                raise InputFileError(f"{src}: empty file (no <osm> element)")
            # nodes known only from way geometry (Overpass `out geom` without the node elements)
            missing = [r for r in inline if r not in node_ids]
            stats["nodes_from_way_geometry"] = len(missing)
            for r in missing:
                lat, lon = inline[r]
                text = f'<node id="{_esc(r)}" lat="{_esc(lat)}" lon="{_esc(lon)}"/>\n'
                fs.write(text)
                extra.append(text)
                node_ids.add(r)
            for attrib, refs, tags in street_ways:
                _write_street_way(fs, attrib, refs, tags, node_ids, stats, next_id)
            fs.write("</osm>\n")
            if ff:
                ff.write("\n".join(extra))
                ff.write("</osm>\n")
    except ET.ParseError as exc:
        raise InputFileError(f"{src}: not valid OSM XML ({exc})") from exc
    except (OSError, EOFError, ValueError) as exc:
        if isinstance(exc, KaicityError):
            raise
        raise InputFileError(f"{src}: cannot read ({exc.__class__.__name__}: {exc})") from exc
    return stats


def _write_street_way(fs, attrib: dict, refs: list, tags: list, node_ids: set, stats: dict, next_id: list) -> None:
    """Write a street way, cut into runs of nodes present in the file (first run keeps the way id)."""
    runs: list[list[str]] = [[]]
    for r in refs:
        if r in node_ids:
            runs[-1].append(r)
        elif runs[-1]:
            runs.append([])
    runs = [run for run in runs if len(run) >= 2]
    stats["street_ways_written"] = stats.get("street_ways_written", 0) + len(runs)
    if len(runs) != 1 or len(runs[0]) != len(refs):
        stats["clipped_ways"] += 1
    tag_xml = "".join(f'<tag k="{_esc(k)}" v="{_esc(v)}"/>' for k, v in tags)
    for i, run in enumerate(runs):
        a = dict(attrib)
        if i:
            a["id"] = str(next_id[0])
            next_id[0] -= 1
        attrs = "".join(f' {k}="{_esc(str(v))}"' for k, v in a.items())
        fs.write(f"<way{attrs}>" + "".join(f'<nd ref="{r}"/>' for r in run) + tag_xml + "</way>\n")


def _esc(v: str) -> str:
    return v.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def read_osm_xml(path: Path) -> tuple[nx.MultiDiGraph, pd.DataFrame, dict]:
    """Street graph (unsimplified, all ``highway`` ways) and categorised facilities of an OSM XML file."""
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    with tempfile.TemporaryDirectory(prefix="kaicity-osm-") as tmp:
        streets, feats = Path(tmp) / "streets.osm", Path(tmp) / "features.osm"
        stats = sanitize_osm_xml(path, streets, feats)
        if stats["highway_ways"] == 0:
            raise NetworkError(f"{path}: no streets: the file has {stats['nodes']} nodes and {stats['ways']} "
                               "ways but no way with a 'highway' tag; export an area with roads")
        if stats.get("street_ways_written", 0) == 0:
            raise NetworkError(f"{path}: no usable streets: its {stats['highway_ways']} street way(s) refer to "
                               "nodes that are not in the file (a clipped extract?); export the area again "
                               "with all way nodes (e.g. Overpass `out body; >; out skel qt;`)")
        try:
            with osm_way_tags():
                G = ox.graph_from_xml(streets, simplify=False, retain_all=True, bidirectional=False)
        except InsufficientResponseError as exc:
            raise NetworkError(f"{path}: no streets in the file ({exc})") from exc
        except (KeyError, ValueError) as exc:
            if isinstance(exc, KaicityError):
                raise
            raise InputFileError(f"{path}: OSMnx cannot build a street graph from this file "
                                 f"({exc.__class__.__name__}: {exc}); are all way nodes in the file?"
                                 ) from exc
        try:
            cand = _fac.osm_candidates_from_xml(feats)
        except Exception as exc:  # noqa: BLE001 - facilities are optional; report and go on
            cand = _fac.empty_candidates()
            stats["facility_error"] = f"{exc.__class__.__name__}: {exc}"
    # the streets file had no relations: its graph is the same as without the sanitising step
    G.remove_nodes_from([n for n, deg in G.degree() if deg == 0])
    return G, cand, stats


def read_graphml(path: Path) -> nx.MultiDiGraph:
    """Load an OSMnx GraphML file; :class:`InputFileError` when it cannot be read."""
    import osmnx as ox

    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                return ox.load_graphml(graphml_str=f.read())
        return ox.load_graphml(path)
    except Exception as exc:  # noqa: BLE001 - networkx/lxml raise many types for a bad file
        raise InputFileError(f"{path}: not a readable OSMnx GraphML file "
                             f"({exc.__class__.__name__}: {exc})") from exc


# --------------------------------------------------------------------------- entry point
def _synthetic_graph(n_nodes: int | None, seed: int) -> nx.MultiDiGraph:
    try:
        from kaicity.network.synthetic import synthetic_city
    except ImportError as exc:  # pragma: no cover - until synthetic.py lands
        raise NetworkError("synthetic cities are not available in this build (kaicity.network.synthetic "
                           "is missing); give an .osm/.graphml file instead") from exc
    if n_nodes is None:  # the generator's own default size
        return synthetic_city(seed=seed)
    return synthetic_city(n_nodes, seed)


def _name_of(q: Mapping) -> str:
    kind = q["kind"]
    if kind == "synthetic":
        size = f"n={q['n_nodes']}, " if q["n_nodes"] else ""
        return f"synthetic ({size}seed={q['seed']})"
    if kind == "file":
        name = q["path"].name
        for suf in sorted((*OSM_SUFFIXES, *GRAPHML_SUFFIXES), key=len, reverse=True):
            if name.lower().endswith(suf):
                return name[: -len(suf)]
        return name
    if kind == "place":
        return q["place"]
    if kind == "address":
        return q["address"]
    return "bbox {:.4f},{:.4f},{:.4f},{:.4f}".format(*q["bbox"])


def load_city(
    spec,
    *,
    facilities: str | pd.DataFrame = "auto",
    placement: str = "by_population",
    facility_counts: Mapping[str, int] | None = None,
    seed: int | None = None,
    zones=None,
    dist: float | None = None,
    cache: str | Path | None = None,
    refresh: bool = False,
    download: Callable[[Mapping], tuple[nx.MultiDiGraph, pd.DataFrame]] | None = None,
    **build_options,
) -> City:
    """Load a city from a spec (see the module docs) and build it with :func:`city_from_graph`.

    Parameters
    ----------
    spec
        ``"synthetic[:n=..,seed=..]"``, a dict, a file path, a place name, ``"address:..."``,
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
        Metres around an ``address`` spec (default :data:`ADDRESS_DIST_M`).
    cache
        Cache folder for downloads (default :func:`cache_dir`).
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
    q = parse_spec(spec)
    if dist is not None and q["kind"] == "address":
        q["dist"] = float(dist)
    if isinstance(facilities, pd.DataFrame):
        mode, user_facilities = "auto", facilities
    else:
        mode, user_facilities = facilities, None
    if mode not in _fac.MODES:
        raise KaicityError(f"unknown facilities option {mode!r}; use one of {', '.join(_fac.MODES)}")
    kind = q["kind"]
    report_extra: dict = {"spec": q["kind"]}
    attribution = OSM_ATTRIBUTION
    if kind == "synthetic":
        G = _synthetic_graph(q["n_nodes"], q["seed"])
        cand, simplify, attribution = None, False, None
        source = f"synthetic:n={len(G)},seed={q['seed']}"
        if seed is None:
            seed = q["seed"]
    elif kind == "file":
        path = q["path"]
        source = str(path)
        if q["format"] == "graphml":
            G = read_graphml(path)
            cand = None
            simplify = not bool(G.graph.get("simplified", False))
            report_extra["file_holds_facilities"] = False
        else:
            G, cand, stats = read_osm_xml(path)
            simplify = True
            report_extra["osm_xml"] = stats
    else:
        G, cand, info = _load_or_download(q, folder=Path(cache) if cache else None, refresh=refresh,
                                          downloader=download)
        simplify = not bool(G.graph.get("simplified", False))
        source = _describe(q)
        report_extra.update(info)
    if user_facilities is not None:
        cand = user_facilities
    city = city_from_graph(
        G, name=_name_of(q), source=source, zones=zones, facilities=cand, facility_mode=mode,
        placement=placement, facility_counts=facility_counts, seed=0 if seed is None else int(seed),
        simplify=simplify, attribution=attribution, **build_options,
    )
    city.report.update(report_extra)
    return city
