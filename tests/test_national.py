"""The national batch: the same figures in this process, on a LocalCluster of two worker
processes, on a separate ``dask scheduler`` + ``dask worker`` processes, and through the
one-département path; areas against pyproj, camera counts against an independent join of
the bundle's own files (read with json and shapely here, not through geocover)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer

from geocover.pipeline.batch import compute_communes, run_batch
from geocover.pipeline.known import STATUS_UNKNOWN, coverage_columns
from geocover.pipeline.national import dask_client, run_national
from geocover.pipeline.national_inputs import national_cameras
from tests.conftest import ROOT, run_cli

#: Paris and its neighbour Hauts-de-Seine: the Paris cameras' fields reach across the border.
DEPS = ["75", "92"]
PRESETS = ("sunders", "factsheet-300m")
FIGURES = ["area_km2", "geodesic_area_km2"] + [c for p in PRESETS for c in coverage_columns(p)]
COUNTS = ["cameras", "cameras_known", "camera_sites", "cameras_paris_police_2025",
          "cameras_sous_surveillance_net", "cameras_osm"]
SOURCES = ["cameras_paris_police_2025", "cameras_sous_surveillance_net", "cameras_osm"]


@pytest.fixture(scope="module")
def inputs(bundle):
    return national_cameras(bundle=bundle, contributions=False)


@pytest.fixture(scope="module")
def in_process(inputs, bundle):
    return run_national(DEPS, inputs, bundle=bundle, presets=PRESETS)


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a = a.set_index("code").sort_index()
    b = b.set_index("code").sort_index()
    assert list(a.index) == list(b.index)
    for column in FIGURES:
        np.testing.assert_allclose(a[column].to_numpy(float), b[column].to_numpy(float),
                                   rtol=0, atol=1e-9, err_msg=column)
    for column in COUNTS:
        left = a[column].astype("Int64")
        right = b[column].astype("Int64")
        assert left.isna().tolist() == right.isna().tolist(), column
        assert left.fillna(-1).tolist() == right.fillna(-1).tolist(), column
    assert a["camera_status"].tolist() == b["camera_status"].tolist()


def test_in_process_equals_the_one_departement_path(in_process, inputs, bundle):
    frame = in_process.communes
    assert len(frame) == 1 + 36  # Paris is one commune in ADMIN EXPRESS; 36 in 92
    for dep in DEPS:
        one = run_batch(dep, bundle=bundle, presets=PRESETS, cameras=inputs.cameras,
                        sources=inputs.sources, progress=None)
        assert_same(frame[frame["departement"] == dep], one.communes)
    # A field of view of a Paris camera reaches into a commune of 92 with none of its own.
    borders = frame[(frame["departement"] == "92") & (frame["cameras"] == 0)]
    assert (borders[coverage_columns("factsheet-300m")[0]] > 0).any()


def assert_parts(folder: Path, deps: list[str], expected: pd.DataFrame | None = None) -> None:
    """One whole GeoParquet part per département, nothing else (no temporary file)."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"part-{d}.parquet" for d in deps)
    for dep in deps:
        part = gpd.read_parquet(folder / f"part-{dep}.parquet")
        assert (part["departement"] == dep).all() and part.crs.to_epsg() == 4326
        if expected is not None:
            assert_same(part, expected[expected["departement"] == dep])


@pytest.mark.slow
def test_local_cluster_of_two_processes(in_process, inputs, bundle, tmp_path):
    """The workers write their parts; the driver reads them back: the same table."""
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "part-13.parquet").write_bytes(b"a part of an earlier run")  # removed first
    with dask_client(workers=2, memory_limit="1GB") as client:
        assert len(client.scheduler_info()["workers"]) == 2
        pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids
        result = run_national(DEPS, inputs, bundle=bundle, presets=PRESETS, client=client,
                              parts=parts)
    assert result.engine.startswith("dask.distributed")
    assert result.parts == parts and result.attempts == dict.fromkeys(DEPS, 1)
    assert_same(result.communes, in_process.communes)
    assert_parts(parts, DEPS, in_process.communes)
    # the parts were written by the worker processes, not by this one
    assert {int(p.split(":")[-1]) for p in _workers_of(result)} <= pids


