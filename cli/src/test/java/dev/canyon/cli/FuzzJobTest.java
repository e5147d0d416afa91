package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RecordHandler;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.CrossRunDistance;
import dev.canyon.analytics.update.Position;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.DeadLetterHeaders;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.Topics;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.contract.proto.CurvatureProbe;
import dev.canyon.contract.proto.HessianProbe;
import dev.canyon.contract.proto.LinearPathProbe;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;
import dev.canyon.contract.proto.TelemetryHealth;
import dev.canyon.job.AnalyticsConfig;
import dev.canyon.job.CrossRunFunction;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.kernels.crossrun.CrossRunDistances;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.InfluxdProcess;
import dev.canyon.stack.TopicContents;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import dev.canyon.storage.UpdatePoints;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded fuzz of the live job through a real broker, job and influxd (issue 12): 10,000 mutated
 * records (bit flips, truncations, every numeric field of steps, probes and run records set to 0,
 * −1, the extremes of its type, NaN, ±∞ and 1e300, records on the wrong topic, a 60 MB garbage
 * record) interleaved with two valid runs. The job runs with Flink's restart strategy off, so any
 * exception a record raised would fail it: it must still be running at the end. Each mutated record
 * goes out under a key of its own, so what it should do is exactly what the analytics' own record
 * handler decides for it alone (the oracle): every record the oracle rejects is dead-lettered exactly
 * once with a reason, no record it accepts is, InfluxDB holds exactly the oracle's points, and the
 * valid runs' points equal those of a clean replay of just those runs.
 */
@Tag("real")
class FuzzJobTest {
    private static final long SEED = 20261130L;
    private static final int MUTATIONS = 10_000;
    private static final int VALID_STEPS = 300;
    private static final String VALID = "exp-valid";
    private static final String FUZZ = "exp-fuzz";
    private static final long T0 = 1_790_000_000_000L;
    /** Silence alerts depend on processing time; far away here, so that points compare exactly. */
    private static final AnalyticsSettings SETTINGS = AnalyticsSettings.builder()
            .stall(new dev.canyon.kernels.stall.StallDetector.Config(0.05, 500, 1e-3, Duration.ofHours(1), 10, 20)).build();

    @TempDir
    Path dir;

    /** One record as sent, where it landed, and what the oracle says of it. */
    record Sent(String topic, String key, byte[] value, String kind) {}

