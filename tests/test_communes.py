"""Commune boundaries from the bundle, from files and from a local geo.api.gouv.fr."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pyproj import Transformer

from geocover import settings
from geocover.errors import DataError, SourceError, UsageError
from geocover.model.coverage import commune_figures
from geocover.model.crs import metric_crs
from geocover.sources.communes import COMMUNE_COLUMNS, from_file, load_commune, load_departement


def shoelace_km2(ring_lonlat: list[list[float]], crs: str = "EPSG:2154") -> float:
    """Planar area by the shoelace formula on projected coordinates: independent of shapely."""
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = t.transform(*np.array(ring_lonlat).T)
    x, y = x - x.mean(), y - y.mean()  # centred, so the products keep their precision
    return abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2 / 1e6


def test_metz_from_bundle(bundle):
    metz = load_commune("57463", bundle=bundle)
    assert list(metz.columns) == COMMUNE_COLUMNS
    assert metz.loc[0, "code"] == "57463" and metz.loc[0, "name"] == "Metz"
    assert metz.crs.to_epsg() == 4326
    assert metz.loc[0, "source"] == "bundle:geo-api/communes-57463-contour.json"
    raw = json.loads((bundle / "geo-api/communes-57463-contour.json").read_text())
    ring = raw["geometry"]["coordinates"][0]
    figures = commune_figures(metz, 41.94)
    assert figures.crs == "EPSG:2154"
    assert figures.area_km2 == pytest.approx(shoelace_km2(ring), rel=1e-9)
    # The bundle's README: 41.753 km² planar, 41.746 km² geodesic.
    assert figures.area_km2 == pytest.approx(41.753, abs=0.001)
    assert figures.geodesic_area_km2 == pytest.approx(41.746, abs=0.001)
    assert abs(figures.planar_vs_geodesic) < 0.0005
    assert figures.computed_vs_official == pytest.approx(-0.0045, abs=0.0002)


def test_commune_from_communes_folder(bundle):
    paris = load_commune("75056", bundle=bundle)
    assert paris.loc[0, "name"] == "Paris"
    assert paris.loc[0, "source"].startswith("bundle:communes/paris-75056")


def test_commune_from_departement_file(bundle):
    thionville = load_commune("57672", bundle=bundle)
    assert thionville.loc[0, "name"] == "Thionville"
    assert "departements-57" in thionville.loc[0, "source"]


def test_commune_not_in_bundle(bundle):
    with pytest.raises(DataError, match="commune 13055 is not in this bundle"):
        load_commune("13055", bundle=bundle)


@pytest.mark.parametrize("code", ["5746", "ABCDE", "574630", ""])
def test_malformed_insee(code, bundle):
    with pytest.raises(UsageError, match="not an INSEE commune code"):
        load_commune(code, bundle=bundle)


def test_departement_from_bundle(bundle):
    moselle = load_departement("57", bundle=bundle)
    assert len(moselle) == 727
    assert moselle["code"].is_unique
    assert moselle.geometry.is_valid.all()


def test_from_file_formats(tmp_path, bundle):
    metz = load_commune("57463", bundle=bundle)
    for name, driver in [("metz.gpkg", "GPKG"), ("metz.shp", "ESRI Shapefile")]:
        path = tmp_path / name
        metz.drop(columns=["retrieved"]).to_file(path, driver=driver)
        again = from_file(path)
        assert again.loc[0, "code"] == "57463"
        assert again.geometry.iloc[0].equals_exact(metz.geometry.iloc[0], 1e-9)


def test_from_file_several_features_needs_code(bundle):
    path = bundle / "communes/metz-neighbours-adminexpress2018.geojson"
    with pytest.raises(DataError, match="say which commune"):
        from_file(path)


def test_live_from_local_geo_api(httpserver, monkeypatch, bundle):
    body = (bundle / "geo-api/communes-57463-contour.json").read_text()
    httpserver.expect_request(
        "/communes/57463", query_string={"format": "geojson", "geometry": "contour"}
    ).respond_with_data(body, content_type="application/json")
    monkeypatch.setattr(settings, "GEO_API_URL", httpserver.url_for("/"))
    metz = load_commune("57463")
    assert metz.loc[0, "source"] == "geo.api.gouv.fr"
    assert metz.loc[0, "name"] == "Metz"
    # The cache now serves even with the server gone.
    httpserver.clear()
    httpserver.expect_request("/communes/57463").respond_with_data("down", status=503)
    again = load_commune("57463")
    assert again.geometry.iloc[0].equals(metz.geometry.iloc[0])
    assert len(httpserver.log) == 0


def test_live_unknown_insee(httpserver, monkeypatch):
    httpserver.expect_request("/communes/99999").respond_with_json(
        {"code": 404, "message": "Commune non trouvée"}, status=404
    )
    monkeypatch.setattr(settings, "GEO_API_URL", httpserver.url_for("/"))
    with pytest.raises(UsageError, match="unknown INSEE code 99999"):
        load_commune("99999")


def test_live_without_network_or_cache():
    with pytest.raises(SourceError, match="cannot reach") as info:
        load_commune("57463")
    assert info.value.hint == "bundle"  # the CLI says: use --bundle DIR to work offline


def test_bundle_from_environment(monkeypatch, bundle):
    monkeypatch.setenv(settings.BUNDLE_ENV, str(bundle))
    metz = load_commune("57463")
    assert metz.loc[0, "source"].startswith("bundle:")


def test_metric_crs_outside_france(bundle):
    import geopandas as gpd
    import shapely

    quebec = gpd.GeoDataFrame(geometry=[shapely.box(-71.3, 46.7, -71.1, 46.9)], crs=4326)
    assert metric_crs(quebec).startswith("EPSG:326")


def test_plain_geojson_reads_as_gdal_does(bundle, tmp_path):
    """Small WGS 84 GeoJSON boundaries are read without GDAL, giving exactly what GDAL
    gives (columns, dtypes, values, vertices) for every commune file of the bundle; any
    other CRS is left to GDAL, which reprojects it."""
    import shapely

    from geocover.io.tables import read_plain_polygons, read_vector

    files = sorted((bundle / "communes").glob("*.geojson"))
    assert len(files) >= 5
    for path in files:
        plain, gdal = read_plain_polygons(path), read_vector(path, expect="polygon")
        assert plain is not None, path.name
        assert list(plain.columns) == list(gdal.columns)
        assert plain.dtypes.to_dict() == gdal.dtypes.to_dict()
        assert plain.drop(columns="geometry").equals(gdal.drop(columns="geometry"))
        assert shapely.equals_exact(plain.geometry.values, gdal.geometry.values, 0).all()
        assert plain.crs == gdal.crs
    paris = from_file(next(p for p in files if "75056" in p.name))
    lambert = tmp_path / "paris-2154.geojson"
    paris[["code", "name", "geometry"]].to_crs("EPSG:2154").to_file(lambert, driver="GeoJSON")
    assert read_plain_polygons(lambert) is None  # named CRS: GDAL's
    again = from_file(lambert)
    assert again.crs == paris.crs and again.loc[0, "code"] == "75056"
    assert abs(again.geometry.iloc[0].area - paris.geometry.iloc[0].area) < 1e-9
