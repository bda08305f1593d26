/* The citizen's report form, offline-first.
   A report is a draft {key, report, photos} kept in IndexedDB until the server has it. It is sent to
   POST /api/v1/reports (multipart: a `report` JSON part and the photos) with its Idempotency-Key, now if
   online, else when the connection returns; a repeated send of the same draft never makes a second report. */
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  const lang = document.documentElement.lang || "vi";
  const MAX_PHOTOS = 6, MAX_SIDE = 1600, QUALITY = 0.82;

  function msg(name, params) {
    let text = form.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || name;
    Object.entries(params || {}).forEach(([k, v]) => { text = text.replace("{" + k + "}", v); });
    return text;
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // ---- the outbox: IndexedDB, photos kept as Blobs ----
  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open("phananh", 1);
      req.onupgradeneeded = () => req.result.createObjectStore("outbox", { keyPath: "key" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function store(mode, fn) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("outbox", mode);
      const req = fn(tx.objectStore("outbox"));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }
  const putDraft = (d) => store("readwrite", (s) => s.put(d));
  const deleteDraft = (key) => store("readwrite", (s) => s.delete(key));
  const allDrafts = () => store("readonly", (s) => s.getAll());

  // ---- photos: made smaller on the phone with a canvas before they are kept or sent ----
  let photos = [];
  async function shrink(file) {
    let bitmap;
    try { bitmap = await createImageBitmap(file); } catch (e) { return file; }
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob((b) => resolve(b || file), "image/jpeg", QUALITY));
  }
  function renderThumbs() {
    const list = $("thumbs");
    list.innerHTML = "";
    photos.forEach((blob, i) => {
      const li = document.createElement("li");
      const img = document.createElement("img");
      img.src = URL.createObjectURL(blob);
      img.alt = msg("photo", { n: i + 1 });
      const remove = document.createElement("button");
      remove.type = "button"; remove.className = "linklike"; remove.textContent = msg("remove");
      remove.setAttribute("aria-label", msg("remove") + " – " + img.alt);
      remove.addEventListener("click", () => { photos.splice(i, 1); renderThumbs(); });
      li.append(img, document.createElement("br"), remove);
      list.append(li);
    });
  }
  ["camera", "gallery"].forEach((id) => $(id).addEventListener("change", async (ev) => {
    const note = $("photo-note");
    note.hidden = true; note.textContent = "";
    for (const file of Array.from(ev.target.files || [])) {
      if (photos.length >= MAX_PHOTOS) { // said, never dropped silently
        note.textContent = msg("tooMany", { n: photos.length + 1 }); note.hidden = false;
        break;
      }
      photos.push(await shrink(file));
    }
    ev.target.value = "";
    renderThumbs();
  }));

  // ---- the description's counter, against the minimum the server holds to too ----
  const MIN_DESCRIPTION = 10;
  const PHONE = /^(0[0-9]{9}|\+84[0-9]{9}|\+(?!84)[1-9][0-9]{7,14})$/;
  function countChars() {
    $("desc-count").textContent = msg("count", { n: $("description").value.trim().length, min: MIN_DESCRIPTION });
  }
  $("description").addEventListener("input", countChars);
  countChars();

  // ---- the category's hint, shown once it is chosen ----
  function syncHint() {
    const chosen = form.querySelector("input[name=category]:checked");
    form.querySelectorAll(".cat-hint").forEach((p) => { p.classList.toggle("shown", !!chosen && p.id === "hint-" + chosen.value); });
  }
  form.querySelectorAll("input[name=category]").forEach((i) => i.addEventListener("change", syncHint));
  syncHint();

  // ---- the place: GPS, a tap, a dragged pin or the keyboard; the commune whose boundary holds the pin, else the
  // nearest centre (as the server's Directory.area_at) ----
  let map = null, marker = null;
  let centres = [], shapes = [];
  try { centres = JSON.parse(($("area-centres") || {}).textContent || "[]"); } catch (e) { centres = []; }
  try { shapes = JSON.parse(($("area-shapes") || {}).textContent || "[]"); } catch (e) { shapes = []; }
  function inRing(lon, lat, ring) { // even-odd ray cast, as phananh.directory.geometry
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function inBoundary(boundary, lat, lon) { // GeoJSON Polygon or MultiPolygon, [lon, lat]; holes excluded
    const polygons = boundary.type === "Polygon" ? [boundary.coordinates] : boundary.coordinates;
    return polygons.some((rings) => inRing(lon, lat, rings[0]) && !rings.slice(1).some((hole) => inRing(lon, lat, hole)));
  }
  function areaAt(lat, lon) {
    const hit = shapes.find(([, boundary]) => inBoundary(boundary, lat, lon));
    return hit ? hit[0] : nearestArea(lat, lon);
  }
  function nearestArea(lat, lon) { // a flat projection is exact enough over a province (as the server's)
    const k = Math.cos(lat * Math.PI / 180);
    let best = null, bestD = Infinity;
    centres.forEach(([code, alat, alon]) => {
      const dx = (alon - lon) * k, dy = alat - lat, d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = code; }
    });
    return best && Math.sqrt(bestD) * 111.2 <= 60 ? best : null;
  }
  function fillArea(lat, lon) {
    const select = $("area");
    if (select.value && select.dataset.auto !== select.value) return ""; // chosen by hand: left alone
    const code = areaAt(lat, lon);
    if (!code) return "";
    select.value = code; select.dataset.auto = code;
    return select.options[select.selectedIndex] ? select.options[select.selectedIndex].text : "";
  }
  function setPin(lat, lon, how) {
    $("lat").value = lat.toFixed(6); $("lon").value = lon.toFixed(6);
    if (map) {
      if (marker) marker.setLatLng([lat, lon]);
      else {
        marker = L.marker([lat, lon], { keyboard: false, draggable: true, autoPan: true }).addTo(map);
        marker.on("dragend", () => { const p = marker.getLatLng(); setPin(p.lat, p.lng, "pin"); });
      }
    }
    const area = fillArea(lat, lon);
    $("where-status").textContent = msg(how, { lat: lat.toFixed(5), lon: lon.toFixed(5) }) + (area ? " – " + area : "");
    clearError("where");
    reverseGeocode(lat, lon);
  }
  const pickEl = $("pick-map");
  if (window.L && window.PhananhMap && pickEl) {
    map = PhananhMap.make(pickEl, null, { keyboard: false }); // our own keys: Enter drops the pin, arrows move it
    map.on("click", (e) => setPin(e.latlng.lat, e.latlng.lng, "pin"));
    pickEl.addEventListener("tiles-failed", () => {
      const note = document.createElement("p");
      note.className = "small at-risk"; note.id = "tiles-note"; note.textContent = msg("tiles");
      if (!$("tiles-note")) pickEl.after(note);
    });
    const STEP_PX = 12, ARROWS = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    pickEl.addEventListener("keydown", (ev) => {
      if (ev.target !== pickEl) return;
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        const c = map.getCenter(); setPin(c.lat, c.lng, "pin");
      } else if (ARROWS[ev.key]) {
        ev.preventDefault();
        const [dx, dy] = ARROWS[ev.key].map((v) => v * STEP_PX * (ev.shiftKey ? 5 : 1));
        if (!marker) { map.panBy([dx, dy], { animate: false }); return; }
        const p = map.latLngToContainerPoint(marker.getLatLng()).add([dx, dy]);
        const ll = map.containerPointToLatLng(p);
        setPin(ll.lat, ll.lng, "pin");
        if (!map.getBounds().pad(-0.1).contains(ll)) map.panTo(ll, { animate: false });
      } else if (ev.key === "+" || ev.key === "=") { map.zoomIn(); } else if (ev.key === "-") { map.zoomOut(); }
    });
    if ($("lat").value && $("lon").value) setPin(parseFloat($("lat").value), parseFloat($("lon").value), "pin");
  }
  $("gps").addEventListener("click", () => {
    if (!navigator.geolocation) { $("where-status").textContent = msg("gpsFail"); return; }
    navigator.geolocation.getCurrentPosition((pos) => {
      setPin(pos.coords.latitude, pos.coords.longitude, "gpsOk");
      if (map) map.setView([pos.coords.latitude, pos.coords.longitude], 17);
    }, () => { $("where-status").textContent = msg("gpsFail"); }, { enableHighAccuracy: true, timeout: 15000 });
  });

  // ---- address search and reverse geocoding: only when the server has a geocoder (geocoder_url) ----
  const geocoder = pickEl && pickEl.dataset.geocoder === "yes";
  let addressTyped = false;
  $("address").addEventListener("input", () => { addressTyped = $("address").value.trim() !== ""; });
  async function reverseGeocode(lat, lon) {
    if (!geocoder || addressTyped || !navigator.onLine) return;
    try {
      const res = await fetch("/dia-chi/vi-tri?lat=" + lat.toFixed(6) + "&lon=" + lon.toFixed(6) + "&lang=" + lang);
      if (!res.ok) return;
      const found = await res.json();
      if (found.address && !addressTyped) $("address").value = found.address;
    } catch (e) { /* no answer: the address stays for the citizen to write */ }
  }
  if (geocoder && $("geo-search")) {
    $("geo-search").hidden = false;
    const search = async () => {
      const q = $("geo-q").value.trim(), list = $("geo-results");
      list.innerHTML = "";
      if (q.length < 3) return;
      let found = [];
      try {
        const res = await fetch("/dia-chi/tim?q=" + encodeURIComponent(q) + "&lang=" + lang);
        const body = await res.json();
        if (res.ok) found = body.items;
        else if (body.error) {  // e.g. too many searches from this address: say so, in the page's language
          const li = document.createElement("li"); li.className = "small"; li.setAttribute("role", "status");
          li.textContent = body.error.message; list.append(li);
        }
      } catch (e) { found = []; }
      found.forEach((item) => {
        const li = document.createElement("li"), b = document.createElement("button");
        b.type = "button"; b.className = "linklike"; b.textContent = item.address;
        b.addEventListener("click", () => {
          addressTyped = true; $("address").value = item.address;
          setPin(item.lat, item.lon, "pin");
          if (map) map.setView([item.lat, item.lon], 17);
          list.innerHTML = "";
        });
        li.append(b); list.append(li);
      });
    };
    $("geo-go").addEventListener("click", search);
    $("geo-q").addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); search(); } });
  }

  // ---- contact or anonymous ----
  function syncAnonymous() {
    $("contact-fields").hidden = $("anonymous").checked;
    if ($("contact-details")) $("contact-details").hidden = $("anonymous").checked;
  }
  $("anonymous").addEventListener("change", syncAnonymous);
  syncAnonymous();

  // ---- checks before keeping the draft (the server checks again) ----
  const FIELD_TARGET = { category: () => form.querySelector("fieldset.step"), description: () => $("description"),
    where: () => $("address"), reporter: () => $("reporter-name"), consent: () => $("consent"),
    phone: () => $("reporter-phone"), "reporter.phone": () => $("reporter-phone") };
  function clearError(name) {
    const old = $("err-" + name); if (old) old.remove();
    const target = FIELD_TARGET[name] && FIELD_TARGET[name]();
    if (target) { target.removeAttribute("aria-invalid"); target.removeAttribute("aria-describedby"); }
  }
  function showError(name, text) {
    clearError(name);
    const target = (FIELD_TARGET[name] || FIELD_TARGET.description)();
    const p = document.createElement("p");
    p.className = "field-error"; p.id = "err-" + name; p.textContent = text;
    if (name === "category") target.querySelector("legend").after(p);
    else if (name === "consent") target.closest("label").after(p);
    else target.after(p);
    target.setAttribute("aria-invalid", "true"); target.setAttribute("aria-describedby", p.id);
    const toggle = target.closest("details"); if (toggle) toggle.open = true;
    return target;
  }
  function readReport() {
    const v = (name) => (form.elements[name] && form.elements[name].value || "").trim();
    const checked = (name) => !!(form.elements[name] && form.elements[name].checked);
    const category = form.querySelector("input[name=category]:checked");
    const report = { category: category ? category.value : "", description: v("description"),
      anonymous: checked("anonymous"), share_identity_with_agency: checked("share_identity_with_agency"),
      consent: checked("consent"), urgent_hint: checked("urgent_hint"), language: lang };
    if (v("lat") && v("lon")) report.location = { lat: parseFloat(v("lat")), lon: parseFloat(v("lon")) };
    if (v("address")) report.address = v("address");
    if (v("area")) report.area = v("area");
    if (!report.anonymous) {
      const reporter = {};
      ["name", "phone", "email"].forEach((k) => { if (v("reporter." + k)) reporter[k] = v("reporter." + k); });
      if (Object.keys(reporter).length) report.reporter = reporter;
    }
    return report;
  }
  function check(report) {
    const errors = {};
    if (!report.category) errors.category = msg("category");
    if (!report.description) errors.description = msg("description");
    else if (report.description.length < MIN_DESCRIPTION) errors.description = msg("short", { min: MIN_DESCRIPTION });
    const phone = report.reporter && report.reporter.phone;
    if (!report.anonymous && phone && !PHONE.test(phone.replace(/[\s.\-()]/g, ""))) errors.phone = msg("phone");
    if (!report.location && !report.address && !report.area) errors.where = msg("where");
    if (!report.anonymous) {
      if (!report.reporter && form.dataset.citizen !== "yes") errors.reporter = msg("reporter");
      if (!report.consent) errors.consent = msg("consent");
    }
    return errors;
  }

  // ---- sending ----
  function remember(sent) {
    try {
      const list = JSON.parse(localStorage.getItem("phananh.mine") || "[]");
      if (!list.some((r) => r.token === sent.tracking_token)) list.unshift({ token: sent.tracking_token, code: sent.code });
      localStorage.setItem("phananh.mine", JSON.stringify(list.slice(0, 50)));
    } catch (e) { /* private mode: the tracking code on screen still works */ }
  }
  // ---- the confirmation screen: the code large, copy, share, QR, the promise in plain words ----
  const confirmation = $("confirmation");
  const cmsg = (name, params) => {
    let text = confirmation.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
    Object.entries(params || {}).forEach(([k, v]) => { text = text.replace("{" + k + "}", v); });
    return text;
  };
  const WEEKDAYS = { vi: ["Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"],
    en: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] };
  function localParts(date) { // Asia/Ho_Chi_Minh is UTC+7 all year
    const d = new Date(date.getTime() + 7 * 3600 * 1000);
    return { y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate(), wd: d.getUTCDay(),
      hm: String(d.getUTCHours()).padStart(2, "0") + ":" + String(d.getUTCMinutes()).padStart(2, "0") };
  }
  function when(dueIso) {
    const due = localParts(new Date(dueIso)), now = localParts(new Date());
    const days = Math.round((Date.UTC(due.y, due.m, due.d) - Date.UTC(now.y, now.m, now.d)) / 86400000);
    const en = lang === "en", wd = WEEKDAYS[en ? "en" : "vi"][due.wd];
    const dm = String(due.d).padStart(2, "0") + "/" + String(due.m + 1).padStart(2, "0");
    if (en) return "before " + due.hm + (days <= 0 ? " today" : days === 1 ? " tomorrow (" + wd + ")" : " on " + wd + " " + dm);
    return "trước " + due.hm + (days <= 0 ? " hôm nay" : days === 1 ? " ngày mai (" + wd + ")" : " " + wd + " " + dm);
  }
  function showSent(sent) {
    $("send-result").innerHTML = "";
    const token = sent.tracking_token, shown = sent.tracking_code || token;
    const url = location.origin + "/theo-doi/" + encodeURIComponent(token);
    $("confirm-code").textContent = shown;
    $("track-link").href = "/theo-doi/" + encodeURIComponent(token);
    $("confirm-qr").src = "/theo-doi/" + encodeURIComponent(token) + "/qr.svg";
    const distribute = (sent.deadlines || []).find((d) => d.stage === "distribute" && d.due_at);
    $("confirm-promise").textContent = distribute ? cmsg("promise", { when: when(distribute.due_at) }) : "";
    confirmation.dataset.url = url; confirmation.dataset.code = shown;
    // The public code too: with the last 4 digits of the phone it finds the report when the tracking code is lost.
    $("confirm-public").querySelector("span").textContent = sent.code ? cmsg("public", { code: sent.code }) : "";
    $("confirm-public").hidden = !sent.code;
    form.hidden = true; confirmation.hidden = false;
    $("confirm-title").focus();
  }
  $("confirm-copy").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(confirmation.dataset.code + " " + confirmation.dataset.url); } catch (e) { return; }
    $("confirm-copy").textContent = cmsg("copied");
  });
  $("confirm-share").addEventListener("click", async () => {
    const data = { title: cmsg("shareTitle"), text: confirmation.dataset.code, url: confirmation.dataset.url };
    if (navigator.share) { try { await navigator.share(data); } catch (e) { /* closed by the user */ } return; }
    try { await navigator.clipboard.writeText(data.url); $("confirm-share").textContent = cmsg("copied"); } catch (e) { /* none */ }
  });
  $("confirm-again").addEventListener("click", () => {
    confirmation.hidden = true; form.hidden = false; countChars();
    form.elements.idempotency_key.value = "";
    form.querySelector("input,textarea").focus();
  });
  function showFailed(draft, body) {
    const err = (body && body.error) || {};
    const box = $("send-result");
    box.innerHTML = "";
    const p = document.createElement("p"); p.className = "flash error"; p.setAttribute("role", "alert");
    p.textContent = msg("failed", { reason: err.message || "" });
    box.append(p);
    restore(draft);
    const field = err.details && err.details.field;
    if (field && FIELD_TARGET[field]) showError(field, err.message);
  }
  function restore(draft) {
    const r = draft.report;
    form.querySelectorAll("input[name=category]").forEach((i) => { i.checked = i.value === r.category; });
    $("description").value = r.description || "";
    $("address").value = r.address || ""; $("area").value = r.area || "";
    if (r.location) setPin(r.location.lat, r.location.lon, "pin");
    ["name", "phone", "email"].forEach((k) => { form.elements["reporter." + k].value = (r.reporter || {})[k] || ""; });
    ["anonymous", "share_identity_with_agency", "consent", "urgent_hint"].forEach((k) => { form.elements[k].checked = !!r[k]; });
    photos = draft.photos.slice(); renderThumbs(); syncAnonymous(); syncHint();
    if (r.address || r.area) $("more-place").open = true;
    if (r.reporter) $("contact-details").open = true;
  }

  // A busy server (503 with Retry-After under load) or none at all: the drafts are sent again later with the
  // same Idempotency-Key, after the server's Retry-After or a doubling delay (2 s to 60 s), with some jitter so
  // that thousands of phones do not come back in the same second.
  let retryTimer = null, retryDelay = 0;
  function retryLater(res) {
    const asked = res ? parseInt(res.headers.get("Retry-After"), 10) : NaN;
    retryDelay = asked > 0 ? asked : Math.min(Math.max(retryDelay * 2, 2), 60);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, (retryDelay + Math.random()) * 1000);
  }

  // A signed-in citizen's browser sends its session cookie: the API then wants the page's CSRF token too. The page
  // may be an offline copy from an older session, so on a refusal the token is read again from a fresh page.
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  async function post(draft, body) {
    const send = () => fetch("/api/v1/reports?lang=" + lang, { method: "POST", body: body, credentials: "same-origin",
      headers: { "Idempotency-Key": draft.key, "Accept": "application/json", "X-CSRF-Token": csrfMeta ? csrfMeta.content : "" } });
    const res = await send();
    if (res.status !== 403 || !csrfMeta) return res;
    const code = ((await res.clone().json().catch(() => ({}))).error || {}).code;
    if (code !== "csrf_failed") return res;
    const page = await (await fetch("/", { credentials: "same-origin" })).text();
    const fresh = new DOMParser().parseFromString(page, "text/html").querySelector('meta[name="csrf-token"]');
    if (fresh) csrfMeta.content = fresh.content;
    return send();
  }

  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (const draft of await allDrafts()) {
        if (!navigator.onLine) break;
        const body = new FormData();
        body.append("report", JSON.stringify(draft.report));
        draft.photos.forEach((blob, i) => body.append("files", blob, "photo-" + (i + 1) + ".jpg"));
        let res;
        try {
          res = await post(draft, body);
        } catch (e) { retryLater(null); break; } // no connection after all: keep it for later
        if (res.ok) {
          retryDelay = 0;
          const sent = await res.json();
          remember(sent);
          await deleteDraft(draft.key);
          showSent(sent);
        } else if (res.status >= 500 || res.status === 429 || res.status === 408) {
          retryLater(res); // the server is busy or in trouble: the same draft, the same key, a little later
          break;
        } else {
          await deleteDraft(draft.key);
          showFailed(draft, await res.json().catch(() => ({})));
        }
      }
    } finally {
      flushing = false;
      await renderOutbox();
    }
  }
  async function renderOutbox() {
    const drafts = await allDrafts();
    $("outbox-section").hidden = drafts.length === 0;
    const list = $("outbox"); list.innerHTML = "";
    drafts.forEach((d) => {
      const li = document.createElement("li"); li.className = "card small";
      li.textContent = d.report.description.slice(0, 80) + " — " + msg("waiting");
      list.append(li);
    });
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    Object.keys(FIELD_TARGET).forEach(clearError);
    const report = readReport();
    const errors = check(report);
    const names = Object.keys(errors);
    if (names.length) {
      const first = names.map((n) => showError(n, errors[n]))[0];
      (first.matches("fieldset") ? first.querySelector("input") : first).focus();
      return;
    }
    const draft = { key: newKey(), report: report, photos: photos.slice(), created: Date.now() };
    await putDraft(draft);
    form.reset();
    photos = []; renderThumbs();
    if (marker && map) { map.removeLayer(marker); marker = null; }
    $("lat").value = ""; $("lon").value = ""; $("where-status").textContent = "";
    $("area").dataset.auto = ""; addressTyped = false;
    syncAnonymous(); syncHint();
    $("send-result").innerHTML = "";
    if (!navigator.onLine) {
      const p = document.createElement("p"); p.className = "flash info"; p.textContent = msg("queued");
      $("send-result").append(p);
      syncNet();
      await renderOutbox();
    } else {
      await flush();
      if ((await allDrafts()).some((d) => d.key === draft.key)) {
        const p = document.createElement("p"); p.className = "flash info"; p.textContent = msg("queued");
        $("send-result").append(p);
      }
    }
    window.scrollTo(0, 0);
  });

  // One offline notice at a time: a report kept on the phone says it for itself ("queued"), the banner then hides.
  function syncNet() { $("net-status").hidden = navigator.onLine || !!$("send-result").querySelector(".flash.info"); }
  window.addEventListener("online", () => { syncNet(); flush(); });
  window.addEventListener("offline", syncNet);
  syncNet();
  setInterval(flush, 30000);
  flush();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
  window.PhananhOutbox = { flush: flush, allDrafts: allDrafts, putDraft: putDraft };
})();
