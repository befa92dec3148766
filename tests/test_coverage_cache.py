"""The coverage cache (geocover.pipeline.coverage_cache): the same inputs give the same
coverage, read back instead of recomputed; any change of input is a miss; a damaged or
disabled cache never changes a figure."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geocover import analyse, settings
from geocover.model import fov
from geocover.pipeline import coverage_cache
from tests.conftest import run_cli

PRESETS = ("sunders", "factsheet-300m")


def _paris(bundle):
    return analyse("paris", bundle=bundle, lists=["paris-pvpp2013"], osm=False,
                   presets=PRESETS)


def _entries():
    return sorted(coverage_cache.folder().glob("*.npz"))


def test_second_run_reads_the_first_runs_coverage(bundle):
    first = _paris(bundle)
    assert first.fields.reused == ()
    assert len(_entries()) == len(PRESETS)
    second = _paris(bundle)
    assert second.fields.reused == PRESETS
    for preset in PRESETS:
        a, b = first.camera_coverage[preset], second.camera_coverage[preset]
        assert a == b  # every figure (area, shares, street lengths), to the last bit
        assert a.area_km2 > 0
        assert shapely.equals_exact(a.geometry, b.geometry, tolerance=0)
        assert shapely.equals(a.dissolved(), b.dissolved())
        fa, fb = first.fields.metric(preset), second.fields.metric(preset)
        assert fb.index.equals(fa.index) and fb.crs == fa.crs
        assert shapely.equals_exact(fa.to_numpy(), fb.to_numpy(), tolerance=0).all()
        # And an independent check of what was read back: the union of the fields of
        # view inside the commune.
        commune = second.commune.to_crs(second.crs).geometry.iloc[0]
        plain = shapely.intersection(shapely.union_all(fb.to_numpy()), commune).area / 1e6
        assert b.area_km2 == pytest.approx(plain, rel=1e-12)


def test_a_camera_moved_by_a_metre_is_a_miss(bundle):
    first = _paris(bundle)
    cams = first.cameras.to_crs(first.crs)
    commune = first.commune.to_crs(first.crs).geometry.iloc[0]
    args = {"buildings_m": None, "highways_m": None, "perimeters_m": None}
    preset = fov.get_preset("sunders")
    k = coverage_cache.key(cams, commune, preset, first.crs, **args)
    assert coverage_cache.load(k, cams) is not None
    moved = cams.copy()
    moved.loc[moved.index[0], "geometry"] = shapely.affinity.translate(
        moved.geometry.iloc[0], xoff=1.0)
    other = coverage_cache.key(moved, commune, preset, first.crs, **args)
    assert other != k and coverage_cache.load(other, moved) is None
    retyped = cams.copy()
    retyped.loc[retyped.index[0], "camera_type"] = "fixed" if (
        retyped["camera_type"].iloc[0] != "fixed") else "dome"
    assert coverage_cache.key(retyped, commune, preset, first.crs, **args) != k
    wall = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=first.crs)
    assert coverage_cache.key(cams, commune, preset, first.crs, buildings_m=wall,
                              highways_m=None, perimeters_m=None) != k
    assert coverage_cache.key(cams, commune, fov.get_preset("factsheet-300m"), first.crs,
                              **args) != k


def test_a_damaged_entry_is_recomputed_and_rewritten(bundle):
    first = _paris(bundle)
    for path in _entries():
        path.write_bytes(path.read_bytes()[:1000])  # a half-written file
    second = _paris(bundle)
    assert second.fields.reused == ()
    for preset in PRESETS:
        assert second.camera_coverage[preset] == first.camera_coverage[preset]
    assert _paris(bundle).fields.reused == PRESETS  # rewritten whole


def test_off_writes_nothing_and_changes_nothing(bundle, monkeypatch):
    monkeypatch.setenv("GEOCOVER_COVERAGE_CACHE", "off")
    first = _paris(bundle)
    assert not coverage_cache.folder().exists() or not _entries()
    monkeypatch.delenv("GEOCOVER_COVERAGE_CACHE")
    second = _paris(bundle)
    assert second.fields.reused == ()
    for preset in PRESETS:
        assert second.camera_coverage[preset] == first.camera_coverage[preset]


def test_an_unwritable_cache_folder_only_costs_the_reuse(bundle, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setattr(settings, "CACHE_DIR", blocker)
    analysis = _paris(bundle)
    assert analysis.fields.reused == ()
    assert analysis.camera_coverage["sunders"].area_km2 > 0


def test_report_then_report_says_the_coverage_was_read_back(bundle, tmp_path):
    env = {"GEOCOVER_CACHE_DIR": str(tmp_path / "cache")}
    args = ("report", "paris", "--bundle", str(bundle), "--list", "paris-pvpp2013",
            "--no-osm", "--preset", "sunders", "--format")
    runs = [run_cli(*args, fmt, env=env) for fmt in ("json", "json", "markdown")]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first, second = (json.loads(r.stdout) for r in runs[:2])
    for data in (first, second):
        data.pop("generated", None)
        data.get("provenance", {}).pop("generated", None)
    assert first["coverage"] == second["coverage"]
    assert np.isclose(first["coverage"]["sunders"]["area_km2"], 10.0, rtol=0.9)
    assert "read back from" in runs[2].stdout and "GEOCOVER_COVERAGE_CACHE=off" in runs[2].stdout
    fresh = run_cli(*args, "markdown", env={**env, "GEOCOVER_COVERAGE_CACHE": "off"})
    assert fresh.returncode == 0 and "read back from" not in fresh.stdout


def test_a_city_with_few_cameras_is_recomputed_every_time(bundle):
    """Metz's offline run maps no camera: nothing is written, and its report reads the
    same at every run."""
    first = analyse("metz", bundle=bundle)
    assert len(first.cameras) < coverage_cache.MIN_CAMERAS
    second = analyse("metz", bundle=bundle)
    assert second.fields.reused == () and not _entries()
    assert second.camera_coverage == first.camera_coverage
