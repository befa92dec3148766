"""The map's data layers: commune, perimeters, cameras, fields of view."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geocover import settings
from geocover.i18n import N_, Translator, translator
from geocover.model.crs import to_degrees
from geocover.outputs.compliance import table_lines
from geocover.outputs.escape import safe_url
from geocover.outputs.webmap.elements import (
    _DataLayer,
    features_json,
)
from geocover.outputs.webmap.encode import (
    _blank,
    _directions_text,
    _encode_texts,
    _preset_label,
    _records,
    _text,
    _to_storage,
)
from geocover.outputs.webmap.style import (
    _CAMERA_TYPES,
    _OSM_ID,
    _PRECISION_NAMED,
    _PRECISION_TEXT,
    _PRECISIONS,
    _STATUSES,
    _STYLES,
    COORDINATE_DECIMALS,
)
from geocover.outputs.webmap.words import compass, preset_name
from geocover.pipeline.analysis import Analysis
from geocover.schema.ids import CONTRIB, LIST, LIST_PREFIX, OSM, camera_family, camera_source
from geocover.schema.perimeters import BASIS_STATED, authorization_basis, authorization_end
from geocover.verdicts.compliance import TABLES

# ------------------------------------------------------------------ layers

#: The groups of the page's layer list.
GROUPS = {"cameras": N_("Cameras"), "seen": N_("What cameras see"),
          "perimeters": N_("Perimeters"), "compliance": N_("Compliance checks"),
          "boundaries": N_("Boundaries")}

_TYPE_WORDS = {"fixed": N_("fixed"), "dome": N_("dome"), "panning": N_("panning"),
               "unknown": N_("type unknown")}


def _group(key: str, tr: Translator) -> str:
    return tr.gettext(GROUPS[key])


def _tr(tr: Translator | None) -> Translator:
    return tr if tr is not None else translator("en")


def _commune_layer(analysis: Analysis) -> _DataLayer:
    c = analysis.commune_figures
    tr = analysis.tr
    _ = tr.gettext
    rows = [
        [_("INSEE code"), c.code],
        [_("area"), tr.km2(c.area_km2, 3)],
    ]
    if c.official_area_km2:
        rows.append([_("official area"), tr.km2(c.official_area_km2)])
    geometry = _encode_texts(_to_storage(analysis.commune).geometry.to_numpy())
    features = [{"g": g, "t": c.name, "r": rows} for g in geometry if g is not None]
    return _DataLayer(
        "areas", features_json(features),
        {"key": "commune", "pane": "gcCommune", "style": _STYLES["commune"], "popup": True},
        name=c.name, group=_group("boundaries", tr),
    )


def add_compliance_layers(folium_map: Any, tables: Mapping[str, gpd.GeoDataFrame],
                          tr: Translator | None = None) -> None:
    """Add each non-empty compliance table to a geocover map
    (:func:`geocover.outputs.webmap.build.build_map`) as a layer, off by default; each
    row's ids and reasons in a popup built with textContent (through the map's own layer
    factory: no folium Popup, which needs jQuery and puts its HTML in a JavaScript template
    literal). Cameras are drawn as 10 m rings."""
    for name, frame in tables.items():
        if not frame.empty:
            lines = table_lines(name, frame)
            folium_map.add_child(compliance_layer(name, TABLES[name], frame, lines, tr=tr))


_COMPLIANCE_NAMES = {
    "cameras_outside": N_("Cameras outside every perimeter"),
    "perimeters_without_camera": N_("Perimeters with no known camera"),
    "authorizations": N_("Authorizations expired, expiring or undated"),
    "perimeters_outside_commune": N_("Perimeters that leave the commune"),
}


def compliance_layer(key: str, title: str, frame: gpd.GeoDataFrame,
                     lines: list[str], tr: Translator | None = None) -> _DataLayer:
    """One compliance table as a map layer (off by default): its polygons, its points as
    10 m rings, each with the table's line for it in a popup."""
    tr = _tr(tr)
    frame = _to_storage(frame)
    metric = frame.to_crs(frame.estimate_utm_crs()).geometry.to_numpy()
    points = shapely.get_type_id(metric) == 0
    metric[points] = shapely.buffer(metric[points], 10.0, quad_segs=4)
    drawn = gpd.GeoSeries(metric, crs=frame.estimate_utm_crs()).to_crs(settings.STORAGE_CRS)
    encoded = _encode_texts(drawn.to_numpy())
    name = tr.gettext(_COMPLIANCE_NAMES[key]) if key in _COMPLIANCE_NAMES else title
    features = [{"g": g, "t": name, "x": [["", line]]}
                for g, line in zip(encoded, lines, strict=True) if g is not None]
    return _DataLayer(
        "areas", features_json(features),
        {"key": f"compliance:{key}", "pane": "gcCover", "style": _STYLES["compliance"],
         "popup": True, "extraLabel": tr.gettext("For analysts")},
        name=f"{name} ({tr.integer(len(frame))})", show=False,
        group=_group("compliance", tr),
    )


