"""The interactive HTML map of an :class:`~geocover.analysis.Analysis`, self-contained.

:func:`build_map` returns a :class:`folium.Map`; :func:`write_map` writes it (and the
report it links to) atomically. The page is made to be opened from a link or an e-mail,
on a phone, with nothing fetched but the background tiles:

* Leaflet and Leaflet.markercluster are inlined from their installed XStatic packages
  (:mod:`geocover._assets`); folium's CDN links (Bootstrap, Font Awesome,
  awesome-markers, jQuery) are removed, and no folium feature that needs them is used.
  The only outside request is the OpenStreetMap tile layer; ``tiles="none"`` removes it.
* Every text that comes from a contributor, a digitizer or OpenStreetMap reaches the page
  as JSON data (:func:`geocover._escape.js_json`) and is put into popups with
  ``textContent`` by the page's own script; the panels built here are escaped with
  :func:`geocover._escape.html_text`. No folium ``Popup``/``Tooltip``/``GeoJsonPopup``
  is used: they paste text into HTML and JavaScript template literals.
* Coordinates are simplified and rounded to 5 decimals (about 1 m), and only the
  properties a popup shows are embedded.

The layers, each in the layer control: the commune boundary and its neighbours
(dimmed), the authorized perimeters (by status), the cameras (one layer per source,
clustered when many), each preset's fields of view and covered area. Panels: the
claims and their verdicts, a legend, the sources with their dates and a link to the
report. See ``docs/map.md``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.map import Layer, LayerControl

from ._io import write_atomic
from . import _assets, settings
from ._escape import html_text, js_json, safe_url
from .analysis import Analysis
from .errors import UsageError

__all__ = [
    "CLUSTER_THRESHOLD",
    "COORDINATE_DECIMALS",
    "OSM_TILES_URL",
    "TILES",
    "build_map",
    "default_map_path",
    "nearby_neighbours",
    "render_map",
    "report_paths",
    "write_map",
]

#: Values of the ``tiles`` option: OpenStreetMap's standard tiles, or none (a plain
#: background; the page then requests nothing at all).
TILES: tuple[str, ...] = ("osm", "none")
OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: Coordinates are rounded to this many decimals of a degree (1e-5° ≈ 1.1 m of latitude).
COORDINATE_DECIMALS = 5
#: Outlines are simplified within this tolerance, in degrees (≈ 0.5 m), before rounding.
SIMPLIFY_DEGREES = 5e-6
_SCALE = 10 ** COORDINATE_DECIMALS
#: Above this many cameras in one layer, markers are clustered.
CLUSTER_THRESHOLD = 150
#: The folder maps are written to by default (``maps/<city>.html``).
DEFAULT_DIRECTORY = Path("maps")

OSM_ATTRIBUTION_HTML = (
    '© <a href="https://www.openstreetmap.org/copyright" target="_blank" '
    'rel="noopener noreferrer">OpenStreetMap</a> contributors'
)
IGN_ATTRIBUTION_HTML = "IGN – ADMIN EXPRESS"

_PRECISION_TEXT = {
    "exact": "exact (surveyed position)",
    "crossing": "at a street crossing (placed there from a list, not surveyed)",
    "street": "somewhere in this street (approximate)",
    "commune": "somewhere in the commune (position unknown)",
}
_CAMERA_TYPES = ("fixed", "dome", "panning", "unknown")
_PRECISIONS = ("exact", "crossing", "street", "commune")
_STATUSES = ("valid", "expired", "unknown")
_VERDICTS = ("consistent", "contradicted", "unverifiable")
_OSM_ID = re.compile(r"^osm:(node|way|relation)/(\d+)$")
_FACTORIES = frozenset({"areas", "cameras"})

# Panes, bottom to top (Leaflet's overlay pane is 400, markers 600).
_PANES = [
    ("gcNeighbours", 380),
    ("gcPerimeters", 390),
    ("gcCover", 395),
    ("gcFov", 405),
    ("gcCommune", 420),
]

_STYLES: dict[str, dict[str, Any]] = {
    "commune": {"color": "#222222", "weight": 2.5, "fill": False},
    "neighbours": {"color": "#8c8c8c", "weight": 1, "fillColor": "#bdbdbd", "fillOpacity": 0.3},
    "valid": {"color": "#1a9641", "weight": 2, "fillColor": "#1a9641", "fillOpacity": 0.15},
    "expired": {"color": "#8c8c8c", "weight": 2, "dashArray": "6 4", "fillColor": "#8c8c8c",
                "fillOpacity": 0.08},
    "unknown": {"color": "#e66101", "weight": 2, "dashArray": "2 5", "fillColor": "#fdae61",
                "fillOpacity": 0.12},
    "fov": {"color": "#e34a33", "weight": 0.6, "opacity": 0.7, "fillColor": "#fc8d59",
            "fillOpacity": 0.2},
    "cover": {"color": "#2c7fb8", "weight": 1, "fillColor": "#41b6c4", "fillOpacity": 0.35},
    "compliance": {"color": "#d7191c", "weight": 2, "dashArray": "6 4", "fillColor": "#d7191c",
                   "fillOpacity": 0.15},
}

# The page's own stylesheet and script: static, no data in them.
_CSS = """
.leaflet-container { background: #f3f1ec; }
.gc-panel { background: rgba(255,255,255,.96); border-radius: 6px; padding: 6px 10px;
  box-shadow: 0 1px 5px rgba(0,0,0,.4); max-width: min(380px, 80vw); max-height: 42vh;
  overflow: auto; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
.gc-panel summary { cursor: pointer; font-weight: 600; }
.gc-panel h2 { font-size: 14px; margin: 0; display: inline; }
.gc-panel ol, .gc-panel ul { margin: 4px 0; padding-left: 18px; }
.gc-panel li { margin: 3px 0; }
.gc-panel p { margin: 4px 0; }
.gc-panel small, .gc-muted { color: #555; }
.gc-badge { display: inline-block; padding: 0 5px; border-radius: 3px; color: #fff;
  font-size: 11px; font-weight: 600; text-transform: uppercase; background: #737373; }
.gc-v-consistent .gc-badge { background: #1a9641; }
.gc-v-contradicted .gc-badge { background: #d7191c; }
.gc-v-unverifiable .gc-badge { background: #737373; }
.gc-quote { font-style: italic; color: #444; }
.gc-cam { box-sizing: border-box; }
.gc-cam i { display: block; width: 100%; height: 100%; box-sizing: border-box;
  border: 2px solid #fff; box-shadow: 0 0 0 1px #222; background: #525252; }
.gc-t-fixed i { background: #d7301f; }
.gc-t-dome i { background: #6a51a3; }
.gc-t-panning i { background: #2171b5; }
.gc-t-unknown i { background: #525252; }
.gc-s-osm i { border-radius: 50%; }
.gc-s-list i { border-radius: 1px; }
.gc-s-contrib i { transform: rotate(45deg) scale(.85); }
.gc-p-street i, .gc-p-commune i { opacity: .55; }
.gc-legend .gc-cam { display: inline-block; width: 12px; height: 12px; vertical-align: middle; }
.gc-sw { display: inline-block; width: 16px; height: 10px; vertical-align: middle;
  margin-right: 4px; box-sizing: border-box; }
.gc-card { font: 13px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; }
.gc-card h3 { margin: 0 0 4px; font-size: 14px; overflow-wrap: anywhere; }
.gc-rows { border-collapse: collapse; }
.gc-rows th { text-align: left; vertical-align: top; padding: 1px 8px 1px 0; color: #555;
  font-weight: 500; min-width: 4.5em; max-width: 10em; overflow-wrap: anywhere; }
.gc-rows td { overflow-wrap: anywhere; padding: 1px 0; }
.gc-extra summary { cursor: pointer; color: #555; margin-top: 4px; }
@media (max-width: 640px) {
  .gc-panel { max-height: 32vh; font-size: 12px; }
  .gc-about, .gc-legend-panel { max-width: 42vw; }
}
"""

_JS = r"""
(function () {
  "use strict";
  var G = window.geocover = {layers: {}, map: null, ready: false};
  var SAFE_URL = /^https?:\/\/[^\s]+$/i;
  var POPUP = {maxWidth: 340, maxHeight: Math.max(160, Math.min(380, window.innerHeight * 0.55))};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function table(rows) {
    var t = el("table", "gc-rows"), body = el("tbody");
    t.appendChild(body);
    rows.forEach(function (r) {
      var tr = el("tr"), td = el("td");
      tr.appendChild(el("th", null, r[0]));
      if (r[2] && SAFE_URL.test(r[2])) {
        var a = el("a", null, r[1]);
        a.href = r[2]; a.target = "_blank"; a.rel = "noopener noreferrer";
        td.appendChild(a);
      } else {
        td.textContent = (r[1] === null || r[1] === undefined) ? "" : String(r[1]);
      }
      tr.appendChild(td);
      body.appendChild(tr);
    });
    return t;
  }
  // A popup's content, built with textContent only: data is never parsed as HTML.
  G.card = function (title, rows, extra, extraLabel) {
    var d = el("div", "gc-card");
    if (title) { d.appendChild(el("h3", null, title)); }
    if (rows && rows.length) { d.appendChild(table(rows)); }
    if (extra && extra.length) {
      var more = el("details", "gc-extra");
      more.appendChild(el("summary", null, extraLabel || "more"));
      more.appendChild(table(extra));
      d.appendChild(more);
    }
    return d;
  };
  G.setup = function (map, o) {
    G.map = map;
    // MarkerCluster needs a maximum zoom, which a map without tiles does not have.
    map.setMaxZoom(o.maxZoom || 19);
    (o.panes || []).forEach(function (p) { map.createPane(p[0]).style.zIndex = p[1]; });
    if (map.attributionControl) {
      (o.attribution || []).forEach(function (a) { map.attributionControl.addAttribution(a); });
    }
    L.control.scale({imperial: false, position: "bottomleft"}).addTo(map);
    if (o.bounds) { map.fitBounds(o.bounds, {padding: [6, 6], animate: false}); }
  };
  // Geometries come as integers in 1e-5 degrees: per ring, the first point then the
  // differences (see webmap._encode); decoded to Leaflet's [lat, lng].
  function ring(a) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < a.length; i += 2) {
      x += a[i]; y += a[i + 1];
      out.push([y / 1e5, x / 1e5]);
    }
    return out;
  }
  function latlngs(g) { return g.map(function (poly) { return poly.map(ring); }); }
  G.areas = function (features, o) {
    var group = L.featureGroup(), styles = o.styles || {};
    var interactive = !!(o.popup || o.tooltip);
    features.forEach(function (f) {
      if (Array.isArray(f)) { f = {g: f}; }
      var style = L.extend({}, styles[f.s] || o.style || {},
                           {pane: o.pane, interactive: interactive});
      var shape = L.polygon(latlngs(f.g), style);
      if (o.popup) {
        shape.bindPopup(function () {
          return G.card(f.t, (f.r || []).concat(o.rows || []), f.x, o.extraLabel);
        }, POPUP);
      }
      if (o.tooltip && f.t) {
        shape.bindTooltip(function () { return el("span", null, f.t); }, {sticky: true});
      }
      group.addLayer(shape);
    });
    if (o.key) { G.layers[o.key] = group; }
    return group;
  };
  G.cameras = function (data, o) {
    var group = (o.cluster && L.markerClusterGroup)
      ? L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 45,
                              disableClusteringAtZoom: 18})
      : L.featureGroup();
    var icons = o.classes.map(function (c) {
      return L.divIcon({className: "gc-cam " + c, html: "<i></i>", iconSize: [12, 12],
                        iconAnchor: [6, 6], popupAnchor: [0, -6]});
    });
    var markers = data.map(function (c) {
      var m = L.marker([c[0], c[1]], {icon: icons[c[2]], title: c[3] || "", riseOnHover: true});
      m.bindPopup(function () {
        var rows = (c[4] || []).map(function (r) { return [o.fields[r[0]], r[1], r[2]]; });
        return G.card(c[3], rows.concat(o.rows || []), c[5], o.extraLabel);
      }, POPUP);
      return m;
    });
    if (group.addLayers) { group.addLayers(markers); }
    else { markers.forEach(function (m) { group.addLayer(m); }); }
    if (o.key) { G.layers[o.key] = group; }
    return group;
  };
  // A panel of server-built, escaped HTML (no data from contributors is unescaped in it).
  G.panel = function (map, position, html, cls) {
    var Panel = L.Control.extend({
      onAdd: function () {
        var d = L.DomUtil.create("div", "gc-panel " + (cls || ""));
        d.innerHTML = html;
        if (window.innerWidth < 640) {
          d.querySelectorAll("details[data-gc-fold]").forEach(function (x) { x.open = false; });
        }
        L.DomEvent.disableClickPropagation(d);
        L.DomEvent.disableScrollPropagation(d);
        return d;
      }
    });
    return new Panel({position: position}).addTo(map);
  };
  G.done = function () {
    G.readyAt = window.performance ? performance.now() : null;  // ms since navigation
    G.ready = true;
    document.documentElement.setAttribute("data-geocover-ready", "1");
  };
})();
"""


class RawHtml(Element):
    """A piece of the page inserted as is. branca's :class:`~branca.element.Element`
    compiles its text as a Jinja template when rendered, so text holding ``{{`` or
    ``{%`` (a contributor's name, a library) would be run as a template: this one never
    is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHtml"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class GeocoverMap(folium.Map):
    """A :class:`folium.Map` whose page links to no CDN: Leaflet (and MarkerCluster when
    used) are inlined from the installed XStatic packages, with geocover's own style and
    script."""

    def __init__(self, *args: Any, cluster: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Instance attributes: folium's class-level lists link Bootstrap, Font Awesome,
        # jQuery and awesome-markers from CDNs; this page uses none of them.
        self.default_js: list[tuple[str, str]] = []
        self.default_css: list[tuple[str, str]] = []
        self.cluster = cluster

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        figure.header.add_child(
            RawHtml(_assets.head_html(cluster=self.cluster, css=_CSS, js=_JS)),
            name="geocover_assets",
        )
        super().render(**kwargs)


class _DataLayer(Layer):
    """An overlay built in the page by ``geocover.<factory>(data, options)``; its script
    goes into the page as :class:`RawHtml`, never through a template."""

    def __init__(self, factory: str, data: Any, options: dict[str, Any], *, name: str,
                 show: bool = True) -> None:
        if factory not in _FACTORIES:
            raise ValueError(f"unknown layer factory {factory!r}")
        # Leaflet's layer control puts the name in with innerHTML: escape it.
        super().__init__(name=html_text(name), overlay=True, control=True, show=show)
        self._name = "GeocoverLayer"
        self.factory = factory
        self.settings = options
        self.data_js = js_json(data)
        self.options_js = js_json(options)

    def render(self, **kwargs: Any) -> None:
        script = self.get_root().script
        name = self.get_name()
        script.add_child(
            RawHtml(f"var {name} = geocover.{self.factory}({self.data_js}, {self.options_js});\n"),
            name=name,
        )
        if self.show:
            script.add_child(RawHtml(f"{name}.addTo({self._parent.get_name()});\n"),
                             name=f"{name}_add")


class _Call(MacroElement):
    """``geocover.<function>(<the map>, <JSON arguments>…)``, inserted as :class:`RawHtml`."""

    def __init__(self, function: str, *args: Any) -> None:
        if function not in ("setup", "panel", "done"):
            raise ValueError(f"unknown page function {function!r}")
        super().__init__()
        self._name = "GeocoverCall"
        self.function = function
        self.args = [js_json(a) for a in args]

    def render(self, **kwargs: Any) -> None:
        call = ", ".join([self._parent.get_name(), *self.args])
        self.get_root().script.add_child(
            RawHtml(f"geocover.{self.function}({call});\n"), name=self.get_name()
        )


# ------------------------------------------------------------------ values → text


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, (list, tuple, dict, set)):
        return len(value) == 0
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str:
    return str(value).strip()


def _fmt_number(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:,.0f}"


def _directions_text(directions: Any) -> str:
    if _blank(directions):
        return "unknown (drawn as a disc)"
    parts = []
    for item in directions:
        try:
            start, end = float(item[0]), float(item[1])
        except (TypeError, ValueError, IndexError):
            parts.append(_text(item))
            continue
        parts.append(f"{start:g}°" if start == end else f"{start:g}°–{end:g}°")
    return ", ".join(parts)


def _encode_ring(coords: np.ndarray) -> list[int]:
    """A ring as integers in units of 1e-5°: the first point, then the differences
    (closing point dropped). Shorter than decimals by about 3x, exact at that precision."""
    q = np.rint(np.asarray(coords)[:, :2] * _SCALE).astype(np.int64)
    if len(q) > 1 and (q[0] == q[-1]).all():
        q = q[:-1]
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = (np.diff(q, axis=0) != 0).any(axis=1)  # repeated points after rounding
    q = q[keep]
    if len(q) < 3:
        return []
    q[1:] = np.diff(q, axis=0)
    return q.ravel().tolist()


def _encode(geom: Any) -> list[list[list[int]]] | None:
    """A (Multi)Polygon as a list of polygons, each a list of encoded rings (outer first);
    None when nothing of it is left at 1e-5° precision."""
    polygons = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        rings = [_encode_ring(np.asarray(part.exterior.coords))]
        if not rings[0]:
            continue
        rings += [r for r in (_encode_ring(np.asarray(i.coords)) for i in part.interiors) if r]
        polygons.append(rings)
    return polygons or None


def _encode_all(geoms: Any) -> list[Any]:
    """Encoded geometries (see :func:`_encode`), simplified within ``SIMPLIFY_DEGREES``;
    None for a missing or empty one. A geometry that simplification would erase is kept
    as it was, so every non-empty input stays visible."""
    geoms = np.asarray(geoms, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out: list[Any] = [None] * len(geoms)
    if not present.any():
        return out
    simplified = shapely.simplify(geoms[present], SIMPLIFY_DEGREES, preserve_topology=False)
    for i, original, simple in zip(np.flatnonzero(present), geoms[present], simplified):
        out[i] = _encode(simple) or _encode(original)
    return out


def _bounds(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> list[list[float]] | None:
    if frame is None or len(frame) == 0:
        return None
    minx, miny, maxx, maxy = frame.total_bounds
    if not all(map(math.isfinite, (minx, miny, maxx, maxy))):
        return None
    return [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]]


def _to_storage(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> Any:
    if frame.crs is not None and frame.crs != settings.STORAGE_CRS:
        return frame.to_crs(settings.STORAGE_CRS)
    return frame


def _preset_label(name: str) -> str:
    try:
        from .fov import PRESETS
    except ImportError:  # pragma: no cover - fov is part of the package
        return name
    preset = PRESETS.get(name)
    return preset.label if preset is not None else name


# ------------------------------------------------------------------ layers


def _commune_layer(analysis: Analysis) -> _DataLayer:
    c = analysis.commune_figures
    row = analysis.commune.iloc[0]
    rows = [
        ["INSEE code", c.code],
        [f"area ({c.crs})", f"{c.area_km2:.3f} km²"],
        ["area (geodesic)", f"{c.geodesic_area_km2:.3f} km²"],
    ]
    if c.official_area_km2:
        rows.append(["official area", f"{c.official_area_km2:g} km²"])
    rows += [["boundary", _text(row["source"])], ["retrieved", _text(row["retrieved"])]]
    geometry = _encode_all(_to_storage(analysis.commune).geometry.to_numpy())
    features = [{"g": g, "t": c.name, "r": rows} for g in geometry if g is not None]
    return _DataLayer(
        "areas", features,
        {"key": "commune", "pane": "gcCommune", "style": _STYLES["commune"], "popup": True},
        name=f"Commune: {c.name}",
    )


def compliance_layer(key: str, title: str, frame: gpd.GeoDataFrame,
                     lines: list[str]) -> _DataLayer:
    """One compliance table as a map layer (off by default): its polygons, its points as
    10 m rings, each with the table's line for it in a popup."""
    frame = _to_storage(frame)
    metric = frame.to_crs(frame.estimate_utm_crs()).geometry.to_numpy()
    points = shapely.get_type_id(metric) == 0
    metric[points] = shapely.buffer(metric[points], 10.0, quad_segs=4)
    drawn = gpd.GeoSeries(metric, crs=frame.estimate_utm_crs()).to_crs(settings.STORAGE_CRS)
    features = [{"g": g, "t": title, "r": [["", line]]}
                for g, line in zip(_encode_all(drawn.to_numpy()), lines) if g is not None]
    return _DataLayer(
        "areas", features,
        {"key": f"compliance:{key}", "pane": "gcCover", "style": _STYLES["compliance"],
         "popup": True},
        name=f"Compliance: {title} ({len(frame)})", show=False,
    )


def nearby_neighbours(analysis: Analysis) -> gpd.GeoDataFrame | None:
    """The neighbouring communes to draw (EPSG:4326), None when none are known."""
    neighbours = analysis.neighbours
    if neighbours is None or len(neighbours) == 0:
        return None
    return _to_storage(neighbours)


def _neighbours_layer(neighbours: gpd.GeoDataFrame) -> _DataLayer:
    names = neighbours["name"] if "name" in neighbours else pd.Series([""] * len(neighbours))
    geometry = _encode_all(neighbours.geometry.to_numpy())
    features = [
        {"g": g, "t": "" if _blank(n) else _text(n)}
        for g, n in zip(geometry, names)
        if g is not None
    ]
    return _DataLayer(
        "areas", features,
        {"key": "neighbours", "pane": "gcNeighbours", "style": _STYLES["neighbours"],
         "tooltip": True},
        name=f"Neighbouring communes ({len(features)})",
    )


def _perimeter_layer(analysis: Analysis) -> _DataLayer | None:
    frame = analysis.perimeters.frame
    if frame is None or len(frame) == 0:
        return None
    frame = _to_storage(frame)
    geometry = _encode_all(frame.geometry.to_numpy())
    features = []
    labels = {"valid": "valid", "expired": "expired", "unknown": "validity date unknown"}
    for g, (_, p) in zip(geometry, frame.iterrows()):
        if g is None:
            continue
        status = str(p.get("status")) if p.get("status") in _STATUSES else "unknown"
        rows: list[list[Any]] = [["id", _text(p["id"])]]
        for label, column in (("decree", "decree_ref"), ("decree date", "decree_date"),
                              ("valid until", "valid_until")):
            if not _blank(p.get(column)):
                rows.append([label, _text(p[column])])
        rows.append(["status", labels[status]])
        url = p.get("source_url")
        if not _blank(url):
            link = safe_url(url)
            rows.append(["source", _text(url), link] if link else ["source", _text(url)])
        if not _blank(p.get("notes")):
            rows.append(["notes", _text(p["notes"])])
        if bool(p.get("repaired", False)):
            rows.append(["geometry", "repaired (the digitized polygon was invalid)"])
        title = _text(p["name"]) if not _blank(p.get("name")) else f"Perimeter {_text(p['id'])}"
        features.append({"g": g, "s": status, "t": title, "r": rows})
    counts = Counter(f["s"] for f in features)
    detail = ", ".join(f"{counts[s]} {s}" for s in _STATUSES if counts[s])
    return _DataLayer(
        "areas", features,
        {"key": "perimeters", "pane": "gcPerimeters", "popup": True,
         "styles": {s: _STYLES[s] for s in _STATUSES}},
        name=f"Authorized perimeters ({detail})",
    )


_CAMERA_FIELDS = [
    "id", "source", "location", "type", "directions", "height", "tilt", "surveillance",
    "surveillance type", "zone", "mount", "operator", "installed", "checked", "notes",
]
_FIELD = {name: i for i, name in enumerate(_CAMERA_FIELDS)}


def _source_group(camera_id: str) -> str:
    if camera_id.startswith("osm:"):
        return "osm"
    if camera_id.startswith("contrib:"):
        return "contrib"
    if camera_id.startswith("list:"):
        return ":".join(camera_id.split(":")[:2])
    return "other"


def _group_label(group: str, sources: pd.Series) -> str:
    if group == "osm":
        return "OpenStreetMap"
    if group == "contrib":
        return "contributions"
    common = sources.dropna().astype(str)
    if group.startswith("list:") and len(common):
        return common.mode().iloc[0]
    return group


def _camera_row(
    cam: pd.Series, layer_source: str | None
) -> tuple[list[list[Any]], str, list[list[str]]]:
    """A camera's popup rows (field index, text[, link]), its marker classes, its tags."""
    cid = _text(cam["id"])
    rows: list[list[Any]] = []
    match = _OSM_ID.match(cid)
    if match:
        rows.append([_FIELD["id"], cid, f"https://www.openstreetmap.org/{match[1]}/{match[2]}"])
    else:
        rows.append([_FIELD["id"], cid])
    source = cam.get("source")
    if not _blank(source) and _text(source) != layer_source:
        rows.append([_FIELD["source"], _text(source)])
    precision = cam.get("location_precision")
    precision = precision if precision in _PRECISIONS else "commune"
    rows.append([_FIELD["location"], _PRECISION_TEXT[precision]])
    camera_type = cam.get("camera_type")
    camera_type = camera_type if camera_type in _CAMERA_TYPES else "unknown"
    rows.append([_FIELD["type"], camera_type])
    rows.append([_FIELD["directions"], _directions_text(cam.get("directions"))])
    height = cam.get("height_m")
    rows.append([_FIELD["height"], f"{float(height):g} m" if not _blank(height)
                 else f"unknown (the model assumes {settings.DEFAULT_HEIGHT_M:g} m)"])
    tilt = cam.get("tilt_deg")
    if not _blank(tilt):
        rows.append([_FIELD["tilt"], f"{float(tilt):g}°"])
    for field, column in (("surveillance", "surveillance"),
                          ("surveillance type", "surveillance_type"),
                          ("zone", "zone"), ("mount", "mount"), ("operator", "operator"),
                          ("installed", "installed"), ("checked", "check_date"),
                          ("notes", "notes")):
        value = cam.get(column)
        if not _blank(value):
            rows.append([_FIELD[field], _text(value)])
    tags = cam.get("tags")
    extra = []
    if isinstance(tags, dict):
        extra = [[str(k), "" if _blank(v) else str(v)]
                 for k, v in sorted(tags.items(), key=lambda kv: str(kv[0]))]
    return rows, f"gc-t-{camera_type} gc-p-{precision}", extra


def _camera_layers(cameras: gpd.GeoDataFrame, cluster_threshold: int) -> list[_DataLayer]:
    cameras = _to_storage(cameras)
    points = cameras.geometry.to_numpy()
    ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
    ok &= shapely.get_type_id(np.where(ok, points, None)) == 0
    cameras = cameras[ok]
    if len(cameras) == 0:
        return []
    lon = np.round(shapely.get_x(cameras.geometry.to_numpy()), COORDINATE_DECIMALS)
    lat = np.round(shapely.get_y(cameras.geometry.to_numpy()), COORDINATE_DECIMALS)
    groups = cameras["id"].astype(str).map(_source_group)
    layers = []
    for group in dict.fromkeys(groups):
        mask = (groups == group).to_numpy()
        part = cameras[mask]
        sources = part["source"] if "source" in part else pd.Series([], dtype=object)
        label = _group_label(group, sources)
        layer_source = label if group.startswith("list:") else None
        shape = group if group in ("osm", "contrib") else "list"
        classes: list[str] = []
        data = []
        for (_, cam), y, x in zip(part.iterrows(), lat[mask], lon[mask]):
            rows, cls, extra = _camera_row(cam, layer_source)
            cls = f"{cls} gc-s-{shape}"
            if cls not in classes:
                classes.append(cls)
            title = _text(cam["name"]) if not _blank(cam.get("name")) else _text(cam["id"])
            data.append([float(y), float(x), classes.index(cls), title, rows, extra])
        common = [["source", layer_source]] if layer_source else []
        extra_label = {"osm": "OpenStreetMap tags", "contrib": "contributed fields"}.get(
            group, "original record")
        n = len(data)
        layers.append(_DataLayer(
            "cameras", data,
            {"key": f"cameras:{group}", "cluster": n > cluster_threshold, "classes": classes,
             "fields": _CAMERA_FIELDS, "rows": common, "extraLabel": extra_label},
            name=f"Cameras: {label} ({n:,})",
        ))
    return layers


def _fov_layer(preset: str, fields: gpd.GeoSeries, show: bool) -> _DataLayer | None:
    geometry = [g for g in _encode_all(_to_storage(fields).to_numpy()) if g is not None]
    if not geometry:
        return None
    return _DataLayer(
        "areas", geometry,
        {"key": f"fov:{preset}", "pane": "gcFov", "style": _STYLES["fov"]},
        name=f"Fields of view: {_preset_label(preset)} ({len(geometry):,})", show=show,
    )


def _figure_rows(figures: Any) -> list[list[str]]:
    """Readable rows from a coverage-figures object (a dataclass or a mapping)."""
    if dataclasses.is_dataclass(figures) and not isinstance(figures, type):
        items = dataclasses.asdict(figures).items()
    elif isinstance(figures, dict):
        items = figures.items()
    else:
        return []
    rows = []
    for key, value in items:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or _blank(value):
            continue
        label = str(key).replace("_", " ")
        if isinstance(value, float):
            if str(key).endswith("km2"):
                text = f"{value:.3f} km²"
                label = label.removesuffix(" km2")
            elif "share" in str(key):
                text = f"{100 * value:.2f} %"
            else:
                text = f"{value:g}"
        else:
            text = str(value)
        rows.append([label, text])
    return rows


def _cover_layer(preset: str, fields: gpd.GeoSeries, analysis: Analysis) -> _DataLayer | None:
    figures = analysis.camera_coverage.get(preset)
    seen = None if figures is None else figures.geometry
    if seen is None or seen.is_empty:
        return None
    geoms = fields.to_numpy()
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    # The area computed for the report, dissolved once for drawing.
    inside = gpd.GeoSeries([shapely.union_all(shapely.get_parts(seen))], crs=analysis.crs)
    inside = inside.to_crs(settings.STORAGE_CRS)
    [geometry] = _encode_all(inside.to_numpy())
    if geometry is None:
        return None
    rows = [["preset", _preset_label(preset)], ["cameras", f"{len(geoms):,}"]]
    rows += _figure_rows(analysis.camera_coverage.get(preset))
    rows.append(["note", "Mapped cameras are a lower bound of those that exist."])
    feature = {"g": geometry, "t": "Area seen by the mapped cameras, inside the commune", "r": rows}
    return _DataLayer(
        "areas", [feature],
        {"key": f"cover:{preset}", "pane": "gcCover", "style": _STYLES["cover"], "popup": True},
        name=f"Covered area: {_preset_label(preset)}", show=False,
    )


# ------------------------------------------------------------------ panels


_UNITS = {"authorized_area_km2": " km²", "camera_count": " cameras",
          "identification_range_m": " m", "retention_days": " days"}


def _claim_value(kind: str, value: float) -> str:
    if kind == "authorized_share":
        return f"{100 * value:g} %"
    return f"{value:g}{_UNITS.get(kind, '')}"


def _measured(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:.4g}"


def _claims_html(analysis: Analysis) -> str:
    h = html_text
    city = analysis.city
    out = [f'<details open data-gc-fold><summary><h2>{h(city.name)}: the claims and the map'
           "</h2></summary>"]
    from .report import summary

    sentences = summary(analysis)
    if sentences:
        out.append("<ul class='gc-summary'>" + "".join(f"<li>{h(t)}</li>" for t in sentences)
                   + "</ul>")
    if not analysis.verdicts:
        out.append("<p class='gc-muted'>No claim is configured for this commune "
                   "(data/&lt;city&gt;/city.toml).</p>")
    else:
        out.append("<ol class='gc-verdicts'>")
        for v in analysis.verdicts:
            verdict = v.verdict if v.verdict in _VERDICTS else "unverifiable"
            out.append(
                f"<li class='gc-v-{verdict}'><span class='gc-badge'>{h(v.verdict)}</span> "
                f"<b>{h(_claim_value(v.kind, v.value))}</b> <small>({h(v.id)}; {h(v.source)}, "
                f"{h(v.date)})</small>"
            )
            if v.quote:
                out.append(f"<div class='gc-quote'>“{h(v.quote)}”</div>")
            out.append(f"<div>{h(v.explanation)}</div>")
            if v.checks:
                out.append("<details><summary>checks</summary><ul>")
                for c in v.checks:
                    measured = _measured(c.measured)
                    extra = f"; measured {h(measured)}" if measured else ""
                    tol = f"; tolerance {h(c.tolerance)}" if c.tolerance else ""
                    out.append(f"<li>against {h(c.against)}: <b>{h(c.verdict)}</b>"
                               f"{extra}{tol}</li>")
                out.append("</ul></details>")
            out.append("</li>")
        out.append("</ol>")
    out.append("</details>")
    return "".join(out)


def _swatch(style: dict[str, Any]) -> str:
    border = "dashed" if style.get("dashArray") else "solid"
    fill = style.get("fillColor", "transparent") if style.get("fill", True) else "transparent"
    opacity = style.get("fillOpacity", 0.2) if style.get("fill", True) else 0
    rgba = _rgba(fill, float(opacity) + 0.15) if fill != "transparent" else "transparent"
    return (f"<span class='gc-sw' style='border:2px {border} {style.get('color', '#333')};"
            f"background:{rgba}'></span>")


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{min(alpha, 1):.2f})"


def _legend_html(*, perimeters: bool, cameras: set[str], fov: bool, cover: bool,
                 neighbours: bool) -> str:
    items = [f"<li>{_swatch(_STYLES['commune'])}commune boundary</li>"]
    if neighbours:
        items.append(f"<li>{_swatch(_STYLES['neighbours'])}neighbouring communes</li>")
    if perimeters:
        items += [
            f"<li>{_swatch(_STYLES['valid'])}authorized perimeter, valid</li>",
            f"<li>{_swatch(_STYLES['expired'])}authorized perimeter, expired</li>",
            f"<li>{_swatch(_STYLES['unknown'])}authorized perimeter, validity unknown</li>",
        ]
    if cameras:
        for t, text in (("fixed", "fixed camera"), ("dome", "dome"), ("panning", "panning (PTZ)"),
                        ("unknown", "type unknown")):
            items.append(f"<li><span class='gc-cam gc-t-{t} gc-s-osm'><i></i></span> {text}</li>")
        shapes = {"osm": "round: OpenStreetMap", "list": "square: official list",
                  "contrib": "diamond: contribution"}
        for s in ("osm", "list", "contrib"):
            if s in cameras:
                items.append(f"<li><span class='gc-cam gc-t-unknown gc-s-{s}'><i></i></span> "
                             f"{shapes[s]}</li>")
        items.append("<li><span class='gc-cam gc-t-unknown gc-s-list gc-p-street'><i></i></span> "
                     "faded: approximate position (street or commune)</li>")
        items.append("<li class='gc-muted'>numbered discs: clusters of cameras (zoom in)</li>")
    if fov:
        items.append(f"<li>{_swatch(_STYLES['fov'])}field of view of a camera (modelled)</li>")
    if cover:
        items.append(f"<li>{_swatch(_STYLES['cover'])}area seen by the mapped cameras</li>")
    return ("<details open data-gc-fold><summary>Legend</summary><ul class='gc-legend' "
            "style='list-style:none;padding-left:0'>" + "".join(items) + "</ul></details>")


def _about_html(analysis: Analysis, report_href: str | None, markdown_href: str | None,
                presets: Sequence[str]) -> str:
    from . import __version__

    h = html_text
    link = ""
    if report_href:
        link = f" · <a href='{h(report_href)}'>how this was computed</a>"
    made = h(analysis.generated[:10])
    out = [f"<details data-gc-fold><summary>Sources and dates (map of {made}){link}</summary>"]
    out.append(f"<p>Made by geocover {h(__version__)} on {h(analysis.generated)}.</p>")
    if report_href:
        md = f" (<a href='{h(markdown_href)}'>Markdown</a>)" if markdown_href else ""
        out.append(f"<p>The figures, the verdicts and their reasoning: "
                   f"<a href='{h(report_href)}'>the report</a>{md}.</p>")
    out.append("<ul>")
    for s in analysis.sources:
        when = f", retrieved {h(s.retrieved)}" if s.retrieved else ""
        count = f", {s.count:,} features" if s.count is not None else ""
        out.append(f"<li><b>{h(s.layer)}</b>: {h(s.origin)}{when}{count}. "
                   f"<span class='gc-muted'>{h(s.attribution)}</span></li>")
    out.append("</ul>")
    if presets:
        out.append("<p>Fields of view are modelled (wedge or disc from each camera's type, "
                   "direction and height) under named presets: "
                   + ", ".join(h(_preset_label(p)) for p in presets)
                   + ". Mapped cameras are a lower bound of those that exist.</p>")
    if analysis.warnings:
        out.append(f"<details><summary>{len(analysis.warnings)} warning(s)</summary><ul>")
        out += [f"<li>{h(w)}</li>" for w in analysis.warnings[:20]]
        if len(analysis.warnings) > 20:
            out.append(f"<li>… and {len(analysis.warnings) - 20} more (see the report)</li>")
        out.append("</ul></details>")
    libs = ", ".join(f"{h(k)} {h(v)}" for k, v in _assets.asset_versions().items()
                     if k != "jQuery")
    out.append(f"<p class='gc-muted'>Attribution: © OpenStreetMap contributors (ODbL); "
               f"IGN – ADMIN EXPRESS (Licence Ouverte). Map code: {libs}, inlined.</p>")
    out.append("</details>")
    return "".join(out)


# ------------------------------------------------------------------ public API


def _select_presets(analysis: Analysis, presets: Iterable[str] | None) -> list[str]:
    available = [p for p in analysis.presets if p in analysis.fields]
    available += [p for p in analysis.fields if p not in available]
    if presets is None:
        return available
    chosen = list(dict.fromkeys(presets))
    missing = [p for p in chosen if p not in analysis.fields]
    if missing:
        have = ", ".join(available) or "none (no camera was mapped)"
        raise UsageError(
            f"no fields of view computed for preset(s) {', '.join(missing)} (computed: {have})"
        )
    return chosen


def report_paths(map_path: str | Path) -> tuple[Path, Path]:
    """Where the report beside a map goes: ``<stem>-report.txt`` and ``<stem>-report.md``."""
    map_path = Path(map_path)
    return (map_path.with_name(f"{map_path.stem}-report.txt"),
            map_path.with_name(f"{map_path.stem}-report.md"))


def default_map_path(analysis: Analysis, directory: str | Path = DEFAULT_DIRECTORY) -> Path:
    """``maps/<city>.html``."""
    return Path(directory) / f"{analysis.city.slug}.html"


def build_map(
    analysis: Analysis,
    *,
    tiles: str = "osm",
    presets: Iterable[str] | None = None,
    report_href: str | None = None,
    cluster_threshold: int = CLUSTER_THRESHOLD,
    propose: bool = True,
) -> folium.Map:
    """The interactive map of ``analysis``: a self-contained :class:`folium.Map`.

    Parameters
    ----------
    analysis : Analysis
        What :func:`geocover.analyse` computed; layers it does not have are left out.
    tiles : {"osm", "none"}
        OpenStreetMap's tiles as background (the page's only outside request), or none.
    presets : iterable of str, optional
        The field-of-view presets to show, among those in ``analysis.fields`` (default:
        all of them). The first is shown on opening, the others can be switched on.
    report_href : str, optional
        A link (relative to the map) to the report that explains the figures.
    cluster_threshold : int
        A camera layer with more markers than this is clustered.
    propose : bool
        Add the "propose" mode (closed until opened): place cameras or draw a perimeter
        and download them for ``contrib add`` / ``perimeters add`` (:mod:`geocover.propose`).

    Raises
    ------
    UsageError
        An unknown ``tiles`` value, or a preset without computed fields of view.

    Examples
    --------
    >>> analysis = analyse("metz", bundle="../shared/data")  # doctest: +SKIP
    >>> build_map(analysis, tiles="none").save("metz.html")  # doctest: +SKIP
    """
    if tiles not in TILES:
        raise UsageError(f"unknown tiles {tiles!r} (choose from {', '.join(TILES)})")
    chosen = _select_presets(analysis, presets)
    commune = _to_storage(analysis.commune)
    centroid = commune.geometry.iloc[0].representative_point()
    camera_layers = (
        _camera_layers(analysis.cameras, cluster_threshold)
        if analysis.cameras is not None and len(analysis.cameras) else []
    )
    cluster = any(layer.settings.get("cluster") for layer in camera_layers)
    fmap = GeocoverMap(
        location=[round(centroid.y, 5), round(centroid.x, 5)],
        zoom_start=12,
        tiles=None,
        control_scale=False,
        cluster=cluster,
    )
    title = f"{analysis.city.name}: video-surveillance claims and the map"
    fmap.get_root().title = html_text(title)
    attributions = [OSM_ATTRIBUTION_HTML, IGN_ATTRIBUTION_HTML]
    fmap.add_child(_Call("setup", {"panes": _PANES, "attribution": attributions, "maxZoom": 19,
                                   "bounds": _bounds(commune)}))
    if tiles == "osm":
        folium.TileLayer(OSM_TILES_URL, attr=OSM_ATTRIBUTION_HTML, name="OpenStreetMap",
                         max_zoom=19, control=False).add_to(fmap)

    neighbours = nearby_neighbours(analysis)
    if neighbours is not None:
        fmap.add_child(_neighbours_layer(neighbours))
    fmap.add_child(_commune_layer(analysis))
    perimeter_layer = _perimeter_layer(analysis)
    if perimeter_layer is not None:
        fmap.add_child(perimeter_layer)
    covers = []
    for preset in chosen:
        cover = _cover_layer(preset, analysis.fields[preset], analysis)
        if cover is not None:
            covers.append(cover)
    for cover in covers:
        fmap.add_child(cover)
    shown = False
    for preset in chosen:
        fov = _fov_layer(preset, analysis.fields[preset], show=not shown)
        if fov is not None:
            fmap.add_child(fov)
            shown = True
    for layer in camera_layers:
        fmap.add_child(layer)
    # The compliance tables (cameras outside perimeters, expiring decrees…), off by default.
    from .compliance import add_to_map, compliance_tables

    add_to_map(fmap, compliance_tables(analysis))

    shapes: set[str] = set()
    for layer in camera_layers:
        shapes.update(re.findall(r"gc-s-(\w+)", " ".join(layer.settings["classes"])))
    markdown_href = None
    if report_href:
        markdown_href = report_href[:-4] + ".md" if report_href.endswith(".txt") else None
    fmap.add_child(_Call("panel", "topright", _claims_html(analysis), "gc-claims"))
    fmap.add_child(_Call("panel", "bottomright",
                         _about_html(analysis, report_href, markdown_href, chosen), "gc-about"))
    fmap.add_child(_Call("panel", "bottomleft", _legend_html(
        perimeters=perimeter_layer is not None, cameras=shapes, fov=shown,
        cover=bool(covers), neighbours=neighbours is not None), "gc-legend-panel"))
    fmap.add_child(LayerControl(position="topleft", collapsed=True))
    if propose:
        from .propose import add_propose_mode

        add_propose_mode(fmap, city=analysis.city)
    fmap.add_child(_Call("done"))
    return fmap


def render_map(analysis: Analysis, **kwargs: Any) -> str:
    """The map's HTML page (see :func:`build_map` for the parameters)."""
    return build_map(analysis, **kwargs).get_root().render()


def write_map(
    analysis: Analysis,
    path: str | Path | None = None,
    *,
    tiles: str = "osm",
    presets: Iterable[str] | None = None,
    report: bool = True,
    cluster_threshold: int = CLUSTER_THRESHOLD,
    propose: bool = True,
) -> list[Path]:
    """Write the map to ``path`` (default ``maps/<city>.html``) atomically, and the report
    it links to beside it (``<stem>-report.txt`` and ``.md``) unless ``report=False``.

    Returns
    -------
    list of Path
        The files written, the map first.
    """
    from .report import render

    path = Path(path) if path is not None else default_map_path(analysis)
    written = []
    href = None
    if report:
        text_path, md_path = report_paths(path)
        href = quote(text_path.name)
    page = render_map(analysis, tiles=tiles, presets=presets, report_href=href,
                      cluster_threshold=cluster_threshold, propose=propose)
    write_atomic(path, page.encode("utf-8"))
    written.append(path)
    if report:
        write_atomic(text_path, render(analysis, "text").encode("utf-8"))
        write_atomic(md_path, render(analysis, "markdown").encode("utf-8"))
        written += [text_path, md_path]
    return written