def _workers_of(result) -> set[str]:
    return {step.get("worker", "") for step in result.provenance["partitions"]}


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_separate_scheduler_and_workers(in_process, bundle, tmp_path):
    """Real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, started
    and stopped here; the CLI runs on them through --scheduler."""
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    assert dask, "the dask command (dask[distributed]) is missing"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    scheduler_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        _wait_for(scheduler_file.exists, 60, "the scheduler")
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                 "--memory-limit", "1GB", "--no-dashboard", "--host", "127.0.0.1"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from dask.distributed import Client

        with Client(address, timeout=30) as client:
            _wait_for(lambda: len(client.scheduler_info()["workers"]) == 2, 60, "two workers")
        out = tmp_path / "two.parquet"
        done = run_cli("batch", "--departement", *DEPS, "--bundle", str(bundle),
                       "--preset", *PRESETS, "--scheduler", address, "-o", str(out), "-q",
                       "--data-dir", str(tmp_path), timeout=240)
        assert done.returncode == 0, done.stderr
        assert f"on dask.distributed at {address} (2 workers" in done.stdout
        assert f"parts: {tmp_path / 'two.parts'}" in done.stdout
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    assert_same(gpd.read_parquet(out), in_process.communes)
    assert_parts(tmp_path / "two.parts", DEPS, in_process.communes)


def _independent_communes(bundle: Path, dep: str) -> dict[str, shapely.Geometry]:
    path = next((bundle / "communes" / "france").glob(f"communes-{dep}-*.geojson"))
    data = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shapely.geometry.shape(f["geometry"])
            for f in data["features"]}


def test_areas_against_pyproj(in_process, bundle):
    geod = Geod(ellps="WGS84")
    to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    frame = in_process.communes.set_index("code")
    communes = _independent_communes(bundle, "92")
    for code in sorted(communes)[::7] + ["92050"]:
        geom = communes[code]
        geodesic = abs(geod.geometry_area_perimeter(geom)[0]) / 1e6
        planar = shapely.transform(geom, lambda xy: np.column_stack(
            to_l93.transform(xy[:, 0], xy[:, 1]))).area / 1e6
        assert frame.loc[code, "geodesic_area_km2"] == pytest.approx(geodesic, abs=1e-9)
        assert frame.loc[code, "area_km2"] == pytest.approx(planar, abs=1e-9)


def test_camera_counts_against_an_independent_join(in_process, bundle):
    def points(path: Path, keep=lambda p: True) -> np.ndarray:
        data = json.loads(path.read_text(encoding="utf-8"))
        return np.array([f["geometry"]["coordinates"][:2] for f in data["features"]
                         if keep(f["properties"])])

    police = points(bundle / "cameras" / "paris-police-2025-06-01.geojson")
    ssn = points(bundle / "cameras" / "sous-surveillance-net-2025-06-01.geojson")
    osm = json.loads((bundle / "osm" / "paris-20250208-surveillance.overpass.json").read_text())
    osm_xy = np.array([(e["lon"], e["lat"]) for e in osm["elements"]
                       if e.get("tags", {}).get("man_made") == "surveillance"
                       and str(e["tags"].get("surveillance:type", "camera")).lower()
                       in ("camera", "alpr")])
    frame = in_process.communes.set_index("code")
    communes = {**_independent_communes(bundle, "75"), **_independent_communes(bundle, "92")}
    checked = 0
    for code in ["75056", "92012", "92026", "92040", "92044", "92050", "92051", "92062"]:
        geom = communes[code]
        for column, xy in (("cameras_paris_police_2025", police),
                           ("cameras_sous_surveillance_net", ssn), ("cameras_osm", osm_xy)):
            inside = int(shapely.contains_xy(geom, xy[:, 0], xy[:, 1]).sum())
            got = frame.loc[code, column]
            if pd.isna(got):  # the source did not look here: it has no camera here either
                assert inside == 0, (code, column)
            else:
                assert int(got) == inside, (code, column)
                checked += inside
    assert checked > 5000  # Paris alone holds thousands