def nearby_neighbours(analysis: Analysis) -> gpd.GeoDataFrame | None:
    """The neighbouring communes to draw (EPSG:4326), None when none are known."""
    neighbours = analysis.neighbours
    if neighbours is None or len(neighbours) == 0:
        return None
    return _to_storage(neighbours)


def _neighbours_layer(neighbours: gpd.GeoDataFrame, tr: Translator | None = None) -> _DataLayer:
    tr = _tr(tr)
    names = neighbours["name"] if "name" in neighbours else pd.Series([""] * len(neighbours))
    geometry = _encode_texts(neighbours.geometry.to_numpy())
    features = [
        {"g": g, "t": "" if _blank(n) else _text(n)}
        for g, n in zip(geometry, names, strict=True)
        if g is not None
    ]
    return _DataLayer(
        "areas", features_json(features),
        {"key": "neighbours", "pane": "gcNeighbours", "style": _STYLES["neighbours"],
         "tooltip": True},
        name=tr.gettext("Neighbouring communes"), group=_group("boundaries", tr),
    )


def _perimeter_layer(analysis: Analysis) -> _DataLayer | None:
    frame = analysis.perimeters.frame
    if frame is None or len(frame) == 0:
        return None
    tr = analysis.tr
    _ = tr.gettext
    frame = _to_storage(frame)
    geometry = _encode_texts(frame.geometry.to_numpy())
    features = []
    labels = {"valid": _("valid"), "expired": _("expired"),
              "unknown": _("validity date unknown")}
    for g, (_i, p) in zip(geometry, frame.iterrows(), strict=True):
        if g is None:
            continue
        status = str(p.get("status")) if p.get("status") in _STATUSES else "unknown"
        rows: list[list[Any]] = [[_("id"), _text(p["id"])]]
        for label, column in ((_("decree"), "decree_ref"), (_("decree date"), "decree_date")):
            if not _blank(p.get(column)):
                rows.append([label, _text(p[column])])
        end = authorization_end(p.get("decree_date"), p.get("valid_until"))
        if end is not None:
            basis = authorization_basis(p.get("decree_date"), p.get("valid_until"))
            rows.append([_("valid until"), end.isoformat() if basis == BASIS_STATED else
                         _("{date} (decree date + {years} years)").format(
                             date=end.isoformat(), years=settings.AUTHORIZATION_YEARS)])
        rows.append([_("status"), labels[status]])
        url = p.get("source_url")
        if not _blank(url):
            link = safe_url(url)
            rows.append([_("source"), _text(url), link] if link else [_("source"), _text(url)])
        if not _blank(p.get("notes")):
            rows.append([_("notes"), _text(p["notes"])])
        if bool(p.get("repaired", False)):
            rows.append([_("geometry"), _("repaired (the digitized polygon was invalid)")])
        title = (_text(p["name"]) if not _blank(p.get("name"))
                 else _("Perimeter {id}").format(id=_text(p["id"])))
        features.append({"g": g, "s": status, "t": title, "r": rows})
    return _DataLayer(
        "areas", features_json(features),
        {"key": "perimeters", "pane": "gcPerimeters", "popup": True,
         "styles": {s: _STYLES[s] for s in _STATUSES}},
        name=_("Authorized perimeters ({n})").format(n=tr.integer(len(features))),
        group=_group("perimeters", tr),
    )


