"""The one HTTP module: a session with timeouts, bounded retries and an on-disk cache.

Every remote source (geo.api.gouv.fr, Overpass, BAN) goes through :func:`fetch_json`
(or :func:`fetch_text`). Behaviour:

* a User-Agent naming geocover (``settings.USER_AGENT``);
* a timeout on connect and each read (``settings.TIMEOUT``), and a total deadline per
  request, body included (``settings.DEADLINE``): a server dripping one byte per
  second fails once the deadline passes;
* bounded retries with exponential back-off on 429/502/503/504 and on connection
  errors, honouring ``Retry-After``, using urllib3's :class:`~urllib3.util.retry.Retry`
  rather than a hand-written loop, within one total budget of waiting
  (``settings.RETRY_BUDGET``): a Retry-After beyond it fails at once, quoting it;
* the answer streamed and its decoded size capped per source
  (``settings.MAX_ANSWER_BYTES``): a gzip bomb is cut off, never inflated whole;
* redirects followed on the same host only (``settings.CROSS_HOST_REDIRECTS``), and
  the final URL recorded as the answer's;
* an on-disk cache keyed on the canonical request (method, URL, sorted query, body).
  Only successful, valid answers are stored; an error, a malformed body or an answer
  the caller's ``validate`` rejects is never cached. A fresh entry is served without
  a request; a stale one is refreshed, and served (marked stale) if the network fails.
  Every entry read back is decoded and validated again: a damaged or poisoned entry,
  fresh or stale, is a miss, never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit

from geocover import settings
from geocover.errors import GeocoverError, SourceError
from geocover.io.atomic import replace_atomic
from geocover.io.guard import read_input_bytes

if TYPE_CHECKING:  # requests and urllib3 are imported only when a request is made
    import requests


@dataclass(frozen=True)
class Answer:
    """A decoded answer and where it came from."""

    data: Any
    url: str
    retrieved: dt.datetime
    from_cache: bool
    stale: bool = False


class RetryBudgetExceeded(Exception):
    """Raised inside urllib3's retry loop when the next wait would exceed the budget."""

    def __init__(self, wait: float, header: str | None, left: float) -> None:
        super().__init__(wait, header, left)
        self.wait, self.header, self.left = wait, header, left


