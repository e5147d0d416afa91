package dev.canyon.cli;

import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.LocalStack;
import dev.canyon.storage.InfluxConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code canyon bench latency}: how long after a trainer publishes a step its points are
 * queryable in InfluxDB, at fixed rates, and how long after a step meets an alert's condition the
 * alert is on {@code canyon.alerts} (issue 14: p99 ≤ 1,000 ms at 1,000 steps/s, alerts within 2 s).
 * An embedded broker and influxd in a temporary folder and the live job as {@code canyon stack}
 * runs it ({@link LatencyHarness}); each rate on fresh runs of its own experiment, after an
 * unreported warm-up.
 */
final class LatencyBenchmark {
    record Options(double[] rates, int runs, double seconds, int parallelism, int pollMs, int sketchSize, double alertRate,
            boolean alerts, LatencyHarness.JobTuning tuning, Path work) {}

    /** Issue 14's targets. */
    static final double TARGET_P99_MS = 1000;
    static final double TARGET_RATE = 1000;
    static final double TARGET_ALERT_MS = 2000;

    private LatencyBenchmark() {}

    static Map<String, Object> run(Options o, PrintStream log) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "latency");
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("parallelism", o.parallelism());
        out.put("sketch_size", o.sketchSize());
        out.put("poll_interval_ms", o.pollMs());
        out.put("buffer_timeout_ms", o.tuning().bufferTimeoutMs() >= 0 ? o.tuning().bufferTimeoutMs() : "as deployed");
        out.put("flush_interval_ms", o.tuning().flushMs() > 0 ? o.tuning().flushMs() : "as deployed");
        out.put("published_at", "KafkaProducer.send called (one producer for all runs with the trainer's settings: acks=all, idempotent, linger.ms 5; but batch.size 1 MiB)");
        out.put("stored_at", "the step's distance point (last of training, gradient, distance) returned by an InfluxDB query; "
                + "upper bound, resolution poll interval + query time");
        try (LocalStack stack = LocalStack.start(o.work().resolve("stack"))) {
            String bootstrap = stack.kafka().bootstrapServers();
            TopicSetup.ensure(bootstrap);
            InfluxConfig influx = InfluxConfig.of(stack.influxd().url());
            try (LatencyHarness h = new LatencyHarness(bootstrap, influx, o.parallelism(), o.work().resolve("checkpoints"), o.pollMs(),
                    o.sketchSize(), o.tuning(), log)) {
                SyntheticRuns.Layout layout = SyntheticRuns.Layout.ofParameters(508_810);
                out.put("model", layout.name() + ", d = " + layout.d());
                log.println("bench: warming up (not reported)");
                h.measure("warmup", Math.min(200, o.rates()[0]), Math.min(2, o.runs()), 3, layout);
                List<Object> rates = new ArrayList<>();
                for (double rate : o.rates()) {
                    rates.add(h.measure(label(rate), rate, o.runs(), o.seconds(), layout).result());
                }
                out.put("rates", rates);
                if (o.alerts()) {
                    out.put("alerts", h.alerts(o.alertRate(), o.runs()));
                }
            }
        }
        out.put("targets", targets(out));
        return out;
    }

    static String label(double rate) {
        return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
    }

    /** Whether the measured figures meet issue 14's targets (null where not measured). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> targets(Map<String, Object> out) {
        Map<String, Object> t = new LinkedHashMap<>();
        Boolean p99 = null;
        for (Object r : (List<Object>) out.getOrDefault("rates", List.of())) {
            Map<String, Object> m = (Map<String, Object>) r;
            if (((Number) m.get("steps_per_s")).doubleValue() == TARGET_RATE && m.get("p99_ms") != null) {
                p99 = ((Number) m.get("p99_ms")).doubleValue() <= TARGET_P99_MS;
            }
        }
        t.put("p99_at_1000_steps_per_s_within_1000_ms", p99);
        Map<String, Object> alerts = (Map<String, Object>) out.get("alerts");
        Boolean alertsMet = null;
        if (alerts != null) {
            alertsMet = true;
            for (String kind : List.of("divergence", "plateau")) {
                Object ms = ((Map<String, Object>) alerts.get(kind)).get("latency_ms");
                alertsMet &= ms != null && ((Number) ms).doubleValue() <= TARGET_ALERT_MS;
            }
        }
        t.put("alerts_within_2000_ms", alertsMet);
        return t;
    }
}
