"""Validation of contributed rows: candidates and rejects."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geocover.io.contributions import ContributionFile
from geocover.pipeline.contribute.places import CommuneCheck, _coordinate
from geocover.schema.contrib_tags import _row_tags, check_camera_tags
from geocover.schema.contrib_vocab import ID_TAGS, InputRow
from geocover.schema.ids import CONTRIB_PREFIX
from geocover.schema.vocab import PRECISIONS

# --------------------------------------------------------------------------- validation


@dataclass
class Candidate:
    """A row that passed validation, before deduplication."""

    row: InputRow
    id: str
    lon: float
    lat: float
    x: float
    y: float
    tags: dict[str, str]
    fields: dict[str, Any]
    precision: str
    distance_m: float
    given_ref: str | None = None


@dataclass
class Reject:
    """A row that was not added, with one reason."""

    row: int
    reason: str
    original: dict[str, Any]
    duplicate: bool = False
    hint: str | None = None
    """A way out by kind (see :data:`geocover.errors.HINTS`), for the interface to phrase."""


def contribution_id(lon: float, lat: float, tags: Mapping[str, str]) -> str:
    """The stable id of a contributed camera: ``contrib:`` and 12 hex digits of a hash of
    its position rounded to 1e-6 degree (about 0.1 m) and its identifying tags
    (:data:`ID_TAGS`). The same row always gets the same id."""
    key = {k: tags[k] for k in ID_TAGS if k in tags}
    text = f"{lat:.6f},{lon:.6f}|" + json.dumps(key, sort_keys=True, ensure_ascii=False)
    return CONTRIB_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def validate_rows(
    source: ContributionFile, check: CommuneCheck
) -> tuple[list[Candidate], list[Reject]]:
    """Judge every row of a contribution file on its own (position, values, grammar).

    Duplicates are judged later, against the stored cameras (see :func:`add_contributions`).
    """
    candidates: list[Candidate] = []
    rejects: list[Reject] = []
    for row in source.rows:
        reasons: list[str] = []
        if row.problem:
            rejects.append(Reject(row.number, row.problem, row.original))
            continue
        lat, lat_reason = _coordinate(row.lat, "latitude")
        lon, lon_reason = _coordinate(row.lon, "longitude")
        reasons += [r for r in (lat_reason, lon_reason) if r]
        tags, given_id, precision, problems = _row_tags(row, source.geojson_shape)
        reasons += problems
        fields, tag_reasons = check_camera_tags(tags)
        reasons += tag_reasons
        if precision is None:
            precision = "exact"
        elif precision not in PRECISIONS:
            reasons.append(
                f"location_precision={precision!r} is not one of {', '.join(PRECISIONS)}"
            )
        distance = None
        if lat is not None and lon is not None:
            distance, place_reason = check.locate(lon, lat)
            if place_reason:
                reasons.insert(0, place_reason)
        if reasons:
            rejects.append(Reject(row.number, "; ".join(reasons), row.original))
            continue
        assert lat is not None and lon is not None and distance is not None
        ref = None
        if given_id and re.match(r"^(osm|list|contrib):.", given_id):
            cid = given_id
        else:
            cid = contribution_id(lon, lat, tags)
            ref = given_id
        x, y = check.project(lon, lat)
        candidates.append(Candidate(row, cid, lon, lat, x, y, tags, fields, precision,
                                    distance, ref))
    return candidates, rejects
