package dev.canyon.report.section;

import dev.canyon.analytics.update.ProbeResult;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Hessian extremes on the probe batch (Goodfellow 2015 tutorial: saddles show a negative eigenvalue):
 * λmax and λmin of each Hessian probe ({@link ProbeResult.Hessian}, Lanczos on finite-difference
 * Hessian-vector products), and the Hutchinson trace with its standard error (hessian-trace; probes
 * with a trace only). Needs a Hessian probe.
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
        XYChart chart = Figures.xy("Hessian extremes on the probe batch", "step", "eigenvalue (loss per squared parameter unit)");
        if (probes.size() < NoiseScaleSection.FEW) {
            // Probes far apart: markers alone, no line suggesting values between them.
            Figures.markers(chart, "λmax", x, Series.of(probes, ProbeResult.Hessian::lambdaMax), Figures.PALETTE[0]);
            Figures.markers(chart, "λmin", x, Series.of(probes, ProbeResult.Hessian::lambdaMin), Figures.PALETTE[1]);
        } else {
            Figures.points(chart, "λmax", x, Series.of(probes, ProbeResult.Hessian::lambdaMax));
            Figures.points(chart, "λmin", x, Series.of(probes, ProbeResult.Hessian::lambdaMin));
        }
        Figures.level(chart, "0 (below: a direction that curves down)", x[0], x[x.length - 1], 0, Color.GRAY);
        run.folder().save(chart, "hessian");
        List<Figure> figs = new ArrayList<>();
        double lowest = Double.POSITIVE_INFINITY;
        long firstNegative = -1;
        for (ProbeResult.Hessian h : probes) {
            lowest = Math.min(lowest, h.lambdaMin());
            if (h.lambdaMin() < 0 && firstNegative < 0) {
                firstNegative = h.at().step();
            }
        }
        figs.add(new Figure("hessian", "Hessian extremes " + Reference.GOODFELLOW_TUTORIAL_2015.cite("saddles show a negative eigenvalue"),
                "Largest and smallest Hessian eigenvalues by Lanczos on finite-difference Hessian-vector products, on the trainer's "
                        + "fixed probe batch (the same examples at every probe). λmin below 0: the loss curves down along some "
                        + "direction, as at a saddle point.",
                List.of("hessian.csv")));
        List<ProbeResult.Hessian> traced = probes.stream().filter(h -> h.traceSamples() > 0 && Double.isFinite(h.trace())).toList();
        if (!traced.isEmpty()) {
            run.folder().save(traceChart(traced), "hessian-trace");
            figs.add(new Figure("hessian-trace", "Hessian trace (Hutchinson's estimator) with its standard error", traceCaption(traced),
                    List.of("hessian.csv")));
        }
        return Written.of(new Summary(probes.size(), lowest, firstNegative, probes.get(0).lambdaMin(), probes.get(0).lambdaMax()), figs);
    }

    /**
     * tr H of each probe with a trace, with error bars of ± one standard error where the probe recorded
     * it, and markers alone where it did not.
     */
    static XYChart traceChart(List<ProbeResult.Hessian> traced) {
        XYChart chart = Figures.xy("Hessian trace on the probe batch (Hutchinson), error bars ± 1 standard error", "step", "tr H (loss per squared parameter unit)");
        List<ProbeResult.Hessian> withError = traced.stream().filter(h -> Double.isFinite(h.traceStderr())).toList();
        List<ProbeResult.Hessian> without = traced.stream().filter(h -> !Double.isFinite(h.traceStderr())).toList();
        if (!withError.isEmpty()) {
            XYSeries s = chart.addSeries("tr H ± 1 standard error (" + samples(withError) + " Rademacher vectors per probe)",
                    Series.of(withError, h -> h.at().step()), Series.of(withError, ProbeResult.Hessian::trace),
                    Series.of(withError, ProbeResult.Hessian::traceStderr));
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CIRCLE);
            Figures.colored(s, Figures.PALETTE[0]);
            chart.getStyler().setErrorBarsColorSeriesColor(true);
        }
        if (!without.isEmpty()) {
            Figures.markers(chart, "tr H, standard error not recorded", Series.of(without, h -> h.at().step()),
                    Series.of(without, ProbeResult.Hessian::trace), Figures.PALETTE[7]).setMarker(SeriesMarkers.DIAMOND);
        }
        chart.getStyler().setMarkerSize(8);
        return chart;
    }

    static String traceCaption(List<ProbeResult.Hessian> traced) {
        long without = traced.stream().filter(h -> !Double.isFinite(h.traceStderr())).count();
        return "Hutchinson's estimate of tr H on the probe batch: the mean of vᵀHv over n Rademacher vectors v (n = " + samples(traced)
                + " per probe), each Hv a finite-difference Hessian-vector product. Error bars: ± one standard error, the sample "
                + "standard deviation of the n values vᵀHv over √n (about 68 % of such intervals hold tr H; double them for 95 %)."
                + (without == 0 ? "" : " " + without + " of the " + traced.size() + " probes carry no standard error (grey diamonds: "
                        + "recorded by a trainer that predates it, or taken with fewer than 2 vectors); with only n known, their "
                        + "uncertainty cannot be given.");
    }

    /** The probes' Rademacher vector counts: "20", or "10 to 20" when they differ. */
    private static String samples(List<ProbeResult.Hessian> probes) {
        int min = probes.stream().mapToInt(ProbeResult.Hessian::traceSamples).min().orElse(0);
        int max = probes.stream().mapToInt(ProbeResult.Hessian::traceSamples).max().orElse(0);
        return min == max ? Integer.toString(min) : min + " to " + max;
    }
}
