"""Reproducibility: what produced a figure, from which files, read when, with which settings.

Every report and batch output records (:func:`provenance`, :func:`build`):

* the geocover version and the versions of the geometry stack (GEOS, PROJ, GDAL);
* each source layer with its retrieval date, and the sha256 checksum and size of
  every file read (bundle files, ``city.toml``, perimeters, cameras);
* a checksum of each layer's geometries as loaded (WKB, EPSG:4326), which also
  covers live sources that leave no file behind;
* the field-of-view presets used, with their parameters when known.

Modules that read a file an :class:`~geocover.pipeline.analysis.Analysis` does not name in
its ``sources`` declare it with :func:`note_file`. Importing this module registers
the ``provenance`` section of the report (``report.SECTIONS``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import platform
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

_HASH_CACHE: dict[tuple[str, int, int], str] = {}
_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """The sha256 of a file's bytes, hex (cached while its size and mtime are unchanged)."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASH_CACHE:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
        _HASH_CACHE[key] = digest.hexdigest()
    return _HASH_CACHE[key]


def _mtime_date(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()


def _display(path: Path, bundle: Path | None) -> str:
    """A path relative to the bundle (``bundle:…``) or to the working folder when possible."""
    resolved = path.resolve()
    if bundle is not None:
        try:
            return "bundle:" + resolved.relative_to(Path(bundle).resolve()).as_posix()
        except ValueError:
            pass
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(resolved)


def file_record(
    path: str | Path,
    role: str,
    *,
    retrieved: str | None = None,
    bundle: str | Path | None = None,
) -> dict[str, Any]:
    """One file read: role, path, retrieval date, sha256 and size.

    Parameters
    ----------
    path : path
        The file (it must exist).
    role : str
        What it was read as (``commune``, ``city``, ``perimeters``, ``cameras``…).
    retrieved : str, optional
        When its content was retrieved (ISO date); default the file's modification date.
    bundle : path, optional
        The offline bundle, so the path is recorded relative to it (``bundle:geo-api/…``).
    """
    path = Path(path)
    return {
        "role": role,
        "path": _display(path, Path(bundle) if bundle else None),
        "retrieved": retrieved or _mtime_date(path),
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
    }


def content_sha256(frame: gpd.GeoDataFrame | None) -> dict[str, Any] | None:
    """Row count and sha256 of a layer's geometries (WKB in EPSG:4326, row order kept)
    and ids: equal checksums mean the same geometries were measured."""
    if frame is None:
        return None
    digest = hashlib.sha256()
    geoms = frame.geometry
    if frame.crs is not None and not geoms.empty:
        geoms = geoms.to_crs("EPSG:4326")
    for wkb in shapely.to_wkb(geoms.to_numpy(), hex=False, output_dimension=2):
        digest.update(wkb if wkb is not None else b"\0")
    if "id" in frame:
        digest.update("\n".join(map(str, frame["id"])).encode("utf-8"))
    return {"rows": len(frame), "sha256": digest.hexdigest()}


def software() -> dict[str, str]:
    """Versions of Python and of the geometry stack."""
    import pyogrio
    import pyproj

    from geocover._version import __version__

    return {
        "geocover": __version__,
        "python": platform.python_version(),
        "geopandas": gpd.__version__,
        "shapely": shapely.__version__,
        "GEOS": shapely.geos_version_string,
        "pyproj": pyproj.__version__,
        "PROJ": pyproj.proj_version_str,
        "pyogrio": pyogrio.__version__,
        "GDAL": pyogrio.__gdal_version_string__,
    }


def preset_records(names: Iterable[str]) -> list[dict[str, Any]]:
    """The presets by name, with their parameters when :mod:`geocover.model.fov` knows them."""
    out = []
    for name in names:
        record: dict[str, Any] = {"name": str(name)}
        try:
            from geocover.model import fov

            preset = fov.get_preset(name)
        except Exception:  # fov missing or an unknown name: the name is still recorded
            preset = None
        if dataclasses.is_dataclass(preset) and not isinstance(preset, type):
            record.update({k: _plain(v) for k, v in dataclasses.asdict(preset).items()
                           if k != "name"})
        elif isinstance(preset, dict):
            record.update({k: _plain(v) for k, v in preset.items() if k != "name"})
        out.append(record)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def build(
    files: Sequence[dict[str, Any]],
    *,
    presets: Iterable[str] = (),
    sources: Sequence[dict[str, Any]] = (),
    layers: dict[str, Any] | None = None,
    generated: str | None = None,
    bundle: str | Path | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Assemble a provenance record (the form :func:`provenance` returns).

    Parameters
    ----------
    files : list of dict
        :func:`file_record` of each file read.
    presets : names
        Field-of-view presets used.
    sources : list of dict
        Source layers (layer, origin, retrieved, attribution, count).
    layers : dict, optional
        Layer name → :func:`content_sha256`.
    extra
        Anything else worth recording (e.g. ``departement="57"``).
    """
    from geocover._version import __version__

    seen: set[tuple[str, str]] = set()
    unique = []
    for record in files:
        key = (record["path"], record["sha256"])
        if key not in seen:
            seen.add(key)
            unique.append(record)
    return {
        "geocover_version": __version__,
        "generated": generated
        or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "software": software(),
        "bundle": None if bundle is None else str(bundle),
        "sources": list(sources),
        "files": unique,
        "layers": layers or {},
        "presets": preset_records(presets),
        **extra,
    }


def note_file(analysis: Any, path: str | Path, role: str, retrieved: str | None = None) -> None:
    """Declare a file read for ``analysis`` that its ``sources`` do not name."""
    analysis.extra.setdefault("files_read", []).append((role, str(path), retrieved))


_PREFIX = re.compile(r"^(bundle|file|contributions|list):")
_TOKEN_SPLIT = re.compile(r"[\s,;()\[\]]+")


def files_named(origin: str, bundle: Path | None) -> list[Path]:
    """Files named in a source's ``origin``: ``bundle:rel``, ``file:path``,
    ``contributions:path``, ``list:<name>`` (an official list of the bundle), a bare
    path or a path relative to the bundle. URLs and plain words name no file."""
    found: list[Path] = []
    for token in dict.fromkeys([origin.strip(), *_TOKEN_SPLIT.split(origin)]):
        if not token or "://" in token:
            continue
        kind = _PREFIX.match(token)
        rest = _PREFIX.sub("", token)
        if kind and kind.group(1) == "bundle":
            candidates = [bundle / rest] if bundle is not None else []
        elif kind and kind.group(1) == "list":
            candidates = _list_file(rest, bundle)
        elif kind:
            candidates = [Path(rest)]
        else:
            candidates = [Path(rest)] + ([bundle / rest] if bundle is not None else [])
        for candidate in candidates:
            try:
                if candidate.is_file():
                    found.append(candidate)
                    break
            except OSError:
                continue
    return found


def _list_file(name: str, bundle: Path | None) -> list[Path]:
    """The bundle file of an official camera list known to :mod:`geocover.sources.layers`."""
    if bundle is None:
        return []
    try:
        from geocover.sources.layers import LISTS
    except ImportError:  # pragma: no cover - layers is optional here
        return []
    definition = LISTS.get(name)
    return [bundle / definition.path] if definition is not None else []


def _analysis_files(analysis: Any) -> list[dict[str, Any]]:
    bundle = getattr(analysis, "bundle", None)
    records: list[dict[str, Any]] = []
    seen: set[Path] = set()

    def add(path: Path, role: str, retrieved: str | None) -> None:
        resolved = path.resolve()
        if resolved in seen or not path.is_file():
            return
        seen.add(resolved)
        records.append(file_record(path, role, retrieved=retrieved or None, bundle=bundle))

    city = analysis.city
    if Path(city.folder) != Path(".") and (Path(city.folder) / "city.toml").is_file():
        add(Path(city.folder) / "city.toml", "city", None)
    for source in analysis.sources:
        for path in files_named(str(source.origin), bundle):
            add(path, source.layer, str(source.retrieved or "") or None)
    if getattr(analysis.perimeters, "path", None) is not None:
        add(Path(analysis.perimeters.path), "perimeters", None)
    for role, path, retrieved in analysis.extra.get("files_read", []):
        add(Path(path), role, retrieved)
    return records


def provenance(analysis: Any) -> dict[str, Any]:
    """The provenance record of an analysis: version, sources with their retrieval dates,
    sha256 of every file read, checksums of the layers as measured, presets used.

    Examples
    --------
    >>> from geocover import analyse
    >>> record = provenance(analyse("metz", bundle="../shared/data"))
    >>> [f["path"] for f in record["files"]]
    ['data/metz/city.toml', 'bundle:geo-api/communes-57463-contour.json',
     'data/metz/perimeters.geojson', 'data/metz/cameras.geojson']
    """
    sources = [
        dataclasses.asdict(s) if dataclasses.is_dataclass(s) and not isinstance(s, type)
        else dict(s)
        for s in analysis.sources
    ]
    perimeters = getattr(analysis.perimeters, "frame", analysis.perimeters)
    layers = {
        "commune": content_sha256(analysis.commune),
        "perimeters": content_sha256(perimeters),
        "cameras": content_sha256(analysis.cameras),
        "buildings": content_sha256(getattr(analysis, "buildings", None)),
    }
    return build(
        _analysis_files(analysis),
        presets=tuple(getattr(analysis, "presets", ()) or ()),
        sources=sources,
        layers={k: v for k, v in layers.items() if v is not None},
        generated=getattr(analysis, "generated", None),
        bundle=getattr(analysis, "bundle", None),
    )
