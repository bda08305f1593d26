/* Leaflet maps. Tiles come from the server's setting; when they cannot load the map stays usable:
   a plain background that still takes a tap for the pin, with a note saying so. */
(function () {
  "use strict";
  function make(el, zoom) {
    const lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    const map = L.map(el, { scrollWheelZoom: false }).setView([lat, lon], zoom || parseInt(el.dataset.zoom || "15", 10));
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
    document.querySelectorAll(".map[data-points]").forEach(function (el) {
      const points = JSON.parse(el.dataset.points || "[]");
      const map = make(el, 10);
      const bounds = [];
      points.forEach(function (p) {
        const link = document.createElement("a");
        link.href = "/cong-khai/" + encodeURIComponent(p.code);
        link.textContent = p.code + " – " + p.title;
        L.marker([p.lat, p.lon], { keyboard: false, title: p.code }).addTo(map).bindPopup(link);
        bounds.push([p.lat, p.lon]);
      });
      if (bounds.length > 1) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 });
      else if (bounds.length === 1) map.setView(bounds[0], 14);
    });
  });
})();
