"""The map's "propose" mode: place cameras or draw a perimeter, download them as GeoJSON.

A control on the map ("Propose a camera / a perimeter", closed until a reader opens it)
lets a mapper click cameras into place (type, direction as a number or a dragged arrow,
height, what it watches, name, note) or draw the outline of a perimeter (id, name,
notes, decree reference and date), and download ``cameras.geojson`` or
``perimeter.geojson``, made in the page with nothing sent anywhere. The files use the
keys :func:`geocover.pipeline.contribute.add.add_contributions` and
:func:`geocover.pipeline.perimeters_add.add_perimeters` read, so ``geocover contrib add`` and
``geocover perimeters add`` take them as they are. See ``docs/map.md``.

The page code is ``geocover/outputs/webmap/static/propose.js`` and ``propose.css`` (geocover's own,
plain JavaScript on Leaflet's API), inlined by :func:`add_propose_mode`. What a user
types is only ever read with ``.value`` and shown with ``textContent``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import folium
from branca.element import MacroElement

from geocover.outputs.escape import inline_script, inline_style, js_json
from geocover.outputs.webmap.assets import own_static
from geocover.outputs.webmap.elements import RawHtml, page_of, parent_name
from geocover.schema.city import City
from geocover.schema.contrib_vocab import MAX_CONTRIB_HEIGHT_M
from geocover.schema.vocab import OSM_CAMERA_TYPES, SURVEILLANCE_VALUES

#: Coordinates in the downloaded files are rounded to this many decimals (about 10 cm).
COORDINATE_DECIMALS = 6
#: The names the downloaded files are offered under.
CAMERAS_FILE = "cameras.geojson"
PERIMETER_FILE = "perimeter.geojson"




def propose_js() -> str:
    """The propose mode's script (``geocover/outputs/webmap/static/propose.js``)."""
    return own_static("propose.js")


def propose_css() -> str:
    """The propose mode's stylesheet (``geocover/static/propose.css``)."""
    return own_static("propose.css")


class _ProposeMode(MacroElement):
    """The propose mode's style and script in the page's head, and
    ``geocover.propose(<the map>, <options>)`` in its script; both as
    :class:`~geocover.outputs.webmap.elements.RawHtml`, never templated."""

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__()
        self._name = "GeocoverPropose"
        self.options_js = js_json(options)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca says -> str
        figure = page_of(self)
        # Added while the map renders, so after Leaflet and geocover's own script.
        figure.header.add_child(
            RawHtml(f"<style>\n{inline_style(propose_css())}\n</style>\n"
                    f"<script>\n{inline_script(propose_js())}\n</script>"),
            name="geocover_propose_assets",
        )
        figure.script.add_child(
            RawHtml(f"geocover.propose({parent_name(self)}, {self.options_js});\n"),
            name=self.get_name(),
        )


def add_propose_mode(m: folium.Map, *, city: City | None = None) -> folium.Map:
    """Add the propose mode's control to ``m`` (a map built by
    :func:`geocover.outputs.webmap.build.build_map`) and return ``m``.

    Parameters
    ----------
    city : City, optional
        The map's city: its slug goes into the commands the page suggests
        (``geocover contrib add cameras.geojson <slug>``) when it has a city folder.
    """
    slug = city.slug if city is not None and city.folder != Path(".") else None
    options = {
        "cameraTypes": list(OSM_CAMERA_TYPES),
        "surveillance": list(SURVEILLANCE_VALUES),
        "maxHeight": MAX_CONTRIB_HEIGHT_M,
        "decimals": COORDINATE_DECIMALS,
        "files": {"cameras": CAMERAS_FILE, "perimeters": PERIMETER_FILE},
        "city": slug,
    }
    m.add_child(_ProposeMode(options), name="geocover_propose")
    return m