def test_no_camera_known_is_not_zero(in_process):
    frame = in_process.communes
    unknown = frame[frame["camera_status"] == STATUS_UNKNOWN]
    assert len(unknown) and unknown["cameras_known"].isna().all()
    assert unknown["density_per_km2"].isna().all()
    paris = frame.set_index("code").loc["75056"]
    assert paris["cameras_known"] == max(paris["cameras_paris_police_2025"],
                                         paris["cameras_sous_surveillance_net"],
                                         paris["cameras_osm"])
    assert paris["density_per_km2"] == pytest.approx(paris["cameras_known"] / paris["area_km2"])


def test_a_failing_commune_is_reported_by_name(tmp_path):
    """A self-intersecting (synthetic) commune with a camera in it makes GEOS fail: the
    commune is reported, its row kept without figures, the others computed."""
    good = shapely.box(6.0, 49.0, 6.01, 49.01)
    bowtie = shapely.Polygon([(6.02, 49.0), (6.03, 49.01), (6.03, 49.0), (6.02, 49.01)])
    communes = gpd.GeoDataFrame({"code": ["99001", "99002"],
                                 "name": ["Synthetic good", "Synthetic bow-tie"]},
                                geometry=[good, bowtie], crs="EPSG:4326")
    cameras = gpd.GeoDataFrame(
        {"id": ["contrib:t:1", "contrib:t:2"], "camera_type": ["dome", "dome"],
         "directions": [[], []], "height_m": [np.nan, np.nan], "tilt_deg": [np.nan, np.nan]},
        geometry=[shapely.Point(6.005, 49.005), shapely.Point(6.0251, 49.0049)],
        crs="EPSG:4326")
    frame, _, failures = compute_communes(communes, cameras, ("sunders",), "EPSG:2154",
                                          strict=False)
    assert [(c, n) for c, n, _ in failures] == [("99002", "Synthetic bow-tie")]
    assert "TopologyException" in failures[0][2] or "GEOS" in failures[0][2]
    assert frame.loc[1, "area_km2"] != frame.loc[1, "area_km2"]  # NaN
    assert frame.loc[0, "covered_km2_sunders"] > 0


def test_a_missing_departement_fails_alone(inputs, bundle, tmp_path):
    """A bundle without département 92: its partition is reported, 75 still computed."""
    partial = tmp_path / "bundle"
    (partial / "communes" / "france").mkdir(parents=True)
    source = next((bundle / "communes" / "france").glob("communes-75-*.geojson"))
    (partial / "communes" / "france" / source.name).symlink_to(source)
    with dask_client(workers=1, memory_limit="1GB") as client:
        result = run_national(DEPS, inputs, bundle=partial, presets=("sunders",),
                              client=client, retries=1)
    assert result.communes["departement"].unique().tolist() == ["75"]
    assert [f[0] for f in result.failures] == ["92"]
    assert "not in this bundle" in result.failures[0][2]


def test_outputs_parse_back(in_process, tmp_path):
    import pyarrow.parquet as pq
    import pyogrio

    from geocover.outputs.batch import write_batch

    paths = write_batch(in_process, tmp_path / "idf.parquet", tiles="none")
    back = gpd.read_parquet(paths["parquet"])
    assert len(back) == len(in_process.communes) and back.crs.to_epsg() == 4326
    assert "display_wkb" not in back
    assert_same(back, in_process.communes)
    meta = pq.read_schema(paths["parquet"]).metadata
    record = json.loads(meta[b"geocover:provenance"])
    assert record["departements"] == DEPS and record == json.loads(paths["provenance"].read_text())
    assert {s.get("key") for s in record["sources"]} >= {
        "osm", "list:paris-police-2025", "list:sous-surveillance-net"}
    gpkg = pyogrio.read_dataframe(paths["gpkg"], layer="communes")
    assert_same(gpkg, in_process.communes)
    csv = pd.read_csv(paths["csv"], dtype={"code": str})
    assert len(csv) == len(back)
    assert csv.loc[csv["camera_status"] == STATUS_UNKNOWN, "cameras_known"].isna().all()
    assert not list(tmp_path.glob(".*"))


