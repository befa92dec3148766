"""What readers expect from a surveillance map: search, permalink, "locate me", filters,
a timeline, downloads, printing and "your rights" (issue 14, item 5).

Everything runs in the page, offline: the search looks in what the page holds (the
commune and its neighbours, the streets of the camera addresses and of the street layer,
camera numbers and ids), the downloads are made in the browser (GeoJSON and CSV of the
cameras, GeoJSON of the covered areas), the position of "locate me" never leaves it, and
the request letter of "your rights" is printed or saved by the reader.

The data goes to ``static/reader.js`` as one JSON object (:func:`reader_data`): text is
translated here (``analysis.tr``) and put into the page by the script with
``textContent`` only; the script finds the map's layers through ``geocover.layers``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import MacroElement

from geocover.i18n import N_
from geocover.outputs.escape import js_json
from geocover.outputs.webmap.elements import (
    GeocoverMap,
    JsonText,
    RawHtml,
    page_of,
    parent_name,
)
from geocover.outputs.webmap.encode import (
    _blank,
    _preset_label,
    _records,
    _text,
    _to_storage,
)
from geocover.outputs.webmap.reader_text import STRINGS, rights_data
from geocover.pipeline.analysis import Analysis
from geocover.schema.ids import LIST_PREFIX, OSM_PREFIX, camera_source
from geocover.schema.scope import OPERATOR_CLASSES, SourceScope
from geocover.schema.text import _directions_text
from geocover.schema.vocab import CAMERA_TYPES

#: Positions in the page's reader data: 5 decimals (about 1 m), as the markers.
DECIMALS = 5
#: Operator classes offered by the filter, in this order (those present are shown).
OPERATORS: tuple[str, ...] = tuple(OPERATOR_CLASSES)
OPERATOR_LABELS = {
    "public": N_("public operator"),
    "municipal_police": N_("municipal police"),
    "national_police": N_("national police"),
    "private": N_("private"),
    "unknown": N_("operator unknown"),
}
TYPE_LABELS = {
    "fixed": N_("fixed"),
    "dome": N_("dome"),
    "panning": N_("panning"),
    "unknown": N_("type unknown"),
}
#: Words a street name starts with (French), to tell a street in an address from a
#: landmark ("pilier sud de la Tour Eiffel").
_STREET_WORDS = (
    "allée", "allee", "avenue", "av.", "boulevard", "bd", "carrefour", "chaussée", "chemin",
    "cité", "cour", "cours", "esplanade", "galerie", "impasse", "jardin", "parvis", "passage",
    "passerelle", "place", "pont", "port", "porte", "promenade", "quai", "rond-point", "route",
    "rue", "ruelle", "sentier", "square", "villa", "voie",
)
_STREET = re.compile(r"^\s*(?:\d+\s*(?:bis|ter)?[\s,]+)?((?:" + "|".join(
    re.escape(w) for w in _STREET_WORDS) + r")\b.*)$", re.IGNORECASE)


def street_names(address: Any) -> list[str]:
    """The street names of an address: its parts (split at ``,``, ``/``, `` x ``, `` et ``,
    `` angle ``) that start with a street word, house numbers dropped.

    Examples
    --------
    >>> street_names("Boulevard Arago, rue du Faubourg Saint Jacques")
    ['Boulevard Arago', 'Rue du Faubourg Saint Jacques']
    >>> street_names("Avenue Gustave Eiffel, pilier sud de la Tour Eiffel")
    ['Avenue Gustave Eiffel']
    >>> street_names("12 rue Serpenoise / angle place de la République")
    ['Rue Serpenoise', 'Place de la République']
    """
    if _blank(address):
        return []
    out = []
    for part in re.split(r"\s*(?:[,/;]|\bx\b|\bet\b|\bangle\b|\bface\b|\bdevant\b)\s*",
                         _text(address), flags=re.IGNORECASE):
        match = _STREET.match(part)
        if match:
            name = re.sub(r"\s+", " ", match.group(1)).strip(" .-")
            name = name[0].upper() + name[1:]
            if name not in out:
                out.append(name)
    return out


def _fold(text: str) -> str:
    """A name compared without case or accents (``Rue de l'Église`` = ``rue de l'eglise``)."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _scopes(ids: Any) -> dict[str, SourceScope]:
    """The scope of each source of the cameras (what operator an official list holds)."""
    from geocover.sources import citizen
    from geocover.sources.layers import CONTRIB_SCOPE, LISTS, OSM_SCOPE

    scopes: dict[str, SourceScope] = {"osm": OSM_SCOPE, "contrib": CONTRIB_SCOPE,
                                      citizen.SCOPE.key: citizen.SCOPE}
    for key in {camera_source(i) for i in ids}:
        if key.startswith(LIST_PREFIX) and key not in scopes:
            definition = LISTS.get(key[len(LIST_PREFIX):])
            if definition is not None:
                scopes[key] = definition.scope()
    return scopes


