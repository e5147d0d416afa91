package dev.canyon.report;

import dev.canyon.kernels.crossrun.CrossRunDistances;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.contract.Measurements;
import dev.canyon.storage.StoredPoint;
import dev.canyon.trainer.ModelRecipe;
import dev.canyon.trainer.data.TrainingData;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * Writes a self-contained report folder for a {@link Recording}: {@code index.html}, every figure as
 * PNG and SVG under {@code figures/}, the numbers behind each as CSV under {@code data/}, and {@code
 * summary.json} with the headline numbers (the ones {@code docs/study.md} quotes). An experiment gets
 * its own figures (runs overlaid, pairwise distances) and a section per run under {@code runs/N/}.
 */
public final class Report {

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

    /** A figure on the page: its file name (without extension), caption, and the CSV files behind it. */
    record Figure(String name, String title, String caption, List<String> data) {}

    private final Options options;
    private final Progress reported;
    /** Per-run phases are named after their run in an experiment ("run 2: subspace grid"). */
    private String phasePrefix = "";
    private final Progress progress;
    private final List<String> problems = new ArrayList<>();

    private Report(Options options, Progress progress) {
        this.options = options;
        this.reported = progress;
        this.progress = (phase, done, total) -> reported.update(phasePrefix + phase, done, total);
    }

    /** Writes the report of {@code recording} and returns its summary (also in summary.json). */
    public static Map<String, Object> write(Recording recording, Options options, Progress progress) throws IOException {
        System.setProperty("java.awt.headless", "true");
        return new Report(options, progress).writeAll(recording);
    }

    private Map<String, Object> writeAll(Recording recording) throws IOException {
        Path out = options.out();
        Files.createDirectories(out);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("title", recording.title());
        StringBuilder body = new StringBuilder();
        List<RunRecording> runs = new ArrayList<>(recording.runs());
        boolean experiment = runs.size() > 1;
        if (experiment) {
            Map<String, Object> ex = experimentSection(recording, runs, out, body);
            summary.put("experiment", ex);
        }
        List<Map<String, Object>> runSummaries = new ArrayList<>();
        int index = 0;
        for (RunRecording run : runs) {
            index++;
            String prefix = experiment ? "runs/" + index + "/" : "";
            phasePrefix = experiment ? "run " + index + ": " : "";
            runSummaries.add(runSection(run, index, out, prefix, body));
        }
        summary.put("runs", runSummaries);
        summary.put("problems", problems);
        Files.writeString(out.resolve("summary.json"), SummaryJson.write(summary) + "\n", StandardCharsets.UTF_8);
        Files.writeString(out.resolve("index.html"), Html.page("Canyon report: " + recording.title(), body.toString(), problems),
                StandardCharsets.UTF_8);
        return summary;
    }

    // ---------------------------------------------------------------------------------------------
    // One run

    private Map<String, Object> runSection(RunRecording run, int index, Path out, String prefix, StringBuilder body) throws IOException {
        Path figures = Files.createDirectories(out.resolve(prefix + "figures"));
        Path data = Files.createDirectories(out.resolve(prefix + "data"));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run", run.runId());
        s.put("experiment", run.experimentId());
        s.put("folder", prefix.isEmpty() ? "." : prefix.substring(0, prefix.length() - 1));
        if (run.started() != null) {
            s.put("model", run.started().getModel());
            s.put("dataset", run.started().getDataset());
            s.put("optimizer", run.started().getOptimizer());
            s.put("learning_rate", run.started().getLearningRate());
            s.put("batch_size", run.started().getBatchSize());
            s.put("parameters", run.started().getParameterCount());
        }
        s.put("steps", run.stepsAccepted());
        s.put("records_rejected", run.recordsRejected());
        for (var e : run.allPoints().entrySet()) {
            Csv.points(data.resolve(e.getKey() + ".csv"), e.getValue());
        }
        List<Figure> figs = new ArrayList<>();

        Map<Long, double[]> snapshotLoss = snapshotLosses(run, data, s);
        snapshotPath(run, s);
        lossFigure(run, snapshotLoss, figures, figs, s);
        trajectoryFigures(run, figures, data, figs, s);
        linearPathFigure(run, figures, figs, s);
        subspaceFigure(run, figures, data, figs, s);
        distanceFigure(run, figures, figs, s);
        indicatorFigures(run, figures, figs, s);
        hessianFigure(run, figures, figs, s);
        escape(run, s);

        body.append(Html.runSection(index, run, s, existing(figs, data), prefix));
        return s;
    }

    /**
     * The path through the weight snapshots (Lipton's granularity: parameters captured every so often,
     * not every step): its length Σ‖θ_{s(i+1)} − θ_{s(i)}‖ against the displacement of its last snapshot
     * from its first. The minibatch steps' own path (distance.csv) is longer: it includes their zigzag.
     */
    private static void snapshotPath(RunRecording run, Map<String, Object> s) {
        if (run.snapshots().size() < 2) {
            return;
        }
        double length = 0;
        float[] previous = null;
        for (float[] theta : run.snapshots().values()) {
            if (previous != null) {
                length += CrossRunDistances.distance(previous, theta);
            }
            previous = theta;
        }
        double displacement = CrossRunDistances.distance(run.snapshots().firstEntry().getValue(),
                run.snapshots().lastEntry().getValue());
        s.put("snapshots", run.snapshots().size());
        s.put("snapshot_path_length", length);
        s.put("snapshot_path_over_displacement", length / displacement);
    }

