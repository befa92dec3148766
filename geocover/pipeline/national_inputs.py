"""The camera layers of a national run, read once by the driver.

Offline, from a bundle: the Paris police layer of 2025, sous-surveillance.net's citizen
map and the OpenStreetMap answer for Paris; any camera file given (an ``.osm.pbf``
extract is read with pyosmium); live, OpenStreetMap from Overpass, one request per
département (cached by :mod:`geocover.sources.http`). Each source says where it looked
(:class:`~geocover.pipeline.known.SourceInfo`), so that a commune no source looked at is
"no camera known", not 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geocover import settings
from geocover.pipeline.known import SourceInfo, camera_source
from geocover.schema.ids import list_source

#: The columns a partition needs (the rest of the camera layer stays with the driver).
TASK_COLUMNS = ["id", "camera_type", "directions", "height_m", "tilt_deg", "location_precision",
                "geometry"]
#: The bundle's camera layers read by ``batch --france --bundle``.
BUNDLE_OSM = "osm/paris-20250208-surveillance.overpass.json"


@dataclass
class CameraInputs:
    """Every camera of the run (EPSG:4326, :data:`TASK_COLUMNS`) and where each source looked."""

    cameras: gpd.GeoDataFrame
    sources: list[SourceInfo]
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    """Cameras read per source key."""


def _box_wkb(frame: gpd.GeoDataFrame) -> bytes | None:
    if frame.empty:
        return None
    return shapely.to_wkb(shapely.box(*frame.total_bounds))


def national_cameras(
    *,
    bundle: str | Path | None = None,
    files: Iterable[str | Path] = (),
    overpass_departements: Sequence[str] = (),
    bundle_layers: bool = True,
    contributions: bool = True,
    data_dir: Path | None = None,
    departements: Sequence[str] | None = None,
) -> CameraInputs:
    """Read the camera layers of a run.

    Parameters
    ----------
    bundle : path, optional
        With ``bundle_layers``, read its Paris police 2025, sous-surveillance.net and
        Paris OSM layers.
    files : paths
        Camera files (GeoJSON, CSV, Overpass JSON) and OSM extracts (``.osm.pbf``).
    overpass_departements : codes
        Ask Overpass for the cameras of each of these départements (live, cached).
    contributions : bool
        Read the contributions of the configured cities (``data/<city>/cameras.geojson``
        under ``data_dir``) of ``departements`` (default: of every département).
    """
    from geocover.sources.camera_files import load_cameras_file
    from geocover.sources.citizen_map import LIST_ID, SOURCE, load_sous_surveillance
    from geocover.sources.lists import PARIS_POLICE_2025, load_list
    from geocover.sources.osm_extract import cameras_from_extract, is_osm_extract

    frames: list[gpd.GeoDataFrame] = []
    sources: list[SourceInfo] = []
    read: list[Path] = []
    warnings: list[str] = []

    def add(frame: gpd.GeoDataFrame, info: SourceInfo | None, path: Path | None,
            problems: Sequence[object] = ()) -> None:
        frames.append(frame)
        if info is not None and info.key not in {s.key for s in sources}:
            sources.append(info)
        if path is not None:
            read.append(path)
        if problems:
            warnings.append(f"{path}: {len(problems)} value(s) read with a default "
                            f"(first: {problems[0]})")

    if bundle is not None and bundle_layers:
        bundle = Path(bundle)
        police, problems = load_list(PARIS_POLICE_2025, bundle)
        add(police, SourceInfo(list_source(PARIS_POLICE_2025.list_id), PARIS_POLICE_2025.source),
            bundle / PARIS_POLICE_2025.path, problems)
        ssn, problems = load_sous_surveillance(bundle)
        add(ssn, SourceInfo(list_source(LIST_ID), SOURCE), bundle / "cameras" /
            "sous-surveillance-net-2025-06-01.geojson", problems)
        osm, problems = load_cameras_file(bundle / BUNDLE_OSM)
        # Asked by bounding box: the query's box contains its elements' box, so every
        # commune inside the latter was looked at.
        add(osm, SourceInfo("osm", "OpenStreetMap (Overpass answer of 2025-02-08, Paris)",
                            _box_wkb(osm)), bundle / BUNDLE_OSM, problems)
    if contributions:
        from geocover.sources.camera_files import load_contributions
        from geocover.sources.city import city_names, load_city

        for name in city_names(data_dir):
            city = load_city(name, data_dir)
            if departements is not None and not any(city.insee.startswith(d)
                                                    for d in departements):
                continue
            if city.cameras_file is not None and city.cameras_file.is_file():
                add(load_contributions(city.cameras_file), None, city.cameras_file)
    for path in map(Path, files):
        if is_osm_extract(path):
            frame, problems, extract = cameras_from_extract(path)
            box = shapely.to_wkb(shapely.box(*extract.bounds)) if extract.bounds else None
            label = (f"OpenStreetMap extract {path.name}"
                     + (f" ({extract.timestamp})" if extract.timestamp else ""))
            prev = next((s for s in sources if s.key == "osm"), None)
            if prev is None:
                add(frame, SourceInfo("osm", label, box), path, problems)
            else:  # merge the extents
                extent = None
                if prev.extent_wkb and box:
                    extent = shapely.to_wkb(shapely.union(shapely.from_wkb(prev.extent_wkb),
                                                          shapely.from_wkb(box)))
                sources[sources.index(prev)] = SourceInfo("osm", f"{prev.label}; {label}",
                                                          extent or prev.extent_wkb or box,
                                                          prev.departements)
                add(frame, None, path, problems)
        else:
            frame, problems = load_cameras_file(path)
            add(frame, None, path, problems)
    if overpass_departements:
        from geocover.sources.overpass import fetch_departement_cameras

        for dep in overpass_departements:
            frame, problems, _ = fetch_departement_cameras(dep)
            add(frame, None, None, problems)
        old = next((s for s in sources if s.key == "osm"), None)
        deps = tuple(overpass_departements)
        overpass = SourceInfo("osm", "OpenStreetMap via Overpass, one request per département",
                          old.extent_wkb if old else None, (old.departements if old else ()) + deps)
        if old is not None:
            sources[sources.index(old)] = overpass
        else:
            sources.append(overpass)

    frames = [f for f in frames if len(f)]
    if frames:
        cameras = pd.concat([f[TASK_COLUMNS] for f in frames], ignore_index=True)
        cameras = gpd.GeoDataFrame(cameras, geometry="geometry", crs=settings.STORAGE_CRS)
    else:
        from geocover.schema.frames import empty_cameras

        cameras = empty_cameras()[TASK_COLUMNS]
    dup = cameras["id"].duplicated()
    if dup.any():
        warnings.append(f"{int(dup.sum())} camera id(s) read twice (e.g. "
                        f"{cameras['id'][dup].iloc[0]}): kept once")
        cameras = cameras[~dup].reset_index(drop=True)
    per_source: dict[str, int] = {}
    for key in cameras["id"].map(camera_source).tolist():
        per_source[str(key)] = per_source.get(str(key), 0) + 1
    known = {s.key for s in sources}
    for key in sorted(per_source):
        if key not in known:
            sources.append(SourceInfo(key, key))
    return CameraInputs(cameras, sources, read, warnings, per_source)
