package dev.canyon.cli;

import dev.canyon.job.AnalyticsConfig;
import dev.canyon.job.StepAnalyticsFunction;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.contract.Topics;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;
import dev.canyon.kernels.sketch.CountSketch;
import dev.canyon.stack.LocalStack;
import dev.canyon.storage.InfluxConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Future;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code canyon bench throughput}: the analytics job's throughput on sketch-mode step records
 * against a bare Kafka consumer reading the same topic on the same machine (DESIGN.md: at least
 * 50 % of it, and at least 20,000 steps/s on 2 cores), and replay's steps per second.
 *
 * <p>Method: an embedded broker and influxd in a temporary directory; {@code steps} synthetic
 * step records of {@code runs} runs in sketch mode (k-dimensional gradient and delta sketches, as
 * the trainer sends by default) written to {@code canyon.steps}; then, on the same backlog, (1) a
 * bare consumer reading every record (bytes only) from the beginning, (2) the live job (production
 * wiring: Kafka source, checkpoints, InfluxDB sink) started on the backlog, timed until InfluxDB
 * holds every step's point, and (3) the bounded replay into another database, timed to its end.
 * Rates are reported both over the whole wall time (including start-up) and, for the live job,
 * from its first stored point to its last (steady state).
 */
final class ThroughputBenchmark {

    record Options(int steps, int runs, int sketchSize, int parallelism, boolean discardPoints, Path work) {}

    private ThroughputBenchmark() {}

