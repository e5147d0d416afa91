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
        description = {"Trainer side: step time with and without Canyon's sketch mode and the listener's CPU per step "
                + "against the parameter count d (in the trainer benchmark's JVM, as `canyon bench overhead`). Stream side: "
                + "the live job's cost per sketch-mode step against d and against the number of concurrent runs (backlog, "
                + "CPU per step), and the publication-to-InfluxDB latency with many concurrent runs."})
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

    @Option(names = "--trainer-hidden", split = ",", defaultValue = "64,640,2500,12579",
            description = "Trainer side: hidden units of the MLPs 784-h-10 (default: ${DEFAULT-VALUE}: d = 50,890; 508,810; "
                    + "1,987,510; 10,000,315).")
    int[] trainerHidden;

    @Option(names = "--trainer-rounds", defaultValue = "100",
            description = "Trainer side: interleaved rounds per model of none, sketch and the memory floor (default: ${DEFAULT-VALUE}).")
    int trainerRounds;

    @Option(names = "--no-trainer", description = "Leave out the trainer side.")
    boolean noTrainer;

    @Option(names = "--no-stream", description = "Leave out the stream side.")
    boolean noStream;

    @Option(names = "--json", description = "Print one JSON object on standard output instead of aligned text.")
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
        if (trainerRounds < 1 || java.util.Arrays.stream(trainerHidden).anyMatch(h -> h < 1)) {
            throw new ParameterException(spec.commandLine(), "need --trainer-rounds >= 1 and --trainer-hidden values >= 1");
        }
        Object trainer = noTrainer ? null : trainerSide();
        if (noStream) {
            Map<String, Object> results = new java.util.LinkedHashMap<>();
            results.put("benchmark", "scale");
            results.put("trainer", trainer);
            BenchLatencyCommand.print(results, json);
            return 0;
        }
        Path work = Files.createTempDirectory("canyon-bench-scale");
        try {
            Map<String, Object> results = ScaleBenchmark.run(new ScaleBenchmark.Options(parameters, concurrentRuns, steps - steps % runs,
                    runs, repeats, parallelism, sketchSize, latencyRuns, latencyRatePerRun, latencySeconds, pollMs, !noLatency, work), System.err);
            results.put("trainer", trainer);
            BenchLatencyCommand.print(results, json);
        } finally {
            BenchLatencyCommand.deleteRecursively(work);
        }
        return 0;
    }

    /**
     * The trainer side, from the trainer benchmark's JVM ({@link TrainerBench}): per model, the step
     * time without telemetry and with Canyon's sketch mode, interleaved, their paired ratio, the
     * listener's CPU per step and the memory floor, and their ratio; and how the listener's cost per
     * step spreads over the models (largest over smallest of telemetry CPU per step divided by d).
     */
    @SuppressWarnings("unchecked")
    private Map<String, Object> trainerSide() throws Exception {
        String hidden = java.util.Arrays.stream(trainerHidden).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(","));
        String json = TrainerBench.json(java.util.List.of("--hidden", hidden, "--configs", "none,sketch", "--rounds",
                Integer.toString(trainerRounds), "--free-core-rounds", "0", "--bandwidth-repeats", "0"));
        String line = json.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("the trainer benchmark printed no JSON"));
        Map<String, Object> raw = new com.fasterxml.jackson.databind.ObjectMapper().readValue(line, Map.class);
        java.util.List<Object> models = new java.util.ArrayList<>();
        for (Object o : (java.util.List<Object>) raw.get("models")) {
            Map<String, Object> m = (Map<String, Object>) o;
            Map<String, Object> r = new java.util.LinkedHashMap<>();
            long d = ((Number) m.get("parameters")).longValue();
            Map<String, Object> steps = (Map<String, Object>) m.get("median_step_ms");
            double cpu = ((Number) ((Map<String, Object>) m.get("telemetry_cpu_ms_per_step")).get("sketch")).doubleValue();
            double floor = ((Number) m.get("memory_floor_ms_per_step")).doubleValue();
            r.put("model", m.get("model"));
            r.put("parameters", d);
            r.put("none_ms_per_step", steps.get("none"));
            r.put("sketch_ms_per_step", steps.get("sketch"));
            r.put("step_time_ratio_vs_none", ((Map<String, Object>) m.get("step_time_ratio_vs_none")).get("sketch"));
            r.put("telemetry_cpu_ms_per_step", cpu);
            r.put("memory_floor_ms_per_step", floor);
            r.put("telemetry_cpu_vs_floor", floor > 0 ? Math.round(cpu / floor * 1000) / 1000.0 : null);
            r.put("telemetry_cpu_ns_per_parameter", Math.round(cpu * 1e6 / d * 1000) / 1000.0);
            models.add(r);
        }
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("kernel", ((Map<String, Object>) ((java.util.List<Object>) raw.get("models")).get(0)).get("kernel"));
        out.put("rounds", trainerRounds);
        out.put("models", models);
        return out;
    }
}
