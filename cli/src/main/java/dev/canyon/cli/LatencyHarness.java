package dev.canyon.cli;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.Topics;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Alert;
import dev.canyon.job.AnalyticsConfig;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The live job as {@code canyon stack} runs it (Kafka source, checkpoints every 5 s to a folder,
 * per-run analytics, InfluxDB sink, alerts to {@code canyon.alerts}), fed at a fixed rate by a
 * producer with the trainer's settings, and watched: an InfluxDB poller that finds when each step's
 * points became queryable, and a consumer of {@code canyon.alerts}.
 *
 * <p>Publication time: {@code System.nanoTime()} just before {@code KafkaProducer.send} is called
 * with the encoded record (the point where the trainer hands a step to Kafka). Stored: the step's
 * {@code distance} point, the last of the three per-step points ({@code training}, {@code gradient},
 * {@code distance}, written in that order by one sink writer), is returned by a query. The poller
 * asks, every {@code pollMs}, {@code SELECT max("step") FROM "distance" WHERE "experiment" = ... AND
 * time >= <oldest step not yet seen> GROUP BY "run"}; a step is accounted at the moment the answer
 * arrived (an upper bound; see {@link LatencyAccounting}).
 */
final class LatencyHarness implements AutoCloseable {
    private final InfluxStore store;
    private final JobClient job;
    private final KafkaProducer<String, byte[]> producer;
    private final AlertWatcher alerts;
    private final int pollMs;
    private final int sketchSize;
    private final PrintStream log;
    private long seed = 7;

    /**
     * Starts the job on {@code bootstrap} and {@code influx} with {@code parallelism}, its checkpoints
     * in {@code checkpoints}.
     */
    LatencyHarness(String bootstrap, InfluxConfig influx, int parallelism, Path checkpoints, int pollMs, int sketchSize,
            JobTuning tuning, PrintStream log) throws Exception {
        this.pollMs = pollMs;
        this.sketchSize = sketchSize;
        this.log = log;
        Configuration conf = dev.canyon.job.LocalCluster.secure(new Configuration());
        dev.canyon.job.Checkpoints.configure(conf, checkpoints);
        if (tuning.bufferTimeoutMs() >= 0) {
            conf.setString("execution.buffer-timeout.interval", tuning.bufferTimeoutMs() + " ms");
        }
        StreamExecutionEnvironment env = dev.canyon.job.LocalCluster.environment(conf);
        AnalyticsConfig config = AnalyticsConfig.of(bootstrap, influx).withCheckpointInterval(Duration.ofSeconds(5))
                .withParallelism(parallelism).withGroupId("bench-latency-" + System.nanoTime())
                .startingAt(System.currentTimeMillis());
        if (tuning.flushMs() > 0) {
            config = config.toBuilder().flushInterval(Duration.ofMillis(tuning.flushMs())).build();
        }
        StepAnalyticsJob.buildProduction(env, config);
        this.job = env.executeAsync(StepAnalyticsJob.NAME);
        this.store = InfluxStore.connect(influx);
        this.producer = new KafkaProducer<>(producerProperties(bootstrap), new StringSerializer(), new ByteArraySerializer());
        this.alerts = new AlertWatcher(bootstrap);
    }

    /**
     * Settings to try against the deployed defaults: the Flink network buffer timeout and the
     * InfluxDB sink's flush interval, in ms; -1 (0 for the flush) keeps what the job sets.
     */
    record JobTuning(long bufferTimeoutMs, long flushMs) {
        static final JobTuning DEPLOYED = new JobTuning(-1, 0);
    }

    /**
     * The trainer's producer settings ({@link TelemetryConfig#producerProperties}: idempotent,
     * acks=all, linger 5 ms, ...) but for batch.size, 1 MiB instead of Kafka's 16 KiB: one producer
     * here carries every run's steps, where each trainer has its own, and with 16 KiB batches (one
     * 8.7 KB step each) it could not send more than about 2,000 steps/s on 2 cores; and max.block.ms,
     * Kafka's default 60 s instead of the trainer's step budget, because the benchmark has no journal
     * to fall back on.
     */
    static Properties producerProperties(String bootstrap) {
        Properties p = TelemetryConfig.builder().bootstrapServers(bootstrap).run("bench", "bench-latency").build()
                .producerProperties();
        p.put("batch.size", Integer.toString(1 << 20));
        p.put("max.block.ms", "60000");
        p.put("client.id", "canyon-bench-latency");
        return p;
    }

    /** One measured load: what {@link #measure} reports. */
    record Phase(Map<String, Object> result, boolean complete) {}

