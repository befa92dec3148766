"""Cameras of every source → matched sites, the overlap table, capture-recapture.

:func:`match_sources` runs the pure matching (:mod:`geocover.model.matching`) on every
camera read, keeps the sites for the counts, coverage, map and exports, and measures
how the sources overlap inside the commune, at the documented distances and at the
uniform 5 / 10 / 20 m of the sensitivity table. Where two or more sources overlap, it
estimates the number of public-space sites by capture-recapture
(:mod:`geocover.model.estimate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geocover import settings
from geocover.i18n import N_
from geocover.model import estimate as est
from geocover.model.matching import (
    SENSITIVITY_M,
    Overlap,
    match_labels_at,
    overlap,
    sites_from_labels,
)
from geocover.model.scope import operator_classes
from geocover.schema.ids import camera_sources
from geocover.schema.scope import SourceScope

POPULATION = N_(
    "camera sites filming public space inside the commune: of each source, the cameras it "
    "says are public (an official list: all of them; OpenStreetMap: surveillance=public "
    "and not of a private operator; the citizen map: op_type=public)"
)
CAVEATS = (
    N_(
        "An official list holds only its operator's cameras: a site of another public operator "
        "cannot be in it, which breaks homogeneity and biases an estimate that uses it "
        "downwards; OpenStreetMap has imported official positions in places, which breaks "
        "independence the same way. Read the estimate as an order of magnitude."
    ),
)


@dataclass
class SiteMatching:
    """The matched sites and what they say of the sources."""

    sites: gpd.GeoDataFrame
    """One row per site (camera schema, EPSG:4326) with ``site_ids`` and ``site_sources``."""
    records: gpd.GeoDataFrame
    """Every camera read (before matching), EPSG:4326."""
    labels: np.ndarray
    inside: np.ndarray
    overlap: Overlap
    sensitivity: dict[float, Overlap] = field(default_factory=dict)
    estimates: dict[str, Any] = field(default_factory=dict)
    """``by_distance`` (documented distances, then 5/10/20 m) → the estimates."""


def public_space(
    records: gpd.GeoDataFrame,
    scopes: dict[str, SourceScope],
    keys: Sequence[str] | np.ndarray | None = None,
) -> np.ndarray:
    """Whether each camera is, by its source's account, a public-space camera (``keys``:
    the source of each row, default from the ids)."""
    sources = np.asarray(camera_sources(records["id"]) if keys is None else list(keys),
                         dtype=object)
    classes = operator_classes(records, scopes, sources)
    surveillance = records["surveillance"].astype(str).str.lower().to_numpy()
    kind_of = {key: (scopes.get(key) or SourceScope(key="", kind="file", label="")).kind
               for key in dict.fromkeys(sources.tolist())}
    kinds = np.asarray([kind_of[key] for key in sources.tolist()], dtype=object)
    public_class = np.isin(classes, ["municipal_police", "national_police", "public"])
    osm_public = (kinds == "osm") & (surveillance == "public") & (classes != "private")
    return public_class | osm_public


def _estimates(labels: np.ndarray, keys: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
    ov = overlap(labels, keys, mask)
    names = sorted(ov.counts)
    out: dict[str, Any] = {
        "counts": ov.counts,
        "observed": ov.sites,
        "histories": {"+".join(h): n for h, n in ov.histories.items()},
    }
    if len(names) >= 2:
        out["chapman"] = [e.to_dict() for e in est.pairwise(ov.histories, names)]
    if len(names) >= 3:
        try:
            out["loglinear"] = est.loglinear(ov.histories, names).to_dict()
        except est.NoEstimate as exc:
            out["loglinear_none"] = str(exc)
    return out


def match_sources(
    records: gpd.GeoDataFrame, commune: gpd.GeoDataFrame, crs: str, scopes: dict[str, SourceScope]
) -> SiteMatching:
    """Match every camera read into sites; overlap table, sensitivity and estimates."""
    commune_ll = commune.to_crs(settings.STORAGE_CRS).geometry.iloc[0]
    if records.empty:
        labels = np.zeros(0, dtype=np.int64)
        inside = np.zeros(0, dtype=bool)
        return SiteMatching(
            sites_from_labels(records, labels), records, labels, inside, overlap(labels, [], inside)
        )
    records = records.reset_index(drop=True)
    metric = records.to_crs(crs)
    keys = np.asarray(camera_sources(records["id"]), dtype=object)
    inside = shapely.contains_xy(
        commune_ll, records.geometry.x.to_numpy(), records.geometry.y.to_numpy()
    )
    # per precision, then each uniform distance: the nearest cameras looked for once
    labels, *uniform = match_labels_at(metric, [None, *SENSITIVITY_M], sources=keys)
    table = overlap(labels, keys, inside)
    sensitivity = {}
    public = public_space(records, scopes, keys) & inside
    estimates: dict[str, Any] = {
        "population": POPULATION,
        "assumptions": list(est.ASSUMPTIONS),
        "caveats": list(CAVEATS),
        "by_distance": {},
    }
    if len(table.counts) >= 2:
        estimates["by_distance"]["per precision"] = _estimates(labels, keys, public)
    for d, lab in zip(SENSITIVITY_M, uniform, strict=True):
        sensitivity[d] = overlap(lab, keys, inside, distance=f"{d:g} m")
        if len(table.counts) >= 2:
            estimates["by_distance"][f"{d:g} m"] = _estimates(lab, keys, public)
    sites = sites_from_labels(records, labels, keys)
    return SiteMatching(
        sites=sites,
        records=records,
        labels=labels,
        inside=inside,
        overlap=table,
        sensitivity=sensitivity,
        estimates=estimates if len(table.counts) >= 2 else {},
    )
