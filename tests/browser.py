"""Drive Debian's chromium with playwright, with the network shut.

Every request that is not ``file://``, ``data:``/``blob:`` or loopback is intercepted and
recorded; none leaves the machine. Requests to an allowed tile host are answered with a
blank tile generated here (so a map with tiles loads without errors), every other one is
aborted. Console errors, page errors and dialogs (``alert``…) are collected.

Used by ``tests/test_browser.py`` and ``benchmarks/map_size.py``. Chromium must be at
``/usr/bin/chromium`` (``make sysdeps``); a missing browser is an error, never a skip.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"file", "data", "blob", "about"}


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        crc = struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + body + crc

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


#: A light grey 256×256 tile, answered for the allowed tile host's requests.
BLANK_TILE = _png(256, 256, (232, 230, 225))


@dataclass
class Traffic:
    """What a page tried to do."""

    external: list[str] = field(default_factory=list)
    """Every request outside file:// and loopback (answered locally or aborted)."""
    tiles: list[str] = field(default_factory=list)
    """Of those, the ones to an allowed tile host (answered with a blank tile)."""
    local: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> list[str]:
        """External requests that were not to an allowed tile host."""
        return [u for u in self.external if u not in self.tiles]

    @property
    def hosts(self) -> set[str]:
        return {urlsplit(u).hostname or "" for u in self.external}

    def problems(self) -> list[str]:
        return ([f"console error: {m}" for m in self.console_errors]
                + [f"page error: {m}" for m in self.page_errors]
                + [f"dialog: {m}" for m in self.dialogs]
                + [f"blocked request: {u}" for u in self.blocked])


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in LOOPBACK


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium (playwright Browser); raises if it cannot start."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (make sysdeps)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, path: str | Path, *, tile_hosts: tuple[str, ...] = (),
              viewport: tuple[int, int] = (1280, 860), wait_ready: bool = True,
              timeout_ms: float = 60_000, touch: bool = False) -> tuple[Any, Traffic]:
    """Open ``path`` (a local HTML file) in a new page with the network shut.

    Returns the playwright Page and the :class:`Traffic` it records (still recording
    while the page is used). With ``wait_ready``, waits for the map's
    ``window.geocover.ready``. With ``touch``, the page is a phone's: touch events and
    ``locator.tap()`` (a tap is what Leaflet's mobile bugs need to show).
    """
    traffic = Traffic()
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  service_workers="block", has_touch=touch, is_mobile=touch)
    page = context.new_page()

    def route(r: Any) -> None:
        url = r.request.url
        if _is_local(url):
            traffic.local.append(url)
            r.continue_()
            return
        traffic.external.append(url)
        if (urlsplit(url).hostname or "") in tile_hosts:
            traffic.tiles.append(url)
            r.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
        else:
            r.abort()

    context.route("**/*", route)
    page.on("console",
            lambda m: traffic.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: traffic.page_errors.append(str(e)))

    def dialog(d: Any) -> None:
        traffic.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=timeout_ms)
    if wait_ready:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            page.wait_for_function("window.geocover && window.geocover.ready === true",
                                   timeout=timeout_ms)
        except PlaywrightTimeout:
            raise AssertionError(f"{path}: the map never became ready; "
                                 f"{traffic.problems() or 'no error reported'}") from None
    return page, traffic


def close_page(page: Any) -> None:
    context = page.context
    page.close()
    context.close()
