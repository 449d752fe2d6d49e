"""City specs: the one parser of "which street network", shared by :func:`load_city` and the scenario.

:func:`parse_city_spec` turns any of

* ``"synthetic"``, ``"synthetic:n=20000,seed=3"`` or a dict ``{"synthetic": True, "n": 20000, "seed": 3}``;
* a file path: OSM XML (:data:`OSM_SUFFIXES`) or OSMnx GraphML (:data:`GRAPHML_SUFFIXES`);
* a place name (``"Mapo-gu, Seoul, South Korea"`` or ``"place:..."``), an address
  (``"address:..."``, :data:`ADDRESS_DIST_M` metres around it);
* a bbox ``(west, south, east, north)``: a tuple, ``"bbox:W,S,E,N"`` or ``"W,S,E,N"``

into a frozen, hashable :class:`CitySpec`.  ``str(spec)`` is text the parser reads back to an
equal spec; :meth:`CitySpec.as_query` is the plain dict that downloads and the cache key use.
Mistakes raise a one-line :class:`~kaicity.errors.KaicityError` subclass naming the input.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kaicity.errors import GeometryError, InputFileError, NetworkError

#: File name endings read as OSM XML.
OSM_SUFFIXES: tuple[str, ...] = (".osm", ".osm.xml", ".osm.bz2", ".osm.gz", ".osm.xml.bz2", ".osm.xml.gz",
                                 ".xml", ".xml.bz2", ".xml.gz")
#: File name endings read as OSMnx GraphML.
GRAPHML_SUFFIXES: tuple[str, ...] = (".graphml", ".graphml.gz")
#: Default distance (metres) around an address.
ADDRESS_DIST_M: float = 1000.0

#: The fields of each kind of spec, in :meth:`CitySpec.as_query` order.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "synthetic": ("n_nodes", "seed"),
    "file": ("path", "format"),
    "place": ("place",),
    "address": ("address", "dist"),
    "bbox": ("bbox",),
}
#: Kinds that are downloaded from OpenStreetMap (and cached).
DOWNLOAD_KINDS: frozenset[str] = frozenset({"place", "address", "bbox"})

Bbox = tuple[float, float, float, float]


@dataclass(frozen=True)
class CitySpec:
    """Where a city's street network comes from; frozen and hashable (a cache key).

    Only the fields of its ``kind`` (:data:`KIND_FIELDS`) are set; make one with
    :func:`parse_city_spec` (or :meth:`parse`, :meth:`synthetic`).

    Attributes
    ----------
    kind : str
        ``"synthetic"``, ``"file"``, ``"place"``, ``"address"`` or ``"bbox"``.
    n_nodes : int or None
        Synthetic: approximate node count (None = the generator's default).
    seed : int or None
        Synthetic: seed of the street layout.
    path : pathlib.Path or None
        File: the network file.
    format : str or None
        File: ``"osm"`` (OSM XML) or ``"graphml"``.
    place, address : str or None
        Place name / address to download.
    dist : float or None
        Address: metres around it.
    bbox : tuple of 4 floats or None
        ``(west, south, east, north)`` in degrees.
    """

    kind: str
    n_nodes: int | None = None
    seed: int | None = None
    path: Path | None = None
    format: str | None = None
    place: str | None = None
    address: str | None = None
    dist: float | None = None
    bbox: Bbox | None = None

    def __post_init__(self) -> None:
        if self.kind not in KIND_FIELDS:
            raise NetworkError(f"city spec kind {self.kind!r}: use one of {', '.join(KIND_FIELDS)}")

    @classmethod
    def parse(cls, spec: Any) -> CitySpec:
        """Same as :func:`parse_city_spec`."""
        return parse_city_spec(spec)

    @classmethod
    def synthetic(cls, n_nodes: int | None = None, seed: int = 0) -> CitySpec:
        """A synthetic city of about ``n_nodes`` nodes (validated as the parser does)."""
        params = _synthetic_params({"n": n_nodes, "seed": seed} if n_nodes is not None else {"seed": seed},
                                   "synthetic spec")
        return cls("synthetic", **params)

    def as_query(self) -> dict[str, Any]:
        """The plain dict ``{"kind": ..., <the kind's fields>}`` (download queries, cache keys)."""
        return {"kind": self.kind, **{f: getattr(self, f) for f in KIND_FIELDS[self.kind]}}

    def with_dist(self, dist: float | None) -> CitySpec:
        """An address spec with another radius (other kinds, or ``dist=None``, are returned as is)."""
        if dist is None or self.kind != "address":
            return self
        return dataclasses.replace(self, dist=float(dist))

    @property
    def is_download(self) -> bool:
        """True for a place, an address or a bbox (downloaded from OpenStreetMap)."""
        return self.kind in DOWNLOAD_KINDS

    @property
    def name(self) -> str:
        """A human-readable name: the place, the file stem, ``"synthetic (n=.., seed=..)"``..."""
        if self.kind == "synthetic":
            size = f"n={self.n_nodes}, " if self.n_nodes else ""
            return f"synthetic ({size}seed={self.seed})"
        if self.kind == "file":
            name = self.path.name
            for suf in sorted((*OSM_SUFFIXES, *GRAPHML_SUFFIXES), key=len, reverse=True):
                if name.lower().endswith(suf):
                    return name[: -len(suf)]
            return name
        if self.kind == "place":
            return self.place
        if self.kind == "address":
            return self.address
        return "bbox {:.4f},{:.4f},{:.4f},{:.4f}".format(*self.bbox)

    def describe(self) -> str:
        """The spec in messages: ``place 'Mapo-gu'``, ``bbox (126.94950, ...)``, a file path..."""
        if self.kind == "bbox":
            return "bbox ({:.5f}, {:.5f}, {:.5f}, {:.5f})".format(*self.bbox)
        if self.kind == "address":
            return f"address {self.address!r} (within {self.dist:g} m)"
        if self.kind == "place":
            return f"place {self.place!r}"
        return str(self)

    def __str__(self) -> str:
        """Text that :func:`parse_city_spec` reads back to an equal spec (the default radius for an address)."""
        if self.kind == "synthetic":
            parts = ([f"n={self.n_nodes}"] if self.n_nodes is not None else []) + [f"seed={self.seed}"]
            return "synthetic:" + ",".join(parts)
        if self.kind == "file":
            return str(self.path)
        if self.kind == "place":
            return f"place:{self.place}"
        if self.kind == "address":
            return f"address:{self.address}"
        return "bbox:" + ",".join(repr(v) for v in self.bbox)


# --------------------------------------------------------------------------- validation
def validate_bbox(bbox: Any, where: str | None = None) -> Bbox:
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


def file_format(path: Path) -> str | None:
    """``"graphml"``, ``"osm"`` or None (not a network file) from a file name's ending."""
    name = path.name.lower()
    if name.endswith(GRAPHML_SUFFIXES):
        return "graphml"
    if name.endswith(OSM_SUFFIXES):
        return "osm"
    return None


def _file_spec(path: Path) -> CitySpec:
    fmt = file_format(path)
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder; give an .osm, .osm.bz2, .osm.xml or .graphml file")
    if not path.exists():
        raise InputFileError(f"{path}: file not found (expected an .osm, .osm.bz2, .osm.xml or .graphml "
                             "file)")
    if fmt is None:
        raise InputFileError(f"{path}: unknown file type {''.join(path.suffixes) or '(no extension)'}; "
                             "use an OpenStreetMap .osm / .osm.bz2 / .osm.xml file or an OSMnx .graphml file")
    return CitySpec("file", path=path, format=fmt)


def _mapping_spec(spec: Mapping) -> CitySpec:
    d = dict(spec)
    kind = d.get("kind") or d.get("type")
    if kind is None:
        kind = next((k for k in ("synthetic", "path", "place", "address", "bbox") if k in d), None)
    if kind == "synthetic":
        return CitySpec("synthetic", **_synthetic_params(d, "synthetic spec"))
    if kind in ("path", "file"):
        return _file_spec(Path(d.get("path") or d.get("file")))
    if kind == "place":
        return CitySpec("place", place=d["place"])
    if kind == "address":
        return CitySpec("address", address=d["address"], dist=float(d.get("dist", ADDRESS_DIST_M)))
    if kind == "bbox":
        return CitySpec("bbox", bbox=validate_bbox(d["bbox"]))
    raise NetworkError(f"city spec {spec!r}: use a dict with one of the keys synthetic, path, place, "
                       "address or bbox")


_NUM = r"[-+]?\d+(?:\.\d*)?"
_BBOX_RE = re.compile(rf"^\s*\(?\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*\)?\s*$")


def _text_spec(s: str) -> CitySpec:
    low = s.lower()
    if low == "synthetic" or low.startswith("synthetic:"):
        return CitySpec("synthetic", **_synthetic_params(_parse_kv(s[len("synthetic:"):], s), s))
    if low.startswith("bbox:"):
        return CitySpec("bbox", bbox=validate_bbox(s[5:].split(","), where=f"bbox {s[5:]!r}"))
    if low.startswith("place:"):
        return CitySpec("place", place=s[6:].strip())
    if low.startswith("address:"):
        return CitySpec("address", address=s[8:].strip(), dist=ADDRESS_DIST_M)
    m = _BBOX_RE.match(s)
    if m:
        return CitySpec("bbox", bbox=validate_bbox([float(g) for g in m.groups()], where=f"bbox {s!r}"))
    path = Path(s).expanduser()
    looks_like_file = (path.exists() or file_format(path) is not None or os.sep in s
                       or re.search(r"\.[A-Za-z][A-Za-z0-9]{0,7}$", s) is not None and " " not in s)
    if looks_like_file:
        return _file_spec(path)
    return CitySpec("place", place=s)


def parse_city_spec(spec: Any) -> CitySpec:
    """The :class:`CitySpec` of a spec (see the module docs); a CitySpec is returned as is.

    Raises
    ------
    KaicityError
        (a subclass) for an unusable spec: missing file, unknown extension, bad bbox...
    """
    if isinstance(spec, CitySpec):
        return spec
    if isinstance(spec, Mapping):
        return _mapping_spec(spec)
    if isinstance(spec, (tuple, list)):
        return CitySpec("bbox", bbox=validate_bbox(spec))
    if isinstance(spec, os.PathLike):
        return _file_spec(Path(spec))
    if not isinstance(spec, str) or not spec.strip():
        raise NetworkError(f"city spec {spec!r}: give 'synthetic', a .osm/.graphml file, a place name "
                           "or a bbox")
    return _text_spec(spec.strip())


def parse_spec(spec: Any) -> dict[str, Any]:
    """The spec as a plain dict with a ``kind`` key: ``parse_city_spec(spec).as_query()``."""
    return parse_city_spec(spec).as_query()
