"""Benchmark inputs: synthetic generators (fixed seeds) and real data from the bundle.

Everything synthetic is labelled ``synthetic`` in the results: the geometries are
made up by the code below from a fixed seed, only their container (the Metz
polygon, Monaco's buildings) is real. The real inputs are read from the offline
bundle (``../shared/data`` seen from the repository root, or ``$GEOCOVER_BUNDLE``);
nothing from it is copied into the repository.

All geometries are returned in a metric CRS: EPSG:2154 (Lambert-93) for Metz
and Paris, EPSG:32632 (UTM 32N) for Monaco, which lies outside Lambert-93's area.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

#: The seed of every synthetic generator (each derives its own stream from it).
SEED = 20240607
#: Field-of-view shape used throughout: 60° aperture, 50 m reach, arc in 32 segments.
APERTURE_DEG = 60.0
RADIUS_M = 50.0
ARC_SEGMENTS = 32
#: Discs: shapely.buffer(point, 50, quad_segs=16), i.e. 64 segments.
DISC_QUAD_SEGS = 16

METZ_CONTOUR = "geo-api/communes-57463-contour.json"
PARIS_CONTOUR = "communes/paris-75056-adminexpress2018.geojson"
PARIS_CAMERAS = "cameras/paris-pvpp-circa2013.geojson"
MONACO_BUILDINGS = "osm/monaco-buildings.overpass.json"
LAMBERT93 = "EPSG:2154"
UTM32N = "EPSG:32632"


def bundle_dir() -> Path:
    """The offline data bundle: ``$GEOCOVER_BUNDLE`` or ``<repo>/../shared/data``."""
    env = os.environ.get("GEOCOVER_BUNDLE")
    if env:
        return Path(env)
    return (Path(__file__).resolve().parent.parent / ".." / "shared" / "data").resolve()


def _bundle_file(rel: str) -> Path:
    p = bundle_dir() / rel
    if not p.is_file():
        raise FileNotFoundError(
            f"{p} not found: set GEOCOVER_BUNDLE to the offline data folder "
            "(see benchmarks/README.md)"
        )
    return p


def _read_polygon(rel: str, crs: str) -> shapely.Geometry:
    import geopandas as gpd

    gdf = gpd.read_file(_bundle_file(rel), engine="pyogrio").to_crs(crs)
    return shapely.union_all(gdf.geometry.values)


def metz_polygon() -> shapely.Geometry:
    """The Metz commune polygon (geo.api.gouv.fr contour shape) in EPSG:2154."""
    return _read_polygon(METZ_CONTOUR, LAMBERT93)


def paris_polygon() -> shapely.Geometry:
    """The Paris commune polygon (ADMIN EXPRESS 2018, simplified) in EPSG:2154."""
    return _read_polygon(PARIS_CONTOUR, LAMBERT93)


def paris_cameras() -> np.ndarray:
    """The 1,389 real camera sites of the Paris PVPP (c. 2013), points in EPSG:2154."""
    import geopandas as gpd

    gdf = gpd.read_file(_bundle_file(PARIS_CAMERAS), engine="pyogrio").to_crs(LAMBERT93)
    return np.asarray(gdf.geometry.values)


def random_points_in(polygon: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniformly at random inside ``polygon`` (rejection sampling).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 2)`` float64 coordinates.
    """
    xmin, ymin, xmax, ymax = polygon.bounds
    shapely.prepare(polygon)
    out = np.empty((0, 2))
    while len(out) < n:
        k = int((n - len(out)) * 1.6) + 64
        xy = np.column_stack([rng.uniform(xmin, xmax, k), rng.uniform(ymin, ymax, k)])
        out = np.concatenate([out, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]])
    return out[:n]


def wedges(
    xy: np.ndarray,
    azimuth_deg: np.ndarray,
    *,
    aperture_deg: float = APERTURE_DEG,
    radius: float = RADIUS_M,
    segments: int = ARC_SEGMENTS,
) -> np.ndarray:
    """Circular sectors (apex at each point), built vectorized.

    Parameters
    ----------
    xy : numpy.ndarray
        ``(n, 2)`` apex coordinates in a metric CRS.
    azimuth_deg : numpy.ndarray
        ``(n,)`` viewing directions, degrees clockwise from north.
    aperture_deg, radius, segments
        Opening angle, reach (CRS units) and number of straight segments of the arc.

    Returns
    -------
    numpy.ndarray
        ``n`` shapely Polygons: apex, ``segments + 1`` arc vertices, apex.
    """
    xy = np.asarray(xy, dtype=float)
    n = len(xy)
    half = np.radians(aperture_deg) / 2
    t = np.linspace(-half, half, segments + 1)
    ang = np.radians(np.asarray(azimuth_deg, dtype=float))[:, None] + t[None, :]
    ring = np.empty((n, segments + 3, 2))
    ring[:, 0] = xy
    ring[:, -1] = xy
    ring[:, 1:-1, 0] = xy[:, 0:1] + radius * np.sin(ang)
    ring[:, 1:-1, 1] = xy[:, 1:2] + radius * np.cos(ang)
    return shapely.polygons(ring)


