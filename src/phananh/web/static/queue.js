/* The staff consoles: the Portal queue kept live from the event stream (a "N new reports" button that refreshes the
   list through its htmx partial, an alert for urgent reports), its map view, and the agency page's action bar.
   Texts come from data-* attributes of the page (gettext on the server); no inline script (CSP). */
(function () {
  "use strict";
  const PORTAL_STATES = ["received", "returned", "resolved"];

  function liveQueue(box) {
    const button = document.getElementById("live-new");
    const state = document.getElementById("live-state");
    const alertBox = document.getElementById("urgent-alert");
    const fresh = new Set();
    let changed = false, lost = false;

    function show() {
      const n = fresh.size;
      if (!n && !changed) { button.hidden = true; return; }
      button.textContent = n === 1 ? box.dataset.newOne : n ? box.dataset.newMany.replace("{n}", n) : box.dataset.changed;
      button.hidden = false;
    }

    function refresh() {
      fresh.clear(); changed = false; show();
      window.htmx.ajax("GET", location.pathname + location.search, { target: "#queue-rows", swap: "innerHTML" });
    }

    function urgentAlert(report, template) {
      alertBox.textContent = "";
      const text = document.createElement("span");
      text.textContent = template.replace("{code}", report.code) + " ";
      const link = document.createElement("a");
      link.href = "/portal/phan-anh/" + encodeURIComponent(report.id);
      link.textContent = box.dataset.open;
      alertBox.append(text, link);
      alertBox.hidden = false;
    }

    function checkUrgent(reportId, flagged) {
      fetch("/api/v1/reports/" + encodeURIComponent(reportId), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (report) {
          if (!report) return;
          if (flagged && report.urgent) urgentAlert(report, box.dataset.urgentFlag);
          else if (!flagged && (report.urgent || report.urgent_hint)) urgentAlert(report, box.dataset.urgentHint);
        })
        .catch(function () { /* the list still shows it on refresh */ });
    }

    button.addEventListener("click", refresh);
    const source = new EventSource(box.dataset.stream);
    source.onopen = function () {
      state.textContent = state.dataset.on;
      if (lost) { changed = true; show(); }  // events may have been missed while away
      lost = false;
    };
    source.onerror = function () { lost = true; state.textContent = state.dataset.off; };
    // Live updates paused by the server (Redis unreachable), then on again: as a lost and a reopened stream.
    source.addEventListener("live", function (e) {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      if (msg.state === "paused") { lost = true; state.textContent = state.dataset.off; return; }
      state.textContent = state.dataset.on;
      if (lost) { changed = true; show(); }
      lost = false;
    });
    source.onmessage = function (e) {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      if (msg.type !== "report_event") return;
      if (msg.action === "submit") { fresh.add(msg.report_id); checkUrgent(msg.report_id, false); }
      else if (msg.action === "flag_urgent") { changed = true; checkUrgent(msg.report_id, true); }
      else if (PORTAL_STATES.indexOf(msg.status) >= 0 || PORTAL_STATES.indexOf(msg.from_status) >= 0) changed = true;
      show();
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  function queueMap() {
    const mapEl = document.getElementById("queue-map");
    const rows = document.getElementById("queue-rows");
    const listBtn = document.getElementById("view-list"), mapBtn = document.getElementById("view-map");
    let map = null, layer = null;

    function pins() {
      if (!map) return;
      const holder = document.getElementById("queue-points");
      const points = holder ? JSON.parse(holder.dataset.points || "[]") : [];
      layer.clearLayers();
      const bounds = [];
      points.forEach(function (p) {
        const colour = p.urgent ? "#b3261e" : p.overdue ? "#8a5a00" : "#0b4f8a";
        const link = document.createElement("a");
        link.href = "/portal/phan-anh/" + encodeURIComponent(p.id);
        link.textContent = p.code + " – " + p.title;
        L.circleMarker([p.lat, p.lon], { radius: p.urgent ? 10 : 8, color: "#fff", weight: 2, fillColor: colour,
                                         fillOpacity: 0.9 }).addTo(layer).bindPopup(link);
        bounds.push([p.lat, p.lon]);
      });
      mapEl.dataset.pins = String(points.length);
      if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
      else if (bounds.length === 1) map.setView(bounds[0], 15);
    }

    function setView(view) {
      const onMap = view === "map";
      mapEl.hidden = !onMap;
      rows.hidden = onMap;
      listBtn.setAttribute("aria-pressed", String(!onMap));
      mapBtn.setAttribute("aria-pressed", String(onMap));
      try { sessionStorage.setItem("phananh.queueView", view); } catch (e) { /* private mode */ }
      if (onMap && !map && window.L) {
        map = L.map(mapEl, { scrollWheelZoom: false })
          .setView([parseFloat(mapEl.dataset.lat), parseFloat(mapEl.dataset.lon)], parseInt(mapEl.dataset.zoom || "12", 10));
        const tiles = L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19, attribution: mapEl.dataset.attribution || "",
                                                         referrerPolicy: "strict-origin" });
        tiles.on("tileerror", function () { mapEl.classList.add("no-tiles"); });
        tiles.addTo(map);
        layer = L.layerGroup().addTo(map);
      }
      if (onMap && map) { map.invalidateSize(); pins(); }
    }

    listBtn.addEventListener("click", function () { setView("list"); });
    mapBtn.addEventListener("click", function () { setView("map"); });
    document.body.addEventListener("htmx:afterSwap", function (e) { if (e.target === rows) pins(); });
    let saved = null;
    try { saved = sessionStorage.getItem("phananh.queueView"); } catch (e) { /* private mode */ }
    if (saved === "map") setView("map");
  }

  // The agency page's action bar: a tap opens the form it names and brings it into view.
  function actionBar(bar) {
    function open(id, scroll) {
      const target = document.getElementById(id);
      if (!target || target.tagName !== "DETAILS") return;
      target.open = true;
      if (scroll) target.scrollIntoView({ block: "start" });
      const field = target.querySelector("textarea, input:not([type=hidden]), select");
      if (field) field.focus({ preventScroll: true });
    }
    bar.addEventListener("click", function (e) {
      const link = e.target.closest("a[data-open]");
      if (!link) return;
      e.preventDefault();
      history.replaceState(null, "", "#" + link.dataset.open);
      open(link.dataset.open, true);
    });
    if (location.hash.indexOf("#act-") === 0) open(location.hash.slice(1), false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const box = document.getElementById("queue-live");
    if (box && window.EventSource && window.htmx) liveQueue(box);
    if (document.getElementById("queue-map")) queueMap();
    const bar = document.getElementById("action-bar");
    if (bar) actionBar(bar);
  });
})();
