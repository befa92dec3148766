"""One camera, several sources: matching cameras across sources into sites.

Two cameras of *different* sources are the same site when each is the other's nearest
camera of that source and they are closer than a matching distance (mutual nearest
neighbours, found with :meth:`shapely.STRtree.query_nearest`); cameras of one source are
never merged (a source lists each of its cameras once). The pairs of every two sources
are then joined, the closest first, into sites; two groups merge only while they hold no
source twice, so a site has at most one camera of each source (a camera seen by three
sources is one site when its pairs chain).

The matching distance depends on how precisely each source places its cameras (its
``location_precision``), the larger of the two for a pair:

==============  ======  ===================================================
precision       metres  why
==============  ======  ===================================================
``exact``       10      mapped at the camera (OSM, citizen maps, contributions): a
                        mapper's placing is within a few metres; two cameras of one
                        pole or corner are 2-5 m apart, so 10 m joins the same
                        camera seen twice and rarely two neighbours
``crossing``    20      an official list placing a camera at an address or crossing:
                        the camera is on a corner of it, up to a street's width away
``street``      30      somewhere at this place in the street
``commune``     0       never matched (the place is unknown)
==============  ======  ===================================================

The result's sensitivity is shown by matching again with one distance for every
source (:data:`SENSITIVITY_M`: 5, 10 and 20 m). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geocover.schema.scope import source_key

#: Matching distance (m) by location precision; a pair uses the larger of its two.
DISTANCE_BY_PRECISION: dict[str, float] = {
    "exact": 10.0,
    "crossing": 20.0,
    "street": 30.0,
    "commune": 0.0,
}
#: The uniform distances of the sensitivity table.
SENSITIVITY_M: tuple[float, ...] = (5.0, 10.0, 20.0)
_PRECISION_RANK = {"exact": 0, "crossing": 1, "street": 2, "commune": 3}


def _distances(
    cameras: gpd.GeoDataFrame, distance_m: float | Mapping[str, float] | None
) -> np.ndarray:
    if isinstance(distance_m, (int, float)):
        return np.full(len(cameras), float(distance_m))
    table = dict(DISTANCE_BY_PRECISION if distance_m is None else distance_m)
    precision = cameras.get("location_precision", pd.Series(["exact"] * len(cameras)))
    return np.asarray([table.get(str(p), 0.0) for p in precision], dtype=float)


def _mutual_nearest_pairs(
    points: np.ndarray, keys: np.ndarray, reaches: Sequence[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For each pair of sources, the cameras that are each other's nearest camera of the
    other source, within the pair's distance (the larger of their two): for each of
    ``reaches`` (a matching distance per camera), the pairs ``(left, right, distance)``.

    The nearest cameras are looked for once, within the widest distance: the tree's
    nearest-neighbour search does not depend on ``max_distance`` (which only screens out
    the cameras with nothing that near), so what a search within a shorter distance
    finds is what the wider one found, where it is that near.
    """
    names = sorted(set(keys.tolist()))
    rows = {s: np.flatnonzero(keys == s) for s in names}
    trees = {s: shapely.STRtree(points[rows[s]]) for s in names}
    found: list[tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]] = [
        ([], [], []) for _ in reaches
    ]
    nearest_of_b = np.full(len(points), -1, dtype=np.int64)
    for a, b in combinations(names, 2):
        ia, ib = rows[a], rows[b]
        limits = [float(max(reach[ia].max(initial=0), reach[ib].max(initial=0)))
                  for reach in reaches]
        widest = max(limits, default=0.0)
        if widest <= 0:
            continue
        (qa, ta), da = trees[b].query_nearest(
            points[ia], max_distance=widest, return_distance=True, all_matches=False
        )
        (qb, tb), db = trees[a].query_nearest(
            points[ib], max_distance=widest, return_distance=True, all_matches=False
        )
        for (left, right, dist), reach, limit in zip(found, reaches, limits, strict=True):
            if limit <= 0:
                continue
            near = db <= limit
            nearest_of_b[ib[qb[near]]] = ia[tb[near]]  # each camera of b: its nearest of a
            near = da <= limit
            i, j, d = ia[qa[near]], ib[ta[near]], np.asarray(da[near], dtype=float)
            mutual = ((nearest_of_b[j] == i) & (reach[i] > 0) & (reach[j] > 0)
                      & (d <= np.maximum(reach[i], reach[j])))
            nearest_of_b[ib] = -1
            left.append(np.minimum(i, j)[mutual])
            right.append(np.maximum(i, j)[mutual])
            dist.append(d[mutual])
    return [
        (np.concatenate(left).astype(np.int64), np.concatenate(right).astype(np.int64),
         np.concatenate(dist).astype(float))
        if left else
        (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=float))
        for left, right, dist in found
    ]


