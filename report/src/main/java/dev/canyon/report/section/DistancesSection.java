package dev.canyon.report.section;

import dev.canyon.analytics.update.StepMeasured;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.XYChart;

/**
 * Distance travelled against displacement (seed 002): the path length Σ‖Δθ‖, the displacement
 * ‖θ_t − θ₀‖ and the distance from the origin ‖θ_t‖ of every step ({@link StepMeasured}). Needs steps.
 */
public final class DistancesSection implements ReportSection<ReportedRun, DistancesSection.Summary> {

    /** summary.json: path_length, displacement, path_over_displacement and distance_from_origin at the last step. */
    public record Summary(double pathLength, double displacement, double pathOverDisplacement, double distanceFromOrigin) {}

    @Override
    public String name() {
        return "distances";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.without(StepMeasured.class, Skip.quietly("no steps"));
    }

    @Override
    public Written<Summary> write(ReportedRun run) throws IOException {
        List<StepMeasured> steps = run.updates(StepMeasured.class);
        XYChart chart = Figures.xy("Distance travelled against displacement " + Reference.LIPTON_2016.cite(), "step",
                "parameter-space distance");
        double[] x = Series.of(steps, s -> s.at().step());
        Figures.line(chart, "path length Σ‖Δθ‖", x, Series.of(steps, StepMeasured::pathLength));
        Figures.line(chart, "displacement ‖θ_t − θ₀‖", x, Series.of(steps, StepMeasured::displacement));
        Figures.dashed(chart, "distance from the origin ‖θ_t‖", x, Series.of(steps, StepMeasured::distanceFromOrigin));
        run.folder().save(chart, "distances");
        double path = Series.lastFinite(steps, StepMeasured::pathLength);
        double displacement = Series.lastFinite(steps, StepMeasured::displacement);
        return Written.of(new Summary(path, displacement, path / displacement, Series.lastFinite(steps, StepMeasured::distanceFromOrigin)),
                new Figure("distances", "Distances " + Reference.LIPTON_2016.cite(),
                        "Path length (sum of step lengths), displacement from θ₀ and distance from the origin, from the exact per-step "
                                + "scalars.", List.of("distance.csv")));
    }
}
