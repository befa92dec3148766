"""City configuration: ``data/<city>/city.toml`` (commune, sources, claims).

The schema is documented in ``docs/city-toml.md``. Loading validates it whole and
raises :class:`~geocover.errors.ConfigError` naming the file, the entry and the reason.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from geocover import settings
from geocover.errors import ConfigError, UsageError
from geocover.schema.city import CLAIM_KINDS, City, Claim, TimelinePoint
from geocover.schema.scope import COUNTS, DEFAULT_COUNTS, WHERE, WHOSE, ClaimScope
from geocover.sources.communes import check_insee


#: Claim kinds geocover knows how to check, with the unit of their value.
def city_names(data_dir: Path | None = None) -> list[str]:
    """The cities configured under ``data_dir`` (folders holding a ``city.toml``)."""
    data_dir = data_dir or settings.default_data_dir()
    return sorted(p.parent.name for p in data_dir.glob("*/city.toml"))


def find_city_file(city: str, data_dir: Path | None = None) -> Path:
    """The ``city.toml`` of ``city``: a slug under the data folder, or a path to a file."""
    candidate = Path(city)
    if candidate.suffix == ".toml" or candidate.is_file():
        if not candidate.is_file():
            raise UsageError(f"{candidate}: no such city file")
        return candidate
    data_dir = data_dir or settings.default_data_dir()
    path = data_dir / city.lower() / "city.toml"
    if not path.is_file():
        known = ", ".join(city_names(data_dir)) or "none"
        raise UsageError(f"unknown city {city!r}: no {path} (configured cities: {known})",
                         hint="insee")
    return path


def load_city(city: str = "metz", data_dir: Path | None = None) -> City:
    """Read and validate a city's configuration.

    Examples
    --------
    >>> metz = load_city("metz")
    >>> metz.insee, metz.official_area_km2
    ('57463', 41.94)
    """
    path = find_city_file(city, data_dir)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"malformed TOML ({exc})", path) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path) from None
    return _parse(raw, path)


def _table(raw: dict[str, Any], key: str, path: Path, *, required: bool = True) -> dict[str, Any]:
    value = raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"a [{key}] table is required", path)
    return value


def _string(table: dict[str, Any], key: str, path: Path, where: str, *,
            required: bool = True) -> str:
    value = table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key} must be a non-empty string", path)
    return value


def _number(table: dict[str, Any], key: str, path: Path, where: str, *,
            required: bool = True) -> float | None:
    value = table.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{where}.{key} must be a non-negative number, not {value!r}", path)
    return float(value)


def _parse(raw: dict[str, Any], path: Path) -> City:
    meta = _table(raw, "city", path)
    slug = _string(meta, "slug", path, "city", required=False) or path.parent.name
    name = _string(meta, "name", path, "city")
    try:
        insee = check_insee(_string(meta, "insee", path, "city"))
    except UsageError as exc:
        raise ConfigError(f"city.insee: {exc}", path) from None
    area = _number(meta, "official_area_km2", path, "city", required=False)
    count = _number(meta, "official_camera_count", path, "city", required=False)

    sources = _table(raw, "sources", path, required=False)
    folder = path.parent

    def _file(key: str, default: str) -> Path:
        value = sources.get(key, default)
        if not isinstance(value, str):
            raise ConfigError(f"sources.{key} must be a file name", path)
        return folder / value

    lists = sources.get("lists", [])
    if not isinstance(lists, list) or not all(isinstance(x, str) for x in lists):
        raise ConfigError("sources.lists must be a list of list names", path)
    osm = sources.get("osm", True)
    if not isinstance(osm, bool):
        raise ConfigError("sources.osm must be true or false", path)

    claims = []
    seen: set[str] = set()
    raw_claims = raw.get("claims", [])
    if not isinstance(raw_claims, list):
        raise ConfigError("claims must be an array of tables ([[claims]])", path)
    for i, entry in enumerate(raw_claims, start=1):
        where = f"claims[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table", path)
        cid = _string(entry, "id", path, where)
        if cid in seen:
            raise ConfigError(f"{where}: duplicate claim id {cid!r}", path)
        seen.add(cid)
        kind = _string(entry, "kind", path, where)
        if kind not in CLAIM_KINDS:
            raise ConfigError(
                f"{where}: unknown kind {kind!r} (known: {', '.join(CLAIM_KINDS)})", path
            )
        value = _number(entry, "value", path, where)
        assert value is not None
        if kind == "authorized_share" and value > 1:
            raise ConfigError(
                f"{where}: authorized_share is a fraction (0.5 for 50 %), not {value:g}", path
            )
        as_of = entry.get("as_of")
        scope = _scope(entry, kind, None if as_of is None else str(as_of), path, where)
        tolerance = _number(entry, "tolerance", path, where, required=False)
        claims.append(
            Claim(
                id=cid,
                kind=kind,
                value=value,
                source=_string(entry, "source", path, where),
                date=str(entry.get("date", "")),
                quote=str(entry.get("quote", "")),
                as_of=None if as_of is None else str(as_of),
                note=str(entry.get("note", "")),
                scope=scope,
                tolerance=tolerance,
            )
        )
    timeline = []
    for i, entry in enumerate(raw.get("timeline", []), start=1):
        where = f"timeline[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table", path)
        value = _number(entry, "value", path, where)
        timeline.append(
            TimelinePoint(
                as_of=str(entry.get("as_of", "")),
                value=int(value or 0),
                source=_string(entry, "source", path, where),
            )
        )
    return City(
        slug=slug,
        name=name,
        insee=insee,
        folder=folder,
        official_area_km2=area,
        official_area_source=str(meta.get("official_area_source", "")),
        perimeters_file=_file("perimeters", "perimeters.geojson"),
        cameras_file=_file("cameras", "cameras.geojson"),
        osm=osm,
        lists=tuple(lists),
        official_camera_count=None if count is None else int(count),
        official_camera_count_source=str(meta.get("official_camera_count_source", "")),
        claims=tuple(claims),
        timeline=tuple(timeline),
        factsheet=dict(raw.get("factsheet", {})),
    )


def _scope(entry: dict[str, Any], kind: str, as_of: str | None, path: Path,
           where: str) -> ClaimScope:
    """A claim's scope: ``counts``, ``whose``, ``where`` (defaults by kind) and ``as_of``."""
    values = {}
    for key, vocabulary, default in (
        ("counts", COUNTS, DEFAULT_COUNTS[kind]),
        ("whose", WHOSE, "any"),
        ("where", WHERE, "commune"),
    ):
        value = entry.get(key, default)
        if value not in vocabulary:
            raise ConfigError(
                f"{where}.{key}: {value!r} is not one of {', '.join(vocabulary)}", path
            )
        values[key] = value
    if kind == "camera_count" and values["counts"] not in ("camera_sites", "cameras"):
        raise ConfigError(f"{where}.counts: a camera_count counts camera_sites or cameras", path)
    return ClaimScope(counts=values["counts"], whose=values["whose"], where=values["where"],
                      as_of=as_of or (str(entry["date"]) if entry.get("date") else None))


def adhoc_city(insee: str) -> City:
    """A city with no configuration: any French commune by INSEE code, no claims."""
    insee = check_insee(insee)
    return City(slug=insee, name=insee, insee=insee, folder=Path("."), osm=True)


def resolve_city(
    city: str | None = None, insee: str | None = None, data_dir: Path | None = None
) -> City:
    """The city a command is about: ``city`` by name, or the configured city whose
    INSEE code is ``insee`` (any other commune gets an unconfigured city, no claims),
    or Metz by default."""
    if insee is not None:
        insee = check_insee(insee)
    if city:
        cfg = load_city(city, data_dir)
        if insee is not None and insee != cfg.insee:
            raise UsageError(
                f"city {cfg.slug} is INSEE {cfg.insee}, not {insee}: give one or the other"
            )
        return cfg
    if insee is None:
        return load_city("metz", data_dir)
    data_dir = data_dir or settings.default_data_dir()
    for name in city_names(data_dir):
        cfg = load_city(name, data_dir)
        if cfg.insee == insee:
            return cfg
    return adhoc_city(insee)
