package dev.canyon.report.section;

import dev.canyon.report.ModelLoss;
import dev.canyon.report.SubspaceView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * The 2-D subspace view (Goodfellow, Vinyals & Saxe 2015): the training loss, re-evaluated by the rebuilt model, on a grid
 * of the plane through θ₀, θ_T and the path's principal deviation ({@link SubspaceView}), with the
 * weight snapshots projected on it. Needs the grid (--grid above 0), two snapshots and the model.
 */
public final class SubspaceSection implements ReportSection<ReportedRun, SubspaceSection.Summary> {

    /**
     * summary.json: subspace_line_length (‖θ_T − θ₀‖), subspace_second_direction (what v follows) and
     * subspace_max_deviation (the largest |b| of a snapshot).
     */
    public record Summary(double subspaceLineLength, String subspaceSecondDirection, double subspaceMaxDeviation) {}

    /**
     * How to record weight snapshots, for both ways of training: the CLI and the DL4J listener used
     * from Java (whose {@code ProbePlan} takes no snapshot unless its schedule is set).
     */
    static final String SNAPSHOT_ADVICE = "take weight snapshots, with canyon train --snapshot-every N, or with the DL4J listener "
            + "from Java through its probe plan, e.g. TelemetryConfig.builder().probes(ProbePlan.builder().snapshots(Schedule.every(N))"
            + ".build()), or ProbePlan.ECONOMY (every 1,000 steps) or FULL (every 200)";

    @Override
    public String name() {
        return "subspace view";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        int snapshots = run.recording().snapshots().size();
        if (run.options().grid() == 0) {
            return Optional.of(Skip.quietly("the subspace view is off (grid 0)"));
        }
        if (snapshots < 2) {
            return Optional.of(Skip.leftOut(snapshots + " weight snapshot(s) recorded; the subspace view needs θ_0 and θ_T: "
                    + SNAPSHOT_ADVICE));
        }
        if (run.model().isEmpty()) {
            return Optional.of(Skip.quietly("the model cannot be rebuilt (left out once for the run)"));
        }
        return Optional.empty();
    }

    @Override
    public Written<Summary> write(ReportedRun run) throws IOException {
        ModelLoss model = run.model().orElseThrow();
        int n = run.options().grid();
        List<Long> snapSteps = new ArrayList<>(run.recording().snapshots().keySet());
        List<float[]> snaps = new ArrayList<>(run.recording().snapshots().values());
        SubspaceView.Plane plane;
        try {
            plane = SubspaceView.plane(snaps, 7);
        } catch (IllegalArgumentException e) {
            run.leftOut("no subspace view: " + e.getMessage());
            return Written.nothing();
        }
        List<double[]> projected = new ArrayList<>();
        List<double[]> pathRows = new ArrayList<>();
        for (int i = 0; i < snaps.size(); i++) {
            double[] ab = plane.project(snaps.get(i));
            projected.add(ab);
            pathRows.add(new double[] {snapSteps.get(i), ab[0], ab[1]});
        }
        double[] pa = projected.stream().mapToDouble(p -> p[0]).toArray();
        double[] pb = projected.stream().mapToDouble(p -> p[1]).toArray();
        XYChart chart = skeleton(pa, pb, plane.length());
        double[] extent = equalAspectExtent(chart, SubspaceView.extent(plane, projected), n);
        SubspaceView.Grid grid = SubspaceView.grid(plane, extent, n, model::train,
                (done, total) -> run.folder().progress().update("subspace grid", done, total));
        List<double[]> rows = new ArrayList<>();
        for (int j = 0; j < grid.b().length; j++) {
            for (int i = 0; i < grid.a().length; i++) {
                rows.add(new double[] {grid.a()[i], grid.b()[j], grid.loss()[j][i]});
            }
        }
        Csv.table(run.folder().data("subspace-grid.csv"), List.of("a", "b", "train_loss"), rows);
        Csv.table(run.folder().data("subspace-path.csv"), List.of("step", "a", "b"), pathRows);
        Figures.ColourScale scale = Figures.ColourScale.of(grid.loss());
        surface(chart, grid, extent, pa, pb, plane.length(), scale);
        run.folder().save(chart, new Figures.ColourBar(scale, scale.log() ? "training loss (log colour scale)" : "training loss"),
                "subspace");
        double maxDeviation = 0;
        for (double[] p : projected) {
            maxDeviation = Math.max(maxDeviation, Math.abs(p[1]));
        }
        return Written.of(new Summary(plane.length(), plane.secondDirection(), maxDeviation),
                new Figure("subspace", "2-D subspace view " + Reference.GOODFELLOW_VINYALS_SAXE_2015.cite(),
                        "Training loss (" + model.trainExamples() + " examples) re-evaluated by the rebuilt model on a " + n + " × " + n
                                + " grid of the plane θ₀ + a·u + b·v, u along θ_T − θ₀ (‖θ_T − θ₀‖ = "
                                + String.format(Locale.ROOT, "%.4g", plane.length()) + "), v the " + plane.secondDirection()
                                + "; colours " + (scale.log() ? "on a log scale " : "") + "from " + Figures.ColourBar.value(scale.min())
                                + " to " + Figures.ColourBar.value(scale.max()) + ", white contour lines at the levels ticked on the "
                                + "colour bar (marching squares over the grid). The red path joins the " + snaps.size()
                                + " weight snapshots projected on the plane; the dashed line is the straight line θ₀ → θ_T. Equal "
                                + "scale: a distance in weight space is as long along a as along b.",
                        List.of("subspace-grid.csv", "subspace-path.csv")));
    }

