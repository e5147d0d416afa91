package dev.canyon.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.kernels.stall.StallDetector;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Topics;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Alert;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.stack.TopicContents;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stall alerts through the whole job (broker → MiniCluster at parallelism 2 → alerts topic and
 * influxd), with DESIGN.md's defaults except a 3 s silence: a planted plateau raises exactly one
 * plateau alert within the patience and resolves it when progress resumes; a silent run raises a
 * silence alert; a NaN raises divergence; a planted loss spike and a planted gradient-norm spike each
 * open one spike alert that the next step resolves; a healthy 2,000-step run raises none, and neither
 * does a run that ended properly.
 */
class StallAlertsJobTest extends JobTestStack {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());


    @Test
    void plateauSilenceAndDivergenceOpenOnceAndHealthyRunsStayQuiet() throws Exception {
        Random noise = new Random(11);
        StallDetector.Config stall = StallDetector.Config.defaults();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            // Healthy: an exponential decay with minibatch noise, 2,000 steps, then its end.
            send(producer, "healthy", 2000, t -> 0.05 + 2 * Math.exp(-t / 700.0) + 0.01 * noise.nextGaussian());
            end(producer, "healthy", 2000);
            // Plateau: progress to step 300, flat (tiny noise) to step 1200, progress again to 1500.
            send(producer, "plateau", 1500, t -> t <= 300 ? 2 - t / 300.0
                    : t <= 1200 ? 1 + 1e-5 * noise.nextGaussian() : 1 - (t - 1200) / 600.0);
            end(producer, "plateau", 1500);
            // Divergence: a NaN loss at step 201 after 200 healthy steps; the run then ends.
            send(producer, "nan", 201, t -> t == 201 ? Double.NaN : 1.0 / t);
            end(producer, "nan", 201);
            // Silence: 100 steps, then nothing, and no end.
            send(producer, "silent", 100, t -> 1.0 / t);
            // Spikes: a noisy flat loss, 5x at step 300; the gradient 10x at step 350; then the end.
            send(producer, "spiky", 400, t -> (1 + 0.01 * noise.nextGaussian()) * (t == 300 ? 5 : 1), t -> t == 350 ? 10 : 1);
            end(producer, "spiky", 400);
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        InfluxConfig influx = InfluxConfig.of(influxd.url()).withDatabase("stalltest");
        StepAnalyticsJob.buildProduction(env, AnalyticsConfig.of(kafka.bootstrapServers(), influx).withParallelism(2)
                .withCheckpointInterval(Duration.ofMillis(500)).withGroupId("stalltest")
                .withAnalytics(dev.canyon.analytics.AnalyticsSettings.builder().stall(new StallDetector.Config(stall.smoothing(),
                        stall.patienceSteps(), stall.minRelativeImprovement(), Duration.ofSeconds(3), stall.divergenceFactor(),
                        stall.recoverySteps())).build()));
        JobClient job = env.executeAsync(StepAnalyticsJob.NAME);
        List<Alert> alerts;
        try {
            // plateau open + resolve, divergence open + resolve at the end, silence open, two spikes open + resolve.
            alerts = TopicContents.readAtLeast(kafka.bootstrapServers(), Topics.ALERTS, 9, Duration.ofSeconds(90)).stream()
                    .map(r -> ((WireRecords.DecodedAlert) WireRecords.decode(r.value())).record()).toList();
            // Longer than the silence timeout: an ended run must stay quiet, and nothing may open twice.
            Thread.sleep(5_000);
            alerts = TopicContents.readAll(kafka.bootstrapServers(), Topics.ALERTS, Duration.ofSeconds(30)).stream()
                    .map(r -> ((WireRecords.DecodedAlert) WireRecords.decode(r.value())).record()).toList();
        } finally {
            job.cancel().get();
        }
        alerts.forEach(a -> System.out.println(a.getRunId() + " " + a.getKind() + " " + a.getOpen() + " step " + a.getStep() + ": "
                + a.getEvidence()));

        assertThat(alerts).noneMatch(a -> a.getRunId().equals("healthy"));
        List<Alert> plateau = alerts.stream().filter(a -> a.getRunId().equals("plateau")).toList();
        assertThat(plateau).hasSize(2);
        assertThat(plateau.get(0).getKind()).isEqualTo(Alert.Kind.PLATEAU);
        assertThat(plateau.get(0).getOpen()).isTrue();
        // The smoothed loss (EMA 0.05) stops improving by 1e-3 some 80 steps after the loss flattens at step 300; the alert opens one patience later.
        assertThat(plateau.get(0).getStep()).isBetween(300 + stall.patienceSteps(), 450 + stall.patienceSteps());
        assertThat(plateau.get(0).getObstacleState()).isNotEmpty();
        assertThat(plateau.get(1).getKind()).isEqualTo(Alert.Kind.PLATEAU);
        assertThat(plateau.get(1).getOpen()).isFalse();
        assertThat(plateau.get(1).getStep()).isBetween(1201L, 1260L);

        List<Alert> nan = alerts.stream().filter(a -> a.getRunId().equals("nan")).toList();
        assertThat(nan).extracting(Alert::getKind, Alert::getOpen, Alert::getStep)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Alert.Kind.DIVERGENCE, true, 201L),
                        org.assertj.core.groups.Tuple.tuple(Alert.Kind.DIVERGENCE, false, 201L));
        assertThat(nan.get(0).getEvidence()).contains("non-finite");
        assertThat(nan.get(1).getEvidence()).contains("run ended");

        List<Alert> silent = alerts.stream().filter(a -> a.getRunId().equals("silent")).toList();
        assertThat(silent).singleElement().satisfies(a -> {
            assertThat(a.getKind()).isEqualTo(Alert.Kind.SILENCE);
            assertThat(a.getOpen()).isTrue();
            assertThat(a.getStep()).isEqualTo(100);
        });

        List<Alert> spiky = alerts.stream().filter(a -> a.getRunId().equals("spiky")).toList();
        assertThat(spiky).extracting(Alert::getKind, Alert::getOpen, Alert::getStep).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Alert.Kind.LOSS_SPIKE, true, 300L),
                org.assertj.core.groups.Tuple.tuple(Alert.Kind.LOSS_SPIKE, false, 301L),
                org.assertj.core.groups.Tuple.tuple(Alert.Kind.GRADIENT_SPIKE, true, 350L),
                org.assertj.core.groups.Tuple.tuple(Alert.Kind.GRADIENT_SPIKE, false, 351L));
        assertThat(spiky.get(0).getEvidence()).contains("sigma above the mean of log loss").contains("threshold geometric mean x exp(6.00 sigma)");

        // The same transitions are in InfluxDB, where Grafana's alert rules read them.
        try (InfluxStore store = InfluxStore.connect(influx)) {
            List<Map<String, Object>> rows = store.rows("SELECT step, \"open\", evidence FROM " + Measurements.ALERTS
                    + " WHERE run = 'plateau' AND kind = 'plateau'");
            assertThat(rows).extracting(r -> ((Number) r.get("open")).longValue()).containsExactly(1L, 0L);
            assertThat(store.rows("SELECT * FROM " + Measurements.ALERTS + " WHERE run = 'healthy'")).isEmpty();
            assertThat(store.countPoints(Measurements.TRAINING, "healthy")).isEqualTo(2000);
            // The obstacle state was decided along the way.
            assertThat(store.countPoints(Measurements.OBSTACLE, "healthy")).isGreaterThan(100);
            checkGrafanaAlertRules(store, alerts);
        }
    }

    /**
     * The provisioned Grafana alert rules (grafana/provisioning/alerting), evaluated as Grafana
     * would against this InfluxDB: each fires (latest transition of its kind open, > 0.5) for the
     * run that raised it while the alert is open, stops after it resolves, and never fires for the
     * healthy run. "While open" is the rule's query as of the transition's time (a time bound added
     * to its WHERE clause). The spike rules fire while an opening lies in the last 10 minutes: as of
     * the opening and 9 minutes later (the alert itself resolved at the next step), not before it
     * and not 11 minutes later ("now()" of their query set to the evaluation time).
     */
    private static void checkGrafanaAlertRules(InfluxStore store, List<Alert> alerts) throws java.io.IOException {
        String rules = java.nio.file.Files.readString(Path.of(System.getProperty("canyon.repo.root", ".."))
                .resolve("grafana/provisioning/alerting/canyon-alerts.yaml"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\s+query: (.+)$").matcher(rules);
        Map<String, String> byKind = new java.util.HashMap<>();
        while (m.find()) {
            java.util.regex.Matcher kind = java.util.regex.Pattern.compile("\"kind\" = '(\\w+)'").matcher(m.group(1));
            assertThat(kind.find()).as("rule query names its kind: " + m.group(1)).isTrue();
            byKind.put(kind.group(1), m.group(1));
        }
        assertThat(byKind).containsOnlyKeys("plateau", "silence", "divergence", "loss_spike", "gradient_spike");
        assertThat(rules).doesNotContain("datasourceUid: canyon-influx\n").contains("datasourceUid: canyon-influxdb");
        for (var e : byKind.entrySet()) {
            String query = e.getValue();
            Alert opened = alerts.stream().filter(a -> a.getKind().name().equalsIgnoreCase(e.getKey()) && a.getOpen())
                    .findFirst().orElseThrow();
            // The open point's own time (RunAnalyzer: the step's point time + 1 µs per kind number).
            long openedAt = dev.canyon.storage.PointTime.ofStep(opened.getEventTimeMs(), opened.getStep())
                    + 1000L * opened.getKind().getNumber();
            if (e.getKey().endsWith("_spike")) {
                long minute = 60_000_000_000L;
                assertThat(firing(store, query, "healthy", openedAt + 5 * minute)).as(e.getKey() + " rule on the healthy run").isFalse();
                assertThat(firing(store, query, opened.getRunId(), openedAt)).as(e.getKey() + " rule as it opens").isTrue();
                assertThat(firing(store, query, opened.getRunId(), openedAt + 9 * minute)).as(e.getKey() + " rule 9 min later").isTrue();
                assertThat(firing(store, query, opened.getRunId(), openedAt - 1)).as(e.getKey() + " rule before").isFalse();
                assertThat(firing(store, query, opened.getRunId(), openedAt + 11 * minute)).as(e.getKey() + " rule 11 min later")
                        .isFalse();
                continue;
            }
            assertThat(firing(store, query, "healthy", null)).as(e.getKey() + " rule on the healthy run").isFalse();
            assertThat(firing(store, query, opened.getRunId(), openedAt)).as(e.getKey() + " rule while its alert is open").isTrue();
            boolean resolved = alerts.stream().anyMatch(a -> a.getRunId().equals(opened.getRunId()) && a.getKind() == opened.getKind()
                    && !a.getOpen());
            assertThat(firing(store, query, opened.getRunId(), null)).as(e.getKey() + " rule now").isEqualTo(!resolved);
        }
    }

    /**
     * Whether the rule's query gives a value (last or max of open) > 0.5 for {@code run}, as of
     * {@code untilNanos} (null: now): a time bound is added, and a relative "now() - N m" becomes
     * that bound minus N minutes.
     */
    private static boolean firing(InfluxStore store, String query, String run, Long untilNanos) {
        String bound = " AND \"run\" = " + InfluxStore.quoteString(run) + (untilNanos == null ? "" : " AND time <= " + untilNanos);
        String q = query.replace(" GROUP BY", bound + " GROUP BY");
        if (untilNanos != null) {
            java.util.regex.Matcher rel = java.util.regex.Pattern.compile("now\\(\\) - (\\d+)m").matcher(q);
            if (rel.find()) {
                q = rel.replaceFirst(Long.toString(untilNanos - Long.parseLong(rel.group(1)) * 60_000_000_000L));
            }
        }
        List<Map<String, Object>> rows = store.rows(q);
        return rows.stream().anyMatch(r -> ((Number) (r.containsKey("last") ? r.get("last") : r.get("max"))).doubleValue() > 0.5);
    }

    private static void send(KafkaProducer<String, byte[]> producer, String run, int steps, DoubleUnaryOperator loss)
            throws Exception {
        send(producer, run, steps, loss, t -> 1);
    }

    /** As above, the gradient (and so the step) of step t scaled by {@code gradScale}(t). */
    private static void send(KafkaProducer<String, byte[]> producer, String run, int steps, DoubleUnaryOperator loss,
            DoubleUnaryOperator gradScale) throws Exception {
        Random r = new Random(run.hashCode());
        for (int t = 1; t <= steps; t++) {
            float[] g = new float[16];
            float[] d = new float[16];
            double scale = gradScale.applyAsDouble(t);
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) (scale * r.nextGaussian());
                d[i] = -0.01f * g[i];
            }
            var step = SampleRecords.step(run, t, 1_700_000_000_000L + 10L * t, loss.applyAsDouble(t), g, d);
            producer.send(new ProducerRecord<>(Topics.STEPS, run, WireRecords.encode(step))).get();
        }
    }

    private static void end(KafkaProducer<String, byte[]> producer, String run, long steps) throws Exception {
        RunEnded ended = SampleRecords.runEnded().toBuilder().setRunId(run).setSteps(steps).build();
        producer.send(new ProducerRecord<>(Topics.RUNS, run, WireRecords.encode(ended))).get();
    }
}
