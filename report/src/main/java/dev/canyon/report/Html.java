package dev.canyon.report;

import dev.canyon.report.section.Figure;
import dev.canyon.report.section.Figures;
import dev.canyon.report.section.Reference;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report page: plain HTML and inline CSS, no scripts, every image and link relative to the folder.
 * Headline tables show summary entries by their summary.json names ({@link ReportSummary#asMap}).
 */
final class Html {
    private Html() {}

    static String page(String title, String body, List<String> problems) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(esc(title)).append("</title>\n")
                .append("<style>\nbody{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}\n")
                .append("figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}\n")
                .append("figcaption{font-size:.9em;color:#444}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}td.what{color:#666;font-size:.9em}\n")
                .append(".problems{background:#fff4e5;padding:.5em 1em;border-left:4px solid #f0a020}\n</style>\n</head>\n<body>\n<h1>")
                .append(esc(title)).append("</h1>\n<p>Written by <code>canyon report</code>: figures as PNG (shown) and SVG, the numbers "
                        + "behind each as CSV, headline numbers in <a href=\"summary.json\">summary.json</a>.</p>\n");
        if (!problems.isEmpty()) {
            sb.append("<div class=\"problems\"><p>Left out:</p><ul>\n");
            problems.forEach(p -> sb.append("<li>").append(esc(p)).append("</li>\n"));
            sb.append("</ul></div>\n");
        }
        sb.append(body);
        // The works the page's titles and captions cite (escaped there, as here).
        List<Reference> cited = java.util.Arrays.stream(Reference.values()).filter(r -> body.contains(esc(r.shortForm()))).toList();
        if (!cited.isEmpty()) {
            sb.append("<h2 id=\"references\">References</h2>\n<ul class=\"references\">\n");
            cited.forEach(r -> sb.append("<li>").append(esc(r.shortForm())).append(": ").append(esc(r.full())).append("</li>\n"));
            sb.append("</ul>\n");
        }
        return sb.append("</body>\n</html>\n").toString();
    }

    static String experimentSection(Recording recording, List<RunRecording> runs, Map<String, Object> summary, List<Figure> figs) {
        StringBuilder sb = new StringBuilder("<h2>Experiment</h2>\n<table>\n<tr><th></th><th>run id</th><th>steps</th></tr>\n");
        @SuppressWarnings("unchecked")
        List<String> labels = (List<String>) summary.getOrDefault("labels", List.of());
        for (int i = 0; i < runs.size(); i++) {
            String label = i < labels.size() ? labels.get(i) : "run " + (i + 1);
            sb.append("<tr><td><a href=\"#run-").append(i + 1).append("\">").append(esc(label)).append("</a></td><td><code>")
                    .append(esc(runs.get(i).runId())).append("</code></td><td>").append(runs.get(i).stepsAccepted()).append("</td></tr>\n");
        }
        sb.append("</table>\n").append(numbers(summary, List.of("pairwise_mean", "pairwise_cv", "distance_from_origin_cv")));
        if (summary.get("pairs") instanceof List<?> pairs && !pairs.isEmpty()) {
            sb.append("<table>\n<tr><th>pair</th><th>aligned step</th><th>distance</th></tr>\n");
            for (Object o : pairs) {
                if (o instanceof Map<?, ?> p) {
                    sb.append("<tr><td>").append(esc(p.get("a") + " – " + p.get("b"))).append("</td><td>").append(p.get("step"))
                            .append("</td><td>").append(String.format(Locale.ROOT, "%.6g", ((Number) p.get("distance")).doubleValue()))
                            .append("</td></tr>\n");
                }
            }
            sb.append("</table>\n");
        }
        figures(sb, figs, "");
        return sb.toString();
    }

    static String runSection(int index, RunRecording run, Map<String, Object> summary, List<Figure> figs, String prefix) {
        StringBuilder sb = new StringBuilder("<h2 id=\"run-").append(index).append("\">Run ").append(index).append(": <code>")
                .append(esc(run.runId())).append("</code></h2>\n");
        sb.append(numbers(summary, List.of("experiment", "model", "dataset", "optimizer", "learning_rate", "batch_size", "parameters",
                "steps", "final_train_loss", "final_train_loss_examples", "final_validation_loss", "last_minibatch_loss", "final_obstacle_state", "path_length", "displacement",
                "path_over_displacement", "snapshot_path_over_displacement", "distance_from_origin", "pca_batch_top2", "pca_stream_top2", "pca_control_top2",
                "linear_path_last_monotone", "linear_path_last_barrier", "lambda_min_lowest", "escape_step", "records_rejected")));
        if (summary.get("alerts") instanceof List<?> alerts && !alerts.isEmpty()) {
            sb.append("<p>Alerts: ").append(esc(String.join("; ", alerts.stream().map(Object::toString).toList()))).append("</p>\n");
        }
        figures(sb, figs, prefix);
        return sb.toString();
    }

    /** Headline rows: summary.json key → what a reader sees (label, and what it is, with its unit). */
    static final Map<String, String[]> LABELS = Map.ofEntries(
            Map.entry("learning_rate", new String[] {"learning rate η", ""}),
            Map.entry("batch_size", new String[] {"batch size", "examples per step"}),
            Map.entry("steps", new String[] {"steps", "steps the analytics accepted"}),
            Map.entry("final_train_loss", new String[] {"training loss at the last snapshot",
                "the weights of the last snapshot, re-evaluated by the rebuilt model"}),
            Map.entry("final_train_loss_examples", new String[] {"examples the training loss averages over", "the first --eval-examples training images"}),
            Map.entry("final_validation_loss", new String[] {"validation loss at the last snapshot", ""}),
            Map.entry("last_minibatch_loss", new String[] {"last minibatch loss", "the last step's own batch: one noisy sample"}),
            Map.entry("final_obstacle_state", new String[] {"obstacle state at the end", "rules: docs/metrics.md, “obstacle”"}),
            Map.entry("path_length", new String[] {"path length", "Σ‖Δθ‖ over every step, in parameter units"}),
            Map.entry("displacement", new String[] {"displacement", "‖θ_T − θ₀‖, in parameter units"}),
            Map.entry("path_over_displacement", new String[] {"path length / displacement", "1 for a straight path"}),
            Map.entry("snapshot_path_over_displacement", new String[] {"path / displacement between snapshots",
                "the same, from the weight snapshots alone"}),
            Map.entry("distance_from_origin", new String[] {"distance from the origin", "‖θ_T‖, in parameter units"}),
            Map.entry("pca_batch_top2", new String[] {"PC1 + PC2 share of the path's variance", "exact PCA of the positions"}),
            Map.entry("pca_stream_top2", new String[] {"PC1 + PC2 share, streaming estimate", "what the live analytics saw"}),
            Map.entry("pca_control_top2", new String[] {"PC1 + PC2 share of a random walk",
                "the control: a walk with the same step sizes in random directions"}),
            Map.entry("linear_path_last_monotone", new String[] {"loss monotone on the line θ₀ → θ_t",
                "the last linear-path probe, training loss"}),
            Map.entry("linear_path_last_barrier", new String[] {"barrier on the line θ₀ → θ_t",
                "the loss's largest rise along it, loss units; 0 when monotone"}),
            Map.entry("lambda_min_lowest", new String[] {"lowest Hessian eigenvalue seen",
                "λmin, loss per squared parameter unit; negative: a direction that curves down"}),
            Map.entry("escape_step", new String[] {"escape step",
                "first step whose 10-step mean loss has covered half of the run's decrease"}),
            Map.entry("records_rejected", new String[] {"records rejected", "malformed records the analytics set aside"}),
            Map.entry("pairwise_mean", new String[] {"mean distance between runs", "at the latest aligned step, parameter units"}),
            Map.entry("pairwise_cv", new String[] {"its coefficient of variation", "standard deviation / mean"}),
            Map.entry("distance_from_origin_cv", new String[] {"CV of the runs' distances from the origin",
                "standard deviation / mean"}));

    private static String numbers(Map<String, Object> summary, List<String> keys) {
        StringBuilder sb = new StringBuilder("<table>\n");
        for (String k : keys) {
            Object v = summary.get(k);
            if (v == null || (v instanceof Double d && !Double.isFinite(d))) {
                continue;
            }
            String[] label = LABELS.getOrDefault(k, new String[] {k.replace('_', ' '), ""});
            sb.append("<tr><th title=\"").append(attr(k)).append("\">").append(esc(label[0])).append("</th><td>").append(esc(value(v)))
                    .append("</td><td class=\"what\">").append(esc(label[1])).append("</td></tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    /** A headline value: numbers to 6 significant digits without trailing zeros (0.05, not 0.0500000). */
    static String value(Object v) {
        if (v instanceof Double d) {
            String text = new java.math.BigDecimal(String.format(Locale.ROOT, "%.6g", d)).stripTrailingZeros().toPlainString();
            return text.equals("-0") ? "0" : text;
        }
        return v.toString();
    }

    private static void figures(StringBuilder sb, List<Figure> figs, String prefix) {
        for (Figure f : figs) {
            String base = prefix + "figures/" + f.name();
            sb.append("<figure>\n<h3>").append(esc(f.title())).append("</h3>\n<img src=\"").append(attr(base)).append(".png\" width=\"")
                    .append(Figures.WIDTH).append("\" height=\"").append(Figures.HEIGHT).append("\" alt=\"").append(attr(f.title()))
                    .append("\">\n<figcaption>").append(esc(f.caption())).append(" <a href=\"").append(attr(base)).append(".svg\">SVG</a>");
            for (String csv : f.data()) {
                sb.append(" · <a href=\"").append(attr(prefix + "data/" + csv)).append("\">").append(esc(csv)).append("</a>");
            }
            sb.append("</figcaption>\n</figure>\n");
        }
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static String attr(String s) {
        return esc(s).replace("\"", "&quot;");
    }
}
