"""geocover: check official video-surveillance claims against the map.

The public API: load a city and its layers, compute the figures, judge the claims,
render the outputs. The CLI (``geocover``) and the notebooks use these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geocover._version import __version__
from geocover.errors import ConfigError, DataError, GeocoverError, SourceError, UsageError

if TYPE_CHECKING:
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
    from geocover.model.fov import fields_of_view
    from geocover.model.occlusion import visible_fields
    from geocover.model.presets import DEFAULT_PRESETS, PRESETS, get_preset
    from geocover.outputs.figures import write_figures
    from geocover.outputs.report import render, to_dict
    from geocover.outputs.webmap import build_map, write_map
    from geocover.pipeline.analysis import Analysis, analyse
    from geocover.schema.city import City, Claim
    from geocover.schema.perimeters import PerimeterSet
    from geocover.sources.city import load_city
    from geocover.sources.communes import load_commune, load_departement
    from geocover.sources.perimeters import load_perimeters
    from geocover.verdicts.claims import Facts, Verdict, evaluate
    from geocover.verdicts.compliance import compliance_tables

# analyse() computes the compliance tables and the provenance into the Analysis
# (analysis.compliance, analysis.provenance); the outputs render them.

#: Every public function, loaded on first use (PEP 562): ``import geocover`` stays light,
#: so the command starts at once and a Ctrl-C during its start-up ends in one line.
_LAZY = {
    "CameraCoverage": "model.coverage", "Capacity": "model.coverage",
    "CommuneFigures": "model.coverage", "PerimeterFigures": "model.coverage",
    "camera_coverage": "model.coverage", "capacity": "model.coverage",
    "commune_figures": "model.coverage", "perimeter_figures": "model.coverage",
    "DEFAULT_PRESETS": "model.presets", "PRESETS": "model.presets",
    "fields_of_view": "model.fov", "get_preset": "model.presets",
    "visible_fields": "model.occlusion",
    "render": "outputs.report", "to_dict": "outputs.report",
    "Analysis": "pipeline.analysis", "analyse": "pipeline.analysis",
    "City": "schema.city", "Claim": "schema.city",
    "PerimeterSet": "schema.perimeters",
    "load_city": "sources.city",
    "load_commune": "sources.communes", "load_departement": "sources.communes",
    "load_perimeters": "sources.perimeters",
    "Facts": "verdicts.claims", "Verdict": "verdicts.claims", "evaluate": "verdicts.claims",
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
