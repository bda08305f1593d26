/* Service worker of the citizen app: the app shell works without a connection.
   Reports themselves are kept by the page (IndexedDB) and sent by it; API calls are never cached. */
const CACHE = "phananh-shell-v9";  // a new name for each change of the shell: phones fetch it again
const SHELL = [
  "/", "/cua-toi", "/theo-doi", "/manifest.webmanifest",
  "/static/app.css", "/static/citizen.js", "/static/map.js", "/static/mine.js",
  "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
  "/static/vendor/leaflet/images/marker-icon.png", "/static/vendor/leaflet/images/marker-icon-2x.png",
  "/static/vendor/leaflet/images/marker-shadow.png", "/static/icons/icon-192.png",
  "/static/icons/form.svg", "/static/icons/check.svg", "/static/track.js", "/static/menu.js",
];
const CITIZEN_PAGES = ["/", "/cua-toi", "/theo-doi"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (req.mode === "navigate") {
    // Pages: the network first (fresh data), the cached shell when there is no connection.
    event.respondWith(fetch(req).then((res) => {
      if (res.ok && CITIZEN_PAGES.includes(url.pathname) && !url.search) {
        const copy = res.clone();
        caches.open(CACHE).then((c) => c.put(url.pathname, copy));
      }
      return res;
    }).catch(() => caches.match(url.pathname).then((hit) => hit || caches.match("/"))));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
  }
});
