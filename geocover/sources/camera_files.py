"""Camera files and contributions as camera layers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geocover import settings
from geocover.errors import DataError
from geocover.io.records import _geojson_records, _read_json, _read_records, _Records
from geocover.schema.blank import is_blank, text_or_none
from geocover.schema.frames import _frame, _row, empty_cameras
from geocover.schema.ids import CONTRIB_PREFIX, has_prefix
from geocover.schema.provenance import SourceRecord
from geocover.schema.tags import Problem, _default_fields, parse_tags
from geocover.schema.text import display_path
from geocover.schema.values import _apply_schema, _check_ids, _tags_value
from geocover.schema.vocab import CAMERA_COLUMNS, DIRECTION_KEYS
from geocover.sources.osm_elements import from_overpass, osm_date
from geocover.sources.records import file_source

# ------------------------------------------------------------------------ files and contributions


#: The schema field each OSM key feeds (see :func:`parse_tags`).
_TAG_FIELDS: dict[str, str] = {
    "camera:type": "camera_type",
    **dict.fromkeys(DIRECTION_KEYS, "directions"),
    "height": "height_m",
    "camera:angle": "tilt_deg",
    "surveillance": "surveillance",
    "start_date": "installed",
    "check_date": "check_date",
    "survey:date": "check_date",
}


def _normalize_records(
    records: _Records,
    path: Path | None,
    *,
    default_source: str,
    id_prefix: str | None,
) -> tuple[gpd.GeoDataFrame, list[Problem], dict[str, int]]:
    """Schema-named properties win; other properties are raw tags, parsed as OSM tags.

    ``id_prefix`` None: every row needs a prefixed id. Otherwise rows without a
    prefixed id get ``<id_prefix><id or row>``.
    """
    schema = set(CAMERA_COLUMNS[:-1])
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    ids: list[str] = []
    row_of: dict[str, int] = {}
    for row, props in zip(records.rows, records.props, strict=True):
        given = text_or_none(props.get("id"))
        if given is not None and has_prefix(given):
            cid = given
        elif id_prefix is None:
            reason = (
                "missing id" if given is None
                else f"id {given!r} has no prefix (osm:, list: or contrib:)"
            )
            raise DataError(f"{reason}: give each camera a stable id such as contrib:metz-1",
                            path, row)
        else:
            cid = f"{id_prefix}{given if given is not None else row}"
        ids.append(cid)
        row_of[cid] = row
        raw_tags: dict[str, Any] = {}
        if "tags" in props and not is_blank(props["tags"]):
            try:
                raw_tags = _tags_value(props["tags"])
            except ValueError as exc:
                raise DataError(f"{exc}", path, row) from None
        for key, value in props.items():
            if key in schema or key in records.coordinate_keys or is_blank(value):
                continue
            raw_tags.setdefault(key, value)
        # Schema-named values win over tags. In a file written in the layer's schema
        # (``tags`` is an object, as cameras_to_geojson writes) a schema column is
        # authoritative even when empty (NaN height = unknown, already reported when the
        # tags were first read); in a flat table an empty cell leaves the field to the tags.
        if isinstance(props.get("tags"), Mapping):
            present = {key for key in props if key in schema}
        else:
            present = {key for key in props if key in schema and not is_blank(props[key])}
        fields, tag_problems = parse_tags(raw_tags, cid)
        problems.extend(p for p in tag_problems if _TAG_FIELDS.get(p.key) not in present)
        defaults = _default_fields()
        for column in present & defaults.keys():
            fields[column] = defaults[column]
        fields["source"] = default_source
        fields["location_precision"] = "exact"
        _apply_schema(
            fields, {k: v for k, v in props.items() if k in schema and k not in ("id", "tags")},
            cid, problems,
        )
        rows.append(_row(cid, fields.pop("source"), fields.pop("location_precision"),
                         raw_tags, fields))
    _check_ids(ids, records.rows, path)
    return _frame(rows, records.x, records.y, records.crs), problems, row_of


def load_cameras_file(path: str | PathLike[str]) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Load a camera file given by a user (the CLI's ``--cameras FILE``).

    Accepted: GeoJSON Points; CSV with coordinate columns detected among
    ``lat``/``latitude``/``y`` and ``lon``/``lng``/``longitude``/``x`` (case ignored);
    an Overpass JSON answer; other vector formats GDAL reads (Points). Columns named
    like the schema (``camera_type``, ``directions``, ``height_m``…) are used as
    such; the others are kept in ``tags`` and read as OSM tags (``camera:direction``,
    ``camera:type``, ``height``…), schema columns winning. Ids with a prefix (``osm:``,
    ``list:``, ``contrib:``) are kept; others become ``contrib:<file stem>:<id or row>``.
    Location precision defaults to ``exact``; source to ``file:<file name>``.

    Returns
    -------
    cameras : GeoDataFrame
    problems : list of Problem

    Raises
    ------
    DataError
        Not a geospatial file, a polygon or line given as a camera, missing or
        out-of-range coordinates, a duplicate id: naming the file and the row (the
        line number for a CSV, the 1-based feature number for GeoJSON).
    """
    cameras, problems, _ = read_cameras_file(path)
    return cameras, problems


