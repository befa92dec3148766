"""The map's data layers: commune, perimeters, cameras, fields of view."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geocover import settings
from geocover.outputs.compliance import table_lines
from geocover.outputs.escape import safe_url
from geocover.outputs.webmap.elements import _DataLayer
from geocover.outputs.webmap.encode import (
    _blank,
    _directions_text,
    _encode_all,
    _preset_label,
    _text,
    _to_storage,
)
from geocover.outputs.webmap.style import (
    _CAMERA_TYPES,
    _OSM_ID,
    _PRECISION_TEXT,
    _PRECISIONS,
    _STATUSES,
    _STYLES,
    COORDINATE_DECIMALS,
)
from geocover.pipeline.analysis import Analysis
from geocover.schema.ids import CONTRIB, LIST, LIST_PREFIX, OSM, camera_source
from geocover.schema.perimeters import BASIS_STATED, authorization_basis, authorization_end
from geocover.verdicts.compliance import TABLES

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


def add_compliance_layers(folium_map: Any, tables: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Add each non-empty compliance table to a geocover map
    (:func:`geocover.outputs.webmap.build.build_map`) as a layer, off by default; each
    row's ids and reasons in a popup built with textContent (through the map's own layer
    factory: no folium Popup, which needs jQuery and puts its HTML in a JavaScript template
    literal). Cameras are drawn as 10 m rings."""
    for name, frame in tables.items():
        if not frame.empty:
            lines = table_lines(name, frame)
            folium_map.add_child(compliance_layer(name, TABLES[name], frame, lines))


def compliance_layer(key: str, title: str, frame: gpd.GeoDataFrame,
                     lines: list[str]) -> _DataLayer:
    """One compliance table as a map layer (off by default): its polygons, its points as
    10 m rings, each with the table's line for it in a popup."""
    frame = _to_storage(frame)
    metric = frame.to_crs(frame.estimate_utm_crs()).geometry.to_numpy()
    points = shapely.get_type_id(metric) == 0
    metric[points] = shapely.buffer(metric[points], 10.0, quad_segs=4)
    drawn = gpd.GeoSeries(metric, crs=frame.estimate_utm_crs()).to_crs(settings.STORAGE_CRS)
    encoded = _encode_all(drawn.to_numpy())
    features = [{"g": g, "t": title, "r": [["", line]]}
                for g, line in zip(encoded, lines, strict=True) if g is not None]
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
        for g, n in zip(geometry, names, strict=True)
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
    for g, (_, p) in zip(geometry, frame.iterrows(), strict=True):
        if g is None:
            continue
        status = str(p.get("status")) if p.get("status") in _STATUSES else "unknown"
        rows: list[list[Any]] = [["id", _text(p["id"])]]
        for label, column in (("decree", "decree_ref"), ("decree date", "decree_date")):
            if not _blank(p.get(column)):
                rows.append([label, _text(p[column])])
        end = authorization_end(p.get("decree_date"), p.get("valid_until"))
        if end is not None:
            basis = authorization_basis(p.get("decree_date"), p.get("valid_until"))
            rows.append(["valid until", end.isoformat() if basis == BASIS_STATED else
                         f"{end.isoformat()} (decree date + {settings.AUTHORIZATION_YEARS} years)"])
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


def _group_label(group: str, sources: pd.Series) -> str:
    if group == OSM:
        return "OpenStreetMap"
    if group == CONTRIB:
        return "contributions"
    common = sources.dropna().astype(str)
    if group.startswith(LIST_PREFIX) and len(common):
        return common.mode().iloc[0]
    return group


def _camera_row(
    cam: dict[Any, Any], layer_source: str | None
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
    height: Any = cam.get("height_m")  # a cell: None, NaN, a number or its text
    rows.append([_FIELD["height"], f"{float(height):g} m" if not _blank(height)
                 else f"unknown (the model assumes {settings.DEFAULT_HEIGHT_M:g} m)"])
    tilt: Any = cam.get("tilt_deg")
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
        label = _group_label(group, sources)
        layer_source = label if group.startswith(LIST_PREFIX) else None
        shape = group if group in (OSM, CONTRIB) else LIST
        classes: list[str] = []
        data = []
        for cam, y, x in zip(part.to_dict("records"), lat[mask], lon[mask], strict=True):
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
    inside = gpd.GeoSeries(np.array([figures.dissolved()], dtype=object), crs=analysis.crs)
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
