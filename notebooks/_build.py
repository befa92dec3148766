"""Generate the analysts' notebooks (``python notebooks/_build.py``), without outputs.

The notebooks are committed as .ipynb files; this script is their source of truth,
so a change to a notebook is a change here followed by a rebuild. Outputs are never
saved: ``tests/test_notebooks.py`` checks that, and executes every notebook offline.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = '''\
import os
import sys
from pathlib import Path

# The checkout's root (this notebook lives in notebooks/) and the offline bundle:
# $GEOCOVER_BUNDLE, else ../shared/data beside the checkout.
ROOT = Path.cwd() if (Path.cwd() / "pyproject.toml").is_file() else Path.cwd().parent
BUNDLE = Path(os.environ.get("GEOCOVER_BUNDLE") or ROOT.parent / "shared" / "data").resolve()
assert BUNDLE.is_dir(), f"no offline bundle at {BUNDLE}: set GEOCOVER_BUNDLE=/path/to/shared/data"
print("bundle:", BUNDLE)'''


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(text: str):
    return new_code_cell(text.strip("\n"))


# --------------------------------------------------------------------------- verify_metz

VERIFY_METZ = [
    md("""
# Verifying the Metz report, figure by figure

The Metz fact sheet says **148 municipal cameras** and prefecture-authorized perimeters
covering **"21 km², i.e. 50 % of the commune"**. `geocover report metz` turns this into
figures and verdicts. This notebook recomputes every figure of that report *independently*
(raw GeoJSON, `shapely`, `pyproj`, no geocover function in the computation) and asserts
that each equals the report's JSON. If an assertion fails, the report and this notebook
disagree: one of them is wrong, and this is where to look.

Run offline with the bundle: `GEOCOVER_BUNDLE=../shared/data jupyter lab notebooks/`.
"""),
    code(SETUP),
    md("""
## 1. The report, as the command line gives it

The JSON report is the contract (`docs/report-json.md`). We run the CLI exactly as a user
would, and also call the same public functions in-process: both must agree.
"""),
    code("""
import json
import subprocess

from geocover import analyse, to_dict

cli = subprocess.run(
    [sys.executable, "-m", "geocover", "report", "metz", "--bundle", str(BUNDLE),
     "--format", "json"],
    cwd=ROOT, capture_output=True, text=True, check=True,
)
report = json.loads(cli.stdout)
analysis = analyse("metz", bundle=BUNDLE)
in_process = to_dict(analysis)
for key in ("commune", "perimeters", "capacity", "claims"):
    assert report[key] == in_process[key], key
print(report["city"], "geocover", report["geocover_version"])
print({c["id"]: c["verdict"] for c in report["claims"]})
"""),
    md("""
## 2. The commune's area, three ways

* **planar**: the boundary projected to Lambert-93 (EPSG:2154), the official metric CRS of
  metropolitan France, and measured on the plane;
* **geodesic**: measured on the WGS 84 ellipsoid (`pyproj.Geod`), no projection at all;
* **official**: INSEE's figure for commune 57463, from `data/metz/city.toml`.

We read the bundle's file as raw JSON, the way geo.api.gouv.fr answers.
"""),
    code("""
import tomllib

import numpy as np
import shapely
from pyproj import Geod, Transformer

raw = json.loads((BUNDLE / "geo-api" / "communes-57463-contour.json").read_text(encoding="utf-8"))
boundary = shapely.geometry.shape(raw["geometry"])
to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


def lambert93(xy):
    return np.column_stack(to_l93.transform(xy[:, 0], xy[:, 1]))


planar_km2 = shapely.transform(boundary, lambert93).area / 1e6

geod = Geod(ellps="WGS84")
def geodesic_km2(polygon):
    rings = [polygon.exterior, *polygon.interiors]
    areas = [abs(geod.polygon_area_perimeter(*ring.xy)[0]) for ring in rings]
    return (areas[0] - sum(areas[1:])) / 1e6
parts = getattr(boundary, "geoms", [boundary])
geodesic = sum(geodesic_km2(p) for p in parts)

city = tomllib.loads((ROOT / "data" / "metz" / "city.toml").read_text(encoding="utf-8"))
official = city["city"]["official_area_km2"]

print(f"planar (Lambert-93): {planar_km2:.4f} km²")
print(f"geodesic (WGS 84):   {geodesic:.4f} km²   planar {planar_km2 / geodesic - 1:+.4%}")
print(f"official (INSEE):    {official:.4f} km²   planar {planar_km2 / official - 1:+.3%}")

commune = report["commune"]
assert abs(commune["area_km2"] - planar_km2) < 1e-6          # the JSON keeps 1e-6 km² (1 m²)
assert abs(commune["geodesic_area_km2"] - geodesic) < 1e-6
assert commune["official_area_km2"] == official
assert abs(commune["planar_vs_geodesic"] - (planar_km2 - geodesic) / geodesic) < 1e-8
assert abs(commune["computed_vs_official"] - (planar_km2 - official) / official) < 1e-8
"""),
    md("""
### Why they differ

