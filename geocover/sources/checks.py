"""Checks of remote answers before they are used or cached (geo.api.gouv.fr, Overpass).

A server can be down, confused or hostile: a Point for a commune, a 3-vertex sliver,
coordinates outside France, another commune's code, an empty département, Overpass
elements with malformed tags. Each check raises ``ValueError`` with the reason;
:func:`geocover.sources.http.fetch_text` then refuses the answer and never caches it,
and treats a cached copy that fails the same check as a miss.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely
import shapely.errors
import shapely.geometry
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

#: Bounding boxes (west, south, east, north, in degrees) of France by the first digits of
#: the INSEE code: metropolitan France and Corsica, then each overseas département or
#: collectivity, with a margin of about 0.5°.
FRANCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "metropole": (-5.8, 41.0, 10.0, 51.6),
    "971": (-62.0, 15.6, -60.7, 16.8),     # Guadeloupe
    "972": (-61.5, 14.1, -60.5, 15.1),     # Martinique
    "973": (-55.0, 1.8, -51.2, 6.2),       # Guyane
    "974": (54.9, -21.7, 56.2, -20.5),     # La Réunion
    "975": (-56.8, 46.5, -55.9, 47.4),     # Saint-Pierre-et-Miquelon
    "976": (44.7, -13.3, 45.6, -12.3),     # Mayotte
    "977": (-63.2, 17.6, -62.5, 18.2),     # Saint-Barthélemy
    "978": (-63.4, 17.8, -62.7, 18.4),     # Saint-Martin
    "986": (-178.5, -14.6, -175.8, -12.9),  # Wallis-et-Futuna
    "987": (-155.0, -28.5, -134.0, -7.5),   # Polynésie française
    "988": (158.0, -23.5, 172.5, -17.5),    # Nouvelle-Calédonie
}
#: The smallest and largest areas of a French commune, with a margin (Castelmoron-
#: d'Albret is 0.04 km², Maripasoula 18 360 km²).
MIN_COMMUNE_KM2, MAX_COMMUNE_KM2 = 0.02, 20_000.0
#: How far a commune's area may stray from the official one (a simplified contour is
#: within a few percent; a sliver or another commune is not).
AREA_TOLERANCE = 0.25

_GEOD = Geod(ellps="WGS84")


def box_of(code: str) -> tuple[float, float, float, float]:
    """The bounding box a commune or département ``code`` must lie in."""
    code = str(code).upper()
    return FRANCE_BOXES.get(code[:3], FRANCE_BOXES["metropole"])


def geodesic_km2(geometry: BaseGeometry) -> float:
    """The area of a lon/lat polygon on the WGS 84 ellipsoid, in km²."""
    area, _ = _GEOD.geometry_area_perimeter(geometry)
    return abs(area) / 1e6


def _area_geometry(raw: Any, where: str) -> BaseGeometry:
    if not isinstance(raw, Mapping) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        kind = raw.get("type") if isinstance(raw, Mapping) else type(raw).__name__
        raise ValueError(f"{where}: a {kind} where a Polygon or MultiPolygon is expected")
    if not _finite_numbers(raw.get("coordinates")):
        raise ValueError(f"{where}: coordinates that are not finite numbers")
    try:
        geometry = shapely.geometry.shape(dict(raw))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError,
            shapely.errors.ShapelyError) as exc:
        raise ValueError(f"{where}: unreadable geometry ({exc})") from None
    coords = shapely.get_coordinates(geometry)
    if len(coords) == 0:
        raise ValueError(f"{where}: an empty geometry")
    if not np.isfinite(coords).all():
        raise ValueError(f"{where}: coordinates that are not finite numbers")
    if not shapely.is_valid(geometry):
        raise ValueError(f"{where}: an invalid polygon ({shapely.is_valid_reason(geometry)})")
    return geometry


def finite_coordinates(value: Any, depth: int = 0) -> bool:
    """Whether nested GeoJSON ``coordinates`` hold only finite numbers (no NaN, no
    Infinity, no text), at most 6 levels deep."""
    if depth > 6:
        return False
    if isinstance(value, list):
        return all(finite_coordinates(v, depth + 1) for v in value)
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


_finite_numbers = finite_coordinates


def _within_box(geometry: BaseGeometry, code: str, where: str) -> None:
    west, south, east, north = box_of(code)
    x1, y1, x2, y2 = geometry.bounds
    if x1 < west or x2 > east or y1 < south or y2 > north:
        raise ValueError(
            f"{where}: coordinates ({x1:.4g}, {y1:.4g}) to ({x2:.4g}, {y2:.4g}) lie outside "
            f"the part of France code {code} belongs to"
        )


def check_commune_feature(data: Any, code: str, official_area_km2: float | None = None) -> None:
    """A geo.api.gouv.fr commune answer: a Feature for ``code`` whose contour is a valid
    Polygon or MultiPolygon in France, of a plausible area (within
    :data:`AREA_TOLERANCE` of ``official_area_km2`` when it is known).

    Raises
    ------
    ValueError
        With the reason.
    """
    where = f"commune {code}"
    if not isinstance(data, Mapping) or data.get("type") != "Feature":
        raise ValueError("expected a GeoJSON Feature with a contour geometry")
    props = data.get("properties")
    if not isinstance(props, Mapping):
        raise ValueError(f"{where}: the Feature has no properties")
    given = props.get("code")
    if given is None or str(given) != code:
        raise ValueError(f"the answer is commune {given!r}, not {code}")
    geometry = _area_geometry(data.get("geometry"), where)
    _within_box(geometry, code, where)
    area = geodesic_km2(geometry)
    if not MIN_COMMUNE_KM2 <= area <= MAX_COMMUNE_KM2:
        raise ValueError(f"{where}: an area of {area:.4g} km², not a commune's")
    if official_area_km2:
        ratio = area / official_area_km2
        if abs(ratio - 1) > AREA_TOLERANCE:
            raise ValueError(
                f"{where}: {area:.4g} km², far from the official {official_area_km2:g} km² "
                f"(more than {AREA_TOLERANCE:.0%} apart): a damaged or simplified-away contour"
            )


def check_departement_collection(data: Any, departement: str) -> None:
    """A geo.api.gouv.fr answer for the communes of ``departement``: a non-empty
    FeatureCollection of communes of that département, each a valid polygon in France
    of a commune's area."""
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise ValueError("expected a GeoJSON FeatureCollection of communes")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError(f"no commune in the answer for département {departement}")
    for index, feature in enumerate(features):
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise ValueError(f"feature {index} is not a GeoJSON Feature")
        props = feature.get("properties")
        code = str(props.get("code", "")) if isinstance(props, Mapping) else ""
        if not code.startswith(departement):
            raise ValueError(
                f"feature {index} is commune {code!r}, not one of département {departement}"
            )
        geometry = _area_geometry(feature.get("geometry"), f"commune {code}")
        _within_box(geometry, code, f"commune {code}")
        area = geodesic_km2(geometry)
        if not MIN_COMMUNE_KM2 / 10 <= area <= MAX_COMMUNE_KM2:
            raise ValueError(f"commune {code}: an area of {area:.4g} km², not a commune's")


