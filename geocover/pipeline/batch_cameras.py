"""The cameras of a département run: those known offline, and the communes they are in or reach.

:func:`departement_cameras` reads the known cameras of a département without the network
(the contributions of its configured cities and camera files); :func:`assign_cameras`
gives each camera the commune it lies within, by **one** spatial join
(``predicate="within"``); :func:`_nearby` pairs each camera with the communes its field
of view may reach (``predicate="dwithin"``), so that a commune's task sees its
neighbours' cameras too. Read by :mod:`geocover.pipeline.batch`, which re-exports the
public names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geocover import settings
from geocover.errors import UsageError


def departement_cameras(
    departement: str,
    files: Iterable[str | Path] = (),
    *,
    data_dir: Path | None = None,
) -> tuple[gpd.GeoDataFrame, list[Path], list[str]]:
    """The known cameras of a département, offline: the contributions of the configured
    cities of that département (``data/<city>/cameras.geojson``) and camera ``files``.

    Returns
    -------
    cameras : GeoDataFrame
        The camera layer (EPSG:4326), possibly empty.
    read : list of Path
        The files read (for the provenance).
    warnings : list of str
        Problems found in the camera files (values replaced by defaults).
    """
    from geocover.schema.frames import empty_cameras
    from geocover.sources.camera_files import load_cameras_file, load_contributions
    from geocover.sources.city import city_names, load_city

    frames, read, warnings = [empty_cameras()], [], []
    for name in city_names(data_dir):
        city = load_city(name, data_dir)
        if not city.insee.startswith(departement):
            continue
        read.append(city.folder / "city.toml")
        if city.cameras_file is not None and city.cameras_file.is_file():
            frames.append(load_contributions(city.cameras_file))
            read.append(city.cameras_file)
    for path in files:
        frame, problems = load_cameras_file(path)
        frames.append(frame)
        read.append(Path(path))
        warnings += [f"{path}: {p}" for p in problems]
    cameras = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    cameras = gpd.GeoDataFrame(cameras, geometry="geometry", crs=settings.STORAGE_CRS)
    dup = cameras["id"].duplicated()
    if dup.any():
        raise UsageError(f"camera id {cameras['id'][dup].iloc[0]!r} is given twice; "
                         "give each camera file once")
    return cameras, read, warnings


def assign_cameras(cameras: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> pd.Series:
    """The INSEE code of the commune each camera lies within (NaN outside every commune),
    by one spatial join; indexed like ``cameras``."""
    if cameras.empty:
        return pd.Series([], index=cameras.index, dtype=object, name="code")
    assert communes.crs is not None, "communes are read with their CRS"
    joined = gpd.sjoin(
        cameras[["geometry"]].to_crs(communes.crs), communes[["code", "geometry"]],
        how="left", predicate="within",
    )
    # A point on a shared border lies within neither; a point is within one commune at most.
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["code"].reindex(cameras.index).rename("code")


def _nearby(cameras_m: gpd.GeoDataFrame, communes_m: gpd.GeoDataFrame,
            presets: Sequence[str]) -> pd.DataFrame:
    """(camera index, code) pairs of cameras whose largest range reaches a commune."""
    from geocover.model import fov

    reach = np.zeros(len(cameras_m))
    for preset in presets:
        reach = np.maximum(reach, fov.camera_ranges_m(cameras_m, preset).to_numpy())
    joined = gpd.sjoin(cameras_m[["geometry"]], communes_m[["code", "geometry"]],
                       how="inner", predicate="dwithin", distance=reach)
    return pd.DataFrame({"camera": joined.index, "code": joined["code"].to_numpy()})
