package dev.canyon.report;

import dev.canyon.report.section.CosineSection;
import dev.canyon.report.section.CurvatureSection;
import dev.canyon.report.section.DistancesSection;
import dev.canyon.report.section.EscapeSection;
import dev.canyon.report.section.Figure;
import dev.canyon.report.section.GradientNormSection;
import dev.canyon.report.section.HessianSection;
import dev.canyon.report.section.LayersSection;
import dev.canyon.report.section.HistogramsSection;
import dev.canyon.report.section.LinearPathSection;
import dev.canyon.report.section.LossSection;
import dev.canyon.report.section.MeasurementsSection;
import dev.canyon.report.section.NoiseScaleSection;
import dev.canyon.report.section.PairwiseDistancesSection;
import dev.canyon.report.section.ReportFolder;
import dev.canyon.report.section.ReportSection;
import dev.canyon.report.section.ReportedExperiment;
import dev.canyon.report.section.ReportedRun;
import dev.canyon.report.section.RunsOverlaidSection;
import dev.canyon.report.section.Skip;
import dev.canyon.report.section.SnapshotLossSection;
import dev.canyon.report.section.SnapshotPathSection;
import dev.canyon.report.section.StabilitySection;
import dev.canyon.report.section.SubspaceSection;
import dev.canyon.report.section.TrajectorySection;
import dev.canyon.report.section.Written;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a self-contained report folder for a {@link Recording}: {@code index.html}, every figure as
 * PNG and SVG under {@code figures/}, the numbers behind each as CSV under {@code data/}, and {@code
 * summary.json} with the headline numbers (the ones {@code docs/study.md} quotes). An experiment gets
 * its own figures (runs overlaid, pairwise distances) and a section per run under {@code runs/N/}.
 *
 * <p>Only the order lives here: each piece of the page is a {@link ReportSection} of its own (package
 * {@code section}) that reads the typed updates it needs, skips itself with a reason when they are
 * absent, and returns its figures and typed summary; the summaries are assembled into a
 * {@link ReportSummary} and written with Jackson.
 */
public final class Report {
    private static final Logger LOG = LoggerFactory.getLogger(Report.class);

    /**
     * @param out the folder to write (created; an earlier report's files of the same names are overwritten,
     *     others are left, and the page links only to this report's)
     * @param fashionMnistDir Fashion-MNIST IDX folder, to re-evaluate Fashion-MNIST models
     * @param grid points per side of the 2-D subspace grid (0: no subspace view)
     * @param evalExamples examples in the evaluation batches (training and validation) that losses at
     *     snapshots and on the grid are computed on
     */
    public record Options(Path out, Path fashionMnistDir, int grid, int evalExamples) {
        public Options {
            if (grid == 1 || grid < 0) {
                throw new IllegalArgumentException("the subspace grid needs 0 (off) or at least 2 points per side, got " + grid);
            }
            if (evalExamples < 1) {
                throw new IllegalArgumentException("evaluation examples must be >= 1, got " + evalExamples);
            }
        }
    }

    private Report() {}

