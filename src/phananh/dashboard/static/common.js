/* Shared by the dashboard and the public statistics page: Vietnamese labels, formatting, charts. */
"use strict";
window.PA = (function () {
  const STATUS = {
    received: "Tiếp nhận", assigned: "Đã phân phối", returned: "Chuyển trả", in_progress: "Đang xử lý",
    resolved: "Đã có kết quả", published: "Đã công khai", closed: "Đã đóng", rejected: "Từ chối", merged: "Đã gộp",
  };
  const STAGE = { distribute: "Phân phối", return: "Chuyển trả", respond: "Phản hồi", publish: "Công khai kết quả" };
  const nf = new Intl.NumberFormat("vi-VN");

  function num(n) { return n === null || n === undefined ? "–" : nf.format(n); }
  function pct(r) { return r === null || r === undefined ? "–" : (r * 100).toLocaleString("vi-VN", { maximumFractionDigits: 1 }) + "%"; }
  function duration(s) {
    if (s === null || s === undefined) return "–";
    if (s < 3600) return Math.round(s / 60) + " phút";
    if (s < 86400 * 2) return (s / 3600).toLocaleString("vi-VN", { maximumFractionDigits: 1 }) + " giờ";
    return (s / 86400).toLocaleString("vi-VN", { maximumFractionDigits: 1 }) + " ngày";
  }
  function text(id, value) { const el = document.getElementById(id); if (el) el.textContent = value; }
  function esc(s) { return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]); }

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
      tooltip: { formatter: p => `${esc(p.name)}: ${num(p.value)}` }, grid: { left: 150, right: 20, top: 10, bottom: 20 },
      xAxis: { type: "value" }, yAxis: { type: "category", data: cats.map(c => c.name) },
      series: [{ type: "bar", data: cats.map(c => c.count), itemStyle: { color: "#0b5cad" } }],
    }, true);
    chart("chart-series")?.setOption({
      tooltip: { trigger: "axis" }, grid: { left: 50, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "category", data: ov.series.map(p => p.period) }, yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", name: "Phản ánh", areaStyle: {}, data: ov.series.map(p => p.count) }],
    }, true);
    const dist = ov.satisfaction.distribution;
    chart("chart-rating")?.setOption({
      tooltip: {}, grid: { left: 40, right: 20, top: 20, bottom: 30 },
      xAxis: { type: "category", data: ["1 sao", "2 sao", "3 sao", "4 sao", "5 sao"] }, yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: [1, 2, 3, 4, 5].map(k => dist[String(k)] || 0), itemStyle: { color: "#e08a00" } }],
    }, true);
    const rows = Object.entries(ov.on_time.by_stage).map(([stage, v]) => {
      const d = ov.durations[stage];
      return `<tr><td>${esc(STAGE[stage] || stage)}</td><td>${num(v.on_time)}</td><td>${num(v.late)}</td><td>${pct(v.rate)}</td>` +
             `<td>${duration(d.median_seconds)}</td><td>${duration(d.p90_seconds)}</td></tr>`;
    });
    const body = document.querySelector("#stages tbody");
    if (body) body.innerHTML = rows.join("");
  }

  return { STATUS, STAGE, num, pct, duration, text, esc, chart, drawCommon };
})();
