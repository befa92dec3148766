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

from geocover.errors import ConfigError, DataError, SourceError, UsageError
from geocover.i18n import Translator, translator
from geocover.io.atomic import replace_atomic
from geocover.io.collector import collector_paused
from geocover.schema.city import City, CityList
from geocover.schema.frames import empty_cameras
from geocover.schema.provenance import DATE_UNKNOWN, DataDate, SourceRecord
from geocover.schema.scope import SourceScope, source_key
from geocover.schema.tags import Problem
from geocover.schema.text import display_path
from geocover.sources import citizen, overpass
from geocover.sources.camera_files import load_contributions, read_cameras_file
from geocover.sources.lists import (
    PARIS_BOVP2019,
    PARIS_POLICE2025,
    PARIS_PVPP,
    ListDefinition,
    from_list,
    load_list,
)
from geocover.sources.osm_elements import from_overpass, osm_date
from geocover.sources.records import file_source, live_source, no_source

#: Official lists geocover knows how to read, by the name used in city.toml.
LISTS: dict[str, ListDefinition] = {
    PARIS_PVPP.list_id: PARIS_PVPP,
    PARIS_BOVP2019.list_id: PARIS_BOVP2019,
    PARIS_POLICE2025.list_id: PARIS_POLICE2025,
}
#: Every camera list or map geocover knows, by name: what each holds.
KNOWN_SOURCES: dict[str, SourceScope] = {
    **{name: d.scope() for name, d in LISTS.items()},
    citizen.KEY: citizen.SCOPE,
}
OSM_SCOPE = SourceScope(key="osm", kind="osm", label="OpenStreetMap", operator="mixed")
CONTRIB_SCOPE = SourceScope(key="contrib", kind="contributions", label="contributions",
                            operator="mixed")


#: The record of a layer's source (kept under its former name).
LayerSource = SourceRecord


