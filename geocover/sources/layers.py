"""Which camera, building and street layers a city's analysis reads, and from where.

The city's ``[sources]`` say what exists: OpenStreetMap (live through Overpass, or the
bundle's ``osm/<name>-*.overpass.json`` answers when offline), official lists known to
geocover, and the contributions file. ``--cameras FILE`` replaces all of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geocover.errors import SourceError, UsageError
from geocover.io.atomic import replace_atomic
from geocover.schema.city import City
from geocover.schema.frames import empty_cameras
from geocover.schema.tags import Problem
from geocover.schema.text import display_path
from geocover.sources import overpass
from geocover.sources.camera_files import load_cameras_file, load_contributions
from geocover.sources.lists import PARIS_BOVP2019, PARIS_PVPP, ListDefinition, load_list
from geocover.sources.osm_elements import from_overpass

#: Official lists geocover knows how to read, by the name used in city.toml.
LISTS: dict[str, ListDefinition] = {
    PARIS_PVPP.list_id: PARIS_PVPP,
    PARIS_BOVP2019.list_id: PARIS_BOVP2019,
}


@dataclass(frozen=True)
class LayerSource:
    layer: str
    origin: str
    retrieved: str
    attribution: str
    count: int | None = None


@dataclass
class CameraLayers:
    cameras: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame | None = None
    highways: gpd.GeoDataFrame | None = None
    sources: list[LayerSource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _file_date(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()


OSM = "© OpenStreetMap contributors, ODbL"


def choose_lists(city: City, wanted: list[str] | None) -> list[str]:
    """The official lists to read: ``wanted`` (names, or ``all``), else the city's first."""
    if not wanted:
        return list(city.lists[:1])
    if wanted == ["all"]:
        return list(city.lists)
    unknown = [w for w in wanted if w not in LISTS]
    if unknown:
        raise UsageError(
            f"unknown camera list {unknown[0]!r}; known lists: {', '.join(LISTS)}"
        )
    return wanted


def load_camera_layers(
    city: City,
    *,
    bundle: Path | None,
    camera_files: list[Path] | None = None,
    lists: list[str] | None = None,
    osm_extract: str | None = None,
) -> CameraLayers:
    """Every camera layer of ``city``, with buildings and streets where OSM provides them.

    Parameters
    ----------
    camera_files : list of paths, optional
        Camera layers (GeoJSON or CSV) used instead of the city's configured sources.
    lists : list of str, optional
        Official lists to read (names from :data:`LISTS`, or ``["all"]``); default the
        first of the city's ``sources.lists``.
    osm_extract : str, optional
        The bundle's OSM extract name (``osm/<name>-surveillance.overpass.json``);
        default the city's slug.
    """
    out = CameraLayers(empty_cameras())
    frames: list[gpd.GeoDataFrame] = []
    if camera_files:
        for path in camera_files:
            frame, problems = load_cameras_file(path)
            frames.append(frame)
            out.problems += problems
            out.sources.append(LayerSource("cameras", f"file:{display_path(path)}",
                                           _file_date(Path(path)),
                                           "as stated by the file's provider", len(frame)))
    else:
        if city.osm:
            _osm(city, bundle, osm_extract, out, frames)
        for name in choose_lists(city, lists):
            if name not in LISTS:
                raise UsageError(f"{city.folder / 'city.toml'}: unknown camera list {name!r}")
            definition = LISTS[name]
            if bundle is None or not (bundle / definition.path).is_file():
                out.warnings.append(f"official list {name}: not available "
                                    f"(needs the bundle's {definition.path})")
                continue
            frame, problems = load_list(definition, bundle)
            frames.append(frame)
            out.problems += problems
            out.sources.append(LayerSource(
                "cameras", f"list:{name} ({definition.source})",
                _file_date(bundle / definition.path), "Licence Ouverte / ODbL as published",
                len(frame)))
        if city.cameras_file is not None and city.cameras_file.is_file():
            frame = load_contributions(city.cameras_file)
            frames.append(frame)
            out.sources.append(LayerSource(
                "cameras", f"contributions:{display_path(city.cameras_file)}",
                _file_date(city.cameras_file), "contributors (CC0 / ODbL when sent to OSM)",
                len(frame)))
    frames = [f for f in frames if not f.empty]
    if frames:
        merged = pd.concat(frames, ignore_index=True)
        merged = merged.drop_duplicates(subset="id", keep="first").reset_index(drop=True)
        out.cameras = gpd.GeoDataFrame(merged, geometry="geometry", crs=frames[0].crs)
    if out.problems:
        out.warnings.append(f"{len(out.problems)} camera tag values could not be read and fell "
                            "back to defaults (geocover cameras check lists them)")
    return out


