package dev.canyon.storage;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.influxdb.dto.Point;

/**
 * One InfluxDB point as the stream produces it: measurement, tags, numeric fields and a timestamp
 * in nanoseconds taken from the data (never from the clock), so that writing it twice overwrites.
 * Field values are {@code Double}, {@code Long} or {@code String}; non-finite doubles are rejected
 * because line protocol cannot carry them.
 */
public final class StoredPoint implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String measurement;
    private final TreeMap<String, String> tags;
    private final LinkedHashMap<String, Object> fields;
    private final long timeNanos;

    private StoredPoint(String measurement, TreeMap<String, String> tags, LinkedHashMap<String, Object> fields, long timeNanos) {
        this.measurement = measurement;
        this.tags = tags;
        this.fields = fields;
        this.timeNanos = timeNanos;
    }

    /** Starts a point of {@code measurement} at {@code timeNanos}. */
    public static Builder builder(String measurement, long timeNanos) {
        return new Builder(measurement, timeNanos);
    }

    public String measurement() {
        return measurement;
    }

    public Map<String, String> tags() {
        return Collections.unmodifiableMap(tags);
    }

    public Map<String, Object> fields() {
        return Collections.unmodifiableMap(fields);
    }

    public long timeNanos() {
        return timeNanos;
    }

    /**
     * Appends this point as one line of InfluxDB line protocol (no newline): measurement with
     * commas and spaces escaped; tag keys, tag values and field keys with commas, equals signs and
     * spaces escaped; string fields quoted with quotes and backslashes escaped; integers with the
     * {@code i} suffix; floats in Java's shortest round-trip notation (InfluxDB parses exponents);
     * the time in nanoseconds. The same escaping as influxdb-java's {@code Point}, without its
     * per-point {@code NumberFormat}, which cost a quarter of the analytics job's time.
     */
    public void appendLineProtocol(StringBuilder sb) {
        escape(sb, measurement, false);
        for (Map.Entry<String, String> t : tags.entrySet()) {
            sb.append(',');
            escape(sb, t.getKey(), true);
            sb.append('=');
            escape(sb, t.getValue(), true);
        }
        char sep = ' ';
        for (Map.Entry<String, Object> f : fields.entrySet()) {
            sb.append(sep);
            sep = ',';
            escape(sb, f.getKey(), true);
            sb.append('=');
            Object v = f.getValue();
            if (v instanceof Long l) {
                sb.append(l.longValue()).append('i');
            } else if (v instanceof Double d) {
                sb.append(d.doubleValue());
            } else {
                String text = (String) v;
                sb.append('"');
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (c == '"' || c == '\\') {
                        sb.append('\\');
                    }
                    sb.append(c);
                }
                sb.append('"');
            }
        }
        sb.append(' ').append(timeNanos);
    }

    private static void escape(StringBuilder sb, String s, boolean equalsToo) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' || c == ' ' || (equalsToo && c == '=')) {
                sb.append('\\');
            }
            sb.append(c);
        }
    }

    /** The influxdb-java point (which escapes names and tag values for line protocol). */
    public Point toInfluxPoint() {
        Point.Builder b = Point.measurement(measurement).time(timeNanos, TimeUnit.NANOSECONDS).tag(tags);
        for (Map.Entry<String, Object> f : fields.entrySet()) {
            if (f.getValue() instanceof Long l) {
                b.addField(f.getKey(), l.longValue());
            } else if (f.getValue() instanceof String text) {
                b.addField(f.getKey(), text);
            } else {
                b.addField(f.getKey(), ((Double) f.getValue()).doubleValue());
            }
        }
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredPoint p && p.timeNanos == timeNanos && p.measurement.equals(measurement)
                && p.tags.equals(tags) && p.fields.equals(fields);
    }

    @Override
    public int hashCode() {
        return Objects.hash(measurement, tags, fields, timeNanos);
    }

    @Override
    public String toString() {
        return measurement + tags + fields + "@" + timeNanos;
    }

    /** Builds a {@link StoredPoint}. */
    public static final class Builder {
        private final String measurement;
        private final long timeNanos;
        private final TreeMap<String, String> tags = new TreeMap<>();
        private final LinkedHashMap<String, Object> fields = new LinkedHashMap<>();

        private Builder(String measurement, long timeNanos) {
            if (measurement == null || measurement.isEmpty()) {
                throw new IllegalArgumentException("measurement must not be empty");
            }
            this.measurement = measurement;
            this.timeNanos = timeNanos;
        }

        /** Adds a tag; empty values are dropped (InfluxDB does not store empty tags). */
        public Builder tag(String key, String value) {
            if (value != null && !value.isEmpty()) {
                tags.put(key, value);
            }
            return this;
        }

        /** Adds a float field; throws if {@code value} is NaN or infinite. */
        public Builder field(String key, double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("field " + measurement + "." + key + " must be finite, got " + value);
            }
            fields.put(key, value);
            return this;
        }

        /** Adds a float field when {@code value} is finite; skips it otherwise (InfluxDB stores no NaN). */
        public Builder fieldIfFinite(String key, double value) {
            if (Double.isFinite(value)) {
                fields.put(key, value);
            }
            return this;
        }

        /** Adds a string field. */
        public Builder field(String key, String value) {
            fields.put(key, value);
            return this;
        }

        /** Adds an integer field. */
        public Builder field(String key, long value) {
            fields.put(key, value);
            return this;
        }

        public StoredPoint build() {
            if (fields.isEmpty()) {
                throw new IllegalStateException("point of " + measurement + " has no fields");
            }
            return new StoredPoint(measurement, new TreeMap<>(tags), new LinkedHashMap<>(fields), timeNanos);
        }
    }
}