* **planar vs geodesic (+0.017 %)**: Lambert-93 is conformal, not equal-area. Its areal
  scale factor at Metz is about 1.00017: every km² on the ground is 1.00017 km² on the
  map. The difference is exactly that distortion (checked below), and is negligible here.
* **computed vs official (−0.45 %)**: the bundle's boundary is IGN ADMIN EXPRESS
  *simplified* (Visvalingam, 25 % of the vertices kept): cutting corners loses area.
  A second simplified file (GEOFLA 2016) gives +0.21 %. The spread between the two files
  is an honest error bar on the commune's area; the official 41.94 km² lies inside it.
"""),
    code("""
from pyproj import Proj

centre = boundary.representative_point()
areal_scale = Proj("EPSG:2154").get_factors(centre.x, centre.y).areal_scale
print(f"Lambert-93 areal scale at Metz: {areal_scale:.6f}")
assert abs((planar_km2 / geodesic) - areal_scale) < 2e-5

geofla_path = BUNDLE / "communes" / "metz-57463-geofla2016.geojson"
geofla = json.loads(geofla_path.read_text(encoding="utf-8"))
geofla_shape = shapely.geometry.shape(geofla["features"][0]["geometry"])
geofla_km2 = shapely.transform(geofla_shape, lambert93).area / 1e6
print(f"GEOFLA 2016: {geofla_km2:.3f} km² ({geofla_km2 / official - 1:+.2%} against INSEE)")
assert min(planar_km2, geofla_km2) <= official <= max(planar_km2, geofla_km2)
"""),
    md("""
## 3. The 21 km² / 50 % arithmetic

The claim's two figures are consistent with each other and with the commune: 21 km² is
50.07 % of the official area and 50.30 % of the area measured here, both within half a
percentage point of "50 %" (a whole percent). That only checks the arithmetic: it says
nothing about whether the perimeters really cover 21 km².
"""),
    code("""
claims = {c["id"]: c for c in report["claims"]}
claimed_km2, claimed_share = 21.0, 0.50
share_official = claimed_km2 / official
share_measured = claimed_km2 / planar_km2
print(f"21 / {official} = {share_official:.2%};  21 / {planar_km2:.3f} = {share_measured:.2%}")

checks = {c["against"]: c for c in claims["authorized-share"]["checks"]}
assert abs(checks["claimed area / official commune area"]["measured"] - share_official) < 1e-12
assert abs(checks["claimed area / computed commune area"]["measured"] - share_measured) < 1e-12
assert abs(share_official - claimed_share) <= 0.005 and abs(share_measured - claimed_share) <= 0.005
assert claims["authorized-share"]["verdict"] == "consistent"
area_checks = {c["against"]: c for c in claims["authorized-area"]["checks"]}
assert abs(area_checks["official commune area"]["measured"] - share_official) < 1e-12
"""),
    md("""
## 4. What it would take to verify the 21 km²

The perimeters are published only as text and maps in the Moselle prefecture's *recueils
des actes administratifs*: nobody has digitized them yet (`data/metz/perimeters.geojson`
is empty), so the area claim is **unverifiable**, and the report says so rather than
guessing. Digitizing them (`docs/perimeters.md`) is what turns that verdict into a
measurement; section 6 shows how a digitization is plugged in.
"""),
    code("""
assert report["perimeters"]["count"] == 0 and report["perimeters"]["area_km2"] == 0
assert claims["authorized-area"]["verdict"] == "unverifiable"
print(area_checks["digitized perimeters"]["explanation"])
"""),
    md("""
## 5. Capacity: the most 148 cameras could see

Whatever the perimeters, 148 cameras can only see so much. For each field-of-view preset
(`docs/fov.md`), the most they could see is 148 × the area of one field of view (no
overlap, no building in the way): a wedge if every camera were fixed, a disc if every
camera turned. We recompute each from the presets' published parameters, at the default
height (5 m) and tilt (15°).
"""),
    code("""
import math

from geocover import settings
from geocover.model import fov

n = 148
rows = []
for name in fov.DEFAULT_PRESETS:
    p = fov.PRESETS[name]
    h = settings.DEFAULT_HEIGHT_M
    if p.height_bounds_m:
        h = min(max(h, p.height_bounds_m[0]), p.height_bounds_m[1])
    reach = p.range_m + p.range_per_height_m * h
    tilt = 1.0
    if p.tilt_reference_deg is not None:
        tilt = math.cos(math.radians(max(0.0, settings.DEFAULT_TILT_DEG - p.tilt_reference_deg)))
    fixed = n * math.pi * (reach * tilt) ** 2 * p.fixed_angle_deg / 360 / 1e6
    dome = n * math.pi * reach ** 2 * p.dome_angle_deg / 360 / 1e6
    rows.append((name, reach, fixed, dome))
    cap = report["capacity"]["presets"][name]
    assert abs(cap["fixed_km2"] - fixed) < 1e-6 and abs(cap["dome_km2"] - dome) < 1e-6, name

print(f"{'preset':<28} {'range':>7} {'all fixed':>10} {'all domes':>10}  (of 21 km²)")
for name, reach, fixed, dome in rows:
    print(f"{name:<28} {reach:6.1f}m {fixed:8.3f} km² {dome:8.3f} km²  "
          f"{fixed / 21:6.1%} / {dome / 21:6.1%}")
