"""Compliance: what the map says about the authorizations themselves.

Four tables, each a GeoDataFrame in EPSG:4326 with stable ids
(:func:`compliance_tables`):

``cameras_outside``
    Cameras outside every authorized perimeter, or inside expired ones only, with
    the nearest perimeter and the distance to it (metres, metric CRS). A camera on a
    perimeter's edge counts as inside. Read ``location_precision`` before concluding:
    a camera placed at a street crossing may stand a few tens of metres away.
``perimeters_without_camera``
    Perimeters that hold no *known* camera (mapped cameras are a lower bound).
``authorizations``
    Authorizations expired, expiring within :data:`EXPIRY_WARNING_MONTHS` months, or
    undated. Authorizations last ``settings.AUTHORIZATION_YEARS`` years: when
    ``valid_until`` is missing it is taken as ``decree_date`` + 5 years, and the
    ``valid_until_basis`` column says so.
``perimeters_outside_commune``
    Perimeters that leave the commune, with the area outside (km², metric CRS);
    the geometry is the part outside.

Each table is a :class:`ComplianceTable`: the frame and a note. When there is nothing
to check against (no perimeter digitized), a table is empty and its ``note`` says why:
an empty table is not a clean bill. :func:`compliance` gives the four as a
:class:`Compliance` (what :func:`geocover.analyse` stores in ``Analysis.compliance``);
:func:`compliance_tables` gives the bare frames.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geocover import settings
from geocover.errors import UsageError
from geocover.model.crs import metric_crs
from geocover.schema.blank import text_or_none
from geocover.schema.frames import empty_layer
from geocover.schema.perimeters import (
    authorization_basis,
    authorization_end,
    status_of,
)
from geocover.schema.perimeters import (
    date_or_none as _date,
)

#: An authorization ending within this many months is reported as expiring.
EXPIRY_WARNING_MONTHS: int = 6
#: A perimeter leaves the commune when more than this area (m²) lies outside it:
#: digitizing along a boundary leaves slivers of a few square centimetres.
OUTSIDE_TOLERANCE_M2: float = 1.0

#: The tables, in the order of the report, with a one-line title each.
TABLES: dict[str, str] = {
    "cameras_outside": "cameras outside every authorized perimeter",
    "perimeters_without_camera": "perimeters with no known camera",
    "authorizations": "authorizations expired, expiring within "
    f"{EXPIRY_WARNING_MONTHS} months, or undated",
    "perimeters_outside_commune": "perimeters that leave the commune",
}

_COLUMNS: dict[str, list[str]] = {
    "cameras_outside": [
        "id", "source", "location_precision", "reason", "in_perimeters",
        "nearest_perimeter", "distance_m", "in_commune",
    ],
    "perimeters_without_camera": ["id", "name", "decree_ref", "status", "area_km2"],
    "authorizations": [
        "id", "name", "decree_ref", "decree_date", "valid_until", "valid_until_basis",
        "status", "days_left",
    ],
    "perimeters_outside_commune": ["id", "name", "decree_ref", "area_km2", "outside_km2",
                                   "outside_share"],
}


@dataclass(frozen=True)
class ComplianceTable:
    """One compliance table and, when it is empty for want of something to check, why.

    Parameters
    ----------
    frame : GeoDataFrame
        The rows (EPSG:4326, an ``id`` column).
    note : str, optional
        Why the table says nothing (``no perimeter digitized``…); None otherwise.
    """

    frame: gpd.GeoDataFrame
    note: str | None = None

    def __len__(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class Compliance:
    """The four compliance tables of a city, judged as of ``today`` (keyed by :data:`TABLES`)."""

    today: dt.date
    tables: dict[str, ComplianceTable]

    def frames(self) -> dict[str, gpd.GeoDataFrame]:
        """The tables' frames by name."""
        return {name: table.frame for name, table in self.tables.items()}


