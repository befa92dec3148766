"""Like with like: claim scopes, source scopes, the bound rules, perimeter completeness
(generated cases with known answers; synthetic data labelled so)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from geocover.errors import ConfigError
from geocover.model.scope import in_operator_scope, in_service_by, operator_class
from geocover.schema.frames import _frame, _row
from geocover.schema.scope import ClaimScope, SourceScope
from geocover.schema.tags import _default_fields
from geocover.sources.city import load_city
from geocover.verdicts.bounds import CONSISTENT, CONTRADICTED, UNVERIFIABLE, Bound, decide
from geocover.verdicts.counts import CameraEvidence, count_finding
from tests.helpers import write_layer

OSM = SourceScope(key="osm", kind="osm", label="OSM", vintage="2025-02-08")
LIST = SourceScope(
    key="list:plan",
    kind="official_list",
    label="plan",
    operator="municipal_police",
    exhaustive=True,
    vintage="2020-02",
    dated=True,
)


# ---------------------------------------------------------------- the bound rules


@pytest.mark.parametrize(
    "bound, verdict",
    [
        (Bound(lower=120), CONTRADICTED),  # at least 120 > 100 claimed
        (Bound(lower=100), UNVERIFIABLE),  # at least 100: could be more
        (Bound(lower=80), UNVERIFIABLE),  # at least 80: allows 100
        (Bound(upper=80), CONTRADICTED),  # at most 80 < 100
        (Bound(upper=150), UNVERIFIABLE),  # at most 150: allows 100
        (Bound(lower=100, upper=100), CONSISTENT),  # exactly 100
        (Bound(lower=90, upper=110), UNVERIFIABLE),  # between: allows, does not decide
        (Bound(lower=101, upper=101), CONTRADICTED),
        (Bound(), UNVERIFIABLE),
    ],
)
def test_each_branch_of_the_bound_rules(bound, verdict):
    assert decide(100, bound)[0] == verdict


def test_tolerance_widens_both_ways():
    assert decide(100, Bound(lower=104), 0.05)[0] == UNVERIFIABLE
    assert decide(100, Bound(lower=106), 0.05)[0] == CONTRADICTED
    assert decide(100, Bound(lower=96, upper=104), 0.05)[0] == CONSISTENT
    assert decide(100, Bound(upper=94), 0.05)[0] == CONTRADICTED


def test_bound_wording():
    assert Bound(lower=1319).describe("{:,.0f}") == "at least 1,319"
    assert Bound(upper=5).describe() == "at most 5"
    assert Bound(lower=3, upper=3).describe() == "exactly 3"


# ---------------------------------------------------------------- scope filters


def test_operator_class_from_osm_tags():
    assert (
        operator_class({"operator": "Préfecture de police"}, None, "public", OSM)
        == "national_police"
    )
    assert (
        operator_class({"operator": "Police municipale de Metz"}, None, None, OSM)
        == "municipal_police"
    )
    assert operator_class({"operator:type": "government"}, None, None, OSM) == "public"
    assert operator_class({"operator:type": "private"}, None, None, OSM) == "private"
    assert operator_class({}, None, "outdoor", OSM) == "private"
    assert operator_class({}, None, "public", OSM) == "unknown"
    citizen = SourceScope(key="list:c", kind="citizen_map", label="c")
    assert operator_class({"op_type": "private"}, None, None, citizen) == "private"
    assert operator_class({"op_type": "public"}, None, None, citizen) == "public"
    assert operator_class({}, None, None, LIST) == "municipal_police"


def test_in_service_by_the_claims_date():
    # seen later with a date of service: known in service when installed by then
    later = SourceScope(key="k", kind="official_list", label="", vintage="2025-06-01", dated=True)
    assert in_service_by(["2018-05-01", "2020-01-01", None], later, "2019-02-01").tolist() == [
        True,
        False,
        False,
    ]
    # seen on the claim's date: everything it lists stood then
    same = SourceScope(key="k", kind="official_list", label="", vintage="2019-02-01")
    assert in_service_by([None, "2018"], same, "2019-02").tolist() == [True, True]
    # seen only earlier: may have been removed since
    earlier = SourceScope(key="k", kind="official_list", label="", vintage="2013")
    assert in_service_by([None], earlier, "2019-02-01").tolist() == [False]
    assert in_service_by([None], earlier, None).tolist() == [True]


X0, Y0 = 900_000.0, 6_900_000.0
COMMUNE = shapely.box(X0 - 1000, Y0 - 1000, X0 + 1000, Y0 + 1000)


def _synthetic(rows):
    """Synthetic cameras (id, x, y, tags, surveillance, installed) in Lambert-93."""
    out = []
    for cid, _, _, tags, surveillance, installed in rows:
        fields = _default_fields()
        fields.update(surveillance=surveillance, installed=installed, operator=tags.get("operator"))
        out.append(_row(cid, cid.split(":")[0], "exact", tags, fields))
    frame = _frame(out, [r[1] for r in rows], [r[2] for r in rows], "EPSG:2154").to_crs(2154)
    inside = shapely.contains_xy(COMMUNE, frame.geometry.x, frame.geometry.y)
    return frame, inside


def test_private_indoor_and_outside_cameras_left_out_of_a_municipal_claim():
    frame, inside = _synthetic(
        [
            ("osm:node/1", X0, Y0, {"operator": "Ville de Metz"}, "public", "2019-01-01"),
            ("osm:node/2", X0 + 50, Y0, {"operator": "Ville de Metz"}, "indoor", "2019-01-01"),
            ("osm:node/3", X0 + 100, Y0, {"operator:type": "private"}, "public", "2019-01-01"),
            ("osm:node/4", X0 + 150, Y0, {}, "outdoor", "2019-01-01"),
            ("osm:node/5", X0 + 5000, Y0, {"operator": "Ville de Metz"}, "public", "2019-01-01"),
            ("osm:node/6", X0 + 200, Y0, {}, "public", "2019-01-01"),
        ]
    )
    osm = SourceScope(key="osm", kind="osm", label="OSM", vintage="2025-02-08")
    evidence = CameraEvidence(frame, np.arange(len(frame)), inside, {"osm": osm})
    municipal = count_finding(
        ClaimScope("cameras", "municipal_police", "commune", "2020-02"), evidence
    )
    assert municipal.bound.lower == 1 and municipal.bound.upper is None
    # every operator: the indoor and private ones count, the one outside never
    anyone = count_finding(ClaimScope("cameras", "any", "commune", "2020-02"), evidence)
    assert anyone.bound.lower == 5
    classes = np.asarray(
        [
            "municipal_police",
            "municipal_police",
            "private",
            "private",
            "municipal_police",
            "unknown",
        ],
        dtype=object,
    )
    assert in_operator_scope(classes, frame["surveillance"], "municipal_police").tolist() == [
        True,
        False,
        False,
        False,
        True,
        False,
    ]


def test_an_exhaustive_list_of_the_claims_date_decides_both_ways():
    frame, inside = _synthetic(
        [(f"list:plan:{i}", X0 + 10 * i, Y0, {}, None, "2019-06-01") for i in range(3)]
        + [("list:plan:9", X0 + 500, Y0, {}, None, "2021-01-01")]  # installed later
    )
    evidence = CameraEvidence(frame, np.arange(len(frame)), inside, {"list:plan": LIST})
    finding = count_finding(
        ClaimScope("cameras", "municipal_police", "commune", "2020-02"), evidence
    )
    assert (finding.bound.lower, finding.bound.upper) == (3, 3)
    assert decide(3, finding.bound)[0] == CONSISTENT
    assert decide(4, finding.bound)[0] == CONTRADICTED
    # the same list says nothing (no upper bound) of another operator's claim
    other = count_finding(ClaimScope("cameras", "national_police", "commune", "2020-02"), evidence)
    assert other.bound.kind == "none"


def test_matched_sites_are_counted_once():
    frame, inside = _synthetic(
        [
            ("list:plan:1", X0, Y0, {}, None, "2019-01-01"),
            ("osm:node/1", X0 + 3, Y0, {"operator": "Police municipale"}, "public", "2019-01-01"),
        ]
    )
    evidence = CameraEvidence(frame, np.asarray([0, 0]), inside, {"list:plan": LIST, "osm": OSM})
    finding = count_finding(
        ClaimScope("cameras", "municipal_police", "commune", "2020-02"), evidence
    )
    assert finding.bound.lower == 1
    assert {s["source"]: s["in_service"] for s in finding.sources} == {"list:plan": 1, "osm": 1}


# ---------------------------------------------------------------- claim scopes in city.toml


def test_city_files_state_their_claims_scope():
    metz = {c.id: c for c in load_city("metz").claims}
    assert metz["cameras-now"].scope == ClaimScope(
        "cameras", "municipal_police", "commune", "2020-02"
    )
    assert metz["authorized-area"].scope.counts == "authorized_area"
    paris = load_city("paris").claims[0]
    assert paris.scope == ClaimScope("camera_sites", "national_police", "commune", "2019-02-01")
    assert paris.value == 1391


def test_a_bad_scope_is_refused_with_the_entry(tmp_path):
    (tmp_path / "x").mkdir()
    path = tmp_path / "x/city.toml"
    path.write_text(
        '[city]\nname = "X"\ninsee = "57463"\n[[claims]]\nid = "c"\n'
        'kind = "camera_count"\nvalue = 3\nsource = "s"\nwhose = "mayor"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"claims\[1\]\.whose: 'mayor' is not one of"):
        load_city(str(path))


# ---------------------------------------------------------------- perimeter completeness


def _metz_square(bundle, half_m):
    import geopandas as gpd

    metz = gpd.read_file(bundle / "geo-api/communes-57463-contour.json").to_crs(2154)
    c = metz.geometry.iloc[0].centroid
    return shapely.box(c.x - half_m, c.y - half_m, c.x + half_m, c.y + half_m), metz


def _with_completeness(path, decrees, as_of="2020-01-31"):
    data = json.loads(path.read_text(encoding="utf-8"))
    data["completeness"] = {"complete": True, "as_of": as_of, "decrees": decrees}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _claims(cli, bundle, perimeters):
    result = cli(
        "report",
        "--bundle",
        str(bundle),
        "--perimeters",
        str(perimeters),
        "--format",
        "json",
        "--preset",
        "sunders",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    return data, {c["id"]: c for c in data["claims"]}


def test_a_partial_set_is_a_lower_bound(cli, bundle, tmp_path):
    """Synthetic, test-only perimeters: 1 km² (below the claim), then 25 km² (above)."""
    square, _ = _metz_square(bundle, 500)
    small = write_layer(tmp_path / "small.geojson", [{"id": "synthetic-1", "geometry": square}])
    data, claims = _claims(cli, bundle, small)
    assert data["perimeters"]["complete"] is False
    assert claims["authorized-area"]["verdict"] == "unverifiable"
    assert claims["authorized-area"]["bound"] == {
        "lower": pytest.approx(1.0),
        "upper": None,
        "kind": "lower",
    }
    assert claims["authorized-share"]["verdict"] == "consistent"  # area/commune check decides
    share_check = claims["authorized-share"]["checks"][-1]
    assert share_check["verdict"] == "unverifiable"
    big_square, metz = _metz_square(bundle, 2500)
    big = write_layer(tmp_path / "big.geojson", [{"id": "synthetic-2", "geometry": big_square}])
    data, claims = _claims(cli, bundle, big)
    inside_km2 = big_square.intersection(metz.geometry.iloc[0]).area / 1e6
    assert data["perimeters"]["area_km2"] == pytest.approx(inside_km2, rel=1e-6)
    assert inside_km2 > 21 * 1.05
    assert claims["authorized-area"]["verdict"] == "contradicted"  # it exceeds the claim
    assert claims["authorized-share"]["verdict"] == "contradicted"


def test_a_complete_set_confirms_or_contradicts(cli, bundle, tmp_path):
    """Synthetic, test-only perimeters declared complete: 1 km², then 21 km²."""
    square, metz = _metz_square(bundle, 500)
    small = _with_completeness(
        write_layer(
            tmp_path / "small.geojson",
            [{"id": "synthetic-1", "decree_ref": "arrêté synthétique 1", "geometry": square}],
        ),
        ["arrêté synthétique 1"],
    )
    data, claims = _claims(cli, bundle, small)
    assert data["perimeters"]["complete"] is True
    assert data["perimeters"]["decrees"] == ["arrêté synthétique 1"]
    assert claims["authorized-area"]["verdict"] == "contradicted"
    assert claims["authorized-share"]["verdict"] == "contradicted"
    # the western part of the commune cut at the x that leaves 21.0 km² (bisection):
    # a generated complete set whose numbers agree with both claims
    poly = metz.geometry.iloc[0]
    x0, _, x1, _ = poly.bounds
    lo, hi = x0, x1
    for _ in range(60):
        mid = (lo + hi) / 2
        part = poly.intersection(shapely.box(x0 - 1, poly.bounds[1] - 1, mid, poly.bounds[3] + 1))
        lo, hi = (mid, hi) if part.area < 21e6 else (lo, mid)
    assert part.area / 1e6 == pytest.approx(21.0, rel=1e-6)
    exact = _with_completeness(
        write_layer(
            tmp_path / "exact.geojson",
            [{"id": "synthetic-2", "decree_ref": "arrêté synthétique 2", "geometry": part}],
        ),
        ["arrêté synthétique 2"],
    )
    data, claims = _claims(cli, bundle, exact)
    assert data["perimeters"]["area_km2"] == pytest.approx(21.0, rel=1e-4)
    assert data["perimeters"]["share"] == pytest.approx(21e6 / poly.area, rel=1e-4)
    assert claims["authorized-area"]["verdict"] == "consistent"
    assert claims["authorized-area"]["bound"]["kind"] == "exact"
    assert claims["authorized-share"]["checks"][-1]["verdict"] == "consistent"
    assert claims["authorized-share"]["verdict"] == "consistent"


def test_completeness_must_list_its_decrees(cli, bundle, tmp_path):
    square, _ = _metz_square(bundle, 500)
    path = _with_completeness(
        write_layer(
            tmp_path / "p.geojson",
            [{"id": "synthetic-1", "decree_ref": "arrêté A", "geometry": square}],
        ),
        ["arrêté B"],
    )
    result = cli("report", "--bundle", str(bundle), "--perimeters", str(path))
    assert result.returncode == 2
    assert "arrêté A" in result.stderr and "p.geojson" in result.stderr
