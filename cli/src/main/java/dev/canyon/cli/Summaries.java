package dev.canyon.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report summary as a few lines of text. */
final class Summaries {
    private Summaries() {}

    static String text(Map<String, Object> summary) {
        StringBuilder sb = new StringBuilder();
        if (summary.get("experiment") instanceof Map<?, ?> ex) {
            sb.append("experiment:");
            append(sb, ex, "pairwise_mean", "pairwise_cv", "distance_from_origin_cv");
            sb.append('\n');
        }
        if (summary.get("runs") instanceof List<?> runs) {
            for (Object r : runs) {
                if (r instanceof Map<?, ?> run) {
                    sb.append("run ").append(run.get("run")).append(':');
                    append(sb, run, "steps", "final_train_loss", "final_train_loss_examples", "last_minibatch_loss", "final_obstacle_state", "path_over_displacement", "pca_batch_top2",
                            "pca_stream_top2", "pca_control_top2", "linear_path_last_monotone", "linear_path_last_barrier",
                            "lambda_min_first_negative_step", "escape_step");
                    sb.append('\n');
                }
            }
        }
        if (summary.get("problems") instanceof List<?> problems) {
            for (Object p : problems) {
                sb.append("left out: ").append(p).append('\n');
            }
        }
        return sb.toString().stripTrailing();
    }

    private static void append(StringBuilder sb, Map<?, ?> m, String... keys) {
        for (String k : keys) {
            Object v = m.get(k);
            if (v != null) {
                sb.append(' ').append(k).append('=').append(v instanceof Double d ? String.format(Locale.ROOT, "%.4g", d) : v);
            }
        }
    }
}
