package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Encoding;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of {@code canyon bench scale}: layouts, medians over rounds, spread. */
class ScaleBenchmarkTest {
    @Test
    void layoutsHaveTheIssuesParameterCounts() {
        for (long d : new long[] {50_890, 508_810, 1_987_510, 10_000_000}) {
            assertThat(SyntheticRuns.Layout.ofParameters(d).d()).isEqualTo(d);
        }
        assertThat(SyntheticRuns.Layout.ofParameters(50_890).sizes()).hasSize(4);
        assertThat(SyntheticRuns.Layout.ofParameters(10_000_000).sizes()).hasSize(6);
        assertThatThrownBy(() -> SyntheticRuns.Layout.ofParameters(7)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void syntheticRecordsAreValidSketchModeRecordsWhoseSizeDoesNotGrowWithD() {
        SyntheticRuns small = new SyntheticRuns("e", SyntheticRuns.Layout.ofParameters(50_890), 1024, 1);
        SyntheticRuns large = new SyntheticRuns("e", SyntheticRuns.Layout.ofParameters(10_000_000), 1024, 1);
        var started = (WireRecords.DecodedRunStarted) WireRecords.decode(large.runStarted("r", 1_700_000_000_000L));
        assertThat(started.record().getVectorEncoding()).isEqualTo(Encoding.SKETCH_FLOAT32);
        assertThat(started.record().getInitialParameters().getData().size()).isEqualTo(4 * 1024);
        var step = WireRecords.decodeStep(large.step("r", 3, 1_700_000_000_000L, 0.5));
        assertThat(step.getTensorsCount()).isEqualTo(6);
        assertThat(step.getGradient().getDimension()).isEqualTo(10_000_000);
        assertThat(large.step("r", 3, 1_700_000_000_000L, 0.5).length)
                .isLessThan(small.step("r", 3, 1_700_000_000_000L, 0.5).length + 300);
    }

    @Test
    void theMedianOfRoundsAndTheSpread() {
        Map<String, Object> a = new LinkedHashMap<>(Map.of("d", 1L, "job_cpu_us_per_step", 30.0, "wall_us_per_step", 100.0));
        Map<String, Object> b = new LinkedHashMap<>(Map.of("d", 1L, "job_cpu_us_per_step", 10.0, "wall_us_per_step", 300.0));
        Map<String, Object> c = new LinkedHashMap<>(Map.of("d", 1L, "job_cpu_us_per_step", 20.0, "wall_us_per_step", 200.0));
        Map<String, Object> m = ScaleBenchmark.median(List.of(a, b, c));
        assertThat(m.get("job_cpu_us_per_step")).isEqualTo(20.0);
        assertThat(m.get("wall_us_per_step")).isEqualTo(200.0);
        assertThat(m.get("job_cpu_us_per_step_each")).isEqualTo(List.of(30.0, 10.0, 20.0));
        assertThat(m.get("job_cpu_us_per_step_min")).isEqualTo(10.0);
        assertThat(m.get("rounds")).isEqualTo(3);
        assertThat(ScaleBenchmark.median(List.of(a, b)).get("job_cpu_us_per_step")).isEqualTo(20.0);

        assertThat(ScaleBenchmark.spread(List.of(m, Map.of("job_cpu_us_per_step", 25.0)), "job_cpu_us_per_step")).isEqualTo(0.25);
        assertThat(ScaleBenchmark.spread(List.of(m), "job_cpu_us_per_step")).isNull();
    }
}
