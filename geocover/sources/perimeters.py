"""Prefecture-authorized perimeters: schema, loading, validation, expiry.

A perimeter is a polygon digitized from a prefectoral decree (``docs/perimeters.md``).
Columns (DESIGN.md): ``id``, ``name``, ``decree_ref``, ``decree_date``, ``valid_until``,
``source_url``, ``notes``, ``geometry``; loading adds ``status`` (valid / expired /
unknown) and ``repaired`` (whether the geometry had to be made valid).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from geocover import settings
from geocover.errors import DataError, UsageError
from geocover.io.records import _read_json
from geocover.io.tables import read_vector
from geocover.schema.blank import is_blank
from geocover.schema.perimeters import (
    PERIMETER_COLUMNS,
    OnInvalid,
    PerimeterSet,
    _parse_date,
    authorization_end,
    empty_perimeters,
    status_of,
    to_date,
)
from geocover.schema.provenance import DataDate, SourceRecord
from geocover.schema.text import display_path
from geocover.sources.records import file_source


def load_perimeters(
    path: str | Path,
    *,
    assume_crs: str | None = None,
    on_invalid: OnInvalid = "raise",
    today: dt.date | None = None,
) -> PerimeterSet:
    """Load and validate a perimeter file (GeoJSON, GeoPackage, Shapefile, KML).

    Parameters
    ----------
    assume_crs : str, optional
        The CRS to assume when the file declares none (e.g. a Shapefile without .prj).
        Without it such a file is refused: coordinates in an unknown CRS cannot be measured.
    on_invalid : {"raise", "repair"}
        Invalid polygons (self-intersections, bow-ties) are an error by default, so a
        digitizer sees the mistake; with "repair" they are repaired with
        ``shapely.make_valid``, keeping only their polygonal parts, and each repair is
        reported.
    today : date, optional
        The date against which the authorization's end is judged (default: today):
        ``valid_until``, else ``decree_date`` + 5 years
        (:func:`geocover.schema.perimeters.authorization_end`).

    Raises
    ------
    DataError
        Not a geospatial file, no CRS, not polygons, an invalid polygon under
        ``on_invalid="raise"``, a duplicate id, a malformed date.
    """
    if on_invalid not in ("repair", "raise"):
        raise UsageError(f"on_invalid must be 'repair' or 'raise', not {on_invalid!r}")
    path = Path(path)
    raw = read_vector(path, expect="polygon")
    warnings: list[str] = []
    if raw.crs is None:
        if assume_crs is None:
            raise DataError(
                "the file declares no CRS; re-export it with one",
                path, hint="assume_crs",
            )
        raw = raw.set_crs(assume_crs)
        warnings.append(f"{path}: no CRS declared, assumed {assume_crs}")
    complete, as_of, decrees = _completeness(path)
    if raw.empty:
        return PerimeterSet(empty_perimeters(), path, warnings, _source(path, 0, []),
                            complete=complete, complete_as_of=as_of, decrees=decrees)
    frame = raw.to_crs(settings.STORAGE_CRS).reset_index(drop=True)

    null_geom = frame.geometry.isna() | frame.geometry.is_empty
    if null_geom.any():
        raise DataError("a feature has no geometry", path,
                        int(null_geom.to_numpy().nonzero()[0][0]))

    for column in PERIMETER_COLUMNS[:-1]:
        if column not in frame:
            frame[column] = None
    ids = []
    for row, value in enumerate(frame["id"]):
        if is_blank(value):
            value = f"p{row + 1}"
            warnings.append(f"{path}: row {row}: no id, called it {value}")
        ids.append(str(value).strip())
    frame["id"] = ids
    dup = frame["id"].duplicated()
    if dup.any():
        row = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(f"duplicate id {frame['id'].iloc[row]!r}", path, row)

    decree_dates = [_parse_date(v, path, i, "decree_date")
                    for i, v in enumerate(frame["decree_date"])]
    valid_until = [_parse_date(v, path, i, "valid_until")
                   for i, v in enumerate(frame["valid_until"])]
    for row, (start, end) in enumerate(zip(decree_dates, valid_until, strict=True)):
        if start and end and end < start:
            raise DataError(f"valid_until {end} is before decree_date {start}", path, row)
    frame["decree_date"] = [d.isoformat() if d else None for d in decree_dates]
    frame["valid_until"] = [d.isoformat() if d else None for d in valid_until]
    frame["status"] = [
        status_of(s, e, today) for s, e in zip(decree_dates, valid_until, strict=True)
    ]
    for row, (status, start, end) in enumerate(
        zip(frame["status"], decree_dates, valid_until, strict=True)
    ):
        if status == "expired":
            basis = "" if end else f" (decree date + {settings.AUTHORIZATION_YEARS} years)"
            warnings.append(
                f"{path}: row {row}: perimeter {frame['id'].iloc[row]} expired on "
                f"{authorization_end(start, end)}{basis}"
            )

    invalid = ~shapely.is_valid(frame.geometry.values)
    frame["repaired"] = invalid
    if invalid.any():
        rows = invalid.nonzero()[0]
        if on_invalid == "raise":
            reason = shapely.is_valid_reason(frame.geometry.values[rows[0]])
            raise DataError(
                f"invalid polygon ({reason}); fix it in your editor",
                path,
                int(rows[0]),
                hint="on_invalid",
            )
        repaired = shapely.make_valid(frame.geometry.values[rows])
        frame.loc[frame.index[rows], "geometry"] = [  # type: ignore[index,assignment]  # pandas-stubs
            _polygonal(g) for g in repaired
        ]
        for row in rows.tolist():
            warnings.append(f"{path}: row {row}: invalid polygon repaired (make_valid)")
        empty = frame.geometry.is_empty
        if empty.any():
            raise DataError("the polygon has no area once repaired", path,
                            int(empty.to_numpy().nonzero()[0][0]))
    frame = frame[PERIMETER_COLUMNS[:-1] + ["status", "repaired", "geometry"]]
    known = {str(d).strip() for d in frame["decree_ref"] if isinstance(d, str) and d.strip()}
    unlisted = sorted(known - set(decrees)) if complete else []
    if unlisted:
        raise DataError(f"completeness.decrees does not list the decree {unlisted[0]!r} of a "
                        "perimeter: a complete set lists every decree it holds", path)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=settings.STORAGE_CRS)
    return PerimeterSet(frame, path, warnings, _source(path, len(frame), decree_dates),
                        complete=complete, complete_as_of=as_of, decrees=decrees)


#: How perimeters are attributed.
ATTRIBUTION = "digitized from prefectoral decrees (see each perimeter's decree_ref)"


def _source(path: Path, count: int, decree_dates: list[dt.date | None]) -> SourceRecord:
    """The perimeters' record: dated by the latest decree they hold."""
    dates = [d for d in decree_dates if d is not None]
    own = DataDate(max(dates).isoformat(), "latest decree_date in the file") if dates else \
        DataDate(None, "date unknown: no decree_date in the file")
    return file_source("perimeters", [path], origin=display_path(path), attribution=ATTRIBUTION,
                       count=count, own=own)


