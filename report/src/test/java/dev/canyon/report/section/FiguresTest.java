package dev.canyon.report.section;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.canyon.report.TrajectoryView;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** The report's figure helpers: round ticks, equal aspect, legend colours, the subspace view's colour bar. */
class FiguresTest {

    @Test
    void tickSpacingIsOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(Figures.tickSpacing(0, 1000, 10, true)).isEqualTo(100);
        assertThat(Figures.tickSpacing(0, 1000, 6, true)).isEqualTo(200);
        assertThat(Figures.tickSpacing(0, 31, 8, true)).isEqualTo(5);
        assertThat(Figures.tickSpacing(0, 31, 4, true)).isEqualTo(10);
        assertThat(Figures.tickSpacing(0, 5, 20, true)).isEqualTo(1); // steps are integers: never 0.5
        assertThat(Figures.tickSpacing(0, 1, 5, false)).isCloseTo(0.2, within(1e-12));
        assertThat(Figures.ticks(0, 31, 8, true)).containsExactly(0, 5, 10, 15, 20, 25, 30);
        assertThat(Figures.ticks(1, 1000, 10, true)).containsExactly(100, 200, 300, 400, 500, 600, 700, 800, 900, 1000);
        assertThat(Figures.ticks(531, 4867, 2, true)).containsExactly(2000, 4000); // 5000 apart none would fall inside
        Random r = new Random(1);
        for (int i = 0; i < 1000; i++) {
            double min = r.nextDouble() * 1e4;
            double max = min + 2 + Math.pow(10, 6 * r.nextDouble()); // at least 2 steps: two integers inside
            int most = 2 + r.nextInt(12);
            double[] ticks = Figures.ticks(min, max, most, true);
            double s = ticks[1] - ticks[0];
            double mantissa = s / Math.pow(10, Math.floor(Math.log10(s) + 1e-9));
            assertThat(List.of(1.0, 2.0, 5.0)).as("spacing %s for %s..%s", s, min, max).anySatisfy(m -> assertThat(mantissa)
                    .isCloseTo(m, within(1e-9)));
            // At most most + 1 ticks, and at least 2 (a finer round spacing when the first leaves fewer).
            assertThat(ticks.length).as("%s..%s in at most %d intervals", min, max, most).isBetween(2, Math.max(most + 1, 6));
            for (double t : ticks) {
                assertThat(t).isBetween(min - 1e-9, max + 1e-9);
                assertThat(Math.abs(t / s - Math.rint(t / s))).isLessThan(1e-9);
            }
        }
    }

    /** XChart ticks equally spaced steps 1..31 at 1, 32, ...: a step axis hides its labels and draws round ones instead. */
    @Test
    void stepAxesTickAtRoundSteps() {
        XYChart chart = Figures.xy("t", "step", "y");
        assertThat(chart.getStyler().getXAxisTickLabelsColor().getAlpha()).isZero();
        assertThat(chart.getStyler().isPlotGridVerticalLinesVisible()).isFalse();
        XYChart plain = Figures.xy("t", "x", "y");
        assertThat(plain.getStyler().getXAxisTickLabelsColor().getAlpha()).isEqualTo(255);
        double[] x = new double[31];
        double[] y = new double[31];
        for (int i = 0; i < 31; i++) {
            x[i] = i + 1;
            y[i] = Math.sin(i);
        }
        plain.addSeries("s", x, y);
        Figures.StepTicks ticks = Figures.stepAxis(plain);
        paint(plain);
        double[] painted = ticks.painted();
        assertThat(painted.length).isGreaterThanOrEqualTo(3);
        double spacing = painted[1] - painted[0];
        assertThat(spacing).isIn(1.0, 2.0, 5.0, 10.0);
        for (int i = 0; i < painted.length; i++) {
            assertThat(painted[i]).isEqualTo(painted[0] + i * spacing);
            assertThat(painted[i] % spacing).isZero();
        }
        assertThat(painted).doesNotContain(31); // XChart's own first ticks: 1, 32, ...
    }

    /** The PCA figure: one parameter-space unit as many pixels on PC1 as on PC2, even when PC1 spreads 50 times wider. */
    @Test
    void trajectoryIsDrawnAtEqualScale() {
        List<TrajectoryView.Point> points = new ArrayList<>();
        for (int t = 0; t <= 20; t++) {
            points.add(new TrajectoryView.Point(50L * t, new float[] {t, 0.01f * t * (20 - t), 0.001f * t}));
        }
        TrajectoryView view = TrajectoryView.of(points, 3);
        XYChart chart = TrajectorySection.chart(view, new TrajectorySection.Start(points.get(0), "θ₀", null));
        double[] scale = Figures.pixelsPerUnit(chart);
        assertThat(scale[0] / scale[1]).isCloseTo(1, within(0.01));
        // Every point is inside the axes.
        for (int i = 0; i < view.steps().length; i++) {
            assertThat(view.pc1()[i]).isBetween(chart.getStyler().getXAxisMin(), chart.getStyler().getXAxisMax());
            assertThat(view.pc2()[i]).isBetween(chart.getStyler().getYAxisMin(), chart.getStyler().getYAxisMax());
        }
        // Without it XChart fills the plot: PC2 would be stretched many times.
        XYChart stretched = Figures.xy("t", "PC1", "PC2");
        stretched.addSeries("s", view.pc1(), view.pc2());
        paint(stretched);
        double sx = Math.abs(stretched.getScreenXFromChart(1) - stretched.getScreenXFromChart(0));
        double sy = Math.abs(stretched.getScreenYFromChart(1) - stretched.getScreenYFromChart(0));
        assertThat(sy / sx).isGreaterThan(5);
    }

    /** A legend icon shows its series' colour: line and marker of every series of the PCA figure are one colour. */
    @Test
    void legendIconsHaveTheirSeriesColours() {
        List<TrajectoryView.Point> points = new ArrayList<>();
        for (int t = 0; t <= 6; t++) {
            points.add(new TrajectoryView.Point(10L * t, new float[] {t, t * t, 1}));
        }
        XYChart chart = TrajectorySection.chart(TrajectoryView.of(points, 3), new TrajectorySection.Start(points.get(0), "θ₀", null));
        paint(chart);
        assertThat(chart.getSeriesMap()).hasSize(3);
        for (XYSeries s : chart.getSeriesMap().values()) {
            assertThat(s.getMarkerColor()).as(s.getName()).isEqualTo(s.getLineColor());
        }
        assertThat(chart.getSeriesMap().get("θ₀ (step 0, initial weights)").getMarkerColor()).isEqualTo(new Color(46, 160, 67));
        assertThat(chart.getSeriesMap().get("θ_T (step 60)").getMarkerColor()).isEqualTo(new Color(214, 39, 40));
    }

    /** The subspace view's colour bar: ticks between its ends (its contour levels), and a path whose legend entry shows on white. */
    @Test
    void subspaceColourBarAndLegend() {
        double[] a = {0, 1, 2, 3};
        double[] b = {-1, 0, 1};
        double[][] loss = {{0.05, 0.1, 0.3, 1}, {0.1, 0.2, 0.5, 2}, {0.2, 0.4, 1, 5}};
        Figures.ColourScale scale = Figures.ColourScale.of(loss);
        assertThat(scale.log()).isTrue();
        Figures.ColourBar bar = new Figures.ColourBar(scale, "training loss (log colour scale)");
        BufferedImage image = new BufferedImage(bar.width(), 400, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        bar.paint(g, 20, 380, 400);
        g.dispose();
        assertThat(bar.painted()).containsExactly(0.1, 0.2, 0.5, 1, 2);
        for (double v : bar.painted()) {
            assertThat(v).isStrictlyBetween(scale.min(), scale.max());
        }
        assertThat(Figures.ColourBar.tickLabels(bar.painted(), true)).containsExactly("0.1", "0.2", "0.5", "1", "2");
        // A narrow linear range: neighbours print apart (3 significant digits would print 0.801 three times).
        assertThat(Figures.ColourBar.tickLabels(new double[] {0.8009, 0.801, 0.8011}, false)).containsExactly("0.8009", "0.8010", "0.8011");
        assertThat(Figures.number(0.0025)).isEqualTo("0.0025");
        assertThat(Figures.number(-0.0005)).isEqualTo("-0.0005");
        assertThat(Figures.number(0.1 + 0.2)).isEqualTo("0.3");
        assertThat(Figures.number(1500.0)).isEqualTo("1500");

        XYChart chart = SubspaceSection.chart(new dev.canyon.report.SubspaceView.Grid(a, b, loss), new double[] {0, 3, -1, 1},
                new double[] {0, 1.5, 3}, new double[] {0, 0.5, 0}, 3, scale);
        XYSeries path = chart.getSeriesMap().values().iterator().next();
        assertThat(path.getLineColor()).isEqualTo(Figures.Surface.PATH).isEqualTo(path.getMarkerColor());
        // Legible on the legend's white: far from white (the path used to be white).
        Color c = path.getLineColor();
        assertThat(0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue()).isLessThan(160);
    }

    private static void paint(XYChart chart) {
        BufferedImage image = new BufferedImage(chart.getWidth(), chart.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        chart.paint(g, chart.getWidth(), chart.getHeight());
        g.dispose();
    }

    /** A note wider than the plot is broken at spaces into lines that fit; a word longer than the width keeps a line of its own. */
    @Test
    void notesWrapToThePlotWidth() {
        java.util.function.ToIntFunction<String> chars = String::length;
        assertThat(Figures.Note.wrap("35 of 100 windows have an estimate", 12, chars))
                .containsExactly("35 of 100", "windows have", "an estimate");
        assertThat(Figures.Note.wrap("short", 100, chars)).containsExactly("short");
        assertThat(Figures.Note.wrap("a extraordinarily b", 5, chars)).containsExactly("a", "extraordinarily", "b");
    }

    /**
     * The subspace view at equal scale: a path 10 long that deviates 0.3 sideways gets a grid whose b side is
     * widened until one weight-space unit is as many pixels along a as along b, in the plot beside the colour bar;
     * the grid still holds the original extent.
     */
    @Test
    void subspaceViewIsDrawnAtEqualScale() {
        double[] pa = {0, 3, 7, 10};
        double[] pb = {0, 0.3, -0.1, 0};
        double[] extent = {-2.5, 12.5, -2.5, 2.5};
        int n = 25;
        XYChart chart = SubspaceSection.skeleton(pa, pb, 10);
        double[] square = SubspaceSection.equalAspectExtent(chart, extent, n);
        assertThat(square[0]).isLessThanOrEqualTo(extent[0] + 1e-9);
        assertThat(square[1]).isGreaterThanOrEqualTo(extent[1] - 1e-9);
        assertThat(square[2]).isLessThan(extent[2]);
        assertThat(square[3]).isGreaterThan(extent[3]);
        double[] a = new double[n];
        double[] b = new double[n];
        double[][] loss = new double[n][n];
        for (int i = 0; i < n; i++) {
            a[i] = square[0] + i * (square[1] - square[0]) / (n - 1);
            b[i] = square[2] + i * (square[3] - square[2]) / (n - 1);
        }
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                loss[j][i] = 1 + a[i] * a[i] + b[j] * b[j];
            }
        }
        SubspaceSection.surface(chart, new dev.canyon.report.SubspaceView.Grid(a, b, loss), square, pa, pb, 10,
                Figures.ColourScale.of(loss));
        double[] scale = Figures.pixelsPerUnit(chart, chart.getWidth() - Figures.ColourBar.WIDTH);
        assertThat(scale[0] / scale[1]).isCloseTo(1, within(0.01));
        // Without it the plot is stretched: b's 5 units take as much height as a's 15 units take width.
        XYChart stretched = SubspaceSection.chart(new dev.canyon.report.SubspaceView.Grid(a, b, loss), extent, pa, pb, 10,
                Figures.ColourScale.of(loss));
        double[] s2 = Figures.pixelsPerUnit(stretched, stretched.getWidth() - Figures.ColourBar.WIDTH);
        assertThat(s2[1] / s2[0]).isGreaterThan(1.3);
    }

    /** A dashed line through many points keeps 64 of them, evenly spaced, ends included, so that its dashes show. */
    @Test
    void denseDashedLinesAreThinnedSoTheirDashesShow() {
        double[] x = new double[1000];
        double[] y = new double[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
            y[i] = Math.sqrt(i);
        }
        XYChart chart = Figures.xy("t", "step", "y");
        XYSeries s = Figures.dashed(chart, "d", x, y);
        assertThat(s.getXData()).hasSize(Figures.DASHED_POINTS);
        assertThat(s.getXData()[0]).isEqualTo(1);
        assertThat(s.getXData()[Figures.DASHED_POINTS - 1]).isEqualTo(1000);
        for (int k = 0; k < Figures.DASHED_POINTS; k++) {
            assertThat(s.getYData()[k]).isEqualTo(Math.sqrt(s.getXData()[k] - 1));
        }
        assertThat(Figures.dashed(chart, "few", new double[] {1, 2}, new double[] {3, 4}).getXData()).containsExactly(1, 2);
    }

    /** Layer histograms are densities: a narrow layer and a wide one each have area 1, whatever their bin widths. */
    @Test
    void histogramsAreDensitiesOfAreaOne() {
        var at = new dev.canyon.analytics.update.At("r", "e", 100, 0);
        var narrow = new dev.canyon.analytics.update.LayerHistogramMeasured(at, "0", dev.canyon.analytics.update.LayerHistogramMeasured.Kind.PARAMS,
                -0.01, 0.01, new long[] {5, 10, 5});
        var wide = new dev.canyon.analytics.update.LayerHistogramMeasured(at, "1", dev.canyon.analytics.update.LayerHistogramMeasured.Kind.PARAMS,
                -3, 3, new long[] {1, 2, 1});
        for (var h : List.of(narrow, wide)) {
            double[][] d = HistogramsSection.density(h);
            double width = (h.hi() - h.lo()) / 3;
            assertThat(d[1][0] * width + d[1][1] * width + d[1][2] * width).isCloseTo(1, within(1e-12));
            assertThat(d[0][1]).isCloseTo(0, within(1e-12));
        }
        assertThat(HistogramsSection.density(narrow)[1][1]).isCloseTo(0.5 / (0.02 / 3), within(1e-9));
    }
}
