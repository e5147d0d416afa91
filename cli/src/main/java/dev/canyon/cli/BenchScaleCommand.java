package dev.canyon.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code canyon bench scale}. */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = {"Stream side: the live job's cost per sketch-mode step against the parameter count d and against the "
                + "number of concurrent runs (backlog, CPU per step), and the publication-to-InfluxDB latency with many "
                + "concurrent runs. The trainer side goes under the JSON key \"trainer\"."})
final class BenchScaleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--parameters", split = ",", defaultValue = "50890,508810,1987510,10000000",
            description = "Parameter counts d (default: ${DEFAULT-VALUE}).")
    long[] parameters;

    @Option(names = "--concurrent-runs", split = ",", defaultValue = "1,10,100",
            description = "Concurrent runs to measure the cost per step at (default: ${DEFAULT-VALUE}).")
    int[] concurrentRuns;

    @Option(names = "--steps", defaultValue = "20000", description = "Steps of each backlog (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--runs", defaultValue = "4", description = "Runs of the backlogs against d (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--repeats", defaultValue = "3",
            description = "Rounds over the configurations, in rotated order; medians reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--parallelism", defaultValue = "1", description = "Job parallelism (default: ${DEFAULT-VALUE}, as `canyon stack`).")
    int parallelism;

    @Option(names = "--sketch-size", defaultValue = "1024", description = "Sketch size k (default: ${DEFAULT-VALUE}).")
    int sketchSize;

    @Option(names = "--latency-runs", defaultValue = "100", description = "Concurrent runs of the latency measurement (default: ${DEFAULT-VALUE}).")
    int latencyRuns;

    @Option(names = "--latency-rate-per-run", defaultValue = "50", description = "Steps per second of each of them (default: ${DEFAULT-VALUE}).")
    double latencyRatePerRun;

    @Option(names = "--latency-seconds", defaultValue = "20", description = "Seconds of the latency measurement (default: ${DEFAULT-VALUE}).")
    double latencySeconds;

    @Option(names = "--poll-ms", defaultValue = "10", description = "InfluxDB poll interval of the latency measurement (default: ${DEFAULT-VALUE}).")
    int pollMs;

    @Option(names = "--no-latency", description = "Leave out the latency measurement.")
    boolean noLatency;

    @Option(names = "--json", description = "Print one JSON object on standard output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        for (long d : parameters) {
            try {
                SyntheticRuns.Layout.ofParameters(d);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--parameters: " + e.getMessage());
            }
        }
        for (int r : concurrentRuns) {
            if (r < 1 || r > steps) {
                throw new ParameterException(spec.commandLine(), "--concurrent-runs must be between 1 and --steps, got " + r);
            }
        }
        if (runs < 1 || steps < runs || repeats < 1 || parallelism < 1 || sketchSize < 1 || latencyRuns < 1 || !(latencyRatePerRun > 0)
                || !(latencySeconds > 0) || pollMs < 1) {
            throw new ParameterException(spec.commandLine(), "need --runs >= 1, --steps >= --runs, --repeats >= 1, --parallelism >= 1, "
                    + "--sketch-size >= 1, --latency-runs >= 1, --latency-rate-per-run > 0, --latency-seconds > 0, --poll-ms >= 1");
        }
        Path work = Files.createTempDirectory("canyon-bench-scale");
        try {
            Map<String, Object> results = ScaleBenchmark.run(new ScaleBenchmark.Options(parameters, concurrentRuns, steps - steps % runs,
                    runs, repeats, parallelism, sketchSize, latencyRuns, latencyRatePerRun, latencySeconds, pollMs, !noLatency, work), System.err);
            BenchLatencyCommand.print(results, json);
        } finally {
            BenchLatencyCommand.deleteRecursively(work);
        }
        return 0;
    }
}