@pytest.mark.browser
def test_choropleth_of_the_run(in_process, tmp_path):
    from geocover.outputs.batch import write_batch
    from tests.browser import chromium, close_page, open_page

    paths = write_batch(in_process, tmp_path / "idf.parquet")
    paris = in_process.communes.set_index("code").loc["75056"]
    with chromium() as browser:
        page, traffic = open_page(browser, paths["map"], tile_hosts=("tile.openstreetmap.org",))
        assert page.evaluate("geocover.layers.communes.getLayers().length") == len(
            in_process.communes)
        page.fill(".gc-ch-search input", "paris")
        page.locator(".gc-ch-results button").first.click()
        text = page.locator(".leaflet-popup-content").last.inner_text()
        assert "Paris (75056)" in text
        assert f"{int(paris['cameras_known']):,}" in text
        assert f"{int(paris['cameras_osm']):,}" in text and "OpenStreetMap" in text
        page.select_option(".gc-ch-figure", index=1)  # colour by the share seen
        assert "Share seen" in page.locator(".gc-ch-legend").inner_text()
        assert not traffic.problems()
        close_page(page)


def test_live_sources_one_request_per_departement_cached(bundle, httpserver, monkeypatch):
    """Without a bundle: the communes of each département from geo.api.gouv.fr and its
    OSM cameras from Overpass, one request each, then from the cache. The local server
    answers with the bundle's real files (Alpes-Maritimes, and Monaco's OSM cameras as
    Overpass gives them)."""
    from geocover import settings

    source = next((bundle / "communes" / "france").glob("communes-06-*.geojson"))
    httpserver.expect_request("/departements/06/communes").respond_with_data(
        source.read_bytes(), content_type="application/json")
    httpserver.expect_request("/api/interpreter", method="POST").respond_with_data(
        (bundle / "osm" / "monaco-surveillance.overpass.json").read_bytes(),
        content_type="application/json")
    monkeypatch.setattr(settings, "GEO_API_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setattr(settings, "OVERPASS_URL", httpserver.url_for("/api/interpreter"))
    for round_ in range(2):
        inputs = national_cameras(overpass_departements=["06"], contributions=False)
        result = run_national(["06"], inputs, presets=("sunders",))
        assert len(httpserver.log) == 2, round_  # the second round came from the cache
    frame = result.communes
    assert len(frame) == len(json.loads(source.read_text())["features"])
    # Overpass looked at the whole département: 0 is a count there, not "no camera known".
    assert frame["cameras_osm"].notna().all()
    assert (frame["camera_status"] != STATUS_UNKNOWN).all()
    osm = next(s for s in result.provenance["sources"] if s.get("key") == "osm")
    assert "départements 06" in osm["looked_in"]


#: Communes with cameras of several sources (their counts: police 2025 / citizen map / OSM):
#: Paris (1,573 / 3,623 / 3,010), Levallois-Perret (- / 45 / 94), Saint-Denis (71 / 29 / -),
#: Gentilly (2 / 1 / 7).
MATCHED = {"75056": "75", "92044": "92", "93066": "93", "94037": "94"}


def test_matched_sites_equal_the_single_commune_report(inputs, bundle, tmp_path):
    """Each commune's ``camera_sites`` in the national table (cameras matched across
    sources inside the partitions, halo included) equals the matched sites of
    ``analyse()`` for that commune alone (the report's path), given the same boundary."""
    from geocover.pipeline.analysis import analyse

    national = run_national(sorted(set(MATCHED.values())), inputs, bundle=bundle, presets=())
    table = national.communes.set_index("code")
    for code, dep in MATCHED.items():
        row = table.loc[code]
        per_source = [int(row[c]) for c in SOURCES if not pd.isna(row[c])]
        assert sum(1 for n in per_source if n > 0) >= 2, code
        # the same boundary as the national table: the commune's feature of its file
        path = next((bundle / "communes" / "france").glob(f"communes-{dep}-*.geojson"))
        features = [f for f in json.loads(path.read_text(encoding="utf-8"))["features"]
                    if f["properties"]["code"] == code]
        boundary = tmp_path / f"{code}.geojson"
        boundary.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        alone = analyse(insee=code, bundle=bundle, commune_file=boundary, osm=True,
                        lists=["paris-police-2025", "sous-surveillance-net"],
                        osm_extract="paris-20250208", presets=("sunders",))
        overlap = alone.matching.overlap
        assert {k: v for k, v in overlap.counts.items() if v} == {
            k: n for k, n in zip(["list:paris-police-2025", "list:sous-surveillance-net", "osm"],
                                 [row[c] for c in SOURCES], strict=True)
            if not pd.isna(n) and n}, code
        assert int(row["camera_sites"]) == overlap.sites, code
        # matched: fewer than listed where sources share sites, at least the largest one
        assert max(per_source) <= overlap.sites <= sum(per_source)
    assert table.loc["75056", "camera_sites"] < table.loc["75056", "cameras"]
    assert table["camera_sites"].isna().equals(table["cameras_known"].isna())


@pytest.mark.slow
def test_a_worker_killed_mid_partition_is_retried(in_process, inputs, bundle, tmp_path):
    """A real LocalCluster of 2 processes; the worker running Paris's partition is
    SIGKILLed 0.5 s into it (tests/dask_kill.py). The partition is submitted again and the
    run ends with the same figures; no temporary file is left among the parts."""
    from tests.dask_kill import KillWhileRunning

    kills = tmp_path / "kills"
    kills.mkdir()
    parts = tmp_path / "parts"
    with dask_client(workers=2, memory_limit="1GB") as client:
        client.register_plugin(KillWhileRunning("geocover-partition-75-", str(kills), 1, 0.5))
        result = run_national(DEPS, inputs, bundle=bundle, presets=PRESETS, client=client,
                              retries=2, parts=parts)
    assert len(list(kills.iterdir())) == 1  # the worker was killed while Paris ran
    assert result.attempts == {"75": 2, "92": 1} and not result.failed_departements
    assert not result.failures
    assert_same(result.communes, in_process.communes)
    assert_parts(parts, DEPS, in_process.communes)


@pytest.mark.slow
def test_retries_exhausted_name_the_communes_and_write_nothing(bundle, tmp_path):
    """Killed on each of its 2 attempts (--retries 1), département 92 fails: the command
    names its communes by code and name, exits 1, leaves the earlier output untouched,
    writes no national file and keeps only Paris's whole part."""
    from tests.dask_kill import KillWhileRunning

    kills = tmp_path / "kills"
    kills.mkdir()
    out = tmp_path / "idf.parquet"
    out.write_bytes(b"an earlier run's table")
    communes = _independent_communes(bundle, "92")
    path = next((bundle / "communes" / "france").glob("communes-92-*.geojson"))
    first = json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"]
    with dask_client(workers=2, memory_limit="1GB") as client:
        client.register_plugin(KillWhileRunning("geocover-partition-92-", str(kills), 2, 0.0))
        done = run_cli("batch", "--departement", *DEPS, "--bundle", str(bundle),
                       "--preset", "sunders", "--scheduler", client.scheduler.address,
                       "--retries", "1", "-o", str(out), "-q", "--data-dir", str(tmp_path),
                       timeout=240)
    assert done.returncode == 1, done.stderr
    assert len(list(kills.iterdir())) == 2
    assert "département(s) 92 failed after 2 attempt(s)" in done.stderr
    assert f"{len(communes)} commune(s) have no figures" in done.stderr
    assert f"  {first['code']} {first['nom']}: failed 2 time(s) (1 retries): the worker " \
           "running it died" in done.stderr
    assert "no national table written" in done.stderr and "Traceback" not in done.stderr
    assert out.read_bytes() == b"an earlier run's table"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idf.parquet", "idf.parts", "kills"]
    assert_parts(tmp_path / "idf.parts", ["75"])