#: The popup's field names (translated in the page), by index.
_CAMERA_FIELDS = [
    N_("location"), N_("type"), N_("direction"), N_("height"), N_("tilt"), N_("watches"),
    N_("surveillance type"), N_("zone"), N_("mount"), N_("operator"), N_("in service since"),
    N_("checked"), N_("notes"), N_("Edit in OpenStreetMap"), N_("source"),
]
_FIELD = {name: i for i, name in enumerate(_CAMERA_FIELDS)}


#: The citizen map's cameras come as a list (``list:sous-surveillance-net:<id>``), but they
#: are no official list: their layer and their titles say whose they are.
CITIZEN_MAP = "list:sous-surveillance-net"


def _group_label(group: str, sources: pd.Series, tr: Translator) -> str:
    if group == OSM:
        return "OpenStreetMap"
    if group == CITIZEN_MAP:
        return "sous-surveillance.net"
    if group == CONTRIB:
        return tr.gettext("Contributions")
    year = re.search(r"(19|20)\d\d", group)
    if group.startswith(LIST_PREFIX):
        return (tr.gettext("Official list, {year}").format(year=year.group(0)) if year
                else tr.gettext("Official list"))
    return group


def _list_number(cid: str) -> str:
    return cid.rsplit(":", 1)[-1] if cid.startswith(LIST_PREFIX) else cid


def _main_direction(directions: Any) -> float | None:
    if _blank(directions):
        return None
    try:
        start, end = float(directions[0][0]), float(directions[0][1])
    except (TypeError, ValueError, IndexError):
        return None
    if end < start:
        end += 360
    return (start + end) / 2 % 360


def _camera_title(cam: dict[Any, Any], family: str, camera_type: str, place: str,
                  tr: Translator) -> str:
    """A title a person reads: ``Camera no. 475, Rue X`` for a list, ``OSM camera, fixed,
    facing south-east`` for OpenStreetMap."""
    cid = _text(cam["id"])
    if family == LIST and cid.startswith(CITIZEN_MAP + ":"):
        parts = [tr.gettext("Camera on sous-surveillance.net")]
        if camera_type != "unknown":
            parts.append(tr.gettext(_TYPE_WORDS[camera_type]))
        return ", ".join(parts + ([place] if place else []))
    if family == LIST:
        number = _list_number(cid)
        return (tr.gettext("Camera no. {number}, {place}").format(number=number, place=place)
                if place else tr.gettext("Camera no. {number}").format(number=number))
    parts = [tr.gettext("OSM camera") if family == OSM else tr.gettext("Contributed camera")]
    if camera_type != "unknown":
        parts.append(tr.gettext(_TYPE_WORDS[camera_type]))
    heading = _main_direction(cam.get("directions"))
    if heading is not None:
        parts.append(tr.gettext("facing {point}").format(point=compass(heading, tr)))
    if family != OSM and place:
        parts.append(place)
    return ", ".join(parts)