    /** Train and validation loss re-evaluated at each snapshot; empty when the model cannot be rebuilt. */
    private Map<Long, double[]> snapshotLosses(RunRecording run, Path data, Map<String, Object> s) throws IOException {
        Map<Long, double[]> losses = new TreeMap<>();
        if (run.snapshots().isEmpty()) {
            return losses;
        }
        Optional<ModelLoss> model = modelLoss(run);
        if (model.isEmpty()) {
            return losses;
        }
        long done = 0;
        List<double[]> rows = new ArrayList<>();
        for (var e : run.snapshots().entrySet()) {
            double[] theta = ModelLoss.toDouble(e.getValue());
            double[] l = {model.get().train(theta), model.get().validation(theta)};
            losses.put(e.getKey(), l);
            rows.add(new double[] {e.getKey(), l[0], l[1]});
            progress.update("snapshot losses", ++done, run.snapshots().size());
        }
        Csv.table(data.resolve("snapshot-loss.csv"), List.of("step", "train_loss", "validation_loss"), rows);
        return losses;
    }

    private final Map<String, Optional<ModelLoss>> models = new LinkedHashMap<>();

    private Optional<ModelLoss> modelLoss(RunRecording run) {
        return models.computeIfAbsent(run.runId(), id -> {
            if (run.started() == null) {
                return Optional.empty();
            }
            try {
                Optional<ModelRecipe> recipe = ModelRecipe.of(run.started().getModel(), run.started().getDataset(),
                        run.started().getLabelsMap());
                if (recipe.isEmpty()) {
                    problems.add("run " + run.runId() + ": model '" + run.started().getModel() + "' on '" + run.started().getDataset()
                            + "' carries no recipe labels, so losses at snapshots and the subspace view are left out");
                    return Optional.empty();
                }
                ModelRecipe r = recipe.get();
                TrainingData train = r.trainingData(options.fashionMnistDir(), options.evalExamples());
                TrainingData validation = r.validationData(options.fashionMnistDir(), options.evalExamples());
                return Optional.of(new ModelLoss(r, run.started().getParameterCount(), r.batch(train, options.evalExamples()),
                        validation == null ? null : r.batch(validation, options.evalExamples())));
            } catch (RuntimeException e) {
                problems.add("run " + run.runId() + ": cannot rebuild the model: " + e.getMessage());
                return Optional.empty();
            }
        });
    }

    private void lossFigure(RunRecording run, Map<Long, double[]> snapshotLoss, Path figures, List<Figure> figs,
            Map<String, Object> s) throws IOException {
        List<StoredPoint> training = run.points(Measurements.TRAINING);
        if (training.isEmpty()) {
            problems.add("run " + run.runId() + ": no steps recorded, so no loss figure");
            return;
        }
        XYChart chart = Figures.xy("Loss", "step", "loss");
        Figures.line(chart, "minibatch loss", steps(training), values(training, Measurements.FIELD_LOSS)).setLineWidth(1f);
        s.put("final_loss", last(training, Measurements.FIELD_LOSS));
        List<String> csv = new ArrayList<>(List.of("training.csv"));
        if (!snapshotLoss.isEmpty()) {
            double[] x = snapshotLoss.keySet().stream().mapToDouble(Long::doubleValue).toArray();
            double[] tr = snapshotLoss.values().stream().mapToDouble(v -> v[0]).toArray();
            double[] va = snapshotLoss.values().stream().mapToDouble(v -> v[1]).toArray();
            Figures.points(chart, "train loss (" + modelLoss(run).map(ModelLoss::trainExamples).orElse(0) + " examples, at snapshots)", x,
                    tr);
            if (java.util.Arrays.stream(va).anyMatch(Double::isFinite)) {
                Figures.points(chart, "validation loss (at snapshots)", x, va);
                s.put("final_validation_loss", va[va.length - 1]);
            }
            s.put("final_train_loss_eval", tr[tr.length - 1]);
            csv.add("snapshot-loss.csv");
        }
        List<StoredPoint> obstacle = run.points(Measurements.OBSTACLE);
        if (!obstacle.isEmpty()) {
            int n = obstacle.size();
            double[] from = new double[n];
            double[] to = new double[n];
            String[] state = new String[n];
            Map<String, Integer> seen = new TreeMap<>();
            double window = run.points(Measurements.INDICATORS).isEmpty() ? 0 : num(run.points(Measurements.INDICATORS).get(0),
                    Measurements.FIELD_WINDOW);
            for (int i = 0; i < n; i++) {
                to[i] = step(obstacle.get(i));
                from[i] = i > 0 ? to[i - 1] : Math.max(0, to[i] - (Double.isFinite(window) ? window : 0));
                state[i] = str(obstacle.get(i), Measurements.FIELD_STATE);
                seen.merge(state[i], 1, Integer::sum);
            }
            chart.addAnnotation(new Figures.Bands(from, to, state));
            s.put("obstacle_states", seen);
            s.put("final_obstacle_state", state[n - 1]);
            csv.add("obstacle.csv");
        }
        List<StoredPoint> alerts = run.points(Measurements.ALERTS);
        if (!alerts.isEmpty()) {
            double[] at = new double[alerts.size()];
            String[] label = new String[alerts.size()];
            boolean[] open = new boolean[alerts.size()];
            List<String> list = new ArrayList<>();
            for (int i = 0; i < alerts.size(); i++) {
                StoredPoint a = alerts.get(i);
                at[i] = step(a);
                open[i] = num(a, Measurements.FIELD_OPEN) == 1;
                label[i] = a.tags().getOrDefault(Measurements.TAG_KIND, "?").toLowerCase(Locale.ROOT) + (open[i] ? " opens" : " resolves");
                list.add(label[i] + " at step " + (long) at[i]);
            }
            chart.addAnnotation(new Figures.Marks(at, label, open));
            s.put("alerts", list);
            csv.add("alerts.csv");
        }
        save(chart, figures, "loss");
        figs.add(new Figure("loss", "Loss over steps",
                "Minibatch loss at every step (the loss of the batch before the step), the loss re-evaluated at each weight snapshot on "
                        + "fixed training and validation examples, the stream's obstacle state as bands (each window's state over the "
                        + "steps since the previous point) and stall alerts as dashed lines (red: opens, green: resolves).", csv));
    }

