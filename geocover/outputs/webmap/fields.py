"""The map's layer of a preset's fields of view: drawn by the page from the model's
numbers (a wedge or a disc: apex, radius, start, sweep, segments; ``sectorRing`` in
``static/map.js``), or sent as polygons where the page cannot draw them so (several
directions, occlusion, fields a caller set)."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely

from geocover import settings
from geocover.i18n import Translator
from geocover.model.crs import to_degrees
from geocover.outputs.escape import js_json
from geocover.outputs.webmap.elements import JsonText, _DataLayer, geometries_json
from geocover.outputs.webmap.encode import _encode_texts, _to_storage
from geocover.outputs.webmap.layers import _group, _tr
from geocover.outputs.webmap.style import _STYLES
from geocover.outputs.webmap.words import preset_name
from geocover.pipeline.analysis import Analysis


def _fov_layer(preset: str, fields: gpd.GeoSeries, show: bool,
               tr: Translator | None = None) -> _DataLayer | None:
    tr = _tr(tr)
    geometry = [g for g in _encode_texts(_to_storage(fields).to_numpy()) if g is not None]
    if not geometry:
        return None
    return _fov_data_layer(preset, "areas", geometries_json(geometry), show, tr)


def _fov_data_layer(preset: str, factory: str, data: Any, show: bool,
                    tr: Translator) -> _DataLayer:
    return _DataLayer(
        factory, data,
        {"key": f"fov:{preset}", "pane": "gcFov", "style": _STYLES["fov"]},
        name=tr.gettext("Fields of view, {model}").format(model=preset_name(preset, tr)),
        show=show, group=_group("seen", tr),
    )


#: Most the linear model of degrees per metre over the commune may stray, in metres at a
#: field's reach, from pyproj's derivatives at its camera (else polygons are sent).
SECTOR_TOLERANCE_M = 0.01
#: Half the step of the finite differences that give degrees per metre at each camera.
_STEP_M = 50.0


def _degrees_per_metre(x: np.ndarray, y: np.ndarray, crs: Any,
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's longitude and latitude, and the derivatives of both along the CRS's
    x and y (``(n, 4)``: dlon/dx, dlon/dy, dlat/dx, dlat/dy, degrees per metre), by
    central differences of pyproj's transformation."""
    from pyproj import Transformer

    t = Transformer.from_crs(crs, settings.STORAGE_CRS, always_xy=True)
    h = _STEP_M
    px = np.concatenate([x, x + h, x - h, x, x])
    py = np.concatenate([y, y, y, y + h, y - h])
    lon, lat = (np.asarray(v).reshape(5, -1) for v in t.transform(px, py))
    jac = np.column_stack([(lon[1] - lon[2]) / (2 * h), (lon[3] - lon[4]) / (2 * h),
                           (lat[1] - lat[2]) / (2 * h), (lat[3] - lat[4]) / (2 * h)])
    return lon[0], lat[0], jac


@dataclasses.dataclass(frozen=True)
class CameraFrames:
    """The modelled cameras (:func:`~geocover.pipeline.analysis.modelled_cameras`) in the
    analysis' metric CRS, each one's longitude and latitude and degrees per metre there
    (:func:`_degrees_per_metre`): the same for every preset, computed once per map."""

    cameras_m: gpd.GeoDataFrame
    lon: np.ndarray
    lat: np.ndarray
    jac: np.ndarray

    @classmethod
    def of(cls, analysis: Analysis) -> CameraFrames | None:
        from geocover.pipeline.analysis import modelled_cameras

        if analysis.cameras is None:
            return None
        cameras_m = modelled_cameras(analysis.cameras, analysis.crs)
        points = cameras_m.geometry.to_numpy()
        ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
        ok &= shapely.get_type_id(np.where(ok, points, np.array(None, dtype=object))) == 0
        x = np.full(len(points), np.nan)
        y = np.full(len(points), np.nan)
        x[ok], y[ok] = shapely.get_x(points[ok]), shapely.get_y(points[ok])
        lon, lat, jac = _degrees_per_metre(x, y, cameras_m.crs)
        return cls(cameras_m, lon, lat, jac)


