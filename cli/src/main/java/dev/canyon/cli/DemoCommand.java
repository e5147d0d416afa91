package dev.canyon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.canyon.contract.VectorRepresentation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code canyon demo}: train, stream, analyse and store on the embedded local stack. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts the local stack (in-process Kafka, Flink MiniCluster, influxd child process), trains an MLP "
                + "on Fashion-MNIST with telemetry, analyses the stream into InfluxDB and prints a summary.",
                "Exit status: 0 when every published step was stored, 1 on an error (e.g. Fashion-MNIST missing: the message "
                        + "says how to install it), 2 on a usage error, 3 when some steps were not stored within --store-timeout."})
final class DemoCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    TrainingOptions training;

    @Option(names = "--data-dir", description = "Where Kafka, InfluxDB and Flink keep their data (default: $CANYON_DATA_DIR or ./.canyon).")
    Path dataDir;

    @Option(names = "--experiment", description = "Experiment id (default: ${DEFAULT-VALUE}).", defaultValue = "demo")
    String experiment;

    @Option(names = "--store-timeout", description = "Seconds to wait after training for every step to be stored (default: ${DEFAULT-VALUE}).",
            defaultValue = "120")
    long storeTimeoutSeconds;

    @Option(names = "--vectors", defaultValue = "full", converter = VectorsConverter.class,
            description = "How gradient and weight-delta vectors are published: full (float32, 4 bytes a parameter), half "
                    + "(bfloat16, 2 bytes, about 3 significant digits) or sketch:K (a seeded CountSketch to K float32 values; "
                    + "sketch means sketch:1024) (default: ${DEFAULT-VALUE}).")
    VectorRepresentation vectors;

    @Option(names = "--probes", defaultValue = "economy",
            description = "Probe preset: off; economy (same-batch curvature every 50 steps, same-point gradients every 25, "
                    + "Hessian extremes every 500, linear path every 1,000, each also at step 1); or full (curvature every 10, "
                    + "same-point gradients every 10, Hessian every 100, linear path every 200). Weight snapshots follow "
                    + "--snapshot-every (default: ${DEFAULT-VALUE}).")
    String probes;

    @Option(names = "--snapshot-every", defaultValue = "100",
            description = "Full weight snapshot every N steps (and θ_0), for canyon report's losses at snapshots and subspace view; "
                    + "0 keeps the probe preset's schedule (default: ${DEFAULT-VALUE}).")
    long snapshotEvery;

    @Option(names = "--json", description = "Print the summary as one JSON object on standard output.")
    boolean json;

    @Option(names = "--ui-port", defaultValue = "" + dev.canyon.ui.LiveView.DEFAULT_PORT,
            description = "Port of the live view, read-only and on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 for a free one). "
                    + "With a terminal (and without --json) the page stays up after the run until Enter or Ctrl-C.")
    int uiPort;

    @Override
    public Integer call() throws Exception {
        Path dir = DataDirs.resolve(dataDir);
        dev.canyon.trainer.MlpTrainer.Options options = Canyon.usage(spec, training::toOptions);
        dev.canyon.trainer.probe.ProbePlan plan = Canyon.usage(spec, () -> ProbeSchedules.plan(probes, snapshotEvery, 0));
        Ports.requireFree(uiPort, "--ui-port", "the live view");
        boolean keepOpen = !json && System.console() != null;
        java.util.function.Consumer<Demo.Summary> whileUp = !keepOpen ? null : s -> {
            System.out.print(s.toText());
            System.out.println("The live view stays up until Enter or Ctrl-C.");
            System.out.flush();
            try {
                System.in.read();
            } catch (java.io.IOException e) {
                // no input: stop
            }
        };
        Demo.Summary summary = Demo.run(new Demo.Options(dir, options, experiment, Duration.ofSeconds(storeTimeoutSeconds), vectors, plan),
                new Demo.Live(uiPort, whileUp), System.err);
        if (json) {
            System.out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary.toJson()));
        } else if (!keepOpen) {
            System.out.print(summary.toText());
        }
        if (!summary.complete()) {
            spec.commandLine().getErr().printf("canyon demo: %d steps trained, %d published, %d stored within %d s (--store-timeout); "
                    + "the stream is slower than training here: raise --store-timeout, or see what the analytics job logged%n",
                    summary.stepsTrained(), summary.stepsPublished(), summary.stepsStored(), storeTimeoutSeconds);
            spec.commandLine().getErr().flush();
            return Canyon.INCOMPLETE;
        }
        return 0;
    }
}
