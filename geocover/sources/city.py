"""City configuration: ``data/<city>/city.toml`` (commune, sources, claims).

The schema is documented in ``docs/city-toml.md``. Loading validates it whole and
raises :class:`~geocover.errors.ConfigError` naming the file, the entry and the reason.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from geocover import settings
from geocover.errors import ConfigError, DataError, UsageError
from geocover.io.guard import read_input_bytes
from geocover.schema.city import (
    CLAIM_KINDS,
    City,
    Claim,
    RetentionPeriod,
    Rights,
    TimelinePoint,
)
from geocover.sources.city_fields import _count, _number, _string, _table, _text, _when
from geocover.sources.city_lists import (  # noqa: F401  (LIST_OPERATORS, re-exported)
    LIST_OPERATORS,
    _own_lists,
    _scope,
)
from geocover.sources.communes import check_insee


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
    if not _SLUG.match(city) or ".." in city:
        raise UsageError(
            f"{city!r} is not a city name (letters, digits, '-', '_' and '.', e.g. metz): "
            "a city is a folder of the data folder, or a path to its city.toml"
        )
    data_dir = data_dir or settings.default_data_dir()
    path = data_dir / city.lower() / "city.toml"
    if not os.path.lexists(path):  # a folder or a FIFO there is refused when read
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
        data = read_input_bytes(path, max_bytes=MAX_CONFIG_BYTES)
    except DataError as exc:
        raise ConfigError(exc.reason, path) from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"malformed TOML ({exc})", path) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path) from None
    except RecursionError:
        raise ConfigError("nested too deeply to be a city configuration", path) from None
    from geocover.sources.layers import KNOWN_SOURCES

    return _parse(raw, path, catalogue=frozenset(KNOWN_SOURCES))


#: A city's slug names its outputs (``maps/<slug>.html``): no separator, no "..".
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
#: A city.toml is a few kilobytes; anything above this is not one.
MAX_CONFIG_BYTES = 1_000_000


def _parse(raw: dict[str, Any], path: Path, catalogue: frozenset[str] = frozenset()) -> City:
    meta = _table(raw, "city", path)
    slug = _string(meta, "slug", path, "city", required=False) or path.parent.name
    if not _SLUG.match(slug) or ".." in slug:
        raise ConfigError(
            f"city.slug {slug!r} must be a plain name (letters, digits, '-', '_', '.'): it names "
            "the files written under maps/", path,
        )
    name = _string(meta, "name", path, "city")
    try:
        insee = check_insee(_string(meta, "insee", path, "city"))
    except UsageError as exc:
        raise ConfigError(f"city.insee: {exc}", path) from None
    area = _number(meta, "official_area_km2", path, "city", required=False)
    count = _count(meta, "official_camera_count", path, "city", required=False)

    sources = _table(raw, "sources", path, required=False)
    folder = path.parent

    def _file(key: str, default: str) -> Path:
        value = sources.get(key, default)
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise ConfigError(f"sources.{key} must be a file name", path)
        file = folder / value
        if (Path(value).is_absolute() or ".." in Path(value).parts or Path(value).name in ("", ".")
                or file.is_dir()):
            raise ConfigError(
                f"sources.{key} {value!r} must name a file in the city's folder "
                f"(e.g. {default!r}), not a folder or a path outside it", path,
            )
        if file.name == "city.toml":
            raise ConfigError(f"sources.{key} {value!r} is the configuration itself", path)
        return file

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
        as_of = _when(entry, "as_of", path, where)
        scope = _scope(entry, kind, None if as_of is None else str(as_of), path, where)
        tolerance = _number(entry, "tolerance", path, where, required=False)
        claims.append(
            Claim(
                id=cid,
                kind=kind,
                value=value,
                source=_string(entry, "source", path, where),
                date=_when(entry, "date", path, where) or "",
                quote=_text(entry, "quote", path, where),
                as_of=as_of,
                note=_text(entry, "note", path, where),
                scope=scope,
                tolerance=tolerance,
            )
        )
    timeline = []
    raw_timeline = raw.get("timeline", [])
    if not isinstance(raw_timeline, list):
        raise ConfigError("timeline must be an array of tables ([[timeline]])", path)
    for i, entry in enumerate(raw_timeline, start=1):
        where = f"timeline[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table", path)
        count_value = _count(entry, "value", path, where)
        target = entry.get("target", False)
        if not isinstance(target, bool):
            raise ConfigError(f"{where}.target must be true or false", path)
        said = _when(entry, "date", path, where) or ""
        # a forecast or a target may be for a date still to come
        as_of = _when(entry, "as_of", path, where, future=target or bool(said)) or ""
        timeline.append(
            TimelinePoint(
                as_of=as_of,
                value=int(count_value or 0),
                source=_string(entry, "source", path, where),
                date=said,
                target=target,
            )
        )
    perimeters_file = _file("perimeters", "perimeters.geojson")
    cameras_file = _file("cameras", "cameras.geojson")
    if perimeters_file == cameras_file:
        raise ConfigError("sources.perimeters and sources.cameras name the same file", path)
    factsheet = raw.get("factsheet", {})
    if not isinstance(factsheet, dict):
        raise ConfigError("factsheet must be a table ([factsheet])", path)
    lang = _text(meta, "lang", path, "city") or "fr"
    from geocover.i18n import LANGS

    if lang not in LANGS:
        raise ConfigError(f"city.lang is {lang!r}: geocover speaks {', '.join(LANGS)}", path)
    own = _own_lists(raw, path, catalogue=catalogue)
    clash = sorted(set(lists) & {o.name for o in own})
    if clash:
        raise ConfigError(f"sources.lists names {clash[0]!r}, which [[lists]] declares too: "
                          "a declared list is read without being named there", path)
    return City(
        rights=_rights(raw, path),
        own_lists=own,
        lang=lang,
        slug=slug,
        name=name,
        insee=insee,
        folder=folder,
        official_area_km2=area,
        official_area_source=_text(meta, "official_area_source", path, "city"),
        perimeters_file=perimeters_file,
        cameras_file=cameras_file,
        osm=osm,
        lists=tuple(lists),
        official_camera_count=count,
        official_camera_count_source=_text(meta, "official_camera_count_source", path, "city"),
        claims=tuple(claims),
        timeline=tuple(timeline),
        factsheet=dict(factsheet),
    )


#: The longest retention a city may state: the law's one month at most (CSI L252-5)
#: leaves room for a month of 31 days, not more.
MAX_RETENTION_DAYS = 31


def _rights(raw: dict[str, Any], path: Path) -> Rights | None:
    """The ``[rights]`` table: addressee, the city's text per language, retention periods."""
    if "rights" not in raw:
        return None
    table = raw["rights"]
    if not isinstance(table, dict):
        raise ConfigError("rights must be a table ([rights])", path)
    from geocover.i18n import LANGS

    text = table.get("text", {})
    if isinstance(text, str):
        text = dict.fromkeys(LANGS, text)
    if not isinstance(text, dict):
        raise ConfigError("rights.text must be text, or a table of languages (fr, en)", path)
    texts = {}
    for lang in text:
        if lang not in LANGS:
            raise ConfigError(f"rights.text.{lang}: geocover speaks {', '.join(LANGS)}", path)
        texts[lang] = _string(text, lang, path, "rights.text")
    periods = []
    raw_periods = table.get("retention", [])
    if not isinstance(raw_periods, list):
        raise ConfigError("rights.retention must be an array of tables ([[rights.retention]])",
                          path)
    for i, entry in enumerate(raw_periods, start=1):
        where = f"rights.retention[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table", path)
        days = _count(entry, "days", path, where)
        if days is None or not 1 <= days <= MAX_RETENTION_DAYS:
            raise ConfigError(f"{where}.days must be a whole number of days from 1 to "
                              f"{MAX_RETENTION_DAYS} (the law allows one month at most)", path)
        periods.append(RetentionPeriod(days=days, source=_string(entry, "source", path, where),
                                       date=_when(entry, "date", path, where) or ""))
        if not periods[-1].date:
            raise ConfigError(f"{where}.date is required (when the period was stated)", path)
    periods.sort(key=lambda p: p.date)
    return Rights(addressee=_string(table, "addressee", path, "rights"), text=texts,
                  retention=tuple(periods), source=_text(table, "source", path, "rights"),
                  date=_when(table, "date", path, "rights") or "")


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
