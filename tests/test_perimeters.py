"""Perimeters: validation, and figures checked against closed forms on synthetic shapes."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import shapely

from geocover.errors import DataError
from geocover.model.coverage import perimeter_figures
from geocover.sources.perimeters import load_perimeters
from tests.helpers import X0, Y0, l93_box, square_commune, write_layer

KM = 1000.0


def disc(cx_km: float, cy_km: float, r_km: float) -> shapely.Polygon:
    return shapely.Point(X0 + cx_km * KM, Y0 + cy_km * KM).buffer(r_km * KM, quad_segs=512)


def synthetic_perimeters() -> list[dict]:
    """Generated (synthetic) perimeters inside a 10 km square commune, with known areas."""
    holed = shapely.Polygon(
        l93_box(5, 5, 8, 8).exterior.coords, [l93_box(6, 6, 7, 7).exterior.coords]
    )
    return [
        {"id": "A", "decree_ref": "synthetic A", "geometry": l93_box(1, 1, 3, 3)},
        {
            "id": "B",
            "decree_ref": "synthetic B",
            "geometry": l93_box(2, 2, 4, 4),
        },  # overlaps A by 1 km²
        {"id": "C", "decree_ref": "synthetic C", "geometry": holed},  # 9 - 1 km²
        {
            "id": "D",
            "decree_ref": "synthetic D",
            "geometry": shapely.MultiPolygon([l93_box(1, 6, 2, 7), l93_box(1, 8, 2, 9)]),
        },  # 2 km²
        {
            "id": "E",
            "decree_ref": "synthetic E",
            "geometry": l93_box(9, 0.5, 11, 1.5),
        },  # half outside
        {"id": "F", "decree_ref": "synthetic F", "geometry": disc(5, 2, 0.5)},  # π/4 km²
    ]


def test_figures_against_closed_forms(tmp_path):
    path = write_layer(tmp_path / "perimeters.geojson", synthetic_perimeters())
    loaded = load_perimeters(path)
    assert loaded.count == 6
    figures = perimeter_figures(loaded.frame, square_commune(), official_area_km2=100.0)
    disc_area = math.pi * 0.5**2
    expected_union = (4 + 4 - 1) + (9 - 1) + 2 + 1 + disc_area
    assert figures.crs == "EPSG:2154"
    # The disc is a 2048-gon: its area is within 4e-6 of π r².
    assert figures.area_km2 == pytest.approx(expected_union, rel=1e-6)
    assert figures.share == pytest.approx(expected_union / 100, rel=1e-6)
    assert figures.share_of_official == pytest.approx(expected_union / 100, rel=1e-6)
    assert figures.overlap_km2 == pytest.approx(1.0, rel=1e-6)
    assert figures.outside_km2 == pytest.approx(1.0, rel=1e-6)
    assert figures.outside_by_id == pytest.approx({"E": 1.0}, rel=1e-6)
    assert figures.sum_km2 == pytest.approx(4 + 4 + 8 + 2 + 2 + disc_area, rel=1e-6)


def test_identical_perimeters_count_once(tmp_path):
    rows = [{"id": str(i), "geometry": l93_box(1, 1, 4, 3)} for i in range(5)]
    figures = perimeter_figures(load_perimeters(write_layer(tmp_path / "p.geojson", rows)).frame,
                                square_commune())
    assert figures.area_km2 == pytest.approx(6.0, rel=1e-9)
    assert figures.overlap_km2 == pytest.approx(24.0, rel=1e-9)


def test_perimeter_covering_everything_is_clipped(tmp_path):
    rows = [{"id": "all", "geometry": l93_box(-5, -5, 15, 15)}]
    figures = perimeter_figures(load_perimeters(write_layer(tmp_path / "p.geojson", rows)).frame,
                                square_commune())
    assert figures.share == pytest.approx(1.0, rel=1e-9)
    assert figures.outside_km2 == pytest.approx(400 - 100, rel=1e-9)


def test_empty_file_gives_zero(tmp_path):
    path = tmp_path / "p.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    loaded = load_perimeters(path)
    assert loaded.count == 0
    figures = perimeter_figures(loaded.frame, square_commune())
    assert figures.count == 0 and figures.area_km2 == 0.0


def test_status_from_valid_until(tmp_path):
    rows = [
        {
            "id": "old",
            "decree_date": "2014-03-01",
            "valid_until": "2019-03-01",
            "geometry": l93_box(0, 0, 1, 1),
        },
        {
            "id": "ok",
            "decree_date": "2024-03-01",
            "valid_until": "2029-03-01",
            "geometry": l93_box(1, 1, 2, 2),
        },
        {"id": "undated", "geometry": l93_box(2, 2, 3, 3)},
    ]
    loaded = load_perimeters(write_layer(tmp_path / "p.geojson", rows), today=dt.date(2026, 11, 28))
    assert dict(zip(loaded.frame["id"], loaded.frame["status"], strict=True)) == {
        "old": "expired", "ok": "valid", "undated": "unknown"}
    assert any("old expired on 2019-03-01" in w for w in loaded.warnings)


def test_invalid_polygon_raises_by_default_and_repairs_on_request(tmp_path):
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 2000, Y0 + 2000), (X0 + 2000, Y0), (X0, Y0 + 2000)])
    path = write_layer(tmp_path / "p.geojson", [{"id": "bow", "geometry": bowtie}])
    with pytest.raises(DataError, match=r"p\.geojson: row 0: invalid polygon \(Self-intersection"):
        load_perimeters(path)
    loaded = load_perimeters(path, on_invalid="repair")
    assert loaded.frame["repaired"].tolist() == [True]
    assert any("repaired" in w for w in loaded.warnings)
    # The bow-tie's two triangles: 2 × (2 km × 1 km / 2) = 2 km².
    figures = perimeter_figures(loaded.frame, square_commune())
    assert figures.area_km2 == pytest.approx(2.0, rel=1e-9)


def test_no_crs_needs_assume_crs(tmp_path):
    import geopandas as gpd

    path = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"id": ["a"]}, geometry=[l93_box(1, 1, 2, 2)]).to_file(path)
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(DataError, match=r"nocrs\.shp: the file declares no CRS") as info:
        load_perimeters(path)
    assert info.value.hint == "assume_crs"  # the CLI says --assume-crs
    loaded = load_perimeters(path, assume_crs="EPSG:2154")
    figures = perimeter_figures(loaded.frame, square_commune())
    assert figures.area_km2 == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [
                {"id": "a", "geometry": l93_box(0, 0, 1, 1)},
                {"id": "a", "geometry": l93_box(1, 1, 2, 2)},
            ],
            r"row 1: duplicate id 'a'",
        ),
        (
            [{"id": "a", "decree_date": "12/03/2019", "geometry": l93_box(0, 0, 1, 1)}],
            r"row 0: decree_date '12/03/2019' is not a date",
        ),
        (
            [
                {
                    "id": "a",
                    "decree_date": "2020-01-01",
                    "valid_until": "2019-01-01",
                    "geometry": l93_box(0, 0, 1, 1),
                }
            ],
            r"row 0: valid_until 2019-01-01 is before decree_date 2020-01-01",
        ),
        (
            [{"id": "a", "geometry": shapely.Point(X0, Y0)}],
            r"row 0: a Point where polygons are expected",
        ),
        (
            [
                {"id": "a", "geometry": l93_box(0, 0, 1, 1)},
                {"id": "b", "geometry": shapely.LineString([(X0, Y0), (X0 + 1, Y0 + 1)])},
            ],
            r"row 1: a LineString where polygons are expected",
        ),
    ],
)
def test_bad_perimeters(tmp_path, rows, message):
    path = write_layer(tmp_path / "p.geojson", rows)
    with pytest.raises(DataError, match=message):
        load_perimeters(path)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("p.geojson", "this is not json", "not a readable geospatial file"),
        ("p.geojson", "", "the file is empty"),
        ("p.csv", "a,b\n1,2\n", "no geometry column|not a readable geospatial file"),
        ("p.txt", "hello", "not a readable geospatial file"),
    ],
)
def test_not_geospatial(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        load_perimeters(path)