assert report["capacity"]["n_cameras"] == n
"""),
    md("""
Read the band, not one number: at the ranges where a face can be identified (SunderS,
PanoptiCity identification) 148 cameras see a few hundredths of a km², well under 1 % of
21 km². Only the fact sheet's own "300 m" with every camera turning all round reaches the
order of the authorized area, and a camera sees one direction at a time.

## 6. Plugging in digitized perimeters and contributed cameras

`analyse(perimeters=FILE)` (CLI: `--perimeters FILE`) measures a digitization before it is
committed; `analyse(cameras=[FILE])` (CLI: `--cameras FILE`) uses contributed cameras. The
files below are **synthetic** (generated here, labelled so): a 1 km × 1 km "perimeter" and
one dome camera at its centre, so the answers have a closed form.
"""),
    code("""
import tempfile

import geopandas as gpd

from geocover.verdicts.compliance import compliance_tables
from geocover.pipeline.provenance import provenance

work = Path(tempfile.mkdtemp(prefix="verify-metz-"))
c = gpd.GeoSeries([boundary], crs="EPSG:4326").to_crs("EPSG:2154").representative_point().iloc[0]
square = shapely.box(c.x - 500, c.y - 500, c.x + 500, c.y + 500)
gpd.GeoDataFrame(
    {"id": ["SYNTHETIC-1"], "name": ["synthetic square (not a decree)"],
     "decree_ref": ["synthetic"], "decree_date": ["2019-03-01"]},
    geometry=[square], crs="EPSG:2154",
).to_crs("EPSG:4326").to_file(work / "perimeters.geojson", driver="GeoJSON")
gpd.GeoDataFrame(
    {"id": ["synthetic-dome"], "camera:type": ["dome"]}, geometry=[c], crs="EPSG:2154",
).to_crs("EPSG:4326").to_file(work / "cameras.geojson", driver="GeoJSON")

trial = analyse("metz", bundle=BUNDLE, perimeters=work / "perimeters.geojson",
                cameras=[work / "cameras.geojson"])
data = to_dict(trial)
print(data["perimeters"]["count"], "perimeter:", data["perimeters"]["area_km2"], "km²,",
      f"{data['perimeters']['share']:.2%} of the commune")
assert abs(data["perimeters"]["area_km2"] - 1.0) < 1e-6               # 1 km × 1 km
assert abs(data["perimeters"]["share"] - 1.0 / planar_km2) < 1e-6
assert data["cameras"]["count"] == 1

# One dome at 5 m under SunderS: a disc of 7 m x 5 m = 35 m radius.
disc_km2 = math.pi * 35.0 ** 2 / 1e6
print("SunderS coverage:", data["coverage"]["sunders"]["area_km2"], "km², closed form",
      round(disc_km2, 6))
assert abs(data["coverage"]["sunders"]["area_km2"] - disc_km2) < 1e-6
assert data["coverage"]["sunders"]["share_of_perimeters"] > 0

tables = compliance_tables(trial)
print({name: len(t) for name, t in tables.items()})
expired = tables["authorizations"]
assert list(expired["id"]) == ["SYNTHETIC-1"] and expired["status"].iloc[0] == "expired"
assert expired["valid_until"].iloc[0] == "2024-03-01"   # decree + 5 years: no valid_until given
"""),
    md("""
## 7. Provenance

Every report records the files it read with their sha256, so a figure can be traced to
the exact bytes it came from.
"""),
    code("""
import hashlib

record = provenance(trial)
for f in record["files"]:
    print(f"{f['role']:<11} {f['path']:<55} {f['sha256'][:16]}…")
by_path = {f["path"]: f for f in record["files"]}
bundle_file = by_path["bundle:geo-api/communes-57463-contour.json"]
contour = (BUNDLE / "geo-api" / "communes-57463-contour.json").read_bytes()
assert bundle_file["sha256"] == hashlib.sha256(contour).hexdigest()
assert {"city", "commune", "perimeters", "cameras"} <= {f["role"] for f in record["files"]}
cli_files = {f["path"]: f["sha256"] for f in report["provenance"]["files"]}
assert cli_files["bundle:geo-api/communes-57463-contour.json"] == bundle_file["sha256"]
"""),
]


# --------------------------------------------------------------------------- sensitivity

SENSITIVITY = [
    md("""
# How coverage moves with the model's assumptions

Coverage is *modelled*: each camera sees a wedge or a disc whose size depends on a range,
an angle, the camera's height and whether buildings block the view. None of these is
known camera by camera, so a report gives several presets side by side. This notebook
shows how much each assumption matters, on real camera sets:

* the Paris police video-protection plan (the 2019 BOVP list and the c. 2013 PVPP list);
* the 16 OpenStreetMap cameras of Monaco, the only offline set with camera types,
  directions, and building footprints for occlusion.

Coverage from known cameras is a **lower bound** of what exists (unmapped cameras see
too) and, without occlusion, an **upper bound** of what the known cameras see.
"""),
    code(SETUP),
    code("""
import math

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import shapely

