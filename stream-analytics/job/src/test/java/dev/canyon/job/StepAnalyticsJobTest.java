package dev.canyon.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.contract.DeadLetterHeaders;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.SampleRecords;
import dev.canyon.contract.Topics;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Step;
import dev.canyon.stack.TopicContents;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The job at parallelism 2 on Flink's MiniCluster, against a real broker and a real influxd. */
class StepAnalyticsJobTest extends JobTestStack {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());


    @Test
    void storesEveryValidStepAndDeadLettersEveryCorruptOneWhileRunning() throws Exception {
        int steps = 60;
        int dim = 300;
        List<String> runs = List.of("run-a", "run-b");
        Map<String, List<Step>> sent = new HashMap<>();
        List<String> expectedReasons = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            Random r = new Random(3);
            for (int t = 1; t <= steps; t++) {
                for (String run : runs) {
                    Step s = randomStep(r, run, t, dim);
                    sent.computeIfAbsent(run, k -> new ArrayList<>()).add(s);
                    producer.send(new ProducerRecord<>(Topics.STEPS, run, WireRecords.encode(s))).get();
                }
                if (t == 10) {
                    byte[] good = WireRecords.encode(sent.get("run-a").get(0));
                    producer.send(new ProducerRecord<>(Topics.STEPS, "run-a", Arrays.copyOf(good, good.length / 2))).get();
                    expectedReasons.add("truncated");
                }
                if (t == 20) {
                    byte[] unknown = WireRecords.encode(sent.get("run-b").get(0));
                    unknown[2] = 2;
                    producer.send(new ProducerRecord<>(Topics.STEPS, "run-b", unknown)).get();
                    expectedReasons.add("unknown wire version 2");
                }
                if (t == 30) {
                    Step s = randomStep(new Random(9), "run-a", 1000, dim);
                    Step wrong = s.toBuilder().setDelta(s.getDelta().toBuilder()
                            .setData(s.getDelta().getData().substring(0, 4 * (dim - 1)))).build();
                    producer.send(new ProducerRecord<>(Topics.STEPS, "run-a", WireRecords.encode(wrong))).get();
                    expectedReasons.add("wrong length");
                }
                if (t == 40) {
                    Step nan = randomStep(new Random(10), "run-b", 1001, dim).toBuilder().setLoss(Double.NaN).build();
                    producer.send(new ProducerRecord<>(Topics.STEPS, "run-b", WireRecords.encode(nan))).get();
                    expectedReasons.add("loss must be finite");
                }
                if (t == 50) {
                    producer.send(new ProducerRecord<>(Topics.STEPS, "run-a", WireRecords.encode(sent.get("run-a").get(49)))).get();
                    expectedReasons.add("duplicate step 50 of run run-a");
                    producer.send(new ProducerRecord<>(Topics.STEPS, "run-b", WireRecords.encode(sent.get("run-b").get(47)))).get();
                    expectedReasons.add("out-of-order step 48 of run run-b");
                }
            }
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        InfluxConfig influx = InfluxConfig.of(influxd.url()).withDatabase("jobtest");
        StepAnalyticsJob.buildProduction(env, AnalyticsConfig.of(kafka.bootstrapServers(), influx)
                .withParallelism(2).withCheckpointInterval(Duration.ofMillis(500)).withGroupId("jobtest"));
        JobClient job = env.executeAsync(StepAnalyticsJob.NAME);
        try (InfluxStore store = InfluxStore.connect(influx)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline && !allStored(store, runs, steps)) {
                Thread.sleep(200);
            }
            for (String run : runs) {
                for (String m : Measurements.PER_STEP) {
                    assertThat(store.countPoints(m, run)).as(m + " points of " + run).isEqualTo(steps);
                }
                checkDistances(store, run, sent.get(run));
            }
            List<ConsumerRecord<byte[], byte[]>> dead = TopicContents.readAtLeast(kafka.bootstrapServers(),
                    Topics.DEAD_LETTER, expectedReasons.size(), Duration.ofSeconds(30));
            List<String> reasons = dead.stream()
                    .map(d -> new String(d.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))
                    .toList();
            assertThat(reasons).hasSize(expectedReasons.size());
            for (String expected : expectedReasons) {
                assertThat(reasons).anyMatch(reason -> reason.contains(expected));
            }
            assertThat(dead).allMatch(d -> d.headers().lastHeader(DeadLetterHeaders.SOURCE_OFFSET) != null);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            checkPipelineHealthDashboard(store, runs, expectedReasons.size());
        } finally {
            job.cancel().get();
        }
    }

    /**
     * The live job's own health points (ingest lag every 10 steps, one point per dead letter) are
     * stored, and every query of the pipeline-health dashboard returns data for this job's runs.
     */
    private static void checkPipelineHealthDashboard(InfluxStore store, List<String> runs, int deadLetters) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && store.rows("SELECT \"offset\" FROM " + Measurements.DEAD_LETTERS).size() < deadLetters) {
            Thread.sleep(200);
        }
        assertThat(store.rows("SELECT reason FROM " + Measurements.DEAD_LETTERS)).hasSize(deadLetters);
        assertThat(store.rows("SELECT ingest_lag_ms FROM " + Measurements.PIPELINE + " WHERE run = 'run-a'")).hasSize(6)
                .allSatisfy(r -> assertThat(((Number) r.get("ingest_lag_ms")).longValue()).isGreaterThanOrEqualTo(0));
        String json = java.nio.file.Files.readString(Path.of(System.getProperty("canyon.repo.root", ".."))
                .resolve("grafana/dashboards/pipeline-health.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"query\": \"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        int queries = 0;
        while (m.find()) {
            String q = m.group(1).replace("\\\"", "\"").replace("\\\\", "\\")
                    .replace("$timeFilter", "time >= 0").replace("$__interval", "1s")
                    .replace("$experiment", java.util.regex.Pattern.quote(SampleRecords.EXPERIMENT))
                    .replace("$run", "(" + String.join("|", runs) + ")");
            assertThat(store.rows(q)).as("pipeline-health query " + q).isNotEmpty();
            queries++;
        }
        assertThat(queries).as("queries and variables of pipeline-health.json").isGreaterThanOrEqualTo(8);
    }

    private static boolean allStored(InfluxStore store, List<String> runs, int steps) {
        for (String run : runs) {
            for (String m : Measurements.PER_STEP) {
                if (store.countPoints(m, run) < steps) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void checkDistances(InfluxStore store, String run, List<Step> steps) {
        List<Map<String, Object>> rows = store.rows("SELECT step, path_length, displacement, step_length FROM distance WHERE run = '"
                + run + "'");
        Map<Long, Map<String, Object>> byStep = new HashMap<>();
        rows.forEach(row -> byStep.put(((Number) row.get("step")).longValue(), row));
        double path = 0;
        double[] sum = new double[steps.get(0).getDelta().getDimension()];
        for (Step s : steps) {
            float[] delta = Vectors.toFloats(s.getDelta());
            double ss = 0;
            for (int i = 0; i < delta.length; i++) {
                ss += (double) delta[i] * delta[i];
                sum[i] += delta[i];
            }
            path += Math.sqrt(ss);
            double disp = Math.sqrt(Arrays.stream(sum).map(v -> v * v).sum());
            Map<String, Object> row = byStep.get(s.getStep());
            assertThat(row).as("step " + s.getStep()).isNotNull();
            assertThat(((Number) row.get("path_length")).doubleValue()).isCloseTo(path, within(1e-9 * path));
            assertThat(((Number) row.get("displacement")).doubleValue()).isCloseTo(disp, within(1e-9 * disp));
        }
    }

    private static Step randomStep(Random r, String run, long t, int dim) {
        float[] g = new float[dim];
        float[] d = new float[dim];
        for (int i = 0; i < dim; i++) {
            g[i] = (float) r.nextGaussian();
            d[i] = (float) (-0.01 * g[i] + 0.001 * r.nextGaussian());
        }
        return SampleRecords.step(run, t, 1_700_000_000_000L + 10 * t, 3.0 / t, g, d);
    }
}
