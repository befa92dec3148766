"""Commune boundaries: from a file, from an offline bundle, or live from geo.api.gouv.fr.

Every loader returns the commune layer (DESIGN.md): a one-row GeoDataFrame in
EPSG:4326 with ``code``, ``name``, ``geometry``, ``source`` and ``retrieved``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import shapely
import shapely.errors

from geocover import settings
from geocover.errors import DataError, SourceError, UsageError
from geocover.io.guard import read_input_bytes
from geocover.io.tables import read_plain_polygons, read_vector
from geocover.schema.provenance import SourceRecord
from geocover.schema.text import display_path
from geocover.sources.checks import check_commune_feature, check_departement_collection
from geocover.sources.records import file_source, live_source

# The HTTP client is imported where a live source is asked: offline runs (the bundle, a
# file) never load it.
if TYPE_CHECKING:
    from geocover.sources import http as _http

COMMUNE_COLUMNS = ["code", "name", "geometry", "source", "retrieved"]
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_DEPARTEMENT = re.compile(r"^(\d{2,3}|2[AB])$")

#: Attribution of the boundary sources.
ATTRIBUTION = {
    "geo.api.gouv.fr": "geo.api.gouv.fr (IGN – ADMIN EXPRESS, INSEE), Licence Ouverte",
    "bundle": "IGN – ADMIN EXPRESS, Licence Ouverte",
    "file": "as stated by the file's provider",
}


def check_insee(code: str) -> str:
    """Return ``code`` if it is a well-formed INSEE commune code, else raise UsageError."""
    code = str(code).strip().upper()
    if not _INSEE.match(code):
        raise UsageError(
            f"{code!r} is not an INSEE commune code (5 characters, e.g. 57463 for Metz, "
            "2A004 for Ajaccio)"
        )
    return code


def _file_date(path: Path) -> dt.date:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()


def _frame(
    code: str, name: str, geometry: Any, source: str, retrieved: dt.date | dt.datetime
) -> gpd.GeoDataFrame:
    if isinstance(retrieved, dt.datetime):
        retrieved = retrieved.date()
    return gpd.GeoDataFrame(
        {"code": [code], "name": [name], "source": [source], "retrieved": [retrieved.isoformat()]},
        geometry=[geometry],
        crs=settings.STORAGE_CRS,
    )[COMMUNE_COLUMNS]


def _check_area_geometry(geometry: Any, where: str, row: int | str | None = None) -> Any:
    if geometry is None or geometry.is_empty:
        raise DataError("the commune has no geometry", where, row)
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise DataError(
            f"a commune boundary must be a Polygon or MultiPolygon, not a {geometry.geom_type}",
            where,
            row,
        )
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
        geometry = shapely.union_all(
            [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
        )
    return geometry


def _feature_to_frame(
    feature: dict[str, Any], source: str, retrieved: dt.date | dt.datetime, where: str
) -> gpd.GeoDataFrame:
    if feature.get("type") != "Feature" or "geometry" not in feature:
        raise DataError("expected a GeoJSON Feature with a geometry", where)
    props = feature.get("properties") or {}
    try:
        geometry = shapely.geometry.shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError,
            shapely.errors.ShapelyError) as exc:
        raise DataError(f"unreadable geometry ({exc})", where) from None
    geometry = _check_area_geometry(geometry, where)
    code = str(props.get("code", ""))
    name = str(props.get("nom") or props.get("name") or code)
    return _frame(code, name, geometry, source, retrieved)


def from_file(path: str | Path, code: str | None = None) -> gpd.GeoDataFrame:
    """Load a commune boundary from a GeoJSON, GeoPackage or Shapefile.

    If the file holds several features, ``code`` selects the one whose ``code``
    (or ``insee``, ``INSEE_COM``) property matches.
    """
    path = Path(path)
    frame = read_plain_polygons(path)
    if frame is None:
        frame = read_vector(path, expect="polygon")
    if frame.crs is None:
        raise DataError("the file has no CRS; save it with one (EPSG:4326 expected)", path)
    frame = frame.to_crs(settings.STORAGE_CRS)
    code_col = next((c for c in ("code", "insee", "INSEE_COM", "code_insee") if c in frame), None)
    name_col = next((c for c in ("nom", "name", "NOM", "NOM_COM") if c in frame), None)
    if code is not None:
        code = check_insee(code)
        if code_col is None:
            if len(frame) != 1:
                raise DataError(
                    f"{len(frame)} features and no code column to choose commune {code}", path
                )
        else:
            frame = frame[frame[code_col].astype(str) == code]
            if frame.empty:
                raise DataError(f"no commune with code {code} in the file", path)
    elif len(frame) != 1:
        raise DataError(
            f"{len(frame)} features: say which commune", path,
            hint="insee_select",
        )
    row = frame.iloc[0]
    geometry = _check_area_geometry(row.geometry, str(path), int(frame.index[0]))
    found_code = str(row[code_col]) if code_col else (code or "")
    name = str(row[name_col]) if name_col else found_code
    return _frame(found_code, name, geometry, f"file:{display_path(path)}", _file_date(path))


def bundle_path(bundle: str | Path, code: str) -> Path | None:
    """Where a bundle keeps commune ``code``: the geo-API-shaped answer first, then
    ``communes/*-CODE-*.geojson``; None when it has neither."""
    bundle = Path(bundle)
    api = bundle / "geo-api" / f"communes-{code}-contour.json"
    if api.is_file():
        return api
    matches = sorted((bundle / "communes").glob(f"*-{code}-*.geojson"))
    return matches[0] if matches else None


def from_bundle(bundle: str | Path, code: str) -> gpd.GeoDataFrame:
    """Load commune ``code`` from an offline bundle folder laid out like ``../shared/data``.

    Looks for ``geo-api/communes-CODE-contour.json`` (shaped like the live answer),
    then ``communes/*-CODE-*.geojson``, then the département file
    ``geo-api/departements-DD-communes-contour.json``. Requests nothing.
    """
    return _from_bundle(bundle, code)[0]


def _from_bundle(bundle: str | Path, code: str) -> tuple[gpd.GeoDataFrame, Path]:
    """The commune and the bundle file it came from."""
    code = check_insee(code)
    bundle = Path(bundle)
    if not bundle.is_dir():
        raise UsageError(f"bundle folder {bundle} does not exist")
    path = bundle_path(bundle, code)
    if path is not None and path.parent.name == "geo-api":
        feature = _load_json(path)
        frame = _feature_to_frame(feature, f"bundle:{path.relative_to(bundle)}", _file_date(path),
                                  str(path))
        frame["code"] = frame["code"].replace("", code)
        return frame, path
    if path is not None:
        frame = from_file(path, code)
        frame["source"] = f"bundle:{path.relative_to(bundle)}"
        return frame, path
    dep = code[:3] if code.startswith("97") else code[:2]
    dep_path = bundle / "geo-api" / f"departements-{dep}-communes-contour.json"
    if dep_path.is_file():
        frame = communes_of_departement_from_file(dep_path)
        match = frame[frame["code"] == code]
        if not match.empty:
            match = match.reset_index(drop=True)
            match["source"] = f"bundle:{dep_path.relative_to(bundle)}"
            return match, dep_path
    raise DataError(
        f"commune {code} is not in this bundle (looked for geo-api/communes-{code}-contour.json, "
        f"communes/*-{code}-*.geojson and geo-api/departements-{dep}-communes-contour.json)",
        bundle,
    )


def _load_json(path: Path) -> Any:
    try:
        return json.loads(read_input_bytes(path).decode("utf-8"))
    except RecursionError:
        raise DataError("nested too deeply to be GeoJSON", path) from None
    except UnicodeDecodeError:
        raise DataError("not a UTF-8 text file", path) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"malformed JSON at line {exc.lineno} ({exc.msg})", path) from None
    except OSError as exc:
        raise DataError(f"cannot read ({exc.strerror})", path) from None


def live(code: str, official_area_km2: float | None = None) -> gpd.GeoDataFrame:
    """Fetch commune ``code`` from geo.api.gouv.fr (through the cache).

    The answer is checked before it is used or cached
    (:func:`geocover.sources.checks.check_commune_feature`): a Feature of that code, a
    valid polygon in France, of a commune's area, and near ``official_area_km2`` when
    it is known.

    Raises SourceError if the API cannot be reached (or answers something unusable) and
    nothing usable is cached, and UsageError (exit 2) for an INSEE code the API does not
    know.
    """
    return _live(code, official_area_km2)[0]


def _live(
    code: str, official_area_km2: float | None = None
) -> tuple[gpd.GeoDataFrame, _http.Answer]:
    code = check_insee(code)
    url = f"{settings.GEO_API_URL.rstrip('/')}/communes/{code}"
    params = {"format": "geojson", "geometry": "contour"}

    def validate(data: Any) -> None:
        check_commune_feature(data, code, official_area_km2)

    from geocover.sources import http as _http

    try:
        answer = _http.fetch_json(
            url, params=params, validate=validate, what=f"geo.api.gouv.fr commune {code}",
            source="geo.api.gouv.fr",
        )
    except SourceError as exc:
        if "HTTP 404" in str(exc):
            raise UsageError(
                f"unknown INSEE code {code}: geo.api.gouv.fr has no such commune"
            ) from None
        raise
    source = "geo.api.gouv.fr" + (" (cached copy, the network failed)" if answer.stale else "")
    return _feature_to_frame(answer.data, source, answer.retrieved, answer.url), answer


def load_commune(
    code: str,
    *,
    bundle: str | Path | None = None,
    path: str | Path | None = None,
    official_area_km2: float | None = None,
) -> gpd.GeoDataFrame:
    """Load commune ``code`` from a file, else a bundle (argument or ``$GEOCOVER_BUNDLE``),
    else live from geo.api.gouv.fr (an answer far from ``official_area_km2``, when given,
    is refused and not cached).

    Examples
    --------
    >>> metz = load_commune("57463", bundle="../shared/data")
    >>> metz.loc[0, "name"]
    'Metz'
    """
    return read_commune(code, bundle=bundle, path=path, official_area_km2=official_area_km2)[0]


def read_commune(
    code: str,
    *,
    bundle: str | Path | None = None,
    path: str | Path | None = None,
    official_area_km2: float | None = None,
) -> tuple[gpd.GeoDataFrame, SourceRecord]:
    """:func:`load_commune`, with the record of where the boundary came from (its file
    and sha256, the date of its data from the bundle's manifest, or the live answer's
    retrieval time)."""
    if path is not None:
        frame = from_file(path, code)
        return frame, file_source("commune", [path], origin=str(frame["source"].iloc[0]),
                                  attribution=ATTRIBUTION["file"])
    bundle = bundle if bundle is not None else settings.bundle_from_env()
    if bundle is not None:
        frame, read = _from_bundle(bundle, code)
        return frame, file_source("commune", [read], origin=str(frame["source"].iloc[0]),
                                  bundle=bundle, attribution=ATTRIBUTION["bundle"])
    frame, answer = _live(code, official_area_km2)
    return frame, live_source("commune", origin=str(frame["source"].iloc[0]), url=answer.url,
                              retrieved=answer.retrieved,
                              attribution=ATTRIBUTION["geo.api.gouv.fr"],
                              licence="Licence Ouverte (Etalab)")


def communes_of_departement_from_file(path: str | Path) -> gpd.GeoDataFrame:
    """All communes of a département from a geo-API-shaped FeatureCollection."""
    path = Path(path)
    data = _load_json(path)
    return _collection_to_frame(data, f"file:{display_path(path)}", _file_date(path), str(path))


def _collection_to_frame(
    data: Any, source: str, retrieved: dt.date | dt.datetime, where: str
) -> gpd.GeoDataFrame:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DataError("expected a GeoJSON FeatureCollection of communes", where)
    features = data.get("features") or []
    try:
        frame = gpd.GeoDataFrame.from_features(features, crs=settings.STORAGE_CRS)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError,
            shapely.errors.ShapelyError) as exc:
        raise DataError(f"unreadable features ({exc})", where) from None
    if frame.empty:
        raise DataError("no commune in the collection", where)
    frame = frame.rename(columns={"nom": "name"})
    frame["code"] = frame["code"].astype(str)
    frame["source"] = source
    day = retrieved.date() if isinstance(retrieved, dt.datetime) else retrieved
    frame["retrieved"] = day.isoformat()
    bad = ~frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        raise DataError("not a polygon", where, int(frame.index[bad][0]))
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        # pandas-stubs reject a boolean mask with a column label in .loc
        frame.loc[invalid, "geometry"] = frame.geometry[invalid].make_valid()  # type: ignore[index,operator]
    return frame[COMMUNE_COLUMNS + [c for c in frame.columns if c not in COMMUNE_COLUMNS]]


def load_departement(
    departement: str, *, bundle: str | Path | None = None
) -> gpd.GeoDataFrame:
    """Every commune of ``departement`` (e.g. "57"): from the bundle's
    ``geo-api/departements-DD-communes-contour.json`` or live from geo.api.gouv.fr."""
    departement = str(departement).strip().upper()
    if not _DEPARTEMENT.match(departement):
        raise UsageError(f"{departement!r} is not a département code (e.g. 57, 2A, 974)")
    return read_departement(departement, bundle=bundle)[0]


def read_departement(
    departement: str, *, bundle: str | Path | None = None
) -> tuple[gpd.GeoDataFrame, SourceRecord]:
    """:func:`load_departement`, with the record of where the communes came from."""
    departement = str(departement).strip().upper()
    if not _DEPARTEMENT.match(departement):
        raise UsageError(f"{departement!r} is not a département code (e.g. 57, 2A, 974)")
    attribution = "IGN – ADMIN EXPRESS (Licence Ouverte), via geo.api.gouv.fr"
    bundle = bundle if bundle is not None else settings.bundle_from_env()
    if bundle is not None:
        path = Path(bundle) / "geo-api" / f"departements-{departement}-communes-contour.json"
        if path.is_file():
            frame = communes_of_departement_from_file(path)
        else:
            found = departement_file(bundle, departement)
            if found is None:
                raise DataError(
                    f"département {departement} is not in this bundle (looked for "
                    f"geo-api/departements-{departement}-communes-contour.json and "
                    f"communes/france/communes-{departement}-*.geojson)", bundle)
            path = found
            frame = _france_file(path)
        frame["source"] = f"bundle:{path.relative_to(bundle)}"
        return frame, file_source("communes", [path], origin=frame["source"].iloc[0],
                                  bundle=bundle, attribution=attribution, count=len(frame))
    from geocover.sources import http as _http

    url = f"{settings.GEO_API_URL.rstrip('/')}/departements/{departement}/communes"
    answer = _http.fetch_json(
        url,
        params={"format": "geojson", "geometry": "contour"},
        validate=lambda data: check_departement_collection(data, departement),
        what=f"geo.api.gouv.fr communes of département {departement}",
        source="geo.api.gouv.fr",
    )
    frame = _collection_to_frame(answer.data, "geo.api.gouv.fr", answer.retrieved, answer.url)
    return frame, live_source("communes", origin="geo.api.gouv.fr", url=answer.url,
                              retrieved=answer.retrieved, attribution=attribution,
                              count=len(frame), licence="Licence Ouverte (Etalab)")


def departement_source(departement: str, bundle: str | Path | None) -> SourceRecord | None:
    """The record of the bundle file :func:`read_departement` reads for ``departement``
    (its sha256, the date of its data), for a run whose workers read the communes
    themselves; None without a bundle (live data leaves no file) or such a file."""
    if bundle is None:
        return None
    departement = str(departement).strip().upper()
    path = Path(bundle) / "geo-api" / f"departements-{departement}-communes-contour.json"
    found = path if path.is_file() else departement_file(bundle, departement)
    if found is None:
        return None
    return file_source("communes", [found], origin=f"bundle:{found.relative_to(bundle)}",
                       bundle=bundle,
                       attribution="IGN – ADMIN EXPRESS (Licence Ouverte), via geo.api.gouv.fr")


def departement_file(bundle: str | Path, departement: str) -> Path | None:
    """The bundle's national file of a département, ``communes/france/communes-DD-*.geojson``
    (one per département, properties ``code`` and ``nom``), or None."""
    folder = Path(bundle) / "communes" / "france"
    matches = sorted(folder.glob(f"communes-{departement}-*.geojson"))
    return matches[0] if matches else None


def bundle_departements(bundle: str | Path) -> list[str]:
    """The départements whose communes the bundle holds (national files and geo-API answers)."""
    bundle = Path(bundle)
    folder = bundle / "communes" / "france"
    found = {p.name.split("-")[1] for p in folder.glob("communes-*-*.geojson")}
    found |= {p.name.split("-")[1]
              for p in (bundle / "geo-api").glob("departements-*-communes-contour.json")}
    return sorted(found)


def _france_file(path: Path) -> gpd.GeoDataFrame:
    """Read one national file with pyogrio (three times faster than parsing the JSON into
    shapely one feature at a time), checked like a geo-API answer."""
    frame = read_vector(path, expect="polygon")
    if frame.empty:
        raise DataError("no commune in the file", path)
    if frame.crs is None:
        frame = frame.set_crs(settings.STORAGE_CRS)
    frame = frame.to_crs(settings.STORAGE_CRS).rename(columns={"nom": "name"})
    for column in ("code", "name"):
        if column not in frame:
            raise DataError(f"no {column!r} property on the communes", path)
    frame["code"] = frame["code"].astype(str)
    frame["name"] = frame["name"].astype(str)
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        raise DataError("a commune without geometry", path, int(frame.index[empty][0]))
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        frame.loc[invalid, "geometry"] = frame.geometry[invalid].make_valid()  # type: ignore[index,operator]
    frame["source"] = f"file:{display_path(path)}"
    frame["retrieved"] = _file_date(path).isoformat()
    return frame[COMMUNE_COLUMNS + [c for c in frame.columns if c not in COMMUNE_COLUMNS]]


def _communes_near(path: Path, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """The communes of a département file whose box meets ``bbox`` (code, name, geometry):
    GDAL reads the file and filters by box in C, instead of building all of its
    communes in Python (the map needs a dozen of them, not the département's 700)."""
    frame = read_vector(path, bbox=bbox, columns=["code", "nom"])
    if frame.crs is None:
        frame = frame.set_crs(settings.STORAGE_CRS)
    frame = frame.to_crs(settings.STORAGE_CRS).rename(columns={"nom": "name"})
    if "code" not in frame or "name" not in frame:
        raise DataError("expected communes with code and nom properties", path)
    frame["code"] = frame["code"].astype(str)
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        # pandas-stubs reject a boolean mask with a column label in .loc
        frame.loc[invalid, "geometry"] = frame.geometry[invalid].make_valid()  # type: ignore[index,operator]
    return frame[["code", "name", "geometry"]]


def neighbours_from_bundle(bundle: str | Path,
                           commune: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """The communes bordering ``commune`` that the bundle knows (for the map), or None.

    Candidates come from the commune's département file and any
    ``communes/*-neighbours-*.geojson``; only those touching the commune are kept (a
    neighbours file may be another city's)."""
    bundle = Path(bundle)
    code = str(commune["code"].iloc[0])
    dep = code[:3] if code.startswith("97") else code[:2]
    frames = []
    dep_path = bundle / "geo-api" / f"departements-{dep}-communes-contour.json"
    around = commune.to_crs(settings.STORAGE_CRS).geometry.iloc[0].buffer(1e-4)
    if dep_path.is_file():
        frames.append(_communes_near(dep_path, around.bounds))
    for path in sorted((bundle / "communes").glob("*-neighbours-*.geojson")):
        plain = read_plain_polygons(path)  # (GDAL only for a file json cannot read as GDAL would)
        frame = plain if plain is not None else read_vector(path, expect="polygon")
        frame = frame.to_crs(settings.STORAGE_CRS).rename(columns={"nom": "name"})
        if "code" in frame and "name" in frame:
            frame["code"] = frame["code"].astype(str)
            frames.append(frame[["code", "name", "geometry"]])
    if not frames:
        return None
    import pandas as pd

    candidates = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=settings.STORAGE_CRS)
    candidates = candidates.drop_duplicates(subset="code").reset_index(drop=True)
    # 1e-4° (about 10 m): simplified boundaries of two neighbours need not share vertices.
    near = candidates.intersects(around)
    near &= candidates["code"] != code
    found = candidates[near].reset_index(drop=True)
    return found if len(found) else None
