package dev.canyon.report.section;

import dev.canyon.analytics.update.ProbeResult;
import dev.canyon.analytics.update.WindowIndicators;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.XYChart;

/**
 * Directional curvature (seed 001): each window's curvature estimate ({@link WindowIndicators}) and
 * the same-batch probes along the step and along the gradient ({@link ProbeResult.Curvature}). Needs
 * window indicators.
 */
public final class CurvatureSection implements ReportSection<ReportedRun, Void> {

    @Override
    public String name() {
        return "curvature";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.without(WindowIndicators.class, Skip.quietly("no window indicators"));
    }

    @Override
    public Written<Void> write(ReportedRun run) throws IOException {
        List<WindowIndicators> windows = run.updates(WindowIndicators.class);
        XYChart chart = Figures.xy("Curvature along the step and along the gradient", "step",
                "curvature (loss per squared parameter distance)");
        double[] x0 = Series.of(windows, w -> w.at().step());
        double[] window = Series.of(windows, WindowIndicators::curvature);
        Figures.line(chart, "window estimate", x0, window);
        List<ProbeResult.Curvature> probes = run.updates(ProbeResult.Curvature.class);
        List<String> csv = new ArrayList<>(List.of("indicators.csv"));
        if (!probes.isEmpty()) {
            double[] x = Series.of(probes, p -> p.at().step());
            Figures.points(chart, "probe: along the step", x, Series.of(probes, ProbeResult.Curvature::alongStep));
            Figures.points(chart, "probe: along the gradient (gᵀHg/‖g‖²)", x, Series.of(probes, ProbeResult.Curvature::alongGradient));
            csv.add("curvature_probe.csv");
        }
        // SGD overshoots along a direction whose curvature exceeds 2/η: drawn when it is on the data's scale.
        String edge = "";
        var started = run.recording().started();
        if (started != null && "sgd".equalsIgnoreCase(started.getOptimizer()) && started.getLearningRate() > 0) {
            double limit = 2 / started.getLearningRate();
            double top = chart.getSeriesMap().values().stream().flatMapToDouble(sr -> java.util.Arrays.stream(sr.getYData()))
                    .filter(Double::isFinite).max().orElse(Double.NaN);
            if (top > 0 && limit <= 4 * top) {
                Figures.level(chart, "2/η = " + Figures.number(limit) + ": SGD overshoots above", x0[0], x0[x0.length - 1], limit,
                        java.awt.Color.RED.darker());
                edge = " The dashed line is 2/η = " + Figures.number(limit) + ": along a direction curved more than that, an SGD step "
                        + "overshoots the minimum of the line and the loss goes up.";
            } else if (top > 0) {
                edge = " 2/η = " + Figures.number(limit) + ", the curvature above which an SGD step overshoots, is far above the "
                        + "values drawn.";
            }
        }
        run.folder().save(chart, "curvature");
        return Written.of(null, new Figure("curvature", "Directional curvature " + Reference.GOODFELLOW_TUTORIAL_2015.cite(),
                "The window's curvature estimate (the latest same-batch probe if at most a window old, else the cross-batch estimate "
                        + "from successive gradients, which gradient noise biases) and the same-batch probes along the step and along "
                        + "the gradient." + edge, csv));
    }
}