    private void trajectoryFigures(RunRecording run, Path figures, Path data, List<Figure> figs, Map<String, Object> s)
            throws IOException {
        List<TrajectoryView.Point> positions = run.positions().stream()
                .map(p -> new TrajectoryView.Point(p.at().step(), p.theta())).toList();
        double[] batch = null;
        if (positions.size() >= 3) {
            TrajectoryView view = TrajectoryView.of(positions, 5);
            batch = view.explained();
            List<double[]> rows = new ArrayList<>();
            for (int i = 0; i < view.steps().length; i++) {
                rows.add(new double[] {view.steps()[i], view.pc1()[i], view.pc2()[i]});
            }
            Csv.table(data.resolve("trajectory-pca.csv"), List.of("step", "pc1", "pc2"), rows);
            XYChart chart = Figures.xy(String.format(Locale.ROOT, "Trajectory in its top two principal components (%.1f%% + %.1f%% of variance)",
                    100 * batch[0], 100 * (batch.length > 1 ? batch[1] : 0)), "PC1", "PC2");
            XYSeries path = Figures.points(chart, "θ_t at " + view.steps().length + " aligned steps", view.pc1(), view.pc2());
            path.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
            Figures.points(chart, "start (step " + view.steps()[0] + ")", new double[] {view.pc1()[0]}, new double[] {view.pc2()[0]})
                    .setMarkerColor(new Color(46, 160, 67));
            int last = view.steps().length - 1;
            Figures.points(chart, "end (step " + view.steps()[last] + ")", new double[] {view.pc1()[last]},
                    new double[] {view.pc2()[last]}).setMarkerColor(new Color(214, 39, 40));
            save(chart, figures, "pca-trajectory");
            figs.add(new Figure("pca-trajectory", "2-D PCA of the weight trajectory (seed 002, figure 1)",
                    "θ_t at aligned steps (every " + alignment(positions) + "), projected on the top two principal directions of "
                            + "those positions (exact batch PCA of " + view.steps().length + " of the " + positions.size()
                            + " positions, evenly thinned beyond " + TrajectoryView.MAX_POINTS + ", in the run's analytics space: full "
                            + "vectors, or the stream's sketch).",
                    List.of("trajectory-pca.csv")));
            s.put("pca_batch_evr", batch);
            s.put("pca_batch_top2", batch[0] + (batch.length > 1 ? batch[1] : 0));
        }
        List<StoredPoint> pca = run.points(Measurements.PCA);
        if (pca.isEmpty() && batch == null) {
            return;
        }
        CategoryChart bars = Figures.bars("Variance explained by the top principal components", "component", "explained-variance ratio");
        List<String> components = List.of("PC1", "PC2", "PC3");
        List<double[]> rows = new ArrayList<>();
        if (batch != null) {
            bars.addSeries("trajectory (batch PCA)", components, boxed(pad(batch)));
            rows.add(prepend(0, pad(batch)));
        }
        if (!pca.isEmpty()) {
            StoredPoint lastPca = pca.get(pca.size() - 1);
            double[] stream = {num(lastPca, "evr1"), num(lastPca, "evr2"), num(lastPca, "evr3")};
            double[] control = {num(lastPca, "control_evr1"), num(lastPca, "control_evr2"), num(lastPca, "control_evr3")};
            bars.addSeries("stream (step " + step(lastPca) + ")", components, boxed(zeroNaN(stream)));
            bars.addSeries("random-walk control", components, boxed(zeroNaN(control)));
            rows.add(prepend(1, stream));
            rows.add(prepend(2, control));
            s.put("pca_stream_top2", stream[0] + stream[1]);
            s.put("pca_control_top2", control[0] + control[1]);
            s.put("pca_stream_step", step(lastPca));
            XYChart over = Figures.xy("Top-2 explained variance over training, against the random-walk control", "step",
                    "explained-variance ratio of PC1 + PC2");
            double[] x = steps(pca);
            double[] top = new double[pca.size()];
            double[] ctl = new double[pca.size()];
            for (int i = 0; i < pca.size(); i++) {
                top[i] = num(pca.get(i), "evr1") + num(pca.get(i), "evr2");
                ctl[i] = num(pca.get(i), "control_evr1") + num(pca.get(i), "control_evr2");
            }
            Figures.line(over, "trajectory", x, top);
            Figures.dashed(over, "random walk with the same step lengths", x, ctl);
            over.getStyler().setYAxisMin(0.0);
            over.getStyler().setYAxisMax(1.0);
            save(over, figures, "pca-evr");
            figs.add(new Figure("pca-evr", "Explained variance over training (seeds 002 and 000)",
                    "The stream's PCA of the trajectory so far (PC1 + PC2) beside its random-walk control: a walk whose steps have the "
                            + "same lengths in random directions.", List.of("pca.csv")));
        }
        Csv.table(data.resolve("pca-variance.csv"), List.of("source", "pc1", "pc2", "pc3"), rows);
        save(bars, figures, "pca-variance");
        figs.add(new Figure("pca-variance", "Explained variance: trajectory against the random-walk control",
                "Explained-variance ratios of the top three components: the batch PCA of the positions (source 0 in the CSV), the "
                        + "stream's PCA at its last point (1), and the random-walk control (2).", List.of("pca-variance.csv", "pca.csv")));
    }