def _camera_row(
    cam: dict[Any, Any], layer_source: str | None, tr: Translator
) -> tuple[str, list[list[Any]], str, list[list[str]]]:
    """A camera's popup: its title, rows (field index, text[, link]), marker classes,
    and the rows for analysts (ids, sources, tags)."""
    _ = tr.gettext
    cid = _text(cam["id"])
    family = camera_family(cid)
    family = family if family in (OSM, LIST, CONTRIB) else CONTRIB
    rows: list[list[Any]] = []
    place = _text(cam["name"]) if not _blank(cam.get("name")) else ""
    precision = cam.get("location_precision")
    precision = precision if precision in _PRECISIONS else "commune"
    camera_type = cam.get("camera_type")
    camera_type = camera_type if camera_type in _CAMERA_TYPES else "unknown"
    title = _camera_title(cam, family, camera_type, place, tr)
    if place and precision in _PRECISION_NAMED and family == OSM:
        # A list's or a contribution's title already names the place.
        rows.append([_FIELD["location"], _(_PRECISION_NAMED[precision]).format(place=place)])
    else:
        rows.append([_FIELD["location"], _(_PRECISION_TEXT[precision])])
    rows.append([_FIELD["type"], _(_TYPE_WORDS[camera_type])])
    directions = cam.get("directions")
    if _blank(directions):
        rows.append([_FIELD["direction"], _("unknown (drawn as a disc)")])
    else:
        heading = _main_direction(directions)
        text = _directions_text(directions)
        if heading is not None:
            text = f"{compass(heading, tr)} ({text})"
        rows.append([_FIELD["direction"], text])
    height: Any = cam.get("height_m")  # a cell: None, NaN, a number or its text
    if _blank(height):
        rows.append([_FIELD["height"], _assumed_height(tr)])
    else:
        metres = float(height)
        rows.append([_FIELD["height"], tr.metres(metres, 0 if metres.is_integer() else 1)])
    tilt: Any = cam.get("tilt_deg")
    if not _blank(tilt):
        rows.append([_FIELD["tilt"], f"{float(tilt):g}°"])
    for field, column in (("watches", "surveillance"),
                          ("surveillance type", "surveillance_type"),
                          ("zone", "zone"), ("mount", "mount"), ("operator", "operator"),
                          ("in service since", "installed"), ("checked", "check_date"),
                          ("notes", "notes")):
        value = cam.get(column)
        if column == "surveillance_type" and _text(value).lower() == "camera":
            continue  # every camera's: says nothing
        if not _blank(value):
            rows.append([_FIELD[field], _text(value)])
    source = cam.get("source")
    if (not _blank(source) and _text(source) != layer_source
            and _text(source) not in (OSM, CONTRIB)):
        rows.append([_FIELD["source"], _text(source)])
    match = _OSM_ID.match(cid)
    if match:
        rows.append([_FIELD["Edit in OpenStreetMap"], None,
                     f"https://www.openstreetmap.org/edit?{match[1]}={match[2]}"])
    extra: list[list[Any]] = []
    if match:
        extra.append([_("id"), cid, f"https://www.openstreetmap.org/{match[1]}/{match[2]}"])
    else:
        extra.append([_("id"), cid])
    ids = cam.get("site_ids")
    if isinstance(ids, (list, tuple, np.ndarray)) and len(ids) > 1:
        extra.append([_("site: sources"), ", ".join(map(str, cam.get("site_sources") or []))])
        extra.append([_("site: ids"), ", ".join(map(str, ids))])
    tags = cam.get("tags")
    if isinstance(tags, dict):
        extra += _tag_rows(tags)
    return title, rows, f"gc-t-{camera_type} gc-p-{precision}", extra


def _assumed_height(tr: Translator) -> str:
    """``unknown (the model assumes 5 m)`` in the reader's language (once per language:
    most cameras of a map say it)."""
    key = (tr.lang, tr.locale, settings.DEFAULT_HEIGHT_M)
    text = _ASSUMED_HEIGHT.get(key)
    if text is None:
        text = tr.gettext("unknown (the model assumes {height})").format(
            height=tr.metres(settings.DEFAULT_HEIGHT_M))
        _ASSUMED_HEIGHT[key] = text
    return text


_ASSUMED_HEIGHT: dict[tuple[str, str, float], str] = {}


def _tag_rows(tags: dict[Any, Any]) -> list[list[str]]:
    """A camera's tags as ``[key, value]`` rows, by key (as text), blank values as "".
    Keys and values are text for nearly every camera (a source's raw properties): sorted
    as they are, stripped of nothing; any other cell goes the general way."""
    items = tags.items()
    if all(type(k) is str and type(v) is str for k, v in items):
        return [[k, v if v.strip() else ""] for k, v in sorted(items)]
    return [[str(k), "" if _blank(v) else str(v)]
            for k, v in sorted(items, key=lambda kv: str(kv[0]))]


def _intern(data: list[list[Any]]) -> list[str]:
    """Row texts said by several cameras of a layer (``somewhere in this street…``) given
    once: each such row holds the text's index in the returned list (rows' texts are
    otherwise strings, or None for a link named by its field)."""
    counts = Counter(r[1] for cam in data for r in cam[4] if isinstance(r[1], str))
    texts = [t for t, k in counts.items() if k > 1 and len(t) > 3]
    index = {t: i for i, t in enumerate(texts)}
    for cam in data:
        for r in cam[4]:
            if isinstance(r[1], str) and r[1] in index:
                r[1] = index[r[1]]
    return texts


