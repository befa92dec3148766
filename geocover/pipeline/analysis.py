"""One city, end to end: load the layers, compute the figures, judge the claims.

:func:`analyse` is what ``geocover report`` and ``geocover map`` run and what the
notebooks call; it returns an :class:`Analysis` holding every layer and figure, so
an analyst can inspect or re-compute any of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from geocover import settings
from geocover.i18n import Translator, check_lang, default_lang, translator
from geocover.model import fov
from geocover.model.coverage import (
    CameraCoverage,
    Capacity,
    CommuneFigures,
    PerimeterFigures,
    camera_coverage,
    capacity,
    commune_figures,
    perimeter_figures,
)
from geocover.model.crs import metric_crs, to_degrees
from geocover.pipeline import coverage_cache
from geocover.pipeline import provenance as _provenance
from geocover.pipeline.provenance import Provenance
from geocover.pipeline.sites import SiteMatching, match_sources
from geocover.schema.city import City
from geocover.schema.perimeters import PerimeterSet, empty_perimeters
from geocover.schema.provenance import SourceRecord
from geocover.sources.city import resolve_city
from geocover.sources.communes import neighbours_from_bundle, read_commune
from geocover.sources.layers import CameraLayers, load_camera_layers
from geocover.sources.perimeters import ATTRIBUTION as PERIMETERS_ATTRIBUTION
from geocover.sources.perimeters import load_perimeters
from geocover.sources.records import no_source
from geocover.verdicts.claims import Facts, Verdict, evaluate
from geocover.verdicts.compliance import Compliance, ComplianceLayers, compliance
from geocover.verdicts.counts import CameraEvidence

Source = SourceRecord


class FieldsOfView(MutableMapping[str, gpd.GeoSeries]):
    """Preset name → each camera's field of view in EPSG:4326, reprojected on first access.

    The engine computes fields of view in the analysis' metric CRS; the report never needs
    them in degrees (reprojecting Paris's six presets costs about half a second), the map
    and the figures do. Each preset is reprojected once, when first read, and kept.
    :meth:`metric` gives the computation's own series, in the metric CRS.
    """

    def __init__(self, metric: dict[str, gpd.GeoSeries] | None = None) -> None:
        self._metric: dict[str, gpd.GeoSeries] = dict(metric or {})
        self._storage: dict[str, gpd.GeoSeries] = {}
        #: The presets whose coverage was read from :mod:`coverage_cache` (the same
        #: inputs as an earlier command's) rather than computed.
        self.reused: tuple[str, ...] = ()
        #: Preset → its coverage_cache entry, where the reprojected fields are kept too.
        self.entries: dict[str, str] = {}
        #: The presets whose fields are the model's own (:func:`~geocover.model.fov.
        #: fields_of_view` of :func:`modelled_cameras`, unoccluded or not), not set by a
        #: caller: the map may draw those from the model's numbers.
        self.modelled: set[str] = set()
        #: Preset → the :func:`~geocover.model.fov.sectors` its modelled fields were drawn
        #: from (unoccluded, computed in this process): what the map draws them from.
        self.sectors: dict[str, fov.Sectors] = {}

    def metric(self, preset: str) -> gpd.GeoSeries:
        """The fields of view of ``preset`` in the metric CRS they were computed in."""
        return self._metric[preset]

    def __getitem__(self, preset: str) -> gpd.GeoSeries:
        out = self._storage.get(preset)
        if out is None:
            metric = self._metric[preset]
            entry = self.entries.get(preset, "")
            out = coverage_cache.load_degrees(entry, metric) if entry else None
            if out is None:
                out = to_degrees(metric)  # (= to_crs(EPSG:4326) to 1e-9°, faster)
                if entry:
                    coverage_cache.store_degrees(entry, out)
            self._storage[preset] = out
        return out

    def __setitem__(self, preset: str, series: gpd.GeoSeries) -> None:
        self._metric[preset] = series
        self._storage.pop(preset, None)
        self.entries.pop(preset, None)
        self.modelled.discard(preset)
        self.sectors.pop(preset, None)

    def __delitem__(self, preset: str) -> None:
        del self._metric[preset]
        self._storage.pop(preset, None)
        self.modelled.discard(preset)
        self.sectors.pop(preset, None)

    def __contains__(self, preset: object) -> bool:
        return preset in self._metric  # (Mapping's would reproject to answer)

    def __iter__(self) -> Iterator[str]:
        return iter(self._metric)

    def __len__(self) -> int:
        return len(self._metric)

    def __repr__(self) -> str:
        return f"FieldsOfView({list(self._metric)})"


@dataclass
class Analysis:
    """Everything one run computed for a city."""

    city: City
    bundle: Path | None
    crs: str
    commune: gpd.GeoDataFrame
    commune_figures: CommuneFigures
    perimeters: PerimeterSet
    perimeter_figures: PerimeterFigures
    verdicts: list[Verdict]
    sources: list[Source]
    warnings: list[str] = field(default_factory=list)
    cameras: gpd.GeoDataFrame | None = None
    """Camera sites, matched across sources (camera schema with ``site_ids`` and
    ``site_sources``, EPSG:4326); None when no camera source was read."""
    matching: SiteMatching | None = None
    """Every camera read, its site, the overlap table, sensitivity and estimates."""
    notes: list[str] = field(default_factory=list)
    """What the sources read cannot tell (cameras-only extracts, maps read in part)."""
    buildings: gpd.GeoDataFrame | None = None
    """Building footprints (EPSG:4326), when known: fields of view are then occluded."""
    highways: gpd.GeoDataFrame | None = None
    """Streets (EPSG:4326), when known: for the share of street length seen."""
    fields: FieldsOfView = field(default_factory=FieldsOfView)
    """Preset name → each camera's field of view (EPSG:4326, occluded when buildings are
    known; reprojected when first read, see :class:`FieldsOfView`)."""
    camera_coverage: dict[str, CameraCoverage] = field(default_factory=dict)
    """Preset name → coverage figures of the mapped cameras (their ``geometry``: the area
    seen, in ``crs``)."""
    presets: tuple[str, ...] = ()
    capacity: list[Capacity] = field(default_factory=list)
    """The sensitivity band: what the claimed cameras could see at most, per preset."""
    cameras_outside_perimeters: list[str] | None = None
    """Ids of mapped cameras outside every authorized perimeter (None: no perimeter)."""
    camera_problems: list[Any] = field(default_factory=list)
    cameras_inside: int = 0
    """Mapped cameras inside the commune (a list may hold sites beyond it)."""
    generated: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )
    compliance: Compliance | None = None
    """The four compliance tables, judged as of ``today`` (:mod:`geocover.verdicts.compliance`)."""
    provenance: Provenance | None = None
    """Version, software, sources with their dates, sha256 of every file read, layer checksums."""
    extra: dict[str, Any] = field(default_factory=dict)
    lang: str = "fr"
    """The readers' language of every text of this analysis (verdicts, report, map):
    ``analyse(lang=…)``, else ``$GEOCOVER_LANG``, else the city's ``lang``."""
    _neighbours: gpd.GeoDataFrame | None = field(default=None, repr=False)
    _neighbours_read: bool = field(default=False, repr=False)

    @property
    def neighbours(self) -> gpd.GeoDataFrame | None:
        """Bordering communes (for the map), when the bundle has them, else None.

        Read on first use, and kept: only the map and the figures draw them, and reading
        them (the département's communes through GDAL, the bundle's neighbours file) cost
        every report ~20 ms."""
        if not self._neighbours_read:
            self._neighbours_read = True
            if self.bundle is not None:
                self._neighbours = neighbours_from_bundle(self.bundle, self.commune)
        return self._neighbours

    @neighbours.setter
    def neighbours(self, frame: gpd.GeoDataFrame | None) -> None:
        self._neighbours, self._neighbours_read = frame, True

    @property
    def tr(self) -> Translator:
        """The :class:`~geocover.i18n.Translator` of :attr:`lang`."""
        return translator(self.lang)


