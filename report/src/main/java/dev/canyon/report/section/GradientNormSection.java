package dev.canyon.report.section;

import dev.canyon.analytics.update.StepMeasured;
import dev.canyon.analytics.update.WindowIndicators;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.XYChart;

/**
 * The gradient norm (seed 001: local minima and saddles show as a small gradient): ‖g_t‖ of every
 * step ({@link StepMeasured}) and its mean over each window ({@link WindowIndicators}). Needs either.
 */
public final class GradientNormSection implements ReportSection<ReportedRun, Void> {

    @Override
    public String name() {
        return "gradient norm";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.updates(StepMeasured.class).isEmpty() && run.updates(WindowIndicators.class).isEmpty()
                ? Optional.of(Skip.quietly("no steps and no window indicators")) : Optional.empty();
    }

    @Override
    public Written<Void> write(ReportedRun run) throws IOException {
        List<StepMeasured> steps = run.updates(StepMeasured.class);
        List<WindowIndicators> windows = run.updates(WindowIndicators.class);
        XYChart chart = Figures.xy("Gradient norm", "step", "‖g‖");
        if (!steps.isEmpty()) {
            Figures.line(chart, "‖g_t‖ (every step)", Series.of(steps, s -> s.at().step()), Series.of(steps, StepMeasured::gradNorm))
                    .setLineWidth(1f);
        }
        if (!windows.isEmpty()) {
            Figures.line(chart, "window mean", Series.of(windows, w -> w.at().step()), Series.of(windows, WindowIndicators::gradNormMean))
                    .setLineWidth(2.5f);
        }
        Figures.logIfPositive(chart);
        run.folder().save(chart, "gradient-norm");
        return Written.of(null, new Figure("gradient-norm", "Gradient norm "
                + Reference.GOODFELLOW_TUTORIAL_2015.cite("local minima and saddles show as a small gradient"),
                "‖g_t‖ of the minibatch gradient at every step and its mean over each window.", List.of("gradient.csv", "indicators.csv")));
    }
}