from geocover import load_commune
from geocover.model import coverage, fov
from geocover.model.crs import metric_crs
from geocover.sources import lists as camera_lists, overpass

%matplotlib inline

paris = load_commune("75056", bundle=BUNDLE)
crs = metric_crs(paris)
paris_m = paris.to_crs(crs).geometry.iloc[0]
lists = {}
for definition in (camera_lists.PARIS_BOVP2019, camera_lists.PARIS_PVPP):
    frame, _problems = camera_lists.load_list(definition, BUNDLE)
    lists[definition.list_id] = frame.to_crs(crs)
print({k: len(v) for k, v in lists.items()}, "cameras;",
      f"Paris {paris_m.area / 1e6:.1f} km² ({crs})")
print("camera types in the lists:",
      {k: v["camera_type"].value_counts().to_dict() for k, v in lists.items()})

monaco_cams, monaco_buildings, _ = overpass.load_osm_bundle(BUNDLE, "monaco")
mcrs = metric_crs(monaco_cams)
monaco_m = monaco_cams.to_crs(mcrs)
buildings_m = monaco_buildings.to_crs(mcrs)
# Monaco is not a French commune: measure inside the extract's extent.
monaco_area = shapely.box(*buildings_m.total_bounds)
print(len(monaco_m), "Monaco cameras:", monaco_m["camera_type"].value_counts().to_dict(),
      f"; {len(buildings_m)} buildings; extent {monaco_area.area / 1e6:.2f} km² ({mcrs})")
"""),
    md("""
## 1. Range

A custom preset per range: a fixed camera sees a 57° wedge, any camera without a known
direction (all of the Paris lists) a disc. As the range grows, discs overlap more and more,
so the union (what is seen) grows slower than N × πr² (the no-overlap capacity).
"""),
    code("""
ranges = [10, 20, 35, 60, 100, 157, 200, 300]

def preset(name, **kw):
    params = {"fixed_angle_deg": 57.0, "range_m": 35.0}
    params.update(kw)
    return fov.Preset(name=name, label=name, source="sensitivity sweep (this notebook)", **params)

by_range = {}
for list_id, cams_m in lists.items():
    rows = []
    for r in ranges:
        cov, _ = coverage.camera_coverage(cams_m, paris_m, preset(f"range-{r}", range_m=float(r)))
        capacity = len(cams_m) * math.pi * r * r / 1e6
        rows.append((r, cov.area_km2, cov.share_of_commune, capacity))
        assert cov.area_km2 <= capacity + 1e-9
    by_range[list_id] = rows
    areas = [a for _, a, _, _ in rows]
    assert all(b >= a for a, b in zip(areas, areas[1:]))  # more range, more coverage
    print(list_id)
    for r, a, s, cap in rows:
        print(f"  {r:4d} m: {a:7.3f} km² = {s:6.2%} of Paris "
              f"(no-overlap bound {cap:7.3f} km², {a / cap:5.1%} of it)")
"""),
    md("""
## 2. Wedge angle

The Paris lists give neither camera type nor direction: every camera is a disc, and the
wedge angle changes nothing (checked below). That is itself a finding: a list of sites is
not enough to model what is watched. On Monaco, where OSM mappers tagged types and
directions, only the 3 fixed cameras respond to the angle.
"""),
    code("""
bovp = lists["paris-bovp2019"]
narrow, _ = coverage.camera_coverage(bovp, paris_m, preset("angle-30", fixed_angle_deg=30.0))
wide, _ = coverage.camera_coverage(bovp, paris_m, preset("angle-180", fixed_angle_deg=180.0))
assert narrow.area_km2 == wide.area_km2

angles = [15, 30, 57, 80, 120, 180, 270, 360]
by_angle = []
for a in angles:
    tilted = preset(f"angle-{a}", fixed_angle_deg=float(a))
    cov, _ = coverage.camera_coverage(monaco_m, monaco_area, tilted)
    by_angle.append((a, cov.area_km2 * 1e6))
print("Monaco, 35 m range:", ", ".join(f"{a}°: {m2:,.0f} m²" for a, m2 in by_angle))
assert all(b >= a for (_, a), (_, b) in zip(by_angle, by_angle[1:]))
"""),
    md("""
## 3. Camera height

The OSM presets scale the range with the mounting height: SunderS 7 m per metre (height
clamped to 3-12 m), PanoptiCity about 1.05 m + 0.1 × that per metre (clamped to 1.5-20 m).
No list gives heights; the default is 5 m.
"""),
    code("""
heights = [3, 5, 8, 12, 20]
by_height = {}
for name in ("sunders", "panopticity-observation"):
    rows = []
    for h in heights:
        cams_h = bovp.assign(height_m=float(h))
        cov, _ = coverage.camera_coverage(cams_h, paris_m, name)
        rows.append((h, cov.area_km2))
    by_height[name] = rows
    print(name, ", ".join(f"{h} m: {a:.3f} km²" for h, a in rows))
    assert all(b >= a for (_, a), (_, b) in zip(rows, rows[1:]))
sunders = dict(by_height["sunders"])
assert sunders[12] == sunders[20]  # SunderS clamps heights above 12 m
"""),
    md("""
## 4. Occlusion by buildings

