"""Geocoding official camera lists (addresses, street crossings) with the national
address API, the BAN (api-adresse.data.gouv.fr).

Official lists name camera sites by address or by street crossing ("Rue Saint-Denis,
rue de Rivoli"). :func:`geocode_list` turns such a CSV into the camera layer (as a
GeoJSON FeatureCollection), one row at a time with ``/search/`` (default) or in one
request with the CSV batch endpoint ``/search/csv/``, always through
:mod:`geocover.sources.http` (retries on 429/5xx, cache). Policies:

* **precision is what the BAN found, never more**: a house number is ``exact`` (the
  address point), a street or locality ``street``, a municipality ``commune``. The BAN
  does not resolve crossings: for "Rue A, rue B" it places the point somewhere on one
  of the streets, so a crossing gets ``street``; ``crossing`` would need the streets'
  geometry (OpenStreetMap), which this module does not use.
* **a weak match is not a match**: a score below ``min_score`` (default 0.5), or no
  result, sends the row to the rejects with the reason and the best label.
* **every answer is checked**: a malformed answer stops the run (exit 2) with the row
  it concerns; answers received so far are cached, so running again resumes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geocover import settings
from geocover.errors import DataError, SourceError, UsageError
from geocover.io.atomic import replace_atomic
from geocover.io.tables import read_csv, read_text
from geocover.schema.ids import list_camera_id
from geocover.schema.text import _dump_collection
from geocover.sources import http as _http

#: Matches scoring below this are rejected (``settings.GEOCODE_MIN_SCORE``, where the
#: command's help reads it without importing this module).
MIN_SCORE: float = settings.GEOCODE_MIN_SCORE
#: ``location_precision`` of each BAN result type.
RESULT_PRECISION: dict[str, str] = {
    "housenumber": "exact",
    "street": "street",
    "locality": "street",
    "municipality": "commune",
}
#: Communes the BAN indexes by arrondissement (Paris, Lyon, Marseille): a ``citycode``
#: filter with the commune's own code would match nothing, so it is not sent; give a
#: postcode column instead.
ARRONDISSEMENT_COMMUNES: frozenset[str] = frozenset({"75056", "69123", "13055"})
#: The BAN refuses queries shorter or longer than this (characters).
QUERY_LENGTH = (3, 200)


@dataclass(frozen=True)
class Match:
    """The BAN's best answer for one query."""

    lon: float
    lat: float
    score: float
    label: str
    type: str


@dataclass
class GeocodeResult:
    """Geocoded rows (camera features), rejected rows, and the list's columns."""

    path: Path
    list_id: str
    columns: list[str]
    features: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)

    def by_precision(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for feature in self.features:
            key = feature["properties"]["location_precision"]
            counts[key] = counts.get(key, 0) + 1
        return counts

    def summary(self) -> str:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(self.by_precision().items()))
        return (f"geocoded {len(self.features)}" + (f" ({detail})" if detail else "")
                + f", rejected {len(self.rejects)}")

    @property
    def exit_code(self) -> int:
        """1 when rows were given and none could be geocoded, else 0."""
        return 1 if not self.features and self.rejects else 0

    def collection(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "name": self.list_id, "features": self.features}


# --------------------------------------------------------------------------- reading


