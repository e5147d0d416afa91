package dev.canyon.cli;

import dev.canyon.job.AnalyticsConfig;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.LocalStack;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import dev.canyon.trainer.MlpTrainer;
import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.deeplearning4j.optimize.api.TrainingListener;

/**
 * The whole pipeline on one machine: local stack up, analytics job on Flink's MiniCluster, a
 * bounded training run streaming into it, then a wait until every published step is stored, and a
 * summary read back from InfluxDB.
 */
final class Demo {

    /**
     * @param dataDir where Kafka's log, InfluxDB's data and Flink's checkpoints live
     * @param training what to train
     * @param experiment experiment id
     * @param storeTimeout longest to wait, after training, for the stream to store every step
     * @param vectors how the trainer ships gradient and delta vectors
     * @param probes the trainer's probe plan (curvature, Hessian extremes, linear path)
     */
    record Options(Path dataDir, MlpTrainer.Options training, String experiment, Duration storeTimeout,
            VectorRepresentation vectors, dev.canyon.trainer.probe.ProbePlan probes) {}

    /** What the demo reports. */
    record Summary(String runId, String experimentId, long parameters, long stepsTrained, long stepsPublished,
            long stepsStored, Map<String, Long> pointsPerMeasurement, double trainingLoss, int trainingLossExamples,
            double lastMinibatchLoss, int batchSize, double pathLength,
            double displacement, double distanceFromOrigin, double seconds, String dataDir, String kafkaLogDir,
            String influxDataDir, String flinkCheckpointDir, String influxDatabase, Map<String, Object> analytics) {

        boolean complete() {
            return stepsStored == stepsPublished && stepsPublished == stepsTrained;
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_id", runId);
            m.put("experiment_id", experimentId);
            m.put("parameters", parameters);
            m.put("steps_trained", stepsTrained);
            m.put("steps_published", stepsPublished);
            m.put("steps_stored", stepsStored);
            m.put("points_per_measurement", pointsPerMeasurement);
            m.put("analytics", analytics);
            m.put("training_loss", trainingLoss);
            m.put("training_loss_examples", trainingLossExamples);
            m.put("last_minibatch_loss", lastMinibatchLoss);
            m.put("path_length", pathLength);
            m.put("displacement", displacement);
            m.put("distance_from_origin", distanceFromOrigin);
            m.put("seconds", seconds);
            m.put("data_dir", dataDir);
            m.put("kafka_log_dir", kafkaLogDir);
            m.put("influxdb_data_dir", influxDataDir);
            m.put("influxdb_database", influxDatabase);
            m.put("flink_checkpoint_dir", flinkCheckpointDir);
            return m;
        }

        /** The state's meaning in words, or "" for a name this build does not know. */
        private static String meaning(Object state) {
            try {
                return dev.canyon.kernels.obstacle.ObstacleState.valueOf(String.valueOf(state)).meaning();
            } catch (IllegalArgumentException e) {
                return "";
            }
        }

        String toText() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("Canyon demo: run %s (experiment %s)%n", runId, experimentId));
            b.append(String.format("  model                %d parameters, %d steps trained (whole demo: %.1f s)%n", parameters, stepsTrained, seconds));
            b.append(String.format("  steps published      %d%n", stepsPublished));
            b.append(String.format("  steps stored         %d%s%n", stepsStored, complete() ? "" : "   (INCOMPLETE)"));
            pointsPerMeasurement.forEach((m, n) -> b.append(String.format("  points %-13s %d%n", m, n)));
            b.append(String.format("  training loss        %.6f  (final weights, mean over the %d training examples)%n", trainingLoss,
                    trainingLossExamples));
            b.append(String.format("  last minibatch       %.6f  (loss of the last step's %d examples, as trained)%n", lastMinibatchLoss,
                    batchSize));
            b.append(String.format("  path length          %.6f  (sum of ||dtheta||)%n", pathLength));
            b.append(String.format("  displacement         %.6f  (||theta_T - theta_0||)%n", displacement));
            double straightness = pathLength == 0 ? 1 : displacement / pathLength;
            b.append(String.format("  straightness         %.4f  (displacement / path length%s)%n", straightness, straightness > 0
                    ? String.format(": the path is %.3g times as long as the displacement", 1 / straightness) : ""));
            b.append(String.format("  distance from origin %.6f  (||theta_T||)%n", distanceFromOrigin));
            if (analytics.containsKey("obstacle_state")) {
                Object state = analytics.get("obstacle_state");
                b.append(String.format("  obstacle state       %s at step %s: %s%n", state, analytics.get("obstacle_step"), meaning(state)));
                b.append(String.format("  evidence             %s%n", analytics.get("obstacle_evidence")));
                b.append(String.format("  states seen          %s  (windows of 50 steps, every 10; rules in docs/metrics.md, \"obstacle\")%n",
                        analytics.get("states_seen")));
            }
            if (analytics.containsKey("pca_evr1")) {
                double pc1 = ((Number) analytics.get("pca_evr1")).doubleValue();
                double pc2 = ((Number) analytics.get("pca_evr2")).doubleValue();
                double c1 = ((Number) analytics.get("pca_control_evr1")).doubleValue();
                double c2 = ((Number) analytics.get("pca_control_evr2")).doubleValue();
                b.append(String.format("  PCA explained        PC1 %.3f + PC2 %.3f = %.3f of the path's variance  (random-walk control "
                        + "%.3f + %.3f = %.3f)%n", pc1, pc2, pc1 + pc2, c1, c2, c1 + c2));
            }
            b.append(String.format("Data kept for replay and reports under %s:%n", dataDir));
            b.append(String.format("  Kafka log          %s%n", kafkaLogDir));
            b.append(String.format("  InfluxDB data      %s (database '%s')%n", influxDataDir, influxDatabase));
            b.append(String.format("  Flink checkpoints  %s%n", flinkCheckpointDir));
            b.append(String.format("Figures of this run: ./canyon report --data-dir %s --run %s%n", dataDir, runId));
            return b.toString();
        }
    }

    private Demo() {}

    /**
     * The live view the demo serves while it runs.
     *
     * @param port its port on 127.0.0.1 (0: a free one)
     * @param whileUp called with the summary while the stack and the live view are still up (null: none); the demo
     *     stops when it returns
     */
    record Live(int port, java.util.function.Consumer<Summary> whileUp) {}

    static Summary run(Options options, PrintStream progress, TrainingListener... extra) throws Exception {
        return run(options, null, progress, extra);
    }

    /** The demo with the live view ({@code live} null: without). */
    static Summary run(Options options, Live live, PrintStream progress, TrainingListener... extra) throws Exception {
        long started = System.nanoTime();
        FashionMnist.requirePresent(options.training().dataDir());
        Path dataDir = options.dataDir().toAbsolutePath();
        Path checkpoints = dataDir.resolve("flink-checkpoints");
        progress.println("Starting local stack (Kafka broker, influxd) with data in " + dataDir);
        try (LocalStack stack = DataDirs.startStack(dataDir, 0, 0)) {
            String bootstrap = stack.kafka().bootstrapServers();
            TopicSetup.ensure(bootstrap);
            InfluxConfig influx = InfluxConfig.of(stack.influxd().url());
            long startMs = System.currentTimeMillis();
            AnalyticsConfig analytics = AnalyticsConfig.of(bootstrap, influx)
                    .withCheckpointInterval(Duration.ofSeconds(2))
                    .withGroupId("canyon-demo")
                    .startingAt(startMs);

            Configuration conf = dev.canyon.job.LocalCluster.secure(new Configuration());
            // Continues from the newest checkpoint an earlier demo or stack on this data left.
            dev.canyon.job.Checkpoints.configure(conf, checkpoints);
            StreamExecutionEnvironment env = dev.canyon.job.LocalCluster.environment(conf);
            StepAnalyticsJob.buildProduction(env, analytics);
            progress.println("Starting analytics job on Flink's MiniCluster");
            JobClient job = env.executeAsync(StepAnalyticsJob.NAME);
            KafkaRunCatalog catalog = null;
            dev.canyon.ui.LiveView view = null;
            try {
                if (live != null) {
                    catalog = new KafkaRunCatalog(bootstrap, Map.of());
                    view = dev.canyon.ui.LiveView.start(influx, live.port(), catalog, "./canyon report --data-dir " + dataDir);
                    progress.println("Live view: " + view.url());
                }
                TelemetryConfig telemetry = TelemetryConfig.builder().bootstrapServers(bootstrap).experimentId(options.experiment())
                        .vectors(options.vectors()).probes(options.probes()).build();
                ProgressBar bar = new ProgressBar(progress, "train", options.training().steps());
                MlpTrainer.Result result = MlpTrainer.train(options.training(), telemetry, s -> bar.update(s, ""), extra);

                try (InfluxStore store = InfluxStore.connect(influx)) {
                    ProgressBar stored = new ProgressBar(progress, "store", result.stepsPublished());
                    long deadline = System.nanoTime() + options.storeTimeout().toNanos();
                    Map<String, Long> counts = counts(store, result.runId());
                    long n = min(counts);
                    while (n < result.stepsPublished() && System.nanoTime() < deadline) {
                        stored.update(n, "");
                        Thread.sleep(200);
                        counts = counts(store, result.runId());
                        n = min(counts);
                    }
                    stored.update(n, "");
                    Map<String, Object> last = lastDistance(store, result.runId());
                    Summary summary = new Summary(result.runId(), result.experimentId(), result.parameters(), result.steps(),
                            result.stepsPublished(), n, counts, result.trainingLoss(), result.trainingLossExamples(),
                            result.finalLoss(), options.training().batchSize(),
                            number(last, Measurements.FIELD_PATH_LENGTH), number(last, Measurements.FIELD_DISPLACEMENT),
                            number(last, Measurements.FIELD_DISTANCE_FROM_ORIGIN), (System.nanoTime() - started) / 1e9,
                            dataDir.toString(), stack.kafka().logDir().toString(), stack.influxd().dataDir().toString(),
                            checkpoints.toString(), influx.database(), analytics(store, result.runId()));
                    if (live != null && live.whileUp() != null) {
                        live.whileUp().accept(summary);
                    }
                    return summary;
                }
            } finally {
                if (view != null) {
                    view.close();
                }
                if (catalog != null) {
                    catalog.close();
                }
                job.cancel().get();
            }
        }
    }

    private static Map<String, Long> counts(InfluxStore store, String runId) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String m : Measurements.PER_STEP) {
            counts.put(m, store.countPoints(m, runId));
        }
        return counts;
    }

    /** The run's last obstacle decision, the states seen, and its last PCA point. */
    private static Map<String, Object> analytics(InfluxStore store, String runId) {
        Map<String, Object> out = new LinkedHashMap<>();
        String run = InfluxStore.quoteString(runId);
        List<Map<String, Object>> obstacle = store.rows("SELECT step, state, evidence FROM " + Measurements.OBSTACLE
                + " WHERE run = " + run + " ORDER BY time DESC LIMIT 1");
        if (!obstacle.isEmpty()) {
            out.put("obstacle_state", obstacle.get(0).get("state"));
            out.put("obstacle_step", ((Number) obstacle.get(0).get("step")).longValue());
            out.put("obstacle_evidence", obstacle.get(0).get("evidence"));
            Map<String, Long> seen = new java.util.TreeMap<>();
            for (Map<String, Object> r : store.rows("SELECT state FROM " + Measurements.OBSTACLE + " WHERE run = " + run)) {
                seen.merge((String) r.get("state"), 1L, Long::sum);
            }
            out.put("states_seen", seen);
        }
        List<Map<String, Object>> pca = store.rows("SELECT evr1, evr2, control_evr1, control_evr2 FROM " + Measurements.PCA
                + " WHERE run = " + run + " ORDER BY time DESC LIMIT 1");
        if (!pca.isEmpty() && pca.get(0).get("evr2") instanceof Number) {
            for (String f : List.of("evr1", "evr2", "control_evr1", "control_evr2")) {
                out.put("pca_" + f, ((Number) pca.get(0).get(f)).doubleValue());
            }
        }
        return out;
    }

    private static long min(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).min().orElse(0);
    }

    private static Map<String, Object> lastDistance(InfluxStore store, String runId) {
        List<Map<String, Object>> rows = store.rows("SELECT " + Measurements.FIELD_STEP + ", "
                + Measurements.FIELD_PATH_LENGTH + ", " + Measurements.FIELD_DISPLACEMENT + ", "
                + Measurements.FIELD_DISTANCE_FROM_ORIGIN + " FROM " + Measurements.DISTANCE + " WHERE "
                + Measurements.TAG_RUN + " = " + InfluxStore.quoteString(runId) + " ORDER BY time DESC LIMIT 1");
        return rows.isEmpty() ? Map.of() : rows.get(0);
    }

    private static double number(Map<String, Object> row, String field) {
        Object v = row.get(field);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
