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
        XYChart chart = Figures.xy("Stability ratio η·λmax/2 (edge of stability at 1)", "step", "η · λmax / 2");
        Figures.line(chart, "stability ratio", x, Series.of(windows, WindowIndicators::stabilityRatio));
        Figures.dashed(chart, "1: gradient descent on the local quadratic diverges above", new double[] {x[0], x[x.length - 1]},
                new double[] {1, 1});
        run.folder().save(chart, "stability");
        return Written.of(null, new Figure("stability", "Stability ratio",
                "Learning rate times the largest Hessian eigenvalue of the latest Hessian probe, over 2: above 1, gradient descent "
                        + "on the local quadratic diverges along the top eigendirection (Cohen et al. 2021).", List.of("indicators.csv")));
    }
}
