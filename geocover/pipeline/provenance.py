"""Reproducibility: what produced a figure, from which files, read when, with which settings.

:func:`analyse <geocover.pipeline.analysis.analyse>` and :func:`run_batch
<geocover.pipeline.batch.run_batch>` record a :class:`Provenance`:

* the geocover version and the versions of the geometry stack (GEOS, PROJ, GDAL);
* each source layer (:class:`~geocover.schema.provenance.SourceRecord`, built where the
  source was read) with the date of its data and its retrieval time, licence and
  attribution; the sha256 checksum and size of every file read (bundle files,
  ``city.toml``, perimeters, cameras), taken from those records: nothing is parsed back
  from a display string, no file is hashed twice;
* a checksum of each layer's geometries as loaded (WKB, EPSG:4326), which also
  covers live sources that leave no file behind;
* the field-of-view presets used, with their parameters when known.

The outputs render it (:meth:`Provenance.to_dict` is the report's ``provenance`` key).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import platform
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from geocover.io.checksum import file_read, sha256_file
from geocover.schema.provenance import SourceRecord

__all__ = ["FileRecord", "Provenance", "build", "content_sha256", "file_record", "note_file",
           "preset_records", "provenance", "sha256_file", "software"]


@dataclass(frozen=True)
class FileRecord:
    """One file read, in a role (the JSON form of ``provenance.files[]``).

    ``retrieved`` is the source's retrieval date (a local file: its modification date);
    ``vintage`` the date of the data (None: unknown).
    """

    role: str
    path: str
    retrieved: str
    sha256: str
    bytes: int
    vintage: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Provenance:
    """The provenance of one run: version, software, sources, files, layer checksums,
    presets (see the module docstring)."""

    geocover_version: str
    generated: str
    software: dict[str, str]
    bundle: str | None
    sources: list[SourceRecord | dict[str, Any]] = field(default_factory=list)
    """Each layer's record (a plain mapping for a run that describes its inputs itself)."""
    files: list[FileRecord] = field(default_factory=list)
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)
    presets: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    """Anything else worth recording (``departement``, ``crs``, ``notes``…), at the top
    level of the JSON form."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the report's ``provenance`` key (``docs/report-json.md``)."""
        seen: set[tuple[str, str]] = set()
        files = []
        for record in self.files:
            if (record.path, record.sha256) not in seen:
                seen.add((record.path, record.sha256))
                files.append(record.to_dict())
        return {
            "geocover_version": self.geocover_version,
            "generated": self.generated,
            "software": dict(self.software),
            "bundle": self.bundle,
            "sources": [s.to_dict() if isinstance(s, SourceRecord) else dict(s)
                        for s in self.sources],
            "files": files,
            "layers": dict(self.layers),
            "presets": list(self.presets),
            **self.extra,
        }


def files_of(sources: Iterable[SourceRecord]) -> list[FileRecord]:
    """Every file the sources read, in the role of their layer."""
    return [FileRecord(s.layer, f.path, s.retrieved or f.modified, f.sha256, f.bytes, s.vintage)
            for s in sources for f in s.files]


def file_record(
    path: str | Path,
    role: str,
    *,
    retrieved: str | None = None,
    bundle: str | Path | None = None,
    vintage: str | None = None,
) -> FileRecord:
    """One file read: role, path (``bundle:…`` inside the bundle), retrieval date
    (default the file's modification date), sha256, size, date of the data."""
    read = file_read(path, bundle)
    return FileRecord(role, read.path, retrieved or read.modified, read.sha256, read.bytes,
                      vintage)


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


#: ``software()``'s pyogrio and GDAL versions where GDAL had no part in the run.
GDAL_UNUSED = "not used (no file read or written through GDAL)"