def _camera_layers(cameras: gpd.GeoDataFrame, cluster_threshold: int,
                   tr: Translator | None = None) -> list[_DataLayer]:
    tr = _tr(tr)
    cameras = _to_storage(cameras)
    points = cameras.geometry.to_numpy()
    ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
    ok &= shapely.get_type_id(np.where(ok, points, np.array(None, dtype=object))) == 0
    cameras = cameras[ok]
    if len(cameras) == 0:
        return []
    lon = np.round(shapely.get_x(cameras.geometry.to_numpy()), COORDINATE_DECIMALS)
    lat = np.round(shapely.get_y(cameras.geometry.to_numpy()), COORDINATE_DECIMALS)
    groups = cameras["id"].astype(str).map(camera_source)
    layers = []
    for group in dict.fromkeys(groups):
        mask = (groups == group).to_numpy()
        part = cameras[mask]
        sources = part["source"] if "source" in part else pd.Series([], dtype=object)
        label = _group_label(group, sources, tr)
        common_source = sources.dropna().astype(str)
        layer_source = (common_source.mode().iloc[0]
                        if group.startswith(LIST_PREFIX) and len(common_source) else None)
        shape = group if group in (OSM, CONTRIB) else LIST
        classes: list[str] = []
        data = []
        for cam, y, x in zip(_records(part), lat[mask], lon[mask], strict=True):
            title, rows, cls, extra = _camera_row(cam, layer_source, tr)
            cls = f"{cls} gc-s-{shape}"
            if cls not in classes:
                classes.append(cls)
            data.append([float(y), float(x), classes.index(cls), title, rows, extra])
        texts = _intern(data)
        common = [[tr.gettext("source"), layer_source]] if layer_source else []
        n = len(data)
        layers.append(_DataLayer(
            "cameras", data,
            {"key": f"cameras:{group}", "cluster": n > cluster_threshold, "classes": classes,
             "fields": [tr.gettext(f) for f in _CAMERA_FIELDS], "rows": common,
             "extraLabel": tr.gettext("For analysts"), "texts": texts},
            name=f"{label} ({tr.integer(n)})", group=_group("cameras", tr),
        ))
    return layers


def _figure_rows(figures: Any) -> list[list[str]]:
    """Readable rows from a coverage-figures object (a dataclass or a mapping)."""
    if dataclasses.is_dataclass(figures) and not isinstance(figures, type):
        # Shallow: dataclasses.asdict would deep-copy the union geometry for nothing.
        items = [(f.name, getattr(figures, f.name)) for f in dataclasses.fields(figures)]
    elif isinstance(figures, dict):
        items = list(figures.items())
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
    if figures is None or seen is None or seen.is_empty:
        return None
    geoms = fields.to_numpy()
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    # The area computed for the report, dissolved once (and kept) for drawing.
    # (part by part: most parts are small enough for crs.to_degrees' fitted quadratic)
    dissolved = figures.dissolved()
    if dissolved is None or dissolved.is_empty:
        return None
    parts = to_degrees(gpd.GeoSeries(shapely.get_parts(dissolved), crs=analysis.crs)).to_numpy()
    inside = parts[0] if dissolved.geom_type == "Polygon" else shapely.multipolygons(parts)
    [geometry] = _encode_texts(np.array([inside], dtype=object))
    if geometry is None:
        return None
    tr = analysis.tr
    _ = tr.gettext
    rows = [[_("model"), _preset_label(preset)], [_("cameras"), tr.integer(len(geoms))],
            [_("area seen"), tr.km2(figures.area_km2, 3)]]
    if figures.share_of_commune is not None:
        rows.append([_("of the commune"), tr.percent(figures.share_of_commune, 2)])
    if figures.streets_km and figures.streets_seen_km is not None:
        rows.append([_("of its streets"), tr.percent(figures.streets_seen_km / figures.streets_km,
                                                      2)])
    rows.append(["", _("Mapped cameras are a lower bound of those that exist.")])
    feature = {"g": geometry, "t": _("Area seen by the mapped cameras, inside the commune"),
               "r": rows, "x": _figure_rows(figures)}
    return _DataLayer(
        "areas", features_json([feature]),
        {"key": f"cover:{preset}", "pane": "gcCover", "style": _STYLES["cover"], "popup": True,
         "extraLabel": _("For analysts")},
        name=_("Area seen, {model}").format(model=preset_name(preset, tr)), show=False,
        group=_group("seen", tr),
    )
