"""Building the :class:`~geocover.schema.provenance.SourceRecord` of a layer where it is read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from geocover.io.checksum import file_read
from geocover.schema.provenance import DATE_UNKNOWN, DataDate, SourceRecord
from geocover.sources import bundle as _bundle

#: Attribution of a file whose provider geocover does not know.
FILE_ATTRIBUTION = "as stated by the file's provider"


def file_date(
    path: str | PathLike[str],
    bundle: str | PathLike[str] | None,
    own: DataDate | None = None,
    fallback: DataDate | None = None,
) -> DataDate:
    """The date of a file's data: its own (``own``, e.g. an Overpass timestamp) first,
    then the bundle manifest's when the file lies in the bundle, then ``fallback`` (a
    weaker date from the data, e.g. a list's latest installation date), else unknown.
    The licence and attribution come from ``own``, else the manifest."""
    listed = (_bundle.data_date(bundle, path)
              if bundle is not None and _bundle.inside(bundle, path) else None)
    base = listed or DataDate(None)
    for date in (own, listed, fallback):
        if date is not None and date.vintage:
            return DataDate(date.vintage, date.basis,
                            (own.licence if own else None) or base.licence or date.licence,
                            (own.attribution if own else None) or base.attribution
                            or date.attribution)
    return listed or own or DataDate(None, f"{DATE_UNKNOWN}: the file states none")


def file_source(
    layer: str,
    paths: Sequence[str | PathLike[str]],
    *,
    origin: str,
    bundle: str | PathLike[str] | None = None,
    attribution: str | None = None,
    count: int | None = None,
    own: DataDate | None = None,
    fallback: DataDate | None = None,
) -> SourceRecord:
    """The record of a layer read from local files (the first one dates it: see
    :func:`file_date`).

    ``attribution`` None: the manifest's, else :data:`FILE_ATTRIBUTION`.
    """
    read = [Path(p) for p in paths]
    files = tuple(file_read(p, bundle) for p in read)
    date = file_date(read[0], bundle, own, fallback) if read else (own or DataDate(None))
    return SourceRecord(
        layer=layer,
        origin=origin,
        retrieved=files[0].modified if files else "",
        attribution=attribution or date.attribution or FILE_ATTRIBUTION,
        count=count,
        vintage=date.vintage,
        vintage_basis=date.basis,
        licence=date.licence,
        files=files,
    )


def live_source(
    layer: str,
    *,
    origin: str,
    url: str,
    retrieved: dt.datetime,
    attribution: str,
    count: int | None = None,
    own: DataDate | None = None,
    licence: str | None = None,
) -> SourceRecord:
    """The record of a layer answered by a live service: its retrieval time, and the
    data's own date when the answer states one (else the retrieval time is the best
    date known for data served live)."""
    if own is not None and own.vintage:
        vintage, basis = own.vintage, own.basis
    else:
        vintage, basis = retrieved.isoformat(timespec="seconds"), "retrieval time (live source)"
    return SourceRecord(
        layer=layer,
        origin=origin,
        retrieved=retrieved.date().isoformat(),
        attribution=attribution,
        count=count,
        vintage=vintage,
        vintage_basis=basis,
        licence=licence or (own.licence if own else None),
        url=url,
        retrieved_at=retrieved.isoformat(timespec="seconds"),
    )


def no_source(layer: str, origin: str, attribution: str, count: int | None = None) -> SourceRecord:
    """The record of a layer nothing was read for (no extract, unavailable, none digitized)."""
    return SourceRecord(layer, origin, "", attribution, count, None, "nothing read")
