package dev.canyon.report;

import java.util.Collection;
import java.util.Map;

/** A small JSON writer for the summary (maps, collections, arrays of doubles, numbers, strings, booleans). */
final class Json {
    private Json() {}

    static String write(Object o) {
        StringBuilder sb = new StringBuilder();
        write(o, sb, "");
        return sb.toString();
    }

    private static void write(Object o, StringBuilder sb, String indent) {
        if (o == null) {
            sb.append("null");
        } else if (o instanceof Map<?, ?> m) {
            sb.append("{");
            String inner = indent + "  ";
            boolean first = true;
            for (var e : m.entrySet()) {
                sb.append(first ? "\n" : ",\n").append(inner);
                string(String.valueOf(e.getKey()), sb);
                sb.append(": ");
                write(e.getValue(), sb, inner);
                first = false;
            }
            sb.append(first ? "}" : "\n" + indent + "}");
        } else if (o instanceof Collection<?> c) {
            sb.append("[");
            boolean first = true;
            for (Object v : c) {
                sb.append(first ? "" : ", ");
                write(v, sb, indent + "  ");
                first = false;
            }
            sb.append("]");
        } else if (o instanceof double[] a) {
            sb.append("[");
            for (int i = 0; i < a.length; i++) {
                sb.append(i > 0 ? ", " : "");
                write(a[i], sb, indent);
            }
            sb.append("]");
        } else if (o instanceof Double d) {
            sb.append(Double.isFinite(d) ? Csv.number(d) : "null");
        } else if (o instanceof Number || o instanceof Boolean) {
            sb.append(o);
        } else {
            string(o.toString(), sb);
        }
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
