"""Adding contributed cameras to a city's store."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
import shapely.geometry
import shapely.ops

from geocover.errors import DataError, UsageError
from geocover.io.atomic import locked, remove_stale_temps, replace_atomic
from geocover.io.contributions import ContributionFile, read_contribution
from geocover.pipeline.contribute.duplicates import _Entry, _Grid, _merge_properties
from geocover.pipeline.contribute.places import CommuneCheck
from geocover.pipeline.contribute.policy import DUPLICATE_DISTANCE_M
from geocover.pipeline.contribute.validate import Candidate, Reject, validate_rows
from geocover.schema.city import City
from geocover.schema.contrib_tags import check_camera_tags
from geocover.schema.text import _dump_collection, _today
from geocover.sources.camera_files import (
    cameras_from_geojson,
    cameras_to_geojson,
)
from geocover.sources.communes import load_commune

# --------------------------------------------------------------------------- adding cameras


@dataclass
class AddResult:
    """What :func:`add_contributions` did (or would do, in a dry run)."""

    source: ContributionFile
    target: Path
    accepted: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    """One line per merge: which row went into which camera, and any conflict."""
    already: list[tuple[int, str]] = field(default_factory=list)
    """(row, id) of rows added before (same id in the cameras file): nothing to do."""
    near_boundary: int = 0
    written: bool = False
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.rejects if not r.duplicate)

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rejects if r.duplicate) + len(self.merged) + len(self.already)

    def summary(self) -> str:
        text = (f"accepted {len(self.accepted)}, rejected {self.rejected}, "
                f"duplicates {self.duplicates}")
        details = [f"{n} {what}" for n, what in ((len(self.already), "already added"),
                                                 (len(self.merged), "merged")) if n]
        return text + (f" ({', '.join(details)})" if details else "")

    @property
    def exit_code(self) -> int:
        """0 unless nothing was accepted and some rows were invalid (then 1)."""
        return 1 if not self.accepted and not self.merged and self.rejected else 0


def _read_store(path: Path, slug: str) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    if not path.exists():
        empty = {"type": "FeatureCollection", "name": f"{slug}-contributed-cameras", "features": []}
        return empty, cameras_from_geojson({"type": "FeatureCollection", "features": []})
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError("the contributions file is not UTF-8: restore it from git", path) from None
    if not text.strip():
        raise DataError("the contributions file is empty: restore it from git", path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"the contributions file is not valid JSON (line {exc.lineno}: {exc.msg}): "
            "restore it from git", path,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise DataError("the contributions file is not a FeatureCollection", path)
    return data, cameras_from_geojson(data, path=path)


def _build_features(candidates: list[Candidate], source: str) -> list[dict[str, Any]]:
    """Schema features of accepted rows, through the camera layer's own normalization."""
    if not candidates:
        return []
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {"id": c.id, "source": source,
                               "location_precision": c.precision, "tags": c.tags},
            }
            for c in candidates
        ],
    }
    return list(cameras_to_geojson(cameras_from_geojson(collection))["features"])


