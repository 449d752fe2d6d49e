"""OSM XML files: repair what OSMnx 2.1's reader cannot take, then read streets and facilities.

OSM XML files from Overpass ``out geom`` queries carry ``<nd lat= lon=>`` children inside
relation ``<member>`` elements, on which OSMnx 2.1's XML reader fails with
``KeyError: 'nodes'``.  :func:`sanitize_osm_xml` streams the file once and writes two clean
copies to a temporary folder: one for the street graph (nodes + ``highway`` ways, no
relations) and one for the facilities (such member geometries become stand-alone ways, so
multipolygon facilities survive).  The same pass places nodes that exist only as ``out geom``
coordinates on a way's ``<nd>``, accepts ways listed before their nodes, and cuts street ways
at nodes missing from a clipped extract (plain OSMnx fails with "Some edges missing nodes").
:func:`read_osm_xml` and :func:`read_graphml` read a file into an OSMnx graph.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pandas as pd

from kaicity.errors import InputFileError, KaicityError, NetworkError
from kaicity.network import facilities as _fac
from kaicity.network.tags import osm_way_tags


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
