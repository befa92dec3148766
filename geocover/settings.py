"""Documented defaults. Module-level values that tests and users may repoint.

Environment variables override some of them at import time (noted below);
tests assign the module attributes directly (e.g. point ``GEO_API_URL`` at a
local server).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

#: Malformed environment settings found at import, as one-line messages; the command
#: refuses to start while there is one (``geocover.cli.main``), instead of a traceback.
PROBLEMS: list[str] = []


def _env_number(name: str, default: float, *, minimum: float = 0.0, strict: bool = True) -> float:
    """The number in environment variable ``name``, else ``default``. A value that is not
    a finite number above ``minimum`` (at or above it when ``strict`` is false) is
    recorded in :data:`PROBLEMS` and the default is kept."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < minimum or (strict and value == minimum):
        bound = f"{'above' if strict else 'at least'} {minimum:g}"
        PROBLEMS.append(f"{name}={raw!r} is not a number {bound} (e.g. {default:g})")
        return default
    return value


def _env_url(name: str, default: str) -> str:
    """The http(s) URL in environment variable ``name``, else ``default`` (a malformed
    one is recorded in :data:`PROBLEMS`)."""
    from urllib.parse import urlsplit

    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        parts = urlsplit(raw.strip())
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        PROBLEMS.append(f"{name}={raw!r} is not an http(s) URL with a host")
        return default
    return raw.strip()


def problems() -> list[str]:
    """The malformed settings (empty when all is well)."""
    return list(PROBLEMS)

#: geo.api.gouv.fr, the French administrative geography API (commune contours).
GEO_API_URL: str = _env_url("GEOCOVER_GEO_API_URL", "https://geo.api.gouv.fr")
#: An Overpass API interpreter endpoint (OpenStreetMap cameras, buildings, streets).
OVERPASS_URL: str = _env_url("GEOCOVER_OVERPASS_URL", "https://overpass-api.de/api/interpreter")
#: The national address API (BAN) used to geocode official camera lists.
BAN_URL: str = _env_url("GEOCOVER_BAN_URL", "https://api-adresse.data.gouv.fr")
#: Geocoded matches scoring below this are rejected (the BAN's score is in [0, 1]).
GEOCODE_MIN_SCORE: float = 0.5

#: Seconds to wait for a connection and for each read (``GEOCOVER_TIMEOUT``).
TIMEOUT: float = _env_number("GEOCOVER_TIMEOUT", 30.0)
#: Total seconds a request may take, body included, whatever the server does: a server
#: sending one byte per second fails after this long (``GEOCOVER_DEADLINE``). Above
#: ``OVERPASS_TIMEOUT`` so a slow but honest Overpass answer still arrives.
DEADLINE: float = _env_number("GEOCOVER_DEADLINE", 240.0)
#: Total seconds all the retries of one request may wait (back-off and Retry-After
#: together, ``GEOCOVER_RETRY_BUDGET``). A server asking to wait longer fails at once,
#: its Retry-After quoted in the message.
RETRY_BUDGET: float = _env_number("GEOCOVER_RETRY_BUDGET", 60.0)
#: Largest decoded answer accepted from each source, in bytes (a gzip bomb is cut off
#: while streaming, never inflated whole). Keys are the ``source`` names given to
#: :func:`geocover.sources.http.fetch_text`; ``GEOCOVER_MAX_ANSWER_MB`` sets them all.
MAX_ANSWER_BYTES: dict[str, int] = {
    "geo.api.gouv.fr": 64_000_000,
    "overpass": 512_000_000,
    "ban": 64_000_000,
    "default": 64_000_000,
}
if os.environ.get("GEOCOVER_MAX_ANSWER_MB"):
    _mb = _env_number("GEOCOVER_MAX_ANSWER_MB", 0.0)
    if _mb:
        MAX_ANSWER_BYTES = {key: int(_mb * 1e6) for key in MAX_ANSWER_BYTES}
#: Largest input file read (perimeters, cameras, lists, city.toml, bundle files), in
#: bytes (``GEOCOVER_MAX_INPUT_MB``).
MAX_INPUT_BYTES: int = int(_env_number("GEOCOVER_MAX_INPUT_MB", 1024.0) * 1e6)
#: Overpass query timeout in seconds (server side, ``[timeout:…]``).
OVERPASS_TIMEOUT: int = 180
#: How many times a request is retried on 429/502/503/504 or a connection error.
RETRIES: int = 3
#: Exponential back-off factor in seconds (0.5 → 0.5 s, 1 s, 2 s…).
BACKOFF: float = 0.5
#: Whether a redirect to another host is followed (never: the provenance would name the
#: first host while the data came from another). Same-host redirects are followed.
CROSS_HOST_REDIRECTS: bool = False
#: How many same-host redirects a request follows.
MAX_REDIRECTS: int = 5
#: HTTP statuses that are retried.
RETRY_STATUSES: tuple[int, ...] = (429, 502, 503, 504)
#: Sent with every request, as the APIs' usage policies ask.
USER_AGENT: str = (
    "geocover/0.1 (+https://github.com/geocover/geocover; video-surveillance claim checker)"
)

#: On-disk HTTP cache. Entries younger than ``CACHE_MAX_AGE_DAYS`` are served without a
#: request; older ones are refreshed, and still served if the network fails.
CACHE_DIR: Path = Path(
    os.environ.get("GEOCOVER_CACHE_DIR", Path.home() / ".cache" / "geocover")
)
CACHE_MAX_AGE_DAYS: float = _env_number("GEOCOVER_CACHE_MAX_AGE_DAYS", 30.0, strict=False)

#: Offline bundle folder laid out like ``../shared/data``. When set, nothing is requested
#: from the network.
BUNDLE_ENV: str = "GEOCOVER_BUNDLE"

#: The metric CRS of metropolitan France (RGF93 / Lambert-93). Elsewhere a local UTM zone.
METRIC_CRS: str = "EPSG:2154"
#: The CRS every layer is stored in.
STORAGE_CRS: str = "EPSG:4326"

#: Default camera height and tilt when the tags do not say (DESIGN.md).
DEFAULT_HEIGHT_M: float = 5.0
DEFAULT_TILT_DEG: float = 15.0

#: Authorizations of video-protection systems last five years (Code de la sécurité
#: intérieure, art. L252-4).
AUTHORIZATION_YEARS: int = 5


def default_data_dir() -> Path:
    """The folder holding ``<city>/city.toml``: ``$GEOCOVER_DATA_DIR``, else the checkout's
    ``data/`` (next to the package), else ``./data``."""
    env = os.environ.get("GEOCOVER_DATA_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent / "data"
    if here.is_dir():
        return here
    return Path.cwd() / "data"


def bundle_from_env() -> Path | None:
    """The offline bundle named by ``$GEOCOVER_BUNDLE``, if any."""
    value = os.environ.get(BUNDLE_ENV)
    return Path(value) if value else None