def discs(xy: np.ndarray, radius: float = RADIUS_M) -> np.ndarray:
    """Discs around points: ``shapely.buffer(points, radius, quad_segs=16)``."""
    return shapely.buffer(shapely.points(xy), radius, quad_segs=DISC_QUAD_SEGS)


@dataclass
class CoverageInput:
    """Geometries to union, the clip polygon, and how they were made."""

    geoms: np.ndarray
    clip: shapely.Geometry
    crs: str
    label: str  # "synthetic" or "real"
    description: str


def coverage_input(shape: str, n: int) -> CoverageInput:
    """``n`` synthetic wedges or discs uniformly at random inside Metz (EPSG:2154).

    Parameters
    ----------
    shape : {"wedges", "discs"}
    n : int
    """
    clip = metz_polygon()
    rng = np.random.default_rng([SEED, n, 0 if shape == "wedges" else 1])
    xy = random_points_in(clip, n, rng)
    if shape == "wedges":
        geoms = wedges(xy, rng.uniform(0, 360, n))
        desc = f"{n:,} synthetic 60°/50 m wedges, uniform in Metz, random azimuths (seed {SEED})"
    elif shape == "discs":
        geoms = discs(xy)
        desc = f"{n:,} synthetic 50 m discs, uniform in Metz (seed {SEED})"
    else:
        raise ValueError(shape)
    return CoverageInput(geoms, clip, LAMBERT93, "synthetic", desc)


def paris_coverage_input() -> CoverageInput:
    """The real Paris PVPP camera sites as 50 m discs (directions are not published)."""
    pts = paris_cameras()
    geoms = discs(shapely.get_coordinates(pts))
    return CoverageInput(
        geoms,
        paris_polygon(),
        LAMBERT93,
        "real",
        f"{len(geoms):,} real Paris PVPP camera sites (c. 2013) as 50 m discs, ∩ Paris",
    )


# --------------------------------------------------------------------------- occlusion


def monaco_buildings() -> np.ndarray:
    """Monaco's 4,575 real OSM building footprints (ways), polygons in EPSG:32632."""
    from pyproj import Transformer

    data = json.loads(_bundle_file(MONACO_BUILDINGS).read_text())
    rings, offsets = [], [0]
    for el in data["elements"]:
        g = el.get("geometry")
        if el.get("type") != "way" or not g or len(g) < 4:
            continue
        rings.append([(p["lon"], p["lat"]) for p in g])
    coords = np.concatenate([np.asarray(r, dtype=float) for r in rings])
    offsets = np.cumsum([0] + [len(r) for r in rings])
    tr = Transformer.from_crs("EPSG:4326", UTM32N, always_xy=True)
    x, y = tr.transform(coords[:, 0], coords[:, 1])
    xy = np.column_stack([x, y])
    polys = np.array(
        [shapely.polygons(xy[a:b]) for a, b in itertools.pairwise(offsets)], dtype=object
    )
    polys = shapely.make_valid(polys)
    # make_valid may return collections for self-touching outlines: keep polygonal parts.
    polys = np.array([_polygonal(g) for g in polys], dtype=object)
    return polys[~shapely.is_empty(polys)]


def _polygonal(g: shapely.Geometry) -> shapely.Geometry:
    if shapely.get_type_id(g) in (3, 6):
        return g
    parts = shapely.get_parts(g)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(parts) if len(parts) else shapely.Polygon()


#: Where the synthetic grid city is put in Lambert-93 (an empty spot of the Beauce),
#: so that it lives in a real metric CRS.
BLOCKS_ORIGIN = (600_000.0, 6_800_000.0)


