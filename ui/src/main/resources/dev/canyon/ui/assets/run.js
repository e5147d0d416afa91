/* A run's page: every measurement InfluxDB holds of it, updated as points land. */
"use strict";
(() => {
  const C = window.Canyon, main = document.getElementById("main");
  const run = decodeURIComponent(location.pathname.split("/")[2] || "");
  document.title = "Canyon · " + run;
  let D = {}, info = null;
  const charts = {};
  window.canyonPage = { run, get data() { return D; }, charts };

  /* Layout. */
  const head = C.el("div"), meta = C.el("div", { class: "meta" }), cmds = C.el("div");
  main.append(C.el("h1", { text: run }), meta, cmds, head);
  const section = (title, note) => { const grid = C.el("div", { class: "grid" }); main.append(C.el("h2", { text: title }), note ? C.el("p", { class: "note", text: note }) : "", grid); return grid; };

  const training = section("Training");
  charts.loss = C.chart(C.card(training, "Loss", "minibatch loss L_t at θ_{t−1}, and its exponential moving average (weight 0.05, the plateau rule's)"),
    { y: "loss (nats for cross-entropy)", series: [{ label: "minibatch", color: "#9fb7c9", width: 1 }, { label: "smoothed (EMA 0.05)", color: "#1d3557", width: 2 }] });
  charts.grad = C.chart(C.card(training, "Gradient norm", "‖g_t‖, L2 over all parameters; log scale"),
    { y: "‖g‖ (gradient units)", log: true, series: [{ label: "‖g‖", color: "#e76f51" }] });
  charts.lr = C.chart(C.card(training, "Learning rate", "η of each step, from the updater's schedule"),
    { y: "η", series: [{ label: "learning rate", color: "#2b9348" }] });

  const obstacle = section("Obstacle state", "Decided every 10 steps over the last 50 (docs/metrics.md, “obstacle”); the state shown changes after 3 agreeing windows.");
  const obCard = C.card(obstacle, "State timeline");
  obCard.parentElement.style.gridColumn = "1 / -1";
  const timeline = C.timeline(obCard, () => maxStep());
  const current = C.el("div"), transitions = C.el("div", { class: "scroll" });
  obCard.append(C.el("h3", { text: "Latest decision" }), current, C.el("h3", { text: "Changes of state (with the evidence that decided them)" }), transitions);

  const alerts = section("Alerts", "Stall alerts: plateau, silence, divergence, loss and gradient-norm spikes (docs/metrics.md, “alerts”).");
  const alertsCard = C.card(alerts, "Open and past alerts");
  alertsCard.parentElement.style.gridColumn = "1 / -1";

  const traj = section("Trajectory", "Distances in parameter units (the model's own; Lipton 2016). PCA of θ_t − θ_0 sampled every 10 steps, beside the random-walk control.");
  const pcaPlot = C.xy(C.card(traj, "PCA path", "the current point's coordinates on PC1 and PC2, one point every 50 steps"), { x: "PC1 (parameter units)", y: "PC2 (parameter units)", empty: "no PCA points yet (the first after 3 samples)" });
  const evrCard = C.card(traj, "Explained variance", "ratio of PC1 and PC2 (solid) against a random walk with the same step lengths (dashed): only the excess means low-dimensional training");
  const evrText = C.el("div", { class: "note", id: "pca-latest" });
  evrCard.append(evrText);
  charts.evr = C.chart(evrCard, { y: "explained variance ratio", range: [0, 1], series: [
    { label: "PC1", color: "#2a6f97", width: 2 }, { label: "PC2", color: "#e76f51", width: 2 },
    { label: "PC1 control", color: "#2a6f97", dash: [6, 4] }, { label: "PC2 control", color: "#e76f51", dash: [6, 4] }] });
  charts.path = C.chart(C.card(traj, "Path length and displacement", "Σ‖Δθ_i‖ against ‖θ_t − θ_0‖: a path far longer than the displacement wanders more than it travels"),
    { y: "distance (parameter units)", series: [{ label: "path length", color: "#8e44ad", width: 2 }, { label: "displacement", color: "#2b9348", width: 2 }] });
  charts.origin = C.chart(C.card(traj, "Distance from the origin", "‖θ_t‖"),
    { y: "‖θ‖ (parameter units)", series: [{ label: "distance from origin", color: "#1d3557" }] });

  const curv = section("Curvature", "Probes on the trainer's schedule (economy: Hessian at step 1 and every 500, linear path every 1,000).");
  charts.hessian = C.chart(C.card(curv, "Hessian extremes", "Lanczos λmax and λmin of the loss Hessian on the probe batch"),
    { y: "λ (loss / parameter²)", empty: "no Hessian probes", series: [{ label: "λmax", color: "#d62828", points: true }, { label: "λmin", color: "#2a6f97", points: true }] });
  charts.stability = C.chart(C.card(curv, "Stability ratio", "sharpness over the optimizer's edge of stability (η·λmax/2 for SGD); above 1 the step diverges along the top direction"),
    { y: "ratio (1 = edge of stability)", empty: "no stability ratio (no Hessian probe, or an optimizer without one)", series: [{ label: "stability ratio", color: "#f4a261", points: true, width: 2 }, { label: "edge (1)", color: "#6c757d", dash: [4, 4] }] });
  const lpCard = C.card(curv, "Linear path", "L((1−α)θ_0 + αθ_t) for α in the probe's grid: training (solid) and validation (dashed) batches, one colour per probe");
  const lpPlot = C.xy(lpCard, { x: "α (0 = θ_0, 1 = θ_t)", y: "loss", empty: "no linear-path probes" });
  const lpTable = C.el("div");
  lpCard.append(lpTable);

  const layers = section("Per layer", "Measurement “layers” (norms per layer), “histograms” (the latest per layer and kind) and “trainer_jvm” (the training JVM).");
  const layerFields = [["grad_norm", "gradient norm", "‖g_layer‖ (gradient units)"], ["step_norm", "step norm", "‖Δθ_layer‖ (parameter units)"],
    ["param_norm", "parameter norm", "‖θ_layer‖ (parameter units)"], ["update_ratio_log10", "update ratio", "log10(‖Δθ‖ / ‖θ‖)"],
    ["displacement", "displacement", "‖θ_layer − θ_layer,0‖ (parameter units)"]];
  const layerBox = C.el("div", { class: "grid" }), histBox = C.el("div", { class: "grid" }), jvmBox = C.el("div", { class: "grid" });
  const layerNote = C.el("p", { class: "empty", text: "no per-layer points" }), histNote = C.el("p", { class: "empty", text: "no histogram points" }), jvmNote = C.el("p", { class: "empty", text: "no trainer_jvm points" });
  layers.parentElement.insertBefore(C.el("div", {}, layerNote, layerBox, C.el("h3", { text: "Histograms (latest per layer and kind)" }), histNote, histBox,
    C.el("h3", { text: "Trainer JVM" }), jvmNote, jvmBox), layers.nextSibling);
  const layerCharts = {}, histPlots = {}, jvmCharts = {};

  /* Data. */
  const merge = (points) => {
    for (const [k, t] of Object.entries(points || {})) {
      const rows = C.objects(t);
      if (k === "histograms") { D[k] = D[k] || {}; for (const r of rows) D[k][r.layer + "/" + r.kind] = r; }
      else (D[k] = D[k] || []).push(...rows);
    }
  };
  const byStep = (rows) => { const m = new Map(); for (const r of rows || []) if (r.step != null) m.set(r.step, r); return Array.from(m.values()).sort((a, b) => a.step - b.step); };
  const byTime = (rows) => (rows || []).slice().sort((a, b) => a.time - b.time);
  const maxStep = () => { const t = D.training || []; let m = 0; for (const r of t) if (r.step > m) m = r.step; return m; };
  window.canyonPage.obstacleRows = () => byStep(D.obstacle).map((r) => [r.step, r.state, r.evidence]);
  const col = (rows, f) => rows.map((r) => (r[f] == null ? null : r[f]));

  const render = () => {
    const tr = byStep(D.training), gr = byStep(D.gradient), di = byStep(D.distance);
    let ema = null;
    charts.loss.update([col(tr, "step"), col(tr, "loss"), tr.map((r) => (ema = ema == null ? r.loss : ema + 0.05 * (r.loss - ema)))]);
    charts.grad.update([col(gr, "step"), col(gr, "grad_norm")]);
    charts.lr.update([col(tr, "step"), col(tr, "learning_rate")]);
    charts.path.update([col(di, "step"), col(di, "path_length"), col(di, "displacement")]);
    charts.origin.update([col(di, "step"), col(di, "distance_from_origin")]);

    const ob = byStep(D.obstacle);
    timeline.update(ob);
    const last = ob[ob.length - 1];
    current.replaceChildren(last ? C.el("div", {}, C.stateBadge(last.state), " at step " + C.fmt(last.step) + ": ",
      C.el("span", { class: "evidence", id: "obstacle-evidence", text: last.evidence })) : C.el("div", { class: "empty", text: "no decision yet (the first comes after 3 agreeing windows, step 70 with the defaults)" }));
    const changes = ob.filter((r, i) => i === 0 || ob[i - 1].state !== r.state);
    transitions.replaceChildren(changes.length ? C.el("table", { id: "obstacle-table" }, C.el("tr", {}, C.el("th", { text: "from step" }), C.el("th", { text: "state" }), C.el("th", { text: "evidence" })),
      ...changes.slice().reverse().map((r) => C.el("tr", {}, C.el("td", { class: "num", text: C.fmt(r.step) }), C.el("td", {}, C.stateBadge(r.state)), C.el("td", { class: "evidence", text: r.evidence })))) : "");

    const openings = [], open = {};
    for (const a of byTime(D.alerts)) {
      if (a.open === 1) { open[a.kind] = { kind: a.kind, step: a.step, evidence: a.evidence, state: a.obstacle_state }; openings.push(open[a.kind]); }
      else if (open[a.kind]) { open[a.kind].resolved = a.step; open[a.kind].resolution = a.evidence; delete open[a.kind]; }
    }
    alertsCard.replaceChildren(openings.length ? C.el("table", { id: "alerts-table" }, C.el("tr", {}, ...["alert", "opened at step", "resolved at step", "obstacle state", "evidence"].map((h) => C.el("th", { text: h }))),
      ...openings.slice().reverse().map((a) => C.el("tr", {}, C.el("td", {}, a.resolved == null ? C.el("span", { class: "alert", text: a.kind + " (open)" }) : a.kind),
        C.el("td", { class: "num", text: C.fmt(a.step) }), C.el("td", { class: "num", text: a.resolved == null ? "open" : C.fmt(a.resolved) }),
        C.el("td", {}, C.stateBadge(a.state)), C.el("td", { class: "evidence", text: a.evidence + (a.resolution ? " — resolved: " + a.resolution : "") }))))
      : C.el("div", { class: "empty", text: "no alerts" }));

    const pca = byStep(D.pca), pp = pca.filter((r) => r.pc1 != null && r.pc2 != null).map((r) => [r.pc1, r.pc2]);
    pcaPlot.update(pp.length ? [{ label: "θ_t on PC1/PC2 (steps " + C.fmt(pca[0].step) + " to " + C.fmt(pca[pca.length - 1].step) + ")", color: "#2a6f97", points: pp,
      marks: [{ at: pp[0], label: "start" }, { at: pp[pp.length - 1], label: "now" }] }] : []);
    charts.evr.update([col(pca, "step"), col(pca, "evr1"), col(pca, "evr2"), col(pca, "control_evr1"), col(pca, "control_evr2")]);
    const lp = pca[pca.length - 1];
    evrText.textContent = lp ? "at step " + C.fmt(lp.step) + ": PC1 " + C.fmt(lp.evr1, 3) + ", PC2 " + C.fmt(lp.evr2, 3) + " (random-walk control " + C.fmt(lp.control_evr1, 3) + ", " + C.fmt(lp.control_evr2, 3) + "), in " + C.fmt(lp.dimension) + " dimensions" : "";

    const he = byStep(D.hessian);
    charts.hessian.update([col(he, "step"), col(he, "lambda_max"), col(he, "lambda_min")]);
    const st = he.filter((r) => r.stability_ratio != null);
    charts.stability.update([col(st, "step"), col(st, "stability_ratio"), st.map(() => 1)]);
    const probes = new Map();
    for (const r of byTime(D.linear_path)) { if (!probes.has(r.step)) probes.set(r.step, []); probes.get(r.step).push(r); }
    const lps = [];
    Array.from(probes.keys()).sort((a, b) => a - b).forEach((s, i) => {
      const rows = probes.get(s).slice().sort((a, b) => a.alpha - b.alpha), color = C.palette[i % C.palette.length];
      lps.push({ label: "step " + C.fmt(s) + " training", color, points: rows.filter((r) => r.train_loss != null).map((r) => [r.alpha, r.train_loss]) });
      if (rows.some((r) => r.validation_loss != null)) lps.push({ label: "step " + C.fmt(s) + " validation", color, dash: [6, 4], points: rows.filter((r) => r.validation_loss != null).map((r) => [r.alpha, r.validation_loss]) });
    });
    lpPlot.update(lps);
    const sums = byStep(D.linear_path_summary);
    lpTable.replaceChildren(sums.length ? C.el("table", {}, C.el("tr", {}, ...["probe at step", "monotone (train)", "barrier (train, loss)", "monotone (validation)", "barrier (validation, loss)"].map((h) => C.el("th", { text: h }))),
      ...sums.map((r) => C.el("tr", {}, C.el("td", { class: "num", text: C.fmt(r.step) }), C.el("td", { text: r.monotone === 1 ? "yes" : "no" }), C.el("td", { class: "num", text: C.fmt(r.barrier) }),
        C.el("td", { text: r.validation_monotone == null ? "–" : r.validation_monotone === 1 ? "yes" : "no" }), C.el("td", { class: "num", text: C.fmt(r.validation_barrier) })))) : "");

    renderLayers();
    renderMeta();
    /* Milliseconds from navigation to the first drawing with training points (read by the browser test). */
    if (window.canyonPage.drawnMs == null && tr.length) window.canyonPage.drawnMs = performance.now();
  };

  const renderLayers = () => {
    const rows = D.layers || [];
    layerNote.style.display = rows.length ? "none" : "";
    if (rows.length) {
      const names = Array.from(new Set(rows.map((r) => r.layer))).sort();
      const x = rows[0].step != null ? "step" : "time";
      for (const [f, title, unit] of layerFields) {
        if (!rows.some((r) => r[f] != null)) continue;
        if (!layerCharts[f] || layerCharts[f].n !== names.length) {
          if (layerCharts[f]) layerCharts[f].card.parentElement.remove();
          const card = C.card(layerBox, "Per layer: " + title, unit);
          layerCharts[f] = { card, n: names.length, chart: C.chart(card, { y: unit, x, series: names.map((n) => ({ label: "layer " + n })) }) };
        }
        layerCharts[f].chart.update(C.align(names.map((n) => byTime(rows.filter((r) => r.layer === n && r[f] != null)).map((r) => [x === "step" ? r.step : r.time / 1000, r[f]]))));
      }
      charts.layers = layerCharts;
    }
    const hist = Object.values(D.histograms || {});
    histNote.style.display = hist.length ? "none" : "";
    for (const h of hist.sort((a, b) => (a.layer + a.kind).localeCompare(b.layer + b.kind))) {
      const key = h.layer + "/" + h.kind;
      if (!histPlots[key]) histPlots[key] = C.xy(C.card(histBox, "layer " + h.layer + ": " + h.kind, ""), { x: h.kind + " value", y: "count", bars: true, zeroY: true, height: 180 });
      const n = Object.keys(h).filter((k) => /^c\d+$/.test(k)).length, w = (h.hi - h.lo) / Math.max(1, n);
      const pts = []; for (let i = 0; i < n; i++) pts.push([h.lo + i * w, h["c" + i] || 0]); pts.push([h.hi, 0]);
      histPlots[key].update([{ label: "step " + C.fmt(h.step) + ", " + n + " bins from " + C.fmt(h.lo) + " to " + C.fmt(h.hi), color: "#2a6f97", bars: true, points: pts }]);
    }
    const jvm = byTime(D.trainer_jvm);
    jvmNote.style.display = jvm.length ? "none" : "";
    if (jvm.length) {
      const x = jvm[0].step != null ? "step" : "seconds since the first point", t0 = jvm[0].time;
      const xs = jvm.map((r) => (r.step != null ? r.step : (r.time - t0) / 1000));
      const MiB = (v) => (v == null ? null : v / 1048576);
      const defs = [["memory", "Trainer JVM memory", "MiB", [["heap used", "heap_used_bytes", MiB], ["heap max", "heap_max_bytes", MiB], ["off-heap", "offheap_bytes", MiB]]],
        ["gc", "Trainer JVM GC time", "GC time (ms)", [["gc time", "gc_time_ms", (v) => v]]],
        ["rate", "Trainer steps per second", "steps / s", [["steps/s", "steps_per_s", (v) => v]]]];
      for (const [k, title, unit, fields] of defs) {
        if (!jvmCharts[k]) jvmCharts[k] = C.chart(C.card(jvmBox, title, ""), { x, y: unit, series: fields.map(([l]) => ({ label: l })) });
        jvmCharts[k].update([xs].concat(fields.map(([, f, conv]) => jvm.map((r) => conv(r[f])))));
      }
    }
  };

  const renderMeta = () => {
    const items = [["experiment", C.experimentLink(info && info.experiment)], ["steps stored", C.fmt(maxStep())]];
    const i = info && info.info;
    if (i) items.push(["model", i.model], ["optimizer", i.optimizer], ["dataset", i.dataset], ["parameters", C.fmt(i.parameters)],
      ["batch", C.fmt(i.batchSize)], ["η", C.fmt(i.learningRate)], ["started", C.time(i.startedMs)]);
    else items.push(["model, optimizer", "unknown (not in InfluxDB; canyon ui --bootstrap-servers reads them from Kafka)"]);
    meta.replaceChildren(...items.map(([k, v]) => C.el("span", {}, k + " ", C.el("b", {}, v))));
  };

  const schedule = C.scheduler(render);
  C.live("/api/run/" + encodeURIComponent(run) + "/events", (d) => {
    D = {}; info = d; merge(d.points);
    cmds.replaceChildren(C.el("div", { class: "note", text: "Figures of this run (offline report):" }), C.el("code", { class: "cmd", id: "report-command", text: d.report }),
      d.experiment_report ? C.el("div", { class: "note", text: "and of its experiment:" }) : "", d.experiment_report ? C.el("code", { class: "cmd", text: d.experiment_report }) : "");
    schedule();
  }, (d) => { merge(d.points); schedule(); });
})();