def match_labels(
    cameras_m: gpd.GeoDataFrame,
    distance_m: float | Mapping[str, float] | None = None,
    *,
    sources: Sequence[str] | np.ndarray | None = None,
) -> np.ndarray:
    """The site of each camera: an integer label per row (0, 1, … in order of first row).

    Parameters
    ----------
    cameras_m : GeoDataFrame
        Cameras (column ``id``, prefixed by source; Point geometries) in a metric CRS.
    distance_m : float or mapping, optional
        One distance for every pair, or a table precision → metres
        (default :data:`DISTANCE_BY_PRECISION`).
    sources : sequence of str, optional
        The source of each row (default: from the ids, :func:`source_key`).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> cams = gpd.GeoDataFrame({"id": ["osm:node/1", "list:a:1", "list:a:2"]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(3, 0), shapely.Point(6, 0)],
    ...     crs="EPSG:2154")
    >>> match_labels(cams, 10.0).tolist()
    [0, 0, 1]
    """
    return match_labels_at(cameras_m, [distance_m], sources=sources)[0]


def match_labels_at(
    cameras_m: gpd.GeoDataFrame,
    distances: Sequence[float | Mapping[str, float] | None],
    *,
    sources: Sequence[str] | np.ndarray | None = None,
) -> list[np.ndarray]:
    """:func:`match_labels` at each of ``distances``, the nearest cameras looked for once.

    >>> import geopandas as gpd, shapely
    >>> cams = gpd.GeoDataFrame({"id": ["osm:node/1", "list:a:1", "list:a:2"]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(3, 0), shapely.Point(6, 0)],
    ...     crs="EPSG:2154")
    >>> [labels.tolist() for labels in match_labels_at(cams, [2.0, 10.0])]
    [[0, 1, 2], [0, 0, 1]]
    """
    n = len(cameras_m)
    if n == 0:
        return [np.zeros(0, dtype=np.int64) for _ in distances]
    keys = np.asarray(
        list(sources) if sources is not None else [source_key(i) for i in cameras_m["id"]],
        dtype=object,
    )
    reaches = [_distances(cameras_m, distance_m) for distance_m in distances]
    points = cameras_m.geometry.to_numpy()
    return [_sites_of_pairs(n, keys, left, right, d)
            for left, right, d in _mutual_nearest_pairs(points, keys, reaches)]


def _sites_of_pairs(
    n: int, keys: np.ndarray, left: np.ndarray, right: np.ndarray, d: np.ndarray
) -> np.ndarray:
    """The pairs joined into sites, the closest first, two groups only while they hold no
    source twice; labels 0, 1, … in order of each site's first row."""
    order = np.lexsort((right, left, d))  # closest first, ties in row order: deterministic
    parent = list(range(n))
    members: dict[int, set[str]] = {}  # a group's sources, kept for groups of two or more

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for lo, hi in zip(left[order].tolist(), right[order].tolist(), strict=True):
        a, b = find(lo), find(hi)
        if a == b:
            continue
        in_a = members.get(a) or {keys[a]}
        in_b = members.get(b) or {keys[b]}
        if in_a & in_b:
            continue
        if b < a:
            a, b = b, a
        parent[b] = a
        members[a] = in_a | in_b
        members.pop(b, None)
    roots = np.asarray(parent, dtype=np.int64)
    while True:  # every row to its group's root
        up = roots[roots]
        if np.array_equal(up, roots):
            break
        roots = up
    _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.reshape(-1)]


