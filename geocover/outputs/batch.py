"""Outputs of a batch run (one département, several, a region or France): GeoParquet,
GeoPackage, CSV, a provenance file and the choropleth page, each written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pyogrio

from geocover.errors import UsageError
from geocover.i18n import default_lang, translator
from geocover.io.atomic import atomic_path, replace_atomic
from geocover.outputs.choropleth import choropleth_page
from geocover.outputs.escape import strict_json

#: What ``-o`` may end with; the other files go beside it.
SUFFIXES = (".gpkg", ".parquet")
#: Columns of the run kept out of the tables (display outlines for the page).
_INTERNAL = ("display_wkb",)


def output_paths(out: str | Path) -> dict[str, Path]:
    """The files a batch writes for ``-o OUT.gpkg`` or ``-o OUT.parquet``: ``parquet``,
    ``gpkg``, ``csv``, ``provenance`` (``OUT.provenance.json``) and ``map`` (``OUT.html``)."""
    out = Path(out)
    if out.suffix.lower() not in SUFFIXES:
        raise UsageError(f"{out}: the output must be a GeoParquet (.parquet) or a "
                         "GeoPackage (.gpkg) file")
    stem = out.with_suffix("")
    return {
        "parquet": stem.with_suffix(".parquet"),
        "gpkg": stem.with_suffix(".gpkg"),
        "csv": stem.with_suffix(".csv"),
        "provenance": Path(f"{stem}.provenance.json"),
        "map": stem.with_suffix(".html"),
    }


def table(result: Any) -> gpd.GeoDataFrame:
    """The run's commune table as written (internal columns dropped)."""
    frame = result.communes
    return frame.drop(columns=[c for c in _INTERNAL if c in frame])


def write_batch(result: Any, out: str | Path, *, tiles: str = "osm",
                lang: str | None = None) -> dict[str, Path]:
    """Write the run's outputs (see :func:`output_paths`), each atomically.

    ``result`` is a :class:`~geocover.pipeline.batch.BatchResult` or a
    :class:`~geocover.pipeline.national.NationalResult`. The GeoParquet file carries
    the provenance record in its metadata (key ``geocover:provenance``), the GeoPackage
    in a ``provenance`` layer.
    """
    paths = output_paths(out)
    record_json = strict_json(result.provenance, ensure_ascii=False, indent=2) + "\n"
    frame = table(result)

    paths["parquet"].parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(paths["parquet"], create=False) as tmp:
        frame.to_parquet(tmp, index=False)
        arrow = pq.read_table(tmp)
        meta = dict(arrow.schema.metadata or {})
        meta[b"geocover:provenance"] = record_json.encode("utf-8")
        pq.write_table(arrow.replace_schema_metadata(meta), tmp)
    with atomic_path(paths["gpkg"], create=False) as tmp:
        pyogrio.write_dataframe(frame, tmp, layer="communes", driver="GPKG")
        files = result.provenance.get("files", [])
        provenance = pd.DataFrame({
            "key": ["provenance"] + [f"file:{f['path']}" for f in files],
            "value": [record_json] + [f["sha256"] for f in files],
        })
        pyogrio.write_dataframe(provenance, tmp, layer="provenance", driver="GPKG",
                                append=False)
    attrs = pd.DataFrame(frame.drop(columns="geometry"))
    replace_atomic(paths["csv"], attrs.to_csv(index=False, float_format="%.9g").encode("utf-8"))
    replace_atomic(paths["provenance"], record_json.encode("utf-8"))
    replace_atomic(paths["map"], choropleth(result, tiles=tiles, lang=lang).encode("utf-8"))
    return paths


def choropleth_title(departements: list[str], communes: int, version: str,
                     lang: str | None = None) -> str:
    """The page's title: what it shows, where, of how many communes.

    Examples
    --------
    >>> choropleth_title(["57"], 727, "0.2.0", "en")
    'Video-surveillance cameras known per km², département 57 (727 communes) – geocover 0.2.0'
    """
    tr = translator(lang or default_lang())
    _ = tr.gettext
    n = len(departements)
    where = (_("France") if n >= 101 else
             _("département {code}").format(code=departements[0]) if n == 1 else
             _("{n} départements").format(n=tr.integer(n)))
    return _("Video-surveillance cameras known per km², {where} ({n} communes) – "
             "geocover {version}").format(where=where, n=tr.integer(communes), version=version)


def choropleth(result: Any, *, tiles: str = "osm", lang: str | None = None) -> str:
    """The run's choropleth page (see :func:`geocover.outputs.choropleth.choropleth_page`)."""
    deps = getattr(result, "departements", None) or [result.departement]
    version = result.provenance.get("geocover_version", "")
    title = choropleth_title(list(deps), len(result.communes), version, lang)
    sources = [{"column": s["column"], "label": s["origin"]}
               for s in result.provenance.get("sources", []) if s.get("column")]
    return choropleth_page(result.communes, tuple(result.presets), title=title,
                           sources=sources or None, tiles=tiles, lang=lang)
