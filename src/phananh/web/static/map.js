/* Leaflet maps. Tiles come from the server's setting; when they cannot load the map stays usable:
   a plain background that still takes a tap for the pin, with a note saying so. */
(function () {
  "use strict";
  function make(el, zoom, options) {
    const lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    const map = L.map(el, Object.assign({ scrollWheelZoom: false }, options || {})).setView([lat, lon], zoom || parseInt(el.dataset.zoom || "15", 10));
    // The tile server learns our origin only (OSM's policy wants a Referer), never a page's path or tracking code.
    const layer = L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "",
                                                  referrerPolicy: "strict-origin" });
    let reported = false;
    layer.on("tileerror", function () {
      if (!reported) { reported = true; el.classList.add("no-tiles"); el.dispatchEvent(new CustomEvent("tiles-failed")); }
    });
    layer.addTo(map);
    return map;
  }
  window.PhananhMap = { make: make };

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.L) return;
    document.querySelectorAll(".map[data-lat]").forEach(function (el) {
      if (el.id === "pick-map" || el.dataset.points) return;
      const map = make(el, 16);
      L.marker([parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)], { keyboard: false }).addTo(map);
    });
    // The public map: a pin coloured by status (its tone), grouped into clusters where they crowd.
    document.querySelectorAll(".map[data-points]").forEach(function (el) {
      const points = JSON.parse(el.dataset.points || "[]");
      const map = make(el, 10);
      const group = L.markerClusterGroup ? L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false })
                                         : L.layerGroup();
      const bounds = [];
      points.forEach(function (p) {
        const link = document.createElement("a");
        link.href = "/cong-khai/" + encodeURIComponent(p.code);
        link.textContent = p.code + " – " + p.title;
        const label = document.createElement("div");
        label.className = "small"; label.textContent = p.status_label || "";
        const popup = document.createElement("div"); popup.append(link, label);
        const icon = L.divIcon({ className: "", html: '<span class="pin-dot tone-' + (p.tone || "info") + '"></span>',
                                 iconSize: [18, 18], iconAnchor: [9, 9] });
        L.marker([p.lat, p.lon], { keyboard: false, title: p.code + " – " + (p.status_label || ""), icon: icon })
          .bindPopup(popup).addTo(group);
        bounds.push([p.lat, p.lon]);
      });
      group.addTo(map);
      if (bounds.length > 1) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 });
      else if (bounds.length === 1) map.setView(bounds[0], 14);
    });
  });
})();