def _completeness(path: Path) -> tuple[bool, str | None, tuple[str, ...]]:
    """The GeoJSON top-level ``completeness`` member (docs/perimeters.md): a set is partial
    unless it says ``{"complete": true, "as_of": "YYYY-MM-DD", "decrees": [...]}``."""
    if path.suffix.lower() not in (".geojson", ".json"):
        return False, None, ()
    data = _read_json(path)
    member = data.get("completeness") if isinstance(data, dict) else None
    if member is None:
        return False, None, ()
    if not isinstance(member, dict) or not isinstance(member.get("complete"), bool):
        raise DataError('completeness must be {"complete": true or false, "as_of": '
                        '"YYYY-MM-DD", "decrees": [...]}', path)
    if not member["complete"]:
        return False, None, ()
    as_of, decrees = member.get("as_of"), member.get("decrees")
    try:
        as_of_date = to_date(as_of)
    except ValueError:
        as_of_date = None
    if as_of_date is None:
        raise DataError("completeness.as_of must be the date (YYYY-MM-DD) the set is complete "
                        "as of", path)
    if not isinstance(decrees, list) or not decrees or \
            not all(isinstance(d, str) and d.strip() for d in decrees):
        raise DataError("completeness.decrees must list the decrees the complete set holds", path)
    return True, as_of_date.isoformat(), tuple(d.strip() for d in decrees)




def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The polygonal part of a repaired geometry (make_valid may add stray lines)."""
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()
