/* "My reports": the reports this phone sent, by the tracking codes kept in its storage. */
(function () {
  "use strict";
  const box = document.getElementById("device-reports");
  if (!box) return;
  let list = [];
  try { list = JSON.parse(localStorage.getItem("phananh.mine") || "[]"); } catch (e) { list = []; }
  if (!list.length) { box.innerHTML = ""; const p = document.createElement("p"); p.className = "muted"; p.textContent = box.dataset.empty; box.append(p); return; }
  const query = list.map((r) => "t=" + encodeURIComponent(r.token)).join("&");
  fetch("/cua-toi/thiet-bi?" + query, { credentials: "same-origin" })
    .then((r) => { if (!r.ok) throw new Error(r.status); return r.text(); }).then((html) => { box.innerHTML = html; })
    .catch(() => { box.innerHTML = ""; list.forEach((r) => { const a = document.createElement("a"); a.href = "/theo-doi/" + encodeURIComponent(r.token); a.textContent = r.code; const p = document.createElement("p"); p.append(a); box.append(p); }); });
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
})();
