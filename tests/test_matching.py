"""Matching cameras across sources into sites: generated cases with known answers
(synthetic points, labelled so; no city's data)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geocover.model.matching import DISTANCE_BY_PRECISION, match_labels, overlap, sites_from_labels
from geocover.schema.frames import _frame, _row
from geocover.schema.tags import _default_fields


def _cams(rows: list[tuple[str, float, float, str]]) -> gpd.GeoDataFrame:
    """Synthetic cameras (id, x, y, precision) in Lambert-93 metres."""
    out = []
    for cid, _, _, precision in rows:
        out.append(_row(cid, cid.split(":")[0], precision, {}, _default_fields()))
    frame = _frame(out, [r[1] for r in rows], [r[2] for r in rows], "EPSG:2154")
    return frame.to_crs(2154)


X0, Y0 = 900_000.0, 6_900_000.0


@pytest.mark.parametrize("distance, expected", [(3.0, True), (9.0, True), (11.0, False)])
def test_a_pair_matches_within_10_m_only(distance, expected):
    cams = _cams([("osm:node/1", X0, Y0, "exact"), ("contrib:x:1", X0 + distance, Y0, "exact")])
    labels = match_labels(cams)  # documented distances: exact 10 m
    assert bool(labels[0] == labels[1]) is expected
    # at a uniform distance the threshold moves with it
    five, twenty = match_labels(cams, 5.0), match_labels(cams, 20.0)
    assert bool(five[0] == five[1]) is (distance <= 5.0)
    assert twenty[0] == twenty[1]


def test_a_list_at_a_crossing_matches_within_20_m():
    cams = _cams(
        [
            ("osm:node/1", X0, Y0, "exact"),
            ("list:a:1", X0 + 15, Y0, "crossing"),
            ("osm:node/2", X0 + 1000, Y0, "exact"),
            ("list:a:2", X0 + 1021, Y0, "crossing"),
        ]
    )
    labels = match_labels(cams)
    assert labels[0] == labels[1] and labels[2] != labels[3]
    assert DISTANCE_BY_PRECISION["crossing"] == 20.0


def test_cameras_of_one_source_never_merge():
    cams = _cams([("osm:node/1", X0, Y0, "exact"), ("osm:node/2", X0 + 1, Y0, "exact")])
    labels = match_labels(cams)
    assert labels[0] != labels[1]


def test_a_cluster_of_three_sources_is_one_site_and_keeps_every_id():
    cams = _cams(
        [
            ("osm:node/1", X0, Y0, "exact"),
            ("list:police:7", X0 + 4, Y0, "exact"),
            ("list:citizen:9", X0 + 2, Y0 + 3, "exact"),
            ("osm:node/2", X0 + 12, Y0, "exact"),  # 8 m from list:police:7, whose nearest OSM
            # camera is osm:node/1 (4 m): its own site
            ("list:police:8", X0 + 500, Y0, "exact"),  # far away: alone
        ]
    )
    labels = match_labels(cams)
    assert labels[0] == labels[1] == labels[2]
    assert len(set(labels.tolist())) == 3
    sites = sites_from_labels(cams, labels)
    assert len(sites) == 3
    first = sites.iloc[0]
    assert sorted(first["site_ids"]) == ["list:citizen:9", "list:police:7", "osm:node/1"]
    assert first["site_sources"] == ["list:citizen", "list:police", "osm"]
    ov = overlap(labels, ["osm", "list:police", "list:citizen", "osm", "list:police"])
    assert ov.counts == {"list:citizen": 1, "list:police": 2, "osm": 2}
    assert ov.pairs == {
        ("list:citizen", "list:police"): 1,
        ("list:citizen", "osm"): 1,
        ("list:police", "osm"): 1,
    }
    assert ov.histories == {
        ("list:citizen", "list:police", "osm"): 1,
        ("list:police",): 1,
        ("osm",): 1,
    }
    assert ov.sites == 3


def test_mutual_nearest_takes_the_closer_camera():
    # list:a:1 is 4 m from osm:node/1 and 8 m from osm:node/2: it pairs with the first,
    # and osm:node/2 stays alone (one camera per source per site).
    cams = _cams(
        [
            ("list:a:1", X0, Y0, "exact"),
            ("osm:node/1", X0 - 4, Y0, "exact"),
            ("osm:node/2", X0 + 8, Y0, "exact"),
        ]
    )
    labels = match_labels(cams)
    assert labels[0] == labels[1] != labels[2]


def test_the_representative_is_the_most_precisely_placed_camera():
    cams = _cams([("list:a:1", X0, Y0, "street"), ("osm:node/1", X0 + 5, Y0, "exact")])
    sites = sites_from_labels(cams, match_labels(cams))
    assert len(sites) == 1 and sites.iloc[0]["id"] == "osm:node/1"
    assert shapely.equals_exact(
        sites.to_crs(2154).geometry.iloc[0], cams.to_crs(2154).geometry.iloc[1], tolerance=1e-6
    )


def test_matching_agrees_with_geopandas_sjoin_nearest_on_random_points():
    """An independent re-derivation: mutual nearest neighbours with sjoin_nearest."""
    rng = np.random.default_rng(11)
    a = rng.uniform(0, 2000, size=(300, 2))
    b = np.vstack([a[:200] + rng.normal(0, 4, size=(200, 2)), rng.uniform(0, 2000, size=(150, 2))])
    rows = [(f"list:a:{i}", X0 + x, Y0 + y, "exact") for i, (x, y) in enumerate(a)]
    rows += [(f"osm:node/{i}", X0 + x, Y0 + y, "exact") for i, (x, y) in enumerate(b)]
    cams = _cams(rows)
    labels = match_labels(cams, 10.0)
    mine = {(int(i), int(j)) for i in range(300) for j in range(300, 650) if labels[i] == labels[j]}
    ga = cams.iloc[:300][["geometry"]].reset_index(drop=True)
    gb = cams.iloc[300:][["geometry"]].reset_index(drop=True)
    ab = gpd.sjoin_nearest(ga, gb, max_distance=10.0, distance_col="d")
    ba = gpd.sjoin_nearest(gb, ga, max_distance=10.0, distance_col="d")
    a_to_b = dict(zip(ab.index, ab["index_right"], strict=True))
    b_to_a = dict(zip(ba.index, ba["index_right"], strict=True))
    theirs = {(i, 300 + j) for i, j in a_to_b.items() if b_to_a.get(j) == i}
    assert mine == theirs
    assert 150 < len(mine) <= 200
