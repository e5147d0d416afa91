package dev.canyon.report.section;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Annotation;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn with XChart and saved as PNG (for the page) and SVG (for papers). Pure
 * drawing: the numbers come from the caller.
 */
public final class Figures {
    /** Width and height of every figure, pixels. */
    public static final int WIDTH = 960;
    public static final int HEIGHT = 540;

    /** One colour per obstacle state, in {@code ObstacleState} order. */
    static final Map<String, Color> STATE_COLORS = Map.of(
            "PROGRESSING", new Color(46, 160, 67),
            "PLATEAU_MOVING", new Color(31, 119, 180),
            "NEAR_MINIMUM", new Color(148, 103, 189),
            "SADDLE", new Color(214, 39, 40),
            "ILL_CONDITIONED", new Color(255, 127, 14),
            "NOISE_DOMINATED", new Color(140, 86, 75),
            "DIVERGING", new Color(0, 0, 0));

    /** Distinct line colours (Tableau 10), for series that must share a colour (a curve and its dashed twin). */
    static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
        new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127), new Color(188, 189, 34),
        new Color(23, 190, 207)};

    private Figures() {}

    static XYChart xy(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLocale(Locale.ROOT);
        chart.getStyler().setAntiAlias(true);
        chart.getStyler().setXAxisTickMarkSpacingHint(90);
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        if (xTitle.equals("step")) {
            // Steps are integers; without grouping separators the labels of long runs do not run into each other.
            chart.getStyler().setXAxisDecimalPattern("#");
        }
        return chart;
    }

    /** A y-axis on a log scale when every value drawn is positive (NaN gaps allowed). */
    static void logIfPositive(XYChart chart) {
        boolean positive = chart.getSeriesMap().values().stream()
                .allMatch(sr -> java.util.Arrays.stream(sr.getYData()).allMatch(v -> v > 0 || Double.isNaN(v)));
        chart.getStyler().setYAxisLogarithmic(positive);
    }

    /** A line series (no markers). */
    static XYSeries line(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineWidth(1.5f);
        return s;
    }

    /** A line with circle markers. */
    static XYSeries points(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineWidth(1.5f);
        chart.getStyler().setMarkerSize(6);
        return s;
    }

    static XYSeries dashed(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = line(chart, name, x, y);
        s.setLineStyle(SeriesLines.DASH_DASH);
        return s;
    }

    static CategoryChart bars(String title, String xTitle, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLocale(Locale.ROOT);
        chart.getStyler().setYAxisDecimalPattern("0.00");
        return chart;
    }

    static HeatMapChart heatMap(String title, List<String> labels, double[][] values) {
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT).title(title).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLocale(Locale.ROOT);
        chart.getStyler().setShowValue(true);
        chart.getStyler().setHeatMapValueDecimalPattern("0.000");
        chart.getStyler().setXAxisLabelRotation(20);
        List<Number[]> cells = new java.util.ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            for (int j = 0; j < values.length; j++) {
                if (Double.isFinite(values[i][j])) {
                    cells.add(new Number[] {j, i, values[i][j]});
                }
            }
        }
        // The colour scale's ends, rounded (its legend prints them as they are).
        double min = cells.stream().mapToDouble(c -> c[2].doubleValue()).min().orElse(0);
        double max = cells.stream().mapToDouble(c -> c[2].doubleValue()).max().orElse(1);
        chart.getStyler().setMin(Math.floor(min * 1000) / 1000);
        chart.getStyler().setMax(Math.max(Math.ceil(max * 1000) / 1000, Math.floor(min * 1000) / 1000 + 0.001));
        chart.addSeries("distance", labels, labels, cells);
        return chart;
    }

    /** Saves {@code chart} as {@code name}.png and {@code name}.svg in {@code dir}. */
    static void save(Chart<?, ?> chart, Path dir, String name) throws IOException {
        BitmapEncoder.saveBitmap(chart, dir.resolve(name + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(chart, dir.resolve(name + ".svg").toString(),
                VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    }

    /** Translucent bands behind step ranges (obstacle states), with a small legend of the states shown. */
    static final class Bands extends Annotation {
        private final double[] from;
        private final double[] to;
        private final String[] state;

        Bands(double[] from, double[] to, String[] state) {
            super(false);
            this.from = from;
            this.to = to;
            this.state = state;
        }

        @Override
        public void paint(Graphics2D g) {
            int top = getYAxisScreenValueForMin(); // screen coordinates: the plot's top edge
            int bottom = getYAxisScreenValueForMax();
            int left = getXAxisScreenValueForMin();
            int right = getXAxisScreenValueForMax();
            java.util.LinkedHashSet<String> shown = new java.util.LinkedHashSet<>();
            for (int i = 0; i < from.length; i++) {
                Color c = STATE_COLORS.getOrDefault(state[i], Color.GRAY);
                int x0 = Math.max(left, getXAxisScreenValue(from[i]));
                int x1 = Math.min(right, getXAxisScreenValue(to[i]));
                if (x1 <= x0) {
                    continue;
                }
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 40));
                g.fill(new Rectangle2D.Double(x0, top, x1 - x0, bottom - top));
                shown.add(state[i]);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            int x = left + 8;
            for (String s : shown) {
                Color c = STATE_COLORS.getOrDefault(s, Color.GRAY);
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 110));
                g.fill(new Rectangle2D.Double(x, top + 6, 12, 12));
                g.setColor(Color.DARK_GRAY);
                String label = s.toLowerCase(Locale.ROOT).replace('_', ' ');
                g.drawString(label, x + 16, top + 16);
                x += 24 + g.getFontMetrics().stringWidth(label);
            }
            bounds = new Rectangle2D.Double(left, top, right - left, bottom - top);
        }
    }

    /** Vertical lines at alert transitions, labelled. */
    static final class Marks extends Annotation {
        private final double[] at;
        private final String[] label;
        private final boolean[] open;

        Marks(double[] at, String[] label, boolean[] open) {
            super(false);
            this.at = at;
            this.label = label;
            this.open = open;
        }

        @Override
        public void paint(Graphics2D g) {
            int top = getYAxisScreenValueForMin(); // screen coordinates: the plot's top edge
            int bottom = getYAxisScreenValueForMax();
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
            for (int i = 0; i < at.length; i++) {
                int x = getXAxisScreenValue(at[i]);
                g.setColor(open[i] ? new Color(200, 0, 0) : new Color(0, 120, 0));
                g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
                g.drawLine(x, top, x, bottom);
                g.drawString(label[i], x + 4, top + 34 + 14 * (i % 3));
            }
            bounds = new Rectangle2D.Double(0, top, 1, bottom - top);
        }
    }

    /**
     * A loss surface on a grid (filled cells, viridis-like colours on log-spaced levels when the losses
     * span a decade or more) with a path, θ_0 and θ_T, and a colour bar; painted over the plot area.
     */
    static final class Surface extends Annotation {
        private final double[] a;
        private final double[] b;
        private final double[][] loss;
        private final double[] pathA;
        private final double[] pathB;
        private final double lineLength;

        Surface(double[] a, double[] b, double[][] loss, double[] pathA, double[] pathB, double lineLength) {
            super(false);
            this.a = a;
            this.b = b;
            this.loss = loss;
            this.pathA = pathA;
            this.pathB = pathB;
            this.lineLength = lineLength;
        }

        @Override
        public void paint(Graphics2D g) {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] row : loss) {
                for (double l : row) {
                    if (Double.isFinite(l)) {
                        min = Math.min(min, l);
                        max = Math.max(max, l);
                    }
                }
            }
            boolean log = min > 0 && max / min >= 10;
            double lo = log ? Math.log(min) : min;
            double hi = log ? Math.log(max) : max;
            double da = a.length > 1 ? (a[1] - a[0]) / 2 : 0;
            double db = b.length > 1 ? (b[1] - b[0]) / 2 : 0;
            for (int j = 0; j < b.length; j++) {
                for (int i = 0; i < a.length; i++) {
                    double l = loss[j][i];
                    int x0 = getXAxisScreenValue(a[i] - da);
                    int x1 = getXAxisScreenValue(a[i] + da);
                    int y0 = getYAxisScreenValue(b[j] + db);
                    int y1 = getYAxisScreenValue(b[j] - db);
                    if (!Double.isFinite(l)) {
                        g.setColor(Color.LIGHT_GRAY);
                    } else {
                        double t = hi > lo ? ((log ? Math.log(l) : l) - lo) / (hi - lo) : 0;
                        g.setColor(viridis(t));
                    }
                    g.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0) + 1, Math.abs(y1 - y0) + 1);
                }
            }
            // The straight line θ_0 → θ_T, then the path.
            g.setColor(new Color(255, 255, 255, 160));
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {4, 4}, 0));
            g.drawLine(getXAxisScreenValue(0), getYAxisScreenValue(0), getXAxisScreenValue(lineLength), getYAxisScreenValue(0));
            g.setStroke(new BasicStroke(2.2f));
            g.setColor(Color.WHITE);
            Path2D path = new Path2D.Double();
            for (int k = 0; k < pathA.length; k++) {
                double x = getXAxisScreenValue(pathA[k]);
                double y = getYAxisScreenValue(pathB[k]);
                if (k == 0) {
                    path.moveTo(x, y);
                } else {
                    path.lineTo(x, y);
                }
            }
            g.draw(path);
            for (int k = 0; k < pathA.length; k++) {
                double x = getXAxisScreenValue(pathA[k]);
                double y = getYAxisScreenValue(pathB[k]);
                g.fill(new Ellipse2D.Double(x - 3, y - 3, 6, 6));
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.setColor(Color.WHITE);
            g.drawString("θ₀", getXAxisScreenValue(0) - 18, getYAxisScreenValue(0) - 6);
            g.drawString("θ_T", getXAxisScreenValue(lineLength) + 6, getYAxisScreenValue(0) - 6);
            // Colour bar on the right edge of the plot.
            int right = getXAxisScreenValueForMax();
            int top = getYAxisScreenValueForMin(); // screen coordinates: the plot's top edge
            int bottom = getYAxisScreenValueForMax();
            int barX = right - 26;
            int barTop = top + 10;
            int barBottom = bottom - 10;
            for (int y = barTop; y <= barBottom; y++) {
                g.setColor(viridis(1 - (y - barTop) / (double) Math.max(1, barBottom - barTop)));
                g.drawLine(barX, y, barX + 14, y);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            String maxLabel = String.format(Locale.ROOT, "%.3g", max);
            String minLabel = String.format(Locale.ROOT, "%.3g", min);
            String scale = log ? "loss (log colour scale)" : "loss";
            label(g, maxLabel, barX - 4, barTop + 10);
            label(g, minLabel, barX - 4, barBottom);
            label(g, scale, barX - 4, (barTop + barBottom) / 2);
            bounds = new Rectangle2D.Double(getXAxisScreenValueForMin(), top, right - getXAxisScreenValueForMin(), bottom - top);
        }
    }

    /** Dark text on a light box, right-aligned at x. */
    private static void label(Graphics2D g, String text, int x, int baseline) {
        int w = g.getFontMetrics().stringWidth(text);
        g.setColor(new Color(255, 255, 255, 210));
        g.fillRect(x - w - 4, baseline - 11, w + 4, 14);
        g.setColor(Color.DARK_GRAY);
        g.drawString(text, x - w - 2, baseline);
    }

    private static final Color[] VIRIDIS = {new Color(68, 1, 84), new Color(59, 82, 139), new Color(33, 145, 140),
        new Color(94, 201, 98), new Color(253, 231, 37)};

    /** A viridis-like colour for t in [0, 1] (dark: low). */
    static Color viridis(double t) {
        t = Math.max(0, Math.min(1, t));
        double x = t * (VIRIDIS.length - 1);
        int i = Math.min(VIRIDIS.length - 2, (int) Math.floor(x));
        double f = x - i;
        Color c0 = VIRIDIS[i];
        Color c1 = VIRIDIS[i + 1];
        return new Color((int) Math.round(c0.getRed() + f * (c1.getRed() - c0.getRed())),
                (int) Math.round(c0.getGreen() + f * (c1.getGreen() - c0.getGreen())),
                (int) Math.round(c0.getBlue() + f * (c1.getBlue() - c0.getBlue())));
    }
}
