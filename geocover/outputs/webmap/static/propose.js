/*
 * geocover: the map's "propose" mode (docs/map.md).
 *
 * A reader places cameras or draws a perimeter on the map and downloads them as a
 * GeoJSON file that `geocover contrib add` and `geocover perimeters add` accept as it
 * is. Plain JavaScript on Leaflet's public API, no drawing library; nothing is sent
 * anywhere: the file is made in the page (a Blob and an <a download>).
 *
 * Whatever a user types is read with `.value` and shown with `textContent`, never
 * parsed as HTML; the file is `JSON.stringify` output.
 */
(function () {
  "use strict";
  var G = window.geocover = window.geocover || {};

  var HANDLE_PX = 44;      // distance of a camera's direction handle from it, in pixels
  var SAME_POINT_PX = 5;   // a click this close to the last corner adds none (double-click)
  var CLOSE_PX = 10;       // a click this close to the first corner closes the outline
  var EARTH_RADIUS_M = 6378137;
  var DEG = Math.PI / 180;
  var COLOR = "#c51b8a";

  // ------------------------------------------------------------------ small helpers

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function button(text, cls, onClick, title) {
    var b = el("button", cls, text);
    b.type = "button";
    if (title) { b.title = title; }
    b.addEventListener("click", function (ev) { ev.preventDefault(); onClick(ev); });
    return b;
  }
  function textInput(cls, placeholder, maxLength) {
    var i = el("input", cls);
    i.type = "text";
    i.autocomplete = "off";
    if (placeholder) { i.placeholder = placeholder; }
    if (maxLength) { i.maxLength = maxLength; }
    return i;
  }
  function numberInput(cls, min, max, placeholder) {
    var i = el("input", cls);
    i.type = "number";
    i.min = String(min);
    i.max = String(max);
    i.step = "any";
    i.inputMode = "decimal";
    i.placeholder = placeholder;
    return i;
  }
  function select(cls, options) {
    var s = el("select", cls);
    options.forEach(function (o) {
      var option = el("option", null, o[1]);
      option.value = o[0];
      s.appendChild(option);
    });
    return s;
  }
  var fieldCount = 0;
  // A labelled field appended to a two-column grid.
  function field(grid, label, input) {
    var id = "gc-prop-field-" + (++fieldCount);
    var l = el("label", null, label);
    l.htmlFor = id;
    input.id = id;
    grid.appendChild(l);
    grid.appendChild(input);
    return input;
  }
  // null when empty, NaN when not a number.
  function numberOf(input) {
    if (input.validity && input.validity.badInput) { return NaN; }
    var text = input.value.trim();
    if (!text) { return null; }
    var x = Number(text);
    return isFinite(x) ? x : NaN;
  }
  function mark(input, bad) {
    input.classList.toggle("gc-bad", !!bad);
    if (bad) { input.setAttribute("aria-invalid", "true"); }
    else { input.removeAttribute("aria-invalid"); }
  }
  function round(x, digits) {
    var f = Math.pow(10, digits);
    return Math.round(x * f) / f;
  }
  // A shell word the user can paste: single-quoted, so nothing in it is expanded.
  function shellWord(text) {
    return /^[\w.\/:@%+=,-]+$/.test(text) ? text : "'" + text.replace(/'/g, "'\\''") + "'";
  }
  function download(name, data) {
    var blob = new Blob([JSON.stringify(data, null, 2) + "\n"], {type: "application/geo+json"});
    var url = URL.createObjectURL(blob);
    var a = el("a");
    a.href = url;
    a.download = name;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(url); a.parentNode.removeChild(a); }, 1000);
  }

  // Bearing (degrees clockwise from north) of `to` seen from `from`. Measured on the
  // screen: Web Mercator keeps angles, so it is the bearing on the ground.
  function bearing(map, from, to) {
    var a = map.latLngToLayerPoint(from), b = map.latLngToLayerPoint(to);
    var d = Math.atan2(b.x - a.x, a.y - b.y) / DEG;
    return (d + 360) % 360;
  }
  function ahead(map, from, degrees, px) {
    var p = map.latLngToLayerPoint(from);
    return map.layerPointToLatLng(L.point(p.x + px * Math.sin(degrees * DEG),
                                          p.y - px * Math.cos(degrees * DEG)));
  }
  // Area on the sphere of radius 6,378,137 m (the spherical-excess sum), for display only:
  // geocover measures perimeters itself once they are added.
  function sphereArea(latlngs) {
    var total = 0, n = latlngs.length;
    for (var i = 0; i < n; i++) {
      var a = latlngs[i], b = latlngs[(i + 1) % n];
      total += (b.lng - a.lng) * DEG * (2 + Math.sin(a.lat * DEG) + Math.sin(b.lat * DEG));
    }
    return Math.abs(total * EARTH_RADIUS_M * EARTH_RADIUS_M / 2);
  }
  // Does the closed ring [[x, y], …] cross itself? (Two non-adjacent edges that cross.)
  function selfCrossing(ring) {
    var n = ring.length;
    function side(a, b, c) {
      var v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
      return v > 0 ? 1 : (v < 0 ? -1 : 0);
    }
    for (var i = 0; i < n; i++) {
      var a = ring[i], b = ring[(i + 1) % n];
      for (var j = i + 2; j < n; j++) {
        if ((j + 1) % n === i) { continue; }  // adjacent through the closing edge
        var c = ring[j], d = ring[(j + 1) % n];
        if (side(a, b, c) * side(a, b, d) < 0 && side(c, d, a) * side(c, d, b) < 0) {
          return true;
        }
      }
    }
    return false;
  }
  // [lon, lat] rounded; consecutive repeats (after rounding) dropped.
  function ringOf(latlngs, digits) {
    var out = [];
    latlngs.forEach(function (ll) {
      var w = ll.wrap(), p = [round(w.lng, digits), round(w.lat, digits)];
      var last = out[out.length - 1];
      if (!last || last[0] !== p[0] || last[1] !== p[1]) { out.push(p); }
    });
    while (out.length > 1 && out[0][0] === out[out.length - 1][0]
           && out[0][1] === out[out.length - 1][1]) {
      out.pop();
    }
    return out;
  }
  function signedArea(ring) {
    var s = 0;
    for (var i = 0; i < ring.length; i++) {
      var a = ring[i], b = ring[(i + 1) % ring.length];
      s += a[0] * b[1] - b[0] * a[1];
    }
    return s / 2;
  }

  // ------------------------------------------------------------------ the mode

  G.propose = function (map, o) {
    o = o || {};
    var digits = o.decimals || 6;
    var files = o.files || {cameras: "cameras.geojson", perimeters: "perimeter.geojson"};
    var maxHeight = o.maxHeight || 100;
    var city = o.city || "CITY";
    var T = o.text || {}, labels = o.labels || {};
    var lang = o.lang === "fr" ? "fr-FR" : "en-GB";  // numbers as the report writes them
    var minZoom = o.minZoom || 17;
    function t(key, values) {
      var text = T[key] === undefined ? key : String(T[key]);
      return text.replace(/\{(\w+)\}/g, function (m, k) {
        return values && Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : m;
      });
    }
    function label(v) { return labels[v] || v; }
    var S = {on: false, tool: "camera", cameras: [], perimeters: [], draft: null,
             selected: null, dblclickZoom: false};
    if (!map.getPane("gcPropose")) { map.createPane("gcPropose").style.zIndex = 450; }
    var group = L.layerGroup();
    var container = map.getContainer();

    // --- the control: a button, and the panel it opens
    var root = el("div", "gc-prop leaflet-control");
    var toggle = button("\u270E " + t("toggle"), "gc-prop-toggle", function () {
      setOn(true);
    }, t("toggleTitle"));
    toggle.setAttribute("aria-expanded", "false");
    root.appendChild(toggle);

    var panel = el("div", "gc-panel gc-propose");
    panel.hidden = true;
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-label", t("region"));
    root.appendChild(panel);
    var head = el("div", "gc-prop-head");
    head.appendChild(el("h2", null, t("heading")));
    head.appendChild(button("\u00D7", "gc-prop-close", function () { setOn(false); },
                            t("close")));
    panel.appendChild(head);
    panel.appendChild(el("p", "gc-muted", t("nothingSent")));
    var tools = el("div", "gc-prop-tools");
    var cameraTool = button(t("cameras"), "gc-prop-tool", function () { setTool("camera"); });
    var perimeterTool = button(t("perimeter"), "gc-prop-tool", function () { setTool("perimeter"); });
    tools.appendChild(cameraTool);
    tools.appendChild(perimeterTool);
    panel.appendChild(tools);

    // Cameras section
    var camSection = el("section", "gc-prop-cameras");
    camSection.appendChild(el("p", "gc-prop-hint", t("cameraHint")));
    var camList = el("div", "gc-prop-list");
    camSection.appendChild(camList);
    var camActions = el("div", "gc-prop-actions");
    camActions.appendChild(button(t("download", {file: files.cameras}), "gc-prop-download-cameras",
                                  downloadCameras));
    camSection.appendChild(camActions);
    var camStatus = el("p", "gc-prop-status");
    camStatus.setAttribute("role", "status");
    camSection.appendChild(camStatus);
    panel.appendChild(camSection);

    // Perimeter section
    var perSection = el("section", "gc-prop-perimeters");
    perSection.appendChild(el("p", "gc-prop-hint", t("perimeterHint")));
    var decreeGrid = el("div", "gc-prop-grid");
    var decreeRef = field(decreeGrid, t("decreeRef"),
                          textInput("gc-f-decree-ref", "arrêté n° …", 255));
    var decreeDate = el("input", "gc-f-decree-date");
    decreeDate.type = "date";
    field(decreeGrid, t("decreeDate"), decreeDate);
    perSection.appendChild(decreeGrid);
    var perList = el("div", "gc-prop-list");
    perSection.appendChild(perList);
    var drawActions = el("div", "gc-prop-actions");
    var finishButton = button(t("finish"), "gc-prop-finish", function () { finishDraft(true); },
                              t("finishTitle"));
    var undoButton = button(t("undo"), "gc-prop-undo", undoCorner, t("undoTitle"));
    var cancelButton = button(t("cancel"), "gc-prop-cancel", cancelDraft, t("cancelTitle"));
    [finishButton, undoButton, cancelButton].forEach(function (b) { drawActions.appendChild(b); });
    perSection.appendChild(drawActions);
    var perActions = el("div", "gc-prop-actions");
    perActions.appendChild(button(t("download", {file: files.perimeters}),
                                  "gc-prop-download-perimeter", downloadPerimeters));
    perSection.appendChild(perActions);
    var perStatus = el("p", "gc-prop-status");
    perStatus.setAttribute("role", "status");
    perSection.appendChild(perStatus);
    panel.appendChild(perSection);

    L.DomEvent.disableClickPropagation(root);
    L.DomEvent.disableScrollPropagation(root);
    // Leaflet tells a click in a control from a click on the map by walking up from its
    // target, which fails when the target is gone ("remove" removes its own card): stop
    // clicks here. Typing in the form must not reach the map's keyboard handler either.
    L.DomEvent.on(root, "click keydown keyup keypress", L.DomEvent.stopPropagation);
    var Control = L.Control.extend({options: {position: "topleft"},
                                    onAdd: function () { return root; }});
    new Control().addTo(map);

    // --- switching the mode and the tool
    function setOn(on) {
      if (on === S.on) { return; }
      S.on = on;
      toggle.hidden = on;
      toggle.setAttribute("aria-expanded", on ? "true" : "false");
      panel.hidden = !on;
      container.classList.toggle("gc-proposing", on);
      if (on) {
        if (G.reader && G.reader.close) { G.reader.close(); }  // one form at a time
        map.closePopup();
        group.addTo(map);
        S.dblclickZoom = !!(map.doubleClickZoom && map.doubleClickZoom.enabled());
        if (S.dblclickZoom) { map.doubleClickZoom.disable(); }
        setTool(S.tool);
      } else {
        finishDraft(false);
        map.removeLayer(group);
        if (S.dblclickZoom) { map.doubleClickZoom.enable(); }
        toggle.focus();
      }
    }
    function setTool(tool) {
      if (tool !== "perimeter") { finishDraft(false); }
      S.tool = tool;
      camSection.hidden = tool !== "camera";
      perSection.hidden = tool !== "perimeter";
      cameraTool.setAttribute("aria-pressed", tool === "camera" ? "true" : "false");
      perimeterTool.setAttribute("aria-pressed", tool === "perimeter" ? "true" : "false");
      container.classList.toggle("gc-proposing-perimeter", tool === "perimeter");
      updateDraftButtons();
    }

    // ------------------------------------------------------------------ cameras

    // How far from the click the camera may be: the click's uncertainty in pixels (a
    // finger's is larger) as metres on the ground at this zoom (Web Mercator).
    function precisionAt(latlng, ev) {
      var touch = ev && (ev.pointerType === "touch" ||
                         (window.TouchEvent && ev instanceof window.TouchEvent));
      var px = touch ? (o.touchPx || 10) : (o.clickPx || 4);
      var metresPerPx = 2 * Math.PI * EARTH_RADIUS_M * Math.cos(latlng.lat * DEG) /
        Math.pow(2, map.getZoom() + 8);
      return Math.max(1, Math.ceil(px * metresPerPx));
    }
    function placed(cam, ev) {
      cam.zoom = map.getZoom();
      cam.precision = precisionAt(cam.latlng, ev);
    }
    // On a phone the form is a sheet over the bottom of the map: keep the camera above it.
    function keepVisible(latlng) {
      if (!panel.offsetHeight || window.innerWidth >= 640) { return; }
      var sheet = panel.getBoundingClientRect(), box = container.getBoundingClientRect();
      var below = Math.max(0, box.bottom - sheet.top);
      map.panInside(latlng, {paddingTopLeft: [20, 20], paddingBottomRight: [20, below + 30],
                             animate: false});
    }
    function addCamera(latlng, ev) {
      var cam = {latlng: latlng, hasDirection: false};
      placed(cam, ev);
      cam.number = el("span", "gc-prop-num");
      cam.marker = L.marker(latlng, {
        draggable: true, autoPan: true, zIndexOffset: 1000,
        title: t("markerTitle"),
        icon: L.divIcon({className: "gc-prop-cam-icon gc-prop-own", html: cam.number,
                         iconSize: [22, 22], iconAnchor: [11, 11]})
      });
      cam.head = el("span", "gc-prop-head-arrow");
      cam.handle = L.marker(ahead(map, latlng, 0, HANDLE_PX), {
        draggable: true, zIndexOffset: 900, title: t("handleTitle"),
        icon: L.divIcon({className: "gc-prop-handle gc-prop-own gc-prop-unset", html: cam.head,
                         iconSize: [20, 20], iconAnchor: [10, 10]})
      });
      cam.line = L.polyline([latlng, cam.handle.getLatLng()], {
        pane: "gcPropose", interactive: false, color: COLOR, weight: 3, opacity: 0.5,
        dashArray: "4 5"
      });

      cam.card = el("fieldset", "gc-prop-card gc-prop-cam");
      var legend = el("legend");
      cam.title = el("span", null, t("camera", {n: ""}));
      legend.appendChild(cam.title);
      cam.card.appendChild(legend);
      var remove = button(t("remove"), "gc-prop-remove", function () { removeCamera(cam); },
                          t("removeCamera"));
      cam.card.appendChild(remove);
      var grid = el("div", "gc-prop-grid");
      cam.type = field(grid, t("type"), select("gc-f-type", [["", t("unknown")]].concat(
        (o.cameraTypes || ["fixed", "dome", "panning"]).map(function (v) {
          return [v, label(v)];
        }))));
      cam.direction = field(grid, t("direction"),
                            numberInput("gc-f-direction", 0, 360, t("directionPlaceholder")));
      cam.height = field(grid, t("height"),
                         numberInput("gc-f-height", 0, maxHeight, t("heightPlaceholder")));
      cam.surveillance = field(grid, t("watches"), select("gc-f-surveillance",
        [["", t("unknown")]].concat((o.surveillance || ["public", "outdoor", "indoor"]).map(
          function (v) { return [v, label(v)]; }))));
      cam.name = field(grid, t("name"), textInput("gc-f-name", t("optional"), 255));
      cam.note = field(grid, t("note"), textInput("gc-f-note", t("optional"), 255));
      cam.card.appendChild(grid);
      cam.where = el("div", "gc-prop-where gc-muted");
      cam.card.appendChild(cam.where);
      camList.appendChild(cam.card);

      cam.direction.addEventListener("input", function () { drawArrow(cam); });
      cam.card.addEventListener("focusin", function () { selectCamera(cam, false); });
      cam.marker.on("click", function () { selectCamera(cam, true); });
      cam.marker.on("drag", function () {
        cam.latlng = cam.marker.getLatLng();
        drawArrow(cam);
      });
      cam.marker.on("dragend", function () {
        cam.latlng = cam.marker.getLatLng();
        placed(cam, null);
        drawArrow(cam);
        showWhere(cam);
        selectCamera(cam, true);
      });
      cam.handle.on("drag", function () {
        var d = Math.round(bearing(map, cam.latlng, cam.handle.getLatLng())) % 360;
        cam.direction.value = String(d);
        mark(cam.direction, false);
        setArrow(cam, d, cam.handle.getLatLng());
      });
      cam.handle.on("dragend", function () { drawArrow(cam); selectCamera(cam, true); });

      group.addLayer(cam.line);
      group.addLayer(cam.handle);
      group.addLayer(cam.marker);
      S.cameras.push(cam);
      renumber();
      showWhere(cam);
      selectCamera(cam, true);
      camStatus.textContent = "";
      keepVisible(latlng);
      return cam;
    }
    function setArrow(cam, degrees, tip) {
      var set = degrees !== null;
      cam.head.style.transform = "rotate(" + (set ? degrees : 0) + "deg)";
      var icon = cam.handle.getElement();
      if (icon) { icon.classList.toggle("gc-prop-unset", !set); }
      cam.line.setLatLngs([cam.latlng, tip]);
      cam.line.setStyle(set ? {dashArray: null, opacity: 0.9} : {dashArray: "4 5", opacity: 0.5});
    }
    // Put the handle HANDLE_PX away in the direction typed (north and faded when none).
    function drawArrow(cam) {
      var d = numberOf(cam.direction);
      var ok = d !== null && !isNaN(d) && d >= 0 && d <= 360;
      var degrees = ok ? d % 360 : null;
      var tip = ahead(map, cam.latlng, degrees || 0, HANDLE_PX);
      cam.handle.setLatLng(tip);
      setArrow(cam, degrees, tip);
    }
    function showWhere(cam) {
      var w = cam.latlng.wrap();
      cam.where.textContent = t("where", {lat: round(w.lat, digits).toFixed(digits),
                                          lng: round(w.lng, digits).toFixed(digits),
                                          m: cam.precision, zoom: cam.zoom});
    }
    function renumber() {
      S.cameras.forEach(function (cam, i) {
        cam.number.textContent = String(i + 1);
        cam.title.textContent = t("camera", {n: i + 1});
      });
    }
    function selectCamera(cam, scroll) {
      if (S.selected && S.selected !== cam) { highlight(S.selected, false); }
      S.selected = cam;
      highlight(cam, true);
      if (scroll) { reveal(cam.card); }
    }
    function highlight(cam, on) {
      cam.card.classList.toggle("gc-prop-selected", on);
      var icon = cam.marker.getElement();
      if (icon) { icon.classList.toggle("gc-prop-selected", on); }
    }
    function removeCamera(cam) {
      [cam.marker, cam.handle, cam.line].forEach(function (l) { group.removeLayer(l); });
      cam.card.parentNode.removeChild(cam.card);
      S.cameras.splice(S.cameras.indexOf(cam), 1);
      if (S.selected === cam) { S.selected = null; }
      renumber();
      camStatus.textContent = "";
    }
    function cameraFeature(cam, n, problems) {
      var props = {"man_made": "surveillance", "surveillance:type": "camera"};
      if (cam.type.value) { props["camera:type"] = cam.type.value; }
      var d = numberOf(cam.direction);
      var badDirection = d !== null && (isNaN(d) || d < 0 || d > 360);
      mark(cam.direction, badDirection);
      if (badDirection) {
        problems.push(t("badDirection", {n: n}));
      } else if (d !== null) {
        props["camera:direction"] = String(d);
      }
      var h = numberOf(cam.height);
      var badHeight = h !== null && (isNaN(h) || h <= 0 || h > maxHeight);
      mark(cam.height, badHeight);
      if (badHeight) {
        problems.push(t("badHeight", {n: n, max: maxHeight}));
      } else if (h !== null) {
        props.height = String(h);
      }
      if (cam.surveillance.value) { props.surveillance = cam.surveillance.value; }
      var name = cam.name.value.trim(), note = cam.note.value.trim();
      if (name) { props.name = name; }
      if (note) { props.note = note; }
      props[o.precisionKey || "geocover:position_precision_m"] = String(cam.precision);
      var w = cam.latlng.wrap();
      return {type: "Feature", properties: props,
              geometry: {type: "Point", coordinates: [round(w.lng, digits), round(w.lat, digits)]}};
    }
    function downloadCameras() {
      if (!S.cameras.length) {
        camStatus.textContent = t("placeFirst");
        return;
      }
      var problems = [];
      var features = S.cameras.map(function (cam, i) {
        return cameraFeature(cam, i + 1, problems);
      });
      if (problems.length) {
        camStatus.textContent = t("fixFirst", {problems: problems.join("; ")});
        return;
      }
      download(files.cameras, {type: "FeatureCollection", features: features});
      setCommand(camStatus, t("camerasDone", {file: files.cameras, n: features.length}),
                 "geocover contrib add " + files.cameras + " " + shellWord(city));
    }
    // Scroll the panel (only the panel: scrollIntoView would also scroll the map's
    // container, shifting the map under the mouse) to show a card.
    function reveal(card) {
      var p = panel.getBoundingClientRect(), c = card.getBoundingClientRect();
      if (c.top < p.top) { panel.scrollTop -= p.top - c.top + 4; }
      else if (c.bottom > p.bottom) { panel.scrollTop += c.bottom - p.bottom + 4; }
    }
    function setCommand(status, text, command) {
      status.textContent = text + " ";
      status.appendChild(el("code", null, command));
    }

    // ------------------------------------------------------------------ perimeters

    function vertexIcon() {
      return L.divIcon({className: "gc-prop-vertex gc-prop-own", html: el("i"),
                        iconSize: [12, 12], iconAnchor: [6, 6]});
    }
    function addCorner(e) {
      var d = S.draft;
      if (d && d.latlngs.length) {
        var p = map.latLngToContainerPoint(e.latlng);
        var last = map.latLngToContainerPoint(d.latlngs[d.latlngs.length - 1]);
        if (p.distanceTo(last) <= SAME_POINT_PX) { return; }
        var first = map.latLngToContainerPoint(d.latlngs[0]);
        if (d.latlngs.length >= 3 && p.distanceTo(first) <= CLOSE_PX) {
          finishDraft(true);
          return;
        }
      }
      if (!d) {
        d = S.draft = {latlngs: [], markers: []};
        d.line = L.polyline([], {pane: "gcPropose", interactive: false, color: COLOR, weight: 2});
        d.rubber = L.polyline([], {pane: "gcPropose", interactive: false, color: COLOR,
                                   weight: 1.5, dashArray: "4 6"});
        group.addLayer(d.line);
        group.addLayer(d.rubber);
        perStatus.textContent = "";
      }
      d.latlngs.push(e.latlng);
      var m = L.marker(e.latlng, {icon: vertexIcon(), interactive: false, keyboard: false});
      d.markers.push(m);
      group.addLayer(m);
      d.line.setLatLngs(d.latlngs);
      d.rubber.setLatLngs([]);
      updateDraftButtons();
    }
    function undoCorner() {
      var d = S.draft;
      if (!d) { return; }
      d.latlngs.pop();
      group.removeLayer(d.markers.pop());
      if (!d.latlngs.length) { cancelDraft(); return; }
      d.line.setLatLngs(d.latlngs);
      d.rubber.setLatLngs([]);
      updateDraftButtons();
    }
    function cancelDraft() {
      var d = S.draft;
      if (!d) { return; }
      d.markers.concat([d.line, d.rubber]).forEach(function (l) { group.removeLayer(l); });
      S.draft = null;
      updateDraftButtons();
    }
    // Close the outline being drawn; with fewer than 3 corners, say so (when asked) or drop it.
    function finishDraft(asked) {
      var d = S.draft;
      if (!d) {
        if (asked) { perStatus.textContent = t("startOutline"); }
        return null;
      }
      if (d.latlngs.length < 3) {
        if (asked) {
          perStatus.textContent = t("needCorners", {n: d.latlngs.length});
        } else {
          cancelDraft();
        }
        return null;
      }
      var latlngs = d.latlngs.slice();
      cancelDraft();
      return addPerimeter(latlngs);
    }
    function updateDraftButtons() {
      var n = S.draft ? S.draft.latlngs.length : 0;
      finishButton.disabled = n < 3;
      undoButton.disabled = n === 0;
      cancelButton.disabled = n === 0;
    }
    function addPerimeter(latlngs) {
      var per = {latlngs: latlngs, markers: []};
      per.polygon = L.polygon(latlngs, {pane: "gcPropose", interactive: false, color: COLOR,
                                        weight: 2, fillColor: COLOR, fillOpacity: 0.12});
      group.addLayer(per.polygon);
      latlngs.forEach(function (ll, i) {
        var m = L.marker(ll, {icon: vertexIcon(), draggable: true,
                              title: t("cornerTitle")});
        m.on("drag dragend", function () {
          per.latlngs[i] = m.getLatLng();
          per.polygon.setLatLngs(per.latlngs);
          describePerimeter(per);
        });
        per.markers.push(m);
        group.addLayer(m);
      });
      per.card = el("fieldset", "gc-prop-card gc-prop-per");
      var legend = el("legend");
      per.title = el("span", null, t("perimeterN", {n: ""}));
      legend.appendChild(per.title);
      per.card.appendChild(legend);
      per.card.appendChild(button(t("remove"), "gc-prop-remove",
                                  function () { removePerimeter(per); }, t("removePerimeter")));
      var grid = el("div", "gc-prop-grid");
      per.id = field(grid, t("id"), textInput("gc-f-id", t("idPlaceholder"), 100));
      per.name = field(grid, t("name"), textInput("gc-f-name", t("optional"), 255));
      per.notes = field(grid, t("notes"), el("textarea", "gc-f-notes"));
      per.notes.rows = 2;
      per.notes.maxLength = 2000;
      per.card.appendChild(grid);
      per.info = el("div", "gc-prop-where gc-muted");
      per.card.appendChild(per.info);
      perList.appendChild(per.card);
      S.perimeters.push(per);
      renumberPerimeters();
      describePerimeter(per);
      perStatus.textContent = "";
      reveal(per.card);
      return per;
    }
    function describePerimeter(per) {
      var ring = ringOf(per.latlngs, digits);
      var km2 = sphereArea(per.latlngs) / 1e6;
      var text = t("corners", {n: ring.length, area:
        (km2 < 0.1 ? Math.round(km2 * 1e6).toLocaleString(lang) + "\u00A0m\u00B2" :
         km2.toLocaleString(lang, {minimumFractionDigits: 3, maximumFractionDigits: 3}) +
         "\u00A0km\u00B2")});
      per.crossing = selfCrossing(ring);
      if (per.crossing) { text += ". " + t("crossing"); }
      per.info.textContent = text;
      per.card.classList.toggle("gc-prop-invalid", per.crossing);
    }
    function renumberPerimeters() {
      S.perimeters.forEach(function (per, i) { per.title.textContent = t("perimeterN", {n: i + 1}); });
    }
    function removePerimeter(per) {
      per.markers.concat([per.polygon]).forEach(function (l) { group.removeLayer(l); });
      per.card.parentNode.removeChild(per.card);
      S.perimeters.splice(S.perimeters.indexOf(per), 1);
      renumberPerimeters();
      perStatus.textContent = "";
    }
    function downloadPerimeters() {
      if (S.draft) {
        if (S.draft.latlngs.length >= 3) { finishDraft(true); }
        else {
          perStatus.textContent = t("finishDraft");
          return;
        }
      }
      if (!S.perimeters.length) {
        perStatus.textContent = t("drawFirst");
        return;
      }
      var problems = [];
      var ref = decreeRef.value.trim();
      var date = decreeDate.value.trim();
      var badDate = !!date && !/^\d{4}-\d{2}-\d{2}$/.test(date);
      mark(decreeDate, badDate || (decreeDate.validity && decreeDate.validity.badInput));
      if (badDate) { problems.push(t("badDate")); }
      var seen = {};
      var features = S.perimeters.map(function (per, i) {
        var n = i + 1;
        var ring = ringOf(per.latlngs, digits);
        if (ring.length < 3) { problems.push(t("fewCorners", {n: n})); }
        if (selfCrossing(ring)) {
          problems.push(t("selfCrossing", {n: n}));
        }
        if (signedArea(ring) < 0) { ring.reverse(); }  // outer rings counterclockwise (RFC 7946)
        ring.push(ring[0].slice());
        var props = {};
        var id = per.id.value.trim(), name = per.name.value.trim(), notes = per.notes.value.trim();
        mark(per.id, false);
        if (id) {
          if (seen[id]) {
            problems.push(t("sameId", {a: seen[id], b: n}));
            mark(per.id, true);
          }
          seen[id] = n;
          props.id = id;
        }
        if (name) { props.name = name; }
        if (notes) { props.notes = notes; }
        if (ref) { props.decree_ref = ref; }
        if (date) { props.decree_date = date; }
        return {type: "Feature", properties: props,
                geometry: {type: "Polygon", coordinates: [ring]}};
      });
      if (problems.length) {
        perStatus.textContent = t("fixFirst", {problems: problems.join("; ")});
        return;
      }
      download(files.perimeters, {type: "FeatureCollection", features: features});
      setCommand(perStatus, t("perimetersDone", {file: files.perimeters, n: features.length}),
                 "geocover perimeters add " + files.perimeters + " " + shellWord(city) +
                 " --decree-ref " + shellWord(ref || "arrêté n° …") +
                 " --decree-date " + (date || "YYYY-MM-DD"));
    }

    // ------------------------------------------------------------------ map events

    map.on("click", function (e) {
      if (!S.on) { return; }
      if (e.originalEvent && e.originalEvent.detail > 1) { return; }  // 2nd click of a double
      if (S.tool !== "camera") { addCorner(e); return; }
      var zoom = map.getZoom();
      if (zoom < minZoom) {
        // A town-wide click would put the camera tens of metres from where it stands.
        camStatus.textContent = t("tooFar", {min: minZoom, zoom: zoom});
        map.setView(e.latlng, minZoom, {animate: false});
        return;
      }
      addCamera(e.latlng, e.originalEvent);
    });
    map.on("dblclick", function () {
      if (S.on && S.tool === "perimeter" && S.draft) { finishDraft(true); }
    });
    map.on("mousemove", function (e) {
      var d = S.draft;
      if (S.on && d && d.latlngs.length) {
        d.rubber.setLatLngs([d.latlngs[d.latlngs.length - 1], e.latlng]);
      }
    });
    map.on("zoomend", function () { S.cameras.forEach(drawArrow); });
    document.addEventListener("keydown", function (e) {
      if (S.on && S.draft && (e.key === "Escape" || e.key === "Esc")) { cancelDraft(); }
    });

    S.close = function () { setOn(false); };
    G.proposal = S;  // for tests and the curious: the state of the mode
    setTool("camera");
    return S;
  };
})();
