"""geocover: check official video-surveillance claims against the map.

The public API: load a city and its layers, compute the figures, judge the claims,
render the outputs. The CLI (``geocover``) and the notebooks use these functions.
"""

from __future__ import annotations

from typing import Any

from geocover._version import __version__
from geocover.errors import ConfigError, DataError, GeocoverError, SourceError, UsageError
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
from geocover.model.fov import DEFAULT_PRESETS, PRESETS, fields_of_view, get_preset
from geocover.model.occlusion import visible_fields
from geocover.outputs.report import render, to_dict
from geocover.pipeline.analysis import Analysis, analyse
from geocover.schema.city import City, Claim
from geocover.schema.perimeters import PerimeterSet
from geocover.sources.city import load_city
from geocover.sources.communes import load_commune, load_departement
from geocover.sources.perimeters import load_perimeters
from geocover.verdicts.claims import Facts, Verdict, evaluate

# analyse() computes the compliance tables and the provenance into the Analysis
# (analysis.compliance, analysis.provenance); the outputs render them.

#: Public functions whose modules import heavy libraries (folium, matplotlib): loaded
#: on first use so that ``import geocover`` and ``geocover report`` stay fast.
_LAZY = {
    "build_map": "outputs.webmap",
    "write_map": "outputs.webmap",
    "write_figures": "outputs.figures",
    "compliance_tables": "verdicts.compliance",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'geocover' has no attribute {name!r}")


__all__ = [
    "DEFAULT_PRESETS",
    "PRESETS",
    "Analysis",
    "CameraCoverage",
    "Capacity",
    "City",
    "Claim",
    "CommuneFigures",
    "ConfigError",
    "DataError",
    "Facts",
    "GeocoverError",
    "PerimeterFigures",
    "PerimeterSet",
    "SourceError",
    "UsageError",
    "Verdict",
    "__version__",
    "analyse",
    "build_map",
    "camera_coverage",
    "capacity",
    "commune_figures",
    "compliance_tables",
    "evaluate",
    "fields_of_view",
    "get_preset",
    "load_city",
    "load_commune",
    "load_departement",
    "load_perimeters",
    "perimeter_figures",
    "render",
    "to_dict",
    "visible_fields",
    "write_figures",
    "write_map",
]