def city_blocks(n_buildings: int, *, seed: int = SEED) -> tuple[np.ndarray, shapely.Geometry]:
    """A synthetic Manhattan-like city: 100 m blocks, 20 m streets, 4×4 lots per block.

    Each lot holds one rectangular building with a random 1–4 m setback on each
    side, so buildings never touch; 10 % of lots are left empty. Blocks are laid
    out on a square grid from :data:`BLOCKS_ORIGIN` (EPSG:2154) until
    ``n_buildings`` exist.

    Returns
    -------
    buildings : numpy.ndarray
        Polygons (metres, local CRS).
    streets : shapely.Geometry
        The street area (the grid minus the blocks), where cameras can stand.
    """
    rng = np.random.default_rng([seed, n_buildings, 2])
    block, street, lots = 100.0, 20.0, 4
    pitch = block + street
    per_block = lots * lots * 0.9
    side = int(np.ceil(np.sqrt(n_buildings / per_block)))
    ox, oy = BLOCKS_ORIGIN
    bx, by = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    lx, ly = np.meshgrid(np.arange(lots), np.arange(lots), indexing="ij")
    lot = block / lots
    x0 = ox + (bx.ravel()[:, None] * pitch + lx.ravel()[None, :] * lot).ravel()
    y0 = oy + (by.ravel()[:, None] * pitch + ly.ravel()[None, :] * lot).ravel()
    keep = rng.random(len(x0)) >= 0.1
    x0, y0 = x0[keep][:n_buildings], y0[keep][:n_buildings]
    m = len(x0)
    s = rng.uniform(1, 4, (m, 4))
    boxes = shapely.box(x0 + s[:, 0], y0 + s[:, 1], x0 + lot - s[:, 2], y0 + lot - s[:, 3])
    extent = shapely.box(ox - street, oy - street, ox + side * pitch, oy + side * pitch)
    bx0, by0 = ox + bx.ravel() * pitch, oy + by.ravel() * pitch
    blocks = shapely.box(bx0, by0, bx0 + block, by0 + block)
    streets = shapely.difference(extent, shapely.union_all(blocks))
    return boxes, streets


@dataclass
class OcclusionInput:
    """Cameras, their fields of view, and the buildings that hide them."""

    cameras: np.ndarray  # Points
    fovs: np.ndarray  # Polygons (wedges)
    buildings: np.ndarray  # Polygons
    crs: str
    label: str
    description: str


