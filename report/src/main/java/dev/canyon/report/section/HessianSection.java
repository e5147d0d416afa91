package dev.canyon.report.section;

import dev.canyon.analytics.update.ProbeResult;
import java.awt.Color;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.XYChart;

/**
 * Hessian extremes on the probe batch (seed 001: saddles show a negative eigenvalue): λmax and λmin
 * of each Hessian probe ({@link ProbeResult.Hessian}, Lanczos on finite-difference Hessian-vector
 * products). Needs a Hessian probe.
 */
public final class HessianSection implements ReportSection<ReportedRun, HessianSection.Summary> {

    /**
     * summary.json: hessian_probes, lambda_min_lowest (NaN, so null, when a probe has no λmin),
     * lambda_min_first_negative_step (−1 when λmin never went below 0), lambda_min_first and
     * lambda_max_first (the first probe's).
     */
    public record Summary(int hessianProbes, double lambdaMinLowest, long lambdaMinFirstNegativeStep, double lambdaMinFirst,
            double lambdaMaxFirst) {}

    @Override
    public String name() {
        return "Hessian extremes";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.without(ProbeResult.Hessian.class, Skip.quietly("no Hessian probe"));
    }

    @Override
    public Written<Summary> write(ReportedRun run) throws IOException {
        List<ProbeResult.Hessian> probes = run.updates(ProbeResult.Hessian.class);
        double[] x = Series.of(probes, h -> h.at().step());
        XYChart chart = Figures.xy("Hessian extremes on the probe batch", "step", "eigenvalue");
        Figures.points(chart, "λmax", x, Series.of(probes, ProbeResult.Hessian::lambdaMax));
        Figures.points(chart, "λmin", x, Series.of(probes, ProbeResult.Hessian::lambdaMin));
        Figures.dashed(chart, "0", new double[] {x[0], x[x.length - 1]}, new double[] {0, 0}).setLineColor(Color.GRAY);
        run.folder().save(chart, "hessian");
        double lowest = Double.POSITIVE_INFINITY;
        long firstNegative = -1;
        for (ProbeResult.Hessian h : probes) {
            lowest = Math.min(lowest, h.lambdaMin());
            if (h.lambdaMin() < 0 && firstNegative < 0) {
                firstNegative = h.at().step();
            }
        }
        return Written.of(new Summary(probes.size(), lowest, firstNegative, probes.get(0).lambdaMin(), probes.get(0).lambdaMax()),
                new Figure("hessian", "Hessian extremes (seed 001: saddles show a negative eigenvalue)",
                        "Largest and smallest Hessian eigenvalues by Lanczos on finite-difference Hessian-vector products.",
                        List.of("hessian.csv")));
    }
}
