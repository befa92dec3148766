// The national choropleth: communes drawn on one canvas, coloured by a surveillance
// figure, with a search box, a legend and a popup per commune. Data arrives as JSON
// (geocover.choropleth(data, options)); every text is put in with textContent.
(function () {
  "use strict";
  var G = window.geocover;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim();
  }
  // Rings: integers in 1/scale degrees, the first point then the differences.
  function ring(a, scale) {
    var out = new Array(a.length / 2), x = 0, y = 0;
    for (var i = 0, j = 0; i < a.length; i += 2, j++) {
      x += a[i]; y += a[i + 1];
      out[j] = [y / scale, x / scale];
    }
    return out;
  }
  // Text of the page, in its language: "{name}" fields filled from values.
  function say(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : m;
    });
  }
  G.choropleth = function (d, o) {
    var t = o.text || {};
    if (o.lang) { document.documentElement.lang = o.lang; }
    function fmt(v, digits) {
      if (v === null || v === undefined) { return null; }
      return Number(v).toLocaleString(o.locale || "en-GB", {maximumFractionDigits: digits,
                                                            minimumFractionDigits: 0});
    }
    var renderer = L.canvas({padding: 0.3, tolerance: 3});
    var group = L.featureGroup();
    var shapes = new Array(d.code.length);
    var figure = o.figures[0].key;
    // A missing row of coverage means 0 for every preset; of sources, "did not look".
    function cov(i, k, what) { var r = d[what][i]; return r === null ? 0 : r[k]; }
    function src(i, k) { var r = d.bySource[i]; return r === null ? null : r[k]; }
    function value(i, key) {
      var f = o.figures.filter(function (x) { return x.key === key; })[0];
      if (f.column === "share") {
        var s = cov(i, f.index, "share");
        return s === null ? null : 100 * s;
      }
      var v = d[f.column][i];
      return (v === null || v === undefined) ? null : v;
    }
    function colour(i) {
      var f = o.figures.filter(function (x) { return x.key === figure; })[0];
      var v = value(i, figure);
      if (d.status[i] === 0 && !(v > 0)) { return o.unknownColour; }
      if (v === null) { return o.unknownColour; }
      if (v <= 0) { return o.zeroColour; }
      for (var k = 0; k < f.breaks.length; k++) { if (v <= f.breaks[k]) { return o.colours[k]; } }
      return o.colours[o.colours.length - 1];
    }
    function rows(i) {
      var r = [[t.departement, d.dep[i]],
               [t.area, say(t.areaText, {planar: fmt(d.area[i], 3), crs: d.crsNames[d.crs[i]],
                                         geodesic: fmt(d.geod[i], 3)})]];
      var status = o.statusText[d.status[i]];
      r.push([t.known, d.known[i] === null ? status : say(t.knownText, {n: fmt(d.known[i], 0)})]);
      if (d.density[i] !== null) { r.push([t.perKm2, fmt(d.density[i], 2)]); }
      o.sources.forEach(function (s, k) {
        var n = src(i, k);
        r.push([s.label, n === null ? t.didNotLook : fmt(n, 0)]);
      });
      o.presets.forEach(function (p, k) {
        var km2 = cov(i, k, "covered"), sh = cov(i, k, "share");
        r.push([say(t.seen, {preset: p.label}), km2 === null ? t.notComputed :
                (km2 === 0 && d.status[i] === 0) ? t.noCamera :
                say(t.seenText, {km2: fmt(km2, 3), share: fmt(100 * sh, 2)})]);
      });
      return r;
    }
    for (var i = 0; i < d.code.length; i++) {
      var g = d.geom[i];
      if (!g) { continue; }
      var ll = g.map(function (poly) { return poly.map(function (r) { return ring(r, o.scale); }); });
      var shape = L.polygon(ll, {renderer: renderer, weight: 0.4, color: "#666",
                                 fillColor: colour(i), fillOpacity: 0.78});
      shape._gcIndex = i;
      shapes[i] = shape;
      group.addLayer(shape);
    }
    group.on("click", function (e) { open(e.layer._gcIndex, e.latlng); });
    function open(i, where) {
      var title = d.name[i] + " (" + d.code[i] + ")";
      L.popup({maxWidth: Math.min(360, (window.innerWidth || 400) - 70),
               autoPanPadding: [20, 20]})
        .setLatLng(where || shapes[i].getBounds().getCenter())
        .setContent(G.card(title, rows(i).concat(o.rows || [])))
        .openOn(group._map);
    }
    function restyle() {
      shapes.forEach(function (s, i) { if (s) { s.setStyle({fillColor: colour(i)}); } });
      legend();
    }
    var legendBox = null;
    function legend() {
      if (!legendBox) { return; }
      legendBox.textContent = "";
      var f = o.figures.filter(function (x) { return x.key === figure; })[0];
      legendBox.appendChild(el("div", "gc-ch-title", t.legendTitle));
      var pick = el("select", "gc-ch-figure");
      pick.setAttribute("aria-label", t.figureShown);
      o.figures.forEach(function (x) {
        var opt = el("option", null, x.label); opt.value = x.key;
        if (x.key === figure) { opt.selected = true; }
        pick.appendChild(opt);
      });
      pick.addEventListener("change", function () { figure = pick.value; restyle(); });
      legendBox.appendChild(pick);
      var list = el("div", "gc-ch-keys");
      function key(c, text) {
        var row = el("div"), sw = el("span", "gc-sw");
        sw.style.background = c; row.appendChild(sw); row.appendChild(el("span", null, text));
        list.appendChild(row);
      }
      key(o.unknownColour, o.statusText[0]);
      key(o.zeroColour, say(t.zero, {status: o.statusText[1]}));
      var lo = 0, unit = f.unit ? "\u00a0" + f.unit : "";
      f.breaks.forEach(function (b, k) {
        key(o.colours[k], say(t.range, {lo: fmt(lo, 3), hi: fmt(b, 3)}) + unit);
        lo = b;
      });
      key(o.colours[o.colours.length - 1], say(t.above, {lo: fmt(lo, 3)}) + unit);
      legendBox.appendChild(list);
      legendBox.appendChild(el("div", "gc-muted", o.note));
    }
    group.on("add", function () {
      var map = group._map;
      var Legend = L.Control.extend({onAdd: function () {
        var box = L.DomUtil.create("div", "gc-panel gc-ch-legend");
        L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
        legendBox = box; legend(); return box;
      }});
      // On a narrow screen the legend sits at the bottom right, above the attribution,
      // clear of the search box (top left) and of the scale (bottom left).
      var narrow = (window.innerWidth || 1024) < 700;
      new Legend({position: narrow ? "bottomright" : "topright"}).addTo(map);
      var Search = L.Control.extend({onAdd: function () {
        var box = L.DomUtil.create("div", "gc-panel gc-ch-search");
        var input = el("input"); input.type = "search";
        input.placeholder = t.find;
        input.setAttribute("aria-label", t.findLabel);
        var results = el("ol", "gc-ch-results");
        box.appendChild(input); box.appendChild(results);
        L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
        var index = null;
        input.addEventListener("input", function () {
          if (!index) { index = d.name.map(fold); }
          results.textContent = "";
          var q = fold(input.value);
          if (!q) { return; }
          // Exact names first, then names starting with the text, then containing it.
          var hits = [], code = input.value.trim().toUpperCase(), pass, i;
          var tests = [function (i) { return index[i] === q || d.code[i] === code; },
                       function (i) { return index[i].indexOf(q) === 0; },
                       function (i) { return index[i].indexOf(q) > 0; }];
          for (pass = 0; pass < tests.length; pass++) {
            for (i = 0; i < index.length && hits.length < 12; i++) {
              if (hits.indexOf(i) < 0 && tests[pass](i)) { hits.push(i); }
            }
          }
          hits.forEach(function (i) {
            var li = el("li"), b = el("button", null, d.name[i] + " (" + d.code[i] + ", " + d.dep[i] + ")");
            b.type = "button";
            b.addEventListener("click", function () {
              if (!shapes[i]) { return; }
              map.fitBounds(shapes[i].getBounds(), {maxZoom: 13, animate: false});
              open(i);
            });
            li.appendChild(b); results.appendChild(li);
          });
        });
        return box;
      }});
      new Search({position: "topleft"}).addTo(map);
    });
    G.layers.communes = group;
    G.choroplethOpen = open;
    G.communeIndex = function (code) { return d.code.indexOf(code); };
    return group;
  };
})();
