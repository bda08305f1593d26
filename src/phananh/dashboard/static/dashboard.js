/* The leaders' dashboard: filters → overview; EventSource → refetch within a second; map; overdue list.
   It reads with the HttpOnly staff session cookie; without one it goes to the staff sign-in page and back.
   Every name from the server reaches HTML through PA.esc (ECharts formatters return HTML too). */
"use strict";
(function () {
  const API = "/api/v1";
  const body = document.getElementById("dash");
  const T = PA.T;
  const links = body.dataset.links || "";  // "/portal" or "/agency": where a report and a filtered queue open
  const form = document.getElementById("filters");
  let granularity = "";
  let mapMode = "cluster";
  let map, cluster, heat, refetchTimer, source;

  function params() {
    const p = new URLSearchParams();
    const f = new FormData(form);
    const days = f.get("days");
    if (days === "custom") {
      if (f.get("from")) p.set("from", f.get("from"));
      if (f.get("to")) p.set("to", f.get("to"));
    } else {
      p.set("from", PA.localDay(-(Number(days) - 1)));  // days in Viet Nam, whatever the browser's zone
      p.set("to", PA.localDay(0));
    }
    for (const k of ["category", "area", "agency"]) if (f.get(k)) p.set(k, f.get(k));
    return p;
  }

  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (r.status === 401) { showSignIn(); throw new Error("unauthorized"); }
    if (!r.ok) throw new Error(url + " → " + r.status);
    return r.json();
  }

  function showSignIn() {
    location.href = (body.dataset.loginUrl || "/dang-nhap") + "?next=" + encodeURIComponent(location.pathname);
  }

  async function loadFilters() {
    const [cats, areas, agencies] = await Promise.all([
      getJSON(API + "/categories"), getJSON(API + "/areas"), getJSON(API + "/agencies")]);
    PA.setCategories(Array.isArray(cats) ? cats : (cats.items || []));
    fill("category", cats, c => PA.categoryName(c));
    fill("area", areas, a => a.name);
    fill("agency", agencies, a => a.name);
  }

  function fill(name, list, label) {
    const items = Array.isArray(list) ? list : (list.items || []);
    const select = form.elements[name];
    for (const it of items) {
      const o = document.createElement("option");
      o.value = it.code; o.textContent = label(it);
      select.appendChild(o);
    }
  }

  async function refresh() {
    const p = params();
    if (granularity) p.set("granularity", granularity);
    const ov = await getJSON(API + "/stats/overview?" + p);
    document.getElementById("board").hidden = false;
    render(ov);
    exportLinks();
  }

  function render(ov) {
    const s = ov.by_status;
    PA.text("scope", PA.fmt(T.scope, { name: ov.scope.kind === "province" ? T.province : ov.scope.name }));
    PA.text("kpi-received", PA.num(ov.totals.received));
    PA.text("kpi-waiting", PA.num(s.received + s.returned));
    PA.text("kpi-handling", PA.num(s.assigned + s.in_progress));
    PA.text("kpi-done", PA.num(ov.totals.done));
    PA.text("kpi-overdue", PA.num(ov.now.overdue));
    PA.text("kpi-at-risk", PA.num(ov.now.at_risk));
    PA.text("kpi-urgent", PA.num(ov.totals.urgent_open_uncontacted));
    PA.drawCommon(ov);
    const ranking = ov.on_time.agency_ranking.filter(a => a.on_time + a.late > 0).slice(0, 25).reverse();
    const bars = PA.chart("chart-agencies");
    bars?.setOption({
      tooltip: { formatter: p => `${PA.esc(p.name)}: ${PA.esc(PA.rateN(p.value, ranking[p.dataIndex].on_time + ranking[p.dataIndex].late))}` },
      grid: { left: 8, right: PA.narrow() ? 80 : 110, top: 10, bottom: 20, containLabel: true },
      xAxis: { type: "value", max: 1, axisLabel: { formatter: v => Math.round(v * 100) + "%" } },
      yAxis: { type: "category", data: ranking.map(a => a.name), axisLabel: { width: PA.narrow() ? 100 : 200, overflow: "truncate" },
               triggerEvent: true },
      series: [{ type: "bar", data: ranking.map(a => a.rate), itemStyle: { color: "#2e7d32" }, cursor: links ? "pointer" : "default",
                 label: { show: true, position: "right", formatter: p => PA.rateN(p.value, ranking[p.dataIndex].on_time + ranking[p.dataIndex].late) } }],
    }, true);
    if (bars && !bars.__linked) {  // a bar (or its agency's name) opens that agency's overdue queue
      bars.__linked = true;
      bars.on("click", p => {
        const a = p.componentType === "yAxis" ? bars.__ranking.find(x => x.name === p.value) : bars.__ranking[p.dataIndex];
        const url = a && queueUrl(a); if (url) location.href = url; });
    }
    if (bars) bars.__ranking = ranking;
    document.getElementById("agency-links").innerHTML = links ? ranking.slice().reverse().filter(a => a.code).map(a =>
      `<li><a href="${PA.esc(queueUrl(a))}">${PA.esc(PA.fmt(T.open_queue, { name: a.name }))}</a></li>`).join("") : "";
    document.querySelector("#overdue tbody").innerHTML = ov.now.overdue_list.map(r =>
      `<tr><td class="${r.urgent ? "urgent" : ""}">${links ? `<a href="${PA.esc(reportUrl(r))}" aria-label="${PA.esc(PA.fmt(T.open_report, { code: r.code }))}">${PA.esc(r.code)}</a>` : PA.esc(r.code)}</td>` +
      `<td class="title-cell" title="${PA.esc(r.title)}">${PA.esc(PA.shorten(r.title, 80))}</td>` +
      `<td>${PA.esc(PA.categoryName(r.category))}</td><td>${PA.esc(r.agency?.name || T.portal)}</td>` +
      `<td>${PA.esc(r.stages.map(st => PA.STAGE[st] || st).join(", "))}</td><td>${PA.duration(r.overdue_seconds)}</td></tr>`
    ).join("") || `<tr><td colspan="6">${PA.esc(T.none_overdue)}</td></tr>`;
  }

  function reportUrl(r) { return `${links}/phan-anh/${encodeURIComponent(r.id)}`; }
  function queueUrl(a) {
    if (!links || !a.code) return "";
    return links === "/portal" ? `/portal?agency=${encodeURIComponent(a.code)}&overdue=1` : links;
  }

  function exportLinks() {
    const p = params();
    const list = new URLSearchParams();
    if (p.get("from")) list.set("from", p.get("from") + "T00:00:00+07:00");
    if (p.get("to")) list.set("to", new Date(Date.parse(p.get("to")) + 86400000).toISOString().slice(0, 10) + "T00:00:00+07:00");
    for (const k of ["category", "area", "agency"]) if (p.get(k)) list.set(k, p.get(k));
    document.getElementById("export-csv").href = API + "/exports/reports?format=csv&" + list;
    document.getElementById("export-xlsx").href = API + "/exports/reports?format=xlsx&" + list;
    document.getElementById("export-stats").href = API + "/exports/stats.xlsx?" + p;
  }

  function setupMap() {
    if (!window.L) return;
    const view = body.dataset;  // the province pack's map view
    map = L.map("map").setView([+view.lat, +view.lon], +view.zoom);
    // The tile server learns our origin only (OSM's policy wants a Referer), never a page's path.
    const tiles = L.tileLayer(body.dataset.tilesUrl, { attribution: body.dataset.tilesAttribution, maxZoom: 18,
                                                       referrerPolicy: "strict-origin" });
    tiles.addTo(map);  // if tiles fail to load, the points below still show on a plain background
  }

  async function refreshMap() {
    if (!map) return;
    const data = await getJSON(API + "/stats/map?" + params());
    if (cluster) map.removeLayer(cluster);
    if (heat) map.removeLayer(heat);
    cluster = L.markerClusterGroup ? L.markerClusterGroup({ chunkedLoading: true }) : L.layerGroup();
    for (const p of data.items) {
      const color = p.overdue ? "#c62828" : p.urgent ? "#e08a00" : "#0b5cad";
      cluster.addLayer(L.circleMarker([p.lat, p.lon], { radius: 6, color, fillOpacity: .8 })
        .bindTooltip(PA.esc(PA.STATUS[p.status] || p.status)));  // a Leaflet tooltip's string is HTML
    }
    heat = L.heatLayer ? L.heatLayer(data.items.map(p => [p.lat, p.lon, 1]), { radius: 20 }) : null;
    (mapMode === "heat" && heat ? heat : cluster).addTo(map);
  }

  function scheduleRefresh() {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => { refresh().catch(console.error); refreshMap().catch(console.error); }, 150);
  }

  function connect() {
    if (!window.EventSource) { setInterval(scheduleRefresh, 10000); return; }
    source = new EventSource(API + "/stats/stream");  // the browser reconnects by itself
    source.onopen = () => { const el = document.getElementById("live"); el.textContent = T.live_on; el.className = "live on"; scheduleRefresh(); };
    source.onerror = () => { const el = document.getElementById("live"); el.textContent = T.live_off; el.className = "live off"; };
    source.onmessage = () => scheduleRefresh();
    // The server's own word on live updates: paused while Redis is unreachable (the stream stays open), then on
    // again, when the figures are refetched (events were missed meanwhile).
    source.addEventListener("live", (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      const el = document.getElementById("live");
      if (msg.state === "paused") { el.textContent = T.live_paused; el.className = "live off"; return; }
      el.textContent = T.live_on; el.className = "live on"; scheduleRefresh();
    });
  }

  form.addEventListener("change", () => {
    form.classList.toggle("custom-on", form.elements.days.value === "custom");
    scheduleRefresh();
  });
  for (const b of document.querySelectorAll("#granularity button")) {
    b.addEventListener("click", () => { granularity = b.dataset.g; tabs("#granularity", b); refresh().catch(console.error); });
  }
  for (const b of document.querySelectorAll("#map-mode button")) {
    b.addEventListener("click", () => { mapMode = b.dataset.m; tabs("#map-mode", b); refreshMap().catch(console.error); });
  }
  function tabs(sel, on) { for (const b of document.querySelectorAll(sel + " button")) b.classList.toggle("on", b === on); }
  tabs("#granularity", document.querySelector("#granularity button"));
  tabs("#map-mode", document.querySelector("#map-mode button"));

  refresh().then(() => {
    setupMap();
    refreshMap().catch(console.error);
    loadFilters().then(() => refresh()).catch(console.error);  // again with the names in the page's language
    connect();
  }).catch(console.error);
})();