    /** The subspace figure: the loss surface with its contours, the path and the straight line (legend entries in their colours). */
    static XYChart chart(SubspaceView.Grid grid, double[] extent, double[] pa, double[] pb, double length, Figures.ColourScale scale) {
        XYChart chart = skeleton(pa, pb, length);
        surface(chart, grid, extent, pa, pb, length, scale);
        return chart;
    }

    /**
     * The grid's extent for an equal-aspect figure: {@code extent} ({aMin, aMax, bMin, bMax}) with its
     * narrower side widened about its centre, so that a distance in weight space is as many pixels along
     * a as along b once the grid's cells (half a cell beyond its outer points) fill the plot beside the
     * colour bar. Sets the chart's axes to match.
     */
    static double[] equalAspectExtent(XYChart chart, double[] extent, int n) {
        // The axes reach half a cell beyond the grid's outer points: a margin of 1/(n - 1) of each range.
        Figures.equalAspect(chart, extent[0], extent[1], extent[2], extent[3], 1.0 / (n - 1), chart.getWidth() - Figures.ColourBar.WIDTH);
        double shrink = (n - 1) / (double) n;
        double[] axes = {chart.getStyler().getXAxisMin(), chart.getStyler().getXAxisMax(), chart.getStyler().getYAxisMin(),
            chart.getStyler().getYAxisMax()};
        double ca = (axes[0] + axes[1]) / 2;
        double ha = (axes[1] - axes[0]) / 2 * shrink;
        double cb = (axes[2] + axes[3]) / 2;
        double hb = (axes[3] - axes[2]) / 2 * shrink;
        return new double[] {ca - ha, ca + ha, cb - hb, cb + hb};
    }

    /** The titled, labelled chart with the legend entries of the path and the straight line, before its surface. */
    static XYChart skeleton(double[] pa, double[] pb, double length) {
        XYChart chart = Figures.xy("Training loss on the plane through θ₀, θ_T and the path's principal deviation "
                + Reference.GOODFELLOW_VINYALS_SAXE_2015.cite(), "a: along θ_T − θ₀", "b: along the path's deviation");
        // Drawn again by the surface (which covers the plot): these series give the legend its entries, in the same colours.
        XYSeries path = Figures.colored(Figures.points(chart, "SGD path through the weight snapshots (projected)", pa, pb),
                Figures.Surface.PATH);
        path.setLineWidth(2.2f);
        Figures.level(chart, "straight line θ₀ → θ_T", 0, length, 0, Figures.Surface.LINE);
        chart.getStyler().setPlotGridLinesVisible(false);
        return chart;
    }

    /** Sets the axes to the grid's cells and paints the loss surface, its contours, the path and the line over the plot. */
    static void surface(XYChart chart, SubspaceView.Grid grid, double[] extent, double[] pa, double[] pb, double length,
            Figures.ColourScale scale) {
        int n = grid.a().length;
        double da = (extent[1] - extent[0]) / (2.0 * (n - 1));
        double db = (extent[3] - extent[2]) / (2.0 * (grid.b().length - 1));
        chart.getStyler().setXAxisMin(extent[0] - da);
        chart.getStyler().setXAxisMax(extent[1] + da);
        chart.getStyler().setYAxisMin(extent[2] - db);
        chart.getStyler().setYAxisMax(extent[3] + db);
        chart.addAnnotation(new Figures.Surface(grid.a(), grid.b(), grid.loss(), pa, pb, length, scale));
    }
}