def camera_number(camera_id: str) -> str:
    """What a reader calls a camera: the record of an official list (``43339``), the OSM
    element (``node/123``), else the id.

    >>> camera_number("list:paris-police-2025:43339"), camera_number("osm:node/12")
    ('43339', 'node/12')
    """
    if camera_id.startswith(LIST_PREFIX) and camera_id.count(":") >= 2:
        return camera_id.split(":", 2)[2]
    if camera_id.startswith(OSM_PREFIX):
        return camera_id[len(OSM_PREFIX):]
    return camera_id


def _cell(value: Any) -> str | None:
    return None if _blank(value) else _text(value)


#: The columns of a camera row in the page after its position, id, operator, type,
#: installed date, streets and source (``static/reader.js`` rebuilds the downloaded
#: files' properties from them: OSM keys that ``geocover contrib add`` reads back).
EXPORT_KEYS: tuple[str, ...] = ("name", "camera:direction", "height", "surveillance",
                                "operator", "note", "location_precision")


def _export_values(cam: Mapping[str, Any]) -> list[str | None]:
    values = {
        "name": cam.get("name"),
        "camera:direction": None if _blank(cam.get("directions"))
        else _directions_text(cam["directions"]),
        "height": None if _blank(cam.get("height_m")) else f"{float(cam['height_m']):g}",
        "surveillance": cam.get("surveillance"), "operator": cam.get("operator"),
        "note": cam.get("notes"), "location_precision": cam.get("location_precision"),
    }
    return [_cell(values[k]) for k in EXPORT_KEYS]


def _cameras(analysis: Analysis) -> tuple[list[list[Any]], list[str], dict[str, Any]]:
    """One row per camera drawn on the map, the sources named, and the streets their
    addresses name: ``[lat, lng, id, operator, type, installed, [street…], source,
    *EXPORT_KEYS]`` (trailing nulls left out; streets as their names for now)."""
    from geocover.model.scope import operator_class

    streets: dict[str, dict[str, Any]] = {}
    sources: list[str] = []
    cameras = analysis.cameras
    if cameras is None or len(cameras) == 0:
        return [], sources, streets
    cameras = _to_storage(cameras)
    points = cameras.geometry.to_numpy()
    ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
    ok &= shapely.get_type_id(np.where(ok, points, np.array(None, dtype=object))) == 0
    cameras = cameras[ok]
    scopes = _scopes(cameras["id"])
    lon = np.round(shapely.get_x(cameras.geometry.to_numpy()), DECIMALS)
    lat = np.round(shapely.get_y(cameras.geometry.to_numpy()), DECIMALS)
    rows = []
    for cam, y, x in zip(_records(cameras), lat, lon, strict=True):
        cid = _text(cam["id"])
        key = camera_source(cid)
        scope = scopes.get(key) or SourceScope(key=key, kind="file", label=key)
        tags = cam.get("tags")
        operator = operator_class(tags if isinstance(tags, Mapping) else None,
                                  cam.get("operator"), cam.get("surveillance"), scope)
        camera_type = cam.get("camera_type") if cam.get("camera_type") in CAMERA_TYPES \
            else "unknown"
        names = street_names(cam.get("name")) if cid.startswith(LIST_PREFIX) else []
        for name in names:
            entry = streets.setdefault(_fold(name), {"name": name, "box": [y, x, y, x], "n": 0})
            box = entry["box"]
            entry["box"] = [min(box[0], y), min(box[1], x), max(box[2], y), max(box[3], x)]
            entry["n"] += 1
        source = _cell(cam.get("source")) or ""
        if source not in sources:
            sources.append(source)
        row: list[Any] = [float(y), float(x), cid, OPERATORS.index(operator),
                          CAMERA_TYPES.index(camera_type), (_cell(cam.get("installed")) or "")[:10],
                          [_fold(n) for n in names], sources.index(source),
                          *_export_values(cam)]
        while row[-1] is None:
            row.pop()
        rows.append(row)
    return rows, sources, streets


def _highway_streets(analysis: Analysis, streets: dict[str, dict[str, Any]]) -> None:
    """The named streets of the street layer (when read), added to ``streets``."""
    highways = analysis.highways
    if highways is None or len(highways) == 0 or "name" not in highways:
        return
    highways = _to_storage(highways)
    named = highways[highways["name"].notna()]
    bounds = shapely.bounds(named.geometry.to_numpy())
    for name, (west, south, east, north) in zip(named["name"], bounds, strict=True):
        if not all(math.isfinite(v) for v in (west, south, east, north)):
            continue
        text = _text(name)
        if not text:
            continue
        entry = streets.setdefault(_fold(text), {"name": text, "box": [south, west, north, east],
                                                 "n": 0})
        box = entry["box"]
        entry["box"] = [min(box[0], south), min(box[1], west), max(box[2], north),
                        max(box[3], east)]


