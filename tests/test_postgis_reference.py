"""Reference computations in PostGIS (Debian's postgresql-15-postgis-3, a throwaway
cluster on loopback): geocover's figures against an independent engine."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from benchmarks.pg import throwaway_cluster
from geocover import analyse
from geocover.model import fov
from geocover.model.coverage import perimeter_figures
from geocover.model.union import union_area_within
from tests.helpers import X0, Y0, l93_box, square_commune

pytestmark = pytest.mark.postgis


@pytest.fixture(scope="module")
def pg():
    with throwaway_cluster() as cluster, cluster.connect() as conn:
        yield conn


def scalar(conn, sql: str, *params):
    return conn.execute(sql, params).fetchone()[0]


def test_metz_areas_match_postgis(pg, bundle):
    metz = analyse(bundle=bundle, presets=["sunders"])
    feature = json.loads((bundle / "geo-api/communes-57463-contour.json").read_text())
    geojson = json.dumps(feature["geometry"])
    planar = scalar(
        pg, "SELECT ST_Area(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), 2154))", geojson
    )
    geodesic = scalar(
        pg, "SELECT ST_Area(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326)::geography, true)", geojson
    )
    assert metz.commune_figures.area_km2 == pytest.approx(planar / 1e6, rel=1e-9)
    # PostGIS's spheroid area (GeographicLib) against pyproj's Geod (also GeographicLib).
    assert metz.commune_figures.geodesic_area_km2 == pytest.approx(geodesic / 1e6, rel=1e-7)


def test_perimeter_union_matches_postgis(pg):
    """Overlapping, holed and partly outside perimeters (synthetic), counted once."""
    shapes = [
        l93_box(1, 1, 3, 3),
        l93_box(2, 2, 4, 4),
        shapely.Polygon(l93_box(5, 5, 8, 8).exterior.coords, [l93_box(6, 6, 7, 7).exterior.coords]),
        l93_box(9, 0.5, 11, 1.5),
    ]
    frame = gpd.GeoDataFrame(
        {"id": list("ABCD"), "status": "unknown"}, geometry=shapes, crs=2154
    ).to_crs(4326)
    figures = perimeter_figures(frame, square_commune())
    wkbs = [g.wkb_hex for g in gpd.GeoSeries(shapes, crs=2154)]
    commune = l93_box(0, 0, 10, 10).wkb_hex
    inside = scalar(pg, """
        SELECT ST_Area(ST_Intersection(ST_Union(g), ST_GeomFromWKB(decode(%s, 'hex'))))
        FROM (SELECT ST_GeomFromWKB(decode(h, 'hex')) AS g FROM unnest(%s::text[]) AS h) s""",
                    commune, wkbs)
    assert figures.area_km2 == pytest.approx(inside / 1e6, rel=1e-6)  # 4326 round trip
    assert figures.area_km2 == pytest.approx(7 + 8 + 1, rel=1e-6)


def test_coverage_union_matches_postgis(pg):
    """5,000 synthetic wedges (seeded) in a synthetic 2 km square: union ∩ clip, both engines."""
    rng = np.random.default_rng(57463)
    n = 5000
    xy = rng.uniform([X0, Y0], [X0 + 2000, Y0 + 2000], size=(n, 2))
    cams = gpd.GeoDataFrame({
        "id": [f"synthetic:{i}" for i in range(n)], "camera_type": "fixed",
        "directions": [[(float(d), float(d))] for d in rng.uniform(0, 360, n)],
        "height_m": 5.0, "tilt_deg": np.nan,
    }, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=2154)
    fields = fov.fields_of_view(cams, "panopticity-recognition").to_numpy()
    clip = l93_box(0.2, 0.2, 1.8, 1.8)
    _, area = union_area_within(fields, clip)
    reference = scalar(pg, """
        SELECT ST_Area(ST_Intersection(ST_Union(g), ST_GeomFromWKB(decode(%s, 'hex'))))
        FROM (SELECT ST_GeomFromWKB(decode(h, 'hex')) AS g FROM unnest(%s::text[]) AS h) s""",
                       clip.wkb_hex, [g.wkb_hex for g in fields])
    assert area == pytest.approx(reference, rel=1e-9)