def _session() -> requests.Session:
    """A session retrying as configured, within the retry budget. requests and urllib3
    (about 40 ms of imports) are loaded here, on the first live request, not when
    geocover is imported."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    class _BudgetedRetry(Retry):
        """urllib3's Retry with one total budget of waiting for all the retries of a request
        (``settings.RETRY_BUDGET``): a Retry-After or back-off that does not fit fails at
        once (:class:`RetryBudgetExceeded`) instead of stalling the command."""

        budget: list[float]

        def new(self, **kw: Any) -> _BudgetedRetry:
            retry = super().new(**kw)
            retry.budget = self.budget
            return retry

        def sleep(self, response: Any = None) -> None:
            header = response.headers.get("Retry-After") if response is not None else None
            wait = None
            if header is not None and self.respect_retry_after_header:
                try:
                    wait = max(0.0, self.parse_retry_after(header))
                except Exception:
                    wait = None
            if wait is None:
                wait = self.get_backoff_time()
            if wait > self.budget[0]:
                raise RetryBudgetExceeded(wait, header, self.budget[0])
            self.budget[0] -= wait
            if wait > 0:
                time.sleep(wait)

    retry = _BudgetedRetry(
        total=settings.RETRIES,
        connect=settings.RETRIES,
        read=False,  # a read timeout is not retried (the server is too slow): say so at once
        status=settings.RETRIES,
        backoff_factor=settings.BACKOFF,
        status_forcelist=settings.RETRY_STATUSES,
        allowed_methods=None,  # Overpass queries are POSTs and are idempotent
        respect_retry_after_header=True,
        raise_on_status=False,
        redirect=False,
    )
    retry.budget = [settings.RETRY_BUDGET]
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
    """The cache entry at ``path``, or None when it is absent or damaged in any way (not
    a regular file, oversized, not JSON, missing fields, a date without a time zone)."""
    try:
        data = read_input_bytes(path, max_bytes=2 * max(settings.MAX_ANSWER_BYTES.values()))
        entry = json.loads(data.decode("utf-8"))
        retrieved = dt.datetime.fromisoformat(entry["retrieved"])
        retrieved.astimezone(dt.UTC)
        if retrieved.tzinfo is None or not isinstance(entry["body"], str):
            return None
        if not isinstance(entry.get("url", ""), str):
            return None
        return entry
    except (GeocoverError, OSError, ValueError, KeyError, TypeError, RecursionError):
        return None  # absent or damaged: behave as a miss


def _use_cached(
    entry: dict[str, Any], decode: Callable[[str], Any], validate: Callable[[Any], None] | None
) -> Any:
    """The decoded body of a cache entry, validated like a fresh answer; raises
    ValueError when it is unusable (then the entry is a miss)."""
    try:
        data = decode(entry["body"])
        if validate is not None:
            validate(data)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, SourceError) as exc:
        raise ValueError(str(exc)) from None
    return data


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
    source: str = "default",
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
    source : str
        The key of ``settings.MAX_ANSWER_BYTES`` that caps the decoded size of the answer
        ("geo.api.gouv.fr", "overpass", "ban").

    Raises
    ------
    SourceError
        When the request fails (after retries) or the answer is malformed and no
        cached copy can serve.
    """
    key_text = canonical_request(method, url, params, data, files)
    path = cache_path(key_text)
    cached = _read_cache(path) if use_cache else None
    cached_data: Any = None
    if cached is not None:
        try:
            cached_data = _use_cached(cached, decode, validate)
        except ValueError:
            cached = None  # a damaged or poisoned entry: a miss, replaced by the next answer
    now = dt.datetime.now(dt.UTC)
    if cached is not None:
        retrieved = dt.datetime.fromisoformat(cached["retrieved"])
        age_days = (now - retrieved).total_seconds() / 86400
        if 0 <= age_days <= settings.CACHE_MAX_AGE_DAYS:
            return Answer(cached_data, cached.get("url", url), retrieved, from_cache=True)

    try:
        text, final_url = _request(url, params=params, data=data, files=files, method=method,
                                   what=what, source=source)
        try:
            decoded = decode(text)
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise SourceError(f"{what}: malformed answer from {final_url} ({reason})") from None
        if validate is not None:
            try:
                validate(decoded)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise SourceError(f"{what}: unusable answer from {final_url}: {exc}") from None
    except SourceError:
        if cached is not None:
            retrieved = dt.datetime.fromisoformat(cached["retrieved"])
            return Answer(cached_data, cached.get("url", url), retrieved, from_cache=True,
                          stale=True)
        raise
    if use_cache:
        # a cache that cannot be written is no reason to fail the command
        with contextlib.suppress(OSError, GeocoverError):
            _write_cache(path, key_text, final_url, text, now)
    return Answer(decoded, final_url, now, from_cache=False)


def _same_host(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.hostname, pa.port) == (pb.hostname, pb.port) and (
        pa.scheme == pb.scheme or (pa.scheme, pb.scheme) == ("http", "https")
    )


def _request(
    url: str, *, params: dict[str, Any] | None, data: Any, files: dict[str, Any] | None,
    method: str, what: str, source: str = "default",
) -> tuple[str, str]:
    """The body (decoded to text) and the final URL of a request, within
    ``settings.DEADLINE`` seconds in all, at most ``settings.MAX_ANSWER_BYTES[source]``
    decoded bytes, following redirects on the same host only."""
    deadline = time.monotonic() + settings.DEADLINE
    result: dict[str, Any] = {}
    stop = threading.Event()

    def work() -> None:
        try:
            result["ok"] = _exchange(url, params, data, files, method, what, source,
                                     deadline, stop)
        except BaseException as exc:
            result["error"] = exc

    worker = threading.Thread(target=work, name="geocover-http", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()) + 1.0)
    if worker.is_alive():
        stop.set()  # the worker gives up at its next read; its socket is left to the OS
        raise SourceError(
            f"{what}: {url} did not finish answering within {settings.DEADLINE:g} s "
            "(settings.DEADLINE, GEOCOVER_DEADLINE)"
        )
    if "error" in result:
        raise result["error"]
    text, final_url = result["ok"]
    return text, final_url


