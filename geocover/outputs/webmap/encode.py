"""Values to text and geometries to the page's compact encoding."""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geocover import settings
from geocover.outputs.webmap.style import _SCALE, SIMPLIFY_DEGREES
from geocover.schema.blank import is_blank

# ------------------------------------------------------------------ values → text


def _blank(value: Any) -> bool:
    """:func:`~geocover.schema.blank.is_blank` with ``containers=True``, answered without
    pandas for the cells a camera row mostly holds (None, text, numbers, lists, dicts):
    a map of Paris asks 200,000 times."""
    if value is None:
        return True
    kind = type(value)
    if kind is str:
        return not value.strip()
    if kind is float:
        return value != value  # NaN
    if kind is int:
        return False
    if kind is list or kind is dict or kind is tuple:
        return not value
    return is_blank(value, containers=True)


def _native(value: Any) -> Any:
    """A cell of an object or extension column as ``to_dict`` gives it (pandas'
    ``maybe_box_native``): numpy numbers and booleans as Python's, numpy dates as
    :class:`pandas.Timestamp`, ``pd.NA`` as None."""
    if value is pd.NA:
        return None
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")`` without the active geometry column, read column by
    column: ``to_dict`` boxes every cell of an object column one by one (0.07 s for the
    6,648 cameras of Paris). ``tolist`` gives the same Python values for numeric and
    datetime columns; a cell of an object or extension column that ``to_dict`` would box
    (a numpy scalar, ``pd.NA``) is boxed by :func:`_native`."""
    geometry = frame.active_geometry_name if isinstance(frame, gpd.GeoDataFrame) else None
    names = [c for c in frame.columns if c != geometry]
    if not names:
        return [{} for _ in range(len(frame))]
    columns = []
    for name in names:
        series = frame[name]
        values = series.tolist()
        if series.dtype == object or isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
            kinds = set(map(type, values))
            if any(k is type(pd.NA) or issubclass(k, np.generic) for k in kinds):
                values = [_native(v) for v in values]
        columns.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _text(value: Any) -> str:
    return str(value).strip()


def _fmt_number(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:,.0f}"


def _directions_text(directions: Any) -> str:
    if _blank(directions):
        return "unknown (drawn as a disc)"
    parts = []
    for item in directions:
        try:
            start, end = float(item[0]), float(item[1])
        except (TypeError, ValueError, IndexError):
            parts.append(_text(item))
            continue
        parts.append(f"{start:g}°" if start == end else f"{start:g}°–{end:g}°")
    return ", ".join(parts)


def _encode_ring(coords: np.ndarray) -> list[int]:
    """A ring as integers in units of 1e-5°: the first point, then the differences
    (closing point dropped). Shorter than decimals by about 3x, exact at that precision.
    The one-ring reference of what :func:`_encode_many` does for all rings at once."""
    q = np.rint(np.asarray(coords)[:, :2] * _SCALE).astype(np.int64)
    if len(q) > 1 and (q[0] == q[-1]).all():
        q = q[:-1]
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = (np.diff(q, axis=0) != 0).any(axis=1)  # repeated points after rounding
    q = q[keep]
    if len(q) < 3:
        return []
    q[1:] = np.diff(q, axis=0)
    return q.ravel().tolist()


def _encode(geom: Any) -> list[list[list[int]]] | None:
    """A (Multi)Polygon as a list of polygons, each a list of encoded rings (outer first);
    None when nothing of it is left at 1e-5° precision."""
    [text] = _encode_many(np.array([geom], dtype=object))
    return None if text is None else json.loads(text)


_OPEN, _CLOSE, _COMMA, _MINUS, _ZERO = (ord(c) for c in "[],-0")


def _digit_counts(a: np.ndarray) -> np.ndarray:
    """The number of decimal digits of each non-negative integer of ``a`` (int32)."""
    digits = np.ones(len(a), dtype=np.int32)
    if len(a):
        top, power = int(a.max()), 10
        while power <= top:
            digits += a >= power
            power *= 10
    return digits


def _encode_many(geoms: np.ndarray, simplify: float = 0.0) -> list[str | None]:
    """:func:`_encode` of every geometry as its JSON text (``[[[x,y,dx,dy,…],[…]],…]``,
    written as ``json.dumps(…, separators=(",", ":"))`` would), vectorized: the
    coordinates of all rings of all polygons are read in one ``shapely.get_coordinates``
    call, rounded, deduplicated and differenced with numpy, and the text of all their
    integers is written by numpy into one byte buffer, digit by digit; Python only slices
    it per geometry. (Building lists of ints for ``json.dumps`` took 0.9 s for the 13
    layers of Paris, 3.8 million integers.)

    A ring keeps its points that differ from the previous one after rounding (its
    closing point dropped) and is dropped when fewer than 3 are left; a polygon is dropped
    when its outer ring is; a geometry with no polygon left is None.

    ``simplify`` (degrees) simplifies each ring on its own (Douglas-Peucker on the ring
    as a line): the polygon simplification of GEOS repairs its result with a buffer,
    which took 3.7 s on the union of Paris's 6,561 narrow 300 m wedges against 0.01 s
    ring by ring. For drawing, a ring that crosses a neighbour by less than the
    tolerance does not matter.
    """
    out: list[str | None] = [None] * len(geoms)
    if len(geoms) == 0:
        return out
    tid = shapely.get_type_id(geoms)
    if (tid == 3).all():  # Polygons (fields of view): no copy of the parts
        parts, part_geom = geoms, np.arange(len(geoms))
    else:
        multi = np.flatnonzero(tid != 3)
        sub, sub_geom = shapely.get_parts(geoms[multi], return_index=True)
        parts = np.concatenate([geoms[tid == 3], sub])
        part_geom = np.concatenate([np.flatnonzero(tid == 3), multi[sub_geom]])
        order = np.argsort(part_geom, kind="stable")  # keep each geometry's parts in order
        parts, part_geom = parts[order], part_geom[order]
    poly = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    parts, part_geom = parts[poly], part_geom[poly]
    if len(parts) == 0:
        return out
    rings, ring_part = shapely.get_rings(parts, return_index=True)  # outer ring first
    if simplify > 0:
        rings = shapely.simplify(rings, simplify, preserve_topology=False)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    if len(xy) == 0:
        return out
    q = np.rint(xy * _SCALE)
    # int32 when it holds them and their differences: half the memory traffic.
    q = q.astype(np.int32 if np.abs(q).max() < 2**30 else np.int64)
    n_rings = len(rings)
    counts = np.bincount(ring_of, minlength=n_rings)
    first = np.cumsum(counts) - counts
    last = first + counts - 1
    keep = np.ones(len(q), dtype=bool)
    # The closing point, when it equals the first after rounding.
    x, y = q[:, 0], q[:, 1]  # column compares: much faster than .all(axis=1)
    some = counts > 1
    closed = np.zeros(n_rings, dtype=bool)
    closed[some] = (x[last[some]] == x[first[some]]) & (y[last[some]] == y[first[some]])
    keep[last[closed]] = False
    # Repeated points after rounding, within a ring.
    same_ring = ring_of[1:] == ring_of[:-1]
    keep[1:] &= ~(same_ring & (x[1:] == x[:-1]) & (y[1:] == y[:-1]))
    kept = np.bincount(ring_of[keep], minlength=n_rings)
    # The rings written: 3 points or more, in a polygon whose outer ring is written.
    outer = np.ones(n_rings, dtype=bool)
    outer[1:] = ring_part[1:] != ring_part[:-1]
    outer_of = np.maximum.accumulate(np.where(outer, np.arange(n_rings), 0))
    ok = kept >= 3
    written = ok & ok[outer_of]
    if not written.any():
        return out
    keep &= written[ring_of]
    kq, kr = q[keep], ring_of[keep]
    d = np.empty_like(kq)
    d[1:] = kq[1:] - kq[:-1]
    ring_start = np.ones(len(kq), dtype=bool)
    ring_start[1:] = kr[1:] != kr[:-1]
    d[ring_start] = kq[ring_start]  # a ring's first point as is, then differences
    values = d.ravel()
    # The rings written, in order: where each opens or closes its polygon and geometry.
    rings_w = np.flatnonzero(written)
    part_w = ring_part[rings_w]
    geom_w = part_geom[part_w]
    n_w = len(rings_w)
    last_in_polygon = np.ones(n_w, dtype=bool)
    last_in_polygon[:-1] = part_w[1:] != part_w[:-1]
    last_in_geom = np.ones(n_w, dtype=bool)
    last_in_geom[:-1] = geom_w[1:] != geom_w[:-1]
    first_in_geom = np.ones(n_w, dtype=bool)
    first_in_geom[1:] = geom_w[1:] != geom_w[:-1]
    opens = 1 + outer[rings_w] + first_in_geom  # "[", "[[" or "[[["
    closes = 1 + last_in_polygon + last_in_geom  # "]", "]]" or "]]]"
    closing = closes + ~last_in_geom  # and "," but after a geometry's last ring
    ints = 2 * kept[rings_w]
    ring_last = np.cumsum(ints) - 1  # each ring's last integer
    ring_first = ring_last - ints + 1
    # Each integer's text: its ring's "["s, a sign, its digits, then "," or the "]"s.
    negative = values < 0
    magnitude = np.abs(values)
    length = _digit_counts(magnitude)
    length += negative
    length += 1
    length[ring_first] += opens
    length[ring_last] += closing - 1
    end = np.cumsum(length, dtype=np.int64)
    buf = np.empty(int(end[-1]), dtype=np.uint8)
    buf[end - 1] = _COMMA
    tail = end[ring_last]
    for k in range(3):
        sel = closes > k
        buf[tail[sel] - closing[sel] + k] = _CLOSE
    head = end[ring_first] - length[ring_first]
    for k in range(3):
        buf[head[opens > k] + k] = _OPEN
    # The last digit of each integer, then those before it, right to left.
    position = end - 2
    position[ring_last] = tail - closing - 1
    rest, at = magnitude, position
    while True:
        higher = rest // 10
        buf[at] = rest - 10 * higher + _ZERO
        more = higher > 0
        if not more.any():
            break
        rest, at = higher[more], at[more] - 1
    minus = np.flatnonzero(negative)
    buf[position[minus] - _digit_counts(magnitude[minus])] = _MINUS
    text = buf.tobytes().decode("ascii")
    starts = head[first_in_geom].tolist()
    ends = end[ring_last[last_in_geom]].tolist()
    for g, a, b in zip(geom_w[first_in_geom].tolist(), starts, ends, strict=True):
        out[g] = text[a:b]
    return out


def _encode_texts(geoms: Any) -> list[str | None]:
    """The JSON text of each geometry's encoding (see :func:`_encode_many`), simplified
    within ``SIMPLIFY_DEGREES``; None for a missing or empty one. A geometry that
    simplification would erase is kept as it was, so every non-empty input stays
    visible."""
    geoms = np.asarray(geoms, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out: list[str | None] = [None] * len(geoms)
    if not present.any():
        return out
    where = np.flatnonzero(present)
    encoded = _encode_many(geoms[where], simplify=SIMPLIFY_DEGREES)
    lost = [k for k, e in enumerate(encoded) if e is None]
    if lost:
        for k, e in zip(lost, _encode_many(geoms[where[lost]]), strict=True):
            encoded[k] = e
    for i, e in zip(where.tolist(), encoded, strict=True):
        out[i] = e
    return out


def _encode_all(geoms: Any) -> list[Any]:
    """:func:`_encode_texts` read back as lists (what the page's script decodes)."""
    return [None if t is None else json.loads(t) for t in _encode_texts(geoms)]


def _bounds(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> list[list[float]] | None:
    if frame is None or len(frame) == 0:
        return None
    minx, miny, maxx, maxy = frame.total_bounds
    if not all(map(math.isfinite, (minx, miny, maxx, maxy))):
        return None
    return [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]]


def _to_storage(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> Any:
    if frame.crs is not None and frame.crs != settings.STORAGE_CRS:
        return frame.to_crs(settings.STORAGE_CRS)
    return frame


def _preset_label(name: str) -> str:
    try:
        from geocover.model.presets import PRESETS
    except ImportError:  # pragma: no cover - fov is part of the package
        return name
    preset = PRESETS.get(name)
    return preset.label if preset is not None else name