@dataclass
class ComplianceLayers:
    """The layers compliance needs, when there is no :class:`~geocover.pipeline.analysis.Analysis`.

    Parameters
    ----------
    commune : GeoDataFrame
        One row, the commune (any CRS).
    perimeters : GeoDataFrame
        The perimeter layer (``id``, ``name``, ``decree_ref``, ``decree_date``,
        ``valid_until``, geometry), as :func:`geocover.sources.perimeters.load_perimeters` gives.
    cameras : GeoDataFrame, optional
        The camera layer (``id``, ``source``, ``location_precision``, Point geometry);
        None when no camera source was read.
    crs : str, optional
        The metric CRS for distances and areas (default: :func:`metric_crs` of the commune).
    """

    commune: gpd.GeoDataFrame
    perimeters: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame | None = None
    crs: str | None = None


def _layers(obj: Any) -> ComplianceLayers:
    """An Analysis, a ComplianceLayers or a mapping → ComplianceLayers."""
    if isinstance(obj, ComplianceLayers):
        layers = obj
    elif isinstance(obj, Mapping):
        try:
            layers = ComplianceLayers(obj["commune"], obj["perimeters"], obj.get("cameras"),
                                      obj.get("crs"))
        except KeyError as exc:
            raise UsageError(f"compliance layers need a {exc.args[0]!r} entry") from None
    elif hasattr(obj, "commune") and hasattr(obj, "perimeters"):
        layers = ComplianceLayers(obj.commune, obj.perimeters, getattr(obj, "cameras", None),
                                  getattr(obj, "crs", None))
    else:
        raise UsageError(
            "compliance_tables takes an Analysis (from analyse()), a ComplianceLayers or a "
            f"mapping with commune, perimeters and cameras, not {type(obj).__name__}"
        )
    perimeters = getattr(layers.perimeters, "frame", layers.perimeters)  # a PerimeterSet
    if perimeters is None:
        from geocover.schema.perimeters import empty_perimeters

        perimeters = empty_perimeters()
    crs = layers.crs or metric_crs(layers.commune)
    return ComplianceLayers(layers.commune, perimeters, layers.cameras, crs)


def _empty(name: str, geom_crs: str = settings.STORAGE_CRS) -> gpd.GeoDataFrame:
    columns: dict[str, str | None] = dict.fromkeys(_COLUMNS[name], "object")
    return empty_layer({**columns, "geometry": None}, geom_crs)


def _frame(name: str, rows: list[dict[str, Any]], geoms: list[Any],
           crs: str | CRS) -> gpd.GeoDataFrame:
    if not rows:
        return _empty(name)
    frame = gpd.GeoDataFrame(rows, columns=_COLUMNS[name], geometry=geoms, crs=crs)
    return frame.to_crs(settings.STORAGE_CRS).reset_index(drop=True)


