"""What the camera sources know about each commune: counts per source, and "no camera
known" where no source looked.

A source *covers* a commune when it has a camera site inside it, or when the source
says where it looked and the commune lies entirely inside that (an OSM extract's header
box; the bounding box of an Overpass answer's elements, which the query's box contains;
the départements asked from Overpass one by one). Where no source covers a commune its
count is unknown, not 0: ``cameras_known`` is NA and ``camera_status`` says
``no camera known``.

The sources overlap (Paris has the same cameras in the police list, OpenStreetMap and
sous-surveillance.net): ``cameras_known`` is the largest single source's count, a lower
bound of the distinct sites, and ``cameras`` the sum over sources (sites listed, possibly
twice). ``camera_sites`` is the union of the sources, each site once: the cameras are
matched across sources (:func:`site_labels`, the matching of
:mod:`geocover.model.matching` with its documented distance per kind of source, the same
as a single commune's report).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geocover.schema.ids import LIST_PREFIX, camera_source

__all__ = ["SourceInfo", "annotate", "camera_source", "coverage_columns", "site_labels",
           "sources_of"]

#: ``camera_status`` values.
STATUS_KNOWN = "cameras known"
STATUS_NONE_FOUND = "none in the sources that looked"
STATUS_UNKNOWN = "no camera known"


def coverage_columns(preset: str) -> tuple[str, str]:
    """The (covered km², share) column names of a preset: ``covered_km2_<p>``, ``share_<p>``
    with the preset name's non-alphanumerics as ``_``."""
    slug = re.sub(r"[^0-9A-Za-z]+", "_", preset).strip("_").lower()
    return f"covered_km2_{slug}", f"share_{slug}"


def source_column(key: str) -> str:
    """The count column of a source key: ``cameras_osm``, ``cameras_paris_police_2025``."""
    name = key.split(":", 1)[1] if key.startswith(LIST_PREFIX) else key
    return "cameras_" + re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").lower()


@dataclass(frozen=True)
class SourceInfo:
    """A camera source of a run and where it looked.

    Parameters
    ----------
    key : str
        The source family of its camera ids (:func:`camera_source`).
    label : str
        Who published it, for people.
    extent_wkb : bytes, optional
        Where the source looked (EPSG:4326, WKB): a commune entirely inside is covered.
    departements : tuple of str
        Départements the source looked at entirely (one Overpass request each).
    """

    key: str
    label: str
    extent_wkb: bytes | None = None
    departements: tuple[str, ...] = ()

    @property
    def column(self) -> str:
        return source_column(self.key)


def sources_of(ids: Iterable[str], declared: Sequence[SourceInfo] = ()) -> list[SourceInfo]:
    """``declared`` plus a source without extent for every other family among ``ids``."""
    out = list(declared)
    have = {s.key for s in out}
    for key in sorted({camera_source(i) for i in ids}):
        if key not in have:
            out.append(SourceInfo(key, key))
            have.add(key)
    return out


def site_labels(cameras: gpd.GeoDataFrame, crs: str) -> np.ndarray:
    """The matched site of each camera (an integer per row): the cross-source matching of
    :func:`geocover.model.matching.match_labels` at its documented distances, measured in
    ``crs`` (metric). ``location_precision`` defaults to ``exact`` where absent."""
    from geocover.model.matching import match_labels

    if cameras.empty:
        return np.zeros(0, dtype=np.int64)
    keys = [camera_source(i) for i in cameras["id"]]
    if len(set(keys)) < 2:  # one source lists each of its cameras once: nothing to match
        return np.arange(len(cameras), dtype=np.int64)
    metric = cameras[["id", "geometry"]].to_crs(crs)
    precision = (cameras["location_precision"] if "location_precision" in cameras
                 else pd.Series("exact", index=cameras.index))
    metric["location_precision"] = precision.fillna("exact").astype(str).to_numpy()
    return match_labels(metric, None, sources=keys)


def annotate(frame: gpd.GeoDataFrame, sources: Sequence[SourceInfo], departement: str,
             geometries: np.ndarray) -> gpd.GeoDataFrame:
    """Add the per-source counts, ``cameras_known``, ``camera_status`` and
    ``density_per_km2`` to a table of commune figures (one row per commune, with
    ``cameras_by_source`` and ``area_km2``); ``geometries`` are the communes (EPSG:4326)
    in the table's order."""
    counts = [json.loads(v) if isinstance(v, str) else {} for v in frame["cameras_by_source"]]
    n = len(frame)
    any_cover = np.zeros(n, dtype=bool)
    known = np.zeros(n, dtype=np.int64)
    for source in sources:
        values = np.array([c.get(source.key, 0) for c in counts], dtype=np.int64)
        cover = values > 0
        if departement in source.departements:
            cover[:] = True
        elif source.extent_wkb is not None and n:
            extent = shapely.from_wkb(source.extent_wkb)
            shapely.prepare(extent)
            cover |= shapely.contains(extent, geometries)
        column = pd.array(values, dtype="Int64")
        column[~cover] = pd.NA
        frame[source.column] = column
        any_cover |= cover
        known = np.maximum(known, np.where(cover, values, 0))
    known_col = pd.array(known, dtype="Int64")
    known_col[~any_cover] = pd.NA
    frame["cameras_known"] = known_col
    if "camera_sites" in frame:
        sites = pd.array(frame.pop("camera_sites").to_numpy(dtype=np.int64), dtype="Int64")
        sites[~any_cover] = pd.NA
        frame["camera_sites"] = sites
    frame["camera_status"] = np.where(~any_cover, STATUS_UNKNOWN,
                                      np.where(known > 0, STATUS_KNOWN, STATUS_NONE_FOUND))
    area = frame["area_km2"].to_numpy(dtype=float)
    density = np.where(any_cover & (area > 0), known / np.where(area > 0, area, 1.0), np.nan)
    frame["density_per_km2"] = density
    added = [s.column for s in sources] + ["cameras_known"]
    added += ["camera_sites"] if "camera_sites" in frame else []
    added += ["camera_status", "density_per_km2"]
    rest = [c for c in frame.columns if c not in added]
    cut = next((i for i, c in enumerate(rest) if c.startswith("covered_km2_") or c == "geometry"),
               len(rest))
    return frame[rest[:cut] + added + rest[cut:]]
