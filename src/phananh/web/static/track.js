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