def software() -> dict[str, str]:
    """Versions of Python and of the geometry stack. GDAL (through pyogrio) only where it
    read or wrote a file in this process: otherwise it had no part in the figures, and
    loading it only to ask its version cost 24 ms of every report."""
    import pyproj

    from geocover._version import __version__

    ogr = sys.modules.get("pyogrio")
    unused = GDAL_UNUSED
    return {
        "geocover": __version__,
        "python": platform.python_version(),
        "geopandas": gpd.__version__,
        "shapely": shapely.__version__,
        "GEOS": shapely.geos_version_string,
        "pyproj": pyproj.__version__,
        "PROJ": pyproj.proj_version_str,
        "pyogrio": ogr.__version__ if ogr is not None else unused,
        "GDAL": ogr.__gdal_version_string__ if ogr is not None else unused,
    }


def preset_records(names: Iterable[str]) -> list[dict[str, Any]]:
    """The presets by name, with their parameters when :mod:`geocover.model.fov` knows them."""
    from geocover.model import fov

    out = []
    for name in names:
        record: dict[str, Any] = {"name": str(name)}
        preset = fov.PRESETS.get(str(name))
        if dataclasses.is_dataclass(preset) and not isinstance(preset, type):
            record.update({k: _plain(v) for k, v in dataclasses.asdict(preset).items()
                           if k != "name"})
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


def record(
    files: Sequence[FileRecord],
    *,
    presets: Iterable[str] = (),
    sources: Sequence[SourceRecord | dict[str, Any]] = (),
    layers: dict[str, Any] | None = None,
    generated: str | None = None,
    bundle: str | Path | None = None,
    **extra: Any,
) -> Provenance:
    """Assemble a :class:`Provenance`.

    Parameters
    ----------
    files : list of FileRecord
        Every file read, in order (:func:`files_of` gives those of ``sources``).
    presets : names
        Field-of-view presets used.
    sources : list of SourceRecord
        The source layers.
    layers : dict, optional
        Layer name → :func:`content_sha256`.
    extra
        Anything else worth recording (e.g. ``departement="57"``).
    """
    from geocover._version import __version__

    return Provenance(
        geocover_version=__version__,
        generated=generated or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        software=software(),
        bundle=None if bundle is None else str(bundle),
        sources=list(sources),
        files=list(files),
        layers={k: v for k, v in (layers or {}).items() if v is not None},
        presets=preset_records(presets),
        extra=dict(extra),
    )


def build(files: Sequence[FileRecord], **kwargs: Any) -> dict[str, Any]:
    """:func:`record` in its JSON form."""
    return record(files, **kwargs).to_dict()


def of_analysis(
    *,
    city_toml: Path | None,
    sources: Sequence[SourceRecord],
    layers: dict[str, gpd.GeoDataFrame | None],
    presets: Iterable[str],
    generated: str,
    bundle: Path | None,
) -> Provenance:
    """The provenance of an analysis, from what it read (called by ``analyse``)."""
    files = []
    if city_toml is not None and city_toml.is_file():
        files.append(file_record(city_toml, "city", bundle=bundle))
    return record(files + files_of(sources), presets=presets, sources=sources,
                  layers={name: content_sha256(frame) for name, frame in layers.items()},
                  generated=generated, bundle=bundle)


def note_file(analysis: Any, path: str | Path, role: str, retrieved: str | None = None) -> None:
    """Declare a file read for ``analysis`` that its ``sources`` do not name: it joins
    ``analysis.provenance.files``."""
    analysis.provenance.files.append(
        file_record(path, role, retrieved=retrieved, bundle=getattr(analysis, "bundle", None)))


def provenance(analysis: Any) -> dict[str, Any]:
    """The JSON form of ``analysis.provenance`` (computed once by ``analyse``).

    Examples
    --------
    >>> from geocover import analyse
    >>> record = provenance(analyse("metz", bundle="../shared/data"))
    >>> [(f["role"], f["vintage"]) for f in record["files"]][:2]
    [('city', None), ('commune', '2018')]
    """
    result: dict[str, Any] = analysis.provenance.to_dict()
    return result
