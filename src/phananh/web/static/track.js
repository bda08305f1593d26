/* A report page opened with its tracking code: remember the report on this phone ("my reports"). */
(function () {
  "use strict";
  const el = document.getElementById("remember-report");
  if (!el) return;
  try {
    const k = "phananh.mine", list = JSON.parse(localStorage.getItem(k) || "[]");
    if (!list.some((r) => r.token === el.dataset.token)) {
      list.unshift({ token: el.dataset.token, code: el.dataset.code });
      localStorage.setItem(k, JSON.stringify(list.slice(0, 50)));
    }
  } catch (e) { /* no storage (private mode): nothing to remember */ }
})();

/* The confirmation after a send without the app's script (the plain form's redirect): copy and share work here
   too once scripts run; without them the code, the QR and the links are there already. */
(function () {
  "use strict";
  const box = document.getElementById("confirmation");
  if (!box || !document.getElementById("confirm-tools")) return;
  document.getElementById("confirm-tools").hidden = false;
  const copied = (button) => { button.textContent = box.dataset.msgCopied; };
  document.getElementById("confirm-copy").addEventListener("click", async (ev) => {
    try { await navigator.clipboard.writeText(box.dataset.code + " " + box.dataset.url); copied(ev.target); } catch (e) { /* none */ }
  });
  document.getElementById("confirm-share").addEventListener("click", async (ev) => {
    const data = { title: box.dataset.msgShareTitle, text: box.dataset.code, url: box.dataset.url };
    if (navigator.share) { try { await navigator.share(data); } catch (e) { /* closed */ } return; }
    try { await navigator.clipboard.writeText(data.url); copied(ev.target); } catch (e) { /* none */ }
  });
})();