def _cameras_outside(
    area: shapely.Geometry, buildings: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    tree = shapely.STRtree(buildings)
    out = np.empty((0, 2))
    while len(out) < n:
        xy = random_points_in(area, (n - len(out)) * 2 + 16, rng)
        inside = tree.query(shapely.points(xy), predicate="intersects")[0]
        ok = np.ones(len(xy), bool)
        ok[inside] = False
        out = np.concatenate([out, xy[ok]])
    return out[:n]


def occlusion_input(city: str, n_fovs: int) -> OcclusionInput:
    """``n_fovs`` synthetic cameras (60°/50 m wedges, random azimuth) outside buildings.

    Parameters
    ----------
    city : {"monaco", "blocks"}
        ``monaco``: the 4,575 real OSM buildings, cameras uniform in the buildings'
        convex hull but outside any building. ``blocks``: 100,000 synthetic
        buildings (:func:`city_blocks`), cameras uniform in the streets.
    """
    rng = np.random.default_rng([SEED, n_fovs, 3 if city == "monaco" else 4])
    if city == "monaco":
        buildings = monaco_buildings()
        area = shapely.convex_hull(shapely.union_all(buildings))
        crs, label = UTM32N, "real buildings, synthetic cameras"
        desc = (
            f"{n_fovs:,} synthetic cameras (60°/50 m) among Monaco's {len(buildings):,} "
            "real OSM buildings"
        )
    elif city == "blocks":
        buildings, area = city_blocks(100_000)
        crs, label = LAMBERT93, "synthetic"
        desc = (f"{n_fovs:,} synthetic cameras (60°/50 m) in the streets of a "
                f"{len(buildings):,}-building synthetic grid city")
    else:
        raise ValueError(city)
    xy = _cameras_outside(area, buildings, n_fovs, rng)
    fovs = wedges(xy, rng.uniform(0, 360, n_fovs))
    return OcclusionInput(shapely.points(xy), fovs, buildings, crs, label, desc)


# --------------------------------------------------------------------------- realistic densities

PARIS_POLICE = "cameras/paris-police-2025-06-01.geojson"
PARIS_OSM = "osm/paris-20250208-surveillance.overpass.json"


def metz_cameras_input(n: int, *, per_km2: float | None = None) -> CoverageInput:
    """``n`` synthetic cameras uniform in the real Metz polygon, 60°/50 m wedges.

    With ``per_km2`` the count is that density times the commune's area (a synthetic
    network as dense as the densest French ones), and ``n`` is ignored.
    """
    clip = metz_polygon()
    if per_km2 is not None:
        n = round(per_km2 * clip.area / 1e6)
    rng = np.random.default_rng([SEED, n, 5])
    xy = random_points_in(clip, n, rng)
    geoms = wedges(xy, rng.uniform(0, 360, n))
    what = f"{per_km2:g} per km²" if per_km2 is not None else f"{n:,}"
    return CoverageInput(
        geoms, clip, LAMBERT93, "synthetic",
        f"{n:,} synthetic cameras ({what}) uniform in the real Metz polygon, 60°/50 m wedges "
        f"(seed {SEED})",
    )


def _points_of(rel: str) -> np.ndarray:
    import geopandas as gpd

    gdf = gpd.read_file(_bundle_file(rel), engine="pyogrio").to_crs(LAMBERT93)
    pts = gdf.geometry.to_numpy()
    pts = pts[~(shapely.is_missing(pts) | shapely.is_empty(pts))]
    return shapely.get_coordinates(pts)


def paris_list_input(which: str) -> CoverageInput:
    """A real Paris camera list (``pvpp``: c. 2013 plan; ``police``: 2025-06-01 list) as
    50 m discs (the lists publish no direction) ∩ Paris."""
    rel = {"pvpp": PARIS_CAMERAS, "police": PARIS_POLICE}[which]
    xy = _points_of(rel)
    geoms = discs(xy)
    return CoverageInput(geoms, paris_polygon(), LAMBERT93, "real",
                         f"{len(geoms):,} real camera sites of {rel} as 50 m discs, ∩ Paris")


def paris_osm_input() -> CoverageInput:
    """Paris's OSM surveillance nodes (extract of 2025-02-08): a 60°/50 m wedge where a
    numeric ``camera:direction`` (or ``direction``) is tagged, else a 50 m disc."""
    from pyproj import Transformer

    data = json.loads(_bundle_file(PARIS_OSM).read_text())
    lon, lat, az = [], [], []
    for el in data.get("elements", []):
        if el.get("type") != "node" or "lat" not in el:
            continue
        tags = el.get("tags") or {}
        d = tags.get("camera:direction", tags.get("direction"))
        try:
            a = float(d) if d is not None else np.nan
        except ValueError:
            a = np.nan
        lon.append(el["lon"])
        lat.append(el["lat"])
        az.append(a)
    tr = Transformer.from_crs("EPSG:4326", LAMBERT93, always_xy=True)
    x, y = tr.transform(np.asarray(lon), np.asarray(lat))
    xy, az = np.column_stack([x, y]), np.asarray(az)
    has = np.isfinite(az)
    geoms = np.concatenate([wedges(xy[has], az[has]), discs(xy[~has])])
    return CoverageInput(
        geoms, paris_polygon(), LAMBERT93, "real",
        f"{len(geoms):,} real OSM surveillance nodes of Paris (2025-02-08): {int(has.sum()):,} "
        "60°/50 m wedges (tagged direction), the rest 50 m discs, ∩ Paris",
    )


SOUS_SURVEILLANCE = "cameras/sous-surveillance-net-2025-06-01.geojson"


def paris_citizen_input(preset: str = "sunders") -> CoverageInput:
    """sous-surveillance.net's cameras in Paris, read as the product reads them (their own
    directions), and their fields of view under ``preset`` (geocover's own
    ``fields_of_view``), ∩ Paris: real sites, several cameras at one position (apexes
    shared exactly), the case the area-only path must take without falling back."""
    import geopandas as gpd

    from geocover.model import fov
    from geocover.sources.citizen_map import read_sous_surveillance

    paris = gpd.read_file(_bundle_file(PARIS_CONTOUR), engine="pyogrio")
    cams, _, _ = read_sous_surveillance(_bundle_file(SOUS_SURVEILLANCE),
                                        area=paris.geometry.union_all())
    fields = fov.fields_of_view(cams.to_crs(LAMBERT93), preset).to_numpy()
    return CoverageInput(
        fields, paris_polygon(), LAMBERT93, "real",
        f"{len(cams):,} real cameras of sous-surveillance.net in Paris ({SOUS_SURVEILLANCE}), "
        f"their fields of view under the {preset!r} preset, ∩ Paris",
    )
