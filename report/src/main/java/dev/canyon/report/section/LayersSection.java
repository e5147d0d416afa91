package dev.canyon.report.section;

import dev.canyon.analytics.update.LayerMeasured;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.XYChart;

/**
 * Per-layer figures, the DL4J training UI's view ({@link LayerMeasured}, measurement {@code layers}):
 * the update:parameter ratio log10(‖Δθ_l‖/‖θ_l‖) of every layer over the steps, with DL4J's rule of
 * thumb at −3, and the layers' gradient norms, step norms and parameter norms (with their
 * displacement from θ_l,0). Needs the per-layer updates, that is step records with per-tensor scalars
 * (Canyon's listener always sends them); quiet otherwise.
 */
public final class LayersSection implements ReportSection<ReportedRun, Void> {
    /** Above this many layers the legend would cover the plot: the figures go without one. */
    static final int MAX_LEGEND_LAYERS = 12;
    /** DL4J's rule of thumb for the update:parameter ratio, log10. */
    static final double RULE_OF_THUMB_LOG10 = -3;

    @Override
    public String name() {
        return "layers";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.without(LayerMeasured.class, Skip.quietly("no per-layer measurements (the step records carry no per-tensor scalars)"));
    }

    @Override
    public Written<Void> write(ReportedRun run) throws IOException {
        Map<String, List<LayerMeasured>> byLayer = new LinkedHashMap<>();
        for (LayerMeasured l : run.updates(LayerMeasured.class)) {
            byLayer.computeIfAbsent(l.layer(), k -> new ArrayList<>()).add(l);
        }
        String legend = byLayer.size() > MAX_LEGEND_LAYERS ? " (" + byLayer.size() + " layers, no legend)" : "";
        List<Figure> figures = new ArrayList<>();

        XYChart ratio = chart("Update:parameter ratio per layer" + legend, "log10(‖Δθ_l‖ / ‖θ_l‖)", byLayer);
        boolean anyRatio = false;
        double first = Double.POSITIVE_INFINITY;
        double last = Double.NEGATIVE_INFINITY;
        for (var e : byLayer.entrySet()) {
            double[] y = Series.of(e.getValue(), LayerMeasured::updateRatioLog10);
            if (Series.anyFinite(y)) {
                anyRatio = true;
                double[] x = Series.of(e.getValue(), l -> l.at().step());
                Figures.line(ratio, "layer " + e.getKey(), x, y).setLineWidth(1f);
                first = Math.min(first, x[0]);
                last = Math.max(last, x[x.length - 1]);
            }
        }
        if (anyRatio) {
            Figures.level(ratio, "−3: DL4J's rule of thumb", first, last, RULE_OF_THUMB_LOG10, java.awt.Color.DARK_GRAY);
            run.folder().save(ratio, "layer-update-ratio");
            figures.add(new Figure("layer-update-ratio", "Update:parameter ratio per layer (DL4J's training UI)",
                    "log10 of the norm of each layer's step over the norm of its parameters, every step. DL4J's rule of thumb is "
                            + "about −3: far above, the layer's weights change too fast for its learning rate; far below, they "
                            + "barely move. Absent at steps where the layer did not move.", List.of("layers.csv")));
        }
        figures.add(norms(run, byLayer, "layer-gradient-norm", "Gradient norm per layer" + legend, "‖g_l‖", LayerMeasured::gradNorm, null,
                "Gradient norm per layer", "Norm of the mean minibatch gradient restricted to each layer's parameters: vanishing or "
                        + "exploding gradients show as layers drifting apart by orders of magnitude."));
        figures.add(norms(run, byLayer, "layer-step-norm", "Step norm per layer" + legend, "‖Δθ_l‖", LayerMeasured::stepNorm, null,
                "Step norm per layer", "Norm of each layer's parameter change at every step."));
        figures.add(norms(run, byLayer, "layer-parameter-norm", "Parameter norm and displacement per layer" + legend, "norm (parameter units)",
                LayerMeasured::paramNorm, LayerMeasured::displacement, "Parameter norm and displacement per layer",
                "‖θ_l‖ (solid) and ‖θ_l − θ_l,0‖ (dashed) of each layer: which layers grow and which travel."));
        return Written.of(null, figures);
    }

    private static Figure norms(ReportedRun run, Map<String, List<LayerMeasured>> byLayer, String name, String title, String yTitle,
            ToDoubleFunction<LayerMeasured> value, ToDoubleFunction<LayerMeasured> dashed, String heading, String caption)
            throws IOException {
        XYChart chart = chart(title, yTitle, byLayer);
        for (var e : byLayer.entrySet()) {
            double[] x = Series.of(e.getValue(), l -> l.at().step());
            Figures.line(chart, "layer " + e.getKey() + (dashed != null ? " ‖θ_l‖" : ""), x, Series.of(e.getValue(), value)).setLineWidth(1f);
        }
        if (dashed != null) {
            int i = 0;
            for (var e : byLayer.entrySet()) {
                Figures.colored(Figures.dashed(chart, "layer " + e.getKey() + " ‖θ_l − θ_l,0‖", Series.of(e.getValue(), l -> l.at().step()),
                        Series.of(e.getValue(), dashed)), Figures.PALETTE[i++ % Figures.PALETTE.length]);
            }
        }
        Figures.logIfPositive(chart);
        run.folder().save(chart, name);
        return new Figure(name, heading, caption, List.of("layers.csv"));
    }

    private static XYChart chart(String title, String yTitle, Map<String, List<LayerMeasured>> byLayer) {
        XYChart chart = Figures.xy(title, "step", yTitle);
        chart.getStyler().setSeriesColors(Figures.PALETTE);
        chart.getStyler().setLegendVisible(byLayer.size() <= MAX_LEGEND_LAYERS);
        return chart;
    }
}