def _exchange(
    url: str, params: dict[str, Any] | None, data: Any, files: dict[str, Any] | None,
    method: str, what: str, source: str, deadline: float, stop: threading.Event,
) -> tuple[str, str]:
    import requests

    limit = settings.MAX_ANSWER_BYTES.get(source, settings.MAX_ANSWER_BYTES["default"])
    with _session() as session:
        current, current_method, body, upload = url, method, data, files
        query = params
        for _ in range(settings.MAX_REDIRECTS + 1):
            response = _send(session, current_method, current, query, body, upload, what)
            if not response.is_redirect:
                break
            target = urljoin(response.url, response.headers.get("Location", ""))
            response.close()
            if not _same_host(response.url, target) and not settings.CROSS_HOST_REDIRECTS:
                raise SourceError(
                    f"{what}: {response.url} redirected to another host ({target}): refused, "
                    "the data would not come from the source named"
                )
            if response.status_code in (301, 302, 303) and current_method != "HEAD":
                current_method, body, upload = "GET", None, None
            current, query = target, None
        else:
            raise SourceError(f"{what}: {url} redirected more than {settings.MAX_REDIRECTS} times")
        with response:
            if response.status_code >= 400:
                retried = (" after retries" if response.status_code in settings.RETRY_STATUSES
                           else "")
                raise SourceError(
                    f"{what}: {response.url} answered HTTP {response.status_code}{retried}"
                )
            chunks, size = [], 0
            try:
                for chunk in response.iter_content(chunk_size=65536):
                    size += len(chunk)
                    if size > limit:
                        raise SourceError(
                            f"{what}: the answer of {response.url} exceeds {limit / 1e6:g} MB "
                            f"decoded (settings.MAX_ANSWER_BYTES[{source!r}]): refused"
                        )
                    if stop.is_set() or time.monotonic() > deadline:
                        raise SourceError(
                            f"{what}: {response.url} did not finish answering within "
                            f"{settings.DEADLINE:g} s (settings.DEADLINE, GEOCOVER_DEADLINE)"
                        )
                    chunks.append(chunk)
            except requests.exceptions.RequestException as exc:
                raise SourceError(
                    f"{what}: {response.url} broke off its answer ({type(exc).__name__})"
                ) from None
            response._content = b"".join(chunks)  # then .text decodes it as requests does
            return response.text, response.url
    raise AssertionError("unreachable")  # pragma: no cover


def _send(
    session: requests.Session, method: str, url: str, params: dict[str, Any] | None,
    data: Any, files: dict[str, Any] | None, what: str,
) -> requests.Response:
    import requests

    try:
        return session.request(
            method, url, params=params, data=data, files=files, timeout=settings.TIMEOUT,
            stream=True, allow_redirects=False,
        )
    except RetryBudgetExceeded as exc:
        told = f" (Retry-After: {exc.header})" if exc.header else ""
        raise SourceError(
            f"{what}: {url} asked to wait {exc.wait:.0f} s before retrying{told}, beyond the "
            f"{exc.left:.0f} s left of the retry budget (settings.RETRY_BUDGET): try later"
        ) from None
    except requests.exceptions.Timeout:
        raise SourceError(
            f"{what}: {url} did not answer within {settings.TIMEOUT:g} s"
        ) from None
    except requests.exceptions.RetryError as exc:
        raise SourceError(f"{what}: {url} kept failing after retries ({exc})") from None
    except requests.exceptions.RequestException as exc:
        reason = type(exc).__name__
        raise SourceError(f"{what}: cannot reach {url} ({reason})", hint="bundle") from None


def fetch_json(url: str, **kwargs: Any) -> Answer:
    """:func:`fetch_text` decoding the body as JSON (malformed JSON is a SourceError)."""
    return fetch_text(url, decode=json.loads, **kwargs)