    /** Writes the report of {@code recording} and returns its summary (also in summary.json). */
    public static ReportSummary write(Recording recording, Options options, Progress progress) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path out = Files.createDirectories(options.out());
        List<String> problems = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        List<RunRecording> runs = new ArrayList<>(recording.runs());
        ExperimentSummary experiment = null;
        if (runs.size() > 1) {
            experiment = experiment(ReportedExperiment.of(recording, runs, ReportFolder.create(out, progress)), problems, body);
        }
        List<RunSummary> runSummaries = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            String prefix = runs.size() > 1 ? "runs/" + (i + 1) + "/" : "";
            String phase = runs.size() > 1 ? "run " + (i + 1) + ": " : "";
            ReportFolder folder = ReportFolder.create(out.resolve(prefix), (p, done, total) -> progress.update(phase + p, done, total));
            runSummaries.add(run(new ReportedRun(runs.get(i), folder, options, problems::add), i + 1, prefix, body));
        }
        ReportSummary summary = new ReportSummary(recording.title(), experiment, runSummaries, problems);
        Files.writeString(out.resolve("summary.json"), SummaryJson.write(summary) + "\n", StandardCharsets.UTF_8);
        Files.writeString(out.resolve("index.html"), Html.page("Canyon report: " + recording.title(), body.toString(), problems),
                StandardCharsets.UTF_8);
        return summary;
    }

    private static RunSummary run(ReportedRun run, int index, String prefix, StringBuilder body) throws IOException {
        Sections<ReportedRun> page = new Sections<>(run, "run " + run.recording().runId(), run::leftOut);
        page.write(new MeasurementsSection());
        SnapshotLossSection.Losses snapshotLosses = page.write(new SnapshotLossSection());
        SnapshotPathSection.Summary snapshotPath = page.write(new SnapshotPathSection());
        LossSection.Summary loss = page.write(new LossSection(snapshotLosses));
        TrajectorySection.Summary trajectory = page.write(new TrajectorySection());
        LinearPathSection.Summary linearPath = page.write(new LinearPathSection());
        SubspaceSection.Summary subspace = page.write(new SubspaceSection());
        DistancesSection.Summary distances = page.write(new DistancesSection());
        page.write(new GradientNormSection());
        page.write(new LayersSection());
        page.write(new CurvatureSection());
        page.write(new CosineSection());
        page.write(new NoiseScaleSection());
        page.write(new StabilitySection());
        HessianSection.Summary hessian = page.write(new HessianSection());
        EscapeSection.Summary escape = page.write(new EscapeSection());
        page.write(new HistogramsSection());
        RunRecording r = run.recording();
        RunSummary summary = new RunSummary(r.runId(), r.experimentId(), prefix.isEmpty() ? "." : prefix.substring(0, prefix.length() - 1),
                RunSummary.Setup.of(r.started()), r.stepsAccepted(), r.recordsRejected(), snapshotPath, loss, trajectory, linearPath,
                subspace, distances, hessian, escape);
        body.append(Html.runSection(index, r, SummaryJson.asMap(summary), run.folder().existing(page.figures), prefix));
        return summary;
    }

    private static ExperimentSummary experiment(ReportedExperiment experiment, List<String> problems, StringBuilder body)
            throws IOException {
        Sections<ReportedExperiment> page = new Sections<>(experiment, "experiment", reason -> problems.add("experiment: " + reason));
        RunsOverlaidSection.Summary overlaid = page.write(new RunsOverlaidSection());
        PairwiseDistancesSection.Summary pairwise = page.write(new PairwiseDistancesSection());
        ExperimentSummary summary = new ExperimentSummary(experiment.runs().stream().map(RunRecording::runId).toList(), experiment.labels(),
                overlaid, pairwise);
        body.append(Html.experimentSection(experiment.recording(), experiment.runs(), SummaryJson.asMap(summary),
                experiment.folder().existing(page.figures)));
        return summary;
    }

    /** Writes sections on one input in page order, collecting their figures and noting why any is skipped. */
    private static final class Sections<I> {
        private final I input;
        private final String what;
        private final Consumer<String> leftOut;
        final List<Figure> figures = new ArrayList<>();

        Sections(I input, String what, Consumer<String> leftOut) {
            this.input = input;
            this.what = what;
            this.leftOut = leftOut;
        }

        /** The section's summary, or null when it was skipped. */
        <S> S write(ReportSection<I, S> section) throws IOException {
            Optional<Skip> skip = section.skip(input);
            if (skip.isPresent()) {
                LOG.debug("{}: no {}: {}", what, section.name(), skip.get().reason());
                if (skip.get().leftOut()) {
                    leftOut.accept(skip.get().reason());
                }
                return null;
            }
            Written<S> written = section.write(input);
            figures.addAll(written.figures());
            return written.summary();
        }
    }
}
