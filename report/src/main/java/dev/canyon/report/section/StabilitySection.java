package dev.canyon.report.section;

import dev.canyon.analytics.update.WindowIndicators;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.XYChart;

/**
 * The stability ratio η·λmax/2 per window ({@link WindowIndicators}, from the latest Hessian probe):
 * above 1, gradient descent on the local quadratic diverges along the top eigendirection (Cohen et
 * al. 2021). Needs a window with a ratio, that is Hessian probes.
 */
public final class StabilitySection implements ReportSection<ReportedRun, Void> {

    @Override
    public String name() {
        return "stability ratio";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return Series.anyFinite(Series.of(run.updates(WindowIndicators.class), WindowIndicators::stabilityRatio)) ? Optional.empty()
                : Optional.of(Skip.quietly("no window with a stability ratio (no Hessian probe)"));
    }

    @Override
    public Written<Void> write(ReportedRun run) throws IOException {
        List<WindowIndicators> windows = run.updates(WindowIndicators.class);
        double[] x = Series.of(windows, w -> w.at().step());
        XYChart chart = Figures.xy("Stability ratio (edge of stability at 1)", "step", "stability ratio (SGD: η · λmax / 2)");
        // Each window holds the latest Hessian probe's value: a step line, rising or falling only at a probe.
        Figures.line(chart, "latest Hessian probe", x, Series.of(windows, WindowIndicators::stabilityRatio))
                .setXYSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Step);
        double first = x[0];
        double last = x[x.length - 1];
        Figures.level(chart, "1: diverges on the local quadratic", first, last, 1, java.awt.Color.RED.darker());
        Figures.level(chart, "0.8: ill-conditioned", first, last, 0.8, Figures.STATE_COLORS.get("ILL_CONDITIONED"));
        Figures.level(chart, "0.5: critical-point test off", first, last, 0.5, java.awt.Color.GRAY);
        run.folder().save(chart, "stability");
        return Written.of(null, new Figure("stability", "Stability ratio",
                "The largest Hessian eigenvalue of the latest Hessian probe (at most 500 steps old) against the optimizer's edge of "
                        + "stability: η·λmax/2 for SGD (other optimizers: docs/metrics.md, stability_ratio). Above 1, gradient descent on "
                        + "the local quadratic diverges along the top eigendirection (Cohen et al. 2021). The obstacle rules use two "
                        + "thresholds below it: from 0.8 a window is ILL_CONDITIONED (the top direction overshoots its minimum by at least "
                        + "60 % a step); from 0.5 the same-point test for a critical point is not made (the bouncing of the top "
                        + "directions dominates ‖∇L‖²).", List.of("indicators.csv")));
    }
}