def read_list(
    path: str | Path, *, encoding: str = "utf-8"
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """A CSV list (``;``, ``,`` or tab separated, with a header): its columns and its
    rows as (line number, values). Raises DataError for an unusable file."""
    path = Path(path)
    table = read_csv(read_text(path, encoding, encoding_hint=True), path)
    rows = [(row.line, row.values) for row in table.rows]
    if not rows:
        raise DataError("no rows: the file has a header line but no data", path)
    return table.header, rows


# --------------------------------------------------------------------------- the BAN


def _validate_search(data: Any) -> None:
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise ValueError("expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise ValueError("'features' is not a list")
    for feature in features:
        _match(feature)


def _match(feature: Any) -> Match:
    """A BAN feature as a Match; ValueError when it is not shaped like one."""
    try:
        lon, lat = feature["geometry"]["coordinates"][:2]
        props = feature["properties"]
        score = props["score"]
        numbers = (lon, lat, score)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
            raise TypeError
        return Match(float(lon), float(lat), float(score), str(props.get("label", "")),
                     str(props.get("type", "")))
    except (KeyError, TypeError, IndexError, ValueError):
        raise ValueError(
            "a result without Point coordinates and a numeric score (not a BAN answer?)"
        ) from None


def search(
    query: str, *, citycode: str | None = None, postcode: str | None = None, what: str = "BAN"
) -> Match | None:
    """The BAN's best match for ``query`` (``/search/?q=…&limit=1``), or None.

    Raises
    ------
    SourceError
        The BAN could not be reached, kept failing, or answered something malformed.
    """
    params: dict[str, Any] = {"q": query, "limit": 1}
    if citycode:
        params["citycode"] = citycode
    if postcode:
        params["postcode"] = postcode
    answer = _http.fetch_json(
        f"{settings.BAN_URL.rstrip('/')}/search/", params=params, validate=_validate_search,
        what=what, source="ban",
    )
    features = answer.data["features"]
    return _match(features[0]) if features else None


def _parse_batch(text: str) -> dict[str, Match | None]:
    reader = csv.DictReader(io.StringIO(text, newline=""),
                            delimiter=max(";,\t", key=text.split("\n", 1)[0].count))
    needed = {"geocover_row", "latitude", "longitude", "result_score"}
    if reader.fieldnames is None or not needed <= set(reader.fieldnames):
        raise ValueError(f"expected the columns {', '.join(sorted(needed))}")
    results: dict[str, Match | None] = {}
    for record in reader:
        if not (record.get("latitude") or "").strip():
            results[record["geocover_row"]] = None
            continue
        try:
            results[record["geocover_row"]] = Match(
                float(record["longitude"]), float(record["latitude"]),
                float(record["result_score"]), record.get("result_label") or "",
                record.get("result_type") or "",
            )
        except ValueError:
            raise ValueError(
                f"row {record['geocover_row']}: coordinates or score are not numbers"
            ) from None
    return results


def _batch(
    queries: list[tuple[int, str, str | None]], citycode: str | None, name: str
) -> dict[str, Match | None]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["geocover_row", "q"] + (["postcode"] if any(p for _, _, p in queries) else [])
    header += ["citycode"] if citycode else []
    writer.writerow(header)
    for line, query, postcode in queries:
        values = [str(line), query] + ([postcode or ""] if "postcode" in header else [])
        writer.writerow(values + ([citycode] if citycode else []))
    fields: dict[str, Any] = {"columns": ["q"]}
    if "postcode" in header:
        fields["postcode"] = "postcode"
    if citycode:
        fields["citycode"] = "citycode"
    def complete(results: dict[str, Match | None]) -> None:
        # checked before the answer is cached: an incomplete answer is never stored
        missing = [str(line) for line, _, _ in queries if str(line) not in results]
        if missing:
            raise ValueError(f"malformed answer ({len(missing)} rows missing, "
                             f"first line {missing[0]})")

    answer = _http.fetch_text(
        f"{settings.BAN_URL.rstrip('/')}/search/csv/",
        method="POST",
        data=fields,
        files={"data": (name, buffer.getvalue().encode("utf-8"), "text/csv")},
        decode=_parse_batch,
        validate=complete,
        what=f"BAN batch geocoding of {name}",
        source="ban",
    )
    results: dict[str, Match | None] = answer.data
    return results


# --------------------------------------------------------------------------- geocoding a list


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "list"


def geocode_list(
    path: str | Path,
    *,
    columns: list[str],
    postcode_column: str | None = None,
    citycode: str | None = None,
    id_column: str | None = None,
    list_id: str | None = None,
    min_score: float = MIN_SCORE,
    encoding: str = "utf-8",
    batch: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> GeocodeResult:
    """Geocode the addresses of a camera list with the BAN.

    Parameters
    ----------
    path : path-like
        A CSV list (UTF-8 unless ``encoding`` says otherwise).
    columns : list of str
        The columns whose values, joined with spaces, make the address query
        (e.g. ``["Implantation"]`` or ``["numéro", "voie"]``).
    postcode_column : str, optional
        A column of postcodes, sent as the BAN's ``postcode`` filter.
    citycode : str, optional
        The commune's INSEE code, sent as the ``citycode`` filter (except for Paris,
        Lyon and Marseille, indexed by arrondissement: see
        :data:`ARRONDISSEMENT_COMMUNES`).
    id_column : str, optional
        A column of stable row ids: camera ids are ``list:<list_id>:<id>`` (default:
        the line number, stable only while the file does not change).
    list_id : str, optional
        The list's short name (default: the file name, slugified).
    min_score : float
        Matches below this score are rejected.
    batch : bool
        One request to ``/search/csv/`` instead of one ``/search/`` per row.
    progress : callable, optional
        Called with (rows done, rows in all) every 100 rows.

    Returns
    -------
    GeocodeResult

    Raises
    ------
    DataError
        An unusable file, or a column that is not in it.
    SourceError
        The BAN failed or answered something malformed (nothing is written).
    """
    path = Path(path)
    if not columns:
        raise UsageError("columns: name the columns that make the address",
                         hint="option", hint_value="columns")
    if not 0 <= min_score <= 1:
        raise UsageError(f"min_score {min_score:g} is not between 0 and 1",
                         hint="option", hint_value="min_score")
    header, rows = read_list(path, encoding=encoding)
    for column in [*columns, postcode_column, id_column]:
        if column is not None and column not in header:
            raise DataError(f"no column {column!r} in the header (columns: {', '.join(header)})",
                            path, 1)
    if citycode in ARRONDISSEMENT_COMMUNES:
        citycode = None
    list_id = list_id or _slug(path.stem)
    result = GeocodeResult(path=path, list_id=list_id, columns=header)
    queries: list[tuple[int, str, str | None]] = []
    ids: dict[int, str] = {}
    seen: dict[str, int] = {}
    for line, values in rows:
        key = (values.get(id_column) or "").strip() if id_column else str(line)
        if not key:
            result.rejects.append((line, f"empty id (column {id_column!r})", values))
            continue
        if key in seen:
            result.rejects.append((line, f"duplicate id {key!r} (also line {seen[key]})", values))
            continue
        seen[key] = line
        query = " ".join(values[c].strip() for c in columns if values[c].strip())
        query = re.sub(r"^[^\w]+", "", query)
        if len(query) < QUERY_LENGTH[0]:
            result.rejects.append((line, "no address (fewer than 3 characters to search)", values))
            continue
        if len(query) > QUERY_LENGTH[1]:
            reason = f"address longer than {QUERY_LENGTH[1]} characters"
            result.rejects.append((line, reason, values))
            continue
        postcode = (values.get(postcode_column) or "").strip() if postcode_column else None
        if postcode is not None and not re.fullmatch(r"\d{5}", postcode):
            postcode = None
        ids[line] = key
        queries.append((line, query, postcode))

    if batch:
        found = _batch(queries, citycode, path.name)
        matches = {line: found[str(line)] for line, _, _ in queries}
    else:
        matches = {}
        memo: dict[tuple[str, str | None], Match | None] = {}
        for done, (line, query, postcode) in enumerate(queries, start=1):
            if (query, postcode) not in memo:
                try:
                    memo[(query, postcode)] = search(
                        query, citycode=citycode, postcode=postcode,
                        what=f"BAN geocoding of {path.name} line {line}",
                    )
                except SourceError as exc:
                    if done == 1:
                        raise
                    raise SourceError(
                        f"{exc} (stopped after {done - 1} of {len(queries)} rows; the answers "
                        "received are cached: run the command again to resume)"
                    ) from None
            matches[line] = memo[(query, postcode)]
            if progress is not None and (done % 100 == 0 or done == len(queries)):
                progress(done, len(queries))

    values_of = dict(rows)
    source = f"BAN geocoding of {path.name}"
    for line, query, _postcode in queries:
        match = matches[line]
        values = values_of[line]
        if match is None:
            result.rejects.append((line, f"no match for {query!r}", values))
            continue
        if match.score < min_score:
            result.rejects.append((
                line,
                f"score {match.score:.2f} below {min_score:g} (best match: {match.label!r})",
                values,
            ))
            continue
        precision = RESULT_PRECISION.get(match.type, "commune")
        tags = {k: v.strip() for k, v in values.items() if v.strip()}
        tags.update({
            "geocode:query": query,
            "geocode:label": match.label,
            "geocode:type": match.type,
            "geocode:score": f"{match.score:.4f}",
        })
        result.features.append({
            "type": "Feature",
            "properties": {
                "id": list_camera_id(list_id, ids[line]),
                "source": source,
                "camera_type": "unknown",
                "directions": [],
                "height_m": None,
                "tilt_deg": None,
                "surveillance": None,
                "surveillance_type": None,
                "zone": None,
                "mount": None,
                "operator": None,
                "installed": None,
                "check_date": None,
                "location_precision": precision,
                "name": query,
                "notes": f"BAN {match.type or 'result'} {match.label!r}, score {match.score:.2f}",
                "tags": tags,
            },
            "geometry": {"type": "Point", "coordinates": [match.lon, match.lat]},
        })
    result.rejects.sort(key=lambda r: r[0])
    return result


def write_geocoded(result: GeocodeResult, path: str | Path) -> Path:
    """Write the geocoded cameras as GeoJSON, atomically."""
    path = Path(path)
    replace_atomic(path, _dump_collection(result.collection()))
    return path


def write_list_rejects(result: GeocodeResult, path: str | Path) -> Path:
    """Write the rejected rows (``row``, ``reason``, then the list's columns) as CSV."""
    path = Path(path)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["row", "reason", *result.columns])
    for line, reason, values in result.rejects:
        writer.writerow([line, reason, *(values.get(c, "") for c in result.columns)])
    replace_atomic(path, buffer.getvalue().encode("utf-8"))
    return path