def _number(value: Any, low: float, high: float) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and low <= value <= high)


def _point(value: Any) -> bool:
    return (isinstance(value, Mapping) and _number(value.get("lat"), -90, 90)
            and _number(value.get("lon"), -180, 180))


def check_elements(elements: Any) -> None:
    """Overpass elements: each an object with a known ``type`` and an integer ``id``,
    ``tags`` (if any) an object of text values, nodes with finite lat/lon in range,
    ``geometry`` a list of such points, ``members`` a list of objects.

    Raises
    ------
    ValueError
        Naming the first malformed element.
    """
    if not isinstance(elements, list):
        raise ValueError("no 'elements' list in the answer")
    for index, element in enumerate(elements):
        if not isinstance(element, Mapping):
            raise ValueError(f"element {index} is not an object")
        kind = element.get("type")
        if kind not in ("node", "way", "relation", "area", "count"):
            raise ValueError(f"element {index} has an unknown type {kind!r}")
        eid = element.get("id")
        if kind != "count" and (not isinstance(eid, int) or isinstance(eid, bool)):
            raise ValueError(f"element {index} ({kind}) has no integer id")
        tags = element.get("tags")
        if tags is not None and (
            not isinstance(tags, Mapping)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items())
        ):
            raise ValueError(f"{kind} {eid}: malformed tags (an object of text values expected)")
        if kind == "node" and not _point(element):
            raise ValueError(f"node {eid}: no finite lat/lon in range")
        geometry = element.get("geometry")
        if geometry is not None and (
            not isinstance(geometry, list)
            or not all(p is None or _point(p) for p in geometry)
        ):
            raise ValueError(f"{kind} {eid}: malformed geometry")
        center = element.get("center")
        if center is not None and not _point(center):
            raise ValueError(f"{kind} {eid}: malformed center")
        members = element.get("members")
        if members is not None:
            if not isinstance(members, list) or not all(isinstance(m, Mapping) for m in members):
                raise ValueError(f"{kind} {eid}: malformed members")
            for member in members:
                points = member.get("geometry")
                if points is not None and (not isinstance(points, list)
                                           or not all(p is None or _point(p) for p in points)):
                    raise ValueError(f"{kind} {eid}: a member with a malformed geometry")
