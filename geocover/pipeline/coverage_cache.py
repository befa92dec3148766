"""The coverage computed once for the same inputs, reused by the next command.

``geocover report``, ``geocover map`` and ``geocover figures`` each run the analysis;
without a cache each recomputes the union of every preset's fields of view, the longest
step for a city with many cameras (Paris: 6,561 camera sites, six presets, about 1.5 s).
This cache keeps, per preset, the figures, the union's pieces and each camera's field of
view (for :data:`MIN_CAMERAS` cameras or more), under a key that digests everything they
are computed from:

* the cameras' positions, types, directions, heights and tilts, and their index;
* the commune, the authorized perimeters, the buildings and the streets (their WKB);
* the preset's definition, the metric CRS;
* geocover's version, GEOS's version and the source of the coverage engine itself
  (``geocover/model/*.py``), so that a changed engine never reads an old answer.

Change any input, however little, and the key changes: an entry is never stale, it is
only unused. Entries are files under ``<cache dir>/coverage/`` (``$GEOCOVER_CACHE_DIR``,
default ``~/.cache/geocover``), written atomically, read without pickle (WKB and JSON in
an ``.npz``; the fields of view in EPSG:4326 beside it once a map or a figure has drawn
them), and pruned oldest first beyond :data:`MAX_BYTES`. A file that cannot be
read is a miss and is rewritten. ``GEOCOVER_COVERAGE_CACHE=off`` turns the cache off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geocover import settings
from geocover._version import __version__
from geocover.io.atomic import replace_atomic
from geocover.model.coverage import CameraCoverage
from geocover.model.pieces import UnionPieces

#: Bumped whenever what an entry holds changes.
FORMAT = "geocover-coverage-1"
#: The cache's folder is pruned, oldest entries first, beyond this size.
MAX_BYTES = 512 * 1024 * 1024
#: Fewer cameras than this are recomputed every time (a few milliseconds: not worth a
#: file, and the report of a small city reads the same at every run).
MIN_CAMERAS = 200
#: The camera columns the fields of view are computed from.
CAMERA_COLUMNS = ("camera_type", "directions", "height_m", "tilt_deg")
_ENGINE_DIR = Path(__file__).resolve().parent.parent / "model"
_engine_digest: str | None = None


def enabled(n_cameras: int | None = None) -> bool:
    """Whether the cache is on: ``$GEOCOVER_COVERAGE_CACHE`` is not ``off`` (or 0, no,
    false), and, given ``n_cameras``, there are at least :data:`MIN_CAMERAS`."""
    value = os.environ.get("GEOCOVER_COVERAGE_CACHE", "on").strip().lower()
    if value in ("off", "0", "no", "false"):
        return False
    return n_cameras is None or n_cameras >= MIN_CAMERAS


def folder() -> Path:
    """Where the entries are: ``<settings.CACHE_DIR>/coverage``."""
    return Path(settings.CACHE_DIR) / "coverage"


def _engine() -> str:
    global _engine_digest
    if _engine_digest is None:
        h = hashlib.sha256()
        for path in sorted(_ENGINE_DIR.glob("*.py")):
            h.update(path.name.encode())
            h.update(path.read_bytes())
        _engine_digest = h.hexdigest()
    return _engine_digest


def _wkb(h: Any, geoms: Any) -> None:
    if geoms is None:
        h.update(b"\x00none")
        return
    arr = np.atleast_1d(np.asarray(geoms, dtype=object))
    h.update(len(arr).to_bytes(8, "little"))
    for blob in shapely.to_wkb(arr):
        blob = blob or b""
        h.update(len(blob).to_bytes(4, "little"))
        h.update(blob)


def keys(cameras_m: gpd.GeoDataFrame, commune_m: Any, presets: dict[str, Any], crs: str, *,
         buildings_m: gpd.GeoDataFrame | None, highways_m: gpd.GeoDataFrame | None,
         perimeters_m: Any) -> dict[str, str]:
    """Each preset's entry name (``presets``: name → definition): a sha256 of every input
    of :func:`camera_coverage` (see the module docstring). The layers are digested once,
    then each preset's definition is added to a copy."""
    import geopandas
    import pyproj

    h = hashlib.sha256()
    meta = {"format": FORMAT, "geocover": __version__, "geos": shapely.geos_version_string,
            "shapely": shapely.__version__, "geopandas": geopandas.__version__,
            "pyproj": pyproj.__version__, "proj": pyproj.proj_version_str,
            "engine": _engine(), "crs": crs}
    h.update(json.dumps(meta, sort_keys=True).encode())
    h.update(repr(cameras_m.index.tolist()).encode())
    _wkb(h, cameras_m.geometry.to_numpy())
    for column in CAMERA_COLUMNS:
        values = cameras_m[column].tolist() if column in cameras_m.columns else None
        h.update(f"{column}={values!r}".encode())
    _wkb(h, commune_m)
    _wkb(h, perimeters_m)
    for layer in (buildings_m, highways_m):
        _wkb(h, None if layer is None else layer.geometry.to_numpy())
    out = {}
    for name, preset in presets.items():
        one = h.copy()
        one.update(f"preset={preset!r}".encode())
        out[name] = one.hexdigest()
    return out