@dataclass
class CameraLayers:
    cameras: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame | None = None
    highways: gpd.GeoDataFrame | None = None
    sources: list[SourceRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    scopes: dict[str, SourceScope] = field(default_factory=dict)
    """Source key (``osm``, ``list:<name>``, ``contrib``) → what the source holds."""
    notes: list[str] = field(default_factory=list)
    """What the sources read cannot tell (no buildings: no occlusion…), for the report."""
    tr: Translator = field(default_factory=lambda: translator("en"), repr=False)
    """The language of :attr:`notes` (the analysis')."""


OSM = "© OpenStreetMap contributors, ODbL"
CONTRIBUTORS = "contributors (CC0 / ODbL when sent to OSM)"


def _latest(frame: gpd.GeoDataFrame, column: str, basis: str) -> DataDate | None:
    """The latest value of a date column as a (weak) date of the data, or None."""
    if frame.empty or column not in frame:
        return None
    dates = frame[column].dropna().astype(str)
    dates = dates[dates.str.len() > 0]
    return DataDate(str(dates.max()), basis) if len(dates) else None


def own_list_scope(own: CityList) -> SourceScope:
    """What a city's own list holds, as it declares it (``[[lists]]`` in city.toml)."""
    return SourceScope(
        key=f"list:{own.name}", kind="official_list" if own.operator != "mixed" else "city_list",
        label=own.source, operator=own.operator, exhaustive=own.exhaustive,
        vintage=own.vintage, family=own.family, dated="installed" in own.columns,
    )


def catalogue(city: City) -> dict[str, SourceScope]:
    """Every list ``city`` may read, by name: geocover's (:data:`KNOWN_SOURCES`) and the
    city's own (``[[lists]]``)."""
    return {**KNOWN_SOURCES, **{o.name: own_list_scope(o) for o in city.own_lists}}


def _choices(known: dict[str, SourceScope]) -> str:
    return "; ".join(f"{name} ({scope.family}, {scope.vintage or 'undated'})"
                     for name, scope in known.items())


def choose_lists(city: City, wanted: list[str] | None) -> list[str]:
    """The camera lists to read.

    By default, of each family among the city's ``sources.lists`` and its own lists
    (versions of one list are vintages of one source), the newest vintage: never two
    versions of one list, which would count the same cameras twice. ``wanted`` names
    exactly the lists to read.

    Raises
    ------
    UsageError
        ``all`` (no longer accepted), an unknown name, or two vintages of one family.
    """
    known = catalogue(city)
    for name in city.lists:
        if name not in known:
            raise UsageError(f"{city.folder / 'city.toml'}: unknown camera list {name!r}; "
                             f"known: {', '.join(known)}")
    if not wanted:
        newest: dict[str, str] = {}
        for name in [*city.lists, *(o.name for o in city.own_lists)]:
            family = known[name].family
            vintage = known[name].vintage
            if family not in newest or vintage > known[newest[family]].vintage:
                newest[family] = name
        return list(newest.values())
    if "all" in wanted:
        raise UsageError(
            "the list 'all' is no longer accepted: versions of one list are vintages of one "
            "source and are never added together. Choose lists by name (one per family): "
            f"{_choices(known)}", hint="list",
        )
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise UsageError(f"unknown camera list {unknown[0]!r}; choose from: {_choices(known)}")
    seen: dict[str, str] = {}
    for name in wanted:
        family = known[name].family
        if family in seen and seen[family] != name:
            raise UsageError(
                f"the lists {seen[family]} and {name} are two vintages of one source "
                f"({family}): they would count the same cameras twice; choose one",
                hint="list",
            )
        seen[family] = name
    return list(dict.fromkeys(wanted))


def load_camera_layers(
    city: City,
    *,
    bundle: Path | None,
    camera_files: list[Path] | None = None,
    lists: list[str] | None = None,
    osm_extract: str | None = None,
    area: object | None = None,
    tr: Translator | None = None,
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
        default the city's slug, else the newest ``osm/<slug>-*-surveillance.overpass.json``.
    area : shapely geometry, optional
        Where cameras are wanted (EPSG:4326): a map of many cities (the citizen map) is
        read only there, the rest counted.
    """
    # Reading makes a few hundred thousand dicts and lists (features, tags, rows), none in
    # a reference cycle: the cycle collector would walk them again and again for nothing.
    with collector_paused():
        return _load_camera_layers(city, bundle=bundle, camera_files=camera_files,
                                   lists=lists, osm_extract=osm_extract, area=area, tr=tr)


def _load_camera_layers(
    city: City,
    *,
    bundle: Path | None,
    camera_files: list[Path] | None,
    lists: list[str] | None,
    osm_extract: str | None,
    area: object | None,
    tr: Translator | None,
) -> CameraLayers:
    out = CameraLayers(empty_cameras(), tr=tr or translator("en"))
    frames: list[gpd.GeoDataFrame] = []
    if camera_files:
        for path in camera_files:
            frame, problems, record = read_cameras_file(path, bundle)
            frames.append(frame)
            out.problems += problems
            vintage = str(record.vintage or "")[:10]
            for key in sorted({source_key(i) for i in frame["id"]}):
                kind = "osm" if key == "osm" else "file"
                out.scopes.setdefault(key, KNOWN_SOURCES.get(key.removeprefix("list:"))
                                      or SourceScope(key=key, kind=kind, vintage=vintage,
                                                     label=f"file {Path(path).name}"))
            out.sources.append(record)
    else:
        chosen = choose_lists(city, lists)
        # The citizen map is the largest file (25,000 features of all France, 0.11 s to
        # read): a forked copy of this process reads it while this one reads the others,
        # then does what was left for a wait (the map command imports folium).
        early = None
        if citizen.KEY in chosen and bundle is not None and (bundle / citizen.PATH).is_file():
            from geocover.model.forked import in_child

            path = bundle / citizen.PATH
            early = in_child(lambda: citizen.load_citizen_map(path, area=area))  # type: ignore[arg-type]
        if city.osm:
            _osm(city, bundle, osm_extract, out, frames)
        own = {o.name: o for o in city.own_lists}
        for name in chosen:
            if name == citizen.KEY:
                _citizen(bundle, area, out, frames, early)
                continue
            if name in own:
                _own_list(city, own[name], bundle, out, frames)
                continue
            definition = LISTS[name]
            if bundle is None or not (bundle / definition.path).is_file():
                out.warnings.append(f"official list {name}: not available "
                                    f"(needs the bundle's {definition.path})")
                continue
            frame, problems = load_list(definition, bundle)
            frames.append(frame)
            out.problems += problems
            out.scopes[f"list:{name}"] = definition.scope()
            out.sources.append(file_source(
                "cameras", [bundle / definition.path], origin=f"list:{name} ({definition.source})",
                bundle=bundle, count=len(frame),
                fallback=_latest(frame, "installed", "latest installation date in the list")))
        if city.cameras_file is not None and city.cameras_file.is_file():
            frame = load_contributions(city.cameras_file)
            frames.append(frame)
            out.scopes["contrib"] = CONTRIB_SCOPE
            latest = _latest(frame, "check_date", "latest check_date of the contributions")
            out.sources.append(file_source(
                "cameras", [city.cameras_file],
                origin=f"contributions:{display_path(city.cameras_file)}", bundle=bundle,
                attribution=CONTRIBUTORS, count=len(frame),
                own=latest or DataDate(None,
                                       f"{DATE_UNKNOWN}: no check_date in the contributions")))
    frames = [f for f in frames if not f.empty]
    if frames:
        merged = pd.concat(frames, ignore_index=True)
        merged = merged.drop_duplicates(subset="id", keep="first").reset_index(drop=True)
        out.cameras = gpd.GeoDataFrame(merged, geometry="geometry", crs=frames[0].crs)
    if out.problems:
        out.warnings.append(f"{len(out.problems)} camera tag values could not be read and fell "
                            "back to defaults (geocover cameras check lists them)")
    return out


def _own_list(city: City, own: CityList, bundle: Path | None, out: CameraLayers,
              frames: list[gpd.GeoDataFrame]) -> None:
    """A list the city declares (``[[lists]]``), read in place; a column the file does
    not have, or a row it cannot read, is an error of the declaration."""
    try:
        frame, problems = from_list(
            own.file, list_id=own.name, mapping=own.columns, lat=own.lat, lon=own.lon,
            precision=own.precision, installed_format=own.installed_format, source=own.source)
    except (DataError, UsageError) as exc:
        raise ConfigError(f"{own.entry}: {exc}", city.folder / "city.toml") from None
    frames.append(frame)
    out.problems += problems
    out.scopes[f"list:{own.name}"] = own_list_scope(own)
    out.sources.append(file_source(
        "cameras", [own.file], origin=f"list:{own.name} ({own.source}; declared in city.toml)",
        bundle=bundle, attribution=own.attribution or None, count=len(frame),
        own=DataDate(own.vintage, "declared in city.toml", own.licence or None,
                     own.attribution or None)))


def _osm(city: City, bundle: Path | None, extract: str | None, out: CameraLayers,
         frames: list[gpd.GeoDataFrame]) -> None:
    if bundle is not None:
        path = _osm_extract(bundle, extract or city.slug, exact=extract is not None)
        if path is None:
            out.sources.append(no_source(
                "cameras", f"OpenStreetMap: no extract for {city.name} in the bundle "
                f"(looked for {extract or city.slug}-surveillance.overpass.json); live sources "
                "would query Overpass", OSM))
            return
        name = path.name.removesuffix("-surveillance.overpass.json")
        data = overpass._read_bundle_json(path)
        cams, problems = from_overpass(data)
        out.problems += problems
        own = osm_date(data)
        frames.append(cams)
        record = file_source("cameras", [path], origin=f"OpenStreetMap bundle:osm/{path.name}",
                             bundle=bundle, attribution=OSM, count=len(cams), own=own)
        date = str(record.vintage or "")[:10]
        out.scopes["osm"] = SourceScope(key="osm", kind="osm", label=f"OpenStreetMap ({date})",
                                        operator="mixed", vintage=date, family="osm")
        out.sources.append(record)
        for layer in ("buildings", "highways"):
            other = path.with_name(f"{name}-{layer}.overpass.json")
            if not other.is_file():
                continue
            raw = overpass._read_bundle_json(other)
            parse = overpass.parse_buildings if layer == "buildings" else overpass.parse_highways
            frame = parse(raw)
            setattr(out, layer, frame)
            out.sources.append(file_source(layer, [other],
                                           origin=f"OpenStreetMap bundle:osm/{other.name}",
                                           bundle=bundle, attribution=OSM, count=len(frame),
                                           own=osm_date(raw)))
        _ = out.tr.gettext
        missing = [what for what, layer in ((_("no occlusion by buildings"), "buildings"),
                                            (_("no street share"), "highways"))
                   if getattr(out, layer) is None]
        if missing:
            out.notes.append(_("The OpenStreetMap extract {file} holds cameras only (no "
                               "buildings or highways file goes with it): {missing}.").format(
                file=path.name, missing=", ".join(missing)))
        return
    try:
        cams, problems, answer = overpass.fetch_cameras(city.insee)
    except SourceError as exc:
        out.warnings.append(f"OpenStreetMap cameras unavailable: {exc}")
        out.sources.append(no_source("cameras", "OpenStreetMap (Overpass): unavailable", OSM))
        return
    frames.append(cams)
    out.problems += problems
    stale = " (cached copy: the network failed)" if answer.stale else ""
    record = live_source("cameras", origin=f"OpenStreetMap (Overpass){stale}",
                         url=answer.url, retrieved=answer.retrieved, attribution=OSM,
                         count=len(cams), own=osm_date(answer.data))
    out.scopes["osm"] = SourceScope(key="osm", kind="osm", label="OpenStreetMap (Overpass)",
                                    operator="mixed", family="osm",
                                    vintage=str(record.vintage
                                                or answer.retrieved.date().isoformat())[:10])
    out.sources.append(record)
    fetchers = (("buildings", overpass.fetch_buildings), ("highways", overpass.fetch_highways))
    for layer, fetch in fetchers:
        try:
            frame, answer = fetch(city.insee)
        except SourceError as exc:
            out.warnings.append(f"OpenStreetMap {layer} unavailable: {exc}")
            continue
        setattr(out, layer, frame)
        out.sources.append(live_source(layer, origin="OpenStreetMap (Overpass)", url=answer.url,
                                       retrieved=answer.retrieved, attribution=OSM,
                                       count=len(frame), own=osm_date(answer.data)))


def _osm_extract(bundle: Path, name: str, *, exact: bool) -> Path | None:
    """``osm/<name>-surveillance.overpass.json``, else (unless ``exact``) the newest
    ``osm/<name>-<date>-surveillance.overpass.json``."""
    path = bundle / "osm" / f"{name}-surveillance.overpass.json"
    if path.is_file() or exact:
        return path if path.is_file() else None
    dated = sorted((bundle / "osm").glob(f"{name}-*-surveillance.overpass.json"))
    return dated[-1] if dated else None


def _citizen(bundle: Path | None, area: object | None, out: CameraLayers,
             frames: list[gpd.GeoDataFrame], early: Any = None) -> None:
    """The citizen map's cameras in ``area``; ``early``: a forked process reading them
    (:func:`~geocover.model.forked.in_child`), else they are read here (and here again if
    that process failed: its error then shows whole)."""
    if bundle is None or not (bundle / citizen.PATH).is_file():
        out.warnings.append(f"citizen map {citizen.KEY}: not available (needs the bundle's "
                            f"{citizen.PATH})")
        return
    read = None
    if early is not None:
        try:
            read = early.result()
        except RuntimeError:
            read = None
    if read is None:
        read = citizen.load_citizen_map(bundle / citizen.PATH, area=area)  # type: ignore[arg-type]
    frame, counts = read
    frames.append(frame)
    out.scopes[citizen.SCOPE.key] = citizen.SCOPE
    out.sources.append(file_source("cameras", [bundle / citizen.PATH],
                                   origin=f"list:{citizen.KEY} ({citizen.SCOPE.label})",
                                   bundle=bundle, attribution="sous-surveillance.net",
                                   count=len(frame)))
    if counts["outside"]:
        out.notes.append(out.tr.gettext(
            "The citizen map holds {read} cameras; the {outside} outside this area were not "
            "read.").format(read=out.tr.integer(counts["read"]),
                            outside=out.tr.integer(counts["outside"])))


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
            what=f"Overpass {kind} of {city.name} ({city.insee})", source="overpass",
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
