package dev.canyon.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.util.Instantiatable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.canyon.report.section.Csv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code summary.json} with Jackson: numbers as in the CSV tables ({@link Csv#number}: integral
 * values without a fraction, others by {@code Double.toString}), NaN and infinities as {@code null}
 * (JSON has no NaN; Jackson would write a bare {@code NaN} token), objects one entry per line with
 * two spaces per level and arrays on one line, as {@code docs/study.md} quotes them.
 */
final class SummaryJson {
    /** For summary.json. */
    private static final ObjectMapper MAPPER = summaryMapper().registerModule(new SimpleModule("canyon-report-numbers")
            .addSerializer(Double.class, new DoubleText())
            .addSerializer(double.class, new DoubleText())
            .addSerializer(double[].class, new DoubleArrayText()));
    /** For {@link #asMap}: the same names and keys, numbers left as Java numbers. */
    private static final ObjectMapper PLAIN = summaryMapper();

    /** Summaries' record components in snake case; a null component (a section that was skipped) has no key. */
    private static ObjectMapper summaryMapper() {
        return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    }

    private SummaryJson() {}

    /** {@code summary} as the text of summary.json (no final newline). */
    static String write(Object summary) {
        try {
            return MAPPER.writer(new Layout()).writeValueAsString(summary);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write the report summary as JSON", e);
        }
    }

    /** {@code summary} as nested maps and lists under summary.json's keys, numbers as they are (NaN stays NaN). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object summary) {
        return PLAIN.convertValue(summary, Map.class);
    }

    private static void write(double v, JsonGenerator g) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumber(Csv.number(v));
        } else {
            g.writeNull();
        }
    }

    /** A double (boxed or not) as {@link Csv#number}, or null when it is not finite. */
    private static final class DoubleText extends StdSerializer<Double> {
        DoubleText() {
            super(Double.class);
        }

        @Override
        public void serialize(Double value, JsonGenerator g, SerializerProvider provider) throws IOException {
            write(value, g);
        }
    }

    /** A double[] as an array of {@link DoubleText}s. */
    private static final class DoubleArrayText extends StdSerializer<double[]> {
        DoubleArrayText() {
            super(double[].class);
        }

        @Override
        public void serialize(double[] values, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeStartArray(values, values.length);
            for (double v : values) {
                write(v, g);
            }
            g.writeEndArray();
        }
    }

    /**
     * The summary's layout: {@code "key": value}, one object entry per line indented by two spaces per
     * enclosing object or array, array values on one line separated by ", ", empty containers as
     * {@code {}} and {@code []}. Stateful (the depth), so one instance per document.
     */
    static final class Layout implements PrettyPrinter, Instantiatable<Layout> {
        private int depth;

        @Override
        public Layout createInstance() {
            return new Layout();
        }

        private void newLine(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
            for (int i = 0; i < depth; i++) {
                g.writeRaw("  ");
            }
        }

        @Override
        public void writeRootValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
        }

        @Override
        public void writeStartObject(JsonGenerator g) throws IOException {
            g.writeRaw('{');
            depth++;
        }

        @Override
        public void beforeObjectEntries(JsonGenerator g) throws IOException {
            newLine(g);
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            newLine(g);
        }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) throws IOException {
            depth--;
            if (entries > 0) {
                newLine(g);
            }
            g.writeRaw('}');
        }

        @Override
        public void writeStartArray(JsonGenerator g) throws IOException {
            g.writeRaw('[');
            depth++;
        }

        @Override
        public void beforeArrayValues(JsonGenerator g) {}

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            depth--;
            g.writeRaw(']');
        }
    }
}
