package dev.canyon.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.trainer.data.FashionMnist;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OverheadBenchmarkTest {

    /** The floor read touches every value of the six vectors (its sum is the exact sum of their contents). */
    @Test
    void memoryFloorReadsEveryValue() {
        int d = 1003;
        MemoryFloor floor = new MemoryFloor(d);
        double expected = 0;
        for (int v = 0; v < 6; v++) {
            for (int i = 0; i < d; i++) {
                expected += (float) ((i * 31 + v) % 97) / 97f;
            }
        }
        assertThat(floor.read()).isCloseTo(expected, within(1e-4 * expected));
    }

    @Test
    void quartilesOfPairedRatios() {
        Map<String, Object> q = OverheadBenchmark.quartiles(new double[] {4, 1, 3, 2, 5});
        assertThat(q).containsEntry("median", 3.0).containsEntry("p25", 2.0).containsEntry("p75", 4.0);
    }

    /**
     * A short real run of the whole benchmark (broker, DL4J, Canyon, DL4J's StatsListener, the
     * free-core phase, bandwidth): every figure the issue asks for is there and positive. No figure is
     * held to a bound: timings are not assertions.
     */
    @Test
    @Tag("real")
    void shortRunReportsEveryFigure(@TempDir Path tmp) throws Exception {
        Path data = Path.of(FashionMnist.DEFAULT_DIR);
        Assumptions.assumeTrue(Files.isDirectory(data), "Fashion-MNIST not installed");
        Map<String, Object> m = OverheadBenchmark.run(new OverheadBenchmark.Options(16, 6, 4, 16, 2, 1, data, tmp, 1,
                List.of("none", "sketch", "full", "stats_listener")), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        JsonNode j = new ObjectMapper().valueToTree(m);
        assertThat(j.get("parameters").asLong()).isEqualTo(784L * 16 + 16 + 16 * 10 + 10);
        for (String c : List.of("sketch", "full", "stats_listener")) {
            JsonNode q = j.get("step_time_ratio_vs_none").get(c);
            assertThat(q.get("median").asDouble()).isPositive();
            assertThat(q.get("p25").asDouble()).isLessThanOrEqualTo(q.get("median").asDouble());
            assertThat(q.get("p75").asDouble()).isGreaterThanOrEqualTo(q.get("median").asDouble());
        }
        if (Runtime.getRuntime().availableProcessors() > 1) {
            assertThat(j.get("free_core_ratio_vs_none").has("sketch")).isTrue();
            assertThat(j.get("free_core_ratio_vs_none").has("full")).isTrue();
        }
        assertThat(j.get("telemetry_cpu_ms_per_step").get("sketch").asDouble()).isPositive();
        assertThat(j.get("telemetry_cpu_ms_per_step").get("full").asDouble()).isPositive();
        assertThat(j.get("memory_floor_ms_per_step").asDouble()).isPositive();
        assertThat(j.get("full_publish_bandwidth").get("ratio").get("median").asDouble()).isPositive();
        assertThat(j.get("kernel").asText()).startsWith("vector");
    }
}
