package dev.canyon.cli;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.job.AnalyticsConfig;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.InfluxdProcess;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import dev.canyon.trainer.Experiment;
import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An experiment of two runs from one initialization with different shuffles (seed 002), through
 * the real trainer, broker, job and influxd: cross-run distances are stored for both directions at
 * the aligned steps, start at zero distance apart in spirit (same θ_0) and grow, and every query of
 * the experiment dashboard returns data.
 */
@Tag("real")
class ExperimentPipelineTest {
    private static final int STEPS = 100;

    @TempDir
    Path dir;

    @Test
    void crossRunDistancesAndTheExperimentDashboard() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
                InfluxdProcess influxd = InfluxdProcess.start(dir.resolve("influx"))) {
            TopicSetup.ensure(kafka.bootstrapServers());
            InfluxConfig influx = InfluxConfig.of(influxd.url()).withDatabase("experiment");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            StepAnalyticsJob.buildProduction(env, AnalyticsConfig.of(kafka.bootstrapServers(), influx).withParallelism(2)
                    .withCheckpointInterval(Duration.ofSeconds(1)).withGroupId("experiment"));
            JobClient job = env.executeAsync(StepAnalyticsJob.NAME);
            try (InfluxStore store = InfluxStore.connect(influx)) {
                List<Experiment.RunResult> runs = Experiment.run(Experiment.Options.builder().dataset("deep-linear").learningRate(0.05)
                        .batchSize(64).hidden(16).steps(STEPS).runs(2).vary(Experiment.Vary.SHUFFLE).seed(3)
                        .fashionMnistDir(Path.of(FashionMnist.DEFAULT_DIR)).trainExamples(2000).build(),
                        TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).experimentId("exp-dashboard").build(),
                        (r, s, n) -> {});
                String a = runs.get(0).runId();
                String b = runs.get(1).runId();
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (System.nanoTime() < deadline && store.rows("SELECT distance FROM cross_run").size() < 4) {
                    Thread.sleep(200);
                }
                List<Map<String, Object>> pairs = store.rows("SELECT step, distance FROM cross_run WHERE run = '" + a + "'");
                List<Map<String, Object>> back = store.rows("SELECT step, distance FROM cross_run WHERE run = '" + b + "'");
                assertThat(pairs).extracting(r -> ((Number) r.get("step")).longValue()).containsExactly(50L, 100L);
                assertThat(pairs).allSatisfy(r -> assertThat(r.get("other")).isNull()); // a tag, not a field
                for (int i = 0; i < 2; i++) {
                    double d = ((Number) pairs.get(i).get("distance")).doubleValue();
                    assertThat(d).as("runs from one initialization drift apart").isPositive();
                    assertThat(((Number) back.get(i).get("distance")).doubleValue()).isCloseTo(d, within(1e-12));
                }
                assertThat(((Number) pairs.get(1).get("distance")).doubleValue())
                        .isGreaterThan(((Number) pairs.get(0).get("distance")).doubleValue());
                while (System.nanoTime() < deadline && (store.countPoints(Measurements.TRAINING, a) < STEPS
                        || store.countPoints(Measurements.TRAINING, b) < STEPS)) {
                    Thread.sleep(200);
                }

                JsonNode dash = new ObjectMapper().readTree(PipelineIntegrationTest.repoRoot()
                        .resolve("grafana/dashboards/experiment.json").toFile());
                int queries = 0;
                for (JsonNode panel : dash.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        String q = target.get("query").asText().replace("$timeFilter", "time >= 0").replace("$__interval", "1s")
                                .replace("$experiment", "exp-dashboard")
                                .replace("$run", "(" + Pattern.quote(a) + "|" + Pattern.quote(b) + ")");
                        List<Map<String, Object>> rows = store.rows(q);
                        assertThat(rows).as("panel '" + panel.get("title").asText() + "': " + q).isNotEmpty();
                        assertThat(rows.stream().map(r -> r.get("run")).distinct()).as("both runs in " + q).hasSize(2);
                        queries++;
                    }
                }
                assertThat(queries).isEqualTo(5);
            } finally {
                job.cancel().get();
            }
        }
    }
}
