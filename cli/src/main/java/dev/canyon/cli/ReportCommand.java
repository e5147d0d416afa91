package dev.canyon.cli;

import dev.canyon.job.StepAnalyticsMain;
import dev.canyon.report.Recording;
import dev.canyon.report.RecordingReader;
import dev.canyon.report.Report;
import dev.canyon.report.ReportSummary;
import dev.canyon.trainer.data.FashionMnist;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code canyon report}: a recorded run or experiment as figures (PNG, SVG), CSV and an HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Reads a run or an experiment back from Canyon's recorded topics (runs, steps, snapshots), runs the "
                + "stream's analytics over it (the numbers the live job stored), re-evaluates the model at its weight snapshots, "
                + "and writes a self-contained folder: index.html, every figure as PNG and SVG, the numbers behind each as CSV, "
                + "and summary.json.",
                "Figures: loss with obstacle-state bands and alerts; 2-D PCA of the trajectory and its explained variance against "
                        + "the random-walk control; loss along the straight line from initialization; the 2-D subspace view; distances; "
                        + "indicators; for an experiment, runs overlaid and the pairwise distance matrix."})
final class ReportCommand implements Callable<Integer> {

    static final class Target {
        @Option(names = "--run", description = "The run to report on.")
        String run;

        @Option(names = "--experiment", description = "The experiment to report on (all its runs).")
        String experiment;

        @Option(names = "--list", description = "List the recorded runs and experiments, and exit.")
        boolean list;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--out", description = "Folder to write (default: canyon-report-<run or experiment>).")
    Path out;

    @Option(names = "--bootstrap-servers", description = "Read from this Kafka cluster (default: the local stack's data, "
            + "--data-dir).")
    String bootstrapServers;

    @Option(names = "--data-dir", description = "Without --bootstrap-servers: the local stack data to read (default: "
            + "$CANYON_DATA_DIR or ./.canyon; what canyon demo and canyon stack keep). Kafka is started on it for the report.")
    Path dataDir;

    /** With --bootstrap-servers: the file's and the command line's; on the local stack's data only the command line's. */
    @picocli.CommandLine.Mixin
    KafkaOptions kafka;

    @Option(names = "--grid", defaultValue = "25",
            description = "Points per side of the 2-D subspace grid; 0 leaves the subspace view out (default: ${DEFAULT-VALUE}).")
    int grid;

    @Option(names = "--eval-examples", defaultValue = "1000",
            description = "Training (and validation) examples the losses at snapshots and on the grid are evaluated on (default: ${DEFAULT-VALUE}).")
    int evalExamples;

    @Option(names = "--fashion-mnist-dir", defaultValue = FashionMnist.DEFAULT_DIR,
            description = "Fashion-MNIST IDX folder, to re-evaluate Fashion-MNIST models (default: ${DEFAULT-VALUE}).")
    Path fashionMnistDir;

    @Option(names = "--json", description = "Print the summary as JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (bootstrapServers != null) {
            return report(bootstrapServers, kafka.clientProperties());
        }
        Path dir = DataDirs.recorded(dataDir, ", or read a cluster with --bootstrap-servers");
        dev.canyon.stack.EmbeddedKafka local;
        try {
            local = dev.canyon.stack.EmbeddedKafka.start(dir.resolve("kafka"));
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open the Kafka data in " + dir.resolve("kafka") + " (is canyon stack running on it? "
                    + "then pass --bootstrap-servers localhost:9092): " + e.getMessage(), e);
        }
        try (local) {
            return report(local.bootstrapServers(), kafka.commandLineProperties());
        }
    }

    private int report(String bootstrap, Map<String, String> kafkaProperties) throws Exception {
        RecordingReader reader = new RecordingReader(bootstrap, kafkaProperties, StepAnalyticsMain.analytics(System.getenv()));
        Map<String, ProgressBar> bars = new HashMap<>();
        dev.canyon.report.Progress progress = (phase, done, total) -> {
            if (total > 0) {
                bars.computeIfAbsent(phase, p -> new ProgressBar(System.err, p, total)).update(done, "");
            }
        };
        if (target.list) {
            System.out.printf("%-40s %s%n", "RUN", "EXPERIMENT");
            reader.runs(progress).forEach(r -> System.out.printf("%-40s %s%n", r.runId(), r.experimentId()));
            return 0;
        }
        Recording recording = reader.read(new RecordingReader.Selection(target.run, target.experiment), progress);
        String name = target.run != null ? target.run : target.experiment;
        Path folder = out != null ? out : Path.of("canyon-report-" + name.replaceAll("[^A-Za-z0-9._-]", "_"));
        ReportSummary summary = Report.write(recording, new Report.Options(folder, fashionMnistDir, grid, evalExamples),
                progress);
        if (json) {
            // summary.json as written (numbers that are not finite are null there, not NaN).
            System.out.print(java.nio.file.Files.readString(folder.resolve("summary.json")));
        } else {
            System.out.printf("Report of %s written to %s%n", recording.title(), folder.resolve("index.html").toAbsolutePath());
            System.out.println(Summaries.text(summary.asMap()));
        }
        return 0;
    }
}