    @Test
    void mutatedRecordsAreStoredOnlyWhenValidAndOtherwiseDeadLetteredOnce() throws Exception {
        Random random = new Random(SEED);
        List<Sent> valid = validRuns();
        List<Sent> fuzz = new ArrayList<>();
        for (int i = 0; i < MUTATIONS; i++) {
            fuzz.add(mutate(i, random));
        }
        byte[] huge = new byte[60 << 20];
        random.nextBytes(huge);
        fuzz.add(new Sent(Topics.STEPS, "fuzz-huge", huge, "60 MB garbage"));

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
                InfluxdProcess influxd = InfluxdProcess.start(dir.resolve("influx"))) {
            TopicSetup.ensure(kafka.bootstrapServers());
            InfluxConfig live = InfluxConfig.of(influxd.url()).withDatabase("live");
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            StepAnalyticsJob.buildProduction(env, AnalyticsConfig.of(kafka.bootstrapServers(), live).withParallelism(2)
                    .withCheckpointInterval(Duration.ofSeconds(2)).withGroupId("fuzz").withAnalytics(SETTINGS));
            JobClient job = env.executeAsync("fuzz");
            Map<String, Sent> byOrigin = new HashMap<>();
            try {
                // Valid runs and mutations interleaved, in a seeded order.
                List<Sent> all = interleave(valid, fuzz, new Random(SEED + 1));
                Properties p = new Properties();
                p.put("bootstrap.servers", kafka.bootstrapServers());
                p.put("max.request.size", Integer.toString(Topics.MAX_RECORD_BYTES));
                p.put("buffer.memory", Long.toString(256L << 20));
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                    List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
                    for (Sent s : all) {
                        acks.add(producer.send(new ProducerRecord<>(s.topic(), s.key().getBytes(StandardCharsets.UTF_8), s.value())));
                    }
                    for (int i = 0; i < all.size(); i++) {
                        RecordMetadata m = acks.get(i).get();
                        byOrigin.put(m.topic() + "/" + m.partition() + "/" + m.offset(), all.get(i));
                    }
                }

                // The oracle: each key's records through the analytics' own handler, as the job would see them alone.
                Oracle oracle = oracle(valid, fuzz);
                assertThat(oracle.rejected).as("rejected mutations").hasSizeGreaterThan(MUTATIONS / 4);
                assertThat(oracle.accepted).as("accepted mutations (valid ones exist)").hasSizeGreaterThan(100);
                try (InfluxStore store = InfluxStore.connect(InfluxConfig.of(influxd.url()).withDatabase("oracle"))) {
                    store.write(oracle.points);
                }

                // Wait until every rejection is a dead letter and the stored points settle.
                long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
                List<ConsumerRecord<byte[], byte[]>> letters = List.of();
                while (System.nanoTime() < deadline) {
                    letters = TopicContents.readAll(kafka.bootstrapServers(), Topics.DEAD_LETTER, Duration.ofSeconds(30));
                    if (letters.size() >= oracle.rejected.size()) {
                        break;
                    }
                    assertThat(job.getJobStatus().get()).as("job status while records flow").isEqualTo(JobStatus.RUNNING);
                    Thread.sleep(1_000);
                }
                Thread.sleep(2_000);
                assertThat(job.getJobStatus().get()).as("the job never failed on data (restart strategy: none)")
                        .isEqualTo(JobStatus.RUNNING);

                // Every rejected record exactly once, with a reason; nothing accepted.
                letters = TopicContents.readAll(kafka.bootstrapServers(), Topics.DEAD_LETTER, Duration.ofSeconds(30));
                Map<String, Integer> lettered = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : letters) {
                    String origin = header(r, DeadLetterHeaders.SOURCE_TOPIC) + "/" + header(r, DeadLetterHeaders.SOURCE_PARTITION) + "/"
                            + header(r, DeadLetterHeaders.SOURCE_OFFSET);
                    assertThat(header(r, DeadLetterHeaders.REASON)).as("reason of dead letter %s", origin).isNotBlank();
                    lettered.merge(origin, 1, Integer::sum);
                }
                assertThat(lettered.values()).as("dead letters per record").allMatch(n -> n == 1);
                Map<String, String> expectedRejected = new LinkedHashMap<>();
                byOrigin.forEach((origin, s) -> {
                    if (oracle.rejected.containsKey(s)) {
                        expectedRejected.put(origin, s.kind() + ": " + oracle.rejected.get(s));
                    }
                });
                assertThat(lettered.keySet()).as("dead-lettered records").containsExactlyInAnyOrderElementsOf(expectedRejected.keySet());
                // The 60 MB record was cut, its size kept.
                assertThat(letters).anySatisfy(r -> assertThat(header(r, DeadLetterHeaders.ORIGINAL_SIZE)).isEqualTo(
                        Integer.toString(huge.length)));