def _osm(city: City, bundle: Path | None, extract: str | None, out: CameraLayers,
         frames: list[gpd.GeoDataFrame]) -> None:
    if bundle is not None:
        name = extract or city.slug
        path = bundle / "osm" / f"{name}-surveillance.overpass.json"
        if not path.is_file():
            out.sources.append(LayerSource(
                "cameras", f"OpenStreetMap: no extract for {city.name} in the bundle "
                f"(looked for {path.name}); run without --bundle to query Overpass", "", OSM, None))
            return
        cams, buildings, highways = overpass.load_osm_bundle(bundle, name)
        out.problems += cams.attrs.get("problems", [])
        date = (cams.attrs.get("osm_base") or _file_date(path))[:10]
        frames.append(cams)
        out.buildings, out.highways = buildings, highways
        prefix = f"OpenStreetMap bundle:osm/{name}"
        out.sources += [
            LayerSource("cameras", f"{prefix}-surveillance.overpass.json", date, OSM, len(cams)),
            LayerSource("buildings", f"{prefix}-buildings.overpass.json", date, OSM,
                        len(buildings)),
            LayerSource("highways", f"{prefix}-highways.overpass.json", date, OSM, len(highways)),
        ]
        return
    try:
        cams, problems, answer = overpass.fetch_cameras(city.insee)
    except SourceError as exc:
        out.warnings.append(f"OpenStreetMap cameras unavailable: {exc}")
        out.sources.append(LayerSource("cameras", "OpenStreetMap (Overpass): unavailable", "",
                                       OSM, None))
        return
    frames.append(cams)
    out.problems += problems
    stale = " (cached copy: the network failed)" if answer.stale else ""
    out.sources.append(LayerSource("cameras", f"OpenStreetMap (Overpass){stale}",
                                   answer.retrieved.date().isoformat(), OSM, len(cams)))
    fetchers = (("buildings", overpass.fetch_buildings), ("highways", overpass.fetch_highways))
    for layer, fetch in fetchers:
        try:
            frame = fetch(city.insee)
        except SourceError as exc:
            out.warnings.append(f"OpenStreetMap {layer} unavailable: {exc}")
            continue
        setattr(out, layer, frame)
        retrieved = str(frame.attrs.get("source", {}).get("retrieved", ""))[:10]
        out.sources.append(LayerSource(layer, "OpenStreetMap (Overpass)", retrieved, OSM,
                                       len(frame)))


def write_osm_snapshot(city: City, folder: Path | None = None,
                       today: dt.date | None = None) -> list[Path]:
    """Fetch the OSM cameras, buildings and streets of ``city`` from Overpass and keep
    them as a dated snapshot: ``<folder>/<slug>-<kind>-<date>.overpass.json`` (the answers
    as received) and ``<slug>-<date>.provenance.json`` (query, URL, retrieval time, sha256
    and feature counts). ``folder`` defaults to ``data/<city>/osm``. Files are written
    atomically; nothing is written unless all three answers are good.
    """
    import hashlib
    import json

    from geocover.sources.http import fetch_text
    folder = Path(folder) if folder is not None else city.folder / "osm"
    day = (today or dt.date.today()).isoformat()
    queries = {
        "surveillance": overpass.cameras_query(city.insee),
        "buildings": overpass.buildings_query(city.insee),
        "highways": overpass.highways_query(city.insee),
    }
    answers = {}
    for kind, query in queries.items():
        answers[kind] = fetch_text(
            overpass.settings.OVERPASS_URL, data={"data": query}, method="POST",
            decode=lambda text: (text, json.loads(text)),
            validate=lambda pair: overpass.check_answer(pair[1]),
            what=f"Overpass {kind} of {city.name} ({city.insee})",
        )
    counts = {
        "surveillance": len(from_overpass(answers["surveillance"].data[1])[0]),
        "buildings": len(overpass.parse_buildings(answers["buildings"].data[1])),
        "highways": len(overpass.parse_highways(answers["highways"].data[1])),
    }
    written = []
    files: dict[str, dict[str, Any]] = {}
    record = {"city": city.slug, "insee": city.insee, "date": day, "files": files}
    for kind, answer in answers.items():
        text = answer.data[0]
        path = folder / f"{city.slug}-{kind}-{day}.overpass.json"
        replace_atomic(path, text.encode("utf-8"))
        written.append(path)
        files[path.name] = {
            "query": queries[kind],
            "url": answer.url,
            "retrieved": answer.retrieved.isoformat(),
            "from_cache": answer.from_cache,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "elements": counts[kind],
            "licence": "ODbL, © OpenStreetMap contributors",
        }
    prov = folder / f"{city.slug}-{day}.provenance.json"
    replace_atomic(prov, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return written + [prov]