def _places(analysis: Analysis) -> list[list[Any]]:
    """The commune and its neighbours: ``[name, south, west, north, east]``."""
    out = []
    frames = [analysis.commune]
    if analysis.neighbours is not None and len(analysis.neighbours):
        frames.append(analysis.neighbours)
    for frame in frames:
        frame = _to_storage(frame)
        names = frame["name"] if "name" in frame else [analysis.city.name] * len(frame)
        for name, geometry in zip(names, frame.geometry, strict=True):
            if _blank(name) or geometry is None or geometry.is_empty:
                continue
            west, south, east, north = geometry.bounds
            out.append([_text(name), round(south, DECIMALS), round(west, DECIMALS),
                        round(north, DECIMALS), round(east, DECIMALS)])
    if out and analysis.city.name:
        out[0][0] = analysis.city.name
    return out


def _timeline(analysis: Analysis) -> dict[str, Any]:
    """The claimed counts by date (claims and ``[[timeline]]``), for the chart."""
    tr = analysis.tr
    claims: list[dict[str, Any]] = []
    for claim in analysis.city.claims_of("camera_count"):
        when = claim.as_of or claim.date
        if when:
            claims.append({"when": str(when), "value": int(claim.value),
                           "label": tr.date(str(when)), "source": claim.source})
    for point in analysis.city.timeline:
        if point.as_of:
            claims.append({"when": point.as_of, "value": int(point.value),
                           "label": tr.date(point.as_of), "source": point.source,
                           "announced": bool(getattr(point, "announced", False))})
    claims.sort(key=lambda c: c["when"])
    return {"claims": claims}


def reader_data(analysis: Analysis, *, propose: bool = True) -> dict[str, Any]:
    """Everything ``static/reader.js`` needs, as plain JSON-able values."""
    tr = analysis.tr
    cameras, sources, streets = _cameras(analysis)
    _highway_streets(analysis, streets)
    folded = sorted(streets, key=lambda k: (k, streets[k]["name"]))
    position = {k: i for i, k in enumerate(folded)}
    for row in cameras:
        row[6] = [position[k] for k in row[6]]
    presets = [p for p in analysis.camera_coverage if analysis.camera_coverage[p] is not None]
    return {
        "lang": analysis.lang,
        "city": analysis.city.name,
        "slug": analysis.city.slug,
        "text": {key: tr.gettext(message) for key, message in STRINGS.items()},
        "operators": [[key, tr.gettext(OPERATOR_LABELS[key])] for key in OPERATORS],
        "types": [[key, tr.gettext(TYPE_LABELS[key])] for key in CAMERA_TYPES],
        "exportKeys": list(EXPORT_KEYS),
        "sources": sources,
        "cameras": cameras,
        "streets": [[streets[k]["name"], *[round(float(v), DECIMALS) for v in streets[k]["box"]],
                     streets[k]["n"]] for k in folded],
        "places": _places(analysis),
        "timeline": _timeline(analysis),
        "covers": [[f"cover:{p}", _preset_label(p)] for p in presets],
        "rights": rights_data(analysis),
        "propose": propose,
    }


class _ReaderTools(MacroElement):
    """``geocover.reader(<the map>, <data>)`` in the page's script, as raw text."""

    def __init__(self, data: dict[str, Any] | JsonText) -> None:
        super().__init__()
        self._name = "GeocoverReader"
        self.data_js = data if isinstance(data, JsonText) else js_json(data)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca says -> str
        page_of(self).script.add_child(
            RawHtml(f"geocover.reader({parent_name(self)}, {self.data_js});\n"),
            name=self.get_name(),
        )


def add_reader_tools(fmap: folium.Map, analysis: Analysis, *, propose: bool = True,
                     data: dict[str, Any] | JsonText | None = None) -> folium.Map:
    """Add the readers' tools to a map built by
    :func:`geocover.outputs.webmap.build.build_map` (after its layers, so that the
    script finds them) and return it. ``reader.js`` and ``reader.css`` are inlined with
    the map's own script (``GeocoverMap.extra_static``). ``data``: :func:`reader_data` of
    the analysis when already computed (or its :func:`~geocover.outputs.escape.js_json`)."""
    if not isinstance(fmap, GeocoverMap):
        raise TypeError("the readers' tools go on a map of build_map (a GeocoverMap)")
    extra = fmap.extra_static
    fmap.extra_static = extra + tuple(n for n in ("reader.css", "reader.js") if n not in extra)
    if data is None:
        data = reader_data(analysis, propose=propose)
    fmap.add_child(_ReaderTools(data), name="geocover_reader")
    return fmap
