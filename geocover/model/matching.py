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
    points: np.ndarray, keys: np.ndarray, reach: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair of sources, the cameras that are each other's nearest camera of the
    other source, within the pair's distance (the larger of their two)."""
    names = sorted(set(keys.tolist()))
    rows = {s: np.flatnonzero(keys == s) for s in names}
    trees = {s: shapely.STRtree(points[rows[s]]) for s in names}
    left, right, dist = [], [], []
    for a, b in combinations(names, 2):
        ia, ib = rows[a], rows[b]
        limit = float(max(reach[ia].max(initial=0), reach[ib].max(initial=0)))
        if limit <= 0:
            continue
        (qa, ta), da = trees[b].query_nearest(
            points[ia], max_distance=limit, return_distance=True, all_matches=False
        )
        (qb, tb), _ = trees[a].query_nearest(
            points[ib], max_distance=limit, return_distance=True, all_matches=False
        )
        nearest_of_b = dict(zip(ib[qb].tolist(), ia[tb].tolist(), strict=True))
        for i, j, dd in zip(ia[qa].tolist(), ib[ta].tolist(), da.tolist(), strict=True):
            if nearest_of_b.get(j) != i or reach[i] <= 0 or reach[j] <= 0:
                continue
            if dd <= max(reach[i], reach[j]):
                left.append(min(i, j))
                right.append(max(i, j))
                dist.append(dd)
    return (
        np.asarray(left, dtype=np.int64),
        np.asarray(right, dtype=np.int64),
        np.asarray(dist, dtype=float),
    )


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
    n = len(cameras_m)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.asarray(
        list(sources) if sources is not None else [source_key(i) for i in cameras_m["id"]],
        dtype=object,
    )
    reach = _distances(cameras_m, distance_m)
    points = cameras_m.geometry.to_numpy()
    left, right, d = _mutual_nearest_pairs(points, keys, reach)
    order = np.lexsort((right, left, d))  # closest first, ties in row order: deterministic

    parent = np.arange(n)
    members: dict[int, set[str]] = {i: {keys[i]} for i in range(n)}

    def find(i: int) -> int:
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
    # renumber by first row so labels read in the input's order
    first: dict[int, int] = {}
    out = np.empty(n, dtype=np.int64)
    for i, lab in enumerate(labels):
        out[i] = first.setdefault(int(lab), len(first))
    return out


def sites_from_labels(cameras: gpd.GeoDataFrame, labels: np.ndarray) -> gpd.GeoDataFrame:
    """One row per site: its most precisely placed camera (the first one on a tie), with
    ``site_ids`` (every member's id) and ``site_sources`` (their sources, sorted).
    A representative of unknown type takes a member's known type and directions."""
    if len(cameras) == 0:
        out = cameras.copy()
        out["site_ids"] = pd.Series(dtype=object)
        out["site_sources"] = pd.Series(dtype=object)
        return out
    frame = cameras.reset_index(drop=True)
    rank = np.asarray([_PRECISION_RANK.get(str(p), 4) for p in frame["location_precision"]])
    order = np.lexsort((np.arange(len(frame)), rank, labels))
    groups: dict[int, list[int]] = {}
    for i in order:
        groups.setdefault(int(labels[i]), []).append(int(i))
    reps = []
    ids_col, src_col = [], []
    types = frame["camera_type"].tolist()
    dirs = frame["directions"].tolist()
    ids = [str(i) for i in frame["id"].tolist()]
    keys = [source_key(i) for i in ids]
    unknown = ("unknown", "None", "nan")
    rep_types, rep_dirs = [], []
    for lab in sorted(groups):
        rows = groups[lab]
        rep = rows[0]
        reps.append(rep)
        ids_col.append([ids[i] for i in rows])
        src_col.append(sorted({keys[i] for i in rows}))
        kind, direction = types[rep], dirs[rep]
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
