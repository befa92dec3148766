"""The provenance section of the report (in its appendix): ``analysis.provenance``
rendered, in the analysis' language."""

from __future__ import annotations

from typing import Any

from geocover.i18n import N_, Translator, translator
from geocover.outputs.document import Section, Table
from geocover.pipeline.provenance import GDAL_UNUSED

#: The layers a source record or a file read is for, in words.
LAYER_NAMES = {
    "commune": N_("commune"),
    "communes": N_("communes"),
    "perimeters": N_("perimeters"),
    "cameras": N_("cameras"),
    "buildings": N_("buildings"),
    "highways": N_("streets"),
    "city": N_("city"),
}


def layer_name(layer: str, tr: Translator) -> str:
    """A layer's name in ``tr``'s language (``cameras`` → ``caméras``)."""
    return tr.gettext(LAYER_NAMES[layer]) if layer in LAYER_NAMES else layer


def provenance_section(analysis: Any) -> tuple[dict[str, Any], list[Section]]:
    """The JSON record and the appendix sections: the files read with their sha256, the
    presets, the software."""
    tr = getattr(analysis, "tr", None) or translator("en")
    record = analysis.provenance.to_dict()
    rows = []
    for f in record["files"]:
        rows.append([f["path"], layer_name(f["role"], tr),
                     f["vintage"] or tr.gettext("date unknown"), f["retrieved"] or "",
                     str(f["sha256"])[:16] + "…"])
    table = Table([tr.gettext("file"), tr.gettext("layer"), tr.gettext("date of the data"),
                   tr.gettext("retrieved"), "sha256"], rows)
    out = [Section(tr.gettext("Provenance (sha256 of the files read)"), [table], level=3)]
    if record["presets"]:
        names = ", ".join(p["name"] for p in record["presets"])
        out.append(Section(tr.gettext("Field-of-view presets"), [names], level=3))
    sw = record["software"]
    stack = f"geocover {sw['geocover']}, GEOS {sw['GEOS']}, PROJ {sw['PROJ']}"
    if sw.get("GDAL") and sw["GDAL"] != GDAL_UNUSED:  # (GDAL only where it read a file)
        stack += f", GDAL {sw['GDAL']}"
    out.append(Section(tr.gettext("Software"), [stack], level=3))
    return record, out


def section(analysis: Any) -> tuple[Any, list[str], list[str]]:
    """The ``provenance`` section of the report (listed in ``report.SECTIONS``)."""
    from geocover.outputs.document import markdown_of, text_of

    record, sections = provenance_section(analysis)
    return record, text_of(sections), markdown_of(sections)