Buildings block the view. In Monaco's dense streets, clipping each field of view by the
4,575 building footprints removes most of what a long range would seem to add.
"""),
    code("""
by_occlusion = []
for name in fov.DEFAULT_PRESETS:
    cov, _ = coverage.camera_coverage(monaco_m, monaco_area, name, buildings_m=buildings_m)
    by_occlusion.append((name, cov.unoccluded_area_km2 * 1e6, cov.area_km2 * 1e6))
    assert cov.occluded and cov.area_km2 <= cov.unoccluded_area_km2 + 1e-12
for name, free, seen in by_occlusion:
    print(f"{name:<28} {free:10,.0f} m² without buildings, {seen:10,.0f} m² with "
          f"({seen / free:5.1%} visible)")
"""),
    code("""
fig, axes = plt.subplots(2, 2, figsize=(11, 8))
ax = axes[0, 0]
for list_id, rows in by_range.items():
    ax.plot([r for r, *_ in rows], [100 * s for _, _, s, _ in rows], marker="o", label=list_id)
ax.set(xlabel="range (m)", ylabel="% of Paris seen", title="Range (Paris lists, discs)")
ax.legend()
ax = axes[0, 1]
ax.plot([a for a, _ in by_angle], [m2 for _, m2 in by_angle], marker="o")
ax.set(xlabel="fixed-camera wedge angle (°)", ylabel="m² seen", title="Wedge angle (Monaco, 35 m)")
ax = axes[1, 0]
for name, rows in by_height.items():
    ax.plot([h for h, _ in rows], [a for _, a in rows], marker="o", label=name)
ax.set(xlabel="camera height (m)", ylabel="km² seen", title="Height (Paris BOVP 2019)")
ax.legend()
ax = axes[1, 1]
x = np.arange(len(by_occlusion))
ax.bar(x - 0.2, [f for _, f, _ in by_occlusion], 0.4, label="no buildings")
ax.bar(x + 0.2, [s for _, _, s in by_occlusion], 0.4, label="occluded")
labels = [n.replace("panopticity-", "pc-") for n, *_ in by_occlusion]
ax.set_xticks(x, labels, rotation=30, ha="right")
ax.set(ylabel="m² seen", title="Occlusion (Monaco)")
ax.legend()
fig.suptitle("geocover: sensitivity of modelled coverage. Data: Préfecture de police / BOVP 2019; "
             "© OpenStreetMap contributors", fontsize=9)
fig.tight_layout()
"""),
    md("""
## Reading it

* **Range dominates.** From 10 m to 300 m the share of Paris "seen" by the same sites moves
  by two orders of magnitude: any single coverage figure is a choice of range.
* **Angle needs data.** Without directions the angle is irrelevant; with them, it scales the
  fixed cameras' share linearly until wedges overlap.
* **Height matters through the range rule**, and stops mattering where a preset clamps it.
* **Occlusion** cuts deep in dense streets: unoccluded figures are upper bounds.
"""),
]


# --------------------------------------------------------------------------- national

NATIONAL = [
    md("""
# The national table, questioned

`geocover batch --france` writes one row per commune of France (GeoParquet). This notebook
reads such a table and re-derives three of its figures **with its own code** (raw GeoJSON
read with `json`, `shapely`, `pyproj`, `geopandas`; no geocover function in the
computation):

1. a commune's areas, planar (Lambert-93) and geodesic (WGS 84);
2. a commune's camera count per source;
3. a département's share seen under the fact sheet's 300 m preset.

It reads the table named by `$GEOCOVER_NATIONAL_TABLE` (the test suite builds one on a few
départements); without it, it builds one itself with the CLI on Paris, Hauts-de-Seine and
Indre-et-Loire (the same command as for France, with `--departement` instead of `--france`).
"""),
    code(SETUP),
    code("""
import json
import subprocess
import tempfile

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod, Transformer

table_path = os.environ.get("GEOCOVER_NATIONAL_TABLE")
if not table_path:
    table_path = str(Path(tempfile.mkdtemp()) / "national.parquet")
    subprocess.run([sys.executable, "-m", "geocover", "batch", "--departement", "75", "92", "37",
                    "--bundle", str(BUNDLE), "--preset", "sunders", "factsheet-300m-reach",
                    "--engine", "local", "-q", "-o", table_path], check=True, cwd=ROOT)
table = gpd.read_parquet(table_path).set_index("code")
print(len(table), "communes;", table["camera_status"].value_counts().to_dict())
table[["name", "area_km2", "cameras_known", "camera_status", "density_per_km2"]].head()
"""),
    md("""
## 1. A commune's areas

Tours (37261), from the bundle's département file read as plain JSON.
"""),
    code("""
def bundle_communes(dep):
    path = next((BUNDLE / "communes" / "france").glob(f"communes-{dep}-*.geojson"))
    data = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shapely.geometry.shape(f["geometry"])
            for f in data["features"]}

tours = bundle_communes("37")["37261"]
geodesic = abs(Geod(ellps="WGS84").geometry_area_perimeter(tours)[0]) / 1e6
to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
def to_lambert93(xy):
    return np.column_stack(to_l93.transform(xy[:, 0], xy[:, 1]))

