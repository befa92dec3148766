"""The readers' map: a self-contained folium page built from an analysis.

``build`` assembles the page, ``layers`` and ``panels`` make its parts, ``encode`` turns
values and geometries into the page's data, ``elements`` holds the one safe layer factory
(data in as escaped JSON, drawn by ``static/map.js`` with textContent only), ``assets``
inlines Leaflet from the installed XStatic packages, ``propose`` adds the mappers' mode.
"""

from geocover.outputs.webmap.build import (
    build_map,
    default_map_path,
    render_map,
    report_paths,
    write_map,
)
from geocover.outputs.webmap.elements import GeocoverMap, RawHtml
from geocover.outputs.webmap.layers import compliance_layer, nearby_neighbours
from geocover.outputs.webmap.style import TILES

__all__ = [
    "TILES",
    "GeocoverMap",
    "RawHtml",
    "build_map",
    "compliance_layer",
    "default_map_path",
    "nearby_neighbours",
    "render_map",
    "report_paths",
    "write_map",
]
