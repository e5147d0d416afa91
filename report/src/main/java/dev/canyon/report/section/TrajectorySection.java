package dev.canyon.report.section;

import dev.canyon.analytics.update.PcaSnapshot;
import dev.canyon.analytics.update.Position;
import dev.canyon.report.RunRecording;
import dev.canyon.report.TrajectoryView;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The trajectory's principal components (seeds 002 and 000): the exact batch PCA of the run's
 * positions at aligned steps ({@link Position}, through {@link TrajectoryView}; pca-trajectory, needs
 * 3 positions), the stream's PCA over training against its random-walk control ({@link PcaSnapshot};
 * pca-evr), and the explained variance of both side by side (pca-variance). Needs either.
 */
public final class TrajectorySection implements ReportSection<ReportedRun, TrajectorySection.Summary> {

    /**
     * summary.json: pca_batch_evr and pca_batch_top2 (the batch PCA's explained-variance ratios and the
     * top two's sum; absent under 3 positions), pca_stream_top2, pca_control_top2 and pca_stream_step
     * (the stream's last PCA snapshot; absent without one).
     */
    public record Summary(double[] pcaBatchEvr, Double pcaBatchTop2, Double pcaStreamTop2, Double pcaControlTop2, Long pcaStreamStep) {}

    @Override
    public String name() {
        return "trajectory PCA";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        if (run.updates(Position.class).size() < 3 && run.updates(PcaSnapshot.class).isEmpty()) {
            return Optional.of(Skip.quietly("fewer than 3 positions at aligned steps and no PCA snapshot"));
        }
        return Optional.empty();
    }

    @Override
    public Written<Summary> write(ReportedRun run) throws IOException {
        List<Figure> figs = new ArrayList<>();
        List<TrajectoryView.Point> positions = run.updates(Position.class).stream()
                .map(p -> new TrajectoryView.Point(p.at().step(), p.theta())).toList();
        Start start = start(run.recording(), positions);
        List<TrajectoryView.Point> points = new ArrayList<>();
        if (start.theta0() != null) {
            points.add(start.theta0());
        }
        points.addAll(positions);
        double[] batch = null;
        Double batchTop2 = null;
        if (points.size() >= 3) {
            TrajectoryView view = TrajectoryView.of(points, 5);
            batch = view.explained();
            List<double[]> rows = new ArrayList<>();
            for (int i = 0; i < view.steps().length; i++) {
                rows.add(new double[] {view.steps()[i], view.pc1()[i], view.pc2()[i]});
            }
            Csv.table(run.folder().data("trajectory-pca.csv"), List.of("step", "pc1", "pc2"), rows);
            run.folder().save(chart(view, start), "pca-trajectory");
            figs.add(new Figure("pca-trajectory", "2-D PCA of the weight trajectory " + Reference.LIPTON_2016.cite("fig. 1"),
                    start.description() + ", then θ_t at aligned steps (every " + alignment(positions) + "), projected on the top two "
                            + "principal directions of those points (exact batch PCA of " + view.steps().length + " of the " + points.size()
                            + " points, evenly thinned beyond " + TrajectoryView.MAX_POINTS + ", in the run's analytics space: full "
                            + "vectors, or the stream's sketch). PC1 and PC2 are drawn at equal scale (a parameter-space unit is as long "
                            + "on both axes), so the bend of the path is not exaggerated; grey numbers are steps.",
                    List.of("trajectory-pca.csv")));
            batchTop2 = batch[0] + (batch.length > 1 ? batch[1] : 0);
        }
        CategoryChart bars = Figures.bars("Variance explained by the top principal components", "component", "explained-variance ratio");
        List<String> components = List.of("PC1", "PC2", "PC3");
        List<double[]> rows = new ArrayList<>();
        if (batch != null) {
            bars.addSeries("trajectory, exact PCA", components, boxed(pad(batch)));
            rows.add(prepend(0, pad(batch)));
        }
        Double streamTop2 = null;
        Double controlTop2 = null;
        Long streamStep = null;
        List<PcaSnapshot> pca = run.updates(PcaSnapshot.class);
        if (!pca.isEmpty()) {
            PcaSnapshot lastPca = pca.get(pca.size() - 1);
            double[] stream = top3(lastPca.explainedVariance());
            double[] control = top3(lastPca.controlExplainedVariance());
            bars.addSeries("trajectory, live streaming estimate (step " + lastPca.at().step() + ")", components, boxed(zeroNaN(stream)));
            bars.addSeries("random-walk control", components, boxed(zeroNaN(control)));
            rows.add(prepend(1, stream));
            rows.add(prepend(2, control));
            streamTop2 = stream[0] + stream[1];
            controlTop2 = control[0] + control[1];
            streamStep = lastPca.at().step();
            XYChart over = Figures.xy("Top-2 explained variance over training, against the random-walk control", "step",
                    "explained-variance ratio of PC1 + PC2");
            double[] x = Series.of(pca, p -> p.at().step());
            double[] top = Series.of(pca, p -> Series.component(p.explainedVariance(), 0) + Series.component(p.explainedVariance(), 1));
            double[] ctl = Series.of(pca, p -> Series.component(p.controlExplainedVariance(), 0)
                    + Series.component(p.controlExplainedVariance(), 1));
            Figures.line(over, "trajectory", x, top);
            Figures.dashed(over, "random walk with the same step lengths", x, ctl);
            over.getStyler().setYAxisMin(0.0);
            over.getStyler().setYAxisMax(1.0);
            run.folder().save(over, "pca-evr");
            figs.add(new Figure("pca-evr", "Explained variance over training (" + Reference.LIPTON_2016.shortForm() + "; "
                    + Reference.GOODFELLOW_VINYALS_SAXE_2015.shortForm() + ")",
                    "The stream's PCA of the trajectory so far (PC1 + PC2) beside its random-walk control: a walk whose steps have the "
                            + "same lengths in random directions.", List.of("pca.csv")));
        }
        Csv.table(run.folder().data("pca-variance.csv"), List.of("source", "pc1", "pc2", "pc3"), rows);
        run.folder().save(bars, "pca-variance");
        figs.add(new Figure("pca-variance", "Explained variance: trajectory against the random-walk control",
                "Explained-variance ratios of the top three components: the exact PCA of the recorded positions (source 0 in the "
                        + "CSV), the live analytics' streaming estimate at its last point (1), and the random-walk control (2): a walk "
                        + "whose steps have the same lengths in random directions. A trajectory above its control moves in fewer "
                        + "directions than chance.", List.of("pca-variance.csv", "pca.csv")));
        return Written.of(new Summary(batch, batchTop2, streamTop2, controlTop2, streamStep), figs);
    }