                // Stored exactly what the oracle computes: accepted records' points, evidence of non-finite steps.
                assertThat(measured(influxd.url(), "live")).as("points the job stored")
                        .containsExactlyElementsOf(GoldenReplayTest.allPoints(influxd.url(), "oracle"));
            } finally {
                job.cancel().get();
            }

            // The valid runs equal a clean run of just those records.
            InfluxConfig clean = InfluxConfig.of(influxd.url()).withDatabase("clean");
            StreamExecutionEnvironment replay = StreamExecutionEnvironment.getExecutionEnvironment();
            StepAnalyticsJob.buildReplay(replay, kafka.bootstrapServers(), Map.of(), clean, -1, null, VALID, 1, SETTINGS);
            replay.execute("clean");
            List<String> validLive = measured(influxd.url(), "live").stream().filter(l -> l.contains("experiment=\"" + VALID + "\""))
                    .toList();
            assertThat(validLive).hasSizeGreaterThan(3 * 2 * VALID_STEPS).containsExactlyElementsOf(measured(influxd.url(), "clean"));
        }
    }

    /** What the oracle says. */
    static final class Oracle {
        final Map<Sent, String> rejected = new HashMap<>();
        final List<Sent> accepted = new ArrayList<>();
        final List<dev.canyon.storage.StoredPoint> points = new ArrayList<>();
    }

    private static Oracle oracle(List<Sent> valid, List<Sent> fuzz) {
        Oracle o = new Oracle();
        Map<String, RunAnalyzer> analyzers = new HashMap<>();
        List<Position> positions = new ArrayList<>();
        List<Update> updates = new ArrayList<>();
        // The valid runs: run-started, steps and probes, run-ended (their analytics do not depend on how topics interleave).
        List<Sent> ordered = new ArrayList<>();
        valid.stream().filter(s -> s.kind().equals("run-started")).forEach(ordered::add);
        valid.stream().filter(s -> s.topic().equals(Topics.STEPS)).forEach(ordered::add);
        valid.stream().filter(s -> s.kind().equals("run-ended")).forEach(ordered::add);
        ordered.addAll(fuzz);
        for (Sent s : ordered) {
            RunAnalyzer a = analyzers.computeIfAbsent(s.key(), k -> new RunAnalyzer(SETTINGS));
            RecordHandler.Outcome outcome = RecordHandler.handle(a, s.key(), s.topic(), s.value(), st -> 0L);
            if (outcome.accepted()) {
                o.accepted.add(s);
            } else {
                o.rejected.put(s, outcome.rejection());
            }
            for (Update u : outcome.updates()) {
                if (u instanceof Position p) {
                    positions.add(p);
                } else {
                    updates.add(u);
                }
            }
        }
        CrossRunDistances distances = new CrossRunDistances(CrossRunFunction.KEPT_PER_RUN);
        for (Position p : positions) {
            for (CrossRunDistances.Pair pair : distances.add(p.at().run(), p.at().step(), p.at().eventTimeMs(), p.theta())) {
                updates.add(CrossRunDistance.of(p.at().experiment(), pair));
            }
        }
        o.points.addAll(UpdatePoints.of(updates));
        return o;
    }

    private static List<Sent> validRuns() {
        List<Sent> out = new ArrayList<>();
        int dim = 12;
        for (String run : List.of("valid-a", "valid-b")) {
            out.add(new Sent(Topics.RUNS, run, WireRecords.encode(RunStarted.newBuilder().setRunId(run).setExperimentId(VALID)
                    .setEventTimeMs(T0).setInitialParameters(Vectors.full(new float[dim])).build()), "run-started"));
            Random r = new Random(run.hashCode());
            for (int t = 1; t <= VALID_STEPS; t++) {
                if (t % 25 == 0) {
                    out.add(new Sent(Topics.STEPS, run, WireRecords.encode(Probe.newBuilder().setRunId(run).setExperimentId(VALID)
                            .setStep(t).setEventTimeMs(T0 + 10L * t).setHessian(HessianProbe.newBuilder().setMaxEigenvalue(5 + r.nextDouble())
                                    .setMinEigenvalue(-r.nextDouble()).setTrace(7)).build()), "probe"));
                }
                out.add(new Sent(Topics.STEPS, run, WireRecords.encode(step(run, VALID, t, dim, r)), "step"));
            }
            out.add(new Sent(Topics.RUNS, run, WireRecords.encode(RunEnded.newBuilder().setRunId(run).setExperimentId(VALID)
                    .setSteps(VALID_STEPS).setEventTimeMs(T0 + 10_000).build()), "run-ended"));
        }
        return out;
    }

    private static Step step(String run, String experiment, long t, int dim, Random r) {
        float[] g = new float[dim];
        float[] d = new float[dim];
        double gg = 0;
        double dd = 0;
        for (int i = 0; i < dim; i++) {
            g[i] = (float) (r.nextGaussian() / (1 + i));
            d[i] = (float) (-0.05 * g[i] + (i == 0 ? 0.01 : 0));
            gg += (double) g[i] * g[i];
            dd += (double) d[i] * d[i];
        }
        return Step.newBuilder().setRunId(run).setExperimentId(experiment).setStep(t).setEventTimeMs(T0 + 10L * t)
                .setLoss(2.0 / Math.sqrt(t)).setLearningRate(0.1).setBatchSize(32).setEpoch(0).setExamplesSeen(32L * t)
                .setHealth(TelemetryHealth.newBuilder().setSent(t))
                .setScalars(StepScalars.newBuilder().setGradNorm(Math.sqrt(gg)).setDeltaNorm(Math.sqrt(dd)).setParamNorm(1.5)
                        .setDisplacement(Math.sqrt(dd)).setGradDotDelta(-0.05 * gg))
                .setGradient(Vectors.full(g)).setDelta(Vectors.full(d)).build();
    }

    /** Mutation {@code i}: a record of a run of its own ("fuzz-i"), mutated one of several ways. */
    private static Sent mutate(int i, Random r) {
        String run = "fuzz-" + i;
        long t = 1 + r.nextInt(49); // never an aligned step: no cross-run pairs among thousands of one-step runs
        Message base = switch (r.nextInt(7)) {
            case 0, 1 -> step(run, FUZZ, t, 6, r);
            case 2 -> { Step s = step(run, FUZZ, t, 6, r);
                        yield s.toBuilder().setGradient(Vectors.sketch(Vectors.toFloats(s.getGradient()), 6, 11))
                                .setDelta(Vectors.sketch(Vectors.toFloats(s.getDelta()), 6, 11)).build(); }
            case 3 -> Probe.newBuilder().setRunId(run).setExperimentId(FUZZ).setStep(t).setEventTimeMs(T0 + t)
                    .setCurvature(CurvatureProbe.newBuilder().setAlongStep(2).setAlongGradient(1.5).setStepNorm(0.1).setGradNorm(1)
                            .setBatchSize(32)).build();
            case 4 -> Probe.newBuilder().setRunId(run).setExperimentId(FUZZ).setStep(t).setEventTimeMs(T0 + t)
                    .setHessian(HessianProbe.newBuilder().setMaxEigenvalue(4).setMinEigenvalue(-0.5).setTrace(9).setIterations(20)).build();
            case 5 -> Probe.newBuilder().setRunId(run).setExperimentId(FUZZ).setStep(t).setEventTimeMs(T0 + t)
                    .setLinearPath(LinearPathProbe.newBuilder().addAllAlpha(List.of(0.0, 0.5, 1.0)).addAllTrainLoss(List.of(2.0, 1.0, 0.5))
                            .addAllValidationLoss(List.of(2.1, 1.2, 0.6))).build();
            default -> r.nextBoolean()
                    ? RunStarted.newBuilder().setRunId(run).setExperimentId(FUZZ).setEventTimeMs(T0).setParameterCount(6)
                            .setBatchSize(32).setLearningRate(0.1).setInitialParameters(Vectors.full(new float[6])).build()
                    : RunEnded.newBuilder().setRunId(run).setExperimentId(FUZZ).setEventTimeMs(T0).setSteps(t).setFinalLoss(0.5).build();
        };
        boolean lifecycle = base instanceof RunStarted || base instanceof RunEnded;
        String topic = lifecycle ? Topics.RUNS : Topics.STEPS;
        int how = r.nextInt(20);
        if (how == 0) {
            // The wrong topic.
            return new Sent(lifecycle ? Topics.STEPS : Topics.RUNS, run, encode(base), "wrong topic " + base.getClass().getSimpleName());
        }
        if (how <= 6) {
            byte[] bytes = encode(base);
            int flips = 1 + r.nextInt(8);
            for (int f = 0; f < flips; f++) {
                int bit = r.nextInt(bytes.length * 8);
                bytes[bit / 8] ^= (byte) (1 << (bit % 8));
            }
            return new Sent(topic, run, bytes, flips + " bit flips of " + base.getClass().getSimpleName());
        }
        if (how <= 9) {
            byte[] bytes = encode(base);
            return new Sent(topic, run, java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length)), "truncated "
                    + base.getClass().getSimpleName());
        }
        List<String> fields = new ArrayList<>();
        numericFields(base, "", fields);
        String field = fields.get(r.nextInt(fields.size()));
        Object[] values = {0, -1, "min", "max", Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e300};
        Object value = values[r.nextInt(values.length)];
        return new Sent(topic, run, encode(set(base, field, value)), base.getClass().getSimpleName() + "." + field + " = " + value);
    }

    private static byte[] encode(Message m) {
        if (m instanceof Step s) {
            return WireRecords.encode(s);
        } else if (m instanceof Probe p) {
            return WireRecords.encode(p);
        } else if (m instanceof RunStarted s) {
            return WireRecords.encode(s);
        }
        return WireRecords.encode((RunEnded) m);
    }

    /** Dotted paths of the numeric fields set in {@code m} (repeated ones by their first element). */
    private static void numericFields(Message m, String prefix, List<String> out) {
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            FieldDescriptor fd = e.getKey();
            String path = prefix + fd.getName();
            if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !fd.isRepeated()) {
                numericFields((Message) e.getValue(), path + ".", out);
            } else if (isNumeric(fd)) {
                out.add(path);
            }
        }
    }

    private static boolean isNumeric(FieldDescriptor fd) {
        return switch (fd.getJavaType()) {
            case INT, LONG, FLOAT, DOUBLE -> true;
            default -> false;
        };
    }

    /** {@code m} with the numeric field at {@code path} set to {@code value} ("min"/"max": the extremes of its type). */
    private static Message set(Message m, String path, Object value) {
        Message.Builder b = m.toBuilder();
        int dot = path.indexOf('.');
        if (dot >= 0) {
            FieldDescriptor fd = m.getDescriptorForType().findFieldByName(path.substring(0, dot));
            b.setField(fd, set((Message) m.getField(fd), path.substring(dot + 1), value));
            return b.build();
        }
        FieldDescriptor fd = m.getDescriptorForType().findFieldByName(path);
        Object v = convert(fd, value);
        if (fd.isRepeated()) {
            b.setRepeatedField(fd, 0, v);
        } else {
            b.setField(fd, v);
        }
        return b.build();
    }

    private static Object convert(FieldDescriptor fd, Object value) {
        double d = value instanceof Integer n ? n : value instanceof Double x ? x : Double.NaN;
        return switch (fd.getJavaType()) {
            case INT -> value.equals("min") ? Integer.MIN_VALUE : value.equals("max") ? Integer.MAX_VALUE : (int) d;
            case LONG -> value.equals("min") ? Long.MIN_VALUE : value.equals("max") ? Long.MAX_VALUE : (long) d;
            case FLOAT -> value.equals("min") ? -Float.MAX_VALUE : value.equals("max") ? Float.MAX_VALUE : (float) d;
            default -> value.equals("min") ? -Double.MAX_VALUE : value.equals("max") ? Double.MAX_VALUE : d;
        };
    }

    private static List<Sent> interleave(List<Sent> valid, List<Sent> fuzz, Random r) {
        List<Sent> out = new ArrayList<>(valid.size() + fuzz.size());
        int v = 0;
        int f = 0;
        while (v < valid.size() || f < fuzz.size()) {
            boolean takeValid = f >= fuzz.size() || (v < valid.size() && r.nextInt(valid.size() + fuzz.size()) < valid.size());
            out.add(takeValid ? valid.get(v++) : fuzz.get(f++));
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Every point but the live job's own health (processing times). */
    private static List<String> measured(String url, String db) throws Exception {
        return GoldenReplayTest.allPoints(url, db).stream().filter(l -> !l.startsWith(Measurements.PIPELINE + " ")
                && !l.startsWith(Measurements.DEAD_LETTERS + " ")).toList();
    }
}