planar = shapely.transform(tours, to_lambert93).area / 1e6
row = table.loc["37261"]
print(f"Tours: planar {planar:.6f} km² (table {row.area_km2:.6f}), "
      f"geodesic {geodesic:.6f} km² (table {row.geodesic_area_km2:.6f})")
assert abs(planar - row.area_km2) < 1e-9 and abs(geodesic - row.geodesic_area_km2) < 1e-9
"""),
    md("""
## 2. A commune's camera count per source

Paris (75056): every point of each source's file tested against the boundary
(`shapely.contains_xy`, strict inside, as a `within` join). OpenStreetMap elements count
when they are `man_made=surveillance` of type camera or ALPR (or untyped), as documented.
The sources overlap: the table's `cameras_known` is the largest single count.
"""),
    code("""
def points(name, keep=lambda props: True):
    data = json.loads((BUNDLE / "cameras" / name).read_text(encoding="utf-8"))
    return np.array([f["geometry"]["coordinates"][:2] for f in data["features"]
                     if keep(f["properties"])])

osm = json.loads((BUNDLE / "osm" / "paris-20250208-surveillance.overpass.json").read_text())
sources = {
    "cameras_paris_police_2025": points("paris-police-2025-06-01.geojson"),
    "cameras_sous_surveillance_net": points("sous-surveillance-net-2025-06-01.geojson"),
    "cameras_osm": np.array([
        (e["lon"], e["lat"]) for e in osm["elements"]
        if e.get("tags", {}).get("man_made") == "surveillance"
        and str(e["tags"].get("surveillance:type", "camera")).lower() in ("camera", "alpr")]),
}
paris = bundle_communes("75")["75056"]
mine = {column: int(shapely.contains_xy(paris, xy[:, 0], xy[:, 1]).sum())
        for column, xy in sources.items()}
theirs = {column: int(table.loc["75056", column]) for column in sources}
print(pd.DataFrame({"this notebook": mine, "table": theirs}))
assert mine == theirs
assert int(table.loc["75056", "cameras_known"]) == max(mine.values())
"""),
    md("""
## 3. A département's share seen

Indre-et-Loire (37) under `factsheet-300m-reach` (what the cameras could reach by turning,
not what they see at once: `docs/fov.md`): every camera gets a 300 m disc, except a
camera that points one way (a sous-surveillance.net housing other than a dome, with a
direction other than 0, the site's "unknown") which sees a 3° wedge around its direction
(see `docs/fov.md`). Only sous-surveillance.net has cameras there. The union of the fields
of the cameras within 300 m of the département, inside the département, over its area; the
table's figure is the sum of its communes' covered areas over the sum of their areas
(communes do not overlap, so both are the same union). Our discs and arcs are polygons of
256 segments: their area falls short of the exact one by less than 0.01 %.
"""),
    code("""
communes = gpd.GeoDataFrame(geometry=list(bundle_communes("37").values()), crs="EPSG:4326")
communes = communes.to_crs(2154)
dep = shapely.union_all(communes.geometry.to_numpy())
ssn = BUNDLE / "cameras" / "sous-surveillance-net-2025-06-01.geojson"
data = json.loads(ssn.read_text(encoding="utf-8"))
xy = np.array([f["geometry"]["coordinates"][:2] for f in data["features"]])
props = [f["properties"] for f in data["features"]]
x, y = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True).transform(xy[:, 0], xy[:, 1])
near = shapely.dwithin(dep, shapely.points(x, y), 300.0)

def field(px, py, p, r=300.0, half=1.5, n=256):
    direction = p.get("direction") or 0
    if p.get("apparence") == "dome" or direction % 360 == 0:
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        return shapely.Polygon(np.column_stack([px + r * np.sin(t), py + r * np.cos(t)]))
    t = np.radians(np.linspace(direction - half, direction + half, 16))
    return shapely.Polygon([(px, py), *zip(px + r * np.sin(t), py + r * np.cos(t))])

fields = [field(x[i], y[i], props[i]) for i in np.flatnonzero(near)]
seen = shapely.intersection(shapely.union_all(fields), dep).area
mine = seen / dep.area
rows = table[table.index.str.startswith("37")]
theirs = rows["covered_km2_factsheet_300m_reach"].sum() / rows["area_km2"].sum()
print(f"{len(fields)} cameras within 300 m; "
      f"share seen {100 * mine:.4f} % (table {100 * theirs:.4f} %)")
assert abs(mine - theirs) / theirs < 1e-3
"""),
    md("""
Three figures of the national table, re-derived without geocover. What they do not say:
the cameras known are a lower bound of the cameras that exist, a commune shown as
"no camera known" is one no source looked at, and the coverage ignores buildings.
"""),
]


# --------------------------------------------------------------------------- sources_paris

SOURCES_PARIS = [
    md("""
# Paris: one camera, several sources — the overlap table and capture-recapture

Paris has three independent camera layers in the bundle: the police prefecture's 2025 list,
OpenStreetMap (2025-02-08) and the citizen map sous-surveillance.net (2025-06-01).
`geocover report paris` matches their cameras into sites, shows how many sites each pair of
sources shares, and estimates the total by capture-recapture. This notebook re-derives the
overlap table and the estimates with its own code — raw JSON reads, `geopandas.sjoin_nearest`
for the matching, the estimator written out — and asserts they equal the report's JSON.
"""),
    code(SETUP),
    md("""