    static Map<String, Object> run(Options o, PrintStream log) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "throughput");
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("steps", o.steps());
        out.put("runs", o.runs());
        out.put("sketch_size", o.sketchSize());
        out.put("parallelism", o.parallelism());
        out.put("points", o.discardPoints() ? "discarded" : "influxdb");
        // The JIT's options matter as much as the code at this size (docs/benchmarks.md): "tiered" when none were given.
        String jit = String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:TieredStopAtLevel=") || a.endsWith("TieredCompilation")).toList());
        out.put("jit", jit.isEmpty() ? "tiered" : jit);
        try (LocalStack stack = LocalStack.start(o.work())) {
            String bootstrap = stack.kafka().bootstrapServers();
            TopicSetup.ensure(bootstrap);
            long bytes = produce(bootstrap, o, log);
            out.put("record_bytes", bytes / o.steps());

            double consumerSeconds = consume(bootstrap, o.steps());
            out.put("consumer_seconds", consumerSeconds);
            out.put("consumer_steps_per_s", o.steps() / consumerSeconds);
            log.printf("bench: bare consumer read %,d records in %.2f s (%,.0f/s)%n", o.steps(), consumerSeconds,
                    o.steps() / consumerSeconds);

            InfluxConfig live = InfluxConfig.of(stack.influxd().url()).withDatabase("bench_live");
            double[] job = live(bootstrap, live, o, log);
            out.put("job_wall_seconds", job[0]);
            out.put("job_steps_per_s_wall", o.steps() / job[0]);
            out.put("job_steady_seconds", job[1]);
            out.put("job_steps_per_s", o.steps() / job[1]);
            out.put("job_vs_consumer", (o.steps() / job[1]) / (o.steps() / consumerSeconds));
            out.put("job_steps_per_s_second_half", job[2]);
            out.put("job_cpu_us_per_step", job[3] / 1e3 / o.steps());
            log.printf("bench: live job stored %,d steps in %.2f s wall, %.2f s from first to last point (%,.0f steps/s)%n",
                    o.steps(), job[0], job[1], o.steps() / job[1]);
            log.printf("bench: live job's second half %,.0f steps/s; %.0f us of this JVM's CPU per step%n", job[2], job[3] / 1e3 / o.steps());

            Replay.Summary replay = Replay.run(new Replay.Options(bootstrap, Map.of(),
                    InfluxConfig.of(stack.influxd().url()).withDatabase("bench_replay"), -1, null, null), log);
            out.put("replay_steps", replay.stepsReplayed());
            out.put("replay_seconds", replay.seconds());
            out.put("replay_steps_per_s", replay.stepsPerSecond());
            log.printf("bench: replay of %,d steps in %.2f s (%,.0f steps/s, start-up included)%n", replay.stepsReplayed(),
                    replay.seconds(), replay.stepsPerSecond());
        }
        return out;
    }

    /** Writes the step records; returns the bytes written. Every send is checked. */
    private static long produce(String bootstrap, Options o, PrintStream log) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", "20");
        p.put("batch.size", Integer.toString(1 << 20));
        p.put("compression.type", "none");
        int d = 500_000;
        CountSketch sketch = new CountSketch(d, o.sketchSize(), CountSketch.seedFor("bench"));
        Random r = new Random(42);
        float[] g = new float[o.sketchSize()];
        float[] delta = new float[o.sketchSize()];
        long bytes = 0;
        ProgressBar bar = new ProgressBar(log, "write", o.steps());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> pending = new ArrayList<>();
            int perRun = o.steps() / o.runs();
            for (int t = 1; t <= perRun; t++) {
                for (int run = 0; run < o.runs(); run++) {
                    for (int i = 0; i < g.length; i++) {
                        g[i] = (float) r.nextGaussian();
                        delta[i] = -0.01f * g[i] + (float) (0.001 * r.nextGaussian());
                    }
                    Step s = Step.newBuilder().setRunId("bench-" + run).setExperimentId("bench").setStep(t)
                            .setEventTimeMs(1_700_000_000_000L + 10L * t).setLoss(2.0 / Math.sqrt(t) + 0.01 * r.nextGaussian())
                            .setLearningRate(0.1).setBatchSize(64).setExamplesSeen(64L * t)
                            .setScalars(StepScalars.newBuilder().setGradNorm(1 + r.nextDouble()).setDeltaNorm(0.01)
                                    .setParamNorm(20).setDisplacement(0.01 * Math.sqrt(t)).setGradDotDelta(-0.01)
                                    .setGradDotPrevGrad(t > 1 ? 0.5 : 0).setGradDotPrevDelta(t > 1 ? -0.005 : 0))
                            .setGradient(Vectors.sketch(g, d, sketch.seed()))
                            .setDelta(Vectors.sketch(delta, d, sketch.seed()))
                            .build();
                    byte[] value = WireRecords.encode(s);
                    bytes += value.length;
                    pending.add(producer.send(new ProducerRecord<>(Topics.STEPS, s.getRunId(), value)));
                }
                if (pending.size() >= 2000 || t == perRun) {
                    for (Future<RecordMetadata> f : pending) {
                        f.get();
                    }
                    pending.clear();
                    bar.update((long) t * o.runs(), "");
                }
            }
        }
        return bytes;
    }

    /** Seconds a bare consumer takes to read {@code n} records of the step topic from the beginning. */
    private static double consume(String bootstrap, int n) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("max.partition.fetch.bytes", Integer.toString(Topics.MAX_RECORD_BYTES));
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(Topics.STEPS).stream()
                    .map(i -> new TopicPartition(Topics.STEPS, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long start = System.nanoTime();
            long read = 0;
            long sink = 0;
            while (read < n) {
                for (var rec : c.poll(Duration.ofMillis(200))) {
                    sink += rec.value().length;
                    read++;
                }
                if (System.nanoTime() - start > Duration.ofMinutes(5).toNanos()) {
                    throw new IllegalStateException("bare consumer read only " + read + " of " + n + " records in 5 minutes");
                }
            }
            if (sink == 0) {
                throw new IllegalStateException("read no bytes");
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /**
     * The live job on the backlog: {wall seconds until done, seconds from the first step done to the
     * last, steps per second from half the steps done to the last (once the JIT has compiled the
     * analytics), CPU nanoseconds this JVM used meanwhile (broker, job, JIT and GC; not influxd)}.
     * Done: every step's point is in InfluxDB, or with discarded points every step accepted.
     */
    private static double[] live(String bootstrap, InfluxConfig influx, Options o, PrintStream log) throws Exception {
        StreamExecutionEnvironment env = dev.canyon.job.LocalCluster.environment(new org.apache.flink.configuration.Configuration());
        AnalyticsConfig config = AnalyticsConfig.of(bootstrap, influx).withParallelism(o.parallelism())
                .withGroupId("bench-" + System.nanoTime());
        if (o.discardPoints()) {
            env.enableCheckpointing(config.checkpointInterval().toMillis());
            env.setParallelism(config.parallelism());
            StepAnalyticsJob.build(StepAnalyticsJob.records(env, StepAnalyticsJob.kafkaSource(config), null),
                    new StepAnalyticsJob.Sinks(new CountingSink(), StepAnalyticsJob.deadLetterSink(config),
                            StepAnalyticsJob.alertSink(config)), config.analytics(), false);
        } else {
            StepAnalyticsJob.buildProduction(env, config);
        }
        CountingSink.TRAINING_POINTS.set(0);
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        JobClient job = env.executeAsync(StepAnalyticsJob.NAME);
        ProgressBar bar = new ProgressBar(log, "job", o.steps());
        long first = -1;
        long half = -1;
        long halfDone = 0;
        try (var store = dev.canyon.storage.InfluxStore.connect(influx)) {
            while (true) {
                long done = 0;
                if (o.discardPoints()) {
                    done = CountingSink.TRAINING_POINTS.get();
                } else {
                    for (var row : store.rows("SELECT count(loss) FROM training")) {
                        done += ((Number) row.get("count")).longValue();
                    }
                }
                long now = System.nanoTime();
                if (done > 0 && first < 0) {
                    first = now;
                }
                if (done >= o.steps() / 2 && half < 0) {
                    half = now;
                    halfDone = done;
                }
                bar.update(done, "");
                if (done >= o.steps()) {
                    return new double[] {(now - start) / 1e9, (now - first) / 1e9, (o.steps() - halfDone) / ((now - half) / 1e9),
                            os.getProcessCpuTime() - cpuStart};
                }
                if (now - start > Duration.ofMinutes(10).toNanos()) {
                    throw new IllegalStateException("the job did only " + done + " of " + o.steps() + " steps in 10 minutes");
                }
                Thread.sleep(100);
            }
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Maps what it is given to points as the InfluxDB sink does, counts the steps and drops
     * everything: the job's pace without a database. Counts in a static, so only meaningful on the
     * local MiniCluster the benchmark uses.
     */
    static final class CountingSink implements org.apache.flink.api.connector.sink2.Sink<dev.canyon.analytics.update.Update> {
        private static final long serialVersionUID = 1L;
        static final java.util.concurrent.atomic.AtomicLong TRAINING_POINTS = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public org.apache.flink.api.connector.sink2.SinkWriter<dev.canyon.analytics.update.Update> createWriter(
                org.apache.flink.api.connector.sink2.WriterInitContext context) {
            return new org.apache.flink.api.connector.sink2.SinkWriter<>() {
                @Override
                public void write(dev.canyon.analytics.update.Update u, Context c) {
                    dev.canyon.storage.UpdatePoints.of(u);
                    if (u instanceof dev.canyon.analytics.update.StepMeasured) {
                        TRAINING_POINTS.incrementAndGet();
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
