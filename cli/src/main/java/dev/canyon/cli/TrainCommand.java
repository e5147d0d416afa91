package dev.canyon.cli;

import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.trainer.Experiment;
import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.telemetry.Journals;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code canyon train}: the experiments of the papers Canyon reproduces (README, "References"), with
 * telemetry published to a Kafka cluster.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains with per-step telemetry published to Kafka: one run, or an experiment of several runs (as in Lipton, "
                + "\"Stuck in a What? Adventures in Weight Space\", 2016): "
                + "runs from different initializations (--vary init), from one initialization with different shuffles "
                + "(--vary shuffle), or clones of a run trained for K epochs (--clone-after-epochs K).",
                "Datasets: fashion-mnist (models mlp, cnn), deep-linear-2 (L = (1 - w1*w2)^2), deep-linear (Saxe et al.), "
                        + "planted-saddle and planted-minimum (regression data with a saddle or a minimum planted at weights w*, as in "
                        + "\"Synthetic Generation of Local Minima and Saddle Points for Neural Networks\", ICML 2017 workshop; "
                        + "runs start next to w*).",
                "Telemetry Kafka did not acknowledge by the end of a run (within the close budget) waits in the journal folder "
                        + "and is re-sent by the next training that uses it, or by canyon resend; the command says so and exits 0. "
                        + "With --strict-delivery it exits 3 instead, at the first run not fully delivered.",
                "Exit status: 0 trained, 1 failed (e.g. Kafka unreachable: the message names the address and the fix), 2 usage "
                        + "error, 3 with --strict-delivery when telemetry was left undelivered."})
