package dev.canyon.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SummaryJsonTest {

    /** NaN and infinities are null (JSON has no NaN), in fields, lists and double arrays alike. */
    @Test
    void nonFiniteNumbersAreNull() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nan", Double.NaN);
        m.put("inf", Double.NEGATIVE_INFINITY);
        m.put("list", List.of(1.5, Double.NaN));
        m.put("array", new double[] {Double.POSITIVE_INFINITY, 0.25});
        String json = SummaryJson.write(m);
        assertThat(json).doesNotContain("NaN").doesNotContain("Infinity");
        JsonNode node = new ObjectMapper().readTree(json);
        assertThat(node.get("nan").isNull()).isTrue();
        assertThat(node.get("inf").isNull()).isTrue();
        assertThat(node.get("list").get(1).isNull()).isTrue();
        assertThat(node.get("array").get(0).isNull()).isTrue();
        assertThat(node.get("array").get(1).asDouble()).isEqualTo(0.25);
    }

    /** The layout docs/study.md quotes: an entry per line, two spaces a level, arrays on one line, numbers as in the CSV. */
    @Test
    void layout() {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("steps", 200L);
        run.put("last_minibatch_loss", 0.5);
        run.put("learning_rate", 1.0);
        run.put("small", 1e-4);
        run.put("states", Map.of("SADDLE", 2));
        run.put("empty", Map.of());
        run.put("evr", new double[] {0.75, 0});
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("title", "run \"a\"\tθ");
        m.put("runs", List.of(run));
        m.put("problems", List.of());
        assertThat(SummaryJson.write(m)).isEqualTo("""
                {
                  "title": "run \\"a\\"\\tθ",
                  "runs": [{
                      "steps": 200,
                      "last_minibatch_loss": 0.5,
                      "learning_rate": 1,
                      "small": 1.0E-4,
                      "states": {
                        "SADDLE": 2
                      },
                      "empty": {},
                      "evr": [0.75, 0]
                    }],
                  "problems": []
                }""");
    }
}
