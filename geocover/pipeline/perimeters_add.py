"""Adding digitized perimeters to a city's store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
import shapely.geometry
import shapely.ops
from shapely.geometry.base import BaseGeometry

from geocover import settings
from geocover.errors import DataError, UsageError
from geocover.io.atomic import locked, remove_stale_temps, replace_atomic
from geocover.io.tables import read_vector
from geocover.pipeline.contribute.places import CommuneCheck, _in_range, _metres
from geocover.schema.blank import text_or_none
from geocover.schema.city import City
from geocover.schema.contrib_vocab import SWAPPED
from geocover.schema.perimeters import authorization_end, status_of
from geocover.schema.text import _dump_collection, _today
from geocover.sources.communes import load_commune
from geocover.sources.perimeters import load_perimeters

# --------------------------------------------------------------------------- perimeters


@dataclass
class PerimeterAddResult:
    """What :func:`add_perimeters` did (or would do, in a dry run)."""

    target: Path
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    valid_until: str = ""
    valid_until_assumed: bool = False
    written: bool = False
    dry_run: bool = False

    def summary(self) -> str:
        return (f"added {len(self.added)}, already present {len(self.already)}, "
                f"duplicates {len(self.duplicates)}")


def _date_option(value: str | dt.date | None, option: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date (write YYYY-MM-DD)", hint="option",
                         hint_value=option) from None


def perimeter_id(geometry: BaseGeometry, decree_ref: str) -> str:
    """The stable id of a digitized perimeter: ``perimeter:`` and 12 hex digits of a hash
    of its geometry (normalized, rounded to 1e-7 degree) and its decree reference."""
    rounded = shapely.normalize(shapely.set_precision(shapely.force_2d(geometry), 1e-7))
    digest = hashlib.sha256(shapely.to_wkb(rounded) + decree_ref.strip().encode("utf-8"))
    return "perimeter:" + digest.hexdigest()[:12]


def add_perimeters(
    path: str | Path,
    city: City,
    *,
    decree_ref: str,
    decree_date: str | dt.date,
    valid_until: str | dt.date | None = None,
    source_url: str | None = None,
    name: str | None = None,
    contributor: str | None = None,
    assume_crs: str | None = None,
    on_invalid: str = "raise",
    commune: gpd.GeoDataFrame | None = None,
    bundle: str | Path | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> PerimeterAddResult:
    """Validate perimeters digitized from one decree and append them to the city's file.

    The file (GeoJSON, KML from uMap, GeoPackage, Shapefile) is validated whole by
    :func:`geocover.sources.perimeters.load_perimeters` (CRS, polygons, validity, dates) and
    against the commune (each polygon within :data:`BOUNDARY_TOLERANCE_M` of it);
    nothing is added unless every feature passes. ``valid_until`` defaults to
    ``decree_date`` + ``settings.AUTHORIZATION_YEARS`` years, and that assumption is
    written in the perimeter's ``notes``. Ids are stable (:func:`perimeter_id`), so the
    same file added twice adds nothing.

    Raises
    ------
    DataError
        An unusable file or feature (nothing is written), or a damaged perimeters file.
    UsageError
        A missing decree reference or a malformed date.
    """
    if city.perimeters_file is None or city.folder == Path("."):
        raise UsageError(
            f"{city.slug} has no city folder: perimeters go to a configured city "
            "(data/<city>/city.toml)"
        )
    path = Path(path)
    if not decree_ref or not decree_ref.strip():
        raise UsageError("decree_ref is required: the decree's reference (arrêté n° …)",
                         hint="option", hint_value="decree_ref")
    start = _date_option(decree_date, "decree_date")
    if start is None:
        raise UsageError("decree_date is required (YYYY-MM-DD)", hint="option",
                         hint_value="decree_date")
    end = _date_option(valid_until, "valid_until")
    if end is not None and end < start:
        raise UsageError(f"valid_until {end} is before decree_date {start}", hint="option",
                         hint_value="valid_until,decree_date")
    incoming = load_perimeters(
        path, assume_crs=assume_crs, on_invalid=on_invalid, today=today  # type: ignore[arg-type]
    )
    if incoming.frame.empty:
        raise DataError("no polygons in the file", path)
    raw = read_vector(path)
    if assume_crs is not None and raw.crs is None:
        raw = raw.set_crs(assume_crs)
    result = PerimeterAddResult(target=Path(city.perimeters_file), dry_run=dry_run)
    # ids are assigned below (stable hashes): the loader's "no id" notices do not apply
    result.warnings.extend(
        w for w in incoming.warnings if not re.search(r"no id, called it p\d+$", w)
    )
    if commune is None:
        commune = load_commune(city.insee, bundle=bundle)
    check = CommuneCheck(commune)
    commune_metric = check.geometry
    frame = incoming.frame
    count = len(frame)
    added = _today(today).isoformat()
    new_features: list[dict[str, Any]] = []
    for row, record in enumerate(frame.to_dict("records")):
        given_values = (("decree_ref", decree_ref.strip()), ("decree_date", start.isoformat()))
        for column, given in given_values:
            own = text_or_none(record.get(column))
            if own is not None and own != given:
                raise DataError(
                    f"{column} {own!r} in the file differs from --{column.replace('_', '-')} "
                    f"{given!r}: one decree per addition", path, row,
                )
        own_until = text_or_none(record.get("valid_until"))
        stated = end or (dt.date.fromisoformat(own_until) if own_until else None)
        feature_assumed = stated is None
        until = authorization_end(start, stated)
        assert until is not None  # the decree date is required
        result.valid_until = until.isoformat()
        if status_of(start, until, today) == "expired":
            result.warnings.append(
                f"{path}: row {row}: the authorization expired on {until.isoformat()} "
                "(added all the same: past decrees are part of the record)"
            )
        result.valid_until_assumed = result.valid_until_assumed or feature_assumed
        geometry = shapely.force_2d(record["geometry"])
        metric = gpd.GeoSeries([geometry], crs=settings.STORAGE_CRS).to_crs(check.crs).iloc[0]
        distance = float(commune_metric.distance(metric))
        if distance > check.tolerance_m:
            swapped = shapely.transform(geometry, lambda c: c[:, ::-1])
            bounds_ok = _in_range(*swapped.bounds[:2]) and _in_range(*swapped.bounds[2:])
            swapped_metric = None
            if bounds_ok:
                swapped_metric = gpd.GeoSeries([swapped], crs=settings.STORAGE_CRS).to_crs(
                    check.crs).iloc[0]
            if (swapped_metric is not None
                    and commune_metric.distance(swapped_metric) <= check.tolerance_m):
                raise DataError(f"{SWAPPED}: swapped, the polygon lies in {check.name}", path, row)
            raise DataError(
                f"outside {check.name}: {_metres(distance)} from the commune boundary "
                f"(tolerance {check.tolerance_m:g} m)", path, row,
            )
        outside = metric.difference(commune_metric).area / metric.area if metric.area else 0.0
        if outside > 0.01:
            result.warnings.append(
                f"{path}: row {row}: {outside:.1%} of the polygon lies outside {check.name}"
            )
        raw_props = raw.iloc[row].to_dict() if row < len(raw) else {}
        own_name = text_or_none(record.get("name")) or text_or_none(raw_props.get("Name"))
        feature_name = own_name or (
            (f"{name} ({row + 1}/{count})" if count > 1 else name) if name else
            (f"{decree_ref.strip()} ({row + 1}/{count})" if count > 1 else decree_ref.strip())
        )
        notes = [n for n in (text_or_none(record.get("notes")),
                             text_or_none(raw_props.get("Description")),
                             text_or_none(raw_props.get("description"))) if n]
        # a digitizer's own id is kept in the notes (KML ids are made up by the exporter)
        own_id = text_or_none(raw_props.get("id"))
        if own_id and path.suffix.lower() not in (".kml", ".kmz"):
            notes.append(f"digitized as {own_id}")
        if feature_assumed:
            notes.append(
                f"valid_until assumed: decree date + {settings.AUTHORIZATION_YEARS} years "
                "(authorizations last five years, CSI art. L252-4)"
            )
        if record.get("repaired"):
            notes.append("polygon repaired with make_valid when added")
        properties = {
            "id": perimeter_id(geometry, decree_ref),
            "name": feature_name,
            "decree_ref": decree_ref.strip(),
            "decree_date": start.isoformat(),
            "valid_until": until.isoformat(),
            "source_url": source_url or text_or_none(record.get("source_url")),
            "notes": "; ".join(dict.fromkeys(notes)) or None,
            "contributor": contributor,
            "added": added,
        }
        new_features.append({"type": "Feature", "properties": properties,
                             "geometry": shapely.geometry.mapping(geometry)})
    target = result.target
    with locked(target):
        if not dry_run:
            remove_stale_temps(target)
        data, stored = _read_perimeter_store(target, city.slug)
        stored_ids = set(stored["id"]) if not stored.empty else set()
        stored_metric = stored.to_crs(check.crs) if not stored.empty else stored
        to_add: list[dict[str, Any]] = []
        for feature in new_features:
            pid = feature["properties"]["id"]
            if pid in stored_ids or pid in {f["properties"]["id"] for f in to_add}:
                result.already.append(pid)
                continue
            same = _same_perimeter(feature, stored, stored_metric, check.crs)
            if same is not None:
                result.duplicates.append(f"{pid}: the same polygon and decree as {same}")
                continue
            to_add.append(feature)
        result.added = [f["properties"]["id"] for f in to_add]
        if to_add:
            data["features"] = list(data["features"]) + to_add
            payload = _dump_collection(data)
            with tempfile.TemporaryDirectory() as folder:
                trial = Path(folder) / target.name
                trial.write_bytes(payload)
                try:
                    load_perimeters(trial, on_invalid="raise", today=today)
                except DataError as exc:
                    raise DataError(f"the perimeters would not load once added ({exc.reason})",
                                    path) from None
            if not dry_run:
                replace_atomic(target, payload)
                result.written = True
    return result


def _read_perimeter_store(path: Path, slug: str) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    empty = {
        "type": "FeatureCollection",
        "name": f"{slug}-authorized-perimeters",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [],
    }
    if not path.exists():
        return empty, gpd.GeoDataFrame({"id": []}, geometry=[], crs=settings.STORAGE_CRS)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(
            f"the perimeters file is damaged ({exc}): restore it from git", path
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise DataError("the perimeters file is not a FeatureCollection", path)
    stored = load_perimeters(path, on_invalid="raise").frame
    return data, stored


def _same_perimeter(
    feature: Mapping[str, Any], stored: gpd.GeoDataFrame, stored_metric: gpd.GeoDataFrame, crs: str
) -> str | None:
    """The id of a stored perimeter of the same decree whose polygon differs by less than
    1 % of their union (a re-digitization of the same area), else None."""
    if stored.empty:
        return None
    props = feature["properties"]
    same_decree = stored["decree_ref"].astype(str) == props["decree_ref"]
    if not same_decree.any():
        return None
    geometry = gpd.GeoSeries([shapely.geometry.shape(feature["geometry"])],
                             crs=settings.STORAGE_CRS).to_crs(crs).iloc[0]
    for index in np.flatnonzero(same_decree.to_numpy()):
        other = stored_metric.geometry.iloc[index]
        union = other.union(geometry).area
        if union and other.symmetric_difference(geometry).area / union < 0.01:
            return str(stored["id"].iloc[index])
    return None
