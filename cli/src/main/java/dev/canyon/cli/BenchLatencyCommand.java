package dev.canyon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code canyon bench latency}. */
@Command(name = "latency", mixinStandardHelpOptions = true,
        description = {"Publication-to-InfluxDB latency of sketch-mode steps at fixed rates (p50, p99, max), and the time from a "
                + "planted divergence and plateau condition to its alert on canyon.alerts, on an embedded broker, influxd and "
                + "the live job as `canyon stack` runs it."})
final class BenchLatencyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rates", split = ",", defaultValue = "100,1000,5000",
            description = "Total steps per second to measure, one after the other (default: ${DEFAULT-VALUE}).")
    double[] rates;

    @Option(names = "--runs", defaultValue = "4", description = "Concurrent runs the steps are spread over (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--seconds", defaultValue = "20", description = "Seconds of publishing at each rate (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--parallelism", defaultValue = "1", description = "Job parallelism (default: ${DEFAULT-VALUE}, as `canyon stack`).")
    int parallelism;

    @Option(names = "--poll-ms", defaultValue = "10",
            description = "Interval of the InfluxDB poller, the latency's resolution (default: ${DEFAULT-VALUE}).")
    int pollMs;

    @Option(names = "--sketch-size", defaultValue = "1024", description = "Sketch size k (default: ${DEFAULT-VALUE}).")
    int sketchSize;

    @Option(names = "--alert-rate", defaultValue = "1000",
            description = "Total steps per second while the alert conditions are planted (default: ${DEFAULT-VALUE}).")
    double alertRate;

    @Option(names = "--no-alerts", description = "Leave out the alert measurement.")
    boolean noAlerts;

    @Option(names = "--buffer-timeout-ms", defaultValue = "-1",
            description = "Try another Flink network buffer timeout, ms (default: the job's own).")
    long bufferTimeoutMs;

    @Option(names = "--flush-ms", defaultValue = "0",
            description = "Try another InfluxDB sink flush interval, ms (default: the job's own).")
    long flushMs;

    @Option(names = "--json", description = "Print one JSON object on standard output instead of aligned text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        for (double r : rates) {
            if (!(r > 0) || Double.isInfinite(r)) {
                throw new ParameterException(spec.commandLine(), "--rates must be positive numbers, got " + r);
            }
        }
        if (runs < 1 || !(seconds > 0) || parallelism < 1 || pollMs < 1 || sketchSize < 1 || !(alertRate > 0)) {
            throw new ParameterException(spec.commandLine(),
                    "need --runs >= 1, --seconds > 0, --parallelism >= 1, --poll-ms >= 1, --sketch-size >= 1, --alert-rate > 0");
        }
        Path work = Files.createTempDirectory("canyon-bench-latency");
        try {
            Map<String, Object> results = LatencyBenchmark.run(new LatencyBenchmark.Options(rates, runs, seconds, parallelism, pollMs,
                    sketchSize, alertRate, !noAlerts, new LatencyHarness.JobTuning(bufferTimeoutMs, flushMs), work), System.err);
            print(results, json);
        } finally {
            deleteRecursively(work);
        }
        return 0;
    }

    /** {@code results} as one JSON object ({@code json}), else as aligned text ({@link Outline}). */
    static void print(Map<String, Object> results, boolean json) throws Exception {
        System.out.print(json ? new ObjectMapper().writeValueAsString(results) + "\n" : Outline.text(results));
    }

    static void deleteRecursively(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
