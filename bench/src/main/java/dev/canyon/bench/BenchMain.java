package dev.canyon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.trainer.data.FashionMnist;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The trainer benchmarks' own entry point (bench/target/canyon-bench.jar), started by {@code canyon
 * bench overhead}: a separate JVM because DL4J's StatsListener, the baseline, cannot share the
 * product's classpath.
 */
@Command(name = "canyon bench overhead", mixinStandardHelpOptions = true,
        description = {"Trainer step time with no telemetry, Canyon sketch mode, Canyon full vectors and DL4J's StatsListener, "
                + "interleaved in one run (median of paired ratios with quartiles), the same with a core left free for "
                + "telemetry, telemetry CPU per step against the memory floor, and full-vector publishing bandwidth against a "
                + "bare Kafka producer."})
public final class BenchMain implements Callable<Integer> {
    @Option(names = "--rounds", defaultValue = "600", description = "Interleaved rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--free-core-rounds", defaultValue = "100",
            description = "Rounds of 10 steps in the free-core phase, BLAS threads = cores - 1 (default: ${DEFAULT-VALUE}; 0 skips it).")
    int freeCoreRounds;

    @Option(names = "--hidden", split = ",", defaultValue = "640,2500",
            description = "Hidden units of the MLPs 784-h-10 to measure (default: ${DEFAULT-VALUE}: 0.51M and 1.99M parameters).")
    int[] hidden;

    @Option(names = "--batch-size", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--bandwidth-records", defaultValue = "40",
            description = "Full-vector records per bandwidth repeat (default: ${DEFAULT-VALUE}).")
    int bandwidthRecords;

    @Option(names = "--bandwidth-repeats", defaultValue = "5",
            description = "Alternating bandwidth repeats (default: ${DEFAULT-VALUE}; 0 skips the bandwidth test).")
    int bandwidthRepeats;

    @Option(names = "--configs", split = ",", defaultValue = "none,sketch,full,stats_listener,sketch_no_broker,sketch_histograms",
            description = "Configurations to interleave, from ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); none is always "
                    + "measured.", completionCandidates = Configs.class)
    List<String> configs;

    @Option(names = "--fashion-mnist-dir", defaultValue = FashionMnist.DEFAULT_DIR, description = "Fashion-MNIST IDX files "
            + "(default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--json", description = "Print one JSON object on standard output instead of a table.")
    boolean json;

    /** The configuration names, for the help text. */
    static final class Configs extends ArrayList<String> {
        Configs() {
            super(OverheadBenchmark.CONFIGS);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        for (String c : configs) {
            if (!OverheadBenchmark.CONFIGS.contains(c)) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "unknown configuration '" + c + "'; choose from " + OverheadBenchmark.CONFIGS);
            }
        }
        if (rounds < 1 || freeCoreRounds < 0 || batchSize < 1 || bandwidthRecords < 1 || bandwidthRepeats < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "need --rounds >= 1, --free-core-rounds >= 0, --batch-size >= 1, --bandwidth-records >= 1, --bandwidth-repeats >= 0");
        }
        FashionMnist.requirePresent(dataDir);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("benchmark", "overhead");
        results.put("date", java.time.LocalDate.now().toString());
        results.put("cores", Runtime.getRuntime().availableProcessors());
        results.put("java", System.getProperty("java.version"));
        List<Object> models = new ArrayList<>();
        for (int h : hidden) {
            Path work = Files.createTempDirectory("canyon-bench");
            try {
                models.add(OverheadBenchmark.run(new OverheadBenchmark.Options(h, rounds, freeCoreRounds, batchSize, bandwidthRecords,
                        bandwidthRepeats, dataDir, work, 42, configs), System.err));
            } finally {
                deleteRecursively(work);
            }
        }
        results.put("models", models);
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(results));
        } else {
            printTable(results, System.out);
        }
        return 0;
    }

    /**
     * The figures as a table, one block per model: a row per configuration with its median step time,
     * its step time against none's (median of paired ratios, quartiles), and its telemetry CPU per step;
     * the same with a free core; the memory floor; the publishing bandwidth.
     */
    @SuppressWarnings("unchecked")
    static void printTable(Map<String, Object> results, PrintStream out) {
        out.printf("Trainer overhead (%s cores, Java %s, %s)%n", results.get("cores"), results.get("java"), results.get("date"));
        for (Object o : (List<Object>) results.get("models")) {
            Map<String, Object> m = (Map<String, Object>) o;
            out.printf("%n%s, %,d parameters, batch %s, %s rounds, fused pass: %s%n", m.get("model"), ((Number) m.get("parameters")).longValue(),
                    m.get("batch_size"), m.get("rounds"), m.get("kernel"));
            rows(out, (Map<String, Object>) m.get("median_step_ms"), (Map<String, Object>) m.get("step_time_ratio_vs_none"),
                    (Map<String, Object>) m.get("telemetry_cpu_ms_per_step"));
            Map<String, Object> free = (Map<String, Object>) m.get("free_core_ratio_vs_none");
            if (free != null) {
                out.printf("%nWith a core left free for telemetry (BLAS threads %s, %s steps per round):%n", m.get("free_core_blas_threads"),
                        m.get("free_core_steps_per_round"));
                rows(out, (Map<String, Object>) m.get("free_core_median_step_ms"), free,
                        (Map<String, Object>) m.get("free_core_telemetry_cpu_ms_per_step"));
            }
            out.printf("%nMemory floor (reading the step's six vectors once): %.4f ms/step%n",
                    ((Number) m.get("memory_floor_ms_per_step")).doubleValue());
            Map<String, Object> bw = (Map<String, Object>) m.get("full_publish_bandwidth");
            if (bw != null) {
                out.printf("Full-vector publishing: %s MB/s against a bare producer's %s MB/s: %s of it%n", bw.get("canyon_mb_per_s"),
                        bw.get("bare_producer_mb_per_s"), ratio((Map<String, Object>) bw.get("ratio")));
            }
        }
    }

    /** One row per configuration of {@code steps} (the memory floor is not a configuration: its own line). */
    private static void rows(PrintStream out, Map<String, Object> steps, Map<String, Object> ratios, Map<String, Object> cpu) {
        String format = "  %-18s %9s  %-26s %s";
        out.println(String.format(format, "configuration", "ms/step", "vs none: median (p25-p75)", "telemetry CPU ms/step"));
        for (Map.Entry<String, Object> e : steps.entrySet()) {
            if (e.getKey().equals("memory_floor")) {
                continue;
            }
            Object q = ratios == null ? null : ratios.get(e.getKey());
            Object c = cpu == null ? null : cpu.get(e.getKey());
            out.println(String.format(format, e.getKey(), String.format("%.3f", ((Number) e.getValue()).doubleValue()),
                    q instanceof Map<?, ?> qm ? ratio((Map<String, Object>) qm) : e.getKey().equals("none") ? "1.000x (baseline)" : "",
                    c instanceof Number n ? String.format("%.4f", n.doubleValue()) : "").stripTrailing());
        }
    }

    private static String ratio(Map<String, Object> q) {
        return String.format("%.3fx (%.3f-%.3f)", ((Number) q.get("median")).doubleValue(), ((Number) q.get("p25")).doubleValue(),
                ((Number) q.get("p75")).doubleValue());
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
