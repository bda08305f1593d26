// The Portal's photo redaction tool (issue 9): draw rectangles to blur on a photo's original, untick automatic
// boxes to undo them; on submit, the changed photos' boxes go into the redact form's `media` field as JSON
// ([{"id", "boxes": [{"x","y","w","h"}], "hide_auto": [i]}], pixels of the original). Mouse and touch alike
// (pointer events). No inline script: loaded as a static file under the CSP.
(function () {
  "use strict";

  function parse(el, name) {
    try { return JSON.parse(el.dataset[name] || "[]"); } catch (e) { return []; }
  }

  function setUp(tool) {
    const img = tool.querySelector("img");
    const canvas = tool.querySelector(".redact-canvas");
    const auto = parse(tool, "auto");
    const state = { manual: parse(tool, "manual"), hidden: parse(tool, "hidden") };
    const initial = JSON.stringify(state);
    tool.redactState = () => JSON.stringify(state) === initial ? null : {
      id: Number(tool.dataset.mediaId), boxes: state.manual, hide_auto: state.hidden.slice().sort((a, b) => a - b),
    };

    function scale() { return img.naturalWidth ? img.clientWidth / img.naturalWidth : 1; }

    function rect(box, cls, label) {
      const s = scale();
      const el = document.createElement("div");
      el.className = "redact-box " + cls;
      el.style.left = box.x * s + "px";
      el.style.top = box.y * s + "px";
      el.style.width = box.w * s + "px";
      el.style.height = box.h * s + "px";
      if (label) el.title = label;
      canvas.appendChild(el);
      return el;
    }

    function draw() {
      canvas.querySelectorAll(".redact-box").forEach((el) => el.remove());
      auto.forEach((b, i) => rect(b, state.hidden.includes(i) ? "auto off" : "auto", b.kind));
      state.manual.forEach((b) => rect(b, "manual"));
    }

    tool.querySelectorAll(".redact-keep").forEach((box) => {
      box.addEventListener("change", () => {
        const i = Number(box.dataset.index);
        state.hidden = state.hidden.filter((h) => h !== i);
        if (!box.checked) state.hidden.push(i);
        draw();
      });
    });
    tool.querySelector(".redact-undo").addEventListener("click", () => { state.manual.pop(); draw(); });

    let start = null;
    let ghost = null;
    function point(ev) {
      const r = img.getBoundingClientRect();
      const s = scale();
      const x = Math.min(Math.max(ev.clientX - r.left, 0), r.width) / s;
      const y = Math.min(Math.max(ev.clientY - r.top, 0), r.height) / s;
      return { x: x, y: y };
    }
    canvas.addEventListener("pointerdown", (ev) => {
      if (!img.naturalWidth) return;
      ev.preventDefault();
      canvas.setPointerCapture(ev.pointerId);
      start = point(ev);
      ghost = rect({ x: start.x, y: start.y, w: 0, h: 0 }, "manual drawing");
    });
    canvas.addEventListener("pointermove", (ev) => {
      if (!start) return;
      const p = point(ev);
      const s = scale();
      ghost.style.left = Math.min(start.x, p.x) * s + "px";
      ghost.style.top = Math.min(start.y, p.y) * s + "px";
      ghost.style.width = Math.abs(p.x - start.x) * s + "px";
      ghost.style.height = Math.abs(p.y - start.y) * s + "px";
    });
    function finish(ev) {
      if (!start) return;
      const p = point(ev);
      const box = {
        x: Math.round(Math.min(start.x, p.x)), y: Math.round(Math.min(start.y, p.y)),
        w: Math.round(Math.abs(p.x - start.x)), h: Math.round(Math.abs(p.y - start.y)),
      };
      start = null;
      if (box.w >= 4 && box.h >= 4) state.manual.push(box);
      draw();
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", () => { start = null; draw(); });

    img.addEventListener("load", draw);
    window.addEventListener("resize", draw);
    // The original is fetched (and its read logged) only once the dispatcher opens the tool.
    const details = tool.closest("details");
    const load = () => { if (!img.src) img.src = tool.dataset.src; };
    if (!details || details.open) load();
    else details.addEventListener("toggle", () => { if (details.open) load(); });
  }

  document.querySelectorAll(".redact-photos").forEach((set) => {
    const tools = Array.from(set.querySelectorAll(".redact-photo"));
    tools.forEach(setUp);
    const form = set.closest("form");
    const field = set.querySelector(".redact-media");
    form.addEventListener("submit", () => {
      const changed = tools.map((t) => t.redactState()).filter((s) => s !== null);
      field.value = changed.length ? JSON.stringify(changed) : "";
    });
  });
})();