# ----------------------------------------------------------------------------- dates


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def authorization_table(
    perimeters: gpd.GeoDataFrame, today: dt.date | None = None
) -> ComplianceTable:
    """Authorizations expired, expiring within :data:`EXPIRY_WARNING_MONTHS` months, or undated.

    The end is the one rule of :func:`geocover.schema.perimeters.authorization_end`:
    the stated ``valid_until``, else ``decree_date`` + ``settings.AUTHORIZATION_YEARS``
    years (``valid_until_basis`` says which). An authorization is *expired* when
    :func:`~geocover.schema.perimeters.status_of` says so (its end < ``today``), *expiring* when it
    ends before ``today`` + 6 months, *undated* when neither date is known. Valid
    authorizations beyond the horizon are left out.

    Returns
    -------
    ComplianceTable
        ``id, name, decree_ref, decree_date, valid_until, valid_until_basis, status,
        days_left, geometry`` (EPSG:4326), soonest first.
    """
    today = today or dt.date.today()
    horizon = _add_months(today, EXPIRY_WARNING_MONTHS)
    rows, geoms = [], []
    for _, p in perimeters.iterrows():
        decree = _date(p.get("decree_date"))
        until = authorization_end(p.get("decree_date"), p.get("valid_until"))
        basis = authorization_basis(p.get("decree_date"), p.get("valid_until"))
        state = status_of(p.get("decree_date"), p.get("valid_until"), today)
        if until is None:
            status, days = "undated", None
        elif state == "expired":
            status, days = "expired", (until - today).days
        elif until <= horizon:
            status, days = "expiring", (until - today).days
        else:
            continue
        rows.append({
            "id": str(p["id"]),
            "name": text_or_none(p.get("name")),
            "decree_ref": text_or_none(p.get("decree_ref")),
            "decree_date": decree.isoformat() if decree else None,
            "valid_until": until.isoformat() if until else None,
            "valid_until_basis": basis,
            "status": status,
            "days_left": days,
        })
        geoms.append(p.geometry)
    frame = _frame("authorizations", rows, geoms, perimeters.crs or settings.STORAGE_CRS)
    if len(frame):
        order = frame["days_left"].fillna(-math.inf).astype(float).argsort(kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        frame["days_left"] = frame["days_left"].astype("Int64")
    note = "no perimeter digitized: no authorization to check" if perimeters.empty else None
    return ComplianceTable(frame, note)


# ----------------------------------------------------------------------------- geometry


def cameras_outside(
    cameras: gpd.GeoDataFrame | None,
    perimeters: gpd.GeoDataFrame,
    commune: gpd.GeoDataFrame,
    crs: str,
    today: dt.date | None = None,
) -> ComplianceTable:
    """Cameras outside every perimeter, or inside expired perimeters only.

    One spatial join of the cameras with the perimeters (a point on an edge is inside);
    the distance to the nearest perimeter is measured in ``crs``.
    """
    if cameras is None:
        return ComplianceTable(_empty("cameras_outside"), "no camera source was read")
    if perimeters.empty:
        return ComplianceTable(_empty("cameras_outside"),
                               "no perimeter digitized: every camera would be 'outside', which "
                               "says nothing; digitize the decrees first")
    if cameras.empty:
        return ComplianceTable(_empty("cameras_outside"), "no known camera")
    today = today or dt.date.today()
    cam = cameras[["id", "geometry"]].to_crs(crs).reset_index(drop=True)
    per = perimeters.to_crs(crs).reset_index(drop=True)
    expired = np.array(
        [status_of(p.get("decree_date"), p.get("valid_until"), today) == "expired"
         for _, p in per.iterrows()], dtype=bool)
    joined = gpd.sjoin(cam, per[["geometry"]], how="left", predicate="intersects")
    hits: dict[int, list[int]] = {}
    for cam_idx, per_idx in zip(joined.index, joined["index_right"], strict=True):
        if not pd.isna(per_idx):
            hits.setdefault(int(cam_idx), []).append(int(per_idx))
    commune_m = commune.to_crs(crs).geometry.union_all()
    per_geoms = per.geometry.to_numpy()
    tree = shapely.STRtree(per_geoms)
    rows, geoms = [], []
    for i, point in enumerate(cam.geometry):
        inside = hits.get(i, [])
        if inside and not expired[inside].all():
            continue
        src = cameras.iloc[i]
        if inside:
            reason = "only in expired perimeters"
            nearest, distance = str(per.loc[inside[0], "id"]), 0.0
        else:
            reason = "outside every perimeter"
            k = int(tree.nearest(point))
            nearest, distance = str(per.loc[k, "id"]), float(shapely.distance(point, per_geoms[k]))
        rows.append({
            "id": str(src["id"]),
            "source": text_or_none(src.get("source")),
            "location_precision": text_or_none(src.get("location_precision")),
            "reason": reason,
            "in_perimeters": ";".join(str(per.loc[k, "id"]) for k in inside) or None,
            "nearest_perimeter": nearest,
            "distance_m": round(distance, 3),
            "in_commune": bool(commune_m.covers(point)),
        })
        geoms.append(point)
    frame = _frame("cameras_outside", rows, geoms, crs)
    if len(frame):
        frame["distance_m"] = frame["distance_m"].astype(float)
        frame["in_commune"] = frame["in_commune"].astype(bool)
    return ComplianceTable(frame)


def perimeters_without_camera(
    perimeters: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame | None, crs: str
) -> ComplianceTable:
    """Perimeters that hold no known camera (one spatial join)."""
    if perimeters.empty:
        return ComplianceTable(_empty("perimeters_without_camera"), "no perimeter digitized")
    per = perimeters.to_crs(crs).reset_index(drop=True)
    holding: set[int] = set()
    if cameras is not None and not cameras.empty:
        joined = gpd.sjoin(per[["geometry"]], cameras[["geometry"]].to_crs(crs),
                           how="inner", predicate="intersects")
        holding = {int(i) for i in joined.index}
    rows, geoms = [], []
    for i, p in per.iterrows():
        if i in holding:
            continue
        rows.append({
            "id": str(p["id"]),
            "name": text_or_none(p.get("name")),
            "decree_ref": text_or_none(p.get("decree_ref")),
            "status": text_or_none(p.get("status")),
            "area_km2": float(p.geometry.area) / 1e6,
        })
        geoms.append(p.geometry)
    frame = _frame("perimeters_without_camera", rows, geoms, crs)
    if cameras is None:
        return ComplianceTable(frame, "no camera source was read: every perimeter has no "
                                      "known camera")
    return ComplianceTable(frame)


def perimeters_outside_commune(
    perimeters: gpd.GeoDataFrame, commune: gpd.GeoDataFrame, crs: str
) -> ComplianceTable:
    """Perimeters with more than :data:`OUTSIDE_TOLERANCE_M2` outside the commune;
    the geometry is the part outside, ``outside_km2`` its area in ``crs``."""
    if perimeters.empty:
        return ComplianceTable(_empty("perimeters_outside_commune"), "no perimeter digitized")
    per = perimeters.to_crs(crs).reset_index(drop=True)
    commune_m = commune.to_crs(crs).geometry.union_all()
    shapely.prepare(commune_m)
    outside = shapely.difference(per.geometry.to_numpy(), commune_m)
    out_area = shapely.area(outside)
    rows, geoms = [], []
    for i, (_, p) in enumerate(per.iterrows()):  # per has a RangeIndex: i is both
        if out_area[i] <= OUTSIDE_TOLERANCE_M2:
            continue
        area = float(p.geometry.area)
        rows.append({
            "id": str(p["id"]),
            "name": text_or_none(p.get("name")),
            "decree_ref": text_or_none(p.get("decree_ref")),
            "area_km2": area / 1e6,
            "outside_km2": float(out_area[i]) / 1e6,
            "outside_share": float(out_area[i]) / area if area else None,
        })
        geoms.append(outside[i])
    return ComplianceTable(_frame("perimeters_outside_commune", rows, geoms, crs))


def compliance(analysis_or_layers: Any, today: dt.date | None = None) -> Compliance:
    """The four compliance tables of a city, with their notes (see the module docstring).

    Parameters
    ----------
    analysis_or_layers : Analysis, ComplianceLayers or mapping
        What :func:`geocover.analyse` returns, or the layers themselves.
    today : date, optional
        The date authorizations are judged against (default: today).

    Examples
    --------
    >>> from geocover import analyse
    >>> result = compliance(analyse("metz", bundle="../shared/data"))
    >>> {name: len(t) for name, t in result.tables.items()}
    {'cameras_outside': 0, 'perimeters_without_camera': 0, 'authorizations': 0, ...}
    """
    layers = _layers(analysis_or_layers)
    assert layers.crs is not None
    today = today or dt.date.today()
    return Compliance(today, {
        "cameras_outside": cameras_outside(layers.cameras, layers.perimeters, layers.commune,
                                           layers.crs, today),
        "perimeters_without_camera": perimeters_without_camera(layers.perimeters, layers.cameras,
                                                               layers.crs),
        "authorizations": authorization_table(layers.perimeters, today),
        "perimeters_outside_commune": perimeters_outside_commune(layers.perimeters,
                                                                 layers.commune, layers.crs),
    })


def compliance_tables(
    analysis_or_layers: Any, today: dt.date | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """The frames of :func:`compliance` (without their notes), keyed by :data:`TABLES`,
    each in EPSG:4326 with an ``id`` column."""
    return compliance(analysis_or_layers, today).frames()
