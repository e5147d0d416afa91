package dev.canyon.report.section;

import dev.canyon.analytics.update.LayerHistogramMeasured;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.knowm.xchart.XYChart;

/**
 * Per-layer histograms, as DL4J's training UI shows them: for each kind (parameters θ_t, gradients
 * g_t, updates Δθ_t) one figure with the run's last histogram of every layer ({@link
 * LayerHistogramMeasured}) as a density against the bin's centre: the share of the layer's values per
 * bin over the bin's width, so that layers of different sizes and ranges compare (each curve's area is 1). The histograms of every scheduled step are in histograms.csv.
 * Needs a histogram.
 */
public final class HistogramsSection implements ReportSection<ReportedRun, Void> {

    @Override
    public String name() {
        return "layer histograms";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.without(LayerHistogramMeasured.class, Skip.quietly("no layer histograms (histogramEvery 0, or a run shorter than it)"));
    }

    /**
     * {bin centres, densities} of {@code h}: each bin's share of the layer's values over the bin's width.
     * A layer whose values are all equal (hi == lo, or one bin) has no width: its shares, at that value.
     */
    static double[][] density(LayerHistogramMeasured h) {
        long[] counts = h.counts();
        double[] x = new double[counts.length];
        double[] y = new double[counts.length];
        double total = Math.max(1, h.total());
        boolean point = counts.length == 1 || h.hi() == h.lo();
        for (int i = 0; i < counts.length; i++) {
            x[i] = point ? h.lo() : (h.edge(i) + h.edge(i + 1)) / 2;
            y[i] = counts[i] / total / (point ? 1 : h.edge(i + 1) - h.edge(i));
        }
        return new double[][] {x, y};
    }

    @Override
    public Written<Void> write(ReportedRun run) throws IOException {
        List<LayerHistogramMeasured> all = run.updates(LayerHistogramMeasured.class);
        List<Figure> figures = new ArrayList<>();
        for (LayerHistogramMeasured.Kind kind : LayerHistogramMeasured.Kind.values()) {
            // The last histogram of each layer, layers in the order they first appear.
            Map<String, LayerHistogramMeasured> last = new LinkedHashMap<>();
            for (LayerHistogramMeasured h : all) {
                if (h.kind() == kind) {
                    last.put(h.layer(), h);
                }
            }
            if (last.isEmpty()) {
                continue;
            }
            String what = switch (kind) {
                case PARAMS -> "parameters θ";
                case GRADIENTS -> "gradients g";
                case UPDATES -> "updates Δθ";
            };
            long step = last.values().stream().mapToLong(h -> h.at().step()).max().orElse(0);
            XYChart chart = Figures.xy("Histogram of the " + what + " per layer (step " + step + ")", what,
                    "density (share of the layer's values per unit)");
            for (LayerHistogramMeasured h : last.values()) {
                double[][] d = density(h);
                Figures.points(chart, "layer " + h.layer() + (h.at().step() == step ? "" : " (step " + h.at().step() + ")"), d[0], d[1]);
            }
            String name = "histograms-" + kind.label();
            run.folder().save(chart, name);
            figures.add(new Figure(name, "Layer histograms: " + what,
                    "Density of each layer's " + what + " values: the share of its values in each equal-width bin between the "
                            + "layer's minimum and maximum, over the bin's width, so that layers of different sizes and ranges compare "
                            + "(each curve's area is 1), at the run's last histogram step; every histogram step's counts are in the CSV.",
                    List.of("histograms.csv")));
        }
        return Written.of(null, figures);
    }
}
