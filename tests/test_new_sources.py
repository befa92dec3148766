"""The new camera layers of the bundle, read by geocover and checked against an
independent json read of the same files."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import shapely

from geocover.errors import UsageError
from geocover.schema.city import City
from geocover.sources import citizen
from geocover.sources.layers import choose_lists, load_camera_layers
from geocover.sources.lists import PARIS_POLICE2025, load_list


def _features(path):
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def test_paris_police_2025_list(bundle):
    raw = _features(bundle / PARIS_POLICE2025.path)
    cameras, problems = load_list(PARIS_POLICE2025, bundle)
    assert len(cameras) == len(raw) == 1689
    assert problems == []
    by_id = cameras.set_index("id")
    for f in raw[:50] + raw[-50:]:
        p = f["properties"]
        row = by_id.loc[f"list:paris-police-2025:{p['numero_pub']}"]
        assert row["installed"] == p["date_mes_iso"]
        assert row["name"] == p["adresse"]
        assert (row.geometry.x, row.geometry.y) == pytest.approx(
            tuple(f["geometry"]["coordinates"])
        )
    # its own dates: how many were in service by the 2019 arrêté, counted from the file
    by_2019 = sum(1 for f in raw if f["properties"]["date_mes_iso"] <= "2019-02-01")
    assert int((cameras["installed"] <= "2019-02-01").sum()) == by_2019
    scope = PARIS_POLICE2025.scope()
    assert (scope.operator, scope.exhaustive, scope.vintage, scope.dated) == (
        "national_police",
        True,
        "2025-06-01",
        True,
    )


def test_citizen_map_vocabulary_and_outside_france(bundle):
    path = bundle / citizen.PATH
    raw = _features(path)
    # France: the union of every commune of the bundle (an independent geometry)
    import geopandas as gpd
    import numpy as np

    parts = [
        gpd.read_file(f).geometry.to_numpy()
        for f in sorted((bundle / "communes/france").glob("*.geojson"))
    ]
    tree = shapely.STRtree(np.concatenate(parts))
    xy = np.asarray([f["geometry"]["coordinates"] for f in raw])
    hit = np.zeros(len(raw), dtype=bool)
    hit[tree.query(shapely.points(xy), predicate="intersects")[0]] = True
    france = shapely.union_all(
        np.concatenate(parts)[
            np.unique(tree.query(shapely.points(xy[hit]), predicate="intersects")[1])
        ]
    )
    cameras, counts = citizen.load_citizen_map(path, area=france)
    assert counts["read"] == len(raw) == 25219
    assert counts["kept"] == len(cameras) == int(hit.sum())
    assert counts["outside"] == int((~hit).sum())
    kept = [f["properties"] for f, h in zip(raw, hit, strict=True) if h]
    looks = Counter(p["apparence"] for p in kept)
    types = cameras["camera_type"].value_counts().to_dict()
    assert types.get("dome", 0) == looks["dome"]
    assert (
        types.get("fixed", 0) == looks["boite"] + looks["nue"] + looks["encastre"] + looks["radar"]
    )
    assert types.get("unknown", 0) == looks[""]
    assert int((cameras["surveillance_type"].str.lower() == "alpr").sum()) == looks["radar"]
    zero = sum(1 for p in kept if p["direction"] == 0)
    assert counts["direction_unknown"] == zero
    assert int(cameras["directions"].map(len).eq(0).sum()) == zero
    ops = Counter(p["op_type"] for p in kept)
    assert Counter(t["op_type"] for t in cameras["tags"]) == ops


def test_citizen_map_in_paris_only(bundle):
    raw = _features(bundle / citizen.PATH)
    paris = shapely.from_geojson(
        json.dumps(
            _features(bundle / "communes/paris-75056-adminexpress2018.geojson")[0]["geometry"]
        )
    )
    inside = sum(1 for f in raw if shapely.contains_xy(paris, *f["geometry"]["coordinates"]))
    cameras, counts = citizen.load_citizen_map(bundle / citizen.PATH, area=paris)
    assert len(cameras) == inside and counts["outside"] == len(raw) - inside
    assert 3000 < inside < 4405  # the README's "Paris 4,405" is the zone slug, not the polygon


def _paris() -> City:
    from geocover.sources.city import load_city

    return load_city("paris")


def test_vintages_newest_by_default_never_added():
    city = _paris()
    assert choose_lists(city, None) == ["paris-police-2025", "sous-surveillance-net"]
    assert choose_lists(city, ["paris-bovp2019"]) == ["paris-bovp2019"]
    with pytest.raises(UsageError) as exc:
        choose_lists(city, ["all"])
    message = str(exc.value)
    for name in ("paris-pvpp2013", "paris-bovp2019", "paris-police-2025", "sous-surveillance-net"):
        assert name in message
    assert "never added together" in message
    with pytest.raises(UsageError, match="two vintages of one source"):
        choose_lists(city, ["paris-pvpp2013", "paris-police-2025"])


def test_cli_list_all_is_a_clear_usage_error(cli, bundle):
    result = cli("report", "paris", "--bundle", str(bundle), "--list", "all")
    assert result.returncode == 2
    assert "paris-police-2025" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_osm_extract_with_cameras_only(bundle):
    path = bundle / "osm/paris-20250208-surveillance.overpass.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    kept = [
        e
        for e in data["elements"]
        if (e.get("tags") or {}).get("man_made") == "surveillance"
        and str((e.get("tags") or {}).get("surveillance:type", "camera")).lower()
        in ("camera", "alpr")
    ]
    layers = load_camera_layers(_paris(), bundle=bundle, lists=["paris-police-2025"])
    osm = layers.cameras[layers.cameras["id"].str.startswith("osm:")]
    assert len(osm) == len(kept)
    assert layers.buildings is None and layers.highways is None
    assert any(
        "cameras only" in n and "no occlusion" in n and "no street share" in n for n in layers.notes
    )
    assert layers.scopes["osm"].vintage == data["osm3s"]["timestamp_osm_base"][:10] == "2025-02-08"


_READ_IN_A_CHILD = r"""
import json, sys, threading
from pathlib import Path
import shapely
from geocover.errors import DataError
from geocover.sources.city import load_city
from geocover.sources.layers import load_camera_layers

