"""The city map: a cached street-network background with the moving agents on top.

The street network, zones and facilities of a :class:`~kaicity.network.city.City` are
drawn once with matplotlib's Agg backend into an RGB array (:func:`city_background`,
cached per city and size, shared by every model and browser session on that city).
A :class:`MapRenderer` puts that array on a static image with the AI support centres
and the legend (sent to the browser once), and each tick draws only the dynamic
layers (residents on a trip, DRT vans coloured by occupancy, fixed-route buses) with
``draw_artist`` onto a transparent overlay of the same size, which the page stacks on
the static image: no re-drawing or re-sending of the streets.

Coordinates are the city's projected metres (``Graph.x``, ``Graph.y``), so synthetic
and OpenStreetMap cities are drawn the same way.
"""

from __future__ import annotations

import io
import threading
import weakref
from dataclasses import dataclass

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, to_hex, to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from kaicity.categories import CATEGORIES, CATEGORY_LABELS, ZONES  # noqa: E402
from kaicity.viz.charts import ELDERLY_COLOUR, OTHERS_COLOUR  # noqa: E402
from kaicity.viz.positions import PathCache, travelling_positions  # noqa: E402

#: Zone shading (light fills under the streets).
ZONE_COLOURS: dict[str, str] = {"core": "#f6c9c4", "suburb": "#fbe7b5", "rural": "#cfe8c6"}
#: Facility marker colours by category (ColorBrewer Set1, colour-blind-aware order).
CATEGORY_COLOURS: dict[str, str] = {"healthcare": "#e41a1c", "education": "#377eb8", "welfare": "#984ea3",
                                    "daily": "#ff7f00", "culture": "#4daf4a"}
RESIDENT_COLOUR = OTHERS_COLOUR
BUS_COLOUR = "#222222"
CENTRE_COLOUR = "#ffd400"
STREET_COLOUR = "#9a9a9a"
ROAD_COLOUR = "#5c5c5c"
#: DRT occupancy colours: empty (light) -> full (dark red).
DRT_CMAP = LinearSegmentedColormap.from_list("drt_occupancy", ["#fff3a0", "#fd8d3c", "#a50026"])

_DPI = 100


@dataclass(frozen=True)
class Background:
    """A rendered street-network image and the data extent it covers.

    Attributes
    ----------
    rgb : uint8 ``[height, width, 3]`` pixels.
    extent : (x0, x1, y0, y1) in projected metres; pixel columns span x0..x1, rows y1..y0.
    """

    rgb: np.ndarray
    extent: tuple[float, float, float, float]

    @property
    def width(self) -> int:
        """Width in pixels."""
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        """Height in pixels."""
        return int(self.rgb.shape[0])


_BACKGROUNDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_BG_LOCK = threading.Lock()


def map_extent(city, width_px: int, min_ratio: float = 0.5, max_ratio: float = 0.62) -> tuple:
    """Padded data extent and pixel height of a ``width_px`` wide map of ``city``.

    The extent is widened along one axis so that one pixel is square in metres.
    """
    g = city.walk
    x0, x1 = float(np.min(g.x)), float(np.max(g.x))
    y0, y1 = float(np.min(g.y)), float(np.max(g.y))
    xr, yr = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    pad = 0.03 * max(xr, yr)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    xr, yr = x1 - x0, y1 - y0
    ratio = min(max(yr / xr, min_ratio), max_ratio)
    height = int(round(width_px * ratio))
    # widen the short side so that metres per pixel match on both axes
    mpp = max(xr / width_px, yr / height)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = mpp * width_px / 2, mpp * height / 2
    return (cx - half_w, cx + half_w, cy - half_h, cy + half_h), height


