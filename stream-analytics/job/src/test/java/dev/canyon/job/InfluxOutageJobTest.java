package dev.canyon.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.Measurements;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Topics;
import dev.canyon.contract.WireRecords;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * InfluxDB away for 30 s while a run streams: the sink's retries, then Flink's restart from the
 * last checkpoint, bring every point in once the server is back: none lost, none duplicated (each
 * step's points exist once, with the values of a replay into a healthy database).
 */
class InfluxOutageJobTest extends JobTestStack {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());


    private static final String RUN = "outage";
    private static final int STEPS = 600;

    @Test
    void thirtySecondsWithoutInfluxDbLoseAndDuplicateNothing() throws Exception {
        InfluxConfig influx = InfluxConfig.of(influxd.url()).withDatabase("outage");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StepAnalyticsJob.buildProduction(env, AnalyticsConfig.of(kafka.bootstrapServers(), influx).withParallelism(2)
                .withCheckpointInterval(Duration.ofMillis(500)).withGroupId("outage"));
        JobClient job = env.executeAsync(StepAnalyticsJob.NAME);
        try (KafkaProducer<String, byte[]> producer = producer(); InfluxStore store = InfluxStore.connect(influx)) {
            Random r = new Random(5);
            long outageStarted = 0;
            for (int t = 1; t <= STEPS; t++) {
                float[] g = new float[32];
                float[] d = new float[32];
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) r.nextGaussian();
                    d[i] = -0.01f * g[i];
                }
                var step = SampleRecords.step(RUN, t, 1_700_000_000_000L + 10L * t, 2.0 / Math.sqrt(t), g, d);
                producer.send(new ProducerRecord<>(Topics.STEPS, RUN, WireRecords.encode(step))).get();
                if (t == 200) {
                    waitFor(() -> store.countPoints(Measurements.TRAINING, RUN) >= 150, "points before the outage", Duration.ofSeconds(180));
                    influxd.stop();
                    outageStarted = System.nanoTime();
                }
                if (t > 200 && t < 500) {
                    Thread.sleep(100); // the run goes on streaming through the outage, 300 steps in 30 s
                }
                if (t == 500) {
                    long away = System.nanoTime() - outageStarted;
                    if (away < Duration.ofSeconds(30).toNanos()) {
                        Thread.sleep((Duration.ofSeconds(30).toNanos() - away) / 1_000_000);
                    }
                    influxd.restart();
                }
            }
            waitFor(() -> store.countPoints(Measurements.TRAINING, RUN) >= STEPS, "every step after the outage", Duration.ofSeconds(180));
            Thread.sleep(1_000);
            for (String m : Measurements.PER_STEP) {
                List<Map<String, Object>> rows = store.rows("SELECT step FROM " + m + " WHERE run = '" + RUN + "'");
                assertThat(rows).as(m).extracting(row -> ((Number) row.get("step")).longValue())
                        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, STEPS).boxed().toList());
            }
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }

        // The same topic replayed into a database that never went away: the same points.
        InfluxConfig reference = InfluxConfig.of(influxd.url()).withDatabase("outage_reference");
        StreamExecutionEnvironment replay = StreamExecutionEnvironment.getExecutionEnvironment();
        StepAnalyticsJob.buildReplay(replay, kafka.bootstrapServers(), Map.of(), reference, -1, RUN, null, 2);
        replay.execute("reference");
        try (InfluxStore a = InfluxStore.connect(influx); InfluxStore b = InfluxStore.connect(reference)) {
            for (String m : List.of(Measurements.TRAINING, Measurements.GRADIENT, Measurements.DISTANCE, Measurements.INDICATORS,
                    Measurements.OBSTACLE, Measurements.PCA)) {
                String q = "SELECT * FROM " + m + " WHERE run = '" + RUN + "'";
                assertThat(a.rows(q)).as(m).isEqualTo(b.rows(q));
            }
        }
    }
}
