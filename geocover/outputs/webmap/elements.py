"""The page's elements: the map, data layers, raw HTML."""

from __future__ import annotations

import re
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import Layer

from geocover.outputs.escape import html_text, js_json
from geocover.outputs.webmap import assets as _assets
from geocover.outputs.webmap.style import _FACTORIES


def page_of(element: Element) -> Figure:
    """The page (branca :class:`~branca.element.Figure`) an element is rendered into:
    a folium map always sits in one."""
    root = element.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"{element!r} is not part of a page")
    return root


def parent_name(element: Element) -> str:
    """The JavaScript variable of the element ``element`` was added to (its map)."""
    if element._parent is None:
        raise TypeError(f"{element!r} was not added to a map")
    return element._parent.get_name()


class RawHtml(Element):
    """A piece of the page inserted as is. branca's :class:`~branca.element.Element`
    compiles its text as a Jinja template when rendered, so text holding ``{{`` or
    ``{%`` (a contributor's name, a library) would be run as a template: this one never
    is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHtml"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


#: The page's viewport: fitted to the screen, and zoomable with two fingers.
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0" />'
_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')


class GeocoverMap(folium.Map):
    """A :class:`folium.Map` whose page links to no CDN: Leaflet (and MarkerCluster when
    used) are inlined from the installed XStatic packages, with geocover's own style and
    script."""

    def __init__(self, *args: Any, cluster: bool = False, extra_static: tuple[str, ...] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: More of geocover's own static files (``choropleth.js``, ``choropleth.css``).
        self.extra_static = tuple(extra_static)
        # Instance attributes: folium's class-level lists link Bootstrap, Font Awesome,
        # jQuery and awesome-markers from CDNs; this page uses none of them.
        self.default_js: list[tuple[str, str]] = []
        self.default_css: list[tuple[str, str]] = []
        self.cluster = cluster

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca says str, folium's give None
        figure = page_of(self)
        figure.header.add_child(
            RawHtml(_assets.head_html(
                cluster=self.cluster,
                css="\n".join([_assets.own_static("map.css")] + [
                    _assets.own_static(n) for n in self.extra_static if n.endswith(".css")]),
                js="\n".join([_assets.own_static("map.js")] + [
                    _assets.own_static(n) for n in self.extra_static if n.endswith(".js")]))),
            name="geocover_assets",
        )
        super().render(**kwargs)
        # folium's header forbids pinch-zoom (user-scalable=no): a reader on a phone must
        # be able to zoom into a popup or a panel.
        header = figure.header._children.get(self.get_name())
        if header is not None:
            text = _VIEWPORT.sub(VIEWPORT, header.render())
            figure.header._children[self.get_name()] = RawHtml(text)


class JsonText(str):
    """Data already written as JSON safe in a ``<script>`` (by :func:`features_json` or
    :func:`geometries_json`): a :class:`_DataLayer` pastes it as is."""


#: The characters of an encoded geometry's JSON text, deleted to check there is no other.
_GEOMETRY_CHARS = str.maketrans("", "", "0123456789-,[]")


def _geometry_text(text: Any) -> str:
    """``text`` if it is an encoded geometry's JSON text (digits, ``-``, ``,`` and
    brackets: nothing to escape in a script), else :class:`ValueError`."""
    if not isinstance(text, str) or text.translate(_GEOMETRY_CHARS):
        raise ValueError("not an encoded geometry's JSON text")
    return text


def features_json(features: list[dict[str, Any]]) -> JsonText:
    """``js_json(features)`` for features whose first key, ``"g"``, holds the JSON text of
    their geometry (:func:`geocover.outputs.webmap.encode._encode_texts`): the rest of
    each feature goes through :func:`~geocover.outputs.escape.js_json` and the geometry
    is pasted in, so the text is the same as ``js_json`` of the decoded features."""
    out = []
    for feature in features:
        if next(iter(feature), None) != "g":
            raise ValueError("a feature's first key is its geometry, 'g'")
        geometry = _geometry_text(feature["g"])
        others = js_json({k: v for k, v in feature.items() if k != "g"})
        out.append(f'{{"g":{geometry}}}' if others == "{}" else f'{{"g":{geometry},{others[1:]}')
    return JsonText(f"[{','.join(out)}]")


def geometries_json(geometries: list[str]) -> JsonText:
    """A list of encoded geometries' JSON texts as one JSON list."""
    return JsonText(_geometry_text(f"[{','.join(geometries)}]"))


class _DataLayer(Layer):
    """An overlay built in the page by ``geocover.<factory>(data, options)``; its script
    goes into the page as :class:`RawHtml`, never through a template."""

    def __init__(self, factory: str, data: Any, options: dict[str, Any], *, name: str,
                 show: bool = True, group: str = "") -> None:
        if factory not in _FACTORIES:
            raise ValueError(f"unknown layer factory {factory!r}")
        # Leaflet's layer control puts the name in with innerHTML: escape it.
        super().__init__(name=html_text(name), overlay=True, control=True, show=show)
        self._name = "GeocoverLayer"
        self.factory = factory
        self.settings = options
        #: The reader's name of the layer and its group in the page's layer list (shown
        #: with textContent: given as data, not escaped).
        self.label = name
        self.group = group
        self.data_js = data if isinstance(data, JsonText) else js_json(data)
        self.options_js = js_json({**options, "label": name, "group": group})

    def spec(self) -> tuple[str, str, dict[str, Any], str, bool, str]:
        """What the layer is made of, as plain values (to pass between processes)."""
        return (self.factory, str(self.data_js), self.settings, self.label, self.show,
                self.group)

    @classmethod
    def from_spec(cls, spec: tuple[str, str, dict[str, Any], str, bool, str]) -> _DataLayer:
        """The layer of :meth:`spec`."""
        factory, data_js, settings, label, show, group = spec
        return cls(factory, JsonText(data_js), settings, name=label, show=show, group=group)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as above
        script = page_of(self).script
        name = self.get_name()
        script.add_child(
            RawHtml(f"var {name} = geocover.{self.factory}({self.data_js}, {self.options_js});\n"),
            name=name,
        )
        if self.show:
            script.add_child(RawHtml(f"{name}.addTo({parent_name(self)});\n"),
                             name=f"{name}_add")


class _Call(MacroElement):
    """``geocover.<function>(<the map>, <JSON arguments>…)``, inserted as :class:`RawHtml`."""

    def __init__(self, function: str, *args: Any) -> None:
        if function not in ("setup", "panel", "done"):
            raise ValueError(f"unknown page function {function!r}")
        super().__init__()
        self._name = "GeocoverCall"
        self.function = function
        self.args = [js_json(a) for a in args]

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as above
        call = ", ".join([parent_name(self), *self.args])
        page_of(self).script.add_child(
            RawHtml(f"geocover.{self.function}({call});\n"), name=self.get_name()
        )
