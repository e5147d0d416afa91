package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.kernels.obstacle.ObstacleState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's summary as a newcomer reads it: one label column, the state in words, the evidence on its own line, sums spelt out. */
class DemoSummaryTest {

    static Demo.Summary summary(Map<String, Object> analytics) {
        return new Demo.Summary("run-1", "demo", 50890, 1000, 1000, 1000, Map.of("training", 1000L), 0.47, 60000, 0.35, 64, 80.0, 5.0,
                13.0, 30.0, "/d", "/d/kafka", "/d/influxdb", "/d/flink", "canyon", analytics);
    }

    @Test
    void obstacleStateInWordsWithItsEvidenceAndThePcaSums() {
        Map<String, Object> analytics = new LinkedHashMap<>();
        analytics.put("obstacle_state", "NOISE_DOMINATED");
        analytics.put("obstacle_step", 1000L);
        analytics.put("obstacle_evidence", "47% uphill steps, successive cosine -0.27");
        analytics.put("states_seen", Map.of("NOISE_DOMINATED", 3));
        analytics.put("pca_evr1", 0.897);
        analytics.put("pca_evr2", 0.069);
        analytics.put("pca_control_evr1", 0.605);
        analytics.put("pca_control_evr2", 0.155);
        String text = summary(analytics).toText();
        assertThat(text).contains("  obstacle state       NOISE_DOMINATED at step 1000: " + ObstacleState.NOISE_DOMINATED.meaning() + "\n")
                .contains("  evidence             47% uphill steps, successive cosine -0.27\n")
                .contains("PC1 0.897 + PC2 0.069 = 0.966 of the path's variance  (random-walk control 0.605 + 0.155 = 0.760)")
                .contains("  straightness         0.0625  (displacement / path length: the path is 16.0 times as long as the displacement)")
                .contains("  distance from origin 13.000000");
        // One column: every indented label line has its value at the same offset.
        for (String line : text.split("\n")) {
            if (line.startsWith("  ") && !line.startsWith("  Kafka") && !line.startsWith("  InfluxDB") && !line.startsWith("  Flink")) {
                assertThat(line.charAt(23)).as(line).isNotEqualTo(' ');
                assertThat(line.charAt(22)).as(line).isEqualTo(' ');
            }
        }
    }

    /** Every state has a plain meaning: a sentence without the enum's jargon. */
    @Test
    void everyStateHasAMeaning() {
        for (ObstacleState s : ObstacleState.values()) {
            assertThat(s.meaning()).isNotBlank().doesNotContain("_");
        }
        assertThat(summary(Map.of("obstacle_state", "SOMETHING_NEW", "obstacle_step", 10L, "obstacle_evidence", "e",
                "states_seen", Map.of())).toText()).contains("SOMETHING_NEW at step 10: \n");
        assertThat(List.of(ObstacleState.values())).hasSize(7);
        // A run that travelled and came back to where it began: no "Infinity times as long".
        Demo.Summary back = new Demo.Summary("run-3", "demo", 10, 5, 5, 5, Map.of(), 1, 10, 1, 8, 2.0, 0.0, 1.0, 1.0, "/d", "/d/k",
                "/d/i", "/d/f", "canyon", Map.of());
        assertThat(back.toText()).contains("  straightness         0.0000  (displacement / path length)\n").doesNotContain("Infinity");
    }
}
