package dev.canyon.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark results as readable text rather than JSON: one {@code key  value} line per figure, keys
 * aligned; a nested object's figures indented under its key; a list of numbers or words on one
 * line; a list of objects as numbered blocks. Numbers below 1,000 keep four significant digits,
 * larger ones are whole; a missing figure is "-". The keys are the JSON fields' names, so that the
 * text and {@code --json} read alike.
 */
final class Outline {
    private Outline() {}

    static String text(Map<String, ?> results) {
        StringBuilder sb = new StringBuilder();
        write(sb, results, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Map<?, ?> m, int indent) {
        int width = 0;
        for (Object k : m.keySet()) {
            width = Math.max(width, String.valueOf(k).length());
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = " ".repeat(indent) + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> child) {
                sb.append(key).append('\n');
                write(sb, child, indent + 2);
            } else if (v instanceof List<?> list && list.stream().anyMatch(x -> x instanceof Map<?, ?> || x instanceof List<?>)) {
                sb.append(key).append('\n');
                int i = 1;
                for (Object item : list) {
                    sb.append(" ".repeat(indent + 2)).append('[').append(i++).append(']').append('\n');
                    if (item instanceof Map<?, ?> im) {
                        write(sb, im, indent + 4);
                    } else {
                        sb.append(" ".repeat(indent + 4)).append(scalar(item)).append('\n');
                    }
                }
            } else {
                String value = v instanceof List<?> list ? String.join(", ", list.stream().map(Outline::scalar).toList()) : scalar(v);
                sb.append(String.format("%-" + (indent + width) + "s  %s", key, value).stripTrailing()).append('\n');
            }
        }
    }

    /** A figure as text: whole numbers as they are, others to four significant digits (whole from 1,000 up). */
    static String scalar(Object v) {
        if (v == null) {
            return "-";
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                return Double.toString(d);
            }
            if (Math.abs(d) >= 1000) {
                return String.format(Locale.ROOT, "%.0f", d);
            }
            return d == 0 ? "0" : new BigDecimal(d).round(new MathContext(4)).stripTrailingZeros().toPlainString();
        }
        return String.valueOf(v);
    }
}