    /**
     * The trajectory's first point: θ_0 at step 0 when the recording has it in the positions' space (the
     * analytics keep it from the run-started record; else a step-0 snapshot of the same dimension, when
     * the positions are full vectors), and how the figure describes it.
     *
     * @param theta0 θ_0 as a point at step 0, or null when the recording has none in the positions' space
     * @param description the first point in words, for the caption
     * @param note what the figure says when the first point is not θ_0 (null when it is)
     */
    record Start(TrajectoryView.Point theta0, String description, String note) {}

    static Start start(RunRecording recording, List<TrajectoryView.Point> positions) {
        int dimension = positions.isEmpty() ? -1 : positions.get(0).theta().length;
        boolean beforeFirst = positions.isEmpty() || positions.get(0).step() > 0;
        float[] initial = recording.initialPosition();
        if (beforeFirst && initial != null && initial.length == dimension) {
            return new Start(new TrajectoryView.Point(0, initial), "The first point is θ₀, the initial weights (step 0, from the run's "
                    + "run-started record)", null);
        }
        float[] snapshot = recording.snapshots().get(0L);
        if (beforeFirst && snapshot != null && snapshot.length == dimension) {
            return new Start(new TrajectoryView.Point(0, snapshot), "The first point is θ₀, the initial weights (step 0, from "
                    + "its weight snapshot)", null);
        }
        String first = positions.isEmpty() ? "?" : Long.toString(positions.get(0).step());
        String why = initial == null && snapshot == null ? "the recording holds no θ₀"
                : "the recording's θ₀ is not in the positions' space";
        return new Start(null, "The first point is step " + first + ", not θ₀: " + why,
                "first point: step " + first + ", not θ₀ (" + why + ")");
    }

    /** The PCA trajectory figure: θ_t on PC1 and PC2 at equal scale, θ₀ (or the first point) and θ_T marked, some steps labelled. */
    static XYChart chart(TrajectoryView view, Start start) {
        double[] evr = view.explained();
        XYChart chart = Figures.xy(String.format(Locale.ROOT, "Trajectory on its top two principal components (PC1 %.1f%%, PC2 %.1f%% of "
                + "variance; equal scale)", 100 * evr[0], 100 * (evr.length > 1 ? evr[1] : 0)), "PC1 (parameter-space units)", "PC2");
        int n = view.steps().length;
        Figures.colored(Figures.points(chart, "θ_t at " + n + " steps", view.pc1(), view.pc2()), Figures.PALETTE[0]);
        chart.getStyler().setMarkerSize(5);
        XYSeries first = Figures.markers(chart, start.theta0() != null ? "θ₀ (step 0, initial weights)"
                : "first point (step " + view.steps()[0] + ", not θ₀)", new double[] {view.pc1()[0]}, new double[] {view.pc2()[0]},
                new Color(46, 160, 67));
        first.setMarker(SeriesMarkers.SQUARE);
        XYSeries last = Figures.markers(chart, "θ_T (step " + view.steps()[n - 1] + ")", new double[] {view.pc1()[n - 1]},
                new double[] {view.pc2()[n - 1]}, new Color(214, 39, 40));
        last.setMarker(SeriesMarkers.DIAMOND);
        chart.getStyler().setMarkerSize(8);
        double[] x = view.pc1();
        double[] y = view.pc2();
        Figures.equalAspect(chart, Arrays.stream(x).min().orElse(0), Arrays.stream(x).max().orElse(1), Arrays.stream(y).min().orElse(0),
                Arrays.stream(y).max().orElse(1), 0.12);
        chart.addAnnotation(new Figures.PointLabels(x, y, view.steps(), start.note()));
        return chart;
    }

    private static String alignment(List<TrajectoryView.Point> positions) {
        return positions.size() > 1 ? Long.toString(positions.get(1).step() - positions.get(0).step()) : "?";
    }

    /** The first three ratios, NaN where the PCA has fewer components. */
    private static double[] top3(double[] ratios) {
        return new double[] {Series.component(ratios, 0), Series.component(ratios, 1), Series.component(ratios, 2)};
    }

    /** The first three values, 0 where there are fewer. */
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
}