    private void linearPathFigure(RunRecording run, Path figures, List<Figure> figs, Map<String, Object> s) throws IOException {
        List<StoredPoint> path = run.points(Measurements.LINEAR_PATH);
        if (path.isEmpty()) {
            return;
        }
        Map<Long, List<StoredPoint>> byStep = new TreeMap<>();
        for (StoredPoint p : path) {
            byStep.computeIfAbsent(step(p), k -> new ArrayList<>()).add(p);
        }
        Map<Long, StoredPoint> summaries = new TreeMap<>();
        for (StoredPoint p : run.points(Measurements.LINEAR_PATH_SUMMARY)) {
            summaries.put(step(p), p);
        }
        XYChart chart = Figures.xy("Loss along the straight line θ(α) = (1 − α) θ₀ + α θ_t (seed 000)", "α", "loss");
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Vertical);
        int monotone = 0;
        int validationMonotone = 0;
        int curve = 0;
        for (var e : byStep.entrySet()) {
            Color colour = Figures.PALETTE[curve++ % Figures.PALETTE.length];
            StoredPoint sum = summaries.get(e.getKey());
            String barrier = sum == null ? "" : String.format(Locale.ROOT, ", barrier %.2g", num(sum, Measurements.FIELD_BARRIER));
            double[] alpha = values(e.getValue(), Measurements.FIELD_ALPHA);
            Figures.line(chart, "train t=" + e.getKey() + barrier, alpha, values(e.getValue(), Measurements.FIELD_TRAIN_LOSS))
                    .setLineColor(colour);
            double[] validation = values(e.getValue(), Measurements.FIELD_VALIDATION_LOSS);
            if (java.util.Arrays.stream(validation).anyMatch(Double::isFinite)) {
                String vb = sum == null ? "" : String.format(Locale.ROOT, ", barrier %.2g", num(sum, Measurements.FIELD_VALIDATION_BARRIER));
                Figures.dashed(chart, "valid. t=" + e.getKey() + vb, alpha, validation).setLineColor(colour);
            }
            if (sum != null && num(sum, Measurements.FIELD_MONOTONE) == 1) {
                monotone++;
            }
            if (sum != null && num(sum, Measurements.FIELD_VALIDATION_MONOTONE) == 1) {
                validationMonotone++;
            }
        }
        chart.addAnnotation(new org.knowm.xchart.AnnotationLine(0, true, false));
        chart.addAnnotation(new org.knowm.xchart.AnnotationLine(1, true, false));
        save(chart, figures, "linear-path");
        figs.add(new Figure("linear-path", "Linear path from initialization (seed 000)",
                "Loss on the probe batches along the straight line from θ₀ (α = 0) to θ_t (α = 1) and beyond, one curve per probe time "
                        + "(solid: training batch, dashed: validation batch). Barrier: the largest height of the curve above the chord "
                        + "between its values at α = 0 and α = 1, over α ∈ [0, 1] (0 when it stays below; a curve can decrease "
                        + "monotonically and still have one). Monotone: the loss never rises from α = 0 to α = 1 (linear_path_summary.csv).",
                List.of("linear_path.csv", "linear_path_summary.csv")));
        s.put("linear_path_probes", byStep.size());
        s.put("linear_path_monotone_probes", monotone);
        s.put("linear_path_validation_monotone_probes", validationMonotone);
        if (!summaries.isEmpty()) {
            StoredPoint lastSum = ((TreeMap<Long, StoredPoint>) summaries).lastEntry().getValue();
            s.put("linear_path_last_step", step(lastSum));
            s.put("linear_path_last_monotone", num(lastSum, Measurements.FIELD_MONOTONE) == 1);
            s.put("linear_path_last_barrier", num(lastSum, Measurements.FIELD_BARRIER));
            s.put("linear_path_last_validation_monotone", num(lastSum, Measurements.FIELD_VALIDATION_MONOTONE) == 1);
            s.put("linear_path_max_barrier", summaries.values().stream().mapToDouble(p -> num(p, Measurements.FIELD_BARRIER))
                    .filter(Double::isFinite).max().orElse(Double.NaN));
            s.put("linear_path_last_validation_barrier", num(lastSum, Measurements.FIELD_VALIDATION_BARRIER));
        }
    }

    private void subspaceFigure(RunRecording run, Path figures, Path data, List<Figure> figs, Map<String, Object> s)
            throws IOException {
        if (options.grid() == 0 || run.snapshots().size() < 2) {
            if (options.grid() > 0) {
                problems.add("run " + run.runId() + ": " + run.snapshots().size()
                        + " weight snapshot(s) recorded; the subspace view needs θ_0 and θ_T (train with --snapshot-every N)");
            }
            return;
        }
        Optional<ModelLoss> model = modelLoss(run);
        if (model.isEmpty()) {
            return;
        }
        List<Long> snapSteps = new ArrayList<>(run.snapshots().keySet());
        List<float[]> snaps = new ArrayList<>(run.snapshots().values());
        SubspaceView.Plane plane;
        try {
            plane = SubspaceView.plane(snaps, 7);
        } catch (IllegalArgumentException e) {
            problems.add("run " + run.runId() + ": no subspace view: " + e.getMessage());
            return;
        }
        List<double[]> projected = new ArrayList<>();
        List<double[]> pathRows = new ArrayList<>();
        for (int i = 0; i < snaps.size(); i++) {
            double[] ab = plane.project(snaps.get(i));
            projected.add(ab);
            pathRows.add(new double[] {snapSteps.get(i), ab[0], ab[1]});
        }
        double[] extent = SubspaceView.extent(plane, projected);
        SubspaceView.Grid grid = SubspaceView.grid(plane, extent, options.grid(), model.get()::train,
                (done, total) -> progress.update("subspace grid", done, total));
        List<double[]> rows = new ArrayList<>();
        for (int j = 0; j < grid.b().length; j++) {
            for (int i = 0; i < grid.a().length; i++) {
                rows.add(new double[] {grid.a()[i], grid.b()[j], grid.loss()[j][i]});
            }
        }
        Csv.table(data.resolve("subspace-grid.csv"), List.of("a", "b", "train_loss"), rows);
        Csv.table(data.resolve("subspace-path.csv"), List.of("step", "a", "b"), pathRows);
        XYChart chart = Figures.xy("Training loss on the plane through θ₀, θ_T and the path's principal deviation (seed 000)",
                "a: along θ_T − θ₀", "b: along the path's deviation");
        double[] pa = projected.stream().mapToDouble(p -> p[0]).toArray();
        double[] pb = projected.stream().mapToDouble(p -> p[1]).toArray();
        Figures.line(chart, "SGD path through the snapshots (projected)", pa, pb).setLineColor(Color.WHITE);
        double da = (extent[1] - extent[0]) / (2.0 * (options.grid() - 1));
        double db = (extent[3] - extent[2]) / (2.0 * (options.grid() - 1));
        chart.getStyler().setXAxisMin(extent[0] - da);
        chart.getStyler().setXAxisMax(extent[1] + da);
        chart.getStyler().setYAxisMin(extent[2] - db);
        chart.getStyler().setYAxisMax(extent[3] + db);
        chart.getStyler().setPlotGridLinesVisible(false);
        chart.addAnnotation(new Figures.Surface(grid.a(), grid.b(), grid.loss(), pa, pb, plane.length()));
        save(chart, figures, "subspace");
        figs.add(new Figure("subspace", "2-D subspace view (seed 000)",
                "Training loss (" + model.get().trainExamples() + " examples) re-evaluated by the rebuilt model on a " + options.grid() + " × "
                        + options.grid() + " grid of the plane θ₀ + a·u + b·v, u along θ_T − θ₀ (‖θ_T − θ₀‖ = "
                        + String.format(Locale.ROOT, "%.4g", plane.length()) + "), v the " + plane.secondDirection()
                        + "; the white path joins the " + snaps.size() + " weight snapshots projected on the plane, the dotted line is "
                        + "the straight line θ₀ → θ_T.", List.of("subspace-grid.csv", "subspace-path.csv")));
        s.put("subspace_line_length", plane.length());
        s.put("subspace_second_direction", plane.secondDirection());
        double maxDev = 0;
        for (double[] p : projected) {
            maxDev = Math.max(maxDev, Math.abs(p[1]));
        }
        s.put("subspace_max_deviation", maxDev);
    }

    private void distanceFigure(RunRecording run, Path figures, List<Figure> figs, Map<String, Object> s) throws IOException {
        List<StoredPoint> d = run.points(Measurements.DISTANCE);
        if (d.isEmpty()) {
            return;
        }
        XYChart chart = Figures.xy("Distance travelled against displacement (seed 002)", "step", "parameter-space distance");
        double[] x = steps(d);
        Figures.line(chart, "path length Σ‖Δθ‖", x, values(d, Measurements.FIELD_PATH_LENGTH));
        Figures.line(chart, "displacement ‖θ_t − θ₀‖", x, values(d, Measurements.FIELD_DISPLACEMENT));
        Figures.dashed(chart, "distance from the origin ‖θ_t‖", x, values(d, Measurements.FIELD_DISTANCE_FROM_ORIGIN));
        save(chart, figures, "distances");
        figs.add(new Figure("distances", "Distances (seed 002)",
                "Path length (sum of step lengths), displacement from θ₀ and distance from the origin, from the exact per-step scalars.",
                List.of("distance.csv")));
        double path = last(d, Measurements.FIELD_PATH_LENGTH);
        double displacement = last(d, Measurements.FIELD_DISPLACEMENT);
        s.put("path_length", path);
        s.put("displacement", displacement);
        s.put("path_over_displacement", path / displacement);
        s.put("distance_from_origin", last(d, Measurements.FIELD_DISTANCE_FROM_ORIGIN));
    }

    private void indicatorFigures(RunRecording run, Path figures, List<Figure> figs, Map<String, Object> s) throws IOException {
        List<StoredPoint> ind = run.points(Measurements.INDICATORS);
        List<StoredPoint> grad = run.points(Measurements.GRADIENT);
        if (!grad.isEmpty() || !ind.isEmpty()) {
            XYChart chart = Figures.xy("Gradient norm", "step", "‖g‖");
            if (!grad.isEmpty()) {
                Figures.line(chart, "‖g_t‖ (every step)", steps(grad), values(grad, Measurements.FIELD_GRAD_NORM)).setLineWidth(1f);
            }
            if (!ind.isEmpty()) {
                Figures.line(chart, "window mean", steps(ind), values(ind, Measurements.FIELD_GRAD_NORM_MEAN)).setLineWidth(2.5f);
            }
            logIfPositive(chart);
            save(chart, figures, "gradient-norm");
            figs.add(new Figure("gradient-norm", "Gradient norm (seed 001: local minima and saddles show as a small gradient)",
                    "‖g_t‖ of the minibatch gradient at every step and its mean over each window.", List.of("gradient.csv", "indicators.csv")));
        }
        if (ind.isEmpty()) {
            return;
        }
        XYChart curvature = Figures.xy("Curvature", "step", "curvature (loss per squared parameter distance)");
        Figures.line(curvature, "window curvature (" + str(ind.get(0), Measurements.FIELD_CURVATURE_SOURCE) + ")", steps(ind),
                values(ind, Measurements.FIELD_CURVATURE));
        List<StoredPoint> probes = run.points(Measurements.CURVATURE_PROBE);
        List<String> curvatureCsv = new ArrayList<>(List.of("indicators.csv"));
        if (!probes.isEmpty()) {
            Figures.points(curvature, "probe: along the step", steps(probes), values(probes, Measurements.FIELD_ALONG_STEP));
            Figures.points(curvature, "probe: along the gradient (gᵀHg/‖g‖²)", steps(probes), values(probes, Measurements.FIELD_ALONG_GRADIENT));
            curvatureCsv.add("curvature_probe.csv");
        }
        save(curvature, figures, "curvature");
        figs.add(new Figure("curvature", "Directional curvature (seed 001)",
                "The window's curvature estimate and the same-batch probes along the step and along the gradient.", curvatureCsv));

        XYChart cosine = Figures.xy("Successive cosine and uphill steps (seed 001: poor conditioning, noise)", "step", "");
        Figures.line(cosine, "cos(g_t, g_{t−1}), window mean", steps(ind), values(ind, Measurements.FIELD_SUCCESSIVE_COSINE));
        Figures.line(cosine, "fraction of uphill steps", steps(ind), values(ind, Measurements.FIELD_UPHILL_FRACTION));
        cosine.getStyler().setYAxisMin(-1.0);
        cosine.getStyler().setYAxisMax(1.0);
        save(cosine, figures, "cosine");
        figs.add(new Figure("cosine", "Successive cosine and uphill steps",
                "Mean cosine between successive minibatch gradients and the fraction of steps whose loss went up, per window.",
                List.of("indicators.csv")));

        XYChart noise = Figures.xy("Gradient noise scale", "step", "noise scale");
        Figures.line(noise, "noise scale", steps(ind), values(ind, Measurements.FIELD_NOISE_SCALE));
        logIfPositive(noise);
        save(noise, figures, "noise-scale");
        figs.add(new Figure("noise-scale", "Gradient noise scale (seed 001: noise)",
                "Variance of the minibatch gradients over the squared norm of their mean, per window (see docs/metrics.md).",
                List.of("indicators.csv")));

        double[] ratio = values(ind, Measurements.FIELD_STABILITY_RATIO);
        if (java.util.Arrays.stream(ratio).anyMatch(Double::isFinite)) {
            XYChart stability = Figures.xy("Stability ratio η·λmax/2 (edge of stability at 1)", "step", "η · λmax / 2");
            Figures.line(stability, "stability ratio", steps(ind), ratio);
            double[] x = steps(ind);
            Figures.dashed(stability, "1: gradient descent on the local quadratic diverges above", new double[] {x[0], x[x.length - 1]},
                    new double[] {1, 1});
            save(stability, figures, "stability");
            figs.add(new Figure("stability", "Stability ratio",
                    "Learning rate times the largest Hessian eigenvalue of the latest Hessian probe, over 2: above 1, gradient descent "
                            + "on the local quadratic diverges along the top eigendirection (Cohen et al. 2021).", List.of("indicators.csv")));
        }
    }

    private void hessianFigure(RunRecording run, Path figures, List<Figure> figs, Map<String, Object> s) throws IOException {
        List<StoredPoint> h = run.points(Measurements.HESSIAN);
        if (h.isEmpty()) {
            return;
        }
        XYChart chart = Figures.xy("Hessian extremes on the probe batch", "step", "eigenvalue");
        Figures.points(chart, "λmax", steps(h), values(h, Measurements.FIELD_LAMBDA_MAX));
        Figures.points(chart, "λmin", steps(h), values(h, Measurements.FIELD_LAMBDA_MIN));
        double[] x = steps(h);
        Figures.dashed(chart, "0", new double[] {x[0], x[x.length - 1]}, new double[] {0, 0}).setLineColor(Color.GRAY);
        save(chart, figures, "hessian");
        figs.add(new Figure("hessian", "Hessian extremes (seed 001: saddles show a negative eigenvalue)",
                "Largest and smallest Hessian eigenvalues by Lanczos on finite-difference Hessian-vector products.", List.of("hessian.csv")));
        double minLambda = Double.POSITIVE_INFINITY;
        long firstNegative = -1;
        for (StoredPoint p : h) {
            double l = num(p, Measurements.FIELD_LAMBDA_MIN);
            minLambda = Math.min(minLambda, l);
            if (l < 0 && firstNegative < 0) {
                firstNegative = step(p);
            }
        }
        s.put("hessian_probes", h.size());
        s.put("lambda_min_lowest", minLambda);
        s.put("lambda_min_first_negative_step", firstNegative);
        s.put("lambda_min_first", num(h.get(0), Measurements.FIELD_LAMBDA_MIN));
        s.put("lambda_max_first", num(h.get(0), Measurements.FIELD_LAMBDA_MAX));
    }

    /**
     * When the run left its starting level: the first step whose 10-step mean minibatch loss has covered
     * half of the run's decrease, from the mean of its first 10 losses to the mean of its last 10
     * (−1 when the loss did not decrease). For a run started at a saddle this is its escape.
     */
    private static void escape(RunRecording run, Map<String, Object> s) {
        List<StoredPoint> t = run.points(Measurements.TRAINING);
        if (t.size() < 20) {
            return;
        }
        double[] loss = values(t, Measurements.FIELD_LOSS);
        double start = 0;
        double end = 0;
        for (int i = 0; i < 10; i++) {
            start += loss[i] / 10;
            end += loss[loss.length - 1 - i] / 10;
        }
        long escape = -1;
        if (end < start) {
            double halfway = start - 0.5 * (start - end);
            double window = 0;
            for (int i = 0; i < loss.length; i++) {
                window += loss[i];
                if (i >= 10) {
                    window -= loss[i - 10];
                }
                if (i >= 9 && window / 10 <= halfway) {
                    escape = step(t.get(i));
                    break;
                }
            }
        }
        s.put("initial_loss", start);
        s.put("escape_step", escape);
    }

    // ---------------------------------------------------------------------------------------------
    // An experiment

    private Map<String, Object> experimentSection(Recording recording, List<RunRecording> runs, Path out, StringBuilder body)
            throws IOException {
        Path figures = Files.createDirectories(out.resolve("figures"));
        Path data = Files.createDirectories(out.resolve("data"));
        Map<String, Object> s = new LinkedHashMap<>();
        List<Figure> figs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunRecording r = runs.get(i);
            String role = r.started() == null ? null : r.started().getLabelsMap().get(dev.canyon.trainer.Experiment.LABEL_ROLE);
            labels.add("run " + (i + 1) + (role == null || role.equals("run-" + (i + 1)) ? "" : " (" + role + ")"));
        }
        s.put("runs", runs.stream().map(RunRecording::runId).toList());
        s.put("labels", labels);
        XYChart travelled = Figures.xy("Path length (solid) and displacement (dashed) of each run", "step", "parameter-space distance");
        XYChart origin = Figures.xy("Distance from the origin of each run", "step", "‖θ_t‖");
        for (XYChart c : List.of(travelled, origin)) {
            // One or two entries per run: a column inside the plot's empty upper left, not a row that overflows.
            c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
            c.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Vertical);
        }
        List<Double> finalOrigin = new ArrayList<>();
        // A clone parent is compared at its own steps with clones that are further along: it is left out of the aggregates.
        boolean[] aggregated = new boolean[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            RunRecording r = runs.get(i);
            aggregated[i] = r.started() == null || !"parent".equals(r.started().getLabelsMap().get(dev.canyon.trainer.Experiment.LABEL_ROLE));
        }
        List<Double> aggregatedOrigin = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            List<StoredPoint> d = runs.get(i).points(Measurements.DISTANCE);
            if (d.isEmpty()) {
                finalOrigin.add(Double.NaN);
                continue;
            }
            XYSeries p = Figures.line(travelled, labels.get(i) + " path", steps(d), values(d, Measurements.FIELD_PATH_LENGTH));
            p.setLineColor(Figures.PALETTE[i % Figures.PALETTE.length]);
            Figures.dashed(travelled, labels.get(i) + " displacement", steps(d), values(d, Measurements.FIELD_DISPLACEMENT))
                    .setLineColor(Figures.PALETTE[i % Figures.PALETTE.length]);
            Figures.line(origin, labels.get(i), steps(d), values(d, Measurements.FIELD_DISTANCE_FROM_ORIGIN));
            finalOrigin.add(last(d, Measurements.FIELD_DISTANCE_FROM_ORIGIN));
            if (aggregated[i]) {
                aggregatedOrigin.add(last(d, Measurements.FIELD_DISTANCE_FROM_ORIGIN));
            }
        }
        if (!travelled.getSeriesMap().isEmpty()) {
            save(travelled, figures, "runs-distances");
            save(origin, figures, "runs-origin");
            figs.add(new Figure("runs-distances", "Distance travelled by each run (seed 002)", "Path length and displacement per run.",
                    List.of()));
            figs.add(new Figure("runs-origin", "Distance from the origin (seed 002)", "‖θ_t‖ per run.", List.of()));
            s.put("distance_from_origin", finalOrigin);
            s.put("distance_from_origin_cv", cv(aggregatedOrigin));
        }
        // Pairwise distances at the latest step every pair shares.
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            index.put(runs.get(i).runId(), i);
        }
        Csv.points(data.resolve("cross_run.csv"), dev.canyon.storage.UpdatePoints.of(recording.crossRun()));
        double[][] matrix = new double[runs.size()][runs.size()];
        long[][] at = new long[runs.size()][runs.size()];
        for (double[] row : matrix) {
            java.util.Arrays.fill(row, Double.NaN);
        }
        for (var c : recording.crossRun()) {
            Integer a = index.get(c.run());
            Integer b = index.get(c.other());
            if (a == null || b == null) {
                continue;
            }
            // Both directions, as the stored points hold them.
            for (int[] ij : new int[][] {{a, b}, {b, a}}) {
                if (c.step() >= at[ij[0]][ij[1]]) {
                    at[ij[0]][ij[1]] = c.step();
                    matrix[ij[0]][ij[1]] = c.distance();
                }
            }
        }
        List<double[]> rows = new ArrayList<>();
        List<Double> pairs = new ArrayList<>();
        List<Map<String, Object>> pairDetails = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            rows.add(matrix[i].clone());
            for (int j = i + 1; j < runs.size(); j++) {
                if (Double.isFinite(matrix[i][j])) {
                    if (aggregated[i] && aggregated[j]) {
                        pairs.add(matrix[i][j]);
                    }
                    Map<String, Object> pair = new LinkedHashMap<>();
                    pair.put("a", labels.get(i));
                    pair.put("b", labels.get(j));
                    pair.put("step", at[i][j]);
                    pair.put("distance", matrix[i][j]);
                    pair.put("aggregated", aggregated[i] && aggregated[j]);
                    pairDetails.add(pair);
                }
            }
        }
        s.put("pairs", pairDetails);
        Csv.table(data.resolve("pairwise-distances.csv"), labels, rows);
        if (!pairs.isEmpty()) {
            save(Figures.heatMap("Pairwise distances between the runs at their last shared aligned step (seed 002)", labels, matrix),
                    figures, "pairwise-distances");
            figs.add(new Figure("pairwise-distances", "Pairwise distances between runs (seed 002)",
                    "‖θ_t(i) − θ_t(j)‖ at the latest aligned step both runs reached (each run's first "
                            + dev.canyon.job.CrossRunFunction.KEPT_PER_RUN + " aligned positions are kept), in the runs' "
                            + "shared analytics space.", List.of("pairwise-distances.csv", "cross_run.csv")));
            s.put("pairwise_distances", pairs);
            s.put("pairwise_mean", pairs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
            s.put("pairwise_cv", cv(pairs));
        }
        body.append(Html.experimentSection(recording, runs, s, existing(figs, data)));
        return s;
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    /** The figures with only the CSV files that were written (a short run may lack some measurements). */
    private static List<Figure> existing(List<Figure> figs, Path data) {
        return figs.stream().map(f -> new Figure(f.name(), f.title(), f.caption(),
                f.data().stream().filter(csv -> Files.exists(data.resolve(csv))).toList())).toList();
    }

    private void save(Chart<?, ?> chart, Path dir, String name) throws IOException {
        progress.update("figures", 0, 0);
        Figures.save(chart, dir, name);
    }

    private static void logIfPositive(XYChart chart) {
        boolean positive = chart.getSeriesMap().values().stream()
                .allMatch(sr -> java.util.Arrays.stream(sr.getYData()).allMatch(v -> v > 0 || Double.isNaN(v)));
        chart.getStyler().setYAxisLogarithmic(positive);
    }

    private static String alignment(List<TrajectoryView.Point> positions) {
        return positions.size() > 1 ? Long.toString(positions.get(1).step() - positions.get(0).step()) : "?";
    }

    static long step(StoredPoint p) {
        Object v = p.fields().get(Measurements.FIELD_STEP);
        return v instanceof Number n ? n.longValue() : -1;
    }

    static double num(StoredPoint p, String field) {
        Object v = p.fields().get(field);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static String str(StoredPoint p, String field) {
        Object v = p.fields().get(field);
        return v == null ? "" : v.toString();
    }

    static double[] steps(List<StoredPoint> points) {
        return points.stream().mapToDouble(Report::step).toArray();
    }

    static double[] values(List<StoredPoint> points, String field) {
        return points.stream().mapToDouble(p -> num(p, field)).toArray();
    }

    private static double last(List<StoredPoint> points, String field) {
        for (int i = points.size() - 1; i >= 0; i--) {
            double v = num(points.get(i), field);
            if (Double.isFinite(v)) {
                return v;
            }
        }
        return Double.NaN;
    }

    private static double[] pad(double[] v) {
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) {
            out[i] = i < v.length ? v[i] : 0;
        }
        return out;
    }

    private static List<Double> boxed(double[] v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }

    private static double[] zeroNaN(double[] v) {
        double[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Double.isFinite(out[i]) ? out[i] : 0;
        }
        return out;
    }

    private static double[] prepend(double first, double[] rest) {
        double[] out = new double[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    /** Coefficient of variation: standard deviation over mean. */
    static double cv(List<Double> v) {
        double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double var = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / Math.max(1, v.size() - 1);
        return Math.sqrt(var) / mean;
    }
}
