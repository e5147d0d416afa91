package dev.canyon.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code canyon bench}: benchmarks that print their figures. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (figures in docs/benchmarks.md).",
        subcommands = {BenchCommand.Overhead.class, BenchCommand.Throughput.class, BenchLatencyCommand.class,
                BenchScaleCommand.class})
final class BenchCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Without a benchmark: the usage, and the usage error's status. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Canyon.USAGE;
    }

    /**
     * {@code canyon bench overhead}: runs in its own JVM from bench/target/canyon-bench.jar (DL4J's
     * StatsListener, the baseline, cannot share this classpath); every option goes to it.
     */
    @Command(name = "overhead", mixinStandardHelpOptions = false, addMethodSubcommands = false,
            description = {"Trainer step time with no telemetry, Canyon sketch mode, Canyon full vectors and DL4J's "
                    + "StatsListener, interleaved in one run, with a core left free for telemetry, telemetry CPU per step "
                    + "against the memory floor, and full-vector publishing bandwidth. Runs in a child JVM from "
                    + "bench/target/canyon-bench.jar; `canyon bench overhead --help` lists its options."})
    static final class Overhead implements Callable<Integer> {
        @picocli.CommandLine.Unmatched
        java.util.List<String> args = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            return TrainerBench.run(args);
        }

        static void deleteRecursively(Path dir) throws java.io.IOException {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** {@code canyon bench throughput}. */
    @Command(name = "throughput", mixinStandardHelpOptions = true,
            description = {"The analytics job's steps per second on sketch-mode step records against a bare Kafka consumer "
                    + "reading the same topic, and replay's steps per second, on an embedded broker and influxd."})
    static final class Throughput implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--steps", defaultValue = "40000", description = "Step records to write (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--runs", defaultValue = "4", description = "Runs they belong to (default: ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--sketch-size", defaultValue = "1024", description = "Sketch size k (default: ${DEFAULT-VALUE}).")
        int sketchSize;

        @Option(names = "--parallelism", defaultValue = "2", description = "Job parallelism (default: ${DEFAULT-VALUE}).")
        int parallelism;

        @Option(names = "--discard-points", description = "Run the live job without InfluxDB (points discarded): what the "
                + "analytics alone sustain.")
        boolean discardPoints;

        @Option(names = "--json", description = "Print one JSON object on standard output instead of aligned text.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (steps < runs || runs < 1 || sketchSize < 1 || parallelism < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "need --runs >= 1, --steps >= --runs, --sketch-size >= 1, --parallelism >= 1");
            }
            Path work = Files.createTempDirectory("canyon-bench-throughput");
            try {
                Map<String, Object> results = ThroughputBenchmark.run(new ThroughputBenchmark.Options(steps - steps % runs, runs,
                        sketchSize, parallelism, discardPoints, work), System.err);
                BenchLatencyCommand.print(results, json);
            } finally {
                Overhead.deleteRecursively(work);
            }
            return 0;
        }
    }
}
