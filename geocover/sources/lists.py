"""Official camera lists: column mappings and readers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd

from geocover.errors import DataError, UsageError
from geocover.io.records import _read_records
from geocover.schema.blank import is_blank, text_or_none
from geocover.schema.frames import _frame, _row
from geocover.schema.ids import list_camera_id
from geocover.schema.scope import SourceScope
from geocover.schema.tags import Problem, _default_fields, parse_date
from geocover.schema.values import _apply_schema, _check_ids, _precision_value
from geocover.schema.vocab import _SERIAL_EPOCH, _SERIAL_RANGE, CAMERA_COLUMNS, UNKNOWN_DATE_WORDS

# ------------------------------------------------------------------------ official lists


@dataclass(frozen=True)
class ListDefinition:
    """How to read an official camera list.

    Parameters
    ----------
    list_id : str
        Short stable name, used in ids: ``list:<list_id>:<record>``.
    path : str
        The file, relative to a bundle folder.
    mapping : mapping of str to str
        Schema column → the list's column (``{"id": "Numéro", "name": "Implantation"}``).
    source : str
        Who published the list, and when (the ``source`` column).
    precision : str or mapping, optional
        See :func:`from_list`.
    installed_format : str, optional
        :func:`~datetime.datetime.strptime` format of the installation dates.
    lat, lon : str, optional
        Coordinate columns of a CSV list.
    family, vintage, operator, exhaustive : optional
        What the list holds (see :class:`~geocover.schema.scope.SourceScope`): versions
        of one list share a ``family`` and differ by ``vintage``.
    """

    list_id: str
    path: str
    mapping: Mapping[str, str]
    source: str
    precision: str | Mapping[str, str] | None = None
    installed_format: str | None = None
    lat: str | None = None
    lon: str | None = None
    family: str = ""
    vintage: str = ""
    operator: str = "mixed"
    exhaustive: bool = False

    def scope(self) -> SourceScope:
        """What the list holds, for the verdicts."""
        return SourceScope(
            key=f"list:{self.list_id}", kind="official_list", label=self.source,
            operator=self.operator, exhaustive=self.exhaustive, vintage=self.vintage,
            family=self.family or self.list_id, dated="installed" in self.mapping,
        )


#: The Paris police video-protection plan, c. 2013 (1,389 points, property ``record``).
#: The file gives points without a stated precision: they are the publisher's placing
#: of each site, not surveyed camera positions, so they are marked ``street`` (somewhere
#: at this place in the street), not ``exact``; ``crossing`` would claim more than is known.
PARIS_PVPP = ListDefinition(
    list_id="paris-pvpp2013",
    path="cameras/paris-pvpp-circa2013.geojson",
    mapping={"id": "record"},
    source="Préfecture de police, Vidéoprotection – implantation des caméras (c. 2013)",
    precision="street",
    family="paris-police-plan",
    vintage="2013",
    operator="national_police",
    exhaustive=True,
)

#: The 707 geocoded sites of the plan published in the Bulletin officiel de la Ville de
#: Paris of 2019-02-01, placed at street crossings (``croisement`` → ``crossing``).
PARIS_BOVP2019 = ListDefinition(
    list_id="paris-bovp2019",
    path="cameras/paris-bovp2019-geocoded.geojson",
    mapping={
        "id": "Numéro",
        "name": "Implantation",
        "location_precision": "Précision de l\u2019implantation",
        "installed": "Date de mise en service",
    },
    source="BOVP 2019-02-01 (arrêté préfectoral), geocoded at OpenStreetMap street crossings",
    precision={"croisement": "crossing", "rue": "street", "voie": "street", "commune": "commune"},
    installed_format="%d/%m/%y",
    family="paris-police-plan",
    vintage="2019-02-01",
    operator="national_police",
    exhaustive=False,  # 707 of the arrêté's 1,391 sites could be geocoded
)

#: The Paris police prefecture's public ArcGIS layer of its video-protection cameras, as
#: of 2025-06-01 (1,689 cameras, some outside Paris: motorways, Seine-Saint-Denis), with
#: the date each camera was put in service (``date_mes_iso``). Points are the
#: prefecture's placing at an address or crossing: ``crossing`` precision.
PARIS_POLICE2025 = ListDefinition(
    list_id="paris-police-2025",
    path="cameras/paris-police-2025-06-01.geojson",
    mapping={"id": "numero_pub", "name": "adresse", "installed": "date_mes_iso"},
    source="Préfecture de police de Paris, ArcGIS layer of video-protection cameras (2025-06-01)",
    precision="crossing",
    family="paris-police-plan",
    vintage="2025-06-01",
    operator="national_police",
    exhaustive=True,
)


#: The same list under the name the national run imports (one definition, one list id).
PARIS_POLICE_2025 = PARIS_POLICE2025

def _list_date(value: Any, fmt: str | None) -> tuple[str | None, str | None]:
    """An official list's date → (ISO date or None, a reason to report or None)."""
    if is_blank(value):
        return None, None
    text = str(value).strip()
    if text.lower() in UNKNOWN_DATE_WORDS:
        return None, None
    try:
        return parse_date(text), None
    except ValueError:
        pass
    if fmt:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat(), None
        except ValueError:
            pass
    if re.fullmatch(r"\d{5}", text) and _SERIAL_RANGE[0] <= int(text) <= _SERIAL_RANGE[1]:
        day = (_SERIAL_EPOCH + dt.timedelta(days=int(text))).isoformat()
        return day, f"spreadsheet day number {text} read as {day}"
    years = re.findall(r"\d+", text)
    if len(years) == 1 and len(years[0]) == 4:
        return years[0], f"approximate date read as the year {years[0]}"
    expected = f"{fmt} or " if fmt else ""
    return None, f"unrecognised date (expected {expected}YYYY-MM-DD); installation date left empty"


