/* Canyon live view: shared helpers (no framework; uPlot for step charts, a small canvas plot for x-y paths). */
"use strict";
const C = (window.Canyon = {});

C.palette = ["#2a6f97", "#e76f51", "#2b9348", "#8e44ad", "#f4a261", "#1d3557", "#d62828", "#6c757d", "#00a6a6", "#bc6c25"];
C.states = ["PROGRESSING", "PLATEAU_MOVING", "NEAR_MINIMUM", "SADDLE", "ILL_CONDITIONED", "NOISE_DOMINATED", "DIVERGING"];
C.stateColors = { PROGRESSING: "#2b9348", PLATEAU_MOVING: "#e9c46a", NEAR_MINIMUM: "#2a6f97", SADDLE: "#8e44ad",
  ILL_CONDITIONED: "#f4a261", NOISE_DOMINATED: "#6c757d", DIVERGING: "#d62828" };

C.el = (tag, attrs, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v; else if (k === "class") e.className = v;
    else if (k === "style") e.style.cssText = v; /* through the CSSOM: the page's CSP allows no inline style attributes */
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c instanceof Node ? c : String(c));
  return e;
};
C.stateBadge = (s) => s ? C.el("span", { class: "state", text: s, style: "background:" + (C.stateColors[s] || "#999") }) : "–";
C.fmt = (v, digits) => {
  if (v == null || v === "") return "–";
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(digits == null ? 3 : digits);
  return v.toPrecision(digits == null ? 4 : digits);
};
// Local time as 2026-12-01 10:23:12 (ISO order: no day/month ambiguity).
C.time = (ms) => {
  if (ms == null) return "–";
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
};
C.runLink = (run) => C.el("a", { href: "/run/" + encodeURIComponent(run), text: run });
C.experimentLink = (e) => e == null ? "–" : C.el("a", { href: "/experiment/" + encodeURIComponent(e), text: e });

/** Rows of a {columns, rows} table as objects. */
C.objects = (t) => t.rows.map((r) => { const o = {}; t.columns.forEach((c, i) => { o[c] = r[i]; }); return o; });

/**
 * Follows a server-sent event stream: onSnapshot(data) on every (re)connection, onPoints(data) for
 * what landed since. EventSource reconnects by itself (after a stack restart, too); the status line says so.
 */
C.live = (url, onSnapshot, onPoints) => {
  const status = document.getElementById("status");
  const set = (text, cls) => { status.textContent = text; status.className = "status " + (cls || ""); };
  const es = new EventSource(url);
  es.addEventListener("snapshot", (e) => { set("live", "live"); onSnapshot(JSON.parse(e.data)); });
  es.addEventListener("points", (e) => { set("live · updated " + new Date().toLocaleTimeString("en-GB"), "live"); onPoints(JSON.parse(e.data)); });
  es.addEventListener("status", (e) => {
    const s = JSON.parse(e.data);
    if (s.ok) set("live", "live"); else set("InfluxDB unreachable (" + s.error + "); showing what was loaded, retrying", "down");
  });
  es.onerror = () => set("reconnecting to the live view… (showing what was loaded)", "down");
  return es;
};

/** Redraws at most once a frame. */
C.scheduler = (fn) => { let queued = false; return () => { if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; fn(); }); } }; };

/** A card with a title and a note, appended to parent; returns its body element. */
C.card = (parent, title, note) => {
  const body = C.el("div");
  parent.append(C.el("div", { class: "card" }, C.el("h3", { text: title }), note ? C.el("div", { class: "note", text: note }) : null, body));
  return body;
};

/**
 * A uPlot line chart over steps. spec: {x: "step", y: "axis label", log, series: [{label, color, dash, points}], ref}.
 * update(data) takes [xs, ys...] (xs ascending); the uPlot instance is chart.u.
 */
C.chart = (parent, spec) => {
  const holder = C.el("div");
  const empty = C.el("div", { class: "empty", text: spec.empty || "no points yet" });
  parent.append(holder, empty);
  const chart = { u: null, data: null };
  const width = () => Math.max(300, holder.clientWidth || parent.clientWidth || 500);
  chart.update = (data) => {
    chart.data = data;
    const n = data[0].length;
    empty.style.display = n ? "none" : "";
    if (!n) return;
    if (!chart.u) {
      const opts = {
        width: width(), height: spec.height || 240,
        scales: { x: { time: false }, y: spec.log ? { distr: 3 } : (spec.range ? { range: spec.range } : {}) },
        axes: [{ label: spec.x || "step", labelSize: 18, size: 36 },
               { label: spec.y, labelSize: 18, size: 64, values: (u, vals) => vals.map((v) => C.fmt(v, 3)) }],
        series: [{ label: spec.x || "step", value: (u, v) => C.fmt(v) }].concat(spec.series.map((s, i) => ({
          label: s.label, stroke: s.color || C.palette[i % C.palette.length], width: s.width || 1.5, dash: s.dash,
          spanGaps: true, points: { show: s.points || false, size: 6 }, value: (u, v) => C.fmt(v),
        }))),
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
      };
      chart.u = new uPlot(opts, data, holder);
      new ResizeObserver(() => { if (chart.u && holder.clientWidth) chart.u.setSize({ width: width(), height: spec.height || 240 }); }).observe(holder);
    } else {
      chart.u.setData(data);
    }
  };
  return chart;
};

/** Aligns keyed series on the union of their x values: series = [[ [x, y], ... ], ...] -> [xs, ys1, ys2, ...] with nulls. */
C.align = (series) => {
  const xs = Array.from(new Set(series.flatMap((s) => s.map((p) => p[0])))).sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  return [xs].concat(series.map((s) => { const ys = new Array(xs.length).fill(null); for (const [x, y] of s) ys[index.get(x)] = y; return ys; }));
};

