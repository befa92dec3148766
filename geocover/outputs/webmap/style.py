"""The interactive HTML map of an :class:`~geocover.pipeline.analysis.Analysis`, self-contained.

:func:`build_map` returns a :class:`folium.Map`; :func:`write_map` writes it (and the
report it links to) atomically. The page is made to be opened from a link or an e-mail,
on a phone, with nothing fetched but the background tiles:

* Leaflet and Leaflet.markercluster are inlined from their installed XStatic packages
  (:mod:`geocover.outputs.webmap.assets`); folium's CDN links (Bootstrap, Font Awesome,
  awesome-markers, jQuery) are removed, and no folium feature that needs them is used.
  The only outside request is the OpenStreetMap tile layer; ``tiles="none"`` removes it.
* Every text that comes from a contributor, a digitizer or OpenStreetMap reaches the page
  as JSON data (:func:`geocover.outputs.escape.js_json`) and is put into popups with
  ``textContent`` by the page's own script; the panels built here are escaped with
  :func:`geocover.outputs.escape.html_text`. No folium ``Popup``/``Tooltip``/``GeoJsonPopup``
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

import re
from pathlib import Path
from typing import Any

from geocover.i18n import N_
from geocover.schema.vocab import CAMERA_TYPES

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

#: How a camera's position is known, for its popup (translated where shown); the street
#: (or crossing) is named when the source gives it.
_PRECISION_TEXT = {
    "exact": N_("exact (surveyed position)"),
    "crossing": N_("at a street crossing (placed there from a list, not surveyed)"),
    "street": N_("somewhere in this street (approximate)"),
    "commune": N_("somewhere in the commune (position unknown)"),
}
_PRECISION_NAMED = {
    "crossing": N_("at the crossing {place} (placed there from a list, not surveyed)"),
    "street": N_("somewhere in {place} (approximate)"),
}
_CAMERA_TYPES = CAMERA_TYPES
_PRECISIONS = ("exact", "crossing", "street", "commune")
_STATUSES = ("valid", "expired", "unknown")
_VERDICTS = ("consistent", "contradicted", "unverifiable")
_OSM_ID = re.compile(r"^osm:(node|way|relation)/(\d+)$")
_FACTORIES = frozenset({"areas", "cameras", "choropleth", "sectors"})

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