    /**
     * Publishes {@code runs} runs of {@code layout} at {@code rate} steps/s in total for {@code
     * seconds} (run-started records first, run-ended records after), steps round-robin over the
     * runs, and reports the publication-to-stored latency of every step.
     */
    Phase measure(String label, double rate, int runs, double seconds, SyntheticRuns.Layout layout) throws Exception {
        int stepsPerRun = Math.max(1, (int) Math.round(rate * seconds / runs));
        String experiment = "latency-" + label;
        SyntheticRuns synth = new SyntheticRuns(experiment, layout, sketchSize, seed++);
        String[] ids = new String[runs];
        Map<String, Integer> index = new HashMap<>();
        for (int r = 0; r < runs; r++) {
            ids[r] = experiment + "-run-" + r;
            index.put(ids[r], r);
        }
        startRuns(synth, ids);
        LatencyAccounting acc = new LatencyAccounting(runs, stepsPerRun);
        long total = (long) runs * stepsPerRun;
        ProgressBar bar = new ProgressBar(log, "latency " + label, total);
        Poller poller = new Poller(experiment, index, acc, bar);
        Thread pollThread = new Thread(poller, "bench-latency-poller");
        pollThread.setDaemon(true);
        pollThread.start();
        AtomicLongArray acks = new AtomicLongArray((int) total);
        long[] sent = new long[(int) total];
        long start = System.nanoTime() + 20_000_000L;
        long maxBehind = 0;
        for (int n = 0; n < total; n++) {
            long target = start + (long) (n * 1e9 / rate);
            long behind = waitUntil(target);
            maxBehind = Math.max(maxBehind, behind);
            int run = n % runs;
            long step = n / runs + 1;
            long eventMs = System.currentTimeMillis();
            byte[] value = synth.step(ids[run], step, eventMs, synth.loss(step));
            long now = System.nanoTime();
            acc.published(run, step, now, eventMs);
            sent[n] = now;
            final int i = n;
            producer.send(new ProducerRecord<>(Topics.STEPS, ids[run], value), (md, e) -> {
                if (e == null) {
                    acks.set(i, System.nanoTime());
                } else {
                    log.println("bench: a step was not acknowledged: " + e);
                }
            });
        }
        long publishEnd = System.nanoTime();
        producer.flush();
        pollThread.join(Duration.ofSeconds(Math.max(60, (long) seconds * 3)).toMillis());
        poller.stop = true;
        pollThread.join();
        if (poller.failure != null) {
            throw new IllegalStateException("polling InfluxDB failed: " + poller.failure.getMessage(), poller.failure);
        }
        endRuns(synth, ids, stepsPerRun);

        double[] lat = acc.sortedLatenciesMs();
        double[] ackMs = new double[(int) total];
        int acked = 0;
        for (int n = 0; n < total; n++) {
            if (acks.get(n) != 0) {
                ackMs[acked++] = (acks.get(n) - sent[n]) / 1e6;
            }
        }
        ackMs = Arrays.copyOf(ackMs, acked);
        Arrays.sort(ackMs);
        long stored = countStored(experiment);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("steps_per_s", rate);
        out.put("runs", runs);
        out.put("seconds", seconds);
        out.put("steps", total);
        out.put("published_steps_per_s", total / ((publishEnd - start) / 1e9));
        out.put("max_publish_delay_ms", maxBehind / 1e6);
        out.put("seen_steps", lat.length);
        out.put("stored_steps", stored);
        out.put("all_steps_stored", lat.length == total && stored == total);
        out.put("p50_ms", round(LatencyAccounting.percentile(lat, 50)));
        out.put("p99_ms", round(LatencyAccounting.percentile(lat, 99)));
        out.put("max_ms", lat.length == 0 ? null : round(lat[lat.length - 1]));
        out.put("mean_ms", round(Arrays.stream(lat).average().orElse(Double.NaN)));
        out.put("ack_p50_ms", round(LatencyAccounting.percentile(ackMs, 50)));
        out.put("ack_p99_ms", round(LatencyAccounting.percentile(ackMs, 99)));
        out.put("polls", poller.polls);
        out.put("mean_query_ms", round(poller.polls == 0 ? Double.NaN : poller.queryNanos / 1e6 / poller.polls));
        log.printf("bench: %s: %,d steps of %d runs at %.0f steps/s: p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d of %d seen)%n", label,
                total, runs, rate, LatencyAccounting.percentile(lat, 50), LatencyAccounting.percentile(lat, 99),
                lat.length == 0 ? Double.NaN : lat[lat.length - 1], lat.length, total);
        return new Phase(out, lat.length == total);
    }