def sites_from_labels(
    cameras: gpd.GeoDataFrame,
    labels: np.ndarray,
    sources: Sequence[str] | np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """One row per site: its most precisely placed camera (the first one on a tie), with
    ``site_ids`` (every member's id) and ``site_sources`` (their sources, sorted).
    A representative of unknown type takes a member's known type and directions.
    ``sources``: the source of each row (default: from the ids, :func:`source_key`)."""
    if len(cameras) == 0:
        out = cameras.copy()
        out["site_ids"] = pd.Series(dtype=object)
        out["site_sources"] = pd.Series(dtype=object)
        return out
    frame = cameras.reset_index(drop=True)
    labels = np.asarray(labels)
    rank = np.asarray([_PRECISION_RANK.get(str(p), 4) for p in frame["location_precision"]])
    order = np.lexsort((np.arange(len(frame)), rank, labels))
    # the sites in order of their label, each one's rows best placed first
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    ends = np.r_[starts[1:], len(order)]
    reps = order[starts].tolist()
    types = frame["camera_type"].tolist()
    dirs = frame["directions"].tolist()
    ids = [str(i) for i in frame["id"].tolist()]
    keys = [source_key(i) for i in ids] if sources is None else [str(k) for k in sources]
    unknown = ("unknown", "None", "nan")
    ids_col: list[list[str]] = []
    src_col: list[list[str]] = []
    rep_types, rep_dirs = [], []
    rows_of = order.tolist()
    for rep, start, end in zip(reps, starts.tolist(), ends.tolist(), strict=True):
        kind, direction = types[rep], dirs[rep]
        if end - start == 1:  # most sites: one camera
            ids_col.append([ids[rep]])
            src_col.append([keys[rep]])
        else:
            rows = rows_of[start:end]
            ids_col.append([ids[i] for i in rows])
            src_col.append(sorted({keys[i] for i in rows}))
            if str(kind) in unknown:
                known = [i for i in rows if str(types[i]) not in unknown]
                if known:
                    kind = types[known[0]]
                    if not direction:
                        direction = dirs[known[0]]
        rep_types.append(kind)
        rep_dirs.append(direction)
    out = frame.iloc[reps].copy().reset_index(drop=True)
    out["camera_type"] = pd.Series(rep_types, dtype=out["camera_type"].dtype)
    out["directions"] = pd.Series(rep_dirs, dtype=object)
    out["site_ids"] = ids_col
    out["site_sources"] = src_col
    return gpd.GeoDataFrame(out, geometry="geometry", crs=cameras.crs)


@dataclass(frozen=True)
class Overlap:
    """How sources overlap inside an area, once matched into sites."""

    distance: str
    """The matching distance used (``per precision`` or ``10 m``)."""
    counts: dict[str, int]
    """Source → its cameras inside the area."""
    pairs: dict[tuple[str, str], int]
    """(source a, source b) → sites holding a camera of both."""
    histories: dict[tuple[str, ...], int]
    """Set of sources → sites seen by exactly these sources (capture histories)."""
    sites: int
    """Sites inside the area (every source, each site once)."""


def overlap(
    labels: np.ndarray,
    sources: Sequence[str] | np.ndarray,
    inside: np.ndarray | None = None,
    *,
    distance: str = "per precision",
) -> Overlap:
    """The overlap table from the site labels of cameras and their sources.

    ``inside`` (a boolean per camera) keeps only the cameras inside the commune.
    """
    keys = np.asarray(list(sources), dtype=object)
    labels = np.asarray(labels)
    if inside is not None:
        keys, labels = keys[np.asarray(inside, dtype=bool)], labels[np.asarray(inside, dtype=bool)]
    names = sorted(set(keys.tolist()))
    counts = {s: int((keys == s).sum()) for s in names}
    if len(names) > 62:  # more sources than bits in an int64: one set per site
        return _overlap_of_sets(labels, keys, names, counts, distance)
    # each site's sources as the bits of one integer (bit k: names[k])
    index = {name: k for k, name in enumerate(names)}
    bits = np.left_shift(1, np.asarray([index[k] for k in keys.tolist()], dtype=np.int64))
    _, site = np.unique(labels, return_inverse=True)
    held = np.zeros(int(site.max()) + 1 if len(site) else 0, dtype=np.int64)
    np.bitwise_or.at(held, site.reshape(-1), bits)
    pairs = {}
    for (ka, a), (kb, b) in combinations(enumerate(names), 2):
        both = (1 << ka) | (1 << kb)
        pairs[(a, b)] = int(np.count_nonzero((held & both) == both))
    masks, seen_by = np.unique(held, return_counts=True)
    histories = {
        tuple(name for k, name in enumerate(names) if mask >> k & 1): int(n)
        for mask, n in zip(masks.tolist(), seen_by.tolist(), strict=True)
    }
    return Overlap(
        distance=distance,
        counts=counts,
        pairs=pairs,
        histories=dict(sorted(histories.items())),
        sites=len(held),
    )


def _overlap_of_sets(labels: np.ndarray, keys: np.ndarray, names: list[str],
                     counts: dict[str, int], distance: str) -> Overlap:
    """:func:`overlap` with a Python set of sources per site."""
    seen: dict[int, set[str]] = {}
    for lab, key in zip(labels.tolist(), keys.tolist(), strict=True):
        seen.setdefault(int(lab), set()).add(key)
    pairs = {
        (a, b): sum(1 for s in seen.values() if a in s and b in s)
        for a, b in combinations(names, 2)
    }
    histories: dict[tuple[str, ...], int] = {}
    for s in seen.values():
        h = tuple(sorted(s))
        histories[h] = histories.get(h, 0) + 1
    return Overlap(
        distance=distance,
        counts=counts,
        pairs=pairs,
        histories=dict(sorted(histories.items())),
        sites=len(seen),
    )
