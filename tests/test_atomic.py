"""One atomic writer (geocover.io.atomic): bytes and GDAL files alike replace the old file
whole, keep its permissions, and leave it untouched when the writing fails."""

from __future__ import annotations

import os
import stat

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geocover.io.atomic import atomic_path, remove_stale_temps, replace_atomic


def test_replace_atomic_keeps_permissions_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    replace_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "out.gpkg"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="synthetic failure"), \
            atomic_path(target, create=False) as tmp:
        assert tmp.suffix == ".gpkg" and not tmp.exists()
        frame = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(6.17, 49.12)],
                                 crs="EPSG:4326")
        pyogrio.write_dataframe(frame, tmp, layer="synthetic", driver="GPKG")
        raise RuntimeError("synthetic failure")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gpkg"]


def test_gdal_writes_through_the_same_writer(tmp_path):
    target = tmp_path / "out.gpkg"
    frame = gpd.GeoDataFrame({"n": [1, 2]}, geometry=[shapely.Point(6.17, 49.12),
                                                      shapely.Point(6.18, 49.11)], crs="EPSG:4326")
    with atomic_path(target, create=False) as tmp:
        pyogrio.write_dataframe(frame, tmp, layer="synthetic", driver="GPKG")
    back = pyogrio.read_dataframe(target, layer="synthetic")
    assert back["n"].tolist() == [1, 2]


def test_stale_temps_of_both_kinds_are_removed(tmp_path):
    target = tmp_path / "cameras.geojson"
    stale = [tmp_path / ".cameras.geojson.abc.tmp", tmp_path / ".cameras.geojson.def.tmp.geojson"]
    for path in stale:
        path.write_bytes(b"half")
    (tmp_path / "other.tmp").write_bytes(b"not ours")
    assert sorted(remove_stale_temps(target)) == sorted(stale)
    assert [p.name for p in tmp_path.iterdir()] == ["other.tmp"]