def _segments(graph) -> np.ndarray:
    """``[n, 2, 2]`` line segments of a graph's edges, each undirected pair once."""
    tails = np.asarray(graph.edge_tails(), dtype=np.int64)
    heads = np.asarray(graph.indices, dtype=np.int64)
    a, b = np.minimum(tails, heads), np.maximum(tails, heads)
    keep = a != b
    pairs = np.unique(np.stack([a[keep], b[keep]], axis=1), axis=0)
    seg = np.empty((len(pairs), 2, 2))
    seg[:, 0, 0], seg[:, 0, 1] = graph.x[pairs[:, 0]], graph.y[pairs[:, 0]]
    seg[:, 1, 0], seg[:, 1, 1] = graph.x[pairs[:, 1]], graph.y[pairs[:, 1]]
    return seg


def zone_raster(city, extent: tuple, shape: tuple[int, int], reach_m: float | None = None) -> np.ndarray:
    """RGBA raster shading each cell by the zone of its nearest walk node (transparent far from nodes).

    Parameters
    ----------
    city
        The city (walk-node ``zone`` codes index :data:`kaicity.categories.ZONES`).
    extent
        (x0, x1, y0, y1) of the raster.
    shape
        (rows, columns).
    reach_m
        Cells farther than this from any node stay transparent (default: 2.5 times the
        median street segment, at least 1.2 % of the larger side of the extent).
    """
    from scipy.spatial import cKDTree

    g = city.walk
    x0, x1, y0, y1 = extent
    rows, cols = shape
    if reach_m is None:
        seg = np.asarray(g.lengths, dtype=float)
        seg = seg[np.isfinite(seg) & (seg > 0)]
        typical = float(np.median(seg)) if len(seg) else 0.0
        reach_m = max(2.5 * typical, 0.012 * max(x1 - x0, y1 - y0))
    xs = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
    ys = y1 - (np.arange(rows) + 0.5) * (y1 - y0) / rows
    gx, gy = np.meshgrid(xs, ys)
    tree = cKDTree(np.column_stack([g.x, g.y]))
    dist, idx = tree.query(np.column_stack([gx.ravel(), gy.ravel()]), distance_upper_bound=reach_m)
    found = np.isfinite(dist)
    zone = np.full(len(dist), -1, dtype=np.int64)
    zone[found] = np.asarray(g.zone, dtype=np.int64)[idx[found]]
    palette = np.array([to_rgba(ZONE_COLOURS.get(z, "#dddddd"), 0.55) for z in ZONES] + [(0, 0, 0, 0)])
    return palette[zone].reshape(rows, cols, 4)


