"""Which cameras a claim counts: operator class and date of service, per camera.

Pure functions over the camera layer and the :class:`~geocover.schema.scope.SourceScope`
of each source: an official list declares its operator; OpenStreetMap says it per camera
through ``operator``, ``operator:type`` and ``surveillance``; the citizen map through
``op_type``. A camera filming indoors (``surveillance=indoor``) never counts for a
public operator's claim (video-protection of public space).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np

from geocover.schema.ids import camera_sources
from geocover.schema.scope import COUNTED_CLASSES, SourceScope, end_of, same_date

_NATIONAL = re.compile(
    r"pr[ée]fecture de police|police nationale|gendarmerie|minist[eè]re de l.int[ée]rieur",
    re.IGNORECASE,
)
_MUNICIPAL = re.compile(
    r"police municipale|\bmairie\b|\bville de\b|\bcommune de\b|municipal", re.IGNORECASE
)
_PUBLIC_TYPES = {"government", "public", "municipal", "military"}
_PRIVATE_TYPES = {"private", "business", "commercial", "community", "religious"}


def operator_class(
    tags: Mapping[str, Any] | None, operator: Any, surveillance: Any, scope: SourceScope
) -> str:
    """The operator class of one camera (:data:`~geocover.schema.scope.OPERATOR_CLASSES`)."""
    if scope.operator != "mixed":
        return scope.operator
    tags = tags or {}
    if scope.kind == "citizen_map":
        op = str(tags.get("op_type") or "").strip().lower()
        return {"public": "public", "private": "private"}.get(op, "unknown")
    name = str(operator or tags.get("operator") or "")
    if _NATIONAL.search(name):
        return "national_police"
    if _MUNICIPAL.search(name):
        return "municipal_police"
    kind = str(tags.get("operator:type") or "").strip().lower()
    if kind in _PUBLIC_TYPES:
        return "public"
    if kind in _PRIVATE_TYPES:
        return "private"
    if str(surveillance or "").strip().lower() == "outdoor":
        return "private"  # OSM: "outdoor" = a private outdoor area (a shop front, a car park)
    return "unknown"


def operator_classes(
    cameras: gpd.GeoDataFrame,
    scopes: Mapping[str, SourceScope],
    keys: Sequence[str] | np.ndarray | None = None,
) -> np.ndarray:
    """:func:`operator_class` of every camera (its source found from its id, or given in
    ``keys``, one per row).

    A source that declares its operator gives it to all its cameras at once; only the
    cameras of a ``mixed`` source are read one by one.
    """
    sources = np.asarray(camera_sources(cameras["id"]) if keys is None else list(keys),
                         dtype=object)
    out = np.empty(len(sources), dtype=object)
    columns = None
    for key in dict.fromkeys(sources.tolist()):
        rows = np.flatnonzero(sources == key)
        scope = scopes.get(key) or SourceScope(key=key, kind="file", label=key)
        if scope.operator != "mixed":
            out[rows] = scope.operator
            continue
        if columns is None:
            columns = (cameras["tags"].tolist(), cameras["operator"].tolist(),
                       cameras["surveillance"].tolist())
        tags, operator, surveillance = columns
        out[rows] = [
            operator_class(tags[i] if isinstance(tags[i], Mapping) else None, operator[i],
                           surveillance[i], scope)
            for i in rows.tolist()
        ]
    return out


def in_operator_scope(classes: np.ndarray, surveillance: Any, whose: str) -> np.ndarray:
    """Whether each camera counts for a claim about ``whose`` cameras."""
    counted = COUNTED_CLASSES[whose]
    ok = np.isin(classes, list(counted))
    if whose != "any":
        indoor = np.asarray([str(s or "").strip().lower() == "indoor" for s in surveillance])
        ok &= ~indoor
    return ok


def in_service_by(installed: Any, scope: SourceScope, as_of: str | None) -> np.ndarray:
    """Whether each camera of one source is known to be in service on ``as_of``.

    A camera is known in service on a date D when the source saw it on D or later and
    it was installed by D (``installed <= D <= vintage``), or when the source's vintage
    is D itself (it lists what stood then). A camera seen later without an installation
    date tells nothing of D (a 2025 map cannot say what stood in 2019); one seen only
    earlier may have been removed since. Without ``as_of`` every camera counts.
    """
    installed = list(installed)
    if not as_of:
        return np.ones(len(installed), dtype=bool)
    if same_date(scope.vintage, as_of):
        return np.asarray([not d or str(d) <= end_of(as_of) for d in installed], dtype=bool)
    if not scope.vintage or scope.vintage < as_of:
        return np.zeros(len(installed), dtype=bool)
    return np.asarray([bool(d) and str(d) <= end_of(as_of) for d in installed], dtype=bool)
