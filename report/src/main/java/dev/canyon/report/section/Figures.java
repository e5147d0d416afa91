package dev.canyon.report.section;

import de.erichseifert.vectorgraphics2d.Document;
import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.knowm.xchart.style.AxesChartStyler;
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

    /** Opacity (of 255) of the obstacle-state bands, and of their legend swatches. */
    static final int BAND_ALPHA = 48;

    /**
     * Line colours for figures drawn over state bands: dark and unsaturated, so that no line shares a hue
     * with a band (the palette's blue, orange and green are state colours).
     */
    static final Color[] OVER_BANDS = {new Color(90, 90, 90), new Color(0, 0, 0), new Color(160, 0, 110)};

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
        // One colour per series for its line and its markers alike (so legend icons match), Tableau 10 in order.
        chart.getStyler().setSeriesColors(PALETTE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLocale(Locale.ROOT);
        chart.getStyler().setAntiAlias(true);
        chart.getStyler().setXAxisTickMarkSpacingHint(90);
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        // Tick labels as plain numbers with their leading zero ("0.0025", not XChart's ".0025").
        chart.getStyler().setxAxisTickLabelsFormattingFunction(Figures::number);
        chart.getStyler().setyAxisTickLabelsFormattingFunction(Figures::number);
        if (xTitle.equals("step")) {
            stepAxis(chart);
        }
        return chart;
    }

    /**
     * Round tick spacing for an axis from {@code min} to {@code max} with at most {@code maxTicks}
     * intervals: the smallest 1, 2 or 5 × 10^k at least (max − min) / maxTicks; at least 1 when the
     * values are integers (steps).
     */
    public static double tickSpacing(double min, double max, int maxTicks, boolean integers) {
        double span = max - min;
        if (!(span > 0) || !Double.isFinite(span)) {
            return 1;
        }
        double raw = span / Math.max(1, maxTicks);
        double decade = Math.pow(10, Math.floor(Math.log10(raw)));
        double spacing = 10 * decade;
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * decade >= raw * (1 - 1e-9)) {
                spacing = m * decade;
                break;
            }
        }
        return integers ? Math.max(1, spacing) : spacing;
    }

    /**
     * The multiples of {@link #tickSpacing} from {@code min} to {@code max}, both included; where that
     * spacing leaves fewer than two inside, the next finer round spacing that leaves two (never below 1
     * for integers).
     */
    public static double[] ticks(double min, double max, int maxTicks, boolean integers) {
        double spacing = tickSpacing(min, max, maxTicks, integers);
        double[] out = multiples(min, max, spacing);
        while (out.length < 2 && spacing > (integers ? 1 : 0) && max > min) {
            double decade = Math.pow(10, Math.floor(Math.log10(spacing) + 1e-9));
            double mantissa = Math.round(spacing / decade);
            spacing = mantissa == 1 ? decade / 2 : mantissa == 2 ? decade : 2 * decade; // 10 → 5 → 2 → 1 × 10^k
            if (integers && spacing < 1) {
                break;
            }
            out = multiples(min, max, spacing);
        }
        return out;
    }

    private static double[] multiples(double min, double max, double spacing) {
        List<Double> out = new ArrayList<>();
        for (long k = (long) Math.ceil(min / spacing - 1e-9); k * spacing <= max + 1e-9 * spacing; k++) {
            out.add(k * spacing);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * A step axis with round ticks ({@link #ticks}, integers): XChart puts the ticks of equally spaced
     * data on every k-th data value (31, 62, 93, ...), so its own x tick labels, marks and vertical grid
     * lines are hidden (the labels keep their space) and {@link StepTicks} draws them at round steps.
     */
    static StepTicks stepAxis(XYChart chart) {
        Color clear = new Color(0, 0, 0, 0);
        chart.getStyler().setXAxisDecimalPattern("#");
        chart.getStyler().setXAxisTickLabelsColor(clear);
        chart.getStyler().setXAxisTickMarksColor(clear);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setPlotTicksMarksVisible(false);
        StepTicks ticks = new StepTicks();
        chart.addAnnotation(ticks);
        return ticks;
    }

    /** Round step ticks under the plot, with their vertical grid lines; {@link #painted} are the last ones drawn. */
    static final class StepTicks extends Annotation {
        /** Least room per tick label, pixels, beyond the widest label. */
        static final int LABEL_GAP = 36;
        private double[] painted = new double[0];

        StepTicks() {
            super(false);
        }

        /** The tick values of the last paint. */
        double[] painted() {
            return painted.clone();
        }

        @Override
        public void paint(Graphics2D g) {
            int left = getXAxisScreenValueForMin();
            int right = getXAxisScreenValueForMax();
            int top = getYAxisScreenValueForMin(); // screen coordinates: the plot's top edge
            int bottom = getYAxisScreenValueForMax();
            double lo = chart.getChartXFromCoordinate(left);
            double hi = chart.getChartXFromCoordinate(right);
            AxesChartStyler s = (AxesChartStyler) styler;
            g.setFont(s.getAxisTickLabelsFont());
            FontMetrics fm = g.getFontMetrics();
            int widest = Math.max(fm.stringWidth(label(Math.floor(lo))), fm.stringWidth(label(Math.ceil(hi))));
            int maxTicks = Math.max(2, (right - left) / (widest + LABEL_GAP));
            List<Double> drawn = new ArrayList<>();
            for (double t : ticks(Math.max(0, lo), hi, maxTicks, true)) { // steps are never negative
                double x = chart.getScreenXFromChart(t);
                if (x < left - 0.5 || x > right + 0.5) {
                    continue;
                }
                drawn.add(t);
                g.setColor(s.getPlotGridLinesColor());
                g.setStroke(s.getPlotGridLinesStroke());
                g.draw(new Line2D.Double(x, top, x, bottom));
                g.setColor(Color.DARK_GRAY);
                g.setStroke(new BasicStroke(1f));
                g.draw(new Line2D.Double(x, bottom, x, bottom + s.getAxisTickMarkLength()));
                String text = label(t);
                g.setColor(s.getYAxisTickLabelsColor());
                g.drawString(text, (float) (x - fm.stringWidth(text) / 2.0),
                        bottom + s.getAxisTickMarkLength() + s.getAxisTickPadding() + fm.getAscent());
            }
            painted = drawn.stream().mapToDouble(Double::doubleValue).toArray();
            bounds = new Rectangle2D.Double(left, top, right - left, bottom - top);
        }

        private static String label(double step) {
            return Long.toString(Math.round(step));
        }
    }

    /**
     * Sets both axes' ranges so that one data unit is as many pixels on x as on y (equal aspect),
     * holding [xMin, xMax] × [yMin, yMax] with a margin of {@code pad} of each range: the narrower
     * axis widens around its centre. The plot's size depends on its tick labels, so the chart is laid
     * out (painted to a scratch image) until the scales agree.
     *
     * @return pixels per data unit on x and on y after the last layout
     */
    static double[] equalAspect(XYChart chart, double xMin, double xMax, double yMin, double yMax, double pad) {
        return equalAspect(chart, xMin, xMax, yMin, yMax, pad, chart.getWidth());
    }

    /** {@link #equalAspect(XYChart, double, double, double, double, double)} for a chart painted {@code width} pixels wide (beside a side panel). */
    static double[] equalAspect(XYChart chart, double xMin, double xMax, double yMin, double yMax, double pad, int width) {
        double cx = (xMin + xMax) / 2;
        double cy = (yMin + yMax) / 2;
        double hx = (xMax - xMin) / 2 * (1 + pad);
        double hy = (yMax - yMin) / 2 * (1 + pad);
        double floor = 1e-12 * Math.max(1, Math.max(Math.abs(cx), Math.abs(cy))) + Math.max(hx, hy) * 1e-3;
        hx = Math.max(hx, floor);
        hy = Math.max(hy, floor);
        double[] scale = null;
        for (int i = 0; i < 6; i++) {
            chart.getStyler().setXAxisMin(cx - hx);
            chart.getStyler().setXAxisMax(cx + hx);
            chart.getStyler().setYAxisMin(cy - hy);
            chart.getStyler().setYAxisMax(cy + hy);
            scale = pixelsPerUnit(chart, width);
            if (Math.abs(scale[0] / scale[1] - 1) < 1e-3) {
                break;
            }
            // Widen the axis with more pixels per unit: its range grows until it matches the other's scale.
            if (scale[0] > scale[1]) {
                hx *= scale[0] / scale[1];
            } else {
                hy *= scale[1] / scale[0];
            }
        }
        return scale;
    }

    /** Pixels per data unit on x and on y of {@code chart} as it is laid out at its size (painted to a scratch image). */
    static double[] pixelsPerUnit(XYChart chart) {
        return pixelsPerUnit(chart, chart.getWidth());
    }

    /** Pixels per data unit on x and on y of {@code chart} painted {@code width} pixels wide at its height. */
    static double[] pixelsPerUnit(XYChart chart, int width) {
        BufferedImage scratch = new BufferedImage(width, chart.getHeight(),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        int own = chart.getWidth();
        try {
            chart.paint(g, width, chart.getHeight());
        } finally {
            g.dispose();
        }
        double x0 = chart.getStyler().getXAxisMin();
        double x1 = chart.getStyler().getXAxisMax();
        double y0 = chart.getStyler().getYAxisMin();
        double y1 = chart.getStyler().getYAxisMax();
        double[] scale = {Math.abs(chart.getScreenXFromChart(x1) - chart.getScreenXFromChart(x0)) / (x1 - x0),
            Math.abs(chart.getScreenYFromChart(y1) - chart.getScreenYFromChart(y0)) / (y1 - y0)};
        if (own != width) {
            // paint(g, width, height) keeps the width it was given: paint once more at the chart's own width.
            Graphics2D again = scratch.createGraphics();
            try {
                chart.paint(again, own, chart.getHeight());
            } finally {
                again.dispose();
            }
        }
        return scale;
    }

    /**
     * A y-axis on a log scale when every value drawn is positive (NaN gaps allowed) and they span more
     * than {@value #LOG_SPAN} times (a log axis labels only powers of ten: over a narrower range it
     * would show one label or none).
     */
    static void logIfPositive(XYChart chart) {
        boolean positive = chart.getSeriesMap().values().stream()
                .allMatch(sr -> java.util.Arrays.stream(sr.getYData()).allMatch(v -> v > 0 || Double.isNaN(v)));
        double[] finite = chart.getSeriesMap().values().stream().flatMapToDouble(sr -> java.util.Arrays.stream(sr.getYData()))
                .filter(Double::isFinite).toArray();
        double min = java.util.Arrays.stream(finite).min().orElse(1);
        double max = java.util.Arrays.stream(finite).max().orElse(1);
        boolean log = positive && max > LOG_SPAN * min;
        chart.getStyler().setYAxisLogarithmic(log);
        if (log) {
            chart.getStyler().setyAxisTickLabelsFormattingFunction(null); // XChart's log ticks (powers of ten) need its own labels
        }
    }

    /**
     * A tick value as a plain number: up to 10 significant digits (tick values are round, so the
     * digits of a double's error go), no trailing zeros, a leading zero before the point; powers of
     * ten notation below 1e-4 and from 1e7 on.
     */
    static String number(Double v) {
        if (v == null || !Double.isFinite(v)) {
            return String.valueOf(v);
        }
        if (v == 0) {
            return "0";
        }
        java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(10)).stripTrailingZeros();
        double a = Math.abs(v);
        return a < 1e-4 || a >= 1e7 ? d.toString().replace("E+", "E") : d.toPlainString();
    }

    /** The least max / min for a log y-axis. */
    static final double LOG_SPAN = 30;

    /**
     * Fixes the y-axis to the finite values drawn with {@code fraction} of their range free above them
     * (of their decades, on a log axis): room for a {@link Note} in the plot's top-left corner that would
     * otherwise cover the highest points. Call after {@link #logIfPositive}.
     */
    static void headroom(XYChart chart, double fraction) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (XYSeries s : chart.getSeriesMap().values()) {
            double[] y = s.getYData();
            double[] err = s.getExtraValues();
            for (int i = 0; i < y.length; i++) {
                if (Double.isFinite(y[i])) {
                    double e = err != null && Double.isFinite(err[i]) ? err[i] : 0;
                    min = Math.min(min, y[i] - e);
                    max = Math.max(max, y[i] + e);
                }
            }
        }
        if (!(min <= max)) {
            return;
        }
        if (chart.getStyler().isYAxisLogarithmic() && min > 0) {
            chart.getStyler().setYAxisMin(min);
            chart.getStyler().setYAxisMax(max * Math.pow(max / min, fraction));
        } else {
            double span = max > min ? max - min : Math.max(Math.abs(max), 1);
            chart.getStyler().setYAxisMin(min);
            chart.getStyler().setYAxisMax(max + fraction * span);
        }
    }

    /** A line series (no markers). */
    static XYSeries line(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineWidth(1.5f);
        return s;
    }

    /** A reference level: a dashed horizontal line at {@code value} from step {@code from} to {@code to}, in {@code color}. */
    static XYSeries level(XYChart chart, String name, double from, double to, double value, Color color) {
        return colored(dashed(chart, name, new double[] {from, to}, new double[] {value, value}), color);
    }

    /** At most {@code max} of the points (x[i], y[i]), evenly spaced by index, the first and last kept. */
    static double[][] thin(double[] x, double[] y, int max) {
        if (x.length <= max) {
            return new double[][] {x, y};
        }
        double[] tx = new double[max];
        double[] ty = new double[max];
        for (int k = 0; k < max; k++) {
            int i = (int) Math.round(k * (x.length - 1) / (double) (max - 1));
            tx[k] = x[i];
            ty[k] = y[i];
        }
        return new double[][] {tx, ty};
    }

    /** A line with circle markers. */
    static XYSeries points(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineWidth(1.5f);
        chart.getStyler().setMarkerSize(6);
        return s;
    }

    /**
     * Markers only, no line (a scatter series; its legend entry is the marker alone): for estimates
     * too few or too sparse for a line between them to mean anything.
     */
    static XYSeries markers(XYChart chart, String name, double[] x, double[] y, Color color) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.CIRCLE);
        chart.getStyler().setMarkerSize(Math.max(chart.getStyler().getMarkerSize(), 7));
        return colored(s, color);
    }

    /**
     * Gives {@code s} one colour for its line, markers and fill, so that its legend icon (line and
     * marker) shows the colour it is drawn in: XChart's theme colours the line and the marker apart.
     */
    static XYSeries colored(XYSeries s, Color color) {
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setFillColor(color);
        return s;
    }

    /** Points a dashed line is drawn through at most: about 12 pixels a segment across the plot. */
    static final int DASHED_POINTS = 64;

    /**
     * A dashed line. XChart strokes each segment on its own, restarting the dash pattern, so a dashed line
     * through hundreds of points a pixel apart looks solid: it is drawn through at most {@value #DASHED_POINTS}
     * of its points, evenly spaced by index, first and last kept (the data files keep them all).
     */
    static XYSeries dashed(XYChart chart, String name, double[] x, double[] y) {
        double[][] thin = thin(x, y, DASHED_POINTS);
        XYSeries s = line(chart, name, thin[0], thin[1]);
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
        // Light blues: black values stay legible on every cell.
        chart.getStyler().setRangeColors(new Color[] {new Color(247, 251, 255), new Color(158, 202, 225), new Color(66, 146, 198)});
        chart.getStyler().setHeatMapValueDecimalPattern("0.000");
        chart.getStyler().setXAxisLabelRotation(20);
        List<Number[]> cells = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            for (int j = 0; j < values.length; j++) {
                if (Double.isFinite(values[i][j])) {
                    cells.add(new Number[] {j, i, values[i][j]});
                }
            }
        }
        // The colour scale's ends, rounded (its legend prints them as they are). Distances start at 0: a scale from the
        // smallest would paint a 3 % difference between equidistant runs as the whole range of colours.
        double min = Math.min(0, cells.stream().mapToDouble(c -> c[2].doubleValue()).min().orElse(0));
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

    /** Something drawn beside a chart's plot, in a strip of its own on the figure's right (a colour bar). */
    interface SidePanel {
        /** Width of the strip, pixels. */
        int width();

        /**
         * Paints the strip: {@code g} is translated to its left edge; {@code top} and {@code bottom} are
         * the chart's plot edges (to align with the plot), {@code height} the figure's.
         */
        void paint(Graphics2D g, int top, int bottom, int height);
    }

    /**
     * Saves {@code chart} drawn {@code panel.width()} narrower than the figure and {@code panel} in the
     * strip beside it, as {@code name}.png and {@code name}.svg in {@code dir}: the figure keeps its
     * size, and the panel never covers the plot.
     */
    static void save(XYChart chart, SidePanel panel, Path dir, String name) throws IOException {
        int width = chart.getWidth();
        int height = chart.getHeight();
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            paintWithPanel(g, chart, panel, width, height);
        } finally {
            g.dispose();
        }
        javax.imageio.ImageIO.write(image, "png", dir.resolve(name + ".png").toFile());
        VectorGraphics2D vg = new VectorGraphics2D();
        paintWithPanel(vg, chart, panel, width, height);
        Document doc = new SVGProcessor().getDocument(vg.getCommands(), new PageSize(0.0, 0.0, width, height));
        try (OutputStream out = Files.newOutputStream(dir.resolve(name + ".svg"))) {
            doc.writeTo(out);
        }
    }

    private static void paintWithPanel(Graphics2D g, XYChart chart, SidePanel panel, int width, int height) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int plotWidth = width - panel.width();
        chart.paint(g, plotWidth, height);
        int top = (int) Math.round(Math.min(chart.getScreenYFromChart(chart.getStyler().getYAxisMax()),
                chart.getScreenYFromChart(chart.getStyler().getYAxisMin())));
        int bottom = (int) Math.round(Math.max(chart.getScreenYFromChart(chart.getStyler().getYAxisMax()),
                chart.getScreenYFromChart(chart.getStyler().getYAxisMin())));
        Graphics2D p = (Graphics2D) g.create();
        try {
            p.translate(plotWidth, 0);
            panel.paint(p, top, bottom, height);
        } finally {
            p.dispose();
        }
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
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), BAND_ALPHA));
                g.fill(new Rectangle2D.Double(x0, top, x1 - x0, bottom - top));
                shown.add(state[i]);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            int x = left + 8;
            for (String s : shown) {
                Color c = STATE_COLORS.getOrDefault(s, Color.GRAY);
                // The swatch is filled as the bands are (over white, as the plot's background), outlined to stand out.
                g.setColor(Color.WHITE);
                g.fill(new Rectangle2D.Double(x, top + 6, 12, 12));
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), BAND_ALPHA));
                g.fill(new Rectangle2D.Double(x, top + 6, 12, 12));
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 200));
                g.draw(new Rectangle2D.Double(x, top + 6, 12, 12));
                g.setColor(Color.DARK_GRAY);
                String label = s.toLowerCase(Locale.ROOT).replace('_', ' ');
                g.drawString(label, x + 16, top + 16);
                x += 24 + g.getFontMetrics().stringWidth(label);
            }
            bounds = new Rectangle2D.Double(left, top, right - left, bottom - top);
        }
    }

    /**
     * Step numbers beside a few points of a path (its first two, its last, and those at round steps;
     * none within 18 pixels of one already labelled), and a note, when there is one, in the plot's
     * top-left corner.
     */
    static final class PointLabels extends Annotation {
        private final double[] x;
        private final double[] y;
        private final long[] steps;
        private final String note;

        PointLabels(double[] x, double[] y, long[] steps, String note) {
            super(false);
            this.x = x;
            this.y = y;
            this.steps = steps;
            this.note = note;
        }

        @Override
        public void paint(Graphics2D g) {
            int n = steps.length;
            java.util.Set<Long> round = new java.util.HashSet<>();
            for (double t : ticks(0, steps[n - 1], 6, true)) {
                round.add(Math.round(t));
            }
            List<Integer> order = new ArrayList<>(List.of(0, n - 1));
            if (n > 2) {
                order.add(1);
            }
            for (int i = 2; i < n - 1; i++) {
                if (round.contains(steps[i])) {
                    order.add(i);
                }
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            List<double[]> placed = new ArrayList<>();
            for (int i : order) {
                double sx = chart.getScreenXFromChart(x[i]);
                double sy = chart.getScreenYFromChart(y[i]);
                if (placed.stream().anyMatch(p -> Math.hypot(p[0] - sx, p[1] - sy) < 18)) {
                    continue;
                }
                placed.add(new double[] {sx, sy});
                g.setColor(new Color(90, 90, 90));
                g.drawString(Long.toString(steps[i]), (float) sx + 6, (float) sy - 6);
            }
            int left = getXAxisScreenValueForMin();
            int top = getYAxisScreenValueForMin(); // screen coordinates: the plot's top edge
            if (note != null) {
                Note.draw(g, note, left, top);
            }
            bounds = new Rectangle2D.Double(left, top, getXAxisScreenValueForMax() - left, getYAxisScreenValueForMax() - top);
        }
    }

    /** A line of text on a light box in the plot's top-left corner: what a reader must know to read the figure. */
    static final class Note extends Annotation {
        private final String text;

        Note(String text) {
            super(false);
            this.text = text;
        }

        @Override
        public void paint(Graphics2D g) {
            int left = getXAxisScreenValueForMin();
            int top = getYAxisScreenValueForMin(); // screen coordinates: the plot's top edge
            draw(g, text, left, top, getXAxisScreenValueForMax() - left - 22);
            bounds = new Rectangle2D.Double(left, top, getXAxisScreenValueForMax() - left, getYAxisScreenValueForMax() - top);
        }

        static void draw(Graphics2D g, String text, int left, int top) {
            draw(g, text, left, top, Integer.MAX_VALUE);
        }

        /** Draws {@code text} on a white box at the plot's top left, wrapped at spaces to lines of at most {@code maxWidth} pixels. */
        static void draw(Graphics2D g, String text, int left, int top, int maxWidth) {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            FontMetrics fm = g.getFontMetrics();
            List<String> lines = wrap(text, maxWidth, fm::stringWidth);
            int width = lines.stream().mapToInt(fm::stringWidth).max().orElse(0);
            g.setColor(new Color(255, 255, 255, 230));
            g.fillRect(left + 6, top + 6, width + 10, fm.getHeight() * lines.size() + 6);
            g.setColor(new Color(150, 60, 0));
            for (int i = 0; i < lines.size(); i++) {
                g.drawString(lines.get(i), left + 11, top + 9 + fm.getAscent() + i * fm.getHeight());
            }
        }

        /** {@code text} in lines no wider than {@code maxWidth} (by {@code width}), broken at spaces; a longer word gets a line of its own. */
        static List<String> wrap(String text, int maxWidth, java.util.function.ToIntFunction<String> width) {
            List<String> lines = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (String word : text.split(" ")) {
                String candidate = line.length() == 0 ? word : line + " " + word;
                if (line.length() > 0 && width.applyAsInt(candidate) > maxWidth) {
                    lines.add(line.toString());
                    line.setLength(0);
                    line.append(word);
                } else {
                    line.setLength(0);
                    line.append(candidate);
                }
            }
            lines.add(line.toString());
            return lines;
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
     * How values map to colours: viridis-like from {@code min} (dark) to {@code max} (light), on
     * log-spaced levels when {@code log} (the losses span a decade or more).
     */
    record ColourScale(double min, double max, boolean log) {
        /** The scale of the finite values of {@code values}: log when all are positive and span 10× or more. */
        static ColourScale of(double[][] values) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] row : values) {
                for (double v : row) {
                    if (Double.isFinite(v)) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
            if (!(min <= max)) {
                min = 0;
                max = 1;
            }
            return new ColourScale(min, max, min > 0 && max / min >= 10);
        }

        /** Where {@code v} lies on the scale, 0 (min) to 1 (max). */
        double position(double v) {
            double lo = log ? Math.log(min) : min;
            double hi = log ? Math.log(max) : max;
            return hi > lo ? ((log ? Math.log(v) : v) - lo) / (hi - lo) : 0;
        }

        Color colour(double v) {
            return viridis(position(v));
        }

        /** A handful of contour levels, which the colour bar ticks. */
        double[] levels() {
            return dev.canyon.report.Contours.levels(min, max, log, 7);
        }
    }

    /**
     * A loss surface on a grid (filled cells, {@link ColourScale} colours), its contour lines at the
     * scale's levels, the straight line θ₀ → θ_T (dashed) and the path (red, through its points), with
     * θ₀ and θ_T labelled; painted over the plot area. Its colour bar is a {@link ColourBar} beside the
     * plot.
     */
    static final class Surface extends Annotation {
        /** The path's colour, in the plot and in the legend. */
        static final Color PATH = new Color(228, 26, 28);
        /** The straight line's colour, in the plot and in the legend. */
        static final Color LINE = Color.BLACK;
        static final Color CONTOUR = new Color(255, 255, 255, 170);
        private final double[] a;
        private final double[] b;
        private final double[][] loss;
        private final double[] pathA;
        private final double[] pathB;
        private final double lineLength;
        private final ColourScale scale;

        Surface(double[] a, double[] b, double[][] loss, double[] pathA, double[] pathB, double lineLength, ColourScale scale) {
            super(false);
            this.a = a;
            this.b = b;
            this.loss = loss;
            this.pathA = pathA;
            this.pathB = pathB;
            this.lineLength = lineLength;
            this.scale = scale;
        }

        @Override
        public void paint(Graphics2D g) {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            double da = a.length > 1 ? (a[1] - a[0]) / 2 : 0;
            double db = b.length > 1 ? (b[1] - b[0]) / 2 : 0;
            for (int j = 0; j < b.length; j++) {
                for (int i = 0; i < a.length; i++) {
                    double l = loss[j][i];
                    int x0 = getXAxisScreenValue(a[i] - da);
                    int x1 = getXAxisScreenValue(a[i] + da);
                    int y0 = getYAxisScreenValue(b[j] + db);
                    int y1 = getYAxisScreenValue(b[j] - db);
                    g.setColor(Double.isFinite(l) ? scale.colour(l) : Color.LIGHT_GRAY);
                    g.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0) + 1, Math.abs(y1 - y0) + 1);
                }
            }
            g.setColor(CONTOUR);
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            for (double level : scale.levels()) {
                for (dev.canyon.report.Contours.Segment s : dev.canyon.report.Contours.of(a, b, loss, level)) {
                    g.draw(new Line2D.Double(chart.getScreenXFromChart(s.x0()), chart.getScreenYFromChart(s.y0()),
                            chart.getScreenXFromChart(s.x1()), chart.getScreenYFromChart(s.y1())));
                }
            }
            // The straight line θ_0 → θ_T, then the path: each on a white halo, visible on dark and light colours.
            Line2D line = new Line2D.Double(chart.getScreenXFromChart(0), chart.getScreenYFromChart(0),
                    chart.getScreenXFromChart(lineLength), chart.getScreenYFromChart(0));
            g.setColor(new Color(255, 255, 255, 200));
            g.setStroke(new BasicStroke(3.5f));
            g.draw(line);
            g.setColor(LINE);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            g.draw(line);
            Path2D path = new Path2D.Double();
            for (int k = 0; k < pathA.length; k++) {
                double x = chart.getScreenXFromChart(pathA[k]);
                double y = chart.getScreenYFromChart(pathB[k]);
                if (k == 0) {
                    path.moveTo(x, y);
                } else {
                    path.lineTo(x, y);
                }
            }
            g.setColor(Color.WHITE);
            g.setStroke(new BasicStroke(4.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(path);
            g.setColor(PATH);
            g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(path);
            for (int k = 0; k < pathA.length; k++) {
                double x = chart.getScreenXFromChart(pathA[k]);
                double y = chart.getScreenYFromChart(pathB[k]);
                g.setColor(Color.WHITE);
                g.fill(new Ellipse2D.Double(x - 4.5, y - 4.5, 9, 9));
                g.setColor(PATH);
                g.fill(new Ellipse2D.Double(x - 3, y - 3, 6, 6));
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            label(g, "θ₀", getXAxisScreenValue(0) - 8, getYAxisScreenValue(0) - 8);
            label(g, "θ_T", getXAxisScreenValue(lineLength) + 8 + g.getFontMetrics().stringWidth("θ_T"), getYAxisScreenValue(0) - 8);
            int top = getYAxisScreenValueForMin(); // screen coordinates: the plot's top edge
            int bottom = getYAxisScreenValueForMax();
            bounds = new Rectangle2D.Double(getXAxisScreenValueForMin(), top, getXAxisScreenValueForMax() - getXAxisScreenValueForMin(),
                    bottom - top);
        }
    }

    /**
     * A colour bar beside the plot: the {@link ColourScale} from bottom (min) to top (max), ticked and
     * labelled at its contour levels (a white line across the bar at each), and its label, rotated,
     * beside the tick labels.
     */
    static final class ColourBar implements SidePanel {
        static final int WIDTH = 118;
        private static final int BAR = 16;
        private final ColourScale scale;
        private final String label;
        /** The tick values of the last paint. */
        private double[] painted = new double[0];

        ColourBar(ColourScale scale, String label) {
            this.scale = scale;
            this.label = label;
        }

        @Override
        public int width() {
            return WIDTH;
        }

        double[] painted() {
            return painted.clone();
        }

        @Override
        public void paint(Graphics2D g, int top, int bottom, int height) {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            int x = 10;
            for (int y = top; y <= bottom; y++) {
                g.setColor(viridis(1 - (y - top) / (double) Math.max(1, bottom - top)));
                g.fillRect(x, y, BAR, 1);
            }
            g.setColor(Color.DARK_GRAY);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(x, top, BAR, bottom - top);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            FontMetrics fm = g.getFontMetrics();
            double[] levels = scale.levels();
            String[] labels = tickLabels(levels, scale.log());
            int widest = 0;
            for (int k = 0; k < levels.length; k++) {
                double level = levels[k];
                int y = (int) Math.round(bottom - scale.position(level) * (bottom - top));
                g.setColor(Color.WHITE);
                g.drawLine(x + 1, y, x + BAR - 1, y);
                g.setColor(Color.DARK_GRAY);
                g.drawLine(x + BAR, y, x + BAR + 4, y);
                String text = labels[k];
                widest = Math.max(widest, fm.stringWidth(text));
                g.drawString(text, x + BAR + 7, y + fm.getAscent() / 2 - 1);
            }
            painted = levels.clone();
            Graphics2D r = (Graphics2D) g.create();
            try {
                r.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
                int lx = x + BAR + 7 + widest + 10 + r.getFontMetrics().getAscent();
                int ly = (top + bottom) / 2 + r.getFontMetrics().stringWidth(label) / 2;
                r.translate(lx, ly);
                r.rotate(-Math.PI / 2);
                r.setColor(Color.BLACK);
                r.drawString(label, 0, 0);
            } finally {
                r.dispose();
            }
        }

        /**
         * The levels as the bar prints them: on a log scale (1, 2, 5 × 10^k) as plain numbers; on a linear
         * scale with the decimals their spacing needs, so that neighbours never print alike.
         */
        static String[] tickLabels(double[] levels, boolean log) {
            String[] out = new String[levels.length];
            int decimals = 0;
            if (!log && levels.length > 1) {
                decimals = Math.max(0, (int) Math.ceil(-Math.log10(levels[1] - levels[0]) - 1e-9));
            }
            for (int i = 0; i < levels.length; i++) {
                out[i] = log || levels.length < 2 ? number(levels[i]) : String.format(Locale.ROOT, "%." + decimals + "f", levels[i]);
            }
            return out;
        }

        /** A value for a caption: 6 significant digits, no trailing zeros. */
        static String value(double v) {
            return new java.math.BigDecimal(String.format(Locale.ROOT, "%.6g", v)).stripTrailingZeros().toPlainString();
        }
    }

    /** Dark text on a light box, right-aligned at x. */
    private static void label(Graphics2D g, String text, int x, int baseline) {
        FontMetrics fm = g.getFontMetrics();
        int w = fm.stringWidth(text);
        g.setColor(new Color(255, 255, 255, 210));
        g.fillRect(x - w - 4, baseline - fm.getAscent(), w + 4, fm.getAscent() + fm.getDescent());
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
