"""Field-of-view presets: a camera's wedge angle and range rule, with their sources.

A :class:`Preset` names one published model of what a camera sees (SunderS,
PanoptiCity's three levels, the Metz fact sheet's 300 m); :data:`PRESETS` holds them
by name and :data:`DEFAULT_PRESETS` is the band a report shows side by side. The
areas of one field of view (:func:`wedge_area`, :func:`disc_area`) and the most a
number of cameras could see (:func:`capacity_km2`) need nothing else. The geometry
drawn from a preset is in :mod:`geocover.model.fov`; each preset's source and
reasoning are in ``docs/fov.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from geocover import settings
from geocover.errors import UsageError
from geocover.i18n import N_
from geocover.schema.vocab import CAMERA_TYPES

#: Dome and panning cameras turn: they get discs (:data:`CAMERA_TYPES`, the camera
#: layer's types, is defined once in :mod:`geocover.schema.vocab`).
_ROUND_TYPES = ("dome", "panning")

#: Metres per degree of latitude, the conversion both OSM tools use for their ranges.
_METRES_PER_DEGREE = 111_320.0
@dataclass(frozen=True)
class Preset:
    """A named field-of-view model: the wedge angle and the range rule, with their source.

    The range at a camera height ``h`` is ``range_m + range_per_height_m * h``,
    with ``h`` first clamped to ``height_bounds_m`` when the source clamps it.

    Parameters
    ----------
    name : str
        Identifier used on the command line and in reports (``sunders``…).
    label : str
        Short human-readable label for tables and maps.
    source : str
        Where the numbers come from (citation text).
    fixed_angle_deg : float
        Horizontal angle of a fixed camera's wedge, in degrees (0 < angle ≤ 360).
    range_m : float
        Constant part of the range, in metres.
    range_per_height_m : float
        Metres of range per metre of camera height.
    dome_angle_deg : float
        Angle drawn for dome and panning cameras: 360 (the default) draws a disc;
        less draws a wedge centred on the camera's direction (a disc if it has none).
    height_bounds_m : (float, float) or None
        The source's bounds on the height used in the range rule, or None.
    tilt_reference_deg : float or None
        A fixed camera tilted down by ``t`` degrees more than this reference has its
        range multiplied by ``cos(t - reference)`` (the rule of both OSM tools); None
        ignores the tilt.
    moment : bool
        True: what is seen *at one moment*. Every camera, dome and panning included,
        gets one wedge (a dome its ``dome_angle_deg``) centred on its current heading:
        the middle of its first mapped direction range; a camera without a direction
        gets the wedge at an arbitrary heading (north): its area is right, its place is
        not. False (the default): a dome or panning camera gets what it can reach by
        turning.
    """

    name: str
    label: str
    source: str
    fixed_angle_deg: float
    range_m: float = 0.0
    range_per_height_m: float = 0.0
    dome_angle_deg: float = 360.0
    height_bounds_m: tuple[float, float] | None = None
    tilt_reference_deg: float | None = None
    moment: bool = False

    def __post_init__(self) -> None:
        for what, angle in (("fixed_angle_deg", self.fixed_angle_deg),
                            ("dome_angle_deg", self.dome_angle_deg)):
            if not 0 < angle <= 360:
                raise UsageError(f"preset {self.name!r}: {what} must be in (0, 360], not {angle}")
        if self.range_m < 0 or self.range_per_height_m < 0:
            raise UsageError(f"preset {self.name!r}: ranges must not be negative")
        if self.range_m == 0 and self.range_per_height_m == 0:
            raise UsageError(f"preset {self.name!r}: give range_m or range_per_height_m")
        if self.height_bounds_m is not None:
            low, high = self.height_bounds_m
            if not 0 <= low <= high:
                raise UsageError(f"preset {self.name!r}: height_bounds_m must be (low, high), "
                                 f"0 <= low <= high, not {self.height_bounds_m}")

    def range_at(self, height_m: Any = settings.DEFAULT_HEIGHT_M,
                 tilt_deg: Any = None) -> Any:
        """Range in metres at a camera height (NaN → the default height) and tilt.

        Parameters
        ----------
        height_m : float or array-like
            Camera height in metres; NaN means unknown (``settings.DEFAULT_HEIGHT_M``).
        tilt_deg : float, array-like or None
            Downward tilt in degrees (NaN → ``settings.DEFAULT_TILT_DEG``); None
            ignores the tilt. Only meaningful for fixed cameras.

        Returns
        -------
        float or numpy.ndarray
            A float for scalar input, else an array.

        Examples
        --------
        >>> PRESETS["sunders"].range_at(5.0)
        35.0
        >>> PRESETS["sunders"].range_at([5.0, float("nan"), 20.0]).tolist()
        [35.0, 35.0, 84.0]
        """
        scalar = np.ndim(height_m) == 0 and np.ndim(tilt_deg) == 0
        height = np.asarray(height_m, dtype=float)
        height = np.where(np.isfinite(height), height, settings.DEFAULT_HEIGHT_M)
        height = np.maximum(height, 0.0)
        if self.height_bounds_m is not None:
            height = np.clip(height, *self.height_bounds_m)
        reach = self.range_m + self.range_per_height_m * height
        if tilt_deg is not None and self.tilt_reference_deg is not None:
            reach = reach * self.tilt_factor(tilt_deg)
        return float(reach) if scalar else reach

    def tilt_factor(self, tilt_deg: Any) -> Any:
        """``cos(tilt - reference)`` for a tilt beyond the reference, else 1 (NaN → default)."""
        tilt = np.abs(np.asarray(tilt_deg, dtype=float))
        tilt = np.where(np.isfinite(tilt), tilt, settings.DEFAULT_TILT_DEG)
        if self.tilt_reference_deg is None:
            return np.ones_like(tilt)
        beyond = np.clip(tilt - self.tilt_reference_deg, 0.0, 90.0)
        return np.cos(np.radians(beyond))


_FACTSHEET_SOURCE = (
    "Metz fact sheet 'Le point sur la vidéo surveillance à METZ': faces can be identified "
    "'avec un zoom à 300m'. Wedge angle: identification needs 250 px/m (EN 62676-4; "
    "PanoptiCity's identification level); a 3840-px-wide (4K) image at 250 px/m spans "
    "15.4 m at 300 m, i.e. 2 atan(7.68/300) = 2.9°, rounded to 3°."
)
_PANOPTICITY_SOURCE = (
    "PanoptiCity (panopticity.fr; github.com/babastienne/PanoptiCity), "
    "back-end/cameras/constants.py and models.py: range = 0.00026° x (1 + h/10) x level x "
    "scenario, with the 'mean' scenario 0.3621 (6.8 mm focal, 2556x1440, fixed cameras; "
    "dome/PTZ also 0.3621) and the level 1 (identification, 250 px/m), 3.84615 "
    "(recognition) or 10 (observation); 1° = 111,320 m. Height clamped to 1.5-20 m. "
    "Fixed cameras: rays from -0.7 to +0.7 rad around the direction "
    "(services/fov_calculator.py), i.e. 80.2°; domes and panning cameras all round."
)
# PanoptiCity's range in metres per unit of its (1 + h/10) height factor, mean scenario.
_PANOPTICITY_BASE_M = 0.00026 * 0.3621 * _METRES_PER_DEGREE


def _panopticity(level: str, label: str, factor: float) -> Preset:
    base = _PANOPTICITY_BASE_M * factor
    return Preset(
        name=f"panopticity-{level}",
        label=label,
        source=_PANOPTICITY_SOURCE,
        fixed_angle_deg=80.0,
        range_m=base,
        range_per_height_m=base / 10.0,
        height_bounds_m=(1.5, 20.0),
        tilt_reference_deg=17.0,
    )


#: The named presets. See ``docs/fov.md`` for each one's source and reasoning.
PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="sunders",
            label=N_("SunderS (57°, 7 m x height)"),
            source=(
                "Surveillance under Surveillance (sunders.uber.space; github.com/kamba4/sunders), "
                "whose map code comes from osmcamera (github.com/khris78/osmcamera, "
                "www/leafletembed.js): fixed cameras get rays from -0.5 to +0.5 rad around "
                "the direction (57.3°) out to 0.000063° x height (7.0 m x height); domes a "
                "circle of 7 m x height; height default 5 m, clamped to 3-12 m; tilt beyond "
                "15° shortens the range by cos(tilt - 15°)."
            ),
            fixed_angle_deg=57.0,
            range_per_height_m=7.0,
            height_bounds_m=(3.0, 12.0),
            tilt_reference_deg=15.0,
        ),
        _panopticity("identification", N_("PanoptiCity identification (80°, 15.7 m at 5 m)"), 1.0),
        _panopticity("recognition", N_("PanoptiCity recognition (80°, 60.5 m at 5 m)"), 3.84615),
        _panopticity("observation", N_("PanoptiCity observation (80°, 157 m at 5 m)"), 10.0),
        Preset(
            name="factsheet-300m",
            label=N_("Fact sheet's 300 m, seen at one moment (a zoomed 3° wedge, domes too)"),
            source=_FACTSHEET_SOURCE + (
                " Seen at one moment: a zoomed camera, dome or not, looks in one direction "
                "at a time, so every camera gets one 3° wedge along its current heading."
            ),
            fixed_angle_deg=3.0,
            dome_angle_deg=3.0,
            range_m=300.0,
            moment=True,
        ),
        Preset(
            name="factsheet-300m-reach",
            label=N_("Fact sheet's 300 m, reach by turning (a dome's disc, never seen at once)"),
            source=_FACTSHEET_SOURCE + (
                " Reach by turning: the disc a dome or panning camera can point into, one "
                "3° wedge of it at a time; a fixed camera does not turn (its 3° wedge)."
            ),
            fixed_angle_deg=3.0,
            range_m=300.0,
        ),
    )
}

#: The presets a report shows side by side (a sensitivity band, never one number alone).
DEFAULT_PRESETS: tuple[str, ...] = (
    "sunders",
    "panopticity-identification",
    "panopticity-recognition",
    "panopticity-observation",
    "factsheet-300m",
    "factsheet-300m-reach",
)


def get_preset(name: str | Preset) -> Preset:
    """The preset called ``name`` (a :class:`Preset` is returned as is).

    Raises
    ------
    UsageError
        For an unknown name; the message lists the valid ones.

    Examples
    --------
    >>> get_preset("sunders").fixed_angle_deg
    57.0
    """
    if isinstance(name, Preset):
        return name
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise UsageError(
            f"unknown field-of-view preset {name!r}; valid presets: {', '.join(PRESETS)}"
        ) from None


def wedge_area(radius: Any, angle_deg: Any) -> Any:
    """Area of a circular sector, ``pi r² angle / 360`` (square units of ``radius``).

    Examples
    --------
    >>> round(wedge_area(35.0, 57.0), 1)
    609.3
    """
    area = math.pi * np.square(np.asarray(radius, dtype=float)) \
        * np.asarray(angle_deg, dtype=float) / 360.0
    return float(area) if np.ndim(area) == 0 else area


def disc_area(radius: Any) -> Any:
    """Area of a disc, ``pi r²``."""
    return wedge_area(radius, 360.0)


def capacity_km2(n_cameras: int, preset: str | Preset, *, camera_type: str = "fixed",
                 height_m: float = settings.DEFAULT_HEIGHT_M) -> float:
    """The most ``n_cameras`` cameras could see, in km²: no overlap and no occlusion.

    ``n_cameras`` times the area of one field of view at ``height_m`` and the default
    tilt: a wedge of the preset's angle for a fixed camera, the preset's dome angle
    (a disc) for a dome or panning camera, a disc for a camera of unknown type
    (without a direction, where it looks is unknown).

    Examples
    --------
    >>> round(capacity_km2(148, "sunders"), 4)
    0.0902
    >>> round(capacity_km2(148, "sunders", camera_type="dome"), 4)
    0.5696
    """
    preset = get_preset(preset)
    if camera_type not in CAMERA_TYPES:
        raise UsageError(f"camera_type must be one of {', '.join(CAMERA_TYPES)}, "
                         f"not {camera_type!r}")
    if not (isinstance(n_cameras, (int, np.integer)) and n_cameras >= 0):
        raise UsageError(f"n_cameras must be a whole number >= 0, not {n_cameras!r}")
    if camera_type == "fixed":
        angle = preset.fixed_angle_deg
        reach = preset.range_at(height_m, settings.DEFAULT_TILT_DEG)
    else:
        angle = (preset.dome_angle_deg if camera_type in _ROUND_TYPES
                 else preset.fixed_angle_deg if preset.moment else 360.0)
        reach = preset.range_at(height_m)
    return float(n_cameras) * wedge_area(reach, angle) / 1e6
