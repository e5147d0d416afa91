package dev.canyon.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.Measurements;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Topics;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.HessianProbe;
import dev.canyon.contract.proto.LinearPathProbe;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kill and restore: the live job is cancelled mid-stream and a new one restored from its last
 * retained checkpoint; InfluxDB then holds exactly the points of an uninterrupted run (a replay of
 * the same topics into another database), point for point, in every measurement.
 */
class FaultToleranceJobTest extends JobTestStack {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());


    private static final List<String> RUNS = List.of("fault-a", "fault-b");
    private static final int STEPS = 400;
    private static final int DIM = 64;

    @Test
    void aKilledJobRestoredFromItsCheckpointWritesExactlyTheUninterruptedPoints() throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        InfluxConfig live = InfluxConfig.of(influxd.url()).withDatabase("fault_live");
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (String run : RUNS) {
                send(producer, Topics.RUNS, run, WireRecords.encode(RunStarted.newBuilder().setRunId(run)
                        .setExperimentId(SampleRecords.EXPERIMENT).setInitialParameters(Vectors.full(new float[DIM])).build()));
            }
            sendSteps(producer, 1, STEPS / 2);

            // First job: runs until it has checkpointed part of the stream, then is killed.
            JobClient first = startLive(live, checkpoints, null);
            try (InfluxStore store = InfluxStore.connect(live)) {
                waitFor(() -> store.countPoints(Measurements.TRAINING, RUNS.get(0)) >= STEPS / 4, "first points", Duration.ofSeconds(90));
                waitFor(() -> latestCheckpoint(checkpoints).isPresent(), "a completed checkpoint", Duration.ofSeconds(90));
                sendSteps(producer, STEPS / 2 + 1, STEPS / 2 + 50);
                Thread.sleep(300);
            } finally {
                first.cancel().get();
            }
            Path restoreFrom = latestCheckpoint(checkpoints).orElseThrow();

            // The rest of the stream arrives while the job is down; the second job restores and finishes it.
            sendSteps(producer, STEPS / 2 + 51, STEPS);
            for (String run : RUNS) {
                send(producer, Topics.RUNS, run, WireRecords.encode(RunEnded.newBuilder().setRunId(run)
                        .setExperimentId(SampleRecords.EXPERIMENT).setSteps(STEPS).setOutcome(RunEnded.Outcome.COMPLETED).build()));
            }
            JobClient second = startLive(live, dir.resolve("checkpoints-2"), restoreFrom);
            try (InfluxStore store = InfluxStore.connect(live)) {
                waitFor(() -> RUNS.stream().allMatch(r -> store.countPoints(Measurements.TRAINING, r) == STEPS), "every step", Duration.ofSeconds(90));
                // Points of the final steps: give the sink a flush interval beyond the last training point.
                Thread.sleep(1_000);
            } finally {
                second.cancel().get();
            }
        }

        // The uninterrupted reference: the same topics, replayed from the beginning into another database.
        InfluxConfig reference = InfluxConfig.of(influxd.url()).withDatabase("fault_reference");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StepAnalyticsJob.buildReplay(env, kafka.bootstrapServers(), Map.of(), reference, -1, null, null, 2);
        env.execute("reference");

        List<String> measurements = List.of(Measurements.TRAINING, Measurements.GRADIENT, Measurements.DISTANCE,
                Measurements.INDICATORS, Measurements.OBSTACLE, Measurements.PCA, Measurements.HESSIAN, Measurements.LINEAR_PATH,
                Measurements.LINEAR_PATH_SUMMARY, Measurements.CROSS_RUN);
        try (InfluxStore a = InfluxStore.connect(live); InfluxStore b = InfluxStore.connect(reference)) {
            for (String m : measurements) {
                List<Map<String, Object>> restored = sorted(a.rows("SELECT * FROM " + InfluxStore.quoteIdentifier(m)));
                List<Map<String, Object>> uninterrupted = sorted(b.rows("SELECT * FROM " + InfluxStore.quoteIdentifier(m)));
                assertThat(uninterrupted).as("reference points of %s", m).isNotEmpty();
                assertThat(restored).as("points of %s after kill and restore", m).containsExactlyElementsOf(uninterrupted);
            }
        }
    }

    private static List<Map<String, Object>> sorted(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>(rows);
        out.sort(Comparator.comparing((Map<String, Object> r) -> String.valueOf(r.get("time"))).thenComparing(r -> r.toString()));
        return out;
    }

    private static JobClient startLive(InfluxConfig influx, Path checkpoints, Path restoreFrom) throws Exception {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                org.apache.flink.configuration.ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (restoreFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom.toUri().toString());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        StepAnalyticsJob.buildProduction(env, AnalyticsConfig.of(kafka.bootstrapServers(), influx).withParallelism(2)
                .withCheckpointInterval(Duration.ofMillis(300)).withGroupId("fault"));
        return env.executeAsync(StepAnalyticsJob.NAME);
    }

    /** The newest completed checkpoint under {@code root} (a chk-N folder with its _metadata). */
    private static Optional<Path> latestCheckpoint(Path root) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.getFileName().toString().equals("_metadata")).map(Path::getParent)
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(4))));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    private static void sendSteps(KafkaProducer<String, byte[]> producer, int from, int to) throws Exception {
        for (int t = from; t <= to; t++) {
            for (String run : RUNS) {
                Random r = new Random(run.hashCode() * 1000L + t);
                float[] g = new float[DIM];
                float[] d = new float[DIM];
                for (int i = 0; i < DIM; i++) {
                    g[i] = (float) r.nextGaussian();
                    d[i] = (float) (-0.02 * g[i] + (i == 0 ? 0.01 : 0));
                }
                Step s = SampleRecords.step(run, t, 1_700_000_000_000L + 10L * t, 2.0 / Math.sqrt(t) + 0.01 * r.nextGaussian(), g, d);
                send(producer, Topics.STEPS, run, WireRecords.encode(s));
                if (t % 50 == 0) {
                    Probe.Builder p = Probe.newBuilder().setRunId(run).setExperimentId(SampleRecords.EXPERIMENT).setStep(t)
                            .setEventTimeMs(1_700_000_000_000L + 10L * t);
                    send(producer, Topics.STEPS, run, WireRecords.encode(p.clone().setHessian(HessianProbe.newBuilder()
                            .setMaxEigenvalue(10 + r.nextDouble()).setMinEigenvalue(-r.nextDouble()).setTrace(30)).build()));
                    send(producer, Topics.STEPS, run, WireRecords.encode(p.clone().setLinearPath(LinearPathProbe.newBuilder()
                            .addAllAlpha(List.of(0.0, 0.5, 1.0)).addAllTrainLoss(List.of(2.0, 1.5, 1.0 / t))).build()));
                }
            }
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }
}