## 1. The report
"""),
    code('''
import json
import subprocess

cli = subprocess.run(
    [sys.executable, "-m", "geocover", "report", "paris", "--bundle", str(BUNDLE),
     "--format", "json", "--preset", "sunders"],
    cwd=ROOT, capture_output=True, text=True, check=True,
)
report = json.loads(cli.stdout)
table = report["sites"]["overlap"]
print(table["counts"])
print(table["pairs"])
'''),
    md("""
## 2. Each source's cameras inside Paris, read from the raw files

No geocover parser: the GeoJSON and Overpass files are read with `json`. OpenStreetMap
elements count when `man_made=surveillance` and `surveillance:type` is camera or ALPR (or
missing). The citizen map is read around Paris only (the commune's bounding box widened by
0.01°), as geocover does. Each camera is also marked *public* as the estimate's population
says: every camera of the police list; an OSM camera of a police or town operator, of a public
`operator:type`, or filming public space (`surveillance=public`) without a private
`operator:type`; a citizen-map camera with `op_type=public`.
"""),
    code('''
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

def points(rows, source):
    frame = pd.DataFrame(rows)
    return gpd.GeoDataFrame(frame.assign(source=source),
                            geometry=gpd.points_from_xy(frame.pop("lon"), frame.pop("lat")),
                            crs="EPSG:4326")

boundary = json.loads((BUNDLE / "communes/paris-75056-adminexpress2018.geojson").read_text())
paris = shapely.from_geojson(json.dumps(boundary["features"][0]["geometry"]))

def read(path):
    return json.loads((BUNDLE / path).read_text(encoding="utf-8"))


police_raw = read("cameras/paris-police-2025-06-01.geojson")["features"]
police = points([{"lon": f["geometry"]["coordinates"][0], "lat": f["geometry"]["coordinates"][1],
                  "public": True} for f in police_raw], "list:paris-police-2025")

osm_raw = read("osm/paris-20250208-surveillance.overpass.json")["elements"]
POLICE_OR_TOWN = re.compile(
    r"pr[ée]fecture de police|police nationale|gendarmerie|minist[eè]re de l.int[ée]rieur|"
    r"police municipale|\\bmairie\\b|\\bville de\\b|\\bcommune de\\b|municipal", re.I)
PUBLIC_TYPES = {"government", "public", "municipal", "military"}
PRIVATE_TYPES = {"private", "business", "commercial", "community", "religious"}
def osm_public(tags):
    if POLICE_OR_TOWN.search(tags.get("operator", "")):
        return True
    kind = tags.get("operator:type", "").strip().lower()
    if kind in PUBLIC_TYPES:
        return True
    return tags.get("surveillance", "").strip().lower() == "public" and kind not in PRIVATE_TYPES
osm_rows = [e for e in osm_raw if e.get("tags", {}).get("man_made") == "surveillance"
            and e["tags"].get("surveillance:type", "camera").lower() in ("camera", "alpr")]
osm = points([{"lon": e["lon"], "lat": e["lat"], "public": osm_public(e["tags"])}
              for e in osm_rows], "osm")

citizen_raw = read("cameras/sous-surveillance-net-2025-06-01.geojson")["features"]
# geocover reads the citizen map around the commune only: its bounding box widened by 0.01°
around = shapely.box(*paris.bounds).buffer(0.01)
citizen = points([{"lon": f["geometry"]["coordinates"][0], "lat": f["geometry"]["coordinates"][1],
                   "public": f["properties"]["op_type"] == "public"} for f in citizen_raw
                  if shapely.contains_xy(around, *f["geometry"]["coordinates"])],
                 "list:sous-surveillance-net")

cams = pd.concat([osm, police, citizen], ignore_index=True).to_crs(2154)
lonlat = cams.to_crs(4326).geometry
cams["inside"] = shapely.contains_xy(paris, lonlat.x.to_numpy(), lonlat.y.to_numpy())
counts = cams[cams.inside].groupby("source").size().to_dict()
print(counts)
assert counts == table["counts"]
'''),
    md("""
## 3. Matching into sites with `sjoin_nearest`