def from_list(
    path: str | PathLike[str],
    *,
    list_id: str,
    mapping: Mapping[str, str],
    lat: str | None = None,
    lon: str | None = None,
    precision: str | Mapping[str, str] | None = None,
    installed_format: str | None = None,
    source: str | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Normalize an official camera list (CSV or GeoJSON) into the camera layer.

    Parameters
    ----------
    path : path-like
        The list. GeoJSON: Point features. CSV (``;``, ``,`` or tab separated,
        UTF-8): coordinates in ``lat``/``lon`` columns.
    list_id : str
        Short stable name of the list; ids are ``list:<list_id>:<value of the id column>``
        (``list:<list_id>:<row>`` when no ``id`` column is mapped: stable only while
        the file does not change).
    mapping : mapping of str to str
        Schema column → the list's column. Mapped values are parsed like the schema
        columns (``installed`` with ``installed_format``); every original column is kept
        in ``tags``.
    lat, lon : str, optional
        Coordinate columns of a CSV (default: detected among lat/latitude/y and
        lon/lng/long/longitude/x; :data:`geocover.schema.vocab.LAT_NAMES`, ``LON_NAMES``).
    precision : str or mapping, optional
        A :data:`PRECISIONS` value applied to every row, or a table translating the
        values of the mapped ``location_precision`` column (``{"croisement": "crossing"}``).
        One of the two is required: the location precision of a list is never guessed.
    installed_format : str, optional
        ``strptime`` format of the ``installed`` column (``"%d/%m/%y"``). ISO dates are
        always read; words for "unknown" (``inconnue``) give None. Spreadsheet day
        numbers (``40898``) and lone years (``Début 2019``) are read and reported.
    source : str, optional
        The ``source`` column (default ``list_id``).

    Returns
    -------
    cameras : GeoDataFrame
    problems : list of Problem

    Raises
    ------
    DataError
        A file that cannot be read, a row without coordinates or not a Point, an empty
        or duplicate id: naming the file and the row.
    UsageError
        A mapping naming a column the schema does not have, or no precision.
    """
    path = Path(path)
    unknown = set(mapping) - set(CAMERA_COLUMNS[:-1])
    if unknown:
        raise UsageError(f"mapping names unknown schema columns: {', '.join(sorted(unknown))}")
    if isinstance(precision, str):
        _precision_value(precision)
    elif "location_precision" not in mapping:
        raise UsageError(
            f"list {list_id!r}: give its location precision "
            f"(precision='exact', 'crossing', 'street' or 'commune') or map a column to it"
        )
    records, raw = _read_records(path, lat, lon)
    if raw is not None and not records.rows and isinstance(raw.get("elements"), list):
        raise DataError("an Overpass answer, not a camera list: use from_overpass", path)
    for schema_column, column in mapping.items():
        if records.props and not any(column in props for props in records.props):
            raise DataError(
                f"no column {column!r} (mapped to {schema_column!r}) in the list", path
            )

    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    ids: list[str] = []
    for row, props in zip(records.rows, records.props, strict=True):
        if "id" in mapping:
            key = text_or_none(props.get(mapping["id"]))
            if key is None:
                raise DataError(f"empty id (column {mapping['id']!r})", path, row)
        else:
            key = str(row)
        cid = list_camera_id(list_id, key)
        ids.append(cid)
        fields = _default_fields()
        values = {
            column: props.get(name)
            for column, name in mapping.items()
            if column not in ("id", "installed", "location_precision")
        }
        _apply_schema(fields, values, cid, problems)
        if "installed" in mapping:
            raw_date = props.get(mapping["installed"])
            fields["installed"], reason = _list_date(raw_date, installed_format)
            if reason:
                problems.append(Problem(cid, mapping["installed"], raw_date, reason))
        if isinstance(precision, str):
            row_precision = precision
        else:
            raw_precision = text_or_none(props.get(mapping["location_precision"]))
            table = {k.lower(): v for k, v in (precision or {}).items()}
            translated = table.get((raw_precision or "").lower(), raw_precision)
            try:
                row_precision = _precision_value(translated)
            except ValueError as exc:
                problems.append(
                    Problem(cid, mapping["location_precision"], raw_precision,
                            f"{exc}; using 'commune' (the coarsest)")
                )
                row_precision = "commune"
        cam = _row(cid, source or list_id, row_precision, props, fields)
        cam["source"] = fields.get("source") or source or list_id
        rows.append(cam)
    _check_ids(ids, records.rows, path)
    return _frame(rows, records.x, records.y, records.crs), problems


def load_list(
    definition: ListDefinition, bundle: str | PathLike[str]
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Load an official list described by ``definition`` from a bundle folder.

    Examples
    --------
    >>> cameras, problems = load_list(PARIS_BOVP2019, Path("../shared/data"))
    >>> len(cameras), cameras.crs.to_epsg()
    (707, 4326)
    """
    return from_list(
        Path(bundle) / definition.path,
        list_id=definition.list_id,
        mapping=definition.mapping,
        lat=definition.lat,
        lon=definition.lon,
        precision=definition.precision,
        installed_format=definition.installed_format,
        source=definition.source,
    )
