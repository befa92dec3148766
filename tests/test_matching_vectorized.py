"""The vectorized matching gives what the row-by-row matching gave: the same sites, the
same overlap table, the same operator classes (synthetic cameras, labelled so, with
ties on purpose: integer positions give equal distances)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
import shapely

from geocover.model.matching import (
    DISTANCE_BY_PRECISION,
    _distances,
    _overlap_of_sets,
    match_labels,
    match_labels_at,
    overlap,
    sites_from_labels,
)
from geocover.model.scope import operator_class, operator_classes
from geocover.pipeline.sites import public_space
from geocover.schema.frames import _frame, _row
from geocover.schema.ids import camera_source, camera_sources
from geocover.schema.scope import SourceScope
from geocover.schema.tags import _default_fields

X0, Y0 = 900_000.0, 6_900_000.0
SOURCES = ("osm:node/", "list:police:", "list:citizen:", "contrib:metz-")
PRECISIONS = ("exact", "exact", "crossing", "street", "commune", None)


def _reference_labels(cameras_m, distance_m=None):
    """``match_labels`` as it was: a dict of nearest neighbours and a pair loop."""
    n = len(cameras_m)
    keys = np.asarray([camera_source(i) for i in cameras_m["id"]], dtype=object)
    reach = _distances(cameras_m, distance_m)
    points = cameras_m.geometry.to_numpy()
    names = sorted(set(keys.tolist()))
    rows = {s: np.flatnonzero(keys == s) for s in names}
    trees = {s: shapely.STRtree(points[rows[s]]) for s in names}
    left, right, dist = [], [], []
    for a, b in combinations(names, 2):
        ia, ib = rows[a], rows[b]
        limit = float(max(reach[ia].max(initial=0), reach[ib].max(initial=0)))
        if limit <= 0:
            continue
        (qa, ta), da = trees[b].query_nearest(points[ia], max_distance=limit,
                                              return_distance=True, all_matches=False)
        (qb, tb), _ = trees[a].query_nearest(points[ib], max_distance=limit,
                                             return_distance=True, all_matches=False)
        nearest_of_b = dict(zip(ib[qb].tolist(), ia[tb].tolist(), strict=True))
        for i, j, dd in zip(ia[qa].tolist(), ib[ta].tolist(), da.tolist(), strict=True):
            if nearest_of_b.get(j) != i or reach[i] <= 0 or reach[j] <= 0:
                continue
            if dd <= max(reach[i], reach[j]):
                left.append(min(i, j))
                right.append(max(i, j))
                dist.append(dd)
    left, right, d = (np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64),
                      np.asarray(dist, dtype=float))
    order = np.lexsort((right, left, d))
    parent = np.arange(n)
    members = {i: {keys[i]} for i in range(n)}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    for k in order:
        a, b = find(int(left[k])), find(int(right[k]))
        if a == b or members[a] & members[b]:
            continue
        if b < a:
            a, b = b, a
        parent[b] = a
        members[a] |= members.pop(b)
    roots = np.asarray([find(i) for i in range(n)])
    _, labels = np.unique(roots, return_inverse=True)
    first: dict[int, int] = {}
    return np.asarray([first.setdefault(int(lab), len(first)) for lab in labels])


def _reference_sites(cameras, labels):
    frame = cameras.reset_index(drop=True)
    rank = np.asarray([{"exact": 0, "crossing": 1, "street": 2, "commune": 3}.get(str(p), 4)
                       for p in frame["location_precision"]])
    order = np.lexsort((np.arange(len(frame)), rank, labels))
    groups: dict[int, list[int]] = {}
    for i in order:
        groups.setdefault(int(labels[i]), []).append(int(i))
    types, dirs = frame["camera_type"].tolist(), frame["directions"].tolist()
    ids = [str(i) for i in frame["id"]]
    reps, ids_col, src_col, rep_types, rep_dirs = [], [], [], [], []
    for lab in sorted(groups):
        rows = groups[lab]
        rep = rows[0]
        reps.append(rep)
        ids_col.append([ids[i] for i in rows])
        src_col.append(sorted({camera_source(ids[i]) for i in rows}))
        kind, direction = types[rep], dirs[rep]
        if str(kind) in ("unknown", "None", "nan"):
            known = [i for i in rows if str(types[i]) not in ("unknown", "None", "nan")]
            if known:
                kind = types[known[0]]
                if not direction:
                    direction = dirs[known[0]]
        rep_types.append(kind)
        rep_dirs.append(direction)
    return reps, ids_col, src_col, rep_types, rep_dirs


def _random_cameras(rng: np.random.Generator, n: int, spread: float):
    rows, xs, ys = [], [], []
    for k in range(n):
        prefix = SOURCES[int(rng.integers(len(SOURCES)))]
        fields = _default_fields()
        fields["camera_type"] = str(rng.choice(["unknown", "dome", "fixed"]))
        if rng.random() < 0.3:
            fields["directions"] = [(float(rng.integers(360)),) * 2]
        precision = PRECISIONS[int(rng.integers(len(PRECISIONS)))]
        rows.append(_row(f"{prefix}{k}", prefix.split(":")[0], precision, {}, fields))
        xs.append(X0 + float(rng.integers(0, spread)))  # whole metres: many equal distances
        ys.append(Y0 + float(rng.integers(0, spread)))
    return _frame(rows, xs, ys, "EPSG:2154").to_crs(2154)


@pytest.mark.parametrize("seed", range(16))
def test_labels_sites_and_overlap_as_row_by_row(seed):
    rng = np.random.default_rng(seed)
    cams = _random_cameras(rng, int(rng.integers(2, 400)), spread=int(rng.integers(20, 400)))
    keys = camera_sources(cams["id"])
    inside = rng.random(len(cams)) < 0.8
    for distance in (None, 5.0, 10.0, 20.0, {"exact": 15.0, "street": 40.0}):
        labels = match_labels(cams, distance)
        assert labels.tolist() == _reference_labels(cams, distance).tolist()
        ov = overlap(labels, keys, inside)
        names = sorted(set(np.asarray(keys, dtype=object)[inside].tolist()))
        counts = {s: int((np.asarray(keys, dtype=object)[inside] == s).sum()) for s in names}
        assert ov == _overlap_of_sets(labels[inside], np.asarray(keys, dtype=object)[inside],
                                      names, counts, "per precision")
    # several distances at once: one search for the nearest cameras, the widest
    distances = [None, 5.0, 10.0, 20.0, 2.0, {"crossing": 35.0}]
    at_once = match_labels_at(cams, distances, sources=keys)
    assert [lab.tolist() for lab in at_once] == [
        _reference_labels(cams, d).tolist() for d in distances]
    labels = match_labels(cams)
    sites = sites_from_labels(cams, labels)
    reps, ids_col, src_col, rep_types, rep_dirs = _reference_sites(cams, labels)
    assert sites["id"].tolist() == cams["id"].iloc[reps].tolist()
    assert sites["site_ids"].tolist() == ids_col
    assert sites["site_sources"].tolist() == src_col
    assert sites["camera_type"].tolist() == rep_types
    assert sites["directions"].tolist() == rep_dirs
    given = sites_from_labels(cams, labels, keys)
    pd.testing.assert_frame_equal(given.drop(columns="geometry"), sites.drop(columns="geometry"))
    assert given.geometry.equals(sites.geometry)


def test_overlap_by_hand_and_beyond_62_sources():
    ov = overlap([0, 0, 1, 2, 2, 2, 3], ["a", "b", "a", "a", "b", "c", "c"],
                 [True, True, True, True, True, True, False])
    assert ov.counts == {"a": 3, "b": 2, "c": 1}
    assert ov.pairs == {("a", "b"): 2, ("a", "c"): 1, ("b", "c"): 1}
    assert ov.histories == {("a",): 1, ("a", "b"): 1, ("a", "b", "c"): 1}
    assert ov.sites == 3
    empty = overlap(np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=bool))
    assert (empty.counts, empty.pairs, empty.histories, empty.sites) == ({}, {}, {}, 0)
    many = [f"list:s{k:02d}" for k in range(70)]
    labels = [k // 2 for k in range(70)]
    big = overlap(labels, many)
    assert big.sites == 35 and sum(big.histories.values()) == 35
    assert all(len(h) == 2 for h in big.histories) and big.pairs[("list:s00", "list:s01")] == 1


def test_operator_classes_by_source_as_one_by_one():
    scopes = {
        "osm": SourceScope(key="osm", kind="osm", label="OSM", operator="mixed"),
        "list:police": SourceScope(key="list:police", kind="official_list", label="p",
                                   operator="national_police"),
        "list:citizen": SourceScope(key="list:citizen", kind="citizen_map", label="c",
                                    operator="mixed"),
    }
    tags = [{"operator": "Préfecture de Police"}, {"operator:type": "private"}, None,
            {"op_type": " Public "}, {"op_type": "private"}, {}, "not tags",
            {"surveillance": "outdoor"}, {"operator": "Ville de Metz"}]
    ids = ["osm:node/1", "osm:node/2", "list:police:3", "list:citizen:4", "list:citizen:5",
           "contrib:metz-6", "osm:node/7", "osm:node/8", "weird"]
    surveillance = [None, "public", None, None, None, "indoor", "outdoor", "outdoor", "public"]
    cams = pd.DataFrame({"id": ids, "tags": tags, "operator": [None] * 9,
                         "surveillance": surveillance})
    expected = []
    for cid, t, s in zip(ids, tags, surveillance, strict=True):
        key = camera_source(cid)
        scope = scopes.get(key) or SourceScope(key=key, kind="file", label=key)
        expected.append(operator_class(t if isinstance(t, Mapping) else None, None, s, scope))
    assert operator_classes(cams, scopes).tolist() == expected
    assert operator_classes(cams, scopes, camera_sources(ids)).tolist() == expected
    assert expected[:5] == ["national_police", "private", "national_police", "public",
                            "private"]
    public = public_space(cams, scopes)
    assert public.tolist() == public_space(cams, scopes, camera_sources(ids)).tolist()
    # the last: an id of no known source, its operator "Ville de Metz" (municipal)
    assert public.tolist() == [True, False, True, True, False, False, False, False, True]
    assert DISTANCE_BY_PRECISION["exact"] == 10.0