bundle, work = Path(sys.argv[1]), Path(sys.argv[2])
boundary = json.loads((bundle / "communes/paris-75056-adminexpress2018.geojson").read_text())
paris = shapely.from_geojson(json.dumps(boundary["features"][0]["geometry"]))
city = load_city("paris")

def layers(where):
    return load_camera_layers(city, bundle=where, area=paris)

def same(a, b):
    return (a.cameras.to_wkb().equals(b.cameras.to_wkb()) and len(a.cameras) > 6000
            and (a.sources, a.notes, a.warnings, a.scopes) == (b.sources, b.notes, b.warnings,
                                                               b.scopes)
            and [p.__dict__ for p in a.problems] == [p.__dict__ for p in b.problems])

alone = threading.active_count() == 1
forked = layers(bundle)
stop = threading.Event()
other = threading.Thread(target=stop.wait)  # a thread running: no fork, read here
other.start()
here = layers(bundle)
stop.set()
other.join()

# A bundle whose citizen map has a feature without its id: the error is the file's, whole.
copy = work / "bundle"  # links to the bundle's files, but the citizen map's
copy.mkdir()
for entry in bundle.iterdir():
    if entry.name != "cameras":
        (copy / entry.name).symlink_to(entry)
(copy / "cameras").mkdir()
for entry in (bundle / "cameras").iterdir():
    (copy / "cameras" / entry.name).symlink_to(entry)
bad = copy / "cameras/sous-surveillance-net-2025-06-01.geojson"
data = json.loads(bad.read_text())
del data["features"][7]["properties"]["id_camera"]
bad.unlink()
bad.write_text(json.dumps(data))
try:
    layers(copy)
    error = "none"
except DataError as exc:
    error = str(exc)
print(json.dumps({"alone": alone, "same": same(forked, here), "error": error}))
"""


def test_the_citizen_map_read_in_a_child_is_the_same(bundle, tmp_path):
    """load_camera_layers reads the citizen map in a forked process where it may (no
    other thread running), else itself: the same layers either way (in a fresh
    interpreter, which has no other thread); a bad file's error comes whole, naming the
    file and the feature."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    run = subprocess.run([sys.executable, "-c", _READ_IN_A_CHILD, str(bundle), str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["alone"] is True and out["same"] is True
    assert "sous-surveillance-net-2025-06-01.geojson" in out["error"]
    assert "id_camera" in out["error"] and "8" in out["error"], out["error"]