def resolve_bundle(bundle: str | Path | None) -> Path | None:
    """The bundle argument, else ``$GEOCOVER_BUNDLE``, else None (live sources)."""
    if bundle is not None:
        return Path(bundle)
    return settings.bundle_from_env()


def analyse(
    city: str | City | None = None,
    *,
    insee: str | None = None,
    bundle: str | Path | None = None,
    commune_file: str | Path | None = None,
    perimeters: str | Path | None = None,
    assume_crs: str | None = None,
    on_invalid: str = "raise",
    data_dir: Path | None = None,
    today: dt.date | None = None,
    cameras: list[str | Path] | None = None,
    lists: list[str] | None = None,
    presets: tuple[str, ...] | list[str] | None = None,
    osm_extract: str | None = None,
    osm: bool | None = None,
    lang: str | None = None,
) -> Analysis:
    """Run the coverage check of ``city`` (a slug under ``data/``, or any commune by
    ``insee`` code).

    Parameters
    ----------
    bundle : path, optional
        Offline bundle folder; default ``$GEOCOVER_BUNDLE``; without one, live sources.
    perimeters : path, optional
        A perimeter file to use instead of the city's (to test a digitization).
    assume_crs : str, optional
        CRS to assume for a perimeter file that declares none.
    on_invalid : {"raise", "repair"}
        What to do with an invalid perimeter polygon (see :func:`load_perimeters`).
    cameras : list of paths, optional
        Camera layers (GeoJSON or CSV) used instead of the city's configured sources.
    lists : list of str, optional
        Camera lists to read (default: the newest vintage of each family of the city's lists).
    presets : sequence of str, optional
        Field-of-view presets to report side by side (default ``fov.DEFAULT_PRESETS``).
    osm_extract : str, optional
        Name of the bundle's OSM extract to use (default: the city's slug).
    osm : bool, optional
        False: do not read OpenStreetMap (default: the city's ``sources.osm``).
    lang : {"fr", "en"}, optional
        The readers' language (default ``$GEOCOVER_LANG``, else the city's ``lang``).
    """
    cfg = city if isinstance(city, City) else resolve_city(city, insee, data_dir)
    lang = check_lang(lang) if lang else default_lang(cfg.lang)
    if osm is not None:
        cfg = replace(cfg, osm=osm)
    bundle_path = resolve_bundle(bundle)
    generated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    commune, commune_source = read_commune(cfg.insee, bundle=bundle_path, path=commune_file,
                                           official_area_km2=cfg.official_area_km2)
    if cfg.name == cfg.insee:  # an unconfigured commune: take its name from the boundary
        cfg = replace(cfg, name=str(commune["name"].iloc[0]))
    crs = metric_crs(commune)
    cfigures = commune_figures(commune, cfg.official_area_km2, crs)

    perimeter_path = Path(perimeters) if perimeters is not None else cfg.perimeters_file
    warnings: list[str] = []
    if perimeter_path is not None and (perimeters is not None or perimeter_path.is_file()):
        pset = load_perimeters(
            perimeter_path, assume_crs=assume_crs, on_invalid=on_invalid, today=today  # type: ignore[arg-type]
        )
    else:
        pset = PerimeterSet(empty_perimeters(), None)
    warnings.extend(pset.warnings)
    pfigures = perimeter_figures(
        pset.frame, commune, official_area_km2=cfg.official_area_km2, crs=crs
    )
    tr = translator(lang)
    for pid, km2 in pfigures.outside_by_id.items():
        warnings.append(tr.gettext("perimeter {id}: {area} outside the commune, clipped "
                                   "away").format(id=pid, area=tr.km2(km2, 3)))

    sources = [
        commune_source,
        pset.source or no_source("perimeters", "none digitized", PERIMETERS_ATTRIBUTION,
                                 pset.count),
    ]
    layers = load_camera_layers(
        cfg,
        bundle=bundle_path,
        camera_files=[Path(c) for c in cameras] if cameras else None,
        lists=lists,
        osm_extract=osm_extract,
        area=shapely.box(*commune.to_crs(settings.STORAGE_CRS).total_bounds).buffer(0.01),
        tr=translator(lang),
    )
    sources += layers.sources
    warnings += layers.warnings
    matching = match_sources(layers.cameras, commune, crs, layers.scopes)
    layers.cameras = matching.sites
    chosen = tuple(presets) if presets else fov.DEFAULT_PRESETS
    for name in chosen:
        fov.get_preset(name)  # an unknown preset is a usage error before any work
    coverage, fields, outside = _coverage(commune, pset, layers, crs, chosen)

    facts = Facts(
        commune=cfigures,
        perimeters=pfigures,
        perimeters_file=perimeter_path,
        cameras_mapped=len(layers.cameras),
        cameras_installed_by=_installed_by(cfg, layers.cameras),
        cameras=CameraEvidence(matching.records, matching.labels, matching.inside, layers.scopes),
        perimeters_complete=pset.complete,
        perimeters_as_of=pset.complete_as_of,
        perimeter_layer=pset.frame if pset.count else None,
    )
    band = _capacity(cfg, chosen, cfigures.area_km2)
    facts.capacity_km2 = {c.preset: c.dome_km2 for c in band}
    verdicts = evaluate(cfg, facts, translator(lang))
    judged = today or dt.date.fromisoformat(generated[:10])
    toml = Path(cfg.folder) / "city.toml" if Path(cfg.folder) != Path(".") else None
    return Analysis(
        lang=lang,
        city=cfg,
        bundle=bundle_path,
        crs=crs,
        commune=commune,
        commune_figures=cfigures,
        perimeters=pset,
        perimeter_figures=pfigures,
        verdicts=verdicts,
        sources=sources,
        warnings=warnings,
        cameras=layers.cameras,
        matching=matching,
        notes=layers.notes,
        buildings=layers.buildings,
        highways=layers.highways,
        fields=fields,
        camera_coverage=coverage,
        presets=chosen,
        capacity=band,
        cameras_outside_perimeters=outside,
        camera_problems=layers.problems,
        cameras_inside=_inside(layers.cameras, commune),
        generated=generated,
        compliance=compliance(ComplianceLayers(commune, pset.frame, layers.cameras, crs), judged),
        provenance=_provenance.of_analysis(
            city_toml=toml, sources=sources,
            layers={"commune": commune, "perimeters": pset.frame, "cameras": layers.cameras,
                    "buildings": layers.buildings},
            presets=chosen, generated=generated, bundle=bundle_path),
    )


