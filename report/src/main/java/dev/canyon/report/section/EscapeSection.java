package dev.canyon.report.section;

import dev.canyon.analytics.update.StepMeasured;
import java.util.List;
import java.util.Optional;

/**
 * When the run left its starting level: the first step whose 10-step mean minibatch loss has covered
 * half of the run's decrease, from the mean of its first 10 losses to the mean of its last 10. For a
 * run started at a saddle this is its escape. Numbers only, no figure. Needs 20 steps.
 */
public final class EscapeSection implements ReportSection<ReportedRun, EscapeSection.Summary> {
    private static final int MEAN_OF = 10;

    /** summary.json: initial_loss (the mean of the first 10 losses) and escape_step (−1 when the loss did not decrease). */
    public record Summary(double initialLoss, long escapeStep) {}

    @Override
    public String name() {
        return "escape";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.updates(StepMeasured.class).size() < 2 * MEAN_OF ? Optional.of(Skip.quietly("fewer than 20 steps")) : Optional.empty();
    }

    @Override
    public Written<Summary> write(ReportedRun run) {
        List<StepMeasured> steps = run.updates(StepMeasured.class);
        double[] loss = Series.of(steps, StepMeasured::loss);
        double start = 0;
        double end = 0;
        for (int i = 0; i < MEAN_OF; i++) {
            start += loss[i] / MEAN_OF;
            end += loss[loss.length - 1 - i] / MEAN_OF;
        }
        long escape = -1;
        if (end < start) {
            double halfway = start - 0.5 * (start - end);
            double window = 0;
            for (int i = 0; i < loss.length; i++) {
                window += loss[i];
                if (i >= MEAN_OF) {
                    window -= loss[i - MEAN_OF];
                }
                if (i >= MEAN_OF - 1 && window / MEAN_OF <= halfway) {
                    escape = steps.get(i).at().step();
                    break;
                }
            }
        }
        return Written.of(new Summary(start, escape));
    }
}
