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
        XYChart chart = Figures.xy("Curvature", "step", "curvature (loss per squared parameter distance)");
        Figures.line(chart, "window curvature (" + windows.get(0).curvatureSource().label() + ")", Series.of(windows, w -> w.at().step()),
                Series.of(windows, WindowIndicators::curvature));
        List<ProbeResult.Curvature> probes = run.updates(ProbeResult.Curvature.class);
        List<String> csv = new ArrayList<>(List.of("indicators.csv"));
        if (!probes.isEmpty()) {
            double[] x = Series.of(probes, p -> p.at().step());
            Figures.points(chart, "probe: along the step", x, Series.of(probes, ProbeResult.Curvature::alongStep));
            Figures.points(chart, "probe: along the gradient (gᵀHg/‖g‖²)", x, Series.of(probes, ProbeResult.Curvature::alongGradient));
            csv.add("curvature_probe.csv");
        }
        run.folder().save(chart, "curvature");
        return Written.of(null, new Figure("curvature", "Directional curvature " + Reference.GOODFELLOW_TUTORIAL_2015.cite(),
                "The window's curvature estimate and the same-batch probes along the step and along the gradient.", csv));
    }
}