    private static Double round(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 10) / 10.0;
    }

    /**
     * Plants two alert conditions among {@code background} healthy runs, all at {@code rate} steps/s
     * in total: a run whose loss is NaN at one step (divergence opens at that step: the step is
     * dead-lettered and counts as divergence evidence), and a run whose loss stays constant from step
     * 1, so that its smoothed loss never improves on the best it set at step 1 and the plateau
     * condition ({@code patience} steps without improvement) is met at step 1 + patience. Reports,
     * for each, the time from the publication of that step to the alert record on {@code
     * canyon.alerts}.
     */
    Map<String, Object> alerts(double rate, int background) throws Exception {
        long patience = AnalyticsSettings.defaults().stall().patienceSteps();
        long plateauStep = 1 + patience;
        long divergenceStep = Math.min(200, plateauStep);
        int stepsPerRun = (int) plateauStep + 50;
        String experiment = "latency-alerts";
        SyntheticRuns synth = new SyntheticRuns(experiment, SyntheticRuns.Layout.ofParameters(508_810), sketchSize, seed++);
        int runs = background + 2;
        String[] ids = new String[runs];
        for (int r = 0; r < background; r++) {
            ids[r] = experiment + "-run-" + r;
        }
        String plateauRun = experiment + "-plateau";
        String divergenceRun = experiment + "-divergence";
        ids[background] = plateauRun;
        ids[background + 1] = divergenceRun;
        List<LongFunction<Double>> losses = new ArrayList<>();
        for (int r = 0; r < background; r++) {
            losses.add(synth::loss);
        }
        losses.add(t -> 1.0);
        losses.add(t -> t == divergenceStep ? Double.NaN : synth.loss(t));
        startRuns(synth, ids);
        long plateauPublished = 0;
        long divergencePublished = 0;
        long total = (long) runs * stepsPerRun;
        long start = System.nanoTime() + 20_000_000L;
        ProgressBar bar = new ProgressBar(log, "alerts", total);
        for (int n = 0; n < total; n++) {
            waitUntil(start + (long) (n * 1e9 / rate));
            int run = n % runs;
            long step = n / runs + 1;
            byte[] value = synth.step(ids[run], step, System.currentTimeMillis(), losses.get(run).apply(step));
            long now = System.nanoTime();
            if (run == background && step == plateauStep) {
                plateauPublished = now;
            } else if (run == background + 1 && step == divergenceStep) {
                divergencePublished = now;
            }
            producer.send(new ProducerRecord<>(Topics.STEPS, ids[run], value));
            if (n % 100 == 0) {
                bar.update(n, "");
            }
        }
        bar.update(total, "");
        producer.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && (alerts.opened(plateauRun, Alert.Kind.PLATEAU) == null
                || alerts.opened(divergenceRun, Alert.Kind.DIVERGENCE) == null)) {
            Thread.sleep(20);
        }
        endRuns(synth, ids, stepsPerRun);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("steps_per_s", rate);
        out.put("runs", runs);
        out.put("divergence", alertResult(alerts.opened(divergenceRun, Alert.Kind.DIVERGENCE), divergenceStep, divergencePublished,
                "loss NaN at step " + divergenceStep));
        out.put("plateau", alertResult(alerts.opened(plateauRun, Alert.Kind.PLATEAU), plateauStep, plateauPublished,
                "constant loss from step 1; patience " + patience + " steps"));
        log.printf("bench: alerts: divergence %s ms, plateau %s ms after their condition's step was published%n",
                ((Map<?, ?>) out.get("divergence")).get("latency_ms"), ((Map<?, ?>) out.get("plateau")).get("latency_ms"));
        return out;
    }

    private static Map<String, Object> alertResult(AlertWatcher.Seen seen, long conditionStep, long publishedNanos, String planted) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("planted", planted);
        out.put("condition_step", conditionStep);
        out.put("alert_step", seen == null ? null : seen.step());
        out.put("latency_ms", seen == null ? null : round((seen.nanos() - publishedNanos) / 1e6));
        return out;
    }

    private void startRuns(SyntheticRuns synth, String[] ids) throws Exception {
        for (String id : ids) {
            producer.send(new ProducerRecord<>(Topics.RUNS, id, synth.runStarted(id, System.currentTimeMillis()))).get();
        }
    }

    private void endRuns(SyntheticRuns synth, String[] ids, long steps) throws Exception {
        for (String id : ids) {
            producer.send(new ProducerRecord<>(Topics.RUNS, id, synth.runEnded(id, System.currentTimeMillis(), steps, 0.1))).get();
        }
    }

    /** Parks until {@code target} (System.nanoTime); returns how late it already was (ns, ≥ 0). */
    private static long waitUntil(long target) {
        long now;
        while ((now = System.nanoTime()) < target) {
            LockSupport.parkNanos(target - now);
        }
        return now - target;
    }

    private long countStored(String experiment) {
        long n = 0;
        for (var row : store.rows("SELECT count(\"" + Measurements.FIELD_STEP + "\") FROM \"" + Measurements.TRAINING + "\" WHERE \""
                + Measurements.TAG_EXPERIMENT + "\" = " + InfluxStore.quoteString(experiment))) {
            n += ((Number) row.get("count")).longValue();
        }
        return n;
    }

    /** Polls InfluxDB for the highest stored step per run until every step is seen or it is stopped. */
    private final class Poller implements Runnable {
        private final String experiment;
        private final Map<String, Integer> index;
        private final LatencyAccounting acc;
        private final ProgressBar bar;
        volatile boolean stop;
        volatile Exception failure;
        long polls;
        long queryNanos;

        Poller(String experiment, Map<String, Integer> index, LatencyAccounting acc, ProgressBar bar) {
            this.experiment = experiment;
            this.index = index;
            this.acc = acc;
            this.bar = bar;
        }

        @Override
        public void run() {
            long next = System.nanoTime();
            try {
                while (!stop && !acc.complete()) {
                    next += TimeUnit.MILLISECONDS.toNanos(pollMs);
                    long oldest = acc.oldestUnseenEventMs();
                    if (oldest != Long.MAX_VALUE) {
                        long asked = System.nanoTime();
                        List<Map<String, Object>> rows = store.rows("SELECT max(\"" + Measurements.FIELD_STEP + "\") FROM \""
                                + Measurements.DISTANCE + "\" WHERE \"" + Measurements.TAG_EXPERIMENT + "\" = "
                                + InfluxStore.quoteString(experiment) + " AND time >= " + (oldest - 1) + "ms GROUP BY \""
                                + Measurements.TAG_RUN + "\"");
                        long answered = System.nanoTime();
                        polls++;
                        queryNanos += answered - asked;
                        for (Map<String, Object> row : rows) {
                            Integer run = index.get(String.valueOf(row.get(Measurements.TAG_RUN)));
                            if (run != null && row.get("max") != null) {
                                acc.visible(run, ((Number) row.get("max")).longValue(), answered);
                            }
                        }
                        bar.update(acc.counted(), "");
                    }
                    waitUntil(next);
                }
            } catch (Exception e) {
                failure = e;
            }
        }
    }

    /** Reads {@code canyon.alerts} from its end in a thread of its own, noting when each alert first opened. */
    static final class AlertWatcher implements AutoCloseable {
        record Seen(long nanos, long step) {}

        private final Map<String, Seen> opened = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean stop;
        private volatile boolean ready;

        AlertWatcher(String bootstrap) throws InterruptedException {
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("fetch.max.wait.ms", "10");
            thread = new Thread(() -> {
                try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
                    List<TopicPartition> parts = c.partitionsFor(Topics.ALERTS).stream()
                            .map(i -> new TopicPartition(Topics.ALERTS, i.partition())).toList();
                    c.assign(parts);
                    c.seekToEnd(parts);
                    parts.forEach(c::position);
                    ready = true;
                    while (!stop) {
                        for (var rec : c.poll(Duration.ofMillis(20))) {
                            long now = System.nanoTime();
                            WireRecords.Decoded d;
                            try {
                                d = WireRecords.decode(rec.value());
                            } catch (RuntimeException notAnAlert) {
                                continue;
                            }
                            if (d instanceof WireRecords.DecodedAlert a && a.record().getOpen()) {
                                opened.putIfAbsent(a.runId() + "|" + a.record().getKind(), new Seen(now, a.record().getStep()));
                            }
                        }
                    }
                }
            }, "bench-latency-alerts");
            thread.setDaemon(true);
            thread.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!ready && thread.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            if (!ready) {
                throw new IllegalStateException("could not start reading " + Topics.ALERTS);
            }
        }

        /** When the alert of {@code kind} first opened for {@code run}; null if it has not. */
        Seen opened(String run, Alert.Kind kind) {
            return opened.get(run + "|" + kind);
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(5000);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            alerts.close();
            producer.close(Duration.ofSeconds(10));
            store.close();
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }
}
