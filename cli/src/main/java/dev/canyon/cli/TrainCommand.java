package dev.canyon.cli;

import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.trainer.Experiment;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code canyon train}: the seeds' experiments, with telemetry published to a Kafka cluster. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains with per-step telemetry published to Kafka: one run, or an experiment of several (seed 002): "
                + "runs from different initializations (--vary init), from one initialization with different shuffles "
                + "(--vary shuffle), or clones of a run trained for K epochs (--clone-after-epochs K).",
                "Datasets: fashion-mnist (models mlp, cnn), deep-linear-2 (L = (1 - w1*w2)^2), deep-linear (Saxe et al.), "
                        + "planted-saddle and planted-minimum (seed 004: regression data with a critical point planted at w*; "
                        + "runs start next to it)."})
final class TrainCommand implements Callable<Integer> {

    @Mixin
    TrainingOptions training;

    @Option(names = "--dataset", defaultValue = "fashion-mnist",
            description = "fashion-mnist, deep-linear-2, deep-linear, planted-saddle or planted-minimum (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--model", defaultValue = "mlp", description = "mlp or cnn for fashion-mnist (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd, momentum (Nesterov, 0.9) or adam (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--runs", defaultValue = "1", description = "Runs in the experiment, or clones with --clone-after-epochs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--vary", defaultValue = "init", description = "What differs between runs: init or shuffle (default: ${DEFAULT-VALUE}).")
    String vary;

    @Option(names = "--clone-after-epochs", defaultValue = "0",
            description = "Train a parent run for K epochs, then --runs clones of it with different shuffles (default: ${DEFAULT-VALUE}: no clones).")
    int cloneAfterEpochs;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (default: $CANYON_KAFKA or ${DEFAULT-VALUE}).",
            defaultValue = "${env:CANYON_KAFKA:-localhost:9092}")
    String bootstrapServers;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka producer property, e.g. security.protocol=SASL_SSL (repeatable).")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--experiment", description = "Experiment id (default: ${DEFAULT-VALUE}).", defaultValue = "default")
    String experiment;

    @Option(names = "--vectors", defaultValue = "sketch:1024", converter = VectorsConverter.class,
            description = "Gradient and delta vectors: full, half, sketch or sketch:K (default: ${DEFAULT-VALUE}).")
    VectorRepresentation vectors;

    @Option(names = "--probes", defaultValue = "economy",
            description = "Probe preset: off, economy (curvature every 50 steps, Hessian every 500, linear path and snapshot "
                    + "every 1,000) or full (10, 100, 200) (default: ${DEFAULT-VALUE}).")
    String probes;

    @Option(names = "--snapshot-every", defaultValue = "0",
            description = "Take a full weight snapshot every N steps (and θ_0), instead of the probe preset's schedule; 0 keeps the "
                    + "preset's (default: ${DEFAULT-VALUE}).")
    long snapshotEvery;

    @Option(names = "--linear-path-every", defaultValue = "0",
            description = "Probe the loss along the line from θ_0 at step 1 and every N steps, instead of the probe preset's "
                    + "schedule; 0 keeps the preset's (default: ${DEFAULT-VALUE}).")
    long linearPathEvery;

    @Option(names = "--create-topics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Create Canyon's topics when missing (default: ${DEFAULT-VALUE}).")
    boolean createTopics;

    @Override
    public Integer call() {
        Experiment.Vary v = switch (vary.toLowerCase(java.util.Locale.ROOT)) {
            case "init" -> Experiment.Vary.INIT;
            case "shuffle" -> Experiment.Vary.SHUFFLE;
            default -> throw new IllegalArgumentException("--vary must be init or shuffle, got '" + vary + "'");
        };
        Experiment.Options options = Experiment.Options.builder().dataset(dataset).model(model).optimizer(optimizer)
                .learningRate(training.learningRate).batchSize(training.batchSize).hidden(training.hidden).steps(training.steps)
                .runs(runs).vary(v).cloneAfterEpochs(cloneAfterEpochs).seed(training.seed).fashionMnistDir(training.dataDir)
                .trainExamples(training.trainExamples).build();
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(bootstrapServers).experimentId(experiment)
                .kafkaProperties(kafkaProperties).vectors(vectors).probes(ProbeSchedules.plan(probes, snapshotEvery, linearPathEvery))
                .build();
        if (createTopics) {
            TopicSetup.ensure(bootstrapServers, kafkaProperties);
        }
        Map<String, ProgressBar> bars = new LinkedHashMap<>();
        List<Experiment.RunResult> results = Experiment.run(options, config,
                (role, s, total) -> bars.computeIfAbsent(role, r -> new ProgressBar(System.err, r, total)).update(s, ""));
        boolean complete = true;
        for (Experiment.RunResult r : results) {
            System.out.printf("%-8s run %s (experiment %s): %d steps, %d step records published, final loss %.6f%n", r.role(),
                    r.runId(), experiment, r.steps(), r.stepsPublished(), r.finalLoss());
            complete &= r.stepsPublished() == r.steps();
        }
        return complete ? 0 : 2;
    }
}
