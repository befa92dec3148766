"""Compliance tables on generated cases with known answers (all geometry synthetic,
generated here in Lambert-93 around a field near Metz, labelled synthetic)."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pytest
import shapely

from geocover import analyse
from geocover.errors import UsageError
from geocover.outputs import report
from geocover.outputs.compliance import export_tables
from geocover.outputs.webmap.layers import add_compliance_layers
from geocover.schema.perimeters import add_years
from geocover.sources.perimeters import load_perimeters
from geocover.verdicts.compliance import (
    EXPIRY_WARNING_MONTHS,
    TABLES,
    Compliance,
    ComplianceLayers,
    ComplianceTable,
    authorization_table,
    compliance,
    compliance_tables,
)
from tests.helpers import (
    SYNTHETIC_CODE,
    X0,
    Y0,
    l93_box,
    square_commune,
    write_layer,
    write_synthetic_bundle,
)

TODAY = dt.date(2025, 6, 15)
M = 1.0 / 1000  # one metre in the helpers' km units


def _point(x_km: float, y_km: float) -> shapely.Point:
    return shapely.Point(X0 + x_km * 1000, Y0 + y_km * 1000)


def synthetic_perimeters() -> list[dict]:
    """Five synthetic perimeters in a 2 km × 2 km synthetic commune, with known answers."""
    return [
        # valid for two more years
        {"id": "SYN-valid", "name": "synthetic valid", "decree_ref": "synthetic n° 1",
         "decree_date": "2022-06-15", "valid_until": "2027-06-15",
         "geometry": l93_box(0.2, 0.2, 0.8, 0.8)},
        # no valid_until: decree of 2019-06-01 + 5 years = 2024-06-01, expired
        {"id": "SYN-expired", "name": "synthetic expired", "decree_ref": "synthetic n° 2",
         "decree_date": "2019-06-01", "valid_until": None,
         "geometry": l93_box(1.0, 0.2, 1.4, 0.6)},
        # ends in three months
        {"id": "SYN-expiring", "name": "synthetic expiring", "decree_ref": "synthetic n° 3",
         "decree_date": "2020-09-15", "valid_until": "2025-09-15",
         "geometry": l93_box(0.2, 1.2, 0.6, 1.6)},
        # half outside the commune (x from 1.5 to 2.5 km, the commune ends at 2 km)
        {"id": "SYN-half-out", "name": "synthetic half outside", "decree_ref": "synthetic n° 4",
         "decree_date": "2023-01-01", "valid_until": "2027-06-15",
         "geometry": l93_box(1.5, 1.0, 2.5, 2.0)},
        # undated
        {"id": "SYN-undated", "name": "synthetic undated", "decree_ref": None,
         "decree_date": None, "valid_until": None,
         "geometry": l93_box(0.7, 1.2, 0.9, 1.4)},
    ]


def synthetic_cameras() -> gpd.GeoDataFrame:
    rows = [
        ("contrib:synthetic:out-1m", _point(0.8 + M, 0.5)),     # 1 m east of SYN-valid
        ("contrib:synthetic:in-1m", _point(0.8 - M, 0.5)),      # 1 m inside SYN-valid
        ("contrib:synthetic:expired", _point(1.2, 0.4)),        # only in SYN-expired
        ("contrib:synthetic:half-out", _point(1.7, 1.5)),       # in SYN-half-out, in the commune
        ("contrib:synthetic:far", _point(1.2, 1.0)),            # 300 m west of SYN-half-out
    ]
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "source": "synthetic", "location_precision": "exact"},
        geometry=[r[1] for r in rows], crs="EPSG:2154",
    ).to_crs("EPSG:4326")


@pytest.fixture
def layers(tmp_path) -> ComplianceLayers:
    path = write_layer(tmp_path / "synthetic-perimeters.geojson", synthetic_perimeters())
    pset = load_perimeters(path, today=TODAY)
    return ComplianceLayers(square_commune(2.0), pset.frame, synthetic_cameras())


def test_tables_are_geodataframes_with_ids(layers):
    tables = compliance_tables(layers, today=TODAY)
    assert list(tables) == list(TABLES)
    for frame in tables.values():
        assert isinstance(frame, gpd.GeoDataFrame)
        assert frame.crs.to_epsg() == 4326
        assert "id" in frame and frame["id"].is_unique


def test_camera_one_metre_outside_is_reported_one_metre_inside_is_not(layers):
    table = compliance_tables(layers, today=TODAY)["cameras_outside"].set_index("id")
    assert "contrib:synthetic:in-1m" not in table.index
    assert "contrib:synthetic:half-out" not in table.index
    out = table.loc["contrib:synthetic:out-1m"]
    assert out["reason"] == "outside every perimeter"
    assert out["nearest_perimeter"] == "SYN-valid"
    assert out["distance_m"] == pytest.approx(1.0, abs=1e-3)
    far = table.loc["contrib:synthetic:far"]
    assert far["nearest_perimeter"] == "SYN-half-out"
    assert far["distance_m"] == pytest.approx(300.0, abs=1e-3)
    expired = table.loc["contrib:synthetic:expired"]
    assert expired["reason"] == "only in expired perimeters"
    assert expired["in_perimeters"] == "SYN-expired"
    assert set(table.index) == {"contrib:synthetic:out-1m", "contrib:synthetic:far",
                                "contrib:synthetic:expired"}
    assert table["in_commune"].all()


def test_perimeters_without_camera(layers):
    table = compliance_tables(layers, today=TODAY)["perimeters_without_camera"]
    assert set(table["id"]) == {"SYN-expiring", "SYN-undated"}
    row = table.set_index("id").loc["SYN-expiring"]
    assert row["area_km2"] == pytest.approx(0.4 * 0.4, rel=1e-9)


def test_authorizations_expired_expiring_and_valid(layers):
    table = compliance_tables(layers, today=TODAY)["authorizations"].set_index("id")
    assert set(table.index) == {"SYN-expired", "SYN-expiring", "SYN-undated"}
    expired = table.loc["SYN-expired"]
    assert expired["status"] == "expired"
    assert expired["valid_until"] == "2024-06-01"  # decree_date + 5 years
    assert expired["valid_until_basis"].startswith("decree_date + 5 years")
    assert expired["days_left"] == (dt.date(2024, 6, 1) - TODAY).days
    expiring = table.loc["SYN-expiring"]
    assert expiring["status"] == "expiring" and expiring["valid_until_basis"] == "stated"
    assert expiring["days_left"] == 92
    assert table.loc["SYN-undated", "status"] == "undated"
    # SYN-valid and SYN-half-out run two more years: not listed.


def _perimeter(**fields) -> gpd.GeoDataFrame:
    base = {"id": "SYN", "name": "synthetic", "decree_ref": None, "decree_date": None,
            "valid_until": None}
    base.update(fields)
    return gpd.GeoDataFrame([base], geometry=[l93_box(0, 0, 1, 1)], crs="EPSG:2154")


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"valid_until": "2025-12-15"}, "expiring"),   # exactly six months ahead
        ({"valid_until": "2025-12-16"}, None),         # one day beyond the horizon
        ({"valid_until": "2025-06-15"}, "expiring"),   # ends today: still valid today
        ({"valid_until": "2025-06-14"}, "expired"),
        ({"decree_date": "2020-06-15"}, "expiring"),   # + 5 years = today
        ({"decree_date": "2020-06-14"}, "expired"),
        ({"decree_date": "2020-12-15"}, "expiring"),   # + 5 years = the horizon
        ({"decree_date": "2021-01-01"}, None),         # + 5 years = 2026-01-01, beyond
    ],
)
def test_expiry_boundaries(fields, status):
    table = authorization_table(_perimeter(**fields), today=TODAY).frame
    assert (table["status"].iloc[0] if len(table) else None) == status
    assert EXPIRY_WARNING_MONTHS == 6


def test_add_years_on_29_february():
    assert add_years(dt.date(2020, 2, 29), 5) == dt.date(2025, 2, 28)
    assert add_years(dt.date(2020, 2, 29), 4) == dt.date(2024, 2, 29)


def test_perimeter_half_outside_the_commune_closed_form(layers):
    table = compliance_tables(layers, today=TODAY)["perimeters_outside_commune"]
    assert list(table["id"]) == ["SYN-half-out"]
    row = table.iloc[0]
    # 1 km × 1 km perimeter, the commune's east edge at its middle: 0.5 km × 1 km outside.
    assert row["area_km2"] == pytest.approx(1.0, rel=1e-9)
    assert row["outside_km2"] == pytest.approx(0.5, rel=1e-9)
    assert row["outside_share"] == pytest.approx(0.5, rel=1e-9)
    outside = gpd.GeoSeries([row.geometry], crs="EPSG:4326").to_crs("EPSG:2154").iloc[0]
    assert outside.area == pytest.approx(0.5e6, rel=1e-9)
    assert outside.symmetric_difference(l93_box(2.0, 1.0, 2.5, 2.0)).area < 1e-3  # m²


def test_nothing_to_check_is_said_not_silently_empty():
    commune = square_commune(2.0)
    from geocover.schema.perimeters import empty_perimeters

    result = compliance({"commune": commune, "perimeters": empty_perimeters(),
                         "cameras": synthetic_cameras()}, today=TODAY)
    assert isinstance(result, Compliance) and result.today == TODAY
    assert all(len(t) == 0 and isinstance(t, ComplianceTable) for t in result.tables.values())
    assert "no perimeter digitized" in result.tables["cameras_outside"].note
    assert all(not t.frame.attrs for t in result.tables.values())  # notes are typed fields
    result = compliance({"commune": commune, "perimeters": _perimeter(valid_until="2030-01-01"),
                         "cameras": None}, today=TODAY)
    assert result.tables["cameras_outside"].note == "no camera source was read"
    assert list(result.tables["perimeters_without_camera"].frame["id"]) == ["SYN"]
    assert result.tables["perimeters_without_camera"].note.startswith("no camera source")
    assert result.tables["perimeters_outside_commune"].note is None


def test_bad_input_is_a_usage_error():
    with pytest.raises(UsageError, match="compliance_tables takes"):
        compliance_tables(42)
    with pytest.raises(UsageError, match="perimeters"):
        compliance_tables({"commune": square_commune()})


def test_export_writes_csv_and_geojson_with_ids(layers, tmp_path):
    tables = compliance_tables(layers, today=TODAY)
    written = export_tables(tables, tmp_path / "out", "synthetic-compliance")
    assert len(written) == 8
    data = json.loads((tmp_path / "out/synthetic-compliance-cameras-outside.geojson").read_text())
    assert {f["properties"]["id"] for f in data["features"]} == set(tables["cameras_outside"]["id"])
    csv = (tmp_path / "out/synthetic-compliance-cameras-outside.csv").read_text().splitlines()
    assert csv[0].split(",")[-2:] == ["lon", "lat"] and len(csv) == 4
    data = json.loads((tmp_path / "out/synthetic-compliance-authorizations.geojson").read_text())
    undated = next(f for f in data["features"] if f["properties"]["id"] == "SYN-undated")
    assert undated["properties"]["days_left"] is None


def test_map_layers_escape_user_text(layers):
    perimeters = layers.perimeters.copy()
    perimeters.loc[perimeters["id"] == "SYN-expiring", "name"] = "<script>alert('x')</script>"
    tables = compliance_tables(ComplianceLayers(layers.commune, perimeters, layers.cameras),
                               today=TODAY)
    from geocover.outputs.webmap.elements import GeocoverMap

    fmap = GeocoverMap(tiles=None)
    add_compliance_layers(fmap, tables)
    page = fmap.get_root().render()
    assert "<script>alert" not in page
    assert "\\u003cscript\\u003ealert" in page  # JSON-escaped data, shown with textContent
    assert page.count('"key":"compliance:') == sum(not t.empty for t in tables.values()) == 4


def test_report_section_on_an_analysis(bundle, tmp_path):
    # Synthetic perimeters around Metz's centre, with the real Metz boundary from the bundle.
    metz = analyse("metz", bundle=bundle)
    centre = metz.commune.to_crs("EPSG:2154").geometry.iloc[0].representative_point()
    inside = shapely.box(centre.x - 100, centre.y - 100, centre.x + 100, centre.y + 100)
    path = write_layer(tmp_path / "synthetic.geojson", [
        {"id": "SYN-A", "name": "synthetic", "decree_date": "2019-01-01", "geometry": inside},
    ])
    analysis = analyse("metz", bundle=bundle, perimeters=path, today=TODAY)
    data = report.to_dict(analysis)["compliance"]
    assert data["today"] == "2025-06-15"
    assert data["authorizations"]["count"] == 1
    row = data["authorizations"]["rows"][0]
    assert (
        row["id"] == "SYN-A" and row["status"] == "expired" and row["valid_until"] == "2024-01-01"
    )
    assert data["perimeters_outside_commune"]["count"] == 0
    assert "Compliance (as of 2025-06-15)" in report.to_text(analysis)
    assert "## Compliance" in report.to_markdown(analysis)
    json.dumps(data)  # JSON-ready


def test_cli_compliance_end_to_end(cli, tmp_path):
    bundle = write_synthetic_bundle(tmp_path / "bundle", side_km=2.0)
    perimeters = write_layer(tmp_path / "synthetic-perimeters.geojson", synthetic_perimeters())
    cams = synthetic_cameras()
    cams["id"] = cams["id"].str.replace("contrib:synthetic:", "", regex=False)
    cams["camera:type"] = "fixed"
    camera_file = tmp_path / "synthetic-cams.geojson"
    cams.to_file(camera_file, driver="GeoJSON")
    out = tmp_path / "out"
    args = ["compliance", "--insee", SYNTHETIC_CODE, "--bundle", str(bundle),
            "--perimeters", str(perimeters), "--cameras", str(camera_file),
            "-o", str(out), "--today", "2025-06-15"]
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert "cameras outside every authorized perimeter: 3" in result.stdout
    summary = json.loads((out / f"{SYNTHETIC_CODE}-compliance.json").read_text())
    ids = {r["id"] for r in summary["cameras_outside"]["rows"]}
    assert ids == {"contrib:synthetic-cams:out-1m", "contrib:synthetic-cams:far",
                   "contrib:synthetic-cams:expired"}
    assert {r["id"] for r in summary["authorizations"]["rows"]} == {
        "SYN-expired", "SYN-expiring", "SYN-undated"}
    assert summary["perimeters_outside_commune"]["rows"][0]["outside_km2"] == pytest.approx(
        0.5, rel=1e-6
    )
    record = json.loads((out / f"{SYNTHETIC_CODE}-compliance.provenance.json").read_text())
    roles = {f["role"] for f in record["files"]}
    assert {"commune", "perimeters", "cameras"} <= roles
    for name in TABLES:
        stem = out / f"{SYNTHETIC_CODE}-compliance-{name.replace('_', '-')}"
        assert stem.with_suffix(".csv").is_file() and stem.with_suffix(".geojson").is_file()
    assert cli(*args, "--fail-on-issues").returncode == 1
    bad = cli("compliance", "--insee", SYNTHETIC_CODE, "--bundle", str(bundle),
              "--perimeters", str(tmp_path / "missing.geojson"), "-o", str(out))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
