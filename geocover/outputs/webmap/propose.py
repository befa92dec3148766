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

from geocover.i18n import N_, translator
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
#: A camera is placed only at this zoom or closer (street level: about 1 m a pixel at
#: 49° N): a click on a town-wide view would put it tens of metres from where it stands.
MIN_PLACE_ZOOM = 17
#: The uncertainty of a click, in screen pixels (a finger's is larger): the position's
#: precision recorded is this many pixels on the ground at the zoom the camera was placed.
CLICK_PX = 4
TOUCH_PX = 10
#: The property that records it in the downloaded file (a geocover key, never sent to OSM).
PRECISION_KEY = "geocover:position_precision_m"

#: Every text of the mode, by key (``{n}``, ``{file}``… are filled in by the script).
STRINGS: dict[str, str] = {
    "toggle": N_("Propose a camera / a perimeter"),
    "toggleTitle": N_("Place cameras or draw a perimeter, and download them for geocover"),
    "region": N_("Propose cameras or a perimeter"),
    "heading": N_("Propose"),
    "close": N_("Close (your proposals are kept until you leave the page)"),
    "nothingSent": N_("Nothing is sent anywhere: the file is made in your browser, for you "
                      "to add with geocover (docs/contributing.md)."),
    "cameras": N_("Cameras"),
    "perimeter": N_("Perimeter"),
    "cameraHint": N_("Zoom in to street level, then click the map to place a camera. Drag it "
                     "to move it; drag its arrow, or type degrees, to say where it looks."),
    "download": N_("Download {file}"),
    "perimeterHint": N_("Click the map to add corners; double-click, click the first corner "
                        "or press Finish to close the outline. Drag corners to adjust. One "
                        "decree per file."),
    "decreeRef": N_("decree ref."),
    "decreeDate": N_("decree date"),
    "finish": N_("Finish"),
    "finishTitle": N_("Close the outline being drawn"),
    "undo": N_("Undo corner"),
    "undoTitle": N_("Remove the last corner"),
    "cancel": N_("Cancel"),
    "cancelTitle": N_("Drop the outline being drawn (Esc)"),
    "markerTitle": N_("proposed camera: drag to move it"),
    "handleTitle": N_("drag to set the direction"),
    "camera": N_("Camera {n}"),
    "remove": N_("remove"),
    "removeCamera": N_("Remove this camera"),
    "type": N_("type"),
    "unknown": N_("unknown"),
    "direction": N_("direction (°)"),
    "directionPlaceholder": N_("0–360, from north"),
    "height": N_("height (m)"),
    "heightPlaceholder": N_("e.g. 5"),
    "watches": N_("watches"),
    "name": N_("name"),
    "optional": N_("optional"),
    "note": N_("note"),
    "where": N_("at {lat}, {lng} (lat, lon), to within about {m} m (placed at zoom {zoom})"),
    "badDirection": N_("camera {n}: the direction is degrees from 0 to 360 (clockwise from "
                       "north)"),
    "badHeight": N_("camera {n}: the height is metres, more than 0 and at most {max}"),
    "placeFirst": N_("Place a camera first: click the map where it is."),
    "fixFirst": N_("Fix first: {problems}."),
    "camerasDone": N_("{file}: {n} camera(s). Add it with:"),
    "tooFar": N_("Not placed: zoom in to street level first (zoom {min} or closer; the map is "
                 "at {zoom}), so that the camera is recorded where it stands. The map is "
                 "now zoomed in on the place you clicked: click again."),
    "cornerTitle": N_("drag to move this corner"),
    "perimeterN": N_("Perimeter {n}"),
    "removePerimeter": N_("Remove this perimeter"),
    "id": N_("id"),
    "idPlaceholder": N_("optional, e.g. zone-1"),
    "notes": N_("notes"),
    "corners": N_("{n} corners, about {area}"),
    "crossing": N_("The outline crosses itself: drag a corner to fix it."),
    "finishDraft": N_("Finish the outline being drawn (at least 3 corners), or cancel it."),
    "drawFirst": N_("Draw a perimeter first: click the map at its corners."),
    "badDate": N_("the decree date is YYYY-MM-DD"),
    "fewCorners": N_("perimeter {n} has fewer than 3 corners"),
    "selfCrossing": N_("perimeter {n}: the outline crosses itself (drag a corner)"),
    "sameId": N_("perimeters {a} and {b} have the same id"),
    "perimetersDone": N_("{file}: {n} polygon(s). Add it with:"),
    "startOutline": N_("Click the map to start an outline."),
    "needCorners": N_("A perimeter needs at least 3 corners ({n} so far)."),
}
#: The values offered in the form, as readers read them.
VALUE_LABELS: dict[str, str] = {
    "fixed": N_("fixed"), "dome": N_("dome"), "panning": N_("panning"),
    "public": N_("public space"), "outdoor": N_("private outdoor area"), "indoor": N_("indoors"),
}



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


def add_propose_mode(m: folium.Map, *, city: City | None = None,
                     lang: str = "en") -> folium.Map:
    """Add the propose mode's control to ``m`` (a map built by
    :func:`geocover.outputs.webmap.build.build_map`) and return ``m``.

    Parameters
    ----------
    city : City, optional
        The map's city: its slug goes into the commands the page suggests
        (``geocover contrib add cameras.geojson <slug>``) when it has a city folder.
    lang : str
        The readers' language (``fr``, ``en``) of the mode's text.
    """
    tr = translator(lang)
    slug = city.slug if city is not None and city.folder != Path(".") else None
    options = {
        "cameraTypes": list(OSM_CAMERA_TYPES),
        "surveillance": list(SURVEILLANCE_VALUES),
        "maxHeight": MAX_CONTRIB_HEIGHT_M,
        "decimals": COORDINATE_DECIMALS,
        "files": {"cameras": CAMERAS_FILE, "perimeters": PERIMETER_FILE},
        "city": slug,
        "lang": tr.lang,
        "minZoom": MIN_PLACE_ZOOM,
        "clickPx": CLICK_PX,
        "touchPx": TOUCH_PX,
        "precisionKey": PRECISION_KEY,
        "text": {key: tr.gettext(message) for key, message in STRINGS.items()},
        "labels": {key: tr.gettext(message) for key, message in VALUE_LABELS.items()},
    }
    m.add_child(_ProposeMode(options), name="geocover_propose")
    return m
