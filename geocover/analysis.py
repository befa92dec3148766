"""One city, end to end: load the layers, compute the figures, judge the claims.

:func:`analyse` is what ``geocover report`` and ``geocover map`` run and what the
notebooks call; it returns an :class:`Analysis` holding every layer and figure, so
an analyst can inspect or re-compute any of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd

from . import settings
from .city import City, resolve_city
from .claims import Facts, Verdict, evaluate
from .communes import ATTRIBUTION, load_commune, metric_crs
from .coverage import CommuneFigures, PerimeterFigures, commune_figures, perimeter_figures
from .perimeters import PerimeterSet, empty_perimeters, load_perimeters


@dataclass(frozen=True)
class Source:
    """Where a layer came from, when, and under which licence."""

    layer: str
    origin: str
    retrieved: str
    attribution: str
    count: int | None = None


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
    neighbours: gpd.GeoDataFrame | None = None
    """Bordering communes (for the map), when the source has them."""
    cameras: gpd.GeoDataFrame | None = None
    """Camera sites (camera schema, EPSG:4326); None when no camera source was read."""
    buildings: gpd.GeoDataFrame | None = None
    """Building footprints (EPSG:4326), when known: fields of view are then occluded."""
    highways: gpd.GeoDataFrame | None = None
    """Streets (EPSG:4326), when known: for the share of street length seen."""
    fields: dict[str, gpd.GeoSeries] = field(default_factory=dict)
    """Preset name → each camera's field of view (EPSG:4326, occluded when buildings are known)."""
    camera_coverage: dict[str, Any] = field(default_factory=dict)
    """Preset name → coverage figures of the mapped cameras."""
    presets: tuple[str, ...] = ()
    generated: str = field(
        default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    )
    extra: dict[str, Any] = field(default_factory=dict)


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
    """
    cfg = city if isinstance(city, City) else resolve_city(city, insee, data_dir)
    bundle_path = resolve_bundle(bundle)
    commune = load_commune(cfg.insee, bundle=bundle_path, path=commune_file)
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
    for pid, km2 in pfigures.outside_by_id.items():
        warnings.append(f"perimeter {pid}: {km2:.3f} km² outside the commune, clipped away")

    sources = [
        Source(
            "commune",
            str(commune["source"].iloc[0]),
            str(commune["retrieved"].iloc[0]),
            ATTRIBUTION["geo.api.gouv.fr" if "geo.api" in str(commune["source"].iloc[0])
                        else "bundle" if str(commune["source"].iloc[0]).startswith("bundle") else "file"],
        ),
        Source(
            "perimeters",
            str(pset.path) if pset.path else "none digitized",
            _mtime(pset.path),
            "digitized from prefectoral decrees (see each perimeter's decree_ref)",
            pset.count,
        ),
    ]
    facts = Facts(commune=cfigures, perimeters=pfigures, perimeters_file=perimeter_path)
    verdicts = evaluate(cfg, facts)
    return Analysis(
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
    )


def _mtime(path: Path | None) -> str:
    if path is None or not path.exists():
        return ""
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).date().isoformat()
