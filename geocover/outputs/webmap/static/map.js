(function () {
  "use strict";
  var G = window.geocover = {layers: {}, meta: {}, order: [], map: null, ready: false,
                             strings: {}, panels: []};
  var SAFE_URL = /^https?:\/\/[^\s]+$/i;
  // Leaflet's own auto-pan knows nothing of the panels: G.clearPanels places popups.
  var POPUP = {maxWidth: 320, autoPan: false,
               maxHeight: Math.max(160, Math.min(360, window.innerHeight * 0.45))};
  var PHONE = window.matchMedia ? window.matchMedia("(max-width: 640px)") : {matches: false};

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
      var tr = el("tr"), td = el("td"), head = r[0], text = r[1];
      if (text === null && r[2]) { text = head; head = ""; }  // a link named by its field
      tr.appendChild(el("th", null, head));
      if (r[2] && SAFE_URL.test(r[2])) {
        var a = el("a", null, text);
        a.href = r[2]; a.target = "_blank"; a.rel = "noopener noreferrer";
        td.appendChild(a);
      } else {
        td.textContent = (text === null || text === undefined) ? "" : String(text);
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
    G.strings = o.strings || {};
    (o.panes || []).forEach(function (p) { map.createPane(p[0]).style.zIndex = p[1]; });
    if (map.attributionControl) {
      (o.attribution || []).forEach(function (a) { map.attributionControl.addAttribution(a); });
    }
    L.control.scale({imperial: false, position: "bottomleft"}).addTo(map);
    map.on("popupopen", function (e) { G.clearPanels(e.popup); });
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
    register(o, group);
    return group;
  };
  // A field of view drawn from the model's numbers (webmap.layers._fov_sectors), vertex
  // by vertex as geocover.model.fov.fields_of_view draws it in metres: the apex, then
  // the arc from its last point back to its first (a disc: its ring alone). s = [apex
  // lon, lat in 1e-5 degrees, radius in cm, start and sweep in 0.001 degrees (bearings
  // clockwise from the CRS's north), segments]; j = degrees per metre, linear in the
  // position: [lon0, lat0, the four of dlon/dx, dlon/dy, dlat/dx, dlat/dy at (lon0,
  // lat0), then their derivatives along lon, then along lat].
  function sectorRing(s, j) {
    var lon = s[0] / 1e5, lat = s[1] / 1e5, r = s[2] / 100, n = s[5];
    var u = lon - j[0], v = lat - j[1], k = [];
    for (var i = 0; i < 4; i++) { k.push(j[2 + i] + j[6 + i] * u + j[10 + i] * v); }
    var start = s[3] / 1000 * Math.PI / 180, sweep = s[4] / 1000;
    var step = sweep * Math.PI / 180 / n, disc = sweep >= 360, out = [];
    if (!disc) { out.push([lat, lon]); }
    for (var a = n; a >= (disc ? 1 : 0); a--) {
      var b = start + a * step, dx = r * Math.sin(b), dy = r * Math.cos(b);
      out.push([lat + k[2] * dx + k[3] * dy, lon + k[0] * dx + k[1] * dy]);
    }
    return out;
  }
  G.sectorRing = sectorRing;
  G.sectors = function (data, o) {
    var group = L.featureGroup();
    var style = L.extend({}, o.style || {}, {pane: o.pane, interactive: false});
    (data.s || []).forEach(function (s) { group.addLayer(L.polygon(sectorRing(s, data.j), style)); });
    (data.g || []).forEach(function (g) { group.addLayer(L.polygon(latlngs(g), style)); });
    register(o, group);
    return group;
  };
  // Every overlay is known by its key, with its reader's name and group, for the layer list.
  function register(o, group) {
    if (!o.key) { return; }
    G.layers[o.key] = group;
    G.meta[o.key] = {label: o.label || o.key, group: o.group || ""};
    G.order.push(o.key);
  }
  G.cameras = function (data, o) {
    var group = (o.cluster && L.markerClusterGroup)
      ? L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 45,
                              disableClusteringAtZoom: 17})
      : L.featureGroup();
    var icons = o.classes.map(function (c) {
      return L.divIcon({className: "gc-cam " + c, html: "<i></i>", iconSize: [12, 12],
                        iconAnchor: [6, 6], popupAnchor: [0, -6]});
    });
    var markers = data.map(function (c) {
      var m = L.marker([c[0], c[1]], {icon: icons[c[2]], title: c[3] || "", riseOnHover: true});
      m.bindPopup(function () {
        var texts = o.texts || [];
        var rows = (c[4] || []).map(function (r) {
          return [o.fields[r[0]], typeof r[1] === "number" ? texts[r[1]] : r[1], r[2]];
        });
        return G.card(c[3], rows.concat(o.rows || []), c[5], o.extraLabel);
      }, POPUP);
      return m;
    });
    if (group.addLayers) { group.addLayers(markers); }
    else { markers.forEach(function (m) { group.addLayer(m); }); }
    register(o, group);
    return group;
  };
  // A panel of server-built, escaped HTML (no data from contributors is unescaped in it).
  // On a phone each panel is a bottom sheet, opened from a bar of buttons (its title).
  G.panel = function (map, position, html, cls, title) {
    var Panel = L.Control.extend({
      onAdd: function () {
        var d = L.DomUtil.create("div", "gc-panel " + (cls || ""));
        d.innerHTML = html;
        L.DomEvent.disableClickPropagation(d);
        L.DomEvent.disableScrollPropagation(d);
        return d;
      }
    });
    var control = new Panel({position: position}).addTo(map);
    var box = control.getContainer();
    G.panels.push({el: box, title: title || "", cls: cls || "", home: box.parentNode});
    box.addEventListener("toggle", function () { fit(); }, true);
    return control;
  };
  function sheetBar(map) {
    var bar = el("nav", "gc-sheetbar");
    bar.setAttribute("aria-label", G.strings.panels || "");
    G.panels.forEach(function (p) {
      if (!p.title || p.cls === "gc-banner") { return; }
      var b = el("button", "gc-sheetbtn", p.title);
      b.type = "button";
      b.setAttribute("data-gc-sheet", p.cls);
      b.addEventListener("click", function () { G.sheet(p.cls); });
      bar.appendChild(b);
    });
    if (G.layerList) {
      var b = el("button", "gc-sheetbtn", G.strings.layers || "Layers");
      b.type = "button";
      b.setAttribute("data-gc-sheet", "gc-layers");
      b.setAttribute("data-gc-layers-toggle", "");
      b.addEventListener("click", function () { G.sheet("gc-layers"); });
      bar.appendChild(b);
    }
    L.DomEvent.disableClickPropagation(bar);
    map.getContainer().appendChild(bar);
  }
  // Open the sheet of panel ``cls`` (or close it when open); one sheet at a time.
  G.sheet = function (cls) {
    var open = null;
    G.panels.concat([{el: G.layerList, cls: "gc-layers"}]).forEach(function (p) {
      if (!p.el || p.cls === "gc-banner") { return; }
      var show = p.cls === cls && !p.el.classList.contains("gc-sheet-open");
      p.el.classList.toggle("gc-sheet-open", show);
      if (show) {
        open = p;
        p.el.querySelectorAll("details[data-gc-fold]").forEach(function (x) { x.open = true; });
      }
    });
    document.querySelectorAll(".gc-sheetbtn").forEach(function (b) {
      b.setAttribute("aria-pressed", open && b.getAttribute("data-gc-sheet") === open.cls
        ? "true" : "false");
    });
    if (open && G.map) { G.map.closePopup(); }
  };
  // Desktop: panels in the corners, open. Phone: the banner folded at the top, the other
  // panels closed until their button opens them as a sheet.
  function layout() {
    var phone = PHONE.matches;
    document.documentElement.classList.toggle("gc-phone", phone);
    if (!G.sheetHost && G.map) {
      G.sheetHost = el("div", "gc-sheets");
      L.DomEvent.disableClickPropagation(G.sheetHost);
      L.DomEvent.disableScrollPropagation(G.sheetHost);
      G.map.getContainer().appendChild(G.sheetHost);
    }
    var all = G.panels.concat(G.layerList ? [{el: G.layerList, home: G.layerHome}] : []);
    all.forEach(function (p) {
      // Sheets sit above Leaflet's corners (each corner is its own stacking context).
      if (phone && p.el.parentNode !== G.sheetHost) { G.sheetHost.appendChild(p.el); }
      if (!phone && p.home && p.el.parentNode !== p.home) { p.home.appendChild(p.el); }
    });
    G.panels.forEach(function (p) {
      p.el.classList.remove("gc-sheet-open");
      var about = p.cls === "gc-about";
      p.el.querySelectorAll("details[data-gc-fold]").forEach(function (x) {
        x.open = !phone && !about;
      });
    });
    if (G.layerList) { G.layerList.classList.remove("gc-sheet-open"); }
    fit();
  }
  // Desktop: the panels of the right-hand column share the height of the map. Phone: the
  // controls at the top start below the banner.
  function fit() {
    if (!G.map) { return; }
    var frame = G.map.getContainer().getBoundingClientRect();
    var byCls = {};
    G.panels.forEach(function (p) { byCls[p.cls] = p.el; });
    var banner = byCls["gc-banner"], claims = byCls["gc-claims"], about = byCls["gc-about"];
    if (PHONE.matches) {
      var top = banner ? banner.getBoundingClientRect().bottom - frame.top : 0;
      G.map.getContainer().style.setProperty("--gc-top", Math.max(0, top) + "px");
      [banner, claims].forEach(function (e) { if (e) { e.style.maxHeight = ""; } });
      return;
    }
    if (banner) { banner.style.maxHeight = Math.round(frame.height * 0.42) + "px"; }
    if (claims) {
      var start = claims.getBoundingClientRect().top - frame.top;
      var below = about ? about.getBoundingClientRect().height + 40 : 40;
      claims.style.maxHeight = Math.max(120, Math.round(frame.height - start - below)) + "px";
    }
  }
  // The overlays grouped under short headings, switched with map.addLayer/removeLayer;
  // "overlayadd"/"overlayremove" are fired as Leaflet's own control does. One tap on the
  // button only opens the list (Leaflet 1.9.3's control toggles a layer then: #8778).
  function layerList(map) {
    var Control = L.Control.extend({
      onAdd: function () {
        var box = L.DomUtil.create("div", "gc-layers leaflet-bar");
        var button = el("button", "gc-layers-button", G.strings.layers || "Layers");
        button.type = "button";
        button.setAttribute("data-gc-layers-toggle", "");
        button.title = G.strings.showLayers || "";
        button.setAttribute("aria-expanded", "false");
        var list = el("div", "gc-layer-list");
        list.hidden = true;
        var groups = {}, inputs = {};
        // Cameras first, then what they see, the perimeters, the checks, the boundaries.
        var rank = function (key) {
          var order = ["cameras:", "fov:", "cover:", "perimeters", "compliance:"];
          for (var i = 0; i < order.length; i++) {
            if (key.indexOf(order[i]) === 0) { return i; }
          }
          return order.length;
        };
        var keys = G.order.slice().sort(function (a, b) {
          return rank(a) - rank(b) || G.order.indexOf(a) - G.order.indexOf(b);
        });
        keys.forEach(function (key) {
          var meta = G.meta[key];
          if (!groups[meta.group]) {
            groups[meta.group] = el("fieldset", "gc-layer-group");
            if (meta.group) { groups[meta.group].appendChild(el("legend", null, meta.group)); }
            list.appendChild(groups[meta.group]);
          }
          var label = el("label", "gc-layer"), input = el("input");
          input.type = "checkbox";
          input.checked = map.hasLayer(G.layers[key]);
          input.setAttribute("data-gc-layer", key);
          input.addEventListener("change", function () {
            var layer = G.layers[key];
            if (input.checked && !map.hasLayer(layer)) {
              map.addLayer(layer);
              map.fire("overlayadd", {layer: layer, name: meta.label});
            } else if (!input.checked && map.hasLayer(layer)) {
              map.removeLayer(layer);
              map.fire("overlayremove", {layer: layer, name: meta.label});
            }
          });
          inputs[key] = input;
          label.appendChild(input);
          label.appendChild(el("span", null, meta.label));
          groups[meta.group].appendChild(label);
        });
        function sync() {
          Object.keys(inputs).forEach(function (k) { inputs[k].checked = map.hasLayer(G.layers[k]); });
        }
        map.on("layeradd layerremove", sync);
        button.addEventListener("click", function () {
          if (PHONE.matches) { G.sheet("gc-layers"); return; }
          list.hidden = !list.hidden;
          button.setAttribute("aria-expanded", list.hidden ? "false" : "true");
          if (!list.hidden) {  // down to the panels of the bottom left corner, not under them
            var corner = map.getContainer().querySelector(".leaflet-bottom.leaflet-left");
            var floor = map.getContainer().getBoundingClientRect().bottom;
            if (corner && corner.firstChild) { floor = corner.firstChild.getBoundingClientRect().top; }
            list.style.maxHeight = Math.max(120, floor - list.getBoundingClientRect().top - 12) + "px";
          }
        });
        box.appendChild(button);
        box.appendChild(list);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    var control = new Control({position: "topleft"}).addTo(map);
    G.layerList = control.getContainer();
    G.layerHome = G.layerList.parentNode;
    return control;
  }
  function intersects(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }
  // Pan the map so that an open popup is clear of every panel and inside the screen:
  // the smallest move among those that clear each panel's box on one side.
  G.clearPanels = function (popup) {
    var box = popup.getElement && popup.getElement();
    if (!box || !G.map) { return; }
    var map = G.map, m = 8, frame = map.getContainer().getBoundingClientRect();
    var p = box.getBoundingClientRect();
    var obstacles = [];
    // Every control counts: panels, the layer list, zoom, scale, attribution, and those
    // other parts of the page add (the propose mode's button).
    document.querySelectorAll(".gc-panel, .gc-sheetbar, .leaflet-control")
      .forEach(function (e) {
        var r = e.getBoundingClientRect();
        if (r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden") {
          obstacles.push(r);
        }
      });
    function moved(dx, dy) {
      return {left: p.left + dx, right: p.right + dx, top: p.top + dy, bottom: p.bottom + dy};
    }
    function ok(dx, dy) {
      var q = moved(dx, dy);
      if (q.left < frame.left + m || q.right > frame.right - m || q.top < frame.top + m ||
          q.bottom > frame.bottom - m) { return false; }
      return obstacles.every(function (o) { return !intersects(q, o); });
    }
    var xs = [0, frame.left + m - p.left, frame.right - m - p.right];
    var ys = [0, frame.top + m - p.top, frame.bottom - m - p.bottom];
    obstacles.forEach(function (o) {
      xs.push(o.left - m - p.right, o.right + m - p.left);
      ys.push(o.top - m - p.bottom, o.bottom + m - p.top);
    });
    var best = null;
    xs.forEach(function (dx) {
      ys.forEach(function (dy) {
        if (ok(dx, dy) && (!best || Math.abs(dx) + Math.abs(dy) < Math.abs(best[0]) + Math.abs(best[1]))) {
          best = [dx, dy];
        }
      });
    });
    if (!best) {  // no room beside the panels: fold them, then place it on the screen
      G.panels.forEach(function (q) {
        q.el.classList.remove("gc-sheet-open");
        q.el.querySelectorAll("details[data-gc-fold]").forEach(function (x) { x.open = false; });
      });
      obstacles = [];
      document.querySelectorAll(".gc-panel, .gc-sheetbar, .leaflet-control").forEach(function (e) {
        var r = e.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) { obstacles.push(r); }
      });
      best = [0, 0];
      xs.concat(obstacles.map(function (o) { return o.right + m - p.left; })).forEach(function (dx) {
        ys.concat(obstacles.map(function (o) { return o.bottom + m - p.top; })).forEach(function (dy) {
          if (ok(dx, dy) && (best[0] === 0 && best[1] === 0 || Math.abs(dx) + Math.abs(dy) < Math.abs(best[0]) + Math.abs(best[1]))) {
            best = [dx, dy];
          }
        });
      });
    }
    if (best[0] || best[1]) { map.panBy([-best[0], -best[1]], {animate: false}); }
  };
  G.done = function (map) {
    if (G.order.length) { layerList(map); }
    if (G.panels.length) {  // the readers' map (the batch choropleth lays out its own)
      sheetBar(map);
      layout();
      if (PHONE.addEventListener) { PHONE.addEventListener("change", layout); }
      window.addEventListener("resize", fit);
    }
    G.readyAt = window.performance ? performance.now() : null;  // ms since navigation
    G.ready = true;
    document.documentElement.setAttribute("data-geocover-ready", "1");
  };
})();
