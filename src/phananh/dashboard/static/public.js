/* The public statistics page: the public subset of the figures, refreshed every minute. */
"use strict";
(function () {
  const API = "/api/v1";
  const form = document.getElementById("filters");

  function params() {
    const f = new FormData(form);
    const p = new URLSearchParams({ from: PA.localDay(-(Number(f.get("days")) - 1)), to: PA.localDay(0) });
    for (const k of ["category", "area"]) if (f.get(k)) p.set(k, f.get(k));
    return p;
  }

  async function refresh() {
    const r = await fetch(API + "/stats/public?" + params());
    if (!r.ok) return;
    const ov = await r.json();
    PA.text("kpi-received", PA.num(ov.totals.received));
    PA.text("kpi-open", PA.num(ov.totals.open));
    PA.text("kpi-done", PA.num(ov.totals.done));
    PA.drawCommon(ov);
  }

  async function loadFilters() {
    const [cats, areas] = await Promise.all([fetch(API + "/categories").then(r => r.json()), fetch(API + "/areas").then(r => r.json())]);
    PA.setCategories(cats.items);
    for (const [name, list, label] of [["category", cats.items, c => PA.categoryName(c)], ["area", areas.items, a => a.name]]) {
      for (const it of list) { const o = document.createElement("option"); o.value = it.code; o.textContent = label(it); form.elements[name].appendChild(o); }
    }
  }

  form.addEventListener("change", () => refresh().catch(console.error));
  loadFilters().catch(console.error).finally(() => refresh().catch(console.error));
  setInterval(() => refresh().catch(console.error), 60000);
})();
