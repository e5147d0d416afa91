package dev.canyon.report.section;

import dev.canyon.analytics.update.WindowIndicators;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.XYChart;

/**
 * The gradient noise scale (seed 001: noise): the variance of the minibatch gradients over the
 * squared norm of their mean, per window ({@link WindowIndicators}; docs/metrics.md). Needs window
 * indicators.
 */
public final class NoiseScaleSection implements ReportSection<ReportedRun, Void> {

    @Override
    public String name() {
        return "noise scale";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.without(WindowIndicators.class, Skip.quietly("no window indicators"));
    }

    @Override
    public Written<Void> write(ReportedRun run) throws IOException {
        List<WindowIndicators> windows = run.updates(WindowIndicators.class);
        XYChart chart = Figures.xy("Gradient noise scale", "step", "noise scale");
        Figures.line(chart, "noise scale", Series.of(windows, w -> w.at().step()), Series.of(windows, WindowIndicators::noiseScale));
        Figures.logIfPositive(chart);
        run.folder().save(chart, "noise-scale");
        return Written.of(null, new Figure("noise-scale", "Gradient noise scale (seed 001: noise)",
                "Variance of the minibatch gradients over the squared norm of their mean, per window (see docs/metrics.md).",
                List.of("indicators.csv")));
    }
}
