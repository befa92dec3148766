(function () {
  "use strict";
  var G = window.geocover = {layers: {}, map: null, ready: false};
  var SAFE_URL = /^https?:\/\/[^\s]+$/i;
  var POPUP = {maxWidth: 340, maxHeight: Math.max(160, Math.min(380, window.innerHeight * 0.55))};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function table(rows) {
    var t = el("table", "gc-rows"), body = el("tbody");
    t.appendChild(body);
    rows.forEach(function (r) {
      var tr = el("tr"), td = el("td");
      tr.appendChild(el("th", null, r[0]));
      if (r[2] && SAFE_URL.test(r[2])) {
        var a = el("a", null, r[1]);
        a.href = r[2]; a.target = "_blank"; a.rel = "noopener noreferrer";
        td.appendChild(a);
      } else {
        td.textContent = (r[1] === null || r[1] === undefined) ? "" : String(r[1]);
      }
      tr.appendChild(td);
      body.appendChild(tr);
    });
    return t;
  }
  // A popup's content, built with textContent only: data is never parsed as HTML.
  G.card = function (title, rows, extra, extraLabel) {
    var d = el("div", "gc-card");
    if (title) { d.appendChild(el("h3", null, title)); }
    if (rows && rows.length) { d.appendChild(table(rows)); }
    if (extra && extra.length) {
      var more = el("details", "gc-extra");
      more.appendChild(el("summary", null, extraLabel || "more"));
      more.appendChild(table(extra));
      d.appendChild(more);
    }
    return d;
  };
  G.setup = function (map, o) {
    G.map = map;
    // MarkerCluster needs a maximum zoom, which a map without tiles does not have.
    map.setMaxZoom(o.maxZoom || 19);
    (o.panes || []).forEach(function (p) { map.createPane(p[0]).style.zIndex = p[1]; });
    if (map.attributionControl) {
      (o.attribution || []).forEach(function (a) { map.attributionControl.addAttribution(a); });
    }
    L.control.scale({imperial: false, position: "bottomleft"}).addTo(map);
    if (o.bounds) { map.fitBounds(o.bounds, {padding: [6, 6], animate: false}); }
  };
  // Geometries come as integers in 1e-5 degrees: per ring, the first point then the
  // differences (see webmap._encode); decoded to Leaflet's [lat, lng].
  function ring(a) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < a.length; i += 2) {
      x += a[i]; y += a[i + 1];
      out.push([y / 1e5, x / 1e5]);
    }
    return out;
  }
  function latlngs(g) { return g.map(function (poly) { return poly.map(ring); }); }
  G.areas = function (features, o) {
    var group = L.featureGroup(), styles = o.styles || {};
    var interactive = !!(o.popup || o.tooltip);
    features.forEach(function (f) {
      if (Array.isArray(f)) { f = {g: f}; }
      var style = L.extend({}, styles[f.s] || o.style || {},
                           {pane: o.pane, interactive: interactive});
      var shape = L.polygon(latlngs(f.g), style);
      if (o.popup) {
        shape.bindPopup(function () {
          return G.card(f.t, (f.r || []).concat(o.rows || []), f.x, o.extraLabel);
        }, POPUP);
      }
      if (o.tooltip && f.t) {
        shape.bindTooltip(function () { return el("span", null, f.t); }, {sticky: true});
      }
      group.addLayer(shape);
    });
    if (o.key) { G.layers[o.key] = group; }
    return group;
  };
  G.cameras = function (data, o) {
    var group = (o.cluster && L.markerClusterGroup)
      ? L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 45,
                              disableClusteringAtZoom: 18})
      : L.featureGroup();
    var icons = o.classes.map(function (c) {
      return L.divIcon({className: "gc-cam " + c, html: "<i></i>", iconSize: [12, 12],
                        iconAnchor: [6, 6], popupAnchor: [0, -6]});
    });
    var markers = data.map(function (c) {
      var m = L.marker([c[0], c[1]], {icon: icons[c[2]], title: c[3] || "", riseOnHover: true});
      m.bindPopup(function () {
        var rows = (c[4] || []).map(function (r) { return [o.fields[r[0]], r[1], r[2]]; });
        return G.card(c[3], rows.concat(o.rows || []), c[5], o.extraLabel);
      }, POPUP);
      return m;
    });
    if (group.addLayers) { group.addLayers(markers); }
    else { markers.forEach(function (m) { group.addLayer(m); }); }
    if (o.key) { G.layers[o.key] = group; }
    return group;
  };
  // A panel of server-built, escaped HTML (no data from contributors is unescaped in it).
  G.panel = function (map, position, html, cls) {
    var Panel = L.Control.extend({
      onAdd: function () {
        var d = L.DomUtil.create("div", "gc-panel " + (cls || ""));
        d.innerHTML = html;
        if (window.innerWidth < 640) {
          d.querySelectorAll("details[data-gc-fold]").forEach(function (x) { x.open = false; });
        }
        L.DomEvent.disableClickPropagation(d);
        L.DomEvent.disableScrollPropagation(d);
        return d;
      }
    });
    return new Panel({position: position}).addTo(map);
  };
  G.done = function () {
    G.readyAt = window.performance ? performance.now() : null;  // ms since navigation
    G.ready = true;
    document.documentElement.setAttribute("data-geocover-ready", "1");
  };
})();
