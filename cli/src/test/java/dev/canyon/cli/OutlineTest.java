package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmarks' text output: aligned figures, nested blocks, no JSON punctuation. */
class OutlineTest {

    @Test
    void figuresAreAlignedLinesAndNestedObjectsAreIndentedBlocks() {
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("p50_ms", 12.345678);
        latency.put("p99_ms", 250.0);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("benchmark", "latency");
        r.put("cores", 2);
        r.put("job_steps_per_s", 12345.678);
        r.put("ratio", 0.000123456);
        r.put("rates", List.of(100, 1000));
        r.put("missing", null);
        r.put("at_100", latency);
        r.put("runs", List.of(Map.of("d", 50890), Map.of("d", 1000000)));
        String text = Outline.text(r);
        assertThat(text).isEqualTo("""
                benchmark        latency
                cores            2
                job_steps_per_s  12346
                ratio            0.0001235
                rates            100, 1000
                missing          -
                at_100
                  p50_ms  12.35
                  p99_ms  250
                runs
                  [1]
                    d  50890
                  [2]
                    d  1000000
                """);
        assertThat(text).doesNotContain("{").doesNotContain("\"").doesNotContain(":");
    }
}