def _fov_sectors(preset: str, analysis: Analysis, show: bool, tr: Translator,
                 frames: CameraFrames | None = None) -> _DataLayer | Literal[False] | None:
    """The fields of view of ``preset`` as the model's numbers, each drawn by the page
    (``geocover.sectors``) as :func:`~geocover.model.fov.fields_of_view` draws it: per
    wedge or disc its apex (1e-5°, as every vertex of the page), radius (cm), start and
    sweep (0.001°) and segments, and, for the layer, degrees per metre as a linear
    function of position, so that no vertex is reprojected nor sent (the six presets of
    Paris: 6.8 MB of polygons, 0.55 s). A camera with several directions (the union of
    its wedges) comes as a polygon. False where the page cannot draw them so: fields set
    by a caller or occluded by buildings, or degrees per metre not linear enough over
    the cameras (further than :data:`SECTOR_TOLERANCE_M` from pyproj at the reach)."""
    from geocover.model.fov import drawn_radius, sectors

    figures = analysis.camera_coverage.get(preset)
    if (preset not in analysis.fields.modelled or figures is None or figures.occluded
            or analysis.cameras is None):
        return False
    frames = frames or CameraFrames.of(analysis)
    if frames is None:
        return False
    cameras_m = frames.cameras_m
    table = analysis.fields.sectors.get(preset)  # (the coverage's own, where it kept it)
    if table is None or (len(table.camera) and int(table.camera.max()) >= len(cameras_m)):
        table = sectors(cameras_m, preset)
    if not len(table.camera):
        return None
    one = table.single
    radius = drawn_radius(table.radius[one], table.sweep[one], table.segments[one])
    at = table.camera[one]
    lon, lat, jac = frames.lon[at], frames.lat[at], frames.jac[at]
    # Degrees per metre, linear in the position (least squares), checked at each camera.
    # (Drawing a sector with the derivatives at its apex strays from the projection by its
    # second-order terms too: 9 mm at the 300 m reach in Paris, a hundredth of the page's
    # 1e-5° rounding.)
    coef = np.zeros((3, 4))
    lon_c = lat_c = 0.0
    if len(at):
        lon_c, lat_c = float(np.mean(lon)), float(np.mean(lat))
        basis = np.column_stack([np.ones(len(lon)), lon - lon_c, lat - lat_c])
        coef, *_ = np.linalg.lstsq(basis, jac, rcond=None)  # (3, 4)
        stray = np.abs(basis @ coef - jac).max(axis=1) * radius  # degrees at the reach
        if float(stray.max()) * 111_320.0 > SECTOR_TOLERANCE_M:
            return False
    rows = np.column_stack([
        np.rint(lon * 1e5), np.rint(lat * 1e5), np.rint(radius * 100),
        np.rint(table.start[one] * 1000), np.rint(table.sweep[one] * 1000),
        table.segments[one],
    ]).astype(np.int64)
    multi = np.unique(table.camera[~one])
    polygons = []
    if len(multi):
        fields = analysis.fields.metric(preset).to_numpy()[multi]
        polygons = [g for g in _encode_texts(to_degrees(gpd.GeoSeries(
            fields, crs=cameras_m.crs)).to_numpy()) if g is not None]
    linear = [lon_c, lat_c, *coef.ravel().tolist()]  # the 4 values, their d/dlon, their d/dlat
    data = JsonText(f'{{"j":{js_json(linear)},"s":{js_json(rows.tolist())},'
                    f'"g":{geometries_json(polygons)}}}')
    return _fov_data_layer(preset, "sectors", data, show, tr)


def fov_layer(preset: str, analysis: Analysis, show: bool = False,
              tr: Translator | None = None, *,
              frames: CameraFrames | None = None) -> _DataLayer | None:
    """The map's layer of the fields of view of ``preset``: drawn by the page from the
    model's numbers where it can (:func:`_fov_sectors`; ``frames``: the cameras' once for
    every preset), else as polygons."""
    tr = _tr(tr)
    layer = _fov_sectors(preset, analysis, show, tr, frames)
    if isinstance(layer, _DataLayer) or layer is None:
        return layer
    return _fov_layer(preset, analysis.fields[preset], show, tr)
