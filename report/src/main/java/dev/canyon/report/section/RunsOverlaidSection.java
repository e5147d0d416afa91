package dev.canyon.report.section;

import dev.canyon.analytics.update.StepMeasured;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/**
 * An experiment's runs overlaid (seed 002): each run's path length and displacement, and its distance
 * from the origin, over steps ({@link StepMeasured}). Needs a run with steps.
 */
public final class RunsOverlaidSection implements ReportSection<ReportedExperiment, RunsOverlaidSection.Summary> {

    /**
     * summary.json: distance_from_origin (each run's last ‖θ_t‖, null for a run without steps) and
     * distance_from_origin_cv (their coefficient of variation over the aggregated runs).
     */
    public record Summary(List<Double> distanceFromOrigin, double distanceFromOriginCv) {}

    @Override
    public String name() {
        return "runs overlaid";
    }

    @Override
    public Optional<Skip> skip(ReportedExperiment experiment) {
        return experiment.runs().stream().allMatch(r -> r.updates(StepMeasured.class).isEmpty())
                ? Optional.of(Skip.quietly("no run recorded a step")) : Optional.empty();
    }

    @Override
    public Written<Summary> write(ReportedExperiment experiment) throws IOException {
        XYChart travelled = Figures.xy("Path length (solid) and displacement (dashed) of each run", "step", "parameter-space distance");
        XYChart origin = Figures.xy("Distance from the origin of each run", "step", "‖θ_t‖");
        for (XYChart c : List.of(travelled, origin)) {
            // One or two entries per run: a column inside the plot's empty upper left, not a row that overflows.
            c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
            c.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        }
        List<Double> finalOrigin = new ArrayList<>();
        List<Double> aggregatedOrigin = new ArrayList<>();
        for (int i = 0; i < experiment.runs().size(); i++) {
            List<StepMeasured> steps = experiment.runs().get(i).updates(StepMeasured.class);
            if (steps.isEmpty()) {
                finalOrigin.add(Double.NaN);
                continue;
            }
            String label = experiment.labels().get(i);
            double[] x = Series.of(steps, s -> s.at().step());
            XYSeries p = Figures.line(travelled, label + " path", x, Series.of(steps, StepMeasured::pathLength));
            p.setLineColor(Figures.PALETTE[i % Figures.PALETTE.length]);
            Figures.dashed(travelled, label + " displacement", x, Series.of(steps, StepMeasured::displacement))
                    .setLineColor(Figures.PALETTE[i % Figures.PALETTE.length]);
            Figures.line(origin, label, x, Series.of(steps, StepMeasured::distanceFromOrigin));
            double last = Series.lastFinite(steps, StepMeasured::distanceFromOrigin);
            finalOrigin.add(last);
            if (experiment.aggregated().get(i)) {
                aggregatedOrigin.add(last);
            }
        }
        experiment.folder().save(travelled, "runs-distances");
        experiment.folder().save(origin, "runs-origin");
        return Written.of(new Summary(finalOrigin, Series.cv(aggregatedOrigin)),
                new Figure("runs-distances", "Distance travelled by each run " + Reference.LIPTON_2016.cite(),
                        "Path length and displacement per run.", List.of()),
                new Figure("runs-origin", "Distance from the origin " + Reference.LIPTON_2016.cite(), "‖θ_t‖ per run.", List.of()));
    }
}