def add_contributions(
    path: str | Path,
    city: City,
    *,
    commune: gpd.GeoDataFrame | None = None,
    bundle: str | Path | None = None,
    contributor: str | None = None,
    merge_duplicates: bool = False,
    dry_run: bool = False,
    lat: str | None = None,
    lon: str | None = None,
    encoding: str = "utf-8",
    today: dt.date | None = None,
) -> AddResult:
    """Validate a contribution file and append its accepted rows to the city's cameras.

    Parameters
    ----------
    path : path-like
        CSV or GeoJSON (see :func:`read_contribution`).
    city : City
        A configured city (its ``cameras_file`` is extended).
    commune : GeoDataFrame, optional
        The commune boundary; by default :func:`geocover.sources.communes.load_commune` of the
        city's INSEE code, from ``bundle`` when given.
    merge_duplicates : bool
        Merge a duplicate row into the camera it duplicates (filling its missing tags,
        never overwriting), instead of only reporting it.
    dry_run : bool
        Validate and report; write nothing.

    Returns
    -------
    AddResult

    Raises
    ------
    DataError
        The file as a whole is unusable, or the stored cameras file is damaged.
    """
    if city.cameras_file is None or city.folder == Path("."):
        raise UsageError(
            f"{city.slug} has no city folder: contributions go to a configured city "
            "(data/<city>/city.toml)"
        )
    source = read_contribution(path, lat=lat, lon=lon, encoding=encoding)
    if commune is None:
        commune = load_commune(city.insee, bundle=bundle)
    check = CommuneCheck(commune)
    candidates, rejects = validate_rows(source, check)
    target = Path(city.cameras_file)
    result = AddResult(source=source, target=target, rejects=rejects, dry_run=dry_run)
    added = _today(today).isoformat()
    label = f"file:{source.path.name}"

    with locked(target):
        if not dry_run:
            remove_stale_temps(target)
        data, stored = _read_store(target, city.slug)
        features: list[dict[str, Any]] = data["features"]
        grid = _Grid(DUPLICATE_DISTANCE_M)
        known: dict[str, str] = {}
        stored_ids: set[str] = set()
        if not stored.empty:
            xs = shapely.get_x(stored.geometry.values)
            ys = shapely.get_y(stored.geometry.values)
            records = stored[["id", "camera_type", "directions"]].to_dict("records")
            for index, record in enumerate(records):
                x, y = check.project(float(xs[index]), float(ys[index]))
                entry = _Entry(record["id"], x, y, {str(k): v for k, v in record.items()},
                               f"camera {record['id']}", existing=index)
                stored_ids.add(record["id"])
                if math.isfinite(x) and math.isfinite(y):
                    grid.add(entry)
        accepted: list[Candidate] = []
        merges: list[tuple[Candidate, _Entry, float]] = []
        for cand in candidates:
            if cand.id in stored_ids:
                result.already.append((cand.row.number, cand.id))
                continue
            if cand.id in known:
                rejects.append(Reject(cand.row.number, known[cand.id], cand.row.original, True))
                continue
            match = grid.nearest(cand.x, cand.y, cand.fields)
            if match is not None:
                entry, distance = match
                if merge_duplicates:
                    merges.append((cand, entry, distance))
                else:
                    rejects.append(Reject(
                        cand.row.number,
                        f"duplicate: {distance:.1f} m from {entry.label}, not added",
                        cand.row.original, True, hint="merge_duplicates",
                    ))
                continue
            known[cand.id] = f"same position and tags as row {cand.row.number} (id {cand.id})"
            grid.add(_Entry(cand.id, cand.x, cand.y, cand.fields,
                            f"row {cand.row.number} ({cand.id})", pending=len(accepted)))
            accepted.append(cand)
            if cand.distance_m > 0:
                result.near_boundary += 1

        # merges into rows of this file: their tags complete the row before it is built
        into_stored: list[tuple[Candidate, _Entry, float]] = []
        for cand, entry, distance in merges:
            if entry.pending is None:
                into_stored.append((cand, entry, distance))
                continue
            target_row = accepted[entry.pending]
            conflicts = []
            for key, value in cand.tags.items():
                if key not in target_row.tags:
                    target_row.tags[key] = value
                elif target_row.tags[key] != value:
                    conflicts.append(f"{key}: kept {target_row.tags[key]!r}, row says {value!r}")
            entry.fields = check_camera_tags(target_row.tags)[0]
            result.merged.append(_merge_line(cand, entry, distance, conflicts))

        built = _build_features(accepted + [c for c, _, _ in into_stored], label)
        new_features = built[: len(accepted)]
        changed = bool(new_features)
        merged = zip(into_stored, built[len(accepted):], strict=True)
        for (cand, entry, distance), feature in merged:
            assert entry.existing is not None
            did_change, conflicts = _merge_properties(features[entry.existing]["properties"],
                                                      feature["properties"])
            changed = changed or did_change
            result.merged.append(_merge_line(cand, entry, distance, conflicts))
        for cand, feature in zip(accepted, new_features, strict=True):
            props = feature["properties"]
            props["contributor"] = contributor
            props["added"] = added
            if cand.given_ref is not None:
                props["contributor_ref"] = cand.given_ref
        result.accepted = [c.id for c in accepted]
        if changed and not dry_run:
            data["features"] = features + new_features
            replace_atomic(target, _dump_collection(data))
            result.written = True
    result.rejects.sort(key=lambda r: r.row)
    return result


def _merge_line(cand: Candidate, entry: _Entry, distance: float, conflicts: list[str]) -> str:
    line = f"row {cand.row.number}: merged into {entry.label} ({distance:.1f} m away)"
    if conflicts:
        line += "; conflicting values kept as they were: " + "; ".join(conflicts)
    return line


def write_rejects(
    result: AddResult,
    path: str | Path,
    phrase: Callable[[str, str | None], str] | None = None,
) -> Path:
    """Write the rejected rows (with ``row`` and ``reason`` first) as CSV, atomically.

    ``phrase(reason, hint)`` words each reason with its hint (the CLI names the option
    to use); default the reason alone."""
    path = Path(path)
    columns = list(result.source.columns)
    extra = ["…"] if any("…" in r.original for r in result.rejects) else []
    row_col = "row" if "row" not in columns else "geocover_row"
    reason_col = "reason" if "reason" not in columns else "geocover_reason"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([row_col, reason_col, *columns, *extra])
    for reject in result.rejects:
        values = [reject.original.get(c) for c in [*columns, *extra]]
        reason = reject.reason if phrase is None else phrase(reject.reason, reject.hint)
        writer.writerow([reject.row, reason, *("" if v is None else v for v in values)])
    replace_atomic(path, buffer.getvalue().encode("utf-8"))
    return path


def default_rejects_path(path: str | Path) -> Path:
    """``<input>.rejects.csv``, next to the input file."""
    path = Path(path)
    return path.with_name(path.name + ".rejects.csv")