def render_background(city, width_px: int = 640) -> Background:
    """Draw zones, streets (walk paths thin, roads darker) and facilities into an RGB array.

    This is the slow part of the map (hundreds of milliseconds for a 10k-node city);
    use :func:`city_background`, which caches it.
    """
    extent, height = map_extent(city, width_px)
    fig = Figure(figsize=(width_px / _DPI, height / _DPI), dpi=_DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    shade = zone_raster(city, extent, (max(height // 3, 1), max(width_px // 3, 1)))
    ax.imshow(shade, extent=extent, origin="upper", interpolation="nearest", zorder=0)
    walk_seg = _segments(city.walk)
    ax.add_collection(LineCollection(walk_seg, colors=STREET_COLOUR, linewidths=0.35, zorder=1))
    if city.drive.n_nodes:
        ax.add_collection(LineCollection(_segments(city.drive), colors=ROAD_COLOUR, linewidths=0.5, zorder=2))
    fac = city.facilities
    for cat in CATEGORIES:
        rows = fac[fac["category"] == cat]
        if len(rows):
            nodes = rows["node"].to_numpy(dtype=np.int64)
            ax.scatter(city.walk.x[nodes], city.walk.y[nodes], s=16, marker="s", c=CATEGORY_COLOURS[cat],
                       edgecolors="white", linewidths=0.5, zorder=3)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
    return Background(rgb=rgb, extent=tuple(float(v) for v in extent))


def city_background(city, width_px: int = 640) -> Background:
    """The cached :func:`render_background` of ``city`` (one per city object and width)."""
    with _BG_LOCK:
        per_city = _BACKGROUNDS.setdefault(city, {})
        if width_px not in per_city:
            per_city[width_px] = render_background(city, width_px)
        return per_city[width_px]


def clock_text(model) -> str:
    """``day 1  08:15`` for the model's current time."""
    total_h = model.now / 3600.0 + float(model.start_hour)
    day = int(total_h // 24) + 1
    h = total_h % 24
    return f"day {day}  {int(h):02d}:{int(round((h % 1) * 60)) % 60:02d}"


def legend_items(has_bus: bool = True, has_drt: bool = True, has_centres: bool = True) -> list[tuple[str, str, str]]:
    """The map's legend as ``(symbol, colour, label)`` rows (the page shows it as text next to the map)."""
    items = [("●", RESIDENT_COLOUR, "resident on a trip"), ("●", ELDERLY_COLOUR, "elderly")]
    if has_bus:
        items.append(("▲", BUS_COLOUR, "bus"))
    if has_drt:
        items += [("◆", DRT_CMAP(0.0), "DRT empty"), ("◆", DRT_CMAP(0.5), "half"), ("◆", DRT_CMAP(1.0), "full")]
    if has_centres:
        items.append(("★", CENTRE_COLOUR, "AI support centre"))
    items += [("■", CATEGORY_COLOURS[c], CATEGORY_LABELS[c].split(" (")[0].split(" /")[0].lower())
              for c in CATEGORIES]
    items += [("▬", ZONE_COLOURS[z], z) for z in ZONES]
    return [(sym, to_hex(col), label) for sym, col, label in items]


class MapRenderer:
    """Draws one model's map: a static image once, and a transparent overlay of the agents per tick.

    The static image holds the cached street-network background and the AI support
    centres (the legend is :attr:`legend`, shown as text by the page); the overlay
    (same size, transparent) holds residents on a trip, buses and DRT vans.  The page
    stacks the two images, so each step sends and encodes only the overlay, which is
    mostly transparent and compresses fast.
    :meth:`png` composites both (for notebooks, scripts and tests).

    Parameters
    ----------
    model
        A :class:`kaicity.model.KaiCityModel`.
    title
        Name used in :meth:`caption` (default: the scenario name).
    width_px
        Image width in pixels.
    follow_streets
        Move residents along their shortest walk paths (default) rather than straight lines.
    """


    def __init__(self, model, title: str | None = None, width_px: int = 640, follow_streets: bool = True) -> None:
        self.model = model
        self.paths = PathCache(model.city.walk) if follow_streets else None
        self.title = title if title is not None else str(model.scenario.name)
        self.bg = city_background(model.city, width_px)
        g = model.city.walk
        # --- static image: background, support centres, legend
        static_fig, static_ax = self._figure("white")
        static_ax.imshow(self.bg.rgb, extent=self.bg.extent, origin="upper", interpolation="nearest", zorder=0)
        centres = np.array([c.node for c in getattr(model, "support_centres", [])], dtype=np.int64)
        if len(centres):
            static_ax.scatter(g.x[centres], g.y[centres], s=150, marker="*", c=CENTRE_COLOUR, edgecolors="black",
                              linewidths=0.7, zorder=6)
        self.legend = legend_items(has_bus=model.bus is not None, has_drt=model.drt is not None,
                                   has_centres=len(centres) > 0)
        static_canvas = FigureCanvasAgg(static_fig)
        static_canvas.draw()
        self.static_rgb = np.asarray(static_canvas.buffer_rgba())[:, :, :3].copy()
        self._static_png: bytes | None = None
        # --- overlay: transparent, the agents only
        self.fig, ax = self._figure("none")
        ax.patch.set_visible(False)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = ax
        empty = np.zeros((0, 2))
        self.others = ax.scatter(empty[:, 0], empty[:, 1], s=9, c=RESIDENT_COLOUR, linewidths=0, zorder=4,
                                 animated=True)
        self.elderly = ax.scatter(empty[:, 0], empty[:, 1], s=14, c=ELDERLY_COLOUR, linewidths=0, zorder=5,
                                  animated=True)
        self.buses = ax.scatter(empty[:, 0], empty[:, 1], s=34, marker="^", c=BUS_COLOUR, edgecolors="white",
                                linewidths=0.6, zorder=7, animated=True)
        self.drt = ax.scatter(empty[:, 0], empty[:, 1], s=40, marker="D", c=np.zeros(0), cmap=DRT_CMAP,
                              vmin=0.0, vmax=1.0, edgecolors="black", linewidths=0.6, zorder=8, animated=True)
        self.canvas.draw()
        self._blank = self.canvas.copy_from_bbox(self.fig.bbox)
        self.last_counts: dict[str, int] = {}

    def _figure(self, facecolor: str):
        """A figure of the map's size with an axes exactly over the background's pixels."""
        w, h = self.bg.width, self.bg.height
        fig = Figure(figsize=(w / _DPI, h / _DPI), dpi=_DPI, facecolor=facecolor)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        x0, x1, y0, y1 = self.bg.extent
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        return fig, ax

    # ------------------------------------------------------------------ per tick
    def update(self) -> None:
        """Move the dynamic layers to the model's current state."""
        m = self.model
        snap = travelling_positions(m, paths=self.paths)
        e = snap.elderly
        self.others.set_offsets(np.column_stack([snap.x[~e], snap.y[~e]]))
        self.elderly.set_offsets(np.column_stack([snap.x[e], snap.y[e]]))
        n_bus = n_drt = 0
        if m.bus is not None:
            st = m.bus.vehicle_state(m.now)
            self.buses.set_offsets(np.column_stack([st.x, st.y]))
            n_bus = len(st.x)
        if m.drt is not None:
            st = m.drt.vehicle_state(m.now)
            occ = np.asarray(st.load, float) / np.maximum(np.asarray(st.capacity, float), 1.0)
            self.drt.set_offsets(np.column_stack([st.x, st.y]))
            self.drt.set_array(occ)
            n_drt = len(st.x)
        self.last_counts = {"travelling": snap.n, "elderly": int(e.sum()), "on_transit": snap.on_transit,
                            "buses": n_bus, "drt": n_drt}

    def caption(self) -> str:
        """One line for above the map: run, clock, residents on a trip, vehicles (after :meth:`update`)."""
        c = self.last_counts
        parts = [self.title, clock_text(self.model), f"on a trip {c.get('travelling', 0)} "
                 f"(elderly {c.get('elderly', 0)})"]
        if c.get("on_transit"):
            parts.append(f"waiting for or riding transit {c['on_transit']}")
        if self.model.bus is not None:
            parts.append(f"buses {c.get('buses', 0)}")
        if self.model.drt is not None:
            parts.append(f"DRT vans {c.get('drt', 0)}")
        return " · ".join(parts)

    def overlay_rgba(self) -> np.ndarray:
        """Update and draw the agents; returns the overlay's RGBA pixels (valid until the next call)."""
        self.update()
        self.canvas.restore_region(self._blank)
        for artist in (self.others, self.elderly, self.buses, self.drt):
            self.ax.draw_artist(artist)
        return np.asarray(self.canvas.buffer_rgba())

    def overlay_png(self) -> bytes:
        """The agents on a transparent background, as PNG bytes (updates first)."""
        return _encode(self.overlay_rgba())

    def static_png(self) -> bytes:
        """Background, support centres and legend as PNG bytes (encoded once)."""
        if self._static_png is None:
            self._static_png = _encode(self.static_rgb, compress_level=6)
        return self._static_png

    def frame(self) -> np.ndarray:
        """Update and composite the static image and the overlay into RGB pixels."""
        over = self.overlay_rgba().astype(np.float32)
        alpha = over[:, :, 3:4] / 255.0
        out = over[:, :, :3] * alpha + self.static_rgb.astype(np.float32) * (1.0 - alpha)
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)

    def png(self) -> bytes:
        """The whole current map (static image and agents) as PNG bytes."""
        return _encode(self.frame())


def _encode(pixels: np.ndarray, compress_level: int = 1) -> bytes:
    """PNG bytes of an RGB or RGBA array."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()
