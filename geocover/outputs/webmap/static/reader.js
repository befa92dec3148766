/*
 * geocover: the readers' tools (docs/map.md): search, permalink, locate me, filters,
 * timeline, downloads, printing and "your rights" with a request letter.
 *
 * Offline and private: the search looks only in the page's data, the files and the
 * letter are made in the browser (a Blob and an <a download>), the position of
 * "locate me" stays in the page. Text from the data is put in with textContent only.
 * The map's layers are found through geocover.layers, map.hasLayer and the map's
 * layeradd/layerremove events (whatever control shows them).
 */
(function () {
  "use strict";
  var G = window.geocover = window.geocover || {};
  var STREET_ZOOM = 17, CAMERA_ZOOM = 18, PHONE_PX = 640;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function button(text, cls, onClick) {
    var b = el("button", cls, text);
    b.type = "button";
    b.addEventListener("click", function (ev) { ev.preventDefault(); onClick(ev); });
    return b;
  }
  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : m;
    });
  }
  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function saveFile(name, text, type) {
    var url = URL.createObjectURL(new Blob([text], {type: type}));
    var a = el("a");
    a.href = url;
    a.download = name;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(url); a.parentNode.removeChild(a); }, 1000);
  }
  function phone() { return window.innerWidth < PHONE_PX; }
  function cellKey(lat, lng) { return Math.round(lat * 1e5) + "," + Math.round(lng * 1e5); }
  // A CSV cell; text that a spreadsheet would run as a formula is prefixed with '.
  function csvCell(value, text) {
    var s = value === undefined || value === null ? "" : String(value);
    if (text && /^[=+@\t\r-]/.test(s)) { s = "'" + s; }
    return /[",\n\r;]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function cameraNumber(id) {
    if (id.indexOf("list:") === 0 && id.split(":").length > 2) {
      return id.split(":").slice(2).join(":");
    }
    return id.indexOf("osm:") === 0 ? id.slice(4) : id;
  }

  G.reader = function (map, d) {
    var T = d.text, lang = d.lang || "fr";
    var locale = lang === "fr" ? "fr-FR" : "en-GB";  // as the report's (Babel's fr_FR, en_GB)
    // A row of the page's data: [lat, lng, id, operator, type, installed, [street…],
    // source, …exportKeys] (see geocover/outputs/webmap/reader.py).
    function camera(r) {
      var id = r[2], number = cameraNumber(id), props = {id: id}, title;
      if (id.indexOf("list:") === 0) { title = fmt(T.cameraNumber, {number: number}); }
      else if (id.indexOf("osm:") === 0) { title = fmt(T.osmCamera, {number: number}); }
      else { title = T.contribCamera; }
      if (d.sources[r[7]]) { props.source = d.sources[r[7]]; }
      if (d.types[r[4]][0] !== "unknown") { props["camera:type"] = d.types[r[4]][0]; }
      if (r[5]) { props.start_date = r[5]; }
      d.exportKeys.forEach(function (k, j) {
        var v = r[8 + j];
        if (v !== undefined && v !== null) { props[k] = v; }
      });
      props["geocover:operator_class"] = d.operators[r[3]][0];
      if (props.name) { title += " \u00B7 " + props.name; }
      return {lat: r[0], lng: r[1], number: number, title: title, op: r[3], type: r[4],
              installed: r[5], props: props,
              streets: r[6].map(function (i) { return d.streets[i][0]; })};
    }
    var R = G.reader.state = {panel: null, filters: {op: {}, type: {}, year: null},
                              shown: d.cameras.length, picking: false, place: null};
    var cams = d.cameras.map(camera);

    // ------------------------------------------------------------ markers of the map
    var groups = [], byCell = {}, markerOf = [];
    function indexMarkers() {
      groups = [];
      byCell = {};
      Object.keys(G.layers || {}).forEach(function (key) {
        var layer = G.layers[key];
        if (!layer || !layer.getLayers) { return; }
        var markers = layer.getLayers().filter(function (m) { return m instanceof L.Marker; });
        if (!markers.length) { return; }
        groups.push({key: key, layer: layer, markers: markers});
        markers.forEach(function (m) {
          var ll = m.getLatLng(), k = cellKey(ll.lat, ll.lng);
          (byCell[k] = byCell[k] || []).push({marker: m, layer: layer, used: false});
        });
      });
      markerOf = cams.map(function (c) {
        var la = Math.round(c.lat * 1e5), ln = Math.round(c.lng * 1e5);
        for (var i = -1; i <= 1; i++) {
          for (var j = -1; j <= 1; j++) {
            var list = byCell[(la + i) + "," + (ln + j)] || [];
            for (var n = 0; n < list.length; n++) {
              if (!list[n].used) { list[n].used = true; return list[n]; }
            }
          }
        }
        return null;
      });
      groups.forEach(function (g) {
        g.camOf = new Map();
        markerOf.forEach(function (m, i) { if (m && m.layer === g.layer) { g.camOf.set(m.marker, i); } });
      });
    }
    indexMarkers();

    // ------------------------------------------------------------ the control
    var root = el("div", "gc-reader leaflet-control");
    var searchBox = el("div", "gc-search");
    var input = el("input", "gc-search-input");
    input.type = "search";
    input.placeholder = T.searchPlaceholder;
    input.setAttribute("aria-label", T.search);
    input.autocomplete = "off";
    var results = el("ul", "gc-search-results");
    results.hidden = true;
    results.setAttribute("role", "listbox");
    searchBox.appendChild(input);
    searchBox.appendChild(results);
    root.appendChild(searchBox);
    var bar = el("div", "gc-tools");
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", T.tools);
    root.appendChild(bar);
    var sheet = el("div", "gc-panel gc-reader-panel");
    sheet.hidden = true;
    var sheetHead = el("div", "gc-reader-head");
    var sheetTitle = el("h2", null, "");
    sheetHead.appendChild(sheetTitle);
    sheetHead.appendChild(button("\u00D7", "gc-reader-close", function () { open(null); }));
    sheetHead.lastChild.title = T.close;
    sheetHead.lastChild.setAttribute("aria-label", T.close);
    sheet.appendChild(sheetHead);
    var sheetBody = el("div", "gc-reader-body");
    sheet.appendChild(sheetBody);
    root.appendChild(sheet);
    L.DomEvent.disableClickPropagation(root);
    L.DomEvent.disableScrollPropagation(root);
    L.DomEvent.on(root, "keydown keyup keypress", L.DomEvent.stopPropagation);

    var panels = {}, buttons = {};
    function reading() {
      map.getContainer().classList.toggle("gc-reading", !!R.panel || !results.hidden);
    }
    // On a desktop the panel hangs below the toolbar and ends above the window's bottom
    // (a phone's is a bottom sheet: CSS).
    function fit() {
      if (sheet.hidden) { return; }
      if (phone()) { sheet.style.maxHeight = ""; return; }
      var top = sheet.getBoundingClientRect().top;
      sheet.style.maxHeight = Math.max(160, window.innerHeight - top - 12) + "px";
    }
    window.addEventListener("resize", fit);
    function tool(key, label, build) {
      var section = el("section", "gc-tool-" + key);
      panels[key] = {label: label, section: section, build: build, built: false};
      buttons[key] = button(label, "gc-tool gc-tool-btn-" + key, function () {
        open(R.panel === key ? null : key);
      });
      buttons[key].setAttribute("aria-pressed", "false");
      bar.appendChild(buttons[key]);
    }
    function open(key) {
      Object.keys(panels).forEach(function (k) {
        buttons[k].setAttribute("aria-pressed", k === key ? "true" : "false");
      });
      while (sheetBody.firstChild) { sheetBody.removeChild(sheetBody.firstChild); }
      R.panel = key;
      sheet.hidden = !key;
      // An open panel is above the other corners' panels (the legend below it), and
      // takes the place of the propose mode (one form at a time).
      reading();
      if (key && G.proposal && G.proposal.on && G.proposal.close) { G.proposal.close(); }
      if (!key) { return; }
      var p = panels[key];
      if (!p.built) { p.build(p.section); p.built = true; }
      sheetTitle.textContent = p.label;
      sheetBody.appendChild(p.section);
      fit();
      if (p.onOpen) { p.onOpen(); }
    }

    // ------------------------------------------------------------ search
    var index = [];
    d.places.forEach(function (p) {
      index.push({kind: "place", label: p[0], fold: fold(p[0]), box: [[p[1], p[2]], [p[3], p[4]]]});
    });
    d.streets.forEach(function (s) {
      index.push({kind: "street", label: s[0], fold: fold(s[0]), box: [[s[1], s[2]], [s[3], s[4]]],
                  n: s[5]});
    });
    cams.forEach(function (c, i) {
      index.push({kind: "camera", label: c.title, number: fold(c.number),
                  fold: fold(c.number + " " + c.title + " " + c.streets.join(" ")), cam: i});
    });
    var KIND_ORDER = {place: 0, street: 1, camera: 2};
    function search(q) {
      var query = fold(q.trim());
      if (!query) { return []; }
      var words = query.split(/\s+/), found = [];
      for (var i = 0; i < index.length; i++) {
        var e = index[i], ok = true;
        for (var w = 0; w < words.length && ok; w++) { ok = e.fold.indexOf(words[w]) >= 0; }
        if (!ok) { continue; }
        var score = e.number === query ? 0 : (e.fold.indexOf(query) === 0 ? 1 : 2);
        found.push([score, KIND_ORDER[e.kind], e.label.length, e]);
      }
      found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
      return found.slice(0, 8).map(function (f) { return f[3]; });
    }
    var highlight = null;
    function go(e) {
      results.hidden = true;
      reading();
      if (highlight) { map.removeLayer(highlight); highlight = null; }
      if (phone()) { open(null); }
      if (e.kind === "camera") { showCamera(e.cam); return; }
      map.fitBounds(e.box, {maxZoom: e.kind === "street" ? STREET_ZOOM : 14, padding: [30, 30],
                            animate: false});
      if (e.kind === "street") {
        highlight = L.rectangle(e.box, {color: "#c51b8a", weight: 2, dashArray: "5 5",
                                        fill: false, interactive: false}).addTo(map);
      }
    }
    function showCamera(i) {
      var c = cams[i], m = markerOf[i], latlng = L.latLng(c.lat, c.lng);
      if (m && !visible(i)) { resetFilters(); }
      if (!m) {
        map.setView(latlng, CAMERA_ZOOM, {animate: false});
        highlight = L.circleMarker(latlng, {radius: 14, color: "#c51b8a", fill: false}).addTo(map);
        return;
      }
      if (!map.hasLayer(m.layer)) { map.addLayer(m.layer); }
      map.setView(latlng, Math.max(map.getZoom(), CAMERA_ZOOM), {animate: false});
      // After Leaflet's own pan that brings the popup into view (animated).
      var popup = function () { m.marker.openPopup(); setTimeout(clearOfTools, 400); };
      if (m.layer.zoomToShowLayer) { m.layer.zoomToShowLayer(m.marker, popup); } else { popup(); }
    }
    // A popup opened from the search is moved clear of the search box and the tools.
    function clearOfTools() {
      var p = map.getContainer().querySelector(".leaflet-popup");
      if (!p) { return; }
      var a = p.getBoundingClientRect(), b = root.getBoundingClientRect();
      if (a.top < b.bottom && a.left < b.right && a.right > b.left) {
        map.panBy([0, a.top - b.bottom - 8], {animate: false});
      }
    }
    function showResults(list) {
      while (results.firstChild) { results.removeChild(results.firstChild); }
      if (!input.value.trim()) { results.hidden = true; reading(); return; }
      if (!list.length) {
        results.appendChild(el("li", "gc-search-none", T.noResult));
      }
      list.forEach(function (e) {
        var li = el("li"), b = button("", "gc-search-result", function () { go(e); });
        b.appendChild(el("span", "gc-search-kind", T["kind" + e.kind[0].toUpperCase() +
                                                     e.kind.slice(1)]));
        b.appendChild(el("span", "gc-search-label", e.label));
        if (e.kind === "street" && e.n) {
          b.appendChild(el("small", "gc-muted", fmt(T.streetCameras, {n: e.n})));
        }
        li.appendChild(b);
        results.appendChild(li);
      });
      results.hidden = false;
      reading();
    }
    input.addEventListener("input", function () {
      if (!input.value.trim() && highlight) { map.removeLayer(highlight); highlight = null; }
      showResults(search(input.value));
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        var list = search(input.value);
        if (list.length) { go(list[0]); }
      } else if (ev.key === "Escape") { results.hidden = true; reading(); }
    });
    G.search = search;  // for tests and the curious

    // ------------------------------------------------------------ filters
    function year(i) { return cams[i].installed ? parseInt(cams[i].installed.slice(0, 4), 10) : null; }
    function visible(i) {
      var c = cams[i], f = R.filters;
      if (f.op[c.op] === false || f.type[c.type] === false) { return false; }
      if (f.year !== null) { var y = year(i); return y !== null && y <= f.year; }
      return true;
    }
    function apply() {
      var shown = 0;
      groups.forEach(function (g) {
        var add = [], remove = [];
        g.markers.forEach(function (m) {
          var i = g.camOf.get(m), want = i === undefined ? true : visible(i);
          var has = g.layer.hasLayer(m);
          if (want && !has) { add.push(m); } else if (!want && has) { remove.push(m); }
        });
        if (g.layer.removeLayers) { g.layer.removeLayers(remove); g.layer.addLayers(add); }
        else {
          remove.forEach(function (m) { g.layer.removeLayer(m); });
          add.forEach(function (m) { g.layer.addLayer(m); });
        }
      });
      cams.forEach(function (c, i) { if (visible(i)) { shown++; } });
      R.shown = shown;
      Object.keys(panels).forEach(function (k) { if (panels[k].status) { panels[k].status(); } });
    }
    function resetFilters() {
      R.filters = {op: {}, type: {}, year: null};
      apply();
      Object.keys(panels).forEach(function (k) { if (panels[k].sync) { panels[k].sync(); } });
    }
    G.reader.apply = apply;

    tool("filters", T.filters, function (section) {
      if (!cams.length) { section.appendChild(el("p", "gc-muted", T.noCameras)); return; }
      var status = el("p", "gc-filter-status");
      status.setAttribute("role", "status");
      var boxes = [];
      function group(title, vocab, key) {
        var counts = vocab.map(function () { return 0; });
        cams.forEach(function (c) { counts[c[key]]++; });
        var fs = el("fieldset", "gc-filter-" + key);
        fs.appendChild(el("legend", null, title));
        vocab.forEach(function (v, i) {
          if (!counts[i]) { return; }
          var label = el("label", "gc-check"), box = el("input");
          box.type = "checkbox";
          box.checked = true;
          box.value = v[0];
          box.addEventListener("change", function () {
            R.filters[key][i] = box.checked;
            apply();
          });
          boxes.push([box, key, i]);
          label.appendChild(box);
          label.appendChild(document.createTextNode(" " + v[1] + " (" +
                                                    counts[i].toLocaleString(locale) + ")"));
          fs.appendChild(label);
        });
        section.appendChild(fs);
      }
      group(T.byOperator, d.operators, "op");
      group(T.byType, d.types, "type");
      section.appendChild(status);
      section.appendChild(button(T.showAll, "gc-filter-all", resetFilters));
      function sync() {
        boxes.forEach(function (b) { b[0].checked = R.filters[b[1]][b[2]] !== false; });
        status.textContent = fmt(T.shown, {shown: R.shown.toLocaleString(locale),
                                           total: cams.length.toLocaleString(locale)});
      }
      panels.filters.sync = panels.filters.status = sync;
      sync();
    });

    // ------------------------------------------------------------ timeline
    tool("timeline", T.timeline, function (section) {
      var counts = {}, undated = 0, years = [];
      cams.forEach(function (c, i) {
        var y = year(i);
        if (y === null || isNaN(y)) { undated++; return; }
        counts[y] = (counts[y] || 0) + 1;
        years.push(y);
      });
      var claims = d.timeline.claims.map(function (c) {
        // A claim "as of" a month sits within its year (2014-11: near the end of 2014).
        var yr = parseInt(c.when.slice(0, 4), 10);
        var at = c.when.length >= 7 ? yr + (parseInt(c.when.slice(5, 7), 10) - 0.5) / 12
          : yr + 0.5;
        return {year: yr, at: at, value: c.value, label: c.label, source: c.source,
                announced: !!c.announced};
      });
      claims.forEach(function (c) { years.push(c.year); });
      section.appendChild(el("p", null, T.inService));
      if (!years.length) { section.appendChild(el("p", "gc-muted", T.noDates)); return; }
      var y0 = Math.min.apply(null, years), y1 = Math.max.apply(null, years);
      var total = 0, series = [];
      for (var y = y0; y <= y1; y++) { total += counts[y] || 0; series.push([y, total]); }
      var top = Math.max(total, Math.max.apply(null, claims.map(function (c) { return c.value; })
                                                   .concat([1])));
      var W = 300, H = 150, left = 34, bottom = 20, ns = "http://www.w3.org/2000/svg";
      function svg(tag, attrs, text) {
        var e = document.createElementNS(ns, tag);
        Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
        if (text !== undefined) { e.textContent = String(text); }
        return e;
      }
      var chart = svg("svg", {viewBox: "0 0 " + W + " " + H, "class": "gc-timeline-chart",
                              role: "img", "aria-label": T.inService});
      var n = y1 - y0 + 1, step = (W - left - 16) / n;
      function x(yr) { return left + (yr - y0 + 0.5) * step; }
      function yv(v) { return H - bottom - (H - bottom - 18) * v / top; }
      chart.appendChild(svg("line", {x1: left, y1: H - bottom, x2: W - 4, y2: H - bottom,
                                     "class": "gc-axis"}));
      chart.appendChild(svg("text", {x: left - 4, y: yv(top) + 4, "text-anchor": "end",
                                     "class": "gc-tick"}, top.toLocaleString(locale)));
      chart.appendChild(svg("text", {x: left - 4, y: H - bottom, "text-anchor": "end",
                                     "class": "gc-tick"}, "0"));
      if (years.length > claims.length) {
        series.forEach(function (s) {
          if (!s[1]) { return; }
          var bar = svg("rect", {x: x(s[0]) - step * 0.4, width: step * 0.8, y: yv(s[1]),
                                 height: H - bottom - yv(s[1]), "class": "gc-bar"});
          bar.appendChild(svg("title", {}, s[0] + ": " + s[1].toLocaleString(locale)));
          chart.appendChild(bar);
        });
      }
      var lastX = -100;
      claims.forEach(function (c) {
        var cx = x(c.at - 0.5), below = cx - lastX < 16;  // labels of close claims alternate
        lastX = below ? -100 : cx;
        // A forecast or a target (announced, not counted) is drawn hollow.
        var dot = svg("circle", {cx: cx, cy: yv(c.value), r: 4,
                                 "class": c.announced ? "gc-claim gc-announced" : "gc-claim"});
        dot.appendChild(svg("title", {}, c.label + ": " + c.value.toLocaleString(locale) +
                                         " (" + c.source + ")"));
        chart.appendChild(dot);
        chart.appendChild(svg("text", {x: cx, y: yv(c.value) + (below ? 15 : -7),
                                       "text-anchor": "middle", "class": "gc-claim-label"},
                              c.value.toLocaleString(locale)));
      });
      var ticks = [y0];
      for (var t = Math.ceil((y0 + 3) / 5) * 5; t <= y1 - 3; t += 5) { ticks.push(t); }
      if (y1 !== y0) { ticks.push(y1); }
      ticks.forEach(function (yr) {
        chart.appendChild(svg("text", {x: x(yr), y: H - 5, "text-anchor": "middle",
                                       "class": "gc-tick"}, yr));
      });
      section.appendChild(chart);
      var key = el("p", "gc-timeline-key");
      if (years.length > claims.length) {
        key.appendChild(el("span", "gc-key-bar"));
        key.appendChild(document.createTextNode(" " + T.dated + " "));
      }
      if (claims.length) {
        key.appendChild(el("span", "gc-key-claim"));
        key.appendChild(document.createTextNode(" " + T.claimed + " "));
      }
      if (claims.some(function (c) { return c.announced; })) {
        key.appendChild(el("span", "gc-key-claim gc-key-announced"));
        key.appendChild(document.createTextNode(" " + T.announced));
      }
      section.appendChild(key);
      if (years.length === claims.length) {
        section.appendChild(el("p", "gc-muted", T.noDates));
        return;
      }
      if (undated) { section.appendChild(el("p", "gc-muted", fmt(T.undated, {n: undated}))); }
      section.appendChild(el("p", "gc-muted", T.listNote));
      var row = el("div", "gc-year-row"), all = el("input"), slider = el("input");
      all.type = "checkbox";
      all.checked = R.filters.year === null;
      all.className = "gc-year-all";
      slider.type = "range";
      slider.className = "gc-year";
      slider.min = String(y0);
      slider.max = String(y1);
      slider.step = "1";
      slider.value = String(R.filters.year === null ? y1 : R.filters.year);
      slider.setAttribute("aria-label", T.yearFilter);
      var yearText = el("strong", "gc-year-value", slider.value);
      var allLabel = el("label", "gc-check");
      allLabel.appendChild(all);
      allLabel.appendChild(document.createTextNode(" " + T.allYears));
      row.appendChild(el("span", null, T.yearFilter + " "));
      row.appendChild(yearText);
      row.appendChild(slider);
      row.appendChild(allLabel);
      section.appendChild(row);
      var status = el("p", "gc-year-status");
      status.setAttribute("role", "status");
      section.appendChild(status);
      function change() {
        R.filters.year = all.checked ? null : parseInt(slider.value, 10);
        yearText.textContent = all.checked ? T.allYears : slider.value;
        apply();
      }
      slider.addEventListener("input", function () { all.checked = false; change(); });
      all.addEventListener("change", change);
      panels.timeline.status = function () {
        status.textContent = fmt(T.shown, {shown: R.shown.toLocaleString(locale),
                                           total: cams.length.toLocaleString(locale)});
      };
      panels.timeline.sync = function () {
        all.checked = R.filters.year === null;
        yearText.textContent = all.checked ? T.allYears : slider.value;
      };
      panels.timeline.status();
    });

    // ------------------------------------------------------------ downloads
    var KEYS = ["id", "source", "camera:type", "camera:direction", "height", "surveillance",
                "operator", "start_date", "name", "note", "location_precision",
                "geocover:operator_class"];
    var NUMERIC = {"height": true, "camera:direction": true};
    function camerasGeojson() {
      return JSON.stringify({type: "FeatureCollection", features: cams.map(function (c) {
        return {type: "Feature", properties: c.props,
                geometry: {type: "Point", coordinates: [c.lng, c.lat]}};
      })}, null, 1) + "\n";
    }
    function camerasCsv() {
      var lines = [["lat", "lon"].concat(KEYS).join(",")];
      cams.forEach(function (c) {
        lines.push([c.lat, c.lng].concat(KEYS.map(function (k) {
          return csvCell(c.props[k], !NUMERIC[k]);
        })).join(","));
      });
      return lines.join("\r\n") + "\r\n";
    }
    function coverGeojson() {
      var features = [];
      d.covers.forEach(function (cv) {
        var layer = G.layers[cv[0]];
        if (!layer || !layer.toGeoJSON) { return; }
        (layer.toGeoJSON(6).features || []).forEach(function (f) {
          f.properties = {preset: cv[1]};
          features.push(f);
        });
      });
      return features.length ? JSON.stringify({type: "FeatureCollection", features: features}) +
        "\n" : null;
    }
    G.reader.files = {cameras: camerasGeojson, csv: camerasCsv, cover: coverGeojson};
    tool("download", T.download, function (section) {
      section.appendChild(el("p", "gc-muted", T.downloadHint));
      var slug = d.slug || "map";
      if (cams.length) {
        section.appendChild(button(T.camerasGeojson, "gc-dl gc-dl-geojson", function () {
          saveFile(slug + "-cameras.geojson", camerasGeojson(), "application/geo+json");
        }));
        section.appendChild(button(T.camerasCsv, "gc-dl gc-dl-csv", function () {
          saveFile(slug + "-cameras.csv", "\ufeff" + camerasCsv(), "text/csv");
        }));
        section.appendChild(el("p", "gc-muted", fmt(T.downloadCount,
                                                     {n: cams.length.toLocaleString(locale)})));
      } else {
        section.appendChild(el("p", "gc-muted", T.noCameras));
      }
      var hasCover = d.covers.some(function (cv) { return G.layers[cv[0]]; });
      if (hasCover) {
        section.appendChild(button(T.coverGeojson, "gc-dl gc-dl-cover", function () {
          var text = coverGeojson();
          if (text) { saveFile(slug + "-coverage.geojson", text, "application/geo+json"); }
        }));
      } else {
        section.appendChild(el("p", "gc-muted", T.noCover));
      }
    });

    // ------------------------------------------------------------ your rights
    var rights = d.rights, placeMarker = null;
    function dateText(iso) {
      if (!iso) { return T.unset; }
      var p = iso.split("-");
      var day = new Date(Date.UTC(+p[0], +p[1] - 1, +p[2]));
      return new Intl.DateTimeFormat(locale, {dateStyle: "long", timeZone: "UTC"}).format(day);
    }
    function addDays(iso, n) {
      var p = iso.split("-");
      var day = new Date(Date.UTC(+p[0], +p[1] - 1, +p[2] + n));
      return day.toISOString().slice(0, 10);
    }
    var form = {};
    function letterLines() {
      var v = function (k) { return form[k] ? form[k].value.trim() : ""; };
      var name = v("name") || T.unset, today = new Date().toISOString().slice(0, 10);
      var lines = [name];
      if (v("address")) { lines = lines.concat(v("address").split(/\r?\n/)); }
      lines.push("", fmt(T.letterTo, {addressee: rights.addressee || T.unset}), "",
                 fmt(T.letterDate, {city: d.city, today: dateText(today)}), "", T.letterSubject,
                 "", T.letterGreeting, "");
      var place = v("place") || T.unset;
      if (R.place) {
        place += " " + fmt(T.letterCoords, {lat: R.place.lat.toFixed(5),
                                            lng: R.place.lng.toFixed(5)});
      }
      lines.push(fmt(T.letterBody, {date: dateText(v("date")), from: v("from") || T.unset,
                                    to: v("to") || T.unset, place: place}));
      if (v("description")) {
        lines.push("", fmt(T.letterRecognise, {description: v("description")}));
      }
      lines.push("", fmt(T.letterRetention, {retention: rights.retentionText}), "",
                 T.letterEnclosed, "", T.letterClosing, "", name);
      return lines;
    }
    var preview = el("pre", "gc-letter-preview"), deadline = el("p", "gc-letter-deadline");
    function refreshLetter() {
      preview.textContent = letterLines().join("\n");
      var when = form.date ? form.date.value : "";
      deadline.textContent = when ? fmt(T.deadline, {date: dateText(when),
                                                     erased: dateText(addDays(when, rights.days))})
        : "";
    }
    function letterHtml() {
      var body = letterLines().map(function (l) { return escapeHtml(l); }).join("<br>\n");
      return "<!DOCTYPE html>\n<html lang=\"" + escapeHtml(lang) + "\"><head><meta charset=\"utf-8\">" +
        "<title>" + escapeHtml(T.letter) + "</title><style>body{font:12pt/1.5 Georgia,serif;" +
        "max-width:40em;margin:2em auto}</style></head><body><p>" + body + "</p></body></html>\n";
    }
    G.reader.letter = function () { return letterLines().join("\n"); };
    function pickAt(latlng) {
      R.place = latlng;
      R.picking = false;
      map.getContainer().classList.remove("gc-picking");
      if (placeMarker) { map.removeLayer(placeMarker); }
      placeMarker = L.circleMarker(latlng, {radius: 9, color: "#c51b8a", weight: 3,
                                            fillOpacity: 0.3, interactive: false}).addTo(map);
      var best = null, bestD = 150;
      cams.forEach(function (c) {
        if (!c.streets.length) { return; }
        var dist = map.distance(latlng, [c.lat, c.lng]);
        if (dist < bestD) { bestD = dist; best = c.streets[0]; }
      });
      if (best && form.place && !form.place.value.trim()) { form.place.value = best; }
      if (R.panel !== "rights") { open("rights"); }
      refreshLetter();
    }
    map.on("click", function (e) { if (R.picking) { pickAt(e.latlng); } });
    G.reader.pick = pickAt;
    tool("rights", T.rights, function (section) {
      section.appendChild(el("h3", null, T.rightsTitle));
      section.appendChild(el("p", "gc-rights-text", rights.text || T.genericRights));
      if (rights.addressee) {
        var to = el("p", "gc-rights-to");
        to.appendChild(el("strong", null, T.addressee + " : ".slice(lang === "fr" ? 0 : 1)));
        to.appendChild(document.createTextNode(rights.addressee));
        section.appendChild(to);
      }
      section.appendChild(el("h3", null, T.retention));
      var ul = el("ul", "gc-rights-retention");
      if (rights.retention.length) {
        rights.retention.forEach(function (p) { ul.appendChild(el("li", null, p.text)); });
      } else {
        ul.appendChild(el("li", null, T.retentionLaw));
      }
      section.appendChild(ul);
      section.appendChild(el("p", "gc-muted gc-rights-law", T.legalBasis));
      if (rights.source) {
        section.appendChild(el("p", "gc-muted", fmt(T.rightsSource, {source: rights.source})));
      }
      var details = el("details", "gc-letter");
      details.appendChild(el("summary", null, T.letter));
      details.appendChild(el("p", "gc-muted", T.letterHint));
      var grid = el("div", "gc-letter-grid"), count = 0;
      function field(key, label, input) {
        var id = "gc-letter-" + key + "-" + (++count), l = el("label", null, label);
        l.htmlFor = id;
        input.id = id;
        input.className = "gc-letter-" + key;
        input.addEventListener("input", refreshLetter);
        input.addEventListener("change", refreshLetter);
        grid.appendChild(l);
        grid.appendChild(input);
        form[key] = input;
        return input;
      }
      function text(max) { var i = el("input"); i.type = "text"; i.maxLength = max; return i; }
      field("name", T.yourName, text(200));
      var address = el("textarea");
      address.rows = 2;
      address.maxLength = 500;
      field("address", T.yourAddress, address);
      var date = el("input");
      date.type = "date";
      date.max = new Date().toISOString().slice(0, 10);
      field("date", T.when, date);
      var from = el("input"), to2 = el("input");
      from.type = to2.type = "time";
      field("from", T.from, from);
      field("to", T.to, to2);
      var place = field("place", T.place, text(300));
      place.placeholder = T.placeHint;
      field("description", T.description, text(300)).placeholder = T.descriptionPlaceholder;
      details.appendChild(grid);
      details.appendChild(button(T.pickPlace, "gc-letter-pick", function () {
        R.picking = true;
        map.getContainer().classList.add("gc-picking");
        deadline.textContent = T.picking;
        if (phone()) { open(null); }
      }));
      details.appendChild(deadline);
      details.appendChild(preview);
      var actions = el("div", "gc-letter-actions");
      actions.appendChild(button(T.printLetter, "gc-letter-print-btn", function () {
        var out = document.getElementById("gc-letter-print") || el("div");
        out.id = "gc-letter-print";
        out.textContent = letterLines().join("\n");
        document.body.appendChild(out);
        document.documentElement.classList.add("gc-print-letter");
        window.print();
      }));
      actions.appendChild(button(T.saveText, "gc-letter-txt", function () {
        saveFile(T.letterFile + ".txt", letterLines().join("\r\n") + "\r\n", "text/plain");
      }));
      actions.appendChild(button(T.saveHtml, "gc-letter-html", function () {
        saveFile(T.letterFile + ".html", letterHtml(), "text/html");
      }));
      details.appendChild(actions);
      section.appendChild(details);
      refreshLetter();
    });
    window.addEventListener("afterprint", function () {
      document.documentElement.classList.remove("gc-print-letter");
    });

    // ------------------------------------------------------------ locate me
    var here = null;
    tool("locate", T.locate, function (section) {
      section.appendChild(el("p", "gc-muted", T.locateHint));
      var status = el("p", "gc-locate-status");
      status.setAttribute("role", "status");
      section.appendChild(status);
      panels.locate.onOpen = function () {
        if (!navigator.geolocation) { status.textContent = T.locateNone; return; }
        status.textContent = T.locating;
        navigator.geolocation.getCurrentPosition(function (pos) {
          var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
          var acc = Math.round(pos.coords.accuracy || 0);
          if (here) { map.removeLayer(here); }
          here = L.featureGroup([
            L.circle(ll, {radius: acc, color: "#2171b5", weight: 1, fillOpacity: 0.1,
                          interactive: false}),
            L.circleMarker(ll, {radius: 6, color: "#fff", weight: 2, fillColor: "#2171b5",
                                fillOpacity: 1, interactive: false})]).addTo(map);
          map.setView(ll, Math.max(map.getZoom(), STREET_ZOOM), {animate: false});
          status.textContent = fmt(T.located, {m: acc.toLocaleString(locale)});
          R.located = [ll.lat, ll.lng, acc];
        }, function (err) {
          status.textContent = fmt(T.locateFailed, {reason: err.message || String(err.code)});
        }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
      };
    });

    // ------------------------------------------------------------ print
    function preparePrint() {
      var out = document.getElementById("gc-print-panels");
      if (out) { out.parentNode.removeChild(out); }
      out = el("div");
      out.id = "gc-print-panels";
      map.getContainer().querySelectorAll(".gc-panel").forEach(function (p) {
        if (p.closest(".gc-reader, .gc-prop")) { return; }
        var copy = p.cloneNode(true);
        copy.querySelectorAll("details").forEach(function (x) { x.open = true; });
        out.appendChild(copy);
      });
      document.body.appendChild(out);
      map.invalidateSize();
    }
    window.addEventListener("beforeprint", preparePrint);
    if (window.matchMedia) {
      var media = window.matchMedia("print");
      var onMedia = function (m) { if (m.matches) { preparePrint(); } };
      if (media.addEventListener) { media.addEventListener("change", onMedia); }
      else if (media.addListener) { media.addListener(onMedia); }
    }
    bar.appendChild(button(T.print, "gc-tool gc-tool-btn-print", function () {
      open(null);
      window.print();
    }));

    var Control = L.Control.extend({options: {position: "topleft"},
                                    onAdd: function () { return root; }});
    new Control().addTo(map);

    // ------------------------------------------------------------ permalink
    function shownKeys() {
      return Object.keys(G.layers || {}).filter(function (k) { return map.hasLayer(G.layers[k]); });
    }
    function hashOf() {
      var c = map.getCenter(), z = map.getZoom();
      return "#map=" + z + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5) + "&layers=" +
        shownKeys().map(encodeURIComponent).join(",");
    }
    var timer = null, applying = false;
    function schedule() {
      if (applying) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        var h = hashOf();
        if (location.hash === h) { return; }
        try { history.replaceState(null, "", h); } catch (e) { location.hash = h; }
      }, 150);
    }
    function restore(hash) {
      var m = /(?:^#|&)map=(\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)/.exec(hash || "");
      if (!m) { return false; }
      applying = true;
      var l = /(?:^#|&)layers=([^&]*)/.exec(hash);
      if (l) {
        var wanted = {};
        l[1].split(",").forEach(function (k) { if (k) { wanted[decodeURIComponent(k)] = true; } });
        Object.keys(G.layers || {}).forEach(function (k) {
          var layer = G.layers[k], on = !!wanted[k];
          if (on && !map.hasLayer(layer)) { map.addLayer(layer); }
          else if (!on && map.hasLayer(layer)) { map.removeLayer(layer); }
        });
      }
      map.setView([+m[2], +m[3]], Math.round(+m[1]), {animate: false});
      applying = false;
      return true;
    }
    var layerSet = new Set(Object.keys(G.layers || {}).map(function (k) { return G.layers[k]; }));
    map.on("moveend zoomend", schedule);
    map.on("layeradd layerremove overlayadd overlayremove", function (e) {
      if (e.layer && layerSet.has(e.layer)) { schedule(); }
    });
    window.addEventListener("hashchange", function () {
      if (location.hash !== hashOf()) { restore(location.hash); }
    });
    restore(location.hash);
    G.reader.hash = hashOf;
    G.reader.close = function () { open(null); };
    return R;
  };
})();
