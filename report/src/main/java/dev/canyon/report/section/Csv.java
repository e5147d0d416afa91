package dev.canyon.report.section;

import dev.canyon.storage.StoredPoint;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/** CSV files for notebooks: a header row, then one row per point; numbers in Java's shortest exact form. */
public final class Csv {
    private Csv() {}

    /**
     * The points of one measurement: time_ns, the tags, then every field (sorted by name, step first);
     * a field a point lacks is an empty cell.
     */
    static void points(Path file, List<StoredPoint> points) throws IOException {
        TreeSet<String> tags = new TreeSet<>();
        TreeSet<String> fields = new TreeSet<>();
        for (StoredPoint p : points) {
            tags.addAll(p.tags().keySet());
            fields.addAll(p.fields().keySet());
        }
        fields.remove("step");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder("time_ns");
            tags.forEach(t -> sb.append(',').append(cell(t)));
            sb.append(",step");
            fields.forEach(f -> sb.append(',').append(cell(f)));
            w.write(sb.append('\n').toString());
            for (StoredPoint p : points) {
                sb.setLength(0);
                sb.append(p.timeNanos());
                for (String t : tags) {
                    sb.append(',').append(cell(p.tags().getOrDefault(t, "")));
                }
                sb.append(',').append(value(p.fields().get("step")));
                for (String f : fields) {
                    sb.append(',').append(value(p.fields().get(f)));
                }
                w.write(sb.append('\n').toString());
            }
        }
    }

    /** A table of numbers with the given header. */
    static void table(Path file, List<String> header, List<double[]> rows) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(String.join(",", header.stream().map(Csv::cell).toList()) + "\n");
            StringBuilder sb = new StringBuilder();
            for (double[] r : rows) {
                sb.setLength(0);
                for (int i = 0; i < r.length; i++) {
                    sb.append(i > 0 ? "," : "").append(number(r[i]));
                }
                w.write(sb.append('\n').toString());
            }
        }
    }

    /** A number as the report writes it (CSV cells, summary.json): "" for NaN, integral values as integers, others by Double.toString. */
    public static String number(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    private static String value(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            return Double.toString(d);
        }
        if (v instanceof Number n) {
            return n.toString();
        }
        return cell(v.toString());
    }

    /** RFC 4180 quoting where needed. */
    static String cell(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
