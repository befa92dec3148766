"""Leaflet, MarkerCluster and jQuery, read from their installed XStatic packages and
inlined into the map, so that a reader's browser contacts no CDN.

Nothing third-party is stored in this repository: the files are read at run time from
``xstatic.pkg.leaflet``, ``xstatic.pkg.leaflet_markercluster`` and ``xstatic.pkg.jquery``
(declared dependencies). Leaflet's images (the layer-control icon, the default marker)
become ``data:`` URIs, so the inlined stylesheet refers to no file beside the map.
"""

from __future__ import annotations

import base64
import importlib
import re
from functools import cache
from importlib.resources import files
from pathlib import Path

from geocover.errors import GeocoverError
from geocover.outputs.escape import inline_script, inline_style

_PACKAGES = {
    "leaflet": "xstatic-leaflet",
    "leaflet_markercluster": "xstatic-leaflet-markercluster",
    "jquery": "xstatic-jquery",
}


def _base_dir(package: str) -> Path:
    try:
        module = importlib.import_module(f"xstatic.pkg.{package}")
    except ImportError:
        raise GeocoverError(
            f"the map needs the Python package {_PACKAGES[package]} (install geocover's "
            "dependencies: pip install -e .)"
        ) from None
    return Path(module.BASE_DIR)


@cache
def _read(package: str, name: str) -> str:
    path = _base_dir(package) / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GeocoverError(
            f"{path}: cannot read an asset of {_PACKAGES[package]} ({exc})"
        ) from None


def asset_versions() -> dict[str, str]:
    """The version of each inlined library (for the map's provenance note)."""
    versions = {}
    for package in _PACKAGES:
        module = importlib.import_module(f"xstatic.pkg.{package}")
        name = str(getattr(module, "DISPLAY_NAME", package))
        versions[name] = str(getattr(module, "VERSION", "?"))
    return versions


@cache
def data_uri(name: str) -> str:
    """A Leaflet image (``marker-icon.png``, ``layers.png``…) as a ``data:`` URI."""
    path = _base_dir("leaflet") / "images" / name
    try:
        payload = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError as exc:
        raise GeocoverError(f"{path}: cannot read a Leaflet image ({exc})") from None
    mime = "image/svg+xml" if name.endswith(".svg") else "image/png"
    return f"data:{mime};base64,{payload}"


def leaflet_js() -> str:
    return _read("leaflet", "leaflet.js")


@cache
def leaflet_css() -> str:
    """Leaflet's stylesheet with every ``url(images/…)`` replaced by a ``data:`` URI."""
    css = _read("leaflet", "leaflet.css")
    return re.sub(r"url\((['\"]?)images/([\w.-]+)\1\)",
                  lambda m: f'url("{data_uri(m.group(2))}")', css)


def markercluster_js() -> str:
    return _read("leaflet_markercluster", "leaflet.markercluster.js")


def markercluster_css() -> str:
    return _read("leaflet_markercluster", "MarkerCluster.css") + "\n" + _read(
        "leaflet_markercluster", "MarkerCluster.Default.css"
    )


def jquery_js() -> str:
    return _read("jquery", "jquery.min.js")


def head_html(*, cluster: bool = False, jquery: bool = False, css: str = "", js: str = "") -> str:
    """The ``<style>`` and ``<script>`` elements to put in the map's ``<head>``.

    Parameters
    ----------
    cluster : bool
        Include Leaflet.markercluster.
    jquery : bool
        Include jQuery (geocover's map does not need it; folium features that do would).
    css, js : str
        The page's own stylesheet and script, placed after the libraries.
    """
    styles = [leaflet_css()]
    scripts = [leaflet_js()]
    if cluster:
        styles.append(markercluster_css())
        scripts.append(markercluster_js())
    if jquery:
        scripts.insert(0, jquery_js())
    if css:
        styles.append(css)
    if js:
        scripts.append(js)
    out = [f"<style>\n{inline_style(s)}\n</style>" for s in styles]
    out += [f"<script>\n{inline_script(s)}\n</script>" for s in scripts]
    return "\n".join(out)


@cache
def own_static(name: str) -> str:
    """geocover's own JavaScript or CSS file ``name`` from ``outputs/webmap/static/``."""
    try:
        return (files(__package__) / "static" / name).read_text(encoding="utf-8")
    except OSError as exc:
        raise GeocoverError(
            f"geocover/outputs/webmap/static/{name}: cannot read the map's page code ({exc}); "
            "reinstall geocover"
        ) from None
