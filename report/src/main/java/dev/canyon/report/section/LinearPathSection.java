package dev.canyon.report.section;

import dev.canyon.analytics.update.ProbeResult;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

/**
 * The loss along the straight line from initialization (seed 000): one curve per linear-path probe
 * ({@link ProbeResult.LinearPath}), on the training batch and, when the probe had one, the validation
 * batch, with each probe's barrier and monotonicity. Needs a probe with points on the line.
 */
public final class LinearPathSection implements ReportSection<ReportedRun, LinearPathSection.Summary> {

    /**
     * summary.json: linear_path_probes (probe times), linear_path_monotone_probes and
     * linear_path_validation_monotone_probes (how many of them are monotone), the last probe's step,
     * monotonicity and barriers, and the largest training barrier of any probe.
     */
    public record Summary(int linearPathProbes, int linearPathMonotoneProbes, int linearPathValidationMonotoneProbes,
            long linearPathLastStep, boolean linearPathLastMonotone, double linearPathLastBarrier,
            boolean linearPathLastValidationMonotone, double linearPathMaxBarrier, double linearPathLastValidationBarrier) {}

    @Override
    public String name() {
        return "linear path";
    }

    @Override
    public Optional<Skip> skip(ReportedRun run) {
        return run.updates(ProbeResult.LinearPath.class).stream().anyMatch(l -> l.alpha().length > 0) ? Optional.empty()
                : Optional.of(Skip.quietly("no linear-path probe"));
    }

    @Override
    public Written<Summary> write(ReportedRun run) throws IOException {
        List<ProbeResult.LinearPath> probes = run.updates(ProbeResult.LinearPath.class);
        // One curve per probe step (probes of one step joined), and the latest probe of each step for its barrier.
        TreeMap<Long, Curve> curves = new TreeMap<>();
        TreeMap<Long, ProbeResult.LinearPath> byStep = new TreeMap<>();
        for (ProbeResult.LinearPath l : probes) {
            if (l.alpha().length > 0) {
                curves.merge(l.at().step(), Curve.of(l), Curve::join);
            }
            byStep.put(l.at().step(), l);
        }
        XYChart chart = Figures.xy("Loss along the straight line θ(α) = (1 − α) θ₀ + α θ_t "
                + Reference.GOODFELLOW_VINYALS_SAXE_2015.cite(), "α", "loss");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        int monotone = 0;
        int validationMonotone = 0;
        int curve = 0;
        for (Map.Entry<Long, Curve> e : curves.entrySet()) {
            Color colour = Figures.PALETTE[curve++ % Figures.PALETTE.length];
            ProbeResult.LinearPath probe = byStep.get(e.getKey());
            Figures.line(chart, "train t=" + e.getKey() + String.format(Locale.ROOT, ", barrier %.2g", probe.train().barrier()),
                    e.getValue().alpha, e.getValue().train).setLineColor(colour);
            if (Series.anyFinite(e.getValue().validation)) {
                Figures.dashed(chart, "valid. t=" + e.getKey() + String.format(Locale.ROOT, ", barrier %.2g", validationBarrier(probe)),
                        e.getValue().alpha, e.getValue().validation).setLineColor(colour);
            }
            monotone += probe.train().monotone() ? 1 : 0;
            validationMonotone += validationMonotone(probe) ? 1 : 0;
        }
        chart.addAnnotation(new AnnotationLine(0, true, false));
        chart.addAnnotation(new AnnotationLine(1, true, false));
        run.folder().save(chart, "linear-path");
        ProbeResult.LinearPath last = byStep.lastEntry().getValue();
        double maxBarrier = byStep.values().stream().mapToDouble(l -> l.train().barrier()).filter(Double::isFinite).max().orElse(Double.NaN);
        return Written.of(new Summary(curves.size(), monotone, validationMonotone, last.at().step(), last.train().monotone(),
                last.train().barrier(), validationMonotone(last), maxBarrier, validationBarrier(last)),
                new Figure("linear-path", "Linear path from initialization " + Reference.GOODFELLOW_VINYALS_SAXE_2015.cite(),
                        "Loss on the probe batches along the straight line from θ₀ (α = 0) to θ_t (α = 1) and beyond, one curve per probe "
                                + "time (solid: training batch, dashed: validation batch). Barrier: the largest height of the curve above the "
                                + "chord between its values at α = 0 and α = 1, over α ∈ [0, 1] (0 when it stays below; a curve can decrease "
                                + "monotonically and still have one). Monotone: the loss never rises from α = 0 to α = 1 "
                                + "(linear_path_summary.csv).",
                        List.of("linear_path.csv", "linear_path_summary.csv")));
    }

    private static boolean validationMonotone(ProbeResult.LinearPath l) {
        return l.validation() != null && l.validation().monotone();
    }

    private static double validationBarrier(ProbeResult.LinearPath l) {
        return l.validation() == null ? Double.NaN : l.validation().barrier();
    }

    /** A probe's points on the line: α, and the training and validation losses there (NaN without a validation batch). */
    private record Curve(double[] alpha, double[] train, double[] validation) {
        static Curve of(ProbeResult.LinearPath l) {
            double[] validation = l.validationLoss().length > 0 ? l.validationLoss() : nan(l.alpha().length);
            return new Curve(l.alpha(), l.trainLoss(), validation);
        }

        Curve join(Curve next) {
            return new Curve(concat(alpha, next.alpha), concat(train, next.train), concat(validation, next.validation));
        }

        private static double[] nan(int n) {
            double[] v = new double[n];
            Arrays.fill(v, Double.NaN);
            return v;
        }

        private static double[] concat(double[] a, double[] b) {
            double[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }
}
