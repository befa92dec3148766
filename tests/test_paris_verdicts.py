"""Acceptance of issue 11 on the real bundle: Paris with every source, Metz unchanged."""

from __future__ import annotations

import json

import pytest
import shapely

from geocover.model.estimate import Z95


def _paris_polygon(bundle):
    data = json.loads((bundle / "communes/paris-75056-adminexpress2018.geojson").read_text("utf-8"))
    return shapely.from_geojson(json.dumps(data["features"][0]["geometry"]))


def _inside(poly, features):
    return [f for f in features if shapely.contains_xy(poly, *f["geometry"]["coordinates"][:2])]


@pytest.fixture(scope="module")
def paris_report(bundle):
    from tests.conftest import run_cli

    result = run_cli(
        "report", "paris", "--bundle", str(bundle), "--format", "json", "--preset", "sunders"
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_1391_claim_is_judged_from_the_police_lists_own_dates(paris_report, bundle):
    poly = _paris_polygon(bundle)
    police = json.loads((bundle / "cameras/paris-police-2025-06-01.geojson").read_text("utf-8"))
    inside = _inside(poly, police["features"])
    by_claim = [f for f in inside if f["properties"]["date_mes_iso"] <= "2019-02-01"]
    claim = paris_report["claims"][0]
    assert claim["id"] == "plan-sites-2019"
    assert claim["scope"] == {
        "counts": "camera_sites",
        "whose": "national_police",
        "where": "commune",
        "as_of": "2019-02-01",
    }
    sources = {s["source"]: s for s in claim["sources"]}
    assert set(sources) == {"list:paris-police-2025", "list:sous-surveillance-net", "osm"}
    pol = sources["list:paris-police-2025"]
    assert pol["inside_commune"] == len(inside)
    assert pol["in_service"] == len(by_claim)
    assert pol["exhaustive"] is True and pol["dated"] is True and pol["vintage"] == "2025-06-01"
    # the maps hold no date of service: they tell nothing of 2019
    assert sources["osm"]["in_service"] == 0
    assert sources["list:sous-surveillance-net"]["in_service"] == 0
    assert claim["bound"] == {"lower": float(len(by_claim)), "upper": None, "kind": "lower"}
    # at least 1,319 < 1,391: a lower bound below the claim does not decide it
    assert len(by_claim) < 1391
    assert claim["verdict"] == "unverifiable"
    assert (
        f"{len(by_claim):,}" in claim["decisive"]
        and "in service by 1 February 2019" in claim["decisive"]
    )
    assert claim["settle"]
    assert paris_report["verdict_summary"][0].startswith(
        f"1,391 camera sites on 1 February 2019: unverifiable. At least {len(by_claim):,} "
        "camera sites"
    )


def test_osm_private_and_outside_cameras_never_make_it_consistent(cli, bundle):
    path = bundle / "osm/paris-20250208-surveillance.overpass.json"
    result = cli(
        "report",
        "paris",
        "--bundle",
        str(bundle),
        "--cameras",
        str(path),
        "--format",
        "json",
        "--preset",
        "sunders",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cameras"]["count"] > 1391  # 3,425 cameras, private and out of Paris included
    claim = data["claims"][0]
    assert claim["verdict"] != "consistent"
    [osm] = claim["sources"]
    elements = json.loads(path.read_text("utf-8"))["elements"]
    poly = _paris_polygon(bundle)
    outside = sum(1 for e in elements if not shapely.contains_xy(poly, e["lon"], e["lat"]))
    assert osm["read"] - osm["inside_commune"] <= outside
    assert osm["in_operator_scope"] < 200  # only those tagged with the Préfecture de police
    assert claim["bound"]["kind"] == "none" or claim["bound"]["lower"] < 1391


def test_overlap_table_counts_each_source_inside_paris(paris_report, bundle):
    poly = _paris_polygon(bundle)
    police = json.loads((bundle / "cameras/paris-police-2025-06-01.geojson").read_text("utf-8"))
    citizen = json.loads(
        (bundle / "cameras/sous-surveillance-net-2025-06-01.geojson").read_text("utf-8")
    )
    osm = json.loads((bundle / "osm/paris-20250208-surveillance.overpass.json").read_text("utf-8"))
    osm_cams = [
        e
        for e in osm["elements"]
        if e["tags"].get("man_made") == "surveillance"
        and str(e["tags"].get("surveillance:type", "camera")).lower() in ("camera", "alpr")
    ]
    counts = paris_report["sites"]["overlap"]["counts"]
    assert counts["list:paris-police-2025"] == len(_inside(poly, police["features"]))
    assert counts["list:sous-surveillance-net"] == len(_inside(poly, citizen["features"]))
    assert counts["osm"] == sum(
        1 for e in osm_cams if shapely.contains_xy(poly, e["lon"], e["lat"])
    )
    pairs = {(p["a"], p["b"]): p["shared"] for p in paris_report["sites"]["overlap"]["pairs"]}
    assert len(pairs) == 3 and all(
        0 < n <= min(counts[a], counts[b]) for (a, b), n in pairs.items()
    )
    assert [s["distance"] for s in paris_report["sites"]["sensitivity"]] == ["5 m", "10 m", "20 m"]
    shared = [
        {(p["a"], p["b"]): p["shared"] for p in s["pairs"]}
        for s in paris_report["sites"]["sensitivity"]
    ]
    for key in pairs:  # a larger distance never pairs fewer
        assert shared[0][key] <= shared[1][key] <= shared[2][key]


def test_capture_recapture_estimate_with_its_interval(paris_report):
    est = paris_report["estimate"]
    block = est["by_distance"]["per precision"]
    assert est["counted_lower_bound"] == block["observed"]
    for e in block["chapman"]:
        n1, n2, m = e["n"][0], e["n"][1], e["shared"]
        assert e["estimate"] == pytest.approx((n1 + 1) * (n2 + 1) / (m + 1) - 1)
        var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
        assert e["variance"] == pytest.approx(var)
        assert e["observed"] <= e["low"] < e["estimate"] < e["high"]
    assert len(block["chapman"]) == 3
    ll = block["loglinear"]
    assert ll["observed"] == block["observed"] == sum(block["histories"].values())
    assert ll["observed"] <= ll["low"] < ll["estimate"] < ll["high"]
    assert set(est["by_distance"]) == {"per precision", "5 m", "10 m", "20 m"}
    assert est["assumptions"] and est["population"]
    assert pytest.approx(1.96, abs=1e-3) == Z95


METZ_BEFORE = {  # the verdicts of `report metz --bundle ../shared/data` before issue 11
    "authorized-area": "unverifiable",
    "authorized-share": "consistent",
    "cameras-2008": "unverifiable",
    "cameras-2014": "unverifiable",
    "cameras-2018": "unverifiable",
    "cameras-now": "unverifiable",
    "face-identification-range": "unverifiable",
    "retention": "unverifiable",
}


def test_metz_offline_verdicts_unchanged(cli, bundle):
    result = cli("report", "metz", "--bundle", str(bundle), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {c["id"]: c["verdict"] for c in data["claims"]} == METZ_BEFORE
    assert data["perimeters"]["complete"] is False
    scope = {c["id"]: c["scope"] for c in data["claims"]}["cameras-now"]
    assert scope == {
        "counts": "cameras",
        "whose": "municipal_police",
        "where": "commune",
        "as_of": "2020-02",
    }
    text = cli("report", "metz", "--bundle", str(bundle)).stdout
    assert text.index("Verdicts") < text.index("In short") < text.index("Claims")
    assert "never seen all at once" in text
