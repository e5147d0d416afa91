package dev.canyon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.canyon.trainer.data.FashionMnist;
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
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** {@code canyon bench overhead}. */
    @Command(name = "overhead", mixinStandardHelpOptions = true,
            description = {"Trainer step time with no telemetry, Canyon sketch mode, Canyon full vectors and DL4J's "
                    + "StatsListener, interleaved in one run (median of paired ratios with quartiles), on a ~0.5M- and a "
                    + "~2M-parameter MLP; and Canyon's full-vector publishing bandwidth against a bare Kafka producer."})
    static final class Overhead implements Callable<Integer> {
        @Option(names = "--rounds", defaultValue = "600", description = "Interleaved rounds (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--steps-per-round", defaultValue = "1", description = "Steps per configuration per round (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--hidden", split = ",", defaultValue = "640,2500",
                description = "Hidden units of the MLPs to measure (default: ${DEFAULT-VALUE}: 0.51M and 1.99M parameters).")
        int[] hidden;

        @Option(names = "--batch-size", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--bandwidth-records", defaultValue = "40", description = "Full-vector records per bandwidth repeat (default: ${DEFAULT-VALUE}).")
        int bandwidthRecords;

        @Option(names = "--bandwidth-repeats", defaultValue = "5", description = "Alternating bandwidth repeats (default: ${DEFAULT-VALUE}).")
        int bandwidthRepeats;

        @Option(names = "--configs", split = ",", defaultValue = "none,sketch,full,dl4j-stats",
                description = "Configurations to interleave (default: ${DEFAULT-VALUE}); none is always measured.")
        java.util.List<String> configs;

        @Option(names = "--fashion-mnist-dir", defaultValue = FashionMnist.DEFAULT_DIR, description = "Fashion-MNIST IDX files.")
        Path dataDir;

        @Option(names = "--json", description = "Print one JSON object on standard output.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            FashionMnist.requirePresent(dataDir);
            for (String c : configs) {
                if (!OverheadBenchmark.CONFIGS.contains(c)) {
                    throw new IllegalArgumentException("unknown configuration '" + c + "'; choose from " + OverheadBenchmark.CONFIGS);
                }
            }
            if (configs.contains("dl4j-stats") && !OverheadBenchmark.dl4jStatsAvailable()) {
                System.err.println("bench: DL4J's StatsListener is not in this build; skipping dl4j-stats "
                        + "(rebuild with ./mvnw -B -DskipTests -Ddl4j-stats install to include it)");
                configs = configs.stream().filter(c -> !c.equals("dl4j-stats")).toList();
            }
            Map<String, Object> results = new LinkedHashMap<>();
            results.put("benchmark", "overhead");
            results.put("cores", Runtime.getRuntime().availableProcessors());
            java.util.List<Object> models = new java.util.ArrayList<>();
            for (int h : hidden) {
                Path work = Files.createTempDirectory("canyon-bench");
                try {
                    models.add(OverheadBenchmark.run(new OverheadBenchmark.Options(h, rounds, steps, batchSize, bandwidthRecords,
                            bandwidthRepeats, dataDir, work, 42, configs), System.err));
                } finally {
                    deleteRecursively(work);
                }
            }
            results.put("models", models);
            ObjectMapper mapper = new ObjectMapper();
            if (json) {
                System.out.println(mapper.writeValueAsString(results));
            } else {
                System.out.println(mapper.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
            }
            return 0;
        }

        private static void deleteRecursively(Path dir) throws java.io.IOException {
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

        @Option(names = "--json", description = "Print one JSON object on standard output.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (steps < runs || runs < 1 || sketchSize < 1 || parallelism < 1) {
                throw new IllegalArgumentException("need --runs >= 1, --steps >= --runs, --sketch-size >= 1, --parallelism >= 1");
            }
            Path work = Files.createTempDirectory("canyon-bench-throughput");
            try {
                Map<String, Object> results = ThroughputBenchmark.run(new ThroughputBenchmark.Options(steps - steps % runs, runs,
                        sketchSize, parallelism, discardPoints, work), System.err);
                ObjectMapper mapper = new ObjectMapper();
                System.out.println(json ? mapper.writeValueAsString(results)
                        : mapper.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
            } finally {
                Overhead.deleteRecursively(work);
            }
            return 0;
        }
    }
}