def read_cameras_file(
    path: str | PathLike[str], bundle: str | PathLike[str] | None = None
) -> tuple[gpd.GeoDataFrame, list[Problem], SourceRecord]:
    """:func:`load_cameras_file`, with the record of the file: its sha256, and the date
    of its data (an Overpass answer's ``osm3s.timestamp_osm_base``, else the bundle's
    manifest when the file lies in ``bundle``, else unknown)."""
    path = Path(path)
    records, raw = _read_records(path)
    own = None
    if raw is not None and isinstance(raw, Mapping) and isinstance(raw.get("elements"), list):
        cameras, problems = from_overpass(raw)
        own = osm_date(raw)
    else:
        cameras, problems, _ = _normalize_records(
            records, path, default_source=f"file:{path.name}",
            id_prefix=f"{CONTRIB_PREFIX}{path.stem}:",
        )
    record = file_source("cameras", [path], origin=f"file:{display_path(path)}", bundle=bundle,
                         count=len(cameras), own=own)
    return cameras, problems, record


def cameras_from_geojson(
    data: Mapping[str, Any], *, path: str | PathLike[str] | None = None
) -> gpd.GeoDataFrame:
    """The camera layer from a GeoJSON FeatureCollection written by :func:`cameras_to_geojson`.

    Strict: every feature is a Point with a prefixed ``id``, and every value must be
    readable (a contribution file is curated data).

    Raises
    ------
    DataError
        On the first unreadable feature or value, naming ``path`` and the 1-based
        feature number.
    """
    where = None if path is None else Path(path)
    records = _geojson_records(data, where)
    cameras, problems, row_of = _normalize_records(
        records, where, default_source="contrib", id_prefix=None
    )
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise DataError(f"{first.key}={first.value!r}: {first.reason}{more}", where,
                        row_of.get(first.id))
    return cameras


def load_contributions(path: str | PathLike[str]) -> gpd.GeoDataFrame:
    """Load the contributed cameras of a city, ``data/<city>/cameras.geojson``.

    A missing file or an empty FeatureCollection gives an empty layer.

    Raises
    ------
    DataError
        See :func:`cameras_from_geojson`.
    """
    path = Path(path)
    if not path.exists():
        return empty_cameras()
    return cameras_from_geojson(_read_json(path), path=path)


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, np.generic):
        return _json_value(value.item())
    return value


def cameras_to_geojson(cameras: gpd.GeoDataFrame) -> dict[str, Any]:
    """The camera layer as a GeoJSON FeatureCollection (a dict ready for :func:`json.dump`).

    ``directions`` become lists of ``[start, end]`` pairs, ``tags`` objects, NaN
    ``null``; columns outside :data:`CAMERA_COLUMNS` are left out. Read it back with
    :func:`cameras_from_geojson`.
    """
    if cameras.crs is not None and cameras.crs != settings.STORAGE_CRS:
        cameras = cameras.to_crs(settings.STORAGE_CRS)
    xs = shapely.get_x(cameras.geometry.values).tolist()
    ys = shapely.get_y(cameras.geometry.values).tolist()
    columns = [c for c in CAMERA_COLUMNS[:-1] if c in cameras.columns]
    features = []
    for x, y, record in zip(xs, ys, cameras[columns].to_dict(orient="records"), strict=True):
        properties = {k: _json_value(v) for k, v in record.items()}
        properties["directions"] = [[float(a), float(b)] for a, b in record.get("directions") or []]
        properties["tags"] = dict(record.get("tags") or {})
        features.append(
            {"type": "Feature", "properties": properties,
             "geometry": {"type": "Point", "coordinates": [x, y]}}
        )
    return {"type": "FeatureCollection", "features": features}
