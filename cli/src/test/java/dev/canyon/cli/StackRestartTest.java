package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.Measurements;
import dev.canyon.contract.Topics;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.HessianProbe;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;
import dev.canyon.job.Checkpoints;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.stack.FreePort;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code canyon stack} killed with SIGKILL mid-run and started again on the same data continues
 * from its latest checkpoint: afterwards every measurement (every point, field and timestamp) equals
 * that of an uninterrupted run, which is a bounded replay of the same topics into another database.
 */
@Tag("real")
class StackRestartTest {
    private static final List<String> RUNS = List.of("restart-a", "restart-b");
    private static final String EXPERIMENT = "restart";
    private static final int DIM = 48;
    private static final int STEPS = 400;

    @TempDir
    Path dir;

    @Test
    void aKilledStackContinuesWhereItsCheckpointLeftOff() throws Exception {
        int kafkaPort = FreePort.pick();
        int influxPort = FreePort.pick();
        String bootstrap = "localhost:" + kafkaPort;
        String influxUrl = "http://127.0.0.1:" + influxPort;
        Path data = dir.resolve("data");
        Process first = startStack(data, kafkaPort, influxPort);
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (String run : RUNS) {
                send(producer, Topics.RUNS, run, WireRecords.encode(RunStarted.newBuilder().setRunId(run).setExperimentId(EXPERIMENT)
                        .setInitialParameters(Vectors.full(new float[DIM])).build()));
            }
            sendSteps(producer, 1, 200);
            try (InfluxStore store = InfluxStore.connect(InfluxConfig.of(influxUrl))) {
                waitFor(() -> RUNS.stream().allMatch(r -> store.countPoints(Measurements.TRAINING, r) == 200), "200 steps stored",
                        Duration.ofSeconds(120));
            }
            // A checkpoint taken after those steps were stored, then more steps, and the stack is killed while it works.
            FileTime stored = FileTime.fromMillis(System.currentTimeMillis());
            waitFor(() -> Checkpoints.latest(data.resolve("flink-checkpoints")).map(StackRestartTest::modified)
                    .filter(t -> t.compareTo(stored) > 0).isPresent(), "a checkpoint after step 200", Duration.ofSeconds(60));
            sendSteps(producer, 201, 260);
        }
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).as("killed stack exited").isTrue();

        Process second = startStack(data, kafkaPort, influxPort);
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap);
                InfluxStore store = InfluxStore.connect(InfluxConfig.of(influxUrl))) {
            sendSteps(producer, 261, STEPS);
            for (String run : RUNS) {
                send(producer, Topics.RUNS, run, WireRecords.encode(RunEnded.newBuilder().setRunId(run).setExperimentId(EXPERIMENT)
                        .setSteps(STEPS).build()));
            }
            waitFor(() -> RUNS.stream().allMatch(r -> store.countPoints(Measurements.TRAINING, r) == STEPS), "every step stored",
                    Duration.ofSeconds(120));
            Thread.sleep(1_500); // the sink's flush interval beyond the last training point

            InfluxConfig reference = InfluxConfig.of(influxUrl).withDatabase("uninterrupted");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            StepAnalyticsJob.buildReplay(env, bootstrap, Map.of(), reference, -1, null, null, 1);
            env.execute("uninterrupted");

            List<String> restarted = measured(influxUrl, InfluxConfig.DEFAULT_DATABASE);
            List<String> uninterrupted = measured(influxUrl, "uninterrupted");
            assertThat(uninterrupted).as("points of the uninterrupted run").hasSizeGreaterThan(3 * 2 * STEPS);
            for (String m : List.of(Measurements.DISTANCE, Measurements.PCA, Measurements.INDICATORS, Measurements.CROSS_RUN)) {
                assertThat(uninterrupted).as("uninterrupted points of %s", m).anyMatch(l -> l.startsWith(m + " "));
            }
            assertThat(restarted).as("points after kill -9 and restart").containsExactlyElementsOf(uninterrupted);
        } finally {
            second.destroyForcibly();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Every point but the live job's own health (ingest lag, dead letters: processing times). */
    private static List<String> measured(String url, String db) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : GoldenReplayTest.allPoints(url, db)) {
            if (!line.startsWith(Measurements.PIPELINE + " ") && !line.startsWith(Measurements.DEAD_LETTERS + " ")) {
                out.add(line);
            }
        }
        return out;
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p.resolve("_metadata"));
        } catch (java.io.IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /** {@code canyon stack} in a JVM of its own; returns once it says it is up. */
    static Process startStack(Path data, int kafkaPort, int influxPort) throws Exception {
        return startStack(data, kafkaPort, influxPort, 0);
    }

    /** {@code canyon stack} in a child JVM, Flink's REST endpoint on {@code flinkPort} (0: a free one). */
    static Process startStack(Path data, int kafkaPort, int influxPort, int flinkPort) throws Exception {
        return StackProcess.start(data, kafkaPort, influxPort, List.of("--flink-port", Integer.toString(flinkPort)), new ArrayList<>(),
                Duration.ofSeconds(120));
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static void sendSteps(KafkaProducer<String, byte[]> producer, int from, int to) throws Exception {
        for (int t = from; t <= to; t++) {
            for (String run : RUNS) {
                Random r = new Random(run.hashCode() * 1000L + t);
                float[] g = new float[DIM];
                float[] d = new float[DIM];
                double gg = 0;
                double dd = 0;
                for (int i = 0; i < DIM; i++) {
                    g[i] = (float) (r.nextGaussian() / (1 + i));
                    d[i] = (float) (-0.02 * g[i] + (i == 0 ? 0.01 : 0));
                    gg += (double) g[i] * g[i];
                    dd += (double) d[i] * d[i];
                }
                long time = 1_700_000_000_000L + 10L * t;
                Step s = Step.newBuilder().setRunId(run).setExperimentId(EXPERIMENT).setStep(t).setEventTimeMs(time)
                        .setLoss(2.0 / Math.sqrt(t) + 0.01 * r.nextGaussian()).setLearningRate(0.1).setBatchSize(32)
                        .setExamplesSeen(32L * t)
                        .setScalars(StepScalars.newBuilder().setGradNorm(Math.sqrt(gg)).setDeltaNorm(Math.sqrt(dd)).setParamNorm(1))
                        .setGradient(Vectors.full(g)).setDelta(Vectors.full(d)).build();
                if (t % 50 == 0) {
                    send(producer, Topics.STEPS, run, WireRecords.encode(Probe.newBuilder().setRunId(run).setExperimentId(EXPERIMENT)
                            .setStep(t).setEventTimeMs(time).setHessian(HessianProbe.newBuilder().setMaxEigenvalue(10 + r.nextDouble())
                                    .setMinEigenvalue(-r.nextDouble()).setTrace(30)).build()));
                }
                send(producer, Topics.STEPS, run, WireRecords.encode(s));
            }
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    private static void waitFor(BooleanSupplier condition, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(200);
        }
    }
}