def key(cameras_m: gpd.GeoDataFrame, commune_m: Any, preset: Any, crs: str, *,
        buildings_m: gpd.GeoDataFrame | None, highways_m: gpd.GeoDataFrame | None,
        perimeters_m: Any) -> str:
    """One preset's entry name (:func:`keys`)."""
    return keys(cameras_m, commune_m, {"": preset}, crs, buildings_m=buildings_m,
                highways_m=highways_m, perimeters_m=perimeters_m)[""]


def _pack(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    blobs = [b or b"" for b in shapely.to_wkb(np.asarray(geoms, dtype=object))]
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blobs])
    return np.frombuffer(b"".join(blobs), dtype=np.uint8), offsets


def _unpack(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    raw = data.tobytes()
    blobs = [raw[a:b] or None for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(),
                                             strict=True)]
    return shapely.from_wkb(np.array(blobs, dtype=object))


def store(name: str, figures: CameraCoverage, fields: gpd.GeoSeries) -> Path | None:
    """Save one preset's coverage under ``name``; None (and nothing written) when the
    cache is off or its folder cannot be written: a cache never stops a command."""
    if not enabled():
        return None
    pieces = figures.pieces
    if not isinstance(pieces, UnionPieces):
        return None
    meta = {f.name: getattr(figures, f.name) for f in dataclasses.fields(figures)
            if f.name not in ("geometry", "pieces")}
    parts, parts_off = _pack(pieces.parts)
    geoms, geoms_off = _pack(fields.to_numpy())
    arrays: dict[str, np.ndarray] = {
        "meta": np.frombuffer(json.dumps(
            {"format": FORMAT, "figures": meta, "name": fields.name}).encode(), np.uint8),
        "parts": parts, "parts_off": parts_off, "fields": geoms, "fields_off": geoms_off,
    }
    if pieces._seam is not None:
        arrays["seam"] = pieces._seam
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, **arrays)
    path = folder() / f"{name}.npz"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomic(path, buf.getvalue())
        _prune(path.parent)
    except Exception:
        return None
    return path


def _read(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays of the entry file ``path``, or None when there is none or it cannot be
    read (a damaged entry is a miss, rewritten after)."""
    if not path.is_file():
        return None
    try:
        # Our own file object: np.load leaves its own open when a damaged zip fails.
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception:
        return None


def load(name: str, cameras_m: gpd.GeoDataFrame) -> tuple[CameraCoverage, gpd.GeoSeries] | None:
    """The preset's coverage saved under ``name`` (its fields of view indexed like
    ``cameras_m``, in its CRS), or None when there is none or it cannot be read."""
    if not enabled():
        return None
    path = folder() / f"{name}.npz"
    z = _read(path)
    if z is None:
        return None
    try:
        meta = json.loads(z["meta"].tobytes())
        if meta.get("format") != FORMAT:
            return None
        geoms = _unpack(z["fields"], z["fields_off"])
        if len(geoms) != len(cameras_m):
            return None
        pieces = UnionPieces(_unpack(z["parts"], z["parts_off"]), z.get("seam"))
        figures = CameraCoverage(**meta["figures"], geometry=pieces.collection(),
                                 pieces=pieces)
        fields = gpd.GeoSeries(geoms, index=cameras_m.index, crs=cameras_m.crs,
                               name=meta.get("name"))
        os.utime(path)  # recently used: pruned last
    except Exception:
        return None
    return figures, fields


def store_degrees(name: str, fields: gpd.GeoSeries) -> None:
    """Save the fields of view of entry ``name`` reprojected to EPSG:4326 (what the map and
    the figures draw: reprojecting Paris's six presets costs about half a second), beside
    the entry. Nothing when the cache is off or cannot be written."""
    if not enabled() or not name:
        return
    geoms, offsets = _pack(fields.to_numpy())
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, fields=geoms, fields_off=offsets)
    try:
        replace_atomic(folder() / f"{name}.4326.npz", buf.getvalue())
    except Exception:
        return


def load_degrees(name: str, like: gpd.GeoSeries) -> gpd.GeoSeries | None:
    """The fields of view of entry ``name`` in EPSG:4326, indexed and named like ``like``
    (the same fields in the metric CRS), or None."""
    if not enabled() or not name:
        return None
    z = _read(folder() / f"{name}.4326.npz")
    if z is None:
        return None
    try:
        geoms = _unpack(z["fields"], z["fields_off"])
    except Exception:
        return None
    if len(geoms) != len(like):
        return None
    return gpd.GeoSeries(geoms, index=like.index, crs=settings.STORAGE_CRS, name=like.name)


def _prune(where: Path) -> None:
    entries = sorted(where.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    # (an entry's .4326.npz companion is pruned by the same rule)
    total = 0
    for path in entries:
        total += path.stat().st_size
        if total > MAX_BYTES:
            path.unlink(missing_ok=True)
