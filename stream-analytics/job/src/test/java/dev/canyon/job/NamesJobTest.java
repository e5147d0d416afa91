package dev.canyon.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.DeadLetterHeaders;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Topics;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Step;
import dev.canyon.stack.TopicContents;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Run and experiment names with spaces, commas, equals signs, quotes, backslashes and non-ASCII
 * text go through the whole pipeline and come back exactly, one series each and no other; a name
 * with a newline (which InfluxDB's line protocol cannot hold in a tag) is dead-lettered with the
 * reason, and adds nothing.
 */
class NamesJobTest extends JobTestStack {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final List<String> RUNS = List.of("run with spaces", "run,with,commas", "run=equals", "run \"quoted\"",
            "run\\back\\slash", "ünïcødé ✓ run", "a, b=c \"d\" \\e", "esc\\ aped\\,too\\=");
    private static final String EXPERIMENT = "exp, with = \"all\" \\ of them";
    private static final String BAD = "bad\nrun";
    private static final int STEPS = 12;

    @Test
    void awkwardNamesRoundTripAndNewlinesAreRefused() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            Random r = new Random(1);
            for (String run : RUNS) {
                for (int t = 1; t <= STEPS; t++) {
                    producer.send(new ProducerRecord<>(Topics.STEPS, run, WireRecords.encode(step(r, run, EXPERIMENT, t)))).get();
                }
            }
            producer.send(new ProducerRecord<>(Topics.STEPS, BAD, WireRecords.encode(step(r, BAD, EXPERIMENT, 1)))).get();
            producer.send(new ProducerRecord<>(Topics.STEPS, "fine", WireRecords.encode(step(r, "fine", "exp\twith a tab", 1))))
                    .get();
            producer.send(new ProducerRecord<>(Topics.STEPS, "trailing\\", WireRecords.encode(step(r, "trailing\\", EXPERIMENT, 1))))
                    .get();
        }
        InfluxConfig influx = InfluxConfig.of(influxd.url()).withDatabase("names");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StepAnalyticsJob.buildProduction(env, AnalyticsConfig.of(kafka.bootstrapServers(), influx).withParallelism(2)
                .withCheckpointInterval(Duration.ofMillis(500)).withGroupId("names"));
        JobClient job = env.executeAsync(StepAnalyticsJob.NAME);
        try (InfluxStore store = InfluxStore.connect(influx)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline && !RUNS.stream().allMatch(run -> store.countPoints(Measurements.DISTANCE, run) == STEPS)) {
                Thread.sleep(200);
            }
            for (String run : RUNS) {
                for (String m : Measurements.PER_STEP) {
                    assertThat(store.countPoints(m, run)).as(m + " of '" + run + "'").isEqualTo(STEPS);
                }
                List<Map<String, Object>> rows = store.rows("SELECT * FROM training WHERE run = " + InfluxStore.quoteString(run));
                assertThat(rows).allSatisfy(row -> {
                    assertThat(row.get("run")).isEqualTo(run);
                    assertThat(row.get("experiment")).isEqualTo(EXPERIMENT);
                });
            }
            assertThat(store.rows("SHOW TAG VALUES FROM training WITH KEY = \"run\"")).extracting(row -> row.get("value"))
                    .containsExactlyInAnyOrderElementsOf(RUNS);
            assertThat(store.rows("SHOW TAG VALUES FROM training WITH KEY = \"experiment\"")).extracting(row -> row.get("value"))
                    .containsExactly(EXPERIMENT);
            assertThat(store.rows("SHOW SERIES FROM training")).hasSize(RUNS.size());

            List<String> reasons = TopicContents.readAtLeast(kafka.bootstrapServers(), Topics.DEAD_LETTER, 3, Duration.ofSeconds(30))
                    .stream().map(d -> new String(d.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))
                    .toList();
            assertThat(reasons).hasSize(3);
            assertThat(reasons).anySatisfy(reason -> assertThat(reason).contains("ends with a backslash"));
            // No stray measurement from a broken line, and every dead letter is stored as a point.
            assertThat(store.rows("SHOW MEASUREMENTS")).extracting(row -> row.get("name")).doesNotContain("run");
            assertThat(store.rows("SELECT reason FROM " + Measurements.DEAD_LETTERS)).hasSize(3);
            assertThat(reasons).anySatisfy(reason -> assertThat(reason).contains("run_id").contains("U+000A"));
            assertThat(reasons).anySatisfy(reason -> assertThat(reason).contains("experiment_id").contains("U+0009"));
        } finally {
            job.cancel().get();
        }
    }

    private static Step step(Random r, String run, String experiment, int t) {
        float[] g = new float[8];
        float[] d = new float[8];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
            d[i] = -0.01f * g[i];
        }
        return SampleRecords.step(run, t, 1_700_000_000_000L + 10L * t, 1.0 / t, g, d).toBuilder().setExperimentId(experiment).build();
    }
}
