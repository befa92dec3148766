"""Documented defaults. Module-level values that tests and users may repoint.

Environment variables override some of them at import time (noted below);
tests assign the module attributes directly (e.g. point ``GEO_API_URL`` at a
local server).
"""

from __future__ import annotations

import os
from pathlib import Path

#: geo.api.gouv.fr, the French administrative geography API (commune contours).
GEO_API_URL: str = os.environ.get("GEOCOVER_GEO_API_URL", "https://geo.api.gouv.fr")
#: An Overpass API interpreter endpoint (OpenStreetMap cameras, buildings, streets).
OVERPASS_URL: str = os.environ.get(
    "GEOCOVER_OVERPASS_URL", "https://overpass-api.de/api/interpreter"
)
#: The national address API (BAN) used to geocode official camera lists.
BAN_URL: str = os.environ.get("GEOCOVER_BAN_URL", "https://api-adresse.data.gouv.fr")

#: Seconds to wait for a connection and for each read.
TIMEOUT: float = float(os.environ.get("GEOCOVER_TIMEOUT", "30"))
#: Overpass query timeout in seconds (server side, ``[timeout:…]``).
OVERPASS_TIMEOUT: int = 180
#: How many times a request is retried on 429/502/503/504 or a connection error.
RETRIES: int = 3
#: Exponential back-off factor in seconds (0.5 → 0.5 s, 1 s, 2 s…).
BACKOFF: float = 0.5
#: Upper bound on a server's Retry-After, so a hostile or confused server cannot stall us.
MAX_RETRY_AFTER: float = 60.0
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
CACHE_MAX_AGE_DAYS: float = float(os.environ.get("GEOCOVER_CACHE_MAX_AGE_DAYS", "30"))

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
