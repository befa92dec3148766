"""crs.to_degrees: small shapes back to EPSG:4326 by a fitted quadratic, against pyproj."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geocover.model.crs import LOCAL_HALF_M, LOCAL_TOL_DEG, REGION_HALF_M, to_degrees
from geocover.model.fov import fields_of_view


def _cameras(n: int, crs: str, x0: float, y0: float, spread: float) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(n)
    xy = rng.uniform(-spread, spread, (n, 2)) + (x0, y0)
    kinds = rng.choice(["fixed", "dome"], n)
    return gpd.GeoDataFrame(
        {"camera_type": kinds,
         "directions": [[(float(a), float(a))] if k == "fixed" else []
                        for k, a in zip(kinds, rng.uniform(0, 360, n), strict=True)],
         "height_m": np.nan, "tilt_deg": np.nan},
        geometry=shapely.points(xy), crs=crs)


@pytest.mark.parametrize(("crs", "x0", "y0"), [
    ("EPSG:2154", 652_000.0, 6_862_000.0),  # Paris, Lambert-93
    ("EPSG:2154", 1_242_000.0, 6_228_000.0),  # Nice, far from the projection's centre
    ("EPSG:32632", 374_000.0, 4_842_000.0),  # Monaco, UTM 32N
])
def test_fields_of_view_agree_with_pyproj_vertex_by_vertex(crs, x0, y0) -> None:
    cams = _cameras(400, crs, x0, y0, 5_000.0)
    fovs = fields_of_view(cams, "panopticity-identification")  # the 300 m fields
    fast = to_degrees(fovs)
    exact = fovs.to_crs("EPSG:4326")
    assert fast.crs == "EPSG:4326" and fast.index.equals(fovs.index) and fast.name == fovs.name
    a, b = shapely.get_coordinates(fast.to_numpy()), shapely.get_coordinates(exact.to_numpy())
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 1e-11  # (the fit's own error; the check allows 1e-9)
    assert shapely.equals_exact(fast.to_numpy(), exact.to_numpy(), tolerance=LOCAL_TOL_DEG).all()


def test_geometries_within_a_region_are_mapped_by_one_quartic() -> None:
    """A commune's worth of geometries (here a 3 km disc, a 50 m one, a missing and an
    empty one): one quartic for every vertex, within 1e-11° of pyproj."""
    big = shapely.Point(652_000, 6_862_000).buffer(3 * LOCAL_HALF_M)
    small = shapely.Point(660_000, 6_855_000).buffer(50)
    series = gpd.GeoSeries([big, None, shapely.Polygon(), small], index=[4, 3, 2, 1],
                           crs="EPSG:2154", name="fov")
    fast = to_degrees(series)
    exact = series.to_crs("EPSG:4326")
    assert list(fast.index) == [4, 3, 2, 1] and fast.name == "fov"
    assert fast.iloc[1] is None and fast.iloc[2].is_empty
    for i in (0, 3):
        assert shapely.equals_exact(fast.iloc[i], exact.iloc[i], tolerance=1e-11)
        assert not shapely.equals_exact(fast.iloc[i], exact.iloc[i], tolerance=0)  # fitted
    assert series.iloc[3].equals_exact(small, tolerance=0)  # the input is untouched


def test_beyond_a_region_large_geometries_take_the_exact_path() -> None:
    """Geometries further apart than REGION_HALF_M allows: each small one by its own
    quadratic, a large one by pyproj vertex by vertex."""
    big = shapely.Point(652_000, 6_862_000).buffer(3 * LOCAL_HALF_M)
    far = shapely.Point(652_000 + 4 * REGION_HALF_M, 6_862_000).buffer(50)
    series = gpd.GeoSeries([big, None, shapely.Polygon(), far], crs="EPSG:2154")
    fast = to_degrees(series)
    exact = series.to_crs("EPSG:4326")
    assert shapely.equals_exact(fast.iloc[0], exact.iloc[0], tolerance=0)  # pyproj's own
    assert fast.iloc[1] is None and fast.iloc[2].is_empty
    assert shapely.equals_exact(fast.iloc[3], exact.iloc[3], tolerance=1e-11)
    assert not shapely.equals_exact(fast.iloc[3], exact.iloc[3], tolerance=0)  # fitted


def test_the_quartic_of_a_whole_commune_agrees_with_pyproj() -> None:
    """Paris's 20 km box and a box of REGION_HALF_M around Nice, 20,000 random vertices:
    the fit's error stays far inside LOCAL_TOL_DEG (and is checked against it)."""
    from pyproj import Transformer

    from geocover.model.crs import _evaluate_quartic, _region_fit

    t = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    rng = np.random.default_rng(7)
    for box, bound in (((643_000.0, 6_857_000.0, 661_000.0, 6_867_000.0), 1e-12),
                       ((1_217_000.0, 6_203_000.0, 1_267_000.0, 6_253_000.0), 1e-10)):
        fit = _region_fit(t, box)
        assert fit is not None
        cx, cy, h, k_lon, k_lat = fit
        x = rng.uniform(box[0], box[2], 20_000)
        y = rng.uniform(box[1], box[3], 20_000)
        lon, lat = t.transform(x, y)
        u, v = (x - cx) / h, (y - cy) / h
        assert np.abs(_evaluate_quartic(k_lon, u, v) - lon).max() <= bound
        assert np.abs(_evaluate_quartic(k_lat, u, v) - lat).max() <= bound


def test_where_the_fit_is_not_good_enough_pyproj_is_used() -> None:
    # At the North Pole, in polar stereographic, longitude turns all the way round a
    # 100 m disc: no quadratic follows it, the check fails, pyproj answers.
    pole = gpd.GeoSeries([shapely.Point(0, 0).buffer(100),
                          shapely.Point(0, -2_000_000).buffer(100)], crs="EPSG:3413")
    fast = to_degrees(pole)
    exact = pole.to_crs("EPSG:4326")
    assert shapely.equals_exact(fast.iloc[0], exact.iloc[0], tolerance=0)
    assert shapely.equals_exact(fast.iloc[1], exact.iloc[1], tolerance=LOCAL_TOL_DEG)
    # The pole's disc alone: within one region, whose quartic fails its check too.
    alone = to_degrees(pole.iloc[:1])
    assert shapely.equals_exact(alone.iloc[0], exact.iloc[0], tolerance=0)
