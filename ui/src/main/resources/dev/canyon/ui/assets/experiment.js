/* An experiment's page: its runs overlaid, their pairwise distances and distances from the origin. */
"use strict";
(() => {
  const C = window.Canyon, main = document.getElementById("main");
  const experiment = decodeURIComponent(location.pathname.split("/")[2] || "");
  document.title = "Canyon · experiment " + experiment;
  let D = {};
  const charts = {};
  window.canyonPage = { experiment, get data() { return D; }, charts };
  const runsBox = C.el("div"), cmd = C.el("div");
  main.append(C.el("h1", { text: "Experiment " + experiment }), cmd, runsBox);
  const grid = C.el("div", { class: "grid" });
  main.append(C.el("h2", { text: "Runs overlaid" }), grid);
  const lossCard = C.card(grid, "Loss", "minibatch loss per step, one line per run (exponential moving average, weight 0.05)");
  const originCard = C.card(grid, "Distance from the origin", "‖θ_t‖ per run (Lipton 2016: runs end roughly equidistant from the origin)");
  const pairCard = C.card(grid, "Pairwise distances", "‖θ_run,t − θ_other,t‖ at aligned steps, every 50 steps (a CountSketch distance for sketched runs)");
  const matrix = C.el("div", { class: "scroll" });
  grid.append(C.el("div", { class: "card" }, C.el("h3", { text: "Latest distance of each pair" }), matrix));
  let names = [];

  const merge = (points) => { for (const [k, t] of Object.entries(points || {})) (D[k] = D[k] || []).push(...C.objects(t)); };
  const series = (rows, f, smooth) => {
    const by = new Map();
    for (const r of rows || []) { if (r[f] == null) continue; if (!by.has(r.run)) by.set(r.run, new Map()); by.get(r.run).set(r.step, r[f]); }
    return by;
  };
  const render = () => {
    const runs = Array.from(new Set([...(D.training || []), ...(D.distance || [])].map((r) => r.run))).sort();
    if (runs.join() !== names.join()) {
      names = runs;
      for (const [k, card, y, log] of [["loss", lossCard, "loss (nats for cross-entropy)"], ["origin", originCard, "‖θ‖ (parameter units)"]]) {
        card.replaceChildren();
        charts[k] = C.chart(card, { y, series: names.map((n) => ({ label: n })) });
      }
      runsBox.replaceChildren(C.el("p", {}, "Runs: ", ...names.flatMap((n, i) => [i ? ", " : "", C.runLink(n)])));
    }
    if (!names.length) { runsBox.replaceChildren(C.el("p", { class: "empty", text: "no runs of this experiment in InfluxDB yet" })); return; }
    const loss = series(D.training, "loss"), origin = series(D.distance, "distance_from_origin");
    charts.loss.update(C.align(names.map((n) => {
      let ema = null;
      return Array.from((loss.get(n) || new Map()).entries()).sort((a, b) => a[0] - b[0]).map(([s, v]) => [s, (ema = ema == null ? v : ema + 0.05 * (v - ema))]);
    })));
    charts.origin.update(C.align(names.map((n) => Array.from((origin.get(n) || new Map()).entries()).sort((a, b) => a[0] - b[0]))));

    const pairs = new Map();
    for (const r of D.cross_run || []) {
      if (r.run >= r.other) continue;
      const k = r.run + " ↔ " + r.other;
      if (!pairs.has(k)) pairs.set(k, new Map());
      pairs.get(k).set(r.step, r.distance);
    }
    const keys = Array.from(pairs.keys()).sort();
    if (!charts.pairs || charts.pairs.n !== keys.length) {
      pairCard.replaceChildren();
      charts.pairs = C.chart(pairCard, { y: "distance (parameter units)", empty: "no pairs yet (an experiment of one run has none)", series: keys.map((k) => ({ label: k, points: true })) });
      charts.pairs.n = keys.length;
    }
    charts.pairs.update(C.align(keys.map((k) => Array.from(pairs.get(k).entries()).sort((a, b) => a[0] - b[0]))));
    const latest = {};
    for (const r of D.cross_run || []) { const k = r.run + "|" + r.other; if (!latest[k] || latest[k].step <= r.step) latest[k] = r; }
    matrix.replaceChildren(names.length > 1 ? C.el("table", { id: "pairs" }, C.el("tr", {}, C.el("th", { text: "run \\ other" }), ...names.map((n) => C.el("th", { text: n }))),
      ...names.map((a) => C.el("tr", {}, C.el("th", { text: a }), ...names.map((b) => {
        const r = latest[a + "|" + b];
        return C.el("td", { class: "num", text: a === b ? "0" : r ? C.fmt(r.distance) + " @" + C.fmt(r.step) : "–" });
      })))) : C.el("div", { class: "empty", text: "one run: no pairs" }));
  };
  const schedule = C.scheduler(render);
  C.live("/api/experiment/" + encodeURIComponent(experiment) + "/events", (d) => {
    D = {}; merge(d.points);
    cmd.replaceChildren(C.el("div", { class: "note", text: "Figures of this experiment (offline report):" }), C.el("code", { class: "cmd", id: "report-command", text: d.report }));
    schedule();
  }, (d) => { merge(d.points); schedule(); });
})();
