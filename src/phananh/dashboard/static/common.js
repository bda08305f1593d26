/* Shared by the dashboard and the public statistics page: translated labels, formatting, charts.
   The page hands its texts over in the JSON block #dash-texts (translated on the server through gettext);
   dates and times are always shown in Viet Nam time, whatever the browser's zone. */
"use strict";
window.PA = (function () {
  const root = document.getElementById("dash");
  const lang = (root && root.dataset.lang) || document.documentElement.lang || "vi";
  const T = JSON.parse(document.getElementById("dash-texts")?.textContent || "{}");
  const STATUS = T.status || {};
  const STAGE = T.stage || {};
  const locale = lang === "en" ? "en-GB" : "vi-VN";
  const TZ = "Asia/Ho_Chi_Minh";
  const nf = new Intl.NumberFormat(locale);
  const categoryNames = {};  // code → name in the page's language (from /api/v1/categories)

  function fmt(s, params) { return String(s ?? "").replace(/\{(\w+)\}/g, (m, k) => (k in params ? params[k] : m)); }
  function num(n) { return n === null || n === undefined ? "–" : nf.format(n); }
  function dec(n) { return n.toLocaleString(locale, { maximumFractionDigits: 1 }); }
  function pct(r) { return r === null || r === undefined ? "–" : dec(r * 100) + "%"; }
  /** "85% (n=20)": a rate with the number of cases it is computed from. */
  function rateN(r, n) { return pct(r) + " (" + fmt(T.sample || "n={n}", { n: num(n) }) + ")"; }
  function duration(s) {
    if (s === null || s === undefined) return "–";
    if (s < 3600) return fmt(T.minutes || "{n} min", { n: Math.round(s / 60) });
    if (s < 86400 * 2) return fmt(T.hours || "{n} h", { n: dec(s / 3600) });
    return fmt(T.days || "{n} d", { n: dec(s / 86400) });
  }
  function parts(d, options) {
    const out = {};
    for (const p of new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hourCycle: "h23", ...options }).formatToParts(d)) out[p.type] = p.value;
    return out;
  }
  /** A moment in Viet Nam time: "2 Dec 2026, 10:30 ICT" in English, "10:30 02/12/2026" in Vietnamese. */
  function dateTime(d) {
    if (lang === "en") {
      const p = parts(d, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
      return `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} ICT`;
    }
    const p = parts(d, { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" });
    return `${p.hour}:${p.minute} ${p.day}/${p.month}/${p.year}`;
  }
  /** Today's date in Viet Nam, shifted by `days`, as YYYY-MM-DD. */
  function localDay(days) {
    const p = parts(new Date(Date.now() + (days || 0) * 86400000), { day: "2-digit", month: "2-digit", year: "numeric" });
    return `${p.year}-${p.month}-${p.day}`;
  }
  /** A series period ("2026-12-02", "2026-12") written for people: "2 Dec" / "02/12", "Dec 2026" / "12/2026". */
  function period(key) {
    const [y, m, d] = String(key).split("-");
    if (!m) return key;
    const month = new Date(Date.UTC(Number(y), Number(m) - 1, 15)).toLocaleString("en-GB", { month: "short", timeZone: "UTC" });
    if (!d) return lang === "en" ? `${month} ${y}` : `${m}/${y}`;
    return lang === "en" ? `${Number(d)} ${month}` : `${d}/${m}`;
  }
  /** Cut on a whole word, with an ellipsis. */
  function shorten(s, limit) {
    s = String(s ?? "").replace(/\s+/g, " ").trim();
    if (s.length <= limit) return s;
    let cut = s.slice(0, limit);
    const space = cut.lastIndexOf(" ");
    if (!" ,.;:!?".includes(s[limit]) && space > 0) cut = cut.slice(0, space);  // the limit falls inside a word
    return cut.replace(/[\s,.;:–-]+$/, "") + "…";
  }
  function text(id, value) { const el = document.getElementById(id); if (el) el.textContent = value; }
  function esc(s) { return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]); }
  function setCategories(items) { for (const c of items) categoryNames[c.code] = (lang === "en" ? c.name_en : c.name_vi) || c.name; }
  function categoryName(c) { return (c && categoryNames[c.code]) || (c && c.name) || ""; }
  function narrow() { return window.innerWidth < 600; }

  const charts = {};
  function chart(id) {
    if (!window.echarts) return null;  // the page still shows its numbers without the chart library
    if (!charts[id]) { charts[id] = echarts.init(document.getElementById(id)); }
    return charts[id];
  }
  window.addEventListener("resize", () => Object.values(charts).forEach(c => c.resize()));

  function drawCommon(ov) {
    const statuses = Object.entries(ov.by_status).filter(([, n]) => n > 0);
    chart("chart-status")?.setOption({
      tooltip: { trigger: "item", formatter: p => `${esc(p.name)}: ${num(p.value)} (${p.percent}%)` },
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: statuses.map(([k, n]) => ({ name: STATUS[k] || k, value: n })) }],
    }, true);
    const cats = ov.by_category.slice(0, 15).reverse();
    chart("chart-category")?.setOption({
      tooltip: { formatter: p => `${esc(p.name)}: ${num(p.value)}` }, grid: { left: 8, right: 20, top: 10, bottom: 20, containLabel: true },
      xAxis: { type: "value" }, yAxis: { type: "category", data: cats.map(categoryName),
                                         axisLabel: { width: narrow() ? 100 : 160, overflow: "truncate" } },
      series: [{ type: "bar", data: cats.map(c => c.count), itemStyle: { color: "#0b5cad" } }],
    }, true);
    chart("chart-series")?.setOption({
      tooltip: { trigger: "axis" }, grid: { left: 8, right: 20, top: 20, bottom: 10, containLabel: true },
      xAxis: { type: "category", data: ov.series.map(p => period(p.period)) }, yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", name: T.reports || "", areaStyle: {}, data: ov.series.map(p => p.count) }],
    }, true);
    const dist = ov.satisfaction.distribution;
    chart("chart-rating")?.setOption({
      tooltip: {}, grid: { left: 8, right: 20, top: 20, bottom: 10, containLabel: true },
      xAxis: { type: "category", data: [1, 2, 3, 4, 5].map(n => fmt(T.stars || "{n}", { n })) }, yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: [1, 2, 3, 4, 5].map(k => dist[String(k)] || 0), itemStyle: { color: "#e08a00" } }],
    }, true);
    const rows = Object.entries(ov.on_time.by_stage).map(([stage, v]) => {
      const d = ov.durations[stage];
      return `<tr><td>${esc(STAGE[stage] || stage)}</td><td>${num(v.on_time)}</td><td>${num(v.late)}</td>` +
             `<td>${esc(rateN(v.rate, v.on_time + v.late))}</td><td>${duration(d.median_seconds)}</td><td>${duration(d.p90_seconds)}</td></tr>`;
    });
    const body = document.querySelector("#stages tbody");
    if (body) body.innerHTML = rows.join("");
    const all = ov.on_time.overall;
    text("kpi-on-time", pct(all.rate));
    text("kpi-on-time-n", fmt(T.sample || "n={n}", { n: num(all.on_time + all.late) }));
    text("kpi-rating", ov.satisfaction.average ? dec(ov.satisfaction.average) + " / 5" : "–");
    text("kpi-rating-n", fmt(T.sample || "n={n}", { n: num(ov.satisfaction.count) }));
    text("updated", dateTime(new Date()));
  }

  return { T, lang, STATUS, STAGE, fmt, num, pct, rateN, duration, dateTime, localDay, period, shorten, text, esc,
           chart, drawCommon, setCategories, categoryName, narrow };
})();