final class TrainCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

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

    @Mixin
    KafkaOptions kafka;

    @Mixin
    DiagnosticsOptions diagnostics;

    @Option(names = "--experiment", description = "Experiment id (default: ${DEFAULT-VALUE}).", defaultValue = "default")
    String experiment;

    @Option(names = "--vectors", defaultValue = "sketch:1024", converter = VectorsConverter.class,
            description = "How gradient and weight-delta vectors are published: full (float32, 4 bytes a parameter), half "
                    + "(bfloat16, 2 bytes, about 3 significant digits) or sketch:K (a seeded CountSketch to K float32 values; "
                    + "sketch means sketch:1024) (default: ${DEFAULT-VALUE}).")
    VectorRepresentation vectors;

    @Option(names = "--probes", defaultValue = "economy",
            description = "Probe preset: off; economy (same-batch curvature every 50 steps, same-point gradients every 25, "
                    + "Hessian extremes every 500, linear path every 1,000, each also at step 1, weight snapshots every 1,000); or "
                    + "full (curvature every 10, same-point gradients every 10, Hessian every 100, linear path and snapshots every "
                    + "200) (default: ${DEFAULT-VALUE}).")
    String probes;

    @Option(names = "--snapshot-every", defaultValue = "0",
            description = "Take a full weight snapshot every N steps (and θ_0), instead of the probe preset's schedule; 0 keeps the "
                    + "preset's (default: ${DEFAULT-VALUE}).")
    long snapshotEvery;

    @Option(names = "--linear-path-every", defaultValue = "0",
            description = "Probe the loss along the line from θ_0 at step 1 and every N steps, instead of the probe preset's "
                    + "schedule; 0 keeps the preset's (default: ${DEFAULT-VALUE}).")
    long linearPathEvery;

    @Option(names = "--journal-dir", description = "Where telemetry Kafka did not take waits (default: $CANYON_JOURNAL_DIR, else "
            + "$XDG_STATE_HOME/canyon/journal, else ~/.local/state/canyon/journal).")
    Path journalDir;

    @Option(names = "--strict-delivery", description = "Exit 3 (and stop the experiment) when a run's telemetry was not all "
            + "delivered at its end, instead of leaving it in the journal and exiting 0.")
    boolean strictDelivery;

    @Option(names = "--create-topics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Create Canyon's topics when missing (default: ${DEFAULT-VALUE}).")
    boolean createTopics;

    @Override
    public Integer call() {
        Experiment.Vary v = switch (vary.toLowerCase(java.util.Locale.ROOT)) {
            case "init" -> Experiment.Vary.INIT;
            case "shuffle" -> Experiment.Vary.SHUFFLE;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--vary must be init or shuffle, got '" + vary + "'");
        };
        Experiment.Options options = Canyon.usage(spec, () -> Experiment.Options.builder().dataset(dataset).model(model)
                .optimizer(optimizer).learningRate(training.learningRate).batchSize(training.batchSize).hidden(training.hidden)
                .steps(training.steps).runs(runs).vary(v).cloneAfterEpochs(cloneAfterEpochs).seed(training.seed)
                .fashionMnistDir(training.dataDir).trainExamples(training.trainExamples).build());
        dev.canyon.trainer.probe.ProbePlan plan = Canyon.usage(spec, () -> ProbeSchedules.plan(probes, snapshotEvery, linearPathEvery));
        TelemetryConfig.Builder telemetry = TelemetryConfig.builder().bootstrapServers(bootstrapServers).experimentId(experiment)
                .kafkaPropertiesFrom(kafka.config).kafkaProperties(kafka.commandLineProperties()).vectors(vectors).probes(plan)
                .strictDelivery(strictDelivery);
        if (journalDir != null) {
            telemetry.journalDir(journalDir);
        }
        diagnostics.apply(telemetry);
        TelemetryConfig config = telemetry.build();
        if (options.dataset().equals("fashion-mnist")) {
            // Before Kafka: a missing dataset is the likelier first problem, and says how to fix it.
            FashionMnist.requirePresent(options.fashionMnistDir());
        }
        if (createTopics) {
            TopicSetup.ensure(bootstrapServers, config.kafkaProperties());
        }
        Map<String, ProgressBar> bars = new LinkedHashMap<>();
        List<Experiment.RunResult> results;
        try {
            results = Experiment.run(options, config,
                    (role, s, total) -> bars.computeIfAbsent(role, r -> new ProgressBar(System.err, r, total)).update(s, ""));
        } catch (TelemetryException e) {
            // Only with --strict-delivery: the run trained, its telemetry was not all delivered.
            spec.commandLine().getErr().println("canyon train: " + e.getMessage());
            spec.commandLine().getErr().flush();
            printWaiting(config.journalDir(), null);
            return Canyon.INCOMPLETE;
        }
        boolean complete = true;
        Set<String> runs = new HashSet<>();
        for (Experiment.RunResult r : results) {
            System.out.printf("%-8s run %s (experiment %s): %d steps, %d step records published, last minibatch loss %.6f%n", r.role(),
                    r.runId(), experiment, r.steps(), r.stepsPublished(), r.finalLoss());
            complete &= r.stepsPublished() == r.steps();
            runs.add(r.runId());
        }
        System.out.printf("Figures: ./canyon report --bootstrap-servers %s --experiment %s%n", bootstrapServers, experiment);
        System.out.printf("Live view (while canyon stack runs): http://127.0.0.1:8070/experiment/%s%n",
                java.net.URLEncoder.encode(experiment, java.nio.charset.StandardCharsets.UTF_8));
        if (!complete && !printWaiting(config.journalDir(), runs)) {
            System.out.println("Some step records were not delivered and none wait in the journal: see the log for why.");
        }
        return 0;
    }

    /** Prints the journals of {@code runs} (all when null) that wait in {@code dir}; whether there were any. */
    private boolean printWaiting(Path dir, Set<String> runs) {
        List<Journals.Journal> waiting;
        try {
            waiting = Journals.list(dir).stream().filter(j -> runs == null || runs.contains(j.runId())).toList();
        } catch (IOException e) {
            System.out.println("Cannot list the telemetry journals in " + dir + ": " + e.getMessage());
            return false;
        }
        for (Journals.Journal j : waiting) {
            System.out.printf("run %s: %,d telemetry records wait in %s; the next training with this journal folder, or "
                    + "canyon resend --journal-dir %s --bootstrap-servers %s, re-sends them%n", j.runId(), j.records(), j.file(), dir,
                    j.bootstrapServers());
        }
        return !waiting.isEmpty();
    }
}
