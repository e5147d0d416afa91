package dev.canyon.cli;

import dev.canyon.job.StepAnalyticsMain;
import dev.canyon.report.Recording;
import dev.canyon.report.RecordingReader;
import dev.canyon.report.Report;
import dev.canyon.report.ReportSummary;
import dev.canyon.trainer.data.FashionMnist;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static final class Target {
        @Option(names = "--run", description = "The run to report on.")
        String run;

        @Option(names = "--experiment", description = "The experiment to report on (all its runs).")
        String experiment;

        @Option(names = "--list", description = "List the recorded runs (run, experiment, start time, model, optimizer, "
                + "dataset, steps), and exit; with --json as a JSON array.")
        boolean list;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--out", description = "Folder to write (default: $XDG_DATA_HOME/canyon/reports/<run or experiment>, "
            + "else ~/.local/share/canyon/reports/<run or experiment>; it is created, and files of an earlier report in it "
            + "are overwritten).")
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

    @Option(names = "--json", description = "Print summary.json on standard output instead of the text summary (where the "
            + "report went goes to standard error).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (bootstrapServers != null) {
            return report(bootstrapServers, kafka.clientProperties());
        }
        Path dir = DataDirs.recorded(dataDir, ", or read a cluster with --bootstrap-servers");
        DataDirs.requireNotInUse(dir);
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
            List<RecordingReader.RunInfo> runs = reader.runs(progress);
            if (json) {
                System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(runs.stream().map(ReportCommand::asMap)
                        .toList()));
            } else {
                System.out.print(table(runs));
            }
            return 0;
        }
        Recording recording = reader.read(new RecordingReader.Selection(target.run, target.experiment), progress);
        String name = target.run != null ? target.run : target.experiment;
        Path folder = (out != null ? out : defaultOut(name, System.getenv(), Path.of(System.getProperty("user.home")))).toAbsolutePath();
        ReportSummary summary = Report.write(recording, new Report.Options(folder, fashionMnistDir, grid, evalExamples),
                progress);
        String where = String.format("Report of %s written to %s%nOpen %s%n", recording.title(), folder,
                folder.resolve("index.html").toUri());
        if (json) {
            // summary.json as written (numbers that are not finite are null there, not NaN).
            System.out.print(java.nio.file.Files.readString(folder.resolve("summary.json")));
            spec.commandLine().getErr().print(where);
            spec.commandLine().getErr().flush();
        } else {
            System.out.print(where);
            System.out.println(Summaries.text(summary.asMap()));
        }
        return 0;
    }

    /**
     * Where a report goes without --out: {@code $XDG_DATA_HOME/canyon/reports/<name>} when that variable is an
     * absolute path, else {@code <home>/.local/share/canyon/reports/<name>}; characters other than letters, digits,
     * '.', '_' and '-' in the name become '_'.
     */
    static Path defaultOut(String name, Map<String, String> env, Path home) {
        String xdg = env.get("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : home.resolve(".local/share");
        return base.resolve("canyon").resolve("reports").resolve(name.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    /** The runs as a table: one line per run, in the order they started; steps "-" while no run-ended record says. */
    static String table(List<RecordingReader.RunInfo> runs) {
        if (runs.isEmpty()) {
            return "No runs recorded (the runs topic holds no run-started record).\n";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"RUN", "EXPERIMENT", "STARTED (UTC)", "MODEL", "OPTIMIZER", "DATASET", "STEPS", "ENDED"});
        boolean open = false;
        for (RecordingReader.RunInfo r : runs) {
            open |= r.steps() < 0;
            rows.add(new String[] {r.runId(), r.experimentId(), STARTED.format(Instant.ofEpochMilli(r.startedMs())), dash(r.model()),
                    dash(r.optimizer()), dash(r.dataset()), r.steps() < 0 ? "-" : Long.toString(r.steps()),
                    r.outcome().isEmpty() ? "-" : r.outcome().toLowerCase(java.util.Locale.ROOT)});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == 0 ? "" : "  ").append(i == row.length - 1 ? row[i] : String.format("%-" + width[i] + "s", row[i]));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        if (open) {
            sb.append("STEPS -: no run-ended record (still training, or the trainer stopped without closing its listener).\n");
        }
        return sb.toString();
    }

    private static final DateTimeFormatter STARTED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static Map<String, Object> asMap(RecordingReader.RunInfo r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", r.runId());
        m.put("experiment_id", r.experimentId());
        m.put("started", Instant.ofEpochMilli(r.startedMs()).toString());
        m.put("model", r.model());
        m.put("optimizer", r.optimizer());
        m.put("dataset", r.dataset());
        m.put("parameters", r.parameters());
        m.put("steps", r.steps() < 0 ? null : r.steps());
        m.put("outcome", r.outcome().isEmpty() ? null : r.outcome());
        return m;
    }
}
