"""Cameras that need a visit: the mappers' worklist."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
from pathlib import Path

import geopandas as gpd

from geocover import settings
from geocover.io.atomic import replace_atomic
from geocover.pipeline.contribute.policy import STALE_CHECK_YEARS
from geocover.schema.blank import is_blank
from geocover.schema.perimeters import add_years
from geocover.schema.text import _dump_collection, _today
from geocover.sources.camera_files import (
    load_cameras_file,
)

# --------------------------------------------------------------------------- OSM layer


def load_osm_cameras(path: str | Path) -> gpd.GeoDataFrame:
    """OSM cameras from a file: an Overpass ``[out:json]`` answer or any camera file."""
    frame, _problems = load_cameras_file(path)
    return frame


# --------------------------------------------------------------------------- worklist


def _period_end(value: str) -> dt.date | None:
    """The last day a reduced-precision OSM date (YYYY, YYYY-MM, YYYY-MM-DD) can mean."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", str(value).strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return dt.date(year or 1, 12, 31)
        if day is None:
            return dt.date(year or 1, month, calendar.monthrange(year or 1, month)[1])
        return dt.date(year or 1, month, day)
    except ValueError:
        return None


def worklist(
    cameras: gpd.GeoDataFrame, *, today: dt.date | None = None, stale_years: int = STALE_CHECK_YEARS
) -> gpd.GeoDataFrame:
    """The cameras a mapper should visit: missing ``camera:type``, direction (fixed
    cameras only: domes and panning cameras see all round) or height, or last checked
    more than ``stale_years`` ago (a reduced date such as ``2019`` counts from its end).

    Returns
    -------
    GeoDataFrame
        ``id``, ``todo`` (what to survey, ``;``-separated), ``camera_type``,
        ``check_date``, ``name``, ``source``, ``latitude``, ``longitude``, ``geometry``.
    """
    today = _today(today)
    limit = add_years(today, -stale_years)
    rows = []
    geometries = []
    for record in cameras.to_crs(settings.STORAGE_CRS).to_dict("records"):
        todo = []
        camera_type = record.get("camera_type") or "unknown"
        if camera_type == "unknown":
            todo.append("camera:type")
        directions = record.get("directions")
        if camera_type not in ("dome", "panning") and not (
            isinstance(directions, (list, tuple)) and len(directions)
        ):
            todo.append("camera:direction")
        height = record.get("height_m")
        if is_blank(height):
            todo.append("height")
        check_date = record.get("check_date")
        if not is_blank(check_date):
            end = _period_end(str(check_date))
            if end is not None and end < limit:
                todo.append(f"check_date {check_date} older than {stale_years} years")
        if not todo:
            continue
        point = record["geometry"]
        rows.append({
            "id": record["id"],
            "todo": "; ".join(todo),
            "camera_type": camera_type,
            "check_date": None if is_blank(check_date) else str(check_date),
            "name": record.get("name"),
            "source": record.get("source"),
            "latitude": float(point.y),
            "longitude": float(point.x),
        })
        geometries.append(point)
    columns = ["id", "todo", "camera_type", "check_date", "name", "source", "latitude", "longitude"]
    return gpd.GeoDataFrame(
        {c: [r[c] for r in rows] for c in columns},
        geometry=gpd.GeoSeries(geometries, crs=settings.STORAGE_CRS),
        crs=settings.STORAGE_CRS,
    )


def write_worklist(frame: gpd.GeoDataFrame, prefix: str | Path) -> tuple[Path, Path]:
    """Write ``PREFIX.csv`` and ``PREFIX.geojson`` atomically; returns both paths."""
    prefix = Path(prefix)
    csv_path = prefix.with_name(prefix.name + ".csv")
    geojson_path = prefix.with_name(prefix.name + ".geojson")
    columns = [c for c in frame.columns if c != "geometry"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in frame[columns].to_dict("records"):
        writer.writerow(["" if is_blank(v) else v for v in record.values()])
    features = [
        {"type": "Feature",
         "properties": {k: None if is_blank(v) else v for k, v in record.items()},
         "geometry": {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]}}
        for record in frame.drop(columns="geometry").to_dict("records")
    ]
    collection = {"type": "FeatureCollection", "name": prefix.name, "features": features}
    replace_atomic(csv_path, buffer.getvalue().encode("utf-8"))
    replace_atomic(geojson_path, _dump_collection(collection))
    return csv_path, geojson_path
