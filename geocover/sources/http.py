"""The one HTTP module: a session with timeouts, bounded retries and an on-disk cache.

Every remote source (geo.api.gouv.fr, Overpass, BAN) goes through :func:`fetch_json`
(or :func:`fetch_text`). Behaviour:

* a User-Agent naming geocover (``settings.USER_AGENT``);
* a timeout on connect and read (``settings.TIMEOUT``);
* bounded retries with exponential back-off on 429/502/503/504 and on connection
  errors, honouring ``Retry-After`` (capped by ``settings.MAX_RETRY_AFTER``), using
  urllib3's :class:`~urllib3.util.retry.Retry` rather than a hand-written loop;
* an on-disk cache keyed on the canonical request (method, URL, sorted query, body).
  Only successful, valid answers are stored; an error, a malformed body or an answer
  the caller's ``validate`` rejects is never cached. A fresh entry is served without
  a request; a stale one is refreshed, and served (marked stale) if the network fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from geocover import settings
from geocover.errors import SourceError
from geocover.io.atomic import replace_atomic

if TYPE_CHECKING:  # requests and urllib3 are imported only when a request is made
    import requests
    from urllib3.response import BaseHTTPResponse


@dataclass(frozen=True)
class Answer:
    """A decoded answer and where it came from."""

    data: Any
    url: str
    retrieved: dt.datetime
    from_cache: bool
    stale: bool = False


def _session() -> requests.Session:
    """A session retrying as configured. requests and urllib3 (about 40 ms of imports)
    are loaded here, on the first live request, not when geocover is imported."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    class _CappedRetry(Retry):
        """urllib3's Retry, with the server's Retry-After capped (a server asking for an
        hour would otherwise stall the command)."""

        def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
            value = super().get_retry_after(response)
            if value is None:
                return None
            return min(value, settings.MAX_RETRY_AFTER)

    retry = _CappedRetry(
        total=settings.RETRIES,
        connect=settings.RETRIES,
        read=False,  # a read timeout is not retried (the server is too slow): say so at once
        status=settings.RETRIES,
        backoff_factor=settings.BACKOFF,
        status_forcelist=settings.RETRY_STATUSES,
        allowed_methods=None,  # Overpass queries are POSTs and are idempotent
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = settings.USER_AGENT
    return session


def canonical_request(
    method: str, url: str, params: dict[str, Any] | None, data: Any,
    files: dict[str, Any] | None = None,
) -> str:
    """The canonical text of a request, the cache key's source: same request, same text.
    An uploaded file counts by its field, name and the sha256 of its content."""
    query = urlencode(sorted((params or {}).items()), doseq=True)
    if isinstance(data, dict):
        body = urlencode(sorted(data.items()), doseq=True)
    else:
        body = "" if data is None else str(data)
    for field_name, spec in sorted((files or {}).items()):
        filename, content = (spec[0], spec[1]) if isinstance(spec, tuple) else ("", spec)
        raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        body += f"\n{field_name}={filename}:{hashlib.sha256(raw).hexdigest()}"
    return f"{method.upper()} {url}?{query}\n{body}"


def cache_path(key_text: str) -> Path:
    digest = hashlib.sha256(key_text.encode("utf-8")).hexdigest()
    return Path(settings.CACHE_DIR) / digest[:2] / f"{digest}.json"


def _read_cache(path: Path) -> dict[str, Any] | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        dt.datetime.fromisoformat(entry["retrieved"])
        entry["body"]
        return entry
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or damaged: behave as a miss


def _write_cache(path: Path, key_text: str, url: str, body: str, when: dt.datetime) -> None:
    entry = {"request": key_text, "url": url, "retrieved": when.isoformat(), "body": body}
    replace_atomic(path, json.dumps(entry).encode("utf-8"))


def fetch_text(
    url: str,
    *,
    params: dict[str, Any] | None = None,
    data: Any = None,
    files: dict[str, Any] | None = None,
    method: str = "GET",
    decode: Callable[[str], Any] = lambda text: text,
    validate: Callable[[Any], None] | None = None,
    use_cache: bool = True,
    what: str = "source",
) -> Answer:
    """Request ``url`` and return the decoded answer, through the cache.

    Parameters
    ----------
    decode : callable
        Turns the body into data; raising ``ValueError`` marks the answer malformed.
    validate : callable, optional
        Raises ``SourceError`` (or ``ValueError``) for an answer that must not be used
        or cached (e.g. an Overpass ``remark``).
    files : dict, optional
        Multipart uploads, as for :mod:`requests` (``{"data": (name, bytes, type)}``).
    what : str
        Names the source in error messages ("geo.api.gouv.fr commune 57463").

    Raises
    ------
    SourceError
        When the request fails (after retries) or the answer is malformed and no
        cached copy can serve.
    """
    key_text = canonical_request(method, url, params, data, files)
    path = cache_path(key_text)
    cached = _read_cache(path) if use_cache else None
    now = dt.datetime.now(dt.UTC)
    if cached is not None:
        retrieved = dt.datetime.fromisoformat(cached["retrieved"])
        age_days = (now - retrieved).total_seconds() / 86400
        if age_days <= settings.CACHE_MAX_AGE_DAYS:
            return Answer(decode(cached["body"]), cached["url"], retrieved, from_cache=True)

    try:
        answer = _request(url, params=params, data=data, files=files, method=method, what=what)
        try:
            decoded = decode(answer.text)
        except ValueError as exc:
            raise SourceError(f"{what}: malformed answer from {answer.url} ({exc})") from None
        if validate is not None:
            try:
                validate(decoded)
            except ValueError as exc:
                raise SourceError(f"{what}: unusable answer from {answer.url}: {exc}") from None
    except SourceError:
        if cached is not None:
            retrieved = dt.datetime.fromisoformat(cached["retrieved"])
            return Answer(
                decode(cached["body"]), cached["url"], retrieved, from_cache=True, stale=True
            )
        raise
    if use_cache:
        _write_cache(path, key_text, answer.url, answer.text, now)
    return Answer(decoded, answer.url, now, from_cache=False)


def _request(
    url: str, *, params: dict[str, Any] | None, data: Any, files: dict[str, Any] | None,
    method: str, what: str,
) -> requests.Response:
    import requests

    with _session() as session:
        try:
            response = session.request(
                method, url, params=params, data=data, files=files, timeout=settings.TIMEOUT
            )
        except requests.exceptions.Timeout:
            raise SourceError(
                f"{what}: {url} did not answer within {settings.TIMEOUT:g} s"
            ) from None
        except requests.exceptions.RetryError as exc:
            raise SourceError(f"{what}: {url} kept failing after retries ({exc})") from None
        except requests.exceptions.RequestException as exc:
            reason = type(exc).__name__
            raise SourceError(f"{what}: cannot reach {url} ({reason})", hint="bundle") from None
    if response.status_code >= 400:
        retried = " after retries" if response.status_code in settings.RETRY_STATUSES else ""
        raise SourceError(
            f"{what}: {response.url} answered HTTP {response.status_code}{retried}"
        )
    return response


def fetch_json(url: str, **kwargs: Any) -> Answer:
    """:func:`fetch_text` decoding the body as JSON (malformed JSON is a SourceError)."""
    return fetch_text(url, decode=json.loads, **kwargs)
