package dev.canyon.report.section;

import dev.canyon.analytics.update.WindowIndicators;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.XYChart;

/**
 * Successive cosine and uphill steps (seed 001: poor conditioning, noise): the mean cosine between
 * successive minibatch gradients and the fraction of steps whose loss went up, per window
 * ({@link WindowIndicators}). Needs window indicators.
 */
public final class CosineSection implements ReportSection<ReportedRun, Void> {

    @Override
    public String name() {
        return "successive cosine";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.without(WindowIndicators.class, Skip.quietly("no window indicators"));
    }

    @Override
    public Written<Void> write(ReportedRun run) throws IOException {
        List<WindowIndicators> windows = run.updates(WindowIndicators.class);
        double[] x = Series.of(windows, w -> w.at().step());
        XYChart chart = Figures.xy("Successive cosine and uphill steps "
                + Reference.GOODFELLOW_TUTORIAL_2015.cite("poor conditioning, noise"), "step", "cosine (−1 to 1) / fraction (0 to 1)");
        Figures.line(chart, "cos(g_t, g_{t−1}), window mean", x, Series.of(windows, WindowIndicators::successiveCosine));
        Figures.line(chart, "fraction of uphill steps", x, Series.of(windows, WindowIndicators::uphillFraction));
        Figures.level(chart, "0: unrelated gradients", x[0], x[x.length - 1], 0, java.awt.Color.GRAY);
        Figures.level(chart, "0.4: high uphill share", x[0], x[x.length - 1], 0.4, new java.awt.Color(255, 190, 130));
        chart.getStyler().setYAxisMin(-1.0);
        chart.getStyler().setYAxisMax(1.0);
        run.folder().save(chart, "cosine");
        return Written.of(null, new Figure("cosine", "Successive cosine and uphill steps",
                "Mean cosine between successive minibatch gradients and the fraction of steps whose loss went up, per window. "
                        + "Near −1 with many uphill steps: bouncing between the walls of a canyon (poor conditioning); near 0 with "
                        + "many uphill steps: noise; near 1: steady descent. The obstacle rules call an uphill share above 0.4 high "
                        + "(docs/metrics.md, obstacle).",
                List.of("indicators.csv")));
    }
}