def modelled_cameras(cameras: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """The cameras whose fields of view the analysis models, in its metric ``crs``: all
    but the indoor ones (``surveillance=indoor`` films a shop or a hall, not public
    space). ``Analysis.fields`` is indexed like them."""
    outdoor = cameras["surveillance"].astype(str).str.lower() != "indoor"
    return cameras[outdoor].to_crs(crs)


def _coverage(
    commune: gpd.GeoDataFrame, pset: PerimeterSet, layers: CameraLayers, crs: str,
    presets: tuple[str, ...],
) -> tuple[dict[str, CameraCoverage], FieldsOfView, list[str] | None]:
    """Coverage per preset, each camera's field of view, cameras outside every perimeter.
    Every layer is projected once."""
    commune_m = commune.to_crs(crs).geometry.iloc[0]
    cameras_m = modelled_cameras(layers.cameras, crs)
    buildings_m = None if layers.buildings is None else layers.buildings.to_crs(crs)
    highways_m = None if layers.highways is None else layers.highways.to_crs(crs)
    perimeters_m = None
    outside = None
    if pset.count:
        perimeters_m = shapely.intersection(
            shapely.union_all(pset.frame.to_crs(crs).geometry.to_numpy()), commune_m
        )
        inside = shapely.intersects(cameras_m.geometry.to_numpy(), perimeters_m)
        outside = cameras_m["id"][~inside].astype(str).tolist()
    coverage: dict[str, CameraCoverage] = {}
    fields = FieldsOfView()
    reused: list[str] = []
    # The same inputs as a previous command's: its result (see coverage_cache).
    entries = coverage_cache.keys(
        cameras_m, commune_m, {name: fov.get_preset(name) for name in presets}, crs,
        buildings_m=buildings_m, highways_m=highways_m, perimeters_m=perimeters_m,
    ) if coverage_cache.enabled(len(cameras_m)) else {}
    hits = {}
    for name in presets:
        entry = entries.get(name, "")
        hit = coverage_cache.load(entry, cameras_m) if entry else None
        if hit is not None:
            hits[name] = hit
            reused.append(name)

    missing = [name for name in presets if name not in hits]
    side_by_side = len(missing) > 1 and len(cameras_m) > 0
    # The presets side by side share the cores: each union then keeps to its own thread
    # where there are no more cores than presets (nested pools only contend: six presets
    # of Paris on two cores, 0.86 s -> 0.81 s, 1.57 -> 1.43 s of CPU).
    from geocover.model.threads import default_workers

    inner = max(1, default_workers() // len(missing)) if side_by_side else None
    # Each preset's wedges and discs, drawn once: for its fields, its place in the order
    # and the map's sector layers.
    tables = {name: fov.sectors(cameras_m, name) for name in missing}

    def compute(name: str) -> Callable[[], tuple[CameraCoverage, gpd.GeoSeries]]:
        return lambda: camera_coverage(
            cameras_m, commune_m, name,
            buildings_m=buildings_m, highways_m=highways_m, perimeters_m=perimeters_m,
            workers=inner, sectors=tables.get(name),
        )

    if side_by_side:
        # The presets side by side: fields of view and unions mostly wait on numpy and
        # GEOS (six presets of Paris: 1.8 s -> 1.55 s), the costliest first (else the
        # last one runs alone: 3° wedges of Paris, 0.2 s on one core of two).
        from geocover.model.threads import in_threads

        area = commune_m.area
        order = sorted(missing, key=lambda n: -fov.union_cost(tables[n], area))
        computed = dict(zip(order, in_threads([compute(n) for n in order]), strict=True))
    else:
        computed = {name: compute(name)() for name in missing}
    for name in presets:
        entry = entries.get(name, "")
        if name in hits:
            figures, geoms = hits[name]
        else:
            figures, geoms = computed[name]
            if entry:
                coverage_cache.store(entry, figures, geoms)
        coverage[name] = figures
        fields[name] = geoms  # metric; reprojected when the map or the figures read it
        fields.modelled.add(name)
        if name in tables and not figures.occluded:
            fields.sectors[name] = tables[name]
        if entry:
            fields.entries[name] = entry
    fields.reused = tuple(reused)
    return coverage, fields, outside


def _latest_count(city: City) -> int | None:
    counts = city.claims_of("camera_count")
    if counts:
        return int(max(counts, key=lambda c: c.as_of or "").value)
    return city.official_camera_count


def _capacity(city: City, presets: tuple[str, ...], commune_km2: float) -> list[Capacity]:
    n = _latest_count(city)
    if n is None:
        return []
    areas = city.claims_of("authorized_area_km2")
    return capacity(n, presets, authorized_km2=areas[0].value if areas else None,
                    commune_km2=commune_km2)


def _installed_by(city: City, cameras: gpd.GeoDataFrame) -> dict[str, int]:
    """For each dated camera-count claim: mapped cameras installed by then (only when
    some mapped camera has an installation date)."""
    if cameras.empty or "installed" not in cameras:
        return {}
    dates = cameras["installed"].dropna().astype(str)
    if dates.empty:
        return {}
    out = {}
    for claim in city.claims_of("camera_count"):
        if claim.as_of:
            # "2014-11" counts everything installed up to the end of November 2014.
            limit = claim.as_of + "-99" if len(claim.as_of) < 10 else claim.as_of
            out[claim.as_of] = int((dates <= limit).sum())
    return out


def _inside(cameras: gpd.GeoDataFrame, commune: gpd.GeoDataFrame) -> int:
    """How many of ``cameras`` lie within the commune."""
    if cameras.empty or cameras.crs is None:
        return 0
    return int(cameras.within(commune.to_crs(cameras.crs).geometry.iloc[0]).sum())