Two cameras of different sources are one site when each is the other's nearest camera of
that source, within the documented distance (10 m for cameras mapped at the camera, 20 m for
the police list's address or crossing; the larger of the pair's two). Pairs are joined into
sites from the closest up, a site holding at most one camera of each source.
"""),
    code('''
# documented distances: mapped at the camera 10 m (OSM, citizen map), a list's crossing 20 m
REACH = {"osm": 10.0, "list:sous-surveillance-net": 10.0, "list:paris-police-2025": 20.0}
names = sorted(REACH)
pairs = []
for i, a in enumerate(names):
    for b in names[i + 1:]:
        A = cams[cams.source == a][["geometry"]]
        B = cams[cams.source == b][["geometry"]]
        limit = max(REACH[a], REACH[b])
        ab = gpd.sjoin_nearest(A, B, max_distance=limit, distance_col="d")
        ba = gpd.sjoin_nearest(B, A, max_distance=limit, distance_col="d")
        ab = ab[~ab.index.duplicated()]  # ties: keep one
        ba = ba[~ba.index.duplicated()]
        nearest_of_b = ba["index_right"].to_dict()
        for left, row in ab.iterrows():
            if nearest_of_b.get(row["index_right"]) == left:
                right = row["index_right"]
                pairs.append((row["d"], min(left, right), max(left, right)))
pairs.sort()
parent = list(range(len(cams)))
members = {i: {s} for i, s in enumerate(cams["source"])}
def find(i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i
for d, i, j in pairs:
    a, b = find(i), find(j)
    if a == b or members[a] & members[b]:
        continue  # a site holds one camera of each source
    a, b = min(a, b), max(a, b)
    parent[b] = a
    members[a] |= members.pop(b)
cams["site"] = [find(i) for i in range(len(cams))]
inside = cams[cams.inside]
seen = inside.groupby("site")["source"].agg(set)
mine = {(a, b): int(sum(1 for s in seen if a in s and b in s))
        for i, a in enumerate(names) for b in names[i + 1:]}
theirs = {(p["a"], p["b"]): p["shared"] for p in table["pairs"]}
print(mine, theirs, len(seen), table["sites"])
assert mine == theirs and len(seen) == table["sites"]
'''),
    md("""
## 4. Chapman's estimate, written out

`N = (n1 + 1)(n2 + 1) / (m + 1) − 1`, Seber's variance
`(n1 + 1)(n2 + 1)(n1 − m)(n2 − m) / ((m + 1)² (m + 2))`, and Chao's log-normal 95 %
interval `[r + f0 / C, r + f0 C]` with `r = n1 + n2 − m` the sites seen, `f0 = N − r` and
`C = exp(1.96 √ln(1 + Var / f0²))`.
"""),
    code('''
public = cams[cams.inside & cams.public].groupby("site")["source"].agg(set)
estimates = {}
for i, a in enumerate(names):
    for b in names[i + 1:]:
        n1 = sum(1 for s in public if a in s)
        n2 = sum(1 for s in public if b in s)
        m = sum(1 for s in public if a in s and b in s)
        N = (n1 + 1) * (n2 + 1) / (m + 1) - 1
        var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
        seen_ab = n1 + n2 - m
        f0 = N - seen_ab
        C = np.exp(1.959963984540054 * np.sqrt(np.log(1 + var / f0 ** 2)))
        estimates[(a, b)] = (n1, n2, m, N, seen_ab + f0 / C, seen_ab + f0 * C)
block = report["estimate"]["by_distance"]["per precision"]
for e in block["chapman"]:
    n1, n2, m, N, low, high = estimates[tuple(e["sources"])]
    print(e["sources"], (n1, n2, m), round(N), round(low), round(high))
    assert (n1, n2, m) == (e["n"][0], e["n"][1], e["shared"])
    assert np.isclose([N, low, high], [e["estimate"], e["low"], e["high"]]).all()
assert len(public) == block["observed"]
'''),
    md("""
## 5. Three sources: a log-linear model

Poisson regression of the seven capture-history counts on the three sources (independence)
and on each single two-way interaction; the model of lowest AIC is kept and the unseen cell is
`exp(intercept)`.
"""),
    code('''
import itertools
import statsmodels.api as sm
histories = [h for r in (1, 2, 3) for h in itertools.combinations(names, r)]
y = np.array([sum(1 for s in public if s == set(h)) for h in histories], dtype=float)
X_main = np.array([[float(n in h) for n in names] for h in histories])
models = {"independence": []}
for i, j in itertools.combinations(range(3), 2):
    models[f"{names[i]} x {names[j]}"] = [(i, j)]
fits = {}
for label, inter in models.items():
    X = np.column_stack([np.ones(len(y)), X_main] + [X_main[:, i] * X_main[:, j] for i, j in inter])
    fits[label] = sm.GLM(y, X, family=sm.families.Poisson()).fit()
best = min(fits, key=lambda k: fits[k].aic)
unseen = np.exp(fits[best].params[0])
print(best, y.sum() + unseen)
ll = block["loglinear"]
assert best == ll["model"]
assert np.isclose(y.sum() + unseen, ll["estimate"])
'''),
    md("""
## Reading it

* The police list and OpenStreetMap share most of the police's cameras: OSM has imported
  official positions, so the two are not independent, and their Chapman estimate is low.
* The citizen map and OSM, both mixed-operator maps, overlap much less: their estimate is
  larger. The log-linear model takes the police × OSM dependence into account.
* Every estimate assumes one population for the sources; the police list holds only its own
  operator's cameras. Read the figures as orders of magnitude beside the counted lower bound.
"""),
]


def write(name: str, cells) -> Path:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    path = HERE / f"{name}.ipynb"
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return path


if __name__ == "__main__":
    for name, cells in (("verify_metz", VERIFY_METZ), ("sensitivity", SENSITIVITY),
                        ("national", NATIONAL), ("sources_paris", SOURCES_PARIS)):
        print(write(name, cells))
