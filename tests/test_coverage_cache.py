"""The coverage cache (geocover.pipeline.coverage_cache): the same inputs give the same
coverage, read back instead of recomputed; any change of input is a miss; a damaged or
disabled cache never changes a figure."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from geocover import analyse, settings
from geocover.model import fov
from geocover.model.crs import LOCAL_TOL_DEG, to_degrees
from geocover.pipeline import coverage_cache
from tests.conftest import run_cli

PRESETS = ("sunders", "factsheet-300m")


def _paris(bundle):
    return analyse("paris", bundle=bundle, lists=["paris-pvpp2013"], osm=False,
                   presets=PRESETS)


def _entries(where=None):
    """The coverage entries (not their fields in degrees, ``*.4326.npz``)."""
    where = coverage_cache.folder() if where is None else where
    return sorted(p for p in where.glob("*.npz") if not p.name.endswith(".4326.npz"))


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


def test_fields_in_degrees_are_kept_once_drawn(bundle):
    """The first analysis that reads a preset's fields in EPSG:4326 (the map, the figures)
    keeps them beside the entry; the next reads those, the same to the last bit as the
    reprojection of the fields read back, and within 1e-9° of pyproj's vertex by vertex."""
    first = _paris(bundle)
    assert not list(coverage_cache.folder().glob("*.4326.npz"))
    drawn = first.fields["sunders"]
    assert len(list(coverage_cache.folder().glob("*.4326.npz"))) == 1
    second = _paris(bundle)
    kept = second.fields["sunders"]
    assert kept.crs == "EPSG:4326" and kept.index.equals(drawn.index)
    assert shapely.equals_exact(kept.to_numpy(), drawn.to_numpy(), tolerance=0).all()
    again = to_degrees(second.fields.metric("sunders"))
    assert shapely.equals_exact(kept.to_numpy(), again.to_numpy(), tolerance=0).all()
    exact = second.fields.metric("sunders").to_crs("EPSG:4326")
    assert shapely.equals_exact(kept.to_numpy(), exact.to_numpy(), tolerance=LOCAL_TOL_DEG).all()
    [degrees] = coverage_cache.folder().glob("*.4326.npz")
    degrees.write_bytes(degrees.read_bytes()[:500])  # damaged: reprojected again
    third = _paris(bundle).fields["sunders"]
    assert shapely.equals_exact(third.to_numpy(), drawn.to_numpy(), tolerance=0).all()
    assert degrees.stat().st_size > 10_000  # and rewritten whole


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


def test_report_then_map_compute_the_coverage_once_and_say_the_same(bundle, tmp_path):
    """A report run twice on the same inputs is the same report, whether the coverage
    was computed or read back (the cache changes no figure and no word); the map run
    after it reads the coverage back; with the cache off nothing is written."""
    cache = tmp_path / "cache"
    env = {"GEOCOVER_CACHE_DIR": str(cache)}
    args = ("--bundle", str(bundle), "--list", "paris-pvpp2013", "--no-osm",
            "--preset", "sunders")
    runs = [run_cli("report", "paris", *args, "--format", fmt, env=env)
            for fmt in ("markdown", "markdown", "json")]
    for run in runs:
        assert run.returncode == 0, run.stderr
    entries = _entries(cache / "coverage")
    assert len(entries) == 1
    stamp = entries[0].stat().st_mtime_ns

    def undated(text: str) -> list[str]:
        return [line for line in text.splitlines() if "2026-" not in line and "202" not in line]

    assert undated(runs[0].stdout) == undated(runs[1].stdout)
    data = json.loads(runs[2].stdout)
    assert data["coverage"]["sunders"]["area_km2"] > 1
    html = tmp_path / "paris.html"
    shown = run_cli("map", "paris", *args, "-o", str(html), env=env)
    assert shown.returncode == 0, shown.stderr
    assert html.stat().st_size > 100_000
    assert _entries(cache / "coverage") == entries
    # The page draws the fields of view from the model's numbers: none was reprojected.
    assert list((cache / "coverage").glob("*.4326.npz")) == []
    assert entries[0].stat().st_mtime_ns >= stamp  # read (touched), not recomputed anew
    off = tmp_path / "off"
    fresh = run_cli("report", "paris", *args, "--format", "json",
                    env={"GEOCOVER_CACHE_DIR": str(off), "GEOCOVER_COVERAGE_CACHE": "off"})
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads(fresh.stdout)["coverage"] == data["coverage"]
    assert not list(off.glob("coverage/*.npz"))


def test_a_city_with_few_cameras_is_recomputed_every_time(bundle):
    """Metz's offline run maps no camera: nothing is written, and its report reads the
    same at every run."""
    first = analyse("metz", bundle=bundle)
    assert len(first.cameras) < coverage_cache.MIN_CAMERAS
    second = analyse("metz", bundle=bundle)
    assert second.fields.reused == () and not _entries()
    assert second.camera_coverage == first.camera_coverage