/**
 * A small canvas x-y plot (paths that are not functions of the step: the PCA path, linear-path
 * curves, histograms). spec: {x, y, series: [{label, color, points: [[x, y], ...], dash, marks, bars}]}.
 */
C.xy = (parent, spec) => {
  const canvas = C.el("canvas", { class: "xy" });
  const legend = C.el("div", { class: "legend" });
  parent.append(canvas, legend);
  if (spec.height) canvas.style.height = spec.height + "px";
  const plot = { series: [] };
  plot.update = (series) => {
    plot.series = series;
    legend.replaceChildren(...series.filter((s) => s.label).map((s) => C.el("span", {}, C.el("i", { style: "background:" + s.color }), s.label)));
    draw();
  };
  const draw = () => {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 500, h = canvas.clientHeight || 300;
    canvas.width = w * dpr; canvas.height = h * dpr;
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const pts = plot.series.flatMap((s) => s.points).filter((p) => p[1] != null && isFinite(p[1]));
    if (!pts.length) { g.fillStyle = "#5b6475"; g.font = "italic 13px sans-serif"; g.fillText(spec.empty || "no points yet", 10, 20); return; }
    let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
    let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
    if (spec.zeroY) y0 = Math.min(0, y0);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { y0 -= 1; y1 += 1; }
    const padX = (x1 - x0) * 0.04, padY = (y1 - y0) * 0.06;
    if (!spec.bars) { x0 -= padX; x1 += padX; }
    y1 += padY; if (!spec.zeroY) y0 -= padY;
    const L = 70, R = 12, T = 10, B = 40;
    const sx = (x) => L + (x - x0) / (x1 - x0) * (w - L - R), sy = (y) => h - B - (y - y0) / (y1 - y0) * (h - T - B);
    g.strokeStyle = "#d9dde5"; g.fillStyle = "#5b6475"; g.font = "11px sans-serif"; g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const yv = y0 + (y1 - y0) * i / 4, yp = sy(yv);
      g.beginPath(); g.moveTo(L, yp); g.lineTo(w - R, yp); g.stroke();
      g.textAlign = "right"; g.fillText(C.fmt(yv, 3), L - 5, yp + 4);
      const xv = x0 + (x1 - x0) * i / 4, xp = sx(xv);
      g.beginPath(); g.moveTo(xp, T); g.lineTo(xp, h - B); g.stroke();
      g.textAlign = "center"; g.fillText(C.fmt(xv, 3), xp, h - B + 14);
    }
    g.font = "12px sans-serif"; g.fillStyle = "#1d2330"; g.textAlign = "center";
    g.fillText(spec.x, L + (w - L - R) / 2, h - 6);
    g.save(); g.translate(14, T + (h - T - B) / 2); g.rotate(-Math.PI / 2); g.fillText(spec.y, 0, 0); g.restore();
    for (const s of plot.series) {
      g.strokeStyle = s.color; g.fillStyle = s.color; g.lineWidth = s.width || 1.5; g.setLineDash(s.dash || []);
      if (s.bars) {
        // points: the bins' left edges and counts, then [right edge of the last bin, 0]
        for (let i = 0; i + 1 < s.points.length; i++) { const [x, y] = s.points[i]; g.fillRect(sx(x), sy(y), Math.max(1, sx(s.points[i + 1][0]) - sx(x) - 1), sy(y0) - sy(y)); }
        continue;
      }
      g.beginPath();
      s.points.forEach(([x, y], i) => { if (i) g.lineTo(sx(x), sy(y)); else g.moveTo(sx(x), sy(y)); });
      g.stroke(); g.setLineDash([]);
      for (const m of s.marks || []) { g.beginPath(); g.arc(sx(m.at[0]), sy(m.at[1]), 4.5, 0, 7); g.fill(); g.fillText(m.label, sx(m.at[0]) + 12, sy(m.at[1]) - 6); }
    }
  };
  new ResizeObserver(draw).observe(canvas);
  return plot;
};

/** An obstacle-state band over steps: each decision covers the window up to its step. */
C.timeline = (parent, maxStepFn) => {
  const canvas = C.el("canvas", { class: "timeline" });
  const legend = C.el("div", { class: "legend" }, ...C.states.map((s) => C.el("span", {}, C.el("i", { style: "background:" + C.stateColors[s] }), s)));
  const axis = C.el("div", { class: "note" });
  parent.append(canvas, axis, legend);
  const t = { rows: [] };
  t.update = (rows) => { t.rows = rows; draw(); };
  const draw = () => {
    const dpr = window.devicePixelRatio || 1, w = canvas.clientWidth || 500, h = canvas.clientHeight || 34;
    canvas.width = w * dpr; canvas.height = h * dpr;
    const g = canvas.getContext("2d"); g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = "#eef1f5"; g.fillRect(0, 0, w, h);
    const max = Math.max(1, maxStepFn(), ...t.rows.map((r) => r.step));
    let prev = 0;
    for (const r of t.rows) {
      g.fillStyle = C.stateColors[r.state] || "#999";
      g.fillRect(prev / max * w, 0, Math.max(1, (r.step - prev) / max * w + 0.5), h);
      prev = r.step;
    }
    axis.textContent = "steps 0 to " + max.toLocaleString("en-US") + " (grey: no decision yet; the first needs 3 agreeing windows of 50 steps)";
  };
  new ResizeObserver(draw).observe(canvas);
  return t;
};
