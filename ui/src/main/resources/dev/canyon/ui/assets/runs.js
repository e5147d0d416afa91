/* The runs page: every run InfluxDB holds, newest first. */
"use strict";
(() => {
  const C = window.Canyon, main = document.getElementById("main");
  const intro = C.el("p", { class: "note" });
  const body = C.el("div");
  main.append(C.el("h1", { text: "Runs" }), intro, body);
  window.canyonPage = { data: null };
  const render = (d) => {
    window.canyonPage.data = d;
    intro.textContent = d.catalog ? "" : "Model and optimizer come from the runs topic on Kafka: give canyon ui --bootstrap-servers to show them.";
    if (!d.runs.length) { body.replaceChildren(C.el("p", { class: "empty", text: "No runs in InfluxDB yet: start a training (./canyon train --bootstrap-servers …) and it appears here." })); return; }
    const head = C.el("tr", {}, ...["experiment", "run", "started", "model", "optimizer", "steps", "steps/s", "obstacle state", "open alerts", "figures"].map((h) => C.el("th", { text: h })));
    const rows = d.runs.map((r) => {
      const now = Date.now(), live = r.recent_steps_per_s > 0;
      const rate = live ? C.fmt(r.recent_steps_per_s, 3) + " (last 10 s)"
        : (r.last_ms > r.first_ms && r.steps > r.first_step ? C.fmt((r.steps - r.first_step) / ((r.last_ms - r.first_ms) / 1000), 3) + " (mean; idle)" : "–");
      return C.el("tr", { "data-run": r.run },
        C.el("td", {}, C.experimentLink(r.experiment)),
        C.el("td", {}, C.runLink(r.run)),
        C.el("td", { text: C.time(r.started_ms || r.first_ms) }),
        C.el("td", { text: r.model || "unknown" }),
        C.el("td", { text: r.optimizer || "unknown" }),
        C.el("td", { class: "num", text: C.fmt(r.steps) }),
        C.el("td", { class: "num", text: rate }),
        C.el("td", {}, C.stateBadge(r.obstacle_state)),
        C.el("td", {}, ...(r.open_alerts || []).map((k) => C.el("span", { class: "alert", text: k })), (r.open_alerts || []).length ? null : "none"),
        C.el("td", {}, C.el("code", { class: "cmd", text: r.report })));
    });
    body.replaceChildren(C.el("table", { id: "runs" }, C.el("thead", {}, head), C.el("tbody", {}, ...rows)));
  };
  C.live("/api/runs/events", render, render);
})();
